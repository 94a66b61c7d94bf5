#!/usr/bin/env python3
"""The scraping plugin's HTML engine beside the parsers a team would use instead (issue 15):
pages parsed and selected per second over the same real pages (the Python 3.11 documentation
from Debian's python3.11-doc, fetched at run time) and the same selectors, for

- Uvian: gumbo's HTML5 tree copied into the project's arena and the project's Swift selector
  engine (`uvw-select` with "repeat": parse and every selector, median of the rounds);
- selectolax 1.0.2 (lexbor, C, no safety caps): `LexborHTMLParser(bytes)` then `.css()` per selector;
- BeautifulSoup 4 with lxml and soupsieve: `BeautifulSoup(bytes, "lxml")` then `.select()`.

Each page's time is its median over the rounds; pages/s = pages ÷ the sum of those medians.
Then fetch+extract latency: a release worker with the repository's scraping entry (process
isolation) fetching a page from a loopback server, selector and all, through `POST /execute?wait`.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "interop"))
from doc_corpus import corpus_dir  # noqa: E402

SELECTORS = [
    "div.section", "a.reference.internal", "span.pre", "dl.py.function > dt", "[id^=module]", "a[href$='.html']",
    "div.related li", "h2 + p", "li:nth-child(2n+1)", "div:not(.section) > p", ":is(h1, h2, h3) > a", "div:has(> h2)",
    "table.docutils td", "div.highlight pre span", "p:first-child", "ul > li:last-child a", "h1, h2, h3",
    "[lang|=en]", "section > section > h2", "dt:has(+ dd)",
]


def pick_pages(count: int, max_bytes: int = 120_000) -> list[Path]:
    pages = sorted(p for p in corpus_dir().rglob("*.html") if p.is_file() and p.stat().st_size <= max_bytes and "_static" not in p.parts)
    step = max(1, len(pages) // count)
    return pages[::step][:count]


def uvian(select_bin: Path, pages: list[Path], rounds: int) -> float:
    total = 0.0
    for page in pages:
        out = subprocess.run([str(select_bin)], input=json.dumps({"html_file": str(page), "selectors": SELECTORS, "repeat": rounds}),
                             capture_output=True, text=True, check=True).stdout
        data = json.loads(out)
        total += (data["parse_ms"] + data["select_ms"]) / 1000
    return total


def timed(pages: list[Path], rounds: int, run) -> float:
    total = 0.0
    for page in pages:
        data = page.read_bytes()
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            run(data)
            times.append(time.perf_counter() - start)
        total += sorted(times)[rounds // 2]
    return total


def selectolax(pages: list[Path], rounds: int) -> float:
    from selectolax.lexbor import LexborHTMLParser

    def run(data: bytes) -> None:
        tree = LexborHTMLParser(data)
        for selector in SELECTORS:
            tree.css(selector)
    return timed(pages, rounds, run)


def beautifulsoup(pages: list[Path], rounds: int) -> float:
    from bs4 import BeautifulSoup

    def run(data: bytes) -> None:
        soup = BeautifulSoup(data, "lxml")
        for selector in SELECTORS:
            soup.select(selector)
    return timed(pages, rounds, run)


class _Page(BaseHTTPRequestHandler):
    body = b""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def fetch_latency(worker_bin: Path, page: Path, requests: int) -> dict:
    _Page.body = page.read_bytes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="uvw-scrape-bench-") as tmp:
        plugins = Path(tmp) / "plugins.yaml"
        text = (REPO / "plugins.yaml").read_text()
        plugins.write_text("plugin_dirs: [" + json.dumps(str(worker_bin.parent)) + "]\nplugins:\n" + text[text.index("  - name: scraping"):])
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "DATABASE_", "PLUGINS_", "DATA_DIR", "LOG_", "PORT", "HOST"))}
        env.update({"DATA_DIR": str(Path(tmp) / "data"), "PLUGINS_CONFIG": str(plugins), "HOST": "127.0.0.1", "PORT": "0",
                    "LOG_FORMAT": "json", "LOG_LEVEL": "info", "FETCH_ALLOW": f"127.0.0.1:{server.server_address[1]}"})
        log = Path(tmp) / "worker.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([str(worker_bin), "serve"], env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        try:
            port = None
            deadline = time.monotonic() + 30
            while port is None and time.monotonic() < deadline:
                for line in log.read_text(errors="replace").splitlines():
                    if '"http.listening"' in line:
                        port = json.loads(line)["http.port"]
                time.sleep(0.05)
            if port is None:
                raise RuntimeError("the worker did not start:\n" + log.read_text(errors="replace")[-2000:])
            body = json.dumps({"task_type": "web_scraping", "parameters": {
                "url": f"http://127.0.0.1:{server.server_address[1]}/page", "selector": "a.reference.internal", "extract": ["text", "attrs"]}}).encode()
            latencies = []
            for i in range(requests + 10):
                request = urllib.request.Request(f"http://127.0.0.1:{port}/execute?wait=30", data=body, method="POST",
                                                 headers={"Content-Type": "application/json"})
                start = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as response:
                    task = json.loads(response.read())
                elapsed = time.perf_counter() - start
                if task.get("status") != "completed":
                    raise RuntimeError(f"the scrape did not complete: {task}")
                if i >= 10:  # the first ones start the plugin's children
                    latencies.append(elapsed * 1000)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            server.shutdown()
    latencies.sort()
    return {"requests": requests, "page_bytes": len(_Page.body), "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2)}


def run(bin_dir: Path, pages: int = 50, rounds: int = 5, requests: int = 200) -> dict:
    chosen = pick_pages(pages)
    seconds = {
        "uvian": uvian(bin_dir / "uvw-select", chosen, rounds),
        "selectolax": selectolax(chosen, rounds),
        "beautifulsoup_lxml": beautifulsoup(chosen, max(1, rounds // 2)),
    }
    per_s = {name: round(len(chosen) / value, 1) for name, value in seconds.items()}
    return {
        "pages": len(chosen), "selectors": len(SELECTORS), "rounds": rounds,
        "pages_per_s": per_s,
        "ratios": {"vs_beautifulsoup_lxml": round(per_s["uvian"] / per_s["beautifulsoup_lxml"], 2),
                   "vs_selectolax": round(per_s["uvian"] / per_s["selectolax"], 2)},
        "fetch_extract": fetch_latency(bin_dir / "uvian-worker", max(chosen, key=lambda p: p.stat().st_size), requests),
    }


if __name__ == "__main__":
    print(json.dumps(run(REPO / ".build" / (sys.argv[1] if len(sys.argv) > 1 else "release")), indent=1))
