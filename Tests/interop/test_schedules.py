"""Schedules (issue 21): BullMQ job schedulers on Redis, and the same semantics on the embedded queue.

PyPI `bullmq` is the oracle: schedulers made with its `Queue.upsertJobScheduler` run on this
worker with the job ids, iteration counts and options its own Python `Worker` produces (run side
by side on a queue of its own), and schedules made over this worker's API are BullMQ job
schedulers (`getJobSchedulers`, `removeJobScheduler`, its `Worker` runs them).

Run:  python3 -m pytest -q Tests/interop/test_schedules.py -x
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
from collections import Counter

import pytest
from bullmq import Job, Worker

from test_worker_interop import (  # noqa: F401  (fixtures)
    WORKER_BIN, WorkerProc, await_until, bull_queue, events, key, plugins_yaml, prerequisites, qname, r, redis_server, spawn, wait_until,
    worker_env,
)

SUM = {"operation": "sum", "data": [1, 2, 3]}


def run_times(ids: list[str], scheduler: str) -> list[int]:
    """The run times in scheduler job ids `repeat:<id>:<ms>`, sorted."""
    prefix = f"repeat:{scheduler}:"
    assert all(i.startswith(prefix) for i in ids), ids
    return sorted(int(i[len(prefix):]) for i in ids)


def steps(times: list[int]) -> set[int]:
    return {b - a for a, b in zip(times, times[1:])}


def finished_ids(r, q: str) -> list[str]:
    return r.zrange(key(q, "completed"), 0, -1) + r.zrange(key(q, "failed"), 0, -1)


async def bullmq_worker(url: str, q: str) -> Worker:
    """BullMQ's own Python Worker, summing the data like the data plugin."""
    async def process(job, token):
        return {"result": sum(job.data["data"])}
    return Worker(q, process, {"connection": url, "prefix": "bull", "autorun": True})


@contextlib.asynccontextmanager
async def beside_bullmq(url: str, ours: str, theirs: str, scheduler: str, repeat: dict, opts: dict | None = None):
    """Both queues with the same scheduler made by PyPI bullmq; BullMQ's own Python Worker runs
    `theirs` (the test stops it with `stop`, before judging, or at the end)."""
    async with bull_queue(url, ours) as qa, bull_queue(url, theirs) as qb:
        oracle = await bullmq_worker(url, theirs)
        stopped = False

        async def stop():
            nonlocal stopped
            if not stopped:
                stopped = True
                await oracle.close()
        try:
            for q in (qa, qb):
                await q.upsertJobScheduler(scheduler, repeat, "data_processing", SUM, opts)
            yield qa, qb, stop
        finally:
            await stop()


async def scheduler_jobs(queue, ids: list[str]) -> list[Job]:
    return [await Job.fromId(queue, i) for i in ids]


def test_an_every_scheduler_made_by_bullmq_runs_here_as_on_bullmqs_own_worker(redis_server, r, spawn, qname):
    ours, theirs = qname, qname + "-bullmq"
    spawn(redis_server.url, ours)

    async def body():
        async with beside_bullmq(redis_server.url, ours, theirs, "tick", {"every": 1000}, {"attempts": 2}) as (qa, qb, stop):
            await asyncio.sleep(4.6)
            await stop()
            results = {}
            for name, q in ((ours, qa), (theirs, qb)):
                done = finished_ids(r, name)
                times = run_times(done, "tick")
                assert len(times) >= 4, (name, done)
                # Every run on the scheduler's grid; this worker misses none (BullMQ's Python worker
                # wakes for a delayed job on whole seconds, so it may step over one).
                assert all(step % 1000 == 0 for step in steps(times)), (name, times)
                if name == ours:
                    assert steps(times) == {1000}, times
                jobs = await scheduler_jobs(q, done)
                assert all(j.repeatJobKey == "tick" and j.data == SUM and j.opts["attempts"] == 2 for j in jobs)
                counts = sorted(j.opts["repeat"]["count"] for j in jobs)
                assert counts == list(range(1, len(jobs) + 1)), (name, counts)
                [scheduler] = await q.getJobSchedulers()
                assert scheduler["key"] == "tick" and scheduler["every"] == 1000 and scheduler["name"] == "data_processing"
                # The run after the last finished one waits, delayed, and is counted.
                pending = f"repeat:tick:{scheduler['next']}"
                assert r.zscore(key(name, "delayed"), pending) is not None, (name, pending)
                assert scheduler["iterationCount"] == len(jobs) + 1
                results[name] = len(times)
            assert results[ours] >= results[theirs], results
            returned = [json.loads(r.hget(key(ours, i), "returnvalue")) for i in finished_ids(r, ours)]
            assert all(v["sum"] == 6 for v in returned), returned[:2]

    asyncio.run(body())


def test_a_cron_scheduler_in_a_time_zone_runs_at_the_times_bullmq_computes(redis_server, r, spawn, qname):
    """Every second (six fields) in New York time for 6.5 s: more runs than the worker stores ahead
    (8, refilled below 4), so the lease script's own creation, the worker's first computation for a
    scheduler BullMQ made, and the refills are all exercised."""
    ours, theirs = qname, qname + "-bullmq"
    worker = spawn(redis_server.url, ours)

    async def body():
        async with beside_bullmq(redis_server.url, ours, theirs, "nyc", {"pattern": "* * * * * *", "tz": "America/New_York"}) as (qa, qb, stop):
            await asyncio.sleep(6.5)
            await stop()
            got = {}
            for name, q in ((ours, qa), (theirs, qb)):
                times = run_times(finished_ids(r, name), "nyc")
                assert len(times) >= 4 and all(t % 1000 == 0 for t in times), (name, times)
                # This worker misses no second; BullMQ's Python worker may step over one.
                assert steps(times) == {1000} if name == ours else all(step % 1000 == 0 for step in steps(times)), (name, times)
                [scheduler] = await q.getJobSchedulers()
                assert scheduler["pattern"] == "* * * * * *" and scheduler["tz"] == "America/New_York"
                assert scheduler["next"] == times[-1] + 1000, (name, scheduler, times[-1])
                got[name] = len(times)
            assert got[ours] >= 6 and got[ours] >= got[theirs], got
            assert not [e for e in worker.log_entries() if e.get("message") == "schedule.advance.failed"]

    asyncio.run(body())


def test_a_schedule_made_over_the_api_is_a_bullmq_job_scheduler(redis_server, r, spawn, qname):
    worker = spawn(redis_server.url, qname)
    spec = {"task_type": "data_processing", "parameters": SUM, "every": 400, "options": {"attempts": 3, "priority": 2}}

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            code, made = worker.http("PUT", "/schedules/report", spec)
            assert code == 201, made
            assert made["iteration_count"] == 1 and made["next_task_id"].startswith("repeat:report:")
            [scheduler] = await q.getJobSchedulers()
            assert scheduler["key"] == "report" and scheduler["every"] == 400 and scheduler["name"] == "data_processing"
            assert scheduler["template"]["data"] == SUM and scheduler["template"]["opts"]["attempts"] == 3
            assert await q.getJobScheduler("report") is not None
            wait_until(lambda: len(finished_ids(r, qname)) >= 2, 5, "two runs of the API's schedule")
            code, shown = worker.http("GET", "/schedules/report")
            assert code == 200 and shown["iteration_count"] >= 3 and shown["last_task_id"] in finished_ids(r, qname), shown
            code, task = worker.http("GET", f"/task/{shown['last_task_id']}")
            assert code == 200 and task["schedule"]["id"] == "report" and task["status"] == "completed", task
            # Upsert with the same timing keeps the pending run's time; a new parameter reaches it.
            pending = shown["next_task_id"]
            code, replaced = worker.http("PUT", "/schedules/report", dict(spec, parameters={"operation": "sum", "data": [5]}))
            assert code == 200 and replaced["next_task_id"] == pending, (pending, replaced)
            assert json.loads(r.hget(key(qname, pending), "data")) == {"operation": "sum", "data": [5]}
            # Bad input names its field; an unknown task type is a 404.
            for bad, field in (({"cron": "* * 32 * *"}, "cron"), ({"cron": "* * * * *", "tz": "Mars/Olympus"}, "tz"),
                               ({"every": 0}, "every"), ({"every": 100, "cron": "* * * * *"}, "every"), ({}, "every"),
                               ({"every": 100, "limit": 0}, "limit"), ({"every": 100, "options": {"delay_ms": 5}}, "options.delay_ms")):
                code, err = worker.http("PUT", "/schedules/bad", {"task_type": "data_processing", "parameters": SUM, **bad})
                assert code == 422 and err["error"]["details"]["field"] == field, (bad, err)
            code, err = worker.http("PUT", "/schedules/bad", {"task_type": "nope", "every": 100})
            assert code == 404 and err["error"]["code"] == "unknown_task_type", err
            code, err = worker.http("PUT", "/schedules/bad", {"task_type": "data_processing", "parameters": {"operation": "x"}, "every": 100})
            assert code == 422 and err["error"]["code"] == "invalid_parameters", err
            code, err = worker.http("PUT", "/schedules/a:b", {"task_type": "data_processing", "every": 100})
            assert code == 422 and err["error"]["details"]["field"] == "id", err
            # Trigger: one run now, the schedule's own runs untouched.
            code, triggered = worker.http("POST", "/schedules/report/trigger")
            assert code == 202 and triggered["schedule"]["id"] == "report", triggered
            wait_until(lambda: worker.http("GET", f"/task/{triggered['task_id']}")[1]["status"] == "completed", 5, "the triggered run")
            # Removed over the API: gone for BullMQ too, its pending run with it.
            pending = worker.http("GET", "/schedules/report")[1]["next_task_id"]
            code, _ = worker.http("DELETE", "/schedules/report")
            assert code == 200
            assert await q.getJobSchedulers() == []
            assert r.zcard(key(qname, "delayed")) == 0 and not r.exists(key(qname, pending))
            assert not r.exists(key(qname, "repeat:report"))
            assert worker.http("DELETE", "/schedules/report")[0] == 404
            assert worker.http("GET", "/schedules/report")[0] == 404

    asyncio.run(body())


def test_bullmqs_worker_runs_a_schedule_made_over_the_api(redis_server, r, spawn, qname):
    """The job options of the API's first run carry BullMQ's repeat block, from which BullMQ's own
    Worker makes the next runs."""
    worker = spawn(redis_server.url, qname)
    code, made = worker.http("PUT", "/schedules/beat", {"task_type": "data_processing", "parameters": SUM, "every": 200, "limit": 4})
    assert code == 201, made
    worker.terminate()
    worker.wait_stopped()

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            oracle = await bullmq_worker(redis_server.url, qname)
            # BullMQ's Python worker wakes for delayed jobs on whole seconds, stepping over slots.
            await await_until(lambda: len(finished_ids(r, qname)) >= 4, 8, "four runs")
            await asyncio.sleep(0.5)
            await oracle.close()
            times = run_times(finished_ids(r, qname), "beat")
            # One may have run on this worker before it stopped; BullMQ's made the rest, up to the limit.
            assert len(times) == 4 and all(step % 200 == 0 for step in steps(times)), times
            [scheduler] = await q.getJobSchedulers()
            assert scheduler["iterationCount"] == 4 and scheduler["limit"] == 4

    asyncio.run(body())


def test_limit_ends_a_schedule_as_on_bullmqs_worker(redis_server, r, spawn, qname):
    ours, theirs = qname, qname + "-bullmq"
    worker = spawn(redis_server.url, ours)

    async def body():
        async with beside_bullmq(redis_server.url, ours, theirs, "three", {"every": 150, "limit": 3}) as (qa, qb, stop):
            await await_until(lambda: len(finished_ids(r, theirs)) >= 3, 8, "BullMQ's worker's three runs")
            await asyncio.sleep(0.5)
            await stop()
            for name in (ours, theirs):
                times = run_times(finished_ids(r, name), "three")
                assert len(times) == 3 and all(step % 150 == 0 for step in steps(times)), (name, times)
                assert r.zcard(key(name, "delayed")) == 0
            assert steps(run_times(finished_ids(r, ours), "three")) == {150}
            code, shown = worker.http("GET", "/schedules/three")
            assert code == 200 and shown["next_run_at"] is None and shown["iteration_count"] == 3, shown

    asyncio.run(body())


def test_after_downtime_a_schedule_runs_once_and_says_how_many_runs_it_missed(redis_server, r, spawn, qname):
    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            await q.upsertJobScheduler("late", {"every": 200}, "data_processing", SUM)
            await asyncio.sleep(1.3)
            worker = spawn(redis_server.url, qname)
            wait_until(lambda: len(finished_ids(r, qname)) >= 2, 5, "two runs after the worker started")
            times = run_times(finished_ids(r, qname), "late")
            first = f"repeat:late:{times[0]}"
            started = int(r.hget(key(qname, first), "processedOn"))
            code, task = worker.http("GET", f"/task/{first}")
            assert code == 200, task
            missed = task["schedule"]["missed"]
            assert missed == (started - times[0]) // 200 and missed >= 5, (task["schedule"], started - times[0])
            # No burst of catch-up runs: the next is the first slot after the late start.
            assert started < times[1] <= started + 200 and (times[1] - times[0]) % 200 == 0, (started, times)
            await asyncio.sleep(0.5)
            assert len(finished_ids(r, qname)) <= 5

    asyncio.run(body())


def test_three_workers_one_schedule_every_200ms_for_30s_each_tick_once(redis_server, r, spawn, qname):
    workers = [spawn(redis_server.url, qname) for _ in range(3)]
    code, made = workers[0].http("PUT", "/schedules/pulse", {"task_type": "data_processing", "parameters": SUM, "every": 200})
    assert code == 201, made
    time.sleep(30)
    assert workers[1].http("DELETE", "/schedules/pulse")[0] == 200
    time.sleep(0.5)
    stream = events(r, qname)
    active = Counter(e["jobId"] for e in stream if e["event"] == "active")
    completed = Counter(e["jobId"] for e in stream if e["event"] == "completed")
    assert set(active.values()) == {1} and set(completed.values()) == {1}, "a tick ran twice"
    times = run_times(list(completed), "pulse")
    assert len(times) >= 140 and steps(times) == {200}, (len(times), sorted(steps(times)))
    ran = [w.task_ids("completed") for w in workers]
    assert sum(len(x) for x in ran) == len(times) and len(set().union(*ran)) == len(times)


# ---------------------------------------------------------------------------------------------
# Embedded: the same semantics in SQLite, workers sharing a DATA_DIR
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def embedded(tmp_path, plugins_yaml):
    """`embedded(n)` starts n workers on one DATA_DIR; all stopped at the end."""
    started: list[WorkerProc] = []

    def start(n: int) -> list[WorkerProc]:
        for _ in range(n):
            workdir = tmp_path / f"w{len(started)}"
            env = worker_env(workdir, plugins_yaml, DATA_DIR=str(tmp_path / "data"), POLL_INTERVAL_MS="50")
            started.append(WorkerProc(env, workdir).start())
        return started[-n:]

    yield start
    for w in started:
        w.terminate()
    for w in started:
        w.wait_stopped(timeout=3)


def completed_runs(worker: WorkerProc, schedule: str) -> list[dict]:
    code, body = worker.http("GET", "/tasks?limit=1000&status=completed")
    assert code == 200, body
    return [t for t in body["tasks"] if t["task_id"].startswith(f"repeat:{schedule}:")]


def test_embedded_schedules_run_each_tick_once_across_workers(embedded):
    a, b = embedded(2)
    code, made = a.http("PUT", "/schedules/pulse", {"task_type": "data_processing", "parameters": SUM, "every": 200})
    assert code == 201 and made["iteration_count"] == 1, made
    time.sleep(5)
    assert b.http("DELETE", "/schedules/pulse")[0] == 200
    time.sleep(0.4)
    runs = completed_runs(a, "pulse")
    times = run_times([t["task_id"] for t in runs], "pulse")
    assert len(times) >= 22 and steps(times) == {200} and len(set(times)) == len(runs), times
    assert all(t["schedule"]["id"] == "pulse" and t["result"]["sum"] == 6 for t in runs)
    assert a.http("GET", "/schedules")[1]["schedules"] == []


def test_embedded_limit_trigger_upsert_and_missed_runs(embedded, tmp_path):
    [a] = embedded(1)
    spec = {"task_type": "data_processing", "parameters": SUM, "every": 150, "limit": 3}
    assert a.http("PUT", "/schedules/three", spec)[0] == 201
    time.sleep(1.2)
    assert len(completed_runs(a, "three")) == 3
    code, shown = a.http("GET", "/schedules/three")
    assert code == 200 and shown["next_run_at"] is None and shown["iteration_count"] == 3, shown
    code, triggered = a.http("POST", "/schedules/three/trigger")
    assert code == 202 and triggered["schedule"]["id"] == "three"
    # A cron schedule far ahead: its pending run keeps its time across an upsert that changes only
    # the parameters, and moves when the timing changes.
    cron = {"task_type": "data_processing", "parameters": SUM, "cron": "0 0 1 1 *", "tz": "Europe/Berlin"}
    code, first = a.http("PUT", "/schedules/yearly", cron)
    assert code == 201 and first["next_run_at"].endswith("T23:00:00.000Z"), first
    code, same = a.http("PUT", "/schedules/yearly", dict(cron, parameters={"operation": "sum", "data": [9]}))
    assert code == 200 and same["next_task_id"] == first["next_task_id"]
    code, moved = a.http("PUT", "/schedules/yearly", dict(cron, tz="UTC"))
    assert code == 200 and moved["next_run_at"].endswith("T00:00:00.000Z") and len(moved["upcoming_runs"]) == 5
    # Downtime: stopped, then started again after 1.2 s of 200 ms ticks.
    assert a.http("PUT", "/schedules/late", {"task_type": "data_processing", "parameters": SUM, "every": 200})[0] == 201
    time.sleep(0.3)
    a.terminate()
    a.wait_stopped()
    time.sleep(1.2)
    [b] = embedded(1)
    wait_until(lambda: len(completed_runs(b, "late")) >= 3, 5, "runs after the restart")
    runs = sorted(completed_runs(b, "late"), key=lambda t: t["task_id"])
    late = [t for t in runs if t["schedule"]["missed"] > 0]
    assert len(late) == 1 and late[0]["schedule"]["missed"] >= 4, [t["schedule"] for t in runs]
    times = run_times([t["task_id"] for t in runs], "late")
    assert (times[-1] - times[0]) % 200 == 0


# ---------------------------------------------------------------------------------------------
# `uvian-worker schedules apply FILE` / `schedules list`
# ---------------------------------------------------------------------------------------------

SCHEDULES_YAML = """\
schedules:
  - id: nightly
    task_type: data_processing
    parameters: {operation: sum, data: [1, 2, 3]}
    cron: "0 3 * * *"
    tz: Europe/Berlin
  - id: heartbeat
    task_type: data_processing
    parameters: {operation: count, data: [1]}
    every: 60000
    options: {attempts: 3}
"""


def schedules_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(WORKER_BIN), "schedules", *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("backend", ["embedded", "redis"])
def test_schedules_apply_is_idempotent_and_list_prints_them(backend, tmp_path, plugins_yaml, redis_server, r, qname):
    env = worker_env(tmp_path, plugins_yaml)
    if backend == "redis":
        env.update(REDIS_URL=redis_server.url, QUEUE_NAME=qname, QUEUE_PREFIX="bull")
    path = tmp_path / "schedules.yaml"
    path.write_text(SCHEDULES_YAML)
    first = schedules_cli(env, "apply", str(path))
    assert first.returncode == 0, first.stderr
    assert first.stdout.split("\n")[:2] == ["created nightly", "created heartbeat"], first.stdout
    again = schedules_cli(env, "apply", str(path))
    assert again.returncode == 0 and again.stdout.split() == ["unchanged", "nightly", "unchanged", "heartbeat"], again.stdout
    listed = schedules_cli(env, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    shown = {s["id"]: s for s in json.loads(listed.stdout)}
    assert shown["nightly"]["cron"] == "0 3 * * *" and shown["nightly"]["tz"] == "Europe/Berlin"
    assert shown["nightly"]["next_run_at"].endswith(("T02:00:00.000Z", "T01:00:00.000Z")), shown["nightly"]
    assert shown["heartbeat"]["every"] == 60000 and shown["heartbeat"]["options"]["attempts"] == 3
    table = schedules_cli(env, "list")
    assert "nightly  data_processing  cron 0 3 * * * (Europe/Berlin)" in table.stdout, table.stdout
    # A change updates one; --prune removes what the file no longer lists.
    path.write_text(SCHEDULES_YAML.replace("every: 60000", "every: 30000").split("  - id: nightly")[0]
                    + "  - id: heartbeat" + SCHEDULES_YAML.split("  - id: heartbeat")[1].replace("every: 60000", "every: 30000"))
    pruned = schedules_cli(env, "apply", "--prune", str(path))
    assert pruned.returncode == 0 and pruned.stdout.split("\n")[:2] == ["updated heartbeat", "removed nightly"], pruned.stdout
    assert [s["id"] for s in json.loads(schedules_cli(env, "list", "--json").stdout)] == ["heartbeat"]
    if backend == "redis":
        async def bullmq_view():
            async with bull_queue(redis_server.url, qname) as q:
                return await q.getJobSchedulers()
        [scheduler] = asyncio.run(bullmq_view())
        assert scheduler["key"] == "heartbeat" and scheduler["every"] == 30000
    # A bad file names the entry and the field, and changes nothing.
    path.write_text(SCHEDULES_YAML.replace('cron: "0 3 * * *"', 'cron: "0 25 * * *"'))
    bad = schedules_cli(env, "apply", str(path))
    assert bad.returncode != 0 and "schedules[0] (nightly): cron" in bad.stderr and "hour" in bad.stderr, bad.stderr
    assert [s["id"] for s in json.loads(schedules_cli(env, "list", "--json").stdout)] == ["heartbeat"]
