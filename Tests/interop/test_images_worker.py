"""The image_processing task type end to end: a real worker with the repository's plugins.yaml (the
images entry, process isolation, as shipped) judged through its HTTP API on real images
(images_corpus.py: scikit-image's photographs and scans, Pillow's test images with EXIF orientations
1-8, an animated GIF, broken files).

The Images library is already compared with Pillow and numpy through uvw-image
(test_images_operations.py, test_images_analyze.py, test_images_safety.py); this module checks what
the plugin adds on top and what only a worker shows: the task's parameters (one source, `operation` or
`operations`, `output`), the three sources and their confinement, files written under
IMAGES_OUTPUT_DIR, the 422s, the limits named by their plugins.yaml keys, and a worker that keeps
answering `GET /health` after every hostile input. Expected values come from Pillow and numpy run
side by side on the same files, never from the plugin.

Two workers: `worker` with IMAGES_DIR, IMAGES_OUTPUT_DIR and FETCH_ALLOW=127.0.0.1/32, and `limited`,
whose images entry is the shipped one with small limits (LIMITS) and none of those three variables."""
from __future__ import annotations

import base64
import io
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest
from PIL import Image, ImageOps

from local_files import LocalFiles
from shipped_worker import start_shipped_worker
from test_worker_interop import REPO, WORKER_BIN, WorkerProc
from uvw_image import (assert_stats_equal_numpy, assert_upright, comparable, hamming, jpeg_header_bomb, pixels, png_bomb,
                       psnr)

IMAGES_PLUGIN = REPO / ".build" / "debug" / "libImagesPlugin.so"
TASK = "image_processing"
LIMITS = {"max_input_mb": 1, "max_megapixels": 1, "max_frames": 2, "max_output_dimension": 1000}
ENVIRONMENT = ("IMAGES_DIR", "IMAGES_OUTPUT_DIR", "FETCH_ALLOW")

FORMATS = {"png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp"), "jpeg": ("JPEG", "image/jpeg"),
           "gif": ("GIF", "image/gif"), "tiff": ("TIFF", "image/tiff")}


# --- workers ----------------------------------------------------------------------------------------

def start(tmp_root: Path, config: Optional[dict] = None, **env: str) -> WorkerProc:
    return start_shipped_worker(tmp_root, "images", config, ENVIRONMENT, **env)


@pytest.fixture(scope="module")
def built():
    if not WORKER_BIN.exists() or not IMAGES_PLUGIN.exists():
        pytest.skip("the debug build is missing (.build/debug/uvian-worker, libImagesPlugin.so)")


@pytest.fixture(scope="module")
def images_dir(tmp_root, skimage_data, pillow_images) -> Path:
    """IMAGES_DIR: a real PNG in a sub-directory, a watermark, a symlink leading out, a directory and a
    FIFO with image names, and a file outside."""
    root = tmp_root / "images"
    (root / "sub").mkdir(parents=True)
    shutil.copy(skimage_data / "astronaut.png", root / "sub" / "astronaut.png")
    shutil.copy(pillow_images / "hopper_orientation_6.jpg", root / "hopper_6.jpg")
    Image.new("RGBA", (50, 40), (255, 0, 0, 255)).save(root / "mark.png")
    outside = tmp_root / "outside.png"
    shutil.copy(skimage_data / "camera.png", outside)
    (root / "leads-out.png").symlink_to(outside)
    (root / "a-directory.png").mkdir()
    os.mkfifo(root / "fifo.png")
    return root


@pytest.fixture(scope="module")
def output_dir(tmp_root) -> Path:
    path = tmp_root / "output"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def files_server(skimage_data):
    server = LocalFiles({"coffee.png": skimage_data / "coffee.png", "rocket.jpg": skimage_data / "rocket.jpg"}).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def worker(built, tmp_root, images_dir, output_dir):
    proc = start(tmp_root, IMAGES_DIR=str(images_dir), IMAGES_OUTPUT_DIR=str(output_dir), FETCH_ALLOW="127.0.0.1/32")
    yield proc
    proc.terminate()
    proc.wait_stopped()


@pytest.fixture(scope="module")
def limited(built, tmp_root):
    proc = start(tmp_root, config=LIMITS)
    yield proc
    proc.terminate()
    proc.wait_stopped()


# --- calling it -------------------------------------------------------------------------------------

def b64(data: bytes | Path) -> str:
    return base64.b64encode(data.read_bytes() if isinstance(data, Path) else data).decode()


def healthy(worker: WorkerProc) -> None:
    assert worker.http("GET", "/health")[0] == 200, f"the worker stopped answering; log: {worker.log_text()[-3000:]}"


def run(worker: WorkerProc, wait: int = 120, **parameters: Any) -> dict:
    try:
        task = worker.execute(TASK, parameters, wait=wait)
    except OSError as error:  # connection refused or reset: say why the worker is gone
        raise AssertionError(f"{error}; alive: {worker.alive}; log: {worker.log_text()[-3000:]}") from error
    healthy(worker)
    return task


def shown(task: dict) -> dict:
    """The task without its (large, base64) parameters and image, for assertion messages."""
    result = task.get("result")
    if isinstance(result, dict) and "image" in result:
        result = {**result, "image": f"<{len(result['image'])} base64 characters>"}
    return {**{k: v for k, v in task.items() if k != "parameters"}, "result": result}


def completed(worker: WorkerProc, **parameters: Any) -> dict:
    task = run(worker, **parameters)
    assert task["status"] == "completed", shown(task)
    return task["result"]


def failed(worker: WorkerProc, **parameters: Any) -> str:
    task = run(worker, **parameters)
    assert task["status"] == "failed", shown(task)
    return task["error"]


def refused(worker: WorkerProc, parameters: dict) -> str:
    """The body of a 422 answer to `POST /execute` (refused at submit time)."""
    code, body = worker.http("POST", "/execute", {"task_type": TASK, "parameters": parameters})
    assert code == 422, (sorted(parameters), code, body)
    healthy(worker)
    return str(body)


def rejected(worker: WorkerProc, wait: int = 60, **parameters: Any) -> str:
    """What the contract lets be either: a 422's body or a failed task's error."""
    code, body = worker.http("POST", f"/execute?wait={wait}", {"task_type": TASK, "parameters": parameters}, timeout=wait + 10)
    healthy(worker)
    if code == 422:
        return str(body)
    assert code in (200, 202) and body["status"] == "failed", (code, shown(body) if isinstance(body, dict) else body)
    return body["error"]


def encoded(result: dict) -> bytes:
    data = base64.b64decode(result["image"], validate=True)
    assert len(data) == result["bytes"], (len(data), result["bytes"])
    return data


def opened(result: dict) -> Image.Image:
    """The output as Pillow decodes it, checked against the result's own width, height and format."""
    image = Image.open(io.BytesIO(encoded(result)))
    image.load()
    assert image.size == (result["width"], result["height"]), (image.size, result["width"], result["height"])
    assert image.format == FORMATS[result["format"]][0], (image.format, result["format"])
    assert result["mime_type"] == FORMATS[result["format"]][1]
    return image


def array(result: dict) -> np.ndarray:
    """The output's pixels in libvips' band layout (uvw_image.comparable)."""
    opened(result)
    return comparable(io.BytesIO(encoded(result)))


def op(worker: WorkerProc, source: Path, operation: str, **options: Any) -> dict:
    """One operation on a file sent as `content`."""
    return completed(worker, content=b64(source), operation=operation, options=options)


def laplacian_variance(grey: np.ndarray) -> float:
    grey = grey.astype(np.float64)
    padded = np.pad(grey, 1, mode="edge")
    laplacian = padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4 * grey
    return float(laplacian.var())


# --- resize, fit, thumbnail -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png", "chelsea.png", "camera.png", "rocket.jpg"])
def test_resize_matches_pillow_lanczos(worker, skimage_data, name):
    path = skimage_data / name
    with Image.open(path) as source:
        width, height = round(source.width * 0.3), round(source.height * 0.3)
        expected = np.asarray(source.resize((width, height), Image.LANCZOS))
    result = completed(worker, content=b64(path), operation="resize",
                       options={"width": width, "height": height, "fit": "fill"}, output={"format": "png"})
    assert (result["width"], result["height"]) == (width, height)
    assert result["steps"] == ["resize"], "no orientation to apply"
    assert result["input"]["kind"] == "content" and result["input"]["bytes"] == path.stat().st_size
    with Image.open(path) as source:
        assert (result["input"]["width"], result["input"]["height"]) == source.size
    assert psnr(pixels(io.BytesIO(encoded(result))), expected) >= 35


# chelsea.png is 451 x 300: the sizes sharp gives for each rule.
FIT_CASES = [
    ({"width": 200, "height": 200, "fit": "cover"}, (200, 200)),
    ({"width": 200, "height": 200, "fit": "contain"}, (200, 200)),
    ({"width": 200, "height": 200, "fit": "fill"}, (200, 200)),
    ({"width": 200, "height": 200, "fit": "inside"}, (200, 133)),
    ({"width": 200, "height": 200, "fit": "outside"}, (301, 200)),
    ({"width": 100}, (100, 67)),
    ({"height": 100}, (150, 100)),
    ({"scale": 2}, (902, 600)),
    ({"width": 1000, "height": 1000, "fit": "inside", "without_enlargement": True}, (451, 300)),
    ({"width": 1000, "height": 1000, "fit": "cover", "without_enlargement": True}, (451, 300)),
    ({"width": 1000, "height": 1000, "fit": "contain"}, (1000, 1000)),
]


@pytest.mark.parametrize("options,size", FIT_CASES, ids=[str(c[0]) for c in FIT_CASES])
def test_fit_rules(worker, skimage_data, options, size):
    result = op(worker, skimage_data / "chelsea.png", "resize", **options)
    assert (result["width"], result["height"]) == size
    assert opened(result).size == size


def test_contain_pads_with_background(worker, skimage_data):
    result = op(worker, skimage_data / "chelsea.png", "resize", width=200, height=200, fit="contain", background="#ff0000")
    out = array(result)
    # 451 x 300 inside 200 x 200 is 200 x 133: red bands above and below, the photograph between.
    assert out[0, 100, :3].tolist() == [255, 0, 0] and out[199, 100, :3].tolist() == [255, 0, 0]
    assert out[100, 100, :3].tolist() != [255, 0, 0]


@pytest.mark.parametrize("position,other", [("north", "south"), ("south", "north")])
def test_cover_position_picks_the_band(worker, skimage_data, position, other):
    # astronaut (512 x 512) covering 300 x 100: scaled to 300 x 300, then the named band of 100 rows.
    path = skimage_data / "astronaut.png"
    with Image.open(path) as source:
        scaled = np.asarray(source.resize((300, 300), Image.LANCZOS))
    bands = {"north": scaled[:100], "south": scaled[200:]}
    out = array(op(worker, path, "resize", width=300, height=100, fit="cover", position=position))
    assert out.shape == (100, 300, 3)
    assert psnr(out, bands[position]) >= 30
    assert psnr(out, bands[position]) > psnr(out, bands[other]) + 5


@pytest.mark.parametrize("kernel", ["nearest", "linear", "cubic", "mitchell", "lanczos2", "lanczos3"])
def test_kernels(worker, skimage_data, kernel):
    path = skimage_data / "camera.png"
    with Image.open(path) as source:
        expected = np.asarray(source.resize((128, 128), Image.LANCZOS))
    out = array(op(worker, path, "resize", width=128, kernel=kernel))
    assert out.shape[:2] == (128, 128)
    # Every kernel is a resize of the same photograph: close to Pillow's, if not equal.
    assert psnr(out[:, :, 0], expected) >= 24, kernel


@pytest.mark.parametrize("name", ["rocket.jpg", "chelsea.png", "astronaut.png"])
def test_thumbnail_fits_the_box(worker, skimage_data, name):
    path = skimage_data / name
    with Image.open(path) as source:
        width, height = source.size
        scale = min(100 / width, 100 / height)
        size = (round(width * scale), round(height * scale))
        expected = np.asarray(source.convert("RGB").resize(size, Image.LANCZOS))
    result = op(worker, path, "thumbnail", width=100, height=100)
    assert result["steps"] == ["thumbnail"]
    assert max(result["width"], result["height"]) == 100
    assert abs(result["width"] - size[0]) <= 1 and abs(result["height"] - size[1]) <= 1, (result["width"], result["height"], size)
    out = np.asarray(opened(result).convert("RGB"))
    if out.shape == expected.shape:
        assert psnr(out, expected) >= 28


@pytest.mark.parametrize("crop", ["centre", "north", "entropy", "attention"])
def test_thumbnail_with_crop_fills_the_box(worker, skimage_data, crop):
    path = skimage_data / "chelsea.png"
    out = array(op(worker, path, "thumbnail", width=100, height=80, crop=crop))
    assert out.shape == (80, 100, 3)
    if crop == "centre":
        with Image.open(path) as source:
            expected = np.asarray(ImageOps.fit(source, (100, 80), Image.LANCZOS))
        assert psnr(out, expected) >= 25


# --- crop, rotate, flip -----------------------------------------------------------------------------

def test_crop_box_equals_pillow(worker, skimage_data):
    path = skimage_data / "astronaut.png"
    with Image.open(path) as source:
        expected = np.asarray(source.crop((10, 20, 110, 70)))
    result = op(worker, path, "crop", left=10, top=20, width=100, height=50)
    assert result["steps"] == ["crop"]
    assert np.array_equal(array(result), expected)


def test_crop_box_outside_fails(worker, skimage_data):
    error = failed(worker, content=b64(skimage_data / "astronaut.png"), operation="crop",
                   options={"left": 500, "top": 0, "width": 100, "height": 50})
    assert "invalid_argument" in error, error


@pytest.mark.parametrize("gravity", ["south-east", "north", "north-west", "centre", "west"])
def test_gravity_crop(worker, skimage_data, gravity):
    path = skimage_data / "astronaut.png"  # 512 x 512: every offset below is whole
    source = comparable(path)
    top = {"north": 0, "north-west": 0, "south-east": 462, "centre": 231, "west": 231}[gravity]
    left = {"north": 206, "north-west": 0, "south-east": 412, "centre": 206, "west": 0}[gravity]
    out = array(op(worker, path, "crop", width=100, height=50, gravity=gravity))
    assert np.array_equal(out, source[top:top + 50, left:left + 100])


@pytest.mark.parametrize("strategy", ["entropy", "attention"])
def test_smart_crop(worker, skimage_data, strategy):
    path = skimage_data / "astronaut.png"
    source = comparable(path)
    out = array(op(worker, path, "crop", width=200, height=200, gravity=strategy))
    assert out.shape == (200, 200, 3)
    # A crop, not a resize: the window is somewhere in the source, pixel for pixel.
    corners = np.argwhere((source[:313, :313] == out[0, 0]).all(axis=2))
    assert any(np.array_equal(source[top:top + 200, left:left + 200], out) for top, left in corners)


@pytest.mark.parametrize("angle,k", [(90, -1), (180, 2), (270, 1), (-90, 1)])
def test_rotate_right_angles_clockwise(worker, skimage_data, angle, k):
    path = skimage_data / "chelsea.png"  # not square: a transposed size shows too
    out = array(op(worker, path, "rotate", angle=angle))
    assert np.array_equal(out, np.rot90(comparable(path), k=k))


def test_rotate_any_angle_grows_the_canvas(worker, skimage_data):
    result = op(worker, skimage_data / "astronaut.png", "rotate", angle=30, background=[0, 255, 0])
    side = 512 * (np.cos(np.radians(30)) + np.sin(np.radians(30)))  # 699.4
    assert abs(result["width"] - side) <= 2 and abs(result["height"] - side) <= 2, (result["width"], result["height"])
    out = array(result)
    assert out[0, 0, :3].tolist() == [0, 255, 0] and out[-1, -1, :3].tolist() == [0, 255, 0]


@pytest.mark.parametrize("name,expected", [("flip", lambda a: a[::-1]), ("flop", lambda a: a[:, ::-1])])
def test_flip_and_flop(worker, skimage_data, name, expected):
    path = skimage_data / "chelsea.png"
    result = op(worker, path, name)
    assert result["steps"] == [name]
    assert np.array_equal(array(result), expected(comparable(path)))


# --- filters ----------------------------------------------------------------------------------------

def filtered(worker: WorkerProc, path: Path, name: str, **options: Any) -> np.ndarray:
    """The filter through `operation: filter`, checked equal to the same filter as an op of its own."""
    result = completed(worker, content=b64(path), operation="filter", options={"filter": name, **options})
    alone = completed(worker, content=b64(path), operations=[{"op": name, **options}])
    step = {"greyscale": "grayscale"}.get(name, name)  # the alias is reported by its canonical name
    assert alone["steps"] == result["steps"] == [step], (alone["steps"], result["steps"])
    out = array(result)
    assert np.array_equal(out, array(alone)), name
    return out


@pytest.fixture(scope="module")
def rgb(skimage_data) -> tuple[Path, np.ndarray]:
    path = skimage_data / "astronaut.png"
    return path, comparable(path).astype(np.float64)


@pytest.mark.parametrize("name", ["grayscale", "greyscale"])
def test_grayscale(worker, rgb, name):
    path, _ = rgb
    out = filtered(worker, path, name)
    assert out.shape[2] == 1 or (np.array_equal(out[:, :, 0], out[:, :, 1]) and np.array_equal(out[:, :, 1], out[:, :, 2]))
    with Image.open(path) as source:
        expected = np.asarray(source.convert("L"))
    assert psnr(out[:, :, 0], expected) >= 35


def test_negate(worker, rgb):
    path, source = rgb
    assert np.array_equal(filtered(worker, path, "negate"), 255 - source)


@pytest.mark.parametrize("value", [64, 128, 200])
def test_threshold(worker, rgb, value):
    path, _ = rgb
    out = filtered(worker, path, "threshold", value=value)
    assert set(np.unique(out).tolist()) == {0, 255}
    with Image.open(path) as source:
        expected = np.asarray(source.convert("L")) >= value
    assert ((out[:, :, 0] == 255) == expected).mean() >= 0.97


def test_threshold_default_is_128(worker, rgb):
    path, _ = rgb
    assert np.array_equal(filtered(worker, path, "threshold"), filtered(worker, path, "threshold", value=128))


def test_blur_lowers_and_sharpen_raises_the_laplacian_variance(worker, skimage_data):
    path = skimage_data / "camera.png"
    before = laplacian_variance(comparable(path)[:, :, 0])
    blurred = filtered(worker, path, "blur", sigma=3)
    assert laplacian_variance(blurred[:, :, 0]) < before / 10
    sharpened = filtered(worker, path, "sharpen", sigma=1)
    assert laplacian_variance(sharpened[:, :, 0]) > before * 1.1


@pytest.mark.parametrize("name,reference", [
    ("brightness", lambda s, v: s * v),
    ("contrast", lambda s, v: s * v + 128 * (1 - v)),
    ("gamma", lambda s, v: 255 * (s / 255) ** (1 / v)),
])
def test_linear_filters_against_numpy(worker, rgb, name, reference):
    path, source = rgb
    value = 1.5
    out = filtered(worker, path, name, value=value).astype(np.float64)
    expected = np.clip(reference(source, value), 0, 255)
    assert np.abs(out - expected).max() <= 1 + 1e-6, name


@pytest.mark.parametrize("name", ["brightness", "contrast", "saturation"])
def test_value_one_leaves_the_image_unchanged(worker, rgb, name):
    path, source = rgb
    assert np.array_equal(filtered(worker, path, name, value=1), source)


def test_saturation(worker, rgb):
    path, source = rgb
    flat = filtered(worker, path, "saturation", value=0).astype(int)
    assert np.abs(flat[:, :, 0] - flat[:, :, 2]).max() <= 1 and np.abs(flat[:, :, 0] - flat[:, :, 1]).max() <= 1
    luma = source @ np.array([0.299, 0.587, 0.114])
    assert np.abs(flat[:, :, 0] - luma).max() <= 1


def test_sepia_and_tint_against_numpy(worker, rgb):
    path, source = rgb
    sepia = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    out = filtered(worker, path, "sepia").astype(np.float64)
    assert np.abs(out - np.clip(source @ sepia.T, 0, 255)).max() <= 1
    luma = source @ np.array([0.299, 0.587, 0.114])
    for colour, rgb_value in [("#ffc896", [255, 200, 150]), ([40, 80, 255], [40, 80, 255])]:
        out = filtered(worker, path, "tint", colour=colour).astype(np.float64)
        expected = np.clip(luma[:, :, None] * np.array(rgb_value) / 255, 0, 255)
        assert np.abs(out - expected).max() <= 1, colour


def test_tint_needs_a_colour(worker, rgb):
    path, _ = rgb
    text = rejected(worker, content=b64(path), operation="filter", options={"filter": "tint"})
    assert "colour" in text, text


# --- extend, pad, composite -------------------------------------------------------------------------

@pytest.mark.parametrize("colour,value", [("#f00", [255, 0, 0]), ("#00ff00", [0, 255, 0]), ([0, 0, 255], [0, 0, 255]),
                                          ("white", [255, 255, 255]), ("black", [0, 0, 0])])
def test_extend_with_background(worker, rgb, colour, value):
    path, source = rgb
    result = op(worker, path, "extend", top=5, right=3, bottom=1, left=7, background=colour)
    assert (result["width"], result["height"]) == (522, 518)
    out = array(result)
    for border in (out[:5], out[-1:], out[:, :7], out[:, -3:]):
        assert (border[:, :, :3] == value).all(), colour
    assert np.array_equal(out[5:517, 7:519, :3], source)


def test_extend_copy_repeats_the_edge(worker, rgb):
    path, source = rgb
    out = array(op(worker, path, "extend", left=4, top=2, mode="copy"))
    assert out.shape == (514, 516, 3)
    for column in range(4):
        assert np.array_equal(out[2:, column], source[:, 0])
    assert np.array_equal(out[0, 4:], source[0]) and np.array_equal(out[2:, 4:], source)


@pytest.mark.parametrize("gravity,top,left", [("centre", 44, 44), ("north-west", 0, 0), ("south-east", 88, 88)])
def test_pad(worker, rgb, gravity, top, left):
    path, source = rgb
    out = array(op(worker, path, "pad", width=600, height=600, gravity=gravity, background="#0000ff"))
    assert out.shape == (600, 600, 3)
    assert np.array_equal(out[top:top + 512, left:left + 512], source)
    mask = np.ones((600, 600), bool)
    mask[top:top + 512, left:left + 512] = False
    assert (out[mask] == [0, 0, 255]).all()


def composited(out: np.ndarray, source: np.ndarray, rows: slice, cols: slice) -> None:
    """Outside the overlay's rectangle the image is the source, pixel for pixel."""
    mask = np.ones(source.shape[:2], bool)
    mask[rows, cols] = False
    if out.shape[2] == 4:
        assert (out[:, :, 3] == 255).all()
    assert np.array_equal(out[:, :, :3][mask], source[mask])


def test_composite_watermark_from_images_dir(worker, rgb):
    path, source = rgb
    out = array(op(worker, path, "composite", overlay="mark.png"))  # south-east by default
    assert (out[-40:, -50:, :3] == [255, 0, 0]).all()
    composited(out, source, slice(-40, None), slice(-50, None))


def test_composite_content_with_gravity_and_opacity(worker, rgb):
    path, source = rgb
    mark = io.BytesIO()
    Image.new("RGBA", (50, 40), (255, 0, 0, 255)).save(mark, "PNG")
    out = array(op(worker, path, "composite", overlay_content=b64(mark.getvalue()), gravity="north-west", opacity=0.5))
    expected = 0.5 * np.array([255, 0, 0]) + 0.5 * source[:40, :50]
    assert np.abs(out[:40, :50, :3] - expected).max() <= 2
    composited(out, source, slice(0, 40), slice(0, 50))


def test_composite_overlay_outside_images_dir_refused(worker, rgb):
    path, _ = rgb
    for overlay in ["../outside.png", "leads-out.png", "/etc/passwd"]:
        text = rejected(worker, content=b64(path), operation="composite", options={"overlay": overlay})
        assert "overlay" in text, (overlay, text)


# --- formats ----------------------------------------------------------------------------------------

LOSSY = {"jpeg": 30, "webp": 30, "gif": 20}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_convert(worker, skimage_data, fmt):
    path = skimage_data / "coffee.png"
    result = completed(worker, content=b64(path), operation="convert", options={"format": fmt}, output={"quality": 90})
    assert result["format"] == fmt and result["steps"] == ["convert"]
    assert opened(result).size == (600, 400)
    out = pixels(io.BytesIO(encoded(result)), "RGB")
    source = pixels(path, "RGB")
    if fmt in LOSSY:
        assert psnr(out, source) >= LOSSY[fmt], fmt
    else:
        assert np.array_equal(out, source), fmt


@pytest.mark.parametrize("fmt,alias", [("jpeg", "jpg"), ("webp", "webp"), ("tiff", "tiff")])
def test_output_format(worker, skimage_data, fmt, alias):
    result = completed(worker, content=b64(skimage_data / "chelsea.png"), operation="flip", output={"format": alias})
    assert result["format"] == fmt and result["steps"] == ["flip"]
    opened(result)


def test_output_format_defaults_to_the_input_format(worker, skimage_data):
    assert completed(worker, content=b64(skimage_data / "rocket.jpg"), operation="flop")["format"] == "jpeg"
    assert completed(worker, content=b64(skimage_data / "coffee.png"), operation="flop")["format"] == "png"


def test_quality_changes_the_size(worker, skimage_data):
    sizes = [completed(worker, content=b64(skimage_data / "coffee.png"), operation="convert", options={"format": "jpeg"},
                       output={"quality": q})["bytes"] for q in (20, 95)]
    assert sizes[0] < sizes[1] / 2, sizes


@pytest.mark.parametrize("fmt", ["avif", "heif"])
def test_heif_output_or_clear_refusal(worker, skimage_data, fmt):
    task = run(worker, content=b64(skimage_data / "coffee.png"), operation="convert", options={"format": fmt})
    if task["status"] == "failed":
        assert "unsupported_output" in task["error"], task["error"]
        pytest.skip(f"this libheif cannot encode {fmt}: {task['error']}")
    result = task["result"]
    assert task["status"] == "completed" and result["format"] == fmt, shown(task)
    assert result["mime_type"] == f"image/{fmt}"
    back = completed(worker, content=result["image"], operation="analyze")
    assert (back["width"], back["height"]) == (600, 400) and back["format"] == "heif"


def test_strip_metadata(worker, pillow_images):
    path = pillow_images / "exif_gps.jpg"
    stripped = completed(worker, content=b64(path), operation="flip")
    kept = completed(worker, content=b64(path), operation="flip", output={"strip_metadata": False})
    assert len(Image.open(io.BytesIO(encoded(stripped))).getexif()) == 0, "no EXIF left"
    assert len(Image.open(io.BytesIO(encoded(kept))).getexif()) > 0
    assert completed(worker, content=stripped["image"], operation="analyze")["exif"] is False
    assert completed(worker, content=kept["image"], operation="analyze")["exif"] is True


# --- pipelines and orientation ----------------------------------------------------------------------

def test_chained_pipeline(worker, pillow_images):
    path = pillow_images / "hopper_orientation_6.jpg"
    steps = [{"op": "auto_orient"}, {"op": "resize", "width": 100}, {"op": "crop", "left": 10, "top": 20, "width": 80, "height": 60},
             {"op": "sharpen", "sigma": 1}, {"op": "convert", "format": "webp"}]
    result = completed(worker, content=b64(path), auto_orient=False, operations=steps)
    assert result["steps"] == ["auto_orient", "resize", "crop", "sharpen", "convert"]
    assert result["format"] == "webp" and opened(result).size == (80, 60)
    with Image.open(path) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
        stored = image.convert("RGB")
    reference = np.asarray(upright.resize((100, 100), Image.LANCZOS).crop((10, 20, 90, 80)))
    sideways = np.asarray(stored.resize((100, 100), Image.LANCZOS).crop((10, 20, 90, 80)))
    out = pixels(io.BytesIO(encoded(result)), "RGB")
    assert psnr(out, reference) >= 20
    assert psnr(out, reference) > psnr(out, sideways) + 3, "the orientation was applied"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_upright_by_default(worker, pillow_images, orientation):
    path = pillow_images / ("hopper.jpg" if orientation == 1 else f"hopper_orientation_{orientation}.jpg")
    result = completed(worker, content=b64(path), operation="convert", options={"format": "png"})
    assert result["steps"] == (["convert"] if orientation == 1 else ["auto_orient", "convert"])
    assert_upright(pixels(io.BytesIO(encoded(result)), "RGB"), pillow_images, orientation)


def test_auto_orient_false_keeps_the_stored_pixels(worker, pillow_images):
    path = pillow_images / "hopper_orientation_6.jpg"
    with Image.open(path) as image:
        stored = np.asarray(image.convert("RGB"))
    result = completed(worker, content=b64(path), auto_orient=False, operation="convert", options={"format": "png"})
    assert result["steps"] == ["convert"]
    assert psnr(pixels(io.BytesIO(encoded(result)), "RGB"), stored) >= 35


def test_animated_gif_pages(worker, pillow_images):
    path = pillow_images / "iss634.gif"
    with Image.open(path) as image:
        frames = image.n_frames
        image.seek(5)
        fifth = np.asarray(image.convert("RGB"))
        image.seek(0)
        first = np.asarray(image.convert("RGB"))
    result = completed(worker, content=b64(path), operation="convert", options={"format": "png"}, page=5)
    assert result["input"]["pages"] == frames and result["input"]["format"] == "gif"
    out = pixels(io.BytesIO(encoded(result)), "RGB")
    assert out.shape == fifth.shape
    if not np.array_equal(fifth, first):
        assert psnr(out, fifth) > psnr(out, first)
    assert "page" in rejected(worker, content=b64(path), operation="flip", page=frames)


# --- analyze ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["astronaut.png", "camera.png", "coffee.png", "horse.png"])
def test_analyze_stats_equal_numpy(worker, skimage_data, name):
    path = skimage_data / name
    report = completed(worker, content=b64(path), operation="analyze")
    assert report["operation"] == "analyze" and report["format"] == "png"
    assert report["file_size"] == path.stat().st_size and report["input"]["kind"] == "content"
    assert_stats_equal_numpy(report, path)
    for key in ("colour_space", "alpha", "bit_depth", "orientation", "dpi", "animated", "page_count", "exif", "xmp", "icc",
                "exif_fields", "histogram", "dominant_colours", "sharpness", "dhash", "phash", "elapsed_ms"):
        assert key in report, key


def test_analyze_histogram_and_colours_options(worker, skimage_data):
    path = skimage_data / "coffee.png"
    report = completed(worker, content=b64(path), operation="analyze", options={"bins": 32, "colours": 3})
    expected = comparable(path)
    for band, bins in enumerate(report["histogram"]["bins"]):
        assert bins == np.bincount(expected[:, :, band].ravel() // 8, minlength=32).tolist()
    assert len(report["dominant_colours"]) == 3
    assert sum(c["share"] for c in report["dominant_colours"]) == pytest.approx(1.0)


def test_analyze_reads_the_orientation(worker, pillow_images):
    report = completed(worker, content=b64(pillow_images / "hopper_orientation_6.jpg"), operation="analyze")
    assert report["orientation"] == 6 and report["exif"] is True


@pytest.mark.parametrize("fmt,distance", [("png", 0), ("tiff", 0), ("jpeg", 2)])
def test_dhash_of_a_reencoded_copy(worker, skimage_data, fmt, distance):
    path = skimage_data / "astronaut.png"
    copy = completed(worker, content=b64(path), operation="convert", options={"format": fmt}, output={"quality": 90})
    original = completed(worker, content=b64(path), operation="analyze")
    again = completed(worker, content=copy["image"], operation="analyze")
    assert again["format"] == fmt
    assert hamming(original["dhash"], again["dhash"]) <= distance


def test_dhash_of_different_images_differ(worker, skimage_data):
    names = ["astronaut.png", "camera.png", "coffee.png", "chelsea.png", "rocket.jpg"]
    hashes = {name: completed(worker, content=b64(skimage_data / name), operation="analyze")["dhash"] for name in names}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert hamming(hashes[a], hashes[b]) >= 16, (a, b)


# --- output.to --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,fmt", [("sub/dir/chelsea.webp", "webp"), ("chelsea.jpg", "jpeg"), ("deep/a/b/c.tif", "tiff"),
                                      ("plain.png", "png")])
def test_output_to_a_file(worker, skimage_data, output_dir, name, fmt):
    result = completed(worker, content=b64(skimage_data / "chelsea.png"), operation="flop", output={"to": name})
    assert "image" not in result
    assert Path(result["path"]).is_absolute()
    assert Path(result["path"]).resolve() == (output_dir / name).resolve()
    assert result["format"] == fmt and result["bytes"] == (output_dir / name).stat().st_size
    with Image.open(output_dir / name) as image:
        assert image.format == FORMATS[fmt][0] and image.size == (451, 300)


def test_output_to_with_agreeing_format(worker, skimage_data, output_dir):
    result = completed(worker, content=b64(skimage_data / "chelsea.png"), operation="flop",
                       output={"to": "agree.jpeg", "format": "jpg"})
    assert result["format"] == "jpeg" and (output_dir / "agree.jpeg").exists()


@pytest.mark.parametrize("output", [{"to": "../escape.png"}, {"to": "sub/../../escape.png"}, {"to": "/tmp/absolute.png"}])
def test_output_to_refused(worker, skimage_data, tmp_root, output):
    body = refused(worker, {"content": b64(skimage_data / "chelsea.png"), "operation": "flop", "output": output})
    assert "output" in body, body
    assert not (tmp_root / "escape.png").exists()


def test_a_format_contradicting_the_extension_fails_naming_both(worker, skimage_data, output_dir):
    # The schema cannot compare two fields, so this is a failed task (as README says), not a 422.
    error = rejected(worker, content=b64(skimage_data / "chelsea.png"), operation="flop", output={"to": "x.jpg", "format": "png"})
    assert "output.format" in error and "png" in error and "jpeg" in error, error
    assert not (output_dir / "x.jpg").exists()


# --- sources ----------------------------------------------------------------------------------------

def test_image_path_source(worker, images_dir):
    path = images_dir / "sub" / "astronaut.png"
    result = completed(worker, image_path="sub/astronaut.png", operation="flip")
    source = result["input"]
    assert source["kind"] == "image_path" and source["format"] == "png" and source["bytes"] == path.stat().st_size
    assert (source["width"], source["height"], source["pages"]) == (512, 512, 1)
    assert np.array_equal(array(result), comparable(path)[::-1])
    again = completed(worker, image_path=str(path), operation="flip")
    assert again["image"] == result["image"], "an absolute path inside IMAGES_DIR is the same file"


@pytest.mark.parametrize("image_path", ["../outside.png", "sub/../../outside.png", "OUTSIDE", "/etc/passwd", "leads-out.png",
                                        "a-directory.png", "fifo.png", "missing.png", "sub"])
def test_image_path_confined(worker, images_dir, image_path):
    if image_path == "OUTSIDE":
        image_path = str(images_dir.parent / "outside.png")
    text = rejected(worker, image_path=image_path, operation="flip")  # a FIFO opened blocking would hang here
    assert "image_path" in text, (image_path, text)


def test_content_source(worker, skimage_data):
    # Whether the base64 decodes is checked when the task runs (the schema does not decode 25 MB strings).
    text = rejected(worker, content="%%% not base64 %%%", operation="flip")
    assert "content" in text and "base64" in text, text
    result = completed(worker, content=b64(skimage_data / "rocket.jpg"), operation="flip")
    assert result["input"]["kind"] == "content" and result["input"]["format"] == "jpeg"


def test_url_source(worker, skimage_data, files_server):
    url = f"http://127.0.0.1:{files_server.port}/coffee.png"
    result = completed(worker, url=url, operation="flop")
    assert result["input"]["kind"] == "url" and result["input"]["url"] == url
    assert result["input"]["bytes"] == (skimage_data / "coffee.png").stat().st_size
    assert np.array_equal(array(result), comparable(skimage_data / "coffee.png")[:, ::-1])
    jpeg = completed(worker, url=f"http://127.0.0.1:{files_server.port}/rocket.jpg", operation="analyze")
    assert (jpeg["width"], jpeg["height"], jpeg["format"]) == (640, 427, "jpeg")
    error = failed(worker, url=f"http://127.0.0.1:{files_server.port}/missing.png", operation="flop")
    assert "404" in error or "url" in error, error


def test_sources_refused_without_configuration(limited, files_server):
    error = failed(limited, image_path="sub/astronaut.png", operation="flip")
    assert error.startswith("image_path") or "image_path: reading files is off" in error, error
    assert "IMAGES_DIR" in error, error
    # Loopback is refused without FETCH_ALLOW (the SSRF guard), whether at submit time or when fetching.
    rejected(limited, url=f"http://127.0.0.1:{files_server.port}/coffee.png", operation="flop")


def test_output_to_refused_without_output_dir(limited, skimage_data):
    error = failed(limited, content=b64(skimage_data / "chelsea.png"), operation="flop", output={"to": "x.png"})
    assert "output.to" in error, error


# --- parameters -------------------------------------------------------------------------------------

def test_bad_parameters_are_refused_naming_the_field(worker, skimage_data):
    png = b64(skimage_data / "horse.png")
    cases = [
        ({"content": png, "operation": "flip", "operations": [{"op": "flip"}]}, ["operation"]),
        ({"content": png}, ["operation"]),
        ({"content": png, "operation": "explode"}, ["operation", "explode"]),
        ({"content": png, "operations": [{"op": "flip"}, {"op": "explode"}]}, ["operations[1].op"]),
        ({"content": png, "operations": [{"flip": True}]}, ["operations[0]"]),
        ({"content": png, "operations": []}, ["operations"]),
        ({"content": png, "operation": "resize", "options": {"widht": 10}}, ["widht"]),
        ({"content": png, "operations": [{"op": "resize", "width": 10, "colour": "red"}]}, ["colour"]),
        ({"content": png, "operations": [{"op": "analyze"}, {"op": "flip"}]}, ["analyze", "operations[0].op"]),
        ({"content": png, "operations": [{"op": "flip"}, {"op": "analyze"}]}, ["analyze", "operations[1].op"]),
        ({"content": png, "operation": "analyze", "output": {"format": "png"}}, ["output"]),
        ({"content": png, "operation": "flip", "output": {"quality": 0}}, ["quality"]),
        ({"content": png, "operation": "flip", "output": {"quality": 101}}, ["quality"]),
        ({"content": png, "operation": "flip", "output": {"format": "bmp"}}, ["format"]),
        ({"content": png, "operation": "flip", "output": {"shape": "round"}}, ["shape"]),
        ({"content": png, "operation": "extend", "options": {"left": 2, "background": "#ggg"}}, ["background"]),
        ({"content": png, "operation": "extend", "options": {"left": 2, "background": [300, 0, 0]}}, ["background"]),
        ({"content": png, "operation": "extend", "options": {"left": 2, "background": "bluish"}}, ["background"]),
        ({"content": png, "operation": "extend", "options": {"left": -1}}, ["left"]),
        ({"content": png, "operations": [{"op": "flip"}] * 17}, ["operations", "max_steps"]),
        ({"content": png, "operation": "resize", "options": {"width": 10, "fit": "squash"}}, ["fit"]),
        ({"content": png, "operation": "resize", "options": {"width": 10, "kernel": "box"}}, ["kernel"]),
        ({"content": png, "operation": "composite", "options": {"overlay": "mark.png", "opacity": 2}}, ["opacity"]),
        ({"content": png, "operation": "filter", "options": {"filter": "emboss"}}, ["filter", "emboss"]),
        ({"content": png, "operation": "convert", "options": {"format": "svg"}}, ["format"]),
        ({"content": png, "operation": "analyze", "options": {"bins": 0}}, ["bins"]),
        ({"content": png, "operation": "analyze", "options": {"bins": 257}}, ["bins"]),
        ({"content": png, "operation": "analyze", "options": {"colours": 17}}, ["colours"]),
        ({"content": png, "operation": "flip", "page": -1}, ["page"]),
        ({"content": png, "operation": "flip", "auto_orient": "yes"}, ["auto_orient"]),
        ({"content": png, "operation": "flip", "bogus": 1}, ["bogus"]),
        ({"content": png, "image_path": "sub/astronaut.png", "operation": "flip"}, ["content", "image_path", "source"]),
        ({"content": png, "url": "http://127.0.0.1/x.png", "operation": "flip"}, ["content", "url", "source"]),
        ({"operation": "flip"}, ["content", "image_path", "url", "source"]),
    ]
    for parameters, names in cases:
        body = refused(worker, parameters)
        assert any(name in body for name in names), (names, body)


def test_sixteen_steps_are_allowed(worker, skimage_data):
    result = completed(worker, content=b64(skimage_data / "horse.png"), operations=[{"op": "flip"}] * 16)
    assert result["steps"] == ["flip"] * 16
    assert np.array_equal(array(result), comparable(skimage_data / "horse.png")), "an even number of flips"


# --- hostile input ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bomb() -> bytes:
    return png_bomb(30000, 30000)


@pytest.mark.parametrize("operation,options", [("thumbnail", {"width": 10, "height": 10}), ("resize", {"width": 10}),
                                               ("analyze", {}), ("convert", {"format": "png"})])
def test_png_bomb_refused_naming_max_megapixels(worker, bomb, operation, options):
    assert len(bomb) < 1_000_000
    started = time.monotonic()
    error = failed(worker, content=b64(bomb), operation=operation, options=options)
    print(f"30000x30000 PNG bomb, {operation}: refused in {time.monotonic() - started:.3f} s")
    assert "max_megapixels" in error, error


def test_jpeg_header_bomb_refused(worker):
    error = failed(worker, content=b64(jpeg_header_bomb()), operation="thumbnail", options={"width": 10, "height": 10})
    assert "max_megapixels" in error, error


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def hostile(skimage_data: Path, pillow_images: Path, name: str) -> bytes:
    if name == "svg":
        return SVG
    if name == "pdf":
        return PDF
    if name == "pdf-png-polyglot":
        return PDF + (skimage_data / "horse.png").read_bytes()
    if name == "png-magic-svg-body":
        return b"\x89PNG\r\n\x1a\n" + SVG
    if name == "bmp":
        return (pillow_images / "hopper.bmp").read_bytes()
    if name == "junk":
        return bytes(range(256)) * 10
    raise KeyError(name)


@pytest.mark.parametrize("name,codes", [("svg", {"unsupported_format"}), ("pdf", {"unsupported_format"}),
                                        ("pdf-png-polyglot", {"unsupported_format"}), ("bmp", {"unsupported_format"}),
                                        ("junk", {"unsupported_format"}), ("png-magic-svg-body", {"corrupt", "unsupported_format"})])
@pytest.mark.parametrize("operation", ["flip", "analyze"])
def test_other_formats_fail_cleanly(worker, skimage_data, pillow_images, name, codes, operation):
    error = failed(worker, content=b64(hostile(skimage_data, pillow_images, name)), operation=operation)
    assert any(code in error for code in codes), (name, error)


@pytest.mark.parametrize("name", ["astronaut.png", "rocket.jpg", "retina.jpg"])
@pytest.mark.parametrize("fraction", [0.2, 0.6, 0.95])
def test_truncated_files_fail_cleanly(worker, skimage_data, name, fraction):
    data = (skimage_data / name).read_bytes()
    error = failed(worker, content=b64(data[: int(len(data) * fraction)]), operation="resize", options={"width": 50})
    assert "corrupt" in error, error


def test_corrupted_png_fails_cleanly(worker, skimage_data):
    data = bytearray((skimage_data / "astronaut.png").read_bytes())
    for offset in range(len(data) // 3, len(data) // 3 + 4000, 7):
        data[offset] ^= 0x5A
    assert "corrupt" in failed(worker, content=b64(bytes(data)), operation="convert", options={"format": "jpeg"})


def test_empty_content_fails_cleanly(worker):
    rejected(worker, content="", operation="flip")


def test_pillow_broken_files_never_crash(worker, pillow_images):
    names = [p for p in sorted(pillow_images.iterdir())
             if p.is_file() and any(k in p.name for k in ("broken", "truncated", "crash", "oom", "corrupt", "invalid"))]
    assert len(names) >= 10
    for path in names:
        if path.stat().st_size > 20 << 20:
            continue
        task = run(worker, content=b64(path), operation="convert", options={"format": "png"})
        if task["status"] == "failed":
            assert re.search(r"corrupt|unsupported_format|max_|empty|invalid|too_large|failed", task["error"]), (path.name, task["error"])


# --- limits (the `limited` worker) ------------------------------------------------------------------

def test_within_the_limits_still_works(limited, skimage_data):
    """The small limits refuse what is over them only: the same worker does an ordinary task."""
    path = skimage_data / "astronaut.png"
    assert path.stat().st_size < 1 << 20
    result = completed(limited, content=b64(path), operation="resize", options={"width": 100})
    assert (result["width"], result["height"]) == (100, 100)


def test_max_input_mb(limited):
    noise = np.random.default_rng(19).integers(0, 256, (700, 700, 3), dtype=np.uint8)  # 0.49 megapixels
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG")
    assert len(buffer.getvalue()) > 1 << 20
    error = failed(limited, content=b64(buffer.getvalue()), operation="flip")
    assert "max_input_mb" in error, error


def test_max_megapixels(limited, bomb):
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1000), (30, 60, 90)).save(buffer, "PNG")  # 1.2 megapixels in a few kB
    assert len(buffer.getvalue()) < 100_000
    error = failed(limited, content=b64(buffer.getvalue()), operation="flip")
    assert "max_megapixels" in error, error
    started = time.monotonic()
    error = failed(limited, content=b64(bomb), operation="thumbnail", options={"width": 10, "height": 10})
    print(f"30000x30000 PNG bomb on the limited worker: refused in {time.monotonic() - started:.3f} s")
    assert "max_megapixels" in error, error


def test_max_frames(limited, pillow_images):
    path = pillow_images / "iss634.gif"
    with Image.open(path) as image:
        assert image.n_frames > LIMITS["max_frames"] and image.width * image.height < 1_000_000
    assert path.stat().st_size < 1 << 20
    error = failed(limited, content=b64(path), operation="flip")
    assert "max_frames" in error, error


@pytest.mark.parametrize("operation,options", [("resize", {"width": 2000}), ("extend", {"left": 600}),
                                               ("pad", {"width": 1200, "height": 600}), ("resize", {"scale": 3})])
def test_max_output_dimension(limited, skimage_data, operation, options):
    error = failed(limited, content=b64(skimage_data / "camera.png"), operation=operation, options=options)
    assert "max_output_dimension" in error, error


def test_workers_survived(worker, limited):
    assert worker.alive, worker.log_text()[-4000:]
    assert limited.alive, limited.log_text()[-4000:]
    healthy(worker)
    healthy(limited)


# --- cancellation and deadlines -------------------------------------------------------------------

def _long_blur(worker: WorkerProc, images_dir: Path, **options: Any) -> str:
    """Submits a blur that runs for many seconds (sigma 150 over a 6000x6000 JPEG) and returns its id
    once it is running."""
    big = images_dir / "big-for-cancel.jpg"
    if not big.exists():
        with Image.open(images_dir / "sub" / "astronaut.png") as image:
            image.convert("RGB").resize((6000, 6000)).save(big, quality=90)
    code, body = worker.http("POST", "/execute", {"task_type": TASK, "options": options,
                                                  "parameters": {"image_path": big.name, "operation": "blur", "options": {"sigma": 150}}})
    assert code == 202, body
    task_id = body["task_id"]
    deadline = time.monotonic() + 30
    while worker.http("GET", f"/task/{task_id}")[1]["status"] != "processing":
        assert time.monotonic() < deadline, "the task never started"
        time.sleep(0.05)
    time.sleep(0.5)  # inside libvips' computation by now
    return task_id


def _finished(worker: WorkerProc, task_id: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        task = worker.http("GET", f"/task/{task_id}")[1]
        if task["status"] not in ("pending", "processing"):
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.1)


def test_a_cancelled_pipeline_stops_without_its_process_being_killed(worker, images_dir):
    """libvips' computation watches the task: a cancel stops it within the host's grace (2 s), so the
    runner child is not killed (which would take other tasks in it down too)."""
    task_id = _long_blur(worker, images_dir)
    assert worker.http("DELETE", f"/task/{task_id}")[0] in (200, 202)
    assert _finished(worker, task_id)["status"] == "cancelled"
    time.sleep(3)  # past CANCEL_GRACE_SECONDS: a child that had not stopped would have been killed by now
    assert "did not stop" not in worker.log_text(), worker.log_text()[-3000:]
    # The same child goes on working.
    assert completed(worker, image_path="sub/astronaut.png", operation="flip")["steps"] == ["flip"]


def test_a_pipeline_past_its_deadline_times_out_without_a_kill(worker, images_dir):
    task_id = _long_blur(worker, images_dir, timeout_s=2)
    task = _finished(worker, task_id)
    assert task["status"] == "failed" and "time" in task["error"], task
    time.sleep(3)
    assert "did not stop" not in worker.log_text(), worker.log_text()[-3000:]
