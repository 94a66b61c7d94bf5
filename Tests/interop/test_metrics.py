"""GET /metrics (issue 22 §2): after a known mix of jobs the scrape, parsed by prometheus-client's
own text parser, counts exactly what ran, on the embedded backends and on Redis.

Run:  python3 -m pytest -q Tests/interop/test_metrics.py -x
"""
from __future__ import annotations

import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from test_actions import plugins_yaml, submit, wait_status, worker  # noqa: F401  (fixtures)
from test_worker_interop import prerequisites, qname, redis_server, spawn  # noqa: F401  (fixtures)


def scrape(worker) -> dict[tuple[str, tuple], float]:
    """Every sample as {(name, sorted labels): value}; the body must parse as Prometheus text."""
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.port}/metrics", timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4"), resp.headers
        text = resp.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        assert family.documentation, f"{family.name} has no HELP"
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    matching = [v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls)]
    assert matching, f"no sample {name} {labels} among {sorted({n for n, _ in samples})}"
    return sum(matching)


def test_metrics_count_what_ran(worker):
    queue = worker.redis_queue or "tasks"
    naps = [worker.execute("swift_nap", {"ms": 30}) for _ in range(3)]
    sums = [worker.execute("data_processing", {"data": [1, 2, 3], "operation": "sum"}) for _ in range(2)]
    fails = [worker.execute("swift_fail", {"kind": "permanent"}) for _ in range(2)]
    code, body = worker.http("POST", "/execute?wait=20", {"task_type": "swift_fail", "parameters": {"kind": "retryable"},
                                                          "options": {"attempts": 2}}, timeout=30)
    assert code == 200 and body["status"] == "failed" and body["attempts"] == 2, body
    cancelled = submit(worker, "swift_nap", {"ms": 1}, delay_ms=86_400_000)
    assert worker.http("DELETE", f"/task/{cancelled}")[1]["status"] == "cancelled"
    delayed = submit(worker, "swift_nap", {"ms": 1}, delay_ms=86_400_000)
    assert worker.http("GET", "/no-such-route")[0] == 404
    assert all(t["status"] == "completed" for t in naps + sums) and all(t["status"] == "failed" for t in fails)

    samples = scrape(worker)
    jobs = {(ls["task_type"], ls["status"]): v for (n, ls_), v in samples.items() if n == "uvian_jobs_total"
            for ls in [dict(ls_)] if ls["queue"] == queue and v}
    assert jobs == {("swift_nap", "completed"): 3, ("data_processing", "completed"): 2, ("swift_fail", "failed"): 3,
                    ("swift_fail", "retried"): 1, ("swift_nap", "cancelled"): 1}, jobs
    # Every run that started is timed: 3 naps, 2 sums, 2 + 2 attempts of swift_fail.
    assert value(samples, "uvian_job_duration_seconds_count", task_type="swift_nap") == 3
    assert value(samples, "uvian_job_duration_seconds_count", task_type="swift_fail") == 4
    assert value(samples, "uvian_job_duration_seconds_sum", task_type="swift_nap") >= 0.09
    assert value(samples, "uvian_job_duration_seconds_bucket", task_type="swift_nap", le="+Inf") == 3
    assert value(samples, "uvian_job_duration_seconds_bucket", task_type="swift_nap", le="0.025") == 0
    # A job's wait is counted once, at its first run.
    assert value(samples, "uvian_job_wait_seconds_count", task_type="swift_fail") == 3
    assert value(samples, "uvian_job_wait_seconds_count", task_type="data_processing") == 2

    assert value(samples, "uvian_queue_jobs", queue=queue, state="delayed") == 1
    assert value(samples, "uvian_queue_jobs", queue=queue, state="active") == 0
    assert value(samples, "uvian_queue_up", queue=queue) == 1 and value(samples, "uvian_queue_paused", queue=queue) == 0
    assert value(samples, "uvian_running_jobs", queue=queue) == 0 and value(samples, "uvian_job_slots", queue=queue) == 10
    assert value(samples, "uvian_plugin_generation", plugin="swift-fixture") == 1
    assert value(samples, "uvian_plugin_loaded", plugin="data") == 1
    assert value(samples, "uvian_stalled_recoveries_total", queue=queue) == 0
    assert value(samples, "uvian_store_errors_total", queue=queue) == 0
    if worker.redis_queue:
        assert value(samples, "uvian_redis_errors_total", queue=queue) == 0

    # Requests by route template, never by id; an unknown path is "unmatched".
    assert value(samples, "uvian_http_requests_total", route="/execute", method="POST", status="202") == 2
    assert value(samples, "uvian_http_requests_total", route="/execute", method="POST", status="200") == 8
    assert value(samples, "uvian_http_requests_total", route="/task/{id}", method="DELETE", status="200") == 1
    assert value(samples, "uvian_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert not any(delayed in str(labels) or cancelled in str(labels) for _, labels in samples)

    assert value(samples, "process_resident_memory_bytes") > 1 << 20
    assert value(samples, "process_open_fds") > 3 and value(samples, "process_max_fds") >= value(samples, "process_open_fds")
    assert abs(value(samples, "process_start_time_seconds") - time.time()) < 600
    assert value(samples, "process_cpu_seconds_total") > 0

    # Counters only grow: a second scrape counts the first one's request.
    again = scrape(worker)
    assert value(again, "uvian_http_requests_total", route="/metrics", method="GET", status="200") == 1
    assert value(again, "uvian_jobs_total", task_type="swift_nap", status="completed") == 3
