/* Internals of the queue area: the short-hold lock, the growable ring used by
 * FIFO and LIFO queues, the stable heap of the priority queue, and the
 * weft_queue object itself. Other areas may reuse the lock and the ring. */
#ifndef WEFT__QUEUE_INTERNAL_H
#define WEFT__QUEUE_INTERNAL_H

#include "core/internal.h"

#include <stdalign.h>

#define WEFT__CACHE_LINE 64

/* One CPU relaxation inside a spin loop. */
static inline void weft__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

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

/* ---- growable ring of pointers (FIFO pops the head, LIFO the tail) ------ */
typedef struct weft__ring_buf {
    void **slot;
    size_t mask;   /* capacity - 1; capacity is a power of two */
    size_t head;   /* index of the oldest item */
    size_t count;
} weft__ring_buf;

/* Empty ring with room for `capacity` (rounded up to a power of two) items.
 * Returns WEFT_NOMEM (message set) when out of memory. */
weft_status weft__ring_init(weft__ring_buf *r, size_t capacity);
/* Frees the slots (not the items). */
void weft__ring_destroy(weft__ring_buf *r);
/* Doubles the capacity, keeping the order. WEFT_NOMEM on failure, ring intact. */
weft_status weft__ring_grow(weft__ring_buf *r);

static inline bool weft__ring_full(const weft__ring_buf *r)
{
    return r->count == r->mask + 1;
}

static inline void weft__ring_push(weft__ring_buf *r, void *item)
{
    r->slot[(r->head + r->count) & r->mask] = item;
    r->count++;
}

static inline void *weft__ring_pop_head(weft__ring_buf *r)
{
    void *item = r->slot[r->head];
    r->head = (r->head + 1) & r->mask;
    r->count--;
    return item;
}

static inline void *weft__ring_pop_tail(weft__ring_buf *r)
{
    r->count--;
    return r->slot[(r->head + r->count) & r->mask];
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

/* ---- the queue object -------------------------------------------------- */
typedef enum weft__queue_kind { WEFT__FIFO, WEFT__LIFO, WEFT__PRIORITY } weft__queue_kind;

struct weft_queue {
    weft__obj hdr;
    weft__queue_kind kind;
    size_t maxsize;            /* 0: unbounded */
    weft_free_fn free_item;

    /* Everything below `lock` is guarded by it and shares its cache line(s):
     * whoever holds the lock touches all of it anyway. */
    alignas(WEFT__CACHE_LINE) weft__qlock lock;
    atomic_size_t count;       /* items held; written under the lock, read without */
    atomic_bool shut;          /* shutdown() was called */
    size_t unfinished;         /* puts not yet matched by task_done */
    unsigned getters;          /* threads parked in get */
    unsigned putters;          /* threads parked in put */
    unsigned joiners;          /* threads parked in join */
    union {
        weft__ring_buf ring;
        weft__heap heap;
    } u;

    /* Futex words that parked threads sleep on; a bump and a wake tell them
     * to look again. Kept off the hot line: only touched when someone waits. */
    alignas(WEFT__CACHE_LINE) atomic_uint not_empty;
    atomic_uint not_full;
    atomic_uint all_done;
};

#endif /* WEFT__QUEUE_INTERNAL_H */
