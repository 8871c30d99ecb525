/* The benchmark harness: every figure is the median of several runs, printed
 * with the spread, and every comparison prints the ratio of two medians
 * measured in the same process. Set WEFT_BENCH_SCALE (default 1.0) to scale
 * the iteration counts, e.g. 0.1 for a quick look. */
#ifndef WEFT_BENCH_H
#define WEFT_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct bench_result {
    const char *name;
    double median;   /* nanoseconds per operation */
    double min, max;
    long ops;        /* operations per run */
} bench_result;

static inline double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline long bench_scaled(long n)
{
    const char *s = getenv("WEFT_BENCH_SCALE");
    double f = s != NULL ? atof(s) : 1.0;
    long v = (long)((double)n * (f > 0 ? f : 1.0));
    return v > 0 ? v : 1;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs `fn(ctx, ops)` `runs` times (after one warm-up run) and returns the
 * median, minimum and maximum nanoseconds per operation. `fn` returns the
 * elapsed nanoseconds it measured itself, or a negative value to let the
 * harness time the whole call. */
typedef double (*bench_fn)(void *ctx, long ops);

static inline bench_result bench_run(const char *name, bench_fn fn, void *ctx, long ops, int runs)
{
    double times[64];
    if (runs > 64)
        runs = 64;
    (void)fn(ctx, ops / 10 > 0 ? ops / 10 : 1);
    for (int i = 0; i < runs; i++) {
        double t0 = bench_now_ns();
        double own = fn(ctx, ops);
        double t1 = bench_now_ns();
        times[i] = (own >= 0 ? own : t1 - t0) / (double)ops;
    }
    qsort(times, (size_t)runs, sizeof times[0], bench_cmp_double);
    bench_result r = { name, times[runs / 2], times[0], times[runs - 1], ops };
    printf("%-44s %12.1f ns/op  %14.0f op/s  (median of %d; min %.1f, max %.1f)\n", name, r.median,
           1e9 / r.median, runs, r.min, r.max);
    fflush(stdout);
    return r;
}

/* Prints how many times faster `a` is than `b` (>1: a is faster). */
static inline void bench_ratio(bench_result a, bench_result b)
{
    printf("  ratio %-36s vs %-32s %6.2fx %s\n", a.name, b.name, b.median / a.median,
           b.median >= a.median ? "faster" : "slower");
    fflush(stdout);
}

/* Runs several variants in turns, one run of each per round, so that a
 * machine whose load changes during the benchmark weighs on every variant
 * alike; prints each variant's median as bench_run() does and fills `out`
 * for bench_ratio(). Peers that are compared should be measured this way. */
typedef struct bench_variant {
    const char *name;
    bench_fn fn;
    void *ctx;
} bench_variant;

static inline void bench_interleaved(const bench_variant *v, bench_result *out, int n, long ops, int runs)
{
    double times[16][64];
    if (runs > 64)
        runs = 64;
    if (n > 16)
        n = 16;
    for (int k = 0; k < n; k++)
        (void)v[k].fn(v[k].ctx, ops / 10 > 0 ? ops / 10 : 1);
    for (int i = 0; i < runs; i++) {
        for (int k = 0; k < n; k++) {
            double t0 = bench_now_ns();
            double own = v[k].fn(v[k].ctx, ops);
            double t1 = bench_now_ns();
            times[k][i] = (own >= 0 ? own : t1 - t0) / (double)ops;
        }
    }
    for (int k = 0; k < n; k++) {
        qsort(times[k], (size_t)runs, sizeof times[k][0], bench_cmp_double);
        bench_result r = { v[k].name, times[k][runs / 2], times[k][0], times[k][runs - 1], ops };
        printf("%-44s %12.1f ns/op  %14.0f op/s  (median of %d, interleaved; min %.1f, max %.1f)\n", r.name,
               r.median, 1e9 / r.median, runs, r.min, r.max);
        out[k] = r;
    }
    fflush(stdout);
}


#endif
