"""Rules for ``numpy.fft``: the complex transforms (``fft``, ``ifft`` and
their 2-D and N-D forms), the real ones (``rfft``/``irfft`` and forms) and
the shifts.

Complex values. Every transform is linear over the reals, so its JVP is
the same transform of the tangent (with the same ``n``/``s``, axes and
``norm``). For VJPs s2s_ad follows autograd's convention: the cotangent of a
complex value ``z = u + iv`` under a real loss ``L`` is ``∂L/∂u - i ∂L/∂v``,
so that ``dL = Re(sum(ḡ * dz))`` — the pairing is bilinear (no complex
conjugate) and the VJP of a linear map is its plain *transpose*, not its
conjugate transpose. (The conjugate-linear convention ``∂L/∂u + i ∂L/∂v``
of PyTorch/JAX-style ``grad`` is the complex conjugate of this one.) A real
input gets the real part of that cotangent. Hence:

================  ==========================================================
``fft``, ``fftn`` ``ā = fftn(ḡ)`` (the DFT matrix is symmetric), cut or
                  zero-padded back to ``a``'s shape when ``n``/``s`` changed it
``ifft``...       ``ā = ifftn(ḡ)``, likewise
``rfft``...       ``ā = Re(fftn(ḡ, s))``: the half spectrum zero-padded to
                  the full length ``s`` (no restriction on odd lengths)
``irfft``...      ``ā = c · ifftn(ḡ)`` on the first ``s[-1]//2 + 1`` entries
                  of the last axis, ``c = 1, 2, ..., 2, (1 if s[-1] even)``:
                  ``irfft`` reads the half spectrum as a Hermitian one
                  (the imaginary parts of the 0 and Nyquist entries are
                  ignored, so get real cotangents)
``fftshift``      ``ḡ`` shifted back (``ifftshift``), and vice versa
================  ==========================================================

``norm`` is honoured ("backward", "ortho", "forward"): each transform's
transpose is scaled as the transform. ``out=`` is refused, as everywhere.
Repeated axes are not supported (``NotImplementedError``).

A spectrum may reach a real loss through ``np.real``/``.real``,
``np.imag``/``.imag``, ``np.conj``/``.conj()``, ``np.abs``/``abs`` and
``np.angle`` (``numpy_rules``), in the same convention: for ``z = u + iv``
and the cotangent ``g`` of the (real) result, ``real`` gives ``z̄ = g``,
``imag`` ``-1j * g``, ``conj`` ``conj(g)``, ``abs`` ``g * conj(z) / |z|``
and ``angle`` ``-1j * g * conj(z) / |z|²`` (both 0 where ``z == 0``); their
JVPs are ``Re(dz)``, ``Im(dz)``, ``conj(dz)``, ``Re(conj(z) dz) / |z|`` and
``Im(conj(z) dz) / |z|²``. So ``np.sum(np.abs(np.fft.rfft(x)) ** 2)`` is
differentiated in both modes, and to second order by ``hessian`` (forward
over reverse); reverse over reverse through complex values is not supported
(``match_complex_vjp`` has no VJP). For real inputs these rules are the
real ones (``abs`` is ``np.sign``'s, ``imag`` is 0). One gap remains: a
*real* operand of a product (or sum...) with a complex one, ``x * (1 + 2j)``,
gets a complex cotangent, as the arithmetic rules do not take its real part;
keep real inputs away from complex constants (transform them first).
"""

from __future__ import annotations

import numpy as np

from .registry import defjvp, defvjp, nondiff

# ---------------------------------------------------------------- helpers


def fft_info_vjp(shape, s, axes, kind, one_d):
    """For a transform of an array of ``shape``: ``(axes, sizes, weights)``,
    the transformed axes (normalized, as NumPy picks them), the transform's
    full lengths along them, and for ``kind == "ir"`` (the inverse real
    transforms) the weights ``c`` along the last axis (``None`` otherwise).
    ``one_d``: ``s``/``axes`` are ``fft``'s ``n``/``axis``."""
    ndim = len(shape)
    if one_d:
        s = None if s is None else [s]
        axes = [axes]
    if axes is None:
        axes = list(range(ndim)) if s is None else list(range(ndim - len(s), ndim))
    axes = [int(a) % ndim for a in axes]
    if len(set(axes)) != len(axes):
        raise NotImplementedError("the derivative of an FFT over repeated axes")
    if s is not None:
        sizes = [int(n) for n in s]
    elif kind == "ir":
        sizes = [shape[a] for a in axes[:-1]] + [2 * (shape[axes[-1]] - 1)]
    else:
        sizes = [shape[a] for a in axes]
    if kind != "ir":
        return axes, sizes, None
    n = sizes[-1]
    w = np.zeros(n)
    w[:n // 2 + 1] = 2.0
    w[0] = 1.0
    if n % 2 == 0:
        w[n // 2] = 1.0
    view = [1] * ndim
    view[axes[-1]] = n
    return axes, sizes, np.reshape(w, view)


def fft_fit_vjp(shape_from, shape_to):
    """``np.pad`` widths and slices that cut or zero-pad an array of
    ``shape_from`` to ``shape_to``."""
    widths = tuple((0, max(0, t - f)) for f, t in zip(shape_from, shape_to, strict=True))
    return widths, tuple(slice(0, t) for t in shape_to)


def match_complex_vjp(gx, x):
    """A cotangent ``gx`` for ``x``: its real part if ``x`` is real."""
    if np.iscomplexobj(gx) and not np.iscomplexobj(x):
        return np.real(gx)
    return gx


@defjvp(match_complex_vjp)   # linear in gx
def match_complex_jvp(dgx, ans, gx, x):
    return match_complex_vjp(dgx, x)


# Real part, imaginary part and conjugate of complex values inside
# templates; each is linear over the reals, so its JVP is itself applied to
# the tangent.
def creal_vjp(z):
    """``np.real(z)``."""
    return np.real(z)


def cimag_vjp(z):
    """``np.imag(z)``."""
    return np.imag(z)


def cconj_vjp(z):
    """``np.conj(z)``."""
    return np.conj(z)


@defjvp(creal_vjp)
def creal_jvp(dz, ans, z):
    return creal_vjp(dz)


@defjvp(cimag_vjp)
def cimag_jvp(dz, ans, z):
    return cimag_vjp(dz)


@defjvp(cconj_vjp)
def cconj_jvp(dz, ans, z):
    return cconj_vjp(dz)


# ---------------------------------------------------------------- complex transforms


@defvjp(np.fft.fft, wrt=("a",))
def fft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    info = fft_info_vjp(np.shape(a), n, axis, "c", True)
    fit = fft_fit_vjp(np.shape(ans), np.shape(a))
    return match_complex_vjp(np.pad(np.fft.fftn(g, None, info[0], norm), fit[0])[fit[1]], a)


@defjvp(np.fft.fft)
def fft_jvp(da, ans, a, n=None, axis=-1, norm=None, out=None):
    return np.fft.fft(da, n, axis, norm)


@defvjp(np.fft.ifft, wrt=("a",))
def ifft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    info = fft_info_vjp(np.shape(a), n, axis, "c", True)
    fit = fft_fit_vjp(np.shape(ans), np.shape(a))
    return match_complex_vjp(np.pad(np.fft.ifftn(g, None, info[0], norm), fit[0])[fit[1]], a)


@defjvp(np.fft.ifft)
def ifft_jvp(da, ans, a, n=None, axis=-1, norm=None, out=None):
    return np.fft.ifft(da, n, axis, norm)


@defvjp(np.fft.fft2, wrt=("a",))
def fft2(g, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    info = fft_info_vjp(np.shape(a), s, axes, "c", False)
    fit = fft_fit_vjp(np.shape(ans), np.shape(a))
    return match_complex_vjp(np.pad(np.fft.fftn(g, None, info[0], norm), fit[0])[fit[1]], a)


@defjvp(np.fft.fft2)
def fft2_jvp(da, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    return np.fft.fft2(da, s, axes, norm)


@defvjp(np.fft.ifft2, wrt=("a",))
def ifft2(g, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    info = fft_info_vjp(np.shape(a), s, axes, "c", False)
    fit = fft_fit_vjp(np.shape(ans), np.shape(a))
    return match_complex_vjp(np.pad(np.fft.ifftn(g, None, info[0], norm), fit[0])[fit[1]], a)


@defjvp(np.fft.ifft2)
def ifft2_jvp(da, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    return np.fft.ifft2(da, s, axes, norm)


@defvjp(np.fft.fftn, wrt=("a",))
def fftn(g, ans, a, s=None, axes=None, norm=None, out=None):
    info = fft_info_vjp(np.shape(a), s, axes, "c", False)
    fit = fft_fit_vjp(np.shape(ans), np.shape(a))
    return match_complex_vjp(np.pad(np.fft.fftn(g, None, info[0], norm), fit[0])[fit[1]], a)


@defjvp(np.fft.fftn)
def fftn_jvp(da, ans, a, s=None, axes=None, norm=None, out=None):
    return np.fft.fftn(da, s, axes, norm)


@defvjp(np.fft.ifftn, wrt=("a",))
def ifftn(g, ans, a, s=None, axes=None, norm=None, out=None):
    info = fft_info_vjp(np.shape(a), s, axes, "c", False)
    fit = fft_fit_vjp(np.shape(ans), np.shape(a))
    return match_complex_vjp(np.pad(np.fft.ifftn(g, None, info[0], norm), fit[0])[fit[1]], a)


@defjvp(np.fft.ifftn)
def ifftn_jvp(da, ans, a, s=None, axes=None, norm=None, out=None):
    return np.fft.ifftn(da, s, axes, norm)


# ---------------------------------------------------------------- real transforms
# rfft keeps the first half of the spectrum of a real input: its transpose
# is the full transform of the zero-padded cotangent, real part (taken by
# match_complex_vjp, whose JVP keeps tangents of real values real).


@defvjp(np.fft.rfft, wrt=("a",))
def rfft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    info = fft_info_vjp(np.shape(a), n, axis, "r", True)
    full = match_complex_vjp(np.fft.fftn(g, info[1], info[0], norm), a)
    fit = fft_fit_vjp(np.shape(full), np.shape(a))
    return np.pad(full, fit[0])[fit[1]]


@defjvp(np.fft.rfft)
def rfft_jvp(da, ans, a, n=None, axis=-1, norm=None, out=None):
    return np.fft.rfft(da, n, axis, norm)


@defvjp(np.fft.rfft2, wrt=("a",))
def rfft2(g, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    info = fft_info_vjp(np.shape(a), s, axes, "r", False)
    full = match_complex_vjp(np.fft.fftn(g, info[1], info[0], norm), a)
    fit = fft_fit_vjp(np.shape(full), np.shape(a))
    return np.pad(full, fit[0])[fit[1]]


@defjvp(np.fft.rfft2)
def rfft2_jvp(da, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    return np.fft.rfft2(da, s, axes, norm)


@defvjp(np.fft.rfftn, wrt=("a",))
def rfftn(g, ans, a, s=None, axes=None, norm=None, out=None):
    info = fft_info_vjp(np.shape(a), s, axes, "r", False)
    full = match_complex_vjp(np.fft.fftn(g, info[1], info[0], norm), a)
    fit = fft_fit_vjp(np.shape(full), np.shape(a))
    return np.pad(full, fit[0])[fit[1]]


@defjvp(np.fft.rfftn)
def rfftn_jvp(da, ans, a, s=None, axes=None, norm=None, out=None):
    return np.fft.rfftn(da, s, axes, norm)


# irfft: y = Re(Σ_k c_k a_k e^{2πi jk/n}) / n over the half spectrum; its
# transpose is c · ifft(ḡ) there (c = 0 beyond the half: entries not read).


@defvjp(np.fft.irfft, wrt=("a",))
def irfft(g, ans, a, n=None, axis=-1, norm=None, out=None):
    info = fft_info_vjp(np.shape(a), n, axis, "ir", True)
    half = np.fft.ifftn(g, None, info[0], norm) * info[2]
    fit = fft_fit_vjp(np.shape(half), np.shape(a))
    return match_complex_vjp(np.pad(half, fit[0])[fit[1]], a)


@defjvp(np.fft.irfft)
def irfft_jvp(da, ans, a, n=None, axis=-1, norm=None, out=None):
    return np.fft.irfft(da, n, axis, norm)


@defvjp(np.fft.irfft2, wrt=("a",))
def irfft2(g, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    info = fft_info_vjp(np.shape(a), s, axes, "ir", False)
    half = np.fft.ifftn(g, None, info[0], norm) * info[2]
    fit = fft_fit_vjp(np.shape(half), np.shape(a))
    return match_complex_vjp(np.pad(half, fit[0])[fit[1]], a)


@defjvp(np.fft.irfft2)
def irfft2_jvp(da, ans, a, s=None, axes=(-2, -1), norm=None, out=None):
    return np.fft.irfft2(da, s, axes, norm)


@defvjp(np.fft.irfftn, wrt=("a",))
def irfftn(g, ans, a, s=None, axes=None, norm=None, out=None):
    info = fft_info_vjp(np.shape(a), s, axes, "ir", False)
    half = np.fft.ifftn(g, None, info[0], norm) * info[2]
    fit = fft_fit_vjp(np.shape(half), np.shape(a))
    return match_complex_vjp(np.pad(half, fit[0])[fit[1]], a)


@defjvp(np.fft.irfftn)
def irfftn_jvp(da, ans, a, s=None, axes=None, norm=None, out=None):
    return np.fft.irfftn(da, s, axes, norm)


# ---------------------------------------------------------------- shifts (permutations)


@defvjp(np.fft.fftshift, wrt=("x",))
def fftshift(g, ans, x, axes=None):
    return np.fft.ifftshift(g, axes)


@defjvp(np.fft.fftshift)
def fftshift_jvp(dx, ans, x, axes=None):
    return np.fft.fftshift(dx, axes)


@defvjp(np.fft.ifftshift, wrt=("x",))
def ifftshift(g, ans, x, axes=None):
    return np.fft.fftshift(g, axes)


@defjvp(np.fft.ifftshift)
def ifftshift_jvp(dx, ans, x, axes=None):
    return np.fft.ifftshift(dx, axes)


nondiff(fft_info_vjp, fft_fit_vjp)
