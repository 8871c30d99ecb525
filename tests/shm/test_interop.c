/* weft against CPython (Debian's /usr/bin/python3, run as tests/shm/peer.py):
 * CPython reads and changes a ShareableList weft made, weft reads and
 * changes one CPython made, and both see the same SharedMemory bytes. */
#include "shm_test.h"

static void need_python(void)
{
    if (access(PYTHON, X_OK) != 0)
        cr_skip_test("no %s", PYTHON);
}

/* Starts peer.py with `args`, its stdout (and with `in`, its stdin) a pipe. */
static weft_popen *peer(const char *const *args, bool in)
{
    const char *argv[8] = { PYTHON, SHM_PEER_PY };
    size_t i = 2;
    for (; args[i - 2] != NULL && i < 7; i++)
        argv[i] = args[i - 2];
    argv[i] = NULL;
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    if (in)
        WEFT_ASSERT_OK(weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_PIPE));
    weft_popen *p = NULL;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    WEFT_ASSERT_OK(weft_popen_opts_free(o));
    return p;
}


static void peer_go(weft_popen *p)
{
    int fd = -1;
    WEFT_ASSERT_OK(weft_popen_stdin(p, &fd));
    cr_assert_eq(write(fd, "go\n", 3), 3);
    WEFT_ASSERT_OK(weft_popen_close_stdin(p));
}

static void peer_done(weft_popen *p)
{
    int rc = -1;
    WEFT_ASSERT_OK(weft_popen_wait(p, 60, &rc));
    WEFT_ASSERT_OK(weft_popen_free(p));
    cr_assert_eq(rc, 0, "the peer failed (its stderr says why)");
}

static void check_str(weft_shareable_list *sl, int64_t i, const char *want)
{
    char *s;
    size_t len;
    WEFT_ASSERT_OK(weft_shareable_list_get_str(sl, i, &s, &len));
    cr_assert_eq(len, strlen(want), "item %d: %s", (int)i, s);
    cr_assert_str_eq(s, want, "item %d", (int)i);
    weft_free(s);
}

static void check_bytes(weft_shareable_list *sl, int64_t i, const void *want, size_t n)
{
    void *b;
    size_t len;
    WEFT_ASSERT_OK(weft_shareable_list_get_bytes(sl, i, &b, &len));
    cr_assert_eq(len, n, "item %d", (int)i);
    cr_assert_eq(memcmp(b, want, n), 0, "item %d", (int)i);
    weft_free(b);
}

static void check_int(weft_shareable_list *sl, int64_t i, int64_t want)
{
    int64_t v;
    WEFT_ASSERT_OK(weft_shareable_list_get_int(sl, i, &v));
    cr_assert_eq(v, want, "item %d", (int)i);
}

#define HELLO "h\xc3\xa9llo w\xc3\xb6rld"                               /* "héllo wörld", 13 bytes */
#define E7 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" /* "ééééééé", 14 bytes */

/* WEFT_LIST: [42, 2.5, True, None, "héllo wörld", b"ab\0cd", -7, "ééééééé", b"tail\0\0"] */
Test(interop, cpython_reads_and_changes_a_weft_list)
{
    need_python();
    int types[] = { WEFT_SHAREABLE_INT, WEFT_SHAREABLE_FLOAT, WEFT_SHAREABLE_BOOL,
                    WEFT_SHAREABLE_NONE, WEFT_SHAREABLE_STR, WEFT_SHAREABLE_BYTES,
                    WEFT_SHAREABLE_INT, WEFT_SHAREABLE_STR, WEFT_SHAREABLE_BYTES };
    size_t sizes[] = { 0, 0, 0, 0, 13, 5, 0, 14, 6 };
    weft_shareable_list *sl;
    WEFT_ASSERT_OK(weft_shareable_list_new(&sl, NULL, types, sizes, 9));
    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, 0, 42));
    WEFT_ASSERT_OK(weft_shareable_list_set_float(sl, 1, 2.5));
    WEFT_ASSERT_OK(weft_shareable_list_set_bool(sl, 2, 1));
    WEFT_ASSERT_OK(weft_shareable_list_set_none(sl, 3));
    WEFT_ASSERT_OK(weft_shareable_list_set_str(sl, 4, HELLO, 13));
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 5, "ab\0cd", 5));
    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, 6, -7));
    WEFT_ASSERT_OK(weft_shareable_list_set_str(sl, 7, E7, 14));
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 8, "tail\0\0", 6));
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shareable_list_shm(sl, &shm));
    const char *name;
    WEFT_ASSERT_OK(weft_shared_memory_name(shm, &name));

    const char *args[] = { "check-weft-list", name, NULL };
    peer_done(peer(args, false));

    /* CPython's changes, and the segment still there after it exited. */
    cr_assert(shm_exists(name));
    check_int(sl, 0, -123456789);
    check_str(sl, 1, "xyz");
    int t;
    WEFT_ASSERT_OK(weft_shareable_list_type(sl, 2, &t));
    cr_assert_eq(t, WEFT_SHAREABLE_NONE);
    double d;
    WEFT_ASSERT_OK(weft_shareable_list_get_float(sl, 3, &d));
    cr_assert_eq(d, 7.25);
    check_str(sl, 4, "na\xc3\xafve \xe2\x98\x83");
    check_bytes(sl, 5, "\x01\x02", 2);
    int b;
    WEFT_ASSERT_OK(weft_shareable_list_get_bool(sl, 6, &b));
    cr_assert_eq(b, 0);
    WEFT_ASSERT_OK(weft_shareable_list_get_float(sl, 7, &d));
    cr_assert_eq(d, 1.5);
    /* Untouched by CPython: weft still reads its trailing NULs. */
    check_bytes(sl, 8, "tail\0\0", 6);
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
    WEFT_ASSERT_OK(weft_shareable_list_free(sl));
}

/* CPYTHON_LIST: [7, 1.5, False, None, "ünïcode", b"raw\0", "ééééééé", -1] */
Test(interop, weft_reads_and_changes_a_cpython_list)
{
    need_python();
    const char *args[] = { "make-list", NULL };
    weft_popen *p = peer(args, true);
    char name[256];
    weft_test_peer_line(p, name, sizeof name);
    weft_shareable_list *sl;
    WEFT_ASSERT_OK(weft_shareable_list_attach(&sl, name));
    size_t n;
    WEFT_ASSERT_OK(weft_shareable_list_len(sl, &n));
    cr_assert_eq(n, 8);
    char *format;
    WEFT_ASSERT_OK(weft_shareable_list_format(sl, &format));
    cr_assert_str_eq(format, "qdxxxxxxx?xxxxxx?x8s8s8sq");
    weft_free(format);
    check_int(sl, 0, 7);
    double d;
    WEFT_ASSERT_OK(weft_shareable_list_get_float(sl, 1, &d));
    cr_assert_eq(d, 1.5);
    int b = 1;
    WEFT_ASSERT_OK(weft_shareable_list_get_bool(sl, 2, &b));
    cr_assert_eq(b, 0);
    int t;
    WEFT_ASSERT_OK(weft_shareable_list_type(sl, 3, &t));
    cr_assert_eq(t, WEFT_SHAREABLE_NONE);
    /* What CPython stored: its slots count characters, so the text was cut
     * to 8 bytes (gh-88336), and the trailing NUL of b"raw\0" is lost. */
    check_str(sl, 4, "\xc3\xbcn\xc3\xaf" "cod");
    check_bytes(sl, 5, "raw", 3);
    check_str(sl, 6, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    check_int(sl, 7, -1);
    int64_t minus1 = -1;
    size_t pos;
    WEFT_ASSERT_OK(weft_shareable_list_index(sl, WEFT_SHAREABLE_INT, &minus1, 0, &pos));
    cr_assert_eq(pos, 7);

    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, 0, 8));
    WEFT_ASSERT_OK(weft_shareable_list_set_str(sl, 1, "weft", 4));
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 3, "bytes!", 6));
    WEFT_ASSERT_OK(weft_shareable_list_set_bool(sl, 7, 1));
    WEFT_ASSERT_STATUS(weft_shareable_list_set_str(sl, 4, "123456789", 9), WEFT_EINVAL);
    peer_go(p);
    peer_done(p);
    WEFT_ASSERT_OK(weft_shareable_list_free(sl));
    cr_assert(!shm_exists(name), "CPython unlinks what it made");
}

Test(interop, cpython_sees_weft_bytes)
{
    need_python();
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shared_memory_new(&shm, NULL, 1, 4096, 1));
    const char *name;
    WEFT_ASSERT_OK(weft_shared_memory_name(shm, &name));
    char *buf;
    WEFT_ASSERT_OK(weft_shared_memory_buf(shm, (void **)&buf));
    memcpy(buf, "weft wrote this!", 16);
    const char *args[] = { "shm", name, NULL };
    peer_done(peer(args, false));
    cr_assert_eq(memcmp(buf + 16, "python wrote this", 17), 0);
    cr_assert(shm_exists(name), "CPython's tracker unlinked a segment it only attached to");
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
}

Test(interop, weft_sees_cpython_bytes)
{
    need_python();
    const char *args[] = { "make-shm", NULL };
    weft_popen *p = peer(args, true);
    char name[256];
    weft_test_peer_line(p, name, sizeof name);
    cr_assert_eq(strncmp(name, "psm_", 4), 0, "%s", name);
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shared_memory_new(&shm, name, 0, 0, 1));
    size_t size;
    WEFT_ASSERT_OK(weft_shared_memory_size(shm, &size));
    cr_assert_eq(size, 4096);
    char *buf;
    WEFT_ASSERT_OK(weft_shared_memory_buf(shm, (void **)&buf));
    cr_assert_eq(memcmp(buf, "from cpython", 12), 0);
    memcpy(buf + 100, "weft", 4);
    peer_go(p);
    peer_done(p);
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
}
