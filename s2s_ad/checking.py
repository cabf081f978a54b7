"""``check_grads``: compare forward mode, reverse mode and central finite
differences, recursively to the requested order (as JAX's ``check_grads``).

Forward mode is checked entry by entry against ``(f(x + εv) − f(x − εv)) / 2ε``
for a random direction ``v``; reverse mode by the dot-product identity
``⟨u, J v⟩ = ⟨Jᵀ u, v⟩`` for a random cotangent ``u``. For ``order > 1`` the
same checks run on the derivative functions themselves, which s2s_ad
generated (a JVP along ``v``, and ``⟨Jᵀ u, w⟩``), so the derivative of
generated code is checked too.
"""

from __future__ import annotations

import itertools
import linecache

import numpy as np

_counter = itertools.count()


def _is_float(a) -> bool:
    if isinstance(a, bool):
        return False
    if isinstance(a, (float, np.floating)):
        return True
    return isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)


def _leaves(a) -> list:
    """The float arrays and numbers inside nested tuples, lists and dicts."""
    if isinstance(a, dict):
        return [x for k in a for x in _leaves(a[k])]
    if isinstance(a, (tuple, list)):
        return [x for v in a for x in _leaves(v)]
    return [a] if _is_float(a) else []


def _tree(a, fn):
    """``a`` with ``fn`` applied to each float leaf (other leaves kept)."""
    if isinstance(a, dict):
        return {k: _tree(v, fn) for k, v in a.items()}
    if isinstance(a, (tuple, list)):
        return type(a)(_tree(v, fn) for v in a)
    return fn(a) if _is_float(a) else a


def _tree2(a, b, fn):
    if isinstance(a, dict):
        return {k: _tree2(a[k], b[k], fn) for k in a}
    if isinstance(a, (tuple, list)):
        return type(a)(_tree2(x, y, fn) for x, y in zip(a, b, strict=True))
    return fn(a, b) if _is_float(a) else a


def _random_like(a, rng):
    def one(x):
        if isinstance(x, np.ndarray):
            return rng.standard_normal(x.shape)
        return float(rng.standard_normal())
    return _tree(a, one)


def _inner(a, b) -> float:
    return float(sum(np.sum(np.asarray(x, dtype=float) * np.asarray(y, dtype=float))
                     for x, y in zip(_leaves(a), _leaves(b), strict=True)))


def _close(actual, expected, rtol, atol):
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    err = np.abs(a - e) - (atol + rtol * np.abs(e))
    return err


def _fail(what, order, index, values, rtol, atol):
    parts = ", ".join(f"{k} {v!r}" for k, v in values.items())
    raise AssertionError(f"check_grads: {what} (order {order}) disagree at entry {index}: "
                         f"{parts}; tolerance rtol={rtol}, atol={atol}")


def _compile(src, namespace):
    filename = f"<s2s_ad check_grads #{next(_counter)}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    exec(compile(src, filename, "exec"), namespace)


def check_grads(f, args, order=1, modes=("fwd", "rev"), eps=1e-6, rtol=1e-5, atol=1e-6,
                seed=0):
    """Check s2s_ad's derivatives of ``f`` at ``args`` against each other and
    against central finite differences, up to ``order``; raise
    ``AssertionError`` naming the worst entry, its values and the tolerance."""
    from . import api

    rng = np.random.default_rng(seed)
    given = len(args)
    args = api._full_args(f, args)  # parameters left at their defaults are held fixed
    active = [i for i, a in enumerate(args) if i < given and _leaves(a)]
    if not active:
        raise ValueError("check_grads: no argument has floating-point values to differentiate")
    v = [(_random_like(a, rng) if i in active else api._zero_tangent(a))
         for i, a in enumerate(args)]

    def shifted(sign):
        return tuple(_tree2(a, d, lambda x, dx: x + sign * eps * dx) if i in active else a
                     for i, (a, d) in enumerate(zip(args, v, strict=True)))

    fd = (np.asarray(f(*shifted(1)), dtype=float) - np.asarray(f(*shifted(-1)), dtype=float)) \
        / (2 * eps)
    jv = None
    if "fwd" in modes:
        _, jv = api.jvp(f, args, v)
        err = _close(jv, fd, rtol, atol)
        if np.any(err > 0):
            k = tuple(int(j) for j in np.unravel_index(np.argmax(err), np.shape(err))) \
                if np.ndim(err) else ()
            _fail("forward mode and finite differences", order, k,
                  {"forward": np.asarray(jv)[k], "finite differences": fd[k]}, rtol, atol)
    u = None
    if "rev" in modes:
        out, pullback = api.vjp(f, *args)
        u = _random_like(np.asarray(out, dtype=float) if np.ndim(out) else float(out), rng)
        cts = pullback(u)
        for i in active:  # (the inner products below would not see a broadcast shape)
            if isinstance(args[i], (float, np.ndarray)) and \
                    np.shape(cts[i]) != np.shape(args[i]):
                raise AssertionError(
                    f"check_grads: the reverse-mode cotangent of argument {i} has shape "
                    f"{np.shape(cts[i])}, the argument {np.shape(args[i])} (a VJP rule that "
                    "does not sum its cotangent back to the argument's shape?)")
        lhs = sum(_inner(cts[i], v[i]) for i in active)
        checks = {"reverse ⟨Jᵀu, v⟩": lhs, "finite differences ⟨u, Jv⟩": _inner(u, fd)}
        if jv is not None:
            checks["forward ⟨u, Jv⟩"] = _inner(u, jv)
        ref = checks["finite differences ⟨u, Jv⟩"]
        scale = max(1.0, sum(abs(x) for x in checks.values()))
        for name, value in checks.items():
            if abs(value - ref) > atol * scale + rtol * abs(ref):
                _fail("reverse mode, forward mode and finite differences", order, "⟨u, ·⟩",
                      checks, rtol, atol)
    if order > 1 and any(not _is_float(args[i]) for i in active):
        raise NotImplementedError("check_grads: order > 1 needs float or array arguments; "
                                  "check containers of parameters at order 1")
    if order > 1:
        n = len(args)
        names = [f"a{i}" for i in range(n)]
        if "fwd" in modes:
            jvp_fn = api.derivative(f, mode="forward")._fns[0]
            ns = {"_jvp": jvp_fn, **{f"_v{i}": v[i] for i in range(n)}}
            _compile(f"def jvp_along_v({', '.join(names)}):\n"
                     f"    return _jvp({', '.join(names)}, "
                     f"{', '.join(f'_v{i}' for i in range(n))})[1]\n", ns)
            check_grads(ns["jvp_along_v"], args, order - 1, modes, eps, rtol, atol, seed + 1)
        if "rev" in modes:
            fwd, bwd = api._build(f, tuple(range(n)), "vjp")._fns
            w = [(_random_like(a, rng) if i in active else None) for i, a in enumerate(args)]
            ns = {"_fwd": fwd, "_bwd": bwd, "_u": u, "np": np,
                  **{f"_w{i}": w[i] for i in active}}
            terms = " + ".join(f"np.sum(ct[{i}] * _w{i})" for i in active) or "0.0"
            _compile(f"def vjp_along_u({', '.join(names)}):\n"
                     f"    out, res = _fwd({', '.join(names)})\n"
                     f"    ct = _bwd(res, _u)\n"
                     f"    return {terms}\n", ns)
            check_grads(ns["vjp_along_u"], args, order - 1, modes, eps, rtol, atol, seed + 2)
