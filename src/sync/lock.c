/* threading.Lock: a futex word that any thread may release. */
#include "sync/internal.h"

const weft__type weft__lock_type = { "lock", NULL };

weft_status weft_lock_new(weft_lock **out)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_lock_new: out is NULL");
    weft_lock *l = weft__obj_new(&weft__lock_type, sizeof *l);
    if (l == NULL)
        return WEFT_NOMEM;
    weft__mutex_init(&l->m);
    *out = l;
    return WEFT_OK;
}

weft_status weft_lock_free(weft_lock *lock)
{
    return weft__free_handle(lock, &weft__lock_type, "weft_lock_free");
}

__attribute__((noinline)) static weft_status weft__lock_acquire_slow(weft_lock *lock, double timeout)
{
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, "weft_lock_acquire");
    if (st != WEFT_OK)
        return st;
    if (weft__mutex_lock_slow(&lock->m, &d) != 0)
        return weft__fail(WEFT_TIMEOUT, "weft_lock_acquire: timed out after %g s", timeout);
    return WEFT_OK;
}

weft_status weft_lock_acquire(weft_lock *lock, double timeout)
{
    weft_status st = weft__check(lock, &weft__lock_type, "weft_lock_acquire");
    if (WEFT__UNLIKELY(st != WEFT_OK))
        return st;
    /* The uncontended path: one compare-and-swap. A bad timeout must still
     * be refused, so it goes the slow way, which reports it. */
    if (WEFT__LIKELY(!weft__timeout_bad(timeout)) && WEFT__LIKELY(weft__mutex_trylock(&lock->m)))
        return WEFT_OK;
    return weft__lock_acquire_slow(lock, timeout);
}

weft_status weft_lock_release(weft_lock *lock)
{
    weft_status st = weft__check(lock, &weft__lock_type, "weft_lock_release");
    if (WEFT__UNLIKELY(st != WEFT_OK))
        return st;
    if (WEFT__UNLIKELY(!weft__mutex_unlock(&lock->m)))
        return weft__fail(WEFT_RUNTIME, "weft_lock_release: release unlocked lock");
    return WEFT_OK;
}

weft_status weft_lock_locked(weft_lock *lock, int *out)
{
    weft_status st = weft__check(lock, &weft__lock_type, "weft_lock_locked");
    if (st != WEFT_OK)
        return st;
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_lock_locked: out is NULL");
    *out = weft__mutex_is_locked(&lock->m);
    return WEFT_OK;
}
