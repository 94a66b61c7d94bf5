"""Inputs and expected outputs for the custom_script tests of the shipped scripts (scripts/data_analysis.py,
ml_inference.py, web_scraper.py).

The inputs are real data: the CSV files bundled in scikit-learn's wheel inside the scripts' venv (iris,
wine, breast cancer, diabetes), and HTML pages from Debian packages fetched at test time (the Python
3.11 documentation, as the scraping tests use, and the Debian project history, as the entity tests use).

The expected outputs come from pandas, scikit-learn and BeautifulSoup called directly in the venv's
python (a subprocess, JSON in and out), never through the shipped scripts: per column and per group
with Series methods rather than DataFrame.describe/groupby, per fold by hand rather than
cross_val_score, with CSS selectors rather than find_all. Where both end in the same library call
(Series.quantile underneath describe, estimator.fit) they share it; the point is that a sandboxed run
equals the library run directly on real data.

    for args, expected in data_analysis_cases():      # also ml_inference_cases(), web_scraper_cases()
        actual = ...run scripts/data_analysis.py with args...
        compare(actual, expected)          # raises AssertionError naming the differences
"""
from __future__ import annotations

import csv
import functools
import gzip
import json
import math
import os
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

from debian_packages import unpacked
from doc_corpus import corpus_dir

REPO = Path(__file__).resolve().parents[2]
UVW_MODULE = REPO / "Plugins" / "script" / "python" / "uvw.py"


def script_path(name: str) -> Path:
    """A shipped script: script_path("data_analysis") is scripts/data_analysis.py."""
    return REPO / "scripts" / f"{name}.py"


def venv_dir() -> Path:
    """Where scripts/install-script-env.sh puts the venv (the same rule)."""
    if os.environ.get("SCRIPT_VENV"):
        return Path(os.environ["SCRIPT_VENV"])
    if os.getuid() == 0:
        return Path("/var/cache/uvian-worker/script-venv")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "uvian-worker" / "script-venv"


def venv_python() -> str:
    return str(venv_dir() / "bin" / "python3")


# The environment the sandbox gives a script, less the job directory.
SCRIPT_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def run_in_venv(program: str, payload):
    """Run a reference program in the venv's python: payload as JSON on stdin, its JSON stdout back."""
    done = subprocess.run([venv_python(), "-s", "-c", program], input=json.dumps(payload), capture_output=True,
                          text=True, env={**SCRIPT_ENV, "HOME": tempfile.gettempdir()})
    if done.returncode != 0:
        raise RuntimeError(f"reference program failed:\n{done.stderr}")
    return json.loads(done.stdout)


def run_script(name: str, args, memory_mb: int = 512, cpu_seconds: int = 10):
    """Run a shipped script outside the sandbox as it runs inside: a fresh job directory holding
    args.json, uvw.py and the script as cwd, UVW_JOB_DIR pointing at it, a progress pipe, the
    sandbox's address-space and CPU limits. Returns (exit code, out.json or None, stderr, progress lines)."""
    job = Path(tempfile.mkdtemp(prefix="uvw-script-job-"))
    try:
        (job / "args.json").write_text(json.dumps(args), encoding="utf-8")
        shutil.copy(UVW_MODULE, job / "uvw.py")
        shutil.copy(script_path(name), job / f"{name}.py")
        read_end, write_end = os.pipe()

        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

        env = {**SCRIPT_ENV, "HOME": str(job), "UVW_JOB_DIR": str(job), "UVW_PROGRESS_FD": str(write_end)}
        with open(read_end, "rb") as progress:
            try:
                done = subprocess.run([venv_python(), "-s", f"{name}.py"], cwd=job, env=env, capture_output=True,
                                      text=True, pass_fds=(write_end,), preexec_fn=limit, timeout=120)
            finally:
                os.close(write_end)
            lines = [json.loads(line) for line in progress.read().decode().splitlines()]
        out = job / "out.json"
        return done.returncode, json.loads(out.read_text(encoding="utf-8")) if out.exists() else None, done.stderr, lines
    finally:
        shutil.rmtree(job)


def differences(actual, expected, rel: float = 1e-9, abs_tol: float = 1e-12, path: str = "$") -> list[str]:
    """The differences between two JSON values, as "path: what" lines (empty when equal). Numbers
    match within rel (or abs_tol near zero), an int equals the same float; objects match whatever
    their key order; lists match element by element."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return [] if actual is expected else [f"{path}: {actual!r} != {expected!r}"]
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_tol):
            return []
        return [f"{path}: {actual!r} != {expected!r}"]
    if isinstance(expected, dict) and isinstance(actual, dict):
        problems = [f"{path}: missing key {k!r}" for k in expected if k not in actual]
        problems += [f"{path}: unexpected key {k!r}" for k in actual if k not in expected]
        for key in expected:
            if key in actual:
                problems += differences(actual[key], expected[key], rel, abs_tol, f"{path}.{key}")
        return problems
    if isinstance(expected, list) and isinstance(actual, list):
        if len(actual) != len(expected):
            return [f"{path}: {len(actual)} items != {len(expected)}"]
        return [p for i, (a, e) in enumerate(zip(actual, expected)) for p in differences(a, e, rel, abs_tol, f"{path}[{i}]")]
    return [] if actual == expected else [f"{path}: {actual!r:.200} != {expected!r:.200}"]


def compare(actual, expected, rel: float = 1e-9, abs_tol: float = 1e-12) -> None:
    """Raise AssertionError listing the differences (the first 20) unless actual equals expected
    as differences() judges."""
    found = differences(actual, expected, rel, abs_tol)
    if found:
        raise AssertionError(f"{len(found)} difference(s):\n" + "\n".join(found[:20]))


# ---------------------------------------------------------------- real data

def _number(text: str):
    return int(text) if text.lstrip("-").isdigit() else float(text)


@functools.lru_cache(maxsize=None)
def datasets() -> dict:
    """{name: {"features": [...], "classes": [...] or None, "X": rows, "y": values}} read from the CSV
    files in scikit-learn's wheel. The column names are scikit-learn's own (load_*().feature_names):
    the CSVs hold only numbers."""
    data_dir = next(venv_dir().glob("lib/python3*/site-packages/sklearn/datasets/data"))
    names = run_in_venv("import json; from sklearn import datasets as d; print(json.dumps({n: list(getattr(d, 'load_' + n)()"
                        ".feature_names) for n in ['iris', 'wine', 'breast_cancer', 'diabetes']}))", None)
    found = {}
    for name, file in [("iris", "iris.csv"), ("wine", "wine_data.csv"), ("breast_cancer", "breast_cancer.csv")]:
        with open(data_dir / file, newline="") as f:
            rows = list(csv.reader(f))
        # First line: rows, columns, then the class names; each row: the features, then the class number.
        classes = rows[0][2:]
        table = [[_number(v) for v in row] for row in rows[1:]]
        found[name] = {"features": names[name], "classes": classes,
                       "X": [row[:-1] for row in table], "y": [int(row[-1]) for row in table]}
    with gzip.open(data_dir / "diabetes_data_raw.csv.gz", "rt") as f:
        X = [[_number(v) for v in line.split()] for line in f if line.strip()]
    with gzip.open(data_dir / "diabetes_target.csv.gz", "rt") as f:
        y = [float(line) for line in f if line.strip()]
    found["diabetes"] = {"features": names["diabetes"], "classes": None, "X": X, "y": y}
    return found


def records(name: str, target: str = "class") -> list[dict]:
    """A data set as records, the class as its name (a regression target as its value) under target."""
    d = datasets()[name]
    labels = [d["classes"][v] for v in d["y"]] if d["classes"] else d["y"]
    return [{**dict(zip(d["features"], row)), target: label} for row, label in zip(d["X"], labels)]


def _split(rows: list) -> tuple[list, list]:
    """Every fifth row held out for prediction, the rest for training."""
    return [r for i, r in enumerate(rows) if i % 5], [r for i, r in enumerate(rows) if i % 5 == 0]


def html_pages() -> list[tuple[Path, str]]:
    """(page, the address it has on the web) for pages of python3.11-doc and debian-history."""
    docs = corpus_dir()
    history = unpacked("uvw-entities-corpus", ["fortunes", "debian-history"]) / "usr/share/doc/debian-history/docs"
    return [(docs / "library" / "functions.html", "https://docs.python.org/3.11/library/functions.html"),
            (docs / "library" / "string.html", "https://docs.python.org/3.11/library/string.html"),
            (docs / "tutorial" / "classes.html", "https://docs.python.org/3.11/tutorial/classes.html"),
            (history / "releases.en.html", "https://www.debian.org/doc/manuals/project-history/releases.en.html"),
            (history / "index.ja.html", "https://www.debian.org/doc/manuals/project-history/index.ja.html")]


# ---------------------------------------------------------------- data_analysis

_DATA_ANALYSIS = r'''
import json, math, sys
import pandas as pd

def plain(v):
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    v = v.item() if hasattr(v, "item") else v
    return None if v is pd.NA or (isinstance(v, float) and not math.isfinite(v)) else v

AGG = {"mean": pd.Series.mean, "sum": pd.Series.sum, "count": pd.Series.count, "min": pd.Series.min,
       "max": pd.Series.max, "median": pd.Series.median, "std": pd.Series.std, "nunique": pd.Series.nunique}

def analyse(args):
    df = pd.DataFrame(args["data"])
    group_by = args.get("group_by") or []
    group_by = [group_by] if isinstance(group_by, str) else group_by
    if args.get("columns"):
        df = df[args["columns"] + [g for g in group_by if g not in args["columns"]]]
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
    out = {"rows": len(df), "columns": list(df.columns), "dtypes": {c: str(df[c].dtype) for c in df.columns},
           "describe": {}, "missing": {c: int(df[c].isna().sum()) for c in df.columns},
           "correlation": {a: {b: df[a].corr(df[b]) for b in numeric} for a in numeric}}
    for c in df.columns:
        s = df[c]
        if c in numeric:
            q = s.quantile([0.25, 0.5, 0.75]).tolist()
            out["describe"][c] = {"count": s.count(), "mean": s.mean(), "std": s.std(), "min": s.min(),
                                  "25%": q[0], "50%": q[1], "75%": q[2], "max": s.max()}
        else:
            counts = s.value_counts()  # the most frequent first
            out["describe"][c] = {"count": s.count(), "unique": s.nunique(), "top": counts.index[0], "freq": counts.iloc[0]}
    if group_by:
        aggs = args.get("aggregations") or {c: ["mean", "sum", "count", "min", "max"] for c in numeric if c not in group_by}
        aggs = {c: [f] if isinstance(f, str) else f for c, f in aggs.items()}
        out["groups"] = []
        for key in sorted(set(df[group_by].itertuples(index=False, name=None))):
            mask = pd.Series(True, index=df.index)
            for column, value in zip(group_by, key):
                mask &= df[column] == value
            part = df[mask]
            out["groups"].append({"key": dict(zip(group_by, key)), "size": len(part),
                                  "values": {c: {f: AGG[f](part[c]) for f in fs} for c, fs in aggs.items()}})
    return plain(out)

print(json.dumps([analyse(args) for args in json.load(sys.stdin)]))
'''


def data_analysis_cases() -> list[tuple[dict, dict]]:
    iris, wine = records("iris", "species"), records("wine", "cultivar")
    # iris with holes: some rows lack a key, some hold null, as hand-made JSON often does
    holes = [{k: (None if k == "sepal length (cm)" and i % 11 == 0 else v) for k, v in row.items()
              if not (k == "petal width (cm)" and i % 7 == 0)} for i, row in enumerate(iris)]
    cases = [
        {"data": iris, "group_by": "species"},
        {"data": wine, "columns": ["alcohol", "malic_acid", "magnesium", "proline", "color_intensity"],
         "group_by": ["cultivar"], "aggregations": {"alcohol": ["mean", "std", "median"],
                                                    "proline": ["min", "max", "sum"], "magnesium": "nunique"}},
        {"data": records("breast_cancer", "diagnosis")},
        {"data": holes, "group_by": ["species"],
         "aggregations": {"petal width (cm)": ["count", "mean"], "sepal length (cm)": ["count", "max"]}},
        {"data": wine, "group_by": ["cultivar", "magnesium"], "aggregations": {"alcohol": "mean"}},
    ]
    # JSON objects reach a script with their keys sorted (the worker keeps parameters as parsed JSON,
    # whose objects are unordered, and writes them out sorted); the reference gets them the same way.
    cases = json.loads(json.dumps(cases, sort_keys=True))
    return list(zip(cases, run_in_venv(_DATA_ANALYSIS, cases)))


# ---------------------------------------------------------------- ml_inference

_ML_INFERENCE = r'''
import importlib, json, sys
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

def fit(case):
    module, name = case["estimator"].rsplit(".", 1)
    estimator = getattr(importlib.import_module(module), name)
    params = dict(case["params"])
    if "random_state" in estimator().get_params():
        params.setdefault("random_state", 0)
    model = estimator(**params)
    model = make_pipeline(StandardScaler(), model) if case["scale"] else model
    X, y, X_new = np.array(case["X"], dtype=float), np.array(case["y"]), np.array(case["X_new"], dtype=float)
    model.fit(X, y)
    classify = case["task"] == "classification"
    folds = (StratifiedKFold if classify else KFold)(n_splits=5)
    scores = [clone(model).fit(X[a], y[a]).score(X[b], y[b]) for a, b in folds.split(X, y)]
    last = model[-1] if case["scale"] else model
    return {"predictions": model.predict(X_new).tolist(),
            "probabilities": model.predict_proba(X_new).tolist() if classify and hasattr(model, "predict_proba") else None,
            "classes": model.classes_.tolist() if classify else None,
            "train_score": float(model.score(X, y)), "cv_score": float(np.mean(scores)),
            "feature_importances": last.feature_importances_.tolist() if hasattr(last, "feature_importances_") else None}

print(json.dumps([fit(case) for case in json.load(sys.stdin)]))
'''


def ml_inference_cases() -> list[tuple[dict, dict]]:
    """Each case: args for the script, and what the named scikit-learn estimator gives on the same
    numbers (the reference gets the matrices, the script may get records)."""
    sets = datasets()
    cases = []  # (args, reference input, fields of the result that come from the case itself)

    def add(args, estimator, task, X, y, X_new, features=None):
        reference = {"estimator": estimator, "task": task, "X": X, "y": y, "X_new": X_new,
                     "params": args.get("params", {}), "scale": args.get("scale", True)}
        cases.append((args, reference, {"model": args.get("model") or ("logistic_regression" if task == "classification"
                                                                       else "linear_regression"),
                                        "task": task, "features": features}))

    def matrix_case(name, estimator, task, labels=None, **args):
        d = sets[name]
        y = [labels[v] for v in d["y"]] if labels else d["y"]
        (X, X_new), (y_train, _) = _split(d["X"]), _split(y)
        add({"train": {"X": X, "y": y_train}, "predict": X_new, **args}, estimator, task, X, y_train, X_new)

    def records_case(name, target, estimator, task, features=None, **args):
        rows = records(name, target)
        features = features or sets[name]["features"]
        train, held_out = _split(rows)
        predict = [{f: r[f] for f in features} for r in held_out]
        # Records reach the script with sorted keys (see data_analysis_cases): `features` fixes the order.
        add({"train": train, "target": target, "predict": predict, "features": features, **args}, estimator, task,
            [[r[f] for f in features] for r in train], [r[target] for r in train],
            [[r[f] for f in features] for r in held_out], features)

    iris_names = sets["iris"]["classes"]
    matrix_case("iris", "sklearn.linear_model.LogisticRegression", "classification", iris_names)
    matrix_case("iris", "sklearn.svm.SVC", "classification", iris_names, model="svm", params={"C": 2.0})
    matrix_case("iris", "sklearn.tree.DecisionTreeClassifier", "classification", model="decision_tree",
                params={"max_depth": 3}, scale=False)
    records_case("wine", "cultivar", "sklearn.ensemble.RandomForestClassifier", "classification",
                 model="random_forest", params={"n_estimators": 20, "max_depth": 5})
    records_case("wine", "cultivar", "sklearn.naive_bayes.GaussianNB", "classification", model="naive_bayes")
    matrix_case("breast_cancer", "sklearn.neighbors.KNeighborsClassifier", "classification", model="knn",
                params={"n_neighbors": 7})
    records_case("breast_cancer", "diagnosis", "sklearn.ensemble.GradientBoostingClassifier", "classification",
                 features=sets["breast_cancer"]["features"][:10], model="gradient_boosting",
                 params={"n_estimators": 15})
    matrix_case("diabetes", "sklearn.linear_model.LinearRegression", "regression")
    records_case("diabetes", "progression", "sklearn.ensemble.RandomForestRegressor", "regression",
                 model="random_forest", params={"n_estimators": 15, "min_samples_leaf": 3})
    matrix_case("diabetes", "sklearn.linear_model.Ridge", "regression", model="ridge", params={"alpha": 2.0})
    expected = run_in_venv(_ML_INFERENCE, [reference for _, reference, _ in cases])
    return [(args, {**fixed, **result}) for (args, _, fixed), result in zip(cases, expected)]


# ---------------------------------------------------------------- web_scraper

_WEB_SCRAPER = r'''
import json, sys
from urllib.parse import urljoin
from bs4 import BeautifulSoup, NavigableString

def words(text):
    return " ".join(text.split())

def scrape(args):
    soup = BeautifulSoup(args["html"], "html.parser")
    base = args.get("base_url")
    url = lambda u: urljoin(base, u) if base and u is not None else u
    parts = args.get("extract", ["title", "meta", "headings", "links", "images", "text", "tables"])
    out = {}
    title = soup.select_one("title")
    out["title"] = words(title.get_text()) if title else None
    out["meta"] = {}
    for tag in soup.select("meta[content]"):
        key = tag.get("name") or tag.get("property") or tag.get("http-equiv")
        if key and key not in out["meta"]:
            out["meta"][key] = tag["content"]
    out["headings"] = [{"level": int(h.name[1]), "text": words(h.get_text())} for h in soup.select("h1, h2, h3, h4, h5, h6")]
    out["links"] = [{"text": words(a.get_text()), "href": url(a["href"])} for a in soup.select("a[href]")]
    out["images"] = [{"src": url(i.get("src")), "alt": i.get("alt")} for i in soup.select("img")]
    out["tables"] = [[[words(c.get_text()) for c in tr.select(":scope > th, :scope > td")]
                      for tr in t.select(":scope > tr, :scope > * > tr")] for t in soup.select("table")]
    # Visible text: plain strings (not comments, nor script/style contents) outside invisible elements.
    hidden = {"script", "style", "noscript", "template", "head"}
    strings = [s for s in soup.descendants if type(s) is NavigableString
               and not any(p.name in hidden for p in s.parents)]
    out["text"] = words(" ".join(strings))
    out = {k: v for k, v in out.items() if k in parts}
    if args.get("selectors"):
        out["selected"] = {n: [words(e.get_text()) for e in soup.select(s)] for n, s in args["selectors"].items()}
    return out

print(json.dumps([scrape(args) for args in json.load(sys.stdin)]))
'''


def web_scraper_cases() -> list[tuple[dict, dict]]:
    pages = [(path.read_text(encoding="utf-8"), address) for path, address in html_pages()]
    (functions, functions_url), (string, _), (classes, _), (releases, releases_url), (japanese, _) = pages
    cases = [
        {"html": functions, "base_url": functions_url,
         "selectors": {"builtins": "dl.py.function > dt .sig-name", "page_heading": "section > h1",
                       "first_table_row": "table.docutils tr:first-child td"}},
        {"html": string},
        {"html": classes, "extract": ["title", "headings", "links"], "selectors": {"examples": "div.highlight pre"}},
        {"html": releases, "base_url": releases_url, "extract": ["title", "meta", "headings", "links", "tables", "text"]},
        {"html": japanese, "extract": ["title", "headings", "text"], "selectors": {"toc": "div.toc a"}},
    ]
    return list(zip(cases, run_in_venv(_WEB_SCRAPER, cases)))


# ---------------------------------------------------------------- bad arguments

def failure_cases() -> list[tuple[str, object, str]]:
    """(script, args, a line its stderr must hold): each bad argument is refused with exit code 2 and
    a message that names the field."""
    iris = records("iris", "species")[:20]
    return [
        ("data_analysis", {"data": "not a list"}, "args.data must be a non-empty list of records (JSON objects)"),
        ("data_analysis", {"data": iris, "group_by": "colour"}, "args.group_by: no column named 'colour' in args.data"),
        ("data_analysis", {"data": iris, "group_by": "species", "aggregations": {"species": ["mean"]}},
         "args.aggregations: "),
        ("data_analysis", {"data": iris, "group_by": "species", "aggregations": {"petal length (cm)": ["average"]}},
         "args.aggregations.petal length (cm) must be a list among "),
        ("ml_inference", {"train": iris, "target": "species", "predict": iris[:2], "model": "random_forest",
                          "params": {"trees": 10, "depth": 2}}, "args.params: RandomForestClassifier has no parameter depth, trees"),
        ("ml_inference", {"train": iris, "target": "species", "predict": iris[:2], "model": "linear_regression"},
         "args.model linear_regression does not do classification"),
        ("ml_inference", {"train": iris, "target": "kind", "predict": iris[:2]},
         "args.target must name a column present in every record of args.train"),
        ("ml_inference", {"train": {"X": [[1], [2]], "y": [1]}, "predict": [[3]]}, "args.train: y must be a list with one value per row (2)"),
        ("web_scraper", {"url": "https://www.debian.org/"}, "args.url cannot be fetched: scripts run without network access"),
        ("web_scraper", {"html": "<p>x</p>", "selectors": {"broken": "p["}}, "args.selectors.broken: "),
        ("web_scraper", {"html": "<p>x</p>", "extract": ["pictures"]}, "args.extract must be a list among "),
    ]
