/**
 * @file weft/thread.h
 * @brief Threads (Python's `threading.Thread`, `_thread`), thread-local data, timers, and the module functions of `threading`.
 */
#ifndef WEFT_THREAD_H
#define WEFT_THREAD_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* WEFT_THREAD_H */
