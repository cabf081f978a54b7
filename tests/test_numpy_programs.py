"""Whole numeric programs through ``s2s_ad`` (reverse and forward mode),
checked against central finite differences with ``s2s_ad.check_grads``:
the rules of ``rules/numpy_rules.py``, ``linalg_rules.py`` and
``scipy_rules.py`` working together inside generated code (tuple- and
list-valued results unpacked, cotangents of unused outputs, broadcasting,
keyword arguments), and a few second derivatives (forward over reverse)."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad import runtime

try:   # SciPy is optional: its programs are skipped without it
    from scipy import special as sp
    from scipy.stats import norm
except ImportError:  # pragma: no cover
    sp = norm = None

needs_scipy = pytest.mark.skipif(sp is None, reason="SciPy is not installed")
npsort = np.sort   # see test_np_sort_spelled_directly

rng = np.random.default_rng(20240601)


def _namedtuple_cotangents_work() -> bool:
    """NumPy's linalg results are named tuples (SlogdetResult, EighResult,
    SVDResult, QRResult); reverse mode builds their cotangents with
    ``runtime.getitem_vjp``/``add_grads``."""
    try:
        ct = runtime.getitem_vjp(1.0, np.linalg.slogdet(np.eye(2)), 1)
        runtime.add_grads(ct, ct)
    except TypeError:
        return False
    return True


#: reverse mode through a named-tuple result needs runtime support for them
needs_namedtuples = pytest.mark.xfail(
    not _namedtuple_cotangents_work(), strict=True,
    reason="runtime.getitem_vjp/add_grads rebuild a tuple with type(x)(items), which a "
           "NumPy named tuple (SlogdetResult, EighResult, ...) does not accept")


def check(f, *args, order=1, modes=("fwd", "rev"), rtol=1e-5, atol=1e-6):
    ad.check_grads(f, args, order=order, modes=modes, rtol=rtol, atol=atol)


def check_hessian(f, x, rtol=1e-4, atol=1e-5):
    """``s2s_ad.hessian`` (forward over reverse: the JVP rules of everything
    the gradient code calls) against central differences of the gradient."""
    shape = np.shape(x)
    h = np.reshape(ad.hessian(lambda v: f(np.reshape(v, shape)))(np.ravel(x)),
                   (x.size, x.size))
    grad = ad.grad(f)
    eps = 1e-6
    fd = np.empty((x.size, x.size))
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        fd[:, i] = np.ravel(grad(x + np.reshape(e, shape)) - grad(x - np.reshape(e, shape))) \
            / (2 * eps)
    np.testing.assert_allclose(h, fd, rtol=rtol, atol=atol)


def spd(n, k=None):
    a = rng.standard_normal((n, k or n))
    return a @ a.T / n + np.eye(n)


# ---------------------------------------------------------------- statistics


def gaussian_loglik(a, mu, y):
    """log N(y; mu, A Aᵀ + I) with cholesky, solve and slogdet."""
    n = y.shape[0]
    cov = a @ a.T + np.eye(n)
    chol = np.linalg.cholesky(cov)
    r = y - mu
    alpha = np.linalg.solve(cov, r)
    sign, logdet = np.linalg.slogdet(cov)
    half_logdet = np.sum(np.log(np.diagonal(chol)))
    return -0.5 * np.dot(r, alpha) - 0.25 * logdet - 0.5 * half_logdet \
        - 0.5 * n * np.log(2 * np.pi)


@needs_namedtuples
def test_gaussian_loglik_reverse():
    a, mu, y = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal(4)
    check(gaussian_loglik, a, mu, y, modes=("rev",))


def test_gaussian_loglik_forward():
    a, mu, y = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal(4)
    check(gaussian_loglik, a, mu, y, modes=("fwd",))


def mvn_logpdf_cholesky(l_raw, x):
    """A batch of points under N(0, L Lᵀ), L from an unconstrained matrix."""
    lower = np.tril(l_raw, -1) + np.diag(np.exp(np.diagonal(l_raw)))
    cov = lower @ lower.T
    z = np.linalg.solve(np.linalg.cholesky(cov), x.T)
    return -0.5 * np.sum(z ** 2) - x.shape[0] * np.sum(np.diagonal(l_raw))


def test_mvn_logpdf_cholesky_both_modes_and_hessian():
    l_raw, x = 0.3 * rng.standard_normal((3, 3)), rng.standard_normal((5, 3))
    check(mvn_logpdf_cholesky, l_raw, x)
    check_hessian(lambda m: mvn_logpdf_cholesky(m, x), l_raw)


def weighted_stats(x, w):
    m = np.average(x, axis=0, weights=w)
    v = np.var(x, axis=0, ddof=1)
    s = np.std(x - m, axis=1, keepdims=True)
    return np.sum(m * v) + np.mean(s) + np.average(np.cumsum(x, axis=1))


def test_weighted_stats():
    check(weighted_stats, rng.standard_normal((5, 3)), rng.uniform(0.5, 2.0, 5))


# ---------------------------------------------------------------- spectral


def pca_energy(x, z):
    """Top eigenvalues and the projection on the top eigenvector of a
    covariance (invariant to the eigenvector's sign)."""
    xc = x - np.mean(x, axis=0)
    c = xc.T @ xc / x.shape[0]
    w, v = np.linalg.eigh(c)
    top = v[:, -1]
    return np.sum(w[-2:]) + np.dot(top, z) ** 2


@needs_namedtuples
def test_pca_eigh_reverse():
    check(pca_energy, rng.standard_normal((8, 3)), rng.standard_normal(3), modes=("rev",))


def test_pca_eigh_forward():
    check(pca_energy, rng.standard_normal((8, 3)), rng.standard_normal(3), modes=("fwd",))


def low_rank_error(a, b):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    approx = (u[:, :2] * s[:2]) @ vt[:2]
    return np.sum((approx - b) ** 2) + np.sum(np.linalg.svd(a, compute_uv=False))


@needs_namedtuples
def test_svd_low_rank_reverse():
    check(low_rank_error, rng.standard_normal((5, 3)), rng.standard_normal((5, 3)),
          modes=("rev",))


def test_svd_low_rank_forward():
    check(low_rank_error, rng.standard_normal((5, 3)), rng.standard_normal((5, 3)),
          modes=("fwd",))


def qr_logdet(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.log(np.abs(np.diagonal(r)))) + np.sum(q[:, 0] * a[:, 0])


@needs_namedtuples
def test_qr_reverse():
    check(qr_logdet, rng.standard_normal((5, 3)), modes=("rev",))


def test_qr_forward():
    check(qr_logdet, rng.standard_normal((5, 3)), modes=("fwd",))


def matrix_functions(a):
    b = a + 3.0 * np.eye(3)
    return (np.sum(np.linalg.inv(b)) + np.linalg.det(b) + np.sum(np.linalg.matrix_power(a, 3))
            + np.sum(np.linalg.pinv(a[:, :2]) ** 2) + np.linalg.norm(a, "nuc")
            + np.trace(np.linalg.matrix_power(b, -1)))


def test_matrix_functions_and_hessian():
    a = rng.standard_normal((3, 3))
    check(matrix_functions, a)


def test_inverse_and_determinant_hessian():
    def f(a):
        b = a + 3.0 * np.eye(3)
        return np.linalg.det(b) + np.sum(np.linalg.inv(b) @ a) + np.sum(np.linalg.solve(b, a[0]))
    check_hessian(f, rng.standard_normal((3, 3)))


# ---------------------------------------------------------------- networks


def attention(x, wq, wk, wv):
    """One softmax attention head written with einsum (implicit and
    explicit outputs) and scipy.special.softmax."""
    q = np.einsum("td,dk->tk", x, wq)
    k = np.einsum("ad,dk", x, wk)   # implicit output: "ak"
    v = x @ wv
    scores = np.einsum("ik,jk->ij", q, k) / np.sqrt(q.shape[1])
    p = sp.softmax(scores, axis=1)
    out = np.einsum("ij,jk->ik", p, v)
    return np.sum(np.tanh(out)) + np.einsum("ii", p)


@needs_scipy
def test_einsum_attention():
    x = rng.standard_normal((4, 3))
    w = [0.5 * rng.standard_normal((3, 2)) for _ in range(3)]
    check(attention, x, *w)


@needs_scipy
def test_einsum_attention_hessian():
    x = rng.standard_normal((3, 2))
    w = [0.5 * rng.standard_normal((2, 2)) for _ in range(3)]
    check_hessian(lambda wq: attention(x, wq, w[1], w[2]), w[0])


def cross_entropy(w, x, labels):
    logits = x @ w
    lp = sp.log_softmax(logits, axis=1)
    picked = np.take_along_axis(lp, labels[:, None], axis=1)
    return -np.mean(picked) + 0.1 * np.mean(sp.logsumexp(logits, axis=1))


@needs_scipy
def test_softmax_cross_entropy():
    w, x = rng.standard_normal((3, 4)), rng.standard_normal((5, 3))
    labels = np.array([0, 3, 1, 1, 2])

    def loss(w, x):
        return cross_entropy(w, x, labels)

    check(loss, w, x)
    check_hessian(lambda w: cross_entropy(w, x, labels), w)


def conv2d(x, w, b):
    """A 'same' 2-D convolution: zero padding, shifted windows, tensordot."""
    kh, kw = w.shape
    h, wd = x.shape
    xp = np.pad(x, ((1, 1), (1, 1)))
    windows = np.stack([xp[i:i + h, j:j + wd] for i in range(kh) for j in range(kw)])
    out = np.tensordot(np.reshape(w, (kh * kw,)), windows, axes=1) + b
    return np.sum(np.maximum(out, 0.0) ** 2)


def test_conv_via_pad_and_tensordot():
    check(conv2d, rng.standard_normal((5, 4)), rng.standard_normal((3, 3)), 0.1)


def mlp_with_stacking(x, w1, w2):
    h = np.tanh(x @ w1)
    parts = np.split(h, 2, axis=1)
    joined = np.vstack([parts[0], parts[1] * 2.0])
    wide = np.hstack([h, h[:, :1]])
    feats = np.concatenate([np.ravel(joined), np.ravel(wide)])
    return np.sum(np.log1p(np.exp(feats @ w2)))


def test_split_and_stack_family():
    x = rng.standard_normal((3, 2))
    w1 = rng.standard_normal((2, 4))
    w2 = 0.3 * rng.standard_normal(12 + 15)
    check(mlp_with_stacking, x, w1, w2)


# ---------------------------------------------------------------- arrays of values, indexing


def from_scalars(x, y):
    v = np.array([x * y, np.sin(x), y ** 2])
    m = np.array([[x, y], [y, x]])
    return np.sum(v * np.array([1.0, 2.0, 3.0])) + np.linalg.det(m + 2.0 * np.eye(2))


def test_array_of_active_scalars():
    check(from_scalars, 0.7, -0.4)


def shuffles(x):
    s = npsort(x)
    t = np.take(x, [3, 0, 0, 2])
    r = np.roll(np.flip(x), 1)
    d = np.diff(np.cumprod(np.abs(x) + 0.5), n=2)
    m = np.reshape(np.tile(x, 2), (4, 2))
    return (np.sum(s * np.arange(4)) + np.sum(t ** 2) + np.dot(r, x) + np.sum(d)
            + np.sum(np.triu(np.rot90(m[:2] @ m[:2].T))) + np.sum(np.repeat(x, 2) ** 3))


def test_sort_take_roll_diff_tile_repeat():
    check(shuffles, np.array([0.3, -1.2, 0.8, 2.1]))


def products(a, b, c):
    k = np.kron(a, b)
    cr = np.cross(c, c[::-1] + 1.0)
    return (np.sum(k ** 2) + np.vdot(a, a) + np.sum(np.outer(c, c)) + np.sum(cr ** 2)
            + np.inner(c, c) + np.einsum("i,i->", c, c) + np.trace(np.diag(c) @ a[:1].T @ a[:1]))


def test_products():
    check(products, rng.standard_normal((2, 3)), rng.standard_normal((2, 2)),
          rng.standard_normal(3))


# ---------------------------------------------------------------- scipy programs


def probit_loglik(beta, x, y):
    eta = x @ beta
    return np.sum(y * norm.logcdf(eta) + (1 - y) * norm.logsf(eta)) \
        + np.sum(norm.logpdf(beta, loc=0.0, scale=2.0))


@needs_scipy
def test_probit_with_scipy_stats():
    check(probit_loglik, rng.standard_normal(3), rng.standard_normal((6, 3)),
          np.array([1.0, 0, 0, 1, 1, 0]))


def special_functions(x, a):
    p = sp.expit(x)
    return (np.sum(sp.gammaln(a) + sp.digamma(a) + sp.betaln(a, 2.0) + sp.xlogy(a, p))
            + np.sum(sp.erf(x) * sp.erfc(x)) + np.sum(sp.logit(p)) + np.sum(sp.erfinv(0.5 * np.tanh(x))))


@needs_scipy
def test_scipy_special_functions():
    check(special_functions, rng.standard_normal(4), rng.uniform(0.5, 3.0, 4))


def norm_cdf_params(mu, sigma):
    return np.sum(norm.cdf(np.array([0.1, 0.5, 1.2]), mu, sigma))


@needs_scipy
def test_scipy_norm_cdf_in_loc_and_scale():
    check(norm_cdf_params, 0.3, 1.4)


# ---------------------------------------------------------------- second derivatives


_X8 = rng.standard_normal((8, 3))
_HESSIANS = {
    "shuffles": (shuffles, np.array([0.3, -1.2, 0.8, 2.1])),
    "products": (lambda m: products(m, np.eye(2) + 0.5, np.array([0.1, 0.5, -0.3])),
                 rng.standard_normal((2, 3))),
    "weighted_stats": (lambda m: weighted_stats(m, np.array([1.0, 2.0, 0.5, 1.0, 1.5])),
                       rng.standard_normal((5, 3))),
    "conv2d": (lambda m: conv2d(_X8[:5], m, 0.1), rng.standard_normal((3, 3))),
}
_HESSIANS_NAMEDTUPLES = {
    "gaussian_loglik": (lambda m: gaussian_loglik(m, _X8[0, :2], _X8[1, :2]),
                        rng.standard_normal((2, 3))),
    "pca_eigh": (lambda m: pca_energy(m, _X8[0]), _X8[:6]),
    "qr": (qr_logdet, rng.standard_normal((4, 3))),
}


@pytest.mark.parametrize("name", list(_HESSIANS))
def test_hessian(name):
    check_hessian(*_HESSIANS[name])


@needs_namedtuples
@pytest.mark.parametrize("name", list(_HESSIANS_NAMEDTUPLES))
def test_hessian_through_tuple_results(name):
    check_hessian(*_HESSIANS_NAMEDTUPLES[name])


@needs_scipy
def test_hessian_scipy():
    check_hessian(lambda x: special_functions(x, np.array([0.7, 1.5, 2.0, 1.1])),
                  rng.standard_normal(4))
    check_hessian(lambda b: probit_loglik(b, _X8, (_X8[:, 0] > 0).astype(float)),
                  rng.standard_normal(3))


# ---------------------------------------------------------------- forward mode through tuple results


def test_jvp_through_slogdet_eigh_svd_qr_and_split():
    a = spd(3) + 0.1 * rng.standard_normal((3, 3))
    da = rng.standard_normal((3, 3))

    def f(a):
        s, ld = np.linalg.slogdet(a)
        w, v = np.linalg.eigh(a + a.T)
        u, sv, vt = np.linalg.svd(a)
        q, r = np.linalg.qr(a)
        p, rest = np.split(a, [1])
        return ld + np.sum(w) + np.sum(sv ** 2) + np.sum(r ** 2) + np.sum(p * rest[0])

    out, tangent = ad.jvp(f, (a,), (da,))
    eps = 1e-6
    fd = (f(a + eps * da) - f(a - eps * da)) / (2 * eps)
    np.testing.assert_allclose(out, f(a))
    np.testing.assert_allclose(tangent, fd, rtol=1e-6, atol=1e-7)


def test_jvp_of_tuple_valued_result_itself():
    a, da = spd(3), rng.standard_normal((3, 3))

    def f(a):
        w, v = np.linalg.eigh(a)
        return w * 2.0

    _, t = ad.jvp(f, (a,), (da,))
    eps = 1e-6
    fd = (f(a + eps * da) - f(a - eps * da)) / (2 * eps)
    np.testing.assert_allclose(t, fd, rtol=1e-6, atol=1e-7)


def sorted_sum(x):
    return np.sum(np.sort(x) * np.arange(4.0))


def test_np_sort_spelled_directly():
    check(sorted_sum, np.array([0.3, -1.2, 0.8, 2.1]))


# ---------------------------------------------------------------- refusals


def test_unsupported_keyword_is_reported():
    def f(x):
        return np.sum(np.average(x, returned=True)[0])

    with pytest.raises(ad.UnsupportedError, match="average"):
        ad.grad(f)(np.ones(3))


def test_unsupported_pad_mode_raises_clearly():
    def f(x):
        return np.sum(np.pad(x, 1, mode="reflect") ** 2)

    with pytest.raises(NotImplementedError, match="mode='constant'"):
        ad.grad(f)(np.ones(3))


# ---------------------------------------------------------------- more SciPy distributions,
# scipy.linalg, np.gradient, scipy.signal.convolve and numpy.fft

try:
    from scipy import linalg as sla
    from scipy import signal as ssig
    from scipy import stats as sst
except ImportError:  # pragma: no cover
    sla = ssig = sst = None


def student_t_regression(w, log_df, x, y):
    """A robust regression: Student-t residuals with a learnt df and scale."""
    resid = y - x @ w[:2]
    return (np.sum(sst.t.logpdf(resid, np.exp(log_df), loc=w[2], scale=np.exp(w[3])))
            + np.sum(sst.t.logcdf(resid, 3.0, scale=2.0)) + np.sum(sst.t.cdf(w, 4.0))
            + np.sum(sst.t.pdf(resid, 5.0)))


@needs_scipy
def test_student_t_regression():
    x = rng.standard_normal((6, 2))
    y = x @ np.array([0.5, -1.0]) + 0.3 * rng.standard_normal(6)
    w = np.array([0.1, -0.2, 0.05, -0.3])
    check(student_t_regression, w, 0.8, x, y)
    check_hessian(lambda v: student_t_regression(v, 0.8, x, y), w)


def positive_likelihoods(a, b, z):
    """gamma, beta and chi2 densities in their shape parameters and x."""
    u = sp.expit(z)                     # in (0, 1) for beta
    v = np.exp(z)                       # positive for gamma and chi2
    return (np.sum(sst.gamma.logpdf(v, a, scale=b)) + np.sum(sst.gamma.pdf(v, a))
            + np.sum(sst.gamma.cdf(v, 2.0, loc=-0.5, scale=b))
            + np.sum(sst.beta.logpdf(u, a, b)) + np.sum(sst.beta.pdf(u, b, a))
            + np.sum(sst.beta.cdf(u, 2.0, 3.0)) + np.sum(sst.chi2.logpdf(v, a + b))
            + np.sum(sst.chi2.pdf(v, 3.0, scale=b)) + np.sum(sst.chi2.cdf(v, 2.5)))


@needs_scipy
def test_gamma_beta_chi2_shape_parameters():
    check(positive_likelihoods, 1.7, 2.2, rng.standard_normal(5))
    check_hessian(lambda p: positive_likelihoods(p[0], p[1], np.array([0.3, -0.4, 0.9])),
                  np.array([1.7, 2.2]))


def poisson_regression(w, x, counts):
    rate = np.exp(x @ w)
    return (np.sum(sst.poisson.logpmf(counts, rate)) + np.sum(sst.poisson.pmf(counts, rate))
            + np.sum(sst.poisson.cdf(counts + 0.5, rate)))


@needs_scipy
def test_poisson_regression_in_the_rate():
    x = rng.standard_normal((6, 2))
    counts = np.array([0, 1, 3, 2, 0, 5])   # integers: not differentiated
    check(lambda w, x: poisson_regression(w, x, counts), np.array([0.3, -0.2]), x)
    check_hessian(lambda w: poisson_regression(w, x, counts), np.array([0.3, -0.2]))


def dirichlet_fit(z, log_alpha):
    """Points on the simplex by softmax (all components) and by their first
    k - 1 components; the Dirichlet's concentration learnt."""
    alpha = np.exp(log_alpha)
    p = sp.softmax(z, axis=0)
    return (np.sum(sst.dirichlet.logpdf(p, alpha)) + sst.dirichlet.pdf(p[:, 0], alpha)
            + sst.dirichlet.logpdf(0.5 * p[:-1, 1], alpha))


@needs_scipy
def test_dirichlet_on_the_simplex():
    z, log_alpha = rng.standard_normal((3, 4)), rng.standard_normal(3) * 0.3
    check(dirichlet_fit, z, log_alpha)
    check_hessian(lambda la: dirichlet_fit(z, la), log_alpha)


def mvn_fit(mean, l_raw, x):
    """scipy.stats.multivariate_normal in the mean and a Cholesky-style
    factor of the covariance, plus its entropy; a diagonal cov as well."""
    lower = np.tril(l_raw, -1) + np.diag(np.exp(np.diagonal(l_raw)))
    cov = lower @ lower.T + 0.1 * np.eye(3)
    return (np.sum(sst.multivariate_normal.logpdf(x, mean, cov))
            + sst.multivariate_normal.pdf(x[0], mean=mean, cov=cov)
            + sst.multivariate_normal.entropy(cov=cov)
            + np.sum(sst.multivariate_normal.logpdf(x, mean, np.exp(mean))))


@needs_scipy
def test_multivariate_normal_in_mean_and_cov():
    mean, l_raw, x = rng.standard_normal(3), 0.3 * rng.standard_normal((3, 3)), \
        rng.standard_normal((5, 3))
    check(mvn_fit, mean, l_raw, x)
    check_hessian(lambda m: mvn_fit(mean, m, x), l_raw)


def matrix_equations(a, q):
    """sqrtm, a Sylvester equation and a banded (tridiagonal) solve."""
    s = sla.sqrtm(a @ a.T + np.eye(3))
    x = sla.solve_sylvester(s, a + 3.0 * np.eye(3), q)
    rows = np.eye(3)[:, :, None]   # band storage: super-, main and sub-diagonal rows
    band = rows[0] * np.pad(q[0, :2], (1, 0)) + rows[1] * (4.0 + a[0]) \
        + rows[2] * np.pad(q[1, 1:], (0, 1))
    y = sla.solve_banded((1, 1), band, q[:, 2])
    return np.sum(s ** 2) + np.sum(x * q) + np.sum(y ** 3) + np.trace(s @ x)


@needs_scipy
def test_sqrtm_sylvester_banded():
    a, q = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    check(matrix_equations, a, q)
    check_hessian(lambda m: matrix_equations(m, q), a)


def smoothness_and_filters(u, k):
    """np.gradient (uniform, coordinates, second order, several axes) and
    scipy.signal.convolve in every mode."""
    gy, gx = np.gradient(u, 0.5, np.array([0.0, 1.0, 1.5, 3.0, 4.0]))
    g1 = np.gradient(u[0], edge_order=2)
    blurred = ssig.convolve(u, k, mode="same")
    return (np.sum(gy ** 2) + np.sum(gx * u) + np.sum(g1 ** 2) + np.sum(blurred ** 2)
            + np.sum(ssig.convolve(u, k) * 0.5) + np.sum(ssig.convolve(u, k, "valid") ** 2))


@needs_scipy
def test_np_gradient_and_signal_convolve():
    u, k = rng.standard_normal((4, 5)), rng.standard_normal((2, 3))
    check(smoothness_and_filters, u, k)
    check_hessian(lambda m: smoothness_and_filters(m, k), u)


def fft_filtering(x, h):
    """A real signal filtered in the frequency domain (rfft/irfft), a 2-D
    complex round trip (fft2 then ifft2, read back through irfft2 of its
    half spectrum), fftn/ifftn and the shifts: complex intermediates, real
    loss."""
    spec = np.fft.rfft(x, 8) * np.fft.rfft(h, 8)
    y = np.fft.irfft(spec, 8)
    img = np.reshape(x[:6], (2, 3)) * h[0]
    round_trip = np.fft.ifft2(np.fft.fft2(img, (2, 4)) * (1.0 + 0.5j))
    back = np.fft.irfft2(np.fft.fftshift(np.fft.ifftshift(round_trip))[:, :3], (2, 4))
    z = np.fft.irfftn(np.fft.fftn(np.fft.ifftn(img))[:, :2] * 2.0, (2, 2), (0, 1))
    power = np.fft.irfft(np.fft.rfft(x) * np.fft.rfft(x[::-1]), 8)   # cross-correlation
    return np.sum(y ** 2) + np.sum(back ** 2) + np.sum(z) + np.sum(power * x) \
        + np.sum(np.fft.irfft(np.fft.ifft(np.fft.fft(x))[:5], 8) ** 3)


def test_fft_filtering():
    x, h = rng.standard_normal(8), rng.standard_normal(3)
    check(fft_filtering, x, h)
    check_hessian(lambda v: fft_filtering(v, h), x)


# ---------------------------------------------------------------- np.linalg.eig (complex)


def eig_real_spectrum(a, c):
    """A non-symmetric matrix with a real spectrum: eig's values and vectors
    are real arrays, so both modes run on real values."""
    w, u = np.linalg.eig(a)
    return np.sum(w ** 3) + np.sum(u[:, 0] * c) + np.sum(np.linalg.eigvals(a) * c)


def test_eig_real_spectrum():
    b = rng.standard_normal((3, 3))
    a = b + b.T + np.diag([0.0, 3.0, 6.0]) + 0.2 * rng.standard_normal((3, 3))
    c = rng.standard_normal(3)
    check(eig_real_spectrum, a, c)
    check_hessian(lambda m: eig_real_spectrum(m, c), a)


def eig_complex_spectrum(a, c):
    """Complex eigenpairs of a real matrix, reduced to a real loss by np.real
    (whose VJP is right for complex inputs; its JVP assumes real ones, so
    reverse mode only)."""
    w, u = np.linalg.eig(a)
    return np.real(np.sum(w ** 2 * c) + np.sum(u ** 2 * c) + np.sum(np.linalg.eigvals(a) ** 3))


def test_eig_complex_spectrum_reverse():
    a = np.array([[1.0, -2.0, 0.3], [1.5, 0.5, 0.2], [0.1, 0.4, 2.0]])   # a complex pair
    assert np.iscomplexobj(np.linalg.eigvals(a))
    c = rng.standard_normal(3)   # a constant: the cotangent of a real factor of a complex
    #                              product would be complex (operators' rules are real-only)
    check(lambda m: eig_complex_spectrum(m, c), a, modes=("rev",))
    check_hessian(lambda m: eig_complex_spectrum(m, c), a)
