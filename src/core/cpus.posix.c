/* CPUs this process may run on: the machine's online count. */
#include "core/kit.h"

#include <unistd.h>

long weft__cpu_count_online(void)
{
    return sysconf(_SC_NPROCESSORS_ONLN);
}

long weft__cpu_count(void)
{
    long cpus = weft__cpu_count_online();
    return cpus > 0 ? cpus : 1;
}
