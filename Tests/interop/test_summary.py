"""Top terms and the TextRank summary against summary_reference.py (scikit-learn TF-IDF, numpy power
iteration, networkx.pagerank) on whole real documents (corpus.documents(): Python tutorial and HOWTO pages,
debian-history chapters), over the same sentence split, with the stop words scripts/install-models.sh
installs. The chosen sentences must match and every sentence's score agree within 1e-6."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import text_corpus as corpus
import summary_reference as ref
import uvw_text


@pytest.fixture(scope="module")
def stop_words_file() -> Path:
    """Where scripts/install-models.sh (make deps) puts the list."""
    path = uvw_text.stop_words_file()
    if not path.exists():
        pytest.fail(f"{path} is missing: run `bash scripts/install-models.sh`")
    if not uvw_text.BINARY.exists():
        pytest.fail(f"{uvw_text.BINARY} is missing: run `swift build` first")
    return path


@pytest.fixture(scope="module")
def stop_words(stop_words_file) -> set[str]:
    return ref.stop_word_set(uvw_text.load_stop_words())


@pytest.fixture(scope="module")
def documents() -> list[str]:
    return corpus.documents()


def test_words_match_reference(documents) -> None:
    ours = uvw_text.call({"mode": "words", "texts": documents})["words"]
    for text, spans in zip(documents, ours):
        assert [tuple(s) for s in spans] == ref.words(text)


def test_top_terms_match_reference(documents, stop_words, stop_words_file) -> None:
    ours = uvw_text.call({"mode": "top_terms", "texts": documents, "stop_words_file": str(stop_words_file), "limit": 25})
    for text, top in zip(documents, ours["top_terms"]):
        assert [tuple(t) for t in top] == ref.top_terms(text, stop_words, 25)


def test_summary_matches_reference(documents, stop_words, stop_words_file) -> None:
    split = uvw_text.call({"mode": "sentences", "texts": documents})["sentences"]
    ours = uvw_text.call({"mode": "summary", "texts": documents, "stop_words_file": str(stop_words_file), "max_sentences": 5})
    worst = worst_networkx = 0.0
    sentences = 0
    for text, spans, summary in zip(documents, split, ours["summaries"]):
        expected, via_networkx = ref.scores([text[s:e] for s, e in spans], stop_words)
        got = np.array(summary["scores"])
        assert got.shape == expected.shape
        worst = max(worst, float(np.abs(got - expected).max()))
        worst_networkx = max(worst_networkx, float(np.abs(got - via_networkx).max()))
        chosen = ref.select(expected, 5)
        assert [s["index"] for s in summary["sentences"]] == chosen
        assert [[s["start"], s["end"]] for s in summary["sentences"]] == [spans[i] for i in chosen]
        sentences += len(spans)
    print(f"\nsummary: {len(documents)} documents, {sentences} sentences; max |score − numpy| {worst:.2e}, "
          f"max |score − networkx| {worst_networkx:.2e}")
    assert worst < 1e-6
    assert worst_networkx < 1e-6


def test_summary_edge_cases(stop_words_file) -> None:
    texts = ["", "Only one sentence here.", "the of and. a an the.", "Cats purr. Cats purr. Dogs bark."]
    ours = uvw_text.call({"mode": "summary", "texts": texts, "stop_words_file": str(stop_words_file), "max_sentences": 2})
    assert ours["summaries"][0] == {"sentences": [], "scores": []}
    assert [s["index"] for s in ours["summaries"][1]["sentences"]] == [0]
    assert abs(ours["summaries"][1]["scores"][0] - 1.5) < 1e-12  # rank 1 × prior 1.5
    # Stop words only: no terms, all dangling, uniform ranks; the prior picks the first ones.
    assert [s["index"] for s in ours["summaries"][2]["sentences"]] == [0, 1]
    # Two identical sentences tie in rank; the earlier one wins through the prior.
    assert [s["index"] for s in ours["summaries"][3]["sentences"]] == [0, 1]
