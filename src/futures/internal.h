/* Internal interfaces of concurrent.futures: the future's layout (shared by
 * the executors, which embed their task in it), listeners and the
 * executor's vtable. Locks are the kit's word lock (core/kit.h). */
#ifndef WEFT__FUTURES_INTERNAL_H
#define WEFT__FUTURES_INTERNAL_H

#include "core/kit.h"

/* ---- futures ----------------------------------------------------------- */

/* States, as Python's, plus COMPLETING: a completer owns the future while it
 * writes the result, so completing takes no lock. The word also carries
 * PARKED when a thread sleeps on it in result()/exception(), and LISTENERS
 * once a callback or listener was listed (set under the lock), so a
 * completion takes the lock and makes a futex call only when needed. */
enum {
    WEFT__F_PENDING = 0,
    WEFT__F_RUNNING = 1,
    WEFT__F_COMPLETING = 2,
    WEFT__F_CANCELLED = 3,
    WEFT__F_CANCELLED_NOTIFIED = 4,
    WEFT__F_FINISHED = 5,
    WEFT__F_STATE = 7,
    WEFT__F_PARKED = 8,
    WEFT__F_LISTENERS = 16,
};

static inline bool weft__state_done(unsigned s)
{
    return (s & WEFT__F_STATE) >= WEFT__F_CANCELLED;
}

/* Under the future's lock: marks that a listener is about to be listed.
 * Returns false, changing nothing, if the future is already done. */
static inline bool weft__future_mark_listened(weft_future *f);

/* How a listener (wait(), as_completed()) learns that a future it watches
 * is done. */
enum { WEFT__L_RESULT, WEFT__L_EXCEPTION, WEFT__L_CANCELLED };

typedef struct weft__listener weft__listener;
struct weft__listener {
    /* Called with the future's lock held, after the future is done; must
     * not block. */
    void (*notify)(weft__listener *l, weft_future *f, int kind);
};

/* One future's link to a listener; owned by the listener, listed in the future. */
typedef struct weft__lnode {
    struct weft__lnode *next;
    weft__listener *listener;
} weft__lnode;

typedef struct weft__cbnode {
    struct weft__cbnode *next;
    weft__callable cb;
} weft__cbnode;

/* Intrusive link for executor queues. */
typedef struct weft__qnode {
    _Atomic(struct weft__qnode *) next;
} weft__qnode;

struct weft_future {
    weft__obj hdr;
    atomic_uint state;        /* WEFT__F_* | WEFT__F_PARKED; futex word */
    weft__wordlock lock;      /* guards the callback and listener lists */
    weft_status code;         /* WEFT_OK: value; otherwise a failure */
    void *value;              /* the value, or the failure's payload */
    weft_free_fn free_value;
    char *message;            /* failure's message (malloc'd) */
    weft__cbnode *callbacks;  /* newest first */
    weft__lnode *listeners;
    weft__callable task;      /* an executor's call; empty otherwise */
    weft__qnode link;         /* an executor's queue */
};

extern const weft__type weft__future_type;

static inline bool weft__future_mark_listened(weft_future *f)
{
    unsigned s = atomic_load_explicit(&f->state, memory_order_acquire);
    for (;;) {
        if (weft__state_done(s))
            return false;
        if ((s & WEFT__F_LISTENERS) ||
            atomic_compare_exchange_weak_explicit(&f->state, &s, s | WEFT__F_LISTENERS, memory_order_acq_rel,
                                                  memory_order_acquire))
            return true;
    }
}

/* A future with a task and `refs` references, one allocation; NULL
 * (message set) when out of memory. */
weft_future *weft__future_new_task(weft_fn fn, void *arg, weft_free_fn free_arg, unsigned refs, bool caller);

/* Internal forms of the public calls, on objects (not handles). */
bool weft__future_start(weft_future *f);  /* set_running_or_notify_cancel */
bool weft__future_cancel(weft_future *f);
/* Waits up to `timeout` and gives the value, as weft_future_result,
 * reporting as `fn`. */
weft_status weft__future_result(weft_future *f, double timeout, void **value, const char *fn);
/* Completes a future from an outcome, taking what it owns. */
void weft__future_finish(weft_future *f, weft_outcome *o);
/* Completes a future with a failure; `message` is copied. */
weft_status weft__future_fail(weft_future *f, weft_status code, const char *message);

/* Runs a task the executor dequeued: start, call, release the argument,
 * complete. Drops the queue's reference. */
void weft__future_run_task(weft_future *f);
/* Cancels a task the executor dropped from its queue (shutdown with
 * cancel_futures), releases the argument and the queue's reference. */
void weft__future_drop_task(weft_future *f, weft_status fail_code, const char *message);

/* Reports a failure nobody will read (a done callback's, an initializer's):
 * through the excepthook if one was set, else a line on stderr, as Python's
 * logger prints it. */
void weft__futures_report(weft_status status, const char *message, void *payload, const char *what);

/* ---- executors --------------------------------------------------------- */

typedef struct weft__executor_ops {
    /* Queues the task future `f` (the executor takes the reference it is
     * given). On failure the future is untouched, its argument the caller's;
     * the message names `fn`. */
    weft_status (*submit)(weft_executor *ex, weft_future *f, const char *fn);
    weft_status (*shutdown)(weft_executor *ex, bool wait, bool cancel_futures, const char *fn);
    void (*destroy)(weft_executor *ex);
} weft__executor_ops;

struct weft_executor {
    weft__obj hdr;
    const weft__executor_ops *ops;
};

extern const weft__type weft__executor_type;

/* The initializer shared by options and the executors made from them. */
typedef struct weft__shared_callable {
    atomic_uint refs;
    weft__callable c;
} weft__shared_callable;

void weft__shared_callable_unref(weft__shared_callable *s);

struct weft_executor_opts {
    weft__obj hdr;
    size_t max_workers;        /* 0: Python's default */
    char *prefix;              /* NULL: default */
    weft__shared_callable *init;
};

extern const weft__type weft__executor_opts_type;

#endif
