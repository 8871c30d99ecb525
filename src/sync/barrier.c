/* threading.Barrier, with the states of CPython's implementation: filling
 * (threads arrive), draining (the round passed, its threads are leaving),
 * resetting (a reset while threads were inside; they leave broken) and
 * broken. New arrivals wait while the barrier drains or resets, so a round
 * never mixes with the next. A mutex and a broadcast word play the part of
 * Python's Condition(Lock()). */
#include "sync/internal.h"

#include <math.h>

enum { WEFT__B_FILLING = 0, WEFT__B_DRAINING = 1, WEFT__B_RESETTING = -1, WEFT__B_BROKEN = -2 };

struct weft_barrier {
    weft__obj hdr;
    weft__mutex mu;
    atomic_uint seq;          /* bumped (under mu) to wake everyone asleep */
    unsigned sleepers;        /* under mu */
    /* Written under mu; read without it by the accessors, so an action may
     * call them, as Python's properties take no lock. */
    atomic_int state;
    atomic_size_t count;
    size_t parties;
    double default_timeout;
    weft__callable action;
};

static void weft__barrier_destroy(void *obj)
{
    weft_barrier *b = obj;
    weft__callable_release(&b->action);
}

static const weft__type weft__barrier_type = { "barrier", weft__barrier_destroy };

weft_status weft_barrier_new(weft_barrier **out, size_t parties, weft_fn action, void *arg,
                             weft_free_fn free_arg, double default_timeout)
{
    WEFT__OUT(out);
    if (parties == 0)
        return weft__fail(WEFT_EINVAL, "%s: parties must be at least 1", __func__);
    weft__deadline probe;
    weft_status st = weft__deadline_init(&probe, default_timeout, __func__);
    if (st != WEFT_OK)
        return st;
    weft_barrier *b = weft__obj_new(&weft__barrier_type, sizeof *b);
    if (b == NULL)
        return WEFT_NOMEM;
    weft__mutex_init(&b->mu);
    atomic_init(&b->seq, 0);
    atomic_init(&b->state, WEFT__B_FILLING);
    atomic_init(&b->count, 0);
    b->parties = parties;
    b->default_timeout = default_timeout;
    b->action.fn = action;
    b->action.arg = arg;
    b->action.free_arg = free_arg;
    *out = weft__handle(b);
    return WEFT_OK;
}

weft_status weft_barrier_free(weft_barrier *barrier)
{
    WEFT__FREE(barrier, weft__barrier_type);
}

static inline int weft__state(weft_barrier *b)
{
    return atomic_load_explicit(&b->state, memory_order_relaxed);
}

static inline void weft__set_state(weft_barrier *b, int s)
{
    atomic_store_explicit(&b->state, s, memory_order_relaxed);
}

/* Condition.wait on the barrier's mutex: sleeps until the next broadcast or
 * `d` (NULL: no limit); the caller re-checks the state. */
static int weft__barrier_sleep(weft_barrier *b, const weft__deadline *d)
{
    unsigned s = atomic_load_explicit(&b->seq, memory_order_relaxed);
    b->sleepers++;
    weft__mutex_unlock(&b->mu);
    int rc = weft__park(&b->seq, s, d);
    weft__mutex_lock(&b->mu);
    b->sleepers--;
    return rc;
}

/* Condition.notify_all: under the mutex. */
static void weft__barrier_wake_all(weft_barrier *b)
{
    atomic_fetch_add_explicit(&b->seq, 1, memory_order_relaxed);
    if (b->sleepers > 0)
        weft__unpark(&b->seq, INT32_MAX);
}

static void weft__barrier_break(weft_barrier *b)
{
    weft__set_state(b, WEFT__B_BROKEN);
    weft__barrier_wake_all(b);
}

/* The last arrival runs the action (holding the mutex, as Python holds the
 * condition's lock) and lets the round drain. */
static weft_status weft__barrier_pass(weft_barrier *b, const char *fn)
{
    if (b->action.fn != NULL) {
        weft_outcome o;
        weft__outcome_run(&o, b->action.fn, b->action.arg);
        if (o.status != WEFT_OK) {
            weft__barrier_break(b);
            weft_status st = weft__fail(o.status, "%s: the barrier's action failed: %s", fn,
                                        o.message != NULL ? o.message : weft_strerror(o.status));
            weft__outcome_clear(&o);
            return st;
        }
        weft__outcome_clear(&o);
    }
    weft__set_state(b, WEFT__B_DRAINING);
    weft__barrier_wake_all(b);
    return WEFT_OK;
}

weft_status weft_barrier_wait(weft_barrier *barrier, double timeout, size_t *index)
{
    WEFT__OPEN(barrier, weft__barrier_type);
    if (!isnan(timeout) && timeout < 0)
        timeout = barrier->default_timeout; /* Python's None */
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;

    weft_barrier *b = barrier;
    weft__mutex_lock(&b->mu);
    while (weft__state(b) == WEFT__B_DRAINING || weft__state(b) == WEFT__B_RESETTING)
        (void)weft__barrier_sleep(b, NULL);
    if (weft__state(b) == WEFT__B_BROKEN) {
        weft__mutex_unlock(&b->mu);
        return weft__fail(WEFT_BROKEN, "%s: the barrier is broken", __func__);
    }

    size_t idx = atomic_load_explicit(&b->count, memory_order_relaxed);
    atomic_store_explicit(&b->count, idx + 1, memory_order_relaxed);
    if (idx + 1 == b->parties) {
        st = weft__barrier_pass(b, __func__);
    } else {
        while (weft__state(b) == WEFT__B_FILLING) {
            if (weft__barrier_sleep(b, &d) == ETIMEDOUT && weft__state(b) == WEFT__B_FILLING) {
                if (weft__interrupted) {
                    /* A signal: leave the round, as Python's wait() leaves
                     * when an exception unwinds it, without breaking it. */
                    st = weft__fail_interrupted(__func__);
                    break;
                }
                weft__barrier_break(b); /* a timed-out waiter breaks the barrier for all */
                break;
            }
        }
        if (st == WEFT_OK && weft__state(b) < 0)
            st = weft__fail(WEFT_BROKEN, "%s: the barrier was broken, aborted, reset or timed out", __func__);
    }

    /* Leaving: the last one out of a draining or resetting round reopens it. */
    size_t left = atomic_load_explicit(&b->count, memory_order_relaxed) - 1;
    atomic_store_explicit(&b->count, left, memory_order_relaxed);
    if (left == 0 && (weft__state(b) == WEFT__B_DRAINING || weft__state(b) == WEFT__B_RESETTING)) {
        weft__set_state(b, WEFT__B_FILLING);
        weft__barrier_wake_all(b);
    }
    weft__mutex_unlock(&b->mu);
    if (st == WEFT_OK && index != NULL)
        *index = idx;
    return st;
}

weft_status weft_barrier_reset(weft_barrier *barrier)
{
    WEFT__OPEN(barrier, weft__barrier_type);
    weft__mutex_lock(&barrier->mu);
    if (atomic_load_explicit(&barrier->count, memory_order_relaxed) > 0) {
        /* Threads are inside: they leave broken, the last one reopens it. */
        int s = weft__state(barrier);
        if (s == WEFT__B_FILLING || s == WEFT__B_BROKEN)
            weft__set_state(barrier, WEFT__B_RESETTING);
    } else {
        weft__set_state(barrier, WEFT__B_FILLING);
    }
    weft__barrier_wake_all(barrier);
    weft__mutex_unlock(&barrier->mu);
    return WEFT_OK;
}

weft_status weft_barrier_abort(weft_barrier *barrier)
{
    WEFT__OPEN(barrier, weft__barrier_type);
    weft__mutex_lock(&barrier->mu);
    weft__barrier_break(barrier);
    weft__mutex_unlock(&barrier->mu);
    return WEFT_OK;
}

weft_status weft_barrier_parties(weft_barrier *barrier, size_t *out)
{
    WEFT__OPEN(barrier, weft__barrier_type);
    WEFT__OUT(out);
    *out = barrier->parties;
    return WEFT_OK;
}

weft_status weft_barrier_n_waiting(weft_barrier *barrier, size_t *out)
{
    WEFT__OPEN(barrier, weft__barrier_type);
    WEFT__OUT(out);
    *out = weft__state(barrier) == WEFT__B_FILLING ? atomic_load_explicit(&barrier->count, memory_order_relaxed)
                                                   : 0;
    return WEFT_OK;
}

weft_status weft_barrier_broken(weft_barrier *barrier, int *out)
{
    WEFT__OPEN(barrier, weft__barrier_type);
    WEFT__OUT(out);
    *out = weft__state(barrier) == WEFT__B_BROKEN;
    return WEFT_OK;
}
