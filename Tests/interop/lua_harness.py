"""Reference worker driving the Uvian Worker Lua scripts (Sources/UvianHost/Queue/Redis/Lua) with redis-py.

It calls every script with exactly the KEYS/ARGV of the contract written at the top of each
.lua file (the contract the Swift side follows), and makes the client-side decisions of a
BullMQ worker (retry/backoff §3.6, keepJobs from removeOnComplete/removeOnFail, `defa`).
Every timestamp is passed in by the caller, so tests can simulate the clock with `now=`.
"""
from __future__ import annotations

import itertools
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import redis

LUA_DIR = Path(__file__).resolve().parents[2] / "Sources" / "UvianHost" / "Queue" / "Redis" / "Lua"
SCRIPT_NAMES = [
    "addJob", "moveToActive", "moveToFinished", "moveToDelayed", "retryJob", "extendLocks",
    "moveStalledJobsToWait", "updateProgress", "addLog", "cancelJob", "releaseJob",
]


def now_ms() -> int:
    return int(time.time() * 1000)


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


SHARED_NAME = "_shared"  # helpers prepended to every script; never a script of its own


def script_source(name: str) -> str:
    """The text the Swift loader (RedisScript.load) sends: `_shared.lua` + "\n" + `<name>.lua`."""
    if name == SHARED_NAME:
        raise ValueError(f"{SHARED_NAME}.lua is prepended to every script, not loaded on its own")
    return (LUA_DIR / f"{SHARED_NAME}.lua").read_text() + "\n" + (LUA_DIR / f"{name}.lua").read_text()


class Scripts:
    """SCRIPT LOAD every script (`_shared.lua` + "\n" + the .lua file, as the Swift side does);
    EVALSHA with a reload on NOSCRIPT."""

    def __init__(self, r: redis.Redis):
        self.r = r
        self.src = {n: script_source(n) for n in SCRIPT_NAMES}
        self.sha = {n: r.script_load(s) for n, s in self.src.items()}

    def call(self, name: str, keys: list[str], args: list[Any]) -> Any:
        args = [a if isinstance(a, (str, bytes)) else str(a) for a in args]
        try:
            return self.r.evalsha(self.sha[name], len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            self.sha[name] = self.r.script_load(self.src[name])
            return self.r.evalsha(self.sha[name], len(keys), *keys, *args)


@dataclass
class Job:
    id: str
    fields: dict[str, str]
    token: str

    @property
    def opts(self) -> dict:
        return json.loads(self.fields.get("opts") or "{}")

    @property
    def data(self) -> Any:
        return json.loads(self.fields.get("data") or "null")

    @property
    def atm(self) -> int:
        return int(self.fields.get("atm") or self.fields.get("attemptsMade") or 0)


@dataclass
class Fetch:
    job: Optional[Job] = None
    rate_limit_ttl: int = 0
    next_due: int = 0


def active_jobs(reply: Any, token: str) -> list[Job]:
    """The jobs of a moveToActive reply (contract at the top of moveToActive.lua): the first at
    elements 1-2, any further ones as id, hash pairs from element 5; none when it took none."""
    if not reply or reply[0] is None:
        return []
    pairs = [(reply[0], reply[1])] + [(reply[i], reply[i + 1]) for i in range(4, len(reply), 2)]
    jobs = []
    for job_id, raw in pairs:
        flat = [_s(x) for x in raw]
        jobs.append(Job(_s(job_id), dict(zip(flat[::2], flat[1::2])), token))
    return jobs


def keep_jobs(setting: Any) -> tuple[int, str, str]:
    """removeOnComplete/removeOnFail → (count, age, limit) ARGV strings (§2.3)."""
    if isinstance(setting, bool) or setting is None:
        return (0 if setting else -1), "", ""
    if isinstance(setting, int):
        return setting, "", ""
    if isinstance(setting, dict):
        count = setting.get("count")
        age = setting.get("age")
        limit = setting.get("limit")
        return (-1 if count is None else int(count)), ("" if age is None else str(age)), \
            ("" if limit is None else str(limit))
    return -1, "", ""


def backoff_delay(backoff: Any, attempts_made: int) -> int:
    """Delay before retry number `attempts_made` (1-based), §2.3 (no jitter)."""
    if backoff is None:
        return 0
    if isinstance(backoff, (int, float)) and not isinstance(backoff, bool):
        backoff = {"type": "fixed", "delay": backoff}
    delay = int(backoff.get("delay") or 0)
    if backoff.get("type") == "exponential":
        return int(round(2 ** (attempts_made - 1) * delay))
    return delay


class RefWorker:
    def __init__(self, r: redis.Redis, queue: str, prefix: str = "bull", lock_duration: int = 30000,
                 limiter: Optional[tuple[int, int]] = None, max_stalled: int = 1,
                 stalled_interval: int = 30000, scripts: Optional[Scripts] = None):
        self.r = r
        self.P = f"{prefix}:{queue}:"
        self.lock_duration = lock_duration
        self.limiter = limiter
        self.max_stalled = max_stalled
        self.stalled_interval = stalled_interval
        self.scripts = scripts or Scripts(r)
        self.worker_id = uuid.uuid4().hex
        self._tokens = itertools.count(1)

    def k(self, suffix: str) -> str:
        return self.P + suffix

    # -- producer side (our addJob) ------------------------------------------------------
    def add(self, name: str, data: Any, opts: Optional[dict] = None, job_id: str = "",
            timestamp: Optional[int] = None) -> str:
        opts = dict(opts or {})
        opts.setdefault("attempts", 0)
        opts.setdefault("delay", 0)
        keys = [self.k(s) for s in ("wait", "prioritized", "delayed", "marker", "id", "events",
                                    "meta", "pc", "active")]
        args = [self.P, job_id, name, compact(data), compact(opts),
                timestamp if timestamp is not None else now_ms(), int(opts.get("delay") or 0),
                int(opts.get("priority") or 0), "1" if opts.get("lifo") else "0"]
        return _s(self.scripts.call("addJob", keys, args))

    # -- fetch ---------------------------------------------------------------------------
    def _limiter_args(self) -> tuple[str, str]:
        """The worker limiter's max and duration as the scripts take them ('' when none)."""
        return (str(self.limiter[0]), str(self.limiter[1])) if self.limiter else ("", "")

    def fetch(self, now: Optional[int] = None, token: Optional[str] = None) -> Fetch:
        return self.fetch_many(1, now, token)[1]

    def fetch_many(self, count: int, now: Optional[int] = None, token: Optional[str] = None) -> tuple[list[Job], Fetch]:
        """moveToActive with ARGV[7] count: up to `count` jobs in one call (all sharing `token`).
        Returns the jobs and, when none was taken, what the script said instead."""
        token = token or f"{self.worker_id}:{next(self._tokens)}"
        keys = [self.k(s) for s in ("wait", "active", "prioritized", "events", "stalled", "limiter",
                                    "delayed", "meta", "pc", "marker")]
        res = self.scripts.call("moveToActive", keys, [self.P, now or now_ms(), token,
                                                      self.lock_duration, *self._limiter_args(), str(count)])
        jobs = active_jobs(res, token)
        if not jobs:
            return [], Fetch(None, int(res[2]), int(res[3]))
        return jobs, Fetch(jobs[0])

    # -- finish --------------------------------------------------------------------------
    def _move_to_finished(self, job: Job, target: str, value: str, keep: Any, now: Optional[int],
                          stack_entry: str = "", stack_limit: str = "", next_token: Optional[str] = None) -> Any:
        """moveToFinished as the Swift worker calls it; with `next_token`, with fetch-next
        (ARGV[15]–[18], KEYS[10]–[12])."""
        count, age, limit = keep_jobs(keep)
        keys = [self.k("active"), self.k("events"), self.k("stalled"), self.k("meta"), self.k(target),
                self.k(job.id), self.k("wait"), self.k("prioritized"), self.k("marker")]
        attempts = int(job.opts.get("attempts") or 0)
        args = [self.P, job.id, job.token, now or now_ms(), target, value, count, age, limit,
                attempts, stack_entry, stack_limit]
        if next_token:
            keys += [self.k("limiter"), self.k("delayed"), self.k("pc")]
            args += ["", "", next_token, self.lock_duration, *self._limiter_args()]
        return self.scripts.call("moveToFinished", keys, args)

    def _finish(self, job: Job, target: str, value: str, keep: Any, now: Optional[int],
                stack_entry: str = "", stack_limit: str = "") -> int:
        return int(self._move_to_finished(job, target, value, keep, now, stack_entry, stack_limit))

    def complete_and_fetch(self, job: Job, value: Any, now: Optional[int] = None) -> tuple[Any, list[Job], Optional[Fetch]]:
        """The job completed and the worker's next job leased by the same moveToFinished call, as
        the Swift worker's finish does. Returns (code or None, the jobs leased, what the script
        said when it leased none)."""
        token = f"{self.worker_id}:{next(self._tokens)}"
        res = self._move_to_finished(job, "completed", compact(value), job.opts.get("removeOnComplete"), now, next_token=token)
        if not isinstance(res, list):
            return int(res), [], None
        jobs = active_jobs(res, token)
        return None, jobs, (None if jobs else Fetch(None, int(res[2]), int(res[3])))

    def complete(self, job: Job, value: Any, now: Optional[int] = None, keep: Any = "job") -> int:
        if keep == "job":
            keep = job.opts.get("removeOnComplete")
        return self._finish(job, "completed", compact(value), keep, now)

    def fail(self, job: Job, message: str, now: Optional[int] = None) -> tuple[str, int]:
        """Failure handling of §3.6. Returns (what, code) with what in delayed|retried|failed."""
        opts = job.opts
        now = now or now_ms()
        attempts = int(opts.get("attempts") or 0)
        entry = f"Error: {message}\n    at reference worker (attempt {job.atm + 1})"
        limit = opts.get("stackTraceLimit")
        limit = "" if limit is None else str(limit)
        if not job.fields.get("defa") and job.atm + 1 < attempts:
            delay = backoff_delay(opts.get("backoff"), job.atm + 1)
            if delay > 0:
                keys = [self.k(s) for s in ("marker", "active", "delayed")] + [
                    self.k(job.id), self.k("events"), self.k("meta"), self.k("stalled")]
                code = self.scripts.call("moveToDelayed", keys, [self.P, job.id, job.token, now,
                                                                 delay, message, entry, limit])
                return "delayed", int(code)
            keys = [self.k("active"), self.k("wait"), self.k(job.id), self.k("events"), self.k("meta"),
                    self.k("prioritized"), self.k("pc"), self.k("marker"), self.k("stalled")]
            code = self.scripts.call("retryJob", keys, [self.P, job.id, job.token, now, message, entry,
                                                        limit, "1" if opts.get("lifo") else "0"])
            return "retried", int(code)
        code = self._finish(job, "failed", message, opts.get("removeOnFail"), now, entry, limit)
        return "failed", code

    def process(self, job: Job, processor: Callable[[Job], Any], now: Optional[int] = None) -> tuple[str, int]:
        """Run `processor` (honouring `defa`) and finish the job accordingly."""
        if job.fields.get("defa"):
            return self.fail(job, job.fields["defa"], now)
        try:
            value = processor(job)
        except Exception as exc:  # noqa: BLE001 - a processor error is a job failure
            return self.fail(job, str(exc), now)
        return "completed", self.complete(job, value, now)

    def drain(self, processor: Callable[[Job], Any], now: Optional[int] = None, limit: int = 10000) -> list[str]:
        """Fetch and process until nothing is ready; returns the ids in processing order."""
        order = []
        for _ in range(limit):
            f = self.fetch(now)
            if f.job is None:
                break
            order.append(f.job.id)
            self.process(f.job, processor, now)
        return order

    # -- while processing ----------------------------------------------------------------
    def renew(self, jobs: list[Job]) -> tuple[list[str], list[str]]:
        args: list[Any] = [self.P, self.lock_duration]
        for j in jobs:
            args += [j.id, j.token]
        lost, cancelled = self.scripts.call("extendLocks", [self.k("stalled"), self.k("uvw:cancel")], args)
        return [_s(x) for x in lost], [_s(x) for x in cancelled]

    def progress(self, job_id: str, value: Any) -> int:
        return int(self.scripts.call("updateProgress", [self.k(job_id), self.k("events"), self.k("meta")],
                                     [job_id, compact(value)]))

    def log(self, job_id: str, line: str, keep_logs: Optional[int] = None) -> int:
        return int(self.scripts.call("addLog", [self.k(job_id), self.k(job_id + ":logs")],
                                     [line, "" if keep_logs is None else keep_logs]))

    # -- housekeeping --------------------------------------------------------------------
    def stalled_check(self, now: Optional[int] = None) -> list[str]:
        keys = [self.k(s) for s in ("stalled", "wait", "active", "stalled-check", "meta", "marker", "events")]
        res = self.scripts.call("moveStalledJobsToWait", keys, [self.P, self.max_stalled, now or now_ms(),
                                                                self.stalled_interval])
        return [_s(x) for x in res]

    def cancel(self, job_id: str, reason: str = "cancelled", now: Optional[int] = None) -> str:
        keys = [self.k(s) for s in ("wait", "prioritized", "delayed", "active", "failed")] + [
            self.k(job_id), self.k("events"), self.k("meta"), self.k("uvw:cancel")]
        return _s(self.scripts.call("cancelJob", keys, [self.P, job_id, now or now_ms(), reason]))

    def release(self, job: Job) -> int:
        keys = [self.k("active"), self.k("wait"), self.k(job.id), self.k("events"), self.k("meta"),
                self.k("marker"), self.k("stalled")]
        return int(self.scripts.call("releaseJob", keys, [self.P, job.id, job.token]))


def read_events(r: redis.Redis, events_key: str) -> list[dict[str, str]]:
    """XRANGE the events stream into a list of {field: value} (plus 'id')."""
    out = []
    for entry_id, fields in r.xrange(events_key):
        d = {_s(k): _s(v) for k, v in fields.items()}
        d["id"] = _s(entry_id)
        out.append(d)
    return out
