/* Contexts: the per-thread current context, copies, run and bind, and the
 * read-only mapping interface. */
#include "context/context_internal.h"

#include <stdlib.h>

static void weft__context_destroy(void *obj)
{
    weft_context *ctx = obj;
    weft__hamt_unref(&weft__context_ops, ctx->root);
    pthread_mutex_destroy(&ctx->lock);
}

const weft__type weft__context_type = { "context", weft__context_destroy };

void weft__context_drop(void *obj)
{
    if (obj != NULL)
        weft__unref(obj);
}

static weft_context *weft__context_make(weft__hnode *root, size_t count)
{
    weft_context *ctx = weft__obj_new(&weft__context_type, sizeof *ctx);
    if (ctx == NULL)
        return NULL;
    int err = pthread_mutex_init(&ctx->lock, NULL);
    if (err != 0) {
        weft__obj_discard(ctx);
        weft__fail_os(err, "context: mutex");
        return NULL;
    }
    weft__hamt_ref(root);
    ctx->root = root;
    ctx->count = count;
    return ctx;
}

bool weft__context_set_box(weft_context *ctx, weft_context_var *var, weft__cbox *box)
{
    void *old_val;
    weft__hnode *old_node;
    bool added;
    /* The lock keeps readers in other threads off the nodes changed in place. */
    pthread_mutex_lock(&ctx->lock);
    bool ok = weft__hamt_set(&weft__context_ops, &ctx->root, var, var->hash, box, &added, &old_val, &old_node);
    if (ok && added)
        ctx->count++;
    pthread_mutex_unlock(&ctx->lock);
    if (!ok)
        return false;
    /* What the update let go of may free values: outside the lock. */
    if (old_val != NULL)
        weft__cbox_release(old_val);
    weft__hamt_unref(&weft__context_ops, old_node);
    return true;
}

void weft__context_swap_root(weft_context *ctx, weft__hnode *root, size_t count)
{
    pthread_mutex_lock(&ctx->lock);
    weft__hnode *old = ctx->root;
    ctx->root = root;
    ctx->count = count;
    pthread_mutex_unlock(&ctx->lock);
    weft__hamt_unref(&weft__context_ops, old); /* may free values: outside the lock */
}

/* ---- the calling thread's current context ------------------------------ */

/* `current` is what var get/set see: the thread's own context, or the one a
 * weft_context_run() entered. The thread's own context is made on the first
 * set and released by the key's destructor when the thread exits. */
static _Thread_local weft_context *weft__current;
static pthread_key_t weft__own_key;
static pthread_once_t weft__own_once = PTHREAD_ONCE_INIT;
static int weft__own_key_err;

static void weft__own_release(void *own)
{
    if (weft__current == own)
        weft__current = NULL;
    weft__context_drop(own);
}

static void weft__own_key_init(void)
{
    weft__own_key_err = pthread_key_create(&weft__own_key, weft__own_release);
}

weft_context *weft__context_current(void)
{
    return weft__current;
}

weft_status weft__context_current_for_write(weft_context **out, const char *what)
{
    if (WEFT__LIKELY(weft__current != NULL)) {
        *out = weft__current;
        return WEFT_OK;
    }
    pthread_once(&weft__own_once, weft__own_key_init);
    if (weft__own_key_err != 0)
        return weft__fail_os(weft__own_key_err, "%s: thread key", what);
    weft_context *own = weft__context_make(NULL, 0);
    if (own == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", what);
    atomic_store_explicit(&own->entered, true, memory_order_relaxed); /* current for good */
    weft__obj_disown(own); /* the thread's, dropped when it ends */
    int err = pthread_setspecific(weft__own_key, own);
    if (err != 0) {
        weft__context_drop(own);
        return weft__fail_os(err, "%s: thread key", what);
    }
    weft__current = own;
    *out = own;
    return WEFT_OK;
}

/* ---- making and copying ------------------------------------------------ */

weft_status weft_context_new(weft_context **out)
{
    WEFT__OUT(out);
    weft_context *ctx = weft__context_make(NULL, 0);
    if (ctx == NULL)
        return WEFT_NOMEM;
    *out = weft__handle(ctx);
    return WEFT_OK;
}

weft_status weft_context_copy_current(weft_context **out)
{
    WEFT__OUT(out);
    weft_context *cur = weft__current;
    /* This thread is the only writer of its current context: no lock. */
    weft_context *ctx = cur != NULL ? weft__context_make(cur->root, cur->count) : weft__context_make(NULL, 0);
    if (ctx == NULL)
        return WEFT_NOMEM;
    *out = weft__handle(ctx);
    return WEFT_OK;
}

weft_status weft_context_copy(weft_context *ctx, weft_context **out)
{
    WEFT__OPEN(ctx, weft__context_type);
    WEFT__OUT(out);
    pthread_mutex_lock(&ctx->lock);
    weft_context *copy = weft__context_make(ctx->root, ctx->count);
    pthread_mutex_unlock(&ctx->lock);
    if (copy == NULL)
        return WEFT_NOMEM;
    *out = weft__handle(copy);
    return WEFT_OK;
}

weft_status weft_context_free(weft_context *ctx)
{
    WEFT__FREE(ctx, weft__context_type);
}

/* ---- entering ---------------------------------------------------------- */

static bool weft__context_enter(weft_context *ctx, weft_context **prev)
{
    bool expected = false;
    if (!atomic_compare_exchange_strong_explicit(&ctx->entered, &expected, true, memory_order_acq_rel,
                                                 memory_order_relaxed))
        return false;
    *prev = weft__current;
    weft__current = ctx;
    return true;
}

static void weft__context_leave(weft_context *ctx, weft_context *prev)
{
    weft__current = prev;
    atomic_store_explicit(&ctx->entered, false, memory_order_release);
}

weft_status weft_context_run(weft_context *ctx, weft_fn fn, void *arg, void **value, weft_free_fn *free_value)
{
    WEFT__OPEN(ctx, weft__context_type);
    weft_status st;
    WEFT__OUT(fn);
    weft_context *prev;
    if (!weft__context_enter(ctx, &prev))
        return weft__fail(WEFT_RUNTIME, "%s: cannot enter a context that is already entered", __func__);
    weft__ref(ctx); /* a free during the call must not pull the context away */
    st = weft_call(fn, arg, value, free_value);
    weft__context_leave(ctx, prev);
    weft__context_drop(ctx);
    return st;
}

typedef struct weft__bound {
    weft_context *ctx;
    weft__callable call;
} weft__bound;

static void weft__bound_call(void *arg, weft_outcome *outcome)
{
    weft__bound *b = arg;
    weft_context *prev;
    if (!weft__context_enter(b->ctx, &prev)) {
        weft_outcome_set_error(outcome, WEFT_RUNTIME,
                               "weft_context_bind: cannot enter a context that is already entered", NULL, NULL);
        return;
    }
    b->call.fn(b->call.arg, outcome);
    weft__context_leave(b->ctx, prev);
}

static void weft__bound_free(void *arg)
{
    weft__bound *b = arg;
    weft__callable_release(&b->call);
    weft__context_drop(b->ctx);
    free(b);
}

weft_status weft_context_bind(weft_context *ctx, weft_fn fn, void *arg, weft_free_fn free_arg, weft_fn *out_fn,
                              void **out_arg, weft_free_fn *out_free)
{
    WEFT__OPEN(ctx, weft__context_type);
    if (fn == NULL || out_fn == NULL || out_arg == NULL || out_free == NULL)
        return weft__fail(WEFT_EINVAL, "%s: %s is NULL", __func__,
                          fn == NULL ? "fn" : out_fn == NULL ? "out_fn" : out_arg == NULL ? "out_arg" : "out_free");
    weft__bound *b = malloc(sizeof *b);
    if (b == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    weft__ref(ctx);
    b->ctx = ctx;
    b->call = (weft__callable){ fn, arg, free_arg };
    *out_fn = weft__bound_call;
    *out_arg = b;
    *out_free = weft__bound_free;
    return WEFT_OK;
}

/* ---- reading a context from any thread --------------------------------- */

weft_status weft_context_get(weft_context *ctx, weft_context_var *var, void **value)
{
    WEFT__OPEN(ctx, weft__context_type);
    WEFT__OPEN(var, weft__context_var_type);
    WEFT__OUT(value);
    void *box;
    pthread_mutex_lock(&ctx->lock);
    bool found = weft__hamt_find(ctx->root, var, var->hash, &box);
    pthread_mutex_unlock(&ctx->lock);
    if (!found)
        return weft__fail(WEFT_LOOKUP, "%s: variable '%s' is not in the context", __func__, var->name);
    *value = ((weft__cbox *)box)->value;
    return WEFT_OK;
}

weft_status weft_context_contains(weft_context *ctx, weft_context_var *var, int *out)
{
    WEFT__OPEN(ctx, weft__context_type);
    WEFT__OPEN(var, weft__context_var_type);
    WEFT__OUT(out);
    void *box;
    pthread_mutex_lock(&ctx->lock);
    *out = weft__hamt_find(ctx->root, var, var->hash, &box);
    pthread_mutex_unlock(&ctx->lock);
    return WEFT_OK;
}

weft_status weft_context_len(weft_context *ctx, size_t *out)
{
    WEFT__OPEN(ctx, weft__context_type);
    WEFT__OUT(out);
    pthread_mutex_lock(&ctx->lock);
    *out = ctx->count;
    pthread_mutex_unlock(&ctx->lock);
    return WEFT_OK;
}

/* ---- iteration over a snapshot ----------------------------------------- */

typedef struct weft__citem {
    weft_context_var *var;
    weft__cbox *box;
} weft__citem;

struct weft_context_iter {
    weft__obj hdr;
    weft__hnode *root;      /* keeps every item alive */
    weft__citem *items;
    size_t count, next;
};

static void weft__iter_destroy(void *obj)
{
    weft_context_iter *it = obj;
    free(it->items);
    weft__hamt_unref(&weft__context_ops, it->root);
}

static const weft__type weft__iter_type = { "context iterator", weft__iter_destroy };

static void weft__iter_collect(void *key, void *val, void *arg)
{
    weft_context_iter *it = arg;
    it->items[it->count++] = (weft__citem){ key, val };
}

weft_status weft_context_iter_new(weft_context_iter **out, weft_context *ctx)
{
    WEFT__OPEN(ctx, weft__context_type);
    WEFT__OUT(out);
    weft_context_iter *it = weft__obj_new(&weft__iter_type, sizeof *it);
    if (it == NULL)
        return WEFT_NOMEM;
    pthread_mutex_lock(&ctx->lock);
    weft__hnode *root = ctx->root;
    size_t count = ctx->count;
    weft__hamt_ref(root);
    pthread_mutex_unlock(&ctx->lock);
    it->root = root;
    if (count > 0 && (it->items = malloc(count * sizeof *it->items)) == NULL) {
        weft__context_drop(it);
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    }
    weft__hamt_foreach(root, weft__iter_collect, it);
    *out = weft__handle(it);
    return WEFT_OK;
}

weft_status weft_context_iter_next(weft_context_iter *it, weft_context_var **var, void **value)
{
    WEFT__OPEN(it, weft__iter_type);
    if (it->next >= it->count)
        return WEFT_EOF; /* the normal end: no message */
    weft__citem *item = &it->items[it->next++];
    if (var != NULL)
        *var = weft__handle(item->var);
    if (value != NULL)
        *value = item->box->value;
    return WEFT_OK;
}

weft_status weft_context_iter_free(weft_context_iter *it)
{
    WEFT__FREE(it, weft__iter_type);
}
