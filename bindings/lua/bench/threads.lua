-- CPU-bound Lua on weft threads against the same work in one Lua state, and
-- the per-task cost of copying values between states.
-- Run: build/bindings/lua/weft-lua bindings/lua/bench/threads.lua [threads]
-- Workers are weft Threads that take tasks from a Queue and put results on
-- another: each task and each result is copied between Lua states. Prints
-- medians of several runs and their ratios; on a shared machine the figures
-- wobble, and the cpu/wall column says how many cores a run really got.
local weft = require "weft"
local common = dofile((arg[0]:match("^(.*/)") or "./") .. "common.lua")

local workers = tonumber(arg and arg[1]) or 2

-- A pool of weft threads: each takes {index, f, arg...} from `tasks` and
-- puts {index, result} on `results`, until it gets false.
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

local args = {}
for t = 1, common.TASKS do args[t] = {t * 1000, common.SIZE} end
local function echo(v) return v end
common.report(("%d weft threads fed by a queue"):format(workers),
  function()
    local s = 0
    for _, v in pairs(run_all(common.work, args)) do s = s + v end
    return s
  end,
  function(v, n)
    local list = {}
    for i = 1, n do list[i] = {v} end
    run_all(echo, list)
  end)
for _ = 1, workers do tasks:put(false) end
for _, t in ipairs(threads) do t:join() end
