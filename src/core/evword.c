/* The event word's wait (kit.h): Python's Event, in-process or process-shared. */
#include "core/kit.h"

/* True once the flag is set or a set happened since `gen` was read. */
static inline bool weft__evword_fired(unsigned v, unsigned gen)
{
    return (v & WEFT__EV_SET) || (v & ~(WEFT__EV_SET | WEFT__EV_SLEEPERS)) != gen;
}

int weft__evword_wait(atomic_uint *word, weft__spin *spin, const weft__deadline *d, bool shared)
{
    unsigned v = atomic_load_explicit(word, memory_order_acquire);
    if (v & WEFT__EV_SET)
        return 0;
    unsigned gen = v & ~(WEFT__EV_SET | WEFT__EV_SLEEPERS);
    if (!d->once) {
        unsigned budget = weft__spin_budget(spin);
        for (unsigned i = 0; i < budget; i++) {
            if (weft__evword_fired(atomic_load_explicit(word, memory_order_acquire), gen)) {
                weft__spin_result(spin, true);
                return 0;
            }
            weft__cpu_relax();
        }
        weft__spin_result(spin, false);
        for (;;) {
            v = atomic_load_explicit(word, memory_order_acquire);
            if (weft__evword_fired(v, gen))
                return 0;
            if (!(v & WEFT__EV_SLEEPERS) &&
                !atomic_compare_exchange_weak_explicit(word, &v, v | WEFT__EV_SLEEPERS, memory_order_acquire,
                                                       memory_order_relaxed))
                continue;
            int rc = shared ? weft__park_shared(word, v | WEFT__EV_SLEEPERS, d)
                            : weft__park(word, v | WEFT__EV_SLEEPERS, d);
            if (rc == ETIMEDOUT)
                break;
        }
    }
    return weft__evword_fired(atomic_load_explicit(word, memory_order_acquire), gen) ? 0 : ETIMEDOUT;
}
