/* Internals of the queue area: the short-hold lock, wait lists whose
 * waiters sleep on their own futex words, the stable heap of the priority
 * queue, and the weft_queue object itself. Other areas may reuse the lock,
 * the wait lists and the heap; they depend on nothing but core/internal.h. */
#ifndef WEFT__QUEUE_INTERNAL_H
#define WEFT__QUEUE_INTERNAL_H

#include "core/internal.h"

#include <stdalign.h>

#define WEFT__CACHE_LINE 128 /* two lines: adjacent-line prefetchers pair them */

/* ---- a lock for critical sections of a few dozen instructions ----------
 * 0 free, 1 held, 2 held and someone may be parked. Contended callers spin
 * briefly (the holder is about to let go) and only then park on the futex,
 * so a busy producer/consumer pair rarely enters the kernel. */
typedef struct weft__qlock {
    atomic_uint state;
} weft__qlock;

void weft__qlock_slow(weft__qlock *l);

static inline void weft__qlock_acquire(weft__qlock *l)
{
    unsigned expected = 0;
    if (WEFT__LIKELY(atomic_compare_exchange_weak_explicit(&l->state, &expected, 1, memory_order_acquire,
                                                           memory_order_relaxed)))
        return;
    weft__qlock_slow(l);
}

static inline void weft__qlock_release(weft__qlock *l)
{
    if (WEFT__UNLIKELY(atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2))
        weft__unpark(&l->state, 1);
}

/* ---- wait lists: each waiter sleeps on its own futex word -------------
 * A waker pops exactly one waiter and signals it, so a burst of puts while
 * one getter sleeps costs one wake, not one per put. `count` is read without
 * the lock on fast paths: a waker makes its condition true with a seq_cst
 * store and then reads `count`; a waiter enqueues (seq_cst increment) and
 * then re-checks the condition, so one of them always sees the other. */
typedef struct weft__waiter {
    struct weft__waiter *next, *prev;
    atomic_uint signalled;
} weft__waiter;

typedef struct weft__waitlist {
    weft__qlock lock;
    atomic_uint count;
    weft__waiter *head, *tail;
} weft__waitlist;

/* Appends `w` (on the caller's stack); the caller then re-checks its
 * condition and either withdraws with weft__wait_cancel or sleeps. */
void weft__wait_enqueue(weft__waitlist *wl, weft__waiter *w);
/* Withdraws `w`; returns true if it had been signalled meanwhile. */
bool weft__wait_cancel(weft__waitlist *wl, weft__waiter *w);
/* Sleeps until signalled or `d` passes. Returns 0 when signalled, ETIMEDOUT
 * when the deadline passed first (`w` is then off the list). */
int weft__wait_sleep(weft__waitlist *wl, weft__waiter *w, const weft__deadline *d);
/* Signals the oldest waiter, if any. */
void weft__wait_wake_one(weft__waitlist *wl);
/* Signals every waiter. */
void weft__wait_wake_all(weft__waitlist *wl);

static inline bool weft__wait_any(weft__waitlist *wl)
{
    return atomic_load_explicit(&wl->count, memory_order_seq_cst) != 0;
}

/* ---- stable binary min-heap for the priority queue -------------------- */
typedef int (*weft__heap_cmp)(const void *a, const void *b, void *arg);

typedef struct weft__heap_entry {
    void *item;
    int64_t key;     /* integer priority, compared first */
    uint64_t seq;    /* insertion order, compared last: FIFO among equals */
} weft__heap_entry;

typedef struct weft__heap {
    weft__heap_entry *e;
    size_t count, cap;
    uint64_t next_seq;
    weft__heap_cmp cmp;  /* may be NULL: order by key, then insertion */
    void *cmp_arg;
} weft__heap;

void weft__heap_init(weft__heap *h, weft__heap_cmp cmp, void *cmp_arg);
void weft__heap_destroy(weft__heap *h);
/* Makes room for one more entry. WEFT_NOMEM on failure, heap intact. */
weft_status weft__heap_reserve(weft__heap *h);
/* Inserts; the caller made room with weft__heap_reserve. */
void weft__heap_push(weft__heap *h, void *item, int64_t key);
/* Removes and returns the smallest item; the heap must not be empty. */
void *weft__heap_pop(weft__heap *h);

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
    alignas(WEFT__CACHE_LINE) weft__qlock plock;
    size_t head_seen;          /* producers' cached `head` */
    alignas(WEFT__CACHE_LINE) atomic_size_t tail; /* FIFO: items ever put */

    alignas(WEFT__CACHE_LINE) weft__qlock clock;
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
