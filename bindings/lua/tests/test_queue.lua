-- queue from Lua: values are copied in and out; handles are shared.
return function(T)
  local weft = require "weft"

  T.test("FIFO, LIFO, priority, simple", function()
    local q = weft.Queue()
    for i = 1, 3 do q:put(i) end
    T.eq(q:qsize(), 3)
    T.eq(q:get(), 1); T.eq(q:get(), 2); T.eq(q:get(), 3)
    local l = weft.LifoQueue()
    for i = 1, 3 do l:put(i) end
    T.eq(l:get(), 3)
    local p = weft.PriorityQueue()
    p:put("low", nil, 5); p:put("high", nil, 1); p:put("mid", nil, 3)
    T.eq(p:get(), "high"); T.eq(p:get(), "mid"); T.eq(p:get(), "low")
    local s = weft.SimpleQueue()
    s:put("a"); s:put("b")
    T.eq(s:qsize(), 2)
    T.eq(s:get(), "a"); T.eq(s:get_nowait(), "b")
    T.eq(s:empty(), true)
    T.raises("EMPTY", s.get, s, 0)
  end)

  T.test("values are copied, nil and tables included", function()
    local q = weft.Queue()
    local t = {1, {2, 3}, k = "v"}
    t.me = t
    q:put(t); q:put(nil); q:put(false)
    local c = q:get()
    T.ok(c ~= t); T.eq(c.me, c); T.eq(c[2][2], 3)
    T.eq(q:get(), nil); T.eq(q:get(), false)
  end)

  T.test("full and empty raise FULL and EMPTY; maxsize", function()
    local q = weft.Queue(1)
    T.eq(q:maxsize(), 1)
    q:put("x")
    T.eq(q:full(), true)
    T.raises("FULL", q.put, q, "y", 0)
    T.raises("FULL", q.put_nowait, q, "y")
    T.raises("FULL", q.put, q, "y", 0.01)
    T.eq(q:get(), "x")
    T.raises("EMPTY", q.get, q, 0.01)
    T.raises("EMPTY", q.get_nowait, q)
  end)

  T.test("a value that cannot be copied is refused whole", function()
    local q = weft.Queue()
    T.raises("coroutine", q.put, q, {1, 2, coroutine.create(print)})
    T.eq(q:qsize(), 0)
    T.raises("not a weft handle", q.put, q, io.stderr)
    T.eq(q:empty(), true)
  end)

  T.test("a handle in a queue outlives its Lua owner", function()
    local q = weft.Queue()
    do local l = weft.Lock(); q:put(l) end
    collectgarbage(); collectgarbage()
    local l = q:get(0)
    T.eq(l:acquire(0), true)
    l:release()
    -- the item and the copy taken out each held their own reference
    do local e = weft.Event(); q:put(e); q:put(e) end
    collectgarbage()
    local a = q:get(0)
    a = nil
    collectgarbage()
    local b = q:get(0)
    b:set()
    T.eq(b:is_set(), true)
    -- an item never taken out releases its handle with the queue
    do local e = weft.Event(); q:put(e) end
    q = nil
    collectgarbage()
  end)

  T.test("task_done, join, shutdown", function()
    local q = weft.Queue()
    q:put(1)
    T.raises("TIMEOUT", q.join, q, 0.01)
    q:get(); q:task_done()
    q:join(1)
    T.raises(nil, q.task_done, q) -- too many
    q:put(2)
    q:shutdown()
    T.raises("SHUTDOWN", q.put, q, 3)
    T.eq(q:get(), 2)
    T.raises("SHUTDOWN", q.get, q)
  end)

  T.test("producer and consumer threads", function()
    local q, results = weft.Queue(4), weft.Queue()
    local prod = weft.Thread(function(queue, n)
      for i = 1, n do queue:put({i = i, sq = i * i}) end
      queue:put(false)
    end, q, 200)
    local cons = weft.Thread(function(queue, out)
      local sum = 0
      while true do
        local item = queue:get()
        if not item then break end
        sum = sum + item.sq
      end
      out:put(sum)
    end, q, results)
    prod:start(); cons:start()
    T.eq(results:get(10), 200 * 201 * 401 // 6)
    prod:join(); cons:join()
  end)

  T.test("a queue sent through a queue is the same queue", function()
    local outer, inner = weft.Queue(), weft.Queue()
    outer:put(inner)
    local got = outer:get()
    got:put("through")
    T.eq(inner:get(), "through")
    T.eq(weft.core._owned(got), true) -- its own reference, not a borrowed view
  end)
end
