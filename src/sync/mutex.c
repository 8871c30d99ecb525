/* The futex-word mutex: its slow path, and the asymmetric fence that lets
 * its release be a plain store (see sync/internal.h). */
#include "sync/internal.h"

#include <stdlib.h>

#ifdef __linux__
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

bool weft__asym_fence = false;

#if defined(__linux__) && defined(__NR_membarrier)
static long weft__membarrier(int cmd)
{
    return syscall(__NR_membarrier, cmd, 0, 0);
}

static bool weft__membarrier_register(void)
{
    return weft__membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

/* A forked child is a new process: register it too before anyone sleeps. */
static void weft__membarrier_atfork_child(void)
{
    if (weft__asym_fence)
        (void)weft__membarrier_register();
}

/* Runs at load time, before any weft mutex exists, so every release agrees
 * with every sleeper on who pays for the fence. WEFT_NO_MEMBARRIER=1 keeps
 * the fence on the release side (for diagnosis). */
__attribute__((constructor)) static void weft__fence_init(void)
{
    const char *off = getenv("WEFT_NO_MEMBARRIER");
    if (off != NULL && *off != '\0' && *off != '0')
        return;
    long cmds = weft__membarrier(MEMBARRIER_CMD_QUERY);
    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
        !(cmds & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED))
        return;
    if (!weft__membarrier_register())
        return;
    if (pthread_atfork(NULL, NULL, weft__membarrier_atfork_child) != 0)
        return;
    weft__asym_fence = true;
}

/* The sleeper's half of the handshake: after it, either every release that
 * raced with the sleeper's count has become visible, or that release will
 * read the count. Returns false if the barrier could not be made. */
static bool weft__heavy_fence(void)
{
    if (!weft__asym_fence)
        return true; /* releases exchange; the sleeper's seq_cst increment fenced */
    if (weft__membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
        return true;
    /* Not registered (a child forked behind pthread_atfork's back, say). */
    return weft__membarrier_register() && weft__membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0;
}
#else
static bool weft__heavy_fence(void)
{
    return true; /* releases exchange; the sleeper's seq_cst increment fenced */
}
#endif

void weft__mutex_wake(weft__mutex *m)
{
    weft__unpark(&m->word, 1);
}

/* Without the barrier a release may miss the sleeper; sleeping in short
 * slices then bounds the delay. It only happens if membarrier, which worked
 * at load time, stops working. */
#define WEFT__FENCELESS_SLICE_NS 1000000

/* One sleep: on the word itself when the fence was made, otherwise in
 * slices of at most WEFT__FENCELESS_SLICE_NS. Returns ETIMEDOUT only when
 * `d` itself has passed. */
static int weft__mutex_sleep(weft__mutex *m, const weft__deadline *d, bool fenced)
{
    if (WEFT__LIKELY(fenced))
        return weft__park(&m->word, WEFT__M_LOCKED, d);
    int64_t left = d != NULL ? weft__deadline_left_ns(d) : INT64_MAX;
    if (left == 0)
        return ETIMEDOUT;
    weft__deadline slice;
    int64_t ns = left < WEFT__FENCELESS_SLICE_NS ? left : WEFT__FENCELESS_SLICE_NS;
    (void)weft__deadline_init(&slice, 1e-9 * (double)ns, "lock");
    (void)weft__park(&m->word, WEFT__M_LOCKED, &slice);
    return 0; /* the caller re-checks; the next call sees a passed deadline */
}

int weft__mutex_lock_slow(weft__mutex *m, const weft__deadline *d)
{
    if (d != NULL && d->once)
        return weft__mutex_trylock(m) ? 0 : ETIMEDOUT;
    unsigned budget = weft__spin_budget(&m->spin);
    for (unsigned i = 0; i < budget; i++) {
        if (atomic_load_explicit(&m->word, memory_order_relaxed) == WEFT__M_FREE && weft__mutex_trylock(m)) {
            weft__spin_result(&m->spin, true);
            return 0;
        }
        weft__cpu_relax();
    }
    weft__spin_result(&m->spin, false);
    /* Count ourselves, then fence, then let the futex re-read the word: a
     * release either happened before (the futex sees the word free) or
     * reads our count and wakes a sleeper. */
    atomic_fetch_add_explicit(&m->parked, 1, memory_order_seq_cst);
    bool fenced = weft__heavy_fence();
    int result = 0;
    for (;;) {
        if (weft__mutex_trylock(m))
            break;
        if (weft__mutex_sleep(m, d, fenced) == ETIMEDOUT && !weft__mutex_trylock(m)) {
            result = ETIMEDOUT;
            break;
        }
    }
    atomic_fetch_sub_explicit(&m->parked, 1, memory_order_relaxed);
    return result;
}
