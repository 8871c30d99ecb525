/* The scheduler on one thread: ordering, cancel, run modes, failures, bad
 * input and the release of every argument exactly once. */
#include "weft_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A fake clock: time moves only when the scheduler waits. */
typedef struct fake_clock {
    double now;
    int delays;      /* calls with a positive delay */
    int yields;      /* calls with 0 */
} fake_clock;

static double fake_time(void *arg)
{
    return ((fake_clock *)arg)->now;
}

static void fake_delay(void *arg, double seconds)
{
    fake_clock *c = arg;
    if (seconds > 0) {
        c->now += seconds;
        c->delays++;
    } else {
        c->yields++;
    }
}

/* Actions append their tag to a log. */
typedef struct log {
    int tags[64];
    double at[64];
    int n;
    fake_clock *clock;
} log_t;

typedef struct entry {
    log_t *log;
    int tag;
} entry;

static int freed;

static void free_entry(void *p)
{
    freed++;
    free(p);
}

static entry *mk(log_t *log, int tag)
{
    entry *e = malloc(sizeof *e);
    e->log = log;
    e->tag = tag;
    return e;
}

static void record(void *arg, weft_outcome *o)
{
    entry *e = arg;
    e->log->at[e->log->n] = e->log->clock != NULL ? e->log->clock->now : 0;
    e->log->tags[e->log->n++] = e->tag;
    /* A returned value is discarded and freed by the scheduler. */
    weft_outcome_set_value(o, malloc(16), free);
}


static void enter_abs(weft_scheduler *s, log_t *log, double t, int prio, int tag)
{
    WEFT_ASSERT_OK(weft_scheduler_enterabs(s, t, prio, record, mk(log, tag), free_entry, NULL));
}

Test(sched, orders_by_time_priority_then_fifo)
{
    fake_clock c = { 0 };
    log_t log = { .clock = &c };
    weft_scheduler *s;
    freed = 0;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, fake_time, fake_delay, &c));
    enter_abs(s, &log, 3, 0, 30);
    enter_abs(s, &log, 1, 5, 15);
    enter_abs(s, &log, 1, 1, 11);
    enter_abs(s, &log, 2, 0, 20);
    enter_abs(s, &log, 1, 1, 12); /* same time and priority as 11: after it */
    enter_abs(s, &log, 1, 1, 13);
    enter_abs(s, &log, -INFINITY, 9, 0);
    int empty = -1;
    WEFT_ASSERT_OK(weft_scheduler_empty(s, &empty));
    cr_assert_eq(empty, 0);
    double next = 0;
    WEFT_ASSERT_OK(weft_scheduler_run(s, 1, &next));
    cr_assert_eq(next, -1.0);
    int want[] = { 0, 11, 12, 13, 15, 20, 30 };
    cr_assert_eq(log.n, 7);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(log.tags[i], want[i], "position %d: %d, wanted %d", i, log.tags[i], want[i]);
    cr_assert_eq(log.at[5], 2.0);
    cr_assert_eq(log.at[6], 3.0);
    cr_assert_eq(c.now, 3.0);
    cr_assert_eq(c.yields, 7, "delayfunc(0) after every action");
    cr_assert_eq(freed, 7);
    WEFT_ASSERT_OK(weft_scheduler_empty(s, &empty));
    cr_assert_eq(empty, 1);
    WEFT_ASSERT_OK(weft_scheduler_free(s));
}

Test(sched, enter_is_relative_to_the_clock)
{
    fake_clock c = { .now = 100 };
    log_t log = { .clock = &c };
    weft_scheduler *s;
    weft_sched_event *ev;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, fake_time, fake_delay, &c));
    WEFT_ASSERT_OK(weft_scheduler_enter(s, 2.5, 0, record, mk(&log, 1), free_entry, &ev));
    double t;
    WEFT_ASSERT_OK(weft_sched_event_time(ev, &t));
    cr_assert_eq(t, 102.5);
    WEFT_ASSERT_OK(weft_scheduler_run(s, 1, NULL));
    cr_assert_eq(log.n, 1);
    cr_assert_eq(log.at[0], 102.5);
    WEFT_ASSERT_OK(weft_sched_event_free(ev));
    WEFT_ASSERT_OK(weft_scheduler_free(s));
}

Test(sched, queue_is_an_ordered_snapshot_with_getters)
{
    fake_clock c = { 0 };
    log_t log = { .clock = &c };
    weft_scheduler *s;
    freed = 0;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, fake_time, fake_delay, &c));
    weft_sched_event **q = (weft_sched_event **)1;
    size_t n = 99;
    WEFT_ASSERT_OK(weft_scheduler_queue(s, &q, &n));
    cr_assert_eq(n, 0);
    cr_assert_null(q);
    weft_sched_queue_free(q, n);
    double times[] = { 5, 1, 3, 1, 2, 4, 1 };
    int prios[] = { 0, 2, 0, 1, 0, 0, 1 };
    for (int i = 0; i < 7; i++)
        enter_abs(s, &log, times[i], prios[i], i);
    WEFT_ASSERT_OK(weft_scheduler_queue(s, &q, &n));
    cr_assert_eq(n, 7);
    /* (1,1,#3) (1,1,#6) (1,2,#1) (2,0) (3,0) (4,0) (5,0) */
    uint64_t want_seq[] = { 3, 6, 1, 4, 2, 5, 0 };
    double prev_t = -1;
    for (size_t i = 0; i < n; i++) {
        double t;
        int p, queued;
        uint64_t seq;
        WEFT_ASSERT_OK(weft_sched_event_time(q[i], &t));
        WEFT_ASSERT_OK(weft_sched_event_priority(q[i], &p));
        WEFT_ASSERT_OK(weft_sched_event_sequence(q[i], &seq));
        WEFT_ASSERT_OK(weft_sched_event_queued(q[i], &queued));
        cr_assert_eq(seq, want_seq[i], "slot %zu has sequence %llu", i, (unsigned long long)seq);
        cr_assert_eq(t, times[seq]);
        cr_assert_eq(p, prios[seq]);
        cr_assert(t >= prev_t);
        cr_assert_eq(queued, 1);
        prev_t = t;
    }
    /* The snapshot does not change when the queue does. */
    WEFT_ASSERT_OK(weft_scheduler_cancel(s, q[0]));
    int queued = 1;
    WEFT_ASSERT_OK(weft_sched_event_queued(q[0], &queued));
    cr_assert_eq(queued, 0);
    WEFT_ASSERT_OK(weft_scheduler_run(s, 1, NULL));
    WEFT_ASSERT_OK(weft_sched_event_queued(q[6], &queued));
    cr_assert_eq(queued, 0);
    double t;
    WEFT_ASSERT_OK(weft_sched_event_time(q[6], &t));
    cr_assert_eq(t, 5);
    weft_sched_queue_free(q, n);
    cr_assert_eq(log.n, 6);
    cr_assert_eq(freed, 7);
    WEFT_ASSERT_OK(weft_scheduler_free(s));
}

Test(sched, cancel_removes_and_releases_once)
{
    fake_clock c = { 0 };
    log_t log = { .clock = &c };
    weft_scheduler *s, *other;
    weft_sched_event *a, *b, *far;
    freed = 0;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, fake_time, fake_delay, &c));
    WEFT_ASSERT_OK(weft_scheduler_new(&other, fake_time, fake_delay, &c));
    WEFT_ASSERT_OK(weft_scheduler_enterabs(s, 1, 0, record, mk(&log, 1), free_entry, &a));
    WEFT_ASSERT_OK(weft_scheduler_enterabs(s, 2, 0, record, mk(&log, 2), free_entry, &b));
    WEFT_ASSERT_OK(weft_scheduler_enterabs(s, INFINITY, 0, record, mk(&log, 3), free_entry, &far));
    WEFT_ASSERT_OK(weft_scheduler_cancel(s, a));
    cr_assert_eq(freed, 1, "a cancelled event's argument is released at once");
    WEFT_ASSERT_STATUS(weft_scheduler_cancel(s, a), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not in the queue") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_scheduler_cancel(other, b), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "another scheduler") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_OK(weft_scheduler_cancel(s, far));
    WEFT_ASSERT_OK(weft_scheduler_run(s, 1, NULL));
    cr_assert_eq(log.n, 1);
    cr_assert_eq(log.tags[0], 2);
    /* An event that already ran cannot be cancelled (Python: ValueError). */
    WEFT_ASSERT_STATUS(weft_scheduler_cancel(s, b), WEFT_EINVAL);
    cr_assert_eq(freed, 3);
    WEFT_ASSERT_OK(weft_sched_event_free(a));
    WEFT_ASSERT_OK(weft_sched_event_free(b));
    WEFT_ASSERT_OK(weft_sched_event_free(far));
    /* Freed handles are recognised. */
    WEFT_ASSERT_STATUS(weft_scheduler_cancel(s, a), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "freed") != NULL, "%s", weft_errmsg());
    int out;
    WEFT_ASSERT_STATUS(weft_sched_event_queued(b, &out), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_free(b), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_scheduler_free(other));
    WEFT_ASSERT_OK(weft_scheduler_free(s));
}

/* An action that tries to cancel its own event: it was removed before it ran. */
typedef struct self_cancel {
    weft_scheduler *s;
    weft_sched_event *self;
    weft_status got;
} self_cancel;

static void cancel_self(void *arg, weft_outcome *o)
{
    (void)o;
    self_cancel *sc = arg;
    sc->got = weft_scheduler_cancel(sc->s, sc->self);
}

Test(sched, cancelling_the_running_event_fails)
{
    fake_clock c = { 0 };
    self_cancel sc = { .got = WEFT_OK };
    WEFT_ASSERT_OK(weft_scheduler_new(&sc.s, fake_time, fake_delay, &c));
    WEFT_ASSERT_OK(weft_scheduler_enterabs(sc.s, 0, 0, cancel_self, &sc, NULL, &sc.self));
    WEFT_ASSERT_OK(weft_scheduler_run(sc.s, 1, NULL));
    cr_assert_eq(sc.got, WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_sched_event_free(sc.self));
    WEFT_ASSERT_OK(weft_scheduler_free(sc.s));
}

Test(sched, nonblocking_runs_what_is_due_and_reports_the_delay)
{
    fake_clock c = { .now = 10 };
    log_t log = { .clock = &c };
    weft_scheduler *s;
    freed = 0;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, fake_time, fake_delay, &c));
    double next = 0;
    WEFT_ASSERT_OK(weft_scheduler_run(s, 0, &next));
    cr_assert_eq(next, -1.0, "empty queue: None");
    enter_abs(s, &log, 9, 0, 1);
    enter_abs(s, &log, 10, 0, 2);
    enter_abs(s, &log, 14, 0, 3);
    enter_abs(s, &log, 12, 0, 4);
    WEFT_ASSERT_OK(weft_scheduler_run(s, 0, &next));
    cr_assert_eq(log.n, 2);
    cr_assert_eq(next, 2.0);
    cr_assert_eq(c.delays, 0, "a non-blocking run never waits");
    c.now = 12.5;
    WEFT_ASSERT_OK(weft_scheduler_run(s, 0, &next));
    cr_assert_eq(log.n, 3);
    cr_assert_eq(log.tags[2], 4);
    cr_assert_eq(next, 1.5);
    WEFT_ASSERT_OK(weft_scheduler_run(s, 0, NULL));
    cr_assert_eq(log.n, 3);
    WEFT_ASSERT_OK(weft_scheduler_free(s));
    cr_assert_eq(freed, 4, "the event never run is released at free");
}

Test(sched, real_clock_waits_at_least_the_delay)
{
    log_t log = { 0 };
    weft_scheduler *s;
    freed = 0;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, NULL, NULL, NULL));
    double t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_scheduler_enter(s, 0.05, 0, record, mk(&log, 1), free_entry, NULL));
    WEFT_ASSERT_OK(weft_scheduler_enter(s, 0.02, 0, record, mk(&log, 2), free_entry, NULL));
    double next = 0;
    WEFT_ASSERT_OK(weft_scheduler_run(s, 0, &next));
    cr_assert(next > 0 && next <= 0.02, "next %g", next);
    cr_assert_eq(log.n, 0);
    WEFT_ASSERT_OK(weft_scheduler_run(s, 1, NULL));
    double elapsed = weft_test_now() - t0;
    cr_assert_geq(elapsed, 0.05);
    cr_assert_eq(log.n, 2);
    cr_assert_eq(log.tags[0], 2);
    cr_assert_eq(log.tags[1], 1);
    cr_assert_eq(freed, 2);
    WEFT_ASSERT_OK(weft_scheduler_free(s));
}

/* Custom clock (seconds from another origin), default (real, wakeable) wait. */
static double offset_time(void *arg)
{
    return weft_test_now() + *(double *)arg;
}

Test(sched, custom_clock_with_default_wait)
{
    log_t log = { 0 };
    weft_scheduler *s;
    double offset = 1e6;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, offset_time, NULL, &offset));
    double t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_scheduler_enter(s, 0.03, 0, record, mk(&log, 1), free_entry, NULL));
    WEFT_ASSERT_OK(weft_scheduler_run(s, 1, NULL));
    cr_assert_geq(weft_test_now() - t0, 0.03);
    cr_assert_eq(log.n, 1);
    WEFT_ASSERT_OK(weft_scheduler_free(s));
}

static void failing(void *arg, weft_outcome *o)
{
    entry *e = arg;
    e->log->tags[e->log->n++] = e->tag;
    weft_outcome_set_error(o, WEFT_LOOKUP, "action failed on purpose", malloc(8), free);
}

Test(sched, failing_action_stops_run_and_keeps_the_rest)
{
    fake_clock c = { 0 };
    log_t log = { .clock = &c };
    weft_scheduler *s;
    freed = 0;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, fake_time, fake_delay, &c));
    enter_abs(s, &log, 1, 0, 1);
    WEFT_ASSERT_OK(weft_scheduler_enterabs(s, 2, 0, failing, mk(&log, 2), free_entry, NULL));
    enter_abs(s, &log, 3, 0, 3);
    enter_abs(s, &log, 4, 0, 4);
    WEFT_ASSERT_STATUS(weft_scheduler_run(s, 1, NULL), WEFT_LOOKUP);
    cr_assert_str_eq(weft_errmsg(), "action failed on purpose");
    cr_assert_eq(log.n, 2);
    cr_assert_eq(freed, 2, "the failed event's argument is released too");
    int empty;
    WEFT_ASSERT_OK(weft_scheduler_empty(s, &empty));
    cr_assert_eq(empty, 0);
    WEFT_ASSERT_OK(weft_scheduler_run(s, 1, NULL));
    cr_assert_eq(log.n, 4);
    cr_assert_eq(freed, 4);
    WEFT_ASSERT_OK(weft_scheduler_free(s));
}

/* An action may enter more events and run nested. */
typedef struct nested {
    weft_scheduler *s;
    log_t *log;
} nested;

static void enter_more(void *arg, weft_outcome *o)
{
    (void)o;
    nested *n = arg;
    n->log->tags[n->log->n++] = 100;
    weft_scheduler_enter(n->s, 1, 0, record, mk(n->log, 101), free_entry, NULL);
    weft_scheduler_enter(n->s, 0, 0, record, mk(n->log, 102), free_entry, NULL);
}

Test(sched, actions_may_enter_events)
{
    fake_clock c = { 0 };
    log_t log = { .clock = &c };
    nested n;
    freed = 0;
    WEFT_ASSERT_OK(weft_scheduler_new(&n.s, fake_time, fake_delay, &c));
    n.log = &log;
    WEFT_ASSERT_OK(weft_scheduler_enter(n.s, 1, 0, enter_more, &n, NULL, NULL));
    enter_abs(n.s, &log, 1.5, 0, 1);
    WEFT_ASSERT_OK(weft_scheduler_run(n.s, 1, NULL));
    int want[] = { 100, 102, 1, 101 };
    cr_assert_eq(log.n, 4);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(log.tags[i], want[i]);
    cr_assert_eq(freed, 3);
    WEFT_ASSERT_OK(weft_scheduler_free(n.s));
}

Test(sched, free_releases_events_never_run)
{
    fake_clock c = { 0 };
    log_t log = { .clock = &c };
    weft_scheduler *s;
    weft_sched_event *kept;
    freed = 0;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, fake_time, fake_delay, &c));
    for (int i = 0; i < 40; i++)
        enter_abs(s, &log, 40 - i, i % 3, i);
    WEFT_ASSERT_OK(weft_scheduler_enterabs(s, 1, 0, record, mk(&log, 77), free_entry, &kept));
    WEFT_ASSERT_OK(weft_scheduler_free(s));
    cr_assert_eq(freed, 41);
    cr_assert_eq(log.n, 0);
    int queued = 1;
    WEFT_ASSERT_OK(weft_sched_event_queued(kept, &queued));
    cr_assert_eq(queued, 0);
    WEFT_ASSERT_OK(weft_sched_event_free(kept));
    WEFT_ASSERT_OK(weft_scheduler_free(NULL));
    WEFT_ASSERT_OK(weft_sched_event_free(NULL));
}

Test(sched, bad_input)
{
    fake_clock c = { 0 };
    log_t log = { .clock = &c };
    weft_scheduler *s;
    weft_sched_event *ev;
    int i;
    double d;
    uint64_t u;
    size_t n;
    weft_sched_event **q;
    freed = 0;
    WEFT_ASSERT_STATUS(weft_scheduler_new(NULL, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_scheduler_new(&s, fake_time, fake_delay, &c));
    entry *e = mk(&log, 1);
    WEFT_ASSERT_STATUS(weft_scheduler_enterabs(NULL, 0, 0, record, e, free_entry, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_enterabs(s, 0, 0, NULL, e, free_entry, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_enterabs(s, NAN, 0, record, e, free_entry, NULL), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "NaN") != NULL);
    WEFT_ASSERT_STATUS(weft_scheduler_enter(s, NAN, 0, record, e, free_entry, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_enter(NULL, 0, 0, record, e, free_entry, NULL), WEFT_EINVAL);
    cr_assert_eq(freed, 0, "a refused argument stays the caller's");
    free(e);
    WEFT_ASSERT_STATUS(weft_scheduler_cancel(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_cancel(s, NULL), WEFT_EINVAL);
    /* A scheduler is not an event and an event is not a scheduler. */
    WEFT_ASSERT_STATUS(weft_scheduler_cancel(s, (weft_sched_event *)s), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not a") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_OK(weft_scheduler_enterabs(s, 0, 0, record, mk(&log, 1), free_entry, &ev));
    WEFT_ASSERT_STATUS(weft_scheduler_run((weft_scheduler *)ev, 1, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_free((weft_scheduler *)ev), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_free((weft_sched_event *)s), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_empty(s, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_empty(NULL, &i), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_queue(s, NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_queue(s, &q, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_queue(NULL, &q, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_run(NULL, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_time(ev, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_time(NULL, &d), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_priority(NULL, &i), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_priority(ev, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_sequence(NULL, &u), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_sequence(ev, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_queued(NULL, &i), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_sched_event_queued(ev, NULL), WEFT_EINVAL);
    weft_sched_queue_free(NULL, 3);
    WEFT_ASSERT_OK(weft_sched_event_free(ev));
    WEFT_ASSERT_OK(weft_scheduler_free(s));
    /* Freed scheduler. */
    WEFT_ASSERT_STATUS(weft_scheduler_run(s, 1, NULL), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "freed") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_scheduler_enter(s, 0, 0, record, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_scheduler_free(s), WEFT_EINVAL);
    cr_assert_eq(freed, 1);
}
