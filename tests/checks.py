"""Independent references for the tests: central finite differences in
float64, helpers to compare gradients with structure, and the golden-file check."""

from __future__ import annotations

import os
import pathlib

import numpy as np


def _perturbed(args, i, index, delta):
    args = list(args)
    a = args[i]
    if isinstance(a, np.ndarray):
        a = a.astype(np.float64, copy=True)
        a[index] += delta
    else:
        a = float(a) + delta
    args[i] = a
    return args


def numeric_grad(f, args, wrt=0, eps=1e-6):
    """Central finite differences of a scalar function w.r.t. ``args[wrt]``."""
    x = args[wrt]
    if isinstance(x, np.ndarray):
        g = np.zeros(x.shape)
        for index in np.ndindex(x.shape):
            hi = f(*_perturbed(args, wrt, index, eps))
            lo = f(*_perturbed(args, wrt, index, -eps))
            g[index] = (hi - lo) / (2 * eps)
        return g
    hi = f(*_perturbed(args, wrt, None, eps))
    lo = f(*_perturbed(args, wrt, None, -eps))
    return (hi - lo) / (2 * eps)


def numeric_vjp(f, args, u, wrt=0, eps=1e-6):
    """``<u, df/dargs[wrt]>`` by central differences, for non-scalar ``f``."""
    return numeric_grad(lambda *a: float(np.sum(u * f(*a))), args, wrt, eps)


def assert_close(actual, expected, rtol=1e-6, atol=1e-8, what=""):
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, type(expected)) and len(actual) == len(expected), \
            f"{what}: structure {type(actual).__name__} vs {type(expected).__name__}"
        for a, e in zip(actual, expected, strict=True):
            assert_close(a, e, rtol, atol, what)
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), what
        for k in expected:
            assert_close(actual[k], expected[k], rtol, atol, f"{what}[{k!r}]")
        return
    assert np.shape(actual) == np.shape(expected), \
        f"{what}: shape {np.shape(actual)} != {np.shape(expected)}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def check_grad(df_or_f, args, wrt=0, rtol=1e-5, atol=1e-7):
    """Compare s2s_ad's gradient with finite differences for every ``wrt``."""
    import s2s_ad as ad
    f = df_or_f
    df = ad.grad(f, wrt=wrt)
    got = df(*args)
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    expected = [numeric_grad(f, args, w) for w in positions]
    if not isinstance(wrt, tuple):
        got = (got,)
    for g, e, w in zip(got, expected, positions, strict=True):
        assert_close(g, e, rtol, atol, what=f"d/d arg {w}\n{df.source}")
    return df


def positions(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def flatten(tree):
    """``(vector, unflatten)`` for a float, an array, or nested lists/tuples/
    dicts of them."""
    if isinstance(tree, (list, tuple)):
        parts = [flatten(t) for t in tree]
        sizes = [p[0].size for p in parts]
        vec = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
        kind = type(tree)

        def unflatten(v):
            out, k = [], 0
            for (_, unf), n in zip(parts, sizes, strict=True):
                out.append(unf(v[k:k + n]))
                k += n
            return kind(out)
        return vec, unflatten
    if isinstance(tree, dict):
        keys = list(tree)
        vec, unf = flatten([tree[k] for k in keys])
        return vec, lambda v: dict(zip(keys, unf(v), strict=True))
    if isinstance(tree, np.ndarray):
        shape = tree.shape
        return tree.astype(np.float64).ravel(), lambda v: v.reshape(shape).copy()
    return np.array([float(tree)]), lambda v: float(v[0])


GOLDEN = pathlib.Path(__file__).parent / "golden"


def assert_matches_golden(filename: str, actual: str, what: str) -> None:
    """``actual`` equals ``tests/golden/<filename>``. With
    ``S2S_AD_UPDATE_GOLDEN=1`` the file is (re)written first; without it a
    missing file fails, so a golden test cannot pass by writing its own
    expectation."""
    path = GOLDEN / filename
    if os.environ.get("S2S_AD_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual)
    assert path.exists(), f"no golden file {path}: run with S2S_AD_UPDATE_GOLDEN=1 to write it"
    expected = path.read_text()
    assert actual == expected, (
        f"{what} changed; actual text:\n\n{actual}\n"
        f"(rerun with S2S_AD_UPDATE_GOLDEN=1 to accept it)")
