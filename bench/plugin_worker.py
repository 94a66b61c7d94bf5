"""A release worker for the plugin benchmarks: the repository's plugins.yaml with one plugin entry's
config changed, on a free loopback port, the embedded store in a temporary directory, and helpers
that read its processes' memory from /proc."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "interop"))

from plugins_yaml import with_plugin_config  # noqa: E402


def status_kb(pid: int, key: str) -> int:
    """A kB field of /proc/PID/status (VmRSS, VmHWM), 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class PluginWorker:
    def __init__(self, bin_dir: Path, plugin: str, task_type: str, config: dict, env: dict[str, str]):
        """`env` adds variables (DOCUMENTS_DIR, IMAGES_DIR); FETCH_ALLOW, the servers' URLs and the
        other plugins' directories never leak in from the bench's own environment."""
        self.task_type = task_type
        self.workdir = Path(tempfile.mkdtemp(prefix=f"uvw-bench-{plugin}-"))
        plugins = self.workdir / "plugins.yaml"
        text = (REPO / "plugins.yaml").read_text().replace("${UVW_WORKER_DIR}", str(bin_dir))
        plugins.write_text(with_plugin_config(text.replace("path: Plugins/", f"path: {REPO}/Plugins/"), plugin, config))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        dropped = ("FETCH_ALLOW", "DATABASE_URL", "REDIS_URL", "DOCUMENTS_DIR", "IMAGES_DIR", "IMAGES_OUTPUT_DIR")
        environment = {k: v for k, v in os.environ.items() if k not in dropped}
        environment.update(PORT=str(self.port), HOST="127.0.0.1", DATA_DIR=str(self.workdir / "data"),
                           PLUGINS_CONFIG=str(plugins), LOG_LEVEL="warning", UVW_CONFIG_DIR=str(REPO), **env)
        self.proc = subprocess.Popen([str(bin_dir / "uvian-worker"), "serve"], env=environment, cwd=self.workdir,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("the worker did not start")
                time.sleep(0.05)

    def execute(self, parameters: dict, wait: int = 300) -> dict:
        """`POST /execute?wait`: the result of a completed task, else an error with what came back."""
        body = json.dumps({"task_type": self.task_type, "parameters": parameters}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/execute?wait={wait}", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=wait + 10) as response:
                task = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"POST /execute: {error.code} {error.read()[:500]!r}") from None
        if task.get("status") != "completed":
            raise RuntimeError(f"{self.task_type} did not complete: {str(task)[:500]}")
        return task["result"]

    def descendants(self) -> list[int]:
        """The worker's plugin runners and whatever they started (a tool in the sandbox)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int(re.search(r"(?m)^PPid:\s+(\d+)", (entry / "status").read_text()).group(1))
                except (OSError, AttributeError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        found, queue = [], [self.proc.pid]
        while queue:
            pid = queue.pop()
            for child in children.get(pid, []):
                found.append(child)
                queue.append(child)
        return found

    def runner_peak_kb(self) -> int:
        """The highest VmHWM among the worker's descendants (the plugin's runner processes)."""
        return max((status_kb(pid, "VmHWM") for pid in self.descendants()), default=0)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        shutil.rmtree(self.workdir, ignore_errors=True)
