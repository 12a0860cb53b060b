"""What both training scripts share: a caching embedder, the logistic fit, the threshold.

The fit is Newton's method on the L2-penalised log loss (a dozen lines of NumPy);
scikit-learn's LogisticRegression gives the same weights but would be one more
dependency for two small models.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from rag.guard import learned
from rag.ingestion.embedding import CachedEmbedder as RuntimeCache

from .. import metrics


class CachedEmbedder(RuntimeCache):
    """The run-time embedding cache, unbounded, with `prime` to embed many texts in one bulk
    call (sentence-transformers) and, with `path`, kept on disk between runs (`save()`)."""

    def __init__(self, inner, path=None) -> None:
        import os
        import pickle

        super().__init__(inner, maxsize=10**9)
        self.path = path
        if path and os.path.exists(path):
            with open(path, "rb") as f:
                self._cache = pickle.load(f)

    def prime(self, texts) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        for i in range(0, len(todo), 4096):
            self.embed(todo[i:i + 4096])

    def save(self) -> None:
        import pickle

        if self.path:
            with open(self.path, "wb") as f:
                pickle.dump(self._cache, f)


def _fit(Z: np.ndarray, y: np.ndarray, l2: float, steps: int, free: np.ndarray) -> np.ndarray:
    """Newton's method on the L2-penalised log loss, over the columns marked free (others stay 0)."""
    w = np.zeros(Z.shape[1])
    Zf = Z[:, free]
    penalty = np.full(Zf.shape[1], l2)
    penalty[-1] = 0.0  # the intercept (always the last column, always free)
    wf = np.zeros(Zf.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-Zf @ wf))
        step = np.linalg.solve((Zf * (p * (1 - p))[:, None]).T @ Zf + np.diag(penalty), Zf.T @ (p - y) + penalty * wf)
        wf -= step
        if np.abs(step).max() < 1e-8:
            break
    w[free] = wf
    return w


def fit_logistic(X: np.ndarray, y: np.ndarray, features, l2: float = 1.0, steps: int = 50,
                 signs: dict | None = None) -> dict:
    """Standardise, fit, and return the model dict that rag.guard.learned applies (threshold 0.5).

    signs: {feature: +1 | -1}, the direction a feature must push the judgment (more of
    the question covered can only make "answerable" likelier). A feature whose weight
    comes out the wrong way is a correlation peculiar to the training data, not
    evidence: it is left out (weight 0) and the rest refitted, until all agree."""
    mean, scale = X.mean(0), X.std(0) + 1e-6
    Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
    free = np.ones(Z.shape[1], dtype=bool)
    want = np.array([(signs or {}).get(f, 0) for f in features] + [0])
    while True:
        w = _fit(Z, y, l2, steps, free)
        wrong = free & (want * w < 0)
        if not wrong.any():
            break
        free &= ~wrong
    return {"features": list(features), "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
            "coef": w[:-1].round(6).tolist(), "intercept": round(float(w[-1]), 6), "threshold": 0.5,
            "dropped_for_sign": [f for f, ok in zip(features, free[:-1]) if not ok]}


def hold_out(keys: list[str], choices: list[str], rng) -> np.ndarray:
    """A mask over the examples (their `keys`) holding out a random fifth of `choices`: the keys of
    one row share its fate, so both sides of a pair land on the same side of the split."""
    held = set(rng.sample(choices, len(choices) // 5))
    return np.array([k in held for k in keys])


def fit_sources(fit: dict, held: dict, features, signs: dict, columns=None) -> dict:
    """fit / held: {source: (X, y)}. Fit with every source weighing the same (its rows repeated up
    to the largest source's count); the threshold comes from best_threshold on the held-out rows.
    `columns` picks a subset of the features (the ablations)."""
    cols = list(range(len(features))) if columns is None else columns
    Xs = [X[:, cols] for X, _ in fit.values()]
    reps = [max(len(x) for x in Xs) // len(x) for x in Xs]
    model = fit_logistic(np.vstack([np.repeat(x, r, 0) for x, r in zip(Xs, reps)]),
                         np.concatenate([np.repeat(y, r) for (_, y), r in zip(fit.values(), reps)]),
                         [features[c] for c in cols], signs=signs)
    model["threshold"] = best_threshold(held, model, cols)
    return model


def predict(X, model) -> np.ndarray:
    return np.atleast_1d(learned.probability(X, model))


TIE = 0.005  # held-out means closer than this to the best are ties: a few held-out rows flip them


def best_threshold(held: dict, model: dict, columns=None) -> float:
    """The threshold with the best mean, over sources, of held-out balanced accuracy, so that
    every source counts the same however many rows it has. Ties (within TIE of the best) go to the
    one nearest 0.5: the held-out curve is flat and noisy near its top (one source may have a dozen
    rows), and without the tolerance a small change of the data moved the checker's threshold
    from 0.55 to 0.66 for a gain of 0.0002. held: {source: (X, y)}."""
    cols = slice(None) if columns is None else columns
    grid = np.linspace(0.05, 0.95, 91)
    means = np.array([np.mean([balanced(y, predict(X[:, cols], model), t) for X, y in held.values()]) for t in grid])
    near_best = [t for t, m in zip(grid, means) if m >= means.max() - TIE]
    return round(float(min(near_best, key=lambda t: abs(t - 0.5))), 3)


def balanced(y, p, threshold) -> float:
    return metrics.balanced_accuracy([bool(v) for v in y], list(p >= threshold))


def digest(rows) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()
