/* weft_futures_wait(): the three return_when modes, duplicates, timeouts. */
#include "weft_test.h"

#include <math.h>
#include <pthread.h>
#include <unistd.h>

typedef struct later {
    weft_future *f;
    int what; /* 0 result, 1 exception, 2 cancel */
    useconds_t delay;
} later;

static void *do_later(void *p)
{
    later *l = p;
    usleep(l->delay);
    if (l->what == 0)
        weft_future_set_result(l->f, NULL, NULL);
    else if (l->what == 1)
        weft_future_set_exception(l->f, WEFT_FAILED, "boom", NULL, NULL);
    else
        weft_future_cancel(l->f, NULL);
    return NULL;
}

static void make(weft_future **fs, int n)
{
    for (int i = 0; i < n; i++)
        WEFT_ASSERT_OK(weft_future_new(&fs[i]));
}

static void drop(weft_future **fs, int n)
{
    for (int i = 0; i < n; i++)
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
}

Test(wait, empty_and_already_done)
{
    size_t nd = 99;
    WEFT_ASSERT_OK(weft_futures_wait(NULL, 0, WEFT_ALL_COMPLETED, -1, NULL, &nd));
    cr_assert_eq(nd, 0);
    weft_future *fs[3];
    make(fs, 3);
    WEFT_ASSERT_OK(weft_future_set_result(fs[0], NULL, NULL));
    WEFT_ASSERT_OK(weft_future_set_exception(fs[1], WEFT_FAILED, NULL, NULL, NULL));
    WEFT_ASSERT_OK(weft_future_cancel(fs[2], NULL));
    unsigned char done[3] = { 0 };
    WEFT_ASSERT_OK(weft_futures_wait(fs, 3, WEFT_ALL_COMPLETED, -1, done, &nd));
    cr_assert_eq(nd, 3);
    cr_assert(done[0] && done[1] && done[2]);
    drop(fs, 3);
}

Test(wait, timeout_reports_not_done)
{
    weft_future *fs[2];
    make(fs, 2);
    WEFT_ASSERT_OK(weft_future_set_result(fs[0], NULL, NULL));
    unsigned char done[2];
    size_t nd;
    double t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_futures_wait(fs, 2, WEFT_ALL_COMPLETED, 0.05, done, &nd));
    cr_assert_geq(weft_test_now() - t0, 0.05);
    cr_assert_eq(nd, 1);
    cr_assert_eq(done[0], 1);
    cr_assert_eq(done[1], 0);
    /* Zero timeout: a poll. */
    WEFT_ASSERT_OK(weft_futures_wait(fs, 2, WEFT_ALL_COMPLETED, 0, done, &nd));
    cr_assert_eq(nd, 1);
    /* FIRST_EXCEPTION with no failure waits like ALL_COMPLETED. */
    t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_futures_wait(fs, 2, WEFT_FIRST_EXCEPTION, 0.05, done, &nd));
    cr_assert_geq(weft_test_now() - t0, 0.05);
    cr_assert_eq(nd, 1);
    drop(fs, 2);
}

Test(wait, first_completed)
{
    weft_future *fs[3];
    make(fs, 3);
    later l = { fs[1], 0, 30000 };
    pthread_t t;
    pthread_create(&t, NULL, do_later, &l);
    unsigned char done[3];
    size_t nd;
    WEFT_ASSERT_OK(weft_futures_wait(fs, 3, WEFT_FIRST_COMPLETED, 10, done, &nd));
    cr_assert_eq(nd, 1);
    cr_assert(!done[0] && done[1] && !done[2]);
    pthread_join(t, NULL);
    /* Something already done returns at once. */
    WEFT_ASSERT_OK(weft_futures_wait(fs, 3, WEFT_FIRST_COMPLETED, -1, NULL, &nd));
    cr_assert_eq(nd, 1);
    drop(fs, 3);
}

Test(wait, first_completed_counts_cancellation)
{
    weft_future *fs[2];
    make(fs, 2);
    later l = { fs[0], 2, 30000 };
    pthread_t t;
    pthread_create(&t, NULL, do_later, &l);
    unsigned char done[2];
    WEFT_ASSERT_OK(weft_futures_wait(fs, 2, WEFT_FIRST_COMPLETED, 10, done, NULL));
    cr_assert(done[0] && !done[1]);
    pthread_join(t, NULL);
    drop(fs, 2);
}

Test(wait, first_exception)
{
    weft_future *fs[3];
    make(fs, 3);
    WEFT_ASSERT_OK(weft_future_set_result(fs[0], NULL, NULL));
    later l = { fs[2], 1, 30000 };
    pthread_t t;
    pthread_create(&t, NULL, do_later, &l);
    unsigned char done[3];
    size_t nd;
    WEFT_ASSERT_OK(weft_futures_wait(fs, 3, WEFT_FIRST_EXCEPTION, 10, done, &nd));
    cr_assert_eq(nd, 2);
    cr_assert(done[0] && !done[1] && done[2]);
    pthread_join(t, NULL);
    /* An exception already there returns at once. */
    WEFT_ASSERT_OK(weft_futures_wait(fs, 3, WEFT_FIRST_EXCEPTION, -1, NULL, &nd));
    cr_assert_eq(nd, 2);
    drop(fs, 3);
}

Test(wait, first_exception_ends_when_all_done_without_failure)
{
    weft_future *fs[2];
    make(fs, 2);
    later l0 = { fs[0], 0, 20000 }, l1 = { fs[1], 2, 40000 };
    pthread_t t0, t1;
    pthread_create(&t0, NULL, do_later, &l0);
    pthread_create(&t1, NULL, do_later, &l1);
    size_t nd;
    WEFT_ASSERT_OK(weft_futures_wait(fs, 2, WEFT_FIRST_EXCEPTION, 10, NULL, &nd));
    cr_assert_eq(nd, 2);
    pthread_join(t0, NULL);
    pthread_join(t1, NULL);
    drop(fs, 2);
}

Test(wait, all_completed_with_duplicates)
{
    weft_future *fs[2];
    make(fs, 2);
    weft_future *list[4] = { fs[0], fs[1], fs[0], fs[1] };
    later l0 = { fs[0], 0, 10000 }, l1 = { fs[1], 1, 30000 };
    pthread_t t0, t1;
    pthread_create(&t0, NULL, do_later, &l0);
    pthread_create(&t1, NULL, do_later, &l1);
    unsigned char done[4];
    size_t nd;
    WEFT_ASSERT_OK(weft_futures_wait(list, 4, WEFT_ALL_COMPLETED, 10, done, &nd));
    cr_assert_eq(nd, 4, "n_done counts entries");
    cr_assert(done[0] && done[1] && done[2] && done[3]);
    pthread_join(t0, NULL);
    pthread_join(t1, NULL);
    drop(fs, 2);
}

Test(wait, bad_arguments)
{
    weft_future *fs[2];
    make(fs, 2);
    WEFT_ASSERT_STATUS(weft_futures_wait(fs, 2, 0, -1, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_futures_wait(fs, 2, 4, -1, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_futures_wait(fs, 2, WEFT_ALL_COMPLETED, NAN, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_futures_wait(fs, 2, WEFT_ALL_COMPLETED, 1e300, NULL, NULL), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_futures_wait(NULL, 2, WEFT_ALL_COMPLETED, -1, NULL, NULL), WEFT_EINVAL);
    weft_future *withnull[2] = { fs[0], NULL };
    WEFT_ASSERT_STATUS(weft_futures_wait(withnull, 2, WEFT_ALL_COMPLETED, -1, NULL, NULL), WEFT_EINVAL);
    weft_executor_opts *o;
    WEFT_ASSERT_OK(weft_executor_opts_new(&o));
    weft_future *wrong[2] = { fs[0], (weft_future *)o };
    WEFT_ASSERT_STATUS(weft_futures_wait(wrong, 2, WEFT_ALL_COMPLETED, -1, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_executor_opts_free(o));
    WEFT_ASSERT_OK(weft_future_free(fs[1]));
    WEFT_ASSERT_STATUS(weft_futures_wait(fs, 2, WEFT_ALL_COMPLETED, -1, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_future_free(fs[0]));
}

Test(wait, waiters_are_removed_after_timeout)
{
    /* A wait that timed out must leave nothing behind on the future: completing
     * it afterwards must not touch the finished wait's stack. */
    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_futures_wait(&f, 1, WEFT_ALL_COMPLETED, 0.001, NULL, NULL));
    WEFT_ASSERT_OK(weft_future_set_result(f, NULL, NULL));
    WEFT_ASSERT_OK(weft_future_free(f));
}
