/* Thread hooks (settrace/setprofile and their _all_threads forms) and the
 * excepthook. */
#define _GNU_SOURCE
#include "weft_test.h"
#include "gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A log of events, in order, with the thread each happened in. */
typedef struct ev {
    char what[16];
    uint64_t ident;
    weft_thread *thread;
} ev;

static ev events[64];
static atomic_int nevents;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void log_ev(const char *what, weft_thread *t)
{
    pthread_mutex_lock(&log_mu);
    int i = atomic_fetch_add(&nevents, 1);
    if (i < 64) {
        snprintf(events[i].what, sizeof events[i].what, "%s", what);
        events[i].ident = weft_threading_get_ident();
        events[i].thread = t;
    }
    pthread_mutex_unlock(&log_mu);
}

static void hook(void *arg, weft_thread *t, int event)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%s.%s", (const char *)arg, event == WEFT_THREAD_START ? "start" : "end");
    log_ev(buf, t);
}

static void target(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    log_ev("target", NULL);
}

static void assert_log(const char *const *want, int n)
{
    cr_assert_eq(atomic_load(&nevents), n, "%d events, wanted %d", atomic_load(&nevents), n);
    for (int i = 0; i < n; i++)
        cr_assert_str_eq(events[i].what, want[i], "event %d", i);
}

Test(hooks, set_and_get)
{
    weft_thread_hook_fn fn = hook;
    void *arg = &fn;
    weft_threading_gettrace(&fn, &arg);
    cr_assert_null(fn);
    cr_assert_null(arg);
    weft_threading_settrace(hook, "t");
    weft_threading_setprofile(hook, "p");
    weft_threading_gettrace(&fn, &arg);
    cr_assert_eq(fn, hook);
    cr_assert_str_eq(arg, "t");
    weft_threading_getprofile(&fn, &arg);
    cr_assert_eq(fn, hook);
    cr_assert_str_eq(arg, "p");
    weft_threading_gettrace(NULL, NULL);
    weft_threading_getprofile(NULL, NULL);
    weft_threading_settrace(NULL, NULL);
    weft_threading_setprofile(NULL, NULL);
    weft_threading_getprofile(&fn, &arg);
    cr_assert_null(fn);
}

Test(hooks, start_and_end_run_in_the_thread_around_the_target)
{
    weft_threading_settrace(hook, "t");
    weft_threading_setprofile(hook, "p");
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, target, NULL, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    const char *want[] = { "t.start", "p.start", "target", "p.end", "t.end" };
    assert_log(want, 5);
    uint64_t id;
    WEFT_ASSERT_OK(weft_thread_ident(t, &id));
    for (int i = 0; i < 5; i++)
        cr_assert_eq(events[i].ident, id, "event %d ran in the thread", i);
    cr_assert_eq(events[0].thread, t);
    cr_assert_eq(events[4].thread, t);
    weft_thread_free(t);
    weft_threading_settrace(NULL, NULL);
    weft_threading_setprofile(NULL, NULL);
}

static gate g1 = GATE_INIT;
static void waits(void *arg, weft_outcome *o)
{
    (void)o;
    gate_wait(arg);
    log_ev("target", NULL);
}

Test(hooks, end_goes_to_the_hook_that_got_start)
{
    weft_threading_settrace(hook, "a");
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, waits, &g1, NULL));
    WEFT_ASSERT_OK(start_daemon(t));
    /* Wait for the START event before changing hooks. */
    while (atomic_load(&nevents) < 1)
        sched_yield();
    weft_threading_settrace(hook, "b"); /* affects only new threads */
    gate_open(&g1);
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    const char *want[] = { "a.start", "target", "a.end" };
    assert_log(want, 3);
    weft_thread_free(t);
    weft_threading_settrace(NULL, NULL);
}

typedef struct deliverer {
    gate go, started;
} deliverer;

static void delivers(void *arg, weft_outcome *o)
{
    (void)o;
    deliverer *d = arg;
    gate_open(&d->started);
    gate_wait(&d->go);
    log_ev("before", NULL);
    weft_threading_deliver_hooks(); /* a hook point */
    log_ev("after", NULL);
}

Test(hooks, all_threads_reaches_running_threads_at_a_hook_point)
{
    deliverer d = { GATE_INIT, GATE_INIT };
    weft_threading_settrace(hook, "old");
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, delivers, &d, NULL));
    WEFT_ASSERT_OK(start_daemon(t));
    gate_wait(&d.started);
    weft_threading_settrace_all_threads(hook, "new");
    weft_thread_hook_fn fn;
    void *arg;
    weft_threading_gettrace(&fn, &arg);
    cr_assert_str_eq(arg, "new");
    gate_open(&d.go);
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    const char *want[] = { "old.start", "before", "old.end", "new.start", "after", "new.end" };
    assert_log(want, 6);
    weft_thread_free(t);
    /* Not a weft thread: nothing to deliver, nothing happens. */
    weft_threading_deliver_hooks();
    weft_threading_settrace(NULL, NULL);
}

static void sets_for_all(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    log_ev("before", NULL);
    weft_threading_settrace_all_threads(hook, "mine");
    log_ev("after", NULL);
}

Test(hooks, all_threads_reaches_the_calling_thread_at_once)
{
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, sets_for_all, NULL, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    const char *want[] = { "before", "mine.start", "after", "mine.end" };
    assert_log(want, 4);
    weft_thread_free(t);
    weft_threading_settrace(NULL, NULL);
}

static void plain_wait(void *arg, weft_outcome *o)
{
    (void)o;
    deliverer *d = arg;
    gate_open(&d->started);
    gate_wait(&d->go);
    log_ev("target", NULL);
}

Test(hooks, all_threads_reaches_running_threads_at_their_end)
{
    deliverer d = { GATE_INIT, GATE_INIT };
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, plain_wait, &d, NULL));
    WEFT_ASSERT_OK(start_daemon(t));
    gate_wait(&d.started);
    weft_threading_setprofile_all_threads(hook, "p");
    gate_open(&d.go);
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    const char *want[] = { "target", "p.start", "p.end" };
    assert_log(want, 3);
    weft_thread_free(t);
    /* Removing it from running threads: END to the hook they had. */
    deliverer d2 = { GATE_INIT, GATE_INIT };
    atomic_store(&nevents, 0);
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, plain_wait, &d2, NULL));
    WEFT_ASSERT_OK(start_daemon(t));
    gate_wait(&d2.started);
    weft_threading_setprofile_all_threads(NULL, NULL);
    gate_open(&d2.go);
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    const char *want2[] = { "p.start", "target", "p.end" };
    assert_log(want2, 3);
    weft_thread_free(t);
}

/* ---- excepthook ------------------------------------------------------------ */

typedef struct caught {
    int calls;
    weft_thread *thread;
    weft_status status;
    char message[64];
    void *payload;
    int payload_freed_before;
} caught;

static atomic_int payload_freed;
static void free_payload(void *p)
{
    atomic_fetch_add(&payload_freed, 1);
    free(p);
}

static void my_hook(void *arg, weft_thread *t, weft_status status, const char *message, void *payload)
{
    caught *c = arg;
    c->calls++;
    c->thread = t;
    c->status = status;
    snprintf(c->message, sizeof c->message, "%s", message);
    c->payload = payload;
    c->payload_freed_before = atomic_load(&payload_freed);
    log_ev("excepthook", t);
}

static void fails(void *arg, weft_outcome *o)
{
    (void)arg;
    int *payload = malloc(sizeof *payload);
    *payload = 42;
    weft_outcome_set_error(o, WEFT_LOOKUP, "no such thing", payload, free_payload);
}

static void free_arg(void *p)
{
    (void)p;
    log_ev("free_arg", NULL);
}

Test(hooks, failing_target_reaches_the_excepthook)
{
    caught c = { 0 };
    weft_excepthook_fn fn;
    void *arg;
    weft_threading_excepthook(&fn, &arg);
    cr_assert_eq(fn, weft_threading_default_excepthook);
    weft_threading_set_excepthook(my_hook, &c);
    weft_threading_excepthook(&fn, &arg);
    cr_assert_eq(fn, my_hook);
    cr_assert_eq(arg, &c);
    weft_threading_settrace(hook, "t");
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, fails, NULL, free_arg));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.thread, t);
    cr_assert_eq(c.status, WEFT_LOOKUP);
    cr_assert_str_eq(c.message, "no such thing");
    cr_assert_eq(c.payload_freed_before, 0, "payload alive during the hook");
    cr_assert_eq(atomic_load(&payload_freed), 1, "and freed after it");
    /* Python's order: arguments dropped, then the hook; END last. */
    const char *want[] = { "t.start", "free_arg", "excepthook", "t.end" };
    assert_log(want, 4);
    weft_thread_free(t);
    weft_threading_settrace(NULL, NULL);
    weft_threading_set_excepthook(NULL, &c);
    weft_threading_excepthook(&fn, &arg);
    cr_assert_eq(fn, weft_threading_default_excepthook);
}

static void fails_without_message(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_outcome_set_error(o, WEFT_OK, NULL, NULL, NULL);
}

Test(hooks, failures_of_timers_and_start_new_thread_reach_it_too)
{
    caught c = { 0 };
    weft_threading_set_excepthook(my_hook, &c);
    weft_timer *tm;
    WEFT_ASSERT_OK(weft_timer_new(&tm, 0, fails_without_message, NULL, NULL));
    WEFT_ASSERT_OK(weft_timer_start(tm));
    WEFT_ASSERT_OK(weft_timer_join(tm, -1));
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.status, WEFT_FAILED, "WEFT_OK reported as a failure becomes WEFT_FAILED");
    cr_assert_str_eq(c.message, weft_strerror(WEFT_FAILED));
    weft_thread *th;
    WEFT_ASSERT_OK(weft_timer_thread(tm, &th));
    cr_assert_eq(c.thread, th);
    weft_thread_free(th);
    weft_timer_free(tm);
    weft_threading_set_excepthook(NULL, NULL);
}

static gate hooked = GATE_INIT;
static void hook_then_open(void *arg, weft_thread *t, weft_status status, const char *message, void *payload)
{
    my_hook(arg, t, status, message, payload);
    gate_open(&hooked);
}

Test(hooks, failures_of_start_new_thread_reach_it)
{
    caught c = { 0 };
    weft_threading_set_excepthook(hook_then_open, &c);
    uint64_t ident;
    WEFT_ASSERT_OK(weft_threading_start_new_thread(fails, NULL, NULL, &ident));
    gate_wait(&hooked);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.status, WEFT_LOOKUP);
    cr_assert_eq(events[0].ident, ident, "the hook ran in the failing thread");
    weft_threading_set_excepthook(NULL, NULL);
}

static void exits_after_failing(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_outcome_set_error(o, WEFT_FAILED, "x", NULL, NULL);
    weft_threading_exit();
}

Test(hooks, exit_is_silent_but_runs_end_hooks)
{
    caught c = { 0 };
    weft_threading_set_excepthook(my_hook, &c);
    weft_threading_settrace(hook, "t");
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, exits_after_failing, NULL, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(c.calls, 0);
    const char *want[] = { "t.start", "t.end" };
    assert_log(want, 2);
    weft_thread_free(t);
    weft_threading_settrace(NULL, NULL);
    weft_threading_set_excepthook(NULL, NULL);
}

/* The default hook prints the thread's name, the status and the message. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    dup2(fileno(tmp), 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long len = ftell(tmp) > 0 ? ftell(tmp) : lseek(fileno(tmp), 0, SEEK_END);
    char *buf = calloc(1, (size_t)len + 1);
    lseek(fileno(tmp), 0, SEEK_SET);
    cr_assert_eq(read(fileno(tmp), buf, (size_t)len), len);
    fclose(tmp);
    return buf;
}

static void run_failing_thread(void *arg)
{
    (void)arg;
    weft_thread *t;
    cr_assert_eq(weft_thread_new(&t, "failing-one", fails, NULL, NULL), WEFT_OK);
    cr_assert_eq(weft_thread_start(t), WEFT_OK);
    cr_assert_eq(weft_thread_join(t, -1), WEFT_OK);
    weft_thread_free(t);
}

static void call_default_without_thread(void *arg)
{
    (void)arg;
    weft_threading_default_excepthook(NULL, NULL, WEFT_TIMEOUT, NULL, NULL);
}

Test(hooks, default_excepthook_prints_to_stderr)
{
    char *out = capture_stderr(run_failing_thread, NULL);
    cr_assert_str_eq(out, "Exception in thread failing-one:\nWEFT_LOOKUP: no such thing\n");
    free(out);
    out = capture_stderr(call_default_without_thread, NULL);
    cr_assert_str_eq(out, "WEFT_TIMEOUT: timed out\n");
    free(out);
}
