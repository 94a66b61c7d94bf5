"""Operators' actions (issue 22 §1): retry, promote and remove a task, the same over a filter,
pause and resume, and `GET /queue`, on the embedded backends and on Redis, where BullMQ's own
Python `Queue` reads what the actions did (its job states and `getJobCounts`).

Run:  python3 -m pytest -q Tests/interop/test_actions.py -x
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import redis

from test_flows import fixture_plugins
from test_worker_interop import (  # noqa: F401  (fixtures)
    WorkerProc, bull_queue, events, key, prerequisites, qname, r, redis_server, spawn, wait_until, worker_env,
)

BACKENDS = ["embedded", "redis"]


@pytest.fixture(scope="module")
def plugins_yaml(tmp_root, prerequisites) -> Path:
    path = tmp_root / "plugins.yaml"
    path.write_text(fixture_plugins())
    return path


@pytest.fixture(params=BACKENDS)
def worker(request, tmp_path, plugins_yaml, spawn, qname):
    """A worker on the backend the test is parametrised with (Redis: the module's server, a queue of
    its own); `.redis_queue` is the queue's name on Redis, None on the embedded backends."""
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        proc = spawn(server.url, qname)
        proc.redis_url, proc.redis_queue = server.url, qname
        yield proc
        return
    proc = WorkerProc(worker_env(tmp_path / "w", plugins_yaml, POLL_INTERVAL_MS="50"), tmp_path / "w").start()
    proc.redis_url = proc.redis_queue = None
    yield proc
    proc.terminate()
    proc.wait_stopped(timeout=3)


def submit(worker: WorkerProc, task_type: str, parameters: dict, **options) -> str:
    code, body = worker.http("POST", "/execute", {"task_type": task_type, "parameters": parameters, "options": options})
    assert code == 202, body
    return body["task_id"]


def task(worker: WorkerProc, task_id: str) -> dict:
    code, body = worker.http("GET", f"/task/{task_id}")
    assert code == 200, body
    return body


def wait_status(worker: WorkerProc, task_id: str, status: str, timeout: float = 20, since: str | None = None) -> dict:
    """Until the task is in `status` (and, with `since`, finished after that time)."""
    def ok():
        t = task(worker, task_id)
        return t if t["status"] == status and (since is None or (t["finished_at"] or "") > since) else None
    return wait_until(ok, timeout, lambda: f"task {task_id} {status}: {task(worker, task_id)}")


def bullmq_state(worker: WorkerProc, job_id: str) -> str:
    async def read():
        async with bull_queue(worker.redis_url, worker.redis_queue) as q:
            return await q.getJobState(job_id)
    return asyncio.run(read())


def test_retry_runs_a_failed_or_cancelled_task_again_and_a_completed_one_only_when_forced(worker):
    failed = worker.execute("swift_fail", {"kind": "permanent"})
    assert failed["status"] == "failed" and failed["attempts"] == 1, failed
    code, body = worker.http("POST", f"/task/{failed['task_id']}/retry")
    assert code == 200 and body["status"] in ("pending", "processing", "failed"), body
    again = wait_status(worker, failed["task_id"], "failed", since=failed["finished_at"])
    assert again["attempts"] == 1 and again["error"] == failed["error"] and again["started_at"] > failed["finished_at"], again

    done = worker.execute("swift_nap", {"ms": 1})
    code, body = worker.http("POST", f"/task/{done['task_id']}/retry")
    assert code == 409 and body["error"]["code"] == "task_completed", body
    code, body = worker.http("POST", f"/task/{done['task_id']}/retry?force=true")
    assert code == 200, body
    rerun = wait_status(worker, done["task_id"], "completed", since=done["finished_at"])
    assert rerun["attempts"] == 1 and rerun["result"] == done["result"], rerun

    # Cancelled before it ran (a day's delay): the retry runs it now, the delay gone.
    later = submit(worker, "swift_nap", {"ms": 1}, delay_ms=86_400_000)
    assert worker.http("DELETE", f"/task/{later}")[1]["status"] == "cancelled"
    assert worker.http("POST", f"/task/{later}/retry")[0] == 200
    wait_status(worker, later, "completed")

    pending = submit(worker, "swift_nap", {"ms": 1}, delay_ms=86_400_000)
    code, body = worker.http("POST", f"/task/{pending}/retry")
    assert code == 409 and body["error"]["code"] == "task_not_finished" and body["error"]["details"]["status"] == "pending", body
    assert worker.http("POST", "/task/no-such-task/retry")[0] == 404
    assert worker.http("POST", f"/task/{done['task_id']}/retry?force=maybe")[0] == 400
    if worker.redis_queue:
        # BullMQ sees the retried jobs where they ended again, each attempt counted from one.
        assert bullmq_state(worker, failed["task_id"]) == "failed" and bullmq_state(worker, done["task_id"]) == "completed"
        client = redis.Redis.from_url(worker.redis_url, decode_responses=True)
        assert client.hget(key(worker.redis_queue, failed["task_id"]), "atm") == "1"
        stream = events(client, worker.redis_queue)
        assert [e["event"] for e in stream if e.get("jobId") == failed["task_id"] and e["event"] in ("waiting", "failed")] == \
            ["waiting", "failed", "waiting", "failed"], stream


def test_promote_runs_a_delayed_task_now(worker):
    delayed = submit(worker, "swift_nap", {"ms": 1}, delay_ms=86_400_000)
    assert task(worker, delayed)["run_at"] is not None
    code, overview = worker.http("GET", "/queue")
    assert code == 200 and overview["jobs"]["delayed"] == 1, overview
    if worker.redis_queue:
        assert bullmq_state(worker, delayed) == "delayed"
    code, body = worker.http("POST", f"/task/{delayed}/promote")
    assert code == 200 and body["run_at"] is None, body
    wait_status(worker, delayed, "completed", timeout=10)
    code, body = worker.http("POST", f"/task/{delayed}/promote")
    assert code == 409 and body["error"]["code"] == "task_not_delayed", body
    assert worker.http("POST", "/task/no-such-task/promote")[0] == 404


def test_purge_removes_a_finished_task_and_refuses_an_unfinished_one(worker):
    done = worker.execute("swift_nap", {"ms": 1})
    code, body = worker.http("DELETE", f"/task/{done['task_id']}?purge=true")
    assert code == 200 and body == {"task_id": done["task_id"], "removed": True, "status": "completed"}, body
    assert worker.http("GET", f"/task/{done['task_id']}")[0] == 404
    assert worker.http("DELETE", f"/task/{done['task_id']}?purge=true")[0] == 404
    if worker.redis_queue:
        client = redis.Redis.from_url(worker.redis_url, decode_responses=True)
        assert not client.exists(key(worker.redis_queue, done["task_id"]))
        assert client.zscore(key(worker.redis_queue, "completed"), done["task_id"]) is None
        assert [e for e in events(client, worker.redis_queue) if e["event"] == "removed"][-1]["jobId"] == done["task_id"]

    pending = submit(worker, "swift_nap", {"ms": 1}, delay_ms=86_400_000)
    code, body = worker.http("DELETE", f"/task/{pending}?purge=true")
    assert code == 409 and body["error"]["code"] == "task_not_finished", body
    assert task(worker, pending)["status"] == "pending"


def test_bulk_retry_and_clean_act_on_what_the_filter_finds(worker):
    failed = [worker.execute("swift_fail", {"kind": "permanent"})["task_id"] for _ in range(4)]
    completed = [worker.execute("swift_nap", {"ms": 1})["task_id"] for _ in range(3)]
    marks = {t: task(worker, t)["finished_at"] for t in failed}

    for bad, field in [({"status": "pending"}, "status"), ({"older_than": "soon"}, "older_than"), ({"colour": "red"}, "colour"),
                       ({"limit": 0}, "limit"), ({"status": "completed"}, "force")]:
        code, body = worker.http("POST", "/tasks/retry", bad)
        assert code == 400 and field in body["error"]["message"], (bad, body)

    code, body = worker.http("POST", "/tasks/retry", {"task_type": "swift_fail", "limit": 3})
    assert code == 200 and body["count"] == 3 and set(body["task_ids"]) < set(failed), body
    code, body = worker.http("POST", "/tasks/retry?task_type=swift_fail")
    assert code == 200 and body["count"] >= 1, body
    for t in failed:
        wait_status(worker, t, "failed", since=marks[t])

    # Nothing finished an hour ago; then every completed task, and only those, by a brute-force check.
    code, body = worker.http("POST", "/tasks/clean", {"status": "completed", "older_than": "1h"})
    assert code == 200 and body == {"count": 0, "task_ids": []}, body
    code, body = worker.http("POST", "/tasks/clean?status=completed")
    assert code == 200 and sorted(body["task_ids"]) == sorted(completed), body
    assert worker.task_ids("completed") == set() and worker.task_ids("failed") == set(failed)
    code, body = worker.http("POST", "/tasks/clean", {"status": "failed", "older_than": 0})
    assert code == 200 and sorted(body["task_ids"]) == sorted(failed), body
    assert worker.task_ids() == set()


def test_queue_overview_pause_and_resume(worker):
    assert worker.http("POST", "/queue/pause") == (200, {"paused": True})
    first = submit(worker, "swift_nap", {"ms": 1})
    second = submit(worker, "data_processing", {"data": [1, 2], "operation": "sum"})
    delayed = submit(worker, "swift_nap", {"ms": 1}, delay_ms=86_400_000)
    time.sleep(0.5)
    assert task(worker, first)["status"] == "pending"
    code, overview = worker.http("GET", "/queue")
    assert code == 200 and overview["paused"] is True and overview["backend"] in ("sqlite", "redis"), overview
    jobs = overview["jobs"]
    assert jobs["waiting"] + jobs.get("prioritized", 0) == 2 and jobs["delayed"] == 1 and jobs["active"] == 0, overview
    assert overview["oldest_waiting"]["task_id"] == first and overview["oldest_waiting"]["age_seconds"] >= 0.4, overview
    assert overview["task_types"]["swift_nap"]["pending"] == 2 and overview["task_types"]["data_processing"]["pending"] == 1
    assert overview["tasks"]["pending"] == 3, overview
    if worker.redis_queue:
        async def reference():
            async with bull_queue(worker.redis_url, worker.redis_queue) as q:
                return await q.getJobCounts("waiting", "delayed", "active", "completed", "failed", "prioritized"), await q.isPaused()
        counts, paused = asyncio.run(reference())
        assert paused is True
        for state, n in counts.items():
            assert jobs[state] == n, (state, counts, jobs)

    assert worker.http("POST", "/queue/resume") == (200, {"paused": False})
    wait_status(worker, first, "completed")
    wait_status(worker, second, "completed")
    code, overview = worker.http("GET", "/queue")
    assert overview["paused"] is False and overview["oldest_waiting"] is None and overview["jobs"]["delayed"] == 1, overview
    assert overview["tasks"]["completed"] == 2 and delayed


def test_task_logs_keep_the_newest_lines_with_the_task(worker):
    done = worker.execute("swift_nap", {"ms": 1, "logs": 1205, "long_line": 20000})
    def logs():
        code, body = worker.http("GET", f"/task/{done['task_id']}/logs")
        assert code == 200, body
        return body if body["logs"] and body["logs"][-1]["level"] == "error" else None
    body = wait_until(logs, 10, "the task's logs written")
    lines = body["logs"]
    assert body["total"] == 1000 and len(lines) == 1000, body["total"]
    # The newest 1,000: the first 206 of 1,206 lines are gone; levels as logged.
    assert [line["message"] for line in lines[:-1]] == [f"line {i}" for i in range(206, 1205)]
    assert {line["level"] for line in lines[:-1]} == {"info", "warning"} and lines[0]["level"] == "info"
    long = lines[-1]["message"]
    assert long.endswith("…[truncated]") and len(long.encode()) <= 8192 and set(long[:-13]) == {"é"}, long[-20:]
    code, page = worker.http("GET", f"/task/{done['task_id']}/logs?limit=10&offset=990")
    assert code == 200 and [line["message"] for line in page["logs"]][:9] == [f"line {i}" for i in range(1196, 1205)]
    assert worker.http("GET", "/task/no-such-task/logs")[0] == 404
    assert worker.http("GET", f"/task/{done['task_id']}/logs?limit=0")[0] == 400
    if worker.redis_queue:
        # BullMQ's job log holds the same newest lines, as its Queue.getJobLogs reads them.
        async def bullmq_logs():
            async with bull_queue(worker.redis_url, worker.redis_queue) as q:
                return await q.getJobLogs(done["task_id"], 0, -1)
        logged = asyncio.run(bullmq_logs())
        assert logged["count"] == 1000 and logged["logs"] == [line["message"] for line in lines], logged["count"]
    # Removed with the task.
    assert worker.http("DELETE", f"/task/{done['task_id']}?purge=true")[0] == 200
    assert worker.http("GET", f"/task/{done['task_id']}/logs")[0] == 404
