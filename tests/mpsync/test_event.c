/* weft_mp_event: the flag across processes, placement and failures. */
#include "mp_test.h"

#include <math.h>

Test(mp_event, basics)
{
    weft_mp_event *e;
    int set = -1;
    WEFT_ASSERT_OK(weft_mp_event_new(&e));
    WEFT_ASSERT_OK(weft_mp_event_is_set(e, &set));
    cr_assert_eq(set, 0);
    WEFT_ASSERT_STATUS(weft_mp_event_wait(e, 0), WEFT_TIMEOUT);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_mp_event_wait(e, 0.05), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_OK(weft_mp_event_set(e));
    WEFT_ASSERT_OK(weft_mp_event_set(e));
    WEFT_ASSERT_OK(weft_mp_event_is_set(e, &set));
    cr_assert_eq(set, 1);
    WEFT_ASSERT_OK(weft_mp_event_wait(e, 0));
    WEFT_ASSERT_OK(weft_mp_event_wait(e, -1));
    WEFT_ASSERT_OK(weft_mp_event_clear(e));
    WEFT_ASSERT_OK(weft_mp_event_is_set(e, &set));
    cr_assert_eq(set, 0);
    WEFT_ASSERT_OK(weft_mp_event_free(e));
}

Test(mp_event, bad_arguments)
{
    weft_mp_event *e;
    int set;
    WEFT_ASSERT_STATUS(weft_mp_event_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_event_size(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_event_free(NULL));
    WEFT_ASSERT_OK(weft_mp_event_new(&e));
    WEFT_ASSERT_STATUS(weft_mp_event_wait(e, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_event_wait(e, 1e300), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_mp_event_is_set(e, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_event_free(e));
    WEFT_ASSERT_STATUS(weft_mp_event_set(e), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_event_clear(e), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_event_wait(e, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_event_is_set(e, &set), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_event_free(e), WEFT_EINVAL);
}

Test(mp_event, placement)
{
    size_t size;
    WEFT_ASSERT_OK(weft_mp_event_size(&size));
    char *mem = mp_shared(4096);
    weft_mp_event *e, *a;
    int set;
    WEFT_ASSERT_STATUS(weft_mp_event_new_at(&e, mem, size - 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_event_attach(&a, mem, size), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_event_new_at(&e, mem, size));
    WEFT_ASSERT_OK(weft_mp_event_attach(&a, mem, size));
    WEFT_ASSERT_OK(weft_mp_event_set(e));
    WEFT_ASSERT_OK(weft_mp_event_is_set(a, &set));
    cr_assert_eq(set, 1);
    WEFT_ASSERT_OK(weft_mp_event_free(e));
    WEFT_ASSERT_OK(weft_mp_event_free(a));
    munmap(mem, 4096);
}

static int wait_event(void *p)
{
    return weft_mp_event_wait(p, -1) == WEFT_OK ? 0 : 1;
}

Test(mp_event, across_processes)
{
    weft_mp_event *e;
    WEFT_ASSERT_OK(weft_mp_event_new(&e));
    pid_t p[3];
    for (int i = 0; i < 3; i++)
        p[i] = mp_fork(wait_event, e);
    for (int i = 0; i < 3; i++)
        mp_let_block(p[i]);
    /* Set then cleared at once: the waiters were woken, as in Python. */
    WEFT_ASSERT_OK(weft_mp_event_set(e));
    WEFT_ASSERT_OK(weft_mp_event_clear(e));
    for (int i = 0; i < 3; i++)
        mp_join_ok(p[i]);
    WEFT_ASSERT_OK(weft_mp_event_free(e));
}

Test(mp_event, interrupted_wait)
{
    weft_mp_event *e;
    WEFT_ASSERT_OK(weft_mp_event_new(&e));
    pester p;
    mp_pester_start(&p);
    WEFT_ASSERT_STATUS(weft_mp_event_wait(e, -1), WEFT_INTERRUPTED);
    mp_pester_stop(&p);
    WEFT_ASSERT_OK(weft_mp_event_free(e));
}
