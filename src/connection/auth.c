/* CPython's connection handshake, both roles and both generations:
 *
 *   deliverer -> "#CHALLENGE#" + message     (3.12+: "{sha256}" + 40 random
 *                                             bytes; <=3.11: 20 random bytes)
 *   answerer  -> HMAC(key, message)          (legacy: raw 16-byte MD5; new:
 *                                             "{name}" + HMAC-name)
 *   deliverer -> "#WELCOME#" or "#FAILURE#"
 *
 * weft delivers the 3.12 form and accepts either answer (a 3.11 answerer
 * sends the raw MD5 of the whole message, prefix included), and answers
 * whichever form it is challenged with. HMAC and randomness come from
 * libcrypto. Every message is read with maxlength 256, as CPython does. */
#include "connection/internal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#define WEFT__CHALLENGE "#CHALLENGE#"
#define WEFT__WELCOME "#WELCOME#"
#define WEFT__FAILURE "#FAILURE#"
#define WEFT__MESSAGE_LENGTH 40   /* random bytes of a 3.12+ challenge */
#define WEFT__LEGACY_LENGTH 20    /* a <=3.11 challenge's length */
#define WEFT__HANDSHAKE_MAX 256   /* maxlength of every handshake message */
#define WEFT__DIGEST_NAME_MAX 8   /* "sha3_256" */

/* The digests CPython allows, by its names and libcrypto's. */
static const struct {
    const char *name, *ossl;
} weft__digests[] = {
    { "md5", "MD5" }, { "sha256", "SHA256" }, { "sha384", "SHA384" },
    { "sha3_256", "SHA3-256" }, { "sha3_384", "SHA3-384" },
};

static const EVP_MD *weft__digest(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof weft__digests / sizeof weft__digests[0]; i++)
        if (strlen(weft__digests[i].name) == len && memcmp(weft__digests[i].name, name, len) == 0)
            return EVP_get_digestbyname(weft__digests[i].ossl);
    return NULL;
}

/* HMAC(key, msg) with `md` into out (EVP_MAX_MD_SIZE); false when libcrypto
 * refuses (MD5 under FIPS). */
static bool weft__hmac(const EVP_MD *md, const void *key, size_t keylen, const unsigned char *msg, size_t len,
                       unsigned char *out, unsigned *outlen)
{
    static const unsigned char empty = 0;
    if (md == NULL || keylen > INT32_MAX)
        return false;
    return HMAC(md, keylen > 0 ? key : &empty, (int)keylen, msg, len, out, outlen) != NULL;
}

/* Splits an answer (or a challenge's message) as CPython does: 16 or 20
 * bytes are a legacy MD5 form; otherwise "{name}" + payload with a known
 * name. Returns the digest, or NULL when the form is not one of those. */
static const EVP_MD *weft__split(const unsigned char *m, size_t len, const unsigned char **payload, size_t *plen,
                                 bool *legacy)
{
    *legacy = len == 16 || len == 20;
    if (*legacy) {
        *payload = m;
        *plen = len;
        return EVP_md5();
    }
    if (len < 2 || m[0] != '{')
        return NULL;
    const unsigned char *close = memchr(m + 1, '}', len - 1 < WEFT__DIGEST_NAME_MAX + 1 ? len - 1 : WEFT__DIGEST_NAME_MAX + 1);
    if (close == NULL)
        return NULL;
    *payload = close + 1;
    *plen = len - (size_t)(close + 1 - m);
    return weft__digest((const char *)m + 1, (size_t)(close - m - 1));
}

static weft_status weft__recv_small(weft_connection *c, const weft__deadline *d, unsigned char **m, size_t *len,
                                    const char *fn)
{
    void *buf = NULL;
    weft_status st = weft__conn_recv(c, WEFT__HANDSHAKE_MAX, d, &buf, len, fn);
    if (st == WEFT_TIMEOUT)
        return WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: the peer did not finish the handshake in time", fn);
    *m = buf;
    return st;
}

weft_status weft__conn_deliver(weft_connection *c, const void *key, size_t keylen, const weft__deadline *d,
                               const char *fn)
{
    static const char prefix[] = WEFT__CHALLENGE "{sha256}";
    unsigned char challenge[sizeof prefix - 1 + WEFT__MESSAGE_LENGTH];
    memcpy(challenge, prefix, sizeof prefix - 1);
    if (RAND_bytes(challenge + sizeof prefix - 1, WEFT__MESSAGE_LENGTH) != 1)
        return weft__fail(WEFT_OS, "%s: libcrypto gave no random bytes", fn);
    weft_status st = weft__conn_send(c, challenge, sizeof challenge, fn);
    if (st != WEFT_OK)
        return st;
    unsigned char *answer = NULL;
    size_t alen = 0;
    if ((st = weft__recv_small(c, d, &answer, &alen, fn)) != WEFT_OK)
        return st;
    /* The message the MAC covers is everything after "#CHALLENGE#". */
    const unsigned char *msg = challenge + strlen(WEFT__CHALLENGE);
    size_t msglen = sizeof challenge - strlen(WEFT__CHALLENGE);
    const unsigned char *mac = NULL;
    size_t maclen = 0;
    bool legacy;
    const EVP_MD *md = weft__split(answer, alen, &mac, &maclen, &legacy);
    unsigned char want[EVP_MAX_MD_SIZE];
    unsigned wantlen = 0;
    bool ok = md != NULL && weft__hmac(md, key, keylen, msg, msglen, want, &wantlen) && wantlen == maclen &&
              CRYPTO_memcmp(want, mac, maclen) == 0;
    free(answer);
    const char *verdict = ok ? WEFT__WELCOME : WEFT__FAILURE;
    st = weft__conn_send(c, verdict, strlen(verdict), fn);
    if (!ok)
        return weft__fail(WEFT_AUTH, "%s: %s", fn, md == NULL ? "the answer has no known digest form" : "digest received was wrong");
    return st;
}

weft_status weft__conn_answer(weft_connection *c, const void *key, size_t keylen, const weft__deadline *d,
                              const char *fn)
{
    unsigned char *m = NULL;
    size_t len = 0;
    weft_status st = weft__recv_small(c, d, &m, &len, fn);
    if (st != WEFT_OK)
        return st;
    size_t pl = strlen(WEFT__CHALLENGE);
    if (len < pl || memcmp(m, WEFT__CHALLENGE, pl) != 0) {
        free(m);
        return weft__fail(WEFT_AUTH, "%s: the challenge lacks its #CHALLENGE# prefix", fn);
    }
    const unsigned char *msg = m + pl, *rest;
    size_t msglen = len - pl, restlen;
    if (msglen < WEFT__LEGACY_LENGTH) {
        free(m);
        return weft__fail(WEFT_AUTH, "%s: the challenge is too short (%zu bytes)", fn, msglen);
    }
    bool legacy;
    const EVP_MD *md = weft__split(msg, msglen, &rest, &restlen, &legacy);
    if (md == NULL) {
        free(m);
        return weft__fail(WEFT_AUTH, "%s: the challenge names no digest weft knows", fn);
    }
    /* The answer: a raw MD5 to a legacy challenge, else "{name}" + MAC of
     * the whole message, name included. CPython falls back to sha256 when
     * MD5 is unavailable (FIPS); so does weft. */
    unsigned char reply[2 + WEFT__DIGEST_NAME_MAX + EVP_MAX_MD_SIZE];
    size_t rlen = 0;
    const char *name = NULL;
    size_t namelen = 0;
    if (!legacy) {
        name = (const char *)msg + 1;
        namelen = (size_t)(rest - msg) - 2;
    }
    unsigned maclen = 0;
    bool made = weft__hmac(md, key, keylen, msg, msglen, reply + (legacy ? 0 : namelen + 2), &maclen);
    if (!made && md == EVP_md5()) {
        legacy = false;
        name = "sha256";
        namelen = 6;
        made = weft__hmac(EVP_sha256(), key, keylen, msg, msglen, reply + namelen + 2, &maclen);
    }
    if (!made) {
        free(m);
        return weft__fail(WEFT_AUTH, "%s: libcrypto could not compute the digest", fn);
    }
    if (!legacy) {
        reply[0] = '{';
        memcpy(reply + 1, name, namelen);
        reply[namelen + 1] = '}';
        rlen = namelen + 2;
    }
    rlen += maclen;
    free(m);
    if ((st = weft__conn_send(c, reply, rlen, fn)) != WEFT_OK)
        return st;
    if ((st = weft__recv_small(c, d, &m, &len, fn)) != WEFT_OK)
        return st;
    bool welcome = len == strlen(WEFT__WELCOME) && memcmp(m, WEFT__WELCOME, len) == 0;
    free(m);
    if (!welcome)
        return weft__fail(WEFT_AUTH, "%s: digest sent was rejected", fn);
    return WEFT_OK;
}

static weft_status weft__handshake(weft_connection *c, const void *key, size_t keylen, double timeout, bool deliver,
                                   const char *fn)
{
    if (key == NULL && keylen > 0)
        return weft__fail(WEFT_EINVAL, "%s: authkey is NULL", fn);
    if (c->fd < 0)
        return weft__fail(WEFT_CLOSED, "%s: the connection is closed", fn);
    if (!c->readable || !c->writable)
        return weft__fail(WEFT_OS, "%s: the handshake needs a two-way connection", fn);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    return deliver ? weft__conn_deliver(c, key, keylen, &d, fn) : weft__conn_answer(c, key, keylen, &d, fn);
}

weft_status weft_connection_deliver_challenge(weft_connection *c, const void *authkey, size_t authkey_len,
                                              double timeout)
{
    WEFT__OPEN(c, weft__connection_type);
    return weft__handshake(c, authkey, authkey_len, timeout, true, __func__);
}

weft_status weft_connection_answer_challenge(weft_connection *c, const void *authkey, size_t authkey_len,
                                             double timeout)
{
    WEFT__OPEN(c, weft__connection_type);
    return weft__handshake(c, authkey, authkey_len, timeout, false, __func__);
}
