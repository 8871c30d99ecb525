/* run(), call(), check_call(), check_output(), getstatusoutput(),
 * getoutput() and the CompletedProcess that also carries the data of
 * TimeoutExpired and CalledProcessError. */
#include "subprocess/internal.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct weft_completed_process {
    weft__obj hdr;
    char **args;
    size_t nargs;
    int returncode;
    double timeout; /* -1 unless run() timed out */
    char *out[2];
    size_t len[2];
};

static void cp_destroy(void *obj)
{
    weft_completed_process *cp = obj;
    weft__strv_free(cp->args);
    free(cp->out[0]);
    free(cp->out[1]);
}

const weft__type weft__completed_process_type = { "completed_process", cp_destroy };

#define CHECK(h, fn)                                                               \
    do {                                                                           \
        weft_status st_ = weft__check((h), &weft__completed_process_type, (fn));  \
        if (st_ != WEFT_OK)                                                        \
            return st_;                                                            \
    } while (0)

/* "cmd arg arg" for messages, shortened to fit. */
static void format_cmd(char *buf, size_t size, char *const *args)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; args[i] != NULL && used + 1 < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? " " : "", args[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

static weft_status called_process_error(char *const *args, int rc, const char *fn)
{
    char cmd[160];
    format_cmd(cmd, sizeof cmd, args);
    if (rc < 0)
        return weft__fail(WEFT_CALLED_PROCESS, "%s: command '%s' died with signal %d", fn, cmd, -rc);
    return weft__fail(WEFT_CALLED_PROCESS, "%s: command '%s' returned non-zero exit status %d", fn, cmd, rc);
}

/* Kills (the group too with kill_group) and reaps after a timeout or a
 * failure, as Python's run() and call() do. */
static void kill_and_reap(weft_popen *p)
{
    weft__popen_signal(p, SIGKILL, "weft_subprocess_run");
    weft__deadline forever;
    weft__deadline_init(&forever, -1, "weft_subprocess_run");
    weft__popen_wait(p, &forever, NULL, "weft_subprocess_run");
}

/* The body of run(): `opts` is a private copy whose streams may be changed. */
static weft_status run_impl(weft_completed_process **out, const char *const *argv, const weft_popen_opts *opts,
                            const void *input, size_t input_len, double timeout, int check, const char *fn)
{
    if (argv == NULL || argv[0] == NULL)
        return weft__fail(WEFT_EINVAL, "%s: argv is NULL or empty", fn);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    weft_completed_process *cp = weft__obj_new(&weft__completed_process_type, sizeof *cp);
    if (cp == NULL)
        return WEFT_NOMEM;
    cp->timeout = -1;
    if ((cp->args = weft__strv_dup(argv, &cp->nargs)) == NULL) {
        weft__unref(cp);
        return WEFT_NOMEM;
    }
    weft_popen *p;
    if ((st = weft__popen_start(&p, argv, opts)) != WEFT_OK) {
        weft__unref(cp);
        return st;
    }
    st = weft__popen_communicate(p, input, input_len, &d);
    if (st == WEFT_TIMEOUT) {
        kill_and_reap(p);
        cp->timeout = timeout;
    } else if (st != WEFT_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", weft_errmsg());
        int e = weft_errno();
        kill_and_reap(p);
        weft_popen_free(p);
        weft__unref(cp);
        return st == WEFT_OS ? weft__fail_os(e, "%s", msg) : weft__fail(st, "%s", msg);
    }
    cp->returncode = p->returncode;
    weft_status took = weft__popen_take_output(p, 1, &cp->out[0], &cp->len[0]);
    if (took == WEFT_OK)
        took = weft__popen_take_output(p, 2, &cp->out[1], &cp->len[1]);
    weft_popen_free(p);
    if (took != WEFT_OK) {
        weft__unref(cp);
        return took;
    }
    *out = cp;
    if (st == WEFT_TIMEOUT) {
        char cmd[160];
        format_cmd(cmd, sizeof cmd, cp->args);
        return weft__fail(WEFT_TIMEOUT, "%s: command '%s' timed out after %g seconds", fn, cmd, timeout);
    }
    if (check && cp->returncode != 0)
        return called_process_error(cp->args, cp->returncode, fn);
    return WEFT_OK;
}

/* Copies the caller's options (or the defaults) so run can change streams. */
static weft_status opts_copy(weft_popen_opts *copy, const weft_popen_opts *opts, const char *fn)
{
    if (opts == NULL) {
        weft_popen_opts *def;
        weft_status st = weft_popen_opts_new(&def);
        if (st != WEFT_OK)
            return st;
        *copy = *def;
        weft_popen_opts_free(def); /* holds nothing that the copy needs */
        copy->hdr.type = &weft__popen_opts_type;
        return WEFT_OK;
    }
    weft_status st = weft__check(opts, &weft__popen_opts_type, fn);
    if (st != WEFT_OK)
        return st;
    *copy = *opts;
    return WEFT_OK;
}

weft_status weft_subprocess_run(weft_completed_process **out, const char *const *argv, const weft_popen_opts *opts,
                                const void *input, size_t input_len, int capture_output, double timeout, int check)
{
    static const char *const fn = "weft_subprocess_run";
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "%s: out is NULL", fn);
    if (input == NULL && input_len > 0)
        return weft__fail(WEFT_EINVAL, "%s: input is NULL but input_len is %zu", fn, input_len);
    weft_popen_opts o;
    weft_status st = opts_copy(&o, opts, fn);
    if (st != WEFT_OK)
        return st;
    if (input != NULL) {
        if (o.std[0] != WEFT_SUBPROCESS_INHERIT)
            return weft__fail(WEFT_EINVAL, "%s: stdin and input may not both be used", fn);
        o.std[0] = WEFT_SUBPROCESS_PIPE;
    }
    if (capture_output) {
        if (o.std[1] != WEFT_SUBPROCESS_INHERIT || o.std[2] != WEFT_SUBPROCESS_INHERIT)
            return weft__fail(WEFT_EINVAL, "%s: stdout and stderr may not be used with capture_output", fn);
        o.std[1] = o.std[2] = WEFT_SUBPROCESS_PIPE;
    }
    return run_impl(out, argv, &o, input, input_len, timeout, check, fn);
}

static weft_status call_impl(const char *const *argv, const weft_popen_opts *opts, double timeout, int *returncode,
                             int check, const char *fn)
{
    if (argv == NULL || argv[0] == NULL)
        return weft__fail(WEFT_EINVAL, "%s: argv is NULL or empty", fn);
    weft_popen_opts o;
    weft_status st = opts_copy(&o, opts, fn);
    if (st != WEFT_OK)
        return st;
    weft__deadline d;
    if ((st = weft__deadline_init(&d, timeout, fn)) != WEFT_OK)
        return st;
    weft_popen *p;
    if ((st = weft__popen_start(&p, argv, &o)) != WEFT_OK)
        return st;
    int rc = 0;
    st = weft__popen_wait(p, &d, &rc, fn);
    if (st != WEFT_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", weft_errmsg());
        int e = weft_errno();
        kill_and_reap(p);
        weft_popen_free(p);
        if (st != WEFT_TIMEOUT)
            return st == WEFT_OS ? weft__fail_os(e, "%s", msg) : weft__fail(st, "%s", msg);
        char cmd[160];
        format_cmd(cmd, sizeof cmd, (char *const *)argv);
        return weft__fail(WEFT_TIMEOUT, "%s: command '%s' timed out after %g seconds", fn, cmd, timeout);
    }
    weft_popen_free(p);
    if (returncode != NULL)
        *returncode = rc;
    if (check && rc != 0)
        return called_process_error((char *const *)argv, rc, fn);
    return WEFT_OK;
}

weft_status weft_subprocess_call(const char *const *argv, const weft_popen_opts *opts, double timeout,
                                 int *returncode)
{
    return call_impl(argv, opts, timeout, returncode, 0, "weft_subprocess_call");
}

weft_status weft_subprocess_check_call(const char *const *argv, const weft_popen_opts *opts, double timeout,
                                       int *returncode)
{
    return call_impl(argv, opts, timeout, returncode, 1, "weft_subprocess_check_call");
}

static void steal_stdout(weft_completed_process *cp, char **output, size_t *output_len)
{
    if (output != NULL) {
        *output = cp->out[0];
        cp->out[0] = NULL;
    }
    if (output_len != NULL)
        *output_len = cp->len[0];
}

weft_status weft_subprocess_check_output(char **output, size_t *output_len, int *returncode,
                                         const char *const *argv, const weft_popen_opts *opts, const void *input,
                                         size_t input_len, double timeout)
{
    static const char *const fn = "weft_subprocess_check_output";
    if (input == NULL && input_len > 0)
        return weft__fail(WEFT_EINVAL, "%s: input is NULL but input_len is %zu", fn, input_len);
    weft_popen_opts o;
    weft_status st = opts_copy(&o, opts, fn);
    if (st != WEFT_OK)
        return st;
    if (o.std[1] != WEFT_SUBPROCESS_INHERIT)
        return weft__fail(WEFT_EINVAL, "%s: stdout may not be set, it is captured", fn);
    if (input != NULL) {
        if (o.std[0] != WEFT_SUBPROCESS_INHERIT)
            return weft__fail(WEFT_EINVAL, "%s: stdin and input may not both be used", fn);
        o.std[0] = WEFT_SUBPROCESS_PIPE;
    }
    o.std[1] = WEFT_SUBPROCESS_PIPE;
    weft_completed_process *cp = NULL;
    st = run_impl(&cp, argv, &o, input, input_len, timeout, 1, fn);
    if (cp != NULL) {
        if (returncode != NULL)
            *returncode = cp->returncode;
        steal_stdout(cp, output, output_len);
        weft__unref(cp);
    }
    return st;
}

weft_status weft_subprocess_getstatusoutput(const char *cmd, int *status, char **output, size_t *output_len)
{
    static const char *const fn = "weft_subprocess_getstatusoutput";
    if (cmd == NULL || status == NULL)
        return weft__fail(WEFT_EINVAL, "%s: cmd or status is NULL", fn);
    weft_popen_opts o;
    weft_status st = opts_copy(&o, NULL, fn);
    if (st != WEFT_OK)
        return st;
    o.shell = true;
    o.std[1] = WEFT_SUBPROCESS_PIPE;
    o.std[2] = WEFT_SUBPROCESS_STDOUT;
    const char *argv[] = { cmd, NULL };
    weft_completed_process *cp = NULL;
    st = run_impl(&cp, argv, &o, NULL, 0, -1, 0, fn);
    if (st != WEFT_OK)
        return st;
    *status = cp->returncode;
    if (cp->len[0] > 0 && cp->out[0][cp->len[0] - 1] == '\n')
        cp->out[0][--cp->len[0]] = '\0';
    steal_stdout(cp, output, output_len);
    weft__unref(cp);
    return WEFT_OK;
}

weft_status weft_subprocess_getoutput(const char *cmd, char **output, size_t *output_len)
{
    if (output == NULL)
        return weft__fail(WEFT_EINVAL, "weft_subprocess_getoutput: output is NULL");
    int status;
    return weft_subprocess_getstatusoutput(cmd, &status, output, output_len);
}

/* ---- CompletedProcess ------------------------------------------------------ */

weft_status weft_completed_process_free(weft_completed_process *cp)
{
    return weft__free_handle(cp, &weft__completed_process_type, "weft_completed_process_free");
}

weft_status weft_completed_process_args(const weft_completed_process *cp, const char *const **argv, size_t *argc)
{
    CHECK(cp, "weft_completed_process_args");
    if (argv == NULL)
        return weft__fail(WEFT_EINVAL, "weft_completed_process_args: argv is NULL");
    *argv = (const char *const *)cp->args;
    if (argc != NULL)
        *argc = cp->nargs;
    return WEFT_OK;
}

weft_status weft_completed_process_returncode(const weft_completed_process *cp, int *returncode)
{
    CHECK(cp, "weft_completed_process_returncode");
    if (returncode == NULL)
        return weft__fail(WEFT_EINVAL, "weft_completed_process_returncode: returncode is NULL");
    *returncode = cp->returncode;
    return WEFT_OK;
}

static weft_status get_out(const weft_completed_process *cp, int i, const char **data, size_t *len, const char *fn)
{
    CHECK(cp, fn);
    if (data == NULL)
        return weft__fail(WEFT_EINVAL, "%s: data is NULL", fn);
    *data = cp->out[i];
    if (len != NULL)
        *len = cp->len[i];
    return WEFT_OK;
}

weft_status weft_completed_process_stdout(const weft_completed_process *cp, const char **data, size_t *len)
{
    return get_out(cp, 0, data, len, "weft_completed_process_stdout");
}

weft_status weft_completed_process_stderr(const weft_completed_process *cp, const char **data, size_t *len)
{
    return get_out(cp, 1, data, len, "weft_completed_process_stderr");
}

weft_status weft_completed_process_timeout(const weft_completed_process *cp, double *timeout)
{
    CHECK(cp, "weft_completed_process_timeout");
    if (timeout == NULL)
        return weft__fail(WEFT_EINVAL, "weft_completed_process_timeout: timeout is NULL");
    *timeout = cp->timeout;
    return WEFT_OK;
}

weft_status weft_completed_process_check_returncode(const weft_completed_process *cp)
{
    CHECK(cp, "weft_completed_process_check_returncode");
    if (cp->returncode != 0)
        return called_process_error(cp->args, cp->returncode, "weft_completed_process_check_returncode");
    return WEFT_OK;
}
