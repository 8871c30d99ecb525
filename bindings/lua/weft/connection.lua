-- connection for Lua: Python's multiprocessing.connection as weft.connection.
--
--   local a, b = weft.connection.pipe()          -- duplex; pipe(false): a reads, b writes
--   a:send({k = 1}, "two")                      -- any copyable values, as one message
--   local t, s = b:recv()
--   local l = weft.connection.listener({"127.0.0.1", 0}, {authkey = "secret"})
--   local c = weft.connection.client(l:address(), {authkey = "secret"})
--
-- send/recv carry values through the value codec (weft handles and light
-- userdata cannot leave the process, and only a weft Lua peer of the same
-- build reads them); send_bytes/recv_bytes carry strings and speak CPython's
-- framing, so the peer may be a Python program. Addresses: a path, an
-- abstract name starting with "\0" (Linux), or {host, port} for TCP; nil
-- makes a fresh path. Failures are weft errors: EOF at end of file, AUTH for
-- a refused key, OS for the system's (with e.errno), TIMEOUT.
return function(M, core)
  local T = M._timeout
  local C = {}
  M.connection = C

  C.FAMILY_UNIX = core.WEFT_FAMILY_UNIX
  C.FAMILY_INET = core.WEFT_FAMILY_INET
  C.FAMILY_INET6 = core.WEFT_FAMILY_INET6
  local families = {AF_UNIX = core.WEFT_FAMILY_UNIX, AF_INET = core.WEFT_FAMILY_INET,
                    AF_INET6 = core.WEFT_FAMILY_INET6}
  -- "No maxlength": no message longer than this fits in memory.
  local NO_LIMIT = math.maxinteger

  --- pipe([duplex]): two connected connections; duplex (the default) makes
  -- both ends read and write, pipe(false) a one-way pair (reader, writer).
  C.pipe = function(duplex)
    return core.weft_pipe_new(duplex == false and 0 or 1)
  end

  --- from_fd(fd, [readable], [writable]): a connection owning descriptor fd.
  C.from_fd = function(fd, readable, writable)
    return core.weft_connection_from_fd(fd, readable == false and 0 or 1, writable == false and 0 or 1)
  end

  local conn = M.classes.connection
  --- conn:send(...): the values, encoded as one message.
  conn.send = function(self, ...)
    return core.weft_connection_send_bytes(self, core._pack(...))
  end
  --- conn:recv([timeout]): the values of the next message.
  conn.recv = function(self, timeout)
    return core._unpack(core.weft_connection_recv_bytes(self, NO_LIMIT, T(timeout)))
  end
  --- conn:send_bytes(s, [offset], [size]): bytes offset .. offset+size of s
  -- (offset counts the bytes skipped, as in Python).
  conn.send_bytes = function(self, s, offset, size)
    if offset == nil and size == nil then
      return core.weft_connection_send_bytes(self, s)
    end
    offset = offset or 0
    size = size or #s - offset
    if offset < 0 or size < 0 or offset + size > #s then
      error(core.error(M.status.EINVAL, ("send_bytes: offset %d and size %d do not fit %d bytes")
                                           :format(offset, size, #s)), 2)
    end
    return core.weft_connection_send_bytes(self, s:sub(offset + 1, offset + size))
  end
  --- conn:recv_bytes([maxlength], [timeout]): the next message as a string.
  conn.recv_bytes = function(self, maxlength, timeout)
    return core.weft_connection_recv_bytes(self, maxlength or NO_LIMIT, T(timeout))
  end
  --- conn:poll([timeout]): whether a message (or end of file) is waiting;
  -- looks only, unless given a timeout (nil looks, as Python's poll()).
  conn.poll = function(self, timeout)
    return core.weft_connection_poll(self, timeout == nil and 0 or T(timeout)) ~= 0
  end
  M._booleans("connection", {"closed", "readable", "writable"})
  conn.deliver_challenge = function(self, authkey, timeout)
    return core.weft_connection_deliver_challenge(self, authkey, T(timeout))
  end
  conn.answer_challenge = function(self, authkey, timeout)
    return core.weft_connection_answer_challenge(self, authkey, T(timeout))
  end

  -- (family, address string or nil, port) from a Lua address.
  local function c_address(address, family)
    if family ~= nil then
      family = families[family] or family
    elseif type(address) == "table" then
      family = core.WEFT_FAMILY_INET
    else
      family = core.WEFT_FAMILY_UNIX
    end
    if type(address) == "table" then
      return family, address[1] or address.host, address[2] or address.port or 0
    end
    return family, address, 0
  end

  -- An address weft gave, in the form the functions take.
  local function lua_address(family, address, port)
    if family == core.WEFT_FAMILY_UNIX then return address end
    return {address, port}
  end

  --- listener([address], [opts]): a listening socket. opts: authkey (a
  -- string every client must prove), backlog, family ("AF_INET6" for an
  -- IPv6 {host, port}).
  C.listener = function(address, opts)
    opts = opts or {}
    local family, where, port = c_address(address, opts.family)
    return core.weft_listener_new(family, where, port, opts.backlog or -1, opts.authkey)
  end

  local lis = M.classes.listener
  --- listener:accept([timeout]): the next connection (authenticated when
  -- the listener has a key).
  lis.accept = function(self, timeout) return core.weft_listener_accept(self, T(timeout)) end
  --- listener:address(): a path or abstract name, or {host, port}.
  lis.address = function(self) return lua_address(core.weft_listener_address(self)) end
  --- listener:last_accepted(): the peer last accepted (nil before any).
  lis.last_accepted = function(self)
    local ok, address, port = pcall(core.weft_listener_last_accepted, self)
    if not ok then
      if M.is_error(address, "LOOKUP") then return nil end
      error(address, 0)
    end
    local family = core.weft_listener_address(self)
    return lua_address(family, address, port)
  end

  --- client(address, [opts]): a connection to a listener. opts: authkey,
  -- family, timeout (for the connect and the handshake together).
  C.client = function(address, opts)
    opts = opts or {}
    local family, where, port = c_address(address, opts.family)
    return core.weft_client_connect(family, where, port, opts.authkey, T(opts.timeout))
  end

  --- wait(list, [timeout]): the entries of list (connections, or
  -- descriptors as integers) that are ready to receive, in list's order;
  -- an empty table when the timeout passes first.
  C.wait = function(list, timeout)
    local flags = core.weft_connection_wait(list, T(timeout))
    local ready = {}
    for i, f in ipairs(flags) do
      if f then ready[#ready + 1] = list[i] end
    end
    return ready
  end

  C.deliver_challenge = conn.deliver_challenge
  C.answer_challenge = conn.answer_challenge
end
