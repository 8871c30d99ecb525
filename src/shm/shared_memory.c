/* multiprocessing.shared_memory.SharedMemory: a named POSIX segment mapped
 * shared and read-write, named as CPython names it. The descriptor is closed
 * as soon as the segment is mapped (nothing needs it after), and closing
 * is one atomic exchange of the mapping, so a close racing another close
 * or a read of the buffer unmaps exactly once. */
#include "shm/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* CPython's prefix of generated names (POSIX); with 8 hexadecimal digits the
 * name is 13 bytes with its '/', inside FreeBSD's limit of 14. */
#define WEFT__SHM_PREFIX "/psm_"

static void weft__shared_memory_destroy(void *obj)
{
    weft_shared_memory *shm = obj;
    void *p = atomic_exchange(&shm->buf, NULL);
    if (p != NULL)
        weft__os_release(p, shm->size);
    free(shm->path);
}

const weft__type weft__shared_memory_type = { "shared memory", weft__shared_memory_destroy };

/* "/name" for a name given with or without its '/', as CPython prepends one. */
static char *weft__shm_path(const char *name)
{
    size_t len = strlen(name);
    bool slash = name[0] == '/';
    char *p = malloc(len + (slash ? 1 : 2));
    if (p == NULL)
        return NULL;
    p[0] = '/';
    memcpy(p + 1, name + slash, len - slash + 1);
    return p;
}

/* Generated names: 32 bits of a counter mixed with a per-process key from
 * the system's random source (splitmix64's finaliser), so a name costs no
 * system call after the first and cannot be guessed without the key. A
 * child of fork draws a new key, or it would make its parent's names. */
static _Atomic uint64_t weft__name_key, weft__name_seq;
static _Atomic pid_t weft__name_pid;

static int weft__shm_name_bits(uint32_t *out)
{
    pid_t me = getpid();
    if (atomic_load_explicit(&weft__name_pid, memory_order_acquire) != me) {
        uint64_t key;
        if (weft__os_random(&key, sizeof key) != 0)
            return -1;
        atomic_store(&weft__name_key, key);
        atomic_store_explicit(&weft__name_pid, me, memory_order_release);
    }
    uint64_t z = atomic_load(&weft__name_key) + atomic_fetch_add(&weft__name_seq, 1) * UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    *out = (uint32_t)((z ^ (z >> 31)) >> 32);
    return 0;
}

static int weft__shm_create_generated(char *path, size_t size)
{
    for (;;) {
        uint32_t r;
        if (weft__shm_name_bits(&r) != 0)
            return -1;
        snprintf(path, sizeof WEFT__SHM_PREFIX + 8, WEFT__SHM_PREFIX "%08" PRIx32, r);
        int fd = weft__os_shm_create(path, size);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
}

weft_status weft__shm_open(weft_shared_memory **out, const char *name, bool create, size_t size, bool track,
                           const char *fn)
{
    if (name == NULL && !create)
        return weft__fail(WEFT_EINVAL, "%s: 'name' can only be NULL if create is set", fn);
    if (create && size == 0)
        return weft__fail(WEFT_EINVAL, "%s: 'size' must be a positive number different from zero", fn);
    if (create && (uintmax_t)size > (uintmax_t)INT64_MAX)
        return weft__fail(WEFT_OVERFLOW, "%s: size %zu is too large for a segment", fn, size);
    char *path = name != NULL ? weft__shm_path(name) : calloc(1, sizeof WEFT__SHM_PREFIX + 8);
    if (path == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    if (name != NULL && strlen(path) > WEFT__SHM_NAME_MAX) {
        weft_status st = weft__fail_os(ENAMETOOLONG, "%s: %s", fn, path);
        free(path);
        return st;
    }
    int fd = !create ? weft__os_shm_attach(path)
             : name == NULL ? weft__shm_create_generated(path, size)
                            : weft__os_shm_create(path, size);
    if (fd < 0) {
        weft_status st = weft__fail_os(errno, "%s: %s", fn, name != NULL ? path : "a generated name");
        free(path);
        return st;
    }
    size_t mapped = create ? size : 0; /* attach: the segment's own size */
    void *p = weft__os_map_shared(fd, &mapped);
    int err = errno;
    close(fd);
    weft_status st = WEFT_OK;
    if (p == NULL)
        st = err == EINVAL && !create ? weft__fail(WEFT_EINVAL, "%s: %s is empty, there is nothing to map", fn, path)
                                      : weft__fail_os(err, "%s: mapping %s", fn, path);
    else if (create && track)
        st = weft__shm_track(path, fn);
    weft_shared_memory *shm = NULL;
    if (st == WEFT_OK) {
        shm = weft__obj_new(&weft__shared_memory_type, sizeof *shm);
        if (shm == NULL)
            st = WEFT_NOMEM;
        if (shm == NULL && create && track)
            weft__shm_untrack(path);
    }
    if (st != WEFT_OK) {
        if (p != NULL)
            weft__os_release(p, mapped);
        if (create)
            (void)weft__os_shm_unlink(path);
        free(path);
        return st;
    }
    shm->path = path;
    atomic_init(&shm->buf, p);
    shm->size = mapped;
    shm->tracked = create && track;
    *out = shm;
    return WEFT_OK;
}

weft_status weft__shm_mapping(weft_shared_memory *shm, unsigned char **buf, const char *fn)
{
    *buf = atomic_load_explicit(&shm->buf, memory_order_acquire);
    if (WEFT__UNLIKELY(*buf == NULL))
        return weft__fail(WEFT_CLOSED, "%s: the shared memory %s is closed", fn, shm->path + 1);
    return WEFT_OK;
}

weft_status weft_shared_memory_new(weft_shared_memory **out, const char *name, int create, size_t size, int track)
{
    WEFT__OUT_CLEAR(out);
    weft_shared_memory *shm;
    weft_status st = weft__shm_open(&shm, name, create != 0, size, track != 0, __func__);
    if (st == WEFT_OK)
        *out = weft__handle(shm);
    return st;
}

weft_status weft_shared_memory_free(weft_shared_memory *shm)
{
    WEFT__FREE(shm, weft__shared_memory_type);
}

weft_status weft_shared_memory_close(weft_shared_memory *shm)
{
    WEFT__OPEN(shm, weft__shared_memory_type);
    void *p = atomic_exchange(&shm->buf, NULL);
    if (p != NULL)
        weft__os_release(p, shm->size);
    return WEFT_OK;
}

weft_status weft_shared_memory_unlink(weft_shared_memory *shm)
{
    WEFT__OPEN(shm, weft__shared_memory_type);
    int r = weft__os_shm_unlink(shm->path);
    int err = errno;
    /* Gone either way: the tracker must not unlink the name later, when it
     * may belong to a segment someone else created since. */
    if ((r == 0 || err == ENOENT) && shm->tracked && !atomic_exchange(&shm->untracked, true))
        weft__shm_untrack(shm->path);
    if (r != 0)
        return weft__fail_os(err, "%s: %s", __func__, shm->path);
    return WEFT_OK;
}

weft_status weft_shared_memory_buf(weft_shared_memory *shm, void **out)
{
    WEFT__OPEN(shm, weft__shared_memory_type);
    WEFT__OUT(out);
    unsigned char *p;
    weft_status st = weft__shm_mapping(shm, &p, __func__);
    *out = p;
    return st;
}

weft_status weft_shared_memory_size(weft_shared_memory *shm, size_t *out)
{
    WEFT__OPEN(shm, weft__shared_memory_type);
    WEFT__OUT(out);
    unsigned char *p;
    weft_status st = weft__shm_mapping(shm, &p, __func__);
    *out = st == WEFT_OK ? shm->size : 0;
    return st;
}

weft_status weft_shared_memory_name(weft_shared_memory *shm, const char **out)
{
    WEFT__OPEN(shm, weft__shared_memory_type);
    WEFT__OUT(out);
    *out = shm->path + 1;
    return WEFT_OK;
}
