/* Internal interfaces of the process area: contexts, the options and the
 * process objects, the module's state, and what the three start methods
 * share. Starting and reaping children are the OS layer's (os/os.h). */
#ifndef WEFT__PROCESS_INTERNAL_H
#define WEFT__PROCESS_INTERNAL_H

#include "core/internal.h"
#include "os/os.h"

#include <pthread.h>

typedef enum weft__mp_method {
    WEFT__MP_FORK = 0,
    WEFT__MP_SPAWN = 1,
    WEFT__MP_FORKSERVER = 2,
    WEFT__MP_METHODS = 3,
} weft__mp_method;

struct weft_mp_context {
    weft__obj hdr;
    weft__mp_method method;
};

extern const weft__type weft__mp_context_type;
extern const weft__type weft__process_opts_type;
extern const weft__type weft__process_type;

/* The name of a method ("fork", ...). */
const char *weft__mp_method_name(weft__mp_method m);

/* The context object of a method (immortal). */
struct weft_mp_context *weft__mp_context_of(weft__mp_method m);

/* The default method, fixing it if it was not (as Python's
 * DefaultContext.get_context()). */
weft__mp_method weft__mp_default_method(void);

/* In a child: the default method becomes the one its parent used for it. */
void weft__mp_force_method(weft__mp_method m);

/* The worker executable to run, as a malloc'd string (NULL: WEFT_NOMEM
 * reported). */
char *weft__worker_path(const char *fn);

/* A copy of the forkserver preload list (NULL-terminated; *n its length);
 * NULL with WEFT_NOMEM reported. Free with weft__strv_free. */
char **weft__preload_copy(size_t *n, const char *fn);

/* ---- the target --------------------------------------------------------- */

/* What options and the processes made from them share: a callable or a
 * task. Reference-counted; the last release frees the callable's argument. */
typedef struct weft__target {
    atomic_int refs;
    weft__callable call;      /* fn NULL when a task or nothing */
    weft_task *task;          /* a private copy, or NULL */
    void *task_bytes;         /* weft_task_to_bytes of it (for spawn and forkserver) */
    size_t task_size;
} weft__target;

void weft__target_release(weft__target *t);

/* Runs the target in this process; the status it reported (its message in
 * weft_errmsg()). NULL runs nothing. */
weft_status weft__target_run(weft__target *t);

/* ---- options -------------------------------------------------------------- */

struct weft_process_opts {
    weft__obj hdr;
    char *name;               /* NULL: the default */
    int daemon;               /* -1: the creator's flag */
    struct weft_mp_context *ctx; /* NULL: the default context */
    weft__target *target;
};

/* ---- the process object --------------------------------------------------- */

typedef enum weft__pkind {
    WEFT__PK_CHILD = 0,       /* made by weft_process_new */
    WEFT__PK_SELF,            /* the current process */
    WEFT__PK_PARENT,          /* the parent of the current process */
} weft__pkind;

typedef enum weft__pstate {
    WEFT__PS_NEW = 0,
    WEFT__PS_STARTING,        /* one start is under way */
    WEFT__PS_STARTED,
} weft__pstate;

struct weft_process {
    weft__obj hdr;
    pthread_mutex_t lock;     /* guards the fields below that change */
    weft__pkind kind;
    weft__pstate state;
    bool closed;
    char *name;
    char *identity;           /* "1:2": the numbers of the default name */
    bool daemon;
    unsigned char *authkey;
    size_t authkey_len;
    struct weft_mp_context *ctx; /* as given (NULL: default); a reference */
    weft__mp_method method;   /* the one used to start it */
    weft__target *target;
    pid_t creator;            /* the process that made it: only it may start and join it */
    pid_t pid;                /* 0 before start */
    weft__os_proc proc;       /* fork and spawn children */
    int sentinel;             /* -1 before start and after close */
    int exitcode;             /* forkserver children: once the server reported it */
    int fs_pidfd;             /* forkserver children: for signals, or -1 */
    /* The registry of started children not yet reaped (module.c). */
    struct weft_process *reg_prev, *reg_next;
    bool registered;
};

/* A new process object of `kind` (not a handle); NULL when out of memory. */
struct weft_process *weft__process_make(weft__pkind kind);

/* ---- module state (module.c) ---------------------------------------------- */

/* Guards the module's state: current and parent process, the registry of
 * children, the counter, the start method, the executable, the preload
 * list. Taken around fork (fork.c) after the fork lock. */
void weft__mp_lock(void);
void weft__mp_unlock(void);
void weft__mp_lock_reinit(void);

/* The current process object (made on first use: "MainProcess"), with the
 * module lock held: WEFT_NOMEM, or WEFT_OS without random bytes for its key. */
weft_status weft__current_locked(struct weft_process **out);

/* A copy of the current process's name (the parent's name its children
 * learn); NULL with *st set on failure. Takes the module lock. */
char *weft__current_name(weft_status *st, const char *fn);

/* The next child's identity and default name, from the current process. */
weft_status weft__next_identity(char **identity, char **name, const char *fn);

/* Registers a started child (the registry holds a reference until it is
 * reaped); unregisters one that ended. */
void weft__children_add(struct weft_process *p);
void weft__children_remove(struct weft_process *p);

/* In a child after fork: forgets the parent's children (their locks
 * re-made, the references left alone: they belong to the parent's copy). */
void weft__children_forget_after_fork(void);

/* Makes the calling process the child `self` describes: current process,
 * parent process (pid, name, sentinel fd), counter reset, start method
 * forced. With the module lock not held. */
weft_status weft__become_child(struct weft_process *self, pid_t parent_pid, const char *parent_name,
                               int parent_sentinel, weft__mp_method method);

/* Arms the at-exit handler that terminates daemonic children and joins
 * the rest (once per process). */
void weft__arm_exit_function(void);

/* The at-exit handler's body: children that exit call it themselves. */
void weft__exit_function(void);

/* Reaps `p` if it ended; true once its exit code is known. */
bool weft__process_poll(struct weft_process *p);

/* ---- the start methods (fork.c, spawn.c, forkserver.c) -------------------- */

weft_status weft__fork_start(struct weft_process *p, const char *fn);
weft_status weft__spawn_start(struct weft_process *p, const char *fn);
weft_status weft__forkserver_start(struct weft_process *p, const char *fn);

/* Fills a plan for a worker executable: standard input from `devnull`,
 * the descriptors `pass` (sorted here) kept, everything else closed, the
 * parent's signals not inherited. */
void weft__worker_plan(weft__os_child_plan *pl, const char *fn, char *const *argv, char *const *envp,
                       const char *const *paths, int devnull, int *pass, size_t npass);

/* The forkserver child's exit status, read from its channel within `d`;
 * WEFT_TIMEOUT (no message) when it has not arrived. */
weft_status weft__forkserver_wait(struct weft_process *p, const weft__deadline *d, const char *fn);

/* Signals a forkserver child unless its exit was reported. */
weft_status weft__forkserver_signal(struct weft_process *p, int sig, const char *fn);

/* In a child of fork: forgets the parent's forkserver. */
void weft__forkserver_after_fork(void);

/* ---- fork hygiene (fork.c) ------------------------------------------------
 * A descriptor that must stay in one child only (the writing end of a
 * sentinel pipe) must not reach a child that another thread forks while it
 * is open in this process. Every window in which such a descriptor exists
 * in the parent (from its creation until the parent's copy is closed) holds
 * the fork lock for reading; every fork in the process (weft's or anyone's,
 * through pthread_atfork) holds it for writing. */
void weft__fork_lock_shared(void);
void weft__fork_unlock_shared(void);

/* The reading end of this process's "alive" pipe, whose writing end only
 * this process holds: children watch it to learn of its death. Made on
 * first use; call with the fork lock held. -1 with errno on failure. */
int weft__alive_fd(void);

/* The signal a child gets when its parent dies. */
static inline int weft__death_signal(bool daemon)
{
    return daemon ? SIGKILL : SIGTERM;
}

/* In a child: arranges that `sig` reaches it when its parent dies: through
 * PR_SET_PDEATHSIG when `pdeath_parent` > 0 (the pid the parent should
 * have), else by a thread watching `alive_fd` (if >= 0). */
void weft__watch_parent(int alive_fd, int sig, pid_t pdeath_parent);

/* Records the writing end of this process's own sentinel (the one its
 * parent reads), so that the children it forks do not keep it. */
void weft__set_own_sentinel(int fd);

/* True when the calling thread may ask for PR_SET_PDEATHSIG for a child it
 * starts: the request is tied to the thread, so only the main thread's
 * (which lives as long as the process) is safe. */
bool weft__pdeathsig_usable(void);

/* ---- preparation data (prepare.c) -----------------------------------------
 * What a spawned or forkserver child learns from its parent before its task:
 * its identity and how to watch the parent. */
typedef struct weft__prep {
    weft__mp_method method;
    const char *name;
    const char *identity;
    const void *authkey;
    size_t authkey_len;
    bool daemon;
    pid_t parent_pid;
    const char *parent_name;
    int alive_fd;             /* the parent's alive pipe, as numbered in the child; -1 none */
    int sentinel_fd;          /* the child's own sentinel writing end; -1 none */
    int deathsig;
    pid_t pdeath_parent;      /* > 0: use PR_SET_PDEATHSIG expecting this parent */
    bool watch_thread;        /* else: a thread watches alive_fd (unless already watched) */
} weft__prep;

/* Encodes `pr` into malloc'd bytes; NULL with WEFT_NOMEM reported. */
void *weft__prep_encode(const weft__prep *pr, size_t *size, const char *fn);

/* The preparation of `p`, for a child of `method`, with the current
 * process's name as the parent's (the strings borrow from `p` and `parent_name`). */
void weft__prep_fill(weft__prep *pr, struct weft_process *p, const char *parent_name);

/* Sends the preparation and the task as two framed messages on `fd`
 * (which it closes). A child that went away first is not an error here:
 * its exit code tells. */
weft_status weft__send_prep_and_task(int fd, const void *prep, size_t prep_size, const void *task, size_t task_size,
                                     const char *fn);

/* ---- the worker re-execution marker (worker/reexec.c) ---------------------- */

/* The environment variable whose value tells a re-executed main program to
 * run as a spawn worker: "spawn:<fd>". */
#define WEFT__REEXEC_MARKER "WEFT_WORKER_REEXEC"

/* Referenced by spawn.c so that a static link keeps the marker's
 * constructor whenever it can re-execute. */
extern const int weft__reexec_linked;

#endif
