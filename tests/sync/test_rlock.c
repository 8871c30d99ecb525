/* threading.RLock: ownership, recursion, non-owner release, timeouts. */
#include "sync_test.h"

Test(rlock, recursion)
{
    weft_rlock *r = NULL;
    WEFT_ASSERT_OK(weft_rlock_new(&r));
    WEFT_ASSERT_OK(weft_rlock_acquire(r, -1));
    WEFT_ASSERT_OK(weft_rlock_acquire(r, 0));
    WEFT_ASSERT_OK(weft_rlock_acquire(r, 1.0));
    WEFT_ASSERT_OK(weft_rlock_release(r));
    WEFT_ASSERT_OK(weft_rlock_release(r));
    WEFT_ASSERT_OK(weft_rlock_release(r));
    WEFT_ASSERT_STATUS(weft_rlock_release(r), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_rlock_free(r));
}

typedef struct probe {
    weft_rlock *r;
    weft_status acquire;
    weft_status release;
    double timeout;
} probe;

static void *probe_thread(void *arg)
{
    probe *p = arg;
    p->release = weft_rlock_release(p->r);
    p->acquire = weft_rlock_acquire(p->r, p->timeout);
    if (p->acquire == WEFT_OK)
        cr_assert_eq(weft_rlock_release(p->r), WEFT_OK);
    return NULL;
}

Test(rlock, other_threads_cannot_release_or_take)
{
    weft_rlock *r;
    WEFT_ASSERT_OK(weft_rlock_new(&r));
    WEFT_ASSERT_OK(weft_rlock_acquire(r, -1));
    WEFT_ASSERT_OK(weft_rlock_acquire(r, -1));
    probe p = { r, WEFT_OK, WEFT_OK, 0.05 };
    sync_threads t = { 0 };
    double t0 = weft_test_now();
    sync_start(&t, probe_thread, &p);
    sync_join(&t);
    cr_assert_eq(p.release, WEFT_NOT_OWNER);
    cr_assert_eq(p.acquire, WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05 - SYNC_SLACK);
    /* After the owner lets go completely, another thread can take it. */
    WEFT_ASSERT_OK(weft_rlock_release(r));
    WEFT_ASSERT_OK(weft_rlock_release(r));
    p.timeout = 0;
    sync_start(&t, probe_thread, &p);
    sync_join(&t);
    cr_assert_eq(p.release, WEFT_NOT_OWNER);
    cr_assert_eq(p.acquire, WEFT_OK);
    WEFT_ASSERT_OK(weft_rlock_free(r));
}

static void *hold_then_release(void *arg)
{
    weft_rlock *r = arg;
    cr_assert_eq(weft_rlock_acquire(r, -1), WEFT_OK);
    cr_assert_eq(weft_rlock_acquire(r, -1), WEFT_OK);
    sync_nap(0.05);
    cr_assert_eq(weft_rlock_release(r), WEFT_OK);
    cr_assert_eq(weft_rlock_release(r), WEFT_OK);
    return NULL;
}

Test(rlock, blocked_acquire_is_woken)
{
    weft_rlock *r;
    WEFT_ASSERT_OK(weft_rlock_new(&r));
    sync_threads t = { 0 };
    sync_start(&t, hold_then_release, r);
    sync_nap(0.01);
    WEFT_ASSERT_OK(weft_rlock_acquire(r, -1));
    WEFT_ASSERT_OK(weft_rlock_release(r));
    sync_join(&t);
    WEFT_ASSERT_OK(weft_rlock_free(r));
}

Test(rlock, bad_timeouts_and_handles)
{
    weft_rlock *r;
    WEFT_ASSERT_STATUS(weft_rlock_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_rlock_new(&r));
    WEFT_ASSERT_STATUS(weft_rlock_acquire(r, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_rlock_acquire(r, 1e300), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_rlock_release(r), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_rlock_acquire(r, -1));
    /* A bad timeout is refused even on a nested acquire that would not wait. */
    WEFT_ASSERT_STATUS(weft_rlock_acquire(r, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_rlock_acquire(r, WEFT_TIMEOUT_MAX + 1e6), WEFT_OVERFLOW);
    WEFT_ASSERT_OK(weft_rlock_release(r));
    WEFT_ASSERT_STATUS(weft_rlock_release(r), WEFT_NOT_OWNER);

    WEFT_ASSERT_OK(weft_rlock_free(NULL));
    WEFT_ASSERT_STATUS(weft_rlock_acquire(NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_rlock_release(NULL), WEFT_EINVAL);
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_STATUS(weft_rlock_release((weft_rlock *)l), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_rlock_free((weft_rlock *)l), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_lock_free(l));

    WEFT_ASSERT_OK(weft_rlock_free(r));
    WEFT_ASSERT_STATUS(weft_rlock_acquire(r, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_rlock_release(r), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_rlock_free(r), WEFT_EINVAL);
}

#define RL_THREADS 4
#define RL_ROUNDS 10000

typedef struct rcounter {
    weft_rlock *r;
    long value;
} rcounter;

static void *nested_count(void *arg)
{
    rcounter *c = arg;
    for (int i = 0; i < RL_ROUNDS; i++) {
        cr_assert_eq(weft_rlock_acquire(c->r, -1), WEFT_OK);
        cr_assert_eq(weft_rlock_acquire(c->r, 0), WEFT_OK);
        c->value++;
        cr_assert_eq(weft_rlock_release(c->r), WEFT_OK);
        c->value++;
        cr_assert_eq(weft_rlock_release(c->r), WEFT_OK);
    }
    return NULL;
}

Test(rlock, mutual_exclusion_with_nesting)
{
    rcounter c = { 0 };
    WEFT_ASSERT_OK(weft_rlock_new(&c.r));
    sync_threads t = { 0 };
    for (int i = 0; i < RL_THREADS; i++)
        sync_start(&t, nested_count, &c);
    sync_join(&t);
    cr_assert_eq(c.value, 2L * RL_THREADS * RL_ROUNDS);
    WEFT_ASSERT_OK(weft_rlock_free(c.r));
}
