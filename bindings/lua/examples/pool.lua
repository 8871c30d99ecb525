-- A thread pool computing something real: the primes below 200000, counted
-- in slices on a weft ThreadPoolExecutor. Each slice runs, copied, in the Lua
-- state of a worker thread; the counts come back as values.
local weft = require "weft"

local function count_primes(lo, hi)
  local n = 0
  for k = math.max(lo, 2), hi - 1 do
    local prime = true
    local d = 2
    while d * d <= k do
      if k % d == 0 then prime = false; break end
      d = d + 1
    end
    if prime then n = n + 1 end
  end
  return n
end

local limit, slices = 200000, 16
local ex = weft.ThreadPoolExecutor(2)
local fs = {}
for i = 0, slices - 1 do
  local lo, hi = i * limit // slices, (i + 1) * limit // slices
  fs[#fs + 1] = ex:submit(count_primes, lo, hi)
end
local total = 0
for _, f in ipairs(fs) do total = total + f:result() end
ex:shutdown()
print(("primes below %d: %d"):format(limit, total))
assert(total == 17984)
