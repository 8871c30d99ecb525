/* threading.Lock: a futex word that any thread may release. */
#include "sync/internal.h"

const weft__type weft__lock_type = { "lock", NULL };

weft_status weft_lock_new(weft_lock **out)
{
    WEFT__OUT(out);
    weft_lock *l = weft__obj_new(&weft__lock_type, sizeof *l);
    if (l == NULL)
        return WEFT_NOMEM;
    weft__mutex_init(&l->m);
    *out = weft__handle(l);
    return WEFT_OK;
}

weft_status weft_lock_free(weft_lock *lock)
{
    WEFT__FREE(lock, weft__lock_type);
}

weft_status weft__lock_acquire_in(weft_lock *l, double timeout, const char *fn)
{
    if (WEFT__LIKELY(!weft__timeout_bad(timeout) && weft__mutex_trylock(&l->m)))
        return WEFT_OK;
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    if (weft__mutex_lock_slow(&l->m, &d) != 0)
        return WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: timed out after %g s", fn, timeout);
    return WEFT_OK;
}

/* The fast paths below make no calls except in tail position, so they need
 * no stack frame; everything else lives in these cold helpers. */
__attribute__((noinline, cold)) static weft_status weft__lock_acquire_slow(weft_lock *lock, double timeout)
{
    static const char fn[] = "weft_lock_acquire";
    weft_status st;
    lock = weft__open(lock, &weft__lock_type, fn, &st);
    if (lock == NULL)
        return st;
    return weft__lock_acquire_in(lock, timeout, fn);
}

weft_status weft_lock_acquire(weft_lock *lock, double timeout)
{
    /* One compare-and-swap when the lock is free. A bad timeout must still
     * be refused, so it goes the slow way, which reports it. */
    weft_lock *l = weft__live(lock, &weft__lock_type);
    if (WEFT__LIKELY(l != NULL && !weft__timeout_bad(timeout) && weft__mutex_trylock(&l->m)))
        return WEFT_OK;
    return weft__lock_acquire_slow(lock, timeout);
}

__attribute__((noinline)) weft_status weft__lock_release_slow(weft_lock *lock, int r, const char *fn)
{
    if (r == 0)
        return weft__fail(WEFT_RUNTIME, "%s: release unlocked lock", fn);
    weft__mutex_wake(&lock->m);
    return WEFT_OK;
}

__attribute__((noinline, cold)) static weft_status weft__lock_release_bad(weft_lock *lock)
{
    weft_status st;
    (void)weft__open(lock, &weft__lock_type, "weft_lock_release", &st);
    return st;
}

weft_status weft_lock_release(weft_lock *handle)
{
    weft_lock *lock = weft__live(handle, &weft__lock_type);
    if (WEFT__UNLIKELY(lock == NULL))
        return weft__lock_release_bad(handle);
    return weft__lock_release_in(lock, "weft_lock_release");
}

weft_status weft_lock_locked(weft_lock *lock, int *out)
{
    WEFT__OPEN(lock, weft__lock_type);
    WEFT__OUT(out);
    *out = weft__mutex_is_locked(&lock->m);
    return WEFT_OK;
}
