"""Rules for NumPy functions and array methods.

Templates are written in NumPy operations that have rules themselves, so
generated code can be differentiated again (Hessians). Where a rule has to
branch on shapes, axes or ``ord`` (which a template cannot), a small helper
below computes the *static* part — a shape, a permutation, tensordot axes —
and the template does the arithmetic::

    @defvjp(np.sum, ("method", "sum"))
    def reduce_sum(g, ans, a, axis=None, ...):   # g back to a's shape
        return np.reshape(g, keepdims_shape_vjp(np.shape(a), axis)) * np.ones_like(a)

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
  ``where=``/``initial=`` of reductions, ``correction=`` of var), so such calls
  fail to bind and are reported rather than differentiated wrongly. ``out=`` and
  ``dtype=`` are accepted and ignored.
"""

from __future__ import annotations

import numpy as np

from ..runtime import unbroadcast
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


@defvjp(np.absolute, np.fabs, elementwise=True)   # np.abs is np.absolute
def absolute(g, ans, x):
    return g * np.sign(x)


@defjvp(np.absolute, np.fabs)
def absolute_jvp(dx, ans, x):
    return dx * np.sign(x)


# One template for all four: it only asks which operand the result came from.
# Where x == y each gets half.
@defvjp(np.maximum, np.minimum, np.fmax, np.fmin, elementwise=True)
def maximum(g, ans, x, y):
    return (unbroadcast(g * (x == ans) / (1.0 + (x == y)), x),
            unbroadcast(g * (y == ans) / (1.0 + (x == y)), y))


@defjvp(np.maximum, np.minimum, np.fmax, np.fmin)
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
    return np.reshape(g, keepdims_shape_vjp(np.shape(a), axis)) * np.ones_like(a)


@defjvp(np.sum, ("method", "sum"))
def reduce_sum_jvp(da, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return np.sum(da, axis=axis, keepdims=keepdims)


@defvjp(np.mean, ("method", "mean"))
def reduce_mean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    n = np.size(a) / np.size(ans)
    return np.reshape(g, keepdims_shape_vjp(np.shape(a), axis)) * np.ones_like(a) / n


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
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.transpose(others, np.argsort(rest + list(axes)))


@defvjp(np.max, np.amax, np.min, np.amin, ("method", "max"), ("method", "min"))
def reduce_max(g, ans, a, axis=None, out=None, keepdims=False):
    shape = keepdims_shape_vjp(np.shape(a), axis)
    at_max = a == np.reshape(ans, shape)
    return np.reshape(g, shape) * at_max / np.sum(at_max, axis=axis, keepdims=True)


@defjvp(np.max, np.amax, np.min, np.amin, ("method", "max"), ("method", "min"))
def reduce_max_jvp(da, ans, a, axis=None, out=None, keepdims=False):
    at_max = a == np.reshape(ans, keepdims_shape_vjp(np.shape(a), axis))
    return (np.sum(da * at_max, axis=axis, keepdims=keepdims)
            / np.sum(at_max, axis=axis, keepdims=keepdims))


@defvjp(np.var, ("method", "var"))
def var(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = np.size(a) / np.size(ans)
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return np.reshape(g, keepdims_shape_vjp(np.shape(a), axis)) * 2 * centred / (n - ddof)


@defjvp(np.var, ("method", "var"))
def var_jvp(da, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = np.size(a) / np.size(ans)
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return 2 * np.sum(da * centred, axis=axis, keepdims=keepdims) / (n - ddof)


@defvjp(np.std, ("method", "std"))
def std(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = np.size(a) / np.size(ans)
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return np.reshape(g / ans, keepdims_shape_vjp(np.shape(a), axis)) * centred / (n - ddof)


@defjvp(np.std, ("method", "std"))
def std_jvp(da, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    n = np.size(a) / np.size(ans)
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
    return da


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
    keepdims_shape_vjp, transpose_perm_vjp, tensordot_axes_vjp, dot_axes_vjp, inner_axes_vjp,
)
