/* multiprocessing.RLock: the lock word of lock.c, plus the owning thread
 * and a recursion count kept in the shared state beside it. */
#include "mpsync/internal.h"

const weft__type weft__mp_rlock_type = { "multiprocessing rlock", weft__mp_obj_destroy };

weft_status weft_mp_rlock_size(size_t *out)
{
    return weft_mp_lock_size(out);
}

weft_status weft_mp_rlock_new(weft_mp_rlock **out)
{
    return weft__mp_lock_make((void **)out, &weft__mp_rlock_type, WEFT__MP_RLOCK, WEFT__MP_MAKE_NEW, NULL, 0,
                              __func__);
}

weft_status weft_mp_rlock_new_at(weft_mp_rlock **out, void *mem, size_t size)
{
    return weft__mp_lock_make((void **)out, &weft__mp_rlock_type, WEFT__MP_RLOCK, WEFT__MP_MAKE_AT, mem, size,
                              __func__);
}

weft_status weft_mp_rlock_attach(weft_mp_rlock **out, void *mem, size_t size)
{
    return weft__mp_lock_make((void **)out, &weft__mp_rlock_type, WEFT__MP_RLOCK, WEFT__MP_MAKE_ATTACH, mem, size,
                              __func__);
}

weft_status weft_mp_rlock_free(weft_mp_rlock *rlock)
{
    WEFT__FREE(rlock, weft__mp_rlock_type);
}

weft_status weft_mp_rlock_acquire(weft_mp_rlock *rlock, double timeout)
{
    WEFT__OPEN(rlock, weft__mp_rlock_type);
    return weft__mp_rlock_acquire(rlock->ls, timeout, __func__);
}

weft_status weft_mp_rlock_release(weft_mp_rlock *rlock)
{
    WEFT__OPEN(rlock, weft__mp_rlock_type);
    return weft__mp_rlock_release(rlock->ls, __func__);
}

weft_status weft_mp_rlock_consistent(weft_mp_rlock *rlock)
{
    WEFT__OPEN(rlock, weft__mp_rlock_type);
    if (!weft__mp_rlock_mine(rlock->ls))
        return weft__fail(WEFT_NOT_OWNER, "%s: the calling thread does not own the lock", __func__);
    weft__mp_lock_set_consistent(rlock->ls);
    return WEFT_OK;
}
