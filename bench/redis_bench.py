#!/usr/bin/env python3
"""Redis-side benchmarks of issue 7: drain rate, the Redis ceiling, pickup latency, footprint.

Imported by bench/run (the orchestrator), or run on its own:

    python3 bench/redis_bench.py --worker-bin .build/release/uvian-worker          # full sizes
    python3 bench/redis_bench.py --worker-bin .build/debug/uvian-worker --quick    # smoke run

Every public function returns a plain, JSON-serialisable dict and is self-contained: it starts
its own redis-server (`--save '' --appendonly no`, a free port, a temp dir), its own worker
processes, and stops them again even when it fails. Progress goes to stderr; main() prints one
JSON object on stdout.

How the numbers are taken (the same way for every worker):
* Jobs are added with PyPI `bullmq` (`Queue.addBulk`, batches of 1000): name `noop`, data `{}`.
* The queue is paused (`HSET meta paused 1`, marker deleted) before the worker starts, so
  start-up is not part of the drain: once the worker idles on BZPOPMIN (INFO clients shows a
  blocked client) the worker's CPU (/proc/<pid>/stat utime+stime) and Redis' INFO cpu and
  commandstats are read, the queue is released (`HDEL meta paused`, `ZADD marker 0 0`, as BullMQ's
  resume does) and `ZCARD completed`/`ZCARD failed` are polled every 5 ms until all N are done;
  then, once Redis has seen nothing but the harness for 0.2 s (a worker may still be publishing
  events it queued: `settle_s`), the counters are read again.
* Jobs/s comes from the job hashes (first `processedOn` to last `finishedOn`, ms, written by the
  worker), with the wall clock (release → last completion seen) beside it.
* Redis commands per job count every call in INFO commandstats, including the commands a Lua
  script runs (Redis counts those too), minus the harness's own commands (the polls, the
  release, the INFO itself), divided by N.
* Worker CPU resolution is one clock tick (usually 10 ms), so small N gives coarse µs/job.
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import os
import platform
import queue as queue_mod
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import redis

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "interop"))
import lua_harness  # noqa: E402  (the project's scripts, called exactly as the Swift worker calls them)
from redis_server import RedisServer  # noqa: E402

QUEUE = "bench"
PREFIX = "bull"
TASK_TYPE = "noop"
ADD_BATCH = 1000
POLL_S = 0.005
CLK_TCK = os.sysconf("SC_CLK_TCK")
NOOP_SOURCE = REPO / "bench" / "plugins" / "noop.c"
PLUGIN_INCLUDE = REPO / "Sources" / "PluginAPI" / "include"
# The worker's own settings: never inherited from the caller's environment.
WORKER_ENV = {
    "HOST", "PORT", "DATA_DIR", "PLUGINS_CONFIG", "MAX_CONCURRENT_TASKS", "MAX_TASK_TIMEOUT", "QUEUE_NAME",
    "WORKER_ID", "LEASE_SECONDS", "POLL_INTERVAL_MS", "SHUTDOWN_TIMEOUT", "CANCEL_GRACE_SECONDS", "API_KEY",
    "REDIS_URL", "QUEUE_PREFIX", "EVENTS_CHANNEL", "STALLED_INTERVAL_MS", "MAX_STALLED_COUNT", "LOG_LEVEL",
    "LOG_FORMAT", "DATABASE_URL", "DB_SCHEMA", "DB_POOL_SIZE", "CLEANUP_INTERVAL", "TASK_RETENTION",
}


def log(msg: str) -> None:
    print(f"[redis_bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def default_worker_bin() -> Path:
    release = REPO / ".build" / "release" / "uvian-worker"
    return release if release.exists() else REPO / ".build" / "debug" / "uvian-worker"


def build_kind(worker_bin: Any) -> str:
    parts = Path(worker_bin).resolve().parts
    return "release" if "release" in parts else "debug" if "debug" in parts else "unknown"


def key(suffix: str) -> str:
    return f"{PREFIX}:{QUEUE}:{suffix}"


def pct(values: list[float], p: float) -> Optional[float]:
    """Percentile with linear interpolation between closest ranks (p in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * p / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def r3(x: Optional[float], nd: int = 3) -> Optional[float]:
    return None if x is None else round(x, nd)


# ---------------------------------------------------------------------------------------------
# The no-op plugin
# ---------------------------------------------------------------------------------------------

_BUILD_DIR: Optional[Path] = None
_NOOP: Optional[tuple[Path, Path]] = None


def _build_dir() -> Path:
    global _BUILD_DIR
    if _BUILD_DIR is None:
        _BUILD_DIR = Path(tempfile.mkdtemp(prefix="uvian-bench-build-"))
        atexit.register(shutil.rmtree, _BUILD_DIR, True)
    return _BUILD_DIR


def build_noop_plugin(build_dir: Optional[Path] = None) -> tuple[Path, Path]:
    """Compiles bench/plugins/noop.c (once per process) and writes a plugins.yaml holding just
    that plugin (absolute path). Returns (libnoop.so, plugins.yaml)."""
    global _NOOP
    if _NOOP is not None and build_dir is None and _NOOP[0].exists():
        return _NOOP
    out = Path(build_dir) if build_dir else _build_dir()
    out.mkdir(parents=True, exist_ok=True)
    so = out / "libnoop.so"
    cmd = ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-shared", "-fPIC", "-fvisibility=hidden",
           "-I", str(PLUGIN_INCLUDE), str(NOOP_SOURCE), "-o", str(so)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    yaml = out / "plugins-noop.yaml"
    # No timeout_s: jobs get the worker's default (MAX_TASK_TIMEOUT), as in a plain deployment.
    yaml.write_text("# bench: just the no-op plugin\nplugins:\n  - name: noop\n"
                    f"    path: {so.resolve()}\n    config: {{}}\n")
    if build_dir is None:
        _NOOP = (so, yaml)
    return so, yaml


# ---------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------

class Env:
    """One benchmark's world: a temp dir and a redis-server (+ a decoded client)."""

    def __init__(self, tmp: Path, server: RedisServer):
        self.tmp = tmp
        self.server = server
        self.url = server.url
        self.port = server.port
        self.r = redis.Redis(port=server.port, decode_responses=True)


@contextlib.contextmanager
def redis_env(label: str) -> Iterator[Env]:
    tmp = Path(tempfile.mkdtemp(prefix=f"uvian-bench-{label}-"))
    server = RedisServer(tmp / "redis")
    try:
        server.start()
        env = Env(tmp, server)
        try:
            yield env
        finally:
            env.r.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


class Proc:
    """A child process whose output lines are read by a thread and time-stamped on arrival."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, log_path: Path):
        self.log_path = log_path
        self.lines: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self.t_exec = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=env, cwd=str(cwd), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Owns the log file: every line goes there too, until the pipe closes."""
        assert self.proc.stdout is not None
        with open(self.log_path, "w", encoding="utf-8", errors="replace") as log_file:
            for raw in iter(self.proc.stdout.readline, b""):
                t = time.perf_counter()
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                with self._lock:
                    self.lines.append((t, line))
                log_file.write(line + "\n")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, n: int = 40) -> str:
        with self._lock:
            return "\n".join(line for _, line in self.lines[-n:])

    def wait_line(self, text: str, timeout: float) -> tuple[float, str]:
        """First output line containing `text` → (arrival time, line)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = next(((t, line) for t, line in self.lines if text in line), None)
            if found:
                return found
            if not self.alive:
                raise RuntimeError(f"process exited ({self.proc.returncode}) before printing {text!r}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {text!r} within {timeout}s:\n{self.tail()}")
            time.sleep(0.002)

    def wait_json_line(self, message: str, timeout: float) -> tuple[float, dict]:
        """First JSON log line with "message": message → (arrival time, entry)."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            with self._lock:
                fresh = self.lines[seen:]
                seen = len(self.lines)
            for t, line in fresh:
                if line.startswith("{"):
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if entry.get("message") == message:
                        return t, entry
            if not self.alive:
                raise RuntimeError(f"process exited ({self.proc.returncode}) before logging {message}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {message} within {timeout}s:\n{self.tail()}")
            time.sleep(0.002)

    def cpu_s(self) -> float:
        """utime + stime of the process (all threads), seconds."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def status_kb(self, field: str = "VmRSS") -> Optional[int]:
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
        return None

    def memory_kb(self) -> dict:
        """VmRSS and its parts (anonymous, file-backed, shared memory), kB."""
        return {f: self.status_kb(f) for f in ("VmRSS", "RssAnon", "RssFile", "RssShmem")}

    def stop(self, timeout: float = 15) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(2)


def worker_env(**settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in WORKER_ENV}
    env.update({k: str(v) for k, v in settings.items()})
    return env


def start_uvian(worker_bin: Any, env: Env, concurrency: int, plugins_yaml: Path, label: str,
                log_level: str = "warning", cwd: Optional[Path] = None, with_redis: bool = True,
                queue: str = QUEUE) -> Proc:
    data = env.tmp / f"data-{label}"
    data.mkdir(parents=True, exist_ok=True)
    settings: dict[str, Any] = dict(
        QUEUE_NAME=queue, MAX_CONCURRENT_TASKS=concurrency, LOG_LEVEL=log_level, LOG_FORMAT="json",
        PORT=0, HOST="127.0.0.1", DATA_DIR=data, PLUGINS_CONFIG=plugins_yaml)
    if with_redis:
        settings["REDIS_URL"] = env.url
    return Proc([str(Path(worker_bin).resolve()), "serve"], worker_env(**settings), cwd or env.tmp,
                env.tmp / f"worker-{label}.log")


def start_python_bullmq(env: Env, concurrency: int, label: str) -> Proc:
    """PyPI bullmq's own Worker in a separate Python process (see _python_worker_main)."""
    argv = [sys.executable, str(Path(__file__).resolve()), "_bullmq-worker", env.url, QUEUE, str(concurrency)]
    return Proc(argv, worker_env(), env.tmp, env.tmp / f"worker-{label}.log")


# ---------------------------------------------------------------------------------------------
# Redis counters
# ---------------------------------------------------------------------------------------------

class RedisMeter:
    """INFO cpu + commandstats before/after, minus the commands this harness sent in between
    (counted in `own`, lower-case command names as in commandstats)."""

    def __init__(self, r: redis.Redis):
        self.r = r
        self.own: Counter = Counter()
        self.before: Optional[dict] = None

    @staticmethod
    def _read(r: redis.Redis) -> dict:
        info = r.info("cpu", "commandstats")
        calls = {k[len("cmdstat_"):]: int(v["calls"]) for k, v in info.items() if k.startswith("cmdstat_")}
        usec = {k[len("cmdstat_"):]: int(v["usec"]) for k, v in info.items() if k.startswith("cmdstat_")}
        return {"cpu": float(info["used_cpu_user"]) + float(info["used_cpu_sys"]), "calls": calls, "usec": usec}

    def start(self) -> None:
        self.own.clear()
        self.before = self._read(self.r)
        self.own["info"] += 1  # that INFO shows up in the next reading

    def stop(self, n: int, top: int = 25) -> dict:
        assert self.before is not None
        after = self._read(self.r)
        delta: Counter = Counter()
        for name, calls in after["calls"].items():
            d = calls - self.before["calls"].get(name, 0) - self.own.get(name, 0)
            if d > 0:
                delta[name] = d
        usec = {name: after["usec"].get(name, 0) - self.before["usec"].get(name, 0) for name in delta}
        total = sum(delta.values())
        scripts = sum(delta[c] for c in ("evalsha", "eval", "evalsha_ro", "eval_ro", "fcall", "fcall_ro"))
        cpu = after["cpu"] - self.before["cpu"]
        return {
            "redis_cpu_s": round(cpu, 6),
            "redis_cpu_us_per_job": r3(cpu / n * 1e6, 2) if n else None,
            # jobs/s if Redis' one thread were the only limit (its CPU per job at 100 %)
            "jobs_per_s_redis_cpu_bound": round(n / cpu, 1) if cpu > 0 else None,
            "redis_commands_per_job": r3(total / n, 3) if n else None,
            "redis_script_calls_per_job": r3(scripts / n, 3) if n else None,
            "redis_evalsha_usec_per_job": r3(usec.get("evalsha", 0) / n, 2) if n else None,
            "redis_top_commands": [{"command": c, "calls_per_job": r3(k / n, 3)} for c, k in delta.most_common(top)],
            "redis_harness_commands_excluded": dict(self.own),
        }


# ---------------------------------------------------------------------------------------------
# Producing, releasing, waiting
# ---------------------------------------------------------------------------------------------

async def _add_jobs_async(url: str, n: int, batch: int) -> list[str]:
    from bullmq import Queue
    q = Queue(QUEUE, {"connection": url})
    ids: list[str] = []
    try:
        for start in range(0, n, batch):
            jobs = await q.addBulk([{"name": TASK_TYPE, "data": {}} for _ in range(min(batch, n - start))])
            ids.extend(str(j.id) for j in jobs)
    finally:
        await q.close()
    return ids


def add_jobs(env: Env, n: int, batch: int = ADD_BATCH) -> tuple[list[str], float]:
    """Adds n no-op jobs with PyPI bullmq; returns (ids, seconds)."""
    t0 = time.perf_counter()
    ids = asyncio.run(_add_jobs_async(env.url, n, batch))
    return ids, time.perf_counter() - t0


def pause(env: Env) -> None:
    env.r.hset(key("meta"), "paused", "1")
    env.r.delete(key("marker"))


def release(env: Env, meter: RedisMeter) -> None:
    """What BullMQ's resume does for a v6 queue with jobs waiting."""
    env.r.hdel(key("meta"), "paused")
    env.r.zadd(key("marker"), {"0": 0})
    meter.own["hdel"] += 1
    meter.own["zadd"] += 1


def wait_blocked(env: Env, proc: Proc, at_least: int = 1, timeout: float = 60) -> None:
    """Until `at_least` clients are blocked (the worker idling on BZPOPMIN)."""
    deadline = time.monotonic() + timeout
    while env.r.info("clients")["blocked_clients"] < at_least:
        if not proc.alive:
            raise RuntimeError(f"worker exited ({proc.proc.returncode}) before it was idle:\n{proc.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"worker not idle on BZPOPMIN within {timeout}s:\n{proc.tail()}")
        time.sleep(0.01)


def poll_until_done(env: Env, proc: Proc, meter: RedisMeter, n: int, timeout: float,
                    on_poll: Optional[Callable[[int], None]] = None) -> tuple[int, int]:
    """Polls ZCARD completed/failed every POLL_S until completed + failed >= n."""
    deadline = time.monotonic() + timeout
    pipe = env.r.pipeline(transaction=False)
    while True:
        pipe.zcard(key("completed"))
        pipe.zcard(key("failed"))
        completed, failed = pipe.execute()
        meter.own["zcard"] += 2
        if on_poll:
            on_poll(completed + failed)
        if completed + failed >= n:
            return completed, failed
        if not proc.alive:
            raise RuntimeError(f"worker exited ({proc.proc.returncode}) after {completed}/{n} jobs:\n{proc.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {completed} completed and {failed} failed of {n} within {timeout:.0f}s")
        time.sleep(POLL_S)


def settle(env: Env, meter: RedisMeter, quiet_s: float = 0.2, limit_s: float = 10.0) -> float:
    """After the last job: waits until Redis sees no command but the harness' own INFO for
    `quiet_s` (a worker may still publish events it queued), at most `limit_s`. Returns the
    seconds waited (quiet time included)."""
    t0 = time.perf_counter()

    def total() -> int:
        meter.own["info"] += 1
        return sum(int(v["calls"]) for k, v in env.r.info("commandstats").items() if k.startswith("cmdstat_"))

    last = total()
    while time.perf_counter() - t0 < limit_s:
        time.sleep(quiet_s)
        now = total()
        if now - last <= 1:  # only our own INFO
            break
        last = now
    return time.perf_counter() - t0


def job_timestamps(env: Env, ids: list[str]) -> tuple[list[int], list[int], int]:
    """processedOn and finishedOn of every job (pipelined HMGET); the count of jobs missing one."""
    processed, finished, missing = [], [], 0
    for start in range(0, len(ids), 5000):
        pipe = env.r.pipeline(transaction=False)
        for jid in ids[start:start + 5000]:
            pipe.hmget(key(jid), "processedOn", "finishedOn")
        for p, f in pipe.execute():
            if p is None or f is None:
                missing += 1
                continue
            processed.append(int(p))
            finished.append(int(f))
    return processed, finished, missing


def drain_timeout(n: int, concurrency: int) -> float:
    return 120 + n / (20 if concurrency == 1 else 50)


# ---------------------------------------------------------------------------------------------
# a/b. Drain rate
# ---------------------------------------------------------------------------------------------

def _drain(label: str, n: int, concurrency: int, start: Callable[[Env], Proc], extra: dict) -> dict:
    with redis_env(label) as env:
        log(f"{label}: adding {n} jobs")
        ids, add_s = add_jobs(env, n)
        pause(env)
        proc = start(env)
        try:
            wait_blocked(env, proc)
            startup_s = time.perf_counter() - proc.t_exec
            time.sleep(0.2)  # let the idle worker settle (Python: its other fetchers)
            connections = int(env.r.info("clients")["connected_clients"]) - 1  # minus the harness' own
            log(f"{label}: worker idle after {startup_s:.2f}s; draining")
            meter = RedisMeter(env.r)
            cpu0 = proc.cpu_s()
            meter.start()
            t0 = time.perf_counter()
            release(env, meter)
            completed, failed = poll_until_done(env, proc, meter, n, drain_timeout(n, concurrency))
            wall = time.perf_counter() - t0
            settle_s = settle(env, meter)
            cpu1 = proc.cpu_s()
            redis_stats = meter.stop(n)
            rss_kb = proc.status_kb("VmRSS")
        finally:
            proc.stop()
        processed, finished, missing = job_timestamps(env, ids)

    notes: list[str] = []
    span_s = (max(finished) - min(processed)) / 1000 if processed else 0.0
    ts_rate = (len(processed) / span_s) if span_s > 0 else None
    wall_rate = n / wall
    if missing == 0 and ts_rate is not None:
        source, rate = "redis_timestamps", ts_rate
    else:
        source, rate = "wall_clock", wall_rate
        notes.append(f"{missing} of {n} job hashes lack processedOn/finishedOn (or the span is 0 ms): "
                     "jobs/s is the wall clock from the queue's release")
    if failed:
        notes.append(f"{failed} jobs failed")
    result = {
        "n": n,
        "concurrency": concurrency,
        "jobs_per_s": round(rate, 1),
        "jobs_per_s_source": source,
        "jobs_per_s_redis_timestamps": r3(ts_rate, 1),
        "redis_timestamp_span_s": round(span_s, 3),
        "jobs_per_s_wall": round(wall_rate, 1),
        "wall_s": round(wall, 3),
        "startup_s": round(startup_s, 3),
        "wall_s_from_exec": round(startup_s + wall, 3),
        "settle_s": round(settle_s, 3),
        "worker_redis_connections": connections,
        "worker_cpu_s": round(cpu1 - cpu0, 3),
        "worker_cpu_us_per_job": round((cpu1 - cpu0) / n * 1e6, 1),
        "worker_cpu_resolution_us_per_job": round(1e6 / CLK_TCK / n, 2),
        "worker_rss_kb_after": rss_kb,
        **redis_stats,
        "completed": completed,
        "failed": failed,
        "job_hashes_missing_timestamps": missing,
        "add_jobs_per_s": round(n / add_s, 1),
        "notes": notes,
    }
    result.update(extra)
    log(f"{label}: {result['jobs_per_s']} jobs/s ({source}), worker {result['worker_cpu_us_per_job']} µs/job, "
        f"redis {result['redis_cpu_us_per_job']} µs/job, {result['redis_commands_per_job']} cmds/job")
    return result


def drain(worker_bin: Any, n: int = 20000, concurrency: int = 50) -> dict:
    """uvian-worker with the no-op C plugin drains n jobs added by PyPI bullmq."""
    _, yaml = build_noop_plugin()
    return _drain(f"uvian-c{concurrency}", n, concurrency,
                  lambda env: start_uvian(worker_bin, env, concurrency, yaml, f"drain-c{concurrency}"),
                  {"worker": "uvian-worker", "worker_bin": str(worker_bin), "build": build_kind(worker_bin)})


def drain_python_bullmq(n: int = 20000, concurrency: int = 50) -> dict:
    """PyPI bullmq's Python Worker (processor returns None) drains n jobs, in its own process."""
    import bullmq
    return _drain(f"pybullmq-c{concurrency}", n, concurrency,
                  lambda env: start_python_bullmq(env, concurrency, f"pybullmq-c{concurrency}"),
                  {"worker": "bullmq-python", "bullmq_version": getattr(bullmq, "__version__", "?"),
                   "python": platform.python_version()})


def _python_worker_main(url: str, queue: str, concurrency: int) -> None:
    """The separate process of drain_python_bullmq: BullMQ's Worker until SIGTERM."""
    from bullmq import Worker

    async def processor(job, token):
        return None

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        worker = Worker(queue, processor, {"connection": url, "concurrency": concurrency})
        await stop.wait()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(worker.close(), 5)

    asyncio.run(main())


def drain_dramatiq(n: int = 20000, processes: int = 2, threads: int = 8) -> dict:
    """Dramatiq (PyPI), the fastest Python worker measured here, with its own Redis broker and
    layout: n no-op messages sent by the actor's own `send`, then drained by `dramatiq` with
    `processes` x `threads` (bench/dramatiq_noop.py).

    Dramatiq has no pause, so the messages are queued before the workers start and the clock runs
    from the first "Worker process is ready for action." line to the moment the broker's message
    hash is empty (every message acked). Worker CPU is the process tree's (master and forks) from
    that line on; Redis counters cover the whole run, start-up included (heartbeats, a few commands).
    """
    try:
        import dramatiq
    except ImportError:
        return {"skipped": "dramatiq not installed (scripts/install-deps.sh --test installs it)"}
    bench_dir = Path(__file__).resolve().parent
    label = f"dramatiq-{processes}x{threads}"
    with redis_env(label) as env:
        os.environ["UVW_BENCH_REDIS_URL"] = env.url
        sys.path.insert(0, str(bench_dir))
        import importlib
        import dramatiq_noop
        importlib.reload(dramatiq_noop)  # a fresh broker on this run's Redis
        log(f"{label}: adding {n} messages")
        t_add = time.perf_counter()
        for i in range(n):
            dramatiq_noop.noop.send(i=i)
        add_s = time.perf_counter() - t_add
        messages, dead = "dramatiq:default.msgs", "dramatiq:default.XQ.msgs"
        if env.r.hlen(messages) != n:
            raise RuntimeError(f"{label}: {env.r.hlen(messages)} messages queued, expected {n}")
        meter = RedisMeter(env.r)
        meter.start()
        argv = [sys.executable, "-m", "dramatiq", "dramatiq_noop", "--processes", str(processes), "--threads", str(threads)]
        proc = Proc(argv, worker_env(UVW_BENCH_REDIS_URL=env.url), bench_dir, env.tmp / f"worker-{label}.log")
        try:
            t_ready, _ = proc.wait_line("Worker process is ready for action.", 60)
            cpu0 = tree_cpu_s(proc.pid)
            deadline = time.monotonic() + drain_timeout(n, processes * threads)
            while True:
                left, failed = env.r.hlen(messages), env.r.hlen(dead)
                meter.own["hlen"] += 2
                if left == 0:
                    break
                if not proc.alive:
                    raise RuntimeError(f"{label}: dramatiq exited ({proc.proc.returncode}) with {left} messages left:\n{proc.tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{label}: {left} of {n} messages left after the timeout")
                time.sleep(POLL_S)
            wall = time.perf_counter() - t_ready
            cpu1 = tree_cpu_s(proc.pid)
            redis_stats = meter.stop(n)
        finally:
            proc.stop()
    result = {
        "n": n, "processes": processes, "threads": threads,
        "jobs_per_s": round(n / wall, 1), "jobs_per_s_source": "wall_clock_from_first_ready",
        "wall_s": round(wall, 3),
        "worker_cpu_s": round(cpu1 - cpu0, 3), "worker_cpu_us_per_job": round((cpu1 - cpu0) / n * 1e6, 1),
        **redis_stats,
        "failed": failed, "add_jobs_per_s": round(n / add_s, 1),
        "worker": "dramatiq", "dramatiq_version": dramatiq.__version__, "python": platform.python_version(),
    }
    log(f"{label}: {result['jobs_per_s']} jobs/s, worker {result['worker_cpu_us_per_job']} µs/job, "
        f"redis {result['redis_cpu_us_per_job']} µs/job, {result['redis_commands_per_job']} cmds/job")
    return result


def tree_cpu_s(pid: int) -> float:
    """utime + stime of a process and all its descendants (Dramatiq forks its workers), seconds."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(p, 0.0) for p in tree)


# ---------------------------------------------------------------------------------------------
# d. The Redis-side ceiling: one client, one round trip per job, no plugin work
# ---------------------------------------------------------------------------------------------

class _Recorder:
    """Stands in for lua_harness.Scripts: records the (script, KEYS, ARGV) the harness would send
    (so the arguments are exactly the harness' own), sends nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], list[str]]] = []

    def call(self, name: str, keys: list[str], args: list[Any]) -> Any:
        self.calls.append((name, keys, [a if isinstance(a, (str, bytes)) else str(a) for a in args]))
        return [None, None, 0, 0] if name == "moveToActive" else 0


def _end_state(env: Env, ids: list[str]) -> dict:
    """What a loop leaves behind, to show both leave the same state."""
    r = env.r
    locks = sum(1 for _ in r.scan_iter(match=key("*:lock"), count=1000))
    return {
        "completed": r.zcard(key("completed")), "failed": r.zcard(key("failed")),
        "wait": r.llen(key("wait")), "active": r.llen(key("active")),
        "events_len": r.xlen(key("events")), "locks": locks,
        "job_fields": sorted(r.hkeys(key(ids[-1]))) if ids else [],
        "returnvalue": r.hget(key(ids[-1]), "returnvalue") if ids else None,
    }


def _ceiling(label: str, n: int, loop: Callable[[Env, RedisMeter], dict]) -> dict:
    with redis_env(label) as env:
        log(f"{label}: adding {n} jobs")
        ids, _ = add_jobs(env, n)
        meter = RedisMeter(env.r)
        info = loop(env, meter)
        processed, finished, missing = job_timestamps(env, ids)
        state = _end_state(env, ids)
    wall = info.pop("wall_s")
    redis_stats = info.pop("redis")
    result = {"n": n, "jobs_per_s": round(n / wall, 1), "wall_s": round(wall, 3), **redis_stats,
              "end_state": state, **info}
    if processed:
        span = (max(finished) - min(processed)) / 1000
        result["jobs_per_s_redis_timestamps"] = r3(len(processed) / span, 1) if span > 0 else None
    log(f"{label}: {result['jobs_per_s']} jobs/s, redis {result['redis_cpu_us_per_job']} µs/job, "
        f"{result['redis_commands_per_job']} cmds/job")
    return result


def ceiling_own_scripts(n: int = 20000) -> dict:
    """The project's own scripts (Sources/UvianHost/Queue/Redis/Lua) in a tight single-client loop.

    The project's moveToFinished has no fetch-next, so each round trip is a pipeline of two
    script calls: moveToFinished(job i, completed, "null", keep all) then moveToActive (locks job
    i+1) — the same pair, in the same order, that BullMQ's moveToFinished(fetchNext=1) does inside
    one script. KEYS/ARGV are built by Tests/interop/lua_harness.RefWorker (the Swift worker's
    contract), recorded and sent on a redis-py pipeline. Jobs stay in `completed` with
    returnvalue null (removeOnComplete unset), like the BullMQ loop.
    """
    def loop(env: Env, meter: RedisMeter) -> dict:
        r = redis.Redis(port=env.port, decode_responses=True)
        try:
            real = lua_harness.Scripts(r)  # SCRIPT LOAD, outside the measured window
            rec = _Recorder()
            w = lua_harness.RefWorker(r, QUEUE, prefix=PREFIX, scripts=rec)
            meter.start()
            t0 = time.perf_counter()
            w.fetch(token=f"{w.worker_id}:0")
            name, keys, args = rec.calls.pop()
            job = _own_job(r.evalsha(real.sha[name], len(keys), *keys, *args), args[2])
            done = 0
            while job is not None:
                rec.calls.clear()
                w.complete(job, None)
                token = f"{w.worker_id}:{done + 1}"
                w.fetch(token=token)
                pipe = r.pipeline(transaction=False)
                for name, keys, args in rec.calls:
                    pipe.evalsha(real.sha[name], len(keys), *keys, *args)
                finished, fetched = pipe.execute()
                if finished != 0:
                    raise RuntimeError(f"moveToFinished returned {finished} for job {job.id}")
                done += 1
                job = _own_job(fetched, token)
            wall = time.perf_counter() - t0
            stats = meter.stop(n)
        finally:
            r.close()
        if done != n:
            raise RuntimeError(f"own-scripts loop finished {done} of {n} jobs")
        return {"wall_s": wall, "redis": stats, "scripts": "project (Sources/UvianHost/Queue/Redis/Lua)",
                "round_trips_per_job": 1, "script_calls_per_round_trip": 2,
                "method": "pipeline [moveToFinished(job i), moveToActive] per job (no fetch-next in the project's scripts)"}

    return _ceiling("ceiling-own", n, loop)


def _own_job(reply: Any, token: str) -> Optional[lua_harness.Job]:
    """The job of a single-job moveToActive reply, or None."""
    jobs = lua_harness.active_jobs(reply, token)
    return jobs[0] if jobs else None


def ceiling_bullmq_scripts(n: int = 20000) -> dict:
    """BullMQ's own scripts, as shipped in the PyPI package, in the same tight loop.

    One moveToActive (bullmq.scripts.Scripts.moveToActive, as the Python Worker calls it), then
    per job one moveToFinished with fetchNext=1: keys/args from Scripts.moveToCompletedArgs (the
    call the Python Worker makes, there with fetch_next=False), the reply decoded with
    bullmq.scripts.raw2NextJobData and Job.fromJSON. The Lua text is the package's own
    (RedisConnection.commands[...].script), sent with EVALSHA on a synchronous redis-py client
    so the client side costs the same as the own-scripts loop. Jobs stay in `completed` with
    returnvalue null, the same token locks each next job, as BullMQ's worker does.
    """
    def loop(env: Env, meter: RedisMeter) -> dict:
        return asyncio.run(_bullmq_loop(env, meter, n))

    return _ceiling("ceiling-bullmq", n, loop)


async def _bullmq_loop(env: Env, meter: RedisMeter, n: int) -> dict:
    from bullmq import Job, Worker
    from bullmq.scripts import raw2NextJobData

    worker = Worker(QUEUE, None, {"connection": env.url, "autorun": False})  # a library handle, never run
    sync = redis.Redis(port=env.port, decode_responses=True)
    try:
        commands = worker.redisConnection.commands
        sha_finish = sync.script_load(commands["moveToFinished"].script)
        sync.script_load(commands["moveToActive"].script)  # so the first call finds it
        await worker.redisConnection.conn.ping()  # connect (HELLO etc.) outside the window
        scripts = worker.scripts
        token = f"{worker.id}:1"
        meter.start()
        t0 = time.perf_counter()
        data, jid, _, _ = await scripts.moveToActive(token, worker.opts)
        job = Job.fromJSON(worker, data, jid) if data else None
        done = 0
        while job is not None:
            job.token = token
            keys, args = scripts.moveToCompletedArgs(job, None, False, token, fetchNext=True)
            raw = sync.evalsha(sha_finish, len(keys), *keys, *args)
            if isinstance(raw, int) and raw < 0:
                raise RuntimeError(f"BullMQ moveToFinished returned {raw} for job {job.id}")
            done += 1
            data, jid, _, _ = raw2NextJobData(raw)
            job = Job.fromJSON(worker, data, jid) if data else None
        wall = time.perf_counter() - t0
        stats = meter.stop(n)
    finally:
        sync.close()
        with contextlib.suppress(Exception):
            await worker.close()
    if done != n:
        raise RuntimeError(f"BullMQ-scripts loop finished {done} of {n} jobs")
    return {"wall_s": wall, "redis": stats, "scripts": "PyPI bullmq (site-packages/bullmq/commands)",
            "round_trips_per_job": 1, "script_calls_per_round_trip": 1,
            "method": "moveToFinished(fetchNext=1) per job"}


# ---------------------------------------------------------------------------------------------
# e. Pickup latency
# ---------------------------------------------------------------------------------------------

class _StreamReader(threading.Thread):
    """Blocks on XREAD BLOCK on the events stream (its own connection) and time-stamps every
    entry when it arrives (time.perf_counter, the clock the adder uses)."""

    def __init__(self, port: int, last_id: str):
        super().__init__(daemon=True)
        self.r = redis.Redis(port=port, decode_responses=True)
        self.last_id = last_id
        self.out: queue_mod.Queue = queue_mod.Queue()
        self.stopping = False
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        try:
            while not self.stopping:
                reply = self.r.xread({key("events"): self.last_id}, block=1000)
                t = time.perf_counter()
                for _, entries in reply or []:
                    for entry_id, fields in entries:
                        self.last_id = entry_id
                        self.out.put((t, fields))
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            self.error = exc
        finally:
            self.r.close()


def latency(worker_bin: Any, samples: int = 1000, warmup: int = 20) -> dict:
    """One job at a time on an idle, warm uvian-worker (concurrency 1).

    A reader thread is blocked on XREAD BLOCK on the queue's events stream before each add and
    time-stamps the `added`, `active` and `completed` entries as they arrive. The headline figure
    runs from the `added` entry (the moment the addJob script ran, i.e. the job became fetchable)
    to the `active` / `completed` entry, both seen through the same connection, so the stream's
    notification delay cancels; client-side µs resolution, no clock shared with the worker. The
    "from_add_call" figures also include bullmq's own Queue.add (Python work + a round trip).
    Between samples the harness waits until INFO clients shows both the reader and the worker
    blocked (the worker back on BZPOPMIN), so each job meets an idle worker.
    """
    _, yaml = build_noop_plugin()
    with redis_env("latency") as env:
        proc = start_uvian(worker_bin, env, 1, yaml, "latency")
        try:
            wait_blocked(env, proc)
            return asyncio.run(_latency_loop(env, proc, samples, warmup, worker_bin))
        finally:
            proc.stop()


async def _latency_loop(env: Env, proc: Proc, samples: int, warmup: int, worker_bin: Any) -> dict:
    from bullmq import Queue
    last = env.r.xrevrange(key("events"), count=1)
    reader = _StreamReader(env.port, last[0][0] if last else "0-0")
    reader.start()
    q = Queue(QUEUE, {"connection": env.url})
    rows: list[dict[str, float]] = []
    try:
        for i in range(warmup + samples):
            deadline = time.monotonic() + 10
            while env.r.info("clients")["blocked_clients"] < 2:  # reader + the worker's BZPOPMIN
                if time.monotonic() > deadline or not proc.alive or reader.error:
                    raise RuntimeError(f"worker/reader not idle (reader error {reader.error!r}):\n{proc.tail()}")
                time.sleep(0.0002)
            t_call = time.perf_counter()
            job = await q.add(TASK_TYPE, {})
            t_ret = time.perf_counter()
            seen: dict[str, float] = {}
            while "completed" not in seen:
                try:
                    t, fields = reader.out.get(timeout=10)
                except queue_mod.Empty:
                    raise RuntimeError(f"job {job.id}: no completed event within 10 s:\n{proc.tail()}") from None
                if fields.get("jobId") == str(job.id) and fields.get("event") in ("added", "active", "completed", "failed"):
                    if fields["event"] == "failed":
                        raise RuntimeError(f"job {job.id} failed: {fields}")
                    seen.setdefault(fields["event"], t)
            if i >= warmup and "added" in seen and "active" in seen:
                rows.append({"call": t_call, "ret": t_ret, **seen})
    finally:
        reader.stopping = True
        await q.close()
        reader.join(3)

    def ms(values: list[float]) -> dict:
        return {"p50": r3(pct(values, 50)), "p99": r3(pct(values, 99)), "mean": r3(sum(values) / len(values)),
                "min": r3(min(values)), "max": r3(max(values))}

    active = [(x["active"] - x["added"]) * 1000 for x in rows]
    completed = [(x["completed"] - x["added"]) * 1000 for x in rows]
    result = {
        "samples": len(rows),
        "concurrency": 1,
        "worker_bin": str(worker_bin),
        "build": build_kind(worker_bin),
        "add_to_active_ms": ms(active),
        "add_to_completed_ms": ms(completed),
        "from_add_call": {
            "add_to_active_ms": ms([(x["active"] - x["call"]) * 1000 for x in rows]),
            "add_to_completed_ms": ms([(x["completed"] - x["call"]) * 1000 for x in rows]),
            "queue_add_call_ms": ms([(x["ret"] - x["call"]) * 1000 for x in rows]),
        },
        "method": "XREAD BLOCK on bull:bench:events in a thread; t(active|completed entry) - t(added entry), "
                  "client-side perf_counter",
    }
    a, c = result["add_to_active_ms"], result["add_to_completed_ms"]
    log(f"latency: add→active p50 {a['p50']} ms p99 {a['p99']} ms; add→completed p50 {c['p50']} ms p99 {c['p99']} ms")
    return result


# ---------------------------------------------------------------------------------------------
# f. Footprint
# ---------------------------------------------------------------------------------------------

def _http_json(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
        return json.loads(resp.read())


def _idle_start(worker_bin: Any, env: Env, yaml: Path, label: str, with_redis: bool, settle_s: float) -> dict:
    proc = start_uvian(worker_bin, env, 10, yaml, label, log_level="info", cwd=REPO, with_redis=with_redis,
                       queue="bench-idle")
    try:
        t, entry = proc.wait_json_line("http.listening", 60)
        ready_ms = (t - proc.t_exec) * 1000
        rss_ready = proc.status_kb("VmRSS")
        plugins = _http_json(int(entry["http.port"]), "/plugins").get("plugins", [])
        time.sleep(settle_s)
        return {"ready_ms": round(ready_ms, 1), "rss_kb_at_ready": rss_ready, "rss_kb_idle": proc.status_kb("VmRSS"),
                "threads": proc.status_kb("Threads"),
                "plugins": {p.get("name", "?"): p.get("state", "?") for p in plugins}}
    finally:
        proc.stop()


def footprint(worker_bin: Any, repo_plugins_yaml_path: Any = REPO / "plugins.yaml", n: int = 100000,
              concurrency: int = 50, repeats: int = 3, settle_s: float = 1.0) -> dict:
    """Start-up time and RSS.

    idle: `uvian-worker serve` with the repository's plugins.yaml (cwd = repo root, LOG_FORMAT=json),
    exec → the `http.listening` line (time-stamped as it arrives on the pipe) and VmRSS `settle_s`
    after it; median of `repeats` starts, once with the embedded SQLite queue (no REDIS_URL) and
    once on Redis. load: the no-op plugin on Redis at `concurrency`, n jobs drained; VmRSS idle
    before the drain, at 10 %, 50 % and 100 % of the jobs finished, the peak seen while polling,
    VmHWM, and 2 s after Redis went quiet (RssAnon/RssFile beside each VmRSS, in memory_kb);
    publish_per_job counts the EVENTS_CHANNEL messages that reached Redis (2 per job when none
    were dropped).
    """
    yaml_repo = Path(repo_plugins_yaml_path).resolve()
    _, yaml_noop = build_noop_plugin()
    out: dict[str, Any] = {"worker_bin": str(worker_bin), "build": build_kind(worker_bin),
                           "plugins_yaml": str(yaml_repo)}
    with redis_env("footprint") as env:
        for mode, with_redis in (("sqlite", False), ("redis", True)):
            runs = [_idle_start(worker_bin, env, yaml_repo, f"idle-{mode}-{i}", with_redis, settle_s)
                    for i in range(repeats)]
            ready = sorted(x["ready_ms"] for x in runs)
            out[f"idle_all_plugins_{mode}"] = {
                "ready_ms_median": pct(ready, 50), "ready_ms_all": ready,
                "rss_kb_idle_median": pct(sorted(x["rss_kb_idle"] or 0 for x in runs), 50),
                "rss_kb_at_ready": runs[-1]["rss_kb_at_ready"], "threads": runs[-1]["threads"],
                "plugins": runs[-1]["plugins"]}
            log(f"footprint idle ({mode}): ready {out[f'idle_all_plugins_{mode}']['ready_ms_median']} ms, "
                f"RSS {out[f'idle_all_plugins_{mode}']['rss_kb_idle_median']} kB, plugins {runs[-1]['plugins']}")

        log(f"footprint: adding {n} jobs")
        ids, _ = add_jobs(env, n)
        pause(env)
        proc = start_uvian(worker_bin, env, concurrency, yaml_noop, "footprint-load")
        try:
            wait_blocked(env, proc)
            time.sleep(settle_s)
            mem_idle = proc.memory_kb()
            marks: dict[int, Optional[dict]] = {10: None, 50: None, 100: None}
            peak = [mem_idle["VmRSS"] or 0]

            def on_poll(done: int) -> None:
                mem = proc.memory_kb()
                peak[0] = max(peak[0], mem["VmRSS"] or 0)
                for m in marks:
                    if marks[m] is None and done >= n * m // 100:
                        marks[m] = mem

            meter = RedisMeter(env.r)
            meter.start()
            t0 = time.perf_counter()
            release(env, meter)
            completed, failed = poll_until_done(env, proc, meter, n, drain_timeout(n, concurrency), on_poll)
            wall = time.perf_counter() - t0
            settled_s = settle(env, meter)
            redis_stats = meter.stop(n)
            publish = next((c["calls_per_job"] for c in redis_stats["redis_top_commands"] if c["command"] == "publish"), 0)
            time.sleep(2)
            mem_after = proc.memory_kb()
            hwm = proc.status_kb("VmHWM")
            data_dir = env.tmp / "data-footprint-load"
            data_bytes = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file())
        finally:
            proc.stop()
    rss = {m: (marks[m] or {}).get("VmRSS") for m in marks}
    growth = (rss[100] - rss[10]) if rss[10] and rss[100] else None
    out["load_noop_redis"] = {
        "n": n, "concurrency": concurrency, "completed": completed, "failed": failed,
        "jobs_per_s_wall": round(n / wall, 1),
        "rss_kb_idle_before": mem_idle["VmRSS"],
        "rss_kb_at_10pct": rss[10], "rss_kb_at_50pct": rss[50], "rss_kb_at_100pct": rss[100],
        "rss_kb_peak_polled": peak[0], "vm_hwm_kb": hwm, "rss_kb_2s_after": mem_after["VmRSS"],
        "rss_growth_kb_10_to_100pct": growth,
        "rss_growth_bytes_per_job_10_to_100pct": round(growth * 1024 / (n * 0.9), 1) if growth is not None else None,
        "memory_kb": {"idle_before": mem_idle, "at_10pct": marks[10], "at_50pct": marks[50], "at_100pct": marks[100],
                      "2s_after": mem_after},
        "data_dir_bytes": data_bytes,
        "settle_s": round(settled_s, 3),
        "redis_commands_per_job": redis_stats["redis_commands_per_job"],
        # EVENTS_CHANNEL: 2 per job (task.processing, task.completed) unless the worker dropped some
        "publish_per_job": publish,
    }
    # Headline figures (MB; the idle ones from the start on Redis, the SQLite-queue start beside it)
    idle = out["idle_all_plugins_redis"]
    out["ready_ms"] = idle["ready_ms_median"]
    out["idle_rss_mb"] = round(idle["rss_kb_idle_median"] / 1024, 1) if idle["rss_kb_idle_median"] else None
    out["load_rss_mb"] = round(peak[0] / 1024, 1)
    out["final_rss_mb"] = round(mem_after["VmRSS"] / 1024, 1) if mem_after["VmRSS"] else None
    out["rss_growth_mb"] = round(growth / 1024, 1) if growth is not None else None
    log(f"footprint load: RSS idle {mem_idle['VmRSS']} kB, 10% {rss[10]}, 50% {rss[50]}, 100% {rss[100]}, "
        f"2 s after {mem_after['VmRSS']}, HWM {hwm}")
    return out


# ---------------------------------------------------------------------------------------------
# Everything
# ---------------------------------------------------------------------------------------------

QUICK = {"n": 2000, "latency_samples": 200, "footprint_n": 20000, "footprint_repeats": 1}
FULL = {"n": 20000, "latency_samples": 1000, "footprint_n": 100000, "footprint_repeats": 3}


def _guard(name: str, fn: Callable[[], dict]) -> dict:
    t0 = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - one failed benchmark must not lose the others
        log(f"{name} FAILED: {exc!r}")
        result = {"error": f"{type(exc).__name__}: {exc}"}
    result["bench_s"] = round(time.perf_counter() - t0, 1)
    return result


def run_all(worker_bin: Any, quick: bool = False, only: Optional[set[str]] = None) -> dict:
    """Every measurement of this module, in sequence (never two at once)."""
    sizes = QUICK if quick else FULL
    n = sizes["n"]
    plan: list[tuple[str, Callable[[], dict]]] = [
        ("drain_uvian_c1", lambda: drain(worker_bin, n, 1)),
        ("drain_uvian_c50", lambda: drain(worker_bin, n, 50)),
        ("drain_python_bullmq_c1", lambda: drain_python_bullmq(n, 1)),
        ("drain_python_bullmq_c50", lambda: drain_python_bullmq(n, 50)),
        ("drain_dramatiq", lambda: drain_dramatiq(n)),
        ("ceiling_own_scripts", lambda: ceiling_own_scripts(n)),
        ("ceiling_bullmq_scripts", lambda: ceiling_bullmq_scripts(n)),
        ("latency", lambda: latency(worker_bin, sizes["latency_samples"])),
        ("footprint", lambda: footprint(worker_bin, REPO / "plugins.yaml", sizes["footprint_n"],
                                        repeats=sizes["footprint_repeats"])),
    ]
    out: dict[str, Any] = {"quick": quick, "sizes": sizes, "worker_bin": str(worker_bin),
                           "build": build_kind(worker_bin)}
    for name, fn in plan:
        if only and name not in only:
            continue
        log(f"== {name}")
        out[name] = _guard(name, fn)
    out["ratios"] = ratios(out)
    return out


def ratios(results: dict) -> dict:
    """Uvian / peer ratios from run_all's results (None where a side is missing)."""
    def rate(name: str) -> Optional[float]:
        v = results.get(name)
        return v.get("jobs_per_s") if isinstance(v, dict) else None

    def div(a: Optional[float], b: Optional[float]) -> Optional[float]:
        return round(a / b, 3) if a and b else None

    return {
        "drain_vs_python_bullmq": div(rate("drain_uvian_c50"), rate("drain_python_bullmq_c50")),
        "drain_vs_python_bullmq_c1": div(rate("drain_uvian_c1"), rate("drain_python_bullmq_c1")),
        "drain_vs_bullmq_scripts_ceiling": div(rate("drain_uvian_c50"), rate("ceiling_bullmq_scripts")),
        "drain_vs_own_scripts_ceiling": div(rate("drain_uvian_c50"), rate("ceiling_own_scripts")),
        "own_scripts_vs_bullmq_scripts_ceiling": div(rate("ceiling_own_scripts"), rate("ceiling_bullmq_scripts")),
    }


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_bullmq-worker":  # the child process of drain_python_bullmq
        _python_worker_main(argv[1], argv[2], int(argv[3]))
        return 0
    ap = argparse.ArgumentParser(description="Redis-side benchmarks of Uvian Worker (issue 7)")
    ap.add_argument("--worker-bin", default=str(default_worker_bin()))
    ap.add_argument("--quick", action="store_true", help="small N: 2000 jobs, 200 latency samples, 20000 footprint jobs")
    ap.add_argument("--only", default="", help="comma-separated names, e.g. drain_uvian_c50,latency")
    args = ap.parse_args(argv)
    worker_bin = Path(args.worker_bin)
    if not worker_bin.exists():
        ap.error(f"no worker binary at {worker_bin}")
    t0 = time.perf_counter()
    only = {s.strip() for s in args.only.split(",") if s.strip()} or None
    results = run_all(worker_bin, quick=args.quick, only=only)
    results["total_s"] = round(time.perf_counter() - t0, 1)
    log(f"done in {results['total_s']} s")
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
