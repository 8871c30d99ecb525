/* A module for the suites to dlopen: its thread-local block is larger than
 * the static TLS room glibc keeps for modules loaded later, so every thread
 * that touches it gets the block from malloc (dynamic TLS), as the threads
 * of a Python extension linked with libweft do. */
#include <stddef.h>

unsigned weft_test_tls_touch(void);

static _Thread_local unsigned char weft_test_tls_block[4096];

__attribute__((visibility("default"))) unsigned weft_test_tls_touch(void)
{
    weft_test_tls_block[0]++;
    weft_test_tls_block[sizeof weft_test_tls_block - 1]++;
    return weft_test_tls_block[0];
}
