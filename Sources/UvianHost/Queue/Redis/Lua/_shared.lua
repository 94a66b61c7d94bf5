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

-- A new job's place: delayed until `due` (ms) when it is later than `now`, with its `delayed`
-- event and the delay marker; else waiting (prioritized, or at the head of wait when `lifo`), the
-- ready marker unless the queue is paused or at global concurrency, and its `waiting` event.
-- `k`: wait, prioritized, delayed, marker, events, meta, pc, active.
local function placeNewJob(k, jobId, due, now, priority, lifo, cap)
  if due > now then
    addToDelayed(k.delayed, jobId, due)
    rcall("XADD", k.events, "MAXLEN", "~", cap, "*", "event", "delayed", "jobId", jobId, "delay", istr(due))
    lowerDelayMarker(k.delayed, k.marker)
  else
    pushWaiting(k.wait, k.prioritized, k.pc, jobId, priority, lifo)
    addBaseMarkerIfNeeded(k.marker, k.meta, k.active)
    rcall("XADD", k.events, "MAXLEN", "~", cap, "*", "event", "waiting", "jobId", jobId)
  end
end

-- Checks before a worker moves its active job on; nothing is modified unless it returns 0:
-- -1 job missing; -2 lock missing; -6 lock held by another token ('0' = no lock check);
-- -3 job not in active. On 0 the job has been removed from active (LREM -1). Also returns the
-- job's deduplication id, parentKey and parent (each false when absent): one HMGET tells that the
-- job exists (every job hash has `name`) and what else its end must settle.
local function takeOwnActiveJob(jobKey, activeKey, jobId, token)
  local fields = rcall("HMGET", jobKey, "name", "deid", "parentKey", "parent")
  if not fields[1] then return -1 end
  if token ~= "0" then
    local current = rcall("GET", jobKey .. ":lock")
    if not current then return -2 end
    if current ~= token then return -6 end
  end
  if rcall("LREM", activeKey, -1, jobId) < 1 then return -3 end
  return 0, fields[2], fields[3], fields[4]
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

--[[ Job schedulers, in BullMQ's layout: P..'repeat' (ZSET: scheduler id → its pending run's ms)
  and P..'repeat:'..id (hash: name, data, opts, every, offset, pattern, tz, startDate, endDate,
  limit, ic), the runs being jobs 'repeat:'..id..':'..ms whose hash has rjk = id. This worker
  adds two fields BullMQ ignores: uvw_runs (the cron times after the pending run, which the
  worker computes, comma-separated, so the lease of a run can create the next in the same
  script) and uvw_last (the run that started last). ]]

-- BullMQ's next run of an `every` scheduler after the run at `prev`: prev + every, or, when that
-- has passed (downtime), the first slot (a multiple of every plus the offset) after now.
local function everyNextRun(prev, every, now, offset)
  local nextRun = prev + every
  if nextRun < now then
    local off = tonumber(offset)
    if not off or off == 0 then off = prev % every end
    local slot = math.floor(now / every) * every + off
    if slot <= now then nextRun = slot + every else nextRun = slot end
  end
  return nextRun
end

-- Creates scheduler `id`'s run at `millis` from the scheduler's template data and the job
-- options `opts` (a table: the previous run's, or the template's), delayed until its time.
-- False (and a `duplicated` event) when that run exists already.
-- `k`: wait, prioritized, delayed, marker, events, meta, pc, active.
local function createScheduledRun(k, P, id, millis, now, opts, cap)
  local jobId = "repeat:" .. id .. ":" .. istr(millis)
  local jobKey = P .. jobId
  if rcall("EXISTS", jobKey) == 1 then
    rcall("XADD", k.events, "MAXLEN", "~", cap, "*", "event", "duplicated", "jobId", jobId)
    return false
  end
  local template = rcall("HMGET", P .. "repeat:" .. id, "name", "data")
  local delay = millis - now
  if delay < 0 then delay = 0 end
  opts["jobId"] = jobId
  opts["delay"] = delay
  opts["timestamp"] = now
  opts["prevMillis"] = millis
  opts["repeatJobKey"] = id
  opts["uvw_checked"] = nil
  local priority = tonumber(opts["priority"]) or 0
  local name = template[1] or id
  rcall("HSET", jobKey, "name", name, "data", template[2] or "{}", "opts", cjson.encode(opts), "timestamp", istr(now),
    "delay", istr(delay), "priority", istr(priority), "rjk", id)
  rcall("XADD", k.events, "MAXLEN", "~", cap, "*", "event", "added", "jobId", jobId, "name", name)
  placeNewJob(k, jobId, now + delay, now, priority, false, cap)
  rcall("ZADD", P .. "repeat", istr(millis), id)
  return true
end

-- The job options of a run (JSON text) as a table whose repeat.count is `count`.
local function scheduledRunOptions(optsText, count)
  local ok, opts = pcall(cjson.decode, optsText or "{}")
  if not ok or type(opts) ~= "table" then opts = {} end
  if type(opts["repeat"]) ~= "table" then opts["repeat"] = {} end
  opts["repeat"]["count"] = count
  return opts
end

-- When the job `jobId` being leased is its scheduler's pending run, creates the run after it,
-- if its time is known here (`every`, or a cron time in uvw_runs ahead of now) and the
-- scheduler has not ended (limit, endDate). Returns what the worker is told as the job's
-- uvw_schedule field: 'next:<ms>:<cron times left, -1 for every>', 'needs' (a cron time
-- the worker must compute), 'ended', 'stale' (not the pending run) or 'duplicated'.
local function advanceScheduleOnLease(k, P, id, jobId, optsText, now, cap)
  local repeatKey = P .. "repeat"
  local prev = tonumber(rcall("ZSCORE", repeatKey, id))
  if not prev or jobId ~= "repeat:" .. id .. ":" .. istr(prev) then return "stale" end
  local schedKey = repeatKey .. ":" .. id
  local s = rcall("HMGET", schedKey, "every", "offset", "endDate", "limit", "ic", "uvw_runs")
  local ic = tonumber(s[5]) or 1
  local limit = tonumber(s[4])
  if limit and ic >= limit then return "ended" end
  local every = tonumber(s[1])
  local nextRun, rest, left
  if every then
    nextRun = everyNextRun(prev, every, now, s[2])
    left = -1
  else
    local after = math.max(now, prev)
    local list = {}
    for t in string.gmatch(s[6] or "", "%d+") do list[#list + 1] = tonumber(t) end
    local i = 1
    while i <= #list and list[i] <= after do i = i + 1 end
    if i > #list then return "needs" end
    nextRun = list[i]
    local remaining = {}
    for j = i + 1, #list do remaining[#remaining + 1] = istr(list[j]) end
    rest = table.concat(remaining, ",")
    left = #remaining
  end
  local endDate = tonumber(s[3])
  if endDate and nextRun > endDate then return "ended" end
  if not createScheduledRun(k, P, id, nextRun, now, scheduledRunOptions(optsText, ic + 1), cap) then return "duplicated" end
  rcall("HINCRBY", schedKey, "ic", 1)
  if rest then rcall("HSET", schedKey, "uvw_runs", rest, "uvw_last", jobId) else rcall("HSET", schedKey, "uvw_last", jobId) end
  return "next:" .. istr(nextRun) .. ":" .. left
end

--[[ Flows (BullMQ's FlowProducer): a parent waits in its queue's 'waiting-children' ZSET while
  its ':dependencies' SET holds the keys of unfinished children; a child's hash has parentKey (the
  parent's key) and parent (JSON: id, queueKey, and the child's failure options fpof, cpof, idof,
  rdof). The parent may be in another queue of the same prefix. ]]

-- The parent's key, queue key, id and the child's failure options, or nil.
local function parentOf(parentKey, parentJSON)
  local data = {}
  if parentJSON then
    local ok, decoded = pcall(cjson.decode, parentJSON)
    if ok and type(decoded) == "table" then data = decoded end
  end
  if data["id"] and data["queueKey"] then
    return data["queueKey"] .. ":" .. data["id"], data["queueKey"], data["id"], data
  end
  if parentKey and parentKey ~= "" then
    local id = string.match(parentKey, ".*:(.*)")
    if id then return parentKey, string.sub(parentKey, 1, #parentKey - #id - 1), id, data end
  end
  return nil
end

-- BullMQ's moveParentToWait: delayed when the parent has a delay, else prioritized or at the head
-- of wait (RPUSH), with its marker and a `waiting ... prev waiting-children` event.
local function moveParentToWait(queueKey, parentKey, parentId, now)
  local attributes = rcall("HMGET", parentKey, "priority", "delay")
  local priority = tonumber(attributes[1]) or 0
  local delay = tonumber(attributes[2]) or 0
  local eventsKey = queueKey .. ":events"
  if delay > 0 then
    local due = now + delay
    addToDelayed(queueKey .. ":delayed", parentId, due)
    rcall("XADD", eventsKey, "*", "event", "delayed", "jobId", parentId, "delay", istr(due))
    lowerDelayMarker(queueKey .. ":delayed", queueKey .. ":marker")
  else
    pushWaiting(queueKey .. ":wait", queueKey .. ":prioritized", queueKey .. ":pc", parentId, priority, true)
    addBaseMarkerIfNeeded(queueKey .. ":marker", queueKey .. ":meta", queueKey .. ":active")
    rcall("XADD", eventsKey, "*", "event", "waiting", "jobId", parentId, "prev", "waiting-children")
  end
end

local function releaseParentIfWaiting(queueKey, parentKey, parentId, now)
  if rcall("ZREM", queueKey .. ":waiting-children", parentId) == 1 then
    moveParentToWait(queueKey, parentKey, parentId, now)
  end
end

-- A child of a flow has ended as `target` ('completed' with its JSON return value, or 'failed'
-- with its reason, for good): its parent learns it as BullMQ's moveToFinished tells it. A child
-- removed as it ends (`removed`) leaves its parent's dependencies in every case.
local function settleParent(childKey, parentKey, parentJSON, target, value, now, removed)
  local key, queueKey, id, flags = parentOf(parentKey, parentJSON)
  if not key or rcall("EXISTS", key) == 0 then return end
  local deps = key .. ":dependencies"
  if target == "completed" then
    if rcall("SREM", deps, childKey) == 1 then
      rcall("HSET", key .. ":processed", childKey, value)
      if rcall("SCARD", deps) == 0 then releaseParentIfWaiting(queueKey, key, id, now) end
    end
    return
  end
  if flags["fpof"] then
    if rcall("SREM", deps, childKey) == 1 then
      rcall("ZADD", key .. ":unsuccessful", istr(now), childKey)
      local reason = "child " .. childKey .. " failed"
      local from
      if rcall("ZSCORE", queueKey .. ":waiting-children", id) then
        from = queueKey .. ":waiting-children"
      elseif rcall("ZSCORE", queueKey .. ":delayed", id) then
        from = queueKey .. ":delayed"
        rcall("HSET", key, "delay", 0)
      end
      if from then
        rcall("ZREM", from, id)
        rcall("HSET", key, "defa", reason)
        moveParentToWait(queueKey, key, id, now)
      elseif not rcall("ZSCORE", queueKey .. ":failed", id) then
        rcall("HSET", key, "defa", reason)
      end
    end
  elseif flags["cpof"] then
    if rcall("SREM", deps, childKey) == 1 then
      rcall("HSET", key .. ":failed", childKey, value)
      releaseParentIfWaiting(queueKey, key, id, now)
    end
  elseif flags["idof"] or flags["rdof"] then
    if rcall("SREM", deps, childKey) == 1 then
      if rcall("SCARD", deps) == 0 then releaseParentIfWaiting(queueKey, key, id, now) end
      if flags["idof"] then rcall("HSET", key .. ":failed", childKey, value) end
    end
  elseif removed then
    if rcall("SREM", deps, childKey) == 1 and rcall("SCARD", deps) == 0 then
      releaseParentIfWaiting(queueKey, key, id, now)
    end
  end
end

-- moveToActive's work (its contract is at the top of moveToActive.lua), as a function so that
-- moveToFinished can lease the finishing worker's next job in the same call (BullMQ's fetch-next).
-- `k`: wait, active, prioritized, events, limiter, delayed, meta, pc, marker;
-- `a`: P, now, token, lockDurationMs, limiterMax, limiterDurationMs, count, eventsCap.
local function fetchJobs(k, a)
  local waitKey, activeKey, prioritizedKey, eventsKey = k.wait, k.active, k.prioritized, k.events
  local limiterKey, delayedKey, metaKey, pcKey, markerKey = k.limiter, k.delayed, k.meta, k.pc, k.marker
  local P = a.P
  local now = tonumber(a.now)
  local token = a.token
  local lockDuration = tonumber(a.lockDurationMs) or 30000

  local meta = rcall("HMGET", metaKey, "paused", "concurrency", "max", "duration")
  -- paused/concurrency as read once above (this script never changes them)
  local function pausedOrMaxed()
    return isPausedOrMaxed(meta[1], meta[2], activeKey)
  end

  local cap = eventsCap(metaKey, a.eventsCap)

  -- 1. promote due delayed jobs
  local due = rcall("ZRANGEBYSCORE", delayedKey, 0, istr((now + 1) * 4096 - 1), "LIMIT", 0, 1000)
  if #due > 0 then
    callInBatches("ZREM", delayedKey, due, 1000)
    for _, id in ipairs(due) do
      local jobKey = P .. id
      local priority = tonumber(rcall("HGET", jobKey, "priority")) or 0
      pushWaiting(waitKey, prioritizedKey, pcKey, id, priority, false)
      rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "waiting", "jobId", id, "prev", "delayed")
      rcall("HSET", jobKey, "delay", "0")
    end
    if not pausedOrMaxed() then
      rcall("ZADD", markerKey, 0, "0")
    end
  end

  -- 2. rate limit
  local maxJobs, limiterDuration
  if tonumber(meta[3]) then
    maxJobs = tonumber(meta[3])
    limiterDuration = tonumber(meta[4]) or tonumber(a.limiterDurationMs)
  elseif tonumber(a.limiterMax) then
    maxJobs = tonumber(a.limiterMax)
    limiterDuration = tonumber(a.limiterDurationMs) or tonumber(meta[4])
  end
  if maxJobs and not (limiterDuration and limiterDuration > 0) then
    maxJobs = nil -- a limiter without a window cannot expire: ignore it
  end
  -- The limiter's TTL when it is exhausted, else 0.
  local function rateLimitedFor()
    if not maxJobs then return 0 end
    local count = tonumber(rcall("GET", limiterKey)) or 0
    if count >= maxJobs then
      local ttl = rcall("PTTL", limiterKey)
      if ttl > 0 then return ttl end
      rcall("DEL", limiterKey) -- expired or without TTL: stale counter
    end
    return 0
  end

  -- 4. take a job: plain waiting jobs first, then prioritized
  local function takeJob()
    local jobId = rcall("RPOPLPUSH", waitKey, activeKey)
    while jobId and string.sub(jobId, 1, 2) == "0:" do
      rcall("LREM", activeKey, 1, jobId)
      jobId = rcall("RPOPLPUSH", waitKey, activeKey)
    end
    if not jobId then
      local popped = rcall("ZPOPMIN", prioritizedKey)
      if #popped > 0 then
        jobId = popped[1]
        rcall("LPUSH", activeKey, jobId)
      else
        rcall("DEL", pcKey)
      end
    end
    return jobId
  end

  -- 5. lock it and tell
  local function activate(jobId)
    local jobKey = P .. jobId
    if maxJobs and rcall("HEXISTS", jobKey, "defa") == 0 then
      local count = rcall("INCR", limiterKey)
      if count == 1 then
        rcall("PEXPIRE", limiterKey, istr(math.floor(limiterDuration)))
      end
    end
    if token ~= "0" then
      rcall("SET", jobKey .. ":lock", token, "PX", istr(lockDuration))
    end
    rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "active", "jobId", jobId, "prev", "waiting")
    rcall("HSET", jobKey, "processedOn", istr(now))
    rcall("HINCRBY", jobKey, "ats", 1)
    local hash = rcall("HGETALL", jobKey)
    -- A scheduler's run (BullMQ's rjk field): its next run is created here, in the lease.
    for i = 1, #hash, 2 do
      if hash[i] == "rjk" then
        local optsText
        for j = 1, #hash, 2 do
          if hash[j] == "opts" then optsText = hash[j + 1] end
        end
        hash[#hash + 1] = "uvw_schedule"
        hash[#hash + 1] = advanceScheduleOnLease(k, P, hash[i + 1], jobId, optsText, now, cap)
        break
      end
    end
    return hash
  end

  local wanted = math.max(math.floor(tonumber(a.count) or 1), 1)
  local taken = {}
  for _ = 1, wanted do
    local ttl = rateLimitedFor()
    if ttl > 0 then
      if #taken == 0 then return { false, false, ttl, 0 } end
      break
    end
    -- 3. paused or at global concurrency
    if pausedOrMaxed() then
      if #taken == 0 then return { false, false, 0, 0 } end
      break
    end
    local jobId = takeJob()
    if not jobId then break end
    taken[#taken + 1] = jobId
    taken[#taken + 1] = activate(jobId)
  end

  if #taken > 0 then
    if not pausedOrMaxed() then
      rcall("ZADD", markerKey, 0, "0")
    end
    local reply = { taken[1], taken[2], 0, 0 }
    for i = 3, #taken do reply[#reply + 1] = taken[i] end
    return reply
  end

  -- nothing to do: report the next delayed due time
  return { false, false, 0, nextDelayedDue(delayedKey) or 0 }
end

