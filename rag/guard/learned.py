"""Small learned judgments: a logistic regression stored as JSON, applied with NumPy.

Two judgments use it, the support checker (rag.guard.support, artefact in
rag/guard/models) and the evaluation's learned answerability judge
(eval/judges/answerable.py, artefact beside it). Each artefact holds its feature
names, the standardisation, the weights, the decision threshold and what it was
trained on (eval/training/train_support.py, eval/training/train_answerable.py
write them). NumPy rather than
scikit-learn at run time: the model is a dot product, and importing scikit-learn
would cost every cold command about a second.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

MODELS = Path(__file__).with_name("models")


@lru_cache(maxsize=8)
def load(name: str | Path, features: tuple[str, ...]) -> dict:
    """The artefact `name` in rag/guard/models, or at `name` itself when it is a Path."""
    path = name if isinstance(name, Path) else MODELS / name
    model = json.loads(path.read_text(encoding="utf-8"))
    if tuple(model["features"]) != tuple(features):
        raise ValueError(f"{path} was trained on other features; retrain it ({model.get('trained_on', {}).get('script')})")
    return model


def probability(x: np.ndarray, model: dict) -> np.ndarray | float:
    """P(label) for one feature vector (a float) or a matrix of them (an array)."""
    z = (np.asarray(x, dtype=np.float64) - np.array(model["mean"])) / np.array(model["scale"])
    p = 1.0 / (1.0 + np.exp(-(z @ np.array(model["coef"]) + model["intercept"])))
    return float(p) if np.ndim(p) == 0 else p
