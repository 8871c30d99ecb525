/* Timeouts as monotonic deadlines. */
#include "core/internal.h"

#include <math.h>

#define WEFT__NS 1000000000LL

int64_t weft__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * WEFT__NS + ts.tv_nsec;
}

weft_status weft__deadline_init(weft__deadline *d, double timeout, const char *what)
{
    d->forever = false;
    d->once = false;
    weft__interrupted = false;
    if (isnan(timeout))
        return weft__fail(WEFT_EINVAL, "%s: timeout is NaN", what);
    if (timeout < 0) {
        d->forever = true;
        return WEFT_OK;
    }
    if (timeout > WEFT_TIMEOUT_MAX)
        return weft__fail(WEFT_OVERFLOW, "%s: timeout %g is above WEFT_TIMEOUT_MAX", what, timeout);
    if (timeout == 0)
        d->once = true;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double whole = floor(timeout);
    int64_t sec = (int64_t)whole;
    int64_t nsec = (int64_t)((timeout - whole) * 1e9) + now.tv_nsec;
    if (nsec >= WEFT__NS) {
        nsec -= WEFT__NS;
        sec += 1;
    }
    /* Saturate rather than wrap: a deadline centuries away is "forever". */
    if (sec > INT64_MAX - now.tv_sec - 1) {
        d->forever = true;
        return WEFT_OK;
    }
    d->at.tv_sec = (time_t)(now.tv_sec + sec);
    d->at.tv_nsec = (long)nsec;
    return WEFT_OK;
}

int weft__park_slice(int (*park)(atomic_uint *, unsigned, const weft__deadline *), atomic_uint *addr,
                     unsigned expected, const weft__deadline *d, int64_t max_ns)
{
    int64_t left = d != NULL ? weft__deadline_left_ns(d) : INT64_MAX;
    if (left == 0 || (d != NULL && d->once))
        return ETIMEDOUT;
    int64_t ns = left < max_ns ? left : max_ns;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t at = (int64_t)now.tv_nsec + ns;
    weft__deadline slice = { .forever = false, .once = false };
    slice.at.tv_sec = now.tv_sec + (time_t)(at / WEFT__NS);
    slice.at.tv_nsec = (long)(at % WEFT__NS);
    if (park(addr, expected, &slice) == ETIMEDOUT && weft__interrupted) {
        if (d != NULL)
            return ETIMEDOUT; /* a signal ends the whole of an interruptible wait */
        weft__interrupted = false; /* a wait without a deadline is never one */
    }
    return d != NULL && weft__deadline_left_ns(d) == 0 ? ETIMEDOUT : 0;
}

int64_t weft__deadline_left_ns(const weft__deadline *d)
{
    if (d->forever)
        return INT64_MAX;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = ((int64_t)d->at.tv_sec - now.tv_sec) * WEFT__NS + (d->at.tv_nsec - now.tv_nsec);
    return left > 0 ? left : 0;
}

_Thread_local bool weft__interruptible;
_Thread_local bool weft__interrupted;

weft_status weft__fail_interrupted(const char *fn)
{
    weft__interrupted = false;
    return weft__fail(WEFT_INTERRUPTED, "%s: interrupted by a signal", fn);
}
