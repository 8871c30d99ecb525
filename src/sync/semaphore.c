/* threading.Semaphore and BoundedSemaphore: the value is the futex word, so
 * an acquire that finds a positive value is one compare-and-swap, and a
 * release makes a wake-up call only when someone is asleep. */
#include "sync/internal.h"

struct weft_semaphore {
    weft__obj hdr;
    atomic_uint value;
    atomic_uint sleepers; /* threads between announcing a sleep and leaving it */
    bool bounded;
    unsigned bound;
    weft__spin spin;
};

static const weft__type weft__semaphore_type = { "semaphore", NULL };

static weft_status weft__semaphore_make(weft_semaphore **out, size_t value, bool bounded, const char *fn)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "%s: out is NULL", fn);
    if (value > WEFT_SEMAPHORE_VALUE_MAX)
        return weft__fail(WEFT_OVERFLOW, "%s: value %zu is above WEFT_SEMAPHORE_VALUE_MAX", fn, value);
    weft_semaphore *s = weft__obj_new(&weft__semaphore_type, sizeof *s);
    if (s == NULL)
        return WEFT_NOMEM;
    atomic_init(&s->value, (unsigned)value);
    atomic_init(&s->sleepers, 0);
    s->bounded = bounded;
    s->bound = (unsigned)value;
    weft__spin_init(&s->spin);
    *out = weft__handle(s);
    return WEFT_OK;
}

weft_status weft_semaphore_new(weft_semaphore **out, size_t value)
{
    return weft__semaphore_make(out, value, false, __func__);
}

weft_status weft_semaphore_new_bounded(weft_semaphore **out, size_t value)
{
    return weft__semaphore_make(out, value, true, __func__);
}

weft_status weft_semaphore_free(weft_semaphore *sem)
{
    WEFT__FREE(sem, weft__semaphore_type);
}

static bool weft__semaphore_try(weft_semaphore *s)
{
    unsigned v = atomic_load_explicit(&s->value, memory_order_relaxed);
    while (v > 0) {
        if (atomic_compare_exchange_weak_explicit(&s->value, &v, v - 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return true;
    }
    return false;
}

weft_status weft_semaphore_acquire(weft_semaphore *sem, double timeout)
{
    WEFT__OPEN(sem, weft__semaphore_type);
    if (WEFT__LIKELY(!weft__timeout_bad(timeout)) && weft__semaphore_try(sem))
        return WEFT_OK;
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    if (!d.once) {
        unsigned budget = weft__spin_budget(&sem->spin);
        for (unsigned i = 0; i < budget; i++) {
            if (atomic_load_explicit(&sem->value, memory_order_relaxed) > 0 && weft__semaphore_try(sem)) {
                weft__spin_result(&sem->spin, true);
                return WEFT_OK;
            }
            weft__cpu_relax();
        }
        weft__spin_result(&sem->spin, false);
        for (;;) {
            /* Announce the sleep before the futex re-reads the value: a
             * release either sees the sleeper or leaves a value the futex
             * call sees (both sides are sequentially consistent). */
            atomic_fetch_add(&sem->sleepers, 1);
            int rc = weft__park(&sem->value, 0, &d);
            atomic_fetch_sub(&sem->sleepers, 1);
            if (weft__semaphore_try(sem))
                return WEFT_OK;
            if (rc == ETIMEDOUT)
                break;
        }
    } else if (weft__semaphore_try(sem)) {
        return WEFT_OK;
    }
    return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: timed out after %g s", __func__, timeout);
}

weft_status weft_semaphore_release(weft_semaphore *sem, size_t n)
{
    WEFT__OPEN(sem, weft__semaphore_type);
    if (n == 0)
        return weft__fail(WEFT_EINVAL, "%s: n must be one or more", __func__);
    unsigned v = atomic_load_explicit(&sem->value, memory_order_relaxed);
    unsigned nv;
    do {
        if (sem->bounded && (n > sem->bound || v > sem->bound - n))
            return weft__fail(WEFT_EINVAL, "%s: semaphore released too many times", __func__);
        if (n > WEFT_SEMAPHORE_VALUE_MAX - v)
            return weft__fail(WEFT_OVERFLOW, "%s: value would exceed WEFT_SEMAPHORE_VALUE_MAX", __func__);
        nv = v + (unsigned)n;
    } while (!atomic_compare_exchange_weak_explicit(&sem->value, &v, nv, memory_order_seq_cst,
                                                    memory_order_relaxed));
    if (atomic_load(&sem->sleepers) > 0)
        weft__unpark(&sem->value, n > INT32_MAX ? INT32_MAX : (int)n);
    return WEFT_OK;
}

weft_status weft_semaphore_value(weft_semaphore *sem, size_t *out)
{
    WEFT__OPEN(sem, weft__semaphore_type);
    WEFT__OUT(out);
    *out = atomic_load_explicit(&sem->value, memory_order_relaxed);
    return WEFT_OK;
}
