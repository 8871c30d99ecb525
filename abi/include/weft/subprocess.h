/**
 * @file weft/subprocess.h
 * @brief Subprocesses (Python's `subprocess`).
 */
#ifndef WEFT_SUBPROCESS_H
#define WEFT_SUBPROCESS_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* WEFT_SUBPROCESS_H */
