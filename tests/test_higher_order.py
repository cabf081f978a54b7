"""Higher-order derivatives: ``hessian`` (forward over reverse), ``hvp``,
``grad`` of ``grad`` (reverse over reverse), forward over forward, and
``check_grads`` at orders 1 and 2.

References are independent of s2s_ad: Hessians, second and third
derivatives of polynomials, ``exp``, ``sin`` and ``sqrt`` written out by
hand; for the rest, central finite differences -- of ``f`` itself (second
differences) and of its gradient (whose correctness against finite
differences is checked there too, so the two references do not share a
failure). Several functions have loops, branches and while loops, so the
code being differentiated the second time is *generated* code with
residual lists, reversed loops and branches on saved predicates.
"""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad

from . import functions
from .checks import assert_close, numeric_grad

# ----------------------------------------------------------------- helpers


def fd_hessian(f, x, eps=1e-4):
    """Second central differences of ``f`` alone (no s2s_ad involved)."""
    if np.ndim(x) == 0:
        return (f(x + eps) - 2 * f(x) + f(x - eps)) / eps ** 2
    n = x.size
    H = np.zeros((n, n))
    E = np.eye(n) * eps
    for i in range(n):
        for j in range(n):
            H[i, j] = (f(x + E[i] + E[j]) - f(x + E[i] - E[j])
                       - f(x - E[i] + E[j]) + f(x - E[i] - E[j])) / (4 * eps ** 2)
    return H


def fd_jacobian_of(g, x, eps=1e-6):
    """Central differences of a vector function ``g`` (here: a gradient)."""
    if np.ndim(x) == 0:
        return (g(x + eps) - g(x - eps)) / (2 * eps)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        cols.append((np.asarray(g(x + e)) - np.asarray(g(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


# ------------------------------------------------- polynomial Hessians, exact


def cubic_plus_cross(x):
    return np.sum(x ** 3) + x[0] * x[1]


def mixed_monomials(x):
    return x[0] ** 2 * x[1] + x[1] * x[2] ** 3 - 2.0 * x[0] * x[2]


A3 = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 1.0], [1.5, 0.0, -2.0]])


def quadratic_form(x):
    return 0.5 * (x @ A3 @ x) + np.sum(x * np.array([1.0, -2.0, 0.5]))


def chain_products_in_loop(x):
    s = 0.0
    for i in range(1, len(x)):
        s = s + x[i] * x[i - 1]
    return s


def polynomial_with_branch(x):
    if x[0] > 0:
        y = np.sum(x ** 4)
    else:
        y = np.sum(x * x) * x[0]
    return y


def quartic(x):
    return x ** 4 - 3.0 * x * x


def _exact_mixed(x):
    x0, x1, x2 = x
    return np.array([[2 * x1, 2 * x0, -2.0],
                     [2 * x0, 0.0, 3 * x2 ** 2],
                     [-2.0, 3 * x2 ** 2, 6 * x1 * x2]])


def _exact_branch(x):
    if x[0] > 0:
        return np.diag(12 * x ** 2)
    # f = x0 * (x0^2 + x1^2 + x2^2): d2/dx0^2 = 6 x0, d2/dx0 dxj = 2 xj, d2/dxj^2 = 2 x0
    H = np.diag(np.full(3, 2 * x[0]))
    H[0, 0] = 6 * x[0]
    H[0, 1:] = H[1:, 0] = 2 * x[1:]
    return H


X = np.array([0.7, -1.3, 2.1])
EXACT = {
    "cubic_plus_cross": (cubic_plus_cross, X,
                         np.diag(6 * X) + np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0.0]])),
    "mixed_monomials": (mixed_monomials, X, _exact_mixed(X)),
    "quadratic_form": (quadratic_form, X, 0.5 * (A3 + A3.T)),
    "chain_products_in_loop": (chain_products_in_loop, np.array([0.3, 1.0, -2.0, 0.5]),
                               np.eye(4, k=1) + np.eye(4, k=-1)),
    "polynomial_with_branch_pos": (polynomial_with_branch, X, _exact_branch(X)),
    "polynomial_with_branch_neg": (polynomial_with_branch, -X, _exact_branch(-X)),
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_hessian_of_polynomials_is_exact(name):
    f, x, expected = EXACT[name]
    H = ad.hessian(f)(x)
    assert np.shape(H) == (x.size, x.size), np.shape(H)
    assert_close(H, expected, 1e-12, 1e-12,
                 what=f"Hessian of {name}\n{ad.derivative(ad.grad(f), mode='forward').source}")


def test_hessian_of_a_scalar_argument_is_a_float():
    for x in (0.7, -1.9, 2):
        h = ad.hessian(quartic)(x)
        assert isinstance(h, float), type(h)
        assert h == pytest.approx(12.0 * x ** 2 - 6.0, rel=1e-13)


# ------------------------------------- Hessians vs finite differences


def tanh_recurrence(x):
    h = x
    for _ in range(3):
        h = np.tanh(1.1 * h + 0.3 * np.sum(h) - x)
    return np.sum(h * h * x)


def normalise_until_small(x):
    v = x
    k = 0
    while np.sum(v * v) > 0.5 and k < 20:
        v = 0.8 * v + 0.05 * np.sin(v)
        k = k + 1
    return np.sum(v * np.exp(v))


def softplus_branches(x):
    s = 0.0
    for v in x:
        if v > 0:
            s = s + v + np.log1p(np.exp(-v))
        else:
            s = s + np.log1p(np.exp(v))
    return s * s


def sqrt_by_newton(a):
    r = a
    while abs(r * r - a) > 1e-12 * a:
        r = 0.5 * (r + a / r)
    return r


VECTOR_CASES = {
    "tanh_recurrence": (tanh_recurrence, np.array([0.3, -0.5, 0.8])),
    "normalise_until_small": (normalise_until_small, np.array([0.9, -1.2, 0.4])),
    "softplus_branches": (softplus_branches, np.array([0.6, -1.1, 0.2, -0.4])),
    "online_logsumexp": (functions.online_logsumexp, np.array([0.9, -0.4, 1.7, 0.25])),
    "for_enumerate": (functions.for_enumerate, np.array([-0.8, 0.35, 1.1, -1.6, 0.6])),
    "cubic_plus_cross": (cubic_plus_cross, X),
    "running_max_ternary": (functions.running_max_ternary, np.array([0.9, -0.4, 1.7, 0.25])),
    "while_on_array_state": (functions.while_on_array_state, np.array([0.3, -0.5])),
}
SCALAR_CASES = {
    "sqrt_by_newton": (sqrt_by_newton, 2.0),
    "fixed_point_iteration": (functions.fixed_point_iteration, 0.3),
    "while_true_break": (functions.while_true_break, 0.7),
    "nested_ternary": (functions.nested_ternary, 0.5),
    "several_returns": (functions.several_returns, 1.5),
    "for_range_step": (functions.for_range_step, -1.3),
}


@pytest.mark.parametrize("name", sorted(VECTOR_CASES) + sorted(SCALAR_CASES))
def test_hessian_matches_finite_differences(name):
    f, x = VECTOR_CASES.get(name) or SCALAR_CASES[name]
    H = ad.hessian(f)(x)
    src = ad.derivative(ad.grad(f), mode="forward").source
    # of the gradient (itself checked against finite differences here)
    g = ad.grad(f)
    assert_close(g(x), numeric_grad(f, (x,)), 1e-5, 1e-7, what=f"gradient of {name}")
    assert_close(H, fd_jacobian_of(g, x), 1e-5, 1e-6, what=f"H of {name} vs FD of grad\n{src}")
    # and of f alone, by second differences
    assert_close(H, fd_hessian(f, x), 1e-4, 1e-5, what=f"H of {name} vs 2nd differences\n{src}")
    if np.ndim(x):
        assert_close(H, H.T, 1e-10, 1e-10, what=f"H of {name} is not symmetric")


def test_hessian_of_a_while_loop_exact():
    # sqrt(a)'' = -a**-1.5 / 4
    for a in (2.0, 0.3, 9.0):
        assert ad.hessian(sqrt_by_newton)(a) == pytest.approx(-0.25 * a ** -1.5, rel=1e-9)


def test_generated_gradient_has_loops_and_branches_to_differentiate():
    """The code differentiated the second time is generated code with a loop
    over saved residuals and a branch: the Hessian tests above go through it."""
    src = ad.grad(softplus_branches).source
    assert ".append(" in src and "reversed(" in src and src.count("if ") >= 2, src
    src = ad.grad(sqrt_by_newton).source
    assert "while " in src and "reversed(" in src, src


# ------------------------------------------------- grad of grad (of grad)


def exp_f(x):
    return np.exp(x)


def sin_f(x):
    return np.sin(x)


def poly_f(x):
    return x ** 5 + 2.0 * x ** 3 - x


def horner_loop(x):
    y = 1.0
    for i in range(4):
        y = y * x + i          # x**4 + x**2 + 2 x + 3
    return y


def cube_or_sine(x):
    if x > 0:
        y = x ** 3
    else:
        y = np.sin(x)
    return y


def loop_and_branch(x):
    s = 0.0
    for i in range(3):
        if i == 1:
            s = s + x ** 3
        else:
            s = s * x + x * x
    return s      # x**2, then x**2 + x**3, then (x**2 + x**3) * x + x**2


DERIVATIVES = {
    # name: (f, x, [f', f'', f'''])
    "exp": (exp_f, 0.7, [np.exp(0.7)] * 3),
    "sin": (sin_f, 0.7, [np.cos(0.7), -np.sin(0.7), -np.cos(0.7)]),
    "poly": (poly_f, -1.3, [5 * 1.3 ** 4 + 6 * 1.3 ** 2 - 1, -20 * 1.3 ** 3 - 12 * 1.3,
                            60 * 1.3 ** 2 + 12]),
    "horner_loop": (horner_loop, 0.7, [4 * 0.7 ** 3 + 2 * 0.7 + 2, 12 * 0.7 ** 2 + 2, 24 * 0.7]),
    "cube_or_sine_pos": (cube_or_sine, 0.7, [3 * 0.49, 6 * 0.7, 6.0]),
    "cube_or_sine_neg": (cube_or_sine, -0.7, [np.cos(0.7), np.sin(0.7), -np.cos(0.7)]),
    "loop_and_branch": (loop_and_branch, 0.6, [4 * 0.6 ** 3 + 3 * 0.36 + 1.2,
                                               12 * 0.36 + 3.6 + 2, 24 * 0.6 + 6]),
    "sqrt_by_newton": (sqrt_by_newton, 2.0, [0.5 * 2 ** -0.5, -0.25 * 2 ** -1.5,
                                             0.375 * 2 ** -2.5]),
}


def test_loop_and_branch_reference_is_right():
    # the hand-derived polynomial of loop_and_branch, by evaluation
    for x in (0.6, -1.1, 2.0):
        assert loop_and_branch(x) == pytest.approx(x ** 4 + x ** 3 + x ** 2, rel=1e-14)
        assert horner_loop(x) == pytest.approx(x ** 4 + x ** 2 + 2 * x + 3, rel=1e-14)


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_repeated_grad_is_exact(name):
    f, x, (d1, d2, d3) = DERIVATIVES[name]
    g1 = ad.grad(f)
    g2 = ad.grad(g1)
    g3 = ad.grad(g2)
    for k, (g, want) in enumerate(((g1, d1), (g2, d2), (g3, d3)), 1):
        got = g(x)
        assert abs(got - want) <= 1e-9 * max(1.0, abs(want)), \
            f"derivative {k} of {name} at {x}: {got!r}, want {want!r}\n{g.source}"


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_forward_over_forward_and_mixed_orders(name):
    """f'' as the JVP of the JVP code, and as the JVP of the gradient code."""
    f, x, (d1, d2, d3) = DERIVATIVES[name]
    df = ad.derivative(f, mode="forward")
    # df(x, dx) returns (f, f' dx): its JVP along (1, 0) returns (f', f'' dx) as tangent
    _, (first, second) = ad.jvp(df, (x, 1.0), (1.0, 0.0))
    assert abs(first - d1) <= 1e-9 * max(1.0, abs(d1)), f"{first} vs {d1}\n{df.source}"
    assert abs(second - d2) <= 1e-9 * max(1.0, abs(d2)), f"{second} vs {d2}\n{df.source}"
    _, second = ad.jvp(ad.grad(f), (x,), (1.0,))
    assert abs(second - d2) <= 1e-9 * max(1.0, abs(d2)), second
    # third: forward over reverse over reverse
    _, third = ad.jvp(ad.grad(ad.grad(f)), (x,), (1.0,))
    assert abs(third - d3) <= 1e-9 * max(1.0, abs(d3)), third


# ---------------------------------------------------------------- hvp


@pytest.mark.parametrize("name", sorted(VECTOR_CASES))
def test_hvp_equals_hessian_times_vector(name):
    f, x = VECTOR_CASES[name]
    v = np.random.default_rng(3).standard_normal(x.size)
    Hv = ad.hvp(f)(x, v)
    assert_close(Hv, fd_jacobian_of(ad.grad(f), x) @ v, 1e-5, 1e-6, what=f"Hv of {name} vs FD")
    assert_close(Hv, ad.hessian(f)(x) @ v, 1e-10, 1e-12, what=f"Hv of {name} vs H @ v")


def test_hvp_of_polynomial_exact_and_with_other_argument():
    v = np.array([1.0, -2.0, 0.5])
    assert_close(ad.hvp(mixed_monomials)(X, v), _exact_mixed(X) @ v, 1e-12, 1e-12)

    def weighted(w, x):
        return np.sum(w * x ** 3)
    w = np.array([0.5, 2.0, -1.0])
    # d2/dx2 = diag(6 w x); wrt the second argument, by name
    assert_close(ad.hvp(weighted, wrt=1)(w, X, v), 6 * w * X * v, 1e-12, 1e-12)
    assert_close(ad.hessian(weighted, wrt="x")(w, X), np.diag(6 * w * X), 1e-12, 1e-12)


def test_reverse_over_reverse_hessian():
    """``jacobian(grad(f), mode="reverse")``: the VJP of generated gradient code."""
    for name in ("tanh_recurrence", "softplus_branches", "online_logsumexp"):
        f, x = VECTOR_CASES[name]
        H = ad.jacobian(ad.grad(f), mode="reverse")(x)
        assert_close(H, fd_jacobian_of(ad.grad(f), x), 1e-5, 1e-6, what=name)
    H = ad.jacobian(ad.grad(mixed_monomials), mode="reverse")(X)
    assert_close(H, _exact_mixed(X), 1e-12, 1e-12)


# ------------------------------------------------------------ check_grads


def elementwise_recurrence(x):
    h = x
    for i in range(3):
        h = np.tanh(h * 0.8 + x * (i + 1))
    return np.sum(h ** 2)


def scalar_loop_with_branch(x):
    s = x
    for i in range(4):
        if s > 1.0:
            s = np.sqrt(s) + x * 0.5
        else:
            s = s * x + np.sin(s)
    return s


def two_args_branch(x, y):
    if x * y > 0:
        z = np.sin(x) * y ** 2
    else:
        z = np.exp(x - y)
    return z


CHECK = {
    "elementwise_recurrence": (elementwise_recurrence, (np.array([0.3, -0.4]),)),
    "scalar_loop_with_branch": (scalar_loop_with_branch, (0.9,)),
    "two_args_branch_pos": (two_args_branch, (0.7, 1.2)),
    "two_args_branch_neg": (two_args_branch, (0.7, -1.2)),
    "sqrt_by_newton": (sqrt_by_newton, (2.0,)),
}


def vector_valued(x, y):
    return np.tanh(x * y) + x ** 2


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", sorted(CHECK))
def test_check_grads_passes_on_correct_functions(name, order):
    f, args = CHECK[name]
    ad.check_grads(f, args, order=order)
    ad.check_grads(f, args, order=order, modes=("rev",))
    ad.check_grads(f, args, order=order, modes=("fwd",))


def test_check_grads_on_vector_output_and_third_order():
    ad.check_grads(vector_valued, (np.array([0.3, -0.7]), np.array([1.1, 0.4])), order=2)
    ad.check_grads(poly_f, (-1.3,), order=3)


def test_check_grads_catches_a_wrong_second_derivative():
    """A primitive whose first-order rules are right but whose VJP rule is
    not differentiable correctly (it uses a frozen copy of x) passes order 1
    and must fail order 2."""
    @ad.primitive
    def frozen_square(x):
        return x * x

    frozen_square.defvjp(lambda g, ans, x: g * 2.0 * ad.stop_gradient(x))
    frozen_square.defjvp(lambda dx, ans, x: dx * 2.0 * ad.stop_gradient(x))

    def f(x):
        return np.sum(frozen_square(x) * x)

    x = np.array([0.5, -1.5])
    ad.check_grads(f, (x,), order=1)
    with pytest.raises(AssertionError, match=r"order 1\).*tolerance rtol="):
        ad.check_grads(f, (x,), order=2)


# ------------------------------------------------ bugs found (minimised)


def sum_of_squares_loop(x):
    s = 0.0
    for v in x:
        s = s + v * v
    return s


def test_check_grads_order_2_through_a_loop_over_an_array():
    """check_grads(order=2) with the default modes runs forward mode over the
    generated backward half (``f_bwd``). That JVP gives the integer loop
    index a tangent, ``di = dt0[it]``, where ``t0`` is the saved ``range``
    whose tangent is None: TypeError 'NoneType' object is not subscriptable.
    (hessian() is fine: it differentiates the one-piece gradient.)"""
    x = np.array([0.6, -1.1, 0.2])
    assert_close(ad.hessian(sum_of_squares_loop)(x), 2 * np.eye(3), 1e-12, 1e-12)
    ad.check_grads(sum_of_squares_loop, (x,), order=2)


W2 = np.array([[0.5, -0.3], [0.2, 0.8]])


def squared_matvec(x):
    return np.sum((W2 @ x) ** 2)


def test_reverse_over_reverse_through_matmul():
    """Reverse mode over generated gradient code that contains ``matmul_vjp_y``
    raises NonDifferentiableError ('matmul_vjp_y: it has no derivative rule');
    forward over reverse (hessian) works. H = 2 WᵀW."""
    x = np.array([0.3, -0.7])
    assert_close(ad.hessian(squared_matvec)(x), 2 * W2.T @ W2, 1e-12, 1e-12)
    H = ad.jacobian(ad.grad(squared_matvec), mode="reverse")(x)
    assert_close(H, 2 * W2.T @ W2, 1e-12, 1e-12)


def cube_by_loop(x):
    y = x
    for _ in range(2):
        y = y * x
    return y


def test_forward_over_reverse_over_reverse_of_a_loop():
    """The third derivative of x**3 computed in a loop, as the JVP of
    grad(grad(f)) (also what hessian(grad(f)) computes), is 5 instead of 6;
    grad(grad(grad(f))) gives 6. In the JVP of grad_grad_f the tangent of
    ``bres_y = index_add(bres_y, i, by_1)`` is written
    ``dbres_y + getitem_vjp(dby_1, bres_y, i)``: for the *list* of residual
    adjoints ``+`` concatenates lists instead of adding them, and the later
    ``dbres_y[-1]`` reads the wrong element. Silently wrong numbers."""
    x = 0.7
    gg = ad.grad(ad.grad(cube_by_loop))
    assert gg(x) == pytest.approx(6 * x, rel=1e-12)
    assert ad.grad(gg)(x) == pytest.approx(6.0, rel=1e-12)
    assert ad.jvp(gg, (x,), (1.0,))[1] == pytest.approx(6.0, rel=1e-12), \
        ad.derivative(gg, mode="forward").source
    assert ad.hessian(ad.grad(cube_by_loop))(x) == pytest.approx(6.0, rel=1e-12)


def double_loop_products(x):
    s = 0.0
    for i in range(2):
        for j in range(2):
            s = s + x[i] * x[j] * np.sin(x[j])
    return s


def cumulative_products_in_place(x):
    y = x.copy()
    for i in range(1, 3):
        y[i] = y[i] * y[i - 1]
    return np.sum(y * y)


def _hessian_by_differences(f, x, h=1e-4):
    n = len(x)
    e = np.eye(n)
    return np.array([[(f(x + h * e[a] + h * e[b]) - f(x + h * e[a] - h * e[b])
                       - f(x - h * e[a] + h * e[b]) + f(x - h * e[a] - h * e[b])) / (4 * h * h)
                      for b in range(n)] for a in range(n)])


@pytest.mark.parametrize("f, x", [(double_loop_products, np.array([0.3, -0.8])),
                                  (cumulative_products_in_place, np.array([1.0, 2.0, 3.0]))],
                         ids=["nested loops", "item writes in a loop"])
def test_hessian_through_nested_loops_and_item_writes(f, x):
    """The gradient's code saves an inner loop's lists in the outer loop's
    after filling them, and reads an array the loop only writes items of
    from before the loop: differentiating that code again sees the values
    (this raised UnsupportedError on the gradient's own bookkeeping)."""
    assert_close(ad.hessian(f)(x), _hessian_by_differences(f, x), rtol=1e-5, atol=1e-6)
    g = ad.grad(f)
    v = np.array([0.7, -0.4, 0.2][:len(x)])
    assert_close(ad.jvp(g, (x,), (v,))[1], _hessian_by_differences(f, x) @ v,
                 rtol=1e-5, atol=1e-6)
