/* Contexts and start methods, the worker executable, the forkserver's
 * preload list, cpu_count and freeze_support. Each test runs in a process
 * of its own, so each starts with the default method not yet fixed. */
#include "proc_test.h"

Test(context, get_context_for_each_method)
{
    for (int m = 0; m < PROC_NMETHODS; m++) {
        weft_mp_context *c;
        WEFT_ASSERT_OK(weft_multiprocessing_get_context(&c, proc_methods[m]));
        const char *name;
        WEFT_ASSERT_OK(weft_mp_context_start_method(c, &name));
        cr_assert_str_eq(name, proc_methods[m]);
        WEFT_ASSERT_OK(weft_mp_context_free(c));
    }
    weft_mp_context *c = NULL;
    WEFT_ASSERT_STATUS(weft_multiprocessing_get_context(&c, "threads"), WEFT_EINVAL);
    cr_assert_null(c);
    WEFT_ASSERT_STATUS(weft_multiprocessing_get_context(NULL, "fork"), WEFT_EINVAL);
    const char *name;
    WEFT_ASSERT_STATUS(weft_mp_context_start_method(NULL, &name), WEFT_EINVAL);
    weft_process *p;
    WEFT_ASSERT_OK(weft_process_new(&p, NULL));
    WEFT_ASSERT_STATUS(weft_mp_context_start_method((weft_mp_context *)p, &name), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_mp_context_free((weft_mp_context *)p), WEFT_EINVAL);
    weft_process_free(p);
    WEFT_ASSERT_OK(weft_multiprocessing_get_context(&c, "spawn"));
    WEFT_ASSERT_STATUS(weft_mp_context_start_method(c, NULL), WEFT_EINVAL);
    weft_mp_context_free(c);
    WEFT_ASSERT_OK(weft_mp_context_free(NULL));
}

Test(context, default_is_fork_and_fixed_by_use)
{
    const char *m;
    WEFT_ASSERT_OK(weft_multiprocessing_get_start_method(1, &m));
    cr_assert_null(m, "not fixed before use");
    weft_mp_context *c;
    WEFT_ASSERT_OK(weft_multiprocessing_get_context(&c, NULL));
    const char *name;
    WEFT_ASSERT_OK(weft_mp_context_start_method(c, &name));
    cr_assert_str_eq(name, "fork");
    weft_mp_context_free(c);
    WEFT_ASSERT_OK(weft_multiprocessing_get_start_method(1, &m));
    cr_assert_str_eq(m, "fork");
    WEFT_ASSERT_STATUS(weft_multiprocessing_set_start_method("spawn", 0), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_multiprocessing_get_start_method(0, NULL), WEFT_EINVAL);
}

Test(context, set_start_method)
{
    WEFT_ASSERT_OK(weft_multiprocessing_set_start_method("spawn", 0));
    const char *m;
    WEFT_ASSERT_OK(weft_multiprocessing_get_start_method(0, &m));
    cr_assert_str_eq(m, "spawn");
    WEFT_ASSERT_STATUS(weft_multiprocessing_set_start_method("fork", 0), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_multiprocessing_set_start_method("forkserver", 1));
    WEFT_ASSERT_OK(weft_multiprocessing_get_start_method(0, &m));
    cr_assert_str_eq(m, "forkserver");
    WEFT_ASSERT_STATUS(weft_multiprocessing_set_start_method("vfork", 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_multiprocessing_set_start_method(NULL, 0), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_multiprocessing_set_start_method(NULL, 1));
    WEFT_ASSERT_OK(weft_multiprocessing_get_start_method(1, &m));
    cr_assert_null(m);
    WEFT_ASSERT_OK(weft_multiprocessing_get_start_method(0, &m));
    cr_assert_str_eq(m, "fork");
}

static void cb_never(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    abort();
}

Test(context, default_method_starts_processes)
{
    /* A process without a context uses the default at start. */
    WEFT_ASSERT_OK(weft_multiprocessing_set_start_method("spawn", 0));
    weft_task *t = proc_task(TASKS, "tt_exit3", "i()", 0);
    cr_assert_eq(proc_run_task(NULL, t), 3);
    weft_task_free(t);
    /* A callable needs fork, which the default no longer is. */
    weft_process *p;
    weft_process_opts *o;
    WEFT_ASSERT_OK(weft_process_opts_new(&o));
    WEFT_ASSERT_OK(weft_process_opts_set_target(o, cb_never, NULL, NULL));
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_EINVAL);
    weft_process_free(p);
    weft_process_opts_free(o);
}

Test(context, all_start_methods)
{
    const char *const *v;
    size_t n;
    WEFT_ASSERT_OK(weft_multiprocessing_get_all_start_methods(&v, &n));
    cr_assert_eq(n, 3);
    cr_assert_str_eq(v[0], "fork", "the default comes first");
    cr_assert_str_eq(v[1], "spawn");
    cr_assert_str_eq(v[2], "forkserver");
    WEFT_ASSERT_STATUS(weft_multiprocessing_get_all_start_methods(NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_multiprocessing_get_all_start_methods(&v, NULL), WEFT_EINVAL);
}

Test(context, set_executable)
{
    weft_task *t = proc_task(TASKS, "tt_exit3", "i()", 0);
    WEFT_ASSERT_STATUS(weft_multiprocessing_set_executable(""), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_multiprocessing_set_executable("/nonexistent/weft-worker"));
    weft_process *p = proc_new("spawn", t);
    WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_OS);
    cr_assert_eq(weft_errno(), ENOENT);
    cr_assert(strstr(weft_errmsg(), "/nonexistent/weft-worker") != NULL, "%s", weft_errmsg());
    /* A failed start can be tried again. */
    WEFT_ASSERT_OK(weft_multiprocessing_set_executable(NULL));
    cr_assert_eq(proc_run(p), 3);
    weft_process_free(p);
    /* The environment names it when nothing was set. */
    setenv("WEFT_WORKER_EXECUTABLE", "/nonexistent/other-worker", 1);
    p = proc_new("spawn", t);
    WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_OS);
    unsetenv("WEFT_WORKER_EXECUTABLE");
    cr_assert_eq(proc_run(p), 3);
    weft_process_free(p);
    weft_task_free(t);
}

Test(context, forkserver_fails_to_start_without_its_executable)
{
    WEFT_ASSERT_OK(weft_multiprocessing_set_executable("/nonexistent/weft-worker"));
    WEFT_ASSERT_STATUS(weft_forkserver_ensure_running(), WEFT_OS);
    weft_task *t = proc_task(TASKS, "tt_exit3", "i()", 0);
    weft_process *p = proc_new("forkserver", t);
    WEFT_ASSERT_STATUS(weft_process_start(p), WEFT_OS);
    WEFT_ASSERT_OK(weft_multiprocessing_set_executable(NULL));
    WEFT_ASSERT_OK(weft_forkserver_ensure_running());
    WEFT_ASSERT_OK(weft_forkserver_ensure_running());
    cr_assert_eq(proc_run(p), 3);
    weft_process_free(p);
    weft_task_free(t);
}

/* The server dlopens the preload list: its children find the object mapped
 * before their task loads anything (pt_has_mapped exits 0 then). */
static int mapped_in_forkserver_child(const char *what)
{
    weft_task *t;
    WEFT_ASSERT_OK(weft_task_new(&t, PTASKS, "pt_has_mapped", "i(y)"));
    WEFT_ASSERT_OK(weft_task_add_bytes(t, what, strlen(what)));
    int code = proc_run_task("forkserver", t);
    weft_task_free(t);
    return code;
}

Test(context, forkserver_preload)
{
    const char *const list[] = { TASKS, "/nonexistent/libskipped.so" };
    WEFT_ASSERT_OK(weft_multiprocessing_set_forkserver_preload(list, 2));
    cr_assert_eq(mapped_in_forkserver_child("libweft_test_tasks"), 0);
    WEFT_ASSERT_OK(weft_multiprocessing_set_forkserver_preload(NULL, 0));
    const char *const bad[] = { TASKS, NULL };
    WEFT_ASSERT_STATUS(weft_multiprocessing_set_forkserver_preload(bad, 2), WEFT_EINVAL);
    const char *const empty[] = { "" };
    WEFT_ASSERT_STATUS(weft_multiprocessing_set_forkserver_preload(empty, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_multiprocessing_set_forkserver_preload(NULL, 1), WEFT_EINVAL);
}

Test(context, forkserver_without_preload)
{
    cr_assert_eq(mapped_in_forkserver_child("libweft_test_tasks"), 7);
}

Test(context, cpu_count)
{
    int n;
    WEFT_ASSERT_OK(weft_multiprocessing_cpu_count(&n));
    cr_assert_eq(n, (int)sysconf(_SC_NPROCESSORS_ONLN));
    WEFT_ASSERT_STATUS(weft_multiprocessing_cpu_count(NULL), WEFT_EINVAL);
    weft_multiprocessing_freeze_support();
}

Test(context, spawn_prepare_refuses_other_bytes)
{
    WEFT_ASSERT_STATUS(weft_spawn_prepare(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_spawn_prepare("nonsense", 8), WEFT_EINVAL);
    unsigned char zeros[256] = { 0 };
    WEFT_ASSERT_STATUS(weft_spawn_prepare(zeros, sizeof zeros), WEFT_EINVAL);
    /* Nothing changed: this is still the main process. */
    weft_process *cur;
    WEFT_ASSERT_OK(weft_multiprocessing_current_process(&cur));
    char *name;
    WEFT_ASSERT_OK(weft_process_name(cur, &name));
    cr_assert_str_eq(name, "MainProcess");
    weft_free(name);
    weft_process_free(cur);
}
