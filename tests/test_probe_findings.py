"""Programs an outside user wrote that s2s_ad got wrong or refused needlessly
(each checked against central finite differences in both modes)."""

import numpy as np
import pytest

import s2s_ad as ad
from tests.checks import assert_close, numeric_grad


def clipped_product(a, b, c):
    return max(a, b, c) * min(a, 2.0 * b, c, 0.5)


def soft_floor(x, y):
    return min(x * x, y, 1.5, x + y) + max(0.0, x - y, y - 2.0 * x)


def max_of_displays(a, b, c):
    return max([a * 2, b, c ** 2]) + min((a, b))


@pytest.mark.parametrize("f, args", [(clipped_product, (0.3, 0.9, 0.6)),
                                     (max_of_displays, (0.3, 0.5, 1.2)),
                                     (max_of_displays, (0.9, -0.5, 0.2)),
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


def labelled_nll(W, X, labels):
    logits = X @ W
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(labels)), labels])


def test_vjp_with_integer_labels_gives_them_no_cotangent():
    """vjp differentiates every argument; an integer array (labels) has no
    derivative: its cotangent is None (it was a TypeError)."""
    rng = np.random.default_rng(0)
    W, X = rng.standard_normal((3, 4)), rng.standard_normal((5, 3))
    labels = np.array([0, 2, 1, 3, 0])
    out, pullback = ad.vjp(labelled_nll, W, X, labels)
    assert_close(out, labelled_nll(W, X, labels))
    gW, gX, g_labels = pullback(1.0)
    assert g_labels is None
    assert_close(gW, numeric_grad(labelled_nll, (W, X, labels), 0))
    assert_close(gX, numeric_grad(labelled_nll, (W, X, labels), 1))


def adds_a_key(x):
    d = {"a": x}
    d["b"] = 1.5
    return d["a"] * d["b"]


def adds_a_key_it_does_not_read(x):
    d = {"a": x}
    d["b"] = 1.0
    return d["a"] * 2.0


def extends_a_parameter_dict(p):
    q = {"w": p["w"], "b": p["b"]}
    q["extra"] = p["w"] * 2.0
    return np.sum(q["w"] * q["extra"]) + q["b"] * q["b"]


def test_a_key_added_to_a_dict():
    """The cotangents of a dict before and after d[k] = v have different keys
    (it was a KeyError in add_grads / index_add)."""
    for f in (adds_a_key, adds_a_key_it_does_not_read):
        for x in (0.7, -1.1):
            value, g = ad.value_and_grad(f)(x)
            assert_close(value, f(x))
            assert_close(g, numeric_grad(f, (x,)))
            assert_close(ad.jvp(f, (x,), (1.0,))[1], numeric_grad(f, (x,)))
    p = {"w": np.array([1.0, -2.0, 0.5]), "b": 0.3}
    g = ad.grad(extends_a_parameter_dict)(p)
    assert sorted(g) == ["b", "w"]  # the parameter's keys, not the added one
    assert_close(g["w"], numeric_grad(lambda w: extends_a_parameter_dict({"w": w, "b": 0.3}),
                                      (p["w"],)))
    assert_close(g["b"], numeric_grad(lambda b: extends_a_parameter_dict({"w": p["w"], "b": b}),
                                      (0.3,)))


def sums_reversed(xs, ys):
    return sum(x * y for x, y in zip(xs, ys, strict=True)) + sum(reversed(xs))


def reversed_in_a_loop(xs):
    t = 0.0
    for i, v in enumerate(reversed(xs)):
        t = t + i * v
    return t


def test_reversed_zip_and_enumerate_are_not_constants():
    """They carry values: outside a for loop (which iterates them by index)
    their result had no derivative, silently (sum(reversed(xs)) gave 0)."""
    with pytest.raises(ad.NonDifferentiableError, match="reversed"):
        ad.grad(sums_reversed)([1.0, 2.0], [3.0, 4.0])
    xs = [1.0, 2.0, 3.0]
    got = ad.grad(reversed_in_a_loop)(xs)
    want = numeric_grad(lambda a: reversed_in_a_loop(list(a)), (np.array(xs),))
    assert_close(np.array(got), want)


square, cube = (lambda x: x ** 2), (lambda x: x ** 3)
LAMBDAS = {"double": lambda x: x * 2.0, "cube": lambda x: x ** 3}


@pytest.mark.parametrize("f", [square, cube, LAMBDAS["double"], LAMBDAS["cube"]],
                         ids=["square", "cube", "dict double", "dict cube"])
def test_lambdas_sharing_a_line(f):
    """Each lambda is transformed from its own source (the second of a line
    was transformed from the first's: the column of the code's first
    instruction, 0, picked the first lambda)."""
    for x in (0.7, -1.3):
        assert_close(ad.grad(f)(x), numeric_grad(f, (x,)))
        assert_close(ad.jvp(f, (x,), (1.0,))[1], numeric_grad(f, (x,)))


def lambda_bound_in_a_for_loop(x):
    tot = 0.0
    for k in range(2):
        g = lambda y: y * 2.0 + k  # noqa: E731, B023 (as a user writes it)
        tot = tot + g(x) * x
    return tot + g(x)


def lambda_bound_in_a_while_loop(x):
    tot = 0.0
    k = 0
    while k < 3:
        h = lambda y: y ** 2  # noqa: E731
        tot = tot + h(x)
        k = k + 1
    return tot


@pytest.mark.parametrize("f", [lambda_bound_in_a_for_loop, lambda_bound_in_a_while_loop],
                         ids=lambda f: f.__name__)
def test_a_lambda_bound_to_a_name_in_a_loop(f):
    """It is inlined where it is called, not carried by the loop as a value
    (an AttributeError from codegen)."""
    for x in (1.5, -0.4):
        value, g = ad.value_and_grad(f)(x)
        assert_close(value, f(x))
        assert_close(g, numeric_grad(f, (x,)))
        assert_close(ad.jvp(f, (x,), (1.0,))[1], numeric_grad(f, (x,)))


def power_with_an_integer_argument(x, n):
    return x ** n


def weighted_least_squares(x, w):
    A = np.array([[1.0, 2.0], [0.5, 1.0], [2.0, 0.1]])
    r = A @ x - np.array([1.0, 0.0, 2.0])
    return np.sum((np.sqrt(w) * r) ** 2)


def test_forward_mode_leaves_out_zero_tangents():
    """A parameter whose tangent is zero is a constant of the forward code: its
    zero never multiplies an infinite partial derivative (log(x) of x ** n at
    x < 0; 1 / sqrt(w) at w = 0), which gave NaN in jvp, jacobian in forward
    mode, hessian and hvp."""
    f = power_with_an_integer_argument
    out, t = ad.jvp(f, (-0.5, 3), (1.0, 0.0))
    assert_close(out, f(-0.5, 3))
    assert_close(t, numeric_grad(lambda x: f(x, 3), (-0.5,)))
    assert_close(ad.hessian(f)(-0.5, 3),
                 numeric_grad(lambda x: numeric_grad(lambda y: f(y, 3), (x,)), (-0.5,)),
                 rtol=1e-5)
    x, w = np.array([0.3, 0.2]), np.array([1.0, 0.0, 2.0])
    H = ad.hessian(weighted_least_squares)(x, w)
    assert np.all(np.isfinite(H))
    for i in range(2):
        row = numeric_grad(lambda y: numeric_grad(weighted_least_squares, (y, w))[i], (x,))
        assert_close(H[i], row, rtol=1e-4, atol=1e-6)
    out, t = ad.jvp(f, (1.5, 2.0), (0.0, 0.0))  # every tangent zero
    assert out == f(1.5, 2.0) and t == 0.0


WEIGHTS = np.array([1.0, 2.0, 3.0, 4.0])


def weighted_cumprod(a):
    return np.sum(np.cumprod(a) * WEIGHTS)


def squared_row_cumprods(a):
    return np.sum(np.cumprod(a, axis=1) ** 2)


@pytest.mark.parametrize("f, a", [
    (weighted_cumprod, np.array([0.5, 2.0, 0.0, 3.0])),
    (weighted_cumprod, np.array([0.0, 2.0, 0.0, 3.0])),
    (weighted_cumprod, np.array([0.5, 2.0, 1.5, 3.0])),
    (squared_row_cumprods, np.array([[0.5, 0.0, 2.0], [1.5, -0.5, 0.0]]))],
    ids=["one zero", "two zeros", "no zero", "rows"])
def test_cumprod_with_zero_elements(f, a):
    """The derivative through a zero element of np.cumprod (its rules divided
    by the element: inf or NaN)."""
    g = ad.grad(f)(a)
    assert_close(g, numeric_grad(f, (a,)))
    v = np.random.default_rng(9).standard_normal(a.shape)
    assert_close(ad.jvp(f, (a,), (v,))[1], np.sum(numeric_grad(f, (a,)) * v))
    if a.ndim == 1 and np.all(a != 0):
        H = ad.hessian(f)(a)
        for i in range(len(a)):
            assert_close(H[i], numeric_grad(lambda y: numeric_grad(f, (y,))[i], (a,)),
                         rtol=1e-4, atol=5e-3)  # (nested differences: about 1e-3 absolute)


def product_of_entries(x):
    return np.prod(x)


def squared_row_products(x):
    return np.sum(np.prod(x.reshape(2, 2), axis=1) ** 2)


@pytest.mark.parametrize("f, x", [(product_of_entries, np.array([0.3, 0.5, 0.2])),
                                  (product_of_entries, np.array([0.3, 0.0, 0.2])),
                                  (squared_row_products, np.array([0.5, 1.5, 2.0, -0.5]))],
                         ids=["no zero", "a zero", "rows"])
def test_second_order_through_prod(f, x):
    """np.prod's VJP helper (prod_of_others) has rules: its Jacobian, the
    products of all but two elements (it raised NonDifferentiableError)."""
    H = ad.hessian(f)(x)
    for i in range(len(x)):
        assert_close(H[i], numeric_grad(lambda y: numeric_grad(f, (y,))[i], (x,)),
                     rtol=1e-4, atol=5e-3)


def total_of(*vals):
    return vals[0] * vals[1]


def keyword_bag(**p):
    return p["a"] * 2.0


def calls_through_star_args(x):
    return total_of(x, 3.0)


def calls_through_star_kwargs(x):
    return keyword_bag(a=x)


@pytest.mark.parametrize("f", [calls_through_star_args, calls_through_star_kwargs],
                         ids=["*args", "**kwargs"])
def test_a_helper_taking_differentiated_values_by_star_parameters_is_refused(f):
    """Reverse mode took the call for a constant (gradient 0; fourth probe)."""
    with pytest.raises(ad.UnsupportedError, match="named parameters"):
        ad.grad(f)(2.0)


def gradient_with_a_differentiated_spacing(dx):
    return np.sum(np.gradient(np.array([0.0, 1.0, 4.0, 9.0]), dx))


try:
    from scipy import special as scipy_special
    from scipy import stats as scipy_stats
except ImportError:  # (SciPy is optional)
    scipy_special = scipy_stats = None


def student_t_cdf_in_its_degrees_of_freedom(nu):
    return scipy_stats.t.cdf(0.5, nu)


def incomplete_gamma_in_its_shape(a):
    return scipy_special.gammainc(a, 1.5)


@pytest.mark.parametrize("f, x, name", [
    (gradient_with_a_differentiated_spacing, 0.5, "varargs"),
    (student_t_cdf_in_its_degrees_of_freedom, 3.5, "df"),
    (incomplete_gamma_in_its_shape, 2.3, "'a'")],
    ids=["np.gradient spacing", "t.cdf df", "gammainc a"])
def test_a_differentiated_argument_outside_a_rule_is_refused(f, x, name):
    """A NumPy or SciPy rule covers some parameters; a differentiated value
    bound to another one was taken as a constant (gradient 0, in both modes;
    fourth probe)."""
    if scipy_stats is None and f is not gradient_with_a_differentiated_spacing:
        pytest.skip("SciPy is not installed")
    for run in (lambda: ad.grad(f)(x), lambda: ad.jvp(f, (x,), (1.0,))):
        with pytest.raises(ad.NonDifferentiableError, match=name):
            run()


def solve_with_a_constant_matrix(b):
    L = np.array([[2.0, 0.0], [0.5, 1.5]])
    return np.sum(scipy_linalg.solve_triangular(L, b, lower=True) ** 2)


def gaussian_loglik_with_a_constant_covariance(m):
    C = np.array([[1.0, 0.3], [0.3, 2.0]])
    return scipy_stats.multivariate_normal.logpdf(np.array([0.1, -0.2]), m, C)


try:
    from scipy import linalg as scipy_linalg
except ImportError:  # (SciPy is optional)
    scipy_linalg = None


@pytest.mark.parametrize("f", [solve_with_a_constant_matrix,
                               gaussian_loglik_with_a_constant_covariance],
                         ids=lambda f: f.__name__)
def test_forward_mode_of_a_rule_with_a_constant_argument(f):
    """A JVP template whose shared statements read the tangent of an argument
    that has none gets zeros for it (a NameError from inside the rule;
    fourth probe)."""
    if scipy_linalg is None:
        pytest.skip("SciPy is not installed")
    x, v = np.array([1.0, 2.0]), np.array([1.0, -1.0])
    assert_close(ad.jvp(f, (x,), (v,))[1], numeric_grad(f, (x,)) @ v)


def multiply(a, b):
    return a * b


def calls_a_helper_with_a_star_tuple(x):
    args = (x, 3.0)
    return multiply(*args)


def test_forward_mode_refuses_star_arguments_to_a_helper_clearly():
    """As reverse mode does (it was a TypeError from inside the transform)."""
    with pytest.raises(ad.UnsupportedError, match=r"\*args"):
        ad.jvp(calls_a_helper_with_a_star_tuple, (2.0,), (1.0,))
    with pytest.raises(ad.UnsupportedError, match=r"\*args"):
        ad.grad(calls_a_helper_with_a_star_tuple)(2.0)


@ad.primitive
def scaled_by(x, k):
    return x * k


# the VJP for k forgets to sum its cotangent back to k's shape (a number)
scaled_by.defvjp(lambda g, ans, x, k: g * k, lambda g, ans, x, k: g * x)
scaled_by.defjvp(lambda dx, ans, x, k: dx * k, lambda dk, ans, x, k: dk * x)


def uses_scaled_by(x, k):
    return scaled_by(x, k)


def test_check_grads_catches_a_cotangent_of_the_wrong_shape():
    """Its inner products broadcast a (3,) cotangent of a number without
    complaint (fourth probe)."""
    with pytest.raises(AssertionError, match="shape"):
        ad.check_grads(uses_scaled_by, (np.array([1.0, 2.0, 3.0]), 0.5))
