--[[
  queueOverview.lua (Uvian) — what the queue holds per state, and the job that has waited
  longest, in one call (GET /queue and the metrics).

  KEYS[1] wait              P..'wait'
  KEYS[2] prioritized       P..'prioritized'
  KEYS[3] delayed           P..'delayed'
  KEYS[4] active            P..'active'
  KEYS[5] completed         P..'completed'
  KEYS[6] failed            P..'failed'
  KEYS[7] waiting-children  P..'waiting-children'
  KEYS[8] meta              P..'meta'
  KEYS[9] paused            P..'paused' (the list of BullMQ ≤ 5, read while it may still hold jobs)

  ARGV[1] P  key base ending with ':'

  Returns {wait, prioritized, delayed, active, completed, failed, waiting-children, paused (0|1),
  oldest job id or false, the time it became runnable (ms: timestamp + delay) or false}.
  The oldest is the tail of wait (workers take from that end) or of the legacy paused list, or
  one of the first 1,000 prioritized jobs (by its place in the counter: a prioritized job's score
  is priority * 2^32 + the counter when it was added); which of those became runnable first.
]]
local P = ARGV[1]
local counts = {
  rcall("LLEN", KEYS[1]), rcall("ZCARD", KEYS[2]), rcall("ZCARD", KEYS[3]), rcall("LLEN", KEYS[4]),
  rcall("ZCARD", KEYS[5]), rcall("ZCARD", KEYS[6]), rcall("ZCARD", KEYS[7]),
  rcall("HEXISTS", KEYS[8], "paused"),
}

local candidates = {}
local tail = rcall("LINDEX", KEYS[1], -1)
if tail then candidates[#candidates + 1] = tail end
local legacy = rcall("LINDEX", KEYS[9], -1)
if legacy then candidates[#candidates + 1] = legacy end
local firstAdded, firstId = nil, nil
local prioritized = rcall("ZRANGE", KEYS[2], 0, 999, "WITHSCORES")
for i = 1, #prioritized, 2 do
  local added = tonumber(prioritized[i + 1]) % 4294967296
  if not firstAdded or added < firstAdded then firstAdded, firstId = added, prioritized[i] end
end
if firstId then candidates[#candidates + 1] = firstId end

local oldestId, oldestSince = false, false
for _, id in ipairs(candidates) do
  local fields = rcall("HMGET", P .. id, "timestamp", "delay")
  local since = (tonumber(fields[1]) or 0) + (tonumber(fields[2]) or 0)
  if fields[1] and (not oldestSince or since < oldestSince) then oldestId, oldestSince = id, since end
end
counts[#counts + 1] = oldestId
counts[#counts + 1] = oldestSince and istr(oldestSince) or false
return counts
