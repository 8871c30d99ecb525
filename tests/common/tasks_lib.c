/* Functions for native-task tests, built as libweft_test_tasks.so: one per
 * kind of signature, plus ones that fail the ways a worker must survive. */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT int tt_add(int a, int b);
EXPORT double tt_scale(double x, float f);
EXPORT long long tt_sum_bytes(const void *p, size_t n);
EXPORT void tt_reverse(const void *p, size_t n, void **out, size_t *out_n);
EXPORT void tt_repeat(const void *p, size_t n, int times, void **out, size_t *out_n);
EXPORT void tt_nothing(void **out, size_t *out_n);
EXPORT unsigned char tt_inc_u8(unsigned char x);
EXPORT short tt_neg_short(short x);
EXPORT signed char tt_neg_s8(signed char x);
EXPORT bool tt_is_even(int x);
EXPORT size_t tt_twice_size(size_t x);
EXPORT ssize_t tt_neg_ssize(ssize_t x);
EXPORT unsigned long long tt_max_u64(void);
EXPORT long tt_neg_long(long x);
EXPORT unsigned tt_flip_uint(unsigned x);
EXPORT unsigned long tt_flip_ulong(unsigned long x);
EXPORT unsigned short tt_flip_ushort(unsigned short x);
EXPORT char tt_next_char(char c);
EXPORT float tt_half(float x);
EXPORT void tt_touch(void);
EXPORT int tt_touched(void);
EXPORT double tt_many(int a, int b, int c, int d, int e, int f, int g, int h, double d1, double d2, double d3,
                      double d4, double d5, double d6, double d7, double d8, double d9, long long q, const void *p,
                      size_t n);
EXPORT int tt_crash(void);
EXPORT int tt_exit3(void);
EXPORT int tt_sleep_ms(int ms);
EXPORT int tt_getpid(void);

int tt_add(int a, int b) { return a + b; }
double tt_scale(double x, float f) { return x * f; }
long long tt_sum_bytes(const void *p, size_t n)
{
    long long s = 0;
    for (size_t i = 0; i < n; i++)
        s += ((const unsigned char *)p)[i];
    return s;
}
void tt_reverse(const void *p, size_t n, void **out, size_t *out_n)
{
    unsigned char *r = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        r[i] = ((const unsigned char *)p)[n - 1 - i];
    *out = r;
    *out_n = n;
}
void tt_repeat(const void *p, size_t n, int times, void **out, size_t *out_n)
{
    char *r = malloc(n * (size_t)times + 1);
    for (int i = 0; i < times; i++)
        memcpy(r + (size_t)i * n, p, n);
    *out = r;
    *out_n = n * (size_t)times;
}
void tt_nothing(void **out, size_t *out_n) { (void)out; (void)out_n; }
unsigned char tt_inc_u8(unsigned char x) { return (unsigned char)(x + 1); }
short tt_neg_short(short x) { return (short)-x; }
signed char tt_neg_s8(signed char x) { return (signed char)-x; }
bool tt_is_even(int x) { return x % 2 == 0; }
size_t tt_twice_size(size_t x) { return 2 * x; }
ssize_t tt_neg_ssize(ssize_t x) { return -x; }
unsigned long long tt_max_u64(void) { return ~0ULL; }
long tt_neg_long(long x) { return -x; }
unsigned tt_flip_uint(unsigned x) { return ~x; }
unsigned long tt_flip_ulong(unsigned long x) { return ~x; }
unsigned short tt_flip_ushort(unsigned short x) { return (unsigned short)~x; }
char tt_next_char(char c) { return (char)(c + 1); }
float tt_half(float x) { return x / 2; }
static int touched;
void tt_touch(void) { touched++; }
int tt_touched(void) { return touched; }
double tt_many(int a, int b, int c, int d, int e, int f, int g, int h, double d1, double d2, double d3, double d4,
               double d5, double d6, double d7, double d8, double d9, long long q, const void *p, size_t n)
{
    return a + b + c + d + e + f + g + h + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9 + (double)q +
           (double)tt_sum_bytes(p, n);
}
int tt_crash(void)
{
    raise(SIGSEGV);
    return 0;
}
int tt_exit3(void) { _exit(3); }
int tt_sleep_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
    return ms;
}
int tt_getpid(void) { return (int)getpid(); }
