"""The optional peers: HIPS autograd, JAX (with and without ``jit``), PyTorch eager.

Each is imported only if installed (``pip install -e ".[bench]"``); the suite
runs without them. A peer turns a :class:`~bench.harness.Case` into a
zero-argument callable that computes the gradient the way that library's
users would: the function comes from the workload module, written with the
library's own array module, and is differentiated by the library's own
``grad``. Input conversion (NumPy → the library's arrays) happens once,
outside the timed call; the returned gradient is left in the library's
own type (JAX results are waited for with ``block_until_ready``).

Everything runs in float64: JAX is switched to 64-bit mode
(``jax_enable_x64``), PyTorch tensors are made from float64 arrays.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

from .harness import Case

PEERS = ("autograd", "jax", "jax_jit", "torch")
LABELS = {"autograd": "autograd", "jax": "JAX", "jax_jit": "JAX jit", "torch": "PyTorch"}
_MODULE = {"autograd": "autograd", "jax": "jax", "jax_jit": "jax", "torch": "torch"}


def available() -> dict[str, str | None]:
    """Peer → version string, or None when not installed."""
    out = {}
    for p in PEERS:
        mod = _MODULE[p]
        if importlib.util.find_spec(mod) is None:
            out[p] = None
            continue
        try:
            m = importlib.import_module(mod)
            out[p] = getattr(m, "__version__", "installed")
        except Exception:  # noqa: BLE001 - a broken install counts as absent
            out[p] = None
    return out


def _is_container_of_arrays(v) -> bool:
    if isinstance(v, dict):
        return all(isinstance(x, np.ndarray) for x in v.values())
    return False


def _split(case: Case):
    """Positions passed as (traced/leaf) arguments and the rest, closed over.

    Differentiated arguments and NumPy arrays (or dicts of them) are passed;
    ints, lists of Python numbers and other constants are closed over, which
    is how a JAX user writes ``jax.grad(lambda w: f(w, X, y, n_steps))``
    around Python-level constants."""
    dyn = [i for i, a in enumerate(case.args)
           if i in case.wrt or isinstance(a, np.ndarray) or _is_container_of_arrays(a)]
    return dyn, [dyn.index(i) for i in case.wrt]


def _closure(fn, case: Case, dyn):
    args = list(case.args)

    def closed(*vals):
        full = list(args)
        for i, v in zip(dyn, vals, strict=True):
            full[i] = v
        return fn(*full)

    return closed


def prepare(peer: str, case: Case) -> tuple[Callable[[], Any], Callable[[], Any] | None]:
    """``(grad_call, primal_call)`` for ``peer`` on ``case``; raises
    ``LookupError(reason)`` when the case says the peer does not apply."""
    key = "jax" if peer == "jax_jit" else peer
    factory = case.peers.get(f"{peer}") if peer == "jax_jit" and "jax_jit" in case.peers \
        else case.peers.get(key)
    if factory is None:
        raise LookupError("no implementation for this peer")
    if isinstance(factory, str):
        raise LookupError(factory)
    return globals()[f"_prepare_{key}"](factory, case, jit=(peer == "jax_jit"))


def _prepare_autograd(factory, case: Case, jit=False):
    import autograd
    import autograd.numpy as anp

    fn = factory(anp)
    argnum = case.wrt if len(case.wrt) > 1 else case.wrt[0]
    g = autograd.grad(fn, argnum)
    args = case.args
    if len(case.wrt) == 1:
        return (lambda: (g(*args),)), (lambda: fn(*args))
    return (lambda: g(*args)), (lambda: fn(*args))


def _jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    return jax, jnp


def _prepare_jax(factory, case: Case, jit=False):
    jax, jnp = _jax()
    fn = factory(jnp)
    dyn, argnums = _split(case)
    closed = _closure(fn, case, dyn)
    vals = [jax.tree_util.tree_map(lambda v: jnp.asarray(v, dtype=jnp.float64)
                                   if not (isinstance(v, np.ndarray) and v.dtype.kind in "iub")
                                   else jnp.asarray(v), case.args[i]) for i in dyn]
    g = jax.grad(closed, argnums=tuple(argnums))
    p = closed
    if jit:
        g = jax.jit(g)
        p = jax.jit(p)
    block = jax.block_until_ready
    return (lambda: block(g(*vals))), (lambda: block(p(*vals)))


def _prepare_torch(factory, case: Case, jit=False):
    import torch

    fn = factory(torch)

    def leaf(v):
        return torch.tensor(np.asarray(v, dtype=np.float64), dtype=torch.float64,
                            requires_grad=True)

    leaves = []
    targs = []
    for i, a in enumerate(case.args):
        if i in case.wrt:
            if isinstance(a, dict):
                d = {k: leaf(a[k]) for k in a}
                leaves.append([d[k] for k in sorted(d)])
                targs.append(d)
            else:
                t = leaf(a)
                leaves.append([t])
                targs.append(t)
        elif isinstance(a, np.ndarray):
            targs.append(torch.from_numpy(a))
        elif _is_container_of_arrays(a):
            targs.append({k: torch.from_numpy(v) for k, v in a.items()})
        else:
            targs.append(a)
    flat = [t for group in leaves for t in group]
    sizes = [len(group) for group in leaves]

    def call():
        loss = fn(*targs)
        grads = torch.autograd.grad(loss, flat)
        out, k = [], 0
        for n in sizes:
            out.append(grads[k:k + n] if n > 1 else grads[k])
            k += n
        return tuple(out)

    def primal():
        with torch.no_grad():
            return fn(*targs)

    return call, primal
