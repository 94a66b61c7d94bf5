"""Memory of repeated large jobs (issue 14, bug 6): `statistics` over a million numbers (a 3.5 MB
request) submitted over and over to one worker on the embedded backends, with `?wait`.

Reports VmRSS idle, after the first job (its VmHWM: the largest job's working set is HWM − idle),
after every 10th job, and 2 s after the last; the target is RSS after the jobs ≤ 2 × idle + the
largest job's working set (before, ten such jobs took the worker from 44 MB to 707 MB with no
plateau: glibc's arenas kept what the worker's threads freed).

    python3 bench/large_jobs_bench.py [worker-binary] [jobs] [concurrency]
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
from http_bench import WorkerServer  # noqa: E402

NUMBERS = 1_000_000


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _run_jobs(port: int, body: bytes, count: int, errors: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        for _ in range(count):
            connection.request("POST", "/execute?wait=120", body, {"Content-Type": "application/json"})
            reply = connection.getresponse()
            answer = json.loads(reply.read())
            if reply.status != 200 or answer.get("status") != "completed":
                errors.append((reply.status, str(answer)[:200]))
    except Exception as error:  # reported, never silently lost
        errors.append(repr(error))
    finally:
        connection.close()


def run(worker_bin, jobs: int = 100, concurrency: int = 2) -> dict:
    worker_bin = Path(worker_bin).resolve()
    # Integers below 1000: about 3.5 bytes a number, a 3.5 MB request as in the report.
    data = ",".join(str((i * 7919) % 1000) for i in range(NUMBERS))
    body = ('{"task_type":"data_processing","parameters":{"operation":"statistics","data":[' + data + "]}}").encode()
    with tempfile.TemporaryDirectory(prefix="uvw-bench-large-") as workdir:
        with WorkerServer(Path(workdir), worker_bin) as server:
            pid = server.proc.pid
            time.sleep(1)
            idle = _status_kb(pid, "VmRSS")
            errors: list = []
            started = time.time()
            _run_jobs(server.port, body, 1, errors)
            after_first = _status_kb(pid, "VmRSS")
            hwm_first = _status_kb(pid, "VmHWM")
            marks = {1: after_first}
            done = 1
            while done < jobs:
                batch = min(10 - done % 10 if done % 10 else 10, jobs - done)
                per = [batch // concurrency + (1 if i < batch % concurrency else 0) for i in range(concurrency)]
                threads = [threading.Thread(target=_run_jobs, args=(server.port, body, n, errors)) for n in per if n]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                done += batch
                marks[done] = _status_kb(pid, "VmRSS")
            seconds = time.time() - started
            time.sleep(2)
            final = _status_kb(pid, "VmRSS")
            hwm = _status_kb(pid, "VmHWM")
            parts = {field: _status_kb(pid, field) for field in ("RssAnon", "RssFile", "RssShmem")}
    if errors:
        raise RuntimeError(f"{len(errors)} jobs failed, first: {errors[0]}")
    working_set = max(hwm_first - idle, 0)
    limit = 2 * idle + working_set
    return {
        "jobs": jobs, "concurrency": concurrency, "numbers_per_job": NUMBERS, "request_bytes": len(body),
        "seconds": round(seconds, 1), "rss_kb_idle": idle, "rss_kb_after_first": after_first, "vm_hwm_kb_first": hwm_first,
        "largest_job_working_set_kb": working_set, "rss_kb_by_jobs_done": marks, "rss_kb_2s_after": final, "rss_kb_2s_after_parts": parts, "vm_hwm_kb": hwm,
        "target_kb": limit, "met": final <= limit,
    }


if __name__ == "__main__":
    binary = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[1] / ".build" / "release" / "uvian-worker")
    print(json.dumps(run(binary, int(sys.argv[2]) if len(sys.argv) > 2 else 100, int(sys.argv[3]) if len(sys.argv) > 3 else 2), indent=2))
