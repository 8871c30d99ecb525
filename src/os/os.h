/* The OS layer: everything weft asks of the operating system beyond plain
 * POSIX calls, behind one set of weft__os_* names. Each system-specific piece
 * lives in a *.linux.c file with a *.posix.c twin (the build picks one), so
 * no other area needs an #ifdef for the system it runs on.
 *
 * Users today: subprocess (spawn, reaping, the poll pump), thread (names,
 * native ids, signalling the main thread) and core (parking, declared in
 * core/internal.h). The process, connection and shared-memory areas build
 * on the same pieces: a worker started by fork/vfork+exec is a
 * weft__os_child_plan, its exit is a weft__os_proc, a connection's fd pair
 * and its polling use the fd and pump sections. */
#ifndef WEFT__OS_H
#define WEFT__OS_H

#include "core/internal.h"

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

/* ---- what this system offers (bits of weft__os_features) -------------- */

enum {
    WEFT__OS_PDEATHSIG = 1u << 0, /* a child can ask for a signal when its parent dies */
    WEFT__OS_PIPESIZE = 1u << 1,  /* a pipe's capacity can be changed */
    WEFT__OS_PIDFD = 1u << 2,     /* process descriptors may exist (still checked per call) */
};
extern const unsigned weft__os_features;

/* ---- threads ------------------------------------------------------------- */

/* pthread_create for every thread the library starts, never at the same
 * instant as a fork() in another thread (src/os/thread.c says why). Returns
 * 0 or an errno value, as pthread_create. */
int weft__os_thread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

/* The kernel's id of the calling thread (Python's get_native_id). */
uint64_t weft__os_thread_native_id(void);

/* True in the process's main thread (the one that ran main(), or the
 * forking thread in a child of fork). */
bool weft__os_is_main_thread(void);

/* In a child of fork: the calling (forking) thread is the main thread now. */
void weft__os_main_thread_reset(void);

/* Names the calling thread for debuggers and ps, cut to what the system
 * keeps (at a UTF-8 character boundary); a no-op where names are not kept. */
void weft__os_thread_set_name(const char *name);

/* Sends `sig` to the main thread, whose pthread_t is `main_ident` (0 when
 * unknown). Returns 0 or an errno value. */
int weft__os_signal_main_thread(uint64_t main_ident, int sig);

/* ---- address space --------------------------------------------------------- */

/* Reserves `size` bytes of address space (page-aligned, inaccessible, no
 * memory behind it yet); NULL when the system refuses. */
void *weft__os_reserve(size_t size);

/* Makes part of a reservation readable and writable (zero-filled). */
bool weft__os_commit(void *p, size_t size);

/* Gives a reservation back; also unmaps a shared mapping. */
void weft__os_release(void *p, size_t size);

/* ---- named shared memory ---------------------------------------------------
 * POSIX shared memory objects (mem.c). `name` starts with '/'. Descriptors
 * are close-on-exec (shm_open sets FD_CLOEXEC, as POSIX requires). */

/* Creates the object `name` (O_CREAT | O_EXCL, mode 0600) and sizes it to
 * `size` bytes; the object is removed again when sizing fails. Returns the
 * descriptor or -1 with errno. */
int weft__os_shm_create(const char *name, size_t size);

/* Opens the existing object `name` read-write; -1 with errno. */
int weft__os_shm_attach(const char *name);

/* Removes the name; 0 or -1 with errno. Async-signal-safe where the C
 * library's shm_unlink is (glibc 2.34+: it only builds a path and unlinks). */
int weft__os_shm_unlink(const char *name);

/* Maps the object behind `fd` read-write and shared: its first *size bytes
 * when *size is not 0 (a segment just sized), else all of it, and *size
 * receives its size. NULL with errno (EINVAL for an empty object, EFBIG for
 * one larger than the address space). */
void *weft__os_map_shared(int fd, size_t *size);

/* Fills buf[0..n) with random bytes from the system (n <= 256); 0 or -1
 * with errno. */
int weft__os_random(void *buf, size_t n);

/* ---- descriptors ----------------------------------------------------------
 * Every descriptor the library creates is close-on-exec from birth, so a
 * child started by another thread never inherits it by accident. */

/* pipe() with both ends close-on-exec; -1 with errno on failure. */
int weft__os_pipe(int fds[2]);

/* A close-on-exec duplicate of `fd` numbered `min` or above; -1 with errno. */
int weft__os_dup_above(int fd, int min);

/* Clears (or sets) close-on-exec; async-signal-safe. 0 or -1 with errno. */
int weft__os_set_inheritable(int fd, bool inheritable);

/* Makes reads and writes on `fd` return EAGAIN instead of blocking. */
int weft__os_set_nonblocking(int fd);

/* Resizes a pipe (WEFT__OS_PIPESIZE); -1 with errno (ENOSYS without it). */
int weft__os_pipe_set_size(int fd, int size);

/* The highest descriptor number a process may hold, plus one. */
int weft__os_fd_limit(void);

/* Closes `fd` when it is open and sets it to -1. */
void weft__os_close(int *fd);

/* In a child before exec (async-signal-safe, no allocation): closes every
 * descriptor from 3 up except the sorted `keep` list; `limit` is
 * weft__os_fd_limit() measured in the parent, for systems that cannot list
 * or range-close descriptors. */
void weft__os_close_fds_except(const int *keep, size_t nkeep, int limit);

/* Closes the descriptors lo..hi (those below `limit` where the system cannot
 * close a range or list what is open); async-signal-safe. For
 * weft__os_close_fds_except, from the system's file. */
void weft__os_close_span(int lo, int hi, int limit);

/* ---- starting a child ----------------------------------------------------- */

/* Everything the child needs, prepared in the parent so that the child
 * (which may share the parent's memory after vfork) never allocates. */
typedef struct weft__os_child_plan {
    const char *fn;           /* the public function starting it, for messages */
    char *const *argv;
    char *const *envp;
    const char *const *paths; /* candidate programs, tried in order */
    const char *display;      /* program name for messages */
    const char *cwd;
    int std[3];               /* fd to dup onto 0,1,2, or -1 to leave */
    const int *pass_fds;      /* sorted, without duplicates */
    size_t npass_fds;
    bool close_fds;
    bool new_session;
    int process_group;        /* -1: leave */
    bool restore_signals;
    int umask;                /* -1: leave */
    bool has_uid, has_gid, has_groups;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t ngroups;
    int pdeathsig;            /* 0: none (WEFT__OS_PDEATHSIG) */
    const weft__callable *preexec; /* run after a real fork only */
    bool use_fork;            /* fork instead of vfork (preexec forces it) */
} weft__os_child_plan;

/* Starts the child described by `plan`; on success *pid is set. A failure
 * of the child before exec comes back as WEFT_OS with weft_errno() set (or
 * WEFT_FAILED when preexec failed) and the child already reaped. */
weft_status weft__os_spawn(const weft__os_child_plan *plan, pid_t *pid);

/* Candidate paths for `prog`, as Python's os.get_exec_path(env) + join;
 * NULL (WEFT_NOMEM reported) when out of memory. Free with weft__strv_free. */
char **weft__os_exec_paths(const char *prog, char *const *envp, const char *fn);

/* The child-side pieces spawn uses (async-signal-safe, no allocation), each
 * -1 with errno when the system cannot: PR_SET_PDEATHSIG, and credential
 * changes, which on Linux are the raw system calls because in a vfork child
 * glibc's wrappers would try to change the parent's threads too. */
int weft__os_set_pdeathsig(int sig);
int weft__os_setgroups(size_t n, const gid_t *groups);
int weft__os_setregid(gid_t r, gid_t e);
int weft__os_setreuid(uid_t r, uid_t e);

/* True when the process runs in secure mode (set-user-ID or set-group-ID,
 * or given capabilities): the environment is then not to be trusted. */
bool weft__os_secure_mode(void);

/* Copies a NULL-terminated string vector (*n receives its length, when not
 * NULL); NULL with WEFT_NOMEM reported. weft__strv_free frees either. */
char **weft__strv_dup(const char *const *v, size_t *n);
void weft__strv_free(char **v);

/* ---- a child's exit: pidfd, reaping, signals ------------------------------
 * Linux (5.3+): the child's pidfd becomes readable when it exits, so a timed
 * wait polls it. Elsewhere (or without pidfd): the first blocking wait
 * starts a helper thread that sleeps in waitid(WNOWAIT), which does not reap,
 * and announces the exit on a condition variable. No SIGCHLD handler and no
 * sleep loop either way. The lock is never held while blocking. */
typedef struct weft__os_proc {
    pthread_mutex_t lock;     /* guards returncode, exited, waiter */
    pthread_cond_t cond;      /* the helper thread announces the exit here */
    pid_t pid;                /* -1 before start */
    int pidfd;                /* -1 without pidfd support */
    int returncode;           /* WEFT_SUBPROCESS_RUNNING until reaped */
    bool exited;              /* the helper saw it exit (not reaped) */
    bool waiter;              /* the helper thread runs */
    bool kill_group;          /* signals go to the child's process group */
} weft__os_proc;

void weft__os_proc_init(weft__os_proc *pr);

/* Takes over the started child `pid` (opens its pidfd when it can). */
void weft__os_proc_attach(weft__os_proc *pr, pid_t pid, bool kill_group);

/* Reaps the child if it has exited; called with the lock held. Returns true
 * once the returncode is known. */
bool weft__os_proc_try_reap(weft__os_proc *pr);

/* Waits until `d` for the child and reaps it; WEFT_TIMEOUT with a message
 * naming `fn`. `owner` is the object embedding `pr`: the helper thread holds
 * a reference to it. */
weft_status weft__os_proc_wait(weft__os_proc *pr, void *owner, const weft__deadline *d, int *returncode,
                               const char *fn);

/* Signals the child (or its group) unless it was already reaped. */
weft_status weft__os_proc_signal(weft__os_proc *pr, int sig, const char *fn);

/* Releases `pr`: a child still running is reaped in the background, as
 * Python does after warning "subprocess still running". */
void weft__os_proc_release(weft__os_proc *pr);

/* Reaps children whose background reaper thread could not be started (as
 * Python's _cleanup() does); cheap when there are none. */
void weft__os_reap_pending(void);

/* pidfd_open (close-on-exec), or -1 when the system has none. */
int weft__os_pidfd_open(pid_t pid);

/* What /proc says of process `pid` (any process, not only a child):
 * `*state` is its state letter (Z for a zombie) and `*start` its start time
 * in clock ticks since boot (field 22 of /proc/<pid>/stat), which with the
 * pid names one process even after the pid is reused. 0 when read; -1 with
 * errno ENOENT when the process does not exist (or /proc has no entry for
 * it), ENOSYS where the system has no such /proc. pid 0 reads the calling
 * process. */
int weft__os_proc_stat(pid_t pid, char *state, uint64_t *start);

/* pidfd_send_signal; -1 with errno on failure. */
int weft__os_pidfd_signal(int pidfd, int sig);

/* Decodes a wait status the way Popen.returncode does (-N for signal N). */
int weft__os_decode_status(int status);

/* ---- the poll pump ---------------------------------------------------------
 * One poll loop that feeds writers from memory and drains readers into
 * growing buffers until every stream is done or the deadline passes. The
 * state lives in the streams, so a pump that times out loses nothing and the
 * next call continues. */

/* A growing byte buffer; `populated` counts the bytes known to be faulted in. */
typedef struct weft__os_buf {
    char *data;
    size_t len, cap;
    size_t populated;
} weft__os_buf;

typedef struct weft__os_stream {
    int fd;                   /* -1: done; the pump closes it at EOF or when all is written */
    weft__os_buf *in;         /* a reader: where the data goes; NULL for a writer */
    const char *out;          /* a writer: what remains to write is out[off..len) */
    size_t len, off;
} weft__os_stream;

/* A descriptor to watch besides the streams: when it becomes readable,
 * `fn(arg)` runs once and the watch ends (fd set to -1). */
typedef struct weft__os_watch {
    int fd;
    void (*fn)(void *arg);
    void *arg;
} weft__os_watch;

/* Runs the pump. A writer whose reader is gone (EPIPE) is closed quietly, as
 * Python ignores a broken pipe, and SIGPIPE never reaches the host. Returns
 * WEFT_OK when every stream is done, WEFT_TIMEOUT (no message) when `d`
 * passed first, or a failure naming `fn`. `watch` may be NULL. */
weft_status weft__os_pump(weft__os_stream *s, size_t n, weft__os_watch *watch, const weft__deadline *d,
                          const char *fn);

/* Pre-faults the next stretch of a large buffer (weft__os_pump's reads). */
void weft__os_buf_prefault(weft__os_buf *b, size_t upcoming);

/* Waits until `fd` is readable or `d` passes: 1 readable, 0 timed out, -1
 * with errno. EINTR is absorbed. */
int weft__os_wait_readable(int fd, const weft__deadline *d);

/* ---- sockets -------------------------------------------------------------
 * Stream sockets born close-on-exec (sock.c, sock.linux.c, sock.posix.c). */

struct iovec;
struct sockaddr;
struct sockaddr_un;

/* socketpair(AF_UNIX, SOCK_STREAM), both ends close-on-exec; -1 with errno. */
int weft__os_socketpair(int fds[2]);

/* A close-on-exec stream socket of `domain`; -1 with errno. */
int weft__os_socket(int domain);

/* accept() whose new descriptor is close-on-exec; -1 with errno. */
int weft__os_accept(int fd, struct sockaddr *sa, socklen_t *len);

/* True when `fd` is a socket. */
bool weft__os_is_socket(int fd);

/* writev() that raises no SIGPIPE on a socket (`sock`); on anything else
 * the caller blocks SIGPIPE around it (weft__os_sigpipe_block). */
ssize_t weft__os_sendv(int fd, const struct iovec *iov, int n, bool sock);

/* Fills a Unix-domain address: a path, or (where the system has them) an
 * abstract name, whose first byte is NUL. -1 with errno: EAFNOSUPPORT for
 * an abstract name where there are none, ENAMETOOLONG, EINVAL when empty. */
int weft__os_unix_addr(struct sockaddr_un *sa, socklen_t *len, const char *name, size_t name_len);

/* The name in a Unix-domain address of `len` bytes, copied NUL-terminated
 * into name[cap]; returns its length (an abstract name keeps its leading
 * NUL; an unnamed peer gives 0). */
size_t weft__os_unix_name(const struct sockaddr_un *sa, socklen_t len, char *name, size_t cap);

/* Writing to a pipe whose reader is gone raises SIGPIPE; a library must not
 * kill its host, so a writer blocks the signal in its thread and, if its
 * writes met EPIPE, consumes the SIGPIPE it caused before unblocking. */
typedef struct weft__os_sigpipe_guard {
    sigset_t old;
    bool was_pending;
    bool armed;
} weft__os_sigpipe_guard;
void weft__os_sigpipe_block(weft__os_sigpipe_guard *g);
void weft__os_sigpipe_restore(weft__os_sigpipe_guard *g, bool got_epipe);

#endif /* WEFT__OS_H */
