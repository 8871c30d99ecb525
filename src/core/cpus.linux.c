/* CPUs this process may run on: its affinity mask, which containers and
 * taskset narrow, before the machine's count. */
#include "core/kit.h"

#include <sched.h>
#include <unistd.h>

long weft__cpu_count_online(void)
{
    return sysconf(_SC_NPROCESSORS_ONLN);
}

long weft__cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long cpus = weft__cpu_count_online();
    return cpus > 0 ? cpus : 1;
}
