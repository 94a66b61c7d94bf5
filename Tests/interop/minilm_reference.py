"""An independent numpy implementation of all-MiniLM-L6-v2 (sentence-transformers: BertModel, mean
pooling, L2 normalisation) over the same model.safetensors, for the differential test and the benchmark.

Independent of the Swift code: the safetensors header is parsed here with `json`, tensors are views
of a read-only memmap, tokenization is Hugging Face `tokenizers` itself (from the model's tokenizer.json,
with its padding at 128 disabled and truncation at sentence-transformers' max_seq_length, 256), and the
forward pass uses a padded batch with an attention mask, as transformers does.

OPENBLAS_NUM_THREADS=1 is set before numpy is imported (OpenBLAS reads it once, at load): the Swift
encoder runs one BLAS thread, and on this small VM more threads make small GEMMs many times slower,
so this keeps the comparison like for like. Import this module before anything imports numpy.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json  # noqa: E402
import struct  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.special import erf  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

BATCH_SIZE = 32
DTYPES = {"F32": np.float32, "I64": np.int64}


def default_model_dir() -> Path:
    base = os.environ.get("ML_MODEL_DIR") or os.path.expanduser("~/.cache/uvian-worker/models")
    return Path(base) / "all-MiniLM-L6-v2"


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = data[begin:end].view(DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


class MiniLM:
    def __init__(self, model_dir: Path | str | None = None):
        model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.config = json.loads((model_dir / "config.json").read_text())
        max_len = json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_len)
        self.w = load_safetensors(model_dir / "model.safetensors")
        self.heads = self.config["num_attention_heads"]
        self.eps = np.float32(self.config["layer_norm_eps"])

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=True)]

    def _layer_norm(self, x: np.ndarray, prefix: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def _linear(self, x: np.ndarray, prefix: str) -> np.ndarray:
        return x @ self.w[prefix + ".weight"].T + self.w[prefix + ".bias"]

    def forward(self, ids: list[list[int]]) -> np.ndarray:
        """Unit sentence vectors for one padded batch of token id lists."""
        batch, length = len(ids), max(len(s) for s in ids)
        input_ids = np.zeros((batch, length), dtype=np.int64)
        mask = np.zeros((batch, length), dtype=np.float32)
        for i, s in enumerate(ids):
            input_ids[i, : len(s)] = s
            mask[i, : len(s)] = 1
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][input_ids]
             + w["embeddings.position_embeddings.weight"][:length][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._layer_norm(x, "embeddings.LayerNorm")
        hidden = x.shape[-1]
        d = hidden // self.heads
        # transformers' extended mask: 0 where attended, the most negative float32 where padded.
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{layer}."

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self.heads, d).transpose(0, 2, 1, 3)

            q = heads(self._linear(x, p + "attention.self.query"))
            k = heads(self._linear(x, p + "attention.self.key"))
            v = heads(self._linear(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(d)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._layer_norm(x + self._linear(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            inner = self._linear(x, p + "intermediate.dense")
            inner = inner * np.float32(0.5) * (np.float32(1) + erf(inner / np.float32(np.sqrt(2))).astype(np.float32))
            x = self._layer_norm(x + self._linear(inner, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode_ids(self, ids: list[list[int]], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Sorted by length, padded batches of `batch_size`, results in input order."""
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
        out = np.zeros((len(ids), self.config["hidden_size"]), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            out[chunk] = self.forward([ids[i] for i in chunk])
        return out

    def encode(self, texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        return self.encode_ids(self.tokenize(texts), batch_size)


_default: MiniLM | None = None


def encode(texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Unit sentence embeddings, shape (len(texts), 384), with the model from $ML_MODEL_DIR."""
    global _default
    if _default is None:
        _default = MiniLM()
    return _default.encode(texts, batch_size)


if __name__ == "__main__":
    # The sentence-transformers quickstart's example: cosine similarities of three sentences.
    v = encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    print(np.round(v @ v.T, 4))
