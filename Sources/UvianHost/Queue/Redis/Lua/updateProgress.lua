--[[
  updateProgress.lua — store the job's progress and emit a `progress` event.

  KEYS[1] jobKey  P..jobId
  KEYS[2] events  P..'events'
  KEYS[3] meta    P..'meta'

  ARGV[1] jobId
  ARGV[2] progressJSON   valid JSON (number or object), stored verbatim

  Returns 0, or -1 when the job hash does not exist.
  Effects: HSET progress; XADD events MAXLEN ~ cap * event progress jobId <id> data <json>.
]]
if rcall("EXISTS", KEYS[1]) == 0 then return -1 end
rcall("HSET", KEYS[1], "progress", ARGV[2])

local cap = eventsCap(KEYS[3])
rcall("XADD", KEYS[2], "MAXLEN", "~", cap, "*", "event", "progress", "jobId", ARGV[1], "data", ARGV[2])
return 0
