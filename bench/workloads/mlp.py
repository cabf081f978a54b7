"""Two-layer MLP with softmax cross-entropy, parameters in a dict.

``X`` (batch × 784) → ReLU hidden layer (256) → 10 logits; the loss is the
mean cross-entropy against one-hot labels, with the usual max-shift for a
stable log-softmax. Gradient with respect to ``params`` (a dict of
``W1, b1, W2, b2``; the gradient is a dict of the same keys).

Hand-written: backpropagation, ``dlogits = (softmax - Y) / batch``.

* small: 32 × 64 → 32 → 10; large: 512 × 784 → 256 → 10.
"""

import numpy as np

from ..harness import Case

NAME = "mlp"
TITLE = "MLP + softmax cross-entropy"
KIND = "array"


def mlp_loss(params, X, Y):
    h = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    logits = h @ params["W2"] + params["b2"]
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * log_p, axis=1))


def mlp_loss_grad(params, X, Y):
    a = X @ params["W1"] + params["b1"]
    h = np.maximum(a, 0.0)
    logits = h @ params["W2"] + params["b2"]
    z = logits - np.max(logits, axis=1, keepdims=True)
    e = np.exp(z)
    p = e / np.sum(e, axis=1, keepdims=True)
    d_logits = (p - Y) / X.shape[0]
    dh = d_logits @ params["W2"].T
    da = dh * (a > 0)
    return ({"W1": X.T @ da, "b1": da.sum(axis=0),
             "W2": h.T @ d_logits, "b2": d_logits.sum(axis=0)},)


def _make(lib):
    def mlp_loss(params, X, Y):
        h = lib.maximum(X @ params["W1"] + params["b1"], 0.0)
        logits = h @ params["W2"] + params["b2"]
        z = logits - lib.max(logits, axis=1, keepdims=True)
        log_p = z - lib.log(lib.sum(lib.exp(z), axis=1, keepdims=True))
        return -lib.mean(lib.sum(Y * log_p, axis=1))
    return mlp_loss


def _torch(torch):
    def mlp_loss(params, X, Y):
        h = torch.relu(X @ params["W1"] + params["b1"])
        logits = h @ params["W2"] + params["b2"]
        z = logits - torch.amax(logits, dim=1, keepdim=True)
        log_p = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
        return -torch.mean(torch.sum(Y * log_p, dim=1))
    return mlp_loss


def case(size: str) -> Case:
    batch, d_in, d_hidden = (32, 64, 32) if size == "small" else (512, 784, 256)
    d_out = 10
    rng = np.random.default_rng(2)
    params = {"W1": rng.standard_normal((d_in, d_hidden)) / np.sqrt(d_in),
              "b1": 0.1 * rng.standard_normal(d_hidden),
              "W2": rng.standard_normal((d_hidden, d_out)) / np.sqrt(d_hidden),
              "b2": 0.1 * rng.standard_normal(d_out)}
    X = rng.standard_normal((batch, d_in))
    Y = np.eye(d_out)[rng.integers(0, d_out, batch)]
    peers = {"autograd": _make, "jax": _make, "torch": _torch}
    return Case(mlp_loss, (params, X, Y), (0,), mlp_loss_grad,
                f"{batch}×{d_in}→{d_hidden}→{d_out}", peers)
