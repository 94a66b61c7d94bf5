"""Fleet control (issue 21): commands to every worker over the control channel (Redis pub/sub, or
the SQLite file the embedded workers share), their answers, heartbeats (`GET /workers`) and
`CONTROL_SECRET`.

Run:  python3 -m pytest -q Tests/interop/test_fleet.py -x
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import pytest

from test_flows import fixture_plugins
from test_worker_interop import (  # noqa: F401  (fixtures)
    WorkerProc, bull_queue, events, key, prerequisites, qname, r, redis_server, spawn, wait_until,
    worker_env,
)


@pytest.fixture(scope="module")
def plugins_yaml(tmp_root, prerequisites) -> Path:
    path = tmp_root / "plugins.yaml"
    path.write_text(fixture_plugins("hello"))
    return path


@pytest.fixture(autouse=True)
def fresh_plugins(plugins_yaml):
    plugins_yaml.write_text(fixture_plugins("hello"))


# Workers notice plugins.yaml changes only when told (the file watcher is slowed to an hour).
QUIET = {"PLUGIN_WATCH_INTERVAL_MS": "3600000", "HEARTBEAT_INTERVAL_MS": "300"}


def control(worker: WorkerProc, command: str, body: dict | None = None, timeout: float = 3) -> dict:
    code, answer = worker.http("POST", f"/control/{command}?timeout={timeout}", body, timeout=timeout + 10)
    assert code == 200, answer
    return answer


def test_workers_heartbeat_and_a_fleet_wide_reload_under_load_loses_nothing(redis_server, r, spawn, qname, plugins_yaml):
    workers = [spawn(redis_server.url, qname, **QUIET) for _ in range(3)]
    wait_until(lambda: len(workers[0].http("GET", "/workers")[1]["workers"]) == 3, 5, "three live workers")
    listed = workers[0].http("GET", "/workers")[1]["workers"]
    assert {w["worker_id"] for w in listed} == {w.env["WORKER_ID"] for w in workers}
    assert all(w["pid"] > 0 and w["version"] and w["slots"] == 10 and {p["name"] for p in w["plugins"]} == {"data", "swift-fixture"}
               for w in listed), listed
    before = {w["worker_id"]: {p["name"]: p["generation"] for p in w["plugins"]} for w in listed}

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            jobs = []
            for batch in range(6):
                jobs += await q.addBulk([{"name": "swift_nap", "data": {"ms": 20, "n": batch * 100 + i}} for i in range(100)])
                if batch == 2:
                    plugins_yaml.write_text(fixture_plugins("bonjour"))
                    answer = control(workers[1], "plugins.reload", {"name": "swift-fixture"}, timeout=10)
                    assert answer["expected"] == 3 and len(answer["replies"]) == 3, answer
                    for reply in answer["replies"]:
                        assert reply["ok"] and reply["result"]["outcome"] == "reloaded", reply
                        [plugin] = reply["result"]["plugins"]
                        assert plugin["generation"] == before[reply["worker_id"]]["swift-fixture"] + 1, (reply, before)
                await asyncio.sleep(0.2)
            ids = {j.id for j in jobs}
            wait_until(lambda: r.zcard(key(qname, "completed")) >= 600, 60, "600 jobs completed")
            stream = events(r, qname)
            completed = Counter(e["jobId"] for e in stream if e["event"] == "completed")
            assert set(completed) == ids and set(completed.values()) == {1}, "a job lost or run twice"
            greetings = Counter(json.loads(r.hget(key(qname, i), "returnvalue"))["greeting"] for i in ids)
            assert set(greetings) <= {"hello", "bonjour"} and greetings["bonjour"] >= 300, greetings

    asyncio.run(body())
    after = workers[2].http("GET", "/workers")[1]["workers"]
    assert all({p["name"]: p["generation"] for p in w["plugins"]}["swift-fixture"] == before[w["worker_id"]]["swift-fixture"] + 1
               for w in after), after


def test_a_cancel_reaches_the_worker_running_the_task_at_once(redis_server, r, spawn, qname):
    # Leases of 60 s: the worker running the job renews every 20 s, so only the channel can be that quick.
    a = spawn(redis_server.url, qname, LEASE_SECONDS="60", **QUIET)
    code, task = a.http("POST", "/execute", {"task_type": "swift_nap", "parameters": {"ms": 30000, "events": 300}})
    assert code == 202, task
    wait_until(lambda: a.http("GET", f"/task/{task['task_id']}")[1]["status"] == "processing", 10, "the job to run on a")
    b = spawn(redis_server.url, qname, **QUIET)
    asked = time.monotonic()
    answer = control(b, "task.cancel", {"task_id": task["task_id"]})
    running_here = {reply["worker_id"]: reply["result"]["running_here"] for reply in answer["replies"]}
    assert running_here == {a.env["WORKER_ID"]: True, b.env["WORKER_ID"]: False}, answer
    wait_until(lambda: a.http("GET", f"/task/{task['task_id']}")[1]["status"] == "cancelled", 5, "the job to end cancelled")
    assert time.monotonic() - asked < 5
    assert r.zscore(key(qname, "failed"), task["task_id"]) is not None


def test_drain_pause_and_resume(redis_server, r, spawn, qname):
    a = spawn(redis_server.url, qname, **QUIET)
    b = spawn(redis_server.url, qname, **QUIET)
    answer = control(b, "worker.drain", {"worker_id": a.env["WORKER_ID"]})
    assert [(x["worker_id"], x["result"]["draining"]) for x in answer["replies"]] == [(a.env["WORKER_ID"], True)], answer

    async def body():
        async with bull_queue(redis_server.url, qname) as q:
            await q.addBulk([{"name": "data_processing", "data": {"operation": "sum", "data": [i]}} for i in range(40)])
            wait_until(lambda: r.zcard(key(qname, "completed")) == 40, 15, "40 jobs")
            assert a.task_ids() == set() and len(b.task_ids()) == 40
            assert [w["draining"] for w in a.http("GET", "/workers")[1]["workers"] if w["worker_id"] == a.env["WORKER_ID"]] == [True]
            # Paused for the whole queue, as BullMQ pauses it.
            paused = control(a, "queue.pause")
            assert len(paused["replies"]) == 2 and all(x["result"]["paused"] for x in paused["replies"]), paused
            assert await q.isPaused()
            await q.add("data_processing", {"operation": "sum", "data": [7]})
            await asyncio.sleep(1)
            assert r.zcard(key(qname, "completed")) == 40
            control(a, "queue.resume")
            control(a, "worker.resume", {"worker_id": a.env["WORKER_ID"]})
            assert not await q.isPaused()
            wait_until(lambda: r.zcard(key(qname, "completed")) == 41, 10, "the job added while paused")
            assert [e["event"] for e in events(r, qname) if e["event"] in ("paused", "resumed")] == ["paused", "resumed"]

    asyncio.run(body())


def test_with_a_control_secret_unsigned_commands_are_ignored(redis_server, r, spawn, qname):
    listeners = r.pubsub_numsub("uvw:control")[0][1]
    a = spawn(redis_server.url, qname, CONTROL_SECRET="s3cret", **QUIET)
    # The worker subscribes on a thread of its own after it answers HTTP: pub/sub keeps nothing for
    # a late subscriber, so the forgeries are sent once it listens.
    wait_until(lambda: r.pubsub_numsub("uvw:control")[0][1] > listeners, 10, "the worker's subscription")
    # A forged command straight on the channel: no signature, then a wrong one, then a replay of
    # a signed one from long ago.
    forged = {"id": "f-1", "command": "worker.drain", "arguments": {}, "sender": "mallory", "sent_at": int(time.time() * 1000)}
    r.publish("uvw:control", json.dumps(forged))
    r.publish("uvw:control", json.dumps(dict(forged, id="f-2", signature="sha256=" + "0" * 64)))
    wait_until(lambda: len([e for e in a.log_entries() if e.get("message") == "control.rejected"]) >= 2, 5, "the rejections")
    reasons = [e["reason"] for e in a.log_entries() if e.get("message") == "control.rejected"]
    assert reasons[:2] == ["unsigned", "bad signature"], reasons
    assert a.http("GET", "/workers")[1]["workers"][0]["draining"] is False
    # The API signs with the same secret: its commands are obeyed.
    answer = control(a, "worker.drain")
    assert answer["replies"][0]["result"]["draining"] is True


def test_embedded_workers_sharing_a_data_dir_form_a_fleet(tmp_path, plugins_yaml):
    started = []
    try:
        for n in range(2):
            env = worker_env(tmp_path / f"w{n}", plugins_yaml, DATA_DIR=str(tmp_path / "data"), WORKER_ID=f"e{n}", POLL_INTERVAL_MS="50", **QUIET)
            started.append(WorkerProc(env, tmp_path / f"w{n}").start())
        a, b = started
        wait_until(lambda: len(a.http("GET", "/workers")[1]["workers"]) == 2, 5, "two live workers")
        plugins_yaml.write_text(fixture_plugins("hallo"))
        answer = control(b, "plugins.reload")
        assert sorted(x["worker_id"] for x in answer["replies"]) == ["e0", "e1"], answer
        assert all(x["result"]["outcome"] == "synced" for x in answer["replies"])
        code, done = a.http("POST", "/execute?wait=10", {"task_type": "swift_nap", "parameters": {"ms": 1}})
        assert code == 200 and done["result"]["greeting"] == "hallo", done
        control(a, "worker.drain", {"worker_id": "e0"})
        code, queued = a.http("POST", "/execute", {"task_type": "data_processing", "parameters": {"operation": "sum", "data": [2]}})
        assert code == 202, queued
        wait_until(lambda: a.http("GET", f"/task/{queued['task_id']}")[1]["status"] == "completed", 10, "the job, on the other worker")
        assert a.http("GET", f"/task/{queued['task_id']}")[1]["worker_id"] == "e1"
        a.terminate()
        a.wait_stopped()
        wait_until(lambda: [w["worker_id"] for w in b.http("GET", "/workers")[1]["workers"]] == ["e1"], 5, "the stopped worker to leave")
    finally:
        for w in started:
            w.terminate()
            w.wait_stopped()
