/* Parking on words that other processes share, without futexes: the
 * in-process parking table cannot be reached from another process, so a
 * sleep lasts at most a slice and the caller's re-check of the word notices
 * a change made elsewhere. Wakes from this process still arrive at once. */
#include "core/kit.h"

#define WEFT__SHARED_SLICE_NS 1000000 /* 1 ms: the longest a remote wake waits */

int weft__park_shared(atomic_uint *addr, unsigned expected, const weft__deadline *d)
{
    if (d != NULL && !d->forever && d->once)
        return ETIMEDOUT;
    int64_t left = d != NULL ? weft__deadline_left_ns(d) : INT64_MAX;
    if (left == 0)
        return ETIMEDOUT;
    weft__deadline slice;
    int64_t ns = left < WEFT__SHARED_SLICE_NS ? left : WEFT__SHARED_SLICE_NS;
    (void)weft__deadline_init(&slice, 1e-9 * (double)ns, "park");
    (void)weft__park(addr, expected, &slice);
    return d != NULL && weft__deadline_left_ns(d) == 0 ? ETIMEDOUT : 0;
}

void weft__unpark_shared(atomic_uint *addr, int n)
{
    weft__unpark(addr, n);
}
