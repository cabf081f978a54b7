"""Derivatives through ``x[index] = v`` where the write is not one value per
element: an integer-array index that names an element more than once (NumPy
keeps the last write, so the earlier values do not reach the result), a value
broadcast into repeated positions, and a float written into an integer array
(truncated: its derivative is zero).

Every expected value is computed independently, by central finite
differences in float64: gradients and VJPs (reverse mode) against
``numeric_grad``/``numeric_vjp``, JVPs (forward mode) against a directional
difference."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad
from tests.checks import assert_close, numeric_grad, numeric_vjp

H = 1e-6
W3 = np.array([1.0, -2.0, 3.0])
W4 = np.array([0.5, -1.5, 2.0, 3.5])
W34 = np.arange(12.0).reshape(3, 4) / 7 - 0.5
MASK = np.array([True, False, True, True])
IDX_2D = np.array([[0, 1], [1, 0]])
IDX_2D_F = np.asfortranarray(np.array([[0, 1], [1, 0], [2, 1]]))


# ---------------------------------------------------------------- the programs


def repro_assign(v):                    # the user's first repro: numpy gives out[0] = v[1]
    out = np.zeros(3)
    out[[0, 0]] = v
    return out[0]


def repro_add(v):                       # the second: out[0] = out[0] + v[1] (buffered)
    out = np.zeros(3)
    out[[0, 0]] += v
    return out[0]


def repeats_among_others(v):
    out = np.zeros(3)
    out[[2, 0, 2, 1, 2]] = v
    return np.sum(out * W3)


def negative_duplicate(v):              # -3 and 0 name the same element of a length-3 array
    out = np.zeros(3)
    out[[-3, 0]] = v
    return np.sum(out * W3)


def index_2d(v):                        # a 2-D integer index: (0,0)/(1,1) and (0,1)/(1,0) repeat
    out = np.zeros(4)
    out[IDX_2D] = v
    return np.sum(out * W4)


def index_2d_fortran(v):                # the same with an F-ordered index (and value)
    out = np.zeros(4)
    out[IDX_2D_F] = v
    return np.sum(out * W4)


def boolean_mask(v):                    # a mask cannot repeat: every value lands
    out = np.zeros(4)
    out[MASK] = v
    return np.sum(out * W4)


def tuple_of_arrays(v):                 # x[[0,0],[1,1]]: both write element (0, 1)
    out = np.zeros((3, 4))
    out[[0, 0, 2], [1, 1, 3]] = v
    return np.sum(out * W34)


def scalar_into_repeats(s):             # one value, written twice to one element
    out = np.zeros(3)
    out[[0, 0, 2]] = s
    return np.sum(out * W3)


def rows_repeated(v):                   # whole rows written twice; v is (3, 4)
    out = np.zeros((3, 4))
    out[[1, 0, 1]] = v
    return np.sum(out * W34)


def row_broadcast_into_repeats(r):      # one row (4,) broadcast into rows 1, 1, 2
    out = np.zeros((3, 4))
    out[[1, 1, 2]] = r
    return np.sum(out * W34)


def columns_repeated(v):                # a slice, then an integer array: x[:, [3, 0, 3]]
    out = np.zeros((3, 4))
    out[:, [3, 0, 3]] = v
    return np.sum(out * W34)


def overwrite_an_argument(x, v):        # the old value's cotangent is 0 where it was written
    y = x * 1.0
    y[[0, 2, 0]] = v
    return np.sum(y * W4)


def add_into_an_argument(x, v):         # y[[0, 1, 0]] += v: y[0] = x[0] + v[2]
    y = x * 1.0
    y[[0, 1, 0]] += v
    return np.sum(y * W4)


def repeats_in_a_loop(v):
    out = np.zeros(3)
    for k in range(2):
        out[[k, k, k + 1]] = v[k] * W3
    return np.sum(out * W3)


def nonlinear(v):                       # for second derivatives: the write between two squares
    out = np.ones(4)
    out[[1, 3, 1, 0]] = v ** 2
    return np.sum(out ** 2 * W4)


def repro_int_target(x):                # the user's third repro: y[0] = int(x)
    y = np.zeros(2, dtype=int)
    y[0] = x
    return y[0] + x


def int_target_array(v):
    y = np.zeros(3, dtype=int)
    y[[0, 2]] = v
    return np.sum(y * W3) + np.sum(v)


rng = np.random.default_rng(7)
V = {n: rng.standard_normal(n) for n in (2, 3, 4, 5)}

CASES = [
    (repro_assign, (np.array([1.0, 2.0]),)),
    (repro_add, (np.array([1.0, 2.0]),)),
    (repeats_among_others, (V[5],)),
    (negative_duplicate, (V[2],)),
    (index_2d, (rng.standard_normal((2, 2)),)),
    (index_2d_fortran, (np.asfortranarray(rng.standard_normal((3, 2))),)),
    (boolean_mask, (V[3],)),
    (tuple_of_arrays, (V[3],)),
    (scalar_into_repeats, (0.7,)),
    (rows_repeated, (rng.standard_normal((3, 4)),)),
    (row_broadcast_into_repeats, (V[4],)),
    (columns_repeated, (rng.standard_normal((3, 3)),)),
    (overwrite_an_argument, (V[4] + 1, V[3])),
    (add_into_an_argument, (V[4] + 1, V[3])),
    (repeats_in_a_loop, (V[2],)),
    (nonlinear, (V[4],)),
]
IDS = [f.__name__ for f, _ in CASES]


def _wrt(args):
    return tuple(range(len(args))) if len(args) > 1 else 0


def _directional(f, args, tangents):
    plus = [a + H * t for a, t in zip(args, tangents, strict=True)]
    minus = [a - H * t for a, t in zip(args, tangents, strict=True)]
    return (f(*plus) - f(*minus)) / (2 * H)


# ---------------------------------------------------------------- reverse mode


def test_the_reported_gradients():
    assert_close(ad.grad(repro_assign)(np.array([1.0, 2.0])), np.array([0.0, 1.0]))
    assert_close(ad.grad(repro_add)(np.array([1.0, 2.0])), np.array([0.0, 1.0]))


@pytest.mark.parametrize("f,args", CASES, ids=IDS)
def test_grad_matches_finite_differences(f, args):
    wrt = _wrt(args)
    df = ad.grad(f, wrt=wrt)
    got = df(*args)
    if not isinstance(wrt, tuple):
        got, wrt = (got,), (wrt,)
    for g, i in zip(got, wrt, strict=True):
        assert_close(g, numeric_grad(f, args, i), rtol=1e-6, atol=1e-7,
                     what=f"d/d arg {i}\n{df.source}")


@pytest.mark.parametrize("f,args", CASES, ids=IDS)
def test_vjp_matches_finite_differences(f, args):
    out, pullback = ad.vjp(f, *args)
    assert_close(out, f(*args))
    u = 1.7
    got = pullback(u)
    for i, g in enumerate(got):
        assert_close(g, numeric_vjp(f, args, u, wrt=i), rtol=1e-6, atol=1e-7,
                     what=f"cotangent of arg {i}\n{pullback.source}")


def test_the_value_of_an_array_read_before_a_repeated_write():
    """``y[[0, 2, 0]] = v`` on ``y = x * 1``: ``x``'s cotangent is zero at 0 and
    2 (overwritten), ``v``'s is zero at its first position (overwritten by the
    third)."""
    x, v = V[4] + 1, V[3]
    gx, gv = ad.grad(overwrite_an_argument, wrt=(0, 1))(x, v)
    assert_close(gx, np.array([0.0, W4[1], 0.0, W4[3]]))
    assert_close(gv, np.array([0.0, W4[2], W4[0]]))


def test_a_number_written_twice_gets_the_cotangent_once():
    assert_close(ad.grad(scalar_into_repeats)(0.7), W3[0] + W3[2])


# ---------------------------------------------------------------- forward mode


@pytest.mark.parametrize("f,args", CASES, ids=IDS)
def test_jvp_matches_a_directional_difference(f, args):
    r = np.random.default_rng(3)
    tangents = tuple(r.standard_normal(np.shape(a)) if np.ndim(a) else float(r.standard_normal())
                     for a in args)
    out, tangent = ad.jvp(f, args, tangents)
    assert_close(out, f(*args))
    assert_close(tangent, _directional(f, args, tangents), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- second derivatives


def test_hessian_through_a_repeated_write():
    v = V[4]
    df = ad.grad(nonlinear)
    expected = np.array([numeric_grad(lambda w, k=k: df(w)[k], (v,)) for k in range(4)])
    assert_close(ad.hessian(nonlinear)(v), expected, rtol=1e-5, atol=1e-6)


def test_hvp_through_a_repeated_write():
    v, u = V[4], np.array([0.3, -1.0, 2.0, 0.5])
    df = ad.grad(nonlinear)
    assert_close(ad.hvp(nonlinear)(v, u), numeric_grad(lambda w: np.sum(df(w) * u), (v,)),
                 rtol=1e-5, atol=1e-6)


def scalar_nonlinear(s):
    out = np.ones(3)
    out[[0, 2, 0]] = s ** 2 * W3
    return np.sum(out ** 3 * W3)


def test_gradient_of_a_gradient_through_a_repeated_write():
    """Reverse over reverse: the rules of the helpers the first gradient calls."""
    ddf = ad.grad(ad.grad(scalar_nonlinear))
    assert_close(ddf(0.8), numeric_grad(ad.grad(scalar_nonlinear), (0.8,)), rtol=1e-5, atol=1e-6)


def list_writes(s):
    lst = [0.0, 0.0, 0.0]
    lst[1] = s ** 3
    lst[2] = s * lst[1]
    return lst[1] + lst[2] * 2.0


def test_gradient_of_a_gradient_through_list_writes():
    """The same rules where the written object is a list (its cotangent a list)."""
    ddf = ad.grad(ad.grad(list_writes))
    assert_close(ddf(0.7), numeric_grad(ad.grad(list_writes), (0.7,)), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- an integer target


INT_TARGETS = [(repro_int_target, (2.7,)), (int_target_array, (np.array([1.6, -2.3]),))]
# The value written is truncated: its derivative is 0. The rules read the
# array's dtype from a version of it that is not moved (reverse mode) or from
# the array after the write (forward mode), so nothing is saved or copied.


@pytest.mark.parametrize("f,args", INT_TARGETS, ids=["repro_int_target", "int_target_array"])
def test_a_float_written_into_an_integer_array_has_no_gradient(f, args):
    assert_close(ad.grad(f)(*args), numeric_grad(f, args, 0))


@pytest.mark.parametrize("f,args", INT_TARGETS, ids=["repro_int_target", "int_target_array"])
def test_a_float_written_into_an_integer_array_has_no_tangent(f, args):
    t = 1.0 if np.ndim(args[0]) == 0 else np.array([1.0, -0.5])
    assert_close(ad.jvp(f, args, (t,))[1], _directional(f, args, (t,)))
