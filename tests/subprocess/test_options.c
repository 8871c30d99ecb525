/* Each Popen option, observed from the child. */
#define _GNU_SOURCE
#include "sp_util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

static weft_popen_opts *opts(void)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    return o;
}

Test(options, cwd)
{
    weft_popen_opts *o = opts();
    WEFT_ASSERT_OK(weft_popen_opts_set_cwd(o, "/tmp"));
    char *out = sp_sh_output("pwd", o, NULL);
    cr_assert_str_eq(out, "/tmp\n");
    weft_free(out);
    WEFT_ASSERT_OK(weft_popen_opts_set_cwd(o, NULL));
    weft_popen_opts_free(o);
}

Test(options, env_replace)
{
    weft_popen_opts *o = opts();
    const char *env[] = { "ONLY=1", "OTHER=two words", NULL };
    WEFT_ASSERT_OK(weft_popen_opts_set_env(o, env));
    const char *argv[] = { "/usr/bin/env", NULL };
    char *out;
    WEFT_ASSERT_OK(weft_subprocess_check_output(&out, NULL, NULL, argv, o, NULL, 0, 10));
    cr_assert_str_eq(out, "ONLY=1\nOTHER=two words\n");
    weft_free(out);

    /* With no PATH in the environment the default /bin:/usr/bin is searched. */
    const char *argv2[] = { "env", NULL };
    WEFT_ASSERT_OK(weft_subprocess_check_output(&out, NULL, NULL, argv2, o, NULL, 0, 10));
    cr_assert_str_eq(out, "ONLY=1\nOTHER=two words\n");
    weft_free(out);

    const char *empty[] = { NULL };
    WEFT_ASSERT_OK(weft_popen_opts_set_env(o, empty));
    WEFT_ASSERT_OK(weft_subprocess_check_output(&out, NULL, NULL, argv, o, NULL, 0, 10));
    cr_assert_str_eq(out, "");
    weft_free(out);

    const char *bad[] = { "NOEQUALS", NULL };
    WEFT_ASSERT_STATUS(weft_popen_opts_set_env(o, bad), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_opts_set_env(o, NULL));
    weft_popen_opts_free(o);
}

Test(options, env_overrides)
{
    setenv("WEFT_T_KEEP", "kept", 1);
    setenv("WEFT_T_DROP", "dropped", 1);
    setenv("WEFT_T_CHANGE", "old", 1);
    weft_popen_opts *o = opts();
    WEFT_ASSERT_OK(weft_popen_opts_set_env_var(o, "WEFT_T_CHANGE", "new"));
    WEFT_ASSERT_OK(weft_popen_opts_set_env_var(o, "WEFT_T_ADDED", "added"));
    WEFT_ASSERT_OK(weft_popen_opts_unset_env_var(o, "WEFT_T_DROP"));
    char *out = sp_sh_output("echo \"$WEFT_T_KEEP/${WEFT_T_DROP-unset}/$WEFT_T_CHANGE/$WEFT_T_ADDED\"", o, NULL);
    cr_assert_str_eq(out, "kept/unset/new/added\n");
    weft_free(out);

    /* Overrides also apply on top of a replaced environment. */
    const char *env[] = { "A=1", "B=2", "PATH=/usr/bin:/bin", NULL };
    WEFT_ASSERT_OK(weft_popen_opts_set_env(o, env));
    WEFT_ASSERT_OK(weft_popen_opts_unset_env_var(o, "WEFT_T_CHANGE"));
    WEFT_ASSERT_OK(weft_popen_opts_set_env_var(o, "B", "3"));
    const char *argv[] = { "env", NULL };
    WEFT_ASSERT_OK(weft_subprocess_check_output(&out, NULL, NULL, argv, o, NULL, 0, 10));
    cr_assert_str_eq(out, "A=1\nPATH=/usr/bin:/bin\nWEFT_T_ADDED=added\nB=3\n");
    weft_free(out);

    /* A NULL value removes, like unset; setting again replaces the edit. */
    WEFT_ASSERT_OK(weft_popen_opts_set_env_var(o, "A", NULL));
    WEFT_ASSERT_OK(weft_popen_opts_set_env_var(o, "WEFT_T_ADDED", "again"));
    WEFT_ASSERT_OK(weft_subprocess_check_output(&out, NULL, NULL, argv, o, NULL, 0, 10));
    cr_assert_str_eq(out, "PATH=/usr/bin:/bin\nWEFT_T_ADDED=again\nB=3\n");
    weft_free(out);

    WEFT_ASSERT_STATUS(weft_popen_opts_set_env_var(o, "A=B", "x"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_env_var(o, "", "x"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_unset_env_var(o, NULL), WEFT_EINVAL);
    weft_popen_opts_free(o);
}

/* The child's descriptors as `ls` lists them; ls's own directory is the
 * lowest free number, 3. */
static char *child_fds(weft_popen_opts *o)
{
    const char *argv[] = { "ls", "-1", "/proc/self/fd", NULL };
    char *out;
    WEFT_ASSERT_OK(weft_subprocess_check_output(&out, NULL, NULL, argv, o, NULL, 0, 10));
    for (char *c = out; *c != '\0'; c++)
        if (*c == '\n')
            *c = ' ';
    return out;
}

Test(options, close_fds_and_pass_fds)
{
    int leak = open("/dev/null", O_RDONLY); /* inheritable on purpose */
    cr_assert_geq(leak, 3);
    int keep = fcntl(leak, F_DUPFD_CLOEXEC, 40);
    cr_assert_geq(keep, 40);
    weft_popen_opts *o = opts();

    char *out = child_fds(o);
    cr_assert_str_eq(out, "0 1 2 3 ", "child saw extra descriptors: %s", out);
    weft_free(out);

    WEFT_ASSERT_OK(weft_popen_opts_set_pass_fds(o, &keep, 1));
    out = child_fds(o);
    char want[32];
    snprintf(want, sizeof want, "0 1 2 3 %d ", keep);
    cr_assert_str_eq(out, want);
    weft_free(out);

    /* close_fds off: the inheritable descriptor leaks, the close-on-exec one does not. */
    WEFT_ASSERT_OK(weft_popen_opts_set_pass_fds(o, NULL, 0));
    WEFT_ASSERT_OK(weft_popen_opts_set_close_fds(o, 0));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "test -e /proc/self/fd/%d && echo leak; test -e /proc/self/fd/%d || echo closed", leak,
             keep);
    out = sp_sh_output(cmd, o, NULL);
    cr_assert_str_eq(out, "leak\nclosed\n");
    weft_free(out);

    int bad = -1;
    WEFT_ASSERT_STATUS(weft_popen_opts_set_pass_fds(o, &bad, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_pass_fds(o, NULL, 1), WEFT_EINVAL);
    weft_popen_opts_free(o);
    close(leak);
    close(keep);
}

Test(options, many_pass_fds)
{
    int fds[80];
    for (int i = 0; i < 80; i++) {
        fds[i] = fcntl(0, F_DUPFD_CLOEXEC, 100 + 2 * i);
        cr_assert_geq(fds[i], 0);
    }
    weft_popen_opts *o = opts();
    WEFT_ASSERT_OK(weft_popen_opts_set_pass_fds(o, fds, 80));
    char *out = sp_sh_output("ls /proc/self/fd | wc -l", o, NULL);
    /* 0,1,2, the 80 passed and ls's own directory */
    cr_assert_eq(atoi(out), 84, "got %s", out);
    weft_free(out);
    weft_popen_opts_free(o);
    for (int i = 0; i < 80; i++)
        close(fds[i]);
}

static void sleep_child(weft_popen_opts *o, weft_popen **p)
{
    const char *argv[] = { "sleep", "30", NULL };
    WEFT_ASSERT_OK(weft_popen_new(p, argv, o));
}

static void finish(weft_popen *p)
{
    weft_popen_kill(p);
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, NULL));
    weft_popen_free(p);
}

Test(options, new_session_and_process_group)
{
    weft_popen_opts *o = opts();
    weft_popen *p;
    int pid;

    WEFT_ASSERT_OK(weft_popen_opts_set_start_new_session(o, 1));
    sleep_child(o, &p);
    weft_popen_pid(p, &pid);
    cr_assert_eq(getsid(pid), pid);
    cr_assert_eq(getpgid(pid), pid);
    finish(p);

    WEFT_ASSERT_OK(weft_popen_opts_set_start_new_session(o, 0));
    WEFT_ASSERT_OK(weft_popen_opts_set_process_group(o, 0));
    sleep_child(o, &p);
    weft_popen_pid(p, &pid);
    cr_assert_eq(getsid(pid), getsid(0));
    cr_assert_eq(getpgid(pid), pid);

    /* A second child joins the first one's group. */
    weft_popen *q;
    WEFT_ASSERT_OK(weft_popen_opts_set_process_group(o, pid));
    sleep_child(o, &q);
    int qpid;
    weft_popen_pid(q, &qpid);
    cr_assert_eq(getpgid(qpid), pid);
    finish(q);
    finish(p);

    WEFT_ASSERT_OK(weft_popen_opts_set_process_group(o, -1));
    sleep_child(o, &p);
    weft_popen_pid(p, &pid);
    cr_assert_eq(getpgid(pid), getpgid(0));
    finish(p);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_process_group(o, -2), WEFT_EINVAL);
    weft_popen_opts_free(o);
}

Test(options, umask)
{
    weft_popen_opts *o = opts();
    WEFT_ASSERT_OK(weft_popen_opts_set_umask(o, 027));
    char *out = sp_sh_output("umask", o, NULL);
    cr_assert_str_eq(out, "0027\n");
    weft_free(out);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_umask(o, 01000), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_umask(o, -2), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_opts_set_umask(o, -1));
    weft_popen_opts_free(o);
}

/* Whether SIGPIPE is ignored in the child, from /proc's SigIgn mask. */
static int child_ignores_sigpipe(weft_popen_opts *o)
{
    char *out = sp_sh_output("grep SigIgn /proc/self/status | cut -f2", o, NULL);
    unsigned long long mask = strtoull(out, NULL, 16);
    weft_free(out);
    return (mask >> (SIGPIPE - 1)) & 1;
}

Test(options, restore_signals)
{
    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    weft_popen_opts *o = opts();
    cr_assert_eq(child_ignores_sigpipe(o), 0, "restore_signals is on by default");
    WEFT_ASSERT_OK(weft_popen_opts_set_restore_signals(o, 0));
    cr_assert_eq(child_ignores_sigpipe(o), 1);
    /* Ignored signals other than SIGPIPE/SIGXFSZ stay ignored, as in Python. */
    char *out = sp_sh_output("grep SigIgn /proc/self/status | cut -f2", o, NULL);
    unsigned long long mask = strtoull(out, NULL, 16);
    cr_assert((mask >> (SIGUSR2 - 1)) & 1);
    weft_free(out);
    weft_popen_opts_free(o);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

static void on_usr1(int sig)
{
    (void)sig;
}

Test(options, caught_signals_reset_in_child)
{
    /* A handler of the parent's must not survive into the child. */
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigaction(SIGUSR1, &sa, NULL);
    const char *argv[] = { "sleep", "30", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    WEFT_ASSERT_OK(weft_popen_send_signal(p, SIGUSR1));
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, -SIGUSR1);
    weft_popen_free(p);
}

Test(options, pipesize)
{
    weft_popen_opts *o = opts();
    WEFT_ASSERT_OK(weft_popen_opts_set_pipesize(o, 1 << 20));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_PIPE));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    WEFT_ASSERT_OK(weft_popen_opts_set_stderr(o, WEFT_SUBPROCESS_PIPE));
    const char *argv[] = { "cat", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    int fd[3];
    weft_popen_stdin(p, &fd[0]);
    weft_popen_stdout(p, &fd[1]);
    weft_popen_stderr(p, &fd[2]);
    for (int i = 0; i < 3; i++)
        cr_assert_geq(fcntl(fd[i], F_GETPIPE_SZ), 1 << 20, "pipe %d", i);
    WEFT_ASSERT_OK(weft_popen_communicate(p, "x", 1, 10, NULL, NULL, NULL, NULL));
    weft_popen_free(p);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_pipesize(o, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_pipesize(o, -5), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_opts_set_pipesize(o, -1));
    weft_popen_opts_free(o);
}

Test(options, user_group_extra_groups)
{
    weft_popen_opts *o = opts();
    WEFT_ASSERT_STATUS(weft_popen_opts_set_user(o, "no-such-user-weft"), WEFT_LOOKUP);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_group(o, "no-such-group-weft"), WEFT_LOOKUP);
    const char *bad[] = { "no-such-group-weft" };
    WEFT_ASSERT_STATUS(weft_popen_opts_set_extra_groups(o, bad, 1), WEFT_LOOKUP);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_extra_groups(o, NULL, 1), WEFT_EINVAL);
    if (geteuid() != 0) {
        /* Without privileges setreuid to another user fails in the child. */
        WEFT_ASSERT_OK(weft_popen_opts_set_user(o, "0"));
        const char *argv[] = { "true", NULL };
        weft_popen *p;
        if (getuid() != 0)
            WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, o), WEFT_OS);
        weft_popen_opts_free(o);
        cr_skip_test("needs root to switch to nobody");
    }
    WEFT_ASSERT_OK(weft_popen_opts_set_user(o, "nobody"));
    WEFT_ASSERT_OK(weft_popen_opts_set_group(o, "nogroup"));
    const char *extra[] = { "65534", "0" };
    WEFT_ASSERT_OK(weft_popen_opts_set_extra_groups(o, extra, 2));
    char *out = sp_sh_output("id -u; id -g; id -G", o, NULL);
    cr_assert_str_eq(out, "65534\n65534\n65534 0\n");
    weft_free(out);
    WEFT_ASSERT_OK(weft_popen_opts_set_extra_groups(o, NULL, 0));
    WEFT_ASSERT_OK(weft_popen_opts_set_user(o, "65534"));
    out = sp_sh_output("id -G", o, NULL);
    cr_assert_str_eq(out, "65534\n");
    weft_free(out);
    WEFT_ASSERT_OK(weft_popen_opts_set_user(o, NULL));
    WEFT_ASSERT_OK(weft_popen_opts_set_group(o, NULL));
    weft_popen_opts_free(o);
}

static void to_tmp(void *arg, weft_outcome *outcome)
{
    (void)outcome;
    if (chdir((const char *)arg) != 0)
        weft_outcome_set_error(outcome, WEFT_OS, "chdir failed", NULL, NULL);
}

static int freed_args;
static void count_free(void *arg)
{
    (void)arg;
    freed_args++;
}

static void refuse(void *arg, weft_outcome *outcome)
{
    (void)arg;
    weft_outcome_set_error(outcome, WEFT_EINVAL, "refused by the callback", NULL, NULL);
}

Test(options, preexec)
{
    weft_popen_opts *o = opts();
    WEFT_ASSERT_OK(weft_popen_opts_set_preexec(o, to_tmp, (void *)"/tmp", count_free));
    char *out = sp_sh_output("pwd", o, NULL);
    cr_assert_str_eq(out, "/tmp\n");
    weft_free(out);
    /* Replacing the callback frees the old argument. */
    WEFT_ASSERT_OK(weft_popen_opts_set_preexec(o, refuse, NULL, count_free));
    cr_assert_eq(freed_args, 1);
    const char *argv[] = { "true", NULL };
    weft_popen *p;
    WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, o), WEFT_FAILED);
    cr_assert(strstr(weft_errmsg(), "refused by the callback") != NULL, "%s", weft_errmsg());
    cr_assert_not(sp_have_zombie_child());
    WEFT_ASSERT_OK(weft_popen_opts_set_preexec(o, NULL, NULL, NULL));
    cr_assert_eq(freed_args, 2);
    weft_popen_opts_free(o);
}

Test(options, use_fork)
{
    weft_popen_opts *o = opts();
    WEFT_ASSERT_OK(weft_popen_opts_set_use_vfork(o, 0));
    WEFT_ASSERT_OK(weft_popen_opts_set_cwd(o, "/"));
    char *out = sp_sh_output("pwd", o, NULL);
    cr_assert_str_eq(out, "/\n");
    weft_free(out);
    const char *argv[] = { "no-such-program-weft", NULL };
    weft_popen *p;
    WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, o), WEFT_OS);
    cr_assert_eq(weft_errno(), ENOENT);
    weft_popen_opts_free(o);
}

static void *spawn_from_thread(void *arg)
{
    weft_popen_opts *o = opts();
    WEFT_ASSERT_OK(weft_popen_opts_set_parent_death_signal(o, SIGKILL));
    const char *argv[] = { "sleep", "30", NULL };
    WEFT_ASSERT_OK(weft_popen_new((weft_popen **)arg, argv, o));
    weft_popen_opts_free(o);
    return NULL; /* the thread ends: the child's "parent" is gone */
}

Test(options, parent_death_signal_follows_the_thread)
{
    WEFT_TEST_LINUX_ONLY("PR_SET_PDEATHSIG");
    weft_popen *p = NULL;
    pthread_t t;
    pthread_create(&t, NULL, spawn_from_thread, &p);
    pthread_join(t, NULL);
    cr_assert_not_null(p);
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p, 10, &rc));
    cr_assert_eq(rc, -SIGKILL);
    weft_popen_free(p);

    weft_popen_opts *o = opts();
    WEFT_ASSERT_STATUS(weft_popen_opts_set_parent_death_signal(o, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_parent_death_signal(o, 100000), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_opts_set_parent_death_signal(o, 0));
    weft_popen_opts_free(o);
}

Test(options, bad_handles)
{
    WEFT_ASSERT_STATUS(weft_popen_opts_set_executable(NULL, "x"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_shell(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_stdin(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_cwd(NULL, "/"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_env(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_close_fds(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_start_new_session(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_restore_signals(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_user(NULL, "0"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_group(NULL, "0"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_kill_group(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_use_vfork(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_pipesize(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_preexec(NULL, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_parent_death_signal(NULL, 9), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_umask(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_process_group(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_pass_fds(NULL, NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_extra_groups(NULL, NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_env_var(NULL, "A", "B"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_unset_env_var(NULL, "A"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_stdout(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_stderr(NULL, 2), WEFT_EINVAL);
}
