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
local markerKey, activeKey, delayedKey, jobKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local eventsKey, metaKey, stalledKey = KEYS[5], KEYS[6], KEYS[7]

local P, jobId, token = ARGV[1], ARGV[2], ARGV[3]
local now = tonumber(ARGV[4])
local delay = tonumber(ARGV[5]) or 0
if delay < 0 then delay = 0 end
local failedReason = ARGV[6] or ""
local stackEntry = ARGV[7] or ""
local stackLimit = ARGV[8] or ""

local rc = takeOwnActiveJob(jobKey, activeKey, jobId, token)
if rc ~= 0 then return rc end

recordFailedAttempt(jobKey, failedReason, stackEntry, stackLimit)
rcall("HSET", jobKey, "delay", istr(delay))

local due = now + delay
addToDelayed(delayedKey, jobId, due)

releaseLock(jobKey, jobId, token, stalledKey)

local cap = eventsCap(metaKey)
rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "delayed", "jobId", jobId, "delay", istr(due))
lowerDelayMarker(delayedKey, markerKey)
return 0
