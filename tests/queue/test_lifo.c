/* LifoQueue: last in, first out, with the same bounds, timeouts, task
 * accounting and release of left items as Queue. */
#include "weft_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <weft/queue.h>

#define ITEM(n) ((void *)(uintptr_t)(n))

Test(lifo, last_in_first_out_across_growth)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_lifo_queue_new(&q, 0, NULL));
    for (uintptr_t i = 1; i <= 1000; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
    size_t n;
    WEFT_ASSERT_OK(weft_queue_qsize(q, &n));
    cr_assert_eq(n, 1000);
    void *item;
    for (uintptr_t i = 1000; i >= 1; i--) {
        WEFT_ASSERT_OK(weft_queue_get_nowait(q, &item));
        cr_assert_eq(item, ITEM(i));
    }
    WEFT_ASSERT_STATUS(weft_queue_get_nowait(q, &item), WEFT_EMPTY);
    int flag;
    WEFT_ASSERT_OK(weft_queue_empty(q, &flag));
    cr_assert_eq(flag, 1);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(lifo, interleaved)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_lifo_queue_new(&q, 0, NULL));
    void *item;
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), 0));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(2), 0));
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, ITEM(2));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(3), 0));
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, ITEM(3));
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, ITEM(1));
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(lifo, maxsize_and_timeouts)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_lifo_queue_new(&q, 2, NULL));
    int flag;
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), 0));
    WEFT_ASSERT_OK(weft_queue_put_nowait(q, ITEM(2)));
    WEFT_ASSERT_OK(weft_queue_full(q, &flag));
    cr_assert_eq(flag, 1);
    WEFT_ASSERT_STATUS(weft_queue_put_nowait(q, ITEM(3)), WEFT_FULL);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(3), 0.03), WEFT_FULL);
    cr_assert_geq(weft_test_now() - t0, 0.03);
    void *item;
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_queue_get(q, 0.03, &item), WEFT_EMPTY);
    cr_assert_geq(weft_test_now() - t0, 0.03);
    WEFT_ASSERT_STATUS(weft_queue_put_priority(q, 1, ITEM(1), 0), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

static int order[8];
static atomic_int norder;
static void record_free(void *p)
{
    order[atomic_fetch_add(&norder, 1)] = (int)(uintptr_t)p;
}

Test(lifo, free_releases_in_get_order)
{
    weft_queue *q;
    atomic_store(&norder, 0);
    WEFT_ASSERT_OK(weft_lifo_queue_new(&q, 0, record_free));
    for (uintptr_t i = 1; i <= 4; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
    WEFT_ASSERT_OK(weft_queue_free(q));
    cr_assert_eq(atomic_load(&norder), 4);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(order[i], 4 - i);
}

Test(lifo, task_done_join_and_shutdown)
{
    weft_queue *q;
    atomic_store(&norder, 0);
    WEFT_ASSERT_OK(weft_lifo_queue_new(&q, 0, record_free));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), 0));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(2), 0));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(3), 0));
    void *item;
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, ITEM(3));
    WEFT_ASSERT_STATUS(weft_queue_join(q, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_queue_shutdown(q, 1));
    cr_assert_eq(atomic_load(&norder), 2);
    cr_assert_eq(order[0], 2);
    cr_assert_eq(order[1], 1);
    /* The item got before shutdown is still unfinished. */
    WEFT_ASSERT_STATUS(weft_queue_join(q, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_queue_task_done(q));
    WEFT_ASSERT_OK(weft_queue_join(q, 0));
    WEFT_ASSERT_STATUS(weft_queue_task_done(q), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_get(q, 0, &item), WEFT_SHUTDOWN);
    WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(4), 0), WEFT_SHUTDOWN);
    WEFT_ASSERT_OK(weft_queue_free(q));
    cr_assert_eq(atomic_load(&norder), 2, "nothing freed twice");
}

static void *lifo_producer(void *arg)
{
    for (uintptr_t i = 1; i <= 20000; i++)
        cr_assert_eq(weft_queue_put(arg, ITEM(i), -1), WEFT_OK);
    return NULL;
}

Test(lifo, producers_and_consumer_threads)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_lifo_queue_new(&q, 16, NULL));
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, lifo_producer, q), 0);
    uint64_t sum = 0;
    for (int i = 0; i < 40000; i++) {
        void *item;
        WEFT_ASSERT_OK(weft_queue_get(q, -1, &item));
        sum += (uintptr_t)item;
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(sum, 2 * (uint64_t)20000 * 20001 / 2);
    WEFT_ASSERT_OK(weft_queue_free(q));
}
