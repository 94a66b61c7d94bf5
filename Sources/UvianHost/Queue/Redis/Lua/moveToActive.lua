--[[
  moveToActive.lua — promote due delayed jobs, then take the next job and lock it.

  KEYS[1]  wait         P..'wait'
  KEYS[2]  active       P..'active'
  KEYS[3]  prioritized  P..'prioritized'
  KEYS[4]  events       P..'events'
  KEYS[5]  stalled      P..'stalled'   (not modified; kept for BullMQ key parity)
  KEYS[6]  limiter      P..'limiter'
  KEYS[7]  delayed      P..'delayed'
  KEYS[8]  meta         P..'meta'
  KEYS[9]  pc           P..'pc'
  KEYS[10] marker       P..'marker'

  ARGV[1] P                  key base ending with ':'
  ARGV[2] now                ms
  ARGV[3] token              lock token ('0' = take no lock, BullMQ convention)
  ARGV[4] lockDurationMs
  ARGV[5] limiterMax         '' = no worker limiter (meta max/duration still apply)
  ARGV[6] limiterDurationMs
  ARGV[7] count              jobs to take at most (a worker with that many free slots); '' = 1
  ARGV[8] eventsCap          the events stream cap as the worker last read it; '' = read meta

  Returns:
    jobs:          { jobId, {HGETALL flat field/value array}, 0, 0 [, jobId2, hash2, …] }
                   (count > 1: every further job taken follows as an id, hash pair)
    rate limited:  { nil, nil, ttlMs, 0 }          ttl = PTTL limiter
    nothing:       { nil, nil, 0, nextDueMs }      nextDue = earliest delayed due (0 if none;
                                                   always 0 while paused / at global concurrency)

  Steps: (1) up to 1000 due delayed jobs → wait (LPUSH) or prioritized, event
  `waiting jobId <id> prev delayed`, HSET delay 0, marker "0" unless paused/maxed;
  (2) rate limit: meta max/duration if meta max is set, else ARGV limiter; limited when
  GET limiter >= max and PTTL > 0; (3) paused/maxed → nothing; (4) RPOPLPUSH wait active
  (legacy "0:" ids dropped), else ZPOPMIN prioritized + LPUSH active (DEL pc when empty);
  (5) INCR limiter (+PEXPIRE on 1) unless job has `defa`; SET P..id..':lock' token PX;
  event `active jobId <id> prev waiting`; HSET processedOn now; HINCRBY ats 1;
  marker "0" unless paused/maxed. Steps (2)–(5) repeat for each further job up to count,
  stopping at the first that finds the queue limited, paused, maxed or empty; the marker is
  written once at the end. One call for many jobs: the meta read, the events cap and the delayed
  promotion are paid once, not once per job.
  The work is fetchJobs in _shared.lua (moveToFinished's fetch-next calls it too).
]]

return fetchJobs(
  { wait = KEYS[1], active = KEYS[2], prioritized = KEYS[3], events = KEYS[4], limiter = KEYS[6], delayed = KEYS[7],
    meta = KEYS[8], pc = KEYS[9], marker = KEYS[10] },
  { P = ARGV[1], now = ARGV[2], token = ARGV[3], lockDurationMs = ARGV[4], limiterMax = ARGV[5],
    limiterDurationMs = ARGV[6], count = ARGV[7], eventsCap = ARGV[8] })
