/* multiprocessing.Lock, and the lock word under every primitive of this
 * area that has a holder: a 64-bit word naming the holding process (pid
 * and start time), so that a holder's death is found and reported to the
 * next acquirer instead of leaving everyone asleep (internal.h). */
#include "mpsync/internal.h"

/* How long an unwatched sleeper (the watcher thread could not be started)
 * sleeps before it asks after the holder itself. */
#define WEFT__MP_UNWATCHED_SLICE_NS 10000000

void weft__mp_lock_wake(weft__mp_lockstate *ls)
{
    /* Every sleeper, not one: each sleeper watches the holder it saw, so
     * after a hand-over every one of them must look at the new holder. */
    weft__unpark_shared(weft__word64_low(&ls->word), INT32_MAX);
}

void weft__mp_lock_mark_died(weft__mp_lockstate *ls, uint64_t holder)
{
    uint64_t w = atomic_load_explicit(&ls->word, memory_order_relaxed);
    uint64_t nw;
    do {
        if (!weft__mp_held_by(w, holder) || !((uint32_t)w & WEFT__MP_PID_MASK))
            return; /* released, or already marked, meanwhile */
        nw = WEFT__MP_DIED | ((uint32_t)w & (WEFT__MP_WAITERS | WEFT__MP_INCONSISTENT));
    } while (!atomic_compare_exchange_weak_explicit(&ls->word, &w, nw, memory_order_acq_rel, memory_order_relaxed));
    atomic_fetch_add_explicit(&ls->deaths, 1, memory_order_seq_cst);
    weft__mp_lock_wake(ls);
    int64_t link = atomic_load_explicit(&ls->link, memory_order_acquire);
    if (link != 0) {
        atomic_uint *seq = (atomic_uint *)(void *)((char *)ls + link);
        atomic_fetch_add_explicit(seq, 1, memory_order_seq_cst);
        weft__unpark_shared(seq, INT32_MAX);
    }
}

weft_status weft__mp_lock_wait(weft__mp_lockstate *ls, const weft__deadline *d, double timeout, const char *fn)
{
    uint64_t me = weft__mp_me();
    atomic_uint *low = weft__word64_low(&ls->word);
    bool slept = false, last = d != NULL && d->once;
    for (;;) {
        uint64_t w = atomic_load_explicit(&ls->word, memory_order_relaxed);
        uint32_t lo = (uint32_t)w;
        if (!weft__mp_held(w)) {
            /* A sleeper that takes the lock may leave others asleep: it keeps
             * the waiters flag so its release wakes them. */
            uint64_t nw = me | (lo & WEFT__MP_INCONSISTENT) | (slept ? WEFT__MP_WAITERS : 0);
            if (atomic_compare_exchange_weak_explicit(&ls->word, &w, nw, memory_order_acquire, memory_order_relaxed))
                return (lo & WEFT__MP_INCONSISTENT) ? weft__fail(WEFT_OWNER_DIED, "%s: %s", fn,
                                                                 weft_strerror(WEFT_OWNER_DIED))
                                                    : WEFT_OK;
            continue;
        }
        if (!(lo & WEFT__MP_PID_MASK)) { /* DIED: take it over, inconsistent */
            uint64_t nw = me | WEFT__MP_INCONSISTENT | (lo & WEFT__MP_WAITERS);
            if (atomic_compare_exchange_weak_explicit(&ls->word, &w, nw, memory_order_acquire, memory_order_relaxed))
                return weft__fail(WEFT_OWNER_DIED, "%s: %s", fn, weft_strerror(WEFT_OWNER_DIED));
            continue;
        }
        if (last)
            return d != NULL && d->once ? weft__fail(WEFT_TIMEOUT, "%s: timed out after %g s", fn, timeout)
                                        : WEFT__MP_WAIT_FAILED(fn, timeout);
        uint64_t holder = w & WEFT__MP_HOLDER_MASK;
        weft__mp_watch watch = { .proc = NULL };
        bool watched = false;
        if (holder != me) {
            if (!weft__mp_watch_begin(&watch, holder, WEFT__MP_WATCH_LOCK, ls, 0)) {
                weft__mp_lock_mark_died(ls, holder);
                continue;
            }
            watched = true;
        }
        if (!(lo & WEFT__MP_WAITERS) &&
            !atomic_compare_exchange_strong_explicit(&ls->word, &w, w | WEFT__MP_WAITERS, memory_order_relaxed,
                                                     memory_order_relaxed)) {
            weft__mp_watch_end(&watch);
            continue;
        }
        int rc;
        if (watched && watch.proc == NULL) {
            rc = weft__park_slice(weft__park_shared, low, lo | WEFT__MP_WAITERS, d, WEFT__MP_UNWATCHED_SLICE_NS);
            if (!weft__mp_alive(holder))
                weft__mp_lock_mark_died(ls, holder);
        } else {
            rc = weft__park_shared(low, lo | WEFT__MP_WAITERS, d);
        }
        weft__mp_watch_end(&watch);
        slept = true;
        if (rc == ETIMEDOUT)
            last = true; /* one more look, then give up */
    }
}

weft_status weft__mp_lock_slow(weft__mp_lockstate *ls, double timeout, const char *fn)
{
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    return weft__mp_lock_wait(ls, &d, timeout, fn);
}

/* ---- RLock's rules on the same word ------------------------------------------- */

weft_status weft__mp_rlock_acquire(weft__mp_lockstate *ls, double timeout, const char *fn)
{
    if (weft__mp_rlock_mine(ls)) {
        if (weft__timeout_bad(timeout))
            return weft__timeout_fail(timeout, fn);
        if (ls->count == UINT64_MAX)
            return weft__fail(WEFT_OVERFLOW, "%s: recursion count overflowed", fn);
        ls->count++;
        if (atomic_load_explicit(&ls->word, memory_order_relaxed) & WEFT__MP_INCONSISTENT)
            return weft__fail(WEFT_OWNER_DIED, "%s: %s", fn, weft_strerror(WEFT_OWNER_DIED));
        return WEFT_OK;
    }
    weft_status st = weft__mp_lock_acquire(ls, timeout, fn);
    if (st == WEFT_OK || st == WEFT_OWNER_DIED) {
        atomic_store_explicit(&ls->owner, (uint64_t)weft__self(), memory_order_relaxed);
        ls->count = 1;
    }
    return st;
}

weft_status weft__mp_rlock_release(weft__mp_lockstate *ls, const char *fn)
{
    if (!weft__mp_rlock_mine(ls))
        return weft__fail(WEFT_NOT_OWNER, "%s: cannot release un-acquired lock", fn);
    if (--ls->count != 0)
        return WEFT_OK;
    atomic_store_explicit(&ls->owner, 0, memory_order_relaxed);
    (void)weft__mp_lock_release(ls);
    return WEFT_OK;
}

/* ---- multiprocessing.Lock --------------------------------------------------------- */

typedef struct weft__mp_lock_shared {
    weft__mp_hdr h;
    weft__mp_lockstate ls;
} weft__mp_lock_shared;

const weft__type weft__mp_lock_type = { "multiprocessing lock", weft__mp_obj_destroy };

/* The handle over a state in `mode`; shared by the three constructors and
 * the RLock's (which differs only in its kind and type). */
weft_status weft__mp_lock_make(void **out, const weft__type *type, int kind, int mode, void *mem, size_t size,
                               const char *fn)
{
    WEFT__OUT_CLEAR(out);
    weft_status st;
    weft_mp_lock *l = weft__mp_obj_make(type, sizeof *l, mode, mem, size, sizeof(weft__mp_lock_shared), kind, fn,
                                        &st);
    if (l == NULL)
        return st;
    weft__mp_lock_shared *s = l->base.place.state;
    l->ls = &s->ls;
    if (mode != WEFT__MP_MAKE_ATTACH) {
        weft__mp_lockstate_init(&s->ls);
        weft__mp_publish(&s->h);
    }
    *out = weft__handle(l);
    return WEFT_OK;
}

weft_status weft_mp_lock_size(size_t *out)
{
    WEFT__OUT(out);
    *out = sizeof(weft__mp_lock_shared);
    return WEFT_OK;
}

weft_status weft_mp_lock_new(weft_mp_lock **out)
{
    return weft__mp_lock_make((void **)out, &weft__mp_lock_type, WEFT__MP_LOCK, WEFT__MP_MAKE_NEW, NULL, 0,
                              __func__);
}

weft_status weft_mp_lock_new_at(weft_mp_lock **out, void *mem, size_t size)
{
    return weft__mp_lock_make((void **)out, &weft__mp_lock_type, WEFT__MP_LOCK, WEFT__MP_MAKE_AT, mem, size,
                              __func__);
}

weft_status weft_mp_lock_attach(weft_mp_lock **out, void *mem, size_t size)
{
    return weft__mp_lock_make((void **)out, &weft__mp_lock_type, WEFT__MP_LOCK, WEFT__MP_MAKE_ATTACH, mem, size,
                              __func__);
}

weft_status weft_mp_lock_free(weft_mp_lock *lock)
{
    WEFT__FREE(lock, weft__mp_lock_type);
}

__attribute__((noinline, cold)) static weft_status weft__mp_lock_acquire_slow(weft_mp_lock *lock, double timeout)
{
    static const char fn[] = "weft_mp_lock_acquire";
    weft_status st;
    lock = weft__open(lock, &weft__mp_lock_type, fn, &st);
    if (lock == NULL)
        return st;
    return weft__mp_lock_slow(lock->ls, timeout, fn);
}

weft_status weft_mp_lock_acquire(weft_mp_lock *lock, double timeout)
{
    /* One compare-and-swap when the lock is free and consistent. */
    weft_mp_lock *l = weft__live(lock, &weft__mp_lock_type);
    uint64_t expected = 0;
    if (WEFT__LIKELY(l != NULL && !weft__timeout_bad(timeout) &&
                     atomic_compare_exchange_strong_explicit(&l->ls->word, &expected, weft__mp_me(),
                                                             memory_order_acquire, memory_order_relaxed)))
        return WEFT_OK;
    return weft__mp_lock_acquire_slow(lock, timeout);
}

weft_status weft_mp_lock_release(weft_mp_lock *lock)
{
    WEFT__OPEN(lock, weft__mp_lock_type);
    if (WEFT__UNLIKELY(!weft__mp_lock_release(lock->ls)))
        return weft__fail(WEFT_RUNTIME, "%s: release unlocked lock", __func__);
    return WEFT_OK;
}

weft_status weft_mp_lock_locked(weft_mp_lock *lock, int *out)
{
    WEFT__OPEN(lock, weft__mp_lock_type);
    WEFT__OUT(out);
    *out = weft__mp_held(atomic_load_explicit(&lock->ls->word, memory_order_relaxed));
    return WEFT_OK;
}

weft_status weft_mp_lock_consistent(weft_mp_lock *lock)
{
    WEFT__OPEN(lock, weft__mp_lock_type);
    uint64_t w = atomic_load_explicit(&lock->ls->word, memory_order_relaxed);
    /* A plain Lock has no owner: held by anyone is held, as for release. */
    if (!((uint32_t)w & WEFT__MP_PID_MASK))
        return weft__fail(WEFT_RUNTIME, "%s: the lock is not held", __func__);
    weft__mp_lock_set_consistent(lock->ls);
    return WEFT_OK;
}
