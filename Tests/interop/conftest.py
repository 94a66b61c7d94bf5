"""Fixtures every interop module shares."""
import shutil
import tempfile
from pathlib import Path

import pytest

# Session fixtures of the image tests: the fetched images and the uvw-image executable.
from images_corpus import pillow_images, skimage_data
from uvw_image import uvw_image

__all__ = ["tmp_root", "pillow_images", "skimage_data", "uvw_image"]


@pytest.fixture(scope="module")
def tmp_root(request):
    """A scratch directory for the module's servers, workers and files, removed after it."""
    root = Path(tempfile.mkdtemp(prefix=f"uvw-{request.module.__name__}-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)
