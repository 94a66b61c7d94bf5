--[[
  retryJob.lua — failed attempt retried immediately (no backoff delay).

  KEYS[1] active       P..'active'
  KEYS[2] wait         P..'wait'
  KEYS[3] jobKey       P..jobId
  KEYS[4] events       P..'events'
  KEYS[5] meta         P..'meta'
  KEYS[6] prioritized  P..'prioritized'
  KEYS[7] pc           P..'pc'
  KEYS[8] marker       P..'marker'
  KEYS[9] stalled      P..'stalled'

  ARGV[1] P            key base ending with ':'
  ARGV[2] jobId
  ARGV[3] token        lock token ('0' = no lock check)
  ARGV[4] now          ms (unused by the state change; kept for symmetry)
  ARGV[5] failedReason text of this attempt's error
  ARGV[6] stackEntry   string appended to the stacktrace JSON array; '' = none
  ARGV[7] stackLimit   keep the last N entries ('0' = none); '' = unlimited
  ARGV[8] lifo         '1' = RPUSH (served next), else LPUSH (back of the FIFO line)

  Returns 0, or: -1 job missing; -2 lock missing; -6 lock held by another token;
  -3 job not in active. Nothing is modified when a negative code is returned.

  Effects: LREM active -1 id; HSET failedReason; stacktrace append; HINCRBY atm 1;
  job priority > 0 → ZADD prioritized priority*2^32 + (INCR pc mod 2^32), else LPUSH/RPUSH wait;
  DEL lock; SREM stalled; event `waiting jobId <id> prev active`;
  marker "0" unless paused or at global concurrency.
]]
local rcall = redis.call

local activeKey, waitKey, jobKey, eventsKey, metaKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prioritizedKey, pcKey, markerKey, stalledKey = KEYS[6], KEYS[7], KEYS[8], KEYS[9]

local P, jobId, token = ARGV[1], ARGV[2], ARGV[3]
local failedReason = ARGV[5] or ""
local stackEntry = ARGV[6] or ""
local stackLimit = ARGV[7] or ""
local lifo = ARGV[8] == "1"

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

local priority = tonumber(rcall("HGET", jobKey, "priority")) or 0
if priority > 0 then
  local pc = rcall("INCR", pcKey)
  rcall("ZADD", prioritizedKey, istr(priority * 4294967296 + (pc % 4294967296)), jobId)
elseif lifo then
  rcall("RPUSH", waitKey, jobId)
else
  rcall("LPUSH", waitKey, jobId)
end

if token ~= "0" then rcall("DEL", jobKey .. ":lock") end
rcall("SREM", stalledKey, jobId)

local cap = eventsCap()
rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "waiting", "jobId", jobId, "prev", "active")
if not pausedOrMaxed() then
  rcall("ZADD", markerKey, 0, "0")
end
return 0
