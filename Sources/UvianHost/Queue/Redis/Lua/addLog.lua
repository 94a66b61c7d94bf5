--[[
  addLog.lua — append one log line to a job.

  KEYS[1] jobKey   P..jobId
  KEYS[2] logsKey  P..jobId..':logs'

  ARGV[1] line
  ARGV[2] keepLogs   keep only the last N lines; '' (or N <= 0, as BullMQ's LTRIM -0 -1) = keep all

  Returns the length of the log list after the append (and trim), or -1 when the job
  hash does not exist.
]]
if rcall("EXISTS", KEYS[1]) == 0 then return -1 end
local len = rcall("RPUSH", KEYS[2], ARGV[1])
local keep = tonumber(ARGV[2])
if keep and keep > 0 then
  if len > keep then
    rcall("LTRIM", KEYS[2], -keep, -1)
    return keep
  end
end
return len
