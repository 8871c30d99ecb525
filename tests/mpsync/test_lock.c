/* weft_mp_lock: placement, the Lock API and its failures, several processes
 * contending, and a holder's death reported to the next acquirer. */
#include "mp_test.h"

#include <fcntl.h>
#include <math.h>

/* The lock word's place in a Lock's state: after the 16-byte header. Tests
 * that fake a holder write it directly. */
#define LOCK_WORD_OFFSET 16

Test(mp_lock, basics)
{
    weft_mp_lock *l;
    int locked = -1;
    WEFT_ASSERT_OK(weft_mp_lock_new(&l));
    WEFT_ASSERT_OK(weft_mp_lock_locked(l, &locked));
    cr_assert_eq(locked, 0);
    WEFT_ASSERT_OK(weft_mp_lock_acquire(l, -1));
    WEFT_ASSERT_OK(weft_mp_lock_locked(l, &locked));
    cr_assert_eq(locked, 1);
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, 0), WEFT_TIMEOUT);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, 0.05), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_OK(weft_mp_lock_release(l));
    WEFT_ASSERT_STATUS(weft_mp_lock_release(l), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_mp_lock_acquire(l, 0));
    WEFT_ASSERT_OK(weft_mp_lock_consistent(l)); /* consistent already: stays so */
    WEFT_ASSERT_OK(weft_mp_lock_release(l));
    WEFT_ASSERT_STATUS(weft_mp_lock_consistent(l), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_mp_lock_free(l));
}

Test(mp_lock, bad_arguments)
{
    weft_mp_lock *l;
    weft_mp_event *e;
    int locked;
    size_t size;
    WEFT_ASSERT_STATUS(weft_mp_lock_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_size(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_lock_free(NULL));
    WEFT_ASSERT_OK(weft_mp_lock_new(&l));
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, 1e300), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_mp_lock_locked(l, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_lock_free(l));
    /* A freed handle stays detectable. */
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_release(l), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_locked(l, &locked), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_consistent(l), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_free(l), WEFT_EINVAL);
    /* Another type's handle. */
    WEFT_ASSERT_OK(weft_mp_event_new(&e));
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire((weft_mp_lock *)(void *)e, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_release((weft_mp_lock *)(void *)e), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_free((weft_mp_lock *)(void *)e), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_event_free(e));
    WEFT_ASSERT_OK(weft_mp_lock_size(&size));
    cr_assert_gt(size, 0);
}

Test(mp_lock, placement)
{
    size_t size;
    WEFT_ASSERT_OK(weft_mp_lock_size(&size));
    char *mem = mp_shared(4096);
    weft_mp_lock *l = (weft_mp_lock *)1, *a;
    WEFT_ASSERT_STATUS(weft_mp_lock_new_at(&l, NULL, size), WEFT_EINVAL);
    cr_assert_null(l);
    WEFT_ASSERT_STATUS(weft_mp_lock_new_at(NULL, mem, size), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_new_at(&l, mem, size - 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_new_at(&l, mem + 1, size), WEFT_EINVAL);
    /* Nothing initialised there yet: bad magic. */
    WEFT_ASSERT_STATUS(weft_mp_lock_attach(&a, mem, size), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_attach(&a, NULL, size), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_attach(&a, mem + 4, size), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_lock_attach(&a, mem, 4), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_lock_new_at(&l, mem, size));
    WEFT_ASSERT_STATUS(weft_mp_lock_attach(&a, mem, size - 1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_mp_lock_attach(&a, mem, size));
    WEFT_ASSERT_OK(weft_mp_lock_acquire(l, 0));
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(a, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_mp_lock_release(a));
    /* Another kind of state, or another version: refused. */
    weft_mp_rlock *r;
    WEFT_ASSERT_STATUS(weft_mp_rlock_attach(&r, mem, size), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not a") != NULL, "%s", weft_errmsg());
    mem[4] ^= 0x7f;
    WEFT_ASSERT_STATUS(weft_mp_lock_attach(&a, mem, size), WEFT_EINVAL);
    mem[4] ^= 0x7f;
    /* Freeing handles leaves the caller's memory alone. */
    WEFT_ASSERT_OK(weft_mp_lock_free(l));
    WEFT_ASSERT_OK(weft_mp_lock_free(a));
    WEFT_ASSERT_OK(weft_mp_lock_attach(&a, mem, size));
    WEFT_ASSERT_OK(weft_mp_lock_free(a));
    munmap(mem, 4096);
}

/* ---- several processes ------------------------------------------------------ */

typedef struct {
    weft_mp_lock *lock;
    long *counter;
    int rounds;
} counter_arg;

static int count_up(void *p)
{
    counter_arg *a = p;
    for (int i = 0; i < a->rounds; i++) {
        MP_CHILD_CHECK(weft_mp_lock_acquire(a->lock, -1) == WEFT_OK);
        long v = *(volatile long *)a->counter;
        if (i % 97 == 0)
            sched_yield();
        *(volatile long *)a->counter = v + 1;
        MP_CHILD_CHECK(weft_mp_lock_release(a->lock) == WEFT_OK);
    }
    return 0;
}

Test(mp_lock, counter_across_processes)
{
    enum { PROCS = 4, ROUNDS = 5000 };
    counter_arg a = { NULL, mp_shared(sizeof(long)), ROUNDS };
    WEFT_ASSERT_OK(weft_mp_lock_new(&a.lock));
    pid_t pids[PROCS];
    for (int i = 0; i < PROCS; i++)
        pids[i] = mp_fork(count_up, &a);
    for (int i = 0; i < PROCS; i++)
        mp_join_ok(pids[i]);
    cr_assert_eq(*a.counter, (long)PROCS * ROUNDS);
    WEFT_ASSERT_OK(weft_mp_lock_free(a.lock));
}

static int take_and_exit(void *p)
{
    /* Takes the lock and leaves it to the parent to release: any process may. */
    return weft_mp_lock_acquire(p, -1) == WEFT_OK ? 0 : 1;
}

Test(mp_lock, released_by_another_process)
{
    weft_mp_lock *l;
    WEFT_ASSERT_OK(weft_mp_lock_new(&l));
    mp_join_ok(mp_fork(take_and_exit, l));
    int locked;
    WEFT_ASSERT_OK(weft_mp_lock_locked(l, &locked));
    cr_assert_eq(locked, 1);
    /* The child exited holding it: releasing for it keeps the death on
     * record once someone found it; here nobody looked, so it is a release. */
    WEFT_ASSERT_OK(weft_mp_lock_release(l));
    WEFT_ASSERT_OK(weft_mp_lock_acquire(l, 0));
    WEFT_ASSERT_OK(weft_mp_lock_release(l));
    WEFT_ASSERT_OK(weft_mp_lock_free(l));
}

/* ---- a holder's death ----------------------------------------------------------- */

typedef struct {
    weft_mp_lock *lock;
    atomic_int *flag;
} hold_arg;

static int hold_forever(void *p)
{
    hold_arg *a = p;
    MP_CHILD_CHECK(weft_mp_lock_acquire(a->lock, -1) == WEFT_OK);
    atomic_fetch_add(a->flag, 1);
    for (;;)
        pause();
    return 0;
}

static int acquire_expect_died(void *p)
{
    hold_arg *a = p;
    MP_CHILD_CHECK(weft_mp_lock_acquire(a->lock, -1) == WEFT_OWNER_DIED);
    MP_CHILD_CHECK(weft_mp_lock_consistent(a->lock) == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_lock_release(a->lock) == WEFT_OK);
    return 0;
}

Test(mp_lock, killed_holder)
{
    hold_arg a = { NULL, mp_shared(sizeof(atomic_int)) };
    WEFT_ASSERT_OK(weft_mp_lock_new(&a.lock));
    pid_t holder = mp_fork(hold_forever, &a);
    mp_await(a.flag, 1);
    mp_kill(holder);
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(a.lock, -1), WEFT_OWNER_DIED);
    cr_assert(strstr(weft_errmsg(), "died") != NULL, "%s", weft_errmsg());
    /* Inconsistent until marked: every acquirer hears of it. */
    WEFT_ASSERT_OK(weft_mp_lock_release(a.lock));
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(a.lock, 0), WEFT_OWNER_DIED);
    WEFT_ASSERT_OK(weft_mp_lock_consistent(a.lock));
    WEFT_ASSERT_OK(weft_mp_lock_release(a.lock));
    WEFT_ASSERT_OK(weft_mp_lock_acquire(a.lock, 0));
    WEFT_ASSERT_OK(weft_mp_lock_release(a.lock));
    WEFT_ASSERT_OK(weft_mp_lock_free(a.lock));
}

Test(mp_lock, killed_holder_not_yet_reaped)
{
    /* A zombie still has its pid and /proc entry: it must count as dead. */
    hold_arg a = { NULL, mp_shared(sizeof(atomic_int)) };
    WEFT_ASSERT_OK(weft_mp_lock_new(&a.lock));
    pid_t holder = mp_fork(hold_forever, &a);
    mp_await(a.flag, 1);
    kill(holder, SIGKILL);
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(a.lock, -1), WEFT_OWNER_DIED);
    cr_assert_eq(mp_wait(holder), 128 + SIGKILL);
    WEFT_ASSERT_OK(weft_mp_lock_consistent(a.lock));
    WEFT_ASSERT_OK(weft_mp_lock_release(a.lock));
    WEFT_ASSERT_OK(weft_mp_lock_free(a.lock));
}

Test(mp_lock, sleepers_woken_by_the_watcher)
{
    /* Two processes are already asleep in acquire when the holder dies: the
     * watchers wake them, and exactly one gets the lock first; the other
     * gets it after and still hears of the death (inconsistent until
     * marked), or gets it consistent if the first one marked it. */
    hold_arg a = { NULL, mp_shared(sizeof(atomic_int)) };
    WEFT_ASSERT_OK(weft_mp_lock_new(&a.lock));
    pid_t holder = mp_fork(hold_forever, &a);
    mp_await(a.flag, 1);
    pid_t sleeper = mp_fork(acquire_expect_died, &a);
    mp_let_block(sleeper);
    mp_kill(holder);
    mp_join_ok(sleeper);
    WEFT_ASSERT_OK(weft_mp_lock_acquire(a.lock, -1));
    WEFT_ASSERT_OK(weft_mp_lock_release(a.lock));
    WEFT_ASSERT_OK(weft_mp_lock_free(a.lock));
}

static int acquire_after_death(void *p)
{
    /* Hears of the death, or gets the lock after another marked it. */
    hold_arg *a = p;
    weft_status st = weft_mp_lock_acquire(a->lock, -1);
    MP_CHILD_CHECK(st == WEFT_OWNER_DIED || st == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_lock_consistent(a->lock) == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_lock_release(a->lock) == WEFT_OK);
    return 0;
}

static void *acquire_in_thread(void *p)
{
    return (void *)(intptr_t)weft_mp_lock_acquire(p, -1);
}

Test(mp_lock, parent_thread_and_child_asleep_when_holder_dies)
{
    hold_arg a = { NULL, mp_shared(sizeof(atomic_int)) };
    WEFT_ASSERT_OK(weft_mp_lock_new(&a.lock));
    pid_t holder = mp_fork(hold_forever, &a);
    mp_await(a.flag, 1);
    pid_t sleeper = mp_fork(acquire_after_death, &a);
    pthread_t th;
    pthread_create(&th, NULL, acquire_in_thread, a.lock);
    mp_let_block(sleeper);
    mp_nap(0.05);
    mp_kill(holder);
    void *res;
    pthread_join(th, &res);
    weft_status st = (weft_status)(intptr_t)res;
    /* The thread got it first (OWNER_DIED) or after the child marked it. */
    cr_assert(st == WEFT_OK || st == WEFT_OWNER_DIED, "%s", weft_status_name(st));
    if (st == WEFT_OWNER_DIED)
        WEFT_ASSERT_OK(weft_mp_lock_consistent(a.lock));
    WEFT_ASSERT_OK(weft_mp_lock_release(a.lock));
    mp_join_ok(sleeper);
    WEFT_ASSERT_OK(weft_mp_lock_free(a.lock));
}

static int nap_forever(void *p)
{
    (void)p;
    for (;;)
        pause();
    return 0;
}

static uint64_t start_time_of(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')') + 2;
    for (int field = 3; field < 22; field++)
        p = strchr(p, ' ') + 1;
    return strtoull(p, NULL, 10);
}

Test(mp_lock, reused_pid_counts_as_dead)
{
    /* A word naming a live process with another start time names a process
     * that is gone (its pid was reused). */
    WEFT_TEST_LINUX_ONLY("start times come from /proc");
    size_t size;
    WEFT_ASSERT_OK(weft_mp_lock_size(&size));
    char *mem = mp_shared(4096);
    weft_mp_lock *l;
    WEFT_ASSERT_OK(weft_mp_lock_new_at(&l, mem, size));
    _Atomic uint64_t *word = (_Atomic uint64_t *)(void *)(mem + LOCK_WORD_OFFSET);
    WEFT_ASSERT_OK(weft_mp_lock_acquire(l, 0));
    cr_assert_eq((uint32_t)atomic_load(word) & 0x3fffff, (uint32_t)getpid(), "the word's layout changed");
    WEFT_ASSERT_OK(weft_mp_lock_release(l));
    pid_t live = mp_fork(nap_forever, NULL);
    uint64_t start = start_time_of(live);
    atomic_store(word, (uint64_t)(uint32_t)live | (uint64_t)(uint32_t)(start + 1) << 32);
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, -1), WEFT_OWNER_DIED);
    WEFT_ASSERT_OK(weft_mp_lock_consistent(l));
    WEFT_ASSERT_OK(weft_mp_lock_release(l));
    /* The same word with the right start time is a live holder. */
    atomic_store(word, (uint64_t)(uint32_t)live | (uint64_t)(uint32_t)start << 32);
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, 0.05), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_mp_lock_release(l)); /* any process may */
    mp_kill(live);
    WEFT_ASSERT_OK(weft_mp_lock_free(l));
    munmap(mem, 4096);
}

Test(mp_lock, interrupted_wait)
{
    weft_mp_lock *l;
    WEFT_ASSERT_OK(weft_mp_lock_new(&l));
    WEFT_ASSERT_OK(weft_mp_lock_acquire(l, -1));
    pester p;
    mp_pester_start(&p);
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, -1), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, 30), WEFT_INTERRUPTED);
    mp_pester_stop(&p);
    WEFT_ASSERT_OK(weft_mp_lock_release(l));
    WEFT_ASSERT_OK(weft_mp_lock_free(l));
}

/* ---- a segment mapped by name, as unrelated processes share it ---------------- */

static int attach_in_child(void *p)
{
    const char *name = p;
    int fd = shm_open(name, O_RDWR, 0600);
    MP_CHILD_CHECK(fd >= 0);
    /* A second mapping: another address than the parent's. */
    void *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    MP_CHILD_CHECK(mem != MAP_FAILED);
    size_t size;
    weft_mp_lock *l;
    MP_CHILD_CHECK(weft_mp_lock_size(&size) == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_lock_attach(&l, mem, size) == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_lock_acquire(l, 0) == WEFT_TIMEOUT);
    MP_CHILD_CHECK(weft_mp_lock_release(l) == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_lock_acquire(l, 0) == WEFT_OK);
    MP_CHILD_CHECK(weft_mp_lock_free(l) == WEFT_OK);
    return 0;
}

Test(mp_lock, shm_segment)
{
    char name[64];
    snprintf(name, sizeof name, "/weft-mp-lock-%d", (int)getpid());
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 4096), 0);
    void *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    cr_assert_neq(mem, MAP_FAILED);
    size_t size;
    weft_mp_lock *l;
    WEFT_ASSERT_OK(weft_mp_lock_size(&size));
    WEFT_ASSERT_OK(weft_mp_lock_new_at(&l, mem, size));
    WEFT_ASSERT_OK(weft_mp_lock_acquire(l, 0));
    mp_join_ok(mp_fork(attach_in_child, name));
    /* The child left it locked and exited: nobody found it dead yet. */
    WEFT_ASSERT_STATUS(weft_mp_lock_acquire(l, -1), WEFT_OWNER_DIED);
    WEFT_ASSERT_OK(weft_mp_lock_consistent(l));
    WEFT_ASSERT_OK(weft_mp_lock_release(l));
    WEFT_ASSERT_OK(weft_mp_lock_free(l));
    shm_unlink(name);
    munmap(mem, 4096);
    close(fd);
}
