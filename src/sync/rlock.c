/* threading.RLock: the futex-word mutex plus an owner and a recursion count. */
#include "sync/internal.h"

#include <limits.h>

const weft__type weft__rlock_type = { "rlock", NULL };

weft_status weft_rlock_new(weft_rlock **out)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_rlock_new: out is NULL");
    weft_rlock *r = weft__obj_new(&weft__rlock_type, sizeof *r);
    if (r == NULL)
        return WEFT_NOMEM;
    weft__mutex_init(&r->m);
    atomic_init(&r->owner, 0);
    r->count = 0;
    *out = r;
    return WEFT_OK;
}

weft_status weft_rlock_free(weft_rlock *rlock)
{
    return weft__free_handle(rlock, &weft__rlock_type, "weft_rlock_free");
}

/* Only the owner itself can have stored its own id, so a relaxed load that
 * reads it is exact; any other value means "not mine". */
static inline bool weft__rlock_mine(weft_rlock *r, uintptr_t me)
{
    return atomic_load_explicit(&r->owner, memory_order_relaxed) == me;
}

static inline void weft__rlock_take(weft_rlock *r, uintptr_t me, unsigned long count)
{
    atomic_store_explicit(&r->owner, me, memory_order_relaxed);
    r->count = count;
}

/* As for Lock, the fast paths make calls only in tail position. */
__attribute__((noinline, cold)) static weft_status weft__rlock_acquire_slow(weft_rlock *rlock, double timeout)
{
    weft_status st = weft__check(rlock, &weft__rlock_type, "weft_rlock_acquire");
    if (st != WEFT_OK)
        return st;
    weft__deadline d;
    st = weft__deadline_init(&d, timeout, "weft_rlock_acquire");
    if (st != WEFT_OK)
        return st;
    uintptr_t me = weft__self();
    if (weft__rlock_mine(rlock, me)) {
        if (rlock->count == ULONG_MAX)
            return weft__fail(WEFT_OVERFLOW, "weft_rlock_acquire: recursion count overflowed");
        rlock->count++;
        return WEFT_OK;
    }
    if (weft__mutex_lock_slow(&rlock->m, &d) != 0)
        return weft__fail(WEFT_TIMEOUT, "weft_rlock_acquire: timed out after %g s", timeout);
    weft__rlock_take(rlock, me, 1);
    return WEFT_OK;
}

weft_status weft_rlock_acquire(weft_rlock *rlock, double timeout)
{
    if (WEFT__LIKELY(rlock != NULL && rlock->hdr.type == &weft__rlock_type && !weft__timeout_bad(timeout))) {
        uintptr_t me = weft__self();
        if (weft__rlock_mine(rlock, me)) {
            if (WEFT__LIKELY(rlock->count != ULONG_MAX)) {
                rlock->count++;
                return WEFT_OK;
            }
        } else if (WEFT__LIKELY(weft__mutex_trylock(&rlock->m))) {
            weft__rlock_take(rlock, me, 1);
            return WEFT_OK;
        }
    }
    return weft__rlock_acquire_slow(rlock, timeout);
}

__attribute__((noinline, cold)) static weft_status weft__rlock_release_not_owner(void)
{
    return weft__fail(WEFT_NOT_OWNER, "weft_rlock_release: cannot release un-acquired lock");
}

__attribute__((noinline)) static weft_status weft__rlock_release_wake(weft_rlock *rlock)
{
    weft__mutex_wake(&rlock->m);
    return WEFT_OK;
}

weft_status weft_rlock_release(weft_rlock *rlock)
{
    if (WEFT__UNLIKELY(rlock == NULL || rlock->hdr.type != &weft__rlock_type))
        return weft__check_failed(rlock, &weft__rlock_type, "weft_rlock_release");
    if (WEFT__UNLIKELY(!weft__rlock_mine(rlock, weft__self())))
        return weft__rlock_release_not_owner();
    if (--rlock->count != 0)
        return WEFT_OK;
    atomic_store_explicit(&rlock->owner, 0, memory_order_relaxed);
    /* The owner's own lock is locked: the fast release cannot report 0. */
    if (WEFT__UNLIKELY(weft__mutex_unlock_fast(&rlock->m) == 2))
        return weft__rlock_release_wake(rlock);
    return WEFT_OK;
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
