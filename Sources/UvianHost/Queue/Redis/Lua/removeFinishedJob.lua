--[[
  removeFinishedJob.lua (Uvian) — forgets a finished job (BullMQ's Job.remove, for a job that
  ended).

  KEYS[1] jobKey     P..jobId
  KEYS[2] completed  P..'completed'
  KEYS[3] failed     P..'failed'
  KEYS[4] events     P..'events'
  KEYS[5] meta       P..'meta'

  ARGV[1] jobId
  ARGV[2] the events cap as the worker last read it ('' = read meta)

  Returns 1: removed from completed/failed, its hash, logs and flow keys deleted, event `removed`
  with `prev`; also 1 when there is no job hash (nothing to do); 0: the job has not finished
  (waiting, delayed or running), nothing changed.
]]
local jobKey, jobId = KEYS[1], ARGV[1]
if rcall("EXISTS", jobKey) == 0 then return 1 end

local prev
if rcall("ZREM", KEYS[2], jobId) > 0 then
  prev = "completed"
elseif rcall("ZREM", KEYS[3], jobId) > 0 then
  prev = "failed"
else
  return 0
end
rcall("DEL", jobKey, jobKey .. ":logs", jobKey .. ":dependencies", jobKey .. ":processed", jobKey .. ":failed",
  jobKey .. ":unsuccessful")
rcall("XADD", KEYS[4], "MAXLEN", "~", eventsCap(KEYS[5], ARGV[2]), "*", "event", "removed", "jobId", jobId, "prev", prev)
return 1
