/* weft_threading_set_interruptible: a signal handler that runs during a
 * blocking call ends the call with WEFT_INTERRUPTED, the wait undone as a
 * timeout would undo it; with interruption off, waits run their course. */
#include "weft_test.h"
#include "pester.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static void interruptible(void)
{
    WEFT_TEST_LINUX_ONLY("waits on condition variables are not interrupted by signals");
    int old = -1;
    WEFT_ASSERT_OK(weft_threading_set_interruptible(1, &old));
    cr_assert_eq(old, 0);
}

Test(interrupt, lock_acquire)
{
    interruptible();
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_lock_acquire(l, -1));
    pester p;
    pester_start(&p);
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, -1), WEFT_INTERRUPTED);
    cr_assert(strstr(weft_errmsg(), "interrupted") != NULL, "%s", weft_errmsg());
    pester_stop(&p);
    /* Still held once, by us: one release frees it. */
    WEFT_ASSERT_OK(weft_lock_release(l));
    WEFT_ASSERT_OK(weft_lock_acquire(l, 0));
    WEFT_ASSERT_OK(weft_lock_release(l));
    weft_lock_free(l);
}

Test(interrupt, queue_get_leaves_the_queue_usable)
{
    interruptible();
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 1, NULL));
    pester p;
    pester_start(&p);
    void *item;
    WEFT_ASSERT_STATUS(weft_queue_get(q, -1, &item), WEFT_INTERRUPTED);
    WEFT_ASSERT_OK(weft_queue_put(q, (void *)1, 0));
    WEFT_ASSERT_STATUS(weft_queue_put(q, (void *)2, 5), WEFT_INTERRUPTED);
    pester_stop(&p);
    WEFT_ASSERT_OK(weft_queue_get(q, 0, &item));
    cr_assert_eq(item, (void *)1);
    WEFT_ASSERT_STATUS(weft_queue_get(q, 0, &item), WEFT_EMPTY); /* not INTERRUPTED */
    weft_queue_free(q);
}

Test(interrupt, condition_wait_holds_the_lock_again)
{
    interruptible();
    weft_condition *c;
    WEFT_ASSERT_OK(weft_condition_new(&c));
    WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
    pester p;
    pester_start(&p);
    WEFT_ASSERT_STATUS(weft_condition_wait(c, -1), WEFT_INTERRUPTED);
    pester_stop(&p);
    WEFT_ASSERT_OK(weft_condition_release(c)); /* ours again */
    weft_condition_free(c);
}

Test(interrupt, event_semaphore_future_simple_queue)
{
    interruptible();
    weft_event *e;
    weft_semaphore *s;
    weft_future *f;
    weft_simple_queue *sq;
    WEFT_ASSERT_OK(weft_event_new(&e));
    WEFT_ASSERT_OK(weft_semaphore_new(&s, 0));
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_simple_queue_new(&sq, NULL));
    pester p;
    pester_start(&p);
    void *v;
    WEFT_ASSERT_STATUS(weft_event_wait(e, -1), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(s, 10), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_future_result(f, -1, &v), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_simple_queue_get(sq, -1, &v), WEFT_INTERRUPTED);
    pester_stop(&p);
    /* Nothing was consumed or changed by the interrupted waits. */
    WEFT_ASSERT_OK(weft_semaphore_release(s, 1));
    WEFT_ASSERT_OK(weft_semaphore_acquire(s, 0));
    WEFT_ASSERT_OK(weft_future_set_result(f, (void *)7, NULL));
    WEFT_ASSERT_OK(weft_future_result(f, 0, &v));
    cr_assert_eq(v, (void *)7);
    weft_simple_queue_free(sq);
    weft_future_free(f);
    weft_semaphore_free(s);
    weft_event_free(e);
}

static void wait_event(void *arg, weft_outcome *o)
{
    (void)o;
    weft_event_wait(arg, -1);
}

Test(interrupt, join_and_barrier)
{
    interruptible();
    weft_event *go;
    WEFT_ASSERT_OK(weft_event_new(&go));
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, wait_event, go, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    weft_barrier *b;
    WEFT_ASSERT_OK(weft_barrier_new(&b, 2, NULL, NULL, NULL, -1));
    pester p;
    pester_start(&p);
    WEFT_ASSERT_STATUS(weft_thread_join(t, -1), WEFT_INTERRUPTED);
    size_t index;
    WEFT_ASSERT_STATUS(weft_barrier_wait(b, -1, &index), WEFT_INTERRUPTED);
    pester_stop(&p);
    /* The barrier is left, not broken, as Python's wait() leaves it. */
    int broken = 1;
    size_t waiting = 1;
    WEFT_ASSERT_OK(weft_barrier_broken(b, &broken));
    WEFT_ASSERT_OK(weft_barrier_n_waiting(b, &waiting));
    cr_assert_eq(broken, 0);
    cr_assert_eq(waiting, 0);
    WEFT_ASSERT_OK(weft_event_set(go));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    weft_thread_free(t);
    weft_barrier_free(b);
    weft_event_free(go);
}

Test(interrupt, child_wait)
{
    interruptible();
    weft_popen *pp;
    const char *argv[] = { "sleep", "10", NULL };
    WEFT_ASSERT_OK(weft_popen_new(&pp, argv, NULL));
    pester p;
    pester_start(&p);
    int rc;
    WEFT_ASSERT_STATUS(weft_popen_wait(pp, -1, &rc), WEFT_INTERRUPTED);
    pester_stop(&p);
    WEFT_ASSERT_OK(weft_popen_kill(pp));
    WEFT_ASSERT_OK(weft_popen_wait(pp, -1, &rc));
    cr_assert_eq(rc, -SIGKILL);
    weft_popen_free(pp);
}

Test(interrupt, off_by_default_waits_run_their_course)
{
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_lock_acquire(l, -1));
    atomic_store(&pester_handled, 0);
    pester p;
    pester_start(&p);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, 0.3), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.3);
    pester_stop(&p);
    cr_assert_gt(atomic_load(&pester_handled), 0, "no signal arrived during the wait");
    WEFT_ASSERT_OK(weft_lock_release(l));
    weft_lock_free(l);
    int old = -1;
    WEFT_ASSERT_OK(weft_threading_set_interruptible(0, &old));
    cr_assert_eq(old, 0);
}

Test(interrupt, executor_shutdown_can_be_waited_for_again)
{
    interruptible();
    weft_event *go;
    WEFT_ASSERT_OK(weft_event_new(&go));
    weft_executor *ex;
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, NULL));
    weft_future *f;
    WEFT_ASSERT_OK(weft_executor_submit(ex, wait_event, go, NULL, &f));
    pester p;
    pester_start(&p);
    WEFT_ASSERT_STATUS(weft_executor_shutdown(ex, 1, 0), WEFT_INTERRUPTED);
    pester_stop(&p);
    WEFT_ASSERT_OK(weft_event_set(go));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0)); /* waits for the rest */
    int done = 0;
    WEFT_ASSERT_OK(weft_future_done(f, &done));
    cr_assert(done);
    weft_future_free(f);
    weft_executor_free(ex);
    weft_event_free(go);
}
