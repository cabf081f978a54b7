"""Gradients through control flow, over the corpus in ``tests/functions.py``.

Every (function, input point) pair is checked

* against central finite differences in float64 (``checks.numeric_grad``),
  after checking that the point is not on or next to a kink or jump (a
  second difference must vanish and two step sizes must agree), that ``value_and_grad`` returns the function's value, and that the
  caller's arguments are not mutated;
* against the reference tape engine, by re-executing the function's source
  with ``np`` bound to ``tnp`` (skipped for dict arguments, which the tape
  cannot wrap; a list/tuple of arrays becomes one stacked Tensor there, so
  gradients are compared after ``np.asarray``).

Every failure message carries the generated source (``ad.grad(f).source``).
At the end, a few tests check the *shape* of the generated code: the adjoint
of a loop is a loop whose size does not depend on the trip count, and a
branch outside any loop records nothing.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.reference import tape_grad, tnp

from . import functions
from .checks import assert_close, numeric_grad
from .checks import flatten as _flatten
from .checks import positions as _positions
from .functions import CASES

RTOL, ATOL = 1e-5, 1e-7

POINTS = [pytest.param(c, i, id=f"{c.name}-{i}") for c in CASES for i in range(len(c.points))]
TAPE_POINTS = [p for p in POINTS if p.values[0].tape]


# ------------------------------------------------------------------ helpers


def _numeric(f, args, w, eps=1e-6):
    """Finite-difference gradient of ``f`` w.r.t. ``args[w]``, with the
    structure of ``args[w]``."""
    a = args[w]
    if isinstance(a, (float, np.ndarray)):
        return numeric_grad(f, args, w, eps)
    vec, unflatten = _flatten(a)

    def g(v):
        return f(*args[:w], unflatten(v), *args[w + 1:])
    if vec.size == 0:
        return unflatten(vec)
    return unflatten(numeric_grad(g, (vec,), 0, eps))


def _as_tuple(g, wrt):
    return g if isinstance(wrt, tuple) else (g,)


def _stacked(g):
    """A list/tuple of arrays or floats as the tape engine sees it: stacked."""
    if isinstance(g, (list, tuple)):
        return np.asarray(g, dtype=np.float64)
    return g


def tape_version(fn):
    """The same function re-executed from its source with ``np`` = ``tnp``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    tree.body[0].decorator_list = []
    namespace = dict(vars(functions))
    namespace["np"] = tnp
    exec(compile(tree, f"<tape version of {fn.__name__}>", "exec"), namespace)
    return namespace[fn.__name__]


def _args(c, i):
    return copy.deepcopy(c.points[i])


def _call(df, args, what):
    """Run generated code; a crash inside it reports the generated source."""
    try:
        return df(*args)
    except Exception as e:
        raise AssertionError(f"{what} raised {type(e).__name__}: {e}\n"
                             f"generated source:\n{df.source}") from e


def _assert_smooth_at(f, args, wrt, h=1e-6):
    """Guard against corpus mistakes, not s2s_ad ones: ``f`` must not jump
    or kink at the point (a changed trip count, a branch flipping), along a
    fixed random direction in all the differentiated arguments."""
    positions = _positions(wrt)
    vec, unflatten = _flatten([args[w] for w in positions])
    if vec.size == 0:
        return
    d = np.random.default_rng(0).standard_normal(vec.size)
    d /= np.linalg.norm(d)

    def at(v):
        new = list(args)
        for w, part in zip(positions, unflatten(v), strict=True):
            new[w] = part
        return float(f(*new))
    f0, hi, lo = at(vec), at(vec + h * d), at(vec - h * d)
    assert abs(hi + lo - 2 * f0) <= 1e-8 * (1 + abs(f0)), \
        f"bad test point {args!r}: {f.__name__} is not smooth there ({lo}, {f0}, {hi})"


# -------------------------------------------------- gradients, point by point


@pytest.mark.parametrize("c, i", POINTS)
def test_gradient_matches_finite_differences(c, i):
    f, args = c.fn, _args(c, i)
    _assert_smooth_at(f, args, c.wrt)
    before = copy.deepcopy(args)
    df = ad.grad(f, wrt=c.wrt)
    got = _as_tuple(_call(df, args, f"grad of {c.name} at {args!r}"), c.wrt)
    for a, b in zip(args, before, strict=True):
        assert_close(a, b, 0, 0, what="the arguments were mutated")
    for w, g in zip(_positions(c.wrt), got, strict=True):
        expected = _numeric(f, args, w)
        coarse = _numeric(f, args, w, eps=1e-5)
        # not an s2s_ad failure: the corpus chose a point next to a kink
        assert_close(coarse, expected, 1e-4, 1e-6, what=f"bad test point {args!r}")
        assert_close(g, expected, RTOL, ATOL,
                     what=f"d{c.name}/d(arg {w}) at {args!r}; generated source:\n{df.source}")


@pytest.mark.parametrize("c, i", POINTS)
def test_value_and_grad_returns_the_value(c, i):
    args = _args(c, i)
    vg = ad.value_and_grad(c.fn, wrt=c.wrt)
    value, _ = _call(vg, args, f"value_and_grad of {c.name} at {args!r}")
    assert_close(value, c.fn(*_args(c, i)), 1e-12, 0, what=f"value of {c.name}\n{vg.source}")


@pytest.mark.parametrize("c, i", TAPE_POINTS)
def test_gradient_matches_tape_engine(c, i):
    args = _args(c, i)
    df = ad.grad(c.fn, wrt=c.wrt)
    got = _as_tuple(_call(df, args, f"grad of {c.name} at {args!r}"), c.wrt)
    expected = _as_tuple(tape_grad(tape_version(c.fn), *args, wrt=c.wrt), c.wrt)
    for w, g, e in zip(_positions(c.wrt), got, expected, strict=True):
        assert_close(_stacked(g), e, 1e-9, 1e-12,
                     what=f"d{c.name}/d(arg {w}) vs tape at {args!r}; source:\n{df.source}")


def test_the_harness_catches_a_wrong_gradient():
    def f(x):
        return np.sum(np.sin(x) * x)
    x = np.array([0.3, -1.2])
    good = np.cos(x) * x + np.sin(x)
    assert_close(good, _numeric(f, (x,), 0), RTOL, ATOL)
    with pytest.raises(AssertionError):
        assert_close(good * (1 + 1e-4), _numeric(f, (x,), 0), RTOL, ATOL)
    xs = [np.array([0.5, 1.0]), np.array([2.0])]
    g = _numeric(lambda xs: np.sum(xs[0] ** 2) * np.sum(xs[1]), (xs,), 0)
    assert isinstance(g, list)
    assert_close(g, [np.array([2.0, 4.0]), np.array([1.25])], RTOL, ATOL)
    with pytest.raises(AssertionError):
        _assert_smooth_at(lambda x: x if x > 0 else 2.0 * x, (0.0,), 0)


def test_corpus_is_large_and_every_point_is_used():
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)
    for c in CASES:
        assert c.points, c.name
        for w in _positions(c.wrt):
            assert not isinstance(c.points[0][w], (bool, int)), f"{c.name}: int wrt"


# --------------------------------------------------- shape of generated code


def test_adjoint_of_a_loop_is_a_loop_of_fixed_size():
    s3 = ad.grad(functions.one_loop_3).source
    s300 = ad.grad(functions.one_loop_300).source
    assert s3.count("for ") >= 2, s3
    assert "reversed(" in s3, s3
    # only the literal 3 -> 300 may differ (a few characters per occurrence)
    assert abs(len(s300) - len(s3)) <= 2 * s3.count("3"), f"{s3}\n---\n{s300}"
    assert len(s3.splitlines()) == len(s300.splitlines()), f"{s3}\n---\n{s300}"
    # unrolling would make the source grow with n; trip count stays a runtime value
    assert s3.count("np.sin(") <= 2 and s3.count("np.cos(") <= 1, s3


def test_adjoint_of_a_while_loop_is_a_loop():
    src = ad.grad(functions.newton_sqrt).source
    assert src.count("while ") >= 1 and src.count("for ") >= 1, src


def test_adjoint_of_nested_loops_is_nested_loops():
    src = ad.grad(functions.nested_triangular).source
    assert src.count("for ") >= 4, src
    src3 = ad.grad(functions.nested_three_levels).source
    assert src3.count("for ") >= 6, src3


def branch_only(x):
    if x > 0:
        y = np.sin(x) * x
    else:
        y = np.exp(x)
    return y * y


def test_branch_outside_a_loop_records_nothing():
    src = ad.grad(branch_only).source
    assert ".append(" not in src, src
    assert src.count("if ") >= 2, src       # the adjoint branches on the same predicate
    for c in (functions.nested_if_depth3, functions.several_returns,
              functions.and_condition, functions.chained_comparison):
        src = ad.grad(c, wrt=0).source
        assert ".append(" not in src, src


def additive_loop(x, n):
    y = x
    for _ in range(n):
        y = y + x
    return y


def test_loop_whose_adjoint_reads_nothing_saves_nothing():
    src = ad.grad(additive_loop).source
    assert ".append(" not in src, src
    assert src.count("for ") >= 2, src


def reflections(h, v, e, n):
    for _ in range(n):
        h = h + v * 0.1
        if h < 0.0:
            h = -e * h
            v = np.sin(e) * v
    return h * h + v


def invariant_of_the_inner_loop_only(x, e, n):
    for i in range(n):
        for j in range(2):
            x = x * (e * i + 1.0)
    return x


def test_loop_invariants_are_not_saved_per_iteration():
    """``-e`` and ``np.sin(e)`` are the same on every iteration: the backward
    reads them as they stand, only the carried values are saved. A value
    invariant in an inner loop but not in the outer one (``e * i``) is
    still saved per outer iteration."""
    args = (1.05, -2.0, 0.8, 30)
    df = ad.grad(reflections, wrt=(0, 1, 2))
    src = df.source_for(*args)
    assert src.count(".append(") == 3, src  # h, v and the branch taken
    assert "-e" in src and "res_t_" not in src, src
    for w, g in zip((0, 1, 2), df(*args), strict=True):
        assert_close(g, numeric_grad(reflections, args, w), what=f"arg {w}\n{src}")
    args = (0.7, 0.3, 4)
    df = ad.grad(invariant_of_the_inner_loop_only, wrt=(0, 1))
    for w, g in zip((0, 1), df(*args), strict=True):
        assert_close(g, numeric_grad(invariant_of_the_inner_loop_only, args, w),
                     what=f"arg {w}\n{df.source}")


def rnn_steps(W, xs):
    h = np.zeros(W.shape[0])
    for t in range(len(xs) - 1):
        h = np.tanh(W @ h + xs[t] * xs[t + 1])
    return np.sum(h ** 2)


def test_items_picked_by_the_loop_index_are_recomputed_not_saved():
    """``xs[t]`` and ``t + 1`` follow from the restored index: the backward
    loop recomputes them; only the state is saved."""
    rng = np.random.default_rng(3)
    W, xs = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(5, 3))
    df = ad.grad(rnn_steps, wrt=(0, 1))
    src = df.source
    items = {line.split("=")[0].strip() for line in src.splitlines() if "= xs[" in line}
    saved = {line.split(".append(")[1].rstrip(")") for line in src.splitlines()
             if ".append(" in line}
    assert items and not items & saved, src
    assert "xs[t]" in src.split("reversed(")[1], src
    for w, g in zip((0, 1), df(W, xs), strict=True):
        assert_close(g, numeric_grad(rnn_steps, (W, xs), w), what=f"arg {w}\n{src}")
