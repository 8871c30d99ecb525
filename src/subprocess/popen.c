/* The Popen object: building the child's plan, pipes, accessors, free. */
#include "subprocess/internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void popen_destroy(void *obj)
{
    weft_popen *p = obj;
    for (int i = 0; i < 3; i++)
        if (p->fd[i] >= 0)
            close(p->fd[i]);
    pthread_mutex_lock(&p->lock);
    bool done = weft__popen_try_reap(p);
    pthread_mutex_unlock(&p->lock);
    if (!done) {
        /* Python warns "subprocess still running" and reaps it later. */
        weft__reap_later(p->pid);
    }
    if (p->pidfd >= 0)
        close(p->pidfd);
    weft__strv_free(p->args);
    free(p->out[0].data);
    free(p->out[1].data);
    free(p->input_own);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
}

const weft__type weft__popen_type = { "popen", popen_destroy };

#define CHECK(h, fn)                                                 \
    do {                                                             \
        weft_status st_ = weft__check((h), &weft__popen_type, (fn)); \
        if (st_ != WEFT_OK)                                          \
            return st_;                                              \
    } while (0)

/* ---- the environment ---------------------------------------------------- */

static bool env_matches(const char *entry, const char *name)
{
    size_t n = strlen(name);
    return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* Builds the child's environment when it differs from `environ`; the strings
 * are borrowed except the "NAME=value" ones made for overrides, which go in
 * `owned` (freed with the vector). */
static char **build_env(const weft_popen_opts *o, char ***owned)
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
            edited = env_matches(base[i], o->edits[j].name);
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
    weft__fail(WEFT_NOMEM, "weft_popen_new: out of memory building the environment");
    return NULL;
}

/* Candidate paths for `prog`, as Python's os.get_exec_path(env) + join. */
static char **exec_paths(const char *prog, char *const *envp)
{
    if (strchr(prog, '/') != NULL) {
        char **v = calloc(2, sizeof *v);
        if (v == NULL || (v[0] = strdup(prog)) == NULL) {
            free(v);
            weft__fail(WEFT_NOMEM, "weft_popen_new: out of memory");
            return NULL;
        }
        return v;
    }
    const char *path = NULL;
    for (char *const *e = envp; e != NULL && *e != NULL; e++)
        if (env_matches(*e, "PATH"))
            path = *e + 5;
    if (path == NULL)
        path = "/bin:/usr/bin";
    size_t ndirs = 1;
    for (const char *c = path; *c != '\0'; c++)
        ndirs += *c == ':';
    char **v = calloc(ndirs + 1, sizeof *v);
    if (v == NULL)
        goto nomem;
    size_t plen = strlen(prog), i = 0;
    for (const char *dir = path;; i++) {
        const char *end = strchrnul(dir, ':');
        size_t dlen = (size_t)(end - dir);
        char *full = malloc(dlen + plen + 2);
        if (full == NULL)
            goto nomem;
        if (dlen == 0) {
            memcpy(full, prog, plen + 1);
        } else {
            memcpy(full, dir, dlen);
            full[dlen] = '/';
            memcpy(full + dlen + 1, prog, plen + 1);
        }
        v[i] = full;
        if (*end == '\0')
            break;
        dir = end + 1;
    }
    return v;
nomem:
    weft__strv_free(v);
    weft__fail(WEFT_NOMEM, "weft_popen_new: out of memory");
    return NULL;
}

/* ---- Popen construction --------------------------------------------------- */

static int max_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < INT_MAX)
        return (int)rl.rlim_cur;
    long v = sysconf(_SC_OPEN_MAX);
    return v > 0 && v < INT_MAX ? (int)v : 65536;
}

weft_status weft__popen_start(weft_popen **out, const char *const *argv, const weft_popen_opts *o)
{
    static const char *const fn = "weft_popen_new";
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "%s: out is NULL", fn);
    if (argv == NULL || argv[0] == NULL)
        return weft__fail(WEFT_EINVAL, "%s: argv is NULL or empty", fn);
    weft__reap_pending();

    weft_popen *p = weft__obj_new(&weft__popen_type, sizeof *p);
    if (p == NULL)
        return WEFT_NOMEM;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    p->pid = -1;
    p->pidfd = -1;
    p->returncode = WEFT_SUBPROCESS_RUNNING;
    p->fd[0] = p->fd[1] = p->fd[2] = -1;

    weft_status st = WEFT_OK;
    int child[3] = { -1, -1, -1 }; /* descriptors the parent closes after the spawn */
    int devnull = -1;
    char **envp_alloc = NULL, **env_owned = NULL, **paths = NULL, **shell_argv = NULL;

    if ((p->args = weft__strv_dup(argv, &p->nargs)) == NULL) {
        st = WEFT_NOMEM;
        goto out;
    }

    weft__child_plan pl;
    memset(&pl, 0, sizeof pl);
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
    pl.max_fd = pl.close_fds ? max_fd_limit() : 0;

    /* Standard streams. */
    for (int i = 0; i < 3; i++) {
        int how = o->std[i];
        pl.std[i] = -1;
        if (how >= 0) {
            pl.std[i] = how;
        } else if (how == WEFT_SUBPROCESS_PIPE) {
            int fds[2];
            if (pipe2(fds, O_CLOEXEC) != 0) {
                st = weft__fail_os(errno, "%s: cannot create a pipe", fn);
                goto out;
            }
            p->fd[i] = i == 0 ? fds[1] : fds[0];
            child[i] = i == 0 ? fds[0] : fds[1];
            pl.std[i] = child[i];
#ifdef F_SETPIPE_SZ
            if (o->pipesize > 0 && fcntl(fds[0], F_SETPIPE_SZ, o->pipesize) < 0) {
                st = weft__fail_os(errno, "%s: cannot set the pipe size to %d", fn, o->pipesize);
                goto out;
            }
#endif
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
        if ((envp_alloc = build_env(o, &env_owned)) == NULL) {
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
    if ((paths = exec_paths(prog, envp)) == NULL) {
        st = WEFT_NOMEM;
        goto out;
    }
    pl.argv = exec_argv;
    pl.envp = envp;
    pl.paths = (const char *const *)paths;
    pl.display = prog;

    bool use_fork = !o->use_vfork || o->preexec.fn != NULL;
    pid_t pid;
    st = weft__spawn(&pl, use_fork, &pid);
    if (st != WEFT_OK)
        goto out;
    p->pid = pid;
    p->pidfd = weft__pidfd_open(pid);
    p->kill_group = o->kill_group;

out:
    for (int i = 0; i < 3; i++)
        if (child[i] >= 0)
            close(child[i]);
    if (devnull >= 0)
        close(devnull);
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
    weft_popen_opts *defaults = NULL;
    if (opts != NULL) {
        weft_status st = weft__check(opts, &weft__popen_opts_type, "weft_popen_new");
        if (st != WEFT_OK)
            return st;
    } else {
        weft_status st = weft_popen_opts_new(&defaults);
        if (st != WEFT_OK)
            return st;
        opts = defaults;
    }
    weft_status st = weft__popen_start(out, argv, opts);
    weft_popen_opts_free(defaults);
    return st;
}

weft_status weft_popen_free(weft_popen *p)
{
    return weft__free_handle(p, &weft__popen_type, "weft_popen_free");
}

/* ---- accessors ------------------------------------------------------------ */

weft_status weft_popen_args(const weft_popen *p, const char *const **argv, size_t *argc)
{
    CHECK(p, "weft_popen_args");
    if (argv == NULL)
        return weft__fail(WEFT_EINVAL, "weft_popen_args: argv is NULL");
    *argv = (const char *const *)p->args;
    if (argc != NULL)
        *argc = p->nargs;
    return WEFT_OK;
}

weft_status weft_popen_pid(const weft_popen *p, int *pid)
{
    CHECK(p, "weft_popen_pid");
    if (pid == NULL)
        return weft__fail(WEFT_EINVAL, "weft_popen_pid: pid is NULL");
    *pid = (int)p->pid;
    return WEFT_OK;
}

weft_status weft_popen_returncode(weft_popen *p, int *returncode)
{
    CHECK(p, "weft_popen_returncode");
    if (returncode == NULL)
        return weft__fail(WEFT_EINVAL, "weft_popen_returncode: returncode is NULL");
    pthread_mutex_lock(&p->lock);
    *returncode = p->returncode;
    pthread_mutex_unlock(&p->lock);
    return WEFT_OK;
}

static weft_status get_fd(const weft_popen *p, int i, int *fd, const char *fn)
{
    CHECK(p, fn);
    if (fd == NULL)
        return weft__fail(WEFT_EINVAL, "%s: fd is NULL", fn);
    *fd = p->fd[i];
    return WEFT_OK;
}

weft_status weft_popen_stdin(const weft_popen *p, int *fd)
{
    return get_fd(p, 0, fd, "weft_popen_stdin");
}

weft_status weft_popen_stdout(const weft_popen *p, int *fd)
{
    return get_fd(p, 1, fd, "weft_popen_stdout");
}

weft_status weft_popen_stderr(const weft_popen *p, int *fd)
{
    return get_fd(p, 2, fd, "weft_popen_stderr");
}

static weft_status close_fd(weft_popen *p, int i, const char *fn)
{
    CHECK(p, fn);
    if (p->fd[i] >= 0) {
        close(p->fd[i]);
        p->fd[i] = -1;
    }
    return WEFT_OK;
}

weft_status weft_popen_close_stdin(weft_popen *p)
{
    return close_fd(p, 0, "weft_popen_close_stdin");
}

weft_status weft_popen_close_stdout(weft_popen *p)
{
    return close_fd(p, 1, "weft_popen_close_stdout");
}

weft_status weft_popen_close_stderr(weft_popen *p)
{
    return close_fd(p, 2, "weft_popen_close_stderr");
}
