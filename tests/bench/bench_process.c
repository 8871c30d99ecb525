/* Process start + join per second for each start method: weft's fork (a
 * callable), spawn and forkserver (a native task in a shared object),
 * against CPython's multiprocessing doing the same with each method (a
 * trivial target, timed by a loop inside /usr/bin/python3). Also prints the
 * heap a Process handle holds. */
#define _GNU_SOURCE
#include "bench.h"

#include <malloc.h>
#include <unistd.h>
#include <weft.h>

#include "process/internal.h"

static void fail(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, weft_errmsg());
    exit(1);
}

static void nothing(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

typedef struct method {
    const char *name;
    weft_process_opts *opts;
} method;

static double run_method(void *ctx, long ops)
{
    method *m = ctx;
    for (long i = 0; i < ops; i++) {
        weft_process *p;
        if (weft_process_new(&p, m->opts) != WEFT_OK || weft_process_start(p) != WEFT_OK)
            fail(m->name);
        int code;
        if (weft_process_join(p, -1) != WEFT_OK || weft_process_exitcode(p, &code) != WEFT_OK || code != 0)
            fail("join");
        weft_process_free(p);
    }
    return -1;
}

static weft_process_opts *opts_for(const char *name, weft_task *task)
{
    weft_mp_context *ctx;
    weft_process_opts *o;
    if (weft_multiprocessing_get_context(&ctx, name) != WEFT_OK || weft_process_opts_new(&o) != WEFT_OK)
        fail("opts");
    weft_process_opts_set_context(o, ctx);
    weft_mp_context_free(ctx);
    if (task != NULL)
        weft_process_opts_set_task(o, task);
    else
        weft_process_opts_set_target(o, nothing, NULL, NULL);
    return o;
}

/* ---- CPython ------------------------------------------------------------------ */

/* One run of CPython's loops: nanoseconds per start+join for fork, spawn
 * and forkserver (the target is os.getpid, which every method can pickle). */
static int cpython_once(long n_fast, long n_spawn, double out[3])
{
    char script[1024];
    snprintf(script, sizeof script,
             "import multiprocessing as mp, os, time\n"
             "def run(m, n):\n"
             "    ctx = mp.get_context(m)\n"
             "    p = ctx.Process(target=os.getpid); p.start(); p.join()\n"
             "    t = time.perf_counter()\n"
             "    for _ in range(n):\n"
             "        p = ctx.Process(target=os.getpid); p.start(); p.join()\n"
             "    return (time.perf_counter() - t) / n * 1e9\n"
             "if __name__ == '__main__':\n"
             "    print(run('fork', %ld), run('spawn', %ld), run('forkserver', %ld))\n",
             n_fast, n_spawn, n_fast);
    const char *argv[] = { "/usr/bin/python3", "-W", "ignore", "-c", script, NULL };
    char *text = NULL;
    if (weft_subprocess_check_output(&text, NULL, NULL, argv, NULL, NULL, 0, 900) != WEFT_OK) {
        fprintf(stderr, "python3: %s\n", weft_errmsg());
        return -1;
    }
    int ok = sscanf(text, "%lf %lf %lf", &out[0], &out[1], &out[2]) == 3;
    weft_free(text);
    return ok ? 0 : -1;
}

static void cpython(long n_fast, long n_spawn, int runs, bench_result res[3])
{
    static const char *names[3] = { "CPython fork start+join", "CPython spawn start+join",
                                    "CPython forkserver start+join" };
    double t[3][16];
    if (runs > 16)
        runs = 16;
    int got = 0;
    for (int i = 0; i < runs; i++) {
        double one[3];
        if (cpython_once(n_fast, n_spawn, one) != 0)
            continue;
        for (int k = 0; k < 3; k++)
            t[k][got] = one[k];
        got++;
    }
    for (int k = 0; k < 3; k++) {
        bench_result r = { .name = names[k], .runs = got };
        if (got > 0) {
            qsort(t[k], (size_t)got, sizeof t[k][0], bench_cmp_double);
            r.median = t[k][got / 2];
            r.min = t[k][0];
            r.max = t[k][got - 1];
            printf("%-44s %12.1f ns/op  %14.0f op/s  (median of %d; min %.1f, max %.1f)\n", r.name, r.median,
                   1e9 / r.median, got, r.min, r.max);
        }
        res[k] = r;
    }
    fflush(stdout);
}

/* ---- memory ------------------------------------------------------------------- */

static void process_memory(weft_process_opts *opts)
{
    enum { N = 1000 };
    static weft_process *ps[N];
    /* Warm up the allocator and the lazily made state first. */
    weft_process *w;
    weft_process_new(&w, opts);
    weft_process_free(w);
    struct mallinfo2 before = mallinfo2();
    for (int i = 0; i < N; i++)
        if (weft_process_new(&ps[i], opts) != WEFT_OK)
            fail("new");
    struct mallinfo2 after = mallinfo2();
    size_t slot = (sizeof(struct weft_process) + 63) / 64 * 64;
    printf("memory: a Process handle holds %zu bytes: a %zu-byte slot in weft's handle memory and %.0f bytes "
           "of malloc heap (name, identity, key; mallinfo2 delta over %d handles)\n",
           slot + (size_t)((double)(after.uordblks - before.uordblks) / N), slot,
           (double)(after.uordblks - before.uordblks) / N, N);
    for (int i = 0; i < N; i++)
        weft_process_free(ps[i]);
}

int main(void)
{
    long ops = bench_scaled(100);
    int rounds = 7;
    weft_task *task;
    if (weft_task_new(&task, WEFT_TEST_TASKS_LIB, "tt_add", "i(ii)") != WEFT_OK ||
        weft_task_add_int(task, 1) != WEFT_OK || weft_task_add_int(task, 2) != WEFT_OK)
        fail("task");
    method ms[3] = {
        { "weft fork start+join (callable)", opts_for("fork", NULL) },
        { "weft spawn start+join (native task)", opts_for("spawn", task) },
        { "weft forkserver start+join (native task)", opts_for("forkserver", task) },
    };
    weft_forkserver_ensure_running();
    bench_variant v[3];
    for (int k = 0; k < 3; k++)
        v[k] = (bench_variant){ ms[k].name, run_method, &ms[k] };
    bench_result w[3], c[3];
    bench_interleaved(v, w, 3, ops, rounds);
    cpython(bench_scaled(100), bench_scaled(20), 5, c);
    for (int k = 0; k < 3; k++)
        if (c[k].runs > 0)
            bench_ratio(w[k], c[k]);
    printf("aims: fork >= 3x CPython's fork, spawn >= 20x CPython's spawn, forkserver >= 3x CPython's forkserver\n");
    process_memory(ms[0].opts);
    for (int k = 0; k < 3; k++)
        weft_process_opts_free(ms[k].opts);
    weft_task_free(task);
    return 0;
}
