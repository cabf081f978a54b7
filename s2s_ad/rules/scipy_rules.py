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
from .numpy_rules import keepdims_shape_vjp, or_one
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
