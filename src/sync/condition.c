/* threading.Condition: a FIFO of waiters, each sleeping on its own word, so
 * notify(n) wakes exactly the n oldest and nobody else. The waiter records
 * live on the waiters' stacks; a small internal mutex guards the list, so
 * the list stays sound even when a plain Lock is notified by a thread that
 * does not hold it (Python allows that: for a Lock, "owned" is "locked"). */
#include "sync/internal.h"

/* A waiter's word: waiting (spinning), notified, asleep in the kernel, or
 * notified and moved to sleep on the lock's word. The notifier only makes a
 * system call for a sleeper.
 *
 * Moving ("wait morphing"): a sleeper woken while the notifier still holds
 * the lock would only run to find the lock taken and sleep again. When the
 * lock is a re-entrant lock, which only the notifier (its owner) can release,
 * the notifier instead moves the sleeper onto the lock's futex word and
 * counts it among the lock's sleepers, so the notifier's own release wakes
 * it. With a plain Lock any thread may release it at any moment, and that
 * release could miss the count, so a plain Lock's sleepers are woken. */
enum { WEFT__W_WAITING = 0, WEFT__W_NOTIFIED = 1, WEFT__W_PARKED = 2, WEFT__W_MOVED = 3 };

typedef struct weft__waiter {
    struct weft__waiter *prev, *next;
    atomic_uint word;
} weft__waiter;

struct weft_condition {
    weft__obj hdr;
    weft_lock *lock;   /* exactly one of lock and rlock is set */
    weft_rlock *rlock;
    weft__mutex list_mu;
    weft__waiter *head, *tail;
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

static weft_status weft__condition_make(weft_condition **out, weft_lock *lock, weft_rlock *rlock)
{
    weft_condition *c = weft__obj_new(&weft__condition_type, sizeof *c);
    if (c == NULL)
        return WEFT_NOMEM;
    weft__mutex_init(&c->list_mu);
    weft__spin_init(&c->spin);
    c->lock = lock;
    c->rlock = rlock;
    *out = c;
    return WEFT_OK;
}

weft_status weft_condition_new(weft_condition **out)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_condition_new: out is NULL");
    weft_rlock *r;
    weft_status st = weft_rlock_new(&r);
    if (st != WEFT_OK)
        return st;
    st = weft__condition_make(out, NULL, r); /* the condition takes our reference */
    if (st != WEFT_OK)
        weft_rlock_free(r);
    return st;
}

weft_status weft_condition_new_with_lock(weft_condition **out, weft_lock *lock)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_condition_new_with_lock: out is NULL");
    weft_status st = weft__check(lock, &weft__lock_type, "weft_condition_new_with_lock");
    if (st != WEFT_OK)
        return st;
    weft__ref(lock);
    st = weft__condition_make(out, lock, NULL);
    if (st != WEFT_OK)
        weft__unref(lock);
    return st;
}

weft_status weft_condition_new_with_rlock(weft_condition **out, weft_rlock *rlock)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_condition_new_with_rlock: out is NULL");
    weft_status st = weft__check(rlock, &weft__rlock_type, "weft_condition_new_with_rlock");
    if (st != WEFT_OK)
        return st;
    weft__ref(rlock);
    st = weft__condition_make(out, NULL, rlock);
    if (st != WEFT_OK)
        weft__unref(rlock);
    return st;
}

weft_status weft_condition_free(weft_condition *cond)
{
    return weft__free_handle(cond, &weft__condition_type, "weft_condition_free");
}

weft_status weft_condition_acquire(weft_condition *cond, double timeout)
{
    weft_status st = weft__check(cond, &weft__condition_type, "weft_condition_acquire");
    if (st != WEFT_OK)
        return st;
    return cond->lock != NULL ? weft_lock_acquire(cond->lock, timeout) : weft_rlock_acquire(cond->rlock, timeout);
}

weft_status weft_condition_release(weft_condition *cond)
{
    weft_status st = weft__check(cond, &weft__condition_type, "weft_condition_release");
    if (st != WEFT_OK)
        return st;
    return cond->lock != NULL ? weft_lock_release(cond->lock) : weft_rlock_release(cond->rlock);
}

static bool weft__condition_owned(weft_condition *c)
{
    return c->lock != NULL ? weft__lock_is_owned(c->lock) : weft__rlock_is_owned(c->rlock);
}

/* ---- the waiter list (under list_mu) ------------------------------------- */

static void weft__waiters_push(weft_condition *c, weft__waiter *w)
{
    w->next = NULL;
    w->prev = c->tail;
    if (c->tail != NULL)
        c->tail->next = w;
    else
        c->head = w;
    c->tail = w;
}

static void weft__waiters_remove(weft_condition *c, weft__waiter *w)
{
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        c->head = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    else
        c->tail = w->prev;
}

/* ---- waiting and notifying ------------------------------------------------ */

/* The caller owns the lock. Releases it completely, sleeps until notified or
 * until `d`, re-acquires it (without limit) and says whether it was notified. */
static bool weft__condition_wait(weft_condition *c, const weft__deadline *d)
{
    weft__waiter w;
    atomic_init(&w.word, WEFT__W_WAITING);
    weft__mutex_lock(&c->list_mu);
    weft__waiters_push(c, &w);
    weft__mutex_unlock(&c->list_mu);

    unsigned long saved = 0;
    if (c->lock != NULL)
        weft__mutex_unlock(&c->lock->m);
    else
        saved = weft__rlock_release_save(c->rlock);

    bool notified = false;
    if (!d->once) {
        unsigned budget = weft__spin_budget(&c->spin);
        for (unsigned i = 0; i < budget && !notified; i++) {
            notified = atomic_load_explicit(&w.word, memory_order_acquire) == WEFT__W_NOTIFIED;
            weft__cpu_relax();
        }
        weft__spin_result(&c->spin, notified);
        unsigned expected = WEFT__W_WAITING;
        if (!notified &&
            atomic_compare_exchange_strong_explicit(&w.word, &expected, WEFT__W_PARKED, memory_order_acquire,
                                                    memory_order_acquire)) {
            for (;;) {
                int rc = weft__park(&w.word, WEFT__W_PARKED, d);
                notified = atomic_load_explicit(&w.word, memory_order_acquire) != WEFT__W_PARKED;
                if (notified || rc == ETIMEDOUT)
                    break;
            }
        } else {
            notified = true; /* the compare failed: the word says notified */
        }
    }
    if (!notified) {
        /* Timed out, unless a notifier got to us first: under the list mutex
         * the word is final, and a notified waiter keeps its notification. */
        weft__mutex_lock(&c->list_mu);
        unsigned v = atomic_load_explicit(&w.word, memory_order_acquire);
        notified = v == WEFT__W_NOTIFIED || v == WEFT__W_MOVED;
        if (!notified)
            weft__waiters_remove(c, &w);
        weft__mutex_unlock(&c->list_mu);
    }

    if (c->lock != NULL) {
        weft__mutex_lock(&c->lock->m);
    } else {
        weft__rlock_acquire_restore(c->rlock, saved);
        /* A moved waiter was counted among the lock's sleepers on its
         * behalf; it holds the lock now, so that count goes. */
        if (atomic_load_explicit(&w.word, memory_order_relaxed) == WEFT__W_MOVED)
            atomic_fetch_sub_explicit(&c->rlock->m.parked, 1, memory_order_relaxed);
    }
    return notified;
}

weft_status weft_condition_wait(weft_condition *cond, double timeout)
{
    weft_status st = weft__check(cond, &weft__condition_type, "weft_condition_wait");
    if (st != WEFT_OK)
        return st;
    weft__deadline d;
    st = weft__deadline_init(&d, timeout, "weft_condition_wait");
    if (st != WEFT_OK)
        return st;
    if (!weft__condition_owned(cond))
        return weft__fail(WEFT_RUNTIME, "weft_condition_wait: cannot wait on un-acquired lock");
    if (!weft__condition_wait(cond, &d))
        return weft__fail(WEFT_TIMEOUT, "weft_condition_wait: timed out after %g s", timeout);
    return WEFT_OK;
}

weft_status weft_condition_wait_for(weft_condition *cond, weft_pred_fn pred, void *arg, double timeout,
                                    int *result)
{
    weft_status st = weft__check(cond, &weft__condition_type, "weft_condition_wait_for");
    if (st != WEFT_OK)
        return st;
    if (pred == NULL)
        return weft__fail(WEFT_EINVAL, "weft_condition_wait_for: pred is NULL");
    weft__deadline d;
    st = weft__deadline_init(&d, timeout, "weft_condition_wait_for");
    if (st != WEFT_OK)
        return st;
    /* One deadline for the whole call, as Python computes one end time. */
    int r = pred(arg);
    while (!r) {
        if (!weft__condition_owned(cond))
            return weft__fail(WEFT_RUNTIME, "weft_condition_wait_for: cannot wait on un-acquired lock");
        bool notified = weft__condition_wait(cond, &d);
        r = pred(arg);
        if (!notified)
            break;
    }
    if (result != NULL)
        *result = r;
    if (!r)
        return weft__fail(WEFT_TIMEOUT, "weft_condition_wait_for: timed out after %g s", timeout);
    return WEFT_OK;
}

/* Notifies a sleeping waiter by moving it onto the re-entrant lock's word,
 * which the caller owns (see the top of this file). Returns false, having
 * changed nothing, if `w` is not asleep or the platform cannot move it. */
static bool weft__condition_move(weft_condition *c, weft__waiter *w)
{
    weft__mutex *m = &c->rlock->m;
    /* Count it among the lock's sleepers before it can be seen as moved:
     * the waiter gives the count back once it has the lock. */
    atomic_fetch_add_explicit(&m->parked, 1, memory_order_relaxed);
    unsigned expected = WEFT__W_PARKED;
    if (!atomic_compare_exchange_strong_explicit(&w->word, &expected, WEFT__W_MOVED, memory_order_release,
                                                 memory_order_relaxed)) {
        atomic_fetch_sub_explicit(&m->parked, 1, memory_order_relaxed);
        return false;
    }
    /* The waiter cannot return before it has the lock, which the caller
     * holds, so its record is still there. If it has not reached the kernel
     * yet, its futex call sees the word changed and returns at once. */
    if (!weft__requeue(&w->word, WEFT__W_MOVED, &m->word))
        weft__unpark(&w->word, 1);
    return true;
}

weft_status weft_condition_notify(weft_condition *cond, size_t n)
{
    weft_status st = weft__check(cond, &weft__condition_type, "weft_condition_notify");
    if (st != WEFT_OK)
        return st;
    if (!weft__condition_owned(cond))
        return weft__fail(WEFT_RUNTIME, "weft_condition_notify: cannot notify on un-acquired lock");
    if (n == 0)
        return WEFT_OK;
    weft__mutex_lock(&cond->list_mu);
    while (n > 0 && cond->head != NULL) {
        weft__waiter *w = cond->head;
        weft__waiters_remove(cond, w);
        n--;
        if (cond->rlock != NULL && weft__condition_move(cond, w))
            continue;
        /* Once the word says notified the waiter may return and its record
         * vanish with its stack frame: only the address is used after this,
         * and a futex wake on a stale address is harmless. */
        if (atomic_exchange_explicit(&w->word, WEFT__W_NOTIFIED, memory_order_release) == WEFT__W_PARKED)
            weft__unpark(&w->word, 1);
    }
    weft__mutex_unlock(&cond->list_mu);
    return WEFT_OK;
}

weft_status weft_condition_notify_all(weft_condition *cond)
{
    weft_status st = weft__check(cond, &weft__condition_type, "weft_condition_notify_all");
    if (st != WEFT_OK)
        return st;
    return weft_condition_notify(cond, SIZE_MAX);
}
