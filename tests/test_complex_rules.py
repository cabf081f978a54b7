"""Real -> complex -> real programs: spectra reduced to a real loss through
``.real``, ``.imag``, ``np.real``, ``np.imag``, ``np.conj``, ``np.abs``,
``np.angle`` and complex arithmetic, in reverse mode (``grad``, ``vjp``)
and forward mode (``jvp``).

Every expected derivative is computed without s2s_ad: central finite
differences in float64 on the real input (``numeric_grad``/``numeric_vjp``
for gradients and VJPs, a directional difference for JVPs). The cotangent
convention (autograd's, see ``s2s_ad/rules/fft_rules.py``) only shows inside
the generated code: what is checked is the derivative of a real function of
a real input, and that it comes back real.
"""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad

from .checks import assert_close, numeric_grad, numeric_vjp

RTOL, ATOL = 1e-6, 1e-8

X4 = np.array([0.3, -1.2, 0.5, 0.8])             # the outside user's input
_rng = np.random.default_rng(7)
X8 = _rng.uniform(-1.0, 1.0, 8)
X7 = _rng.uniform(-1.0, 1.0, 7)                  # odd length
M45 = _rng.uniform(-1.0, 1.0, (4, 5))
W5 = _rng.uniform(0.5, 1.5, 5)                   # weights on the 5 bins of rfft(X8)
W4 = _rng.uniform(0.5, 1.5, 4)                   # ... of rfft(X7)
W8 = _rng.uniform(0.5, 1.5, 8)
C = 0.7 - 1.3j
Z8 = _rng.uniform(-1.0, 1.0, 8) + 1j * _rng.uniform(-1.0, 1.0, 8)


# ---------------------------------------------------------------- the two repros


def imag_squared(x):
    return np.sum(np.fft.rfft(x).imag ** 2)


def power_spectrum(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2)


def test_repro_imag_squared():
    assert_close(ad.grad(imag_squared)(X4), np.array([0.0, -4.0, 0.0, 4.0]), RTOL, ATOL)


def test_repro_power_spectrum():
    assert_close(ad.grad(power_spectrum)(X4), np.array([2.8, -5.6, 3.6, 2.4]), RTOL, ATOL)


# ---------------------------------------------------------------- the programs


def attr_real(x):
    return np.sum(np.fft.rfft(x).real * W5)


def attr_imag(x):
    return np.sum(np.fft.rfft(x).imag * W5)


def np_real(x):
    return np.sum(np.real(np.fft.rfft(x)) * W5)


def np_imag(x):
    return np.sum(np.imag(np.fft.rfft(x)) * W5)


def np_abs(x):
    return np.sum(np.abs(np.fft.rfft(x)) * W5)


def np_absolute_squared(x):
    return np.sum(np.absolute(np.fft.fft(x)) ** 2 * W8)


def builtin_abs_squared(x):
    return np.sum(abs(np.fft.fft(x)) ** 2 * W8)


def times_conj(x):
    z = np.fft.rfft(x)
    return np.sum((z * np.conj(z)).real * W5)


def times_conjugate_imag(x):
    z = np.fft.fft(x * W8)
    return np.sum((z * np.conjugate(np.fft.fft(x))).imag)


def conj_method(x):
    z = np.fft.rfft(x)
    return np.sum((z.conj() * z * W5).real) + np.sum(z.conjugate().imag * W5)


def conj_imag(x):
    return np.sum(np.conj(np.fft.rfft(x)).imag * W5)


def angle(x):
    return np.sum(np.angle(np.fft.rfft(x)) * W5)


def angle_deg(x):
    return np.sum(np.sin(np.angle(np.fft.fft(x) + C, deg=True) / 90.0))


def product(x):
    z = np.fft.rfft(x)
    w = np.fft.rfft(x ** 2)
    return np.sum(np.abs(z * w) ** 2)


def quotient(x):
    z = np.fft.rfft(x)
    w = np.fft.rfft(np.exp(x))
    return np.sum((z / w).real * W5) + np.sum(np.imag(z / w))


def plus_constant(x):
    z = np.fft.rfft(x) + C
    return np.sum(np.abs(z) ** 2 * W5) + np.sum((z * C).imag)


def times_constant(x):
    return np.sum(np.real(np.fft.rfft(x) * C) * W5)


def odd_length(x):
    z = np.fft.rfft(x)
    return np.sum(np.abs(z) * W4) + np.sum(z.imag ** 2) + np.sum(np.angle(z))


def fft2_power(x):
    return np.sum(np.abs(np.fft.fft2(x)) ** 2 * np.cos(np.arange(5.0)))


def fft2_parts(x):
    z = np.fft.fft2(x)
    return np.sum(z.real ** 3) + np.sum(np.imag(z) * z.imag) + np.sum(np.real(z * np.conj(z)))


def complex_constant_input(x):
    # a complex operand that is not differentiated, mixed with a spectrum
    z = np.fft.fft(x) * Z8
    return np.sum(np.abs(z)) + np.sum(np.angle(z)) + np.sum(np.conj(z).imag)


def round_trip(x):
    z = np.fft.rfft(x)
    return np.sum(np.fft.irfft(np.conj(z) * np.abs(z)) ** 2)


PROGRAMS = [
    (imag_squared, X8), (power_spectrum, X8), (attr_real, X8), (attr_imag, X8),
    (np_real, X8), (np_imag, X8), (np_abs, X8), (np_absolute_squared, X8),
    (builtin_abs_squared, X8), (times_conj, X8), (times_conjugate_imag, X8),
    (conj_method, X8), (conj_imag, X8), (angle, X8), (angle_deg, X8), (product, X8),
    (quotient, X8), (plus_constant, X8), (times_constant, X8), (odd_length, X7),
    (fft2_power, M45), (fft2_parts, M45), (complex_constant_input, X8), (round_trip, X8),
]
IDS = [f.__name__ for f, _ in PROGRAMS]


def _direction(x):
    return np.cos(np.arange(x.size) + 0.5).reshape(x.shape)


@pytest.mark.parametrize(("f", "x"), PROGRAMS, ids=IDS)
def test_grad(f, x):
    df = ad.grad(f)
    got = df(x)
    assert not np.iscomplexobj(got), f"complex gradient of a real input\n{df.source}"
    assert_close(got, numeric_grad(f, (x,)), RTOL, ATOL, f"{f.__name__}\n{df.source}")


@pytest.mark.parametrize(("f", "x"), PROGRAMS, ids=IDS)
def test_vjp(f, x):
    out, pullback = ad.vjp(f, x)
    assert_close(out, f(x), 1e-12, 1e-12)
    (got,) = pullback(1.5)
    assert not np.iscomplexobj(got), f"complex cotangent of a real input\n{pullback.source}"
    assert_close(got, 1.5 * numeric_grad(f, (x,)), RTOL, ATOL,
                 f"{f.__name__}\n{pullback.source}")


@pytest.mark.parametrize(("f", "x"), PROGRAMS, ids=IDS)
def test_jvp(f, x):
    v = _direction(x)
    out, got = ad.jvp(f, (x,), (v,))
    eps = 1e-6
    want = (f(x + eps * v) - f(x - eps * v)) / (2 * eps)
    assert_close(out, f(x), 1e-12, 1e-12)
    assert not np.iscomplexobj(got), "complex tangent of a real output"
    assert_close(got, want, RTOL, ATOL, f.__name__)


# ---------------------------------------------------------------- non-scalar outputs


def abs_spectrum(x):
    return np.abs(np.fft.rfft(x))


def parts(x):
    z = np.fft.rfft(x)
    return np.real(z) * 2.0 + np.imag(z) ** 2 + z.real * z.imag


def phase(x):
    return np.angle(np.fft.rfft(x) + C)


@pytest.mark.parametrize("f", [abs_spectrum, parts, phase])
def test_vector_valued(f):
    u = np.linspace(-1.0, 2.0, 5)
    _, pullback = ad.vjp(f, X8)
    (got,) = pullback(u)
    assert not np.iscomplexobj(got)
    assert_close(got, numeric_vjp(f, (X8,), u), RTOL, ATOL, f.__name__)
    v = _direction(X8)
    _, tangent = ad.jvp(f, (X8,), (v,))
    eps = 1e-6
    assert not np.iscomplexobj(tangent)
    assert_close(tangent, (f(X8 + eps * v) - f(X8 - eps * v)) / (2 * eps), RTOL, ATOL,
                 f.__name__)


# ---------------------------------------------------------------- real inputs, as before


def real_parts(x):
    return (np.sum(np.real(x) * W8) + np.sum(x.real ** 2) + np.sum(np.imag(x) + 1.0)
            + np.sum(x.imag * x) + np.sum(np.conj(x) * W8) + np.sum(x.conj() ** 3)
            + np.sum(x.conjugate()) + np.sum(np.abs(x) * W8) + np.sum(abs(x))
            + np.sum(np.fabs(x) ** 2) + np.sum(np.angle(x) * x))


def test_real_inputs():
    x = X8.copy()
    x[2] = 0.0   # |x| at 0: np.sign's 0, as before
    df = ad.grad(real_parts)
    got = df(x)
    sign = np.sign(x)
    want = (W8 + 2 * x + x * 0.0 + 0.0 + W8 + 3 * x ** 2 + 1.0 + sign * W8 + sign
            + 2 * x + np.angle(x))
    assert got.dtype == np.float64, df.source
    assert_close(got, want, 1e-12, 1e-12, df.source)
    v = _direction(x)
    _, tangent = ad.jvp(real_parts, (x,), (v,))
    assert isinstance(tangent, float) or tangent.dtype == np.float64
    assert_close(tangent, np.sum(want * v), 1e-12, 1e-12)


# ---------------------------------------------------------------- second order


def hessian_power(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2 * W5) + np.sum(np.angle(np.fft.rfft(x) + C))


def test_hessian_through_abs_and_angle():
    H = ad.hessian(hessian_power)(X8)
    gradient = ad.grad(hessian_power)
    cols = []
    for i in range(8):
        e = np.zeros(8)
        e[i] = 1e-5
        cols.append((gradient(X8 + e) - gradient(X8 - e)) / 2e-5)
    assert_close(H, np.stack(cols, axis=-1), 1e-5, 1e-6)


def test_second_order_of_real_inputs():
    """Reverse over reverse and forward over reverse of real code through
    these rules stay real and right (np.angle of a real value is constant)."""
    x = X8.copy()
    gradient = ad.grad(real_parts)
    v = _direction(x)
    want = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
    (rr,) = ad.vjp(gradient, x)[1](v)     # the Hessian is symmetric
    _, fr = ad.jvp(gradient, (x,), (v,))
    for got in (rr, fr):
        assert got.dtype == np.float64
        assert_close(got, want, 1e-6, 1e-6)


# ---------------------------------------------------------------- known limitation


def real_times_complex(x):
    return np.sum((x * (1 + 2j)).real)


def test_real_operand_of_complex_product():
    """A real parameter's gradient is the real part of its cotangent (a
    product with a complex number left it complex)."""
    got = ad.grad(real_times_complex)(X8)
    assert not np.iscomplexobj(got)
    assert_close(got, numeric_grad(real_times_complex, (X8,)), RTOL, ATOL)
