/* Shared memory segment cycles: create + map + unmap + unlink of a 4 KiB
 * segment. weft with tracking (a generated name, as most callers make
 * them, and a given name), weft without tracking, a raw
 * shm_open/ftruncate/mmap/munmap/close/shm_unlink loop, and CPython's
 * SharedMemory(create=True, size=4096) + close() + unlink() timed by a loop
 * inside /usr/bin/python3. The weft and raw variants run in interleaved
 * rounds, so a load spike on the shared machine weighs on all of them. */
#define _GNU_SOURCE
#include "bench.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <weft.h>

#define SEG 4096

static char given[64];

static void die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, weft_errmsg());
    exit(1);
}

static double weft_cycle(const char *name, int track, long ops)
{
    for (long i = 0; i < ops; i++) {
        weft_shared_memory *shm;
        if (weft_shared_memory_new(&shm, name, 1, SEG, track) != WEFT_OK)
            die("weft_shared_memory_new");
        if (weft_shared_memory_unlink(shm) != WEFT_OK)
            die("weft_shared_memory_unlink");
        weft_shared_memory_free(shm);
    }
    return -1;
}

static double run_weft_generated(void *ctx, long ops)
{
    (void)ctx;
    return weft_cycle(NULL, 1, ops);
}

static double run_weft_named(void *ctx, long ops)
{
    (void)ctx;
    return weft_cycle(given, 1, ops);
}

static double run_weft_untracked(void *ctx, long ops)
{
    (void)ctx;
    return weft_cycle(given, 0, ops);
}

static double run_raw(void *ctx, long ops)
{
    (void)ctx;
    char path[80];
    snprintf(path, sizeof path, "/%s", given);
    for (long i = 0; i < ops; i++) {
        int fd = shm_open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
        if (fd < 0 || ftruncate(fd, SEG) != 0)
            exit(1);
        void *p = mmap(NULL, SEG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            exit(1);
        close(fd);
        munmap(p, SEG);
        shm_unlink(path);
    }
    return -1;
}

/* CPython's loop, printing its nanoseconds per cycle. */
static bench_result cpython(long n, int runs)
{
    char script[768];
    snprintf(script, sizeof script,
             "from multiprocessing import shared_memory\n"
             "import time\n"
             "def cycle():\n"
             "    s = shared_memory.SharedMemory(create=True, size=%d)\n"
             "    s.close()\n"
             "    s.unlink()\n"
             "cycle()\n"
             "n = %ld\n"
             "t = time.perf_counter()\n"
             "for _ in range(n): cycle()\n"
             "print((time.perf_counter() - t) / n * 1e9)\n",
             SEG, n);
    return bench_python("CPython SharedMemory create/close/unlink", script, n, runs);
}

int main(void)
{
    snprintf(given, sizeof given, "weftbench_%d", (int)getpid());
    long ops = bench_scaled(5000);
    bench_variant v[] = {
        { "weft tracked, generated name", run_weft_generated, NULL },
        { "weft tracked, given name", run_weft_named, NULL },
        { "weft untracked, given name", run_weft_untracked, NULL },
        { "raw shm_open..shm_unlink", run_raw, NULL },
    };
    bench_result r[4];
    bench_interleaved(v, r, 4, ops, 11);
    bench_result py = access("/usr/bin/python3", X_OK) == 0 ? cpython(ops, 5) : (bench_result){ 0 };
    bench_ratio(r[0], r[3]);
    bench_ratio(r[1], r[3]);
    bench_ratio(r[2], r[3]);
    if (py.median > 0) {
        bench_ratio(r[0], py);
        bench_ratio(r[1], py);
    }
    return 0;
}
