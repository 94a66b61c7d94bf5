--[[
  cancelJob.lua (Uvian) — request cancellation of a job.

  KEYS[1] wait         P..'wait'
  KEYS[2] prioritized  P..'prioritized'
  KEYS[3] delayed      P..'delayed'
  KEYS[4] active       P..'active'
  KEYS[5] failed       P..'failed'
  KEYS[6] jobKey       P..jobId
  KEYS[7] events       P..'events'
  KEYS[8] meta         P..'meta'
  KEYS[9] cancelSet    P..'uvw:cancel'

  ARGV[1] P       key base ending with ':'
  ARGV[2] jobId
  ARGV[3] now     ms
  ARGV[4] reason  failedReason text for a job removed before it ran

  Returns a status string:
    "missing"   job hash does not exist
    "finished"  job is in P..'completed' or failed (nothing changed)
    "flagged"   job is active: SADD cancelSet id (the owning worker sees it via extendLocks
                and stops it; moveToFinished clears the flag)
    "removed"   job was waiting/prioritized/delayed: removed there, ZADD failed now id,
                HSET failedReason reason finishedOn now, SREM cancelSet id, deduplication key
                released as on finish, event `failed jobId <id> failedReason <reason> prev
                waiting` (prev `delayed` for a delayed job). atm is not incremented.
                A flow's parent waiting for its children is removed the same way; a flow's child
                settles its parent as a failed child (settleParent in _shared.lua).
    "unknown"   job exists but is in none of these states; unchanged
]]
local waitKey, prioritizedKey, delayedKey, activeKey, failedKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local jobKey, eventsKey, metaKey, cancelKey = KEYS[6], KEYS[7], KEYS[8], KEYS[9]

local P, jobId = ARGV[1], ARGV[2]
local now = istr(tonumber(ARGV[3]) or 0)
local reason = ARGV[4] or ""

if rcall("EXISTS", jobKey) == 0 then return "missing" end

if rcall("ZSCORE", P .. "completed", jobId) or rcall("ZSCORE", failedKey, jobId) then
  return "finished"
end

local function inList(key, id)
  local r = redis.pcall("LPOS", key, id)
  if type(r) == "table" and r.err then -- Redis < 6.0.6: scan
    for _, v in ipairs(rcall("LRANGE", key, 0, -1)) do
      if v == id then return true end
    end
    return false
  end
  return r ~= false and r ~= nil
end

if inList(activeKey, jobId) then
  rcall("SADD", cancelKey, jobId)
  return "flagged"
end

local prev = nil
if rcall("LREM", waitKey, 0, jobId) > 0 then
  prev = "waiting"
elseif rcall("ZREM", prioritizedKey, jobId) > 0 then
  prev = "waiting"
elseif rcall("ZREM", delayedKey, jobId) > 0 then
  prev = "delayed"
elseif rcall("LREM", P .. "paused", 0, jobId) > 0 then -- legacy (<= v5) paused list
  prev = "waiting"
elseif rcall("ZREM", P .. "waiting-children", jobId) > 0 then -- a flow's parent
  prev = "waiting-children"
end
if not prev then return "unknown" end

rcall("ZADD", failedKey, now, jobId)
rcall("HSET", jobKey, "failedReason", reason, "finishedOn", now)
rcall("SREM", cancelKey, jobId)

releaseDeduplication(P, jobKey, jobId)
-- A flow's child cancelled before it ran fails for its parent as any failed child does.
local family = rcall("HMGET", jobKey, "parentKey", "parent")
if family[1] or family[2] then settleParent(jobKey, family[1] or nil, family[2] or nil, "failed", reason, tonumber(now), false) end

local cap = eventsCap(metaKey)
rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "failed", "jobId", jobId,
  "failedReason", reason, "prev", prev)
return "removed"
