/* threading.Barrier: indices, the action, reuse, timeouts, abort, reset, the
 * broken state and bad input. */
#include "sync_test.h"

#include <stdlib.h>

typedef struct party {
    weft_barrier *b;
    double timeout;
    weft_status st;
    size_t index;
} party;

static void *pass_once(void *arg)
{
    party *p = arg;
    p->st = weft_barrier_wait(p->b, p->timeout, &p->index);
    return NULL;
}

static int action_runs;
static void count_action(void *arg, weft_outcome *o)
{
    (void)o;
    (*(int *)arg)++;
}

static int freed_args;
static void free_counted(void *arg)
{
    (void)arg;
    freed_args++;
}

Test(barrier, indices_and_action)
{
    weft_barrier *b = NULL;
    action_runs = 0;
    freed_args = 0;
    WEFT_ASSERT_OK(weft_barrier_new(&b, 3, count_action, &action_runs, free_counted, -1));
    size_t n = 99;
    WEFT_ASSERT_OK(weft_barrier_parties(b, &n));
    cr_assert_eq(n, 3);
    WEFT_ASSERT_OK(weft_barrier_n_waiting(b, &n));
    cr_assert_eq(n, 0);
    party p[3];
    sync_threads t = { 0 };
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 2; i++) {
            p[i] = (party){ b, -1, WEFT_EINVAL, 99 };
            sync_start(&t, pass_once, &p[i]);
        }
        for (;;) { /* n_waiting counts the threads inside the filling round */
            WEFT_ASSERT_OK(weft_barrier_n_waiting(b, &n));
            if (n == 2)
                break;
            sync_nap(0.001);
        }
        size_t mine = 99;
        WEFT_ASSERT_OK(weft_barrier_wait(b, 5.0, &mine));
        cr_assert_eq(mine, 2, "the last arrival gets parties-1");
        sync_join(&t);
        int seen = 0;
        for (int i = 0; i < 2; i++) {
            cr_assert_eq(p[i].st, WEFT_OK);
            cr_assert_lt(p[i].index, 2);
            seen |= 1 << p[i].index;
        }
        cr_assert_eq(seen, 3, "indices 0 and 1 each given once");
        cr_assert_eq(action_runs, round + 1);
    }
    int broken = 1;
    WEFT_ASSERT_OK(weft_barrier_broken(b, &broken));
    cr_assert_eq(broken, 0);
    WEFT_ASSERT_OK(weft_barrier_free(b));
    cr_assert_eq(freed_args, 1, "free_arg runs once, when the barrier goes");
}

Test(barrier, single_party_passes_at_once)
{
    weft_barrier *b;
    action_runs = 0;
    WEFT_ASSERT_OK(weft_barrier_new(&b, 1, count_action, &action_runs, NULL, -1));
    size_t idx = 9;
    WEFT_ASSERT_OK(weft_barrier_wait(b, 0, &idx));
    cr_assert_eq(idx, 0);
    WEFT_ASSERT_OK(weft_barrier_wait(b, -1, NULL));
    cr_assert_eq(action_runs, 2);
    WEFT_ASSERT_OK(weft_barrier_free(b));
}

Test(barrier, timeout_breaks_it_for_everyone)
{
    weft_barrier *b;
    WEFT_ASSERT_OK(weft_barrier_new(&b, 3, NULL, NULL, NULL, -1));
    party other = { b, -1, WEFT_EINVAL, 99 };
    sync_threads t = { 0 };
    sync_start(&t, pass_once, &other);
    double t0 = weft_test_now();
    size_t idx = 77;
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, 0.05, &idx), WEFT_BROKEN);
    cr_assert_geq(weft_test_now() - t0, 0.05 - SYNC_SLACK);
    cr_assert_eq(idx, 77, "index untouched on failure");
    sync_join(&t);
    cr_assert_eq(other.st, WEFT_BROKEN);
    int broken = 0;
    WEFT_ASSERT_OK(weft_barrier_broken(b, &broken));
    cr_assert_eq(broken, 1);
    size_t n = 9;
    WEFT_ASSERT_OK(weft_barrier_n_waiting(b, &n));
    cr_assert_eq(n, 0);
    /* Broken stays broken until reset. */
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, -1, NULL), WEFT_BROKEN);
    WEFT_ASSERT_OK(weft_barrier_reset(b));
    WEFT_ASSERT_OK(weft_barrier_broken(b, &broken));
    cr_assert_eq(broken, 0);
    WEFT_ASSERT_OK(weft_barrier_free(b));
}

Test(barrier, default_timeout_applies_to_negative)
{
    weft_barrier *b;
    WEFT_ASSERT_OK(weft_barrier_new(&b, 2, NULL, NULL, NULL, 0.05));
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, -1, NULL), WEFT_BROKEN);
    cr_assert_geq(weft_test_now() - t0, 0.05 - SYNC_SLACK);
    WEFT_ASSERT_OK(weft_barrier_reset(b));
    /* timeout 0 for a barrier that is not full: breaks at once. */
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, 0, NULL), WEFT_BROKEN);
    WEFT_ASSERT_OK(weft_barrier_free(b));
}

/* Starts two of a 3-party barrier's parties and returns once both wait. */
static void two_waiting(weft_barrier *b, party p[2], sync_threads *t)
{
    for (int i = 0; i < 2; i++) {
        p[i] = (party){ b, -1, WEFT_EINVAL, 0 };
        sync_start(t, pass_once, &p[i]);
    }
    size_t n = 0;
    while (n < 2) {
        WEFT_ASSERT_OK(weft_barrier_n_waiting(b, &n));
        sync_nap(0.001);
    }
}

/* Fills a 3-party barrier again (two parties and this thread): it passes. */
static void passes_again(weft_barrier *b, party p[2], sync_threads *t)
{
    for (int i = 0; i < 2; i++) {
        p[i] = (party){ b, -1, WEFT_EINVAL, 0 };
        sync_start(t, pass_once, &p[i]);
    }
    WEFT_ASSERT_OK(weft_barrier_wait(b, 5.0, NULL));
    sync_join(t);
    cr_assert_eq(p[0].st, WEFT_OK);
    cr_assert_eq(p[1].st, WEFT_OK);
}

Test(barrier, abort_breaks_waiters_and_later_arrivals)
{
    weft_barrier *b;
    WEFT_ASSERT_OK(weft_barrier_new(&b, 3, NULL, NULL, NULL, -1));
    party p[2];
    sync_threads t = { 0 };
    two_waiting(b, p, &t);
    WEFT_ASSERT_OK(weft_barrier_abort(b));
    sync_join(&t);
    cr_assert_eq(p[0].st, WEFT_BROKEN);
    cr_assert_eq(p[1].st, WEFT_BROKEN);
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, 1.0, NULL), WEFT_BROKEN);
    int broken = 0;
    WEFT_ASSERT_OK(weft_barrier_broken(b, &broken));
    cr_assert_eq(broken, 1);
    /* After a reset the barrier works again. */
    WEFT_ASSERT_OK(weft_barrier_reset(b));
    passes_again(b, p, &t);
    WEFT_ASSERT_OK(weft_barrier_free(b));
}

Test(barrier, reset_while_waiting_breaks_waiters_then_reopens)
{
    weft_barrier *b;
    WEFT_ASSERT_OK(weft_barrier_new(&b, 3, NULL, NULL, NULL, -1));
    party p[2];
    sync_threads t = { 0 };
    two_waiting(b, p, &t);
    WEFT_ASSERT_OK(weft_barrier_reset(b));
    sync_join(&t);
    cr_assert_eq(p[0].st, WEFT_BROKEN);
    cr_assert_eq(p[1].st, WEFT_BROKEN);
    int broken = 1;
    WEFT_ASSERT_OK(weft_barrier_broken(b, &broken));
    cr_assert_eq(broken, 0, "a reset barrier is not broken once its waiters left");
    passes_again(b, p, &t);
    WEFT_ASSERT_OK(weft_barrier_free(b));
}

static void failing_action(void *arg, weft_outcome *o)
{
    (void)arg;
    cr_assert_eq(weft_outcome_set_error(o, WEFT_LOOKUP, "action went wrong", malloc(16), free), WEFT_OK);
}

Test(barrier, failing_action_breaks_the_barrier)
{
    weft_barrier *b;
    WEFT_ASSERT_OK(weft_barrier_new(&b, 2, failing_action, NULL, NULL, -1));
    party other = { b, -1, WEFT_EINVAL, 0 };
    sync_threads t = { 0 };
    sync_start(&t, pass_once, &other);
    size_t n = 0;
    while (n < 1) {
        WEFT_ASSERT_OK(weft_barrier_n_waiting(b, &n));
        sync_nap(0.001);
    }
    /* The thread that ran the action gets the action's failure, as Python
     * re-raises the action's exception there; the others get BROKEN. */
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, 5.0, NULL), WEFT_LOOKUP);
    cr_assert(strstr(weft_errmsg(), "action went wrong") != NULL, "%s", weft_errmsg());
    sync_join(&t);
    cr_assert_eq(other.st, WEFT_BROKEN);
    int broken = 0;
    WEFT_ASSERT_OK(weft_barrier_broken(b, &broken));
    cr_assert_eq(broken, 1);
    WEFT_ASSERT_OK(weft_barrier_free(b));
}

/* The action may read the barrier's properties (Python's take no lock). */
static void inspecting_action(void *arg, weft_outcome *o)
{
    weft_barrier *b = *(weft_barrier **)arg;
    size_t n = 99, parties = 0;
    int broken = 1;
    cr_assert_eq(weft_barrier_n_waiting(b, &n), WEFT_OK);
    cr_assert_eq(weft_barrier_parties(b, &parties), WEFT_OK);
    cr_assert_eq(weft_barrier_broken(b, &broken), WEFT_OK);
    cr_assert_eq(n, parties);
    cr_assert_eq(broken, 0);
    cr_assert_eq(weft_outcome_set_value(o, malloc(8), free), WEFT_OK); /* a value is dropped */
}

Test(barrier, action_may_read_properties)
{
    weft_barrier *b;
    WEFT_ASSERT_OK(weft_barrier_new(&b, 2, inspecting_action, &b, NULL, -1));
    party other = { b, -1, WEFT_EINVAL, 0 };
    sync_threads t = { 0 };
    sync_start(&t, pass_once, &other);
    WEFT_ASSERT_OK(weft_barrier_wait(b, 5.0, NULL));
    sync_join(&t);
    cr_assert_eq(other.st, WEFT_OK);
    WEFT_ASSERT_OK(weft_barrier_free(b));
}

Test(barrier, bad_input)
{
    weft_barrier *b;
    size_t n;
    int v;
    freed_args = 0;
    WEFT_ASSERT_STATUS(weft_barrier_new(NULL, 2, NULL, NULL, NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_new(&b, 0, NULL, NULL, NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_new(&b, 2, NULL, NULL, free_counted, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_new(&b, 2, NULL, NULL, free_counted, 1e12), WEFT_OVERFLOW);
    cr_assert_eq(freed_args, 0, "a failed constructor leaves the argument to the caller");
    WEFT_ASSERT_OK(weft_barrier_free(NULL));
    WEFT_ASSERT_STATUS(weft_barrier_wait(NULL, -1, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_reset(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_abort(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_parties(NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_n_waiting(NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_broken(NULL, &v), WEFT_EINVAL);

    WEFT_ASSERT_OK(weft_barrier_new(&b, 2, NULL, NULL, NULL, -1));
    WEFT_ASSERT_STATUS(weft_barrier_parties(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_n_waiting(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_broken(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, NAN, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, 1e12, NULL), WEFT_OVERFLOW);
    /* A refused wait did not join the round. */
    WEFT_ASSERT_OK(weft_barrier_n_waiting(b, &n));
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_barrier_broken(b, &v));
    cr_assert_eq(v, 0);
    weft_event *e;
    WEFT_ASSERT_OK(weft_event_new(&e));
    WEFT_ASSERT_STATUS(weft_barrier_wait((weft_barrier *)e, -1, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_free((weft_barrier *)e), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_event_free(e));
    WEFT_ASSERT_OK(weft_barrier_free(b));
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_reset(b), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_abort(b), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_parties(b, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_barrier_free(b), WEFT_EINVAL);
}
