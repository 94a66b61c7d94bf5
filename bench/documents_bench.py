#!/usr/bin/env python3
"""document_processing throughput and memory (issue 18), beside the PyPI libraries a team would use
instead, on real documents fetched at run time (Tests/interop/documents_corpus.py):

- PDF text extraction, pages/s, on Debian's gnuplot.pdf (311 pages) and octave.pdf (1158 pages):
  the worker (`POST /execute?wait`, the file given as a `path` under DOCUMENTS_DIR, the repository's
  documents entry with its limits raised to fit these files) beside pypdf 7.1.1
  (`page.extract_text()` for every page) and pdfplumber 0.11.11 (`page.extract_text()`), and poppler's
  own `pdftotext` (the engine's ceiling). Each peer runs in a child process of this bench so that its
  peak RSS is its own (VmHWM); its extraction time is measured inside it, without the
  interpreter's start. The worker's peak is the VmHWM of the plugin's runner children (process
  isolation) read from /proc after the run, with a fresh worker per PDF, and the highest summed RSS
  of all its descendants sampled every 10 ms (what a helper process such as pdftotext would add).
  The same for both PDFs shows whether memory stays flat as the page count grows.
- DOCX paragraphs/s: the worker beside python-docx (`Document()` and every paragraph's text, in this
  process) on the corpus's .docx with the most paragraphs, and on a generated 3,000-paragraph one.

`--quick` measures the first 60 pages of gnuplot.pdf only."""
from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "interop"))

import documents_corpus as dc  # noqa: E402
from plugin_worker import PluginWorker, status_kb  # noqa: E402

# Limits raised so that the large manuals fit (the shipped values stay in plugins.yaml).
CONFIG = {"max_input_mb": 64, "max_pages": 5000, "max_characters": 100_000_000}

PEER = r"""
import json, sys, time
tool, path, last = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
chars = 0
if tool == "pypdf":
    import pypdf
    reader = pypdf.PdfReader(path)
    pages = reader.pages[:last] if last else reader.pages
    for page in pages:
        chars += len(page.extract_text() or "")
    count = len(pages)
else:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        pages = pdf.pages[:last] if last else pdf.pages
        count = 0
        for page in pages:
            chars += len(page.extract_text() or "")
            page.close()
            count += 1
seconds = time.perf_counter() - started
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "pages": count, "characters": chars, "peak_rss_kb": hwm}))
"""


class Worker(PluginWorker):
    """The documents entry with the limits raised to fit the large manuals, DOCUMENTS_DIR the
    manuals' directory, and the summed RSS of the worker's descendants sampled while it works."""

    def __init__(self, bin_dir: Path, documents: Path):
        super().__init__(bin_dir, "documents", "document_processing", CONFIG, {"DOCUMENTS_DIR": str(documents)})
        self.peak_tree_kb = 0
        self._sampling = False

    def sample(self) -> None:
        """Start sampling the summed RSS of the worker's descendants (every 10 ms) in a thread."""
        self._sampling = True

        def loop() -> None:
            while self._sampling:
                total = sum(status_kb(pid, "VmRSS") for pid in self.descendants())
                self.peak_tree_kb = max(self.peak_tree_kb, total)
                time.sleep(0.01)
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop_sampling(self) -> None:
        self._sampling = False
        self._thread.join()

    def stop(self) -> None:
        self._sampling = False
        super().stop()


def peer(tool: str, path: Path, last: int) -> dict:
    """One peer in a child process: its own timing and its own peak RSS (VmHWM: ru_maxrss from wait4
    or RUSAGE_CHILDREN would carry this bench's own high-water mark over the fork and exec)."""
    if tool == "pdftotext":
        with tempfile.NamedTemporaryFile(prefix="uvw-bench-pdftotext-") as out:
            args = ["pdftotext", "-q", "-enc", "UTF-8", *(["-l", str(last)] if last else []), str(path), out.name]
            started = time.perf_counter()
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            hwm = 0
            while proc.poll() is None:
                hwm = max(hwm, status_kb(proc.pid, "VmHWM"))
                time.sleep(0.002)
            seconds = time.perf_counter() - started
            text = Path(out.name).read_bytes()
        if proc.returncode != 0:
            raise RuntimeError(f"pdftotext failed on {path.name}")
        return {"seconds": round(seconds, 3), "pages": text.count(b"\f"), "characters": len(text.decode("utf-8", "replace")),
                "peak_rss_kb": hwm}
    out = subprocess.run([sys.executable, "-c", PEER, tool, str(path), str(last)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{tool} failed on {path.name}: {out.stderr[-500:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["seconds"] = round(result["seconds"], 3)
    return result


def pdf_case(bin_dir: Path, name: str, last: int, rounds: int) -> dict:
    big = dc.large_pdf(name)
    pages = min(last, big.pages) if last else big.pages
    with tempfile.TemporaryDirectory(prefix="uvw-bench-documents-dir-") as documents:
        shutil.copy(big.path, Path(documents) / big.path.name)
        worker = Worker(bin_dir, Path(documents))
        try:
            # Text extraction only, as pypdf and pdfplumber do it (no OCR of image-only pages).
            parameters = {"path": big.path.name, "ocr": "never", **({"pages": f"1-{last}"} if last else {})}
            worker.sample()
            times, inside = [], []
            for _ in range(rounds):
                started = time.perf_counter()
                result = worker.execute(parameters)
                times.append(time.perf_counter() - started)
                inside.append(result["elapsed_ms"] / 1000)
                assert len(result["pages"]) == pages and not result["truncated"], "every page, whole"
            worker.stop_sampling()
            runners = {pid: status_kb(pid, "VmHWM") for pid in worker.descendants()}
            uvian = {
                "seconds_median": round(statistics.median(times), 3), "elapsed_ms_median": round(statistics.median(inside) * 1000),
                "pages_per_s": round(pages / statistics.median(times), 1), "characters": result["characters"],
                "runner_peak_rss_kb": max(runners.values(), default=0), "descendants_peak_rss_kb": worker.peak_tree_kb,
                "worker_peak_rss_kb": status_kb(worker.proc.pid, "VmHWM"),
            }
        finally:
            worker.stop()
    out = {"pages": pages, "document_pages": big.pages, "bytes": big.path.stat().st_size, "source": big.source,
           "rounds": rounds, "uvian": uvian}
    for tool in ("pdftotext", "pypdf", "pdfplumber"):
        measured = peer(tool, big.path, last)
        measured["pages_per_s"] = round(pages / measured["seconds"], 1) if measured["seconds"] else None
        out[tool] = measured
    out["ratios"] = {f"vs_{tool}": round(uvian["pages_per_s"] / out[tool]["pages_per_s"], 3)
                     for tool in ("pypdf", "pdfplumber", "pdftotext")}
    return out


def python_docx_paragraphs(path: Path) -> int:
    """What the plugin reads too: every paragraph's text and every table cell's."""
    import docx
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return len(texts) if cells is not None else 0


def docx_case(bin_dir: Path, path: Path, label: str, seconds: float) -> dict:
    import base64
    content = base64.b64encode(path.read_bytes()).decode()
    paragraphs = python_docx_paragraphs(path)
    with tempfile.TemporaryDirectory(prefix="uvw-bench-documents-dir-") as documents:
        worker = Worker(bin_dir, Path(documents))
        try:
            worker.execute({"content": content})  # warm: the runner child, the page cache
            calls, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds or calls < 3:
                worker.execute({"content": content})
                calls += 1
            uvian_s = (time.perf_counter() - started) / calls
        finally:
            worker.stop()
    python_docx_paragraphs(path)
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds or runs < 3:
        python_docx_paragraphs(path)
        runs += 1
    peer_s = (time.perf_counter() - started) / runs
    return {"document": label, "bytes": path.stat().st_size, "paragraphs": paragraphs,
            "uvian_ms_per_document": round(uvian_s * 1000, 2), "python_docx_ms_per_document": round(peer_s * 1000, 2),
            "uvian_paragraphs_per_s": round(paragraphs / uvian_s, 1), "python_docx_paragraphs_per_s": round(paragraphs / peer_s, 1),
            "vs_python_docx": round(peer_s / uvian_s, 3)}


def run(bin_dir: Path, quick: bool = False) -> dict:
    result: dict = {"pdf": {}, "docx": []}
    if quick:
        result["pdf"]["gnuplot"] = pdf_case(bin_dir, "gnuplot", last=60, rounds=1)
    else:
        for name in ("gnuplot", "octave"):
            result["pdf"][name] = pdf_case(bin_dir, name, last=0, rounds=3 if name == "gnuplot" else 1)
    largest = max(dc.docx_documents(), key=lambda d: (len(d.paragraphs), d.path.stat().st_size))
    result["docx"].append(docx_case(bin_dir, largest.path, largest.name, 1.0 if quick else 3.0))
    import docx_generate
    with tempfile.TemporaryDirectory(prefix="uvw-bench-documents-docx-") as tmp:
        generated = docx_generate.large(Path(tmp) / "generated-large.docx", paragraphs=3_000)
        result["docx"].append(docx_case(bin_dir, generated, "docx_generate.large (3,000 paragraphs)", 1.0 if quick else 3.0))
    pdfs = result["pdf"]
    # Peak RSS (kB) per tool and PDF: flat when the 1158-page figure is close to the 311-page one.
    # uvian_runner: the plugin's runner child; uvian_with_tools: the runner and the tool processes
    # it starts (pdftotext, pdfinfo, ...), summed as sampled.
    result["memory_flat"] = {
        "uvian_runner": {name: case["uvian"]["runner_peak_rss_kb"] for name, case in pdfs.items()},
        "uvian_with_tools": {name: case["uvian"]["descendants_peak_rss_kb"] for name, case in pdfs.items()},
        **{tool: {name: case[tool]["peak_rss_kb"] for name, case in pdfs.items()} for tool in ("pdftotext", "pypdf", "pdfplumber")},
    }
    first = next(iter(pdfs.values()))
    result["ratios"] = dict(first["ratios"])
    return result


if __name__ == "__main__":
    paths = [a for a in sys.argv[1:] if not a.startswith("--")]
    build = Path(paths[0]).resolve() if paths else REPO / ".build" / "release"
    print(json.dumps(run(build, quick="--quick" in sys.argv), indent=2))
