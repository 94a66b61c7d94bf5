--[[
  upsertSchedule.lua — create or replace a job scheduler and queue its first run, as BullMQ's
  Queue.upsertJobScheduler does (same keys and fields, so BullMQ's getJobSchedulers lists it and
  BullMQ's workers run it).

  KEYS[1] wait  KEYS[2] prioritized  KEYS[3] delayed  KEYS[4] marker  KEYS[5] events  KEYS[6] meta
  KEYS[7] pc    KEYS[8] active       KEYS[9] repeat (P..'repeat')

  ARGV[1] P            key base ending with ':'
  ARGV[2] id           the scheduler id
  ARGV[3] name         the runs' job name (the task type)
  ARGV[4] data         the runs' data (JSON text)
  ARGV[5] templateOpts the runs' job options (JSON text, BullMQ's), stored as the hash's `opts`
  ARGV[6] repeat       JSON: every, offset, pattern, tz, startDate, endDate, limit (those given)
  ARGV[7] cronFirst    ms of the first cron run, computed by the worker ('' for every)
  ARGV[8] now          ms
  ARGV[9] runs         uvw_runs: the cron times after cronFirst ('' for every)

  Every: the first run is BullMQ's (startDate, else the next slot of a given offset, else now;
  an unchanged `every` whose pending run is replaced keeps that run's time). A pending run not yet
  started is removed and replaced; `ic` is kept (1 for a new scheduler).
  Returns { runJobId, delayMs, ic, uvw_last or false }, or { false, 0 } when no run is left
  (endDate passed).
]]
local k = { wait = KEYS[1], prioritized = KEYS[2], delayed = KEYS[3], marker = KEYS[4], events = KEYS[5],
  meta = KEYS[6], pc = KEYS[7], active = KEYS[8] }
local repeatKey = KEYS[9]
local P, id, name, data, templateOpts = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local r = cjson.decode(ARGV[6])
local now = tonumber(ARGV[8])
local cap = eventsCap(k.meta)
local schedKey = repeatKey .. ":" .. id

local prev = tonumber(rcall("ZSCORE", repeatKey, id))
local every = tonumber(r["every"])
local nextRun = tonumber(ARGV[7])
local everyChanged = false
if every then
  local offset = tonumber(r["offset"]) or 0
  if prev and tonumber(rcall("HGET", schedKey, "every")) ~= every then everyChanged = true end
  local start = tonumber(r["startDate"])
  if start then
    nextRun = math.max(start, now)
  elseif offset > 0 then
    nextRun = math.floor(now / every) * every + offset
    if nextRun <= now then nextRun = nextRun + every end
  else
    nextRun = now
  end
end

-- The pending run, unless a worker has started it, is replaced.
local removed = false
if prev then
  local pendingId = "repeat:" .. id .. ":" .. istr(prev)
  local pendingKey = P .. pendingId
  if rcall("ZREM", k.delayed, pendingId) + rcall("ZREM", k.prioritized, pendingId) + rcall("LREM", k.wait, 0, pendingId) > 0 then
    rcall("DEL", pendingKey, pendingKey .. ":logs")
    rcall("XADD", k.events, "MAXLEN", "~", cap, "*", "event", "removed", "jobId", pendingId, "prev", "delayed")
    removed = true
  end
end
if removed and every and not everyChanged then nextRun = prev end

if not nextRun then return { false, 0 } end
local endDate = tonumber(r["endDate"])
if endDate and nextRun > endDate then return { false, 0 } end

-- A run of that time still going (started before this upsert): BullMQ steps an `every` scheduler
-- to its next free slot.
if every then
  local scans = 0
  while rcall("EXISTS", P .. "repeat:" .. id .. ":" .. istr(nextRun)) == 1 and scans < 32 do
    nextRun = nextRun + every
    scans = scans + 1
  end
end

local ic = rcall("HGET", schedKey, "ic") or "1"
local fields = { "name", name }
for _, f in ipairs({ "tz", "limit", "pattern", "startDate", "endDate", "every" }) do
  if r[f] ~= nil then
    fields[#fields + 1] = f
    if type(r[f]) == "number" then fields[#fields + 1] = istr(r[f]) else fields[#fields + 1] = tostring(r[f]) end
  end
end
if every then
  local offset = tonumber(r["offset"])
  if not offset or offset == 0 then offset = nextRun % every end
  fields[#fields + 1] = "offset"
  fields[#fields + 1] = istr(offset)
end
if templateOpts ~= "" and templateOpts ~= "{}" then
  fields[#fields + 1] = "opts"
  fields[#fields + 1] = templateOpts
end
if data ~= "" and data ~= "{}" then
  fields[#fields + 1] = "data"
  fields[#fields + 1] = data
end
fields[#fields + 1] = "ic"
fields[#fields + 1] = ic
if ARGV[9] ~= "" then
  fields[#fields + 1] = "uvw_runs"
  fields[#fields + 1] = ARGV[9]
end
local last = rcall("HGET", schedKey, "uvw_last")
if last then
  fields[#fields + 1] = "uvw_last"
  fields[#fields + 1] = last
end
rcall("DEL", schedKey)
rcall("HSET", schedKey, unpack(fields))

-- The first run's options: the template's, with BullMQ's repeat block.
local opts = scheduledRunOptions(templateOpts, tonumber(ic))
for _, f in ipairs({ "every", "pattern", "tz", "limit", "startDate", "endDate" }) do
  if r[f] ~= nil then opts["repeat"][f] = r[f] end
end
if every then opts["repeat"]["offset"] = tonumber(rcall("HGET", schedKey, "offset")) end
if not createScheduledRun(k, P, id, nextRun, now, opts, cap) then
  return redis.error_reply("ERR the run of scheduler " .. id .. " at " .. istr(nextRun) .. " exists already (it is running)")
end
local delay = nextRun - now
if delay < 0 then delay = 0 end
return { "repeat:" .. id .. ":" .. istr(nextRun), delay, tonumber(ic), last or false }
