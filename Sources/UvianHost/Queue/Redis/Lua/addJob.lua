--[[
  addJob.lua — add one job to a BullMQ (v6 layout) queue.

  KEYS[1] wait          P..'wait'        (list)
  KEYS[2] prioritized   P..'prioritized' (zset)
  KEYS[3] delayed       P..'delayed'     (zset)
  KEYS[4] marker        P..'marker'      (zset)
  KEYS[5] id            P..'id'          (counter)
  KEYS[6] events        P..'events'      (stream)
  KEYS[7] meta          P..'meta'        (hash)
  KEYS[8] pc            P..'pc'          (priority counter)
  KEYS[9] active        P..'active'      (list; only read for global concurrency)

  ARGV[1] P          key base ending with ':' (e.g. 'bull:tasks:'); job key = P..jobId
  ARGV[2] jobId      '' = automatic id (the value of INCR id)
  ARGV[3] name
  ARGV[4] data       JSON text, stored verbatim
  ARGV[5] opts       JSON text, stored verbatim
  ARGV[6] timestamp  ms
  ARGV[7] delay      ms ('0' = not delayed)
  ARGV[8] priority   0 = none, 1 = most urgent
  ARGV[9] lifo       '1' = RPUSH into wait (served next), else LPUSH

  Returns the job id (string). The id counter is incremented on every call, even with a
  custom id. If the job hash already exists nothing is changed, a `duplicated` event is
  emitted and the existing id is returned.

  Events: added; then delayed (delay = absolute due ms) or waiting; or duplicated.
  Markers: delayed → ZADD marker <due> "1" (only lowers an existing "1");
           otherwise ZADD marker 0 "0" unless the queue is paused or at global concurrency.
  Delayed score = due*4096 + seq, seq = next free slot (0..4095) within that millisecond.
]]
local waitKey, prioritizedKey, delayedKey, markerKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local idKey, eventsKey, metaKey, pcKey, activeKey = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]

local P = ARGV[1]
local name, data, opts = ARGV[3], ARGV[4], ARGV[5]
local timestamp = tonumber(ARGV[6]) or 0
local delay = tonumber(ARGV[7]) or 0
local priority = tonumber(ARGV[8]) or 0
local lifo = ARGV[9] == "1"

local counter = rcall("INCR", idKey)
local jobId = ARGV[2]
if jobId == nil or jobId == "" then jobId = istr(counter) end
local jobKey = P .. jobId

local cap = eventsCap(metaKey)

if rcall("EXISTS", jobKey) == 1 then
  rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "duplicated", "jobId", jobId)
  return jobId
end

rcall("HSET", jobKey, "name", name, "data", data, "opts", opts, "timestamp", istr(timestamp),
  "delay", istr(delay), "priority", istr(priority))
rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "added", "jobId", jobId, "name", name)

placeNewJob({ wait = waitKey, prioritized = prioritizedKey, delayed = delayedKey, marker = markerKey, events = eventsKey,
  meta = metaKey, pc = pcKey, active = activeKey }, jobId, timestamp + delay, timestamp, priority, lifo, cap)
return jobId
