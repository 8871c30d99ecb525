/* Internal pieces of the synchronisation primitives: the mutex that Lock,
 * RLock and the barrier are built on (the kit's word lock), thread identity,
 * and what Condition needs from the locks it wraps. */
#ifndef WEFT__SYNC_INTERNAL_H
#define WEFT__SYNC_INTERNAL_H

#include "core/kit.h"

#include <pthread.h>

/* ---- the mutex ------------------------------------------------------------ */

/* Lock, RLock, the barrier and the condition's lock are the kit's word lock
 * (core/kit.h) with the asymmetric fence, so that the uncontended release
 * is a plain store, and an adaptive spin of their own. */
typedef struct weft__mutex {
    weft__wordlock wl;
    weft__spin spin;
} weft__mutex;

static inline void weft__mutex_init(weft__mutex *m)
{
    weft__wordlock_init(&m->wl);
    weft__spin_init(&m->spin);
}

static inline bool weft__mutex_trylock(weft__mutex *m)
{
    if (weft__single_threaded()) { /* see kit.h: no other thread to race */
        if (atomic_load_explicit(&m->wl.word, memory_order_relaxed) != WEFT__WL_FREE)
            return false;
        atomic_store_explicit(&m->wl.word, WEFT__WL_LOCKED, memory_order_relaxed);
        return true;
    }
    return weft__wordlock_trylock(&m->wl);
}

/* Slow path: spins, then sleeps until the mutex is taken or `d` passes
 * (NULL: no limit). Returns 0 or ETIMEDOUT. */
static inline int weft__mutex_lock_slow(weft__mutex *m, const weft__deadline *d)
{
    return weft__wordlock_lock_slow(&m->wl, WEFT__WL_ASYM, &m->spin, d);
}

static inline void weft__mutex_lock(weft__mutex *m)
{
    if (WEFT__UNLIKELY(!weft__mutex_trylock(m)))
        (void)weft__mutex_lock_slow(m, NULL);
}

/* See weft__wordlock_unlock_fast: 0 not locked, 1 released, 2 released and
 * the caller hands the wake-up to weft__mutex_wake(). */
static inline int weft__mutex_unlock_fast(weft__mutex *m)
{
    return weft__wordlock_unlock_fast(&m->wl, WEFT__WL_ASYM);
}

static inline void weft__mutex_wake(weft__mutex *m)
{
    weft__wordlock_wake(&m->wl, WEFT__WL_ASYM);
}

/* Releases; returns false (and changes nothing) if the mutex was not locked. */
static inline bool weft__mutex_unlock(weft__mutex *m)
{
    return weft__wordlock_unlock(&m->wl, WEFT__WL_ASYM);
}

/* Moves one thread parked on `from` (if `*from == expected`) to sleep on
 * `to` instead, without waking it. Returns false if the platform cannot, in
 * which case the caller must wake the thread itself. */
bool weft__requeue(atomic_uint *from, unsigned expected, atomic_uint *to);

static inline bool weft__mutex_is_locked(weft__mutex *m)
{
    return weft__wordlock_is_locked(&m->wl);
}

/* ---- thread identity ----------------------------------------------------- */

/* The RLock owner: a value unique among live threads, as Python's
 * get_ident() is, and never 0, which stands for "no owner". The thread
 * pointer is what pthread_self() returns with glibc and musl, without the
 * call; on any ELF system it is the thread's own TLS block, unique among
 * live threads, which is all an owner needs. */
static inline uintptr_t weft__self(void)
{
#if defined(__ELF__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && \
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

/* Only the owner itself can have stored its own id, so a relaxed load that
 * reads it is exact; any other value means "not mine". */
static inline bool weft__rlock_mine(struct weft_rlock *r, uintptr_t me)
{
    return atomic_load_explicit(&r->owner, memory_order_relaxed) == me;
}

/* The bodies of acquire and release on objects (not handles), reporting as
 * `fn`: the public calls and Condition, which acquires and releases the
 * lock it wraps, share them. */
weft_status weft__lock_acquire_in(struct weft_lock *l, double timeout, const char *fn);
weft_status weft__rlock_acquire_in(struct weft_rlock *r, double timeout, const char *fn);
/* Release's cold half: `r` is what weft__mutex_unlock_fast returned (0 or 2). */
weft_status weft__lock_release_slow(struct weft_lock *l, int r, const char *fn);
weft_status weft__rlock_release_not_owner(const char *fn);
void weft__rlock_release_wake(struct weft_rlock *r);

static inline weft_status weft__lock_release_in(struct weft_lock *l, const char *fn)
{
    int r = weft__mutex_unlock_fast(&l->m);
    if (WEFT__LIKELY(r == 1))
        return WEFT_OK;
    return weft__lock_release_slow(l, r, fn);
}

static inline weft_status weft__rlock_release_in(struct weft_rlock *r, const char *fn)
{
    if (WEFT__UNLIKELY(!weft__rlock_mine(r, weft__self())))
        return weft__rlock_release_not_owner(fn);
    if (--r->count != 0)
        return WEFT_OK;
    atomic_store_explicit(&r->owner, 0, memory_order_relaxed);
    /* The owner's own lock is locked: the fast release cannot report 0. */
    if (WEFT__UNLIKELY(weft__mutex_unlock_fast(&r->m) == 2))
        weft__rlock_release_wake(r);
    return WEFT_OK;
}

/* A new RLock object with one reference, or NULL (message set). */
struct weft_rlock *weft__rlock_create(void);
bool weft__rlock_is_owned(struct weft_rlock *r);
/* Releases completely, returning the recursion count to restore. */
unsigned long weft__rlock_release_save(struct weft_rlock *r);
/* Re-acquires (without limit) and restores the recursion count. */
void weft__rlock_acquire_restore(struct weft_rlock *r, unsigned long count);

#endif /* WEFT__SYNC_INTERNAL_H */
