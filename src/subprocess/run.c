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

static void weft__completed_process_destroy(void *obj)
{
    weft_completed_process *cp = obj;
    weft__strv_free(cp->args);
    free(cp->out[0]);
    free(cp->out[1]);
}

const weft__type weft__completed_process_type = { "completed_process", weft__completed_process_destroy };

/* "cmd arg arg" for messages, shortened to fit. */
static void weft__format_cmd(char *buf, size_t size, char *const *args)
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

static weft_status weft__called_process_error(char *const *args, int rc, const char *fn)
{
    char cmd[160];
    weft__format_cmd(cmd, sizeof cmd, args);
    if (rc < 0)
        return weft__fail(WEFT_CALLED_PROCESS, "%s: command '%s' died with signal %d", fn, cmd, -rc);
    return weft__fail(WEFT_CALLED_PROCESS, "%s: command '%s' returned non-zero exit status %d", fn, cmd, rc);
}

/* Kills (the group too with kill_group) and reaps after a timeout or a
 * failure, as Python's run() and call() do. */
static void weft__kill_and_reap(weft_popen *p, const char *fn)
{
    weft__os_proc_signal(&p->proc, SIGKILL, fn);
    weft__deadline forever;
    weft__deadline_init(&forever, -1, fn);
    weft__os_proc_wait(&p->proc, p, &forever, NULL, fn);
}

/* After a failure: kills, reaps and drops the Popen; the failure's message
 * survives the cleanup. */
static weft_status weft__abandon(weft_popen *p, weft_status st, const char *fn)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", weft_errmsg());
    int e = weft_errno();
    weft__kill_and_reap(p, fn);
    weft__unref(p);
    return st == WEFT_OS ? weft__fail_os(e, "%s", msg) : weft__fail(st, "%s", msg);
}

static weft_status weft__timed_out(char *const *args, double timeout, const char *fn)
{
    char cmd[160];
    weft__format_cmd(cmd, sizeof cmd, args);
    return weft__fail(WEFT_TIMEOUT, "%s: command '%s' timed out after %g seconds", fn, cmd, timeout);
}

/* The body of run(): `opts` is a private copy whose streams may be changed.
 * *out receives the object (not a handle) also when the command timed out
 * or failed the check, as TimeoutExpired and CalledProcessError carry it. */
static weft_status weft__run(weft_completed_process **out, const char *const *argv, const weft_popen_opts *opts,
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
    if ((st = weft__popen_start(&p, argv, opts, fn)) != WEFT_OK) {
        weft__unref(cp);
        return st;
    }
    st = weft__popen_communicate(p, input, input_len, &d, fn);
    if (st == WEFT_TIMEOUT) {
        weft__kill_and_reap(p, fn); /* what was read so far is kept */
        cp->timeout = timeout;
    } else if (st != WEFT_OK) {
        weft__unref(cp);
        return weft__abandon(p, st, fn);
    }
    cp->returncode = p->proc.returncode;
    weft_status took = weft__popen_take_output(p, 1, &cp->out[0], &cp->len[0], fn);
    if (took == WEFT_OK)
        took = weft__popen_take_output(p, 2, &cp->out[1], &cp->len[1], fn);
    weft__unref(p);
    if (took != WEFT_OK) {
        weft__unref(cp);
        return took;
    }
    *out = cp;
    if (st == WEFT_TIMEOUT)
        return weft__timed_out(cp->args, timeout, fn);
    if (check && cp->returncode != 0)
        return weft__called_process_error(cp->args, cp->returncode, fn);
    return WEFT_OK;
}

/* Copies the caller's options (or the defaults) so run can change streams.
 * The copy is never a handle: it is only read by weft__popen_start, and
 * borrows everything the caller's object owns. */
static weft_status weft__opts_copy(weft_popen_opts *copy, const weft_popen_opts *opts, const char *fn)
{
    memset(copy, 0, sizeof *copy);
    if (opts == NULL) {
        weft__popen_opts_defaults(copy);
        return WEFT_OK;
    }
    weft_status st;
    const weft_popen_opts *o = weft__open(opts, &weft__popen_opts_type, fn, &st);
    if (o == NULL)
        return st;
    *copy = *o;
    return WEFT_OK;
}

/* Points stdin at a pipe for `input`, refusing an explicit stdin. */
static weft_status weft__input_pipe(weft_popen_opts *o, const void *input, size_t input_len, const char *fn)
{
    if (input == NULL && input_len > 0)
        return weft__fail(WEFT_EINVAL, "%s: input is NULL but input_len is %zu", fn, input_len);
    if (input == NULL)
        return WEFT_OK;
    if (o->std[0] != WEFT_SUBPROCESS_INHERIT)
        return weft__fail(WEFT_EINVAL, "%s: stdin and input may not both be used", fn);
    o->std[0] = WEFT_SUBPROCESS_PIPE;
    return WEFT_OK;
}

weft_status weft_subprocess_run(weft_completed_process **out, const char *const *argv, const weft_popen_opts *opts,
                                const void *input, size_t input_len, int capture_output, double timeout, int check)
{
    WEFT__OUT(out);
    weft_popen_opts o;
    weft_status st = weft__opts_copy(&o, opts, __func__);
    if (st != WEFT_OK || (st = weft__input_pipe(&o, input, input_len, __func__)) != WEFT_OK)
        return st;
    if (capture_output) {
        if (o.std[1] != WEFT_SUBPROCESS_INHERIT || o.std[2] != WEFT_SUBPROCESS_INHERIT)
            return weft__fail(WEFT_EINVAL, "%s: stdout and stderr may not be used with capture_output", __func__);
        o.std[1] = o.std[2] = WEFT_SUBPROCESS_PIPE;
    }
    weft_completed_process *cp = NULL;
    st = weft__run(&cp, argv, &o, input, input_len, timeout, check, __func__);
    if (cp != NULL)
        *out = weft__handle(cp);
    return st;
}

static weft_status weft__call(const char *const *argv, const weft_popen_opts *opts, double timeout, int *returncode,
                              int check, const char *fn)
{
    weft_popen_opts o; /* weft__popen_start checks argv */
    weft_status st = weft__opts_copy(&o, opts, fn);
    if (st != WEFT_OK)
        return st;
    weft__deadline d;
    if ((st = weft__deadline_init(&d, timeout, fn)) != WEFT_OK)
        return st;
    weft_popen *p;
    if ((st = weft__popen_start(&p, argv, &o, fn)) != WEFT_OK)
        return st;
    int rc = 0;
    st = weft__os_proc_wait(&p->proc, p, &d, &rc, fn);
    if (st != WEFT_OK) {
        weft__abandon(p, st, fn);
        if (st != WEFT_TIMEOUT)
            return st;
        return weft__timed_out((char *const *)argv, timeout, fn);
    }
    weft__unref(p);
    if (returncode != NULL)
        *returncode = rc;
    if (check && rc != 0)
        return weft__called_process_error((char *const *)argv, rc, fn);
    return WEFT_OK;
}

weft_status weft_subprocess_call(const char *const *argv, const weft_popen_opts *opts, double timeout,
                                 int *returncode)
{
    return weft__call(argv, opts, timeout, returncode, 0, __func__);
}

weft_status weft_subprocess_check_call(const char *const *argv, const weft_popen_opts *opts, double timeout,
                                       int *returncode)
{
    return weft__call(argv, opts, timeout, returncode, 1, __func__);
}

static void weft__steal_stdout(weft_completed_process *cp, char **output, size_t *output_len)
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
    weft_popen_opts o;
    weft_status st = weft__opts_copy(&o, opts, __func__);
    if (st != WEFT_OK)
        return st;
    if (o.std[1] != WEFT_SUBPROCESS_INHERIT)
        return weft__fail(WEFT_EINVAL, "%s: stdout may not be set, it is captured", __func__);
    if ((st = weft__input_pipe(&o, input, input_len, __func__)) != WEFT_OK)
        return st;
    o.std[1] = WEFT_SUBPROCESS_PIPE;
    weft_completed_process *cp = NULL;
    st = weft__run(&cp, argv, &o, input, input_len, timeout, 1, __func__);
    if (cp != NULL) {
        if (returncode != NULL)
            *returncode = cp->returncode;
        weft__steal_stdout(cp, output, output_len);
        weft__unref(cp);
    }
    return st;
}

static weft_status weft__getstatusoutput(const char *cmd, int *status, char **output, size_t *output_len,
                                         const char *fn)
{
    weft_popen_opts o;
    memset(&o, 0, sizeof o);
    weft__popen_opts_defaults(&o);
    o.shell = true;
    o.std[1] = WEFT_SUBPROCESS_PIPE;
    o.std[2] = WEFT_SUBPROCESS_STDOUT;
    const char *argv[] = { cmd, NULL };
    weft_completed_process *cp = NULL;
    weft_status st = weft__run(&cp, argv, &o, NULL, 0, -1, 0, fn);
    if (st != WEFT_OK)
        return st;
    *status = cp->returncode;
    if (cp->len[0] > 0 && cp->out[0][cp->len[0] - 1] == '\n')
        cp->out[0][--cp->len[0]] = '\0';
    weft__steal_stdout(cp, output, output_len);
    weft__unref(cp);
    return WEFT_OK;
}

weft_status weft_subprocess_getstatusoutput(const char *cmd, int *status, char **output, size_t *output_len)
{
    WEFT__OUT(cmd);
    WEFT__OUT(status);
    return weft__getstatusoutput(cmd, status, output, output_len, __func__);
}

weft_status weft_subprocess_getoutput(const char *cmd, char **output, size_t *output_len)
{
    WEFT__OUT(cmd);
    WEFT__OUT(output);
    int status;
    return weft__getstatusoutput(cmd, &status, output, output_len, __func__);
}

/* ---- CompletedProcess ------------------------------------------------------ */

weft_status weft_completed_process_free(weft_completed_process *cp)
{
    WEFT__FREE(cp, weft__completed_process_type);
}

weft_status weft_completed_process_args(const weft_completed_process *cp, const char *const **argv, size_t *argc)
{
    WEFT__OPEN(cp, weft__completed_process_type);
    WEFT__OUT(argv);
    *argv = (const char *const *)cp->args;
    if (argc != NULL)
        *argc = cp->nargs;
    return WEFT_OK;
}

weft_status weft_completed_process_returncode(const weft_completed_process *cp, int *returncode)
{
    WEFT__OPEN(cp, weft__completed_process_type);
    WEFT__OUT(returncode);
    *returncode = cp->returncode;
    return WEFT_OK;
}

static weft_status weft__get_out(const weft_completed_process *cp, int i, const char **data, size_t *len)
{
    *data = cp->out[i];
    if (len != NULL)
        *len = cp->len[i];
    return WEFT_OK;
}

weft_status weft_completed_process_stdout(const weft_completed_process *cp, const char **data, size_t *len)
{
    WEFT__OPEN(cp, weft__completed_process_type);
    WEFT__OUT(data);
    return weft__get_out(cp, 0, data, len);
}

weft_status weft_completed_process_stderr(const weft_completed_process *cp, const char **data, size_t *len)
{
    WEFT__OPEN(cp, weft__completed_process_type);
    WEFT__OUT(data);
    return weft__get_out(cp, 1, data, len);
}

weft_status weft_completed_process_timeout(const weft_completed_process *cp, double *timeout)
{
    WEFT__OPEN(cp, weft__completed_process_type);
    WEFT__OUT(timeout);
    *timeout = cp->timeout;
    return WEFT_OK;
}

weft_status weft_completed_process_check_returncode(const weft_completed_process *cp)
{
    WEFT__OPEN(cp, weft__completed_process_type);
    if (cp->returncode != 0)
        return weft__called_process_error(cp->args, cp->returncode, __func__);
    return WEFT_OK;
}
