/* What the multiprocessing synchronisation primitives share: the layout of
 * their state in shared memory, where that state is placed, who "this
 * process" is, the lock word that survives its holder's death, and the
 * watcher that notices a death.
 *
 * Shared state holds no pointers, only numbers and offsets, and starts with
 * a header (magic, version, kind, size) so that a process attaching to
 * memory another process initialised can check what it finds. */
#ifndef WEFT__MPSYNC_INTERNAL_H
#define WEFT__MPSYNC_INTERNAL_H

#include "core/kit.h"
#include "sync/internal.h"

#include <pthread.h>
#include <sys/types.h>

/* ---- the header every shared state starts with ----------------------------- */

#define WEFT__MP_MAGIC 0x6d746677u /* "wftm" in little-endian bytes */
#define WEFT__MP_VERSION 1

enum {
    WEFT__MP_LOCK = 1,
    WEFT__MP_RLOCK = 2,
    WEFT__MP_SEMAPHORE = 3,
    WEFT__MP_CONDITION = 4,
    WEFT__MP_EVENT = 5,
    WEFT__MP_BARRIER = 6,
};

typedef struct weft__mp_hdr {
    _Atomic uint32_t magic;   /* stored last, with release, by the initialiser */
    uint16_t version;
    uint16_t kind;
    uint32_t size;            /* bytes of the whole state */
    _Atomic uint32_t refs;    /* arena blocks: the handles that use it, in all processes */
} weft__mp_hdr;

/* ---- placement --------------------------------------------------------------
 * A handle's state is in one of three places:
 *   WEFT__MP_AT     memory the caller shares (new_at / attach); never freed here;
 *   WEFT__MP_BLOCK  a block of weft's arena, counted by hdr.refs across the
 *                   processes that inherited a handle through fork;
 *   WEFT__MP_MAP    a mapping of its own (states bigger than a block), which
 *                   every process unmaps for itself. */
enum { WEFT__MP_AT = 0, WEFT__MP_BLOCK = 1, WEFT__MP_MAP = 2 };

typedef struct weft__mp_place {
    void *state;
    size_t size;                      /* usable bytes at `state` */
    void *chunk;                      /* WEFT__MP_BLOCK: the arena chunk */
    int how;
    struct weft__mp_place *prev, *next; /* the process's live blocks, for fork */
} weft__mp_place;

/* Places a new state of `size` bytes in the arena (zeroed). */
weft_status weft__mp_place_new(weft__mp_place *p, size_t size, const char *fn);
/* Uses the caller's memory for a new state of `need` bytes: WEFT_EINVAL for
 * NULL, misaligned (8 bytes) or too small memory. */
weft_status weft__mp_place_at(weft__mp_place *p, void *mem, size_t have, size_t need, const char *fn);
/* Uses a state of `kind` another process initialised in `mem`: WEFT_EINVAL
 * for a bad magic, version, kind or size. */
weft_status weft__mp_place_attach(weft__mp_place *p, void *mem, size_t have, int kind, const char *fn);
/* Fills the header; `magic` is stored last by weft__mp_publish. */
void weft__mp_hdr_init(weft__mp_hdr *h, int kind, size_t size);
static inline void weft__mp_publish(weft__mp_hdr *h)
{
    atomic_store_explicit(&h->magic, WEFT__MP_MAGIC, memory_order_release);
}
/* The handle's reference to the state is gone: gives an arena block back
 * once no process uses it, unmaps a mapping of its own. */
void weft__mp_place_release(weft__mp_place *p);
/* True when the state lives where fork children see it at the same address
 * (the arena): offsets between two such states are the same everywhere. */
static inline bool weft__mp_place_inherited(const weft__mp_place *p)
{
    return p->how != WEFT__MP_AT;
}

/* ---- handles ------------------------------------------------------------------
 * Every handle starts with this: the object header and where its state is.
 * The handle is this process's; `free` drops it and the placement's
 * reference, never state the caller placed. */
typedef struct weft__mp_obj {
    weft__obj hdr;
    weft__mp_place place;
} weft__mp_obj;

/* A new handle object of `objsize` bytes whose state (of `need` bytes) is
 * in the arena (WEFT__MP_MAKE_NEW), in the caller's memory `mem` of `have`
 * bytes (WEFT__MP_MAKE_AT), or attached to state already there
 * (WEFT__MP_MAKE_ATTACH, checked against `kind`). NULL with *st set on
 * failure. The caller initialises new state, then calls weft__mp_publish. */
enum { WEFT__MP_MAKE_NEW = 0, WEFT__MP_MAKE_AT = 1, WEFT__MP_MAKE_ATTACH = 2 };
void *weft__mp_obj_make(const weft__type *type, size_t objsize, int mode, void *mem, size_t have, size_t need,
                        int kind, const char *fn, weft_status *st);
/* A weft__type's destroy for these handles. */
void weft__mp_obj_destroy(void *obj);

/* ---- this process ----------------------------------------------------------- */

/* The process's identity as a lock word names a holder: its pid in the low
 * 32 bits, the low 32 bits of its start time in the high 32. Read once, and
 * again in a child of fork. */
extern _Atomic uint64_t weft__mp_me_cache;
uint64_t weft__mp_me_slow(void);
static inline uint64_t weft__mp_me(void)
{
    uint64_t me = atomic_load_explicit(&weft__mp_me_cache, memory_order_relaxed);
    return WEFT__LIKELY(me != 0) ? me : weft__mp_me_slow();
}

/* ---- the lock word ------------------------------------------------------------
 * 64 bits: the holder's identity (pid and start time, as weft__mp_me) with
 * three flags in bits the pid never uses (pid_max is at most 2^22):
 *   INCONSISTENT  a holder died and nobody has called _consistent since;
 *                 stays across releases, so every acquirer learns of it;
 *   DIED          the holder died; no pid then (the word is DIED plus flags);
 *   WAITERS       someone may sleep on the word: the release wakes them.
 * Free is 0 or INCONSISTENT. Sleepers park on the word's low half. */
#define WEFT__MP_PID_MASK 0x003fffffu
#define WEFT__MP_INCONSISTENT (1u << 29)
#define WEFT__MP_DIED (1u << 30)
#define WEFT__MP_WAITERS (1u << 31)
#define WEFT__MP_HOLDER_MASK (~(uint64_t)(WEFT__MP_INCONSISTENT | WEFT__MP_DIED | WEFT__MP_WAITERS))

typedef struct weft__mp_lockstate {
    _Atomic uint64_t word;
    _Atomic uint64_t owner;   /* RLock: the owning thread (weft__self()), 0 for none */
    uint64_t count;           /* RLock: recursion count, the owner's only */
    _Atomic uint32_t deaths;  /* holders found dead, ever */
    uint32_t reserved;
    _Atomic int64_t link;     /* offset from here to a condition's sequence word, 0 for none */
} weft__mp_lockstate;

static inline void weft__mp_lockstate_init(weft__mp_lockstate *ls)
{
    atomic_init(&ls->word, 0);
    atomic_init(&ls->owner, 0);
    ls->count = 0;
    atomic_init(&ls->deaths, 0);
    ls->reserved = 0;
    atomic_init(&ls->link, 0);
}

static inline bool weft__mp_held(uint64_t w)
{
    return ((uint32_t)w & (WEFT__MP_PID_MASK | WEFT__MP_DIED)) != 0;
}

static inline bool weft__mp_held_by(uint64_t w, uint64_t who)
{
    return (w & WEFT__MP_HOLDER_MASK) == who;
}

/* Acquire: one compare-and-swap from free; everything else (an
 * inconsistent lock, a dead holder, waiting) is weft__mp_lock_slow. Returns
 * WEFT_OK, WEFT_OWNER_DIED (acquired, inconsistent), or a failure naming
 * `fn` (WEFT_TIMEOUT, WEFT_INTERRUPTED, WEFT_EINVAL/WEFT_OVERFLOW for a bad
 * timeout). */
weft_status weft__mp_lock_slow(weft__mp_lockstate *ls, double timeout, const char *fn);
static inline weft_status weft__mp_lock_acquire(weft__mp_lockstate *ls, double timeout, const char *fn)
{
    uint64_t expected = 0;
    if (WEFT__LIKELY(!weft__timeout_bad(timeout)) &&
        atomic_compare_exchange_strong_explicit(&ls->word, &expected, weft__mp_me(), memory_order_acquire,
                                                memory_order_relaxed))
        return WEFT_OK;
    return weft__mp_lock_slow(ls, timeout, fn);
}

/* As weft__mp_lock_acquire with an already made deadline (NULL: forever);
 * `timeout` is for the message. */
weft_status weft__mp_lock_wait(weft__mp_lockstate *ls, const weft__deadline *d, double timeout, const char *fn);

/* Release by anyone: one compare-and-swap; the sleepers, if any, are woken
 * by weft__mp_lock_wake. False when the lock was not locked. */
void weft__mp_lock_wake(weft__mp_lockstate *ls);
static inline bool weft__mp_lock_release(weft__mp_lockstate *ls)
{
    uint64_t w = atomic_load_explicit(&ls->word, memory_order_relaxed), nw;
    do {
        if (WEFT__UNLIKELY(!weft__mp_held(w)))
            return false;
        /* Releasing for a dead holder keeps the death on record. */
        nw = (w & WEFT__MP_INCONSISTENT) | (((uint32_t)w & WEFT__MP_DIED) ? WEFT__MP_INCONSISTENT : 0);
    } while (!atomic_compare_exchange_weak_explicit(&ls->word, &w, nw, memory_order_release, memory_order_relaxed));
    if (WEFT__UNLIKELY((uint32_t)w & WEFT__MP_WAITERS))
        weft__mp_lock_wake(ls);
    return true;
}

/* The holder named by `holder` (a word's identity bits) is dead: turns the
 * word into DIED if that holder still holds it, wakes the sleepers and the
 * linked condition's waiters. Called by waiters and by the watcher. */
void weft__mp_lock_mark_died(weft__mp_lockstate *ls, uint64_t holder);

/* Marks the lock consistent; the caller checked it holds the lock. */
static inline void weft__mp_lock_set_consistent(weft__mp_lockstate *ls)
{
    atomic_fetch_and_explicit(&ls->word, ~(uint64_t)WEFT__MP_INCONSISTENT, memory_order_relaxed);
}

/* The Lock and RLock handles: the same layout, different types. */
struct weft_mp_lock {
    weft__mp_obj base;
    weft__mp_lockstate *ls;
};

struct weft_mp_rlock {
    weft__mp_obj base;
    weft__mp_lockstate *ls;
};

/* The Lock and RLock handles (same layout, different type and kind) over
 * state placed as `mode` says; `out` is cleared first. */
weft_status weft__mp_lock_make(void **out, const weft__type *type, int kind, int mode, void *mem, size_t size,
                               const char *fn);
extern const weft__type weft__mp_lock_type;
extern const weft__type weft__mp_rlock_type;

/* The RLock on top of the lock word: acquire (nested or not), release by
 * the owner thread of the owner process. */
weft_status weft__mp_rlock_acquire(weft__mp_lockstate *ls, double timeout, const char *fn);
weft_status weft__mp_rlock_release(weft__mp_lockstate *ls, const char *fn);
static inline bool weft__mp_rlock_mine(weft__mp_lockstate *ls)
{
    return weft__mp_held_by(atomic_load_explicit(&ls->word, memory_order_relaxed), weft__mp_me()) &&
           atomic_load_explicit(&ls->owner, memory_order_relaxed) == (uint64_t)weft__self();
}

/* ---- liveness and the watcher --------------------------------------------------
 * A waiter about to sleep on a word that another process holds first makes
 * sure that process is alive and registers a watch: the process's watcher
 * thread (one per process, started on first use) learns of the holder's
 * death through its pidfd (elsewhere: by checking on a period) and then
 * performs the watch's action, which wakes the sleeper. */
enum {
    WEFT__MP_WATCH_LOCK = 1, /* weft__mp_lock_mark_died(target, holder) */
    WEFT__MP_WATCH_FLAG = 2, /* fetch_or(flag) on the word at target, wake all */
};

typedef struct weft__mp_watch {
    struct weft__mp_watch *prev, *next;
    struct weft__mp_proc *proc;
    int action;
    void *target;
    uint32_t flag;
    uint64_t holder;
} weft__mp_watch;

/* False when the process named by `holder` is dead (nothing registered);
 * true when it is alive and `w` is registered until weft__mp_watch_end. */
bool weft__mp_watch_begin(weft__mp_watch *w, uint64_t holder, int action, void *target, uint32_t flag);
void weft__mp_watch_end(weft__mp_watch *w);

/* True when the process named by `holder` is alive, asked of the system now. */
bool weft__mp_alive(uint64_t holder);

/* The failure of a timed-out or interrupted wait, as the threading
 * primitives report it. */
#define WEFT__MP_WAIT_FAILED(fn, timeout) \
    WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: timed out after %g s", fn, timeout)

#endif /* WEFT__MPSYNC_INTERNAL_H */
