"""Tests for the independent reference engines (s2s_ad.reference).

Both engines are checked against central finite differences in float64 and
against each other: for a scalar loss L, the tape gradient g and the dual
tangent t along a direction v must satisfy <g, v> == t.  Programs are
written once as ``prog(xp, *args)`` and run with ``xp = np`` (finite
differences), ``xp = tnp`` (tape) and ``xp = dnp`` (dual numbers).
"""

import ast
import math
import pathlib

import numpy as np
import pytest

from s2s_ad.reference import Dual, Tensor, dnp, jvp_dual, tape_grad, tnp

H = 1e-6
FD_RTOL, FD_ATOL = 1e-6, 1e-7

REFERENCE_DIR = pathlib.Path(__file__).resolve().parents[1] / "s2s_ad" / "reference"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


class _NumpyWithExtras:
    """``numpy`` plus the two non-numpy names the oracles provide."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    @staticmethod
    def relu(x):
        return np.maximum(x, 0.0)


NP = _NumpyWithExtras()


def fd_grad(f, x, h=H):
    """Central finite-difference gradient of a scalar function f at x."""
    if np.ndim(x) == 0:
        return (f(x + h) - f(x - h)) / (2 * h)
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


def fd_jvp(f, args, tangents, h=H):
    """Central finite-difference directional derivative of f along tangents."""
    plus = [a + h * t for a, t in zip(args, tangents, strict=True)]
    minus = [a - h * t for a, t in zip(args, tangents, strict=True)]
    return (np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * h)


def sample(shape, lo, hi, rng, signed=False):
    """Uniform in [lo, hi] (or +-[lo, hi] if signed); a float for shape ()."""
    x = rng.uniform(lo, hi, size=shape)
    if signed:
        x = x * rng.choice([-1.0, 1.0], size=shape)
    return float(x) if shape == () else x


def check_program(prog, args, wrt=None, seed=0):
    """Check tape gradients and dual tangents of prog(xp, *args).

    Arguments not in ``wrt`` stay plain numbers/arrays (constants), which
    exercises the reflected operators (``ndarray * Tensor`` and friends).
    """
    rng = np.random.default_rng(seed)
    args = list(args)
    wrt = tuple(range(len(args))) if wrt is None else tuple(wrt)
    out = np.asarray(prog(NP, *args))
    cot = rng.standard_normal(out.shape)  # fixed cotangent: L = sum(cot * out)

    def with_args(new):
        full = list(args)
        for i, a in zip(wrt, new, strict=True):
            full[i] = a
        return full

    def loss_np(*new):
        return float(np.sum(prog(NP, *with_args(new)) * cot))

    # reverse mode vs finite differences
    grads = tape_grad(lambda *a: tnp.sum(prog(tnp, *a) * cot), *args, wrt=wrt)
    assert len(grads) == len(wrt)
    for k, (i, g) in enumerate(zip(wrt, grads, strict=True)):
        if np.ndim(args[i]) == 0:
            assert isinstance(g, float)
        else:
            assert isinstance(g, np.ndarray) and g.shape == np.shape(args[i])

        def f_k(xk, k=k):
            new = [args[j] for j in wrt]
            new[k] = xk
            return loss_np(*new)

        np.testing.assert_allclose(g, fd_grad(f_k, args[i]), rtol=FD_RTOL, atol=FD_ATOL)

    # forward mode vs finite differences
    primals = [args[i] for i in wrt]
    tangents = [
        float(rng.standard_normal()) if np.ndim(p) == 0 else rng.standard_normal(np.shape(p))
        for p in primals
    ]
    value, tangent = jvp_dual(lambda *d: prog(dnp, *with_args(d)), primals, tangents)
    np.testing.assert_allclose(value, out, rtol=1e-12, atol=1e-14)
    assert np.shape(tangent) == out.shape
    expected = fd_jvp(lambda *a: prog(NP, *with_args(a)), primals, tangents)
    np.testing.assert_allclose(tangent, expected, rtol=FD_RTOL, atol=FD_ATOL)

    # the two engines agree: <grad L, v> == dL along v
    lhs = sum(float(np.sum(g * t)) for g, t in zip(grads, tangents, strict=True))
    rhs = float(np.sum(cot * tangent))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-12)


# ---------------------------------------------------------------------------
# The seed article's example
# ---------------------------------------------------------------------------


def test_seed_article_example_tape():
    x = Tensor(2.0)
    y = x.exp() + x * x  # exactly the article's program
    y.backward()
    assert abs(x.grad - (math.exp(2) + 4)) < 1e-12
    assert abs(y.data - (math.exp(2) + 4)) < 1e-12
    assert y.grad == 1.0 and isinstance(x.grad, float)
    assert round(x.grad, 3) == 11.389


def test_seed_article_example_dual():
    y = Dual(2.0, 1.0).exp() + Dual(2.0, 1.0) * Dual(2.0, 1.0)
    assert abs(y.deriv - (math.exp(2) + 4)) < 1e-12
    value, tangent = jvp_dual(lambda x: dnp.exp(x) + x * x, (2.0,), (1.0,))
    assert abs(value - (math.exp(2) + 4)) < 1e-12
    assert abs(tangent - (math.exp(2) + 4)) < 1e-12


def test_seed_example_distinguishes_value_from_derivative_elsewhere():
    # At x=2 value and derivative coincide; at x=1 they do not.
    g = tape_grad(lambda x: tnp.exp(x) + x * x, 1.0)
    assert abs(g - (math.e + 2)) < 1e-12
    assert abs(jvp_dual(lambda x: dnp.exp(x) + x * x, 1.0, 1.0)[1] - (math.e + 2)) < 1e-12


# ---------------------------------------------------------------------------
# Elementwise functions
# ---------------------------------------------------------------------------

# name -> (lo, hi, signed)
UNARY = {
    "exp": (-2.0, 2.0, False),
    "log": (0.3, 3.0, False),
    "log1p": (-0.5, 2.0, False),
    "expm1": (-2.0, 2.0, False),
    "sqrt": (0.3, 3.0, False),
    "sin": (-3.0, 3.0, False),
    "cos": (-3.0, 3.0, False),
    "tan": (-1.2, 1.2, False),
    "tanh": (-2.0, 2.0, False),
    "sinh": (-2.0, 2.0, False),
    "cosh": (-2.0, 2.0, False),
    "arcsin": (-0.8, 0.8, False),
    "arccos": (-0.8, 0.8, False),
    "arctan": (-3.0, 3.0, False),
    "sigmoid": (-4.0, 4.0, False),
    "relu": (0.1, 2.0, True),
    "square": (-2.0, 2.0, False),
    "reciprocal": (0.3, 2.0, True),
    "abs": (0.1, 2.0, True),
    "negative": (-2.0, 2.0, False),
}


@pytest.mark.parametrize("shape", [(), (2, 3)])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_functions(name, shape):
    lo, hi, signed = UNARY[name]
    x = sample(shape, lo, hi, np.random.default_rng(1), signed)

    check_program(lambda xp, x: getattr(xp, name)(x), [x])


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"negative"}))
def test_unary_methods_match_functions_and_numpy(name):
    x = sample((4,), *UNARY[name][:2], np.random.default_rng(2), UNARY[name][2])
    expected = getattr(NP, name)(x)
    t, d = Tensor(x), Dual(x, np.ones_like(x))
    np.testing.assert_allclose(getattr(t, name)().data, expected, rtol=1e-14)
    np.testing.assert_allclose(getattr(d, name)().value, expected, rtol=1e-14)
    # on plain numbers the namespaces behave like numpy and return plain values
    for ns in (tnp, dnp):
        plain = getattr(ns, name)(x)
        assert not isinstance(plain, (Tensor, Dual))
        np.testing.assert_allclose(plain, expected, rtol=1e-14)
        assert float(getattr(ns, name)(x[0])) == pytest.approx(expected[0], rel=1e-14)


def test_abs_operator_and_kinks():
    check_program(lambda xp, x: abs(x) * 2.0, [np.array([-1.5, 0.7, 2.0])])
    # documented conventions: abs'(0) = 0, relu'(0) = 0
    assert tape_grad(lambda x: abs(x), 0.0) == 0.0
    assert tape_grad(lambda x: tnp.relu(x), 0.0) == 0.0
    assert jvp_dual(abs, 0.0, 1.0)[1] == 0.0
    assert jvp_dual(dnp.relu, 0.0, 1.0)[1] == 0.0


# ---------------------------------------------------------------------------
# Binary operators and functions with broadcasting
# ---------------------------------------------------------------------------

# name -> (prog, (lo, hi, signed) for a, (lo, hi, signed) for b)
BINARY = {
    "add": (lambda xp, a, b: a + b, (-2, 2, False), (-2, 2, False)),
    "sub": (lambda xp, a, b: a - b, (-2, 2, False), (-2, 2, False)),
    "mul": (lambda xp, a, b: a * b, (-2, 2, False), (-2, 2, False)),
    "div": (lambda xp, a, b: a / b, (-2, 2, False), (0.5, 2, True)),
    "pow": (lambda xp, a, b: a**b, (0.5, 2, False), (-1.5, 1.5, False)),
    "maximum": (lambda xp, a, b: xp.maximum(a, b), (-2, 2, False), (-2, 2, False)),
    "minimum": (lambda xp, a, b: xp.minimum(a, b), (-2, 2, False), (-2, 2, False)),
    "arctan2": (lambda xp, a, b: xp.arctan2(a, b), (0.2, 2, True), (0.2, 2, True)),
    "hypot": (lambda xp, a, b: xp.hypot(a, b), (0.2, 2, True), (0.2, 2, True)),
    "power_fn": (lambda xp, a, b: xp.power(a, b), (0.5, 2, False), (-1.5, 1.5, False)),
}

SHAPE_PAIRS = [
    ((), ()),
    ((3, 1), (4,)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((), (2, 2)),
    ((2, 1, 3), (4, 1)),
]


@pytest.mark.parametrize("wrt", [(0, 1), (0,), (1,)], ids=["both", "left", "right"])
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcasting(name, shapes, wrt):
    prog, dom_a, dom_b = BINARY[name]
    rng = np.random.default_rng(3)
    a = sample(shapes[0], *dom_a[:2], rng, dom_a[2])
    b = sample(shapes[1], *dom_b[:2], rng, dom_b[2])
    check_program(prog, [a, b], wrt=wrt)


@pytest.mark.parametrize(
    "prog",
    [
        lambda xp, x: 2 * x,
        lambda xp, x: x * 2,
        lambda xp, x: 1 - x,
        lambda xp, x: x - 1,
        lambda xp, x: 2 / x,
        lambda xp, x: x / 2,
        lambda xp, x: 3 + x,
        lambda xp, x: 2**x,
        lambda xp, x: x**2,
        lambda xp, x: x**3,
        lambda xp, x: x**0.5,
        lambda xp, x: x**-1,
        lambda xp, x: x**0,
        lambda xp, x: -x,
        lambda xp, x: +x,
        lambda xp, x: np.float64(2.0) * x,
        lambda xp, x: np.array([1.0, -2.0, 3.0]) * x,
        lambda xp, x: np.array([1.0, -2.0, 3.0]) - x,
        lambda xp, x: np.array([1.0, -2.0, 3.0]) / x,
        lambda xp, x: np.array([1.0, 2.0, 3.0]) ** x,
        lambda xp, x: xp.add(x, 1.0) * xp.subtract(2.0, x),
        lambda xp, x: xp.multiply(3.0, x) + xp.divide(x, 4.0),
    ],
)
@pytest.mark.parametrize("x", [1.7, np.array([0.8, 1.3, 2.1])], ids=["scalar", "array"])
def test_operators_with_python_constants(prog, x):
    check_program(prog, [x])


def test_integer_powers_of_negative_bases():
    x = np.array([-1.5, -0.5, 0.7])
    check_program(lambda xp, x: x**2 + x**3 - x**-1, [x])
    assert tape_grad(lambda x: x**0, -2.0) == 0.0
    assert tape_grad(lambda x: x**1, 0.0) == 1.0


# ---------------------------------------------------------------------------
# Matrix products
# ---------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3, 4)),
    ((4, 3), (3,)),
    ((3,), (3,)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)),
    ((2, 3), (2, 3, 4)),
    ((5, 1, 2, 3), (4, 3, 2)),
    ((3,), (2, 3, 4)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize("wrt", [(0, 1), (0,), (1,)], ids=["both", "left", "right"])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes, wrt):
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    check_program(lambda xp, a, b: a @ b, [a, b], wrt=wrt)
    if wrt == (0, 1):
        check_program(lambda xp, a, b: xp.matmul(a, b), [a, b])


@pytest.mark.parametrize(
    "shapes", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)), ((), (3,))], ids=str
)
def test_dot(shapes):
    rng = np.random.default_rng(5)
    a = sample(shapes[0], -1, 1, rng)
    b = sample(shapes[1], -1, 1, rng)
    check_program(lambda xp, a, b: xp.dot(a, b), [a, b])
    if np.ndim(a):
        check_program(lambda xp, a, b: a.dot(b) if xp is not NP else np.dot(a, b), [a, b])


def test_matmul_rejects_scalars():
    with pytest.raises(ValueError):
        Tensor(2.0) @ Tensor(np.ones(2))
    with pytest.raises(ValueError):
        Dual(np.ones(2)) @ Dual(2.0)


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------

AXES = [None, 0, 1, -1, (0, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min"])
def test_reductions(name, axis, keepdims):
    x = sample((2, 3, 4), 0.5, 1.5, np.random.default_rng(6), signed=True)

    def prog(xp, x):
        return getattr(xp, name)(x, axis=axis, keepdims=keepdims)

    check_program(prog, [x])

    def method_prog(xp, x):
        if xp is NP:
            return getattr(np, name)(x, axis=axis, keepdims=keepdims)
        return getattr(x, name)(axis=axis, keepdims=keepdims)

    check_program(method_prog, [x])


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min"])
def test_reductions_of_scalars_and_list_axes(name):
    check_program(lambda xp, x: getattr(xp, name)(x) * x, [1.3])
    x = sample((2, 3, 2), 0.5, 1.5, np.random.default_rng(7))
    check_program(lambda xp, x: getattr(xp, name)(x, axis=(0, 1) if xp is NP else [0, 1]), [x])


def test_prod_with_zeros_is_exact():
    x = np.array([2.0, 0.0, 3.0])
    np.testing.assert_array_equal(tape_grad(lambda x: tnp.prod(x), x), [0.0, 6.0, 0.0])
    assert jvp_dual(dnp.prod, (x,), (np.array([1.0, 1.0, 1.0]),))[1] == 6.0
    x2 = np.array([[2.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(
        tape_grad(lambda x: tnp.sum(tnp.prod(x, axis=1)), x2), [[0, 0, 0], [6, 3, 2]]
    )


def test_max_min_tie_convention():
    # ties split the gradient evenly; the dual tangent averages tied tangents
    x = np.array([1.0, 3.0, 3.0, -2.0])
    np.testing.assert_array_equal(tape_grad(lambda x: tnp.max(x), x), [0, 0.5, 0.5, 0])
    np.testing.assert_array_equal(tape_grad(lambda x: tnp.min(-x), x), [0, -0.5, -0.5, 0])
    v = np.array([10.0, 2.0, 4.0, 7.0])
    assert jvp_dual(dnp.max, (x,), (v,))[1] == 3.0
    m = np.array([[1.0, 1.0, 1.0], [0.0, 2.0, 1.0]])
    np.testing.assert_allclose(
        tape_grad(lambda x: tnp.sum(tnp.max(x, axis=1)), m), [[1 / 3] * 3, [0, 1, 0]]
    )
    # elementwise maximum/minimum ties: half each; clip inherits it
    assert tape_grad(lambda a, b: tnp.maximum(a, b), 1.0, 1.0, wrt=(0, 1)) == (0.5, 0.5)
    assert tape_grad(lambda a, b: tnp.minimum(a, b), 1.0, 1.0, wrt=(0, 1)) == (0.5, 0.5)
    assert jvp_dual(dnp.maximum, (1.0, 1.0), (2.0, 4.0))[1] == 3.0
    assert tape_grad(lambda x: tnp.clip(x, 0.0, 1.0), 1.0) == 0.5
    assert jvp_dual(lambda x: dnp.clip(x, 0.0, 1.0), 1.0, 1.0)[1] == 0.5


# ---------------------------------------------------------------------------
# Indexing and shape manipulation
# ---------------------------------------------------------------------------

_X45 = np.random.default_rng(8).standard_normal((4, 5))

INDICES = {
    "int": 2,
    "negative int": -1,
    "int pair": (1, 2),
    "slice": slice(1, 3),
    "column": (slice(None), 2),
    "strided": (slice(None, None, 2), slice(1, None)),
    "reversed": slice(None, None, -1),
    "int array with repeats": np.array([0, 0, 3, 1, 0]),
    "list with repeats": [2, 2, 0],
    "paired int arrays": (np.array([1, 1, 3]), np.array([2, 2, 0])),
    "int array and slice": (np.array([3, 3]), slice(1, 4)),
    "boolean mask": _X45 > 0,
    "boolean row mask": np.array([True, False, True, True]),
    "ellipsis newaxis": (Ellipsis, None, 1),
    "newaxis": (None, 1),
}


@pytest.mark.parametrize("index", list(INDICES.values()), ids=list(INDICES))
def test_getitem(index):
    check_program(lambda xp, x: x[index] * 1.5, [_X45])
    # repeated use of the same element accumulates
    check_program(lambda xp, x: xp.sin(x[index]) * x[index], [_X45])


def test_getitem_repeats_accumulate():
    x = np.array([1.0, 2.0, 3.0])
    idx = np.array([0, 0, 2, 0])
    np.testing.assert_array_equal(tape_grad(lambda x: tnp.sum(x[idx]), x), [3.0, 0.0, 1.0])


def test_iteration():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    check_program(lambda xp, x: sum(row[0] * row[1] for row in x), [x])


SHAPE_OPS = {
    "reshape args": lambda xp, x: x.reshape(6, 4),
    "reshape numpy ints": lambda xp, x: x.reshape(np.int64(4), np.int64(6)),
    "reshape tuple": lambda xp, x: x.reshape((4, -1)),
    "reshape flat": lambda xp, x: xp.reshape(x, (-1,)),
    "T": lambda xp, x: x.T,
    "transpose()": lambda xp, x: x.transpose(),
    "transpose axes": lambda xp, x: x.transpose((1, 2, 0)),
    "transpose args": lambda xp, x: x.transpose(2, 0, 1),
    "transpose fn": lambda xp, x: xp.transpose(x, (0, 2, 1)),
    "stack": lambda xp, x: xp.stack([x[0], 2.0 * x[1], np.ones((3, 4))], axis=1),
    "concatenate": lambda xp, x: xp.concatenate([x[0], x[1, :1], np.ones((2, 4))], axis=0),
}


@pytest.mark.parametrize("op", list(SHAPE_OPS.values()), ids=list(SHAPE_OPS))
def test_shape_ops(op):
    x = np.random.default_rng(9).standard_normal((2, 3, 4))
    check_program(op, [x])


# ---------------------------------------------------------------------------
# where, clip
# ---------------------------------------------------------------------------


def test_where():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((3, 4))
    check_program(lambda xp, x: xp.where(x > 0, x * x, xp.sin(x)), [x])
    # broadcasting condition (3,1), branches (4,) and a constant
    cond = np.array([[True], [False], [True]])
    a, b = rng.standard_normal(4), rng.standard_normal((3, 1))
    check_program(lambda xp, a, b: xp.where(cond, a, b), [a, b])
    check_program(lambda xp, a, b: xp.where(cond, a, 2.0) * b, [a, b])
    check_program(lambda xp, a, b: xp.where(cond, 2.0, b), [a, b], wrt=(1,))


def test_clip():
    x = np.array([-1.2, -0.3, 0.1, 0.45, 0.9])
    check_program(lambda xp, x: xp.clip(x, -0.5, 0.5), [x])
    check_program(lambda xp, x: xp.clip(x, None, 0.2), [x])
    check_program(lambda xp, x: xp.clip(x, -0.2, None), [x])
    check_program(lambda xp, x: x.clip(-0.5, 0.5) if xp is not NP else x.clip(-0.5, 0.5), [x])
    lo = np.array([-1.0, -1.0, 0.3, 0.0, 0.0])
    check_program(lambda xp, x, lo: xp.clip(x, lo, 0.5), [x, lo])


# ---------------------------------------------------------------------------
# Tensor and Dual agree on larger programs (including control flow)
# ---------------------------------------------------------------------------


def mlp(xp, w1, b1, w2, x):
    h = xp.tanh(w1 @ x + b1)
    y = xp.sigmoid(w2 @ h)
    return xp.mean(xp.square(y - 0.5)) + 0.1 * xp.sum(w1 * w1)


def logsumexp(xp, x):
    m = xp.max(x, axis=-1, keepdims=True)
    return xp.log(xp.sum(xp.exp(x - m), axis=-1)) + m[..., 0]


def loopy(xp, x, y):
    # data-dependent control flow through comparisons on values
    s = x
    n = 0
    while s < 20.0 and n < 10:
        s = s * y + xp.sin(s) if s > 1.0 else s + y * y
        n += 1
    return s


def geometry(xp, p, q):
    d = p - q
    r = xp.hypot(d[..., 0], d[..., 1])
    ang = xp.arctan2(d[..., 1], d[..., 0])
    return xp.sum(r**1.5 * xp.cos(ang)) + xp.prod(xp.sqrt(r)) + xp.max(xp.abs(d))


def mixed(xp, x):
    z = xp.log1p(xp.exp(x)) - xp.expm1(-xp.abs(x) / 3.0)
    z = xp.where(z > 1.0, xp.reciprocal(z), xp.cosh(z) * xp.arctan(z))
    z = xp.minimum(xp.maximum(z, -0.9), 0.9)
    return xp.dot(xp.arcsin(z), xp.arccos(z)) + xp.sum(xp.sinh(z) / (1 + xp.tan(z) ** 2))


def test_agreement_mlp():
    rng = np.random.default_rng(11)
    args = [
        rng.standard_normal((4, 3)),
        rng.standard_normal((4, 1)),
        rng.standard_normal((2, 4)),
        rng.standard_normal((3, 5)),
    ]
    check_program(mlp, args)


def test_agreement_logsumexp():
    x = np.random.default_rng(12).standard_normal((3, 4))
    check_program(logsumexp, [x])


@pytest.mark.parametrize("x,y", [(0.5, 1.3), (1.5, 0.9), (0.2, 2.0)])
def test_agreement_control_flow(x, y):
    check_program(loopy, [x, y])


def test_agreement_geometry():
    rng = np.random.default_rng(13)
    check_program(geometry, [rng.standard_normal((3, 2)), rng.standard_normal((3, 2))])


def test_agreement_mixed():
    x = np.random.default_rng(14).uniform(-2, 2, size=6)
    check_program(mixed, [x])


def test_agreement_full_jacobian():
    # every tape gradient row equals the dual tangents along unit vectors
    rng = np.random.default_rng(15)
    x = rng.standard_normal(4)
    a = rng.standard_normal((3, 4))

    def f(xp, x):
        return xp.tanh(a @ x) * xp.sum(x**2)

    jac_fwd = np.stack([jvp_dual(lambda x: f(dnp, x), (x,), (e,))[1] for e in np.eye(4)], axis=1)
    jac_rev = np.stack([tape_grad(lambda x, i=i: f(tnp, x)[i], x) for i in range(3)])
    np.testing.assert_allclose(jac_fwd, jac_rev, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------
# Engine mechanics
# ---------------------------------------------------------------------------


def test_backward_requires_seed_for_non_scalar_outputs():
    x = Tensor(np.array([1.0, 2.0]))
    y = x * x
    with pytest.raises(ValueError):
        y.backward()
    with pytest.raises(ValueError):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 40.0])


def test_backward_size_one_array_output():
    x = Tensor(np.array([3.0]))
    y = x * x
    y.backward()
    np.testing.assert_array_equal(y.grad, [1.0])
    np.testing.assert_array_equal(x.grad, [6.0])


def test_repeated_use_and_accumulation():
    x = Tensor(3.0)
    y = x * x  # one parent used twice, as in the article
    z = y + y
    z.backward()
    assert x.grad == 12.0
    # leaf gradients accumulate across backward() calls; interior ones do not
    z.backward()
    assert x.grad == 24.0 and y.grad == 2.0
    z.zero_grad()
    assert x.grad == 0.0


def test_topological_order_on_diamond_and_long_chain():
    x = Tensor(0.5)
    a, b = x.sin(), x.cos()
    y = a * b + a
    y.backward()
    assert x.grad == pytest.approx(math.cos(1.0) + math.cos(0.5), rel=1e-14)
    # a deep graph must not hit the recursion limit
    x = Tensor(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-10)


def test_graph_fields():
    x = Tensor(2.0)
    y = x * 3.0
    assert y._op == "*" and x in y._prev and isinstance(y._prev[1], Tensor)
    assert x._prev == () and x._op == ""
    assert callable(y._backward)


def test_data_normalisation():
    assert Tensor(3).data == 3.0 and isinstance(Tensor(3).data, float)
    assert isinstance(Tensor(np.float32(1.5)).data, float)
    t = Tensor(np.arange(3))
    assert t.data.dtype == np.float64 and t.grad.shape == (3,) and not t.grad.any()
    assert Tensor(np.ones(2, dtype=np.float32)).data.dtype == np.float32
    assert Tensor(2.0).grad == 0.0
    d = Dual(np.arange(3))
    assert d.value.dtype == np.float64 and d.deriv.shape == (3,)
    assert Dual(np.ones(3), 2.0).deriv.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(ValueError):
        Dual(np.ones(3), np.ones(2))
    with pytest.raises(TypeError):
        Tensor(np.array([1 + 2j]))


def test_escaping_to_plain_numbers_fails_loudly():
    with pytest.raises(TypeError, match="derivative"):
        float(Dual(1.0, 1.0))
    with pytest.raises(TypeError):
        float(Tensor(1.0))
    with pytest.raises(TypeError):
        np.asarray(Dual(np.ones(2)))
    with pytest.raises(TypeError):
        np.exp(Tensor(np.ones(2)))
    with pytest.raises(TypeError):
        np.sin(Dual(1.0, 1.0))
    with pytest.raises(AttributeError, match="not supported"):
        tnp.cumsum  # noqa: B018
    with pytest.raises(AttributeError, match="not supported"):
        dnp.cumsum  # noqa: B018


def test_comparisons_return_plain_bools():
    d = Dual(2.0, 1.0)
    for r in (d < 3, d <= 2.0, d > 1, d >= Dual(2.0), d == 2.0, d != 1.0, 3 > d):
        assert r is True
    t = Tensor(2.0)
    for r in (t < 3, t <= 2.0, t > 1, t >= Tensor(2.0), t == 2.0, t != 1.0, 3 > t):
        assert r is True
    np.testing.assert_array_equal(Dual(np.array([1.0, 3.0])) > 2.0, [False, True])
    np.testing.assert_array_equal(Tensor(np.array([1.0, 3.0])) > 2.0, [False, True])
    assert bool(Tensor(0.0)) is False and bool(Dual(1.0)) is True
    assert len({Tensor(1.0), Tensor(1.0)}) == 2  # Tensors hash by identity


def test_tape_grad_and_jvp_dual_conventions():
    f = lambda x, y: x * y + tnp.sin(x)
    g = tape_grad(f, 2.0, 3.0)
    assert isinstance(g, float) and g == pytest.approx(3.0 + math.cos(2.0), rel=1e-14)
    gx, gy = tape_grad(f, 2.0, 3.0, wrt=(0, 1))
    assert gy == 2.0
    (gy1,) = tape_grad(f, 2.0, 3.0, wrt=(1,))
    assert gy1 == 2.0
    assert isinstance(tape_grad(lambda x: tnp.sum(x), np.ones(2)), np.ndarray)
    assert tape_grad(lambda x: 5.0, 1.0) == 0.0  # output independent of x
    with pytest.raises(ValueError):
        tape_grad(lambda x: x * 2.0, np.ones(2))

    vals, tans = jvp_dual(lambda x, y: (x * y, dnp.exp(x), 7.0), (1.0, 2.0), (1.0, 0.0))
    assert vals == (2.0, math.e, 7.0) and tans == (2.0, math.e, 0.0)
    with pytest.raises(ValueError):
        jvp_dual(lambda x: x, (1.0, 2.0), (1.0,))


def test_namespaces_on_plain_numbers_behave_like_numpy():
    for ns in (tnp, dnp):
        assert ns.exp(1.0) == math.exp(1.0)
        assert ns.sum(np.arange(4.0), axis=0) == 6.0
        assert ns.pi == math.pi
        np.testing.assert_array_equal(ns.where(np.array([True, False]), 1.0, 2.0), [1.0, 2.0])
        assert ns.maximum(1.0, 2.0) == 2.0 and ns.hypot(3.0, 4.0) == 5.0
        np.testing.assert_array_equal(ns.zeros(2), [0.0, 0.0])
        assert ns.matmul(np.ones(2), np.ones(2)) == 2.0


def test_float32_arrays_are_kept():
    x = np.ones(3, dtype=np.float32)
    t = Tensor(x)
    (t * np.float32(2.0)).sum().backward()
    assert t.grad.dtype == np.float32
    np.testing.assert_array_equal(t.grad, [2.0, 2.0, 2.0])


def test_reference_engines_are_independent_of_the_package():
    for name in ("tape.py", "dual.py"):
        tree = ast.parse((REFERENCE_DIR / name).read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{name} uses a relative import"
                imported.add(node.module.split(".")[0])
        assert imported <= {"math", "numpy"}, (name, imported)
    init = ast.parse((REFERENCE_DIR / "__init__.py").read_text())
    for node in ast.walk(init):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 1 and node.module in ("tape", "dual")
        assert not isinstance(node, ast.Import)
