/* The persistent trie on its own: many keys, full-hash collisions, removal,
 * old versions that stay intact, and references that balance to zero. The
 * trie is internal, so its source is compiled into this suite. */
#include "weft_test.h"

#include "context/hamt.c"

#define NKEYS 10000

static int keys[NKEYS];
static int key_refs[NKEYS];
static int val_refs[NKEYS * 4];
static int vals[NKEYS * 4];
static uint32_t (*hash_of)(int i);

static int key_index(const void *k)
{
    return (int)((const int *)k - keys);
}

static uint32_t hash_key(const void *k)
{
    return hash_of(key_index(k));
}

static void kref(void *k)
{
    key_refs[key_index(k)]++;
}

static void kunref(void *k)
{
    cr_assert_gt(key_refs[key_index(k)], 0, "key released more than retained");
    key_refs[key_index(k)]--;
}

static void vref(void *v)
{
    val_refs[(int *)v - vals]++;
}

static void vunref(void *v)
{
    cr_assert_gt(val_refs[(int *)v - vals], 0, "value released more than retained");
    val_refs[(int *)v - vals]--;
}

static const weft__hamt_ops ops = { hash_key, kref, kunref, vref, vunref };

static uint32_t mixed(int i)
{
    uint32_t x = (uint32_t)i * 0x9E3779B1u;
    return x ^ (x >> 15);
}

static uint32_t four_buckets(int i)
{
    return (uint32_t)(i % 4) * 0x01010101u; /* every bit level collides */
}

static uint32_t high_bits_only(int i)
{
    return (uint32_t)i << 22; /* the first levels all collide, deep nodes differ */
}

static void assert_balanced(void)
{
    for (int i = 0; i < NKEYS; i++)
        cr_assert_eq(key_refs[i], 0, "key %d still has %d references", i, key_refs[i]);
    for (int i = 0; i < NKEYS * 4; i++)
        cr_assert_eq(val_refs[i], 0, "value %d still has %d references", i, val_refs[i]);
}

static weft__hnode *put(weft__hnode *root, int k, int v, bool want_added)
{
    weft__hnode *next;
    bool added;
    cr_assert(weft__hamt_assoc(&ops, root, &keys[k], hash_of(k), &vals[v], &next, &added));
    cr_assert_eq(added, want_added, "key %d: added %d", k, added);
    weft__hamt_unref(&ops, root);
    return next;
}

static weft__hnode *drop(weft__hnode *root, int k, bool want_removed)
{
    weft__hnode *next;
    bool removed;
    cr_assert(weft__hamt_without(&ops, root, &keys[k], hash_of(k), &next, &removed));
    cr_assert_eq(removed, want_removed, "key %d: removed %d", k, removed);
    weft__hamt_unref(&ops, root);
    return next;
}

static void assert_has(const weft__hnode *root, int k, int v)
{
    void *got = NULL;
    cr_assert(weft__hamt_find(root, &keys[k], hash_of(k), &got), "key %d missing", k);
    cr_assert_eq(got, &vals[v], "key %d has the wrong value", k);
}

static void assert_lacks(const weft__hnode *root, int k)
{
    void *got = NULL;
    cr_assert(!weft__hamt_find(root, &keys[k], hash_of(k), &got), "key %d present", k);
}

static void run_many(uint32_t (*h)(int), int n)
{
    hash_of = h;
    weft__hnode *root = NULL;
    for (int i = 0; i < n; i++)
        root = put(root, i, i, true);
    cr_assert_eq(weft__hamt_count(root), (size_t)n);
    for (int i = 0; i < n; i++)
        assert_has(root, i, i);
    assert_lacks(root, n);
    /* Replacing a value keeps the count. */
    for (int i = 0; i < n; i += 2)
        root = put(root, i, n + i, false);
    cr_assert_eq(weft__hamt_count(root), (size_t)n);
    for (int i = 0; i < n; i++)
        assert_has(root, i, i % 2 == 0 ? n + i : i);
    /* Remove in a scrambled order; absent keys stay absent. */
    for (int j = 0; j < n; j++) {
        int i = (int)(((unsigned)j * 7919u) % (unsigned)n);
        root = drop(root, i, true);
        root = drop(root, i, false);
        if (j % 97 == 0)
            cr_assert_eq(weft__hamt_count(root), (size_t)(n - j - 1));
    }
    cr_assert_null(root, "the empty map is the NULL root");
    assert_balanced();
}

Test(hamt, many_keys_with_good_hashes)
{
    run_many(mixed, NKEYS);
}

Test(hamt, full_hash_collisions)
{
    run_many(four_buckets, 400);
}

Test(hamt, keys_that_differ_only_in_deep_levels)
{
    run_many(high_bits_only, 1024);
}

Test(hamt, depth_stays_logarithmic)
{
    hash_of = mixed;
    weft__hnode *root = NULL;
    for (int i = 0; i < NKEYS; i++)
        root = put(root, i, i, true);
    unsigned d = weft__hamt_depth(root);
    cr_assert_leq(d, 5, "depth %u for %d keys", d, NKEYS);
    weft__hamt_unref(&ops, root);
    assert_balanced();
}

Test(hamt, old_versions_are_untouched)
{
    hash_of = mixed;
    enum { V = 50 };
    weft__hnode *ver[V + 1];
    ver[0] = NULL;
    /* Version v holds keys 0..v-1 with value k, then key v/2 removed and key 0 set to value 3v. */
    for (int v = 1; v <= V; v++) {
        weft__hnode *n;
        bool flag;
        cr_assert(weft__hamt_assoc(&ops, ver[v - 1], &keys[v - 1], hash_of(v - 1), &vals[v - 1], &n, &flag));
        ver[v] = n;
    }
    weft__hnode *changed = NULL;
    weft__hamt_ref(ver[V]);
    changed = ver[V];
    changed = drop(changed, 10, true);
    changed = put(changed, 0, 3 * V, false);
    for (int v = 0; v <= V; v++) {
        cr_assert_eq(weft__hamt_count(ver[v]), (size_t)v);
        for (int k = 0; k < v; k++)
            assert_has(ver[v], k, k);
        assert_lacks(ver[v], v);
    }
    assert_lacks(changed, 10);
    assert_has(changed, 0, 3 * V);
    assert_has(changed, 11, 11);
    /* Dropping versions in any order releases exactly what they held. */
    for (int v = V; v >= 0; v -= 2)
        weft__hamt_unref(&ops, ver[v]);
    weft__hamt_unref(&ops, changed);
    for (int v = V - 1; v >= 0; v -= 2)
        weft__hamt_unref(&ops, ver[v]);
    assert_balanced();
}

static void sum_keys(void *k, void *v, void *ctx)
{
    cr_assert_eq((int *)v - vals, key_index(k));
    *(long *)ctx += key_index(k);
}

Test(hamt, foreach_visits_every_entry_once)
{
    hash_of = four_buckets;
    weft__hnode *root = NULL;
    long want = 0;
    for (int i = 0; i < 300; i++) {
        root = put(root, i, i, true);
        want += i;
    }
    long got = 0;
    weft__hamt_foreach(root, sum_keys, &got);
    cr_assert_eq(got, want);
    weft__hamt_foreach(NULL, sum_keys, &got);
    weft__hamt_unref(&ops, root);
    assert_balanced();
}

/* Random operations against a plain array, keeping a few old versions with
 * their expected contents. */
static uint32_t clumped(int i)
{
    return mixed(i % 61) ^ (uint32_t)(i / 61); /* near-collisions in low bits */
}

/* Random sets and removals through `set` (a persistent put or an in-place
 * update) checked against a plain array, with SNAP older versions kept and
 * checked at the end: updates must never show through to them. */
typedef weft__hnode *(*hamt_setter)(weft__hnode *root, int k, int v, bool want_added);

static void run_model(hamt_setter set, int K, unsigned seed, int drop_one_in, int snap_every)
{
    enum { KMAX = 700, OPS = 20000, SNAP = 8 };
    static int model[KMAX], snap_model[SNAP][KMAX];
    cr_assert(K <= KMAX);
    weft__hnode *snap[SNAP] = { 0 };
    memset(model, -1, sizeof model);
    memset(snap_model, -1, sizeof snap_model);
    weft__hnode *root = NULL;
    for (int step = 0; step < OPS; step++) {
        int k = rand_r(&seed) % K;
        if (rand_r(&seed) % drop_one_in == 0) {
            root = drop(root, k, model[k] >= 0);
            model[k] = -1;
        } else {
            int v = rand_r(&seed) % (NKEYS * 4);
            root = set(root, k, v, model[k] < 0);
            model[k] = v;
        }
        if (step % snap_every == 0) {
            int s = (step / snap_every) % SNAP;
            weft__hamt_unref(&ops, snap[s]);
            weft__hamt_ref(root);
            snap[s] = root;
            memcpy(snap_model[s], model, sizeof model);
        }
    }
    for (int s = 0; s < SNAP; s++)
        for (int k = 0; k < K; k++)
            if (snap_model[s][k] >= 0)
                assert_has(snap[s], k, snap_model[s][k]);
            else
                assert_lacks(snap[s], k);
    size_t live = 0;
    for (int k = 0; k < K; k++) {
        if (model[k] >= 0) {
            live++;
            assert_has(root, k, model[k]);
        } else {
            assert_lacks(root, k);
        }
    }
    cr_assert_eq(weft__hamt_count(root), live);
    for (int s = 0; s < SNAP; s++)
        weft__hamt_unref(&ops, snap[s]);
    weft__hamt_unref(&ops, root);
    assert_balanced();
}

Test(hamt, random_operations_match_a_model)
{
    hash_of = clumped;
    run_model(put, 700, 12345, 3, 2500);
}

/* The in-place update: nodes only the current version holds change in place,
 * shared ones are copied, and older versions never notice. */
static weft__hnode *set_inplace(weft__hnode *root, int k, int v, bool want_added)
{
    bool added;
    void *old_val;
    weft__hnode *old_node;
    cr_assert(weft__hamt_set(&ops, &root, &keys[k], hash_of(k), &vals[v], &added, &old_val, &old_node));
    cr_assert_eq(added, want_added, "key %d: added %d", k, added);
    if (old_val != NULL)
        vunref(old_val);
    weft__hamt_unref(&ops, old_node);
    return root;
}

static void run_inplace(uint32_t (*h)(int))
{
    hash_of = h;
    run_model(set_inplace, 600, 99, 5, 1500);
}

Test(hamt, inplace_updates_spare_shared_versions)
{
    run_inplace(mixed);
}

Test(hamt, inplace_updates_with_collisions)
{
    run_inplace(four_buckets);
}

Test(hamt, inplace_updates_with_near_collisions)
{
    run_inplace(clumped);
}
