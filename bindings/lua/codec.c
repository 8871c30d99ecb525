/* The value codec: copies Lua values from one state to another through a
 * byte buffer, which is what weft's queues, futures and callables carry.
 *
 * Copied: nil, booleans, numbers, strings, tables (deeply, keeping cycles and
 * shared references within one buffer), Lua functions (as bytecode, with their
 * upvalues copied the same way), C functions that a loaded module exports
 * (looked up by name again on the other side), the globals table (becomes the
 * receiver's globals), light userdata. Shared, not copied: weft handles. A
 * buffer holds one reference of its own on every handle in it (taken with
 * weft_handle_ref when it is encoded, dropped by weft_lua_value_free), and
 * each decoded userdata takes another, so a handle outlives the Lua value it
 * was put in as long as the buffer or any copy of it lives.
 * Refused with a Lua error: coroutines, other full userdata, tables with a
 * metatable, C functions no loaded module exports.
 *
 * A message (weft_lua_encode_message) is a buffer that may leave the
 * process, over a connection: it holds no handles and no light userdata
 * (pointers mean nothing elsewhere), and decoding one checks its length and
 * refuses those tags. It is for a peer of the same build and architecture
 * (numbers are in this machine's layout) that the receiver trusts, as
 * Python trusts a pickle: Lua functions travel as bytecode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft_lua.h"

enum {
    T_NIL,
    T_FALSE,
    T_TRUE,
    T_INT,
    T_FLT,
    T_STR,
    T_TABLE,  /* new table: pairs follow, then T_END */
    T_END,
    T_REF,    /* a table or function seen before in this buffer */
    T_LFUNC,  /* bytecode, then its upvalues */
    T_CFUNC,  /* "module.name" of a C function */
    T_ENV,    /* the globals table */
    T_HANDLE, /* SWIG type record, then the object pointer */
    T_LIGHT,  /* light userdata */
    T_ERROR,  /* a weft.Error: a table, then its metatable is set */
    T_UPREF,  /* an upvalue shared with an earlier function: its id and index */
};

#define MAGIC 0x57654C31u /* "WeL1" */
#define MAX_DEPTH 200

/* Header of every buffer: a magic number, the number of values, the size of
 * the encoded values, and the number of handles whose references the buffer
 * holds; those handles follow the values, one pointer each. */
typedef struct header {
    uint32_t magic;
    uint32_t count;
    uint64_t size;
    uint64_t nhandles;
} header;

/* ---- encoding ---------------------------------------------------------- */

/* The buffer lives in a userdata box while it grows, so that a Lua error in
 * the middle of encoding frees it, and drops the references taken so far,
 * when the box is collected. */
typedef struct box {
    unsigned char *data;
    size_t len, cap;
    void **refs;
    size_t nrefs, refcap;
} box;

static int box_gc(lua_State *L)
{
    box *b = lua_touserdata(L, 1);
    for (size_t i = 0; i < b->nrefs; i++)
        (void)weft_handle_unref(b->refs[i]);
    free(b->refs);
    free(b->data);
    b->refs = NULL;
    b->nrefs = 0;
    b->data = NULL;
    return 0;
}

/* Takes the buffer's reference on a handle going into it. */
static void hold(lua_State *L, box *b, void *handle)
{
    if (b->nrefs == b->refcap) {
        size_t cap = b->refcap ? b->refcap * 2 : 4;
        void **r = realloc(b->refs, cap * sizeof *r);
        if (r == NULL)
            luaL_error(L, "weft: out of memory copying a value");
        b->refs = r;
        b->refcap = cap;
    }
    if (weft_handle_ref(handle) != WEFT_OK)
        luaL_error(L, "weft: cannot copy a weft handle: %s", weft_errmsg());
    b->refs[b->nrefs++] = handle;
}

static void put(lua_State *L, box *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (d == NULL)
            luaL_error(L, "weft: out of memory copying a value");
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_byte(lua_State *L, box *b, int v)
{
    unsigned char c = (unsigned char)v;
    put(L, b, &c, 1);
}

static void put_size(lua_State *L, box *b, size_t v)
{
    uint64_t u = v;
    put(L, b, &u, sizeof u);
}

static void put_str(lua_State *L, box *b, const char *s, size_t n)
{
    put_size(L, b, n);
    put(L, b, s, n);
}

static int dump_writer(lua_State *L, const void *p, size_t n, void *ud)
{
    put(L, ud, p, n);
    return 0;
}

/* Stack slots the encoder works with. */
typedef struct enc {
    lua_State *L;
    box *b;
    int seen;    /* table: value -> id of tables and functions already written */
    int cfuncs;  /* table: C function -> "module.name" */
    int globals; /* the globals table */
    int upvals;  /* table: upvalue id -> function id * 256 + index, first seen */
    lua_Integer next_id;
    bool message; /* leaves the process: no handles, no pointers */
} enc;

static void encode_value(enc *e, int idx, int depth);

/* Maps every C function of every loaded module (one level deep) to its name,
 * so the other state can look it up. Built on first need, rebuilt on a miss
 * when modules were loaded since. */
static void build_cfuncs(lua_State *L, int map)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TTABLE) {
            const char *mod = lua_tostring(L, -2);
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                if (lua_type(L, -2) == LUA_TSTRING && lua_iscfunction(L, -1)) {
                    lua_pushvalue(L, -1);
                    lua_rawget(L, map);
                    bool known = !lua_isnil(L, -1);
                    lua_pop(L, 1);
                    if (!known) {
                        lua_pushvalue(L, -1);
                        lua_pushfstring(L, "%s.%s", mod, lua_tostring(L, -3));
                        lua_rawset(L, map);
                    }
                }
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void encode_cfunction(enc *e, int idx)
{
    lua_State *L = e->L;
    lua_pushvalue(L, idx);
    lua_rawget(L, e->cfuncs);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        build_cfuncs(L, e->cfuncs);
        lua_pushvalue(L, idx);
        lua_rawget(L, e->cfuncs);
        if (lua_isnil(L, -1))
            luaL_error(L, "weft: cannot copy a C function that no loaded module exports");
    }
    size_t n;
    const char *name = lua_tolstring(L, -1, &n);
    put_byte(L, e->b, T_CFUNC);
    put_str(L, e->b, name, n);
    lua_pop(L, 1);
}

/* Writes T_REF if the table or function at idx was written before; otherwise
 * gives it the next id and returns false. */
static bool encode_ref(enc *e, int idx)
{
    lua_State *L = e->L;
    lua_pushvalue(L, idx);
    lua_rawget(L, e->seen);
    if (!lua_isnil(L, -1)) {
        lua_Integer id = lua_tointeger(L, -1);
        lua_pop(L, 1);
        put_byte(L, e->b, T_REF);
        put_size(L, e->b, (size_t)id);
        return true;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushinteger(L, ++e->next_id);
    lua_rawset(L, e->seen);
    return false;
}

static void encode_table(enc *e, int idx, int depth)
{
    lua_State *L = e->L;
    bool is_error = false;
    if (lua_getmetatable(L, idx)) {
        luaL_getmetatable(L, "weft.Error");
        is_error = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (!is_error)
            luaL_error(L, "weft: cannot copy a table with a metatable");
    }
    if (encode_ref(e, idx))
        return;
    if (is_error)
        put_byte(L, e->b, T_ERROR);
    put_byte(L, e->b, T_TABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int top = lua_gettop(L);
        encode_value(e, top - 1, depth + 1);
        encode_value(e, top, depth + 1);
        lua_pop(L, 1);
    }
    put_byte(L, e->b, T_END);
}

static void encode_lfunction(enc *e, int idx, int depth)
{
    lua_State *L = e->L;
    if (encode_ref(e, idx))
        return;
    lua_Integer fid = e->next_id;
    put_byte(L, e->b, T_LFUNC);
    /* Length-prefixed bytecode: reserve the length, dump, then fill it in. */
    size_t at = e->b->len;
    put_size(L, e->b, 0);
    lua_pushvalue(L, idx);
    if (lua_dump(L, dump_writer, e->b, 0) != 0)
        luaL_error(L, "weft: cannot dump a function");
    lua_pop(L, 1);
    uint64_t n = e->b->len - at - sizeof(uint64_t);
    memcpy(e->b->data + at, &n, sizeof n);
    int nup = 0;
    while (lua_getupvalue(L, idx, nup + 1) != NULL) {
        lua_pop(L, 1);
        nup++;
    }
    put_size(L, e->b, (size_t)nup);
    for (int i = 1; i <= nup; i++) {
        /* Closures that share an upvalue in the sender share it in the
         * copy, when both travel in the same value. */
        lua_pushlightuserdata(L, lua_upvalueid(L, idx, i));
        lua_rawget(L, e->upvals);
        if (!lua_isnil(L, -1)) {
            lua_Integer where = lua_tointeger(L, -1);
            lua_pop(L, 1);
            put_byte(L, e->b, T_UPREF);
            put_size(L, e->b, (size_t)(where / 256));
            put_size(L, e->b, (size_t)(where % 256));
            continue;
        }
        lua_pop(L, 1);
        lua_pushlightuserdata(L, lua_upvalueid(L, idx, i));
        lua_pushinteger(L, fid * 256 + i);
        lua_rawset(L, e->upvals);
        lua_getupvalue(L, idx, i);
        encode_value(e, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
    }
}

static void encode_value(enc *e, int idx, int depth)
{
    lua_State *L = e->L;
    box *b = e->b;
    if (depth > MAX_DEPTH)
        luaL_error(L, "weft: value nested too deeply to copy (more than %d levels)", MAX_DEPTH);
    luaL_checkstack(L, 8, "weft: copying a value");
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        put_byte(L, b, T_NIL);
        break;
    case LUA_TBOOLEAN:
        put_byte(L, b, lua_toboolean(L, idx) ? T_TRUE : T_FALSE);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            lua_Integer v = lua_tointeger(L, idx);
            put_byte(L, b, T_INT);
            put(L, b, &v, sizeof v);
        } else {
            lua_Number v = lua_tonumber(L, idx);
            put_byte(L, b, T_FLT);
            put(L, b, &v, sizeof v);
        }
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        put_byte(L, b, T_STR);
        put_str(L, b, s, n);
        break;
    }
    case LUA_TTABLE:
        if (lua_rawequal(L, idx, e->globals))
            put_byte(L, b, T_ENV);
        else
            encode_table(e, idx, depth);
        break;
    case LUA_TFUNCTION:
        if (lua_iscfunction(L, idx))
            encode_cfunction(e, idx);
        else
            encode_lfunction(e, idx, depth);
        break;
    case LUA_TLIGHTUSERDATA: {
        if (e->message)
            luaL_error(L, "weft: cannot send a light userdata to another process");
        void *p = lua_touserdata(L, idx);
        put_byte(L, b, T_LIGHT);
        put(L, b, &p, sizeof p);
        break;
    }
    case LUA_TUSERDATA: {
        void *ptr;
        const void *type;
        if (!weft_lua_handle_info(L, idx, &ptr, &type))
            luaL_error(L, "weft: cannot copy a userdata that is not a weft handle");
        if (e->message)
            luaL_error(L, "weft: cannot send a weft handle to another process");
        if (ptr == NULL)
            luaL_error(L, "weft: cannot copy a weft handle that was freed");
        hold(L, b, ptr);
        put_byte(L, b, T_HANDLE);
        put(L, b, &type, sizeof type);
        put(L, b, &ptr, sizeof ptr);
        break;
    }
    case LUA_TTHREAD:
        luaL_error(L, "weft: cannot copy a coroutine");
        break;
    default:
        luaL_error(L, "weft: cannot copy a %s", luaL_typename(L, idx));
    }
}

static void *encode(lua_State *L, int first, int n, size_t *len, bool message)
{
    first = lua_absindex(L, first);
    luaL_checkstack(L, 12, "weft: copying a value");
    int top = lua_gettop(L);
    box *b = lua_newuserdatauv(L, sizeof *b, 0);
    *b = (box){0};
    if (luaL_newmetatable(L, "weft.codec.box")) {
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);

    enc e = {.L = L, .b = b, .next_id = 0, .message = message};
    lua_newtable(L);
    e.seen = lua_gettop(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, "weft.codec.cfuncs");
    e.cfuncs = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    e.globals = lua_gettop(L);
    lua_newtable(L);
    e.upvals = lua_gettop(L);

    header h = {.magic = MAGIC, .count = (uint32_t)n, .size = 0, .nhandles = 0};
    put(L, b, &h, sizeof h);
    for (int i = 0; i < n; i++)
        encode_value(&e, first + i, 0);
    uint64_t size = b->len, nhandles = b->nrefs;
    if (nhandles > 0)
        put(L, b, b->refs, b->nrefs * sizeof *b->refs);

    unsigned char *data = b->data;
    memcpy(data + offsetof(header, size), &size, sizeof size);
    memcpy(data + offsetof(header, nhandles), &nhandles, sizeof nhandles);
    b->data = NULL; /* handed to the caller, with the references */
    b->nrefs = 0;
    lua_settop(L, top);
    if (len != NULL)
        *len = (size_t)size;
    return data;
}

void *weft_lua_encode(lua_State *L, int first, int n, size_t *len)
{
    return encode(L, first, n, len, false);
}

void *weft_lua_encode_message(lua_State *L, int first, int n, size_t *len)
{
    return encode(L, first, n, len, true);
}

/* ---- decoding ---------------------------------------------------------- */

typedef struct dec {
    lua_State *L;
    const unsigned char *p, *end;
    int ids; /* table: id -> table or function */
    lua_Integer next_id;
    bool message; /* from elsewhere: no handles, no pointers */
} dec;

static void take(dec *d, void *out, size_t n)
{
    if ((size_t)(d->end - d->p) < n)
        luaL_error(d->L, "weft: truncated value buffer");
    memcpy(out, d->p, n);
    d->p += n;
}

static uint64_t take_u64(dec *d)
{
    uint64_t v;
    take(d, &v, sizeof v);
    return v;
}

static size_t take_size(dec *d)
{
    uint64_t v;
    take(d, &v, sizeof v);
    if (v > (uint64_t)(d->end - d->p))
        luaL_error(d->L, "weft: corrupt value buffer");
    return (size_t)v;
}

static const char *take_bytes(dec *d, size_t n)
{
    if ((size_t)(d->end - d->p) < n)
        luaL_error(d->L, "weft: truncated value buffer");
    const char *s = (const char *)d->p;
    d->p += n;
    return s;
}

/* Looks up "module.name" in package.loaded, requiring the module if needed. */
static void push_cfunction(lua_State *L, const char *name, size_t n)
{
    const char *dot = NULL;
    for (size_t i = n; i-- > 0;)
        if (name[i] == '.') {
            dot = name + i;
            break;
        }
    if (dot == NULL)
        luaL_error(L, "weft: bad C function name '%s'", name);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushlstring(L, name, (size_t)(dot - name));
    lua_rawget(L, -2);
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_getglobal(L, "require");
        lua_pushlstring(L, name, (size_t)(dot - name));
        lua_call(L, 1, 1);
    }
    lua_pushlstring(L, dot + 1, (size_t)(name + n - dot - 1));
    lua_gettable(L, -2);
    if (!lua_iscfunction(L, -1))
        luaL_error(L, "weft: C function '%s' is not available in this state", name);
    lua_replace(L, -3);
    lua_pop(L, 1);
}

static void decode_value(dec *d, int depth);

static void remember(dec *d)
{
    lua_pushvalue(d->L, -1);
    lua_rawseti(d->L, d->ids, ++d->next_id);
}

static void decode_value(dec *d, int depth)
{
    lua_State *L = d->L;
    luaL_checkstack(L, 8, "weft: copying a value");
    if (depth > MAX_DEPTH + 1)
        luaL_error(L, "weft: corrupt value buffer");
    unsigned char tag;
    take(d, &tag, 1);
    switch (tag) {
    case T_NIL:
        lua_pushnil(L);
        break;
    case T_FALSE:
    case T_TRUE:
        lua_pushboolean(L, tag == T_TRUE);
        break;
    case T_INT: {
        lua_Integer v;
        take(d, &v, sizeof v);
        lua_pushinteger(L, v);
        break;
    }
    case T_FLT: {
        lua_Number v;
        take(d, &v, sizeof v);
        lua_pushnumber(L, v);
        break;
    }
    case T_STR: {
        size_t n = take_size(d);
        const char *s = take_bytes(d, n);
        lua_pushlstring(L, s, n);
        break;
    }
    case T_TABLE:
        lua_newtable(L);
        remember(d);
        for (;;) {
            if (d->p < d->end && *d->p == T_END) {
                d->p++;
                break;
            }
            decode_value(d, depth + 1);
            decode_value(d, depth + 1);
            if (lua_isnil(L, -2))
                luaL_error(L, "weft: corrupt value buffer");
            lua_rawset(L, -3);
        }
        break;
    case T_REF: {
        lua_Integer id = (lua_Integer)take_u64(d);
        lua_rawgeti(L, d->ids, (lua_Integer)id);
        if (lua_isnil(L, -1))
            luaL_error(L, "weft: corrupt value buffer");
        break;
    }
    case T_LFUNC: {
        size_t n = take_size(d);
        const char *code = take_bytes(d, n);
        if (luaL_loadbufferx(L, code, n, "=weft", "b") != LUA_OK)
            lua_error(L);
        remember(d);
        uint64_t nup = take_u64(d);
        for (uint64_t i = 1; i <= nup; i++) {
            if (d->p < d->end && *d->p == T_UPREF) {
                d->p++;
                lua_Integer fid = (lua_Integer)take_u64(d);
                int up = (int)take_u64(d);
                lua_rawgeti(L, d->ids, fid);
                if (lua_type(L, -1) != LUA_TFUNCTION || lua_iscfunction(L, -1) ||
                    lua_getupvalue(L, -1, up) == NULL)
                    luaL_error(L, "weft: corrupt value buffer");
                lua_pop(L, 1);
                if (lua_getupvalue(L, -2, (int)i) == NULL)
                    luaL_error(L, "weft: corrupt value buffer");
                lua_pop(L, 1);
                lua_upvaluejoin(L, -2, (int)i, -1, up);
                lua_pop(L, 1);
                continue;
            }
            decode_value(d, depth + 1);
            if (lua_setupvalue(L, -2, (int)i) == NULL)
                lua_pop(L, 1);
        }
        break;
    }
    case T_CFUNC: {
        size_t n = take_size(d);
        const char *s = take_bytes(d, n);
        push_cfunction(L, s, n);
        break;
    }
    case T_ERROR:
        decode_value(d, depth);
        if (!lua_istable(L, -1))
            luaL_error(L, "weft: corrupt value buffer");
        luaL_getmetatable(L, "weft.Error");
        lua_setmetatable(L, -2);
        break;
    case T_ENV:
        lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
        break;
    case T_HANDLE: {
        if (d->message)
            luaL_error(L, "weft: corrupt message (a weft handle)");
        const void *type;
        void *ptr;
        take(d, &type, sizeof type);
        take(d, &ptr, sizeof ptr);
        /* The buffer keeps its reference; the new userdata takes its own. */
        if (weft_handle_ref(ptr) != WEFT_OK)
            luaL_error(L, "weft: corrupt value buffer (a handle it holds is gone)");
        weft_lua_push_handle(L, ptr, type, 1);
        break;
    }
    case T_LIGHT: {
        if (d->message)
            luaL_error(L, "weft: corrupt message (a light userdata)");
        void *p;
        take(d, &p, sizeof p);
        lua_pushlightuserdata(L, p);
        break;
    }
    default:
        luaL_error(L, "weft: corrupt value buffer (tag %d)", (int)tag);
    }
}

static int decode(lua_State *L, const void *buf, const header *h, bool message)
{
    luaL_checkstack(L, (int)h->count + 8, "weft: too many values");
    lua_newtable(L);
    dec d = {.L = L,
             .p = (const unsigned char *)buf + sizeof *h,
             .end = (const unsigned char *)buf + h->size,
             .ids = lua_gettop(L),
             .next_id = 0,
             .message = message};
    for (uint32_t i = 0; i < h->count; i++)
        decode_value(&d, 0);
    lua_remove(L, d.ids);
    return (int)h->count;
}

int weft_lua_decode(lua_State *L, const void *buf)
{
    header h;
    memcpy(&h, buf, sizeof h);
    if (h.magic != MAGIC)
        return luaL_error(L, "weft: not a weft value buffer");
    return decode(L, buf, &h, false);
}

int weft_lua_decode_message(lua_State *L, const void *buf, size_t len)
{
    header h;
    if (len < sizeof h)
        return luaL_error(L, "weft: not a weft message (%d bytes)", (int)len);
    memcpy(&h, buf, sizeof h);
    if (h.magic != MAGIC)
        return luaL_error(L, "weft: not a weft message");
    /* Every value takes a byte at least: a count beyond that is corrupt. */
    if (h.size < sizeof h || h.size > len || h.nhandles != 0 || h.count > h.size - sizeof h)
        return luaL_error(L, "weft: corrupt message");
    return decode(L, buf, &h, true);
}

void weft_lua_value_free(void *p)
{
    if (p == NULL)
        return;
    header h;
    memcpy(&h, p, sizeof h);
    for (uint64_t i = 0; i < h.nhandles; i++) {
        void *handle;
        memcpy(&handle, (unsigned char *)p + h.size + i * sizeof handle, sizeof handle);
        (void)weft_handle_unref(handle);
    }
    free(p);
}

void weft_lua_value_free_never(void *p)
{
    (void)p;
}

bool weft_lua_is_value(const void *p, weft_free_fn free_fn)
{
    if (p == NULL)
        return false;
    if (free_fn != weft_lua_value_free && free_fn != weft_lua_value_free_never)
        return false;
    uint32_t magic;
    memcpy(&magic, p, sizeof magic);
    return magic == MAGIC;
}

int weft_lua_push_value(lua_State *L, void *value, weft_free_fn free_value)
{
    if (weft_lua_is_direct_marker(value))
        return weft_lua_push_direct_results(L);
    if (value == NULL) {
        lua_pushnil(L);
        return 1;
    }
    if (!weft_lua_is_value(value, free_value)) {
        lua_pushlightuserdata(L, value);
        return 1;
    }
    return weft_lua_decode(L, value);
}
