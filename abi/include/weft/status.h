/**
 * @file weft/status.h
 * @brief Status codes: the one table from which the C enum, weft_strerror(),
 *        weft_status_name() and every binding's exception mapping are generated.
 *
 * Each row of #WEFT_STATUS_MAP is `XX(NAME, value, python_exception, message)`:
 * - `NAME` becomes the enum constant `WEFT_<NAME>`;
 * - `value` is its number, never reused once released (a retired code keeps
 *   its row with the message "retired");
 * - `python_exception` is the dotted name of the Python exception the code
 *   stands for, which the bindings use to raise the same exception class;
 * - `message` is the static text weft_strerror() returns.
 */
#ifndef WEFT_STATUS_H
#define WEFT_STATUS_H

/**
 * @brief The status table, as an X-macro: `XX(NAME, value, python_exception, message)`.
 *
 * Define `XX` and expand `WEFT_STATUS_MAP(XX)` to generate code from it.
 */
#define WEFT_STATUS_MAP(XX)                                                                      \
    XX(OK, 0, "", "success")                                                                     \
    XX(EINVAL, 1, "ValueError", "invalid argument")                                              \
    XX(NOMEM, 2, "MemoryError", "out of memory")                                                 \
    XX(OS, 3, "OSError", "operating system error")                                               \
    XX(TIMEOUT, 4, "TimeoutError", "timed out")                                                  \
    XX(EMPTY, 5, "queue.Empty", "queue is empty")                                                \
    XX(FULL, 6, "queue.Full", "queue is full")                                                   \
    XX(SHUTDOWN, 7, "queue.ShutDown", "shut down")                                               \
    XX(CANCELLED, 8, "concurrent.futures.CancelledError", "cancelled")                           \
    XX(INVALID_STATE, 9, "concurrent.futures.InvalidStateError", "invalid state")                \
    XX(BROKEN, 10, "threading.BrokenBarrierError", "broken")                                     \
    XX(BROKEN_EXECUTOR, 11, "concurrent.futures.BrokenExecutor", "executor is broken")           \
    XX(BROKEN_THREAD_POOL, 12, "concurrent.futures.thread.BrokenThreadPool",                     \
       "thread pool is broken")                                                                  \
    XX(BROKEN_PROCESS_POOL, 13, "concurrent.futures.process.BrokenProcessPool",                  \
       "process pool is broken")                                                                 \
    XX(NOT_OWNER, 14, "RuntimeError", "not owned by the calling thread")                         \
    XX(RUNTIME, 15, "RuntimeError", "operation not allowed in this state")                       \
    XX(EOF, 16, "EOFError", "end of file")                                                       \
    XX(AUTH, 17, "multiprocessing.AuthenticationError", "authentication failed")                 \
    XX(CALLED_PROCESS, 18, "subprocess.CalledProcessError", "process exited with non-zero status") \
    XX(NOT_SUPPORTED, 19, "NotImplementedError", "not supported on this platform")               \
    XX(FAILED, 20, "Exception", "a callable reported failure")                                   \
    XX(LOOKUP, 21, "LookupError", "no such key")                                                 \
    XX(CLOSED, 22, "ValueError", "object is closed")                                             \
    XX(BUFFER_TOO_SHORT, 23, "multiprocessing.BufferTooShort", "buffer too short")               \
    XX(PROCESS, 24, "multiprocessing.ProcessError", "process error")                             \
    XX(OVERFLOW, 25, "OverflowError", "value out of range")                                      \
    XX(INTERRUPTED, 26, "InterruptedError", "interrupted by a signal")                            \
    XX(NOT_FOUND, 27, "ImportError", "shared object or symbol not found")                        \
    XX(OWNER_DIED, 28, "multiprocessing.ProcessError", "the previous owner died while holding it")

/** @brief Expands one row of #WEFT_STATUS_MAP into an enumerator `WEFT_<NAME> = value`. */
#define WEFT_STATUS_ENUM_ROW(name, value, pyexc, message) WEFT_##name = value,

/**
 * @brief Status returned by every weft function that can fail; `WEFT_OK` (0) is success.
 *
 * The enumerators are generated from #WEFT_STATUS_MAP, which lists each with
 * its message and the Python exception it stands for.
 */
typedef enum weft_status { WEFT_STATUS_MAP(WEFT_STATUS_ENUM_ROW) } weft_status;

#endif /* WEFT_STATUS_H */
