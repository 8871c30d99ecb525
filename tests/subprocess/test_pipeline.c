/* The "Replacing shell pipeline" recipe: p1's stdout becomes p2's stdin and
 * the parent drops its copy, so the data never passes through the parent. */
#include "sp_util.h"

#include <signal.h>

static weft_popen *spawn(const char *const *argv, int in, int out)
{
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, in));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, out));
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    weft_popen_opts_free(o);
    return p;
}

Test(pipeline, two_stages)
{
    const char *a[] = { "printf", "b\\na\\nc\\n", NULL };
    const char *b[] = { "sort", NULL };
    weft_popen *p1 = spawn(a, WEFT_SUBPROCESS_INHERIT, WEFT_SUBPROCESS_PIPE);
    int fd;
    WEFT_ASSERT_OK(weft_popen_stdout(p1, &fd));
    weft_popen *p2 = spawn(b, fd, WEFT_SUBPROCESS_PIPE);
    WEFT_ASSERT_OK(weft_popen_close_stdout(p1));
    char *out;
    WEFT_ASSERT_OK(weft_popen_communicate(p2, NULL, 0, 10, &out, NULL, NULL, NULL));
    cr_assert_str_eq(out, "a\nb\nc\n");
    weft_free(out);
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p1, 10, &rc));
    cr_assert_eq(rc, 0);
    weft_popen_free(p1);
    weft_popen_free(p2);
}

Test(pipeline, three_stages_large)
{
    /* 32 MiB flows head -> tr -> wc without touching the parent. */
    const char *a[] = { "head", "-c", "33554432", "/dev/zero", NULL };
    const char *b[] = { "tr", "\\000", "x", NULL };
    const char *c[] = { "wc", "-c", NULL };
    weft_popen *p1 = spawn(a, WEFT_SUBPROCESS_INHERIT, WEFT_SUBPROCESS_PIPE);
    int fd1, fd2;
    weft_popen_stdout(p1, &fd1);
    weft_popen *p2 = spawn(b, fd1, WEFT_SUBPROCESS_PIPE);
    weft_popen_close_stdout(p1);
    weft_popen_stdout(p2, &fd2);
    weft_popen *p3 = spawn(c, fd2, WEFT_SUBPROCESS_PIPE);
    weft_popen_close_stdout(p2);
    char *out;
    WEFT_ASSERT_OK(weft_popen_communicate(p3, NULL, 0, 60, &out, NULL, NULL, NULL));
    cr_assert_eq(atol(out), 33554432L);
    weft_free(out);
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p1, 10, &rc));
    cr_assert_eq(rc, 0);
    WEFT_ASSERT_OK(weft_popen_wait(p2, 10, &rc));
    cr_assert_eq(rc, 0);
    weft_popen_free(p1);
    weft_popen_free(p2);
    weft_popen_free(p3);
}

Test(pipeline, first_stage_gets_sigpipe)
{
    /* Closing the parent's copy is what lets p1 see SIGPIPE once p2 exits. */
    const char *a[] = { "yes", NULL };
    const char *b[] = { "head", "-n", "1", NULL };
    weft_popen *p1 = spawn(a, WEFT_SUBPROCESS_INHERIT, WEFT_SUBPROCESS_PIPE);
    int fd;
    weft_popen_stdout(p1, &fd);
    weft_popen *p2 = spawn(b, fd, WEFT_SUBPROCESS_PIPE);
    weft_popen_close_stdout(p1);
    char *out;
    WEFT_ASSERT_OK(weft_popen_communicate(p2, NULL, 0, 10, &out, NULL, NULL, NULL));
    cr_assert_str_eq(out, "y\n");
    weft_free(out);
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p1, 10, &rc));
    cr_assert_eq(rc, -SIGPIPE);
    weft_popen_free(p1);
    weft_popen_free(p2);
}
