--[[
  addFlow.lua — add a tree of jobs in one step, in BullMQ's flow layout (as its FlowProducer
  writes it), so BullMQ's tools and workers see the same tree.

  KEYS[1] wait  KEYS[2] prioritized  KEYS[3] delayed  KEYS[4] marker  KEYS[5] events  KEYS[6] meta
  KEYS[7] pc    KEYS[8] active       KEYS[9] waiting-children  KEYS[10] id

  ARGV[1] P      key base ending with ':'
  ARGV[2] now    ms
  ARGV[3] nodes  JSON array, parents before their children, each
                 { id, name, data (JSON text), opts (JSON text), delay, priority,
                   parent (the parent's id, absent for the root), failure ('fpof' | 'cpof' |
                   'idof' | 'rdof', absent), children (how many) }

  A node with children goes to waiting-children (event `waiting-children`) and its children's
  keys to its ':dependencies' set; a child's hash has parentKey and parent ({id, queueKey} and
  its failure option, as BullMQ's), so moveToFinished settles the parent. A node without
  children is queued as addJob queues one (delayed, prioritized or waiting, events `added`
  then `delayed`/`waiting`). Nothing is written when a node's id exists already: returns the
  error "ERR job <id> exists".
  Returns the number of nodes added.
]]
local k = { wait = KEYS[1], prioritized = KEYS[2], delayed = KEYS[3], marker = KEYS[4], events = KEYS[5],
  meta = KEYS[6], pc = KEYS[7], active = KEYS[8] }
local waitingChildrenKey, idKey = KEYS[9], KEYS[10]
local P = ARGV[1]
local now = tonumber(ARGV[2])
local nodes = cjson.decode(ARGV[3])
local queueKey = string.sub(P, 1, #P - 1)
local cap = eventsCap(k.meta)

for _, node in ipairs(nodes) do
  if rcall("EXISTS", P .. node["id"]) == 1 then
    return redis.error_reply("ERR job " .. node["id"] .. " exists")
  end
end

for _, node in ipairs(nodes) do
  local id = node["id"]
  local jobKey = P .. id
  local delay = tonumber(node["delay"]) or 0
  local priority = tonumber(node["priority"]) or 0
  rcall("INCR", idKey)
  rcall("HSET", jobKey, "name", node["name"], "data", node["data"], "opts", node["opts"], "timestamp", istr(now),
    "delay", istr(delay), "priority", istr(priority))
  if node["parent"] then
    local parent = { id = node["parent"], queueKey = queueKey }
    if node["failure"] then parent[node["failure"]] = true end
    rcall("HSET", jobKey, "parentKey", P .. node["parent"], "parent", cjson.encode(parent))
    rcall("SADD", P .. node["parent"] .. ":dependencies", jobKey)
  end
  rcall("XADD", k.events, "MAXLEN", "~", cap, "*", "event", "added", "jobId", id, "name", node["name"])
  if (tonumber(node["children"]) or 0) > 0 then
    rcall("ZADD", waitingChildrenKey, istr(now), id)
    rcall("XADD", k.events, "MAXLEN", "~", cap, "*", "event", "waiting-children", "jobId", id)
  else
    placeNewJob(k, id, now + delay, now, priority, false, cap)
  end
end
return #nodes
