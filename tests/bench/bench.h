/* The benchmark harness: every figure is the median of several runs, printed
 * with the spread, and every comparison prints the ratio of two medians
 * measured in the same process. Set WEFT_BENCH_SCALE (default 1.0) to scale
 * the iteration counts, e.g. 0.1 for a quick look. */
#ifndef WEFT_BENCH_H
#define WEFT_BENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <weft.h>

#define BENCH_MAX_RUNS 64

typedef struct bench_result {
    const char *name;
    double median;   /* nanoseconds per operation */
    double min, max;
    long ops;        /* operations per run */
    int runs;
    int interleaved; /* samples[i] was measured in round i, beside the other variants' */
    double samples[BENCH_MAX_RUNS];
} bench_result;

/* ---- where the benchmark runs ------------------------------------------------
 * Every benchmark starts by saying which CPU it runs on and which CPUs its
 * threads may use, since a ratio that holds on one CPU may not on another.
 * WEFT_BENCH_PIN=1 pins the threads a benchmark starts with bench_pin() to
 * CPUs in turn (a producer and a consumer on different CPUs), so that where
 * the scheduler puts them is no longer part of the figure. */

static int bench_ncpus;

static inline int bench_pinning(void)
{
    const char *s = getenv("WEFT_BENCH_PIN");
    return s != NULL && atoi(s) != 0;
}

/* Pins the calling thread to the `k`-th CPU it may use (modulo their number)
 * when WEFT_BENCH_PIN is set; does nothing otherwise. */
static inline void bench_pin(int k)
{
    if (!bench_pinning())
        return;
    cpu_set_t all, one;
    if (sched_getaffinity(0, sizeof all, &all) != 0)
        return;
    int n = CPU_COUNT(&all), seen = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n > 0; cpu++) {
        if (!CPU_ISSET(cpu, &all))
            continue;
        if (seen++ == k % n) {
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            pthread_setaffinity_np(pthread_self(), sizeof one, &one);
            return;
        }
    }
}

__attribute__((constructor)) static void bench_report_machine(void)
{
    char model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[512];
        while (fgets(line, sizeof line, f) != NULL) {
            char *colon = strchr(line, ':');
            if (colon != NULL && strncmp(line, "model name", 10) == 0) {
                snprintf(model, sizeof model, "%s", colon + 2);
                model[strcspn(model, "\n")] = '\0';
                break;
            }
        }
        fclose(f);
    }
    cpu_set_t set;
    char cpus[256] = "";
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
            if (CPU_ISSET(cpu, &set)) {
                size_t len = strlen(cpus);
                snprintf(cpus + len, sizeof cpus - len, "%s%d", len ? "," : "", cpu);
                bench_ncpus++;
            }
    }
    double load[1] = { -1 };
    f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &load[0]) != 1)
            load[0] = -1;
        fclose(f);
    }
    printf("# cpu: %s; cpus %s; threads %s; load average %.2f\n", model, cpus,
           bench_pinning() ? "pinned in turn (WEFT_BENCH_PIN)" : "placed by the scheduler", load[0]);
}

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
    double times[BENCH_MAX_RUNS];
    if (runs > BENCH_MAX_RUNS)
        runs = BENCH_MAX_RUNS;
    (void)fn(ctx, ops / 10 > 0 ? ops / 10 : 1);
    for (int i = 0; i < runs; i++) {
        double t0 = bench_now_ns();
        double own = fn(ctx, ops);
        double t1 = bench_now_ns();
        times[i] = (own >= 0 ? own : t1 - t0) / (double)ops;
    }
    bench_result r = { .name = name, .ops = ops, .runs = runs };
    memcpy(r.samples, times, (size_t)runs * sizeof times[0]);
    qsort(times, (size_t)runs, sizeof times[0], bench_cmp_double);
    r.median = times[runs / 2];
    r.min = times[0];
    r.max = times[runs - 1];
    printf("%-44s %12.1f ns/op  %14.0f op/s  (median of %d; min %.1f, max %.1f)\n", name, r.median,
           1e9 / r.median, runs, r.min, r.max);
    fflush(stdout);
    return r;
}

/* Prints how many times faster `a` is than `b` (>1: a is faster). When both
 * were measured interleaved, also the spread of the ratio over the rounds
 * (each round's b over the same round's a). */
static inline void bench_ratio(bench_result a, bench_result b)
{
    printf("  ratio %-36s vs %-32s %6.2fx %s", a.name, b.name, b.median / a.median,
           b.median >= a.median ? "faster" : "slower");
    if (a.interleaved && b.interleaved && a.runs == b.runs && a.runs > 1) {
        double r[BENCH_MAX_RUNS];
        for (int i = 0; i < a.runs; i++)
            r[i] = b.samples[i] / a.samples[i];
        qsort(r, (size_t)a.runs, sizeof r[0], bench_cmp_double);
        printf("  (per round: median %.2fx, min %.2fx, max %.2fx)", r[a.runs / 2], r[0], r[a.runs - 1]);
    }
    printf("\n");
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
    double times[16][BENCH_MAX_RUNS];
    if (runs > BENCH_MAX_RUNS)
        runs = BENCH_MAX_RUNS;
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
        bench_result r = { .name = v[k].name, .ops = ops, .runs = runs, .interleaved = 1 };
        memcpy(r.samples, times[k], (size_t)runs * sizeof times[k][0]);
        qsort(times[k], (size_t)runs, sizeof times[k][0], bench_cmp_double);
        r.median = times[k][runs / 2];
        r.min = times[k][0];
        r.max = times[k][runs - 1];
        printf("%-44s %12.1f ns/op  %14.0f op/s  (median of %d, interleaved; min %.1f, max %.1f)\n", r.name,
               r.median, 1e9 / r.median, runs, r.min, r.max);
        out[k] = r;
    }
    fflush(stdout);
}


/* Runs the Python program `script` `runs` times (at most 16) with Debian's
 * /usr/bin/python3, the peer the benchmarks compare with; each run prints
 * its nanoseconds per operation on standard output. Prints the median as
 * `name` and returns it; a result with median 0 when python3 cannot run it
 * (a ratio against it is then meaningless: check .median). */
static inline bench_result bench_python(const char *name, const char *script, long ops, int runs)
{
    bench_result r = { .name = name, .ops = ops, .runs = runs };
    double t[16];
    if (runs > 16)
        runs = 16;
    for (int i = 0; i < runs; i++) {
        const char *argv[] = { "/usr/bin/python3", "-c", script, NULL };
        char *out = NULL;
        if (weft_subprocess_check_output(&out, NULL, NULL, argv, NULL, NULL, 0, 900) != WEFT_OK) {
            fprintf(stderr, "python3: %s\n", weft_errmsg());
            printf("%-44s skipped: /usr/bin/python3 did not run it\n", name);
            return r;
        }
        t[i] = atof(out);
        weft_free(out);
    }
    qsort(t, (size_t)runs, sizeof t[0], bench_cmp_double);
    r.median = t[runs / 2];
    r.min = t[0];
    r.max = t[runs - 1];
    printf("%-44s %12.1f ns/op  %14.0f op/s  (median of %d, /usr/bin/python3; min %.1f, max %.1f)\n", name,
           r.median, 1e9 / r.median, runs, r.min, r.max);
    return r;
}


#endif
