"""The web_scraping task type end to end: a real worker process with the repository's plugins.yaml
(the scraping plugin in a child process, as shipped, and in-process), pages served by a real HTTP
server on loopback that only the allowlist (FETCH_ALLOW) lets through, and real pages from the
Python 3.11 documentation (doc_corpus.py). Matches, attributes, titles and links are checked
against selectolax (lexbor, the same HTML5 tree algorithm) on those pages."""
from __future__ import annotations

import gzip
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import urljoin, urlparse

import pytest
from selectolax.lexbor import LexborHTMLParser

from doc_corpus import corpus_dir
from test_chat import repository_plugins_yaml
from test_worker_interop import REPO, WORKER_BIN, WorkerProc, worker_env

SCRAPING_PLUGIN = REPO / ".build" / "debug" / "libScrapingPlugin.so"
WS = re.compile(r"[ \t\n\r\f]+")

ARTICLE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>  Tides of the  North Sea </title>
<meta name="description" content="How the tides of the North Sea work.">
<meta property="og:title" content="Tides (OG)"><meta property="og:type" content="article">
<meta name="twitter:card" content="summary_large_image">
<link rel="canonical" href="/articles/tides">
<link rel="alternate" type="application/rss+xml" title="Feed" href="feed.xml">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Article","headline":"Tides"}</script>
<script type="application/ld+json">not json</script>
</head><body>
<header class="site-header"><a href="/">Sea Blog</a><nav><a href="/about">About us</a> <a href="/contact">Contact</a></nav></header>
<div id="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
<div class="layout"><aside class="sidebar"><h3>Popular posts</h3><ul><li><a href="/p1">Sailing knots explained</a></li></ul></aside>
<article class="post"><h1>Tides of the North Sea</h1>
<p>The North Sea has a <em>complex</em> tidal system, driven by the Atlantic, with amphidromic points where the range is nil.</p>
<p>Tidal ranges vary from less than a metre near Norway to over six metres in the Wash, and the timing moves around the basin.</p>
<h2>Measuring</h2>
<ul><li>Tide gauges, <strong>since 1850</strong></li><li>Satellite altimetry<ul><li>TOPEX/Poseidon</li></ul></li></ul>
<pre><code class="language-python">levels = [1.2, 3.4]  # metres
print(max(levels))</code></pre>
<table><thead><tr><th>Port</th><th>Range (m)</th><th>Notes</th></tr></thead>
<tbody><tr><td>Wash</td><td>6.5</td><td>a | b</td></tr><tr><td colspan="2">Average</td><td>3.1</td></tr></tbody></table>
<p>See <a href="../data/tides.csv?year=2024">the data</a> for more, and compare with the Baltic, which has almost no tide at all.</p>
</article></div>
<footer><p>Copyright Sea Blog. All rights reserved. <a href="/privacy">Privacy</a></p></footer>
</body></html>"""


class Pages(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, docs: Optional[Path]):
        super().__init__(("127.0.0.1", 0), PageHandler)
        self.docs = docs
        self.requests: list[str] = []
        self.flaky_hits = 0
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]


class PageHandler(BaseHTTPRequestHandler):
    server: Pages

    def log_message(self, *args: Any) -> None:
        pass

    def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", headers: Optional[dict] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests.append(self.path)
        path = urlparse(self.path).path
        if path == "/article":
            return self.send(200, ARTICLE.encode())
        for prefix in ("/docs/", "/plain/"):
            if path.startswith(prefix) and self.server.docs:
                file = (self.server.docs / path[len(prefix):]).resolve()
                if self.server.docs in file.parents and file.is_file():
                    body = file.read_bytes()
                    # /plain/ serves the page without its role="main" hint, so the scoring finds the content alone.
                    return self.send(200, body.replace(b' role="main"', b"") if prefix == "/plain/" else body)
                return self.send(404, b"<h1>not here</h1>")
        if path == "/redirect":
            target = self.path.split("to=", 1)[1]
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path.startswith("/status/"):
            return self.send(int(path.rsplit("/", 1)[1]), b"<h1>error page</h1>")
        if path == "/challenge":
            return self.send(403, b"<html><title>Just a moment...</title><body>Checking your browser</body></html>")
        if path == "/image.png":
            return self.send(200, b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
        if path == "/latin1":
            return self.send(200, "<p>Caf\u00e9 cr\u00e8me</p>".encode("latin-1"), "text/html; charset=iso-8859-1")
        if path == "/slow":
            time.sleep(3)
            return self.send(200, b"<p>late</p>")
        if path == "/deep":
            return self.send(200, b"<body>" + b"<div>" * 200_000 + b"x")
        if path == "/big":
            return self.send(200, b"<p>" + b"x" * 200_000 + b"</p>")
        if path == "/bomb":
            # 64 KB of gzip that inflates to 64 MB.
            body = gzip.compress(b"<p>" + b"a" * (64 << 20), 9)
            return self.send(200, body, headers={"Content-Encoding": "gzip"})
        if path == "/flaky":
            with self.server.lock:
                self.server.flaky_hits += 1
                first = self.server.flaky_hits == 1
            if first:
                return self.send(503, b"busy", headers={"Retry-After": "1"})
            return self.send(200, b"<p>second time lucky</p>")
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nDisallow: /private\nAllow: /private/open\n", "text/plain")
        if path.startswith("/private"):
            return self.send(200, b"<p>secret</p>")
        return self.send(404, b"<h1>not found</h1>")


@pytest.fixture(scope="module")
def pages(tmp_root):
    if not WORKER_BIN.exists() or not SCRAPING_PLUGIN.exists():
        pytest.skip("the debug build is missing (.build/debug/uvian-worker, libScrapingPlugin.so)")
    server = Pages(corpus_dir())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def outside(tmp_root):
    """A second loopback server the allowlist does not name: reaching it is what the guard stops."""
    server = Pages(None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def start(tmp_root: Path, pages: Pages, isolation: str, edit: Optional[Callable[[str], str]] = None) -> WorkerProc:
    """A worker with the repository's plugins.yaml (the scraping entry in process or in-process
    isolation, then changed by `edit`) and FETCH_ALLOW naming the page server."""
    workdir = tmp_root / f"worker-{isolation}-{uuid.uuid4().hex[:6]}"
    workdir.mkdir(parents=True)
    plugins = workdir / "plugins.yaml"
    repository_plugins_yaml(plugins)
    text = plugins.read_text()
    if isolation == "in_process":
        entry = text[text.index("  - name: scraping"):]
        text = text.replace(entry, re.sub(r"(?m)^    (isolation|processes|rlimits):.*\n", "", entry))
    plugins.write_text(edit(text) if edit else text)
    env = worker_env(workdir, plugins, FETCH_ALLOW=f"127.0.0.1:{pages.port}")
    return WorkerProc(env, workdir).start()


@pytest.fixture(scope="module", params=["process", "in_process"])
def worker(request, tmp_root, pages):
    proc = start(tmp_root, pages, request.param)
    yield proc
    proc.terminate()
    proc.wait_stopped()


def scrape(worker: WorkerProc, **parameters: Any) -> dict:
    return worker.execute("web_scraping", parameters)


def completed(worker: WorkerProc, **parameters: Any) -> dict:
    task = scrape(worker, **parameters)
    assert task["status"] == "completed", task
    return task["result"]


def failed(worker: WorkerProc, **parameters: Any) -> dict:
    task = scrape(worker, **parameters)
    assert task["status"] == "failed", task
    return task


def normalise(text: str) -> str:
    return WS.sub(" ", text).strip()


BLOCKS = "p,div,li,ul,ol,table,pre,dl,dt,dd,h1,h2,h3,h4,h5,h6,section,blockquote,tr,td,th,br"

# Selectors over the Sphinx pages' real structure.
SELECTORS = ["h1", "a.reference.internal", "span.pre", "dl.py.function > dt", "div.related li a", "[id^=module]",
             "li:nth-child(2 of .toctree-l1) > a", "section > section > h2", "a:not([href^='#'])", "dt:has(+ dd)"]


def doc_pages(count: int) -> list[Path]:
    docs = corpus_dir()
    chosen = [docs / "library" / "functions.html", docs / "library" / "os.path.html", docs / "tutorial" / "classes.html"]
    return [p for p in chosen if p.exists()][:count]


def test_matches_attributes_and_text_agree_with_selectolax_on_real_pages(worker, pages):
    docs = corpus_dir()
    compared = 0
    for page in doc_pages(3):
        relative = page.relative_to(docs).as_posix()
        tree = LexborHTMLParser(page.read_bytes())
        for selector in SELECTORS:
            result = completed(worker, url=f"http://127.0.0.1:{pages.port}/docs/{relative}", selector=selector,
                               extract=["text", "attrs"], limit=5000)
            expected = tree.css(selector)
            assert result["count"] == len(expected), (relative, selector)
            assert [m["attrs"] for m in result["matches"]] == [dict(node.attributes) for node in expected], (relative, selector)
            for match, node in zip(result["matches"], expected):
                # innerText breaks lines at blocks where textContent runs words together: compare inline elements.
                if node.css_first(BLOCKS) is None and node.tag not in BLOCKS.split(","):
                    assert normalise(match["text"]) == normalise(node.text(deep=True)), (relative, selector)
                    compared += 1
            assert result["status"] == 200 and result["title"] == normalise(tree.css_first("title").text())
    assert compared > 100


def test_links_are_absolute_and_deduplicated_in_document_order(worker, pages):
    page = doc_pages(1)[0]
    url = f"http://127.0.0.1:{pages.port}/docs/{page.relative_to(corpus_dir()).as_posix()}"
    result = completed(worker, url=url, extract=["links"])
    expected: list[str] = []
    for node in LexborHTMLParser(page.read_bytes()).css("a[href], area[href]"):
        href = node.attributes.get("href") or ""
        if href.strip() and not href.strip().lower().startswith("javascript:"):
            absolute = urljoin(url, href.strip())
            if absolute not in expected:
                expected.append(absolute)
    # urljoin drops an empty fragment ("page.html#") that the URL standard, and so the worker, keeps.
    def same_page(url: str) -> str:
        return url[:-1] if url.endswith("#") else url
    ours = list(dict.fromkeys(same_page(link["url"]) for link in result["links"]))
    assert ours == list(dict.fromkeys(same_page(url) for url in expected))
    assert len(ours) > 50


def test_main_content_markdown_and_metadata_of_an_article(worker, pages):
    result = completed(worker, url=f"http://127.0.0.1:{pages.port}/article", extract=["content", "markdown", "metadata"])
    content, markdown = result["content"], result["markdown"]
    assert result["title"] == "Tides of the North Sea"
    for kept in ["Tides of the North Sea", "amphidromic points", "six metres in the Wash", "Tide gauges", "TOPEX/Poseidon", "print(max(levels))"]:
        assert kept in content and kept in markdown, kept
    for dropped in ["About us", "cookies", "Popular posts", "Sailing knots", "All rights reserved", "Sea Blog"]:
        assert dropped not in content and dropped not in markdown, dropped
    assert markdown.startswith("# Tides of the North Sea\n\n")
    assert "\n## Measuring\n" in markdown
    assert "*complex*" in markdown and "**since 1850**" in markdown
    assert "- Tide gauges, **since 1850**\n- Satellite altimetry\n  - TOPEX/Poseidon" in markdown
    assert "```python\nlevels = [1.2, 3.4]  # metres\nprint(max(levels))\n```" in markdown
    assert "| Port | Range (m) | Notes |\n| --- | --- | --- |\n| Wash | 6.5 | a \\| b |\n| Average |  | 3.1 |" in markdown
    assert f"[the data](http://127.0.0.1:{pages.port}/data/tides.csv?year=2024)" in markdown
    metadata = result["metadata"]
    assert metadata["title"] == "Tides of the North Sea"
    assert metadata["description"] == "How the tides of the North Sea work."
    assert metadata["canonical"] == f"http://127.0.0.1:{pages.port}/articles/tides"
    assert metadata["language"] == "en-GB"
    assert metadata["opengraph"] == {"og:title": "Tides (OG)", "og:type": "article"}
    assert metadata["twitter"] == {"twitter:card": "summary_large_image"}
    assert metadata["json_ld"] == [{"@context": "https://schema.org", "@type": "Article", "headline": "Tides"}]
    assert metadata["feeds"] == [{"url": f"http://127.0.0.1:{pages.port}/feed.xml", "type": "application/rss+xml", "title": "Feed"}]


def test_main_content_of_real_pages_leaves_out_their_navigation(worker, pages):
    docs = corpus_dir()
    for page in doc_pages(3):
        tree = LexborHTMLParser(page.read_bytes())
        result = completed(worker, url=f"http://127.0.0.1:{pages.port}/docs/{page.relative_to(docs).as_posix()}",
                           extract=["content", "markdown"])
        heading = normalise(tree.css_first("h1").text()).rstrip("¶").strip()
        assert heading in result["content"], page
        assert result["markdown"].lstrip().startswith("# "), page
        # The Sphinx sidebar and the top and bottom navigation bars are not content.
        for chrome in tree.css("div.sphinxsidebar h3, div.related h3"):
            assert normalise(chrome.text()) not in result["content"].splitlines()
        # Every table of the page's body is there, one Markdown row per table row.
        body = tree.css_first("div.body")
        rows = sum(len(table.css("tr")) for table in body.css("table"))
        markdown_rows = [line for line in result["markdown"].splitlines()
                         if line.startswith("| ") and not re.fullmatch(r"\|( --- \|)+", line)]
        assert len(markdown_rows) == rows, page


def test_main_content_agrees_with_trafilatura_on_real_pages(worker, pages):
    """The reference users pick for main text: trafilatura, on the same pages, word for word (bags
    of words: recall of its words in ours, precision of ours in its), with the pages' own
    role="main" hint and without it (the block scoring alone)."""
    import random
    from collections import Counter

    import trafilatura

    docs = corpus_dir()
    candidates = sorted(p for p in docs.rglob("*.html") if p.stat().st_size < 150_000 and "_static" not in p.parts)
    random.Random(7).shuffle(candidates)
    word = re.compile(r"\w+")
    for prefix in ("docs", "plain"):
        rows = []
        for page in candidates[:30]:
            relative = page.relative_to(docs).as_posix()
            ours = Counter(word.findall(completed(worker, url=f"http://127.0.0.1:{pages.port}/{prefix}/{relative}",
                                                  extract=["content"])["content"].lower()))
            theirs = Counter(word.findall((trafilatura.extract(page.read_text(errors="replace"), include_tables=True,
                                                               favor_recall=True) or "").lower()))
            common = sum((ours & theirs).values())
            rows.append((relative, common / max(1, sum(theirs.values())), common / max(1, sum(ours.values()))))
        print(f"\n{prefix}: page, recall, precision against trafilatura")
        for row in rows:
            print(f"  {row[0]:50s} {row[1]:.2f} {row[2]:.2f}")
        recalls, precisions = sorted(r[1] for r in rows), sorted(r[2] for r in rows)
        assert recalls[len(rows) // 2] >= 0.95 and precisions[len(rows) // 2] >= 0.95, prefix
        assert sum(1 for r in rows if r[1] >= 0.9 and r[2] >= 0.9) >= 0.75 * len(rows), prefix


def test_the_default_extract_is_content_and_metadata_or_the_matches_text(worker, pages):
    whole = completed(worker, url=f"http://127.0.0.1:{pages.port}/article")
    assert {"content", "metadata"} <= whole.keys() and "matches" not in whole
    assert whole["content_type"] == "text/html; charset=utf-8" and whole["status"] == 200
    assert whole["final_url"] == whole["url"] and whole["fetched_bytes"] == len(ARTICLE.encode())
    some = completed(worker, url=f"http://127.0.0.1:{pages.port}/article", selector="article li", limit=2)
    assert some["count"] == 3 and [m["text"] for m in some["matches"]] == ["Tide gauges, since 1850", "Satellite altimetry\nTOPEX/Poseidon"]


def test_the_page_charset_is_honoured(worker, pages):
    result = completed(worker, url=f"http://127.0.0.1:{pages.port}/latin1", selector="p")
    assert result["matches"][0]["text"] == "Café crème"


@pytest.mark.parametrize("spelling", ["127.0.0.1", "127.1", "2130706433", "0x7f.0.0.1", "[::ffff:127.0.0.1]", "localhost", "[::1]"])
def test_loopback_outside_the_allowlist_is_refused_however_it_is_spelt(worker, outside, spelling):
    task = failed(worker, url=f"http://{spelling}:{outside.port}/article")
    assert task["error"].startswith("blocked_address: "), task["error"]
    assert outside.requests == []


def test_cloud_metadata_and_a_redirect_to_loopback_are_refused(worker, pages, outside):
    task = failed(worker, url="http://169.254.169.254/latest/meta-data/")
    assert task["error"] == "blocked_address: 169.254.169.254" or task["error"].startswith("blocked_address: 169.254.169.254"), task["error"]
    task = failed(worker, url=f"http://127.0.0.1:{pages.port}/redirect?to=http://127.0.0.1:{outside.port}/article")
    assert task["error"].startswith("blocked_address: 127.0.0.1"), task["error"]
    assert outside.requests == []


def test_a_selector_that_does_not_parse_fails_before_any_request(worker, pages):
    before = len(pages.requests)
    task = failed(worker, url=f"http://127.0.0.1:{pages.port}/article", selector="div > > p")
    assert task["error"].startswith("invalid_selector: "), task["error"]
    assert "position" in task["error"]
    assert task["attempts"] == 1
    assert len(pages.requests) == before


def test_failures_are_named_by_their_code(worker, pages):
    base = f"http://127.0.0.1:{pages.port}"
    task = failed(worker, url=f"{base}/status/404")
    assert task["error"].startswith("http_status: ") and "404" in task["error"]
    assert task["result"]["status"] == 404
    assert failed(worker, url=f"{base}/challenge")["error"].startswith("blocked_by_site: ")
    assert failed(worker, url=f"{base}/image.png")["error"].startswith("unsupported_content_type: image/png")
    assert failed(worker, url=f"{base}/big", max_bytes=10_000)["error"].startswith("too_large: ")
    assert failed(worker, url=f"{base}/bomb", max_bytes=1_000_000)["error"].startswith("too_large: ")
    assert failed(worker, url=f"{base}/loop")["error"].startswith("too_many_redirects: ")
    assert failed(worker, url=f"{base}/deep")["error"] == "too_large: elements are nested more than 4096 deep"
    assert failed(worker, url="ftp://127.0.0.1/")["error"].startswith("url: only http and https")
    assert failed(worker, url=f"{base}/slow", timeout_s=1)["error"].startswith("timeout: ")
    assert failed(worker, url=f"{base}/article", extract=["attrs"])["error"].startswith("extract: attrs")
    # What the schema refuses never becomes a task: a 422 naming the field.
    code, body = worker.http("POST", "/execute", {"task_type": "web_scraping", "parameters": {"url": f"{base}/article", "extract": ["everything"]}})
    assert code == 422 and body["error"]["details"]["violations"][0]["field"] == "parameters.extract[0]", body
    code, body = worker.http("POST", "/execute", {"task_type": "web_scraping", "parameters": {"selector": "p"}})
    assert code == 422 and "url" in body["error"]["message"], body


def test_a_503_with_retry_after_is_retried_within_the_task(worker, pages):
    pages.flaky_hits = 0
    result = completed(worker, url=f"http://127.0.0.1:{pages.port}/flaky", selector="p")
    assert result["matches"][0]["text"] == "second time lucky" and pages.flaky_hits == 2


def test_robots_txt_is_obeyed_when_asked(worker, pages):
    base = f"http://127.0.0.1:{pages.port}"
    assert failed(worker, url=f"{base}/private/page", respect_robots=True)["error"].startswith("robots_disallowed: ")
    assert completed(worker, url=f"{base}/private/open/page", respect_robots=True, selector="p")["count"] == 1
    assert completed(worker, url=f"{base}/private/page", selector="p")["count"] == 1


@pytest.mark.parametrize("setting, message", [
    ("per_host_concurrency: lots", "scraping: per_host_concurrency must be an integer from 1 to 1000"),
    ("timeout_s: 0", "scraping: timeout_s must be a number from 0.1 to 600"),
    ("proxy: http://x", "scraping: unknown config key 'proxy'"),
])
def test_a_bad_setting_refuses_the_plugin_with_the_reason(tmp_root, pages, setting, message):
    key = setting.split(":")[0]

    def set_it(text: str) -> str:
        if re.search(rf"(?m)^      {key}:", text):
            return re.sub(rf"(?m)^      {key}:.*$", "      " + setting, text)
        return text.replace("      per_host_delay_ms: 0", "      per_host_delay_ms: 0\n      " + setting)

    worker = start(tmp_root, pages, "process", edit=set_it)
    try:
        code, body = worker.http("GET", "/plugins")
        entry = next(p for p in body["plugins"] if p["name"] == "scraping")
        assert entry["state"] == "refused" and message in entry["error"], entry
    finally:
        worker.terminate()
        worker.wait_stopped()
