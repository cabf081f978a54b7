"""Containers, calls to user functions, local functions and writes into
arrays, against central finite differences."""

import numpy as np
import pytest

import s2s_ad as ad
from tests.checks import assert_close, check_grad, numeric_grad

rng = np.random.default_rng(7)


# ---------------------------------------------------------------- user functions

def helper_sq(a, scale=2.0):
    return a * a * scale


def helper_pair(a, b):
    return a * b, a + b


def calls_helpers(x):
    y = helper_sq(x) + helper_sq(x, scale=3.0)
    p, s = helper_pair(y, x)
    for _ in range(3):
        y = y + helper_sq(y * 0.1)
    return y + p * s


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def calls_with_kwargs(x, w):
    return helper_sq(a=x * w, scale=w)


def test_calls_to_user_functions():
    check_grad(calls_helpers, (0.7,))


def helper_cube_minus(a, b):
    return a ** 3 - np.sin(b) * a


def loop_of_helper_calls(x, y, n):
    total = 0.0
    for i in range(n):
        total = total + helper_cube_minus(x * i, y)
    return total


def test_calls_with_numbers_use_the_callees_number_variant():
    """Called with numbers, a user function is specialised to numbers and
    its result is known to be a number in the caller: no unbroadcast, no
    add_grads, no value saved only for its shape, on either side."""
    df = check_grad(loop_of_helper_calls, (0.7, -0.4, 4), wrt=(0, 1))
    source = df.source_for(0.7, -0.4, 4)
    assert "unbroadcast" not in source and "add_grads" not in source, source
    assert "res_total" not in source, source
    from s2s_ad import api
    pair = api._cache_entry(helper_cube_minus)[("split", (0, 1), "nn")]
    assert "unbroadcast" not in pair.source and "sum_to_scalar" not in pair.source, pair.source


def test_recursion():
    df = check_grad(power, (1.3, 5))
    assert "power_fwd" in df.source and "power_bwd" in df.source


def test_keyword_arguments_and_defaults():
    check_grad(calls_with_kwargs, (0.7, 1.3), wrt=(0, 1))


def test_imported_module_function():
    from tests import functions_for_import as lib
    check_grad(lib.uses_other_module, (np.array([0.3, -0.2]),))


# ---------------------------------------------------------------- local functions

def uses_lambda_and_nested_def(x, w):
    sq = lambda t, p=2: t ** p  # noqa: E731

    def layer(v):
        h = np.tanh(v * w)
        if np.sum(h) > 0:
            return h * 2.0
        return h

    return np.sum(sq(layer(x)) + sq(x, p=3))


def test_lambda_and_nested_def_are_inlined():
    x, w = rng.normal(size=3), 0.8
    df = check_grad(uses_lambda_and_nested_def, (x, w), wrt=(0, 1))
    code = [line for line in df.source.splitlines() if not line.strip().startswith("#")]
    assert not any("layer(" in line for line in code)  # inlined, not called


def recursive_local(x):
    def f(n):
        return x if n == 0 else x * f(n - 1)
    return f(3)


def test_recursive_local_function_is_rejected():
    with pytest.raises(ad.UnsupportedError, match="recursive nested functions"):
        ad.grad(recursive_local)


# ---------------------------------------------------------------- containers

def mlp(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(logp * y, axis=1))


def test_parameter_dict_gradient_has_its_structure():
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5),
              "W2": rng.normal(size=(5, 3)), "b2": rng.normal(size=3)}
    x = rng.normal(size=(6, 4))
    y = np.eye(3)[rng.integers(0, 3, size=6)]
    g = ad.grad(mlp)(params, x, y)
    assert isinstance(g, dict) and g.keys() == params.keys()
    for k in params:
        expected = numeric_grad(lambda v, k=k: mlp({**params, k: v}, x, y), (params[k],), 0)
        assert_close(g[k], expected, rtol=1e-5, what=k)


def nested_params(p, x):
    (w1, b1), layers = p[0], p[1]
    h = x * w1 + b1
    for layer in layers:
        h = np.sin(h * layer["scale"])
    return np.sum(h ** 2)


def test_nested_tuples_lists_dicts():
    p = ((0.5, 0.1), [{"scale": 1.2}, {"scale": -0.7}])
    x = np.array([0.3, -0.4])
    g = ad.grad(nested_params)(p, x)
    assert isinstance(g, tuple) and isinstance(g[1], list) and isinstance(g[1][0], dict)
    flat = [(lambda v: nested_params(((v, 0.1), p[1]), x), 0.5, g[0][0]),
            (lambda v: nested_params(((0.5, v), p[1]), x), 0.1, g[0][1]),
            (lambda v: nested_params((p[0], [{"scale": v}, p[1][1]]), x), 1.2,
             g[1][0]["scale"]),
            (lambda v: nested_params((p[0], [p[1][0], {"scale": v}]), x), -0.7,
             g[1][1]["scale"])]
    for f, v, got in flat:
        assert_close(got, numeric_grad(f, (v,), 0), rtol=1e-6)


def appends_and_sums(x, n):
    xs = []
    for i in range(n):
        xs.append(x * i)
    ys = xs          # an alias sees the append below
    ys.append(x * x)
    return np.sum(np.array(xs)) + sum(ys) + len(xs)


def test_list_append_sum_and_alias():
    df = check_grad(appends_and_sums, (0.7, 4))
    assert "xs.append(" in df.source  # the function's own list: appended in place


def sums_a_list_twice(xs, x):
    acc = [x * 2.0, x]
    total = 0.0
    for _ in range(2):
        total = total + sum(acc) * sum(xs)
    return total * sum(xs)


def test_list_cotangents_add_by_item_not_by_concatenation():
    """``sum`` reads its argument as a sequence: a list's two cotangents
    (from a parameter and from a list built in the function and read in a
    loop) are added item by item. With ``+`` they were concatenated: the
    gradient of ``sum(xs) * sum(xs)`` came out as four items, and the
    gradient through ``acc`` read in a loop as 0."""
    xs, x = [0.5, -1.5], 0.7
    df = ad.grad(sums_a_list_twice, wrt=(0, 1))
    gxs, gx = df(xs, x)
    assert isinstance(gxs, list) and len(gxs) == 2
    for i in range(2):
        def item(t, i=i):
            return sums_a_list_twice(xs[:i] + [t] + xs[i + 1:], x)
        assert_close(gxs[i], numeric_grad(item, (xs[i],), 0), 1e-6, 1e-8, what=f"xs[{i}]")
    assert_close(gx, numeric_grad(sums_a_list_twice, (xs, x), 1), 1e-6, 1e-8, what="x")
    assert "add_grads(" in df.source


def appends_to_argument(xs, x):
    xs.append(x)
    return sum(xs)


def test_appending_to_an_argument_does_not_mutate_it():
    xs = [1.0, 2.0]
    g = ad.grad(appends_to_argument, wrt=1)(xs, 3.0)
    assert g == 1.0 and xs == [1.0, 2.0]


def comprehensions(x):
    a = sum(x[i] * i for i in range(len(x)))
    b = np.array([v * v for v in x if v > 0])
    c = np.stack([np.sin(v) * w for v in x for w in (1.0, 2.0)])
    return a + np.sum(b) + np.sum(c ** 2)


def stacks_and_concatenates(x, y):
    s = np.stack([x, y * 2, x * y], axis=1)
    c = np.concatenate([x, y[:2], np.array([np.sum(x)])])
    d = np.concatenate([s, s * s], axis=0)
    return np.sum(s * np.arange(3.0)) + np.sum(c ** 2) + np.sum(np.tanh(d))


def test_stack_and_concatenate():
    x, y = rng.normal(size=4), rng.normal(size=4)
    check_grad(stacks_and_concatenates, (x, y), wrt=(0, 1))


def test_comprehensions_and_generator_expressions():
    check_grad(comprehensions, (np.array([0.5, -0.3, 2.0]),))


def tuple_unpacking(x):
    a, (b, c) = x * 2, (x + 1, x * x)
    d, e = helper_pair(a, c)
    return d * b + e


def test_tuple_unpacking_from_displays_and_calls():
    check_grad(tuple_unpacking, (0.6,))


# ---------------------------------------------------------------- writes into arrays

def writes(x):
    y = np.zeros(3)
    y[0] = x[0] * 2
    y[1] = x[1] * y[0]
    y[2] += np.sin(x[2])
    return np.sum(y * y)


def recurrence(x, n):
    y = np.zeros(n)
    y[0] = x
    for i in range(1, n):
        y[i] = y[i - 1] * 0.9 + x * y[i - 1]
    return np.sum(y)


def writes_argument(x):
    x[0] = 5.0
    return np.sum(x * x)


def copy_then_write(x):
    y = x * 1.0        # a new array, not an alias of x
    z = y
    z[0] = 0.0         # y sees it too
    return np.sum(y * x)


def view_read_before_write(x):
    y = x * 1.0
    s = y[0:2]         # a view of y
    t = s * s          # read before the write below changes s
    y[0] = 10.0
    return np.sum(t) + np.sum(y * x)


@pytest.mark.parametrize("fn, args", [
    (writes, (np.array([0.5, -0.3, 1.2]),)),
    (recurrence, (0.7, 6)),
    (copy_then_write, (np.array([1.0, 2.0]),)),
    (view_read_before_write, (np.array([1.0, 2.0, 3.0]),)),
])
def test_writes_into_arrays(fn, args):
    check_grad(fn, args)


def test_writing_into_an_argument_copies_it():
    x = np.array([1.0, 2.0])
    g = ad.grad(writes_argument)(x)
    assert_close(g, np.array([0.0, 4.0]))
    assert_close(x, np.array([1.0, 2.0]))  # the caller's array is untouched
    assert "x = x.copy()" in ad.grad(writes_argument).source


def writes_into_view(x):
    y = x * 1.0
    v = y[1:]
    v[0] = 3.0
    return np.sum(y)


def test_writing_into_a_view_is_rejected():
    with pytest.raises(ad.UnsupportedError, match="view of another array"):
        ad.grad(writes_into_view)


def model(x, a, b, c=1.0):
    return np.sin(x * a) + b * x * c


def passes_args_through(x, *args):
    return np.sum(model(x, *args) ** 2)


def test_star_args_passed_through():
    x = np.array([0.3, -0.4])
    df = ad.grad(passes_args_through)
    assert_close(df(x, 1.5, 0.7), numeric_grad(lambda v: passes_args_through(v, 1.5, 0.7), (x,)))
    assert_close(df(x, 1.5, 0.7, 2.0),
                 numeric_grad(lambda v: passes_args_through(v, 1.5, 0.7, 2.0), (x,)))
    assert "def grad_passes_args_through(x, *args):" in df.source


def test_differentiating_through_star_args_is_refused():
    def f(a, b):
        return model(1.0, *(a, b))
    with pytest.raises(ad.UnsupportedError, match=r"\*args"):
        ad.grad(f)(0.5, 0.2)


def sum_of_cubes_by_element(x):
    s = 0.0
    for v in x:
        s = s + v ** 3
    return s


def test_in_place_accumulation_is_differentiable_again():
    # the gradient adds each element's cotangent into one array in place
    # (index_add); its derivative (forward over reverse) is the exact Hessian
    x = np.array([0.5, -1.0, 2.0])
    df = ad.grad(sum_of_cubes_by_element)
    assert "index_add(" in df.source
    assert_close(df(x), 3 * x ** 2)
    assert_close(ad.hessian(sum_of_cubes_by_element)(x), np.diag(6 * x))


def concatenated(x):
    return np.sum(np.concatenate([x, x * x]) ** 2)


def test_second_derivative_through_concatenate():
    # f = sum(x^2) + sum(x^4): H = diag(2 + 12 x^2), in both orders of composition
    x = np.array([0.5, -1.0, 2.0])
    assert_close(ad.hessian(concatenated)(x), np.diag(2 + 12 * x ** 2))
    rev_rev = ad.jacobian(ad.grad(concatenated), mode="reverse")(x)
    assert_close(rev_rev, np.diag(2 + 12 * x ** 2))


def sums_a_list(x):
    return sum([x * x, np.sin(x), x ** 3]) * 2.0


def test_second_and_third_derivatives_through_sum_of_a_list():
    # f = 2 (x^2 + sin x + x^3): f'' = 2 (2 - sin x + 6x), f''' = 2 (-cos x + 6)
    x = 0.7
    assert_close(ad.hessian(sums_a_list)(x), 2 * (2 - np.sin(x) + 6 * x))
    third = ad.grad(ad.grad(ad.grad(sums_a_list)))(x)
    assert_close(third, 2 * (-np.cos(x) + 6))
