/**
 * @file weft/sched.h
 * @brief The event scheduler (Python's `sched`).
 */
#ifndef WEFT_SCHED_H
#define WEFT_SCHED_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* WEFT_SCHED_H */
