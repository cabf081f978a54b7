"""Rosenbrock function as a scalar loop over the entries of an array.

The same function as ``rosenbrock_vec``, written element by element with
``x[i]`` in a ``for`` loop, as in textbook code. Gradient with respect to
``x``. Hand-written: the same loop, accumulating ``g[i]`` and ``g[i+1]``.

* small: n = 10; large: n = 100.
"""

import numpy as np

from ..harness import Case

NAME = "rosenbrock_loop"
TITLE = "Rosenbrock (scalar loop)"
KIND = "scalar"


def rosenbrock_loop(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def rosenbrock_loop_grad(x):
    g = np.zeros_like(x)
    for i in range(len(x) - 1):
        d = x[i + 1] - x[i] ** 2
        g[i] += -400.0 * x[i] * d - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * d
    return (g,)


def _make(lib):
    def rosenbrock_loop(x):
        total = 0.0
        for i in range(len(x) - 1):
            total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
        return total
    return rosenbrock_loop


def case(size: str) -> Case:
    n = 10 if size == "small" else 100
    x = np.random.default_rng(5).uniform(-1.5, 1.5, n)
    peers = {"autograd": _make, "jax": _make, "torch": _make}
    return Case(rosenbrock_loop, (x,), (0,), rosenbrock_loop_grad, f"n={n}", peers,
                notes="JAX jit unrolls the Python loop at trace time")
