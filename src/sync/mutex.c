/* The futex-word mutex's slow path: spin briefly, then sleep on the word. */
#include "sync/internal.h"

int weft__mutex_lock_slow(weft__mutex *m, const weft__deadline *d)
{
    if (d != NULL && d->once)
        return weft__mutex_trylock(m) ? 0 : ETIMEDOUT;
    for (int i = 0; i < WEFT__SPIN; i++) {
        if (atomic_load_explicit(&m->word, memory_order_relaxed) == WEFT__M_FREE && weft__mutex_trylock(m))
            return 0;
        weft__cpu_relax();
    }
    /* From here on the word says "contended", so the holder's release wakes
     * one sleeper. A thread that takes the lock this way keeps that mark:
     * its own release may wake someone needlessly, never miss one. */
    unsigned c = atomic_exchange_explicit(&m->word, WEFT__M_CONTENDED, memory_order_acquire);
    while (c != WEFT__M_FREE) {
        int rc = weft__park(&m->word, WEFT__M_CONTENDED, d);
        c = atomic_exchange_explicit(&m->word, WEFT__M_CONTENDED, memory_order_acquire);
        if (rc == ETIMEDOUT && c != WEFT__M_FREE)
            return ETIMEDOUT;
    }
    return 0;
}
