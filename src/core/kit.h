/* The concurrency kit every area builds on: the word lock, the waiter list,
 * the heap, adaptive spinning, the asymmetric fence, timeout checks and
 * parking on process-shared words.
 *
 * Everything here is written so that it can live in memory shared between
 * processes next: the word lock and the heap hold no pointers into their own
 * storage, and the `_shared` parking calls use futex words without
 * FUTEX_PRIVATE_FLAG. Only the waiter list keeps pointers, since its waiters
 * are records on in-process stacks. */
#ifndef WEFT__KIT_H
#define WEFT__KIT_H

#include "core/internal.h"

/* ---- layout ---------------------------------------------------------------- */

/* Two cache lines: adjacent-line prefetchers pair them, so data that two
 * sides write must be this far apart not to be traded back and forth. */
#define WEFT__CACHE_LINE 128

/* ---- timeouts ---------------------------------------------------------------- */

/* True when `timeout` is NaN or above WEFT_TIMEOUT_MAX (NaN fails the
 * comparison too): a fast path that skips weft__deadline_init must still
 * refuse these. */
static inline bool weft__timeout_bad(double timeout)
{
    return !(timeout <= WEFT_TIMEOUT_MAX);
}

/* The failure for a timeout weft__timeout_bad refused, in the words of
 * weft__deadline_init, which stays the one place that judges timeouts. */
weft_status weft__timeout_fail(double timeout, const char *fn);

/* ---- parking on process-shared words ---------------------------------------- */

/* As weft__park/weft__unpark, for words that other processes may wait on or
 * wake (in memory mapped shared). Where futexes are missing, a wake from
 * another process cannot reach the sleeper, so the sleep is cut into short
 * slices and the caller's re-check notices the change. */
int weft__park_shared(atomic_uint *addr, unsigned expected, const weft__deadline *d);
void weft__unpark_shared(atomic_uint *addr, int n);

/* The 32-bit half of a 64-bit atomic word that holds its low-order bits,
 * whichever the byte order: futexes are 32-bit, so a 64-bit word whose low
 * half is what changes (the multiprocessing locks' holder word) is parked
 * on and woken through this half. Only the kernel reads through it. */
static inline atomic_uint *weft__word64_low(_Atomic uint64_t *w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (atomic_uint *)(void *)w + 1;
#else
    return (atomic_uint *)(void *)w;
#endif
}

/* ---- the asymmetric fence ---------------------------------------------------- */

/* True when sleepers pay for the store-load fence that a release would
 * otherwise need (membarrier registered at load time). Set once, before any
 * lock exists, and never changed after. */
extern bool weft__asym_fence;

/* The sleeper's half: after it, every release that raced with the sleeper's
 * announcement is visible, or that release reads the announcement. Returns
 * false if the barrier could not be made. */
bool weft__heavy_fence(void);

/* CPUs this process may run on (at least 1). */
long weft__cpu_count(void);

/* CPUs online in the machine (os.cpu_count); <= 0 when the system cannot say. */
long weft__cpu_count_online(void);

/* ---- adaptive spinning --------------------------------------------------------- */

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

/* How many times to spin before sleeping; a fixed WEFT__SPIN_MAX without a
 * spin record. */
static inline unsigned weft__spin_budget(weft__spin *s)
{
    if (s == NULL)
        return WEFT__SPIN_MAX;
    unsigned b = atomic_load_explicit(&s->budget, memory_order_relaxed);
    if (b <= WEFT__SPIN_MIN && atomic_fetch_add_explicit(&s->waits, 1, memory_order_relaxed) % WEFT__SPIN_PROBE == 0)
        return WEFT__SPIN_LONG;
    return b;
}

/* Records whether spinning got what it waited for. */
static inline void weft__spin_result(weft__spin *s, bool won)
{
    if (s == NULL)
        return;
    unsigned b = atomic_load_explicit(&s->budget, memory_order_relaxed);
    unsigned nb = won ? WEFT__SPIN_MAX : (b / 2 > WEFT__SPIN_MIN ? b / 2 : WEFT__SPIN_MIN);
    if (nb != b)
        atomic_store_explicit(&s->budget, nb, memory_order_relaxed);
}

/* ---- the word lock ---------------------------------------------------------------
 * `word` is 0 (free) or 1 (locked) and is what sleepers wait on; `parked`
 * counts the threads that may be asleep on it. Eight bytes, no pointers, not
 * tied to a thread: whoever holds it may have another thread release it,
 * which is what Python's Lock allows.
 *
 * Acquiring is one compare-and-swap; releasing stores 0 and then reads
 * `parked`. That store-then-load is half of a Dekker handshake whose other
 * half is the sleeper's "count myself, then let the futex re-read the
 * word". Each lock picks, once for its life, who pays for the fence:
 *
 *   WEFT__WL_PRIVATE  the release is an atomic exchange (a full fence on
 *                     its own); for short internal critical sections.
 *   WEFT__WL_ASYM     the release is a plain store: the rare side, a thread
 *                     about to sleep, pays with membarrier(2), which puts a
 *                     full barrier into every running thread of the process.
 *                     Where membarrier is missing it falls back to the
 *                     exchange. With it, two threads releasing the same
 *                     locked lock at the same instant may both succeed: only
 *                     that misuse sees the difference.
 *   WEFT__WL_SHARED   in memory shared between processes: membarrier does
 *                     not reach other processes, so the release exchanges,
 *                     and sleepers park on a non-private futex. */
enum { WEFT__WL_FREE = 0, WEFT__WL_LOCKED = 1 };

/* True while the process has a single thread (glibc's __libc_single_threaded,
 * which never turns true again once a second thread was made): no other
 * thread can then contend for a lock or sleep on it, and an ASYM lock is
 * taken and released with plain loads and stores, as glibc's own mutexes
 * are. A locked instruction costs more than the rest of the uncontended
 * path on some CPUs. */
#ifdef WEFT_HAVE_LIBC_SINGLE_THREADED
#include <sys/single_threaded.h>
static inline bool weft__single_threaded(void)
{
    return __libc_single_threaded != 0;
}
#else
static inline bool weft__single_threaded(void)
{
    return false;
}
#endif
enum { WEFT__WL_PRIVATE = 0, WEFT__WL_ASYM = 1, WEFT__WL_SHARED = 2 };

typedef struct weft__wordlock {
    atomic_uint word;
    atomic_uint parked;
} weft__wordlock;

static inline void weft__wordlock_init(weft__wordlock *l)
{
    atomic_init(&l->word, WEFT__WL_FREE);
    atomic_init(&l->parked, 0);
}

static inline bool weft__wordlock_trylock(weft__wordlock *l)
{
    unsigned expected = WEFT__WL_FREE;
    return atomic_compare_exchange_strong_explicit(&l->word, &expected, WEFT__WL_LOCKED, memory_order_acquire,
                                                   memory_order_relaxed);
}

/* Slow path: spins (adapting `spin` if given), then sleeps until the lock is
 * taken or `d` passes (NULL: no limit). Returns 0 or ETIMEDOUT. */
int weft__wordlock_lock_slow(weft__wordlock *l, int mode, weft__spin *spin, const weft__deadline *d);

static inline void weft__wordlock_lock(weft__wordlock *l, int mode)
{
    if (WEFT__UNLIKELY(!weft__wordlock_trylock(l)))
        (void)weft__wordlock_lock_slow(l, mode, NULL, NULL);
}

/* The release, in two steps so that callers can keep their fast path free of
 * calls: returns 0 if the lock was not locked (nothing changed), 1 when
 * released, 2 when released and someone may sleep on it, in which case the
 * caller hands the wake-up to weft__wordlock_wake(). */
static inline int weft__wordlock_unlock_fast(weft__wordlock *l, int mode)
{
    if (mode == WEFT__WL_ASYM && weft__single_threaded()) {
        if (WEFT__UNLIKELY(atomic_load_explicit(&l->word, memory_order_relaxed) == WEFT__WL_FREE))
            return 0;
        atomic_store_explicit(&l->word, WEFT__WL_FREE, memory_order_relaxed);
        return 1; /* nobody else exists to sleep on it */
    }
    if (mode == WEFT__WL_ASYM && WEFT__LIKELY(weft__asym_fence)) {
        if (WEFT__UNLIKELY(atomic_load_explicit(&l->word, memory_order_relaxed) == WEFT__WL_FREE))
            return 0;
        atomic_store_explicit(&l->word, WEFT__WL_FREE, memory_order_release);
        atomic_signal_fence(memory_order_seq_cst); /* the sleeper's membarrier does the rest */
    } else if (WEFT__UNLIKELY(atomic_exchange_explicit(&l->word, WEFT__WL_FREE, memory_order_seq_cst) ==
                              WEFT__WL_FREE)) {
        return 0; /* it stored 0 over 0: nothing changed */
    }
    return WEFT__UNLIKELY(atomic_load_explicit(&l->parked, memory_order_seq_cst) != 0) ? 2 : 1;
}

/* Wakes one sleeper of a lock just released. */
void weft__wordlock_wake(weft__wordlock *l, int mode);

/* Releases; returns false (and changes nothing) if the lock was not locked. */
static inline bool weft__wordlock_unlock(weft__wordlock *l, int mode)
{
    int r = weft__wordlock_unlock_fast(l, mode);
    if (WEFT__UNLIKELY(r == 2))
        weft__wordlock_wake(l, mode);
    return r != 0;
}

/* The lock of a short internal critical section (WEFT__WL_PRIVATE). */
static inline void weft__wl_lock(weft__wordlock *l)
{
    weft__wordlock_lock(l, WEFT__WL_PRIVATE);
}

static inline void weft__wl_unlock(weft__wordlock *l)
{
    (void)weft__wordlock_unlock(l, WEFT__WL_PRIVATE);
}

static inline bool weft__wordlock_is_locked(weft__wordlock *l)
{
    return atomic_load_explicit(&l->word, memory_order_relaxed) != WEFT__WL_FREE;
}

/* ---- waiter lists ---------------------------------------------------------------
 * FIFO lists of waiters, each sleeping on its own word, so a waker wakes
 * exactly the waiters it picks and a burst of wakes while one waiter sleeps
 * costs one system call. Waiter records live on the waiters' stacks.
 *
 * A waiter's word: waiting (maybe spinning), signalled, asleep in the
 * kernel, or moved (signalled and requeued onto a lock's word by a
 * condition). The waker makes a system call only for a sleeper.
 *
 * `count` is read without the lock on fast paths: a waker makes its
 * condition true with a seq_cst store and then reads `count`; a waiter
 * enqueues (seq_cst increment) and then re-checks the condition, so one of
 * them always sees the other. */
enum { WEFT__WAIT_WAITING = 0, WEFT__WAIT_SIGNALLED = 1, WEFT__WAIT_PARKED = 2, WEFT__WAIT_MOVED = 3 };

typedef struct weft__waiter {
    struct weft__waiter *next, *prev;
    atomic_uint word;
} weft__waiter;

typedef struct weft__waitlist {
    weft__wordlock lock;
    atomic_uint count;
    weft__waiter *head, *tail;
} weft__waitlist;

/* Appends `w`; the caller then re-checks its condition and either withdraws
 * with weft__wait_cancel or sleeps. */
void weft__wait_enqueue(weft__waitlist *wl, weft__waiter *w);
/* Withdraws `w`; returns true if it had been signalled (or moved) meanwhile. */
bool weft__wait_cancel(weft__waitlist *wl, weft__waiter *w);
/* Spins (when `spin` is given), then sleeps until signalled or until `d`
 * passes. Returns 0 when signalled, ETIMEDOUT when the deadline passed first
 * (`w` is then off the list). */
int weft__wait_sleep(weft__waitlist *wl, weft__waiter *w, const weft__deadline *d, weft__spin *spin);
/* Signals the oldest waiter, if any. */
void weft__wait_wake_one(weft__waitlist *wl);
/* Signals every waiter. */
void weft__wait_wake_all(weft__waitlist *wl);

/* For wakers that pick their own way (a condition moving a waiter to its
 * lock): under the list's lock, takes the oldest waiter off the list... */
weft__waiter *weft__wait_pop_locked(weft__waitlist *wl);
/* ...and, once popped, signals it. After this the record may vanish. */
void weft__wait_signal(weft__waiter *w);

static inline void weft__waitlist_lock(weft__waitlist *wl)
{
    weft__wl_lock(&wl->lock);
}

static inline void weft__waitlist_unlock(weft__waitlist *wl)
{
    weft__wl_unlock(&wl->lock);
}

static inline bool weft__wait_any(weft__waitlist *wl)
{
    return atomic_load_explicit(&wl->count, memory_order_seq_cst) != 0;
}

/* ---- the event word ---------------------------------------------------------------
 * Python's Event on one futex word: bit 0 is the flag, bit 1 says someone
 * may be asleep, the remaining bits count the sets. A waiter that saw the
 * count move was set at some point while it waited, and succeeds even if
 * the flag was cleared again before it ran, as Python's waiters do. The
 * threading Event parks privately, the multiprocessing one `shared`. */
#define WEFT__EV_SET 1u
#define WEFT__EV_SLEEPERS 2u
#define WEFT__EV_GEN 4u

static inline bool weft__evword_is_set(atomic_uint *word)
{
    return (atomic_load_explicit(word, memory_order_acquire) & WEFT__EV_SET) != 0;
}

/* Sets the flag and wakes every sleeper. Inline, as threading.Event.set
 * was before the word moved here. */
static inline void weft__evword_set(atomic_uint *word, bool shared)
{
    unsigned v = atomic_load_explicit(word, memory_order_relaxed);
    unsigned nv;
    do {
        if (v & WEFT__EV_SET)
            return;
        /* Everyone asleep is woken now, so the sleepers bit starts afresh. */
        nv = ((v & ~WEFT__EV_SLEEPERS) + WEFT__EV_GEN) | WEFT__EV_SET;
    } while (!atomic_compare_exchange_weak_explicit(word, &v, nv, memory_order_release, memory_order_relaxed));
    if (v & WEFT__EV_SLEEPERS) {
        if (shared)
            weft__unpark_shared(word, INT32_MAX);
        else
            weft__unpark(word, INT32_MAX);
    }
}

static inline void weft__evword_clear(atomic_uint *word)
{
    atomic_fetch_and_explicit(word, ~WEFT__EV_SET, memory_order_relaxed);
}

/* Waits (spinning first, adapting `spin`) until the flag is set or was set
 * since the call began, or `d` passes. Returns 0 or ETIMEDOUT. */
int weft__evword_wait(atomic_uint *word, weft__spin *spin, const weft__deadline *d, bool shared);

/* ---- Condition.wait_for ---------------------------------------------------------
 * Python's loop, for the threading and the multiprocessing conditions:
 * calls pred(arg) and, while it is false, waits once through ops->wait
 * (until `d`; WEFT_OK when notified, else the failure, whose message the
 * loop writes), until the predicate holds or a wait fails. A predicate that
 * holds after a timed-out or interrupted wait wins, as in Python; a lock
 * whose owner died (WEFT_OWNER_DIED) is reported even then. `timeout` and
 * `fn` are for messages. */
typedef struct weft__wait_for_ops {
    bool (*owned)(void *cond);
    weft_status (*wait)(void *cond, const weft__deadline *d);
} weft__wait_for_ops;

weft_status weft__wait_for(void *cond, const weft__wait_for_ops *ops, weft_pred_fn pred, void *arg,
                           const weft__deadline *d, double timeout, int *result, const char *fn);

/* ---- the stable binary min-heap -------------------------------------------------
 * Ordered by (key, comparator, insertion order): the insertion counter makes
 * it stable, so equal items come out first-in, first-out, which Python gets
 * from comparing (priority, count) tuples. Entries are found by index, and
 * an item that needs to know its index (to be removed from the middle) is
 * told through `placed` whenever it moves. */
typedef int (*weft__heap_cmp)(const void *a, const void *b, void *arg);
typedef void (*weft__heap_placed)(void *item, size_t index);

typedef struct weft__heap_entry {
    void *item;
    int64_t key;  /* compared first */
    uint64_t seq; /* insertion order, compared last */
} weft__heap_entry;

typedef struct weft__heap {
    weft__heap_entry *e;
    size_t count, cap;
    uint64_t next_seq;
    weft__heap_cmp cmp;       /* may be NULL: order by key, then insertion */
    void *cmp_arg;
    weft__heap_placed placed; /* may be NULL */
} weft__heap;

void weft__heap_init(weft__heap *h, weft__heap_cmp cmp, void *cmp_arg, weft__heap_placed placed);
void weft__heap_destroy(weft__heap *h);
/* Makes room for one more entry. WEFT_NOMEM (naming `what`) on failure,
 * heap intact. */
weft_status weft__heap_reserve(weft__heap *h, const char *what);
/* Inserts and returns the item's insertion number; the caller made room
 * with weft__heap_reserve. */
uint64_t weft__heap_push(weft__heap *h, void *item, int64_t key);
/* Removes and returns the smallest item; the heap must not be empty. */
void *weft__heap_pop(weft__heap *h);
/* Removes and returns the item at `index`. */
void *weft__heap_remove(weft__heap *h, size_t index);

/* A key that orders doubles as the comparison does (no NaN; -0 equals +0). */
static inline int64_t weft__heap_key_double(double x)
{
    union {
        double d;
        int64_t i;
    } u = { .d = x + 0.0 }; /* -0.0 + 0.0 is +0.0 */
    return u.i < 0 ? u.i ^ INT64_MAX : u.i;
}

#endif /* WEFT__KIT_H */
