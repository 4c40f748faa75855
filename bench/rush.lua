-- Deadline rush under wrk: every unit's request is sent exactly once (bench/rush.py writes them).
--
--   wrk -t2 -c16 -d300s --timeout 60s -s bench/rush.lua http://127.0.0.1:PORT -- REQUESTS STATUS [LOCATION]
--
-- REQUESTS holds one record per unit: a line "METHOD<TAB>PATH<TAB>HEADER COUNT<TAB>BODY LENGTH", that many
-- "Name: value" header lines, the body's bytes and a newline. The threads take the records in turn from one
-- counter they share, each record on the next free connection. A connection with nothing left to send waits
-- (the server is gunicorn's sync worker, which closes every connection, so wrk has already reconnected it:
-- taking records from one shared counter keeps those idle connections behind every real request in the
-- server's accept queue). Once nothing is left and all its requests are answered, a thread writes
-- REQUESTS.done<k> and stops; bench/rush.py then ends the run (otherwise it ends when the duration is over).
--
-- A response counts as wrong unless its status is STATUS and, when LOCATION is given, its Location header
-- ends with LOCATION. done() prints one line starting with "RUSH " that bench/rush.py reads: requests, wall
-- time from the first request sent to the last response, req/s over that time, latency percentiles (ms),
-- wrk's error counts and the wrong responses.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } rush_timespec;
  int clock_gettime(int clock, rush_timespec *ts);
  typedef struct { char mutex[64]; int64_t next; } rush_shared;
  void *malloc(size_t size);
  int pthread_mutex_init(void *mutex, const void *attr);
  int pthread_mutex_lock(void *mutex);
  int pthread_mutex_unlock(void *mutex);
]]
local clock = ffi.new("rush_timespec")

local function now()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

-- Main state: the threads, and the counter they share (plain memory of this process, behind a mutex).
local threads = {}
local shared_block = nil

function setup(thread)
  if not shared_block then
    shared_block = ffi.cast("rush_shared *", ffi.C.malloc(ffi.sizeof("rush_shared")))
    assert(ffi.C.pthread_mutex_init(shared_block.mutex, nil) == 0)
    shared_block.next = 0
  end
  thread:set("id", #threads)
  thread:set("shared_address", tonumber(ffi.cast("uintptr_t", shared_block)))
  table.insert(threads, thread)
end

-- Thread state.
local queue = {}
local shared
local held = {} -- records taken in delay(), sent by the next request()
local expect_status, expect_location, done_file
local finished = false
reserved, answered_count, wrong_count, first_sent, last_answer = 0, 0, 0, nil, nil

function init(args)
  local path = args[1]
  expect_status, expect_location = tonumber(args[2]), args[3]
  done_file = path .. ".done" .. id
  shared = ffi.cast("rush_shared *", shared_address)
  local file = assert(io.open(path, "rb"))
  while true do
    local head = file:read("*l")
    if not head then break end
    local method, target, nheaders, length = head:match("^(%u+)\t(%S+)\t(%d+)\t(%d+)$")
    assert(method, "bad record: " .. head)
    local headers = {}
    for _ = 1, tonumber(nheaders) do
      local name, value = file:read("*l"):match("^([^:]+): (.*)$")
      headers[name] = value
    end
    local body = nil
    if tonumber(length) > 0 then body = file:read(tonumber(length)) end
    file:read("*l") -- the newline after the body
    table.insert(queue, wrk.format(method, target, headers, body))
  end
  file:close()
end

local function take()
  ffi.C.pthread_mutex_lock(shared.mutex)
  local index = tonumber(shared.next)
  if index < #queue then shared.next = index + 1 end
  ffi.C.pthread_mutex_unlock(shared.mutex)
  if index < #queue then return index + 1 end
  return nil
end

local function exhausted()
  ffi.C.pthread_mutex_lock(shared.mutex)
  local left = tonumber(shared.next) < #queue
  ffi.C.pthread_mutex_unlock(shared.mutex)
  return not left
end

local function finish()
  if finished then return end
  finished = true
  local marker = io.open(done_file, "w")
  if marker then marker:close() end
  wrk.thread:stop()
end

-- Called before every request: take the next record, or park the connection when none is left.
function delay()
  local index = take()
  if index then
    table.insert(held, index)
    reserved = reserved + 1
    return 0
  end
  if answered_count >= reserved then finish() end
  return 3600 * 1000
end

function request()
  -- wrk calls request() once at start to parse it (how many requests it holds): nothing is taken then.
  if #held == 0 then return queue[1] end
  if not first_sent then first_sent = now() end
  return queue[table.remove(held)]
end

function response(status, headers, body)
  answered_count = answered_count + 1
  last_answer = now()
  local ok = status == expect_status
  if ok and expect_location and expect_location ~= "" then
    local location = headers["Location"] or headers["location"] or ""
    ok = location:sub(-#expect_location) == expect_location
  end
  if not ok then
    wrong_count = wrong_count + 1
    if wrong_count <= 3 then
      io.stderr:write(string.format("rush.lua: unexpected %d %s\n", status, body:sub(1, 300)))
    end
  end
  if answered_count >= reserved and exhausted() then finish() end
end

function done(summary, latency, requests)
  local start, finish_at, answered, wrong, taken = nil, nil, 0, 0, 0
  for _, thread in ipairs(threads) do
    local t0, t1 = thread:get("first_sent"), thread:get("last_answer")
    if t0 and (not start or t0 < start) then start = t0 end
    if t1 and (not finish_at or t1 > finish_at) then finish_at = t1 end
    answered = answered + (thread:get("answered_count") or 0)
    wrong = wrong + (thread:get("wrong_count") or 0)
    taken = taken + (thread:get("reserved") or 0)
  end
  local wall = (start and finish_at and finish_at > start) and (finish_at - start) or 0
  local e = summary.errors
  io.write(string.format(
    "RUSH requests=%d planned=%d answered=%d wall=%.4f rps=%.2f p50=%.2f p90=%.2f p99=%.2f max=%.2f "
      .. "connect=%d read=%d write=%d timeout=%d status=%d wrong=%d\n",
    summary.requests, taken, answered, wall, wall > 0 and answered / wall or 0,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status, wrong))
end
