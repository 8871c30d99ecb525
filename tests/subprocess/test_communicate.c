/* communicate: large data both ways, timeouts that keep state, process trees. */
#include "sp_util.h"

#include <math.h>
#include <stdio.h>
#include <signal.h>

static weft_popen *start(const char *const *argv, int in, int out, int err, int kill_group)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, in));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, out));
    WEFT_ASSERT_OK(weft_popen_opts_set_stderr(o, err));
    WEFT_ASSERT_OK(weft_popen_opts_set_kill_group(o, kill_group));
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    weft_popen_opts_free(o);
    return p;
}

static unsigned char *pattern(size_t n)
{
    unsigned char *b = malloc(n);
    cr_assert_not_null(b);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (unsigned char)x;
    }
    return b;
}

Test(communicate, sixty_four_mib_through_cat)
{
    const size_t n = 64u << 20;
    unsigned char *in = pattern(n);
    const char *argv[] = { "cat", NULL };
    weft_popen *p = start(argv, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_PIPE, 0);
    char *out, *err;
    size_t olen, elen;
    WEFT_ASSERT_OK(weft_popen_communicate(p, in, n, 120, &out, &olen, &err, &elen));
    cr_assert_eq(olen, n);
    cr_assert(memcmp(out, in, n) == 0, "bytes differ");
    cr_assert_eq(elen, 0);
    cr_assert_str_eq(err, "");
    int rc;
    WEFT_ASSERT_OK(weft_popen_returncode(p, &rc));
    cr_assert_eq(rc, 0);
    weft_free(out);
    weft_free(err);
    weft_popen_free(p);
    free(in);
}

Test(communicate, both_outputs_full_at_once)
{
    /* stdout and stderr each carry 32 MiB while stdin carries 32 MiB. */
    const size_t n = 32u << 20;
    unsigned char *in = pattern(n);
    const char *argv[] = { "sh", "-c", "tee /dev/stderr", NULL };
    weft_popen *p = start(argv, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_PIPE, 0);
    char *out, *err;
    size_t olen, elen;
    WEFT_ASSERT_OK(weft_popen_communicate(p, in, n, 120, &out, &olen, &err, &elen));
    cr_assert_eq(olen, n);
    cr_assert_eq(elen, n);
    cr_assert(memcmp(out, in, n) == 0);
    cr_assert(memcmp(err, in, n) == 0);
    weft_free(out);
    weft_free(err);
    weft_popen_free(p);
    free(in);
}

Test(communicate, timeout_keeps_output_and_continues)
{
    const char *argv[] = { "sh", "-c", "echo first; sleep 0.6; echo second; echo e >&2", NULL };
    weft_popen *p = start(argv, WEFT_SUBPROCESS_INHERIT, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_PIPE, 0);
    char *out = (char *)"untouched";
    size_t olen = 99;
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_popen_communicate(p, NULL, 0, 0.25, &out, &olen, NULL, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.25);
    cr_assert_str_eq(out, "untouched");
    cr_assert_eq(olen, 99);
    /* What was read so far, as TimeoutExpired carries it. */
    const char *so_far;
    size_t so_far_len = 0;
    WEFT_ASSERT_OK(weft_popen_read_so_far(p, 1, &so_far, &so_far_len));
    cr_assert_eq(so_far_len, 6);
    cr_assert(memcmp(so_far, "first\n", 6) == 0);
    WEFT_ASSERT_OK(weft_popen_read_so_far(p, 2, &so_far, &so_far_len));
    cr_assert_null(so_far);
    cr_assert_eq(so_far_len, 0);
    WEFT_ASSERT_STATUS(weft_popen_read_so_far(p, 3, &so_far, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_read_so_far(p, 1, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_read_so_far(NULL, 1, &so_far, NULL), WEFT_EINVAL);
    char *err;
    WEFT_ASSERT_OK(weft_popen_communicate(p, NULL, 0, -1, &out, &olen, &err, NULL));
    cr_assert_str_eq(out, "first\nsecond\n");
    cr_assert_str_eq(err, "e\n");
    weft_free(out);
    weft_free(err);
    weft_popen_free(p);
}

Test(communicate, timeout_does_not_rewrite_input)
{
    /* The child reads nothing for a while: the first call fills the pipe
     * and times out; the caller's buffer is then overwritten, and the
     * second call must send exactly the rest. */
    const size_t n = 1u << 20;
    unsigned char *in = pattern(n);
    unsigned char *copy = malloc(n);
    memcpy(copy, in, n);
    const char *argv[] = { "sh", "-c", "sleep 0.5; exec cat", NULL };
    weft_popen *p = start(argv, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_INHERIT, 0);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_popen_communicate(p, in, n, 0.1, NULL, NULL, NULL, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.1);
    memset(in, 0, n);
    free(in);
    /* Input after communication started is refused, as in Python. */
    WEFT_ASSERT_STATUS(weft_popen_communicate(p, "x", 1, -1, NULL, NULL, NULL, NULL), WEFT_EINVAL);
    char *out;
    size_t olen;
    WEFT_ASSERT_OK(weft_popen_communicate(p, NULL, 0, 30, &out, &olen, NULL, NULL));
    cr_assert_eq(olen, n);
    cr_assert(memcmp(out, copy, n) == 0);
    weft_free(out);
    weft_popen_free(p);
    free(copy);
}

Test(communicate, wait_phase_timeout)
{
    /* Pipes close early, the child lives on: the timeout hits the wait. */
    const char *argv[] = { "sh", "-c", "exec >/dev/null; sleep 30; true", NULL };
    /* kill_group: kill() reaches the shell's sleep too */
    weft_popen *p = start(argv, WEFT_SUBPROCESS_INHERIT, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_INHERIT, 1);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_popen_communicate(p, NULL, 0, 0.3, NULL, NULL, NULL, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.3);
    weft_popen_kill(p);
    char *out;
    WEFT_ASSERT_OK(weft_popen_communicate(p, NULL, 0, -1, &out, NULL, NULL, NULL));
    cr_assert_str_eq(out, "");
    weft_free(out);
    int rc;
    weft_popen_returncode(p, &rc);
    cr_assert_eq(rc, -SIGKILL);
    weft_popen_free(p);
}

Test(communicate, child_closes_stdin_early)
{
    /* Writing to a child that stopped reading is not an error (nor SIGPIPE). */
    const size_t n = 4u << 20;
    unsigned char *in = pattern(n);
    const char *argv[] = { "sh", "-c", "exec 0<&-; echo done", NULL };
    weft_popen *p = start(argv, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_INHERIT, 0);
    char *out;
    WEFT_ASSERT_OK(weft_popen_communicate(p, in, n, 30, &out, NULL, NULL, NULL));
    cr_assert_str_eq(out, "done\n");
    weft_free(out);
    weft_popen_free(p);
    free(in);
}

Test(communicate, no_pipes_just_waits)
{
    const char *argv[] = { "true", NULL };
    weft_popen *p = start(argv, WEFT_SUBPROCESS_INHERIT, WEFT_SUBPROCESS_INHERIT, WEFT_SUBPROCESS_INHERIT, 0);
    char *out = (char *)"x", *err = (char *)"y";
    size_t ol = 5, el = 5;
    /* Input is ignored when stdin is not a pipe, as in Python. */
    WEFT_ASSERT_OK(weft_popen_communicate(p, "abc", 3, -1, &out, &ol, &err, &el));
    cr_assert_null(out);
    cr_assert_null(err);
    cr_assert_eq(ol + el, 0);
    WEFT_ASSERT_STATUS(weft_popen_communicate(p, NULL, 0, NAN, NULL, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_communicate(p, NULL, 5, 1, NULL, NULL, NULL, NULL), WEFT_EINVAL);
    weft_popen_free(p);
}

Test(communicate, grandchild_holding_the_pipe)
{
    WEFT_TEST_LINUX_ONLY("communicate watches the child through a pidfd");
    /* The child leaves a grandchild that keeps stdout open. With kill_group
     * communicate kills the rest of the group once the child exits. */
    const char *argv[] = { "sh", "-c", "sleep 60 & echo started", NULL };
    weft_popen *p = start(argv, WEFT_SUBPROCESS_INHERIT, WEFT_SUBPROCESS_PIPE, WEFT_SUBPROCESS_INHERIT, 1);
    char *out;
    WEFT_ASSERT_OK(weft_popen_communicate(p, NULL, 0, 20, &out, NULL, NULL, NULL));
    cr_assert_str_eq(out, "started\n");
    weft_free(out);
    weft_popen_free(p);

    /* Without the option the same child keeps communicate waiting until
     * the grandchild (whose pid comes through a pipe of ours) is killed. */
    int efd[2];
    cr_assert_eq(pipe(efd), 0);
    const char *argv2[] = { "sh", "-c", "sleep 60 & echo $! >&2", NULL };
    p = start(argv2, WEFT_SUBPROCESS_INHERIT, WEFT_SUBPROCESS_PIPE, efd[1], 0);
    close(efd[1]);
    char buf[32] = { 0 };
    cr_assert_gt(read(efd[0], buf, sizeof buf - 1), 0);
    close(efd[0]);
    int gc = atoi(buf);
    cr_assert_gt(gc, 0);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_popen_communicate(p, NULL, 0, 0.3, NULL, NULL, NULL, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.3);
    kill(gc, SIGKILL);
    WEFT_ASSERT_OK(weft_popen_communicate(p, NULL, 0, 20, &out, NULL, NULL, NULL));
    cr_assert_str_eq(out, "");
    weft_free(out);
    weft_popen_free(p);
}
