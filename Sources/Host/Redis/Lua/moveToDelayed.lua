--[[
  moveToDelayed.lua — failed attempt that will be retried after a backoff delay.

  KEYS[1] marker   P..'marker'
  KEYS[2] active   P..'active'
  KEYS[3] delayed  P..'delayed'
  KEYS[4] jobKey   P..jobId
  KEYS[5] events   P..'events'
  KEYS[6] meta     P..'meta'
  KEYS[7] stalled  P..'stalled'

  ARGV[1] P            key base ending with ':'
  ARGV[2] jobId
  ARGV[3] token        lock token ('0' = no lock check)
  ARGV[4] now          ms
  ARGV[5] delayMs      backoff delay; due = now + delayMs
  ARGV[6] failedReason text of this attempt's error
  ARGV[7] stackEntry   string appended to the stacktrace JSON array; '' = none
  ARGV[8] stackLimit   keep the last N entries ('0' = none); '' = unlimited

  Returns 0, or: -1 job missing; -2 lock missing; -6 lock held by another token;
  -3 job not in active. Nothing is modified when a negative code is returned.

  Effects: LREM active -1 id; HSET failedReason; stacktrace append; HINCRBY atm 1;
  HSET delay delayMs; ZADD delayed due*4096+seq (seq = next free slot in that millisecond);
  DEL lock; SREM stalled; event `delayed jobId <id> delay <due>` (absolute ms);
  ZADD marker <earliest due> "1" (only lowers an existing "1").
]]
local rcall = redis.call

local markerKey, activeKey, delayedKey, jobKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local eventsKey, metaKey, stalledKey = KEYS[5], KEYS[6], KEYS[7]

local P, jobId, token = ARGV[1], ARGV[2], ARGV[3]
local now = tonumber(ARGV[4])
local delay = tonumber(ARGV[5]) or 0
if delay < 0 then delay = 0 end
local failedReason = ARGV[6] or ""
local stackEntry = ARGV[7] or ""
local stackLimit = ARGV[8] or ""

local function istr(n) return string.format("%.0f", n) end

local function eventsCap()
  local raw = rcall("HGET", metaKey, "opts.maxLenEvents")
  if not raw then
    rcall("HSET", metaKey, "opts.maxLenEvents", "10000")
    return 10000
  end
  return tonumber(raw) or 10000
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

local function delayedScore(due)
  local minScore = due * 4096
  local maxScore = minScore + 4095
  local r = rcall("ZREVRANGEBYSCORE", delayedKey, istr(maxScore), istr(minScore), "WITHSCORES", "LIMIT", 0, 1)
  local cur = tonumber(r[2])
  if cur then
    if cur >= maxScore then return maxScore end
    return cur + 1
  end
  return minScore
end

local function lowerDelayMarker()
  local first = rcall("ZRANGE", delayedKey, 0, 0, "WITHSCORES")
  local s = tonumber(first[2])
  if not s then return end
  local due = math.floor(s / 4096)
  local cur = tonumber(rcall("ZSCORE", markerKey, "1"))
  if not cur or due < cur then
    rcall("ZADD", markerKey, istr(due), "1")
  end
end

if rcall("EXISTS", jobKey) == 0 then return -1 end
if token ~= "0" then
  local current = rcall("GET", jobKey .. ":lock")
  if not current then return -2 end
  if current ~= token then return -6 end
end
if rcall("LREM", activeKey, -1, jobId) < 1 then return -3 end

rcall("HSET", jobKey, "failedReason", failedReason)
appendStacktrace(jobKey, stackEntry, stackLimit)
rcall("HINCRBY", jobKey, "atm", 1)
rcall("HSET", jobKey, "delay", istr(delay))

local due = now + delay
rcall("ZADD", delayedKey, istr(delayedScore(due)), jobId)

if token ~= "0" then rcall("DEL", jobKey .. ":lock") end
rcall("SREM", stalledKey, jobId)

local cap = eventsCap()
rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "delayed", "jobId", jobId, "delay", istr(due))
lowerDelayMarker()
return 0
