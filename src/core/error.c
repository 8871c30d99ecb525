/* Status names, messages and the thread-local last-failure message. */
#include "core/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char weft__msg[512];
static _Thread_local int weft__saved_errno;

#define WEFT__ROW_MESSAGE(name, value, pyexc, message) case value: return message;
#define WEFT__ROW_NAME(name, value, pyexc, message) case value: return "WEFT_" #name;
#define WEFT__ROW_PYEXC(name, value, pyexc, message) case value: return pyexc;

const char *weft_strerror(int code)
{
    switch (code) {
        WEFT_STATUS_MAP(WEFT__ROW_MESSAGE)
    default: return "unknown status";
    }
}

const char *weft_status_name(int code)
{
    switch (code) {
        WEFT_STATUS_MAP(WEFT__ROW_NAME)
    default: return "WEFT_UNKNOWN";
    }
}

const char *weft_status_exception(int code)
{
    switch (code) {
        WEFT_STATUS_MAP(WEFT__ROW_PYEXC)
    default: return "Exception";
    }
}

const char *weft_errmsg(void)
{
    return weft__msg;
}

int weft_errno(void)
{
    return weft__saved_errno;
}

static void weft__vset(const char *fmt, va_list ap)
{
    vsnprintf(weft__msg, sizeof weft__msg, fmt, ap);
}

weft_status weft__fail(weft_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    weft__vset(fmt, ap);
    va_end(ap);
    /* A WEFT_OS of weft's own (a read-only connection, a truncated message)
     * carries no errno: an older one must not be read as its cause. */
    if (status == WEFT_OS)
        weft__saved_errno = 0;
    return status;
}

weft_status weft__fail_os(int err, const char *fmt, ...)
{
    char errbuf[128];
    va_list ap;
    va_start(ap, fmt);
    weft__vset(fmt, ap);
    va_end(ap);
    size_t len = strlen(weft__msg);
    /* GNU strerror_r returns the text, which may not be errbuf. */
    const char *text = strerror_r(err, errbuf, sizeof errbuf);
    snprintf(weft__msg + len, sizeof weft__msg - len, ": %s", text);
    weft__saved_errno = err;
    return WEFT_OS;
}

weft_status weft__fail_errno(int err, const char *what)
{
    if (err == ENOMEM)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", what);
    return weft__fail_os(err, "%s", what);
}

char *weft__strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    char *copy = strdup(s);
    if (copy == NULL)
        weft__fail(WEFT_NOMEM, "out of memory copying a string");
    return copy;
}

void weft_free(void *p)
{
    free(p);
}
