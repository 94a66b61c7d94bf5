"""The Debian package, installed on this machine (`scripts/test-deb.sh` builds it, installs it with
`apt-get install ./uvian-worker_….deb`, runs this module, then purges it): its files, its user, its
unit, and the installed binary run as the `uvian` user with the installed configuration, serving one
task of every built-in type over HTTP. PID 1 here is not systemd, so the worker is started the way
the unit would start it: as `uvian`, with no_new_privs and an empty capability bounding set, the
environment from /etc/uvian-worker/env, and a `$NOTIFY_SOCKET` to say READY on."""
from __future__ import annotations

import base64
import http.server
import io
import os
import grp
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "interop"))
from test_systemd_notify import NotifySocket  # noqa: E402
from test_worker_interop import WorkerProc  # noqa: E402

LIB = Path("/usr/lib/uvian-worker")
ETC = Path("/etc/uvian-worker")
PLUGINS = ["Chat", "Data", "Documents", "Images", "Ml", "Scraping", "Script"]


def run(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, **kwargs)


def test_the_package_is_installed_with_its_files():
    status = run("dpkg-query", "-W", "-f", "${Status}", "uvian-worker")
    assert status.stdout == "install ok installed", status
    listed = set(run("dpkg", "-L", "uvian-worker").stdout.split())
    for path in ["/usr/bin/uvian-worker", f"{LIB}/uvian-worker", f"{LIB}/uvw-sandbox-launch",
                 *[f"{LIB}/lib{name}Plugin.so" for name in PLUGINS], f"{LIB}/uvian-worker_UvianHost.resources",
                 f"{ETC}/env", f"{ETC}/plugins.yaml", "/lib/systemd/system/uvian-worker.service",
                 "/usr/sbin/uvian-worker-install-data", "/usr/share/uvian-worker/python/uvw.py",
                 "/usr/share/uvian-worker/scripts/data_analysis.py", "/usr/share/doc/uvian-worker/copyright"]:
        assert path in listed, path
        assert os.path.exists(path), path
    assert os.path.realpath("/usr/bin/uvian-worker") == f"{LIB}/uvian-worker"
    assert set(run("dpkg-query", "-W", "-f", "${Conffiles}", "uvian-worker").stdout.split()) >= {f"{ETC}/env", f"{ETC}/plugins.yaml"}
    # The example plugin is not part of the package, nor named by its configuration.
    assert "hello-c" not in (ETC / "plugins.yaml").read_text()


def test_the_binaries_need_no_swift_toolchain():
    """Every library the binary and the plugins load resolves inside the package or to a Debian
    package: RUNPATH is $ORIGIN alone, and ldd finds nothing under /opt."""
    for path in [LIB / "uvian-worker", LIB / "uvw-sandbox-launch", *[LIB / f"lib{name}Plugin.so" for name in PLUGINS]]:
        dynamic = run("readelf", "-d", str(path)).stdout
        runpaths = [line for line in dynamic.splitlines() if "RUNPATH" in line or "RPATH" in line]
        assert all("[$ORIGIN]" in line for line in runpaths), (path, runpaths)
        resolved = run("ldd", str(path)).stdout
        assert "not found" not in resolved and "/opt/" not in resolved, (path, resolved)
        for line in resolved.splitlines():
            if "=>" in line and "swift" in line.lower():
                assert str(LIB) in line, (path, line)


def test_the_system_user_and_its_directories():
    user = pwd.getpwnam("uvian")
    assert user.pw_uid < 1000 and user.pw_dir == "/var/lib/uvian-worker" and user.pw_shell == "/usr/sbin/nologin"
    data = os.stat("/var/lib/uvian-worker")
    assert (data.st_uid, stat.S_IMODE(data.st_mode)) == (user.pw_uid, 0o750)
    env = os.stat(ETC / "env")
    assert (env.st_uid, env.st_gid, stat.S_IMODE(env.st_mode)) == (0, grp.getgrnam("uvian").gr_gid, 0o640)
    # The postinst fetched the data files (this machine reaches PyPI).
    assert (Path("/var/cache/uvian-worker/models/vader/vader_lexicon.txt")).is_file()
    assert (Path("/var/cache/uvian-worker/script-venv/bin/python3")).exists()


def test_the_unit_verifies():
    result = run("systemd-analyze", "verify", "/lib/systemd/system/uvian-worker.service")
    assert result.returncode == 0, result
    assert "uvian-worker.service" not in result.stderr, result.stderr
    unit = Path("/lib/systemd/system/uvian-worker.service").read_text()
    for line in ["Type=notify", "User=uvian", "EnvironmentFile=/etc/uvian-worker/env", "ExecReload=/bin/kill -HUP $MAINPID",
                 "Restart=on-failure", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n", "ProtectSystem=strict",
                 "ReadWritePaths=/var/lib/uvian-worker", "PrivateTmp=yes", "ProtectHome=yes", "WatchdogSec="]:
        assert line in unit, line


# ---------------------------------------------------------------------------------------------
# The installed worker, run as the unit runs it
# ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def installed_env() -> dict[str, str]:
    """/etc/uvian-worker/env as systemd reads it (VAR=value lines; comments and blanks skipped)."""
    env = {}
    for line in (ETC / "env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    return env


PAGE = b"""<!doctype html><html><head><title>Package test</title></head>
<body><h1>Installed and serving</h1><ul><li class="item">one</li><li class="item">two</li></ul></body></html>"""


class PageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


class Installed(WorkerProc):
    """The installed worker, started by the fixture below; `http` is the interop suite's."""

    def __init__(self, env: dict[str, str], scratch: Path, port: int, proc: subprocess.Popen, pages_port: int):
        super().__init__(env, scratch)
        self.port, self.proc, self.log, self.pages_port = port, proc, scratch / "worker.log", pages_port

    def execute(self, task_type: str, parameters: dict) -> dict:
        """The task's result; it must have completed."""
        code, task = self.http("POST", "/execute?wait=60", {"task_type": task_type, "parameters": parameters}, timeout=90)
        assert code in (200, 202), task
        assert task["status"] == "completed", (task, self.log.read_text()[-3000:])
        return task["result"]


@pytest.fixture(scope="module")
def installed():
    # Not under pytest's own temporary directory (root's alone): the worker, as uvian, must reach
    # the notify socket.
    scratch = Path(tempfile.mkdtemp(prefix="uvw-package-test-"))
    os.chmod(scratch, 0o755)
    pages = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    standin = subprocess.Popen([sys.executable, str(REPO / "Tests/interop/runpod_standin.py"), "--port", "0", "--api-key", "pkg-key"],
                               stdout=subprocess.PIPE, text=True)
    standin_port = int(standin.stdout.readline().split()[-1])
    notify = NotifySocket(scratch / "notify.sock")
    os.chmod(scratch / "notify.sock", 0o777)
    port = free_port()
    env = installed_env()
    env.update({
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/var/lib/uvian-worker", "LANG": "C.UTF-8", "PORT": str(port),
        "NOTIFY_SOCKET": str(scratch / "notify.sock"), "SHUTDOWN_TIMEOUT": "5",
        "FETCH_ALLOW": f"127.0.0.1:{pages.server_address[1]}",
        "RUNPOD_BASE_URL": f"http://127.0.0.1:{standin_port}/v2", "RUNPOD_ENDPOINT_ID": "pkg", "RUNPOD_API_KEY": "pkg-key",
    })
    log = scratch / "worker.log"
    # As the unit: User=uvian, NoNewPrivileges=yes, CapabilityBoundingSet= (empty), WorkingDirectory.
    argv = ["setpriv", "--reuid=uvian", "--regid=uvian", "--init-groups", "--no-new-privs", "--bounding-set=-all",
            "--inh-caps=-all", "--", "/usr/bin/uvian-worker", "serve"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=env, cwd="/var/lib/uvian-worker", stdout=out, stderr=out, stdin=subprocess.DEVNULL)
    try:
        notify.collect(lambda: bool(notify.with_key("READY")) or proc.poll() is not None, timeout=120)
        assert notify.with_key("READY"), (notify.messages, log.read_text()[-3000:])
        yield Installed(env, scratch, port, proc, pages.server_address[1])
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        standin.terminate()
        pages.shutdown()
        notify.close()
        shutil.rmtree(scratch, ignore_errors=True)


def test_it_runs_as_uvian_and_reports_ready(installed):
    status = Path(f"/proc/{installed.proc.pid}/status").read_text()
    uid = pwd.getpwnam("uvian").pw_uid
    assert f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}" in status
    assert "CapBnd:\t0000000000000000" in status and "NoNewPrivs:\t1" in status
    code, health = installed.http("GET", "/health")
    assert code == 200, health
    code, plugins = installed.http("GET", "/plugins")
    assert code == 200
    states = {entry["name"]: (entry["state"], entry["error"]) for entry in plugins["plugins"]}
    assert states == {name: ("loaded", None) for name in ["data", "chat", "scraping", "ml", "script", "documents", "images"]}, states


def test_data_processing(installed):
    result = installed.execute("data_processing", {"operation": "statistics", "data": [2, 4, 4, 4, 5, 5, 7, 9]})
    assert result["mean"] == 5 and result["median"] == 4.5


def test_ml_inference_matches_vadersentiment(installed):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    text = "The food was GREAT!!! :)"
    result = installed.execute("ml_inference", {"model_type": "sentiment", "input_data": [text]})
    expected = SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    assert abs(result["results"][0]["compound"] - expected) < 1e-4, result
    embedded = installed.execute("ml_inference", {"model_type": "embedding", "input_data": ["installed from a .deb"]})
    assert embedded["dimensions"] == 384


def test_web_scraping(installed):
    result = installed.execute("web_scraping", {"url": f"http://127.0.0.1:{installed.pages_port}/page.html", "selector": "li.item",
                                                "extract": ["text"]})
    assert [match["text"] for match in result["matches"]] == ["one", "two"], result


def test_document_processing_in_the_sandbox(installed):
    """A PDF: pdftotext runs in the bubblewrap sandbox, here as the unprivileged service user."""
    from reportlab.pdfgen import canvas
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "Installed package reads this PDF")
    pdf.save()
    result = installed.execute("document_processing", {"content": base64.b64encode(buffer.getvalue()).decode()})
    assert result["document_type"] == "pdf" and "Installed package reads this PDF" in result["text"], result


def test_image_processing(installed):
    from PIL import Image
    source = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(source, format="PNG")
    result = installed.execute("image_processing", {"content": base64.b64encode(source.getvalue()).decode(),
                                                    "operation": "resize", "options": {"width": 32}, "output": {"format": "png"}})
    image = Image.open(io.BytesIO(base64.b64decode(result["image"])))
    assert image.size == (32, 24) and image.getpixel((16, 12))[:3] == (200, 30, 30)


def test_chat(installed):
    code, conversation = installed.http("POST", "/conversations", {"title": "package"})
    assert code in (200, 201), conversation
    result = installed.execute("chat", {"conversation_id": conversation["conversation_id"], "message": "hello there"})
    assert "hello there" in result["content"], result


FORK_SCRIPT = """
import os, time, uvw
children = []
try:
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            time.sleep(20)
            os._exit(0)
        children.append(pid)
except OSError:
    pass
for pid in children:
    os.kill(pid, 9)
uvw.result({"forked": len(children)})
"""


def test_custom_script_as_a_non_root_service(installed):
    """The sandbox without root: a run counts its own processes against its limit (64 in the
    shipped plugins.yaml), even while the service's user has more than that many elsewhere."""
    uid = pwd.getpwnam("uvian").pw_uid
    sleepers = [subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sleep", "60"])
                for _ in range(80)]
    try:
        result = installed.execute("custom_script", {"script": "import uvw\nuvw.result(sum(uvw.args))", "args": [1, 2, 3.5]})
        assert result["result"] == 6.5 and result["exit_code"] == 0, result
        forked = installed.execute("custom_script", {"script": FORK_SCRIPT})["result"]["forked"]
        assert 40 <= forked < 64, forked
    finally:
        for sleeper in sleepers:
            sleeper.kill()
            sleeper.wait()


def test_sighup_rereads_plugins_yaml(installed):
    """What `systemctl reload` does (ExecReload sends SIGHUP): plugins.yaml read again, the worker
    serving on."""
    installed.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while '"plugins.synced"' not in installed.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert '"plugins.synced"' in installed.log.read_text(), installed.log.read_text()[-2000:]
    assert installed.execute("data_processing", {"operation": "sum", "data": [1, 2, 3]})["sum"] == 6


def test_sigterm_stops_it_cleanly(installed):
    installed.proc.terminate()
    assert installed.proc.wait(30) == 0, installed.log.read_text()[-3000:]


def test_offline_install_data_says_what_to_run(tmp_path):
    """Installed without PyPI: the data installer fails naming what is missing and what to run."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(tmp_path), "ML_MODEL_DIR": str(tmp_path / "models"),
           "SCRIPT_VENV": str(tmp_path / "venv"), "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_NO_CACHE_DIR": "1",
           "PIP_RETRIES": "0", "PIP_TIMEOUT": "2"}
    result = run("/usr/sbin/uvian-worker-install-data", env=env, timeout=300)
    assert result.returncode == 1, result
    assert "model files could not be fetched" in result.stderr and "custom_script venv could not be made" in result.stderr, result.stderr
    assert "uvian-worker-install-data" in result.stderr


@pytest.fixture
def shared_tmp():
    """A scratch directory the `uvian` user can reach (pytest's own is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="uvw-package-test-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_ml_inference_without_its_files_names_the_installer(shared_tmp):
    """Until the data files are fetched, ml_inference fails with the reason and the command to run."""
    tmp_path = shared_tmp
    empty = tmp_path / "no-models"
    empty.mkdir()
    env = installed_env()
    env.update({"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/var/lib/uvian-worker", "ML_MODEL_DIR": str(empty),
                "DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "error"})
    (tmp_path / "data").mkdir()
    shutil.chown(tmp_path / "data", "uvian", "uvian")
    result = run("setpriv", "--reuid=uvian", "--regid=uvian", "--init-groups", "--", "/usr/bin/uvian-worker", "run", "ml_inference",
                 '{"model_type":"sentiment","input_data":["fine"]}', env=env, cwd="/var/lib/uvian-worker", timeout=120)
    assert result.returncode == 2, result
    assert "uvian-worker-install-data" in result.stdout + result.stderr, result


def test_user_namespaces_refused_are_explained_at_start(shared_tmp):
    """Where no user namespace may be created (here: the worker inside a bwrap --disable-userns
    namespace, as it would be inside a sandbox that forbids nesting), the sandboxed plugins refuse
    to load and say what is in the way. (The kernel settings themselves cannot be changed on this
    machine: UserNamespacesTests covers each one on a stand-in /proc/sys.)"""
    env = installed_env()
    env.update({"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/var/lib/uvian-worker", "DATA_DIR": str(shared_tmp / "data"),
                "LOG_LEVEL": "error"})
    (shared_tmp / "data").mkdir()
    shutil.chown(shared_tmp / "data", "uvian", "uvian")
    result = run("setpriv", "--reuid=uvian", "--regid=uvian", "--init-groups", "--",
                 "bwrap", "--unshare-user", "--disable-userns", "--bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--",
                 "/usr/bin/uvian-worker", "plugins", env=env, cwd="/var/lib/uvian-worker", timeout=120)
    assert result.returncode == 1, result
    listing = result.stdout
    for plugin in ["script", "documents"]:
        section = listing.split(f"\n{plugin}: ", 1)[1].split("\n\n", 1)[0]
        assert section.startswith("refused") and "user namespace limit is reached" in section, listing
    assert "data 1.0.0: loaded" in listing, listing
