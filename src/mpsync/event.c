/* multiprocessing.Event: the kit's event word (core/kit.h) in shared memory,
 * parked on across processes. An event has no holder, so there is no death
 * to find. */
#include "mpsync/internal.h"

typedef struct weft__mp_event_shared {
    weft__mp_hdr h;
    atomic_uint word;
} weft__mp_event_shared;

struct weft_mp_event {
    weft__mp_obj base;
    atomic_uint *word;
    weft__spin spin; /* this process's spinning, not shared */
};

static const weft__type weft__mp_event_type = { "multiprocessing event", weft__mp_obj_destroy };

static weft_status weft__mp_event_make(weft_mp_event **out, int mode, void *mem, size_t size, const char *fn)
{
    WEFT__OUT_CLEAR(out);
    weft_status st;
    weft_mp_event *e = weft__mp_obj_make(&weft__mp_event_type, sizeof *e, mode, mem, size,
                                         sizeof(weft__mp_event_shared), WEFT__MP_EVENT, fn, &st);
    if (e == NULL)
        return st;
    weft__mp_event_shared *s = e->base.place.state;
    e->word = &s->word;
    weft__spin_init(&e->spin);
    if (mode != WEFT__MP_MAKE_ATTACH) {
        atomic_init(&s->word, 0);
        weft__mp_publish(&s->h);
    }
    *out = weft__handle(e);
    return WEFT_OK;
}

weft_status weft_mp_event_size(size_t *out)
{
    WEFT__OUT(out);
    *out = sizeof(weft__mp_event_shared);
    return WEFT_OK;
}

weft_status weft_mp_event_new(weft_mp_event **out)
{
    return weft__mp_event_make(out, WEFT__MP_MAKE_NEW, NULL, 0, __func__);
}

weft_status weft_mp_event_new_at(weft_mp_event **out, void *mem, size_t size)
{
    return weft__mp_event_make(out, WEFT__MP_MAKE_AT, mem, size, __func__);
}

weft_status weft_mp_event_attach(weft_mp_event **out, void *mem, size_t size)
{
    return weft__mp_event_make(out, WEFT__MP_MAKE_ATTACH, mem, size, __func__);
}

weft_status weft_mp_event_free(weft_mp_event *event)
{
    WEFT__FREE(event, weft__mp_event_type);
}

weft_status weft_mp_event_is_set(weft_mp_event *event, int *out)
{
    WEFT__OPEN(event, weft__mp_event_type);
    WEFT__OUT(out);
    *out = weft__evword_is_set(event->word);
    return WEFT_OK;
}

weft_status weft_mp_event_set(weft_mp_event *event)
{
    WEFT__OPEN(event, weft__mp_event_type);
    weft__evword_set(event->word, true);
    return WEFT_OK;
}

weft_status weft_mp_event_clear(weft_mp_event *event)
{
    WEFT__OPEN(event, weft__mp_event_type);
    weft__evword_clear(event->word);
    return WEFT_OK;
}

weft_status weft_mp_event_wait(weft_mp_event *event, double timeout)
{
    WEFT__OPEN(event, weft__mp_event_type);
    if (WEFT__LIKELY(!weft__timeout_bad(timeout)) && weft__evword_is_set(event->word))
        return WEFT_OK;
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    if (weft__evword_wait(event->word, &event->spin, &d, true) == 0)
        return WEFT_OK;
    return WEFT__MP_WAIT_FAILED(__func__, timeout);
}
