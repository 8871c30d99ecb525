/* Without a kernel requeue the caller wakes the sleeper instead. */
#include "sync/internal.h"

bool weft__requeue(atomic_uint *from, unsigned expected, atomic_uint *to)
{
    (void)from;
    (void)expected;
    (void)to;
    return false;
}
