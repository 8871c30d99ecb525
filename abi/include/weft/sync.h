/**
 * @file weft/sync.h
 * @brief Locks, re-entrant locks, conditions, semaphores, events and barriers (Python's `threading` synchronisation primitives).
 */
#ifndef WEFT_SYNC_H
#define WEFT_SYNC_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* WEFT_SYNC_H */
