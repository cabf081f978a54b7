"""Rules for NumPy functions and array methods.

Templates are written in NumPy operations that have rules themselves, so
generated code can be differentiated again (Hessians). Where a rule has to
branch on shapes, axes or ``ord`` (which a template cannot), a small helper
below computes the *static* part — a shape, a permutation, tensordot axes —
and the template does the arithmetic::

    @defvjp(np.prod, ("method", "prod"))
    def reduce_prod(g, ans, a, axis=None, ...):   # g back to a's shape
        return np.reshape(g, keepdims_shape_vjp(np.shape(a), axis)) * prod_of_others(a, axis)

Conventions:

* ``elementwise=True`` is set exactly for ufunc-like functions whose
  differentiable params are all their array operands (output = their
  broadcast shape, no reduction). ``np.where`` is *not* flagged: its
  condition also broadcasts but is not differentiable.
* Ties: ``maximum``/``minimum``/``fmax``/``fmin`` give half the cotangent to
  each operand where ``x == y``; ``max``/``min`` reductions (and the ``inf``
  norms) split it evenly among all tied positions, like autograd.
* Kinks: ``abs``/``fabs`` (and the ``sign`` in the norms) have derivative 0 at 0;
  ``clip`` gives the cotangent to ``a`` where ``a`` equals the result
  (so at a bound, to ``a``).
* Keywords a template does not honour are left out of its signature (e.g.
  ``where=``/``initial=`` of reductions, ``correction=`` of var,
  ``returned=`` of average, ``prepend=`` of diff), so such calls fail to bind
  and are reported rather than differentiated wrongly. ``out=`` and
  ``dtype=`` are accepted and ignored. Where only a value can tell (``np.pad``'s
  ``mode``, ``np.einsum``'s operand form), a helper raises
  ``NotImplementedError`` when the derivative runs.
* Sequences: functions taking a list of arrays (``np.vstack``...) return a
  list of cotangents; list-valued functions (the split family) take their
  cotangent as a list (zeros for unused pieces) and give a list tangent. Such
  rules are ``structural``, so the transforms add those values with
  ``add_grads``.
* Gathers (``take``, ``take_along_axis``, ``sort``, ``partition``) scatter the
  cotangent with ``runtime.getitem_vjp`` (repeated indices add up) at a
  static index computed by a helper; products with a structure (``diag``,
  ``diagonal``, ``repeat``) contract with constant 0/1 selection tensors, so
  the derivative code is again differentiable.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..runtime import (
    _add_reduce,
    _keepdims_shape,
    _ndarray,
    getitem_vjp,
    snapshot,
    unbroadcast,
    unreduce,
)
from .registry import defjvp, defvjp, nondiff

# ---------------------------------------------------------------- exponentials and logarithms


@defvjp(np.exp, elementwise=True)
def exp(g, ans, x):
    return g * ans


@defjvp(np.exp)
def exp_jvp(dx, ans, x):
    return dx * ans


@defvjp(np.exp2, elementwise=True)
def exp2(g, ans, x):
    return g * ans * np.log(2)


@defjvp(np.exp2)
def exp2_jvp(dx, ans, x):
    return dx * ans * np.log(2)


@defvjp(np.expm1, elementwise=True)
def expm1(g, ans, x):
    return g * (ans + 1)


@defjvp(np.expm1)
def expm1_jvp(dx, ans, x):
    return dx * (ans + 1)


@defvjp(np.log, elementwise=True)
def log(g, ans, x):
    return g / x


@defjvp(np.log)
def log_jvp(dx, ans, x):
    return dx / x


@defvjp(np.log2, elementwise=True)
def log2(g, ans, x):
    return g / (x * np.log(2))


@defjvp(np.log2)
def log2_jvp(dx, ans, x):
    return dx / (x * np.log(2))


@defvjp(np.log10, elementwise=True)
def log10(g, ans, x):
    return g / (x * np.log(10))


@defjvp(np.log10)
def log10_jvp(dx, ans, x):
    return dx / (x * np.log(10))


@defvjp(np.log1p, elementwise=True)
def log1p(g, ans, x):
    return g / (1 + x)


@defjvp(np.log1p)
def log1p_jvp(dx, ans, x):
    return dx / (1 + x)


@defvjp(np.logaddexp, elementwise=True)
def logaddexp(g, ans, x, y):
    return unbroadcast(g * np.exp(x - ans), x), unbroadcast(g * np.exp(y - ans), y)


@defjvp(np.logaddexp)
def logaddexp_jvp(dx, dy, ans, x, y):
    return dx * np.exp(x - ans), dy * np.exp(y - ans)


@defvjp(np.logaddexp2, elementwise=True)
def logaddexp2(g, ans, x, y):
    return unbroadcast(g * np.exp2(x - ans), x), unbroadcast(g * np.exp2(y - ans), y)


@defjvp(np.logaddexp2)
def logaddexp2_jvp(dx, dy, ans, x, y):
    return dx * np.exp2(x - ans), dy * np.exp2(y - ans)


# ---------------------------------------------------------------- powers and roots


@defvjp(np.sqrt, elementwise=True)
def sqrt(g, ans, x):
    return g / (2 * ans)


@defjvp(np.sqrt)
def sqrt_jvp(dx, ans, x):
    return dx / (2 * ans)


@defvjp(np.cbrt, elementwise=True)
def cbrt(g, ans, x):
    return g / (3 * ans ** 2)


@defjvp(np.cbrt)
def cbrt_jvp(dx, ans, x):
    return dx / (3 * ans ** 2)


@defvjp(np.square, elementwise=True)
def square(g, ans, x):
    return g * 2 * x


@defjvp(np.square)
def square_jvp(dx, ans, x):
    return dx * 2 * x


@defvjp(np.reciprocal, elementwise=True)
def reciprocal(g, ans, x):
    return -g * ans ** 2


@defjvp(np.reciprocal)
def reciprocal_jvp(dx, ans, x):
    return -dx * ans ** 2


# As operator.pow: d/dy x**y = x**y ln x, taken as 0 where x == 0.
@defvjp(np.float_power, elementwise=True)
def float_power(g, ans, x, y):
    return (unbroadcast(g * y * np.float_power(x, y - 1), x),
            unbroadcast(g * ans * np.log(np.where(x == 0, 1.0, x)), y))


@defjvp(np.float_power)
def float_power_jvp(dx, dy, ans, x, y):
    return dx * y * np.float_power(x, y - 1), dy * ans * np.log(np.where(x == 0, 1.0, x))


# ---------------------------------------------------------------- trigonometry


@defvjp(np.sin, elementwise=True)
def sin(g, ans, x):
    return g * np.cos(x)


@defjvp(np.sin)
def sin_jvp(dx, ans, x):
    return dx * np.cos(x)


@defvjp(np.cos, elementwise=True)
def cos(g, ans, x):
    return -g * np.sin(x)


@defjvp(np.cos)
def cos_jvp(dx, ans, x):
    return -dx * np.sin(x)


@defvjp(np.tan, elementwise=True)
def tan(g, ans, x):
    return g * (1 + ans ** 2)


@defjvp(np.tan)
def tan_jvp(dx, ans, x):
    return dx * (1 + ans ** 2)


@defvjp(np.arcsin, elementwise=True)
def arcsin(g, ans, x):
    return g / np.sqrt(1 - x ** 2)


@defjvp(np.arcsin)
def arcsin_jvp(dx, ans, x):
    return dx / np.sqrt(1 - x ** 2)


@defvjp(np.arccos, elementwise=True)
def arccos(g, ans, x):
    return -g / np.sqrt(1 - x ** 2)


@defjvp(np.arccos)
def arccos_jvp(dx, ans, x):
    return -dx / np.sqrt(1 - x ** 2)


@defvjp(np.arctan, elementwise=True)
def arctan(g, ans, x):
    return g / (1 + x ** 2)


@defjvp(np.arctan)
def arctan_jvp(dx, ans, x):
    return dx / (1 + x ** 2)


@defvjp(np.arctan2, elementwise=True)
def arctan2(g, ans, y, x):
    r2 = x ** 2 + y ** 2
    return unbroadcast(g * x / r2, y), unbroadcast(-g * y / r2, x)


@defjvp(np.arctan2)
def arctan2_jvp(dy, dx, ans, y, x):
    r2 = x ** 2 + y ** 2
    return dy * x / r2, -dx * y / r2


@defvjp(np.hypot, elementwise=True)
def hypot(g, ans, x, y):
    return unbroadcast(g * x / ans, x), unbroadcast(g * y / ans, y)


@defjvp(np.hypot)
def hypot_jvp(dx, dy, ans, x, y):
    return dx * x / ans, dy * y / ans


# sinc(x) = sin(pi x) / (pi x); its derivative (cos(pi x) - sinc(x)) / x is 0 at 0,
# which dividing by 1 there gives exactly (cos 0 - sinc 0 = 0).
@defvjp(np.sinc, elementwise=True)
def sinc(g, ans, x):
    return g * (np.cos(np.pi * x) - ans) / np.where(x == 0, 1.0, x)


@defjvp(np.sinc)
def sinc_jvp(dx, ans, x):
    return dx * (np.cos(np.pi * x) - ans) / np.where(x == 0, 1.0, x)


@defvjp(np.deg2rad, np.radians, elementwise=True)
def deg2rad(g, ans, x):
    return g * (np.pi / 180)


@defjvp(np.deg2rad, np.radians)
def deg2rad_jvp(dx, ans, x):
    return dx * (np.pi / 180)


@defvjp(np.rad2deg, np.degrees, elementwise=True)
def rad2deg(g, ans, x):
    return g * (180 / np.pi)


@defjvp(np.rad2deg, np.degrees)
def rad2deg_jvp(dx, ans, x):
    return dx * (180 / np.pi)


# ---------------------------------------------------------------- hyperbolic functions


@defvjp(np.sinh, elementwise=True)
def sinh(g, ans, x):
    return g * np.cosh(x)


@defjvp(np.sinh)
def sinh_jvp(dx, ans, x):
    return dx * np.cosh(x)


@defvjp(np.cosh, elementwise=True)
def cosh(g, ans, x):
    return g * np.sinh(x)


@defjvp(np.cosh)
def cosh_jvp(dx, ans, x):
    return dx * np.sinh(x)


@defvjp(np.tanh, elementwise=True)
def tanh(g, ans, x):
    return g * (1 - ans ** 2)


@defjvp(np.tanh)
def tanh_jvp(dx, ans, x):
    return dx * (1 - ans ** 2)


@defvjp(np.arcsinh, elementwise=True)
def arcsinh(g, ans, x):
    return g / np.sqrt(x ** 2 + 1)


@defjvp(np.arcsinh)
def arcsinh_jvp(dx, ans, x):
    return dx / np.sqrt(x ** 2 + 1)


@defvjp(np.arccosh, elementwise=True)
def arccosh(g, ans, x):
    return g / np.sqrt(x ** 2 - 1)


@defjvp(np.arccosh)
def arccosh_jvp(dx, ans, x):
    return dx / np.sqrt(x ** 2 - 1)


@defvjp(np.arctanh, elementwise=True)
def arctanh(g, ans, x):
    return g / (1 - x ** 2)


@defjvp(np.arctanh)
def arctanh_jvp(dx, ans, x):
    return dx / (1 - x ** 2)


# ---------------------------------------------------------------- piecewise functions


# |z| of a complex z = u + iv: its cotangent is g * conj(z) / |z| in the
# convention of fft_rules (∂|z|/∂u - i ∂|z|/∂v), its tangent
# Re(conj(z) dz) / |z|; for real x both are np.sign(x)'s product, as before
# (0 at x == 0). The VJP multiplies g by np.sign(x) first, so that a number
# g (the cotangent of np.sum(np.abs(x))) stays one until that product.
@defvjp(np.absolute, elementwise=True)   # np.abs is np.absolute
def absolute(g, ans, x):
    return abs_cotangent_vjp(g * np.sign(x), x)


@defjvp(np.absolute)
def absolute_jvp(dx, ans, x):
    return (dx * sign_conj_vjp(x)).real


@defvjp(np.fabs, elementwise=True)   # real inputs only (NumPy refuses complex ones)
def fabs(g, ans, x):
    return g * np.sign(x)


@defjvp(np.fabs)
def fabs_jvp(dx, ans, x):
    return dx * np.sign(x)


def sign_conj_vjp(x):
    """``conj(x) / |x|`` (0 where ``x == 0``), the derivative of ``|x|``:
    ``np.sign(x)`` for real ``x``."""
    t = type(x)
    if t is _ndarray:
        if x.dtype.kind != "c":
            return np.sign(x)
    elif t is float or not np.iscomplexobj(x):
        return np.sign(x)
    a = np.abs(x)
    return np.conj(x) / np.where(a == 0, 1, a)


# c = conj(x) / |x| turns with x: dc = -i c Im(c dx) / |x| (0 for real x);
# the pairing Re(ḡ dc) = Im(ḡ c) Im(c dx) / |x| makes the VJP the same form.
# (imag_cotangent_vjp(w, x) is -1j * w, 0 for real x: no complex value
# where x is real, at any order.)
@defvjp(sign_conj_vjp, elementwise=True)
def sign_conj_rule(g, ans, x):
    return imag_cotangent_vjp(ans * (g * ans).imag / np.where(x == 0, 1, np.abs(x)), x)


@defjvp(sign_conj_vjp)
def sign_conj_jvp(dx, ans, x):
    return imag_cotangent_vjp(ans * (ans * dx).imag / np.where(x == 0, 1, np.abs(x)), x)


def abs_cotangent_vjp(gs, x):
    """np.abs's VJP ``g * conj(x) / |x|`` from ``gs = g * np.sign(x)``:
    ``gs`` itself for real ``x``."""
    t = type(x)
    if t is _ndarray:
        if x.dtype.kind != "c":
            return gs
    elif t is float or not np.iscomplexobj(x):
        return gs
    return gs * np.conj(np.sign(x)) * sign_conj_vjp(x)   # g = gs * conj(np.sign(x))


# Linear in gs. np.sign is a constant to s2s_ad, so the derivative of gs
# misses g's turn with x, g dc (dc as above): these rules add it (0 for real x).
@defvjp(abs_cotangent_vjp, elementwise=True)
def abs_cotangent_rule(gg, ans, gs, x):
    return (abs_cotangent_vjp(gg, x),
            imag_cotangent_vjp(sign_conj_vjp(x) * (gg * ans).imag
                               / np.where(x == 0, 1, np.abs(x)), x))


@defjvp(abs_cotangent_vjp)
def abs_cotangent_jvp(dgs, dx, ans, gs, x):
    return (abs_cotangent_vjp(dgs, x),
            imag_cotangent_vjp(ans * (sign_conj_vjp(x) * dx).imag
                               / np.where(x == 0, 1, np.abs(x)), x))


# One template for all four: it only asks which operand the result came from.
# Where x == y each gets half.
# Python's max(a, b) and min(a, b) of two numbers take the same rule (ties,
# where max returns a, split the cotangent like np.maximum's); the forms with
# one iterable, three or more arguments, key= or default= have no rule.
@defvjp(np.maximum, np.minimum, np.fmax, np.fmin, builtins.max, builtins.min,
        elementwise=True)
def maximum(g, ans, x, y):
    return (unbroadcast(g * maximum_weight_vjp(x, y, ans), x),
            unbroadcast(g * maximum_weight_vjp(y, x, ans), y))


def maximum_weight_vjp(x, y, ans):
    """How much of ``ans = np.maximum(x, y)`` (or ``minimum``, ``fmax``,
    ``fmin``) is ``x``: 1 where it took ``x``, 0 where ``y``, 0.5 where they
    tie. Without ties the boolean ``x == ans`` itself (no third pass)."""
    tie = x == y
    if type(tie) is _ndarray and not np.count_nonzero(tie):
        return x == ans
    return np.where(tie, 0.5, x == ans)


@defjvp(np.maximum, np.minimum, np.fmax, np.fmin, builtins.max, builtins.min)
def maximum_jvp(dx, dy, ans, x, y):
    return dx * (x == ans) / (1.0 + (x == y)), dy * (y == ans) / (1.0 + (x == y))


# Not elementwise=True: the condition broadcasts too but is not differentiable.
@defvjp(np.where, wrt=("x", "y"))
def where(g, ans, condition, x, y):
    return (unbroadcast(np.where(condition, g, 0.0), x),
            unbroadcast(np.where(condition, 0.0, g), y))


@defjvp(np.where)
def where_jvp(dx, dy, ans, condition, x, y):
    return (np.where(condition, dx, np.zeros_like(ans)),
            np.where(condition, np.zeros_like(ans), dy))


# One signature for np.clip(a, a_min, a_max), np.clip(a, min=, max=) and
# x.clip(min, max): the result equals ``a`` inside the bounds, a bound outside.
@defvjp(np.clip, ("method", "clip"), wrt=("a", "a_min", "a_max", "min", "max"),
        elementwise=True)
def clip(g, ans, a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    return (unbroadcast(g * (ans == a), a),
            unbroadcast(g * (ans == a_min) * (ans != a), a_min),
            unbroadcast(g * (ans == a_max) * (ans != a), a_max),
            unbroadcast(g * (ans == min) * (ans != a), min),
            unbroadcast(g * (ans == max) * (ans != a), max))


@defjvp(np.clip, ("method", "clip"))
def clip_jvp(da, da_min, da_max, dmin, dmax, ans, a, a_min=None, a_max=None, out=None, *,
             min=None, max=None):
    return (da * (ans == a),
            da_min * (ans == a_min) * (ans != a),
            da_max * (ans == a_max) * (ans != a),
            dmin * (ans == min) * (ans != a),
            dmax * (ans == max) * (ans != a))


# ---------------------------------------------------------------- reductions
# The cotangent of a reduction is reshaped to the result with the reduced axes
# kept (length 1), then broadcast back over them.


@defvjp(np.sum, ("method", "sum"))
def reduce_sum(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return unreduce(g, a, axis)


@defjvp(np.sum, ("method", "sum"))
def reduce_sum_jvp(da, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return np.sum(da, axis=axis, keepdims=keepdims)


@defvjp(np.mean, ("method", "mean"))
def reduce_mean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return unreduce(g / (np.size(a) / np.size(ans)), a, axis)


@defjvp(np.mean, ("method", "mean"))
def reduce_mean_jvp(da, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return np.mean(da, axis=axis, keepdims=keepdims)


# d prod / d a_i = prod / a_i: not defined where an element is 0 (gives inf/nan there).
@defvjp(np.prod, ("method", "prod"))
def reduce_prod(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return np.reshape(g, keepdims_shape_vjp(np.shape(a), axis)) * prod_of_others(a, axis)


@defjvp(np.prod, ("method", "prod"))
def reduce_prod_jvp(da, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return np.sum(da * prod_of_others(a, axis), axis=axis, keepdims=keepdims)


def prod_of_others(a, axis):
    """For each element of ``a``, the product of the other elements of its
    reduction over ``axis`` (exclusive cumulative products from both ends,
    so a zero element gives the right derivative instead of 0/0)."""
    a = np.asarray(a, dtype=np.result_type(a, float))
    if a.ndim == 0:
        return np.ones_like(a)
    axes = tuple(range(a.ndim)) if axis is None else \
        tuple(ax % a.ndim for ax in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    rest = [ax for ax in range(a.ndim) if ax not in axes]
    moved = np.transpose(a, rest + list(axes))
    flat = moved.reshape(moved.shape[:len(rest)] + (int(np.prod(moved.shape[len(rest):])),))
    ones = np.ones(flat.shape[:-1] + (1,), flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.transpose(others, np.argsort(rest + list(axes)))


def prod_of_others_tangent(d, a, axis):
    """``J @ d`` for the Jacobian ``J`` of :func:`prod_of_others` (symmetric:
    ``J[i, j]`` is the product of the elements other than ``i`` and ``j``, 0
    on the diagonal), so both its VJP and its JVP: the tangent of the
    exclusive products from both ends, by cumprod's zero-safe JVP."""
    a = np.asarray(a, dtype=np.result_type(a, float))
    d = np.broadcast_to(np.asarray(d, dtype=np.result_type(d, a)), a.shape)
    if a.ndim == 0:
        return np.zeros_like(a)
    axes = tuple(range(a.ndim)) if axis is None else \
        tuple(ax % a.ndim for ax in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    rest = [ax for ax in range(a.ndim) if ax not in axes]
    order = rest + list(axes)
    moved = np.transpose(a, order)
    shape = moved.shape[:len(rest)] + (int(np.prod(moved.shape[len(rest):])),)
    flat, dflat = moved.reshape(shape), np.transpose(d, order).reshape(shape)
    ones = np.ones(shape[:-1] + (1,), flat.dtype)
    zeros = np.zeros(shape[:-1] + (1,), dflat.dtype)

    def exclusive(x, dx):  # products of the elements before each, and their tangent
        x = np.concatenate([ones, x[..., :-1]], axis=-1)
        dx = np.concatenate([zeros, dx[..., :-1]], axis=-1)
        p = np.cumprod(x, axis=-1)
        return p, cumprod_jvp(dx, p, x, -1)

    left, dleft = exclusive(flat, dflat)
    right, dright = exclusive(flat[..., ::-1], dflat[..., ::-1])
    out = dleft * right[..., ::-1] + left * dright[..., ::-1]
    return np.transpose(out.reshape(moved.shape), np.argsort(order))


# prod_of_others' Jacobian is symmetric: one function is its VJP and its JVP
@defvjp(prod_of_others, wrt=("a",))
def prod_of_others_rule(g, ans, a, axis):
    return prod_of_others_tangent(g, a, axis)


@defjvp(prod_of_others)
def prod_of_others_jvp(da, ans, a, axis):
    return prod_of_others_tangent(da, a, axis)


@defvjp(np.max, np.amax, np.min, np.amin, ("method", "max"), ("method", "min"))
def reduce_max(g, ans, a, axis=None, out=None, keepdims=False):
    return reduce_max_vjp(g, ans, a, axis)


@defjvp(np.max, np.amax, np.min, np.amin, ("method", "max"), ("method", "min"))
def reduce_max_jvp(da, ans, a, axis=None, out=None, keepdims=False):
    at_max = a == np.reshape(ans, keepdims_shape_vjp(np.shape(a), axis))
    return (np.sum(da * at_max, axis=axis, keepdims=keepdims)
            / np.sum(at_max, axis=axis, keepdims=keepdims))


def reduce_max_vjp(g, extreme, a, axis=None):
    """The cotangent of ``a`` in ``extreme = np.max(a, axis)`` (or
    ``np.min``; ``g`` has ``extreme``'s shape, reduced axes kept or not):
    ``g`` shared evenly among the elements equal to their reduction's
    extreme. One comparison and one product over ``a``; the ties are
    counted per reduction only if there are any."""
    if type(a) is not _ndarray:
        a = np.asarray(a)
    shape = a.shape
    if shape:
        shape = _keepdims_shape(shape, axis) if axis is not None else (1,) * len(shape)
    if type(extreme) is _ndarray:
        if extreme.shape != shape:
            extreme = extreme.reshape(shape)
    else:
        extreme = np.reshape(extreme, shape)
    at = a == extreme
    if type(g) is _ndarray:
        if g.shape != shape:
            g = g.reshape(shape)
    else:
        g = np.reshape(g, shape)
    # Every reduction matches its extreme at least once, unless the extreme
    # is NaN: as many matches as reductions (and no NaN) means no ties.
    if np.count_nonzero(at) == extreme.size and (
            a.dtype.kind not in "fc" or not np.count_nonzero(extreme != extreme)):
        return at * g
    return at * (g / _add_reduce(at, axis=axis, keepdims=True))


# reduce_max_vjp is linear in g; a and extreme only select positions (no derivative)
@defvjp(reduce_max_vjp, wrt=("g",))
def reduce_max_vjp_vjp(u, ans, g, extreme, a, axis=None):
    at_max = a == np.reshape(extreme, keepdims_shape_vjp(np.shape(a), axis))
    return np.reshape(np.sum(u * at_max, axis=axis, keepdims=True)
                      / np.sum(at_max, axis=axis, keepdims=True), np.shape(g))


@defjvp(reduce_max_vjp)
def reduce_max_vjp_jvp(dg, ans, g, extreme, a, axis=None):
    return reduce_max_vjp(dg, extreme, a, axis)


@defvjp(np.var, ("method", "var"))
def var(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = reduced_count_vjp(np.shape(a), axis)
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return np.reshape(g, keepdims_shape_vjp(np.shape(a), axis)) * 2 * centred / (n - ddof)


@defjvp(np.var, ("method", "var"))
def var_jvp(da, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = reduced_count_vjp(np.shape(a), axis)
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return 2 * np.sum(da * centred, axis=axis, keepdims=keepdims) / (n - ddof)


@defvjp(np.std, ("method", "std"))
def std(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = reduced_count_vjp(np.shape(a), axis)
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return np.reshape(g / ans, keepdims_shape_vjp(np.shape(a), axis)) * centred / (n - ddof)


@defjvp(np.std, ("method", "std"))
def std_jvp(da, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = reduced_count_vjp(np.shape(a), axis)
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return np.sum(da * centred, axis=axis, keepdims=keepdims) / ((n - ddof) * ans)


# ||x|| reduces over axis like a sum; d||x||/dx (x's shape) depends on ord.
@defvjp(np.linalg.norm)
def norm(g, ans, x, ord=None, axis=None, keepdims=False):
    return np.reshape(g, keepdims_shape_vjp(np.shape(x), axis)) * norm_grad_vjp(x, ans, ord, axis)


@defjvp(np.linalg.norm)
def norm_jvp(dx, ans, x, ord=None, axis=None, keepdims=False):
    return np.sum(dx * norm_grad_vjp(x, ans, ord, axis), axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------- products
# dot and inner are tensordots with particular axes; the cotangents are
# tensordots of g with the other operand, transposed back into place.


@defvjp(np.tensordot)
def tensordot(g, ans, a, b, axes=2):
    ax = tensordot_axes_vjp(np.ndim(a), np.ndim(b), axes)
    return (np.transpose(np.tensordot(g, b, ax[0]), ax[1]),
            np.transpose(np.tensordot(a, g, ax[2]), ax[3]))


@defjvp(np.tensordot)
def tensordot_jvp(da, db, ans, a, b, axes=2):
    return np.tensordot(da, b, axes), np.tensordot(a, db, axes)


@defvjp(np.dot, ("method", "dot"))
def dot(g, ans, a, b, out=None):
    ax = dot_axes_vjp(np.ndim(a), np.ndim(b))
    return (np.transpose(np.tensordot(g, b, ax[0]), ax[1]),
            np.transpose(np.tensordot(a, g, ax[2]), ax[3]))


@defjvp(np.dot, ("method", "dot"))
def dot_jvp(da, db, ans, a, b, out=None):
    return np.dot(da, b), np.dot(a, db)


@defvjp(np.inner)
def inner(g, ans, a, b):
    ax = inner_axes_vjp(np.ndim(a), np.ndim(b))
    return (np.transpose(np.tensordot(g, b, ax[0]), ax[1]),
            np.transpose(np.tensordot(a, g, ax[2]), ax[3]))


@defjvp(np.inner)
def inner_jvp(da, db, ans, a, b):
    return np.inner(da, b), np.inner(a, db)


# np.outer flattens its operands: ans[i, j] = a.flat[i] * b.flat[j].
@defvjp(np.outer)
def outer(g, ans, a, b, out=None):
    return (np.reshape(np.dot(g, np.ravel(b)), np.shape(a)),
            np.reshape(np.dot(np.ravel(a), g), np.shape(b)))


@defjvp(np.outer)
def outer_jvp(da, db, ans, a, b, out=None):
    return np.outer(da, b), np.outer(a, db)


# ---------------------------------------------------------------- shapes and copies


@defvjp(np.transpose)
def transpose(g, ans, a, axes=None):
    return np.transpose(g, np.argsort(transpose_perm_vjp(axes, np.ndim(a))))


@defjvp(np.transpose)
def transpose_jvp(da, ans, a, axes=None):
    return np.transpose(da, axes)


# x.transpose(1, 0), x.transpose((1, 0)) and x.transpose() all land in *axes.
@defvjp(("method", "transpose"))
def transpose_method(g, ans, a, *axes):
    return np.transpose(g, np.argsort(transpose_perm_vjp(axes, np.ndim(a))))


@defjvp(("method", "transpose"))
def transpose_method_jvp(da, ans, a, *axes):
    return np.transpose(da, transpose_perm_vjp(axes, np.ndim(a)))


@defvjp(np.swapaxes, ("method", "swapaxes"), wrt=("a",))
def swapaxes(g, ans, a, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@defjvp(np.swapaxes, ("method", "swapaxes"))
def swapaxes_jvp(da, ans, a, axis1, axis2):
    return np.swapaxes(da, axis1, axis2)


@defvjp(np.moveaxis, wrt=("a",))
def moveaxis(g, ans, a, source, destination):
    return np.moveaxis(g, destination, source)


@defjvp(np.moveaxis)
def moveaxis_jvp(da, ans, a, source, destination):
    return np.moveaxis(da, source, destination)


@defvjp(np.reshape, wrt=("a",))
def reshape(g, ans, a, shape, order="C", *, copy=None):
    return np.reshape(g, np.shape(a), order=order)


@defjvp(np.reshape)
def reshape_jvp(da, ans, a, shape, order="C", *, copy=None):
    return np.reshape(da, np.shape(ans), order=order)


# x.reshape(2, 3) and x.reshape((2, 3)) both land in *shape.
@defvjp(("method", "reshape"))
def reshape_method(g, ans, a, *shape, order="C", copy=None):
    return np.reshape(g, np.shape(a), order=order)


@defjvp(("method", "reshape"))
def reshape_method_jvp(da, ans, a, *shape, order="C", copy=None):
    return np.reshape(da, np.shape(ans), order=order)


# order "C" or "F" ("K"/"A" are only right for C- or F-contiguous inputs).
@defvjp(np.ravel, ("method", "ravel"), ("method", "flatten"))
def ravel(g, ans, a, order="C"):
    return np.reshape(g, np.shape(a), order=order)


@defjvp(np.ravel, ("method", "ravel"), ("method", "flatten"))
def ravel_jvp(da, ans, a, order="C"):
    return np.ravel(da, order=order)


@defvjp(np.squeeze, ("method", "squeeze"))
def squeeze(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


@defjvp(np.squeeze, ("method", "squeeze"))
def squeeze_jvp(da, ans, a, axis=None):
    return np.squeeze(da, axis)


@defvjp(np.expand_dims, wrt=("a",))
def expand_dims(g, ans, a, axis):
    return np.reshape(g, np.shape(a))


@defjvp(np.expand_dims)
def expand_dims_jvp(da, ans, a, axis):
    return np.expand_dims(da, axis)


@defvjp(np.broadcast_to, wrt=("array",))
def broadcast_to(g, ans, array, shape, subok=False):
    return unbroadcast(g, array)


@defjvp(np.broadcast_to)
def broadcast_to_jvp(darray, ans, array, shape, subok=False):
    return np.broadcast_to(darray, shape)


# np.array of one active array (or a nested list of active values: the
# reverse transform splits the cotangent of a list display itself).
@defvjp(np.array)
def array(g, ans, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0):
    return np.reshape(g, np.shape(object))


@defjvp(np.array)
def array_jvp(dobject, ans, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0):
    return np.array(dobject, dtype=dtype, ndmin=ndmin)


@defvjp(np.asarray)
def asarray(g, ans, a, dtype=None, order=None, *, device=None, copy=None):
    return g


@defjvp(np.asarray)
def asarray_jvp(da, ans, a, dtype=None, order=None, *, device=None, copy=None):
    return np.asarray(da, dtype=dtype)


@defvjp(np.copy, ("method", "copy"))
def copy(g, ans, a, order="K", subok=False):
    return g


@defjvp(np.copy, ("method", "copy"))
def copy_jvp(da, ans, a, order="K", subok=False):
    return snapshot(da)  # a copy: the code after it may write into it in place


# Float-to-float casts (x.astype(float)); integer casts are not differentiable.
@defvjp(("method", "astype"), wrt=("a",))
def astype(g, ans, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return g


@defjvp(("method", "astype"))
def astype_jvp(da, ans, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return da


# ---------------------------------------------------------------- helpers
# Called from the templates above (so from generated code). All but the two
# norm helpers compute static things (shapes, permutations, axes) and are
# registered as non-differentiable at the end; norm_grad_vjp has rules below.


def keepdims_shape_vjp(shape, axis):
    """The shape of a reduction over ``axis`` of an array of ``shape`` with
    the reduced axes kept as length 1: ``((3, 4), 1) -> (3, 1)``,
    ``((3, 4), None) -> (1, 1)``. A reduction's cotangent reshaped to it
    broadcasts against the input."""
    ndim = len(shape)
    if ndim == 0:  # numpy reduces a 0-d value over axis 0 or -1 to itself
        return ()
    if axis is None:
        axes = range(ndim)
    elif isinstance(axis, (tuple, list)):
        axes = [a % ndim for a in axis]
    else:
        axes = [axis % ndim]
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def reduced_count_vjp(shape, axis):
    """How many elements a reduction over ``axis`` combines into each
    result (0 for an empty axis): ``((3, 4), 1) -> 4``."""
    kept = keepdims_shape_vjp(shape, axis)
    return int(np.prod([n for n, k in zip(shape, kept, strict=True) if k == 1 and n != 1]
                       + [1]))


def transpose_perm_vjp(axes, ndim):
    """The full permutation of a transpose, from ``np.transpose``'s ``axes``
    (``None`` or a sequence) or ``x.transpose``'s ``*axes`` (``()``,
    ``(None,)``, ``((1, 0),)`` or ``(1, 0)``): ``((), 3) -> (2, 1, 0)``.
    Its ``np.argsort`` is the inverse permutation, for the cotangent."""
    if isinstance(axes, tuple) and len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = axes[0]
    if axes is None or len(axes) == 0:
        return tuple(range(ndim))[::-1]
    return tuple(int(a) % ndim for a in axes)


def tensordot_axes_vjp(a_ndim, b_ndim, axes):
    """For ``ans = np.tensordot(a, b, axes)``: ``(axes_a, perm_a, axes_b,
    perm_b)`` such that the cotangents are
    ``np.transpose(np.tensordot(g, b, axes_a), perm_a)`` and
    ``np.transpose(np.tensordot(a, g, axes_b), perm_b)``.

    ``g`` has ``ans``'s axes: a's free axes then b's free axes. Contracting
    b's free axes leaves a's free axes then b's summed axes in b's order;
    ``perm_a`` puts each summed axis where its partner in ``a`` was (and
    symmetrically for ``b``). E.g. matrix product ``(2, 2, ([1], [0]))`` gives
    ``(([1], [1]), (0, 1), ([0], [0]), (0, 1))``: ``g @ b.T`` and ``a.T @ g``.
    """
    if isinstance(axes, (int, np.integer)):
        sum_a, sum_b = list(range(a_ndim - axes, a_ndim)), list(range(axes))
    else:
        sum_a, sum_b = ([ax] if isinstance(ax, (int, np.integer)) else list(ax)
                        for ax in axes)
        sum_a = [int(a) % a_ndim for a in sum_a]
        sum_b = [int(b) % b_ndim for b in sum_b]
    free_a = [i for i in range(a_ndim) if i not in sum_a]
    free_b = [i for i in range(b_ndim) if i not in sum_b]
    g_free_b = list(range(len(free_a), len(free_a) + len(free_b)))
    layout_a = free_a + [sum_a[sum_b.index(b)] for b in sorted(sum_b)]
    layout_b = [sum_b[sum_a.index(a)] for a in sorted(sum_a)] + free_b
    return ((g_free_b, free_b), tuple(int(i) for i in np.argsort(layout_a)),
            (free_a, list(range(len(free_a)))), tuple(int(i) for i in np.argsort(layout_b)))


def dot_axes_vjp(a_ndim, b_ndim):
    """:func:`tensordot_axes_vjp` for ``np.dot(a, b)``, which is
    ``np.tensordot(a, b, ([-1], [-2]))`` (``[-1]`` for a 1-D ``b``) and a
    plain product when either operand is 0-d."""
    if a_ndim == 0 or b_ndim == 0:
        return tensordot_axes_vjp(a_ndim, b_ndim, 0)
    return tensordot_axes_vjp(a_ndim, b_ndim, ([a_ndim - 1], [max(b_ndim - 2, 0)]))


def inner_axes_vjp(a_ndim, b_ndim):
    """:func:`tensordot_axes_vjp` for ``np.inner(a, b)``, which is
    ``np.tensordot(a, b, ([-1], [-1]))`` and a plain product when either
    operand is 0-d."""
    if a_ndim == 0 or b_ndim == 0:
        return tensordot_axes_vjp(a_ndim, b_ndim, 0)
    return tensordot_axes_vjp(a_ndim, b_ndim, ([a_ndim - 1], [b_ndim - 1]))


def _norm_axes(ndim, ord, axis):
    """The reduced axes of ``np.linalg.norm`` and whether it is a matrix norm
    (two axes, given explicitly or by ``ord`` on a 2-D input)."""
    if axis is None:
        axes = tuple(range(ndim))
    elif isinstance(axis, (tuple, list)):
        axes = tuple(a % ndim for a in axis)
    else:
        axes = (axis % ndim,)
    return axes, len(axes) == 2 and (axis is not None or ord is not None)


def norm_grad_vjp(x, nrm, ord, axis):
    """The derivative of ``nrm = np.linalg.norm(x, ord, axis)`` with respect
    to ``x``, elementwise: an array of ``x``'s shape, with each reduced
    slice's ``d norm / d x``.

    Vector norms: ``x / nrm`` (2-norm, also Frobenius and the flattened
    default), ``sign(x) (|x| / nrm) ** (ord - 1)`` (other p), the tied
    maxima/minima of ``|x|`` shared evenly (``inf``/``-inf``), 0 (``ord=0``).
    Matrix norms: ``1``/``-1``/``inf``/``-inf`` through the chosen column/row
    sums (ties shared evenly), ``2``/``-2``/``"nuc"`` through the SVD
    (``u_1 v_1^T``, ``u_k v_k^T``, ``U V^T``; defined for distinct singular
    values). Depends on ``x``: differentiating it again uses the rules of
    the NumPy calls inside (there is none for ``np.linalg.svd``)."""
    x = np.asarray(x)
    axes, matrix = _norm_axes(x.ndim, ord, axis)
    a = np.reshape(nrm, keepdims_shape_vjp(x.shape, axis))
    if ord is None or ord == "fro" or (ord == 2 and not matrix):
        return x / a
    if not matrix:
        if ord in (np.inf, -np.inf):
            tied = np.abs(x) == a
            return np.sign(x) * tied / np.sum(tied, axis=axes, keepdims=True)
        if ord == 0:
            return np.zeros_like(x)
        return np.sign(x) * (np.abs(x) / a) ** (ord - 1)
    row, col = axes
    if ord in (1, -1, np.inf, -np.inf):
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = np.sum(np.abs(x), axis=summed, keepdims=True)
        chosen = sums == a
        return np.sign(x) * chosen / np.sum(chosen, axis=other, keepdims=True)
    if ord in (2, -2, "nuc"):
        u, s, vt = np.linalg.svd(np.moveaxis(x, (row, col), (-2, -1)), full_matrices=False)
        k = s.shape[-1]
        pick = {2: slice(0, 1), -2: slice(k - 1, k), "nuc": slice(0, k)}[ord]
        grad = u[..., :, pick] @ vt[..., pick, :]
        return np.moveaxis(grad, (-2, -1), (row, col))
    raise ValueError(f"no derivative rule for np.linalg.norm with ord={ord!r}")


def norm_grad_partials_vjp(x, nrm, ord, axis):
    """``(dw/dx, dw/dnrm)`` for ``w = norm_grad_vjp(x, nrm, ord, axis)``,
    both elementwise of ``x``'s shape (``w`` depends on ``x`` elementwise and
    on its slice's ``nrm``): for the 2-norm ``w = x / a``, ``(1 / a, -x / a**2)``;
    for a vector p-norm ``w = sign(x) (|x| / a) ** (p - 1)``,
    ``((p - 1) |x| ** (p - 2) / a ** (p - 1), -(p - 1) w / a)``; zero for the
    piecewise-constant ``w`` of ``inf`` and matrix ``1``/``inf`` norms.
    Second derivatives of the spectral norms (``2``/``-2``/``"nuc"`` of a
    matrix) are not implemented."""
    x = np.asarray(x)
    matrix = _norm_axes(x.ndim, ord, axis)[1]
    a = np.reshape(nrm, keepdims_shape_vjp(x.shape, axis))
    if ord is None or ord == "fro" or (ord == 2 and not matrix):
        return np.ones_like(x) / a, -x / a ** 2
    if matrix and ord in (2, -2, "nuc"):
        raise NotImplementedError(
            f"second derivatives of np.linalg.norm(x, ord={ord!r}) of a matrix")
    if matrix or ord in (np.inf, -np.inf, 0, 1):
        return np.zeros_like(x), np.zeros_like(x)
    w = np.sign(x) * (np.abs(x) / a) ** (ord - 1)
    return (ord - 1) * np.abs(x) ** (ord - 2) / a ** (ord - 1), -(ord - 1) * w / a


# d||x||/dx appears in generated gradients: its own rules make second
# derivatives of norms work (see norm_grad_partials_vjp for which).
@defvjp(norm_grad_vjp, wrt=("x", "nrm"))
def norm_grad(g, ans, x, nrm, ord, axis):
    dw = norm_grad_partials_vjp(x, nrm, ord, axis)
    return g * dw[0], np.reshape(np.sum(g * dw[1], axis=axis, keepdims=True), np.shape(nrm))


@defjvp(norm_grad_vjp)
def norm_grad_jvp(dx, dnrm, ans, x, nrm, ord, axis):
    dw = norm_grad_partials_vjp(x, nrm, ord, axis)
    return dx * dw[0], np.reshape(dnrm, keepdims_shape_vjp(np.shape(x), axis)) * dw[1]


# ---------------------------------------------------------------- non-differentiable

nondiff(
    # integer-valued or piecewise constant
    np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix, np.sign, np.signbit,
    np.floor_divide, np.heaviside,
    # indices, counts, shapes
    np.argmax, np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.argwhere,
    np.count_nonzero, np.searchsorted, np.digitize, np.shape, np.ndim, np.size,
    # constructors whose values do not depend on their arguments' values
    np.zeros_like, np.ones_like, np.empty_like, np.zeros, np.ones, np.empty, np.eye,
    np.identity, np.arange,
    # predicates and comparisons
    np.isnan, np.isfinite, np.isinf, np.isclose, np.allclose, np.array_equal, np.any, np.all,
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    ("method", "argmax"), ("method", "argmin"), ("method", "argsort"), ("method", "nonzero"),
    ("method", "round"), ("method", "any"), ("method", "all"),
    # the static helpers above
    keepdims_shape_vjp, reduced_count_vjp, transpose_perm_vjp, tensordot_axes_vjp,
    dot_axes_vjp, inner_axes_vjp,
    # piecewise constant
    maximum_weight_vjp,
)


# ================================================================ more rules
# The sections below extend the table above: more elementwise functions,
# scans, shapes and indexing, products (einsum, kron, cross). Static helpers
# (shapes, axes, index tuples, selection tensors) are registered as
# non-differentiable at the end; helpers that compute with values have rules.


def _np2(*names):
    """The NumPy functions named (``"vecdot"``, ``"linalg.trace"``) that
    this NumPy has: some are NumPy 2 only."""
    found = []
    for name in names:
        obj = np
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            found.append(obj)
    return found

# ---------------------------------------------------------------- elementwise (continued)


# inf and nan are replaced by constants: no derivative there.
@defvjp(np.nan_to_num, wrt=("x",), elementwise=True)
def nan_to_num(g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return g * np.isfinite(x)


@defjvp(np.nan_to_num)
def nan_to_num_jvp(dx, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return dx * np.isfinite(x)


# Complex inputs z = u + iv, in the convention of fft_rules (the cotangent
# of z is ∂L/∂u - i ∂L/∂v, the pairing bilinear): Re z has the cotangent g,
# Im z has -1j * g (0 for a real input), conj z has conj(g). Each is linear
# over the reals, so its tangent is itself of the tangent. For real inputs
# real and conj are the identity (ndarray.conjugate() of a real array is the
# array itself) and imag is the constant 0.
@defvjp(np.real, elementwise=True)
def real(g, ans, val):
    return g


@defjvp(np.real)
def real_jvp(dval, ans, val):
    return dval.real


@defvjp(np.imag, elementwise=True)
def imag(g, ans, val):
    return imag_cotangent_vjp(g, val)


@defjvp(np.imag)
def imag_jvp(dval, ans, val):
    return dval.imag


@defvjp(np.conjugate, elementwise=True)   # np.conj is np.conjugate
def conjugate(g, ans, x):
    return g.conjugate()


@defjvp(np.conjugate)
def conjugate_jvp(dx, ans, x):
    return dx.conjugate()


@defvjp(("method", "conj"), ("method", "conjugate"), elementwise=True)
def conj_method(g, ans, a):
    return g.conjugate()


@defjvp(("method", "conj"), ("method", "conjugate"))
def conj_method_jvp(da, ans, a):
    return da.conjugate()


@defvjp(("attr", "imag"), elementwise=True)
def attr_imag(g, ans, x):
    return imag_cotangent_vjp(g, x)


@defjvp(("attr", "imag"))
def attr_imag_jvp(dx, ans, x):
    return dx.imag


def imag_cotangent_vjp(g, x):
    """The cotangent of ``x`` from ``g``, that of its imaginary part:
    ``-1j * g``, or 0 for a real ``x``."""
    t = type(x)
    if t is _ndarray:
        if x.dtype.kind != "c":
            return g * 0.0
    elif t is float or not np.iscomplexobj(x):
        return g * 0.0
    return -1j * g


@defvjp(imag_cotangent_vjp, wrt=("g",), elementwise=True)   # linear in g, a real cotangent
def imag_cotangent_rule(gg, ans, g, x):
    return imag_cotangent_vjp(gg, x).real


@defjvp(imag_cotangent_vjp)
def imag_cotangent_jvp(dg, ans, g, x):
    return imag_cotangent_vjp(dg, x)


# angle(z) = atan2(v, u): dθ = Im(conj(z) dz) / |z|², so z̄ = -1j g conj(z) / |z|²
# (0 where z == 0, and for a real input, where angle is piecewise constant).
@defvjp(np.angle, elementwise=True)
def angle(g, ans, z, deg=False):
    return (imag_cotangent_vjp(g * angle_unit_vjp(deg) / np.where(z == 0, 1, np.abs(z)), z)
            * sign_conj_vjp(z))


@defjvp(np.angle)
def angle_jvp(dz, ans, z, deg=False):
    return (dz * sign_conj_vjp(z)).imag / np.where(z == 0, 1, np.abs(z)) * angle_unit_vjp(deg)


def angle_unit_vjp(deg):
    """The unit of ``np.angle(z, deg)`` per radian."""
    return 180 / np.pi if deg else 1.0


# fmod(x, y) = x - trunc(x / y) * y (the sign of x), as mod with trunc for floor.
@defvjp(np.fmod, elementwise=True)
def fmod(g, ans, x1, x2):
    return unbroadcast(g, x1), unbroadcast(-g * np.trunc(x1 / x2), x2)


@defjvp(np.fmod)
def fmod_jvp(dx1, dx2, ans, x1, x2):
    return np.broadcast_to(dx1, np.shape(ans)), -dx2 * np.trunc(x1 / x2)


# copysign(x1, x2) = |x1| sign(x2): piecewise constant in x2.
@defvjp(np.copysign, wrt=("x1",))
def copysign(g, ans, x1, x2):
    return unbroadcast(g * np.sign(x1) * np.sign(ans), x1)


@defjvp(np.copysign)
def copysign_jvp(dx1, ans, x1, x2):
    return dx1 * np.sign(x1) * np.sign(ans)


# ldexp(x1, x2) = x1 * 2**x2 with an integer exponent x2.
@defvjp(np.ldexp, wrt=("x1",))
def ldexp(g, ans, x1, x2):
    return unbroadcast(g * np.exp2(x2), x1)


@defjvp(np.ldexp)
def ldexp_jvp(dx1, ans, x1, x2):
    return dx1 * np.exp2(x2)


# ---------------------------------------------------------------- scans and differences


# The transpose of a cumulative sum is a cumulative sum from the other end.
@defvjp(np.cumsum, ("method", "cumsum"))
def cumsum(g, ans, a, axis=None, dtype=None, out=None):
    ax = scan_axis_vjp(axis)
    return np.reshape(np.flip(np.cumsum(np.flip(g, ax), ax), ax), np.shape(a))


@defjvp(np.cumsum, ("method", "cumsum"))
def cumsum_jvp(da, ans, a, axis=None, dtype=None, out=None):
    return np.cumsum(da, axis)


# d ans_j / d a_i = ans_j / a_i for j >= i where a_i is not 0. Zeros: every
# product through a row's first zero z is 0 except the one that leaves a_z
# out, the cumulative product with a_z replaced by 1 ("whole"); elements
# after z have derivative 0 (their products hold a_z). No zero: as ans / a.
@defvjp(np.cumprod, ("method", "cumprod"))
def cumprod(g, ans, a, axis=None, dtype=None, out=None):
    ax = scan_axis_vjp(axis)
    flat = np.reshape(a, np.shape(ans))
    zero = flat == 0
    first = zero & (np.cumsum(zero, ax) == 1)
    whole = np.cumprod(np.where(first, 1.0, flat), ax)
    r = np.flip(np.cumsum(np.flip(g * ans, ax), ax), ax)
    r_first = np.flip(np.cumsum(np.flip(g * whole, ax), ax), ax)
    return np.reshape(np.where(first, r_first, np.where(zero, 0.0, r / np.where(zero, 1.0, flat))),
                      np.shape(a))


@defjvp(np.cumprod, ("method", "cumprod"))
def cumprod_jvp(da, ans, a, axis=None, dtype=None, out=None):
    ax = scan_axis_vjp(axis)
    flat = np.reshape(a, np.shape(ans))
    d = np.reshape(da, np.shape(ans))
    zero = flat == 0
    before = np.cumsum(zero, ax) == 0
    first = zero & (np.cumsum(zero, ax) == 1)
    whole = np.cumprod(np.where(first, 1.0, flat), ax)
    return np.where(before, ans * np.cumsum(np.where(before, d / np.where(zero, 1.0, flat), 0.0),
                                            ax),
                    np.cumsum(np.where(first, d, 0.0), ax) * whole)


# The transpose of an n-th difference is (-1)^n times the n-th difference
# of the cotangent padded with n zeros at both ends. prepend=/append= are
# not accepted.
@defvjp(np.diff, wrt=("a",))
def diff(g, ans, a, n=1, axis=-1):
    return (-1) ** n * np.diff(np.pad(g, diff_pad_vjp(np.ndim(a), n, axis)), n, axis)


@defjvp(np.diff)
def diff_jvp(da, ans, a, n=1, axis=-1):
    return np.diff(da, n, axis)


# ---------------------------------------------------------------- traces, diagonals, averages


@defvjp(np.trace, ("method", "trace"), wrt=("a",))
def trace(g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return (np.expand_dims(g, trace_axes_vjp(np.ndim(a), axis1, axis2))
            * diagonal_mask_vjp(np.shape(a), offset, axis1, axis2))


@defjvp(np.trace, ("method", "trace"))
def trace_jvp(da, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return np.trace(da, offset, axis1, axis2)


@defvjp(*_np2("linalg.trace"))
def linalg_trace(g, ans, x, /, *, offset=0, dtype=None):
    return (np.expand_dims(g, (-2, -1))
            * diagonal_mask_vjp(np.shape(x), offset, -2, -1))


@defjvp(*_np2("linalg.trace"))
def linalg_trace_jvp(dx, ans, x, /, *, offset=0, dtype=None):
    return np.trace(dx, offset, -2, -1)


# The diagonal's cotangent (its last axis) is put back on the diagonal by a
# 0/1 selection tensor P[i, j, t] (1 where (i, j) is the t-th diagonal entry).
@defvjp(np.diagonal, ("method", "diagonal"), wrt=("a",))
def diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    p = diagonal_selection_vjp(np.shape(a), offset, axis1, axis2)
    return np.moveaxis(np.tensordot(g, p, ([-1], [2])), (-2, -1), (axis1, axis2))


@defjvp(np.diagonal, ("method", "diagonal"))
def diagonal_jvp(da, ans, a, offset=0, axis1=0, axis2=1):
    return np.diagonal(da, offset, axis1, axis2)


@defvjp(*_np2("linalg.diagonal"))
def linalg_diagonal(g, ans, x, /, *, offset=0):
    p = diagonal_selection_vjp(np.shape(x), offset, -2, -1)
    return np.tensordot(g, p, ([-1], [2]))


@defjvp(*_np2("linalg.diagonal"))
def linalg_diagonal_jvp(dx, ans, x, /, *, offset=0):
    return np.diagonal(dx, offset, -2, -1)


# np.diag: a vector onto a matrix's k-th diagonal, or a matrix's k-th
# diagonal out; both are contractions with a selection tensor.
@defvjp(np.diag, wrt=("v",))
def diag(g, ans, v, k=0):
    s = diag_selection_vjp(np.shape(v), k)
    return np.tensordot(s[0], g, s[1])


@defjvp(np.diag)
def diag_jvp(dv, ans, v, k=0):
    return np.diag(dv, k)


# returned=True (a tuple) is not accepted.
@defvjp(np.average, wrt=("a", "weights"))
def average(g, ans, a, axis=None, weights=None, *, keepdims=False):
    w = average_weights(weights, a, axis)
    sw = np.sum(w * np.ones_like(a), axis=axis, keepdims=True)
    gk = np.reshape(g, keepdims_shape_vjp(np.shape(a), axis)) / sw
    return (gk * w * np.ones_like(a),
            np.reshape(unbroadcast(gk * (a - np.reshape(ans, np.shape(gk))), w),
                       np.shape(weights)))


@defjvp(np.average)
def average_jvp(da, dweights, ans, a, axis=None, weights=None, *, keepdims=False):
    w = average_weights(weights, a, axis)
    sw = np.reshape(np.sum(w * np.ones_like(a), axis=axis, keepdims=True), np.shape(ans))
    avg = np.reshape(ans, keepdims_shape_vjp(np.shape(a), axis))
    return (np.sum(da * w, axis=axis, keepdims=keepdims) / sw,
            np.sum((a - avg) * average_weights(dweights, a, axis), axis=axis,
                   keepdims=keepdims) / sw)


def average_weights(weights, a, axis):
    """``np.average``'s weights shaped to broadcast against ``a`` (1 if
    there are none; a 1-D weight vector along an integer ``axis``)."""
    if weights is None:
        return 1.0
    if np.ndim(weights) == 1 and np.ndim(a) != 1 and axis is not None:
        shape = [1] * np.ndim(a)
        shape[axis] = np.shape(weights)[0]
        return np.reshape(weights, shape)
    return weights


@defvjp(average_weights, wrt=("weights",))
def average_weights_rule(gg, ans, weights, a, axis):
    return np.reshape(gg, np.shape(weights))


@defjvp(average_weights)
def average_weights_jvp(dweights, ans, weights, a, axis):
    return average_weights(dweights, a, axis)


def or_one(x):
    """``x``, or 1 for an absent (``None``) optional operand, so a template
    can multiply by it unconditionally."""
    return 1.0 if x is None else x


def or_zero(x):
    """``x``, or 0 for an absent (``None``) optional operand, so a template
    can subtract it unconditionally (the mean of a SciPy distribution)."""
    return 0.0 if x is None else x


@defvjp(or_one, or_zero)
def or_default_rule(g, ans, x):
    return g


@defjvp(or_one, or_zero)
def or_default_jvp(dx, ans, x):
    return dx


# ---------------------------------------------------------------- shapes (continued)


# One array only: np.atleast_2d(x, y) returns a tuple and is refused.
@defvjp(np.atleast_1d, np.atleast_2d, np.atleast_3d)
def atleast_nd(g, ans, ary):
    return np.reshape(g, np.shape(ary))


@defjvp(np.atleast_1d, np.atleast_2d, np.atleast_3d)
def atleast_nd_jvp(dary, ans, ary):
    return np.reshape(dary, np.shape(ans))


@defvjp(*_np2("matrix_transpose", "linalg.matrix_transpose"))
def matrix_transpose(g, ans, x, /):
    return np.swapaxes(g, -1, -2)


@defjvp(*_np2("matrix_transpose", "linalg.matrix_transpose"))
def matrix_transpose_jvp(dx, ans, x, /):
    return np.swapaxes(dx, -1, -2)


@defvjp(np.rollaxis, wrt=("a",))
def rollaxis(g, ans, a, axis, start=0):
    return np.transpose(g, np.argsort(rollaxis_perm_vjp(np.ndim(a), axis, start)))


@defjvp(np.rollaxis)
def rollaxis_jvp(da, ans, a, axis, start=0):
    return np.rollaxis(da, axis, start)


# Sequences of arrays: the cotangent is a list, one piece per array.
@defvjp(np.vstack, structural=True)
def vstack(g, ans, tup, *, dtype=None, casting="same_kind"):
    return stack_pieces_vjp(g, tup, "v")


@defjvp(np.vstack)
def vstack_jvp(dtup, ans, tup, *, dtype=None, casting="same_kind"):
    return np.vstack(dtup)


@defvjp(np.hstack, structural=True)
def hstack(g, ans, tup, *, dtype=None, casting="same_kind"):
    return stack_pieces_vjp(g, tup, "h")


@defjvp(np.hstack)
def hstack_jvp(dtup, ans, tup, *, dtype=None, casting="same_kind"):
    return np.hstack(dtup)


@defvjp(np.dstack, structural=True)
def dstack(g, ans, tup):
    return stack_pieces_vjp(g, tup, "d")


@defjvp(np.dstack)
def dstack_jvp(dtup, ans, tup):
    return np.dstack(dtup)


@defvjp(np.column_stack, structural=True)
def column_stack(g, ans, tup):
    return stack_pieces_vjp(g, tup, "column")


@defjvp(np.column_stack)
def column_stack_jvp(dtup, ans, tup):
    return np.column_stack(dtup)


def stack_pieces_vjp(g, tup, kind):
    """The pieces of ``g`` that each array of ``np.vstack``/``hstack``/
    ``dstack``/``column_stack(tup)`` (``kind`` ``"v"``, ``"h"``, ``"d"``,
    ``"column"``) became, each in its array's own shape."""
    g = np.asarray(g)
    if kind == "v":
        axis, shapes = 0, [np.shape(np.atleast_2d(t)) for t in tup]
    elif kind == "d":
        axis, shapes = 2, [np.shape(np.atleast_3d(t)) for t in tup]
    elif kind == "column":
        axis = 1
        shapes = [(np.size(t), 1) if np.ndim(t) < 2 else np.shape(t) for t in tup]
    else:
        axis = 0 if g.ndim == 1 else 1
        shapes = [np.shape(np.atleast_1d(t)) for t in tup]
    cuts = np.cumsum([s[axis] for s in shapes])[:-1]
    return [np.reshape(p, np.shape(t))
            for p, t in zip(np.split(g, cuts, axis=axis), tup, strict=True)]


@defjvp(stack_pieces_vjp)
def stack_pieces_jvp(dg, ans, g, tup, kind):
    return stack_pieces_vjp(dg, tup, kind)


# The split family returns a list; its cotangent (a list of the pieces'
# cotangents, zeros for unused pieces) is concatenated back.
@defvjp(np.split, np.array_split, wrt=("ary",), structural=True)
def split(g, ans, ary, indices_or_sections, axis=0):
    return np.concatenate(g, axis)


@defjvp(np.split, np.array_split)
def split_jvp(dary, ans, ary, indices_or_sections, axis=0):
    return split_like_jvp(dary, ans, axis)


@defvjp(np.vsplit, wrt=("ary",), structural=True)
def vsplit(g, ans, ary, indices_or_sections):
    return np.concatenate(g, 0)


@defvjp(np.hsplit, wrt=("ary",), structural=True)
def hsplit(g, ans, ary, indices_or_sections):
    return np.concatenate(g, hsplit_axis_vjp(np.ndim(ary)))


@defvjp(np.dsplit, wrt=("ary",), structural=True)
def dsplit(g, ans, ary, indices_or_sections):
    return np.concatenate(g, 2)


@defjvp(np.vsplit)
def vsplit_jvp(dary, ans, ary, indices_or_sections):
    return split_like_jvp(dary, ans, 0)


@defjvp(np.hsplit)
def hsplit_jvp(dary, ans, ary, indices_or_sections):
    return split_like_jvp(dary, ans, hsplit_axis_vjp(np.ndim(ary)))


@defjvp(np.dsplit)
def dsplit_jvp(dary, ans, ary, indices_or_sections):
    return split_like_jvp(dary, ans, 2)


def split_like_jvp(x, pieces, axis):
    """``x`` split along ``axis`` where the primal ``pieces`` were cut (a list)."""
    cuts = np.cumsum([np.shape(p)[axis] for p in pieces])[:-1]
    return list(np.split(x, cuts, axis=axis))


@defjvp(split_like_jvp)
def split_like_jvp_jvp(dx, ans, x, pieces, axis):
    return split_like_jvp(dx, pieces, axis)


# np.append(arr, values, axis): the two parts of g, each in its own shape.
@defvjp(np.append)
def append(g, ans, arr, values, axis=None):
    t = append_index_vjp(np.shape(arr), axis)
    return np.reshape(g[t[0]], np.shape(arr)), np.reshape(g[t[1]], np.shape(values))


@defjvp(np.append)
def append_jvp(darr, dvalues, ans, arr, values, axis=None):
    return (np.append(darr, np.zeros_like(values), axis),
            np.append(np.zeros_like(arr), dvalues, axis))


# g reshaped so each tiled copy has its own axes, which are summed.
@defvjp(np.tile, wrt=("A",))
def tile(g, ans, A, reps):
    t = tile_shapes_vjp(np.shape(A), reps)
    return np.reshape(np.sum(np.reshape(g, t[0]), axis=t[1]), np.shape(A))


@defjvp(np.tile)
def tile_jvp(dA, ans, A, reps):
    return np.tile(dA, reps)


# ans = M a along the axis, with M the 0/1 matrix np.repeat(eye(n), repeats).
@defvjp(np.repeat, ("method", "repeat"), wrt=("a",))
def repeat(g, ans, a, repeats, axis=None):
    r = repeat_matrix_vjp(np.shape(a), repeats, axis)
    return np.reshape(np.moveaxis(np.tensordot(g, r[1], ([r[0]], [0])), -1, r[0]), np.shape(a))


@defjvp(np.repeat, ("method", "repeat"))
def repeat_jvp(da, ans, a, repeats, axis=None):
    return np.repeat(da, repeats, axis)


@defvjp(np.flip, wrt=("m",))
def flip(g, ans, m, axis=None):
    return np.flip(g, axis)


@defjvp(np.flip)
def flip_jvp(dm, ans, m, axis=None):
    return np.flip(dm, axis)


@defvjp(np.fliplr)
def fliplr(g, ans, m):
    return np.fliplr(g)


@defjvp(np.fliplr)
def fliplr_jvp(dm, ans, m):
    return np.fliplr(dm)


@defvjp(np.flipud)
def flipud(g, ans, m):
    return np.flipud(g)


@defjvp(np.flipud)
def flipud_jvp(dm, ans, m):
    return np.flipud(dm)


@defvjp(np.roll, wrt=("a",))
def roll(g, ans, a, shift, axis=None):
    return np.roll(g, negated_vjp(shift), axis)


@defjvp(np.roll)
def roll_jvp(da, ans, a, shift, axis=None):
    return np.roll(da, shift, axis)


@defvjp(np.rot90, wrt=("m",))
def rot90(g, ans, m, k=1, axes=(0, 1)):
    return np.rot90(g, -k, axes)


@defjvp(np.rot90)
def rot90_jvp(dm, ans, m, k=1, axes=(0, 1)):
    return np.rot90(dm, k, axes)


# Constant mode only (other modes raise when the derivative runs); a scalar
# constant_values is differentiable: it fills everything outside the array.
@defvjp(np.pad, wrt=("array", "constant_values"))
def pad(g, ans, array, pad_width, mode="constant", *, constant_values=0):
    idx = pad_index_vjp(np.ndim(array), pad_width, mode)
    return g[idx], np.sum(g) - np.sum(g[idx])


@defjvp(np.pad)
def pad_jvp(darray, dconstant_values, ans, array, pad_width, mode="constant", *,
            constant_values=0):
    return (np.pad(darray, pad_width, pad_mode_vjp(mode)),
            np.pad(np.zeros_like(array), pad_width, pad_mode_vjp(mode),
                   constant_values=dconstant_values))


@defvjp(np.tril, wrt=("m",))
def tril(g, ans, m, k=0):
    return np.tril(g, k)


@defjvp(np.tril)
def tril_jvp(dm, ans, m, k=0):
    return np.tril(dm, k)


@defvjp(np.triu, wrt=("m",))
def triu(g, ans, m, k=0):
    return np.triu(g, k)


@defjvp(np.triu)
def triu_jvp(dm, ans, m, k=0):
    return np.triu(dm, k)


# ---------------------------------------------------------------- gathers and sort
# Each is a fancy index into ``a`` (flattened for axis=None); the cotangent
# is scattered back with getitem_vjp (repeated indices add up).


@defvjp(np.take, ("method", "take"), wrt=("a",))
def take(g, ans, a, indices, axis=None, out=None, mode="raise"):
    t = take_index_vjp(np.shape(a), indices, axis, mode)
    return np.reshape(getitem_vjp(g, np.reshape(a, t[0]), t[1]), np.shape(a))


@defjvp(np.take, ("method", "take"))
def take_jvp(da, ans, a, indices, axis=None, out=None, mode="raise"):
    return np.take(da, indices, axis, mode=mode)


@defvjp(np.take_along_axis, wrt=("arr",))
def take_along_axis(g, ans, arr, indices, axis=-1):
    t = along_axis_index_vjp(np.shape(arr), indices, axis)
    return np.reshape(getitem_vjp(g, np.reshape(arr, t[0]), t[1]), np.shape(arr))


@defjvp(np.take_along_axis)
def take_along_axis_jvp(darr, ans, arr, indices, axis=-1):
    return np.take_along_axis(darr, indices, axis)


# The values of np.sort: a permutation (stable for ties) along the axis.
# order= (structured arrays) is not accepted.
@defvjp(np.sort, wrt=("a",))
def sort(g, ans, a, axis=-1, kind=None, *, stable=None):
    t = sort_index_vjp(a, axis)
    return np.reshape(getitem_vjp(g, np.reshape(a, t[0]), t[1]), np.shape(a))


@defjvp(np.sort)
def sort_jvp(da, ans, a, axis=-1, kind=None, *, stable=None):
    t = sort_index_vjp(a, axis)
    return np.reshape(da, t[0])[t[1]]


# np.partition's values: the permutation np.argpartition picks (order= not accepted).
@defvjp(np.partition, wrt=("a",))
def partition(g, ans, a, kth, axis=-1, kind="introselect"):
    t = partition_index_vjp(a, kth, axis, kind)
    return np.reshape(getitem_vjp(g, np.reshape(a, t[0]), t[1]), np.shape(a))


@defjvp(np.partition)
def partition_jvp(da, ans, a, kth, axis=-1, kind="introselect"):
    t = partition_index_vjp(a, kth, axis, kind)
    return np.reshape(da, t[0])[t[1]]


# Real inputs: real_if_close is the identity.
@defvjp(np.real_if_close, wrt=("a",), elementwise=True)
def real_if_close(g, ans, a, tol=100):
    return g


@defjvp(np.real_if_close)
def real_if_close_jvp(da, ans, a, tol=100):
    return da


# np.astype(x, dtype) (NumPy 2): float-to-float casts.
@defvjp(*_np2("astype"), wrt=("x",))
def astype_function(g, ans, x, dtype, /, *, copy=True, device=None):
    return g


@defjvp(*_np2("astype"))
def astype_function_jvp(dx, ans, x, dtype, /, *, copy=True, device=None):
    return dx


# ---------------------------------------------------------------- products (continued)


# np.vdot flattens both operands (same size, any shapes).
@defvjp(np.vdot)
def vdot(g, ans, a, b, /):
    return g * np.reshape(b, np.shape(a)), g * np.reshape(a, np.shape(b))


@defjvp(np.vdot)
def vdot_jvp(da, db, ans, a, b, /):
    return np.vdot(da, b), np.vdot(a, db)


# np.vecdot(x1, x2, axis): sum(x1 * x2, axis) over broadcast operands.
@defvjp(*_np2("vecdot", "linalg.vecdot"))
def vecdot(g, ans, x1, x2, /, *, axis=-1):
    return (unbroadcast(np.expand_dims(g, axis) * x2, x1),
            unbroadcast(np.expand_dims(g, axis) * x1, x2))


@defjvp(*_np2("vecdot", "linalg.vecdot"))
def vecdot_jvp(dx1, dx2, ans, x1, x2, /, *, axis=-1):
    return np.vecdot(dx1, x2, axis=axis), np.vecdot(x1, dx2, axis=axis)


# kron: g viewed with each axis split into (a's, b's) is an outer product.
@defvjp(np.kron)
def kron(g, ans, a, b):
    k = kron_shapes_vjp(np.shape(a), np.shape(b))
    gr = np.reshape(g, k[0])
    return (np.reshape(np.sum(gr * np.reshape(b, k[2]), axis=k[3]), np.shape(a)),
            np.reshape(np.sum(gr * np.reshape(a, k[1]), axis=k[4]), np.shape(b)))


@defjvp(np.kron)
def kron_jvp(da, db, ans, a, b):
    return np.kron(da, b), np.kron(a, db)


# <g, a x b> = <a, b x g> = <b, g x a>, per vector, after moving the vector
# axes last; 2-vectors are 3-vectors with z = 0.
@defvjp(np.cross, wrt=("a", "b"))
def cross(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return (cross_vjp_a(g, a, b, axisa, axisb, axisc, axis),
            cross_vjp_b(g, a, b, axisa, axisb, axisc, axis))


@defjvp(np.cross)
def cross_jvp(da, db, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return (np.cross(da, b, axisa, axisb, axisc, axis),
            np.cross(a, db, axisa, axisb, axisc, axis))


def _cross_parts(g, a, b, axisa, axisb, axisc, axis):
    if axis is not None:
        axisa = axisb = axisc = axis
    am, bm = np.moveaxis(np.asarray(a), axisa, -1), np.moveaxis(np.asarray(b), axisb, -1)
    na, nb = am.shape[-1], bm.shape[-1]

    def to3(v):
        if v.shape[-1] == 3:
            return v
        return np.concatenate([v, np.zeros(v.shape[:-1] + (1,), v.dtype)], axis=-1)

    g = np.asarray(g)
    if na == 2 and nb == 2:
        z = np.zeros_like(g)
        g3 = np.stack([z, z, g], axis=-1)
    else:
        g3 = np.moveaxis(g, axisc, -1)
    return am, bm, to3(am), to3(bm), g3, axisa, axisb


def cross_vjp_a(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cotangent of ``a`` in ``np.cross(a, b, ...)``: ``b x g`` per vector."""
    am, bm, a3, b3, g3, axisa, axisb = _cross_parts(g, a, b, axisa, axisb, axisc, axis)
    r = np.cross(b3, g3)[..., :am.shape[-1]]
    return np.moveaxis(unbroadcast(r, am), -1, axisa)


def cross_vjp_b(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cotangent of ``b`` in ``np.cross(a, b, ...)``: ``g x a`` per vector."""
    am, bm, a3, b3, g3, axisa, axisb = _cross_parts(g, a, b, axisa, axisb, axisc, axis)
    r = np.cross(g3, a3)[..., :bm.shape[-1]]
    return np.moveaxis(unbroadcast(r, bm), -1, axisb)


# Bilinear in (g, b) and (g, a); the other operand is used for its shape only.
@defjvp(cross_vjp_a)
def cross_vjp_a_jvp(dg, da, db, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return (cross_vjp_a(dg, a, b, axisa, axisb, axisc, axis), np.zeros_like(ans),
            cross_vjp_a(g, a, db, axisa, axisb, axisc, axis))


@defjvp(cross_vjp_b)
def cross_vjp_b_jvp(dg, da, db, ans, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return (cross_vjp_b(dg, a, b, axisa, axisb, axisc, axis),
            cross_vjp_b(g, da, b, axisa, axisb, axisc, axis), np.zeros_like(ans))


# einsum with up to six operands, subscripts given as a string (implicit or
# explicit output, ellipses, repeated labels, size-1 broadcasting). The
# cotangent of operand k is the einsum that contracts g with the other
# operands into operand k's labels (einsum_vjp_op); the tangent is the sum
# of einsums with one operand replaced by its tangent (absent operands are
# the constant 1 with no labels, see einsum_full_spec_vjp).
@defvjp(np.einsum, wrt=("a", "b", "c", "d", "e", "f"))
def einsum(g, ans, subscripts, a, b=None, c=None, d=None, e=None, f=None, *, out=None,
           optimize=False):
    return (einsum_vjp_op(g, a, b, c, d, e, f, k=0, subscripts=subscripts),
            einsum_vjp_op(g, a, b, c, d, e, f, k=1, subscripts=subscripts),
            einsum_vjp_op(g, a, b, c, d, e, f, k=2, subscripts=subscripts),
            einsum_vjp_op(g, a, b, c, d, e, f, k=3, subscripts=subscripts),
            einsum_vjp_op(g, a, b, c, d, e, f, k=4, subscripts=subscripts),
            einsum_vjp_op(g, a, b, c, d, e, f, k=5, subscripts=subscripts))


@defjvp(np.einsum)
def einsum_jvp(da, db, dc, dd, de, df, ans, subscripts, a, b=None, c=None, d=None, e=None,
               f=None, *, out=None, optimize=False):
    s = einsum_full_spec_vjp(subscripts)
    return (np.einsum(s, da, or_one(b), or_one(c), or_one(d), or_one(e), or_one(f)),
            np.einsum(s, a, db, or_one(c), or_one(d), or_one(e), or_one(f)),
            np.einsum(s, a, or_one(b), dc, or_one(d), or_one(e), or_one(f)),
            np.einsum(s, a, or_one(b), or_one(c), dd, or_one(e), or_one(f)),
            np.einsum(s, a, or_one(b), or_one(c), or_one(d), de, or_one(f)),
            np.einsum(s, a, or_one(b), or_one(c), or_one(d), or_one(e), df))


def einsum_vjp_op(g, x0, x1=None, x2=None, x3=None, x4=None, x5=None, *, k, subscripts):
    """The cotangent of operand ``k`` of ``np.einsum(subscripts, x0, ...)``
    for the cotangent ``g`` of its result (0 for an absent operand)."""
    ops = [x0, x1, x2, x3, x4, x5]
    inputs, _ = einsum_parse_vjp(subscripts)
    if k >= len(inputs):
        return 0.0
    spec, extra = einsum_vjp_specs(subscripts, *[np.shape(x) for x in ops[:len(inputs)]])[k]
    others = [x for j, x in enumerate(ops[:len(inputs)]) if j != k]
    if extra is not None:
        others.append(extra)
    return unbroadcast(np.einsum(spec, g, *others), ops[k])


def einsum_vjp_swap(dx, g, x0, x1=None, x2=None, x3=None, x4=None, x5=None, *, j, k,
                    subscripts):
    """``einsum_vjp_op`` with operand ``j`` replaced by ``dx`` (zero if
    ``j == k``: operand k itself only gives its shape)."""
    ops = [x0, x1, x2, x3, x4, x5]
    if j == k:
        return np.zeros_like(einsum_vjp_op(g, *ops, k=k, subscripts=subscripts))
    ops[j] = dx
    return einsum_vjp_op(g, *ops, k=k, subscripts=subscripts)


# Linear in g and in each operand other than k: the JVP that Hessians of
# einsum programs (forward over reverse) need.
@defjvp(einsum_vjp_op)
def einsum_vjp_op_jvp(dg, dx0, dx1, dx2, dx3, dx4, dx5, ans, g, x0, x1=None, x2=None, x3=None,
                      x4=None, x5=None, *, k, subscripts):
    return (einsum_vjp_op(dg, x0, x1, x2, x3, x4, x5, k=k, subscripts=subscripts),
            einsum_vjp_swap(dx0, g, x0, x1, x2, x3, x4, x5, j=0, k=k, subscripts=subscripts),
            einsum_vjp_swap(dx1, g, x0, x1, x2, x3, x4, x5, j=1, k=k, subscripts=subscripts),
            einsum_vjp_swap(dx2, g, x0, x1, x2, x3, x4, x5, j=2, k=k, subscripts=subscripts),
            einsum_vjp_swap(dx3, g, x0, x1, x2, x3, x4, x5, j=3, k=k, subscripts=subscripts),
            einsum_vjp_swap(dx4, g, x0, x1, x2, x3, x4, x5, j=4, k=k, subscripts=subscripts),
            einsum_vjp_swap(dx5, g, x0, x1, x2, x3, x4, x5, j=5, k=k, subscripts=subscripts))


# ---------------------------------------------------------------- constructors from values


@defvjp(np.full, wrt=("fill_value",))
def full(g, ans, shape, fill_value, dtype=None, order="C"):
    return unbroadcast(g, fill_value)


@defjvp(np.full)
def full_jvp(dfill_value, ans, shape, fill_value, dtype=None, order="C"):
    return np.broadcast_to(dfill_value, np.shape(ans)) * np.ones_like(ans)


@defvjp(np.full_like, wrt=("fill_value",))
def full_like(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return unbroadcast(g, fill_value)


@defjvp(np.full_like)
def full_like_jvp(dfill_value, ans, a, fill_value, dtype=None, order="K", subok=True,
                  shape=None):
    return np.broadcast_to(dfill_value, np.shape(ans)) * np.ones_like(ans)


# ans = start + (stop - start) t, t = linspace(0, 1) along axis; retstep=True
# (a tuple) is not accepted.
@defvjp(np.linspace, wrt=("start", "stop"))
def linspace(g, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    t = linspace_t_vjp(num, endpoint, axis, np.ndim(ans))
    return (unbroadcast(np.sum(g * (1 - t), axis=axis), start),
            unbroadcast(np.sum(g * t, axis=axis), stop))


@defjvp(np.linspace)
def linspace_jvp(dstart, dstop, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    t = linspace_t_vjp(num, endpoint, axis, np.ndim(ans))
    return (np.expand_dims(dstart * np.ones_like(np.sum(ans, axis=axis)), axis) * (1 - t),
            np.expand_dims(dstop * np.ones_like(np.sum(ans, axis=axis)), axis) * t)


def linspace_t_vjp(num, endpoint, axis, ndim):
    """``np.linspace(0, 1, num, endpoint)`` laid along ``axis`` of an
    ``ndim``-dimensional result."""
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    shape = [1] * ndim
    shape[axis] = num
    return t.reshape(shape)


# ---------------------------------------------------------------- static helpers (continued)

_EINSUM_OPERANDS = 6


def einsum_parse_vjp(subscripts):
    """``(input label strings, output label string)`` of einsum subscripts,
    the output made explicit (NumPy's implicit rule: ``...`` first, then the
    labels that appear once, sorted)."""
    if not isinstance(subscripts, str):
        raise NotImplementedError("the derivative of np.einsum supports the subscripts-string "
                                  "form only, e.g. np.einsum('ij,jk->ik', a, b)")
    s = subscripts.replace(" ", "")
    if "->" in s:
        lhs, rhs = s.split("->")
    else:
        lhs = s
        letters = lhs.replace("...", "").replace(",", "")
        rhs = ("..." if "..." in lhs else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    inputs = lhs.split(",")
    if len(inputs) > _EINSUM_OPERANDS:
        raise NotImplementedError(f"the derivative of np.einsum supports at most "
                                  f"{_EINSUM_OPERANDS} operands, got {len(inputs)}")
    return inputs, rhs


def einsum_full_spec_vjp(subscripts):
    """The subscripts with an explicit output and no-label slots for the
    absent operands (which the templates pass as the constant 1)."""
    inputs, out = einsum_parse_vjp(subscripts)
    return ",".join(inputs + [""] * (_EINSUM_OPERANDS - len(inputs))) + "->" + out


def _einsum_label_sizes(sub, shape):
    """``{label: size}`` of one operand (its ``...`` dims left out)."""
    labels = sub.replace("...", "")
    pos = sub.find("...")
    dims = list(shape)
    if pos >= 0:
        n_ell = len(dims) - len(labels)
        dims = dims[:pos] + dims[pos + n_ell:]
    sizes = {}
    for c, n in zip(labels, dims, strict=True):
        sizes[c] = max(sizes.get(c, 1), n)
    return sizes


def einsum_vjp_specs(subscripts, *shapes):
    """For each operand k of ``np.einsum(subscripts, *operands)`` (of these
    ``shapes``): ``(spec, extra)`` such that operand k's cotangent is
    ``np.einsum(spec, g, <the other operands in order>[, extra])`` (before
    summing broadcast axes away), ``extra`` (``None`` if not needed) a
    constant tensor: ones over labels that the cotangent is constant along
    (found only in operand k, so summed in the primal, or of length 1
    everywhere else, so broadcast) and, for a label repeated in operand k (a
    diagonal), an identity matrix tying the repeat, renamed to a fresh
    label, to the original. NumPy sums ``...`` away only when it has no
    dimensions, so ``...`` in an operand is in the output too::

        einsum_vjp_specs("ij,jk->ik", (2, 3), (3, 4))
        == [("ik,jk->ij", None), ("ik,ij->jk", None)]
        einsum_vjp_specs("ii", (3, 3)) == [(",ia->ia", eye(3))]
    """
    inputs, out = einsum_parse_vjp(subscripts)
    sizes = [_einsum_label_sizes(sub, shape) for sub, shape in zip(inputs, shapes, strict=True)]
    used = set("".join(inputs) + out)
    fresh = iter(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 if c not in used)
    specs = []
    for k, sub in enumerate(inputs):
        others = inputs[:k] + inputs[k + 1:]
        size = sizes[k]
        extra_labels, factors = "", []
        target, seen = "", set()
        for c in sub.replace("...", "."):
            if c == ".":
                target += "..."
            elif c in seen:                       # a repeat: a fresh label, tied by eye
                z = next(fresh)
                target += z
                extra_labels += c + z
                factors.append(np.eye(size[c]))
            else:
                seen.add(c)
                target += c
        for c in dict.fromkeys(sub.replace("...", "")):
            if c in out or c in extra_labels:   # in the output, or tied by an eye
                continue
            have = max([sz[c] for j, sz in enumerate(sizes) if j != k and c in sz], default=0)
            if have < size[c]:
                extra_labels += c
                factors.append(np.ones(size[c]))
        extra = None
        for fct in factors:
            extra = fct if extra is None else np.multiply.outer(extra, fct)
        parts = [out] + others + ([extra_labels] if factors else [])
        if "..." not in target and any("..." in p for p in parts):
            # operand k has no ``...`` but the others do: the cotangent keeps those
            # axes (NumPy will not sum them away) and unbroadcast sums them
            target = "..." + target
        specs.append((",".join(parts) + "->" + target, extra))
    return specs


def scan_axis_vjp(axis):
    """The axis a cumulative sum/product runs along (0 of the flattened
    array for ``axis=None``)."""
    return 0 if axis is None else axis


def diff_pad_vjp(ndim, n, axis):
    """``np.pad`` widths: ``n`` zeros at both ends of ``axis``."""
    width = [(0, 0)] * ndim
    width[axis % ndim] = (n, n)
    return width


def trace_axes_vjp(ndim, axis1, axis2):
    """The positions of the two traced axes in the input, ascending."""
    return tuple(sorted((axis1 % ndim, axis2 % ndim)))


def diagonal_mask_vjp(shape, offset, axis1, axis2):
    """A 0/1 array broadcastable to ``shape``: 1 on the ``offset`` diagonal
    of ``axis1`` x ``axis2``, length 1 along every other axis."""
    ndim = len(shape)
    a1, a2 = axis1 % ndim, axis2 % ndim
    m = np.eye(shape[a1], shape[a2], offset)
    if a1 > a2:
        m = m.T
    out = [1] * ndim
    out[a1], out[a2] = shape[a1], shape[a2]
    return m.reshape(out)


def _selection(n1, n2, offset):
    k = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    p = np.zeros((n1, n2, k))
    t = np.arange(k)
    p[t + max(-offset, 0), t + max(offset, 0), t] = 1.0
    return p


def diagonal_selection_vjp(shape, offset, axis1, axis2):
    """``P[i, j, t] = 1`` where ``(i, j)`` (along ``axis1``, ``axis2``) is
    the t-th entry of the ``offset`` diagonal."""
    return _selection(shape[axis1], shape[axis2], offset)


def diag_selection_vjp(v_shape, k):
    """For ``np.diag(v, k)``: a selection tensor and the tensordot axes that
    contract it with the cotangent into ``v``'s shape."""
    if len(v_shape) == 1:
        n = v_shape[0] + abs(k)
        return _selection(n, n, k), ([0, 1], [0, 1])
    return _selection(v_shape[0], v_shape[1], k), ([2], [0])


def rollaxis_perm_vjp(ndim, axis, start):
    """The permutation ``np.rollaxis(a, axis, start)`` applies to the axes."""
    axis %= ndim
    if start < 0:
        start += ndim
    perm = list(range(ndim))
    if axis < start:
        start -= 1
    if axis == start:
        return tuple(perm)
    perm.remove(axis)
    perm.insert(start, axis)
    return tuple(perm)


def hsplit_axis_vjp(ndim):
    """``np.hsplit`` cuts along axis 1, or 0 for a 1-D array."""
    return 1 if ndim > 1 else 0


def append_index_vjp(arr_shape, axis):
    """Where ``arr`` and ``values`` sit in ``np.append(arr, values, axis)``
    (flattened for ``axis=None``)."""
    if axis is None:
        n = int(np.prod(arr_shape))
        return slice(0, n), slice(n, None)
    ndim = len(arr_shape)
    axis %= ndim
    head = (slice(None),) * axis
    return head + (slice(0, arr_shape[axis]),), head + (slice(arr_shape[axis], None),)


def tile_shapes_vjp(shape, reps):
    """For ``np.tile(A, reps)``: the result's shape with each axis split
    into (copy, A's axis), and the copy axes to sum."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    d = max(len(shape), len(reps))
    s = (1,) * (d - len(shape)) + tuple(shape)
    r = (1,) * (d - len(reps)) + reps
    split = tuple(x for pair in zip(r, s, strict=True) for x in pair)
    return split, tuple(range(0, 2 * d, 2))


def repeat_matrix_vjp(shape, repeats, axis):
    """For ``np.repeat(a, repeats, axis)``: the axis of the cotangent and the
    0/1 matrix ``M`` (output index x input index) with ``ans = M a`` along it."""
    n = int(np.prod(shape)) if axis is None else shape[axis]
    return (0 if axis is None else axis % len(shape)), np.repeat(np.eye(n), repeats, axis=0)


def negated_vjp(shift):
    """``-shift`` for an int or a sequence of ints."""
    return -shift if np.ndim(shift) == 0 else tuple(-s for s in shift)


def pad_mode_vjp(mode):
    """``np.pad`` is differentiated in ``"constant"`` mode only."""
    if mode != "constant":
        raise NotImplementedError(f"the derivative of np.pad supports mode='constant' only, "
                                  f"got mode={mode!r}")
    return mode


def pad_index_vjp(ndim, pad_width, mode):
    """The slices of ``np.pad``'s result that hold the original array."""
    pad_mode_vjp(mode)
    width = np.broadcast_to(np.asarray(pad_width, dtype=int), (ndim, 2))
    return tuple(slice(int(lo), -int(hi) if hi else None) for lo, hi in width)


def _mode_indices(indices, n, mode):
    indices = np.asarray(indices)
    if mode == "wrap":
        return indices % n
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    return indices


def take_index_vjp(shape, indices, axis, mode):
    """For ``np.take``: the shape to view ``a`` as (flat for ``axis=None``)
    and the index into it that ``take`` reads."""
    if axis is None:
        return (-1,), _mode_indices(indices, int(np.prod(shape)), mode)
    axis %= len(shape)
    return tuple(shape), (slice(None),) * axis + (_mode_indices(indices, shape[axis], mode),)


def along_axis_index_vjp(shape, indices, axis):
    """For ``np.take_along_axis``: the base shape and the fancy index."""
    indices = np.asarray(indices)
    if axis is None:
        return (-1,), indices
    ndim = len(shape)
    axis %= ndim
    index = []
    for d in range(ndim):
        if d == axis:
            index.append(indices)
        else:
            view = [1] * ndim
            view[d] = shape[d]
            index.append(np.arange(shape[d]).reshape(view))
    return tuple(shape), tuple(index)


def sort_index_vjp(a, axis):
    """For ``np.sort(a, axis)``: the base shape and the fancy index of the
    sorting permutation (stable, so ties keep their order)."""
    if axis is None:
        return (-1,), np.argsort(np.ravel(a), kind="stable")
    return along_axis_index_vjp(np.shape(a), np.argsort(a, axis=axis, kind="stable"), axis)


def partition_index_vjp(a, kth, axis, kind):
    """For ``np.partition(a, kth, axis)``: the base shape and the fancy index
    of the permutation ``np.argpartition`` chooses."""
    if axis is None:
        return (-1,), np.argpartition(np.ravel(a), kth, kind=kind)
    return along_axis_index_vjp(np.shape(a), np.argpartition(a, kth, axis=axis, kind=kind), axis)


def kron_shapes_vjp(a_shape, b_shape):
    """For ``np.kron(a, b)``: the result's shape with each axis split into
    (a's, b's), a's and b's shapes in that split layout, and the axes to sum
    for a's cotangent (b's) and b's (a's)."""
    d = max(len(a_shape), len(b_shape))
    sa = (1,) * (d - len(a_shape)) + tuple(a_shape)
    sb = (1,) * (d - len(b_shape)) + tuple(b_shape)
    split = tuple(x for pair in zip(sa, sb, strict=True) for x in pair)
    a_split = tuple(x for n in sa for x in (n, 1))
    b_split = tuple(x for n in sb for x in (1, n))
    return (split, a_split, b_split, tuple(range(1, 2 * d, 2)), tuple(range(0, 2 * d, 2)))


nondiff(
    np.spacing, np.nextafter, np.isreal, np.iscomplex, np.isneginf, np.isposinf,
    np.argpartition, np.unique, np.bincount, np.histogram, np.tri, np.isscalar,
    np.linalg.matrix_rank, np.iinfo, np.finfo, np.result_type, np.broadcast_shapes,
    np.ravel_multi_index, np.unravel_index, np.indices, np.diag_indices, np.tril_indices,
    np.triu_indices, np.ix_, np.lexsort, np.sign,
    ("method", "searchsorted"),
    einsum_parse_vjp, einsum_full_spec_vjp, einsum_vjp_specs, scan_axis_vjp, diff_pad_vjp,
    trace_axes_vjp, diagonal_mask_vjp, diagonal_selection_vjp, diag_selection_vjp,
    rollaxis_perm_vjp, hsplit_axis_vjp, append_index_vjp, tile_shapes_vjp, repeat_matrix_vjp,
    negated_vjp, pad_mode_vjp, pad_index_vjp, take_index_vjp, along_axis_index_vjp,
    sort_index_vjp, kron_shapes_vjp, linspace_t_vjp, partition_index_vjp, angle_unit_vjp,
)


# ================================================================ np.gradient
# Linear in f: along each axis a it is f ↦ D_a f for a matrix D_a fixed by
# the spacing and edge_order (central differences inside, one-sided at the
# ends), so the JVP is np.gradient of the tangent and the VJP applies each
# D_aᵀ to its cotangent and adds them up. D_a is np.gradient of an identity
# matrix. The spacings (varargs: scalars or coordinate arrays) are constants.
# With more than one axis the result is a tuple (structural).


def _gradient_axes(ndim, axis):
    if axis is None:
        return list(range(ndim))
    if isinstance(axis, (tuple, list)):
        return [int(a) % ndim for a in axis]
    return [int(axis) % ndim]


def gradient_apply_vjp(f, varargs, axis, edge_order):
    """``np.gradient(f, *varargs, axis=axis, edge_order=edge_order)``."""
    return np.gradient(f, *varargs, axis=axis, edge_order=edge_order)


def gradient_transpose_vjp(g, shape, varargs, axis, edge_order):
    """The adjoint of :func:`gradient_apply_vjp` on arrays of ``shape``: the
    cotangent of ``f`` for the cotangent ``g`` of ``np.gradient``'s result
    (an array, or a tuple/list of arrays for several axes)."""
    axes = _gradient_axes(len(shape), axis)
    gs = [g] if len(axes) == 1 else list(g)
    spacings = list(varargs) if len(varargs) == len(axes) else list(varargs) * len(axes)
    if not varargs:
        spacings = [1.0] * len(axes)
    out = 0.0
    for ga, a, h in zip(gs, axes, spacings, strict=True):
        d = np.gradient(np.eye(shape[a]), h, axis=0, edge_order=edge_order)
        out = out + np.moveaxis(np.tensordot(d, ga, axes=([0], [a])), 0, a)
    return out


@defvjp(np.gradient, wrt=("f",), structural=True)
def gradient(g, ans, f, *varargs, axis=None, edge_order=1):
    return gradient_transpose_vjp(g, np.shape(f), varargs, axis, edge_order)


@defjvp(np.gradient)
def gradient_jvp(df, ans, f, *varargs, axis=None, edge_order=1):
    return gradient_apply_vjp(df, varargs, axis, edge_order)


# both helpers are linear in their first argument
@defjvp(gradient_apply_vjp)
def gradient_apply_jvp(df, ans, f, varargs, axis, edge_order):
    return gradient_apply_vjp(df, varargs, axis, edge_order)


@defjvp(gradient_transpose_vjp)
def gradient_transpose_jvp(dg, ans, g, shape, varargs, axis, edge_order):
    return gradient_transpose_vjp(dg, shape, varargs, axis, edge_order)
