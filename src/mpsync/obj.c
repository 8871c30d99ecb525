/* The handles of the multiprocessing primitives: a process-local object
 * (core/object.c) pointing at state in shared memory. */
#include "mpsync/internal.h"

void *weft__mp_obj_make(const weft__type *type, size_t objsize, int mode, void *mem, size_t have, size_t need,
                        int kind, const char *fn, weft_status *st)
{
    weft__mp_obj *o = weft__obj_new(type, objsize);
    if (o == NULL) {
        *st = WEFT_NOMEM;
        return NULL;
    }
    if (mode == WEFT__MP_MAKE_ATTACH)
        *st = weft__mp_place_attach(&o->place, mem, have, kind, fn);
    else if (mode == WEFT__MP_MAKE_AT)
        *st = weft__mp_place_at(&o->place, mem, have, need, fn);
    else
        *st = weft__mp_place_new(&o->place, need, fn);
    if (*st != WEFT_OK) {
        weft__obj_discard(o);
        return NULL;
    }
    if (mode != WEFT__MP_MAKE_ATTACH)
        weft__mp_hdr_init(o->place.state, kind, need);
    return o;
}

void weft__mp_obj_destroy(void *obj)
{
    weft__mp_place_release(&((weft__mp_obj *)obj)->place);
}
