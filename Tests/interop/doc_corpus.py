"""Real HTML pages for the scraping tests: the Python 3.11 documentation from Debian's
python3.11-doc, fetched with `apt-get download` at test time into a cache directory (never
committed), unpacked with dpkg-deb."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path


def corpus_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()) / "uvw-html-differential"
    html = base / "x" / "usr" / "share" / "doc" / "python3.11" / "html"
    if html.is_dir():
        return html
    base.mkdir(parents=True, exist_ok=True)
    download = ["apt-get", "download", "python3.11-doc"]
    if subprocess.run(download, cwd=base, capture_output=True).returncode != 0:
        # A machine whose package lists were never fetched knows no package yet.
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(download, cwd=base, check=True, capture_output=True)
    deb = sorted(base.glob("python3.11-doc_*.deb"))[-1]
    subprocess.run(["dpkg-deb", "-x", str(deb), str(base / "x")], check=True)
    return html
