"""The custom_script task type end to end: a real worker process with the repository's plugins.yaml,
its sandbox (bubblewrap through uvw-sandbox-launch) and the scripts' venv that `make deps` installs
(scripts/install-script-env.sh). Every attack of the issue is run through the worker's HTTP API
and must be contained with a clear result while the worker stays healthy; the shipped scripts are
judged on real data against pandas, scikit-learn and BeautifulSoup run directly
(script_reference.py); progress events, cancellation, odd JSON and the egress proxy are checked.

The sandbox needs root here (a uid per slot), as CI runs. Every limit is the shipped one."""
from __future__ import annotations

import http.server
import json
import os
import re
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

import script_reference
from test_chat import SSEReader, repository_plugins_yaml
from test_worker_interop import REPO, WORKER_BIN, WorkerProc, worker_env

SCRIPT_PLUGIN = REPO / ".build" / "debug" / "libScriptPlugin.so"
SLOT_UIDS = range(100_000, 100_999)


def start(tmp_root: Path, **extra: str) -> WorkerProc:
    workdir = tmp_root / f"worker-{uuid.uuid4().hex[:6]}"
    workdir.mkdir(parents=True)
    plugins = workdir / "plugins.yaml"
    repository_plugins_yaml(plugins)
    env = worker_env(workdir, plugins, **extra)
    return WorkerProc(env, workdir).start()


@pytest.fixture(scope="module")
def worker(tmp_root):
    if not WORKER_BIN.exists() or not SCRIPT_PLUGIN.exists():
        pytest.skip("the debug build is missing (.build/debug/uvian-worker, libScriptPlugin.so)")
    if os.geteuid() != 0:
        pytest.skip("the sandbox's uid per slot needs root (CI runs as root)")
    if not Path(script_reference.venv_python()).exists():
        pytest.fail(f"the scripts' venv is missing ({script_reference.venv_python()}): run `bash scripts/install-script-env.sh`")
    proc = start(tmp_root)
    yield proc
    proc.terminate()
    proc.wait_stopped()


def run(worker: WorkerProc, script: str, wait: int = 60, alone: bool = True, **parameters: Any) -> dict:
    task = worker.execute("custom_script", {"script": script, **parameters}, wait=wait)
    # Whatever the script did, the worker is still answering and (when no other script runs beside
    # it: `alone`) no process of a slot uid is left.
    assert worker.http("GET", "/health")[0] == 200
    if alone:
        assert leftover_processes() == [], "a sandboxed process outlived its job"
    return task


def run_at_once(jobs: list[tuple[WorkerProc, str]], **parameters: Any) -> list[dict]:
    """Runs the scripts concurrently (one thread each); checks the host is clean after them all."""
    results: list[dict] = []
    threads = [threading.Thread(target=lambda w=w, s=s: results.append(run(w, s, alone=False, **parameters)))
               for w, s in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(jobs), "a thread failed"
    assert leftover_processes() == [], "a sandboxed process outlived its job"
    return results


def completed(worker: WorkerProc, script: str, **parameters: Any) -> dict:
    task = run(worker, script, **parameters)
    assert task["status"] == "completed", task
    return task["result"]


def failed(worker: WorkerProc, script: str, **parameters: Any) -> dict:
    task = run(worker, script, **parameters)
    assert task["status"] == "failed", task
    assert task["result"] is not None, "a failed script keeps its result beside the error"
    return task


def leftover_processes() -> list[str]:
    """Processes on the host running as a sandbox slot uid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uid = int(re.search(r"(?m)^Uid:\s+(\d+)", status).group(1))
        if uid in SLOT_UIDS:
            found.append(f"{entry.name} uid {uid}: {status.splitlines()[0]}")
    return found


# --- the contract -------------------------------------------------------------------------------

ODD_ARGS = {
    "unicode": "żółć 漢字 \u2028 emoji 🧪 and a lone \\ backslash \"quoted\"",
    "control": "\u0000\u0001\t\n\r\u001f",
    "numbers": [0, -0.0, 1e-300, 1.7976931348623157e308, 2 ** 53, -(2 ** 53), 123456789.125],
    "nested": {"": {"a": [[], {}, [None, True, False]]}},
    "keys with \"quotes\" and \n newlines": None,
    "deep": [[[[[[[[[[["ten"]]]]]]]]]]],
}


def test_args_round_trip_through_args_json_and_the_helper_module(worker):
    script = ("import json, uvw\n"
              "raw = json.load(open('/job/args.json'))\n"
              "assert raw == uvw.args\n"
              "uvw.result({'args': uvw.args})\n")
    result = completed(worker, script, args=ODD_ARGS)
    assert result["result"] == {"args": ODD_ARGS}
    assert result["exit_code"] == 0 and result["signal"] is None and result["timed_out"] is False
    assert result["script"] == "inline"
    for key in ("duration_ms", "peak_memory_kb", "cpu_ms"):
        assert isinstance(result[key], int) and result[key] >= 0, key
    assert result["peak_memory_kb"] > 1000, "the run's peak RSS is the Python process's, not zero"


def test_the_result_is_out_json_else_the_last_stdout_line_if_json(worker):
    assert completed(worker, "print('working'); print('[1, 2, {\"x\": 3}]')")["result"] == [1, 2, {"x": 3}]
    assert completed(worker, "print('{\"a\": 1}'); print('done')")["result"] is None
    both = completed(worker, "import json; json.dump({'from': 'file'}, open('/job/out.json', 'w')); print('{\"from\": \"stdout\"}')")
    assert both["result"] == {"from": "file"}
    assert both["stdout"] == '{"from": "stdout"}\n'


def test_stdin_reaches_the_script(worker):
    text = "line one\nzwei ✓\n" * 1000
    result = completed(worker, "import sys, uvw; data = sys.stdin.read(); uvw.result({'n': len(data), 'head': data[:9]})", stdin=text)
    assert result["result"] == {"n": len(text), "head": "line one\n"}
    assert completed(worker, "import sys; print(repr(sys.stdin.read()))")["stdout"] == "''\n"


def test_a_non_zero_exit_fails_with_the_last_stderr_lines(worker):
    task = failed(worker, "import sys\nprint('partial output')\ndef f():\n    raise ValueError('bad row 7')\nf()")
    assert task["error"].startswith("exit code 1:"), task["error"]
    assert "ValueError: bad row 7" in task["error"]
    assert task["result"]["exit_code"] == 1
    assert task["result"]["stdout"] == "partial output\n"
    assert "Traceback" in task["result"]["stderr"]
    assert task["attempts"] == 1, "not retried unless the job's options say so"
    plain = failed(worker, "import sys; sys.exit(3)")
    assert plain["error"] == "exit code 3" and plain["result"]["exit_code"] == 3


def test_a_failed_script_is_retried_when_the_options_ask(worker):
    code, task = worker.http("POST", "/execute?wait=60", {
        "task_type": "custom_script", "parameters": {"script": "raise SystemExit('no luck')"},
        "options": {"attempts": 2, "backoff": {"type": "fixed", "delay": 10}}}, timeout=70)
    assert code in (200, 202) and task["status"] == "failed", task
    assert task["attempts"] == 2 and "no luck" in task["error"]


def test_bad_parameters_are_refused_naming_the_field(worker):
    for parameters, field in [({}, "script"), ({"script": "print(1)", "timeout_s": -1}, "timeout_s"),
                              ({"script": "print(1)", "stdin": 5}, "stdin"), ({"script": "print(1)", "bogus": 1}, "bogus")]:
        code, body = worker.http("POST", "/execute", {"task_type": "custom_script", "parameters": parameters})
        assert code == 422, (parameters, code, body)
        assert field in json.dumps(body), (field, body)
    task = run(worker, "no_such_script.py")
    assert task["status"] == "failed" and "no script named 'no_such_script.py'" in task["error"]
    assert "data_analysis.py" in task["error"], "the refusal lists the scripts there are"


# --- attacks ------------------------------------------------------------------------------------

def test_fork_bomb_is_stopped_by_the_process_limit(worker):
    script = ("import os, time\nn = 0\n"
              "try:\n    while True:\n        if os.fork() == 0:\n            time.sleep(60); os._exit(0)\n        n += 1\n"
              "except OSError as e:\n    print(n, e.errno)\n")
    result = completed(worker, script, timeout_s=30)
    forked, errno = map(int, result["stdout"].split())
    assert errno == 11 and 40 <= forked < 64, result["stdout"]  # EAGAIN at RLIMIT_NPROC (64 with bwrap's own)
    assert result["duration_ms"] < 20_000, "the sleeping children died with the job, not after 60 s"


def test_two_fork_bombs_at_once_each_get_their_own_limit(worker):
    script = ("import os, time\nn = 0\n"
              "try:\n    while True:\n        if os.fork() == 0:\n            time.sleep(60); os._exit(0)\n        n += 1\n"
              "except OSError:\n    pass\ntime.sleep(1)\nprint(os.getuid(), n)\n")
    results = run_at_once([(worker, script)] * 2, timeout_s=30)
    assert [task["status"] for task in results] == ["completed", "completed"], results
    (uid_a, n_a), (uid_b, n_b) = (map(int, task["result"]["stdout"].split()) for task in results)
    assert uid_a != uid_b and {uid_a, uid_b} <= set(SLOT_UIDS), "concurrent scripts run as different slot uids"
    assert n_a >= 40 and n_b >= 40, "one bomb did not eat the other's process budget"


def test_two_workers_on_one_machine_never_share_a_slot_uid(worker, tmp_root):
    # Each worker has its own 4 slots, but the uids are the machine's: the sandbox's slot locks
    # make the second worker move past the uids the first one is using.
    other = start(tmp_root)
    try:
        script = "import os, time\ntime.sleep(2)\nprint(os.getuid())"
        results = run_at_once([(w, script) for w in (worker, other) for _ in range(4)], timeout_s=30)
        assert [task["status"] for task in results] == ["completed"] * 8, results
        uids = [int(task["result"]["stdout"]) for task in results]
        assert len(set(uids)) == 8 and set(uids) <= set(SLOT_UIDS), uids
    finally:
        other.terminate()
        other.wait_stopped()


def test_memory_balloon_gets_memory_error(worker):
    task = failed(worker, "chunks = []\nwhile True:\n    chunks.append(bytearray(64 * 1024 * 1024))")
    assert "MemoryError" in task["error"]
    assert task["result"]["peak_memory_kb"] < 600 * 1024, "RLIMIT_AS (512 MB) bounded it"


def test_cpu_loop_is_killed_by_the_cpu_limit(worker):
    task = failed(worker, "while True:\n    pass", timeout_s=30)
    assert task["result"]["signal"] == 24 and task["result"]["exit_code"] is None
    assert "SIGXCPU" in task["error"] and "cpu_s" in task["error"]
    assert 9_500 <= task["result"]["cpu_ms"] <= 12_000  # cpu_s 10: SIGXCPU at 10 s, SIGKILL at 11


def test_sleep_past_the_timeout_is_killed(worker):
    task = failed(worker, "import time\nprint('started', flush=True)\ntime.sleep(120)", timeout_s=1.5)
    assert task["error"] == "timed out after 1.5 s"
    assert task["result"]["timed_out"] is True and task["result"]["stdout"] == "started\n"
    assert task["result"]["duration_ms"] < 5_000


def test_file_flood_hits_the_file_size_tmp_and_open_file_limits(worker):
    script = ("import errno, os, uvw\nout = {}\n"
              "def fill(path, total):\n"
              "    try:\n        with open(path, 'wb') as f:\n            for _ in range(total):\n                f.write(b'x' * 1024 * 1024)\n"
              "        return 'ok'\n    except OSError as e:\n        return errno.errorcode[e.errno]\n"
              "out['job_file'] = fill('/job/big.bin', 200)\n"
              "out['job_file_mb'] = os.path.getsize('/job/big.bin') // (1024 * 1024)\n"
              "out['tmp'] = fill('/tmp/big.bin', 200)\n"
              "files = []\n"
              "try:\n    while True:\n        files.append(open('/tmp/f%d' % len(files), 'w'))\n"
              "except OSError as e:\n    out['open'] = errno.errorcode[e.errno]; out['opened'] = len(files)\n"
              "for f in files:\n    f.close()\n"
              "uvw.result(out)\n")
    result = completed(worker, script)["result"]
    assert result["job_file"] == "EFBIG" and result["job_file_mb"] == 64, result  # file_size_mb
    assert result["tmp"] in ("ENOSPC", "EFBIG"), result  # tmp_mb (64) and file_size_mb (64) meet
    assert result["open"] == "EMFILE" and result["opened"] < 64, result


def test_huge_output_is_capped_and_the_rest_discarded(worker):
    result = completed(worker, "import sys\nfor _ in range(50):\n    sys.stdout.write('y' * (1 << 20))\nsys.stderr.write('e' * (3 << 20))\n")
    assert result["stdout_truncated"] is True and len(result["stdout"]) == 1 << 20
    assert result["stderr_truncated"] is True and len(result["stderr"]) == 1 << 20


def test_the_filesystem_outside_job_is_read_only_or_absent(worker):
    data_dir = worker.env["DATA_DIR"]
    script = ("import errno, os, uvw\nout = {}\n"
              "def attempt(name, action):\n"
              "    try:\n        action(); out[name] = 'ALLOWED'\n"
              "    except OSError as e:\n        out[name] = errno.errorcode.get(e.errno, str(e.errno))\n"
              "attempt('write_usr', lambda: open('/usr/pwned', 'w'))\n"
              "attempt('write_root', lambda: open('/pwned', 'w'))\n"
              "attempt('write_etc', lambda: open('/etc/pwned', 'w'))\n"
              "attempt('overwrite_args', lambda: open('/job/args.json', 'w'))\n"
              "attempt('remove_args', lambda: os.remove('/job/args.json'))\n"
              "attempt('write_venv', lambda: open('/opt/venv/pwned', 'w'))\n"
              "attempt('read_shadow', lambda: open('/etc/shadow').read())\n"
              "attempt('read_passwd', lambda: open('/etc/passwd').read())\n"
              f"attempt('read_data_dir', lambda: os.listdir({data_dir!r}))\n"
              "attempt('read_root_home', lambda: os.listdir('/root'))\n"
              "attempt('read_work', lambda: os.listdir('/work'))\n"
              "out['init_environ'] = open('/proc/1/environ', 'rb').read().decode() if os.access('/proc/1/environ', os.R_OK) else 'unreadable'\n"
              "out['own_environ'] = sorted(os.environ)\n"
              "uvw.result(out)\n")
    result = completed(worker, script, args={"x": 1})["result"]
    for key in ("write_usr", "write_root", "write_etc", "overwrite_args", "remove_args", "write_venv"):
        assert result[key] in ("EROFS", "EACCES", "EBUSY", "EPERM"), (key, result[key])
    for key in ("read_shadow", "read_passwd", "read_data_dir", "read_root_home", "read_work"):
        assert result[key] == "ENOENT", (key, result[key])
    assert result["init_environ"] in ("", "unreadable")
    assert set(result["own_environ"]) <= {"PATH", "HOME", "LANG", "OPENBLAS_NUM_THREADS", "PYTHONDONTWRITEBYTECODE",
                                          "PYTHONUNBUFFERED", "UVW_PROGRESS_FD", "LC_CTYPE", "PWD", "OMP_NUM_THREADS"}, result["own_environ"]


def test_kernel_interfaces_and_sockets_are_denied(worker):
    port = worker.port
    script = ("import ctypes, errno, os, socket, uvw\nout = {}\n"
              "libc = ctypes.CDLL(None, use_errno=True)\n"
              "out['ptrace'] = (libc.ptrace(0, 0, None, None), errno.errorcode[ctypes.get_errno()])\n"
              "out['unshare'] = (libc.unshare(0x10000000), errno.errorcode[ctypes.get_errno()])\n"
              "for name, family in [('inet', socket.AF_INET), ('inet6', socket.AF_INET6), ('netlink', socket.AF_NETLINK)]:\n"
              "    try:\n        socket.socket(family, socket.SOCK_STREAM if family != socket.AF_NETLINK else socket.SOCK_RAW); out[name] = 'ALLOWED'\n"
              "    except OSError as e:\n        out[name] = errno.errorcode[e.errno]\n"
              "status = open('/proc/self/status').read()\n"
              "out['no_new_privs'] = 'NoNewPrivs:\\t1' in status\n"
              "out['seccomp'] = 'Seccomp:\\t2' in status\n"
              "out['cap_eff'] = [l for l in status.splitlines() if l.startswith('CapEff')][0].split()[1]\n"
              "out['uid'] = os.getuid()\n"
              "out['pids'] = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
              "uvw.result(out)\n")
    result = completed(worker, script)["result"]
    assert result["ptrace"] == [-1, "EPERM"] and result["unshare"] == [-1, "EPERM"]
    assert result["inet"] == result["inet6"] == result["netlink"] == "EACCES"
    assert result["no_new_privs"] and result["seccomp"] and int(result["cap_eff"], 16) == 0
    assert result["uid"] in SLOT_UIDS
    assert len(result["pids"]) <= 3, "only bwrap's init and the script are visible"
    assert port  # the worker's own port is on the host's loopback, which the script's namespace does not have


def test_a_host_unix_socket_is_out_of_reach(worker):
    # The abstract unix namespace belongs to the network namespace: a listener on the host's is not
    # the sandbox's (AF_INET, for the worker's own HTTP port, is refused outright above).
    name = "\0uvw-test-" + uuid.uuid4().hex
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(name)
    listener.listen(1)
    try:
        script = ("import errno, socket, uvw\n"
                  "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
                  "try:\n    s.connect(uvw.args); r = 'connected'\n"
                  "except OSError as e:\n    r = errno.errorcode[e.errno]\n"
                  "uvw.result(r)\n")
        assert completed(worker, script, args=name)["result"] == "ECONNREFUSED"
    finally:
        listener.close()


def test_a_setuid_binary_gives_no_privilege(worker):
    mount = Path("/usr/bin/mount")
    assert mount.stat().st_mode & 0o4000 and mount.stat().st_uid == 0, "util-linux mount is setuid root on Debian"
    script = ("import subprocess, uvw\n"
              "p = subprocess.run(['/usr/bin/mount', '-t', 'tmpfs', 'none', '/tmp'], capture_output=True, text=True)\n"
              "uvw.result({'code': p.returncode, 'stderr': p.stderr})\n")
    result = completed(worker, script)["result"]
    assert result["code"] != 0
    # Run with the setuid bit honoured (euid 0, uid not), libmount would refuse `-t` itself ("only
    # root can use ..."); with no_new_privs it runs unprivileged, tries, and the kernel says EPERM.
    assert "only root can use" not in result["stderr"], result
    assert "must be superuser" in result["stderr"], result


def test_a_background_process_does_not_survive_the_job(worker):
    script = ("import subprocess, uvw\n"
              "p = subprocess.Popen(['/usr/bin/sleep', '300'], start_new_session=True)\n"
              "q = subprocess.Popen(['/usr/bin/python3', '-c', 'import os, time\\nif os.fork() == 0:\\n    os.setsid(); time.sleep(300)'])\n"
              "q.wait()\n"
              "uvw.result(p.pid)\n")
    completed(worker, script)  # `run` checks that no slot-uid process is left on the host


def test_symlinks_and_fifos_planted_in_job_are_not_followed(worker, tmp_root):
    canary = tmp_root / "canary.txt"
    canary.write_text("still here")
    canary.chmod(0o644)
    data_file = Path(worker.env["DATA_DIR"]) / "uvian.db"
    for target in ("/etc/shadow", str(data_file), str(canary)):
        task = failed(worker, f"import os\nos.symlink({target!r}, '/job/out.json')\n")
        assert "out.json must be a regular file" in task["error"], task["error"]
        assert task["result"]["result"] is None
    fifo = failed(worker, "import os\nos.mkfifo('/job/out.json')\n")
    assert "out.json must be a regular file" in fifo["error"]
    # Links to host paths left in the job directory: removing it must not touch their targets.
    script = (f"import os\nos.symlink({str(canary)!r}, '/job/link')\nos.symlink({str(tmp_root)!r}, '/job/dirlink')\n"
              "os.mkdir('/job/sub'); os.symlink('/', '/job/sub/root'); os.chmod('/job/sub', 0)\n")
    completed(worker, script)
    assert canary.read_text() == "still here"


def test_cancelling_a_running_script_kills_it(worker):
    code, task = worker.http("POST", "/execute", {"task_type": "custom_script",
                                                  "parameters": {"script": "import time\ntime.sleep(120)"}})
    assert code in (200, 201, 202), task
    task_id = task["task_id"]
    deadline = time.monotonic() + 20
    while worker.http("GET", f"/task/{task_id}")[1]["status"] != "processing":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    assert worker.http("DELETE", f"/task/{task_id}")[0] in (200, 202)
    started = time.monotonic()
    while worker.http("GET", f"/task/{task_id}")[1]["status"] == "processing":
        assert time.monotonic() - started < 5, "the cancel reached the sandbox at once"
        time.sleep(0.05)
    assert worker.http("GET", f"/task/{task_id}")[1]["status"] == "cancelled"
    assert leftover_processes() == []


def test_progress_reports_arrive_as_task_events(worker):
    reader = SSEReader(worker, "task_type=custom_script")
    try:
        script = ("import time, uvw\n"
                  "uvw.progress(0.25, 'loaded')\ntime.sleep(0.3)\n"
                  "uvw.progress(0.75, 'fitted')\ntime.sleep(0.3)\n"
                  "for i in range(1000):\n    uvw.progress(i / 1000)\n"
                  "uvw.result('done')\n")
        task = run(worker, script)
        assert task["status"] == "completed", task
        deadline = time.monotonic() + 5
        while not any(e.get("task_id") == task["task_id"] and e.get("event") == "task.completed" for e in reader.events):
            assert time.monotonic() < deadline, reader.events
            time.sleep(0.05)
    finally:
        reader.close()
    progress = [e["data"] for e in reader.events if e.get("task_id") == task["task_id"] and e.get("event") == "task.progress"]
    fractions = [e["progress"] for e in progress]
    assert 0.25 in fractions and 0.75 in fractions, progress
    notes = json.dumps(progress)
    assert "loaded" in notes and "fitted" in notes
    assert len(progress) < 100, "a tight loop of reports is throttled (at most one per 100 ms)"


# --- the shipped scripts on real data -------------------------------------------------------------

@pytest.mark.parametrize("name, cases", [
    ("data_analysis.py", script_reference.data_analysis_cases),
    ("ml_inference.py", script_reference.ml_inference_cases),
    ("web_scraper.py", script_reference.web_scraper_cases),
])
def test_shipped_scripts_equal_the_libraries_run_directly(worker, name, cases):
    checked = 0
    for args, expected in cases():
        result = completed(worker, name, args=args)
        assert result["script"] == name
        script_reference.compare(result["result"], expected)
        checked += 1
    assert checked >= 2


def test_shipped_scripts_refuse_bad_args_naming_the_field(worker):
    for name, args, message in script_reference.failure_cases():
        task = failed(worker, name + ".py", args=args)
        assert task["result"]["exit_code"] == 2, task
        assert message in task["error"], (message, task["error"])


# --- network on request -----------------------------------------------------------------------------

class Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "host": self.headers.get("Host")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


FETCH_SCRIPT = """import json, socket, ssl, urllib.request, uvw
out = {"ca_certificates": ssl.create_default_context().cert_store_stats()["x509_ca"]}
for url in uvw.args["urls"]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            out[url] = json.loads(response.read())
    except Exception as error:
        out[url] = str(error)
try:
    socket.create_connection(("127.0.0.1", uvw.args["direct_port"]), timeout=3)
    out["direct"] = "connected"
except OSError as error:
    out["direct"] = str(error)
uvw.result(out)
"""


@pytest.fixture(scope="module")
def network_worker(tmp_root, worker):
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    scripts = tmp_root / "scripts"
    scripts.mkdir()
    (scripts / "fetch.py").write_text(FETCH_SCRIPT)
    (scripts / "fetch_denied.py").write_text(FETCH_SCRIPT)
    proc = start(tmp_root, SCRIPTS_DIR=str(scripts), SCRIPT_NETWORK_SCRIPTS="fetch.py",
                 SCRIPT_NETWORK_ALLOW=f"127.0.0.1:{upstream.server_address[1]}")
    yield proc, upstream.server_address[1]
    proc.terminate()
    proc.wait_stopped()
    upstream.shutdown()


def test_a_network_script_reaches_allowed_hosts_through_the_proxy_only(network_worker):
    proc, upstream_port = network_worker
    allowed = f"http://127.0.0.1:{upstream_port}/data?q=1"
    urls = [allowed, f"http://127.0.0.1:{proc.port}/health", "http://169.254.169.254/latest/meta-data/",
            "http://10.20.30.40/", "http://[::1]:80/", f"http://localhost:{proc.port}/"]
    result = completed(proc, "fetch.py", args={"urls": urls, "direct_port": proc.port})
    out = result["result"]
    assert out[allowed] == {"path": "/data?q=1", "host": f"127.0.0.1:{upstream_port}"}
    assert out["ca_certificates"] > 50, "HTTPS needs the system's CA store, bound for network scripts"
    for url in urls[1:]:
        assert "403" in out[url], (url, out[url])
    # The host's loopback is not the sandbox's: a direct connection finds nobody listening.
    assert "Connection refused" in out["direct"]
    network = result["network"]
    assert network["connections"] == 1 and network["bytes_received"] > 0
    refused = " ".join(network["refused"])
    for needle in ("loopback", "link-local", "private", "::1"):
        assert needle in refused, (needle, refused)


def test_only_named_scripts_get_the_network(network_worker):
    proc, upstream_port = network_worker
    for script in ("fetch_denied.py", FETCH_SCRIPT):
        result = completed(proc, script, args={"urls": [], "direct_port": upstream_port})
        assert "Permission denied" in result["result"]["direct"], result
        assert result["result"]["ca_certificates"] == 0, "without the network, no /etc/ssl either"
        assert "network" not in result
