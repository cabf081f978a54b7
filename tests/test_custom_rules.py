"""User primitives (``@ad.primitive`` with ``defvjp``/``defjvp``),
``stop_gradient`` and ``check_grads`` catching a wrong rule.

The rule is used *instead of* the body: ``logsumexp`` below has a ``try:``
block, which s2s_ad rejects, so any attempt to transform its body would
raise; its derivatives must still work, and the generated code must call
``logsumexp.vjp(...)`` / ``logsumexp.jvp(...)``. References are closed forms
(softmax for the gradient of logsumexp, ``diag(p) - p pᵀ`` for its Hessian,
the sigmoid and its derivatives for softplus) and central finite
differences.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import s2s_ad as ad

from .checks import assert_close, numeric_grad

# ------------------------------------------------------------- logsumexp


@ad.primitive
def logsumexp(x):
    """Numerically stable log(sum(exp(x))); the try: block keeps s2s_ad out."""
    try:
        m = np.max(x)
    except ValueError:       # empty input
        return -np.inf
    return m + np.log(np.sum(np.exp(x - m)))


logsumexp.defvjp(lambda g, ans, x: g * np.exp(x - ans))
logsumexp.defjvp(lambda dx, ans, x: np.sum(dx * np.exp(x - ans)))


@ad.primitive
def lse(x):
    """The same primitive under a name no library rule uses (s2s_ad's scipy
    rules register a ``logsumexp`` too), so the tests of loops and higher
    orders cannot be broken by a naming clash; see
    ``test_primitive_named_like_a_numpy_function``."""
    try:
        m = np.max(x)
    except ValueError:
        return -np.inf
    return m + np.log(np.sum(np.exp(x - m)))


lse.defvjp(lambda g, ans, x: g * np.exp(x - ans))
lse.defjvp(lambda dx, ans, x: np.sum(dx * np.exp(x - ans)))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def lse_loss(x):
    return logsumexp(x * 2.0) + np.sum(x)


def lse_loss_2(x):
    return lse(x * 2.0) + np.sum(x)


def lse_in_loop(x, w):
    s = 0.0
    for i in range(3):
        s = s + lse(x * (i + 1.0) + w) * (0.5 + i)
    return s


def lse_in_while(x):
    s = 0.0
    k = 0.0
    while k < 3.0:
        s = s + lse(x * s + k)
        k = k + 1.0
    return s


def test_the_body_cannot_be_transformed():
    for prim in (logsumexp, lse):
        with pytest.raises(ad.UnsupportedError, match="try"):
            ad.grad(prim.fn)


def test_logsumexp_gradient_uses_the_rule():
    x = np.array([0.5, -1.0, 2.0])
    df = ad.grad(lse_loss)
    assert "logsumexp.vjp(" in df.source, df.source
    assert_close(df(x), 2.0 * softmax(2.0 * x) + 1.0, 1e-12, 1e-14)
    assert_close(df(x), numeric_grad(lse_loss, (x,)), 1e-6, 1e-8)


def test_logsumexp_is_stable_at_large_inputs():
    x = np.array([1000.0, 1001.0, 999.0])
    with np.errstate(all="raise"):
        g = ad.grad(lse_loss)(x)
        out, t = ad.jvp(lse_loss, (x,), (np.array([1.0, 0.0, -1.0]),))
    p = softmax(2.0 * x)
    assert np.all(np.isfinite(g))
    assert_close(g, 2.0 * p + 1.0, 1e-12, 1e-14)
    assert out == pytest.approx(2002.0 + np.log(np.sum(np.exp(2 * x - 2002.0))) + 3000.0, rel=1e-15)
    assert t == pytest.approx(2.0 * (p[0] - p[2]), rel=1e-12)


def test_logsumexp_forward_mode_uses_the_rule():
    x = np.array([0.5, -1.0, 2.0])
    v = np.array([0.3, 1.0, -0.7])
    df = ad.derivative(lse_loss, mode="forward")
    assert "logsumexp.jvp(" in df.source, df.source
    out, t = ad.jvp(lse_loss, (x,), (v,))
    assert out == pytest.approx(lse_loss(x), rel=1e-14)
    assert t == pytest.approx(2.0 * softmax(2.0 * x) @ v + np.sum(v), rel=1e-12)


def test_lse_hessian_through_the_rules():
    """The rules are differentiable code, so the Hessian comes out of
    differentiating them: H = 4 (diag(p) - p pᵀ) with p = softmax(2x)."""
    x = np.array([0.1, 0.2, -0.3])
    p = softmax(2.0 * x)
    H = ad.hessian(lse_loss_2)(x)
    assert_close(H, 4.0 * (np.diag(p) - np.outer(p, p)), 1e-12, 1e-14)
    v = np.array([1.0, -0.5, 2.0])
    assert_close(ad.hvp(lse_loss_2)(x, v), 4.0 * (p * v - p * (p @ v)), 1e-12, 1e-14)
    assert_close(ad.jacobian(ad.grad(lse_loss_2), mode="reverse")(x),
                 4.0 * (np.diag(p) - np.outer(p, p)), 1e-12, 1e-14)


def test_primitive_inside_loops():
    x, w = np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.0, -0.2])
    gx, gw = ad.grad(lse_in_loop, wrt=(0, 1))(x, w)
    assert "lse.vjp(" in ad.grad(lse_in_loop, wrt=(0, 1)).source
    # closed form: sum_i c_i (i+1) softmax((i+1) x + w) for x, sum_i c_i softmax(...) for w
    ex = sum((0.5 + i) * (i + 1.0) * softmax(x * (i + 1.0) + w) for i in range(3))
    ew = sum((0.5 + i) * softmax(x * (i + 1.0) + w) for i in range(3))
    assert_close(gx, ex, 1e-12, 1e-14)
    assert_close(gw, ew, 1e-12, 1e-14)
    v = np.array([0.2, -0.4, 1.0])
    _, t = ad.jvp(lse_in_loop, (x, w), (v, np.zeros(3)))
    assert t == pytest.approx(ex @ v, rel=1e-12)
    src = ad.derivative(lse_in_loop, mode="forward").source
    assert src.count("for ") == 1 and "lse.jvp(" in src, src


def test_primitive_inside_a_while_loop():
    x = np.array([0.3, -0.2, 0.1])
    assert_close(ad.grad(lse_in_while)(x), numeric_grad(lse_in_while, (x,)), 1e-6, 1e-8)
    v = np.array([1.0, 2.0, -1.0])
    _, t = ad.jvp(lse_in_while, (x,), (v,))
    fd = (lse_in_while(x + 1e-6 * v) - lse_in_while(x - 1e-6 * v)) / 2e-6
    assert t == pytest.approx(fd, rel=1e-6)
    H = ad.hessian(lse_in_while)(x)
    g = ad.grad(lse_in_while)
    fdH = np.stack([(g(x + e) - g(x - e)) / 2e-6 for e in np.eye(3) * 1e-6], axis=-1)
    assert_close(H, fdH, 1e-5, 1e-7)


# ----------------------------------------- higher order through a primitive


@ad.primitive
def softplus(x):
    return np.log1p(np.exp(x))


softplus.defvjp(lambda g, ans, x: g / (1.0 + np.exp(-x)))
softplus.defjvp(lambda dx, ans, x: dx / (1.0 + np.exp(-x)))


def three_softplus(x):
    return softplus(x) * 3.0


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@pytest.mark.parametrize("x", [0.4, -1.3])
def test_repeated_grad_through_a_primitive(x):
    s = sigmoid(x)
    g1 = ad.grad(three_softplus)
    g2 = ad.grad(g1)
    g3 = ad.grad(g2)
    assert g1(x) == pytest.approx(3 * s, rel=1e-12)
    assert g2(x) == pytest.approx(3 * s * (1 - s), rel=1e-12), g2.source
    assert g3(x) == pytest.approx(3 * s * (1 - s) * (1 - 2 * s), rel=1e-10), g3.source
    assert ad.hessian(three_softplus)(x) == pytest.approx(3 * s * (1 - s), rel=1e-12)
    _, t = ad.jvp(g2, (x,), (1.0,))
    assert t == pytest.approx(3 * s * (1 - s) * (1 - 2 * s), rel=1e-10)


# ------------------------------------------------ multi-argument primitives


@ad.primitive
def scaled_power(x, k):
    return x ** k


scaled_power.defvjp(lambda g, ans, x, k: g * k * x ** (k - 1), None)
scaled_power.defjvp(lambda dx, ans, x, k: dx * k * x ** (k - 1), None)


@ad.primitive
def weighted_hypot(a, b, w):
    return w * np.sqrt(a * a + b * b)


# rules as named functions (see test_two_lambda_rules_in_one_call for lambdas)
def _hypot_vjp_a(g, ans, a, b, w):
    return g * w * a / np.sqrt(a * a + b * b)


def _hypot_vjp_b(g, ans, a, b, w):
    return g * w * b / np.sqrt(a * a + b * b)


def _hypot_jvp_a(da, ans, a, b, w):
    return da * w * a / np.sqrt(a * a + b * b)


def _hypot_jvp_b(db, ans, a, b, w):
    return db * w * b / np.sqrt(a * a + b * b)


weighted_hypot.defvjp(_hypot_vjp_a, _hypot_vjp_b)
weighted_hypot.defjvp(_hypot_jvp_a, _hypot_jvp_b)


def uses_scaled_power(x, k):
    return scaled_power(x, k) * 2.0 + x


def uses_weighted_hypot(a, b, w):
    return weighted_hypot(a * 2.0, b, w) + a * b


def test_none_vjp_for_a_non_differentiable_argument():
    x, k = 1.5, 3
    df = ad.grad(uses_scaled_power)
    assert df(x, k) == pytest.approx(2 * 3 * 1.5 ** 2 + 1, rel=1e-14)
    assert "scaled_power.vjp" in df.source, df.source
    # the None rule: k contributes nothing (autograd's convention for None)
    assert ad.grad(uses_scaled_power, wrt=1)(x, 3.0) == 0.0
    _, t = ad.jvp(uses_scaled_power, (x, 3.0), (1.0, 1.0))
    assert t == pytest.approx(2 * 3 * 1.5 ** 2 + 1, rel=1e-14)
    assert ad.grad(ad.grad(uses_scaled_power))(x, k) == pytest.approx(2 * 6 * 1.5, rel=1e-12)


def test_primitive_with_two_differentiable_arguments():
    a, b, w = 0.6, -0.8, 2.5
    ga, gb = ad.grad(uses_weighted_hypot, wrt=(0, 1))(a, b, w)
    r = np.hypot(2 * a, b)
    assert ga == pytest.approx(w * 2 * (2 * a) / r + b, rel=1e-13)
    assert gb == pytest.approx(w * b / r + a, rel=1e-13)
    # jvp: the contributions of both arguments are summed
    _, t = ad.jvp(uses_weighted_hypot, (a, b, w), (0.3, -1.2, 0.0))
    assert t == pytest.approx(0.3 * ga - 1.2 * gb, rel=1e-12)
    # w has no rule: it is treated as non-differentiable
    assert ad.grad(uses_weighted_hypot, wrt=2)(a, b, w) == 0.0


def test_rules_must_cover_the_same_arguments():
    @ad.primitive
    def two(a, b):
        return a * b
    two.defvjp(lambda g, ans, a, b: g * b, None)
    with pytest.raises(TypeError):
        two.defjvp(None, lambda db, ans, a, b: db * a)
    with pytest.raises(TypeError):
        two.defvjp(lambda g, ans, a, b: g * b, None, None)


# ------------------------------------------------------------ stop_gradient


def x_times_frozen_x(x):
    return x * ad.stop_gradient(x)


def frozen_in_loop(x):
    y = x
    for _ in range(3):
        y = y * ad.stop_gradient(y) + x
    return y


def frozen_normaliser(x):
    return np.sum(x / ad.stop_gradient(np.sum(x * x)))


def test_stop_gradient():
    x = 3.0
    assert ad.grad(x_times_frozen_x)(x) == pytest.approx(3.0)        # not 2x
    assert ad.jvp(x_times_frozen_x, (x,), (1.0,)) == pytest.approx((9.0, 3.0))
    assert ad.hessian(x_times_frozen_x)(x) == 0.0
    v = np.array([0.5, -1.0, 2.0])
    assert_close(ad.grad(frozen_normaliser)(v), np.full(3, 1.0 / np.sum(v * v)), 1e-14, 0)


def test_stop_gradient_in_a_loop():
    # y_{k+1} = c_k y_k + x, with c_k = the value of y_k (frozen); dy/dx = c2 (c1 (c0 + 1) + 1) + 1
    x = 0.7
    ys = [x]
    for _ in range(3):
        ys.append(ys[-1] * ys[-1] + x)
    expected = ys[2] * (ys[1] * (ys[0] + 1) + 1) + 1
    assert ad.grad(frozen_in_loop)(x) == pytest.approx(expected, rel=1e-13)
    assert ad.jvp(frozen_in_loop, (x,), (1.0,))[1] == pytest.approx(expected, rel=1e-13)


# ------------------------------------------------------------- check_grads


@ad.primitive
def cube_wrong_vjp(x):
    return x ** 3


cube_wrong_vjp.defvjp(lambda g, ans, x: g * 3.0 * x)          # wrong: 3 x**2
cube_wrong_vjp.defjvp(lambda dx, ans, x: dx * 3.0 * x * x)


@ad.primitive
def cube_wrong_jvp(x):
    return x ** 3


cube_wrong_jvp.defvjp(lambda g, ans, x: g * 3.0 * x * x)
cube_wrong_jvp.defjvp(lambda dx, ans, x: dx * 3.0 * x)        # wrong: 3 x**2


def uses_wrong_vjp(x):
    return np.sum(cube_wrong_vjp(x))


def uses_wrong_jvp(x):
    return cube_wrong_jvp(x) + x


def test_check_grads_names_the_wrong_forward_entry():
    x = np.array([1.0, -0.5, 2.0])
    with pytest.raises(AssertionError) as info:
        ad.check_grads(uses_wrong_jvp, (x,))
    msg = str(info.value)
    # entry 2 has the largest error: |3x - 3x^2| v is largest where x = 2
    assert "forward" in msg and "finite differences" in msg, msg
    entry = msg.split("entry ", 1)[1].split(":", 1)[0]
    assert re.sub(r"np\.int64\((\d+)\)", r"\1", entry) == "(2,)", msg
    assert "rtol=" in msg and "atol=" in msg, msg
    # the values quoted are the forward and finite-difference tangents there
    v = np.random.default_rng(0).standard_normal(3)
    fd2 = 3 * x[2] ** 2 * v[2] + v[2]
    assert f"{fd2:.6g}"[:6] in msg.replace("np.float64(", ""), (fd2, msg)


def test_check_grads_catches_a_wrong_vjp():
    x = np.array([1.0, -0.5, 2.0])
    ad.check_grads(uses_wrong_vjp, (x,), modes=("fwd",))      # the JVP rule is right
    with pytest.raises(AssertionError, match=r"reverse.*rtol=.*atol="):
        ad.check_grads(uses_wrong_vjp, (x,))
    with pytest.raises(AssertionError, match=r"reverse"):
        ad.check_grads(uses_wrong_vjp, (x,), modes=("rev",))


def test_check_grads_passes_with_correct_rules_to_order_two():
    x = np.array([0.5, -1.0, 2.0])
    ad.check_grads(lse_loss_2, (x,), order=2)
    ad.check_grads(three_softplus, (0.4,), order=2)
    ad.check_grads(hypot_of_two, (0.6, -0.8), order=2)


def hypot_of_two(a, b):
    # w is fixed: weighted_hypot has no rule for it, and check_grads perturbs
    # every float argument
    return uses_weighted_hypot(a, b, 2.5)


# --------------------------------------------------- bugs found (minimised)


@ad.primitive
def square(x):
    return x * x


square.defvjp(lambda g, ans, x: g * 2.0 * x)
square.defjvp(lambda dx, ans, x: dx * 2.0 * x)


def uses_square(x):
    return np.sum(square(x) * x)


def test_primitive_named_like_a_numpy_function():
    """Regression: a user primitive whose name is also the name of a rule or
    runtime helper (``square``; also ``exp``, ``sin``, ``tanh``, ``clip``,
    ``where``, ``unbroadcast``, and with the scipy rules ``logsumexp``) was
    renamed ``square_1`` in the generated code while ``square_1`` was bound
    to another function: AttributeError: 'function' object has no attribute
    'vjp' (and 'jvp'). Fixed in aad51e7 (helper names claimed first)."""
    x = np.array([0.5, -1.5])
    assert_close(ad.grad(uses_square)(x), 3 * x ** 2, 1e-14, 0)
    _, t = ad.jvp(uses_square, (x,), (np.ones(2),))
    assert t == pytest.approx(np.sum(3 * x ** 2), rel=1e-14)


@ad.primitive
def times_ab(a, b):
    return a * b


times_ab.defvjp(lambda g, ans, a, b: g * b,
                lambda g, ans, a, b: g * a)
times_ab.defjvp(lambda da, ans, a, b: da * b,
                lambda db, ans, a, b: db * a)


def uses_times_ab(a, b):
    return times_ab(a, b) * a * b


@pytest.mark.parametrize("wrt", [0, 1])
def test_two_lambda_rules_in_one_call(wrt):
    """Regression: rules given autograd-style, one lambda per argument in one
    ``defvjp(...)`` call over two lines. First order worked; differentiating
    the rules again (a Hessian) raised SourceUnavailableError -- for the first
    lambda 'cannot tell which lambda on this line to transform' (there is one
    lambda on its line), for the second "cannot parse the source of
    '<lambda>': unmatched ')'". f = a**2 b**2."""
    a, b = 0.5, 2.0
    assert ad.grad(uses_times_ab, wrt=wrt)(a, b) == pytest.approx(
        2 * a * b * b if wrt == 0 else 2 * a * a * b, rel=1e-14)
    expected = 2 * b * b if wrt == 0 else 2 * a * a
    assert ad.hessian(uses_times_ab, wrt=wrt)(a, b) == pytest.approx(expected, rel=1e-14)


def test_check_grads_differentiates_containers_of_parameters():
    # a wrong rule reached through a dict argument must be caught, not skipped
    @ad.primitive
    def half_wrong(w):
        return np.sum(w ** 2)

    half_wrong.defvjp(lambda g, ans, w: g * w)          # should be 2 g w
    half_wrong.defjvp(lambda dw, ans, w: np.sum(2 * w * dw))

    def through_dict(p):
        return half_wrong(p["a"]) + np.sum(p["b"] ** 3)

    params = {"a": np.array([1.0, -0.5]), "b": np.array([0.3])}
    with pytest.raises(AssertionError, match="reverse"):
        ad.check_grads(through_dict, (params,))

    def right(p):
        return np.sum(p["a"] ** 2) + np.sum(p["b"] ** 3)

    ad.check_grads(right, (params,))


def test_grad_of_a_primitive_uses_its_rules():
    @ad.primitive
    def cube(x):
        return x ** 3

    cube.defvjp(lambda g, ans, x: 3 * g * x ** 2)
    cube.defjvp(lambda dx, ans, x: 3 * dx * x ** 2)
    assert ad.grad(cube)(2.0) == pytest.approx(12.0, rel=1e-14)
    assert ad.jvp(cube, (2.0,), (1.0,))[1] == pytest.approx(12.0, rel=1e-14)
    ad.check_grads(cube, (0.7,), order=2)
