"""Search over tasks (issue 22 §1): `GET /tasks?q=` with filters and a cursor, on the embedded
store (SQLite FTS5) and on PostgreSQL (a tsvector), each checked against a brute-force filter over
the same tasks. The tasks carry sentences of Debian's license texts (real prose, many words).

Run:  python3 -m pytest -q Tests/interop/test_search.py -x
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import urllib.parse
import uuid
from pathlib import Path

import pytest

from test_actions import wait_status
from test_flows import fixture_plugins
from test_worker_interop import REPO, WorkerProc, prerequisites, worker_env  # noqa: F401  (fixtures)

LICENSES = [Path("/usr/share/common-licenses") / name for name in ("GPL-3", "Apache-2.0", "BSD", "Artistic", "MPL-2.0")]
SCRIPT = REPO / "scripts" / "test-services.sh"


@pytest.fixture(scope="module")
def postgres_url():
    services = Path(tempfile.mkdtemp(prefix="uvw-search-pg-", dir="/tmp"))
    services.chmod(0o755)
    env = dict(os.environ, SERVICES_DIR=str(services))
    out = subprocess.run(["bash", str(SCRIPT), "start"], env=env, capture_output=True, text=True, check=True).stdout
    exports = dict(line[len("export "):].split("=", 1) for line in out.splitlines() if line.startswith("export "))
    yield exports["TEST_DATABASE_URL"]
    subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True)
    shutil.rmtree(services, ignore_errors=True)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def populated(request, tmp_root, prerequisites):
    """A worker on the store the module is parametrised with, and the tasks it ran."""
    plugins = tmp_root / f"plugins-{request.param}.yaml"
    plugins.write_text(fixture_plugins())
    workdir = tmp_root / f"search-{request.param}"
    extra = {}
    if request.param == "postgres":
        extra = {"DATABASE_URL": request.getfixturevalue("postgres_url"), "DB_SCHEMA": "search_" + uuid.uuid4().hex[:6]}
    worker = WorkerProc(worker_env(workdir, plugins, **extra), workdir).start()
    rng = random.Random(22)
    sentences = [s.strip() for path in LICENSES if path.exists()
                 for s in re.split(r"(?<=[.;:])\s+", " ".join(path.read_text(errors="replace").split())) if 20 < len(s) < 400]
    assert len(sentences) > 300, "Debian's license texts (base-files) are missing"
    for i in range(120):
        note = rng.choice(sentences)
        if i % 3 == 0:
            worker.execute("swift_fail", {"kind": "permanent", "note": note, "n": i % 10, "flag": i % 2 == 0})
        else:
            worker.execute("swift_nap", {"ms": 0, "note": note, "n": i % 10, "flag": i % 2 == 0, "meta": {"batch": f"b{i % 4}"}})
    tasks = listing(worker, "")
    assert len(tasks) == 120
    yield worker, tasks, sentences
    worker.terminate()
    worker.wait_stopped(timeout=3)


def listing(worker: WorkerProc, query: str, limit: int = 1000) -> list[dict]:
    """Every page of `GET /tasks?<query>`, followed through next_cursor."""
    tasks, cursor = [], None
    while True:
        page_query = query + f"&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        code, body = worker.http("GET", "/tasks?" + page_query.lstrip("&"))
        assert code == 200, body
        tasks += body["tasks"]
        cursor = body["next_cursor"]
        if not cursor:
            return tasks


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def brute_force(tasks: list[dict], q: str) -> set[str]:
    """The tasks whose type, parameters, result or error have, for each word of q, a word it begins."""
    wanted = words(q)
    found = set()
    for t in tasks:
        text = " ".join([t["task_type"], json.dumps(t["parameters"], ensure_ascii=False),
                         json.dumps(t["result"], ensure_ascii=False) if t["result"] is not None else "", t["error"] or ""])
        have = set(words(text))
        if all(any(w.startswith(x) for w in have) for x in wanted):
            found.add(t["task_id"])
    return found


def test_search_finds_what_a_brute_force_filter_finds(populated):
    worker, tasks, sentences = populated
    rng = random.Random(7)
    vocabulary = sorted({w for s in sentences for w in words(s) if len(w) > 3})
    notes = [t["parameters"]["note"] for t in tasks]
    present = sorted({w for n in notes for w in words(n) if len(w) > 3})
    queries = ["never", "nap", "swift", "permanent", "b2", "works never", "SOFTWARE", "licen", "patent grant", "7"]
    queries += [rng.choice(present) for _ in range(25)]
    queries += [rng.choice(present)[:4] for _ in range(10)]
    queries += [" ".join(rng.sample(words(rng.choice(notes)), 2)) for _ in range(10)]
    queries += [" ".join(rng.sample(present, 2)) for _ in range(5)]
    queries += [rng.choice(vocabulary) for _ in range(10)]
    nonempty = 0
    for q in queries:
        expected = brute_force(tasks, q)
        got = [t["task_id"] for t in listing(worker, "q=" + urllib.parse.quote(q), limit=7)]
        assert len(got) == len(set(got)), f"a task twice across pages for {q!r}"
        assert set(got) == expected, (q, sorted(set(got) ^ expected))
        nonempty += bool(expected)
    assert nonempty >= 45, "the queries found too little to judge"


def test_filters_and_the_cursor_agree_with_the_listing(populated):
    worker, tasks, _ = populated
    by_id = {t["task_id"]: t for t in tasks}
    # Newest first, every page after the one before, nothing twice or missing.
    paged = listing(worker, "", limit=9)
    assert [t["task_id"] for t in paged] == [t["task_id"] for t in tasks]
    assert [t["created_at"] for t in paged] == sorted((t["created_at"] for t in paged), reverse=True)

    cases = {
        "status=failed&q=note": lambda t: t["status"] == "failed",
        "parameters.flag=true": lambda t: t["parameters"]["flag"] is True,
        "parameters.n=7": lambda t: t["parameters"]["n"] == 7,
        "parameters.meta.batch=b3": lambda t: t["parameters"].get("meta", {}).get("batch") == "b3",
        "parameters.kind=permanent&parameters.flag=false": lambda t: t["parameters"].get("kind") == "permanent" and not t["parameters"]["flag"],
        "task_type=swift_nap&q=b1": lambda t: t["task_type"] == "swift_nap" and t["parameters"]["meta"]["batch"] == "b1",
        f"worker_id={tasks[0]['worker_id']}": lambda t: t["worker_id"] == tasks[0]["worker_id"],
        f"created_after={urllib.parse.quote(tasks[40]['created_at'])}": lambda t: t["created_at"] >= tasks[40]["created_at"],
        f"created_before={urllib.parse.quote(tasks[40]['created_at'])}": lambda t: t["created_at"] < tasks[40]["created_at"],
    }
    for query, keep in cases.items():
        expected = {t["task_id"] for t in tasks if keep(t)}
        got = listing(worker, query, limit=11)
        assert {t["task_id"] for t in got} == expected, (query, len(got), len(expected))
        assert expected, query
        code, body = worker.http("GET", f"/tasks?{query}&limit=1")
        assert body["total"] == len(expected), (query, body["total"])
    assert by_id

    for bad in ["q=%20%2B%2D", "parameters.a..b=1", "parameters.a%27b=1", "created_after=yesterday", "cursor=bm9wZQ"]:
        code, body = worker.http("GET", f"/tasks?{bad}")
        assert code == 400 and body["error"]["code"] == "invalid_query", (bad, body)
    # FTS syntax in q is words like any other, never an error or an injection.
    for q in ['"unbalanced', "NEAR(a b)", "a OR b", "x*", "'; DROP TABLE tasks; --"]:
        expected = brute_force(tasks, q)
        got = {t["task_id"] for t in listing(worker, "q=" + urllib.parse.quote(q))}
        assert got == expected, q
    assert len(listing(worker, "")) == 120


def test_the_index_follows_retries_and_removals(populated):
    worker, tasks, _ = populated
    failed = sorted(t["task_id"] for t in tasks if t["status"] == "failed")
    assert {t["task_id"] for t in listing(worker, "q=never+works")} == set(failed)
    gone, retried = failed[0], failed[1]
    assert worker.http("DELETE", f"/task/{gone}?purge=true")[0] == 200
    assert worker.http("POST", f"/task/{retried}/retry")[0] == 200
    # The retried task fails again with the same error; the removed one is found by nothing.
    wait_status(worker, retried, "failed")
    assert {t["task_id"] for t in listing(worker, "q=never+works")} == set(failed) - {gone}
    note = next(t for t in tasks if t["task_id"] == gone)["parameters"]["note"]
    assert gone not in {t["task_id"] for t in listing(worker, "q=" + urllib.parse.quote(note[:60]))}
