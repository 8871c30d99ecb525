/**
 * @file weft/context.h
 * @brief Context variables (Python's `contextvars`).
 */
#ifndef WEFT_CONTEXT_H
#define WEFT_CONTEXT_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* WEFT_CONTEXT_H */
