/* Starting the child: vfork (or fork when a preexec callback needs it), then
 * the async-signal-safe setup CPython's _posixsubprocess also does, then
 * exec. A failure before exec is written to a close-on-exec error pipe, so
 * the parent reads either end-of-file (exec succeeded) or the report. */
#include "os/os.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the child reports through the error pipe before it gives up. */
enum weft__child_stage {
    WEFT__STAGE_EXEC = 1,
    WEFT__STAGE_CHDIR,
    WEFT__STAGE_DUP,
    WEFT__STAGE_SETSID,
    WEFT__STAGE_SETPGID,
    WEFT__STAGE_GROUPS,
    WEFT__STAGE_GID,
    WEFT__STAGE_UID,
    WEFT__STAGE_PDEATHSIG,
    WEFT__STAGE_PREEXEC,
};

typedef struct weft__child_report {
    int stage;
    int err;
    char message[200];        /* preexec's failure message */
} weft__child_report;

/* The plan plus what weft__os_spawn adds to it for the child. */
typedef struct weft__child {
    const weft__os_child_plan *plan;
    const int *keep;          /* sorted fds close_fds must keep (pass_fds + error pipe) */
    size_t nkeep;
    int fd_limit;
    int errfd;                /* write end of the error pipe */
    pid_t parent;
    const sigset_t *oldmask;
} weft__child;

/* ---- in the child: nothing below may allocate or take a lock ----------- */

__attribute__((noreturn)) static void weft__child_fail(const weft__child *c, int stage, int err, const char *msg)
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
        ssize_t w = write(c->errfd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    _exit(127);
}

__attribute__((noreturn)) static void weft__child_exec(const weft__child *c)
{
    const weft__os_child_plan *pl = c->plan;
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
            weft__child_fail(c, WEFT__STAGE_PDEATHSIG, errno, NULL);
        if (getppid() != c->parent)
            _exit(127); /* the parent died before the request took effect */
    }

    /* 0, 1 and 2 are about to be overwritten: move sources that sit there. */
    int std[3] = { pl->std[0], pl->std[1], pl->std[2] };
    if (std[1] == 0 && (std[1] = weft__os_dup_above(std[1], 3)) < 0)
        weft__child_fail(c, WEFT__STAGE_DUP, errno, NULL);
    if ((std[2] == 0 || std[2] == 1) && (std[2] = weft__os_dup_above(std[2], 3)) < 0)
        weft__child_fail(c, WEFT__STAGE_DUP, errno, NULL);
    for (int i = 0; i < 3; i++) {
        if (std[i] < 0)
            continue;
        int rc = std[i] == i ? weft__os_set_inheritable(i, true) : dup2(std[i], i);
        if (rc < 0)
            weft__child_fail(c, WEFT__STAGE_DUP, errno, NULL);
    }

    if (pl->close_fds)
        weft__os_close_fds_except(c->keep, c->nkeep, c->fd_limit);
    for (size_t i = 0; i < pl->npass_fds; i++)
        if (weft__os_set_inheritable(pl->pass_fds[i], true) < 0)
            weft__child_fail(c, WEFT__STAGE_DUP, errno, NULL);

    if (pl->cwd != NULL && chdir(pl->cwd) != 0)
        weft__child_fail(c, WEFT__STAGE_CHDIR, errno, NULL);
    if (pl->umask >= 0)
        umask((mode_t)pl->umask);
    if (pl->new_session && setsid() < 0)
        weft__child_fail(c, WEFT__STAGE_SETSID, errno, NULL);
    if (pl->process_group >= 0 && setpgid(0, pl->process_group) != 0)
        weft__child_fail(c, WEFT__STAGE_SETPGID, errno, NULL);
    if (pl->has_groups && weft__os_setgroups(pl->ngroups, pl->groups) != 0)
        weft__child_fail(c, WEFT__STAGE_GROUPS, errno, NULL);
    if (pl->has_gid && weft__os_setregid(pl->gid, pl->gid) != 0)
        weft__child_fail(c, WEFT__STAGE_GID, errno, NULL);
    if (pl->has_uid && weft__os_setreuid(pl->uid, pl->uid) != 0)
        weft__child_fail(c, WEFT__STAGE_UID, errno, NULL);

    if (pl->preexec != NULL && pl->preexec->fn != NULL) {
        /* Only reached after a real fork: the callback may allocate. */
        weft_outcome o;
        weft__outcome_run(&o, pl->preexec->fn, pl->preexec->arg);
        if (o.status != WEFT_OK)
            weft__child_fail(c, WEFT__STAGE_PREEXEC, (int)o.status, o.message);
    }

    sigprocmask(SIG_SETMASK, c->oldmask, NULL);

    int saved = 0, last = ENOENT;
    for (const char *const *path = pl->paths; *path != NULL; path++) {
        execve(*path, pl->argv, pl->envp);
        last = errno;
        if (saved == 0 && last != ENOENT && last != ENOTDIR)
            saved = last;
    }
    weft__child_fail(c, WEFT__STAGE_EXEC, saved != 0 ? saved : last, NULL);
}

/* ---- in the parent ------------------------------------------------------ */

static const char *weft__stage_text(int stage)
{
    switch (stage) {
    case WEFT__STAGE_CHDIR: return "cannot change to directory";
    case WEFT__STAGE_DUP: return "cannot set up the standard streams or pass_fds";
    case WEFT__STAGE_SETSID: return "setsid failed";
    case WEFT__STAGE_SETPGID: return "setpgid failed";
    case WEFT__STAGE_GROUPS: return "setgroups failed";
    case WEFT__STAGE_GID: return "setregid failed";
    case WEFT__STAGE_UID: return "setreuid failed";
    case WEFT__STAGE_PDEATHSIG: return "prctl(PR_SET_PDEATHSIG) failed";
    default: return "cannot execute";
    }
}

static void weft__reap_now(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
}

weft_status weft__os_spawn(const weft__os_child_plan *plan, pid_t *pid_out)
{
    int errpipe[2];
    const char *fn = plan->fn;
    if (weft__os_pipe(errpipe) != 0)
        return weft__fail_os(errno, "%s: cannot create the error pipe", fn);
    if (errpipe[1] < 3) {
        /* Keep it clear of 0-2, which the child overwrites. */
        int moved = weft__os_dup_above(errpipe[1], 3);
        int e = errno;
        close(errpipe[1]);
        if (moved < 0) {
            close(errpipe[0]);
            return weft__fail_os(e, "%s: cannot create the error pipe", fn);
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
            return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
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

    weft__child c = {
        .plan = plan,
        .keep = keep,
        .nkeep = nkeep,
        .fd_limit = plan->close_fds ? weft__os_fd_limit() : 0,
        .errfd = errpipe[1],
        .parent = getpid(),
    };

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    c.oldmask = &old;

    const weft__child *cp = &c;
    bool use_fork = plan->use_fork || (plan->preexec != NULL && plan->preexec->fn != NULL);
    pid_t pid = use_fork ? fork() : vfork();
    if (pid == 0)
        weft__child_exec(cp);
    int fork_err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(errpipe[1]);
    if (keep != keepbuf)
        free(keep);
    if (pid < 0) {
        close(errpipe[0]);
        return weft__fail_os(fork_err, "%s: cannot start '%s'", fn, plan->display);
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
    weft__reap_now(pid);
    if (got < sizeof r)
        return weft__fail(WEFT_OS, "%s: the child for '%s' failed before exec", fn, plan->display);
    if (r.stage == WEFT__STAGE_PREEXEC) {
        r.message[sizeof r.message - 1] = '\0';
        return weft__fail(WEFT_FAILED, "%s: the preexec callback failed for '%s' (%s): %s", fn,
                          plan->display, weft_status_name(r.err), r.message);
    }
    if (r.stage == WEFT__STAGE_CHDIR)
        return weft__fail_os(r.err, "%s: %s '%s' for '%s'", fn, weft__stage_text(r.stage), plan->cwd,
                             plan->display);
    return weft__fail_os(r.err, "%s: %s '%s'", fn, weft__stage_text(r.stage), plan->display);
}

/* ---- preparing a plan ------------------------------------------------------ */

char **weft__os_exec_paths(const char *prog, char *const *envp, const char *fn)
{
    if (strchr(prog, '/') != NULL) {
        const char *one[] = { prog, NULL };
        return weft__strv_dup(one, NULL);
    }
    const char *path = NULL;
    for (char *const *e = envp; e != NULL && *e != NULL; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            path = *e + 5;
    if (path == NULL)
        path = "/bin:/usr/bin";
    size_t ndirs = 1;
    for (const char *c = path; *c != '\0'; c++)
        ndirs += *c == ':';
    char **v = calloc(ndirs + 1, sizeof *v);
    if (v == NULL)
        goto nomem;
    size_t plen = strlen(prog), i = 0;
    for (const char *dir = path;; i++) {
        const char *end = strchrnul(dir, ':');
        size_t dlen = (size_t)(end - dir);
        char *full = malloc(dlen + plen + 2);
        if (full == NULL)
            goto nomem;
        if (dlen == 0) {
            memcpy(full, prog, plen + 1);
        } else {
            memcpy(full, dir, dlen);
            full[dlen] = '/';
            memcpy(full + dlen + 1, prog, plen + 1);
        }
        v[i] = full;
        if (*end == '\0')
            break;
        dir = end + 1;
    }
    return v;
nomem:
    weft__strv_free(v);
    weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    return NULL;
}

char **weft__strv_dup(const char *const *v, size_t *n)
{
    size_t len = 0;
    while (v[len] != NULL)
        len++;
    char **copy = calloc(len + 1, sizeof *copy);
    if (copy == NULL)
        goto nomem;
    for (size_t i = 0; i < len; i++) {
        copy[i] = strdup(v[i]);
        if (copy[i] == NULL) {
            weft__strv_free(copy);
            goto nomem;
        }
    }
    if (n != NULL)
        *n = len;
    return copy;
nomem:
    weft__fail(WEFT_NOMEM, "out of memory copying an argument vector");
    return NULL;
}

void weft__strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **s = v; *s != NULL; s++)
        free(*s);
    free(v);
}
