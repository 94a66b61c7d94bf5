"""Redis Cluster (issue 21): the worker on a real cluster of three masters and three replicas
started on loopback ports. `REDIS_URL` names any node; the worker finds the master of its queue's
hash tag, follows MOVED and ASK, and finds it again after a failover; a prefix without a hash
tag is refused. PyPI bullmq produces on the slot's master.

Run:  python3 -m pytest -q Tests/interop/test_cluster.py -x
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections import Counter

import pytest
from bullmq import Queue

from redis_cluster import RedisCluster
from test_worker_interop import (  # noqa: F401  (fixtures)
    WORKER_BIN, WORKER_ENV, plugins_yaml, prerequisites, qname, spawn, wait_until,
)


@pytest.fixture(scope="module")
def cluster(tmp_root, prerequisites):
    c = RedisCluster(tmp_root / "cluster")
    c.start()
    yield c
    c.stop()


def tag_on(cluster: RedisCluster, avoid: set[int] = frozenset()) -> str:
    """A hash tag whose slot's master is not one of `avoid`'s ports."""
    for i in range(200):
        tag = f"t{i}"
        if cluster.master_port("{" + tag + "}") not in avoid:
            return tag
    raise RuntimeError("no tag found")


def not_the_master(cluster: RedisCluster, key: str) -> int:
    """A node's port that is not the slot's master, so the worker must be redirected."""
    master = cluster.master_port(key)
    return next(s.port for s in cluster.servers if s.port != master)


async def produce(cluster: RedisCluster, prefix: str, queue: str, jobs: list[dict]) -> list[str]:
    q = Queue(queue, {"connection": cluster.url(cluster.master_port(prefix)), "prefix": prefix})
    try:
        added = []
        for start in range(0, len(jobs), 500):
            added += await q.addBulk(jobs[start:start + 500])
        return [j.id for j in added]
    finally:
        await q.close()


def sums(n: int) -> list[dict]:
    return [{"name": "data_processing", "data": {"operation": "sum", "data": [i, 1]}, "opts": {"attempts": 2}} for i in range(n)]


def test_the_worker_finds_its_slots_master_and_runs_bullmq_jobs(cluster, spawn, qname):
    prefix = "{" + tag_on(cluster) + "}"
    key = f"{prefix}:{qname}:wait"
    worker = spawn(cluster.url(not_the_master(cluster, key)), qname, QUEUE_PREFIX=prefix)
    ids = asyncio.run(produce(cluster, prefix, qname, sums(300)))
    rc = cluster.cluster_client()
    wait_until(lambda: rc.zcard(f"{prefix}:{qname}:completed") == 300, 30, "300 jobs on the cluster")
    values = [json.loads(rc.hget(f"{prefix}:{qname}:{i}", "returnvalue")) for i in ids[:5]]
    assert [v["sum"] for v in values] == [1, 2, 3, 4, 5]
    # Over the API too: a job added by the worker, on the same slot.
    code, task = worker.http("POST", "/execute?wait=10", {"task_type": "data_processing", "parameters": {"operation": "sum", "data": [2, 3]}})
    assert code == 200 and task["result"]["sum"] == 5, task
    # The node it was given is not the one that serves its keys: it found that one itself.
    assert cluster.master_port(key) != int(worker.env["REDIS_URL"].rsplit(":", 1)[1])


def test_two_queues_with_different_tags_live_on_different_masters(cluster, spawn, qname):
    a = tag_on(cluster)
    b = tag_on(cluster, avoid={cluster.master_port("{" + a + "}")})
    masters = {cluster.master_port("{" + t + "}") for t in (a, b)}
    assert len(masters) == 2
    for tag in (a, b):
        spawn(cluster.url(), qname, QUEUE_PREFIX="{" + tag + "}")
    for tag in (a, b):
        asyncio.run(produce(cluster, "{" + tag + "}", qname, sums(50)))
    for tag in (a, b):
        master = RedisCluster.client(cluster.master_port("{" + tag + "}"))
        wait_until(lambda: master.zcard(f"{{{tag}}}:{qname}:completed") == 50, 20, f"the jobs of {{{tag}}}")
    # Each queue's keys are on its own master only.
    for tag in (a, b):
        other = next(iter(masters - {cluster.master_port("{" + tag + "}")}))
        assert RedisCluster.client(other).execute_command("DBSIZE") >= 0
        assert not RedisCluster.client(other).keys(f"{{{tag}}}:*")


def test_a_replica_promoted_mid_drain_loses_no_job(cluster, spawn, qname):
    prefix = "{" + tag_on(cluster) + "}"
    master = cluster.master_port(prefix)
    replica = cluster.replica_port(master)
    spawn(cluster.url(master), qname, QUEUE_PREFIX=prefix, MAX_CONCURRENT_TASKS=8)
    ids = asyncio.run(produce(cluster, prefix, qname, sums(2000)))
    rc = cluster.cluster_client()
    wait_until(lambda: rc.zcard(f"{prefix}:{qname}:completed") >= 300, 30, "300 jobs before the failover")
    cluster.failover(replica)
    assert cluster.master_port(prefix) == replica
    rc = cluster.cluster_client()
    wait_until(lambda: rc.zcard(f"{prefix}:{qname}:completed") == 2000, 60,
               lambda: f"2000 jobs after the failover ({rc.zcard(f'{prefix}:{qname}:completed')})")
    assert rc.zcard(f"{prefix}:{qname}:failed") == 0
    events = rc.xrange(f"{prefix}:{qname}:events")
    completed = Counter(fields["jobId"] for _, fields in events if fields.get("event") == "completed")
    assert set(completed) == set(ids) and set(completed.values()) == {1}, "a job lost or run twice"


def test_a_prefix_without_a_hash_tag_is_refused(cluster, tmp_path, plugins_yaml, qname):
    env = {k: v for k, v in os.environ.items() if k not in WORKER_ENV}
    env.update(REDIS_URL=cluster.url(), QUEUE_NAME=qname, QUEUE_PREFIX="bull", PORT="0", DATA_DIR=str(tmp_path / "data"),
               PLUGINS_CONFIG=str(plugins_yaml), LOG_FORMAT="json")
    run = subprocess.run([str(WORKER_BIN), "serve"], env=env, capture_output=True, text=True, timeout=30)
    assert run.returncode != 0
    assert "no {hash-tag}" in run.stdout + run.stderr and "QUEUE_PREFIX" in run.stdout + run.stderr, run.stdout[-2000:] + run.stderr[-2000:]
