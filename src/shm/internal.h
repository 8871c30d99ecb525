/* What the files of the shared-memory area share: the segment object (which
 * a ShareableList holds a reference to) and the tracker's two messages. */
#ifndef WEFT__SHM_INTERNAL_H
#define WEFT__SHM_INTERNAL_H

#include "os/os.h"
#include "shm/tracker.h"

/* The longest name with its leading '/': NAME_MAX, which every system
 * weft builds on keeps at 255, and below PIPE_BUF with the tracker's
 * framing. */
#define WEFT__SHM_NAME_MAX 255

struct weft_shared_memory {
    weft__obj hdr;
    char *path;              /* "/name", malloc'd; the public name is path + 1 */
    _Atomic(void *) buf;     /* NULL once closed */
    size_t size;
    bool tracked;            /* registered with the tracker by this process */
    _Atomic bool untracked;  /* the registration was withdrawn */
};

extern const weft__type weft__shared_memory_type;

/* Creates or attaches as weft_shared_memory_new() does, giving the object
 * (not yet a handle); `fn` names the public call in messages. */
weft_status weft__shm_open(weft_shared_memory **out, const char *name, bool create, size_t size, bool track,
                           const char *fn);

/* The mapping of an open segment, or WEFT_CLOSED naming `fn`. */
weft_status weft__shm_mapping(weft_shared_memory *shm, unsigned char **buf, const char *fn);

/* Registers `path` ("/name") with the tracker, starting it when needed:
 * one write of under PIPE_BUF bytes. WEFT_OS naming `fn` when the tracker
 * cannot be reached. */
weft_status weft__shm_track(const char *path, const char *fn);

/* Withdraws a registration; a tracker that is gone is no failure. */
void weft__shm_untrack(const char *path);

#endif
