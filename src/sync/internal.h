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
 * system call. When the peer is not running (more runnable threads than
 * CPUs), spinning only burns the CPU it needs, so each object adapts its
 * spin: the full budget while spinning pays off, halved after every miss
 * down to a floor that still catches a peer that is spinning too.
 *
 * Two threads that hand work back and forth and have both taken to sleeping
 * stay asleep: each one's spin ends before the other has even woken up. So
 * at the floor every WEFT__SPIN_PROBE-th wait spins long enough to cover a
 * wake-up (WEFT__SPIN_LONG, some tens of microseconds); if that catches the
 * peer, both are back to spinning. Counts are of cpu-relax instructions,
 * some tens of nanoseconds each on current x86 cores. */
#define WEFT__SPIN_MAX 100
#define WEFT__SPIN_MIN 25
#define WEFT__SPIN_LONG 1000
#define WEFT__SPIN_PROBE 64

typedef struct weft__spin {
    atomic_uint budget;
    atomic_uint waits; /* counts waits at the floor, for the probes */
} weft__spin;


static inline void weft__spin_init(weft__spin *s)
{
    atomic_init(&s->budget, WEFT__SPIN_MAX);
    atomic_init(&s->waits, 0);
}

/* How many times to spin before sleeping. */
static inline unsigned weft__spin_budget(weft__spin *s)
{
    unsigned b = atomic_load_explicit(&s->budget, memory_order_relaxed);
    if (b <= WEFT__SPIN_MIN && atomic_fetch_add_explicit(&s->waits, 1, memory_order_relaxed) % WEFT__SPIN_PROBE == 0)
        return WEFT__SPIN_LONG;
    return b;
}

/* Records whether spinning got what it waited for. */
static inline void weft__spin_result(weft__spin *s, bool won)
{
    unsigned b = atomic_load_explicit(&s->budget, memory_order_relaxed);
    unsigned nb = won ? WEFT__SPIN_MAX : (b / 2 > WEFT__SPIN_MIN ? b / 2 : WEFT__SPIN_MIN);
    if (nb != b)
        atomic_store_explicit(&s->budget, nb, memory_order_relaxed);
}

/* ---- the futex-word mutex ----------------------------------------------- */

/* `word` is 0 (free) or 1 (locked) and is what sleepers wait on; `parked`
 * counts the threads that may be asleep on it. The mutex is not tied to a
 * thread: whoever holds it may have another thread release it, which is
 * what Python's Lock allows.
 *
 * Acquiring is one compare-and-swap; releasing is a plain store followed by
 * a read of `parked`, so the uncontended pair costs one atomic instruction.
 * That store-then-load is half of a Dekker handshake whose other half is the
 * sleeper's "count myself, then let the futex re-read the word". Its fence
 * is made asymmetric: the rare side, a thread about to sleep, pays for it
 * with membarrier(2), which puts a full barrier into every running thread
 * of the process, so the frequent side, the release, needs only a compiler
 * barrier. Where membarrier is missing, the release is an atomic exchange,
 * which is a full fence. */
enum { WEFT__M_FREE = 0, WEFT__M_LOCKED = 1 };

typedef struct weft__mutex {
    atomic_uint word;
    atomic_uint parked;
    weft__spin spin;
} weft__mutex;

/* True when sleepers pay for the fence (membarrier registered at load time). */
extern bool weft__asym_fence;

static inline void weft__mutex_init(weft__mutex *m)
{
    atomic_init(&m->word, WEFT__M_FREE);
    atomic_init(&m->parked, 0);
    weft__spin_init(&m->spin);
}

static inline bool weft__mutex_trylock(weft__mutex *m)
{
    unsigned expected = WEFT__M_FREE;
    return atomic_compare_exchange_strong_explicit(&m->word, &expected, WEFT__M_LOCKED,
                                                   memory_order_acquire, memory_order_relaxed);
}

/* Slow path: spins, then sleeps until the mutex is taken or `d` passes
 * (NULL: no limit). Returns 0 or ETIMEDOUT. */
int weft__mutex_lock_slow(weft__mutex *m, const weft__deadline *d);

static inline void weft__mutex_lock(weft__mutex *m)
{
    if (WEFT__UNLIKELY(!weft__mutex_trylock(m)))
        (void)weft__mutex_lock_slow(m, NULL);
}

/* The release, in two steps so that callers can keep their fast path free of
 * calls: weft__mutex_unlock_fast() returns 0 if the mutex was not locked
 * (nothing changed), 1 when released, 2 when released and someone may sleep
 * on it, in which case the caller hands the wake-up to weft__mutex_wake().
 *
 * With the asymmetric fence, two threads releasing the same locked mutex at
 * the same instant may both succeed: only that misuse, never a correct
 * program, sees the difference from an atomic exchange. */
static inline int weft__mutex_unlock_fast(weft__mutex *m)
{
    if (WEFT__LIKELY(weft__asym_fence)) {
        if (WEFT__UNLIKELY(atomic_load_explicit(&m->word, memory_order_relaxed) == WEFT__M_FREE))
            return 0;
        atomic_store_explicit(&m->word, WEFT__M_FREE, memory_order_release);
        atomic_signal_fence(memory_order_seq_cst); /* the sleeper's membarrier does the rest */
    } else if (WEFT__UNLIKELY(atomic_exchange_explicit(&m->word, WEFT__M_FREE, memory_order_seq_cst) ==
                              WEFT__M_FREE)) {
        return 0; /* it stored 0 over 0: nothing changed */
    }
    return WEFT__UNLIKELY(atomic_load_explicit(&m->parked, memory_order_seq_cst) != 0) ? 2 : 1;
}

/* Wakes one sleeper of a mutex just released. */
void weft__mutex_wake(weft__mutex *m);

/* Releases; returns false (and changes nothing) if the mutex was not locked. */
static inline bool weft__mutex_unlock(weft__mutex *m)
{
    int r = weft__mutex_unlock_fast(m);
    if (WEFT__UNLIKELY(r == 2))
        weft__mutex_wake(m);
    return r != 0;
}

/* Moves one thread parked on `from` (if `*from == expected`) to sleep on
 * `to` instead, without waking it. Returns false if the platform cannot, in
 * which case the caller must wake the thread itself. */
bool weft__requeue(atomic_uint *from, unsigned expected, atomic_uint *to);

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

/* The RLock owner: a value unique among live threads, as Python's
 * get_ident() is, and never 0, which stands for "no owner". The thread
 * pointer is what pthread_self() returns with glibc and musl, without the
 * call. */
static inline uintptr_t weft__self(void)
{
#if defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && \
    (defined(__x86_64__) || defined(__aarch64__))
    return (uintptr_t)__builtin_thread_pointer();
#else
    return (uintptr_t)pthread_self();
#endif
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
