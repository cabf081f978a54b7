"""``x ** y`` where ``y`` is 0: the derivative of ``x ** 0`` is 0, also at
``x = 0`` (where ``y * x ** (y - 1)`` is ``0 * inf``: nan on arrays and a
ZeroDivisionError on floats)."""

import numpy as np
import pytest

import s2s_ad
from tests.checks import assert_close, numeric_grad


def power_series(x, c):
    s = 0.0
    for j in range(len(c)):
        s = s + c[j] * x ** j        # x ** 0 on the first iteration
    return s


def constant_power(x):
    return x ** 0 + 3.0 * x ** 2


C = np.array([0.5, -1.5, 2.0, 0.25])


@pytest.mark.parametrize("x", [0.0, 0.7, -1.3])
def test_power_series_derivative_at_and_off_zero(x):
    expected = numeric_grad(power_series, (x, C))
    assert_close(s2s_ad.grad(power_series)(x, C), expected)
    assert_close(s2s_ad.jvp(power_series, (x, C), (1.0, np.zeros(4)))[1], expected)
    xs = np.array([x, 1.0])
    _, pullback = s2s_ad.vjp(power_series, xs, C)
    got = pullback(np.ones(2))[0]
    assert np.all(np.isfinite(got))
    assert_close(got[0], expected)


@pytest.mark.parametrize("x", [0.0, 2.0])
def test_constant_zero_exponent(x):
    expected = numeric_grad(constant_power, (x,))
    assert_close(s2s_ad.grad(constant_power)(x), expected)
    assert_close(s2s_ad.jvp(constant_power, (x,), (1.0,))[1], expected)


def test_a_constant_exponent_still_reads_as_the_textbook_derivative():
    src = s2s_ad.grad(constant_power).source
    assert "* 2 * x" in src and "!= 0" not in src
