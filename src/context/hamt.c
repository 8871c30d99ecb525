/* The persistent hash array mapped trie behind contexts. Each bitmap node
 * consumes 5 bits of the 32-bit hash; when all bits are used up, keys with
 * equal hashes share a collision node. Updates copy the path from the root
 * to the changed slot and share everything else. Self-contained (no other
 * weft internals) so the tests can compile it in directly. */
#include "context/hamt.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { WEFT__HBITMAP, WEFT__HCOLLISION };

#define WEFT__HBITS 5
#define WEFT__HMASK 31u

/* A slot holds a key and its value, or (key NULL) a child node in `val`. */
typedef struct weft__hentry {
    void *key;
    void *val;
} weft__hentry;

struct weft__hnode {
    atomic_uint refs;
    uint8_t kind;
    uint32_t bitmap;  /* bitmap node: occupied slots; collision node: the shared hash */
    uint32_t count;   /* entries in e[] */
    weft__hentry e[];
};

static weft__hnode *weft__hnode_new(uint8_t kind, uint32_t bitmap, uint32_t count)
{
    weft__hnode *n = malloc(sizeof *n + count * sizeof(weft__hentry));
    if (n == NULL)
        return NULL;
    atomic_init(&n->refs, 1);
    n->kind = kind;
    n->bitmap = bitmap;
    n->count = count;
    return n;
}

void weft__hamt_ref(weft__hnode *root)
{
    if (root != NULL)
        atomic_fetch_add_explicit(&root->refs, 1, memory_order_relaxed);
}

void weft__hamt_unref(const weft__hamt_ops *ops, weft__hnode *root)
{
    if (root == NULL || atomic_fetch_sub_explicit(&root->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (uint32_t i = 0; i < root->count; i++) {
        weft__hentry *e = &root->e[i];
        if (e->key == NULL) {
            weft__hamt_unref(ops, e->val);
        } else {
            ops->key_unref(e->key);
            ops->val_unref(e->val);
        }
    }
    free(root);
}

/* Copies entry `e` into a new node, taking the references the new node needs. */
static void weft__hentry_share(const weft__hamt_ops *ops, weft__hentry *dst, const weft__hentry *e)
{
    *dst = *e;
    if (e->key == NULL) {
        weft__hamt_ref(e->val);
    } else {
        ops->key_ref(e->key);
        ops->val_ref(e->val);
    }
}

static void weft__hleaf_set(const weft__hamt_ops *ops, weft__hentry *dst, void *key, void *val)
{
    ops->key_ref(key);
    ops->val_ref(val);
    dst->key = key;
    dst->val = val;
}

/* A copy of `n` with slot `pos` left for the caller to fill; `grow` is +1 to
 * open a new slot at `pos`, 0 to replace it, -1 to drop it. */
static weft__hnode *weft__hnode_edit(const weft__hamt_ops *ops, const weft__hnode *n, uint32_t bitmap,
                                     uint32_t pos, int grow)
{
    uint32_t count = (uint32_t)((int)n->count + grow);
    weft__hnode *c = weft__hnode_new(n->kind, bitmap, count);
    if (c == NULL)
        return NULL;
    for (uint32_t i = 0, j = 0; i < n->count; i++) {
        if (i == pos) {
            if (grow > 0) {
                j++;               /* the new slot at pos, then n's entry */
                weft__hentry_share(ops, &c->e[j++], &n->e[i]);
            } else if (grow == 0) {
                j++;               /* replaced by the caller */
            }
            continue;              /* grow < 0: dropped */
        }
        weft__hentry_share(ops, &c->e[j++], &n->e[i]);
    }
    return c;
}

static unsigned weft__hslot(uint32_t hash, unsigned shift)
{
    return (hash >> shift) & WEFT__HMASK;
}

static uint32_t weft__hpos(uint32_t bitmap, uint32_t bit)
{
    return (uint32_t)__builtin_popcount(bitmap & (bit - 1));
}

/* A node holding two distinct keys, placed from `shift` on. */
static weft__hnode *weft__hmerge(const weft__hamt_ops *ops, void *k1, uint32_t h1, void *v1, void *k2,
                                 uint32_t h2, void *v2, unsigned shift)
{
    if (shift >= 32) {
        weft__hnode *n = weft__hnode_new(WEFT__HCOLLISION, h1, 2);
        if (n == NULL)
            return NULL;
        weft__hleaf_set(ops, &n->e[0], k1, v1);
        weft__hleaf_set(ops, &n->e[1], k2, v2);
        return n;
    }
    unsigned s1 = weft__hslot(h1, shift), s2 = weft__hslot(h2, shift);
    if (s1 == s2) {
        weft__hnode *sub = weft__hmerge(ops, k1, h1, v1, k2, h2, v2, shift + WEFT__HBITS);
        if (sub == NULL)
            return NULL;
        weft__hnode *n = weft__hnode_new(WEFT__HBITMAP, 1u << s1, 1);
        if (n == NULL) {
            weft__hamt_unref(ops, sub);
            return NULL;
        }
        n->e[0] = (weft__hentry){ NULL, sub };
        return n;
    }
    weft__hnode *n = weft__hnode_new(WEFT__HBITMAP, (1u << s1) | (1u << s2), 2);
    if (n == NULL)
        return NULL;
    weft__hleaf_set(ops, &n->e[s1 < s2 ? 0 : 1], k1, v1);
    weft__hleaf_set(ops, &n->e[s1 < s2 ? 1 : 0], k2, v2);
    return n;
}

static weft__hnode *weft__hassoc(const weft__hamt_ops *ops, const weft__hnode *n, unsigned shift, void *key,
                                 uint32_t hash, void *val, bool *added)
{
    if (n->kind == WEFT__HCOLLISION) {
        /* Every hash bit led here, so `hash` equals the node's hash. */
        for (uint32_t i = 0; i < n->count; i++) {
            if (n->e[i].key == key) {
                weft__hnode *c = weft__hnode_edit(ops, n, n->bitmap, i, 0);
                if (c != NULL)
                    weft__hleaf_set(ops, &c->e[i], key, val);
                return c;
            }
        }
        weft__hnode *c = weft__hnode_edit(ops, n, n->bitmap, n->count, 1);
        if (c == NULL)
            return NULL;
        weft__hleaf_set(ops, &c->e[n->count], key, val);
        *added = true;
        return c;
    }
    uint32_t bit = 1u << weft__hslot(hash, shift);
    uint32_t pos = weft__hpos(n->bitmap, bit);
    if (!(n->bitmap & bit)) {
        weft__hnode *c = weft__hnode_edit(ops, n, n->bitmap | bit, pos, 1);
        if (c == NULL)
            return NULL;
        weft__hleaf_set(ops, &c->e[pos], key, val);
        *added = true;
        return c;
    }
    const weft__hentry *e = &n->e[pos];
    weft__hnode *sub;
    if (e->key == NULL) {
        sub = weft__hassoc(ops, e->val, shift + WEFT__HBITS, key, hash, val, added);
    } else if (e->key == key) {
        weft__hnode *c = weft__hnode_edit(ops, n, n->bitmap, pos, 0);
        if (c != NULL)
            weft__hleaf_set(ops, &c->e[pos], key, val);
        return c;
    } else {
        sub = weft__hmerge(ops, e->key, ops->hash(e->key), e->val, key, hash, val, shift + WEFT__HBITS);
        *added = true;
    }
    if (sub == NULL)
        return NULL;
    weft__hnode *c = weft__hnode_edit(ops, n, n->bitmap, pos, 0);
    if (c == NULL) {
        weft__hamt_unref(ops, sub);
        return NULL;
    }
    c->e[pos] = (weft__hentry){ NULL, sub };
    return c;
}

bool weft__hamt_assoc(const weft__hamt_ops *ops, weft__hnode *root, void *key, uint32_t hash, void *val,
                      weft__hnode **out, bool *added)
{
    bool add = false;
    weft__hnode *n;
    if (root == NULL) {
        n = weft__hnode_new(WEFT__HBITMAP, 1u << weft__hslot(hash, 0), 1);
        if (n != NULL)
            weft__hleaf_set(ops, &n->e[0], key, val);
        add = true;
    } else {
        n = weft__hassoc(ops, root, 0, key, hash, val, &add);
    }
    if (n == NULL)
        return false;
    *out = n;
    if (added != NULL)
        *added = add;
    return true;
}

/* ---- in-place updates of nodes only one version holds -------------------- */

typedef struct weft__hpending {
    void *old_val;
    weft__hnode *old_node;
} weft__hpending;

static bool weft__hunique(const weft__hnode *n)
{
    /* New references to a version are only taken under the caller's lock, so
     * a count of 1 cannot grow behind our back; acquire pairs with the
     * release of whoever dropped the last other reference. */
    return atomic_load_explicit(&n->refs, memory_order_acquire) == 1;
}

/* `n` with room for one more entry at `pos` (entries after it move up). */
static weft__hnode *weft__hnode_grow(weft__hnode *n, uint32_t pos)
{
    weft__hnode *g = realloc(n, sizeof *g + (n->count + 1) * sizeof(weft__hentry));
    if (g == NULL)
        return NULL;
    memmove(&g->e[pos + 1], &g->e[pos], (g->count - pos) * sizeof(weft__hentry));
    g->count++;
    return g;
}

/* As weft__hassoc, but `n` is held only by the caller, who hands it over:
 * it is changed in place (possibly moved). NULL when out of memory, with
 * `n` unchanged and still the caller's. */
static weft__hnode *weft__hassoc_owned(const weft__hamt_ops *ops, weft__hnode *n, unsigned shift, void *key,
                                       uint32_t hash, void *val, bool *added, weft__hpending *pend)
{
    if (n->kind == WEFT__HCOLLISION) {
        for (uint32_t i = 0; i < n->count; i++) {
            if (n->e[i].key == key) {
                ops->val_ref(val);
                pend->old_val = n->e[i].val;
                n->e[i].val = val;
                return n;
            }
        }
        weft__hnode *g = weft__hnode_grow(n, n->count);
        if (g == NULL)
            return NULL;
        weft__hleaf_set(ops, &g->e[g->count - 1], key, val);
        *added = true;
        return g;
    }
    uint32_t bit = 1u << weft__hslot(hash, shift);
    uint32_t pos = weft__hpos(n->bitmap, bit);
    if (!(n->bitmap & bit)) {
        weft__hnode *g = weft__hnode_grow(n, pos);
        if (g == NULL)
            return NULL;
        g->bitmap |= bit;
        weft__hleaf_set(ops, &g->e[pos], key, val);
        *added = true;
        return g;
    }
    weft__hentry *e = &n->e[pos];
    if (e->key == key) {
        ops->val_ref(val);
        pend->old_val = e->val;
        e->val = val;
        return n;
    }
    weft__hnode *sub;
    if (e->key == NULL) {
        weft__hnode *child = e->val;
        if (weft__hunique(child)) {
            sub = weft__hassoc_owned(ops, child, shift + WEFT__HBITS, key, hash, val, added, pend);
        } else {
            sub = weft__hassoc(ops, child, shift + WEFT__HBITS, key, hash, val, added);
            if (sub != NULL)
                pend->old_node = child; /* our reference to the shared child */
        }
        if (sub == NULL)
            return NULL;
    } else {
        sub = weft__hmerge(ops, e->key, ops->hash(e->key), e->val, key, hash, val, shift + WEFT__HBITS);
        if (sub == NULL)
            return NULL;
        /* The merge took its own references to the old leaf: drop the slot's.
         * Neither can reach zero here. */
        ops->key_unref(e->key);
        ops->val_unref(e->val);
        *added = true;
    }
    e->key = NULL;
    e->val = sub;
    return n;
}

bool weft__hamt_set(const weft__hamt_ops *ops, weft__hnode **root, void *key, uint32_t hash, void *val,
                    bool *added, void **old_val, weft__hnode **old_node)
{
    weft__hpending pend = { NULL, NULL };
    bool add = false;
    weft__hnode *n = *root;
    if (n != NULL && weft__hunique(n)) {
        n = weft__hassoc_owned(ops, n, 0, key, hash, val, &add, &pend);
        if (n == NULL)
            return false;
    } else {
        if (!weft__hamt_assoc(ops, n, key, hash, val, &n, &add))
            return false;
        pend.old_node = *root;
    }
    *root = n;
    if (added != NULL)
        *added = add;
    *old_val = pend.old_val;
    *old_node = pend.old_node;
    return true;
}

/* A node reduced to one key (and no child) is folded into its parent's slot. */
static bool weft__hsingle_leaf(const weft__hnode *n)
{
    return n->count == 1 && (n->kind == WEFT__HCOLLISION || n->e[0].key != NULL);
}

/* 0: not found; 1: removed, *out is the new node or NULL; -1: out of memory. */
static int weft__hwithout(const weft__hamt_ops *ops, const weft__hnode *n, unsigned shift, const void *key,
                          uint32_t hash, weft__hnode **out)
{
    if (n->kind == WEFT__HCOLLISION) {
        for (uint32_t i = 0; i < n->count; i++) {
            if (n->e[i].key != key)
                continue;
            if (n->count == 1) {
                *out = NULL;
                return 1;
            }
            *out = weft__hnode_edit(ops, n, n->bitmap, i, -1);
            return *out != NULL ? 1 : -1;
        }
        return 0;
    }
    uint32_t bit = 1u << weft__hslot(hash, shift);
    if (!(n->bitmap & bit))
        return 0;
    uint32_t pos = weft__hpos(n->bitmap, bit);
    const weft__hentry *e = &n->e[pos];
    weft__hnode *sub = NULL;
    if (e->key == NULL) {
        int r = weft__hwithout(ops, e->val, shift + WEFT__HBITS, key, hash, &sub);
        if (r != 1)
            return r;
    } else if (e->key != key) {
        return 0;
    }
    if (sub == NULL) {
        /* The slot empties. */
        if (n->count == 1) {
            *out = NULL;
            return 1;
        }
        *out = weft__hnode_edit(ops, n, n->bitmap & ~bit, pos, -1);
        return *out != NULL ? 1 : -1;
    }
    weft__hnode *c = weft__hnode_edit(ops, n, n->bitmap, pos, 0);
    if (c == NULL) {
        weft__hamt_unref(ops, sub);
        return -1;
    }
    if (weft__hsingle_leaf(sub)) {
        weft__hleaf_set(ops, &c->e[pos], sub->e[0].key, sub->e[0].val);
        weft__hamt_unref(ops, sub);
    } else {
        c->e[pos] = (weft__hentry){ NULL, sub };
    }
    *out = c;
    return 1;
}

bool weft__hamt_without(const weft__hamt_ops *ops, weft__hnode *root, const void *key, uint32_t hash,
                        weft__hnode **out, bool *removed)
{
    weft__hnode *n = NULL;
    int r = root != NULL ? weft__hwithout(ops, root, 0, key, hash, &n) : 0;
    if (r < 0)
        return false;
    if (r == 0) {
        weft__hamt_ref(root);
        n = root;
    }
    *out = n;
    if (removed != NULL)
        *removed = r == 1;
    return true;
}

bool weft__hamt_find(const weft__hnode *n, const void *key, uint32_t hash, void **val)
{
    unsigned shift = 0;
    while (n != NULL) {
        if (n->kind == WEFT__HCOLLISION) {
            for (uint32_t i = 0; i < n->count; i++) {
                if (n->e[i].key == key) {
                    *val = n->e[i].val;
                    return true;
                }
            }
            return false;
        }
        uint32_t bit = 1u << weft__hslot(hash, shift);
        if (!(n->bitmap & bit))
            return false;
        const weft__hentry *e = &n->e[weft__hpos(n->bitmap, bit)];
        if (e->key != NULL) {
            if (e->key != key)
                return false;
            *val = e->val;
            return true;
        }
        n = e->val;
        shift += WEFT__HBITS;
    }
    return false;
}

void weft__hamt_foreach(const weft__hnode *n, void (*fn)(void *key, void *val, void *ctx), void *ctx)
{
    if (n == NULL)
        return;
    for (uint32_t i = 0; i < n->count; i++) {
        if (n->e[i].key == NULL)
            weft__hamt_foreach(n->e[i].val, fn, ctx);
        else
            fn(n->e[i].key, n->e[i].val, ctx);
    }
}

static void weft__hcount_one(void *key, void *val, void *ctx)
{
    (void)key;
    (void)val;
    (*(size_t *)ctx)++;
}

size_t weft__hamt_count(const weft__hnode *root)
{
    size_t n = 0;
    weft__hamt_foreach(root, weft__hcount_one, &n);
    return n;
}

unsigned weft__hamt_depth(const weft__hnode *n)
{
    if (n == NULL)
        return 0;
    unsigned deepest = 0;
    for (uint32_t i = 0; i < n->count; i++) {
        if (n->e[i].key == NULL) {
            unsigned d = weft__hamt_depth(n->e[i].val);
            if (d > deepest)
                deepest = d;
        }
    }
    return deepest + 1;
}
