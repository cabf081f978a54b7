"""Rules for Python's operators (``+ - * / ** @ %``, unary ``-``/``+``) and
the matching NumPy ufuncs, which behave the same on arrays."""

from __future__ import annotations

import operator

import numpy as np

from ..runtime import broadcast_as, unbroadcast
from .registry import defjvp, defvjp


@defvjp(operator.add, np.add, elementwise=True)
def add(g, ans, x, y):
    return unbroadcast(g, x), unbroadcast(g, y)


@defvjp(operator.sub, np.subtract, elementwise=True)
def sub(g, ans, x, y):
    return unbroadcast(g, x), -unbroadcast(g, y)  # negated after any reduction: fewer elements


@defvjp(operator.mul, np.multiply, elementwise=True)
def mul(g, ans, x, y):
    return unbroadcast(g * y, x), unbroadcast(g * x, y)


@defvjp(operator.truediv, np.divide, np.true_divide, elementwise=True)
def truediv(g, ans, x, y):
    return unbroadcast(g / y, x), unbroadcast(-g * ans / y, y)


# d(x ** y)/dx = y * x ** (y - 1), with the exponent y - 1 raised to 0 where
# y is 0: 0 * 0 ** -1 would be nan (a ZeroDivisionError on floats) where the
# derivative of x ** 0 is 0. For a constant y it folds: x ** 2 gives 2 * x.
@defvjp(operator.pow, np.power, elementwise=True)
def pow(g, ans, x, y):
    return (unbroadcast(g * y * x ** (y - (y != 0)), x),
            unbroadcast(g * ans * np.log(np.where(x == 0, 1.0, x)), y))


@defvjp(operator.mod, np.mod, np.remainder, elementwise=True)
def mod(g, ans, x, y):
    return unbroadcast(g, x), unbroadcast(-g * np.floor_divide(x, y), y)


@defvjp(operator.neg, np.negative, elementwise=True)
def neg(g, ans, x):
    return -g


@defvjp(operator.pos, np.positive, elementwise=True)
def pos(g, ans, x):
    return g


@defvjp(operator.matmul, np.matmul)
def matmul(g, ans, x, y):
    return matmul_vjp_x(g, x, y), matmul_vjp_y(g, x, y)


def _as_matrices(g, x, y):
    """Promote 1-D operands of ``x @ y`` (and the cotangent) to matrices."""
    x_nd, y_nd = np.ndim(x), np.ndim(y)
    g2 = np.expand_dims(g, -1) if y_nd == 1 else np.asarray(g)
    g2 = np.expand_dims(g2, -2) if x_nd == 1 else g2
    x2 = np.expand_dims(x, 0) if x_nd == 1 else np.asarray(x)
    y2 = np.expand_dims(y, -1) if y_nd == 1 else np.asarray(y)
    return g2, x2, y2


_ndarray = np.ndarray


def matmul_vjp_x(g, x, y):
    """Cotangent of ``x`` in ``x @ y``, for every combination of 1-D and n-D."""
    if type(x) is _ndarray and type(y) is _ndarray:
        nx, ny = x.ndim, y.ndim  # the common shapes, without the general promotion
        if nx == 1 and ny == 1:
            return g * y
        if type(g) is _ndarray:
            if nx == 2 and ny == 2:
                return g @ y.T
            if nx == 2 and ny == 1:
                return g[:, None] * y
            if nx == 1 and ny == 2:
                return y @ g
    g2, _, y2 = _as_matrices(g, x, y)
    gx = g2 @ np.swapaxes(y2, -1, -2)
    if np.ndim(x) == 1:
        gx = gx[..., 0, :]
    return unbroadcast(gx, x)


def matmul_vjp_y(g, x, y):
    """Cotangent of ``y`` in ``x @ y``, for every combination of 1-D and n-D."""
    if type(x) is _ndarray and type(y) is _ndarray:
        nx, ny = x.ndim, y.ndim
        if nx == 1 and ny == 1:
            return g * x
        if type(g) is _ndarray:
            if nx == 2 and ny == 2:
                return x.T @ g
            if nx == 1 and ny == 2:
                return x[:, None] * g
            if nx == 2 and ny == 1:
                return g @ x
    g2, x2, _ = _as_matrices(g, x, y)
    gy = np.swapaxes(x2, -1, -2) @ g2
    if np.ndim(y) == 1:
        gy = gy[..., 0]
    return unbroadcast(gy, y)


# ---------------------------------------------------------------- JVPs
# Each contribution has the output's shape: a broadcasting operand's tangent is
# broadcast where the operation itself would not do it.


@defjvp(operator.add, np.add)
def add_jvp(dx, dy, ans, x, y):
    return broadcast_as(dx, ans), broadcast_as(dy, ans)


@defjvp(operator.sub, np.subtract)
def sub_jvp(dx, dy, ans, x, y):
    return broadcast_as(dx, ans), -broadcast_as(dy, ans)


@defjvp(operator.mul, np.multiply)
def mul_jvp(dx, dy, ans, x, y):
    return dx * y, x * dy


@defjvp(operator.truediv, np.divide, np.true_divide)
def truediv_jvp(dx, dy, ans, x, y):
    return dx / y, -dy * ans / y


@defjvp(operator.pow, np.power)
def pow_jvp(dx, dy, ans, x, y):
    return dx * y * x ** (y - (y != 0)), dy * ans * np.log(np.where(x == 0, 1.0, x))


@defjvp(operator.mod, np.mod, np.remainder)
def mod_jvp(dx, dy, ans, x, y):
    return broadcast_as(dx, ans), -dy * np.floor_divide(x, y)


@defjvp(operator.neg, np.negative)
def neg_jvp(dx, ans, x):
    return -dx


@defjvp(operator.pos, np.positive)
def pos_jvp(dx, ans, x):
    return dx


@defjvp(operator.matmul, np.matmul)
def matmul_jvp(dx, dy, ans, x, y):
    return dx @ y, x @ dy


# The matmul VJP helpers appear in generated gradients, so forward-over-reverse
# (Hessians) needs their JVPs: they are bilinear in (g, y) and (g, x), and use
# their other operand only for its shape (its tangent contributes zero).
@defvjp(matmul_vjp_x)
def matmul_vjp_x_vjp(u, ans, g, x, y):
    # x only decides the shapes: no derivative flows to it
    return unbroadcast(np.matmul(u, y), g), np.zeros_like(x), matmul_vjp_y(g, u, y)


@defvjp(matmul_vjp_y)
def matmul_vjp_y_vjp(u, ans, g, x, y):
    return unbroadcast(np.matmul(x, u), g), matmul_vjp_x(g, x, u), np.zeros_like(y)


@defjvp(matmul_vjp_x)
def matmul_vjp_x_jvp(dg, dx, dy, ans, g, x, y):
    return matmul_vjp_x(dg, x, y), np.zeros_like(ans), matmul_vjp_x(g, x, dy)


@defjvp(matmul_vjp_y)
def matmul_vjp_y_jvp(dg, dx, dy, ans, g, x, y):
    return matmul_vjp_y(dg, x, y), matmul_vjp_y(g, dx, y), np.zeros_like(ans)
