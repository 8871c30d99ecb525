/* Native tasks: a function named by (shared object, symbol), a signature in
 * Python struct letters, and argument bytes; resolved with dlopen/dlsym and
 * called through libffi. The argument bytes are the one form of a task's
 * arguments (in this process, on the wire and in weft_task_to_bytes), so a
 * task called here and one rebuilt in another process run the same path.
 *
 * A call may run while another thread changes the arguments: the bytes live
 * in a reference-counted block that a call pins and a change copies when it
 * is pinned (copy on write), so neither sees the other half done. */
#include "core/internal.h"
#include "core/kit.h"

#include <dlfcn.h>
#include <ffi.h>
#include <limits.h>
#include <link.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* More would only be a malformed signature: no C function takes this many. */
#define WEFT__TASK_MAX_ARGS 127

typedef enum { K_VOID, K_SINT, K_UINT, K_FLOAT, K_BYTES } weft__kind;

typedef struct {
    char code;
    weft__kind kind;
    unsigned char size; /* bytes in the argument/result bytes (8 for a y length) */
    ffi_type *ffi;
} weft__tcode;

static const weft__tcode *weft__code(char c)
{
    static const weft__tcode table[] = {
        { 'c', (char)-1 < 0 ? K_SINT : K_UINT, 1, NULL }, /* ffi type set below */
        { 'b', K_SINT, 1, &ffi_type_schar },
        { 'B', K_UINT, 1, &ffi_type_uchar },
        { '?', K_UINT, sizeof(_Bool), &ffi_type_uint8 },
        { 'h', K_SINT, sizeof(short), &ffi_type_sshort },
        { 'H', K_UINT, sizeof(short), &ffi_type_ushort },
        { 'i', K_SINT, sizeof(int), &ffi_type_sint },
        { 'I', K_UINT, sizeof(int), &ffi_type_uint },
        { 'l', K_SINT, sizeof(long), &ffi_type_slong },
        { 'L', K_UINT, sizeof(long), &ffi_type_ulong },
        { 'q', K_SINT, sizeof(long long), &ffi_type_sint64 },
        { 'Q', K_UINT, sizeof(long long), &ffi_type_uint64 },
        { 'n', K_SINT, sizeof(ssize_t), NULL },
        { 'N', K_UINT, sizeof(size_t), NULL },
        { 'f', K_FLOAT, sizeof(float), &ffi_type_float },
        { 'd', K_FLOAT, sizeof(double), &ffi_type_double },
        { 'y', K_BYTES, 8, &ffi_type_pointer },
        { 'v', K_VOID, 0, &ffi_type_void },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == c)
            return &table[i];
    return NULL;
}

/* The libffi type of a code: the table cannot name ffi types that depend on
 * the platform in a constant initializer portably, so they are chosen here. */
static ffi_type *weft__ffi_of(const weft__tcode *t)
{
    if (t->ffi != NULL)
        return t->ffi;
    switch (t->size) {
    case 1: return t->kind == K_SINT ? &ffi_type_sint8 : &ffi_type_uint8;
    case 2: return t->kind == K_SINT ? &ffi_type_sint16 : &ffi_type_uint16;
    case 4: return t->kind == K_SINT ? &ffi_type_sint32 : &ffi_type_uint32;
    default: return t->kind == K_SINT ? &ffi_type_sint64 : &ffi_type_uint64;
    }
}

/* Argument bytes, shared between the task and the calls running it. */
typedef struct weft__blob {
    atomic_uint refs;
    size_t len, cap;
    unsigned char data[];
} weft__blob;

struct weft_task {
    weft__obj hdr;
    char *object;    /* "" for the main program */
    char *symbol;
    char *signature;
    const weft__tcode *codes[WEFT__TASK_MAX_ARGS + 1]; /* [0] result, then arguments */
    unsigned nargs;
    weft__wordlock lock; /* guards args, given */
    weft__blob *args;
    unsigned given;      /* arguments in args */
    void *_Atomic dl;    /* the dlopen handle, once resolved */
    void (*_Atomic fn)(void);
};

static void weft__blob_unref(weft__blob *b)
{
    if (b != NULL && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

static void weft__task_destroy(void *obj)
{
    weft_task *t = obj;
    free(t->object);
    free(t->symbol);
    free(t->signature);
    weft__blob_unref(t->args);
    void *dl = atomic_load_explicit(&t->dl, memory_order_acquire);
    if (dl != NULL)
        dlclose(dl);
}

static const weft__type weft__task_type = { "task", weft__task_destroy };

/* Parses "R(A...)" into t->codes; returns WEFT_OK or WEFT_EINVAL with a message. */
static weft_status weft__sig_parse(weft_task *t, const char *sig, const char *fn)
{
    if (sig == NULL || sig[0] == '\0')
        return weft__fail(WEFT_EINVAL, "%s: the signature is empty", fn);
    const weft__tcode *r = weft__code(sig[0]);
    if (r == NULL)
        return weft__fail(WEFT_EINVAL, "%s: signature \"%s\": '%c' is not a type code", fn, sig, sig[0]);
    if (sig[1] != '(')
        return weft__fail(WEFT_EINVAL, "%s: signature \"%s\": expected '(' after the result code", fn, sig);
    t->codes[0] = r;
    unsigned n = 0;
    const char *p = sig + 2;
    for (; *p != ')'; p++) {
        if (*p == '\0')
            return weft__fail(WEFT_EINVAL, "%s: signature \"%s\": missing ')'", fn, sig);
        const weft__tcode *a = weft__code(*p);
        if (a == NULL || a->kind == K_VOID)
            return weft__fail(WEFT_EINVAL, "%s: signature \"%s\": '%c' is not an argument type code", fn, sig, *p);
        if (n == WEFT__TASK_MAX_ARGS)
            return weft__fail(WEFT_EINVAL, "%s: signature \"%s\": more than %d arguments", fn, sig,
                              WEFT__TASK_MAX_ARGS);
        t->codes[++n] = a;
    }
    if (p[1] != '\0')
        return weft__fail(WEFT_EINVAL, "%s: signature \"%s\": text after ')'", fn, sig);
    t->nargs = n;
    return WEFT_OK;
}

/* Walks argument bytes: the number of whole arguments in `len` bytes, or -1
 * if they end inside one or hold more than the signature's arguments. */
static long weft__args_count(const weft_task *t, const unsigned char *p, size_t len)
{
    size_t at = 0;
    unsigned i = 0;
    while (at < len) {
        if (i == t->nargs)
            return -1;
        const weft__tcode *c = t->codes[++i];
        if (len - at < c->size)
            return -1;
        if (c->kind == K_BYTES) {
            uint64_t n;
            memcpy(&n, p + at, sizeof n);
            at += 8;
            if (n > len - at)
                return -1;
            at += (size_t)n;
        } else {
            at += c->size;
        }
    }
    return (long)i;
}

static weft__blob *weft__blob_new(const void *data, size_t len, size_t cap)
{
    if (cap < len)
        cap = len;
    if (cap > SIZE_MAX - sizeof(weft__blob))
        return NULL;
    weft__blob *b = malloc(sizeof *b + (cap ? cap : 1));
    if (b == NULL)
        return NULL;
    atomic_init(&b->refs, 1);
    b->len = len;
    b->cap = cap;
    if (len)
        memcpy(b->data, data, len);
    return b;
}

static weft_status weft__task_make(weft_task **out, const char *object, const char *symbol, const char *signature,
                                   const char *fn)
{
    weft_task *t = weft__obj_new(&weft__task_type, sizeof *t);
    if (t == NULL)
        return WEFT_NOMEM;
    weft__wordlock_init(&t->lock);
    weft_status st = weft__sig_parse(t, signature, fn);
    if (st != WEFT_OK) {
        weft__obj_discard(t);
        return st;
    }
    t->object = strdup(object != NULL ? object : "");
    t->symbol = strdup(symbol);
    t->signature = strdup(signature);
    t->args = weft__blob_new(NULL, 0, 64);
    if (t->object == NULL || t->symbol == NULL || t->signature == NULL || t->args == NULL) {
        weft__task_destroy(t);
        weft__obj_discard(t);
        return WEFT_NOMEM;
    }
    *out = weft__handle(t);
    return WEFT_OK;
}

weft_status weft_task_new(weft_task **out, const char *object, const char *symbol, const char *signature)
{
    WEFT__OUT_CLEAR(out);
    if (symbol == NULL || symbol[0] == '\0')
        return weft__fail(WEFT_EINVAL, "%s: the symbol is empty", __func__);
    return weft__task_make(out, object, symbol, signature, __func__);
}

/* The main program's lowest mapped address, as dladdr reports dli_fbase for it. */
static int weft__main_base_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    uintptr_t lo = UINTPTR_MAX;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_phdr[i].p_vaddr < lo)
            lo = info->dlpi_phdr[i].p_vaddr;
    *(uintptr_t *)data = info->dlpi_addr + (lo & ~(uintptr_t)0xfff);
    return 1; /* the first object is the main program */
}

weft_status weft_task_from_pointer(weft_task **out, weft_native_fn fn, const char *signature)
{
    WEFT__OUT_CLEAR(out);
    if (fn == NULL)
        return weft__fail(WEFT_EINVAL, "%s: the function is NULL", __func__);
    Dl_info info;
    void *addr;
    memcpy(&addr, &fn, sizeof addr);
    if (dladdr(addr, &info) == 0 || info.dli_sname == NULL || info.dli_saddr != addr)
        return weft__fail(WEFT_EINVAL,
                          "%s: no exported symbol names the function at %p (a function of the main program "
                          "needs -rdynamic)",
                          __func__, addr);
    uintptr_t main_base = 0;
    dl_iterate_phdr(weft__main_base_cb, &main_base);
    const char *object = (uintptr_t)info.dli_fbase == main_base ? "" : info.dli_fname;
    return weft__task_make(out, object, info.dli_sname, signature, __func__);
}

weft_status weft_task_free(weft_task *t)
{
    WEFT__FREE(t, weft__task_type);
}

weft_status weft_task_describe(weft_task *t, const char **object, const char **symbol, const char **signature)
{
    WEFT__OPEN(t, weft__task_type);
    if (object != NULL)
        *object = t->object;
    if (symbol != NULL)
        *symbol = t->symbol;
    if (signature != NULL)
        *signature = t->signature;
    return WEFT_OK;
}

/* Appends one argument's bytes (`head` then `tail`) under the lock, after
 * checking that the next argument has kind `want` (or any integer kind). */
static weft_status weft__task_append(weft_task *t, bool (*fits)(const weft__tcode *, const void *), const void *val,
                                     const void *tail, size_t tail_len, const char *fn)
{
    weft_status st = WEFT_OK;
    weft__wl_lock(&t->lock);
    if (t->given == t->nargs) {
        st = weft__fail(WEFT_EINVAL, "%s: signature \"%s\" takes %u arguments, all already given", fn, t->signature,
                        t->nargs);
        goto out;
    }
    const weft__tcode *c = t->codes[t->given + 1];
    unsigned char head[8];
    if (!fits(c, val)) {
        st = weft__fail(WEFT_EINVAL, "%s: argument %u of \"%s\" is '%c': the value does not fit", fn, t->given + 1,
                        t->signature, c->code);
        goto out;
    }
    /* fits() checked the kind; now write the value in the code's size. */
    if (c->kind == K_BYTES) {
        uint64_t n = tail_len;
        memcpy(head, &n, 8);
    } else if (c->kind == K_FLOAT) {
        double d = *(const double *)val;
        if (c->size == sizeof(float)) {
            float f = (float)d;
            memcpy(head, &f, sizeof f);
        } else {
            memcpy(head, &d, sizeof d);
        }
    } else {
        /* An integer: its low c->size bytes in native order. */
        uint64_t u = *(const uint64_t *)val;
        switch (c->size) {
        case 1: { uint8_t x = (uint8_t)u; memcpy(head, &x, 1); break; }
        case 2: { uint16_t x = (uint16_t)u; memcpy(head, &x, 2); break; }
        case 4: { uint32_t x = (uint32_t)u; memcpy(head, &x, 4); break; }
        default: memcpy(head, &u, 8); break;
        }
    }
    size_t add = c->size + tail_len;
    weft__blob *b = t->args;
    if (add > SIZE_MAX - b->len) {
        st = weft__fail(WEFT_NOMEM, "%s: arguments too large", fn);
        goto out;
    }
    if (atomic_load_explicit(&b->refs, memory_order_acquire) != 1 || b->len + add > b->cap) {
        size_t cap = b->cap * 2 > b->len + add ? b->cap * 2 : b->len + add;
        weft__blob *nb = weft__blob_new(b->data, b->len, cap);
        if (nb == NULL) {
            st = WEFT_NOMEM;
            goto out;
        }
        weft__blob_unref(b);
        t->args = b = nb;
    }
    memcpy(b->data + b->len, head, c->size);
    if (tail_len)
        memcpy(b->data + b->len + c->size, tail, tail_len);
    b->len += add;
    t->given++;
out:
    weft__wl_unlock(&t->lock);
    return st;
}

static bool weft__fits_int(const weft__tcode *c, const void *val)
{
    if (c->kind != K_SINT && c->kind != K_UINT)
        return false;
    long long v = (long long)*(const uint64_t *)val;
    if (c->code == '?')
        return v == 0 || v == 1;
    unsigned bits = c->size * 8u;
    if (c->kind == K_SINT)
        return bits == 64 || (v >= -(1LL << (bits - 1)) && v < (1LL << (bits - 1)));
    return v >= 0 && (bits == 64 || (unsigned long long)v < (1ULL << bits));
}

static bool weft__fits_uint(const weft__tcode *c, const void *val)
{
    if (c->kind != K_SINT && c->kind != K_UINT)
        return false;
    unsigned long long v = *(const uint64_t *)val;
    if (v <= LLONG_MAX)
        return weft__fits_int(c, val);
    return c->kind == K_UINT && c->size == 8; /* only a 64-bit unsigned holds it */
}

static bool weft__fits_float(const weft__tcode *c, const void *val)
{
    return c->kind == K_FLOAT;
}

static bool weft__fits_bytes(const weft__tcode *c, const void *val)
{
    return c->kind == K_BYTES;
}

weft_status weft_task_add_int(weft_task *t, long long value)
{
    WEFT__OPEN(t, weft__task_type);
    uint64_t u = (uint64_t)value;
    return weft__task_append(t, weft__fits_int, &u, NULL, 0, __func__);
}

weft_status weft_task_add_uint(weft_task *t, unsigned long long value)
{
    WEFT__OPEN(t, weft__task_type);
    uint64_t u = value;
    return weft__task_append(t, weft__fits_uint, &u, NULL, 0, __func__);
}

weft_status weft_task_add_double(weft_task *t, double value)
{
    WEFT__OPEN(t, weft__task_type);
    return weft__task_append(t, weft__fits_float, &value, NULL, 0, __func__);
}

weft_status weft_task_add_bytes(weft_task *t, const void *data, size_t size)
{
    WEFT__OPEN(t, weft__task_type);
    if (data == NULL && size != 0)
        return weft__fail(WEFT_EINVAL, "%s: data is NULL with size %zu", __func__, size);
    return weft__task_append(t, weft__fits_bytes, NULL, data, size, __func__);
}

weft_status weft_task_set_args(weft_task *t, const void *args, size_t size)
{
    WEFT__OPEN(t, weft__task_type);
    if (args == NULL && size != 0)
        return weft__fail(WEFT_EINVAL, "%s: args is NULL with size %zu", __func__, size);
    long n = weft__args_count(t, args, size);
    if (n != (long)t->nargs)
        return weft__fail(WEFT_EINVAL, "%s: %zu bytes are not the %u arguments of \"%s\"", __func__, size, t->nargs,
                          t->signature);
    weft__blob *b = weft__blob_new(args, size, size);
    if (b == NULL)
        return WEFT_NOMEM;
    weft__wl_lock(&t->lock);
    weft__blob *old = t->args;
    t->args = b;
    t->given = t->nargs;
    weft__wl_unlock(&t->lock);
    weft__blob_unref(old);
    return WEFT_OK;
}

weft_status weft_task_args(weft_task *t, const void **args, size_t *size)
{
    WEFT__OPEN(t, weft__task_type);
    WEFT__OUT(args);
    WEFT__OUT(size);
    weft__wl_lock(&t->lock);
    *args = t->args->data;
    *size = t->args->len;
    weft__wl_unlock(&t->lock);
    return WEFT_OK;
}

static weft_status weft__task_resolve(weft_task *t, const char *fn)
{
    if (atomic_load_explicit(&t->fn, memory_order_acquire) != NULL)
        return WEFT_OK;
    void *dl = dlopen(t->object[0] ? t->object : NULL, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL)
        return weft__fail(WEFT_NOT_FOUND, "%s: cannot load %s: %s", fn, t->object[0] ? t->object : "the main program",
                          dlerror());
    dlerror();
    void *sym = dlsym(dl, t->symbol);
    if (sym == NULL) {
        const char *why = dlerror();
        weft_status st = weft__fail(WEFT_NOT_FOUND, "%s: no symbol %s in %s%s%s", fn, t->symbol,
                                    t->object[0] ? t->object : "the main program (is it linked with -rdynamic?)",
                                    why ? ": " : "", why ? why : "");
        dlclose(dl);
        return st;
    }
    void *none = NULL;
    if (!atomic_compare_exchange_strong_explicit(&t->dl, &none, dl, memory_order_acq_rel, memory_order_acquire)) {
        dlclose(dl); /* another thread resolved it first */
        return WEFT_OK;
    }
    void (*f)(void);
    memcpy(&f, &sym, sizeof f);
    atomic_store_explicit(&t->fn, f, memory_order_release);
    return WEFT_OK;
}

weft_status weft_task_resolve(weft_task *t)
{
    WEFT__OPEN(t, weft__task_type);
    return weft__task_resolve(t, __func__);
}

/* One C argument's storage, aligned for any of the types. */
typedef union {
    long long q;
    double d;
    float f;
    void *p;
    size_t z;
    unsigned char raw[8];
} weft__slot;

weft_status weft_task_call(weft_task *t, void **result, size_t *size)
{
    if (result != NULL)
        *result = NULL;
    if (size != NULL)
        *size = 0;
    WEFT__OPEN(t, weft__task_type);
    weft_status st = weft__task_resolve(t, __func__);
    if (st != WEFT_OK)
        return st;
    /* Pin the argument bytes: the call reads them while others may change the task. */
    weft__wl_lock(&t->lock);
    weft__blob *b = t->args;
    unsigned given = t->given;
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    weft__wl_unlock(&t->lock);
    if (given != t->nargs) {
        weft__blob_unref(b);
        return weft__fail(WEFT_EINVAL, "%s: %s takes %u arguments, %u given", __func__, t->symbol, t->nargs, given);
    }

    /* A y argument is two C arguments; a y result two more at the end. */
    const weft__tcode *rc = t->codes[0];
    unsigned cn = 0;
    for (unsigned i = 1; i <= t->nargs; i++)
        cn += t->codes[i]->kind == K_BYTES ? 2 : 1;
    if (rc->kind == K_BYTES)
        cn += 2;
    ffi_type **types = malloc((cn ? cn : 1) * sizeof *types);
    void **values = malloc((cn ? cn : 1) * sizeof *values);
    weft__slot *slots = malloc((cn ? cn : 1) * sizeof *slots);
    void *out_buf = NULL;
    size_t out_len = 0;
    void **out_ptr = &out_buf;
    size_t *len_ptr = &out_len;
    if (types == NULL || values == NULL || slots == NULL) {
        st = WEFT_NOMEM;
        goto done;
    }
    const unsigned char *p = b->data;
    unsigned k = 0;
    for (unsigned i = 1; i <= t->nargs; i++) {
        const weft__tcode *c = t->codes[i];
        if (c->kind == K_BYTES) {
            uint64_t n;
            memcpy(&n, p, 8);
            p += 8;
            slots[k].p = (void *)p;
            types[k] = &ffi_type_pointer;
            values[k] = &slots[k];
            k++;
            slots[k].z = (size_t)n;
            types[k] = sizeof(size_t) == 8 ? &ffi_type_uint64 : &ffi_type_uint32;
            values[k] = &slots[k];
            k++;
            p += n;
        } else {
            memcpy(slots[k].raw, p, c->size);
            p += c->size;
            types[k] = weft__ffi_of(c);
            values[k] = &slots[k];
            k++;
        }
    }
    ffi_type *rtype = weft__ffi_of(rc);
    if (rc->kind == K_BYTES) {
        types[k] = &ffi_type_pointer;
        values[k] = &out_ptr;
        k++;
        types[k] = &ffi_type_pointer;
        values[k] = &len_ptr;
        k++;
        rtype = &ffi_type_void;
    }
    ffi_cif cif;
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, cn, rtype, types) != FFI_OK) {
        st = weft__fail(WEFT_EINVAL, "%s: libffi cannot call signature \"%s\"", __func__, t->signature);
        goto done;
    }
    /* libffi widens integral results narrower than a register to ffi_arg. */
    union {
        ffi_arg a;
        ffi_sarg s;
        double d;
        float f;
        unsigned char raw[16];
    } rv;
    memset(&rv, 0, sizeof rv);
    ffi_call(&cif, atomic_load_explicit(&t->fn, memory_order_acquire), &rv, values);

    if (rc->kind == K_BYTES) {
        if (out_buf == NULL)
            out_len = 0;
        if (result != NULL) {
            *result = out_buf;
            out_buf = NULL;
        }
        if (size != NULL)
            *size = out_len;
    } else if (rc->kind != K_VOID) {
        unsigned char bytes[8];
        if (rc->kind == K_FLOAT) {
            memcpy(bytes, rc->size == sizeof(float) ? (void *)&rv.f : (void *)&rv.d, rc->size);
        } else {
            uint64_t u = rc->kind == K_SINT ? (uint64_t)(int64_t)rv.s : (uint64_t)rv.a;
            if (rc->code == '?')
                u = (uint8_t)u != 0;
            switch (rc->size) {
            case 1: { uint8_t x = (uint8_t)u; memcpy(bytes, &x, 1); break; }
            case 2: { uint16_t x = (uint16_t)u; memcpy(bytes, &x, 2); break; }
            case 4: { uint32_t x = (uint32_t)u; memcpy(bytes, &x, 4); break; }
            default: memcpy(bytes, &u, 8); break;
            }
        }
        if (result != NULL) {
            *result = malloc(rc->size);
            if (*result == NULL) {
                st = WEFT_NOMEM;
                goto done;
            }
            memcpy(*result, bytes, rc->size);
        }
        if (size != NULL)
            *size = rc->size;
    }
done:
    free(out_buf);
    free(types);
    free(values);
    free(slots);
    weft__blob_unref(b);
    return st;
}

/* The serialised form: "WEFTTSK1", then object, symbol and signature as a
 * 4-byte little-endian length and the bytes, then the argument bytes as an
 * 8-byte little-endian length and the bytes (native within them). */
static const char weft__task_magic[8] = { 'W', 'E', 'F', 'T', 'T', 'S', 'K', '1' };

static unsigned char *weft__put_le(unsigned char *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        *p++ = (unsigned char)(v >> (8 * i));
    return p;
}

static uint64_t weft__get_le(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

weft_status weft_task_to_bytes(weft_task *t, void **buf, size_t *size)
{
    WEFT__OPEN(t, weft__task_type);
    WEFT__OUT_CLEAR(buf);
    WEFT__OUT(size);
    *size = 0;
    const char *strs[3] = { t->object, t->symbol, t->signature };
    size_t lens[3], total = sizeof weft__task_magic + 8;
    for (int i = 0; i < 3; i++) {
        lens[i] = strlen(strs[i]);
        total += 4 + lens[i];
    }
    weft__wl_lock(&t->lock);
    weft__blob *b = t->args;
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    weft__wl_unlock(&t->lock);
    weft_status st = WEFT_OK;
    unsigned char *out = total > SIZE_MAX - b->len ? NULL : malloc(total + b->len);
    if (out == NULL) {
        st = WEFT_NOMEM;
    } else {
        unsigned char *p = out;
        memcpy(p, weft__task_magic, sizeof weft__task_magic);
        p += sizeof weft__task_magic;
        for (int i = 0; i < 3; i++) {
            p = weft__put_le(p, lens[i], 4);
            memcpy(p, strs[i], lens[i]);
            p += lens[i];
        }
        p = weft__put_le(p, b->len, 8);
        memcpy(p, b->data, b->len);
        *buf = out;
        *size = total + b->len;
    }
    weft__blob_unref(b);
    return st;
}

weft_status weft_task_from_bytes(weft_task **out, const void *buf, size_t size)
{
    WEFT__OUT_CLEAR(out);
    const unsigned char *p = buf, *end = p + size;
    if (buf == NULL || size < sizeof weft__task_magic || memcmp(p, weft__task_magic, sizeof weft__task_magic) != 0)
        return weft__fail(WEFT_EINVAL, "%s: not a serialised task", __func__);
    p += sizeof weft__task_magic;
    char *strs[3] = { NULL, NULL, NULL };
    weft_status st = WEFT_OK;
    for (int i = 0; i < 3; i++) {
        if (end - p < 4) {
            st = weft__fail(WEFT_EINVAL, "%s: the task's bytes end early", __func__);
            goto out;
        }
        uint64_t n = weft__get_le(p, 4);
        p += 4;
        if ((uint64_t)(end - p) < n || memchr(p, '\0', (size_t)n) != NULL) {
            st = weft__fail(WEFT_EINVAL, "%s: the task's bytes end early or hold a NUL in a name", __func__);
            goto out;
        }
        strs[i] = strndup((const char *)p, (size_t)n);
        if (strs[i] == NULL) {
            st = WEFT_NOMEM;
            goto out;
        }
        p += n;
    }
    if (end - p < 8 || weft__get_le(p, 8) != (uint64_t)(end - p - 8)) {
        st = weft__fail(WEFT_EINVAL, "%s: the task's argument bytes do not match their length", __func__);
        goto out;
    }
    p += 8;
    if (strs[1][0] == '\0') {
        st = weft__fail(WEFT_EINVAL, "%s: the task names no symbol", __func__);
        goto out;
    }
    weft_task *h = NULL;
    st = weft__task_make(&h, strs[0], strs[1], strs[2], __func__);
    if (st != WEFT_OK)
        goto out;
    weft_task *t = (weft_task *)weft__obj_of(h);
    long given = weft__args_count(t, p, (size_t)(end - p));
    weft__blob *b = given < 0 ? NULL : weft__blob_new(p, (size_t)(end - p), (size_t)(end - p));
    if (b == NULL) {
        st = given < 0 ? weft__fail(WEFT_EINVAL, "%s: the argument bytes do not fit signature \"%s\"", __func__, strs[2])
                       : WEFT_NOMEM;
        weft_task_free(h);
        goto out;
    }
    weft__blob_unref(t->args);
    t->args = b;
    t->given = (unsigned)given;
    *out = h;
out:
    for (int i = 0; i < 3; i++)
        free(strs[i]);
    return st;
}
