/* The event scheduler: a binary heap ordered by (time, priority, sequence)
 * under one mutex that is dropped around actions, clock reads and waits. */
#include "core/internal.h"

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
    weft_sched_event **heap;
    size_t len, cap;
    uint64_t next_sequence;
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

static bool weft__ev_before(const weft_sched_event *a, const weft_sched_event *b)
{
    if (a->time != b->time)
        return a->time < b->time;
    if (a->priority != b->priority)
        return a->priority < b->priority;
    return a->sequence < b->sequence;
}

static void weft__heap_place(weft_scheduler *s, size_t i, weft_sched_event *ev)
{
    s->heap[i] = ev;
    ev->index = i;
}

static void weft__heap_up(weft_scheduler *s, size_t i)
{
    weft_sched_event *ev = s->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!weft__ev_before(ev, s->heap[parent]))
            break;
        weft__heap_place(s, i, s->heap[parent]);
        i = parent;
    }
    weft__heap_place(s, i, ev);
}

static void weft__heap_down(weft_scheduler *s, size_t i)
{
    weft_sched_event *ev = s->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= s->len)
            break;
        if (child + 1 < s->len && weft__ev_before(s->heap[child + 1], s->heap[child]))
            child++;
        if (!weft__ev_before(s->heap[child], ev))
            break;
        weft__heap_place(s, i, s->heap[child]);
        i = child;
    }
    weft__heap_place(s, i, ev);
}

static void weft__heap_remove(weft_scheduler *s, size_t i)
{
    weft_sched_event *gone = s->heap[i];
    atomic_store_explicit(&gone->queued, false, memory_order_release);
    s->len--;
    if (i == s->len)
        return;
    weft__heap_place(s, i, s->heap[s->len]);
    weft__heap_down(s, i);
    weft__heap_up(s, i);
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
    if (!(seconds <= WEFT_TIMEOUT_MAX)) { /* +inf or beyond any deadline */
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
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_scheduler_new: out is NULL");
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
    s->timefunc = timefunc;
    s->delayfunc = delayfunc;
    s->clock_arg = clock_arg;
    *out = s;
    return WEFT_OK;
}

static void weft__scheduler_destroy(void *obj)
{
    weft_scheduler *s = obj;
    /* No other reference exists, so nobody else touches the heap now. */
    for (size_t i = 0; i < s->len; i++) {
        weft_sched_event *ev = s->heap[i];
        atomic_store_explicit(&ev->queued, false, memory_order_release);
        weft__callable_release(&ev->action);
        weft__unref(ev);
    }
    free(s->heap);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
}

weft_status weft_scheduler_free(weft_scheduler *s)
{
    return weft__free_handle(s, &weft__scheduler_type, "weft_scheduler_free");
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
    if (s->len == s->cap) {
        size_t cap = s->cap != 0 ? s->cap * 2 : 16;
        weft_sched_event **heap = realloc(s->heap, cap * sizeof *heap);
        if (heap == NULL) {
            pthread_mutex_unlock(&s->lock);
            ev->action = (weft__callable){ NULL, NULL, NULL }; /* the caller keeps arg */
            weft__unref(ev);
            return weft__fail(WEFT_NOMEM, "%s: out of memory", what);
        }
        s->heap = heap;
        s->cap = cap;
    }
    ev->sequence = s->next_sequence++;
    atomic_store_explicit(&ev->queued, true, memory_order_relaxed);
    if (event != NULL)
        weft__ref(ev); /* the caller's reference; the queue keeps the first */
    s->heap[s->len] = ev;
    weft__heap_up(s, s->len++);
    if (ev->index == 0)
        pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    if (event != NULL)
        *event = ev;
    return WEFT_OK;
}

weft_status weft_scheduler_enterabs(weft_scheduler *s, double time, int priority, weft_fn fn, void *arg,
                                    weft_free_fn free_arg, weft_sched_event **event)
{
    weft_status st = weft__check(s, &weft__scheduler_type, "weft_scheduler_enterabs");
    if (st != WEFT_OK)
        return st;
    return weft__enter_at(s, time, priority, fn, arg, free_arg, event, "weft_scheduler_enterabs");
}

weft_status weft_scheduler_enter(weft_scheduler *s, double delay, int priority, weft_fn fn, void *arg,
                                 weft_free_fn free_arg, weft_sched_event **event)
{
    weft_status st = weft__check(s, &weft__scheduler_type, "weft_scheduler_enter");
    if (st != WEFT_OK)
        return st;
    if (isnan(delay))
        return weft__fail(WEFT_EINVAL, "weft_scheduler_enter: delay is NaN");
    return weft__enter_at(s, weft__sched_now(s) + delay, priority, fn, arg, free_arg, event,
                          "weft_scheduler_enter");
}

weft_status weft_scheduler_cancel(weft_scheduler *s, weft_sched_event *event)
{
    weft_status st = weft__check(s, &weft__scheduler_type, "weft_scheduler_cancel");
    if (st == WEFT_OK)
        st = weft__check(event, &weft__event_type, "weft_scheduler_cancel");
    if (st != WEFT_OK)
        return st;
    if (event->owner != s)
        return weft__fail(WEFT_EINVAL, "weft_scheduler_cancel: event belongs to another scheduler");
    pthread_mutex_lock(&s->lock);
    if (!atomic_load_explicit(&event->queued, memory_order_relaxed)) {
        pthread_mutex_unlock(&s->lock);
        return weft__fail(WEFT_EINVAL, "weft_scheduler_cancel: event is not in the queue");
    }
    bool was_head = event->index == 0;
    weft__heap_remove(s, event->index);
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
    weft_status st = weft__check(s, &weft__scheduler_type, "weft_scheduler_empty");
    if (st != WEFT_OK)
        return st;
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_scheduler_empty: out is NULL");
    pthread_mutex_lock(&s->lock);
    *out = s->len == 0;
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
    weft_status st = weft__check(s, &weft__scheduler_type, "weft_scheduler_run");
    if (st != WEFT_OK)
        return st;
    if (next_delay != NULL)
        *next_delay = -1.0;
    weft__ref(s); /* a concurrent weft_scheduler_free() must not pull the heap away */
    for (;;) {
        double now = weft__sched_now(s);
        pthread_mutex_lock(&s->lock);
        if (s->len == 0) {
            pthread_mutex_unlock(&s->lock);
            break;
        }
        weft_sched_event *head = s->heap[0];
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
        weft__heap_remove(s, 0);
        if (s->len > 0)
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

static int weft__ev_cmp(const void *a, const void *b)
{
    const weft_sched_event *x = *(weft_sched_event *const *)a;
    const weft_sched_event *y = *(weft_sched_event *const *)b;
    return weft__ev_before(x, y) ? -1 : weft__ev_before(y, x) ? 1 : 0;
}

weft_status weft_scheduler_queue(weft_scheduler *s, weft_sched_event ***events, size_t *count)
{
    weft_status st = weft__check(s, &weft__scheduler_type, "weft_scheduler_queue");
    if (st != WEFT_OK)
        return st;
    if (events == NULL || count == NULL)
        return weft__fail(WEFT_EINVAL, "weft_scheduler_queue: %s is NULL", events == NULL ? "events" : "count");
    pthread_mutex_lock(&s->lock);
    size_t n = s->len;
    weft_sched_event **copy = NULL;
    if (n > 0) {
        copy = malloc(n * sizeof *copy);
        if (copy == NULL) {
            pthread_mutex_unlock(&s->lock);
            return weft__fail(WEFT_NOMEM, "weft_scheduler_queue: out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            copy[i] = s->heap[i];
            weft__ref(copy[i]);
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (n > 1)
        qsort(copy, n, sizeof *copy, weft__ev_cmp);
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
    return weft__free_handle(event, &weft__event_type, "weft_sched_event_free");
}

#define WEFT__EVENT_GETTER(fname, ctype, expr)                                         \
    weft_status fname(weft_sched_event *event, ctype *out)                             \
    {                                                                                  \
        weft_status st = weft__check(event, &weft__event_type, #fname);                \
        if (st != WEFT_OK)                                                             \
            return st;                                                                 \
        if (out == NULL)                                                               \
            return weft__fail(WEFT_EINVAL, "%s: out is NULL", #fname);                \
        *out = (expr);                                                                 \
        return WEFT_OK;                                                                \
    }

WEFT__EVENT_GETTER(weft_sched_event_time, double, event->time)
WEFT__EVENT_GETTER(weft_sched_event_priority, int, event->priority)
WEFT__EVENT_GETTER(weft_sched_event_sequence, uint64_t, event->sequence)
WEFT__EVENT_GETTER(weft_sched_event_queued, int, atomic_load_explicit(&event->queued, memory_order_acquire))
