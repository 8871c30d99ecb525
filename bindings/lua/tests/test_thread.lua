-- threading from Lua. The threads' targets run copied in their own Lua
-- states, so these tests observe them through files and return values.
return function(T)
  local weft = require "weft"

  local function slurp(path)
    local f = io.open(path)
    if not f then return nil end
    local s = f:read("a")
    f:close()
    return s
  end

  T.test("Thread runs its target with copied arguments on another OS thread", function()
    local path = os.tmpname()
    local t = weft.Thread{target = function(p, data)
      local w = require "weft"
      local f = assert(io.open(p, "w"))
      f:write(data.greeting, " ", w.current_thread():name(), " ", w.get_ident())
      f:close()
    end, args = {path, {greeting = "hello"}}, name = "writer"}
    T.eq(t:name(), "writer")
    T.eq(t:is_alive(), false)
    t:start()
    T.eq(t:join(5), true)
    T.eq(t:is_alive(), false)
    local greeting, name, ident = slurp(path):match("^(%S+) (%S+) (%d+)$")
    os.remove(path)
    T.eq(greeting, "hello"); T.eq(name, "writer")
    T.ok(math.tointeger(tonumber(ident)) ~= weft.get_ident(), "ran on this thread")
    T.eq(math.tointeger(tonumber(ident)), t:ident())
    T.ok(t:native_id() > 0)
    T.raises("RUNTIME", t.start, t)
  end)

  T.test("join timeout, daemon flag, names", function()
    local path = os.tmpname()
    local t = weft.Thread(function(p)
      while not io.open(p .. ".go") do end -- spin until told to stop
      os.remove(p .. ".go")
    end, path)
    t:set_daemon(true)
    T.eq(t:daemon(), true)
    t:set_name("spinner")
    T.eq(t:name(), "spinner")
    t:start()
    T.eq(t:join(0.02), false)
    T.eq(t:is_alive(), true)
    T.ok(weft.active_count() >= 2)
    local names = {}
    for _, th in ipairs(weft.enumerate()) do names[th:name()] = true end
    T.ok(names.spinner, "enumerate lists the thread")
    io.open(path .. ".go", "w"):close()
    T.eq(t:join(5), true)
    os.remove(path)
    local d = weft.Thread(print)
    T.ok(d:name():match("^Thread%-%d+"), d:name())
  end)

  T.test("main thread, current thread, idents", function()
    T.eq(weft.current_thread():ident(), weft.get_ident())
    T.eq(weft.main_thread():ident(), weft.get_ident())
    T.ok(weft.get_native_id() > 0)
    T.ok(weft.stack_size() >= 0)
  end)

  T.test("an uncopyable target is refused before a thread exists", function()
    local co = coroutine.create(print)
    T.raises("coroutine", weft.Thread, function() return co end)
    T.raises("coroutine", weft.Thread, print, co)
  end)

  T.test("Timer fires once, cancel stops it", function()
    local path = os.tmpname()
    local tm = weft.Timer(0.01, function(p) io.open(p, "w"):write("fired"):close() end, path)
    tm:start()
    T.eq(tm:join(5), true)
    T.eq(slurp(path), "fired")
    os.remove(path)
    local never = weft.Timer(10, function(p) io.open(p, "w"):write("no"):close() end, path)
    never:start()
    T.eq(never:cancel(), true)
    T.eq(never:join(5), true)
    T.eq(slurp(path), nil)
    T.eq(never:thread():is_alive(), false)
  end)

  T.test("local: one value per thread, copied", function()
    local l = weft.Local()
    T.eq(l:get(), nil)
    l:set({x = 1})
    T.eq(l:get().x, 1)
    local path = os.tmpname()
    local t = weft.Thread(function(loc, p)
      local before = loc:get()
      loc:set("mine")
      io.open(p, "w"):write(tostring(before), " ", loc:get()):close()
    end, l, path)
    t:start(); t:join()
    T.eq(slurp(path), "nil mine")
    os.remove(path)
    T.eq(l:get().x, 1)
  end)

  T.test("a script may end while its threads still run", function()
    -- the non-daemon thread is waited for at exit, and the module's code
    -- stays loaded after the main state closed
    local lua = arg and arg[-1] or "lua5.4"
    local script = [[local weft = require "weft"
      local t = weft.Thread(function()
        local s = 0
        for i = 1, 1000000 do s = s + i end
        io.write("done ", s)
      end)
      t:start()]]
    local r = weft.run({lua, "-e", script}, {capture_output = true, timeout = 30})
    T.eq(r.returncode, 0)
    T.eq(r.stdout, "done 500000500000")
  end)

  T.test("start_new_thread gives an ident", function()
    local path = os.tmpname()
    local ident = weft.start_new_thread(function(p)
      io.open(p, "w"):write(require("weft").get_ident()):close()
    end, path)
    local deadline = weft.monotonic() + 5
    while slurp(path) == "" and weft.monotonic() < deadline do end
    T.eq(math.tointeger(tonumber(slurp(path))), ident)
    os.remove(path)
  end)
end
