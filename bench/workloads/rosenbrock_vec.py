"""Rosenbrock function, vectorised with slices.

``sum(100 (x[1:] - x[:-1]²)² + (1 - x[:-1])²)``; gradient with respect to
``x``. Hand-written: the textbook closed form, two shifted slices.

* small: n = 100; large: n = 10,000.
"""

import numpy as np

from ..harness import Case

NAME = "rosenbrock_vec"
TITLE = "Rosenbrock (vectorised)"
KIND = "array"


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    g = np.zeros_like(x)
    d = x[1:] - x[:-1] ** 2
    g[:-1] = -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return (g,)


def _make(lib):
    def rosenbrock(x):
        return lib.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return rosenbrock


def case(size: str) -> Case:
    n = 100 if size == "small" else 10_000
    x = np.random.default_rng(4).uniform(-1.5, 1.5, n)
    peers = {"autograd": _make, "jax": _make, "torch": _make}
    return Case(rosenbrock, (x,), (0,), rosenbrock_grad, f"n={n:,}", peers)
