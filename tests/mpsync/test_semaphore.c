/* weft_mp_semaphore: values, bounds, placement and processes handing
 * permits to each other. */
#include "mp_test.h"

#include <math.h>

Test(mp_semaphore, values_and_bounds)
{
    weft_mp_semaphore *s;
    size_t v;
    WEFT_ASSERT_OK(weft_mp_semaphore_new(&s, 2));
    WEFT_ASSERT_OK(weft_mp_semaphore_get_value(s, &v));
    cr_assert_eq(v, 2);
    WEFT_ASSERT_OK(weft_mp_semaphore_acquire(s, 0));
    WEFT_ASSERT_OK(weft_mp_semaphore_acquire(s, -1));
    WEFT_ASSERT_STATUS(weft_mp_semaphore_acquire(s, 0), WEFT_TIMEOUT);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_mp_semaphore_acquire(s, 0.05), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_OK(weft_mp_semaphore_release(s, 5)); /* unbounded: above the start */
    WEFT_ASSERT_OK(weft_mp_semaphore_get_value(s, &v));
    cr_assert_eq(v, 5);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_release(s, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_release(s, WEFT_MP_SEMAPHORE_VALUE_MAX), WEFT_OVERFLOW);
    WEFT_ASSERT_OK(weft_mp_semaphore_get_value(s, &v));
    cr_assert_eq(v, 5);
    WEFT_ASSERT_OK(weft_mp_semaphore_free(s));

    WEFT_ASSERT_OK(weft_mp_semaphore_new_bounded(&s, 1));
    WEFT_ASSERT_STATUS(weft_mp_semaphore_release(s, 1), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "too many") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_OK(weft_mp_semaphore_acquire(s, 0));
    WEFT_ASSERT_OK(weft_mp_semaphore_release(s, 1));
    WEFT_ASSERT_STATUS(weft_mp_semaphore_release(s, 1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_semaphore_free(s));

    WEFT_ASSERT_OK(weft_mp_semaphore_new(&s, WEFT_MP_SEMAPHORE_VALUE_MAX));
    WEFT_ASSERT_STATUS(weft_mp_semaphore_release(s, 1), WEFT_OVERFLOW);
    WEFT_ASSERT_OK(weft_mp_semaphore_free(s));
}

Test(mp_semaphore, bad_arguments)
{
    weft_mp_semaphore *s;
    size_t v;
    WEFT_ASSERT_STATUS(weft_mp_semaphore_new(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_new_bounded(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_new(&s, (size_t)WEFT_MP_SEMAPHORE_VALUE_MAX + 1), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_new_bounded(&s, (size_t)WEFT_MP_SEMAPHORE_VALUE_MAX + 1), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_size(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_semaphore_free(NULL));
    WEFT_ASSERT_OK(weft_mp_semaphore_new(&s, 0));
    WEFT_ASSERT_STATUS(weft_mp_semaphore_acquire(s, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_acquire(s, 1e300), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_get_value(s, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_semaphore_free(s));
    WEFT_ASSERT_STATUS(weft_mp_semaphore_acquire(s, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_release(s, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_get_value(s, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_free(s), WEFT_EINVAL);
}

Test(mp_semaphore, placement)
{
    size_t size, v;
    WEFT_ASSERT_OK(weft_mp_semaphore_size(&size));
    char *mem = mp_shared(4096);
    weft_mp_semaphore *s, *a;
    WEFT_ASSERT_STATUS(weft_mp_semaphore_new_at(&s, mem, size - 1, 1, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_new_at(&s, NULL, size, 1, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_new_at(&s, mem, size, (size_t)WEFT_MP_SEMAPHORE_VALUE_MAX + 1, 0),
                       WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_attach(&a, mem, size), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_semaphore_new_at(&s, mem, size, 2, 1));
    WEFT_ASSERT_STATUS(weft_mp_semaphore_attach(&a, mem, size - 1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_semaphore_attach(&a, mem, size));
    WEFT_ASSERT_OK(weft_mp_semaphore_acquire(a, 0));
    WEFT_ASSERT_OK(weft_mp_semaphore_get_value(s, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_mp_semaphore_release(s, 1));
    /* The bound came with the state. */
    WEFT_ASSERT_STATUS(weft_mp_semaphore_release(a, 1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_semaphore_free(s));
    WEFT_ASSERT_OK(weft_mp_semaphore_free(a));
    munmap(mem, 4096);
}

typedef struct {
    weft_mp_semaphore *items, *slots;
    long *ring, *sum;
    atomic_long *head;
} pc_arg;

enum { RING = 8, ITEMS = 3000 };

static int produce(void *p)
{
    pc_arg *a = p;
    for (long i = 1; i <= ITEMS; i++) {
        MP_CHILD_CHECK(weft_mp_semaphore_acquire(a->slots, -1) == WEFT_OK);
        a->ring[i % RING] = i;
        MP_CHILD_CHECK(weft_mp_semaphore_release(a->items, 1) == WEFT_OK);
    }
    return 0;
}

static int consume(void *p)
{
    pc_arg *a = p;
    long sum = 0;
    for (long i = 1; i <= ITEMS; i++) {
        MP_CHILD_CHECK(weft_mp_semaphore_acquire(a->items, -1) == WEFT_OK);
        sum += a->ring[i % RING];
        MP_CHILD_CHECK(weft_mp_semaphore_release(a->slots, 1) == WEFT_OK);
    }
    *a->sum = sum;
    return 0;
}

Test(mp_semaphore, producer_consumer)
{
    pc_arg a = { NULL, NULL, mp_shared(RING * sizeof(long)), mp_shared(sizeof(long)), NULL };
    WEFT_ASSERT_OK(weft_mp_semaphore_new(&a.items, 0));
    WEFT_ASSERT_OK(weft_mp_semaphore_new_bounded(&a.slots, RING));
    pid_t c = mp_fork(consume, &a);
    pid_t p = mp_fork(produce, &a);
    mp_join_ok(p);
    mp_join_ok(c);
    cr_assert_eq(*a.sum, (long)ITEMS * (ITEMS + 1) / 2);
    WEFT_ASSERT_OK(weft_mp_semaphore_free(a.items));
    WEFT_ASSERT_OK(weft_mp_semaphore_free(a.slots));
}

static int acquire_one(void *p)
{
    return weft_mp_semaphore_acquire(p, -1) == WEFT_OK ? 0 : 1;
}

Test(mp_semaphore, release_wakes_sleepers)
{
    weft_mp_semaphore *s;
    WEFT_ASSERT_OK(weft_mp_semaphore_new(&s, 0));
    pid_t p[3];
    for (int i = 0; i < 3; i++)
        p[i] = mp_fork(acquire_one, s);
    for (int i = 0; i < 3; i++)
        mp_let_block(p[i]);
    WEFT_ASSERT_OK(weft_mp_semaphore_release(s, 3));
    for (int i = 0; i < 3; i++)
        mp_join_ok(p[i]);
    size_t v;
    WEFT_ASSERT_OK(weft_mp_semaphore_get_value(s, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_OK(weft_mp_semaphore_free(s));
}

Test(mp_semaphore, interrupted_wait)
{
    weft_mp_semaphore *s;
    WEFT_ASSERT_OK(weft_mp_semaphore_new(&s, 0));
    pester p;
    mp_pester_start(&p);
    WEFT_ASSERT_STATUS(weft_mp_semaphore_acquire(s, -1), WEFT_INTERRUPTED);
    mp_pester_stop(&p);
    WEFT_ASSERT_OK(weft_mp_semaphore_free(s));
}
