"""Differential test: uvw-ml (the Swift TextEmbedding library) against Hugging Face `tokenizers` on the
whole tokenizer corpus (token ids must be identical) and against the independent numpy implementation
(cosine >= 0.9999 on ~300 texts, long and mixed-length batches included). The same checks as
diff_embed.py, for pytest. Needs the installed model ($ML_MODEL_DIR/all-MiniLM-L6-v2) and a built
uvw-ml ($UVW_ML, default .build/debug/uvw-ml, what `make test` builds)."""
from __future__ import annotations

import minilm_reference  # noqa: I001  (first: sets OPENBLAS_NUM_THREADS before numpy loads)

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tokenizer_corpus import tokenizer_corpus

PACKAGE = Path(__file__).resolve().parents[2]
UVW_ML = os.environ.get("UVW_ML", str(PACKAGE / ".build" / "debug" / "uvw-ml"))

pytestmark = pytest.mark.skipif(
    not (minilm_reference.default_model_dir() / "model.safetensors").exists(), reason="all-MiniLM-L6-v2 is not installed"
)


def run(mode: str, texts: list[str]) -> dict:
    assert Path(UVW_ML).exists(), f"build uvw-ml first (swift build); looked at {UVW_ML}"
    request = json.dumps({"mode": mode, "texts": texts}).encode()
    return json.loads(subprocess.run([UVW_ML], input=request, capture_output=True, check=True).stdout)


@pytest.fixture(scope="module")
def model():
    return minilm_reference.MiniLM()


@pytest.fixture(scope="module")
def corpus():
    return tokenizer_corpus()


def test_token_ids_match_tokenizers(model, corpus):
    assert len(corpus) >= 2000
    swift = run("tokenize", corpus)
    encodings = model.tokenizer.encode_batch(corpus)
    mismatches = [(text, ids, e.ids) for text, ids, e in zip(corpus, swift["ids"], encodings) if ids != e.ids]
    assert not mismatches, f"{len(mismatches)} of {len(corpus)} texts differ, first: {mismatches[0]}"
    truncated = [len(e.overflowing) > 0 for e in encodings]
    assert swift["truncated"] == truncated


def test_embeddings_match_numpy(model, corpus):
    texts = corpus[:: max(1, len(corpus) // 256)][:256]
    lengths = [len(ids) for ids in model.tokenize(corpus)]
    texts += [t for t, n in zip(corpus, lengths) if n > 128 and t not in texts][:48]
    swift = run("embed", texts)["embeddings"]
    vectors = np.array([e["vector"] for e in swift], dtype=np.float64)
    reference = model.encode(texts)
    cosines = (vectors * reference).sum(1) / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(reference, axis=1))
    assert [e["tokens"] for e in swift] == [len(ids) for ids in model.tokenize(texts)]
    assert cosines.min() >= 0.9999, f"min cosine {cosines.min()} for {texts[int(np.argmin(cosines))][:80]!r}"
