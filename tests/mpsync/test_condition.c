/* weft_mp_condition: the Condition API over its own and given locks,
 * placement, producers and consumers in several processes, and the lock's
 * holder dying while others wait. */
#include "mp_test.h"

#include <math.h>

static int always(void *arg)
{
    (void)arg;
    return 1;
}

static int never(void *arg)
{
    (void)arg;
    return 0;
}

Test(mp_condition, basics)
{
    weft_mp_condition *c;
    int r = -1;
    WEFT_ASSERT_OK(weft_mp_condition_new(&c));
    WEFT_ASSERT_STATUS(weft_mp_condition_wait(c, 0), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_mp_condition_notify(c, 1), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_mp_condition_notify_all(c), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_mp_condition_wait_for(c, never, NULL, 0, &r), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_mp_condition_release(c), WEFT_NOT_OWNER);
    WEFT_ASSERT_STATUS(weft_mp_condition_consistent(c), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_mp_condition_acquire(c, -1));
    WEFT_ASSERT_OK(weft_mp_condition_acquire(c, 0)); /* re-entrant by default */
    WEFT_ASSERT_OK(weft_mp_condition_consistent(c));
    WEFT_ASSERT_OK(weft_mp_condition_notify(c, 1));
    WEFT_ASSERT_OK(weft_mp_condition_notify_all(c));
    WEFT_ASSERT_STATUS(weft_mp_condition_wait(c, 0), WEFT_TIMEOUT);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_mp_condition_wait(c, 0.05), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_OK(weft_mp_condition_wait_for(c, always, NULL, -1, &r));
    cr_assert_eq(r, 1);
    WEFT_ASSERT_STATUS(weft_mp_condition_wait_for(c, never, NULL, 0.02, &r), WEFT_TIMEOUT);
    cr_assert_eq(r, 0);
    /* The lock is held again, twice, after the waits. */
    WEFT_ASSERT_OK(weft_mp_condition_release(c));
    WEFT_ASSERT_OK(weft_mp_condition_release(c));
    WEFT_ASSERT_STATUS(weft_mp_condition_release(c), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_mp_condition_free(c));
}

Test(mp_condition, bad_arguments)
{
    weft_mp_condition *c;
    weft_mp_event *e;
    int r;
    WEFT_ASSERT_STATUS(weft_mp_condition_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_size(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_condition_free(NULL));
    WEFT_ASSERT_OK(weft_mp_event_new(&e));
    WEFT_ASSERT_STATUS(weft_mp_condition_new_with_lock(&c, (weft_mp_lock *)(void *)e), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_new_with_rlock(&c, (weft_mp_rlock *)(void *)e), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_new_with_lock(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_new_with_rlock(&c, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_condition_new(&c));
    WEFT_ASSERT_STATUS(weft_mp_condition_acquire(c, NAN), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_condition_acquire(c, 0));
    WEFT_ASSERT_STATUS(weft_mp_condition_wait(c, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_wait(c, 1e300), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_mp_condition_wait_for(c, NULL, NULL, 0, &r), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_wait_for(c, never, NULL, NAN, &r), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_condition_release(c));
    WEFT_ASSERT_OK(weft_mp_condition_free(c));
    WEFT_ASSERT_STATUS(weft_mp_condition_acquire(c, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_release(c), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_wait(c, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_wait_for(c, always, NULL, 0, &r), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_notify(c, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_notify_all(c), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_consistent(c), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_free(c), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_acquire((weft_mp_condition *)(void *)e, 0), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_event_free(e));
}

Test(mp_condition, over_given_locks)
{
    weft_mp_lock *l;
    weft_mp_rlock *r;
    weft_mp_condition *c;
    WEFT_ASSERT_OK(weft_mp_lock_new(&l));
    WEFT_ASSERT_OK(weft_mp_condition_new_with_lock(&c, l));
    WEFT_ASSERT_OK(weft_mp_lock_free(l)); /* the condition keeps its own reference */
    WEFT_ASSERT_STATUS(weft_mp_condition_release(c), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_mp_condition_consistent(c), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_mp_condition_acquire(c, 0));
    WEFT_ASSERT_STATUS(weft_mp_condition_acquire(c, 0), WEFT_TIMEOUT); /* a plain lock */
    WEFT_ASSERT_OK(weft_mp_condition_consistent(c));
    WEFT_ASSERT_STATUS(weft_mp_condition_wait(c, 0.01), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_mp_condition_release(c));
    WEFT_ASSERT_OK(weft_mp_condition_free(c));

    WEFT_ASSERT_OK(weft_mp_rlock_new(&r));
    WEFT_ASSERT_OK(weft_mp_condition_new_with_rlock(&c, r));
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(r, 0));
    WEFT_ASSERT_OK(weft_mp_condition_acquire(c, 0));
    WEFT_ASSERT_STATUS(weft_mp_condition_wait(c, 0.01), WEFT_TIMEOUT);
    /* Both acquires are still there after the wait. */
    WEFT_ASSERT_OK(weft_mp_rlock_release(r));
    WEFT_ASSERT_OK(weft_mp_condition_release(c));
    WEFT_ASSERT_STATUS(weft_mp_rlock_release(r), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_mp_condition_free(c));
    WEFT_ASSERT_OK(weft_mp_rlock_free(r));
}

Test(mp_condition, placement)
{
    size_t size;
    WEFT_ASSERT_OK(weft_mp_condition_size(&size));
    char *mem = mp_shared(4096);
    weft_mp_condition *c, *a;
    WEFT_ASSERT_STATUS(weft_mp_condition_new_at(&c, mem, size - 1, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_new_at(NULL, mem, size, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_condition_attach(&a, mem, size), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_condition_new_at(&c, mem, size, 0));
    WEFT_ASSERT_STATUS(weft_mp_condition_attach(&a, mem, size - 1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_condition_attach(&a, mem, size));
    WEFT_ASSERT_OK(weft_mp_condition_acquire(c, 0));
    /* A plain lock, as made: another handle sees it held. */
    WEFT_ASSERT_STATUS(weft_mp_condition_acquire(a, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_mp_condition_release(a));
    WEFT_ASSERT_OK(weft_mp_condition_free(c));
    WEFT_ASSERT_OK(weft_mp_condition_free(a));
    munmap(mem, 4096);
}

/* ---- producers and consumers ------------------------------------------------ */

typedef struct {
    weft_mp_condition *c;
    long *items;     /* how many are waiting to be taken */
    long *taken;
    atomic_int *waiting;
} pc_arg;

enum { PER_PRODUCER = 500, PRODUCERS = 2, CONSUMERS = 2 };

static int has_items(void *p)
{
    pc_arg *a = p;
    return *a->items > 0 || *a->taken >= PRODUCERS * PER_PRODUCER;
}

static int consume(void *p)
{
    pc_arg *a = p;
    for (;;) {
        MP_CHILD_CHECK(weft_mp_condition_acquire(a->c, -1) == WEFT_OK);
        int r = 0;
        MP_CHILD_CHECK(weft_mp_condition_wait_for(a->c, has_items, a, -1, &r) == WEFT_OK && r);
        if (*a->items == 0) {
            MP_CHILD_CHECK(weft_mp_condition_release(a->c) == WEFT_OK);
            return 0;
        }
        (*a->items)--;
        if (++*a->taken == PRODUCERS * PER_PRODUCER)
            MP_CHILD_CHECK(weft_mp_condition_notify_all(a->c) == WEFT_OK);
        MP_CHILD_CHECK(weft_mp_condition_release(a->c) == WEFT_OK);
    }
}

static int produce(void *p)
{
    pc_arg *a = p;
    for (int i = 0; i < PER_PRODUCER; i++) {
        MP_CHILD_CHECK(weft_mp_condition_acquire(a->c, -1) == WEFT_OK);
        (*a->items)++;
        MP_CHILD_CHECK(weft_mp_condition_notify(a->c, 1) == WEFT_OK);
        MP_CHILD_CHECK(weft_mp_condition_release(a->c) == WEFT_OK);
    }
    return 0;
}

Test(mp_condition, producers_and_consumers)
{
    pc_arg a = { NULL, mp_shared(sizeof(long)), mp_shared(sizeof(long)), NULL };
    WEFT_ASSERT_OK(weft_mp_condition_new(&a.c));
    pid_t pids[PRODUCERS + CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        pids[i] = mp_fork(consume, &a);
    for (int i = 0; i < PRODUCERS; i++)
        pids[CONSUMERS + i] = mp_fork(produce, &a);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
        mp_join_ok(pids[i]);
    cr_assert_eq(*a.taken, PRODUCERS * PER_PRODUCER);
    cr_assert_eq(*a.items, 0);
    WEFT_ASSERT_OK(weft_mp_condition_free(a.c));
}

static int wait_once(void *p)
{
    pc_arg *a = p;
    MP_CHILD_CHECK(weft_mp_condition_acquire(a->c, -1) == WEFT_OK);
    atomic_fetch_add(a->waiting, 1);
    MP_CHILD_CHECK(weft_mp_condition_wait(a->c, -1) == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_condition_release(a->c) == WEFT_OK);
    return 0;
}

Test(mp_condition, notify_counts)
{
    pc_arg a = { NULL, NULL, NULL, mp_shared(sizeof(atomic_int)) };
    WEFT_ASSERT_OK(weft_mp_condition_new(&a.c));
    pid_t pids[4];
    for (int i = 0; i < 4; i++)
        pids[i] = mp_fork(wait_once, &a);
    mp_await(a.waiting, 4);
    /* Every child counted itself under the lock and then waited, which gave
     * the lock up: holding it now, all four are registered waiters. */
    WEFT_ASSERT_OK(weft_mp_condition_acquire(a.c, -1));
    WEFT_ASSERT_OK(weft_mp_condition_notify(a.c, 1));
    WEFT_ASSERT_OK(weft_mp_condition_notify(a.c, 1));
    WEFT_ASSERT_OK(weft_mp_condition_release(a.c));
    int done = 0;
    for (int round = 0; done < 2; round++) {
        for (int i = 0; i < 4; i++) {
            int status;
            if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                pids[i] = -1;
                done++;
            }
        }
        mp_nap(0.001);
    }
    /* The other two are still waiting; a notify_all ends them. */
    WEFT_ASSERT_OK(weft_mp_condition_acquire(a.c, -1));
    WEFT_ASSERT_OK(weft_mp_condition_notify_all(a.c));
    WEFT_ASSERT_OK(weft_mp_condition_release(a.c));
    for (int i = 0; i < 4; i++)
        if (pids[i] > 0)
            mp_join_ok(pids[i]);
    cr_assert_eq(done, 2);
    WEFT_ASSERT_OK(weft_mp_condition_free(a.c));
}

/* ---- the lock's holder dies ------------------------------------------------- */

typedef struct {
    weft_mp_condition *c;
    atomic_int *flag;
} death_arg;

static int hold_cond_lock(void *p)
{
    death_arg *a = p;
    MP_CHILD_CHECK(weft_mp_condition_acquire(a->c, -1) == WEFT_OK);
    atomic_fetch_add(a->flag, 1);
    for (;;)
        pause();
    return 0;
}

static int wait_expect_died(void *p)
{
    death_arg *a = p;
    MP_CHILD_CHECK(weft_mp_condition_acquire(a->c, -1) == WEFT_OK);
    atomic_fetch_add(a->flag, 1);
    MP_CHILD_CHECK(weft_mp_condition_wait(a->c, -1) == WEFT_OWNER_DIED);
    MP_CHILD_CHECK(weft_mp_condition_release(a->c) == WEFT_OK);
    return 0;
}

Test(mp_condition, killed_lock_holder)
{
    death_arg a = { NULL, mp_shared(sizeof(atomic_int)) };
    WEFT_ASSERT_OK(weft_mp_condition_new(&a.c));
    pid_t waiter = mp_fork(wait_expect_died, &a);
    mp_await(a.flag, 1);
    pid_t holder = mp_fork(hold_cond_lock, &a); /* gets the lock once the waiter waits */
    mp_await(a.flag, 2);
    mp_kill(holder);
    WEFT_ASSERT_STATUS(weft_mp_condition_acquire(a.c, -1), WEFT_OWNER_DIED);
    WEFT_ASSERT_OK(weft_mp_condition_consistent(a.c));
    WEFT_ASSERT_OK(weft_mp_condition_release(a.c));
    /* The waiter was woken by the death, not by a notify. */
    mp_join_ok(waiter);
    WEFT_ASSERT_OK(weft_mp_condition_acquire(a.c, 0));
    WEFT_ASSERT_OK(weft_mp_condition_release(a.c));
    WEFT_ASSERT_OK(weft_mp_condition_free(a.c));
}

Test(mp_condition, killed_holder_of_a_given_lock)
{
    weft_mp_lock *l;
    death_arg a = { NULL, mp_shared(sizeof(atomic_int)) };
    WEFT_ASSERT_OK(weft_mp_lock_new(&l));
    WEFT_ASSERT_OK(weft_mp_condition_new_with_lock(&a.c, l));
    pid_t waiter = mp_fork(wait_expect_died, &a);
    mp_await(a.flag, 1);
    pid_t holder = mp_fork(hold_cond_lock, &a);
    mp_await(a.flag, 2);
    mp_kill(holder);
    /* Found through the lock's own handle: the condition hears of it too. */
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, -1), WEFT_OWNER_DIED);
    WEFT_ASSERT_OK(weft_mp_lock_consistent(l));
    WEFT_ASSERT_OK(weft_mp_lock_release(l));
    mp_join_ok(waiter);
    WEFT_ASSERT_OK(weft_mp_condition_free(a.c));
    WEFT_ASSERT_OK(weft_mp_lock_free(l));
}

Test(mp_condition, interrupted_wait)
{
    weft_mp_condition *c;
    WEFT_ASSERT_OK(weft_mp_condition_new(&c));
    WEFT_ASSERT_OK(weft_mp_condition_acquire(c, -1));
    pester p;
    mp_pester_start(&p);
    WEFT_ASSERT_STATUS(weft_mp_condition_wait(c, -1), WEFT_INTERRUPTED);
    int r = -1;
    WEFT_ASSERT_STATUS(weft_mp_condition_wait_for(c, never, NULL, -1, &r), WEFT_INTERRUPTED);
    cr_assert_eq(r, 0);
    mp_pester_stop(&p);
    /* Held again after the interrupted waits. */
    WEFT_ASSERT_OK(weft_mp_condition_release(c));
    WEFT_ASSERT_OK(weft_mp_condition_free(c));
}
