/* threading.RLock: the futex-word mutex plus an owner and a recursion count. */
#include "sync/internal.h"

#include <limits.h>

const weft__type weft__rlock_type = { "rlock", NULL };

weft_rlock *weft__rlock_create(void)
{
    weft_rlock *r = weft__obj_new(&weft__rlock_type, sizeof *r);
    if (r != NULL) {
        weft__mutex_init(&r->m);
        atomic_init(&r->owner, 0);
        r->count = 0;
    }
    return r;
}

weft_status weft_rlock_new(weft_rlock **out)
{
    WEFT__OUT(out);
    weft_rlock *r = weft__rlock_create();
    if (r == NULL)
        return WEFT_NOMEM;
    *out = weft__handle(r);
    return WEFT_OK;
}

weft_status weft_rlock_free(weft_rlock *rlock)
{
    WEFT__FREE(rlock, weft__rlock_type);
}

static inline void weft__rlock_take(weft_rlock *r, uintptr_t me, unsigned long count)
{
    atomic_store_explicit(&r->owner, me, memory_order_relaxed);
    r->count = count;
}

weft_status weft__rlock_acquire_in(weft_rlock *r, double timeout, const char *fn)
{
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    uintptr_t me = weft__self();
    if (weft__rlock_mine(r, me)) {
        if (r->count == ULONG_MAX)
            return weft__fail(WEFT_OVERFLOW, "%s: recursion count overflowed", fn);
        r->count++;
        return WEFT_OK;
    }
    if (!weft__mutex_trylock(&r->m) && weft__mutex_lock_slow(&r->m, &d) != 0)
        return WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: timed out after %g s", fn, timeout);
    weft__rlock_take(r, me, 1);
    return WEFT_OK;
}

/* As for Lock, the fast paths make calls only in tail position. */
__attribute__((noinline, cold)) static weft_status weft__rlock_acquire_slow(weft_rlock *rlock, double timeout)
{
    static const char fn[] = "weft_rlock_acquire";
    weft_status st;
    rlock = weft__open(rlock, &weft__rlock_type, fn, &st);
    if (rlock == NULL)
        return st;
    return weft__rlock_acquire_in(rlock, timeout, fn);
}

weft_status weft_rlock_acquire(weft_rlock *rlock, double timeout)
{
    weft_rlock *r = weft__live(rlock, &weft__rlock_type);
    if (WEFT__LIKELY(r != NULL && !weft__timeout_bad(timeout))) {
        uintptr_t me = weft__self();
        if (weft__rlock_mine(r, me)) {
            if (WEFT__LIKELY(r->count != ULONG_MAX)) {
                r->count++;
                return WEFT_OK;
            }
        } else if (WEFT__LIKELY(weft__mutex_trylock(&r->m))) {
            weft__rlock_take(r, me, 1);
            return WEFT_OK;
        }
    }
    return weft__rlock_acquire_slow(rlock, timeout);
}

__attribute__((noinline, cold)) weft_status weft__rlock_release_not_owner(const char *fn)
{
    return weft__fail(WEFT_NOT_OWNER, "%s: cannot release un-acquired lock", fn);
}

__attribute__((noinline)) void weft__rlock_release_wake(weft_rlock *r)
{
    weft__mutex_wake(&r->m);
}

weft_status weft_rlock_release(weft_rlock *rlock)
{
    WEFT__OPEN(rlock, weft__rlock_type);
    return weft__rlock_release_in(rlock, __func__);
}

bool weft__rlock_is_owned(weft_rlock *r)
{
    return weft__rlock_mine(r, weft__self());
}

unsigned long weft__rlock_release_save(weft_rlock *r)
{
    unsigned long count = r->count;
    r->count = 0;
    atomic_store_explicit(&r->owner, 0, memory_order_relaxed);
    (void)weft__mutex_unlock(&r->m);
    return count;
}

void weft__rlock_acquire_restore(weft_rlock *r, unsigned long count)
{
    weft__mutex_lock(&r->m);
    weft__rlock_take(r, weft__self(), count);
}
