-- weft.connection from Lua: pipes, values and bytes, listeners and clients,
-- wait, and a CPython peer speaking the same wire.
return function(T)
  local weft = require "weft"
  local C = weft.connection

  T.test("pipe: values and bytes both ways", function()
    local a, b = C.pipe()
    a:send({k = 1, list = {1, 2, {3}}}, "two", 3.5, true, nil, 7)
    local t, s, f, yes, none, n = b:recv()
    T.eq(t.k, 1); T.eq(t.list[3][1], 3); T.eq(s, "two"); T.eq(f, 3.5); T.eq(yes, true)
    T.eq(none, nil); T.eq(n, 7)
    b:send(function(x) return x * 2 end)
    T.eq(a:recv()(21), 42)
    b:send_bytes("0123456789", 3, 4)
    b:send_bytes("0123456789", 8)
    b:send_bytes("")
    T.eq(a:recv_bytes(), "3456"); T.eq(a:recv_bytes(), "89"); T.eq(a:recv_bytes(), "")
    T.raises("EINVAL", b.send_bytes, b, "abc", 2, 5)
    T.raises("EINVAL", b.send_bytes, b, "abc", -1)
    T.eq(a:readable(), true); T.eq(a:writable(), true); T.ok(a:fileno() >= 0)
    a:close(); b:close()
  end)

  T.test("one-way pipe, maxlength, poll, end of file", function()
    local r, w = C.pipe(false)
    T.eq(r:writable(), false); T.eq(w:readable(), false)
    T.raises("OS", r.send_bytes, r, "x")
    T.raises("OS", w.recv_bytes, w)
    T.eq(r:poll(), false)
    T.eq(r:poll(0.02), false)
    w:send_bytes("hello")
    T.eq(r:poll(), true)
    T.eq(r:recv_bytes(5), "hello")
    T.raises("TIMEOUT", r.recv_bytes, r, nil, 0.02)
    w:send_bytes("too long")
    T.raises("bad message length", r.recv_bytes, r, 3)
    T.eq(r:closed(), true) -- a read-only end stops for good
    local a, b = C.pipe()
    a:send("last")
    a:close()
    T.eq(b:recv(), "last")
    T.eq(b:poll(), true)
    T.raises("EOF", b.recv, b)
    T.eq(a:closed(), true)
    T.raises("CLOSED", a.send, a, 1)
    w:close(); b:close()
  end)

  T.test("handles and pointers do not leave the process", function()
    local a, b = C.pipe()
    T.raises("cannot send a weft handle", a.send, a, weft.Lock())
    T.raises("cannot send a weft handle", a.send, a, {inner = {b}})
    T.eq(b:poll(), false)
    a:send_bytes("not a weft message")
    T.raises("not a weft message", b.recv, b)
    a:close(); b:close()
  end)

  T.test("listener and client, with and without a key", function()
    for _, key in ipairs({false, "secret"}) do
      for _, address in ipairs({nil, {"127.0.0.1", 0}, "\0weft-lua-test-" .. tostring(os.time()) .. tostring(key)}) do
        local l = C.listener(address, {authkey = key or nil})
        local where = l:address()
        if type(address) == "table" then
          T.eq(where[1], "127.0.0.1"); T.ok(where[2] > 0)
        elseif address then
          T.eq(where, address)
        end
        T.eq(l:last_accepted(), nil)
        -- A client in a thread: a Lua function copied into its own state.
        local th = weft.Thread(function(w, k)
          local cc = require("weft").connection.client(w, {authkey = k or nil, timeout = 10})
          cc:send("hi from a thread", cc:recv() + 1)
          cc:close()
        end, where, key)
        th:start()
        local c = l:accept(10)
        c:send(41)
        local s, n = c:recv(10)
        T.eq(s, "hi from a thread"); T.eq(n, 42)
        th:join()
        if type(address) == "table" then T.eq(l:last_accepted()[1], "127.0.0.1") end
        c:close(); l:close()
      end
    end
  end)

  T.test("a wrong key fails on both sides", function()
    local l = C.listener({"127.0.0.1", 0}, {authkey = "right"})
    local q = weft.Queue()
    local th = weft.Thread(function(w, out)
      local ok, e = pcall(require("weft").connection.client, w, {authkey = "wrong", timeout = 10})
      out:put(ok and "connected" or e.name)
    end, l:address(), q)
    th:start()
    T.raises("AUTH", l.accept, l, 10)
    th:join()
    T.eq(q:get(10), "WEFT_AUTH")
    l:close()
    T.raises("AUTH", function()
      local a, b = C.pipe()
      local t = weft.Thread(function(x) pcall(x.deliver_challenge, x, "one", 10) end, a)
      t:start()
      local ok, e = pcall(b.answer_challenge, b, "two", 10)
      t:join()
      if not ok then error(e, 0) end
    end)
  end)

  T.test("wait over connections and descriptors", function()
    local a, b = C.pipe()
    local r, w = C.pipe(false)
    local fd = r:fileno()
    T.eq(#C.wait({b, r, fd}, 0), 0)
    T.eq(#C.wait({b, r, fd}, 0.02), 0)
    a:send(1)
    local ready = C.wait({b, r, fd}, 10)
    T.eq(#ready, 1); T.eq(ready[1], b)
    w:send(2)
    ready = C.wait({b, r, fd})
    T.eq(#ready, 3); T.eq(ready[2], r); T.eq(ready[3], fd)
    T.raises("neither a connection nor a descriptor", C.wait, {b, "x"}, 0)
    a:close(); b:close(); r:close(); w:close()
  end)

  T.test("a CPython peer speaks the same bytes", function()
    local py = "/usr/bin/python3"
    if not io.open(py) then return end
    local l = C.listener({"127.0.0.1", 0}, {authkey = "k"})
    local where = l:address()
    local code = "from multiprocessing.connection import Client\n" ..
                 "c = Client(('127.0.0.1', " .. where[2] .. "), authkey=b'k')\n" ..
                 "c.send_bytes(c.recv_bytes()[::-1])\n"
    local p = weft.Popen({py, "-c", code})
    local c = l:accept(30)
    c:send_bytes("lua says hi")
    T.eq(c:recv_bytes(nil, 30), "ih syas aul")
    T.eq(p:wait(30), 0)
    c:close(); l:close()
  end)
end
