-- CPU-bound Lua on a weft ThreadPoolExecutor against the same work in one
-- Lua state, and the cost of copying values between states per task.
-- Run: build/bindings/lua/weft-lua bindings/lua/bench/executor.lua [workers]
-- Prints medians of several runs and their ratios; the machine is shared, so
-- figures wobble from run to run.
local weft = require "weft"
local now = weft.monotonic

local workers = tonumber(arg and arg[1]) or 2
local ROUNDS = 7

local function median(xs)
  table.sort(xs)
  return xs[(#xs + 1) // 2]
end

-- Median wall time of f over ROUNDS runs, and the median ratio of process
-- CPU time to wall time (how many cores the runs kept busy).
local function measure(f)
  local ts, par = {}, {}
  for i = 1, ROUNDS do
    local c0, t0 = os.clock(), now()
    f()
    ts[i] = now() - t0
    par[i] = (os.clock() - c0) / ts[i]
  end
  return median(ts), median(par)
end

-- The work: sum of a Collatz-style loop, pure Lua arithmetic.
local function work(seed, n)
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

local TASKS, SIZE = 16, 4000
local expect = 0
for t = 1, TASKS do expect = expect + work(t * 1000, SIZE) end

local one, one_par = measure(function()
  local s = 0
  for t = 1, TASKS do s = s + work(t * 1000, SIZE) end
  assert(s == expect)
end)

local ex = weft.ThreadPoolExecutor(workers)
-- warm the workers' states once, as a long-running program would have them
for _ = 1, workers * 2 do ex:submit(function() return 0 end):result() end
local pool, pool_par = measure(function()
  local fs = {}
  for t = 1, TASKS do fs[t] = ex:submit(work, t * 1000, SIZE) end
  local s = 0
  for t = 1, TASKS do s = s + fs[t]:result() end
  assert(s == expect)
end)

print(("cpu-bound: %d tasks of work(_, %d), %d workers"):format(TASKS, SIZE, workers))
print(("  one Lua state   median %8.2f ms   cpu/wall %.2f"):format(one * 1e3, one_par))
print(("  weft executor   median %8.2f ms   cpu/wall %.2f"):format(pool * 1e3, pool_par))
print(("  speedup (one state / executor) %.2fx"):format(one / pool))

-- Per-task cost of moving values between states: a task that returns its
-- argument, round trip through submit and result, against a direct call and
-- against the codec alone.
local N = 2000
local function echo(v) return v end
local payloads = {
  {"integer", 42},
  {"string 1 KiB", string.rep("x", 1024)},
  {"table of 100 numbers", (function() local t = {} for i = 1, 100 do t[i] = i * 1.5 end return t end)()},
  {"nested table 1000 entries", (function()
    local t = {}
    for i = 1, 100 do t[i] = {id = i, name = "item" .. i, tags = {"a", "b"}, w = i / 3} end
    return t
  end)()},
}
print(("per task, %d tasks each (medians of %d runs):"):format(N, ROUNDS))
print(("  %-26s %10s %10s %10s %8s"):format("value", "bytes", "copy µs", "task µs", "task/copy"))
for _, p in ipairs(payloads) do
  local name, v = p[1], p[2]
  local copy = measure(function() for _ = 1, N do weft.copy(v) end end) / N
  local task = measure(function()
    local fs = {}
    for i = 1, N do fs[i] = ex:submit(echo, v) end
    for i = 1, N do fs[i]:result() end
  end) / N
  print(("  %-26s %10d %10.2f %10.2f %8.1f"):format(name, weft.copy_size(v), copy * 1e6, task * 1e6, task / copy))
end
local direct = measure(function() for _ = 1, N do echo(42) end end) / N
print(("  direct Lua call of echo(42): %.3f µs"):format(direct * 1e6))
ex:shutdown()
