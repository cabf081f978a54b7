"""Logistic regression: mean logistic loss plus an L2 penalty.

``X`` is ``n × d``, labels ``y`` are ±1; gradient with respect to the
weights ``w``. Hand-written: ``Xᵀ(-y σ(-y X w)) / n + λ w``.

* small: 100 × 10; large: 1000 × 100.
"""

import numpy as np

from ..harness import Case

NAME = "logreg"
TITLE = "Logistic regression"
KIND = "array"


def logistic_loss(w, X, y, lam):
    z = X @ w
    loss = np.mean(np.log1p(np.exp(-y * z)))
    return loss + 0.5 * lam * np.sum(w * w)


def logistic_loss_grad(w, X, y, lam):
    p = np.exp(-y * (X @ w))
    s = p / (1.0 + p)
    return (X.T @ (-y * s) / X.shape[0] + lam * w,)


def _make(lib):
    def logistic_loss(w, X, y, lam):
        z = X @ w
        loss = lib.mean(lib.log1p(lib.exp(-y * z)))
        return loss + 0.5 * lam * lib.sum(w * w)
    return logistic_loss


def case(size: str) -> Case:
    n, d = (100, 10) if size == "small" else (1000, 100)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    y = np.where(X @ w_true + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
    w = 0.1 * rng.standard_normal(d)
    peers = {"autograd": _make, "jax": _make, "torch": _make}
    return Case(logistic_loss, (w, X, y, 1e-3), (0,), logistic_loss_grad, f"{n}×{d}", peers)
