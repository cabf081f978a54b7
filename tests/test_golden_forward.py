"""Golden-source tests for forward mode: the generated JVP of a few loops and
branches, and the generated Hessian code (the JVP of the generated gradient,
``derivative(grad(f), mode="forward")``) of small functions, stored in
``tests/golden/forward_*.py`` and ``tests/golden/hessian_*.py`` so a change in
the readability of generated code is a visible diff. On a mismatch the
actual text is printed; to accept a change, run with S2S_AD_UPDATE_GOLDEN=1
and review the diff.

Each golden source is also executed and compared with a hand-derived value,
so an accepted golden file cannot be wrong code.
"""


import numpy as np
import pytest

import s2s_ad as ad
from tests import golden_functions as g
from tests.checks import assert_matches_golden


def cubic_plus_cross(x):
    return np.sum(x ** 3) + x[0] * x[1]


def sin_times_square(x):
    return np.sin(x) * x * x


X = np.array([0.5, -1.0, 2.0])

# name -> (derivative, arguments for the generated function, expected result)
CASES = {
    # for_loop(x, 3): y = x, then x**2, x**3 + 1, x**4 + x + 2; d/dx = 4 x**3 + 1
    "forward_for_loop": (lambda: ad.derivative(g.for_loop, mode="forward"),
                         (0.5, 3, 1.0, 0), (0.5 ** 4 + 0.5 + 2, 4 * 0.125 + 1)),
    # x = 0.5: y = 1.25, 2.5625, 7.57, 58.25, 3394.1 (five steps); reference below
    "forward_while_with_break": (lambda: ad.derivative(g.while_with_break, mode="forward"),
                                 (0.5, 1.0), None),
    # n = 3, x = 0.7: i = 0, 1 take the else arm (s - x), i = 2: x * i = 1.4 > 1 -> sin(2x)
    "forward_branch_in_loop": (lambda: ad.derivative(g.branch_in_loop, mode="forward"),
                               (0.7, 3, 1.0, 0), (-1.4 + np.sin(1.4), -2 + 2 * np.cos(1.4))),
    # out = [0, x, 2x]: sum(out * out) = 5 x**2, d/dx = 10 x
    "forward_item_writes_in_loop": (lambda: ad.derivative(g.item_writes_in_loop, mode="forward"),
                                    (0.5, 1.0), (5 * 0.25, 10 * 0.5)),
    # H v with v = e0: first column of diag(6x) + offdiag(1)
    "hessian_cubic_plus_cross": (lambda: ad.derivative(ad.grad(cubic_plus_cross), mode="forward"),
                                 (X, np.array([1.0, 0.0, 0.0])),
                                 (3 * X ** 2 + np.array([-1.0, 0.5, 0.0]),
                                  np.array([3.0, 1.0, 0.0]))),
    # f = x^2 sin x: f' = 2x sin x + x^2 cos x, f'' = (2 - x^2) sin x + 4x cos x
    "hessian_sin_times_square": (lambda: ad.derivative(ad.grad(sin_times_square), mode="forward"),
                                 (0.8, 1.0),
                                 (1.6 * np.sin(0.8) + 0.64 * np.cos(0.8),
                                  (2 - 0.64) * np.sin(0.8) + 3.2 * np.cos(0.8))),
    # for_loop(x, 3) = x**4 + x + 2: f' = 4 x**3 + 1, f'' = 12 x**2
    "hessian_for_loop": (lambda: ad.derivative(ad.grad(g.for_loop), mode="forward"),
                         (0.5, 3, 1.0, 0), (4 * 0.125 + 1, 12 * 0.25)),
}


def _while_reference(x):
    y, dy, k = x, 1.0, 0
    while y < 100.0:
        y, dy = y * y + 1.0, 2 * y * dy
        k += 1
        if k > 10:
            break
    return y, dy


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_forward_source_matches_golden(name):
    make, _, _ = CASES[name]
    actual = make().source
    assert_matches_golden(f"{name}.py", actual, f"generated source of {name}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_code_computes_the_right_values(name):
    make, args, expected = CASES[name]
    if expected is None:
        expected = _while_reference(args[0])
    # the generated function itself (the Transformed wrapper would turn the
    # int loop bound into a float: see test_forward.test_int_loop_bound_...)
    got = make().function(*args)
    for a, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12, err_msg=name)
