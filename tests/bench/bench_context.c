/* Context variables: the cost of get, set and copy_context with 1 to 10,000
 * variables set, against a pthread_getspecific per get and a full copy of an
 * array of 1,000 (key, value) pairs, in the same run. copy_context should be
 * flat (O(1)); get and set grow with the trie's depth (log32 n). */
#include "bench.h"

#include <pthread.h>
#include <weft.h>

typedef struct pair {
    void *key;
    void *value;
} pair;

typedef struct state {
    weft_context_var **vars;
    size_t nvars;
    pthread_key_t key;
    pair *pairs;
    size_t npairs;
} state;

static volatile uintptr_t sink;
static int values[16];

static double b_get(void *arg, long ops)
{
    state *s = arg;
    uintptr_t acc = 0;
    for (long i = 0; i < ops; i++) {
        void *v;
        weft_context_var_get(s->vars[(size_t)i % s->nvars], &v);
        acc += (uintptr_t)v;
    }
    sink = acc;
    return -1;
}

static double b_set(void *arg, long ops)
{
    state *s = arg;
    for (long i = 0; i < ops; i++)
        weft_context_var_set(s->vars[(size_t)i % s->nvars], &values[i & 15], NULL);
    return -1;
}

static double b_copy(void *arg, long ops)
{
    (void)arg;
    for (long i = 0; i < ops; i++) {
        weft_context *c;
        weft_context_copy_current(&c);
        weft_context_free(c);
    }
    return -1;
}

static double b_getspecific(void *arg, long ops)
{
    state *s = arg;
    uintptr_t acc = 0;
    for (long i = 0; i < ops; i++)
        acc += (uintptr_t)pthread_getspecific(s->key);
    sink = acc;
    return -1;
}

static double b_array_copy(void *arg, long ops)
{
    state *s = arg;
    for (long i = 0; i < ops; i++) {
        pair *copy = malloc(s->npairs * sizeof *copy);
        memcpy(copy, s->pairs, s->npairs * sizeof *copy);
        sink += (uintptr_t)copy[i % (long)s->npairs].value;
        free(copy);
    }
    return -1;
}

static const size_t sizes[] = { 1, 10, 100, 1000, 10000 };
enum { NSIZES = sizeof sizes / sizeof sizes[0] };
static bench_result r_get[NSIZES], r_set[NSIZES], r_copy[NSIZES];

typedef struct round {
    state *s;
    int index;
} round_t;

/* Runs inside a fresh context with s->nvars variables set. */
static void measure(void *arg, weft_outcome *outcome)
{
    (void)outcome;
    round_t *r = arg;
    state *s = r->s;
    for (size_t i = 0; i < s->nvars; i++)
        weft_context_var_set(s->vars[i], &values[i & 15], NULL);
    char name[64];
    snprintf(name, sizeof name, "weft ContextVar.get, %zu vars set", s->nvars);
    r_get[r->index] = bench_run(strdup(name), b_get, s, bench_scaled(2000000), 9);
    snprintf(name, sizeof name, "weft ContextVar.set, %zu vars set", s->nvars);
    r_set[r->index] = bench_run(strdup(name), b_set, s, bench_scaled(500000), 9);
    snprintf(name, sizeof name, "weft copy_context, %zu vars set", s->nvars);
    r_copy[r->index] = bench_run(strdup(name), b_copy, s, bench_scaled(1000000), 9);
}

int main(void)
{
    state s = { 0 };
    size_t max = sizes[NSIZES - 1];
    s.vars = malloc(max * sizeof *s.vars);
    for (size_t i = 0; i < max; i++)
        weft_context_var_new(&s.vars[i], "bench", NULL);
    pthread_key_create(&s.key, NULL);
    pthread_setspecific(s.key, &values[1]);
    s.npairs = 1000;
    s.pairs = malloc(s.npairs * sizeof *s.pairs);
    for (size_t i = 0; i < s.npairs; i++)
        s.pairs[i] = (pair){ s.vars[i], &values[i & 15] };

    for (int i = 0; i < NSIZES; i++) {
        weft_context *ctx;
        weft_context_new(&ctx);
        s.nvars = sizes[i];
        round_t r = { &s, i };
        weft_context_run(ctx, measure, &r, NULL, NULL);
        weft_context_free(ctx);
    }
    bench_result getspecific = bench_run("peer pthread_getspecific", b_getspecific, &s, bench_scaled(2000000), 9);
    bench_result array_copy = bench_run("peer copy of 1,000 (key, value) pairs", b_array_copy, &s,
                                        bench_scaled(200000), 9);

    printf("\n");
    bench_ratio(r_get[0], getspecific);
    bench_ratio(r_get[3], getspecific);
    bench_ratio(r_copy[3], array_copy);
    bench_ratio(r_copy[4], array_copy);
    printf("  copy_context flatness: %zu vars / 1 var = %.2f (1.00 is flat)\n", sizes[NSIZES - 1],
           r_copy[NSIZES - 1].median / r_copy[0].median);
    printf("  get growth:            %zu vars / 1 var = %.2f\n", sizes[NSIZES - 1],
           r_get[NSIZES - 1].median / r_get[0].median);
    printf("  set growth:            %zu vars / 1 var = %.2f\n", sizes[NSIZES - 1],
           r_set[NSIZES - 1].median / r_set[0].median);

    for (size_t i = 0; i < max; i++)
        weft_context_var_free(s.vars[i]);
    free(s.vars);
    free(s.pairs);
    pthread_key_delete(s.key);
    return 0;
}
