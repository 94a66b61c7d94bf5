--[[
  requeueJob.lua (Uvian) — a finished job runs again now with its attempts reset (BullMQ's
  Job.retry with resetAttemptsMade and resetAttemptsStarted, its reprocessJob script).

  KEYS[1] jobKey       P..jobId
  KEYS[2] completed    P..'completed'
  KEYS[3] failed       P..'failed'
  KEYS[4] wait         P..'wait'
  KEYS[5] prioritized  P..'prioritized'
  KEYS[6] delayed      P..'delayed'
  KEYS[7] marker       P..'marker'
  KEYS[8] events       P..'events'
  KEYS[9] meta         P..'meta'
  KEYS[10] pc          P..'pc'
  KEYS[11] active      P..'active'
  KEYS[12] cancelSet   P..'uvw:cancel'

  ARGV[1] jobId
  ARGV[2] now   ms
  ARGV[3] the events cap as the worker last read it ('' = read meta)

  Returns:
    "missing"   no job hash (removed on completion or failure): the caller adds the job anew
    "live"      the job is in neither completed nor failed (waiting, delayed or running): unchanged
    "requeued"  out of completed/failed; finishedOn, processedOn, returnvalue, failedReason and
                defa deleted, atm and ats 0, a stale cancel flag cleared; waiting (prioritized by
                its `priority`), the ready marker unless paused, event `waiting`
]]
local jobKey = KEYS[1]
local jobId, now = ARGV[1], tonumber(ARGV[2])

if rcall("EXISTS", jobKey) == 0 then return "missing" end
if rcall("ZREM", KEYS[2], jobId) == 0 and rcall("ZREM", KEYS[3], jobId) == 0 then return "live" end

rcall("HDEL", jobKey, "finishedOn", "processedOn", "returnvalue", "failedReason", "defa")
rcall("HSET", jobKey, "atm", 0, "ats", 0)
rcall("SREM", KEYS[12], jobId)

local priority = tonumber(rcall("HGET", jobKey, "priority")) or 0
local k = {wait = KEYS[4], prioritized = KEYS[5], delayed = KEYS[6], marker = KEYS[7], events = KEYS[8], meta = KEYS[9],
           pc = KEYS[10], active = KEYS[11]}
placeNewJob(k, jobId, 0, now, priority, false, eventsCap(KEYS[9], ARGV[3]))
return "requeued"
