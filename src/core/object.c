/* Handle headers, type checks, reference counts and the free quarantine. */
#include "core/internal.h"

#include <pthread.h>
#include <stdlib.h>

const weft__type weft__dead_type = { "freed object", NULL };

/* Freed handles stay poisoned in a per-thread ring for a while before their
 * memory goes back to malloc, so the common mistake (use right after free, in
 * the same thread) is reported instead of reading reused memory. */
#define WEFT__QUARANTINE 16

typedef struct weft__ring {
    void *slot[WEFT__QUARANTINE];
    unsigned next;
} weft__ring;

static _Thread_local weft__ring weft__quarantine;
static _Thread_local bool weft__ring_armed;
static pthread_key_t weft__ring_key;
static pthread_once_t weft__ring_once = PTHREAD_ONCE_INIT;

static void weft__ring_flush(void *unused)
{
    (void)unused;
    for (unsigned i = 0; i < WEFT__QUARANTINE; i++) {
        free(weft__quarantine.slot[i]);
        weft__quarantine.slot[i] = NULL;
    }
    /* Handles freed later in this thread's exit (by other key destructors)
     * re-arm the key, so the destructor runs again and frees them too. */
    weft__ring_armed = false;
}

static void weft__ring_key_init(void)
{
    (void)pthread_key_create(&weft__ring_key, weft__ring_flush);
}

static void weft__quarantine_put(void *mem)
{
    if (!weft__ring_armed) {
        /* A thread-specific value makes the key's destructor run at thread
         * exit, which empties this thread's ring. */
        pthread_once(&weft__ring_once, weft__ring_key_init);
        pthread_setspecific(weft__ring_key, &weft__quarantine);
        weft__ring_armed = true;
    }
    unsigned i = weft__quarantine.next++ % WEFT__QUARANTINE;
    free(weft__quarantine.slot[i]);
    weft__quarantine.slot[i] = mem;
}

/* The main thread's ring is emptied at exit so leak checkers stay quiet. */
__attribute__((destructor)) static void weft__ring_at_exit(void)
{
    weft__ring_flush(NULL);
}

void *weft__obj_new(const weft__type *type, size_t size)
{
    weft__obj *obj = calloc(1, size);
    if (obj == NULL) {
        weft__fail(WEFT_NOMEM, "%s: out of memory", type->name);
        return NULL;
    }
    obj->type = type;
    atomic_init(&obj->refs, 1);
    return obj;
}

void *weft__open_failed(const void *h, const weft__type *type, const char *fn, weft_status *st)
{
    *st = weft__check_failed(h, type, fn);
    return NULL;
}

weft_status weft__check_failed(const void *h, const weft__type *type, const char *fn)
{
    if (h == NULL)
        return weft__fail(WEFT_EINVAL, "%s: %s handle is NULL", fn, type->name);
    const weft__type *actual = ((const weft__obj *)h)->type;
    if (actual == &weft__dead_type)
        return weft__fail(WEFT_EINVAL, "%s: %s handle was already freed", fn, type->name);
    return weft__fail(WEFT_EINVAL, "%s: not a %s handle", fn, type->name);
}

void weft__unref(void *h)
{
    weft__obj *obj = h;
    if (atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) != 1)
        return;
    const weft__type *type = obj->type;
    obj->type = &weft__dead_type;
    if (type->destroy != NULL)
        type->destroy(obj);
    weft__quarantine_put(obj);
}

weft_status weft__free_handle(void *h, const weft__type *type, const char *fn)
{
    if (h == NULL)
        return WEFT_OK;
    weft_status st = weft__check(h, type, fn);
    if (st != WEFT_OK)
        return st;
    weft__unref(h);
    return WEFT_OK;
}

weft_status weft_handle_ref(void *handle)
{
    if (handle == NULL)
        return weft__fail(WEFT_EINVAL, "%s: handle is NULL", __func__);
    weft__obj *obj = handle;
    if (obj->type == &weft__dead_type)
        return weft__fail(WEFT_EINVAL, "%s: handle was already freed", __func__);
    weft__ref(obj);
    return WEFT_OK;
}

weft_status weft_handle_unref(void *handle)
{
    if (handle == NULL)
        return WEFT_OK;
    weft__obj *obj = handle;
    if (obj->type == &weft__dead_type)
        return weft__fail(WEFT_EINVAL, "%s: handle was already freed", __func__);
    weft__unref(obj);
    return WEFT_OK;
}
