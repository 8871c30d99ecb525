/* Internal pieces of the synchronisation primitives: the futex-word mutex that
 * Lock, RLock, the condition's waiter list and the barrier are built on, the
 * spin that precedes parking, thread identity, and the hooks Condition uses
 * to release and restore the lock it wraps. */
#ifndef WEFT__SYNC_INTERNAL_H
#define WEFT__SYNC_INTERNAL_H

#include "core/internal.h"

#include <pthread.h>

/* ---- spinning ------------------------------------------------------------ */

/* A hand-off between two running threads takes well under a microsecond;
 * spinning that long before a futex wait saves both a sleep and a wake-up
 * system call. Bounded, so a preempted peer costs only this much. */
#define WEFT__SPIN 100

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

/* ---- the futex-word mutex ----------------------------------------------- */

/* 0 free, 1 locked, 2 locked and someone may be parked on it. Not tied to a
 * thread: whoever holds it may hand the release to another thread, which is
 * what Python's Lock allows. */
enum { WEFT__M_FREE = 0, WEFT__M_LOCKED = 1, WEFT__M_CONTENDED = 2 };

typedef struct weft__mutex {
    atomic_uint word;
} weft__mutex;

static inline bool weft__mutex_trylock(weft__mutex *m)
{
    unsigned expected = WEFT__M_FREE;
    return atomic_compare_exchange_strong_explicit(&m->word, &expected, WEFT__M_LOCKED,
                                                   memory_order_acquire, memory_order_relaxed);
}

/* Slow path: spins, then parks until the mutex is taken or `d` passes
 * (NULL: no limit). Returns 0 or ETIMEDOUT. */
int weft__mutex_lock_slow(weft__mutex *m, const weft__deadline *d);

static inline void weft__mutex_lock(weft__mutex *m)
{
    if (WEFT__UNLIKELY(!weft__mutex_trylock(m)))
        (void)weft__mutex_lock_slow(m, NULL);
}

/* Releases and returns the previous state (0 means it was not locked, and
 * stays unlocked). Wakes one parked thread when there may be one. */
static inline unsigned weft__mutex_unlock(weft__mutex *m)
{
    unsigned old = atomic_exchange_explicit(&m->word, WEFT__M_FREE, memory_order_release);
    if (WEFT__UNLIKELY(old == WEFT__M_CONTENDED))
        weft__unpark(&m->word, 1);
    return old;
}

static inline bool weft__mutex_is_locked(weft__mutex *m)
{
    return atomic_load_explicit(&m->word, memory_order_relaxed) != WEFT__M_FREE;
}

/* ---- timeouts ------------------------------------------------------------ */

/* True when `timeout` is NaN or above WEFT_TIMEOUT_MAX: a fast path that
 * skips weft__deadline_init must still refuse these. */
static inline bool weft__timeout_bad(double timeout)
{
    return !(timeout <= WEFT_TIMEOUT_MAX);
}

/* ---- thread identity ----------------------------------------------------- */

/* The RLock owner: pthread_self() is unique among live threads, as Python's
 * get_ident() is; 0 is never a live thread's value on the platforms weft runs
 * on, so it stands for "no owner". */
static inline uintptr_t weft__self(void)
{
    return (uintptr_t)pthread_self();
}

/* ---- the types, and what Condition needs from the locks it wraps -------- */

extern const weft__type weft__lock_type;
extern const weft__type weft__rlock_type;

struct weft_lock {
    weft__obj hdr;
    weft__mutex m;
};

struct weft_rlock {
    weft__obj hdr;
    weft__mutex m;
    atomic_uintptr_t owner; /* written by the holder, read by anyone */
    unsigned long count;    /* touched only by the holder */
};

/* Lock: "owned" is "locked by anyone", as Python's Condition decides it for a
 * plain Lock. */
static inline bool weft__lock_is_owned(struct weft_lock *l)
{
    return weft__mutex_is_locked(&l->m);
}

bool weft__rlock_is_owned(struct weft_rlock *r);
/* Releases completely, returning the recursion count to restore. */
unsigned long weft__rlock_release_save(struct weft_rlock *r);
/* Re-acquires (without limit) and restores the recursion count. */
void weft__rlock_acquire_restore(struct weft_rlock *r, unsigned long count);

#endif /* WEFT__SYNC_INTERNAL_H */
