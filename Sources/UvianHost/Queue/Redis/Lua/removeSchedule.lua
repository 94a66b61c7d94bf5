--[[
  removeSchedule.lua — remove a job scheduler and its pending run (BullMQ's removeJobScheduler;
  a run already started goes on).

  KEYS[1] repeat  KEYS[2] delayed  KEYS[3] events  KEYS[4] wait  KEYS[5] prioritized
  ARGV[1] P   ARGV[2] id
  Returns 1 when the scheduler existed, 0 when not.
]]
local repeatKey, delayedKey, eventsKey, waitKey, prioritizedKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local P, id = ARGV[1], ARGV[2]
local millis = rcall("ZSCORE", repeatKey, id)
if millis then
  local pendingId = "repeat:" .. id .. ":" .. istr(tonumber(millis))
  if rcall("ZREM", delayedKey, pendingId) + rcall("ZREM", prioritizedKey, pendingId) + rcall("LREM", waitKey, 0, pendingId) > 0 then
    rcall("DEL", P .. pendingId, P .. pendingId .. ":logs")
    rcall("XADD", eventsKey, "*", "event", "removed", "jobId", pendingId, "prev", "delayed")
  end
end
if rcall("ZREM", repeatKey, id) == 1 then
  rcall("DEL", repeatKey .. ":" .. id)
  return 1
end
return 0
