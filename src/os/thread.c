/* Starting threads, the same on every POSIX system: pthread_create kept
 * apart from fork().
 *
 * glibc hands a new thread a stack from its cache of ended threads' stacks.
 * Taking one is two steps: the stack moves from the cache to the in-use list
 * under glibc's lock, then, after that lock is released, the dynamic
 * thread-local blocks its last thread allocated (modules loaded with
 * dlopen, such as a Python extension and the libweft it pulls in) are freed
 * and the block table cleared. A fork() by another thread between the two
 * steps copies a stack whose table still points at blocks already freed;
 * the child moves every stack of the parent's other threads back to its
 * cache, and the child's first thread that gets that stack frees the same
 * blocks again: "double free or corruption" and an abort in the child
 * (seen with glibc 2.36: a plain C program whose threads create and join
 * threads while another thread forks loses some children in ten thousand
 * that way).
 *
 * fork() takes no lock of glibc's that would keep it out of that window,
 * but it runs the pthread_atfork handlers first: the lock below is taken
 * around every pthread_create of the library and by the prepare handler, so
 * a fork waits for a thread start under way to finish and a thread start
 * waits for the fork. Python's own threads get the same from the GIL, which
 * both its thread start and os.fork() hold. The lock guards only the call
 * itself, never anything that could wait for a fork or for another lock. */
#include "os/os.h"

static pthread_mutex_t weft__os_start_mu = PTHREAD_MUTEX_INITIALIZER;

static void weft__os_start_prefork(void)
{
    pthread_mutex_lock(&weft__os_start_mu);
}

/* Parent and child alike: in the child the forking thread, which took the
 * lock, is the one that releases it. */
static void weft__os_start_postfork(void)
{
    pthread_mutex_unlock(&weft__os_start_mu);
}

__attribute__((constructor)) static void weft__os_start_load(void)
{
    (void)pthread_atfork(weft__os_start_prefork, weft__os_start_postfork, weft__os_start_postfork);
}

int weft__os_thread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    pthread_mutex_lock(&weft__os_start_mu);
    int rc = pthread_create(th, attr, fn, arg);
    pthread_mutex_unlock(&weft__os_start_mu);
    return rc;
}
