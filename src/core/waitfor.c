/* Condition.wait_for's loop (kit.h), shared by threading.Condition and
 * multiprocessing.Condition. */
#include "core/kit.h"

weft_status weft__wait_for(void *cond, const weft__wait_for_ops *ops, weft_pred_fn pred, void *arg,
                           const weft__deadline *d, double timeout, int *result, const char *fn)
{
    /* One deadline for the whole call, as Python computes one end time. */
    weft_status st = WEFT_OK;
    int r = pred(arg);
    while (!r) {
        if (!ops->owned(cond))
            return weft__fail(WEFT_RUNTIME, "%s: cannot wait on un-acquired lock", fn);
        st = ops->wait(cond, d);
        r = pred(arg);
        if (st != WEFT_OK)
            break;
    }
    if (result != NULL)
        *result = r;
    if (st == WEFT_OK || (r && (st == WEFT_TIMEOUT || st == WEFT_INTERRUPTED)))
        return WEFT_OK;
    if (st == WEFT_INTERRUPTED)
        return weft__fail_interrupted(fn);
    if (st == WEFT_TIMEOUT)
        return WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: timed out after %g s", fn, timeout);
    return weft__fail(st, "%s: %s", fn, weft_strerror(st));
}
