/* Python 3.13's Queue.shutdown: puts refused, gets drain then refuse (or
 * refuse at once when immediate), blocked threads woken, dropped items
 * released exactly once and counted as done. */
#include "weft_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <weft/queue.h>

#define ITEM(n) ((void *)(uintptr_t)(n))

typedef weft_status (*make_fn)(weft_queue **out, size_t maxsize, weft_free_fn free_item);

static weft_status make_priority(weft_queue **out, size_t maxsize, weft_free_fn free_item)
{
    return weft_priority_queue_new(out, maxsize, NULL, NULL, free_item);
}

static make_fn makers[] = { weft_queue_new, weft_lifo_queue_new, make_priority };

/* One counter per item id: how many times it was released. */
static atomic_int released[256];
static void release_item(void *p)
{
    atomic_fetch_add(&released[(uintptr_t)p], 1);
}

static void reset_released(void)
{
    for (int i = 0; i < 256; i++)
        atomic_store(&released[i], 0);
}

Test(shutdown, put_refused_after_shutdown)
{
    for (int k = 0; k < 3; k++) {
        weft_queue *q;
        WEFT_ASSERT_OK(makers[k](&q, 0, NULL));
        WEFT_ASSERT_OK(weft_queue_shutdown(q, 0));
        WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(1), 0), WEFT_SHUTDOWN);
        WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(1), -1), WEFT_SHUTDOWN);
        WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(1), 1.0), WEFT_SHUTDOWN);
        WEFT_ASSERT_STATUS(weft_queue_put_nowait(q, ITEM(1)), WEFT_SHUTDOWN);
        cr_assert(strstr(weft_errmsg(), "shut down") != NULL, "%s", weft_errmsg());
        void *item;
        WEFT_ASSERT_STATUS(weft_queue_get(q, -1, &item), WEFT_SHUTDOWN);
        WEFT_ASSERT_STATUS(weft_queue_get_nowait(q, &item), WEFT_SHUTDOWN);
        /* Twice is fine. */
        WEFT_ASSERT_OK(weft_queue_shutdown(q, 0));
        WEFT_ASSERT_OK(weft_queue_free(q));
    }
}

Test(shutdown, graceful_lets_gets_drain)
{
    for (int k = 0; k < 3; k++) {
        weft_queue *q;
        reset_released();
        WEFT_ASSERT_OK(makers[k](&q, 0, release_item));
        for (uintptr_t i = 1; i <= 3; i++)
            WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
        WEFT_ASSERT_OK(weft_queue_shutdown(q, 0));
        size_t n;
        WEFT_ASSERT_OK(weft_queue_qsize(q, &n));
        cr_assert_eq(n, 3);
        void *item;
        for (int i = 0; i < 3; i++)
            WEFT_ASSERT_OK(weft_queue_get(q, -1, &item));
        WEFT_ASSERT_STATUS(weft_queue_get(q, -1, &item), WEFT_SHUTDOWN);
        for (int i = 1; i <= 3; i++)
            cr_assert_eq(atomic_load(&released[i]), 0);
        for (int i = 0; i < 3; i++)
            WEFT_ASSERT_OK(weft_queue_task_done(q));
        WEFT_ASSERT_OK(weft_queue_join(q, 0));
        WEFT_ASSERT_OK(weft_queue_free(q));
    }
}

Test(shutdown, graceful_then_free_releases_the_rest)
{
    weft_queue *q;
    reset_released();
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, release_item));
    for (uintptr_t i = 1; i <= 5; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
    WEFT_ASSERT_OK(weft_queue_shutdown(q, 0));
    WEFT_ASSERT_OK(weft_queue_free(q));
    for (int i = 1; i <= 5; i++)
        cr_assert_eq(atomic_load(&released[i]), 1);
}

Test(shutdown, immediate_releases_items_exactly_once)
{
    for (int k = 0; k < 3; k++) {
        weft_queue *q;
        reset_released();
        WEFT_ASSERT_OK(makers[k](&q, 0, release_item));
        /* Wrap the FIFO ring so the drain crosses its end. */
        void *item;
        for (uintptr_t i = 1; i <= 60; i++)
            WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
        for (int i = 0; i < 50; i++) {
            WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
            WEFT_ASSERT_OK(weft_queue_task_done(q));
        }
        for (uintptr_t i = 61; i <= 100; i++)
            WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
        WEFT_ASSERT_OK(weft_queue_get(q, 0, &item)); /* got, not done */
        size_t n;
        WEFT_ASSERT_OK(weft_queue_qsize(q, &n));
        cr_assert_eq(n, 49);
        WEFT_ASSERT_OK(weft_queue_shutdown(q, 1));
        WEFT_ASSERT_OK(weft_queue_qsize(q, &n));
        cr_assert_eq(n, 0);
        int total = 0;
        for (int i = 1; i <= 100; i++) {
            cr_assert_leq(atomic_load(&released[i]), 1, "item %d released twice", i);
            total += atomic_load(&released[i]);
        }
        cr_assert_eq(total, 49);
        cr_assert_eq(atomic_load(&released[(uintptr_t)item]), 0, "a got item is the caller's");
        WEFT_ASSERT_STATUS(weft_queue_get(q, 0, &item), WEFT_SHUTDOWN);
        /* Dropped items count as done; the one got before is still open. */
        WEFT_ASSERT_STATUS(weft_queue_join(q, 0), WEFT_TIMEOUT);
        WEFT_ASSERT_OK(weft_queue_task_done(q));
        WEFT_ASSERT_OK(weft_queue_join(q, 0));
        WEFT_ASSERT_STATUS(weft_queue_task_done(q), WEFT_EINVAL);
        /* A later shutdown, and free, release nothing more. */
        WEFT_ASSERT_OK(weft_queue_shutdown(q, 1));
        WEFT_ASSERT_OK(weft_queue_free(q));
        total = 0;
        for (int i = 1; i <= 100; i++)
            total += atomic_load(&released[i]);
        cr_assert_eq(total, 49);
    }
}

Test(shutdown, immediate_after_graceful_drops_the_rest)
{
    weft_queue *q;
    reset_released();
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, release_item));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), 0));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(2), 0));
    WEFT_ASSERT_OK(weft_queue_shutdown(q, 0));
    WEFT_ASSERT_OK(weft_queue_shutdown(q, 1));
    cr_assert_eq(atomic_load(&released[1]) + atomic_load(&released[2]), 2);
    WEFT_ASSERT_OK(weft_queue_join(q, 0));
    WEFT_ASSERT_OK(weft_queue_free(q));
}

/* A free function that calls back into the queue being shut down must not
 * deadlock: items are released outside the queue's locks. */
static weft_queue *reentrant_q;
static atomic_int reentrant_status;
static void put_back(void *p)
{
    atomic_store(&reentrant_status, (int)weft_queue_put(reentrant_q, p, 0));
    size_t n;
    (void)weft_queue_qsize(reentrant_q, &n);
}

Test(shutdown, free_item_may_call_the_queue)
{
    WEFT_ASSERT_OK(weft_queue_new(&reentrant_q, 0, put_back));
    atomic_store(&reentrant_status, -1);
    WEFT_ASSERT_OK(weft_queue_put(reentrant_q, ITEM(1), 0));
    WEFT_ASSERT_OK(weft_queue_shutdown(reentrant_q, 1));
    cr_assert_eq(atomic_load(&reentrant_status), WEFT_SHUTDOWN);
    WEFT_ASSERT_OK(weft_queue_free(reentrant_q));
}

typedef struct blocked {
    weft_queue *q;
    atomic_int started;
    atomic_int shutdown_seen;
} blocked;

static void *blocked_getter(void *arg)
{
    blocked *b = arg;
    atomic_fetch_add(&b->started, 1);
    void *item;
    if (weft_queue_get(b->q, -1, &item) == WEFT_SHUTDOWN)
        atomic_fetch_add(&b->shutdown_seen, 1);
    return NULL;
}

static void *blocked_putter(void *arg)
{
    blocked *b = arg;
    atomic_fetch_add(&b->started, 1);
    if (weft_queue_put(b->q, ITEM(9), 30.0) == WEFT_SHUTDOWN)
        atomic_fetch_add(&b->shutdown_seen, 1);
    return NULL;
}

static void settle(void)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

Test(shutdown, wakes_blocked_getters)
{
    for (int k = 0; k < 3; k++) {
        for (int immediate = 0; immediate < 2; immediate++) {
            blocked b = { 0 };
            WEFT_ASSERT_OK(makers[k](&b.q, 0, NULL));
            pthread_t t[3];
            for (int i = 0; i < 3; i++)
                cr_assert_eq(pthread_create(&t[i], NULL, blocked_getter, &b), 0);
            while (atomic_load(&b.started) < 3)
                sched_yield();
            settle();
            WEFT_ASSERT_OK(weft_queue_shutdown(b.q, immediate));
            for (int i = 0; i < 3; i++)
                pthread_join(t[i], NULL);
            cr_assert_eq(atomic_load(&b.shutdown_seen), 3);
            WEFT_ASSERT_OK(weft_queue_free(b.q));
        }
    }
}

Test(shutdown, wakes_blocked_putters)
{
    for (int k = 0; k < 3; k++) {
        for (int immediate = 0; immediate < 2; immediate++) {
            blocked b = { 0 };
            reset_released();
            WEFT_ASSERT_OK(makers[k](&b.q, 1, release_item));
            WEFT_ASSERT_OK(weft_queue_put(b.q, ITEM(1), 0));
            pthread_t t[2];
            for (int i = 0; i < 2; i++)
                cr_assert_eq(pthread_create(&t[i], NULL, blocked_putter, &b), 0);
            while (atomic_load(&b.started) < 2)
                sched_yield();
            settle();
            WEFT_ASSERT_OK(weft_queue_shutdown(b.q, immediate));
            for (int i = 0; i < 2; i++)
                pthread_join(t[i], NULL);
            cr_assert_eq(atomic_load(&b.shutdown_seen), 2);
            cr_assert_eq(atomic_load(&released[9]), 0, "refused items stay with the putter");
            cr_assert_eq(atomic_load(&released[1]), immediate ? 1 : 0);
            WEFT_ASSERT_OK(weft_queue_free(b.q));
            cr_assert_eq(atomic_load(&released[1]), 1);
        }
    }
}

static void *joiner(void *arg)
{
    blocked *b = arg;
    atomic_fetch_add(&b->started, 1);
    if (weft_queue_join(b->q, -1) == WEFT_OK)
        atomic_fetch_add(&b->shutdown_seen, 1);
    return NULL;
}

Test(shutdown, immediate_releases_joiners)
{
    blocked b = { 0 };
    WEFT_ASSERT_OK(weft_queue_new(&b.q, 0, NULL));
    for (uintptr_t i = 1; i <= 10; i++)
        WEFT_ASSERT_OK(weft_queue_put(b.q, ITEM(i), 0));
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, joiner, &b), 0);
    while (atomic_load(&b.started) < 2)
        sched_yield();
    settle();
    cr_assert_eq(atomic_load(&b.shutdown_seen), 0);
    WEFT_ASSERT_OK(weft_queue_shutdown(b.q, 1));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(atomic_load(&b.shutdown_seen), 2);
    WEFT_ASSERT_OK(weft_queue_free(b.q));
}
