#!/usr/bin/env python3
"""Section 4 of the benchmark (issue 7): embedded mode over HTTP.

Measures `POST /execute?wait=5` with a `data_processing` sum of 1..100 against `uvian-worker serve`
on the embedded SQLite backends, with wrk at 1 and 32 connections, beside the framework's ceiling:
a bare Hummingbird route answering the same kind of JSON (`uvw-bench http-baseline --port 0`, which
prints `LISTENING <port>` once listening). The ratio is worker req/s / baseline req/s per
connection count (target: >= 0.5).

Used by `bench/run` as a library:

    import http_bench
    http_bench.ensure_wrk()
    section = http_bench.run(worker_bin, bench_bin=None, duration_s=10, connections=(1, 32), threads=2)

or alone: `python3 bench/http_bench.py --worker-bin .build/debug/uvian-worker [--quick]` prints the
same dict as JSON (exit 1 when a check failed). Python standard library only; needs Linux (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parent.parent

DATA = list(range(1, 101))
EXPECTED_SUM = 5050
REQUEST_BODY = json.dumps({"task_type": "data_processing", "parameters": {"operation": "sum", "data": DATA}},
                          separators=(",", ":"))
WAIT_S = 5
PATH = f"/execute?wait={WAIT_S}"
WARMUP_S = 1
MAX_CONCURRENT_TASKS = 32
START_TIMEOUT_S = 30
MARKER = "UVW_WRK_RESULT "


class HTTPBenchError(RuntimeError):
    """The worker could not be started or measured at all."""


# ---------------------------------------------------------------------------------------------
# wrk

def ensure_wrk() -> str:
    """Returns the path of `wrk`, installing Debian's package first if it is missing (idempotent)."""
    found = shutil.which("wrk")
    if found:
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    apt = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise HTTPBenchError("wrk is missing and this is not root: run `apt-get install -y wrk`")
        apt = ["sudo", "-n"] + apt
    attempt = subprocess.run(apt, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if attempt.returncode != 0:
        # A fresh machine may not have package lists yet.
        update = (["sudo", "-n"] if apt[0] == "sudo" else []) + ["apt-get", "update"]
        subprocess.run(update, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        attempt = subprocess.run(apt, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found = shutil.which("wrk")
    if not found:
        raise HTTPBenchError(f"could not install wrk (apt-get exit {attempt.returncode}):\n{attempt.stdout[-2000:]}")
    return found


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    return out.splitlines()[0].strip() if out else "wrk"


# One Lua state per wrk thread: setup() keeps the thread handles so done() can add up each thread's
# counters. A response counts as "not completed" unless it is a 200 whose body says
# "status":"completed" (a wait that ran out answers 202 with the task still pending, which wrk's
# own non-2xx count would not see).
LUA_TEMPLATE = r'''
wrk.method = "POST"
wrk.body = [==[__BODY__]==]
wrk.headers["Content-Type"] = "application/json"

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  responses = 0
  not_completed = 0
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 or not string.find(body, '"status"%s*:%s*"completed"') then
    not_completed = not_completed + 1
  end
end

function done(summary, latency, requests)
  local resp, nc = 0, 0
  for _, t in ipairs(threads) do
    resp = resp + (t:get("responses") or 0)
    nc = nc + (t:get("not_completed") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '__MARKER__{"duration_us":%d,"requests":%d,"bytes":%d,"responses":%d,"not_completed":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.duration, summary.requests, summary.bytes, resp, nc,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
'''


def write_lua_script(directory: Path) -> Path:
    path = directory / "execute.lua"
    path.write_text(LUA_TEMPLATE.replace("__BODY__", REQUEST_BODY).replace("__MARKER__", MARKER))
    return path


def run_wrk(wrk: str, script: Path, url: str, duration_s: float, connections: int, threads: int) -> dict:
    threads = max(1, min(threads, connections))  # wrk needs connections >= threads
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration_s))}s",
           f"--timeout={WAIT_S * 2}s", "-s", str(script), url]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=duration_s + 60)
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            raw = json.loads(line[len(MARKER):])
            break
    else:
        raise HTTPBenchError(f"wrk exited {proc.returncode} without a result:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    seconds = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    errors = raw["errors"]
    return {
        "connections": connections,
        "threads": threads,
        "duration_s": round(seconds, 3),
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(lat["p50"] / 1000, 3),
        "p90_ms": round(lat["p90"] / 1000, 3),
        "p99_ms": round(lat["p99"] / 1000, 3),
        "p999_ms": round(lat["p999"] / 1000, 3),
        "mean_ms": round(lat["mean"] / 1000, 3),
        "max_ms": round(lat["max"] / 1000, 3),
        "non_2xx": errors["status"],
        "not_completed": raw["not_completed"],
        "checked_responses": raw["responses"],
        "socket_errors": {k: errors[k] for k in ("connect", "read", "write", "timeout")},
        "transfer_bytes": raw["bytes"],
    }


# ---------------------------------------------------------------------------------------------
# processes

def _cpu_seconds(pid: int) -> Optional[float]:
    """utime + stime of a process (all its threads), from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _listening_ports(pid: int) -> list[int]:
    """TCP ports a process listens on, from its socket fds and /proc/<pid>/net/tcp{,6}."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return []
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


def _http(method: str, url: str, body: Optional[str] = None, timeout: float = 10) -> tuple[int, bytes]:
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


class Server:
    """A server process under measurement; always stopped by `stop()` (also used as a context manager)."""

    name = "server"

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None
        self.log_path = workdir / f"{self.name}.log"
        self.start_ms: Optional[float] = None

    def __enter__(self) -> "Server":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 10) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass


class WorkerServer(Server):
    """`uvian-worker serve` on the embedded SQLite backends with only the `data` plugin."""

    name = "worker"

    def __init__(self, workdir: Path, binary: Path, data_plugin_options: str = ""):
        super().__init__(workdir)
        self.binary = binary
        # Extra YAML lines for the data plugin's entry (e.g. "    max_concurrency: 2\n").
        self.data_plugin_options = data_plugin_options

    def start(self) -> None:
        data_dir = self.workdir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        plugins = self.workdir / "plugins.yaml"
        plugins.write_text(f"plugin_dirs: [{json.dumps(str(self.binary.parent))}]\nplugins:\n  - name: data\n" + self.data_plugin_options)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("REDIS_", "DATABASE_", "DB_", "QUEUE_", "API_KEY", "PLUGINS_", "DATA_DIR",
                                    "LOG_", "HOST", "PORT", "MAX_"))}
        env.update({
            "DATA_DIR": str(data_dir), "PLUGINS_CONFIG": str(plugins), "HOST": "127.0.0.1", "PORT": "0",
            "LOG_LEVEL": "warning", "LOG_FORMAT": "json", "MAX_CONCURRENT_TASKS": str(MAX_CONCURRENT_TASKS),
            "SHUTDOWN_TIMEOUT": "2",
        })
        t0 = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([str(self.binary), "serve"], env=env, cwd=self.workdir,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.port = self._wait_for_port(t0)
        self.start_ms = round((time.monotonic() - t0) * 1000, 1)

    def _port_from_log(self) -> Optional[int]:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("{") and '"http.listening"' in line:
                try:
                    return int(json.loads(line)["http.port"])
                except (ValueError, KeyError):
                    pass
        return None

    def _wait_for_port(self, t0: float) -> int:
        # `http.listening` is logged at info, which LOG_LEVEL=warning hides (at info every job would
        # log too), so the port is read from the log when it is there, else from /proc: the socket
        # the process listens on. /health answering 200 confirms it.
        while True:
            if self.proc.poll() is not None:
                raise HTTPBenchError(f"worker exited with {self.proc.returncode} before listening:\n{self.log_tail()}")
            candidates = [p for p in [self._port_from_log()] if p] or _listening_ports(self.proc.pid)
            for port in candidates:
                try:
                    status, _ = _http("GET", f"http://127.0.0.1:{port}/health", timeout=2)
                    if status == 200:
                        return port
                except OSError:
                    pass
            if time.monotonic() - t0 > START_TIMEOUT_S:
                raise HTTPBenchError(f"worker did not listen within {START_TIMEOUT_S}s:\n{self.log_tail()}")
            time.sleep(0.01)


class BaselineServer(Server):
    """`uvw-bench http-baseline --port 0`: a bare Hummingbird route with a fixed JSON answer."""

    name = "baseline"

    def __init__(self, workdir: Path, binary: Path, data_plugin_options: str = ""):
        super().__init__(workdir)
        self.binary = binary
        # Extra YAML lines for the data plugin's entry (e.g. "    max_concurrency: 2\n").
        self.data_plugin_options = data_plugin_options
        self._drain: Optional[threading.Thread] = None

    def start(self) -> None:
        t0 = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([str(self.binary), "http-baseline", "--port", "0"], cwd=self.workdir,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        fd = self.proc.stdout.fileno()
        os.set_blocking(fd, False)
        buf = b""
        while self.port is None:
            remaining = START_TIMEOUT_S - (time.monotonic() - t0)
            if remaining <= 0:
                raise HTTPBenchError(f"{self.binary.name} http-baseline printed no LISTENING line within "
                                     f"{START_TIMEOUT_S}s; stdout: {buf[-500:]!r}\n{self.log_tail()}")
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.2))
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    chunk = None
                if chunk == b"":
                    raise HTTPBenchError(f"{self.binary.name} http-baseline closed stdout before LISTENING "
                                         f"(exit {self.proc.wait(timeout=5)}); stdout: {buf[-500:]!r}\n{self.log_tail()}")
                if chunk:
                    buf += chunk
                    match = re.search(rb"^LISTENING (\d+)\s*$", buf, re.MULTILINE)
                    if match:
                        self.port = int(match.group(1))
            elif self.proc.poll() is not None:
                raise HTTPBenchError(f"{self.binary.name} http-baseline exited with {self.proc.returncode} "
                                     f"before LISTENING; stdout: {buf[-500:]!r}\n{self.log_tail()}")
        self.start_ms = round((time.monotonic() - t0) * 1000, 1)
        os.set_blocking(fd, True)
        # Keep reading stdout so the server never blocks on a full pipe.
        pipe = self.proc.stdout
        self._drain = threading.Thread(target=lambda: [None for _ in iter(lambda: pipe.read(65536), b"")], daemon=True)
        self._drain.start()


# ---------------------------------------------------------------------------------------------
# measurement

def check_sample(url: str, expect_sum: bool) -> dict:
    """One request outside wrk: status, body size, and that the task completed with the right sum."""
    status, body = _http("POST", url, REQUEST_BODY, timeout=WAIT_S + 5)
    sample = {"http_status": status, "bytes": len(body)}
    try:
        doc = json.loads(body)
    except ValueError:
        sample.update(ok=False, problem=f"body is not JSON: {body[:200]!r}")
        return sample
    task_status = doc.get("status") if isinstance(doc, dict) else None
    result = doc.get("result") if isinstance(doc, dict) else None
    got_sum = result.get("sum") if isinstance(result, dict) else None
    sample.update(task_status=task_status, sum=got_sum)
    problems = []
    if status != 200:
        problems.append(f"HTTP {status}")
    if task_status != "completed":
        problems.append(f"status {task_status!r}, not 'completed'")
    if expect_sum and got_sum != EXPECTED_SUM:
        problems.append(f"result.sum {got_sum!r}, not {EXPECTED_SUM}")
    sample["ok"] = not problems
    if problems:
        sample["problem"] = "; ".join(problems) + f": {body[:300]!r}"
    return sample


def measure(server: Server, wrk: str, script: Path, duration_s: float, connections, threads: int,
            expect_sum: bool) -> dict:
    out = {"start_ms": server.start_ms, "sample": check_sample(server.url, expect_sum), "runs": {}}
    pid = server.proc.pid
    out["rss_kb_ready"] = _rss_kb(pid)
    for conns in connections:
        run_wrk(wrk, script, server.url, WARMUP_S, conns, threads)  # warm-up, discarded
        cpu0 = _cpu_seconds(pid)
        result = run_wrk(wrk, script, server.url, duration_s, conns, threads)
        cpu1 = _cpu_seconds(pid)
        if cpu0 is not None and cpu1 is not None and result["requests"]:
            result["server_cpu_s"] = round(cpu1 - cpu0, 3)
            result["server_cpu_us_per_req"] = round((cpu1 - cpu0) * 1e6 / result["requests"], 1)
        result["server_rss_kb_after"] = _rss_kb(pid)
        if server.proc.poll() is not None:
            raise HTTPBenchError(f"{server.name} exited with {server.proc.returncode} during the run:\n{server.log_tail()}")
        out["runs"][str(conns)] = result
    return out


def find_bench_bin(worker_bin: Path) -> Optional[Path]:
    """uvw-bench beside the worker binary (same build configuration), else in .build/release or .build/debug."""
    for candidate in (worker_bin.parent / "uvw-bench", REPO_ROOT / ".build/release/uvw-bench",
                      REPO_ROOT / ".build/debug/uvw-bench"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _build_kind(binary: Path) -> str:
    parts = binary.resolve().parts
    for kind in ("release", "debug"):
        if kind in parts:
            return kind
    return "unknown"


def run(worker_bin, bench_bin=None, duration_s=10, connections=(1, 32), threads=2) -> dict:
    """Measures section 4 and returns its figures (see the module docstring and `main`)."""
    wrk = ensure_wrk()
    worker_bin = Path(worker_bin).resolve()
    if not worker_bin.is_file():
        raise HTTPBenchError(f"no worker binary at {worker_bin}")
    bench_path = Path(bench_bin).resolve() if bench_bin else find_bench_bin(worker_bin)
    connections = tuple(int(c) for c in connections)
    section = {
        "section": "http_execute",
        "request": f"POST {PATH} data_processing sum of 1..100 ({len(REQUEST_BODY)} bytes)",
        "tool": wrk_version(wrk),
        "duration_s": duration_s,
        "warmup_s": WARMUP_S,
        "threads": threads,
        "connections": list(connections),
        # Other work on the machine skews these figures: note how busy it was when the run began.
        "host": {"cpus": os.cpu_count(), "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]},
        "worker": {"binary": str(worker_bin), "build": _build_kind(worker_bin),
                   "backend": "sqlite (embedded)", "max_concurrent_tasks": MAX_CONCURRENT_TASKS},
    }
    problems = []
    with tempfile.TemporaryDirectory(prefix="uvw-http-bench-") as tmp:
        tmp = Path(tmp)
        script = write_lua_script(tmp)

        worker_dir = tmp / "worker"
        worker_dir.mkdir()
        with WorkerServer(worker_dir, worker_bin) as server:
            section["worker"].update(measure(server, wrk, script, duration_s, connections, threads, expect_sum=True))
        if not section["worker"]["sample"]["ok"]:
            problems.append(f"worker sample: {section['worker']['sample'].get('problem')}")
        for conns, r in section["worker"]["runs"].items():
            if r["non_2xx"] or r["not_completed"] or any(r["socket_errors"].values()):
                problems.append(f"worker at {conns} connections: non_2xx={r['non_2xx']} "
                                f"not_completed={r['not_completed']} socket_errors={r['socket_errors']}")

        if bench_path is None:
            section["baseline"] = {"skipped": "no uvw-bench binary (looked beside the worker binary and in "
                                              ".build/release, .build/debug); build the uvw-bench product"}
        else:
            base = {"binary": str(bench_path), "build": _build_kind(bench_path)}
            if base["build"] != section["worker"]["build"]:
                base["warning"] = (f"baseline build is {base['build']}, worker build is {section['worker']['build']}: "
                                   "the ratio compares unlike builds")
            base_dir = tmp / "baseline"
            base_dir.mkdir()
            try:
                with BaselineServer(base_dir, bench_path) as server:
                    base.update(measure(server, wrk, script, duration_s, connections, threads, expect_sum=False))
                if not base["sample"]["ok"]:
                    problems.append(f"baseline sample: {base['sample'].get('problem')}")
            except (HTTPBenchError, OSError, subprocess.SubprocessError) as err:
                base["error"] = str(err)
                problems.append(f"baseline: {str(err).splitlines()[0]}")
            section["baseline"] = base

    ratios = {}
    base_runs = section["baseline"].get("runs", {})
    for conns, r in section["worker"]["runs"].items():
        b = base_runs.get(conns)
        ratios[conns] = round(r["requests_per_s"] / b["requests_per_s"], 3) if b and b["requests_per_s"] else None
    section["ratios"] = ratios
    section["target_ratio"] = 0.5
    section["problems"] = problems
    section["ok"] = not problems
    return section


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Section 4 of issue 7: POST /execute?wait over HTTP with wrk, "
                                                 "beside a bare Hummingbird route")
    default_worker = next((str(p) for p in (REPO_ROOT / ".build/release/uvian-worker",
                                            REPO_ROOT / ".build/debug/uvian-worker") if p.is_file()),
                          str(REPO_ROOT / ".build/release/uvian-worker"))
    parser.add_argument("--worker-bin", default=default_worker,
                        help="default: .build/release/uvian-worker, else .build/debug/uvian-worker")
    parser.add_argument("--bench-bin", default=None, help="uvw-bench (default: beside the worker binary, "
                                                          "else .build/release, .build/debug)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 s runs")
    parser.add_argument("--connections", default="1,32")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    # SIGTERM ends the run through the `finally`s, which stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = run(args.worker_bin, bench_bin=args.bench_bin, duration_s=3 if args.quick else args.duration,
                 connections=tuple(int(c) for c in args.connections.split(",")), threads=args.threads)
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
