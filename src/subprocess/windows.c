/* Windows' STARTUPINFO as plain data, and the Popen options only Windows
 * can honour (they fail with WEFT_NOT_SUPPORTED elsewhere). */
#include "subprocess/internal.h"

#include <stdlib.h>
#include <string.h>

struct weft_startupinfo {
    weft__obj hdr;
    unsigned flags;
    intptr_t std[3];
    int show_window;
    intptr_t *handles;
    size_t nhandles;
};

static void si_destroy(void *obj)
{
    free(((weft_startupinfo *)obj)->handles);
}

const weft__type weft__startupinfo_type = { "startupinfo", si_destroy };

#define CHECK(h, fn)                                                       \
    do {                                                                   \
        weft_status st_ = weft__check((h), &weft__startupinfo_type, (fn)); \
        if (st_ != WEFT_OK)                                                \
            return st_;                                                    \
    } while (0)

weft_status weft_startupinfo_new(weft_startupinfo **out)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_startupinfo_new: out is NULL");
    weft_startupinfo *si = weft__obj_new(&weft__startupinfo_type, sizeof *si);
    if (si == NULL)
        return WEFT_NOMEM;
    *out = si;
    return WEFT_OK;
}

weft_status weft_startupinfo_free(weft_startupinfo *si)
{
    return weft__free_handle(si, &weft__startupinfo_type, "weft_startupinfo_free");
}

weft_status weft_startupinfo_set_flags(weft_startupinfo *si, unsigned flags)
{
    CHECK(si, "weft_startupinfo_set_flags");
    si->flags = flags;
    return WEFT_OK;
}

weft_status weft_startupinfo_flags(const weft_startupinfo *si, unsigned *flags)
{
    CHECK(si, "weft_startupinfo_flags");
    if (flags == NULL)
        return weft__fail(WEFT_EINVAL, "weft_startupinfo_flags: flags is NULL");
    *flags = si->flags;
    return WEFT_OK;
}

static int std_slot(int which)
{
    switch (which) {
    case WEFT_STD_INPUT_HANDLE: return 0;
    case WEFT_STD_OUTPUT_HANDLE: return 1;
    case WEFT_STD_ERROR_HANDLE: return 2;
    default: return -1;
    }
}

weft_status weft_startupinfo_set_std_handle(weft_startupinfo *si, int which, intptr_t handle)
{
    CHECK(si, "weft_startupinfo_set_std_handle");
    int i = std_slot(which);
    if (i < 0)
        return weft__fail(WEFT_EINVAL, "weft_startupinfo_set_std_handle: %d is not a WEFT_STD_*_HANDLE", which);
    si->std[i] = handle;
    return WEFT_OK;
}

weft_status weft_startupinfo_std_handle(const weft_startupinfo *si, int which, intptr_t *handle)
{
    CHECK(si, "weft_startupinfo_std_handle");
    int i = std_slot(which);
    if (i < 0 || handle == NULL)
        return weft__fail(WEFT_EINVAL, "weft_startupinfo_std_handle: bad selector %d or NULL handle", which);
    *handle = si->std[i];
    return WEFT_OK;
}

weft_status weft_startupinfo_set_show_window(weft_startupinfo *si, int show)
{
    CHECK(si, "weft_startupinfo_set_show_window");
    si->show_window = show;
    return WEFT_OK;
}

weft_status weft_startupinfo_show_window(const weft_startupinfo *si, int *show)
{
    CHECK(si, "weft_startupinfo_show_window");
    if (show == NULL)
        return weft__fail(WEFT_EINVAL, "weft_startupinfo_show_window: show is NULL");
    *show = si->show_window;
    return WEFT_OK;
}

weft_status weft_startupinfo_set_handle_list(weft_startupinfo *si, const intptr_t *handles, size_t n)
{
    CHECK(si, "weft_startupinfo_set_handle_list");
    if (n > 0 && handles == NULL)
        return weft__fail(WEFT_EINVAL, "weft_startupinfo_set_handle_list: handles is NULL");
    intptr_t *copy = NULL;
    if (n > 0) {
        if ((copy = malloc(n * sizeof *copy)) == NULL)
            return weft__fail(WEFT_NOMEM, "weft_startupinfo_set_handle_list: out of memory");
        memcpy(copy, handles, n * sizeof *copy);
    }
    free(si->handles);
    si->handles = copy;
    si->nhandles = n;
    return WEFT_OK;
}

weft_status weft_startupinfo_handle_list(const weft_startupinfo *si, const intptr_t **handles, size_t *n)
{
    CHECK(si, "weft_startupinfo_handle_list");
    if (handles == NULL || n == NULL)
        return weft__fail(WEFT_EINVAL, "weft_startupinfo_handle_list: handles or n is NULL");
    *handles = si->handles;
    *n = si->nhandles;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_startupinfo(weft_popen_opts *opts, const weft_startupinfo *si)
{
    weft_status st = weft__check(opts, &weft__popen_opts_type, "weft_popen_opts_set_startupinfo");
    if (st != WEFT_OK)
        return st;
    if (si != NULL && (st = weft__check(si, &weft__startupinfo_type, "weft_popen_opts_set_startupinfo")) != WEFT_OK)
        return st;
    return weft__fail(WEFT_NOT_SUPPORTED, "weft_popen_opts_set_startupinfo: STARTUPINFO is Windows-only");
}

weft_status weft_popen_opts_set_creationflags(weft_popen_opts *opts, unsigned flags)
{
    weft_status st = weft__check(opts, &weft__popen_opts_type, "weft_popen_opts_set_creationflags");
    if (st != WEFT_OK)
        return st;
    (void)flags;
    return weft__fail(WEFT_NOT_SUPPORTED, "weft_popen_opts_set_creationflags: creation flags are Windows-only");
}
