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

/* Every handle starts with this header. `type` is the tag each entry point
 * checks; freeing poisons it and keeps the memory in a small per-thread
 * quarantine, so a handle used after free is caught while its memory has not
 * been reused. */
typedef struct weft__type {
    const char *name;                 /* "lock", "queue", ... for messages */
    void (*destroy)(void *obj);       /* releases everything but the header's memory */
} weft__type;

typedef struct weft__obj {
    const weft__type *type;
    atomic_uint refs;
} weft__obj;

extern const weft__type weft__dead_type;

/* Allocates `size` zeroed bytes whose start is a weft__obj of `type` with one
 * reference. Returns NULL (and sets the message) when out of memory. */
void *weft__obj_new(const weft__type *type, size_t size);

/* Checks that `h` is a live handle of `type` and returns the object it stands
 * for, or NULL with *st set to WEFT_EINVAL and a message naming `fn`. A
 * handle is not the object's address: always go through this (or the
 * WEFT__OPEN macro) before touching the object, and through weft__handle()
 * before handing an object out. */
void *weft__open_failed(const void *h, const weft__type *type, const char *fn, weft_status *st);
static inline void *weft__open(const void *h, const weft__type *type, const char *fn, weft_status *st)
{
    if (WEFT__LIKELY(h != NULL && ((const weft__obj *)h)->type == type)) {
        *st = WEFT_OK;
        return (void *)h;
    }
    return weft__open_failed(h, type, fn, st);
}

/* The object's live handle, as callers see it (in constructors: `*out =
 * weft__handle(obj)`; for handles the library gives out later, too). */
static inline void *weft__handle(const void *obj)
{
    return (void *)obj;
}

/* The object behind `h` when it is a live handle of `type`, else NULL with no
 * message: for fast paths, which report through weft__open on their slow path. */
static inline void *weft__live(const void *h, const weft__type *type)
{
    return WEFT__LIKELY(h != NULL && ((const weft__obj *)h)->type == type) ? (void *)h : NULL;
}

/* Older form of weft__open, kept while areas move to the entry macros. */
weft_status weft__check_failed(const void *h, const weft__type *type, const char *fn);
static inline weft_status weft__check(const void *h, const weft__type *type, const char *fn)
{
    if (WEFT__LIKELY(h != NULL && ((const weft__obj *)h)->type == type))
        return WEFT_OK;
    return weft__check_failed(h, type, fn);
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

/* Takes one more reference. */
static inline void weft__ref(void *h)
{
    atomic_fetch_add_explicit(&((weft__obj *)h)->refs, 1, memory_order_relaxed);
}

/* Drops one reference; the last one destroys the object and quarantines it. */
void weft__unref(void *h);

/* The common body of weft_<object>_free: NULL is fine, a wrong or stale handle
 * is WEFT_EINVAL, otherwise the caller's reference is dropped. */
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

/* ---- parking (futex on Linux, hashed condition variables elsewhere) ---- */

/* Blocks while `*addr == expected`, until woken or until `d` passes (NULL: no
 * limit). Returns 0 when woken or when the value differed (the caller
 * re-checks), ETIMEDOUT when the deadline passed. Spurious returns happen and
 * EINTR is absorbed. */
int weft__park(atomic_uint *addr, unsigned expected, const weft__deadline *d);

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
