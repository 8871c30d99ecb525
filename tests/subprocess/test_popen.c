/* Popen basics: start, poll, wait, returncode, pid, args, signals, streams. */
#include "sp_util.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>

Test(popen, true_and_false)
{
    weft_popen *p;
    const char *t[] = { "true", NULL };
    WEFT_ASSERT_OK(weft_popen_new(&p, t, NULL));
    int rc = 1234;
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, 0);
    WEFT_ASSERT_OK(weft_popen_returncode(p, &rc));
    cr_assert_eq(rc, 0);
    WEFT_ASSERT_OK(weft_popen_free(p));

    const char *f[] = { "/bin/false", NULL };
    WEFT_ASSERT_OK(weft_popen_new(&p, f, NULL));
    WEFT_ASSERT_OK(weft_popen_wait(p, 10, &rc));
    cr_assert_eq(rc, 1);
    WEFT_ASSERT_OK(weft_popen_free(p));
}

Test(popen, exit_status_and_args)
{
    const char *argv[] = { "sh", "-c", "exit 42", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    const char *const *args;
    size_t n;
    WEFT_ASSERT_OK(weft_popen_args(p, &args, &n));
    cr_assert_eq(n, 3);
    cr_assert_str_eq(args[2], "exit 42");
    cr_assert_null(args[3]);
    int pid = 0;
    WEFT_ASSERT_OK(weft_popen_pid(p, &pid));
    cr_assert_gt(pid, 0);
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, 42);
    WEFT_ASSERT_OK(weft_popen_poll(p, &rc));
    cr_assert_eq(rc, 42);
    weft_popen_free(p);
}

Test(popen, poll_running_then_kill)
{
    const char *argv[] = { "sleep", "30", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    int rc = 0;
    WEFT_ASSERT_OK(weft_popen_poll(p, &rc));
    cr_assert_eq(rc, WEFT_SUBPROCESS_RUNNING);
    WEFT_ASSERT_OK(weft_popen_returncode(p, &rc));
    cr_assert_eq(rc, WEFT_SUBPROCESS_RUNNING);
    WEFT_ASSERT_OK(weft_popen_kill(p));
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, -SIGKILL);
    /* Signals after the reap do nothing. */
    WEFT_ASSERT_OK(weft_popen_kill(p));
    WEFT_ASSERT_OK(weft_popen_terminate(p));
    weft_popen_free(p);
}

Test(popen, terminate_and_send_signal)
{
    const char *argv[] = { "sleep", "30", NULL };
    weft_popen *p;
    int rc;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    WEFT_ASSERT_OK(weft_popen_terminate(p));
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, -SIGTERM);
    weft_popen_free(p);

    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    WEFT_ASSERT_OK(weft_popen_send_signal(p, SIGUSR1));
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, -SIGUSR1);
    WEFT_ASSERT_STATUS(weft_popen_send_signal(p, -3), WEFT_EINVAL);
    weft_popen_free(p);
}

Test(popen, wait_timeout_lower_bound)
{
    const char *argv[] = { "sleep", "30", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    int rc = 7;
    WEFT_ASSERT_STATUS(weft_popen_wait(p, 0, &rc), WEFT_TIMEOUT);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_popen_wait(p, 0.2, &rc), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.2);
    cr_assert_eq(rc, 7, "returncode untouched on timeout");
    WEFT_ASSERT_STATUS(weft_popen_wait(p, NAN, &rc), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_wait(p, 1e300, &rc), WEFT_OVERFLOW);
    weft_popen_kill(p);
    WEFT_ASSERT_OK(weft_popen_wait(p, 30, &rc));
    cr_assert_eq(rc, -SIGKILL);
    weft_popen_free(p);
}

Test(popen, pipes_direct_use)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_PIPE));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    const char *argv[] = { "cat", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    int in, out, err;
    WEFT_ASSERT_OK(weft_popen_stdin(p, &in));
    WEFT_ASSERT_OK(weft_popen_stdout(p, &out));
    WEFT_ASSERT_OK(weft_popen_stderr(p, &err));
    cr_assert_geq(in, 0);
    cr_assert_geq(out, 0);
    cr_assert_eq(err, -1);
    cr_assert_eq(write(in, "hello", 5), 5);
    WEFT_ASSERT_OK(weft_popen_close_stdin(p));
    WEFT_ASSERT_OK(weft_popen_stdin(p, &in));
    cr_assert_eq(in, -1);
    WEFT_ASSERT_OK(weft_popen_close_stdin(p)); /* twice is fine */
    char buf[16];
    ssize_t n = read(out, buf, sizeof buf);
    cr_assert_eq(n, 5);
    cr_assert(memcmp(buf, "hello", 5) == 0);
    cr_assert_eq(read(out, buf, sizeof buf), 0);
    WEFT_ASSERT_OK(weft_popen_close_stdout(p));
    WEFT_ASSERT_OK(weft_popen_close_stderr(p));
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, 0);
    weft_popen_free(p);
    weft_popen_opts_free(o);
}

Test(popen, shell_and_executable)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_shell(o, 1));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    const char *argv[] = { "echo \"$0-$1\"; exit 3", "zero", "one", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    char *out;
    size_t len;
    WEFT_ASSERT_OK(weft_popen_communicate(p, NULL, 0, 10, &out, &len, NULL, NULL));
    cr_assert_str_eq(out, "zero-one\n");
    weft_free(out);
    int rc;
    WEFT_ASSERT_OK(weft_popen_returncode(p, &rc));
    cr_assert_eq(rc, 3);
    weft_popen_free(p);
    weft_popen_opts_free(o);

    /* executable replaces the program; argv[0] is what the child sees. */
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_executable(o, "/bin/sh"));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    const char *argv2[] = { "myname", "-c", "echo $0", NULL };
    WEFT_ASSERT_OK(weft_popen_new(&p, argv2, o));
    WEFT_ASSERT_OK(weft_popen_communicate(p, NULL, 0, 10, &out, &len, NULL, NULL));
    cr_assert_str_eq(out, "myname\n");
    weft_free(out);
    weft_popen_free(p);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_executable(o, ""), WEFT_EINVAL);
    weft_popen_opts_free(o);
}

Test(popen, stream_choices)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_DEVNULL));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    WEFT_ASSERT_OK(weft_popen_opts_set_stderr(o, WEFT_SUBPROCESS_STDOUT));
    const char *argv[] = { "sh", "-c", "cat; echo out; echo err >&2", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    char *out, *err = (char *)"x";
    size_t len, elen = 9;
    WEFT_ASSERT_OK(weft_popen_communicate(p, NULL, 0, 10, &out, &len, &err, &elen));
    cr_assert_str_eq(out, "out\nerr\n");
    cr_assert_null(err);
    cr_assert_eq(elen, 0);
    weft_free(out);
    weft_popen_free(p);

    /* A descriptor of the caller's. */
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, pfd[1]));
    WEFT_ASSERT_OK(weft_popen_opts_set_stderr(o, WEFT_SUBPROCESS_DEVNULL));
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    close(pfd[1]);
    char buf[32] = { 0 };
    size_t got = 0;
    ssize_t n;
    while ((n = read(pfd[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    cr_assert_str_eq(buf, "out\n");
    close(pfd[0]);
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, NULL));
    weft_popen_free(p);

    WEFT_ASSERT_STATUS(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_STDOUT), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_stdout(o, -17), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_opts_set_stderr(o, WEFT_SUBPROCESS_INHERIT));
    weft_popen_opts_free(o);
}

Test(popen, bad_handles)
{
    int x;
    const char *const *args;
    WEFT_ASSERT_STATUS(weft_popen_poll(NULL, &x), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_wait(NULL, 1, &x), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_communicate(NULL, NULL, 0, 1, NULL, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_send_signal(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_terminate(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_kill(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_args(NULL, &args, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_pid(NULL, &x), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_returncode(NULL, &x), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_stdin(NULL, &x), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_stdout(NULL, &x), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_stderr(NULL, &x), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_close_stdin(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_close_stdout(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_close_stderr(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_free(NULL));

    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    /* An options handle is not a Popen. */
    WEFT_ASSERT_STATUS(weft_popen_poll((weft_popen *)o, &x), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_free((weft_popen *)o), WEFT_EINVAL);
    weft_popen *p;
    const char *argv[] = { "true", NULL };
    const char *empty[] = { NULL };
    WEFT_ASSERT_STATUS(weft_popen_new(NULL, argv, o), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_new(&p, NULL, o), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_new(&p, empty, o), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, (weft_popen_opts *)p), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_poll(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_pid(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_args(p, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_stdin(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_returncode(p, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, NULL));
    WEFT_ASSERT_OK(weft_popen_free(p));
    WEFT_ASSERT_STATUS(weft_popen_free(p), WEFT_EINVAL);
    /* Without pidfd a waiter thread holds the Popen a moment longer; once it
     * lets go, the handle is freed for good. */
    for (int i = 0; i < 5000 && weft_popen_wait(p, 1, &x) != WEFT_EINVAL; i++)
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    WEFT_ASSERT_STATUS(weft_popen_wait(p, 1, &x), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_opts_free(o));
    WEFT_ASSERT_STATUS(weft_popen_opts_free(o), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_new(NULL), WEFT_EINVAL);
}

static void *waiter(void *arg)
{
    int rc = 99;
    weft_status st = weft_popen_wait(arg, -1, &rc);
    return (void *)(intptr_t)(st == WEFT_OK ? rc : -1000);
}

Test(popen, concurrent_waiters)
{
    /* Several threads wait at once; poll never blocks behind them. */
    const char *argv[] = { "sh", "-c", "sleep 0.3; exit 5", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, waiter, p);
    int rc;
    double t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_popen_poll(p, &rc));
    cr_assert_eq(rc, WEFT_SUBPROCESS_RUNNING);
    WEFT_ASSERT_STATUS(weft_popen_wait(p, 0.05, &rc), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_assert_eq((intptr_t)r, 5);
    }
    WEFT_ASSERT_OK(weft_popen_poll(p, &rc));
    cr_assert_eq(rc, 5);
    weft_popen_free(p);
}
