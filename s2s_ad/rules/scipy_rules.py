"""Rules for ``scipy.special`` and ``scipy.stats.norm``, registered only if
SciPy is installed (it is not a dependency of s2s_ad).

The special functions are ufuncs: elementwise, broadcasting like NumPy's.
Derivatives in the second argument of two-argument functions whose first
argument is an order or a count (``polygamma(n, x)``, ``jv(v, x)``,
``gammainc(a, x)`` in ``a``) are not implemented: those parameters are
not in ``wrt`` and must be constants. ``scipy.stats.norm``'s methods are
registered as the bound methods ``scipy.stats.norm.logpdf`` etc., with the
keywords ``loc`` and ``scale`` differentiable too.
"""

from __future__ import annotations

import numpy as np

from ..runtime import unbroadcast
from .numpy_rules import keepdims_shape_vjp, or_one, or_zero
from .registry import REGISTRY, defjvp, defvjp, nondiff

try:
    import scipy.linalg as sl
    import scipy.special as sp
    import scipy.stats as st
except ImportError:  # pragma: no cover - SciPy is optional
    sl = sp = st = None

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def triangular_info_vjp(trans, lower, unit_diagonal, b_ndim, n):
    """For ``solve_triangular``: the other ``trans``, the 0/1 mask of the
    entries of ``a`` read, the axis making a vector ``b`` a column, and the
    permutation (identity or transpose) of ``-gb xᵀ`` into ``a``'s cotangent."""
    transposed = trans in (1, 2, "T", "C")
    ones = np.ones((n, n))
    mask = np.tril(ones, -1 if unit_diagonal else 0) if lower else \
        np.triu(ones, 1 if unit_diagonal else 0)
    return (0 if transposed else 1), mask, ((-1,) if b_ndim == 1 else ()), \
        ((1, 0) if transposed else (0, 1))
_SQRT_PI = np.sqrt(np.pi)

if sp is not None:

    # ------------------------------------------------------------ reductions and normalisers

    # logsumexp(a, axis, b, keepdims) = log sum b exp(a); return_sign=True (a
    # tuple) is not accepted.
    @defvjp(sp.logsumexp, wrt=("a", "b"))
    def logsumexp(g, ans, a, axis=None, b=None, keepdims=False):
        shape = keepdims_shape_vjp(np.shape(a * or_one(b)), axis)
        e = np.exp(a - np.reshape(ans, shape))
        gk = np.reshape(g, shape)
        return (unbroadcast(gk * e * or_one(b), a),
                unbroadcast(gk * e * np.ones_like(or_one(b)), b))

    @defjvp(sp.logsumexp)
    def logsumexp_jvp(da, db, ans, a, axis=None, b=None, keepdims=False):
        shape = keepdims_shape_vjp(np.shape(a * or_one(b)), axis)
        e = np.exp(a - np.reshape(ans, shape))
        return (np.sum(da * e * or_one(b), axis=axis, keepdims=keepdims),
                np.sum(db * e, axis=axis, keepdims=keepdims))

    @defvjp(sp.softmax)
    def softmax(g, ans, x, axis=None):
        return ans * (g - np.sum(g * ans, axis=axis, keepdims=True))

    @defjvp(sp.softmax)
    def softmax_jvp(dx, ans, x, axis=None):
        return ans * (dx - np.sum(dx * ans, axis=axis, keepdims=True))

    @defvjp(sp.log_softmax)
    def log_softmax(g, ans, x, axis=None):
        return g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)

    @defjvp(sp.log_softmax)
    def log_softmax_jvp(dx, ans, x, axis=None):
        return dx - np.sum(np.exp(ans) * dx, axis=axis, keepdims=True)

    # ------------------------------------------------------------ logistic and error functions

    @defvjp(sp.expit, elementwise=True)
    def expit(g, ans, x):
        return g * ans * (1 - ans)

    @defjvp(sp.expit)
    def expit_jvp(dx, ans, x):
        return dx * ans * (1 - ans)

    @defvjp(sp.logit, elementwise=True)
    def logit(g, ans, x):
        return g / (x * (1 - x))

    @defjvp(sp.logit)
    def logit_jvp(dx, ans, x):
        return dx / (x * (1 - x))

    @defvjp(sp.log_expit, elementwise=True)
    def log_expit(g, ans, x):
        return g * sp.expit(-x)

    @defjvp(sp.log_expit)
    def log_expit_jvp(dx, ans, x):
        return dx * sp.expit(-x)

    @defvjp(sp.erf, elementwise=True)
    def erf(g, ans, z):
        return g * (2 / _SQRT_PI) * np.exp(-z ** 2)

    @defjvp(sp.erf)
    def erf_jvp(dz, ans, z):
        return dz * (2 / _SQRT_PI) * np.exp(-z ** 2)

    @defvjp(sp.erfc, elementwise=True)
    def erfc(g, ans, x):
        return -g * (2 / _SQRT_PI) * np.exp(-x ** 2)

    @defjvp(sp.erfc)
    def erfc_jvp(dx, ans, x):
        return -dx * (2 / _SQRT_PI) * np.exp(-x ** 2)

    @defvjp(sp.erfinv, elementwise=True)
    def erfinv(g, ans, y):
        return g * (_SQRT_PI / 2) * np.exp(ans ** 2)

    @defjvp(sp.erfinv)
    def erfinv_jvp(dy, ans, y):
        return dy * (_SQRT_PI / 2) * np.exp(ans ** 2)

    @defvjp(sp.erfcinv, elementwise=True)
    def erfcinv(g, ans, y):
        return -g * (_SQRT_PI / 2) * np.exp(ans ** 2)

    @defjvp(sp.erfcinv)
    def erfcinv_jvp(dy, ans, y):
        return -dy * (_SQRT_PI / 2) * np.exp(ans ** 2)

    # the standard normal CDF and its log and inverse
    @defvjp(sp.ndtr, elementwise=True)
    def ndtr(g, ans, x):
        return g * np.exp(-x ** 2 / 2 - _LOG_SQRT_2PI)

    @defjvp(sp.ndtr)
    def ndtr_jvp(dx, ans, x):
        return dx * np.exp(-x ** 2 / 2 - _LOG_SQRT_2PI)

    @defvjp(sp.log_ndtr, elementwise=True)
    def log_ndtr(g, ans, x):
        return g * np.exp(-x ** 2 / 2 - _LOG_SQRT_2PI - ans)

    @defjvp(sp.log_ndtr)
    def log_ndtr_jvp(dx, ans, x):
        return dx * np.exp(-x ** 2 / 2 - _LOG_SQRT_2PI - ans)

    @defvjp(sp.ndtri, elementwise=True)
    def ndtri(g, ans, y):
        return g * np.exp(ans ** 2 / 2 + _LOG_SQRT_2PI)

    @defjvp(sp.ndtri)
    def ndtri_jvp(dy, ans, y):
        return dy * np.exp(ans ** 2 / 2 + _LOG_SQRT_2PI)

    # ------------------------------------------------------------ gamma family

    @defvjp(sp.gammaln, elementwise=True)
    def gammaln(g, ans, x):
        return g * sp.digamma(x)

    @defjvp(sp.gammaln)
    def gammaln_jvp(dx, ans, x):
        return dx * sp.digamma(x)

    @defvjp(sp.gamma, elementwise=True)
    def gamma(g, ans, z):
        return g * ans * sp.digamma(z)

    @defjvp(sp.gamma)
    def gamma_jvp(dz, ans, z):
        return dz * ans * sp.digamma(z)

    @defvjp(sp.rgamma, elementwise=True)
    def rgamma(g, ans, z):
        return -g * ans * sp.digamma(z)

    @defjvp(sp.rgamma)
    def rgamma_jvp(dz, ans, z):
        return -dz * ans * sp.digamma(z)

    @defvjp(sp.digamma, elementwise=True)   # sp.psi is sp.digamma
    def digamma(g, ans, z):
        return g * sp.polygamma(1, z)

    @defjvp(sp.digamma)
    def digamma_jvp(dz, ans, z):
        return dz * sp.polygamma(1, z)

    @defvjp(sp.polygamma, wrt=("x",))
    def polygamma(g, ans, n, x):
        return unbroadcast(g * sp.polygamma(n + 1, x), x)

    @defjvp(sp.polygamma)
    def polygamma_jvp(dx, ans, n, x):
        return dx * sp.polygamma(n + 1, x)

    # multigammaln(a, d) = const + sum_j gammaln(a - j / 2), j = 0 .. d-1
    @defvjp(sp.multigammaln, wrt=("a",))
    def multigammaln(g, ans, a, d):
        return g * np.sum(sp.digamma(np.expand_dims(a, -1) - np.arange(d) / 2), axis=-1)

    @defjvp(sp.multigammaln)
    def multigammaln_jvp(da, ans, a, d):
        return da * np.sum(sp.digamma(np.expand_dims(a, -1) - np.arange(d) / 2), axis=-1)

    @defvjp(sp.beta, elementwise=True)
    def beta(g, ans, a, b):
        return (unbroadcast(g * ans * (sp.digamma(a) - sp.digamma(a + b)), a),
                unbroadcast(g * ans * (sp.digamma(b) - sp.digamma(a + b)), b))

    @defjvp(sp.beta)
    def beta_jvp(da, db, ans, a, b):
        return (da * ans * (sp.digamma(a) - sp.digamma(a + b)),
                db * ans * (sp.digamma(b) - sp.digamma(a + b)))

    @defvjp(sp.betaln, elementwise=True)
    def betaln(g, ans, a, b):
        return (unbroadcast(g * (sp.digamma(a) - sp.digamma(a + b)), a),
                unbroadcast(g * (sp.digamma(b) - sp.digamma(a + b)), b))

    @defjvp(sp.betaln)
    def betaln_jvp(da, db, ans, a, b):
        return (da * (sp.digamma(a) - sp.digamma(a + b)),
                db * (sp.digamma(b) - sp.digamma(a + b)))

    # regularised incomplete gamma functions, in x only
    @defvjp(sp.gammainc, wrt=("x",))
    def gammainc(g, ans, a, x):
        return unbroadcast(g * np.exp(-x + (a - 1) * np.log(x) - sp.gammaln(a)), x)

    @defjvp(sp.gammainc)
    def gammainc_jvp(dx, ans, a, x):
        return dx * np.exp(-x + (a - 1) * np.log(x) - sp.gammaln(a))

    @defvjp(sp.gammaincc, wrt=("x",))
    def gammaincc(g, ans, a, x):
        return unbroadcast(-g * np.exp(-x + (a - 1) * np.log(x) - sp.gammaln(a)), x)

    @defjvp(sp.gammaincc)
    def gammaincc_jvp(dx, ans, a, x):
        return -dx * np.exp(-x + (a - 1) * np.log(x) - sp.gammaln(a))

    # ------------------------------------------------------------ x log y and entropies

    # xlogy(0, y) = 0: the y-derivative x / y is 0 there too.
    @defvjp(sp.xlogy, elementwise=True)
    def xlogy(g, ans, x, y):
        return unbroadcast(g * np.log(y), x), unbroadcast(g * x / y, y)

    @defjvp(sp.xlogy)
    def xlogy_jvp(dx, dy, ans, x, y):
        return dx * np.log(y), dy * x / y

    @defvjp(sp.xlog1py, elementwise=True)
    def xlog1py(g, ans, x, y):
        return unbroadcast(g * np.log1p(y), x), unbroadcast(g * x / (1 + y), y)

    @defjvp(sp.xlog1py)
    def xlog1py_jvp(dx, dy, ans, x, y):
        return dx * np.log1p(y), dy * x / (1 + y)

    @defvjp(sp.entr, elementwise=True)
    def entr(g, ans, x):
        return -g * (np.log(x) + 1)

    @defjvp(sp.entr)
    def entr_jvp(dx, ans, x):
        return -dx * (np.log(x) + 1)

    @defvjp(sp.rel_entr, elementwise=True)
    def rel_entr(g, ans, x, y):
        return unbroadcast(g * (np.log(x / y) + 1), x), unbroadcast(-g * x / y, y)

    @defjvp(sp.rel_entr)
    def rel_entr_jvp(dx, dy, ans, x, y):
        return dx * (np.log(x / y) + 1), -dy * x / y

    @defvjp(sp.kl_div, elementwise=True)
    def kl_div(g, ans, x, y):
        return unbroadcast(g * np.log(x / y), x), unbroadcast(g * (1 - x / y), y)

    @defjvp(sp.kl_div)
    def kl_div_jvp(dx, dy, ans, x, y):
        return dx * np.log(x / y), dy * (1 - x / y)

    # ------------------------------------------------------------ Bessel functions (in x)

    @defvjp(sp.i0, elementwise=True)
    def i0(g, ans, x):
        return g * sp.i1(x)

    @defjvp(sp.i0)
    def i0_jvp(dx, ans, x):
        return dx * sp.i1(x)

    @defvjp(sp.j0, elementwise=True)
    def j0(g, ans, x):
        return -g * sp.j1(x)

    @defjvp(sp.j0)
    def j0_jvp(dx, ans, x):
        return -dx * sp.j1(x)

    @defvjp(sp.y0, elementwise=True)
    def y0(g, ans, x):
        return -g * sp.y1(x)

    @defjvp(sp.y0)
    def y0_jvp(dx, ans, x):
        return -dx * sp.y1(x)

    # d/dx C_v(x) = (C_{v-1}(x) - C_{v+1}(x)) / 2 for J and Y; (I_{v-1} + I_{v+1}) / 2 for I
    @defvjp(sp.jv, wrt=("x",))
    def jv(g, ans, v, x):
        return unbroadcast(g * (sp.jv(v - 1, x) - sp.jv(v + 1, x)) / 2, x)

    @defjvp(sp.jv)
    def jv_jvp(dx, ans, v, x):
        return dx * (sp.jv(v - 1, x) - sp.jv(v + 1, x)) / 2

    @defvjp(sp.yv, wrt=("x",))
    def yv(g, ans, v, x):
        return unbroadcast(g * (sp.yv(v - 1, x) - sp.yv(v + 1, x)) / 2, x)

    @defjvp(sp.yv)
    def yv_jvp(dx, ans, v, x):
        return dx * (sp.yv(v - 1, x) - sp.yv(v + 1, x)) / 2

    @defvjp(sp.iv, wrt=("x",))
    def iv(g, ans, v, x):
        return unbroadcast(g * (sp.iv(v - 1, x) + sp.iv(v + 1, x)) / 2, x)

    @defjvp(sp.iv)
    def iv_jvp(dx, ans, v, x):
        return dx * (sp.iv(v - 1, x) + sp.iv(v + 1, x)) / 2

    @defvjp(sp.yn, wrt=("x",))
    def yn(g, ans, n, x):
        return unbroadcast(g * (sp.yn(n - 1, x) - sp.yn(n + 1, x)) / 2, x)

    @defjvp(sp.yn)
    def yn_jvp(dx, ans, n, x):
        return dx * (sp.yn(n - 1, x) - sp.yn(n + 1, x)) / 2

    # ive(v, x) = iv(v, x) exp(-|x|)
    @defvjp(sp.ive, wrt=("x",))
    def ive(g, ans, v, x):
        return unbroadcast(g * ((sp.ive(v - 1, x) + sp.ive(v + 1, x)) / 2 - np.sign(x) * ans), x)

    @defjvp(sp.ive)
    def ive_jvp(dx, ans, v, x):
        return dx * ((sp.ive(v - 1, x) + sp.ive(v + 1, x)) / 2 - np.sign(x) * ans)

    @defvjp(sp.j1, elementwise=True)
    def j1(g, ans, x):
        return g * (sp.j0(x) - sp.jv(2, x)) / 2

    @defjvp(sp.j1)
    def j1_jvp(dx, ans, x):
        return dx * (sp.j0(x) - sp.jv(2, x)) / 2

    @defvjp(sp.y1, elementwise=True)
    def y1(g, ans, x):
        return g * (sp.y0(x) - sp.yv(2, x)) / 2

    @defjvp(sp.y1)
    def y1_jvp(dx, ans, x):
        return dx * (sp.y0(x) - sp.yv(2, x)) / 2

    @defvjp(sp.i1, elementwise=True)
    def i1(g, ans, x):
        return g * (sp.i0(x) + sp.iv(2, x)) / 2

    @defjvp(sp.i1)
    def i1_jvp(dx, ans, x):
        return dx * (sp.i0(x) + sp.iv(2, x)) / 2

    # ------------------------------------------------------------ scipy.stats.norm
    # z = (x - loc) / scale; the derivatives in x, loc and scale of each method.

    @defvjp(st.norm.logpdf, wrt=("x", "loc", "scale"), elementwise=True)
    def norm_logpdf(g, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        return (unbroadcast(-g * z / scale, x), unbroadcast(g * z / scale, loc),
                unbroadcast(g * (z ** 2 - 1) / scale, scale))

    @defjvp(st.norm.logpdf)
    def norm_logpdf_jvp(dx, dloc, dscale, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        return -dx * z / scale, dloc * z / scale, dscale * (z ** 2 - 1) / scale

    @defvjp(st.norm.pdf, wrt=("x", "loc", "scale"), elementwise=True)
    def norm_pdf(g, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        return (unbroadcast(-g * ans * z / scale, x), unbroadcast(g * ans * z / scale, loc),
                unbroadcast(g * ans * (z ** 2 - 1) / scale, scale))

    @defjvp(st.norm.pdf)
    def norm_pdf_jvp(dx, dloc, dscale, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        return -dx * ans * z / scale, dloc * ans * z / scale, dscale * ans * (z ** 2 - 1) / scale

    @defvjp(st.norm.cdf, wrt=("x", "loc", "scale"), elementwise=True)
    def norm_cdf(g, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp(-z ** 2 / 2 - _LOG_SQRT_2PI) / scale
        return unbroadcast(g * p, x), unbroadcast(-g * p, loc), unbroadcast(-g * p * z, scale)

    @defjvp(st.norm.cdf)
    def norm_cdf_jvp(dx, dloc, dscale, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp(-z ** 2 / 2 - _LOG_SQRT_2PI) / scale
        return dx * p, -dloc * p, -dscale * p * z

    @defvjp(st.norm.logcdf, wrt=("x", "loc", "scale"), elementwise=True)
    def norm_logcdf(g, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp(-z ** 2 / 2 - _LOG_SQRT_2PI - ans) / scale
        return unbroadcast(g * p, x), unbroadcast(-g * p, loc), unbroadcast(-g * p * z, scale)

    @defjvp(st.norm.logcdf)
    def norm_logcdf_jvp(dx, dloc, dscale, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp(-z ** 2 / 2 - _LOG_SQRT_2PI - ans) / scale
        return dx * p, -dloc * p, -dscale * p * z

    @defvjp(st.norm.sf, wrt=("x", "loc", "scale"), elementwise=True)
    def norm_sf(g, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp(-z ** 2 / 2 - _LOG_SQRT_2PI) / scale
        return unbroadcast(-g * p, x), unbroadcast(g * p, loc), unbroadcast(g * p * z, scale)

    @defjvp(st.norm.sf)
    def norm_sf_jvp(dx, dloc, dscale, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp(-z ** 2 / 2 - _LOG_SQRT_2PI) / scale
        return -dx * p, dloc * p, dscale * p * z

    @defvjp(st.norm.logsf, wrt=("x", "loc", "scale"), elementwise=True)
    def norm_logsf(g, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp(-z ** 2 / 2 - _LOG_SQRT_2PI - ans) / scale
        return unbroadcast(-g * p, x), unbroadcast(g * p, loc), unbroadcast(g * p * z, scale)

    @defjvp(st.norm.logsf)
    def norm_logsf_jvp(dx, dloc, dscale, ans, x, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp(-z ** 2 / 2 - _LOG_SQRT_2PI - ans) / scale
        return -dx * p, dloc * p, dscale * p * z

    # ppf(q) = loc + scale ndtri(q)
    @defvjp(st.norm.ppf, wrt=("q", "loc", "scale"), elementwise=True)
    def norm_ppf(g, ans, q, loc=0, scale=1):
        z = (ans - loc) / scale
        return (unbroadcast(g * scale * np.exp(z ** 2 / 2 + _LOG_SQRT_2PI), q),
                unbroadcast(g, loc), unbroadcast(g * z, scale))

    @defjvp(st.norm.ppf)
    def norm_ppf_jvp(dq, dloc, dscale, ans, q, loc=0, scale=1):
        z = (ans - loc) / scale
        return (dq * scale * np.exp(z ** 2 / 2 + _LOG_SQRT_2PI),
                np.broadcast_to(dloc, np.shape(ans)) * np.ones_like(ans), dscale * z)

    # ------------------------------------------------------------ scipy.linalg.solve_triangular
    # x = op(A)⁻¹ b with op(A) = A or Aᵀ (trans); A's other triangle (and its
    # diagonal with unit_diagonal=True) is never read, so gets no cotangent.

    @defvjp(sl.solve_triangular, wrt=("a", "b"))
    def solve_triangular(g, ans, a, b, trans=0, lower=False, unit_diagonal=False,
                         overwrite_b=False, check_finite=True):
        t = triangular_info_vjp(trans, lower, unit_diagonal, np.ndim(b), np.shape(a)[-1])
        gb = sl.solve_triangular(a, g, t[0], lower, unit_diagonal)
        outer = np.expand_dims(gb, t[2]) @ np.swapaxes(np.expand_dims(ans, t[2]), -1, -2)
        return -np.transpose(outer, t[3]) * t[1], gb

    @defjvp(sl.solve_triangular)
    def solve_triangular_jvp(da, db, ans, a, b, trans=0, lower=False, unit_diagonal=False,
                             overwrite_b=False, check_finite=True):
        t = triangular_info_vjp(trans, lower, unit_diagonal, np.ndim(b), np.shape(a)[-1])
        rhs = np.transpose(da * t[1], t[3]) @ np.expand_dims(ans, t[2])
        return (-sl.solve_triangular(a, np.squeeze(rhs, axis=t[2]), trans, lower, unit_diagonal),
                sl.solve_triangular(a, db, trans, lower, unit_diagonal))

    # ------------------------------------------------------------ names as users write them
    for _key, _rule in list(REGISTRY.items()):
        if getattr(_rule.vjp, "__module__", None) == __name__ or \
                getattr(_rule.jvp, "__module__", None) == __name__:
            if getattr(_key, "__self__", None) is st.norm:
                _rule.name = f"scipy.stats.norm.{_key.__name__}"
            elif _key is sl.solve_triangular:
                _rule.name = "scipy.linalg.solve_triangular"
            else:
                _rule.name = f"scipy.special.{_key.__name__}"

    nondiff(triangular_info_vjp, sp.gammasgn)


# ================================================================ more scipy.stats, scipy.linalg,
# scipy.special.betainc and scipy.signal.convolve
#
# Continuous distributions take ``loc`` and ``scale`` as SciPy does, with
# z = (x - loc) / scale: each log density is ``f(z) - log(scale)`` and each
# CDF ``F(z)``, so ``d/dx = f'(z) / scale``, ``d/dloc = -f'(z) / scale`` and
# ``d/dscale = -(f'(z) z + 1) / scale`` (``-F'(z) z / scale`` for a CDF).
# Shape parameters are differentiated where the derivative has a closed form
# (the densities); the CDFs' derivatives in their shape parameters (t's df,
# gamma's a, beta's a and b, chi2's df) are not, and those parameters are
# not in ``wrt``. Poisson's functions are differentiated in the rate ``mu``
# (``k`` is a count). Outside a distribution's support the derivatives are
# those of the constant ``-inf``/``0`` (0 or nan), as in autograd.

try:
    import scipy.signal as ss
except ImportError:  # pragma: no cover - SciPy is optional
    ss = None


def poisson_support_vjp(k, loc):
    """1.0 where ``k - loc`` is a count (an integer >= 0), else 0.0: where
    Poisson's log pmf is finite."""
    kk = np.asarray(k, dtype=float) - loc
    return ((kk >= 0) & (kk % 1 == 0)).astype(float)


def dirichlet_embed_vjp(x_shape, k):
    """For ``scipy.stats.dirichlet(x, alpha)`` with ``k`` components: ``x``
    holds the components along axis 0, all ``k`` of them or the first
    ``k - 1`` (SciPy then appends ``1 - sum``). Returns ``(P, e, alpha_shape,
    batch_axes)`` with the full components ``P @ x + e``, the shape that
    lines ``alpha`` up with axis 0, and the axes of a batch of points."""
    ndim = len(x_shape)
    n = x_shape[0]
    tail = (1,) * (ndim - 1)
    e = np.zeros(k)
    if n == k - 1:
        p = np.concatenate([np.eye(k - 1), -np.ones((1, k - 1))])
        e[-1] = 1.0
    else:
        p = np.eye(k)
    return p, np.reshape(e, (k,) + tail), (k,) + tail, tuple(range(1, ndim))


def mvn_info_vjp(x_shape, mean, cov):
    """For ``scipy.stats.multivariate_normal`` (as SciPy reads its
    arguments): the shape of ``x`` as a stack of points ``(..., d)``, the
    shape to view ``cov`` as and a 0/1 mask making it the ``d x d`` matrix
    (a scalar times the identity, a diagonal, or a full matrix), and ``(-1,
    d)``."""
    c = np.asarray(cov)
    if mean is not None:
        d = int(np.size(mean))
    else:
        d = 1 if c.ndim < 2 else c.shape[0]
    if len(x_shape) == 0:
        pts = (1, d)
    elif len(x_shape) == 1:
        pts = (x_shape[0], 1) if d == 1 else (1, d)
    else:
        pts = tuple(x_shape)
    if c.ndim == 0:
        return pts, (1, 1), np.eye(d), (-1, d)
    if c.ndim == 1:
        return pts, (1, d), np.eye(d), (-1, d)
    return pts, (d, d), np.ones((d, d)), (-1, d)


def banded_info_vjp(l_and_u, m):
    """Index arrays for ``scipy.linalg.solve_banded((l, u), ab, b)`` with
    ``A[i, j] = ab[u + i - j, j]`` (``M = m``): ``(rows_t, cols_t, mask_t)``
    gather the band storage of ``Aᵀ`` (``(u, l)``) from ``ab``;
    ``(rows_a, mask_a)`` give, for each ``ab[r, j]``, its row ``i`` in ``A``
    and whether it is inside the matrix; ``(cols_v, mask_v)`` give, for band
    row ``r`` and matrix row ``i``, the column ``j`` it multiplies in ``A v``."""
    lo, up = int(l_and_u[0]), int(l_and_u[1])
    r = np.arange(lo + up + 1)[:, None]
    j = np.arange(m)[None, :]
    ct = r + j - lo
    mask_t = ((ct >= 0) & (ct < m)).astype(float)
    ia = r - up + j
    mask_a = ((ia >= 0) & (ia < m)).astype(float)
    cv = j + up - r
    mask_v = ((cv >= 0) & (cv < m)).astype(float)
    rows_t = np.broadcast_to(up + lo - r, ct.shape)
    return ((rows_t, np.clip(ct, 0, m - 1)), mask_t, np.clip(ia, 0, m - 1), mask_a,
            (np.broadcast_to(r, cv.shape), np.clip(cv, 0, m - 1)), mask_v, (lo, up), (up, lo))


def convolve_pad_vjp(s1, s2, mode):
    """``np.pad`` widths that put the cotangent of ``scipy.signal.convolve(in1,
    in2, mode)`` back into the full convolution (``'same'`` and ``'valid'``
    are its centred slices)."""
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"scipy.signal.convolve: unknown mode {mode!r}")
    widths = []
    for n1, n2 in zip(s1, s2, strict=True):
        full = n1 + n2 - 1
        out = {"full": full, "same": n1, "valid": abs(n1 - n2) + 1}[mode]
        start = (full - out) // 2
        widths.append((start, full - out - start))
    return tuple(widths)


if sp is not None:

    # ------------------------------------------------------------ scipy.special.betainc (in x)
    # d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b); the derivatives in a and b
    # are not closed-form (hypergeometric series) and are not implemented.
    @defvjp(sp.betainc, wrt=("x",))
    def betainc(g, ans, a, b, x):
        return unbroadcast(g * np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x)
                                      - sp.betaln(a, b)), x)

    @defjvp(sp.betainc)
    def betainc_jvp(dx, ans, a, b, x):
        return dx * np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - sp.betaln(a, b))

    # ------------------------------------------------------------ scipy.stats.t
    # log f(z) = const(df) - (df + 1)/2 log(1 + z²/df); f'/f = -(df + 1) z / (df + z²)

    @defvjp(st.t.logpdf, wrt=("x", "df", "loc", "scale"), elementwise=True)
    def t_logpdf(g, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        dz = -(df + 1) * z / (df + z ** 2)
        ddf = 0.5 * (sp.digamma((df + 1) / 2) - sp.digamma(df / 2) - 1 / df
                     - np.log1p(z ** 2 / df) + (df + 1) * z ** 2 / (df * (df + z ** 2)))
        return (unbroadcast(g * dz / scale, x), unbroadcast(g * ddf, df),
                unbroadcast(-g * dz / scale, loc), unbroadcast(-g * (dz * z + 1) / scale, scale))

    @defjvp(st.t.logpdf)
    def t_logpdf_jvp(dx, ddf, dloc, dscale, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        dz = -(df + 1) * z / (df + z ** 2)
        gdf = 0.5 * (sp.digamma((df + 1) / 2) - sp.digamma(df / 2) - 1 / df
                     - np.log1p(z ** 2 / df) + (df + 1) * z ** 2 / (df * (df + z ** 2)))
        return dx * dz / scale, ddf * gdf, -dloc * dz / scale, -dscale * (dz * z + 1) / scale

    @defvjp(st.t.pdf, wrt=("x", "df", "loc", "scale"), elementwise=True)
    def t_pdf(g, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        dz = -(df + 1) * z / (df + z ** 2)
        ddf = 0.5 * (sp.digamma((df + 1) / 2) - sp.digamma(df / 2) - 1 / df
                     - np.log1p(z ** 2 / df) + (df + 1) * z ** 2 / (df * (df + z ** 2)))
        return (unbroadcast(g * ans * dz / scale, x), unbroadcast(g * ans * ddf, df),
                unbroadcast(-g * ans * dz / scale, loc),
                unbroadcast(-g * ans * (dz * z + 1) / scale, scale))

    @defjvp(st.t.pdf)
    def t_pdf_jvp(dx, ddf, dloc, dscale, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        dz = -(df + 1) * z / (df + z ** 2)
        gdf = 0.5 * (sp.digamma((df + 1) / 2) - sp.digamma(df / 2) - 1 / df
                     - np.log1p(z ** 2 / df) + (df + 1) * z ** 2 / (df * (df + z ** 2)))
        return (dx * ans * dz / scale, ddf * ans * gdf, -dloc * ans * dz / scale,
                -dscale * ans * (dz * z + 1) / scale)

    @defvjp(st.t.cdf, wrt=("x", "loc", "scale"))
    def t_cdf(g, ans, x, df, loc=0, scale=1):
        p = st.t.pdf(x, df, loc, scale)
        z = (x - loc) / scale
        return unbroadcast(g * p, x), unbroadcast(-g * p, loc), unbroadcast(-g * p * z, scale)

    @defjvp(st.t.cdf)
    def t_cdf_jvp(dx, dloc, dscale, ans, x, df, loc=0, scale=1):
        p = st.t.pdf(x, df, loc, scale)
        z = (x - loc) / scale
        return dx * p, -dloc * p, -dscale * p * z

    @defvjp(st.t.logcdf, wrt=("x", "loc", "scale"))
    def t_logcdf(g, ans, x, df, loc=0, scale=1):
        p = np.exp(st.t.logpdf(x, df, loc, scale) - ans)
        z = (x - loc) / scale
        return unbroadcast(g * p, x), unbroadcast(-g * p, loc), unbroadcast(-g * p * z, scale)

    @defjvp(st.t.logcdf)
    def t_logcdf_jvp(dx, dloc, dscale, ans, x, df, loc=0, scale=1):
        p = np.exp(st.t.logpdf(x, df, loc, scale) - ans)
        z = (x - loc) / scale
        return dx * p, -dloc * p, -dscale * p * z

    # ------------------------------------------------------------ scipy.stats.gamma
    # log f(z) = (a - 1) log z - z - gammaln(a)

    @defvjp(st.gamma.logpdf, wrt=("x", "a", "loc", "scale"), elementwise=True)
    def gamma_logpdf(g, ans, x, a, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (a - 1) / z - 1
        return (unbroadcast(g * dz / scale, x), unbroadcast(g * (np.log(z) - sp.digamma(a)), a),
                unbroadcast(-g * dz / scale, loc), unbroadcast(-g * (dz * z + 1) / scale, scale))

    @defjvp(st.gamma.logpdf)
    def gamma_logpdf_jvp(dx, da, dloc, dscale, ans, x, a, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (a - 1) / z - 1
        return (dx * dz / scale, da * (np.log(z) - sp.digamma(a)), -dloc * dz / scale,
                -dscale * (dz * z + 1) / scale)

    @defvjp(st.gamma.pdf, wrt=("x", "a", "loc", "scale"), elementwise=True)
    def gamma_pdf(g, ans, x, a, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (a - 1) / z - 1
        return (unbroadcast(g * ans * dz / scale, x),
                unbroadcast(g * ans * (np.log(z) - sp.digamma(a)), a),
                unbroadcast(-g * ans * dz / scale, loc),
                unbroadcast(-g * ans * (dz * z + 1) / scale, scale))

    @defjvp(st.gamma.pdf)
    def gamma_pdf_jvp(dx, da, dloc, dscale, ans, x, a, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (a - 1) / z - 1
        return (dx * ans * dz / scale, da * ans * (np.log(z) - sp.digamma(a)),
                -dloc * ans * dz / scale, -dscale * ans * (dz * z + 1) / scale)

    @defvjp(st.gamma.cdf, wrt=("x", "loc", "scale"))
    def gamma_cdf(g, ans, x, a, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp((a - 1) * np.log(z) - z - sp.gammaln(a)) / scale
        return unbroadcast(g * p, x), unbroadcast(-g * p, loc), unbroadcast(-g * p * z, scale)

    @defjvp(st.gamma.cdf)
    def gamma_cdf_jvp(dx, dloc, dscale, ans, x, a, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp((a - 1) * np.log(z) - z - sp.gammaln(a)) / scale
        return dx * p, -dloc * p, -dscale * p * z

    # ------------------------------------------------------------ scipy.stats.beta
    # log f(z) = (a - 1) log z + (b - 1) log(1 - z) - betaln(a, b)

    @defvjp(st.beta.logpdf, wrt=("x", "a", "b", "loc", "scale"), elementwise=True)
    def beta_logpdf(g, ans, x, a, b, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (a - 1) / z - (b - 1) / (1 - z)
        return (unbroadcast(g * dz / scale, x),
                unbroadcast(g * (np.log(z) - sp.digamma(a) + sp.digamma(a + b)), a),
                unbroadcast(g * (np.log1p(-z) - sp.digamma(b) + sp.digamma(a + b)), b),
                unbroadcast(-g * dz / scale, loc), unbroadcast(-g * (dz * z + 1) / scale, scale))

    @defjvp(st.beta.logpdf)
    def beta_logpdf_jvp(dx, da, db, dloc, dscale, ans, x, a, b, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (a - 1) / z - (b - 1) / (1 - z)
        return (dx * dz / scale, da * (np.log(z) - sp.digamma(a) + sp.digamma(a + b)),
                db * (np.log1p(-z) - sp.digamma(b) + sp.digamma(a + b)), -dloc * dz / scale,
                -dscale * (dz * z + 1) / scale)

    @defvjp(st.beta.pdf, wrt=("x", "a", "b", "loc", "scale"), elementwise=True)
    def beta_pdf(g, ans, x, a, b, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (a - 1) / z - (b - 1) / (1 - z)
        return (unbroadcast(g * ans * dz / scale, x),
                unbroadcast(g * ans * (np.log(z) - sp.digamma(a) + sp.digamma(a + b)), a),
                unbroadcast(g * ans * (np.log1p(-z) - sp.digamma(b) + sp.digamma(a + b)), b),
                unbroadcast(-g * ans * dz / scale, loc),
                unbroadcast(-g * ans * (dz * z + 1) / scale, scale))

    @defjvp(st.beta.pdf)
    def beta_pdf_jvp(dx, da, db, dloc, dscale, ans, x, a, b, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (a - 1) / z - (b - 1) / (1 - z)
        return (dx * ans * dz / scale, da * ans * (np.log(z) - sp.digamma(a) + sp.digamma(a + b)),
                db * ans * (np.log1p(-z) - sp.digamma(b) + sp.digamma(a + b)),
                -dloc * ans * dz / scale, -dscale * ans * (dz * z + 1) / scale)

    @defvjp(st.beta.cdf, wrt=("x", "loc", "scale"))
    def beta_cdf(g, ans, x, a, b, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp((a - 1) * np.log(z) + (b - 1) * np.log1p(-z) - sp.betaln(a, b)) / scale
        return unbroadcast(g * p, x), unbroadcast(-g * p, loc), unbroadcast(-g * p * z, scale)

    @defjvp(st.beta.cdf)
    def beta_cdf_jvp(dx, dloc, dscale, ans, x, a, b, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp((a - 1) * np.log(z) + (b - 1) * np.log1p(-z) - sp.betaln(a, b)) / scale
        return dx * p, -dloc * p, -dscale * p * z

    # ------------------------------------------------------------ scipy.stats.chi2
    # log f(z) = (df/2 - 1) log z - z/2 - (df/2) log 2 - gammaln(df/2)

    @defvjp(st.chi2.logpdf, wrt=("x", "df", "loc", "scale"), elementwise=True)
    def chi2_logpdf(g, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (df / 2 - 1) / z - 0.5
        return (unbroadcast(g * dz / scale, x),
                unbroadcast(g * 0.5 * (np.log(z / 2) - sp.digamma(df / 2)), df),
                unbroadcast(-g * dz / scale, loc), unbroadcast(-g * (dz * z + 1) / scale, scale))

    @defjvp(st.chi2.logpdf)
    def chi2_logpdf_jvp(dx, ddf, dloc, dscale, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (df / 2 - 1) / z - 0.5
        return (dx * dz / scale, ddf * 0.5 * (np.log(z / 2) - sp.digamma(df / 2)),
                -dloc * dz / scale, -dscale * (dz * z + 1) / scale)

    @defvjp(st.chi2.pdf, wrt=("x", "df", "loc", "scale"), elementwise=True)
    def chi2_pdf(g, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (df / 2 - 1) / z - 0.5
        return (unbroadcast(g * ans * dz / scale, x),
                unbroadcast(g * ans * 0.5 * (np.log(z / 2) - sp.digamma(df / 2)), df),
                unbroadcast(-g * ans * dz / scale, loc),
                unbroadcast(-g * ans * (dz * z + 1) / scale, scale))

    @defjvp(st.chi2.pdf)
    def chi2_pdf_jvp(dx, ddf, dloc, dscale, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        dz = (df / 2 - 1) / z - 0.5
        return (dx * ans * dz / scale, ddf * ans * 0.5 * (np.log(z / 2) - sp.digamma(df / 2)),
                -dloc * ans * dz / scale, -dscale * ans * (dz * z + 1) / scale)

    @defvjp(st.chi2.cdf, wrt=("x", "loc", "scale"))
    def chi2_cdf(g, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp((df / 2 - 1) * np.log(z) - z / 2 - df / 2 * np.log(2)
                   - sp.gammaln(df / 2)) / scale
        return unbroadcast(g * p, x), unbroadcast(-g * p, loc), unbroadcast(-g * p * z, scale)

    @defjvp(st.chi2.cdf)
    def chi2_cdf_jvp(dx, dloc, dscale, ans, x, df, loc=0, scale=1):
        z = (x - loc) / scale
        p = np.exp((df / 2 - 1) * np.log(z) - z / 2 - df / 2 * np.log(2)
                   - sp.gammaln(df / 2)) / scale
        return dx * p, -dloc * p, -dscale * p * z

    # ------------------------------------------------------------ scipy.stats.poisson (in mu)
    # log p(k) = k log mu - mu - gammaln(k + 1);  d cdf(k) / d mu = -pmf(floor(k))

    @defvjp(st.poisson.logpmf, wrt=("mu",))
    def poisson_logpmf(g, ans, k, mu, loc=0):
        return unbroadcast(g * poisson_support_vjp(k, loc) * ((k - loc) / mu - 1), mu)

    @defjvp(st.poisson.logpmf)
    def poisson_logpmf_jvp(dmu, ans, k, mu, loc=0):
        return dmu * poisson_support_vjp(k, loc) * ((k - loc) / mu - 1)

    @defvjp(st.poisson.pmf, wrt=("mu",))
    def poisson_pmf(g, ans, k, mu, loc=0):
        return unbroadcast(g * ans * poisson_support_vjp(k, loc) * ((k - loc) / mu - 1), mu)

    @defjvp(st.poisson.pmf)
    def poisson_pmf_jvp(dmu, ans, k, mu, loc=0):
        return dmu * ans * poisson_support_vjp(k, loc) * ((k - loc) / mu - 1)

    @defvjp(st.poisson.cdf, wrt=("mu",))
    def poisson_cdf(g, ans, k, mu, loc=0):
        return unbroadcast(-g * st.poisson.pmf(np.floor(k - loc), mu), mu)

    @defjvp(st.poisson.cdf)
    def poisson_cdf_jvp(dmu, ans, k, mu, loc=0):
        return -dmu * st.poisson.pmf(np.floor(k - loc), mu)

    # ------------------------------------------------------------ scipy.stats.dirichlet
    # log p = gammaln(sum alpha) - sum gammaln(alpha) + sum (alpha - 1) log x.
    # With all k components in x, x lies on the simplex and only derivatives
    # along it are defined: the rule gives the gradient of the formula above
    # (as autograd); with the first k - 1 (the last is 1 - sum), it is exact.

    @defvjp(st.dirichlet.logpdf)
    def dirichlet_logpdf(g, ans, x, alpha):
        emb = dirichlet_embed_vjp(np.shape(x), np.shape(alpha)[0])
        xf = np.tensordot(emb[0], x, 1) + emb[1]
        al = np.reshape(alpha, emb[2])
        return (np.tensordot(np.transpose(emb[0]), g * (al - 1) / xf, 1),
                np.sum(g * (sp.digamma(np.sum(alpha)) - sp.digamma(al) + np.log(xf)),
                       axis=emb[3]))

    @defjvp(st.dirichlet.logpdf)
    def dirichlet_logpdf_jvp(dx, dalpha, ans, x, alpha):
        emb = dirichlet_embed_vjp(np.shape(x), np.shape(alpha)[0])
        xf = np.tensordot(emb[0], x, 1) + emb[1]
        al = np.reshape(alpha, emb[2])
        return (np.sum((al - 1) / xf * np.tensordot(emb[0], dx, 1), axis=0),
                np.sum(np.reshape(dalpha, emb[2])
                       * (sp.digamma(np.sum(alpha)) - sp.digamma(al) + np.log(xf)), axis=0))

    @defvjp(st.dirichlet.pdf)
    def dirichlet_pdf(g, ans, x, alpha):
        emb = dirichlet_embed_vjp(np.shape(x), np.shape(alpha)[0])
        xf = np.tensordot(emb[0], x, 1) + emb[1]
        al = np.reshape(alpha, emb[2])
        return (np.tensordot(np.transpose(emb[0]), g * ans * (al - 1) / xf, 1),
                np.sum(g * ans * (sp.digamma(np.sum(alpha)) - sp.digamma(al) + np.log(xf)),
                       axis=emb[3]))

    @defjvp(st.dirichlet.pdf)
    def dirichlet_pdf_jvp(dx, dalpha, ans, x, alpha):
        emb = dirichlet_embed_vjp(np.shape(x), np.shape(alpha)[0])
        xf = np.tensordot(emb[0], x, 1) + emb[1]
        al = np.reshape(alpha, emb[2])
        return (ans * np.sum((al - 1) / xf * np.tensordot(emb[0], dx, 1), axis=0),
                ans * np.sum(np.reshape(dalpha, emb[2])
                             * (sp.digamma(np.sum(alpha)) - sp.digamma(al) + np.log(xf)), axis=0))

    # ------------------------------------------------------------ scipy.stats.multivariate_normal
    # log p = -(d log 2π + log det C + rᵀ C⁻¹ r) / 2 with r = x - mean, per point
    # (x is a stack of points, the last axis their components); s = C⁻¹ r.
    # SciPy reads the lower triangle of a matrix cov (scipy.linalg.eigh with
    # lower=True) as a symmetric matrix: as for np.linalg.eigh, the cotangent
    # is that of exactly this function of all d² entries (nonzero on the lower
    # triangle only), S = (Σ g s sᵀ - Σ g C⁻¹) / 2 folded onto it. cov may also
    # be a scalar (times the identity) or a diagonal; allow_singular is ignored
    # (the rules need a nonsingular cov).

    @defvjp(st.multivariate_normal.logpdf, wrt=("x", "mean", "cov"))
    def mvn_logpdf(g, ans, x, mean=None, cov=1, allow_singular=False):
        info = mvn_info_vjp(np.shape(x), mean, cov)
        c = np.reshape(cov, info[1]) * info[2]
        ci = np.linalg.inv(np.tril(c) + np.swapaxes(np.tril(c, -1), -1, -2))
        s = (np.reshape(x, info[0]) - or_zero(mean)) @ ci
        gk = np.reshape(g, info[0][:-1] + (1,))
        sf = np.reshape(s, info[3])
        sm = 0.5 * (np.transpose(np.reshape(g, (-1, 1)) * sf) @ sf - np.sum(g) * ci)
        gc = np.tril(sm) + np.tril(np.swapaxes(sm, -1, -2), -1)
        return (np.reshape(-gk * s, np.shape(x)), unbroadcast(gk * s, mean),
                np.reshape(unbroadcast(gc * info[2], np.reshape(cov, info[1])), np.shape(cov)))

    @defjvp(st.multivariate_normal.logpdf)
    def mvn_logpdf_jvp(dx, dmean, dcov, ans, x, mean=None, cov=1, allow_singular=False):
        info = mvn_info_vjp(np.shape(x), mean, cov)
        c = np.reshape(cov, info[1]) * info[2]
        ci = np.linalg.inv(np.tril(c) + np.swapaxes(np.tril(c, -1), -1, -2))
        s = (np.reshape(x, info[0]) - or_zero(mean)) @ ci
        dc = np.reshape(dcov, info[1]) * info[2]
        dcs = np.tril(dc) + np.swapaxes(np.tril(dc, -1), -1, -2)
        return (np.reshape(-np.sum(s * np.reshape(dx, info[0]), axis=-1), np.shape(ans)),
                np.reshape(np.sum(s * dmean, axis=-1), np.shape(ans)),
                np.reshape(0.5 * np.sum((s @ dcs) * s, axis=-1) - 0.5 * np.sum(ci * dcs),
                           np.shape(ans)))

    @defvjp(st.multivariate_normal.pdf, wrt=("x", "mean", "cov"))
    def mvn_pdf(g, ans, x, mean=None, cov=1, allow_singular=False):
        info = mvn_info_vjp(np.shape(x), mean, cov)
        c = np.reshape(cov, info[1]) * info[2]
        ci = np.linalg.inv(np.tril(c) + np.swapaxes(np.tril(c, -1), -1, -2))
        s = (np.reshape(x, info[0]) - or_zero(mean)) @ ci
        ga = g * ans
        gk = np.reshape(ga, info[0][:-1] + (1,))
        sf = np.reshape(s, info[3])
        sm = 0.5 * (np.transpose(np.reshape(ga, (-1, 1)) * sf) @ sf - np.sum(ga) * ci)
        gc = np.tril(sm) + np.tril(np.swapaxes(sm, -1, -2), -1)
        return (np.reshape(-gk * s, np.shape(x)), unbroadcast(gk * s, mean),
                np.reshape(unbroadcast(gc * info[2], np.reshape(cov, info[1])), np.shape(cov)))

    @defjvp(st.multivariate_normal.pdf)
    def mvn_pdf_jvp(dx, dmean, dcov, ans, x, mean=None, cov=1, allow_singular=False):
        info = mvn_info_vjp(np.shape(x), mean, cov)
        c = np.reshape(cov, info[1]) * info[2]
        ci = np.linalg.inv(np.tril(c) + np.swapaxes(np.tril(c, -1), -1, -2))
        s = (np.reshape(x, info[0]) - or_zero(mean)) @ ci
        dc = np.reshape(dcov, info[1]) * info[2]
        dcs = np.tril(dc) + np.swapaxes(np.tril(dc, -1), -1, -2)
        return (ans * np.reshape(-np.sum(s * np.reshape(dx, info[0]), axis=-1), np.shape(ans)),
                ans * np.reshape(np.sum(s * dmean, axis=-1), np.shape(ans)),
                ans * np.reshape(0.5 * np.sum((s @ dcs) * s, axis=-1) - 0.5 * np.sum(ci * dcs),
                                 np.shape(ans)))

    # entropy = log det(2πe C) / 2: the cotangent C⁻¹ / 2, folded as above
    @defvjp(st.multivariate_normal.entropy, wrt=("cov",))
    def mvn_entropy(g, ans, mean=None, cov=1):
        info = mvn_info_vjp((), mean, cov)
        c = np.reshape(cov, info[1]) * info[2]
        sm = 0.5 * g * np.linalg.inv(np.tril(c) + np.swapaxes(np.tril(c, -1), -1, -2))
        gc = np.tril(sm) + np.tril(np.swapaxes(sm, -1, -2), -1)
        return np.reshape(unbroadcast(gc * info[2], np.reshape(cov, info[1])), np.shape(cov))

    @defjvp(st.multivariate_normal.entropy)
    def mvn_entropy_jvp(dcov, ans, mean=None, cov=1):
        info = mvn_info_vjp((), mean, cov)
        c = np.reshape(cov, info[1]) * info[2]
        ci = np.linalg.inv(np.tril(c) + np.swapaxes(np.tril(c, -1), -1, -2))
        dc = np.reshape(dcov, info[1]) * info[2]
        return 0.5 * np.sum(ci * (np.tril(dc) + np.swapaxes(np.tril(dc, -1), -1, -2)))

    # ------------------------------------------------------------ scipy.linalg
    # sqrtm: X X = A, so X dX + dX X = dA (a Sylvester equation); its adjoint
    # is the one with Xᵀ. Real matrices with a real square root (no eigenvalue
    # on the closed negative real axis); disp=/blocksize= are not accepted.

    @defvjp(sl.sqrtm)
    def sqrtm(g, ans, A):
        return sl.solve_sylvester(np.transpose(ans), np.transpose(ans), g)

    @defjvp(sl.sqrtm)
    def sqrtm_jvp(dA, ans, A):
        return sl.solve_sylvester(ans, ans, dA)

    # A X + X B = Q:  A dX + dX B = dQ - dA X - X dB;  Q̄ = sylvester(Aᵀ, Bᵀ, G),
    # Ā = -Q̄ Xᵀ, B̄ = -Xᵀ Q̄
    @defvjp(sl.solve_sylvester)
    def solve_sylvester(g, ans, a, b, q):
        gq = sl.solve_sylvester(np.transpose(a), np.transpose(b), g)
        return -gq @ np.transpose(ans), -np.transpose(ans) @ gq, gq

    @defjvp(sl.solve_sylvester)
    def solve_sylvester_jvp(da, db, dq, ans, a, b, q):
        return (sl.solve_sylvester(a, b, -da @ ans), sl.solve_sylvester(a, b, -ans @ db),
                sl.solve_sylvester(a, b, dq))

    # x = A⁻¹ b with A in band storage ab (A[i, j] = ab[u + i - j, j]):
    # b̄ = A⁻ᵀ G (a banded solve with Aᵀ's band, gathered from ab), and
    # ab̄[r, j] = -Σ_k b̄[i, k] x[j, k] for i = r - u + j inside the matrix (the
    # entries of ab outside it are never read). dA x is gathered the same way.
    @defvjp(sl.solve_banded, wrt=("ab", "b"))
    def solve_banded(g, ans, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False,
                     check_finite=True):
        bi = banded_info_vjp(l_and_u, np.shape(ab)[1])
        gb = sl.solve_banded(bi[7], ab[bi[0]] * bi[1], g)
        m = np.shape(ab)[1]
        gab = -np.sum(np.reshape(gb, (m, -1))[bi[2]] * np.reshape(ans, (m, -1)), axis=-1)
        return gab * bi[3], gb

    @defjvp(sl.solve_banded)
    def solve_banded_jvp(dab, db, ans, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False,
                         check_finite=True):
        bi = banded_info_vjp(l_and_u, np.shape(ab)[1])
        m = np.shape(ab)[1]
        xs = np.reshape(ans, (1, m, -1))
        dax = np.sum((np.expand_dims(dab, -1) * xs)[bi[4]] * np.expand_dims(bi[5], -1), axis=0)
        return (-sl.solve_banded(bi[6], ab, np.reshape(dax, np.shape(ans))),
                sl.solve_banded(bi[6], ab, db))

    # ------------------------------------------------------------ scipy.signal.convolve
    # Every mode is a centred slice of the full convolution: the cotangent,
    # padded back to it, correlates with the other operand ('valid'
    # convolution with it flipped). Real inputs, N-d, any method.
    @defvjp(ss.convolve, wrt=("in1", "in2"))
    def convolve(g, ans, in1, in2, mode="full", method="auto"):
        gf = np.pad(g, convolve_pad_vjp(np.shape(in1), np.shape(in2), mode))
        return (ss.convolve(gf, np.flip(in2), "valid", method),
                ss.convolve(gf, np.flip(in1), "valid", method))

    @defjvp(ss.convolve)
    def convolve_jvp(din1, din2, ans, in1, in2, mode="full", method="auto"):
        return ss.convolve(din1, in2, mode, method), ss.convolve(in1, din2, mode, method)

    # ------------------------------------------------------------ names as users write them
    for _key, _dist in [(st.t.logpdf, "t"), (st.t.pdf, "t"), (st.t.cdf, "t"), (st.t.logcdf, "t"),
                        (st.gamma.logpdf, "gamma"), (st.gamma.pdf, "gamma"),
                        (st.gamma.cdf, "gamma"), (st.beta.logpdf, "beta"),
                        (st.beta.pdf, "beta"), (st.beta.cdf, "beta"),
                        (st.chi2.logpdf, "chi2"), (st.chi2.pdf, "chi2"), (st.chi2.cdf, "chi2"),
                        (st.poisson.logpmf, "poisson"), (st.poisson.pmf, "poisson"),
                        (st.poisson.cdf, "poisson"), (st.dirichlet.logpdf, "dirichlet"),
                        (st.dirichlet.pdf, "dirichlet"),
                        (st.multivariate_normal.logpdf, "multivariate_normal"),
                        (st.multivariate_normal.pdf, "multivariate_normal"),
                        (st.multivariate_normal.entropy, "multivariate_normal")]:
        REGISTRY[_key].name = f"scipy.stats.{_dist}.{_key.__name__}"
    REGISTRY[sp.betainc].name = "scipy.special.betainc"
    for _key in (sl.sqrtm, sl.solve_sylvester, sl.solve_banded):
        REGISTRY[_key].name = f"scipy.linalg.{_key.__name__}"
    REGISTRY[ss.convolve].name = "scipy.signal.convolve"

    nondiff(poisson_support_vjp, dirichlet_embed_vjp, mvn_info_vjp, banded_info_vjp,
            convolve_pad_vjp)
