/* Races, bounded to a few seconds: producers and consumers with random
 * timeouts while a shutdown (graceful or immediate) races them; every item
 * must end up got exactly once or released exactly once. And join against
 * concurrent task_done, with the queue freed the moment join returns. */
#include "weft_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <weft/queue.h>

#define ITEM(n) ((void *)(uintptr_t)(n))

enum { PRODUCERS = 4, CONSUMERS = 3, PER_PRODUCER = 4000, IDS = PRODUCERS * PER_PRODUCER + 1 };

typedef struct stress {
    weft_queue *q;
    atomic_uchar put_ok[IDS];
    atomic_uchar got[IDS];
    atomic_int producers_left;
} stress;

static stress *current; /* for the free function */
static atomic_uchar freed_ids[IDS];

static void release_item(void *p)
{
    atomic_fetch_add(&freed_ids[(uintptr_t)p], 1);
}

static double random_timeout(unsigned *seed)
{
    switch (rand_r(seed) % 4) {
    case 0: return 0;
    case 1: return 0.0005;
    case 2: return 0.002;
    default: return -1; /* only a shutdown or an item ends it */
    }
}

static void *producer(void *arg)
{
    stress *s = current;
    uintptr_t base = (uintptr_t)arg * PER_PRODUCER;
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;
    for (uintptr_t i = 1; i <= PER_PRODUCER; i++) {
        uintptr_t id = base + i;
        for (;;) {
            weft_status st = (rand_r(&seed) % 5 == 0)
                                 ? weft_queue_put_nowait(s->q, ITEM(id))
                                 : weft_queue_put(s->q, ITEM(id), random_timeout(&seed));
            if (st == WEFT_OK) {
                atomic_store(&s->put_ok[id], 1);
                break;
            }
            if (st == WEFT_SHUTDOWN)
                goto out;
            cr_assert_eq(st, WEFT_FULL, "put: %s", weft_status_name(st));
        }
    }
out:
    atomic_fetch_sub(&s->producers_left, 1);
    return NULL;
}

static void *consumer(void *arg)
{
    stress *s = current;
    unsigned seed = (unsigned)(uintptr_t)arg * 104729u + 3;
    for (;;) {
        void *item;
        weft_status st = (rand_r(&seed) % 5 == 0) ? weft_queue_get_nowait(s->q, &item)
                                                  : weft_queue_get(s->q, random_timeout(&seed), &item);
        if (st == WEFT_SHUTDOWN)
            return NULL;
        if (st == WEFT_EMPTY)
            continue;
        cr_assert_eq(st, WEFT_OK, "get: %s", weft_status_name(st));
        atomic_fetch_add(&s->got[(uintptr_t)item], 1);
        cr_assert_eq(weft_queue_task_done(s->q), WEFT_OK);
    }
}

typedef weft_status (*make_fn)(weft_queue **out, size_t maxsize, weft_free_fn free_item);
static weft_status make_priority(weft_queue **out, size_t maxsize, weft_free_fn free_item)
{
    return weft_priority_queue_new(out, maxsize, NULL, NULL, free_item);
}

static void stress_round(make_fn make, size_t maxsize, int immediate, long delay_us)
{
    stress *s = calloc(1, sizeof *s);
    current = s;
    for (int i = 0; i < IDS; i++)
        atomic_store(&freed_ids[i], 0);
    WEFT_ASSERT_OK(make(&s->q, maxsize, release_item));
    atomic_store(&s->producers_left, PRODUCERS);
    pthread_t t[PRODUCERS + CONSUMERS];
    for (uintptr_t i = 0; i < PRODUCERS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, producer, (void *)i), 0);
    for (uintptr_t i = 0; i < CONSUMERS; i++)
        cr_assert_eq(pthread_create(&t[PRODUCERS + i], NULL, consumer, (void *)i), 0);
    struct timespec ts = { 0, delay_us * 1000 };
    nanosleep(&ts, NULL);
    WEFT_ASSERT_OK(weft_queue_shutdown(s->q, immediate));
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
        pthread_join(t[i], NULL);
    /* Consumers stopped at "shut down and empty"; every task is done. */
    size_t n;
    WEFT_ASSERT_OK(weft_queue_qsize(s->q, &n));
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_queue_join(s->q, 5.0));
    WEFT_ASSERT_OK(weft_queue_free(s->q));
    long got = 0, freed = 0, put = 0;
    for (int id = 1; id < IDS; id++) {
        int g = atomic_load(&s->got[id]), f = atomic_load(&freed_ids[id]);
        if (atomic_load(&s->put_ok[id])) {
            cr_assert_eq(g + f, 1, "item %d: got %d, released %d", id, g, f);
            put++;
        } else {
            cr_assert_eq(g + f, 0, "item %d was never put: got %d, released %d", id, g, f);
        }
        got += g;
        freed += f;
    }
    cr_assert_eq(got + freed, put);
    if (!immediate)
        cr_assert_eq(freed, 0, "a graceful shutdown lets consumers drain");
    free(s);
}

Test(stress, shutdown_races_producers_and_consumers, .timeout = 120)
{
    make_fn makers[] = { weft_queue_new, weft_lifo_queue_new, make_priority };
    size_t sizes[] = { 8, 1, 0 };
    for (int round = 0; round < 4; round++) {
        for (int k = 0; k < 3; k++) {
            for (int z = 0; z < 3; z++)
                stress_round(makers[k], sizes[z], (round + k + z) % 2, 2000 + 7000 * round);
        }
    }
}

/* ---- join against task_done ------------------------------------------------ */

typedef struct joinee {
    weft_queue *q;
    int items;
} joinee;

static void *worker(void *arg)
{
    joinee *j = arg;
    for (;;) {
        void *item;
        weft_status st = weft_queue_get(j->q, -1, &item);
        if (st == WEFT_SHUTDOWN)
            return NULL;
        cr_assert_eq(st, WEFT_OK);
        cr_assert_eq(weft_queue_task_done(j->q), WEFT_OK);
    }
}

Test(stress, join_with_concurrent_task_done, .timeout = 120)
{
    for (int round = 0; round < 150; round++) {
        joinee j = { .items = 50 + round % 13 };
        WEFT_ASSERT_OK(weft_queue_new(&j.q, round % 2 ? 4 : 0, NULL));
        pthread_t t[3];
        for (int i = 0; i < 3; i++)
            cr_assert_eq(pthread_create(&t[i], NULL, worker, &j), 0);
        for (int i = 0; i < j.items; i++)
            WEFT_ASSERT_OK(weft_queue_put(j.q, ITEM(i + 1), -1));
        WEFT_ASSERT_OK(weft_queue_join(j.q, -1));
        WEFT_ASSERT_STATUS(weft_queue_task_done(j.q), WEFT_EINVAL);
        WEFT_ASSERT_OK(weft_queue_shutdown(j.q, 0));
        for (int i = 0; i < 3; i++)
            pthread_join(t[i], NULL);
        WEFT_ASSERT_OK(weft_queue_free(j.q));
    }
}

/* The last task_done wakes a joiner that frees the queue at once: the waker
 * must not touch freed memory (AddressSanitizer watches this one). */
static void *last_task_done(void *arg)
{
    cr_assert_eq(weft_queue_task_done(arg), WEFT_OK);
    return NULL;
}

Test(stress, joiner_frees_right_after_the_last_task_done)
{
    for (int round = 0; round < 300; round++) {
        weft_queue *q;
        WEFT_ASSERT_OK(weft_queue_new(&q, 0, NULL));
        WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), 0));
        void *item;
        WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, last_task_done, q), 0);
        WEFT_ASSERT_OK(weft_queue_join(q, -1));
        WEFT_ASSERT_OK(weft_queue_free(q));
        pthread_join(t, NULL);
    }
}

/* Getters and putters that wait forever, ended by poison items rather than
 * a shutdown (whose wake-all would hide a lost wake-up). Producers put in
 * bursts with pauses so waiters fall asleep again and again. */
static weft_queue *wq;
static atomic_int wq_got;

static void *wq_producer(void *arg)
{
    (void)arg;
    for (int round = 0; round < 150; round++) {
        for (int i = 0; i < 1 + round % 6; i++)
            cr_assert_eq(weft_queue_put(wq, ITEM(1), -1), WEFT_OK);
        struct timespec ts = { 0, (round % 3) * 100 * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void *wq_getter(void *arg)
{
    (void)arg;
    for (;;) {
        void *item;
        cr_assert_eq(weft_queue_get(wq, -1, &item), WEFT_OK);
        if (item == NULL)
            return NULL;
        atomic_fetch_add(&wq_got, 1);
        if (atomic_load(&wq_got) % 7 == 0) {
            struct timespec ts = { 0, 50 * 1000 };
            nanosleep(&ts, NULL); /* let putters fill a bounded queue and sleep */
        }
    }
}

Test(stress, sleeping_waiters_never_miss_a_wake, .timeout = 120)
{
    make_fn makers[] = { weft_queue_new, weft_lifo_queue_new, make_priority };
    size_t sizes[] = { 0, 2 };
    for (int k = 0; k < 3; k++) {
        for (int z = 0; z < 2; z++) {
            WEFT_ASSERT_OK(makers[k](&wq, sizes[z], NULL));
            atomic_store(&wq_got, 0);
            pthread_t g[3], p[2];
            for (int i = 0; i < 3; i++)
                cr_assert_eq(pthread_create(&g[i], NULL, wq_getter, NULL), 0);
            for (int i = 0; i < 2; i++)
                cr_assert_eq(pthread_create(&p[i], NULL, wq_producer, NULL), 0);
            for (int i = 0; i < 2; i++)
                pthread_join(p[i], NULL);
            /* Poison with the lowest priority so a priority queue hands it
             * out last; FIFO order does the same; in a LIFO queue a getter
             * may stop early, which the others make up for. */
            for (int i = 0; i < 3; i++) {
                if (k == 2)
                    WEFT_ASSERT_OK(weft_queue_put_priority(wq, 1, NULL, -1));
                else
                    WEFT_ASSERT_OK(weft_queue_put(wq, NULL, -1));
            }
            for (int i = 0; i < 3; i++)
                pthread_join(g[i], NULL);
            int expected = 0;
            for (int round = 0; round < 150; round++)
                expected += 2 * (1 + round % 6);
            size_t left;
            WEFT_ASSERT_OK(weft_queue_qsize(wq, &left));
            cr_assert_eq((size_t)atomic_load(&wq_got) + left, (size_t)expected);
            WEFT_ASSERT_OK(weft_queue_free(wq));
        }
    }
}
