"""Vanilla RNN over 50 steps, written with a Python ``for`` loop.

``h_t = tanh(x_t Wx + h_{t-1} Wh + b)`` from ``h_0 = 0``; the loss is the
mean squared error of a linear read-out of the last state. Gradient with
respect to ``Wx, Wh, b, Wo``. Hand-written: backpropagation through time.

* small: batch 16, input 16, hidden 32, 50 steps;
* large: batch 64, input 64, hidden 256, 50 steps.
"""

import numpy as np

from ..harness import Case

NAME = "rnn"
TITLE = "Vanilla RNN (loop, 50 steps)"
KIND = "array"


def rnn_loss(Wx, Wh, b, Wo, xs, target):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    out = h @ Wo
    return 0.5 * np.mean((out - target) ** 2)


def rnn_loss_grad(Wx, Wh, b, Wo, xs, target):
    T, B = xs.shape[0], xs.shape[1]
    hs = [np.zeros((B, Wh.shape[0]))]
    for t in range(T):
        hs.append(np.tanh(xs[t] @ Wx + hs[-1] @ Wh + b))
    out = hs[-1] @ Wo
    d_out = (out - target) / out.size
    gWo = hs[-1].T @ d_out
    dh = d_out @ Wo.T
    gWx = np.zeros_like(Wx)
    gWh = np.zeros_like(Wh)
    gb = np.zeros_like(b)
    for t in range(T - 1, -1, -1):
        da = dh * (1.0 - hs[t + 1] ** 2)
        gWx += xs[t].T @ da
        gWh += hs[t].T @ da
        gb += da.sum(axis=0)
        dh = da @ Wh.T
    return gWx, gWh, gb, gWo


def _make(lib):
    def rnn_loss(Wx, Wh, b, Wo, xs, target):
        h = lib.zeros((xs.shape[1], Wh.shape[0]))
        for t in range(xs.shape[0]):
            h = lib.tanh(xs[t] @ Wx + h @ Wh + b)
        out = h @ Wo
        return 0.5 * lib.mean((out - target) ** 2)
    return rnn_loss


def _torch(torch):
    def rnn_loss(Wx, Wh, b, Wo, xs, target):
        h = torch.zeros((xs.shape[1], Wh.shape[0]), dtype=torch.float64)
        for t in range(xs.shape[0]):
            h = torch.tanh(xs[t] @ Wx + h @ Wh + b)
        out = h @ Wo
        return 0.5 * torch.mean((out - target) ** 2)
    return rnn_loss


def case(size: str) -> Case:
    T = 50
    B, D, H, n_out = (16, 16, 32, 4) if size == "small" else (64, 64, 256, 10)
    rng = np.random.default_rng(3)
    Wx = rng.standard_normal((D, H)) / np.sqrt(D)
    Wh = 0.9 * rng.standard_normal((H, H)) / np.sqrt(H)
    b = 0.1 * rng.standard_normal(H)
    Wo = rng.standard_normal((H, n_out)) / np.sqrt(H)
    xs = rng.standard_normal((T, B, D))
    target = rng.standard_normal((B, n_out))
    peers = {"autograd": _make, "jax": _make, "torch": _torch}
    return Case(rnn_loss, (Wx, Wh, b, Wo, xs, target), (0, 1, 2, 3), rnn_loss_grad,
                f"B={B}, D={D}, H={H}, T={T}", peers,
                notes="JAX jit unrolls the Python loop at trace time")
