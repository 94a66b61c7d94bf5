"""Runs uvw-docx (JSON in, JSON out). $UVW_DOCX overrides the debug build's path."""
import json
import os
import subprocess
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]


def uvw_docx() -> str:
    return os.environ.get("UVW_DOCX", str(PACKAGE / ".build" / "debug" / "uvw-docx"))


def run_docx(request: dict) -> dict:
    """Runs uvw-docx with `request` on stdin and returns its JSON answer."""
    done = subprocess.run([uvw_docx()], input=json.dumps(request).encode(), capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def read_docx(paths, limits=None) -> list[dict]:
    request = {"mode": "read", "paths": [str(p) for p in paths]}
    if limits:
        request["limits"] = limits
    return run_docx(request)["documents"]
