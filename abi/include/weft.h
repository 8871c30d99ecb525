/**
 * @file weft.h
 * @brief The umbrella header: includes every area of weft.
 *
 * weft is Python's "Concurrent Execution" chapter as a C library. Include
 * this header, link with `pkg-config --libs weft`, and see the area headers
 * for the API: weft/core.h (versions, errors, callables), weft/thread.h,
 * weft/sync.h, weft/queue.h, weft/futures.h, weft/sched.h, weft/context.h,
 * weft/subprocess.h, weft/connection.h, weft/task.h, weft/shm.h, weft/process.h.
 */
#ifndef WEFT_H
#define WEFT_H

#include "weft/core.h"
#include "weft/status.h"
#include "weft/thread.h"
#include "weft/sync.h"
#include "weft/queue.h"
#include "weft/futures.h"
#include "weft/sched.h"
#include "weft/context.h"
#include "weft/subprocess.h"
#include "weft/connection.h"
#include "weft/task.h"
#include "weft/shm.h"
#include "weft/mpsync.h"
#include "weft/process.h"

#endif /* WEFT_H */
