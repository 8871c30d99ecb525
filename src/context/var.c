/* Context variables and tokens: get, set and reset in the calling thread's
 * current context. */
#include "context/context_internal.h"

#include <stdlib.h>
#include <string.h>

static const char weft__missing_marker = 0;

void *weft_context_missing(void)
{
    return (void *)&weft__missing_marker;
}

static void weft__var_destroy(void *obj)
{
    weft_context_var *var = obj;
    if (var->has_default && var->free_value != NULL && var->default_value != NULL)
        var->free_value(var->default_value);
    free(var->name);
}

const weft__type weft__context_var_type = { "context variable", weft__var_destroy };

static void weft__token_destroy(void *obj)
{
    weft_context_token *tok = obj;
    if (tok->old != NULL)
        weft__cbox_release(tok->old);
    weft__context_drop(tok->var);
    weft__context_drop(tok->ctx);
}

static const weft__type weft__token_type = { "context token", weft__token_destroy };

void weft__cbox_release(weft__cbox *box)
{
    if (atomic_fetch_sub_explicit(&box->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (box->var->free_value != NULL && box->value != NULL)
        box->var->free_value(box->value);
    weft__context_drop(box->var);
    free(box);
}

/* ---- the trie's view of keys and values -------------------------------- */

static uint32_t weft__ops_hash(const void *key)
{
    return ((const weft_context_var *)key)->hash;
}

/* Keys are kept alive by their boxes (see weft__cbox). */
static void weft__ops_key_nothing(void *key)
{
    (void)key;
}

static void weft__ops_val_ref(void *val)
{
    atomic_fetch_add_explicit(&((weft__cbox *)val)->refs, 1, memory_order_relaxed);
}

static void weft__ops_val_unref(void *val)
{
    weft__cbox_release(val);
}

const weft__hamt_ops weft__context_ops = {
    weft__ops_hash, weft__ops_key_nothing, weft__ops_key_nothing, weft__ops_val_ref, weft__ops_val_unref,
};

/* ---- variables --------------------------------------------------------- */

/* Spreads consecutive creations over the whole hash space (a 32-bit mix of a
 * counter), so the trie stays shallow whatever the allocator does. */
static uint32_t weft__var_hash(void)
{
    static atomic_uint counter;
    uint32_t x = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed) + 1;
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static weft_status weft__var_make(weft_context_var **out, const char *name, bool has_default,
                                  void *default_value, weft_free_fn free_value, const char *what)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "%s: out is NULL", what);
    if (name == NULL)
        return weft__fail(WEFT_EINVAL, "%s: name is NULL", what);
    weft_context_var *var = weft__obj_new(&weft__context_var_type, sizeof *var);
    if (var == NULL)
        return WEFT_NOMEM;
    if ((var->name = weft__strdup(name)) == NULL) {
        weft__obj_discard(var);
        return WEFT_NOMEM;
    }
    var->hash = weft__var_hash();
    var->has_default = has_default;
    var->default_value = default_value;
    var->free_value = free_value;
    *out = weft__handle(var);
    return WEFT_OK;
}

weft_status weft_context_var_new(weft_context_var **out, const char *name, weft_free_fn free_value)
{
    return weft__var_make(out, name, false, NULL, free_value, __func__);
}

weft_status weft_context_var_new_default(weft_context_var **out, const char *name, void *default_value,
                                         weft_free_fn free_value)
{
    return weft__var_make(out, name, true, default_value, free_value, __func__);
}

weft_status weft_context_var_free(weft_context_var *var)
{
    WEFT__FREE(var, weft__context_var_type);
}

weft_status weft_context_var_name(weft_context_var *var, const char **name)
{
    WEFT__OPEN(var, weft__context_var_type);
    WEFT__OUT(name);
    *name = var->name;
    return WEFT_OK;
}

/* The value set in the current context: the owning thread reads its own
 * context's root without the lock (it is the only writer). */
static bool weft__var_lookup(const weft_context_var *var, void **value)
{
    weft_context *ctx = weft__context_current();
    void *box;
    if (ctx == NULL || !weft__hamt_find(ctx->root, var, var->hash, &box))
        return false;
    *value = ((weft__cbox *)box)->value;
    return true;
}

weft_status weft_context_var_get(weft_context_var *var, void **value)
{
    WEFT__OPEN(var, weft__context_var_type);
    WEFT__OUT(value);
    if (weft__var_lookup(var, value))
        return WEFT_OK;
    if (!var->has_default)
        return weft__fail(WEFT_LOOKUP, "%s: variable '%s' is not set and has no default", __func__,
                          var->name);
    *value = var->default_value;
    return WEFT_OK;
}

weft_status weft_context_var_get_default(weft_context_var *var, void *default_value, void **value)
{
    WEFT__OPEN(var, weft__context_var_type);
    WEFT__OUT(value);
    if (!weft__var_lookup(var, value))
        *value = default_value;
    return WEFT_OK;
}

weft_status weft_context_var_set(weft_context_var *var, void *value, weft_context_token **token)
{
    WEFT__OPEN(var, weft__context_var_type);
    weft_status st;
    weft_context *ctx;
    if ((st = weft__context_current_for_write(&ctx, __func__)) != WEFT_OK)
        return st;
    weft__cbox *box = malloc(sizeof *box);
    if (box == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    weft_context_token *tok = NULL;
    if (token != NULL) {
        if ((tok = weft__obj_new(&weft__token_type, sizeof *tok)) == NULL) {
            free(box);
            return WEFT_NOMEM;
        }
        /* The old value, read before the update (this thread is the writer). */
        void *old;
        if (weft__hamt_find(ctx->root, var, var->hash, &old)) {
            tok->old = old;
            weft__ops_val_ref(old);
        }
    }
    atomic_init(&box->refs, 1);
    box->value = value;
    box->var = var;
    weft__ref(var); /* the box's reference, before the old box can let go of its own */
    if (!weft__context_set_box(ctx, var, box)) {
        weft__context_drop(var); /* not the last: the caller holds one */
        free(box);
        if (tok != NULL) {
            if (tok->old != NULL)
                weft__cbox_release(tok->old);
            weft__obj_discard(tok); /* never published: no destructor to run */
        }
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    }
    if (tok != NULL) {
        weft__ref(ctx);
        tok->ctx = ctx;
        weft__ref(var);
        tok->var = var;
        *token = weft__handle(tok);
    }
    weft__cbox_release(box); /* the trie holds it now */
    return WEFT_OK;
}

weft_status weft_context_var_reset(weft_context_var *var, weft_context_token *token)
{
    WEFT__OPEN(var, weft__context_var_type);
    WEFT__OPEN(token, weft__token_type);
    if (atomic_load_explicit(&token->used, memory_order_relaxed))
        return weft__fail(WEFT_RUNTIME, "%s: the token has already been used once", __func__);
    if (token->var != var)
        return weft__fail(WEFT_EINVAL, "%s: the token was created by a different variable", __func__);
    weft_context *ctx = weft__context_current();
    if (token->ctx != ctx)
        return weft__fail(WEFT_EINVAL, "%s: the token was created in a different context", __func__);
    weft__hnode *root;
    bool changed;
    bool ok = token->old != NULL
        ? weft__hamt_assoc(&weft__context_ops, ctx->root, var, var->hash, token->old, &root, &changed)
        : weft__hamt_without(&weft__context_ops, ctx->root, var, var->hash, &root, &changed);
    if (!ok)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    size_t count = ctx->count;
    if (changed)
        count = token->old != NULL ? count + 1 : count - 1;
    weft__context_swap_root(ctx, root, count);
    atomic_store_explicit(&token->used, true, memory_order_relaxed);
    return WEFT_OK;
}

/* ---- tokens ------------------------------------------------------------ */

weft_status weft_context_token_free(weft_context_token *token)
{
    WEFT__FREE(token, weft__token_type);
}

weft_status weft_context_token_var(weft_context_token *token, weft_context_var **var)
{
    WEFT__OPEN(token, weft__token_type);
    WEFT__OUT(var);
    *var = weft__handle(token->var);
    return WEFT_OK;
}

weft_status weft_context_token_old_value(weft_context_token *token, void **value, int *missing)
{
    WEFT__OPEN(token, weft__token_type);
    WEFT__OUT(value);
    *value = token->old != NULL ? token->old->value : WEFT_CONTEXT_MISSING;
    if (missing != NULL)
        *missing = token->old == NULL;
    return WEFT_OK;
}
