"""RunPod stand-in suite: Tests/interop/runpod_standin.py as a real subprocess on a loopback port.

One stand-in serves the module (started on port 0, its port read from the `LISTENING <port>` line);
every test resets it through POST /__standin/reset and scripts it through POST /__standin/config.
Clients are urllib and http.client only (plus the curl binary for one libcurl check, skipped when
curl is missing), so the suite needs nothing but pytest.

Run:  python3 -m pytest -q Tests/interop/test_runpod_standin.py
"""
from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
STANDIN = REPO / "Tests" / "interop" / "runpod_standin.py"
API_KEY = "rp_SECRET_" + uuid.uuid4().hex  # distinctive, so a leak into the log is unmistakable
ENDPOINT = "ep-test"
MODEL = "standin-test-model"


# ---------------------------------------------------------------------------------------------
# The stand-in process and a small client
# ---------------------------------------------------------------------------------------------

class Standin:
    """One stand-in subprocess; its stderr goes to a file so tests can inspect the log."""

    def __init__(self, workdir: Path, *extra_args: str):
        self.stderr_path = workdir / f"standin-{uuid.uuid4().hex[:6]}.err"
        self.args = [sys.executable, str(STANDIN), "--port", "0", "--api-key", API_KEY, "--model", MODEL, *extra_args]
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None

    def start(self, timeout: float = 10) -> "Standin":
        err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True)
        err.close()
        deadline = time.monotonic() + timeout
        line = self.proc.stdout.readline()  # blocks until the line or EOF
        if not line.startswith("LISTENING ") or time.monotonic() > deadline:
            self.stop()
            raise RuntimeError(f"stand-in did not print LISTENING: {line!r}\n{self.stderr()[-2000:]}")
        self.port = int(line.split()[1])
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, method: str, path: str, body: Any = None, auth: Optional[str] = "bearer",
             key: str = API_KEY, timeout: float = 10) -> tuple[int, dict, Any]:
        """(status, headers, parsed JSON body). `path` is relative to /v2/{ENDPOINT}/ unless it starts
        with '/'. auth: "bearer", "raw" or None."""
        url = self.base + (path if path.startswith("/") else f"/v2/{ENDPOINT}/{path}")
        headers = {"Content-Type": "application/json"}
        if auth == "bearer":
            headers["Authorization"] = f"Bearer {key}"
        elif auth == "raw":
            headers["Authorization"] = key
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, dict(err.headers), json.loads(raw or b"null")

    def config(self, **knobs: Any) -> dict:
        code, _, body = self.call("POST", "/__standin/config", knobs, auth=None)
        assert code == 200, body
        return body

    def requests(self) -> list[dict]:
        return self.call("GET", "/__standin/requests", auth=None)[2]

    def events(self) -> list[dict]:
        return self.call("GET", "/__standin/events", auth=None)[2]


def chat_input(text: str, **extra: Any) -> dict:
    return {"input": {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": text}],
                      "sampling_params": {"temperature": 0.7, "max_tokens": 100}, "stream": False, **extra}}


def wait_for(predicate: Callable[[], Any], timeout: float = 5, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def read_sse(resp: http.client.HTTPResponse) -> list[str]:
    """The `data:` payloads of an SSE response, up to and including [DONE]."""
    payloads = []
    while True:
        line = resp.readline()
        if not line:
            break
        line = line.decode().rstrip("\r\n")
        if line.startswith("data: "):
            payloads.append(line[len("data: "):])
            if payloads[-1] == "[DONE]":
                break
        else:
            assert line == "", f"unexpected SSE line {line!r}"
    return payloads


def job_text(output: Any) -> str:
    """The reply text from any of the three output shapes (the chat plugin's parsing rule)."""
    if isinstance(output, list):
        parts = []
        for item in output:
            if isinstance(item, str):  # shape 2 stream: raw SSE text
                for line in item.splitlines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        chunk = json.loads(line[6:])
                        for choice in chunk["choices"]:
                            parts.append(choice["delta"].get("content", ""))
                continue
            choice = item["choices"][0]
            if "message" in choice:
                parts.append(choice["message"]["content"])
            else:
                parts.append("".join(choice["tokens"]))
        return "".join(parts)
    return "".join(output["text"])


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def standin_server(tmp_root):
    server = Standin(tmp_root).start()
    yield server
    server.stop()


@pytest.fixture
def standin(standin_server) -> Standin:
    """The module's stand-in, reset to its start-up config with empty history."""
    code, _, body = standin_server.call("POST", "/__standin/reset", auth=None)
    assert code == 200, body
    return standin_server


# ---------------------------------------------------------------------------------------------
# Auth and routing
# ---------------------------------------------------------------------------------------------

def test_auth_bearer_raw_wrong_and_missing(standin):
    assert standin.call("GET", "health", auth="bearer")[0] == 200
    assert standin.call("GET", "health", auth="raw")[0] == 200
    code, headers, body = standin.call("GET", "health", auth="bearer", key="wrong-key")
    assert code == 401 and headers["Content-Type"] == "application/json" and "error" in body
    assert standin.call("GET", "health", auth="raw", key="wrong-key")[0] == 401
    assert standin.call("GET", "health", auth=None)[0] == 401
    assert standin.call("POST", "run", chat_input("hi"), auth=None)[0] == 401

    recorded = [(r["auth_present"], r["auth_ok"], r["status"]) for r in standin.requests()]
    assert recorded == [(True, True, 200), (True, True, 200), (True, False, 401), (True, False, 401),
                        (False, False, 401), (False, False, 401)]
    assert API_KEY not in json.dumps(standin.requests())


def test_api_key_knob_changes_the_expected_key(standin):
    new_key = "rp_NEWKEY_" + uuid.uuid4().hex
    cfg = standin.config(api_key=new_key)
    assert cfg["api_key"] == "<set>" and new_key not in json.dumps(cfg)
    assert standin.call("GET", "health")[0] == 401
    assert standin.call("GET", "health", key=new_key)[0] == 200
    standin.config(api_key=None)  # key check off
    assert standin.call("GET", "health", auth=None)[0] == 200


def test_unknown_route_and_bad_requests_are_json(standin):
    code, headers, body = standin.call("GET", "nope")
    assert code == 404 and headers["Content-Type"] == "application/json" and "error" in body
    assert standin.call("GET", "/elsewhere")[0] == 404
    assert standin.call("GET", "status/no-such-job")[0] == 404
    assert standin.call("GET", "run")[0] == 405
    assert standin.call("POST", "run", {"no": "input"})[0] == 400
    code, _, body = standin.call("POST", "/__standin/config", {"queue_delay": 5}, auth=None)
    assert code == 400 and "queue_delay" in body["error"]


def test_keep_alive_across_statuses_on_one_connection(standin):
    """Every non-stream answer has Content-Length, so one connection carries them all."""
    standin.config(fail_next_status={"status": 429, "count": 1, "retry_after": 1})
    conn = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    auth = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    seen, socks = [], []
    for method, path, headers, body in [
        ("GET", "health", auth, None),  # eats the injected 429
        ("GET", "health", auth, None),
        ("GET", "health", {"Authorization": "nope"}, None),
        ("GET", "nothing-here", auth, None),
        ("POST", "run", auth, json.dumps(chat_input("x"))),
        ("POST", "openai/v1/chat/completions", auth,
         json.dumps({"messages": [{"role": "user", "content": "a b"}], "stream": True})),
        ("GET", "openai/v1/models", auth, None),
    ]:
        conn.request(method, f"/v2/{ENDPOINT}/{path}", body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        seen.append(resp.status)
        socks.append(conn.sock)  # http.client drops the socket when a response ends the connection
    conn.close()
    assert seen == [429, 200, 401, 404, 200, 200, 200]
    assert socks[0] is not None and all(s is socks[0] for s in socks)
    assert len(standin.requests()) == 7


# ---------------------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------------------

def test_run_then_status_goes_in_queue_in_progress_completed(standin):
    standin.config(queue_delay_ms=250, run_ms=400)
    code, _, body = standin.call("POST", "run", chat_input("hello world"))
    assert code == 200 and body["status"] == "IN_QUEUE" and set(body) == {"id", "status"}
    job_id = body["id"]
    assert standin.call("GET", "health")[2]["jobs"]["inQueue"] == 1

    seen: list[str] = []
    while not seen or seen[-1] != "COMPLETED":
        code, _, status = standin.call("GET", f"status/{job_id}")
        assert code == 200 and status["id"] == job_id
        assert ("output" in status) == (status["status"] == "COMPLETED")
        if not seen or seen[-1] != status["status"]:
            seen.append(status["status"])
        assert len(seen) <= 3
        time.sleep(0.03)
    assert seen == ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
    assert status["delayTime"] == 250 and status["executionTime"] == 400
    assert status["output"] == [{"choices": [{"tokens": ["Echo: hello world"]}], "usage": {"input": 4, "output": 3}}]
    health = standin.call("GET", "health")[2]
    assert health["jobs"]["completed"] == 1 and health["jobs"]["inQueue"] == 0


def test_runsync_returns_in_progress_then_polling_completes(standin):
    standin.config(run_ms=400, runsync_wait_cap_ms=100)
    code, _, body = standin.call("POST", "runsync", chat_input("poll me"))
    assert code == 200 and body["status"] == "IN_PROGRESS" and body["id"].startswith("sync-")
    assert "output" not in body
    final = wait_for(lambda: (s := standin.call("GET", f"status/{body['id']}")[2])["status"] == "COMPLETED" and s)
    assert job_text(final["output"]) == "Echo: poll me"

    # ?wait= is honoured too, and a job that finishes in time comes back final.
    standin.config(runsync_wait_cap_ms=None, run_ms=300)
    assert standin.call("POST", "runsync?wait=50", chat_input("x"))[2]["status"] == "IN_PROGRESS"
    standin.config(run_ms=50)
    body = standin.call("POST", "runsync?wait=2000", chat_input("quick"))[2]
    assert body["status"] == "COMPLETED" and job_text(body["output"]) == "Echo: quick"
    assert {r["query"].get("wait") for r in standin.requests() if r["path"].endswith("runsync")} == {None, "50", "2000"}


@pytest.mark.parametrize("shape", [1, 2, 3])
def test_output_shapes(standin, shape):
    standin.config(output_shape=shape)
    body = standin.call("POST", "runsync", chat_input("three little words"))[2]
    assert body["status"] == "COMPLETED"
    out = body["output"]
    if shape == 1:
        assert out == [{"choices": [{"tokens": ["Echo: three little words"]}], "usage": {"input": 5, "output": 4}}]
    elif shape == 2:
        assert isinstance(out, list) and len(out) == 1
        completion = out[0]
        assert completion["object"] == "chat.completion" and completion["model"] == MODEL
        assert completion["choices"][0]["message"] == {"role": "assistant", "content": "Echo: three little words"}
        assert completion["choices"][0]["finish_reason"] == "stop"
        assert completion["usage"] == {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}
    else:
        assert out == {"input_tokens": 5, "output_tokens": 4, "text": ["Echo: three little words"]}


def test_prompt_input_and_fixed_reply(standin):
    body = standin.call("POST", "runsync", {"input": {"prompt": "just a prompt"}})[2]
    assert body["output"][0]["choices"][0]["tokens"] == ["Echo: just a prompt"]
    standin.config(reply="Fixed answer.", output_shape=3)
    body = standin.call("POST", "runsync", chat_input("ignored"))[2]
    assert body["output"] == {"input_tokens": 3, "output_tokens": 2, "text": ["Fixed answer."]}


@pytest.mark.parametrize("shape", [1, 2, 3])
def test_stream_route_hands_out_chunks_once(standin, shape):
    standin.config(output_shape=shape, run_ms=200)
    job_id = standin.call("POST", "run", chat_input("one two three four", stream=True))[2]["id"]
    chunks, statuses = [], []
    while True:
        body = standin.call("GET", f"stream/{job_id}")[2]
        statuses.append(body["status"])
        chunks += [c["output"] for c in body["stream"]]
        if body["status"] == "COMPLETED" and not body["stream"]:
            break
        time.sleep(0.02)
    assert "IN_PROGRESS" in statuses
    assert len(chunks) >= 5  # per token (shape 2 adds the role, usage and [DONE] records)
    if shape == 3:
        assert "".join("".join(c["text"]) for c in chunks) == "Echo: one two three four"
    else:
        assert job_text(chunks) == "Echo: one two three four"
        final = standin.call("GET", f"status/{job_id}")[2]
        assert final["output"] == chunks  # the aggregate stream


def test_cancel_keeps_the_job_cancelled(standin):
    standin.config(queue_delay_ms=300, run_ms=0)
    job_id = standin.call("POST", "run", chat_input("cancel me"))[2]["id"]
    code, _, body = standin.call("POST", f"cancel/{job_id}")
    assert code == 200 and body == {"id": job_id, "status": "CANCELLED"}
    time.sleep(0.4)  # past the point where it would have completed
    status = standin.call("GET", f"status/{job_id}")[2]
    assert status["status"] == "CANCELLED" and "output" not in status
    assert standin.call("GET", f"stream/{job_id}")[2] == {"status": "CANCELLED", "stream": []}
    events = [e for e in standin.events() if e["type"] == "job_cancelled"]
    assert len(events) == 1 and events[0]["id"] == job_id and events[0]["previous_status"] == "IN_QUEUE"


def test_failed_and_timed_out_jobs(standin):
    standin.config(fail="CUDA out of memory", run_ms=50)
    failed = standin.call("POST", "runsync", chat_input("boom"))[2]
    assert failed["status"] == "FAILED" and failed["error"] == "CUDA out of memory" and "output" not in failed

    standin.config(fail=None, timed_out=True)
    job_id = standin.call("POST", "run", chat_input("slow"))[2]["id"]
    timed_out = wait_for(lambda: (s := standin.call("GET", f"status/{job_id}")[2])["status"] != "IN_PROGRESS"
                         and s["status"] != "IN_QUEUE" and s)
    assert timed_out["status"] == "TIMED_OUT" and isinstance(timed_out["error"], str) and "output" not in timed_out

    # A FAILED job can be retried; with the knob cleared it then completes.
    standin.config(timed_out=False)
    assert standin.call("POST", f"retry/{job_id}")[2]["status"] in ("IN_QUEUE", "IN_PROGRESS")
    done = wait_for(lambda: (s := standin.call("GET", f"status/{job_id}")[2])["status"] == "COMPLETED" and s)
    assert job_text(done["output"]) == "Echo: slow"
    assert standin.call("GET", "health")[2]["jobs"]["retried"] == 1


def test_429_with_retry_after_then_success(standin):
    standin.config(fail_next_status={"status": 429, "count": 2, "retry_after": 1})
    for _ in range(2):
        code, headers, body = standin.call("POST", "runsync", chat_input("rate"))
        assert code == 429 and headers["Retry-After"] == "1" and "error" in body
    code, headers, body = standin.call("POST", "runsync", chat_input("rate"))
    assert code == 200 and "Retry-After" not in headers and body["status"] == "COMPLETED"
    assert standin.config()["fail_next_status"] is None
    assert [e["status"] for e in standin.events() if e["type"] == "injected_status"] == [429, 429]


@pytest.mark.parametrize("status", [500, 503, 401])
def test_injected_server_errors_and_401(standin, status):
    standin.config(fail_next_status=status)
    code, headers, body = standin.call("POST", "openai/v1/chat/completions",
                                       {"messages": [{"role": "user", "content": "x"}]})
    assert code == status and "Retry-After" not in headers and "error" in body
    assert standin.call("POST", "openai/v1/chat/completions",
                        {"messages": [{"role": "user", "content": "x"}]})[0] == 200


# ---------------------------------------------------------------------------------------------
# OpenAI-compatible route
# ---------------------------------------------------------------------------------------------

def test_openai_non_stream(standin):
    req = {"model": "my-model", "messages": [{"role": "system", "content": "be kind"},
                                              {"role": "user", "content": "how are you"}]}
    code, headers, body = standin.call("POST", "openai/v1/chat/completions", req)
    assert code == 200 and int(headers["Content-Length"]) > 0
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-") and body["model"] == "my-model"
    assert body["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "Echo: how are you"},
                                "logprobs": None, "finish_reason": "stop"}]
    assert body["usage"] == {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}
    del req["model"]
    assert standin.call("POST", "openai/v1/chat/completions", req)[2]["model"] == MODEL
    models = standin.call("GET", "openai/v1/models")[2]
    assert models["object"] == "list" and models["data"][0]["id"] == MODEL


def test_openai_stream_chunks_done_and_usage(standin):
    standin.config(token_delay_ms=5)
    conn = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    req = {"model": "m", "messages": [{"role": "user", "content": "stream these four words"}], "stream": True,
           "stream_options": {"include_usage": True}}
    conn.request("POST", f"/v2/{ENDPOINT}/openai/v1/chat/completions", json.dumps(req), headers)
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Content-Type").startswith("text/event-stream")
    payloads = read_sse(resp)
    assert resp.read() == b"\n"  # the blank line that ends the [DONE] record
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "m" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    content = chunks[1:-1]
    assert [c["choices"][0]["delta"]["content"] for c in content] == ["Echo: ", "stream ", "these ", "four ", "words"]
    assert [c["choices"][0]["finish_reason"] for c in content] == [None, None, None, None, "stop"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == {"prompt_tokens": 4, "completion_tokens": 5,
                                                                   "total_tokens": 9}
    # The connection stays usable after the chunked stream.
    conn.request("GET", f"/v2/{ENDPOINT}/health", headers=headers)
    assert conn.getresponse().status == 200
    conn.close()
    assert [e["type"] for e in standin.events()] == ["stream_completed"]

    # Without include_usage there is no usage chunk; with stream_transfer "close" urllib reads to EOF.
    standin.config(stream_transfer="close", token_delay_ms=0)
    del req["stream_options"]
    http_req = urllib.request.Request(f"{standin.base}/v2/{ENDPOINT}/openai/v1/chat/completions",
                                      data=json.dumps(req).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(http_req, timeout=5) as r:
        assert r.headers["Connection"] == "close"
        text = r.read().decode()
    records = [rec[len("data: "):] for rec in text.split("\n\n") if rec]
    assert records[-1] == "[DONE]"
    assert all("usage" not in json.loads(rec) for rec in records[:-1])
    assert json.loads(records[-2])["choices"][0]["finish_reason"] == "stop"


def test_client_disconnect_mid_stream_is_recorded(standin):
    standin.config(token_delay_ms=40)
    words = " ".join(f"w{i}" for i in range(40))
    conn = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    conn.request("POST", f"/v2/{ENDPOINT}/openai/v1/chat/completions",
                 json.dumps({"messages": [{"role": "user", "content": words}], "stream": True}),
                 {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    resp = conn.getresponse()
    got = 0
    while got < 3:
        if resp.readline().startswith(b"data: "):
            got += 1
    resp.close()
    conn.close()
    aborted = wait_for(lambda: [e for e in standin.events() if e["type"] == "stream_aborted"], timeout=3)
    assert len(aborted) == 1
    assert 3 <= aborted[0]["chunks_sent"] < 10  # it stopped writing well before the 43 records
    assert aborted[0]["path"].endswith("/openai/v1/chat/completions")
    time.sleep(0.1)  # let a (wrong) late stream_completed arrive
    assert not [e for e in standin.events() if e["type"] == "stream_completed"]


def test_max_tokens_gives_finish_reason_length(standin):
    req = {"messages": [{"role": "user", "content": "one two three four five"}], "max_tokens": 3}
    body = standin.call("POST", "openai/v1/chat/completions", req)[2]
    assert body["choices"][0]["message"]["content"] == "Echo: one two "
    assert body["choices"][0]["finish_reason"] == "length" and body["usage"]["completion_tokens"] == 3

    conn = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    conn.request("POST", f"/v2/{ENDPOINT}/openai/v1/chat/completions", json.dumps({**req, "stream": True}),
                 {"Authorization": API_KEY, "Content-Type": "application/json"})
    chunks = [json.loads(p) for p in read_sse(conn.getresponse())[:-1]]
    conn.close()
    assert "".join(c["choices"][0]["delta"]["content"] for c in chunks) == "Echo: one two "
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"

    # The job route reads sampling_params.max_tokens the same way.
    standin.config(output_shape=2)
    job = chat_input("one two three four five")
    job["input"]["sampling_params"]["max_tokens"] = 2
    completion = standin.call("POST", "runsync", job)[2]["output"][0]
    assert completion["choices"][0]["finish_reason"] == "length"
    assert completion["choices"][0]["message"]["content"] == "Echo: one "


def test_openai_error_knob(standin):
    standin.config(openai_error={"status": 400, "message": "context too long", "count": 1})
    code, _, body = standin.call("POST", "openai/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]})
    assert code == 400
    assert body == {"object": "error", "message": "context too long", "type": "BadRequestError", "param": None,
                    "code": 400}
    assert standin.call("POST", "openai/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]})[0] == 200
    standin.config(openai_error={"status": 500, "style": "worker", "message": "engine died"})
    code, _, body = standin.call("POST", "openai/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]})
    assert code == 500 and body == {"error": {"message": "engine died", "type": "worker_error", "code": None}}


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_libcurl_stream_and_keep_alive(standin):
    url = f"{standin.base}/v2/{ENDPOINT}/openai/v1/chat/completions"
    body = json.dumps({"messages": [{"role": "user", "content": "via curl"}], "stream": True})
    out = subprocess.run(["curl", "-sS", "-N", "-v", "-H", f"Authorization: Bearer {API_KEY}",
                          "-H", "Content-Type: application/json", "-d", body, url,
                          "--next", "-sS", "-v", "-H", f"Authorization: Bearer {API_KEY}",
                          f"{standin.base}/v2/{ENDPOINT}/health"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("data: ") == 5 and "data: [DONE]" in out.stdout
    assert '"completed"' in out.stdout  # the health answer followed the stream
    assert "Re-using existing connection" in out.stderr


# ---------------------------------------------------------------------------------------------
# The key never reaches the log
# ---------------------------------------------------------------------------------------------

def test_api_key_never_in_stderr(standin, tmp_root):
    # Exercise every auth path (and a key set through the knob) on this server...
    new_key = "rp_KNOBKEY_" + uuid.uuid4().hex
    standin.call("GET", "health", auth="bearer")
    standin.call("GET", "health", auth="raw")
    standin.call("GET", "health", key=new_key)
    standin.config(api_key=new_key)
    standin.call("POST", "runsync", chat_input("secret?"), key=new_key)
    assert API_KEY not in json.dumps(standin.call("GET", "/__standin/config", auth=None)[2])
    # ...and on a fresh one that got its key through --config.
    cfg_key = "rp_CFGKEY_" + uuid.uuid4().hex
    other = Standin(tmp_root, "--config", json.dumps({"api_key": cfg_key, "output_shape": 3})).start()
    try:
        assert other.call("GET", "health", key=cfg_key)[0] == 200
        assert other.call("GET", "health")[0] == 401
        assert other.call("POST", "runsync", chat_input("x"), key=cfg_key)[2]["output"]["text"] == ["Echo: x"]
    finally:
        other.stop()  # waits for its exit: its log is complete
    # A request's line is written after its answer: wait for the last request's.
    wait_for(lambda: "GET /__standin/config -> 200" in standin.stderr(), timeout=10)
    for server in (standin, other):
        log = server.stderr()
        assert "/v2/" in log  # requests were logged...
        for secret in (API_KEY, new_key, cfg_key):
            assert secret not in log  # ...without any key
        assert "Bearer" not in log
