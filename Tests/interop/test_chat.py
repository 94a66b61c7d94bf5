"""The chat plugin end to end: a real worker process with the repository's plugins.yaml, the chat
plugin talking to the RunPod stand-in (Tests/interop/runpod_standin.py, a real HTTP server on
loopback), conversations over the HTTP API, tokens over SSE and WebSocket, on the embedded store
and on PostgreSQL (TEST_DATABASE_URL, started by scripts/run-tests.sh).

Every log line the worker and the stand-in write during these tests is kept, and the last test
checks that the RunPod API key appears in none of them."""
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Optional

import pytest
import websocket

from test_runpod_standin import API_KEY, Standin  # API_KEY must never show up in any log
from test_worker_interop import REPO, WORKER_BIN, WORKER_ENV, WorkerProc, wait_until

CHAT_PLUGIN = REPO / ".build" / "debug" / "libChatPlugin.so"
ENDPOINT = "chat-endpoint"
CAPTURED_LOGS: list[Path] = []


@pytest.fixture(scope="module")
def standin(tmp_root):
    if not WORKER_BIN.exists() or not CHAT_PLUGIN.exists():
        pytest.skip("the debug build is missing (.build/debug/uvian-worker, libChatPlugin.so)")
    server = Standin(tmp_root).start()
    CAPTURED_LOGS.append(server.stderr_path)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def reset_standin(standin):
    code, _, body = standin.call("POST", "/__standin/reset", auth=None)
    assert code == 200, body


def repository_plugins_yaml(path: Path, history: Optional[dict] = None) -> None:
    """The repository's own plugins.yaml with its relative paths made absolute (the worker runs in a
    temporary directory), so the chat entry under test is exactly the shipped one."""
    text = (REPO / "plugins.yaml").read_text()
    text = re.sub(r"(?m)^(\s*-\s*|\s*path:\s*)(\.build/|Plugins/)", lambda m: m.group(1) + str(REPO) + "/" + m.group(2), text)
    if history:
        for key, value in history.items():
            text = re.sub(rf"(?m)^(\s*){key}: .*$", rf"\g<1>{key}: {value}", text)
            if f"{key}:" not in text:
                text = text.replace("      history_messages:", f"      {key}: {value}\n      history_messages:")
    path.write_text(text)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    if request.param == "postgres":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set (scripts/run-tests.sh starts PostgreSQL)")
        return {"DATABASE_URL": url, "DB_SCHEMA": "chat_" + uuid.uuid4().hex[:8]}
    return {}


@pytest.fixture
def start_worker(tmp_root, standin):
    started: list[WorkerProc] = []

    def _start(mode: str = "openai", store: Optional[dict] = None, history: Optional[dict] = None, **extra: Any) -> WorkerProc:
        workdir = tmp_root / f"worker-{uuid.uuid4().hex[:6]}"
        workdir.mkdir(parents=True)
        plugins = workdir / "plugins.yaml"
        repository_plugins_yaml(plugins, history)
        env = {k: v for k, v in os.environ.items() if k not in WORKER_ENV and k not in ("DATABASE_URL", "DB_SCHEMA")}
        env.update({
            "PORT": "0", "HOST": "127.0.0.1", "DATA_DIR": str(workdir / "data"), "PLUGINS_CONFIG": str(plugins),
            "LOG_FORMAT": "json", "LOG_LEVEL": "debug", "SHUTDOWN_TIMEOUT": "2", "CANCEL_GRACE_SECONDS": "3",
            "RUNPOD_BASE_URL": f"http://127.0.0.1:{standin.port}/v2", "RUNPOD_ENDPOINT_ID": ENDPOINT,
            "RUNPOD_API_KEY": API_KEY, "RUNPOD_MODE": mode,
        })
        env.update(store or {})
        env.update({k: str(v) for k, v in extra.items()})
        worker = WorkerProc(env, workdir).start()
        CAPTURED_LOGS.append(worker.log_path)
        started.append(worker)
        return worker

    yield _start
    for worker in started:
        worker.terminate()
    for worker in started:
        worker.wait_stopped()


def new_conversation(worker: WorkerProc, **fields: Any) -> str:
    code, body = worker.http("POST", "/conversations", {"title": "test", **fields})
    assert code == 201, body
    return body["conversation_id"]


def run_chat(worker: WorkerProc, parameters: dict, options: Optional[dict] = None, wait: int = 20) -> dict:
    body = {"task_type": "chat", "parameters": parameters}
    if options:
        body["options"] = options
    code, task = worker.http("POST", f"/execute?wait={wait}", body, timeout=wait + 5)
    assert code in (200, 201, 202), task
    return task


class SSEReader:
    """Collects the events of `GET /events?...` on a thread."""

    def __init__(self, worker: WorkerProc, query: str):
        self.events: list[dict] = []
        self.conn = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=30)
        self.conn.request("GET", "/events?" + query)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.readline().startswith(b": connected")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith("data: "):
                    self.events.append(json.loads(line[6:]))
        except Exception:  # the connection is closed by close()
            pass

    def close(self) -> None:
        # The response holds its own handle on the socket: shut it down so the worker sees the end.
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


class SocketReader:
    """Collects the events of `GET /events/ws?...` (a WebSocket) on a thread."""

    def __init__(self, worker: WorkerProc, query: str):
        self.events: list[dict] = []
        self.socket = websocket.create_connection(f"ws://127.0.0.1:{worker.port}/events/ws?{query}", timeout=30)
        # The worker answers a ping only once its handler reads the socket, which it does after
        # subscribing: the pong says the subscription is in place (as `: connected` does for SSE).
        self.socket.ping()
        while (frame := self.socket.recv_data_frame(control_frame=True))[0] == websocket.ABNF.OPCODE_PING:
            pass
        assert frame[0] == websocket.ABNF.OPCODE_PONG, frame
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while True:
                message = self.socket.recv()
                if not message:
                    return
                self.events.append(json.loads(message))
        except Exception:
            pass

    def close(self) -> None:
        self.socket.close()


def tokens(events: list[dict]) -> list[str]:
    chat = [e for e in events if e["event"] == "chat.token"]
    assert [e["data"]["index"] for e in chat] == list(range(len(chat))), "tokens out of order"
    return [e["data"]["token"] for e in chat]


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------

def test_chat_streams_tokens_over_sse_and_websocket_and_stores_the_reply(start_worker, standin, backend):
    standin.config(token_delay_ms=20)
    worker = start_worker(store=backend)
    conversation = new_conversation(worker)
    other = new_conversation(worker)
    sse = SSEReader(worker, f"conversation_id={conversation}")
    ws = SocketReader(worker, f"conversation_id={conversation}")  # both subscribed once constructed
    # A chat in another conversation must not reach these subscribers.
    assert run_chat(worker, {"conversation_id": other, "message": "not for you"})["status"] == "completed"
    task = run_chat(worker, {"conversation_id": conversation, "message": "tell me about the weather today",
                             "temperature": 0.2, "max_tokens": 64})
    assert task["status"] == "completed", task
    result = task["result"]
    assert result["content"] == "Echo: tell me about the weather today"
    assert result["finish_reason"] == "stop"
    assert result["usage"]["completion_tokens"] == 7 and result["usage"]["total_tokens"] > 7
    assert result["model"]

    for reader in (sse, ws):
        assert wait_until(lambda: any(e["event"] == "task.completed" for e in reader.events), 10, "it"), reader.events
        assert "".join(tokens(reader.events)) == result["content"]
        assert {e["conversation_id"] for e in reader.events} == {conversation}
        completed = [e for e in reader.events if e["event"] == "chat.completed"]
        assert len(completed) == 1 and completed[0]["data"]["message_id"] == result["message_id"]
        kinds = [e["event"] for e in reader.events]
        assert kinds.index("task.processing") < kinds.index("chat.token") < kinds.index("chat.completed") < kinds.index("task.completed")
    sse.close()
    ws.close()

    code, listed = worker.http("GET", f"/conversations/{conversation}/messages")
    assert code == 200
    messages = listed["messages"]
    assert [(m["role"], m["content"]) for m in messages] == [
        ("user", "tell me about the weather today"), ("assistant", result["content"])]
    assistant = messages[1]
    assert assistant["message_id"] == result["message_id"]
    assert assistant["metadata"]["usage"] == result["usage"] and assistant["metadata"]["model"] == result["model"]

    # What RunPod received: the bearer key, the history, the sampling options, a stream.
    sent = [r for r in standin.requests() if r["path"].endswith("/openai/v1/chat/completions")][-1]
    assert sent["auth_present"] is True and sent["auth_ok"] is True
    assert sent["body"]["stream"] is True and sent["body"]["temperature"] == 0.2 and sent["body"]["max_tokens"] == 64
    assert sent["body"]["messages"] == [{"role": "user", "content": "tell me about the weather today"}]


def test_non_streamed_reply_and_a_second_turn_sends_the_history(start_worker, standin):
    worker = start_worker()
    conversation = new_conversation(worker)
    first = run_chat(worker, {"conversation_id": conversation, "message": "one", "stream": False})
    assert first["status"] == "completed" and first["result"]["content"] == "Echo: one"
    second = run_chat(worker, {"conversation_id": conversation, "message": "two", "stream": False,
                               "system_prompt": "be brief"})
    assert second["result"]["content"] == "Echo: two"
    sent = [r for r in standin.requests() if r["path"].endswith("/chat/completions")][-1]["body"]
    assert sent["stream"] is False
    assert sent["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "one"},
                                {"role": "assistant", "content": "Echo: one"}, {"role": "user", "content": "two"}]


def mapped_libraries(worker: WorkerProc) -> str:
    return Path(f"/proc/{worker.proc.pid}/maps").read_text()


def test_libcurl_and_libpq_are_loaded_only_when_first_used(start_worker, standin):
    """A worker with the chat plugin loaded but unused maps neither libcurl nor libpq (nor the
    TLS/Kerberos/LDAP libraries they pull in): the idle footprint. The first chat job loads
    libcurl and works; libpq stays out without DATABASE_URL."""
    worker = start_worker()
    idle = mapped_libraries(worker)
    assert "chat-" in idle or "libChatPlugin" in idle, "the chat plugin is loaded"
    assert "libcurl" not in idle and "libpq" not in idle and "libssl" not in idle
    conversation = new_conversation(worker)
    task = run_chat(worker, {"conversation_id": conversation, "message": "hi", "stream": False})
    assert task["status"] == "completed" and task["result"]["content"] == "Echo: hi"
    used = mapped_libraries(worker)
    assert "libcurl" in used and "libpq" not in used


@pytest.mark.parametrize("shape", [1, 2, 3])
def test_job_mode_waits_for_a_queued_then_running_job(start_worker, standin, shape):
    standin.config(queue_delay_ms=1500, run_ms=1200, output_shape=shape)
    worker = start_worker(mode="job")
    conversation = new_conversation(worker)
    task = run_chat(worker, {"conversation_id": conversation, "message": "queued question"})
    assert task["status"] == "completed", task
    assert task["result"]["content"] == "Echo: queued question"
    assert task["result"]["usage"].get("completion_tokens") == 3
    paths = [r["path"] for r in standin.requests()]
    assert any(p.endswith("/runsync") for p in paths)
    assert sum(1 for p in paths if "/status/" in p) >= 1, paths
    code, listed = worker.http("GET", f"/conversations/{conversation}/messages")
    assert [m["role"] for m in listed["messages"]] == ["user", "assistant"]


def test_rate_limited_twice_then_answered(start_worker, standin):
    standin.config(fail_next_status={"status": 429, "count": 2, "retry_after": 1})
    worker = start_worker()
    conversation = new_conversation(worker)
    started = time.monotonic()
    task = run_chat(worker, {"conversation_id": conversation, "message": "patience"})
    assert task["status"] == "completed", task
    assert task["attempts"] == 1
    assert time.monotonic() - started >= 1.8, "Retry-After was not honoured"
    calls = [r for r in standin.requests() if r["path"].endswith("/chat/completions")]
    assert [r["status"] for r in calls] == [429, 429, 200]
    # Only one user message although RunPod was called three times.
    code, listed = worker.http("GET", f"/conversations/{conversation}/messages")
    assert [m["role"] for m in listed["messages"]] == ["user", "assistant"]


def test_a_wrong_key_fails_at_once_with_a_clear_reason(start_worker, standin):
    standin.config(api_key="another-key")
    worker = start_worker()
    conversation = new_conversation(worker)
    task = run_chat(worker, {"conversation_id": conversation, "message": "hello"}, options={"attempts": 3})
    assert task["status"] == "failed"
    assert task["attempts"] == 1
    assert task["error"] == "RunPod refused the API key (HTTP 401); check RUNPOD_API_KEY"
    assert len([r for r in standin.requests() if r["path"].endswith("/chat/completions")]) == 1


def test_an_unknown_conversation_is_invalid_params(start_worker):
    worker = start_worker()
    task = run_chat(worker, {"conversation_id": "no-such-conversation", "message": "hello"}, options={"attempts": 3})
    assert task["status"] == "failed" and task["attempts"] == 1
    assert task["error"] == "no conversation with id no-such-conversation"
    code, body = worker.http("POST", "/execute", {"task_type": "chat", "parameters": {"message": "no conversation"}})
    assert code == 422 and "conversation_id" in json.dumps(body)


def test_cancelling_a_job_mode_task_cancels_the_runpod_job(start_worker, standin):
    standin.config(queue_delay_ms=8000, run_ms=1000)
    worker = start_worker(mode="job")
    conversation = new_conversation(worker)
    code, task = worker.http("POST", "/execute", {"task_type": "chat", "parameters": {"conversation_id": conversation,
                                                                                    "message": "never mind"}})
    assert code == 202
    assert wait_until(lambda: any("/status/" in r["path"] for r in standin.requests()), 10, "it")
    code, _ = worker.http("DELETE", f"/task/{task['task_id']}")
    assert code in (200, 202)
    assert wait_until(lambda: any(e["type"] == "job_cancelled" for e in standin.events()), 10, "it"), standin.events()
    assert wait_until(lambda: worker.http("GET", f"/task/{task['task_id']}")[1]["status"] == "cancelled", 10, "it")
    cancels = [r for r in standin.requests() if "/cancel/" in r["path"]]
    assert len(cancels) == 1 and cancels[0]["method"] == "POST"


def test_cancelling_a_streamed_reply_stops_the_stream(start_worker, standin):
    standin.config(token_delay_ms=400, reply="one two three four five six seven eight nine ten eleven twelve")
    worker = start_worker()
    conversation = new_conversation(worker)
    sse = SSEReader(worker, f"conversation_id={conversation}")
    code, task = worker.http("POST", "/execute", {"task_type": "chat", "parameters": {"conversation_id": conversation,
                                                                                    "message": "go"}})
    assert code == 202
    assert wait_until(lambda: len(tokens(sse.events)) >= 2, 10, "it")
    worker.http("DELETE", f"/task/{task['task_id']}")
    assert wait_until(lambda: any(e["type"] == "stream_aborted" for e in standin.events()), 10, "it"), standin.events()
    assert wait_until(lambda: worker.http("GET", f"/task/{task['task_id']}")[1]["status"] == "cancelled", 10, "it")
    sse.close()
    assert len(tokens(sse.events)) < 12
    code, listed = worker.http("GET", f"/conversations/{conversation}/messages")
    assert [m["role"] for m in listed["messages"]] == ["user"], "a cancelled reply must not be stored"


def test_the_history_window_trims_old_messages(start_worker, standin):
    worker = start_worker(history={"history_messages": 4, "history_chars": 40})
    conversation = new_conversation(worker)
    for index, text in enumerate(["m1 aaaaaaaaaa", "m2 bbbbbbbbbb", "m3 cccccccccc", "m4 dddddddddd", "m5 eeeeeeeeee"]):
        role = "user" if index % 2 == 0 else "assistant"
        code, _ = worker.http("POST", f"/conversations/{conversation}/messages", {"role": role, "content": text})
        assert code == 201
    task = run_chat(worker, {"conversation_id": conversation, "message": "m6 ffffffffff", "stream": False})
    assert task["status"] == "completed", task
    sent = [r for r in standin.requests() if r["path"].endswith("/chat/completions")][-1]["body"]["messages"]
    # At most 4 messages, then the oldest dropped until 40 characters fit: the newest three (13 each).
    assert [m["content"] for m in sent] == ["m4 dddddddddd", "m5 eeeeeeeeee", "m6 ffffffffff"]


def test_zz_the_api_key_is_in_no_log_line():
    """Runs last in this module: every log written by the worker processes and the stand-in."""
    assert CAPTURED_LOGS, "no logs were captured"
    for path in CAPTURED_LOGS:
        text = path.read_text(errors="replace") if path.exists() else ""
        assert API_KEY not in text, f"the API key leaked into {path}"
    assert any(path.exists() and path.stat().st_size > 0 for path in CAPTURED_LOGS)
