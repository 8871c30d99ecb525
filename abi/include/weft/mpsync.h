/**
 * @file weft/mpsync.h
 * @brief Process-shared locks, re-entrant locks, semaphores, conditions,
 *        events and barriers (Python's `multiprocessing` synchronisation
 *        primitives), whose holder's death is reported, never a deadlock.
 *
 * Each primitive behaves as its namesake in weft/sync.h, across processes:
 * a #weft_mp_lock may be released by any thread of any process, a
 * #weft_mp_rlock only by the thread that owns it, and so on. Timeouts are as
 * everywhere in weft: negative waits forever, 0 tries once, NaN gives
 * `WEFT_EINVAL` and a value above #WEFT_TIMEOUT_MAX `WEFT_OVERFLOW`; with
 * weft_threading_set_interruptible() on, a signal ends a wait with
 * `WEFT_INTERRUPTED`.
 *
 * **Where the state lives.** A primitive is a process-local handle over
 * state in shared memory, placed in one of two ways:
 * - `weft_mp_<prim>_new()` puts it in weft's own arena of shared anonymous
 *   memory: a handle made before `fork()` works in the parent and the child
 *   alike, as Python's primitives do under the fork start method;
 * - `weft_mp_<prim>_size()` and `weft_mp_<prim>_new_at()` put it in memory
 *   the caller shares (a `shm_open` segment, a shared file mapping), and
 *   other processes, related or not, use it with `weft_mp_<prim>_attach()`.
 *
 * **A holder's death.** CPython's primitives are POSIX semaphores, which
 * remember no holder: a process that dies holding a Lock leaves every later
 * acquirer waiting. Here a lock names its holding process (pid and start
 * time, so a reused pid is not mistaken for it); a process that must wait
 * first makes sure the holder is alive and has it watched, and when the
 * holder dies the waiters are woken and the next acquirer gets the lock
 * with `WEFT_OWNER_DIED` (Python binding: `multiprocessing.ProcessError`).
 * The lock is then *inconsistent*: every acquire reports `WEFT_OWNER_DIED`
 * (with the lock acquired) until a holder that has repaired what the dead
 * process left calls `weft_mp_<prim>_consistent()`. A Condition's waiters
 * are woken with `WEFT_OWNER_DIED` when its lock's holder is found dead, and
 * a party that dies while waiting at a Barrier breaks it (`WEFT_BROKEN` for
 * everyone). Semaphores and events have no holder: a process that dies with
 * permits of a semaphore takes them with it, as in Python.
 *
 * A holder is a process, not a thread: a thread may end while its process
 * holds a Lock, as in Python; only an RLock has an owning thread, and a
 * thread that ends owning one leaves it owned until its process dies.
 */
#ifndef WEFT_MPSYNC_H
#define WEFT_MPSYNC_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Lock ------------------------------------------------------------------ */

/**
 * @brief A process-shared lock, as Python's `multiprocessing.Lock`: any
 *        thread of any process may release it.
 *
 * Acquiring a free lock is one atomic compare-and-swap, releasing it one
 * more, with no system call; waiters sleep on a futex shared by the
 * processes.
 */
typedef struct weft_mp_lock weft_mp_lock;

/**
 * @brief Creates an unlocked lock in weft's shared arena, as
 *        `multiprocessing.Lock()`; a child made by `fork()` after this shares it.
 * @param out receives the lock; the caller frees it with weft_mp_lock_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`; `WEFT_OS`
 *         if no shared memory could be mapped.
 */
WEFT_API weft_status weft_mp_lock_new(weft_mp_lock **out);

/**
 * @brief The bytes a lock needs in memory the caller shares, for
 *        weft_mp_lock_new_at().
 * @param out receives the size.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL.
 */
WEFT_API weft_status weft_mp_lock_size(size_t *out);

/**
 * @brief Initialises a lock in memory the caller shares with other
 *        processes (a `shm_open` segment, a shared file mapping).
 *
 * The state holds no pointers, so each process may map @p mem at any
 * address; other processes use it through weft_mp_lock_attach(). The memory
 * stays the caller's: weft_mp_lock_free() never releases it, and it must
 * stay mapped while any handle on it is used.
 * @param out receives the handle; the caller frees it with weft_mp_lock_free().
 * @param mem where the state goes; 8-byte aligned, zeroed here.
 * @param size the bytes at @p mem; at least what weft_mp_lock_size() says.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, @p mem is
 *         misaligned or @p size too small; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_lock_new_at(weft_mp_lock **out, void *mem, size_t size);

/**
 * @brief Uses a lock that another process initialised with
 *        weft_mp_lock_new_at() in memory this process maps too.
 * @param out receives the handle; the caller frees it with weft_mp_lock_free(),
 *        which leaves the shared state alone.
 * @param mem the state, as mapped in this process (8-byte aligned).
 * @param size the bytes mapped at @p mem.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, or @p mem
 *         does not hold an initialised lock of this library's version
 *         (bad magic, version, kind or size); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_lock_attach(weft_mp_lock **out, void *mem, size_t size);

/**
 * @brief Drops the caller's handle on a lock.
 *
 * State in weft's arena is given back once no handle in any process uses
 * it; state in the caller's memory (weft_mp_lock_new_at(),
 * weft_mp_lock_attach()) is left as it is.
 * @param lock the handle; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p lock is not a live handle of this type.
 */
WEFT_API weft_status weft_mp_lock_free(weft_mp_lock *lock);

/**
 * @brief Acquires the lock, as `Lock.acquire(block, timeout)`.
 * @param lock the lock.
 * @param timeout seconds to wait: negative waits forever, 0 tries once.
 * @return `WEFT_OK` when the caller now holds the lock; `WEFT_OWNER_DIED`
 *         when the caller now holds it but a holder died holding it (now or
 *         earlier) and nobody has called weft_mp_lock_consistent() since;
 *         `WEFT_TIMEOUT` when it could not be taken in time; `WEFT_INTERRUPTED`;
 *         `WEFT_EINVAL` for a bad handle or a NaN timeout; `WEFT_OVERFLOW`
 *         for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_mp_lock_acquire(weft_mp_lock *lock, double timeout);

/**
 * @brief Releases the lock, as `Lock.release()`; any thread of any process
 *        may release it. Processes waiting for it are woken.
 * @param lock the lock.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the lock was not locked (Python's
 *         `ValueError`; the lock stays unlocked); `WEFT_EINVAL` for a bad
 *         handle.
 */
WEFT_API weft_status weft_mp_lock_release(weft_mp_lock *lock);

/**
 * @brief Tells whether the lock is held, by a live process or by one that
 *        died holding it, as `Lock.locked()`.
 * @param lock the lock.
 * @param out receives 1 if locked, 0 if not.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_mp_lock_locked(weft_mp_lock *lock, int *out);

/**
 * @brief Marks a lock whose previous holder died consistent again, as
 *        `pthread_mutex_consistent()`: acquires stop reporting
 *        `WEFT_OWNER_DIED`.
 *
 * Call it while holding the lock, once whatever it protects is repaired. A
 * lock that is already consistent stays so.
 * @param lock the lock.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the lock is not held; `WEFT_EINVAL`
 *         for a bad handle.
 */
WEFT_API weft_status weft_mp_lock_consistent(weft_mp_lock *lock);

/* ---- RLock ----------------------------------------------------------------- */

/**
 * @brief A process-shared re-entrant lock, as Python's
 *        `multiprocessing.RLock`: owned by one thread of one process, which
 *        may acquire it again.
 */
typedef struct weft_mp_rlock weft_mp_rlock;

/**
 * @brief Creates an unlocked re-entrant lock in weft's shared arena, as
 *        `multiprocessing.RLock()`.
 * @param out receives the lock; the caller frees it with weft_mp_rlock_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`; `WEFT_OS`
 *         if no shared memory could be mapped.
 */
WEFT_API weft_status weft_mp_rlock_new(weft_mp_rlock **out);

/**
 * @brief The bytes a re-entrant lock needs in memory the caller shares, for
 *        weft_mp_rlock_new_at().
 * @param out receives the size.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL.
 */
WEFT_API weft_status weft_mp_rlock_size(size_t *out);

/**
 * @brief Initialises a re-entrant lock in memory the caller shares with other
 *        processes (a `shm_open` segment, a shared file mapping).
 *
 * The state holds no pointers, so each process may map @p mem at any
 * address; other processes use it through weft_mp_rlock_attach(). The memory
 * stays the caller's: weft_mp_rlock_free() never releases it, and it must
 * stay mapped while any handle on it is used.
 * @param out receives the handle; the caller frees it with weft_mp_rlock_free().
 * @param mem where the state goes; 8-byte aligned, zeroed here.
 * @param size the bytes at @p mem; at least what weft_mp_rlock_size() says.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, @p mem is
 *         misaligned or @p size too small; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_rlock_new_at(weft_mp_rlock **out, void *mem, size_t size);

/**
 * @brief Uses a re-entrant lock that another process initialised with
 *        weft_mp_rlock_new_at() in memory this process maps too.
 * @param out receives the handle; the caller frees it with weft_mp_rlock_free(),
 *        which leaves the shared state alone.
 * @param mem the state, as mapped in this process (8-byte aligned).
 * @param size the bytes mapped at @p mem.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, or @p mem
 *         does not hold an initialised re-entrant lock of this library's version
 *         (bad magic, version, kind or size); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_rlock_attach(weft_mp_rlock **out, void *mem, size_t size);

/**
 * @brief Drops the caller's handle on a re-entrant lock.
 *
 * State in weft's arena is given back once no handle in any process uses
 * it; state in the caller's memory (weft_mp_rlock_new_at(),
 * weft_mp_rlock_attach()) is left as it is.
 * @param rlock the handle; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p rlock is not a live handle of this type.
 */
WEFT_API weft_status weft_mp_rlock_free(weft_mp_rlock *rlock);

/**
 * @brief Acquires the lock, or once more if the calling thread owns it, as
 *        `RLock.acquire(block, timeout)`.
 * @param rlock the lock.
 * @param timeout seconds to wait: negative waits forever, 0 tries once. An
 *        owner's nested acquire never waits.
 * @return `WEFT_OK`; `WEFT_OWNER_DIED` when the caller now owns it and it is
 *         inconsistent (see weft_mp_lock_acquire()); `WEFT_TIMEOUT`;
 *         `WEFT_INTERRUPTED`; `WEFT_EINVAL` for a bad handle or a NaN
 *         timeout; `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX or
 *         a recursion count that would overflow.
 */
WEFT_API weft_status weft_mp_rlock_acquire(weft_mp_rlock *rlock, double timeout);

/**
 * @brief Undoes one acquire, as `RLock.release()`; the last one frees the
 *        lock and wakes the processes waiting for it.
 * @param rlock the lock.
 * @return `WEFT_OK`; `WEFT_NOT_OWNER` if the calling thread (of this
 *         process) does not own the lock, including when nobody does;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_rlock_release(weft_mp_rlock *rlock);

/**
 * @brief Marks a re-entrant lock whose previous owner died consistent
 *        again (see weft_mp_lock_consistent()).
 * @param rlock the lock, owned by the calling thread.
 * @return `WEFT_OK`; `WEFT_NOT_OWNER` if the calling thread does not own it;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_rlock_consistent(weft_mp_rlock *rlock);

/* ---- Semaphore ------------------------------------------------------------- */

/**
 * @brief A process-shared counting semaphore, as Python's
 *        `multiprocessing.Semaphore`, or a bounded one, as
 *        `multiprocessing.BoundedSemaphore`.
 *
 * A semaphore has no owner, so a process that dies holding permits is not
 * noticed: its permits are lost, as in Python.
 */
typedef struct weft_mp_semaphore weft_mp_semaphore;

/** @brief The largest value a process-shared semaphore can hold (CPython's
 *         `SEM_VALUE_MAX` on Linux). */
#define WEFT_MP_SEMAPHORE_VALUE_MAX 2147483647u

/**
 * @brief Creates a semaphore in weft's shared arena, as `Semaphore(value)`.
 * @param out receives the semaphore; the caller frees it with
 *        weft_mp_semaphore_free().
 * @param value the initial value.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_OVERFLOW` if
 *         @p value is above #WEFT_MP_SEMAPHORE_VALUE_MAX; `WEFT_NOMEM`;
 *         `WEFT_OS` if no shared memory could be mapped.
 */
WEFT_API weft_status weft_mp_semaphore_new(weft_mp_semaphore **out, size_t value);

/**
 * @brief Creates a bounded semaphore in weft's shared arena, as
 *        `BoundedSemaphore(value)`: a release above @p value fails.
 * @param out receives the semaphore; the caller frees it with
 *        weft_mp_semaphore_free().
 * @param value the initial value, which is also the bound.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_OVERFLOW` if
 *         @p value is above #WEFT_MP_SEMAPHORE_VALUE_MAX; `WEFT_NOMEM`;
 *         `WEFT_OS` if no shared memory could be mapped.
 */
WEFT_API weft_status weft_mp_semaphore_new_bounded(weft_mp_semaphore **out, size_t value);

/**
 * @brief The bytes a semaphore needs in memory the caller shares, for
 *        weft_mp_semaphore_new_at().
 * @param out receives the size.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL.
 */
WEFT_API weft_status weft_mp_semaphore_size(size_t *out);

/**
 * @brief Initialises a semaphore in memory the caller shares with other
 *        processes (a `shm_open` segment, a shared file mapping).
 *
 * The state holds no pointers, so each process may map @p mem at any
 * address; other processes use it through weft_mp_semaphore_attach(). The memory
 * stays the caller's: weft_mp_semaphore_free() never releases it, and it must
 * stay mapped while any handle on it is used.
 * @param out receives the handle; the caller frees it with weft_mp_semaphore_free().
 * @param mem where the state goes; 8-byte aligned, zeroed here.
 * @param size the bytes at @p mem; at least what weft_mp_semaphore_size() says.
 * @param value the initial value.
 * @param bounded non-zero for a bounded semaphore (the value is also the bound).
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, @p mem is
 *         misaligned or @p size too small; `WEFT_OVERFLOW` if @p value is above #WEFT_MP_SEMAPHORE_VALUE_MAX; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_semaphore_new_at(weft_mp_semaphore **out, void *mem, size_t size, size_t value,
                                             int bounded);

/**
 * @brief Uses a semaphore that another process initialised with
 *        weft_mp_semaphore_new_at() in memory this process maps too.
 * @param out receives the handle; the caller frees it with weft_mp_semaphore_free(),
 *        which leaves the shared state alone.
 * @param mem the state, as mapped in this process (8-byte aligned).
 * @param size the bytes mapped at @p mem.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, or @p mem
 *         does not hold an initialised semaphore of this library's version
 *         (bad magic, version, kind or size); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_semaphore_attach(weft_mp_semaphore **out, void *mem, size_t size);

/**
 * @brief Drops the caller's handle on a semaphore.
 *
 * State in weft's arena is given back once no handle in any process uses
 * it; state in the caller's memory (weft_mp_semaphore_new_at(),
 * weft_mp_semaphore_attach()) is left as it is.
 * @param sem the handle; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p sem is not a live handle of this type.
 */
WEFT_API weft_status weft_mp_semaphore_free(weft_mp_semaphore *sem);

/**
 * @brief Decrements the value, waiting while it is zero, as
 *        `Semaphore.acquire(block, timeout)`.
 * @param sem the semaphore.
 * @param timeout seconds to wait: negative waits forever, 0 tries once.
 * @return `WEFT_OK`; `WEFT_TIMEOUT` when the value stayed zero;
 *         `WEFT_INTERRUPTED`; `WEFT_EINVAL` for a bad handle or a NaN
 *         timeout; `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_mp_semaphore_acquire(weft_mp_semaphore *sem, double timeout);

/**
 * @brief Adds @p n to the value and wakes up to @p n waiters, as
 *        `Semaphore.release()` (done @p n times).
 * @param sem the semaphore.
 * @param n how much to add; at least 1.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, @p n of 0, or (bounded
 *         semaphore, Python's `ValueError`) a release above the bound;
 *         `WEFT_OVERFLOW` if the value would exceed
 *         #WEFT_MP_SEMAPHORE_VALUE_MAX. The value is unchanged on failure.
 */
WEFT_API weft_status weft_mp_semaphore_release(weft_mp_semaphore *sem, size_t n);

/**
 * @brief The semaphore's current value, as `SemLock._get_value()` (and
 *        `Semaphore.get_value()`); for reports, since it may change at once.
 * @param sem the semaphore.
 * @param out receives the value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_mp_semaphore_get_value(weft_mp_semaphore *sem, size_t *out);

/* ---- Condition ------------------------------------------------------------- */

/**
 * @brief A process-shared condition variable, as Python's
 *        `multiprocessing.Condition`, over a #weft_mp_lock or a
 *        #weft_mp_rlock.
 *
 * A notification goes only to waiters that were waiting when it was made;
 * among them, the order in which they are woken is not promised (as with
 * CPython's). When the lock's holder is found dead, waiters stop waiting
 * and return `WEFT_OWNER_DIED` with the lock re-acquired.
 */
typedef struct weft_mp_condition weft_mp_condition;

/**
 * @brief Creates a condition over a new re-entrant lock of its own, in
 *        weft's shared arena, as `multiprocessing.Condition()`.
 * @param out receives the condition; the caller frees it with
 *        weft_mp_condition_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`; `WEFT_OS`
 *         if no shared memory could be mapped.
 */
WEFT_API weft_status weft_mp_condition_new(weft_mp_condition **out);

/**
 * @brief Creates a condition over an existing lock, as `Condition(lock)`.
 *
 * The condition keeps its own reference to @p lock. When both live in
 * weft's arena, the lock's holder's death also wakes this condition's
 * waiters (for the first condition made over a lock).
 * @param out receives the condition.
 * @param lock the lock to wrap.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL or @p lock is not a live
 *         lock handle; `WEFT_NOMEM`; `WEFT_OS`.
 */
WEFT_API weft_status weft_mp_condition_new_with_lock(weft_mp_condition **out, weft_mp_lock *lock);

/**
 * @brief Creates a condition over an existing re-entrant lock, as
 *        `Condition(rlock)`; see weft_mp_condition_new_with_lock().
 * @param out receives the condition.
 * @param rlock the re-entrant lock to wrap.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL or @p rlock is not a
 *         live re-entrant lock handle; `WEFT_NOMEM`; `WEFT_OS`.
 */
WEFT_API weft_status weft_mp_condition_new_with_rlock(weft_mp_condition **out, weft_mp_rlock *rlock);

/**
 * @brief The bytes a condition needs in memory the caller shares, for
 *        weft_mp_condition_new_at().
 * @param out receives the size.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL.
 */
WEFT_API weft_status weft_mp_condition_size(size_t *out);

/**
 * @brief Initialises a condition in memory the caller shares with other
 *        processes (a `shm_open` segment, a shared file mapping), with its lock inside the same state.
 *
 * The state holds no pointers, so each process may map @p mem at any
 * address; other processes use it through weft_mp_condition_attach(). The memory
 * stays the caller's: weft_mp_condition_free() never releases it, and it must
 * stay mapped while any handle on it is used.
 * @param out receives the handle; the caller frees it with weft_mp_condition_free().
 * @param mem where the state goes; 8-byte aligned, zeroed here.
 * @param size the bytes at @p mem; at least what weft_mp_condition_size() says.
 * @param recursive non-zero for a condition over its own re-entrant lock
 *        (Python's default), 0 for one over its own plain lock.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, @p mem is
 *         misaligned or @p size too small; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_condition_new_at(weft_mp_condition **out, void *mem, size_t size, int recursive);

/**
 * @brief Uses a condition that another process initialised with
 *        weft_mp_condition_new_at() in memory this process maps too.
 * @param out receives the handle; the caller frees it with weft_mp_condition_free(),
 *        which leaves the shared state alone.
 * @param mem the state, as mapped in this process (8-byte aligned).
 * @param size the bytes mapped at @p mem.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, or @p mem
 *         does not hold an initialised condition of this library's version
 *         (bad magic, version, kind or size); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_condition_attach(weft_mp_condition **out, void *mem, size_t size);

/**
 * @brief Drops the caller's handle on a condition.
 *
 * State in weft's arena is given back once no handle in any process uses
 * it; state in the caller's memory (weft_mp_condition_new_at(),
 * weft_mp_condition_attach()) is left as it is.
 * @param cond the handle; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p cond is not a live handle of this type.
 */
WEFT_API weft_status weft_mp_condition_free(weft_mp_condition *cond);

/**
 * @brief Acquires the condition's lock, as `Condition.acquire()`.
 * @param cond the condition.
 * @param timeout seconds to wait: negative waits forever, 0 tries once.
 * @return what weft_mp_lock_acquire() or weft_mp_rlock_acquire() returns;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_condition_acquire(weft_mp_condition *cond, double timeout);

/**
 * @brief Releases the condition's lock, as `Condition.release()`.
 * @param cond the condition.
 * @return what weft_mp_lock_release() or weft_mp_rlock_release() returns;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_condition_release(weft_mp_condition *cond);

/**
 * @brief Marks the condition's lock consistent after its holder died (see
 *        weft_mp_lock_consistent()).
 * @param cond the condition; its lock held by the caller.
 * @return `WEFT_OK`; `WEFT_RUNTIME` (plain lock not held) or `WEFT_NOT_OWNER`
 *         (re-entrant lock not owned by the calling thread); `WEFT_EINVAL`
 *         for a bad handle.
 */
WEFT_API weft_status weft_mp_condition_consistent(weft_mp_condition *cond);

/**
 * @brief Releases the lock, waits to be notified, re-acquires the lock, as
 *        `Condition.wait(timeout)`.
 *
 * The lock is held again whenever the call returns anything but
 * `WEFT_RUNTIME` or a bad-argument failure (re-acquiring is not limited by
 * @p timeout, as in Python).
 * @param cond the condition.
 * @param timeout seconds to wait for a notification: negative waits forever.
 * @return `WEFT_OK` when notified; `WEFT_TIMEOUT` when the time ran out;
 *         `WEFT_INTERRUPTED`; `WEFT_OWNER_DIED` when the lock's holder was
 *         found dead while waiting or re-acquiring; `WEFT_RUNTIME` if the
 *         caller does not hold the lock; `WEFT_EINVAL` for a bad handle or a
 *         NaN timeout; `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_mp_condition_wait(weft_mp_condition *cond, double timeout);

/**
 * @brief Waits until a predicate holds, as `Condition.wait_for(predicate,
 *        timeout)`.
 * @param cond the condition.
 * @param pred called with the lock held; must not be NULL.
 * @param arg passed to @p pred.
 * @param timeout seconds in total: negative waits forever.
 * @param result receives the predicate's last value; may be NULL.
 * @return `WEFT_OK` when the predicate held; `WEFT_TIMEOUT` when the time ran
 *         out with it false; `WEFT_OWNER_DIED`, `WEFT_INTERRUPTED` and
 *         `WEFT_RUNTIME` as for weft_mp_condition_wait(); `WEFT_EINVAL` for a
 *         bad handle, a NULL @p pred or a NaN timeout; `WEFT_OVERFLOW` for a
 *         timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_mp_condition_wait_for(weft_mp_condition *cond, weft_pred_fn pred, void *arg,
                                                double timeout, int *result);

/**
 * @brief Wakes up to @p n of the waiters, as `Condition.notify(n)`.
 * @param cond the condition.
 * @param n how many waiters to wake; 0 wakes none.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the caller does not hold the lock;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_condition_notify(weft_mp_condition *cond, size_t n);

/**
 * @brief Wakes every waiter, as `Condition.notify_all()`.
 * @param cond the condition.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the caller does not hold the lock;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_condition_notify_all(weft_mp_condition *cond);

/* ---- Event ----------------------------------------------------------------- */

/**
 * @brief A process-shared event flag, as Python's `multiprocessing.Event`.
 */
typedef struct weft_mp_event weft_mp_event;

/**
 * @brief Creates an event whose flag is clear, in weft's shared arena.
 * @param out receives the event; the caller frees it with weft_mp_event_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`; `WEFT_OS`
 *         if no shared memory could be mapped.
 */
WEFT_API weft_status weft_mp_event_new(weft_mp_event **out);

/**
 * @brief The bytes a event needs in memory the caller shares, for
 *        weft_mp_event_new_at().
 * @param out receives the size.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL.
 */
WEFT_API weft_status weft_mp_event_size(size_t *out);

/**
 * @brief Initialises a event in memory the caller shares with other
 *        processes (a `shm_open` segment, a shared file mapping).
 *
 * The state holds no pointers, so each process may map @p mem at any
 * address; other processes use it through weft_mp_event_attach(). The memory
 * stays the caller's: weft_mp_event_free() never releases it, and it must
 * stay mapped while any handle on it is used.
 * @param out receives the handle; the caller frees it with weft_mp_event_free().
 * @param mem where the state goes; 8-byte aligned, zeroed here.
 * @param size the bytes at @p mem; at least what weft_mp_event_size() says.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, @p mem is
 *         misaligned or @p size too small; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_event_new_at(weft_mp_event **out, void *mem, size_t size);

/**
 * @brief Uses a event that another process initialised with
 *        weft_mp_event_new_at() in memory this process maps too.
 * @param out receives the handle; the caller frees it with weft_mp_event_free(),
 *        which leaves the shared state alone.
 * @param mem the state, as mapped in this process (8-byte aligned).
 * @param size the bytes mapped at @p mem.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, or @p mem
 *         does not hold an initialised event of this library's version
 *         (bad magic, version, kind or size); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_event_attach(weft_mp_event **out, void *mem, size_t size);

/**
 * @brief Drops the caller's handle on a event.
 *
 * State in weft's arena is given back once no handle in any process uses
 * it; state in the caller's memory (weft_mp_event_new_at(),
 * weft_mp_event_attach()) is left as it is.
 * @param event the handle; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p event is not a live handle of this type.
 */
WEFT_API weft_status weft_mp_event_free(weft_mp_event *event);

/**
 * @brief Reads the flag, as `Event.is_set()`.
 * @param event the event.
 * @param out receives 1 if set, 0 if clear.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_mp_event_is_set(weft_mp_event *event, int *out);

/**
 * @brief Sets the flag and wakes every waiter in every process, as
 *        `Event.set()`.
 * @param event the event.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_event_set(weft_mp_event *event);

/**
 * @brief Clears the flag, as `Event.clear()`.
 * @param event the event.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_event_clear(weft_mp_event *event);

/**
 * @brief Waits until the flag is set, as `Event.wait(timeout)`.
 * @param event the event.
 * @param timeout seconds to wait: negative waits forever, 0 only looks.
 * @return `WEFT_OK` when the flag was set; `WEFT_TIMEOUT` otherwise;
 *         `WEFT_INTERRUPTED`; `WEFT_EINVAL` for a bad handle or a NaN
 *         timeout; `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_mp_event_wait(weft_mp_event *event, double timeout);

/* ---- Barrier --------------------------------------------------------------- */

/**
 * @brief A process-shared barrier, as Python's `multiprocessing.Barrier`.
 *
 * `WEFT_BROKEN` stands for `BrokenBarrierError`. A party whose process dies
 * while it waits breaks the barrier.
 */
typedef struct weft_mp_barrier weft_mp_barrier;

/** @brief The most parties a process-shared barrier can have. */
#define WEFT_MP_BARRIER_PARTIES_MAX 4096u

/**
 * @brief Creates a barrier in weft's shared arena, as
 *        `Barrier(parties, action, timeout)`.
 *
 * @param out receives the barrier; the caller frees it with
 *        weft_mp_barrier_free().
 * @param parties how many waits release the barrier; 1 to
 *        #WEFT_MP_BARRIER_PARTIES_MAX.
 * @param action called as `action(arg, outcome)` by the last party to
 *        arrive, before any is released, when that party's handle has one (a
 *        child of fork inherits it with the handle); may be NULL. A failure
 *        breaks the barrier: that party gets the failure, the others
 *        `WEFT_BROKEN`.
 * @param arg passed to @p action.
 * @param free_arg called once on @p arg when this handle is freed; may be
 *        NULL. If this call fails the caller keeps @p arg.
 * @param default_timeout the timeout weft_mp_barrier_wait() uses when given a
 *        negative one; negative means none.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL, @p parties is out of
 *         range or @p default_timeout is NaN; `WEFT_OVERFLOW` if
 *         @p default_timeout is above #WEFT_TIMEOUT_MAX; `WEFT_NOMEM`;
 *         `WEFT_OS` if no shared memory could be mapped.
 */
WEFT_API weft_status weft_mp_barrier_new(weft_mp_barrier **out, size_t parties, weft_fn action, void *arg,
                                         weft_free_fn free_arg, double default_timeout);

/**
 * @brief The bytes a barrier of @p parties needs in memory the caller
 *        shares, for weft_mp_barrier_new_at().
 * @param parties the number of parties, 1 to #WEFT_MP_BARRIER_PARTIES_MAX.
 * @param out receives the size.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL or @p parties is out of
 *         range.
 */
WEFT_API weft_status weft_mp_barrier_size(size_t parties, size_t *out);

/**
 * @brief Initialises a barrier in memory the caller shares with other
 *        processes (a `shm_open` segment, a shared file mapping).
 *
 * The state holds no pointers, so each process may map @p mem at any
 * address; other processes use it through weft_mp_barrier_attach(). The memory
 * stays the caller's: weft_mp_barrier_free() never releases it, and it must
 * stay mapped while any handle on it is used.
 * @param out receives the handle; the caller frees it with weft_mp_barrier_free().
 * @param mem where the state goes; 8-byte aligned, zeroed here.
 * @param size the bytes at @p mem; at least what weft_mp_barrier_size() for the same @p parties says.
 * @param parties how many processes (or threads) must wait; 1 to
 *        #WEFT_MP_BARRIER_PARTIES_MAX.
 * @param action as for weft_mp_barrier_new(); this handle's own.
 * @param arg passed to @p action.
 * @param free_arg as for weft_mp_barrier_new().
 * @param default_timeout as for weft_mp_barrier_new().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, @p mem is
 *         misaligned or @p size too small, @p parties is out of range or @p default_timeout is NaN; `WEFT_OVERFLOW`
 *         if @p default_timeout is above #WEFT_TIMEOUT_MAX; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_barrier_new_at(weft_mp_barrier **out, void *mem, size_t size, size_t parties,
                                           weft_fn action, void *arg, weft_free_fn free_arg, double default_timeout);

/**
 * @brief Uses a barrier that another process initialised with
 *        weft_mp_barrier_new_at() in memory this process maps too.
 * @param out receives the handle; the caller frees it with weft_mp_barrier_free(),
 *        which leaves the shared state alone.
 * @param mem the state, as mapped in this process (8-byte aligned).
 * @param size the bytes mapped at @p mem.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p mem is NULL, or @p mem
 *         does not hold an initialised barrier of this library's version
 *         (bad magic, version, kind or size); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_mp_barrier_attach(weft_mp_barrier **out, void *mem, size_t size);

/**
 * @brief Drops the caller's handle on a barrier.
 *
 * State in weft's arena is given back once no handle in any process uses
 * it; state in the caller's memory (weft_mp_barrier_new_at(),
 * weft_mp_barrier_attach()) is left as it is.
 * @param barrier the handle; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p barrier is not a live handle of this type.
 */
WEFT_API weft_status weft_mp_barrier_free(weft_mp_barrier *barrier);

/**
 * @brief Waits until all parties have arrived, as `Barrier.wait(timeout)`.
 * @param barrier the barrier.
 * @param timeout seconds to wait; negative uses the barrier's default.
 * @param index receives the caller's arrival index in its round, 0 to
 *        parties-1; may be NULL.
 * @return `WEFT_OK`; `WEFT_BROKEN` if the barrier is or becomes broken
 *         (aborted, reset while waiting, a party's time ran out, a waiting
 *         party's process died); `WEFT_INTERRUPTED` (the barrier breaks, as
 *         on a timeout); the action's failure for the party that ran it;
 *         `WEFT_EINVAL` for a bad handle or a NaN timeout; `WEFT_OVERFLOW`
 *         for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_mp_barrier_wait(weft_mp_barrier *barrier, double timeout, size_t *index);

/**
 * @brief Returns the barrier to its empty, unbroken state, as
 *        `Barrier.reset()`; parties waiting get `WEFT_BROKEN`.
 * @param barrier the barrier.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_barrier_reset(weft_mp_barrier *barrier);

/**
 * @brief Breaks the barrier, as `Barrier.abort()`.
 * @param barrier the barrier.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_mp_barrier_abort(weft_mp_barrier *barrier);

/**
 * @brief The number of parties, as `Barrier.parties`.
 * @param barrier the barrier.
 * @param out receives the number.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_mp_barrier_parties(weft_mp_barrier *barrier, size_t *out);

/**
 * @brief The number of parties waiting for the round to fill, as
 *        `Barrier.n_waiting`.
 * @param barrier the barrier.
 * @param out receives the number.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_mp_barrier_n_waiting(weft_mp_barrier *barrier, size_t *out);

/**
 * @brief Tells whether the barrier is broken, as `Barrier.broken`.
 * @param barrier the barrier.
 * @param out receives 1 if broken, 0 if not.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_mp_barrier_broken(weft_mp_barrier *barrier, int *out);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_MPSYNC_H */
