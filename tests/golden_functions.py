"""The functions whose generated gradients are stored in ``tests/golden/``."""

import math

import numpy as np


def seed(x):
    return np.exp(x) + x * x


def dense_layer(W, b, x):
    h = np.tanh(W @ x + b)
    return np.sum(h * h)


def softmax_cross_entropy(logits, y):
    z = logits - np.max(logits, axis=1, keepdims=True)
    p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
    return -np.mean(np.sum(y * np.log(p), axis=1))


def indexing(x):
    first = x[0]
    rest = x[1:]
    return first * np.sum(rest ** 2) + x[-1, 0]


def scalar_math(a, b):
    r = math.hypot(a, b)
    return math.log1p(r) * math.atan2(b, a)


def for_loop(x, n):
    y = x
    for i in range(n):
        y = y * x + i
    return y


def while_with_break(x):
    y = x
    k = 0
    while y < 100.0:
        y = y * y + 1.0
        k = k + 1
        if k > 10:
            break
    return y


def branch_in_loop(x, n):
    s = 0.0
    for i in range(n):
        if x * i > 1.0:
            s = s + np.sin(x * i)
        else:
            s = s - x
    return s


def helper(u, v):
    return u * np.cos(v)


def calls_helper(x, y):
    return helper(x, y) + helper(y, x * 2.0)


def item_writes_in_loop(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = x * i
    return np.sum(out * out)
