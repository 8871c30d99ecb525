/* SharedMemory: creating (named and generated), attaching, the buffer and
 * its size, close and unlink, every failure path, and several processes
 * sharing one segment. */
#include "shm_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>

Test(shared_memory, generated_name_is_cpythons)
{
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shared_memory_new(&shm, NULL, 1, 100, 1));
    const char *name;
    WEFT_ASSERT_OK(weft_shared_memory_name(shm, &name));
    cr_assert_eq(strlen(name), 12, "name %s", name);
    cr_assert_eq(strncmp(name, "psm_", 4), 0, "name %s", name);
    for (int i = 4; i < 12; i++)
        cr_assert(strchr("0123456789abcdef", name[i]) != NULL, "name %s", name);
    cr_assert(shm_exists(name));
    size_t size;
    WEFT_ASSERT_OK(weft_shared_memory_size(shm, &size));
    cr_assert_eq(size, 100);
    unsigned char *buf;
    WEFT_ASSERT_OK(weft_shared_memory_buf(shm, (void **)&buf));
    for (size_t i = 0; i < size; i++)
        cr_assert_eq(buf[i], 0);
    /* Two generated names differ. */
    weft_shared_memory *other;
    WEFT_ASSERT_OK(weft_shared_memory_new(&other, NULL, 1, 8, 0));
    const char *name2;
    WEFT_ASSERT_OK(weft_shared_memory_name(other, &name2));
    cr_assert_neq(strcmp(name, name2), 0);
    WEFT_ASSERT_OK(weft_shared_memory_unlink(other));
    WEFT_ASSERT_OK(weft_shared_memory_free(other));
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    cr_assert(!shm_exists(name));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
}

Test(shared_memory, given_name_with_or_without_slash)
{
    char name[64], slashed[80];
    shm_name(name, sizeof name, "given");
    snprintf(slashed, sizeof slashed, "/%s", name);
    weft_shared_memory *a, *b, *c;
    WEFT_ASSERT_OK(weft_shared_memory_new(&a, slashed, 1, 4096, 1));
    const char *got;
    WEFT_ASSERT_OK(weft_shared_memory_name(a, &got));
    cr_assert_str_eq(got, name);
    /* Attach both ways; the size argument is ignored on attach. */
    WEFT_ASSERT_OK(weft_shared_memory_new(&b, name, 0, 0, 0));
    WEFT_ASSERT_OK(weft_shared_memory_new(&c, slashed, 0, 12345, 1));
    WEFT_ASSERT_OK(weft_shared_memory_name(c, &got));
    cr_assert_str_eq(got, name);
    size_t size;
    WEFT_ASSERT_OK(weft_shared_memory_size(c, &size));
    cr_assert_eq(size, 4096);
    char *pa, *pb, *pc;
    WEFT_ASSERT_OK(weft_shared_memory_buf(a, (void **)&pa));
    WEFT_ASSERT_OK(weft_shared_memory_buf(b, (void **)&pb));
    WEFT_ASSERT_OK(weft_shared_memory_buf(c, (void **)&pc));
    cr_assert_neq(pa, pb);
    strcpy(pa, "written through a");
    cr_assert_str_eq(pb, "written through a");
    strcpy(pc + 100, "and through c");
    cr_assert_str_eq(pa + 100, "and through c");
    WEFT_ASSERT_OK(weft_shared_memory_free(b));
    WEFT_ASSERT_OK(weft_shared_memory_free(c));
    /* Freeing never unlinks. */
    cr_assert(shm_exists(name));
    WEFT_ASSERT_OK(weft_shared_memory_unlink(a));
    WEFT_ASSERT_OK(weft_shared_memory_free(a));
    cr_assert(!shm_exists(name));
}

Test(shared_memory, bad_arguments)
{
    weft_shared_memory *shm = (weft_shared_memory *)1;
    WEFT_ASSERT_STATUS(weft_shared_memory_new(NULL, NULL, 1, 10, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, NULL, 0, 10, 1), WEFT_EINVAL);
    cr_assert_null(shm);
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, NULL, 1, 0, 1), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "size") != NULL, "%s", weft_errmsg());
    char name[64];
    shm_name(name, sizeof name, "zero");
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, name, 1, 0, 1), WEFT_EINVAL);
    cr_assert(!shm_exists(name));
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, name, 1, SIZE_MAX, 1), WEFT_OVERFLOW);
    cr_assert(!shm_exists(name));
}

Test(shared_memory, attach_missing_is_enoent)
{
    char name[64];
    shm_name(name, sizeof name, "missing");
    weft_shared_memory *shm;
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, name, 0, 0, 1), WEFT_OS);
    cr_assert_eq(weft_errno(), ENOENT);
    cr_assert_null(shm);
}

Test(shared_memory, create_taken_name_is_eexist)
{
    char name[64];
    shm_name(name, sizeof name, "taken");
    weft_shared_memory *a, *b;
    WEFT_ASSERT_OK(weft_shared_memory_new(&a, name, 1, 64, 1));
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&b, name, 1, 64, 1), WEFT_OS);
    cr_assert_eq(weft_errno(), EEXIST);
    /* The failed create left the first segment alone. */
    cr_assert(shm_exists(name));
    WEFT_ASSERT_OK(weft_shared_memory_unlink(a));
    WEFT_ASSERT_OK(weft_shared_memory_free(a));
}

Test(shared_memory, bad_names)
{
    weft_shared_memory *shm;
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, "", 1, 8, 1), WEFT_OS);
    cr_assert_eq(weft_errno(), EINVAL);
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, "a/b", 1, 8, 1), WEFT_OS);
    cr_assert_eq(weft_errno(), EINVAL);
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, "/a/b", 0, 0, 1), WEFT_OS);
    char longname[400];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, longname, 1, 8, 1), WEFT_OS);
    cr_assert_eq(weft_errno(), ENAMETOOLONG);
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, longname, 0, 0, 1), WEFT_OS);
    cr_assert_eq(weft_errno(), ENAMETOOLONG);
}

Test(shared_memory, attach_empty_segment)
{
    char name[64], path[80];
    shm_name(name, sizeof name, "empty");
    snprintf(path, sizeof path, "/%s", name);
    int fd = shm_open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    weft_shared_memory *shm;
    WEFT_ASSERT_STATUS(weft_shared_memory_new(&shm, name, 0, 0, 0), WEFT_EINVAL);
    shm_unlink(path);
}

Test(shared_memory, close_then_closed)
{
    char name[64];
    shm_name(name, sizeof name, "close");
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shared_memory_new(&shm, name, 1, 32, 1));
    WEFT_ASSERT_OK(weft_shared_memory_close(shm));
    WEFT_ASSERT_OK(weft_shared_memory_close(shm));
    void *buf = (void *)1;
    size_t size = 1;
    WEFT_ASSERT_STATUS(weft_shared_memory_buf(shm, &buf), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_shared_memory_size(shm, &size), WEFT_CLOSED);
    cr_assert_eq(size, 0);
    const char *got;
    WEFT_ASSERT_OK(weft_shared_memory_name(shm, &got));
    cr_assert_str_eq(got, name);
    /* Unlink after close, as Python's close(); unlink(). */
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    cr_assert(!shm_exists(name));
    WEFT_ASSERT_STATUS(weft_shared_memory_unlink(shm), WEFT_OS);
    cr_assert_eq(weft_errno(), ENOENT);
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
}

Test(shared_memory, bad_handles)
{
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shared_memory_new(&shm, NULL, 1, 8, 0));
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
    weft_lock *lock;
    WEFT_ASSERT_OK(weft_lock_new(&lock));
    weft_shared_memory *bad[] = { NULL, shm, (weft_shared_memory *)lock };
    void *buf;
    size_t size;
    const char *name;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        WEFT_ASSERT_STATUS(weft_shared_memory_buf(bad[i], &buf), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shared_memory_size(bad[i], &size), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shared_memory_name(bad[i], &name), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shared_memory_close(bad[i]), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shared_memory_unlink(bad[i]), WEFT_EINVAL);
        if (bad[i] != NULL)
            WEFT_ASSERT_STATUS(weft_shared_memory_free(bad[i]), WEFT_EINVAL);
    }
    WEFT_ASSERT_OK(weft_shared_memory_free(NULL));
    WEFT_ASSERT_OK(weft_lock_free(lock));

    WEFT_ASSERT_OK(weft_shared_memory_new(&shm, NULL, 1, 8, 0));
    WEFT_ASSERT_STATUS(weft_shared_memory_buf(shm, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shared_memory_size(shm, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shared_memory_name(shm, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    int n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

Test(shared_memory, no_descriptor_kept)
{
    /* The first tracked create opens the tracker's connection; after that a
     * segment holds no descriptor (CPython keeps one per segment). */
    weft_shared_memory *first;
    WEFT_ASSERT_OK(weft_shared_memory_new(&first, NULL, 1, 8, 1));
    int before = count_fds();
    if (before < 0)
        cr_skip_test("no /proc/self/fd");
    weft_shared_memory *shm[8];
    for (int i = 0; i < 8; i++)
        WEFT_ASSERT_OK(weft_shared_memory_new(&shm[i], NULL, 1, 8, 1));
    cr_assert_eq(count_fds(), before);
    for (int i = 0; i < 8; i++) {
        WEFT_ASSERT_OK(weft_shared_memory_unlink(shm[i]));
        WEFT_ASSERT_OK(weft_shared_memory_free(shm[i]));
    }
    WEFT_ASSERT_OK(weft_shared_memory_unlink(first));
    WEFT_ASSERT_OK(weft_shared_memory_free(first));
}

#define WRITERS 4
#define STRIPE 4096

Test(shared_memory, processes_share_bytes)
{
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shared_memory_new(&shm, NULL, 1, WRITERS * STRIPE, 1));
    const char *name;
    WEFT_ASSERT_OK(weft_shared_memory_name(shm, &name));
    pid_t pids[WRITERS];
    for (int k = 0; k < WRITERS; k++) {
        pids[k] = fork();
        cr_assert_geq(pids[k], 0);
        if (pids[k] == 0) {
            /* Each child attaches on its own and fills its stripe. */
            weft_shared_memory *mine;
            if (weft_shared_memory_new(&mine, name, 0, 0, 1) != WEFT_OK)
                _exit(2);
            unsigned char *p;
            if (weft_shared_memory_buf(mine, (void **)&p) != WEFT_OK)
                _exit(3);
            memset(p + k * STRIPE, 'a' + k, STRIPE);
            weft_shared_memory_free(mine);
            _exit(0);
        }
    }
    for (int k = 0; k < WRITERS; k++) {
        int st = shm_reap(pids[k]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d: status %d", k, st);
    }
    unsigned char *p;
    WEFT_ASSERT_OK(weft_shared_memory_buf(shm, (void **)&p));
    for (int k = 0; k < WRITERS; k++)
        for (int i = 0; i < STRIPE; i++)
            cr_assert_eq(p[k * STRIPE + i], 'a' + k);
    /* The attaching children exited without unlinking it. */
    cr_assert(shm_exists(name));
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
}
