/**
 * @file weft/futures.h
 * @brief Futures and executors (Python's `concurrent.futures`).
 */
#ifndef WEFT_FUTURES_H
#define WEFT_FUTURES_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* WEFT_FUTURES_H */
