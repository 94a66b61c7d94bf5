"""BullMQ interop suite: the real `uvian-worker serve` against a private redis-server.

PyPI `bullmq` 3.4.4 (`Queue`, `Job`, `QueueEvents`) adds the jobs and judges the Redis state the
worker leaves behind, case by case as in §6 of ../shared/reference/bullmq-protocol.md (key layout
§1, job hash §2, lifecycle §3, events §4). Each test runs its own worker process(es) on its own
queue name; one redis-server serves the module (flushed before every test), and the Redis-restart
test gets a durable server of its own.

Run:  python3 -m pytest -q Tests/interop/test_worker_interop.py -x
Needs: redis-server (>= 6.2) on PATH, the debug build (.build/debug/uvian-worker and
libDataPlugin.so), Plugins/examples/hello-c/build/libhello-c.so, and PyPI bullmq + redis + pytest.
No other package.
"""
from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import redis
from bullmq import Job, Queue, QueueEvents

from redis_server import RedisServer

REPO = Path(__file__).resolve().parents[2]
WORKER_BIN = REPO / ".build" / "debug" / "uvian-worker"
DATA_PLUGIN_DIR = REPO / ".build" / "debug"
HELLO_C_DIR = REPO / "Plugins" / "examples" / "hello-c"
HELLO_C = HELLO_C_DIR / "build" / "libhello-c.so"
PREFIX = "bull"
STALLED_REASON = "job stalled more than allowable limit"
# The worker's own settings: never inherited from the caller's environment.
WORKER_ENV = {
    "HOST", "PORT", "DATA_DIR", "PLUGINS_CONFIG", "MAX_CONCURRENT_TASKS", "MAX_TASK_TIMEOUT", "QUEUE_NAME",
    "WORKER_ID", "LEASE_SECONDS", "POLL_INTERVAL_MS", "SHUTDOWN_TIMEOUT", "CANCEL_GRACE_SECONDS", "API_KEY",
    "REDIS_URL", "QUEUE_PREFIX", "EVENTS_CHANNEL", "STALLED_INTERVAL_MS", "MAX_STALLED_COUNT", "LOG_LEVEL",
    "LOG_FORMAT", "ENVIRONMENT", "HELLO_GREETING",
}


# ---------------------------------------------------------------------------------------------
# Processes: redis-server and uvian-worker
# ---------------------------------------------------------------------------------------------

def write_plugins_yaml(path: Path) -> None:
    path.write_text(
        "plugin_dirs:\n"
        f"  - {DATA_PLUGIN_DIR}\n"
        "plugins:\n"
        "  - name: data\n"
        "    max_concurrency: 16\n"
        "    timeout_s: 60\n"
        "    config: {}\n"
        "  - name: hello-c\n"
        f"    path: {HELLO_C}\n"
        "    max_concurrency: 16\n"
        "    timeout_s: 60\n"
        "    config:\n"
        "      greeting: hello\n")


def worker_env(workdir: Path, plugins: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker on the embedded backends with its own DATA_DIR, a free port and
    JSON logs, none of this process's worker settings leaking in; `extra` adds or overrides. The
    plugins file may sit in a temporary directory: files it names beside itself
    (`${UVW_CONFIG_DIR}`) are the repository's."""
    env = {k: v for k, v in os.environ.items() if k not in WORKER_ENV and k not in ("DATABASE_URL", "DB_SCHEMA")}
    env.update({
        "PORT": "0", "HOST": "127.0.0.1", "DATA_DIR": str(workdir / "data"), "PLUGINS_CONFIG": str(plugins),
        "LOG_FORMAT": "json", "LOG_LEVEL": "info", "SHUTDOWN_TIMEOUT": "2", "UVW_CONFIG_DIR": str(REPO),
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


class WorkerProc:
    """One `uvian-worker serve` process with its own DATA_DIR and JSON log file."""

    def __init__(self, env: dict[str, str], workdir: Path):
        self.env = env
        self.workdir = workdir
        self.log_path = workdir / "worker.log"
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None

    def start(self, timeout: float = 30) -> "WorkerProc":
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(WORKER_BIN), "serve"], env=self.env, cwd=self.workdir,
                                     stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            for entry in self.log_entries():
                if entry.get("message") == "http.listening":
                    self.port = int(entry["http.port"])
                    return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode} before listening:\n{self.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker did not log http.listening within {timeout}s:\n{self.log_text()[-3000:]}")
            time.sleep(0.02)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_entries(self) -> list[dict]:
        entries = []
        for line in self.log_text().splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    pass
        return entries

    def http(self, method: str, path: str, body: Any = None, timeout: float = 10) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def execute(self, task_type: str, parameters: dict, wait: int = 30) -> dict:
        """`POST /execute?wait=…`: the task, which must have ended (completed or failed) within `wait`."""
        code, task = self.http("POST", f"/execute?wait={wait}", {"task_type": task_type, "parameters": parameters},
                               timeout=wait + 10)
        assert code in (200, 202), task
        assert task["status"] in ("completed", "failed"), task
        return task

    def task_ids(self, status: Optional[str] = None) -> set[str]:
        query = "/tasks?limit=1000" + (f"&status={status}" if status else "")
        code, body = self.http("GET", query)
        assert code == 200, body
        return {t["task_id"] for t in body["tasks"]}

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float = 8) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def prerequisites():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    if not WORKER_BIN.exists() or not (DATA_PLUGIN_DIR / "libDataPlugin.so").exists():
        pytest.skip("the debug build is missing (.build/debug/uvian-worker, libDataPlugin.so)")
    if not HELLO_C.exists():
        subprocess.run(["make", "-C", str(HELLO_C_DIR)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def plugins_yaml(tmp_root, prerequisites) -> Path:
    path = tmp_root / "plugins.yaml"
    write_plugins_yaml(path)
    return path


@pytest.fixture(scope="module")
def redis_server(tmp_root, prerequisites):
    server = RedisServer(tmp_root / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def r(redis_server):
    """A plain redis-py client (str replies) on the module's server, flushed before each test."""
    client = redis.Redis(port=redis_server.port, decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def qname(request) -> str:
    """A queue name no other test uses."""
    return "it-" + re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)[:40] + "-" + uuid.uuid4().hex[:6]


@pytest.fixture
def spawn(tmp_root, plugins_yaml):
    """`spawn(redis_url, queue, **env)` starts a worker and waits for http.listening; every worker
    is stopped (SIGTERM, then SIGKILL) when the test ends."""
    started: list[WorkerProc] = []

    def _spawn(url: str, queue: str, **extra: Any) -> WorkerProc:
        workdir = tmp_root / "workers" / f"{queue}-{len(started)}-{uuid.uuid4().hex[:4]}"
        env = {k: v for k, v in os.environ.items() if k not in WORKER_ENV}
        env.update({
            "REDIS_URL": url, "QUEUE_NAME": queue, "QUEUE_PREFIX": PREFIX, "PORT": "0", "HOST": "127.0.0.1",
            "DATA_DIR": str(workdir / "data"), "PLUGINS_CONFIG": str(plugins_yaml), "LOG_FORMAT": "json",
            "SHUTDOWN_TIMEOUT": "1", "WORKER_ID": f"w{len(started)}-{uuid.uuid4().hex[:6]}",
        })
        env.update({k: str(v) for k, v in extra.items()})
        worker = WorkerProc(env, workdir)
        started.append(worker)
        return worker.start()

    yield _spawn
    # SIGTERM, then SIGKILL after 1.5 s: an idle Redis-backed worker currently needs up to its
    # drain delay to exit (see test_idle_worker_exits_promptly_on_sigterm), which would cost ~5 s
    # per test here.
    for worker in started:
        worker.terminate()
    for worker in started:
        worker.wait_stopped(timeout=1.5)
    # Shown by pytest only when the test fails.
    for worker in started:
        print(f"--- log of worker {worker.env['WORKER_ID']} (last 4000 chars) ---\n{worker.log_text()[-4000:]}")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def key(q: str, suffix: str) -> str:
    return f"{PREFIX}:{q}:{suffix}"


def now_ms() -> int:
    return int(time.time() * 1000)


def entry_ms(entry_id: str) -> int:
    return int(entry_id.split("-")[0])


def events(r: redis.Redis, q: str) -> list[dict]:
    """The events stream as dicts, each with its entry id under `_id`."""
    return [dict(fields, _id=eid) for eid, fields in r.xrange(key(q, "events"))]


def job_events(r: redis.Redis, q: str, job_id: str, name: Optional[str] = None) -> list[dict]:
    return [e for e in events(r, q) if e.get("jobId") == str(job_id) and (name is None or e["event"] == name)]


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.03) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


async def await_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.03) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
        await asyncio.sleep(interval)


def finished_count(r: redis.Redis, q: str) -> int:
    return r.zcard(key(q, "completed")) + r.zcard(key(q, "failed"))


def wait_finished(r: redis.Redis, q: str, n: int, timeout: float) -> None:
    wait_until(lambda: finished_count(r, q) >= n, timeout,
               f"{n} jobs completed/failed in {q} (have {finished_count(r, q)}; "
               f"wait={r.llen(key(q, 'wait'))} active={r.llen(key(q, 'active'))} delayed={r.zcard(key(q, 'delayed'))})")


def wait_event(r: redis.Redis, q: str, name: str, job_id: str, timeout: float) -> dict:
    return wait_until(lambda: (job_events(r, q, job_id, name) or [None])[0], timeout, f"event {name} for job {job_id}")


def wait_active(r: redis.Redis, q: str, job_id: str, ats: int, timeout: float) -> None:
    """Until the job is in `active`, holds a lock and its `ats` reached `ats`."""
    def ok():
        return (str(job_id) in r.lrange(key(q, "active"), 0, -1) and r.exists(key(q, f"{job_id}:lock"))
                and int(r.hget(key(q, job_id), "ats") or 0) >= ats)
    wait_until(ok, timeout, f"job {job_id} active (attempt {ats}) with a lock")


def wait_blocked(r: redis.Redis, timeout: float) -> None:
    """Until a client (the test's idle worker: each test has the server to itself) is blocked in BZPOPMIN."""
    wait_until(lambda: any(c.get("cmd") == "bzpopmin" and "b" in c.get("flags", "") for c in r.client_list()), timeout,
               "the worker to go idle, blocked on the marker (BZPOPMIN)")


@contextlib.asynccontextmanager
async def bull_queue(url: str, name: str):
    queue = Queue(name, {"connection": url, "prefix": PREFIX})
    try:
        yield queue
    finally:
        await queue.close()


class EventLog:
    """A Python QueueEvents reading the stream from its start, recording (event, args)."""

    NAMES = ("added", "waiting", "active", "progress", "completed", "failed", "delayed", "retries-exhausted",
             "stalled", "paused", "resumed")

    def __init__(self, url: str, name: str):
        self.seen: list[tuple[str, dict]] = []
        self.qe = QueueEvents(name, {"connection": url, "prefix": PREFIX, "lastEventId": "0-0", "blockingTimeout": 300})
        for event in self.NAMES:
            self.qe.on(event, lambda args, entry_id, event=event: self.seen.append((event, dict(args))))

    def of(self, event: str, job_id: Optional[str] = None) -> list[dict]:
        return [a for e, a in self.seen if e == event and (job_id is None or a.get("jobId") == str(job_id))]

    async def close(self) -> None:
        await self.qe.close()


async def job_of(queue: Queue, job_id: str) -> Job:
    job = await Job.fromId(queue, str(job_id))
    assert job is not None, f"Job.fromId({job_id!r}) returned None"
    return job


# ---------------------------------------------------------------------------------------------
# 1. Main flow
# ---------------------------------------------------------------------------------------------

def test_main_flow_completes_with_json_returnvalue(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            log = EventLog(redis_server.url, qname)
            added = await q.add("data_processing", {"operation": "sum", "data": [1, 2, 3]})
            await await_until(lambda: log.of("completed", added.id) or log.of("failed", added.id), 10,
                              "QueueEvents to see the job finish")
            job = await job_of(q, added.id)
            state = await job.getState()
            counts = await q.getJobCounts()
            await log.close()

            expected = {"count": 3, "operation": "sum", "sum": 6}
            assert state == "completed", (state, job.failedReason)
            assert job.name == "data_processing" and job.data == {"operation": "sum", "data": [1, 2, 3]}
            assert job.returnvalue == expected
            assert json.loads(r.hget(key(qname, added.id), "returnvalue")) == expected, "returnvalue must be JSON text"
            assert job.finishedOn >= job.processedOn >= job.timestamp > 0, (job.timestamp, job.processedOn, job.finishedOn)
            assert job.attemptsMade == 1 and job.attemptsStarted == 1, (job.attemptsMade, job.attemptsStarted)
            assert r.zscore(key(qname, "completed"), added.id) == job.finishedOn, "completed score must be finishedOn"
            assert not r.exists(key(qname, f"{added.id}:lock")), "the lock must be released"
            for name in ("waiting", "active", "delayed", "prioritized"):
                assert counts.get(name, 0) == 0, counts
            assert counts["completed"] == 1, counts
            assert [a["prev"] for a in log.of("active", added.id)] == ["waiting"]
            completed = log.of("completed", added.id)
            assert len(completed) == 1 and completed[0]["returnvalue"] == expected and completed[0]["prev"] == "active", completed
            assert not log.of("failed", added.id)

    asyncio.run(body())


def test_the_store_records_bullmq_jobs_started_in_a_batch_or_with_their_outcome(redis_server, r, spawn, qname):
    """Issue 20: a BullMQ-produced job's `processing` record is written in a batch beside the job,
    and one that ends before its batch records its start with its outcome. Either way
    `GET /task/{id}` has who ran which attempt since when: a short job (start and outcome in one
    write), a job long enough to be seen processing (the batch's write first), and a backlog drained
    by one slot whose finishes lease the next job (fetch-next: one script call per job)."""
    worker = spawn(redis_server.url, qname, MAX_CONCURRENT_TASKS=1)
    worker_id = worker.env["WORKER_ID"]

    def check_record(job_id: str, status: str) -> dict:
        code, task = worker.http("GET", f"/task/{job_id}")
        assert code == 200 and task["status"] == status, task
        assert task["attempts"] == 1 and task["worker_id"] == worker_id, task
        assert task["started_at"] and task["created_at"] <= task["started_at"], task
        if status == "completed":
            assert task["finished_at"] and task["started_at"] <= task["finished_at"], task
        return task

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            short = await q.add("echo", {"n": 1})
            wait_event(r, qname, "completed", short.id, 10)
            check_record(short.id, "completed")

            long = await q.add("sleep", {"ms": 1500})
            wait_active(r, qname, long.id, 1, 5)
            # The batch is written within its 20 ms linger: the record shows the job processing.
            await await_until(lambda: worker.http("GET", f"/task/{long.id}")[1].get("status") == "processing", 2,
                              "the running job's record")
            check_record(long.id, "processing")
            wait_event(r, qname, "completed", long.id, 10)
            check_record(long.id, "completed")

            before = {k.split("_", 1)[1]: int(v["calls"]) for k, v in r.info("commandstats").items()}
            backlog = [(await q.add("echo", {"n": i})).id for i in range(200)]
            wait_finished(r, qname, 202, 30)
            after = {k.split("_", 1)[1]: int(v["calls"]) for k, v in r.info("commandstats").items()}
            scripts = after.get("evalsha", 0) - before.get("evalsha", 0)
            # A job costs the producer's addJob, the echo plugin's log line (addLog) and the finish,
            # which leases the next job; a separate moveToActive per job would add 200 more.
            assert scripts <= 200 * 3 + 20, f"{scripts} script calls for 200 jobs"
            for job_id in backlog[::40]:
                check_record(job_id, "completed")

    asyncio.run(body())


def test_progress_and_logs_reach_job_hash_and_events(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            log = EventLog(redis_server.url, qname)
            sleeper = await q.add("sleep", {"ms": 300})
            echo = await q.add("echo", {"hello": "world"})
            await await_until(lambda: len(log.of("completed")) + len(log.of("failed")) >= 2, 10, "both jobs to finish")
            await log.close()
            job = await job_of(q, sleeper.id)
            assert await job.getState() == "completed", job.failedReason
            assert job.returnvalue == {"slept_ms": 300}
            progress = log.of("progress", sleeper.id)
            assert progress, "QueueEvents saw no progress event for the sleep job"
            # data is JSON (QueueEvents decodes it) and the hash holds the last one, also as JSON.
            assert all(not isinstance(p["data"], str) for p in progress), progress
            assert job.progress == progress[-1]["data"], (job.progress, progress[-1])
            json.loads(r.hget(key(qname, sleeper.id), "progress"))
            logs = await q.getJobLogs(echo.id)
            assert logs["count"] >= 1 and any("echo" in line for line in logs["logs"]), logs
            assert (await job_of(q, echo.id)).returnvalue == {"echo": {"hello": "world"}}

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 2. Retries and backoff
# ---------------------------------------------------------------------------------------------

def test_retries_with_fixed_exponential_and_immediate_backoff(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            log = EventLog(redis_server.url, qname)
            fixed = await q.add("sleep", {"ms": 30, "fail": True}, {"attempts": 3, "backoff": {"type": "fixed", "delay": 200}})
            expo = await q.add("sleep", {"ms": 30, "fail": True}, {"attempts": 3, "backoff": {"type": "exponential", "delay": 100}})
            immediate = await q.add("sleep", {"ms": 30, "fail": True}, {"attempts": 2})
            limited = await q.add("sleep", {"ms": 30, "fail": True}, {"attempts": 3, "backoff": 50, "stackTraceLimit": 1})
            ids = [fixed.id, expo.id, immediate.id, limited.id]
            await await_until(lambda: all(log.of("failed", i) for i in ids), 10, "QueueEvents to see three final failures")
            await asyncio.sleep(0.1)  # let any (wrong) late event arrive
            await log.close()

            for job_id, attempts, backoffs in ((fixed.id, 3, [200, 200]), (expo.id, 3, [100, 200]), (immediate.id, 2, [])):
                job = await job_of(q, job_id)
                assert await job.getState() == "failed", (job_id, await job.getState())
                assert job.attemptsMade == attempts and job.attemptsStarted == attempts, (job_id, job.attemptsMade, job.attemptsStarted)
                assert job.failedReason == "asked to fail", job.failedReason
                assert isinstance(job.stacktrace, list) and len(job.stacktrace) == attempts, (job_id, job.stacktrace)
                assert all(isinstance(s, str) for s in job.stacktrace)
                failed = log.of("failed", job_id)
                assert len(failed) == 1 and failed[0]["failedReason"] == "asked to fail" and failed[0]["prev"] == "active", failed
                exhausted = job_events(r, qname, job_id, "retries-exhausted")
                assert len(exhausted) == 1 and exhausted[0]["attemptsMade"] == str(attempts), exhausted
                assert len(job_events(r, qname, job_id, "active")) == attempts

                stream = job_events(r, qname, job_id)
                delayed = [e for e in stream if e["event"] == "delayed"]
                assert len(delayed) == len(backoffs), (job_id, delayed)
                for e, backoff in zip(delayed, backoffs):
                    # `delay` is the absolute due time (§4): about emit time + backoff.
                    # (the worker's clock is read just before the XADD, so the difference is <= 0 by the call's lag)
                    lag = int(e["delay"]) - backoff - entry_ms(e["_id"])
                    assert -90 <= lag <= 20, f"job {job_id}: due time {e['delay']} is not emit time + {backoff} ms ({e})"
                    nxt = next(x for x in stream if x["_id"] > e["_id"] and x["event"] == "active")
                    assert entry_ms(nxt["_id"]) >= int(e["delay"]) - 5, f"attempt started before its backoff ended: {e} {nxt}"
                requeued = [e for e in stream if e["event"] == "waiting" and e.get("prev") == "active"]
                assert len(requeued) == (attempts - 1 if not backoffs else 0), (job_id, requeued)

            limited_job = await job_of(q, limited.id)
            assert limited_job.attemptsMade == 3 and await limited_job.getState() == "failed"
            assert limited_job.stacktrace == ["asked to fail"], f"stackTraceLimit 1 must keep one entry: {limited_job.stacktrace}"

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 3. Delayed jobs
# ---------------------------------------------------------------------------------------------

def test_delayed_job_starts_at_due_time_without_another_add(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)
    wait_blocked(r, 10)  # idle (blocked on the marker) before the add

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            added = await q.add("echo", {"d": 1}, {"delay": 1500})
            assert await q.getJobState(added.id) == "delayed"
            wait_event(r, qname, "completed", added.id, 8)
            job = await job_of(q, added.id)
            late = job.processedOn - (job.timestamp + 1500)
            assert late >= 0, f"started {-late} ms before timestamp+delay"
            assert late < 1000, f"started {late} ms after its due time (no self-wake at the due time?)"
            assert job.delay == 0, f"promotion must reset the hash's delay to 0, found {job.delay}"
            prevs = [(e["event"], e.get("prev")) for e in job_events(r, qname, added.id)]
            assert ("waiting", "delayed") in prevs, prevs

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 4. Priorities
# ---------------------------------------------------------------------------------------------

def test_priorities_run_plain_first_then_lowest_priority(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname, MAX_CONCURRENT_TASKS=1)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            blocker = await q.add("sleep", {"ms": 700})
            wait_active(r, qname, blocker.id, 1, 5)
            p3 = await q.add("echo", {"p": 3}, {"priority": 3})
            p1 = await q.add("echo", {"p": 1}, {"priority": 1})
            p2 = await q.add("echo", {"p": 2}, {"priority": 2})
            plain = await q.add("echo", {"p": 0})
            assert await q.getJobState(p1.id) == "prioritized"
            counts = await q.getJobCounts()
            assert counts["prioritized"] == 3 and counts["waiting"] == 1, counts
            wait_finished(r, qname, 5, 10)
            order = [e["jobId"] for e in events(r, qname) if e["event"] == "active"]
            assert order == [blocker.id, plain.id, p1.id, p2.id, p3.id], order
            processed = [(await job_of(q, j.id)).processedOn for j in (plain, p1, p2, p3)]
            assert processed == sorted(processed), processed

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 5. removeOnComplete / removeOnFail
# ---------------------------------------------------------------------------------------------

def test_remove_on_complete_and_fail(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname, MAX_CONCURRENT_TASKS=1)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            async def run(name, data, opts, event="completed"):
                job = await q.add(name, data, opts)
                wait_event(r, qname, event, job.id, 8)
                return job.id

            def completed():
                return r.zrange(key(qname, "completed"), 0, -1)

            # true: deleted at once, the event still emitted
            gone = [await run("echo", {"i": i}, {"removeOnComplete": True}) for i in range(2)]
            for job_id in gone:
                assert await Job.fromId(q, job_id) is None, f"job {job_id} with removeOnComplete=true still exists"
                assert not r.exists(key(qname, job_id)) and not r.exists(key(qname, f"{job_id}:logs"))
                assert len(job_events(r, qname, job_id, "completed")) == 1
            assert completed() == []

            # N: only the newest N kept
            kept = [await run("echo", {"i": i}, {"removeOnComplete": 2}) for i in range(4)]
            assert completed() == kept[2:], (completed(), kept)
            assert [await Job.fromId(q, j) is None for j in kept] == [True, True, False, False]

            # {count, age}: count 1 keeps only this one
            one = await run("echo", {"x": 1}, {"removeOnComplete": {"count": 1, "age": 3600}})
            assert completed() == [one], completed()
            assert await Job.fromId(q, kept[3]) is None

            # {age}: a later finish removes jobs that finished more than `age` seconds before it
            first = await run("echo", {"age": 1}, {"removeOnComplete": {"age": 1}})
            assert set(completed()) == {one, first}
            await asyncio.sleep(1.2)  # wall-clock time on purpose: `first` must be more than `age` (1 s) old
            second = await run("echo", {"age": 2}, {"removeOnComplete": {"age": 1}})
            assert completed() == [second], f"after age trimming expected only {second}, found {completed()}"
            assert await Job.fromId(q, first) is None and await Job.fromId(q, one) is None

            # removeOnFail true: deleted, failed event still emitted
            failed_gone = await run("no_such_task_type", {}, {"removeOnFail": True}, "failed")
            assert await Job.fromId(q, failed_gone) is None
            assert r.zrange(key(qname, "failed"), 0, -1) == []
            assert len(job_events(r, qname, failed_gone, "failed")) == 1
            # removeOnFail N
            fails = [await run("no_such_task_type", {"i": i}, {"removeOnFail": 1}, "failed") for i in range(2)]
            assert r.zrange(key(qname, "failed"), 0, -1) == fails[1:]
            assert await Job.fromId(q, fails[0]) is None

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 6. Stalled jobs
# ---------------------------------------------------------------------------------------------

FAST_STALL = dict(LEASE_SECONDS=1, STALLED_INTERVAL_MS=500, MAX_STALLED_COUNT=1)


def test_stalled_job_is_recovered_by_another_worker(redis_server, r, spawn, qname):
    a = spawn(redis_server.url, qname, **FAST_STALL)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            added = await q.add("sleep", {"ms": 1500})
            wait_active(r, qname, added.id, 1, 5)
            a.kill9()
            spawn(redis_server.url, qname, **FAST_STALL)
            wait_event(r, qname, "completed", added.id, 12)
            job = await job_of(q, added.id)
            assert await job.getState() == "completed"
            assert job.returnvalue == {"slept_ms": 1500}
            assert job.stalledCounter == 1 and job.attemptsStarted == 2 and job.attemptsMade == 1, \
                (job.stalledCounter, job.attemptsStarted, job.attemptsMade)
            assert len(job_events(r, qname, added.id, "stalled")) == 1
            assert [e.get("prev") for e in job_events(r, qname, added.id, "waiting")] == [None, "active"]
            assert len(job_events(r, qname, added.id, "completed")) == 1
            assert r.llen(key(qname, "active")) == 0

    asyncio.run(body())


def test_job_stalled_past_max_stalled_count_fails(redis_server, r, spawn, qname):
    a = spawn(redis_server.url, qname, **FAST_STALL)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            added = await q.add("sleep", {"ms": 5000})
            wait_active(r, qname, added.id, 1, 5)
            a.kill9()
            b = spawn(redis_server.url, qname, **FAST_STALL)
            wait_active(r, qname, added.id, 2, 8)
            b.kill9()
            spawn(redis_server.url, qname, **FAST_STALL)
            wait_event(r, qname, "failed", added.id, 10)
            job = await job_of(q, added.id)
            assert await job.getState() == "failed"
            assert job.failedReason == STALLED_REASON, job.failedReason
            assert job.stalledCounter == 2 and job.attemptsMade == 1, (job.stalledCounter, job.attemptsMade)
            assert job.attemptsStarted == 3, f"ats {job.attemptsStarted}: the defa fetch is an attempt start (§3.7 obs: ats=3)"
            assert not r.hexists(key(qname, added.id), "defa"), "defa must be removed when the job is failed"
            assert len(job_events(r, qname, added.id, "stalled")) == 2
            failed = job_events(r, qname, added.id, "failed")
            assert len(failed) == 1 and failed[0]["failedReason"] == STALLED_REASON
            assert len(job_events(r, qname, added.id, "retries-exhausted")) == 1
            assert not job_events(r, qname, added.id, "completed")

    asyncio.run(body())


def test_stalled_check_period_follows_stalled_interval_not_lease(redis_server, r, spawn, qname):
    """A job left in `active` without a lock (its worker died long ago) is recovered within about
    two STALLED_INTERVAL_MS, even with the default 30 s lease."""
    spawn(redis_server.url, qname, STALLED_INTERVAL_MS=500)
    # Past the start-up check: it sets stalled-check (for STALLED_INTERVAL_MS).
    wait_until(lambda: r.exists(key(qname, "stalled-check")), 10, "the worker's start-up stalled check")

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            await q.pause()
            added = await q.add("echo", {"orphan": True})
            # Simulate a worker that took the job and died: in active, no lock.
            assert r.lrem(key(qname, "wait"), 0, added.id) == 1
            r.lpush(key(qname, "active"), added.id)
            r.hset(key(qname, added.id), mapping={"processedOn": now_ms(), "ats": 1})
            await q.resume()
            start = time.monotonic()
            wait_event(r, qname, "completed", added.id, 4)
            job = await job_of(q, added.id)
            assert job.stalledCounter == 1, job.stalledCounter
            assert time.monotonic() - start < 4

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 7. Lock ownership
# ---------------------------------------------------------------------------------------------

def test_lost_lock_finish_emits_nothing_and_job_completes_once(redis_server, r, spawn, qname):
    worker = spawn(redis_server.url, qname, **FAST_STALL)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            added = await q.add("sleep", {"ms": 1200})
            wait_active(r, qname, added.id, 1, 5)
            lock = key(qname, f"{added.id}:lock")
            original = r.get(lock)
            r.set(lock, "intruder-token", px=60000)
            # Wait until the worker's run is over and its finish was refused.
            wait_until(lambda: any(e.get("task.id") == added.id and e.get("message") in ("task.ownership.lost", "queue.ownership.lost",
                                                                                          "task.lease.lost.dropped")
                                   for e in worker.log_entries()), 6, "the worker to log the lost ownership")
            await asyncio.sleep(0.3)  # nothing to wait for: let a (wrong) late event of the refused finish arrive
            assert not job_events(r, qname, added.id, "completed"), "the worker finished a job whose lock it no longer held"
            assert not job_events(r, qname, added.id, "failed")
            assert not job_events(r, qname, added.id, "delayed")
            assert await q.getJobState(added.id) == "active"
            fields = r.hgetall(key(qname, added.id))
            assert "finishedOn" not in fields and "returnvalue" not in fields, fields
            assert r.get(lock) == "intruder-token", "the worker overwrote or deleted another token's lock"
            assert original and original != "intruder-token"

            # The intruder goes away without finishing: the stalled check hands the job back and it
            # completes exactly once.
            r.delete(lock)
            wait_event(r, qname, "completed", added.id, 10)
            await asyncio.sleep(0.3)  # let a (wrong) second completion arrive
            job = await job_of(q, added.id)
            assert await job.getState() == "completed"
            assert len(job_events(r, qname, added.id, "completed")) == 1
            assert job.stalledCounter == 1 and job.attemptsStarted == 2, (job.stalledCounter, job.attemptsStarted)

    asyncio.run(body())


def test_a_stale_run_is_stopped_and_the_new_run_keeps_its_lock(redis_server, r, spawn, qname):
    """Bug: after the stalled check recovered a job whose lock had expired under a slow run, this
    same worker leased it again while the stale run still executed; the stale run's end removed
    the lease renewal by job id, so the new run's lock expired and the next stalled check failed
    the job ("job stalled more than allowable limit") while the plugin still ran it. The stale run
    is now told to stop as soon as its lock is found lost, and touches nothing of the new run."""
    worker = spawn(redis_server.url, qname, MAX_CONCURRENT_TASKS=10, LEASE_SECONDS=1, STALLED_INTERVAL_MS=300, MAX_STALLED_COUNT=1)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            added = await q.add("sleep", {"ms": 4000})
            wait_active(r, qname, added.id, 1, 5)
            # Well into the run, its lock expires (as when the worker's renewal came too late): a
            # delay on purpose, so the stale run still has ~2 s to go when the job is leased again.
            await asyncio.sleep(2.0)
            r.delete(key(qname, f"{added.id}:lock"))
            wait_active(r, qname, added.id, 2, 5)
            wait_until(lambda: job_events(r, qname, added.id, "completed") or job_events(r, qname, added.id, "failed"),
                       12, "the job to finish")
            await asyncio.sleep(0.5)  # let a (wrong) late failure or second completion arrive
            job = await job_of(q, added.id)
            assert await job.getState() == "completed", job.failedReason
            assert job.returnvalue == {"slept_ms": 4000}
            assert job.stalledCounter == 1 and job.attemptsStarted == 2, (job.stalledCounter, job.attemptsStarted)
            assert not job_events(r, qname, added.id, "failed")
            assert len(job_events(r, qname, added.id, "completed")) == 1
            lost = [e for e in worker.log_entries() if e.get("message") == "task.lease.lost" and e.get("task.id") == added.id]
            assert lost and lost[0].get("task.running") == "true", lost
            code, task = worker.http("GET", f"/task/{added.id}")
            # A recovery from a stall is not an attempt (BullMQ's attemptsMade stays 1).
            assert code == 200 and task["status"] == "completed" and task["attempts"] == 1, task

    asyncio.run(body())


def test_a_failed_jobs_result_is_kept_beside_its_failed_reason(redis_server, r, spawn, qname, tmp_root):
    """Bug: what a plugin reported with its failure was dropped; it is the job's returnvalue now,
    next to failedReason, and the task's result."""
    plugins = tmp_root / f"plugins-{qname}.yaml"
    taskinfo = tmp_root / "libtaskinfo.so"
    subprocess.run(["cc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-shared", "-fPIC", "-I", str(REPO / "Sources" / "PluginAPI" / "include"),
                    str(REPO / "Tests" / "HostTests" / "Fixtures" / "c-plugins" / "taskinfo.c"), "-o", str(taskinfo)], check=True)
    plugins.write_text(f"plugins:\n  - name: taskinfo\n    path: {taskinfo}\n")
    worker = spawn(redis_server.url, qname, PLUGINS_CONFIG=plugins)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            added = await q.add("flaky_until_third", {}, {"attempts": 2})
            wait_event(r, qname, "failed", added.id, 10)
            job = await job_of(q, added.id)
            assert await job.getState() == "failed"
            assert job.failedReason == "attempt 2 of 2 fails on purpose"
            assert job.returnvalue == {"attempt": 2}, job.returnvalue
            assert job.attemptsMade == 2
            code, task = worker.http("GET", f"/task/{added.id}")
            assert code == 200 and task["status"] == "failed" and task["result"] == {"attempt": 2}, task

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 8. Pause, global concurrency, global rate limit, LIFO, events cap, defa, deduplication
# ---------------------------------------------------------------------------------------------

def test_pause_and_resume(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            await q.pause()
            jobs = [await q.add("echo", {"i": i}) for i in range(3)]
            await asyncio.sleep(1.0)  # nothing to wait for: a paused queue must hand out nothing in this time
            counts = await q.getJobCounts()
            assert counts["waiting"] == 3 and counts["active"] == 0 and counts["completed"] == 0, counts
            assert not [e for e in events(r, qname) if e["event"] == "active"]
            assert await q.isPaused()
            await q.resume()
            start = time.monotonic()
            wait_finished(r, qname, 3, 6)
            assert time.monotonic() - start < 3, "resume's marker did not wake the worker (waited a drain delay?)"
            for j in jobs:
                assert await q.getJobState(j.id) == "completed"

    asyncio.run(body())


def test_global_concurrency(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            await q.setGlobalConcurrency(1)
            jobs = [await q.add("sleep", {"ms": 250}) for _ in range(4)]
            peak = 0
            deadline = time.monotonic() + 10
            while finished_count(r, qname) < 4:
                peak = max(peak, r.llen(key(qname, "active")))
                assert time.monotonic() < deadline, "jobs did not finish"
                await asyncio.sleep(0.01)
            assert peak <= 1, f"{peak} jobs active at once with meta concurrency 1"
            loaded = [await job_of(q, j.id) for j in jobs]
            spans = sorted((j.processedOn, j.finishedOn) for j in loaded)
            for (s1, f1), (s2, _) in zip(spans, spans[1:]):
                assert s2 >= f1, f"overlapping runs {spans}"
            assert [await q.getJobState(j.id) for j in jobs] == ["completed"] * len(jobs)

    asyncio.run(body())


def test_global_rate_limit(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            await q.setGlobalRateLimit(2, 1000)
            def script_calls():
                stats = r.info("commandstats")
                return sum(stats.get(k, {}).get("calls", 0) for k in ("cmdstat_evalsha", "cmdstat_eval"))

            jobs = await q.addBulk([{"name": "echo", "data": {"i": i}} for i in range(6)])
            before = script_calls()
            wait_finished(r, qname, 6, 10)  # polls with ZCARD only
            calls = script_calls() - before
            assert calls < 100, f"{calls} script calls for 6 rate-limited jobs: the worker spins instead of sleeping the TTL"
            starts = sorted([(await job_of(q, j.id)).processedOn for j in jobs])
            span = starts[-1] - starts[0]
            assert starts[2] - starts[0] >= 980 and starts[4] - starts[0] >= 1980, f"more than 2 jobs per 1000 ms: {starts}"
            assert span < 3500, f"6 jobs at 2/s took {span} ms: the worker should sleep the limiter TTL, not a drain delay"
            assert [await q.getJobState(j.id) for j in jobs] == ["completed"] * len(jobs)

    asyncio.run(body())


def test_lifo_job_jumps_the_line(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname, MAX_CONCURRENT_TASKS=1)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            blocker = await q.add("sleep", {"ms": 600})
            wait_active(r, qname, blocker.id, 1, 5)
            a = await q.add("echo", {"n": "a"})
            b = await q.add("echo", {"n": "b"})
            c = await q.add("echo", {"n": "c"}, {"lifo": True})
            wait_finished(r, qname, 4, 10)
            order = [e["jobId"] for e in events(r, qname) if e["event"] == "active"]
            assert order == [blocker.id, c.id, a.id, b.id], order

    asyncio.run(body())


def test_events_stream_is_capped_by_max_len_events(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            r.hset(key(qname, "meta"), "opts.maxLenEvents", 100)
            await q.addBulk([{"name": "echo", "data": {"i": i}} for i in range(300)])
            wait_finished(r, qname, 300, 30)
            assert r.zcard(key(qname, "completed")) == 300
            length = r.xlen(key(qname, "events"))
            assert length <= 250, f"events stream has {length} entries with opts.maxLenEvents=100 (300 jobs ~ 1200 events)"

    asyncio.run(body())


def test_deferred_failure_fails_without_running(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            await q.pause()
            added = await q.add("sleep", {"ms": 200}, {"attempts": 3, "backoff": 100})
            r.hset(key(qname, added.id), "defa", "deferred by the test")
            await q.resume()
            wait_event(r, qname, "failed", added.id, 6)
            await asyncio.sleep(0.3)  # let a (wrong) run's progress or a retry show up
            job = await job_of(q, added.id)
            assert await job.getState() == "failed"
            assert job.failedReason == "deferred by the test", job.failedReason
            assert job.attemptsMade == 1, job.attemptsMade
            assert not r.hexists(key(qname, added.id), "defa")
            assert not job_events(r, qname, added.id, "progress"), "the job ran although it had defa"
            assert not job_events(r, qname, added.id, "delayed"), "a defa failure must not be retried"
            assert job.returnvalue is None

    asyncio.run(body())


def test_deduplication_key_released_on_finish(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            await q.pause()
            first = await q.add("echo", {"v": 1}, {"deduplication": {"id": "k1"}})
            dup = await q.add("echo", {"v": 2}, {"deduplication": {"id": "k1"}})
            assert dup.id == first.id and r.get(key(qname, "de:k1")) == first.id
            await q.resume()
            # The script that emitted `completed` released the key: no wait needed.
            wait_event(r, qname, "completed", first.id, 6)
            assert not r.exists(key(qname, "de:k1")), "finishing the job must release its deduplication key (§3.5 step 5)"
            later = await q.add("echo", {"v": 3}, {"deduplication": {"id": "k1"}})
            assert later.id != first.id
            wait_event(r, qname, "completed", later.id, 6)
            assert (await job_of(q, later.id)).returnvalue == {"echo": {"v": 3}}

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 9. Unknown task type, invalid parameters
# ---------------------------------------------------------------------------------------------

def test_unknown_task_type_and_invalid_parameters_fail_at_once(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            opts = {"attempts": 3, "backoff": {"type": "fixed", "delay": 100}}
            unknown = await q.add("no_such_task", {"x": 1}, opts)
            invalid = await q.add("data_processing", {"operation": "bogus", "data": [1]}, opts)
            bad_sleep = await q.add("sleep", {"ms": "soon"}, opts)
            # Its reason goes back in commands the worker writes itself: lengths in bytes, not characters.
            accented = await q.add("tâche_inconnue_✓", {"x": ""}, opts)
            ids = [unknown.id, invalid.id, bad_sleep.id, accented.id]
            wait_finished(r, qname, 4, 6)
            await asyncio.sleep(0.3)  # let a (wrong) retry or second failure show up
            reasons = {}
            for job_id in ids:
                job = await job_of(q, job_id)
                assert await job.getState() == "failed", (job_id, await job.getState())
                assert job.attemptsMade == 1 and job.attemptsStarted == 1, (job_id, job.attemptsMade, job.attemptsStarted)
                assert job.finishedOn - job.timestamp < 2000
                assert len(job.stacktrace) == 1, job.stacktrace
                assert not job_events(r, qname, job_id, "delayed"), f"job {job_id} was retried"
                assert len(job_events(r, qname, job_id, "failed")) == 1
                reasons[job_id] = job.failedReason
            assert "no_such_task" in reasons[unknown.id], reasons
            assert "operation" in reasons[invalid.id], reasons
            assert "ms" in reasons[bad_sleep.id], reasons
            assert "'tâche_inconnue_✓'" in reasons[accented.id], reasons
            assert r.ping()

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 10. Redis restart in the middle of a run
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def durable_redis(tmp_root, prerequisites):
    server = RedisServer(tmp_root / f"redis-durable-{uuid.uuid4().hex[:6]}", durable=True)
    server.start()
    yield server
    server.stop()


def test_redis_restart_mid_run(durable_redis, spawn, qname):
    # Redis stays down longer than the lease, so the locks of the jobs running at the crash expire:
    # their finishes are refused after the reconnect and the stalled check must hand them back.
    worker = spawn(durable_redis.url, qname, MAX_CONCURRENT_TASKS=4, LEASE_SECONDS=1, STALLED_INTERVAL_MS=500)
    r = redis.Redis(port=durable_redis.port, decode_responses=True)

    async def body():
        async with bull_queue(durable_redis.url, qname) as q:
            jobs = await q.addBulk([{"name": "sleep", "data": {"ms": 200}} for _ in range(30)])
        ids = [j.id for j in jobs]
        wait_until(lambda: r.zcard(key(qname, "completed")) >= 5, 10, "5 jobs completed before the restart")
        r.close()
        durable_redis.stop(signal.SIGKILL)  # a crash; appendfsync always keeps every write
        time.sleep(2.5)  # down on purpose for longer than the 1 s lease
        durable_redis.start()
        assert worker.alive, "the worker exited while Redis was down"
        r2 = redis.Redis(port=durable_redis.port, decode_responses=True)
        try:
            wait_until(lambda: finished_count(r2, qname) >= 30, 30,
                       f"all 30 jobs finished after the restart (completed={r2.zcard(key(qname, 'completed'))} "
                       f"failed={r2.zcard(key(qname, 'failed'))} active={r2.lrange(key(qname, 'active'), 0, -1)} "
                       f"wait={r2.llen(key(qname, 'wait'))})")
            async with bull_queue(durable_redis.url, qname) as q:
                counts = await q.getJobCounts()
                assert counts["completed"] == 30 and counts["failed"] == 0, counts
                for name in ("active", "waiting", "delayed", "prioritized"):
                    assert counts[name] == 0, counts
                states = Counter([await q.getJobState(i) for i in ids])
                assert states == Counter({"completed": 30}), states
                # The worker still takes new work after the reconnect.
                start = time.monotonic()
                extra = await q.add("echo", {"after": "restart"})
                wait_event(r2, qname, "completed", extra.id, 8)
                assert time.monotonic() - start < 3, "a job added after the restart waited more than 3 s"
        finally:
            r2.close()

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 11. Two workers sharing a queue
# ---------------------------------------------------------------------------------------------

def test_two_workers_share_a_queue_each_job_once(redis_server, r, spawn, qname):
    a = spawn(redis_server.url, qname, MAX_CONCURRENT_TASKS=4)
    b = spawn(redis_server.url, qname, MAX_CONCURRENT_TASKS=4)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            jobs = await q.addBulk([{"name": "echo", "data": {"i": i}} for i in range(200)])
            ids = {j.id for j in jobs}
            wait_finished(r, qname, 200, 30)
            counts = await q.getJobCounts()
            assert counts["completed"] == 200, counts
            stream = events(r, qname)
            active = Counter(e["jobId"] for e in stream if e["event"] == "active")
            completed = Counter(e["jobId"] for e in stream if e["event"] == "completed")
            assert set(active) == ids and set(active.values()) == {1}, {k: v for k, v in active.items() if v != 1}
            assert set(completed) == ids and set(completed.values()) == {1}
            ran_a = a.task_ids("completed")
            ran_b = b.task_ids("completed")
            assert not ran_a & ran_b, f"jobs run by both workers: {sorted(ran_a & ran_b)[:10]}"
            assert ran_a | ran_b == ids, f"missing from both stores: {sorted(ids - (ran_a | ran_b))[:10]}"
            assert ran_a and ran_b, f"one worker did everything (a={len(ran_a)}, b={len(ran_b)})"

    asyncio.run(body())


def test_batched_fetch_and_pipelined_finishes_survive_script_flush(redis_server, r, spawn, qname):
    """At concurrency 20 the worker leases several jobs per moveToActive and pipelines its
    finishes; SCRIPT FLUSH in the middle (what a Redis failover to a fresh replica looks like)
    makes every pipelined EVALSHA answer NOSCRIPT at once: each is reloaded and resent, and
    every job still completes exactly once."""
    spawn(redis_server.url, qname, MAX_CONCURRENT_TASKS=20)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            jobs = await q.addBulk([{"name": "echo", "data": {"i": i}} for i in range(3000)])
            ids = {j.id for j in jobs}
            wait_until(lambda: r.zcard(key(qname, "completed")) >= 100, 20, "100 jobs completed")
            r.script_flush()
            assert r.zcard(key(qname, "completed")) < 3000, "the flush came after the last job"
            wait_finished(r, qname, 3000, 60)
            counts = await q.getJobCounts()
            assert counts["completed"] == 3000 and counts.get("failed", 0) == 0, counts
            stream = events(r, qname)
            active = Counter(e["jobId"] for e in stream if e["event"] == "active")
            completed = Counter(e["jobId"] for e in stream if e["event"] == "completed")
            assert set(active) == ids and set(active.values()) == {1}
            assert set(completed) == ids and set(completed.values()) == {1}
            for job_id in ids:
                data = json.loads(r.hget(key(qname, job_id), "data"))
                assert json.loads(r.hget(key(qname, job_id), "returnvalue")) == {"echo": data}, job_id

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# 12. Pub/sub
# ---------------------------------------------------------------------------------------------

def test_task_events_published_on_redis_channel(redis_server, r, spawn, qname):
    spawn(redis_server.url, qname)
    pubsub = r.pubsub()
    pubsub.subscribe("uvw:events")
    wait_until(lambda: (pubsub.get_message(timeout=0.05) or {}).get("type") == "subscribe", 5, "the subscription")

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            return await q.add("data_processing", {"operation": "sum", "data": [2, 3]})

    added = asyncio.run(body())
    got: dict[str, dict] = {}

    def receive():
        message = pubsub.get_message(timeout=0.1)
        if message and message["type"] == "message":
            event = json.loads(message["data"])
            if event.get("task_id") == added.id:
                got.setdefault(event["event"], event)
        return "task.completed" in got

    try:
        wait_until(receive, 10, "task.completed on uvw:events", interval=0)
    finally:
        pubsub.close()
    assert "task.processing" in got, sorted(got)
    done = got["task.completed"]
    assert set(done) >= {"event", "task_id", "task_type", "timestamp", "data"}, done
    assert done["task_type"] == "data_processing"
    assert done["data"].get("result") == {"count": 2, "operation": "sum", "sum": 5}, done


def test_every_event_reaches_the_channel_under_load(redis_server, r, spawn, qname):
    """4,000 jobs at concurrency 32: every job's task.processing and task.completed arrive on
    the channel, each once, and a job's processing comes before its completed."""
    spawn(redis_server.url, qname, MAX_CONCURRENT_TASKS=32)
    pubsub = r.pubsub()
    pubsub.subscribe("uvw:events")
    wait_until(lambda: (pubsub.get_message(timeout=0.05) or {}).get("type") == "subscribe", 5, "the subscription")

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            return {j.id for j in await q.addBulk([{"name": "echo", "data": {"i": i}} for i in range(4000)])}

    ids = asyncio.run(body())
    seen: list[tuple[str, str]] = []

    def receive():
        while True:
            message = pubsub.get_message(timeout=0.05)
            if not message:
                break
            if message["type"] == "message":
                event = json.loads(message["data"])
                seen.append((event["event"], event["task_id"]))
        return sum(1 for kind, _ in seen if kind == "task.completed") >= 4000

    try:
        wait_until(receive, 60, "4,000 task.completed events on uvw:events", interval=0)
        time.sleep(0.3)  # let a (wrong) duplicate event arrive
        receive()
    finally:
        pubsub.close()
    processing = Counter(task for kind, task in seen if kind == "task.processing")
    completed = Counter(task for kind, task in seen if kind == "task.completed")
    assert set(processing) == ids and set(processing.values()) == {1}
    assert set(completed) == ids and set(completed.values()) == {1}
    order = {(kind, task): index for index, (kind, task) in enumerate(seen)}
    assert all(order[("task.processing", t)] < order[("task.completed", t)] for t in ids)


# ---------------------------------------------------------------------------------------------
# 13. Producer side: POST /execute, GET /task/{id}
# ---------------------------------------------------------------------------------------------

def test_execute_adds_a_bullmq_job_and_task_shows_python_jobs(redis_server, r, spawn, qname):
    worker = spawn(redis_server.url, qname)

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            params = {"x": [1, 2], "s": "héllo"}
            code, answer = worker.http("POST", "/execute", {
                "task_type": "echo", "parameters": params,
                "options": {"attempts": 3, "backoff": {"type": "exponential", "delay": 250}, "delay_ms": 600, "priority": 2}})
            assert code == 202, answer
            task_id = answer["task_id"]
            job = await job_of(q, task_id)
            assert job.name == "echo" and job.data == params, (job.name, job.data)
            assert job.opts.get("attempts") == 3, job.opts
            assert job.opts.get("backoff") == {"type": "exponential", "delay": 250}, job.opts
            assert job.opts.get("delay") == 600 and job.opts.get("priority") == 2, job.opts
            assert job.delay == 600 and job.priority == 2 and job.timestamp > 0
            assert await job.getState() == "delayed"
            added = job_events(r, qname, task_id, "added")
            assert len(added) == 1 and added[0]["name"] == "echo", added
            assert job_events(r, qname, task_id, "delayed")

            wait_event(r, qname, "completed", task_id, 8)
            job = await job_of(q, task_id)
            assert await job.getState() == "completed"
            assert job.returnvalue == {"echo": params}
            assert job.processedOn >= job.timestamp + 600
            code, record = worker.http("GET", f"/task/{task_id}")
            assert code == 200 and record["status"] == "completed", record

            # A plain job through /execute (no delay, no priority) is in wait with a marker, and runs.
            code, answer = worker.http("POST", "/execute", {"task_type": "data_processing", "parameters": {"operation": "sum", "data": [4, 5]}})
            assert code == 202, answer
            wait_event(r, qname, "completed", answer["task_id"], 6)
            assert (await job_of(q, answer["task_id"])).returnvalue == {"count": 2, "operation": "sum", "sum": 9}

            # A job added by Python shows up in GET /task/{id} once picked up.
            py = await q.add("data_processing", {"operation": "sum", "data": [1, 2, 3]})
            wait_event(r, qname, "completed", py.id, 6)
            code, record = worker.http("GET", f"/task/{py.id}")
            assert code == 200, record
            assert record["status"] == "completed" and record["task_type"] == "data_processing", record
            assert record["result"] == {"count": 3, "operation": "sum", "sum": 6}, record
            assert record["parameters"] == {"operation": "sum", "data": [1, 2, 3]}, record

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# Shutdown
# ---------------------------------------------------------------------------------------------

def test_idle_worker_exits_promptly_on_sigterm(redis_server, r, spawn, qname):
    """An idle worker blocked on the marker must not need a whole drain delay (5 s) to stop: the
    embedded-queue worker exits in milliseconds, and SHUTDOWN_TIMEOUT is 1 s here."""
    worker = spawn(redis_server.url, qname)
    wait_blocked(r, 10)  # idle, blocked on BZPOPMIN
    start = time.monotonic()
    worker.terminate()
    try:
        worker.proc.wait(10)
    except subprocess.TimeoutExpired:
        pass
    took = time.monotonic() - start
    assert worker.proc.returncode == 0, worker.proc.returncode
    assert took < 2.0, f"idle worker took {took:.2f} s to exit after SIGTERM (SHUTDOWN_TIMEOUT=1, nothing running)"


def test_url_with_acl_user_password_database_and_hash_tag_prefix(tmp_root, prerequisites, spawn, qname):
    """REDIS_URL's user, password and database index are used, and a {hash-tag} prefix (Redis
    Cluster) keys everything under the tag; the worker's logs never show the password."""
    server = RedisServer(tmp_root / f"redis-acl-{qname}", password="adminpw",
                         extra_args=["--requirepass", "adminpw", "--user", "worker", "on", ">s3cret", "~*", "&*", "+@all"])
    server.start()
    try:
        url = f"redis://worker:s3cret@127.0.0.1:{server.port}/2"
        worker = spawn(url, qname, QUEUE_PREFIX="{bull}")
        client = redis.Redis(port=server.port, username="worker", password="s3cret", db=2, decode_responses=True)

        async def produce() -> Any:
            queue = Queue(qname, {"connection": url, "prefix": "{bull}"})
            try:
                job = await queue.add("data_processing", {"operation": "sum", "data": [2, 3]})
                await await_until(lambda: client.zscore(f"{{bull}}:{qname}:completed", job.id) is not None, 15,
                                  "job completed in db 2")
                return (await Job.fromId(queue, job.id)).returnvalue
            finally:
                await queue.close()

        assert asyncio.run(produce()) == {"count": 2, "operation": "sum", "sum": 5}
        # Every key of the queue sits under the hash tag, in database 2 only.
        assert all(k.startswith("{bull}:") for k in client.keys("*"))
        assert redis.Redis(port=server.port, username="worker", password="s3cret", db=0).dbsize() == 0
        assert "s3cret" not in worker.log_text()
        client.close()
    finally:
        server.stop()
