/* The forkserver (see worker.h and src/process/forkserver.c for the
 * protocol). Single-threaded by construction: it is a fresh executable
 * that starts no thread, so every fork it makes is safe. It learns of its
 * children's exits through SIGCHLD, which a handler turns into a byte on a
 * pipe that the loop polls with the requests and the alive pipe. */
#define _GNU_SOURCE
#include "worker.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct weft__served {
    pid_t pid;
    int chan;
} weft__served;

static int weft__sigchld_w = -1;

static void weft__on_sigchld(int sig)
{
    (void)sig;
    int e = errno;
    char b = 0;
    (void)!write(weft__sigchld_w, &b, 1);
    errno = e;
}

static void weft__send_i64(int fd, int64_t v)
{
    const char *p = (const char *)&v;
    size_t left = sizeof v;
    while (left > 0) {
        ssize_t w = send(fd, p, left, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the parent is gone: nothing to tell */
        p += w;
        left -= (size_t)w;
    }
}

/* One byte with the child's channel attached; -1 at end of file, -2 when
 * nothing usable came (try again). */
static int weft__recv_request(int ctl)
{
    char byte;
    struct iovec iov = { &byte, 1 };
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    ssize_t r = recvmsg(ctl, &msg, MSG_CMSG_CLOEXEC);
    if (r == 0)
        return -1;
    if (r < 0)
        return errno == EINTR || errno == EAGAIN ? -2 : -1;
    int chan = -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
            if (chan < 0)
                chan = fd;
            else
                close(fd);
        }
    }
    return chan >= 0 ? chan : -2;
}

static void weft__default_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);
}

int weft__worker_forkserver(int ctl, int alive, char *const *preload, int npreload)
{
    /* What the parent asked to have loaded; one that fails is skipped, as
     * Python skips a preload module that fails to import. */
    for (int i = 0; i < npreload; i++)
        (void)dlopen(preload[i], RTLD_NOW | RTLD_GLOBAL);

    int sig[2];
    if (pipe(sig) != 0)
        return 1;
    for (int i = 0; i < 2; i++) {
        fcntl(sig[i], F_SETFD, FD_CLOEXEC);
        fcntl(sig[i], F_SETFL, fcntl(sig[i], F_GETFL) | O_NONBLOCK);
    }
    fcntl(ctl, F_SETFD, FD_CLOEXEC);
    fcntl(alive, F_SETFD, FD_CLOEXEC);
    weft__sigchld_w = sig[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = weft__on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    /* Ctrl-C at a terminal reaches the whole process group: the parent
     * decides what happens to its children, not the server. */
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);

    weft__served *served = NULL;
    size_t nserved = 0, cap = 0;
    for (;;) {
        struct pollfd pf[3] = { { ctl, POLLIN, 0 }, { alive, POLLIN, 0 }, { sig[0], POLLIN, 0 } };
        if (poll(pf, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[1].revents != 0)
            break; /* the parent has ended */
        if (pf[2].revents != 0) {
            char drain[64];
            while (read(sig[0], drain, sizeof drain) > 0) {
            }
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                int64_t code = WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
                for (size_t i = 0; i < nserved; i++) {
                    if (served[i].pid != pid)
                        continue;
                    weft__send_i64(served[i].chan, code);
                    close(served[i].chan);
                    served[i] = served[--nserved];
                    break;
                }
            }
        }
        if (pf[0].revents == 0)
            continue;
        int chan = weft__recv_request(ctl);
        if (chan == -1)
            break; /* the parent closed the control socket */
        if (chan < 0)
            continue;
        if (nserved == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            weft__served *g = realloc(served, ncap * sizeof *g);
            if (g == NULL) {
                close(chan); /* the parent reads end of file: the start fails */
                continue;
            }
            served = g;
            cap = ncap;
        }
        pid_t pid = fork();
        if (pid == 0) {
            weft__default_signals();
            close(ctl);
            close(sig[0]);
            close(sig[1]);
            for (size_t i = 0; i < nserved; i++)
                close(served[i].chan);
            free(served);
            /* The alive pipe stays: it is the parent's sentinel in the child. */
            exit(weft__worker_run(chan));
        }
        if (pid < 0) {
            close(chan);
            continue;
        }
        weft__send_i64(chan, pid);
        served[nserved++] = (weft__served){ pid, chan };
    }
    /* The parent is gone; so will the children be (they watch the server). */
    for (size_t i = 0; i < nserved; i++)
        close(served[i].chan);
    free(served);
    close(sig[0]);
    close(sig[1]);
    return 0;
}
