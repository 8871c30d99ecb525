/* Future: states, results, failures, cancellation, callbacks, bad handles. */
#include "weft_test.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int freed;
static void count_free(void *p)
{
    (void)p;
    atomic_fetch_add(&freed, 1);
}

Test(future, new_is_pending)
{
    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    int v = -1;
    WEFT_ASSERT_OK(weft_future_done(f, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_OK(weft_future_running(f, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_OK(weft_future_cancelled(f, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_OK(weft_future_free(f));
    WEFT_ASSERT_STATUS(weft_future_new(NULL), WEFT_EINVAL);
}

Test(future, set_result_and_read)
{
    weft_future *f;
    int value = 42;
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_set_result(f, &value, NULL));
    void *got = NULL;
    WEFT_ASSERT_OK(weft_future_result(f, 0, &got));
    cr_assert_eq(got, &value);
    WEFT_ASSERT_OK(weft_future_result(f, -1, NULL));
    weft_status code = WEFT_FAILED;
    const char *msg = "x";
    void *payload = &value;
    WEFT_ASSERT_OK(weft_future_exception(f, 0, &code, &msg, &payload));
    cr_assert_eq(code, WEFT_OK);
    cr_assert_null(msg);
    cr_assert_null(payload);
    int v;
    WEFT_ASSERT_OK(weft_future_done(f, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_future_free(f));
}

Test(future, set_twice_is_invalid_state)
{
    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_future_set_result(f, (void *)1, count_free));
    WEFT_ASSERT_STATUS(weft_future_set_result(f, (void *)2, count_free), WEFT_INVALID_STATE);
    WEFT_ASSERT_STATUS(weft_future_set_exception(f, WEFT_FAILED, "no", (void *)3, count_free),
                       WEFT_INVALID_STATE);
    cr_assert_eq(atomic_load(&freed), 0, "a refused value stays the caller's");
    WEFT_ASSERT_OK(weft_future_free(f));
    cr_assert_eq(atomic_load(&freed), 1, "the value is freed with the future");

    WEFT_ASSERT_OK(weft_future_new(&f));
    int c;
    WEFT_ASSERT_OK(weft_future_cancel(f, &c));
    WEFT_ASSERT_STATUS(weft_future_set_result(f, NULL, NULL), WEFT_INVALID_STATE);
    WEFT_ASSERT_STATUS(weft_future_set_exception(f, WEFT_FAILED, NULL, NULL, NULL), WEFT_INVALID_STATE);
    WEFT_ASSERT_OK(weft_future_free(f));
}

Test(future, exception_carries_code_message_payload)
{
    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_future_set_exception(f, WEFT_LOOKUP, "no such key 'k'", (void *)7, count_free));
    void *got = (void *)1;
    WEFT_ASSERT_STATUS(weft_future_result(f, -1, &got), WEFT_LOOKUP);
    cr_assert_eq(got, (void *)1, "value untouched on failure");
    cr_assert_str_eq(weft_errmsg(), "no such key 'k'");
    weft_status code;
    const char *msg;
    void *payload;
    WEFT_ASSERT_OK(weft_future_exception(f, 1.0, &code, &msg, &payload));
    cr_assert_eq(code, WEFT_LOOKUP);
    cr_assert_str_eq(msg, "no such key 'k'");
    cr_assert_eq(payload, (void *)7);
    WEFT_ASSERT_OK(weft_future_free(f));
    cr_assert_eq(atomic_load(&freed), 1);

    /* WEFT_OK as a failure code becomes WEFT_FAILED; no message gives the status text. */
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_set_exception(f, WEFT_OK, NULL, NULL, NULL));
    WEFT_ASSERT_STATUS(weft_future_result(f, 0, NULL), WEFT_FAILED);
    cr_assert_str_eq(weft_errmsg(), weft_strerror(WEFT_FAILED));
    WEFT_ASSERT_OK(weft_future_exception(f, 0, &code, &msg, NULL));
    cr_assert_eq(code, WEFT_FAILED);
    cr_assert_null(msg);
    WEFT_ASSERT_OK(weft_future_free(f));
}

Test(future, cancel_rules)
{
    weft_future *f;
    int c = -1, v;
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_cancel(f, &c));
    cr_assert_eq(c, 1);
    WEFT_ASSERT_OK(weft_future_cancel(f, &c));
    cr_assert_eq(c, 1, "cancelling twice still says cancelled");
    WEFT_ASSERT_OK(weft_future_cancelled(f, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_future_done(f, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_STATUS(weft_future_result(f, -1, NULL), WEFT_CANCELLED);
    WEFT_ASSERT_STATUS(weft_future_exception(f, -1, NULL, NULL, NULL), WEFT_CANCELLED);
    WEFT_ASSERT_OK(weft_future_free(f));

    /* Running and finished futures cannot be cancelled. */
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_set_running_or_notify_cancel(f, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_future_running(f, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_future_cancel(f, &c));
    cr_assert_eq(c, 0);
    WEFT_ASSERT_OK(weft_future_set_result(f, NULL, NULL));
    WEFT_ASSERT_OK(weft_future_cancel(f, NULL));
    WEFT_ASSERT_OK(weft_future_cancelled(f, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_OK(weft_future_free(f));
}

Test(future, set_running_or_notify_cancel)
{
    weft_future *f;
    int proceed = -1;
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_cancel(f, NULL));
    WEFT_ASSERT_OK(weft_future_set_running_or_notify_cancel(f, &proceed));
    cr_assert_eq(proceed, 0);
    int v;
    WEFT_ASSERT_OK(weft_future_cancelled(f, &v));
    cr_assert_eq(v, 1);
    /* Python raises RuntimeError on a second notification. */
    WEFT_ASSERT_STATUS(weft_future_set_running_or_notify_cancel(f, &proceed), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_future_set_running_or_notify_cancel(f, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_future_free(f));

    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_set_running_or_notify_cancel(f, &proceed));
    cr_assert_eq(proceed, 1);
    WEFT_ASSERT_STATUS(weft_future_set_running_or_notify_cancel(f, &proceed), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_future_set_result(f, NULL, NULL));
    WEFT_ASSERT_STATUS(weft_future_set_running_or_notify_cancel(f, &proceed), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_future_free(f));
}

Test(future, result_timeouts)
{
    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_STATUS(weft_future_result(f, 0, NULL), WEFT_TIMEOUT);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_future_result(f, 0.05, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_future_exception(f, 0.05, NULL, NULL, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_STATUS(weft_future_result(f, NAN, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_result(f, 1e300, NULL), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_future_exception(f, NAN, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_future_free(f));
}

/* A done future takes the fast path, which must still refuse a bad timeout. */
Test(future, done_future_refuses_bad_timeouts)
{
    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_set_result(f, (void *)7, NULL));
    WEFT_ASSERT_STATUS(weft_future_result(f, NAN, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_exception(f, NAN, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_result(f, 1e300, NULL), WEFT_OVERFLOW);
    void *v = NULL;
    WEFT_ASSERT_OK(weft_future_result(f, 0, &v));
    cr_assert_eq(v, (void *)7);
    WEFT_ASSERT_OK(weft_future_free(f));
}

static void *complete_later(void *p)
{
    usleep(50000);
    weft_future_set_result(p, (void *)99, NULL);
    return NULL;
}

static void *cancel_later(void *p)
{
    usleep(50000);
    weft_future_cancel(p, NULL);
    return NULL;
}

Test(future, result_wakes_on_completion_and_cancel)
{
    weft_future *f;
    pthread_t t;
    WEFT_ASSERT_OK(weft_future_new(&f));
    pthread_create(&t, NULL, complete_later, f);
    void *got = NULL;
    WEFT_ASSERT_OK(weft_future_result(f, 10, &got));
    cr_assert_eq(got, (void *)99);
    pthread_join(t, NULL);
    WEFT_ASSERT_OK(weft_future_free(f));

    WEFT_ASSERT_OK(weft_future_new(&f));
    pthread_create(&t, NULL, cancel_later, f);
    WEFT_ASSERT_STATUS(weft_future_result(f, -1, NULL), WEFT_CANCELLED);
    pthread_join(t, NULL);
    WEFT_ASSERT_OK(weft_future_free(f));
}

/* ---- done callbacks ---------------------------------------------------- */

typedef struct cb_log {
    int order[8];
    int n;
    weft_future *seen[8];
    pthread_t thread[8];
} cb_log;

typedef struct cb_arg {
    cb_log *log;
    int id;
    int fail;
} cb_arg;

static void record_cb(void *p, weft_outcome *o)
{
    cb_arg *a = p;
    weft_future *f = NULL;
    cr_assert_eq(weft_future_from_outcome(o, &f), WEFT_OK);
    a->log->seen[a->log->n] = f;
    a->log->thread[a->log->n] = pthread_self();
    a->log->order[a->log->n++] = a->id;
    if (a->fail)
        weft_outcome_set_error(o, WEFT_FAILED, "callback failed on purpose", NULL, NULL);
}

Test(future, callbacks_run_in_order_once_and_survive_failures)
{
    weft_future *f;
    cb_log log = { 0 };
    cb_arg a[3] = { { &log, 1, 0 }, { &log, 2, 1 }, { &log, 3, 0 } };
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_future_new(&f));
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_future_add_done_callback(f, record_cb, &a[i], count_free));
    cr_assert_eq(log.n, 0);
    WEFT_ASSERT_OK(weft_future_set_result(f, NULL, NULL));
    cr_assert_eq(log.n, 3, "the failing callback does not stop the others");
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(log.order[i], i + 1);
        cr_assert_eq(log.seen[i], f);
    }
    cr_assert_eq(atomic_load(&freed), 3);
    /* Already done: runs at once in the caller. */
    cb_arg late = { &log, 4, 0 };
    WEFT_ASSERT_OK(weft_future_add_done_callback(f, record_cb, &late, count_free));
    cr_assert_eq(log.n, 4);
    cr_assert_eq(log.order[3], 4);
    cr_assert(pthread_equal(log.thread[3], pthread_self()));
    cr_assert_eq(atomic_load(&freed), 4);
    WEFT_ASSERT_STATUS(weft_future_add_done_callback(f, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_future_free(f));
}

static int hook_calls;
static weft_status hook_status;
static void count_hook(void *arg, weft_thread *thread, weft_status status, const char *message, void *payload)
{
    (void)arg;
    (void)thread;
    (void)message;
    (void)payload;
    hook_calls++;
    hook_status = status;
}

Test(future, failing_callback_goes_to_excepthook_when_set)
{
    weft_future *f;
    cb_log log = { 0 };
    cb_arg a = { &log, 1, 1 };
    hook_calls = 0;
    weft_threading_set_excepthook(count_hook, NULL);
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_add_done_callback(f, record_cb, &a, NULL));
    WEFT_ASSERT_OK(weft_future_add_done_callback(f, record_cb, &a, NULL));
    WEFT_ASSERT_OK(weft_future_set_result(f, NULL, NULL));
    weft_threading_set_excepthook(NULL, NULL);
    cr_assert_eq(hook_calls, 2);
    cr_assert_eq(hook_status, WEFT_FAILED);
    cr_assert_eq(log.n, 2);
    WEFT_ASSERT_OK(weft_future_free(f));
}

Test(future, callbacks_run_on_cancel_and_are_released_unrun)
{
    weft_future *f;
    cb_log log = { 0 };
    cb_arg a = { &log, 1, 0 };
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_add_done_callback(f, record_cb, &a, NULL));
    WEFT_ASSERT_OK(weft_future_cancel(f, NULL));
    cr_assert_eq(log.n, 1);
    WEFT_ASSERT_OK(weft_future_free(f));

    /* A future freed before completing releases its callbacks without running them. */
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_add_done_callback(f, record_cb, &a, count_free));
    WEFT_ASSERT_OK(weft_future_free(f));
    cr_assert_eq(log.n, 1);
    cr_assert_eq(atomic_load(&freed), 1);
}

static void *complete_in_thread(void *p)
{
    weft_future_set_result(p, NULL, NULL);
    return NULL;
}

Test(future, callbacks_run_in_completing_thread)
{
    weft_future *f;
    cb_log log = { 0 };
    cb_arg a = { &log, 1, 0 };
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_add_done_callback(f, record_cb, &a, NULL));
    pthread_t t;
    pthread_create(&t, NULL, complete_in_thread, f);
    pthread_join(t, NULL);
    cr_assert_eq(log.n, 1);
    cr_assert(pthread_equal(log.thread[0], t));
    WEFT_ASSERT_OK(weft_future_free(f));
}

static void frees_own_future(void *p, weft_outcome *o)
{
    (void)o;
    weft_future_free(p); /* the last outside reference goes inside the callback */
}

Test(future, callback_may_drop_last_reference)
{
    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_add_done_callback(f, frees_own_future, f, NULL));
    weft_future *keep = f;
    WEFT_ASSERT_OK(weft_future_set_result(keep, NULL, NULL));
}

Test(future, from_outcome_outside_callback)
{
    weft_future *f = NULL;
    weft_outcome *bogus = (weft_outcome *)&f;
    WEFT_ASSERT_STATUS(weft_future_from_outcome(bogus, &f), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_from_outcome(NULL, &f), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_from_outcome(bogus, NULL), WEFT_EINVAL);
}

/* ---- bad handles ------------------------------------------------------- */

Test(future, bad_handles)
{
    int v;
    weft_future *f;
    WEFT_ASSERT_STATUS(weft_future_cancel(NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_cancelled(NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_running(NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_done(NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_result(NULL, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_exception(NULL, 0, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_add_done_callback(NULL, record_cb, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_set_running_or_notify_cancel(NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_set_result(NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_set_exception(NULL, WEFT_FAILED, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_future_free(NULL));

    /* Wrong type: an options handle is not a future. */
    weft_executor_opts *o;
    WEFT_ASSERT_OK(weft_executor_opts_new(&o));
    WEFT_ASSERT_STATUS(weft_future_done((weft_future *)o, &v), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not a future") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_future_free((weft_future *)o), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_executor_opts_free(o));

    /* Freed. */
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_OK(weft_future_free(f));
    WEFT_ASSERT_STATUS(weft_future_done(f, &v), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "freed") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_future_set_result(f, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_free(f), WEFT_EINVAL);

    /* NULL out-parameters. */
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_STATUS(weft_future_done(f, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_running(f, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_future_cancelled(f, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_future_free(f));
}
