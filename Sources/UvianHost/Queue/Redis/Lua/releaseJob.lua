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
local activeKey, waitKey, jobKey, eventsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local metaKey, markerKey, stalledKey = KEYS[5], KEYS[6], KEYS[7]
local jobId, token = ARGV[2], ARGV[3]

local rc = takeOwnActiveJob(jobKey, activeKey, jobId, token)
if rc ~= 0 then return rc end

releaseLock(jobKey, jobId, token, stalledKey)
rcall("RPUSH", waitKey, jobId)
rcall("HINCRBY", jobKey, "ats", -1)

local cap = eventsCap(metaKey)
rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "waiting", "jobId", jobId, "prev", "active")
addBaseMarkerIfNeeded(markerKey, metaKey, activeKey)
return 0
