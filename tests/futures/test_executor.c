/* ThreadPoolExecutor: submit, results and failures, shutdown, cancellation,
 * initializers, names, worker reuse, map, bad handles. */
#define _GNU_SOURCE
#include "weft_test.h"

#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int freed;
static void count_free(void *p)
{
    (void)p;
    atomic_fetch_add(&freed, 1);
}

static void twice(void *arg, weft_outcome *o)
{
    weft_outcome_set_value(o, (void *)((intptr_t)arg * 2), NULL);
}

static void fails(void *arg, weft_outcome *o)
{
    weft_outcome_set_error(o, WEFT_LOOKUP, "task failed", arg, count_free);
}

/* Blocks until the future `arg` is done: a gate tests open by hand. */
static void wait_gate(void *arg, weft_outcome *o)
{
    (void)o;
    weft_future_result(arg, -1, NULL);
}

static void count_run_slowly(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    usleep(20000);
}

static void nothing(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

static weft_executor *pool(size_t workers)
{
    weft_executor_opts *o;
    weft_executor *ex;
    WEFT_ASSERT_OK(weft_executor_opts_new(&o));
    WEFT_ASSERT_OK(weft_executor_opts_set_max_workers(o, workers));
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, o));
    WEFT_ASSERT_OK(weft_executor_opts_free(o));
    return ex;
}

Test(executor, submit_and_result)
{
    weft_executor *ex;
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, NULL));
    weft_future *fs[100];
    atomic_store(&freed, 0);
    for (intptr_t i = 0; i < 100; i++)
        WEFT_ASSERT_OK(weft_executor_submit(ex, twice, (void *)i, count_free, &fs[i]));
    for (intptr_t i = 0; i < 100; i++) {
        void *v;
        WEFT_ASSERT_OK(weft_future_result(fs[i], 10, &v));
        cr_assert_eq((intptr_t)v, 2 * i);
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
    }
    WEFT_ASSERT_OK(weft_executor_free(ex));
    cr_assert_eq(atomic_load(&freed), 100, "each argument freed exactly once");
}

Test(executor, fire_and_forget_runs)
{
    weft_executor *ex = pool(2);
    atomic_store(&freed, 0);
    for (int i = 0; i < 50; i++)
        WEFT_ASSERT_OK(weft_executor_submit(ex, nothing, NULL, count_free, NULL));
    WEFT_ASSERT_OK(weft_executor_free(ex));
    cr_assert_eq(atomic_load(&freed), 50, "free waits for pending tasks");
}

Test(executor, failure_carries_status_message_payload)
{
    weft_executor *ex = pool(1);
    weft_future *f;
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_executor_submit(ex, fails, (void *)5, NULL, &f));
    WEFT_ASSERT_STATUS(weft_future_result(f, 10, NULL), WEFT_LOOKUP);
    cr_assert_str_eq(weft_errmsg(), "task failed");
    weft_status code;
    const char *msg;
    void *payload;
    WEFT_ASSERT_OK(weft_future_exception(f, 10, &code, &msg, &payload));
    cr_assert_eq(code, WEFT_LOOKUP);
    cr_assert_str_eq(msg, "task failed");
    cr_assert_eq(payload, (void *)5);
    WEFT_ASSERT_OK(weft_future_free(f));
    WEFT_ASSERT_OK(weft_executor_free(ex));
    cr_assert_eq(atomic_load(&freed), 1, "payload freed with the future");
}

Test(executor, submit_after_shutdown_is_runtime_error)
{
    weft_executor *ex = pool(2);
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    atomic_store(&freed, 0);
    weft_future *f = NULL;
    WEFT_ASSERT_STATUS(weft_executor_submit(ex, nothing, NULL, count_free, &f), WEFT_RUNTIME);
    cr_assert(strstr(weft_errmsg(), "cannot schedule new futures after shutdown") != NULL);
    cr_assert_null(f);
    cr_assert_eq(atomic_load(&freed), 0, "the caller keeps its argument");
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 1)); /* twice is fine */
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

Test(executor, shutdown_cancel_futures)
{
    weft_executor *ex = pool(1);
    weft_future *gate, *blocker, *fs[10];
    WEFT_ASSERT_OK(weft_future_new(&gate));
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_executor_submit(ex, wait_gate, gate, NULL, &blocker));
    int running = 0;
    for (int i = 0; i < 1000 && !running; i++) {
        WEFT_ASSERT_OK(weft_future_running(blocker, &running));
        usleep(1000);
    }
    cr_assert(running);
    for (int i = 0; i < 10; i++)
        WEFT_ASSERT_OK(weft_executor_submit(ex, nothing, NULL, count_free, &fs[i]));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 0, 1));
    cr_assert_eq(atomic_load(&freed), 10, "cancelled arguments are freed at once, once");
    for (int i = 0; i < 10; i++) {
        int c;
        WEFT_ASSERT_OK(weft_future_cancelled(fs[i], &c));
        cr_assert(c);
        WEFT_ASSERT_STATUS(weft_future_result(fs[i], 0, NULL), WEFT_CANCELLED);
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
    }
    int c;
    WEFT_ASSERT_OK(weft_future_cancel(blocker, &c));
    cr_assert_eq(c, 0, "a running task is not cancelled");
    WEFT_ASSERT_OK(weft_future_set_result(gate, NULL, NULL));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    WEFT_ASSERT_OK(weft_future_result(blocker, 0, NULL));
    WEFT_ASSERT_OK(weft_future_free(blocker));
    WEFT_ASSERT_OK(weft_future_free(gate));
    WEFT_ASSERT_OK(weft_executor_free(ex));
    cr_assert_eq(atomic_load(&freed), 10);
}

Test(executor, shutdown_without_cancel_runs_pending)
{
    weft_executor *ex = pool(1);
    weft_future *gate, *blocker, *fs[10];
    WEFT_ASSERT_OK(weft_future_new(&gate));
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_executor_submit(ex, wait_gate, gate, NULL, &blocker));
    for (int i = 0; i < 10; i++)
        WEFT_ASSERT_OK(weft_executor_submit(ex, twice, (void *)(intptr_t)i, count_free, &fs[i]));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 0, 0));
    WEFT_ASSERT_OK(weft_future_set_result(gate, NULL, NULL));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    for (int i = 0; i < 10; i++) {
        void *v;
        WEFT_ASSERT_OK(weft_future_result(fs[i], 0, &v));
        cr_assert_eq((intptr_t)v, 2 * i);
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
    }
    cr_assert_eq(atomic_load(&freed), 10);
    WEFT_ASSERT_OK(weft_future_free(blocker));
    WEFT_ASSERT_OK(weft_future_free(gate));
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

Test(executor, cancelled_pending_task_is_skipped)
{
    weft_executor *ex = pool(1);
    weft_future *gate, *blocker, *f;
    WEFT_ASSERT_OK(weft_future_new(&gate));
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_executor_submit(ex, wait_gate, gate, NULL, &blocker));
    WEFT_ASSERT_OK(weft_executor_submit(ex, twice, (void *)1, count_free, &f));
    int c;
    WEFT_ASSERT_OK(weft_future_cancel(f, &c));
    cr_assert_eq(c, 1);
    WEFT_ASSERT_OK(weft_future_set_result(gate, NULL, NULL));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    WEFT_ASSERT_STATUS(weft_future_result(f, 0, NULL), WEFT_CANCELLED);
    cr_assert_eq(atomic_load(&freed), 1, "the skipped task's argument is freed once");
    weft_future_free(f);
    weft_future_free(blocker);
    weft_future_free(gate);
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

/* ---- initializers ------------------------------------------------------ */

static atomic_int init_runs;
static void init_ok(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    atomic_fetch_add(&init_runs, 1);
}

static void init_fails(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_outcome_set_error(o, WEFT_FAILED, "initializer says no", NULL, NULL);
}

Test(executor, initializer_runs_per_worker_and_arg_is_freed_once)
{
    weft_executor_opts *o;
    weft_executor *ex;
    atomic_store(&init_runs, 0);
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_executor_opts_new(&o));
    WEFT_ASSERT_OK(weft_executor_opts_set_max_workers(o, 1));
    WEFT_ASSERT_OK(weft_executor_opts_set_initializer(o, init_ok, (void *)1, count_free));
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, o));
    WEFT_ASSERT_OK(weft_executor_opts_free(o));
    cr_assert_eq(atomic_load(&freed), 0, "the executor still holds the initializer");
    weft_future *f;
    WEFT_ASSERT_OK(weft_executor_submit(ex, twice, (void *)3, NULL, &f));
    WEFT_ASSERT_OK(weft_future_result(f, 10, NULL));
    weft_future_free(f);
    WEFT_ASSERT_OK(weft_executor_free(ex));
    cr_assert_eq(atomic_load(&init_runs), 1);
    cr_assert_eq(atomic_load(&freed), 1);

    /* Replacing or removing an initializer releases the old one. */
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_executor_opts_new(&o));
    WEFT_ASSERT_OK(weft_executor_opts_set_initializer(o, init_ok, (void *)1, count_free));
    WEFT_ASSERT_OK(weft_executor_opts_set_initializer(o, NULL, (void *)2, count_free));
    cr_assert_eq(atomic_load(&freed), 2);
    WEFT_ASSERT_OK(weft_executor_opts_free(o));
}

Test(executor, initializer_failure_breaks_the_pool)
{
    weft_executor_opts *o;
    weft_executor *ex;
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_executor_opts_new(&o));
    WEFT_ASSERT_OK(weft_executor_opts_set_max_workers(o, 2));
    WEFT_ASSERT_OK(weft_executor_opts_set_initializer(o, init_fails, NULL, NULL));
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, o));
    WEFT_ASSERT_OK(weft_executor_opts_free(o));
    weft_future *f;
    WEFT_ASSERT_OK(weft_executor_submit(ex, twice, (void *)1, count_free, &f));
    WEFT_ASSERT_STATUS(weft_future_result(f, 10, NULL), WEFT_BROKEN_THREAD_POOL);
    cr_assert(strstr(weft_errmsg(), "initializer failed") != NULL, "%s", weft_errmsg());
    weft_future_free(f);
    weft_status st = WEFT_OK;
    for (int i = 0; i < 1000 && st == WEFT_OK; i++) {
        weft_future *g = NULL;
        st = weft_executor_submit(ex, nothing, NULL, count_free, &g);
        if (st == WEFT_OK) {
            weft_status r = weft_future_result(g, 10, NULL);
            cr_assert_eq(r, WEFT_BROKEN_THREAD_POOL);
            weft_future_free(g);
        }
    }
    WEFT_ASSERT_STATUS(st, WEFT_BROKEN_THREAD_POOL);
    WEFT_ASSERT_OK(weft_executor_free(ex));
    int f_count = atomic_load(&freed);
    cr_assert_geq(f_count, 1, "pending arguments released");
}

/* ---- names and worker reuse -------------------------------------------- */

static void get_name(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_thread *self;
    char *name = NULL;
    int daemon = 0;
    if (weft_threading_current_thread(&self) == WEFT_OK) {
        weft_thread_name(self, &name);
        weft_thread_daemon(self, &daemon);
        weft_thread_free(self);
    }
    if (!daemon) {
        weft_free(name);
        name = NULL;
    }
    weft_outcome_set_value(o, name, weft_free);
}

Test(executor, workers_are_named_daemon_weft_threads)
{
    weft_executor_opts *o;
    weft_executor *ex;
    WEFT_ASSERT_OK(weft_executor_opts_new(&o));
    WEFT_ASSERT_OK(weft_executor_opts_set_thread_name_prefix(o, "a-rather-long-prefix"));
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, o));
    weft_future *f;
    void *v;
    WEFT_ASSERT_OK(weft_executor_submit(ex, get_name, NULL, NULL, &f));
    WEFT_ASSERT_OK(weft_future_result(f, 10, &v));
    cr_assert_not_null(v, "a worker is a daemon weft thread");
    cr_assert_str_eq(v, "a-rather-long-prefix_0");
    weft_future_free(f);
    WEFT_ASSERT_OK(weft_executor_free(ex));

    WEFT_ASSERT_OK(weft_executor_opts_set_thread_name_prefix(o, NULL));
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, o));
    WEFT_ASSERT_OK(weft_executor_submit(ex, get_name, NULL, NULL, &f));
    WEFT_ASSERT_OK(weft_future_result(f, 10, &v));
    int k = -1, m = -1;
    cr_assert_eq(sscanf(v, "ThreadPoolExecutor-%d_%d", &k, &m), 2, "%s", (char *)v);
    cr_assert_eq(m, 0);
    weft_future_free(f);
    WEFT_ASSERT_OK(weft_executor_free(ex));
    WEFT_ASSERT_OK(weft_executor_opts_free(o));
}

static void self_id(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_outcome_set_value(o, (void *)(uintptr_t)pthread_self(), NULL);
}

Test(executor, idle_worker_is_reused)
{
    weft_executor *ex = pool(8);
    uintptr_t first = 0;
    int distinct = 0;
    for (int i = 0; i < 10; i++) {
        weft_future *f;
        void *v;
        WEFT_ASSERT_OK(weft_executor_submit(ex, self_id, NULL, NULL, &f));
        WEFT_ASSERT_OK(weft_future_result(f, 10, &v));
        if (i == 0)
            first = (uintptr_t)v;
        distinct += (uintptr_t)v != first;
        weft_future_free(f);
        usleep(20000); /* let the worker go idle */
    }
    cr_assert_eq(distinct, 0, "an idle worker takes the next task; no new thread");
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

static void hold(void *arg, weft_outcome *o)
{
    (void)o;
    weft_future_result(arg, -1, NULL);
    weft_outcome_set_value(o, (void *)(uintptr_t)pthread_self(), NULL);
}

Test(executor, busy_workers_grow_to_max)
{
    weft_executor *ex = pool(3);
    weft_future *gate, *fs[5];
    WEFT_ASSERT_OK(weft_future_new(&gate));
    for (int i = 0; i < 5; i++)
        WEFT_ASSERT_OK(weft_executor_submit(ex, hold, gate, NULL, &fs[i]));
    /* Three run at once, two wait: no more than max_workers threads. */
    int running = 0;
    for (int tries = 0; tries < 2000 && running < 3; tries++) {
        running = 0;
        for (int i = 0; i < 5; i++) {
            int r;
            weft_future_running(fs[i], &r);
            running += r;
        }
        usleep(1000);
    }
    cr_assert_eq(running, 3);
    WEFT_ASSERT_OK(weft_future_set_result(gate, NULL, NULL));
    uintptr_t ids[5];
    for (int i = 0; i < 5; i++) {
        void *v;
        WEFT_ASSERT_OK(weft_future_result(fs[i], 10, &v));
        ids[i] = (uintptr_t)v;
        weft_future_free(fs[i]);
    }
    int distinct = 0;
    for (int i = 0; i < 5; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= ids[j] == ids[i];
        distinct += !seen;
    }
    cr_assert_eq(distinct, 3);
    weft_future_free(gate);
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

/* ---- tasks shutting down their own pool, callbacks in workers ---------- */

static void shutdown_own(void *arg, weft_outcome *o)
{
    (void)o;
    weft_executor_shutdown(arg, 1, 0);
}

Test(executor, task_shuts_down_its_pool)
{
    weft_executor *ex = pool(2);
    weft_future *f;
    WEFT_ASSERT_OK(weft_executor_submit(ex, shutdown_own, ex, NULL, &f));
    WEFT_ASSERT_OK(weft_future_result(f, 10, NULL));
    WEFT_ASSERT_STATUS(weft_executor_submit(ex, nothing, NULL, NULL, NULL), WEFT_RUNTIME);
    weft_future_free(f);
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

/* A task asking to wait for its own pool would wait for itself: Python's
 * join raises RuntimeError, and the shutdown still takes effect. */
static atomic_int own_shutdown_status = -1;
static void shutdown_own_status(void *arg, weft_outcome *o)
{
    (void)o;
    atomic_store(&own_shutdown_status, weft_executor_shutdown(arg, 1, 0));
}

Test(executor, shutdown_wait_from_own_task_is_runtime_error, .timeout = 30)
{
    weft_executor *ex = pool(2);
    weft_future *f;
    atomic_store(&own_shutdown_status, -1);
    WEFT_ASSERT_OK(weft_executor_submit(ex, shutdown_own_status, ex, NULL, &f));
    WEFT_ASSERT_OK(weft_future_result(f, 10, NULL));
    cr_assert_eq(atomic_load(&own_shutdown_status), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_executor_submit(ex, nothing, NULL, NULL, NULL), WEFT_RUNTIME);
    weft_future_free(f);
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

/* The task's shutdown(wait) comes while the main thread's shutdown(wait) is
 * already joining the workers: before, each waited for the other forever. */
static void late_shutdown_own(void *arg, weft_outcome *o)
{
    (void)o;
    usleep(100000); /* let the main thread get into its shutdown */
    atomic_store(&own_shutdown_status, weft_executor_shutdown(arg, 1, 0));
}

Test(executor, shutdown_wait_from_task_during_main_shutdown_does_not_hang, .timeout = 30)
{
    weft_executor *ex = pool(2);
    weft_future *f;
    atomic_store(&own_shutdown_status, -1);
    WEFT_ASSERT_OK(weft_executor_submit(ex, late_shutdown_own, ex, NULL, &f));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    cr_assert_eq(atomic_load(&own_shutdown_status), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_future_result(f, 0, NULL));
    weft_future_free(f);
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

static void free_own(void *arg, weft_outcome *o)
{
    (void)o;
    weft_executor_free(arg);
}

Test(executor, task_frees_its_pool)
{
    weft_executor *ex = pool(2);
    weft_future *f, *g;
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_executor_submit(ex, count_run_slowly, NULL, count_free, &g));
    WEFT_ASSERT_OK(weft_executor_submit(ex, free_own, ex, NULL, &f));
    /* The pool outlives its handle until its last worker leaves. */
    WEFT_ASSERT_OK(weft_future_result(f, 10, NULL));
    WEFT_ASSERT_OK(weft_future_result(g, 10, NULL));
    cr_assert_eq(atomic_load(&freed), 1);
    weft_future_free(f);
    weft_future_free(g);
}

static atomic_uintptr_t cb_thread;
static void note_thread(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_future *f;
    if (weft_future_from_outcome(o, &f) == WEFT_OK)
        atomic_store(&cb_thread, (uintptr_t)pthread_self());
}

Test(executor, done_callback_runs_in_worker)
{
    weft_executor *ex = pool(1);
    weft_future *gate, *f;
    WEFT_ASSERT_OK(weft_future_new(&gate));
    WEFT_ASSERT_OK(weft_executor_submit(ex, hold, gate, NULL, &f));
    atomic_store(&cb_thread, 0);
    WEFT_ASSERT_OK(weft_future_add_done_callback(f, note_thread, NULL, NULL));
    WEFT_ASSERT_OK(weft_future_set_result(gate, NULL, NULL));
    void *worker;
    WEFT_ASSERT_OK(weft_future_result(f, 10, &worker));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    cr_assert_eq(atomic_load(&cb_thread), (uintptr_t)worker);
    weft_future_free(f);
    weft_future_free(gate);
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

/* ---- map --------------------------------------------------------------- */

Test(executor, map_in_order)
{
    weft_executor *ex = pool(4);
    void *args[50];
    for (intptr_t i = 0; i < 50; i++)
        args[i] = (void *)i;
    atomic_store(&freed, 0);
    weft_map_iter *it;
    WEFT_ASSERT_OK(weft_executor_map(ex, twice, args, 50, count_free, -1, 1, &it));
    for (intptr_t i = 0; i < 50; i++) {
        void *v;
        WEFT_ASSERT_OK(weft_map_iter_next(it, &v));
        cr_assert_eq((intptr_t)v, 2 * i);
    }
    WEFT_ASSERT_STATUS(weft_map_iter_next(it, NULL), WEFT_EOF);
    WEFT_ASSERT_OK(weft_map_iter_free(it));
    WEFT_ASSERT_OK(weft_executor_free(ex));
    cr_assert_eq(atomic_load(&freed), 50);

    /* Zero items, chunksize 0. */
    ex = pool(1);
    WEFT_ASSERT_OK(weft_executor_map(ex, twice, NULL, 0, NULL, -1, 0, &it));
    WEFT_ASSERT_STATUS(weft_map_iter_next(it, NULL), WEFT_EOF);
    WEFT_ASSERT_OK(weft_map_iter_free(it));
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

static void fail_on_three(void *arg, weft_outcome *o)
{
    if ((intptr_t)arg == 3)
        weft_outcome_set_error(o, WEFT_FAILED, "three", NULL, NULL);
    else
        weft_outcome_set_value(o, arg, NULL);
}

Test(executor, map_failure_ends_iteration)
{
    weft_executor *ex = pool(1);
    void *args[6] = { (void *)0, (void *)1, (void *)2, (void *)3, (void *)4, (void *)5 };
    atomic_store(&freed, 0);
    weft_map_iter *it;
    WEFT_ASSERT_OK(weft_executor_map(ex, fail_on_three, args, 6, count_free, 10, 1, &it));
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_map_iter_next(it, NULL));
    WEFT_ASSERT_STATUS(weft_map_iter_next(it, NULL), WEFT_FAILED);
    cr_assert_str_eq(weft_errmsg(), "three");
    WEFT_ASSERT_STATUS(weft_map_iter_next(it, NULL), WEFT_EOF);
    WEFT_ASSERT_OK(weft_map_iter_free(it));
    WEFT_ASSERT_OK(weft_executor_free(ex));
    cr_assert_eq(atomic_load(&freed), 6, "run or cancelled, every argument freed once");
}

Test(executor, map_timeout_and_early_free_cancel)
{
    weft_executor *ex = pool(1);
    weft_future *gate;
    WEFT_ASSERT_OK(weft_future_new(&gate));
    void *args[4] = { gate, gate, gate, gate };
    atomic_store(&freed, 0);
    weft_map_iter *it;
    double t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_executor_map(ex, hold, args, 4, count_free, 0.05, 1, &it));
    WEFT_ASSERT_STATUS(weft_map_iter_next(it, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_STATUS(weft_map_iter_next(it, NULL), WEFT_EOF);
    WEFT_ASSERT_OK(weft_map_iter_free(it));
    WEFT_ASSERT_OK(weft_future_set_result(gate, NULL, NULL));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    cr_assert_eq(atomic_load(&freed), 4);

    /* Freed before reading: pending calls are cancelled. */
    weft_executor_free(ex);
    ex = pool(1);
    weft_future *gate2;
    WEFT_ASSERT_OK(weft_future_new(&gate2));
    void *args2[3] = { gate2, gate2, gate2 };
    atomic_store(&freed, 0);
    WEFT_ASSERT_OK(weft_executor_map(ex, hold, args2, 3, count_free, -1, 1, &it));
    WEFT_ASSERT_OK(weft_map_iter_free(it));
    WEFT_ASSERT_OK(weft_future_set_result(gate2, NULL, NULL));
    WEFT_ASSERT_OK(weft_executor_free(ex));
    cr_assert_eq(atomic_load(&freed), 3);
    weft_future_free(gate);
    weft_future_free(gate2);
}

Test(executor, map_after_shutdown_takes_arguments)
{
    weft_executor *ex = pool(1);
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    void *args[3] = { NULL, NULL, NULL };
    atomic_store(&freed, 0);
    weft_map_iter *it = NULL;
    WEFT_ASSERT_STATUS(weft_executor_map(ex, twice, args, 3, count_free, -1, 1, &it), WEFT_RUNTIME);
    cr_assert_null(it);
    cr_assert_eq(atomic_load(&freed), 3);
    WEFT_ASSERT_STATUS(weft_executor_map(ex, twice, NULL, 3, NULL, -1, 1, &it), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_map(ex, NULL, args, 3, NULL, -1, 1, &it), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_map(ex, twice, args, 3, NULL, -1, 1, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_map(ex, twice, args, 3, NULL, NAN, 1, &it), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

/* ---- bad handles and options ------------------------------------------- */

Test(executor, bad_handles_and_options)
{
    weft_executor_opts *o;
    weft_executor *ex;
    WEFT_ASSERT_STATUS(weft_executor_opts_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_executor_opts_new(&o));
    WEFT_ASSERT_STATUS(weft_executor_opts_set_max_workers(o, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_opts_set_max_workers(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_opts_set_thread_name_prefix(NULL, "x"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_opts_set_initializer(NULL, init_ok, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_pool_executor_new(NULL, o), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_pool_executor_new(&ex, (weft_executor_opts *)&o), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_executor_opts_free(o));
    WEFT_ASSERT_STATUS(weft_executor_opts_free(o), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_executor_opts_free(NULL));

    WEFT_ASSERT_STATUS(weft_executor_submit(NULL, nothing, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_shutdown(NULL, 1, 0), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_executor_free(NULL));
    WEFT_ASSERT_STATUS(weft_map_iter_next(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_map_iter_free(NULL));

    weft_future *f;
    WEFT_ASSERT_OK(weft_future_new(&f));
    WEFT_ASSERT_STATUS(weft_executor_submit((weft_executor *)f, nothing, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_free((weft_executor *)f), WEFT_EINVAL);
    weft_future_free(f);

    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, NULL));
    WEFT_ASSERT_STATUS(weft_executor_submit(ex, NULL, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_executor_free(ex));
    WEFT_ASSERT_STATUS(weft_executor_submit(ex, nothing, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_shutdown(ex, 1, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_executor_free(ex), WEFT_EINVAL);
}
