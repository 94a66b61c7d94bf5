"""Flows (issue 21): trees of jobs added by PyPI bullmq's FlowProducer run on this worker with
BullMQ's semantics, judged against BullMQ's own Python `Worker` running the same trees side by side.

A parent waits in `waiting-children` until its `dependencies` set is empty; a finished child's return
value goes to the parent's `processed` hash (read by the parent's plugin through `job.children_values`);
a failed child follows its `failParentOnFailure`, `continueParentOnFailure`,
`ignoreDependencyOnFailure` or `removeDependencyOnFailure` option.

Run:  python3 -m pytest -q Tests/interop/test_flows.py -x
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from bullmq import FlowProducer, Job, Worker

from test_worker_interop import (  # noqa: F401  (fixtures)
    DATA_PLUGIN_DIR, PREFIX, await_until, bull_queue, events, key, prerequisites, qname, r, redis_server, spawn, wait_until,
)


@pytest.fixture(scope="module")
def plugins_yaml(tmp_root, prerequisites) -> Path:
    """The data plugin and the Swift fixture (its swift_gather reads a parent's children)."""
    path = tmp_root / "plugins.yaml"
    path.write_text(
        "plugin_dirs:\n"
        f"  - {DATA_PLUGIN_DIR}\n"
        "plugins:\n"
        "  - name: data\n"
        "    max_concurrency: 8\n"
        "  - name: swift-fixture\n"
        f"    path: {DATA_PLUGIN_DIR / 'libSwiftFixturePlugin.so'}\n"
        "    max_concurrency: 8\n")
    return path


async def bullmq_workers(url: str, *queues: str) -> list[Worker]:
    """BullMQ's own Python workers doing what the plugins do: data_processing sums, swift_gather
    totals its children's values, swift_fail fails."""
    async def process(job, token):
        if job.name == "data_processing":
            return {"sum": sum(job.data["data"])}
        if job.name == "swift_fail":
            raise Exception("never works")
        children = await job.getChildrenValues()
        return {"children": children, "total": sum(v.get("sum", v.get("total", 0)) for v in children.values())}
    return [Worker(q, process, {"connection": url, "prefix": PREFIX}) for q in queues]


def tree(a: str, b: str) -> dict:
    """Depth 3 across two queues: root (a) ← mid (b) ← two leaves (a, b); root ← a leaf (a)."""
    return {
        "name": "swift_gather", "queueName": a, "data": {}, "children": [
            {"name": "swift_gather", "queueName": b, "data": {}, "children": [
                {"name": "data_processing", "queueName": a, "data": {"operation": "sum", "data": [1, 2, 3]}},
                {"name": "data_processing", "queueName": b, "data": {"operation": "sum", "data": [10]}},
            ]},
            {"name": "data_processing", "queueName": a, "data": {"operation": "sum", "data": [100]}},
        ],
    }


def state(r, q: str, job_id: str) -> str:
    for name in ("completed", "failed", "waiting-children", "delayed", "prioritized"):
        if r.zscore(key(q, name), job_id) is not None:
            return name
    return "wait" if job_id in r.lrange(key(q, "wait"), 0, -1) else "active" if job_id in r.lrange(key(q, "active"), 0, -1) else "?"


def test_a_flow_of_depth_3_across_two_queues_completes_with_its_childrens_values(redis_server, r, spawn, qname):
    a, b = qname + "-a", qname + "-b"
    a2, b2 = qname + "-a2", qname + "-b2"
    spawn(redis_server.url, a)
    spawn(redis_server.url, b)

    async def body():
        producer = FlowProducer({"connection": redis_server.url, "prefix": PREFIX})
        oracle = await bullmq_workers(redis_server.url, a2, b2)
        try:
            ours = await producer.add(tree(a, b))
            theirs = await producer.add(tree(a2, b2))
            root, root2 = ours["job"].id, theirs["job"].id
            await await_until(lambda: state(r, a, root) == "completed" and state(r, a2, root2) == "completed", 20,
                       lambda: f"both roots to complete (ours {state(r, a, root)}, BullMQ's {state(r, a2, root2)})")
        finally:
            for w in oracle:
                await w.close()
            await producer.close()
        ours_value = json.loads(r.hget(key(a, root), "returnvalue"))
        theirs_value = json.loads(r.hget(key(a2, root2), "returnvalue"))
        assert ours_value["total"] == theirs_value["total"] == 116, (ours_value, theirs_value)
        # The children by task id (one in the other queue as <queue>:<id>), with their results.
        mid = ours["children"][0]["job"].id
        assert set(ours_value["children"]) == {f"{b}:{mid}", ours["children"][1]["job"].id}
        assert ours_value["children"][f"{b}:{mid}"]["total"] == 16
        # BullMQ's own view: the processed hash holds the same values, the dependencies are empty.
        async with bull_queue(redis_server.url, a) as qa:
            job = await Job.fromId(qa, root)
            values = await job.getChildrenValues()
        assert sorted(v.get("sum", v.get("total")) for v in values.values()) == [16, 100], values
        for q, parent in ((a, root), (b, mid)):
            assert r.scard(key(q, f"{parent}:dependencies")) == 0
            assert [e["prev"] for e in events(r, q) if e.get("jobId") == parent and e["event"] == "waiting"] == ["waiting-children"]
        assert r.hlen(key(a2, f"{root2}:processed")) == r.hlen(key(a, f"{root}:processed")) == 2

    asyncio.run(body())


@pytest.mark.parametrize("option", [None, "failParentOnFailure", "continueParentOnFailure", "ignoreDependencyOnFailure",
                                    "removeDependencyOnFailure"])
def test_a_failed_child_affects_its_parent_as_on_bullmqs_worker(option, redis_server, r, spawn, qname):
    ours, theirs = qname, qname + "-bullmq"
    spawn(redis_server.url, ours)

    def flow(q: str) -> dict:
        bad = {"name": "swift_fail", "queueName": q, "data": {"kind": "permanent"}}
        if option:
            bad["opts"] = {option: True}
        return {"name": "swift_gather", "queueName": q, "data": {}, "children": [
            {"name": "data_processing", "queueName": q, "data": {"operation": "sum", "data": [7]}}, bad]}

    async def body():
        producer = FlowProducer({"connection": redis_server.url, "prefix": PREFIX})
        [oracle] = await bullmq_workers(redis_server.url, theirs)
        try:
            mine = await producer.add(flow(ours))
            other = await producer.add(flow(theirs))
            bad_ids = {ours: mine["children"][1]["job"].id, theirs: other["children"][1]["job"].id}
            roots = {ours: mine["job"].id, theirs: other["job"].id}
            await await_until(lambda: all(state(r, q, bad_ids[q]) == "failed" for q in (ours, theirs)), 15, "both bad children to fail")
            settled = ("waiting-children",) if option is None else ("completed", "failed")
            await await_until(lambda: all(state(r, q, roots[q]) in settled for q in (ours, theirs)), 15, "both parents to settle")
            await asyncio.sleep(0.3)
        finally:
            await oracle.close()
            await producer.close()
        outcome = {}
        for q in (ours, theirs):
            root = roots[q]
            parent = key(q, root)
            reason = r.hget(parent, "failedReason")
            value = json.loads(r.hget(parent, "returnvalue") or "null")
            outcome[q] = {
                "state": state(r, q, root),
                "reason": reason and reason.replace(q, "Q").replace(bad_ids[q], "BAD"),
                "dependencies": r.scard(parent + ":dependencies"),
                "unsuccessful": r.zcard(parent + ":unsuccessful"),
                "failed": sorted(r.hkeys(parent + ":failed")) == ([key(q, bad_ids[q])] if r.hlen(parent + ":failed") else []),
                "failed_count": r.hlen(parent + ":failed"),
                "processed": r.hlen(parent + ":processed"),
                "total": value and value.get("total"),
            }
        assert outcome[ours] == outcome[theirs], outcome
        expected_state = {None: "waiting-children", "failParentOnFailure": "failed"}.get(option, "completed")
        assert outcome[ours]["state"] == expected_state
        if option == "failParentOnFailure":
            assert outcome[ours]["reason"] == "child bull:Q:BAD failed"
        if option in ("continueParentOnFailure", "ignoreDependencyOnFailure"):
            value = json.loads(r.hget(key(ours, roots[ours]), "returnvalue"))
            assert list(value["failed"]) == [bad_ids[ours]] and value["total"] == 7, value

    asyncio.run(body())


def test_a_cancelled_child_fails_its_parent_with_bullmqs_reason(redis_server, r, spawn, qname):
    worker = spawn(redis_server.url, qname)

    async def body():
        producer = FlowProducer({"connection": redis_server.url, "prefix": PREFIX})
        try:
            flow = await producer.add({"name": "swift_gather", "queueName": qname, "data": {}, "children": [
                {"name": "swift_nap", "queueName": qname, "data": {"ms": 20000}, "opts": {"failParentOnFailure": True}}]})
        finally:
            await producer.close()
        root, child = flow["job"].id, flow["children"][0]["job"].id
        assert state(r, qname, root) == "waiting-children"
        await await_until(lambda: worker.http("GET", f"/task/{child}")[1].get("status") == "processing", 10, "the child to run")
        code, body = worker.http("DELETE", f"/task/{child}")
        assert code in (200, 202), body
        # The child ended (cancelled, a failure for BullMQ) with failParentOnFailure: the parent
        # fails without running, with BullMQ's reason.
        await await_until(lambda: state(r, qname, root) == "failed", 10, lambda: f"the parent to fail (it is {state(r, qname, root)})")
        assert r.hget(key(qname, root), "failedReason") == f"child {key(qname, child)} failed"
        assert r.zrange(key(qname, f"{root}:unsuccessful"), 0, -1) == [key(qname, child)]

    asyncio.run(body())
