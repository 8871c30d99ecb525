/* communicate of 256 MiB through `cat`, both directions at once: weft's
 * Popen (default pipes and 1 MiB pipes) against a raw poll loop with large
 * chunks over posix_spawn'ed cat, and CPython's Popen.communicate (timed
 * inside /usr/bin/python3). */
#define _GNU_SOURCE
#include "bench.h"

#include <fcntl.h>
#include <poll.h>
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

#define SIZE ((size_t)256 << 20)

typedef struct ctx {
    char *input;
    char *output; /* for the raw loop */
    int pipesize;
    int fresh; /* raw loop: read into a new malloc'd buffer each time, as communicate must */
} ctx;

static double run_weft(void *arg, long ops)
{
    ctx *c = arg;
    weft_popen_opts *o;
    weft_popen_opts_new(&o);
    weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_PIPE);
    weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE);
    if (c->pipesize > 0)
        weft_popen_opts_set_pipesize(o, c->pipesize);
    const char *argv[] = { "cat", NULL };
    for (long i = 0; i < ops; i++) {
        weft_popen *p;
        if (weft_popen_new(&p, argv, o) != WEFT_OK)
            exit(1);
        char *out;
        size_t len;
        if (weft_popen_communicate(p, c->input, SIZE, -1, &out, &len, NULL, NULL) != WEFT_OK || len != SIZE) {
            fprintf(stderr, "communicate: %s\n", weft_errmsg());
            exit(1);
        }
        weft_free(out);
        weft_popen_free(p);
    }
    weft_popen_opts_free(o);
    return -1;
}

/* The floor: cat started with posix_spawn, non-blocking stdin, one poll
 * loop writing up to 1 MiB and reading up to 1 MiB at a time into a
 * preallocated, already touched buffer. With `fresh` it reads into a new
 * buffer each time, which is what communicate has to hand out: then the
 * page faults of fresh memory are part of the cost. */
static double run_raw(void *arg, long ops)
{
    ctx *c = arg;
    for (long i = 0; i < ops; i++) {
        int in[2], out[2];
        if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
            exit(1);
        if (c->pipesize > 0) {
            fcntl(in[0], F_SETPIPE_SZ, c->pipesize);
            fcntl(out[0], F_SETPIPE_SZ, c->pipesize);
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        char *const argv[] = { (char *)"cat", NULL };
        pid_t pid;
        if (posix_spawnp(&pid, "cat", &fa, NULL, argv, environ) != 0)
            exit(1);
        posix_spawn_file_actions_destroy(&fa);
        close(in[0]);
        close(out[1]);
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        size_t woff = 0, roff = 0;
        char *dst = c->fresh ? malloc(SIZE) : c->output;
        if (dst == NULL)
            exit(1);
        int wfd = in[1], rfd = out[0];
        while (rfd >= 0) {
            struct pollfd pfd[2];
            int n = 0;
            pfd[n++] = (struct pollfd){ .fd = rfd, .events = POLLIN };
            if (wfd >= 0)
                pfd[n++] = (struct pollfd){ .fd = wfd, .events = POLLOUT };
            if (poll(pfd, (nfds_t)n, -1) < 0)
                continue;
            if (n == 2 && pfd[1].revents) {
                size_t chunk = SIZE - woff < (1u << 20) ? SIZE - woff : (1u << 20);
                ssize_t w = write(wfd, c->input + woff, chunk);
                if (w > 0)
                    woff += (size_t)w;
                if (woff == SIZE) {
                    close(wfd);
                    wfd = -1;
                }
            }
            if (pfd[0].revents) {
                size_t room = SIZE - roff < (1u << 20) ? SIZE - roff : (1u << 20);
                ssize_t r = read(rfd, dst + roff, room > 0 ? room : 1);
                if (r > 0)
                    roff += (size_t)r;
                else if (r == 0) {
                    close(rfd);
                    rfd = -1;
                }
            }
        }
        int st;
        waitpid(pid, &st, 0);
        if (c->fresh)
            free(dst);
        if (roff != SIZE)
            exit(1);
    }
    return -1;
}

static bench_result cpython(int runs)
{
    const char *script = "import subprocess,time\n"
                         "data=bytes(range(256))*(1<<20)\n"
                         "best=[]\n"
                         "p=subprocess.Popen(['cat'],stdin=subprocess.PIPE,stdout=subprocess.PIPE)\n"
                         "t=time.perf_counter(); out,_=p.communicate(data); t=time.perf_counter()-t\n"
                         "assert len(out)==len(data)\n"
                         "print(t*1e9)\n";
    return bench_python("CPython Popen.communicate", script, 1, runs);
}

static void rate(bench_result r)
{
    printf("  %-44s %6.2f GB/s each way\n", r.name, (double)SIZE / r.median);
}

int main(void)
{
    ctx c = { malloc(SIZE), malloc(SIZE), -1, 0 };
    if (c.input == NULL || c.output == NULL)
        return 1;
    for (size_t i = 0; i < SIZE; i++)
        c.input[i] = (char)(i * 131u + (i >> 12));
    memset(c.output, 0, SIZE);
    int rounds = 7;
    ctx raw = c, fresh = c, weft1 = c, raw1 = c;
    fresh.fresh = 1;
    weft1.pipesize = raw1.pipesize = 1 << 20;
    peer peers[] = {
        { "weft communicate 256 MiB (64 KiB pipes)", run_weft, &c },
        { "raw poll loop 256 MiB (64 KiB pipes)", run_raw, &raw },
        { "raw loop, fresh buffer (64 KiB pipes)", run_raw, &fresh },
        { "weft communicate 256 MiB (1 MiB pipes)", run_weft, &weft1 },
        { "raw poll loop 256 MiB (1 MiB pipes)", run_raw, &raw1 },
    };
    bench_result res[5];
    bench_interleaved(peers, res, 5, 1, rounds);
    bench_result w = res[0], r = res[1], rf = res[2], w1 = res[3], r1 = res[4];
    bench_result py = cpython(3);
    rate(w);
    rate(r);
    rate(rf);
    rate(w1);
    rate(r1);
    rate(py);
    bench_ratio(w, r);
    bench_ratio(w, rf);
    bench_ratio(w1, r1);
    bench_ratio(w1, w);
    bench_ratio(w, py);
    free(c.input);
    free(c.output);
    return 0;
}
