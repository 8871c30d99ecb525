/* Native tasks: signatures, argument bytes, resolution, calls through
 * libffi, serialisation, and the failure paths of each. */
#include "weft_test.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#define LIB WEFT_TEST_TASKS_LIB

/* A function of the suite's own program, found through -rdynamic. */
__attribute__((visibility("default"))) int suite_triple(int x);
int suite_triple(int x)
{
    return 3 * x;
}

static weft_task *task(const char *sym, const char *sig)
{
    weft_task *t;
    WEFT_ASSERT_OK(weft_task_new(&t, LIB, sym, sig));
    return t;
}

/* Calls `t` and checks that the result is `n` bytes equal to `want`. */
static void expect_result(weft_task *t, const void *want, size_t n)
{
    void *r;
    size_t rn;
    WEFT_ASSERT_OK(weft_task_call(t, &r, &rn));
    cr_assert_eq(rn, n, "result of %zu bytes, wanted %zu", rn, n);
    if (n)
        cr_assert(memcmp(r, want, n) == 0);
    weft_free(r);
}

Test(task, int_add_through_add_int)
{
    weft_task *t = task("tt_add", "i(ii)");
    WEFT_ASSERT_OK(weft_task_add_int(t, 40));
    WEFT_ASSERT_OK(weft_task_add_int(t, 2));
    int want = 42;
    expect_result(t, &want, sizeof want);
    /* Calls repeat with the same arguments. */
    expect_result(t, &want, sizeof want);
    WEFT_ASSERT_OK(weft_task_free(t));
}

Test(task, every_scalar_code)
{
    struct {
        const char *sym, *sig;
        long long arg;
        bool has_arg;
        long long want;
        size_t size;
        bool is_unsigned;
    } cases[] = {
        { "tt_inc_u8", "B(B)", 255, true, 0, 1, true },
        { "tt_neg_short", "h(h)", -300, true, 300, sizeof(short), false },
        { "tt_neg_s8", "b(b)", 100, true, -100, 1, false },
        { "tt_is_even", "?(i)", 4, true, 1, sizeof(_Bool), true },
        { "tt_is_even", "?(i)", 3, true, 0, sizeof(_Bool), true },
        { "tt_twice_size", "N(N)", 21, true, 42, sizeof(size_t), true },
        { "tt_neg_ssize", "n(n)", 7, true, -7, sizeof(ssize_t), false },
        { "tt_neg_long", "l(l)", LONG_MIN + 1, true, LONG_MAX, sizeof(long), false },
        { "tt_flip_uint", "I(I)", 0, true, (long long)UINT_MAX, sizeof(unsigned), true },
        { "tt_flip_ushort", "H(H)", 1, true, 0xfffe, sizeof(unsigned short), true },
        { "tt_flip_ulong", "L(L)", -1 /* fits? no: see below */, false, 0, sizeof(unsigned long), true },
        { "tt_next_char", "c(c)", 'a', true, 'b', 1, (char)-1 > 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        weft_task *t = task(cases[i].sym, cases[i].sig);
        if (!cases[i].has_arg) {
            WEFT_ASSERT_STATUS(weft_task_add_int(t, cases[i].arg), WEFT_EINVAL); /* -1 is not unsigned */
            WEFT_ASSERT_OK(weft_task_add_uint(t, 0));
            cases[i].want = -1; /* ~0 */
        } else {
            WEFT_ASSERT_OK(weft_task_add_int(t, cases[i].arg));
        }
        void *r;
        size_t n;
        WEFT_ASSERT_OK(weft_task_call(t, &r, &n));
        cr_assert_eq(n, cases[i].size, "%s: %zu bytes", cases[i].sym, n);
        long long got = 0;
        switch (n) {
        case 1: got = cases[i].is_unsigned ? *(uint8_t *)r : *(int8_t *)r; break;
        case 2: got = cases[i].is_unsigned ? *(uint16_t *)r : *(int16_t *)r; break;
        case 4: got = cases[i].is_unsigned ? (long long)*(uint32_t *)r : (long long)*(int32_t *)r; break;
        default: got = *(int64_t *)r; break;
        }
        cr_assert_eq(got, cases[i].want, "%s: got %lld, wanted %lld", cases[i].sym, got, cases[i].want);
        weft_free(r);
        weft_task_free(t);
    }
}

Test(task, floats_and_unsigned_64)
{
    weft_task *t = task("tt_scale", "d(df)");
    WEFT_ASSERT_OK(weft_task_add_double(t, 1.5));
    WEFT_ASSERT_OK(weft_task_add_double(t, 4.0));
    double d = 6.0;
    expect_result(t, &d, sizeof d);
    weft_task_free(t);

    t = task("tt_half", "f(f)");
    WEFT_ASSERT_OK(weft_task_add_double(t, 3.0));
    float f = 1.5f;
    expect_result(t, &f, sizeof f);
    weft_task_free(t);

    t = task("tt_max_u64", "Q()");
    unsigned long long q = ~0ULL;
    expect_result(t, &q, sizeof q);
    weft_task_free(t);
}

Test(task, bytes_in_and_out)
{
    weft_task *t = task("tt_reverse", "y(y)");
    WEFT_ASSERT_OK(weft_task_add_bytes(t, "abc", 3));
    expect_result(t, "cba", 3);
    weft_task_free(t);

    t = task("tt_repeat", "y(yi)");
    WEFT_ASSERT_OK(weft_task_add_bytes(t, "ab", 2));
    WEFT_ASSERT_OK(weft_task_add_int(t, 3));
    expect_result(t, "ababab", 6);
    weft_task_free(t);

    /* A y result left NULL is an empty result. */
    t = task("tt_nothing", "y()");
    void *r = (void *)1;
    size_t n = 99;
    WEFT_ASSERT_OK(weft_task_call(t, &r, &n));
    cr_assert_null(r);
    cr_assert_eq(n, 0);
    weft_task_free(t);

    /* Empty bytes, and NULL data with size 0. */
    t = task("tt_sum_bytes", "q(y)");
    WEFT_ASSERT_OK(weft_task_add_bytes(t, NULL, 0));
    long long zero = 0;
    expect_result(t, &zero, sizeof zero);
    weft_task_free(t);
}

Test(task, many_arguments_spill_to_the_stack)
{
    weft_task *t = task("tt_many", "d(iiiiiiiidddddddddqy)");
    for (int i = 1; i <= 8; i++)
        WEFT_ASSERT_OK(weft_task_add_int(t, i));
    for (int i = 1; i <= 9; i++)
        WEFT_ASSERT_OK(weft_task_add_double(t, i * 0.5));
    WEFT_ASSERT_OK(weft_task_add_int(t, 1000));
    WEFT_ASSERT_OK(weft_task_add_bytes(t, "\x01\x02", 2));
    double want = 36 + 22.5 + 1000 + 3;
    expect_result(t, &want, sizeof want);
    weft_task_free(t);
}

Test(task, void_result_and_no_arguments)
{
    weft_task *t = task("tt_touch", "v()");
    weft_task *count = task("tt_touched", "i()");
    void *r = (void *)1;
    size_t n = 5;
    WEFT_ASSERT_OK(weft_task_call(t, &r, &n));
    cr_assert_null(r);
    cr_assert_eq(n, 0);
    WEFT_ASSERT_OK(weft_task_call(t, NULL, NULL));
    int two = 2;
    expect_result(count, &two, sizeof two);
    weft_task_free(t);
    weft_task_free(count);
}

Test(task, main_program_by_name_and_by_pointer)
{
    weft_task *t;
    WEFT_ASSERT_OK(weft_task_new(&t, NULL, "suite_triple", "i(i)"));
    WEFT_ASSERT_OK(weft_task_add_int(t, 14));
    int want = 42;
    expect_result(t, &want, sizeof want);
    weft_task_free(t);

    WEFT_ASSERT_OK(weft_task_from_pointer(&t, (weft_native_fn)suite_triple, "i(i)"));
    const char *obj, *sym, *sig;
    WEFT_ASSERT_OK(weft_task_describe(t, &obj, &sym, &sig));
    cr_assert_str_eq(obj, "");
    cr_assert_str_eq(sym, "suite_triple");
    cr_assert_str_eq(sig, "i(i)");
    WEFT_ASSERT_OK(weft_task_add_int(t, 14));
    expect_result(t, &want, sizeof want);
    weft_task_free(t);
}

Test(task, from_pointer_names_the_shared_object)
{
    weft_task *t = task("tt_add", "i(ii)");
    WEFT_ASSERT_OK(weft_task_resolve(t));
    weft_task_free(t);
    /* A pointer into the library: weft's own exported function. */
    WEFT_ASSERT_OK(weft_task_from_pointer(&t, (weft_native_fn)weft_version, "I()"));
    const char *obj, *sym;
    WEFT_ASSERT_OK(weft_task_describe(t, &obj, &sym, NULL));
    cr_assert(strstr(obj, "libweft.so") != NULL, "object %s", obj);
    cr_assert_str_eq(sym, "weft_version");
    unsigned v = weft_version();
    expect_result(t, &v, sizeof v);
    weft_task_free(t);
}

static int not_exported(int x)
{
    return x;
}

Test(task, from_pointer_refuses_what_no_symbol_names)
{
    weft_task *t = (weft_task *)1;
    WEFT_ASSERT_STATUS(weft_task_from_pointer(&t, (weft_native_fn)not_exported, "i(i)"), WEFT_EINVAL);
    cr_assert_null(t);
    cr_assert(strstr(weft_errmsg(), "-rdynamic") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_task_from_pointer(&t, NULL, "i(i)"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_from_pointer(NULL, (weft_native_fn)suite_triple, "i(i)"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_from_pointer(&t, (weft_native_fn)suite_triple, "i(i"), WEFT_EINVAL);
}

Test(task, malformed_signatures)
{
    const char *bad[] = { "", "i", "(i)", "ii)", "i(i", "i(v)", "x()", "i(i)x", "i(z)", "i()(" };
    weft_task *t = (weft_task *)1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        WEFT_ASSERT_STATUS(weft_task_new(&t, LIB, "tt_add", bad[i]), WEFT_EINVAL);
        cr_assert_null(t);
    }
    WEFT_ASSERT_STATUS(weft_task_new(&t, LIB, "tt_add", NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_new(&t, LIB, NULL, "i()"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_new(&t, LIB, "", "i()"), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_new(NULL, LIB, "tt_add", "i()"), WEFT_EINVAL);
    char many[200] = "v(";
    memset(many + 2, 'i', 150);
    strcpy(many + 152, ")");
    WEFT_ASSERT_STATUS(weft_task_new(&t, LIB, "tt_add", many), WEFT_EINVAL);
}

Test(task, argument_type_and_range_checks)
{
    weft_task *t = task("tt_neg_s8", "b(b)");
    WEFT_ASSERT_STATUS(weft_task_add_int(t, 128), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_add_int(t, -129), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_add_double(t, 1.0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_add_bytes(t, "x", 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_add_uint(t, ULLONG_MAX), WEFT_EINVAL);
    /* Missing argument: the call says so. */
    WEFT_ASSERT_STATUS(weft_task_call(t, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_task_add_int(t, -128));
    WEFT_ASSERT_STATUS(weft_task_add_int(t, 1), WEFT_EINVAL); /* all given */
    weft_task_free(t);

    t = task("tt_is_even", "?(?)"); /* the function takes int; only the encoding is tested */
    WEFT_ASSERT_STATUS(weft_task_add_int(t, 2), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_task_add_int(t, 1));
    weft_task_free(t);

    t = task("tt_max_u64", "Q(Q)");
    WEFT_ASSERT_OK(weft_task_add_uint(t, ULLONG_MAX));
    weft_task_free(t);
    t = task("tt_max_u64", "Q(q)");
    WEFT_ASSERT_STATUS(weft_task_add_uint(t, ULLONG_MAX), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_add_bytes(t, NULL, 3), WEFT_EINVAL);
    weft_task_free(t);
}

Test(task, argument_bytes_set_whole_and_read_back)
{
    weft_task *t = task("tt_repeat", "y(yi)");
    unsigned char args[8 + 2 + sizeof(int)];
    uint64_t n = 2;
    int times = 2;
    memcpy(args, &n, 8);
    memcpy(args + 8, "xy", 2);
    memcpy(args + 10, &times, sizeof times);
    WEFT_ASSERT_OK(weft_task_set_args(t, args, sizeof args));
    expect_result(t, "xyxy", 4);
    const void *got;
    size_t gn;
    WEFT_ASSERT_OK(weft_task_args(t, &got, &gn));
    cr_assert_eq(gn, sizeof args);
    cr_assert(memcmp(got, args, gn) == 0);
    /* Wrong shapes leave the arguments as they were. */
    WEFT_ASSERT_STATUS(weft_task_set_args(t, args, sizeof args - 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_set_args(t, args, 10), WEFT_EINVAL);
    n = 1000;
    unsigned char lying[sizeof args];
    memcpy(lying, args, sizeof args);
    memcpy(lying, &n, 8);
    WEFT_ASSERT_STATUS(weft_task_set_args(t, lying, sizeof lying), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_set_args(t, NULL, 4), WEFT_EINVAL);
    expect_result(t, "xyxy", 4);
    /* After set_args every argument is given. */
    WEFT_ASSERT_STATUS(weft_task_add_int(t, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_args(t, NULL, &gn), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_args(t, &got, NULL), WEFT_EINVAL);
    weft_task_free(t);

    t = task("tt_touched", "i()");
    WEFT_ASSERT_OK(weft_task_set_args(t, NULL, 0));
    weft_task_free(t);
}

Test(task, missing_object_or_symbol_is_not_found)
{
    weft_task *t;
    WEFT_ASSERT_OK(weft_task_new(&t, "/nonexistent/libnothing.so", "f", "v()"));
    WEFT_ASSERT_STATUS(weft_task_resolve(t), WEFT_NOT_FOUND);
    cr_assert(strstr(weft_errmsg(), "libnothing") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_task_call(t, NULL, NULL), WEFT_NOT_FOUND);
    weft_task_free(t);

    t = task("tt_no_such_function", "v()");
    WEFT_ASSERT_STATUS(weft_task_resolve(t), WEFT_NOT_FOUND);
    cr_assert(strstr(weft_errmsg(), "tt_no_such_function") != NULL, "%s", weft_errmsg());
    void *r = (void *)1;
    size_t n = 1;
    WEFT_ASSERT_STATUS(weft_task_call(t, &r, &n), WEFT_NOT_FOUND);
    cr_assert_null(r);
    cr_assert_eq(n, 0);
    weft_task_free(t);

    WEFT_ASSERT_OK(weft_task_new(&t, NULL, "not_in_the_program_at_all", "v()"));
    WEFT_ASSERT_STATUS(weft_task_call(t, NULL, NULL), WEFT_NOT_FOUND);
    weft_task_free(t);
}

Test(task, bytes_round_trip)
{
    weft_task *t = task("tt_repeat", "y(yi)");
    WEFT_ASSERT_OK(weft_task_add_bytes(t, "hi", 2));
    void *buf;
    size_t n;
    /* A task with only some arguments serialises too. */
    WEFT_ASSERT_OK(weft_task_to_bytes(t, &buf, &n));
    weft_task *u;
    WEFT_ASSERT_OK(weft_task_from_bytes(&u, buf, n));
    WEFT_ASSERT_OK(weft_task_add_int(u, 2));
    expect_result(u, "hihi", 4);
    weft_free(buf);
    WEFT_ASSERT_OK(weft_task_to_bytes(u, &buf, &n));
    weft_task *w;
    WEFT_ASSERT_OK(weft_task_from_bytes(&w, buf, n));
    const char *obj, *sym, *sig;
    WEFT_ASSERT_OK(weft_task_describe(w, &obj, &sym, &sig));
    cr_assert_str_eq(obj, LIB);
    cr_assert_str_eq(sym, "tt_repeat");
    cr_assert_str_eq(sig, "y(yi)");
    expect_result(w, "hihi", 4);

    /* Every truncation and a flipped magic byte are refused. */
    for (size_t cut = 0; cut < n; cut++) {
        weft_task *x = (weft_task *)1;
        WEFT_ASSERT_STATUS(weft_task_from_bytes(&x, buf, cut), WEFT_EINVAL);
        cr_assert_null(x);
    }
    ((unsigned char *)buf)[0] ^= 1;
    WEFT_ASSERT_STATUS(weft_task_from_bytes(&w, buf, n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_from_bytes(&w, NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_from_bytes(NULL, buf, n), WEFT_EINVAL);
    weft_free(buf);
    WEFT_ASSERT_STATUS(weft_task_to_bytes(t, NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_to_bytes(t, &buf, NULL), WEFT_EINVAL);
    cr_assert_null(buf);
    weft_task_free(t);
    weft_task_free(u);
    weft_task_free(w);
}

Test(task, bad_handles)
{
    weft_task *t = task("tt_add", "i(ii)");
    WEFT_ASSERT_OK(weft_task_free(t));
    const void *a;
    size_t n;
    void *b;
    WEFT_ASSERT_STATUS(weft_task_free(t), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_add_int(t, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_add_uint(t, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_add_double(t, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_add_bytes(t, "", 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_set_args(t, NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_args(t, &a, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_resolve(t), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_call(t, &b, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_to_bytes(t, &b, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_task_describe(t, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_task_free(NULL));
    /* Another type's handle. */
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_STATUS(weft_task_call((weft_task *)l, NULL, NULL), WEFT_EINVAL);
    weft_lock_free(l);
}

/* Calls while another thread changes the arguments: each call sees either
 * the old or the new bytes whole (copy on write), never a torn mix. */
static weft_task *shared_task;
static void *setter(void *arg)
{
    for (int i = 0; i < 2000; i++) {
        unsigned char args[8 + 4 + sizeof(int)];
        uint64_t n = 4;
        int times = 1;
        memcpy(args, &n, 8);
        memcpy(args + 8, (i & 1) ? "AAAA" : "BBBB", 4);
        memcpy(args + 12, &times, sizeof times);
        weft_task_set_args(shared_task, args, sizeof args);
    }
    return NULL;
}

Test(task, calls_race_with_argument_changes)
{
    shared_task = task("tt_repeat", "y(yi)");
    WEFT_ASSERT_OK(weft_task_add_bytes(shared_task, "AAAA", 4));
    WEFT_ASSERT_OK(weft_task_add_int(shared_task, 1));
    pthread_t th;
    pthread_create(&th, NULL, setter, NULL);
    for (int i = 0; i < 2000; i++) {
        void *r;
        size_t n;
        WEFT_ASSERT_OK(weft_task_call(shared_task, &r, &n));
        cr_assert_eq(n, 4);
        cr_assert(memcmp(r, "AAAA", 4) == 0 || memcmp(r, "BBBB", 4) == 0);
        weft_free(r);
    }
    pthread_join(th, NULL);
    weft_task_free(shared_task);
}
