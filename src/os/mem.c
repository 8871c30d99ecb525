/* Address space: a reservation that costs no memory until committed, for
 * the handle region (core/object.c); and named shared memory, for the
 * shared-memory area (shm/). */
#include "os/os.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- named shared memory ---------------------------------------------------- */

int weft__os_shm_create(const char *name, size_t size)
{
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0)
        return -1;
    int r;
    do
        r = ftruncate(fd, (off_t)size);
    while (r != 0 && errno == EINTR);
    if (r != 0) {
        int err = errno;
        (void)shm_unlink(name);
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

int weft__os_shm_attach(const char *name)
{
    return shm_open(name, O_RDWR, 0600);
}

int weft__os_shm_unlink(const char *name)
{
    return shm_unlink(name);
}

void *weft__os_map_shared(int fd, size_t *size)
{
    if (*size != 0) {
        void *p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    struct stat st;
    if (fstat(fd, &st) != 0)
        return NULL;
    if (st.st_size <= 0) {
        errno = EINVAL;
        return NULL;
    }
    if ((uintmax_t)st.st_size > SIZE_MAX) {
        errno = EFBIG;
        return NULL;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return NULL;
    *size = (size_t)st.st_size;
    return p;
}

int weft__os_random(void *buf, size_t n)
{
    /* getentropy (POSIX.1-2024; glibc 2.25+, the BSDs, macOS) never returns
     * short and needs no descriptor. */
    return getentropy(buf, n);
}
