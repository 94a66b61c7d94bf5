#!/usr/bin/env python3
"""image_processing throughput and memory (issue 19), beside the Python libraries a team would use
instead, on large JPEGs made at run time from images the tests already fetch (images_corpus.py):

- balloon.jpg: Pillow's test photograph balloon.jpf (a real 2717 x 3701 photo, 10 megapixels,
  JPEG 2000 in Pillow's sdist) decoded by Pillow and saved as JPEG quality 90;
- coffee-4500.jpg (full runs only): scikit-image's coffee.png upscaled with LANCZOS to 4500 x 3000
  and saved as JPEG quality 90. An upscale is smoother than a photograph (fewer bits per pixel to
  entropy-decode), so it is the second case, not the headline.

Two workloads, each a loop of decode from bytes in memory -> shrink -> encode JPEG quality 80:

- thumbnail, 256 px box: the Images library through `uvw-image bench FILE --width 256`
  (libvips' thumbnail with shrink-on-load: the JPEG is decoded at 1/2, 1/4 or 1/8 scale by libjpeg);
  Pillow as a team writes it, `img.thumbnail((256, 256))` (which itself calls `draft()`, Pillow's
  shrink-on-load, to twice the box, then BICUBIC); Pillow with an explicit `draft()` to the box then
  LANCZOS; Pillow decoding every pixel (`reducing_gap=None`, LANCZOS); pyvips `thumbnail_buffer`.
- resize to fit inside 1024 px: the Images library without shrink-on-load (`--no-shrink-on-load`:
  load, then resize with lanczos3) beside Pillow's full decode and `resize(LANCZOS)` and pyvips'
  `resize` (lanczos3) on a sequential load; then each with its shrink-on-load (uvw-image without
  the flag, Pillow `draft()` then LANCZOS, pyvips `thumbnail_buffer`), reported separately.

Every peer runs in a child process of its own, so that its peak RSS is its own: VmHWM (for Python
peers read by the child from /proc/self/status at the end; for uvw-image sampled from
/proc/PID/status while it runs, since its own ru_maxrss carries this bench's high-water mark over
fork and exec). Throughput is measured inside each child, without interpreter start and imports:
per second over a loop of at least `seconds`, after one warm-up iteration for the Python peers
(uvw-image's loop includes its first iteration and libvips' start-up, amortised over the loop).
libvips runs with one thread in every peer (the images entry's vips_concurrency 1, and
VIPS_CONCURRENCY=1 for pyvips), and pyvips' operation cache is off as the Images library's is,
so that no peer re-uses an earlier iteration's result. pyvips (PINNED_PYVIPS) is installed with
pip against Debian's libvips if it is missing; if it still cannot be imported it is skipped with
the reason printed.

Last, end to end through a worker (the repository's images entry, IMAGES_DIR holding the JPEG):
`image_processing` thumbnails per second with `image_path` and `POST /execute?wait`, from as many
client threads as the entry's max_concurrency.

`--quick` measures balloon.jpg only, with shorter loops."""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "interop"))

import images_corpus  # noqa: E402
from plugin_worker import PluginWorker, status_kb  # noqa: E402

PINNED_PYVIPS = "pyvips==3.2.0"
THUMBNAIL = 256
FIT = 1024

# The peers' shared loop: one warm-up call of `once`, then calls for at least `seconds`; `extra` (a dict)
# goes into the report.
PEER_LOOP = r"""
size = once()
count, started = 0, time.perf_counter()
while count < 3 or time.perf_counter() - started < seconds:
    once()
    count += 1
elapsed = time.perf_counter() - started
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"iterations": count, "seconds": elapsed, "per_second": count / elapsed, "peak_rss_kb": hwm, "size": size,
                  **extra}))
"""

PILLOW_PEER = r"""
import io, json, sys, time
from PIL import Image
mode, path, box, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
data = open(path, "rb").read()

def inside(size):
    scale = min(box / size[0], box / size[1])
    return (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))

def once():
    image = Image.open(io.BytesIO(data))
    if mode == "thumbnail":            # as a team writes it: draft() to twice the box, then BICUBIC
        image.thumbnail((box, box))
    elif mode == "thumbnail_draft":    # draft() to the box itself, then LANCZOS
        image.draft("RGB", (box, box))
        image.thumbnail((box, box), Image.LANCZOS, reducing_gap=None)
    elif mode == "thumbnail_full":     # every pixel decoded, then LANCZOS
        image.thumbnail((box, box), Image.LANCZOS, reducing_gap=None)
    elif mode == "resize":             # every pixel decoded, then LANCZOS
        image = image.resize(inside(image.size), Image.LANCZOS)
    elif mode == "resize_draft":       # draft() to the target, then LANCZOS
        size = inside(image.size)
        image.draft("RGB", size)
        image = image.resize(size, Image.LANCZOS)
    else:
        raise SystemExit("unknown mode " + mode)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return image.size

extra = {}
""" + PEER_LOOP


PYVIPS_PEER = r"""
import json, sys, time
import pyvips
pyvips.cache_set_max(0)
pyvips.cache_set_max_mem(0)
pyvips.cache_set_max_files(0)
mode, path, box, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
data = open(path, "rb").read()

def once():
    if mode == "thumbnail":            # shrink-on-load
        image = pyvips.Image.thumbnail_buffer(data, box, height=box)
    elif mode == "thumbnail_full":     # every pixel decoded (thumbnail_image cannot shrink on load)
        image = pyvips.Image.new_from_buffer(data, "", access="sequential").thumbnail_image(box, height=box)
    elif mode == "resize":             # every pixel decoded, lanczos3
        image = pyvips.Image.new_from_buffer(data, "", access="sequential")
        image = image.resize(min(box / image.width, box / image.height))
    else:
        raise SystemExit("unknown mode " + mode)
    image.write_to_buffer(".jpg", Q=80)
    return (image.width, image.height)

extra = {"libvips": "%d.%d.%d" % (pyvips.version(0), pyvips.version(1), pyvips.version(2))}
""" + PEER_LOOP


def log(message: str) -> None:
    print(f"[images] {message}", file=sys.stderr, flush=True)


# --- setup ------------------------------------------------------------------------------------------

def ensure_pyvips() -> tuple[Optional[str], Optional[str]]:
    """(version, None) when pyvips imports against the system libvips, else (None, why not). Installs
    PINNED_PYVIPS with pip when it is missing (never pyvips-binary: that would bring a libvips of its
    own, not the one the Images library links)."""
    probe = [sys.executable, "-c", "import pyvips; print(pyvips.__version__, pyvips.API_mode, "
             "'%d.%d.%d' % (pyvips.version(0), pyvips.version(1), pyvips.version(2)))"]
    found = subprocess.run(probe, capture_output=True, text=True)
    if found.returncode != 0:
        log(f"installing {PINNED_PYVIPS} with pip")
        install = [sys.executable, "-m", "pip", "install", "--quiet", PINNED_PYVIPS]
        if subprocess.run(install, capture_output=True).returncode != 0:
            subprocess.run(install + ["--break-system-packages"], capture_output=True)
        found = subprocess.run(probe, capture_output=True, text=True)
    if found.returncode != 0:
        reason = (found.stderr.strip().splitlines() or ["import failed"])[-1]
        log(f"pyvips skipped: {reason}")
        return None, reason
    version, api_mode, libvips = found.stdout.split()
    return f"pyvips {version} ({'API' if api_mode == 'True' else 'ABI'} mode), libvips {libvips}", None


def photos(directory: Path, quick: bool) -> list[dict]:
    """The large JPEGs, written into `directory` (see the module's docstring)."""
    from PIL import Image
    pillow_images = getattr(images_corpus.pillow_images, "__wrapped__", images_corpus.pillow_images)()
    made = []
    with Image.open(pillow_images / "balloon.jpf") as balloon:
        path = directory / "balloon.jpg"
        balloon.convert("RGB").save(path, "JPEG", quality=90)
        made.append({"name": "balloon.jpg", "path": path, "source": "Pillow 11.0.0 sdist Tests/images/balloon.jpf (a photograph)",
                     "size": balloon.size})
    if not quick:
        skimage_data = getattr(images_corpus.skimage_data, "__wrapped__", images_corpus.skimage_data)()
        with Image.open(skimage_data / "coffee.png") as coffee:
            path = directory / "coffee-4500.jpg"
            big = coffee.convert("RGB").resize((4500, 3000), Image.LANCZOS)
            big.save(path, "JPEG", quality=90)
            made.append({"name": "coffee-4500.jpg", "path": path, "source": "scikit-image 0.24.0 coffee.png upscaled (LANCZOS)",
                         "size": big.size})
    for photo in made:
        photo["bytes"] = photo["path"].stat().st_size
        photo["megapixels"] = round(photo["size"][0] * photo["size"][1] / 1e6, 2)
    return made


# --- peers ------------------------------------------------------------------------------------------

def python_peer(script: str, mode: str, path: Path, box: int, seconds: float, env: Optional[dict] = None) -> dict:
    out = subprocess.run([sys.executable, "-c", script, mode, str(path), str(box), str(seconds)], capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    if out.returncode != 0:
        raise RuntimeError(f"{mode} peer failed on {path.name}: {out.stderr[-800:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"per_second": round(result["per_second"], 2), "iterations": result["iterations"],
            "peak_rss_kb": result["peak_rss_kb"], "size": result["size"], **({"libvips": result["libvips"]} if "libvips" in result else {})}


def uvw_image(binary: Path, path: Path, box: int, shrink_on_load: bool, seconds: float) -> dict:
    """`uvw-image bench` with as many iterations as fill about `seconds` (a short run first to know
    the rate), its peak RSS sampled from /proc every 2 ms."""
    flags = [] if shrink_on_load else ["--no-shrink-on-load"]

    def bench(iterations: int) -> dict:
        args = [str(binary), "bench", str(path), "--iterations", str(iterations), "--width", str(box), *flags]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        hwm = 0
        while proc.poll() is None:
            hwm = max(hwm, status_kb(proc.pid, "VmHWM"))
            time.sleep(0.002)
        stdout, stderr = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"uvw-image bench failed on {path.name}: {stdout[-500:]} {stderr[-500:]}")
        report = json.loads(stdout)
        report["sampled_peak_rss_kb"] = hwm
        return report

    probe = bench(2)
    iterations = max(3, int(probe["per_second"] * seconds))
    report = bench(iterations)
    return {"per_second": round(report["per_second"], 2), "iterations": report["iterations"],
            "peak_rss_kb": report["sampled_peak_rss_kb"] or report["peak_rss_kib"],
            "ru_maxrss_kib": report["peak_rss_kib"], "rss_kib_at_end": report["rss_kib_at_end"]}


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return round(a / b, 3) if a and b else None


def idle_peaks(binary: Path, directory: Path, pyvips: bool) -> dict:
    """Each program's peak on an 8x8 JPEG: what it holds before any real image (the interpreter and
    its imports; the Swift runtime and Debian's libvips with the hundred libraries it links), so that
    the peak a workload adds, its working set, can be told from the cost of merely loading libvips."""
    from PIL import Image
    tiny = directory / "tiny.jpg"
    Image.new("RGB", (8, 8), (200, 100, 50)).save(tiny, quality=90)
    peaks = {"uvw": uvw_image(binary, tiny, 8, True, 0.2)["peak_rss_kb"],
             "pillow": python_peer(PILLOW_PEER, "thumbnail", tiny, 8, 0.2)["peak_rss_kb"]}
    if pyvips:
        peaks["pyvips"] = python_peer(PYVIPS_PEER, "thumbnail", tiny, 8, 0.2, {"VIPS_CONCURRENCY": "1"})["peak_rss_kb"]
    return peaks


def photo_case(binary: Path, photo: dict, seconds: float, pyvips: bool, idle: dict) -> dict:
    path = photo["path"]
    vips_env = {"VIPS_CONCURRENCY": "1"}
    case: dict = {"photo": {k: (str(v) if isinstance(v, Path) else v) for k, v in photo.items()}}
    log(f"{photo['name']}: thumbnails ({THUMBNAIL} px box)")
    thumbnail = {
        "uvw": uvw_image(binary, path, THUMBNAIL, True, seconds),
        "uvw_no_shrink_on_load": uvw_image(binary, path, THUMBNAIL, False, seconds),
        "pillow": python_peer(PILLOW_PEER, "thumbnail", path, THUMBNAIL, seconds),
        "pillow_draft": python_peer(PILLOW_PEER, "thumbnail_draft", path, THUMBNAIL, seconds),
        "pillow_full_decode": python_peer(PILLOW_PEER, "thumbnail_full", path, THUMBNAIL, seconds),
    }
    if pyvips:
        thumbnail["pyvips"] = python_peer(PYVIPS_PEER, "thumbnail", path, THUMBNAIL, seconds, vips_env)
        thumbnail["pyvips_no_shrink_on_load"] = python_peer(PYVIPS_PEER, "thumbnail_full", path, THUMBNAIL, seconds, vips_env)
    log(f"{photo['name']}: resize to fit inside {FIT} px")
    resize = {
        "uvw": uvw_image(binary, path, FIT, False, seconds),
        "pillow": python_peer(PILLOW_PEER, "resize", path, FIT, seconds),
        "uvw_shrink_on_load": uvw_image(binary, path, FIT, True, seconds),
        "pillow_draft": python_peer(PILLOW_PEER, "resize_draft", path, FIT, seconds),
    }
    if pyvips:
        resize["pyvips"] = python_peer(PYVIPS_PEER, "resize", path, FIT, seconds, vips_env)
        resize["pyvips_shrink_on_load"] = python_peer(PYVIPS_PEER, "thumbnail", path, FIT, seconds, vips_env)
    case["thumbnail"], case["resize"] = thumbnail, resize
    for table_ in (thumbnail, resize):
        for peer, measured in table_.items():
            measured["working_set_kb"] = max(0, measured["peak_rss_kb"] - idle[peer.split("_")[0]])

    def rate(table: dict, a: str, b: str) -> Optional[float]:
        return ratio(table.get(a, {}).get("per_second"), table.get(b, {}).get("per_second"))

    def memory(table: dict, a: str, b: str, key: str = "peak_rss_kb") -> Optional[float]:
        return ratio(table.get(a, {}).get(key), table.get(b, {}).get(key))

    case["ratios"] = {
        # throughput: uvw ÷ peer (above 1: uvw is faster); memory: uvw ÷ peer (below 1: uvw uses less)
        "thumbnail_vs_pillow": rate(thumbnail, "uvw", "pillow"),
        "thumbnail_vs_pillow_draft": rate(thumbnail, "uvw", "pillow_draft"),
        "thumbnail_no_shrink_vs_pillow_full_decode": rate(thumbnail, "uvw_no_shrink_on_load", "pillow_full_decode"),
        "thumbnail_vs_pyvips": rate(thumbnail, "uvw", "pyvips"),
        "resize_vs_pillow": rate(resize, "uvw", "pillow"),
        "resize_shrink_on_load_vs_pillow_draft": rate(resize, "uvw_shrink_on_load", "pillow_draft"),
        "resize_vs_pyvips": rate(resize, "uvw", "pyvips"),
        "thumbnail_memory_vs_pillow": memory(thumbnail, "uvw", "pillow"),
        "resize_memory_vs_pillow": memory(resize, "uvw", "pillow"),
        "thumbnail_memory_vs_pyvips": memory(thumbnail, "uvw", "pyvips"),
        "resize_memory_vs_pyvips": memory(resize, "uvw", "pyvips"),
        # the same, less each program's idle peak (idle_peaks)
        "thumbnail_working_set_vs_pillow": memory(thumbnail, "uvw", "pillow", "working_set_kb"),
        "resize_working_set_vs_pillow": memory(resize, "uvw", "pillow", "working_set_kb"),
    }
    return case


# --- through a worker -------------------------------------------------------------------------------

def concurrency() -> int:
    import re
    entry = (REPO / "plugins.yaml").read_text().split("  - name: images", 1)[-1]
    found = re.search(r"(?m)^\s+max_concurrency:\s*(\d+)", entry)
    return int(found.group(1)) if found else 4


def worker_case(bin_dir: Path, photo: dict, seconds: float) -> dict:
    """Thumbnail tasks per second through `POST /execute?wait` from `concurrency()` client threads."""
    threads = concurrency()
    with tempfile.TemporaryDirectory(prefix="uvw-bench-images-dir-") as images:
        shutil.copy(photo["path"], Path(images) / photo["name"])
        worker = PluginWorker(bin_dir, "images", "image_processing", {}, {"IMAGES_DIR": str(images)})
        try:
            parameters = {"image_path": photo["name"], "operation": "thumbnail",
                          "options": {"width": THUMBNAIL, "height": THUMBNAIL}, "output": {"format": "jpeg", "quality": 80}}
            for _ in range(threads):  # warm: every runner process has loaded libvips
                worker.execute(parameters)
            latencies: list[float] = []
            elapsed: list[float] = []
            lock = threading.Lock()
            errors: list[str] = []
            started = time.perf_counter()

            def client() -> None:
                while time.perf_counter() - started < seconds:
                    began = time.perf_counter()
                    try:
                        result = worker.execute(parameters)
                    except Exception as error:  # reported, and the rate is then not given
                        errors.append(str(error))
                        return
                    with lock:
                        latencies.append(time.perf_counter() - began)
                        elapsed.append(result.get("elapsed_ms", 0))

            pool = [threading.Thread(target=client) for _ in range(threads)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
            total = time.perf_counter() - started
            if errors:
                raise RuntimeError(errors[0])
            return {"photo": photo["name"], "client_threads": threads, "tasks": len(latencies),
                    "tasks_per_s": round(len(latencies) / total, 2),
                    "latency_ms_median": round(statistics.median(latencies) * 1000, 1),
                    "plugin_elapsed_ms_median": round(statistics.median(elapsed), 1),
                    "runner_peak_rss_kb": worker.runner_peak_kb(), "worker_peak_rss_kb": status_kb(worker.proc.pid, "VmHWM")}
        finally:
            worker.stop()


# --- the section --------------------------------------------------------------------------------------

def table(result: dict) -> str:
    rows = [("image, workload", "peer", "per s", "peak RSS MB", "above idle MB")]
    for peer, kb in result["results"]["idle_peak_rss_kb"].items():
        rows.append(("8x8 JPEG (idle)", peer, "", f"{kb / 1024:.1f}", ""))
    for case in result["results"]["photos"]:
        name = case["photo"]["name"]
        for workload in ("thumbnail", "resize"):
            for peer, measured in case[workload].items():
                rows.append((f"{name}, {workload}", peer, f"{measured['per_second']:.1f}", f"{measured['peak_rss_kb'] / 1024:.1f}",
                             f"{measured['working_set_kb'] / 1024:.1f}"))
    through = result["results"].get("worker")
    if isinstance(through, dict) and "tasks_per_s" in through:
        rows.append((f"{through['photo']}, thumbnail task", f"worker, {through['client_threads']} clients",
                     f"{through['tasks_per_s']:.1f}", f"{through['runner_peak_rss_kb'] / 1024:.1f} (runner)", ""))
    rows.append(("", "", "", "", ""))
    rows += [(name, "", "" if value is None else f"{value:.3f}", "", "") for name, value in result["ratios"].items()]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def run(bin_dir: Path, quick: bool = False, binary: Optional[Path] = None, worker: bool = True) -> dict:
    """`binary` overrides `bin_dir/uvw-image` (the plumbing can be checked with a debug build)."""
    binary = binary or bin_dir / "uvw-image"
    if not binary.exists():
        raise RuntimeError(f"{binary} is missing")
    seconds = 1.0 if quick else 3.0
    pyvips_version, pyvips_skipped = ensure_pyvips()
    import PIL
    with tempfile.TemporaryDirectory(prefix="uvw-bench-images-") as tmp:
        made = photos(Path(tmp), quick)
        idle = idle_peaks(binary, Path(tmp), pyvips_version is not None)
        cases = [photo_case(binary, photo, seconds, pyvips_version is not None, idle) for photo in made]
        through: dict = {"skipped": "not asked for"}
        if worker:
            if (bin_dir / "uvian-worker").exists():
                try:
                    through = worker_case(bin_dir, made[0], seconds * 2)
                except Exception as error:  # the library's numbers stand without it
                    through = {"error": f"{type(error).__name__}: {error}"}
            else:
                through = {"skipped": f"{bin_dir / 'uvian-worker'} is missing"}
    first = cases[0]
    ratios = {f"images_{name}": value for name, value in first["ratios"].items()}
    ratios["images_memory_vs_pillow"] = first["ratios"]["resize_memory_vs_pillow"]
    if isinstance(through, dict) and "tasks_per_s" in through:
        ratios["images_worker_thumbnail_tasks_vs_library"] = ratio(through["tasks_per_s"], first["thumbnail"]["uvw"]["per_second"])
    result = {
        "seconds_per_measure": seconds,
        "versions": {"pillow": PIL.__version__, "pyvips": pyvips_version, "uvw_image": str(binary)},
        "pyvips_skipped": pyvips_skipped,
        "results": {"idle_peak_rss_kb": idle, "photos": cases, "worker": through},
        "ratios": ratios,
    }
    print(table(result), file=sys.stderr)
    return result


if __name__ == "__main__":
    paths = [a for a in sys.argv[1:] if not a.startswith("--")]
    build = Path(paths[0]).resolve() if paths else REPO / ".build" / "release"
    print(json.dumps(run(build, quick="--quick" in sys.argv, worker="--no-worker" not in sys.argv), indent=2, default=str))
