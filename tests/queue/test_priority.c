/* PriorityQueue: smallest first by integer priority, then comparator, then
 * insertion order (stable). */
#include "weft_test.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <weft/queue.h>

#define ITEM(n) ((void *)(uintptr_t)(n))

Test(priority, integer_priorities_smallest_first)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_priority_queue_new(&q, 0, NULL, NULL, NULL));
    int64_t prio[] = { 5, -3, 9, 0, INT64_MIN, INT64_MAX, 2 };
    for (int i = 0; i < 7; i++)
        WEFT_ASSERT_OK(weft_queue_put_priority(q, prio[i], ITEM(i), 0));
    int want[] = { 4, 1, 3, 6, 0, 2, 5 };
    for (int i = 0; i < 7; i++) {
        void *item;
        WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
        cr_assert_eq(item, ITEM(want[i]), "position %d", i);
    }
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(priority, equal_priorities_keep_insertion_order)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_priority_queue_new(&q, 0, NULL, NULL, NULL));
    /* Plain put is priority 0, so without a comparator the queue is FIFO. */
    for (uintptr_t i = 0; i < 500; i++)
        WEFT_ASSERT_OK(weft_queue_put(q, ITEM(i), 0));
    for (uintptr_t i = 0; i < 500; i++) {
        void *item;
        WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
        cr_assert_eq(item, ITEM(i));
    }
    WEFT_ASSERT_OK(weft_queue_free(q));
}

typedef struct rec {
    int key;
    int seq;
} rec;

static int by_key(const void *a, const void *b, void *arg)
{
    atomic_int *calls = arg;
    atomic_fetch_add(calls, 1);
    const rec *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

Test(priority, comparator_is_stable_with_equal_keys)
{
    enum { N = 3000 };
    static rec r[N];
    atomic_int calls = 0;
    weft_queue *q;
    WEFT_ASSERT_OK(weft_priority_queue_new(&q, 0, by_key, &calls, NULL));
    srand(7);
    for (int i = 0; i < N; i++) {
        r[i].key = rand() % 10; /* many equal keys */
        r[i].seq = i;
        WEFT_ASSERT_OK(weft_queue_put(q, &r[i], 0));
    }
    cr_assert_gt(atomic_load(&calls), 0, "the comparator gets its argument");
    rec *prev = NULL;
    for (int i = 0; i < N; i++) {
        void *item;
        WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
        rec *cur = item;
        if (prev != NULL) {
            cr_assert_leq(prev->key, cur->key);
            if (prev->key == cur->key)
                cr_assert_lt(prev->seq, cur->seq, "equal keys come out in insertion order");
        }
        prev = cur;
    }
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(priority, integer_priority_before_comparator)
{
    static rec a = { 1, 0 }, b = { 2, 1 }, c = { 0, 2 };
    atomic_int calls = 0;
    weft_queue *q;
    WEFT_ASSERT_OK(weft_priority_queue_new(&q, 0, by_key, &calls, NULL));
    WEFT_ASSERT_OK(weft_queue_put_priority(q, 1, &c, 0));
    WEFT_ASSERT_OK(weft_queue_put_priority(q, 0, &b, 0));
    WEFT_ASSERT_OK(weft_queue_put_priority(q, 0, &a, 0));
    void *item;
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, &a);
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, &b);
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, &c);
    WEFT_ASSERT_OK(weft_queue_free(q));
}

Test(priority, random_against_stable_sort)
{
    enum { N = 2000 };
    static int64_t key[N];
    weft_queue *q;
    WEFT_ASSERT_OK(weft_priority_queue_new(&q, 0, NULL, NULL, NULL));
    srand(11);
    int got = 0;
    /* Interleave puts and gets; every get must return the smallest
     * (key, index) pair currently held. A brute-force scan checks it. */
    static bool held[N];
    for (uintptr_t i = 0; i < N; i++) {
        key[i] = rand() % 50;
        held[i] = true;
        WEFT_ASSERT_OK(weft_queue_put_priority(q, key[i], ITEM(i), 0));
        if (rand() % 3 == 0) {
            void *item;
            WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
            uintptr_t best = N;
            for (uintptr_t j = 0; j <= i; j++)
                if (held[j] && (best == N || key[j] < key[best]))
                    best = j;
            cr_assert_eq((uintptr_t)item, best);
            held[best] = false;
            got++;
        }
    }
    size_t n;
    WEFT_ASSERT_OK(weft_queue_qsize(q, &n));
    cr_assert_eq(n, (size_t)(N - got));
    WEFT_ASSERT_OK(weft_queue_free(q));
}

static atomic_int freed;
static void count_free(void *p)
{
    (void)p;
    atomic_fetch_add(&freed, 1);
}

Test(priority, maxsize_timeouts_and_release)
{
    weft_queue *q;
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_priority_queue_new(&q, 2, NULL, NULL, count_free));
    size_t max;
    WEFT_ASSERT_OK(weft_queue_maxsize(q, &max));
    cr_assert_eq(max, 2);
    WEFT_ASSERT_OK(weft_queue_put_priority(q, 3, ITEM(1), 0));
    WEFT_ASSERT_OK(weft_queue_put_nowait(q, ITEM(2)));
    WEFT_ASSERT_STATUS(weft_queue_put_priority(q, -1, ITEM(3), 0), WEFT_FULL);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_queue_put_priority(q, -1, ITEM(3), 0.03), WEFT_FULL);
    cr_assert_geq(weft_test_now() - t0, 0.03);
    WEFT_ASSERT_STATUS(weft_queue_put_priority(q, -1, ITEM(3), NAN), WEFT_EINVAL);
    void *item;
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, ITEM(2));
    WEFT_ASSERT_OK(weft_queue_free(q));
    cr_assert_eq(atomic_load(&freed), 1);
}

Test(priority, immediate_shutdown_releases_everything_once)
{
    weft_queue *q;
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_priority_queue_new(&q, 0, NULL, NULL, count_free));
    for (int i = 0; i < 100; i++)
        WEFT_ASSERT_OK(weft_queue_put_priority(q, i % 7, ITEM(i), 0));
    WEFT_ASSERT_OK(weft_queue_shutdown(q, 1));
    cr_assert_eq(atomic_load(&freed), 100);
    WEFT_ASSERT_OK(weft_queue_join(q, 0));
    void *item;
    WEFT_ASSERT_STATUS(weft_queue_get(q, 0, &item), WEFT_SHUTDOWN);
    WEFT_ASSERT_STATUS(weft_queue_put_priority(q, 0, ITEM(1), 0), WEFT_SHUTDOWN);
    WEFT_ASSERT_OK(weft_queue_free(q));
    cr_assert_eq(atomic_load(&freed), 100);
}
