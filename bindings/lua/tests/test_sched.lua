-- sched from Lua. Actions run, copied, in the Lua state weft keeps for the
-- thread that calls run; here that is this thread, so weft.call (which runs
-- in the same worker state) can read what they left there.
return function(T)
  local weft = require "weft"

  T.test("events run in time order, then priority", function()
    local s = weft.scheduler()
    weft.call(function() ORDER = {} end)
    local function mark(name) ORDER[#ORDER + 1] = name end
    local t0 = weft.monotonic()
    s:enter(0.03, 1, mark, "late")
    local t = s:queue()[1].time - 0.02
    s:enterabs(t, 2, mark, "second")
    s:enterabs(t, 1, mark, "first")
    T.eq(#s:queue(), 3)
    T.eq(s:empty(), false)
    s:run()
    T.ok(weft.monotonic() - t0 >= 0.029, "ran early")
    T.eq(weft.call(function() return table.concat(ORDER, ",") end), "first,second,late")
    T.eq(s:empty(), true)
  end)

  T.test("cancel and non-blocking run", function()
    local s = weft.scheduler()
    local ev = s:enter(10, 1, print)
    T.eq(ev:queued(), true)
    local d = s:run(false)
    T.ok(d > 5)
    s:cancel(ev)
    T.eq(ev:queued(), false)
    T.raises("EINVAL", s.cancel, s, ev)
    T.eq(s:empty(), true)
    T.eq(s:run(false), nil)
  end)

  T.test("queue entries carry time, priority, sequence", function()
    local s = weft.scheduler()
    s:enterabs(1e9, 4, print)
    local e = s:queue()[1]
    T.eq(e.priority, 4); T.eq(e.time, 1e9); T.eq(math.type(e.sequence), "integer")
  end)

  T.test("an action's error propagates out of run", function()
    local s = weft.scheduler()
    s:enter(0, 1, function() error("in action") end)
    T.raises("in action", s.run, s)
  end)

  T.test("uncopyable actions are refused at enter", function()
    local s = weft.scheduler()
    local co = coroutine.create(print)
    T.raises("coroutine", s.enter, s, 0, 1, function() return co end)
    T.eq(s:empty(), true)
    T.raises(nil, s.enter, s, 0, 1, "not a function")
  end)
end
