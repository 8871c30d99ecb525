/* The event scheduler: the kit's heap (core/kit.h) ordered by (time,
 * priority, sequence) under one mutex that is dropped around actions, clock
 * reads and waits. */
#include "core/kit.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

struct weft_sched_event {
    weft__obj hdr;
    double time;
    int priority;
    uint64_t sequence;
    const weft_scheduler *owner; /* compared only, never dereferenced */
    size_t index;                /* heap slot while queued (scheduler's lock) */
    atomic_bool queued;
    weft__callable action;       /* released once: after running or on cancel */
};

struct weft_scheduler {
    weft__obj hdr;
    pthread_mutex_t lock;
    pthread_cond_t changed;      /* the head of the queue changed */
    weft__heap heap;             /* of events; key: time */
    weft_sched_timefunc timefunc;
    weft_sched_delayfunc delayfunc;
    void *clock_arg;
};

static void weft__event_destroy(void *obj)
{
    weft_sched_event *ev = obj;
    weft__callable_release(&ev->action);
}

static void weft__scheduler_destroy(void *obj);

static const weft__type weft__event_type = { "sched event", weft__event_destroy };
static const weft__type weft__scheduler_type = { "scheduler", weft__scheduler_destroy };

/* ---- the heap (caller holds the lock) ------------------------------------ */

/* Ties in time go by priority; the heap's insertion order is the sequence. */
static int weft__ev_cmp_priority(const void *a, const void *b, void *arg)
{
    (void)arg;
    int x = ((const weft_sched_event *)a)->priority, y = ((const weft_sched_event *)b)->priority;
    return (x > y) - (x < y);
}

static void weft__ev_placed(void *item, size_t index)
{
    ((weft_sched_event *)item)->index = index;
}

static weft_sched_event *weft__sched_head(weft_scheduler *s)
{
    return s->heap.count > 0 ? s->heap.e[0].item : NULL;
}

static void weft__sched_remove(weft_scheduler *s, size_t i)
{
    weft_sched_event *gone = weft__heap_remove(&s->heap, i);
    atomic_store_explicit(&gone->queued, false, memory_order_release);
}

/* ---- clock ------------------------------------------------------------- */

static double weft__sched_now(const weft_scheduler *s)
{
    if (s->timefunc != NULL)
        return s->timefunc(s->clock_arg);
    return (double)weft__now_ns() / 1e9;
}

/* The default wait: the caller holds the lock; the wait drops it and is
 * woken early when the head of the queue changes. The caller re-reads the
 * clock and the queue afterwards, so early or spurious returns are harmless. */
static void weft__sched_wait_locked(weft_scheduler *s, double seconds)
{
    if (weft__timeout_bad(seconds)) { /* +inf or beyond any deadline */
        pthread_cond_wait(&s->changed, &s->lock);
        return;
    }
    weft__deadline d;
    if (weft__deadline_init(&d, seconds, "weft_scheduler_run") != WEFT_OK || d.forever)
        pthread_cond_wait(&s->changed, &s->lock);
    else
        pthread_cond_timedwait(&s->changed, &s->lock, &d.at);
}

/* ---- the scheduler ----------------------------------------------------- */

weft_status weft_scheduler_new(weft_scheduler **out, weft_sched_timefunc timefunc,
                               weft_sched_delayfunc delayfunc, void *clock_arg)
{
    WEFT__OUT(out);
    weft_scheduler *s = weft__obj_new(&weft__scheduler_type, sizeof *s);
    if (s == NULL)
        return WEFT_NOMEM;
    int err = pthread_mutex_init(&s->lock, NULL);
    if (err != 0) {
        free(s);
        return weft__fail_os(err, "weft_scheduler_new: mutex");
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    err = pthread_cond_init(&s->changed, &attr);
    pthread_condattr_destroy(&attr);
    if (err != 0) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return weft__fail_os(err, "weft_scheduler_new: condition variable");
    }
    weft__heap_init(&s->heap, weft__ev_cmp_priority, NULL, weft__ev_placed);
    s->timefunc = timefunc;
    s->delayfunc = delayfunc;
    s->clock_arg = clock_arg;
    *out = weft__handle(s);
    return WEFT_OK;
}

static void weft__scheduler_destroy(void *obj)
{
    weft_scheduler *s = obj;
    /* No other reference exists, so nobody else touches the heap now. */
    for (size_t i = 0; i < s->heap.count; i++) {
        weft_sched_event *ev = s->heap.e[i].item;
        atomic_store_explicit(&ev->queued, false, memory_order_release);
        weft__callable_release(&ev->action);
        weft__unref(ev);
    }
    weft__heap_destroy(&s->heap);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
}

weft_status weft_scheduler_free(weft_scheduler *s)
{
    WEFT__FREE(s, weft__scheduler_type);
}

static weft_status weft__enter_at(weft_scheduler *s, double time, int priority, weft_fn fn, void *arg,
                                  weft_free_fn free_arg, weft_sched_event **event, const char *what)
{
    if (fn == NULL)
        return weft__fail(WEFT_EINVAL, "%s: fn is NULL", what);
    if (isnan(time))
        return weft__fail(WEFT_EINVAL, "%s: time is NaN", what);
    weft_sched_event *ev = weft__obj_new(&weft__event_type, sizeof *ev);
    if (ev == NULL)
        return WEFT_NOMEM;
    ev->time = time;
    ev->priority = priority;
    ev->owner = s;
    ev->action = (weft__callable){ fn, arg, free_arg };

    pthread_mutex_lock(&s->lock);
    weft_status st = weft__heap_reserve(&s->heap, what);
    if (st != WEFT_OK) {
        pthread_mutex_unlock(&s->lock);
        ev->action = (weft__callable){ NULL, NULL, NULL }; /* the caller keeps arg */
        weft__unref(ev);
        return st;
    }
    atomic_store_explicit(&ev->queued, true, memory_order_relaxed);
    if (event != NULL)
        weft__ref(ev); /* the caller's reference; the queue keeps the first */
    /* The sequence is read only under the lock, so it may be set after
     * the push has placed the event. */
    ev->sequence = weft__heap_push(&s->heap, ev, weft__heap_key_double(time));
    if (ev->index == 0)
        pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    if (event != NULL)
        *event = weft__handle(ev);
    return WEFT_OK;
}

weft_status weft_scheduler_enterabs(weft_scheduler *s, double time, int priority, weft_fn fn, void *arg,
                                    weft_free_fn free_arg, weft_sched_event **event)
{
    WEFT__OPEN(s, weft__scheduler_type);
    return weft__enter_at(s, time, priority, fn, arg, free_arg, event, __func__);
}

weft_status weft_scheduler_enter(weft_scheduler *s, double delay, int priority, weft_fn fn, void *arg,
                                 weft_free_fn free_arg, weft_sched_event **event)
{
    WEFT__OPEN(s, weft__scheduler_type);
    if (isnan(delay))
        return weft__fail(WEFT_EINVAL, "%s: delay is NaN", __func__);
    return weft__enter_at(s, weft__sched_now(s) + delay, priority, fn, arg, free_arg, event,
                          __func__);
}

weft_status weft_scheduler_cancel(weft_scheduler *s, weft_sched_event *event)
{
    WEFT__OPEN(s, weft__scheduler_type);
    WEFT__OPEN(event, weft__event_type);
    if (event->owner != s)
        return weft__fail(WEFT_EINVAL, "%s: event belongs to another scheduler", __func__);
    pthread_mutex_lock(&s->lock);
    if (!atomic_load_explicit(&event->queued, memory_order_relaxed)) {
        pthread_mutex_unlock(&s->lock);
        return weft__fail(WEFT_EINVAL, "%s: event is not in the queue", __func__);
    }
    bool was_head = event->index == 0;
    weft__sched_remove(s, event->index);
    if (was_head)
        pthread_cond_broadcast(&s->changed);
    weft__callable action = event->action;
    event->action = (weft__callable){ NULL, NULL, NULL };
    pthread_mutex_unlock(&s->lock);
    weft__callable_release(&action); /* user code: outside the lock */
    weft__unref(event);              /* the queue's reference */
    return WEFT_OK;
}

weft_status weft_scheduler_empty(weft_scheduler *s, int *out)
{
    WEFT__OPEN(s, weft__scheduler_type);
    WEFT__OUT(out);
    pthread_mutex_lock(&s->lock);
    *out = s->heap.count == 0;
    pthread_mutex_unlock(&s->lock);
    return WEFT_OK;
}

/* Runs one popped event: the action, then the release of its argument and of
 * the queue's reference. A failure's message becomes the thread's message. */
static weft_status weft__sched_fire(weft_sched_event *ev)
{
    weft__callable action = ev->action;
    ev->action = (weft__callable){ NULL, NULL, NULL };
    weft_outcome o;
    weft__outcome_run(&o, action.fn, action.arg);
    weft_status st = o.status;
    if (st != WEFT_OK)
        weft__fail(st, "%s", o.message != NULL ? o.message : weft_strerror(st));
    weft__outcome_clear(&o);
    weft__callable_release(&action);
    weft__unref(ev);
    return st;
}

weft_status weft_scheduler_run(weft_scheduler *s, int blocking, double *next_delay)
{
    WEFT__OPEN(s, weft__scheduler_type);
    weft_status st = WEFT_OK;
    if (next_delay != NULL)
        *next_delay = -1.0;
    weft__ref(s); /* a concurrent weft_scheduler_free() must not pull the heap away */
    for (;;) {
        double now = weft__sched_now(s);
        pthread_mutex_lock(&s->lock);
        weft_sched_event *head = weft__sched_head(s);
        if (head == NULL) {
            pthread_mutex_unlock(&s->lock);
            break;
        }
        if (head->time > now) {
            double delay = head->time - now;
            if (!blocking) {
                pthread_mutex_unlock(&s->lock);
                if (next_delay != NULL)
                    *next_delay = delay;
                break;
            }
            if (s->delayfunc == NULL) {
                weft__sched_wait_locked(s, delay);
                pthread_mutex_unlock(&s->lock);
            } else {
                pthread_mutex_unlock(&s->lock);
                s->delayfunc(s->clock_arg, delay);
            }
            continue;
        }
        weft__sched_remove(s, 0);
        if (s->heap.count > 0)
            pthread_cond_broadcast(&s->changed); /* other runners: a new head */
        pthread_mutex_unlock(&s->lock);
        st = weft__sched_fire(head);
        if (st != WEFT_OK)
            break;
        if (s->delayfunc != NULL)
            s->delayfunc(s->clock_arg, 0); /* as Python: let other threads run */
        else
            sched_yield();
    }
    weft__unref(s);
    return st;
}

/* The queue's order, as Python's sorted(self._queue): (time, priority, sequence). */
static int weft__ev_cmp(const void *a, const void *b)
{
    const weft_sched_event *x = *(weft_sched_event *const *)a;
    const weft_sched_event *y = *(weft_sched_event *const *)b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    int c = weft__ev_cmp_priority(x, y, NULL);
    return c != 0 ? c : (x->sequence > y->sequence) - (x->sequence < y->sequence);
}

weft_status weft_scheduler_queue(weft_scheduler *s, weft_sched_event ***events, size_t *count)
{
    WEFT__OPEN(s, weft__scheduler_type);
    if (events == NULL || count == NULL)
        return weft__fail(WEFT_EINVAL, "%s: %s is NULL", __func__, events == NULL ? "events" : "count");
    pthread_mutex_lock(&s->lock);
    size_t n = s->heap.count;
    weft_sched_event **copy = NULL;
    if (n > 0) {
        copy = malloc(n * sizeof *copy);
        if (copy == NULL) {
            pthread_mutex_unlock(&s->lock);
            return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        }
        for (size_t i = 0; i < n; i++) {
            copy[i] = s->heap.e[i].item;
            weft__ref(copy[i]);
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (n > 1)
        qsort(copy, n, sizeof *copy, weft__ev_cmp);
    for (size_t i = 0; i < n; i++)
        copy[i] = weft__handle(copy[i]);
    *events = copy;
    *count = n;
    return WEFT_OK;
}

void weft_sched_queue_free(weft_sched_event **events, size_t count)
{
    if (events == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        (void)weft_sched_event_free(events[i]);
    free(events);
}

weft_status weft_sched_event_free(weft_sched_event *event)
{
    WEFT__FREE(event, weft__event_type);
}

#define WEFT__EVENT_GETTER(fname, ctype, expr)                                         \
    weft_status fname(weft_sched_event *event, ctype *out)                             \
    {                                                                                  \
        WEFT__OPEN(event, weft__event_type);                                           \
        WEFT__OUT(out);                                                                \
        *out = (expr);                                                                 \
        return WEFT_OK;                                                                \
    }

WEFT__EVENT_GETTER(weft_sched_event_time, double, event->time)
WEFT__EVENT_GETTER(weft_sched_event_priority, int, event->priority)
WEFT__EVENT_GETTER(weft_sched_event_sequence, uint64_t, event->sequence)
WEFT__EVENT_GETTER(weft_sched_event_queued, int, atomic_load_explicit(&event->queued, memory_order_acquire))
