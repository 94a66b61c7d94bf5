"""Real images for the Images library's differential tests, fetched at test time and never committed:
scikit-image's bundled images from its PyPI wheel (photographs and scans in PNG and JPEG, 8- and
16-bit, grey, RGB, RGBA) and Pillow's test images from its sdist (every format, EXIF orientations
1-8 in JPEG and WebP, animations, broken files). Both pinned; cached under
${XDG_CACHE_HOME:-/tmp}/uvw-images-*. The functions are pytest fixtures: test modules import them."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

SKIMAGE = "scikit-image==0.24.0"
PILLOW_SDIST = "pillow==11.0.0"


def _cache(name: str) -> Path:
    path = Path(os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pip_download(spec: str, into: Path, *flags: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "download", spec, "--no-deps", "-d", str(into), "-q", *flags], check=True)


@pytest.fixture(scope="session")
def skimage_data() -> Path:
    cache = _cache("uvw-images-skimage")
    target = cache / "data"
    if not (target / "skimage" / "data" / "astronaut.png").exists():
        wheels = list(cache.glob("scikit_image-0.24.0-*.whl"))
        if not wheels:
            _pip_download(SKIMAGE, cache, "--only-binary", ":all:")
            wheels = list(cache.glob("scikit_image-0.24.0-*.whl"))
        with zipfile.ZipFile(wheels[0]) as wheel:
            for name in wheel.namelist():
                if name.startswith("skimage/data/") and name.endswith((".png", ".jpg")):
                    wheel.extract(name, target)
    return target / "skimage" / "data"


@pytest.fixture(scope="session")
def pillow_images() -> Path:
    cache = _cache("uvw-images-pillow")
    images = cache / "x" / "pillow-11.0.0" / "Tests" / "images"
    if not (images / "hopper.jpg").exists():
        sdist = cache / "pillow-11.0.0.tar.gz"
        if not sdist.exists():
            _pip_download(PILLOW_SDIST, cache, "--no-binary", ":all:")
        with tarfile.open(sdist) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("pillow-11.0.0/Tests/images/") and m.isfile()]
            archive.extractall(cache / "x", members=members, filter="data")
    return images
