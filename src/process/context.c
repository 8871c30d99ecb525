/* Contexts and start methods: Python's get_context, set_start_method and
 * get_start_method, the worker executable (set_executable), the forkserver's
 * preload list, cpu_count and freeze_support. */
#include "process/internal.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/kit.h"

/* The built-in default: what a C programmer expects of fork(), and the only
 * method that runs callables (see weft/process.h). */
#define WEFT__MP_BUILTIN_DEFAULT WEFT__MP_FORK

static const char *const weft__method_names[WEFT__MP_METHODS] = { "fork", "spawn", "forkserver" };
/* get_all_start_methods(): the default first. */
static const char *const weft__all_methods[WEFT__MP_METHODS] = { "fork", "spawn", "forkserver" };

const weft__type weft__mp_context_type = { "mp_context", NULL };

static struct weft_mp_context *weft__contexts[WEFT__MP_METHODS];
static pthread_once_t weft__contexts_once = PTHREAD_ONCE_INIT;

/* Guarded by the module lock. */
static int weft__actual = -1;         /* the fixed default method, -1 none yet */
static char *weft__executable;        /* set_executable, or NULL */
static char **weft__preload;          /* set_forkserver_preload, NULL-terminated */
static size_t weft__npreload;

static void weft__contexts_init(void)
{
    for (int m = 0; m < WEFT__MP_METHODS; m++) {
        struct weft_mp_context *c = weft__obj_new_immortal(&weft__mp_context_type, sizeof *c);
        if (c != NULL)
            c->method = (weft__mp_method)m;
        weft__contexts[m] = c;
    }
}

const char *weft__mp_method_name(weft__mp_method m)
{
    return weft__method_names[m];
}

struct weft_mp_context *weft__mp_context_of(weft__mp_method m)
{
    pthread_once(&weft__contexts_once, weft__contexts_init);
    return weft__contexts[m];
}

static int weft__method_parse(const char *name)
{
    for (int m = 0; m < WEFT__MP_METHODS; m++)
        if (strcmp(name, weft__method_names[m]) == 0)
            return m;
    return -1;
}

weft__mp_method weft__mp_default_method(void)
{
    weft__mp_lock();
    if (weft__actual < 0)
        weft__actual = WEFT__MP_BUILTIN_DEFAULT;
    weft__mp_method m = (weft__mp_method)weft__actual;
    weft__mp_unlock();
    return m;
}

void weft__mp_force_method(weft__mp_method m)
{
    weft__mp_lock();
    weft__actual = (int)m;
    weft__mp_unlock();
}

weft_status weft_multiprocessing_get_context(weft_mp_context **out, const char *method)
{
    WEFT__OUT_CLEAR(out);
    int m;
    if (method == NULL) {
        m = (int)weft__mp_default_method();
    } else if ((m = weft__method_parse(method)) < 0) {
        return weft__fail(WEFT_EINVAL, "%s: cannot find context for '%s'", __func__, method);
    }
    struct weft_mp_context *c = weft__mp_context_of((weft__mp_method)m);
    if (c == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    weft__ref_caller(c);
    *out = weft__handle(c);
    return WEFT_OK;
}

weft_status weft_mp_context_free(weft_mp_context *ctx)
{
    WEFT__FREE(ctx, weft__mp_context_type);
}

weft_status weft_mp_context_start_method(weft_mp_context *ctx, const char **method)
{
    WEFT__OPEN(ctx, weft__mp_context_type);
    WEFT__OUT(method);
    *method = weft__method_names[ctx->method];
    return WEFT_OK;
}

weft_status weft_multiprocessing_set_start_method(const char *method, int force)
{
    int m = -1;
    if (method != NULL && (m = weft__method_parse(method)) < 0)
        return weft__fail(WEFT_EINVAL, "%s: cannot find context for '%s'", __func__, method);
    weft__mp_lock();
    if (weft__actual >= 0 && !force) {
        weft__mp_unlock();
        return weft__fail(WEFT_RUNTIME, "%s: context has already been set", __func__);
    }
    if (method == NULL && !force) {
        weft__mp_unlock();
        return weft__fail(WEFT_EINVAL, "%s: method is NULL (only with force does it unset the default)",
                          __func__);
    }
    weft__actual = m;
    weft__mp_unlock();
    return WEFT_OK;
}

weft_status weft_multiprocessing_get_start_method(int allow_none, const char **method)
{
    WEFT__OUT(method);
    weft__mp_lock();
    if (weft__actual < 0 && !allow_none)
        weft__actual = WEFT__MP_BUILTIN_DEFAULT;
    *method = weft__actual < 0 ? NULL : weft__method_names[weft__actual];
    weft__mp_unlock();
    return WEFT_OK;
}

weft_status weft_multiprocessing_get_all_start_methods(const char *const **methods, size_t *n)
{
    WEFT__OUT(methods);
    WEFT__OUT(n);
    *methods = weft__all_methods;
    *n = WEFT__MP_METHODS;
    return WEFT_OK;
}

/* ---- the worker executable ------------------------------------------------- */

weft_status weft_multiprocessing_set_executable(const char *path)
{
    if (path != NULL && path[0] == '\0')
        return weft__fail(WEFT_EINVAL, "%s: path is empty", __func__);
    char *copy = NULL;
    if (path != NULL && (copy = weft__strdup(path)) == NULL)
        return WEFT_NOMEM;
    weft__mp_lock();
    free(weft__executable);
    weft__executable = copy;
    weft__mp_unlock();
    return WEFT_OK;
}

/* The directory of the object this library's code is in (the shared
 * library, or the program that linked it statically), malloc'd; NULL if
 * unknown. */
static char *weft__library_dir(void)
{
    Dl_info info;
    if (dladdr((void *)weft_multiprocessing_set_executable, &info) == 0 || info.dli_fname == NULL)
        return NULL;
    const char *slash = strrchr(info.dli_fname, '/');
    return slash != NULL ? strndup(info.dli_fname, (size_t)(slash - info.dli_fname)) : NULL;
}

/* The worker: set_executable's, else $WEFT_WORKER_EXECUTABLE, else the one
 * built beside the library in a build tree, else the installed one, found
 * relative to the library (an installed tree may have moved) or where it
 * was installed. */
char *weft__worker_path(const char *fn)
{
    weft__mp_lock();
    char *path = weft__executable != NULL ? strdup(weft__executable) : NULL;
    bool set = weft__executable != NULL;
    weft__mp_unlock();
    if (!set) {
        const char *env = getenv("WEFT_WORKER_EXECUTABLE");
        char *dir = weft__library_dir();
        if (env != NULL && env[0] != '\0') {
            path = strdup(env);
        } else if (dir != NULL && strcmp(dir, WEFT_BUILD_DIR) == 0) {
            path = strdup(WEFT_BUILD_DIR "/weft-worker");
        } else {
            if (dir != NULL && asprintf(&path, "%s/%s", dir, WEFT_WORKER_FROM_LIBDIR) < 0)
                path = NULL;
            if (path == NULL || access(path, X_OK) != 0) {
                free(path);
                path = strdup(access(WEFT_WORKER_INSTALLED, X_OK) == 0 ? WEFT_WORKER_INSTALLED
                                                                       : WEFT_BUILD_DIR "/weft-worker");
            }
        }
        free(dir);
    }
    if (path == NULL)
        weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    return path;
}

/* ---- the forkserver's preload list -------------------------------------------- */

weft_status weft_multiprocessing_set_forkserver_preload(const char *const *objects, size_t n)
{
    if (n > 0 && objects == NULL)
        return weft__fail(WEFT_EINVAL, "%s: objects is NULL", __func__);
    for (size_t i = 0; i < n; i++)
        if (objects[i] == NULL || objects[i][0] == '\0')
            return weft__fail(WEFT_EINVAL, "%s: entry %zu is NULL or empty", __func__, i);
    char **v = calloc(n + 1, sizeof *v);
    if (v == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    for (size_t i = 0; i < n; i++) {
        if ((v[i] = strdup(objects[i])) == NULL) {
            weft__strv_free(v);
            return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        }
    }
    weft__mp_lock();
    char **old = weft__preload;
    weft__preload = v;
    weft__npreload = n;
    weft__mp_unlock();
    weft__strv_free(old);
    return WEFT_OK;
}

char **weft__preload_copy(size_t *n, const char *fn)
{
    static const char *const none[] = { NULL };
    weft__mp_lock();
    char **v = weft__strv_dup(weft__preload != NULL ? (const char *const *)weft__preload : none, n);
    weft__mp_unlock();
    if (v == NULL)
        weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    return v;
}

/* ---- cpu_count, freeze_support ------------------------------------------------ */

weft_status weft_multiprocessing_cpu_count(int *count)
{
    WEFT__OUT(count);
    long n = weft__cpu_count_online();
    if (n <= 0)
        return weft__fail(WEFT_NOT_SUPPORTED, "%s: cannot determine number of cpus", __func__);
    *count = (int)n;
    return WEFT_OK;
}

void weft_multiprocessing_freeze_support(void)
{
}
