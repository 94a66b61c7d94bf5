--[[
  _shared.lua — helpers sent ahead of every script (the loader prepends this file; Redis scripts
  cannot include one another). Only local functions: nothing here runs on its own. Every key a
  helper touches is passed in; none reads a script's KEYS/ARGV or its locals.
]]
local rcall = redis.call

-- A number as an integer string (no exponent, no ".0"), as the layout stores scores and times.
local function istr(n) return string.format("%.0f", n) end

-- Runs `cmd key id…` over ids in chunks of `size` (unpack has a stack limit).
local function callInBatches(cmd, key, ids, size)
  for i = 1, #ids, size do
    rcall(cmd, key, unpack(ids, i, math.min(i + size - 1, #ids)))
  end
end

-- The events stream cap: meta opts.maxLenEvents, written as 10000 when it is not set yet.
-- `given` (an ARGV the worker may pass: the cap as it last read it) saves the read when numeric.
local function eventsCap(metaKey, given)
  local known = tonumber(given)
  if known then return known end
  local raw = rcall("HGET", metaKey, "opts.maxLenEvents")
  if not raw then
    rcall("HSET", metaKey, "opts.maxLenEvents", "10000")
    return 10000
  end
  return tonumber(raw) or 10000
end

-- Paused, or the active list has reached the global concurrency (`paused`/`concurrency` as read
-- from meta).
local function isPausedOrMaxed(paused, concurrency, activeKey)
  if paused then return true end
  local c = tonumber(concurrency)
  if c and rcall("LLEN", activeKey) >= c then return true end
  return false
end

local function pausedOrMaxed(metaKey, activeKey)
  local m = rcall("HMGET", metaKey, "paused", "concurrency")
  return isPausedOrMaxed(m[1], m[2], activeKey)
end

-- Marker "0" (a job is ready) unless the queue is paused or at global concurrency.
local function addBaseMarkerIfNeeded(markerKey, metaKey, activeKey)
  if not pausedOrMaxed(metaKey, activeKey) then
    rcall("ZADD", markerKey, 0, "0")
  end
end

-- A waiting job: priority > 0 → prioritized (score priority*2^32 + INCR pc mod 2^32);
-- else wait, RPUSH when lifo (served next), LPUSH otherwise.
local function pushWaiting(waitKey, prioritizedKey, pcKey, jobId, priority, lifo)
  if priority > 0 then
    local pc = rcall("INCR", pcKey)
    rcall("ZADD", prioritizedKey, istr(priority * 4294967296 + (pc % 4294967296)), jobId)
  elseif lifo then
    rcall("RPUSH", waitKey, jobId)
  else
    rcall("LPUSH", waitKey, jobId)
  end
end

-- Delayed score = due*4096 + seq, seq = next free slot (0..4095) within that millisecond.
local function addToDelayed(delayedKey, jobId, due)
  local minScore = due * 4096
  local maxScore = minScore + 4095
  local r = rcall("ZREVRANGEBYSCORE", delayedKey, istr(maxScore), istr(minScore), "WITHSCORES", "LIMIT", 0, 1)
  local cur = tonumber(r[2])
  local score = minScore
  if cur then
    if cur >= maxScore then score = maxScore else score = cur + 1 end
  end
  rcall("ZADD", delayedKey, istr(score), jobId)
end

-- Due time (ms) of the earliest delayed job, or nil when none is delayed.
local function nextDelayedDue(delayedKey)
  local first = rcall("ZRANGE", delayedKey, 0, 0, "WITHSCORES")
  local s = tonumber(first[2])
  if not s then return nil end
  return math.floor(s / 4096)
end

-- ZADD marker <earliest due> "1", only lowering an existing "1".
local function lowerDelayMarker(delayedKey, markerKey)
  local due = nextDelayedDue(delayedKey)
  if not due then return end
  local cur = tonumber(rcall("ZSCORE", markerKey, "1"))
  if not cur or due < cur then
    rcall("ZADD", markerKey, istr(due), "1")
  end
end

-- Checks before a worker moves its active job on; nothing is modified unless it returns 0:
-- -1 job missing; -2 lock missing; -6 lock held by another token ('0' = no lock check);
-- -3 job not in active. On 0 the job has been removed from active (LREM -1). Also returns the
-- job's deduplication id (or false): one HMGET tells both that the job exists (every job hash
-- has `name`) and whether it has one.
local function takeOwnActiveJob(jobKey, activeKey, jobId, token)
  local fields = rcall("HMGET", jobKey, "name", "deid")
  if not fields[1] then return -1 end
  if token ~= "0" then
    local current = rcall("GET", jobKey .. ":lock")
    if not current then return -2 end
    if current ~= token then return -6 end
  end
  if rcall("LREM", activeKey, -1, jobId) < 1 then return -3 end
  return 0, fields[2]
end

-- DEL the job's lock (unless token '0') and SREM it from stalled.
local function releaseLock(jobKey, jobId, token, stalledKey)
  if token ~= "0" then rcall("DEL", jobKey .. ":lock") end
  rcall("SREM", stalledKey, jobId)
end

-- Appends `entry` ('' = nothing) to the job's stacktrace JSON array, keeping the last
-- `limitArg` entries ('0' = none, '' = unlimited).
local function appendStacktrace(jobKey, entry, limitArg)
  if entry == "" then return end
  local list = {}
  local raw = rcall("HGET", jobKey, "stacktrace")
  if raw then
    local ok, decoded = pcall(cjson.decode, raw)
    if ok and type(decoded) == "table" then
      for i = 1, #decoded do list[#list + 1] = decoded[i] end
    end
  end
  list[#list + 1] = entry
  local limit = tonumber(limitArg)
  if limit then
    if limit <= 0 then
      list = {}
    else
      while #list > limit do table.remove(list, 1) end
    end
  end
  local text = "[]"
  if #list > 0 then text = cjson.encode(list) end
  rcall("HSET", jobKey, "stacktrace", text)
end

-- A failed attempt that will be retried: failedReason, stacktrace, atm + 1.
local function recordFailedAttempt(jobKey, failedReason, stackEntry, stackLimit)
  rcall("HSET", jobKey, "failedReason", failedReason)
  appendStacktrace(jobKey, stackEntry, stackLimit)
  rcall("HINCRBY", jobKey, "atm", 1)
end

-- Releases P..'de:'..deid of a finished job: when expired, or without TTL and owned by jobId.
-- `known` is the job's deid when the caller has read it already (false: the job has none).
local function releaseDeduplication(P, jobKey, jobId, known)
  local deid = known
  if deid == nil then deid = rcall("HGET", jobKey, "deid") end
  if deid then
    local deKey = P .. "de:" .. deid
    local pttl = rcall("PTTL", deKey)
    if pttl == 0 then
      rcall("DEL", deKey)
    elseif pttl == -1 and rcall("GET", deKey) == jobId then
      rcall("DEL", deKey)
    end
  end
end
