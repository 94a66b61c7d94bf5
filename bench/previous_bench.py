#!/usr/bin/env python3
"""The current build beside a previous one, in one run (issue 14: "the data plugin and the HTTP
benchmarks are within noise of the previous binary or better, measured side by side").

`bench/run --against <git revision>` checks the revision out in a worktree under
`.build/bench-against/<commit>` (kept, so a second run does not rebuild), builds it in release and
runs, alternating the two builds round by round so that a slow spell of the machine hits both:

- the data plugin called in-process through each build's own `uvw-bench plugin-call` and its own
  `libDataPlugin.so` (parameters parsed, the operation run, the result written): a sum of 1..100,
  statistics over 1,000 numbers, and a sum of 1,000 objects grouped by one of 10 keys;
- `POST /execute?wait` (the HTTP section's request) at 1 and 32 connections with wrk, each build's
  worker on the embedded backends;
- with `drain_n`, the Redis drain of the drain sections (`redis_bench.drain`: jobs added by PyPI
  bullmq, the no-op C plugin) at concurrency 50 (`drain_n` jobs) and 1 (a quarter of them): jobs/s
  and the worker's CPU µs per job, the yardstick of the host's redesign (issue 20).

Every figure is the median over the rounds; `ratios` is current ÷ previous (µs: below 1 is faster;
req/s and jobs/s: above 1 is faster) and `spread` each side's (max - min) / median, the noise to read them by.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import tempfile
from pathlib import Path

import http_bench

REPO = Path(__file__).resolve().parent.parent


def _params() -> dict[str, dict]:
    rng = random.Random(14)  # the same inputs in every run
    groups = [f"g{i}" for i in range(10)]
    return {
        "sum_100": {"operation": "sum", "data": list(range(1, 101))},
        "statistics_1000": {"operation": "statistics", "data": [round(rng.uniform(-1e3, 1e3), 3) for _ in range(1000)]},
        "grouped_objects_1000": {"operation": "sum", "group_by": "k",
                                 "data": [{"k": rng.choice(groups), "value": rng.randint(0, 10**6)} for _ in range(1000)]},
    }


def build_revision(revision: str) -> Path:
    """The release binaries of `revision`, built once in a worktree of this repository."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{revision}^{{commit}}"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.strip()
    tree = REPO / ".build" / "bench-against" / commit[:12]
    if not (tree / ".git").exists():
        tree.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=REPO, check=True,
                       capture_output=True)
    bin_dir = tree / ".build" / "release"
    if not (bin_dir / "uvian-worker").exists() or not (bin_dir / "libDataPlugin.so").exists():
        subprocess.run(["swift", "build", "-c", "release"], cwd=tree, check=True)
    return bin_dir


def data_plugin_call(bin_dir: Path, params: dict, calls: int) -> float:
    out = subprocess.run([str(bin_dir / "uvw-bench"), "plugin-call", "--file", str(bin_dir / "libDataPlugin.so"),
                          "--task-type", "data_processing", "--params", json.dumps(params, separators=(",", ":")),
                          "--calls", str(calls)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["us_per_call"]


def http_execute(bin_dir: Path, duration_s: float) -> dict[str, float]:
    wrk = http_bench.ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="uvw-against-") as tmp:
        script = http_bench.write_lua_script(Path(tmp))
        with http_bench.WorkerServer(Path(tmp), bin_dir / "uvian-worker") as server:
            sample = http_bench.check_sample(server.url, expect_sum=True)
            if not sample["ok"]:
                raise http_bench.HTTPBenchError(f"{bin_dir}: {sample.get('problem')}")
            measured = http_bench.measure(server, wrk, script, duration_s, (1, 32), 2, expect_sum=True)
    return {f"req_per_s_c{c}": run["requests_per_s"] for c, run in measured["runs"].items()} | \
           {f"p50_ms_c{c}": run["p50_ms"] for c, run in measured["runs"].items()}


def redis_drain(bin_dir: Path, n: int, concurrency: int) -> dict[str, float]:
    import redis_bench
    result = redis_bench.drain(bin_dir / "uvian-worker", n, concurrency)
    if result.get("completed") != n:
        raise RuntimeError(f"{bin_dir}: the drain at c={concurrency} completed {result.get('completed')} of {n}")
    return {f"drain_c{concurrency}_jobs_per_s": result["jobs_per_s"],
            f"drain_c{concurrency}_cpu_us_per_job": result["worker_cpu_us_per_job"]}


def run(current: Path, previous: Path, revision: str, calls: int, http_s: float, rounds: int = 3,
        drain_n: int = 0) -> dict:
    cases = _params()
    samples: dict[str, dict[str, list[float]]] = {"current": {}, "previous": {}}
    for round_index in range(rounds):
        # Alternate which build goes first, so neither always runs on a warmer machine.
        order = [("current", current), ("previous", previous)]
        if round_index % 2:
            order.reverse()
        for side, bin_dir in order:
            for name, params in cases.items():
                samples[side].setdefault(f"data_{name}_us", []).append(data_plugin_call(bin_dir, params, calls))
            for key, value in http_execute(bin_dir, http_s).items():
                samples[side].setdefault(f"http_{key}", []).append(value)
            if drain_n:
                for n, concurrency in ((drain_n, 50), (max(1, drain_n // 4), 1)):
                    for key, value in redis_drain(bin_dir, n, concurrency).items():
                        samples[side].setdefault(key, []).append(value)

    def median(side: str) -> dict[str, float]:
        return {k: round(statistics.median(v), 3) for k, v in samples[side].items()}

    def spread(side: str) -> dict[str, float]:
        return {k: round((max(v) - min(v)) / statistics.median(v), 3) if statistics.median(v) else None
                for k, v in samples[side].items()}

    now, before = median("current"), median("previous")
    return {
        "previous": {"revision": revision, "bin_dir": str(previous)},
        "rounds": rounds, "calls": calls, "http_duration_s": http_s, "drain_jobs": drain_n,
        "current_median": now, "previous_median": before,
        "ratios": {k: round(now[k] / before[k], 3) if before.get(k) else None for k in now},
        "spread": {"current": spread("current"), "previous": spread("previous")},
        "samples": samples,
    }
