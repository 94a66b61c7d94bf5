--[[
  promoteJob.lua (Uvian) — a delayed job runs now (BullMQ's promote).

  KEYS[1] delayed      P..'delayed'
  KEYS[2] wait         P..'wait'
  KEYS[3] prioritized  P..'prioritized'
  KEYS[4] pc           P..'pc'
  KEYS[5] marker       P..'marker'
  KEYS[6] meta         P..'meta'
  KEYS[7] active       P..'active'
  KEYS[8] events       P..'events'
  KEYS[9] jobKey       P..jobId

  ARGV[1] jobId
  ARGV[2] the events cap as the worker last read it ('' = read meta)

  Returns 1: out of delayed, `delay` 0, waiting (prioritized by its `priority`), the ready marker
  unless paused, event `waiting` with prev `delayed`; 0: the job is not delayed, nothing changed.
]]
local jobId = ARGV[1]
if rcall("ZREM", KEYS[1], jobId) == 0 then return 0 end

local priority = tonumber(rcall("HGET", KEYS[9], "priority")) or 0
pushWaiting(KEYS[2], KEYS[3], KEYS[4], jobId, priority, false)
addBaseMarkerIfNeeded(KEYS[5], KEYS[6], KEYS[7])
rcall("HSET", KEYS[9], "delay", 0)
rcall("XADD", KEYS[8], "MAXLEN", "~", eventsCap(KEYS[6], ARGV[2]), "*", "event", "waiting", "jobId", jobId, "prev", "delayed")
return 1
