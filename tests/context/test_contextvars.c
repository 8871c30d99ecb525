/* Context variables, tokens and contexts on one thread: every function and
 * its failure paths, snapshot semantics, and values freed exactly once. */
#include "weft_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int frees;
static void count_free(void *p)
{
    frees++;
    free(p);
}

static int *boxed(int v)
{
    int *p = malloc(sizeof *p);
    *p = v;
    return p;
}

static int value_of(weft_context_var *var)
{
    void *v = NULL;
    WEFT_ASSERT_OK(weft_context_var_get(var, &v));
    return *(int *)v;
}

Test(contextvars, names_defaults_and_lookup)
{
    weft_context_var *a, *b;
    WEFT_ASSERT_OK(weft_context_var_new(&a, "a", count_free));
    WEFT_ASSERT_OK(weft_context_var_new_default(&b, "b", boxed(7), count_free));
    const char *name = NULL;
    WEFT_ASSERT_OK(weft_context_var_name(a, &name));
    cr_assert_str_eq(name, "a");
    void *v = (void *)1;
    WEFT_ASSERT_STATUS(weft_context_var_get(a, &v), WEFT_LOOKUP);
    cr_assert(strstr(weft_errmsg(), "'a'") != NULL, "%s", weft_errmsg());
    cr_assert_eq(v, (void *)1, "untouched on failure");
    cr_assert_eq(value_of(b), 7);
    /* get(default): the caller's default wins over the variable's. */
    int mine = 99;
    WEFT_ASSERT_OK(weft_context_var_get_default(a, &mine, &v));
    cr_assert_eq(v, &mine);
    WEFT_ASSERT_OK(weft_context_var_get_default(b, &mine, &v));
    cr_assert_eq(v, &mine);
    WEFT_ASSERT_OK(weft_context_var_set(b, boxed(8), NULL));
    WEFT_ASSERT_OK(weft_context_var_get_default(b, &mine, &v));
    cr_assert_eq(*(int *)v, 8);
    /* A NULL default is a default. */
    weft_context_var *c;
    WEFT_ASSERT_OK(weft_context_var_new_default(&c, "c", NULL, NULL));
    v = (void *)1;
    WEFT_ASSERT_OK(weft_context_var_get(c, &v));
    cr_assert_null(v);
    frees = 0;
    WEFT_ASSERT_OK(weft_context_var_free(a));
    WEFT_ASSERT_OK(weft_context_var_free(c));
    WEFT_ASSERT_OK(weft_context_var_free(b));
    /* b is a key of this thread's context, which keeps it (and its default)
     * alive, as a Python context keeps its variables alive. */
    cr_assert_eq(frees, 0);
}

Test(contextvars, set_token_and_reset)
{
    weft_context_var *var, *other;
    weft_context_token *t1, *t2;
    frees = 0;
    WEFT_ASSERT_OK(weft_context_var_new(&var, "v", count_free));
    WEFT_ASSERT_OK(weft_context_var_new(&other, "other", count_free));
    WEFT_ASSERT_OK(weft_context_var_set(var, boxed(1), &t1));
    WEFT_ASSERT_OK(weft_context_var_set(var, boxed(2), &t2));
    cr_assert_eq(value_of(var), 2);

    weft_context_var *tv = NULL;
    WEFT_ASSERT_OK(weft_context_token_var(t1, &tv));
    cr_assert_eq(tv, var);
    void *old = NULL;
    int missing = -1;
    WEFT_ASSERT_OK(weft_context_token_old_value(t1, &old, &missing));
    cr_assert_eq(missing, 1);
    cr_assert_eq(old, WEFT_CONTEXT_MISSING);
    cr_assert_not_null(WEFT_CONTEXT_MISSING);
    cr_assert_eq(weft_context_missing(), weft_context_missing());
    WEFT_ASSERT_OK(weft_context_token_old_value(t2, &old, &missing));
    cr_assert_eq(missing, 0);
    cr_assert_eq(*(int *)old, 1);
    WEFT_ASSERT_OK(weft_context_token_old_value(t2, &old, NULL));
    cr_assert_eq(frees, 0, "value 1 is held by t2 as its old value");

    /* Wrong variable, then the right one; then twice. */
    WEFT_ASSERT_STATUS(weft_context_var_reset(other, t2), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "different variable") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_OK(weft_context_var_reset(var, t2));
    cr_assert_eq(value_of(var), 1);
    cr_assert_eq(frees, 1, "value 2 is no longer held by anything (%d)", frees);
    WEFT_ASSERT_STATUS(weft_context_var_reset(var, t2), WEFT_RUNTIME);
    cr_assert(strstr(weft_errmsg(), "already been used") != NULL, "%s", weft_errmsg());
    /* A used token is refused even for another variable first (Python checks "used" first). */
    WEFT_ASSERT_STATUS(weft_context_var_reset(other, t2), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_context_var_reset(var, t1));
    void *v;
    WEFT_ASSERT_STATUS(weft_context_var_get(var, &v), WEFT_LOOKUP);
    cr_assert_eq(frees, 1, "value 1 is still the old value of t2");
    WEFT_ASSERT_OK(weft_context_token_free(t2));
    cr_assert_eq(frees, 2, "value 1 went with its last holder");
    WEFT_ASSERT_OK(weft_context_token_free(t1));
    cr_assert_eq(frees, 2);
    WEFT_ASSERT_OK(weft_context_var_free(var));
    WEFT_ASSERT_OK(weft_context_var_free(other));
}

static weft_context_var *g_var;
static weft_context_token *g_token;

static void set_in_context(void *arg, weft_outcome *o)
{
    (void)o;
    WEFT_ASSERT_OK(weft_context_var_set(g_var, boxed(*(int *)arg), &g_token));
}

static void reset_in_context(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    WEFT_ASSERT_STATUS(weft_context_var_reset(g_var, g_token), WEFT_EINVAL);
}

Test(contextvars, reset_in_another_context_is_refused)
{
    weft_context *ctx, *ctx2;
    int v = 5;
    WEFT_ASSERT_OK(weft_context_var_new(&g_var, "g", count_free));
    WEFT_ASSERT_OK(weft_context_new(&ctx));
    WEFT_ASSERT_OK(weft_context_new(&ctx2));
    WEFT_ASSERT_OK(weft_context_run(ctx, set_in_context, &v, NULL, NULL));
    /* Here, outside ctx. */
    WEFT_ASSERT_STATUS(weft_context_var_reset(g_var, g_token), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "different context") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_OK(weft_context_run(ctx2, reset_in_context, NULL, NULL, NULL));
    /* A copy of ctx is another context too. */
    weft_context *copy;
    WEFT_ASSERT_OK(weft_context_copy(ctx, &copy));
    WEFT_ASSERT_OK(weft_context_run(copy, reset_in_context, NULL, NULL, NULL));
    void *got;
    WEFT_ASSERT_OK(weft_context_get(ctx, g_var, &got));
    cr_assert_eq(*(int *)got, 5);
    WEFT_ASSERT_OK(weft_context_token_free(g_token));
    WEFT_ASSERT_OK(weft_context_free(copy));
    WEFT_ASSERT_OK(weft_context_free(ctx2));
    WEFT_ASSERT_OK(weft_context_free(ctx));
    WEFT_ASSERT_OK(weft_context_var_free(g_var));
}

Test(contextvars, copies_are_snapshots)
{
    weft_context_var *var;
    weft_context *snap, *snap2;
    frees = 0;
    WEFT_ASSERT_OK(weft_context_var_new(&var, "v", count_free));
    WEFT_ASSERT_OK(weft_context_copy_current(&snap));
    size_t n = 99;
    WEFT_ASSERT_OK(weft_context_len(snap, &n));
    cr_assert_eq(n, 0, "a fresh thread's context is empty");
    WEFT_ASSERT_OK(weft_context_var_set(var, boxed(1), NULL));
    WEFT_ASSERT_OK(weft_context_copy_current(&snap2));
    WEFT_ASSERT_OK(weft_context_var_set(var, boxed(2), NULL));
    int in = 0;
    WEFT_ASSERT_OK(weft_context_contains(snap, var, &in));
    cr_assert_eq(in, 0, "a change after the copy is invisible in the copy");
    void *got;
    WEFT_ASSERT_OK(weft_context_get(snap2, var, &got));
    cr_assert_eq(*(int *)got, 1);
    cr_assert_eq(value_of(var), 2);
    cr_assert_eq(frees, 0, "value 1 lives on in snap2");
    /* Changes made inside a copy stay there. */
    int three = 3;
    g_var = var;
    WEFT_ASSERT_OK(weft_context_run(snap2, set_in_context, &three, NULL, NULL));
    WEFT_ASSERT_OK(weft_context_token_free(g_token));
    cr_assert_eq(frees, 1, "value 1 was only in snap2 and the token");
    cr_assert_eq(value_of(var), 2);
    WEFT_ASSERT_OK(weft_context_get(snap2, var, &got));
    cr_assert_eq(*(int *)got, 3);
    WEFT_ASSERT_OK(weft_context_free(snap2));
    cr_assert_eq(frees, 2);
    WEFT_ASSERT_OK(weft_context_free(snap));
    WEFT_ASSERT_OK(weft_context_var_free(var));
}

static void read_value(void *arg, weft_outcome *o)
{
    void *v;
    weft_status st = weft_context_var_get(arg, &v);
    if (st != WEFT_OK) {
        weft_outcome_set_error(o, st, weft_errmsg(), NULL, NULL);
        return;
    }
    weft_outcome_set_value(o, boxed(*(int *)v), free);
}

static weft_context *g_ctx;
static void reenter(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_status st = weft_context_run(g_ctx, read_value, g_var, NULL, NULL);
    weft_outcome_set_error(o, st, "inner run", NULL, NULL);
}

Test(contextvars, run_enters_and_leaves)
{
    weft_context_var *var;
    weft_context *ctx;
    WEFT_ASSERT_OK(weft_context_var_new(&var, "v", count_free));
    WEFT_ASSERT_OK(weft_context_var_set(var, boxed(10), NULL));
    WEFT_ASSERT_OK(weft_context_new(&ctx));
    void *out = NULL;
    weft_free_fn fv = NULL;
    /* An empty Context(): the variable is unset inside. */
    WEFT_ASSERT_STATUS(weft_context_run(ctx, read_value, var, &out, &fv), WEFT_LOOKUP);
    cr_assert_null(out);
    weft_context *copy;
    WEFT_ASSERT_OK(weft_context_copy_current(&copy));
    WEFT_ASSERT_OK(weft_context_run(copy, read_value, var, &out, &fv));
    cr_assert_eq(*(int *)out, 10);
    fv(out);
    /* Entering a context that is already entered is refused. */
    g_ctx = copy;
    g_var = var;
    WEFT_ASSERT_STATUS(weft_context_run(copy, reenter, NULL, NULL, NULL), WEFT_RUNTIME);
    /* Entering another context from inside is fine (nesting). */
    g_ctx = ctx;
    WEFT_ASSERT_STATUS(weft_context_run(copy, reenter, NULL, NULL, NULL), WEFT_LOOKUP);
    cr_assert_eq(value_of(var), 10, "the thread's context is current again");
    WEFT_ASSERT_STATUS(weft_context_run(copy, NULL, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_context_free(copy));
    WEFT_ASSERT_OK(weft_context_free(ctx));
    WEFT_ASSERT_OK(weft_context_var_free(var));
}

Test(contextvars, mapping_interface_and_iteration)
{
    enum { N = 50 };
    weft_context_var *vars[N];
    int seen[N] = { 0 };
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", i);
        WEFT_ASSERT_OK(weft_context_var_new(&vars[i], name, count_free));
        if (i % 2 == 0)
            WEFT_ASSERT_OK(weft_context_var_set(vars[i], boxed(i), NULL));
    }
    weft_context *ctx;
    WEFT_ASSERT_OK(weft_context_copy_current(&ctx));
    size_t n;
    WEFT_ASSERT_OK(weft_context_len(ctx, &n));
    cr_assert_eq(n, N / 2);
    for (int i = 0; i < N; i++) {
        int in;
        void *v;
        WEFT_ASSERT_OK(weft_context_contains(ctx, vars[i], &in));
        cr_assert_eq(in, i % 2 == 0);
        if (i % 2 == 0) {
            WEFT_ASSERT_OK(weft_context_get(ctx, vars[i], &v));
            cr_assert_eq(*(int *)v, i);
        } else {
            WEFT_ASSERT_STATUS(weft_context_get(ctx, vars[i], &v), WEFT_LOOKUP);
        }
    }
    weft_context_iter *it;
    WEFT_ASSERT_OK(weft_context_iter_new(&it, ctx));
    /* Changing the context after the iterator started does not affect it. */
    WEFT_ASSERT_OK(weft_context_free(ctx));
    for (int i = 0; i < N; i++)
        WEFT_ASSERT_OK(weft_context_var_set(vars[i], boxed(1000 + i), NULL));
    weft_context_var *k;
    void *v;
    int items = 0;
    weft_status st;
    while ((st = weft_context_iter_next(it, &k, &v)) == WEFT_OK) {
        const char *name;
        WEFT_ASSERT_OK(weft_context_var_name(k, &name));
        int i = atoi(name + 1);
        cr_assert_eq(*(int *)v, i);
        seen[i]++;
        items++;
    }
    cr_assert_eq(st, WEFT_EOF);
    WEFT_ASSERT_STATUS(weft_context_iter_next(it, NULL, NULL), WEFT_EOF);
    cr_assert_eq(items, N / 2);
    for (int i = 0; i < N; i++)
        cr_assert_eq(seen[i], i % 2 == 0);
    WEFT_ASSERT_OK(weft_context_iter_free(it));
    /* keys() alone and values() alone. */
    WEFT_ASSERT_OK(weft_context_copy_current(&ctx));
    WEFT_ASSERT_OK(weft_context_iter_new(&it, ctx));
    items = 0;
    while (weft_context_iter_next(it, &k, NULL) == WEFT_OK)
        items++;
    cr_assert_eq(items, N);
    WEFT_ASSERT_OK(weft_context_iter_free(it));
    WEFT_ASSERT_OK(weft_context_iter_new(&it, ctx));
    items = 0;
    while (weft_context_iter_next(it, NULL, &v) == WEFT_OK) {
        cr_assert_geq(*(int *)v, 1000);
        items++;
    }
    cr_assert_eq(items, N);
    WEFT_ASSERT_OK(weft_context_iter_free(it));
    /* An empty context iterates nothing. */
    weft_context *empty;
    WEFT_ASSERT_OK(weft_context_new(&empty));
    WEFT_ASSERT_OK(weft_context_iter_new(&it, empty));
    WEFT_ASSERT_STATUS(weft_context_iter_next(it, &k, &v), WEFT_EOF);
    WEFT_ASSERT_OK(weft_context_iter_free(it));
    WEFT_ASSERT_OK(weft_context_free(empty));
    WEFT_ASSERT_OK(weft_context_free(ctx));
    for (int i = 0; i < N; i++)
        WEFT_ASSERT_OK(weft_context_var_free(vars[i]));
}

Test(contextvars, values_freed_exactly_once)
{
    weft_context_var *var;
    weft_context *a, *b;
    frees = 0;
    WEFT_ASSERT_OK(weft_context_var_new(&var, "v", count_free));
    WEFT_ASSERT_OK(weft_context_new(&a));
    int one = 1;
    g_var = var;
    WEFT_ASSERT_OK(weft_context_run(a, set_in_context, &one, NULL, NULL));
    WEFT_ASSERT_OK(weft_context_token_free(g_token));
    WEFT_ASSERT_OK(weft_context_copy(a, &b));
    WEFT_ASSERT_OK(weft_context_free(a));
    cr_assert_eq(frees, 0, "the copy still holds the value");
    weft_context_iter *it;
    WEFT_ASSERT_OK(weft_context_iter_new(&it, b));
    WEFT_ASSERT_OK(weft_context_free(b));
    cr_assert_eq(frees, 0, "the iterator still holds the value");
    void *v;
    WEFT_ASSERT_OK(weft_context_iter_next(it, NULL, &v));
    cr_assert_eq(*(int *)v, 1);
    WEFT_ASSERT_OK(weft_context_iter_free(it));
    cr_assert_eq(frees, 1);
    /* Setting the same variable many times frees each replaced value once. */
    for (int i = 0; i < 100; i++)
        WEFT_ASSERT_OK(weft_context_var_set(var, boxed(i), NULL));
    cr_assert_eq(frees, 100);
    /* A variable without a free function leaves values alone. */
    weft_context_var *plain;
    static int statics[3];
    WEFT_ASSERT_OK(weft_context_var_new(&plain, "plain", NULL));
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_context_var_set(plain, &statics[i], NULL));
    WEFT_ASSERT_OK(weft_context_var_get(plain, &v));
    cr_assert_eq(v, &statics[2]);
    WEFT_ASSERT_OK(weft_context_var_free(plain));
    WEFT_ASSERT_OK(weft_context_var_free(var));
}

static int bound_arg_frees;
static void free_bound_arg(void *p)
{
    bound_arg_frees++;
    free(p);
}

static void read_then_set(void *arg, weft_outcome *o)
{
    read_value(g_var, o);
    WEFT_ASSERT_OK(weft_context_var_set(g_var, boxed(*(int *)arg), NULL));
}

Test(contextvars, bind_runs_in_the_bound_context)
{
    weft_context_var *var;
    weft_context *ctx;
    WEFT_ASSERT_OK(weft_context_var_new(&var, "v", count_free));
    g_var = var;
    WEFT_ASSERT_OK(weft_context_var_set(var, boxed(1), NULL));
    WEFT_ASSERT_OK(weft_context_copy_current(&ctx));
    WEFT_ASSERT_OK(weft_context_var_set(var, boxed(2), NULL));
    weft_fn fn;
    void *arg;
    weft_free_fn release;
    WEFT_ASSERT_OK(weft_context_bind(ctx, read_then_set, boxed(42), free_bound_arg, &fn, &arg, &release));
    WEFT_ASSERT_OK(weft_context_free(ctx)); /* the wrapper keeps its own reference */
    void *out;
    weft_free_fn fv;
    WEFT_ASSERT_OK(weft_call(fn, arg, &out, &fv));
    cr_assert_eq(*(int *)out, 1, "the bound callable sees the bound context");
    fv(out);
    WEFT_ASSERT_OK(weft_call(fn, arg, &out, &fv));
    cr_assert_eq(*(int *)out, 42, "and what it set there stays there");
    fv(out);
    cr_assert_eq(value_of(var), 2, "the caller's context is untouched");
    cr_assert_eq(bound_arg_frees, 0);
    release(arg);
    cr_assert_eq(bound_arg_frees, 1);
    WEFT_ASSERT_OK(weft_context_var_free(var));
}

static void call_bound(void *arg, weft_outcome *o)
{
    void **triple = arg;
    weft_status st = weft_call((weft_fn)(uintptr_t)triple[0], triple[1], NULL, NULL);
    weft_outcome_set_error(o, st, weft_errmsg(), NULL, NULL);
}

Test(contextvars, bound_callable_refuses_an_entered_context)
{
    weft_context *ctx;
    WEFT_ASSERT_OK(weft_context_new(&ctx));
    weft_fn fn;
    void *arg;
    weft_free_fn release;
    WEFT_ASSERT_OK(weft_context_bind(ctx, read_value, NULL, NULL, &fn, &arg, &release));
    void *triple[2] = { (void *)(uintptr_t)fn, arg };
    WEFT_ASSERT_STATUS(weft_context_run(ctx, call_bound, triple, NULL, NULL), WEFT_RUNTIME);
    cr_assert(strstr(weft_errmsg(), "already entered") != NULL, "%s", weft_errmsg());
    release(arg);
    WEFT_ASSERT_OK(weft_context_free(ctx));
}

Test(contextvars, bad_input)
{
    weft_context_var *var, *dead;
    weft_context *ctx;
    weft_context_token *tok;
    weft_context_iter *it;
    void *v;
    int i;
    size_t n;
    const char *name;
    weft_fn fn;
    void *arg;
    weft_free_fn rel;
    WEFT_ASSERT_STATUS(weft_context_var_new(NULL, "x", NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_new(&var, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_new_default(NULL, "x", NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_new_default(&var, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_copy_current(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_context_var_new(&var, "x", NULL));
    WEFT_ASSERT_OK(weft_context_new(&ctx));
    WEFT_ASSERT_OK(weft_context_var_set(var, &i, &tok));

    WEFT_ASSERT_STATUS(weft_context_var_name(NULL, &name), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_name(var, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_get(NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_get(var, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_get_default(NULL, NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_get_default(var, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_set(NULL, &i, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_reset(NULL, tok), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_reset(var, NULL), WEFT_EINVAL);
    /* Handles of the wrong type. */
    WEFT_ASSERT_STATUS(weft_context_var_get((weft_context_var *)ctx, &v), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not a context variable") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_context_var_reset(var, (weft_context_token *)var), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_run((weft_context *)var, read_value, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_free((weft_context *)tok), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_get(ctx, (weft_context_var *)ctx, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_token_var(NULL, &var), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_token_var(tok, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_token_old_value(NULL, &v, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_token_old_value(tok, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_copy(NULL, &ctx), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_copy(ctx, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_run(NULL, read_value, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_get(NULL, var, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_get(ctx, NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_get(ctx, var, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_contains(NULL, var, &i), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_contains(ctx, NULL, &i), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_contains(ctx, var, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_len(NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_len(ctx, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_iter_new(NULL, ctx), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_iter_new(&it, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_iter_next(NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_iter_next((weft_context_iter *)ctx, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_iter_free((weft_context_iter *)ctx), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_bind(NULL, read_value, NULL, NULL, &fn, &arg, &rel), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_bind(ctx, NULL, NULL, NULL, &fn, &arg, &rel), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_bind(ctx, read_value, NULL, NULL, NULL, &arg, &rel), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_bind(ctx, read_value, NULL, NULL, &fn, NULL, &rel), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_bind(ctx, read_value, NULL, NULL, &fn, &arg, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_context_var_free(NULL));
    WEFT_ASSERT_OK(weft_context_free(NULL));
    WEFT_ASSERT_OK(weft_context_token_free(NULL));
    WEFT_ASSERT_OK(weft_context_iter_free(NULL));

    /* Freed handles (nothing else holds them, so they are really gone). */
    WEFT_ASSERT_OK(weft_context_var_new(&dead, "dead", NULL));
    WEFT_ASSERT_OK(weft_context_var_free(dead));
    WEFT_ASSERT_STATUS(weft_context_var_get(dead, &v), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "freed") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_context_var_set(dead, &i, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_free(dead), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_context_token_free(tok));
    WEFT_ASSERT_STATUS(weft_context_token_var(tok, &var), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_var_reset(var, tok), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_context_iter_new(&it, ctx));
    WEFT_ASSERT_OK(weft_context_iter_free(it));
    WEFT_ASSERT_STATUS(weft_context_iter_next(it, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_context_free(ctx));
    WEFT_ASSERT_STATUS(weft_context_len(ctx, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_run(ctx, read_value, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_context_free(ctx), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_context_var_free(var));
}
