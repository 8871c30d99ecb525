/* Starting the child: vfork (or fork when a preexec callback needs it), then
 * the async-signal-safe setup CPython's _posixsubprocess also does, then
 * exec. A failure before exec is written to a close-on-exec error pipe, so
 * the parent reads either end-of-file (exec succeeded) or the report. */
#include "subprocess/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- in the child: nothing below may allocate or take a lock ----------- */

__attribute__((noreturn)) static void child_fail(const weft__child_plan *pl, int stage, int err, const char *msg)
{
    weft__child_report r;
    memset(&r, 0, sizeof r);
    r.stage = stage;
    r.err = err;
    if (msg != NULL) {
        size_t n = strlen(msg);
        if (n >= sizeof r.message)
            n = sizeof r.message - 1;
        memcpy(r.message, msg, n);
    }
    const char *p = (const char *)&r;
    size_t left = sizeof r;
    while (left > 0) {
        ssize_t w = write(pl->errfd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    _exit(127);
}

static void close_span(const weft__child_plan *pl, int lo, int hi)
{
    if (lo > hi)
        return;
    if (weft__os_close_range(lo, hi) || weft__os_close_listed(lo, hi))
        return;
    int top = hi < pl->max_fd ? hi : pl->max_fd;
    for (int fd = lo; fd <= top; fd++)
        close(fd);
}

/* Closes every descriptor from 3 up except the sorted `keep` list. */
static void close_fds(const weft__child_plan *pl)
{
    int lo = 3;
    for (size_t i = 0; i < pl->nkeep; i++) {
        if (pl->keep[i] < lo)
            continue;
        close_span(pl, lo, pl->keep[i] - 1);
        lo = pl->keep[i] + 1;
    }
    close_span(pl, lo, INT32_MAX);
}

static int set_inheritable(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0)
        return -1;
    if ((flags & FD_CLOEXEC) == 0)
        return 0;
    return fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

__attribute__((noreturn)) static void child_exec(const weft__child_plan *pl)
{
    /* The parent blocked every signal before vfork; a handler of the parent's
     * must never run here (it would run on the parent's memory), so caught
     * signals go back to their default before the mask is restored. */
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        if (sigaction(sig, NULL, &sa) != 0)
            continue;
        bool reset = sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN;
        if (pl->restore_signals && (sig == SIGPIPE || sig == SIGXFSZ) && sa.sa_handler != SIG_DFL)
            reset = true;
        if (reset) {
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = SIG_DFL;
            sigaction(sig, &sa, NULL);
        }
    }

    if (pl->pdeathsig != 0) {
        if (weft__os_set_pdeathsig(pl->pdeathsig) != 0)
            child_fail(pl, WEFT__STAGE_PDEATHSIG, errno, NULL);
        if (getppid() != pl->parent)
            _exit(127); /* the parent died before the request took effect */
    }

    /* 0, 1 and 2 are about to be overwritten: move sources that sit there. */
    int std[3] = { pl->std[0], pl->std[1], pl->std[2] };
    if (std[1] == 0 && (std[1] = fcntl(std[1], F_DUPFD_CLOEXEC, 3)) < 0)
        child_fail(pl, WEFT__STAGE_DUP, errno, NULL);
    if ((std[2] == 0 || std[2] == 1) && (std[2] = fcntl(std[2], F_DUPFD_CLOEXEC, 3)) < 0)
        child_fail(pl, WEFT__STAGE_DUP, errno, NULL);
    for (int i = 0; i < 3; i++) {
        if (std[i] < 0)
            continue;
        int rc = std[i] == i ? set_inheritable(i) : dup2(std[i], i);
        if (rc < 0)
            child_fail(pl, WEFT__STAGE_DUP, errno, NULL);
    }

    if (pl->close_fds)
        close_fds(pl);
    for (size_t i = 0; i < pl->npass_fds; i++)
        if (set_inheritable(pl->pass_fds[i]) < 0)
            child_fail(pl, WEFT__STAGE_DUP, errno, NULL);

    if (pl->cwd != NULL && chdir(pl->cwd) != 0)
        child_fail(pl, WEFT__STAGE_CHDIR, errno, NULL);
    if (pl->umask >= 0)
        umask((mode_t)pl->umask);
    if (pl->new_session && setsid() < 0)
        child_fail(pl, WEFT__STAGE_SETSID, errno, NULL);
    if (pl->process_group >= 0 && setpgid(0, pl->process_group) != 0)
        child_fail(pl, WEFT__STAGE_SETPGID, errno, NULL);
    if (pl->has_groups && weft__os_setgroups(pl->ngroups, pl->groups) != 0)
        child_fail(pl, WEFT__STAGE_GROUPS, errno, NULL);
    if (pl->has_gid && weft__os_setregid(pl->gid, pl->gid) != 0)
        child_fail(pl, WEFT__STAGE_GID, errno, NULL);
    if (pl->has_uid && weft__os_setreuid(pl->uid, pl->uid) != 0)
        child_fail(pl, WEFT__STAGE_UID, errno, NULL);

    if (pl->preexec != NULL && pl->preexec->fn != NULL) {
        /* Only reached after a real fork: the callback may allocate. */
        weft_outcome o;
        weft__outcome_run(&o, pl->preexec->fn, pl->preexec->arg);
        if (o.status != WEFT_OK)
            child_fail(pl, WEFT__STAGE_PREEXEC, (int)o.status, o.message);
    }

    sigprocmask(SIG_SETMASK, pl->oldmask, NULL);

    int saved = 0, last = ENOENT;
    for (const char *const *path = pl->paths; *path != NULL; path++) {
        execve(*path, pl->argv, pl->envp);
        last = errno;
        if (saved == 0 && last != ENOENT && last != ENOTDIR)
            saved = last;
    }
    child_fail(pl, WEFT__STAGE_EXEC, saved != 0 ? saved : last, NULL);
}

/* ---- in the parent ------------------------------------------------------ */

static const char *stage_text(int stage)
{
    switch (stage) {
    case WEFT__STAGE_CHDIR: return "cannot change to directory";
    case WEFT__STAGE_DUP: return "cannot set up the standard streams or pass_fds";
    case WEFT__STAGE_CLOSE: return "cannot close descriptors";
    case WEFT__STAGE_SETSID: return "setsid failed";
    case WEFT__STAGE_SETPGID: return "setpgid failed";
    case WEFT__STAGE_GROUPS: return "setgroups failed";
    case WEFT__STAGE_GID: return "setregid failed";
    case WEFT__STAGE_UID: return "setreuid failed";
    case WEFT__STAGE_PDEATHSIG: return "prctl(PR_SET_PDEATHSIG) failed";
    default: return "cannot execute";
    }
}

static void reap_now(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
}

weft_status weft__spawn(const weft__child_plan *plan, bool use_fork, pid_t *pid_out)
{
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0)
        return weft__fail_os(errno, "weft_popen_new: cannot create the error pipe");
    if (errpipe[1] < 3) {
        /* Keep it clear of 0-2, which the child overwrites. */
        int moved = fcntl(errpipe[1], F_DUPFD_CLOEXEC, 3);
        int e = errno;
        close(errpipe[1]);
        if (moved < 0) {
            close(errpipe[0]);
            return weft__fail_os(e, "weft_popen_new: cannot create the error pipe");
        }
        errpipe[1] = moved;
    }

    /* close_fds must keep the error pipe until exec closes it. */
    int keepbuf[64];
    int *keep = keepbuf;
    size_t nkeep = 0;
    if (plan->npass_fds + 1 > sizeof keepbuf / sizeof keepbuf[0]) {
        keep = malloc((plan->npass_fds + 1) * sizeof *keep);
        if (keep == NULL) {
            close(errpipe[0]);
            close(errpipe[1]);
            return weft__fail(WEFT_NOMEM, "weft_popen_new: out of memory");
        }
    }
    bool placed = false;
    for (size_t i = 0; i < plan->npass_fds; i++) {
        if (!placed && errpipe[1] < plan->pass_fds[i]) {
            keep[nkeep++] = errpipe[1];
            placed = true;
        }
        keep[nkeep++] = plan->pass_fds[i];
    }
    if (!placed)
        keep[nkeep++] = errpipe[1];

    weft__child_plan pl = *plan;
    pl.errfd = errpipe[1];
    pl.keep = keep;
    pl.nkeep = nkeep;
    pl.parent = getpid();

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pl.oldmask = &old;

    const weft__child_plan *plp = &pl;
    pid_t pid = use_fork ? fork() : vfork();
    if (pid == 0)
        child_exec(plp);
    int fork_err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(errpipe[1]);
    if (keep != keepbuf)
        free(keep);
    if (pid < 0) {
        close(errpipe[0]);
        return weft__fail_os(fork_err, "weft_popen_new: cannot start '%s'", plan->display);
    }

    weft__child_report r;
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = read(errpipe[0], (char *)&r + got, sizeof r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(errpipe[0]);
    if (got == 0) {
        *pid_out = pid;
        return WEFT_OK;
    }
    reap_now(pid);
    if (got < sizeof r)
        return weft__fail(WEFT_OS, "weft_popen_new: the child for '%s' failed before exec", plan->display);
    if (r.stage == WEFT__STAGE_PREEXEC) {
        r.message[sizeof r.message - 1] = '\0';
        return weft__fail(WEFT_FAILED, "weft_popen_new: the preexec callback failed for '%s' (%s): %s",
                          plan->display, weft_status_name(r.err), r.message);
    }
    if (r.stage == WEFT__STAGE_CHDIR)
        return weft__fail_os(r.err, "weft_popen_new: %s '%s' for '%s'", stage_text(r.stage), plan->cwd,
                             plan->display);
    return weft__fail_os(r.err, "weft_popen_new: %s '%s'", stage_text(r.stage), plan->display);
}
