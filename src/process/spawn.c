/* The spawn start method: vfork+exec of the worker executable (or of the
 * main program, for a task that lives there) through the OS layer's child
 * plan, then the preparation data and the task over a pipe. */
#include "process/internal.h"
#include "shm/tracker.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* ---- may the main program be re-executed as a worker? ---------------------- */

typedef struct weft__main_probe {
    uintptr_t weft_base;      /* where this library's code is mapped */
    bool in_main;             /* it is the main program's own (a static link) */
    bool needed;              /* the main program names libweft among its DT_NEEDED */
} weft__main_probe;

static int weft__probe_main(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    weft__main_probe *pr = arg;
    /* The first object is the main program. */
    const ElfW(Dyn) *dyn = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD) {
            uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
            if (pr->weft_base >= lo && pr->weft_base < lo + ph->p_memsz)
                pr->in_main = true;
        } else if (ph->p_type == PT_DYNAMIC) {
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
        }
    }
    if (dyn != NULL) {
        uintptr_t strtab = 0;
        for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++)
            if (d->d_tag == DT_STRTAB)
                strtab = d->d_un.d_ptr;
        /* The loader relocates DT_STRTAB in place on most systems; where it
         * does not, it is still an offset from the load address. */
        if (strtab != 0 && strtab < info->dlpi_addr)
            strtab += info->dlpi_addr;
        for (const ElfW(Dyn) *d = dyn; strtab != 0 && d->d_tag != DT_NULL; d++)
            if (d->d_tag == DT_NEEDED && strncmp((const char *)strtab + d->d_un.d_val, "libweft.so.", 11) == 0)
                pr->needed = true;
    }
    return 1; /* the main program only */
}

/* Whether re-executing the main program runs libweft's marker check before
 * `main`: libweft must be loaded at start (linked statically, or named by
 * the program itself), and the process must not be in secure mode, where the
 * marker is ignored and the program would run as itself. */
static weft_status weft__can_reexec(const char *fn)
{
    if (weft__os_secure_mode())
        return weft__fail(WEFT_NOT_SUPPORTED,
                          "%s: a set-user-ID or set-group-ID program cannot run a task of its own by spawn", fn);
    if (access("/proc/self/exe", X_OK) != 0)
        return weft__fail(WEFT_NOT_SUPPORTED, "%s: /proc/self/exe is not available to re-execute the main program",
                          fn);
    weft__main_probe pr = { .weft_base = (uintptr_t)(void *)weft__can_reexec };
    dl_iterate_phdr(weft__probe_main, &pr);
    if (!pr.in_main && !pr.needed)
        return weft__fail(WEFT_NOT_SUPPORTED,
                          "%s: the main program does not link libweft itself, so re-executing it would not "
                          "reach the worker (link it with libweft, or put the task in a shared object)",
                          fn);
    (void)weft__reexec_linked;
    return WEFT_OK;
}

/* ---- spawn -------------------------------------------------------------------- */

static int weft__cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void weft__worker_plan(weft__os_child_plan *pl, const char *fn, char *const *argv, char *const *envp,
                       const char *const *paths, int devnull, int *pass, size_t npass)
{
    qsort(pass, npass, sizeof pass[0], weft__cmp_int);
    memset(pl, 0, sizeof *pl);
    pl->fn = fn;
    pl->argv = argv;
    pl->envp = envp;
    pl->paths = paths;
    pl->display = paths[0];
    pl->std[0] = devnull;
    pl->std[1] = pl->std[2] = -1;
    pl->pass_fds = pass;
    pl->npass_fds = npass;
    pl->close_fds = true;
    pl->process_group = -1;
    pl->restore_signals = true;
    pl->umask = -1;
}

static bool weft__env_named(const char *entry, const char *name)
{
    size_t len = strlen(name);
    return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

/* environ with the re-exec marker and the tracker's variable replaced by
 * `marker` and `tracker` (each NULL to leave out); pointers borrowed. */
static char **weft__child_env(const char *marker, const char *tracker, const char *fn)
{
    size_t n = 0;
    while (environ != NULL && environ[n] != NULL)
        n++;
    char **env = malloc((n + 3) * sizeof *env);
    if (env == NULL) {
        weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!weft__env_named(environ[i], WEFT__REEXEC_MARKER) && !weft__env_named(environ[i], WEFT__SHM_TRACKER_ENV))
            env[k++] = environ[i];
    if (marker != NULL)
        env[k++] = (char *)marker;
    if (tracker != NULL)
        env[k++] = (char *)tracker;
    env[k] = NULL;
    return env;
}

weft_status weft__spawn_start(struct weft_process *p, const char *fn)
{
    weft__target *t = p->target;
    bool main_program = false;
    if (t != NULL && t->task != NULL) {
        const char *object;
        weft_status st = weft_task_describe(t->task, &object, NULL, NULL);
        if (st != WEFT_OK)
            return st;
        main_program = object == NULL || object[0] == '\0';
        if (main_program && (st = weft__can_reexec(fn)) != WEFT_OK)
            return st;
    }
    char *path = main_program ? strdup("/proc/self/exe") : weft__worker_path(fn);
    if (path == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);

    weft_status st;
    char *parent_name = weft__current_name(&st, fn);
    int devnull = -1, tp[2] = { -1, -1 }, sp[2] = { -1, -1 };
    void *prep = NULL;
    size_t prep_size = 0;
    char **env = NULL;
    char fdbuf[16], marker[64], tracker_env[96];
    pid_t pid = -1;
    bool locked = false;
    if (st != WEFT_OK)
        goto out;
    if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        st = weft__fail_os(errno, "%s: cannot open /dev/null", fn);
        goto out;
    }

    /* From here until the parent's copies are closed, the child's ends must
     * reach no other child. */
    weft__fork_lock_shared();
    locked = true;
    int alive = weft__alive_fd();
    if (alive < 0 || weft__os_pipe(tp) != 0 || weft__os_pipe(sp) != 0) {
        st = weft__fail_os(errno, "%s: cannot create a pipe", fn);
        goto out;
    }
    bool pdeath = weft__pdeathsig_usable();
    weft__prep pr;
    weft__prep_fill(&pr, p, parent_name);
    pr.alive_fd = alive;
    pr.sentinel_fd = sp[1];
    pr.watch_thread = !pdeath; /* with it, the plan asks for the signal */
    if ((prep = weft__prep_encode(&pr, &prep_size, fn)) == NULL) {
        st = WEFT_NOMEM;
        goto out;
    }
    snprintf(fdbuf, sizeof fdbuf, "%d", tp[0]);
    snprintf(marker, sizeof marker, "%s=spawn:%d", WEFT__REEXEC_MARKER, tp[0]);
    /* The child shares this program's shared-memory tracker, when there is
     * one, under the same descriptor number. */
    int tracker = weft__shm_tracker_running();
    if (tracker >= 0 && weft__shm_tracker_env(tracker, tracker_env, sizeof tracker_env) < 0)
        tracker = -1;
    if ((main_program || tracker >= 0) &&
        (env = weft__child_env(main_program ? marker : NULL, tracker >= 0 ? tracker_env : NULL, fn)) == NULL) {
        st = WEFT_NOMEM;
        goto out;
    }
    char *argv[] = { path, (char *)"spawn", fdbuf, NULL };
    const char *paths[] = { path, NULL };
    int pass[4] = { tp[0], sp[1], alive, tracker };
    weft__os_child_plan pl;
    weft__worker_plan(&pl, fn, argv, env != NULL ? env : environ, paths, devnull, pass, tracker >= 0 ? 4 : 3);
    pl.pdeathsig = pdeath ? weft__death_signal(p->daemon) : 0;
    st = weft__os_spawn(&pl, &pid);

out:
    weft__os_close(&tp[0]);
    weft__os_close(&sp[1]);
    if (locked)
        weft__fork_unlock_shared();
    weft__os_close(&devnull);
    free(env);
    free(path);
    free(parent_name);
    if (st != WEFT_OK) {
        weft__os_close(&tp[1]);
        weft__os_close(&sp[0]);
        free(prep);
        return st;
    }
    weft__os_proc_attach(&p->proc, pid, false);
    pthread_mutex_lock(&p->lock);
    p->pid = pid;
    p->sentinel = sp[0];
    pthread_mutex_unlock(&p->lock);
    st = weft__send_prep_and_task(tp[1], prep, prep_size, t != NULL ? t->task_bytes : NULL,
                                  t != NULL ? t->task_size : 0, fn);
    free(prep);
    if (st != WEFT_OK) {
        /* The child never got its task: it goes, and the start failed. */
        weft__deadline forever = { .forever = true };
        (void)weft__os_proc_signal(&p->proc, SIGKILL, fn);
        (void)weft__os_proc_wait(&p->proc, p, &forever, NULL, fn);
        weft__os_proc_release(&p->proc);
        weft__os_proc_init(&p->proc);
        pthread_mutex_lock(&p->lock);
        p->pid = 0;
        weft__os_close(&p->sentinel);
        pthread_mutex_unlock(&p->lock);
    }
    return st;
}
