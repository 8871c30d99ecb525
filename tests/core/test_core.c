/* Versions, status table, messages and the callable protocol. */
#include "weft_test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

Test(version, runtime_matches_headers)
{
    cr_assert_eq(weft_version(), WEFT_VERSION_NUMBER);
    cr_assert_str_eq(weft_version_string(), WEFT_VERSION_STRING);
    cr_assert(WEFT_VERSION_AT_LEAST(1, 0, 0));
    cr_assert(!WEFT_VERSION_AT_LEAST(WEFT_VERSION_MAJOR + 1, 0, 0));
}

Test(status, table_gives_names_messages_and_exceptions)
{
    cr_assert_str_eq(weft_status_name(WEFT_OK), "WEFT_OK");
    cr_assert_str_eq(weft_status_name(WEFT_TIMEOUT), "WEFT_TIMEOUT");
    cr_assert_str_eq(weft_strerror(WEFT_EMPTY), "queue is empty");
    cr_assert_str_eq(weft_status_exception(WEFT_EMPTY), "queue.Empty");
    cr_assert_str_eq(weft_status_exception(WEFT_OK), "");
    cr_assert_str_eq(weft_status_name(12345), "WEFT_UNKNOWN");
    cr_assert_str_eq(weft_strerror(-1), "unknown status");
    cr_assert_str_eq(weft_status_exception(999), "Exception");
}

Test(status, every_code_has_distinct_name)
{
#define ROW(name, value, pyexc, message) cr_assert_str_eq(weft_status_name(value), "WEFT_" #name);
    WEFT_STATUS_MAP(ROW)
#undef ROW
}

static void report_value(void *arg, weft_outcome *o)
{
    int *v = malloc(sizeof *v);
    *v = *(int *)arg;
    cr_assert_eq(weft_outcome_set_value(o, v, free), WEFT_OK);
    /* A second report is refused and leaves ownership with the caller. */
    int other = 0;
    cr_assert_eq(weft_outcome_set_value(o, &other, NULL), WEFT_INVALID_STATE);
    cr_assert_eq(weft_outcome_set_error(o, WEFT_FAILED, "x", NULL, NULL), WEFT_INVALID_STATE);
}

static int payload_freed;
static void free_payload(void *p)
{
    payload_freed++;
    free(p);
}

static void report_error(void *arg, weft_outcome *o)
{
    (void)arg;
    cr_assert_eq(weft_outcome_set_error(o, WEFT_LOOKUP, "no such thing", malloc(8), free_payload), WEFT_OK);
}

static void report_ok_as_error(void *arg, weft_outcome *o)
{
    (void)arg;
    weft_outcome_set_error(o, WEFT_OK, NULL, NULL, NULL);
}

static void report_nothing(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

Test(callable, value_is_handed_to_caller)
{
    int in = 42;
    void *value = NULL;
    weft_free_fn fv = NULL;
    WEFT_ASSERT_OK(weft_call(report_value, &in, &value, &fv));
    cr_assert_not_null(value);
    cr_assert_eq(*(int *)value, 42);
    cr_assert_eq(fv, free);
    fv(value);
}

Test(callable, discarded_value_is_freed)
{
    int in = 7;
    /* With no place to put it the value is freed (ASan would see a leak). */
    WEFT_ASSERT_OK(weft_call(report_value, &in, NULL, NULL));
}

Test(callable, failure_carries_code_message_and_frees_payload)
{
    payload_freed = 0;
    void *value = (void *)1;
    WEFT_ASSERT_STATUS(weft_call(report_error, NULL, &value, NULL), WEFT_LOOKUP);
    cr_assert_str_eq(weft_errmsg(), "no such thing");
    cr_assert_eq(value, (void *)1, "out-parameter untouched on failure");
    cr_assert_eq(payload_freed, 1);
}

Test(callable, ok_reported_as_failure_becomes_failed)
{
    WEFT_ASSERT_STATUS(weft_call(report_ok_as_error, NULL, NULL, NULL), WEFT_FAILED);
}

Test(callable, reporting_nothing_is_success_with_null)
{
    void *value = (void *)1;
    WEFT_ASSERT_OK(weft_call(report_nothing, NULL, &value, NULL));
    cr_assert_null(value);
}

Test(callable, bad_input)
{
    WEFT_ASSERT_STATUS(weft_call(NULL, NULL, NULL, NULL), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "fn is NULL") != NULL);
    WEFT_ASSERT_STATUS(weft_outcome_set_value(NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_outcome_set_error(NULL, WEFT_FAILED, "m", NULL, NULL), WEFT_EINVAL);
}

static void *other_thread_message(void *unused)
{
    (void)unused;
    return strdup(weft_errmsg()); /* the thread's own storage ends with it */
}

Test(errors, message_is_per_thread)
{
    weft_call(NULL, NULL, NULL, NULL);
    cr_assert(strlen(weft_errmsg()) > 0);
    pthread_t t;
    void *msg = NULL;
    cr_assert_eq(pthread_create(&t, NULL, other_thread_message, NULL), 0);
    pthread_join(t, &msg);
    cr_assert_not_null(msg);
    cr_assert_str_eq((const char *)msg, "", "a new thread has no message of its own yet");
    free(msg);
    cr_assert(strlen(weft_errmsg()) > 0, "this thread's message is unchanged");
    cr_assert_eq(weft_errno(), 0, "no WEFT_OS failure happened");
    weft_free(NULL);
}

Test(handle, ref_keeps_the_object_until_the_last_unref)
{
    weft_lock *l;
    cr_assert_eq(weft_lock_new(&l), WEFT_OK);
    cr_assert_eq(weft_handle_ref(l), WEFT_OK);
    cr_assert_eq(weft_lock_free(l), WEFT_OK);         /* the creator's reference */
    cr_assert_eq(weft_lock_acquire(l, 0), WEFT_OK);   /* still alive: ours holds it */
    cr_assert_eq(weft_lock_release(l), WEFT_OK);
    cr_assert_eq(weft_handle_unref(l), WEFT_OK);      /* the last one */
    cr_assert_eq(weft_lock_acquire(l, 0), WEFT_EINVAL);
    cr_assert_eq(weft_handle_ref(l), WEFT_EINVAL);
    cr_assert_eq(weft_handle_unref(l), WEFT_EINVAL);
    cr_assert_eq(weft_handle_ref(NULL), WEFT_EINVAL);
    cr_assert_eq(weft_handle_unref(NULL), WEFT_OK);
}
