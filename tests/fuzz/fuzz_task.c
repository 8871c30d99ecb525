/* libFuzzer target: the task decoder (weft_task_from_bytes), which a worker
 * runs on bytes that arrive from another process. Whatever arrives gives a
 * status, never a crash or a leak; what it accepts serialises back to the
 * same bytes. Nothing decoded is called. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weft_task *t;
    if (weft_task_from_bytes(&t, data, size) != WEFT_OK)
        return 0;
    const char *obj, *sym, *sig;
    if (weft_task_describe(t, &obj, &sym, &sig) != WEFT_OK)
        abort();
    void *buf;
    size_t n;
    if (weft_task_to_bytes(t, &buf, &n) != WEFT_OK || n != size || memcmp(buf, data, n) != 0)
        abort();
    weft_free(buf);
    /* Appending to whatever arguments it holds checks types, never overruns. */
    weft_task_add_int(t, 1);
    weft_task_add_double(t, 1.0);
    weft_task_add_bytes(t, "x", 1);
    weft_task_free(t);
    return 0;
}
