#!/usr/bin/env python3
"""The ml plugin beside what a team would run instead (issue 16), same machine, same run:

- embeddings (all-MiniLM-L6-v2): the project's Swift forward pass over OpenBLAS (`uvw-ml`'s bench
  mode, timed in-process: tokenisation and forward pass, not process start or model load) against
  an independent numpy implementation of the same model over the same safetensors file
  (Tests/interop/minilm_reference.py, numpy's own OpenBLAS), both on one BLAS thread; texts of
  exactly 16 and 64 tokens ([CLS] and [SEP] included), one text per call and 32 per call;
- the single-thread sgemm GFLOP/s this machine reaches (through the plugin's cblas and numpy's), so
  the report says how close the encoder runs to the BLAS limit (forward-pass FLOPs ÷ time ÷ sgemm
  rate at the QKV shape of a 32 × 64-token batch);
- sentiment: texts/s of the project's VADER against PyPI vaderSentiment 3.3.2 on the same texts
  (the test corpus: real fortunes and systematic variations);
- the worker's RSS (release build, the repository's plugins.yaml) when ready, then after it has
  used each model once.

Every rate is the best of 5 timing windows (the machine is shared: the best window is the one least
disturbed by other processes); the median is kept beside it.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "interop"))

import minilm_reference  # noqa: E402  (first: sets OPENBLAS_NUM_THREADS=1 before numpy loads)
import numpy as np  # noqa: E402
from plugin_worker import PluginWorker, status_kb  # noqa: E402

TEXTS_PER_SET = 64
H, F, LAYERS = 384, 1536, 6
PEAK_SHAPE = "2048x1152x384"  # the QKV GEMM of a 32 × 64-token batch


def forward_flops(tokens: int) -> float:
    """FLOPs of one sequence: the dense layers plus attention's QKᵀ and PV (2 · n² · H per layer)."""
    return 2.0 * LAYERS * (tokens * (4 * H * H + 2 * H * F) + 2 * tokens * tokens * H)


def make_texts(model: minilm_reference.MiniLM, tokens: int, count: int, seed: int) -> list[str]:
    """`count` texts of exactly `tokens` tokens: words that are whole vocabulary entries."""
    words = sorted(w for w in model.tokenizer.get_vocab() if w.isascii() and w.isalpha() and len(w) > 2)
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(words) for _ in range(tokens - 3)) + "." for _ in range(count)]
    assert all(len(ids) == tokens for ids in model.tokenize(texts)), "texts must have exactly the token count"
    return texts


def uvw_ml(binary: Path, request: dict) -> dict:
    out = subprocess.run([str(binary)], input=json.dumps(request).encode(), capture_output=True, check=True).stdout
    return json.loads(out)


def best_rate(body, total: float, windows: int = 5) -> tuple[float, float]:
    """(best, median) runs per second over `windows` timing windows, after one warm-up run."""
    body()
    rates = []
    for _ in range(windows):
        begin = time.perf_counter()
        runs = 0
        while runs < 1 or time.perf_counter() - begin < total / windows:
            body()
            runs += 1
        rates.append(runs / (time.perf_counter() - begin))
    rates.sort()
    return rates[-1], rates[len(rates) // 2]


def numpy_sgemm(m: int, n: int, k: int, seconds: float) -> float:
    a = np.random.default_rng(0).random((m, k), dtype=np.float32)
    b = np.random.default_rng(1).random((n, k), dtype=np.float32)
    return 2.0 * m * n * k * best_rate(lambda: a @ b.T, seconds)[0] / 1e9


def embeddings(binary: Path, model: minilm_reference.MiniLM, seconds: float) -> dict:
    shapes = uvw_ml(binary, {"mode": "sgemm", "seconds": min(seconds, 1.0)})["shapes"]
    sgemm = {f"{s['m']}x{s['n']}x{s['k']}": round(s["gflops"], 1) for s in shapes}
    m, n, k = (int(x) for x in PEAK_SHAPE.split("x"))
    numpy_peak = numpy_sgemm(m, n, k, min(seconds, 1.0))
    peak = sgemm[PEAK_SHAPE]
    workloads = []
    for tokens in (16, 64):
        texts = make_texts(model, tokens, TEXTS_PER_SET, seed=tokens)
        for batch in (1, 32):
            swift = uvw_ml(binary, {"mode": "bench", "texts": texts, "batch": batch, "seconds": seconds})

            def numpy_once() -> None:
                for start in range(0, len(texts), batch):
                    model.encode(texts[start:start + batch], batch_size=batch)

            reference, reference_median = best_rate(numpy_once, seconds)
            rate = swift["sentences_per_second"]
            gflops = rate * forward_flops(tokens) / 1e9
            workloads.append({
                "tokens": tokens, "batch": batch,
                "uvian_sentences_per_s": round(rate, 1), "uvian_median_sentences_per_s": round(swift["median_sentences_per_second"], 1),
                "numpy_sentences_per_s": round(reference * len(texts), 1),
                "numpy_median_sentences_per_s": round(reference_median * len(texts), 1),
                "vs_numpy": round(rate / (reference * len(texts)), 3),
                "uvian_gflops": round(gflops, 1), "percent_of_sgemm": round(100 * gflops / peak, 1),
            })
    return {"sgemm_gflops": sgemm, "numpy_sgemm_gflops_at_peak_shape": round(numpy_peak, 1), "peak_shape": PEAK_SHAPE,
            "workloads": workloads}


def sentiment(binary: Path, seconds: float) -> dict:
    from vader_corpus import sentiment_corpus
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    texts = [t for t in sentiment_corpus() if len(t) <= 500]
    ours = uvw_ml(binary, {"mode": "sentiment-bench", "texts": texts, "seconds": seconds})
    analyzer = SentimentIntensityAnalyzer()

    def python_once() -> None:
        for text in texts:
            analyzer.polarity_scores(text)

    best, median = best_rate(python_once, seconds)
    return {"texts": len(texts), "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
            "uvian_texts_per_s": round(ours["texts_per_second"]), "uvian_median_texts_per_s": round(ours["median_texts_per_second"]),
            "vader_sentiment_texts_per_s": round(best * len(texts)), "vader_sentiment_median_texts_per_s": round(median * len(texts)),
            "vs_vader_sentiment": round(ours["texts_per_second"] / (best * len(texts)), 2)}


def worker_rss(worker: str) -> dict:
    """RSS of a release worker with the repository's plugins.yaml: ready, then after each model's first use."""
    server = PluginWorker(Path(worker).parent, "ml", "ml_inference", {}, {})
    try:
        time.sleep(1)
        result = {"ready_kb": status_kb(server.proc.pid, "VmRSS")}
        texts = [f"Sentence number {i} about the weather in Paris, which was lovely!" for i in range(32)]
        server.execute({"model_type": "sentiment", "input_data": texts}, wait=120)
        result["after_sentiment_kb"] = status_kb(server.proc.pid, "VmRSS")
        server.execute({"model_type": "embedding", "input_data": texts}, wait=120)
        server.execute({"model_type": "classification", "input_data": texts, "categories": ["weather", "sports", "politics"]},
                       wait=120)
        result["after_embedding_kb"] = status_kb(server.proc.pid, "VmRSS")
        server.execute({"model_type": "entity_extraction", "input_data": texts}, wait=120)
        time.sleep(1)
        result["after_entities_kb"] = status_kb(server.proc.pid, "VmRSS")
        return result
    finally:
        server.stop()


def run(bin_dir: Path, seconds: float = 3.0) -> dict:
    binary = bin_dir / "uvw-ml"
    model = minilm_reference.MiniLM()
    return {
        "embeddings": embeddings(binary, model, seconds),
        "sentiment": sentiment(binary, seconds),
        "worker_rss": worker_rss(str(bin_dir / "uvian-worker")),
    }


if __name__ == "__main__":
    print(json.dumps(run(REPO / ".build" / "release"), indent=2))
