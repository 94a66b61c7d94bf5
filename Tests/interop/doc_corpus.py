"""Real HTML pages for the scraping tests: the Python 3.11 documentation from Debian's
python3.11-doc, fetched with `apt-get download` at test time into a cache directory (never
committed), unpacked with dpkg-deb."""
from __future__ import annotations

from pathlib import Path

from debian_packages import unpacked


def corpus_dir() -> Path:
    return unpacked("uvw-html-differential", ["python3.11-doc"]) / "usr" / "share" / "doc" / "python3.11" / "html"
