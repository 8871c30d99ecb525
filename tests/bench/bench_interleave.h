/* Runs several benchmark variants in turns, one run of each per round, so
 * that a machine whose load changes during the benchmark weighs on every
 * variant alike; prints each variant's median as bench_run() does and
 * returns the bench_results for bench_ratio(). Used by the hand-off
 * benchmarks, whose figures swing with the scheduler. */
#ifndef BENCH_INTERLEAVE_H
#define BENCH_INTERLEAVE_H

#include "bench.h"

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
