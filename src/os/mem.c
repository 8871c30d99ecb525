/* Address space: a reservation that costs no memory until committed, for
 * the handle region (core/object.c) and, next, shared mappings. */
#include "os/os.h"

#include <sys/mman.h>

#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

void *weft__os_reserve(size_t size)
{
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool weft__os_commit(void *p, size_t size)
{
    return mprotect(p, size, PROT_READ | PROT_WRITE) == 0;
}

void weft__os_release(void *p, size_t size)
{
    (void)munmap(p, size);
}
