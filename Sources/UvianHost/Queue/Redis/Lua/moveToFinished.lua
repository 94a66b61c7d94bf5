--[[
  moveToFinished.lua — finish the active job: completed, or failed for good.

  KEYS[1] active       P..'active'
  KEYS[2] events       P..'events'
  KEYS[3] stalled      P..'stalled'
  KEYS[4] meta         P..'meta'
  KEYS[5] target       P..'completed' or P..'failed'
  KEYS[6] jobKey       P..jobId
  KEYS[7] wait         P..'wait'
  KEYS[8] prioritized  P..'prioritized'
  KEYS[9] marker       P..'marker'
  KEYS[10] limiter     P..'limiter'     (fetch-next only)
  KEYS[11] delayed     P..'delayed'     (fetch-next only)
  KEYS[12] pc          P..'pc'          (fetch-next only)

  ARGV[1]  P            key base ending with ':'
  ARGV[2]  jobId
  ARGV[3]  token        lock token ('0' = no lock check, BullMQ convention)
  ARGV[4]  now          ms (finishedOn and score in target)
  ARGV[5]  target       'completed' | 'failed'
  ARGV[6]  value        completed: JSON returnvalue; failed: failedReason text
  ARGV[7]  keepCount    -1 keep all, 0 delete this job now, N keep the newest N in target
  ARGV[8]  keepAge      seconds; '' = no age limit
  ARGV[9]  keepLimit    max jobs removed by age per call; '' = 1000
  ARGV[10] attempts     opts.attempts (integer) for `retries-exhausted`
  ARGV[11] stackEntry   failed only: string appended to the stacktrace JSON array; '' = none
  ARGV[12] stackLimit   keep the last N stacktrace entries ('0' = none); '' = unlimited
  ARGV[13] eventsCap    the events stream cap as the worker last read it from meta
                        (opts.maxLenEvents); '' = read it here
  ARGV[14] failedResult failed only: what the plugin reported beside its error, kept as the
                        job's returnvalue (JSON); '' or absent = none
  ARGV[15] nextToken    fetch-next: the lock token to lease the worker's next job with, as
                        moveToActive's ARGV[3]; '' or absent = finish only
  ARGV[16] lockDurationMs, ARGV[17] limiterMax, ARGV[18] limiterDurationMs: fetch-next only,
                        as moveToActive's ARGV[4]–ARGV[6] (one job is leased)

  Returns 0 (with fetch-next: moveToActive's reply for the next job), or: -1 job missing; -2 lock missing; -6 lock held by another token;
  -3 job not in active. Nothing is modified when a negative code is returned.

  Effects: DEL lock, SREM stalled, SREM P..'uvw:cancel' id, LREM active -1 id (the events
  stream is trimmed by the XADDs' MAXLEN ~ cap); release P..'de:'..deid (if expired, or without
  TTL and owned by this job);
  HINCRBY atm 1; keep: ZADD target now id + HSET returnvalue|failedReason, finishedOn
  (failed: stacktrace append, HDEL defa, HSET returnvalue failedResult when given), then age/count trimming of target (deleting the
  trimmed jobs' hash, :logs, :dependencies, :processed, :failed, :unsuccessful);
  keepCount 0: delete this job and its sub-keys instead.
  A child of a flow (parentKey / parent in its hash) settles its parent as BullMQ does: completed,
  its return value goes to the parent's :processed hash and it leaves :dependencies (the parent
  moves from waiting-children to wait when none is left); failed, the parent follows the child's
  fpof (defa "child <key> failed", parent to wait), cpof, idof or rdof option (settleParent in
  _shared.lua).
  Events: `completed jobId returnvalue prev active` | `failed jobId failedReason prev active`
  (+ `retries-exhausted jobId attemptsMade` when atm >= attempts); `drained` when wait, active
  and prioritized are all empty. Marker "0" when wait/prioritized still hold jobs and the queue
  is neither paused nor at global concurrency (a freed concurrency slot wakes idle workers).
  Fetch-next (ARGV[15] set): then, as BullMQ's moveToFinished with fetchNext does, the worker's
  next job is leased by moveToActive's steps (fetchJobs in _shared.lua), so a worker that keeps
  its slot busy pays one call per job instead of two.
]]
local activeKey, eventsKey, stalledKey, metaKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local targetKey, jobKey, waitKey, prioritizedKey, markerKey = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]

local P, jobId, token = ARGV[1], ARGV[2], ARGV[3]
local now = tonumber(ARGV[4])
local target = ARGV[5]
local value = ARGV[6]
local keepCount = tonumber(ARGV[7]) or -1
local keepAge = tonumber(ARGV[8])
local keepLimit = tonumber(ARGV[9]) or 1000
local attempts = tonumber(ARGV[10]) or 0
local stackEntry = ARGV[11] or ""
local stackLimit = ARGV[12] or ""
local givenCap = ARGV[13]
local failedResult = ARGV[14] or ""

local function removeJobKeys(key)
  rcall("DEL", key, key .. ":logs", key .. ":dependencies", key .. ":processed",
    key .. ":failed", key .. ":unsuccessful")
end

-- checks (no modification before all of them pass)
local rc, deid, parentKey, parentJSON = takeOwnActiveJob(jobKey, activeKey, jobId, token)
if rc ~= 0 then return rc end

releaseLock(jobKey, jobId, token, stalledKey)
rcall("SREM", P .. "uvw:cancel", jobId)

local cap = eventsCap(metaKey, givenCap)

releaseDeduplication(P, jobKey, jobId, deid or false)

local atm = rcall("HINCRBY", jobKey, "atm", 1)

local field = "returnvalue"
if target == "failed" then field = "failedReason" end

if keepCount ~= 0 then
  rcall("ZADD", targetKey, istr(now), jobId)
  rcall("HSET", jobKey, field, value, "finishedOn", istr(now))
  if target == "failed" then
    appendStacktrace(jobKey, stackEntry, stackLimit)
    rcall("HDEL", jobKey, "defa")
    if failedResult ~= "" then rcall("HSET", jobKey, "returnvalue", failedResult) end
  end
  if keepAge then
    local limit = keepLimit
    if limit <= 0 then limit = 1000 end
    local cutoff = now - keepAge * 1000
    local old = rcall("ZREVRANGEBYSCORE", targetKey, istr(cutoff), "-inf", "LIMIT", 0, limit)
    for _, id in ipairs(old) do removeJobKeys(P .. id) end
    if #old > 0 then callInBatches("ZREM", targetKey, old, 5000) end
  end
  if keepCount > 0 then
    local extra = rcall("ZREVRANGE", targetKey, keepCount, -1)
    for _, id in ipairs(extra) do removeJobKeys(P .. id) end
    if #extra > 0 then rcall("ZREMRANGEBYRANK", targetKey, 0, -(keepCount + 1)) end
  end
else
  removeJobKeys(jobKey)
end

if parentKey or parentJSON then
  settleParent(jobKey, parentKey or nil, parentJSON or nil, target, value, now, keepCount == 0)
end

rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", target, "jobId", jobId, field, value,
  "prev", "active")
if target == "failed" and atm >= attempts then
  rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "retries-exhausted", "jobId", jobId,
    "attemptsMade", istr(atm))
end

local nextToken = ARGV[15] or ""
local waiting = rcall("LLEN", waitKey) + rcall("ZCARD", prioritizedKey)
if waiting > 0 then
  addBaseMarkerIfNeeded(markerKey, metaKey, activeKey)
elseif rcall("LLEN", activeKey) == 0 then
  rcall("XADD", eventsKey, "MAXLEN", "~", cap, "*", "event", "drained")
end
if nextToken == "" then return 0 end
return fetchJobs(
  { wait = waitKey, active = activeKey, prioritized = prioritizedKey, events = eventsKey, limiter = KEYS[10],
    delayed = KEYS[11], meta = metaKey, pc = KEYS[12], marker = markerKey },
  { P = P, now = ARGV[4], token = nextToken, lockDurationMs = ARGV[16], limiterMax = ARGV[17],
    limiterDurationMs = ARGV[18], count = "1", eventsCap = istr(cap) })
