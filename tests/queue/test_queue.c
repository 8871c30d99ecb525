/* Queue (FIFO): every function, its failure paths, maxsize, timeouts,
 * task_done/join. */
#include "weft_test.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#include <weft/queue.h>

#define ITEM(n) ((void *)(uintptr_t)(n))

static atomic_int freed;

Test(queue, fifo_order_and_sizes)
{
    weft_queue *q = NULL;
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, NULL));
    size_t n = 99;
    int flag = -1;
    WEFT_ASSERT_OK(weft_queue_qsize(q, &n));
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_queue_empty(q, &flag));
    cr_assert_eq(flag, 1);
    WEFT_ASSERT_OK(weft_queue_full(q, &flag));
    cr_assert_eq(flag, 0);
    WEFT_ASSERT_OK(weft_queue_maxsize(q, &n));
    cr_assert_eq(n, 0);
    /* Enough to make the ring grow several times, wrapped around. */
    for (uintptr_t i = 1; i <= 10; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), -1));
    void *item;
    for (uintptr_t i = 1; i <= 5; i++) {
        WEFT_ASSERT_OK(weft_queue_get(q, -1, &item));
        cr_assert_eq(item, ITEM(i));
    }
    for (uintptr_t i = 11; i <= 1000; i++)
        WEFT_ASSERT_OK(weft_queue_put_nowait(q, ITEM(i)));
    WEFT_ASSERT_OK(weft_queue_qsize(q, &n));
    cr_assert_eq(n, 995);
    WEFT_ASSERT_OK(weft_queue_empty(q, &flag));
    cr_assert_eq(flag, 0);
    WEFT_ASSERT_OK(weft_queue_full(q, &flag));
    cr_assert_eq(flag, 0, "an unbounded queue is never full");
    for (uintptr_t i = 6; i <= 1000; i++) {
        WEFT_ASSERT_OK(weft_queue_get_nowait(q, &item));
        cr_assert_eq(item, ITEM(i));
    }
    WEFT_ASSERT_STATUS(weft_queue_get_nowait(q, &item), WEFT_EMPTY);
    WEFT_ASSERT_STATUS(weft_queue_get(q, 0, &item), WEFT_EMPTY);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(queue, null_item_is_an_item)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 1, NULL));
    WEFT_ASSERT_OK(weft_queue_put(q, NULL, 0));
    void *item = ITEM(7);
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_null(item);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(queue, maxsize_bounds_puts)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 3, NULL));
    size_t n;
    int flag;
    WEFT_ASSERT_OK(weft_queue_maxsize(q, &n));
    cr_assert_eq(n, 3);
    for (uintptr_t i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
    WEFT_ASSERT_OK(weft_queue_full(q, &flag));
    cr_assert_eq(flag, 1);
    WEFT_ASSERT_STATUS(weft_queue_put_nowait(q, ITEM(9)), WEFT_FULL);
    WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(9), 0), WEFT_FULL);
    cr_assert(strstr(weft_errmsg(), "weft_queue_put") != NULL, "message names the function: %s",
              weft_errmsg());
    void *item;
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, ITEM(0));
    WEFT_ASSERT_OK(weft_queue_full(q, &flag));
    cr_assert_eq(flag, 0);
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(3), 0));
    WEFT_ASSERT_OK(weft_queue_qsize(q, &n));
    cr_assert_eq(n, 3);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(queue, maxsize_one_and_large)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 1, NULL));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), 0));
    WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(2), 0), WEFT_FULL);
    WEFT_ASSERT_OK(weft_queue_free(q));
    /* A huge bound allocates nothing up front. */
    WEFT_ASSERT_OK(weft_queue_new(&q, SIZE_MAX, NULL));
    for (uintptr_t i = 0; i < 200; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
    int flag;
    WEFT_ASSERT_OK(weft_queue_full(q, &flag));
    cr_assert_eq(flag, 0);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(queue, put_timeout_waits_at_least_the_timeout)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 1, NULL));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), -1));
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(2), 0.05), WEFT_FULL);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(queue, get_timeout_waits_at_least_the_timeout)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, NULL));
    void *item = ITEM(42);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_queue_get(q, 0.05, &item), WEFT_EMPTY);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    cr_assert_eq(item, ITEM(42), "item untouched on failure");
    t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_queue_get(q, 1e-9, &item), WEFT_EMPTY);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(queue, bad_timeouts)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 1, NULL));
    void *item;
    WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(1), NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(1), WEFT_TIMEOUT_MAX * 2), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(1), INFINITY), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_queue_get(q, NAN, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_get(q, 1e300, &item), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_queue_join(q, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_join(q, 1e300), WEFT_OVERFLOW);
    /* Nothing was put by the failed calls. */
    size_t n;
    WEFT_ASSERT_OK(weft_queue_qsize(q, &n));
    cr_assert_eq(n, 0);
    /* The largest accepted timeout and -infinity are fine. */
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), WEFT_TIMEOUT_MAX));
    WEFT_ASSERT_OK(weft_queue_get(q, -INFINITY, &item));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), -INFINITY));
    WEFT_ASSERT_OK(weft_queue_get(q, WEFT_TIMEOUT_MAX, &item));
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(queue, bad_handles)
{
    void *item;
    size_t n;
    int flag;
    WEFT_ASSERT_STATUS(weft_queue_new(NULL, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_lifo_queue_new(NULL, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_priority_queue_new(NULL, 0, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_put(NULL, ITEM(1), 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_put_nowait(NULL, ITEM(1)), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_put_priority(NULL, 1, ITEM(1), 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_get(NULL, 0, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_get_nowait(NULL, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_qsize(NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_empty(NULL, &flag), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_full(NULL, &flag), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_maxsize(NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_task_done(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_join(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_shutdown(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_queue_free(NULL));

    /* A handle of another type. */
    weft_simple_queue *sq;
    WEFT_ASSERT_OK(weft_simple_queue_new(&sq, NULL));
    weft_queue *wrong = (weft_queue *)sq;
    WEFT_ASSERT_STATUS(weft_queue_put(wrong, ITEM(1), 0), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not a queue") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_queue_get(wrong, 0, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_free(wrong), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_simple_queue_free(sq));

    /* NULL out-parameters. */
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, NULL));
    WEFT_ASSERT_STATUS(weft_queue_get(q, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_get_nowait(q, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_qsize(q, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_empty(q, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_full(q, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_maxsize(q, NULL), WEFT_EINVAL);
    /* put_priority needs a priority queue. */
    WEFT_ASSERT_STATUS(weft_queue_put_priority(q, 1, ITEM(1), 0), WEFT_EINVAL);

    /* A freed handle. */
    WEFT_ASSERT_OK(weft_queue_free(q));
    WEFT_ASSERT_STATUS(weft_queue_put(q, ITEM(1), 0), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "freed") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_queue_get(q, 0, &item), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_task_done(q), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_join(q, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_shutdown(q, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_queue_free(q), WEFT_EINVAL);
}

/* Frees the item and counts it. */
static void free_and_count(void *p)
{
    free(p);
    atomic_fetch_add(&freed, 1);
}

Test(queue, free_releases_left_items_once)
{
    weft_queue *q;
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, free_and_count));
    for (int i = 0; i < 100; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, malloc(1), 0));
    void *item;
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    free(item);
    WEFT_ASSERT_OK(weft_queue_free(q));
    cr_assert_eq(atomic_load(&freed), 99);
}

Test(queue, free_item_owns_items)
{
    weft_queue *q;
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_queue_new(&q, 4, free_and_count));
    void *mine = malloc(8);
    for (int i = 0; i < 4; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, malloc(8), 0));
    /* A failed put leaves the item with the caller. */
    WEFT_ASSERT_STATUS(weft_queue_put(q, mine, 0), WEFT_FULL);
    WEFT_ASSERT_OK(weft_queue_free(q));
    cr_assert_eq(atomic_load(&freed), 4);
    free(mine);
}

Test(queue, task_done_and_join)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, NULL));
    WEFT_ASSERT_OK(weft_queue_join(q, 0));
    WEFT_ASSERT_OK(weft_queue_join(q, -1));
    WEFT_ASSERT_STATUS(weft_queue_task_done(q), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "too") != NULL || strstr(weft_errmsg(), "more") != NULL, "%s",
              weft_errmsg());
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), 0));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(2), 0));
    WEFT_ASSERT_STATUS(weft_queue_join(q, 0), WEFT_TIMEOUT);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_queue_join(q, 0.05), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    /* task_done counts puts, not gets, as in Python. */
    WEFT_ASSERT_OK(weft_queue_task_done(q));
    WEFT_ASSERT_STATUS(weft_queue_join(q, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_queue_task_done(q));
    WEFT_ASSERT_OK(weft_queue_join(q, 0));
    WEFT_ASSERT_STATUS(weft_queue_task_done(q), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

struct worker {
    weft_queue *q;
    int items;
    atomic_int done;
};

static void *consume_and_mark(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->items; i++) {
        void *item;
        cr_assert_eq(weft_queue_get(w->q, -1, &item), WEFT_OK);
        atomic_fetch_add(&w->done, 1);
        cr_assert_eq(weft_queue_task_done(w->q), WEFT_OK);
    }
    return NULL;
}

Test(queue, join_waits_for_consumers)
{
    struct worker w = { .items = 1000 };
    WEFT_ASSERT_OK(weft_queue_new(&w.q, 10, NULL));
    pthread_t t[2];
    w.items = 500;
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, consume_and_mark, &w), 0);
    for (uintptr_t i = 0; i < 1000; i++)
        WEFT_ASSERT_OK(weft_queue_put(w.q, ITEM(i), -1));
    WEFT_ASSERT_OK(weft_queue_join(w.q, -1));
    cr_assert_eq(atomic_load(&w.done), 1000);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    WEFT_ASSERT_OK(weft_queue_free(w.q));
}

static void *put_after_delay(void *arg)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    cr_assert_eq(weft_queue_put(arg, ITEM(5), -1), WEFT_OK);
    return NULL;
}

Test(queue, blocked_get_is_woken_by_put)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, NULL));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, put_after_delay, q), 0);
    void *item;
    WEFT_ASSERT_OK(weft_queue_get(q, 10, &item));
    cr_assert_eq(item, ITEM(5));
    pthread_join(t, NULL);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

static void *get_after_delay(void *arg)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    void *item;
    cr_assert_eq(weft_queue_get(arg, -1, &item), WEFT_OK);
    cr_assert_eq(item, ITEM(1));
    return NULL;
}

Test(queue, blocked_put_is_woken_by_get)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 1, NULL));
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(1), 0));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, get_after_delay, q), 0);
    WEFT_ASSERT_OK(weft_queue_put(q, ITEM(2), -1));
    pthread_join(t, NULL);
    void *item;
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, ITEM(2));
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(queue, status_names_for_python)
{
    cr_assert_str_eq(weft_status_exception(WEFT_EMPTY), "queue.Empty");
    cr_assert_str_eq(weft_status_exception(WEFT_FULL), "queue.Full");
    cr_assert_str_eq(weft_status_exception(WEFT_SHUTDOWN), "queue.ShutDown");
}
