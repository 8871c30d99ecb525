/* weft against real CPython peers: Debian's /usr/bin/python3 (3.11, the
 * legacy HMAC-MD5 handshake) as Client and as Listener, and the 3.12+
 * {digest} handshake against peer.py's spec-written peer in both roles. */
#include "conn_test.h"

#include <stdio.h>
#include <stdlib.h>

static const char KEY[] = "interop key";
#define KEYHEX "696e7465726f70206b6579"
#define WRONGHEX "77726f6e67"

static void need_python(void)
{
    if (access(PYTHON, X_OK) != 0)
        cr_skip_test("no %s", PYTHON);
}

/* Starts the peer `args` against listener `l`, accepts it (expecting
 * `want`), exchanges messages when it got in, checks the peer's exit (3:
 * it failed authentication too) and frees the listener. */
static void accept_peer(weft_listener *l, const char *const *args, weft_status want)
{
    weft_popen *p = conn_peer(args, false);
    weft_connection *c = NULL;
    WEFT_ASSERT_STATUS(weft_listener_accept(l, 30, &c), want);
    if (want == WEFT_OK) {
        conn_exchange(c);
        WEFT_ASSERT_OK(weft_connection_free(c));
        cr_assert_eq(conn_peer_exit(p), 0);
    } else {
        cr_assert_eq(conn_peer_exit(p), 3, "the peer should fail authentication too");
    }
    WEFT_ASSERT_OK(weft_listener_free(l));
}

/* A weft Listener, a CPython Client. */
static void cpython_client(int family, const char *fam, const char *keyhex, weft_status want)
{
    need_python();
    weft_listener *l;
    const char *addr = family == WEFT_FAMILY_INET ? "127.0.0.1" : NULL;
    WEFT_ASSERT_OK(weft_listener_new(&l, family, addr, 0, 0, -1, KEY, strlen(KEY)));
    char *where;
    int port;
    WEFT_ASSERT_OK(weft_listener_address(l, NULL, &where, NULL, &port));
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    const char *args[] = { "cpython-client", fam, where, portbuf, keyhex, NULL };
    accept_peer(l, args, want);
    weft_free(where);
}

Test(interop, cpython_client_unix)
{
    cpython_client(WEFT_FAMILY_UNIX, "unix", KEYHEX, WEFT_OK);
}

Test(interop, cpython_client_inet)
{
    cpython_client(WEFT_FAMILY_INET, "inet", KEYHEX, WEFT_OK);
}

Test(interop, cpython_client_wrong_key)
{
    cpython_client(WEFT_FAMILY_UNIX, "unix", WRONGHEX, WEFT_AUTH);
}

Test(interop, cpython_client_abstract)
{
    WEFT_TEST_LINUX_ONLY("abstract socket names");
    need_python();
    char name[64];
    snprintf(name + 1, sizeof name - 1, "weft-interop-%d", (int)getpid());
    name[0] = '\0';
    size_t len = 1 + strlen(name + 1);
    weft_listener *l;
    WEFT_ASSERT_OK(weft_listener_new(&l, WEFT_FAMILY_UNIX, name, len, 0, -1, NULL, 0));
    const char *args[] = { "cpython-client", "abstract", name + 1, "0", "-", NULL };
    weft_popen *p = conn_peer(args, false);
    weft_connection *c;
    WEFT_ASSERT_OK(weft_listener_accept(l, 30, &c));
    conn_exchange(c);
    WEFT_ASSERT_OK(weft_connection_free(c));
    cr_assert_eq(conn_peer_exit(p), 0);
    WEFT_ASSERT_OK(weft_listener_free(l));
}

/* A CPython Listener, a weft Client. */
static void cpython_listener(int family, const char *fam, const char *key, weft_status want)
{
    need_python();
    const char *args[] = { "cpython-listener", fam, KEYHEX, NULL };
    weft_popen *p = conn_peer(args, true);
    char line[256];
    weft_test_peer_line(p, line, sizeof line);
    weft_connection *c = NULL;
    if (family == WEFT_FAMILY_INET)
        WEFT_ASSERT_STATUS(weft_client_connect(&c, family, "127.0.0.1", 0, atoi(line), key, strlen(key), 30), want);
    else
        WEFT_ASSERT_STATUS(weft_client_connect(&c, family, line, 0, 0, key, strlen(key), 30), want);
    if (want == WEFT_OK) {
        conn_exchange(c);
        WEFT_ASSERT_OK(weft_connection_free(c));
        cr_assert_eq(conn_peer_exit(p), 0);
    } else {
        cr_assert_eq(conn_peer_exit(p), 3, "CPython should fail authentication too");
    }
}

Test(interop, cpython_listener_unix)
{
    cpython_listener(WEFT_FAMILY_UNIX, "unix", KEY, WEFT_OK);
}

Test(interop, cpython_listener_inet)
{
    cpython_listener(WEFT_FAMILY_INET, "inet", KEY, WEFT_OK);
}

Test(interop, cpython_listener_wrong_key)
{
    cpython_listener(WEFT_FAMILY_UNIX, "unix", "wrong", WEFT_AUTH);
}

/* The 3.12+ handshake, from the wire description, in both roles. */
static void spec_client(const char *digest, const char *keyhex, weft_status want)
{
    need_python();
    weft_listener *l;
    WEFT_ASSERT_OK(weft_listener_new(&l, WEFT_FAMILY_UNIX, NULL, 0, 0, -1, KEY, strlen(KEY)));
    char *where;
    WEFT_ASSERT_OK(weft_listener_address(l, NULL, &where, NULL, NULL));
    const char *args[] = { "spec-client", "unix", where, "0", keyhex, digest, NULL };
    accept_peer(l, args, want);
    weft_free(where);
}

Test(interop, spec_client_sha256)
{
    spec_client("sha256", KEYHEX, WEFT_OK);
}

Test(interop, spec_client_other_digests)
{
    spec_client("sha384", KEYHEX, WEFT_OK);
    spec_client("sha3_256", KEYHEX, WEFT_OK);
    spec_client("md5", KEYHEX, WEFT_OK);
}

Test(interop, spec_client_wrong_key)
{
    spec_client("sha256", WRONGHEX, WEFT_AUTH);
}

static void spec_listener(const char *digest, const char *key, weft_status want)
{
    need_python();
    const char *args[] = { "spec-listener", KEYHEX, digest, NULL };
    weft_popen *p = conn_peer(args, true);
    char line[256];
    weft_test_peer_line(p, line, sizeof line);
    weft_connection *c = NULL;
    WEFT_ASSERT_STATUS(weft_client_connect(&c, WEFT_FAMILY_UNIX, line, 0, 0, key, strlen(key), 30), want);
    if (want == WEFT_OK) {
        conn_exchange(c);
        WEFT_ASSERT_OK(weft_connection_free(c));
        cr_assert_eq(conn_peer_exit(p), 0);
    } else {
        cr_assert_eq(conn_peer_exit(p), 3);
    }
}

Test(interop, spec_listener_digests)
{
    spec_listener("sha256", KEY, WEFT_OK);
    spec_listener("sha3_384", KEY, WEFT_OK);
}

Test(interop, spec_listener_wrong_key)
{
    spec_listener("sha256", "wrong", WEFT_AUTH);
}
