/**
 * @file weft/queue.h
 * @brief Queues: FIFO, LIFO, priority and simple (Python's `queue`).
 *
 * A #weft_queue is Python's `Queue`, `LifoQueue` or `PriorityQueue`
 * (chosen by its constructor): a multi-producer, multi-consumer queue of
 * `void *` items with an optional bound, timeouts, `task_done`/`join`
 * accounting and `shutdown`. A #weft_simple_queue is Python's
 * `SimpleQueue`: unbounded FIFO without task accounting, whose put is
 * reentrant and async-signal-safe.
 *
 * Ownership of items: a successful put hands the item to the queue; a
 * successful get hands it back to the caller. A put that fails (any status
 * other than `WEFT_OK`) leaves the item with the caller. Items still in a
 * queue when it is freed, or removed by an immediate shutdown, are released
 * with the `free_item` function given to the constructor (when it is not
 * NULL), exactly once, outside the queue's lock, so `free_item` may call
 * into the queue (a put there gets `WEFT_SHUTDOWN` or `WEFT_EINVAL`).
 *
 * Python exceptions map to statuses: `queue.Empty` is `WEFT_EMPTY`,
 * `queue.Full` is `WEFT_FULL`, `queue.ShutDown` is `WEFT_SHUTDOWN`.
 *
 * A queue must not be freed while another thread is inside one of its
 * calls (parked in get, put or join included); shut it down and let those
 * calls return first.
 */
#ifndef WEFT_QUEUE_H
#define WEFT_QUEUE_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A FIFO, LIFO or priority queue (Python's `Queue`, `LifoQueue`, `PriorityQueue`). */
typedef struct weft_queue weft_queue;

/** @brief Python's `SimpleQueue`: unbounded FIFO with a reentrant, async-signal-safe put. */
typedef struct weft_simple_queue weft_simple_queue;

/**
 * @brief Orders two items of a priority queue.
 *
 * Called with the queue's internal lock held: it must not call into the same
 * queue and should be quick.
 * @param a an item.
 * @param b another item.
 * @param arg the `cmp_arg` given to weft_priority_queue_new().
 * @return negative when @p a comes out first, positive when @p b does, 0
 *         when they are equal (equal items come out in insertion order).
 */
typedef int (*weft_queue_compare_fn)(const void *a, const void *b, void *arg);

/* ---- construction ------------------------------------------------------ */

/**
 * @brief Creates a FIFO queue (Python's `queue.Queue(maxsize)`).
 *
 * @param out receives the new queue; untouched on failure.
 * @param maxsize the most items the queue holds at once; 0 means unbounded
 *        (Python's `maxsize <= 0`).
 * @param free_item frees items left in the queue at weft_queue_free() or
 *        removed by an immediate weft_queue_shutdown(); may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 *         The caller owns the queue and frees it with weft_queue_free().
 */
WEFT_API weft_status weft_queue_new(weft_queue **out, size_t maxsize, weft_free_fn free_item);

/**
 * @brief Creates a LIFO queue (Python's `queue.LifoQueue(maxsize)`): the
 *        item put last is got first.
 *
 * Parameters, statuses and ownership as weft_queue_new().
 * @param out receives the new queue.
 * @param maxsize the most items held at once; 0 means unbounded.
 * @param free_item frees items left at free or shutdown; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_lifo_queue_new(weft_queue **out, size_t maxsize, weft_free_fn free_item);

/**
 * @brief Creates a priority queue (Python's `queue.PriorityQueue(maxsize)`):
 *        the smallest item is got first.
 *
 * Items are ordered by their integer priority (0 for weft_queue_put(), the
 * given one for weft_queue_put_priority(); smaller first), then by @p cmp
 * when it is not NULL, then by insertion order, so the queue is stable:
 * equal items come out first-in, first-out. Python's idiom
 * `q.put((priority, data))` is weft_queue_put_priority(q, priority, data, t).
 *
 * @param out receives the new queue.
 * @param maxsize the most items held at once; 0 means unbounded.
 * @param cmp orders items of equal priority; may be NULL (insertion order).
 * @param cmp_arg passed to @p cmp; the caller keeps it alive while the queue lives.
 * @param free_item frees items left at free or shutdown; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 *         The caller owns the queue and frees it with weft_queue_free().
 */
WEFT_API weft_status weft_priority_queue_new(weft_queue **out, size_t maxsize, weft_queue_compare_fn cmp,
                                             void *cmp_arg, weft_free_fn free_item);

/**
 * @brief Frees a queue, releasing every item still in it with `free_item`.
 *
 * No other thread may be inside a call on @p q.
 * @param q the queue; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_queue_free(weft_queue *q);

/* ---- state ------------------------------------------------------------- */

/**
 * @brief Number of items in the queue (Python's `qsize()`); a snapshot that
 *        other threads may change at once.
 * @param q the queue.
 * @param out receives the count.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_queue_qsize(weft_queue *q, size_t *out);

/**
 * @brief Whether the queue holds no items (Python's `empty()`); a snapshot.
 * @param q the queue.
 * @param out receives 1 if empty, 0 otherwise.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_queue_empty(weft_queue *q, int *out);

/**
 * @brief Whether a bounded queue holds maxsize items (Python's `full()`);
 *        always 0 for an unbounded queue; a snapshot.
 * @param q the queue.
 * @param out receives 1 if full, 0 otherwise.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_queue_full(weft_queue *q, int *out);

/**
 * @brief The bound given at creation (Python's `maxsize` attribute); 0 means unbounded.
 * @param q the queue.
 * @param out receives the bound.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_queue_maxsize(weft_queue *q, size_t *out);

/* ---- put and get ------------------------------------------------------- */

/**
 * @brief Puts an item (Python's `put(item, timeout=...)`).
 *
 * An unbounded queue never blocks. A bounded queue that is full waits for
 * room until @p timeout passes. Each successful put adds one unfinished task
 * (see weft_queue_task_done()).
 *
 * @param q the queue.
 * @param item the item; NULL is a valid item.
 * @param timeout seconds to wait for room: negative waits forever, 0 does
 *        not wait (Python's `put_nowait`).
 * @return `WEFT_OK`, the queue owns @p item;
 *         `WEFT_FULL` if the queue stayed full until the timeout;
 *         `WEFT_SHUTDOWN` if the queue is shut down, or was while waiting;
 *         `WEFT_EINVAL` for a bad handle or a NaN timeout;
 *         `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX;
 *         `WEFT_NOMEM` if storage could not grow.
 *         On any failure the caller still owns @p item.
 */
WEFT_API weft_status weft_queue_put(weft_queue *q, void *item, double timeout);

/**
 * @brief Puts an item without waiting (Python's `put_nowait(item)`): weft_queue_put() with timeout 0.
 * @param q the queue.
 * @param item the item.
 * @return as weft_queue_put(); `WEFT_FULL` at once when a bounded queue is full.
 *         On failure the caller still owns @p item.
 */
WEFT_API weft_status weft_queue_put_nowait(weft_queue *q, void *item);

/**
 * @brief Puts an item with an integer priority into a priority queue
 *        (Python's `put((priority, item))`); smaller priorities come out first.
 * @param q a queue made by weft_priority_queue_new().
 * @param priority the item's priority.
 * @param item the item.
 * @param timeout as for weft_queue_put().
 * @return as weft_queue_put(); `WEFT_EINVAL` also if @p q is not a priority
 *         queue. On failure the caller still owns @p item.
 */
WEFT_API weft_status weft_queue_put_priority(weft_queue *q, int64_t priority, void *item, double timeout);

/**
 * @brief Removes and returns the next item (Python's `get(timeout=...)`).
 *
 * The next item is the oldest (FIFO), newest (LIFO) or smallest (priority).
 * Waits while the queue is empty, until @p timeout passes. After a
 * non-immediate shutdown the remaining items can still be got; once the queue
 * is empty, and at once after an immediate shutdown, get gives `WEFT_SHUTDOWN`.
 *
 * @param q the queue.
 * @param timeout seconds to wait for an item: negative waits forever, 0 does
 *        not wait (Python's `get_nowait`).
 * @param item receives the item, which the caller then owns; untouched on failure.
 * @return `WEFT_OK`; `WEFT_EMPTY` if no item came before the timeout;
 *         `WEFT_SHUTDOWN` if the queue is shut down and empty;
 *         `WEFT_EINVAL` for a bad handle, a NULL @p item or a NaN timeout;
 *         `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_queue_get(weft_queue *q, double timeout, void **item);

/**
 * @brief Gets an item without waiting (Python's `get_nowait()`): weft_queue_get() with timeout 0.
 * @param q the queue.
 * @param item receives the item.
 * @return as weft_queue_get(); `WEFT_EMPTY` at once when the queue is empty.
 */
WEFT_API weft_status weft_queue_get_nowait(weft_queue *q, void **item);

/* ---- task accounting and shutdown -------------------------------------- */

/**
 * @brief Marks one got item as processed (Python's `task_done()`).
 *
 * When every put has been matched by a task_done, threads in
 * weft_queue_join() return.
 * @param q the queue.
 * @return `WEFT_OK`; `WEFT_EINVAL` if called more times than items were put
 *         (Python's `ValueError`) or for a bad handle.
 */
WEFT_API weft_status weft_queue_task_done(weft_queue *q);

/**
 * @brief Waits until every item put has been marked done (Python's `join()`).
 *
 * Unlike Python, join takes a timeout.
 * @param q the queue.
 * @param timeout seconds to wait: negative waits forever, 0 only checks.
 * @return `WEFT_OK` when no task is unfinished; `WEFT_TIMEOUT` if some still
 *         were when the timeout passed; `WEFT_EINVAL` for a bad handle or a
 *         NaN timeout; `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_queue_join(weft_queue *q, double timeout);

/**
 * @brief Shuts the queue down (Python 3.13's `shutdown(immediate)`).
 *
 * Afterwards every put gives `WEFT_SHUTDOWN`. Without @p immediate, gets
 * return the remaining items and then `WEFT_SHUTDOWN`. With @p immediate,
 * the queue is emptied at once: each item is released with `free_item` and
 * counted as done (so join returns once the items already got are marked
 * done), and every get gives `WEFT_SHUTDOWN`. Threads blocked in put or get
 * wake up with `WEFT_SHUTDOWN`. Calling it again is allowed (a later
 * immediate shutdown still empties the queue).
 * @param q the queue.
 * @param immediate non-zero to drop the remaining items.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_queue_shutdown(weft_queue *q, int immediate);

/* ---- SimpleQueue ------------------------------------------------------- */

/**
 * @brief Creates an unbounded FIFO queue (Python's `queue.SimpleQueue()`).
 *
 * Items travel in nodes taken from a pool that belongs to the queue; the pool
 * starts with a few hundred nodes and grows by doubling chunks obtained with
 * `mmap`, never with `malloc`, so that weft_simple_queue_put() stays
 * async-signal-safe.
 * @param out receives the queue; untouched on failure.
 * @param free_item frees items left in the queue at weft_simple_queue_free(); may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_simple_queue_new(weft_simple_queue **out, weft_free_fn free_item);

/**
 * @brief Frees a simple queue, releasing the items still in it with `free_item`.
 *
 * No other thread may be inside a call on @p q. A put made from `free_item`
 * into the queue being freed gives `WEFT_EINVAL`.
 * @param q the queue; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_simple_queue_free(weft_simple_queue *q);

/**
 * @brief Puts an item (Python's `SimpleQueue.put(item)`); never blocks.
 *
 * Reentrant and async-signal-safe: it may be called from a signal handler
 * (also one that interrupted a put, get or qsize on the same queue in the
 * same thread) and from a `free_item` or other callback that runs while the
 * calling thread is inside a call on the same queue. It uses only atomic
 * operations, a futex wake when a getter is parked and, when the node pool
 * is exhausted, `mmap` to add a chunk (a direct system call that takes no
 * user-space lock; POSIX does not list it as async-signal-safe, Linux
 * implements it as one system call). It preserves `errno`. The failure paths
 * record a message with `vsnprintf` in thread-local storage, which POSIX does
 * not promise to be async-signal-safe; the success path does neither.
 * @param q the queue.
 * @param item the item; NULL is a valid item.
 * @return `WEFT_OK`, the queue owns @p item; `WEFT_EINVAL` for a bad handle;
 *         `WEFT_NOMEM` if the pool is exhausted and `mmap` failed. On failure
 *         the caller keeps @p item.
 */
WEFT_API weft_status weft_simple_queue_put(weft_simple_queue *q, void *item);

/**
 * @brief Python's `SimpleQueue.put_nowait(item)`: the same as weft_simple_queue_put(),
 *        which never blocks; equally reentrant and async-signal-safe.
 * @param q the queue.
 * @param item the item.
 * @return as weft_simple_queue_put().
 */
WEFT_API weft_status weft_simple_queue_put_nowait(weft_simple_queue *q, void *item);

/**
 * @brief Removes and returns the oldest item (Python's `SimpleQueue.get(timeout=...)`).
 *
 * Not async-signal-safe (it may park on a futex and take an internal lock
 * shared by getters).
 * @param q the queue.
 * @param timeout seconds to wait for an item: negative waits forever, 0 does not wait.
 * @param item receives the item, which the caller then owns; untouched on failure.
 * @return `WEFT_OK`; `WEFT_EMPTY` if no item came before the timeout;
 *         `WEFT_EINVAL` for a bad handle, a NULL @p item or a NaN timeout;
 *         `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX.
 */
WEFT_API weft_status weft_simple_queue_get(weft_simple_queue *q, double timeout, void **item);

/**
 * @brief Gets an item without waiting (Python's `SimpleQueue.get_nowait()`).
 *
 * A put that another thread has started but not finished may not be visible
 * yet; the item then arrives with a later get.
 * @param q the queue.
 * @param item receives the item.
 * @return as weft_simple_queue_get() with timeout 0.
 */
WEFT_API weft_status weft_simple_queue_get_nowait(weft_simple_queue *q, void **item);

/**
 * @brief Number of items in the simple queue (Python's `qsize()`); a snapshot.
 *
 * Async-signal-safe on success (one atomic load).
 * @param q the queue.
 * @param out receives the count.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_simple_queue_qsize(weft_simple_queue *q, size_t *out);

/**
 * @brief Whether the simple queue is empty (Python's `empty()`); a snapshot.
 *
 * Async-signal-safe on success (one atomic load).
 * @param q the queue.
 * @param out receives 1 if empty, 0 otherwise.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL @p out.
 */
WEFT_API weft_status weft_simple_queue_empty(weft_simple_queue *q, int *out);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_QUEUE_H */
