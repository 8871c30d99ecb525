/* The Popen options object: Python's keyword arguments as setters. */
#include "subprocess/internal.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void weft__popen_opts_destroy(void *obj)
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

const weft__type weft__popen_opts_type = { "popen_opts", weft__popen_opts_destroy };

void weft__popen_opts_defaults(weft_popen_opts *o)
{
    for (int i = 0; i < 3; i++)
        o->std[i] = WEFT_SUBPROCESS_INHERIT;
    o->close_fds = true;
    o->process_group = -1;
    o->restore_signals = true;
    o->umask = -1;
    o->pipesize = -1;
    o->use_vfork = true;
}

weft_status weft_popen_opts_new(weft_popen_opts **out)
{
    WEFT__OUT(out);
    weft_popen_opts *o = weft__obj_new(&weft__popen_opts_type, sizeof *o);
    if (o == NULL)
        return WEFT_NOMEM;
    weft__popen_opts_defaults(o);
    *out = weft__handle(o);
    return WEFT_OK;
}

weft_status weft_popen_opts_free(weft_popen_opts *opts)
{
    WEFT__FREE(opts, weft__popen_opts_type);
}

static weft_status weft__set_string(char **slot, const char *s)
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
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (path != NULL && path[0] == '\0')
        return weft__fail(WEFT_EINVAL, "%s: path is empty", __func__);
    return weft__set_string(&opts->executable, path);
}

weft_status weft_popen_opts_set_shell(weft_popen_opts *opts, int on)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    opts->shell = on != 0;
    return WEFT_OK;
}

static weft_status weft__set_std(weft_popen_opts *opts, int which, int how, const char *fn)
{
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
    WEFT__OPEN(opts, weft__popen_opts_type);
    return weft__set_std(opts, 0, how, __func__);
}

weft_status weft_popen_opts_set_stdout(weft_popen_opts *opts, int how)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    return weft__set_std(opts, 1, how, __func__);
}

weft_status weft_popen_opts_set_stderr(weft_popen_opts *opts, int how)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    return weft__set_std(opts, 2, how, __func__);
}

weft_status weft_popen_opts_set_cwd(weft_popen_opts *opts, const char *dir)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    return weft__set_string(&opts->cwd, dir);
}

weft_status weft_popen_opts_set_env(weft_popen_opts *opts, const char *const *envp)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    char **copy = NULL;
    if (envp != NULL) {
        for (size_t i = 0; envp[i] != NULL; i++)
            if (strchr(envp[i], '=') == NULL || envp[i][0] == '=')
                return weft__fail(WEFT_EINVAL, "%s: entry %zu (\"%s\") is not NAME=value", __func__, i,
                                  envp[i]);
        if ((copy = weft__strv_dup(envp, NULL)) == NULL)
            return WEFT_NOMEM;
    }
    weft__strv_free(opts->env);
    opts->env = copy;
    return WEFT_OK;
}

static weft_status weft__edit_env(weft_popen_opts *opts, const char *name, const char *value, const char *fn)
{
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
    WEFT__OPEN(opts, weft__popen_opts_type);
    return weft__edit_env(opts, name, value, __func__);
}

weft_status weft_popen_opts_unset_env_var(weft_popen_opts *opts, const char *name)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    return weft__edit_env(opts, name, NULL, __func__);
}

weft_status weft_popen_opts_set_close_fds(weft_popen_opts *opts, int on)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    opts->close_fds = on != 0;
    return WEFT_OK;
}

static int weft__cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

weft_status weft_popen_opts_set_pass_fds(weft_popen_opts *opts, const int *fds, size_t n)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (n > 0 && fds == NULL)
        return weft__fail(WEFT_EINVAL, "%s: fds is NULL", __func__);
    int *copy = NULL;
    size_t kept = 0;
    if (n > 0) {
        if ((copy = malloc(n * sizeof *copy)) == NULL)
            return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        for (size_t i = 0; i < n; i++) {
            if (fds[i] < 0) {
                free(copy);
                return weft__fail(WEFT_EINVAL, "%s: fds[%zu] is %d", __func__, i, fds[i]);
            }
            copy[i] = fds[i];
        }
        qsort(copy, n, sizeof *copy, weft__cmp_int);
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
    WEFT__OPEN(opts, weft__popen_opts_type);
    opts->new_session = on != 0;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_process_group(weft_popen_opts *opts, int pgid)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (pgid < -1)
        return weft__fail(WEFT_EINVAL, "%s: pgid %d is negative", __func__, pgid);
    opts->process_group = pgid;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_restore_signals(weft_popen_opts *opts, int on)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    opts->restore_signals = on != 0;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_umask(weft_popen_opts *opts, int mask)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (mask < -1 || mask > 0777)
        return weft__fail(WEFT_EINVAL, "%s: mask %d is outside -1..0777", __func__, mask);
    opts->umask = mask;
    return WEFT_OK;
}

/* A decimal id, or -1 when `s` is not one. */
static long weft__parse_id(const char *s)
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

static weft_status weft__lookup_group(const char *name, gid_t *gid, const char *fn)
{
    long id = weft__parse_id(name);
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
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (user == NULL) {
        opts->has_uid = false;
        return WEFT_OK;
    }
    long id = weft__parse_id(user);
    if (id < 0) {
        struct passwd pw, *res = NULL;
        char buf[4096];
        int err = getpwnam_r(user, &pw, buf, sizeof buf, &res);
        if (res == NULL) {
            if (err != 0 && err != ENOENT && err != ESRCH)
                return weft__fail_os(err, "%s: looking up user '%s'", __func__, user);
            return weft__fail(WEFT_LOOKUP, "%s: no user named '%s'", __func__, user);
        }
        id = (long)pw.pw_uid;
    }
    opts->uid = (uid_t)id;
    opts->has_uid = true;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_group(weft_popen_opts *opts, const char *group)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (group == NULL) {
        opts->has_gid = false;
        return WEFT_OK;
    }
    gid_t gid;
    weft_status st = weft__lookup_group(group, &gid, __func__);
    if (st != WEFT_OK)
        return st;
    opts->gid = gid;
    opts->has_gid = true;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_extra_groups(weft_popen_opts *opts, const char *const *groups, size_t n)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (n > 0 && groups == NULL)
        return weft__fail(WEFT_EINVAL, "%s: groups is NULL", __func__);
    gid_t *ids = malloc((n > 0 ? n : 1) * sizeof *ids);
    if (ids == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    for (size_t i = 0; i < n; i++) {
        if (groups[i] == NULL) {
            free(ids);
            return weft__fail(WEFT_EINVAL, "%s: groups[%zu] is NULL", __func__, i);
        }
        weft_status st = weft__lookup_group(groups[i], &ids[i], __func__);
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
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (size < -1 || size == 0)
        return weft__fail(WEFT_EINVAL, "%s: size %d is neither -1 nor positive", __func__, size);
    if (size != -1 && !(weft__os_features & WEFT__OS_PIPESIZE))
        return weft__fail(WEFT_NOT_SUPPORTED, "%s: pipes cannot be resized here", __func__);
    opts->pipesize = size;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_preexec(weft_popen_opts *opts, weft_fn fn, void *arg, weft_free_fn free_arg)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
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
    WEFT__OPEN(opts, weft__popen_opts_type);
    opts->kill_group = on != 0;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_parent_death_signal(weft_popen_opts *opts, int sig)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (!(weft__os_features & WEFT__OS_PDEATHSIG))
        return weft__fail(WEFT_NOT_SUPPORTED, "%s: Linux only (PR_SET_PDEATHSIG)", __func__);
    if (sig < 0 || sig >= NSIG)
        return weft__fail(WEFT_EINVAL, "%s: %d is not a signal", __func__, sig);
    opts->pdeathsig = sig;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_use_vfork(weft_popen_opts *opts, int on)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    opts->use_vfork = on != 0;
    return WEFT_OK;
}
