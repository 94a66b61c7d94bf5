--[[
  extendLocks.lua — renew the locks of the jobs a worker owns; report lost locks and
  cancellation requests.

  KEYS[1] stalled    P..'stalled'
  KEYS[2] cancelSet  P..'uvw:cancel'  (set of job ids whose cancellation was requested)

  ARGV[1] P               key base ending with ':'; lock key = P..id..':lock'
  ARGV[2] lockDurationMs
  ARGV[3], ARGV[4]        id1, token1
  ARGV[5], ARGV[6]        id2, token2   … (pairs)

  For each pair: GET lock == token → SET lock token PX lockDuration and SREM stalled id;
  otherwise the lock is lost (nothing is changed for that id).

  Returns { {lost ids…}, {given ids that are members of cancelSet…} } (either may be empty).
]]
local stalledKey, cancelKey = KEYS[1], KEYS[2]
local P = ARGV[1]
local lockDuration = istr(tonumber(ARGV[2]) or 30000)

local lost, cancelled = {}, {}
for i = 3, #ARGV - 1, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local lockKey = P .. id .. ":lock"
  if rcall("GET", lockKey) == token then
    rcall("SET", lockKey, token, "PX", lockDuration)
    rcall("SREM", stalledKey, id)
  else
    lost[#lost + 1] = id
  end
  if rcall("SISMEMBER", cancelKey, id) == 1 then
    cancelled[#cancelled + 1] = id
  end
end
return { lost, cancelled }
