"""PostgreSQL going away in the middle of a run of jobs: the worker keeps running, /health says
`degraded` with the reason, and once the database is back every job's outcome is recorded.

The database is a private PostgreSQL 15 cluster started with scripts/test-services.sh (Debian's
packages), so stopping it touches nothing else."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from test_worker_interop import REPO, WORKER_ENV, WorkerProc, bull_queue, job_of, wait_until, write_plugins_yaml
from redis_server import RedisServer

PGBIN = Path("/usr/lib/postgresql/15/bin")
SCRIPT = REPO / "scripts" / "test-services.sh"


@pytest.fixture
def cluster(tmp_path):
    if not (PGBIN / "pg_ctl").exists():
        pytest.skip("PostgreSQL 15 is not installed")
    # Not under tmp_path: the postgres user must be able to reach the cluster's directory.
    services = Path(tempfile.mkdtemp(prefix="uvw-pg-restart-", dir="/tmp"))
    services.chmod(0o755)
    env = dict(os.environ, SERVICES_DIR=str(services))
    out = subprocess.run(["bash", str(SCRIPT), "start"], env=env, capture_output=True, text=True, check=True).stdout
    exports = dict(line[len("export "):].split("=", 1) for line in out.splitlines() if line.startswith("export "))
    yield exports
    subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True)
    shutil.rmtree(services, ignore_errors=True)


def pg_ctl(exports: dict, *args: str) -> None:
    data = exports["TEST_PG_DIR"] + "/data"
    subprocess.run(["runuser", "-u", "postgres", "--", str(PGBIN / "pg_ctl"), "-D", data, *args],
                   check=True, capture_output=True)


def pg_start(cluster: dict) -> None:
    pg_ctl(cluster, "-l", cluster["TEST_PG_DIR"] + "/server.log", "-w", "-o",
           f"-c listen_addresses=127.0.0.1 -c port={cluster['TEST_PG_PORT']} "
           f"-c unix_socket_directories={cluster['TEST_PG_DIR']} -c fsync=off", "start")


def worker_env(cluster: dict, tmp_path: Path, **extra) -> dict:
    plugins = tmp_path / "plugins.yaml"
    write_plugins_yaml(plugins)
    env = {k: v for k, v in os.environ.items() if k not in WORKER_ENV and k != "DATABASE_URL"}
    env.update({
        "DATABASE_URL": cluster["TEST_DATABASE_URL"], "DB_SCHEMA": "restart_" + uuid.uuid4().hex[:6],
        "DB_POOL_SIZE": "2", "PORT": "0", "HOST": "127.0.0.1", "DATA_DIR": str(tmp_path / "data"),
        "PLUGINS_CONFIG": str(plugins), "LOG_FORMAT": "json", "MAX_CONCURRENT_TASKS": "4", "SHUTDOWN_TIMEOUT": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def psql_count(cluster: dict, sql: str) -> str:
    return subprocess.run(["psql", cluster["TEST_DATABASE_URL"], "-XAtc", sql], capture_output=True, text=True, check=True).stdout.strip()


def test_postgres_restart_mid_run_loses_no_outcome(cluster, tmp_path):
    env = worker_env(cluster, tmp_path)
    worker = WorkerProc(env, tmp_path / "worker").start()
    try:
        ids = []
        for _ in range(16):
            code, body = worker.http("POST", "/execute", {"task_type": "sleep", "parameters": {"ms": 250}})
            assert code == 202, body
            ids.append(body["task_id"])
        wait_until(lambda: worker.task_ids("processing"), 10, "the first jobs to start")

        pg_ctl(cluster, "-m", "fast", "-w", "stop")
        # Jobs go on finishing while the database is away, and /health says what is wrong.
        health = wait_until(lambda: (lambda h: h if h[1]["status"] == "degraded" else None)(worker.http("GET", "/health")),
                          10, "/health to report degraded")
        assert health[0] == 200
        assert health[1]["reason"]
        time.sleep(1.0)  # the outage lasts a while on purpose: the worker must ride it out, not exit
        assert worker.alive

        data = cluster["TEST_PG_DIR"] + "/data"
        pg_start(cluster)
        assert Path(data).exists()

        def all_completed():
            statuses = []
            for task_id in ids:
                code, task = worker.http("GET", f"/task/{task_id}")
                if code != 200:
                    return None
                statuses.append(task["status"])
            return statuses if all(s == "completed" for s in statuses) else None

        wait_until(all_completed, 40, "every task completed in PostgreSQL")
        assert worker.http("GET", "/health")[1]["status"] == "ok"
        # The records are in PostgreSQL itself.
        count = psql_count(cluster, f"SELECT count(*) FROM {env['DB_SCHEMA']}.tasks WHERE status = 'completed'")
        assert count == "16"
    finally:
        worker.terminate()
        worker.wait_stopped(5)


def test_health_tells_the_cause_only_to_callers_with_the_key(cluster, tmp_path):
    """Bug: /health answered the backend's own error text (hosts, ports, libpq's words) to anyone.
    Without the key it says `degraded` with a fixed reason code; with it, the details too."""
    worker = WorkerProc(worker_env(cluster, tmp_path, API_KEY="s3cret-key"), tmp_path / "worker").start()
    try:
        assert worker.http("GET", "/health")[1]["status"] == "ok"
        pg_ctl(cluster, "-m", "fast", "-w", "stop")
        code, health = wait_until(lambda: (lambda h: h if h[1]["status"] == "degraded" else None)(worker.http("GET", "/health")),
                                  10, "/health to report degraded")
        assert code == 200 and health["reason"] == "store_unreachable", health
        assert "details" not in health, health
        text = json.dumps(health)
        assert cluster["TEST_PG_PORT"] not in text and "connect" not in text and "PostgreSQL" not in text, text
        req = urllib.request.Request(f"http://127.0.0.1:{worker.port}/health", headers={"Authorization": "Bearer s3cret-key"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            full = json.loads(resp.read())
        assert full["reason"] == "store_unreachable" and any("PostgreSQL" in d for d in full["details"]), full
        # The cause is in the log, once, not at every probe.
        worker.http("GET", "/health")
        logged = [e for e in worker.log_entries() if e.get("message") == "health.degraded"]
        assert len(logged) == 1 and "PostgreSQL" in logged[0]["health.problems"], logged
    finally:
        pg_start(cluster)
        worker.terminate()
        worker.wait_stopped(5)


def test_an_idle_worker_answers_at_once_after_a_restart(cluster, tmp_path):
    """Bug: after PostgreSQL restarted, an idle worker answered 500 to its first reads (one per
    pooled connection: "server closed the connection unexpectedly") while /health said ok."""
    worker = WorkerProc(worker_env(cluster, tmp_path, DB_POOL_SIZE=3), tmp_path / "worker").start()
    try:
        ids = []
        for _ in range(6):
            code, body = worker.http("POST", "/execute?wait=10", {"task_type": "echo", "parameters": {"n": 1}})
            assert code == 200 and body["status"] == "completed", body
            ids.append(body["task_id"])
        # Every pooled connection has been used; the server restarts under them.
        pg_ctl(cluster, "-m", "fast", "-w", "stop")
        pg_start(cluster)
        for task_id in ids:
            code, task = worker.http("GET", f"/task/{task_id}")
            assert code == 200 and task["status"] == "completed", (code, task)
        assert worker.http("GET", "/health")[1]["status"] == "ok"
    finally:
        worker.terminate()
        worker.wait_stopped(5)


def test_jobs_picked_up_while_postgres_is_down_all_get_their_record(cluster, tmp_path):
    """Bug: a job picked up while PostgreSQL was away completed in BullMQ but had no `tasks` row:
    the write creating the record at pickup failed once and was not retried, and the final write,
    retried until PostgreSQL returned, updated a row that did not exist. It is an upsert now."""
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    queue = "pgdown-" + uuid.uuid4().hex[:6]
    env = worker_env(cluster, tmp_path, REDIS_URL=redis.url, QUEUE_NAME=queue, QUEUE_PREFIX="bull")
    worker = WorkerProc(env, tmp_path / "worker").start()

    async def body():
        async with bull_queue(redis.url, queue) as q:
            pg_ctl(cluster, "-m", "fast", "-w", "stop")
            added = [await q.add("echo", {"n": n}) for n in range(5)]
            # Jobs picked up (their start write failed), run and retrying their final write, one in
            # each of the worker's slots (MAX_CONCURRENT_TASKS): the fifth waits for a slot.
            def retrying():
                return {e.get("task.id") for e in worker.log_entries() if e.get("message") == "task.persist.failed"}
            wait_until(lambda: len(retrying() & {job.id for job in added}) >= int(env["MAX_CONCURRENT_TASKS"]), 20,
                       "a job in every slot to retry its final write while PostgreSQL is down")
            pg_start(cluster)

            async def all_completed():
                return all([await q.getJobState(job.id) == "completed" for job in added])

            deadline = time.monotonic() + 30
            while not await all_completed():
                assert time.monotonic() < deadline, "the jobs did not complete in BullMQ"
                await asyncio.sleep(0.1)
            for job in added:
                got = await job_of(q, job.id)
                assert got.returnvalue == {"echo": {"n": int(got.data["n"])}}

        def recorded():
            statuses = [worker.http("GET", f"/task/{job.id}") for job in added]
            return statuses if all(code == 200 and task["status"] == "completed" for code, task in statuses) else None

        statuses = wait_until(recorded, 20, "every job recorded in PostgreSQL")
        for (_, task), job in zip(statuses, added):
            assert task["parameters"] == {"n": int(job.data["n"])} and task["result"] == {"echo": task["parameters"]}, task
            assert task["task_type"] == "echo" and task["attempts"] == 1 and task["started_at"], task
        count = psql_count(cluster, f"SELECT count(*) FROM {env['DB_SCHEMA']}.tasks WHERE status = 'completed'")
        assert count == "5"

    try:
        asyncio.run(body())
    finally:
        worker.terminate()
        worker.wait_stopped(5)
        redis.stop()
