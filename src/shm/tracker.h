/* The shared-memory tracker, as the process area sees it.
 *
 * The tracker is a small process that unlinks the segments the program
 * created with tracking on and did not unlink, once the last process of the
 * program has gone. Each process of the program holds a write end of one
 * connection to it (an AF_UNIX stream socket, close-on-exec); the tracker
 * sees end-of-file when the last write end closes, however its holders
 * ended. A child made by fork shares the parent's write end with nothing to
 * do. A process started by exec finds it through the environment:
 *
 *     WEFT_SHM_TRACKER_FD=<fd>:<inode>
 *
 * where <fd> is the descriptor number the write end has in the new process
 * (passed to it without close-on-exec) and <inode> the socket's inode number
 * (st_ino), which tells the descriptor apart from any other that happens to
 * have that number in a process the variable leaked into. weft in the new
 * process takes the descriptor over (and makes it close-on-exec) the first
 * time it needs the tracker, or when the worker calls weft__shm_tracker_fd()
 * at its start. */
#ifndef WEFT__SHM_TRACKER_H
#define WEFT__SHM_TRACKER_H

#include <stddef.h>

#define WEFT__SHM_TRACKER_ENV "WEFT_SHM_TRACKER_FD"

/* This process's write end to the tracker, started (or taken over from the
 * environment) when there is none yet; -1 with errno when it cannot be
 * started. The descriptor stays the library's: a spawner passes it to the
 * child (for example with pass_fds, or dup2 before exec) and never closes it. */
int weft__shm_tracker_fd(void);

/* As weft__shm_tracker_fd(), but never starts a tracker: the write end when
 * this process has one (or inherited one through the environment), else -1.
 * A spawner passes this one on, so a child shares its parent's tracker when
 * there is one and starts its own only when it creates a segment itself. */
int weft__shm_tracker_running(void);

/* Writes "WEFT_SHM_TRACKER_FD=<child_fd>:<inode>" for a child in which the
 * write end (weft__shm_tracker_running()) will be descriptor `child_fd`, into
 * buf[cap]. Returns the length, or -1 with errno (ERANGE when `cap` is too
 * small) when there is no tracker. */
int weft__shm_tracker_env(int child_fd, char *buf, size_t cap);

#endif
