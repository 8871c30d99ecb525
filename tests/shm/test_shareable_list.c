/* ShareableList: CPython's layout byte for byte, get and set with CPython's
 * rules, count and index with Python's equality, what weft keeps that
 * CPython loses, damaged lists, closed segments, bad handles, and several
 * processes writing one list. */
#include "shm_test.h"

#include <math.h>
#include <stdint.h>

static const int EX_TYPES[] = { WEFT_SHAREABLE_INT,  WEFT_SHAREABLE_FLOAT, WEFT_SHAREABLE_BOOL, WEFT_SHAREABLE_NONE,
                                WEFT_SHAREABLE_STR,  WEFT_SHAREABLE_BYTES, WEFT_SHAREABLE_INT };
static const size_t EX_SIZES[] = { 0, 0, 0, 0, 6, 3, 0 };

/* CPython's [1, 2.5, True, None, "héllo", b"ab", -7]. */
static weft_shareable_list *example(void)
{
    weft_shareable_list *sl;
    WEFT_ASSERT_OK(weft_shareable_list_new(&sl, NULL, EX_TYPES, EX_SIZES, 7));
    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, 0, 1));
    WEFT_ASSERT_OK(weft_shareable_list_set_float(sl, 1, 2.5));
    WEFT_ASSERT_OK(weft_shareable_list_set_bool(sl, 2, 1));
    WEFT_ASSERT_OK(weft_shareable_list_set_none(sl, 3));
    WEFT_ASSERT_OK(weft_shareable_list_set_str(sl, 4, "h\xc3\xa9llo", 6));
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 5, "ab", 2));
    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, -1, -7));
    return sl;
}

static void drop(weft_shareable_list *sl)
{
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shareable_list_shm(sl, &shm));
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
    WEFT_ASSERT_OK(weft_shareable_list_free(sl));
}

static int64_t at(const unsigned char *p, size_t off)
{
    int64_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}

Test(shareable_list, layout_is_cpythons)
{
    weft_shareable_list *sl = example();
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shareable_list_shm(sl, &shm));
    size_t size;
    WEFT_ASSERT_OK(weft_shared_memory_size(shm, &size));
    cr_assert_eq(size, 191); /* what CPython requests for this list */
    unsigned char *p;
    WEFT_ASSERT_OK(weft_shared_memory_buf(shm, (void **)&p));
    cr_assert_eq(at(p, 0), 7);
    for (int i = 0; i <= 7; i++)
        cr_assert_eq(at(p, 8 + 8 * (size_t)i), 8 * i, "offset %d", i);
    size_t data = 8 * 9, f = data + 56;
    cr_assert_eq(at(p, data), 1);
    double d;
    memcpy(&d, p + data + 8, 8);
    cr_assert_eq(d, 2.5);
    cr_assert_eq(p[data + 16 + 7], 1);
    cr_assert_eq(memcmp(p + data + 32, "h\xc3\xa9llo\0\0", 8), 0);
    static const char fmts[] = "q\0\0\0\0\0\0\0d\0\0\0\0\0\0\0xxxxxxx?xxxxxx?x8s\0\0\0\0\0\0008s\0\0\0\0\0\0q\0\0\0\0\0\0\0";
    cr_assert_eq(memcmp(p + f, fmts, 56), 0);
    static const signed char codes[] = { 0, 0, 0, 3, 1, 2, 0 };
    cr_assert_eq(memcmp(p + f + 56, codes, 7), 0);
    char *format;
    WEFT_ASSERT_OK(weft_shareable_list_format(sl, &format));
    cr_assert_str_eq(format, "qdxxxxxxx?xxxxxx?x8s8sq");
    weft_free(format);
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
    drop(sl);
}

Test(shareable_list, get_what_was_set)
{
    weft_shareable_list *sl = example();
    size_t n;
    WEFT_ASSERT_OK(weft_shareable_list_len(sl, &n));
    cr_assert_eq(n, 7);
    static const int want[] = { WEFT_SHAREABLE_INT,  WEFT_SHAREABLE_FLOAT, WEFT_SHAREABLE_BOOL, WEFT_SHAREABLE_NONE,
                                WEFT_SHAREABLE_STR,  WEFT_SHAREABLE_BYTES, WEFT_SHAREABLE_INT };
    for (int i = 0; i < 7; i++) {
        int t;
        WEFT_ASSERT_OK(weft_shareable_list_type(sl, i, &t));
        cr_assert_eq(t, want[i], "item %d", i);
    }
    int64_t iv;
    double dv;
    int bv;
    WEFT_ASSERT_OK(weft_shareable_list_get_int(sl, 0, &iv));
    cr_assert_eq(iv, 1);
    WEFT_ASSERT_OK(weft_shareable_list_get_float(sl, 1, &dv));
    cr_assert_eq(dv, 2.5);
    WEFT_ASSERT_OK(weft_shareable_list_get_bool(sl, 2, &bv));
    cr_assert_eq(bv, 1);
    char *s;
    size_t len;
    WEFT_ASSERT_OK(weft_shareable_list_get_str(sl, 4, &s, &len));
    cr_assert_eq(len, 6);
    cr_assert_str_eq(s, "h\xc3\xa9llo");
    weft_free(s);
    WEFT_ASSERT_OK(weft_shareable_list_get_str(sl, 4, &s, NULL));
    weft_free(s);
    void *b;
    WEFT_ASSERT_OK(weft_shareable_list_get_bytes(sl, 5, &b, &len));
    cr_assert_eq(len, 2);
    cr_assert_eq(memcmp(b, "ab", 3), 0);
    weft_free(b);
    /* Negative indices count from the end. */
    WEFT_ASSERT_OK(weft_shareable_list_get_int(sl, -1, &iv));
    cr_assert_eq(iv, -7);
    WEFT_ASSERT_OK(weft_shareable_list_get_int(sl, -7, &iv));
    cr_assert_eq(iv, 1);
    /* Extremes survive. */
    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, 0, INT64_MIN));
    WEFT_ASSERT_OK(weft_shareable_list_get_int(sl, 0, &iv));
    cr_assert_eq(iv, INT64_MIN);
    WEFT_ASSERT_OK(weft_shareable_list_set_float(sl, 1, -INFINITY));
    WEFT_ASSERT_OK(weft_shareable_list_get_float(sl, 1, &dv));
    cr_assert(isinf(dv) && dv < 0);
    drop(sl);
}

Test(shareable_list, assignment_never_resizes)
{
    weft_shareable_list *sl = example();
    /* Any non-string value goes in any slot and rewrites its format. */
    WEFT_ASSERT_OK(weft_shareable_list_set_float(sl, 4, 0.25));
    WEFT_ASSERT_OK(weft_shareable_list_set_none(sl, 0));
    WEFT_ASSERT_OK(weft_shareable_list_set_bool(sl, 5, 0));
    char *format;
    WEFT_ASSERT_OK(weft_shareable_list_format(sl, &format));
    cr_assert_str_eq(format, "xxxxxx?xdxxxxxxx?xxxxxx?xdxxxxxxx?q");
    weft_free(format);
    int t;
    WEFT_ASSERT_OK(weft_shareable_list_type(sl, 0, &t));
    cr_assert_eq(t, WEFT_SHAREABLE_NONE);
    /* A string goes back into the 8-byte slot, up to 8 bytes. */
    WEFT_ASSERT_OK(weft_shareable_list_set_str(sl, 4, "12345678", 8));
    WEFT_ASSERT_STATUS(weft_shareable_list_set_str(sl, 4, "123456789", 9), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "bytes/str item exceeds available storage") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_shareable_list_set_bytes(sl, 0, "123456789", 9), WEFT_EINVAL);
    char *s;
    size_t len;
    WEFT_ASSERT_OK(weft_shareable_list_get_str(sl, 4, &s, &len));
    cr_assert_eq(len, 8);
    cr_assert_str_eq(s, "12345678");
    weft_free(s);
    /* Empty values, and a NULL pointer with no bytes. */
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 5, NULL, 0));
    void *b;
    WEFT_ASSERT_OK(weft_shareable_list_get_bytes(sl, 5, &b, &len));
    cr_assert_eq(len, 0);
    weft_free(b);
    WEFT_ASSERT_STATUS(weft_shareable_list_set_str(sl, 5, NULL, 1), WEFT_EINVAL);
    drop(sl);
}

Test(shareable_list, keeps_what_cpython_loses)
{
    /* Non-ASCII text is sized by bytes: seven é are 14 bytes, a 16-byte slot
     * (CPython gives 8 and keeps only four of them). */
    static const char E7[] = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
    int types[] = { WEFT_SHAREABLE_STR, WEFT_SHAREABLE_BYTES, WEFT_SHAREABLE_BYTES };
    size_t sizes[] = { 14, 6, 7 };
    weft_shareable_list *sl;
    WEFT_ASSERT_OK(weft_shareable_list_new(&sl, NULL, types, sizes, 3));
    WEFT_ASSERT_OK(weft_shareable_list_set_str(sl, 0, E7, 14));
    /* Trailing NULs come back whole when weft reads what it wrote. */
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 1, "tail\0\0", 6));
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 2, "no nul!", 7));
    char *format;
    WEFT_ASSERT_OK(weft_shareable_list_format(sl, &format));
    cr_assert_str_eq(format, "16s6s2x8s");
    weft_free(format);
    char *s;
    size_t len;
    WEFT_ASSERT_OK(weft_shareable_list_get_str(sl, 0, &s, &len));
    cr_assert_eq(len, 14);
    cr_assert_eq(memcmp(s, E7, 14), 0);
    weft_free(s);
    void *b;
    WEFT_ASSERT_OK(weft_shareable_list_get_bytes(sl, 1, &b, &len));
    cr_assert_eq(len, 6);
    cr_assert_eq(memcmp(b, "tail\0\0", 6), 0);
    weft_free(b);
    /* A NUL-ended value filling its slot exactly: "<n>s0x". */
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 2, "1234567\0", 8));
    WEFT_ASSERT_OK(weft_shareable_list_get_bytes(sl, 2, &b, &len));
    cr_assert_eq(len, 8);
    weft_free(b);
    drop(sl);
}

Test(shareable_list, count_and_index_use_python_equality)
{
    int types[] = { WEFT_SHAREABLE_INT,  WEFT_SHAREABLE_FLOAT, WEFT_SHAREABLE_BOOL, WEFT_SHAREABLE_INT,
                    WEFT_SHAREABLE_STR,  WEFT_SHAREABLE_BYTES, WEFT_SHAREABLE_NONE, WEFT_SHAREABLE_INT };
    size_t sizes[] = { 0, 0, 0, 0, 1, 1, 0, 0 };
    weft_shareable_list *sl;
    WEFT_ASSERT_OK(weft_shareable_list_new(&sl, NULL, types, sizes, 8));
    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, 0, 1));
    WEFT_ASSERT_OK(weft_shareable_list_set_float(sl, 1, 1.0));
    WEFT_ASSERT_OK(weft_shareable_list_set_bool(sl, 2, 1));
    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, 3, 2));
    WEFT_ASSERT_OK(weft_shareable_list_set_str(sl, 4, "a", 1));
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 5, "a", 1));
    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, 7, INT64_MAX));
    size_t n;
    int64_t one = 1, big = INT64_MAX;
    double onef = 1.0, bigf = 9223372036854775807.0, nan = NAN;
    int yes = 1;
    WEFT_ASSERT_OK(weft_shareable_list_count(sl, WEFT_SHAREABLE_INT, &one, 0, &n));
    cr_assert_eq(n, 3);
    WEFT_ASSERT_OK(weft_shareable_list_count(sl, WEFT_SHAREABLE_FLOAT, &onef, 0, &n));
    cr_assert_eq(n, 3);
    WEFT_ASSERT_OK(weft_shareable_list_count(sl, WEFT_SHAREABLE_BOOL, &yes, 0, &n));
    cr_assert_eq(n, 3);
    WEFT_ASSERT_OK(weft_shareable_list_count(sl, WEFT_SHAREABLE_STR, "a", 1, &n));
    cr_assert_eq(n, 1);
    WEFT_ASSERT_OK(weft_shareable_list_count(sl, WEFT_SHAREABLE_NONE, NULL, 0, &n));
    cr_assert_eq(n, 1);
    WEFT_ASSERT_OK(weft_shareable_list_count(sl, WEFT_SHAREABLE_INT, &big, 0, &n));
    cr_assert_eq(n, 1);
    /* 2**63 - 1 is not the float 2**63, as in Python. */
    WEFT_ASSERT_OK(weft_shareable_list_count(sl, WEFT_SHAREABLE_FLOAT, &bigf, 0, &n));
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_shareable_list_count(sl, WEFT_SHAREABLE_FLOAT, &nan, 0, &n));
    cr_assert_eq(n, 0);
    size_t pos;
    WEFT_ASSERT_OK(weft_shareable_list_index(sl, WEFT_SHAREABLE_BYTES, "a", 1, &pos));
    cr_assert_eq(pos, 5);
    WEFT_ASSERT_OK(weft_shareable_list_index(sl, WEFT_SHAREABLE_FLOAT, &onef, 0, &pos));
    cr_assert_eq(pos, 0);
    WEFT_ASSERT_STATUS(weft_shareable_list_index(sl, WEFT_SHAREABLE_STR, "b", 1, &pos), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not in this container") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_shareable_list_count(sl, 99, &one, 0, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_count(sl, WEFT_SHAREABLE_INT, NULL, 0, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_count(sl, WEFT_SHAREABLE_INT, &one, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_index(sl, WEFT_SHAREABLE_INT, &one, 0, NULL), WEFT_EINVAL);
    drop(sl);
}

Test(shareable_list, index_out_of_range_and_wrong_type)
{
    weft_shareable_list *sl = example();
    int64_t iv;
    double dv;
    int bv, t;
    char *s;
    void *b;
    size_t len;
    for (int k = 0; k < 2; k++) {
        int64_t i = k == 0 ? 7 : -8;
        WEFT_ASSERT_STATUS(weft_shareable_list_type(sl, i, &t), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_int(sl, i, &iv), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_float(sl, i, &dv), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_bool(sl, i, &bv), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_str(sl, i, &s, &len), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_bytes(sl, i, &b, &len), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_int(sl, i, 1), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_float(sl, i, 1), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_bool(sl, i, 1), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_none(sl, i), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_str(sl, i, "x", 1), WEFT_LOOKUP);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_bytes(sl, i, "x", 1), WEFT_LOOKUP);
    }
    WEFT_ASSERT_STATUS(weft_shareable_list_get_int(sl, 1, &iv), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_float(sl, 0, &dv), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_bool(sl, 0, &bv), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_str(sl, 5, &s, &len), WEFT_EINVAL);
    cr_assert_null(s);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_bytes(sl, 4, &b, &len), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_int(sl, 3, &iv), WEFT_EINVAL);
    drop(sl);
}

Test(shareable_list, bad_creation_arguments)
{
    weft_shareable_list *sl;
    int types[] = { WEFT_SHAREABLE_STR };
    size_t sizes[] = { WEFT_SHAREABLE_MAX_ITEM + 1 };
    WEFT_ASSERT_STATUS(weft_shareable_list_new(NULL, NULL, types, sizes, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_new(&sl, NULL, NULL, sizes, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_new(&sl, NULL, types, NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_new(&sl, NULL, types, sizes, 1), WEFT_EINVAL);
    int unknown[] = { 6 };
    WEFT_ASSERT_STATUS(weft_shareable_list_new(&sl, NULL, unknown, NULL, 1), WEFT_EINVAL);
    int negative[] = { -1 };
    WEFT_ASSERT_STATUS(weft_shareable_list_new(&sl, NULL, negative, NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_new(&sl, NULL, types, sizes, SIZE_MAX / 4), WEFT_OVERFLOW);
    /* The largest item a slot format can name. */
    sizes[0] = WEFT_SHAREABLE_MAX_ITEM;
    WEFT_ASSERT_OK(weft_shareable_list_new(&sl, NULL, types, sizes, 1));
    char *format;
    WEFT_ASSERT_OK(weft_shareable_list_format(sl, &format));
    cr_assert_str_eq(format, "9999992s");
    weft_free(format);
    drop(sl);
    /* An empty list, and a name taken. */
    char name[64];
    shm_name(name, sizeof name, "empty");
    WEFT_ASSERT_OK(weft_shareable_list_new(&sl, name, NULL, NULL, 0));
    weft_shareable_list *again;
    WEFT_ASSERT_STATUS(weft_shareable_list_new(&again, name, NULL, NULL, 0), WEFT_OS);
    cr_assert_eq(weft_errno(), EEXIST);
    size_t n = 1;
    WEFT_ASSERT_OK(weft_shareable_list_len(sl, &n));
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_shareable_list_format(sl, &format));
    cr_assert_str_eq(format, "");
    weft_free(format);
    drop(sl);
}

Test(shareable_list, attach_by_name)
{
    weft_shareable_list *sl = example();
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shareable_list_shm(sl, &shm));
    const char *name;
    WEFT_ASSERT_OK(weft_shared_memory_name(shm, &name));
    weft_shareable_list *other;
    WEFT_ASSERT_OK(weft_shareable_list_attach(&other, name));
    size_t n;
    WEFT_ASSERT_OK(weft_shareable_list_len(other, &n));
    cr_assert_eq(n, 7);
    WEFT_ASSERT_OK(weft_shareable_list_set_int(other, 6, 99));
    int64_t iv;
    WEFT_ASSERT_OK(weft_shareable_list_get_int(sl, 6, &iv));
    cr_assert_eq(iv, 99);
    /* The list's segment lives while a handle to it does. */
    WEFT_ASSERT_OK(weft_shareable_list_free(other));
    WEFT_ASSERT_OK(weft_shareable_list_free(sl));
    void *p;
    WEFT_ASSERT_OK(weft_shared_memory_buf(shm, &p));
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
    char missing[64];
    shm_name(missing, sizeof missing, "nolist");
    WEFT_ASSERT_STATUS(weft_shareable_list_attach(&other, missing), WEFT_OS);
    cr_assert_eq(weft_errno(), ENOENT);
    WEFT_ASSERT_STATUS(weft_shareable_list_attach(&other, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_attach(NULL, missing), WEFT_EINVAL);
}

/* A segment of `size` bytes whose first bytes are `head`. */
static weft_shared_memory *raw_segment(size_t size, const void *head, size_t n)
{
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shared_memory_new(&shm, NULL, 1, size, 1));
    void *p;
    WEFT_ASSERT_OK(weft_shared_memory_buf(shm, &p));
    memcpy(p, head, n);
    return shm;
}

static void refused(weft_shared_memory *shm)
{
    const char *name;
    WEFT_ASSERT_OK(weft_shared_memory_name(shm, &name));
    weft_shareable_list *sl;
    WEFT_ASSERT_STATUS(weft_shareable_list_attach(&sl, name), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
}

Test(shareable_list, damaged_lists_are_refused)
{
    int64_t huge[] = { INT64_MAX };
    refused(raw_segment(64, huge, sizeof huge));
    int64_t negative[] = { -1 };
    refused(raw_segment(64, negative, sizeof negative));
    refused(raw_segment(8, negative, 0)); /* too small for a header */
    /* One item whose offsets run past the segment. */
    int64_t past[] = { 1, 0, 4096 };
    refused(raw_segment(64, past, sizeof past));
    /* Offsets going backwards. */
    int64_t back[] = { 2, 0, 16, 8 };
    refused(raw_segment(128, back, sizeof back));
    /* No room for the formats and codes. */
    int64_t tight[] = { 1, 0, 8 };
    refused(raw_segment(32, tight, sizeof tight));
}

Test(shareable_list, damaged_items_are_not_read_past_their_slot)
{
    int types[] = { WEFT_SHAREABLE_BYTES, WEFT_SHAREABLE_INT };
    size_t sizes[] = { 3, 0 };
    weft_shareable_list *sl;
    WEFT_ASSERT_OK(weft_shareable_list_new(&sl, NULL, types, sizes, 2));
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shareable_list_shm(sl, &shm));
    unsigned char *p;
    WEFT_ASSERT_OK(weft_shared_memory_buf(shm, (void **)&p));
    size_t f = 8 * 4 + 16;
    void *b;
    size_t len;
    int t;
    /* A format naming more bytes than the slot has, one CPython never
     * writes, and a code that does not go with the format. */
    static const char *const bad[] = { "9s", "5s4x", "zz", "q\0", "4s4" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        memset(p + f, 0, 8);
        memcpy(p + f, bad[k], strlen(bad[k]));
        WEFT_ASSERT_STATUS(weft_shareable_list_get_bytes(sl, 0, &b, &len), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_type(sl, 0, &t), WEFT_EINVAL);
    }
    /* An unknown back-transform code. */
    memcpy(p + f + 8, "q\0\0\0\0\0\0\0", 8);
    p[f + 16 + 1] = 9;
    WEFT_ASSERT_STATUS(weft_shareable_list_type(sl, 1, &t), WEFT_EINVAL);
    int64_t one = 1;
    size_t n;
    WEFT_ASSERT_STATUS(weft_shareable_list_count(sl, WEFT_SHAREABLE_INT, &one, 0, &n), WEFT_EINVAL);
    /* Setting rewrites the format and code, which repairs the item. */
    WEFT_ASSERT_OK(weft_shareable_list_set_int(sl, 1, 5));
    WEFT_ASSERT_OK(weft_shareable_list_set_bytes(sl, 0, "abc", 3));
    WEFT_ASSERT_OK(weft_shareable_list_count(sl, WEFT_SHAREABLE_INT, &one, 0, &n));
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
    drop(sl);
}

Test(shareable_list, closed_segment)
{
    weft_shareable_list *sl = example();
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shareable_list_shm(sl, &shm));
    WEFT_ASSERT_OK(weft_shared_memory_close(shm));
    size_t n;
    int64_t iv;
    char *s;
    int t;
    WEFT_ASSERT_STATUS(weft_shareable_list_len(sl, &n), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_shareable_list_format(sl, &s), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_shareable_list_type(sl, 0, &t), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_int(sl, 0, &iv), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_shareable_list_set_int(sl, 0, 1), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_shareable_list_set_str(sl, 4, "x", 1), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_shareable_list_count(sl, WEFT_SHAREABLE_NONE, NULL, 0, &n), WEFT_CLOSED);
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
    WEFT_ASSERT_OK(weft_shareable_list_free(sl));
}

Test(shareable_list, bad_handles)
{
    weft_shareable_list *freed = example();
    drop(freed);
    weft_lock *lock;
    WEFT_ASSERT_OK(weft_lock_new(&lock));
    weft_shareable_list *bad[] = { NULL, freed, (weft_shareable_list *)lock };
    size_t n;
    int64_t iv;
    double dv;
    int bv;
    char *s;
    void *b;
    weft_shared_memory *shm;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        weft_shareable_list *h = bad[i];
        WEFT_ASSERT_STATUS(weft_shareable_list_len(h, &n), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_format(h, &s), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_shm(h, &shm), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_type(h, 0, &bv), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_int(h, 0, &iv), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_float(h, 0, &dv), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_bool(h, 0, &bv), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_str(h, 0, &s, &n), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_get_bytes(h, 0, &b, &n), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_int(h, 0, 1), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_float(h, 0, 1), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_bool(h, 0, 1), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_none(h, 0), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_str(h, 0, "x", 1), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_set_bytes(h, 0, "x", 1), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_count(h, WEFT_SHAREABLE_NONE, NULL, 0, &n), WEFT_EINVAL);
        WEFT_ASSERT_STATUS(weft_shareable_list_index(h, WEFT_SHAREABLE_NONE, NULL, 0, &n), WEFT_EINVAL);
        if (h != NULL)
            WEFT_ASSERT_STATUS(weft_shareable_list_free(h), WEFT_EINVAL);
    }
    WEFT_ASSERT_OK(weft_shareable_list_free(NULL));
    WEFT_ASSERT_OK(weft_lock_free(lock));
    /* NULL out-parameters. */
    weft_shareable_list *sl = example();
    WEFT_ASSERT_STATUS(weft_shareable_list_len(sl, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_format(sl, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_shm(sl, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_type(sl, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_int(sl, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_float(sl, 1, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_bool(sl, 2, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_str(sl, 4, NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_bytes(sl, 5, NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_shareable_list_get_bytes(sl, 5, &b, NULL), WEFT_EINVAL);
    drop(sl);
}

#define WRITERS 4
#define ROUNDS 200

Test(shareable_list, processes_write_one_list)
{
    int types[WRITERS * 2];
    size_t sizes[WRITERS * 2];
    for (int i = 0; i < WRITERS; i++) {
        types[2 * i] = WEFT_SHAREABLE_INT;
        types[2 * i + 1] = WEFT_SHAREABLE_STR;
        sizes[2 * i] = 0;
        sizes[2 * i + 1] = 16;
    }
    weft_shareable_list *sl;
    WEFT_ASSERT_OK(weft_shareable_list_new(&sl, NULL, types, sizes, WRITERS * 2));
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shareable_list_shm(sl, &shm));
    const char *name;
    WEFT_ASSERT_OK(weft_shared_memory_name(shm, &name));
    pid_t pids[WRITERS];
    for (int k = 0; k < WRITERS; k++) {
        pids[k] = fork();
        cr_assert_geq(pids[k], 0);
        if (pids[k] == 0) {
            weft_shareable_list *mine;
            if (weft_shareable_list_attach(&mine, name) != WEFT_OK)
                _exit(2);
            for (int r = 1; r <= ROUNDS; r++)
                if (weft_shareable_list_set_int(mine, 2 * k, r) != WEFT_OK)
                    _exit(3);
            char s[16];
            int len = snprintf(s, sizeof s, "writer %d", k);
            if (weft_shareable_list_set_str(mine, 2 * k + 1, s, (size_t)len) != WEFT_OK)
                _exit(4);
            weft_shareable_list_free(mine);
            _exit(0);
        }
    }
    for (int k = 0; k < WRITERS; k++) {
        int st = shm_reap(pids[k]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d: status %d", k, st);
    }
    for (int k = 0; k < WRITERS; k++) {
        int64_t v;
        WEFT_ASSERT_OK(weft_shareable_list_get_int(sl, 2 * k, &v));
        cr_assert_eq(v, ROUNDS);
        char *s, want[16];
        snprintf(want, sizeof want, "writer %d", k);
        WEFT_ASSERT_OK(weft_shareable_list_get_str(sl, 2 * k + 1, &s, NULL));
        cr_assert_str_eq(s, want);
        weft_free(s);
    }
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
    drop(sl);
}
