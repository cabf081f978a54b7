"""Quickstart: differentiate a function, read its gradient, check it.

Run: python examples/quickstart.py
"""

import math

import numpy as np

import s2s_ad as ad


@ad.grad
def f(x):
    """The seed article's example: f(x) = exp(x) + x*x."""
    return np.exp(x) + x * x


def loss(w, x, y):
    """Logistic-regression loss with an L2 penalty."""
    z = x @ w
    p = 1.0 / (1.0 + np.exp(-z))
    nll = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return nll + 0.01 * np.sum(w * w)


def newton_sqrt(a):
    """Newton's method in a while loop: the gradient goes through the loop."""
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


if __name__ == "__main__":
    print("f'(2) =", float(f(2.0)), " exp(2) + 4 =", math.exp(2) + 4)
    print(f.source)

    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(50, 3)), rng.normal(size=3)
    y = (x @ np.array([1.0, -2.0, 0.5]) > 0).astype(float)
    dloss = ad.grad(loss)
    print("d loss / d w =", dloss(w, x, y))
    ad.show(dloss)

    dsqrt = ad.grad(newton_sqrt)
    print("d sqrt(a)/da at 2 =", dsqrt(2.0), " 1 / (2 sqrt 2) =", 1 / (2 * math.sqrt(2)))
    print(dsqrt.source)
