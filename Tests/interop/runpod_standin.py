#!/usr/bin/env python3
"""RunPod serverless API stand-in: a real HTTP server on loopback that behaves like RunPod.

What it is
----------
A single-file, standard-library-only (Python 3.11) HTTP/1.1 server that answers the RunPod
serverless routes the chat plugin uses, so its tests and local runs never need the real service.
The behaviour follows ../shared/reference/runpod-api.md (routes, job states, the three job output
shapes, the OpenAI-compatible route with SSE streaming). Switches ("knobs") set over a control API
let a test script delays, failures, rate limiting, key changes and error bodies.

Run
---
    python3 Tests/interop/runpod_standin.py [--host 127.0.0.1] [--port 0] [--api-key KEY]
                                      [--model NAME] [--config JSON]

    --host     address to bind (default 127.0.0.1; anything but loopback gets a warning)
    --port     TCP port; 0 (the default) picks a free one
    --api-key  the expected key (default "test-key"); the knob `api_key` changes it at run time
    --model    the model name reported when a request names none (default "standin-model")
    --config   a JSON object of knobs to start with, e.g. '{"queue_delay_ms": 200, "output_shape": 2}'

Once it accepts connections it prints exactly one line `LISTENING <port>` to stdout (flushed);
everything else (one line per request) goes to stderr. The API key and the Authorization header
value are never logged, never stored in the request history and never returned by the control API.
Stop it with SIGTERM or Ctrl-C.

Clients may send `Authorization: Bearer KEY` (what the official SDK sends) or the raw
`Authorization: KEY`; a wrong or missing key gets 401 with a JSON body. Every non-stream response
carries Content-Length, so keep-alive works (libcurl, urllib, http.client). SSE responses use
`Transfer-Encoding: chunked` by default (the connection stays usable afterwards) or
`Connection: close` with the knob `stream_transfer: "close"`.

API routes (any endpoint id; all need the key)
----------------------------------------------
    POST /v2/{endpoint_id}/run                   -> {"id","status":"IN_QUEUE"}
    POST /v2/{endpoint_id}/runsync[?wait=ms]     -> final status body, or {"id","status"} when not
                                                    done in time (the client must poll /status)
    GET  /v2/{endpoint_id}/status/{id}           -> {"id","status","delayTime","executionTime",
                                                    "output" (COMPLETED only), "error" (FAILED/TIMED_OUT)}
    GET  /v2/{endpoint_id}/stream/{id}           -> {"status", "stream":[{"output": chunk}, ...]}
    POST /v2/{endpoint_id}/cancel/{id}           -> {"id","status":"CANCELLED"}
    POST /v2/{endpoint_id}/retry/{id}            -> {"id","status":"IN_QUEUE"} (FAILED/TIMED_OUT only)
    POST /v2/{endpoint_id}/purge-queue           -> {"removed":N,"status":"completed"}
    GET  /v2/{endpoint_id}/health                -> {"jobs":{completed,failed,inProgress,inQueue,retried},
                                                    "workers":{idle,running}}
    POST /v2/{endpoint_id}/openai/v1/chat/completions   OpenAI chat completion, stream or not
    GET  /v2/{endpoint_id}/openai/v1/models      -> {"object":"list","data":[{"id": model, ...}]}
Unknown route -> 404 JSON; known route with the wrong method -> 405 JSON; bad JSON or no `input`
-> 400 JSON; unknown job id -> 404 JSON. Error bodies are `{"error": "<text>"}` (RunPod does not
document its error bodies, so a client must not depend on them), except on the OpenAI route,
which answers vLLM-style `{"object":"error","message","type","param":null,"code"}`.

Jobs
----
Input is vLLM-worker style: {"input":{"messages":[...], "sampling_params":{"temperature",
"max_tokens"}, "stream":false}}; `prompt` may replace `messages`, and the platform's OpenAI wrapping
{"input":{"openai_route":..., "openai_input":{"messages":[...]}}} is read too. `policy.executionTimeout`
(ms) is honoured: a job whose run_ms exceeds it ends TIMED_OUT after that time.

A job's behaviour is fixed when it is created (or retried), from the knobs at that moment. It is
IN_QUEUE for queue_delay_ms, then IN_PROGRESS for run_ms, then COMPLETED (or FAILED / TIMED_OUT
per the knobs). delayTime is the time spent queued so far, executionTime the time spent running so
far (both integers, ms). A cancelled job stays CANCELLED; cancelling a job that is already final
returns its final status unchanged.

The reply text is deterministic: `reply` if that knob is set, else "Echo: " + the content of the
last user message (or of `prompt`). Content given as a list of OpenAI content parts is read as the
concatenation of its text parts.

Tokens and usage: a "token" is one whitespace-separated word together with the whitespace that
follows it (so the tokens concatenate back to the reply exactly). Prompt usage = the number of
whitespace-separated words in the content of all messages (every role), or in `prompt`;
completion usage = the number of reply tokens emitted. `max_tokens` (job: sampling_params.max_tokens;
OpenAI: max_tokens or max_completion_tokens) keeps only the first max_tokens tokens, and the
finish_reason becomes "length" instead of "stop".

Output shapes (knob `output_shape`), exactly as in the reference:
    1  worker-vllm <= v0.15:  [{"choices":[{"tokens":["<reply>"]}],"usage":{"input":N,"output":M}}]
    2  new worker-vllm:       [{<OpenAI chat.completion object>}]
    3  generic docs example:  {"input_tokens":N,"output_tokens":M,"text":["<reply>"]}
With "stream": true in the job input, shapes 1 and 2 aggregate the stream like the real workers
(return_aggregate_stream): shape 1 gives a list with one {"choices":[{"tokens":[token]}],"usage":...}
per token, shape 2 a list of raw SSE strings ("data: {chat.completion.chunk}\\n\\n" ..., "data: [DONE]\\n\\n");
shape 3 stays the single object. /stream/{id} hands out each chunk once, in order: the elements of
the output list for shapes 1/2 (the single element for a non-stream job), per-token
{"input_tokens","output_tokens","text":[token]} objects for shape 3 with "stream": true (else the
one object). Per-token chunks appear spread over run_ms; when the job is final and every chunk has
been handed out, /stream returns the final status with an empty list. FAILED, TIMED_OUT and
CANCELLED jobs stream nothing.

OpenAI route
------------
Non-stream: a `chat.completion` object (id "chatcmpl-…", model = the request's `model` or the
`model` knob, finish_reason "stop" or "length", usage prompt_tokens/completion_tokens/total_tokens).
Stream ("stream": true): Content-Type text/event-stream, records `data: <json>\\n\\n`: a first chunk
with delta {"role":"assistant","content":""}, one chunk per token (token_delay_ms apart), the last
content chunk carrying finish_reason, then (with stream_options.include_usage) a chunk with
"choices": [] and "usage", then `data: [DONE]\\n\\n`. If the client goes away mid-stream the server
stops writing and records a `stream_aborted` event.

Knobs (POST /__standin/config merges a JSON object into the current config)
---------------------------------------------------------------------------
    queue_delay_ms       int >= 0, default 0     time a new job spends IN_QUEUE
    run_ms               int >= 0, default 0     time a job spends IN_PROGRESS
    runsync_wait_cap_ms  int >= 0 | null (null)  upper bound on /runsync waiting (wait = min(?wait or
                                                 90000, cap)); lets a test get a non-final runsync fast
    output_shape         1 | 2 | 3, default 1    job output shape (see above)
    reply                string | null (null)    fixed reply text; null = "Echo: <last user message>"
    token_delay_ms       int >= 0, default 0     pause before each content chunk of an OpenAI stream
    fail                 string | true | null    jobs end FAILED with "error": <string> (true = a default text)
    timed_out            bool, default false     jobs end TIMED_OUT (checked after `fail`)
    fail_next_status     int | {"status", "count" (1), "retry_after" (none), "body" (none)} | null
                         the next `count` requests to any non-control route answer `status`
                         (e.g. 429, 500, 503, 401) with a JSON body ({"error": reason} unless `body`
                         is given) and a Retry-After header when `retry_after` is given; the knob
                         clears itself once used up. Applied before the key check.
    api_key              string | null           the expected key; null turns the key check off
    openai_error         int | {"status", "message", "type", "style": "vllm"|"worker", "count"} | null
                         the OpenAI routes answer with this status and an error body: vLLM style
                         {"object":"error","message","type","param":null,"code":status} or, with
                         style "worker", {"error":{"message","type":"worker_error","code":null}};
                         `count` limits it to that many requests (default: until changed)
    openai_delay_ms      int >= 0, default 0     pause before the OpenAI route answers (timeouts)
    model                string                  default model name (start value: --model)
    stream_transfer      "chunked" | "close"     how SSE bodies are framed (default "chunked")
Unknown knob names or bad values get a 400 that names them; nothing is changed then.

Control routes (no auth; never counted, never recorded, never subject to fail_next_status)
----------------------------------------------------------------------------------------------
    POST /__standin/config    merge knobs; answers the resulting config (api_key shown as "<set>")
    GET  /__standin/config    the current config (api_key shown as "<set>" or null)
    POST /__standin/reset     back to the start-up config (defaults + --api-key/--model/--config);
                              clears jobs, the request history and the events
    GET  /__standin/requests  [{"seq","method","path","query","endpoint_id","body","auth_present",
                              "auth_ok","status"}...]: every API request received, in order. `query`
                              maps names to their last value; `body` is the parsed JSON or null;
                              `auth_ok` is null when the key check is off; `status` is the HTTP
                              status answered (null while still being answered). Never a key.
    GET  /__standin/events    [{"seq","type",...}...]: job_cancelled {id, previous_status},
                              stream_aborted {path, chunks_sent, reason}, stream_completed {path,
                              chunks_sent}, request_aborted {path} (client left during
                              openai_delay_ms), injected_status {path, status}, openai_error {path, status}
    GET  /__standin/jobs      the jobs with their current status (debugging aid)
"""
from __future__ import annotations

import argparse
import copy
import hmac
import http
import json
import re
import select
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

DEFAULT_API_KEY = "test-key"
DEFAULT_MODEL = "standin-model"
DEFAULT_RUNSYNC_WAIT_MS = 90_000
FINAL_STATES = ("COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED")
CONTROL_PREFIX = "/__standin/"

BASE_DEFAULTS: dict[str, Any] = {
    "queue_delay_ms": 0,
    "run_ms": 0,
    "runsync_wait_cap_ms": None,
    "output_shape": 1,
    "reply": None,
    "token_delay_ms": 0,
    "fail": None,
    "timed_out": False,
    "fail_next_status": None,
    "api_key": DEFAULT_API_KEY,
    "openai_error": None,
    "openai_delay_ms": 0,
    "model": DEFAULT_MODEL,
    "stream_transfer": "chunked",
}

OPENAI_ERROR_TYPES = {400: "BadRequestError", 401: "AuthenticationError", 404: "NotFoundError",
                      429: "RateLimitError", 500: "InternalServerError", 503: "ServiceUnavailableError"}


def log(message: str) -> None:
    sys.stderr.write(f"[runpod-standin] {message}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# Knob validation
# ---------------------------------------------------------------------------------------------

def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_status(v: Any) -> bool:
    return _is_int(v) and 100 <= v <= 599


def normalize_knobs(update: Any) -> tuple[dict[str, Any], list[str]]:
    """Checks a partial config; returns (normalized update, errors)."""
    if not isinstance(update, dict):
        return {}, ["the config must be a JSON object"]
    out: dict[str, Any] = {}
    errors: list[str] = []
    for key, value in update.items():
        if key not in BASE_DEFAULTS:
            errors.append(f"unknown knob {key!r}")
            continue
        if key in ("queue_delay_ms", "run_ms", "token_delay_ms", "openai_delay_ms"):
            if not (_is_int(value) and value >= 0):
                errors.append(f"{key} must be an integer >= 0")
                continue
        elif key == "runsync_wait_cap_ms":
            if value is not None and not (_is_int(value) and value >= 0):
                errors.append(f"{key} must be an integer >= 0 or null")
                continue
        elif key == "output_shape":
            if value not in (1, 2, 3) or isinstance(value, bool):
                errors.append("output_shape must be 1, 2 or 3")
                continue
        elif key in ("reply", "api_key"):
            if value is not None and not isinstance(value, str):
                errors.append(f"{key} must be a string or null")
                continue
        elif key == "model":
            if not isinstance(value, str) or not value:
                errors.append("model must be a non-empty string")
                continue
        elif key == "fail":
            if value is True:
                value = "standin: injected job failure"
            elif value is False:
                value = None
            if value is not None and not isinstance(value, str):
                errors.append("fail must be a string, true, false or null")
                continue
        elif key == "timed_out":
            if not isinstance(value, bool):
                errors.append("timed_out must be true or false")
                continue
        elif key == "stream_transfer":
            if value not in ("chunked", "close"):
                errors.append('stream_transfer must be "chunked" or "close"')
                continue
        elif key == "fail_next_status":
            if value is not None:
                if _is_int(value):
                    value = {"status": value}
                if not isinstance(value, dict) or not _is_status(value.get("status")):
                    errors.append("fail_next_status must be null, a status code or {\"status\": code, ...}")
                    continue
                extra = set(value) - {"status", "count", "retry_after", "body"}
                count = value.get("count", 1)
                retry_after = value.get("retry_after")
                if extra:
                    errors.append(f"fail_next_status: unknown fields {sorted(extra)}")
                    continue
                if not (_is_int(count) and count >= 0):
                    errors.append("fail_next_status.count must be an integer >= 0")
                    continue
                if retry_after is not None and not (isinstance(retry_after, (int, float, str))
                                                    and not isinstance(retry_after, bool)):
                    errors.append("fail_next_status.retry_after must be a number or a string")
                    continue
                value = {"status": value["status"], "count": count, "retry_after": retry_after,
                         "body": value.get("body")}
        elif key == "openai_error":
            if value is not None:
                if _is_int(value):
                    value = {"status": value}
                if not isinstance(value, dict) or not _is_status(value.get("status")):
                    errors.append("openai_error must be null, a status code or {\"status\": code, ...}")
                    continue
                extra = set(value) - {"status", "message", "type", "style", "count"}
                style = value.get("style", "vllm")
                count = value.get("count")
                if extra:
                    errors.append(f"openai_error: unknown fields {sorted(extra)}")
                    continue
                if style not in ("vllm", "worker"):
                    errors.append('openai_error.style must be "vllm" or "worker"')
                    continue
                if count is not None and not (_is_int(count) and count >= 0):
                    errors.append("openai_error.count must be an integer >= 0 or null")
                    continue
                status = value["status"]
                value = {"status": status,
                         "message": str(value.get("message") or f"standin: injected error {status}"),
                         "type": str(value.get("type") or OPENAI_ERROR_TYPES.get(status, "ServerError")),
                         "style": style, "count": count}
        out[key] = value
    return out, errors


# ---------------------------------------------------------------------------------------------
# Reply, tokens, usage, output shapes
# ---------------------------------------------------------------------------------------------

def content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "".join(parts)
    return str(content)


def word_count(text: str) -> int:
    return len(text.split())


def tokenize(text: str) -> list[str]:
    """Each token is a word plus the whitespace after it; leading whitespace joins the first token."""
    tokens = re.findall(r"\S+\s*", text)
    lead = text[: len(text) - len(text.lstrip())]
    if lead:
        if tokens:
            tokens[0] = lead + tokens[0]
        else:
            tokens = [lead]
    return tokens


class Completion:
    """The deterministic reply to one request."""

    def __init__(self, messages: Optional[list], prompt: Optional[str], max_tokens: Any, reply_knob: Optional[str]):
        if messages is not None:
            self.prompt_tokens = sum(word_count(content_text(m.get("content"))) for m in messages if isinstance(m, dict))
            last_user = ""
            for m in messages:
                if isinstance(m, dict) and m.get("role") == "user":
                    last_user = content_text(m.get("content"))
        else:
            prompt = prompt if isinstance(prompt, str) else content_text(prompt)
            self.prompt_tokens = word_count(prompt)
            last_user = prompt
        full = reply_knob if reply_knob is not None else "Echo: " + last_user
        tokens = tokenize(full)
        self.finish_reason = "stop"
        if _is_int(max_tokens) and 0 <= max_tokens < len(tokens):
            tokens = tokens[:max_tokens]
            self.finish_reason = "length"
        self.tokens = tokens
        self.text = "".join(tokens)
        self.completion_tokens = len(tokens)

    def usage(self) -> dict:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens}


def chat_completion(c: Completion, model: str, cid: str, created: int) -> dict:
    return {"id": cid, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": c.text},
                         "logprobs": None, "finish_reason": c.finish_reason}],
            "usage": c.usage()}


def chat_chunks(c: Completion, model: str, cid: str, created: int, include_usage: bool) -> list[dict]:
    """The chat.completion.chunk objects of one streamed reply, in order (no [DONE])."""

    def chunk(delta: dict, finish: Optional[str]) -> dict:
        d = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
             "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if include_usage:
            d["usage"] = None
        return d

    chunks = [chunk({"role": "assistant", "content": ""}, None)]
    tokens = c.tokens or [""]
    for i, tok in enumerate(tokens):
        chunks.append(chunk({"content": tok}, c.finish_reason if i == len(tokens) - 1 else None))
    if include_usage:
        chunks.append({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                       "choices": [], "usage": c.usage()})
    return chunks


def sse(obj: Any) -> str:
    return "data: " + (obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))) + "\n\n"


def job_output(c: Completion, shape: int, stream: bool, model: str) -> tuple[Any, list, bool]:
    """(output, stream chunks, chunks_are_per_token) for one job."""
    cid = "chatcmpl-" + uuid.uuid4().hex
    created = int(time.time())
    if shape == 1:
        if stream:
            chunks = [{"choices": [{"tokens": [tok]}], "usage": {"input": c.prompt_tokens, "output": i + 1}}
                      for i, tok in enumerate(c.tokens)]
            return chunks, chunks, True
        out = [{"choices": [{"tokens": [c.text]}], "usage": {"input": c.prompt_tokens, "output": c.completion_tokens}}]
        return out, out, False
    if shape == 2:
        if stream:
            chunks = [sse(ch) for ch in chat_chunks(c, model, cid, created, include_usage=True)] + [sse("[DONE]")]
            return chunks, chunks, True
        out = [chat_completion(c, model, cid, created)]
        return out, out, False
    out = {"input_tokens": c.prompt_tokens, "output_tokens": c.completion_tokens, "text": [c.text]}
    if stream:
        chunks = [{"input_tokens": c.prompt_tokens, "output_tokens": i + 1, "text": [tok]}
                  for i, tok in enumerate(c.tokens)]
        return out, chunks, True
    return out, [out], False


# ---------------------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------------------

class Job:
    def __init__(self, job_id: str, endpoint_id: str, job_input: dict, policy: Any, cfg: dict):
        self.id = job_id
        self.endpoint_id = endpoint_id
        self.input = job_input
        self.policy = policy if isinstance(policy, dict) else {}
        self.retried = 0
        self.plan(cfg)

    def plan(self, cfg: dict) -> None:
        """Fixes the job's timeline and result from the knobs now."""
        inp = self.input
        openai_input = inp.get("openai_input") if isinstance(inp.get("openai_input"), dict) else None
        src = openai_input or inp
        messages = src.get("messages") if isinstance(src.get("messages"), list) else None
        sampling = src.get("sampling_params") if isinstance(src.get("sampling_params"), dict) else {}
        max_tokens = sampling.get("max_tokens", src.get("max_tokens"))
        self.stream = bool(src.get("stream", False))
        model = src.get("model") if isinstance(src.get("model"), str) and src.get("model") else cfg["model"]
        self.completion = Completion(messages, src.get("prompt", ""), max_tokens, cfg["reply"])
        self.created = time.monotonic()
        self.queue_ms = cfg["queue_delay_ms"]
        self.run_ms = cfg["run_ms"]
        self.outcome = "COMPLETED"
        self.error: Optional[str] = None
        if cfg["fail"] is not None:
            self.outcome, self.error = "FAILED", cfg["fail"]
        elif cfg["timed_out"]:
            self.outcome, self.error = "TIMED_OUT", "standin: job timed out"
        limit = self.policy.get("executionTimeout")
        if _is_int(limit) and limit >= 0 and self.run_ms > limit and self.outcome == "COMPLETED":
            self.run_ms = limit
            self.outcome, self.error = "TIMED_OUT", f"job exceeded executionTimeout of {limit} ms"
        self.output, self.chunks, self.per_token = job_output(self.completion, cfg["output_shape"], self.stream, model)
        self.cursor = 0
        self.cancelled_at: Optional[float] = None

    def elapsed_ms(self, now: float) -> float:
        end = self.cancelled_at if self.cancelled_at is not None else now
        return (end - self.created) * 1000.0

    def status(self, now: float) -> str:
        if self.cancelled_at is not None:
            return "CANCELLED"
        e = self.elapsed_ms(now)
        if e < self.queue_ms:
            return "IN_QUEUE"
        if e < self.queue_ms + self.run_ms:
            return "IN_PROGRESS"
        return self.outcome

    def times(self, now: float) -> tuple[int, int]:
        e = self.elapsed_ms(now)
        delay = min(e, self.queue_ms)
        execution = min(max(e - self.queue_ms, 0.0), self.run_ms)
        return int(delay), int(execution)

    def final_at(self) -> float:
        return self.created + (self.queue_ms + self.run_ms) / 1000.0

    def body(self, now: float, with_output: bool = True) -> dict:
        status = self.status(now)
        delay, execution = self.times(now)
        body: dict[str, Any] = {"id": self.id, "status": status, "delayTime": delay, "executionTime": execution}
        if status == "COMPLETED" and with_output:
            body["output"] = self.output
        if status in ("FAILED", "TIMED_OUT"):
            body["error"] = self.error
        return body

    def available_chunks(self, now: float) -> int:
        status = self.status(now)
        if self.outcome != "COMPLETED" or status in ("IN_QUEUE", "CANCELLED"):
            return 0
        if status == "COMPLETED":
            return len(self.chunks)
        if not self.per_token or not self.chunks:
            return 0
        ran = self.elapsed_ms(now) - self.queue_ms
        return min(len(self.chunks), int(len(self.chunks) * ran / self.run_ms)) if self.run_ms else len(self.chunks)


# ---------------------------------------------------------------------------------------------
# Shared state
# ---------------------------------------------------------------------------------------------

class State:
    def __init__(self, start_config: dict):
        self.lock = threading.Lock()
        self.start_config = copy.deepcopy(start_config)
        self.started = time.monotonic()
        self.reset()

    def reset(self) -> None:
        self.config = copy.deepcopy(self.start_config)
        self.jobs: dict[str, Job] = {}
        self.requests: list[dict] = []
        self.events: list[dict] = []
        self.retried = 0

    def event(self, type_: str, **fields: Any) -> None:
        """Caller holds the lock."""
        self.events.append({"seq": len(self.events) + 1, "type": type_,
                            "t": round(time.monotonic() - self.started, 3), **fields})

    def public_config(self) -> dict:
        cfg = copy.deepcopy(self.config)
        cfg["api_key"] = "<set>" if cfg["api_key"] is not None else None
        return cfg


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------

class ClientGone(Exception):
    pass


ROUTES = [
    # (method, regex on the path after /v2/{endpoint_id}, handler name)
    ("POST", r"run", "h_run"),
    ("POST", r"runsync", "h_runsync"),
    ("GET", r"status/(?P<job>[^/]+)", "h_status"),
    ("GET", r"stream/(?P<job>[^/]+)", "h_stream"),
    ("POST", r"cancel/(?P<job>[^/]+)", "h_cancel"),
    ("POST", r"retry/(?P<job>[^/]+)", "h_retry"),
    ("POST", r"purge-queue", "h_purge"),
    ("GET", r"health", "h_health"),
    ("POST", r"openai/v1/chat/completions", "h_chat"),
    ("GET", r"openai/v1/models", "h_models"),
]
COMPILED_ROUTES = [(m, re.compile(p + r"/?"), h) for m, p, h in ROUTES]
API_PREFIX = re.compile(r"/v2/(?P<endpoint>[^/]+)/(?P<rest>.*)")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "runpod-standin/1.0"
    timeout = 300  # idle keep-alive connections are dropped after this many seconds

    state: State  # set on the class by make_server

    # ---- plumbing -----------------------------------------------------------------------------

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from the base class
        # Only used by the base class for protocol errors; never carries header values.
        log(f"{self.client_address[0]} {format % args}")

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass  # our own line is written in finish_request_log

    def do_GET(self) -> None:
        self.dispatch()

    def do_POST(self) -> None:
        self.dispatch()

    def do_PUT(self) -> None:
        self.dispatch()

    def do_DELETE(self) -> None:
        self.dispatch()

    def do_PATCH(self) -> None:
        self.dispatch()

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = bytearray()
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_json(self, status: int, obj: Any, headers: Optional[dict] = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.answered = status

    def error_json(self, status: int, message: str, headers: Optional[dict] = None) -> None:
        self.send_json(status, {"error": message}, headers)

    def auth_check(self) -> tuple[bool, Optional[bool]]:
        """(header present, matches); matches is None when the key check is off."""
        value = self.headers.get("Authorization")
        present = value is not None
        with self.state.lock:
            key = self.state.config["api_key"]
        if key is None:
            return present, None
        if value is None:
            return False, False
        value = value.strip()
        candidate = value[7:].strip() if value[:7].lower() == "bearer " else value
        return True, hmac.compare_digest(candidate.encode(), key.encode())

    # ---- dispatch -----------------------------------------------------------------------------

    def dispatch(self) -> None:
        self.answered: Optional[int] = None
        started = time.monotonic()
        split = urlsplit(self.path)
        path = split.path
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        raw = self.read_body()
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                bad_json = True

        if path.startswith(CONTROL_PREFIX):
            self.control(path[len(CONTROL_PREFIX):], body, bad_json)
            log(f'{self.command} {path} -> {self.answered} (control) {1000 * (time.monotonic() - started):.0f}ms')
            return

        m = API_PREFIX.fullmatch(path)
        endpoint_id = m.group("endpoint") if m else None
        present, ok = self.auth_check()
        record = {"method": self.command, "path": path, "query": query, "endpoint_id": endpoint_id,
                  "body": body, "auth_present": present, "auth_ok": ok, "status": None}
        with self.state.lock:
            record["seq"] = len(self.state.requests) + 1
            self.state.requests.append(record)
            injected = self.take_injected(path)
        try:
            self.route(m, query, body, bad_json, ok, injected)
        except ClientGone:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with self.state.lock:
                record["status"] = self.answered
            auth = "no-auth-header" if not present else ("auth-ok" if ok else ("auth-off" if ok is None else "auth-bad"))
            log(f'{self.command} {path} -> {self.answered} ({auth}) {1000 * (time.monotonic() - started):.0f}ms')

    def take_injected(self, path: str) -> Optional[dict]:
        """Consumes one use of fail_next_status (caller holds the lock)."""
        f = self.state.config.get("fail_next_status")
        if not f or f["count"] <= 0:
            if f is not None:
                self.state.config["fail_next_status"] = None
            return None
        f["count"] -= 1
        if f["count"] <= 0:
            self.state.config["fail_next_status"] = None
        self.state.event("injected_status", path=path, status=f["status"])
        return dict(f)

    def route(self, m: Optional[re.Match], query: dict, body: Any, bad_json: bool, auth_ok: Optional[bool],
              injected: Optional[dict]) -> None:
        if injected is not None:
            status = injected["status"]
            headers = {}
            if injected.get("retry_after") is not None:
                headers["Retry-After"] = str(injected["retry_after"])
            if injected.get("body") is not None:
                payload = injected["body"]
            elif status == 401:
                payload = {"error": "401 Unauthorized: invalid or missing API key"}
            else:
                try:
                    payload = {"error": f"{status} {http.HTTPStatus(status).phrase}"}
                except ValueError:
                    payload = {"error": f"{status}"}
            self.send_json(status, payload, headers)
            return
        if m is None:
            self.error_json(404, f"no route for {self.command} {urlsplit(self.path).path}")
            return
        if auth_ok is False:
            self.error_json(401, "401 Unauthorized: invalid or missing API key")
            return
        rest = m.group("rest")
        allowed = []
        for method, regex, handler in COMPILED_ROUTES:
            mm = regex.fullmatch(rest)
            if mm is None:
                continue
            if method != self.command:
                allowed.append(method)
                continue
            if bad_json:
                self.error_json(400, "request body is not valid JSON")
                return
            getattr(self, handler)(m.group("endpoint"), query, body, **mm.groupdict())
            return
        if allowed:
            self.error_json(405, f"method {self.command} not allowed", {"Allow": ", ".join(sorted(set(allowed)))})
            return
        self.error_json(404, f"no route for {self.command} {urlsplit(self.path).path}")

    # ---- control routes -----------------------------------------------------------------------

    def control(self, name: str, body: Any, bad_json: bool) -> None:
        st = self.state
        name = name.rstrip("/")
        if name == "config" and self.command == "POST":
            if bad_json:
                self.error_json(400, "config body is not valid JSON")
                return
            update, errors = normalize_knobs(body if body is not None else {})
            if errors:
                self.send_json(400, {"error": "; ".join(errors), "errors": errors})
                return
            with st.lock:
                st.config.update(update)
                cfg = st.public_config()
            self.send_json(200, cfg)
        elif name == "config" and self.command == "GET":
            with st.lock:
                cfg = st.public_config()
            self.send_json(200, cfg)
        elif name == "reset" and self.command == "POST":
            with st.lock:
                st.reset()
                cfg = st.public_config()
            self.send_json(200, {"reset": True, "config": cfg})
        elif name == "requests" and self.command == "GET":
            with st.lock:
                data = copy.deepcopy(st.requests)
            self.send_json(200, data)
        elif name == "events" and self.command == "GET":
            with st.lock:
                data = copy.deepcopy(st.events)
            self.send_json(200, data)
        elif name == "jobs" and self.command == "GET":
            now = time.monotonic()
            with st.lock:
                data = [{"endpoint_id": j.endpoint_id, **j.body(now, with_output=False)} for j in st.jobs.values()]
            self.send_json(200, data)
        else:
            self.error_json(404, f"no control route for {self.command} {CONTROL_PREFIX}{name}")

    # ---- job routes ---------------------------------------------------------------------------

    def new_job(self, endpoint_id: str, body: Any, sync: bool) -> Optional[Job]:
        if not isinstance(body, dict) or not isinstance(body.get("input"), dict):
            self.error_json(400, 'the body must be a JSON object with an "input" object')
            return None
        prefix = "sync-" if sync else ""
        job_id = f"{prefix}{uuid.uuid4()}-u1"
        with self.state.lock:
            job = Job(job_id, endpoint_id, body["input"], body.get("policy"), self.state.config)
            self.state.jobs[job_id] = job
        return job

    def h_run(self, endpoint_id: str, query: dict, body: Any) -> None:
        job = self.new_job(endpoint_id, body, sync=False)
        if job is not None:
            with self.state.lock:
                status = job.status(time.monotonic())
            self.send_json(200, {"id": job.id, "status": status})

    def h_runsync(self, endpoint_id: str, query: dict, body: Any) -> None:
        wait_ms: float = DEFAULT_RUNSYNC_WAIT_MS
        if "wait" in query:
            try:
                wait_ms = int(query["wait"])
                if wait_ms < 0:
                    raise ValueError
            except ValueError:
                self.error_json(400, "wait must be a non-negative integer (milliseconds)")
                return
        with self.state.lock:
            cap = self.state.config["runsync_wait_cap_ms"]
        if cap is not None:
            wait_ms = min(wait_ms, cap)
        job = self.new_job(endpoint_id, body, sync=True)
        if job is None:
            return
        deadline = time.monotonic() + wait_ms / 1000.0
        while True:
            now = time.monotonic()
            with self.state.lock:
                status = job.status(now)
                if status in FINAL_STATES or now >= deadline:
                    result = job.body(now)
                    break
            time.sleep(max(0.0, min(0.01, deadline - now, job.final_at() - now)) or 0.001)
        if status not in FINAL_STATES:
            result = {"id": job.id, "status": status}
        self.send_json(200, result)

    def find_job(self, job_id: str) -> Optional[Job]:
        with self.state.lock:
            job = self.state.jobs.get(job_id)
        if job is None:
            self.error_json(404, f"job {job_id} not found")
        return job

    def h_status(self, endpoint_id: str, query: dict, body: Any, job: str) -> None:
        j = self.find_job(job)
        if j is not None:
            with self.state.lock:
                result = j.body(time.monotonic())
            self.send_json(200, result)

    def h_stream(self, endpoint_id: str, query: dict, body: Any, job: str) -> None:
        j = self.find_job(job)
        if j is None:
            return
        with self.state.lock:
            now = time.monotonic()
            status = j.status(now)
            upto = j.available_chunks(now)
            chunks = j.chunks[j.cursor:upto]
            j.cursor = max(j.cursor, upto)
            result: dict[str, Any] = {"status": status, "stream": [{"output": c} for c in chunks]}
            if status in ("FAILED", "TIMED_OUT"):
                result["error"] = j.error
        self.send_json(200, result)

    def h_cancel(self, endpoint_id: str, query: dict, body: Any, job: str) -> None:
        j = self.find_job(job)
        if j is None:
            return
        with self.state.lock:
            now = time.monotonic()
            previous = j.status(now)
            if previous not in FINAL_STATES:
                j.cancelled_at = now
                self.state.event("job_cancelled", id=j.id, previous_status=previous)
            status = j.status(now)
        self.send_json(200, {"id": j.id, "status": status})

    def h_retry(self, endpoint_id: str, query: dict, body: Any, job: str) -> None:
        j = self.find_job(job)
        if j is None:
            return
        with self.state.lock:
            status = j.status(time.monotonic())
            if status in ("FAILED", "TIMED_OUT"):
                j.plan(self.state.config)
                j.retried += 1
                self.state.retried += 1
                result = (200, {"id": j.id, "status": j.status(time.monotonic())})
            else:
                result = (400, {"error": f"job {j.id} is {status}; only FAILED or TIMED_OUT jobs can be retried"})
        self.send_json(*result)

    def h_purge(self, endpoint_id: str, query: dict, body: Any) -> None:
        with self.state.lock:
            now = time.monotonic()
            queued = [jid for jid, j in self.state.jobs.items()
                      if j.endpoint_id == endpoint_id and j.status(now) == "IN_QUEUE"]
            for jid in queued:
                del self.state.jobs[jid]
        self.send_json(200, {"removed": len(queued), "status": "completed"})

    def h_health(self, endpoint_id: str, query: dict, body: Any) -> None:
        counts = {"completed": 0, "failed": 0, "inProgress": 0, "inQueue": 0}
        names = {"COMPLETED": "completed", "FAILED": "failed", "TIMED_OUT": "failed",
                 "IN_PROGRESS": "inProgress", "IN_QUEUE": "inQueue"}
        with self.state.lock:
            now = time.monotonic()
            for j in self.state.jobs.values():
                if j.endpoint_id == endpoint_id:
                    name = names.get(j.status(now))
                    if name:
                        counts[name] += 1
            counts["retried"] = self.state.retried
        running = counts["inProgress"]
        self.send_json(200, {"jobs": counts, "workers": {"idle": 0 if running else 1, "running": running}})

    # ---- OpenAI routes ------------------------------------------------------------------------

    def openai_injected(self) -> bool:
        """Answers with the openai_error knob if it is set; True when it did."""
        with self.state.lock:
            err = self.state.config.get("openai_error")
            if err is None:
                return False
            if err["count"] is not None:
                if err["count"] <= 0:
                    self.state.config["openai_error"] = None
                    return False
                err["count"] -= 1
                if err["count"] <= 0:
                    self.state.config["openai_error"] = None
            err = dict(err)
            self.state.event("openai_error", path=urlsplit(self.path).path, status=err["status"])
        if err["style"] == "worker":
            payload = {"error": {"message": err["message"], "type": "worker_error", "code": None}}
        else:
            payload = {"object": "error", "message": err["message"], "type": err["type"], "param": None,
                       "code": err["status"]}
        self.send_json(err["status"], payload)
        return True

    def openai_bad_request(self, message: str) -> None:
        self.send_json(400, {"object": "error", "message": message, "type": "BadRequestError", "param": None,
                             "code": 400})

    def h_models(self, endpoint_id: str, query: dict, body: Any) -> None:
        if self.openai_injected():
            return
        with self.state.lock:
            model = self.state.config["model"]
        self.send_json(200, {"object": "list", "data": [
            {"id": model, "object": "model", "created": int(time.time()), "owned_by": "vllm", "root": model,
             "parent": None, "max_model_len": 4096}]})

    def h_chat(self, endpoint_id: str, query: dict, body: Any) -> None:
        with self.state.lock:
            cfg = copy.deepcopy(self.state.config)
        if cfg["openai_delay_ms"]:
            if self.wait_or_gone(cfg["openai_delay_ms"] / 1000.0):
                with self.state.lock:
                    self.state.event("stream_aborted" if isinstance(body, dict) and body.get("stream") else
                                     "request_aborted", path=urlsplit(self.path).path, chunks_sent=0,
                                     reason="client closed the connection before the reply")
                raise ClientGone()
        if self.openai_injected():
            return
        if not isinstance(body, dict):
            self.openai_bad_request("the body must be a JSON object")
            return
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            self.openai_bad_request("'messages' must be a non-empty list")
            return
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        if max_tokens is not None and not (_is_int(max_tokens) and max_tokens >= 0):
            self.openai_bad_request("'max_tokens' must be a non-negative integer")
            return
        model = body.get("model") if isinstance(body.get("model"), str) and body.get("model") else cfg["model"]
        c = Completion(messages, None, max_tokens, cfg["reply"])
        cid = "chatcmpl-" + uuid.uuid4().hex
        created = int(time.time())
        if not body.get("stream"):
            self.send_json(200, chat_completion(c, model, cid, created))
            return
        opts = body.get("stream_options") if isinstance(body.get("stream_options"), dict) else {}
        chunks = chat_chunks(c, model, cid, created, include_usage=bool(opts.get("include_usage")))
        self.stream_sse(chunks, cfg)

    def stream_sse(self, chunks: list[dict], cfg: dict) -> None:
        chunked = cfg["stream_transfer"] == "chunked"
        path = urlsplit(self.path).path
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.answered = 200
        delay = cfg["token_delay_ms"] / 1000.0
        records = [sse(ch) for ch in chunks] + [sse("[DONE]")]
        sent = 0
        try:
            self.wfile.flush()
            for i, record in enumerate(records):
                choices = chunks[i]["choices"] if i < len(chunks) else []
                is_content = bool(choices) and "role" not in choices[0]["delta"]
                if is_content and delay and self.wait_or_gone(delay):
                    raise ClientGone("client closed the connection")
                if self.peer_closed():
                    raise ClientGone("client closed the connection")
                data = record.encode()
                self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n" if chunked else data)
                self.wfile.flush()
                sent += 1
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (ClientGone, BrokenPipeError, ConnectionResetError) as exc:
            with self.state.lock:
                self.state.event("stream_aborted", path=path, chunks_sent=sent,
                                 reason=str(exc) or type(exc).__name__)
            raise ClientGone() from None
        with self.state.lock:
            self.state.event("stream_completed", path=path, chunks_sent=sent)

    def peer_closed(self) -> bool:
        """True when the client has closed its side (readable with EOF)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def wait_or_gone(self, seconds: float) -> bool:
        """Sleeps `seconds`, returning True early if the client goes away."""
        deadline = time.monotonic() + seconds
        while True:
            if self.peer_closed():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                readable, _, _ = select.select([self.connection], [], [], remaining)
            except (OSError, ValueError):
                return True
            if readable and not self.peer_closed():
                # Data (a pipelined request), not EOF: just wait out the rest.
                time.sleep(max(0.0, deadline - time.monotonic()))
                return False


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, TimeoutError, socket.timeout)):
            return
        log(f"internal error while serving {client_address[0]}: {type(exc).__name__}: {exc}")


def make_server(host: str, port: int, start_config: dict) -> Server:
    state = State(start_config)
    handler = type("BoundHandler", (Handler,), {"state": state})
    return Server((host, port), handler)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="RunPod serverless API stand-in (see the module docstring).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--config", default=None, help="JSON object of knobs to start with")
    args = parser.parse_args(argv)

    start = copy.deepcopy(BASE_DEFAULTS)
    start["api_key"] = args.api_key
    start["model"] = args.model
    if args.config:
        try:
            update = json.loads(args.config)
        except ValueError:
            log("--config is not valid JSON")
            return 2
        update, errors = normalize_knobs(update)
        if errors:
            log("--config: " + "; ".join(errors))
            return 2
        start.update(update)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        log(f"warning: binding {args.host}, which is not loopback")

    server = make_server(args.host, args.port, start)
    port = server.server_address[1]
    sys.stdout.write(f"LISTENING {port}\n")
    sys.stdout.flush()
    log(f"serving on {args.host}:{port}")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    import signal

    def _on_sigterm(*_: Any) -> None:
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, _on_sigterm)
    sys.exit(main())
