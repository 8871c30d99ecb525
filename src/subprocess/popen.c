/* The Popen object: building the child's plan, pipes, accessors, free. */
#include "subprocess/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void weft__popen_destroy(void *obj)
{
    weft_popen *p = obj;
    for (int i = 0; i < 3; i++)
        weft__os_close(&p->fd[i]);
    weft__os_proc_release(&p->proc);
    weft__strv_free(p->args);
    free(p->out[0].data);
    free(p->out[1].data);
    free(p->input_own);
}

const weft__type weft__popen_type = { "popen", weft__popen_destroy };

/* ---- the environment ---------------------------------------------------- */

static bool weft__env_matches(const char *entry, const char *name)
{
    size_t n = strlen(name);
    return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* Builds the child's environment when it differs from `environ`; the strings
 * are borrowed except the "NAME=value" ones made for overrides, which go in
 * `owned` (freed with the vector). */
static char **weft__build_env(const weft_popen_opts *o, char ***owned, const char *fn)
{
    char **base = o->env != NULL ? o->env : environ;
    size_t nbase = 0;
    while (base != NULL && base[nbase] != NULL)
        nbase++;
    char **env = malloc((nbase + o->nedits + 1) * sizeof *env);
    char **made = calloc(o->nedits + 1, sizeof *made);
    if (env == NULL || made == NULL)
        goto nomem;
    size_t n = 0, nmade = 0;
    for (size_t i = 0; i < nbase; i++) {
        bool edited = false;
        for (size_t j = 0; j < o->nedits && !edited; j++)
            edited = weft__env_matches(base[i], o->edits[j].name);
        if (!edited)
            env[n++] = base[i];
    }
    for (size_t j = 0; j < o->nedits; j++) {
        if (o->edits[j].value == NULL)
            continue;
        size_t a = strlen(o->edits[j].name), b = strlen(o->edits[j].value);
        char *kv = malloc(a + b + 2);
        if (kv == NULL)
            goto nomem_made;
        memcpy(kv, o->edits[j].name, a);
        kv[a] = '=';
        memcpy(kv + a + 1, o->edits[j].value, b + 1);
        made[nmade++] = kv;
        env[n++] = kv;
    }
    env[n] = NULL;
    *owned = made;
    return env;
nomem_made:
    weft__strv_free(made);
    made = NULL;
nomem:
    free(env);
    free(made);
    weft__fail(WEFT_NOMEM, "%s: out of memory building the environment", fn);
    return NULL;
}

/* ---- Popen construction --------------------------------------------------- */

weft_status weft__popen_start(weft_popen **out, const char *const *argv, const weft_popen_opts *o, const char *fn)
{
    if (argv == NULL || argv[0] == NULL)
        return weft__fail(WEFT_EINVAL, "%s: argv is NULL or empty", fn);
    weft__os_reap_pending();

    weft_popen *p = weft__obj_new(&weft__popen_type, sizeof *p);
    if (p == NULL)
        return WEFT_NOMEM;
    weft__os_proc_init(&p->proc);
    p->fd[0] = p->fd[1] = p->fd[2] = -1;

    weft_status st = WEFT_OK;
    int child[3] = { -1, -1, -1 }; /* descriptors the parent closes after the spawn */
    int devnull = -1;
    char **envp_alloc = NULL, **env_owned = NULL, **paths = NULL, **shell_argv = NULL;

    if ((p->args = weft__strv_dup(argv, &p->nargs)) == NULL) {
        st = WEFT_NOMEM;
        goto out;
    }

    weft__os_child_plan pl;
    memset(&pl, 0, sizeof pl);
    pl.fn = fn;
    pl.close_fds = o->close_fds || o->npass_fds > 0;
    pl.pass_fds = o->pass_fds;
    pl.npass_fds = o->npass_fds;
    pl.new_session = o->new_session;
    pl.process_group = o->process_group;
    if (o->kill_group && !o->new_session)
        pl.process_group = 0;
    pl.restore_signals = o->restore_signals;
    pl.umask = o->umask;
    pl.has_uid = o->has_uid;
    pl.uid = o->uid;
    pl.has_gid = o->has_gid;
    pl.gid = o->gid;
    pl.has_groups = o->has_groups;
    pl.groups = o->groups;
    pl.ngroups = o->ngroups;
    pl.pdeathsig = o->pdeathsig;
    pl.preexec = &o->preexec;
    pl.cwd = o->cwd;
    pl.use_fork = !o->use_vfork;

    /* Standard streams. */
    for (int i = 0; i < 3; i++) {
        int how = o->std[i];
        pl.std[i] = -1;
        if (how >= 0) {
            pl.std[i] = how;
        } else if (how == WEFT_SUBPROCESS_PIPE) {
            int fds[2];
            if (weft__os_pipe(fds) != 0) {
                st = weft__fail_os(errno, "%s: cannot create a pipe", fn);
                goto out;
            }
            p->fd[i] = i == 0 ? fds[1] : fds[0];
            child[i] = i == 0 ? fds[0] : fds[1];
            pl.std[i] = child[i];
            if (o->pipesize > 0 && weft__os_pipe_set_size(fds[0], o->pipesize) != 0) {
                st = weft__fail_os(errno, "%s: cannot set the pipe size to %d", fn, o->pipesize);
                goto out;
            }
        } else if (how == WEFT_SUBPROCESS_DEVNULL) {
            if (devnull < 0 && (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
                st = weft__fail_os(errno, "%s: cannot open /dev/null", fn);
                goto out;
            }
            pl.std[i] = devnull;
        } else if (how == WEFT_SUBPROCESS_STDOUT) {
            pl.std[2] = pl.std[1] >= 0 ? pl.std[1] : 1;
        }
    }
    p->had_pipe[0] = p->fd[0] >= 0;
    p->had_pipe[1] = p->fd[1] >= 0;
    p->had_pipe[2] = p->fd[2] >= 0;

    /* Environment and program. */
    char *const *envp = environ;
    if (o->env != NULL || o->nedits > 0) {
        if ((envp_alloc = weft__build_env(o, &env_owned, fn)) == NULL) {
            st = WEFT_NOMEM;
            goto out;
        }
        envp = envp_alloc;
    }
    char *const *exec_argv = p->args;
    const char *prog = o->executable != NULL ? o->executable : p->args[0];
    if (o->shell) {
        if ((shell_argv = calloc(p->nargs + 3, sizeof *shell_argv)) == NULL) {
            st = weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
            goto out;
        }
        prog = o->executable != NULL ? o->executable : "/bin/sh";
        shell_argv[0] = (char *)prog;
        shell_argv[1] = (char *)"-c";
        for (size_t i = 0; i < p->nargs; i++)
            shell_argv[i + 2] = p->args[i];
        exec_argv = shell_argv;
    }
    if ((paths = weft__os_exec_paths(prog, envp, fn)) == NULL) {
        st = WEFT_NOMEM;
        goto out;
    }
    pl.argv = exec_argv;
    pl.envp = envp;
    pl.paths = (const char *const *)paths;
    pl.display = prog;

    pid_t pid;
    st = weft__os_spawn(&pl, &pid);
    if (st != WEFT_OK)
        goto out;
    weft__os_proc_attach(&p->proc, pid, o->kill_group);

out:
    for (int i = 0; i < 3; i++)
        weft__os_close(&child[i]);
    weft__os_close(&devnull);
    free(envp_alloc);
    weft__strv_free(env_owned);
    weft__strv_free(paths);
    free(shell_argv);
    if (st != WEFT_OK) {
        weft__unref(p);
        return st;
    }
    *out = p;
    return WEFT_OK;
}

weft_status weft_popen_new(weft_popen **out, const char *const *argv, const weft_popen_opts *opts)
{
    WEFT__OUT(out);
    weft_popen_opts defaults;
    if (opts != NULL) {
        WEFT__OPEN(opts, weft__popen_opts_type);
    } else {
        /* A private set of defaults, never a handle: it holds nothing to free. */
        memset(&defaults, 0, sizeof defaults);
        weft__popen_opts_defaults(&defaults);
        opts = &defaults;
    }
    weft_popen *p;
    weft_status st = weft__popen_start(&p, argv, opts, __func__);
    if (st == WEFT_OK)
        *out = weft__handle(p);
    return st;
}

weft_status weft_popen_free(weft_popen *p)
{
    WEFT__FREE(p, weft__popen_type);
}

/* ---- accessors ------------------------------------------------------------ */

weft_status weft_popen_args(const weft_popen *p, const char *const **argv, size_t *argc)
{
    WEFT__OPEN(p, weft__popen_type);
    WEFT__OUT(argv);
    *argv = (const char *const *)p->args;
    if (argc != NULL)
        *argc = p->nargs;
    return WEFT_OK;
}

weft_status weft_popen_pid(const weft_popen *p, int *pid)
{
    WEFT__OPEN(p, weft__popen_type);
    WEFT__OUT(pid);
    *pid = (int)p->proc.pid;
    return WEFT_OK;
}

weft_status weft_popen_returncode(weft_popen *p, int *returncode)
{
    WEFT__OPEN(p, weft__popen_type);
    WEFT__OUT(returncode);
    pthread_mutex_lock(&p->proc.lock);
    *returncode = p->proc.returncode;
    pthread_mutex_unlock(&p->proc.lock);
    return WEFT_OK;
}

weft_status weft_popen_stdin(const weft_popen *p, int *fd)
{
    WEFT__OPEN(p, weft__popen_type);
    WEFT__OUT(fd);
    *fd = p->fd[0];
    return WEFT_OK;
}

weft_status weft_popen_stdout(const weft_popen *p, int *fd)
{
    WEFT__OPEN(p, weft__popen_type);
    WEFT__OUT(fd);
    *fd = p->fd[1];
    return WEFT_OK;
}

weft_status weft_popen_stderr(const weft_popen *p, int *fd)
{
    WEFT__OPEN(p, weft__popen_type);
    WEFT__OUT(fd);
    *fd = p->fd[2];
    return WEFT_OK;
}

weft_status weft_popen_close_stdin(weft_popen *p)
{
    WEFT__OPEN(p, weft__popen_type);
    weft__os_close(&p->fd[0]);
    return WEFT_OK;
}

weft_status weft_popen_close_stdout(weft_popen *p)
{
    WEFT__OPEN(p, weft__popen_type);
    weft__os_close(&p->fd[1]);
    return WEFT_OK;
}

weft_status weft_popen_close_stderr(weft_popen *p)
{
    WEFT__OPEN(p, weft__popen_type);
    weft__os_close(&p->fd[2]);
    return WEFT_OK;
}

/* ---- waiting and signals -------------------------------------------------- */

weft_status weft_popen_poll(weft_popen *p, int *returncode)
{
    WEFT__OPEN(p, weft__popen_type);
    WEFT__OUT(returncode);
    pthread_mutex_lock(&p->proc.lock);
    weft__os_proc_try_reap(&p->proc);
    *returncode = p->proc.returncode;
    pthread_mutex_unlock(&p->proc.lock);
    return WEFT_OK;
}

weft_status weft_popen_wait(weft_popen *p, double timeout, int *returncode)
{
    WEFT__OPEN(p, weft__popen_type);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    return weft__os_proc_wait(&p->proc, p, &d, returncode, __func__);
}

weft_status weft_popen_send_signal(weft_popen *p, int sig)
{
    WEFT__OPEN(p, weft__popen_type);
    return weft__os_proc_signal(&p->proc, sig, __func__);
}

weft_status weft_popen_terminate(weft_popen *p)
{
    WEFT__OPEN(p, weft__popen_type);
    return weft__os_proc_signal(&p->proc, SIGTERM, __func__);
}

weft_status weft_popen_kill(weft_popen *p)
{
    WEFT__OPEN(p, weft__popen_type);
    return weft__os_proc_signal(&p->proc, SIGKILL, __func__);
}
