/* Linux pieces of threads: kernel thread ids, 15-byte names, tgkill. */
#include "os/os.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

uint64_t weft__os_thread_native_id(void)
{
    return (uint64_t)syscall(SYS_gettid);
}

/* Linux keeps 15 bytes of a thread's name; cut at a character boundary. */
void weft__os_thread_set_name(const char *name)
{
    char buf[16];
    size_t len = strlen(name);
    if (len > 15) {
        len = 15;
        while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(buf, name, len);
    buf[len] = '\0';
    (void)pthread_setname_np(pthread_self(), buf);
}

int weft__os_signal_main_thread(uint64_t main_ident, int sig)
{
    (void)main_ident;
    /* The main thread's TID is the process id. */
    return syscall(SYS_tgkill, getpid(), getpid(), sig) == 0 ? 0 : errno;
}

bool weft__os_is_main_thread(void)
{
    /* The main thread's kernel id is the process id. */
    return (pid_t)syscall(SYS_gettid) == getpid();
}

void weft__os_main_thread_reset(void)
{
}
