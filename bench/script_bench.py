#!/usr/bin/env python3
"""custom_script throughput (issue 17): trivial scripts per second through the worker at the
script plugin's concurrency (4 in the repository's plugins.yaml), beside the same script run bare by
4 threads on the same machine: the venv's python3 on the same source, with its own directory holding
args.json and uvw.py as the plugin's job directory does, but no sandbox and no worker. The gap is
what the sandbox (launcher, bwrap, namespaces, seccomp, a uid per slot) and the worker (HTTP, store,
events) cost per script; the sandbox's start-to-first-line latency alone is the `sandbox` section.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "interop"))

import script_reference  # noqa: E402

CONCURRENCY = 4
HELPER = REPO / "Plugins" / "script" / "python" / "uvw.py"
SCRIPT = "import uvw\nprint(uvw.args['n'] + 1)\n"


def start_worker(worker: str) -> tuple[subprocess.Popen, int]:
    workdir = Path(tempfile.mkdtemp(prefix="uvw-bench-script-"))
    plugins = workdir / "plugins.yaml"
    text = (REPO / "plugins.yaml").read_text().replace("${UVW_WORKER_DIR}", str(Path(worker).parent))
    plugins.write_text(text.replace("path: Plugins/", f"path: {REPO}/Plugins/"))
    port = 19000 + os.getpid() % 1000
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", DATA_DIR=str(workdir / "data"), PLUGINS_CONFIG=str(plugins),
               LOG_LEVEL="warning", UVW_CONFIG_DIR=str(REPO))
    proc = subprocess.Popen([worker, "serve"], env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return proc, port
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)


def execute(port: int, n: int) -> dict:
    body = json.dumps({"task_type": "custom_script", "parameters": {"script": SCRIPT, "args": {"n": n}}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/execute?wait=60", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=70) as response:
        task = json.loads(response.read())
    assert task["status"] == "completed" and task["result"]["result"] == n + 1, task
    return {"end_to_end_ms": (time.monotonic() - started) * 1000, "duration_ms": task["result"]["duration_ms"]}


def bare(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="uvw-bench-bare-") as job:
        (Path(job) / "args.json").write_text(json.dumps({"n": n}))
        (Path(job) / "main.py").write_text(SCRIPT)
        shutil.copy(HELPER, job)
        out = subprocess.run([script_reference.venv_python(), "-s", str(Path(job) / "main.py")], capture_output=True,
                             text=True, check=True, cwd=job, env={"PATH": "/usr/bin:/bin", "UVW_JOB_DIR": job})
    assert out.stdout == f"{n + 1}\n"


def rate(body, count: int) -> tuple[float, list]:
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        started = time.monotonic()
        results = list(pool.map(body, range(count)))
        return count / (time.monotonic() - started), results


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)


def run(bin_dir: Path, count: int = 400) -> dict:
    proc, port = start_worker(str(bin_dir / "uvian-worker"))
    try:
        rate(lambda n: execute(port, n), 2 * CONCURRENCY)  # warm: page cache, venv files, slots
        uvian_rate, results = rate(lambda n: execute(port, n), count)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    rate(bare, 2 * CONCURRENCY)
    bare_rate, _ = rate(bare, count)
    end_to_end = [r["end_to_end_ms"] for r in results]
    in_sandbox = [float(r["duration_ms"]) for r in results]
    return {
        "concurrency": CONCURRENCY, "scripts": count,
        "uvian_scripts_per_s": round(uvian_rate, 1), "bare_python_per_s": round(bare_rate, 1),
        "vs_bare_python": round(uvian_rate / bare_rate, 3),
        "end_to_end_ms": {"p50": percentile(end_to_end, 0.5), "p99": percentile(end_to_end, 0.99)},
        "sandbox_run_ms": {"p50": percentile(in_sandbox, 0.5), "p99": percentile(in_sandbox, 0.99)},
        "median_end_to_end_ms": round(statistics.median(end_to_end), 1),
    }


if __name__ == "__main__":
    build = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else REPO / ".build" / "release"
    print(json.dumps(run(build, int(sys.argv[2]) if len(sys.argv) > 2 else 400), indent=2))
