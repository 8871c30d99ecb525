/* Moving a sleeper from one futex word to another (Linux's FUTEX_CMP_REQUEUE). */
#include "sync/internal.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

bool weft__requeue(atomic_uint *from, unsigned expected, atomic_uint *to)
{
    /* Wake none, move at most one, only if *from still holds `expected`. */
    long rc = syscall(SYS_futex, from, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, (void *)(uintptr_t)1, to,
                      expected);
    return rc >= 0;
}
