--[[
  moveStalledJobsToWait.lua — stalled-job check (throttled to once per stalledInterval).

  KEYS[1] stalled       P..'stalled'
  KEYS[2] wait          P..'wait'
  KEYS[3] active        P..'active'
  KEYS[4] stalledCheck  P..'stalled-check'
  KEYS[5] meta          P..'meta'
  KEYS[6] marker        P..'marker'
  KEYS[7] events        P..'events'

  ARGV[1] P                  key base ending with ':'
  ARGV[2] maxStalledCount    (BullMQ default 1)
  ARGV[3] now                ms
  ARGV[4] stalledIntervalMs

  Returns the array of recovered job ids (empty when throttled or nothing stalled).

  If stalledCheck exists → return {} at once. Else SET stalledCheck now PX stalledInterval;
  XTRIM events MAXLEN ~ cap. For every id in SMEMBERS stalled (then DEL stalled): legacy "0:"
  ids are LREMoved from active; otherwise if P..id..':lock' does not exist and
  LREM active 1 id removed it: HINCRBY stc 1; if stc > maxStalledCount (and the job is not a
  live scheduler job: `rjk` pointing at an existing P..'repeat:'..rjk hash or member of
  P..'repeat') HSET defa "job stalled more than allowable limit"; RPUSH wait id (served next);
  marker "0" unless paused or at global concurrency; events `waiting jobId <id> prev active`
  and `stalled jobId <id>`. Finally SADD stalled every id currently in active.
]]
local stalledKey, waitKey, activeKey, checkKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local metaKey, markerKey, eventsKey = KEYS[5], KEYS[6], KEYS[7]

local P = ARGV[1]
local maxStalled = tonumber(ARGV[2]) or 1
local now = ARGV[3]
local interval = istr(tonumber(ARGV[4]) or 30000)

if rcall("EXISTS", checkKey) == 1 then
  return {}
end
rcall("SET", checkKey, now, "PX", interval)

local cap = eventsCap(metaKey)
rcall("XTRIM", eventsKey, "MAXLEN", "~", cap)

local recovered = {}
local suspects = rcall("SMEMBERS", stalledKey)
if #suspects > 0 then
  rcall("DEL", stalledKey)
  for _, id in ipairs(suspects) do
    if string.sub(id, 1, 2) == "0:" then
      rcall("LREM", activeKey, 1, id)
    else
      local jobKey = P .. id
      if rcall("EXISTS", jobKey .. ":lock") == 0 and rcall("LREM", activeKey, 1, id) > 0 then
        local stc = rcall("HINCRBY", jobKey, "stc", 1)
        local scheduled = false
        local rjk = rcall("HGET", jobKey, "rjk")
        if rjk then
          if rcall("EXISTS", P .. "repeat:" .. rjk) == 1 or rcall("ZSCORE", P .. "repeat", rjk) then
            scheduled = true
          end
        end
        if stc > maxStalled and not scheduled then
          rcall("HSET", jobKey, "defa", "job stalled more than allowable limit")
        end
        rcall("RPUSH", waitKey, id)
        addBaseMarkerIfNeeded(markerKey, metaKey, activeKey)
        rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "waiting", "jobId", id, "prev", "active")
        rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "stalled", "jobId", id)
        recovered[#recovered + 1] = id
      end
    end
  end
end

callInBatches("SADD", stalledKey, rcall("LRANGE", activeKey, 0, -1), 5000)
return recovered
