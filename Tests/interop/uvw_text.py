"""Runs the uvw-text executable (JSON on stdin, JSON on stdout). UVW_TEXT names it, else the debug build."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("UVW_TEXT") or PACKAGE / ".build" / "debug" / "uvw-text")


def call(request: dict) -> dict:
    result = subprocess.run([str(BINARY)], input=json.dumps(request), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"uvw-text failed: {result.stderr}")
    return json.loads(result.stdout)


def stop_words_file() -> Path:
    """Where scripts/install-models.sh puts the list: $ML_MODEL_DIR/stop-words/english.txt."""
    models = os.environ.get("ML_MODEL_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uvian-worker" / "models"
    )
    return Path(models) / "stop-words" / "english.txt"


def load_stop_words() -> list[str]:
    return [w.strip() for w in stop_words_file().read_text(encoding="utf-8").splitlines() if w.strip()]
