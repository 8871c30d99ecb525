-- concurrent.futures from Lua: functions run copied on worker threads.
return function(T)
  local weft = require "weft"

  T.test("submit and result, multiple values", function()
    local ex = weft.ThreadPoolExecutor(2)
    local f = ex:submit(function(a, b) return a + b, a * b, {a, b} end, 3, 4)
    local s, p, t = f:result()
    T.eq(s, 7); T.eq(p, 12); T.eq(t[2], 4)
    T.eq(f:done(), true); T.eq(f:cancelled(), false); T.eq(f:running(), false)
    T.eq(f:exception(), nil)
    ex:shutdown()
  end)

  T.test("errors: Lua errors, weft errors, error values", function()
    local ex = weft.ThreadPoolExecutor(1)
    local f = ex:submit(function() error("went wrong") end)
    local e = T.raises("FAILED", f.result, f)
    T.ok(e.message:find("went wrong", 1, true))
    T.ok(tostring(f:exception()):find("went wrong", 1, true))
    local g = ex:submit(function() error({code = 42}) end)
    T.eq(g:exception().code, 42)
    local h = ex:submit(function(q) return q:get(0) end, weft.Queue())
    T.raises("EMPTY", h.result, h)
    T.ok(weft.is_error(h:exception(), "EMPTY"))
    ex:shutdown()
  end)

  T.test("uncopyable work is refused before it is submitted", function()
    local ex = weft.ThreadPoolExecutor(1)
    local co = coroutine.create(print)
    T.raises("coroutine", ex.submit, ex, function() return co end)
    T.raises("coroutine", ex.submit, ex, print, co)
    local f = ex:submit(function() return coroutine.create(print) end)
    T.raises("coroutine", f.result, f)
    ex:shutdown()
  end)

  T.test("result timeout and cancel", function()
    local ex = weft.ThreadPoolExecutor(1)
    local gate = weft.Queue() -- a get blocks until the test puts
    local blocker = ex:submit(function(g) g:get() end, gate)
    local queued = ex:submit(function() return 1 end)
    T.raises("TIMEOUT", blocker.result, blocker, 0.01)
    T.eq(queued:cancel(), true)
    T.eq(queued:cancelled(), true)
    T.raises("CANCELLED", queued.result, queued)
    gate:put(true)
    blocker:result()
    T.eq(blocker:cancel(), false)
    ex:shutdown()
    T.raises("RUNTIME", ex.submit, ex, print)
  end)

  T.test("map, wait, as_completed", function()
    local ex = weft.ThreadPoolExecutor(2)
    local got = {}
    for v in ex:map(function(x) return x * x end, {1, 2, 3, 4}) do got[#got + 1] = v end
    T.eq(table.concat(got, ","), "1,4,9,16")
    -- a failure raises when the iteration reaches it
    local it = ex:map(function(x) if x == 2 then error("two fails") end return x end, {1, 2, 3})
    T.eq(it(), 1)
    T.raises("two fails", it)
    local fs = {}
    for i = 1, 5 do fs[i] = ex:submit(function(k) return k end, i) end
    local done, not_done = weft.wait(fs, 5)
    T.eq(#done, 5); T.eq(#not_done, 0)
    local seen = 0
    for f in weft.as_completed(fs, 5) do seen = seen + f:result() end
    T.eq(seen, 15)
    local gate = weft.Queue()
    local slow = ex:submit(function(g) g:get() end, gate)
    local d2, nd2 = weft.wait({fs[1], slow}, 0.01)
    T.eq(#d2, 1); T.eq(#nd2, 1)
    local d3 = weft.wait({fs[1], slow}, 5, weft.FIRST_COMPLETED)
    T.ok(#d3 >= 1)
    gate:put(true)
    ex:shutdown()
  end)

  T.test("initializer runs in each worker's state", function()
    local ex = weft.ThreadPoolExecutor{max_workers = 1, initializer = function(v) WORKER_TAG = v end,
                                       initargs = {"tagged"}}
    T.eq(ex:submit(function() return WORKER_TAG end):result(), "tagged")
    ex:shutdown()
  end)

  T.test("done callbacks run with the future", function()
    local ex = weft.ThreadPoolExecutor(1)
    local q = weft.Queue()
    local f = ex:submit(function() return 5 end)
    f:result()
    f:add_done_callback(function(fut) q:put(fut:result() * 2) end)
    T.eq(q:get(1), 10)
    ex:shutdown()
  end)

  T.test("a handle made by a task and returned stays alive", function()
    local ex = weft.ThreadPoolExecutor(1)
    local f = ex:submit(function()
      local q = require("weft").Queue()
      q:put("made in a worker")
      return q
    end)
    local q = f:result()
    ex:submit(function() collectgarbage(); collectgarbage() end):result()
    T.eq(q:get(0), "made in a worker")
    T.eq(weft.core._owned(q), true) -- its own reference, not a borrowed view
    ex:shutdown()
  end)

  T.test("a Future made by hand", function()
    local f = weft.Future()
    T.eq(f:set_running_or_notify_cancel(), true)
    f:set_result({x = 1})
    T.eq(f:result().x, 1)
    T.raises("INVALID_STATE", f.set_result, f, 2)
    local g = weft.Future()
    g:set_exception(weft.core.error(weft.status.TIMEOUT, "late"))
    T.raises("TIMEOUT", g.result, g)
  end)

  T.test("a pipeline of processes fed from worker threads", function()
    local ex = weft.ThreadPoolExecutor(2)
    local fs = {}
    for i = 1, 4 do
      fs[i] = ex:submit(function(n)
        local w = require("weft")
        return w.check_output({"sh", "-c", "seq 1 " .. n .. " | paste -sd+ | bc"})
      end, i * 10)
    end
    for i = 1, 4 do
      local n = i * 10
      T.eq(tonumber(fs[i]:result()), n * (n + 1) // 2)
    end
    ex:shutdown()
  end)

end
