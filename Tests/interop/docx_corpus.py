"""Real .docx files for the differential tests, fetched at test time into a cache directory (never
committed): python-docx's own test files from its PyPI sdist (`pip download --no-binary :all:`), the
template Debian's python3-docx ships, and pandoc's reference.docx, which Debian's pandoc-data ships
unpacked (usr/share/pandoc/data/docx/) and which is zipped back here (`apt-get download`, dpkg-deb)."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from debian_packages import unpacked

SDIST = "python-docx==1.2.0"


def _cache(name: str) -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()) / name


def sdist_files() -> list[Path]:
    root = _cache("uvw-docx-sdist")
    if not (root / ".complete").exists():
        root.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
                        "-d", str(root), SDIST], check=True, capture_output=True)
        with tarfile.open(sorted(root.glob("python_docx-*.tar.gz"))[-1]) as archive:
            members = [m for m in archive.getmembers() if m.name.endswith(".docx") and m.isfile()]
            archive.extractall(root / "x", members=members, filter="data")
        (root / ".complete").touch()
    return sorted((root / "x").rglob("*.docx"))


def debian_files() -> list[Path]:
    root = unpacked("uvw-docx-debian", ["python3-docx", "pandoc-data"])
    zipped = root.parent / "pandoc-reference.docx"
    if not zipped.exists():
        data = root / "usr" / "share" / "pandoc" / "data" / "docx"
        with zipfile.ZipFile(str(zipped) + ".partial", "w", zipfile.ZIP_DEFLATED) as z:
            for file in sorted(data.rglob("*")):
                if file.is_file():
                    z.write(file, file.relative_to(data).as_posix())
        os.replace(str(zipped) + ".partial", zipped)
    return sorted(root.rglob("*.docx")) + [zipped]
