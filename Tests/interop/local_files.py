"""A real HTTP server on 127.0.0.1 serving a few files by name, for tasks whose source is a `url`
(the documents and images plugins fetch through their SSRF guard, which FETCH_ALLOW opens for
loopback in those tests). Anything else is a 404."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
}


class LocalFiles(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files: dict[str, Path]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> "LocalFiles":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


class _Handler(BaseHTTPRequestHandler):
    server: LocalFiles

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.server.files.get(self.path.lstrip("/"))
        body = path.read_bytes() if path else b"not here"
        self.send_response(200 if path else 404)
        self.send_header("Content-Type", CONTENT_TYPES.get(path.suffix, "application/octet-stream") if path else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
