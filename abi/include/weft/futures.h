/**
 * @file weft/futures.h
 * @brief Futures and executors (Python's `concurrent.futures`).
 *
 * A #weft_future is the eventual outcome of a call: a value, or a failure
 * (a status code, a message and an optional payload, the C form of an
 * exception). Executors run callables on a pool and hand back one future per
 * call; weft_futures_wait() and weft_as_completed_new() wait on many futures.
 *
 * Futures are reference counted: the caller's reference (from
 * weft_future_new() or weft_executor_submit()) is dropped with
 * weft_future_free(); an executor, a wait or an iterator holds its own while
 * it needs the future, so freeing early is always safe.
 *
 * The status codes of the module: `WEFT_CANCELLED` (CancelledError),
 * `WEFT_TIMEOUT` (TimeoutError), `WEFT_BROKEN_EXECUTOR` (BrokenExecutor),
 * `WEFT_INVALID_STATE` (InvalidStateError), `WEFT_BROKEN_THREAD_POOL`
 * (BrokenThreadPool) and `WEFT_BROKEN_PROCESS_POOL` (BrokenProcessPool).
 */
#ifndef WEFT_FUTURES_H
#define WEFT_FUTURES_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The outcome of a call that may not have happened yet (Python's `Future`). */
typedef struct weft_future weft_future;

/** @brief Runs calls asynchronously (Python's `Executor`); made by weft_thread_pool_executor_new(). */
typedef struct weft_executor weft_executor;

/** @brief Options for an executor: number of workers, thread names, initializer. */
typedef struct weft_executor_opts weft_executor_opts;

/** @brief Iterator over the results of weft_executor_map(), in the order of the arguments. */
typedef struct weft_map_iter weft_map_iter;

/** @brief Iterator yielding futures as they complete (Python's `as_completed()`). */
typedef struct weft_as_completed weft_as_completed;

/** @brief weft_futures_wait() returns when any future finishes or is cancelled. */
#define WEFT_FIRST_COMPLETED 1
/** @brief weft_futures_wait() returns when any future fails, or when all are done. */
#define WEFT_FIRST_EXCEPTION 2
/** @brief weft_futures_wait() returns when all futures are done. */
#define WEFT_ALL_COMPLETED 3

/* ---- Future ------------------------------------------------------------ */

/**
 * @brief Creates a pending future, for code that completes futures itself
 *        (Python's `Future()`).
 *
 * Complete it with weft_future_set_result() or weft_future_set_exception(),
 * optionally after weft_future_set_running_or_notify_cancel().
 * @param out receives the future; the caller owns one reference and drops
 *        it with weft_future_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_future_new(weft_future **out);

/**
 * @brief Drops the caller's reference to a future.
 *
 * The future lives on while an executor, a wait or an iterator still holds
 * it; a task whose future was freed still runs.
 * @param f the future; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_future_free(weft_future *f);

/**
 * @brief Attempts to cancel the call (Python's `cancel()`).
 *
 * A running or finished future cannot be cancelled. A cancelled future wakes
 * its waiters and runs its done callbacks in the calling thread.
 * @param f the future.
 * @param cancelled receives 1 if the future is now cancelled (also when it
 *        already was), 0 if it is running or finished; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_future_cancel(weft_future *f, int *cancelled);

/**
 * @brief Whether the future was cancelled (Python's `cancelled()`).
 * @param f the future.
 * @param out receives 1 or 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_future_cancelled(weft_future *f, int *out);

/**
 * @brief Whether the call is running and cannot be cancelled (Python's `running()`).
 * @param f the future.
 * @param out receives 1 or 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_future_running(weft_future *f, int *out);

/**
 * @brief Whether the future finished or was cancelled (Python's `done()`).
 * @param f the future.
 * @param out receives 1 or 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_future_done(weft_future *f, int *out);

/**
 * @brief Waits for the call's value (Python's `result()`).
 *
 * @param f the future.
 * @param timeout seconds to wait; negative waits forever, 0 does not block.
 * @param value receives the value, borrowed from the future: it stays valid
 *        while the caller holds its reference; may be NULL.
 * @return `WEFT_OK`; `WEFT_TIMEOUT` if the future is not done in time;
 *         `WEFT_CANCELLED` if it was cancelled; for a failed call, the
 *         failure's own status, with its message in weft_errmsg();
 *         `WEFT_EINVAL` for a bad handle or a NaN timeout; `WEFT_OVERFLOW`
 *         for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_future_result(weft_future *f, double timeout, void **value);

/**
 * @brief Waits for the call and returns its failure, if any (Python's `exception()`).
 *
 * @param f the future.
 * @param timeout seconds to wait; negative waits forever, 0 does not block.
 * @param code receives the failure's status, `WEFT_OK` if the call
 *        succeeded (Python's `None`); may be NULL.
 * @param message receives the failure's message, borrowed from the future
 *        (NULL if none); may be NULL.
 * @param payload receives the failure's payload, borrowed from the future
 *        (NULL if none); may be NULL.
 * @return `WEFT_OK` when the future is done and not cancelled (whether the
 *         call failed or not); `WEFT_TIMEOUT`; `WEFT_CANCELLED`;
 *         `WEFT_EINVAL` for a bad handle or a NaN timeout; `WEFT_OVERFLOW`.
 */
WEFT_API weft_status weft_future_exception(weft_future *f, double timeout, weft_status *code,
                                           const char **message, void **payload);

/**
 * @brief Attaches a callable to run when the future is done (Python's
 *        `add_done_callback()`).
 *
 * Callbacks run in the order they were added, in the thread that completes
 * or cancels the future; if the future is already done, @p fn runs at once
 * in the caller. Inside the callback, weft_future_from_outcome() gives the
 * future. A callback that reports a failure is handed to the threading
 * excepthook if one was set (weft_threading_set_excepthook()), else written
 * to stderr as Python logs it; it does not stop the other callbacks. @p free_arg is
 * called once after the callback ran, or when the future is destroyed
 * before completing.
 * @param f the future.
 * @param fn the callback.
 * @param arg its argument.
 * @param free_arg frees @p arg; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p fn;
 *         `WEFT_NOMEM`. On failure @p arg stays the caller's.
 */
WEFT_API weft_status weft_future_add_done_callback(weft_future *f, weft_fn fn, void *arg,
                                                   weft_free_fn free_arg);

/**
 * @brief The future whose done callback is running, given the outcome that
 *        callback received.
 * @param outcome the outcome passed to the running done callback.
 * @param borrowed receives the future, borrowed for the duration of the
 *        callback (the parameter's name marks a borrowed result for the
 *        bindings).
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p borrowed is NULL or @p outcome is
 *         not that of a done callback running in this thread.
 */
WEFT_API weft_status weft_future_from_outcome(const weft_outcome *outcome, weft_future **borrowed);

/**
 * @brief Marks the future running unless it was cancelled (Python's
 *        `set_running_or_notify_cancel()`), for code implementing executors.
 *
 * @param f the future.
 * @param proceed receives 1 if the future is now running (run the call),
 *        0 if it was cancelled (do not run it).
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the future is already running or
 *         done, or was already notified of its cancellation;
 *         `WEFT_EINVAL` for a bad handle or NULL @p proceed.
 */
WEFT_API weft_status weft_future_set_running_or_notify_cancel(weft_future *f, int *proceed);

/**
 * @brief Completes the future with a value (Python's `set_result()`).
 *
 * Wakes the waiters and runs the done callbacks in the calling thread.
 * @param f the future, pending or running.
 * @param value the value; NULL is a valid value.
 * @param free_value frees @p value when the future is destroyed; may be NULL.
 * @return `WEFT_OK`, the future owns @p value; `WEFT_INVALID_STATE` if the
 *         future is already done or cancelled; `WEFT_EINVAL` for a bad
 *         handle. On failure the caller keeps @p value.
 */
WEFT_API weft_status weft_future_set_result(weft_future *f, void *value, weft_free_fn free_value);

/**
 * @brief Completes the future with a failure (Python's `set_exception()`).
 *
 * @param f the future, pending or running.
 * @param code the failure's status; `WEFT_OK` is turned into `WEFT_FAILED`.
 * @param message a description, copied; may be NULL.
 * @param payload an object of the caller's (a binding's exception); may be NULL.
 * @param free_payload frees @p payload when the future is destroyed; may be NULL.
 * @return `WEFT_OK`, the future owns @p payload; `WEFT_INVALID_STATE` if the
 *         future is already done or cancelled; `WEFT_EINVAL` for a bad
 *         handle; `WEFT_NOMEM`. On failure the caller keeps @p payload.
 */
WEFT_API weft_status weft_future_set_exception(weft_future *f, weft_status code, const char *message,
                                               void *payload, weft_free_fn free_payload);

/* ---- module functions -------------------------------------------------- */

/**
 * @brief Waits until some or all of the futures are done (Python's `wait()`).
 *
 * A future listed twice counts once. Unlike Python, a cancelled future
 * counts as done at once, not only after its executor noticed the
 * cancellation (see the guide).
 * @param fs the futures; may be NULL when @p n is 0.
 * @param n how many.
 * @param return_when #WEFT_FIRST_COMPLETED, #WEFT_FIRST_EXCEPTION or
 *        #WEFT_ALL_COMPLETED.
 * @param timeout seconds to wait; negative waits forever, 0 does not block.
 *        Running out of time is not an error, as in Python: the flags say
 *        what is done.
 * @param done receives, for each `fs[i]`, 1 if done and 0 if not (Python's
 *        `done` and `not_done` sets); may be NULL.
 * @param n_done receives how many entries of @p fs are done; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle in @p fs, a bad
 *         @p return_when or a NaN timeout; `WEFT_OVERFLOW`; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_futures_wait(weft_future *const *fs, size_t n, int return_when, double timeout,
                                       unsigned char *done, size_t *n_done);

/**
 * @brief Starts iterating over futures as they complete (Python's `as_completed()`).
 *
 * Futures already done come first, in the order of @p fs; the others come as
 * they finish or are cancelled. A future listed twice is yielded once. The
 * iterator holds a reference on every future until it is freed.
 * @param out receives the iterator; free it with weft_as_completed_free().
 * @param fs the futures; may be NULL when @p n is 0.
 * @param n how many.
 * @param timeout total seconds, counted from this call, that
 *        weft_as_completed_next() may wait; negative waits forever.
 * @return `WEFT_OK`; `WEFT_EINVAL` for NULL @p out, a bad handle in @p fs
 *         or a NaN timeout; `WEFT_OVERFLOW`; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_as_completed_new(weft_as_completed **out, weft_future *const *fs, size_t n,
                                           double timeout);

/**
 * @brief Yields the next completed future.
 *
 * As with Python's generator, after a timeout the iteration is over: later
 * calls give `WEFT_EOF`. Use the iterator from one thread at a time.
 * @param it the iterator.
 * @param borrowed receives the future, borrowed: valid while the iterator
 *        lives (the parameter's name marks a borrowed result for the
 *        bindings).
 * @return `WEFT_OK`; `WEFT_EOF` when every future was yielded (or after a
 *         timeout); `WEFT_TIMEOUT` when the total timeout passed first (the
 *         message says how many are unfinished); `WEFT_EINVAL` for a bad
 *         handle or NULL @p borrowed.
 */
WEFT_API weft_status weft_as_completed_next(weft_as_completed *it, weft_future **borrowed);

/**
 * @brief Frees an as_completed iterator and its references on the futures.
 * @param it the iterator; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_as_completed_free(weft_as_completed *it);

/* ---- executor options -------------------------------------------------- */

/**
 * @brief Creates an options object with Python's defaults.
 * @param out receives the options; free them with weft_executor_opts_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_executor_opts_new(weft_executor_opts **out);

/**
 * @brief Frees an options object; executors made from it are not affected.
 * @param opts the options; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_executor_opts_free(weft_executor_opts *opts);

/**
 * @brief Sets the largest number of worker threads (`max_workers`).
 *
 * Without it the default is Python's: min(32, number of usable CPUs + 4).
 * @param opts the options.
 * @param max_workers at least 1.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or 0 (Python's
 *         ValueError "max_workers must be greater than 0").
 */
WEFT_API weft_status weft_executor_opts_set_max_workers(weft_executor_opts *opts, size_t max_workers);

/**
 * @brief Sets the prefix of the workers' names (`thread_name_prefix`).
 *
 * Workers are named "<prefix>_<n>", n counting from 0; without a prefix it
 * is "ThreadPoolExecutor-<k>" with k counting executors, as in Python.
 * @param opts the options.
 * @param prefix the prefix, copied; NULL or "" restores the default.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_executor_opts_set_thread_name_prefix(weft_executor_opts *opts, const char *prefix);

/**
 * @brief Sets a callable each worker runs when it starts (`initializer`, `initargs`).
 *
 * If it reports a failure, the failure is reported as a failing done
 * callback is (excepthook or stderr, "Exception in initializer") and the
 * pool becomes broken: pending tasks fail with `WEFT_BROKEN_THREAD_POOL`,
 * and so do later submissions.
 * @param opts the options.
 * @param fn the initializer; NULL removes it.
 * @param arg its argument, shared by every worker of every executor made
 *        from these options.
 * @param free_arg frees @p arg once the options and all those executors are
 *        freed; may be NULL.
 * @return `WEFT_OK`, the options own @p arg; `WEFT_EINVAL` for a bad handle;
 *         `WEFT_NOMEM` (the caller keeps @p arg).
 */
WEFT_API weft_status weft_executor_opts_set_initializer(weft_executor_opts *opts, weft_fn fn, void *arg,
                                                        weft_free_fn free_arg);

/* ---- executors --------------------------------------------------------- */

/**
 * @brief Creates a thread pool executor (Python's `ThreadPoolExecutor`).
 *
 * Workers are weft threads (so thread start and end hooks run in them),
 * started on demand: a submission starts a new worker only when no worker
 * is idle and fewer than `max_workers` exist. They are daemon threads, so a
 * program that never shuts its pool down can still exit. A task runs in
 * whatever context its worker thread has.
 * @param out receives the executor; free it with weft_executor_free().
 * @param opts the options, copied; NULL for the defaults.
 * @return `WEFT_OK`; `WEFT_EINVAL` for NULL @p out or a bad @p opts;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_thread_pool_executor_new(weft_executor **out, const weft_executor_opts *opts);

/**
 * @brief Schedules `fn(arg, outcome)` and returns its future (Python's `submit()`).
 *
 * @param ex the executor.
 * @param fn the callable.
 * @param arg its argument.
 * @param free_arg frees @p arg once, after the call or when it is cancelled
 *        or never runs; may be NULL.
 * @param out receives the future (the caller owns one reference); may be
 *        NULL when the result is not wanted.
 * @return `WEFT_OK`, the executor owns @p arg; `WEFT_RUNTIME` after
 *         weft_executor_shutdown() (Python's RuntimeError "cannot schedule
 *         new futures after shutdown"); `WEFT_BROKEN_THREAD_POOL` when an
 *         initializer failed; `WEFT_EINVAL` for a bad handle or NULL @p fn;
 *         `WEFT_NOMEM`; `WEFT_OS` if no worker could be started. On failure
 *         the caller keeps @p arg.
 */
WEFT_API weft_status weft_executor_submit(weft_executor *ex, weft_fn fn, void *arg, weft_free_fn free_arg,
                                          weft_future **out);

/**
 * @brief Calls `fn` on each argument asynchronously and iterates over the
 *        results in order (Python's `map()`).
 *
 * All calls are submitted at once. Each weft_map_iter_next() waits for the
 * next result within the total @p timeout counted from this call; freeing the
 * iterator early cancels the calls not yet started.
 * @param ex the executor.
 * @param fn the callable.
 * @param args the arguments; may be NULL when @p n is 0.
 * @param n how many.
 * @param free_arg frees each argument once; may be NULL.
 * @param timeout total seconds for the iteration; negative waits forever.
 * @param chunksize how many calls go to a worker at once; thread pools
 *        ignore it, as Python does; 0 means 1.
 * @param out receives the iterator; free it with weft_map_iter_free().
 * @return `WEFT_OK`; `WEFT_RUNTIME` after shutdown;
 *         `WEFT_BROKEN_THREAD_POOL`; `WEFT_EINVAL` for a bad handle, NULL
 *         @p fn, @p out or @p args, or a NaN timeout; `WEFT_OVERFLOW`;
 *         `WEFT_NOMEM`. The executor takes every argument in all cases:
 *         on failure, the calls already submitted are cancelled and every
 *         argument not run is freed with @p free_arg.
 */
WEFT_API weft_status weft_executor_map(weft_executor *ex, weft_fn fn, void *const *args, size_t n,
                                       weft_free_fn free_arg, double timeout, size_t chunksize,
                                       weft_map_iter **out);

/**
 * @brief Waits for the next result of weft_executor_map(), in order.
 *
 * A failure ends the iteration as a raised exception ends Python's
 * generator: the calls not yet started are cancelled and later calls give
 * `WEFT_EOF`.
 * @param it the iterator.
 * @param value receives the value, borrowed: valid until the next call on
 *        @p it or its freeing; may be NULL.
 * @return `WEFT_OK`; `WEFT_EOF` after the last result; `WEFT_TIMEOUT` when
 *         the total timeout passed; `WEFT_CANCELLED` if the call was
 *         cancelled; the call's own status (message in weft_errmsg()) if it
 *         failed; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_map_iter_next(weft_map_iter *it, void **value);

/**
 * @brief Frees a map iterator, cancelling the calls not yet started.
 * @param it the iterator; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_map_iter_free(weft_map_iter *it);

/**
 * @brief Stops accepting work and releases the workers when the queue is
 *        done (Python's `shutdown()`).
 *
 * Calling it more than once is allowed.
 * @param ex the executor.
 * @param wait non-zero to wait until every pending call ran and the workers
 *        exited (a worker calling it does not wait for itself).
 * @param cancel_futures non-zero to cancel the calls not yet started (their
 *        arguments are freed now).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_executor_shutdown(weft_executor *ex, int wait, int cancel_futures);

/**
 * @brief Shuts the executor down, waiting for pending calls (as leaving
 *        Python's `with` block does), and drops the caller's handle.
 * @param ex the executor; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or freed handle.
 */
WEFT_API weft_status weft_executor_free(weft_executor *ex);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_FUTURES_H */
