/* The forkserver start method, the client's side. The server is the worker
 * executable in server mode (worker/server.c), a child of this process,
 * single-threaded from its start. A request is one byte on the control
 * socket carrying (SCM_RIGHTS) one end of a fresh socket pair, the child's
 * channel: the parent writes the preparation and the task on its end, the
 * server forks a child that reads them, and the server writes the child's
 * pid and, once it reaped it, its exit code, each as a native 8-byte signed
 * integer (as CPython's forkserver does). The parent's end is the child's
 * sentinel: readable once the exit code is there. The server exits when this
 * process's alive pipe reaches end of file, that is when this process ends. */
#include "process/internal.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern char **environ;

static struct {
    pthread_mutex_t lock;     /* guards the rest, and serialises starting the server */
    bool running;
    weft__os_proc proc;       /* the server, a child of this process */
    int ctl;                  /* our end of the control socket */
    int alive_in_server;      /* the alive pipe's number in the server (and its children) */
} weft__fs = { .lock = PTHREAD_MUTEX_INITIALIZER, .ctl = -1, .alive_in_server = -1 };

/* In a child of fork: the server is the parent's. */
void weft__forkserver_after_fork(void)
{
    pthread_mutex_init(&weft__fs.lock, NULL);
    weft__os_close(&weft__fs.ctl);
    if (weft__fs.running)
        weft__os_close(&weft__fs.proc.pidfd);
    weft__fs.running = false;
    weft__fs.alive_in_server = -1;
}

/* With weft__fs.lock held. */
static weft_status weft__server_start(const char *fn)
{
    if (weft__fs.running) {
        pthread_mutex_lock(&weft__fs.proc.lock);
        bool gone = weft__os_proc_try_reap(&weft__fs.proc);
        pthread_mutex_unlock(&weft__fs.proc.lock);
        if (!gone)
            return WEFT_OK;
        /* It died: start another. */
        weft__os_proc_release(&weft__fs.proc);
        weft__os_close(&weft__fs.ctl);
        weft__fs.running = false;
    }
    char *path = weft__worker_path(fn);
    size_t npre = 0;
    char **pre = path != NULL ? weft__preload_copy(&npre, fn) : NULL;
    char **argv = pre != NULL ? calloc(npre + 5, sizeof *argv) : NULL;
    if (argv == NULL) {
        free(path);
        weft__strv_free(pre);
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    }
    weft_status st = WEFT_OK;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int ctl[2] = { -1, -1 };
    char ctlbuf[16], alivebuf[16];
    pid_t pid = -1;
    if (devnull < 0) {
        st = weft__fail_os(errno, "%s: cannot open /dev/null", fn);
        goto out;
    }
    weft__fork_lock_shared();
    int alive = weft__alive_fd();
    if (alive < 0 || weft__os_socketpair(ctl) != 0) {
        st = weft__fail_os(errno, "%s: cannot create the forkserver's sockets", fn);
    } else {
        snprintf(ctlbuf, sizeof ctlbuf, "%d", ctl[1]);
        snprintf(alivebuf, sizeof alivebuf, "%d", alive);
        argv[0] = path;
        argv[1] = (char *)"forkserver";
        argv[2] = ctlbuf;
        argv[3] = alivebuf;
        for (size_t i = 0; i < npre; i++)
            argv[4 + i] = pre[i];
        const char *paths[] = { path, NULL };
        int pass[2] = { ctl[1], alive };
        weft__os_child_plan pl;
        weft__worker_plan(&pl, fn, argv, environ, paths, devnull, pass, 2);
        /* No parent-death signal: it would follow this thread, not the
         * process. The server watches the alive pipe instead. */
        st = weft__os_spawn(&pl, &pid);
    }
    weft__os_close(&ctl[1]);
    weft__fork_unlock_shared();
    if (st == WEFT_OK) {
        weft__os_proc_init(&weft__fs.proc);
        weft__os_proc_attach(&weft__fs.proc, pid, false);
        weft__fs.ctl = ctl[0];
        weft__fs.alive_in_server = alive;
        weft__fs.running = true;
    } else {
        weft__os_close(&ctl[0]);
    }
out:
    weft__os_close(&devnull);
    free(argv);
    weft__strv_free(pre);
    free(path);
    return st;
}

weft_status weft_forkserver_ensure_running(void)
{
    pthread_mutex_lock(&weft__fs.lock);
    weft_status st = weft__server_start(__func__);
    pthread_mutex_unlock(&weft__fs.lock);
    return st;
}

/* Reads one native 8-byte integer: 1 read, 0 end of file, -1 with errno. */
static int weft__read_i64(int fd, int64_t *v)
{
    size_t got = 0;
    while (got < sizeof *v) {
        ssize_t r = read(fd, (char *)v + got, sizeof *v - got);
        if (r > 0)
            got += (size_t)r;
        else if (r == 0)
            return 0;
        else if (errno != EINTR)
            return -1;
    }
    return 1;
}

static weft_status weft__send_request(int ctl, int chan, const char *fn)
{
    char byte = 'F';
    struct iovec iov = { &byte, 1 };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &chan, sizeof chan);
    for (;;) {
        ssize_t r = sendmsg(ctl, &msg, MSG_NOSIGNAL);
        if (r == 1)
            return WEFT_OK;
        if (r < 0 && errno == EINTR)
            continue;
        return weft__fail_os(r < 0 ? errno : EIO, "%s: cannot reach the forkserver", fn);
    }
}

weft_status weft__forkserver_start(struct weft_process *p, const char *fn)
{
    weft__target *t = p->target;
    if (t != NULL && t->task != NULL) {
        const char *object;
        weft_status st = weft_task_describe(t->task, &object, NULL, NULL);
        if (st != WEFT_OK)
            return st;
        if (object == NULL || object[0] == '\0')
            return weft__fail(WEFT_NOT_SUPPORTED,
                              "%s: the forkserver cannot run a task of the main program (use spawn, or put the "
                              "task in a shared object)",
                              fn);
    }
    weft_status st;
    char *parent_name = weft__current_name(&st, fn);
    if (parent_name == NULL)
        return st;

    int ch[2] = { -1, -1 }, wfd = -1;
    void *prep = NULL;
    size_t prep_size = 0;
    pthread_mutex_lock(&weft__fs.lock);
    st = weft__server_start(fn);
    pid_t server = weft__fs.proc.pid;
    int alive = weft__fs.alive_in_server;
    if (st == WEFT_OK) {
        weft__fork_lock_shared();
        if (weft__os_socketpair(ch) != 0)
            st = weft__fail_os(errno, "%s: cannot create the child's channel", fn);
        else
            st = weft__send_request(weft__fs.ctl, ch[1], fn);
        weft__os_close(&ch[1]);
        weft__fork_unlock_shared();
    }
    pthread_mutex_unlock(&weft__fs.lock);
    if (st != WEFT_OK)
        goto fail;

    weft__prep pr;
    weft__prep_fill(&pr, p, parent_name);
    pr.alive_fd = alive;
    /* The server is single-threaded, so its children can ask for the
     * parent-death signal; it exits when this process does. */
    if (weft__os_features & WEFT__OS_PDEATHSIG)
        pr.pdeath_parent = server;
    else
        pr.watch_thread = true;
    if ((prep = weft__prep_encode(&pr, &prep_size, fn)) == NULL) {
        st = WEFT_NOMEM;
        goto fail;
    }
    if ((wfd = weft__os_dup_above(ch[0], 3)) < 0) {
        st = weft__fail_os(errno, "%s: dup", fn);
        goto fail;
    }
    st = weft__send_prep_and_task(wfd, prep, prep_size, t != NULL ? t->task_bytes : NULL,
                                  t != NULL ? t->task_size : 0, fn);
    if (st != WEFT_OK)
        goto fail;
    int64_t pid;
    int r = weft__read_i64(ch[0], &pid);
    if (r <= 0) {
        st = r == 0 ? weft__fail(WEFT_OS, "%s: the forkserver ended before it started the child", fn)
                    : weft__fail_os(errno, "%s: reading the child's pid from the forkserver", fn);
        goto fail;
    }
    free(prep);
    free(parent_name);
    pthread_mutex_lock(&p->lock);
    p->pid = (pid_t)pid;
    p->sentinel = ch[0];
    p->exitcode = WEFT_PROCESS_NO_EXITCODE;
    /* Not our child, so no reaping, but a pidfd signals without the risk
     * of a recycled pid once the server has reaped it. */
    p->fs_pidfd = weft__os_pidfd_open((pid_t)pid);
    pthread_mutex_unlock(&p->lock);
    return WEFT_OK;
fail:
    weft__os_close(&ch[0]);
    free(prep);
    free(parent_name);
    return st;
}

/* Reads the exit code if it is there; with p->lock held. It is peeked,
 * not consumed, so that the sentinel stays readable whether or not the
 * server has closed its end yet. */
static void weft__take_status(struct weft_process *p)
{
    if (p->exitcode != WEFT_PROCESS_NO_EXITCODE)
        return;
    int64_t code;
    ssize_t r;
    do
        r = recv(p->sentinel, &code, sizeof code, MSG_PEEK | MSG_DONTWAIT);
    while (r < 0 && errno == EINTR);
    if (r == (ssize_t)sizeof code)
        p->exitcode = (int)code;
    else if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
        p->exitcode = 255; /* no code: the server itself was killed (CPython says 255 too) */
    else
        return;
    weft__os_close(&p->fs_pidfd);
}

weft_status weft__forkserver_wait(struct weft_process *p, const weft__deadline *d, const char *fn)
{
    for (;;) {
        pthread_mutex_lock(&p->lock);
        weft__take_status(p);
        bool done = p->exitcode != WEFT_PROCESS_NO_EXITCODE;
        int fd = p->sentinel;
        pthread_mutex_unlock(&p->lock);
        if (done)
            return WEFT_OK;
        if (d->once || weft__deadline_left_ns(d) == 0 || weft__interrupted)
            return WEFT_TIMEOUT;
        int r = weft__os_wait_readable(fd, d);
        if (r < 0)
            return weft__fail_os(errno, "%s: poll on the forkserver channel", fn);
    }
}

weft_status weft__forkserver_signal(struct weft_process *p, int sig, const char *fn)
{
    weft_status st = WEFT_OK;
    pthread_mutex_lock(&p->lock);
    weft__take_status(p);
    if (p->exitcode == WEFT_PROCESS_NO_EXITCODE) {
        int r = p->fs_pidfd >= 0 ? weft__os_pidfd_signal(p->fs_pidfd, sig) : kill(p->pid, sig);
        if (r != 0 && errno != ESRCH)
            st = weft__fail_os(errno, "%s: cannot signal pid %d", fn, (int)p->pid);
    }
    pthread_mutex_unlock(&p->lock);
    return st;
}
