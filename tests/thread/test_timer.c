/* Timers: fire once after the interval, or never when cancelled; the
 * argument is freed exactly once either way. */
#include "weft_test.h"
#include "gate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static atomic_int ran, freed;
static double fired_at;

static void fire(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    fired_at = weft_test_now();
    atomic_fetch_add(&ran, 1);
}

static void count_free(void *p)
{
    atomic_fetch_add(&freed, 1);
    free(p);
}

Test(timer, fires_once_after_the_interval)
{
    weft_timer *t;
    WEFT_ASSERT_OK(weft_timer_new(&t, 0.05, fire, malloc(4), count_free));
    double t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_timer_start(t));
    WEFT_ASSERT_OK(weft_timer_join(t, -1));
    cr_assert_eq(atomic_load(&ran), 1);
    cr_assert_geq(fired_at - t0, 0.05);
    cr_assert_eq(atomic_load(&freed), 1);
    int cancelled = -1;
    WEFT_ASSERT_OK(weft_timer_cancel(t, &cancelled));
    cr_assert_eq(cancelled, 0, "too late: it fired");
    WEFT_ASSERT_STATUS(weft_timer_start(t), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_timer_free(t));
    cr_assert_eq(atomic_load(&freed), 1);
}

Test(timer, cancel_before_firing)
{
    weft_timer *t;
    WEFT_ASSERT_OK(weft_timer_new(&t, 30, fire, malloc(4), count_free));
    WEFT_ASSERT_OK(weft_timer_start(t));
    WEFT_ASSERT_STATUS(weft_timer_join(t, 0.02), WEFT_TIMEOUT);
    int cancelled = -1;
    WEFT_ASSERT_OK(weft_timer_cancel(t, &cancelled));
    cr_assert_eq(cancelled, 1);
    cr_assert_eq(atomic_load(&freed), 1, "cancel freed the argument");
    /* The wait is a deadline wait that cancel ends: the thread ends now, not
     * after 30 s (the join's own limit is only a safety net). */
    WEFT_ASSERT_OK(weft_timer_join(t, 20));
    cr_assert_eq(atomic_load(&ran), 0);
    WEFT_ASSERT_OK(weft_timer_cancel(t, &cancelled));
    cr_assert_eq(cancelled, 0, "already cancelled");
    WEFT_ASSERT_OK(weft_timer_cancel(t, NULL));
    WEFT_ASSERT_OK(weft_timer_free(t));
    cr_assert_eq(atomic_load(&freed), 1);
}

Test(timer, cancel_before_start)
{
    weft_timer *t;
    WEFT_ASSERT_OK(weft_timer_new(&t, 0, fire, malloc(4), count_free));
    int cancelled;
    WEFT_ASSERT_OK(weft_timer_cancel(t, &cancelled));
    cr_assert_eq(cancelled, 1);
    cr_assert_eq(atomic_load(&freed), 1);
    WEFT_ASSERT_OK(weft_timer_start(t));
    WEFT_ASSERT_OK(weft_timer_join(t, -1));
    cr_assert_eq(atomic_load(&ran), 0);
    WEFT_ASSERT_OK(weft_timer_free(t));
    cr_assert_eq(atomic_load(&freed), 1);
}

Test(timer, never_started_timer_frees_its_argument)
{
    weft_timer *t;
    WEFT_ASSERT_OK(weft_timer_new(&t, 1, fire, malloc(4), count_free));
    WEFT_ASSERT_STATUS(weft_timer_join(t, 0), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_timer_free(t));
    cr_assert_eq(atomic_load(&freed), 1);
    cr_assert_eq(atomic_load(&ran), 0);
}

Test(timer, negative_interval_fires_at_once)
{
    weft_timer *t;
    WEFT_ASSERT_OK(weft_timer_new(&t, -5, fire, NULL, NULL));
    WEFT_ASSERT_OK(weft_timer_start(t));
    WEFT_ASSERT_OK(weft_timer_join(t, -1));
    cr_assert_eq(atomic_load(&ran), 1);
    weft_timer_free(t);
}

Test(timer, freed_while_waiting_still_fires)
{
    weft_timer *t;
    WEFT_ASSERT_OK(weft_timer_new(&t, 0.01, fire, malloc(4), count_free));
    WEFT_ASSERT_OK(weft_timer_start(t));
    weft_thread *th;
    WEFT_ASSERT_OK(weft_timer_thread(t, &th));
    WEFT_ASSERT_OK(weft_timer_free(t));
    WEFT_ASSERT_OK(weft_thread_join(th, -1));
    cr_assert_eq(atomic_load(&ran), 1);
    cr_assert_eq(atomic_load(&freed), 1);
    weft_thread_free(th);
}

Test(timer, is_a_thread)
{
    gate never = GATE_INIT;
    (void)never;
    weft_timer *t;
    WEFT_ASSERT_OK(weft_timer_new(&t, 30, fire, NULL, NULL));
    weft_thread *th;
    WEFT_ASSERT_OK(weft_timer_thread(t, &th));
    char *name;
    WEFT_ASSERT_OK(weft_thread_name(th, &name));
    cr_assert(strncmp(name, "Thread-", 7) == 0, "%s", name);
    weft_free(name);
    WEFT_ASSERT_OK(weft_thread_set_name(th, "my-timer"));
    WEFT_ASSERT_OK(weft_thread_set_daemon(th, 1));
    int flag;
    WEFT_ASSERT_OK(weft_thread_is_alive(th, &flag));
    cr_assert_eq(flag, 0);
    WEFT_ASSERT_OK(weft_timer_start(t));
    WEFT_ASSERT_OK(weft_thread_is_alive(th, &flag));
    cr_assert_eq(flag, 1);
    WEFT_ASSERT_STATUS(weft_thread_start(th), WEFT_RUNTIME);
    weft_thread **all;
    size_t n;
    bool found = false;
    WEFT_ASSERT_OK(weft_threading_enumerate(&all, &n));
    for (size_t i = 0; i < n; i++)
        found |= all[i] == th;
    weft_thread_list_free(all, n);
    cr_assert(found);
    WEFT_ASSERT_OK(weft_timer_cancel(t, NULL));
    WEFT_ASSERT_OK(weft_thread_join(th, -1));
    WEFT_ASSERT_OK(weft_thread_is_alive(th, &flag));
    cr_assert_eq(flag, 0);
    weft_thread_free(th);
    weft_timer_free(t);
}

Test(timer, bad_arguments_and_handles)
{
    weft_timer *t = NULL;
    WEFT_ASSERT_STATUS(weft_timer_new(NULL, 1, fire, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_timer_new(&t, 1, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_timer_new(&t, NAN, fire, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_timer_new(&t, WEFT_TIMEOUT_MAX * 4, fire, NULL, NULL), WEFT_OVERFLOW);
    cr_assert_null(t);
    WEFT_ASSERT_OK(weft_timer_free(NULL));
    WEFT_ASSERT_STATUS(weft_timer_start(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_timer_cancel(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_timer_join(NULL, 0), WEFT_EINVAL);
    weft_thread *th;
    WEFT_ASSERT_STATUS(weft_timer_thread(NULL, &th), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_timer_new(&t, 1, fire, NULL, NULL));
    WEFT_ASSERT_STATUS(weft_timer_thread(t, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_timer_join(t, NAN), WEFT_RUNTIME); /* not started comes first */
    WEFT_ASSERT_OK(weft_timer_start(t));
    WEFT_ASSERT_STATUS(weft_timer_join(t, NAN), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_timer_cancel(t, NULL));
    WEFT_ASSERT_OK(weft_timer_join(t, -1));
    WEFT_ASSERT_OK(weft_timer_free(t));
    WEFT_ASSERT_STATUS(weft_timer_cancel(t, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_timer_free(t), WEFT_EINVAL);
    /* A thread handle is not a timer. */
    WEFT_ASSERT_OK(weft_thread_new(&th, NULL, fire, NULL, NULL));
    WEFT_ASSERT_STATUS(weft_timer_cancel((weft_timer *)th, NULL), WEFT_EINVAL);
    weft_thread_free(th);
}

static void exits(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    atomic_fetch_add(&ran, 1);
    weft_threading_exit();
}

Test(timer, function_may_exit_the_thread)
{
    weft_timer *t;
    WEFT_ASSERT_OK(weft_timer_new(&t, 0, exits, malloc(4), count_free));
    WEFT_ASSERT_OK(weft_timer_start(t));
    WEFT_ASSERT_OK(weft_timer_join(t, -1));
    cr_assert_eq(atomic_load(&ran), 1);
    cr_assert_eq(atomic_load(&freed), 1, "freed when the thread ended, not when the timer is freed");
    WEFT_ASSERT_OK(weft_timer_free(t));
    cr_assert_eq(atomic_load(&freed), 1);
}
