/* SimpleQueue: FIFO, failure paths, timeouts, node pool growth, many
 * producers and consumers, and the reentrant, async-signal-safe put: from a
 * signal handler on a getter's thread, from a handler that interrupts a put,
 * and from free functions. */
#include "weft_test.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <weft/queue.h>

#define ITEM(n) ((void *)(uintptr_t)(n))
#define MARK ((void *)~(uintptr_t)0) /* what signal handlers put */

Test(simple, fifo_and_state)
{
    weft_simple_queue *q;
    WEFT_ASSERT_OK(weft_simple_queue_new(&q, NULL));
    size_t n = 7;
    int flag = -1;
    WEFT_ASSERT_OK(weft_simple_queue_qsize(q, &n));
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_simple_queue_empty(q, &flag));
    cr_assert_eq(flag, 1);
    WEFT_ASSERT_OK(weft_simple_queue_put(q, ITEM(1)));
    WEFT_ASSERT_OK(weft_simple_queue_put_nowait(q, ITEM(2)));
    WEFT_ASSERT_OK(weft_simple_queue_put(q, NULL));
    WEFT_ASSERT_OK(weft_simple_queue_qsize(q, &n));
    cr_assert_eq(n, 3);
    WEFT_ASSERT_OK(weft_simple_queue_empty(q, &flag));
    cr_assert_eq(flag, 0);
    void *item;
    WEFT_ASSERT_OK(weft_simple_queue_get(q, -1, &item));
    cr_assert_eq(item, ITEM(1));
    WEFT_ASSERT_OK(weft_simple_queue_get_nowait(q, &item));
    cr_assert_eq(item, ITEM(2));
    WEFT_ASSERT_OK(weft_simple_queue_get(q, 0, &item));
    cr_assert_null(item);
    item = ITEM(5);
    WEFT_ASSERT_STATUS(weft_simple_queue_get_nowait(q, &item), WEFT_EMPTY);
    WEFT_ASSERT_STATUS(weft_simple_queue_get(q, 0, &item), WEFT_EMPTY);
    cr_assert_eq(item, ITEM(5), "item untouched on failure");
    WEFT_ASSERT_OK(weft_simple_queue_free(q));
}

Test(simple, pool_grows_across_chunks)
{
    weft_simple_queue *q;
    WEFT_ASSERT_OK(weft_simple_queue_new(&q, NULL));
    enum { N = 100000 };
    for (uintptr_t i = 0; i < N; i++)
        WEFT_ASSERT_OK(weft_simple_queue_put(q, ITEM(i)));
    size_t n;
    WEFT_ASSERT_OK(weft_simple_queue_qsize(q, &n));
    cr_assert_eq(n, N);
    for (uintptr_t i = 0; i < N; i++) {
        void *item;
        WEFT_ASSERT_OK(weft_simple_queue_get(q, 0, &item));
        cr_assert_eq(item, ITEM(i));
    }
    /* Recycled nodes serve the next round without growth. */
    for (uintptr_t i = 0; i < N; i++)
        WEFT_ASSERT_OK(weft_simple_queue_put(q, ITEM(i)));
    WEFT_ASSERT_OK(weft_simple_queue_free(q));
}

Test(simple, bad_arguments)
{
    void *item;
    size_t n;
    int flag;
    WEFT_ASSERT_STATUS(weft_simple_queue_new(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_put(NULL, ITEM(1)), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_put_nowait(NULL, ITEM(1)), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_get(NULL, 0, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_get_nowait(NULL, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_qsize(NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_empty(NULL, &flag), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_simple_queue_free(NULL));

    weft_queue *other;
    WEFT_ASSERT_OK(weft_queue_new(&other, 0, NULL));
    weft_simple_queue *wrong = (weft_simple_queue *)other;
    WEFT_ASSERT_STATUS(weft_simple_queue_put(wrong, ITEM(1)), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not a simple queue") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_simple_queue_get(wrong, 0, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_free(wrong), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_queue_free(other));

    weft_simple_queue *q;
    WEFT_ASSERT_OK(weft_simple_queue_new(&q, NULL));
    WEFT_ASSERT_STATUS(weft_simple_queue_get(q, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_get_nowait(q, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_qsize(q, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_empty(q, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_get(q, NAN, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_get(q, 1e300, &item), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_simple_queue_get(q, INFINITY, &item), WEFT_OVERFLOW);
    WEFT_ASSERT_OK(weft_simple_queue_free(q));
    WEFT_ASSERT_STATUS(weft_simple_queue_put(q, ITEM(1)), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "freed") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_simple_queue_get(q, 0, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_qsize(q, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_simple_queue_free(q), WEFT_EINVAL);
}

Test(simple, get_timeout_waits_at_least_the_timeout)
{
    weft_simple_queue *q;
    WEFT_ASSERT_OK(weft_simple_queue_new(&q, NULL));
    void *item;
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_simple_queue_get(q, 0.05, &item), WEFT_EMPTY);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_OK(weft_simple_queue_put(q, ITEM(3)));
    WEFT_ASSERT_OK(weft_simple_queue_get(q, WEFT_TIMEOUT_MAX, &item));
    cr_assert_eq(item, ITEM(3));
    WEFT_ASSERT_OK(weft_simple_queue_free(q));
}

static atomic_int freed;
static void count_free(void *p)
{
    (void)p;
    atomic_fetch_add(&freed, 1);
}

Test(simple, free_releases_left_items_once)
{
    weft_simple_queue *q;
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_simple_queue_new(&q, count_free));
    for (uintptr_t i = 0; i < 1000; i++)
        WEFT_ASSERT_OK(weft_simple_queue_put(q, ITEM(i)));
    void *item;
    for (int i = 0; i < 10; i++)
        WEFT_ASSERT_OK(weft_simple_queue_get(q, 0, &item));
    WEFT_ASSERT_OK(weft_simple_queue_free(q));
    cr_assert_eq(atomic_load(&freed), 990);
}

/* A free function that puts: into the queue being freed (refused, no
 * crash, no deadlock) and into another queue (accepted). */
static weft_simple_queue *self_q, *other_q;
static atomic_int self_status, other_status;
static void put_elsewhere(void *p)
{
    atomic_store(&self_status, (int)weft_simple_queue_put(self_q, p));
    atomic_store(&other_status, (int)weft_simple_queue_put(other_q, p));
}

Test(simple, free_function_that_puts)
{
    WEFT_ASSERT_OK(weft_simple_queue_new(&self_q, put_elsewhere));
    WEFT_ASSERT_OK(weft_simple_queue_new(&other_q, NULL));
    WEFT_ASSERT_OK(weft_simple_queue_put(self_q, ITEM(8)));
    WEFT_ASSERT_OK(weft_simple_queue_free(self_q));
    cr_assert_eq(atomic_load(&self_status), WEFT_EINVAL);
    cr_assert_eq(atomic_load(&other_status), WEFT_OK);
    void *item;
    WEFT_ASSERT_OK(weft_simple_queue_get(other_q, 0, &item));
    cr_assert_eq(item, ITEM(8));
    WEFT_ASSERT_OK(weft_simple_queue_free(other_q));
}

/* A Queue's free function that puts into a SimpleQueue while the same thread
 * is inside a call on the Queue (its immediate shutdown). */
static weft_simple_queue *sink;
static void to_sink(void *p)
{
    cr_assert_eq(weft_simple_queue_put(sink, p), WEFT_OK);
}

Test(simple, put_from_a_queue_free_function)
{
    WEFT_ASSERT_OK(weft_simple_queue_new(&sink, NULL));
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, to_sink));
    for (uintptr_t i = 1; i <= 3; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
    WEFT_ASSERT_OK(weft_queue_shutdown(q, 1));
    WEFT_ASSERT_OK(weft_queue_free(q));
    for (uintptr_t i = 1; i <= 3; i++) {
        void *item;
        WEFT_ASSERT_OK(weft_simple_queue_get(sink, 0, &item));
        cr_assert_eq(item, ITEM(i));
    }
    WEFT_ASSERT_OK(weft_simple_queue_free(sink));
}

/* ---- signal handlers that put ---------------------------------------------- */

static weft_simple_queue *sigq;
static atomic_int handler_puts, handler_failures;

static void putting_handler(int sig)
{
    (void)sig;
    if (weft_simple_queue_put(sigq, MARK) == WEFT_OK)
        atomic_fetch_add(&handler_puts, 1);
    else
        atomic_fetch_add(&handler_failures, 1);
}

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = putting_handler;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(sig, &sa, NULL), 0);
}

typedef struct getter_arg {
    atomic_int ready;
    atomic_int got;
    int rounds;
} getter_arg;

static void *blocked_getter(void *arg)
{
    getter_arg *g = arg;
    for (int i = 0; i < g->rounds; i++) {
        atomic_store(&g->ready, 1);
        void *item;
        if (weft_simple_queue_get(sigq, 30.0, &item) == WEFT_OK && item == MARK)
            atomic_fetch_add(&g->got, 1);
    }
    return NULL;
}

Test(simple, handler_puts_while_the_thread_is_inside_get)
{
    install(SIGALRM);
    atomic_store(&handler_puts, 0);
    atomic_store(&handler_failures, 0);
    WEFT_ASSERT_OK(weft_simple_queue_new(&sigq, NULL));
    getter_arg g = { .rounds = 20 };
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, blocked_getter, &g), 0);
    for (int i = 0; i < g.rounds; i++) {
        while (atomic_load(&g.got) < i)
            sched_yield();
        struct timespec ts = { 0, 2 * 1000 * 1000 };
        nanosleep(&ts, NULL); /* let it reach the sleep inside get */
        /* The handler runs on the getter's own thread, inside its get. */
        cr_assert_eq(pthread_kill(t, SIGALRM), 0);
    }
    pthread_join(t, NULL);
    cr_assert_eq(atomic_load(&handler_failures), 0);
    cr_assert_eq(atomic_load(&handler_puts), g.rounds);
    cr_assert_eq(atomic_load(&g.got), g.rounds);
    WEFT_ASSERT_OK(weft_simple_queue_free(sigq));
    signal(SIGALRM, SIG_DFL);
}

typedef struct putter_arg {
    int items;
    atomic_int done;
} putter_arg;

static void *busy_putter(void *arg)
{
    putter_arg *p = arg;
    int saved = errno;
    for (int i = 1; i <= p->items; i++) {
        cr_assert_eq(weft_simple_queue_put(sigq, ITEM(i)), WEFT_OK);
    }
    cr_assert_eq(errno, saved, "put leaves errno alone");
    atomic_store(&p->done, 1);
    return NULL;
}

static atomic_int marks_seen;

static void *busy_getter(void *arg)
{
    uint8_t *seen = arg;
    for (;;) {
        void *item;
        weft_status st = weft_simple_queue_get(sigq, 0.2, &item);
        if (st == WEFT_EMPTY)
            return NULL;
        cr_assert_eq(st, WEFT_OK);
        if (item == MARK)
            atomic_fetch_add(&marks_seen, 1);
        else
            seen[(uintptr_t)item]++;
    }
}

/* Signals land on a thread in the middle of its puts (between claiming the
 * tail and linking it, at times) while another thread gets: every item, the
 * handler's included, arrives exactly once. */
Test(simple, handler_interrupts_puts_on_the_same_thread)
{
    install(SIGUSR1);
    atomic_store(&handler_puts, 0);
    atomic_store(&handler_failures, 0);
    WEFT_ASSERT_OK(weft_simple_queue_new(&sigq, NULL));
    putter_arg p = { .items = 200000 };
    uint8_t *seen = calloc((size_t)p.items + 1, 1);
    atomic_store(&marks_seen, 0);
    pthread_t put_t, get_t;
    cr_assert_eq(pthread_create(&get_t, NULL, busy_getter, seen), 0);
    cr_assert_eq(pthread_create(&put_t, NULL, busy_putter, &p), 0);
    int sent = 0;
    while (!atomic_load(&p.done) && sent < 2000) {
        if (pthread_kill(put_t, SIGUSR1) == 0)
            sent++;
        sched_yield();
    }
    pthread_join(put_t, NULL);
    pthread_join(get_t, NULL);
    cr_assert_eq(atomic_load(&handler_failures), 0);
    for (int i = 1; i <= p.items; i++)
        cr_assert_eq(seen[i], 1, "item %d seen %d times", i, seen[i]);
    size_t n;
    WEFT_ASSERT_OK(weft_simple_queue_qsize(sigq, &n));
    cr_assert_eq(n, 0);
    cr_assert_gt(atomic_load(&handler_puts), 0);
    cr_assert_eq(atomic_load(&handler_puts), atomic_load(&marks_seen));
    free(seen);
    WEFT_ASSERT_OK(weft_simple_queue_free(sigq));
    signal(SIGUSR1, SIG_DFL);
}

/* ---- many producers and consumers ----------------------------------------------- */

enum { PRODUCERS = 4, PER_PRODUCER = 25000 };
static weft_simple_queue *mq;
static atomic_uchar got_count[PRODUCERS * PER_PRODUCER + 1];
static atomic_int total_got;

static void *mp_producer(void *arg)
{
    uintptr_t base = (uintptr_t)arg * PER_PRODUCER;
    for (uintptr_t i = 1; i <= PER_PRODUCER; i++)
        cr_assert_eq(weft_simple_queue_put(mq, ITEM(base + i)), WEFT_OK);
    return NULL;
}

static void *mp_consumer(void *arg)
{
    (void)arg;
    unsigned seed = (unsigned)(uintptr_t)pthread_self();
    while (atomic_load(&total_got) < PRODUCERS * PER_PRODUCER) {
        void *item;
        double timeout = (rand_r(&seed) % 3) * 0.001; /* 0, 1 ms, 2 ms */
        weft_status st = weft_simple_queue_get(mq, timeout, &item);
        if (st == WEFT_EMPTY)
            continue;
        cr_assert_eq(st, WEFT_OK);
        atomic_fetch_add(&got_count[(uintptr_t)item], 1);
        atomic_fetch_add(&total_got, 1);
    }
    return NULL;
}

Test(simple, many_producers_and_consumers)
{
    WEFT_ASSERT_OK(weft_simple_queue_new(&mq, NULL));
    pthread_t t[PRODUCERS + 3];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_create(&t[PRODUCERS + i], NULL, mp_consumer, NULL), 0);
    for (uintptr_t i = 0; i < PRODUCERS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, mp_producer, (void *)i), 0);
    for (int i = 0; i < PRODUCERS + 3; i++)
        pthread_join(t[i], NULL);
    for (int i = 1; i <= PRODUCERS * PER_PRODUCER; i++)
        cr_assert_eq(atomic_load(&got_count[i]), 1, "item %d", i);
    WEFT_ASSERT_OK(weft_simple_queue_free(mq));
}

/* Getters that wait forever: a lost wake-up would hang this test. Producers
 * put in bursts with pauses so getters fall asleep again and again. */
static weft_simple_queue *bq;
static atomic_int burst_got;

static void *burst_producer(void *arg)
{
    (void)arg;
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 1 + round % 5; i++)
            cr_assert_eq(weft_simple_queue_put(bq, ITEM(1)), WEFT_OK);
        struct timespec ts = { 0, (round % 3) * 100 * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void *forever_getter(void *arg)
{
    (void)arg;
    for (;;) {
        void *item;
        cr_assert_eq(weft_simple_queue_get(bq, -1, &item), WEFT_OK);
        if (item == NULL)
            return NULL; /* poison */
        atomic_fetch_add(&burst_got, 1);
    }
}

Test(simple, sleeping_getters_never_miss_a_wake, .timeout = 60)
{
    WEFT_ASSERT_OK(weft_simple_queue_new(&bq, NULL));
    atomic_store(&burst_got, 0);
    pthread_t g[3], p[2];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_create(&g[i], NULL, forever_getter, NULL), 0);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&p[i], NULL, burst_producer, NULL), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(p[i], NULL);
    int expected = 0;
    for (int round = 0; round < 200; round++)
        expected += 2 * (1 + round % 5);
    while (atomic_load(&burst_got) < expected)
        sched_yield();
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_simple_queue_put(bq, NULL));
    for (int i = 0; i < 3; i++)
        pthread_join(g[i], NULL);
    cr_assert_eq(atomic_load(&burst_got), expected);
    WEFT_ASSERT_OK(weft_simple_queue_free(bq));
}
