/* The Popen options object: Python's keyword arguments as setters. */
#include "subprocess/internal.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void opts_destroy(void *obj)
{
    weft_popen_opts *o = obj;
    free(o->executable);
    free(o->cwd);
    weft__strv_free(o->env);
    for (size_t i = 0; i < o->nedits; i++) {
        free(o->edits[i].name);
        free(o->edits[i].value);
    }
    free(o->edits);
    free(o->pass_fds);
    free(o->groups);
    weft__callable_release(&o->preexec);
}

const weft__type weft__popen_opts_type = { "popen_opts", opts_destroy };

#define CHECK(o, fn)                                                     \
    do {                                                                 \
        weft_status st_ = weft__check((o), &weft__popen_opts_type, (fn)); \
        if (st_ != WEFT_OK)                                              \
            return st_;                                                  \
    } while (0)

char **weft__strv_dup(const char *const *v, size_t *n)
{
    size_t len = 0;
    while (v[len] != NULL)
        len++;
    char **copy = calloc(len + 1, sizeof *copy);
    if (copy == NULL)
        goto nomem;
    for (size_t i = 0; i < len; i++) {
        copy[i] = strdup(v[i]);
        if (copy[i] == NULL) {
            weft__strv_free(copy);
            goto nomem;
        }
    }
    if (n != NULL)
        *n = len;
    return copy;
nomem:
    weft__fail(WEFT_NOMEM, "out of memory copying an argument vector");
    return NULL;
}

void weft__strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **s = v; *s != NULL; s++)
        free(*s);
    free(v);
}

weft_status weft_popen_opts_new(weft_popen_opts **out)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_popen_opts_new: out is NULL");
    weft_popen_opts *o = weft__obj_new(&weft__popen_opts_type, sizeof *o);
    if (o == NULL)
        return WEFT_NOMEM;
    for (int i = 0; i < 3; i++)
        o->std[i] = WEFT_SUBPROCESS_INHERIT;
    o->close_fds = true;
    o->process_group = -1;
    o->restore_signals = true;
    o->umask = -1;
    o->pipesize = -1;
    o->use_vfork = true;
    *out = o;
    return WEFT_OK;
}

weft_status weft_popen_opts_free(weft_popen_opts *opts)
{
    return weft__free_handle(opts, &weft__popen_opts_type, "weft_popen_opts_free");
}

static weft_status set_string(char **slot, const char *s)
{
    char *copy = NULL;
    if (s != NULL && (copy = weft__strdup(s)) == NULL)
        return WEFT_NOMEM;
    free(*slot);
    *slot = copy;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_executable(weft_popen_opts *opts, const char *path)
{
    CHECK(opts, "weft_popen_opts_set_executable");
    if (path != NULL && path[0] == '\0')
        return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_executable: path is empty");
    return set_string(&opts->executable, path);
}

weft_status weft_popen_opts_set_shell(weft_popen_opts *opts, int on)
{
    CHECK(opts, "weft_popen_opts_set_shell");
    opts->shell = on != 0;
    return WEFT_OK;
}

static weft_status set_std(weft_popen_opts *opts, int which, int how, const char *fn)
{
    CHECK(opts, fn);
    bool ok = how >= 0 || how == WEFT_SUBPROCESS_PIPE || how == WEFT_SUBPROCESS_DEVNULL ||
              how == WEFT_SUBPROCESS_INHERIT || (which == 2 && how == WEFT_SUBPROCESS_STDOUT);
    if (!ok)
        return weft__fail(WEFT_EINVAL, "%s: %d is neither a descriptor nor a valid WEFT_SUBPROCESS_* choice", fn,
                          how);
    opts->std[which] = how;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_stdin(weft_popen_opts *opts, int how)
{
    return set_std(opts, 0, how, "weft_popen_opts_set_stdin");
}

weft_status weft_popen_opts_set_stdout(weft_popen_opts *opts, int how)
{
    return set_std(opts, 1, how, "weft_popen_opts_set_stdout");
}

weft_status weft_popen_opts_set_stderr(weft_popen_opts *opts, int how)
{
    return set_std(opts, 2, how, "weft_popen_opts_set_stderr");
}

weft_status weft_popen_opts_set_cwd(weft_popen_opts *opts, const char *dir)
{
    CHECK(opts, "weft_popen_opts_set_cwd");
    return set_string(&opts->cwd, dir);
}

weft_status weft_popen_opts_set_env(weft_popen_opts *opts, const char *const *envp)
{
    CHECK(opts, "weft_popen_opts_set_env");
    char **copy = NULL;
    if (envp != NULL) {
        for (size_t i = 0; envp[i] != NULL; i++)
            if (strchr(envp[i], '=') == NULL || envp[i][0] == '=')
                return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_env: entry %zu (\"%s\") is not NAME=value", i,
                                  envp[i]);
        if ((copy = weft__strv_dup(envp, NULL)) == NULL)
            return WEFT_NOMEM;
    }
    weft__strv_free(opts->env);
    opts->env = copy;
    return WEFT_OK;
}

static weft_status env_edit(weft_popen_opts *opts, const char *name, const char *value, const char *fn)
{
    CHECK(opts, fn);
    if (name == NULL || name[0] == '\0' || strchr(name, '=') != NULL)
        return weft__fail(WEFT_EINVAL, "%s: name is NULL, empty or contains '='", fn);
    char *v = NULL;
    if (value != NULL && (v = weft__strdup(value)) == NULL)
        return WEFT_NOMEM;
    for (size_t i = 0; i < opts->nedits; i++) {
        if (strcmp(opts->edits[i].name, name) == 0) {
            free(opts->edits[i].value);
            opts->edits[i].value = v;
            return WEFT_OK;
        }
    }
    char *n = weft__strdup(name);
    weft__env_edit *grown = n != NULL ? realloc(opts->edits, (opts->nedits + 1) * sizeof *grown) : NULL;
    if (grown == NULL) {
        free(n);
        free(v);
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    }
    opts->edits = grown;
    opts->edits[opts->nedits++] = (weft__env_edit){ n, v };
    return WEFT_OK;
}

weft_status weft_popen_opts_set_env_var(weft_popen_opts *opts, const char *name, const char *value)
{
    return env_edit(opts, name, value, "weft_popen_opts_set_env_var");
}

weft_status weft_popen_opts_unset_env_var(weft_popen_opts *opts, const char *name)
{
    return env_edit(opts, name, NULL, "weft_popen_opts_unset_env_var");
}

weft_status weft_popen_opts_set_close_fds(weft_popen_opts *opts, int on)
{
    CHECK(opts, "weft_popen_opts_set_close_fds");
    opts->close_fds = on != 0;
    return WEFT_OK;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

weft_status weft_popen_opts_set_pass_fds(weft_popen_opts *opts, const int *fds, size_t n)
{
    CHECK(opts, "weft_popen_opts_set_pass_fds");
    if (n > 0 && fds == NULL)
        return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_pass_fds: fds is NULL");
    int *copy = NULL;
    size_t kept = 0;
    if (n > 0) {
        if ((copy = malloc(n * sizeof *copy)) == NULL)
            return weft__fail(WEFT_NOMEM, "weft_popen_opts_set_pass_fds: out of memory");
        for (size_t i = 0; i < n; i++) {
            if (fds[i] < 0) {
                free(copy);
                return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_pass_fds: fds[%zu] is %d", i, fds[i]);
            }
            copy[i] = fds[i];
        }
        qsort(copy, n, sizeof *copy, cmp_int);
        for (size_t i = 0; i < n; i++)
            if (kept == 0 || copy[kept - 1] != copy[i])
                copy[kept++] = copy[i];
    }
    free(opts->pass_fds);
    opts->pass_fds = copy;
    opts->npass_fds = kept;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_start_new_session(weft_popen_opts *opts, int on)
{
    CHECK(opts, "weft_popen_opts_set_start_new_session");
    opts->new_session = on != 0;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_process_group(weft_popen_opts *opts, int pgid)
{
    CHECK(opts, "weft_popen_opts_set_process_group");
    if (pgid < -1)
        return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_process_group: pgid %d is negative", pgid);
    opts->process_group = pgid;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_restore_signals(weft_popen_opts *opts, int on)
{
    CHECK(opts, "weft_popen_opts_set_restore_signals");
    opts->restore_signals = on != 0;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_umask(weft_popen_opts *opts, int mask)
{
    CHECK(opts, "weft_popen_opts_set_umask");
    if (mask < -1 || mask > 0777)
        return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_umask: mask %d is outside -1..0777", mask);
    opts->umask = mask;
    return WEFT_OK;
}

/* A decimal id, or -1 when `s` is not one. */
static long parse_id(const char *s)
{
    if (s[0] < '0' || s[0] > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || errno != 0 || v >= (unsigned long)UINT_MAX)
        return -1;
    return (long)v;
}

static weft_status lookup_group(const char *name, gid_t *gid, const char *fn)
{
    long id = parse_id(name);
    if (id >= 0) {
        *gid = (gid_t)id;
        return WEFT_OK;
    }
    struct group gr, *res = NULL;
    char buf[4096];
    int err = getgrnam_r(name, &gr, buf, sizeof buf, &res);
    if (res == NULL) {
        if (err != 0 && err != ENOENT && err != ESRCH)
            return weft__fail_os(err, "%s: looking up group '%s'", fn, name);
        return weft__fail(WEFT_LOOKUP, "%s: no group named '%s'", fn, name);
    }
    *gid = gr.gr_gid;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_user(weft_popen_opts *opts, const char *user)
{
    CHECK(opts, "weft_popen_opts_set_user");
    if (user == NULL) {
        opts->has_uid = false;
        return WEFT_OK;
    }
    long id = parse_id(user);
    if (id < 0) {
        struct passwd pw, *res = NULL;
        char buf[4096];
        int err = getpwnam_r(user, &pw, buf, sizeof buf, &res);
        if (res == NULL) {
            if (err != 0 && err != ENOENT && err != ESRCH)
                return weft__fail_os(err, "weft_popen_opts_set_user: looking up user '%s'", user);
            return weft__fail(WEFT_LOOKUP, "weft_popen_opts_set_user: no user named '%s'", user);
        }
        id = (long)pw.pw_uid;
    }
    opts->uid = (uid_t)id;
    opts->has_uid = true;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_group(weft_popen_opts *opts, const char *group)
{
    CHECK(opts, "weft_popen_opts_set_group");
    if (group == NULL) {
        opts->has_gid = false;
        return WEFT_OK;
    }
    gid_t gid;
    weft_status st = lookup_group(group, &gid, "weft_popen_opts_set_group");
    if (st != WEFT_OK)
        return st;
    opts->gid = gid;
    opts->has_gid = true;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_extra_groups(weft_popen_opts *opts, const char *const *groups, size_t n)
{
    CHECK(opts, "weft_popen_opts_set_extra_groups");
    if (n > 0 && groups == NULL)
        return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_extra_groups: groups is NULL");
    gid_t *ids = malloc((n > 0 ? n : 1) * sizeof *ids);
    if (ids == NULL)
        return weft__fail(WEFT_NOMEM, "weft_popen_opts_set_extra_groups: out of memory");
    for (size_t i = 0; i < n; i++) {
        if (groups[i] == NULL) {
            free(ids);
            return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_extra_groups: groups[%zu] is NULL", i);
        }
        weft_status st = lookup_group(groups[i], &ids[i], "weft_popen_opts_set_extra_groups");
        if (st != WEFT_OK) {
            free(ids);
            return st;
        }
    }
    free(opts->groups);
    opts->groups = ids;
    opts->ngroups = n;
    opts->has_groups = true;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_pipesize(weft_popen_opts *opts, int size)
{
    CHECK(opts, "weft_popen_opts_set_pipesize");
    if (size < -1 || size == 0)
        return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_pipesize: size %d is neither -1 nor positive", size);
#ifndef F_SETPIPE_SZ
    if (size != -1)
        return weft__fail(WEFT_NOT_SUPPORTED, "weft_popen_opts_set_pipesize: pipes cannot be resized here");
#endif
    opts->pipesize = size;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_preexec(weft_popen_opts *opts, weft_fn fn, void *arg, weft_free_fn free_arg)
{
    CHECK(opts, "weft_popen_opts_set_preexec");
    weft__callable_release(&opts->preexec);
    if (fn == NULL) {
        if (free_arg != NULL)
            free_arg(arg);
        return WEFT_OK;
    }
    opts->preexec = (weft__callable){ fn, arg, free_arg };
    return WEFT_OK;
}

weft_status weft_popen_opts_set_kill_group(weft_popen_opts *opts, int on)
{
    CHECK(opts, "weft_popen_opts_set_kill_group");
    opts->kill_group = on != 0;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_parent_death_signal(weft_popen_opts *opts, int sig)
{
    CHECK(opts, "weft_popen_opts_set_parent_death_signal");
#ifdef __linux__
    if (sig < 0 || sig >= NSIG)
        return weft__fail(WEFT_EINVAL, "weft_popen_opts_set_parent_death_signal: %d is not a signal", sig);
    opts->pdeathsig = sig;
    return WEFT_OK;
#else
    return weft__fail(WEFT_NOT_SUPPORTED, "weft_popen_opts_set_parent_death_signal: Linux only (PR_SET_PDEATHSIG)");
#endif
}

weft_status weft_popen_opts_set_use_vfork(weft_popen_opts *opts, int on)
{
    CHECK(opts, "weft_popen_opts_set_use_vfork");
    opts->use_vfork = on != 0;
    return WEFT_OK;
}
