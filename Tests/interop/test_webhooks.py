"""Webhooks (issue 22 §3): every finished task's record POSTed to N8N_WEBHOOK_URL and to its own
callback_url, signed as Stripe signs (checked with README's own Python and Node code), retried
with backoff on 5xx, 429 and timeouts, kept in the store's outbox across a worker killed between
tries, and refused for blocked addresses. The receiver is a real HTTP server on loopback.

Run:  python3 -m pytest -q Tests/interop/test_webhooks.py -x
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from test_actions import submit, wait_status
from test_flows import fixture_plugins
from test_search import postgres_url  # noqa: F401  (fixture)
from test_worker_interop import WorkerProc, prerequisites, wait_until, worker_env  # noqa: F401  (fixtures)

SECRET = "whsec-" + uuid.uuid4().hex


def readme_block(language: str) -> str:
    """The README's `language` code block under "Checking the signature" (what receivers copy)."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = text[text.index("Checking the signature"):]
    start = section.index(f"```{language}\n") + len(language) + 4
    return section[start:section.index("```", start)]


# The receiver here checks signatures with README's own Python code.
_readme = {}
exec(readme_block("python"), _readme)
verify = _readme["verify"]


def node_verify(checks: list[tuple[str, str, bytes]]) -> list[bool]:
    """README's Node `verify` on each (secret, header, body), in one node process."""
    script = readme_block("js") + """
const checks = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(checks.map(([secret, header, body]) => verify(secret, header, Buffer.from(body, "base64")))));
"""
    given = json.dumps([[secret, header, base64.b64encode(body).decode()] for secret, header, body in checks])
    run = subprocess.run(["node", "-e", script], input=given, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


class Receiver:
    """Records every request; answers each path with the statuses queued for it (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.plans: dict[str, list[int]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    plan = receiver.plans.get(self.path, [])
                    status = plan.pop(0) if plan else 200
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body, "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def accepted(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["status"] == 200 and (path is None or r["path"] == path)]

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def start_worker(tmp_path, prerequisites, receiver):
    """`start_worker(**env)`: a worker whose webhooks may reach the receiver (FETCH_ALLOW)."""
    plugins = tmp_path / "plugins.yaml"
    plugins.write_text(fixture_plugins())
    started = []

    def start(**extra) -> WorkerProc:
        settings = {"WEBHOOK_SECRET": SECRET, "WEBHOOK_RETRY_BASE_MS": "200", "FETCH_ALLOW": f"127.0.0.1:{receiver.port}",
                    "DATA_DIR": str(tmp_path / "data")} | extra
        # A workdir (and log) of its own; the data directory shared: a restarted worker finds the outbox.
        workdir = tmp_path / f"w{len(started)}"
        worker = WorkerProc(worker_env(workdir, plugins, **settings), workdir).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.terminate()
        worker.wait_stopped(timeout=3)


def deliveries(worker: WorkerProc, task_id: str) -> list[dict]:
    code, body = worker.http("GET", f"/task/{task_id}")
    assert code == 200, body
    return body["webhooks"]


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_every_finished_task_is_delivered_signed_and_retried(request, store, receiver, start_worker):
    extra = {"N8N_WEBHOOK_URL": receiver.url("/n8n")}
    if store == "postgres":
        extra |= {"DATABASE_URL": request.getfixturevalue("postgres_url"), "DB_SCHEMA": "hooks_" + uuid.uuid4().hex[:6]}
    worker = start_worker(**extra)
    receiver.plans["/n8n"] = [503, 429]
    receiver.plans["/mine"] = [500]
    done = worker.execute("swift_nap", {"ms": 1})
    failed = worker.execute("swift_fail", {"kind": "permanent"})
    code, own = worker.http("POST", "/execute?wait=10", {"task_type": "swift_nap", "parameters": {"ms": 1},
                                                         "options": {"callback_url": receiver.url("/mine")}})
    assert code == 200 and own["status"] == "completed", own
    cancelled = submit(worker, "swift_nap", {"ms": 1}, delay_ms=86_400_000)
    worker.http("DELETE", f"/task/{cancelled}")

    wait_until(lambda: len(receiver.accepted("/n8n")) == 4 and len(receiver.accepted("/mine")) == 1, 30,
               lambda: f"deliveries: {[(r['path'], r['status']) for r in receiver.requests]}")
    time.sleep(0.5)
    assert len(receiver.accepted()) == 5, "a delivery was made twice"
    by_task = {}
    for req in receiver.requests:
        assert req["headers"]["Content-Type"] == "application/json"
        assert verify(SECRET, req["headers"]["X-Uvian-Signature"], req["body"]), req["headers"]
        assert not verify("not-the-secret", req["headers"]["X-Uvian-Signature"], req["body"])
        assert not verify(SECRET, req["headers"]["X-Uvian-Signature"], req["body"] + b" ")
        body = json.loads(req["body"])
        assert body["id"] == req["headers"]["X-Uvian-Delivery"] == req["headers"]["Idempotency-Key"]
        assert body["type"] == req["headers"]["X-Uvian-Event"] == f"task.{body['task']['status']}"
        by_task.setdefault(body["task"]["task_id"], set()).add((req["path"], body["id"]))
    # README's Node check agrees: the signatures verify; another secret, another body and a replay
    # (an old `t`, signed right) do not.
    checks, expected = [], []
    for req in receiver.requests:
        header, body = req["headers"]["X-Uvian-Signature"], req["body"]
        stale = int(time.time()) - 3600
        replay = f"t={stale},v1=" + hmac.new(SECRET.encode(), f"{stale}.".encode() + body, hashlib.sha256).hexdigest()
        assert not verify(SECRET, replay, body)
        checks += [(SECRET, header, body), ("not-the-secret", header, body), (SECRET, header, body + b" "), (SECRET, replay, body)]
        expected += [True, False, False, False]
    assert node_verify(checks) == expected
    # Each (task, URL) is one delivery: its retries send the same id and body.
    assert {t: len({d for _, d in v}) for t, v in by_task.items()} == {done["task_id"]: 1, failed["task_id"]: 1, own["task_id"]: 2, cancelled: 1}
    for task_id in (done["task_id"], failed["task_id"], own["task_id"], cancelled):
        sent = json.loads(receiver.accepted("/n8n")[[json.loads(r["body"])["task"]["task_id"] for r in receiver.accepted("/n8n")].index(task_id)]["body"])
        record = worker.http("GET", f"/task/{task_id}")[1]
        assert sent["task"]["status"] == record["status"] and sent["task"]["result"] == record["result"] and sent["task"]["error"] == record["error"]
    # The retried ones say so; GET /task shows each delivery's state.
    states = {d["url"]: d for d in deliveries(worker, own["task_id"])}
    assert states[receiver.url("/mine")]["state"] == "delivered" and states[receiver.url("/mine")]["attempts"] == 2
    assert states[receiver.url("/mine")]["last_status"] == 200
    assert sum(d["attempts"] for t in (done["task_id"], failed["task_id"], own["task_id"], cancelled)
               for d in deliveries(worker, t) if d["url"] == receiver.url("/n8n")) == 6
    code, body = worker.http("GET", "/webhooks/failed")
    assert code == 200 and body["deliveries"] == []


def test_a_delivery_survives_the_worker_killed_between_tries(receiver, start_worker):
    receiver.plans["/n8n"] = [503] * 1000
    worker = start_worker(N8N_WEBHOOK_URL=receiver.url("/n8n"), WEBHOOK_RETRY_BASE_MS="1500")
    task = worker.execute("swift_nap", {"ms": 1})
    # Killed between tries: the first one refused (503) and recorded as such.
    wait_until(lambda: [d for d in deliveries(worker, task["task_id"]) if d["last_status"] == 503], 10, "a first try recorded")
    first_id = json.loads(receiver.requests[0]["body"])["id"]
    worker.kill9()
    receiver.plans["/n8n"] = []
    again = start_worker(N8N_WEBHOOK_URL=receiver.url("/n8n"), WEBHOOK_RETRY_BASE_MS="1500")
    wait_until(lambda: receiver.accepted("/n8n"), 30, "the delivery after the restart")
    assert json.loads(receiver.accepted("/n8n")[0]["body"])["id"] == first_id
    [delivery] = deliveries(again, task["task_id"])
    assert delivery["state"] == "delivered" and delivery["attempts"] >= 2, delivery


def test_refused_addresses_client_errors_and_exhausted_tries_are_given_up(receiver, start_worker):
    receiver.plans["/gone"] = [410]
    receiver.plans["/down"] = [503] * 10
    worker = start_worker(WEBHOOK_MAX_ATTEMPTS="3")
    ids = {}
    for name, url in [("metadata", "http://169.254.169.254/latest/meta-data"), ("private", "http://10.0.0.1:8080/hook"),
                      ("gone", receiver.url("/gone")), ("down", receiver.url("/down"))]:
        code, task = worker.http("POST", "/execute?wait=10", {"task_type": "swift_nap", "parameters": {"ms": 1},
                                                              "options": {"callback_url": url}})
        assert code == 200, task
        ids[name] = task["task_id"]

    def given_up():
        code, body = worker.http("GET", "/webhooks/failed")
        return body["deliveries"] if len(body["deliveries"]) == 4 else None
    failed = {d["task_id"]: d for d in wait_until(given_up, 30, "four deliveries given up")}
    assert failed[ids["metadata"]]["last_error"].startswith("blocked_address") and failed[ids["metadata"]]["attempts"] == 1
    assert failed[ids["private"]]["last_error"].startswith("blocked_address")
    assert failed[ids["gone"]]["last_status"] == 410 and failed[ids["gone"]]["attempts"] == 1
    assert failed[ids["down"]]["attempts"] == 3 and "after 3 tries" in failed[ids["down"]]["last_error"]
    assert [r["path"] for r in receiver.requests].count("/down") == 3

    code, body = worker.http("POST", "/execute", {"task_type": "swift_nap", "parameters": {"ms": 1},
                                                  "options": {"callback_url": "ftp://example.com/x"}})
    assert code == 422 and "options.callback_url" in json.dumps(body), body


def test_no_webhook_without_a_url(receiver, start_worker):
    worker = start_worker()
    task = worker.execute("swift_nap", {"ms": 1})
    time.sleep(1)
    assert receiver.requests == [] and deliveries(worker, task["task_id"]) == []
    assert wait_status(worker, task["task_id"], "completed")
