/* The asymmetric fence on Linux: membarrier(2) lets the sleeper of a word
 * lock pay for the store-load fence that its releases then skip (kit.h). */
#include "core/kit.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

bool weft__asym_fence = false;

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

/* Runs at load time, before any weft lock exists, so every release agrees
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

bool weft__heavy_fence(void)
{
    if (!weft__asym_fence)
        return true; /* releases exchange; the sleeper's seq_cst increment fenced */
    if (weft__membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
        return true;
    /* Not registered (a child forked behind pthread_atfork's back, say). */
    return weft__membarrier_register() && weft__membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0;
}
