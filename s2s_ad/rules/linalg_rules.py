"""Rules for ``numpy.linalg`` (``np.linalg.norm`` is in ``numpy_rules``).

Every rule works on stacks of matrices (leading batch axes), as NumPy does;
``mT`` below is ``np.swapaxes(x, -1, -2)``. The formulas are the standard
matrix-calculus ones (Giles, "An extended collection of matrix derivative
results", 2008; Murray, "Differentiation of the Cholesky decomposition",
2016; Townsend, "Differentiating the singular value decomposition", 2016;
Walter & Lehmann, "Algorithmic differentiation of linear algebra functions
with application in optimum experimental design", 2018 for QR):

==================  =============================================================
``inv``             ``dX = -X dA X``;  ``Ā = -Xᵀ G Xᵀ``
``solve(A, b)``     ``b̄ = solve(Aᵀ, G)``, ``Ā = -b̄ xᵀ``
``det``             ``d det = det tr(A⁻¹ dA)``;  ``Ā = G det A⁻ᵀ``
``slogdet``         ``(sign, logdet)``: the sign is piecewise constant, ``Ā = Ḡ₁ A⁻ᵀ``
``cholesky``        ``dL = L Φ(L⁻¹ dA L⁻ᵀ)``, Φ = lower triangle with half diagonal
``eigh``            ``dw = diag(Vᵀ dA V)``, ``dV = V (F ∘ Vᵀ dA V)``, ``F_ij = 1/(w_j - w_i)``
``svd``, ``qr``     see the templates
``matrix_power``    the Fréchet derivative as the corner of a block matrix power
==================  =============================================================

Which entries a function reads. ``cholesky`` and ``eigh``/``eigvalsh`` read
one triangle of ``a`` only (the lower one; ``UPLO='U'``: the upper one) and
treat it as a symmetric matrix. Their derivatives are those of exactly that
function of all ``n²`` entries: the cotangent is nonzero on the triangle
read only, and a tangent's other triangle is ignored. For a symmetric input
built symmetrically (``a = b + b.T``) this gives the same gradients as the
symmetrised convention of other tools.

Where the derivative does not exist the rules say so only through
``inf``/``nan``: singular matrices (``inv``, ``solve``, ``det``), repeated
eigenvalues (``eigh``'s eigenvectors) or singular values (``svd``'s vectors).
``svd`` with ``full_matrices=True`` of a non-square matrix (its extra
columns are not unique), ``qr`` of a wide matrix with ``mode='reduced'``/
``'complete'`` of a tall one, and ``hermitian=True`` raise
``NotImplementedError`` when the derivative runs.

Tuple-valued functions (``slogdet``, ``eigh``, ``svd``, ``qr``) take their
cotangent as a tuple (zeros for unused outputs) and give their tangent as a
tuple; they are ``structural`` so the transforms add such values with
``add_grads``.
"""

from __future__ import annotations

import numpy as np

from ..runtime import unbroadcast
from .numpy_rules import _np2
from .registry import REGISTRY, defjvp, defvjp, nondiff

# ---------------------------------------------------------------- inverse, solve, determinants


@defvjp(np.linalg.inv)
def inv(g, ans, a):
    return -np.swapaxes(ans, -1, -2) @ g @ np.swapaxes(ans, -1, -2)


@defjvp(np.linalg.inv)
def inv_jvp(da, ans, a):
    return -(ans @ da @ ans)


# b is a vector (..., M) only when it is 1-D (NumPy 2); solve_vector_axes_vjp
# gives the axis that makes it a one-column matrix, or () for a matrix b.
@defvjp(np.linalg.solve)
def solve(g, ans, a, b):
    ax = solve_vector_axes_vjp(np.ndim(b))
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), np.expand_dims(g, ax))
    return (unbroadcast(-gb @ np.swapaxes(np.expand_dims(ans, ax), -1, -2), a),
            unbroadcast(np.squeeze(gb, axis=ax), b))


@defjvp(np.linalg.solve)
def solve_jvp(da, db, ans, a, b):
    ax = solve_vector_axes_vjp(np.ndim(b))
    return (-np.squeeze(np.linalg.solve(a, da @ np.expand_dims(ans, ax)), axis=ax),
            np.broadcast_to(np.linalg.solve(a, db), np.shape(ans)))


@defvjp(np.linalg.det)
def det(g, ans, a):
    return np.expand_dims(g * ans, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


@defjvp(np.linalg.det)
def det_jvp(da, ans, a):
    return ans * np.trace(np.linalg.solve(a, da), 0, -2, -1)


@defvjp(np.linalg.slogdet, structural=True)
def slogdet(g, ans, a):
    return np.expand_dims(g[1], (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


@defjvp(np.linalg.slogdet)
def slogdet_jvp(da, ans, a):
    return np.zeros_like(ans[0]), np.trace(np.linalg.solve(a, da), 0, -2, -1)


# The Moore-Penrose inverse of a matrix of constant rank (Golub & Pereyra 1973):
# dX = -X dA X + X Xᵀ dAᵀ (I - A X) + (I - X A) dAᵀ Xᵀ X. hermitian=True and
# rtol= are not accepted.
@defvjp(np.linalg.pinv, wrt=("a",))
def pinv(g, ans, a, rcond=None):
    xt = np.swapaxes(ans, -1, -2)
    gt = np.swapaxes(g, -1, -2)
    left = np.eye(np.shape(a)[-2]) - a @ ans
    right = np.eye(np.shape(a)[-1]) - ans @ a
    return -xt @ g @ xt + left @ gt @ ans @ xt + xt @ ans @ gt @ right


@defjvp(np.linalg.pinv)
def pinv_jvp(da, ans, a, rcond=None):
    dat = np.swapaxes(da, -1, -2)
    xt = np.swapaxes(ans, -1, -2)
    left = np.eye(np.shape(a)[-2]) - a @ ans
    right = np.eye(np.shape(a)[-1]) - ans @ a
    return -ans @ da @ ans + ans @ xt @ dat @ left + right @ dat @ xt @ ans


# A^n's Fréchet derivative along E is the top-right block of [[A, E], [0, A]]^n
# (also for negative n); its adjoint is the same with Aᵀ and G.
@defvjp(np.linalg.matrix_power, wrt=("a",))
def matrix_power(g, ans, a, n):
    m = np.shape(a)[-1]
    at = np.swapaxes(a, -1, -2)
    big = np.concatenate([np.concatenate([at, g], axis=-1),
                          np.concatenate([np.zeros_like(at), at], axis=-1)], axis=-2)
    return np.linalg.matrix_power(big, n)[..., :m, m:]


@defjvp(np.linalg.matrix_power)
def matrix_power_jvp(da, ans, a, n):
    m = np.shape(a)[-1]
    big = np.concatenate([np.concatenate([a, da], axis=-1),
                          np.concatenate([np.zeros_like(a), a], axis=-1)], axis=-2)
    return np.linalg.matrix_power(big, n)[..., :m, m:]


# ---------------------------------------------------------------- factorizations


# Murray (2016): Ā = Φ-adjoint through L⁻ᵀ Φ(Lᵀ G) L⁻¹, then onto the lower
# triangle cholesky reads. upper=True is not accepted.
@defvjp(np.linalg.cholesky)
def cholesky(g, ans, a):
    eye = np.eye(np.shape(a)[-1])
    li = np.linalg.inv(ans)
    s = np.swapaxes(li, -1, -2) @ (np.tril(np.swapaxes(ans, -1, -2) @ g) * (1 - 0.5 * eye)) @ li
    return np.tril(s + np.swapaxes(s, -1, -2)) - s * eye


@defjvp(np.linalg.cholesky)
def cholesky_jvp(da, ans, a):
    eye = np.eye(np.shape(a)[-1])
    li = np.linalg.inv(ans)
    dsym = np.tril(da) + np.swapaxes(np.tril(da, -1), -1, -2)
    return ans @ (np.tril(li @ dsym @ np.swapaxes(li, -1, -2)) * (1 - 0.5 * eye))


# S = V (diag(w̄) + F ∘ Vᵀ V̄) Vᵀ is the gradient for a symmetric perturbation;
# (S + Sᵀ) on the triangle read (mask), S once on the diagonal, is the
# gradient with respect to the entries eigh reads.
@defvjp(np.linalg.eigh, wrt=("a",), structural=True)
def eigh(g, ans, a, UPLO="L"):
    w = ans[0]
    v = ans[1]
    eye = np.eye(np.shape(a)[-1])
    f = (1 - eye) / (np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye)
    vt = np.swapaxes(v, -1, -2)
    s = v @ (np.expand_dims(g[0], -1) * eye + f * (vt @ g[1])) @ vt
    return (s + np.swapaxes(s, -1, -2)) * triangle_mask_vjp(np.shape(a)[-1], UPLO) - s * eye


@defjvp(np.linalg.eigh)
def eigh_jvp(da, ans, a, UPLO="L"):
    w = ans[0]
    v = ans[1]
    eye = np.eye(np.shape(a)[-1])
    f = (1 - eye) / (np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye)
    m = da * triangle_mask_vjp(np.shape(a)[-1], UPLO)
    vdv = np.swapaxes(v, -1, -2) @ (m + np.swapaxes(m, -1, -2) - da * eye) @ v
    return np.diagonal(vdv, 0, -2, -1), v @ (f * vdv)


@defvjp(np.linalg.eigvalsh, wrt=("a",))
def eigvalsh(g, ans, a, UPLO="L"):
    v = np.linalg.eigh(a, UPLO)[1]
    eye = np.eye(np.shape(a)[-1])
    s = v @ (np.expand_dims(g, -1) * np.swapaxes(v, -1, -2))
    return (s + np.swapaxes(s, -1, -2)) * triangle_mask_vjp(np.shape(a)[-1], UPLO) - s * eye


@defjvp(np.linalg.eigvalsh)
def eigvalsh_jvp(da, ans, a, UPLO="L"):
    v = np.linalg.eigh(a, UPLO)[1]
    eye = np.eye(np.shape(a)[-1])
    m = da * triangle_mask_vjp(np.shape(a)[-1], UPLO)
    return np.diagonal(np.swapaxes(v, -1, -2) @ (m + np.swapaxes(m, -1, -2) - da * eye) @ v,
                       0, -2, -1)


# Townsend (2016), reduced SVD a = U diag(s) Vh with k = min(m, n):
#   Ā = U [(F ∘ (UᵀŪ - ŪᵀU)) S + diag(s̄) + S (F ∘ (VᵀV̄ - V̄ᵀV))] Vᵀ
#       + (I - UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - VVᵀ),   F_ij = 1 / (s_j² - s_i²)
# compute_uv=False: only s (Ū = V̄ = 0; U and V are recomputed).
@defvjp(np.linalg.svd, wrt=("a",), structural=True)
def svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    usv = svd_factors_vjp(ans, a, full_matrices, compute_uv, hermitian)
    gs = svd_cotangents_vjp(g, usv, compute_uv)
    u = usv[0]
    s = usv[1]
    vt = usv[2]
    v = np.swapaxes(vt, -1, -2)
    ut = np.swapaxes(u, -1, -2)
    gu = gs[0]
    gv = np.swapaxes(gs[2], -1, -2)
    eye = np.eye(np.shape(s)[-1])
    s2 = s ** 2
    f = (1 - eye) / (np.expand_dims(s2, -2) - np.expand_dims(s2, -1) + eye)
    smat = np.expand_dims(s, -1) * eye
    uu = ut @ gu
    vv = vt @ gv
    inner = (f * (uu - np.swapaxes(uu, -1, -2))) @ smat + np.expand_dims(gs[1], -1) * eye \
        + smat @ (f * (vv - np.swapaxes(vv, -1, -2)))
    sinv = np.expand_dims(1 / s, -2)
    return (u @ inner @ vt
            + (gu - u @ (ut @ gu)) * sinv @ vt
            + u @ (np.expand_dims(1 / s, -1)
                   * (np.swapaxes(gv, -1, -2) - (np.swapaxes(gv, -1, -2) @ v) @ vt)))


@defjvp(np.linalg.svd)
def svd_jvp(da, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    usv = svd_factors_vjp(ans, a, full_matrices, compute_uv, hermitian)
    u = usv[0]
    s = usv[1]
    vt = usv[2]
    v = np.swapaxes(vt, -1, -2)
    ut = np.swapaxes(u, -1, -2)
    eye = np.eye(np.shape(s)[-1])
    s2 = s ** 2
    f = (1 - eye) / (np.expand_dims(s2, -2) - np.expand_dims(s2, -1) + eye)
    smat = np.expand_dims(s, -1) * eye
    dp = ut @ da @ v
    dpt = np.swapaxes(dp, -1, -2)
    ds = np.diagonal(dp, 0, -2, -1)
    du = u @ (f * (dp @ smat + smat @ dpt)) + (da @ v - u @ (ut @ da @ v)) * np.expand_dims(1 / s, -2)
    dat = np.swapaxes(da, -1, -2)
    dv = v @ (f * (smat @ dp + dpt @ smat)) + (dat @ u - v @ (vt @ dat @ u)) * np.expand_dims(1 / s, -2)
    return svd_tangents_vjp(du, ds, np.swapaxes(dv, -1, -2), compute_uv)


@defvjp(*_np2("linalg.svdvals"))
def svdvals(g, ans, x, /):
    usv = np.linalg.svd(x, full_matrices=False)
    return usv[0] @ (np.expand_dims(g, -1) * usv[2])


@defjvp(*_np2("linalg.svdvals"))
def svdvals_jvp(dx, ans, x, /):
    usv = np.linalg.svd(x, full_matrices=False)
    return np.diagonal(np.swapaxes(usv[0], -1, -2) @ dx @ np.swapaxes(usv[2], -1, -2), 0, -2, -1)


# QR of a tall (m >= n) matrix, reduced (Walter & Lehmann 2018; as TensorFlow):
#   M = RR̄ᵀ - Q̄ᵀQ,  Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ,  copyltu(M) = tril(M) + tril(M, -1)ᵀ
# mode='r' (R only): Q is recomputed and Q̄ = 0; mode='complete' for square only.
@defvjp(np.linalg.qr, wrt=("a",), structural=True)
def qr(g, ans, a, mode="reduced"):
    qrf = qr_factors_vjp(ans, a, mode)
    gqr = qr_cotangents_vjp(g, qrf, mode)
    q = qrf[0]
    r = qrf[1]
    m = r @ np.swapaxes(gqr[1], -1, -2) - np.swapaxes(gqr[0], -1, -2) @ q
    c = np.tril(m) + np.swapaxes(np.tril(m, -1), -1, -2)
    return np.swapaxes(np.linalg.solve(r, np.swapaxes(gqr[0] + q @ c, -1, -2)), -1, -2)


# dA = dQ R + Q dR: C = Qᵀ dA R⁻¹, Ω = tril(C, -1) - tril(C, -1)ᵀ (skew),
# dR = (C - Ω) R, dQ = Q Ω + (I - QQᵀ) dA R⁻¹.
@defjvp(np.linalg.qr)
def qr_jvp(da, ans, a, mode="reduced"):
    qrf = qr_factors_vjp(ans, a, mode)
    q = qrf[0]
    r = qrf[1]
    dar = np.swapaxes(np.linalg.solve(np.swapaxes(r, -1, -2), np.swapaxes(da, -1, -2)), -1, -2)
    c = np.swapaxes(q, -1, -2) @ dar
    omega = np.tril(c, -1) - np.swapaxes(np.tril(c, -1), -1, -2)
    dq = q @ omega + dar - q @ c
    return qr_tangents_vjp(dq, (c - omega) @ r, mode)


# ---------------------------------------------------------------- helpers


def solve_vector_axes_vjp(b_ndim):
    """``(-1,)`` if ``np.linalg.solve``'s ``b`` is a vector (1-D), else ``()``."""
    return (-1,) if b_ndim == 1 else ()


def triangle_mask_vjp(n, uplo):
    """1 on the triangle (with the diagonal) that ``eigh(a, UPLO)`` reads."""
    if str(uplo).upper() not in ("L", "U"):
        raise ValueError(f"UPLO must be 'L' or 'U', got {uplo!r}")
    ones = np.ones((n, n))
    return np.tril(ones) if str(uplo).upper() == "L" else np.triu(ones)


def svd_factors_vjp(res, a, full_matrices, compute_uv, hermitian):
    """``(U, s, Vh)`` of the reduced SVD of ``a``: from svd's result ``res``
    (a full SVD of a square matrix is a reduced one), or recomputed when
    ``compute_uv=False``."""
    if hermitian:
        raise NotImplementedError("the derivative of np.linalg.svd with hermitian=True")
    m, n = np.shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            "the derivative of np.linalg.svd with full_matrices=True of a non-square matrix "
            "(the extra singular vectors are not unique): use full_matrices=False")
    if not compute_uv:
        return tuple(np.linalg.svd(a, full_matrices=False))
    return res[0], res[1], res[2]


def svd_cotangents_vjp(g, usv, compute_uv):
    """``(Ū, s̄, V̄h)`` from svd's cotangent (zeros shaped as ``usv``'s U
    and Vh if only s was computed)."""
    if not compute_uv:
        return np.zeros_like(usv[0]), g, np.zeros_like(usv[2])
    return g[0], g[1], g[2]


def svd_tangents_vjp(tu, ts, tvh, compute_uv):
    """svd's tangent in the structure of its result."""
    return (tu, ts, tvh) if compute_uv else ts


def qr_factors_vjp(res, a, mode):
    """``(Q, R)`` of the reduced QR of a tall or square ``a``."""
    m, n = np.shape(a)[-2:]
    if mode not in ("reduced", "complete", "r"):
        raise NotImplementedError(f"the derivative of np.linalg.qr with mode={mode!r}")
    if m < n:
        raise NotImplementedError("the derivative of np.linalg.qr of a wide matrix (m < n)")
    if mode == "complete" and m != n:
        raise NotImplementedError("the derivative of np.linalg.qr with mode='complete' of a "
                                  "non-square matrix (the extra columns of Q are not unique)")
    if mode == "r":
        return tuple(np.linalg.qr(a))
    return res[0], res[1]


def qr_cotangents_vjp(g, qrf, mode):
    """``(Q̄, R̄)`` from qr's cotangent (Q̄ = 0, shaped as ``qrf``'s Q, for
    mode='r')."""
    if mode == "r":
        return np.zeros_like(qrf[0]), g
    return g[0], g[1]


def qr_tangents_vjp(tq, tr, mode):
    """qr's tangent in the structure of its result."""
    return tr if mode == "r" else (tq, tr)


def factors_tangent_vjp(dres, recomputed):
    """The tangent of ``svd_factors_vjp``/``qr_factors_vjp`` from that of
    the result they read; second derivatives through a recomputed
    factorisation (svd with compute_uv=False, qr with mode='r') are not
    implemented."""
    if recomputed:
        raise NotImplementedError("second derivatives of np.linalg.svd(compute_uv=False) or "
                                  "np.linalg.qr(mode='r'): use the full factorisation")
    return tuple(dres)


@defjvp(svd_factors_vjp)
def svd_factors_jvp(dres, ans, res, a, full_matrices, compute_uv, hermitian):
    return factors_tangent_vjp(dres, not compute_uv)


@defjvp(qr_factors_vjp)
def qr_factors_jvp(dres, ans, res, a, mode):
    return factors_tangent_vjp(dres, mode == "r")


# The structure helpers are linear in the tangents/cotangents they pass
# through: their JVPs let generated derivatives be differentiated again.
@defjvp(svd_cotangents_vjp)
def svd_cotangents_jvp(dg, ans, g, usv, compute_uv):
    return svd_cotangents_vjp(dg, usv, compute_uv)


@defjvp(svd_tangents_vjp)
def svd_tangents_jvp(dtu, dts, dtvh, ans, tu, ts, tvh, compute_uv):
    return (svd_tangents_vjp(dtu, ts * 0.0, tvh * 0.0, compute_uv),
            svd_tangents_vjp(tu * 0.0, dts, tvh * 0.0, compute_uv),
            svd_tangents_vjp(tu * 0.0, ts * 0.0, dtvh, compute_uv))


@defjvp(qr_cotangents_vjp)
def qr_cotangents_jvp(dg, ans, g, qrf, mode):
    return qr_cotangents_vjp(dg, qrf, mode)


@defjvp(qr_tangents_vjp)
def qr_tangents_jvp(dtq, dtr, ans, tq, tr, mode):
    return qr_tangents_vjp(dtq, tr * 0.0, mode), qr_tangents_vjp(tq * 0.0, dtr, mode)


nondiff(solve_vector_axes_vjp, triangle_mask_vjp)

# rule names as users write them
for _key in _np2("linalg.svdvals", "linalg.matrix_transpose", "linalg.trace",
                 "linalg.diagonal", "linalg.vecdot"):
    if _key in REGISTRY:
        REGISTRY[_key].name = f"numpy.linalg.{_key.__name__}"


# ---------------------------------------------------------------- eig (general, complex)
# A = U diag(w) U⁻¹ with W = U⁻¹ dA U: dw = diag(W), dU = U (F ∘ W) + U diag(c),
# F_ij = 1/(w_j - w_i) (i ≠ j). The eigenvectors are only defined up to a
# complex factor; c fixes it as LAPACK does (numpy's eig): each column keeps
# unit 2-norm (Re(uᴴ du) = 0) and its largest-modulus entry real (Im du_k = 0).
# VJPs follow the bilinear convention of fft_rules (the cotangent of z = u + iv
# is ∂L/∂u - i ∂L/∂v): Ā = U⁻ᵀ (diag(w̄) + F ∘ (Uᵀ Ū')) Uᵀ, Ū' = Ū with the
# normalisation's adjoint, real for a real A. Distinct eigenvalues only.
from .fft_rules import cconj_vjp, cimag_vjp, creal_vjp, match_complex_vjp  # noqa: E402


def eig_gauge_vjp(u):
    """1.0 at each eigenvector's entry of largest modulus (the one LAPACK
    makes real), 0.0 elsewhere."""
    m = np.abs(u)
    return (m == np.max(m, axis=-2, keepdims=True)).astype(float)


@defvjp(np.linalg.eig, structural=True)
def eig(g, ans, a):
    w = ans[0]
    u = ans[1]
    eye = np.eye(np.shape(a)[-1])
    f = (1 - eye) / (np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye)
    mask = eig_gauge_vjp(u)
    s = np.sum(g[1] * u, axis=-2, keepdims=True)
    uk = np.sum(u * mask, axis=-2, keepdims=True)
    gu = g[1] - creal_vjp(s) * cconj_vjp(u) - match_complex_vjp(1j * cimag_vjp(s) / uk * mask, u)
    ut = np.swapaxes(u, -1, -2)
    inner = np.expand_dims(g[0], -1) * eye + f * (ut @ gu)
    return match_complex_vjp(np.linalg.solve(ut, inner @ ut), a)


@defjvp(np.linalg.eig)
def eig_jvp(da, ans, a):
    w = ans[0]
    u = ans[1]
    eye = np.eye(np.shape(a)[-1])
    f = (1 - eye) / (np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye)
    wm = np.linalg.solve(u, da @ u)
    du = u @ (f * wm)
    mask = eig_gauge_vjp(u)
    uk = np.sum(u * mask, axis=-2, keepdims=True)
    c = match_complex_vjp(-creal_vjp(np.sum(cconj_vjp(u) * du, axis=-2, keepdims=True))
                          - 1j * cimag_vjp(np.sum(du * mask, axis=-2, keepdims=True)) / uk, u)
    return np.diagonal(wm, 0, -2, -1), du + u * c


def eig_order_vjp(w, w_eig):
    """For each eigenvalue in ``w`` (eigvals' order), the index of the
    nearest one in ``w_eig`` (eig's), as an index array for the columns of
    eig's eigenvectors."""
    d = np.abs(np.expand_dims(w_eig, -1) - np.expand_dims(w, -2))
    return np.expand_dims(np.argmin(d, axis=-2), -2)


# eigvals: the eigenvalues of eig, eigenvectors recomputed (in eigvals' order)
@defvjp(np.linalg.eigvals)
def eigvals(g, ans, a):
    wu = np.linalg.eig(a)
    u = np.take_along_axis(wu[1], eig_order_vjp(ans, wu[0]), -1)
    ut = np.swapaxes(u, -1, -2)
    return match_complex_vjp(np.linalg.solve(ut, np.expand_dims(g, -1) * ut), a)


@defjvp(np.linalg.eigvals)
def eigvals_jvp(da, ans, a):
    wu = np.linalg.eig(a)
    u = np.take_along_axis(wu[1], eig_order_vjp(ans, wu[0]), -1)
    return np.diagonal(np.linalg.solve(u, da @ u), 0, -2, -1)


nondiff(eig_gauge_vjp, eig_order_vjp)
