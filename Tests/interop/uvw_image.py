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
import subprocess

import numpy as np
from PIL import Image


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
