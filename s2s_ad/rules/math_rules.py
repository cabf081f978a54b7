"""Rules for the ``math`` module.

``math`` functions take and return Python floats, so the templates compute
with ``math.*`` and plain operators: the derivative code stays in floats
(``bx = by * math.cos(x)``). Integer-valued and predicate functions are
registered as non-differentiable at the end.
"""

from __future__ import annotations

import math

import numpy as np

from .registry import defjvp, defvjp, nondiff

# ---------------------------------------------------------------- exponentials and logarithms


@defvjp(math.exp)
def exp(g, ans, x):
    return g * ans


@defjvp(math.exp)
def exp_jvp(dx, ans, x):
    return dx * ans


@defvjp(math.exp2)
def exp2(g, ans, x):
    return g * ans * math.log(2)


@defjvp(math.exp2)
def exp2_jvp(dx, ans, x):
    return dx * ans * math.log(2)


@defvjp(math.expm1)
def expm1(g, ans, x):
    return g * (ans + 1)


@defjvp(math.expm1)
def expm1_jvp(dx, ans, x):
    return dx * (ans + 1)


# math.log(x) is the natural log; math.log(x, base) = ln x / ln base.
@defvjp(math.log, wrt=("x", "base"))
def log(g, ans, x, base=math.e):
    return g / (x * math.log(base)), -g * ans / (base * math.log(base))


@defjvp(math.log)
def log_jvp(dx, dbase, ans, x, base=math.e):
    return dx / (x * math.log(base)), -dbase * ans / (base * math.log(base))


@defvjp(math.log2)
def log2(g, ans, x):
    return g / (x * math.log(2))


@defjvp(math.log2)
def log2_jvp(dx, ans, x):
    return dx / (x * math.log(2))


@defvjp(math.log10)
def log10(g, ans, x):
    return g / (x * math.log(10))


@defjvp(math.log10)
def log10_jvp(dx, ans, x):
    return dx / (x * math.log(10))


@defvjp(math.log1p)
def log1p(g, ans, x):
    return g / (1 + x)


@defjvp(math.log1p)
def log1p_jvp(dx, ans, x):
    return dx / (1 + x)


@defvjp(math.sqrt)
def sqrt(g, ans, x):
    return g / (2 * ans)


@defjvp(math.sqrt)
def sqrt_jvp(dx, ans, x):
    return dx / (2 * ans)


# d/dy x**y = x**y ln x; at x == 0 the term is 0 (x**y is 0 for y > 0), and
# ``x + (x == 0)`` keeps math.log away from 0 there.
@defvjp(math.pow)
def pow(g, ans, x, y):
    return g * y * math.pow(x, y - 1), g * ans * math.log(x + (x == 0))


@defjvp(math.pow)
def pow_jvp(dx, dy, ans, x, y):
    return dx * y * math.pow(x, y - 1), dy * ans * math.log(x + (x == 0))


# ---------------------------------------------------------------- trigonometry


@defvjp(math.sin)
def sin(g, ans, x):
    return g * math.cos(x)


@defjvp(math.sin)
def sin_jvp(dx, ans, x):
    return dx * math.cos(x)


@defvjp(math.cos)
def cos(g, ans, x):
    return -g * math.sin(x)


@defjvp(math.cos)
def cos_jvp(dx, ans, x):
    return -dx * math.sin(x)


@defvjp(math.tan)
def tan(g, ans, x):
    return g * (1 + ans ** 2)


@defjvp(math.tan)
def tan_jvp(dx, ans, x):
    return dx * (1 + ans ** 2)


@defvjp(math.asin)
def asin(g, ans, x):
    return g / math.sqrt(1 - x ** 2)


@defjvp(math.asin)
def asin_jvp(dx, ans, x):
    return dx / math.sqrt(1 - x ** 2)


@defvjp(math.acos)
def acos(g, ans, x):
    return -g / math.sqrt(1 - x ** 2)


@defjvp(math.acos)
def acos_jvp(dx, ans, x):
    return -dx / math.sqrt(1 - x ** 2)


@defvjp(math.atan)
def atan(g, ans, x):
    return g / (1 + x ** 2)


@defjvp(math.atan)
def atan_jvp(dx, ans, x):
    return dx / (1 + x ** 2)


@defvjp(math.atan2)
def atan2(g, ans, y, x):
    r2 = x ** 2 + y ** 2
    return g * x / r2, -g * y / r2


@defjvp(math.atan2)
def atan2_jvp(dy, dx, ans, y, x):
    r2 = x ** 2 + y ** 2
    return dy * x / r2, -dx * y / r2


# math.hypot takes any number of coordinates; the rule covers the usual two.
@defvjp(math.hypot)
def hypot(g, ans, x, y):
    return g * x / ans, g * y / ans


@defjvp(math.hypot)
def hypot_jvp(dx, dy, ans, x, y):
    return dx * x / ans, dy * y / ans


@defvjp(math.degrees)
def degrees(g, ans, x):
    return g * (180 / math.pi)


@defjvp(math.degrees)
def degrees_jvp(dx, ans, x):
    return dx * (180 / math.pi)


@defvjp(math.radians)
def radians(g, ans, x):
    return g * (math.pi / 180)


@defjvp(math.radians)
def radians_jvp(dx, ans, x):
    return dx * (math.pi / 180)


# ---------------------------------------------------------------- hyperbolic functions


@defvjp(math.sinh)
def sinh(g, ans, x):
    return g * math.cosh(x)


@defjvp(math.sinh)
def sinh_jvp(dx, ans, x):
    return dx * math.cosh(x)


@defvjp(math.cosh)
def cosh(g, ans, x):
    return g * math.sinh(x)


@defjvp(math.cosh)
def cosh_jvp(dx, ans, x):
    return dx * math.sinh(x)


@defvjp(math.tanh)
def tanh(g, ans, x):
    return g * (1 - ans ** 2)


@defjvp(math.tanh)
def tanh_jvp(dx, ans, x):
    return dx * (1 - ans ** 2)


# ---------------------------------------------------------------- special functions, abs


@defvjp(math.erf)
def erf(g, ans, x):
    return g * (2 / math.sqrt(math.pi)) * math.exp(-x ** 2)


@defjvp(math.erf)
def erf_jvp(dx, ans, x):
    return dx * (2 / math.sqrt(math.pi)) * math.exp(-x ** 2)


@defvjp(math.erfc)
def erfc(g, ans, x):
    return -g * (2 / math.sqrt(math.pi)) * math.exp(-x ** 2)


@defjvp(math.erfc)
def erfc_jvp(dx, ans, x):
    return -dx * (2 / math.sqrt(math.pi)) * math.exp(-x ** 2)


# The derivative of |x| at 0 is taken as 0 (np.sign), like builtins.abs.
@defvjp(math.fabs)
def fabs(g, ans, x):
    return g * np.sign(x)


@defjvp(math.fabs)
def fabs_jvp(dx, ans, x):
    return dx * np.sign(x)


# Integer-valued, piecewise-constant and predicate functions.
nondiff(math.floor, math.ceil, math.trunc, math.isnan, math.isfinite, math.isinf,
        math.isclose, math.factorial, math.gcd, math.lcm, math.comb, math.perm, math.isqrt)
