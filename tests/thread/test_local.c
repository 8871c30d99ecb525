/* Thread-local data: one value per thread, destroyed when the thread ends
 * (weft or not), when replaced, and when the local is freed. */
#include "weft_test.h"
#include "gate.h"

#include <stdlib.h>
#include <string.h>

static atomic_int freed;
static void count_free(void *p)
{
    atomic_fetch_add(&freed, 1);
    free(p);
}

static int *boxed(int v)
{
    int *p = malloc(sizeof *p);
    *p = v;
    return p;
}

Test(local, get_set_replace_clear)
{
    weft_local *l;
    WEFT_ASSERT_OK(weft_local_new(&l, count_free));
    void *v = (void *)1;
    WEFT_ASSERT_OK(weft_local_get(l, &v));
    cr_assert_null(v, "unset in this thread");
    int *a = boxed(1), *b = boxed(2);
    WEFT_ASSERT_OK(weft_local_set(l, a));
    WEFT_ASSERT_OK(weft_local_get(l, &v));
    cr_assert_eq(v, a);
    WEFT_ASSERT_OK(weft_local_set(l, a)); /* the same value again is kept */
    cr_assert_eq(atomic_load(&freed), 0);
    WEFT_ASSERT_OK(weft_local_set(l, b));
    cr_assert_eq(atomic_load(&freed), 1, "the replaced value was freed");
    WEFT_ASSERT_OK(weft_local_set(l, NULL));
    cr_assert_eq(atomic_load(&freed), 2, "clearing frees");
    WEFT_ASSERT_OK(weft_local_get(l, &v));
    cr_assert_null(v);
    WEFT_ASSERT_OK(weft_local_set(l, NULL)); /* clearing nothing is fine */
    WEFT_ASSERT_OK(weft_local_set(l, boxed(3)));
    WEFT_ASSERT_OK(weft_local_free(l));
    cr_assert_eq(atomic_load(&freed), 3, "free destroys this thread's value");
}

typedef struct per_thread {
    weft_local *l;
    int mine;
    int seen_before;
    gate *go;
} per_thread;

static void set_own(void *arg, weft_outcome *o)
{
    (void)o;
    per_thread *p = arg;
    void *v;
    cr_assert_eq(weft_local_get(p->l, &v), WEFT_OK);
    p->seen_before = v != NULL;
    cr_assert_eq(weft_local_set(p->l, boxed(p->mine)), WEFT_OK);
    if (p->go != NULL)
        gate_wait(p->go);
    cr_assert_eq(weft_local_get(p->l, &v), WEFT_OK);
    cr_assert_eq(*(int *)v, p->mine);
}

Test(local, values_are_per_thread_and_die_with_their_thread)
{
    weft_local *l;
    WEFT_ASSERT_OK(weft_local_new(&l, count_free));
    int *main_value = boxed(100);
    WEFT_ASSERT_OK(weft_local_set(l, main_value));
    weft_thread *t[4];
    per_thread p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = (per_thread){ l, i, -1, NULL };
        WEFT_ASSERT_OK(weft_thread_new(&t[i], NULL, set_own, &p[i], NULL));
        WEFT_ASSERT_OK(weft_thread_start(t[i]));
    }
    for (int i = 0; i < 4; i++) {
        WEFT_ASSERT_OK(weft_thread_join(t[i], -1));
        cr_assert_eq(p[i].seen_before, 0, "a new thread starts empty");
        weft_thread_free(t[i]);
    }
    cr_assert_eq(atomic_load(&freed), 4, "destroyed before join returned");
    void *v;
    WEFT_ASSERT_OK(weft_local_get(l, &v));
    cr_assert_eq(v, main_value);
    WEFT_ASSERT_OK(weft_local_free(l));
    cr_assert_eq(atomic_load(&freed), 5);
}

static void *foreign_sets(void *arg)
{
    per_thread *p = arg;
    cr_assert_eq(weft_local_set(p->l, boxed(p->mine)), WEFT_OK);
    return NULL;
}

Test(local, values_of_foreign_threads_die_with_them)
{
    weft_local *l;
    WEFT_ASSERT_OK(weft_local_new(&l, count_free));
    per_thread p = { l, 7, 0, NULL };
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, foreign_sets, &p), 0);
    pthread_join(th, NULL);
    cr_assert_eq(atomic_load(&freed), 1);
    WEFT_ASSERT_OK(weft_local_free(l));
    cr_assert_eq(atomic_load(&freed), 1);
}

typedef struct holder {
    weft_local *l, *other;
    gate set, go;
    void *after;
} holder;

static void hold(void *arg, weft_outcome *o)
{
    (void)o;
    holder *h = arg;
    cr_assert_eq(weft_local_set(h->l, boxed(1)), WEFT_OK);
    cr_assert_eq(weft_local_set(h->other, boxed(2)), WEFT_OK);
    gate_open(&h->set);
    gate_wait(&h->go);
    /* The freed local's number may now belong to a new local, which starts
     * empty in this thread too. */
    cr_assert_eq(weft_local_get(h->l, &h->after), WEFT_OK);
}

Test(local, free_destroys_values_of_running_threads)
{
    holder h = { NULL, NULL, GATE_INIT, GATE_INIT, (void *)1 };
    WEFT_ASSERT_OK(weft_local_new(&h.l, count_free));
    WEFT_ASSERT_OK(weft_local_new(&h.other, count_free));
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, hold, &h, NULL));
    WEFT_ASSERT_OK(start_daemon(t));
    gate_wait(&h.set);
    WEFT_ASSERT_OK(weft_local_free(h.l));
    cr_assert_eq(atomic_load(&freed), 1, "the running thread's value was destroyed by free");
    WEFT_ASSERT_OK(weft_local_new(&h.l, count_free)); /* reuses the number */
    gate_open(&h.go);
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    weft_thread_free(t);
    cr_assert_null(h.after);
    cr_assert_eq(atomic_load(&freed), 2, "the other local's value died with the thread, once");
    WEFT_ASSERT_OK(weft_local_free(h.l));
    WEFT_ASSERT_OK(weft_local_free(h.other));
    cr_assert_eq(atomic_load(&freed), 2);
}

Test(local, many_locals_beyond_pthread_keys_max)
{
    enum { N = 3000 };
    weft_local **ls = calloc(N, sizeof *ls);
    for (int i = 0; i < N; i++) {
        WEFT_ASSERT_OK(weft_local_new(&ls[i], count_free));
        WEFT_ASSERT_OK(weft_local_set(ls[i], boxed(i)));
    }
    for (int i = 0; i < N; i += 97) {
        void *v;
        WEFT_ASSERT_OK(weft_local_get(ls[i], &v));
        cr_assert_eq(*(int *)v, i);
    }
    for (int i = 0; i < N; i++)
        WEFT_ASSERT_OK(weft_local_free(ls[i]));
    cr_assert_eq(atomic_load(&freed), N);
    /* Numbers are reused; a reused number starts empty. */
    weft_local *l;
    WEFT_ASSERT_OK(weft_local_new(&l, count_free));
    void *v = (void *)1;
    WEFT_ASSERT_OK(weft_local_get(l, &v));
    cr_assert_null(v);
    WEFT_ASSERT_OK(weft_local_free(l));
    free(ls);
}

/* A destructor that sets a value in another local during thread exit:
 * the later round destroys that value too. */
static weft_local *chain_next;
static void chain_free(void *p)
{
    free(p);
    atomic_fetch_add(&freed, 1);
    weft_local_set(chain_next, boxed(9));
}

static void set_chain(void *arg, weft_outcome *o)
{
    (void)o;
    weft_local_set(arg, boxed(8));
}

Test(local, destructors_may_set_values)
{
    weft_local *first;
    WEFT_ASSERT_OK(weft_local_new(&first, chain_free));
    WEFT_ASSERT_OK(weft_local_new(&chain_next, count_free));
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, set_chain, first, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    weft_thread_free(t);
    cr_assert_eq(atomic_load(&freed), 2);
    WEFT_ASSERT_OK(weft_local_free(first));
    WEFT_ASSERT_OK(weft_local_free(chain_next));
    cr_assert_eq(atomic_load(&freed), 2);
}

Test(local, bad_handles)
{
    void *v;
    WEFT_ASSERT_STATUS(weft_local_new(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_local_free(NULL));
    WEFT_ASSERT_STATUS(weft_local_get(NULL, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_local_set(NULL, &v), WEFT_EINVAL);
    weft_local *l;
    WEFT_ASSERT_OK(weft_local_new(&l, NULL));
    WEFT_ASSERT_STATUS(weft_local_get(l, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_local_free(l));
    WEFT_ASSERT_STATUS(weft_local_get(l, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_local_set(l, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_local_free(l), WEFT_EINVAL);
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, set_chain, NULL, NULL));
    WEFT_ASSERT_STATUS(weft_local_get((weft_local *)t, &v), WEFT_EINVAL);
    weft_thread_free(t);
}
