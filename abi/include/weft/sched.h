/**
 * @file weft/sched.h
 * @brief The event scheduler (Python's `sched`).
 *
 * A #weft_scheduler keeps events ordered by (time, priority, sequence):
 * earlier times first, then lower priorities, then the order in which they
 * were entered. weft_scheduler_run() pops each event when its time has come
 * and calls its action. The scheduler is safe to use from several threads:
 * a lock guards the queue and is never held while an action runs, while the
 * clock is read or while the scheduler waits for the next event.
 *
 * Events are reference-counted handles. The scheduler holds a reference to
 * each queued event; weft_scheduler_enterabs() and weft_scheduler_enter()
 * hand the caller one more reference when asked to (release it with
 * weft_sched_event_free()). An event's argument is released exactly once:
 * after its action ran, when it is cancelled, or when the scheduler is freed
 * with the event still queued.
 */
#ifndef WEFT_SCHED_H
#define WEFT_SCHED_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief An event scheduler, Python's `sched.scheduler`. */
typedef struct weft_scheduler weft_scheduler;

/** @brief A scheduled event, the C form of Python's `sched.Event`. */
typedef struct weft_sched_event weft_sched_event;

/**
 * @brief The scheduler's clock, Python's `timefunc`.
 * @param arg the `clock_arg` given to weft_scheduler_new().
 * @return the current time in seconds, in whatever units the events use.
 */
typedef double (*weft_sched_timefunc)(void *arg);

/**
 * @brief The scheduler's wait, Python's `delayfunc`.
 *
 * Called with the number of time units until the next event, and with 0
 * after every action so that other threads get a chance to run.
 * @param arg the `clock_arg` given to weft_scheduler_new().
 * @param seconds how long to wait, in the units of the time function.
 */
typedef void (*weft_sched_delayfunc)(void *arg, double seconds);

/**
 * @brief Creates a scheduler, as `sched.scheduler(timefunc, delayfunc)`.
 *
 * With @p timefunc NULL the clock is the monotonic clock in seconds (Python's
 * default `time.monotonic`). With @p delayfunc NULL the scheduler waits on a
 * condition variable for the given number of seconds of real time; unlike
 * Python's `time.sleep`, that wait is woken when another thread enters or
 * cancels an event, so an earlier event entered meanwhile runs at its time.
 * A custom @p delayfunc cannot be woken: as in Python, an event entered
 * during its wait runs when it returns.
 *
 * @param out receives the scheduler; free it with weft_scheduler_free().
 * @param timefunc the clock, or NULL for the monotonic clock.
 * @param delayfunc the wait, or NULL for the default wakeable wait.
 * @param clock_arg passed to @p timefunc and @p delayfunc; the caller keeps
 *        it alive as long as the scheduler.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`;
 *         `WEFT_OS` if the lock or condition variable cannot be made.
 */
WEFT_API weft_status weft_scheduler_new(weft_scheduler **out, weft_sched_timefunc timefunc,
                                        weft_sched_delayfunc delayfunc, void *clock_arg);

/**
 * @brief Drops the caller's reference to a scheduler.
 *
 * When the last reference goes (a running weft_scheduler_run() holds one),
 * the arguments of the events still queued are released without running
 * their actions, and the scheduler's references to them are dropped. Event
 * handles the caller kept stay valid (their getters still work).
 * @param s the scheduler; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_scheduler_free(weft_scheduler *s);

/**
 * @brief Schedules an action at an absolute time, as `scheduler.enterabs`.
 *
 * @param s the scheduler.
 * @param time when to run, in the units of the time function; NaN is refused,
 *        infinities are accepted (an event at +inf runs only after a wait
 *        that never ends, so in practice only by cancelling it).
 * @param priority orders events with equal times: lower runs first.
 * @param fn the action; called as `fn(arg, outcome)`.
 * @param arg its argument.
 * @param free_arg releases @p arg once (after the run, on cancel, or when the
 *        scheduler is freed); may be NULL.
 * @param event receives a new reference to the event (free it with
 *        weft_sched_event_free()); may be NULL when the caller does not want it.
 * @return `WEFT_OK`, the scheduler owns @p arg; `WEFT_EINVAL` for a bad
 *         handle, a NULL @p fn or a NaN @p time; `WEFT_NOMEM`. On failure
 *         the caller still owns @p arg.
 */
WEFT_API weft_status weft_scheduler_enterabs(weft_scheduler *s, double time, int priority, weft_fn fn,
                                             void *arg, weft_free_fn free_arg, weft_sched_event **event);

/**
 * @brief Schedules an action after a delay, as `scheduler.enter`: the same as
 *        weft_scheduler_enterabs() at the time function's now plus @p delay.
 *
 * @param s the scheduler.
 * @param delay time units from now; NaN is refused.
 * @param priority orders events with equal times: lower runs first.
 * @param fn the action.
 * @param arg its argument.
 * @param free_arg releases @p arg once; may be NULL.
 * @param event receives a new reference to the event; may be NULL.
 * @return as weft_scheduler_enterabs().
 */
WEFT_API weft_status weft_scheduler_enter(weft_scheduler *s, double delay, int priority, weft_fn fn,
                                          void *arg, weft_free_fn free_arg, weft_sched_event **event);

/**
 * @brief Removes an event from the queue, as `scheduler.cancel`.
 *
 * The event's argument is released at once. The caller's reference to the
 * event stays valid and must still be freed.
 * @param s the scheduler.
 * @param event the event to remove.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, or when the event is not
 *         queued in @p s (it already ran, was cancelled, or belongs to
 *         another scheduler) — Python raises `ValueError` there too.
 */
WEFT_API weft_status weft_scheduler_cancel(weft_scheduler *s, weft_sched_event *event);

/**
 * @brief Whether the queue is empty, as `scheduler.empty`.
 * @param s the scheduler.
 * @param out receives 1 when no event is queued, 0 otherwise.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_scheduler_empty(weft_scheduler *s, int *out);

/**
 * @brief Runs the events whose time has come, as `scheduler.run(blocking)`.
 *
 * With @p blocking non-zero it waits for each event in turn and returns when
 * the queue is empty. With @p blocking zero it runs the events that are due
 * and returns at once, reporting in @p next_delay how long until the next
 * event (Python's return value).
 *
 * After each action the delay function is called with 0 (the default one
 * yields the processor), as Python does to let other threads run. An action
 * that reports a failure stops the run, as an exception propagates out of
 * Python's `run`: its status is returned with its message in weft_errmsg(),
 * and later events stay queued. Returned values are discarded.
 *
 * Several threads may run the same scheduler at once; each event runs once.
 * An action may enter, cancel and even run events of its own scheduler.
 *
 * @param s the scheduler.
 * @param blocking non-zero to wait until the queue is empty.
 * @param next_delay receives the time until the next event when a
 *        non-blocking run leaves events queued, or -1 when the queue is empty
 *        or the run was blocking (Python's `None`); may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; the failing action's
 *         status.
 */
WEFT_API weft_status weft_scheduler_run(weft_scheduler *s, int blocking, double *next_delay);

/**
 * @brief The queued events in the order they will run, as `scheduler.queue`.
 *
 * @param s the scheduler.
 * @param events receives an array of new event references (NULL when the
 *        queue is empty); release it with weft_sched_queue_free().
 * @param count receives the number of events.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL out-parameters;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_scheduler_queue(weft_scheduler *s, weft_sched_event ***events, size_t *count);

/**
 * @brief Releases an array from weft_scheduler_queue(): drops each event
 *        reference, then frees the array.
 * @param events the array; NULL is accepted.
 * @param count its length.
 */
WEFT_API void weft_sched_queue_free(weft_sched_event **events, size_t count);

/**
 * @brief Drops one reference to an event.
 * @param event the event; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_sched_event_free(weft_sched_event *event);

/**
 * @brief The event's time, `Event.time`.
 * @param event the event.
 * @param out receives the time.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_sched_event_time(weft_sched_event *event, double *out);

/**
 * @brief The event's priority, `Event.priority`.
 * @param event the event.
 * @param out receives the priority.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_sched_event_priority(weft_sched_event *event, int *out);

/**
 * @brief The event's sequence number, `Event.sequence`: its place among the
 *        events its scheduler received, which orders equal times and priorities.
 * @param event the event.
 * @param out receives the sequence number.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_sched_event_sequence(weft_sched_event *event, uint64_t *out);

/**
 * @brief Whether the event is still waiting in its scheduler's queue.
 * @param event the event.
 * @param out receives 1 while queued, 0 once it ran, was cancelled, or its
 *        scheduler was freed.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_sched_event_queued(weft_sched_event *event, int *out);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_SCHED_H */
