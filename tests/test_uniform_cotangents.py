"""The cotangent of a full reduction's operand kept as a number
(``s2s_ad/ad/uniform.py``): every way such a cotangent is used, each gradient
compared with central finite differences, and the generated code checked
for what the pass should (and should not) remove."""

import numpy as np
import pytest

import s2s_ad
from tests.checks import assert_close, numeric_grad


def sum_of_shifted(x):
    return np.sum(x + 1.0)                  # the uniform cotangent is the gradient


def scaled_sum(x):
    return 3.0 * np.sum(x)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def sum_of_matvec(A, x):
    return np.sum(np.tanh(A @ x))          # into a matrix product: made an array


def sum_of_broadcast_product(a, b):
    return np.sum(a * b)                    # b (1, n) broadcast against a (m, n)


def sum_keepdims(x):
    s = np.sum(x * x, keepdims=True)
    return float(np.sum(s * x))


def keepdims_meets_vector(A, v):
    s = np.sum(A ** 2, keepdims=True)       # a (1, 1) cotangent, spread over A
    return np.sum(np.sin(s * 2.0) * v) + np.sum(s * 3.0)


def nested_sums(x):
    return np.sum(np.sum(x ** 2, axis=0))   # spread over a partial sum's operand


def mean_then_partial(x, y):
    return np.mean(np.sum(y * np.log(x), axis=1))


def two_sums_one_value(x):
    return np.sum(x) + np.sum(2.0 * x) + np.mean(x * x)


def sum_in_loop(x, w):
    s = 0.0
    for i in range(3):
        s = s + np.sum(x * w) * i
        x = np.sin(x)
    return s


def sum_in_branch(x):
    if np.sum(x) > 0:
        y = np.sum(x ** 3)
    else:
        y = np.sum(np.exp(x))
    return y


def sum_of_slices(x):
    return np.sum(x[1:] * x[:-1]) + np.sum(x[::2])


def sum_of_where(x):
    return np.sum(np.where(x > 0, x, 0.1 * x) ** 2)


def sum_then_reused(x):
    t = x * x
    return np.sum(t) * np.sum(t + x)


def method_sum(x):
    return (x * x).sum() + x.mean()


def sum_of_list(xs):
    return np.sum(xs) * 2.0


def sum_divided(x):
    return 1.0 / np.sum(np.exp(x)) + np.sum(x / (1.0 + x * x))


def _rng():
    return np.random.default_rng(7)


CASES = [
    (sum_of_shifted, lambda r: (r.standard_normal(5),), (0,)),
    (scaled_sum, lambda r: (r.standard_normal((3, 4)),), (0,)),
    (rosenbrock, lambda r: (r.uniform(-1.5, 1.5, 7),), (0,)),
    (sum_of_matvec, lambda r: (r.standard_normal((3, 4)), r.standard_normal(4)), (0, 1)),
    (sum_of_broadcast_product, lambda r: (r.standard_normal((3, 4)), r.standard_normal((1, 4))),
     (0, 1)),
    (sum_keepdims, lambda r: (r.standard_normal((2, 3)),), (0,)),
    (nested_sums, lambda r: (r.standard_normal((3, 4)),), (0,)),
    (keepdims_meets_vector, lambda r: (0.3 * r.standard_normal((2, 3)), r.standard_normal(4)),
     (0, 1)),
    (mean_then_partial, lambda r: (r.uniform(0.5, 2.0, (4, 3)), r.uniform(0, 1, (4, 3))), (0, 1)),
    (two_sums_one_value, lambda r: (r.standard_normal(6),), (0,)),
    (sum_in_loop, lambda r: (r.standard_normal(4), r.standard_normal(4)), (0, 1)),
    (sum_in_branch, lambda r: (r.standard_normal(5),), (0,)),
    (sum_of_slices, lambda r: (r.standard_normal(7),), (0,)),
    (sum_of_where, lambda r: (r.standard_normal(6),), (0,)),
    (sum_then_reused, lambda r: (r.standard_normal(5),), (0,)),
    (method_sum, lambda r: (r.standard_normal((2, 3)),), (0,)),
    (sum_divided, lambda r: (r.standard_normal(5),), (0,)),
]


@pytest.mark.parametrize("f, make, wrt", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("kind", ["grad", "value_and_grad", "vjp"])
def test_gradient_matches_finite_differences(f, make, wrt, kind):
    args = make(_rng())
    expected = tuple(numeric_grad(f, args, i) for i in wrt)
    if kind == "grad":
        got = s2s_ad.grad(f, wrt=wrt)(*args)
    elif kind == "value_and_grad":
        value, got = s2s_ad.value_and_grad(f, wrt=wrt)(*args)
        assert_close(value, f(*args))
    else:
        value, pullback = s2s_ad.vjp(f, *args)
        got = tuple(pullback(np.float64(1.0))[i] for i in wrt)
    assert_close(got, expected, rtol=1e-5, atol=1e-7, what=f"{kind} {f.__name__}")


def test_gradient_of_a_list_argument():
    xs = [0.5, -1.0, 2.0]
    got = s2s_ad.grad(sum_of_list)(xs)
    assert_close(np.asarray(got, dtype=float),
                 numeric_grad(lambda v: sum_of_list(list(v)), (np.array(xs),)))


def test_pullback_of_a_zero_dimensional_cotangent_scales():
    x = _rng().standard_normal(5)
    _, pullback = s2s_ad.vjp(rosenbrock, x)
    assert_close(pullback(np.array(2.5))[0], 2.5 * numeric_grad(rosenbrock, (x,)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_keeps_shape_and_a_floating_dtype(dtype):
    x = _rng().standard_normal(6).astype(dtype)
    g = s2s_ad.grad(sum_of_shifted)(x)
    assert g.shape == x.shape and g.dtype.kind == "f"
    assert_close(g, numeric_grad(sum_of_shifted, (x.astype(np.float64),)), rtol=1e-5)


def test_hessian_through_a_uniform_cotangent():
    x = _rng().standard_normal(5)
    h = s2s_ad.hessian(rosenbrock)(x)
    # central differences of central differences (a quartic: step 1e-4 is exact
    # to about 1e-7), independent of any gradient s2s_ad makes
    expected = np.stack([numeric_grad(lambda v, k=k: numeric_grad(rosenbrock, (v,), eps=1e-4)[k],
                                      (x,), eps=1e-4) for k in range(5)])
    assert_close(h, expected, rtol=1e-5, atol=1e-6)


def _code(src):
    """The generated lines without the ``# grad of:`` comments (which quote
    the user's code)."""
    return "\n".join(line for line in src.splitlines() if not line.strip().startswith("#"))


def test_the_loss_is_not_computed_for_its_gradient():
    """Only the shape of ``100 (..)² + (..)²`` was read: the sum's operand
    and the squares that only fed it are gone, and so is the array of ones."""
    src = _code(s2s_ad.grad(rosenbrock).source)
    forward = src.split("bout = 1.0")[0]
    assert "unreduce" not in src
    assert forward.count("** 2") == 1  # x[:-1] ** 2 stays: the backward reads x[:-1]
    assert "100.0" not in forward
    assert "bout * 100.0" in src  # the cotangent of the first square, a number


def test_an_array_is_made_only_where_needed():
    # tanh's VJP multiplies by (1 - h ** 2), an array of the sum's operand's shape
    assert "unreduce" not in _code(s2s_ad.grad(sum_of_matvec, wrt=(0, 1)).source)
    # returned as the gradient: made, of the shape of x (not of x + 1.0, not computed)
    src = _code(s2s_ad.grad(sum_of_shifted).source)
    assert "unreduce(bout, x, None)" in src and "x + 1.0" not in src
    # read in a loop's backward body: made there, once per iteration
    src = _code(s2s_ad.grad(sum_in_loop, wrt=(0, 1)).source)
    assert src.count("unreduce(") == 1


def test_shape_reads_move_to_a_value_the_backward_reads_anyway():
    def loss(w, y):
        return np.mean(np.log1p(np.exp(-y * w)))
    src = _code(s2s_ad.grad(loss).source)
    assert "log1p" not in src   # np.size reads exp's result, which the VJP reads anyway
    w, y = _rng().standard_normal(4), np.sign(_rng().standard_normal(4))
    assert_close(s2s_ad.grad(loss)(w, y), numeric_grad(loss, (w, y)))


def test_a_shape_is_not_read_from_a_value_one_branch_defines():
    """A value of the right class bound only on the other branch's path must
    not stand in for the one the shape is read from (found by the
    control-flow property test: ``np.mean(a)`` on the path where the loop
    that rebinds ``a`` does not run)."""
    def f(a, n):
        if n <= 0:
            return np.mean(a) + n
        for i in range(2):
            a = a + 0.5
        return np.mean(a[:, 1]) + n
    a = _rng().standard_normal((2, 3))
    for n in (0, 1):
        assert_close(s2s_ad.grad(f)(a, n), numeric_grad(f, (a, n)))
        _, pullback = s2s_ad.vjp(f, a, n)
        assert_close(pullback(1.0)[0], numeric_grad(f, (a, n)))


def per_step_loss(x, w):
    loss = 0.0
    for i in range(4):
        x = np.tanh(x * w)
        loss = loss + np.sum((x - 0.5) ** 2)
    return loss


def test_a_loop_saves_no_operand_read_only_for_its_shape():
    """``(x - 0.5) ** 2`` is read only for the shape of its sum's cotangent,
    which stays a number: the loop saves ``x - 0.5`` (its square's VJP reads
    it) but not the square."""
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal(3), rng.standard_normal(3)
    df = s2s_ad.grad(per_step_loss, wrt=(0, 1))
    assert_close(df(x, w), (numeric_grad(per_step_loss, (x, w), 0),
                            numeric_grad(per_step_loss, (x, w), 1)))
    src = _code(df.source)
    assert src.count(".append(") == 3 and src.count("= res_") == 3
    assert "unreduce" not in src
    _, pullback = s2s_ad.vjp(per_step_loss, x, w)
    assert_close(pullback(1.0), (numeric_grad(per_step_loss, (x, w), 0),
                                 numeric_grad(per_step_loss, (x, w), 1)))


def abs_squared_plus(x):
    return np.sum(np.abs(x - 0.5) ** 2 + x)


def test_a_rule_helper_registered_elementwise_keeps_its_operands_shape():
    """np.abs's cotangent comes from a helper (abs_cotangent_vjp, for complex
    inputs) registered as elementwise: its result has its operands' shape, so
    the sum's number cotangent added to it stays a number (no unreduce)."""
    x = np.random.default_rng(11).standard_normal(7)
    df = s2s_ad.grad(abs_squared_plus)
    assert_close(df(x), numeric_grad(abs_squared_plus, (x,)))
    assert "unreduce" not in df.source, df.source
