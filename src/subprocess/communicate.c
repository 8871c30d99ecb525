/* communicate(): the OS layer's poll pump over stdin, stdout and stderr. The
 * state lives in the Popen, so a call that times out loses nothing and the
 * next continues. */
#include "subprocess/internal.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Hands a buffer to the caller (NUL-terminated, never NULL for a pipe). */
static weft_status weft__hand_out(weft_popen *p, int i, char **data, size_t *len, const char *fn)
{
    weft__os_buf *b = &p->out[i - 1];
    if (data == NULL) {
        if (len != NULL)
            *len = p->had_pipe[i] ? b->len : 0;
        return WEFT_OK;
    }
    if (!p->had_pipe[i]) {
        *data = NULL;
        if (len != NULL)
            *len = 0;
        return WEFT_OK;
    }
    if (b->data == NULL && (b->data = malloc(1)) == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    b->data[b->len] = '\0';
    *data = b->data;
    if (len != NULL)
        *len = b->len;
    *b = (weft__os_buf){ NULL, 0, 0, 0 };
    return WEFT_OK;
}

/* Keeps the unwritten input over a timeout: the caller's buffer may go away. */
static weft_status weft__keep_input(weft_popen *p, const char *fn)
{
    if (p->fd[0] < 0 || p->input == NULL || p->input == p->input_own || p->input_off >= p->input_len)
        return WEFT_OK;
    size_t left = p->input_len - p->input_off;
    char *copy = malloc(left);
    if (copy == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory keeping the input", fn);
    memcpy(copy, p->input + p->input_off, left);
    free(p->input_own);
    p->input_own = copy;
    p->input = copy;
    p->input_len = left;
    p->input_off = 0;
    return WEFT_OK;
}

/* The child exited while its pipes stay open: what remains of its group
 * (grandchildren holding them) is killed. The zombie still holds the group
 * id, so it cannot have been reused. */
static void weft__sweep_group(void *arg)
{
    weft_popen *p = arg;
    pthread_mutex_lock(&p->proc.lock);
    if (p->proc.returncode == WEFT_SUBPROCESS_RUNNING)
        killpg(p->proc.pid, SIGKILL);
    p->group_killed = true;
    pthread_mutex_unlock(&p->proc.lock);
}

/* One round of the pump over the Popen's streams; the streams' progress is
 * copied back so that a timeout loses nothing. */
static weft_status weft__pump(weft_popen *p, const weft__deadline *d, const char *fn)
{
    weft__os_stream s[3] = {
        { .fd = p->fd[0], .out = p->input, .len = p->input_len, .off = p->input_off },
        { .fd = p->fd[1], .in = &p->out[0] },
        { .fd = p->fd[2], .in = &p->out[1] },
    };
    weft__os_watch watch = { .fd = -1, .fn = weft__sweep_group, .arg = p };
    if (p->proc.kill_group && !p->group_killed)
        watch.fd = p->proc.pidfd;
    weft_status st = weft__os_pump(s, 3, &watch, d, fn);
    for (int i = 0; i < 3; i++)
        p->fd[i] = s[i].fd;
    p->input_off = s[0].off;
    return st;
}

weft_status weft__popen_communicate(weft_popen *p, const void *input, size_t input_len, const weft__deadline *d,
                                    const char *fn)
{
    if (!p->comm_started) {
        p->comm_started = true;
        if (p->fd[0] >= 0) {
            p->input = input;
            p->input_len = input != NULL ? input_len : 0;
            p->input_off = 0;
            if (p->input_len == 0)
                weft__os_close(&p->fd[0]);
        }
    }
    weft_status st = weft__pump(p, d, fn);
    if (st == WEFT_TIMEOUT) {
        weft_status k = weft__keep_input(p, fn);
        return k != WEFT_OK ? k : WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: timed out", fn);
    }
    if (p->input != p->input_own)
        p->input = NULL;
    if (st != WEFT_OK) {
        /* The caller's input is not kept over a failure: stop feeding it. */
        weft__os_close(&p->fd[0]);
        return st;
    }
    return weft__os_proc_wait(&p->proc, p, d, NULL, fn);
}

weft_status weft_popen_communicate(weft_popen *p, const void *input, size_t input_len, double timeout, char **out,
                                   size_t *out_len, char **err, size_t *err_len)
{
    WEFT__OPEN(p, weft__popen_type);
    if (p->comm_started && input != NULL && input_len > 0)
        return weft__fail(WEFT_EINVAL, "%s: cannot send input after starting communication", __func__);
    if (input == NULL && input_len > 0)
        return weft__fail(WEFT_EINVAL, "%s: input is NULL but input_len is %zu", __func__, input_len);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    if ((st = weft__popen_communicate(p, input, input_len, &d, __func__)) != WEFT_OK)
        return st;
    char *o = NULL;
    size_t ol = 0;
    if ((st = weft__hand_out(p, 1, out != NULL ? &o : NULL, &ol, __func__)) != WEFT_OK)
        return st;
    if ((st = weft__hand_out(p, 2, err, err_len, __func__)) != WEFT_OK) {
        free(o);
        return st;
    }
    if (out != NULL)
        *out = o;
    if (out_len != NULL)
        *out_len = ol;
    return WEFT_OK;
}

weft_status weft__popen_take_output(weft_popen *p, int i, char **data, size_t *len, const char *fn)
{
    return weft__hand_out(p, i, data, len, fn);
}

weft_status weft_popen_read_so_far(weft_popen *p, int stream, const char **data, size_t *len)
{
    WEFT__OPEN(p, weft__popen_type);
    WEFT__OUT(data);
    if (stream != 1 && stream != 2)
        return weft__fail(WEFT_EINVAL, "%s: stream is %d, not 1 (stdout) or 2 (stderr)", __func__, stream);
    const weft__os_buf *b = &p->out[stream - 1];
    *data = b->len > 0 ? b->data : NULL;
    if (len != NULL)
        *len = b->len;
    return WEFT_OK;
}
