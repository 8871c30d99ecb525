/* threading.Semaphore and BoundedSemaphore. */
#include "sync_test.h"

Test(semaphore, counts_down_and_up)
{
    weft_semaphore *s = NULL;
    WEFT_ASSERT_OK(weft_semaphore_new(&s, 2));
    WEFT_ASSERT_OK(weft_semaphore_acquire(s, 0));
    WEFT_ASSERT_OK(weft_semaphore_acquire(s, -1));
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_semaphore_release(s, 3)); /* unbounded: above the start is fine */
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_semaphore_acquire(s, 0));
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_semaphore_free(s));

    WEFT_ASSERT_OK(weft_semaphore_new(&s, 0));
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, 0), WEFT_TIMEOUT);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, 0.05), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05 - SYNC_SLACK);
    WEFT_ASSERT_OK(weft_semaphore_free(s));
}

Test(semaphore, bounded_refuses_over_release)
{
    weft_semaphore *s;
    WEFT_ASSERT_OK(weft_semaphore_new_bounded(&s, 2));
    WEFT_ASSERT_STATUS(weft_semaphore_release(s, 1), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "too many") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_OK(weft_semaphore_acquire(s, 0));
    WEFT_ASSERT_OK(weft_semaphore_acquire(s, 0));
    WEFT_ASSERT_STATUS(weft_semaphore_release(s, 3), WEFT_EINVAL);
    /* The failed release changed nothing. */
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_semaphore_release(s, 2));
    WEFT_ASSERT_STATUS(weft_semaphore_release(s, 1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_semaphore_acquire(s, 0));
    WEFT_ASSERT_OK(weft_semaphore_acquire(s, 0));
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_semaphore_free(s));

    WEFT_ASSERT_OK(weft_semaphore_new_bounded(&s, 0));
    WEFT_ASSERT_STATUS(weft_semaphore_release(s, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_semaphore_release(s, SIZE_MAX), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_semaphore_free(s));
}

Test(semaphore, bad_sizes_and_handles)
{
    weft_semaphore *s;
    WEFT_ASSERT_STATUS(weft_semaphore_new(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_semaphore_new_bounded(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_semaphore_new(&s, (size_t)WEFT_SEMAPHORE_VALUE_MAX + 1), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_semaphore_new_bounded(&s, SIZE_MAX), WEFT_OVERFLOW);
    WEFT_ASSERT_OK(weft_semaphore_new(&s, WEFT_SEMAPHORE_VALUE_MAX - 1));
    WEFT_ASSERT_STATUS(weft_semaphore_release(s, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_semaphore_release(s, 2), WEFT_OVERFLOW);
    WEFT_ASSERT_OK(weft_semaphore_release(s, 1));
    WEFT_ASSERT_STATUS(weft_semaphore_release(s, 1), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, WEFT_TIMEOUT_MAX * 1.5), WEFT_OVERFLOW);
    WEFT_ASSERT_OK(weft_semaphore_free(s));

    WEFT_ASSERT_OK(weft_semaphore_free(NULL));
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_semaphore_release(NULL, 1), WEFT_EINVAL);
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_STATUS(weft_semaphore_acquire((weft_semaphore *)l, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_semaphore_free((weft_semaphore *)l), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_lock_free(l));
    WEFT_ASSERT_OK(weft_semaphore_new(&s, 1));
    WEFT_ASSERT_OK(weft_semaphore_free(s));
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_semaphore_release(s, 1), WEFT_EINVAL);
}

typedef struct taker {
    weft_semaphore *s;
    atomic_int got;
} taker;

static void *take_one(void *arg)
{
    taker *t = arg;
    cr_assert_eq(weft_semaphore_acquire(t->s, 10.0), WEFT_OK);
    atomic_fetch_add(&t->got, 1);
    return NULL;
}

Test(semaphore, release_n_wakes_n_waiters)
{
    taker tk = { NULL, 0 };
    WEFT_ASSERT_OK(weft_semaphore_new(&tk.s, 0));
    sync_threads t = { 0 };
    for (int i = 0; i < 4; i++)
        sync_start(&t, take_one, &tk);
    sync_nap(0.02);
    WEFT_ASSERT_OK(weft_semaphore_release(tk.s, 3));
    while (atomic_load(&tk.got) < 3)
        sync_nap(0.001);
    sync_nap(0.02);
    cr_assert_eq(atomic_load(&tk.got), 3, "three permits, three takers");
    WEFT_ASSERT_OK(weft_semaphore_release(tk.s, 1));
    sync_join(&t);
    cr_assert_eq(atomic_load(&tk.got), 4);
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(tk.s, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_semaphore_free(tk.s));
}

/* The "Semaphore example" of Python's documentation: a bounded semaphore
 * limits how many threads use a resource at once. */
#define POOL 3
typedef struct pool {
    weft_semaphore *s;
    atomic_int inside;
    atomic_int most;
} pool;

static void *use_pool(void *arg)
{
    pool *p = arg;
    for (int i = 0; i < 2000; i++) {
        cr_assert_eq(weft_semaphore_acquire(p->s, -1), WEFT_OK);
        int now = atomic_fetch_add(&p->inside, 1) + 1;
        cr_assert_leq(now, POOL);
        int m = atomic_load(&p->most);
        while (now > m && !atomic_compare_exchange_weak(&p->most, &m, now))
            ;
        atomic_fetch_sub(&p->inside, 1);
        cr_assert_eq(weft_semaphore_release(p->s, 1), WEFT_OK);
    }
    return NULL;
}

Test(semaphore, bounded_pool_limits_concurrency)
{
    pool p = { NULL, 0, 0 };
    WEFT_ASSERT_OK(weft_semaphore_new_bounded(&p.s, POOL));
    sync_threads t = { 0 };
    for (int i = 0; i < 6; i++)
        sync_start(&t, use_pool, &p);
    sync_join(&t);
    cr_assert_leq(atomic_load(&p.most), POOL);
    WEFT_ASSERT_STATUS(weft_semaphore_release(p.s, 1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_semaphore_free(p.s));
}

Test(semaphore, value_reports_the_permits)
{
    weft_semaphore *s;
    size_t v = 99;
    WEFT_ASSERT_OK(weft_semaphore_new_bounded(&s, 2));
    WEFT_ASSERT_OK(weft_semaphore_value(s, &v));
    cr_assert_eq(v, 2);
    WEFT_ASSERT_OK(weft_semaphore_acquire(s, 0));
    WEFT_ASSERT_OK(weft_semaphore_value(s, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_STATUS(weft_semaphore_value(s, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_semaphore_value(NULL, &v), WEFT_EINVAL);
    weft_semaphore_free(s);
    WEFT_ASSERT_STATUS(weft_semaphore_value(s, &v), WEFT_EINVAL);
}
