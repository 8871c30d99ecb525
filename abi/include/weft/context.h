/**
 * @file weft/context.h
 * @brief Context variables (Python's `contextvars`).
 *
 * A #weft_context is a mapping from #weft_context_var to values. Each thread
 * has a current context, created empty the first time it is needed and
 * released when the thread exits; weft_context_var_get() and
 * weft_context_var_set() read and change the calling thread's current
 * context. weft_context_run() makes another context current for the length
 * of a call.
 *
 * Contexts are persistent maps (a hash array mapped trie): copying one is
 * O(1) and shares everything; setting a variable touches O(log n) small nodes
 * (copying only those a copy shares) and never the whole mapping. A copy never
 * sees later changes of the original, nor the original changes made in the copy.
 *
 * Values: each variable has a free function. A value handed to
 * weft_context_var_set() belongs to the contexts from then on; it is kept
 * in a reference-counted box shared by every context (and token) that holds
 * it, and freed exactly once, when the last of them lets go. Pointers handed
 * out by the getters are borrowed: they stay valid while the context (or
 * token, or iterator) they came from still holds the value, that is until the
 * variable is set or reset again in that context or the context is freed.
 */
#ifndef WEFT_CONTEXT_H
#define WEFT_CONTEXT_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A context variable, Python's `contextvars.ContextVar`. */
typedef struct weft_context_var weft_context_var;

/** @brief A mapping of variables to values, Python's `contextvars.Context`. */
typedef struct weft_context weft_context;

/** @brief What weft_context_var_set() replaced, Python's `contextvars.Token`. */
typedef struct weft_context_token weft_context_token;

/** @brief An iterator over a snapshot of a context's items. */
typedef struct weft_context_iter weft_context_iter;

/**
 * @brief The address of a static object that stands for "no value", Python's
 *        `Token.MISSING`. Use #WEFT_CONTEXT_MISSING.
 * @return the same non-NULL pointer every time; never fails.
 */
WEFT_API void *weft_context_missing(void);

/** @brief The "no value" marker reported by weft_context_token_old_value(). */
#define WEFT_CONTEXT_MISSING (weft_context_missing())

/* ---- variables --------------------------------------------------------- */

/**
 * @brief Creates a variable with no default, as `ContextVar(name)`.
 *
 * @param out receives the variable; free it with weft_context_var_free().
 * @param name the variable's name, copied; must not be NULL.
 * @param free_value frees the variable's values when the last context holding
 *        each lets go; NULL when values need no freeing.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p name is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_context_var_new(weft_context_var **out, const char *name, weft_free_fn free_value);

/**
 * @brief Creates a variable with a default, as `ContextVar(name, default=...)`.
 *
 * @param out receives the variable; free it with weft_context_var_free().
 * @param name the variable's name, copied; must not be NULL.
 * @param default_value returned by weft_context_var_get() where the variable
 *        is not set; the variable owns it and frees it with @p free_value
 *        when the variable goes. NULL is a valid default.
 * @param free_value frees the variable's values; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p name is NULL; `WEFT_NOMEM`
 *         (the caller then still owns @p default_value).
 */
WEFT_API weft_status weft_context_var_new_default(weft_context_var **out, const char *name, void *default_value,
                                                  weft_free_fn free_value);

/**
 * @brief Drops the caller's reference to a variable.
 *
 * Contexts and tokens that hold values of the variable keep it alive (as a
 * key), as Python's contexts keep their variables alive.
 * @param var the variable; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_context_var_free(weft_context_var *var);

/**
 * @brief The variable's name, `ContextVar.name`.
 * @param var the variable.
 * @param name receives the name, owned by the variable.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p name.
 */
WEFT_API weft_status weft_context_var_name(weft_context_var *var, const char **name);

/**
 * @brief The variable's value in the calling thread's current context, as
 *        `ContextVar.get()`.
 *
 * @param var the variable.
 * @param value receives the value set in the current context, else the
 *        variable's default. Borrowed (see the file's notes on values).
 * @return `WEFT_OK`; `WEFT_LOOKUP` when the variable is not set and has no
 *         default (Python's `LookupError`); `WEFT_EINVAL` for a bad handle or
 *         a NULL @p value.
 */
WEFT_API weft_status weft_context_var_get(weft_context_var *var, void **value);

/**
 * @brief As weft_context_var_get() with a caller's default, as
 *        `ContextVar.get(default)`: the value set in the current context, else
 *        @p default_value, which takes precedence over the variable's default.
 *
 * @param var the variable.
 * @param default_value the fallback; stays the caller's.
 * @param value receives the value (borrowed) or @p default_value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p value.
 */
WEFT_API weft_status weft_context_var_get_default(weft_context_var *var, void *default_value, void **value);

/**
 * @brief Sets the variable in the calling thread's current context, as
 *        `ContextVar.set(value)`.
 *
 * @param var the variable.
 * @param value the new value; the contexts own it from now on and free it
 *        with the variable's free function when the last one lets go.
 * @param token receives a token that restores the previous value with
 *        weft_context_var_reset() (free it with weft_context_token_free());
 *        may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_NOMEM` (the caller
 *         then still owns @p value).
 */
WEFT_API weft_status weft_context_var_set(weft_context_var *var, void *value, weft_context_token **token);

/**
 * @brief Restores the value a token recorded, as `ContextVar.reset(token)`:
 *        the variable gets its value from before the weft_context_var_set()
 *        that made @p token, or becomes unset if it was unset then.
 *
 * @param var the variable.
 * @param token a token from weft_context_var_set() on @p var.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if the token was already used (Python's
 *         `RuntimeError`); `WEFT_EINVAL` for a bad handle, a token made by
 *         another variable, or a token made in a context other than the
 *         calling thread's current one (Python's `ValueError`); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_context_var_reset(weft_context_var *var, weft_context_token *token);

/* ---- tokens ------------------------------------------------------------ */

/**
 * @brief Drops a token. Its recorded old value is released if nothing else
 *        holds it.
 * @param token the token; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_context_token_free(weft_context_token *token);

/**
 * @brief The variable that made the token, `Token.var`.
 * @param token the token.
 * @param borrowed receives the variable, borrowed from the token (the
 *        parameter's name marks a borrowed result for the bindings).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p borrowed.
 */
WEFT_API weft_status weft_context_token_var(weft_context_token *token, weft_context_var **borrowed);

/**
 * @brief The value the variable had before the set that made the token,
 *        `Token.old_value`.
 *
 * @param token the token.
 * @param old_value receives the old value (borrowed from the token), or
 *        #WEFT_CONTEXT_MISSING when the variable was not set (`Token.MISSING`).
 * @param missing receives 1 when the variable was not set, else 0; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p old_value.
 */
WEFT_API weft_status weft_context_token_old_value(weft_context_token *token, void **old_value, int *missing);

/* ---- contexts ---------------------------------------------------------- */

/**
 * @brief Creates an empty context, as `Context()`.
 * @param out receives the context; free it with weft_context_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_context_new(weft_context **out);

/**
 * @brief Copies the calling thread's current context, as `copy_context()`.
 *        O(1): the copy shares the mapping.
 * @param out receives the copy; free it with weft_context_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_context_copy_current(weft_context **out);

/**
 * @brief Copies a context, as `Context.copy()`. O(1).
 * @param ctx the context.
 * @param out receives the copy; free it with weft_context_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_context_copy(weft_context *ctx, weft_context **out);

/**
 * @brief Drops the caller's reference to a context. Values only it held are
 *        freed when the last reference goes (a running weft_context_run(),
 *        a token or a bound callable hold references too).
 * @param ctx the context; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_context_free(weft_context *ctx);

/**
 * @brief Calls `fn(arg)` with @p ctx as the calling thread's current context,
 *        as `Context.run(callable)`.
 *
 * Variables set during the call are set in @p ctx and stay there. The
 * previous context is current again when the call returns.
 * @param ctx the context to enter.
 * @param fn the callable; @p arg stays the caller's.
 * @param arg its argument.
 * @param result receives the value @p fn reported (the caller owns it); may
 *        be NULL to discard it.
 * @param free_result receives the value's free function; may be NULL.
 * @return `WEFT_OK`; `WEFT_RUNTIME` if @p ctx is already entered, in this
 *         thread or any other (Python's `RuntimeError`); `WEFT_EINVAL` for a
 *         bad handle or a NULL @p fn; the status @p fn reported as a
 *         failure, with its message.
 */
WEFT_API weft_status weft_context_run(weft_context *ctx, weft_fn fn, void *arg, void **result,
                                      weft_free_fn *free_result);

/**
 * @brief Wraps a callable so that it runs in @p ctx wherever and whenever it
 *        is called, as `functools.partial(ctx.run, fn)`.
 *
 * The result is an ordinary callable triple: hand it to a thread, an
 * executor or a scheduler, which call it as any other. Each call enters
 * @p ctx in the calling thread, calls `fn(arg, outcome)` and leaves; if
 * @p ctx is already entered at that moment the call reports `WEFT_RUNTIME`.
 * `out_free(out_arg)` releases @p arg with @p free_arg and the reference to
 * @p ctx the wrapper holds.
 *
 * @param ctx the context; the wrapper takes its own reference.
 * @param fn the callable.
 * @param arg its argument; owned by the wrapper on success.
 * @param free_arg releases @p arg; may be NULL.
 * @param out_fn receives the wrapper's function.
 * @param out_arg receives the wrapper's argument.
 * @param out_free receives the wrapper's release function (never NULL).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p fn or
 *         out-parameter; `WEFT_NOMEM` (the caller then still owns @p arg).
 */
WEFT_API weft_status weft_context_bind(weft_context *ctx, weft_fn fn, void *arg, weft_free_fn free_arg,
                                       weft_fn *out_fn, void **out_arg, weft_free_fn *out_free);

/**
 * @brief A variable's value in a context, as `Context[var]` /
 *        `Context.get(var)`. The variable's default is not consulted.
 * @param ctx the context.
 * @param var the variable.
 * @param value receives the value, borrowed from the context.
 * @return `WEFT_OK`; `WEFT_LOOKUP` when @p var is not set in @p ctx (Python's
 *         `KeyError`); `WEFT_EINVAL` for a bad handle or a NULL @p value.
 */
WEFT_API weft_status weft_context_get(weft_context *ctx, weft_context_var *var, void **value);

/**
 * @brief Whether a variable is set in a context, as `var in ctx`.
 * @param ctx the context.
 * @param var the variable.
 * @param out receives 1 when set, else 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_context_contains(weft_context *ctx, weft_context_var *var, int *out);

/**
 * @brief The number of variables set in a context, as `len(ctx)`.
 * @param ctx the context.
 * @param out receives the count.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_context_len(weft_context *ctx, size_t *out);

/**
 * @brief Starts an iteration over a snapshot of a context's items, the C form
 *        of `keys()`, `values()` and `items()` (and of iterating a context).
 *
 * The snapshot is taken in O(1); later changes of @p ctx do not affect it.
 * The order is unspecified but the same for keys and values of one snapshot.
 * @param out receives the iterator; free it with weft_context_iter_free().
 * @param ctx the context.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_context_iter_new(weft_context_iter **out, weft_context *ctx);

/**
 * @brief The next item of an iteration.
 * @param it the iterator.
 * @param borrowed receives the variable (borrowed from the iterator; the
 *        parameter's name marks a borrowed result for the bindings); may be
 *        NULL.
 * @param value receives its value (borrowed from the iterator); may be NULL.
 * @return `WEFT_OK` with an item; `WEFT_EOF` when the items are exhausted
 *         (Python's `StopIteration`); `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_context_iter_next(weft_context_iter *it, weft_context_var **borrowed, void **value);

/**
 * @brief Ends an iteration; pointers it handed out are no longer valid
 *        unless something else holds them.
 * @param it the iterator; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a wrong or already freed handle.
 */
WEFT_API weft_status weft_context_iter_free(weft_context_iter *it);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_CONTEXT_H */
