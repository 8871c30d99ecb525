/* threading.Condition: a FIFO of waiters, each sleeping on its own word, so
 * notify(n) wakes exactly the n oldest and nobody else. The waiter records
 * live on the waiters' stacks; a small internal mutex guards the list, so
 * the list stays sound even when a plain Lock is notified by a thread that
 * does not hold it (Python allows that: for a Lock, "owned" is "locked"). */
#include "sync/internal.h"

/* Waiters sleep on the kit's waiter list (core/kit.h), whose words say
 * waiting (spinning), notified, asleep in the kernel, or notified and moved
 * to sleep on the lock's word. The notifier only makes a system call for a
 * sleeper.
 *
 * Moving ("wait morphing"): a sleeper woken while the notifier still holds
 * the lock would only run to find the lock taken and sleep again. When the
 * lock is a re-entrant lock, which only the notifier (its owner) can release,
 * the notifier instead moves the sleeper onto the lock's futex word and
 * counts it among the lock's sleepers, so the notifier's own release wakes
 * it. With a plain Lock any thread may release it at any moment, and that
 * release could miss the count, so a plain Lock's sleepers are woken. */

struct weft_condition {
    weft__obj hdr;
    weft_lock *lock;   /* exactly one of lock and rlock is set */
    weft_rlock *rlock;
    weft__waitlist waiters;
    weft__spin spin;
};

static void weft__condition_destroy(void *obj)
{
    weft_condition *c = obj;
    if (c->lock != NULL)
        weft__unref(c->lock);
    if (c->rlock != NULL)
        weft__unref(c->rlock);
}

static const weft__type weft__condition_type = { "condition", weft__condition_destroy };

/* Takes the caller's reference on the lock, also when it fails. */
static weft_status weft__condition_make(weft_condition **out, weft_lock *lock, weft_rlock *rlock)
{
    weft_condition *c = weft__obj_new(&weft__condition_type, sizeof *c);
    if (c == NULL) {
        weft__unref(lock != NULL ? (void *)lock : (void *)rlock);
        return WEFT_NOMEM;
    }
    weft__spin_init(&c->spin);
    c->lock = lock;
    c->rlock = rlock;
    *out = weft__handle(c);
    return WEFT_OK;
}

weft_status weft_condition_new(weft_condition **out)
{
    WEFT__OUT(out);
    weft_rlock *r = weft__rlock_create();
    if (r == NULL)
        return WEFT_NOMEM;
    return weft__condition_make(out, NULL, r);
}

weft_status weft_condition_new_with_lock(weft_condition **out, weft_lock *lock)
{
    WEFT__OUT(out);
    WEFT__OPEN(lock, weft__lock_type);
    weft__ref(lock);
    return weft__condition_make(out, lock, NULL);
}

weft_status weft_condition_new_with_rlock(weft_condition **out, weft_rlock *rlock)
{
    WEFT__OUT(out);
    WEFT__OPEN(rlock, weft__rlock_type);
    weft__ref(rlock);
    return weft__condition_make(out, NULL, rlock);
}

weft_status weft_condition_free(weft_condition *cond)
{
    WEFT__FREE(cond, weft__condition_type);
}

weft_status weft_condition_acquire(weft_condition *cond, double timeout)
{
    WEFT__OPEN(cond, weft__condition_type);
    return cond->lock != NULL ? weft__lock_acquire_in(cond->lock, timeout, __func__)
                              : weft__rlock_acquire_in(cond->rlock, timeout, __func__);
}

weft_status weft_condition_release(weft_condition *cond)
{
    WEFT__OPEN(cond, weft__condition_type);
    return cond->lock != NULL ? weft__lock_release_in(cond->lock, __func__)
                              : weft__rlock_release_in(cond->rlock, __func__);
}

static bool weft__condition_owned(weft_condition *c)
{
    return c->lock != NULL ? weft__lock_is_owned(c->lock) : weft__rlock_is_owned(c->rlock);
}

/* ---- waiting and notifying ------------------------------------------------ */

/* The caller owns the lock. Releases it completely, sleeps until notified or
 * until `d`, re-acquires it (without limit) and says whether it was notified. */
static bool weft__condition_wait(weft_condition *c, const weft__deadline *d)
{
    weft__waiter w;
    weft__wait_enqueue(&c->waiters, &w);

    unsigned long saved = 0;
    if (c->lock != NULL)
        weft__mutex_unlock(&c->lock->m);
    else
        saved = weft__rlock_release_save(c->rlock);

    bool notified = weft__wait_sleep(&c->waiters, &w, d, &c->spin) == 0;

    if (c->lock != NULL) {
        weft__mutex_lock(&c->lock->m);
    } else {
        weft__rlock_acquire_restore(c->rlock, saved);
        /* A moved waiter was counted among the lock's sleepers on its
         * behalf; it holds the lock now, so that count goes. */
        if (atomic_load_explicit(&w.word, memory_order_relaxed) == WEFT__WAIT_MOVED)
            atomic_fetch_sub_explicit(&c->rlock->m.wl.parked, 1, memory_order_relaxed);
    }
    return notified;
}

weft_status weft_condition_wait(weft_condition *cond, double timeout)
{
    WEFT__OPEN(cond, weft__condition_type);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    if (!weft__condition_owned(cond))
        return weft__fail(WEFT_RUNTIME, "%s: cannot wait on un-acquired lock", __func__);
    if (!weft__condition_wait(cond, &d))
        return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: timed out after %g s", __func__, timeout);
    return WEFT_OK;
}

static bool weft__condition_owned_op(void *c)
{
    return weft__condition_owned(c);
}

static weft_status weft__condition_wait_op(void *c, const weft__deadline *d)
{
    return weft__condition_wait(c, d) ? WEFT_OK : WEFT_TIMEOUT;
}

weft_status weft_condition_wait_for(weft_condition *cond, weft_pred_fn pred, void *arg, double timeout,
                                    int *result)
{
    WEFT__OPEN(cond, weft__condition_type);
    WEFT__OUT(pred);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    static const weft__wait_for_ops ops = { weft__condition_owned_op, weft__condition_wait_op };
    return weft__wait_for(cond, &ops, pred, arg, &d, timeout, result, __func__);
}

/* Notifies a sleeping waiter by moving it onto the re-entrant lock's word,
 * which the caller owns (see the top of this file). Returns false, having
 * changed nothing, if `w` is not asleep or the platform cannot move it. */
static bool weft__condition_move(weft_condition *c, weft__waiter *w)
{
    weft__wordlock *l = &c->rlock->m.wl;
    /* Count it among the lock's sleepers before it can be seen as moved:
     * the waiter gives the count back once it has the lock. */
    atomic_fetch_add_explicit(&l->parked, 1, memory_order_relaxed);
    unsigned expected = WEFT__WAIT_PARKED;
    if (!atomic_compare_exchange_strong_explicit(&w->word, &expected, WEFT__WAIT_MOVED, memory_order_release,
                                                 memory_order_relaxed)) {
        atomic_fetch_sub_explicit(&l->parked, 1, memory_order_relaxed);
        return false;
    }
    /* The waiter cannot return before it has the lock, which the caller
     * holds, so its record is still there. If it has not reached the kernel
     * yet, its futex call sees the word changed and returns at once. */
    if (!weft__requeue(&w->word, WEFT__WAIT_MOVED, &l->word))
        weft__unpark(&w->word, 1);
    return true;
}

static weft_status weft__condition_notify(weft_condition *cond, size_t n, const char *fn)
{
    if (!weft__condition_owned(cond))
        return weft__fail(WEFT_RUNTIME, "%s: cannot notify on un-acquired lock", fn);
    if (n == 0 || !weft__wait_any(&cond->waiters))
        return WEFT_OK;
    weft__waitlist_lock(&cond->waiters);
    weft__waiter *w;
    while (n > 0 && (w = weft__wait_pop_locked(&cond->waiters)) != NULL) {
        n--;
        if (cond->rlock == NULL || !weft__condition_move(cond, w))
            weft__wait_signal(w);
    }
    weft__waitlist_unlock(&cond->waiters);
    return WEFT_OK;
}

weft_status weft_condition_notify(weft_condition *cond, size_t n)
{
    WEFT__OPEN(cond, weft__condition_type);
    return weft__condition_notify(cond, n, __func__);
}

weft_status weft_condition_notify_all(weft_condition *cond)
{
    WEFT__OPEN(cond, weft__condition_type);
    return weft__condition_notify(cond, SIZE_MAX, __func__);
}
