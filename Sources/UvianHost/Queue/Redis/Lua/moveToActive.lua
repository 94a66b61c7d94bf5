--[[
  moveToActive.lua — promote due delayed jobs, then take the next job and lock it.

  KEYS[1]  wait         P..'wait'
  KEYS[2]  active       P..'active'
  KEYS[3]  prioritized  P..'prioritized'
  KEYS[4]  events       P..'events'
  KEYS[5]  stalled      P..'stalled'   (not modified; kept for BullMQ key parity)
  KEYS[6]  limiter      P..'limiter'
  KEYS[7]  delayed      P..'delayed'
  KEYS[8]  meta         P..'meta'
  KEYS[9]  pc           P..'pc'
  KEYS[10] marker       P..'marker'

  ARGV[1] P                  key base ending with ':'
  ARGV[2] now                ms
  ARGV[3] token              lock token ('0' = take no lock, BullMQ convention)
  ARGV[4] lockDurationMs
  ARGV[5] limiterMax         '' = no worker limiter (meta max/duration still apply)
  ARGV[6] limiterDurationMs
  ARGV[7] count              jobs to take at most (a worker with that many free slots); '' = 1
  ARGV[8] eventsCap          the events stream cap as the worker last read it; '' = read meta

  Returns:
    jobs:          { jobId, {HGETALL flat field/value array}, 0, 0 [, jobId2, hash2, …] }
                   (count > 1: every further job taken follows as an id, hash pair)
    rate limited:  { nil, nil, ttlMs, 0 }          ttl = PTTL limiter
    nothing:       { nil, nil, 0, nextDueMs }      nextDue = earliest delayed due (0 if none;
                                                   always 0 while paused / at global concurrency)

  Steps: (1) up to 1000 due delayed jobs → wait (LPUSH) or prioritized, event
  `waiting jobId <id> prev delayed`, HSET delay 0, marker "0" unless paused/maxed;
  (2) rate limit: meta max/duration if meta max is set, else ARGV limiter; limited when
  GET limiter >= max and PTTL > 0; (3) paused/maxed → nothing; (4) RPOPLPUSH wait active
  (legacy "0:" ids dropped), else ZPOPMIN prioritized + LPUSH active (DEL pc when empty);
  (5) INCR limiter (+PEXPIRE on 1) unless job has `defa`; SET P..id..':lock' token PX;
  event `active jobId <id> prev waiting`; HSET processedOn now; HINCRBY ats 1;
  marker "0" unless paused/maxed. Steps (2)–(5) repeat for each further job up to count,
  stopping at the first that finds the queue limited, paused, maxed or empty; the marker is
  written once at the end. One call for many jobs: the meta read, the events cap and the delayed
  promotion are paid once, not once per job.
]]
local waitKey, activeKey, prioritizedKey, eventsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local limiterKey, delayedKey, metaKey, pcKey, markerKey = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]

local P = ARGV[1]
local now = tonumber(ARGV[2])
local token = ARGV[3]
local lockDuration = tonumber(ARGV[4]) or 30000

local meta = rcall("HMGET", metaKey, "paused", "concurrency", "max", "duration")
-- paused/concurrency as read once above (this script never changes them)
local function pausedOrMaxed()
  return isPausedOrMaxed(meta[1], meta[2], activeKey)
end

local cap = eventsCap(metaKey, ARGV[8])

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
  limiterDuration = tonumber(meta[4]) or tonumber(ARGV[6])
elseif tonumber(ARGV[5]) then
  maxJobs = tonumber(ARGV[5])
  limiterDuration = tonumber(ARGV[6]) or tonumber(meta[4])
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
  return rcall("HGETALL", jobKey)
end

local wanted = math.max(math.floor(tonumber(ARGV[7]) or 1), 1)
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
