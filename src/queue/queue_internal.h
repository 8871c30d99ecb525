/* Internals of the queue area: the weft_queue object. Its locks, wait
 * lists and priority heap are the core kit's (core/kit.h). */
#ifndef WEFT__QUEUE_INTERNAL_H
#define WEFT__QUEUE_INTERNAL_H

#include "core/kit.h"

#include <stdalign.h>

/* ---- the queue object --------------------------------------------------
 * FIFO queues keep producers and consumers apart: producers take `plock`
 * and advance `tail`, consumers take `clock` and advance `head` (both are
 * absolute counters; the slot is the counter masked). Each side caches the
 * other's counter and re-reads it only when the ring looks full or empty, so
 * a steady stream moves one cache line per eight items. Growing the ring
 * takes both locks. LIFO and priority queues take `clock` for everything and
 * keep their size in `count`. */
typedef enum weft__queue_kind { WEFT__FIFO, WEFT__LIFO, WEFT__PRIORITY } weft__queue_kind;

struct weft_queue {
    weft__obj hdr;
    weft__queue_kind kind;
    size_t maxsize;            /* 0: unbounded */
    weft_free_fn free_item;
    /* Read-mostly: changed only when storage grows (under every lock). */
    void **slot;               /* FIFO ring, LIFO stack */
    size_t mask;               /* capacity - 1, a power of two */
    weft__heap heap;           /* priority queue storage */
    atomic_bool shut;

    /* Each lock shares its line only with its own side's private data; the
     * published counters get lines of their own, so the other side polling
     * a counter does not steal the lock. */
    alignas(WEFT__CACHE_LINE) weft__wordlock plock;
    size_t head_seen;          /* producers' cached `head` */
    alignas(WEFT__CACHE_LINE) atomic_size_t tail; /* FIFO: items ever put */

    alignas(WEFT__CACHE_LINE) weft__wordlock clock;
    size_t tail_seen;          /* consumers' cached `tail` */
    atomic_size_t count;       /* LIFO and priority: items held */
    atomic_size_t puts;        /* LIFO and priority: items ever put (FIFO: tail) */
    alignas(WEFT__CACHE_LINE) atomic_size_t head; /* FIFO: items ever got */

    /* Unfinished tasks are puts - done, so a put pays no extra atomic. */
    alignas(WEFT__CACHE_LINE) atomic_size_t done; /* task_done calls + items dropped by shutdown */

    /* Polls a getter / putter makes before sleeping: doubled when a spin
     * pays off, halved when it does not, so waiting threads stop burning
     * CPU when the other side is not running (more threads than cores). */
    alignas(WEFT__CACHE_LINE) atomic_int get_polls;
    alignas(WEFT__CACHE_LINE) atomic_int put_polls;

    alignas(WEFT__CACHE_LINE) weft__waitlist getters;
    alignas(WEFT__CACHE_LINE) weft__waitlist putters;
    alignas(WEFT__CACHE_LINE) weft__waitlist joiners;
};

#endif /* WEFT__QUEUE_INTERNAL_H */
