"""Uvian Worker Lua scripts against a throw-away redis-server, judged by PyPI `bullmq`'s own classes.

Run: python3 -m pytest -q Tests/interop/test_lua_scripts.py
Jobs are added with bullmq.Queue; the scripts are driven by lua_harness.RefWorker; the state is
judged with Job.fromId, Queue.getJobCounts, Queue.getJobState and the events stream (XRANGE).
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis

sys.path.insert(0, os.path.dirname(__file__))
from lua_harness import RefWorker, Scripts, now_ms, read_events  # noqa: E402
from redis_server import RedisServer  # noqa: E402

from bullmq import Job, Queue  # noqa: E402


# ---------------------------------------------------------------------------------------------
# fixtures

@pytest.fixture(scope="module")
def server():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed")
    tmp = tempfile.mkdtemp(prefix="uvw-lua-")
    redis_server = RedisServer(Path(tmp))
    redis_server.start()
    r = redis.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    try:
        yield redis_server.port, r
    finally:
        r.close()
        redis_server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def scripts(server):
    return Scripts(server[1])


class Env:
    def __init__(self, port: int, r: redis.Redis, scripts: Scripts):
        self.port, self.r, self.scripts = port, r, scripts
        self.name = "Q" + uuid.uuid4().hex[:8]
        self.P = f"bull:{self.name}:"

    def queue(self) -> Queue:
        return Queue(self.name, {"connection": f"redis://127.0.0.1:{self.port}"})

    def worker(self, **kw) -> RefWorker:
        return RefWorker(self.r, self.name, scripts=self.scripts, **kw)

    def k(self, s: str) -> str:
        return self.P + s

    def events(self) -> list[dict]:
        return read_events(self.r, self.k("events"))

    def names(self, job_id: str | None = None) -> list[str]:
        return [e["event"] for e in self.events() if job_id is None or e.get("jobId") == job_id]


@pytest.fixture
def env(server, scripts):
    return Env(server[0], server[1], scripts)


def run(body):
    """Run an async test body with a fresh event loop (no pytest-asyncio here)."""
    return asyncio.run(body())


def ok(_job):
    return {"ok": True}


async def counts(q: Queue) -> dict:
    return await q.getJobCounts()


# ---------------------------------------------------------------------------------------------
# main flow

def test_main_flow(env):
    async def body():
        q = env.queue()
        try:
            ids = [(await q.add("plain", {"n": i})).id for i in range(3)]
            w = env.worker()
            f = w.fetch()
            assert f.job is not None and f.job.id == ids[0]
            assert f.job.fields["ats"] == "1" and f.job.data == {"n": 0}
            assert env.r.get(env.k(f"{ids[0]}:lock")) == f.job.token
            assert await q.getJobState(ids[0]) == "active"
            assert w.progress(ids[0], {"pct": 50}) == 0
            assert w.log(ids[0], "line 1") == 1
            assert w.complete(f.job, {"ok": "1", "n": 0}) == 0
            assert w.drain(lambda j: {"n": j.data["n"]}) == ids[1:]

            job = await Job.fromId(q, ids[0])
            assert job.returnvalue == {"ok": "1", "n": 0}
            assert job.progress == {"pct": 50}
            assert job.attemptsMade == 1 and job.attemptsStarted == 1
            assert job.finishedOn >= job.processedOn >= job.timestamp
            assert job.stacktrace == [] and job.data == {"n": 0}
            assert await q.getJobState(ids[0]) == "completed"
            logs = await q.getJobLogs(ids[0])
            assert logs["logs"] == ["line 1"]
            c = await counts(q)
            assert c["waiting"] == c["active"] == c["delayed"] == c["prioritized"] == 0
            assert c["completed"] == 3
            assert env.r.exists(env.k(f"{ids[0]}:lock")) == 0

            names = env.names(ids[0])
            assert names == ["added", "waiting", "active", "progress", "completed"]
            comp = [e for e in env.events() if e["event"] == "completed" and e["jobId"] == ids[0]][0]
            assert json.loads(comp["returnvalue"]) == {"ok": "1", "n": 0} and comp["prev"] == "active"
            prog = [e for e in env.events() if e["event"] == "progress"][0]
            assert json.loads(prog["data"]) == {"pct": 50}
            assert env.names()[-1] == "drained"
            assert env.r.hget(env.k("meta"), "opts.maxLenEvents") == "10000"
            # nothing left: moveToActive says so
            f = w.fetch()
            assert f.job is None and f.rate_limit_ttl == 0 and f.next_due == 0
        finally:
            await q.close()
    run(body)


def test_add_job_script_matches_queue_add(env):
    async def body():
        q = env.queue()
        try:
            w = env.worker()
            a = (await q.add("n", {"x": 1})).id
            b = w.add("n", {"x": 2})
            c = w.add("n", {"x": 3}, job_id="custom-1")
            assert (a, b) == ("1", "2")
            assert env.r.get(env.k("id")) == "3"  # INCR on every add, custom ids too
            assert w.add("n", {"x": 4}, job_id="custom-1") == "custom-1"  # duplicate
            assert env.r.get(env.k("id")) == "4"
            assert env.names("custom-1") == ["added", "waiting", "duplicated"]
            assert set(env.r.hkeys(env.k(a))) == set(env.r.hkeys(env.k(b)))
            jb = await Job.fromId(q, b)
            assert jb.data == {"x": 2} and jb.name == "n" and jb.opts["attempts"] == 0
            assert (await Job.fromId(q, c)).data == {"x": 3}
            p = w.add("p", {}, {"priority": 2})
            d = w.add("d", {}, {"delay": 5000})
            assert await q.getJobState(p) == "prioritized"
            assert await q.getJobState(d) == "delayed"
            jd = await Job.fromId(q, d)
            ev = [e for e in env.events() if e.get("jobId") == d and e["event"] == "delayed"][0]
            assert int(ev["delay"]) == jd.timestamp + 5000
            assert int(env.r.zscore(env.k("marker"), "1")) == jd.timestamp + 5000
            assert env.r.lrange(env.k("wait"), 0, -1) == ["custom-1", b, a]
            l = w.add("l", {}, {"lifo": True})
            assert w.drain(ok) == [l, a, b, c, p]
        finally:
            await q.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# retries

@pytest.mark.parametrize("backoff,expected", [
    ({"type": "fixed", "delay": 1000}, [1000, 1000]),
    ({"type": "exponential", "delay": 1000}, [1000, 2000]),
])
def test_retry_with_backoff_then_success(env, backoff, expected):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("flaky", {"v": 1}, {"attempts": 3, "backoff": backoff})).id
            w = env.worker()
            t = now_ms()
            for attempt, delay in enumerate(expected, start=1):
                f = w.fetch(t)
                assert f.job.id == jid
                assert w.fail(f.job, f"boom attempt {attempt}", t) == ("delayed", 0)
                assert await q.getJobState(jid) == "delayed"
                assert env.r.get(env.k(f"{jid}:lock")) is None
                # not due yet: nothing, and the next due time is reported
                f = w.fetch(t + delay - 1)
                assert f.job is None and f.next_due == t + delay
                assert int(env.r.zscore(env.k("marker"), "1")) <= t + delay
                t += delay
            f = w.fetch(t)
            assert f.job.id == jid
            assert w.complete(f.job, "done", t) == 0
            job = await Job.fromId(q, jid)
            assert job.attemptsMade == 3 and job.attemptsStarted == 3
            assert job.returnvalue == "done"
            assert job.failedReason == "boom attempt 2"
            assert len(job.stacktrace) == 2 and all(isinstance(s, str) for s in job.stacktrace)
            assert job.delay == 0
            delayed = [e for e in env.events() if e["event"] == "delayed"]
            assert len(delayed) == 2
            assert [e["jobId"] for e in delayed] == [jid, jid]
            names = env.names(jid)
            assert names.count("failed") == 0 and names.count("completed") == 1
            assert names.count("waiting") == 3  # add + 2 promotions (prev delayed)
            assert await q.getJobState(jid) == "completed"
        finally:
            await q.close()
    run(body)


def test_exponential_delays_in_events(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("x", {}, {"attempts": 3, "backoff": {"type": "exponential", "delay": 1000}})).id
            w = env.worker()
            t = now_ms()
            f = w.fetch(t)
            w.fail(f.job, "e1", t)
            f = w.fetch(t + 1000)
            w.fail(f.job, "e2", t + 1000)
            dues = [int(e["delay"]) for e in env.events() if e["event"] == "delayed"]
            assert dues == [t + 1000, t + 1000 + 2000]
            assert env.r.hget(env.k(jid), "delay") == "2000"
        finally:
            await q.close()
    run(body)


def test_always_failing_job(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("bad", {}, {"attempts": 2, "backoff": 500})).id
            w = env.worker()
            t = now_ms()
            f = w.fetch(t)
            assert w.fail(f.job, "nope 1", t) == ("delayed", 0)
            f = w.fetch(t + 500)
            assert w.fail(f.job, "nope 2", t + 500) == ("failed", 0)
            job = await Job.fromId(q, jid)
            assert await q.getJobState(jid) == "failed"
            assert job.failedReason == "nope 2"
            assert len(job.stacktrace) == 2 and "nope 1" in job.stacktrace[0]
            assert job.attemptsMade == 2 and job.attemptsStarted == 2
            assert job.finishedOn == t + 500
            names = env.names(jid)
            assert names.count("failed") == 1 and names.count("retries-exhausted") == 1
            ex = [e for e in env.events() if e["event"] == "retries-exhausted"][0]
            assert ex["attemptsMade"] == "2"
            fe = [e for e in env.events() if e["event"] == "failed"][0]
            assert fe["failedReason"] == "nope 2" and fe["prev"] == "active"
            assert (await counts(q))["failed"] == 1
        finally:
            await q.close()
    run(body)


def test_immediate_retry_and_stacktrace_limit(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("r", {}, {"attempts": 3, "stackTraceLimit": 1})).id
            other = (await q.add("o", {})).id
            w = env.worker()
            f = w.fetch()
            assert w.fail(f.job, "first") == ("retried", 0)
            assert await q.getJobState(jid) == "waiting"
            assert env.r.lrange(env.k("wait"), 0, -1) == [jid, other]  # back of the FIFO line
            ev = [e for e in env.events() if e.get("jobId") == jid][-1]
            assert ev["event"] == "waiting" and ev["prev"] == "active"
            assert env.r.zscore(env.k("marker"), "0") == 0
            assert w.drain(lambda j: (_ for _ in ()).throw(RuntimeError("again " + j.id))) == [other, jid, jid]
            job = await Job.fromId(q, jid)
            assert job.attemptsMade == 3 and len(job.stacktrace) == 1 and "again" in job.stacktrace[0]
            assert await q.getJobState(jid) == "failed"
        finally:
            await q.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# delayed, priorities, lifo

def test_delayed_job(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("later", {}, {"delay": 60000})).id
            job = await Job.fromId(q, jid)
            due = job.timestamp + 60000
            w = env.worker()
            assert await q.getJobState(jid) == "delayed"
            f = w.fetch(due - 1)
            assert f.job is None and f.next_due == due
            f = w.fetch(due)
            assert f.job.id == jid
            assert f.job.fields["delay"] == "0"
            names = env.names(jid)
            assert names == ["added", "delayed", "waiting", "active"]
            ev = [e for e in env.events() if e["event"] == "waiting"][0]
            assert ev["prev"] == "delayed"
            w.complete(f.job, 1, due)
            job = await Job.fromId(q, jid)
            assert job.processedOn >= job.timestamp + 60000
        finally:
            await q.close()
    run(body)


def test_delayed_real_time(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("soon", {}, {"delay": 150})).id
            w = env.worker()
            assert w.fetch().job is None
            time.sleep(0.2)  # real time on purpose: the 150 ms delay must pass on the clock
            f = w.fetch()
            assert f.job.id == jid
            w.complete(f.job, None)
            job = await Job.fromId(q, jid)
            assert job.processedOn >= job.timestamp + 150
            assert job.returnvalue is None
        finally:
            await q.close()
    run(body)


def test_priorities(env):
    async def body():
        q = env.queue()
        try:
            p3 = (await q.add("p", {}, {"priority": 3})).id
            p1 = (await q.add("p", {}, {"priority": 1})).id
            p2 = (await q.add("p", {}, {"priority": 2})).id
            plain = (await q.add("plain", {})).id
            assert await q.getJobState(p1) == "prioritized"
            c = await counts(q)
            assert c["prioritized"] == 3 and c["waiting"] == 1
            w = env.worker()
            env.r.delete(env.k("marker"))
            f = w.fetch()
            assert f.job.id == plain
            assert env.r.zscore(env.k("marker"), "0") == 0  # handing out a job wakes the next idle worker
            w.complete(f.job, 1)
            assert w.drain(ok) == [p1, p2, p3]
            assert env.r.exists(env.k("pc")) == 0
            c = await counts(q)
            assert c["prioritized"] == 0 and c["completed"] == 4
        finally:
            await q.close()
    run(body)


def test_retry_of_prioritized_job_goes_back_to_prioritized(env):
    async def body():
        q = env.queue()
        try:
            p5 = (await q.add("p", {}, {"priority": 5, "attempts": 2})).id
            p1 = (await q.add("p", {}, {"priority": 1})).id
            w = env.worker()
            f = w.fetch()
            assert f.job.id == p1
            f5 = w.fetch()
            assert f5.job.id == p5
            assert w.fail(f5.job, "once") == ("retried", 0)
            assert await q.getJobState(p5) == "prioritized"
            assert env.r.zscore(env.k("prioritized"), p5) // 2**32 == 5
            w.complete(f.job, 1)
            assert w.drain(ok) == [p5]
            assert (await Job.fromId(q, p5)).attemptsMade == 2
        finally:
            await q.close()
    run(body)


def test_lifo(env):
    async def body():
        q = env.queue()
        try:
            a = (await q.add("a", {})).id
            b = (await q.add("b", {})).id
            c = (await q.add("c", {}, {"lifo": True})).id
            assert env.worker().drain(ok) == [c, a, b]
        finally:
            await q.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# removeOnComplete / removeOnFail

def test_remove_on_complete_true(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("x", {}, {"removeOnComplete": True})).id
            w = env.worker()
            w.log(jid, "a line")
            assert w.drain(ok) == [jid]
            assert await Job.fromId(q, jid) is None
            assert env.r.exists(env.k(jid), env.k(jid + ":logs")) == 0
            assert (await counts(q))["completed"] == 0
            assert "completed" in env.names(jid)
        finally:
            await q.close()
    run(body)


def test_remove_on_complete_count(env):
    async def body():
        q = env.queue()
        try:
            ids = [(await q.add("x", {}, {"removeOnComplete": 2})).id for _ in range(3)]
            w = env.worker()
            w.drain(ok)
            assert set(env.r.zrange(env.k("completed"), 0, -1)) == set(ids[1:])
            assert await Job.fromId(q, ids[0]) is None
            assert (await Job.fromId(q, ids[2])).returnvalue == {"ok": True}
            keep_all = (await q.add("y", {})).id
            w.drain(ok)
            assert env.r.zcard(env.k("completed")) == 3 and await Job.fromId(q, keep_all) is not None
        finally:
            await q.close()
    run(body)


def test_remove_on_complete_age_and_count(env):
    async def body():
        q = env.queue()
        try:
            w = env.worker()
            t = now_ms()
            old = (await q.add("old", {})).id
            f = w.fetch(t - 100_000)
            w.complete(f.job, 1, t - 100_000, keep=None)  # finished 100 s ago, kept
            ids = [(await q.add("x", {}, {"removeOnComplete": {"count": 2, "age": 60}})).id for _ in range(3)]
            for jid in ids:
                f = w.fetch(t)
                w.complete(f.job, 1, t)
            remaining = set(env.r.zrange(env.k("completed"), 0, -1))
            assert remaining == set(ids[1:])
            assert await Job.fromId(q, old) is None  # removed by age
            assert await Job.fromId(q, ids[0]) is None  # removed by count
        finally:
            await q.close()
    run(body)


def test_remove_on_fail(env):
    async def body():
        q = env.queue()
        try:
            w = env.worker()
            boom = lambda j: (_ for _ in ()).throw(RuntimeError("x"))  # noqa: E731
            t_ = (await q.add("t", {}, {"removeOnFail": True})).id
            w.drain(boom)
            assert await Job.fromId(q, t_) is None
            assert "failed" in env.names(t_) and "retries-exhausted" in env.names(t_)
            n = [(await q.add("n", {}, {"removeOnFail": 1})).id for _ in range(2)]
            w.drain(boom)
            assert env.r.zrange(env.k("failed"), 0, -1) == [n[1]]
            assert await Job.fromId(q, n[0]) is None
            assert (await Job.fromId(q, n[1])).failedReason == "x"
            t = now_ms()
            a = (await q.add("a", {}, {"removeOnFail": {"age": 1}})).id
            f = w.fetch(t - 5000)
            w.fail(f.job, "old", t - 5000)
            b = (await q.add("b", {}, {"removeOnFail": {"age": 1}})).id
            f = w.fetch(t)
            w.fail(f.job, "new", t)
            assert await Job.fromId(q, a) is None and await Job.fromId(q, b) is not None
        finally:
            await q.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# stalled recovery

def test_stalled_recovery(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("s", {})).id
            dead = env.worker(stalled_interval=100)
            f = dead.fetch()
            env.r.delete(env.k(f"{jid}:lock"))  # the worker was killed: its lock expired
            checker = env.worker(stalled_interval=100)
            assert checker.stalled_check() == []  # first check: suspect only
            assert env.r.smembers(env.k("stalled")) == {jid}
            assert checker.stalled_check() == []  # throttled by stalled-check
            time.sleep(0.15)  # until stalled-check (PX 100) runs out: a wall-clock interval
            assert checker.stalled_check() == [jid]
            assert await q.getJobState(jid) == "waiting"
            job = await Job.fromId(q, jid)
            assert job.stalledCounter == 1 and job.deferredFailure is None
            ev = env.events()
            assert [e["event"] for e in ev if e.get("jobId") == jid][-2:] == ["waiting", "stalled"]
            assert [e for e in ev if e["event"] == "waiting"][-1]["prev"] == "active"
            assert env.r.zscore(env.k("marker"), "0") == 0
            # the old owner's finish is refused
            assert dead.complete(f.job, "late") == -2
            other = env.worker()
            assert other.drain(lambda j: "recovered") == [jid]
            job = await Job.fromId(q, jid)
            assert job.stalledCounter == 1 and job.attemptsStarted == 2 and job.attemptsMade == 1
            assert job.returnvalue == "recovered"
        finally:
            await q.close()
    run(body)


def test_renewed_job_is_not_stalled(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("s", {})).id
            w = env.worker(stalled_interval=50, lock_duration=5000)
            f = w.fetch()
            assert w.stalled_check() == []
            assert env.r.sismember(env.k("stalled"), jid)
            env.r.pexpire(env.k(f"{jid}:lock"), 100)
            assert w.renew([]) == ([], [])
            lost, cancelled = w.renew([f.job])
            assert lost == [] and cancelled == []
            assert not env.r.sismember(env.k("stalled"), jid)
            assert env.r.pttl(env.k(f"{jid}:lock")) > 4000
            time.sleep(0.06)  # past the 50 ms stalled-check throttle, so the next check runs
            assert w.stalled_check() == []
            assert await q.getJobState(jid) == "active"
            # a foreign token is reported lost and not renewed
            from lua_harness import Job as HJob
            lost, _ = w.renew([HJob(jid, {}, "someone-else"), f.job])
            assert lost == [jid]  # the foreign token is lost; the real one renews
            assert env.r.get(env.k(f"{jid}:lock")) == f.job.token
        finally:
            await q.close()
    run(body)


def test_stalled_past_max_sets_defa(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("s", {}, {"attempts": 5})).id
            w = env.worker(stalled_interval=20, max_stalled=1)
            for _ in range(2):
                f = w.fetch()
                assert f.job.id == jid
                env.r.delete(env.k(f"{jid}:lock"))
                w.stalled_check()
                time.sleep(0.03)  # past the 20 ms stalled-check throttle (wall clock), here and below
                assert w.stalled_check() == [jid]
                time.sleep(0.03)
            job = await Job.fromId(q, jid)
            assert job.stalledCounter == 2
            assert job.deferredFailure == "job stalled more than allowable limit"
            f = w.fetch()
            assert w.process(f.job, ok) == ("failed", 0)  # defa: no processor, no retry
            job = await Job.fromId(q, jid)
            assert await q.getJobState(jid) == "failed"
            assert job.failedReason == "job stalled more than allowable limit"
            assert job.deferredFailure is None
            assert job.attemptsStarted == 3 and job.attemptsMade == 1
            names = env.names(jid)
            assert names.count("stalled") == 2 and names[-1] == "failed"
        finally:
            await q.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# lock ownership

def test_lock_ownership(env):
    async def body():
        q = env.queue()
        try:
            jid = (await q.add("l", {})).id
            a = env.worker()
            f = a.fetch()
            env.r.set(env.k(f"{jid}:lock"), "token-B", px=30000)
            before = env.r.xlen(env.k("events"))
            assert a.complete(f.job, "A") == -6
            assert a.fail(f.job, "A failed")[1] == -6
            assert env.r.xlen(env.k("events")) == before
            assert await q.getJobState(jid) == "active"
            assert env.r.get(env.k(f"{jid}:lock")) == "token-B"
            from lua_harness import Job as HJob
            b_job = HJob(jid, f.job.fields, "token-B")
            assert a.complete(b_job, "B") == 0
            assert a.complete(b_job, "B again") == -2
            env.r.set(env.k(f"{jid}:lock"), "token-B")
            assert a.complete(b_job, "B again") == -3
            assert a.complete(HJob("nope", {}, "t"), 1) == -1
            job = await Job.fromId(q, jid)
            assert job.returnvalue == "B" and job.attemptsMade == 1
            assert env.names(jid).count("completed") == 1
        finally:
            await q.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# pause, global concurrency, rate limit

def test_pause_resume(env):
    async def body():
        q = env.queue()
        try:
            await q.pause()
            jid = (await q.add("p", {})).id
            w = env.worker()
            f = w.fetch()
            assert f.job is None and f.rate_limit_ttl == 0 and f.next_due == 0
            assert await q.getJobState(jid) == "waiting"
            assert (await counts(q))["waiting"] == 1
            assert env.r.zscore(env.k("marker"), "0") is None
            await q.resume()
            assert w.drain(ok) == [jid]
        finally:
            await q.close()
    run(body)


def test_global_concurrency(env):
    async def body():
        q = env.queue()
        try:
            await q.setGlobalConcurrency(1)
            a = (await q.add("a", {})).id
            b = (await q.add("b", {})).id
            w = env.worker()
            fa = w.fetch()
            assert fa.job.id == a
            assert w.fetch().job is None
            env.r.delete(env.k("marker"))
            w.complete(fa.job, 1)
            assert env.r.zscore(env.k("marker"), "0") == 0  # a slot was freed: wake idle workers
            fb = w.fetch()
            assert fb.job.id == b
            # retry/release honour the cap for the marker too
            assert w.fetch().job is None
        finally:
            await q.close()
    run(body)


def test_global_rate_limit(env):
    async def body():
        q = env.queue()
        try:
            await q.setGlobalRateLimit(2, 1000)
            ids = [(await q.add("r", {})).id for _ in range(3)]
            w = env.worker()
            f1, f2 = w.fetch(), w.fetch()
            assert [f1.job.id, f2.job.id] == ids[:2]
            f3 = w.fetch()
            assert f3.job is None and 0 < f3.rate_limit_ttl <= 1000
            assert env.r.get(env.k("limiter")) == "2"
            assert await q.getJobState(ids[2]) == "waiting"
        finally:
            await q.close()
    run(body)


def test_worker_limiter(env):
    async def body():
        q = env.queue()
        try:
            ids = [(await q.add("r", {})).id for _ in range(2)]
            w = env.worker(limiter=(1, 200))
            assert w.fetch().job.id == ids[0]
            f = w.fetch()
            assert f.job is None and 0 < f.rate_limit_ttl <= 200
            time.sleep(0.25)  # the 200 ms limiter window must run out on the clock
            assert w.fetch().job.id == ids[1]
        finally:
            await q.close()
    run(body)


def test_batch_fetch_takes_up_to_count_jobs(env):
    """One moveToActive call with count N leases up to N jobs (the worker's free slots): each
    locked, active, with its own `active` event, in the order single fetches would give."""
    async def body():
        q = env.queue()
        try:
            plain = [(await q.add("p", {"n": i})).id for i in range(3)]
            urgent = (await q.add("u", {}, {"priority": 1})).id
            w = env.worker()
            jobs, _ = w.fetch_many(10)
            assert [j.id for j in jobs] == plain + [urgent]
            for j in jobs:
                assert env.r.get(env.k(f"{j.id}:lock")) == j.token
                assert await q.getJobState(j.id) == "active"
                assert j.fields["ats"] == "1"
                assert env.names(j.id) == ["added", "waiting", "active"]
            assert env.r.llen(env.k("active")) == 4
            assert [j.data for j in jobs] == [{"n": 0}, {"n": 1}, {"n": 2}, {}]
            assert env.r.zscore(env.k("marker"), "0") == 0
            # nothing left: the same reply as a single fetch
            none, f = w.fetch_many(10)
            assert none == [] and f.rate_limit_ttl == 0 and f.next_due == 0
            for j in jobs:
                assert w.complete(j, {"id": j.id}) == 0
            c = await counts(q)
            assert c["completed"] == 4 and c["active"] == 0
            # fewer waiting than asked for, and count 1 is a single fetch
            more = [(await q.add("p", {})).id for _ in range(2)]
            one, _ = w.fetch_many(1)
            assert [j.id for j in one] == more[:1]
        finally:
            await q.close()
    run(body)


def test_a_finish_with_fetch_next_leases_the_next_job_in_the_same_call(env):
    """moveToFinished with a next token (the worker's finish, BullMQ's fetch-next): the job is
    completed as without it, and the next job is leased as moveToActive would lease it — locked,
    active, its `active` event after the `completed` one; with nothing waiting, the reply says when
    to look again; a job the worker no longer owns leases nothing."""
    async def body():
        q = env.queue()
        try:
            first = (await q.add("p", {"n": 1})).id
            second = (await q.add("p", {"n": 2})).id
            w = env.worker()
            job = w.fetch().job
            assert job.id == first
            code, nxt, _ = w.complete_and_fetch(job, {"done": 1})
            assert code is None and [j.id for j in nxt] == [second]
            assert (await Job.fromId(q, first)).returnvalue == {"done": 1}
            assert await q.getJobState(first) == "completed"
            assert await q.getJobState(second) == "active"
            assert env.r.get(env.k(f"{second}:lock")) == nxt[0].token
            names = [(e["event"], e.get("jobId")) for e in env.events()]
            assert names.index(("completed", first)) < names.index(("active", second))
            # nothing left: completed, nothing leased, and no delayed job to wake for
            code, none, fetch = w.complete_and_fetch(nxt[0], {"done": 2})
            assert code is None and none == [] and fetch.rate_limit_ttl == 0 and fetch.next_due == 0
            c = await counts(q)
            assert c["completed"] == 2 and c["active"] == 0
            # a delayed job: the reply names its due time
            await q.add("p", {}, {"delay": 60_000})
            third = (await q.add("p", {"n": 3})).id
            job = w.fetch().job
            assert job.id == third
            _, none, fetch = w.complete_and_fetch(job, {})
            assert none == [] and fetch.next_due > 0
            # a lock another worker holds: -6, and nothing is leased
            fourth = (await q.add("p", {"n": 4})).id
            fifth = (await q.add("p", {"n": 5})).id
            job = w.fetch().job
            assert job.id == fourth
            env.r.set(env.k(f"{fourth}:lock"), "someone-else")
            code, none, _ = w.complete_and_fetch(job, {})
            assert code == -6 and none == []
            assert await q.getJobState(fifth) == "waiting"
        finally:
            await q.close()
    run(body)


def test_batch_fetch_stops_at_the_rate_limit_and_global_concurrency(env):
    async def body():
        q = env.queue()
        try:
            await q.setGlobalRateLimit(2, 1000)
            ids = [(await q.add("r", {})).id for _ in range(5)]
            w = env.worker()
            jobs, _ = w.fetch_many(5)
            assert [j.id for j in jobs] == ids[:2]
            assert env.r.get(env.k("limiter")) == "2"
            none, f = w.fetch_many(5)
            assert none == [] and 0 < f.rate_limit_ttl <= 1000
            assert await q.getJobState(ids[2]) == "waiting"
        finally:
            await q.close()
        env.name = "Q" + uuid.uuid4().hex[:8]  # a second queue
        env.P = f"bull:{env.name}:"
        q2 = env.queue()
        try:
            await q2.setGlobalConcurrency(2)
            ids = [(await q2.add("c", {})).id for _ in range(4)]
            w = env.worker()
            env.r.delete(env.k("marker"))  # the adds' marker
            jobs, _ = w.fetch_many(4)
            assert [j.id for j in jobs] == ids[:2]
            assert env.r.zscore(env.k("marker"), "0") is None  # at the cap: no wake-up for others
            none, f = w.fetch_many(4)
            assert none == [] and f.rate_limit_ttl == 0
        finally:
            await q2.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# deduplication, events cap

def test_deduplication_release(env):
    async def body():
        q = env.queue()
        try:
            j1 = (await q.add("d", {"v": 1}, {"deduplication": {"id": "k1"}})).id
            j1b = (await q.add("d", {"v": 2}, {"deduplication": {"id": "k1"}})).id
            assert j1b == j1 and env.r.get(env.k("de:k1")) == j1
            ttl = (await q.add("d", {}, {"deduplication": {"id": "k2", "ttl": 60000}})).id
            w = env.worker()
            assert w.drain(ok) == [j1, ttl]
            assert env.r.exists(env.k("de:k1")) == 0  # released on finish
            assert env.r.get(env.k("de:k2")) == ttl  # ttl mode: kept until it expires
            j2 = (await q.add("d", {"v": 3}, {"deduplication": {"id": "k1"}})).id
            assert j2 != j1
            assert w.fetch().job.id == j2
        finally:
            await q.close()
    run(body)


def test_events_cap(env):
    async def body():
        q = env.queue()
        try:
            env.r.hset(env.k("meta"), "opts.maxLenEvents", 50)
            await q.addBulk([{"name": "e", "data": {"i": i}} for i in range(500)])
            w = env.worker()
            assert len(w.drain(ok)) == 500
            length = env.r.xlen(env.k("events"))
            # ~1500 events were produced; approximate trimming keeps whole 100-entry nodes
            assert length <= 50 + 2 * 100, length
            assert (await counts(q))["completed"] == 500
        finally:
            await q.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# Uvian scripts: cancel and release

def test_cancel_job(env):
    async def body():
        q = env.queue()
        try:
            waiting = (await q.add("w", {})).id
            delayed = (await q.add("d", {}, {"delay": 60000})).id
            prio = (await q.add("p", {}, {"priority": 4})).id
            active = (await q.add("a", {})).id
            w = env.worker()
            assert w.cancel("missing-id") == "missing"
            t = now_ms()
            assert w.cancel(waiting, "user cancelled", t) == "removed"
            assert w.cancel(delayed, "user cancelled", t) == "removed"
            assert w.cancel(prio, "user cancelled", t) == "removed"
            for jid in (waiting, delayed, prio):
                assert await q.getJobState(jid) == "failed"
                job = await Job.fromId(q, jid)
                assert job.failedReason == "user cancelled" and job.finishedOn == t
            fe = {e["jobId"]: e for e in env.events() if e["event"] == "failed"}
            assert fe[waiting]["prev"] == "waiting" and fe[prio]["prev"] == "waiting"
            assert fe[delayed]["prev"] == "delayed" and fe[delayed]["failedReason"] == "user cancelled"
            f = w.fetch()
            assert f.job.id == active
            assert w.cancel(active) == "flagged"
            assert await q.getJobState(active) == "active"
            lost, cancelled = w.renew([f.job])
            assert lost == [] and cancelled == [active]
            assert w.fail(f.job, "cancelled")[0] == "failed"
            assert env.r.sismember(env.k("uvw:cancel"), active) == 0
            assert w.cancel(active) == "finished"
            c = await counts(q)
            assert c["waiting"] == c["delayed"] == c["prioritized"] == c["active"] == 0 and c["failed"] == 4
        finally:
            await q.close()
    run(body)


def test_release_job(env):
    async def body():
        q = env.queue()
        try:
            a = (await q.add("a", {})).id
            b = (await q.add("b", {})).id
            w = env.worker()
            f = w.fetch()
            assert f.job.id == a
            assert w.release(f.job) == 0
            assert w.release(f.job) == -2
            job = await Job.fromId(q, a)
            assert await q.getJobState(a) == "waiting"
            assert job.attemptsStarted == 0 and job.attemptsMade == 0
            assert env.r.exists(env.k(f"{a}:lock")) == 0
            ev = [e for e in env.events() if e.get("jobId") == a][-1]
            assert ev["event"] == "waiting" and ev["prev"] == "active"
            assert env.r.zscore(env.k("marker"), "0") == 0
            assert w.drain(ok) == [a, b]  # served next
            assert (await Job.fromId(q, a)).attemptsStarted == 1
        finally:
            await q.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# progress / logs edge cases, QueueEvents

def test_progress_and_logs(env):
    async def body():
        q = env.queue()
        try:
            w = env.worker()
            assert w.progress("nope", 1) == -1
            assert w.log("nope", "x") == -1
            jid = (await q.add("x", {}, {"keepLogs": 2})).id
            assert w.progress(jid, 42) == 0
            assert (await Job.fromId(q, jid)).progress == 42
            for i in range(4):
                n = w.log(jid, f"l{i}", 2)
            assert n == 2 and env.r.lrange(env.k(jid + ":logs"), 0, -1) == ["l2", "l3"]
        finally:
            await q.close()
    run(body)


def test_queue_events_sees_lifecycle(env):
    from bullmq import QueueEvents

    async def body():
        q = env.queue()
        qe = QueueEvents(env.name, {"connection": f"redis://127.0.0.1:{env.port}", "lastEventId": "0-0",
                                    "blockingTimeout": 200})
        seen: list[tuple[str, dict]] = []
        for name in ("active", "progress", "completed", "failed"):
            qe.on(name, lambda args, *_, n=name: seen.append((n, args)))
        try:
            good = (await q.add("g", {})).id
            bad = (await q.add("b", {})).id
            w = env.worker()
            f = w.fetch()
            w.progress(good, {"p": 1})
            w.complete(f.job, {"i": 1})
            f = w.fetch()
            w.fail(f.job, "bad")
            for _ in range(100):
                if len(seen) >= 5:
                    break
                await asyncio.sleep(0.02)
            kinds = [(n, a.get("jobId")) for n, a in seen]
            assert ("active", good) in kinds and ("active", bad) in kinds
            assert ("progress", good) in kinds and ("failed", bad) in kinds
            comp = [a for n, a in seen if n == "completed"][0]
            assert comp["returnvalue"] == {"i": 1}
        finally:
            await qe.close()
            await q.close()
    run(body)


# ---------------------------------------------------------------------------------------------
# differential: the same jobs processed by bullmq's own Python Worker and by the scripts

DIFF_JOBS = [
    ("ok", {"n": 1}, {}),
    ("flaky", {"n": 2}, {"attempts": 3, "backoff": {"type": "fixed", "delay": 100}}),
    ("bad", {"n": 3}, {"attempts": 2}),
    ("prio", {"n": 4}, {"priority": 2}),
    ("rm", {}, {"removeOnComplete": True}),
    ("dl", {}, {"delay": 150}),
]


def _behaviour(name: str, attempt: int):
    if name == "flaky" and attempt < 3:
        raise Exception(f"flaky {attempt}")
    if name == "bad":
        raise Exception("bad!")
    return {"r": name}


def _summary(r, P, ids):
    ev = read_events(r, P + "events")
    out = {}
    for i in ids:
        h = r.hgetall(P + i)
        out[i] = {
            "events": [(e["event"], e.get("prev"), e.get("failedReason"), e.get("returnvalue"),
                        e.get("attemptsMade"), e.get("data")) for e in ev if e.get("jobId") == i],
            "fields": sorted(h),
            "values": {k: v for k, v in h.items() if k in ("atm", "ats", "progress", "returnvalue",
                                                             "failedReason", "delay", "priority", "stc")},
            "stacktrace": len(json.loads(h.get("stacktrace") or "[]")),
        }
    # markers are consumed by the worker's BZPOPMIN, which the harness does not do
    out["keys"] = sorted(k[len(P):] for k in r.keys(P + "*")
                         if not k[len(P):][0].isdigit() and k[len(P):] != "marker")
    return out


def test_same_state_as_bullmq_worker(env):
    from bullmq import Worker

    async def add_all(q):
        return [(await q.add(n, d, o)).id for n, d, o in DIFF_JOBS]

    async def settle(q):
        for _ in range(300):
            c = await q.getJobCounts()
            if c["completed"] == 4 and c["failed"] == 1 and c["active"] == 0:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"jobs did not settle: {c}")

    async def body():
        conn = {"connection": f"redis://127.0.0.1:{env.port}"}
        qa = Queue(env.name + "A", conn)
        qb = Queue(env.name + "B", conn)
        try:
            ids_a = await add_all(qa)
            ids_b = await add_all(qb)

            async def processor(job, token):
                await job.updateProgress(50)
                return _behaviour(job.name, job.attemptsMade + 1)

            worker = Worker(env.name + "A", processor, {**conn, "drainDelay": 1})
            try:
                await settle(qa)
            finally:
                await worker.close()

            w = RefWorker(env.r, env.name + "B", scripts=env.scripts)
            deadline = time.time() + 10
            while time.time() < deadline:
                f = w.fetch()
                if f.job is None:
                    c = await qb.getJobCounts()
                    if c["completed"] == 4 and c["failed"] == 1:
                        break
                    await asyncio.sleep(0.02)
                    continue
                w.progress(f.job.id, 50)
                w.process(f.job, lambda j: _behaviour(j.fields["name"], j.atm + 1))
            a = _summary(env.r, f"bull:{env.name}A:", ids_a)
            b = _summary(env.r, f"bull:{env.name}B:", ids_b)
            assert ids_a == ids_b
            for key in a:
                assert a[key] == b[key], key
        finally:
            await qa.close()
            await qb.close()
    run(body)
