"""Programs an outside user wrote that s2s_ad got wrong or refused needlessly
(each checked against central finite differences in both modes)."""

import pytest

import s2s_ad as ad
from tests.checks import assert_close, numeric_grad


def clipped_product(a, b, c):
    return max(a, b, c) * min(a, 2.0 * b, c, 0.5)


def soft_floor(x, y):
    return min(x * x, y, 1.5, x + y) + max(0.0, x - y, y - 2.0 * x)


@pytest.mark.parametrize("f, args", [(clipped_product, (0.3, 0.9, 0.6)),
                                     (clipped_product, (1.2, -0.4, 0.8)),
                                     (soft_floor, (0.7, 0.2)), (soft_floor, (-0.6, 1.9))])
def test_min_and_max_of_more_than_two_numbers(f, args):
    wrt = tuple(range(len(args)))
    got = ad.grad(f, wrt=wrt)(*args)
    for i in wrt:
        assert_close(got[i], numeric_grad(f, args, i))
        tangents = tuple(1.0 if j == i else 0.0 for j in wrt)
        out, t = ad.jvp(f, args, tangents)
        assert_close(out, f(*args))
        assert_close(t, numeric_grad(f, args, i))
