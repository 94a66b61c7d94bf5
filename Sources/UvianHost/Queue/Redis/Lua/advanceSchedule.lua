--[[
  advanceSchedule.lua — the worker's half of a cron scheduler's advance, for what the lease script
  could not do alone (it cannot compute cron times):
  with ARGV[4] a time: creates the run after `producer` at that time, when `producer` is still
  the scheduler's pending run (BullMQ's updateJobScheduler: the producer check and the run's id,
  made of the scheduler and the time, mean two workers never create a run twice);
  with ARGV[4] '': only stores the cron times ahead (uvw_runs), when `producer` is still pending.

  KEYS[1] wait  KEYS[2] prioritized  KEYS[3] delayed  KEYS[4] marker  KEYS[5] events  KEYS[6] meta
  KEYS[7] pc    KEYS[8] active       KEYS[9] repeat
  ARGV[1] P  ARGV[2] id  ARGV[3] producer (a run's job id)  ARGV[4] next run ms or ''
  ARGV[5] now  ARGV[6] uvw_runs (cron times after the next run, comma-separated)
  Returns the created run's job id, 'runs' (times stored), or false (nothing done).
]]
local k = { wait = KEYS[1], prioritized = KEYS[2], delayed = KEYS[3], marker = KEYS[4], events = KEYS[5],
  meta = KEYS[6], pc = KEYS[7], active = KEYS[8] }
local repeatKey = KEYS[9]
local P, id, producer = ARGV[1], ARGV[2], ARGV[3]
local now = tonumber(ARGV[5])
local prev = tonumber(rcall("ZSCORE", repeatKey, id))
if not prev or producer ~= "repeat:" .. id .. ":" .. istr(prev) then return false end
local schedKey = repeatKey .. ":" .. id
local nextRun = tonumber(ARGV[4])
if not nextRun then
  rcall("HSET", schedKey, "uvw_runs", ARGV[6])
  return "runs"
end
local s = rcall("HMGET", schedKey, "limit", "ic", "endDate")
local ic = tonumber(s[2]) or 1
if tonumber(s[1]) and ic >= tonumber(s[1]) then return false end
if tonumber(s[3]) and nextRun > tonumber(s[3]) then return false end
local opts = scheduledRunOptions(rcall("HGET", P .. producer, "opts"), ic + 1)
if not createScheduledRun(k, P, id, nextRun, now, opts, eventsCap(k.meta)) then return false end
rcall("HINCRBY", schedKey, "ic", 1)
rcall("HSET", schedKey, "uvw_runs", ARGV[6], "uvw_last", producer)
return "repeat:" .. id .. ":" .. istr(nextRun)
