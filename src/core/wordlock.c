/* The word lock's slow path (see kit.h): spin while the holder finishes,
 * then announce the sleep, fence as the lock's mode asks, and park. */
#include "core/kit.h"

static int weft__wordlock_park(weft__wordlock *l, int mode, const weft__deadline *d)
{
    if (mode == WEFT__WL_SHARED)
        return weft__park_shared(&l->word, WEFT__WL_LOCKED, d);
    return weft__park(&l->word, WEFT__WL_LOCKED, d);
}

void weft__wordlock_wake(weft__wordlock *l, int mode)
{
    if (mode == WEFT__WL_SHARED)
        weft__unpark_shared(&l->word, 1);
    else
        weft__unpark(&l->word, 1);
}

/* Without the barrier a release may miss the sleeper; sleeping in short
 * slices then bounds the delay. It only happens if membarrier, which worked
 * at load time, stops working. */
#define WEFT__FENCELESS_SLICE_NS 1000000

/* One sleep: on the word itself when the fence was made, otherwise in
 * slices of at most WEFT__FENCELESS_SLICE_NS. Returns ETIMEDOUT only when
 * `d` itself has passed. */
static int weft__wordlock_sleep(weft__wordlock *l, int mode, const weft__deadline *d, bool fenced)
{
    if (WEFT__LIKELY(fenced))
        return weft__wordlock_park(l, mode, d);
    return weft__park_slice(mode == WEFT__WL_SHARED ? weft__park_shared : weft__park, &l->word, WEFT__WL_LOCKED, d,
                            WEFT__FENCELESS_SLICE_NS);
}

int weft__wordlock_lock_slow(weft__wordlock *l, int mode, weft__spin *spin, const weft__deadline *d)
{
    if (d != NULL && d->once)
        return weft__wordlock_trylock(l) ? 0 : ETIMEDOUT;
    unsigned budget = weft__spin_budget(spin);
    for (unsigned i = 0; i < budget; i++) {
        if (atomic_load_explicit(&l->word, memory_order_relaxed) == WEFT__WL_FREE && weft__wordlock_trylock(l)) {
            weft__spin_result(spin, true);
            return 0;
        }
        /* Without a record of its own, a lock whose waiters already sleep
         * is joined at once rather than spun on: others burn no core. */
        if (spin == NULL && atomic_load_explicit(&l->parked, memory_order_relaxed) != 0)
            break;
        weft__cpu_relax();
    }
    weft__spin_result(spin, false);
    /* Count ourselves, then fence, then let the futex re-read the word: a
     * release either happened before (the futex sees the word free) or
     * reads our count and wakes a sleeper. Only a plain-store release needs
     * the heavy fence; the others exchange, which fences on their side. */
    atomic_fetch_add_explicit(&l->parked, 1, memory_order_seq_cst);
    bool fenced = mode != WEFT__WL_ASYM || !weft__asym_fence || weft__heavy_fence();
    int result = 0;
    for (;;) {
        if (weft__wordlock_trylock(l))
            break;
        if (weft__wordlock_sleep(l, mode, d, fenced) == ETIMEDOUT && !weft__wordlock_trylock(l)) {
            result = ETIMEDOUT;
            break;
        }
    }
    atomic_fetch_sub_explicit(&l->parked, 1, memory_order_relaxed);
    return result;
}
