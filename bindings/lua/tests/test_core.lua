-- Core: versions, the status table as Lua errors, the codec, callables.
return function(T)
  local weft = require "weft"
  local core = weft.core

  T.test("version", function()
    T.eq(math.type(weft.version()), "integer")
    -- the library loaded is the one the headers describe
    T.eq(weft.version(), (core.WEFT_VERSION_MAJOR << 16) | (core.WEFT_VERSION_MINOR << 8)
      | core.WEFT_VERSION_PATCH)
    T.eq(weft.version_string(), string.format("%d.%d.%d", core.WEFT_VERSION_MAJOR,
      core.WEFT_VERSION_MINOR, core.WEFT_VERSION_PATCH))
  end)

  T.test("status table", function()
    T.eq(weft.status.OK, 0)
    T.eq(weft.status.TIMEOUT, core.WEFT_TIMEOUT)
    T.eq(weft.status_name(weft.status.TIMEOUT), "WEFT_TIMEOUT")
    T.eq(weft.status_exception(weft.status.EMPTY), "queue.Empty")
    T.eq(weft.strerror(weft.status.FULL), "queue is full")
    T.eq(weft.status_name(9999), "WEFT_UNKNOWN")
  end)

  T.test("error objects", function()
    local e = core.error(weft.status.TIMEOUT, "waited too long")
    T.ok(weft.is_error(e))
    T.ok(weft.is_error(e, "TIMEOUT"))
    T.ok(weft.is_error(e, "WEFT_TIMEOUT"))
    T.ok(not weft.is_error(e, "EMPTY"))
    T.eq(e.code, weft.status.TIMEOUT)
    T.eq(e.exception, "TimeoutError")
    T.eq(tostring(e), "WEFT_TIMEOUT: waited too long")
    T.ok(not weft.is_error("WEFT_TIMEOUT"))
  end)

  T.test("a failing call raises its status and message", function()
    local e = T.raises("FAILED", weft.call, function() error("boom") end)
    T.ok(tostring(e):find("boom", 1, true), tostring(e))
    T.eq(weft.errmsg():find("boom", 1, true) ~= nil, true)
  end)

  T.test("a weft error raised in a callable keeps its status", function()
    local st = weft.status.EMPTY
    local e = T.raises("EMPTY", weft.call, function() error(require("weft.core").error(st, "nothing")) end)
    T.eq(e.message, "nothing")
    T.eq(e.exception, "queue.Empty")
  end)

  T.test("codec: scalars", function()
    local a, b, c, d, e, f, g = weft.copy(nil, true, false, 42, 1.5, "x\0y", math.mininteger)
    T.eq(a, nil); T.eq(b, true); T.eq(c, false)
    T.eq(d, 42); T.eq(math.type(d), "integer")
    T.eq(e, 1.5); T.eq(f, "x\0y"); T.eq(g, math.mininteger)
    T.eq(select("#", weft.copy()), 0)
    T.eq(select("#", weft.copy(nil, nil)), 2)
  end)

  T.test("codec: tables deeply, with cycles and shared parts", function()
    local shared = {1, 2, 3}
    local t = {a = shared, b = shared, nested = {deep = {deeper = "yes"}}, [1.5] = "f", [true] = "t"}
    t.self = t
    local c = weft.copy(t)
    T.ok(c ~= t)
    T.eq(c.self, c)
    T.eq(c.a, c.b)
    T.ok(c.a ~= shared)
    T.eq(#c.a, 3)
    T.eq(c.nested.deep.deeper, "yes")
    T.eq(c[1.5], "f"); T.eq(c[true], "t")
  end)

  T.test("codec: functions with upvalues", function()
    local n = 10
    local tbl = {k = 5}
    local function add(x) return x + n + tbl.k end
    local f = weft.copy(add)
    T.ok(f ~= add)
    T.eq(f(1), 16)
    -- upvalues are copies: changing the original does not reach the copy
    n = 100
    T.eq(f(1), 16)
    -- recursion through an upvalue
    local function fact(k) if k <= 1 then return 1 end return k * fact(k - 1) end
    T.eq(weft.copy(fact)(10), 3628800)
    -- globals are the receiver's
    local g = weft.copy(function() return string.rep("ab", 2) end)
    T.eq(g(), "abab")
  end)

  T.test("codec: closures sharing an upvalue share it in the copy", function()
    local function counter()
      local n = 0
      return {inc = function() n = n + 1; return n end, get = function() return n end}
    end
    local c = weft.copy(counter())
    c.inc(); c.inc()
    T.eq(c.get(), 2)
    -- two separate copies do not share with each other or the original
    local orig = counter()
    local a, b = weft.copy(orig), weft.copy(orig)
    a.inc()
    T.eq(b.get(), 0); T.eq(orig.get(), 0)
    -- the same through a callable: methods of one object keep one state
    T.eq(weft.call(function(obj) obj.inc(); obj.inc(); obj.inc(); return obj.get() end, counter()), 3)
  end)

  T.test("codec: C functions of loaded modules", function()
    local fmt = string.format
    local f = weft.copy(function(x) return fmt("%03d", x) end)
    T.eq(f(7), "007")
    T.eq(weft.copy(print), print)
  end)

  T.test("codec: what cannot be copied is a clear error", function()
    T.raises("cannot copy a coroutine", weft.copy, coroutine.create(function() end))
    T.raises("cannot copy a coroutine", weft.copy, {1, 2, {coroutine.create(print)}})
    T.raises("not a weft handle", weft.copy, io.stdout)
    T.raises("metatable", weft.copy, setmetatable({}, {}))
    local co = coroutine.create(print)
    T.raises("cannot copy a coroutine", weft.call, function() return co end)
    local deep = {}
    local cur = deep
    for _ = 1, 300 do cur.next = {}; cur = cur.next end
    T.raises("nested too deeply", weft.copy, deep)
    -- a C closure no module exports
    local gm = string.gmatch("a", "a")
    T.raises("C function", weft.copy, gm)
  end)

  T.test("callable runs in its own state with copied upvalues", function()
    local base = {10, 20}
    local r1, r2 = weft.call(function(x, y) return x + y + base[1], _G == _ENV end, 1, 2)
    T.eq(r1, 13)
    T.eq(r2, true)
    -- the caller's globals are not the callee's
    weft_test_global = "here"
    T.eq(weft.call(function() return weft_test_global end), nil)
    weft_test_global = nil
    -- results are copied back, tables included
    local t = weft.call(function() local r = {list = {1, 2, 3}}; r.me = r; return r end)
    T.eq(t.me, t)
    T.eq(#t.list, 3)
  end)

  T.test("arguments travel with the function, nils and shared tables kept", function()
    T.eq(weft.call(function(...) return select("#", ...) end, nil, nil), 2)
    local shared = {}
    T.eq(weft.call(function(a, b) return a == b end, shared, shared), true)
    local c = weft.callable(function(x, y) return x * y end, 6, 7)
    T.eq(weft.call(c), 42)
    T.raises("metatable", weft.copy, c) -- a callable is not a value to send
    T.raises("function", weft.callable, 42)
  end)

  T.test("callable results that cannot be copied fail cleanly", function()
    T.raises("cannot copy a coroutine", weft.call, function() return coroutine.create(print) end)
    -- nothing was left on the worker state: it still works
    T.eq(weft.call(function() return "fine" end), "fine")
  end)

  T.test("callable argument checks", function()
    T.raises("function", weft.call, 42)
    T.raises(nil, core.weft_call, "not a function")
  end)
end
