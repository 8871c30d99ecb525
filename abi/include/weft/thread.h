/**
 * @file weft/thread.h
 * @brief Threads (Python's `threading.Thread`, `_thread`), thread-local data, timers, and the module functions of `threading`.
 *
 * A #weft_thread is Python's `threading.Thread` in C shape: it is created
 * with a callable `(fn, arg, free_arg)` that stands for the target (Python's
 * `run()` *is* `fn`: a binding that lets users subclass Thread passes a
 * trampoline that calls the subclass's `run`), started once, joined any
 * number of times. The handle is reference-counted: weft_thread_free() drops
 * the caller's reference, and a running thread keeps its own until it ends,
 * so freeing a running thread neither stops nor leaks it.
 *
 * Strings handed out by this header (names) are copies that the caller frees
 * with weft_free(); strings handed in are copied.
 */
#ifndef WEFT_THREAD_H
#define WEFT_THREAD_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/** @name Thread objects (`threading.Thread`)
 *  @{ */

/** @brief A thread of execution, as Python's `threading.Thread`. */
typedef struct weft_thread weft_thread;

/**
 * @brief Creates a thread that will run `fn(arg, outcome)` once started.
 *
 * Python's `Thread(target=..., name=...)`. The thread is not started.
 * Its daemon flag is inherited from the calling thread, as in Python: a weft
 * thread passes its own flag on, the main thread passes "not daemon", and any
 * other thread (a "dummy" thread, see weft_threading_current_thread()) passes
 * "daemon".
 *
 * If `fn` reports a failure (weft_outcome_set_error()), the failure goes to
 * the excepthook (weft_threading_set_excepthook()); a reported value is
 * freed and otherwise ignored, as Python ignores `run()`'s return value.
 *
 * @param out receives the new thread; the caller owns one reference and
 *        releases it with weft_thread_free().
 * @param name the thread's name, copied; NULL gives Python's default,
 *        "Thread-N (symbol)" where N counts threads created so far and
 *        `symbol` is the name `dladdr` finds for @p fn (just "Thread-N" when
 *        it finds none).
 * @param fn the target; must not be NULL.
 * @param arg its argument.
 * @param free_arg frees @p arg (may be NULL): called exactly once, after the
 *        target returned, or when a thread that was never started is freed.
 * @return `WEFT_OK`;
 *         `WEFT_EINVAL` if @p out or @p fn is NULL;
 *         `WEFT_NOMEM`. On failure @p arg is *not* freed: the caller keeps it.
 */
WEFT_API weft_status weft_thread_new(weft_thread **out, const char *name, weft_fn fn, void *arg,
                                     weft_free_fn free_arg);

/**
 * @brief Drops the caller's reference to a thread.
 *
 * A running thread keeps running and holds its own reference until it ends.
 * A thread that was never started is destroyed and its argument freed.
 * @param t the thread; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_thread_free(weft_thread *t);

/**
 * @brief Starts the thread: Python's `Thread.start()`.
 *
 * When it returns `WEFT_OK` the thread is alive, listed by
 * weft_threading_enumerate() and its ident is known.
 * @param t the thread.
 * @return `WEFT_OK`;
 *         `WEFT_EINVAL` for a bad handle;
 *         `WEFT_RUNTIME` if it was already started (Python's "threads can
 *         only be started once"), if it is the main or a dummy thread, or
 *         if the system refused a new thread (Python's "can't start new
 *         thread"; the thread may then be started again);
 *         `WEFT_NOMEM`, `WEFT_OS` for other system failures.
 */
WEFT_API weft_status weft_thread_start(weft_thread *t);

/**
 * @brief Waits until the thread has ended: Python's `Thread.join(timeout)`.
 *
 * A thread has ended when its target returned and everything that follows
 * it in the thread ran: the argument's free function, the excepthook, the
 * destructors of its thread-local values and the END hooks. The first join
 * that sees the end also waits until the OS thread is gone (after any
 * `pthread` key destructors of other libraries), so that its stack is
 * reused by the next thread.
 *
 * Unlike Python, where `join()` returns None either way, running out of
 * time is a status; and, as everywhere in weft, a negative timeout waits
 * forever (Python's `None`).
 * @param t the thread.
 * @param timeout seconds: negative waits forever, 0 only checks.
 * @return `WEFT_OK` once the thread has ended;
 *         `WEFT_TIMEOUT` if it is still alive when the timeout passed;
 *         `WEFT_RUNTIME` if @p t is the calling thread, was never started, or
 *         is a dummy thread;
 *         `WEFT_EINVAL` for a bad handle or a NaN timeout;
 *         `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_thread_join(weft_thread *t, double timeout);

/**
 * @brief The thread's name: Python's `Thread.name` and `getName()`.
 * @param t the thread.
 * @param name receives a copy of the name, which the caller frees with
 *        weft_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p name;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_thread_name(weft_thread *t, char **name);

/**
 * @brief Renames the thread: Python's `Thread.name = ...` and `setName()`.
 *
 * Allowed at any time, also while the thread runs. A weft thread passes the
 * first 15 bytes of its name to the operating system when it starts (on
 * Linux, as Python 3.14 does), so tools such as `top` show it.
 * @param t the thread.
 * @param name the new name, copied; must not be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p name;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_thread_set_name(weft_thread *t, const char *name);

/**
 * @brief The thread's identifier: Python's `Thread.ident`.
 *
 * The value weft_threading_get_ident() returns in that thread; it stays
 * available after the thread ended (and may then be reused by a new thread).
 * @param t the thread.
 * @param ident receives the identifier, 0 if the thread was not started
 *        (Python's None).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p ident.
 */
WEFT_API weft_status weft_thread_ident(weft_thread *t, uint64_t *ident);

/**
 * @brief The operating system's identifier of the thread: Python's
 *        `Thread.native_id` (the Linux TID).
 *
 * Right after weft_thread_start() this waits, briefly, until the new thread
 * has published its identifier.
 * @param t the thread.
 * @param id receives the identifier, 0 if the thread was not started
 *        (Python's None).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p id.
 */
WEFT_API weft_status weft_thread_native_id(weft_thread *t, uint64_t *id);

/**
 * @brief Whether the thread is alive: Python's `Thread.is_alive()`.
 *
 * True from the moment weft_thread_start() succeeded until the thread has
 * ended (see weft_thread_join()). The main thread is alive until
 * weft_threading_shutdown() ran in it; a dummy thread until its OS thread
 * ends.
 * @param t the thread.
 * @param alive receives 1 or 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p alive.
 */
WEFT_API weft_status weft_thread_is_alive(weft_thread *t, int *alive);

/**
 * @brief The daemon flag: Python's `Thread.daemon` and `isDaemon()`.
 *
 * A daemon thread is not waited for by weft_threading_shutdown().
 * @param t the thread.
 * @param daemon receives 1 or 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p daemon.
 */
WEFT_API weft_status weft_thread_daemon(weft_thread *t, int *daemon);

/**
 * @brief Sets the daemon flag before the thread starts: Python's
 *        `Thread.daemon = ...` and `setDaemon()`.
 * @param t the thread.
 * @param daemon non-zero for a daemon thread.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle;
 *         `WEFT_RUNTIME` if the thread was already started (Python's
 *         "cannot set daemon status of active thread").
 */
WEFT_API weft_status weft_thread_set_daemon(weft_thread *t, int daemon);

/**
 * @brief Sets the stack size of one thread before it starts.
 *
 * Python has only the module-wide weft_threading_stack_size(); this is the
 * same rule for one thread.
 * @param t the thread.
 * @param size bytes; 0 uses the module-wide size; otherwise at least 32 KiB
 *        and acceptable to `pthread_attr_setstacksize`.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or size;
 *         `WEFT_RUNTIME` if the thread was already started.
 */
WEFT_API weft_status weft_thread_set_stack_size(weft_thread *t, size_t size);

/**
 * @brief Frees a list of threads returned by weft_threading_enumerate():
 *        every reference in it, then the array.
 * @param list the array; NULL is accepted.
 * @param n its length.
 */
WEFT_API void weft_thread_list_free(weft_thread **list, size_t n);

/** @} */

/* ======================================================================== */
/** @name Module functions of `threading` and `_thread`
 *  @{ */

/**
 * @brief Identifier of the calling thread: Python's `threading.get_ident()`.
 *
 * The `pthread_t` of the thread as an integer. Never 0.
 * @return the identifier; never fails.
 */
WEFT_API uint64_t weft_threading_get_ident(void);

/**
 * @brief The operating system's identifier of the calling thread: Python's
 *        `threading.get_native_id()` (the TID on Linux).
 * @return the identifier; never fails.
 */
WEFT_API uint64_t weft_threading_get_native_id(void);

/**
 * @brief The calling thread's object: Python's `threading.current_thread()`.
 *
 * In a thread started by weft it is that thread. In the process's main
 * thread it is the main thread object (weft_threading_main_thread()). In any
 * other thread a "dummy" thread object is made on the first call, named
 * "Dummy-N", alive, daemon, listed by weft_threading_enumerate() until that
 * OS thread ends (a `pthread` key destructor retires it), and it cannot be
 * joined or started.
 * @param out receives a new reference; the caller frees it with
 *        weft_thread_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM` if a dummy
 *         object could not be made.
 */
WEFT_API weft_status weft_threading_current_thread(weft_thread **out);

/**
 * @brief The main thread's object: Python's `threading.main_thread()`.
 *
 * The main thread is the thread whose OS thread id equals the process id
 * (on Linux, the thread that ran `main`; in a child made by `fork`, the
 * thread that forked). Its name is "MainThread", it is not a daemon, it is
 * alive until weft_threading_shutdown() ran in it. Its ident is known once
 * the main thread has called into weft (or loaded the library).
 * @param out receives a new reference; the caller frees it with
 *        weft_thread_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL.
 */
WEFT_API weft_status weft_threading_main_thread(weft_thread **out);

/**
 * @brief Every alive thread: Python's `threading.enumerate()`.
 *
 * Lists started weft threads that have not ended (daemon or not, timers
 * included), the main thread while alive and the dummy threads whose OS
 * threads still run; not threads that were never started or have ended.
 * The order is the order in which they started (or were first seen), the
 * main thread first when the main thread loaded the library.
 * @param out receives an array of new references; the caller frees it with
 *        weft_thread_list_free() (or frees each with weft_thread_free() and
 *        the array with weft_free()).
 * @param n receives the number of entries.
 * @return `WEFT_OK`; `WEFT_EINVAL` if an argument is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_threading_enumerate(weft_thread ***out, size_t *n);

/**
 * @brief Number of alive threads: Python's `threading.active_count()`, the
 *        length weft_threading_enumerate() would give.
 * @return the count; never fails.
 */
WEFT_API size_t weft_threading_active_count(void);

/**
 * @brief Sets the stack size of threads started from now on: Python's
 *        `threading.stack_size(size)` and `_thread.stack_size(size)`.
 * @param size bytes; 0 is the system default; otherwise at least 32 KiB and
 *        acceptable to `pthread_attr_setstacksize`.
 * @param old receives the previous size (0: the default); may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a size below 32 KiB or one the
 *         system refuses (the setting is then unchanged).
 */
WEFT_API weft_status weft_threading_stack_size(size_t size, size_t *old);

/**
 * @brief The stack size threads start with: Python's `threading.stack_size()`
 *        without an argument.
 * @return the size in bytes, 0 for the system default; never fails.
 */
WEFT_API size_t weft_threading_get_stack_size(void);

/**
 * @brief Lets a signal cut the calling thread's blocking calls short.
 *
 * By default a blocking call (a lock's acquire, a queue's get, an event's
 * wait, a future's result, a thread's join, a child's wait, ...) waits out its
 * timeout whatever signals arrive: a handler runs and the wait goes on. An
 * interpreter whose signal handlers must run in the waiting thread (Python's
 * KeyboardInterrupt) turns this on: a blocking call in which a signal handler
 * ran then returns `WEFT_INTERRUPTED` as soon as the handler has returned,
 * having undone its wait as a timeout would (a timed-out lock is not held, a
 * queue's item is not taken, a condition's lock is held again, a barrier is
 * left without breaking it). The caller runs what the signal asked for and,
 * if it goes on, calls again with what is left of its timeout.
 *
 * Waits that a signal can interrupt are those that sleep in the kernel on a
 * futex or in poll: on systems built without futexes (WEFT_PORTABLE) locks,
 * conditions and queues wait on condition variables, which signals do not
 * interrupt, and only child-process waits are cut short there.
 * @param enable non-zero to turn interruption on, 0 to turn it off.
 * @param previous receives the previous setting; may be NULL.
 * @return `WEFT_OK`; never fails.
 * @since 1.1
 */
WEFT_API weft_status weft_threading_set_interruptible(int enable, int *previous);

/**
 * @brief Waits for every non-daemon weft thread to end: what Python does at
 *        interpreter exit (`threading._shutdown`).
 *
 * First runs the library's own exit calls (the C form of Python's
 * `threading._register_atexit`, which the thread pool uses to stop its
 * workers), then joins, one after another, every started non-daemon thread
 * other than the caller, including threads started while it waits, until
 * none is left.
 * Daemon threads and threads of weft_threading_start_new_thread() are not
 * waited for. Called from the main thread, it also marks the main thread
 * as ended (weft_thread_is_alive() then gives 0). weft registers it with
 * `atexit` when the first thread starts, so a program that returns from
 * `main` waits for its non-daemon threads as a Python program does; calling
 * it earlier is harmless.
 */
WEFT_API void weft_threading_shutdown(void);

/** @} */

/* ======================================================================== */
/** @name Hooks: settrace/setprofile and excepthook
 *  @{ */

/** @brief Event passed to a #weft_thread_hook_fn: the thread is starting. */
#define WEFT_THREAD_START 1
/** @brief Event passed to a #weft_thread_hook_fn: the thread is ending. */
#define WEFT_THREAD_END 2

/**
 * @brief A thread hook, the C form of Python's trace and profile functions.
 *
 * Called in the thread concerned: with #WEFT_THREAD_START before its target
 * runs, with #WEFT_THREAD_END after the target, its argument's release, the
 * excepthook and its thread-local destructors, and before joiners wake.
 * Bindings use it to set up and tear down per-thread interpreter state.
 * @param arg the argument given with the hook.
 * @param thread the thread, borrowed for the call.
 * @param event #WEFT_THREAD_START or #WEFT_THREAD_END.
 */
typedef void (*weft_thread_hook_fn)(void *arg, weft_thread *thread, int event);

/**
 * @brief Sets the trace hook for threads started from now on: Python's
 *        `threading.settrace(func)`.
 *
 * Each weft thread takes the hook installed when it begins to run and calls
 * it with #WEFT_THREAD_START first and #WEFT_THREAD_END last (the END call
 * goes to the hook that got the START, even if another was installed
 * since). Trace hooks run before profile hooks at START and after them at
 * END. @p arg is the caller's: keep it valid while threads started under
 * this hook may still run.
 * @param fn the hook; NULL removes it.
 * @param arg its argument.
 */
WEFT_API void weft_threading_settrace(weft_thread_hook_fn fn, void *arg);

/**
 * @brief Sets the profile hook for threads started from now on: Python's
 *        `threading.setprofile(func)`. Same rules as weft_threading_settrace().
 * @param fn the hook; NULL removes it.
 * @param arg its argument.
 */
WEFT_API void weft_threading_setprofile(weft_thread_hook_fn fn, void *arg);

/**
 * @brief Sets the trace hook for new threads and for weft threads already
 *        running: Python's `threading.settrace_all_threads(func)`.
 *
 * As weft_threading_settrace(), and every weft thread running at the call
 * receives the new hook at its next hook point: when it calls
 * weft_threading_deliver_hooks(), or else when it ends. A weft thread that
 * makes this call from its target receives it during the call. Receiving it means:
 * #WEFT_THREAD_END to the hook it had (if any), then #WEFT_THREAD_START to
 * the new hook (if not NULL), whose #WEFT_THREAD_END comes when the thread
 * ends. C code cannot be interrupted where it runs, so this is as far as
 * "all threads" reaches in C; threads not started by weft (main, dummies)
 * have no hook points and are not reached.
 * @param fn the hook; NULL removes it from new and running threads.
 * @param arg its argument.
 */
WEFT_API void weft_threading_settrace_all_threads(weft_thread_hook_fn fn, void *arg);

/**
 * @brief Sets the profile hook for new and running weft threads: Python's
 *        `threading.setprofile_all_threads(func)`. Same rules as
 *        weft_threading_settrace_all_threads().
 * @param fn the hook; NULL removes it from new and running threads.
 * @param arg its argument.
 */
WEFT_API void weft_threading_setprofile_all_threads(weft_thread_hook_fn fn, void *arg);

/**
 * @brief A hook point: delivers to the calling weft thread the hooks that
 *        weft_threading_settrace_all_threads() or
 *        weft_threading_setprofile_all_threads() installed since it started.
 *
 * Does nothing in a thread not started by weft or when nothing is pending.
 * A binding calls it where it regains control in a long-running thread.
 */
WEFT_API void weft_threading_deliver_hooks(void);

/**
 * @brief The trace hook installed for new threads: Python's
 *        `threading.gettrace()`.
 * @param fn receives the hook, NULL if none; may be NULL.
 * @param arg receives its argument; may be NULL.
 */
WEFT_API void weft_threading_gettrace(weft_thread_hook_fn *fn, void **arg);

/**
 * @brief The profile hook installed for new threads: Python's
 *        `threading.getprofile()`.
 * @param fn receives the hook, NULL if none; may be NULL.
 * @param arg receives its argument; may be NULL.
 */
WEFT_API void weft_threading_getprofile(weft_thread_hook_fn *fn, void **arg);

/**
 * @brief Handles a failure a thread's target reported: the C form of
 *        Python's `threading.excepthook(args)`.
 *
 * Called in the failing thread after its target returned and its argument
 * was freed; the payload is freed after the hook returns.
 * @param arg the argument given with weft_threading_set_excepthook().
 * @param thread the failing thread, borrowed for the call (Python's
 *        `args.thread`).
 * @param status the failure's status (Python's `args.exc_type`).
 * @param message its message (Python's `args.exc_value`); never NULL.
 * @param payload the payload the target reported (a binding's exception
 *        object), or NULL; borrowed for the call.
 */
typedef void (*weft_excepthook_fn)(void *arg, weft_thread *thread, weft_status status, const char *message,
                                   void *payload);

/**
 * @brief Sets the excepthook: Python's `threading.excepthook = func`.
 *
 * @p arg is the caller's: keep it valid while the hook may run.
 * @param fn the hook; NULL restores weft_threading_default_excepthook().
 * @param arg its argument.
 */
WEFT_API void weft_threading_set_excepthook(weft_excepthook_fn fn, void *arg);

/**
 * @brief The excepthook in force: read Python's `threading.excepthook`; call
 *        the result to invoke it as Python code calls `threading.excepthook(args)`.
 * @param fn receives the hook (weft_threading_default_excepthook() when none
 *        was set); may be NULL.
 * @param arg receives its argument; may be NULL.
 */
WEFT_API void weft_threading_excepthook(weft_excepthook_fn *fn, void **arg);

/**
 * @brief The default excepthook: Python's `threading.__excepthook__`.
 *
 * Writes "Exception in thread NAME:" and a line "STATUS_NAME: message" to
 * stderr, as Python prints the thread's name and the exception.
 * @param arg ignored.
 * @param thread the failing thread; may be NULL (then no name is printed).
 * @param status the failure's status.
 * @param message its message; NULL prints the status's own text.
 * @param payload ignored.
 */
WEFT_API void weft_threading_default_excepthook(void *arg, weft_thread *thread, weft_status status,
                                                const char *message, void *payload);

/** @} */

/* ======================================================================== */
/** @name `_thread`: the low-level API
 *  @{ */

/**
 * @brief Starts a thread running `fn(arg, outcome)`: Python's
 *        `_thread.start_new_thread(function, args)`.
 *
 * The thread is a weft thread named as by weft_thread_new() with a NULL
 * name and marked daemon, so weft_threading_shutdown() does not wait for
 * it; nobody holds a handle to it (weft_threading_current_thread() in it
 * gives one). A reported failure goes to the excepthook.
 * @param fn the function; must not be NULL.
 * @param arg its argument.
 * @param free_arg frees @p arg after @p fn returned; may be NULL.
 * @param ident receives the new thread's identifier (as
 *        weft_threading_get_ident() in it); may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p fn is NULL; `WEFT_RUNTIME` if the
 *         system refused a new thread; `WEFT_NOMEM`, `WEFT_OS`. On failure
 *         @p arg is *not* freed.
 */
WEFT_API weft_status weft_threading_start_new_thread(weft_fn fn, void *arg, weft_free_fn free_arg,
                                                     uint64_t *ident);

/**
 * @brief Ends the calling weft thread: Python's `_thread.exit()`.
 *
 * Does not return when it succeeds: the thread ends as if its target had
 * returned without reporting anything (what it reported before is
 * discarded, and the excepthook is not called, as Python's `SystemExit` is
 * silent): its argument is freed, its thread-local values destroyed, END
 * hooks run, joiners wake. It unwinds with `pthread_exit`, so C++ frames
 * between the target and this call are unwound too.
 * @return only on failure: `WEFT_RUNTIME` when the calling thread was not
 *         started by weft (the main thread and foreign threads must return
 *         from their own functions: weft cannot know what they hold).
 */
WEFT_API weft_status weft_threading_exit(void);

/**
 * @brief Raises a signal in the main thread: Python's
 *        `_thread.interrupt_main(signum)`.
 *
 * As in Python, if the signal's disposition is `SIG_DFL` or `SIG_IGN` (no
 * handler installed), nothing happens; otherwise the signal is sent to the
 * main thread (the thread whose id is the process id), whose handler runs
 * there.
 * @param signum the signal; 0 means `SIGINT`, Python's default.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a number that is not a valid signal;
 *         `WEFT_OS` if it could not be sent.
 */
WEFT_API weft_status weft_threading_interrupt_main(int signum);

/** @} */

/* ======================================================================== */
/** @name Thread-local data (`threading.local`)
 *  @{ */

/**
 * @brief Thread-local data: one value per thread, Python's `threading.local`.
 *
 * There is no limit on the number of locals (they do not use one `pthread`
 * key each). A thread's value is destroyed with the local's free function
 * when the thread ends (a thread started by weft, before its END hooks;
 * any other thread, by a `pthread` key destructor), or when the local is
 * freed, whichever comes first; a race between the two destroys it exactly
 * once. The main thread's end is the process's exit, which runs no
 * destructors: its values are destroyed only by weft_local_free().
 */
typedef struct weft_local weft_local;

/**
 * @brief Creates a thread-local slot, empty in every thread.
 * @param out receives the local; the caller frees it with weft_local_free().
 * @param free_value destroys a value when its thread ends, when it is
 *        replaced, or when the local is freed; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_local_new(weft_local **out, weft_free_fn free_value);

/**
 * @brief Frees the local and the values every thread holds in it.
 *
 * The values are destroyed in the calling thread. Do not use the local in
 * other threads while it is freed.
 * @param l the local; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_local_free(weft_local *l);

/**
 * @brief The calling thread's value.
 * @param l the local.
 * @param value receives the value, NULL if this thread set none; the local
 *        keeps owning it.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p value.
 */
WEFT_API weft_status weft_local_get(weft_local *l, void **value);

/**
 * @brief Sets the calling thread's value, destroying the value it replaces.
 * @param l the local.
 * @param value the new value, owned by the local from now on; NULL clears
 *        this thread's value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_NOMEM` (then
 *         @p value stays the caller's and the old value is kept).
 */
WEFT_API weft_status weft_local_set(weft_local *l, void *value);

/** @} */

/* ======================================================================== */
/** @name Timers (`threading.Timer`)
 *  @{ */

/**
 * @brief A callable run once after a delay by its own thread, unless
 *        cancelled: Python's `threading.Timer`.
 *
 * The timer's thread is a #weft_thread (weft_timer_thread()), so its name,
 * ident, daemon flag and liveness are read and set with the thread
 * functions, and it is listed by weft_threading_enumerate() while alive.
 */
typedef struct weft_timer weft_timer;

/**
 * @brief Creates a timer that runs `fn(arg, outcome)` @p interval seconds
 *        after weft_timer_start().
 * @param out receives the timer; the caller frees it with weft_timer_free().
 * @param interval seconds; a negative interval fires at once, as in Python.
 * @param fn the function; must not be NULL.
 * @param arg its argument.
 * @param free_arg frees @p arg exactly once: after @p fn ran, when the timer
 *        is cancelled before it fired, or when a timer never started is
 *        freed; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p fn is NULL or @p interval
 *         is NaN; `WEFT_OVERFLOW` if it is above #WEFT_TIMEOUT_MAX;
 *         `WEFT_NOMEM`. On failure @p arg is *not* freed.
 */
WEFT_API weft_status weft_timer_new(weft_timer **out, double interval, weft_fn fn, void *arg,
                                    weft_free_fn free_arg);

/**
 * @brief Drops the caller's reference to the timer.
 *
 * A started timer keeps waiting and fires (free does not cancel); a timer
 * never started is destroyed and its argument freed.
 * @param t the timer; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_timer_free(weft_timer *t);

/**
 * @brief Starts the timer's thread, which waits for the interval (a
 *        deadline wait that weft_timer_cancel() ends, never a sleep).
 * @param t the timer.
 * @return as weft_thread_start(): `WEFT_RUNTIME` if already started.
 */
WEFT_API weft_status weft_timer_start(weft_timer *t);

/**
 * @brief Stops the timer if it has not fired yet: Python's `Timer.cancel()`.
 *
 * If the function has not started, it never will and its argument is freed
 * by this call. If it already started (or ran), this does nothing. Allowed
 * before weft_timer_start() (the timer then ends at once when started).
 * @param t the timer.
 * @param cancelled receives 1 if this call prevented the function from
 *        running, 0 if it had already fired or been cancelled; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_timer_cancel(weft_timer *t, int *cancelled);

/**
 * @brief Waits until the timer's thread has ended: `Timer.join(timeout)`.
 * @param t the timer.
 * @param timeout seconds: negative waits forever, 0 only checks.
 * @return as weft_thread_join().
 */
WEFT_API weft_status weft_timer_join(weft_timer *t, double timeout);

/**
 * @brief The timer's thread, for the thread functions (name, ident, daemon,
 *        is_alive, ...).
 * @param t the timer.
 * @param out receives a new reference to the thread; the caller frees it
 *        with weft_thread_free(). Starting or joining it is the same as
 *        starting or joining the timer.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_timer_thread(weft_timer *t, weft_thread **out);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* WEFT_THREAD_H */
