"""The deployment files the Debian package and the container image are made of, checked without
building either: the env file covers README's configuration table, the packaged plugins.yaml is the
repository's with the package's paths, and the unit passes `systemd-analyze verify`."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def readme_variables() -> list[str]:
    text = (REPO / "README.md").read_text()
    table = text.split("\n## Configuration\n", 1)[1].split("\n### ", 1)[0]
    names = []
    for line in table.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1])
    assert len(names) > 40, names
    return names


def test_env_file_names_every_variable_of_the_readme():
    env = (REPO / "deploy/env").read_text()
    named = set(re.findall(r"(?m)^#?([A-Z][A-Z0-9_]*)=", env))
    missing = [name for name in readme_variables() if name not in named]
    assert not missing, f"deploy/env lacks {missing}"
    # What is set (not commented) is the package's layout.
    settings = dict(re.findall(r"(?m)^([A-Z][A-Z0-9_]*)=(.*)$", env))
    assert settings["DATA_DIR"] == "/var/lib/uvian-worker"
    assert settings["PLUGINS_CONFIG"] == "/etc/uvian-worker/plugins.yaml"
    assert settings["LOG_FORMAT"] == "json"


def test_packaged_plugins_yaml():
    result = subprocess.run([sys.executable, str(REPO / "deploy/debian/packaged_plugins_yaml.py"), str(REPO / "plugins.yaml")],
                            capture_output=True, text=True, check=True)
    packaged = yaml.safe_load(result.stdout)
    repository = yaml.safe_load((REPO / "plugins.yaml").read_text())
    names = [entry["name"] for entry in packaged["plugins"]]
    assert names == [entry["name"] for entry in repository["plugins"] if entry["name"] != "hello-c"]
    assert set(names) == {"data", "chat", "scraping", "ml", "script", "documents", "images"}
    script = next(entry for entry in packaged["plugins"] if entry["name"] == "script")
    assert script["config"]["helper_dir"] == "/usr/share/uvian-worker/python"
    assert "UVW_CONFIG_DIR" not in result.stdout
    # Everything but the rewritten paths is the repository's: limits, isolation, config keys.
    for entry in packaged["plugins"]:
        original = next(e for e in repository["plugins"] if e["name"] == entry["name"])
        assert {k: v for k, v in entry.items() if k != "config"} == {k: v for k, v in original.items() if k != "config"}
        assert set(entry.get("config", {})) == set(original.get("config", {}))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_unit_verifies(tmp_path):
    # verify wants the ExecStart binary to exist: a copy of the unit pointing at a stand-in.
    unit = (REPO / "deploy/uvian-worker.service").read_text()
    stand_in = tmp_path / "uvian-worker"
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    copy = tmp_path / "uvian-worker.service"
    copy.write_text(unit.replace("/usr/bin/uvian-worker", str(stand_in)))
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
    assert result.returncode == 0 and "uvian-worker.service" not in result.stderr, result
