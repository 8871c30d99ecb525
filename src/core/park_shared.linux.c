/* Parking on words that other processes share: futexes without
 * FUTEX_PRIVATE_FLAG, so the kernel keys them by physical page, not by this
 * process's address space. */
#include "core/kit.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

int weft__park_shared(atomic_uint *addr, unsigned expected, const weft__deadline *d)
{
    const struct timespec *at = NULL;
    if (d != NULL && !d->forever) {
        if (d->once)
            return ETIMEDOUT;
        at = &d->at;
    }
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so signals
     * and spurious wake-ups never stretch the wait. */
    long rc = syscall(SYS_futex, addr, FUTEX_WAIT_BITSET, expected, at, NULL, FUTEX_BITSET_MATCH_ANY);
    if (rc == -1 && errno == ETIMEDOUT)
        return ETIMEDOUT;
    if (rc == -1 && errno == EINTR && weft__note_interrupt(d))
        return ETIMEDOUT; /* an interruptible wait ends with the signal, as in weft__park */
    return 0; /* woken, value changed (EAGAIN) or interrupted (EINTR): re-check */
}

void weft__unpark_shared(atomic_uint *addr, int n)
{
    syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}
