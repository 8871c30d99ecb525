/* weft_mp_rlock: owner rules within and across processes, placement, and an
 * owner's death. */
#include "mp_test.h"

#include <math.h>

Test(mp_rlock, nesting_and_owner)
{
    weft_mp_rlock *r;
    WEFT_ASSERT_OK(weft_mp_rlock_new(&r));
    WEFT_ASSERT_STATUS(weft_mp_rlock_release(r), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(r, -1));
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(r, 0));
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(r, 5));
    WEFT_ASSERT_OK(weft_mp_rlock_consistent(r));
    WEFT_ASSERT_OK(weft_mp_rlock_release(r));
    WEFT_ASSERT_OK(weft_mp_rlock_release(r));
    WEFT_ASSERT_OK(weft_mp_rlock_release(r));
    WEFT_ASSERT_STATUS(weft_mp_rlock_release(r), WEFT_NOT_OWNER);
    WEFT_ASSERT_STATUS(weft_mp_rlock_consistent(r), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_mp_rlock_free(r));
}

Test(mp_rlock, bad_arguments)
{
    weft_mp_rlock *r;
    weft_mp_lock *l;
    size_t size;
    WEFT_ASSERT_STATUS(weft_mp_rlock_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_rlock_size(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_rlock_size(&size));
    WEFT_ASSERT_OK(weft_mp_rlock_free(NULL));
    WEFT_ASSERT_OK(weft_mp_rlock_new(&r));
    WEFT_ASSERT_STATUS(weft_mp_rlock_acquire(r, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_rlock_acquire(r, 1e300), WEFT_OVERFLOW);
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(r, 0));
    /* A nested acquire refuses a bad timeout too. */
    WEFT_ASSERT_STATUS(weft_mp_rlock_acquire(r, NAN), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_rlock_release(r));
    WEFT_ASSERT_OK(weft_mp_rlock_free(r));
    WEFT_ASSERT_STATUS(weft_mp_rlock_acquire(r, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_rlock_release(r), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_rlock_consistent(r), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_rlock_free(r), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_lock_new(&l));
    WEFT_ASSERT_STATUS(weft_mp_rlock_acquire((weft_mp_rlock *)(void *)l, 0), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_lock_free(l));
}

Test(mp_rlock, placement)
{
    size_t size;
    WEFT_ASSERT_OK(weft_mp_rlock_size(&size));
    char *mem = mp_shared(4096);
    weft_mp_rlock *r, *a;
    WEFT_ASSERT_STATUS(weft_mp_rlock_new_at(&r, NULL, size), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_rlock_new_at(&r, mem, size - 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_rlock_attach(&a, mem, size), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_rlock_new_at(&r, mem, size));
    WEFT_ASSERT_OK(weft_mp_rlock_attach(&a, mem, size));
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(r, 0));
    /* The same thread through another handle on the same state: its owner. */
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(a, 0));
    WEFT_ASSERT_OK(weft_mp_rlock_release(a));
    WEFT_ASSERT_OK(weft_mp_rlock_release(r));
    weft_mp_lock *l;
    WEFT_ASSERT_STATUS(weft_mp_lock_attach(&l, mem, size), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_rlock_free(r));
    WEFT_ASSERT_OK(weft_mp_rlock_free(a));
    munmap(mem, 4096);
}

static void *release_in_thread(void *p)
{
    return (void *)(intptr_t)weft_mp_rlock_release(p);
}

static void *acquire_try_in_thread(void *p)
{
    return (void *)(intptr_t)weft_mp_rlock_acquire(p, 0);
}

Test(mp_rlock, other_thread)
{
    weft_mp_rlock *r;
    WEFT_ASSERT_OK(weft_mp_rlock_new(&r));
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(r, -1));
    pthread_t th;
    void *res;
    pthread_create(&th, NULL, release_in_thread, r);
    pthread_join(th, &res);
    cr_assert_eq((weft_status)(intptr_t)res, WEFT_NOT_OWNER);
    pthread_create(&th, NULL, acquire_try_in_thread, r);
    pthread_join(th, &res);
    cr_assert_eq((weft_status)(intptr_t)res, WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_mp_rlock_release(r));
    WEFT_ASSERT_OK(weft_mp_rlock_free(r));
}

static int release_foreign(void *p)
{
    /* The forking thread's identity lives on in the child, but the child is
     * another process: it owns nothing. */
    MP_CHILD_CHECK(weft_mp_rlock_release(p) == WEFT_NOT_OWNER);
    MP_CHILD_CHECK(weft_mp_rlock_acquire(p, 0) == WEFT_TIMEOUT);
    return 0;
}

Test(mp_rlock, other_process)
{
    weft_mp_rlock *r;
    WEFT_ASSERT_OK(weft_mp_rlock_new(&r));
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(r, -1));
    mp_join_ok(mp_fork(release_foreign, r));
    WEFT_ASSERT_OK(weft_mp_rlock_release(r));
    WEFT_ASSERT_OK(weft_mp_rlock_free(r));
}

typedef struct {
    weft_mp_rlock *r;
    atomic_int *flag;
} hold_arg;

static int hold_nested_forever(void *p)
{
    hold_arg *a = p;
    MP_CHILD_CHECK(weft_mp_rlock_acquire(a->r, -1) == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_rlock_acquire(a->r, -1) == WEFT_OK);
    atomic_fetch_add(a->flag, 1);
    for (;;)
        pause();
    return 0;
}

static int acquire_after_death(void *p)
{
    hold_arg *a = p;
    weft_status st = weft_mp_rlock_acquire(a->r, -1);
    MP_CHILD_CHECK(st == WEFT_OWNER_DIED || st == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_rlock_consistent(a->r) == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_rlock_release(a->r) == WEFT_OK);
    return 0;
}

Test(mp_rlock, killed_owner)
{
    hold_arg a = { NULL, mp_shared(sizeof(atomic_int)) };
    WEFT_ASSERT_OK(weft_mp_rlock_new(&a.r));
    pid_t holder = mp_fork(hold_nested_forever, &a);
    mp_await(a.flag, 1);
    pid_t second = mp_fork(acquire_after_death, &a);
    mp_let_block(second);
    mp_kill(holder);
    weft_status st = weft_mp_rlock_acquire(a.r, -1);
    cr_assert(st == WEFT_OWNER_DIED || st == WEFT_OK, "%s", weft_status_name(st));
    /* Nested acquires of an inconsistent lock keep saying so. */
    if (st == WEFT_OWNER_DIED) {
        WEFT_ASSERT_STATUS(weft_mp_rlock_acquire(a.r, 0), WEFT_OWNER_DIED);
        WEFT_ASSERT_OK(weft_mp_rlock_release(a.r));
        WEFT_ASSERT_OK(weft_mp_rlock_consistent(a.r));
    }
    /* The dead owner's recursion count is not ours: one release frees it. */
    WEFT_ASSERT_OK(weft_mp_rlock_release(a.r));
    WEFT_ASSERT_STATUS(weft_mp_rlock_release(a.r), WEFT_NOT_OWNER);
    mp_join_ok(second);
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(a.r, 0));
    WEFT_ASSERT_OK(weft_mp_rlock_release(a.r));
    WEFT_ASSERT_OK(weft_mp_rlock_free(a.r));
}

typedef struct {
    weft_mp_rlock *r;
    long *counter;
} counter_arg;

static int count_nested(void *p)
{
    counter_arg *a = p;
    for (int i = 0; i < 2000; i++) {
        MP_CHILD_CHECK(weft_mp_rlock_acquire(a->r, -1) == WEFT_OK);
        MP_CHILD_CHECK(weft_mp_rlock_acquire(a->r, -1) == WEFT_OK);
        long v = *(volatile long *)a->counter;
        MP_CHILD_CHECK(weft_mp_rlock_release(a->r) == WEFT_OK);
        *(volatile long *)a->counter = v + 1;
        MP_CHILD_CHECK(weft_mp_rlock_release(a->r) == WEFT_OK);
    }
    return 0;
}

Test(mp_rlock, counter_across_processes)
{
    counter_arg a = { NULL, mp_shared(sizeof(long)) };
    WEFT_ASSERT_OK(weft_mp_rlock_new(&a.r));
    pid_t p[3];
    for (int i = 0; i < 3; i++)
        p[i] = mp_fork(count_nested, &a);
    for (int i = 0; i < 3; i++)
        mp_join_ok(p[i]);
    cr_assert_eq(*a.counter, 6000);
    WEFT_ASSERT_OK(weft_mp_rlock_free(a.r));
}

Test(mp_rlock, interrupted_wait)
{
    /* Before the fork: a skipped test must leave no child behind. */
    WEFT_TEST_LINUX_ONLY("waits on condition variables are not interrupted by signals");
    weft_mp_rlock *r;
    WEFT_ASSERT_OK(weft_mp_rlock_new(&r));
    pid_t holder;
    atomic_int *flag = mp_shared(sizeof(atomic_int));
    hold_arg a = { r, flag };
    holder = mp_fork(hold_nested_forever, &a);
    mp_await(flag, 1);
    pester p;
    mp_pester_start(&p);
    WEFT_ASSERT_STATUS(weft_mp_rlock_acquire(r, -1), WEFT_INTERRUPTED);
    mp_pester_stop(&p);
    mp_kill(holder);
    WEFT_ASSERT_STATUS(weft_mp_rlock_acquire(r, -1), WEFT_OWNER_DIED);
    WEFT_ASSERT_OK(weft_mp_rlock_release(r));
    WEFT_ASSERT_OK(weft_mp_rlock_free(r));
}
