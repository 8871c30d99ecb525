/* run, CompletedProcess, TimeoutExpired/CalledProcessError data, call,
 * check_call, check_output, getstatusoutput, getoutput. */
#include "sp_util.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>

Test(run, capture_and_input)
{
    const char *argv[] = { "sh", "-c", "cat; echo err >&2; exit 3", NULL };
    weft_completed_process *cp;
    WEFT_ASSERT_OK(weft_subprocess_run(&cp, argv, NULL, "in put", 6, 1, 10, 0));
    const char *data;
    size_t len;
    WEFT_ASSERT_OK(weft_completed_process_stdout(cp, &data, &len));
    cr_assert_eq(len, 6);
    cr_assert_str_eq(data, "in put");
    WEFT_ASSERT_OK(weft_completed_process_stderr(cp, &data, &len));
    cr_assert_str_eq(data, "err\n");
    int rc;
    WEFT_ASSERT_OK(weft_completed_process_returncode(cp, &rc));
    cr_assert_eq(rc, 3);
    const char *const *args;
    size_t argc;
    WEFT_ASSERT_OK(weft_completed_process_args(cp, &args, &argc));
    cr_assert_eq(argc, 3);
    cr_assert_str_eq(args[0], "sh");
    double t;
    WEFT_ASSERT_OK(weft_completed_process_timeout(cp, &t));
    cr_assert_eq(t, -1);
    WEFT_ASSERT_STATUS(weft_completed_process_check_returncode(cp), WEFT_CALLED_PROCESS);
    cr_assert(strstr(weft_errmsg(), "exit status 3") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_OK(weft_completed_process_free(cp));
    WEFT_ASSERT_STATUS(weft_completed_process_free(cp), WEFT_EINVAL);
}

Test(run, no_capture_gives_null_outputs)
{
    const char *argv[] = { "true", NULL };
    weft_completed_process *cp;
    WEFT_ASSERT_OK(weft_subprocess_run(&cp, argv, NULL, NULL, 0, 0, -1, 1));
    const char *data = "x";
    size_t len = 3;
    WEFT_ASSERT_OK(weft_completed_process_stdout(cp, &data, &len));
    cr_assert_null(data);
    cr_assert_eq(len, 0);
    WEFT_ASSERT_OK(weft_completed_process_check_returncode(cp));
    weft_completed_process_free(cp);

    /* An empty input still gives a stdin pipe, closed at once. */
    const char *cat[] = { "cat", NULL };
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    WEFT_ASSERT_OK(weft_subprocess_run(&cp, cat, o, "", 0, 0, 10, 1));
    WEFT_ASSERT_OK(weft_completed_process_stdout(cp, &data, &len));
    cr_assert_str_eq(data, "");
    weft_completed_process_free(cp);
    weft_popen_opts_free(o);
}

Test(run, check_gives_called_process_error_data)
{
    const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 7", NULL };
    weft_completed_process *cp = NULL;
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, argv, NULL, NULL, 0, 1, -1, 1), WEFT_CALLED_PROCESS);
    cr_assert(strstr(weft_errmsg(), "returned non-zero exit status 7") != NULL, "%s", weft_errmsg());
    cr_assert_str_eq(weft_status_exception(WEFT_CALLED_PROCESS), "subprocess.CalledProcessError");
    cr_assert_not_null(cp);
    int rc;
    const char *data;
    weft_completed_process_returncode(cp, &rc);
    cr_assert_eq(rc, 7);
    weft_completed_process_stdout(cp, &data, NULL);
    cr_assert_str_eq(data, "out\n");
    weft_completed_process_stderr(cp, &data, NULL);
    cr_assert_str_eq(data, "err\n");
    weft_completed_process_free(cp);
}

Test(run, timeout_gives_timeout_expired_data)
{
    const char *argv[] = { "sh", "-c", "echo partial; echo e >&2; exec sleep 30", NULL };
    weft_completed_process *cp = NULL;
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, argv, NULL, NULL, 0, 1, 0.4, 1), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.4);
    cr_assert(strstr(weft_errmsg(), "timed out after 0.4 seconds") != NULL, "%s", weft_errmsg());
    cr_assert_not_null(cp);
    double t;
    weft_completed_process_timeout(cp, &t);
    cr_assert_eq(t, 0.4);
    const char *data;
    weft_completed_process_stdout(cp, &data, NULL);
    cr_assert_str_eq(data, "partial\n");
    weft_completed_process_stderr(cp, &data, NULL);
    cr_assert_str_eq(data, "e\n");
    int rc;
    weft_completed_process_returncode(cp, &rc);
    cr_assert_eq(rc, -SIGKILL);
    weft_completed_process_free(cp);
    cr_assert_not(sp_have_zombie_child());
}

Test(run, timeout_kills_the_group)
{
    /* With kill_group the grandchild holding stdout dies with the child. */
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_kill_group(o, 1));
    const char *argv[] = { "sh", "-c", "sleep 30 & echo $!; wait", NULL };
    weft_completed_process *cp = NULL;
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, argv, o, NULL, 0, 1, 0.3, 0), WEFT_TIMEOUT);
    const char *data;
    weft_completed_process_stdout(cp, &data, NULL);
    int gc = atoi(data);
    cr_assert_gt(gc, 0);
    /* The grandchild was signalled: it is gone or a zombie awaiting init. */
    char path[64], state = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", gc);
    double t0 = weft_test_now();
    for (;;) {
        FILE *f = fopen(path, "r");
        if (f == NULL)
            break;
        int got = fscanf(f, "%*d %*s %c", &state);
        fclose(f);
        if (got == 1 && state == 'Z')
            break;
        cr_assert_lt(weft_test_now() - t0, 10.0, "grandchild %d still alive (state %c)", gc, state);
        usleep(10000);
    }
    weft_completed_process_free(cp);
    weft_popen_opts_free(o);
}

Test(run, argument_errors)
{
    const char *argv[] = { "true", NULL };
    weft_completed_process *cp;
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_DEVNULL));
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, argv, o, "x", 1, 0, -1, 0), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_INHERIT));
    WEFT_ASSERT_OK(weft_popen_opts_set_stderr(o, WEFT_SUBPROCESS_DEVNULL));
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, argv, o, NULL, 0, 1, -1, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_subprocess_run(NULL, argv, o, NULL, 0, 0, -1, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, NULL, o, NULL, 0, 0, -1, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, argv, o, NULL, 3, 0, -1, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, argv, o, NULL, 0, 0, NAN, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, argv, (weft_popen_opts *)argv, NULL, 0, 0, -1, 0), WEFT_EINVAL);
    const char *missing[] = { "no-such-program-weft", NULL };
    WEFT_ASSERT_STATUS(weft_subprocess_run(&cp, missing, NULL, NULL, 0, 1, -1, 0), WEFT_OS);
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_DEVNULL));
    char *out;
    WEFT_ASSERT_STATUS(weft_subprocess_check_output(&out, NULL, NULL, argv, o, NULL, 0, -1), WEFT_EINVAL);
    weft_popen_opts_free(o);

    WEFT_ASSERT_STATUS(weft_completed_process_args(NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_completed_process_returncode(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_completed_process_stdout(NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_completed_process_stderr(NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_completed_process_timeout(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_completed_process_check_returncode(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_completed_process_free(NULL));
}

Test(run, call_and_check_call)
{
    const char *ok[] = { "true", NULL };
    const char *bad[] = { "sh", "-c", "exit 4", NULL };
    int rc = -1;
    WEFT_ASSERT_OK(weft_subprocess_call(ok, NULL, -1, &rc));
    cr_assert_eq(rc, 0);
    WEFT_ASSERT_OK(weft_subprocess_call(bad, NULL, 10, &rc));
    cr_assert_eq(rc, 4);
    WEFT_ASSERT_OK(weft_subprocess_check_call(ok, NULL, -1, &rc));
    WEFT_ASSERT_STATUS(weft_subprocess_check_call(bad, NULL, -1, &rc), WEFT_CALLED_PROCESS);
    cr_assert_eq(rc, 4);
    const char *slow[] = { "sleep", "30", NULL };
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_subprocess_check_call(slow, NULL, 0.2, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.2);
    cr_assert_not(sp_have_zombie_child());
}

Test(run, check_output)
{
    const char *argv[] = { "sh", "-c", "cat; echo more", NULL };
    char *out;
    size_t len;
    int rc = -1;
    WEFT_ASSERT_OK(weft_subprocess_check_output(&out, &len, &rc, argv, NULL, "abc", 3, 10));
    cr_assert_str_eq(out, "abcmore\n");
    cr_assert_eq(len, 8);
    cr_assert_eq(rc, 0);
    weft_free(out);

    const char *fail[] = { "sh", "-c", "echo so-far; exit 2", NULL };
    WEFT_ASSERT_STATUS(weft_subprocess_check_output(&out, &len, &rc, fail, NULL, NULL, 0, 10), WEFT_CALLED_PROCESS);
    cr_assert_eq(rc, 2);
    cr_assert_str_eq(out, "so-far\n");
    weft_free(out);
}

Test(run, getstatusoutput_and_getoutput)
{
    int status;
    char *out;
    size_t len;
    WEFT_ASSERT_OK(weft_subprocess_getstatusoutput("echo out; echo err >&2; exit 5", &status, &out, &len));
    cr_assert_eq(status, 5);
    cr_assert_str_eq(out, "out\nerr");
    cr_assert_eq(len, 7);
    weft_free(out);
    /* Only one trailing newline goes, as in Python. */
    WEFT_ASSERT_OK(weft_subprocess_getstatusoutput("printf 'a\\n\\n'", &status, &out, NULL));
    cr_assert_str_eq(out, "a\n");
    cr_assert_eq(status, 0);
    weft_free(out);
    WEFT_ASSERT_OK(weft_subprocess_getstatusoutput("kill -KILL $$", &status, &out, NULL));
    cr_assert_eq(status, -SIGKILL);
    weft_free(out);
    WEFT_ASSERT_OK(weft_subprocess_getstatusoutput("no-such-command-weft", &status, &out, NULL));
    cr_assert_eq(status, 127);
    cr_assert(strstr(out, "not found") != NULL, "%s", out);
    weft_free(out);
    WEFT_ASSERT_OK(weft_subprocess_getoutput("echo hello", &out, &len));
    cr_assert_str_eq(out, "hello");
    weft_free(out);
    WEFT_ASSERT_STATUS(weft_subprocess_getoutput(NULL, &out, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_subprocess_getoutput("true", NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_subprocess_getstatusoutput("true", NULL, NULL, NULL), WEFT_EINVAL);
}
