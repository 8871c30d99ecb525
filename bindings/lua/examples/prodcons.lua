-- A queue between producer and consumer threads: a producer thread puts
-- words, two consumer threads count letters, and a results queue carries
-- their tallies back. The queues are shared by the threads' Lua states; the
-- items are copied.
local weft = require "weft"

local text = [[the quick brown fox jumps over the lazy dog while the cat
sleeps in the warm sun and the bird sings a quiet song]]

local words = weft.Queue(16)
local tallies = weft.Queue()

local producer = weft.Thread(function(q, s, consumers)
  for w in s:gmatch("%a+") do q:put(w) end
  for _ = 1, consumers do q:put(false) end -- one stop mark per consumer
end, words, text, 2)

local function consume(q, out)
  local letters = 0
  while true do
    local w = q:get()
    if not w then break end
    letters = letters + #w
  end
  out:put(letters)
end
local consumers = {weft.Thread(consume, words, tallies), weft.Thread(consume, words, tallies)}

producer:start()
for _, c in ipairs(consumers) do c:start() end
local total = tallies:get() + tallies:get()
producer:join()
for _, c in ipairs(consumers) do c:join() end

local expect = 0
for w in text:gmatch("%a+") do expect = expect + #w end
print(("letters counted by two consumer threads: %d"):format(total))
assert(total == expect)
