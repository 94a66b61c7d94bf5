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
local activeKey, waitKey, jobKey, eventsKey, metaKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prioritizedKey, pcKey, markerKey, stalledKey = KEYS[6], KEYS[7], KEYS[8], KEYS[9]

local P, jobId, token = ARGV[1], ARGV[2], ARGV[3]
local failedReason = ARGV[5] or ""
local stackEntry = ARGV[6] or ""
local stackLimit = ARGV[7] or ""
local lifo = ARGV[8] == "1"

local rc = takeOwnActiveJob(jobKey, activeKey, jobId, token)
if rc ~= 0 then return rc end

recordFailedAttempt(jobKey, failedReason, stackEntry, stackLimit)

local priority = tonumber(rcall("HGET", jobKey, "priority")) or 0
pushWaiting(waitKey, prioritizedKey, pcKey, jobId, priority, lifo)

releaseLock(jobKey, jobId, token, stalledKey)

local cap = eventsCap(metaKey)
rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "waiting", "jobId", jobId, "prev", "active")
addBaseMarkerIfNeeded(markerKey, metaKey, activeKey)
return 0
