/* Contexts across threads: each thread has its own current context, new
 * threads start empty, a thread's values go when it exits, a bound callable
 * runs in its context on another thread, and a context entered in one thread
 * cannot be entered in another. */
#include "weft_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>

/* Criterion's assertions are for the test's own thread (in other threads
 * they leak its per-thread state): other threads record failures here and
 * the test asserts there were none. */
static atomic_int thread_failures;
static char first_failure[256];
#define T_CHECK(cond)                                                                             \
    do {                                                                                          \
        if (!(cond) && atomic_fetch_add(&thread_failures, 1) == 0)                                \
            snprintf(first_failure, sizeof first_failure, "%s:%d: %s (%s)", __FILE__, __LINE__, #cond, \
                     weft_errmsg());                                                              \
    } while (0)
#define ASSERT_NO_THREAD_FAILURES() \
    cr_assert_eq(atomic_load(&thread_failures), 0, "%s", first_failure)

static atomic_int frees;
static void count_free(void *p)
{
    atomic_fetch_add(&frees, 1);
    free(p);
}

static int *boxed(int v)
{
    int *p = malloc(sizeof *p);
    *p = v;
    return p;
}

static weft_context_var *var;

static void *sees_empty_then_sets(void *arg)
{
    void *v;
    T_CHECK((weft_context_var_get(var, &v)) == (WEFT_LOOKUP));
    weft_context *c;
    T_CHECK((weft_context_copy_current(&c)) == (WEFT_OK));
    size_t n = 1;
    T_CHECK((weft_context_len(c, &n)) == (WEFT_OK));
    T_CHECK((n) == (0));
    weft_context_free(c);
    int me = (int)(intptr_t)arg;
    for (int i = 0; i < 1000; i++) {
        T_CHECK((weft_context_var_set(var, boxed(me * 10000 + i), NULL)) == (WEFT_OK));
        T_CHECK((weft_context_var_get(var, &v)) == (WEFT_OK));
        T_CHECK((*(int *)v) == (me * 10000 + i));
    }
    return NULL;
}

Test(context_threads, each_thread_has_its_own_context_freed_at_exit)
{
    atomic_store(&frees, 0);
    cr_assert_eq(weft_context_var_new(&var, "v", count_free), WEFT_OK);
    cr_assert_eq(weft_context_var_set(var, boxed(-1), NULL), WEFT_OK);
    enum { T = 4 };
    pthread_t t[T];
    for (int i = 0; i < T; i++)
        pthread_create(&t[i], NULL, sees_empty_then_sets, (void *)(intptr_t)(i + 1));
    for (int i = 0; i < T; i++)
        pthread_join(t[i], NULL);
    /* Each thread replaced 999 values and its last one went with the thread. */
    cr_assert_eq(atomic_load(&frees), T * 1000);
    void *v;
    cr_assert_eq(weft_context_var_get(var, &v), WEFT_OK);
    cr_assert_eq(*(int *)v, -1);
    weft_context_var_free(var);
    ASSERT_NO_THREAD_FAILURES();
}

typedef struct triple {
    weft_fn fn;
    void *arg;
    weft_free_fn release;
    weft_status st;
    void *value;
    weft_free_fn free_value;
} triple;

static void *call_triple(void *p)
{
    triple *t = p;
    t->st = weft_call(t->fn, t->arg, &t->value, &t->free_value);
    t->release(t->arg);
    return NULL;
}

static void read_and_set(void *arg, weft_outcome *o)
{
    (void)arg;
    void *v;
    weft_status st = weft_context_var_get(var, &v);
    if (st != WEFT_OK) {
        weft_outcome_set_error(o, st, weft_errmsg(), NULL, NULL);
        return;
    }
    weft_outcome_set_value(o, boxed(*(int *)v), free);
    weft_context_var_set(var, boxed(77), NULL);
}

Test(context_threads, bound_callable_runs_in_its_context_on_another_thread)
{
    cr_assert_eq(weft_context_var_new(&var, "v", count_free), WEFT_OK);
    cr_assert_eq(weft_context_var_set(var, boxed(5), NULL), WEFT_OK);
    weft_context *ctx;
    WEFT_ASSERT_OK(weft_context_copy_current(&ctx));
    triple t = { 0 };
    WEFT_ASSERT_OK(weft_context_bind(ctx, read_and_set, NULL, NULL, &t.fn, &t.arg, &t.release));
    pthread_t th;
    pthread_create(&th, NULL, call_triple, &t);
    pthread_join(th, NULL);
    WEFT_ASSERT_OK(t.st);
    cr_assert_eq(*(int *)t.value, 5, "the other thread saw the bound context");
    t.free_value(t.value);
    void *v;
    WEFT_ASSERT_OK(weft_context_get(ctx, var, &v));
    cr_assert_eq(*(int *)v, 77, "the set made there landed in the bound context");
    WEFT_ASSERT_OK(weft_context_var_get(var, &v));
    cr_assert_eq(*(int *)v, 5, "not in the caller's");
    WEFT_ASSERT_OK(weft_context_free(ctx));
    weft_context_var_free(var);
    ASSERT_NO_THREAD_FAILURES();
}

/* ---- a context entered in one thread is refused in another ------------- */

static atomic_int phase;

static void hold_entered(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    atomic_store(&phase, 1);
    while (atomic_load(&phase) != 2)
        sched_yield();
}

static void *run_holding(void *ctx)
{
    T_CHECK((weft_context_run(ctx, hold_entered, NULL, NULL, NULL)) == (WEFT_OK));
    return NULL;
}

static void nothing(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

Test(context_threads, entered_elsewhere_is_refused)
{
    weft_context *ctx;
    WEFT_ASSERT_OK(weft_context_new(&ctx));
    atomic_store(&phase, 0);
    pthread_t th;
    pthread_create(&th, NULL, run_holding, ctx);
    while (atomic_load(&phase) != 1)
        sched_yield();
    WEFT_ASSERT_STATUS(weft_context_run(ctx, nothing, NULL, NULL, NULL), WEFT_RUNTIME);
    /* Reading it from here is fine meanwhile. */
    size_t n;
    WEFT_ASSERT_OK(weft_context_len(ctx, &n));
    atomic_store(&phase, 2);
    pthread_join(th, NULL);
    WEFT_ASSERT_OK(weft_context_run(ctx, nothing, NULL, NULL, NULL));
    WEFT_ASSERT_OK(weft_context_free(ctx));
    ASSERT_NO_THREAD_FAILURES();
}

/* ---- bounded stress: one thread sets in a shared context while others
 * read, copy and iterate it; more threads churn their own contexts ------- */

enum { VARS = 64, ROUNDS = 20000 };
static weft_context_var *vars[VARS];
static weft_context *shared;
static atomic_int writer_done;

static void write_loop(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    unsigned seed = 7;
    for (int i = 0; i < ROUNDS; i++) {
        weft_context_token *tok = NULL;
        weft_context_var *v = vars[rand_r(&seed) % VARS];
        T_CHECK((weft_context_var_set(v, boxed(i), (i % 3 == 0) ? &tok : NULL)) == (WEFT_OK));
        if (tok != NULL) {
            T_CHECK((weft_context_var_reset(v, tok)) == (WEFT_OK));
            weft_context_token_free(tok);
        }
    }
}

static void *writer(void *arg)
{
    (void)arg;
    T_CHECK((weft_context_run(shared, write_loop, NULL, NULL, NULL)) == (WEFT_OK));
    atomic_store(&writer_done, 1);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    while (!atomic_load(&writer_done)) {
        size_t n;
        T_CHECK((weft_context_len(shared, &n)) == (WEFT_OK));
        T_CHECK((n) <= (VARS));
        weft_context *copy;
        T_CHECK((weft_context_copy(shared, &copy)) == (WEFT_OK));
        weft_context_iter *it;
        T_CHECK((weft_context_iter_new(&it, copy)) == (WEFT_OK));
        weft_context_var *k;
        void *v;
        size_t items = 0;
        while (weft_context_iter_next(it, &k, &v) == WEFT_OK) {
            T_CHECK((*(int *)v) >= (0));
            void *again;
            T_CHECK((weft_context_get(copy, k, &again)) == (WEFT_OK));
            T_CHECK((again) == (v));
            items++;
        }
        size_t len;
        weft_context_len(copy, &len);
        T_CHECK((items) == (len));
        weft_context_iter_free(it);
        weft_context_free(copy);
    }
    return NULL;
}

static void *churner(void *arg)
{
    (void)arg;
    unsigned seed = 11;
    while (!atomic_load(&writer_done)) {
        weft_context_var *v = vars[rand_r(&seed) % VARS];
        weft_context_var_set(v, boxed(1), NULL);
        weft_context *c;
        weft_context_copy_current(&c);
        weft_context_free(c);
    }
    return NULL;
}

Test(context_threads, concurrent_readers_of_a_changing_context)
{
    atomic_store(&frees, 0);
    for (int i = 0; i < VARS; i++)
        cr_assert_eq(weft_context_var_new(&vars[i], "v", count_free), WEFT_OK);
    WEFT_ASSERT_OK(weft_context_new(&shared));
    pthread_t w, r[2], c;
    pthread_create(&w, NULL, writer, NULL);
    for (int i = 0; i < 2; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    pthread_create(&c, NULL, churner, NULL);
    pthread_join(w, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(r[i], NULL);
    pthread_join(c, NULL);
    size_t n;
    WEFT_ASSERT_OK(weft_context_len(shared, &n));
    int before = atomic_load(&frees);
    WEFT_ASSERT_OK(weft_context_free(shared));
    cr_assert_eq(atomic_load(&frees) - before, (int)n, "the last holder frees each value once");
    for (int i = 0; i < VARS; i++)
        weft_context_var_free(vars[i]);
    ASSERT_NO_THREAD_FAILURES();
}
