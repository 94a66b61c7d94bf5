#!/usr/bin/env python3
"""Loopback HTTP server for GuardedFetch's tests (stdlib only).

Listens on 127.0.0.1, port 0 (the kernel picks), prints the port on stdout's first line, and serves
until killed. Each test starts its own instance, so the per-server state below is per test.
"""
import gzip
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Lock()
hits = {}            # key -> number of requests seen
active = {}          # key -> requests in progress
max_active = {}      # key -> most requests in progress at once
starts = {}          # key -> [monotonic start times]
robots = {"status": 404, "body": b""}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # close-delimited bodies: no Content-Length needed for /stream

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (timeout, byte cap, cancellation tests)

    def send(self, status, body=b"", headers=(), length=True):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def count(self, key):
        with lock:
            hits[key] = hits.get(key, 0) + 1
            return hits[key]

    def handle_any(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = url.path
        key = q.get("key", path)

        if path == "/hello":
            self.send(200, b"hello", [("Content-Type", "text/plain; charset=utf-8")])
        elif path == "/echo":
            out = {"method": self.command, "path": self.path, "body": body.decode("latin-1"),
                   "headers": {k.lower(): v for k, v in self.headers.items()}}
            self.send(200, json.dumps(out).encode(), [("Content-Type", "application/json")])
        elif path == "/redirect":
            self.send(int(q.get("code", "302")), b"", [("Location", q["to"])])
        elif path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[1])
            if n == 0:
                self.send(200, b"end")
            else:
                self.send(302, b"", [("Location", "/chain/%d" % (n - 1))])
        elif path == "/slow":
            time.sleep(int(q.get("ms", "1000")) / 1000)
            self.send(200, b"slow")
        elif path == "/big":
            self.send(200, b"x" * int(q["n"]))
        elif path == "/stream":
            # No Content-Length: the cap must trip while reading.
            self.send_response(200)
            self.end_headers()
            n = int(q["n"])
            chunk = b"y" * 4096
            try:
                while n > 0:
                    self.wfile.write(chunk[:n])
                    n -= 4096
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/gzip":
            raw = b"z" * int(q["n"])
            self.send(200, gzip.compress(raw), [("Content-Encoding", "gzip")])
        elif path == "/flaky":
            # 503 with Retry-After until `fail` requests were answered, then 200.
            n = self.count(key)
            if n <= int(q.get("fail", "1")):
                self.send(int(q.get("status", "503")), b"busy", [("Retry-After", q.get("after", "1"))])
            else:
                self.send(200, b"ok after %d" % n)
        elif path == "/reset":
            # The first request gets nothing at all (the connection just closes), then 200.
            if self.count(key) == 1:
                self.close_connection = True
                return
            self.send(200, b"ok")
        elif path == "/concurrent":
            with lock:
                active[key] = active.get(key, 0) + 1
                max_active[key] = max(max_active.get(key, 0), active[key])
                starts.setdefault(key, []).append(time.monotonic())
            time.sleep(int(q.get("ms", "200")) / 1000)
            with lock:
                active[key] -= 1
            self.send(200, b"done")
        elif path == "/stats":
            with lock:
                s = starts.get(key, [])
                gaps = [round((b - a) * 1000) for a, b in zip(s, s[1:])]
                out = {"hits": hits.get(key, 0), "max_active": max_active.get(key, 0), "gaps_ms": gaps}
            self.send(200, json.dumps(out).encode(), [("Content-Type", "application/json")])
        elif path == "/_robots":
            with lock:
                robots["status"] = int(q.get("status", "200"))
                robots["body"] = body
            self.send(204)
        elif path == "/robots.txt":
            self.count("/robots.txt")
            with lock:
                status, text = robots["status"], robots["body"]
            if 300 <= status < 400:
                self.send(status, b"", [("Location", q.get("to", "/robots.txt"))])
            else:
                self.send(status, text, [("Content-Type", "text/plain")])
        else:
            self.send(404, b"not found")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


def main():
    # The test runner's threads block most signals and the child inherits that mask: unblock them so
    # the server also dies when its parent is killed with SIGTERM.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
