/* as_completed: order, duplicates, total timeout, end, bad handles. */
#include "weft_test.h"

#include <math.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

typedef struct later {
    weft_future *f;
    useconds_t delay;
} later;

static void *finish_later(void *p)
{
    later *l = p;
    usleep(l->delay);
    weft_future_set_result(l->f, NULL, NULL);
    return NULL;
}

Test(as_completed, done_first_then_in_completion_order)
{
    weft_future *fs[3];
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_future_new(&fs[i]));
    WEFT_ASSERT_OK(weft_future_set_result(fs[2], NULL, NULL));
    weft_as_completed *it;
    WEFT_ASSERT_OK(weft_as_completed_new(&it, fs, 3, 10));
    later l1 = { fs[1], 20000 }, l0 = { fs[0], 60000 };
    pthread_t t0, t1;
    pthread_create(&t1, NULL, finish_later, &l1);
    pthread_create(&t0, NULL, finish_later, &l0);
    weft_future *got;
    WEFT_ASSERT_OK(weft_as_completed_next(it, &got));
    cr_assert_eq(got, fs[2]);
    WEFT_ASSERT_OK(weft_as_completed_next(it, &got));
    cr_assert_eq(got, fs[1]);
    WEFT_ASSERT_OK(weft_as_completed_next(it, &got));
    cr_assert_eq(got, fs[0]);
    WEFT_ASSERT_STATUS(weft_as_completed_next(it, &got), WEFT_EOF);
    WEFT_ASSERT_STATUS(weft_as_completed_next(it, &got), WEFT_EOF);
    pthread_join(t0, NULL);
    pthread_join(t1, NULL);
    WEFT_ASSERT_OK(weft_as_completed_free(it));
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
}

Test(as_completed, duplicates_yield_once_and_cancel_counts)
{
    weft_future *a, *b;
    WEFT_ASSERT_OK(weft_future_new(&a));
    WEFT_ASSERT_OK(weft_future_new(&b));
    weft_future *list[4] = { a, a, b, a };
    weft_as_completed *it;
    WEFT_ASSERT_OK(weft_as_completed_new(&it, list, 4, -1));
    WEFT_ASSERT_OK(weft_future_cancel(b, NULL));
    WEFT_ASSERT_OK(weft_future_set_result(a, NULL, NULL));
    weft_future *got;
    WEFT_ASSERT_OK(weft_as_completed_next(it, &got));
    cr_assert_eq(got, b);
    WEFT_ASSERT_OK(weft_as_completed_next(it, &got));
    cr_assert_eq(got, a);
    WEFT_ASSERT_STATUS(weft_as_completed_next(it, &got), WEFT_EOF);
    WEFT_ASSERT_OK(weft_as_completed_free(it));
    WEFT_ASSERT_OK(weft_future_free(a));
    WEFT_ASSERT_OK(weft_future_free(b));
}

Test(as_completed, total_timeout_then_over)
{
    weft_future *fs[2];
    for (int i = 0; i < 2; i++)
        WEFT_ASSERT_OK(weft_future_new(&fs[i]));
    WEFT_ASSERT_OK(weft_future_set_result(fs[0], NULL, NULL));
    double t0 = weft_test_now();
    weft_as_completed *it;
    WEFT_ASSERT_OK(weft_as_completed_new(&it, fs, 2, 0.1));
    weft_future *got;
    WEFT_ASSERT_OK(weft_as_completed_next(it, &got));
    cr_assert_eq(got, fs[0]);
    WEFT_ASSERT_STATUS(weft_as_completed_next(it, &got), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.1);
    cr_assert(strstr(weft_errmsg(), "1 (of 2) futures unfinished") != NULL, "%s", weft_errmsg());
    /* Like Python's generator after it raised: the iteration is over. */
    WEFT_ASSERT_OK(weft_future_set_result(fs[1], NULL, NULL));
    WEFT_ASSERT_STATUS(weft_as_completed_next(it, &got), WEFT_EOF);
    WEFT_ASSERT_OK(weft_as_completed_free(it));
    for (int i = 0; i < 2; i++)
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
}

Test(as_completed, zero_timeout_yields_done_ones)
{
    weft_future *fs[2];
    for (int i = 0; i < 2; i++)
        WEFT_ASSERT_OK(weft_future_new(&fs[i]));
    WEFT_ASSERT_OK(weft_future_set_result(fs[1], NULL, NULL));
    weft_as_completed *it;
    WEFT_ASSERT_OK(weft_as_completed_new(&it, fs, 2, 0));
    weft_future *got;
    WEFT_ASSERT_OK(weft_as_completed_next(it, &got));
    cr_assert_eq(got, fs[1]);
    WEFT_ASSERT_STATUS(weft_as_completed_next(it, &got), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_as_completed_free(it));
    for (int i = 0; i < 2; i++)
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
}

Test(as_completed, holds_references_and_unhooks_on_free)
{
    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    weft_as_completed *it;
    WEFT_ASSERT_OK(weft_as_completed_new(&it, &f, 1, -1));
    weft_future *mine = f;
    /* Freed early: nothing yielded, the future must forget the iterator. */
    WEFT_ASSERT_OK(weft_as_completed_free(it));
    WEFT_ASSERT_OK(weft_future_set_result(mine, NULL, NULL));

    /* The iterator's reference keeps a future the caller dropped. */
    weft_future *g;
    WEFT_ASSERT_OK(weft_future_new(&g));
    WEFT_ASSERT_OK(weft_as_completed_new(&it, &g, 1, -1));
    weft_future *gg = g;
    WEFT_ASSERT_OK(weft_future_set_result(gg, NULL, NULL));
    WEFT_ASSERT_OK(weft_future_free(gg));
    weft_future *got;
    WEFT_ASSERT_OK(weft_as_completed_next(it, &got));
    int d;
    WEFT_ASSERT_OK(weft_future_done(got, &d));
    cr_assert_eq(d, 1);
    WEFT_ASSERT_OK(weft_as_completed_free(it));
    WEFT_ASSERT_OK(weft_future_free(mine));
}

Test(as_completed, empty_and_bad_arguments)
{
    weft_as_completed *it;
    weft_future *got;
    WEFT_ASSERT_OK(weft_as_completed_new(&it, NULL, 0, -1));
    WEFT_ASSERT_STATUS(weft_as_completed_next(it, &got), WEFT_EOF);
    WEFT_ASSERT_STATUS(weft_as_completed_next(it, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_as_completed_free(it));
    WEFT_ASSERT_STATUS(weft_as_completed_next(it, &got), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_as_completed_free(it), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_as_completed_free(NULL));
    WEFT_ASSERT_STATUS(weft_as_completed_next(NULL, &got), WEFT_EINVAL);

    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_STATUS(weft_as_completed_new(NULL, &f, 1, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_as_completed_new(&it, NULL, 1, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_as_completed_new(&it, &f, 1, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_as_completed_new(&it, &f, 1, 1e300), WEFT_OVERFLOW);
    weft_future *bad[1] = { (weft_future *)f };
    WEFT_ASSERT_OK(weft_future_free(f));
    WEFT_ASSERT_STATUS(weft_as_completed_new(&it, bad, 1, -1), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "freed") != NULL, "%s", weft_errmsg());
}
