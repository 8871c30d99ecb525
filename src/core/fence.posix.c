/* Without membarrier every release exchanges, which fences on its own, so
 * sleepers have nothing to pay (kit.h). */
#include "core/kit.h"

bool weft__asym_fence = false;

bool weft__heavy_fence(void)
{
    return true; /* releases exchange; the sleeper's seq_cst increment fenced */
}
