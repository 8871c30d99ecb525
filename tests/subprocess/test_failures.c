/* What cannot start comes back as WEFT_OS with the child's errno, a message
 * naming the program, and no zombie. */
#include "sp_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

static void assert_no_zombie(void)
{
    cr_assert_not(sp_have_zombie_child(), "a zombie child was left behind");
}

Test(failures, missing_program)
{
    const char *argv[] = { "no-such-program-weft", "arg", NULL };
    weft_popen *p = NULL;
    WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, NULL), WEFT_OS);
    cr_assert_null(p);
    cr_assert_eq(weft_errno(), ENOENT);
    cr_assert(strstr(weft_errmsg(), "no-such-program-weft") != NULL, "%s", weft_errmsg());
    assert_no_zombie();

    const char *abs[] = { "/nonexistent/dir/prog", NULL };
    WEFT_ASSERT_STATUS(weft_popen_new(&p, abs, NULL), WEFT_OS);
    cr_assert_eq(weft_errno(), ENOENT);
    cr_assert(strstr(weft_errmsg(), "/nonexistent/dir/prog") != NULL, "%s", weft_errmsg());
    assert_no_zombie();
}

Test(failures, not_executable)
{
    char path[] = "/tmp/weft-noexec-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "#!/bin/sh\necho hi\n", 18), 18);
    close(fd);
    chmod(path, 0644);
    const char *argv[] = { path, NULL };
    weft_popen *p;
    /* Even root needs at least one x bit to execute a file. */
    WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, NULL), WEFT_OS);
    cr_assert_eq(weft_errno(), EACCES);
    cr_assert(strstr(weft_errmsg(), path) != NULL, "%s", weft_errmsg());
    unlink(path);
    assert_no_zombie();

    /* A directory is not a program either. */
    const char *dir[] = { "/tmp", NULL };
    WEFT_ASSERT_STATUS(weft_popen_new(&p, dir, NULL), WEFT_OS);
    cr_assert_eq(weft_errno(), EACCES);
}

Test(failures, path_search_prefers_real_errors)
{
    /* A PATH entry holding a non-executable file of that name gives EACCES
     * unless a later entry has a runnable one (as execvp). */
    char dir[] = "/tmp/weft-path-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char prog[256];
    snprintf(prog, sizeof prog, "%s/weftprog", dir);
    int fd = open(prog, O_CREAT | O_WRONLY, 0644);
    close(fd);
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    char path[300];
    snprintf(path, sizeof path, "PATH=/nonexistent:%s", dir);
    const char *env[] = { path, NULL };
    WEFT_ASSERT_OK(weft_popen_opts_set_env(o, env));
    const char *argv[] = { "weftprog", NULL };
    weft_popen *p;
    WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, o), WEFT_OS);
    cr_assert_eq(weft_errno(), EACCES);
    unlink(prog);
    rmdir(dir);
    weft_popen_opts_free(o);
}

Test(failures, bad_cwd)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_cwd(o, "/no/such/dir/weft"));
    const char *argv[] = { "true", NULL };
    weft_popen *p;
    WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, o), WEFT_OS);
    cr_assert_eq(weft_errno(), ENOENT);
    cr_assert(strstr(weft_errmsg(), "/no/such/dir/weft") != NULL, "%s", weft_errmsg());
    assert_no_zombie();
    weft_popen_opts_free(o);
}

Test(failures, bad_fd)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, 987));
    const char *argv[] = { "true", NULL };
    weft_popen *p;
    int before = sp_count_fds();
    WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, o), WEFT_OS);
    cr_assert_eq(weft_errno(), EBADF);
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_INHERIT));
    int bad = 986;
    WEFT_ASSERT_OK(weft_popen_opts_set_pass_fds(o, &bad, 1));
    WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, o), WEFT_OS);
    cr_assert_eq(weft_errno(), EBADF);
    cr_assert_eq(sp_count_fds(), before, "a failed start leaked descriptors");
    assert_no_zombie();
    weft_popen_opts_free(o);
}

Test(failures, failed_start_with_pipes_leaks_nothing)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_PIPE));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    WEFT_ASSERT_OK(weft_popen_opts_set_stderr(o, WEFT_SUBPROCESS_DEVNULL));
    const char *argv[] = { "no-such-program-weft", NULL };
    int before = sp_count_fds();
    weft_popen *p;
    for (int i = 0; i < 20; i++)
        WEFT_ASSERT_STATUS(weft_popen_new(&p, argv, o), WEFT_OS);
    cr_assert_eq(sp_count_fds(), before);
    assert_no_zombie();
    weft_popen_opts_free(o);
}

Test(failures, killed_child_negative_returncode)
{
    const char *argv[] = { "sh", "-c", "kill -SEGV $$", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, -SIGSEGV);
    weft_popen_free(p);

    weft_completed_process *cp;
    const char *term[] = { "sh", "-c", "kill -TERM $$", NULL };
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, term, NULL, NULL, 0, 0, -1, 1), WEFT_CALLED_PROCESS);
    weft_completed_process_returncode(cp, &rc);
    cr_assert_eq(rc, -SIGTERM);
    cr_assert(strstr(weft_errmsg(), "signal 15") != NULL, "%s", weft_errmsg());
    weft_completed_process_free(cp);
}

Test(failures, timeouts_lower_bounds)
{
    const char *argv[] = { "sleep", "30", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_popen_wait(p, 0.15, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.15);
    t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_popen_communicate(p, NULL, 0, 0.15, NULL, NULL, NULL, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.15);
    weft_popen_kill(p);
    weft_popen_wait(p, -1, NULL);
    weft_popen_free(p);

    weft_completed_process *cp = NULL;
    t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, argv, NULL, NULL, 0, 1, 0.2, 0), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.2);
    cr_assert_not_null(cp);
    weft_completed_process_free(cp);

    t0 = weft_test_now();
    int rc = 5;
    WEFT_ASSERT_STATUS(weft_subprocess_call(argv, NULL, 0.2, &rc), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.2);
    assert_no_zombie();
}
