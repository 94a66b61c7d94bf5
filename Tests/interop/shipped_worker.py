"""A worker with the repository's own plugins.yaml (entries, isolation and limits as shipped), one
plugin entry's config keys changed, for the end-to-end tests of a plugin."""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Optional

import pytest

from plugins_yaml import with_plugin_config
from test_chat import repository_plugins_yaml
from test_worker_interop import WorkerProc, worker_env


def start_shipped_worker(tmp_root: Path, plugin: str, config: Optional[dict], variables: tuple[str, ...],
                         **env: str) -> WorkerProc:
    """`variables` are the environment variables the plugin's entry reads (DOCUMENTS_DIR,
    FETCH_ALLOW...): they come from `env` only, never leaking in from the test's own environment."""
    workdir = tmp_root / f"worker-{uuid.uuid4().hex[:6]}"
    workdir.mkdir(parents=True)
    plugins = workdir / "plugins.yaml"
    repository_plugins_yaml(plugins)
    text = plugins.read_text()
    if not re.search(rf"(?m)^  - name: {re.escape(plugin)}\b", text):
        pytest.fail(f"the repository's plugins.yaml has no `{plugin}` entry")
    if config:
        text = with_plugin_config(text, plugin, config)
    plugins.write_text(text)
    base = worker_env(workdir, plugins, **env)
    for key in variables:
        if key not in env:
            base.pop(key, None)
    return WorkerProc(base, workdir).start()
