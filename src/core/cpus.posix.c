/* CPUs this process may run on: the machine's online count. */
#include "core/kit.h"

#include <unistd.h>

long weft__cpu_count(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? cpus : 1;
}
