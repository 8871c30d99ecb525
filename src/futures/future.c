/* Python's Future: states, results, failures, waiting and done callbacks. */
#include "futures/internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- reporting --------------------------------------------------------- */

void weft__futures_report(weft_status status, const char *message, void *payload, const char *what)
{
    weft_excepthook_fn hook = NULL;
    void *hook_arg = NULL;
    weft_threading_excepthook(&hook, &hook_arg);
    weft_thread *self = NULL;
    if (hook != NULL && hook != weft_threading_default_excepthook &&
        weft_threading_current_thread(&self) == WEFT_OK) {
        hook(hook_arg, self, status, message != NULL ? message : weft_strerror(status), payload);
        weft_thread_free(self);
        return;
    }
    fprintf(stderr, "weft: %s: %s: %s\n", what, weft_status_name(status),
            message != NULL ? message : weft_strerror(status));
    fflush(stderr);
}

/* ---- lifetime ---------------------------------------------------------- */

static void weft__future_destroy(void *obj)
{
    weft_future *f = obj;
    if (f->free_value != NULL && f->value != NULL)
        f->free_value(f->value);
    free(f->message);
    /* Callbacks of a future that never completed are released unrun, as
     * Python drops them with the future. */
    weft__cbnode *n = f->callbacks;
    while (n != NULL) {
        weft__cbnode *next = n->next;
        weft__callable_release(&n->cb);
        free(n);
        n = next;
    }
    weft__callable_release(&f->task);
}

const weft__type weft__future_type = { "future", weft__future_destroy };

weft_future *weft__future_new_task(weft_fn fn, void *arg, weft_free_fn free_arg, unsigned refs, bool caller)
{
    weft_future *f = weft__obj_new(&weft__future_type, sizeof *f);
    if (f != NULL) {
        if (!caller)
            weft__obj_disown(f);
        for (unsigned i = 1; i < refs; i++)
            weft__ref(f);
        f->task.fn = fn;
        f->task.arg = arg;
        f->task.free_arg = free_arg;
    }
    return f;
}

weft_status weft_future_new(weft_future **out)
{
    WEFT__OUT(out);
    weft_future *f = weft__obj_new(&weft__future_type, sizeof *f);
    if (f == NULL)
        return WEFT_NOMEM;
    *out = weft__handle(f);
    return WEFT_OK;
}

weft_status weft_future_free(weft_future *f)
{
    WEFT__FREE(f, weft__future_type);
}

/* ---- state changes ----------------------------------------------------- */

/* The thread-local link from a running done callback's outcome to its future. */
typedef struct weft__cb_frame {
    const weft_outcome *outcome;
    weft_future *future;
} weft__cb_frame;

static _Thread_local weft__cb_frame weft__cb_current;

static void weft__run_callback(weft_future *f, weft__callable *cb)
{
    weft_outcome o;
    weft__cb_frame saved = weft__cb_current;
    weft__cb_current.outcome = &o;
    weft__cb_current.future = f;
    weft__outcome_run(&o, cb->fn, cb->arg);
    weft__cb_current = saved;
    if (o.status != WEFT_OK) {
        /* Python logs "exception calling callback for <Future ...>" and goes on. */
        char what[64];
        snprintf(what, sizeof what, "exception calling callback for future %p", weft__handle(f));
        weft__futures_report(o.status, o.message, o.payload, what);
    }
    weft__outcome_clear(&o);
    weft__callable_release(cb);
}

/* After the final state is published: wakes sleepers, notifies listeners and
 * runs the callbacks in the order added, as Python's _invoke_callbacks. */
static void weft__after_done(weft_future *f, unsigned old, int kind, bool locked)
{
    weft__cbnode *cbs = NULL;
    if (old & WEFT__F_LISTENERS) {
        if (!locked)
            weft__wl_lock(&f->lock);
        for (weft__lnode *n = f->listeners; n != NULL; n = n->next)
            n->listener->notify(n->listener, f, kind);
        f->listeners = NULL; /* the nodes belong to their listeners */
        cbs = f->callbacks;
        f->callbacks = NULL;
        locked = true;
    }
    if (locked)
        weft__wl_unlock(&f->lock);
    if (old & WEFT__F_PARKED)
        weft__unpark(&f->state, INT_MAX);
    if (cbs == NULL)
        return;
    weft__cbnode *rev = NULL; /* the list is newest first */
    while (cbs != NULL) {
        weft__cbnode *next = cbs->next;
        cbs->next = rev;
        rev = cbs;
        cbs = next;
    }
    weft__ref(f); /* a callback may drop the last outside reference */
    while (rev != NULL) {
        weft__cbnode *next = rev->next;
        weft__run_callback(f, &rev->cb);
        free(rev);
        rev = next;
    }
    weft__unref(f);
}

/* Completes a pending or running future. COMPLETING makes the completer the
 * only writer of the result, without a lock; the exchange to FINISHED
 * publishes it. Returns false, taking nothing, if the future is done or
 * another completion is under way. */
static bool weft__complete(weft_future *f, weft_status code, void *value, weft_free_fn free_value, char *message)
{
    unsigned s = atomic_load_explicit(&f->state, memory_order_acquire);
    for (;;) {
        unsigned st = s & WEFT__F_STATE;
        if (st != WEFT__F_PENDING && st != WEFT__F_RUNNING)
            return false;
        if (atomic_compare_exchange_weak_explicit(&f->state, &s, (s & ~WEFT__F_STATE) | WEFT__F_COMPLETING,
                                                  memory_order_acquire, memory_order_acquire))
            break;
    }
    f->code = code;
    f->value = value;
    f->free_value = free_value;
    f->message = message;
    unsigned old = atomic_exchange_explicit(&f->state, WEFT__F_FINISHED, memory_order_acq_rel);
    weft__after_done(f, old, code == WEFT_OK ? WEFT__L_RESULT : WEFT__L_EXCEPTION, false);
    return true;
}

bool weft__future_cancel(weft_future *f)
{
    unsigned s = atomic_load_explicit(&f->state, memory_order_acquire);
    for (;;) {
        unsigned st = s & WEFT__F_STATE;
        if (st == WEFT__F_CANCELLED || st == WEFT__F_CANCELLED_NOTIFIED)
            return true;
        if (st != WEFT__F_PENDING)
            return false; /* running, being completed or finished */
        if (atomic_compare_exchange_weak_explicit(&f->state, &s, WEFT__F_CANCELLED, memory_order_acq_rel,
                                                  memory_order_acquire))
            break;
    }
    weft__after_done(f, s, WEFT__L_CANCELLED, false);
    return true;
}

/* PENDING -> RUNNING, or CANCELLED -> CANCELLED_NOTIFIED; returns the state
 * found, leaving any other state alone. */
static unsigned weft__start(weft_future *f)
{
    unsigned s = atomic_load_explicit(&f->state, memory_order_acquire);
    for (;;) {
        unsigned st = s & WEFT__F_STATE;
        unsigned to;
        if (st == WEFT__F_PENDING)
            to = WEFT__F_RUNNING;
        else if (st == WEFT__F_CANCELLED)
            to = WEFT__F_CANCELLED_NOTIFIED;
        else
            return st;
        if (atomic_compare_exchange_weak_explicit(&f->state, &s, (s & ~WEFT__F_STATE) | to, memory_order_acq_rel,
                                                  memory_order_acquire))
            return st;
    }
}

bool weft__future_start(weft_future *f)
{
    return weft__start(f) == WEFT__F_PENDING;
}

void weft__future_finish(weft_future *f, weft_outcome *o)
{
    bool ok;
    if (o->status == WEFT_OK)
        ok = weft__complete(f, WEFT_OK, o->value, o->free_value, NULL);
    else
        ok = weft__complete(f, o->status, o->payload, o->free_payload, o->message);
    if (ok)
        weft__outcome_init(o); /* handed over */
    else
        weft__outcome_clear(o); /* someone completed it meanwhile: drop ours */
}

weft_status weft__future_fail(weft_future *f, weft_status code, const char *message)
{
    char *copy = NULL;
    if (message != NULL && (copy = weft__strdup(message)) == NULL)
        return WEFT_NOMEM;
    if (!weft__complete(f, code, NULL, NULL, copy)) {
        free(copy);
        return WEFT_INVALID_STATE;
    }
    return WEFT_OK;
}

void weft__future_run_task(weft_future *f)
{
    if (weft__future_start(f)) {
        weft_outcome o;
        weft__outcome_run(&o, f->task.fn, f->task.arg);
        /* The argument goes before the future completes, so a caller that
         * saw the result also sees its argument released. */
        weft__callable_release(&f->task);
        weft__future_finish(f, &o);
    } else {
        weft__callable_release(&f->task);
    }
    weft__unref(f);
}

void weft__future_drop_task(weft_future *f, weft_status fail_code, const char *message)
{
    weft__callable_release(&f->task);
    if (fail_code == WEFT_CANCELLED)
        (void)weft__future_cancel(f);
    else
        (void)weft__future_fail(f, fail_code, message);
    weft__unref(f);
}

/* ---- queries ----------------------------------------------------------- */

weft_status weft_future_cancel(weft_future *f, int *cancelled)
{
    WEFT__OPEN(f, weft__future_type);
    bool c = weft__future_cancel(f);
    if (cancelled != NULL)
        *cancelled = c;
    return WEFT_OK;
}

static weft_status weft__query(weft_future *f, int *out, const char *fn, unsigned *state)
{
    weft_status st;
    if ((f = weft__open(f, &weft__future_type, fn, &st)) == NULL)
        return st;
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "%s: out is NULL", fn);
    *state = atomic_load_explicit(&f->state, memory_order_acquire) & WEFT__F_STATE;
    return WEFT_OK;
}

weft_status weft_future_cancelled(weft_future *f, int *out)
{
    unsigned s = 0;
    weft_status st = weft__query(f, out, __func__, &s);
    if (st == WEFT_OK)
        *out = s == WEFT__F_CANCELLED || s == WEFT__F_CANCELLED_NOTIFIED;
    return st;
}

weft_status weft_future_running(weft_future *f, int *out)
{
    unsigned s = 0;
    weft_status st = weft__query(f, out, __func__, &s);
    if (st == WEFT_OK)
        *out = s == WEFT__F_RUNNING || s == WEFT__F_COMPLETING;
    return st;
}

weft_status weft_future_done(weft_future *f, int *out)
{
    unsigned s = 0;
    weft_status st = weft__query(f, out, __func__, &s);
    if (st == WEFT_OK)
        *out = weft__state_done(s);
    return st;
}

/* Waits until the future is done; returns its state, or WEFT__F_STATE + 1
 * on timeout. Done futures are read without the lock: everything a
 * completion writes is published by its release on the state word. */
static weft_status weft__await(weft_future *f, double timeout, const char *fn, unsigned *state)
{
    /* A bad timeout is refused even when the future is done, as every
     * blocking call refuses it whatever the state. */
    if (WEFT__UNLIKELY(weft__timeout_bad(timeout)))
        return weft__timeout_fail(timeout, fn);
    unsigned s = atomic_load_explicit(&f->state, memory_order_acquire);
    if (WEFT__LIKELY(weft__state_done(s))) {
        *state = s & WEFT__F_STATE;
        return WEFT_OK;
    }
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    /* Tasks are often microseconds from done: a short spin saves the
     * completer a futex wake and the waiter a sleep. */
    for (int i = 0; i < 64 && !d.once && !weft__state_done(s); i++) {
        weft__cpu_relax();
        s = atomic_load_explicit(&f->state, memory_order_acquire);
    }
    for (;;) {
        if (weft__state_done(s)) {
            *state = s & WEFT__F_STATE;
            return WEFT_OK;
        }
        if (d.once)
            return weft__fail(WEFT_TIMEOUT, "%s: future not done", fn);
        if (!(s & WEFT__F_PARKED) &&
            !atomic_compare_exchange_weak_explicit(&f->state, &s, s | WEFT__F_PARKED, memory_order_acquire,
                                                   memory_order_acquire))
            continue;
        int rc = weft__park(&f->state, s | WEFT__F_PARKED, &d);
        s = atomic_load_explicit(&f->state, memory_order_acquire);
        if (rc == ETIMEDOUT && !weft__state_done(s))
            return WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: future not done within %g s", fn, timeout);
    }
}

weft_status weft__future_result(weft_future *f, double timeout, void **value, const char *fn)
{
    unsigned s = 0;
    weft_status st = weft__await(f, timeout, fn, &s);
    if (st != WEFT_OK)
        return st;
    if (s != WEFT__F_FINISHED)
        return weft__fail(WEFT_CANCELLED, "%s: future was cancelled", fn);
    if (f->code != WEFT_OK)
        return weft__fail(f->code, "%s", f->message != NULL ? f->message : weft_strerror(f->code));
    if (value != NULL)
        *value = f->value;
    return WEFT_OK;
}

weft_status weft_future_result(weft_future *f, double timeout, void **value)
{
    WEFT__OPEN(f, weft__future_type);
    return weft__future_result(f, timeout, value, __func__);
}

weft_status weft_future_exception(weft_future *f, double timeout, weft_status *code, const char **message,
                                  void **payload)
{
    WEFT__OPEN(f, weft__future_type);
    unsigned s = 0;
    weft_status st = weft__await(f, timeout, __func__, &s);
    if (st != WEFT_OK)
        return st;
    if (s != WEFT__F_FINISHED)
        return weft__fail(WEFT_CANCELLED, "%s: future was cancelled", __func__);
    bool failed = f->code != WEFT_OK;
    if (code != NULL)
        *code = f->code;
    if (message != NULL)
        *message = failed ? f->message : NULL;
    if (payload != NULL)
        *payload = failed ? f->value : NULL;
    return WEFT_OK;
}

/* ---- callbacks --------------------------------------------------------- */

weft_status weft_future_add_done_callback(weft_future *f, weft_fn fn, void *arg, weft_free_fn free_arg)
{
    WEFT__OPEN(f, weft__future_type);
    WEFT__OUT(fn);
    weft__callable cb = { fn, arg, free_arg };
    if (!weft__state_done(atomic_load_explicit(&f->state, memory_order_acquire))) {
        weft__cbnode *n = malloc(sizeof *n);
        if (n == NULL)
            return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        n->cb = cb;
        weft__wl_lock(&f->lock);
        if (weft__future_mark_listened(f)) {
            n->next = f->callbacks;
            f->callbacks = n;
            weft__wl_unlock(&f->lock);
            return WEFT_OK;
        }
        weft__wl_unlock(&f->lock);
        free(n);
    }
    weft__run_callback(f, &cb);
    return WEFT_OK;
}

weft_status weft_future_from_outcome(const weft_outcome *outcome, weft_future **out)
{
    WEFT__OUT(out);
    if (outcome == NULL || outcome != weft__cb_current.outcome)
        return weft__fail(WEFT_EINVAL, "%s: outcome is not that of a running done callback", __func__);
    *out = weft__handle(weft__cb_current.future);
    return WEFT_OK;
}

/* ---- completing by hand ------------------------------------------------ */

weft_status weft_future_set_running_or_notify_cancel(weft_future *f, int *proceed)
{
    WEFT__OPEN(f, weft__future_type);
    WEFT__OUT(proceed);
    unsigned s = weft__start(f);
    if (s == WEFT__F_PENDING || s == WEFT__F_CANCELLED) {
        *proceed = s == WEFT__F_PENDING;
        return WEFT_OK;
    }
    static const char *const names[] = { "PENDING",   "RUNNING",  "RUNNING", "CANCELLED", "CANCELLED_AND_NOTIFIED",
                                         "FINISHED",  "UNKNOWN",  "UNKNOWN" };
    return weft__fail(WEFT_RUNTIME, "%s: future in unexpected state %s", __func__,
                      names[s]);
}

weft_status weft_future_set_result(weft_future *f, void *value, weft_free_fn free_value)
{
    WEFT__OPEN(f, weft__future_type);
    if (!weft__complete(f, WEFT_OK, value, free_value, NULL))
        return weft__fail(WEFT_INVALID_STATE, "%s: future is already done", __func__);
    return WEFT_OK;
}

weft_status weft_future_set_exception(weft_future *f, weft_status code, const char *message, void *payload,
                                      weft_free_fn free_payload)
{
    WEFT__OPEN(f, weft__future_type);
    char *copy = NULL;
    if (message != NULL && (copy = weft__strdup(message)) == NULL)
        return WEFT_NOMEM;
    if (!weft__complete(f, code == WEFT_OK ? WEFT_FAILED : code, payload, free_payload, copy)) {
        free(copy);
        return weft__fail(WEFT_INVALID_STATE, "%s: future is already done", __func__);
    }
    return WEFT_OK;
}
