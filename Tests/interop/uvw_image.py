"""Runs the uvw-image executable (a command and its arguments in, JSON out) and compares pixels.
UVW_IMAGE names the executable, else the debug build; `uvw_image` is a pytest fixture."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("UVW_IMAGE") or PACKAGE / ".build" / "debug" / "uvw-image")


@pytest.fixture(scope="session")
def uvw_image() -> Path:
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `swift build` first")
    return BINARY

import json
import struct
import subprocess
import zlib

import numpy as np
from PIL import Image, ImageOps


def run(binary, *args, expect_ok=True):
    """Runs uvw-image; returns (report, returncode). A crash (negative return code) always fails."""
    proc = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=120)
    assert proc.returncode >= 0, f"uvw-image crashed with signal {-proc.returncode}: {proc.stderr}"
    report = json.loads(proc.stdout)
    if expect_ok:
        assert proc.returncode == 0, report
    return report, proc.returncode


def pixels(path, mode=None):
    with Image.open(path) as image:
        image.load()
        if mode:
            image = image.convert(mode)
        return np.asarray(image)


def comparable(path):
    """Pillow's decoding, in the band layout libvips reports (palette and 1-bit images expanded)."""
    with Image.open(path) as image:
        image.load()
        if image.mode == "P":
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        elif image.mode == "1":
            image = image.convert("L")
        elif image.mode == "PA":
            image = image.convert("RGBA")
        array = np.asarray(image)
    return array if array.ndim == 3 else array[:, :, None]


def psnr(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def assert_upright(out, pillow_images, orientation, suffix="jpg"):
    """`out` (RGB pixels) is Pillow's hopper with EXIF orientation `orientation` turned upright by
    `ImageOps.exif_transpose`, and clearly not the stored (sideways or mirrored) pixels, so that a
    pass proves the orientation was applied."""
    name = f"hopper.{suffix}" if orientation == 1 else f"hopper_orientation_{orientation}.{suffix}"
    with Image.open(pillow_images / name) as image:
        assert image.getexif().get(0x0112, 1) == orientation
        upright = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
        stored = np.asarray(image.convert("RGB"))
    assert out.shape == upright.shape
    assert psnr(out, upright) >= 35
    if orientation != 1:
        assert stored.shape != out.shape or psnr(out, stored) < 25


def assert_stats_equal_numpy(report, path):
    """An analysis's size and per-band statistics equal numpy's over Pillow's decoding of `path`
    (population standard deviation, within 1e-3)."""
    expected = comparable(path).astype(np.float64)
    assert (report["width"], report["height"], report["bands"]) == (expected.shape[1], expected.shape[0], expected.shape[2])
    assert len(report["stats"]) == expected.shape[2]
    for band, stats in enumerate(report["stats"]):
        values = expected[:, :, band]
        assert stats["mean"] == pytest.approx(values.mean(), abs=1e-3)
        assert stats["stdev"] == pytest.approx(values.std(), abs=1e-3)
        assert stats["min"] == values.min() and stats["max"] == values.max()


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width, height):
    """A valid 1-bit greyscale PNG of zeros: 30000 x 30000 is about 100 KB on disk."""
    row = b"\x00" + bytes((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def jpeg_header_bomb():
    """A real 16x16 JPEG whose SOF0 header is rewritten to claim 65000 x 65000."""
    import io
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)
    return bytes(data)
