/* Thread pool executor against its peers, in one process:
 * - throughput: 1 million empty tasks submitted, then all waited for
 *   (weft keeps a future per task; GLib's GThreadPool and libuv's
 *   uv_queue_work have none), and CPython's ThreadPoolExecutor run by
 *   /usr/bin/python3 from here so its figure is from the same run;
 * - round trip: submit one task and wait for its result;
 * - memory per pending task: RSS growth with 1 million tasks queued behind a
 *   blocked worker.
 * Every pool has the same number of workers (BENCH_WORKERS). */
#define _GNU_SOURCE
#include "bench.h"

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>
#include <weft.h>

#ifdef WEFT_BENCH_HAVE_GLIB
#include <glib.h>
#endif
#ifdef WEFT_BENCH_HAVE_LIBUV
#include <uv.h>
#endif

#define BENCH_WORKERS 4

static void empty_task(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

static weft_executor *weft_pool(void)
{
    weft_executor_opts *o;
    weft_executor *ex;
    weft_executor_opts_new(&o);
    weft_executor_opts_set_max_workers(o, BENCH_WORKERS);
    if (weft_thread_pool_executor_new(&ex, o) != WEFT_OK) {
        fprintf(stderr, "executor: %s\n", weft_errmsg());
        exit(1);
    }
    weft_executor_opts_free(o);
    return ex;
}

/* ---- throughput -------------------------------------------------------- */

static weft_future **futs;

static double weft_throughput(void *ctx, long ops)
{
    weft_executor *ex = ctx;
    for (long i = 0; i < ops; i++)
        if (weft_executor_submit(ex, empty_task, NULL, NULL, &futs[i]) != WEFT_OK) {
            fprintf(stderr, "submit: %s\n", weft_errmsg());
            exit(1);
        }
    for (long i = 0; i < ops; i++) {
        weft_future_result(futs[i], -1, NULL);
        weft_future_free(futs[i]);
    }
    return -1;
}

#ifdef WEFT_BENCH_HAVE_GLIB
static void glib_task(gpointer data, gpointer user)
{
    (void)data;
    (void)user;
}

static double glib_throughput(void *ctx, long ops)
{
    (void)ctx;
    GThreadPool *pool = g_thread_pool_new(glib_task, NULL, BENCH_WORKERS, FALSE, NULL);
    for (long i = 0; i < ops; i++)
        g_thread_pool_push(pool, GINT_TO_POINTER(1), NULL);
    g_thread_pool_free(pool, FALSE, TRUE);
    return -1;
}
#endif

#ifdef WEFT_BENCH_HAVE_LIBUV
static uv_work_t *uv_reqs;
static void uv_task(uv_work_t *req)
{
    (void)req;
}
static void uv_after(uv_work_t *req, int status)
{
    (void)req;
    (void)status;
}

static double uv_throughput(void *ctx, long ops)
{
    (void)ctx;
    uv_loop_t loop;
    uv_loop_init(&loop);
    for (long i = 0; i < ops; i++)
        uv_queue_work(&loop, &uv_reqs[i], uv_task, uv_after);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return -1;
}
#endif

/* ---- round trip -------------------------------------------------------- */

static double weft_roundtrip(void *ctx, long ops)
{
    weft_executor *ex = ctx;
    for (long i = 0; i < ops; i++) {
        weft_future *f;
        weft_executor_submit(ex, empty_task, NULL, NULL, &f);
        weft_future_result(f, -1, NULL);
        weft_future_free(f);
    }
    return -1;
}

typedef struct flag {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int set;
} flag;

static void flag_set(flag *fl)
{
    pthread_mutex_lock(&fl->mu);
    fl->set = 1;
    pthread_cond_signal(&fl->cv);
    pthread_mutex_unlock(&fl->mu);
}

static void flag_wait(flag *fl)
{
    pthread_mutex_lock(&fl->mu);
    while (!fl->set)
        pthread_cond_wait(&fl->cv, &fl->mu);
    fl->set = 0;
    pthread_mutex_unlock(&fl->mu);
}

#ifdef WEFT_BENCH_HAVE_GLIB
static void glib_signal(gpointer data, gpointer user)
{
    (void)user;
    flag_set(data);
}

static double glib_roundtrip(void *ctx, long ops)
{
    GThreadPool *pool = ctx;
    flag fl = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
    for (long i = 0; i < ops; i++) {
        g_thread_pool_push(pool, &fl, NULL);
        flag_wait(&fl);
    }
    return -1;
}
#endif

#ifdef WEFT_BENCH_HAVE_LIBUV
static double uv_roundtrip(void *ctx, long ops)
{
    uv_loop_t *loop = ctx;
    uv_work_t req;
    for (long i = 0; i < ops; i++) {
        uv_queue_work(loop, &req, uv_task, uv_after);
        uv_run(loop, UV_RUN_DEFAULT);
    }
    return -1;
}
#endif

/* ---- interleaved runs -------------------------------------------------- */

/* The machine is shared: runs of the peers alternate (weft, GLib, libuv,
 * weft, ...) so a burst of load from elsewhere hits them all alike, then
 * each gets its median, as bench_run prints it. */
typedef bench_variant peer;

enum { MAX_PEERS = 4 };

/* ---- CPython ----------------------------------------------------------- */

static bench_result cpython_throughput(long ops)
{
    bench_result r = { .name = "CPython ThreadPoolExecutor (python3)", .ops = ops };
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import time, concurrent.futures as cf\n"
             "def f(): pass\n"
             "n = %ld\n"
             "ts = []\n"
             "for _ in range(3):\n"
             "    with cf.ThreadPoolExecutor(max_workers=%d) as ex:\n"
             "        t = time.perf_counter()\n"
             "        fs = [ex.submit(f) for _ in range(n)]\n"
             "        cf.wait(fs)\n"
             "        ts.append(time.perf_counter() - t)\n"
             "ts.sort()\n"
             "print(ts[1] / n * 1e9, ts[0] / n * 1e9, ts[2] / n * 1e9)\n"
             "' 2>/dev/null",
             ops, BENCH_WORKERS);
    FILE *p = popen(cmd, "r");
    if (p == NULL || fscanf(p, "%lf %lf %lf", &r.median, &r.min, &r.max) != 3) {
        printf("%-44s not available\n", r.name);
        if (p != NULL)
            pclose(p);
        return r;
    }
    pclose(p);
    printf("%-44s %12.1f ns/op  %14.0f op/s  (median of 3; min %.1f, max %.1f)\n", r.name, r.median,
           1e9 / r.median, r.min, r.max);
    fflush(stdout);
    return r;
}

/* ---- memory per pending task ------------------------------------------- */

static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static void block_on(void *arg, weft_outcome *o)
{
    (void)o;
    weft_future_result(arg, -1, NULL);
}

static void weft_memory(long n)
{
    weft_executor_opts *o;
    weft_executor *ex;
    weft_executor_opts_new(&o);
    weft_executor_opts_set_max_workers(o, 1);
    weft_thread_pool_executor_new(&ex, o);
    weft_executor_opts_free(o);
    weft_future *gate, *blocker;
    weft_future_new(&gate);
    weft_executor_submit(ex, block_on, gate, NULL, &blocker);
    int running = 0;
    while (!running) {
        weft_future_running(blocker, &running);
        usleep(1000);
    }
    long before = rss_bytes();
    for (long i = 0; i < n; i++)
        weft_executor_submit(ex, empty_task, NULL, NULL, NULL);
    long after = rss_bytes();
    printf("%-44s %12.1f bytes/task (RSS +%.1f MB for %ld pending tasks)\n", "weft memory per pending task",
           (double)(after - before) / (double)n, (double)(after - before) / 1e6, n);
    weft_future_set_result(gate, NULL, NULL);
    weft_executor_free(ex);
    weft_future_free(blocker);
    weft_future_free(gate);
}

static int only(const char *what)
{
    const char *o = getenv("BENCH_ONLY");
    return o == NULL || strstr(o, what) != NULL;
}

int main(void)
{
    long n = bench_scaled(1000000);
    long rt = bench_scaled(20000);
    long py = bench_scaled(100000);
    setenv("UV_THREADPOOL_SIZE", "4", 1);
    printf("executor benchmark: %d workers in every pool, %ld tasks per throughput run\n", BENCH_WORKERS, n);

    if (only("memory"))
        weft_memory(n); /* first: later runs leave freed memory in the heap */

    weft_executor *ex = weft_pool();
    if (only("throughput")) {
        peer ps[MAX_PEERS];
        bench_result r[MAX_PEERS];
        int np = 0;
        futs = malloc((size_t)n * sizeof *futs);
        ps[np++] = (peer){ "weft submit+result (1M empty tasks)", weft_throughput, ex };
#ifdef WEFT_BENCH_HAVE_GLIB
        ps[np++] = (peer){ "GThreadPool push+free(wait)", glib_throughput, NULL };
#endif
#ifdef WEFT_BENCH_HAVE_LIBUV
        uv_reqs = malloc((size_t)n * sizeof *uv_reqs);
        ps[np++] = (peer){ "libuv uv_queue_work+uv_run", uv_throughput, NULL };
#endif
        bench_interleaved(ps, r, np, n, 7);
        free(futs);
#ifdef WEFT_BENCH_HAVE_LIBUV
        free(uv_reqs);
#endif
        bench_result c = cpython_throughput(py);
        for (int i = 1; i < np; i++)
            bench_ratio(r[0], r[i]);
        if (c.median > 0)
            bench_ratio(r[0], c);
    }
    if (only("roundtrip")) {
        peer ps[MAX_PEERS];
        bench_result r[MAX_PEERS];
        int np = 0;
        ps[np++] = (peer){ "weft round trip (submit, result)", weft_roundtrip, ex };
#ifdef WEFT_BENCH_HAVE_GLIB
        GThreadPool *gp = g_thread_pool_new(glib_signal, NULL, BENCH_WORKERS, FALSE, NULL);
        ps[np++] = (peer){ "GThreadPool round trip (push, wait)", glib_roundtrip, gp };
#endif
#ifdef WEFT_BENCH_HAVE_LIBUV
        uv_loop_t loop;
        uv_loop_init(&loop);
        ps[np++] = (peer){ "libuv round trip (queue_work, run)", uv_roundtrip, &loop };
#endif
        bench_interleaved(ps, r, np, rt, 9);
        for (int i = 1; i < np; i++)
            bench_ratio(r[0], r[i]);
#ifdef WEFT_BENCH_HAVE_GLIB
        g_thread_pool_free(gp, FALSE, TRUE);
#endif
#ifdef WEFT_BENCH_HAVE_LIBUV
        uv_loop_close(&loop);
#endif
    }
    weft_executor_free(ex);
    return 0;
}
