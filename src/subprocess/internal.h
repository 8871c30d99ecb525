/* Internal interfaces of the subprocess area: the options object, the Popen
 * object, the child launcher and the reaper. Nothing here is exported. */
#ifndef WEFT__SUBPROCESS_INTERNAL_H
#define WEFT__SUBPROCESS_INTERNAL_H

#include "core/internal.h"

#include <pthread.h>
#include <sys/types.h>

extern const weft__type weft__popen_opts_type;
extern const weft__type weft__popen_type;
extern const weft__type weft__completed_process_type;
extern const weft__type weft__startupinfo_type;

/* One environment override: set `name` to `value`, or unset it (value NULL). */
typedef struct weft__env_edit {
    char *name;
    char *value;
} weft__env_edit;

struct weft_popen_opts {
    weft__obj hdr;
    char *executable;
    bool shell;
    int std[3];               /* WEFT_SUBPROCESS_* or an fd */
    char *cwd;
    char **env;               /* replacement environment, NULL-terminated; NULL: inherit */
    weft__env_edit *edits;
    size_t nedits;
    bool close_fds;
    int *pass_fds;
    size_t npass_fds;
    bool new_session;
    int process_group;        /* -1: none */
    bool restore_signals;
    int umask;                /* -1: unchanged */
    bool has_uid, has_gid, has_groups;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    size_t ngroups;
    int pipesize;             /* -1: system default */
    weft__callable preexec;
    bool kill_group;
    int pdeathsig;            /* 0: none */
    bool use_vfork;
};

/* Growing byte buffer for what communicate reads. */
typedef struct weft__buf {
    char *data;
    size_t len, cap;
    size_t populated; /* bytes from data known to be faulted in */
} weft__buf;

struct weft_popen {
    weft__obj hdr;
    pthread_mutex_t lock;     /* guards returncode/reaped/waiter fields */
    pthread_cond_t cond;      /* fallback waiter thread announces exit here */
    pid_t pid;
    int pidfd;                /* -1 without pidfd support */
    int returncode;           /* WEFT_SUBPROCESS_RUNNING until reaped */
    bool exited;              /* child is a zombie or reaped (fallback waiter) */
    bool waiter;              /* fallback: a thread is blocked in waitid */
    bool kill_group;          /* signals go to the child's process group */
    bool group_killed;        /* communicate already swept the group */
    int fd[3];                /* parent's ends: stdin (write), stdout, stderr */
    char **args;              /* copy of the caller's argv (NULL-terminated) */
    size_t nargs;
    /* communicate's state survives a timeout, as in Python */
    bool had_pipe[3];         /* which streams were pipes (communicate's outputs) */
    bool comm_started;
    const char *input;        /* the input still to write (caller's or input_own) */
    size_t input_len, input_off;
    char *input_own;          /* copy of the unwritten input kept over a timeout */
    weft__buf out[2];         /* what was read from stdout, stderr */
};

/* Everything the child needs, prepared in the parent so that the child
 * (which may share the parent's memory after vfork) never allocates. */
typedef struct weft__child_plan {
    char *const *argv;
    char *const *envp;
    const char *const *paths; /* candidate programs, tried in order */
    const char *display;      /* program name for messages */
    const char *cwd;
    int std[3];               /* fd to dup onto 0,1,2, or -1 to leave */
    const int *keep;          /* sorted fds close_fds must keep (pass_fds + error pipe) */
    size_t nkeep;
    const int *pass_fds;
    size_t npass_fds;
    bool close_fds;
    int max_fd;
    bool new_session;
    int process_group;
    bool restore_signals;
    int umask;
    bool has_uid, has_gid, has_groups;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t ngroups;
    int pdeathsig;
    pid_t parent;
    const weft__callable *preexec;
    int errfd;                /* write end of the error pipe */
    const sigset_t *oldmask;
} weft__child_plan;

/* What the child reports through the error pipe before it gives up. */
enum weft__child_stage {
    WEFT__STAGE_EXEC = 1,
    WEFT__STAGE_CHDIR,
    WEFT__STAGE_DUP,
    WEFT__STAGE_CLOSE,
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

/* Starts the child described by `plan`; on success *pid is set. Failures of
 * the child before exec come back as WEFT_OS (or WEFT_FAILED for preexec)
 * with weft_errno() set. */
weft_status weft__spawn(const weft__child_plan *plan, bool use_fork, pid_t *pid);

/* weft_popen_new without the handle check on the options (run passes a
 * modified copy). */
weft_status weft__popen_start(struct weft_popen **out, const char *const *argv, const weft_popen_opts *o);

/* Reaps children whose background reaper thread could not be started. */
void weft__reap_pending(void);

/* ---- system-specific pieces: child.linux.c, child.posix.c ------------- */

/* pidfd_open, or -1 when the system has none. */
int weft__pidfd_open(pid_t pid);

/* pidfd_send_signal; -1 with errno on failure. */
int weft__os_pidfd_signal(int pidfd, int sig);

/* In the child (async-signal-safe, no allocation). Each returns false, or
 * -1 with errno, when the system cannot do it. */
bool weft__os_close_range(int lo, int hi);   /* close_range(2) */
bool weft__os_close_listed(int lo, int hi);  /* walk /proc/self/fd */
int weft__os_set_pdeathsig(int sig);         /* prctl(PR_SET_PDEATHSIG) */
/* Credential changes; on Linux the raw system calls, because in a vfork
 * child glibc's wrappers would try to change the parent's threads too. */
int weft__os_setgroups(size_t n, const gid_t *groups);
int weft__os_setregid(gid_t r, gid_t e);
int weft__os_setreuid(uid_t r, uid_t e);

/* Reaps `pid` in the background (the Popen was freed while it ran). */
void weft__reap_later(pid_t pid);

/* Decodes a wait status the way Popen.returncode does. */
int weft__decode_status(int status);

/* Signals the child (or its group) unless it was already reaped. */
weft_status weft__popen_signal(struct weft_popen *p, int sig, const char *fn);

/* Waits until `d` for the child and reaps it; WEFT_TIMEOUT with a message. */
weft_status weft__popen_wait(struct weft_popen *p, const weft__deadline *d, int *returncode, const char *fn);

/* communicate's body, with the deadline already made. */
weft_status weft__popen_communicate(struct weft_popen *p, const void *input, size_t input_len,
                                    const weft__deadline *d);

/* Hands out what was read from stream i (1 stdout, 2 stderr), as communicate does. */
weft_status weft__popen_take_output(struct weft_popen *p, int i, char **data, size_t *len);

/* Reaps if exited; `block` waits. Returns true once the returncode is known. */
bool weft__popen_try_reap(struct weft_popen *p);

/* Copies a NULL-terminated string vector; *n receives its length. */
char **weft__strv_dup(const char *const *v, size_t *n);
void weft__strv_free(char **v);

#endif
