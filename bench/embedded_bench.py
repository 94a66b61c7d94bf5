"""A backlog on the embedded backends (no Redis, no PostgreSQL): N `data_processing` jobs submitted
over HTTP with delays that make them all due at the same moment, then drained by the worker.

Reports the submit rate while the backlog grows, and the drain's jobs/s and worker CPU µs per job,
once with the data plugin unlimited and once with `max_concurrency: 2` (a task type at its limit
while the worker has free slots, which used to make every fetch read the whole backlog).

    python3 bench/embedded_bench.py [worker-binary] [jobs]
"""
from __future__ import annotations

import http.client
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import WorkerServer, _cpu_seconds  # noqa: E402

SUBMITTERS = 4


def _submit(port: int, count: int, due: float, errors: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(count):
            delay_ms = max(int((due - time.time()) * 1000), 0)
            body = json.dumps({"task_type": "data_processing", "parameters": {"operation": "sum", "data": [1, 2, 3]},
                               "options": {"delay_ms": delay_ms}})
            connection.request("POST", "/execute", body, {"Content-Type": "application/json"})
            reply = connection.getresponse()
            reply.read()
            if reply.status != 202:
                errors.append(reply.status)
    except Exception as error:  # reported, never silently lost
        errors.append(repr(error))
    finally:
        connection.close()


def _completed(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/tasks?status=completed&limit=1")
        return int(json.loads(connection.getresponse().read())["total"])
    finally:
        connection.close()


def backlog(worker_bin, n: int, data_plugin_options: str = "") -> dict:
    """Submits `n` jobs due together and measures their drain."""
    worker_bin = Path(worker_bin).resolve()
    with tempfile.TemporaryDirectory(prefix="uvw-bench-embedded-") as workdir:
        with WorkerServer(Path(workdir), worker_bin, data_plugin_options) as server:
            # Room for 1,000 submits a second (about half the rate seen here); slower submits are
            # reported (`submits_outlasted_the_delay`: the drain then overlapped them).
            due = time.time() + 2 + n / 1000
            errors: list = []
            started = time.time()
            threads = [threading.Thread(target=_submit, args=(server.port, n // SUBMITTERS, due, errors)) for _ in range(SUBMITTERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            submitted = n // SUBMITTERS * SUBMITTERS
            submit_s = time.time() - started
            if errors:
                raise RuntimeError(f"{len(errors)} submits failed, first: {errors[0]}")
            late = time.time() > due
            time.sleep(max(due - time.time(), 0))
            cpu0, t0 = _cpu_seconds(server.proc.pid), time.time()
            while _completed(server.port) < submitted and time.time() - t0 < 600:
                time.sleep(0.05)
            cpu1, t1 = _cpu_seconds(server.proc.pid), time.time()
            done = _completed(server.port)
            return {
                "jobs": submitted, "completed": done, "submit_per_s": round(submitted / submit_s, 1),
                "submits_outlasted_the_delay": late,
                "drain_s": round(t1 - t0, 2), "drain_jobs_per_s": round(done / (t1 - t0), 1),
                "worker_cpu_us_per_job": round((cpu1 - cpu0) * 1e6 / max(done, 1), 1),
                "ok": done == submitted and not late,
            }


def run(worker_bin, n: int = 10000) -> dict:
    return {
        "section": "embedded_backlog",
        "request": f"{n} delayed POST /execute data_processing sums, due together, on the embedded SQLite backends",
        "unlimited": backlog(worker_bin, n),
        "type_at_limit": backlog(worker_bin, n, "    max_concurrency: 2\n"),
    }


if __name__ == "__main__":
    binary = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[1] / ".build" / "release" / "uvian-worker")
    print(json.dumps(run(binary, int(sys.argv[2]) if len(sys.argv) > 2 else 10000), indent=2))
