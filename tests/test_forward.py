"""Forward mode (JVP by source transformation) and Jacobians.

Every (function, input point) of the control-flow corpus in
``tests/functions.py``, plus the straight-line functions below (some with
non-scalar outputs), is checked

* against a central finite difference along a random direction in the
  differentiated arguments (after checking that the point is not next to a
  kink: the second difference must vanish and two step sizes must agree);
* against the reference ``Dual`` engine, by re-executing the function's
  source with ``np`` bound to ``dnp`` (skipped for dict arguments, which the
  engine cannot wrap; a list/tuple of arrays is one stacked Dual there);
* for the dot-product identity ``<u, J v> = <Jᵀ u, v>``, ``J v`` from
  ``jvp`` and ``Jᵀ u`` from ``vjp``.

Then: the generated tangent code keeps loops as loops and branches as
branches and saves nothing; ``jacobian`` in forward, reverse and automatic
mode equals the finite-difference Jacobian, shaped ``out.shape + in.shape``.

Every failure message carries the generated source.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
import zlib

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.reference import Dual, dnp

from . import functions
from .checks import assert_close, numeric_grad
from .checks import flatten as _flatten
from .checks import positions as _positions
from .functions import CASES, Case, arr

RTOL, ATOL = 1e-5, 1e-7

# ------------------------------------------------ straight-line functions


STRAIGHT: list[Case] = []


def straight(*points, wrt=0, dual=True):
    def register(fn):
        STRAIGHT.append(Case(fn, points, wrt, dual))
        return fn
    return register


X3 = arr(0.3, -1.2, 2.0)
P3 = arr(0.4, 1.3, 2.1)
M23 = np.array([[0.5, -0.3, 1.2], [0.8, 0.1, -0.7]])
M32 = np.array([[0.2, 0.6], [-0.5, 0.3], [0.25, -0.15]])


@straight((X3,), (arr(1.1, 0.2),))
def elementwise_chain(x):
    return np.sum(np.exp(np.sin(x)) * np.tanh(x) / (1.0 + x * x))


@straight((P3,))
def log_sqrt_power(x):
    return np.sum(np.log(x) * np.sqrt(x) - x ** 1.5 + np.log1p(x) * np.expm1(-x))


@straight((P3, arr(0.5, -1.5, 2.5)), wrt=(0, 1))
def array_power_both_active(x, y):
    return np.sum(x ** y)


@straight((M23, X3), wrt=(0, 1))
def matvec_tanh(A, x):
    return np.sum(np.tanh(A @ x) ** 2)


@straight((M23, M32), wrt=(0, 1))
def matrix_product(A, B):
    C = A @ B
    return np.sum(C * C) + np.sum(np.dot(B, A))


@straight((X3, M23), wrt=(0, 1))
def broadcasting_row(x, M):
    return np.sum(np.sin(M + x) * x) + np.sum(M * 2.0)


@straight((M23,))
def reductions_with_axis(A):
    return np.sum(np.mean(A, axis=0) ** 2) + np.sum(np.max(A, axis=1) * np.sum(A, axis=1))


@straight((arr(0.9, -0.4, 1.7, 0.25),))
def indexing_and_slicing(x):
    return x[0] * x[-1] + np.sum(x[1:3] ** 2) + x[2] / x[0]


@straight((M23,))
def reshape_and_transpose(A):
    return np.sum(A.T @ A) + np.sum(np.reshape(A, (3, 2))[0] * 2.0) + np.sum(np.transpose(A)[1])


@straight((arr(0.9, -0.4, 1.7, -0.25),))
def maximum_and_where(x):
    return np.sum(np.maximum(x, 0.1) * np.where(x > 0, x, 2.0 * x))


@straight((0.7, -1.3), (-0.4, 0.6), wrt=(0, 1))
def scalar_trig(a, b):
    return np.arctan2(b, a) * np.hypot(a, b) + np.cos(a * b) - np.arctan(a / b)


@straight((0.7, -1.3), wrt=(0, 1))
def division_and_negation(x, y):
    return -x / y + y / (x * x) - (x - y) ** 2


@straight((arr(0.5, -1.0, 2.0), arr(0.0, 0.0, 1.0)))
def softmax_cross_entropy(x, t):
    z = x - np.max(x)
    p = np.exp(z) / np.sum(np.exp(z))
    return -np.sum(t * np.log(p))


@straight((X3, P3), wrt=(0, 1))
def stack_and_concatenate(x, y):
    s = np.stack([x, y * 2.0])
    return np.sum(np.concatenate([x, y * y]) ** 2) + np.sum(s[1] * s[0])


@straight((arr(0.9, -0.4, 1.7),))
def prod_and_abs(x):
    return np.prod(x) + np.sum(np.abs(x) * x)


@straight((arr(0.9, -0.4, 0.2, -1.3),))
def clip_inside_interval(x):
    return np.sum(np.clip(x, -1.0, 0.5) * x)


@straight((X3,))
def vector_output(x):
    return np.sin(x) * np.sum(x * x)


@straight((M23,))
def matrix_output(A):
    return np.tanh(A @ A.T) + A[:, :2] @ A[:, 1:].T


@straight((M23, X3), wrt=(0, 1))
def two_inputs_vector_output(A, x):
    return np.exp(A @ x) - np.sum(A, axis=1)


@straight((0.7,), (-1.1,))
def scalar_to_vector(t):
    return np.stack([np.sin(t), t * t, np.exp(t)])


@straight((X3,))
def sigmoid_square_reciprocal(x):
    return np.sum(np.square(1.0 / (1.0 + np.exp(-x))) + np.reciprocal(2.0 + x * x) + np.cosh(x))


# ------------------------------------------------------------- helpers


def _zero_like(a):
    """A zero tangent for an argument that is not differentiated."""
    if isinstance(a, (bool, int)):
        return 0.0
    vec, unflatten = _flatten(a)
    return unflatten(np.zeros_like(vec))


def _direction(c, args, i):
    """A random unit tangent in the differentiated arguments, zero elsewhere."""
    rng = np.random.default_rng(zlib.crc32(f"{c.name}-{i}".encode()))
    wrt = _positions(c.wrt)
    flat = [_flatten(a)[0] if k in wrt else None for k, a in enumerate(args)]
    norm = np.sqrt(sum(v.size for v in flat if v is not None))
    out = []
    for k, a in enumerate(args):
        if k in wrt:
            out.append(_flatten(a)[1](rng.standard_normal(flat[k].size) / norm))
        else:
            out.append(_zero_like(a))
    return out


def _shifted(args, tangents, wrt, h):
    out = list(args)
    for k in _positions(wrt):
        vec, unflatten = _flatten(args[k])
        out[k] = unflatten(vec + h * _flatten(tangents[k])[0])
    return out


def _fd_jvp(f, args, tangents, wrt, h=1e-6):
    hi = np.asarray(f(*_shifted(args, tangents, wrt, h)), dtype=float)
    lo = np.asarray(f(*_shifted(args, tangents, wrt, -h)), dtype=float)
    return (hi - lo) / (2 * h)


def _assert_smooth_along(f, args, tangents, wrt, h=1e-6):
    """Guard against corpus mistakes, not s2s_ad ones: no jump or kink at the
    point along the direction, and two step sizes agree."""
    f0 = np.asarray(f(*copy.deepcopy(args)), dtype=float)
    hi = np.asarray(f(*_shifted(args, tangents, wrt, h)), dtype=float)
    lo = np.asarray(f(*_shifted(args, tangents, wrt, -h)), dtype=float)
    assert np.all(np.abs(hi + lo - 2 * f0) <= 1e-8 * (1 + np.abs(f0))), \
        f"bad test point {args!r}: {f.__name__} is not smooth there"
    assert_close(_fd_jvp(f, args, tangents, wrt, 1e-5), _fd_jvp(f, args, tangents, wrt),
                 1e-4, 1e-6, what=f"bad test point {args!r}")


def _has_int(args):
    return any(isinstance(a, int) and not isinstance(a, bool) for a in args)


def _jvp(f, args, tangents):
    """``ad.jvp``; for a function with a Python int argument (a loop bound) the
    generated JVP function is called directly, because ``ad.jvp`` turns every
    int into a float (see ``test_int_loop_bound_is_not_turned_into_a_float``)."""
    if _has_int(args):
        return ad.derivative(f, mode="forward").function(*args, *tangents)
    return ad.jvp(f, args, tangents)


def _transpose_applied(f, args, u, wrt):
    """``Jᵀ u`` for the arguments at ``wrt``: from ``ad.vjp``, or for a scalar
    function with an int argument (see ``_jvp``) as ``u * grad``."""
    if _has_int(args):
        g = ad.grad(f, wrt=wrt)(*args)
        g = g if isinstance(wrt, tuple) else (g,)
        return [_flatten(x)[0] * float(u) for x in g]
    _, pullback = ad.vjp(f, *args)
    cts = pullback(u)
    return [_flatten(cts[k])[0] for k in _positions(wrt)]


def _source(f):
    try:
        return ad.derivative(f, mode="forward").source
    except Exception as e:  # only for the message
        return f"<no source: {type(e).__name__}: {e}>"


def _call(fn, what, f):
    try:
        return fn()
    except Exception as e:
        raise AssertionError(f"{what} raised {type(e).__name__}: {e}\n"
                             f"generated source:\n{_source(f)}") from e


def dual_version(fn):
    """The same function re-executed from its source with ``np`` = ``dnp``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    tree.body[0].decorator_list = []
    namespace = dict(fn.__globals__)
    namespace["np"] = dnp
    exec(compile(tree, f"<dual version of {fn.__name__}>", "exec"), namespace)
    return namespace[fn.__name__]


def _stacked(a):
    if isinstance(a, (list, tuple)):
        return np.asarray(a, dtype=np.float64)
    return a


ALL = CASES + STRAIGHT
POINTS = [pytest.param(c, i, id=f"{c.name}-{i}") for c in ALL for i in range(len(c.points))]
DUAL_POINTS = [p for p in POINTS if p.values[0].tape]


# ------------------------------------------------------- point by point


@pytest.mark.parametrize("c, i", POINTS)
def test_jvp_matches_finite_differences(c, i):
    f, args = c.fn, copy.deepcopy(c.points[i])
    v = _direction(c, args, i)
    _assert_smooth_along(f, args, v, c.wrt)
    before = copy.deepcopy(args)
    out, tangent = _call(lambda: _jvp(f, args, v), f"jvp of {c.name} at {args!r}", f)
    for a, b in zip(args, before, strict=True):
        assert_close(a, b, 0, 0, what="the arguments were mutated")
    src = _source(f)
    assert_close(out, f(*copy.deepcopy(c.points[i])), 1e-12, 0,
                 what=f"primal value of {c.name}\n{src}")
    expected = _fd_jvp(f, args, v, c.wrt)
    assert np.shape(tangent) == np.shape(expected), \
        f"tangent shape {np.shape(tangent)} != output shape {np.shape(expected)}\n{src}"
    assert_close(np.asarray(tangent, dtype=float), expected, RTOL, ATOL,
                 what=f"J v of {c.name} at {args!r} along {v!r}; generated source:\n{src}")


@pytest.mark.parametrize("c, i", DUAL_POINTS)
def test_jvp_matches_dual_engine(c, i):
    f, args = c.fn, copy.deepcopy(c.points[i])
    v = _direction(c, args, i)
    _, tangent = _call(lambda: _jvp(f, args, v), f"jvp of {c.name} at {args!r}", f)
    wrt = _positions(c.wrt)
    duals = [Dual(_stacked(a), _stacked(t)) if k in wrt else a
             for k, (a, t) in enumerate(zip(copy.deepcopy(args), v, strict=True))]
    result = dual_version(f)(*duals)
    expected = result.deriv if isinstance(result, Dual) else np.zeros(np.shape(result))
    assert_close(np.asarray(tangent, dtype=float), np.asarray(expected, dtype=float), 1e-9, 1e-12,
                 what=f"J v of {c.name} vs Dual engine at {args!r}; source:\n{_source(f)}")


@pytest.mark.parametrize("c, i", POINTS)
def test_jvp_and_vjp_satisfy_the_dot_product_identity(c, i):
    f, args = c.fn, copy.deepcopy(c.points[i])
    v = _direction(c, args, i)
    out, tangent = _call(lambda: _jvp(f, args, v), f"jvp of {c.name} at {args!r}", f)
    rng = np.random.default_rng(zlib.crc32(c.name.encode()) + 7)
    u = rng.standard_normal(np.shape(out)) if np.ndim(out) else float(rng.standard_normal())
    lhs = float(np.sum(u * np.asarray(tangent, dtype=float)))
    cts = _call(lambda: _transpose_applied(f, copy.deepcopy(args), u, c.wrt),
                f"vjp of {c.name} at {args!r}", f)
    rhs = sum(float(ct @ _flatten(v[k])[0]) for ct, k in zip(cts, _positions(c.wrt), strict=True))
    assert abs(lhs - rhs) <= 1e-9 * (1 + abs(lhs) + abs(rhs)), (
        f"<u, J v> = {lhs!r} (jvp) but <Jᵀ u, v> = {rhs!r} (vjp) for {c.name} at {args!r}\n"
        f"tangent code:\n{_source(f)}")


def test_the_harness_catches_a_wrong_tangent():
    """The checks above can fail: a wrong JVP (of a primitive with a wrong
    rule) is caught by the finite differences and by the dot-product test."""
    @ad.primitive
    def cube(x):
        return x * x * x
    cube.defvjp(lambda g, ans, x: g * 3.0 * x * x)
    cube.defjvp(lambda dx, ans, x: dx * 3.0 * x)          # wrong: should be 3 x**2

    def f(x):
        return np.sum(cube(x) * 2.0)
    c = Case(f, ((arr(0.5, 1.5),),))
    with pytest.raises(AssertionError):
        test_jvp_matches_finite_differences(c, 0)
    with pytest.raises(AssertionError):
        test_jvp_and_vjp_satisfy_the_dot_product_identity(c, 0)
    with pytest.raises(AssertionError, match="not smooth"):
        _assert_smooth_along(lambda x: abs(x), [0.0], [1.0], 0)


def test_straight_line_functions_are_straight_line():
    for c in STRAIGHT:
        tree = ast.parse(textwrap.dedent(inspect.getsource(c.fn)))
        assert not any(isinstance(n, (ast.If, ast.For, ast.While, ast.IfExp))
                       for n in ast.walk(tree)), c.name


# -------------------------------------------- Python int arguments (bug)


def power_loop(x, n):
    y = 1.0
    for _ in range(n):
        y = y * x
    return y


INT_CALLS = {
    "jvp": lambda: ad.jvp(power_loop, (0.9, 4), (1.0, 0)),
    "derivative_forward_call": lambda: ad.derivative(power_loop, mode="forward")(0.9, 4, 1.0, 0),
    "vjp": lambda: (lambda out, pb: (out, pb(1.0)[0]))(*ad.vjp(power_loop, 0.9, 4)),
    "jacobian": lambda: ad.jacobian(power_loop)(0.9, 4),
    "jacobian_reverse": lambda: ad.jacobian(power_loop, mode="reverse")(0.9, 4),
    "hessian": lambda: ad.hessian(power_loop)(0.9, 4),
    "hvp": lambda: ad.hvp(power_loop)(0.9, 4, 1.0),
    "check_grads": lambda: ad.check_grads(power_loop, (0.9, 4)),
}
# d/dx x**4 = 4 x**3, d2/dx2 = 12 x**2
INT_EXPECTED = {
    "jvp": (0.9 ** 4, 4 * 0.9 ** 3),
    "derivative_forward_call": (0.9 ** 4, 4 * 0.9 ** 3),
    "vjp": (0.9 ** 4, 4 * 0.9 ** 3),
    "jacobian": 4 * 0.9 ** 3,
    "jacobian_reverse": 4 * 0.9 ** 3,
    "hessian": 12 * 0.9 ** 2,
    "hvp": 12 * 0.9 ** 2,
    "check_grads": None,
}


@pytest.mark.parametrize("entry", sorted(INT_CALLS))
def test_int_loop_bound_is_not_turned_into_a_float(entry):
    """A non-differentiated Python int (here a loop bound) must reach the
    function as an int: the forward-mode, vjp, jacobian, hessian and
    check_grads entry points currently convert *every* int argument to a
    float, so ``range(n)`` raises TypeError. (``ad.grad(power_loop)`` works:
    it converts only the differentiated argument.)"""
    assert ad.grad(power_loop)(0.9, 4) == pytest.approx(4 * 0.9 ** 3)
    got = INT_CALLS[entry]()
    if INT_EXPECTED[entry] is not None:
        assert_close(got, INT_EXPECTED[entry], 1e-12, 1e-12, what=entry)


def sum_at_indices(r, x):
    s = 0.0
    for k in range(len(r)):
        i = r[k]
        s = s + x[i] * x[i]
    return s


def test_integer_sequence_argument_gets_no_tangent():
    """An integer sequence argument (a ``range``; its tangent is None, as
    ``check_grads`` and ``jacobian`` pass for non-numeric values) must not get
    tangent lines: the JVP emits ``di = dr[k]`` for the integer index and
    fails with TypeError ('NoneType' object is not subscriptable). This is
    what breaks check_grads(order=2) through the generated backward half, whose
    saved loop ``range`` is such an argument."""
    x = np.array([0.6, -1.1, 0.2])
    out, t = ad.jvp(sum_at_indices, (range(3), x), (None, np.ones(3)))
    assert t == pytest.approx(2 * np.sum(x), rel=1e-12)


# ------------------------------------------------ shape of tangent code


def _counts(src):
    tree = ast.parse(textwrap.dedent(src))
    return {k: sum(isinstance(n, getattr(ast, k)) for n in ast.walk(tree))
            for k in ("For", "While", "If")}


FORWARD_SHAPE = [pytest.param(c, id=c.name) for c in CASES]


@pytest.mark.parametrize("c", FORWARD_SHAPE)
def test_tangent_code_keeps_loops_and_branches_and_saves_nothing(c):
    src = ad.derivative(c.fn, mode="forward").source
    primal, tangent = _counts(inspect.getsource(c.fn)), _counts(src)
    assert tangent["For"] == primal["For"] and tangent["While"] == primal["While"], \
        f"loops of {c.name}: {primal} -> {tangent}\n{src}"
    assert tangent["If"] >= primal["If"], f"branches of {c.name}: {primal} -> {tangent}\n{src}"
    for saved in (".append(", "reversed(range(len("):
        assert saved not in src, f"forward code of {c.name} saves residuals:\n{src}"


def test_tangent_of_a_loop_is_one_loop_of_fixed_size():
    s3 = ad.derivative(functions.one_loop_3, mode="forward").source
    s300 = ad.derivative(functions.one_loop_300, mode="forward").source
    assert s3.count("for ") == 1 and s3.count("np.sin(") == 1 and s3.count("np.cos(") == 1, s3
    assert s300.replace("300", "3") == s3, f"{s3}\n---\n{s300}"
    # the loop is a loop: d/dx after 300 iterations by forward mode vs finite differences
    _, d = ad.jvp(functions.one_loop_300, (0.3,), (1.0,))
    fd = (functions.one_loop_300(0.3 + 1e-7) - functions.one_loop_300(0.3 - 1e-7)) / 2e-7
    assert d == pytest.approx(fd, rel=1e-5)


def test_tangent_of_a_branch_branches_on_the_same_predicate():
    src = ad.derivative(functions.if_elif_else, mode="forward").source
    tree = ast.parse(src)
    ifs = [n for n in ast.walk(tree) if isinstance(n, ast.If)]
    assert len(ifs) == 2, src          # if / elif: no select, no both-arms evaluation
    leaves = [arm for node in ifs for arm in (node.body, node.orelse)
              if not any(isinstance(s, ast.If) for s in arm)]
    assert len(leaves) == 3, src
    for arm in leaves:
        # each arm computes its primal value and, right there, its tangent
        assigned = {t.id for s in arm if isinstance(s, ast.Assign)
                    for t in s.targets if isinstance(t, ast.Name)}
        assert {"y", "dy"} <= assigned, f"{sorted(assigned)}\n{src}"
    assert src.count("np.cos(") == 1, src   # only the sin arm differentiates sin


def test_tangent_of_while_and_nested_loops():
    src = ad.derivative(functions.newton_sqrt, mode="forward").source
    assert _counts(src) == {"For": 0, "While": 1, "If": 0}, src
    src = ad.derivative(functions.nested_three_levels, mode="forward").source
    tree = ast.parse(src)
    outer = [n for n in tree.body[0].body if isinstance(n, ast.For)]
    assert len(outer) == 1, src
    depth2 = [n for n in outer[0].body if isinstance(n, ast.For)]
    assert len(depth2) == 1 and any(isinstance(n, ast.For) for n in depth2[0].body), src


def dict_values_loop(d, x):
    s = 0.0
    for v in d.values():
        s = s + v * x
    return s


def dict_items_loop(x, d):
    s = 0.0
    for _, w in d.items():
        s = s + w * x * x
    return s


def test_forward_over_dict_iteration_values():
    """Minimised from the corpus (for_dict_values): reverse mode handles a
    loop over ``d.values()``; forward mode raises NonDifferentiableError
    ('cannot differentiate through list') when building the JVP."""
    d = {"u": 0.3, "v": -1.1}
    assert ad.grad(dict_values_loop, wrt=1)(d, 2.0) == pytest.approx(-0.8)
    _, t = ad.jvp(dict_values_loop, (d, 2.0), ({"u": 1.0, "v": 0.0}, 1.0))
    assert t == pytest.approx(2.0 + 0.3 - 1.1, rel=1e-12)


def test_forward_over_dict_iteration_items():
    """The same with the dict not differentiated (for_dict_items): the JVP
    still cannot be built."""
    d = {"a": 1.0, "b": -0.5}
    _, t = ad.jvp(dict_items_loop, (0.5, d), (1.0, {"a": 0.0, "b": 0.0}))
    assert t == pytest.approx(2 * 0.5 * 0.5, rel=1e-12)


# -------------------------------------------------------------- jacobians


def _fd_jacobian(f, args, wrt, eps=1e-6):
    x = args[wrt]
    out = np.asarray(f(*args), dtype=float)
    J = np.zeros(out.shape + np.shape(x))
    for index in np.ndindex(np.shape(x)):
        e = np.zeros(np.shape(x))
        e[index] = 1.0
        tangents = [_zero_like(a) for a in args]
        tangents[wrt] = e if np.ndim(x) else 1.0
        J[(...,) + index] = _fd_jvp(f, args, tangents, wrt, eps)
    return J


def jac_scalar_to_vector(t):
    return np.stack([np.sin(t), t * t, np.exp(t)])


def jac_vector_to_vector(x):
    return np.tanh(x) * np.sum(x * x)


def jac_vector_to_shorter_vector(x):
    return np.stack([np.sum(x * x), np.prod(x)])


def jac_matrix_to_matrix(A):
    return A @ A.T + np.sum(np.sin(A[:, :2]))


def jac_matrix_to_scalar(A):
    return np.sum(A ** 3) * A[0, 1]


def jac_matrix_vector(A, w):
    return np.tanh(A @ w)


def jac_vector_to_matrix(x):
    return x[:, None] * np.exp(x)[None, :]


def jac_scalar_to_scalar(x):
    return x ** 3 * np.sin(x)


def jac_loop(x):
    y = x
    for i in range(3):
        if i == 1:
            y = np.sin(y) * x
        else:
            y = y * y - x * 0.5
    return y


W23 = np.array([0.2, -0.4, 0.9])
JACOBIANS = {
    "scalar_to_vector": (jac_scalar_to_vector, (0.7,), 0, (3,)),
    "vector_to_vector": (jac_vector_to_vector, (W23,), 0, (3, 3)),
    "vector_to_shorter_vector": (jac_vector_to_shorter_vector, (X3,), 0, (2, 3)),
    "matrix_to_matrix": (jac_matrix_to_matrix, (M23,), 0, (2, 2, 2, 3)),
    "matrix_to_scalar": (jac_matrix_to_scalar, (M23,), 0, (2, 3)),
    "matrix_vector_wrt_matrix": (jac_matrix_vector, (M23, W23), 0, (2, 2, 3)),
    "matrix_vector_wrt_vector": (jac_matrix_vector, (M23, W23), 1, (2, 3)),
    "matrix_vector_wrt_name": (jac_matrix_vector, (M23, W23), "w", (2, 3)),
    "vector_to_matrix": (jac_vector_to_matrix, (W23,), 0, (3, 3, 3)),
    "scalar_to_scalar": (jac_scalar_to_scalar, (0.7,), 0, ()),
    "loop_and_branch": (jac_loop, (X3,), 0, (3, 3)),
}


@pytest.mark.parametrize("mode", [None, "forward", "reverse"])
@pytest.mark.parametrize("name", sorted(JACOBIANS))
def test_jacobian_matches_finite_differences(name, mode):
    f, args, wrt, shape = JACOBIANS[name]
    position = 1 if wrt == "w" else wrt
    J = ad.jacobian(f, wrt=wrt, mode=mode)(*args)
    assert np.shape(J) == shape, f"{name} ({mode}): shape {np.shape(J)}, want {shape}"
    if shape == ():
        assert isinstance(J, float), type(J)
    assert_close(np.asarray(J), _fd_jacobian(f, list(args), position), RTOL, ATOL,
                 what=f"Jacobian of {name}, mode={mode}")


def test_jacobian_of_scalar_to_vector_exact():
    t = 0.7
    for mode in (None, "forward", "reverse"):
        J = ad.jacobian(jac_scalar_to_vector, mode=mode)(t)
        assert_close(J, np.array([np.cos(t), 2 * t, np.exp(t)]), 1e-12, 1e-14, what=str(mode))


def test_jacobian_of_linear_map_is_the_matrix():
    A = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])

    def lin(x):
        return A @ x
    for mode in (None, "forward", "reverse"):
        assert_close(ad.jacobian(lin, mode=mode)(X3), A, 0, 1e-15, what=str(mode))


def rebinds_to_a_copy_then_writes(x):
    x = x.copy()
    x[1:3] = x[1:3] * 2.0
    return np.sum(x * x)


def test_jvp_does_not_write_into_the_callers_tangent():
    """The tangent of x.copy() is a copy: the code after it writes into it
    as into the primal copy (it wrote into the caller's tangent array)."""
    x, t = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, -1.0, 2.0, 1.0])
    t_before = t.copy()
    out, tangent = ad.jvp(rebinds_to_a_copy_then_writes, (x,), (t,))
    assert np.array_equal(t, t_before)
    assert_close(tangent, numeric_grad(rebinds_to_a_copy_then_writes, (x,)) @ t)
