/* Parking on words that other processes share, without futexes: the
 * in-process parking table cannot be reached from another process, so a
 * sleep lasts at most a slice and the caller's re-check of the word notices
 * a change made elsewhere. Wakes from this process still arrive at once. */
#include "core/kit.h"

#define WEFT__SHARED_SLICE_NS 1000000 /* 1 ms: the longest a remote wake waits */

int weft__park_shared(atomic_uint *addr, unsigned expected, const weft__deadline *d)
{
    return weft__park_slice(weft__park, addr, expected, d, WEFT__SHARED_SLICE_NS);
}

void weft__unpark_shared(atomic_uint *addr, int n)
{
    weft__unpark(addr, n);
}
