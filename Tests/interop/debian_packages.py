"""Real text and pages for the tests, from Debian packages fetched with `apt-get download` at test
time into a cache directory (never committed) and unpacked with dpkg-deb."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path


def unpacked(cache_name: str, packages: list[str]) -> Path:
    """The root the packages are unpacked under (`<cache>/<cache_name>/x`), downloaded on first use.
    The cache is $XDG_CACHE_HOME, else the system's temporary directory."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()) / cache_name
    root = base / "x"
    if (root / ".complete").exists():
        return root
    base.mkdir(parents=True, exist_ok=True)
    download = ["apt-get", "download", *packages]
    if subprocess.run(download, cwd=base, capture_output=True).returncode != 0:
        # A machine whose package lists were never fetched knows no package yet.
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(download, cwd=base, check=True, capture_output=True)
    for package in packages:
        deb = sorted(base.glob(f"{package}_*.deb"))[-1]
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    (root / ".complete").touch()
    return root
