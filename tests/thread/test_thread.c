/* Thread objects: create, start, join, names, identities, daemon flag,
 * stack size, and every way to misuse them. */
#define _GNU_SOURCE
#include "weft_test.h"
#include "gate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int freed;
static void count_free(void *p)
{
    atomic_fetch_add(&freed, 1);
    free(p);
}

typedef struct seen {
    int ran;
    uint64_t ident, native;
    weft_thread *self;
} seen;

static void record(void *arg, weft_outcome *o)
{
    seen *s = arg;
    s->ran++;
    s->ident = weft_threading_get_ident();
    s->native = weft_threading_get_native_id();
    cr_assert_eq(weft_threading_current_thread(&s->self), WEFT_OK);
    /* A reported value is freed by the thread, as Python drops run()'s result. */
    cr_assert_eq(weft_outcome_set_value(o, malloc(8), count_free), WEFT_OK);
}

Test(thread, start_join_runs_once_and_reports_identity)
{
    seen s = { 0 };
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, "worker", record, &s, NULL));
    uint64_t id = 1, nid = 1;
    WEFT_ASSERT_OK(weft_thread_ident(t, &id));
    WEFT_ASSERT_OK(weft_thread_native_id(t, &nid));
    cr_assert_eq(id, 0, "ident is None (0) before start");
    cr_assert_eq(nid, 0);
    int alive = 1;
    WEFT_ASSERT_OK(weft_thread_is_alive(t, &alive));
    cr_assert_eq(alive, 0);
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_ident(t, &id));
    cr_assert_neq(id, 0);
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    WEFT_ASSERT_OK(weft_thread_join(t, 0)); /* joining again is fine */
    cr_assert_eq(s.ran, 1);
    cr_assert_eq(s.ident, id);
    WEFT_ASSERT_OK(weft_thread_native_id(t, &nid));
    cr_assert_eq(s.native, nid);
    cr_assert_neq(nid, (uint64_t)getpid());
    cr_assert_eq(s.self, t, "current_thread() in the thread is the thread");
    WEFT_ASSERT_OK(weft_thread_is_alive(t, &alive));
    cr_assert_eq(alive, 0);
    WEFT_ASSERT_OK(weft_thread_ident(t, &id));
    cr_assert_eq(s.ident, id, "ident stays after the end");
    cr_assert_eq(atomic_load(&freed), 1, "the reported value was freed");
    WEFT_ASSERT_OK(weft_thread_free(s.self));
    WEFT_ASSERT_OK(weft_thread_free(t));
}

static void nothing(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

Test(thread, argument_freed_exactly_once)
{
    weft_thread *t;
    /* Ran and joined. */
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, nothing, malloc(4), count_free));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(atomic_load(&freed), 1);
    WEFT_ASSERT_OK(weft_thread_free(t));
    cr_assert_eq(atomic_load(&freed), 1);
    /* Never started. */
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, nothing, malloc(4), count_free));
    WEFT_ASSERT_OK(weft_thread_free(t));
    cr_assert_eq(atomic_load(&freed), 2);
    /* Freed while running, never joined: the thread frees it itself. */
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, nothing, malloc(4), count_free));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_free(t));
    weft_threading_shutdown();
    cr_assert_eq(atomic_load(&freed), 3);
}

static gate g_release = GATE_INIT;
static void wait_gate(void *arg, weft_outcome *o)
{
    (void)o;
    gate_wait(arg != NULL ? arg : &g_release);
}

Test(thread, join_timeout_and_liveness)
{
    gate g = GATE_INIT;
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, wait_gate, &g, NULL));
    WEFT_ASSERT_OK(start_daemon(t));
    int alive = 0;
    WEFT_ASSERT_OK(weft_thread_is_alive(t, &alive));
    cr_assert_eq(alive, 1);
    WEFT_ASSERT_STATUS(weft_thread_join(t, 0), WEFT_TIMEOUT);
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_thread_join(t, 0.05), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.05);
    WEFT_ASSERT_STATUS(weft_thread_join(t, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_join(t, WEFT_TIMEOUT_MAX * 2), WEFT_OVERFLOW);
    /* Starting twice. */
    WEFT_ASSERT_STATUS(weft_thread_start(t), WEFT_RUNTIME);
    /* daemon and stack size are fixed once started. */
    WEFT_ASSERT_STATUS(weft_thread_set_daemon(t, 1), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_thread_set_stack_size(t, 1 << 20), WEFT_RUNTIME);
    gate_open(&g);
    WEFT_ASSERT_OK(weft_thread_join(t, 10));
    WEFT_ASSERT_OK(weft_thread_is_alive(t, &alive));
    cr_assert_eq(alive, 0);
    WEFT_ASSERT_STATUS(weft_thread_start(t), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_thread_free(t));
}

Test(thread, join_before_start_is_runtime)
{
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, nothing, NULL, NULL));
    WEFT_ASSERT_STATUS(weft_thread_join(t, -1), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_thread_join(t, 0), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_thread_free(t));
}

static void join_self(void *arg, weft_outcome *o)
{
    weft_thread *me;
    cr_assert_eq(weft_threading_current_thread(&me), WEFT_OK);
    weft_status st = weft_thread_join(me, -1);
    weft_thread_free(me);
    *(weft_status *)arg = st;
    (void)o;
}

Test(thread, join_self_is_runtime)
{
    weft_status st = WEFT_OK;
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, join_self, &st, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(st, WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_thread_free(t));
}

Test(thread, names)
{
    weft_thread *a, *b;
    WEFT_ASSERT_OK(weft_thread_new(&a, NULL, nothing, NULL, NULL));
    WEFT_ASSERT_OK(weft_thread_new(&b, "given", nothing, NULL, NULL));
    char *na, *nb;
    WEFT_ASSERT_OK(weft_thread_name(a, &na));
    WEFT_ASSERT_OK(weft_thread_name(b, &nb));
    cr_assert(strncmp(na, "Thread-", 7) == 0, "default name %s", na);
    cr_assert_str_eq(nb, "given");
    weft_free(na);
    weft_free(nb);
    WEFT_ASSERT_OK(weft_thread_set_name(a, "renamed, and longer than fifteen bytes"));
    WEFT_ASSERT_OK(weft_thread_name(a, &na));
    cr_assert_str_eq(na, "renamed, and longer than fifteen bytes");
    weft_free(na);
    WEFT_ASSERT_STATUS(weft_thread_set_name(a, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_name(a, NULL), WEFT_EINVAL);
    /* The name reaches the OS thread (Linux keeps 15 bytes). */
    WEFT_ASSERT_OK(weft_thread_start(a));
    WEFT_ASSERT_OK(weft_thread_join(a, -1));
    WEFT_ASSERT_OK(weft_thread_free(a));
    WEFT_ASSERT_OK(weft_thread_free(b));
}

/* Python appends the target's name; C takes what dladdr knows for the
 * pointer (here a libc function, never called since never started; dladdr may
 * give one of its aliases, such as __libc_free). */
Test(thread, default_name_names_the_target)
{
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, (weft_fn)(void (*)(void))free, NULL, NULL));
    char *name;
    WEFT_ASSERT_OK(weft_thread_name(t, &name));
    cr_assert(strncmp(name, "Thread-", 7) == 0 && strstr(name, "free)") != NULL, "%s", name);
    weft_free(name);
    weft_thread_free(t);
}

/* Default names count up, as Python's Thread-N. */
Test(thread, default_names_count_up)
{
    weft_thread *a, *b;
    WEFT_ASSERT_OK(weft_thread_new(&a, NULL, nothing, NULL, NULL));
    WEFT_ASSERT_OK(weft_thread_new(&b, NULL, nothing, NULL, NULL));
    char *na, *nb;
    WEFT_ASSERT_OK(weft_thread_name(a, &na));
    WEFT_ASSERT_OK(weft_thread_name(b, &nb));
    cr_assert_eq(atol(na + 7) + 1, atol(nb + 7), "%s then %s", na, nb);
    weft_free(na);
    weft_free(nb);
    weft_thread_free(a);
    weft_thread_free(b);
}

static void os_name(void *arg, weft_outcome *o)
{
    (void)o;
    pthread_getname_np(pthread_self(), arg, 16);
}

Test(thread, os_thread_gets_the_name)
{
    WEFT_TEST_LINUX_ONLY("the OS thread name (pthread_setname_np)");
    char buf[16] = "";
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, "abcdefghijklmnopqrst", os_name, buf, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_str_eq(buf, "abcdefghijklmno");
    weft_thread_free(t);
}

static void daemon_child(void *arg, weft_outcome *o)
{
    (void)o;
    weft_thread *c;
    cr_assert_eq(weft_thread_new(&c, NULL, nothing, NULL, NULL), WEFT_OK);
    cr_assert_eq(weft_thread_daemon(c, arg), WEFT_OK);
    weft_thread_free(c);
}

Test(thread, daemon_flag_inherited)
{
    weft_thread *t;
    int d = -1, child = -1;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, daemon_child, &child, NULL));
    WEFT_ASSERT_OK(weft_thread_daemon(t, &d));
    cr_assert_eq(d, 0, "created by the main thread: not a daemon");
    WEFT_ASSERT_OK(weft_thread_set_daemon(t, 1));
    WEFT_ASSERT_OK(weft_thread_daemon(t, &d));
    cr_assert_eq(d, 1);
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(child, 1, "a daemon's children are daemons");
    WEFT_ASSERT_STATUS(weft_thread_daemon(t, NULL), WEFT_EINVAL);
    weft_thread_free(t);
}

static void deep(void *arg, weft_outcome *o)
{
    (void)o;
    volatile char buf[48 * 1024];
    buf[0] = 1;
    buf[sizeof buf - 1] = 1;
    *(int *)arg = buf[0] + buf[sizeof buf - 1];
}

Test(thread, per_thread_stack_size)
{
    weft_thread *t;
    int r = 0;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, deep, &r, NULL));
    WEFT_ASSERT_STATUS(weft_thread_set_stack_size(t, 1024), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_set_stack_size(t, 32767), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_thread_set_stack_size(t, 0));
    WEFT_ASSERT_OK(weft_thread_set_stack_size(t, 256 * 1024));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(r, 2);
    weft_thread_free(t);
}

Test(thread, bad_handles_and_arguments)
{
    weft_thread *t = NULL;
    WEFT_ASSERT_STATUS(weft_thread_new(NULL, NULL, nothing, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_new(&t, NULL, NULL, NULL, NULL), WEFT_EINVAL);
    cr_assert_null(t);
    WEFT_ASSERT_OK(weft_thread_free(NULL));
    WEFT_ASSERT_STATUS(weft_thread_start(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_join(NULL, 0), WEFT_EINVAL);
    uint64_t id;
    int flag;
    char *name;
    WEFT_ASSERT_STATUS(weft_thread_ident(NULL, &id), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_native_id(NULL, &id), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_is_alive(NULL, &flag), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_daemon(NULL, &flag), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_set_daemon(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_name(NULL, &name), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_set_name(NULL, "x"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_set_stack_size(NULL, 0), WEFT_EINVAL);

    /* Wrong type: a local is not a thread. */
    weft_local *l;
    WEFT_ASSERT_OK(weft_local_new(&l, NULL));
    WEFT_ASSERT_STATUS(weft_thread_start((weft_thread *)l), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_free((weft_thread *)l), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "thread") != NULL);
    WEFT_ASSERT_OK(weft_local_free(l));

    /* Freed. */
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, nothing, NULL, NULL));
    WEFT_ASSERT_OK(weft_thread_free(t));
    WEFT_ASSERT_STATUS(weft_thread_start(t), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "freed") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_thread_join(t, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_free(t), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_ident(t, &id), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_ident(NULL, NULL), WEFT_EINVAL);

    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, nothing, NULL, NULL));
    WEFT_ASSERT_STATUS(weft_thread_ident(t, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_native_id(t, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_is_alive(t, NULL), WEFT_EINVAL);
    weft_thread_free(t);
}

static void start_child(void *arg, weft_outcome *o)
{
    (void)o;
    weft_thread *c;
    cr_assert_eq(weft_thread_new(&c, NULL, nothing, arg, count_free), WEFT_OK);
    cr_assert_eq(weft_thread_start(c), WEFT_OK);
    weft_thread_free(c);
}

Test(thread, shutdown_joins_non_daemon_threads_started_from_threads)
{
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, start_child, malloc(4), NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    weft_thread_free(t);
    weft_threading_shutdown();
    cr_assert_eq(atomic_load(&freed), 1, "the grandchild was waited for");
    weft_thread_list_free(NULL, 0);
}

static gate exit_gate = GATE_INIT;
static void daemon_waits(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    gate_wait(&exit_gate);
}

Test(thread, shutdown_does_not_wait_for_daemons)
{
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, daemon_waits, NULL, NULL));
    WEFT_ASSERT_OK(weft_thread_set_daemon(t, 1));
    WEFT_ASSERT_OK(weft_thread_start(t));
    weft_threading_shutdown(); /* returns although the daemon still waits */
    int alive;
    WEFT_ASSERT_OK(weft_thread_is_alive(t, &alive));
    cr_assert_eq(alive, 1);
    gate_open(&exit_gate);
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    weft_thread_free(t);
}

/* A start the system refuses (a stack no machine has) leaves the thread
 * unstarted, with its argument, and it may be started again. */
Test(thread, refused_start_can_be_retried)
{
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, nothing, malloc(4), count_free));
    WEFT_ASSERT_OK(weft_thread_set_stack_size(t, (size_t)1 << 50));
    weft_status st = weft_thread_start(t);
    cr_assert(st == WEFT_RUNTIME || st == WEFT_NOMEM || st == WEFT_OS, "got %s", weft_status_name(st));
    int alive = 1;
    uint64_t id = 1;
    WEFT_ASSERT_OK(weft_thread_is_alive(t, &alive));
    WEFT_ASSERT_OK(weft_thread_ident(t, &id));
    cr_assert_eq(alive, 0);
    cr_assert_eq(id, 0);
    WEFT_ASSERT_STATUS(weft_thread_join(t, 0), WEFT_RUNTIME);
    cr_assert_eq(atomic_load(&freed), 0);
    WEFT_ASSERT_OK(weft_thread_set_stack_size(t, 0));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(atomic_load(&freed), 1);
    weft_thread_free(t);
}
