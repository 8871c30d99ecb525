/* Windows names: constants with Windows' values, STARTUPINFO as data, and
 * the options only Windows honours failing with WEFT_NOT_SUPPORTED. */
#include "sp_util.h"

Test(windows, constant_values)
{
    cr_assert_eq(WEFT_STD_INPUT_HANDLE, -10);
    cr_assert_eq(WEFT_STD_OUTPUT_HANDLE, -11);
    cr_assert_eq(WEFT_STD_ERROR_HANDLE, -12);
    cr_assert_eq(WEFT_SW_HIDE, 0);
    cr_assert_eq(WEFT_STARTF_USESTDHANDLES, 0x100);
    cr_assert_eq(WEFT_STARTF_USESHOWWINDOW, 0x1);
    cr_assert_eq(WEFT_STARTF_FORCEONFEEDBACK, 0x40);
    cr_assert_eq(WEFT_STARTF_FORCEOFFFEEDBACK, 0x80);
    cr_assert_eq(WEFT_CREATE_NEW_CONSOLE, 0x10);
    cr_assert_eq(WEFT_CREATE_NEW_PROCESS_GROUP, 0x200);
    cr_assert_eq(WEFT_ABOVE_NORMAL_PRIORITY_CLASS, 0x8000);
    cr_assert_eq(WEFT_BELOW_NORMAL_PRIORITY_CLASS, 0x4000);
    cr_assert_eq(WEFT_HIGH_PRIORITY_CLASS, 0x80);
    cr_assert_eq(WEFT_IDLE_PRIORITY_CLASS, 0x40);
    cr_assert_eq(WEFT_NORMAL_PRIORITY_CLASS, 0x20);
    cr_assert_eq(WEFT_REALTIME_PRIORITY_CLASS, 0x100);
    cr_assert_eq(WEFT_CREATE_NO_WINDOW, 0x08000000);
    cr_assert_eq(WEFT_DETACHED_PROCESS, 0x8);
    cr_assert_eq(WEFT_CREATE_DEFAULT_ERROR_MODE, 0x04000000);
    cr_assert_eq(WEFT_CREATE_BREAKAWAY_FROM_JOB, 0x01000000);
    /* Python's values for the stream choices */
    cr_assert_eq(WEFT_SUBPROCESS_PIPE, -1);
    cr_assert_eq(WEFT_SUBPROCESS_STDOUT, -2);
    cr_assert_eq(WEFT_SUBPROCESS_DEVNULL, -3);
}

Test(windows, startupinfo_fields)
{
    weft_startupinfo *si;
    WEFT_ASSERT_OK(weft_startupinfo_new(&si));
    unsigned flags = 9;
    WEFT_ASSERT_OK(weft_startupinfo_flags(si, &flags));
    cr_assert_eq(flags, 0);
    WEFT_ASSERT_OK(weft_startupinfo_set_flags(si, WEFT_STARTF_USESTDHANDLES | WEFT_STARTF_USESHOWWINDOW));
    WEFT_ASSERT_OK(weft_startupinfo_flags(si, &flags));
    cr_assert_eq(flags, 0x101);

    intptr_t h;
    WEFT_ASSERT_OK(weft_startupinfo_set_std_handle(si, WEFT_STD_INPUT_HANDLE, 11));
    WEFT_ASSERT_OK(weft_startupinfo_set_std_handle(si, WEFT_STD_OUTPUT_HANDLE, 22));
    WEFT_ASSERT_OK(weft_startupinfo_set_std_handle(si, WEFT_STD_ERROR_HANDLE, 33));
    WEFT_ASSERT_OK(weft_startupinfo_std_handle(si, WEFT_STD_OUTPUT_HANDLE, &h));
    cr_assert_eq(h, 22);
    WEFT_ASSERT_OK(weft_startupinfo_std_handle(si, WEFT_STD_ERROR_HANDLE, &h));
    cr_assert_eq(h, 33);
    WEFT_ASSERT_STATUS(weft_startupinfo_set_std_handle(si, 5, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_startupinfo_std_handle(si, 5, &h), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_startupinfo_std_handle(si, WEFT_STD_INPUT_HANDLE, NULL), WEFT_EINVAL);

    int show = 5;
    WEFT_ASSERT_OK(weft_startupinfo_set_show_window(si, WEFT_SW_HIDE));
    WEFT_ASSERT_OK(weft_startupinfo_show_window(si, &show));
    cr_assert_eq(show, 0);

    intptr_t handles[] = { 4, 8, 12 };
    const intptr_t *got;
    size_t n;
    WEFT_ASSERT_OK(weft_startupinfo_handle_list(si, &got, &n));
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_startupinfo_set_handle_list(si, handles, 3));
    WEFT_ASSERT_OK(weft_startupinfo_handle_list(si, &got, &n));
    cr_assert_eq(n, 3);
    cr_assert_eq(got[2], 12);
    WEFT_ASSERT_STATUS(weft_startupinfo_set_handle_list(si, NULL, 2), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_startupinfo_set_handle_list(si, NULL, 0));

    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_STATUS(weft_popen_opts_set_startupinfo(o, si), WEFT_NOT_SUPPORTED);
    cr_assert(strstr(weft_errmsg(), "Windows") != NULL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_creationflags(o, WEFT_CREATE_NEW_CONSOLE), WEFT_NOT_SUPPORTED);
    cr_assert(strstr(weft_errmsg(), "Windows") != NULL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_startupinfo(NULL, si), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_creationflags(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_popen_opts_set_startupinfo(o, (weft_startupinfo *)o), WEFT_EINVAL);
    weft_popen_opts_free(o);

    WEFT_ASSERT_OK(weft_startupinfo_free(si));
    WEFT_ASSERT_STATUS(weft_startupinfo_free(si), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_startupinfo_free(NULL));
    WEFT_ASSERT_STATUS(weft_startupinfo_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_startupinfo_flags(NULL, &flags), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_startupinfo_set_flags(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_startupinfo_set_show_window(NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_startupinfo_show_window(NULL, &show), WEFT_EINVAL);
}
