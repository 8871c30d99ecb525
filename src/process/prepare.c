/* Preparation data: what a spawned or forkserver child learns from its
 * parent before its task (Python's get_preparation_data and prepare), and
 * sending it with the task. The format is private to one build of weft:
 * parent and worker are the same library. */
#include "process/internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WEFT__PREP_MAGIC 0x50544657u /* "WFTP" */
#define WEFT__PREP_VERSION 1u

/* ---- encoding ---------------------------------------------------------------- */

typedef struct weft__wbuf {
    unsigned char *p;
    size_t len, cap;
    bool failed;
} weft__wbuf;

static void weft__put(weft__wbuf *b, const void *data, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *g = realloc(b->p, cap);
        if (g == NULL) {
            b->failed = true;
            return;
        }
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void weft__put_i64(weft__wbuf *b, int64_t v)
{
    weft__put(b, &v, sizeof v);
}

static void weft__put_bytes(weft__wbuf *b, const void *data, size_t n)
{
    weft__put_i64(b, (int64_t)n);
    if (n > 0)
        weft__put(b, data, n);
}

static void weft__put_str(weft__wbuf *b, const char *s)
{
    weft__put_bytes(b, s, strlen(s));
}

void *weft__prep_encode(const weft__prep *pr, size_t *size, const char *fn)
{
    weft__wbuf b = { 0 };
    weft__put_i64(&b, ((int64_t)WEFT__PREP_VERSION << 32) | WEFT__PREP_MAGIC);
    weft__put_i64(&b, pr->method);
    weft__put_str(&b, pr->name);
    weft__put_str(&b, pr->identity);
    weft__put_bytes(&b, pr->authkey, pr->authkey_len);
    weft__put_i64(&b, pr->daemon);
    weft__put_i64(&b, pr->parent_pid);
    weft__put_str(&b, pr->parent_name);
    weft__put_i64(&b, pr->alive_fd);
    weft__put_i64(&b, pr->sentinel_fd);
    weft__put_i64(&b, pr->deathsig);
    weft__put_i64(&b, pr->pdeath_parent);
    weft__put_i64(&b, pr->watch_thread);
    if (b.failed) {
        free(b.p);
        weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    *size = b.len;
    return b.p;
}

void weft__prep_fill(weft__prep *pr, struct weft_process *p, const char *parent_name)
{
    memset(pr, 0, sizeof *pr);
    pr->method = p->method;
    pr->name = p->name;
    pr->identity = p->identity;
    pr->authkey = p->authkey;
    pr->authkey_len = p->authkey_len;
    pr->daemon = p->daemon;
    pr->parent_pid = getpid();
    pr->parent_name = parent_name;
    pr->alive_fd = -1;
    pr->sentinel_fd = -1;
    pr->deathsig = weft__death_signal(p->daemon);
}

/* ---- decoding ---------------------------------------------------------------- */

typedef struct weft__rbuf {
    const unsigned char *p;
    size_t left;
    bool bad;
} weft__rbuf;

static int64_t weft__get_i64(weft__rbuf *b)
{
    int64_t v = 0;
    if (b->bad || b->left < sizeof v) {
        b->bad = true;
        return 0;
    }
    memcpy(&v, b->p, sizeof v);
    b->p += sizeof v;
    b->left -= sizeof v;
    return v;
}

/* A malloc'd copy (NUL-terminated) of the next length-prefixed bytes. */
static char *weft__get_bytes(weft__rbuf *b, size_t *n)
{
    int64_t len = weft__get_i64(b);
    if (b->bad || len < 0 || (uint64_t)len > b->left) {
        b->bad = true;
        return NULL;
    }
    char *s = malloc((size_t)len + 1);
    if (s == NULL) {
        b->bad = true;
        return NULL;
    }
    memcpy(s, b->p, (size_t)len);
    s[len] = '\0';
    b->p += len;
    b->left -= (size_t)len;
    if (n != NULL)
        *n = (size_t)len;
    return s;
}

static atomic_bool weft__prepared;

weft_status weft_spawn_prepare(const void *data, size_t size)
{
    if (data == NULL)
        return weft__fail(WEFT_EINVAL, "%s: data is NULL", __func__);
    weft__rbuf b = { data, size, false };
    if (weft__get_i64(&b) != (((int64_t)WEFT__PREP_VERSION << 32) | WEFT__PREP_MAGIC) || b.bad)
        return weft__fail(WEFT_EINVAL, "%s: not preparation data of this version of weft", __func__);
    int64_t method = weft__get_i64(&b);
    struct weft_process *self = weft__process_make(WEFT__PK_SELF);
    if (self == NULL)
        return WEFT_NOMEM;
    char *parent_name = NULL;
    self->name = weft__get_bytes(&b, NULL);
    self->identity = weft__get_bytes(&b, NULL);
    self->authkey = (unsigned char *)weft__get_bytes(&b, &self->authkey_len);
    self->daemon = weft__get_i64(&b) != 0;
    pid_t parent_pid = (pid_t)weft__get_i64(&b);
    parent_name = weft__get_bytes(&b, NULL);
    int alive_fd = (int)weft__get_i64(&b);
    int sentinel_fd = (int)weft__get_i64(&b);
    int deathsig = (int)weft__get_i64(&b);
    pid_t pdeath_parent = (pid_t)weft__get_i64(&b);
    bool watch_thread = weft__get_i64(&b) != 0;
    weft_status st = WEFT_OK;
    if (b.bad || b.left != 0 || method < 0 || method >= WEFT__MP_METHODS || deathsig <= 0 || deathsig >= NSIG ||
        (alive_fd >= 0 && fcntl(alive_fd, F_GETFD) < 0) || (sentinel_fd >= 0 && fcntl(sentinel_fd, F_GETFD) < 0)) {
        st = weft__fail(WEFT_EINVAL, "%s: malformed preparation data", __func__);
        goto out;
    }
    if (atomic_exchange(&weft__prepared, true)) {
        st = weft__fail(WEFT_RUNTIME, "%s: this process was prepared already", __func__);
        goto out;
    }
    /* What the parent passed stays out of this process's own children. */
    if (alive_fd >= 0)
        (void)weft__os_set_inheritable(alive_fd, false);
    if (sentinel_fd >= 0) {
        (void)weft__os_set_inheritable(sentinel_fd, false);
        weft__set_own_sentinel(sentinel_fd);
    }
    if (pdeath_parent > 0 || watch_thread)
        weft__watch_parent(alive_fd, deathsig, pdeath_parent);
    st = weft__become_child(self, parent_pid, parent_name, alive_fd, (weft__mp_method)method);
out:
    free(parent_name);
    weft__unref(self);
    return st;
}

/* ---- sending ---------------------------------------------------------------- */

weft_status weft__send_prep_and_task(int fd, const void *prep, size_t prep_size, const void *task, size_t task_size,
                                     const char *fn)
{
    weft_connection *c;
    weft_status st = weft_connection_from_fd(&c, fd, 0, 1);
    if (st != WEFT_OK) {
        close(fd);
        return st;
    }
    st = weft_connection_send_bytes(c, prep, 0, prep_size);
    if (st == WEFT_OK)
        st = weft_connection_send_bytes(c, task, 0, task_size);
    weft_connection_free(c);
    /* A child that is gone before reading (EPIPE) reports through its exit code. */
    if (st == WEFT_OS && weft_errno() == EPIPE)
        st = WEFT_OK;
    if (st != WEFT_OK)
        return weft__fail(st, "%s: cannot send the task to the child: %s", fn, weft_errmsg());
    return WEFT_OK;
}
