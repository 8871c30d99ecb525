/* Listener and Client between two weft ends: the address forms, keys on
 * both sides, a stalled peer, closing. */
#include "weft_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct client_arg {
    int family;
    char address[128];
    size_t address_len;
    int port;
    const char *key;
    weft_status got;
} client_arg;

static void *run_client(void *arg)
{
    client_arg *a = arg;
    weft_connection *c = NULL;
    a->got = weft_client_connect(&c, a->family, a->address, a->address_len, a->port, a->key,
                                 a->key ? strlen(a->key) : 0, 10);
    if (a->got == WEFT_OK) {
        weft_connection_send_bytes(c, "ping", 0, 4);
        void *m;
        size_t n;
        if (weft_connection_recv_bytes(c, 10, 10, &m, &n) == WEFT_OK)
            weft_free(m);
        weft_connection_free(c);
    }
    return NULL;
}

/* Accepts one client of the listener's own address; checks the exchange. */
static void round_trip(weft_listener *l, const char *client_key, weft_status want)
{
    client_arg a = { .key = client_key };
    char *addr;
    size_t len;
    WEFT_ASSERT_OK(weft_listener_address(l, &a.family, &addr, &len, &a.port));
    cr_assert_lt(len, sizeof a.address);
    memcpy(a.address, addr, len);
    a.address_len = len;
    weft_free(addr);
    pthread_t t;
    pthread_create(&t, NULL, run_client, &a);
    weft_connection *c = NULL;
    WEFT_ASSERT_STATUS(weft_listener_accept(l, 10, &c), want);
    if (want == WEFT_OK) {
        void *m;
        size_t n;
        WEFT_ASSERT_OK(weft_connection_recv_bytes(c, 10, 10, &m, &n));
        cr_assert_eq(n, 4);
        weft_free(m);
        WEFT_ASSERT_OK(weft_connection_send_bytes(c, "pong", 0, 4));
        WEFT_ASSERT_OK(weft_connection_free(c));
    }
    pthread_join(t, NULL);
    cr_assert_eq(a.got, want, "client got %s", weft_status_name(a.got));
}

Test(listener, unix_path_with_key)
{
    char path[] = "/tmp/weft-test-XXXXXX";
    cr_assert_not_null(mkdtemp(path));
    char sock[128];
    snprintf(sock, sizeof sock, "%s/s", path);
    weft_listener *l;
    WEFT_ASSERT_OK(weft_listener_new(&l, WEFT_FAMILY_UNIX, sock, 0, 0, -1, "k", 1));
    char *addr;
    size_t len;
    int family, port = -1;
    WEFT_ASSERT_OK(weft_listener_address(l, &family, &addr, &len, &port));
    cr_assert_eq(family, WEFT_FAMILY_UNIX);
    cr_assert_str_eq(addr, sock);
    cr_assert_eq(len, strlen(sock));
    cr_assert_eq(port, 0);
    weft_free(addr);
    WEFT_ASSERT_STATUS(weft_listener_last_accepted(l, &addr, NULL, NULL), WEFT_LOOKUP);
    round_trip(l, "k", WEFT_OK);
    WEFT_ASSERT_OK(weft_listener_last_accepted(l, &addr, &len, &port));
    cr_assert_eq(len, 0); /* an unnamed Unix peer, '' in CPython */
    weft_free(addr);
    struct stat st;
    cr_assert_eq(stat(sock, &st), 0);
    int fd;
    WEFT_ASSERT_OK(weft_listener_fileno(l, &fd));
    WEFT_ASSERT_OK(weft_listener_close(l));
    WEFT_ASSERT_OK(weft_listener_close(l));
    cr_assert_neq(stat(sock, &st), 0, "close unlinks the socket");
    weft_connection *c;
    WEFT_ASSERT_STATUS(weft_listener_accept(l, 0, &c), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_listener_fileno(l, &fd), WEFT_CLOSED);
    WEFT_ASSERT_OK(weft_listener_address(l, NULL, &addr, NULL, NULL)); /* still known */
    weft_free(addr);
    WEFT_ASSERT_OK(weft_listener_free(l));
    rmdir(path);
}

Test(listener, generated_path_and_wrong_keys)
{
    weft_listener *l;
    WEFT_ASSERT_OK(weft_listener_new(&l, WEFT_FAMILY_UNIX, NULL, 0, 0, 4, "right", 5));
    round_trip(l, "wrong", WEFT_AUTH);
    round_trip(l, "right", WEFT_OK);
    /* No key on the client against a keyed listener fails on the listener's
     * side at once; the client (which skips the handshake) sees its first
     * receive fail. Here the key-less client's ping is not a challenge answer. */
    char *addr;
    WEFT_ASSERT_OK(weft_listener_address(l, NULL, &addr, NULL, NULL));
    char dir[128];
    snprintf(dir, sizeof dir, "%s", addr);
    *strrchr(dir, '/') = '\0';
    WEFT_ASSERT_OK(weft_listener_free(l));
    struct stat st;
    cr_assert_neq(stat(addr, &st), 0);
    cr_assert_neq(stat(dir, &st), 0, "the made directory goes too");
    weft_free(addr);
}

Test(listener, abstract_name)
{
    WEFT_TEST_LINUX_ONLY("abstract socket names");
    char name[32] = "";
    snprintf(name + 1, sizeof name - 1, "weft-abs-%d", (int)getpid());
    size_t len = 1 + strlen(name + 1);
    weft_listener *l;
    WEFT_ASSERT_OK(weft_listener_new(&l, WEFT_FAMILY_UNIX, name, len, 0, -1, NULL, 0));
    char *addr;
    size_t alen;
    WEFT_ASSERT_OK(weft_listener_address(l, NULL, &addr, &alen, NULL));
    cr_assert_eq(alen, len);
    cr_assert_eq(memcmp(addr, name, len), 0);
    weft_free(addr);
    round_trip(l, NULL, WEFT_OK);
    WEFT_ASSERT_OK(weft_listener_free(l));
}

Test(listener, inet_port_zero_and_keyless)
{
    weft_listener *l;
    WEFT_ASSERT_OK(weft_listener_new(&l, WEFT_FAMILY_INET, "127.0.0.1", 0, 0, -1, NULL, 0));
    char *addr;
    int port = 0, family = 0;
    WEFT_ASSERT_OK(weft_listener_address(l, &family, &addr, NULL, &port));
    cr_assert_eq(family, WEFT_FAMILY_INET);
    cr_assert_str_eq(addr, "127.0.0.1");
    cr_assert_gt(port, 0);
    weft_free(addr);
    round_trip(l, NULL, WEFT_OK);
    int peer_port = 0;
    WEFT_ASSERT_OK(weft_listener_last_accepted(l, &addr, NULL, &peer_port));
    cr_assert_str_eq(addr, "127.0.0.1");
    cr_assert_gt(peer_port, 0);
    weft_free(addr);
    WEFT_ASSERT_OK(weft_listener_free(l));
}

Test(listener, inet6_with_key)
{
    weft_listener *l;
    weft_status st = weft_listener_new(&l, WEFT_FAMILY_INET6, "::1", 0, 0, -1, "six", 3);
    if (st == WEFT_OS)
        cr_skip_test("no IPv6 loopback: %s", weft_errmsg());
    WEFT_ASSERT_OK(st);
    char *addr;
    WEFT_ASSERT_OK(weft_listener_address(l, NULL, &addr, NULL, NULL));
    cr_assert_str_eq(addr, "::1");
    weft_free(addr);
    round_trip(l, "six", WEFT_OK);
    WEFT_ASSERT_OK(weft_listener_free(l));
}

Test(listener, a_stalled_peer_cannot_hold_accept)
{
    weft_listener *l;
    WEFT_ASSERT_OK(weft_listener_new(&l, WEFT_FAMILY_UNIX, NULL, 0, 0, -1, "k", 1));
    char *addr;
    size_t len;
    WEFT_ASSERT_OK(weft_listener_address(l, NULL, &addr, &len, NULL));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, addr, len);
    cr_assert_eq(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
    weft_connection *c = NULL;
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_listener_accept(l, 0.2, &c), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.19);
    cr_assert_null(c);
    /* No connection at all: the same timeout, and 0 only looks. */
    WEFT_ASSERT_STATUS(weft_listener_accept(l, 0.05, &c), WEFT_TIMEOUT);
    WEFT_ASSERT_STATUS(weft_listener_accept(l, 0, &c), WEFT_TIMEOUT);
    close(s);
    weft_free(addr);
    WEFT_ASSERT_OK(weft_listener_free(l));
}

Test(listener, handshake_functions_on_a_pipe)
{
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    /* Delivering and answering at once would deadlock on one thread only if
     * the messages did not fit the socket buffers; they do. */
    WEFT_ASSERT_STATUS(weft_connection_answer_challenge(b, "k", 1, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_STATUS(weft_connection_deliver_challenge(a, "k", 1, 0.05), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
    /* A one-way pipe cannot run a handshake; a closed one neither. */
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 0));
    WEFT_ASSERT_STATUS(weft_connection_deliver_challenge(a, "k", 1, 0), WEFT_OS);
    WEFT_ASSERT_STATUS(weft_connection_answer_challenge(b, NULL, 1, 0), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_connection_close(b));
    WEFT_ASSERT_STATUS(weft_connection_answer_challenge(b, "", 0, 0), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_connection_deliver_challenge(NULL, "k", 1, 0), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

typedef struct hs_arg {
    weft_connection *c;
    const char *key;
    weft_status got;
} hs_arg;

static void *answer_thread(void *arg)
{
    hs_arg *h = arg;
    h->got = weft_connection_answer_challenge(h->c, h->key, strlen(h->key), 10);
    return NULL;
}

Test(listener, deliver_and_answer_directly)
{
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    hs_arg h = { b, "same", WEFT_OK };
    pthread_t t;
    pthread_create(&t, NULL, answer_thread, &h);
    WEFT_ASSERT_OK(weft_connection_deliver_challenge(a, "same", 4, 10));
    pthread_join(t, NULL);
    WEFT_ASSERT_OK(h.got);
    h.key = "other";
    pthread_create(&t, NULL, answer_thread, &h);
    WEFT_ASSERT_STATUS(weft_connection_deliver_challenge(a, "same", 4, 10), WEFT_AUTH);
    pthread_join(t, NULL);
    WEFT_ASSERT_STATUS(h.got, WEFT_AUTH);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

Test(listener, bad_arguments)
{
    weft_listener *l = NULL;
    weft_connection *c = NULL;
    WEFT_ASSERT_STATUS(weft_listener_new(NULL, WEFT_FAMILY_UNIX, NULL, 0, 0, -1, NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_new(&l, 42, NULL, 0, 0, -1, NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_new(&l, WEFT_FAMILY_INET, "127.0.0.1", 0, 70000, -1, NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_new(&l, WEFT_FAMILY_INET, "127.0.0.1", 0, 0, -1, NULL, 3), WEFT_EINVAL);
    char longpath[300];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    WEFT_ASSERT_STATUS(weft_listener_new(&l, WEFT_FAMILY_UNIX, longpath, 0, 0, -1, NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_new(&l, WEFT_FAMILY_UNIX, "/nonexistent-dir/x", 0, 0, -1, NULL, 0), WEFT_OS);
    WEFT_ASSERT_STATUS(weft_listener_new(&l, WEFT_FAMILY_INET, "no.such.host.invalid", 0, 0, -1, NULL, 0), WEFT_OS);
    cr_assert_null(l);
    WEFT_ASSERT_STATUS(weft_client_connect(NULL, WEFT_FAMILY_UNIX, "/x", 0, 0, NULL, 0, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_client_connect(&c, WEFT_FAMILY_UNIX, NULL, 0, 0, NULL, 0, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_client_connect(&c, 42, "x", 0, 0, NULL, 0, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_client_connect(&c, WEFT_FAMILY_UNIX, "/nonexistent-dir/x", 0, 0, NULL, 0, 1), WEFT_OS);
    WEFT_ASSERT_STATUS(weft_client_connect(&c, WEFT_FAMILY_UNIX, "/x", 0, 0, NULL, 4, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_client_connect(&c, WEFT_FAMILY_UNIX, "/x", 0, 0, NULL, 0, 0.0 / 0.0), WEFT_EINVAL);
    cr_assert_null(c);
    char *addr;
    WEFT_ASSERT_STATUS(weft_listener_address(NULL, NULL, &addr, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_accept(NULL, 0, &c), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_listener_free(NULL));
    WEFT_ASSERT_OK(weft_listener_new(&l, WEFT_FAMILY_INET, NULL, 0, 0, -1, NULL, 0));
    WEFT_ASSERT_STATUS(weft_listener_address(l, NULL, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_last_accepted(l, NULL, NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_accept(l, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_fileno(l, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_accept(l, 0.0 / 0.0, &c), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_listener_free(l));
    WEFT_ASSERT_STATUS(weft_listener_free(l), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_listener_close(l), WEFT_EINVAL);
}
