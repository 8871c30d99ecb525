/* Thread pieces for other POSIX systems: no portable kernel thread id or
 * name call (pthread_setname_np differs between systems), and the main
 * thread is signalled through its pthread_t. */
#include "os/os.h"

#include <sys/syscall.h>
#include <unistd.h>

uint64_t weft__os_thread_native_id(void)
{
#ifdef SYS_gettid
    /* A libc that exposes the kernel's thread ids (Linux built portable). */
    return (uint64_t)syscall(SYS_gettid);
#else
    return (uint64_t)(uintptr_t)pthread_self();
#endif
}

/* The thread that loaded the library, normally the main thread; a child of
 * fork records its forking thread (thread/registry.c's fork handler runs
 * weft__os_main_thread_reset). */
static pthread_t weft__os_main;

__attribute__((constructor)) static void weft__os_main_record(void)
{
    weft__os_main = pthread_self();
}

void weft__os_main_thread_reset(void)
{
    weft__os_main = pthread_self();
}

bool weft__os_is_main_thread(void)
{
#ifdef SYS_gettid
    return (pid_t)syscall(SYS_gettid) == getpid();
#else
    return pthread_equal(pthread_self(), weft__os_main) != 0;
#endif
}

void weft__os_thread_set_name(const char *name)
{
    (void)name; /* a debugging aid only */
}

int weft__os_signal_main_thread(uint64_t main_ident, int sig)
{
    if (main_ident != 0)
        return pthread_kill((pthread_t)(uintptr_t)main_ident, sig);
    return kill(getpid(), sig) == 0 ? 0 : errno;
}
