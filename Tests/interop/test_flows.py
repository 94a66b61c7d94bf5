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
import time
from pathlib import Path

import pytest
from bullmq import FlowProducer, Job, Worker

from test_worker_interop import (  # noqa: F401  (fixtures)
    DATA_PLUGIN_DIR, PREFIX, await_until, bull_queue, events, key, prerequisites, qname, r, redis_server, spawn, wait_until,
)


def fixture_plugins(greeting: str = "hello") -> str:
    """plugins.yaml with the data plugin and the Swift fixture (its swift_gather reads a parent's
    children; swift_nap answers with the greeting of its config)."""
    return (
        "plugin_dirs:\n"
        f"  - {DATA_PLUGIN_DIR}\n"
        "plugins:\n"
        "  - name: data\n"
        "    max_concurrency: 8\n"
        "  - name: swift-fixture\n"
        f"    path: {DATA_PLUGIN_DIR / 'libSwiftFixturePlugin.so'}\n"
        "    max_concurrency: 8\n"
        "    config:\n"
        f"      greeting: {greeting}\n")


@pytest.fixture(scope="module")
def plugins_yaml(tmp_root, prerequisites) -> Path:
    path = tmp_root / "plugins.yaml"
    path.write_text(fixture_plugins())
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


# ---------------------------------------------------------------------------------------------
# POST /flows, on both backends
# ---------------------------------------------------------------------------------------------

@pytest.fixture(params=["embedded", "redis"])
def api_worker(request, tmp_path, plugins_yaml, redis_server, r, spawn, qname):
    """A worker on the embedded backend or on Redis, with the data and fixture plugins."""
    if request.param == "redis":
        yield spawn(redis_server.url, qname)
        return
    from test_worker_interop import WorkerProc, worker_env
    worker = WorkerProc(worker_env(tmp_path, plugins_yaml, POLL_INTERVAL_MS="50"), tmp_path / "w").start()
    yield worker
    worker.terminate()
    worker.wait_stopped()


def task(worker, task_id: str) -> dict:
    code, body = worker.http("GET", f"/task/{task_id}")
    assert code == 200, body
    return body


def leaf(n: int, **options) -> dict:
    return {"task_type": "data_processing", "parameters": {"operation": "sum", "data": [n]}, **({"options": options} if options else {})}


def test_post_flows_runs_a_tree_and_shows_parents_and_children(api_worker, r, qname):
    worker = api_worker
    code, ids = worker.http("POST", "/flows", {"task_type": "swift_gather", "children": [
        {"task_type": "swift_gather", "children": [leaf(1), leaf(2)]}, leaf(40)]})
    assert code == 202, ids
    root, mid = ids["task_id"], ids["children"][0]["task_id"]
    assert [c["task_type"] for c in ids["children"]] == ["swift_gather", "data_processing"] and len(ids["children"][0]["children"]) == 2
    wait_until(lambda: task(worker, root)["status"] == "completed", 15, lambda: f"the root to complete ({task(worker, root)['status']})")
    shown = task(worker, root)
    assert shown["result"]["total"] == 43 and shown["parent_id"] is None, shown
    assert {c["task_id"] for c in shown["children"]} == {mid, ids["children"][1]["task_id"]}
    assert all(c["status"] == "completed" for c in shown["children"])
    assert shown["result"]["children"][mid]["total"] == 3
    assert task(worker, ids["children"][0]["children"][1]["task_id"])["parent_id"] == mid
    # The parent started after its last child finished.
    last_child = max(task(worker, c["task_id"])["finished_at"] for c in shown["children"])
    assert shown["started_at"] >= last_child
    if r.exists(key(qname, root)):
        assert r.smembers(key(qname, f"{root}:dependencies")) == set()
        assert r.hget(key(qname, mid), "parentKey") == key(qname, root)


@pytest.mark.parametrize("option,expected", [("fail_parent_on_failure", "failed"), ("continue_parent_on_failure", "completed"),
                                             ("ignore_dependency_on_failure", "completed"), ("remove_dependency_on_failure", "completed")])
def test_post_flows_failure_options(option, expected, api_worker, r, qname):
    worker = api_worker
    bad = {"task_type": "swift_fail", "parameters": {"kind": "permanent"}, "options": {option: True}}
    code, ids = worker.http("POST", "/flows", {"task_type": "swift_gather", "children": [leaf(5), bad]})
    assert code == 202, ids
    root, child = ids["task_id"], ids["children"][1]["task_id"]
    wait_until(lambda: task(worker, root)["status"] in ("completed", "failed"), 15, lambda: f"the root ({task(worker, root)['status']})")
    shown = task(worker, root)
    assert shown["status"] == expected, shown
    if option == "fail_parent_on_failure":
        assert shown["error"] in (f"child {child} failed", f"child {key(qname, child)} failed"), shown
        assert shown["started_at"] is None or shown["result"] is None
    else:
        failed = {"continue_parent_on_failure": [child], "ignore_dependency_on_failure": [child]}.get(option, [])
        assert list(shown["result"]["failed"]) == failed, shown["result"]
        # continue_parent_on_failure starts the parent as soon as the child fails, as BullMQ's
        # cpof does: the other child may not have finished by then.
        assert shown["result"]["total"] in ((0, 5) if option == "continue_parent_on_failure" else (5,)), shown["result"]


def test_post_flows_refuses_bad_trees_naming_the_node(api_worker):
    worker = api_worker
    cases = [
        ({"task_type": "swift_gather", "children": [leaf(1, attempts=0)]}, 422, "children[0].options.attempts"),
        ({"task_type": "swift_gather", "children": [leaf(1), {"task_type": "nope"}]}, 404, None),
        ({"task_type": "swift_gather", "children": [{"task_type": "data_processing", "parameters": {"operation": "x"}}]}, 422, None),
        ({"task_type": "swift_gather", "children": [leaf(1, fail_parent_on_failure=True, remove_dependency_on_failure=True)]}, 422,
         "children[0].options.remove_dependency_on_failure"),
        ({"task_type": "swift_gather", "options": {"fail_parent_on_failure": True}}, 422, "options.fail_parent_on_failure"),
        ({"task_type": "swift_gather", "children": {"task_type": "x"}}, 422, "children"),
        ({"task_type": "swift_gather", "colour": 1}, 422, "colour"),
    ]
    for body, status, field in cases:
        code, answer = worker.http("POST", "/flows", body)
        assert code == status, (body, answer)
        if field:
            assert answer["error"]["details"]["field"] == field, answer
        if status == 404:
            assert answer["error"]["details"]["node"] == "children[1]" and answer["error"]["message"].startswith("children[1]: "), answer
    deep = leaf(1)
    for _ in range(40):
        deep = {"task_type": "swift_gather", "children": [deep]}
    code, answer = worker.http("POST", "/flows", deep)
    assert code == 422 and "deeper than 32" in answer["error"]["message"], answer
    # Nothing of a refused flow was queued.
    code, listing = worker.http("GET", "/tasks?limit=10")
    assert code == 200 and listing["tasks"] == [], listing


def test_cancelling_a_waiting_parent_leaves_its_children_running(api_worker):
    worker = api_worker
    code, ids = worker.http("POST", "/flows", {"task_type": "swift_gather", "children": [
        {"task_type": "swift_nap", "parameters": {"ms": 600}}]})
    assert code == 202, ids
    root, child = ids["task_id"], ids["children"][0]["task_id"]
    code, answer = worker.http("DELETE", f"/task/{root}")
    assert code in (200, 202) and answer["status"] == "cancelled", answer
    wait_until(lambda: task(worker, child)["status"] == "completed", 10, "the child to complete")
    time.sleep(1.0)
    assert task(worker, root)["status"] == "cancelled" and task(worker, root)["started_at"] is None
