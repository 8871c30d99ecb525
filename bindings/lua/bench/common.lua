-- What the Lua benchmarks share: medians over ROUNDS runs, the CPU-bound
-- work, and the values whose copying between states they time.
local weft = require "weft"
local now = weft.monotonic

local M = { ROUNDS = 7, TASKS = 16, SIZE = 4000, N = 2000 }

function M.median(xs)
  table.sort(xs)
  return xs[(#xs + 1) // 2]
end

-- Median wall time of f over ROUNDS runs, and the median ratio of process
-- CPU time to wall time (how many cores the runs kept busy).
function M.measure(f)
  local ts, par = {}, {}
  for i = 1, M.ROUNDS do
    local c0, t0 = os.clock(), now()
    f()
    ts[i] = now() - t0
    par[i] = (os.clock() - c0) / ts[i]
  end
  return M.median(ts), M.median(par)
end

-- The work: a Collatz-style loop, pure Lua arithmetic.
function M.work(seed, n)
  local acc = 0
  for i = 1, n do
    local x = seed + i
    while x ~= 1 do
      if x % 2 == 0 then x = x // 2 else x = 3 * x + 1 end
      acc = acc + 1
    end
  end
  return acc
end

-- The values a task carries there and back.
M.payloads = {
  {"integer", 42},
  {"string 1 KiB", string.rep("x", 1024)},
  {"table of 100 numbers", (function() local t = {} for i = 1, 100 do t[i] = i * 1.5 end return t end)()},
  {"100 records (1000 entries)", (function()
    local t = {}
    for i = 1, 100 do t[i] = {id = i, name = "item" .. i, tags = {"a", "b"}, w = i / 3} end
    return t
  end)()},
}

-- Times the CPU-bound work in one state and through `run` (which must do
-- TASKS calls of work(t * 1000, SIZE) elsewhere and return their sum), then
-- a round trip of each payload through `echo_all` (N echoes) against the
-- codec alone; prints medians and ratios under the label `what`.
function M.report(what, run, echo_all)
  local work, TASKS, SIZE = M.work, M.TASKS, M.SIZE
  local expect = 0
  for t = 1, TASKS do expect = expect + work(t * 1000, SIZE) end
  local one, one_par = M.measure(function()
    local s = 0
    for t = 1, TASKS do s = s + work(t * 1000, SIZE) end
    assert(s == expect)
  end)
  local pool, pool_par = M.measure(function() assert(run() == expect) end)
  print(("cpu-bound: %d tasks of work(_, %d) on %s"):format(TASKS, SIZE, what))
  print(("  one Lua state   median %8.2f ms   cpu/wall %.2f"):format(one * 1e3, one_par))
  print(("  weft            median %8.2f ms   cpu/wall %.2f"):format(pool * 1e3, pool_par))
  print(("  speedup (one state / weft) %.2fx"):format(one / pool))

  print(("per task, %d tasks each (medians of %d runs):"):format(M.N, M.ROUNDS))
  print(("  %-26s %8s %10s %10s %9s"):format("value", "bytes", "copy µs", "task µs", "task/copy"))
  for _, p in ipairs(M.payloads) do
    local name, v = p[1], p[2]
    local copy = M.measure(function() for _ = 1, M.N do weft.copy(v) end end) / M.N
    local task = M.measure(function() echo_all(v, M.N) end) / M.N
    print(("  %-26s %8d %10.2f %10.2f %9.1f"):format(name, weft.copy_size(v), copy * 1e6, task * 1e6, task / copy))
  end
end

return M
