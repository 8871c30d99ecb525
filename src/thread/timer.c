/* Timers: a weft thread that waits on a deadline for a cancel that may never
 * come, then runs the function unless it was cancelled.
 *
 * The handle holds the thread; the thread's argument is a small shared core
 * (the function, the state word) and not the handle, so that no reference
 * cycle forms between a timer and its thread. */
#include "thread/thread_internal.h"

#include <stdlib.h>

enum { WEFT__TM_WAITING = 0, WEFT__TM_CANCELLED = 1, WEFT__TM_FIRED = 2 };

typedef struct weft__timer_core {
    atomic_uint refs;
    atomic_uint state; /* WEFT__TM_*; the timer's thread parks on it */
    double interval;
    weft__callable call;
} weft__timer_core;

struct weft_timer {
    weft__obj hdr;
    weft_thread *thread;
    weft__timer_core *core;
};

static void weft__core_unref(void *p)
{
    weft__timer_core *c = p;
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    /* Whoever decided the state released the function already, except when
     * nothing decided it (never started) or the function left through
     * weft_threading_exit(). */
    weft__callable_release(&c->call);
    free(c);
}

static void weft__timer_destroy(void *obj)
{
    weft_timer *t = obj;
    weft__unref(t->thread);
    weft__core_unref(t->core);
}

static const weft__type weft__timer_type = { "timer", weft__timer_destroy };

static void weft__timer_release_call(void *p)
{
    weft__timer_core *c = p;
    weft__callable_release(&c->call);
}

/* The timer thread's target. */
static void weft__timer_run(void *p, weft_outcome *o)
{
    weft__timer_core *c = p;
    weft__deadline d;
    (void)weft__deadline_init(&d, c->interval < 0 ? 0 : c->interval, "timer"); /* checked in new */
    while (atomic_load_explicit(&c->state, memory_order_acquire) == WEFT__TM_WAITING)
        if (weft__park(&c->state, WEFT__TM_WAITING, &d) == ETIMEDOUT)
            break;
    unsigned waiting = WEFT__TM_WAITING;
    if (!atomic_compare_exchange_strong(&c->state, &waiting, WEFT__TM_FIRED))
        return; /* cancelled: cancel released the function */
    /* Also when the function leaves through weft_threading_exit(). */
    pthread_cleanup_push(weft__timer_release_call, c);
    c->call.fn(c->call.arg, o);
    pthread_cleanup_pop(1);
}

weft_status weft_timer_new(weft_timer **out, double interval, weft_fn fn, void *arg, weft_free_fn free_arg)
{
    WEFT__OUT(out);
    WEFT__OUT(fn);
    weft__deadline probe;
    weft_status st = weft__deadline_init(&probe, interval < 0 ? 0 : interval, "weft_timer_new: interval");
    if (st != WEFT_OK)
        return st;
    weft__timer_core *c = calloc(1, sizeof *c);
    if (c == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    atomic_init(&c->refs, 2); /* the handle's and the thread's */
    atomic_init(&c->state, WEFT__TM_WAITING);
    c->interval = interval;
    weft_timer *t = weft__obj_new(&weft__timer_type, sizeof *t);
    if (t == NULL) {
        free(c);
        return WEFT_NOMEM;
    }
    st = weft__thread_create(&t->thread, NULL, fn, weft__timer_run, c, weft__core_unref, __func__);
    if (st != WEFT_OK) {
        weft__obj_discard(t); /* nothing to destroy yet */
        free(c);
        return st;
    }
    weft__obj_disown(t->thread); /* the timer's reference */
    c->call = (weft__callable){ fn, arg, free_arg };
    t->core = c;
    *out = weft__handle(t);
    return WEFT_OK;
}

weft_status weft_timer_free(weft_timer *t)
{
    WEFT__FREE(t, weft__timer_type);
}

weft_status weft_timer_start(weft_timer *t)
{
    WEFT__OPEN(t, weft__timer_type);
    return weft_thread_start(weft__handle(t->thread));
}

weft_status weft_timer_cancel(weft_timer *t, int *cancelled)
{
    WEFT__OPEN(t, weft__timer_type);
    weft__timer_core *c = t->core;
    unsigned waiting = WEFT__TM_WAITING;
    bool won = atomic_compare_exchange_strong(&c->state, &waiting, WEFT__TM_CANCELLED);
    if (won) {
        weft__unpark(&c->state, INT32_MAX);
        weft__callable_release(&c->call);
    }
    if (cancelled != NULL)
        *cancelled = won;
    return WEFT_OK;
}

weft_status weft_timer_join(weft_timer *t, double timeout)
{
    WEFT__OPEN(t, weft__timer_type);
    return weft_thread_join(weft__handle(t->thread), timeout);
}

weft_status weft_timer_thread(weft_timer *t, weft_thread **out)
{
    WEFT__OPEN(t, weft__timer_type);
    WEFT__OUT(out);
    weft__ref_caller(t->thread);
    *out = weft__handle(t->thread);
    return WEFT_OK;
}
