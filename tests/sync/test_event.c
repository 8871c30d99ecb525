/* threading.Event. */
#include "sync_test.h"

Test(event, set_clear_is_set)
{
    weft_event *e = NULL;
    WEFT_ASSERT_OK(weft_event_new(&e));
    int v = -1;
    WEFT_ASSERT_OK(weft_event_is_set(e, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_STATUS(weft_event_wait(e, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_event_set(e));
    WEFT_ASSERT_OK(weft_event_set(e)); /* idempotent */
    WEFT_ASSERT_OK(weft_event_is_set(e, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_event_wait(e, 0));
    WEFT_ASSERT_OK(weft_event_wait(e, -1));
    WEFT_ASSERT_OK(weft_event_clear(e));
    WEFT_ASSERT_OK(weft_event_clear(e));
    WEFT_ASSERT_OK(weft_event_is_set(e, &v));
    cr_assert_eq(v, 0);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_event_wait(e, 0.05), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05 - SYNC_SLACK);
    WEFT_ASSERT_OK(weft_event_free(e));
}

typedef struct waiters {
    weft_event *e;
    atomic_int ok;
    atomic_int started;
} waiters;

static void *wait_event(void *arg)
{
    waiters *w = arg;
    atomic_fetch_add(&w->started, 1);
    if (weft_event_wait(w->e, 10.0) == WEFT_OK)
        atomic_fetch_add(&w->ok, 1);
    return NULL;
}

Test(event, set_wakes_every_waiter)
{
    waiters w = { NULL, 0, 0 };
    WEFT_ASSERT_OK(weft_event_new(&w.e));
    sync_threads t = { 0 };
    for (int i = 0; i < 5; i++)
        sync_start(&t, wait_event, &w);
    while (atomic_load(&w.started) < 5)
        sync_nap(0.001);
    sync_nap(0.02);
    WEFT_ASSERT_OK(weft_event_set(w.e));
    sync_join(&t);
    cr_assert_eq(atomic_load(&w.ok), 5);
    WEFT_ASSERT_OK(weft_event_free(w.e));
}

Test(event, set_then_clear_still_releases_sleepers)
{
    /* Python: a waiter blocked when set() ran returns True even if clear()
     * follows before it wakes. */
    for (int round = 0; round < 20; round++) {
        waiters w = { NULL, 0, 0 };
        WEFT_ASSERT_OK(weft_event_new(&w.e));
        sync_threads t = { 0 };
        for (int i = 0; i < 3; i++)
            sync_start(&t, wait_event, &w);
        while (atomic_load(&w.started) < 3)
            sync_nap(0.001);
        sync_nap(0.005);
        WEFT_ASSERT_OK(weft_event_set(w.e));
        WEFT_ASSERT_OK(weft_event_clear(w.e));
        sync_join(&t);
        cr_assert_eq(atomic_load(&w.ok), 3);
        int v = 1;
        WEFT_ASSERT_OK(weft_event_is_set(w.e, &v));
        cr_assert_eq(v, 0);
        WEFT_ASSERT_OK(weft_event_free(w.e));
    }
}

Test(event, bad_input)
{
    weft_event *e;
    int v;
    WEFT_ASSERT_STATUS(weft_event_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_event_free(NULL));
    WEFT_ASSERT_STATUS(weft_event_is_set(NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_set(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_clear(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_wait(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_event_new(&e));
    WEFT_ASSERT_STATUS(weft_event_is_set(e, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_wait(e, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_wait(e, 1e20), WEFT_OVERFLOW);
    WEFT_ASSERT_OK(weft_event_set(e));
    /* Refused even when the flag is set and no wait would happen. */
    WEFT_ASSERT_STATUS(weft_event_wait(e, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_wait(e, 1e20), WEFT_OVERFLOW);
    weft_semaphore *s;
    WEFT_ASSERT_OK(weft_semaphore_new(&s, 0));
    WEFT_ASSERT_STATUS(weft_event_set((weft_event *)s), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_free((weft_event *)s), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_semaphore_free(s));
    WEFT_ASSERT_OK(weft_event_free(e));
    WEFT_ASSERT_STATUS(weft_event_set(e), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_wait(e, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_is_set(e, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_clear(e), WEFT_EINVAL);
}
