/* Who this process is, as lock words name it: the pid and the low 32 bits
 * of the start time, which together survive pid reuse. Cached, and forgotten
 * in a child of fork, which is another process. */
#include "mpsync/internal.h"
#include "os/os.h"

#include <unistd.h>

_Atomic uint64_t weft__mp_me_cache;

static void weft__mp_me_forget(void)
{
    atomic_store_explicit(&weft__mp_me_cache, 0, memory_order_relaxed);
}

static void weft__mp_me_once(void)
{
    (void)pthread_atfork(NULL, NULL, weft__mp_me_forget);
}

uint64_t weft__mp_me_slow(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, weft__mp_me_once);
    char state;
    uint64_t start = 0;
    if (weft__os_proc_stat(0, &state, &start) != 0)
        start = 0; /* no /proc: the pid alone names the process */
    uint64_t me = (uint64_t)(uint32_t)getpid() | (start & 0xffffffffu) << 32;
    atomic_store_explicit(&weft__mp_me_cache, me, memory_order_relaxed);
    return me;
}
