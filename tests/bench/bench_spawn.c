/* Spawn + wait of /bin/true: weft's Popen against raw vfork+exec, raw
 * posix_spawn+waitpid, raw fork+exec and CPython's subprocess.run (timed by
 * a loop inside /usr/bin/python3). Also prints what a Popen with three pipes
 * costs in heap memory. */
#define _GNU_SOURCE
#include "bench.h"

#include <malloc.h>
#include <sys/resource.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <weft.h>

extern char **environ;

/* The machine is shared and its load swings within seconds, so the peers
 * are measured in interleaved rounds (each round runs every peer once) and
 * each peer's median over the rounds is compared: a load spike then hits
 * all of them rather than whichever ran at that moment. */
typedef bench_variant peer;

static char *const true_argv[] = { (char *)"/bin/true", NULL };

static void reap(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0) {
    }
}

static double run_weft(void *ctx, long ops)
{
    (void)ctx;
    const char *argv[] = { "/bin/true", NULL };
    for (long i = 0; i < ops; i++) {
        weft_popen *p;
        if (weft_popen_new(&p, argv, NULL) != WEFT_OK) {
            fprintf(stderr, "weft_popen_new: %s\n", weft_errmsg());
            exit(1);
        }
        weft_popen_wait(p, -1, NULL);
        weft_popen_free(p);
    }
    return -1;
}

__attribute__((noinline)) static pid_t vfork_true(void)
{
    pid_t pid = vfork();
    if (pid == 0) {
        execve("/bin/true", true_argv, environ);
        _exit(127);
    }
    return pid;
}

static double run_vfork(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++)
        reap(vfork_true());
    return -1;
}

static double run_posix_spawn(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++) {
        pid_t pid;
        if (posix_spawn(&pid, "/bin/true", NULL, NULL, true_argv, environ) != 0)
            exit(1);
        reap(pid);
    }
    return -1;
}

static double run_fork(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execve("/bin/true", true_argv, environ);
            _exit(127);
        }
        reap(pid);
    }
    return -1;
}

/* CPython's loop, printing its nanoseconds per spawn. */
static bench_result cpython(long n, int runs)
{
    char script[512];
    snprintf(script, sizeof script,
             "import subprocess,time\n"
             "n=%ld\n"
             "subprocess.run(['/bin/true'])\n"
             "t=time.perf_counter()\n"
             "for _ in range(n): subprocess.run(['/bin/true'])\n"
             "print((time.perf_counter()-t)/n*1e9)\n",
             n);
    return bench_python("CPython subprocess.run", script, n, runs);
}

/* CPU time (parent and children, user and system) per spawn: less swayed
 * by other load on the machine than wall-clock time. */
static double cpu_us(void)
{
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    getrusage(RUSAGE_CHILDREN, &b);
    return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec) * 1e6 +
           (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec + b.ru_stime.tv_usec);
}

static void cpu_cost(const peer *peers, int n, long ops)
{
    double base = 0;
    for (int i = 0; i < n; i++) {
        double t0 = cpu_us();
        peers[i].fn(peers[i].ctx, ops);
        double per = (cpu_us() - t0) / (double)ops;
        if (i == 0)
            base = per;
        printf("cpu: %-39s %8.1f us per spawn (parent + child)%s", peers[i].name, per, i == 0 ? "\n" : "");
        if (i > 0)
            printf("  ratio %.2fx (>1: weft uses less CPU)\n", per / base);
    }
}

static void popen_memory(void)
{
    weft_popen_opts *o;
    weft_popen_opts_new(&o);
    weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_PIPE);
    weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE);
    weft_popen_opts_set_stderr(o, WEFT_SUBPROCESS_PIPE);
    const char *argv[] = { "cat", NULL };
    /* Warm up allocator and lazy state first. */
    weft_popen *p;
    weft_popen_new(&p, argv, o);
    weft_popen_communicate(p, NULL, 0, -1, NULL, NULL, NULL, NULL);
    weft_popen_free(p);
    struct mallinfo2 before = mallinfo2();
    weft_popen_new(&p, argv, o);
    struct mallinfo2 after = mallinfo2();
    printf("memory: a Popen with three pipes holds %zu bytes of heap (mallinfo2 delta, "
           "excluding communicate's buffers)\n",
           after.uordblks - before.uordblks);
    weft_popen_communicate(p, NULL, 0, -1, NULL, NULL, NULL, NULL);
    weft_popen_free(p);
    weft_popen_opts_free(o);
}

int main(void)
{
    long ops = bench_scaled(200);
    int rounds = 9;
    peer peers[] = {
        { "weft Popen+wait", run_weft, NULL },
        { "raw vfork+execve+waitpid", run_vfork, NULL },
        { "raw posix_spawn+waitpid", run_posix_spawn, NULL },
        { "raw fork+execve+waitpid", run_fork, NULL },
    };
    bench_result res[4];
    bench_interleaved(peers, res, 4, ops, rounds);
    bench_result w = res[0], v = res[1], s = res[2], f = res[3];
    bench_result c = cpython(ops, 3);
    bench_ratio(w, v);
    bench_ratio(w, s);
    bench_ratio(w, f);
    bench_ratio(w, c);
    cpu_cost(peers, 4, ops * 2);
    popen_memory();
    return 0;
}
