--[[
  releaseJob.lua (Uvian) — graceful shutdown: give an active job back to the queue without
  counting the attempt; it is served next.

  KEYS[1] active   P..'active'
  KEYS[2] wait     P..'wait'
  KEYS[3] jobKey   P..jobId
  KEYS[4] events   P..'events'
  KEYS[5] meta     P..'meta'
  KEYS[6] marker   P..'marker'
  KEYS[7] stalled  P..'stalled'

  ARGV[1] P      key base ending with ':'
  ARGV[2] jobId
  ARGV[3] token  lock token ('0' = no lock check)

  Returns 0, or: -1 job missing; -2 lock missing; -6 lock held by another token;
  -3 job not in active. Nothing is modified when a negative code is returned.

  Effects: LREM active -1 id; DEL lock; SREM stalled; RPUSH wait id; HINCRBY ats -1
  (atm unchanged); event `waiting jobId <id> prev active`; marker "0" unless paused or at
  global concurrency.
]]
local rcall = redis.call

local activeKey, waitKey, jobKey, eventsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local metaKey, markerKey, stalledKey = KEYS[5], KEYS[6], KEYS[7]
local jobId, token = ARGV[2], ARGV[3]

if rcall("EXISTS", jobKey) == 0 then return -1 end
if token ~= "0" then
  local current = rcall("GET", jobKey .. ":lock")
  if not current then return -2 end
  if current ~= token then return -6 end
end
if rcall("LREM", activeKey, -1, jobId) < 1 then return -3 end

if token ~= "0" then rcall("DEL", jobKey .. ":lock") end
rcall("SREM", stalledKey, jobId)
rcall("RPUSH", waitKey, jobId)
rcall("HINCRBY", jobKey, "ats", -1)

local raw = rcall("HGET", metaKey, "opts.maxLenEvents")
if not raw then
  rcall("HSET", metaKey, "opts.maxLenEvents", "10000")
  raw = "10000"
end
local cap = tonumber(raw) or 10000
rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "waiting", "jobId", jobId, "prev", "active")

local m = rcall("HMGET", metaKey, "paused", "concurrency")
local maxed = m[1] and true or false
local c = tonumber(m[2])
if not maxed and c and rcall("LLEN", activeKey) >= c then maxed = true end
if not maxed then
  rcall("ZADD", markerKey, 0, "0")
end
return 0
