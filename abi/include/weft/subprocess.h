/**
 * @file weft/subprocess.h
 * @brief Subprocesses (Python's `subprocess`): Popen with an options object,
 *        run() and the older helpers, CompletedProcess and the exception data.
 *
 * Shape: a program is started from an argument vector (a NULL-terminated
 * `const char *const argv[]`), never through a shell unless
 * weft_popen_opts_set_shell() asks for `/bin/sh -c`. The child's standard
 * streams are file descriptors; what communicate reads comes back as byte
 * buffers that the caller releases with weft_free().
 *
 * Every descriptor weft creates is close-on-exec, so a child started by one
 * thread never inherits a pipe another thread is setting up. The child is
 * started with `vfork` (the parent's memory is shared until `exec`, which is
 * as cheap as `posix_spawn`); only a preexec callback forces `fork`. A child
 * that cannot be started (missing program, not executable, bad directory)
 * is reported to the caller as `WEFT_OS` with the child's errno in
 * weft_errno(): there is never a child that silently exits 127.
 *
 * Exceptions map to status codes: `TimeoutExpired` is `WEFT_TIMEOUT`,
 * `CalledProcessError` is `WEFT_CALLED_PROCESS`, and their attributes are read
 * from the #weft_completed_process that run() hands out also on those
 * failures. `SubprocessError` is the family of the two plus `WEFT_FAILED`
 * (a preexec callback reported failure).
 */
#ifndef WEFT_SUBPROCESS_H
#define WEFT_SUBPROCESS_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name Stream choices (Python's PIPE, STDOUT, DEVNULL and None)
 * Passed to weft_popen_opts_set_stdin() and friends in place of a file
 * descriptor. The values are Python's, so bindings can pass them through.
 * @{ */
/** @brief A new pipe; the parent's end is weft_popen_stdin() (or stdout/stderr). */
#define WEFT_SUBPROCESS_PIPE (-1)
/** @brief For stderr only: the same destination as stdout. */
#define WEFT_SUBPROCESS_STDOUT (-2)
/** @brief `/dev/null`. */
#define WEFT_SUBPROCESS_DEVNULL (-3)
/** @brief The child inherits the parent's stream (the default; Python's None). */
#define WEFT_SUBPROCESS_INHERIT (-4)
/** @} */

/**
 * @brief The returncode of a child not yet known to have exited (Python's None).
 *
 * weft_popen_poll() and weft_popen_returncode() give it while the child runs.
 */
#define WEFT_SUBPROCESS_RUNNING (-2147483647 - 1)

/** @name Windows constants (Windows' values; accepted nowhere on POSIX)
 * @{ */
/** @brief `STD_INPUT_HANDLE`, (DWORD)-10. */
#define WEFT_STD_INPUT_HANDLE (-10)
/** @brief `STD_OUTPUT_HANDLE`, (DWORD)-11. */
#define WEFT_STD_OUTPUT_HANDLE (-11)
/** @brief `STD_ERROR_HANDLE`, (DWORD)-12. */
#define WEFT_STD_ERROR_HANDLE (-12)
/** @brief `SW_HIDE`: hide the window. */
#define WEFT_SW_HIDE 0
/** @brief `STARTF_USESTDHANDLES`: the hStd* fields hold the standard handles. */
#define WEFT_STARTF_USESTDHANDLES 0x00000100
/** @brief `STARTF_USESHOWWINDOW`: wShowWindow holds extra information. */
#define WEFT_STARTF_USESHOWWINDOW 0x00000001
/** @brief `STARTF_FORCEONFEEDBACK`: busy cursor while starting. */
#define WEFT_STARTF_FORCEONFEEDBACK 0x00000040
/** @brief `STARTF_FORCEOFFFEEDBACK`: no busy cursor while starting. */
#define WEFT_STARTF_FORCEOFFFEEDBACK 0x00000080
/** @brief `CREATE_NEW_CONSOLE`: the child gets a new console. */
#define WEFT_CREATE_NEW_CONSOLE 0x00000010
/** @brief `CREATE_NEW_PROCESS_GROUP`: the child starts a new process group. */
#define WEFT_CREATE_NEW_PROCESS_GROUP 0x00000200
/** @brief `ABOVE_NORMAL_PRIORITY_CLASS`. */
#define WEFT_ABOVE_NORMAL_PRIORITY_CLASS 0x00008000
/** @brief `BELOW_NORMAL_PRIORITY_CLASS`. */
#define WEFT_BELOW_NORMAL_PRIORITY_CLASS 0x00004000
/** @brief `HIGH_PRIORITY_CLASS`. */
#define WEFT_HIGH_PRIORITY_CLASS 0x00000080
/** @brief `IDLE_PRIORITY_CLASS`. */
#define WEFT_IDLE_PRIORITY_CLASS 0x00000040
/** @brief `NORMAL_PRIORITY_CLASS`. */
#define WEFT_NORMAL_PRIORITY_CLASS 0x00000020
/** @brief `REALTIME_PRIORITY_CLASS`. */
#define WEFT_REALTIME_PRIORITY_CLASS 0x00000100
/** @brief `CREATE_NO_WINDOW`: a console child without a window. */
#define WEFT_CREATE_NO_WINDOW 0x08000000
/** @brief `DETACHED_PROCESS`: the child has no console. */
#define WEFT_DETACHED_PROCESS 0x00000008
/** @brief `CREATE_DEFAULT_ERROR_MODE`: the child does not inherit the error mode. */
#define WEFT_CREATE_DEFAULT_ERROR_MODE 0x04000000
/** @brief `CREATE_BREAKAWAY_FROM_JOB`: the child is not part of the parent's job. */
#define WEFT_CREATE_BREAKAWAY_FROM_JOB 0x01000000
/** @} */

/**
 * @brief Options for starting a child (Popen's keyword arguments).
 *
 * Reusable: any number of Popens, also from several threads at once, may be
 * started with one options object, as long as no thread changes it
 * meanwhile.
 */
typedef struct weft_popen_opts weft_popen_opts;
/** @brief A running or finished child (Python's `Popen` object). */
typedef struct weft_popen weft_popen;
/** @brief What run() reports (Python's `CompletedProcess`, and the data of
 *         `TimeoutExpired` and `CalledProcessError`). */
typedef struct weft_completed_process weft_completed_process;
/** @brief Windows' `STARTUPINFO` (plain data everywhere; only Windows uses it). */
typedef struct weft_startupinfo weft_startupinfo;

/* ---- options ------------------------------------------------------------ */

/**
 * @brief Creates an options object with Python's defaults: no shell, all
 *        streams inherited, close_fds on, restore_signals on, no umask change.
 * @param out receives the options; the caller frees them with weft_popen_opts_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_opts_new(weft_popen_opts **out);

/**
 * @brief Frees an options object (and the preexec callable's argument).
 *
 * Popen objects made with the options do not need them any more.
 * @param opts the options; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_popen_opts_free(weft_popen_opts *opts);

/**
 * @brief Sets the program to execute in place of `argv[0]` (Python's
 *        `executable`); `argv[0]` is still what the child sees as its name.
 *        With a shell, it replaces `/bin/sh`.
 * @param opts the options.
 * @param path the program (searched in `PATH` when it has no '/'); copied;
 *        NULL restores the default.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_opts_set_executable(weft_popen_opts *opts, const char *path);

/**
 * @brief Runs the command through `/bin/sh -c` (Python's `shell=True`).
 *
 * `argv[0]` is then the command line and further elements become the shell's
 * `$0`, `$1`, ... See the guide's security section before using it with text
 * that comes from outside the program.
 * @param opts the options.
 * @param on non-zero to use the shell.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_opts_set_shell(weft_popen_opts *opts, int on);

/**
 * @brief Chooses the child's standard input.
 * @param opts the options.
 * @param how `WEFT_SUBPROCESS_PIPE`, `WEFT_SUBPROCESS_DEVNULL`,
 *        `WEFT_SUBPROCESS_INHERIT` or a file descriptor of the caller's (the
 *        caller keeps it; the child gets a copy).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a negative value that
 *         is none of the constants (`WEFT_SUBPROCESS_STDOUT` included).
 */
WEFT_API weft_status weft_popen_opts_set_stdin(weft_popen_opts *opts, int how);

/**
 * @brief Chooses the child's standard output; as weft_popen_opts_set_stdin().
 * @param opts the options.
 * @param how `WEFT_SUBPROCESS_PIPE`, `_DEVNULL`, `_INHERIT` or a descriptor.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or value.
 */
WEFT_API weft_status weft_popen_opts_set_stdout(weft_popen_opts *opts, int how);

/**
 * @brief Chooses the child's standard error; `WEFT_SUBPROCESS_STDOUT` sends
 *        it where stdout goes.
 * @param opts the options.
 * @param how `WEFT_SUBPROCESS_PIPE`, `_STDOUT`, `_DEVNULL`, `_INHERIT` or a descriptor.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or value.
 */
WEFT_API weft_status weft_popen_opts_set_stderr(weft_popen_opts *opts, int how);

/**
 * @brief Sets the child's working directory (Python's `cwd`).
 *
 * A relative program path is resolved against it, as on POSIX in Python.
 * @param opts the options.
 * @param dir the directory, copied; NULL keeps the parent's.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_opts_set_cwd(weft_popen_opts *opts, const char *dir);

/**
 * @brief Replaces the child's environment (Python's `env`).
 * @param opts the options.
 * @param envp a NULL-terminated vector of "NAME=value" strings, copied; an
 *        empty vector gives an empty environment; NULL inherits the parent's.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or an entry without '=';
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_opts_set_env(weft_popen_opts *opts, const char *const *envp);

/**
 * @brief Sets one variable in the child's environment, on top of the
 *        parent's (or of the one given to weft_popen_opts_set_env()).
 * @param opts the options.
 * @param name the variable, copied; non-empty, no '='.
 * @param value its value, copied; NULL removes the variable instead.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or name; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_opts_set_env_var(weft_popen_opts *opts, const char *name, const char *value);

/**
 * @brief Removes one variable from the child's environment.
 * @param opts the options.
 * @param name the variable; non-empty, no '='.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or name; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_opts_unset_env_var(weft_popen_opts *opts, const char *name);

/**
 * @brief Closes every descriptor above 2 in the child except pass_fds
 *        (Python's `close_fds`, on by default).
 *
 * Linux uses `close_range`; elsewhere, or when it fails, the child walks
 * `/proc/self/fd` or, failing that, every number up to the descriptor limit.
 * @param opts the options.
 * @param on zero to let the child inherit descriptors not marked close-on-exec.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_opts_set_close_fds(weft_popen_opts *opts, int on);

/**
 * @brief Descriptors the child keeps open and inheritable (Python's
 *        `pass_fds`); giving any turns close_fds on, as in Python.
 * @param opts the options.
 * @param fds the descriptors (each >= 0), copied; may be NULL when @p n is 0.
 * @param n how many.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or descriptor; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_opts_set_pass_fds(weft_popen_opts *opts, const int *fds, size_t n);

/**
 * @brief Runs `setsid()` in the child (Python's `start_new_session`).
 * @param opts the options.
 * @param on non-zero for a new session.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_opts_set_start_new_session(weft_popen_opts *opts, int on);

/**
 * @brief Runs `setpgid(0, pgid)` in the child (Python's `process_group`).
 * @param opts the options.
 * @param pgid 0 for a new group led by the child, a group id to join, or -1
 *        for none (the default).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a value below -1.
 */
WEFT_API weft_status weft_popen_opts_set_process_group(weft_popen_opts *opts, int pgid);

/**
 * @brief Resets SIGPIPE and SIGXFSZ to their default action in the child
 *        (Python's `restore_signals`, on by default), whatever the parent set.
 * @param opts the options.
 * @param on zero to let the child inherit ignored SIGPIPE/SIGXFSZ.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_opts_set_restore_signals(weft_popen_opts *opts, int on);

/**
 * @brief Calls `umask(mask)` in the child (Python's `umask`).
 * @param opts the options.
 * @param mask 0 to 0777, or -1 to keep the parent's (the default).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or mask.
 */
WEFT_API weft_status weft_popen_opts_set_umask(weft_popen_opts *opts, int mask);

/**
 * @brief Runs the child as another user (Python's `user`): `setreuid` in the
 *        child. Needs privileges.
 * @param opts the options.
 * @param user a user name or a decimal uid; NULL keeps the parent's.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_LOOKUP` for an
 *         unknown name (Python's KeyError).
 */
WEFT_API weft_status weft_popen_opts_set_user(weft_popen_opts *opts, const char *user);

/**
 * @brief Runs the child with another group (Python's `group`): `setregid`.
 * @param opts the options.
 * @param group a group name or a decimal gid; NULL keeps the parent's.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_LOOKUP` for an unknown name.
 */
WEFT_API weft_status weft_popen_opts_set_group(weft_popen_opts *opts, const char *group);

/**
 * @brief Sets the child's supplementary groups (Python's `extra_groups`): `setgroups`.
 * @param opts the options.
 * @param groups group names or decimal gids; may be NULL when @p n is 0 (an
 *        empty list drops all supplementary groups).
 * @param n how many.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_LOOKUP` for an
 *         unknown name; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_opts_set_extra_groups(weft_popen_opts *opts, const char *const *groups, size_t n);

/**
 * @brief Sets the capacity of the pipes weft creates (Python's `pipesize`,
 *        Linux's `F_SETPIPE_SZ`); larger pipes mean fewer wake-ups when much
 *        data flows.
 * @param opts the options.
 * @param size bytes (the kernel rounds up to a power of two pages), or -1
 *        for the system default.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or size;
 *         `WEFT_NOT_SUPPORTED` where pipes cannot be resized.
 */
WEFT_API weft_status weft_popen_opts_set_pipesize(weft_popen_opts *opts, int size);

/**
 * @brief Calls `fn(arg, outcome)` in the child just before `exec` (Python's
 *        `preexec_fn`).
 *
 * Unsafe with threads, as in Python: the child is a `fork` of a process whose
 * other threads may have held locks (malloc's, stdio's) that stay locked in
 * the child forever; only async-signal-safe work is reliable there. Setting
 * a callback makes weft use `fork` instead of `vfork`, which is slower. If
 * the callback reports a failure, weft_popen_new() returns `WEFT_FAILED`
 * with its message (Python's SubprocessError) and the child is reaped.
 * @param opts the options.
 * @param fn the callback; NULL removes it.
 * @param arg its argument.
 * @param free_arg frees @p arg when the options are freed or the callback
 *        replaced; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle (then @p arg is not freed).
 */
WEFT_API weft_status weft_popen_opts_set_preexec(weft_popen_opts *opts, weft_fn fn, void *arg, weft_free_fn free_arg);

/**
 * @brief Treats the child's whole process tree as one: the child leads a
 *        process group of its own, and terminate, kill, send_signal and the
 *        timeout of run/call signal the whole group.
 *
 * Also, once the child has exited, communicate kills what remains of its
 * group (grandchildren that inherited the pipes), so it cannot wait forever
 * for a pipe a grandchild holds open. Descendants that leave the group
 * (setsid, setpgid) escape it.
 * @param opts the options.
 * @param on non-zero to enable.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_opts_set_kill_group(weft_popen_opts *opts, int on);

/**
 * @brief Linux only: the child gets signal @p sig when its parent dies
 *        (`prctl(PR_SET_PDEATHSIG)`).
 *
 * "Parent" is the parent *thread*: the signal is sent when the thread that
 * called weft_popen_new() exits, even if the process lives on. Start such
 * children from a thread that lives as long as they should.
 * @param opts the options.
 * @param sig a signal number, or 0 for none.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or signal;
 *         `WEFT_NOT_SUPPORTED` on systems other than Linux.
 */
WEFT_API weft_status weft_popen_opts_set_parent_death_signal(weft_popen_opts *opts, int sig);

/**
 * @brief Chooses how the child is started: vfork (the default: the parent's
 *        memory is shared until exec) or fork (Python's `_USE_VFORK = False`).
 *
 * A preexec callback always uses fork.
 * @param opts the options.
 * @param on zero to use fork.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_opts_set_use_vfork(weft_popen_opts *opts, int on);

/**
 * @brief Windows only (Python's `startupinfo`).
 * @param opts the options.
 * @param si the startup information.
 * @return `WEFT_NOT_SUPPORTED` on POSIX, with a message;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_opts_set_startupinfo(weft_popen_opts *opts, const weft_startupinfo *si);

/**
 * @brief Windows only (Python's `creationflags`, the `WEFT_CREATE_*` and
 *        `WEFT_*_PRIORITY_CLASS` values).
 * @param opts the options.
 * @param flags the flags.
 * @return `WEFT_NOT_SUPPORTED` on POSIX, with a message;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_opts_set_creationflags(weft_popen_opts *opts, unsigned flags);

/* ---- Popen ------------------------------------------------------------- */

/**
 * @brief Starts a child (Python's `Popen(args, ...)`).
 *
 * The program is `argv[0]` (or the executable option), searched in `PATH`
 * when it has no '/': the `PATH` of the child's environment if one was
 * given, else the parent's, else "/bin:/usr/bin".
 * @param out receives the Popen; the caller frees it with weft_popen_free().
 * @param argv NULL-terminated, at least one element; copied. With the shell
 *        option, `argv[0]` is the command line.
 * @param opts the options, or NULL for the defaults; not kept.
 * @return `WEFT_OK`; `WEFT_EINVAL` for NULL/empty @p argv or a bad handle;
 *         `WEFT_OS` when the program could not be started (weft_errno() is
 *         the child's errno, e.g. ENOENT, EACCES; the message names the
 *         program, or the directory for a bad cwd); `WEFT_FAILED` if the
 *         preexec callback reported failure; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_new(weft_popen **out, const char *const *argv, const weft_popen_opts *opts);

/**
 * @brief Releases a Popen: closes the parent's pipe ends that are still open
 *        and, if the child still runs, leaves it running and reaps it in the
 *        background when it exits (Python warns "subprocess still running"
 *        and reaps later); no zombie stays behind.
 * @param p the Popen; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_popen_free(weft_popen *p);

/**
 * @brief Checks whether the child has exited, without blocking (Python's `poll()`).
 * @param p the Popen.
 * @param returncode receives the returncode (negative signal number if the
 *        child was killed by a signal), or `WEFT_SUBPROCESS_RUNNING`.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p returncode.
 */
WEFT_API weft_status weft_popen_poll(weft_popen *p, int *returncode);

/**
 * @brief Waits for the child to exit (Python's `wait(timeout)`).
 *
 * Linux waits on a pidfd with poll(); elsewhere a helper thread blocks in
 * waitid() and wakes the caller through a condition variable. Neither sleeps
 * in a loop and both absorb EINTR. Several threads may wait at once.
 * @param p the Popen.
 * @param timeout seconds; negative waits forever.
 * @param returncode receives the returncode; may be NULL.
 * @return `WEFT_OK`; `WEFT_TIMEOUT` if the child still runs (Python's
 *         TimeoutExpired); `WEFT_EINVAL` for a bad handle or NaN;
 *         `WEFT_OVERFLOW` for a timeout above `WEFT_TIMEOUT_MAX`.
 */
WEFT_API weft_status weft_popen_wait(weft_popen *p, double timeout, int *returncode);

/**
 * @brief Sends input, reads stdout and stderr to their end, then waits for
 *        the child (Python's `communicate()`).
 *
 * Never deadlocks, however much both pipes carry: the input is written
 * without blocking while both outputs are read. Stdin is closed once the
 * input is written. On `WEFT_TIMEOUT` nothing is lost: what was read is
 * kept and the input already written is not written again; call
 * communicate again (with no input) to continue, as in Python. The
 * buffers are handed out once: a call after a successful one gives only
 * what arrived since (normally nothing), where Python repeats the output.
 * @param p the Popen.
 * @param input bytes for the child's stdin (a pipe), or NULL; ignored when
 *        stdin is not a pipe, as in Python.
 * @param input_len their length.
 * @param timeout seconds for the whole call; negative waits forever.
 * @param out receives stdout's bytes (NUL-terminated, the NUL not counted),
 *        which the caller frees with weft_free(), or NULL when stdout is not
 *        a pipe. Pass NULL to discard them.
 * @param out_len receives their length; may be NULL.
 * @param err as @p out, for stderr.
 * @param err_len as @p out_len, for stderr.
 * @return `WEFT_OK`; `WEFT_TIMEOUT` (outputs untouched, state kept);
 *         `WEFT_EINVAL` for a bad handle, NaN timeout, or input given after
 *         communication started (Python's ValueError); `WEFT_OVERFLOW`;
 *         `WEFT_OS` if a pipe fails; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_popen_communicate(weft_popen *p, const void *input, size_t input_len, double timeout,
                                            char **out, size_t *out_len, char **err, size_t *err_len);

/**
 * @brief What weft_popen_communicate() has read so far from the child's
 *        stdout or stderr, for a communicate that timed out (Python's
 *        `TimeoutExpired.output` and `stderr`).
 *
 * A later communicate goes on from there and hands out all of it.
 * @param p the Popen.
 * @param stream 1 for stdout, 2 for stderr.
 * @param data receives the bytes (not NUL-terminated: use @p len), owned
 *        by @p p and valid until the next call on it; NULL when nothing was
 *        read (or the stream is not a pipe), as Python's `None`.
 * @param len receives their length; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, a NULL @p data or a
 *         stream other than 1 or 2.
 * @since 1.1
 */
WEFT_API weft_status weft_popen_read_so_far(weft_popen *p, int stream, const char **data, size_t *len);

/**
 * @brief Sends a signal to the child, or to its group with the kill_group
 *        option (Python's `send_signal()`). Does nothing once the child has
 *        been reaped, so a recycled pid is never signalled.
 * @param p the Popen.
 * @param sig the signal number.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or signal; `WEFT_OS`.
 */
WEFT_API weft_status weft_popen_send_signal(weft_popen *p, int sig);

/**
 * @brief Sends SIGTERM (Python's `terminate()`).
 * @param p the Popen.
 * @return as weft_popen_send_signal().
 */
WEFT_API weft_status weft_popen_terminate(weft_popen *p);

/**
 * @brief Sends SIGKILL (Python's `kill()`).
 * @param p the Popen.
 * @return as weft_popen_send_signal().
 */
WEFT_API weft_status weft_popen_kill(weft_popen *p);

/**
 * @brief The arguments the Popen was made with (Python's `args`).
 * @param p the Popen.
 * @param argv receives a NULL-terminated vector owned by @p p (valid until
 *        weft_popen_free()).
 * @param argc receives the number of elements; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p argv.
 */
WEFT_API weft_status weft_popen_args(const weft_popen *p, const char *const **argv, size_t *argc);

/**
 * @brief The child's process id (Python's `pid`).
 * @param p the Popen.
 * @param pid receives it.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p pid.
 */
WEFT_API weft_status weft_popen_pid(const weft_popen *p, int *pid);

/**
 * @brief The returncode as last seen, without checking the child (Python's
 *        `returncode` attribute).
 * @param p the Popen.
 * @param returncode receives it, or `WEFT_SUBPROCESS_RUNNING` if not yet
 *        known (call poll or wait).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p returncode.
 */
WEFT_API weft_status weft_popen_returncode(weft_popen *p, int *returncode);

/**
 * @brief The parent's end of the child's stdin pipe (Python's `stdin`).
 *
 * The caller may write to it; it stays owned by @p p: close it with
 * weft_popen_close_stdin(), never with close().
 * @param p the Popen.
 * @param fd receives the descriptor, or -1 when stdin is not a pipe (or was closed).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p fd.
 */
WEFT_API weft_status weft_popen_stdin(const weft_popen *p, int *fd);

/**
 * @brief The parent's end of the child's stdout pipe (Python's `stdout`);
 *        as weft_popen_stdin().
 * @param p the Popen.
 * @param fd receives the descriptor or -1.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p fd.
 */
WEFT_API weft_status weft_popen_stdout(const weft_popen *p, int *fd);

/**
 * @brief The parent's end of the child's stderr pipe (Python's `stderr`);
 *        as weft_popen_stdin().
 * @param p the Popen.
 * @param fd receives the descriptor or -1.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p fd.
 */
WEFT_API weft_status weft_popen_stderr(const weft_popen *p, int *fd);

/**
 * @brief Closes the parent's end of stdin (Python's `p.stdin.close()`): the
 *        child reads end of file. Does nothing if it is not open.
 * @param p the Popen.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_close_stdin(weft_popen *p);

/**
 * @brief Closes the parent's end of stdout (Python's `p.stdout.close()`), e.g.
 *        after handing it to the next child of a pipeline.
 * @param p the Popen.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_close_stdout(weft_popen *p);

/**
 * @brief Closes the parent's end of stderr (Python's `p.stderr.close()`).
 * @param p the Popen.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_popen_close_stderr(weft_popen *p);

/* ---- run and the older helpers ---------------------------------------- */

/**
 * @brief Runs a command to its end (Python's `run()`).
 *
 * On `WEFT_TIMEOUT` (Python's TimeoutExpired) the child — its group, with
 * the kill_group option — is killed and reaped, and *out is still set: it
 * carries the exception's data (cmd, timeout, the output read so far). On
 * `WEFT_CALLED_PROCESS` (with @p check, Python's CalledProcessError) *out is
 * set as well (returncode, cmd, output, stderr). On other failures *out is
 * untouched.
 * @param out receives the result; the caller frees it with
 *        weft_completed_process_free().
 * @param argv the command, as for weft_popen_new().
 * @param opts options, or NULL; not kept.
 * @param input bytes for stdin (which becomes a pipe), or NULL for none;
 *        a non-NULL pointer with length 0 sends an empty input.
 * @param input_len their length.
 * @param capture_output non-zero to capture stdout and stderr through pipes.
 * @param timeout seconds; negative waits forever.
 * @param check non-zero to fail with `WEFT_CALLED_PROCESS` on a non-zero returncode.
 * @return `WEFT_OK`; `WEFT_TIMEOUT`; `WEFT_CALLED_PROCESS`; `WEFT_EINVAL`
 *         for bad arguments, or input/capture_output combined with options
 *         that already set stdin/stdout/stderr (Python's ValueError);
 *         and any status of weft_popen_new().
 */
WEFT_API weft_status weft_subprocess_run(weft_completed_process **out, const char *const *argv,
                                         const weft_popen_opts *opts, const void *input, size_t input_len,
                                         int capture_output, double timeout, int check);

/**
 * @brief Runs a command and returns its returncode (Python's `call()`).
 *
 * On timeout the child (or its group) is killed and reaped.
 * @param argv the command.
 * @param opts options, or NULL.
 * @param timeout seconds; negative waits forever.
 * @param returncode receives the returncode; may be NULL.
 * @return `WEFT_OK`; `WEFT_TIMEOUT`; any status of weft_popen_new().
 */
WEFT_API weft_status weft_subprocess_call(const char *const *argv, const weft_popen_opts *opts, double timeout,
                                          int *returncode);

/**
 * @brief As weft_subprocess_call() but a non-zero returncode is
 *        `WEFT_CALLED_PROCESS` (Python's `check_call()`).
 * @param argv the command.
 * @param opts options, or NULL.
 * @param timeout seconds; negative waits forever.
 * @param returncode receives the returncode, also on `WEFT_CALLED_PROCESS`; may be NULL.
 * @return `WEFT_OK`; `WEFT_CALLED_PROCESS`; `WEFT_TIMEOUT`; any status of weft_popen_new().
 */
WEFT_API weft_status weft_subprocess_check_call(const char *const *argv, const weft_popen_opts *opts,
                                                double timeout, int *returncode);

/**
 * @brief Runs a command and returns its stdout (Python's `check_output()`).
 *
 * @param output receives stdout (NUL-terminated, freed with weft_free()); set
 *        also on `WEFT_CALLED_PROCESS` and `WEFT_TIMEOUT` (the output so far,
 *        as the exception's `output`); may be NULL to discard.
 * @param output_len receives its length; may be NULL.
 * @param returncode receives the returncode; may be NULL.
 * @param argv the command.
 * @param opts options, or NULL; must not set stdout.
 * @param input bytes for stdin, or NULL.
 * @param input_len their length.
 * @param timeout seconds; negative waits forever.
 * @return `WEFT_OK`; `WEFT_CALLED_PROCESS`; `WEFT_TIMEOUT`; `WEFT_EINVAL`;
 *         any status of weft_popen_new().
 */
WEFT_API weft_status weft_subprocess_check_output(char **output, size_t *output_len, int *returncode,
                                                  const char *const *argv, const weft_popen_opts *opts,
                                                  const void *input, size_t input_len, double timeout);

/**
 * @brief Runs a shell command and returns its status and output (Python's
 *        `getstatusoutput()`): `/bin/sh -c cmd` with stderr merged into
 *        stdout and one trailing newline removed.
 * @param cmd the shell command.
 * @param status receives the returncode (negative signal number when killed).
 * @param output receives the output (NUL-terminated, freed with weft_free());
 *        may be NULL to discard.
 * @param output_len receives its length; may be NULL.
 * @return `WEFT_OK` whatever the command's status; `WEFT_EINVAL` for NULL
 *         @p cmd or @p status; `WEFT_OS` if the shell cannot start; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_subprocess_getstatusoutput(const char *cmd, int *status, char **output,
                                                     size_t *output_len);

/**
 * @brief As weft_subprocess_getstatusoutput() without the status (Python's `getoutput()`).
 * @param cmd the shell command.
 * @param output receives the output (freed with weft_free()).
 * @param output_len receives its length; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for NULL arguments; `WEFT_OS`; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_subprocess_getoutput(const char *cmd, char **output, size_t *output_len);

/* ---- CompletedProcess, TimeoutExpired, CalledProcessError ------------- */

/**
 * @brief Frees a completed process and the buffers it owns.
 * @param cp the handle; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_completed_process_free(weft_completed_process *cp);

/**
 * @brief The command (Python's `args`, and the exceptions' `cmd`).
 * @param cp the handle.
 * @param argv receives a NULL-terminated vector owned by @p cp.
 * @param argc receives its length; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p argv.
 */
WEFT_API weft_status weft_completed_process_args(const weft_completed_process *cp, const char *const **argv,
                                                 size_t *argc);

/**
 * @brief The returncode (Python's `returncode`; negative signal number if
 *        killed, -9 after a timeout).
 * @param cp the handle.
 * @param returncode receives it.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p returncode.
 */
WEFT_API weft_status weft_completed_process_returncode(const weft_completed_process *cp, int *returncode);

/**
 * @brief Captured stdout (Python's `stdout`, the exceptions' `output`/`stdout`).
 * @param cp the handle.
 * @param data receives the bytes (NUL-terminated) owned by @p cp, or NULL if
 *        stdout was not captured.
 * @param len receives their length; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p data.
 */
WEFT_API weft_status weft_completed_process_stdout(const weft_completed_process *cp, const char **data,
                                                   size_t *len);

/**
 * @brief Captured stderr (Python's `stderr`); as weft_completed_process_stdout().
 * @param cp the handle.
 * @param data receives the bytes owned by @p cp, or NULL.
 * @param len receives their length; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p data.
 */
WEFT_API weft_status weft_completed_process_stderr(const weft_completed_process *cp, const char **data,
                                                   size_t *len);

/**
 * @brief The timeout that expired (TimeoutExpired's `timeout`).
 * @param cp the handle.
 * @param timeout receives the seconds given to run(), or -1 if run() did not time out.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p timeout.
 */
WEFT_API weft_status weft_completed_process_timeout(const weft_completed_process *cp, double *timeout);

/**
 * @brief `WEFT_CALLED_PROCESS` if the returncode is non-zero (Python's
 *        `check_returncode()`).
 * @param cp the handle.
 * @return `WEFT_OK` for returncode 0; `WEFT_CALLED_PROCESS` with a message
 *         naming the command and status; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_completed_process_check_returncode(const weft_completed_process *cp);

/* ---- STARTUPINFO (Windows) ---------------------------------------------- */

/**
 * @brief Creates a `STARTUPINFO` with every field 0. It is plain data on every
 *        system; only Windows can use it (weft_popen_opts_set_startupinfo()).
 * @param out receives it; free with weft_startupinfo_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` for NULL @p out; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_startupinfo_new(weft_startupinfo **out);

/**
 * @brief Frees a `STARTUPINFO`.
 * @param si the handle; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_startupinfo_free(weft_startupinfo *si);

/**
 * @brief Sets `dwFlags` (the `WEFT_STARTF_*` bits).
 * @param si the handle.
 * @param flags the flags.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_startupinfo_set_flags(weft_startupinfo *si, unsigned flags);

/**
 * @brief Reads `dwFlags`.
 * @param si the handle.
 * @param flags receives the flags.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p flags.
 */
WEFT_API weft_status weft_startupinfo_flags(const weft_startupinfo *si, unsigned *flags);

/**
 * @brief Sets one of `hStdInput`, `hStdOutput`, `hStdError`.
 * @param si the handle.
 * @param which `WEFT_STD_INPUT_HANDLE`, `WEFT_STD_OUTPUT_HANDLE` or `WEFT_STD_ERROR_HANDLE`.
 * @param handle the Windows handle value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or @p which.
 */
WEFT_API weft_status weft_startupinfo_set_std_handle(weft_startupinfo *si, int which, intptr_t handle);

/**
 * @brief Reads one of `hStdInput`, `hStdOutput`, `hStdError`.
 * @param si the handle.
 * @param which `WEFT_STD_INPUT_HANDLE`, `WEFT_STD_OUTPUT_HANDLE` or `WEFT_STD_ERROR_HANDLE`.
 * @param handle receives the value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, @p which or NULL @p handle.
 */
WEFT_API weft_status weft_startupinfo_std_handle(const weft_startupinfo *si, int which, intptr_t *handle);

/**
 * @brief Sets `wShowWindow` (e.g. `WEFT_SW_HIDE`).
 * @param si the handle.
 * @param show the value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_startupinfo_set_show_window(weft_startupinfo *si, int show);

/**
 * @brief Reads `wShowWindow`.
 * @param si the handle.
 * @param show receives the value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p show.
 */
WEFT_API weft_status weft_startupinfo_show_window(const weft_startupinfo *si, int *show);

/**
 * @brief Sets `lpAttributeList["handle_list"]`: the handles the child inherits.
 * @param si the handle.
 * @param handles the handle values, copied; may be NULL when @p n is 0.
 * @param n how many.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_startupinfo_set_handle_list(weft_startupinfo *si, const intptr_t *handles, size_t n);

/**
 * @brief Reads `lpAttributeList["handle_list"]`.
 * @param si the handle.
 * @param handles receives an array owned by @p si (NULL when empty).
 * @param n receives its length.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL arguments.
 */
WEFT_API weft_status weft_startupinfo_handle_list(const weft_startupinfo *si, const intptr_t **handles, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_SUBPROCESS_H */
