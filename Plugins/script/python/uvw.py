"""Helpers for custom_script jobs: the task's arguments, progress reports and the result.

The worker copies this file into the job directory (/job inside the sandbox) beside args.json and
the script, so `import uvw` finds it. Standard library only: a script may use none of the venv.

    import uvw
    data = uvw.args["data"]
    uvw.progress(0.5, "half way")
    uvw.result({"rows": len(data)})
"""
import json
import math
import numbers
import os
import sys

__all__ = ["args", "progress", "result", "fail", "jsonable", "JOB_DIR"]

# /job inside the sandbox; UVW_JOB_DIR only lets tests run a script outside it.
JOB_DIR = os.environ.get("UVW_JOB_DIR", "/job")


def _load_args():
    try:
        with open(os.path.join(JOB_DIR, "args.json"), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


# The task's `args` (any JSON value), or None when the job has no args.json.
args = _load_args()

_NOTE_LIMIT = 500
_progress_fd = None  # looked up on first use; False when there is no channel or it has gone


def _channel():
    global _progress_fd
    if _progress_fd is None:
        try:
            _progress_fd = int(os.environ["UVW_PROGRESS_FD"])
        except (KeyError, ValueError):
            _progress_fd = False
    return _progress_fd


def progress(fraction, note=None):
    """Report how far the script is, 0..1 (clamped), with an optional note (cut to 500 characters).
    Does nothing when the worker is not listening, and never fails because it went away."""
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real):
        # numpy registers its scalars as numbers.Real; anything else is a mistake worth seeing at once.
        raise TypeError(f"progress fraction must be a number, not {type(fraction).__name__}")
    fraction = float(fraction)
    fraction = 0.0 if math.isnan(fraction) else min(1.0, max(0.0, fraction))
    if note is not None:
        note = str(note)[:_NOTE_LIMIT]
    fd = _channel()
    if fd is False:
        return
    line = (json.dumps({"progress": fraction, "note": note}, ensure_ascii=False) + "\n").encode("utf-8")
    global _progress_fd
    try:
        # Straight to the descriptor, unbuffered, so each report reaches the worker when it is made.
        # A line is at most ~2 KB, under PIPE_BUF, so one write carries it whole; the loop is a guard.
        while line:
            line = line[os.write(fd, line):]
    except OSError:
        # EPIPE/EBADF: the worker has stopped reading; the script's own work still matters.
        _progress_fd = False


def jsonable(obj):
    """obj as plain JSON values: NaN and ±inf become None, numpy scalars/arrays and pandas objects
    become Python numbers, lists and dicts (by duck typing, so uvw never imports them)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, dict):
        return {_key(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    return jsonable(_default(obj))


def _key(key):
    # json.dumps accepts str/int/float/bool/None keys; a numpy or pandas key becomes its plain value.
    if isinstance(key, (str, int, float, bool)) or key is None:
        return key
    plain = _default(key)
    return plain if isinstance(plain, (str, int, float, bool)) or plain is None else str(plain)


def _default(obj):
    """One step from a library object to something plainer (the json `default=` hook)."""
    if type(obj).__name__ in ("NAType", "NaTType"):  # pandas' missing values, like NaN
        return None
    if hasattr(obj, "to_dict"):  # pandas DataFrame {column: {label: value}} and Series {label: value}
        return obj.to_dict()
    if hasattr(obj, "tolist"):  # numpy arrays and scalars, pandas Index
        return obj.tolist()
    if hasattr(obj, "item"):  # other scalars that hold one plain value
        return obj.item()
    if hasattr(obj, "isoformat"):  # datetime, date, pandas Timestamp
        return obj.isoformat()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def result(obj):
    """Write the job's result to <job>/out.json; called again, the last call wins."""
    text = json.dumps(jsonable(obj), ensure_ascii=False, allow_nan=False, default=_default)
    path = os.path.join(JOB_DIR, "out.json")
    temporary = path + f".{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(text)
    # The worker never sees a half-written result.
    os.replace(temporary, path)


def fail(message, code=1):
    """End the script with message on stderr (the worker reports its last lines as the task's error)."""
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)
