/* The tracker: segments a program created with tracking and left behind
 * are removed when its last process has gone, even after SIGKILL; a
 * segment that was only attached survives; an unlinked one is not unlinked
 * again; a Ctrl-C to the program's group does not stop the tracker; a weft
 * process started by exec shares its parent's tracker through
 * WEFT_SHM_TRACKER_FD.
 *
 * Each "program" is a child made with fork() whose exit (or death) the test
 * watches from outside; waits for the tracker are bounded by
 * SHM_TRACKER_WAIT, and nothing asserts a time. */
#define _GNU_SOURCE
#include "shm_test.h"

#include <dirent.h>
#include <dlfcn.h>

/* Runs `fn(arg, ready)` in a forked child; `ready` is a pipe's write end on
 * which the child reports progress. */
static pid_t program(void (*fn)(void *arg, int ready), void *arg, int *ready_rd)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        fn(arg, p[1]);
        _exit(0);
    }
    close(p[1]);
    *ready_rd = p[0];
    return pid;
}

static void say(int fd, const char *s)
{
    size_t n = strlen(s) + 1;
    if (write(fd, s, n) != (ssize_t)n)
        _exit(9);
}

/* Reads one NUL-terminated word from `fd`. */
static void hear(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, 1);
        cr_assert_eq(r, 1, "the program said nothing");
        if (buf[n] == '\0' || n + 2 >= cap)
            break;
        n++;
    }
    buf[n + 1] = '\0';
}

#define must(expr)                                                                                 \
    do {                                                                                           \
        if ((expr) != WEFT_OK) {                                                                   \
            fprintf(stderr, "%s: %s\n", #expr, weft_errmsg());                                     \
            _exit(8);                                                                              \
        }                                                                                          \
    } while (0)

/* ---- SIGKILL ---------------------------------------------------------------- */

typedef struct names {
    char tracked[3][64];
    char untracked[64];
    char list[64];
} names;

static void create_and_die(void *arg, int ready)
{
    names *n = arg;
    weft_shared_memory *shm;
    for (int i = 0; i < 3; i++)
        must(weft_shared_memory_new(&shm, n->tracked[i], 1, 4096, 1));
    must(weft_shared_memory_new(&shm, n->untracked, 1, 4096, 0));
    int types[] = { WEFT_SHAREABLE_INT, WEFT_SHAREABLE_STR };
    size_t sizes[] = { 0, 10 };
    weft_shareable_list *sl;
    must(weft_shareable_list_new(&sl, n->list, types, sizes, 2));
    say(ready, "ready");
    raise(SIGKILL);
}

Test(tracker, sigkill_removes_what_was_created)
{
    names n;
    for (int i = 0; i < 3; i++)
        shm_name(n.tracked[i], sizeof n.tracked[i], "killed");
    shm_name(n.untracked, sizeof n.untracked, "untracked");
    shm_name(n.list, sizeof n.list, "list");
    int rd;
    pid_t pid = program(create_and_die, &n, &rd);
    char word[16];
    hear(rd, word, sizeof word);
    close(rd);
    int st = shm_reap(pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %d", st);
    for (int i = 0; i < 3; i++)
        cr_assert(shm_wait_gone(n.tracked[i]), "%s is still there", n.tracked[i]);
    cr_assert(shm_wait_gone(n.list), "%s is still there", n.list);
    cr_assert(shm_exists(n.untracked), "an untracked segment was removed");
    shm_remove(n.untracked);
}

/* ---- attaching ----------------------------------------------------------------- */

typedef struct attach_arg {
    const char *target;
    char own[64];
    bool die;
} attach_arg;

static void attach_and_go(void *arg, int ready)
{
    attach_arg *a = arg;
    weft_shared_memory *shm, *own;
    must(weft_shared_memory_new(&shm, a->target, 0, 0, 1));
    weft_shareable_list *sl;
    (void)weft_shareable_list_attach(&sl, a->target); /* not a list: refused */
    /* A segment of its own, so that this program has a tracker whose end
     * the test can see. */
    must(weft_shared_memory_new(&own, a->own, 1, 64, 1));
    say(ready, "ready");
    if (a->die)
        raise(SIGKILL);
    _exit(0);
}

static void attacher_never_unlinks(bool die)
{
    char target[64];
    shm_name(target, sizeof target, "attached");
    weft_shared_memory *shm;
    WEFT_ASSERT_OK(weft_shared_memory_new(&shm, target, 1, 4096, 0));
    attach_arg a = { .target = target, .die = die };
    shm_name(a.own, sizeof a.own, "own");
    int rd;
    pid_t pid = program(attach_and_go, &a, &rd);
    char word[16];
    hear(rd, word, sizeof word);
    close(rd);
    shm_reap(pid);
    /* Once the attacher's own segment is gone its tracker has done its work. */
    cr_assert(shm_wait_gone(a.own));
    cr_assert(shm_exists(target), "a segment that was only attached was removed");
    WEFT_ASSERT_OK(weft_shared_memory_unlink(shm));
    WEFT_ASSERT_OK(weft_shared_memory_free(shm));
}

Test(tracker, attacher_exit_never_unlinks)
{
    attacher_never_unlinks(false);
}

Test(tracker, attacher_kill_never_unlinks)
{
    attacher_never_unlinks(true);
}

/* ---- the last process of the program ------------------------------------------ */

static void create_fork_die(void *arg, int ready)
{
    const char *name = arg;
    weft_shared_memory *shm;
    must(weft_shared_memory_new(&shm, name, 1, 64, 1));
    pid_t kid = fork();
    if (kid == 0) {
        /* A process of the same program: it shares the tracker's end and
         * lives until the test kills it. */
        for (;;)
            pause();
    }
    char word[32];
    snprintf(word, sizeof word, "%d", (int)kid);
    say(ready, word);
    raise(SIGKILL);
}

Test(tracker, removed_when_the_last_process_goes)
{
    char name[64];
    shm_name(name, sizeof name, "last");
    int rd;
    pid_t pid = program(create_fork_die, name, &rd);
    char word[32];
    hear(rd, word, sizeof word);
    close(rd);
    pid_t kid = (pid_t)atoi(word);
    shm_reap(pid);
    /* The creator is gone, its child holds the program's end open. */
    cr_assert(shm_exists(name), "removed while a process of the program was alive");
    cr_assert_eq(kill(kid, SIGKILL), 0);
    cr_assert(shm_wait_gone(name), "%s is still there", name);
}

/* ---- unlinked names are not unlinked again --------------------------------------- */

typedef struct reuse_arg {
    char reused[64];
    char marker[64];
    int go, go_wr;
} reuse_arg;

static void unlink_then_wait(void *arg, int ready)
{
    reuse_arg *a = arg;
    close(a->go_wr);
    weft_shared_memory *shm, *marker;
    must(weft_shared_memory_new(&shm, a->reused, 1, 64, 1));
    must(weft_shared_memory_unlink(shm));
    must(weft_shared_memory_new(&marker, a->marker, 1, 64, 1));
    say(ready, "unlinked");
    char c;
    while (read(a->go, &c, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
}

Test(tracker, unlinked_is_not_unlinked_again)
{
    reuse_arg a;
    shm_name(a.reused, sizeof a.reused, "reused");
    shm_name(a.marker, sizeof a.marker, "marker");
    int go[2];
    cr_assert_eq(pipe(go), 0);
    a.go = go[0];
    a.go_wr = go[1];
    int rd;
    pid_t pid = program(unlink_then_wait, &a, &rd);
    close(go[0]);
    char word[16];
    hear(rd, word, sizeof word);
    close(rd);
    /* Someone else creates the name again. */
    weft_shared_memory *again;
    WEFT_ASSERT_OK(weft_shared_memory_new(&again, a.reused, 1, 64, 0));
    close(go[1]);
    shm_reap(pid);
    cr_assert(shm_wait_gone(a.marker));
    cr_assert(shm_exists(a.reused), "the tracker unlinked a name its program had already unlinked");
    WEFT_ASSERT_OK(weft_shared_memory_unlink(again));
    WEFT_ASSERT_OK(weft_shared_memory_free(again));
}

/* ---- Ctrl-C to the program's process group ------------------------------------------ */

static void interrupt_own_group(void *arg, int ready)
{
    const char *name = arg;
    if (setpgid(0, 0) != 0)
        _exit(6);
    weft_shared_memory *shm;
    must(weft_shared_memory_new(&shm, name, 1, 64, 1));
    say(ready, "ready");
    kill(0, SIGINT);
    kill(0, SIGTERM);
    _exit(5);
}

Test(tracker, group_interrupt_leaves_the_tracker)
{
    char name[64];
    shm_name(name, sizeof name, "sigint");
    int rd;
    pid_t pid = program(interrupt_own_group, name, &rd);
    char word[16];
    hear(rd, word, sizeof word);
    close(rd);
    int st = shm_reap(pid);
    cr_assert(WIFSIGNALED(st), "status %d", st);
    cr_assert(shm_wait_gone(name), "the tracker did not outlive the interrupt");
}

/* ---- a weft process started by exec ------------------------------------------------- */

/* The descriptors open now, as a bit set of the first 1024. */
static void open_fds(unsigned char set[128])
{
    memset(set, 0, 128);
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd < 1024)
            set[fd / 8] |= (unsigned char)(1u << (fd % 8));
    }
    closedir(d);
}

typedef struct spawn_arg {
    char first[64];
    char child[64];
    const char *lib;
} spawn_arg;

static const char SPAWNED_PY[] =
    "import ctypes, sys\n"
    "lib = ctypes.CDLL(sys.argv[1])\n"
    "lib.weft_shared_memory_new.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_int,"
    " ctypes.c_size_t, ctypes.c_int]\n"
    "shm = ctypes.c_void_p()\n"
    "sys.exit(lib.weft_shared_memory_new(ctypes.byref(shm), sys.argv[2].encode(), 1, 64, 1))\n";

static void spawn_weft_child(void *arg, int ready)
{
    spawn_arg *a = arg;
    unsigned char before[128], after[128];
    open_fds(before);
    weft_shared_memory *first;
    must(weft_shared_memory_new(&first, a->first, 1, 64, 1));
    open_fds(after);
    int fd = -1;
    for (int i = 0; i < 1024 && fd < 0; i++)
        if ((after[i / 8] & ~before[i / 8]) & (1u << (i % 8)))
            fd = i;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
        _exit(4);
    char value[64];
    snprintf(value, sizeof value, "%d:%ju", fd, (uintmax_t)st.st_ino);
    weft_popen_opts *o;
    must(weft_popen_opts_new(&o));
    must(weft_popen_opts_set_env_var(o, "WEFT_SHM_TRACKER_FD", value));
    must(weft_popen_opts_set_pass_fds(o, &fd, 1));
    const char *argv[] = { PYTHON, "-c", SPAWNED_PY, a->lib, a->child, NULL };
    weft_popen *p;
    must(weft_popen_new(&p, argv, o));
    int rc = -1;
    must(weft_popen_wait(p, 60, &rc));
    if (rc != 0)
        _exit(3);
    /* The spawned process has exited; its segment stays while this process
     * of the program lives. */
    say(ready, shm_exists(a->child) ? "kept" : "gone");
    _exit(0);
}

Test(tracker, exec_child_shares_the_tracker)
{
    if (access(PYTHON, X_OK) != 0)
        cr_skip_test("no %s", PYTHON);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    cr_skip_test("python3 cannot load a sanitizer-built libweft through ctypes");
#endif
    Dl_info info;
    cr_assert(dladdr((void *)weft_shared_memory_new, &info) != 0 && info.dli_fname != NULL);
    spawn_arg a = { .lib = info.dli_fname };
    shm_name(a.first, sizeof a.first, "parent");
    shm_name(a.child, sizeof a.child, "spawned");
    int rd;
    pid_t pid = program(spawn_weft_child, &a, &rd);
    char word[16] = "";
    ssize_t r = read(rd, word, sizeof word - 1);
    close(rd);
    int st = shm_reap(pid);
    cr_assert(r > 0, "the program failed: status %d", st);
    cr_assert_str_eq(word, "kept", "the spawned process used a tracker of its own");
    cr_assert(shm_wait_gone(a.child), "%s is still there", a.child);
    cr_assert(shm_wait_gone(a.first), "%s is still there", a.first);
}
