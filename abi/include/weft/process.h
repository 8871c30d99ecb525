/**
 * @file weft/process.h
 * @brief Processes (Python's `multiprocessing.Process`), contexts and the
 *        three start methods: fork, spawn and forkserver.
 *
 * A #weft_process is made from a #weft_process_opts (name, daemon flag,
 * context, target) and started with weft_process_start(). Its target is
 * either a weft callable `(fn, arg, free_arg)`, which only the `fork` start
 * method can run (the child calls the function pointer in a copy of the
 * parent), or a native task (#weft_task, weft/task.h), which every start
 * method runs: a fresh process finds its function by shared object and
 * symbol name.
 *
 * **Start methods.**
 * - `fork`: the calling thread forks; the child runs the target and exits.
 *   Only the forking thread exists in the child; weft's own locks and
 *   thread registry are made consistent across the fork (so the child may
 *   use weft), but locks that other code's threads held at that moment stay
 *   held, as with any `fork` in a threaded program.
 * - `spawn`: a fresh process, started with `vfork`+`exec`, runs the task:
 *   the worker executable `weft-worker` (installed under
 *   `LIBEXECDIR/weft/`), or for a task of the main program the main program
 *   itself, re-executed through `/proc/self/exe` (see weft_process_start()).
 * - `forkserver`: a single-threaded server process, started on first use
 *   from the worker executable, forks a child per task. Children start fast
 *   and inherit nothing of the parent's threads.
 *
 * The **default start method** is `fork`, which is what a C programmer
 * expects of a library and the only method that can run a callable target;
 * CPython 3.14 defaults to `forkserver` on Linux because forking a
 * threaded interpreter is unsafe. A threaded C program that runs native
 * tasks should choose `forkserver` or `spawn` with
 * weft_multiprocessing_set_start_method() or a context.
 *
 * **Exit codes** are Python's: 0 when the target reported success (or there
 * is none), 1 when it reported a failure (its status and message are
 * printed on standard error, as Python prints the traceback), the code of a
 * target that calls `_exit(n)` itself, and minus the signal number for a
 * child killed by a signal (-9 after weft_process_kill(), -15 after
 * weft_process_terminate(), -11 after a segmentation fault).
 *
 * **A child never outlives its parent unnoticed.** Each child watches its
 * parent: on Linux through `PR_SET_PDEATHSIG` when the parent started it
 * from its main thread, and otherwise (a child started by another thread,
 * whose end Linux would take for the parent's death, or a system without
 * the request) through a pipe whose writing end only the parent holds, which
 * a thread in the child watches. When the parent dies, a daemonic child gets
 * `SIGKILL` and any other child `SIGTERM`, which ends it unless it handles
 * that signal (a child may catch it to finish its work, and then sees its
 * parent gone through weft_multiprocessing_parent_process()). A
 * forkserver's children watch the server, which exits when the parent dies.
 *
 * **At exit** (an `atexit` handler, as Python's), a process terminates its
 * daemonic children that are still running and then joins every child.
 * A daemonic process may not start children (`WEFT_RUNTIME`).
 *
 * Python's `Process.start()` and friends raise `AssertionError` or
 * `ValueError` for misuse; here a misuse of state (starting twice, joining
 * a process never started, signalling a process that is not a child of this
 * one) is `WEFT_RUNTIME`, a closed process is `WEFT_CLOSED`, and closing a
 * running process is `WEFT_EINVAL`, as Python's `ValueError`.
 */
#ifndef WEFT_PROCESS_H
#define WEFT_PROCESS_H

#include "weft/core.h"
#include "weft/task.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A start method as a context (Python's `multiprocessing.get_context()`). */
typedef struct weft_mp_context weft_mp_context;
/** @brief Options for a new process (the keyword arguments of `Process()`). */
typedef struct weft_process_opts weft_process_opts;
/** @brief A process: a child this process started, the current process, or its parent. */
typedef struct weft_process weft_process;

/**
 * @brief The exit code of a process that has not ended, or was never
 *        started (Python's `exitcode` of None).
 */
#define WEFT_PROCESS_NO_EXITCODE (-2147483647 - 1)

/* ======================================================================== */
/** @name Contexts and start methods
 *  @{ */

/**
 * @brief A context for a start method: Python's `multiprocessing.get_context(method)`.
 *
 * There is one context per method for the life of the process; the
 * handles given out are references to it. With @p method NULL this is the
 * default context, and asking for it fixes the default start method (a
 * later weft_multiprocessing_set_start_method() without `force` fails), as
 * in Python.
 * @param out receives the context; drop it with weft_mp_context_free().
 * @param method "fork", "spawn", "forkserver", or NULL for the default.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL or @p method is not a
 *         start method (Python's `ValueError`).
 */
WEFT_API weft_status weft_multiprocessing_get_context(weft_mp_context **out, const char *method);

/**
 * @brief Drops a reference to a context (the context itself lives on).
 * @param ctx the context; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong handle or one with no
 *         reference left.
 */
WEFT_API weft_status weft_mp_context_free(weft_mp_context *ctx);

/**
 * @brief The context's start method: Python's `ctx.get_start_method()`.
 * @param ctx the context.
 * @param method receives "fork", "spawn" or "forkserver" (a static string).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p method.
 */
WEFT_API weft_status weft_mp_context_start_method(weft_mp_context *ctx, const char **method);

/**
 * @brief Sets the default start method: Python's `multiprocessing.set_start_method()`.
 *
 * @param method "fork", "spawn" or "forkserver"; NULL (with @p force) makes
 *        the default unset again, so the next use picks the built-in one.
 * @param force non-zero to change a default that is already fixed.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the default was already fixed (set,
 *         or used by a start or weft_multiprocessing_get_context()) and
 *         @p force is 0 (Python's "context has already been set");
 *         `WEFT_EINVAL` for an unknown method.
 */
WEFT_API weft_status weft_multiprocessing_set_start_method(const char *method, int force);

/**
 * @brief The default start method: Python's `multiprocessing.get_start_method(allow_none)`.
 *
 * @param allow_none non-zero to give NULL when the default is not fixed yet;
 *        with 0 the built-in default (`fork`) is fixed and given.
 * @param method receives the method's name (a static string) or NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p method is NULL.
 */
WEFT_API weft_status weft_multiprocessing_get_start_method(int allow_none, const char **method);

/**
 * @brief The start methods this system offers, the default first: Python's
 *        `multiprocessing.get_all_start_methods()`.
 * @param methods receives a static array of static strings.
 * @param n receives its length.
 * @return `WEFT_OK`; `WEFT_EINVAL` if an out-parameter is NULL.
 */
WEFT_API weft_status weft_multiprocessing_get_all_start_methods(const char *const **methods, size_t *n);

/**
 * @brief Sets the worker executable the spawn and forkserver methods run:
 *        Python's `multiprocessing.set_executable()`.
 *
 * Without it (or after NULL) weft uses the environment variable
 * `WEFT_WORKER_EXECUTABLE` when set, otherwise the `weft-worker` built
 * beside the library (in a build tree) or installed under
 * `LIBEXECDIR/weft/`. A forkserver already running keeps its executable.
 * @param path the executable, copied; NULL for the default.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p path is empty; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_multiprocessing_set_executable(const char *path);

/**
 * @brief Shared objects the forkserver loads when it starts: Python's
 *        `multiprocessing.set_forkserver_preload()`.
 *
 * The server `dlopen`s each (as the analogue of the modules Python
 * preloads), so that its children find them loaded. An object that cannot
 * be loaded is skipped, as Python skips a module that fails to import. Only
 * a server started after the call sees the list.
 * @param objects paths or sonames, copied; may be NULL when @p n is 0.
 * @param n their number.
 * @return `WEFT_OK`; `WEFT_EINVAL` if an entry is NULL or empty;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_multiprocessing_set_forkserver_preload(const char *const *objects, size_t n);

/**
 * @brief Starts the forkserver now if it is not running: Python's
 *        `multiprocessing.forkserver.ensure_running()`.
 *
 * The first process started with the forkserver method does this itself.
 * The server is a child of this process, started from the worker
 * executable, and exits when this process exits.
 * @return `WEFT_OK`; `WEFT_OS` if the server cannot be started (the
 *         message names the executable); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_forkserver_ensure_running(void);

/** @} */

/* ======================================================================== */
/** @name Options
 *  @{ */

/**
 * @brief Creates process options with Python's defaults: no target, the
 *        default name, the daemon flag of the current process, the default
 *        context.
 *
 * Options are reusable: every process made from them takes what it needs
 * at weft_process_new() (a callable's argument is shared, and freed when the
 * options and every process made from them are gone).
 * @param out receives the options; free them with weft_process_opts_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_process_opts_new(weft_process_opts **out);

/**
 * @brief Frees options (processes made from them keep what they took).
 * @param opts the options; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_process_opts_free(weft_process_opts *opts);

/**
 * @brief Sets the process's name (Python's `name=`).
 * @param opts the options.
 * @param name the name, copied; NULL for the default, "Process-N" (with the
 *        parent's numbers before N in a child: "Process-1:2").
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_process_opts_set_name(weft_process_opts *opts, const char *name);

/**
 * @brief Sets the daemon flag (Python's `daemon=`).
 * @param opts the options.
 * @param daemon 1 daemonic, 0 not, -1 (the default) the flag of the process
 *        that creates it, as Python's None.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or another value.
 */
WEFT_API weft_status weft_process_opts_set_daemon(weft_process_opts *opts, int daemon);

/**
 * @brief Sets the context, hence the start method (a context's `Process()`).
 * @param opts the options.
 * @param ctx the context (the options keep a reference); NULL for the
 *        default context, looked up when the process starts.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_process_opts_set_context(weft_process_opts *opts, weft_mp_context *ctx);

/**
 * @brief Sets a callable target (Python's `target=`), for the fork start
 *        method only.
 *
 * The child calls `fn(arg, outcome)`; a reported failure makes its exit code
 * 1, and its status and message are printed on the child's standard error.
 * Replaces any target set before (freeing a callable's argument that no
 * process uses).
 * @param opts the options.
 * @param fn the function; NULL removes the target.
 * @param arg its argument, shared by every process made from the options.
 * @param free_arg frees @p arg (may be NULL), once, in the parent, when the
 *        options and every process made from them are freed.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_NOMEM` (then
 *         @p arg is not freed).
 */
WEFT_API weft_status weft_process_opts_set_target(weft_process_opts *opts, weft_fn fn, void *arg,
                                                  weft_free_fn free_arg);

/**
 * @brief Sets a native task as the target, for any start method.
 *
 * The child calls the task (weft_task_call()); its exit code is 0 when the
 * call succeeds and 1 when it fails (the message is printed on its
 * standard error). The result bytes are discarded, as Python discards
 * `run()`'s value. Replaces any target set before.
 * @param opts the options.
 * @param task the task, copied (later changes to it do not reach the
 *        options); NULL removes the target.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_process_opts_set_task(weft_process_opts *opts, weft_task *task);

/** @} */

/* ======================================================================== */
/** @name Process
 *  @{ */

/**
 * @brief Creates a process, not started: Python's `Process(...)`.
 *
 * The new process takes its authentication key from the current process
 * (weft_process_authkey()).
 * @param out receives the process; free it with weft_process_free().
 * @param opts the options; NULL for the defaults (no target: the child
 *        exits with 0).
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL or @p opts is not live;
 *         `WEFT_NOMEM`; `WEFT_OS` if the current process's key could not be
 *         made.
 */
WEFT_API weft_status weft_process_new(weft_process **out, const weft_process_opts *opts);

/**
 * @brief Drops the caller's reference to a process.
 *
 * A running child keeps running; weft keeps it until it is reaped (by
 * weft_multiprocessing_active_children() or at exit), as Python keeps its
 * started processes.
 * @param p the process; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_process_free(weft_process *p);

/**
 * @brief Frees a list from weft_multiprocessing_active_children(): every
 *        reference in it, then the array.
 * @param list the array; NULL is accepted.
 * @param n its length.
 */
WEFT_API void weft_process_list_free(weft_process **list, size_t n);

/**
 * @brief Starts the process: Python's `Process.start()`.
 *
 * With `fork` the calling thread forks and the child runs the target. With
 * `spawn` and `forkserver` the target must be a native task, which is
 * resolved here first (weft_task_resolve()), so that a missing object or
 * symbol is reported now rather than by a child that fails. A task of the
 * main program runs under `spawn` by re-executing the main program
 * (`/proc/self/exe`) with a marker in its environment that libweft
 * recognises while it is loaded, before `main` runs (and before the
 * program's own constructors): the main program must link libweft (itself,
 * not only through another library) and export the symbol (`-rdynamic`, or
 * CMake's `ENABLE_EXPORTS`); a program running set-user-ID or set-group-ID
 * cannot do this. The forkserver cannot run tasks of the main program.
 * @param p the process.
 * @return `WEFT_OK`;
 *         `WEFT_RUNTIME` if it was already started, if @p p is not a process
 *         this process created, or if the current process is daemonic
 *         ("daemonic processes are not allowed to have children");
 *         `WEFT_CLOSED` if it was closed;
 *         `WEFT_EINVAL` for a bad handle, or a callable target with a start
 *         method other than fork;
 *         `WEFT_NOT_FOUND` if the task's object or symbol cannot be found;
 *         `WEFT_NOT_SUPPORTED` for a main-program task that cannot be run
 *         (see above);
 *         `WEFT_OS` if the child (or the worker executable) cannot be started;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_process_start(weft_process *p);

/**
 * @brief Runs the target in the calling process: Python's `Process.run()`.
 *
 * This is what the child of a started process does; calling it directly
 * runs the callable or the task here.
 * @param p the process.
 * @return `WEFT_OK` when there is no target or it succeeded; the status the
 *         target reported (its message in weft_errmsg()) otherwise;
 *         `WEFT_EINVAL` for a bad handle; `WEFT_CLOSED`.
 */
WEFT_API weft_status weft_process_run(weft_process *p);

/**
 * @brief Waits for the process to end: Python's `Process.join(timeout)`.
 *
 * A child that ended is reaped, and its exit code kept. For the parent
 * process (weft_multiprocessing_parent_process()) this waits until the
 * parent has ended.
 * @param p the process.
 * @param timeout seconds: negative waits forever, 0 only checks.
 * @return `WEFT_OK` once it has ended; `WEFT_TIMEOUT` if it is still running
 *         when @p timeout passed (Python returns None and leaves exitcode
 *         None); `WEFT_RUNTIME` if it was never started, is the current
 *         process, or is not a child of the calling process; `WEFT_CLOSED`;
 *         `WEFT_EINVAL` for a bad handle or a NaN timeout;
 *         `WEFT_OVERFLOW`; `WEFT_INTERRUPTED`.
 */
WEFT_API weft_status weft_process_join(weft_process *p, double timeout);

/**
 * @brief Whether the process is running: Python's `Process.is_alive()`.
 *
 * 1 for the current process, 0 for a process not started yet; a child found
 * ended is reaped. For the parent process: whether it still runs.
 * @param p the process.
 * @param alive receives 1 or 0.
 * @return `WEFT_OK`; `WEFT_RUNTIME` for a child of another process;
 *         `WEFT_CLOSED`; `WEFT_EINVAL` for a bad handle or NULL @p alive.
 */
WEFT_API weft_status weft_process_is_alive(weft_process *p, int *alive);

/**
 * @brief Sends `SIGTERM` to the child: Python's `Process.terminate()`.
 *
 * Nothing happens if it has already ended.
 * @param p the process.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if @p p was not started or is not a
 *         child of this process (the current or the parent process);
 *         `WEFT_CLOSED`;
 *         `WEFT_EINVAL` for a bad handle; `WEFT_OS`.
 */
WEFT_API weft_status weft_process_terminate(weft_process *p);

/**
 * @brief Sends `SIGKILL` to the child: Python's `Process.kill()`.
 * @param p the process.
 * @return as weft_process_terminate().
 */
WEFT_API weft_status weft_process_kill(weft_process *p);

/**
 * @brief Releases the process's resources (its sentinel descriptor and its
 *        record of the child): Python's `Process.close()`.
 *
 * Most functions give `WEFT_CLOSED` afterwards; the name, the daemon flag and
 * the key stay readable. Closing twice is fine.
 * @param p the process.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, or if the child is still
 *         running ("Cannot close a process while it is still running").
 */
WEFT_API weft_status weft_process_close(weft_process *p);

/**
 * @brief The exit code: Python's `Process.exitcode`.
 *
 * It is known once the child was reaped (by join, is_alive, or
 * active_children): the code it exited with, or minus the signal that
 * killed it.
 * @param p the process.
 * @param code receives the exit code, or #WEFT_PROCESS_NO_EXITCODE while it
 *        runs, before it starts, and for the current and the parent process.
 * @return `WEFT_OK`; `WEFT_CLOSED`; `WEFT_EINVAL` for a bad handle or NULL
 *         @p code.
 */
WEFT_API weft_status weft_process_exitcode(weft_process *p, int *code);

/**
 * @brief The process id: Python's `Process.pid`.
 * @param p the process.
 * @param pid receives the pid, or 0 before the process starts (Python's None).
 * @return `WEFT_OK`; `WEFT_CLOSED`; `WEFT_EINVAL` for a bad handle or NULL @p pid.
 */
WEFT_API weft_status weft_process_pid(weft_process *p, int *pid);

/**
 * @brief Python's `Process.ident`, the same as weft_process_pid().
 * @param p the process.
 * @param ident receives the pid, or 0 before the process starts.
 * @return as weft_process_pid().
 */
WEFT_API weft_status weft_process_ident(weft_process *p, int *ident);

/**
 * @brief The name: Python's `Process.name`.
 * @param p the process.
 * @param name receives a copy, freed with weft_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p name;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_process_name(weft_process *p, char **name);

/**
 * @brief Renames the process (in this process only, as in Python).
 * @param p the process.
 * @param name the new name, copied.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p name;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_process_set_name(weft_process *p, const char *name);

/**
 * @brief The daemon flag: Python's `Process.daemon`.
 * @param p the process.
 * @param daemon receives 1 or 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p daemon.
 */
WEFT_API weft_status weft_process_daemon(weft_process *p, int *daemon);

/**
 * @brief Sets the daemon flag, before the process starts.
 * @param p the process.
 * @param daemon non-zero for daemonic.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if it has started ("process has
 *         already started") or is not a child made here; `WEFT_EINVAL` for
 *         a bad handle.
 */
WEFT_API weft_status weft_process_set_daemon(weft_process *p, int daemon);

/**
 * @brief The authentication key: Python's `Process.authkey`.
 *
 * The main process gets 32 random bytes (libcrypto's `RAND_bytes`); every
 * process created takes the key of the process creating it, and a child
 * starts with the key of its #weft_process as its own.
 * @param p the process.
 * @param key receives a copy of the key, freed with weft_free().
 * @param size receives its length.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL out-parameters;
 *         `WEFT_NOMEM`; `WEFT_OS` if random bytes could not be had.
 */
WEFT_API weft_status weft_process_authkey(weft_process *p, void **key, size_t *size);

/**
 * @brief Sets the authentication key (a child started later inherits it).
 * @param p the process.
 * @param key the key, copied; may be NULL when @p size is 0.
 * @param size its length.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p key with a
 *         non-zero @p size; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_process_set_authkey(weft_process *p, const void *key, size_t size);

/**
 * @brief A descriptor that becomes readable when the process ends: Python's
 *        `Process.sentinel`.
 *
 * It can be polled, or passed to weft_connection_wait() with other
 * descriptors and connections. For a child of fork or spawn it is the
 * reading end of a pipe whose writing end only the child holds; for a
 * forkserver child, the channel on which the server reports its exit; for
 * the parent process, the reading end of a pipe only the parent writes.
 * It stays open until weft_process_close() or weft_process_free(); the
 * caller must not close it.
 * @param p the process.
 * @param fd receives the descriptor.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, NULL @p fd, or a
 *         process not started (Python's "process not started");
 *         `WEFT_CLOSED`.
 */
WEFT_API weft_status weft_process_sentinel(weft_process *p, int *fd);

/** @} */

/* ======================================================================== */
/** @name Module functions of `multiprocessing`
 *  @{ */

/**
 * @brief The current process: Python's `multiprocessing.current_process()`.
 *
 * In the main process its name is "MainProcess"; in a child it is the
 * process as its parent created it (its name, key and daemon flag).
 * @param out receives a reference, freed with weft_process_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_multiprocessing_current_process(weft_process **out);

/**
 * @brief The parent process: Python's `multiprocessing.parent_process()`.
 *
 * NULL in the main process. In a child started by weft, a process whose
 * name and pid are the parent's; its sentinel becomes readable, and its
 * join returns, when the parent has ended.
 * @param out receives a reference (free it with weft_process_free()) or NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL.
 */
WEFT_API weft_status weft_multiprocessing_parent_process(weft_process **out);

/**
 * @brief The children still running: Python's `multiprocessing.active_children()`.
 *
 * As in Python, children found ended are reaped (their exit code is known
 * afterwards).
 * @param out receives an array of references, freed with
 *        weft_process_list_free(); NULL when there are none.
 * @param n receives their number.
 * @return `WEFT_OK`; `WEFT_EINVAL` if an out-parameter is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_multiprocessing_active_children(weft_process ***out, size_t *n);

/**
 * @brief The number of CPUs in the system: Python's `multiprocessing.cpu_count()`
 *        (`os.cpu_count()`).
 *
 * It counts the CPUs online, not those this process may use (for that,
 * Python has `os.process_cpu_count()`).
 * @param count receives the number.
 * @return `WEFT_OK`; `WEFT_NOT_SUPPORTED` if the system cannot say (Python's
 *         `NotImplementedError`); `WEFT_EINVAL` if @p count is NULL.
 */
WEFT_API weft_status weft_multiprocessing_cpu_count(int *count);

/**
 * @brief Python's `multiprocessing.freeze_support()`: does nothing.
 *
 * Python needs it on Windows for frozen executables, whose children start
 * by running the program again. On POSIX nothing needs doing, in Python as
 * here.
 */
WEFT_API void weft_multiprocessing_freeze_support(void);

/**
 * @brief In a process started by spawn or forkserver: takes on the identity
 *        its parent prepared (Python's `multiprocessing.spawn.prepare()`).
 *
 * The worker calls it with the first message it receives, before the task.
 * It makes the current process the one the parent started (name, key,
 * daemon flag, start method), makes the parent process known (and its
 * sentinel), and starts watching for the parent's death. A worker of one's
 * own (a binding's interpreter, say) calls it the same way.
 * @param data the preparation bytes the parent sent.
 * @param size their number.
 * @return `WEFT_OK`; `WEFT_EINVAL` if the bytes are not preparation data;
 *         `WEFT_RUNTIME` if the process was prepared already; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_spawn_prepare(const void *data, size_t size);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* WEFT_PROCESS_H */
