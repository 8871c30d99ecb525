/* The contended path of the queue lock: spin while the holder finishes its
 * few instructions, then park on the futex word. */
#include "queue/queue_internal.h"

#define WEFT__QLOCK_SPINS 100

void weft__qlock_slow(weft__qlock *l)
{
    for (int i = 0; i < WEFT__QLOCK_SPINS; i++) {
        unsigned s = atomic_load_explicit(&l->state, memory_order_relaxed);
        if (s == 0) {
            if (atomic_compare_exchange_weak_explicit(&l->state, &s, 1, memory_order_acquire,
                                                      memory_order_relaxed))
                return;
        } else if (s == 2) {
            break; /* others already sleep: join them rather than burn the core */
        }
        weft__cpu_relax();
    }
    /* Mark the lock "held, maybe waiters" whenever we take it from here on,
     * so the releaser knows to wake someone. */
    while (atomic_exchange_explicit(&l->state, 2, memory_order_acquire) != 0)
        (void)weft__park(&l->state, 2, NULL);
}
