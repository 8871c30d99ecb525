/**
 * @file weft/queue.h
 * @brief Queues: FIFO, LIFO, priority and simple (Python's `queue`).
 */
#ifndef WEFT_QUEUE_H
#define WEFT_QUEUE_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* WEFT_QUEUE_H */
