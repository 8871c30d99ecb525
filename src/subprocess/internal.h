/* Internal interfaces of the subprocess area: the options object and the
 * Popen object. Starting, reaping and pumping are the OS layer's (os/os.h).
 * Nothing here is exported. */
#ifndef WEFT__SUBPROCESS_INTERNAL_H
#define WEFT__SUBPROCESS_INTERNAL_H

#include "core/internal.h"
#include "os/os.h"

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

struct weft_popen {
    weft__obj hdr;
    weft__os_proc proc;       /* pid, pidfd, returncode; its lock also guards group_killed */
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
    weft__os_buf out[2];      /* what was read from stdout, stderr */
};

/* weft_popen_new on an options object already opened (run passes a
 * modified copy); *out receives the object, not a handle. */
weft_status weft__popen_start(struct weft_popen **out, const char *const *argv, const weft_popen_opts *o,
                              const char *fn);

/* The defaults of a new options object, for weft_popen_opts_new and for
 * run's private copies. */
void weft__popen_opts_defaults(weft_popen_opts *o);

/* communicate's body, with the deadline already made. */
weft_status weft__popen_communicate(struct weft_popen *p, const void *input, size_t input_len,
                                    const weft__deadline *d, const char *fn);

/* Hands out what was read from stream i (1 stdout, 2 stderr), as communicate does. */
weft_status weft__popen_take_output(struct weft_popen *p, int i, char **data, size_t *len, const char *fn);

#endif
