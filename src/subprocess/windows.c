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

static void weft__startupinfo_destroy(void *obj)
{
    free(((weft_startupinfo *)obj)->handles);
}

const weft__type weft__startupinfo_type = { "startupinfo", weft__startupinfo_destroy };

weft_status weft_startupinfo_new(weft_startupinfo **out)
{
    WEFT__OUT(out);
    weft_startupinfo *si = weft__obj_new(&weft__startupinfo_type, sizeof *si);
    if (si == NULL)
        return WEFT_NOMEM;
    *out = weft__handle(si);
    return WEFT_OK;
}

weft_status weft_startupinfo_free(weft_startupinfo *si)
{
    WEFT__FREE(si, weft__startupinfo_type);
}

weft_status weft_startupinfo_set_flags(weft_startupinfo *si, unsigned flags)
{
    WEFT__OPEN(si, weft__startupinfo_type);
    si->flags = flags;
    return WEFT_OK;
}

weft_status weft_startupinfo_flags(const weft_startupinfo *si, unsigned *flags)
{
    WEFT__OPEN(si, weft__startupinfo_type);
    WEFT__OUT(flags);
    *flags = si->flags;
    return WEFT_OK;
}

static int weft__std_slot(int which)
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
    WEFT__OPEN(si, weft__startupinfo_type);
    int i = weft__std_slot(which);
    if (i < 0)
        return weft__fail(WEFT_EINVAL, "%s: %d is not a WEFT_STD_*_HANDLE", __func__, which);
    si->std[i] = handle;
    return WEFT_OK;
}

weft_status weft_startupinfo_std_handle(const weft_startupinfo *si, int which, intptr_t *handle)
{
    WEFT__OPEN(si, weft__startupinfo_type);
    int i = weft__std_slot(which);
    if (i < 0 || handle == NULL)
        return weft__fail(WEFT_EINVAL, "%s: bad selector %d or NULL handle", __func__, which);
    *handle = si->std[i];
    return WEFT_OK;
}

weft_status weft_startupinfo_set_show_window(weft_startupinfo *si, int show)
{
    WEFT__OPEN(si, weft__startupinfo_type);
    si->show_window = show;
    return WEFT_OK;
}

weft_status weft_startupinfo_show_window(const weft_startupinfo *si, int *show)
{
    WEFT__OPEN(si, weft__startupinfo_type);
    WEFT__OUT(show);
    *show = si->show_window;
    return WEFT_OK;
}

weft_status weft_startupinfo_set_handle_list(weft_startupinfo *si, const intptr_t *handles, size_t n)
{
    WEFT__OPEN(si, weft__startupinfo_type);
    if (n > 0 && handles == NULL)
        return weft__fail(WEFT_EINVAL, "%s: handles is NULL", __func__);
    intptr_t *copy = NULL;
    if (n > 0) {
        if ((copy = malloc(n * sizeof *copy)) == NULL)
            return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        memcpy(copy, handles, n * sizeof *copy);
    }
    free(si->handles);
    si->handles = copy;
    si->nhandles = n;
    return WEFT_OK;
}

weft_status weft_startupinfo_handle_list(const weft_startupinfo *si, const intptr_t **handles, size_t *n)
{
    WEFT__OPEN(si, weft__startupinfo_type);
    WEFT__OUT(handles);
    WEFT__OUT(n);
    *handles = si->handles;
    *n = si->nhandles;
    return WEFT_OK;
}

weft_status weft_popen_opts_set_startupinfo(weft_popen_opts *opts, const weft_startupinfo *si)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    if (si != NULL)
        WEFT__OPEN(si, weft__startupinfo_type);
    return weft__fail(WEFT_NOT_SUPPORTED, "%s: STARTUPINFO is Windows-only", __func__);
}

weft_status weft_popen_opts_set_creationflags(weft_popen_opts *opts, unsigned flags)
{
    WEFT__OPEN(opts, weft__popen_opts_type);
    (void)flags;
    return weft__fail(WEFT_NOT_SUPPORTED, "%s: creation flags are Windows-only", __func__);
}
