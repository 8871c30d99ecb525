/* No descriptor leaks, no zombies, freed-while-running children reaped,
 * and the pidfd-less waiter. */
#include "sp_util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>

static int reaped(int pid)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD;
}

/* Waits (bounded) until `pid` has been reaped by someone else. */
static void assert_reaped_soon(int pid)
{
    double t0 = weft_test_now();
    while (!reaped(pid)) {
        cr_assert_lt(weft_test_now() - t0, 10.0, "pid %d was never reaped", pid);
        usleep(5000);
    }
}

Test(leaks, descriptors_after_many_popens)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_PIPE));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    WEFT_ASSERT_OK(weft_popen_opts_set_stderr(o, WEFT_SUBPROCESS_DEVNULL));
    int before = sp_count_fds();
    const char *argv[] = { "cat", NULL };
    for (int i = 0; i < 50; i++) {
        weft_popen *p;
        WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
        char *out;
        WEFT_ASSERT_OK(weft_popen_communicate(p, "abc", 3, 10, &out, NULL, NULL, NULL));
        weft_free(out);
        weft_popen_free(p);
    }
    /* Freed before communicate: the pipes are closed by free. */
    for (int i = 0; i < 20; i++) {
        weft_popen *p;
        WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
        weft_popen_free(p);
    }
    cr_assert_eq(sp_count_fds(), before);
    weft_popen_opts_free(o);
}

Test(leaks, freed_while_running_is_reaped)
{
    const char *argv[] = { "sleep", "0.2", NULL };
    int pids[5];
    for (int i = 0; i < 5; i++) {
        weft_popen *p;
        WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
        weft_popen_pid(p, &pids[i]);
        WEFT_ASSERT_OK(weft_popen_free(p));
    }
    for (int i = 0; i < 5; i++)
        assert_reaped_soon(pids[i]);
    cr_assert_not(sp_have_zombie_child());
}

Test(leaks, exited_but_unwaited_is_reaped_by_free)
{
    const char *argv[] = { "true", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    int pid;
    weft_popen_pid(p, &pid);
    usleep(100000);
    weft_popen_free(p);
    assert_reaped_soon(pid);
}

/* ---- the waiter used without pidfd ------------------------------------- */

static void *wait_in_thread(void *arg)
{
    int rc = 99;
    weft_status st = weft_popen_wait(arg, -1, &rc);
    return (void *)(intptr_t)(st == WEFT_OK ? rc : -1000);
}

Test(leaks, fallback_waiter_without_pidfd)
{
    setenv("WEFT_SUBPROCESS_NO_PIDFD", "1", 1);
    const char *argv[] = { "sleep", "0.4", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_popen_wait(p, 0.1, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.1);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, wait_in_thread, p);
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, 0);
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_assert_eq((intptr_t)r, 0);
    }
    weft_popen_free(p);

    /* Signals and timeouts in communicate work the same way. */
    const char *slow[] = { "sleep", "30", NULL };
    weft_completed_process *cp;
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, slow, NULL, NULL, 0, 1, 0.2, 0), WEFT_TIMEOUT);
    weft_completed_process_returncode(cp, &rc);
    cr_assert_eq(rc, -SIGKILL);
    weft_completed_process_free(cp);

    /* Freed while the waiter thread runs: still reaped. */
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    int pid;
    weft_popen_pid(p, &pid);
    WEFT_ASSERT_STATUS(weft_popen_wait(p, 0.05, NULL), WEFT_TIMEOUT);
    weft_popen_free(p);
    assert_reaped_soon(pid);
    cr_assert_not(sp_have_zombie_child());
}

Test(leaks, no_zombies_after_run_family)
{
    const char *argv[] = { "sh", "-c", "exit 3", NULL };
    for (int i = 0; i < 10; i++) {
        int rc;
        weft_subprocess_call(argv, NULL, -1, &rc);
        weft_completed_process *cp;
        weft_subprocess_run(&cp, argv, NULL, NULL, 0, 1, -1, 1);
        weft_completed_process_free(cp);
    }
    cr_assert_not(sp_have_zombie_child());
}
