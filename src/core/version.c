#include "core/internal.h"

unsigned weft_version(void)
{
    return WEFT_VERSION_NUMBER;
}

const char *weft_version_string(void)
{
    return WEFT_VERSION_STRING;
}
