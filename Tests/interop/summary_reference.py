"""An independent Python implementation of TextAnalysis' terms, top terms and TextRank summary, written from
the specification in the Swift doc comments (not from the Swift code's structure):
- words: runs of Unicode letters, numbers and marks (categories L*, N*, M*), joined across an apostrophe
  (' ’) or hyphen (- ‐ ‑) between two such characters, or a period or comma between two decimal digits;
- terms: words with a letter, lowercased (str.lower), ’ made ', minus the stop words;
- TF-IDF: scikit-learn's TfidfVectorizer(smooth_idf=True, sublinear_tf=False, norm="l2") over the sentences;
- similarity: X·Xᵀ (cosine of unit vectors), diagonal zeroed;
- PageRank: numpy power iteration as networkx 3.x does it (damping 0.85, tol 1e-6, 100 iterations,
  dangling rank spread evenly), cross-checked with networkx.pagerank itself;
- score: rank × (1 + 0.5·(1 − i/n)); the top k by score (ties to the earlier sentence), in document order."""
from __future__ import annotations

import collections
import unicodedata

import networkx as nx
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

APOSTROPHES = {"'", "\u2019"}
HYPHENS = {"-", "\u2010", "\u2011"}


def _word_char(c: str) -> bool:
    return unicodedata.category(c)[0] in "LNM"


def _digit(c: str) -> bool:
    return unicodedata.category(c) == "Nd"


def words(text: str) -> list[tuple[int, int]]:
    spans, i, n = [], 0, len(text)
    while i < n:
        if not _word_char(text[i]):
            i += 1
            continue
        start = i
        i += 1
        while i < n:
            if _word_char(text[i]):
                i += 1
            elif i + 1 < n and _word_char(text[i + 1]) and (
                text[i] in APOSTROPHES or text[i] in HYPHENS
                or (text[i] in ".," and _digit(text[i - 1]) and _digit(text[i + 1]))
            ):
                i += 2
            else:
                break
        spans.append((start, i))
    return spans


def normalize(word: str) -> str:
    return word.lower().replace("\u2019", "'")


def terms(text: str, stop_words: set[str]) -> list[str]:
    result = []
    for start, end in words(text):
        word = text[start:end]
        if any(unicodedata.category(c)[0] == "L" for c in word):
            term = normalize(word)
            if term not in stop_words:
                result.append(term)
    return result


def stop_word_set(words_list: list[str]) -> set[str]:
    return {normalize(w) for w in words_list if w}


def top_terms(text: str, stop_words: set[str], limit: int) -> list[tuple[str, int]]:
    counts = collections.Counter(terms(text, stop_words))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def pagerank(weights: np.ndarray, damping=0.85, tol=1e-6, max_iter=100) -> np.ndarray:
    n = weights.shape[0]
    out = weights.sum(axis=1)
    transitions = np.divide(weights, out[:, None], out=np.zeros_like(weights), where=out[:, None] > 0)
    dangling = out == 0
    x = np.full(n, 1.0 / n)
    p = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = damping * (last @ transitions) + damping * last[dangling].sum() * p + (1 - damping) * p
        if np.abs(x - last).sum() < n * tol:
            break
    return x


def networkx_pagerank(weights: np.ndarray) -> np.ndarray:
    graph = nx.Graph()
    graph.add_nodes_from(range(weights.shape[0]))
    rows, cols = np.nonzero(np.triu(weights, 1))
    graph.add_weighted_edges_from((int(i), int(j), float(weights[i, j])) for i, j in zip(rows, cols))
    ranks = nx.pagerank(graph, alpha=0.85, tol=1e-6, max_iter=100, weight="weight")
    return np.array([ranks[i] for i in range(weights.shape[0])])


def similarity(sentence_terms: list[list[str]]) -> np.ndarray:
    n = len(sentence_terms)
    if not any(sentence_terms):
        return np.zeros((n, n))
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, smooth_idf=True, sublinear_tf=False, norm="l2")
    x = vectorizer.fit_transform(sentence_terms)
    s = (x @ x.T).toarray()
    np.fill_diagonal(s, 0.0)
    return s


def scores(sentence_texts: list[str], stop_words: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every sentence's score, and the PageRank of networkx itself (for the cross-check)."""
    n = len(sentence_texts)
    s = similarity([terms(t, stop_words) for t in sentence_texts])
    ranks = pagerank(s)
    prior = 1 + 0.5 * (1 - np.arange(n) / n)
    return ranks * prior, networkx_pagerank(s) * prior


def select(all_scores: np.ndarray, k: int) -> list[int]:
    order = sorted(range(len(all_scores)), key=lambda i: (-all_scores[i], i))
    return sorted(order[:k])
