/**
 * @file weft/sync.h
 * @brief Locks, re-entrant locks, conditions, semaphores, events and barriers
 *        (Python's `threading` synchronisation primitives).
 *
 * Each primitive behaves as its Python namesake: a #weft_lock may be released
 * by any thread, a #weft_rlock only by its owner, a #weft_condition keeps
 * waiters in arrival order and wakes exactly as many as notified, a bounded
 * semaphore refuses a release above its initial value, and a #weft_barrier
 * goes through the same filling, draining, resetting and broken states.
 *
 * Every blocking call takes `double timeout` in seconds: negative waits
 * forever, 0 tries once without blocking, a positive value is a deadline on
 * the monotonic clock that spurious wake-ups and signals do not stretch.
 * NaN gives `WEFT_EINVAL` and a value above #WEFT_TIMEOUT_MAX gives
 * `WEFT_OVERFLOW`, before anything else happens.
 *
 * Python's `with lock:` is an acquire with a negative timeout followed by a
 * release on every path out of the block.
 */
#ifndef WEFT_SYNC_H
#define WEFT_SYNC_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Lock ------------------------------------------------------------------ */

/**
 * @brief A lock, as Python's `threading.Lock`: not owned by a thread, so any
 *        thread may release it.
 *
 * Acquiring a free lock is one atomic compare-and-swap and releasing it a
 * plain store, with no system call; a thread that has to wait spins
 * briefly, then sleeps on a futex.
 */
typedef struct weft_lock weft_lock;

/**
 * @brief Creates an unlocked lock.
 * @param out receives the new lock; the caller frees it with weft_lock_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_lock_new(weft_lock **out);

/**
 * @brief Drops the caller's reference to a lock.
 *
 * A condition made with weft_condition_new_with_lock() keeps its own
 * reference, so the lock lives on while the condition does.
 * @param lock the lock; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p lock is not a live lock handle.
 */
WEFT_API weft_status weft_lock_free(weft_lock *lock);

/**
 * @brief Acquires the lock, as `Lock.acquire(timeout=...)`.
 * @param lock the lock.
 * @param timeout seconds to wait: negative waits forever, 0 tries once.
 * @return `WEFT_OK` when the caller now holds the lock; `WEFT_TIMEOUT` when
 *         it could not be taken in time (Python's `False`); `WEFT_EINVAL` for
 *         a bad handle or a NaN timeout; `WEFT_OVERFLOW` for a timeout above
 *         #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_lock_acquire(weft_lock *lock, double timeout);

/**
 * @brief Releases the lock, as `Lock.release()`; any thread may release it.
 *
 * One thread waiting in weft_lock_acquire(), if any, is woken.
 * @param lock the lock.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the lock was not locked (it stays
 *         unlocked); `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_lock_release(weft_lock *lock);

/**
 * @brief Tells whether the lock is held by some thread, as `Lock.locked()`.
 * @param lock the lock.
 * @param out receives 1 if locked, 0 if not.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_lock_locked(weft_lock *lock, int *out);

/* ---- RLock ----------------------------------------------------------------- */

/**
 * @brief A re-entrant lock, as Python's `threading.RLock`: owned by the thread
 *        that acquired it, which may acquire it again; it is free once every
 *        acquire has been matched by a release.
 */
typedef struct weft_rlock weft_rlock;

/**
 * @brief Creates an unlocked re-entrant lock.
 * @param out receives the new lock; the caller frees it with weft_rlock_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_rlock_new(weft_rlock **out);

/**
 * @brief Drops the caller's reference to a re-entrant lock.
 * @param rlock the lock; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p rlock is not a live handle.
 */
WEFT_API weft_status weft_rlock_free(weft_rlock *rlock);

/**
 * @brief Acquires the lock, or acquires it once more if the caller owns it,
 *        as `RLock.acquire(timeout=...)`.
 * @param rlock the lock.
 * @param timeout seconds to wait: negative waits forever, 0 tries once. An
 *        owner's nested acquire never waits.
 * @return `WEFT_OK`; `WEFT_TIMEOUT` when another thread kept it; `WEFT_EINVAL`
 *         for a bad handle or a NaN timeout; `WEFT_OVERFLOW` for a timeout
 *         above #WEFT_TIMEOUT_MAX or when the recursion count would overflow.
 */
WEFT_API weft_status weft_rlock_acquire(weft_rlock *rlock, double timeout);

/**
 * @brief Undoes one acquire, as `RLock.release()`; the last one frees the lock
 *        and wakes one waiting thread.
 * @param rlock the lock.
 * @return `WEFT_OK`; `WEFT_NOT_OWNER` if the calling thread does not own the
 *         lock (including when nobody does); `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_rlock_release(weft_rlock *rlock);

/* ---- Condition ------------------------------------------------------------- */

/**
 * @brief A condition variable, as Python's `threading.Condition`, over a
 *        #weft_lock or a #weft_rlock.
 *
 * Waiters queue in arrival order; weft_condition_notify() wakes the oldest
 * @p n of them, and a waiter that was notified always reports `WEFT_OK`, even
 * if its timeout ran out at the same moment, so no notification is lost.
 */
typedef struct weft_condition weft_condition;

/**
 * @brief Creates a condition over a new re-entrant lock of its own, as
 *        `Condition()`.
 * @param out receives the condition; the caller frees it with
 *        weft_condition_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_condition_new(weft_condition **out);

/**
 * @brief Creates a condition over an existing lock, as `Condition(lock)`.
 *
 * The condition takes its own reference to @p lock, which the caller may
 * free at any time. With a plain lock, "the caller holds the lock" means
 * "the lock is locked", as in Python.
 * @param out receives the condition.
 * @param lock the lock to wrap.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL or @p lock is not a live
 *         lock handle; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_condition_new_with_lock(weft_condition **out, weft_lock *lock);

/**
 * @brief Creates a condition over an existing re-entrant lock, as
 *        `Condition(rlock)`.
 *
 * The condition takes its own reference to @p rlock. Waiting releases the
 * lock completely, however many times the caller had acquired it, and
 * restores the same recursion count before returning.
 * @param out receives the condition.
 * @param rlock the re-entrant lock to wrap.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL or @p rlock is not a live
 *         re-entrant lock handle; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_condition_new_with_rlock(weft_condition **out, weft_rlock *rlock);

/**
 * @brief Drops the caller's reference to a condition (and the condition's
 *        reference to its lock).
 *
 * No thread may still be waiting on it.
 * @param cond the condition; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p cond is not a live condition handle.
 */
WEFT_API weft_status weft_condition_free(weft_condition *cond);

/**
 * @brief Acquires the condition's lock, as `Condition.acquire(timeout=...)`.
 * @param cond the condition.
 * @param timeout seconds to wait: negative waits forever, 0 tries once.
 * @return what weft_lock_acquire() or weft_rlock_acquire() returns for the
 *         underlying lock; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_condition_acquire(weft_condition *cond, double timeout);

/**
 * @brief Releases the condition's lock, as `Condition.release()`.
 * @param cond the condition.
 * @return what weft_lock_release() or weft_rlock_release() returns for the
 *         underlying lock; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_condition_release(weft_condition *cond);

/**
 * @brief Releases the lock, waits to be notified, re-acquires the lock, as
 *        `Condition.wait(timeout)`.
 *
 * The lock is held again when the call returns `WEFT_OK` or `WEFT_TIMEOUT`
 * (re-acquiring it is not limited by @p timeout, as in Python).
 * @param cond the condition.
 * @param timeout seconds to wait for a notification: negative waits forever,
 *        0 releases the lock, takes a notification only if one is already due
 *        (none can be), and re-acquires.
 * @return `WEFT_OK` when notified; `WEFT_TIMEOUT` when the time ran out
 *         (Python's `False`); `WEFT_RUNTIME` if the caller does not hold the
 *         lock; `WEFT_EINVAL` for a bad handle or a NaN timeout;
 *         `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_condition_wait(weft_condition *cond, double timeout);

/**
 * @brief Waits until a predicate holds, as `Condition.wait_for(predicate,
 *        timeout)`.
 *
 * Calls `pred(arg)` with the lock held; while it returns 0, waits for a
 * notification and calls it again, until the overall @p timeout runs out.
 * @param cond the condition.
 * @param pred the predicate; must not be NULL.
 * @param arg passed to @p pred.
 * @param timeout seconds in total: negative waits forever, 0 evaluates the
 *        predicate once (after one non-blocking wait if it was false).
 * @param result receives the predicate's last value (Python's return value);
 *        may be NULL.
 * @return `WEFT_OK` when the predicate held; `WEFT_TIMEOUT` when the time ran
 *         out with the predicate false (the binding's `False`);
 *         `WEFT_RUNTIME` if the predicate was false and the caller does not
 *         hold the lock; `WEFT_EINVAL` for a bad handle, a NULL @p pred or a
 *         NaN timeout; `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_condition_wait_for(weft_condition *cond, weft_pred_fn pred, void *arg, double timeout,
                                             int *result);

/**
 * @brief Wakes the @p n longest-waiting threads, as `Condition.notify(n)`.
 * @param cond the condition.
 * @param n how many waiters to wake; fewer are woken if fewer wait, 0 wakes
 *        none.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the caller does not hold the lock;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_condition_notify(weft_condition *cond, size_t n);

/**
 * @brief Wakes every waiting thread, as `Condition.notify_all()`.
 * @param cond the condition.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the caller does not hold the lock;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_condition_notify_all(weft_condition *cond);

/* ---- Semaphore ------------------------------------------------------------- */

/**
 * @brief A counting semaphore, as Python's `threading.Semaphore`, or a
 *        bounded one, as `threading.BoundedSemaphore`.
 */
typedef struct weft_semaphore weft_semaphore;

/** @brief The largest value a semaphore can hold. */
#define WEFT_SEMAPHORE_VALUE_MAX 4294967295u

/**
 * @brief Creates a semaphore with an initial value, as `Semaphore(value)`.
 * @param out receives the semaphore; the caller frees it with
 *        weft_semaphore_free().
 * @param value the initial value.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_OVERFLOW` if
 *         @p value is above #WEFT_SEMAPHORE_VALUE_MAX; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_semaphore_new(weft_semaphore **out, size_t value);

/**
 * @brief Creates a bounded semaphore, as `BoundedSemaphore(value)`: a release
 *        that would raise the value above @p value fails.
 * @param out receives the semaphore; the caller frees it with
 *        weft_semaphore_free().
 * @param value the initial value, which is also the bound.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_OVERFLOW` if
 *         @p value is above #WEFT_SEMAPHORE_VALUE_MAX; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_semaphore_new_bounded(weft_semaphore **out, size_t value);

/**
 * @brief Drops the caller's reference to a semaphore.
 * @param sem the semaphore; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p sem is not a live semaphore handle.
 */
WEFT_API weft_status weft_semaphore_free(weft_semaphore *sem);

/**
 * @brief Decrements the value, waiting while it is zero, as
 *        `Semaphore.acquire(timeout=...)`.
 * @param sem the semaphore.
 * @param timeout seconds to wait: negative waits forever, 0 tries once.
 * @return `WEFT_OK` when the value was decremented; `WEFT_TIMEOUT` when it
 *         stayed zero (Python's `False`); `WEFT_EINVAL` for a bad handle or a
 *         NaN timeout; `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_semaphore_acquire(weft_semaphore *sem, double timeout);

/**
 * @brief Adds @p n to the value and wakes up to @p n waiters, as
 *        `Semaphore.release(n)`.
 * @param sem the semaphore.
 * @param n how much to add; at least 1.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, @p n of 0, or (bounded
 *         semaphore, Python's `ValueError`) a release that would exceed the
 *         initial value, in which case the value is unchanged;
 *         `WEFT_OVERFLOW` if the value would exceed #WEFT_SEMAPHORE_VALUE_MAX
 *         (value unchanged).
 */
WEFT_API weft_status weft_semaphore_release(weft_semaphore *sem, size_t n);

/**
 * @brief The semaphore's current value: the permits an acquire would find
 *        (Python's `Semaphore._value`, shown by its repr).
 *
 * The value may change as soon as it is read; it is for reports, not for
 * deciding whether an acquire will block.
 * @param sem the semaphore.
 * @param out receives the value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 * @since 1.1
 */
WEFT_API weft_status weft_semaphore_value(weft_semaphore *sem, size_t *out);

/* ---- Event ----------------------------------------------------------------- */

/**
 * @brief An event flag, as Python's `threading.Event`.
 *
 * A waiter that was blocked when weft_event_set() ran returns `WEFT_OK` even
 * if weft_event_clear() follows at once, as in Python.
 */
typedef struct weft_event weft_event;

/**
 * @brief Creates an event whose flag is clear.
 * @param out receives the event; the caller frees it with weft_event_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_event_new(weft_event **out);

/**
 * @brief Drops the caller's reference to an event.
 * @param event the event; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p event is not a live event handle.
 */
WEFT_API weft_status weft_event_free(weft_event *event);

/**
 * @brief Reads the flag, as `Event.is_set()`.
 * @param event the event.
 * @param out receives 1 if set, 0 if clear.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_event_is_set(weft_event *event, int *out);

/**
 * @brief Sets the flag and wakes every waiter, as `Event.set()`.
 * @param event the event.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_event_set(weft_event *event);

/**
 * @brief Clears the flag, as `Event.clear()`.
 * @param event the event.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_event_clear(weft_event *event);

/**
 * @brief Waits until the flag is set, as `Event.wait(timeout)`.
 * @param event the event.
 * @param timeout seconds to wait: negative waits forever, 0 only looks.
 * @return `WEFT_OK` when the flag was set (Python's `True`); `WEFT_TIMEOUT`
 *         otherwise (Python's `False`); `WEFT_EINVAL` for a bad handle or a
 *         NaN timeout; `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_event_wait(weft_event *event, double timeout);

/* ---- Barrier --------------------------------------------------------------- */

/**
 * @brief A reusable barrier for a fixed number of threads, as Python's
 *        `threading.Barrier`.
 *
 * `WEFT_BROKEN` stands for `BrokenBarrierError`.
 */
typedef struct weft_barrier weft_barrier;

/**
 * @brief Creates a barrier, as `Barrier(parties, action, timeout)`.
 *
 * @param out receives the barrier; the caller frees it with
 *        weft_barrier_free().
 * @param parties how many threads must call weft_barrier_wait(); at least 1.
 * @param action called as `action(arg, outcome)` by the last thread to arrive,
 *        before any of them is released; may be NULL. If it reports a failure
 *        the barrier breaks: that thread's weft_barrier_wait() returns the
 *        failure's status and message, the others `WEFT_BROKEN`.
 * @param arg passed to @p action.
 * @param free_arg called once on @p arg when the barrier is destroyed; may be
 *        NULL. If this call fails the caller keeps @p arg.
 * @param default_timeout the timeout weft_barrier_wait() uses when given a
 *        negative one; negative means none (wait forever).
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL, @p parties is 0 or
 *         @p default_timeout is NaN; `WEFT_OVERFLOW` if @p default_timeout
 *         is above #WEFT_TIMEOUT_MAX; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_barrier_new(weft_barrier **out, size_t parties, weft_fn action, void *arg,
                                      weft_free_fn free_arg, double default_timeout);

/**
 * @brief Drops the caller's reference to a barrier; the last reference
 *        releases the action's argument.
 *
 * No thread may still be waiting on it.
 * @param barrier the barrier; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p barrier is not a live barrier handle.
 */
WEFT_API weft_status weft_barrier_free(weft_barrier *barrier);

/**
 * @brief Waits until all parties have arrived, as `Barrier.wait(timeout)`.
 *
 * A thread that arrives while the previous round's threads are still leaving
 * (or while a reset is in progress) first waits for them, then joins the
 * next round. If the time runs out the barrier breaks, as in Python.
 * @param barrier the barrier.
 * @param timeout seconds to wait; negative (Python's `None`) uses the
 *        barrier's default timeout.
 * @param index receives this thread's arrival index in its round, 0 for
 *        the first to arrive to parties-1 for the last (Python's `wait()`
 *        return value); may be NULL.
 * @return `WEFT_OK`; `WEFT_BROKEN` if the barrier is or becomes broken, is
 *         aborted, is reset while the caller waits, or the caller's time runs
 *         out; the action's failure status for the thread that ran a failing
 *         action; `WEFT_EINVAL` for a bad handle or a NaN timeout;
 *         `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_barrier_wait(weft_barrier *barrier, double timeout, size_t *index);

/**
 * @brief Returns the barrier to its empty, unbroken state, as
 *        `Barrier.reset()`; threads waiting in it get `WEFT_BROKEN`.
 * @param barrier the barrier.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_barrier_reset(weft_barrier *barrier);

/**
 * @brief Breaks the barrier, as `Barrier.abort()`: current and future waiters
 *        get `WEFT_BROKEN` until weft_barrier_reset().
 * @param barrier the barrier.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_barrier_abort(weft_barrier *barrier);

/**
 * @brief The number of threads needed to pass, as `Barrier.parties`.
 * @param barrier the barrier.
 * @param out receives the number.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_barrier_parties(weft_barrier *barrier, size_t *out);

/**
 * @brief The number of threads currently waiting for the round to fill, as
 *        `Barrier.n_waiting` (0 while draining, resetting or broken).
 * @param barrier the barrier.
 * @param out receives the number.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_barrier_n_waiting(weft_barrier *barrier, size_t *out);

/**
 * @brief Tells whether the barrier is broken, as `Barrier.broken`.
 * @param barrier the barrier.
 * @param out receives 1 if broken, 0 if not.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_barrier_broken(weft_barrier *barrier, int *out);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_SYNC_H */
