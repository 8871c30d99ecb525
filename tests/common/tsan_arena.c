/* Linked into the Criterion suites only in ThreadSanitizer builds.
 *
 * Criterion's process sandbox (BoxFort) maps a shared arena at a random
 * 16 MiB-aligned address between 32 TiB and 96 TiB, chosen with rand_r().
 * Under ThreadSanitizer almost all of that range is TSan's shadow memory,
 * where the mapping is refused, and every suite aborts with "Could not
 * initialize inheritable arena" (Criterion issue 274). This rand_r steers
 * the calls made from inside libcriterion to offsets that land in TSan's
 * application range at 0x550000000000-0x568000000000; every other caller
 * gets an ordinary generator. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

int rand_r(unsigned int *seed);

__attribute__((visibility("default"))) int rand_r(unsigned int *seed)
{
    Dl_info info;
    if (dladdr(__builtin_return_address(0), &info) != 0 && info.dli_fname != NULL &&
        strstr(info.dli_fname, "libcriterion") != NULL) {
        /* base = 0x200000000000 + r * 16 MiB; r from 0x360000 gives
         * 0x560000000000 upwards, inside TSan's mid application range. */
        static unsigned next = 0x360000;
        return (int)(next++ & 0x3fffff);
    }
    /* xorshift32 on the caller's seed: rand_r's contract, a different stream. */
    unsigned x = *seed ? *seed : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *seed = x;
    return (int)(x & RAND_MAX);
}
