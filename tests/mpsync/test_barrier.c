/* weft_mp_barrier: rounds across processes, breaking, resetting, the
 * action, placement, and a waiting party's death. */
#include "mp_test.h"

#include <math.h>

static void count_action(void *arg, weft_outcome *o)
{
    (void)o;
    atomic_fetch_add((atomic_int *)arg, 1);
}

static void failing_action(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_outcome_set_error(o, WEFT_FAILED, "action refused", NULL, NULL);
}

Test(mp_barrier, basics)
{
    weft_mp_barrier *b;
    size_t n, index = 99;
    int broken = -1;
    atomic_int *runs = mp_shared(sizeof(atomic_int));
    WEFT_ASSERT_OK(weft_mp_barrier_new(&b, 1, count_action, runs, NULL, -1));
    WEFT_ASSERT_OK(weft_mp_barrier_parties(b, &n));
    cr_assert_eq(n, 1);
    WEFT_ASSERT_OK(weft_mp_barrier_wait(b, -1, &index));
    cr_assert_eq(index, 0);
    WEFT_ASSERT_OK(weft_mp_barrier_wait(b, 0, NULL));
    cr_assert_eq(atomic_load(runs), 2);
    WEFT_ASSERT_OK(weft_mp_barrier_n_waiting(b, &n));
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_mp_barrier_broken(b, &broken));
    cr_assert_eq(broken, 0);
    WEFT_ASSERT_OK(weft_mp_barrier_abort(b));
    WEFT_ASSERT_OK(weft_mp_barrier_broken(b, &broken));
    cr_assert_eq(broken, 1);
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(b, -1, NULL), WEFT_BROKEN);
    WEFT_ASSERT_OK(weft_mp_barrier_reset(b));
    WEFT_ASSERT_OK(weft_mp_barrier_wait(b, -1, NULL));
    WEFT_ASSERT_OK(weft_mp_barrier_free(b));
}

Test(mp_barrier, timeout_breaks)
{
    weft_mp_barrier *b;
    int broken;
    WEFT_ASSERT_OK(weft_mp_barrier_new(&b, 2, NULL, NULL, NULL, 0.05));
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(b, -1, NULL), WEFT_BROKEN); /* the default timeout */
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_OK(weft_mp_barrier_broken(b, &broken));
    cr_assert_eq(broken, 1);
    WEFT_ASSERT_OK(weft_mp_barrier_reset(b));
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(b, 0, NULL), WEFT_BROKEN);
    WEFT_ASSERT_OK(weft_mp_barrier_reset(b));
    WEFT_ASSERT_OK(weft_mp_barrier_broken(b, &broken));
    cr_assert_eq(broken, 0);
    WEFT_ASSERT_OK(weft_mp_barrier_free(b));
}

Test(mp_barrier, failing_action)
{
    weft_mp_barrier *b;
    WEFT_ASSERT_OK(weft_mp_barrier_new(&b, 1, failing_action, NULL, NULL, -1));
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(b, -1, NULL), WEFT_FAILED);
    cr_assert(strstr(weft_errmsg(), "action refused") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(b, -1, NULL), WEFT_BROKEN);
    WEFT_ASSERT_OK(weft_mp_barrier_free(b));
}

static atomic_int freed;

static void free_arg(void *p)
{
    (void)p;
    atomic_fetch_add(&freed, 1);
}

Test(mp_barrier, bad_arguments)
{
    weft_mp_barrier *b;
    size_t n;
    int broken;
    WEFT_ASSERT_STATUS(weft_mp_barrier_new(NULL, 1, NULL, NULL, NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_new(&b, 0, NULL, NULL, NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_new(&b, WEFT_MP_BARRIER_PARTIES_MAX + 1, NULL, NULL, NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_new(&b, 2, NULL, NULL, NULL, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_new(&b, 2, NULL, NULL, NULL, 1e300), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_mp_barrier_size(0, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_size(2, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_barrier_free(NULL));
    WEFT_ASSERT_OK(weft_mp_barrier_new(&b, WEFT_MP_BARRIER_PARTIES_MAX, NULL, (void *)1, free_arg, -1));
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(b, NAN, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(b, 1e300, NULL), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_mp_barrier_parties(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_n_waiting(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_broken(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_barrier_free(b));
    cr_assert_eq(atomic_load(&freed), 1);
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(b, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_reset(b), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_abort(b), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_parties(b, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_n_waiting(b, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_broken(b, &broken), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_free(b), WEFT_EINVAL);
}

Test(mp_barrier, placement)
{
    size_t size, n;
    WEFT_ASSERT_OK(weft_mp_barrier_size(3, &size));
    char *mem = mp_shared(8192);
    weft_mp_barrier *b, *a;
    WEFT_ASSERT_STATUS(weft_mp_barrier_new_at(&b, mem, size - 1, 3, NULL, NULL, NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_new_at(&b, NULL, size, 3, NULL, NULL, NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_new_at(&b, mem, size, 0, NULL, NULL, NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_barrier_attach(&a, mem, size), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_barrier_new_at(&b, mem, size, 3, NULL, NULL, NULL, -1));
    WEFT_ASSERT_STATUS(weft_mp_barrier_attach(&a, mem, size - 1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_barrier_attach(&a, mem, size));
    WEFT_ASSERT_OK(weft_mp_barrier_parties(a, &n));
    cr_assert_eq(n, 3);
    WEFT_ASSERT_OK(weft_mp_barrier_free(b));
    WEFT_ASSERT_OK(weft_mp_barrier_free(a));
    munmap(mem, 8192);
}

/* ---- across processes ----------------------------------------------------------- */

enum { PARTIES = 4, ROUNDS = 20 };

typedef struct {
    weft_mp_barrier *b;
    atomic_int *seen;      /* [ROUNDS][PARTIES]: which indexes each round gave */
    atomic_int *flag;
} round_arg;

static int run_rounds(void *p)
{
    round_arg *a = p;
    for (int r = 0; r < ROUNDS; r++) {
        size_t index;
        MP_CHILD_CHECK(weft_mp_barrier_wait(a->b, -1, &index) == WEFT_OK);
        MP_CHILD_CHECK(index < PARTIES);
        atomic_fetch_add(&a->seen[r * PARTIES + index], 1);
    }
    return 0;
}

Test(mp_barrier, rounds_across_processes)
{
    atomic_int *runs = mp_shared(sizeof(atomic_int));
    round_arg a = { NULL, mp_shared(ROUNDS * PARTIES * sizeof(atomic_int)), NULL };
    WEFT_ASSERT_OK(weft_mp_barrier_new(&a.b, PARTIES, count_action, runs, NULL, -1));
    pid_t pids[PARTIES - 1];
    for (int i = 0; i < PARTIES - 1; i++)
        pids[i] = mp_fork(run_rounds, &a);
    cr_assert_eq(run_rounds(&a), 0);
    for (int i = 0; i < PARTIES - 1; i++)
        mp_join_ok(pids[i]);
    for (int i = 0; i < ROUNDS * PARTIES; i++)
        cr_assert_eq(atomic_load(&a.seen[i]), 1, "round %d index %d", i / PARTIES, i % PARTIES);
    /* The action ran once a round, in whichever process came last. */
    cr_assert_eq(atomic_load(runs), ROUNDS);
    WEFT_ASSERT_OK(weft_mp_barrier_free(a.b));
}

static int wait_expect_broken(void *p)
{
    round_arg *a = p;
    atomic_fetch_add(a->flag, 1);
    MP_CHILD_CHECK(weft_mp_barrier_wait(a->b, -1, NULL) == WEFT_BROKEN);
    return 0;
}

static int wait_forever(void *p)
{
    round_arg *a = p;
    atomic_fetch_add(a->flag, 1);
    (void)weft_mp_barrier_wait(a->b, -1, NULL);
    for (;;)
        pause();
    return 0;
}

static int wait_then_exit(void *p)
{
    round_arg *a = p;
    MP_CHILD_CHECK(weft_mp_barrier_wait(a->b, -1, NULL) == WEFT_OK);
    return 0;
}

Test(mp_barrier, killed_party)
{
    round_arg a = { NULL, NULL, mp_shared(sizeof(atomic_int)) };
    size_t n;
    WEFT_ASSERT_OK(weft_mp_barrier_new(&a.b, 3, NULL, NULL, NULL, -1));
    pid_t doomed = mp_fork(wait_forever, &a);
    pid_t other = mp_fork(wait_expect_broken, &a);
    mp_await(a.flag, 2);
    do {
        mp_nap(0.001);
        WEFT_ASSERT_OK(weft_mp_barrier_n_waiting(a.b, &n));
    } while (n < 2);
    mp_let_block(other);
    mp_kill(doomed);
    /* The other waiter's watcher saw the death and broke the barrier. */
    mp_join_ok(other);
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(a.b, -1, NULL), WEFT_BROKEN);
    /* Reset, the barrier serves three live parties again. */
    WEFT_ASSERT_OK(weft_mp_barrier_reset(a.b));
    WEFT_ASSERT_OK(weft_mp_barrier_n_waiting(a.b, &n));
    cr_assert_eq(n, 0);
    pid_t fresh[2];
    atomic_store(a.flag, 0);
    for (int i = 0; i < 2; i++)
        fresh[i] = mp_fork(wait_then_exit, &a);
    WEFT_ASSERT_OK(weft_mp_barrier_wait(a.b, -1, NULL));
    for (int i = 0; i < 2; i++)
        mp_join_ok(fresh[i]);
    WEFT_ASSERT_OK(weft_mp_barrier_free(a.b));
}

Test(mp_barrier, party_dead_before_the_last_arrives)
{
    /* The dead party's slot is found by the next arrival, who breaks it. */
    round_arg a = { NULL, NULL, mp_shared(sizeof(atomic_int)) };
    size_t n;
    WEFT_ASSERT_OK(weft_mp_barrier_new(&a.b, 3, NULL, NULL, NULL, -1));
    pid_t doomed = mp_fork(wait_forever, &a);
    do {
        mp_nap(0.001);
        WEFT_ASSERT_OK(weft_mp_barrier_n_waiting(a.b, &n));
    } while (n < 1);
    mp_kill(doomed);
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(a.b, -1, NULL), WEFT_BROKEN);
    WEFT_ASSERT_OK(weft_mp_barrier_reset(a.b));
    WEFT_ASSERT_OK(weft_mp_barrier_free(a.b));
}

Test(mp_barrier, interrupted_wait)
{
    weft_mp_barrier *b;
    int broken;
    WEFT_ASSERT_OK(weft_mp_barrier_new(&b, 2, NULL, NULL, NULL, -1));
    pester p;
    mp_pester_start(&p);
    WEFT_ASSERT_STATUS(weft_mp_barrier_wait(b, -1, NULL), WEFT_INTERRUPTED);
    mp_pester_stop(&p);
    WEFT_ASSERT_OK(weft_mp_barrier_broken(b, &broken));
    cr_assert_eq(broken, 1);
    WEFT_ASSERT_OK(weft_mp_barrier_free(b));
}
