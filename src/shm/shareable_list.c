/* multiprocessing.shared_memory.ShareableList with CPython's layout (native
 * byte order, offsets from the segment's start):
 *
 *   0          N, int64
 *   8          slot offsets o_0..o_N, int64, relative to D (o_0 = 0)
 *   D=8(N+2)   the slots; slot i is o_i..o_{i+1}
 *   F=D+o_N    each item's struct format, 8 bytes, NUL-padded
 *   F+8N       each item's back-transform code, int8
 *
 * Formats and codes (CPython 3.8-3.13): int `q`/0, float `d`/0, bool
 * `xxxxxxx?`/0 (byte 7), None `xxxxxx?x`/3, str `<k>s`/1 (UTF-8), bytes
 * `<k>s`/2, where k is the slot size. CPython strips trailing NULs from
 * strings and bytes on reading, so it cannot keep them (gh-96779); weft
 * writes such a value as `<n>s<p>x` (its length, then padding to the slot),
 * which Python's struct reads as the same single value, so CPython still
 * reads what it always did and weft reads the exact bytes. CPython rewrites
 * the format as `<k>s` when it stores a string there itself.
 *
 * The slot offsets are read and checked once, at attach (CPython caches
 * them too; assignment never resizes). Formats and codes are read on every
 * access, since another process may change them, and checked against the
 * slot before anything is read, so a damaged list is refused rather than
 * read out of bounds. */
#include "shm/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEFT__SL_FMT 8 /* bytes of one item's format */

enum { WEFT__CODE_PLAIN = 0, WEFT__CODE_STR = 1, WEFT__CODE_BYTES = 2, WEFT__CODE_NONE = 3 };

struct weft_shareable_list {
    weft__obj hdr;
    weft_shared_memory *shm; /* the library's reference */
    size_t n;
    uint64_t *offsets;       /* n + 1 slot offsets relative to the data start */
};

/* One item as read from the segment; `data` points into the slot. */
typedef struct weft__sl_item {
    int type;
    int64_t i;               /* INT, and BOOL as 0/1 */
    double d;
    const unsigned char *data;
    size_t len;
} weft__sl_item;

static void weft__shareable_list_destroy(void *obj)
{
    weft_shareable_list *sl = obj;
    if (sl->shm != NULL)
        weft__unref(sl->shm);
    free(sl->offsets);
}

static const weft__type weft__shareable_list_type = { "shareable list", weft__shareable_list_destroy };

static size_t weft__sl_data(const weft_shareable_list *sl)
{
    return 8 * (sl->n + 2);
}

static size_t weft__sl_formats(const weft_shareable_list *sl)
{
    return weft__sl_data(sl) + sl->offsets[sl->n];
}

static int64_t weft__load_i64(const unsigned char *p)
{
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void weft__store_i64(unsigned char *p, int64_t v)
{
    memcpy(p, &v, sizeof v);
}

/* The list's mapping and the item `index` (negative from the end) as a
 * position, or WEFT_CLOSED / WEFT_LOOKUP naming `fn`. */
static weft_status weft__sl_at(weft_shareable_list *sl, int64_t index, unsigned char **base, size_t *pos,
                               const char *fn)
{
    weft_status st = weft__shm_mapping(sl->shm, base, fn);
    if (st != WEFT_OK)
        return st;
    int64_t n = (int64_t)sl->n;
    int64_t i = index < 0 ? index + n : index;
    if (i < 0 || i >= n)
        return weft__fail(WEFT_LOOKUP, "%s: index out of range (%" PRId64 " of %zu items)", fn, index, sl->n);
    *pos = (size_t)i;
    return WEFT_OK;
}

/* A struct count: digits, or none for 1. */
static bool weft__fmt_count(const char **s, size_t *out)
{
    const char *p = *s;
    size_t v = 0;
    if (*p < '0' || *p > '9') {
        *out = 1;
        return true;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (SIZE_MAX - 9) / 10)
            return false;
        v = v * 10 + (size_t)(*p - '0');
    }
    *s = p;
    *out = v;
    return true;
}

/* Reads item `pos` from the mapping at `base`. */
static weft_status weft__sl_read(const weft_shareable_list *sl, const unsigned char *base, size_t pos,
                                 weft__sl_item *it, const char *fn)
{
    size_t f = weft__sl_formats(sl);
    char fmt[WEFT__SL_FMT + 1];
    memcpy(fmt, base + f + WEFT__SL_FMT * pos, WEFT__SL_FMT);
    fmt[WEFT__SL_FMT] = '\0';
    int code = (signed char)base[f + WEFT__SL_FMT * sl->n + pos];
    const unsigned char *slot = base + weft__sl_data(sl) + sl->offsets[pos];
    size_t room = (size_t)(sl->offsets[pos + 1] - sl->offsets[pos]);
    memset(it, 0, sizeof *it);
    if (code == WEFT__CODE_PLAIN && room >= 8) {
        if (strcmp(fmt, "q") == 0) {
            it->type = WEFT_SHAREABLE_INT;
            it->i = weft__load_i64(slot);
            return WEFT_OK;
        }
        if (strcmp(fmt, "d") == 0) {
            it->type = WEFT_SHAREABLE_FLOAT;
            memcpy(&it->d, slot, sizeof it->d);
            return WEFT_OK;
        }
        if (strcmp(fmt, "xxxxxxx?") == 0) {
            it->type = WEFT_SHAREABLE_BOOL;
            it->i = slot[7] != 0;
            return WEFT_OK;
        }
    }
    if (code == WEFT__CODE_NONE && room >= 8 && strcmp(fmt, "xxxxxx?x") == 0) {
        it->type = WEFT_SHAREABLE_NONE;
        return WEFT_OK;
    }
    if (code == WEFT__CODE_STR || code == WEFT__CODE_BYTES) {
        const char *p = fmt;
        size_t len, pad = 0;
        if (weft__fmt_count(&p, &len) && *p++ == 's') {
            bool exact = *p != '\0';
            if (exact && !(weft__fmt_count(&p, &pad) && *p++ == 'x' && *p == '\0'))
                goto unknown;
            if (len <= room && pad <= room - len) {
                if (!exact)
                    while (len > 0 && slot[len - 1] == 0)
                        len--;
                it->type = code == WEFT__CODE_STR ? WEFT_SHAREABLE_STR : WEFT_SHAREABLE_BYTES;
                it->data = slot;
                it->len = len;
                return WEFT_OK;
            }
        }
    }
unknown:
    return weft__fail(WEFT_EINVAL, "%s: item %zu has format '%s' and code %d, which is no ShareableList item", fn,
                      pos, fmt, code);
}

static void weft__sl_write_meta(const weft_shareable_list *sl, unsigned char *base, size_t pos, const char *fmt,
                                int code)
{
    size_t f = weft__sl_formats(sl);
    unsigned char *dst = base + f + WEFT__SL_FMT * pos;
    size_t n = strlen(fmt);
    memcpy(dst, fmt, n);
    memset(dst + n, 0, WEFT__SL_FMT - n);
    base[f + WEFT__SL_FMT * sl->n + pos] = (unsigned char)(signed char)code;
}

/* ---- creating and attaching ------------------------------------------------- */

static const char *const weft__plain_formats[] = { "q", "d", "xxxxxxx?", "xxxxxx?x" };

/* CPython's slot for a string or bytes of `len` bytes: the next multiple of 8 above. */
static size_t weft__sl_slot(size_t len)
{
    return 8 * (len / 8 + 1);
}

static weft_shareable_list *weft__sl_make(weft_shared_memory *shm, size_t n, const char *fn)
{
    weft_shareable_list *sl = weft__obj_new(&weft__shareable_list_type, sizeof *sl);
    uint64_t *offsets = sl == NULL ? NULL : calloc(n + 1, sizeof *offsets);
    if (offsets == NULL) {
        if (sl != NULL)
            weft__obj_discard(sl);
        weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    sl->shm = shm;
    sl->n = n;
    sl->offsets = offsets;
    return sl;
}

weft_status weft_shareable_list_new(weft_shareable_list **out, const char *name, const int *types,
                                    const size_t *sizes, size_t n)
{
    WEFT__OUT_CLEAR(out);
    if (n > 0 && types == NULL)
        return weft__fail(WEFT_EINVAL, "%s: types is NULL", __func__);
    /* 8(2N+2) + slots + N bytes, every sum checked. */
    size_t total = 0;
    if (n > (SIZE_MAX - 16) / 17)
        return weft__fail(WEFT_OVERFLOW, "%s: %zu items are too many", __func__, n);
    total = 16 + 17 * n;
    for (size_t i = 0; i < n; i++) {
        if (types[i] < WEFT_SHAREABLE_INT || types[i] > WEFT_SHAREABLE_BYTES)
            return weft__fail(WEFT_EINVAL, "%s: item %zu has unknown type %d", __func__, i, types[i]);
        size_t slot = 8;
        if (types[i] == WEFT_SHAREABLE_STR || types[i] == WEFT_SHAREABLE_BYTES) {
            if (sizes == NULL)
                return weft__fail(WEFT_EINVAL, "%s: sizes is NULL with a string or bytes item", __func__);
            if (sizes[i] > WEFT_SHAREABLE_MAX_ITEM)
                return weft__fail(WEFT_EINVAL, "%s: item %zu of %zu bytes exceeds the %d bytes a slot format can name",
                                  __func__, i, sizes[i], WEFT_SHAREABLE_MAX_ITEM);
            slot = weft__sl_slot(sizes[i]);
        }
        if (__builtin_add_overflow(total, slot, &total))
            return weft__fail(WEFT_OVERFLOW, "%s: the list is too large", __func__);
    }
    weft_shared_memory *shm;
    weft_status st = weft__shm_open(&shm, name, true, total, true, __func__);
    if (st != WEFT_OK)
        return st;
    weft__obj_disown(shm); /* the list's reference */
    weft_shareable_list *sl = weft__sl_make(shm, n, __func__);
    if (sl == NULL) {
        (void)weft__os_shm_unlink(shm->path);
        if (shm->tracked)
            weft__shm_untrack(shm->path);
        weft__unref(shm);
        return WEFT_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        bool text = types[i] == WEFT_SHAREABLE_STR || types[i] == WEFT_SHAREABLE_BYTES;
        sl->offsets[i + 1] = sl->offsets[i] + (text ? weft__sl_slot(sizes[i]) : 8);
    }
    unsigned char *base = atomic_load(&shm->buf);
    weft__store_i64(base, (int64_t)n);
    for (size_t i = 0; i <= n; i++)
        weft__store_i64(base + 8 * (i + 1), (int64_t)sl->offsets[i]);
    for (size_t i = 0; i < n; i++) {
        char fmt[16];
        int code;
        if (types[i] == WEFT_SHAREABLE_STR || types[i] == WEFT_SHAREABLE_BYTES) {
            snprintf(fmt, sizeof fmt, "%zus", (size_t)(sl->offsets[i + 1] - sl->offsets[i]));
            code = types[i] == WEFT_SHAREABLE_STR ? WEFT__CODE_STR : WEFT__CODE_BYTES;
        } else {
            snprintf(fmt, sizeof fmt, "%s", weft__plain_formats[types[i]]);
            code = types[i] == WEFT_SHAREABLE_NONE ? WEFT__CODE_NONE : WEFT__CODE_PLAIN;
        }
        weft__sl_write_meta(sl, base, i, fmt, code);
    }
    *out = weft__handle(sl);
    return WEFT_OK;
}

weft_status weft_shareable_list_attach(weft_shareable_list **out, const char *name)
{
    WEFT__OUT_CLEAR(out);
    WEFT__OUT(name);
    weft_shared_memory *shm;
    weft_status st = weft__shm_open(&shm, name, false, 0, false, __func__);
    if (st != WEFT_OK)
        return st;
    weft__obj_disown(shm); /* the list's reference */
    const unsigned char *base = atomic_load(&shm->buf);
    size_t size = shm->size;
    int64_t n = size >= 16 ? weft__load_i64(base) : -1;
    if (n < 0 || (uint64_t)n > size / 8 - 2) {
        weft__unref(shm);
        return weft__fail(WEFT_EINVAL, "%s: %s holds no ShareableList (its item count does not fit)", __func__, name);
    }
    weft_shareable_list *sl = weft__sl_make(shm, (size_t)n, __func__);
    if (sl == NULL) {
        weft__unref(shm);
        return WEFT_NOMEM;
    }
    /* Offsets nondecreasing from 0, and the formats and codes inside the segment. */
    bool ok = true;
    size_t data = weft__sl_data(sl);
    for (size_t i = 0; i <= sl->n && ok; i++) {
        int64_t o = weft__load_i64(base + 8 * (i + 1));
        ok = o >= 0 && (i == 0 ? o == 0 : (uint64_t)o >= sl->offsets[i - 1]) && (uint64_t)o <= size - data;
        sl->offsets[i] = (uint64_t)o;
    }
    if (ok)
        ok = sl->offsets[sl->n] <= size - data && 9 * sl->n <= size - data - sl->offsets[sl->n];
    if (!ok) {
        weft__unref(sl);
        return weft__fail(WEFT_EINVAL, "%s: %s holds no ShareableList (its offsets do not fit)", __func__, name);
    }
    *out = weft__handle(sl);
    return WEFT_OK;
}

weft_status weft_shareable_list_free(weft_shareable_list *sl)
{
    WEFT__FREE(sl, weft__shareable_list_type);
}

weft_status weft_shareable_list_shm(weft_shareable_list *sl, weft_shared_memory **out)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT(out);
    weft__ref_caller(sl->shm);
    *out = weft__handle(sl->shm);
    return WEFT_OK;
}

weft_status weft_shareable_list_len(weft_shareable_list *sl, size_t *out)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT(out);
    unsigned char *base;
    weft_status st = weft__shm_mapping(sl->shm, &base, __func__);
    *out = st == WEFT_OK ? sl->n : 0;
    return st;
}

weft_status weft_shareable_list_format(weft_shareable_list *sl, char **out)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT_CLEAR(out);
    unsigned char *base;
    weft_status st = weft__shm_mapping(sl->shm, &base, __func__);
    if (st != WEFT_OK)
        return st;
    char *s = malloc(WEFT__SL_FMT * sl->n + 1);
    if (s == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    size_t len = 0, f = weft__sl_formats(sl);
    for (size_t i = 0; i < sl->n; i++) {
        const unsigned char *p = base + f + WEFT__SL_FMT * i;
        size_t k = strnlen((const char *)p, WEFT__SL_FMT);
        memcpy(s + len, p, k);
        len += k;
    }
    s[len] = '\0';
    *out = s;
    return WEFT_OK;
}

/* ---- reading ---------------------------------------------------------------- */

static const char *const weft__type_names[] = { "int", "float", "bool", "None", "str", "bytes" };

/* Item `index`, which must be of type `want` (-1: any). */
static weft_status weft__sl_get(weft_shareable_list *sl, int64_t index, int want, weft__sl_item *it, const char *fn)
{
    unsigned char *base;
    size_t pos;
    weft_status st = weft__sl_at(sl, index, &base, &pos, fn);
    if (st == WEFT_OK)
        st = weft__sl_read(sl, base, pos, it, fn);
    if (st == WEFT_OK && want >= 0 && it->type != want)
        return weft__fail(WEFT_EINVAL, "%s: item %zu is %s, not %s", fn, pos, weft__type_names[it->type],
                          weft__type_names[want]);
    return st;
}

weft_status weft_shareable_list_type(weft_shareable_list *sl, int64_t index, int *out)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT(out);
    weft__sl_item it;
    weft_status st = weft__sl_get(sl, index, -1, &it, __func__);
    if (st == WEFT_OK)
        *out = it.type;
    return st;
}

weft_status weft_shareable_list_get_int(weft_shareable_list *sl, int64_t index, int64_t *out)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT(out);
    weft__sl_item it;
    weft_status st = weft__sl_get(sl, index, WEFT_SHAREABLE_INT, &it, __func__);
    if (st == WEFT_OK)
        *out = it.i;
    return st;
}

weft_status weft_shareable_list_get_float(weft_shareable_list *sl, int64_t index, double *out)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT(out);
    weft__sl_item it;
    weft_status st = weft__sl_get(sl, index, WEFT_SHAREABLE_FLOAT, &it, __func__);
    if (st == WEFT_OK)
        *out = it.d;
    return st;
}

weft_status weft_shareable_list_get_bool(weft_shareable_list *sl, int64_t index, int *out)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT(out);
    weft__sl_item it;
    weft_status st = weft__sl_get(sl, index, WEFT_SHAREABLE_BOOL, &it, __func__);
    if (st == WEFT_OK)
        *out = (int)it.i;
    return st;
}

/* A copy of a string or bytes item with a NUL after it. */
static weft_status weft__sl_get_data(weft_shareable_list *sl, int64_t index, int want, void **out, size_t *len,
                                     const char *fn)
{
    weft__sl_item it;
    weft_status st = weft__sl_get(sl, index, want, &it, fn);
    if (st != WEFT_OK)
        return st;
    char *s = malloc(it.len + 1);
    if (s == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    memcpy(s, it.data, it.len);
    s[it.len] = '\0';
    *out = s;
    if (len != NULL)
        *len = it.len;
    return WEFT_OK;
}

weft_status weft_shareable_list_get_str(weft_shareable_list *sl, int64_t index, char **out, size_t *len)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT_CLEAR(out);
    return weft__sl_get_data(sl, index, WEFT_SHAREABLE_STR, (void **)out, len, __func__);
}

weft_status weft_shareable_list_get_bytes(weft_shareable_list *sl, int64_t index, void **out, size_t *len)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT_CLEAR(out);
    WEFT__OUT(len);
    return weft__sl_get_data(sl, index, WEFT_SHAREABLE_BYTES, out, len, __func__);
}

/* ---- writing ---------------------------------------------------------------- */

/* Stores an 8-byte item of `type` (bytes as CPython's struct packs them). */
static weft_status weft__sl_set_plain(weft_shareable_list *sl, int64_t index, int type, const unsigned char v[8],
                                      const char *fn)
{
    unsigned char *base;
    size_t pos;
    weft_status st = weft__sl_at(sl, index, &base, &pos, fn);
    if (st != WEFT_OK)
        return st;
    if (sl->offsets[pos + 1] - sl->offsets[pos] < 8)
        return weft__fail(WEFT_EINVAL, "%s: item %zu has a slot of fewer than 8 bytes", fn, pos);
    memcpy(base + weft__sl_data(sl) + sl->offsets[pos], v, 8);
    weft__sl_write_meta(sl, base, pos, weft__plain_formats[type],
                        type == WEFT_SHAREABLE_NONE ? WEFT__CODE_NONE : WEFT__CODE_PLAIN);
    return WEFT_OK;
}

weft_status weft_shareable_list_set_int(weft_shareable_list *sl, int64_t index, int64_t value)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    unsigned char v[8];
    weft__store_i64(v, value);
    return weft__sl_set_plain(sl, index, WEFT_SHAREABLE_INT, v, __func__);
}

weft_status weft_shareable_list_set_float(weft_shareable_list *sl, int64_t index, double value)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    unsigned char v[8];
    memcpy(v, &value, sizeof v);
    return weft__sl_set_plain(sl, index, WEFT_SHAREABLE_FLOAT, v, __func__);
}

weft_status weft_shareable_list_set_bool(weft_shareable_list *sl, int64_t index, int value)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    unsigned char v[8] = { 0, 0, 0, 0, 0, 0, 0, value != 0 };
    return weft__sl_set_plain(sl, index, WEFT_SHAREABLE_BOOL, v, __func__);
}

weft_status weft_shareable_list_set_none(weft_shareable_list *sl, int64_t index)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    static const unsigned char v[8];
    return weft__sl_set_plain(sl, index, WEFT_SHAREABLE_NONE, v, __func__);
}

static weft_status weft__sl_set_data(weft_shareable_list *sl, int64_t index, int type, const void *value, size_t len,
                                     const char *fn)
{
    if (value == NULL && len > 0)
        return weft__fail(WEFT_EINVAL, "%s: value is NULL", fn);
    unsigned char *base;
    size_t pos;
    weft_status st = weft__sl_at(sl, index, &base, &pos, fn);
    if (st != WEFT_OK)
        return st;
    size_t room = (size_t)(sl->offsets[pos + 1] - sl->offsets[pos]);
    if (len > room)
        return weft__fail(WEFT_EINVAL, "%s: bytes/str item exceeds available storage (%zu bytes in a slot of %zu)",
                          fn, len, room);
    /* CPython's form names the whole slot and loses trailing NULs; a value
     * that has some names its length when that fits the 8 bytes. */
    char fmt[32];
    if (len > 0 && ((const unsigned char *)value)[len - 1] == 0 &&
        snprintf(fmt, sizeof fmt, "%zus%zux", len, room - len) <= WEFT__SL_FMT) {
        /* fmt is the exact form */
    } else {
        snprintf(fmt, sizeof fmt, "%zus", room);
    }
    unsigned char *slot = base + weft__sl_data(sl) + sl->offsets[pos];
    if (len > 0)
        memcpy(slot, value, len);
    memset(slot + len, 0, room - len);
    weft__sl_write_meta(sl, base, pos, fmt, type == WEFT_SHAREABLE_STR ? WEFT__CODE_STR : WEFT__CODE_BYTES);
    return WEFT_OK;
}

weft_status weft_shareable_list_set_str(weft_shareable_list *sl, int64_t index, const char *value, size_t len)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    return weft__sl_set_data(sl, index, WEFT_SHAREABLE_STR, value, len, __func__);
}

weft_status weft_shareable_list_set_bytes(weft_shareable_list *sl, int64_t index, const void *value, size_t len)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    return weft__sl_set_data(sl, index, WEFT_SHAREABLE_BYTES, value, len, __func__);
}

/* ---- count and index -------------------------------------------------------- */

/* The value a caller passed, as an item. */
static weft_status weft__sl_value(int type, const void *value, size_t len, weft__sl_item *v, const char *fn)
{
    memset(v, 0, sizeof *v);
    v->type = type;
    if (type < WEFT_SHAREABLE_INT || type > WEFT_SHAREABLE_BYTES)
        return weft__fail(WEFT_EINVAL, "%s: unknown type %d", fn, type);
    if (value == NULL && type != WEFT_SHAREABLE_NONE && !(len == 0 && type >= WEFT_SHAREABLE_STR))
        return weft__fail(WEFT_EINVAL, "%s: value is NULL", fn);
    switch (type) {
    case WEFT_SHAREABLE_INT:
        memcpy(&v->i, value, sizeof v->i);
        break;
    case WEFT_SHAREABLE_FLOAT:
        memcpy(&v->d, value, sizeof v->d);
        break;
    case WEFT_SHAREABLE_BOOL:
        v->i = *(const int *)value != 0;
        break;
    case WEFT_SHAREABLE_STR:
    case WEFT_SHAREABLE_BYTES:
        v->data = value;
        v->len = len;
        break;
    default:
        break;
    }
    return WEFT_OK;
}

static bool weft__is_number(int type)
{
    return type == WEFT_SHAREABLE_INT || type == WEFT_SHAREABLE_FLOAT || type == WEFT_SHAREABLE_BOOL;
}

/* Python's int == float: exact, so 2**63-1 is not 9.223372036854776e18. */
static bool weft__int_eq_float(int64_t i, double d)
{
    return d >= -9223372036854775808.0 && d < 9223372036854775808.0 && (int64_t)d == i && (double)(int64_t)d == d;
}

/* Python's ==, for the values a ShareableList holds. */
static bool weft__sl_equal(const weft__sl_item *a, const weft__sl_item *b)
{
    if (weft__is_number(a->type) && weft__is_number(b->type)) {
        bool af = a->type == WEFT_SHAREABLE_FLOAT, bf = b->type == WEFT_SHAREABLE_FLOAT;
        if (af && bf)
            return a->d == b->d;
        if (af)
            return weft__int_eq_float(b->i, a->d);
        if (bf)
            return weft__int_eq_float(a->i, b->d);
        return a->i == b->i;
    }
    if (a->type != b->type)
        return false;
    if (a->type == WEFT_SHAREABLE_NONE)
        return true;
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Scans for items equal to the value: their number, and the first's position. */
static weft_status weft__sl_scan(weft_shareable_list *sl, int type, const void *value, size_t len, size_t *count,
                                 size_t *first, const char *fn)
{
    weft__sl_item v, it;
    weft_status st = weft__sl_value(type, value, len, &v, fn);
    if (st != WEFT_OK)
        return st;
    unsigned char *base;
    st = weft__shm_mapping(sl->shm, &base, fn);
    if (st != WEFT_OK)
        return st;
    *count = 0;
    *first = SIZE_MAX;
    for (size_t i = 0; i < sl->n; i++) {
        st = weft__sl_read(sl, base, i, &it, fn);
        if (st != WEFT_OK)
            return st;
        if (weft__sl_equal(&it, &v)) {
            if (*count == 0)
                *first = i;
            ++*count;
        }
    }
    return WEFT_OK;
}

weft_status weft_shareable_list_count(weft_shareable_list *sl, int type, const void *value, size_t len, size_t *out)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT(out);
    size_t first;
    return weft__sl_scan(sl, type, value, len, out, &first, __func__);
}

weft_status weft_shareable_list_index(weft_shareable_list *sl, int type, const void *value, size_t len, size_t *out)
{
    WEFT__OPEN(sl, weft__shareable_list_type);
    WEFT__OUT(out);
    size_t count;
    weft_status st = weft__sl_scan(sl, type, value, len, &count, out, __func__);
    if (st == WEFT_OK && count == 0)
        return weft__fail(WEFT_EINVAL, "%s: the %s value is not in this container", __func__, weft__type_names[type]);
    return st;
}
