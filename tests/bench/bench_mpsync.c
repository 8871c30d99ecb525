/* multiprocessing's Lock in weft against its peers:
 *
 *  - uncontended acquire+release of a process-shared weft_mp_lock against
 *    the in-process weft_lock, in a process with one thread (where
 *    weft_lock takes no locked instruction at all) and with two;
 *  - the same loop in CPython's multiprocessing.Lock, run by
 *    /usr/bin/python3 as a child of this run (skipped if it cannot run);
 *  - two processes both taking and releasing one lock in a loop (contended
 *    whenever they run at the same time; nothing forces strict turns),
 *    against a process-shared robust pthread mutex (the C peer that also
 *    reports a holder's death) and a plain process-shared one;
 *
 * and prints the shared memory one Lock takes. */
#include "bench.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <weft.h>

#define OPS 20000000L
#define PINGPONG_OPS 2000000L
#define RUNS 11

static double run_weft_lock(void *ctx, long ops)
{
    weft_lock *l = ctx;
    for (long i = 0; i < ops; i++) {
        weft_lock_acquire(l, -1);
        weft_lock_release(l);
    }
    return -1;
}

static double run_mp_lock(void *ctx, long ops)
{
    weft_mp_lock *l = ctx;
    for (long i = 0; i < ops; i++) {
        weft_mp_lock_acquire(l, -1);
        weft_mp_lock_release(l);
    }
    return -1;
}

static void *idle_thread(void *arg)
{
    (void)arg;
    pause();
    return NULL;
}

/* ---- two processes on one lock --------------------------------------------------- */

typedef struct {
    atomic_int ready, go;
    pthread_mutex_t robust, plain;
    long counter;
} pingpong_shared;

typedef struct {
    int kind; /* 0 weft, 1 robust pthread, 2 plain pthread */
    weft_mp_lock *lock;
    pingpong_shared *s;
} pingpong_ctx;

static void pingpong_loop(pingpong_ctx *c, long ops)
{
    for (long i = 0; i < ops; i++) {
        if (c->kind == 0) {
            weft_mp_lock_acquire(c->lock, -1);
            c->s->counter++;
            weft_mp_lock_release(c->lock);
        } else {
            pthread_mutex_t *m = c->kind == 1 ? &c->s->robust : &c->s->plain;
            pthread_mutex_lock(m);
            c->s->counter++;
            pthread_mutex_unlock(m);
        }
    }
}

/* Both processes run `ops` rounds; the figure is per round of either. */
static double run_pingpong(void *ctx, long ops)
{
    pingpong_ctx *c = ctx;
    atomic_store(&c->s->ready, 0);
    atomic_store(&c->s->go, 0);
    pid_t pid = fork();
    if (pid == 0) {
        atomic_fetch_add(&c->s->ready, 1);
        while (!atomic_load(&c->s->go))
            ;
        pingpong_loop(c, ops);
        _exit(0);
    }
    while (atomic_load(&c->s->ready) == 0)
        ;
    double t0 = bench_now_ns();
    atomic_store(&c->s->go, 1);
    pingpong_loop(c, ops);
    int status;
    waitpid(pid, &status, 0);
    return (bench_now_ns() - t0) / 2; /* two processes' rounds in that time */
}

/* ---- CPython ---------------------------------------------------------------- */

static double python_mp_lock_ns(long ops)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import multiprocessing, time\n"
             "l = multiprocessing.Lock()\n"
             "a, r = l.acquire, l.release\n"
             "best = None\n"
             "for _ in range(5):\n"
             "    t = time.perf_counter_ns()\n"
             "    for _ in range(%ld):\n"
             "        a(); r()\n"
             "    d = (time.perf_counter_ns() - t) / %ld\n"
             "    best = d if best is None or d < best else best\n"
             "print(best)\n' 2>/dev/null",
             ops, ops);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    double ns = -1;
    if (fscanf(p, "%lf", &ns) != 1)
        ns = -1;
    pclose(p);
    return ns;
}

int main(void)
{
    long ops = bench_scaled(OPS);
    weft_lock *wl;
    weft_mp_lock *ml;
    weft_lock_new(&wl);
    weft_mp_lock_new(&ml);

    printf("-- uncontended acquire+release, one thread in the process\n");
    bench_variant v1[2] = {
        { "weft_lock (in-process)", run_weft_lock, wl },
        { "weft_mp_lock (process-shared)", run_mp_lock, ml },
    };
    bench_result r1[2];
    bench_interleaved(v1, r1, 2, ops, RUNS);
    bench_ratio(r1[1], r1[0]);

    printf("-- uncontended acquire+release, two threads in the process\n");
    pthread_t idle;
    pthread_create(&idle, NULL, idle_thread, NULL);
    bench_result r2[2];
    bench_variant v2[2] = {
        { "weft_lock, 2 threads", run_weft_lock, wl },
        { "weft_mp_lock, 2 threads", run_mp_lock, ml },
    };
    bench_interleaved(v2, r2, 2, ops, RUNS);
    bench_ratio(r2[1], r2[0]);

    long py_ops = bench_scaled(1000000);
    double py = python_mp_lock_ns(py_ops);
    if (py > 0) {
        bench_result rp = { .name = "CPython multiprocessing.Lock", .median = py, .ops = py_ops, .runs = 5 };
        printf("%-44s %12.1f ns/op  %14.0f op/s  (best of 5, /usr/bin/python3)\n", rp.name, py, 1e9 / py);
        bench_ratio(r2[1], rp);
    } else {
        printf("CPython multiprocessing.Lock: /usr/bin/python3 did not run; skipped\n");
    }

    printf("-- two processes taking and releasing one lock in a loop\n");
    pingpong_shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&s->plain, &attr);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&s->robust, &attr);
    pingpong_ctx c0 = { 0, ml, s }, c1 = { 1, NULL, s }, c2 = { 2, NULL, s };
    bench_variant v3[3] = {
        { "weft_mp_lock, 2 processes", run_pingpong, &c0 },
        { "robust pshared pthread_mutex, 2 processes", run_pingpong, &c1 },
        { "pshared pthread_mutex, 2 processes", run_pingpong, &c2 },
    };
    bench_result r3[3];
    bench_interleaved(v3, r3, 3, bench_scaled(PINGPONG_OPS), 5);
    bench_ratio(r3[0], r3[1]);
    bench_ratio(r3[0], r3[2]);

    size_t size;
    weft_mp_lock_size(&size);
    printf("-- shared memory per Lock: %zu bytes of state; one 64-byte arena block each with "
           "weft_mp_lock_new (a robust pthread_mutex_t is %zu bytes)\n",
           size, sizeof(pthread_mutex_t));
    weft_mp_lock_free(ml);
    weft_lock_free(wl);
    return 0;
}
