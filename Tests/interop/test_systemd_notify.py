"""The worker's side of systemd's `Type=notify` and `WatchdogSec=`: the `sd_notify` datagrams it
sends on `$NOTIFY_SOCKET`, read here from a real Unix datagram socket as systemd would."""
from __future__ import annotations

import socket
from contextlib import contextmanager
import time
import urllib.request
from pathlib import Path

from test_worker_interop import WorkerProc, worker_env, write_plugins_yaml, prerequisites  # noqa: F401


class NotifySocket:
    """A bound `SOCK_DGRAM` Unix socket that collects each datagram with the time it came."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.05)
        self.messages: list[tuple[float, dict[str, str]]] = []

    def collect(self, until, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not until():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
            self.messages.append((time.monotonic(), fields))

    def with_key(self, key: str) -> list[tuple[float, dict[str, str]]]:
        return [(at, fields) for at, fields in self.messages if key in fields]

    def close(self) -> None:
        self.sock.close()


def _health(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
        return response.status


@contextmanager
def notified_worker(tmp_root: Path, name: str, **env: str):
    """A worker whose `$NOTIFY_SOCKET` (unless `env` names none) is a socket of this test's; yields
    both, and ends both."""
    workdir = tmp_root / name
    workdir.mkdir()
    plugins = workdir / "plugins.yaml"
    write_plugins_yaml(plugins)
    notify = NotifySocket(workdir / "notify.sock")
    settings = {"NOTIFY_SOCKET": str(notify.path), **env}
    worker_settings = worker_env(workdir, plugins, **{k: v for k, v in settings.items() if v is not None})
    if settings["NOTIFY_SOCKET"] is None:
        worker_settings.pop("NOTIFY_SOCKET", None)
    worker = WorkerProc(worker_settings, workdir)
    try:
        worker.start()
        yield worker, notify
    finally:
        worker.kill9()
        notify.close()


def test_ready_watchdog_and_stopping(tmp_root, prerequisites):  # noqa: F811
    # WATCHDOG_USEC of 0.4 s: a ping every 0.2 s.
    with notified_worker(tmp_root, "notify", WATCHDOG_USEC="400000") as (worker, notify):
        notify.collect(lambda: len(notify.with_key("WATCHDOG")) >= 5, timeout=10)
        ready = notify.with_key("READY")
        assert len(ready) == 1 and ready[0][1]["READY"] == "1", notify.messages
        # Sent once the port listens and the plugins are loaded: the API answers, with them.
        assert _health(worker.port) == 200
        assert str(worker.port) in ready[0][1].get("STATUS", "")
        pings = [at for at, _ in notify.with_key("WATCHDOG")]
        assert len(pings) >= 5, notify.messages
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        assert max(gaps) < 0.4 * 3, gaps  # well inside systemd's limit even on a loaded machine
        worker.terminate()
        notify.collect(lambda: bool(notify.with_key("STOPPING")), timeout=10)
        assert notify.with_key("STOPPING"), notify.messages
        worker.wait_stopped(10)
        assert worker.proc.returncode == 0, worker.log_text()[-2000:]


def test_watchdog_pid_of_another_process_means_no_pings(tmp_root, prerequisites):  # noqa: F811
    with notified_worker(tmp_root, "notify-other", WATCHDOG_USEC="200000", WATCHDOG_PID="1") as (_, notify):
        notify.collect(lambda: False, timeout=1.5)
        assert notify.with_key("READY"), notify.messages
        assert not notify.with_key("WATCHDOG"), notify.messages


def test_without_notify_socket_nothing_changes(tmp_root, prerequisites):  # noqa: F811
    with notified_worker(tmp_root, "notify-none", NOTIFY_SOCKET=None) as (worker, notify):
        assert _health(worker.port) == 200
        assert not any(e.get("message") == "systemd.notify.failed" for e in worker.log_entries())
        notify.collect(lambda: False, timeout=0.5)
        assert not notify.messages
