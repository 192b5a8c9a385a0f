"""Fit the quote-novelty model on MSRP training pairs (kept outside the repo) and cross-validate it.

    .venv/bin/python bench/train_novelty.py ../shared/data/msrp/msr_paraphrase_train.txt

Prints five-fold cross-validated accuracy and the weights to paste into plugins/quotes/novelty.py.
It needs numpy, which the bot itself does not: pip install -e ".[fit]".
Only the fitted weights enter the project, never the data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from plugins.quotes.novelty import features


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method; the last weight is the bias."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(30):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + l2 * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def accuracy(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Share of pairs whose paraphrase label the model gets right."""
    return float(((np.hstack([x, np.ones((len(x), 1))]) @ w > 0) == y).mean())


def main(path: str) -> None:
    """Load the pairs, cross-validate, fit on all and print the weights."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()[1:]
    rows = [line.split("\t") for line in lines if line.count("\t") >= 4]
    # as the scorer streams them: the second sentence is the new quote, the first the known one
    x = np.array([features(r[4].strip().rstrip("."), r[3].strip().rstrip(".")) for r in rows])
    y = np.array([r[0] == "1" for r in rows], dtype=float)
    order = np.random.default_rng(0).permutation(len(y))
    scores = []
    for fold in np.array_split(order, 5):
        train = np.setdiff1d(order, fold)
        scores.append(accuracy(fit(x[train], y[train]), x[fold], y[fold]))
    w = fit(x, y)
    print(
        f"pairs {len(y)}; five-fold accuracy {np.mean(scores):.3f} ({', '.join(f'{s:.3f}' for s in scores)})"
    )
    print(f"training accuracy {accuracy(w, x, y):.3f}; majority baseline {max(y.mean(), 1 - y.mean()):.3f}")
    print("WEIGHTS = (" + ", ".join(f"{v:.3f}" for v in w) + ")")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/msrp/msr_paraphrase_train.txt")
