/* multiprocessing.Semaphore and BoundedSemaphore: a value word in shared
 * memory that sleepers park on, and a count of sleepers so that a release
 * makes a system call only when someone may sleep.
 *
 * A semaphore has no owner: a process that dies holding permits is not
 * noticed (as in Python, where a SemLock of kind SEMAPHORE records none),
 * and its permits are gone. */
#include "mpsync/internal.h"

typedef struct weft__mp_sem_shared {
    weft__mp_hdr h;
    atomic_uint value;
    atomic_uint sleepers;
    uint32_t bound;   /* the most the value may reach */
    uint32_t bounded; /* a release above the bound is an error (else an overflow) */
} weft__mp_sem_shared;

struct weft_mp_semaphore {
    weft__mp_obj base;
    weft__mp_sem_shared *s;
};

static const weft__type weft__mp_semaphore_type = { "multiprocessing semaphore", weft__mp_obj_destroy };

static weft_status weft__mp_sem_make(weft_mp_semaphore **out, int mode, void *mem, size_t size, size_t value,
                                     int bounded, const char *fn)
{
    WEFT__OUT_CLEAR(out);
    if (mode != WEFT__MP_MAKE_ATTACH && value > WEFT_MP_SEMAPHORE_VALUE_MAX)
        return weft__fail(WEFT_OVERFLOW, "%s: value %zu is above WEFT_MP_SEMAPHORE_VALUE_MAX", fn, value);
    weft_status st;
    weft_mp_semaphore *sem = weft__mp_obj_make(&weft__mp_semaphore_type, sizeof *sem, mode, mem, size,
                                               sizeof(weft__mp_sem_shared), WEFT__MP_SEMAPHORE, fn, &st);
    if (sem == NULL)
        return st;
    weft__mp_sem_shared *s = sem->base.place.state;
    sem->s = s;
    if (mode != WEFT__MP_MAKE_ATTACH) {
        atomic_init(&s->value, (unsigned)value);
        atomic_init(&s->sleepers, 0);
        s->bound = bounded ? (uint32_t)value : WEFT_MP_SEMAPHORE_VALUE_MAX;
        s->bounded = bounded != 0;
        weft__mp_publish(&s->h);
    }
    *out = weft__handle(sem);
    return WEFT_OK;
}

weft_status weft_mp_semaphore_size(size_t *out)
{
    WEFT__OUT(out);
    *out = sizeof(weft__mp_sem_shared);
    return WEFT_OK;
}

weft_status weft_mp_semaphore_new(weft_mp_semaphore **out, size_t value)
{
    return weft__mp_sem_make(out, WEFT__MP_MAKE_NEW, NULL, 0, value, 0, __func__);
}

weft_status weft_mp_semaphore_new_bounded(weft_mp_semaphore **out, size_t value)
{
    return weft__mp_sem_make(out, WEFT__MP_MAKE_NEW, NULL, 0, value, 1, __func__);
}

weft_status weft_mp_semaphore_new_at(weft_mp_semaphore **out, void *mem, size_t size, size_t value, int bounded)
{
    return weft__mp_sem_make(out, WEFT__MP_MAKE_AT, mem, size, value, bounded, __func__);
}

weft_status weft_mp_semaphore_attach(weft_mp_semaphore **out, void *mem, size_t size)
{
    return weft__mp_sem_make(out, WEFT__MP_MAKE_ATTACH, mem, size, 0, 0, __func__);
}

weft_status weft_mp_semaphore_free(weft_mp_semaphore *sem)
{
    WEFT__FREE(sem, weft__mp_semaphore_type);
}

static inline bool weft__mp_sem_try(weft__mp_sem_shared *s)
{
    unsigned v = atomic_load_explicit(&s->value, memory_order_relaxed);
    while (v != 0)
        if (atomic_compare_exchange_weak_explicit(&s->value, &v, v - 1, memory_order_acquire, memory_order_relaxed))
            return true;
    return false;
}

weft_status weft_mp_semaphore_acquire(weft_mp_semaphore *sem, double timeout)
{
    WEFT__OPEN(sem, weft__mp_semaphore_type);
    weft__mp_sem_shared *s = sem->s;
    if (WEFT__LIKELY(!weft__timeout_bad(timeout)) && weft__mp_sem_try(s))
        return WEFT_OK;
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    bool last = d.once;
    for (;;) {
        if (weft__mp_sem_try(s))
            return WEFT_OK;
        if (last)
            return d.once ? weft__fail(WEFT_TIMEOUT, "%s: timed out after %g s", __func__, timeout)
                          : WEFT__MP_WAIT_FAILED(__func__, timeout);
        /* Count myself, then let the futex re-read the value: a release
         * either came first (the value is not 0) or reads my count. */
        atomic_fetch_add_explicit(&s->sleepers, 1, memory_order_seq_cst);
        int rc = weft__park_shared(&s->value, 0, &d);
        atomic_fetch_sub_explicit(&s->sleepers, 1, memory_order_relaxed);
        if (rc == ETIMEDOUT)
            last = true;
    }
}

weft_status weft_mp_semaphore_release(weft_mp_semaphore *sem, size_t n)
{
    WEFT__OPEN(sem, weft__mp_semaphore_type);
    weft__mp_sem_shared *s = sem->s;
    if (n == 0)
        return weft__fail(WEFT_EINVAL, "%s: n must be at least 1", __func__);
    unsigned v = atomic_load_explicit(&s->value, memory_order_relaxed);
    do {
        if (n > (size_t)(s->bound - v)) {
            if (s->bounded)
                return weft__fail(WEFT_EINVAL, "%s: semaphore or lock released too many times", __func__);
            return weft__fail(WEFT_OVERFLOW, "%s: the value would exceed WEFT_MP_SEMAPHORE_VALUE_MAX", __func__);
        }
    } while (!atomic_compare_exchange_weak_explicit(&s->value, &v, v + (unsigned)n, memory_order_seq_cst,
                                                    memory_order_relaxed));
    if (atomic_load_explicit(&s->sleepers, memory_order_seq_cst) != 0)
        weft__unpark_shared(&s->value, n > INT32_MAX ? INT32_MAX : (int)n);
    return WEFT_OK;
}

weft_status weft_mp_semaphore_get_value(weft_mp_semaphore *sem, size_t *out)
{
    WEFT__OPEN(sem, weft__mp_semaphore_type);
    WEFT__OUT(out);
    *out = atomic_load_explicit(&sem->s->value, memory_order_relaxed);
    return WEFT_OK;
}
