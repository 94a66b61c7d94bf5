"""PostgreSQL going away in the middle of a run of jobs: the worker keeps running, /health says
`degraded` with the reason, and once the database is back every job's outcome is recorded.

The database is a private PostgreSQL 15 cluster started with scripts/test-services.sh (Debian's
packages), so stopping it touches nothing else."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from test_worker_interop import REPO, WORKER_ENV, WorkerProc, wait_until, write_plugins_yaml

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


def test_postgres_restart_mid_run_loses_no_outcome(cluster, tmp_path):
    plugins = tmp_path / "plugins.yaml"
    write_plugins_yaml(plugins)
    env = {k: v for k, v in os.environ.items() if k not in WORKER_ENV and k != "DATABASE_URL"}
    env.update({
        "DATABASE_URL": cluster["TEST_DATABASE_URL"], "DB_SCHEMA": "restart_" + uuid.uuid4().hex[:6],
        "DB_POOL_SIZE": "2", "PORT": "0", "HOST": "127.0.0.1", "DATA_DIR": str(tmp_path / "data"),
        "PLUGINS_CONFIG": str(plugins), "LOG_FORMAT": "json", "MAX_CONCURRENT_TASKS": "4", "SHUTDOWN_TIMEOUT": "1",
    })
    worker = WorkerProc(env, tmp_path / "worker").start()
    try:
        ids = []
        for _ in range(16):
            code, body = worker.http("POST", "/execute", {"task_type": "sleep", "parameters": {"ms": 250}})
            assert code == 202, body
            ids.append(body["task_id"])
        time.sleep(0.3)

        pg_ctl(cluster, "-m", "fast", "-w", "stop")
        # Jobs go on finishing while the database is away, and /health says what is wrong.
        health = wait_until(lambda: (lambda h: h if h[1]["status"] == "degraded" else None)(worker.http("GET", "/health")),
                          10, "/health to report degraded")
        assert health[0] == 200
        assert health[1]["reason"]
        time.sleep(1.0)
        assert worker.alive

        data = cluster["TEST_PG_DIR"] + "/data"
        pg_ctl(cluster, "-l", cluster["TEST_PG_DIR"] + "/server.log", "-w", "-o",
               f"-c listen_addresses=127.0.0.1 -c port={cluster['TEST_PG_PORT']} "
               f"-c unix_socket_directories={cluster['TEST_PG_DIR']} -c fsync=off", "start")
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
        count = subprocess.run(["psql", cluster["TEST_DATABASE_URL"], "-XAtc",
                                f"SELECT count(*) FROM {env['DB_SCHEMA']}.tasks WHERE status = 'completed'"],
                               capture_output=True, text=True, check=True).stdout.strip()
        assert count == "16"
    finally:
        worker.terminate()
        worker.wait_stopped(5)
