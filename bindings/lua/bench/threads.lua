-- CPU-bound Lua on weft threads against the same work in one Lua state, and
-- the per-task cost of copying values between states.
-- Run: build/bindings/lua/weft-lua bindings/lua/bench/threads.lua [threads]
-- Workers are weft Threads that take tasks from a Queue and put results on
-- another: each task and each result is copied between Lua states. Prints
-- medians of several runs and their ratios; on a shared machine the figures
-- wobble, and the cpu/wall column says how many cores a run really got.
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

-- The work: a Collatz-style loop, pure Lua arithmetic.
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

-- A pool of weft threads: each takes {f, arg...} from `tasks` and puts
-- {index, result} on `results`, until it gets false.
local tasks, results = weft.Queue(), weft.Queue()
local threads = {}
for i = 1, workers do
  threads[i] = weft.Thread(function(tq, rq)
    while true do
      local t = tq:get()
      if not t then return end
      rq:put({t[1], t[2](table.unpack(t, 3))})
    end
  end, tasks, results)
  threads[i]:start()
end
local function run_all(f, args_list)
  for i, args in ipairs(args_list) do tasks:put({i, f, table.unpack(args)}) end
  local out = {}
  for _ = 1, #args_list do
    local r = results:get()
    out[r[1]] = r[2]
  end
  return out
end

local TASKS, SIZE = 16, 4000
local args = {}
local expect = 0
for t = 1, TASKS do
  args[t] = {t * 1000, SIZE}
  expect = expect + work(t * 1000, SIZE)
end

local one, one_par = measure(function()
  local s = 0
  for t = 1, TASKS do s = s + work(t * 1000, SIZE) end
  assert(s == expect)
end)
local pool, pool_par = measure(function()
  local s = 0
  for _, v in pairs(run_all(work, args)) do s = s + v end
  assert(s == expect)
end)

print(("cpu-bound: %d tasks of work(_, %d) on %d weft threads"):format(TASKS, SIZE, workers))
print(("  one Lua state   median %8.2f ms   cpu/wall %.2f"):format(one * 1e3, one_par))
print(("  weft threads    median %8.2f ms   cpu/wall %.2f"):format(pool * 1e3, pool_par))
print(("  speedup (one state / threads) %.2fx"):format(one / pool))

-- Per task: a round trip of a value to a worker and back (two copies each
-- way: the task with its function, the result), against the codec alone.
local N = 2000
local function echo(v) return v end
local payloads = {
  {"integer", 42},
  {"string 1 KiB", string.rep("x", 1024)},
  {"table of 100 numbers", (function() local t = {} for i = 1, 100 do t[i] = i * 1.5 end return t end)()},
  {"100 records (1000 entries)", (function()
    local t = {}
    for i = 1, 100 do t[i] = {id = i, name = "item" .. i, tags = {"a", "b"}, w = i / 3} end
    return t
  end)()},
}
print(("per task, %d tasks each (medians of %d runs):"):format(N, ROUNDS))
print(("  %-26s %8s %10s %10s %9s"):format("value", "bytes", "copy µs", "task µs", "task/copy"))
for _, p in ipairs(payloads) do
  local name, v = p[1], p[2]
  local copy = measure(function() for _ = 1, N do weft.copy(v) end end) / N
  local list = {}
  for i = 1, N do list[i] = {v} end
  local task = measure(function() run_all(echo, list) end) / N
  print(("  %-26s %8d %10.2f %10.2f %9.1f"):format(name, weft.copy_size(v), copy * 1e6, task * 1e6, task / copy))
end
for _ = 1, workers do tasks:put(false) end
for _, t in ipairs(threads) do t:join() end
