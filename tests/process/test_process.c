/* Process: start, join, exit codes, signals, close, the attributes and the
 * sentinel, for each start method; and the failure paths of each call. */
#include "proc_test.h"

#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>

/* ---- exit codes ------------------------------------------------------------- */

Test(process, exit_codes_of_tasks_for_each_method)
{
    weft_task *ok = proc_task(TASKS, "tt_add", "i(ii)", 2, 40, 2);
    weft_task *crash = proc_task(TASKS, "tt_crash", "i()", 0);
    weft_task *exit3 = proc_task(TASKS, "tt_exit3", "i()", 0);
    /* One argument of two: the call fails in the child, which exits 1. */
    weft_task *short_args = proc_task(TASKS, "tt_add", "i(ii)", 1, 1);
    for (int m = 0; m < PROC_NMETHODS; m++) {
        const char *meth = proc_methods[m];
        cr_assert_eq(proc_run_task(meth, ok), 0, "%s: a task that succeeds exits 0", meth);
        int segv = proc_run_task(meth, crash);
        if (PROC_SEGV_CAUGHT)
            cr_assert_neq(segv, 0, "%s: a segfault under the sanitizer still fails", meth);
        else
            cr_assert_eq(segv, -SIGSEGV, "%s: a segfault is -11, got %d", meth, segv);
        cr_assert_eq(proc_run_task(meth, exit3), 3, "%s: _exit(3) is 3", meth);
        cr_assert_eq(proc_run_task(meth, short_args), 1, "%s: a failed call exits 1", meth);
    }
    weft_task_free(ok);
    weft_task_free(crash);
    weft_task_free(exit3);
    weft_task_free(short_args);
}

static void cb_ok(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

static void cb_fail(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_outcome_set_error(o, WEFT_FAILED, "the target failed on purpose", NULL, NULL);
}

static void cb_exit(void *arg, weft_outcome *o)
{
    (void)o;
    _exit(*(int *)arg);
}

static int run_callable(weft_fn fn, void *arg)
{
    weft_process_opts *o = proc_opts("fork", NULL);
    WEFT_ASSERT_OK(weft_process_opts_set_target(o, fn, arg, NULL));
    weft_process *p;
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    int code = proc_run(p);
    weft_process_free(p);
    weft_process_opts_free(o);
    return code;
}

Test(process, exit_codes_of_callables)
{
    cr_assert_eq(run_callable(cb_ok, NULL), 0);
    cr_assert_eq(run_callable(cb_fail, NULL), 1);
    int code = 42;
    cr_assert_eq(run_callable(cb_exit, &code), 42);
}

Test(process, no_target_exits_0)
{
    for (int m = 0; m < PROC_NMETHODS; m++) {
        weft_process *p = proc_new(proc_methods[m], NULL);
        cr_assert_eq(proc_run(p), 0, "%s", proc_methods[m]);
        weft_process_free(p);
    }
    weft_process *p;
    WEFT_ASSERT_OK(weft_process_new(&p, NULL));
    cr_assert_eq(proc_run(p), 0);
    weft_process_free(p);
}

Test(process, kill_and_terminate)
{
    weft_task *sleep = proc_task(TASKS, "tt_sleep_ms", "i(i)", 1, 60000);
    for (int m = 0; m < PROC_NMETHODS; m++) {
        const char *meth = proc_methods[m];
        weft_process *a = proc_new(meth, sleep), *b = proc_new(meth, sleep);
        WEFT_ASSERT_OK(weft_process_start(a));
        WEFT_ASSERT_OK(weft_process_start(b));
        int alive;
        WEFT_ASSERT_OK(weft_process_is_alive(a, &alive));
        cr_assert_eq(alive, 1);
        int code;
        WEFT_ASSERT_OK(weft_process_exitcode(a, &code));
        cr_assert_eq(code, WEFT_PROCESS_NO_EXITCODE, "%s: no exit code while it runs", meth);
        WEFT_ASSERT_STATUS(weft_process_join(a, 0), WEFT_TIMEOUT);
        WEFT_ASSERT_STATUS(weft_process_join(a, 0.05), WEFT_TIMEOUT);
        WEFT_ASSERT_OK(weft_process_kill(a));
        WEFT_ASSERT_OK(weft_process_terminate(b));
        WEFT_ASSERT_OK(weft_process_join(a, 60));
        WEFT_ASSERT_OK(weft_process_join(b, 60));
        WEFT_ASSERT_OK(weft_process_exitcode(a, &code));
        cr_assert_eq(code, -SIGKILL, "%s: kill gives -9, got %d", meth, code);
        WEFT_ASSERT_OK(weft_process_exitcode(b, &code));
        cr_assert_eq(code, -SIGTERM, "%s: terminate gives -15, got %d", meth, code);
        WEFT_ASSERT_OK(weft_process_is_alive(a, &alive));
        cr_assert_eq(alive, 0);
        /* Signalling what has ended does nothing; joining again returns. */
        WEFT_ASSERT_OK(weft_process_kill(a));
        WEFT_ASSERT_OK(weft_process_terminate(b));
        WEFT_ASSERT_OK(weft_process_join(a, 0));
        weft_process_free(a);
        weft_process_free(b);
    }
    weft_task_free(sleep);
}

/* ---- misuse --------------------------------------------------------------- */

Test(process, state_rules)
{
    weft_task *sleep = proc_task(TASKS, "tt_sleep_ms", "i(i)", 1, 60000);
    for (int m = 0; m < PROC_NMETHODS; m++) {
        const char *meth = proc_methods[m];
        weft_process *p = proc_new(meth, sleep);
        int v;
        WEFT_ASSERT_STATUS(weft_process_join(p, 0), WEFT_RUNTIME);
        WEFT_ASSERT_STATUS(weft_process_terminate(p), WEFT_RUNTIME);
        WEFT_ASSERT_STATUS(weft_process_kill(p), WEFT_RUNTIME);
        WEFT_ASSERT_STATUS(weft_process_sentinel(p, &v), WEFT_EINVAL);
        WEFT_ASSERT_OK(weft_process_is_alive(p, &v));
        cr_assert_eq(v, 0);
        WEFT_ASSERT_OK(weft_process_pid(p, &v));
        cr_assert_eq(v, 0, "no pid before start");
        WEFT_ASSERT_OK(weft_process_exitcode(p, &v));
        cr_assert_eq(v, WEFT_PROCESS_NO_EXITCODE);
        WEFT_ASSERT_OK(weft_process_set_daemon(p, 1));
        WEFT_ASSERT_OK(weft_process_set_daemon(p, 0));

        WEFT_ASSERT_OK(weft_process_start(p));
        WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_RUNTIME);
        WEFT_ASSERT_STATUS(weft_process_set_daemon(p, 1), WEFT_RUNTIME);
        WEFT_ASSERT_STATUS(weft_process_close(p), WEFT_EINVAL);
        int pid, ident;
        WEFT_ASSERT_OK(weft_process_pid(p, &pid));
        WEFT_ASSERT_OK(weft_process_ident(p, &ident));
        cr_assert_gt(pid, 0);
        cr_assert_eq(pid, ident);
        cr_assert_neq(pid, getpid());
        WEFT_ASSERT_STATUS(weft_process_join(p, NAN), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_join(p, 1e300), WEFT_OVERFLOW);

        WEFT_ASSERT_OK(weft_process_kill(p));
        WEFT_ASSERT_OK(weft_process_join(p, -1));
        WEFT_ASSERT_OK(weft_process_close(p));
        WEFT_ASSERT_OK(weft_process_close(p));
        WEFT_ASSERT_STATUS(weft_process_join(p, 0), WEFT_CLOSED);
        WEFT_ASSERT_STATUS(weft_process_is_alive(p, &v), WEFT_CLOSED);
        WEFT_ASSERT_STATUS(weft_process_exitcode(p, &v), WEFT_CLOSED);
        WEFT_ASSERT_STATUS(weft_process_pid(p, &v), WEFT_CLOSED);
        WEFT_ASSERT_STATUS(weft_process_sentinel(p, &v), WEFT_CLOSED);
        WEFT_ASSERT_STATUS(weft_process_terminate(p), WEFT_CLOSED);
        WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_CLOSED);
        WEFT_ASSERT_STATUS(weft_process_run(p), WEFT_CLOSED);
        /* The name and the flags stay readable. */
        char *name;
        WEFT_ASSERT_OK(weft_process_name(p, &name));
        weft_free(name);
        WEFT_ASSERT_OK(weft_process_daemon(p, &v));
        weft_process_free(p);
    }
    weft_task_free(sleep);
}

Test(process, missing_object_or_symbol_fails_at_start)
{
    weft_task *nosym = proc_task(TASKS, "tt_no_such_function", "i()", 0);
    weft_task *noobj = proc_task("/nonexistent/libnothing.so", "f", "i()", 0);
    for (int m = 0; m < PROC_NMETHODS; m++) {
        weft_process *p = proc_new(proc_methods[m], nosym);
        WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_NOT_FOUND);
        int v;
        WEFT_ASSERT_STATUS(weft_process_join(p, 0), WEFT_RUNTIME);
        WEFT_ASSERT_OK(weft_process_pid(p, &v));
        cr_assert_eq(v, 0);
        weft_process_free(p);
        p = proc_new(proc_methods[m], noobj);
        WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_NOT_FOUND);
        weft_process_free(p);
    }
    weft_task_free(nosym);
    weft_task_free(noobj);
}

Test(process, callable_needs_fork)
{
    for (int m = 1; m < PROC_NMETHODS; m++) {
        weft_process_opts *o = proc_opts(proc_methods[m], NULL);
        WEFT_ASSERT_OK(weft_process_opts_set_target(o, cb_ok, NULL, NULL));
        weft_process *p;
        WEFT_ASSERT_OK(weft_process_new(&p, o));
        WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_EINVAL);
        weft_process_free(p);
        weft_process_opts_free(o);
    }
}

/* A function of the suite's own program, which spawn reaches by
 * re-executing the program. */
__attribute__((visibility("default"))) int proc_suite_exit(int code);
int proc_suite_exit(int code)
{
    _exit(code);
}

Test(process, task_of_the_main_program)
{
    weft_task *t;
    WEFT_ASSERT_OK(weft_task_from_pointer(&t, (weft_native_fn)proc_suite_exit, "i(i)"));
    WEFT_ASSERT_OK(weft_task_add_int(t, 21));
    cr_assert_eq(proc_run_task("fork", t), 21);
    cr_assert_eq(proc_run_task("spawn", t), 21);
    weft_process *p = proc_new("forkserver", t);
    WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_NOT_SUPPORTED);
    weft_process_free(p);
    weft_task_free(t);
}

Test(process, bad_handles)
{
    weft_process *p;
    WEFT_ASSERT_OK(weft_process_new(&p, NULL));
    WEFT_ASSERT_OK(weft_process_free(p));
    weft_process *freed = p;
    weft_process_opts *o;
    WEFT_ASSERT_OK(weft_process_opts_new(&o));
    weft_process *wrong = (weft_process *)o; /* a handle of another type */
    weft_process *bad[] = { NULL, freed, wrong };
    int v;
    char *s;
    void *key;
    size_t n;
    for (int i = 0; i < 3; i++) {
        weft_process *h = bad[i];
        WEFT_ASSERT_STATUS(weft_process_start(h), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_run(h), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_join(h, 0), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_is_alive(h, &v), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_terminate(h), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_kill(h), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_close(h), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_exitcode(h, &v), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_pid(h, &v), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_ident(h, &v), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_name(h, &s), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_set_name(h, "x"), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_daemon(h, &v), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_set_daemon(h, 1), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_authkey(h, &key, &n), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_set_authkey(h, "k", 1), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_sentinel(h, &v), WEFT_EINVAL);
        if (h != NULL)
            WEFT_ASSERT_STATUS(weft_process_free(h), WEFT_EINVAL);
    }
    WEFT_ASSERT_OK(weft_process_free(NULL));
    weft_process_list_free(NULL, 0);
    /* NULL out-parameters. */
    WEFT_ASSERT_OK(weft_process_new(&p, NULL));
    WEFT_ASSERT_STATUS(weft_process_new(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_new(&p, (weft_process_opts *)freed), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_is_alive(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_exitcode(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_pid(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_name(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_set_name(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_daemon(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_authkey(p, NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_authkey(p, &key, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_set_authkey(p, NULL, 4), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_sentinel(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_process_free(p));
    WEFT_ASSERT_STATUS(weft_process_free(p), WEFT_EINVAL);
    weft_process_opts_free(o);
}

/* ---- attributes ----------------------------------------------------------- */

Test(process, names)
{
    weft_process *a, *b;
    WEFT_ASSERT_OK(weft_process_new(&a, NULL));
    WEFT_ASSERT_OK(weft_process_new(&b, NULL));
    char *na, *nb;
    WEFT_ASSERT_OK(weft_process_name(a, &na));
    WEFT_ASSERT_OK(weft_process_name(b, &nb));
    cr_assert(strncmp(na, "Process-", 8) == 0, "default name %s", na);
    cr_assert_eq(atoi(nb + 8), atoi(na + 8) + 1, "%s then %s", na, nb);
    weft_free(na);
    weft_free(nb);
    WEFT_ASSERT_OK(weft_process_set_name(a, "renamed"));
    WEFT_ASSERT_OK(weft_process_name(a, &na));
    cr_assert_str_eq(na, "renamed");
    weft_free(na);
    weft_process_free(a);
    weft_process_free(b);

    weft_process_opts *o;
    WEFT_ASSERT_OK(weft_process_opts_new(&o));
    WEFT_ASSERT_OK(weft_process_opts_set_name(o, "worker"));
    WEFT_ASSERT_OK(weft_process_new(&a, o));
    WEFT_ASSERT_OK(weft_process_name(a, &na));
    cr_assert_str_eq(na, "worker");
    weft_free(na);
    weft_process_free(a);
    WEFT_ASSERT_OK(weft_process_opts_set_name(o, NULL));
    WEFT_ASSERT_OK(weft_process_new(&a, o));
    WEFT_ASSERT_OK(weft_process_name(a, &na));
    cr_assert(strncmp(na, "Process-", 8) == 0);
    weft_free(na);
    weft_process_free(a);
    weft_process_opts_free(o);
}

Test(process, daemon_flag)
{
    weft_process_opts *o;
    WEFT_ASSERT_OK(weft_process_opts_new(&o));
    weft_process *p;
    int d;
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    WEFT_ASSERT_OK(weft_process_daemon(p, &d));
    cr_assert_eq(d, 0, "the main process is not daemonic, so neither is its child by default");
    weft_process_free(p);
    WEFT_ASSERT_OK(weft_process_opts_set_daemon(o, 1));
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    WEFT_ASSERT_OK(weft_process_daemon(p, &d));
    cr_assert_eq(d, 1);
    WEFT_ASSERT_OK(weft_process_set_daemon(p, 0));
    WEFT_ASSERT_OK(weft_process_daemon(p, &d));
    cr_assert_eq(d, 0);
    weft_process_free(p);
    WEFT_ASSERT_OK(weft_process_opts_set_daemon(o, -1));
    WEFT_ASSERT_STATUS(weft_process_opts_set_daemon(o, 2), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_opts_set_daemon(o, -2), WEFT_EINVAL);
    weft_process_opts_free(o);
}

Test(process, authkey_from_the_current_process)
{
    weft_process *cur;
    WEFT_ASSERT_OK(weft_multiprocessing_current_process(&cur));
    void *k1, *k2;
    size_t n1, n2;
    WEFT_ASSERT_OK(weft_process_authkey(cur, &k1, &n1));
    cr_assert_eq(n1, 32, "the main process has 32 random bytes");
    weft_process *p;
    WEFT_ASSERT_OK(weft_process_new(&p, NULL));
    WEFT_ASSERT_OK(weft_process_authkey(p, &k2, &n2));
    cr_assert_eq(n2, 32);
    cr_assert(memcmp(k1, k2, 32) == 0, "a new process takes the current key");
    weft_free(k2);
    WEFT_ASSERT_OK(weft_process_set_authkey(p, "secret", 6));
    WEFT_ASSERT_OK(weft_process_authkey(p, &k2, &n2));
    cr_assert_eq(n2, 6);
    cr_assert(memcmp(k2, "secret", 6) == 0);
    weft_free(k2);
    WEFT_ASSERT_OK(weft_process_set_authkey(p, NULL, 0));
    WEFT_ASSERT_OK(weft_process_authkey(p, &k2, &n2));
    cr_assert_eq(n2, 0);
    weft_free(k2);
    weft_process_free(p);
    /* A key set on the current process reaches processes made later. */
    WEFT_ASSERT_OK(weft_process_set_authkey(cur, "shared", 6));
    WEFT_ASSERT_OK(weft_process_new(&p, NULL));
    WEFT_ASSERT_OK(weft_process_authkey(p, &k2, &n2));
    cr_assert(n2 == 6 && memcmp(k2, "shared", 6) == 0);
    weft_free(k2);
    weft_process_free(p);
    weft_free(k1);
    weft_process_free(cur);
}

/* The child checks its own identity and its parent's (pt_check_identity). */
Test(process, identity_in_the_child)
{
    for (int m = 0; m < PROC_NMETHODS; m++) {
        for (int daemon = 0; daemon <= 1; daemon++) {
            weft_task *t;
            WEFT_ASSERT_OK(weft_task_new(&t, PTASKS, "pt_check_identity", "i(yii)"));
            WEFT_ASSERT_OK(weft_task_add_bytes(t, "checker", 7));
            WEFT_ASSERT_OK(weft_task_add_int(t, getpid()));
            WEFT_ASSERT_OK(weft_task_add_int(t, daemon));
            weft_process_opts *o = proc_opts(proc_methods[m], t);
            WEFT_ASSERT_OK(weft_process_opts_set_name(o, "checker"));
            WEFT_ASSERT_OK(weft_process_opts_set_daemon(o, daemon));
            weft_process *p;
            WEFT_ASSERT_OK(weft_process_new(&p, o));
            cr_assert_eq(proc_run(p), 0, "%s daemon=%d: the child saw the wrong identity", proc_methods[m], daemon);
            weft_process_free(p);
            weft_process_opts_free(o);
            weft_task_free(t);
        }
    }
}

/* ---- daemons -------------------------------------------------------------- */

Test(process, daemonic_process_cannot_have_children)
{
    weft_task *t = proc_task(PTASKS, "pt_try_child", "i()", 0);
    for (int m = 0; m < PROC_NMETHODS; m++) {
        weft_process_opts *o = proc_opts(proc_methods[m], t);
        WEFT_ASSERT_OK(weft_process_opts_set_daemon(o, 1));
        weft_process *p;
        WEFT_ASSERT_OK(weft_process_new(&p, o));
        cr_assert_eq(proc_run(p), 0, "%s: a daemonic child was allowed a child", proc_methods[m]);
        weft_process_free(p);
        /* A non-daemonic child may. */
        WEFT_ASSERT_OK(weft_process_opts_set_daemon(o, 0));
        WEFT_ASSERT_OK(weft_process_new(&p, o));
        cr_assert_eq(proc_run(p), 5, "%s: a child was refused a child", proc_methods[m]);
        weft_process_free(p);
        weft_process_opts_free(o);
    }
    weft_task_free(t);
    /* The current process made daemonic may not either. */
    weft_process *cur, *p;
    WEFT_ASSERT_OK(weft_multiprocessing_current_process(&cur));
    WEFT_ASSERT_OK(weft_process_set_daemon(cur, 1));
    WEFT_ASSERT_OK(weft_process_new(&p, NULL));
    WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_process_set_daemon(cur, 0));
    WEFT_ASSERT_OK(weft_process_start(p));
    WEFT_ASSERT_OK(weft_process_join(p, -1));
    weft_process_free(p);
    weft_process_free(cur);
}

/* ---- sentinel ------------------------------------------------------------- */

Test(process, sentinel_in_connection_wait)
{
    weft_task *sleep = proc_task(TASKS, "tt_sleep_ms", "i(i)", 1, 60000);
    for (int m = 0; m < PROC_NMETHODS; m++) {
        weft_process *a = proc_new(proc_methods[m], sleep), *b = proc_new(proc_methods[m], sleep);
        WEFT_ASSERT_OK(weft_process_start(a));
        WEFT_ASSERT_OK(weft_process_start(b));
        int fds[2];
        WEFT_ASSERT_OK(weft_process_sentinel(a, &fds[0]));
        WEFT_ASSERT_OK(weft_process_sentinel(b, &fds[1]));
        int ready[2];
        size_t nready;
        WEFT_ASSERT_OK(weft_connection_wait(NULL, fds, 2, 0, ready, &nready));
        cr_assert_eq(nready, 0, "%s: a sentinel fired while both run", proc_methods[m]);
        WEFT_ASSERT_OK(weft_process_kill(b));
        WEFT_ASSERT_OK(weft_connection_wait(NULL, fds, 2, 60, ready, &nready));
        cr_assert_eq(nready, 1);
        cr_assert(ready[0] == 0 && ready[1] == 1, "%s: only b's sentinel fires", proc_methods[m]);
        /* It stays readable, also after join. */
        WEFT_ASSERT_OK(weft_process_join(b, -1));
        struct pollfd pfd = { .fd = fds[1], .events = POLLIN };
        cr_assert_eq(poll(&pfd, 1, 0), 1, "%s: the sentinel is no longer readable", proc_methods[m]);
        WEFT_ASSERT_OK(weft_process_terminate(a));
        WEFT_ASSERT_OK(weft_connection_wait(NULL, fds, 1, 60, ready, &nready));
        cr_assert_eq(ready[0], 1);
        WEFT_ASSERT_OK(weft_process_join(a, -1));
        weft_process_free(a);
        weft_process_free(b);
    }
    weft_task_free(sleep);
}

/* ---- module functions ------------------------------------------------------- */

static int contains(weft_process **list, size_t n, weft_process *p)
{
    int pid, want;
    weft_process_pid(p, &want);
    for (size_t i = 0; i < n; i++) {
        weft_process_pid(list[i], &pid);
        if (pid == want)
            return 1;
    }
    return 0;
}

Test(process, active_children_lists_and_reaps)
{
    weft_task *sleep = proc_task(TASKS, "tt_sleep_ms", "i(i)", 1, 60000);
    weft_task *quick = proc_task(TASKS, "tt_exit3", "i()", 0);
    for (int m = 0; m < PROC_NMETHODS; m++) {
        weft_process **list;
        size_t n;
        WEFT_ASSERT_OK(weft_multiprocessing_active_children(&list, &n));
        cr_assert_eq(n, 0);
        cr_assert_null(list);
        weft_process *a = proc_new(proc_methods[m], sleep), *q = proc_new(proc_methods[m], quick);
        WEFT_ASSERT_OK(weft_process_start(a));
        WEFT_ASSERT_OK(weft_process_start(q));
        /* The caller's references may go: the module keeps started children. */
        weft_process *a_again;
        WEFT_ASSERT_OK(weft_handle_ref(a));
        a_again = a;
        WEFT_ASSERT_OK(weft_process_free(a));
        WEFT_ASSERT_OK(weft_multiprocessing_active_children(&list, &n));
        cr_assert(contains(list, n, a_again));
        weft_process_list_free(list, n);
        /* The quick one ends by itself; active_children reaps it. */
        double t0 = weft_test_now();
        for (;;) {
            WEFT_ASSERT_OK(weft_multiprocessing_active_children(&list, &n));
            int has_q = contains(list, n, q);
            weft_process_list_free(list, n);
            if (!has_q)
                break;
            cr_assert_lt(weft_test_now() - t0, 30, "%s: the quick child never left active_children", proc_methods[m]);
            usleep(5000);
        }
        int code;
        WEFT_ASSERT_OK(weft_process_exitcode(q, &code));
        cr_assert_eq(code, 3, "%s: reaped by active_children, exit code kept", proc_methods[m]);
        WEFT_ASSERT_OK(weft_process_kill(a_again));
        WEFT_ASSERT_OK(weft_process_join(a_again, -1));
        WEFT_ASSERT_OK(weft_multiprocessing_active_children(&list, &n));
        cr_assert_eq(n, 0);
        weft_process_free(a_again);
        weft_process_free(q);
    }
    WEFT_ASSERT_STATUS(weft_multiprocessing_active_children(NULL, NULL), WEFT_EINVAL);
    weft_process **list;
    WEFT_ASSERT_STATUS(weft_multiprocessing_active_children(&list, NULL), WEFT_EINVAL);
    weft_task_free(sleep);
    weft_task_free(quick);
}

Test(process, current_and_parent_in_the_main_process)
{
    weft_process *cur, *par;
    WEFT_ASSERT_OK(weft_multiprocessing_current_process(&cur));
    char *name;
    WEFT_ASSERT_OK(weft_process_name(cur, &name));
    cr_assert_str_eq(name, "MainProcess");
    weft_free(name);
    int v;
    WEFT_ASSERT_OK(weft_process_pid(cur, &v));
    cr_assert_eq(v, getpid());
    WEFT_ASSERT_OK(weft_process_is_alive(cur, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_process_exitcode(cur, &v));
    cr_assert_eq(v, WEFT_PROCESS_NO_EXITCODE);
    WEFT_ASSERT_STATUS(weft_process_join(cur, 0), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_process_start(cur), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_process_terminate(cur), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_process_sentinel(cur, &v), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_process_daemon(cur, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_OK(weft_process_run(cur));
    WEFT_ASSERT_OK(weft_process_free(cur));
    WEFT_ASSERT_OK(weft_multiprocessing_parent_process(&par));
    cr_assert_null(par);
    WEFT_ASSERT_STATUS(weft_multiprocessing_current_process(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_multiprocessing_parent_process(NULL), WEFT_EINVAL);
}

/* In a fork child: current_process is the Process, parent_process the parent. */
static void cb_check_family(void *arg, weft_outcome *o)
{
    int parent_pid = *(int *)arg;
    weft_process *cur = NULL, *par = NULL;
    char *name = NULL;
    int pid = 0, alive = 0;
    weft_multiprocessing_current_process(&cur);
    weft_multiprocessing_parent_process(&par);
    weft_process_name(cur, &name);
    if (par != NULL) {
        weft_process_pid(par, &pid);
        weft_process_is_alive(par, &alive);
    }
    /* The child's own children are numbered below it: "Process-N:1". */
    weft_process *grandchild = NULL;
    char *gname = NULL;
    weft_process_new(&grandchild, NULL);
    weft_process_name(grandchild, &gname);
    if (name == NULL || strcmp(name, "family") != 0 || pid != parent_pid || !alive || gname == NULL ||
        strncmp(gname, "Process-", 8) != 0 || strcmp(strchr(gname, ':') ? strchr(gname, ':') : "", ":1") != 0)
        weft_outcome_set_error(o, WEFT_FAILED, "wrong family", NULL, NULL);
    weft_free(gname);
    weft_process_free(grandchild);
    weft_free(name);
    weft_process_free(cur);
    weft_process_free(par);
}

Test(process, current_and_parent_in_a_fork_child)
{
    int me = getpid();
    weft_process_opts *o = proc_opts("fork", NULL);
    WEFT_ASSERT_OK(weft_process_opts_set_name(o, "family"));
    WEFT_ASSERT_OK(weft_process_opts_set_target(o, cb_check_family, &me, NULL));
    weft_process *p;
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    cr_assert_eq(proc_run(p), 0);
    weft_process_free(p);
    weft_process_opts_free(o);
}

static int run_count;
static void cb_count(void *arg, weft_outcome *o)
{
    (void)o;
    run_count += *(int *)arg;
}

static void free_count(void *arg)
{
    run_count += 100 * *(int *)arg;
}

Test(process, run_calls_the_target_here)
{
    int one = 1;
    weft_process_opts *o;
    WEFT_ASSERT_OK(weft_process_opts_new(&o));
    WEFT_ASSERT_OK(weft_process_opts_set_target(o, cb_count, &one, free_count));
    weft_process *p;
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    WEFT_ASSERT_OK(weft_process_run(p));
    WEFT_ASSERT_OK(weft_process_run(p));
    cr_assert_eq(run_count, 2);
    /* The argument lives until the options and every process are freed. */
    WEFT_ASSERT_OK(weft_process_opts_free(o));
    cr_assert_eq(run_count, 2);
    WEFT_ASSERT_OK(weft_process_free(p));
    cr_assert_eq(run_count, 102);

    WEFT_ASSERT_OK(weft_process_opts_new(&o));
    WEFT_ASSERT_OK(weft_process_opts_set_target(o, cb_fail, NULL, NULL));
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    WEFT_ASSERT_STATUS(weft_process_run(p), WEFT_FAILED);
    cr_assert(strstr(weft_errmsg(), "on purpose") != NULL);
    weft_process_free(p);
    /* A task runs here too. */
    weft_task *t = proc_task(TASKS, "tt_add", "i(ii)", 1, 1);
    WEFT_ASSERT_OK(weft_process_opts_set_task(o, t));
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    WEFT_ASSERT_STATUS(weft_process_run(p), WEFT_EINVAL); /* an argument is missing */
    weft_process_free(p);
    WEFT_ASSERT_OK(weft_task_add_int(t, 2));
    WEFT_ASSERT_OK(weft_process_opts_set_task(o, t));
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    WEFT_ASSERT_OK(weft_process_run(p));
    weft_process_free(p);
    WEFT_ASSERT_OK(weft_process_opts_set_task(o, NULL));
    WEFT_ASSERT_OK(weft_process_opts_set_target(o, NULL, NULL, NULL));
    weft_task_free(t);
    weft_process_opts_free(o);
}

Test(process, opts_failure_paths)
{
    weft_process_opts *o, *freed;
    WEFT_ASSERT_OK(weft_process_opts_new(&freed));
    WEFT_ASSERT_OK(weft_process_opts_free(freed));
    WEFT_ASSERT_STATUS(weft_process_opts_free(freed), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_process_opts_free(NULL));
    WEFT_ASSERT_STATUS(weft_process_opts_new(NULL), WEFT_EINVAL);
    weft_process_opts *bad[] = { NULL, freed };
    weft_mp_context *ctx;
    WEFT_ASSERT_OK(weft_multiprocessing_get_context(&ctx, "spawn"));
    for (int i = 0; i < 2; i++) {
        WEFT_ASSERT_STATUS(weft_process_opts_set_name(bad[i], "x"), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_opts_set_daemon(bad[i], 1), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_opts_set_context(bad[i], ctx), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_opts_set_target(bad[i], cb_ok, NULL, NULL), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_process_opts_set_task(bad[i], NULL), WEFT_EINVAL);
    }
    WEFT_ASSERT_OK(weft_process_opts_new(&o));
    WEFT_ASSERT_STATUS(weft_process_opts_set_context(o, (weft_mp_context *)o), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_process_opts_set_task(o, (weft_task *)o), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_process_opts_set_context(o, ctx));
    WEFT_ASSERT_OK(weft_process_opts_set_context(o, NULL));
    WEFT_ASSERT_OK(weft_process_opts_free(o));
    weft_mp_context_free(ctx);
}

/* ---- descriptors ------------------------------------------------------------ */

Test(process, spawned_children_get_only_their_descriptors)
{
    /* Descriptors the parent holds, inheritable or not, stay out of a spawn
     * or forkserver child: it has its sentinel and its parent's alive pipe
     * (spawn), or the alive pipe (forkserver). */
    int leak[2];
    cr_assert_eq(pipe(leak), 0); /* not close-on-exec */
    weft_task *t = proc_task(PTASKS, "pt_open_fds", "i()", 0);
    cr_assert_eq(proc_run_task("spawn", t), 2);
    cr_assert_eq(proc_run_task("forkserver", t), 1);
    weft_task_free(t);
    close(leak[0]);
    close(leak[1]);
}

Test(process, no_descriptor_leaks)
{
    weft_task *t = proc_task(TASKS, "tt_add", "i(ii)", 2, 1, 2);
    weft_task *sleep = proc_task(TASKS, "tt_sleep_ms", "i(i)", 1, 60000);
    /* The first use opens what lives as long as the process: the alive
     * pipe and the forkserver's socket. */
    for (int m = 0; m < PROC_NMETHODS; m++)
        proc_run_task(proc_methods[m], t);
    int before = weft_test_count_fds();
    for (int m = 0; m < PROC_NMETHODS; m++) {
        for (int i = 0; i < 10; i++)
            cr_assert_eq(proc_run_task(proc_methods[m], t), 0);
        /* Freed or closed while running: nothing stays open here. */
        weft_process *p = proc_new(proc_methods[m], sleep);
        WEFT_ASSERT_OK(weft_process_start(p));
        WEFT_ASSERT_OK(weft_process_kill(p));
        WEFT_ASSERT_OK(weft_process_join(p, -1));
        WEFT_ASSERT_OK(weft_process_close(p));
        weft_process_free(p);
    }
    cr_assert_eq(weft_test_count_fds(), before);
    cr_assert_not(weft_test_have_zombie_child());
    weft_task_free(t);
    weft_task_free(sleep);
}

/* ---- the shared-memory tracker ------------------------------------------------ */

/* A spawned child shares its parent's tracker: a segment the child created
 * and left outlives the child while the parent lives (a tracker of the
 * child's own would unlink it when the child exits), and goes when the
 * program ends. The parent's tracker exists first, from a segment of its own. */
Test(process, spawned_child_shares_the_shm_tracker)
{
    char mine[64], childs[64], path[96];
    snprintf(mine, sizeof mine, "/weft-tt-parent-%d", (int)getpid());
    snprintf(childs, sizeof childs, "/weft-tt-child-%d", (int)getpid());
    weft_shared_memory *m;
    WEFT_ASSERT_OK(weft_shared_memory_new(&m, mine, 1, 64, 1));
    weft_task *t;
    WEFT_ASSERT_OK(weft_task_new(&t, PTASKS, "pt_create_segment", "i(y)"));
    WEFT_ASSERT_OK(weft_task_add_bytes(t, childs, strlen(childs)));
    cr_assert_eq(proc_run_task("spawn", t), 0, "the child could not create its segment");
    weft_task_free(t);
    snprintf(path, sizeof path, "/dev/shm%s", childs);
    /* A tracker of the child's own would unlink it moments after the child
     * ended; watch for a second, well past that. */
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(access(path, F_OK), 0, "the child's segment went with the child: it had a tracker of its own");
        usleep(10 * 1000);
    }
    WEFT_ASSERT_OK(weft_shared_memory_unlink(m));
    WEFT_ASSERT_OK(weft_shared_memory_free(m));
    cr_assert_eq(shm_unlink(childs), 0);
}
