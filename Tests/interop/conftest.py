"""Fixtures every interop module shares."""
import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def tmp_root(request):
    """A scratch directory for the module's servers, workers and files, removed after it."""
    root = Path(tempfile.mkdtemp(prefix=f"uvw-{request.module.__name__}-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)
