--[[
  moveToFinished.lua — finish the active job: completed, or failed for good.

  KEYS[1] active       P..'active'
  KEYS[2] events       P..'events'
  KEYS[3] stalled      P..'stalled'
  KEYS[4] meta         P..'meta'
  KEYS[5] target       P..'completed' or P..'failed'
  KEYS[6] jobKey       P..jobId
  KEYS[7] wait         P..'wait'
  KEYS[8] prioritized  P..'prioritized'
  KEYS[9] marker       P..'marker'

  ARGV[1]  P            key base ending with ':'
  ARGV[2]  jobId
  ARGV[3]  token        lock token ('0' = no lock check, BullMQ convention)
  ARGV[4]  now          ms (finishedOn and score in target)
  ARGV[5]  target       'completed' | 'failed'
  ARGV[6]  value        completed: JSON returnvalue; failed: failedReason text
  ARGV[7]  keepCount    -1 keep all, 0 delete this job now, N keep the newest N in target
  ARGV[8]  keepAge      seconds; '' = no age limit
  ARGV[9]  keepLimit    max jobs removed by age per call; '' = 1000
  ARGV[10] attempts     opts.attempts (integer) for `retries-exhausted`
  ARGV[11] stackEntry   failed only: string appended to the stacktrace JSON array; '' = none
  ARGV[12] stackLimit   keep the last N stacktrace entries ('0' = none); '' = unlimited

  Returns 0, or: -1 job missing; -2 lock missing; -6 lock held by another token;
  -3 job not in active. Nothing is modified when a negative code is returned.

  Effects: DEL lock, SREM stalled, SREM P..'uvw:cancel' id, LREM active -1 id; XTRIM events
  MAXLEN ~ cap; release P..'de:'..deid (if expired, or without TTL and owned by this job);
  HINCRBY atm 1; keep: ZADD target now id + HSET returnvalue|failedReason, finishedOn
  (failed: stacktrace append, HDEL defa), then age/count trimming of target (deleting the
  trimmed jobs' hash, :logs, :dependencies, :processed, :failed, :unsuccessful);
  keepCount 0: delete this job and its sub-keys instead.
  Events: `completed jobId returnvalue prev active` | `failed jobId failedReason prev active`
  (+ `retries-exhausted jobId attemptsMade` when atm >= attempts); `drained` when wait, active
  and prioritized are all empty. Marker "0" when wait/prioritized still hold jobs and the queue
  is neither paused nor at global concurrency (a freed concurrency slot wakes idle workers).
]]
local rcall = redis.call

local activeKey, eventsKey, stalledKey, metaKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local targetKey, jobKey, waitKey, prioritizedKey, markerKey = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]

local P, jobId, token = ARGV[1], ARGV[2], ARGV[3]
local now = tonumber(ARGV[4])
local target = ARGV[5]
local value = ARGV[6]
local keepCount = tonumber(ARGV[7]) or -1
local keepAge = tonumber(ARGV[8])
local keepLimit = tonumber(ARGV[9]) or 1000
local attempts = tonumber(ARGV[10]) or 0
local stackEntry = ARGV[11] or ""
local stackLimit = ARGV[12] or ""

local function istr(n) return string.format("%.0f", n) end

local function eventsCap()
  local raw = rcall("HGET", metaKey, "opts.maxLenEvents")
  if not raw then
    rcall("HSET", metaKey, "opts.maxLenEvents", "10000")
    return 10000
  end
  return tonumber(raw) or 10000
end

local function pausedOrMaxed()
  local m = rcall("HMGET", metaKey, "paused", "concurrency")
  if m[1] then return true end
  local c = tonumber(m[2])
  if c and rcall("LLEN", activeKey) >= c then return true end
  return false
end

local function appendStacktrace(key, entry, limitArg)
  if entry == "" then return end
  local list = {}
  local raw = rcall("HGET", key, "stacktrace")
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
  rcall("HSET", key, "stacktrace", text)
end

local function removeJobKeys(key)
  rcall("DEL", key, key .. ":logs", key .. ":dependencies", key .. ":processed",
    key .. ":failed", key .. ":unsuccessful")
end

local function zremBatches(key, ids)
  for i = 1, #ids, 5000 do
    rcall("ZREM", key, unpack(ids, i, math.min(i + 4999, #ids)))
  end
end

-- checks (no modification before all of them pass)
if rcall("EXISTS", jobKey) == 0 then return -1 end
if token ~= "0" then
  local current = rcall("GET", jobKey .. ":lock")
  if not current then return -2 end
  if current ~= token then return -6 end
end
if rcall("LREM", activeKey, -1, jobId) < 1 then return -3 end

if token ~= "0" then rcall("DEL", jobKey .. ":lock") end
rcall("SREM", stalledKey, jobId)
rcall("SREM", P .. "uvw:cancel", jobId)

local cap = eventsCap()
rcall("XTRIM", eventsKey, "MAXLEN", "~", cap)

-- deduplication release
local deid = rcall("HGET", jobKey, "deid")
if deid then
  local deKey = P .. "de:" .. deid
  local pttl = rcall("PTTL", deKey)
  if pttl == 0 then
    rcall("DEL", deKey)
  elseif pttl == -1 and rcall("GET", deKey) == jobId then
    rcall("DEL", deKey)
  end
end

local atm = rcall("HINCRBY", jobKey, "atm", 1)

local field = "returnvalue"
if target == "failed" then field = "failedReason" end

if keepCount ~= 0 then
  rcall("ZADD", targetKey, istr(now), jobId)
  rcall("HSET", jobKey, field, value, "finishedOn", istr(now))
  if target == "failed" then
    appendStacktrace(jobKey, stackEntry, stackLimit)
    rcall("HDEL", jobKey, "defa")
  end
  if keepAge then
    local limit = keepLimit
    if limit <= 0 then limit = 1000 end
    local cutoff = now - keepAge * 1000
    local old = rcall("ZREVRANGEBYSCORE", targetKey, istr(cutoff), "-inf", "LIMIT", 0, limit)
    for _, id in ipairs(old) do removeJobKeys(P .. id) end
    if #old > 0 then zremBatches(targetKey, old) end
  end
  if keepCount > 0 then
    local extra = rcall("ZREVRANGE", targetKey, keepCount, -1)
    for _, id in ipairs(extra) do removeJobKeys(P .. id) end
    if #extra > 0 then rcall("ZREMRANGEBYRANK", targetKey, 0, -(keepCount + 1)) end
  end
else
  removeJobKeys(jobKey)
end

rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", target, "jobId", jobId, field, value,
  "prev", "active")
if target == "failed" and atm >= attempts then
  rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "retries-exhausted", "jobId", jobId,
    "attemptsMade", istr(atm))
end

local waiting = rcall("LLEN", waitKey) + rcall("ZCARD", prioritizedKey)
if waiting > 0 then
  if not pausedOrMaxed() then rcall("ZADD", markerKey, 0, "0") end
elseif rcall("LLEN", activeKey) == 0 then
  rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "drained")
end
return 0
