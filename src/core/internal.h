/* Internal interfaces shared by every area of weft. Names start with `weft__`
 * (two underscores): nothing here is API, nothing here is exported. */
#ifndef WEFT__INTERNAL_H
#define WEFT__INTERNAL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "weft.h"

#if defined(__GNUC__) || defined(__clang__)
#define WEFT__LIKELY(x) __builtin_expect(!!(x), 1)
#define WEFT__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WEFT__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WEFT__LIKELY(x) (x)
#define WEFT__UNLIKELY(x) (x)
#define WEFT__PRINTF(a, b)
#endif

/* ---- errors ------------------------------------------------------------ */

/* Sets the calling thread's message and returns `status`, so a failure path
 * reads `return weft__fail(WEFT_EINVAL, "lock: timeout is NaN");`. */
weft_status weft__fail(weft_status status, const char *fmt, ...) WEFT__PRINTF(2, 3);

/* As weft__fail for WEFT_OS: saves `err` for weft_errno() and appends its text. */
weft_status weft__fail_os(int err, const char *fmt, ...) WEFT__PRINTF(2, 3);

/* Maps an errno from an allocation or thread call to a status with a message. */
weft_status weft__fail_errno(int err, const char *what);

/* ---- handles ----------------------------------------------------------- */

/* Every object starts with a weft__obj header. Objects live in type-stable
 * memory (core/object.c): a slot, once handed out, stays mapped and holds a
 * header for the life of the process, so reading the header through any
 * handle ever given out is safe. Each life of a slot has a generation, and a
 * handle is the slot's address with that generation folded into bits the
 * address does not use (the low six of a 64-byte-aligned slot and, on 64-bit
 * machines, the top sixteen). A handle whose generation is not the slot's
 * current one was freed, however long ago and whatever the slot holds now.
 * A slot whose generation would wrap is retired, never reused, so no
 * generation repeats.
 *
 * `state` packs the generation with two counts: `total` references (the
 * object dies when it reaches 0) and, among them, `caller` references — the
 * creator's and those taken with weft_handle_ref() — which are the only ones
 * that weft_<object>_free and weft_handle_unref may drop. A free with no
 * caller reference left is a double free: WEFT_EINVAL, and the library's own
 * references (a running thread's, a pending future's) stay. */
typedef struct weft__type {
    const char *name;                 /* "lock", "queue", ... for messages */
    void (*destroy)(void *obj);       /* releases everything but the slot */
} weft__type;

typedef struct weft__obj {
    _Atomic uint64_t state;                 /* generation | caller | total */
    _Atomic(const weft__type *) type;
    uint32_t slot_class;                    /* the slot's size class, fixed */
} weft__obj;

#define WEFT__REF_BITS 21
#define WEFT__REF_MAX ((UINT64_C(1) << WEFT__REF_BITS) - 1)
#define WEFT__CALLER_ONE (UINT64_C(1) << WEFT__REF_BITS)
#define WEFT__GEN_SHIFT (2 * WEFT__REF_BITS)
#if UINTPTR_MAX > 0xffffffffu
#define WEFT__GEN_BITS 22 /* 6 low bits and 16 high bits of the address */
#define WEFT__ADDR_MASK UINT64_C(0x0000ffffffffffc0)
#else
#define WEFT__GEN_BITS 6  /* the low bits only: generations wrap on 32-bit */
#define WEFT__ADDR_MASK (~(uintptr_t)63)
#endif
#define WEFT__GEN_MAX ((UINT64_C(1) << WEFT__GEN_BITS) - 1)

/* Alignment of every slot. */
#define WEFT__OBJ_ALIGN 64

extern const weft__type weft__dead_type;

static inline weft__obj *weft__obj_of(const void *h)
{
    return (weft__obj *)((uintptr_t)h & WEFT__ADDR_MASK);
}

static inline uint64_t weft__gen_of(const void *h)
{
    uintptr_t v = (uintptr_t)h;
#if UINTPTR_MAX > 0xffffffffu
    return (uint64_t)(v & 63) | ((uint64_t)(v >> 48) << 6);
#else
    return (uint64_t)(v & 63);
#endif
}

static inline void *weft__handle_make(const weft__obj *o, uint64_t gen)
{
    uintptr_t v = (uintptr_t)o | (uintptr_t)(gen & 63);
#if UINTPTR_MAX > 0xffffffffu
    v |= (uintptr_t)(gen >> 6) << 48;
#endif
    return (void *)v;
}

/* Allocates a zeroed object of `size` bytes whose start is a weft__obj of
 * `type` with one reference, the caller's. Returns NULL (and sets the
 * message) when out of memory. */
void *weft__obj_new(const weft__type *type, size_t size);

/* Gives back an object from weft__obj_new that was never handed out, without
 * running its type's destroy (a constructor's failure path). */
void weft__obj_discard(void *obj);

/* Turns the creator's reference of a fresh object into one the library
 * holds: for objects the library makes for its own keeping. */
static inline void weft__obj_disown(void *obj)
{
    atomic_fetch_sub_explicit(&((weft__obj *)obj)->state, WEFT__CALLER_ONE, memory_order_relaxed);
}

/* As weft__obj_new, for an object that can never die, however often a
 * caller frees it (the main thread). */
void *weft__obj_new_immortal(const weft__type *type, size_t size);

/* Where slots live: [base, base + committed) of one reservation. */
typedef struct weft__region_bounds {
    uintptr_t base;
    _Atomic size_t committed;
} weft__region_bounds;
extern weft__region_bounds weft__region;

/* True when `o` lies where objects live (false for NULL, and for any pointer
 * that is not a handle): only then is reading its header safe. */
static inline bool weft__in_region(const void *o)
{
    return (uintptr_t)o - weft__region.base <
           atomic_load_explicit(&weft__region.committed, memory_order_acquire);
}

/* True when `h` is a handle of the live object it names, of `type`. */
static inline bool weft__is_live(const void *h, const weft__type *type)
{
    const weft__obj *o = weft__obj_of(h);
    return weft__in_region(o) &&
           (atomic_load_explicit(&o->state, memory_order_acquire) >> WEFT__GEN_SHIFT) == weft__gen_of(h) &&
           atomic_load_explicit(&o->type, memory_order_relaxed) == type;
}

/* Checks that `h` is a live handle of `type` and returns the object it stands
 * for, or NULL with *st set to WEFT_EINVAL and a message naming `fn`. A
 * handle is not the object's address: always go through this (or the
 * WEFT__OPEN macro) before touching the object, and through weft__handle()
 * before handing an object out. */
void *weft__open_failed(const void *h, const weft__type *type, const char *fn, weft_status *st);
static inline void *weft__open(const void *h, const weft__type *type, const char *fn, weft_status *st)
{
    if (WEFT__LIKELY(weft__is_live(h, type))) {
        *st = WEFT_OK;
        return weft__obj_of(h);
    }
    return weft__open_failed(h, type, fn, st);
}

/* The object's live handle, as callers see it (in constructors: `*out =
 * weft__handle(obj)`; for handles the library gives out later, too). */
static inline void *weft__handle(const void *obj)
{
    const weft__obj *o = obj;
    return o == NULL ? NULL
                     : weft__handle_make(o, atomic_load_explicit(&o->state, memory_order_relaxed) >> WEFT__GEN_SHIFT);
}

/* The object behind `h` when it is a live handle of `type`, else NULL with no
 * message: for fast paths, which report through weft__open on their slow path. */
static inline void *weft__live(const void *h, const weft__type *type)
{
    return WEFT__LIKELY(weft__is_live(h, type)) ? weft__obj_of(h) : NULL;
}

/* ---- entry points --------------------------------------------------------
 * The prologue every public function repeats, naming the function through
 * __func__ in its messages:
 *
 *     weft_status weft_lock_locked(weft_lock *lock, int *out)
 *     {
 *         WEFT__OPEN(lock, weft__lock_type);   // or return WEFT_EINVAL
 *         WEFT__OUT(out);                      // NULL out: WEFT_EINVAL
 *         ...
 *
 * WEFT__OPEN rebinds the parameter to the object, so the body uses it as it
 * always has. */
#define WEFT__OPEN(h, type)                                                 \
    do {                                                                    \
        weft_status weft__st_;                                              \
        (h) = weft__open((h), &(type), __func__, &weft__st_);               \
        if (WEFT__UNLIKELY(weft__st_ != WEFT_OK))                           \
            return weft__st_;                                               \
    } while (0)

/* A required out-parameter (or any pointer argument): NULL is WEFT_EINVAL
 * with a message naming the function and the parameter. */
#define WEFT__OUT(p)                                                        \
    do {                                                                    \
        if (WEFT__UNLIKELY((p) == NULL))                                    \
            return weft__fail(WEFT_EINVAL, "%s: %s is NULL", __func__, #p); \
    } while (0)

/* As WEFT__OUT, then clears it, for functions that promise a cleared
 * out-parameter on failure. */
#define WEFT__OUT_CLEAR(p)                                                  \
    do {                                                                    \
        WEFT__OUT(p);                                                       \
        *(p) = (__typeof__(*(p)))0;                                         \
    } while (0)

/* The whole body of weft_<object>_free. */
#define WEFT__FREE(h, type) return weft__free_handle((h), &(type), __func__)

/* The library's own references, on an object (not a handle) it already
 * holds: one more, one less; the last one destroys the object and gives its
 * slot back with the next generation. */
static inline void weft__ref(void *obj)
{
    atomic_fetch_add_explicit(&((weft__obj *)obj)->state, 1, memory_order_relaxed);
}
void weft__unref(void *obj);

/* A new caller reference, for functions that hand the caller one more
 * reference to an object the library holds (the caller frees it). */
static inline void weft__ref_caller(void *obj)
{
    atomic_fetch_add_explicit(&((weft__obj *)obj)->state, WEFT__CALLER_ONE + 1, memory_order_relaxed);
}

/* Drops a caller reference from inside the library (a list of handles the
 * caller hands back); false, with nothing changed, when none is left. */
bool weft__unref_caller(void *obj);

/* The common body of weft_<object>_free: NULL is fine, a wrong or stale handle
 * is WEFT_EINVAL, so is a handle with no caller reference left; otherwise the
 * caller's reference is dropped. */
weft_status weft__free_handle(void *h, const weft__type *type, const char *fn);

/* ---- time -------------------------------------------------------------- */

typedef struct weft__deadline {
    bool forever;        /* negative timeout */
    bool once;           /* zero timeout: try once, never block */
    struct timespec at;  /* absolute, CLOCK_MONOTONIC */
} weft__deadline;

/* Turns a timeout in seconds into a deadline; WEFT_EINVAL for NaN and
 * WEFT_OVERFLOW above WEFT_TIMEOUT_MAX, with `what` in the message. */
weft_status weft__deadline_init(weft__deadline *d, double timeout, const char *what);

/* Nanoseconds left until `d` (0 once it has passed; INT64_MAX if forever). */
int64_t weft__deadline_left_ns(const weft__deadline *d);

/* Monotonic time in nanoseconds. */
int64_t weft__now_ns(void);

/* ---- interruptible waits ------------------------------------------------
 * With weft_threading_set_interruptible() on, a wait of a public blocking
 * call (one with a deadline, never the library's internal locks) that a
 * signal handler cut short is reported as a timeout to the code around it,
 * which undoes the wait as it would for a timeout; the flag below then turns
 * the timeout the call reports into WEFT_INTERRUPTED. Every deadline starts
 * with the flag clear. */
extern _Thread_local bool weft__interruptible;
extern _Thread_local bool weft__interrupted;

/* A system call waiting on behalf of `d` returned EINTR: true when that
 * ends the wait (the caller then acts as if `d` had passed). */
static inline bool weft__note_interrupt(const weft__deadline *d)
{
    if (d == NULL || !weft__interruptible)
        return false;
    weft__interrupted = true;
    return true;
}

/* How a blocking call reports the end of a wait that did not succeed: as
 * WEFT_INTERRUPTED when a signal ended it, otherwise as the call's own
 * failure. `fn` names the call. */
#define WEFT__WAIT_FAILED(fn, ...) (weft__interrupted ? weft__fail_interrupted(fn) : weft__fail(__VA_ARGS__))

/* WEFT_INTERRUPTED for `fn`, and the flag cleared. */
weft_status weft__fail_interrupted(const char *fn);

/* ---- parking (futex on Linux, hashed condition variables elsewhere) ---- */

/* Blocks while `*addr == expected`, until woken or until `d` passes (NULL: no
 * limit). Returns 0 when woken or when the value differed (the caller
 * re-checks), ETIMEDOUT when the deadline passed. Spurious returns happen and
 * EINTR is absorbed. */
int weft__park(atomic_uint *addr, unsigned expected, const weft__deadline *d);

/* Parks with `park` for at most `max_ns` of what is left of `d` (NULL: no
 * limit), for a word whose wakes may not reach this sleeper (another
 * process's, or a release without its fence). Returns ETIMEDOUT when `d`
 * passed or a signal ended an interruptible wait, 0 otherwise (re-check). */
int weft__park_slice(int (*park)(atomic_uint *, unsigned, const weft__deadline *), atomic_uint *addr,
                     unsigned expected, const weft__deadline *d, int64_t max_ns);

/* Wakes up to `n` threads parked on `addr` (INT32_MAX: all). */
void weft__unpark(atomic_uint *addr, int n);

/* One CPU relaxation inside a spin loop (PAUSE on x86, YIELD on arm64). */
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

/* ---- callables --------------------------------------------------------- */

struct weft_outcome {
    weft_status status;     /* WEFT_OK or the failure reported */
    bool reported;          /* a value or failure was set */
    void *value;
    weft_free_fn free_value;
    char *message;          /* malloc'd, failures only */
    void *payload;
    weft_free_fn free_payload;
};

void weft__outcome_init(weft_outcome *o);
/* Frees whatever the outcome still owns and resets it. */
void weft__outcome_clear(weft_outcome *o);
/* Runs fn(arg, o) on a freshly initialised outcome. */
void weft__outcome_run(weft_outcome *o, weft_fn fn, void *arg);

/* A callable as the library keeps it: `fn(arg)`, then `free_arg(arg)` once. */
typedef struct weft__callable {
    weft_fn fn;
    void *arg;
    weft_free_fn free_arg;
} weft__callable;

/* Releases the argument (once) and clears the callable. */
void weft__callable_release(weft__callable *c);

/* strdup that reports WEFT_NOMEM through weft__fail; NULL in gives NULL out. */
char *weft__strdup(const char *s);

#endif /* WEFT__INTERNAL_H */
