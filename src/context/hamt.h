/* A persistent hash array mapped trie: an immutable map from pointer keys
 * (compared by identity) to pointer values. Every update returns a new root
 * that shares all untouched nodes with the old one (path copying), so a copy
 * of a map is one reference and an update costs O(log32 n) new nodes.
 *
 * Nodes are reference-counted with atomics: versions may be shared between
 * threads, and a version lives as long as someone holds its root. Keys and
 * values are retained and released through the ops table given to every
 * call, so the trie itself knows nothing about what it stores. The empty map
 * is the NULL root. */
#ifndef WEFT__HAMT_H
#define WEFT__HAMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct weft__hnode weft__hnode;

typedef struct weft__hamt_ops {
    uint32_t (*hash)(const void *key);
    void (*key_ref)(void *key);
    void (*key_unref)(void *key);
    void (*val_ref)(void *val);
    void (*val_unref)(void *val);
} weft__hamt_ops;

/* Looks `key` up; returns true and sets *val when found. No references move. */
bool weft__hamt_find(const weft__hnode *root, const void *key, uint32_t hash, void **val);

/* Makes the map `root` + {key: val}. On success *out is a new root holding
 * one reference (the caller's), the key and value are retained as needed,
 * `root` is untouched, and *added says whether the key is new. Returns false
 * when out of memory (nothing changed). */
bool weft__hamt_assoc(const weft__hamt_ops *ops, weft__hnode *root, void *key, uint32_t hash, void *val,
                      weft__hnode **out, bool *added);

/* Sets key to val in the version `*root`, which the caller owns one
 * reference to and passes on. Nodes that only this version holds (reference
 * count 1 along the path) are changed in place; shared ones are copied, so
 * other versions never see the change. On success *root is the new version
 * and the caller must release, after any lock it holds, what the update let
 * go of: *old_val (a replaced value, through ops->val_unref) and *old_node
 * (a shared node, through weft__hamt_unref); both may be NULL. The caller
 * must keep other threads from reading or referencing `*root` meanwhile
 * (a lock they take too). Returns false when out of memory (nothing
 * changed, nothing to release). */
bool weft__hamt_set(const weft__hamt_ops *ops, weft__hnode **root, void *key, uint32_t hash, void *val,
                    bool *added, void **old_val, weft__hnode **old_node);

/* Makes the map `root` without `key`. On success *out is the new root (NULL
 * for the empty map) holding the caller's reference and *removed says whether
 * the key was there (if not, *out is `root` with one more reference).
 * Returns false when out of memory. */
bool weft__hamt_without(const weft__hamt_ops *ops, weft__hnode *root, const void *key, uint32_t hash,
                        weft__hnode **out, bool *removed);

/* Takes or drops a reference to a version (NULL is fine). Dropping the last
 * one releases the nodes, keys and values only this version held. */
void weft__hamt_ref(weft__hnode *root);
void weft__hamt_unref(const weft__hamt_ops *ops, weft__hnode *root);

/* Calls fn(key, val, ctx) for every entry, in trie order. */
void weft__hamt_foreach(const weft__hnode *root, void (*fn)(void *key, void *val, void *ctx), void *ctx);

/* Number of entries (walks the trie: O(n)). */
size_t weft__hamt_count(const weft__hnode *root);

/* Depth of the deepest node, for tests of the trie's shape. */
unsigned weft__hamt_depth(const weft__hnode *root);

#endif /* WEFT__HAMT_H */
