"""Schedules and flows on Redis (issue 21), side by side with PyPI bullmq's own Python Worker.

schedules: n BullMQ job schedulers (`every` 60 s, made with PyPI bullmq's `upsertJobScheduler` while
the queue is paused), all due at once; the worker under test starts, the queue resumes, and the clock
runs until every scheduler's run has completed and its next run is queued (delayed). Schedules
evaluated per second = n / that time; worker CPU per run.

flows: one `FlowProducer` tree of a parent and `children` no-op children (paused while added); from
the resume, children/s (the children's first start to the last end, from the job hashes'
processedOn/finishedOn) and the time from the last child's end to the parent's start.

Both at concurrency 50, the no-op C plugin for Uvian, a processor returning None for BullMQ.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from redis_bench import (
    Env, Proc, QUEUE, TASK_TYPE, build_noop_plugin, key, log, redis_env, start_python_bullmq, start_uvian, wait_blocked,
)

CONCURRENCY = 50


def _contestants(worker_bin: Any) -> dict[str, Callable[[Env, str], Proc]]:
    _, yaml = build_noop_plugin()
    return {
        "uvian": lambda env, label: start_uvian(worker_bin, env, CONCURRENCY, yaml, label),
        "bullmq_python": lambda env, label: start_python_bullmq(env, CONCURRENCY, label),
    }


def _resume(env: Env) -> None:
    env.r.hdel(key("meta"), "paused")
    env.r.zadd(key("marker"), {"0": 0})


def _wait(predicate: Callable[[], bool], timeout: float, what: str, proc: Proc) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if not proc.alive:
            raise RuntimeError(f"worker exited during {what}:\n{proc.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not done within {timeout:.0f}s")
        time.sleep(0.02)


async def _make_schedulers(url: str, n: int) -> None:
    from bullmq import Queue
    q = Queue(QUEUE, {"connection": url})
    try:
        for start in range(0, n, 200):
            await asyncio.gather(*(q.upsertJobScheduler(f"s{i}", {"every": 60000}, TASK_TYPE, {})
                                   for i in range(start, min(start + 200, n))))
    finally:
        await q.close()


def schedules(worker_bin: Any, n: int = 10000) -> dict:
    results: dict = {"n": n, "every_ms": 60000, "concurrency": CONCURRENCY}
    for name, start in _contestants(worker_bin).items():
        with redis_env(f"schedules-{name}") as env:
            env.r.hset(key("meta"), "paused", "1")
            t0 = time.perf_counter()
            asyncio.run(_make_schedulers(env.url, n))
            made_s = time.perf_counter() - t0
            proc = start(env, f"schedules-{name}")
            try:
                wait_blocked(env, proc)
                time.sleep(0.2)
                cpu0 = proc.cpu_s()
                t0 = time.perf_counter()
                _resume(env)
                _wait(lambda: env.r.zcard(key("completed")) >= n and env.r.zcard(key("delayed")) >= n, 300,
                      f"{n} scheduled runs", proc)
                wall = time.perf_counter() - t0
                cpu = proc.cpu_s() - cpu0
            finally:
                proc.stop()
            next_runs = env.r.zcard(key("delayed"))
        results[name] = {"schedules_per_s": round(n / wall, 1), "wall_s": round(wall, 3),
                         "worker_cpu_us_per_run": round(cpu / n * 1e6, 1), "next_runs_queued": next_runs,
                         "upsert_per_s_bullmq": round(n / made_s, 1)}
        log(f"schedules {name}: {results[name]['schedules_per_s']} schedules/s, {results[name]['worker_cpu_us_per_run']} µs/run")
    ours, theirs = results["uvian"]["schedules_per_s"], results["bullmq_python"]["schedules_per_s"]
    results["ratio_vs_bullmq_python"] = round(ours / theirs, 2) if theirs else None
    return results


async def _add_flow(url: str, children: int) -> tuple[str, list[str]]:
    from bullmq import FlowProducer
    producer = FlowProducer({"connection": url})
    try:
        flow = await producer.add({"name": TASK_TYPE, "queueName": QUEUE, "data": {},
                                   "children": [{"name": TASK_TYPE, "queueName": QUEUE, "data": {"i": i}} for i in range(children)]})
    finally:
        await producer.close()
    return flow["job"].id, [child["job"].id for child in flow["children"]]


def flows(worker_bin: Any, children: int = 1000) -> dict:
    results: dict = {"children": children, "concurrency": CONCURRENCY}
    for name, start in _contestants(worker_bin).items():
        with redis_env(f"flows-{name}") as env:
            env.r.hset(key("meta"), "paused", "1")
            parent, ids = asyncio.run(_add_flow(env.url, children))
            proc = start(env, f"flows-{name}")
            try:
                wait_blocked(env, proc)
                time.sleep(0.2)
                _resume(env)
                _wait(lambda: env.r.zscore(key("completed"), parent) is not None, 300, "the flow", proc)
            finally:
                proc.stop()
            pipe = env.r.pipeline(transaction=False)
            for job_id in ids:
                pipe.hmget(key(job_id), "processedOn", "finishedOn")
            stamps = [(int(p), int(f)) for p, f in pipe.execute()]
            parent_start = int(env.r.hget(key(parent), "processedOn"))
        first, last = min(p for p, _ in stamps), max(f for _, f in stamps)
        span = max(last - first, 1) / 1000
        results[name] = {"children_per_s": round(children / span, 1), "children_span_s": round(span, 3),
                         "last_child_to_parent_start_ms": parent_start - last}
        log(f"flows {name}: {results[name]['children_per_s']} children/s, parent {results[name]['last_child_to_parent_start_ms']} ms after the last child")
    ours, theirs = results["uvian"]["children_per_s"], results["bullmq_python"]["children_per_s"]
    results["ratio_vs_bullmq_python"] = round(ours / theirs, 2) if theirs else None
    return results
