/* The failure for a timeout that a fast path refused (see kit.h). */
#include "core/kit.h"

weft_status weft__timeout_fail(double timeout, const char *fn)
{
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    /* Only refused timeouts come here, so deadline_init has failed too. */
    return st != WEFT_OK ? st : weft__fail(WEFT_EINVAL, "%s: timeout %g refused", fn, timeout);
}
