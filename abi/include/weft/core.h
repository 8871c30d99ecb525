/**
 * @file weft/core.h
 * @brief The ground every weft area stands on: export macro, versions, errors,
 *        time limits and the one callable shape.
 *
 * Conventions that hold for the whole library:
 * - every object is an opaque handle, created by `weft_<object>_new` and
 *   released by `weft_<object>_free` (which accepts NULL);
 * - every function that can fail returns a #weft_status and hands results
 *   back through out-parameters; on failure the out-parameters are left
 *   untouched unless the function says otherwise;
 * - a handle handed back through an out-parameter is a new reference the
 *   caller drops, except where that parameter is named `borrowed`: such a
 *   handle stays owned by the object it came from (the bindings read the
 *   name, and take a reference of their own with weft_handle_ref());
 * - likewise a `void **` value handed back is the caller's when the
 *   parameter is named `item` or `result` (a queue's get, weft_call), and
 *   stays the object's when it is named `value` or `payload` (a future's
 *   result, a context's value);
 * - a NULL handle, a handle of the wrong type or one already freed gives
 *   `WEFT_EINVAL` and a message (weft_errmsg()), never a crash: a freed
 *   handle stays recognisable for the life of the process, whatever was
 *   created and freed since and in whichever thread; freeing a handle once
 *   more than it was referenced is `WEFT_EINVAL` too, and never takes a
 *   reference the library holds itself (see weft_handle_ref());
 * - every blocking call takes `double timeout` in seconds: a negative value
 *   waits forever, 0 tries once, anything else is measured on the monotonic
 *   clock and survives spurious wake-ups and signals. A value above
 *   #WEFT_TIMEOUT_MAX, or NaN, gives `WEFT_OVERFLOW` / `WEFT_EINVAL`.
 */
#ifndef WEFT_CORE_H
#define WEFT_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "weft/status.h"

/**
 * @def WEFT_API
 * @brief Marks a function as part of the exported ABI.
 *
 * The library is built with hidden visibility; only declarations carrying
 * this macro (and named in `abi/weft.map`) are exported. Define `WEFT_STATIC`
 * when linking the static library.
 */
#if defined(WEFT_STATIC) && defined(WEFT_BUILDING_SHARED)
#error "WEFT_STATIC and WEFT_BUILDING_SHARED cannot both be defined"
#endif
#if defined(WEFT_BUILDING_SHARED) && (defined(__GNUC__) || defined(__clang__))
#define WEFT_API __attribute__((visibility("default")))
#else
#define WEFT_API
#endif

/**
 * @def WEFT_EXPERIMENTAL_API
 * @brief Marks an exported function that may still change or go away in a
 *        minor release.
 *
 * Experimental functions are declared only when the program defines
 * `WEFT_ENABLE_EXPERIMENTAL` before including any weft header (the library
 * defines it for itself), each header keeping them in an
 * `#ifdef WEFT_ENABLE_EXPERIMENTAL` block. They are exported under the version
 * node `WEFT_EXPERIMENTAL` of `abi/weft.map`, which no stable node inherits; a
 * function leaves it for a stable node (and `WEFT_API`) once its shape is
 * settled. The conventions guide (docs/conventions.md) says more.
 */
#define WEFT_EXPERIMENTAL_API WEFT_API
#if defined(WEFT_BUILDING_SHARED) && !defined(WEFT_ENABLE_EXPERIMENTAL)
#define WEFT_ENABLE_EXPERIMENTAL
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Major version: the ABI major, also the SONAME's number. */
#define WEFT_VERSION_MAJOR 1
/** @brief Minor version: grows when functions are added. */
#define WEFT_VERSION_MINOR 1
/** @brief Patch version: fixes that change no interface. */
#define WEFT_VERSION_PATCH 0
/** @brief The version as a string literal. */
#define WEFT_VERSION_STRING "1.1.0"
/** @brief Packs a version into one number, as weft_version() returns it. */
#define WEFT_VERSION_PACK(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))
/** @brief The headers' version, packed by #WEFT_VERSION_PACK. */
#define WEFT_VERSION_NUMBER WEFT_VERSION_PACK(WEFT_VERSION_MAJOR, WEFT_VERSION_MINOR, WEFT_VERSION_PATCH)
/** @brief True when the headers are at least version major.minor.patch. */
#define WEFT_VERSION_AT_LEAST(major, minor, patch) \
    (WEFT_VERSION_NUMBER >= WEFT_VERSION_PACK(major, minor, patch))

/**
 * @brief Largest accepted timeout in seconds, as Python's `threading.TIMEOUT_MAX`.
 *
 * It is the largest number of whole seconds whose nanoseconds fit a signed
 * 64-bit integer. A larger timeout gives `WEFT_OVERFLOW`.
 */
#define WEFT_TIMEOUT_MAX 9223372036.0

/**
 * @brief Version of the loaded library, packed by #WEFT_VERSION_PACK.
 *
 * Compare with #WEFT_VERSION_NUMBER to see whether the headers a program was
 * built with match the library it runs with.
 * @return the packed version; never fails.
 */
WEFT_API unsigned weft_version(void);

/**
 * @brief Version of the loaded library as a static string such as "1.0.0".
 * @return a string the caller must not free; never NULL.
 */
WEFT_API const char *weft_version_string(void);

/**
 * @brief Static description of a status code.
 * @param code a #weft_status (any int is accepted).
 * @return a static string, "unknown status" for a number not in the table.
 */
WEFT_API const char *weft_strerror(int code);

/**
 * @brief Static name of a status code, such as "WEFT_TIMEOUT".
 * @param code a #weft_status (any int is accepted).
 * @return a static string, "WEFT_UNKNOWN" for a number not in the table.
 */
WEFT_API const char *weft_status_name(int code);

/**
 * @brief Dotted name of the Python exception a status code stands for.
 *
 * Bindings use it to raise the same exception the Python module would:
 * "queue.Empty" for `WEFT_EMPTY`, "TimeoutError" for `WEFT_TIMEOUT`.
 * @param code a #weft_status (any int is accepted).
 * @return a static string; "" for `WEFT_OK`, "Exception" for an unknown code.
 */
WEFT_API const char *weft_status_exception(int code);

/**
 * @brief Message about the last failure in the calling thread.
 *
 * Every failing call sets it (what failed, which argument, the errno text for
 * `WEFT_OS`); successful calls leave it as it was, like `errno`.
 * @return a thread-local string valid until the next failing weft call in
 *         this thread; "" when nothing has failed yet. Never NULL.
 */
WEFT_API const char *weft_errmsg(void);

/**
 * @brief The `errno` saved with the last `WEFT_OS` failure in the calling thread.
 * @return the saved errno; 0 if none was saved, or if the last `WEFT_OS`
 *         came from weft itself rather than from a system call.
 */
WEFT_API int weft_errno(void);

/**
 * @brief Releases memory that a weft function handed to the caller with the
 *        instruction to free it with weft_free() (strings, arrays of handles).
 * @param p the pointer; NULL is accepted.
 */
WEFT_API void weft_free(void *p);

/**
 * @brief Takes one more reference on any weft handle.
 *
 * Every handle starts with one reference, its creator's, which
 * `weft_<object>_free` drops. A binding or a container that keeps a handle
 * beside its creator (a queue item, a call that blocks while another thread
 * may free the handle) takes a reference of its own, and drops it with
 * weft_handle_unref(); the object lives until the last reference is dropped,
 * and calls made through the handle stay valid until then.
 *
 * Taking a reference on a handle another thread may be freeing at the same
 * moment is safe: the call either takes the reference or reports that the
 * handle is gone.
 * @param handle a handle of any weft type.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p handle is NULL, not a weft handle,
 *         or already freed; `WEFT_OVERFLOW` if the handle holds the largest
 *         number of references it can count.
 * @since 1.1
 */
WEFT_API weft_status weft_handle_ref(void *handle);

/**
 * @brief Drops a reference taken with weft_handle_ref() (or the creator's,
 *        exactly as `weft_<object>_free` does).
 *
 * Once a handle's last reference is dropped it is freed: every later use of
 * it, by any thread, gives `WEFT_EINVAL` ("already freed"), never a crash.
 * References the library holds itself (a running thread, a pending future, a
 * lock inside a condition) are not the caller's to drop: dropping more
 * references than were taken gives `WEFT_EINVAL` and leaves the library's
 * own references alone.
 * @param handle a handle of any weft type; NULL is accepted and does nothing.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p handle is not a weft handle or has
 *         no reference left to drop.
 * @since 1.1
 */
WEFT_API weft_status weft_handle_unref(void *handle);

/** @brief Frees a value or argument owned by the library; NULL may stand for "nothing to free". */
typedef void (*weft_free_fn)(void *p);

/**
 * @brief What a callable reports: a value or a failure.
 *
 * The library creates one for each call of a #weft_fn and reads it when the
 * function returns; it is valid only during that call. A callable that
 * reports nothing has succeeded with a NULL value.
 */
typedef struct weft_outcome weft_outcome;

/**
 * @brief The one callable shape: threads, timers, executor tasks, scheduler
 *        actions and done callbacks all call `fn(arg, outcome)`.
 *
 * Wherever a callable is handed to weft it comes as `(fn, arg, free_arg)`:
 * the library calls `free_arg(arg)` (when not NULL) exactly once, after the
 * last call or when the work is cancelled or never run.
 */
typedef void (*weft_fn)(void *arg, weft_outcome *outcome);

/**
 * @brief A predicate for waits such as weft_condition_wait_for().
 * @return non-zero when the awaited condition holds.
 */
typedef int (*weft_pred_fn)(void *arg);

/**
 * @brief Reports a value from a callable.
 *
 * @param outcome the outcome passed to the callable.
 * @param value the result; NULL is a valid result.
 * @param free_value frees @p value when its last holder lets go; may be NULL.
 * @return `WEFT_OK`, the outcome now owns @p value;
 *         `WEFT_EINVAL` if @p outcome is NULL;
 *         `WEFT_INVALID_STATE` if a value or failure was already reported.
 *         On failure the caller still owns @p value.
 */
WEFT_API weft_status weft_outcome_set_value(weft_outcome *outcome, void *value, weft_free_fn free_value);

/**
 * @brief Reports a failure from a callable, as raising an exception would.
 *
 * @param outcome the outcome passed to the callable.
 * @param code the failure's status; `WEFT_OK` is turned into `WEFT_FAILED`.
 * @param message a description, copied; may be NULL.
 * @param payload an object of the caller's (a binding's exception object);
 *        may be NULL.
 * @param free_payload frees @p payload; may be NULL.
 * @return `WEFT_OK`, the outcome now owns @p payload;
 *         `WEFT_EINVAL` if @p outcome is NULL;
 *         `WEFT_INVALID_STATE` if a value or failure was already reported;
 *         `WEFT_NOMEM` if the message could not be copied.
 *         On failure the caller still owns @p payload.
 */
WEFT_API weft_status weft_outcome_set_error(weft_outcome *outcome, weft_status code, const char *message,
                                            void *payload, weft_free_fn free_payload);

/**
 * @brief Runs a callable once, as the library runs callables, and returns
 *        what it reported.
 *
 * This is the reference behaviour of the callable protocol: threads, timers
 * and executors call their callables the same way. The argument is *not*
 * freed: the caller keeps @p arg.
 *
 * @param fn the callable; must not be NULL.
 * @param arg its argument.
 * @param result receives the reported value (the caller owns it and frees it
 *        with @p free_result); may be NULL to discard (the value is freed).
 * @param free_result receives the value's free function; may be NULL.
 * @return `WEFT_OK` if the callable reported a value or nothing; the code it
 *         reported as a failure otherwise (its message is then weft_errmsg(),
 *         and its payload is freed); `WEFT_EINVAL` if @p fn is NULL.
 */
WEFT_API weft_status weft_call(weft_fn fn, void *arg, void **result, weft_free_fn *free_result);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_CORE_H */
