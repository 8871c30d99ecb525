/* The scheduler across threads: an event entered while run waits is honoured
 * at its time, and concurrent enter/cancel/run lose and duplicate nothing. */
#include "weft_test.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>

/* Criterion's assertions are for the test's own thread (in other threads
 * they leak its per-thread state): other threads record failures here and
 * the test asserts there were none. */
static atomic_int thread_failures;
static char first_failure[256];
#define T_CHECK(cond)                                                                             \
    do {                                                                                          \
        if (!(cond) && atomic_fetch_add(&thread_failures, 1) == 0)                                \
            snprintf(first_failure, sizeof first_failure, "%s:%d: %s (%s)", __FILE__, __LINE__, #cond, \
                     weft_errmsg());                                                              \
    } while (0)
#define ASSERT_NO_THREAD_FAILURES() \
    cr_assert_eq(atomic_load(&thread_failures), 0, "%s", first_failure)
#include <time.h>

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0) {
    }
}

typedef struct wake_case {
    weft_scheduler *s;
    weft_sched_event *far;
    double entered_at, ran_at;
    weft_status cancel_st;
} wake_case;

static void early_action(void *arg, weft_outcome *o)
{
    (void)o;
    wake_case *w = arg;
    w->ran_at = weft_test_now();
    /* Cancelling the far event lets the blocking run return. */
    w->cancel_st = weft_scheduler_cancel(w->s, w->far);
}

static void *enter_later(void *arg)
{
    wake_case *w = arg;
    sleep_s(0.05);
    w->entered_at = weft_test_now();
    weft_status st = weft_scheduler_enter(w->s, 0.02, 0, early_action, w, NULL, NULL);
    T_CHECK((st) == (WEFT_OK));
    return NULL;
}

static void never(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_outcome_set_error(o, WEFT_FAILED, "the far event must not run", NULL, NULL);
}

/* With a sleep that cannot be woken, the run would sleep an hour before it
 * saw the early event; CTest's time limit on the suite turns that into a
 * failure (Criterion's own .timeout leaks in its runner under ASan).  */
Test(sched_threads, event_entered_while_run_waits_runs_on_time)
{
    wake_case w = { .cancel_st = WEFT_FAILED };
    WEFT_ASSERT_OK(weft_scheduler_new(&w.s, NULL, NULL, NULL));
    WEFT_ASSERT_OK(weft_scheduler_enter(w.s, 3600, 0, never, NULL, NULL, &w.far));
    pthread_t t;
    pthread_create(&t, NULL, enter_later, &w);
    WEFT_ASSERT_OK(weft_scheduler_run(w.s, 1, NULL));
    pthread_join(t, NULL);
    WEFT_ASSERT_OK(w.cancel_st);
    cr_assert_geq(w.ran_at - w.entered_at, 0.02);
    WEFT_ASSERT_OK(weft_sched_event_free(w.far));
    WEFT_ASSERT_OK(weft_scheduler_free(w.s));
    ASSERT_NO_THREAD_FAILURES();
}

/* An event at +inf makes the default wait block without a deadline; cancelling
 * it from another thread wakes the run, which finds the queue empty. */
typedef struct inf_case {
    weft_scheduler *s;
    weft_sched_event *ev;
    weft_status st;
} inf_case;

static void *cancel_later(void *arg)
{
    inf_case *c = arg;
    sleep_s(0.05);
    c->st = weft_scheduler_cancel(c->s, c->ev);
    return NULL;
}

Test(sched_threads, cancelling_the_awaited_event_wakes_run)
{
    inf_case c = { .st = WEFT_FAILED };
    WEFT_ASSERT_OK(weft_scheduler_new(&c.s, NULL, NULL, NULL));
    WEFT_ASSERT_OK(weft_scheduler_enterabs(c.s, INFINITY, 0, never, NULL, NULL, &c.ev));
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &c);
    double t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_scheduler_run(c.s, 1, NULL));
    cr_assert_geq(weft_test_now() - t0, 0.04);
    pthread_join(t, NULL);
    WEFT_ASSERT_OK(c.st);
    int empty = 0;
    WEFT_ASSERT_OK(weft_scheduler_empty(c.s, &empty));
    cr_assert_eq(empty, 1);
    WEFT_ASSERT_OK(weft_sched_event_free(c.ev));
    WEFT_ASSERT_OK(weft_scheduler_free(c.s));
    ASSERT_NO_THREAD_FAILURES();
}

/* ---- bounded stress: producers, cancellers and two runners ------------- */

#define PRODUCERS 3
#define PER_PRODUCER 2000

static atomic_int ran, released, cancelled;

static void count_run(void *arg, weft_outcome *o)
{
    (void)o;
    atomic_int *once = arg;
    T_CHECK((atomic_fetch_add(once, 1)) == (0));
    atomic_fetch_add(&ran, 1);
}

static void count_release(void *arg)
{
    atomic_fetch_add(&released, 1);
    free(arg);
}

typedef struct stress {
    weft_scheduler *s;
    atomic_int producers_left;
    unsigned seed;
} stress;

static void *producer(void *arg)
{
    stress *st = arg;
    unsigned seed = (unsigned)(uintptr_t)&seed;
    for (int i = 0; i < PER_PRODUCER; i++) {
        atomic_int *once = malloc(sizeof *once);
        atomic_init(once, 0);
        double delay = (double)(rand_r(&seed) % 2000) / 1e6; /* up to 2 ms */
        weft_sched_event *ev = NULL;
        weft_status s = weft_scheduler_enter(st->s, delay, rand_r(&seed) % 4, count_run, once,
                                             count_release, (i % 3 == 0) ? &ev : NULL);
        T_CHECK((s) == (WEFT_OK));
        if (ev != NULL) {
            /* Race the runners: the cancel either wins or is refused. */
            if (weft_scheduler_cancel(st->s, ev) == WEFT_OK)
                atomic_fetch_add(&cancelled, 1);
            weft_sched_event_free(ev);
        }
        if (i % 64 == 0) {
            int empty;
            weft_scheduler_empty(st->s, &empty);
            weft_sched_event **q;
            size_t n;
            if (weft_scheduler_queue(st->s, &q, &n) == WEFT_OK)
                weft_sched_queue_free(q, n);
        }
    }
    atomic_fetch_sub(&st->producers_left, 1);
    return NULL;
}

static void *runner(void *arg)
{
    stress *st = arg;
    for (;;) {
        int done = atomic_load(&st->producers_left) == 0;
        weft_status s = weft_scheduler_run(st->s, 1, NULL);
        T_CHECK((s) == (WEFT_OK));
        if (done)
            break;
        sched_yield();
    }
    return NULL;
}

Test(sched_threads, concurrent_enter_cancel_and_run)
{
    stress st;
    WEFT_ASSERT_OK(weft_scheduler_new(&st.s, NULL, NULL, NULL));
    atomic_init(&st.producers_left, PRODUCERS);
    pthread_t p[PRODUCERS], r[2];
    for (int i = 0; i < PRODUCERS; i++)
        pthread_create(&p[i], NULL, producer, &st);
    for (int i = 0; i < 2; i++)
        pthread_create(&r[i], NULL, runner, &st);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(p[i], NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(r[i], NULL);
    int empty = 0;
    WEFT_ASSERT_OK(weft_scheduler_empty(st.s, &empty));
    cr_assert_eq(empty, 1);
    cr_assert_eq(atomic_load(&ran) + atomic_load(&cancelled), PRODUCERS * PER_PRODUCER);
    cr_assert_eq(atomic_load(&released), PRODUCERS * PER_PRODUCER);
    WEFT_ASSERT_OK(weft_scheduler_free(st.s));
    ASSERT_NO_THREAD_FAILURES();
}

/* A scheduler freed by its owner while another thread runs it stays alive
 * until that run returns. */
static void *run_it(void *arg)
{
    T_CHECK((weft_scheduler_run(arg, 1, NULL)) == (WEFT_OK));
    return NULL;
}

static void noop(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

static atomic_int waiting;

static void flag_and_sleep(void *arg, double seconds)
{
    (void)arg;
    atomic_store(&waiting, 1);
    if (seconds > 0)
        sleep_s(seconds);
}

Test(sched_threads, free_while_running_waits_for_the_run)
{
    weft_scheduler *s;
    WEFT_ASSERT_OK(weft_scheduler_new(&s, NULL, flag_and_sleep, NULL));
    atomic_int *once = malloc(sizeof *once);
    atomic_init(once, 0);
    WEFT_ASSERT_OK(weft_scheduler_enter(s, 0.05, 0, count_run, once, count_release, NULL));
    WEFT_ASSERT_OK(weft_scheduler_enter(s, 0.06, 0, noop, NULL, NULL, NULL));
    pthread_t t;
    pthread_create(&t, NULL, run_it, s);
    while (!atomic_load(&waiting))
        sched_yield();
    WEFT_ASSERT_OK(weft_scheduler_free(s));
    pthread_join(t, NULL);
    cr_assert_eq(atomic_load(&ran), 1);
    cr_assert_eq(atomic_load(&released), 1);
    ASSERT_NO_THREAD_FAILURES();
}
