/* multiprocessing.Condition over a process-shared Lock or RLock.
 *
 * Waiters and notifications are two counts in one 64-bit word: a waiter
 * adds itself to `waiters`; notify(n) moves up to n from `waiters` to
 * `signals`, bumps the sequence word that waiters park on, and wakes n of
 * them; a waiter leaves by taking a signal (notified) or, when its time
 * runs out, by taking itself off `waiters` (or a signal, if one is due to it
 * by then). waiters + signals is always the number of waiters present, so
 * no notification is lost on a waiter that already left. A waiter takes a
 * signal only once the sequence moved since it began, so a notification
 * never goes to a waiter that arrived after it, as in Python; among the
 * waiters present at a notify, which ones are woken is not promised in
 * arrival order (CPython's multiprocessing.Condition, on semaphores, does not
 * promise it either).
 *
 * When the lock's holder is found dead, the lock word's link bumps the
 * sequence too (lock.c): waiters stop waiting, re-acquire the lock, and
 * report WEFT_OWNER_DIED. */
#include "mpsync/internal.h"

#define WEFT__MP_WAITER_ONE (UINT64_C(1) << 32)

typedef struct weft__mp_cond_shared {
    weft__mp_hdr h;
    atomic_uint seq;
    uint32_t recursive;         /* the own lock is an RLock */
    _Atomic uint64_t counts;    /* waiters << 32 | signals */
    weft__mp_lockstate ls;      /* the condition's own lock, unless made over another */
} weft__mp_cond_shared;

struct weft_mp_condition {
    weft__mp_obj base;
    weft__mp_cond_shared *s;
    weft__mp_lockstate *ls;     /* the lock: &s->ls or the wrapped handle's */
    bool recursive;
    weft__mp_obj *lock;         /* the wrapped handle (a reference held), or NULL */
    int64_t link;               /* what this condition stored in the wrapped lock's link */
};

static void weft__mp_condition_destroy(void *obj)
{
    weft_mp_condition *c = obj;
    if (c->lock != NULL) {
        /* The last handle on the condition takes its link off the lock, which
         * may outlive it (ours keeps the lock's state alive until here). */
        if (atomic_load_explicit(&c->s->h.refs, memory_order_acquire) == 1) {
            int64_t expected = c->link;
            atomic_compare_exchange_strong_explicit(&c->ls->link, &expected, 0, memory_order_acq_rel,
                                                    memory_order_relaxed);
        }
        weft__mp_obj_destroy(c);
        weft__unref(c->lock);
        return;
    }
    weft__mp_obj_destroy(c);
}

static const weft__type weft__mp_condition_type = { "multiprocessing condition", weft__mp_condition_destroy };

static void weft__mp_cond_set_link(weft__mp_lockstate *ls, atomic_uint *seq, int64_t *stored)
{
    int64_t link = (int64_t)((char *)seq - (char *)ls), expected = 0;
    /* One condition per lock is told of its deaths: the first made over it. */
    if (atomic_compare_exchange_strong_explicit(&ls->link, &expected, link, memory_order_acq_rel,
                                                memory_order_relaxed))
        *stored = link;
}

static weft_status weft__mp_cond_make(weft_mp_condition **out, int mode, void *mem, size_t size, int recursive,
                                      weft__mp_obj *lock, const char *fn)
{
    weft_status st;
    weft_mp_condition *c = weft__mp_obj_make(&weft__mp_condition_type, sizeof *c, mode, mem, size,
                                             sizeof(weft__mp_cond_shared), WEFT__MP_CONDITION, fn, &st);
    if (c == NULL)
        return st;
    weft__mp_cond_shared *s = c->base.place.state;
    c->s = s;
    if (mode != WEFT__MP_MAKE_ATTACH) {
        atomic_init(&s->seq, 0);
        s->recursive = recursive != 0;
        atomic_init(&s->counts, 0);
        weft__mp_lockstate_init(&s->ls);
        atomic_init(&s->ls.link, (int64_t)((char *)&s->seq - (char *)&s->ls));
        weft__mp_publish(&s->h);
    }
    c->recursive = s->recursive != 0;
    c->ls = &s->ls;
    if (lock != NULL) {
        /* Over another lock's state (a Lock or an RLock handle: the same layout). */
        weft__ref(lock);
        c->lock = lock;
        c->ls = ((weft_mp_lock *)(void *)lock)->ls;
        c->recursive = atomic_load_explicit(&lock->hdr.type, memory_order_relaxed) == &weft__mp_rlock_type;
        if (weft__mp_place_inherited(&lock->place) && weft__mp_place_inherited(&c->base.place))
            weft__mp_cond_set_link(c->ls, &s->seq, &c->link);
    }
    *out = weft__handle(c);
    return WEFT_OK;
}

weft_status weft_mp_condition_size(size_t *out)
{
    WEFT__OUT(out);
    *out = sizeof(weft__mp_cond_shared);
    return WEFT_OK;
}

weft_status weft_mp_condition_new(weft_mp_condition **out)
{
    WEFT__OUT_CLEAR(out);
    return weft__mp_cond_make(out, WEFT__MP_MAKE_NEW, NULL, 0, 1, NULL, __func__);
}

weft_status weft_mp_condition_new_with_lock(weft_mp_condition **out, weft_mp_lock *lock)
{
    WEFT__OUT_CLEAR(out);
    WEFT__OPEN(lock, weft__mp_lock_type);
    return weft__mp_cond_make(out, WEFT__MP_MAKE_NEW, NULL, 0, 0, (weft__mp_obj *)(void *)lock, __func__);
}

weft_status weft_mp_condition_new_with_rlock(weft_mp_condition **out, weft_mp_rlock *rlock)
{
    WEFT__OUT_CLEAR(out);
    WEFT__OPEN(rlock, weft__mp_rlock_type);
    return weft__mp_cond_make(out, WEFT__MP_MAKE_NEW, NULL, 0, 1, (weft__mp_obj *)(void *)rlock, __func__);
}

weft_status weft_mp_condition_new_at(weft_mp_condition **out, void *mem, size_t size, int recursive)
{
    WEFT__OUT_CLEAR(out);
    return weft__mp_cond_make(out, WEFT__MP_MAKE_AT, mem, size, recursive, NULL, __func__);
}

weft_status weft_mp_condition_attach(weft_mp_condition **out, void *mem, size_t size)
{
    WEFT__OUT_CLEAR(out);
    return weft__mp_cond_make(out, WEFT__MP_MAKE_ATTACH, mem, size, 0, NULL, __func__);
}

weft_status weft_mp_condition_free(weft_mp_condition *cond)
{
    WEFT__FREE(cond, weft__mp_condition_type);
}

weft_status weft_mp_condition_acquire(weft_mp_condition *cond, double timeout)
{
    WEFT__OPEN(cond, weft__mp_condition_type);
    if (cond->recursive)
        return weft__mp_rlock_acquire(cond->ls, timeout, __func__);
    return weft__mp_lock_acquire(cond->ls, timeout, __func__);
}

weft_status weft_mp_condition_release(weft_mp_condition *cond)
{
    WEFT__OPEN(cond, weft__mp_condition_type);
    if (cond->recursive)
        return weft__mp_rlock_release(cond->ls, __func__);
    if (!weft__mp_lock_release(cond->ls))
        return weft__fail(WEFT_RUNTIME, "%s: release unlocked lock", __func__);
    return WEFT_OK;
}

weft_status weft_mp_condition_consistent(weft_mp_condition *cond)
{
    WEFT__OPEN(cond, weft__mp_condition_type);
    uint64_t w = atomic_load_explicit(&cond->ls->word, memory_order_relaxed);
    if (cond->recursive ? !weft__mp_rlock_mine(cond->ls) : !((uint32_t)w & WEFT__MP_PID_MASK))
        return weft__fail(cond->recursive ? WEFT_NOT_OWNER : WEFT_RUNTIME, "%s: the lock is not held%s", __func__,
                          cond->recursive ? " by the calling thread" : "");
    weft__mp_lock_set_consistent(cond->ls);
    return WEFT_OK;
}

/* Python's _is_owned: an RLock by the calling thread, a Lock by anyone. */
static bool weft__mp_cond_owned(weft_mp_condition *c)
{
    if (c->recursive)
        return weft__mp_rlock_mine(c->ls);
    return weft__mp_held(atomic_load_explicit(&c->ls->word, memory_order_relaxed));
}

/* Takes a signal due to a waiter that began at sequence `s0`; with
 * `withdraw`, otherwise leaves `waiters`. True when it took a signal. */
static bool weft__mp_cond_leave(weft__mp_cond_shared *s, unsigned s0, bool withdraw)
{
    uint64_t c = atomic_load_explicit(&s->counts, memory_order_acquire);
    for (;;) {
        bool due = (uint32_t)c != 0 && atomic_load_explicit(&s->seq, memory_order_acquire) != s0;
        if (!due && !withdraw)
            return false;
        uint64_t nc = due ? c - 1 : c - WEFT__MP_WAITER_ONE;
        if (atomic_compare_exchange_weak_explicit(&s->counts, &c, nc, memory_order_acq_rel, memory_order_acquire))
            return due;
    }
}

/* The wait: the caller owns the lock. Returns WEFT_OK when notified, or the
 * failure (timeout, interruption, the lock's owner died), the lock held
 * again in every case. */
static weft_status weft__mp_cond_wait(weft_mp_condition *c, const weft__deadline *d, double timeout, const char *fn)
{
    weft__mp_cond_shared *s = c->s;
    weft__mp_lockstate *ls = c->ls;
    unsigned deaths = atomic_load_explicit(&ls->deaths, memory_order_acquire);
    unsigned s0 = atomic_load_explicit(&s->seq, memory_order_acquire);
    atomic_fetch_add_explicit(&s->counts, WEFT__MP_WAITER_ONE, memory_order_seq_cst);
    /* Release completely, however often an RLock was taken. */
    uint64_t saved = 0;
    if (c->recursive) {
        saved = ls->count;
        ls->count = 0;
        atomic_store_explicit(&ls->owner, 0, memory_order_relaxed);
    }
    (void)weft__mp_lock_release(ls);
    bool notified = false, last = d->once;
    for (;;) {
        unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (weft__mp_cond_leave(s, s0, false)) {
            notified = true;
            break;
        }
        if (last || atomic_load_explicit(&ls->deaths, memory_order_acquire) != deaths)
            break;
        if (weft__park_shared(&s->seq, seq, d) == ETIMEDOUT)
            last = true;
    }
    if (!notified)
        notified = weft__mp_cond_leave(s, s0, true);
    /* Re-acquiring is not limited by the timeout, as in Python. */
    weft_status st = weft__mp_lock_wait(ls, NULL, -1, fn);
    if (c->recursive) {
        atomic_store_explicit(&ls->owner, (uint64_t)weft__self(), memory_order_relaxed);
        ls->count = saved;
    }
    if (st == WEFT_OWNER_DIED || atomic_load_explicit(&ls->deaths, memory_order_acquire) != deaths) {
        weft__interrupted = false;
        return weft__fail(WEFT_OWNER_DIED, "%s: the lock's holder died: %s", fn, weft_strerror(WEFT_OWNER_DIED));
    }
    if (notified) {
        weft__interrupted = false;
        return WEFT_OK;
    }
    return d->once ? weft__fail(WEFT_TIMEOUT, "%s: timed out after %g s", fn, timeout)
                   : WEFT__MP_WAIT_FAILED(fn, timeout);
}

weft_status weft_mp_condition_wait(weft_mp_condition *cond, double timeout)
{
    WEFT__OPEN(cond, weft__mp_condition_type);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    if (!weft__mp_cond_owned(cond))
        return weft__fail(WEFT_RUNTIME, "%s: cannot wait on un-acquired lock", __func__);
    return weft__mp_cond_wait(cond, &d, timeout, __func__);
}

static bool weft__mp_cond_owned_op(void *c)
{
    return weft__mp_cond_owned(c);
}

static weft_status weft__mp_cond_wait_op(void *c, const weft__deadline *d)
{
    return weft__mp_cond_wait(c, d, -1, "weft_mp_condition_wait_for");
}

weft_status weft_mp_condition_wait_for(weft_mp_condition *cond, weft_pred_fn pred, void *arg, double timeout,
                                       int *result)
{
    WEFT__OPEN(cond, weft__mp_condition_type);
    WEFT__OUT(pred);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    static const weft__wait_for_ops ops = { weft__mp_cond_owned_op, weft__mp_cond_wait_op };
    return weft__wait_for(cond, &ops, pred, arg, &d, timeout, result, __func__);
}

static weft_status weft__mp_cond_notify(weft_mp_condition *cond, size_t n, const char *fn)
{
    if (!weft__mp_cond_owned(cond))
        return weft__fail(WEFT_RUNTIME, "%s: cannot notify on un-acquired lock", fn);
    weft__mp_cond_shared *s = cond->s;
    uint64_t c = atomic_load_explicit(&s->counts, memory_order_acquire), nc;
    uint32_t k;
    do {
        uint32_t waiters = (uint32_t)(c >> 32);
        k = n < waiters ? (uint32_t)n : waiters;
        if (k == 0)
            return WEFT_OK;
        nc = c - k * WEFT__MP_WAITER_ONE + k;
    } while (!atomic_compare_exchange_weak_explicit(&s->counts, &c, nc, memory_order_acq_rel, memory_order_acquire));
    atomic_fetch_add_explicit(&s->seq, 1, memory_order_seq_cst);
    weft__unpark_shared(&s->seq, k > INT32_MAX ? INT32_MAX : (int)k);
    return WEFT_OK;
}

weft_status weft_mp_condition_notify(weft_mp_condition *cond, size_t n)
{
    WEFT__OPEN(cond, weft__mp_condition_type);
    return weft__mp_cond_notify(cond, n, __func__);
}

weft_status weft_mp_condition_notify_all(weft_mp_condition *cond)
{
    WEFT__OPEN(cond, weft__mp_condition_type);
    return weft__mp_cond_notify(cond, SIZE_MAX, __func__);
}
