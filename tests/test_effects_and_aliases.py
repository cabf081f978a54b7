"""Writes that reach a value through another name: a helper that changes its
argument, a nested function that changes the caller's list, an array changed
after it was put in a container, a closure made from differentiated values.
Each is either followed (the gradient matches finite differences) or refused
with UnsupportedError at the user's line, never differentiated wrongly."""

import numpy as np
import pytest

import s2s_ad as ad
from tests.checks import assert_close, numeric_grad


def fill(buf, v):
    buf[0] = v


def writes_through_a_helper(x):
    buf = np.zeros(1)
    fill(buf, x)
    return buf[0] * 3.0


def push(lst, v):
    lst.append(v)


def appends_through_a_helper(x):
    acc = []
    push(acc, x * x)
    return acc[0]


def make_model(W):
    def model(x):
        return np.tanh(W @ x)
    return model


def closure_from_a_helper(W, x):
    return np.sum(make_model(W)(x) ** 2)


def make_scaler(a):
    return lambda t: a * t


def lambda_from_a_helper(a, x):
    sc = make_scaler(a)
    return sc(x)


def nested_def_appends(x):
    acc = []

    def add(v):
        acc.append(v)

    add(x)
    add(x * x)
    return sum(acc) + x


def nested_def_writes(x):
    out = np.zeros(2)

    def put(i, v):
        out[i] = v

    put(0, x)
    put(1, np.sin(x))
    return out[0] * out[1]


def written_after_put_in_a_list(x):
    a = np.zeros(2)
    lst = [a]
    a[1] = x
    return lst[0][1]


def written_after_put_in_a_dict(x):
    a = np.zeros(2)
    d = {"a": a}
    a[0] = x
    return d["a"][0]


def written_before_put_in_a_list(x):
    a = np.zeros(2)
    a[1] = x
    lst = [a]
    return lst[0][1] * x


def same_array_appended_each_step(x):
    buf = np.zeros(3)
    rows = []
    for i in range(3):
        buf[i] = x * i
        rows.append(buf)
    return np.sum(rows[0])


def new_array_appended_each_step(x):
    rows = []
    for i in range(3):
        buf = np.zeros(3)
        buf[i] = x * (i + 1)
        rows.append(buf)
    return np.sum(rows[1] * rows[2]) + np.sum(rows[0])


def row_appended_then_filled(x):
    grid = []
    for i in range(2):
        row = []
        grid.append(row)
        for j in range(2):
            row.append(x * (i + j))
    return grid[1][1]


def log_step(log, k):
    log.append(k)


def logs_constants_through_a_helper(x):
    log = []
    y = x
    for k in range(3):
        log_step(log, k)
        y = y * 1.5 + np.sin(y)
    return y + len(log)


# (function, arguments, in the message, the user's line shown: any of these)
def array_added_to_after_put_in_a_list(x):
    a = np.zeros(2)
    lst = [a]
    a += x
    return lst[0][1]


def descent_with_a_history(x):
    xs = [x]
    for _ in range(4):
        x -= 0.1 * np.sin(x)
        xs.append(x)
    return sum(xs) + xs[0] * xs[-1]


def in_a_list_on_one_branch_written_on_the_other(x):
    a = np.zeros(2)
    if x > 0:
        keep = [a]
        y = keep[0][0] + x
    else:
        a[0] = x
        y = a[0] * 2.0
    return y + x * x


REFUSED = [
    (writes_through_a_helper, (2.0,), "fill() ", ("buf[0] = v",)),
    (appends_through_a_helper, (2.0,), "push() ", ("lst.append(v)",)),
    # reverse mode refuses the call, forward mode the function returning the closure
    (closure_from_a_helper, (np.array([[0.5, -0.2], [0.1, 0.3]]), np.array([1.0, 2.0])),
     "function", ("make_model(W)(x)", "return model")),
    (lambda_from_a_helper, (0.7, 1.3), "function", ("sc(x)", "return lambda")),
    (written_after_put_in_a_list, (2.0,), "'a'", ("a[1] = x",)),
    (written_after_put_in_a_dict, (2.0,), "'a'", ("a[0] = x",)),
    (array_added_to_after_put_in_a_list, (2.0,), "'a'", ("a += x",)),
    (same_array_appended_each_step, (2.0,), "'buf'", ("for i in range(3)",)),
    (row_appended_then_filled, (2.0,), "'row'", ("row.append",)),
]


@pytest.mark.parametrize("f, args, text, lines", REFUSED,
                         ids=lambda v: getattr(v, "__name__", ""))
def test_refused_in_both_modes_at_the_users_line(f, args, text, lines):
    for run in (lambda: ad.value_and_grad(f)(*args),
                lambda: ad.jvp(f, args, tuple(np.ones_like(a) for a in args))):
        with pytest.raises(ad.UnsupportedError) as info:
            run()
        err = info.value
        assert err.filename == __file__ and text in str(err), str(err)
        assert any(line in (err.source_line or "") for line in lines), (err.source_line,
                                                                         str(err))


FOLLOWED = [nested_def_appends, nested_def_writes, written_before_put_in_a_list,
            new_array_appended_each_step, logs_constants_through_a_helper,
            # x -= ... on a number rebinds x: the list keeps the old number
            descent_with_a_history,
            in_a_list_on_one_branch_written_on_the_other]


@pytest.mark.parametrize("f", FOLLOWED, ids=lambda f: f.__name__)
def test_followed_in_both_modes(f):
    for x in (0.7, -1.3):
        value, g = ad.value_and_grad(f)(x)
        assert_close(value, f(x))
        assert_close(g, numeric_grad(f, (x,)))
        out, tangent = ad.jvp(f, (x,), (1.0,))
        assert_close(out, f(x))
        assert_close(tangent, numeric_grad(f, (x,)))


def unpacks_zip(pairs):
    xs, ys = zip(*pairs)  # noqa: B905 (as a user writes it)
    return xs[0] * ys[1]


def unpacks_reversed(xs):
    a, b = reversed(xs)
    return 2 * a + b


@pytest.mark.parametrize("f, line", [(unpacks_zip, "xs, ys = zip(*pairs)  # noqa: B905 (as a user writes it)"),
                                     (unpacks_reversed, "a, b = reversed(xs)")])
def test_unpacking_an_iterator_is_refused_at_the_users_line(f, line):
    """The generated code indexed the iterator (a TypeError from inside it)."""
    with pytest.raises(ad.UnsupportedError) as info:
        ad.grad(f)([1.0, 2.0] if f is unpacks_reversed else [(1.0, 2.0), (3.0, 4.0)])
    assert info.value.source_line.strip() == line and "iterator" in str(info.value)


def nested_def_appends_in_a_loop(x):
    acc = []

    def push(v):
        acc.append(v * v)

    for xi in x:
        push(xi)
    return sum(acc)


def nested_def_appends_to_its_parameter_in_a_loop(x):
    acc = []

    def push(lst, v):
        lst.append(v * v)

    for xi in x:
        push(acc, xi)
    return sum(acc)


def nested_def_writes_in_a_loop(x):
    out = np.zeros(3)

    def put(i, v):
        out[i] = v * 2.0

    for i in range(3):
        put(i, x[i] ** 2)
    return np.sum(out * out)


@pytest.mark.parametrize("f", [nested_def_appends_in_a_loop,
                               nested_def_appends_to_its_parameter_in_a_loop,
                               nested_def_writes_in_a_loop], ids=lambda f: f.__name__)
def test_a_nested_function_changing_a_list_in_a_loop(f):
    """The loop carries what a nested function called in it changes in place
    (the gradient was 0: the list the loop built was not carried out of it)."""
    x = np.array([0.3, -1.2, 0.5])
    value, g = ad.value_and_grad(f)(x)
    assert_close(value, f(x))
    assert_close(g, numeric_grad(f, (x,)))
    v = np.array([0.2, 1.0, -0.7])
    assert_close(ad.jvp(f, (x,), (v,))[1], numeric_grad(f, (x,)) @ v)


def adds_at(x):
    y = np.zeros(2)
    np.add.at(y, [0, 0, 1], x)
    return np.sum(y ** 2)


def negates_into(x):
    y = x * 1.0
    np.negative(y, out=y)
    return np.sum(y * x)


def shuffles(x):
    y = x * 1.0
    np.random.default_rng(0).shuffle(y)
    return y[0] * 10.0


def copies_into(x):
    y = np.zeros(3)
    np.copyto(y, x)
    return np.sum(y * y)


def counts_with_add_at(x):
    counts = np.zeros(3)
    np.add.at(counts, [0, 0, 2], 1.0)
    return np.sum(counts * x)


def concatenates_lists(x):
    parts = [x * 2.0] + [x * 3.0]
    return parts[1]


def repeats_a_list(x):
    return ([x] * 3)[2]


def concatenates_tuples(x):
    t = (x, 2 * x) + (3 * x,)
    return t[2]


@pytest.mark.parametrize("f, line", [
    (adds_at, "np.add.at(y, [0, 0, 1], x)"), (negates_into, "np.negative(y, out=y)"),
    (shuffles, "np.random.default_rng(0).shuffle(y)"), (copies_into, "np.copyto(y, x)"),
    (concatenates_lists, "parts = [x * 2.0] + [x * 3.0]"),
    (repeats_a_list, "return ([x] * 3)[2]"), (concatenates_tuples, "t = (x, 2 * x) + (3 * x,)")],
    ids=lambda v: getattr(v, "__name__", ""))
def test_in_place_numpy_calls_and_list_arithmetic_are_refused(f, line):
    """A NumPy call that writes into an argument, and + / * on lists and
    tuples, with differentiated values: refused in both modes (reverse mode
    dropped the write, or added the lists as numbers)."""
    x = np.array([1.0, 2.0, 3.0]) if f in (adds_at, negates_into, shuffles, copies_into) else 2.0
    t = np.ones(3) if isinstance(x, np.ndarray) else 1.0
    for run in (lambda: ad.grad(f)(x), lambda: ad.jvp(f, (x,), (t,))):
        with pytest.raises((ad.UnsupportedError, ad.NonDifferentiableError)) as info:
            run()
        assert info.value.source_line.strip() == line, str(info.value)


def test_an_in_place_call_on_values_not_differentiated_runs():
    x = np.array([1.0, 2.0, 3.0])
    assert_close(ad.grad(counts_with_add_at)(x), numeric_grad(counts_with_add_at, (x,)))


def reads_a_slice_after_writing_its_base(x):
    a = np.zeros(2)
    v = a[:]
    a[0] = x
    return np.sum(v)


def reads_a_reshape_after_writing_its_base(x):
    y = x * 1.0
    r = y.reshape(2, 2)
    y[3] = y[0] * 5
    return np.sum(r)


def reads_a_slice_of_a_parameter_after_writing_it(x):
    v = x[1:]
    x[1] = 7.0 * x[0]
    return np.sum(v) + np.sum(x)


def reads_a_view_in_a_loop_that_writes_its_base(x):
    a = np.zeros(3)
    v = a[1:]
    s = 0.0
    for i in range(3):
        s = s + v[0] * x
        a[1] = x * i
    return s


def reads_a_slice_before_writing(x):
    a = x * 1.0
    row = a[1:]
    s = np.sum(row)
    a[0] = 2.0 * x[1]
    return s + np.sum(a)


@pytest.mark.parametrize("f, x, line", [
    (reads_a_slice_after_writing_its_base, 3.0, "return np.sum(v)"),
    (reads_a_reshape_after_writing_its_base, np.arange(1.0, 5.0), "return np.sum(r)"),
    (reads_a_slice_of_a_parameter_after_writing_it, np.arange(1.0, 5.0),
     "return np.sum(v) + np.sum(x)"),
    (reads_a_view_in_a_loop_that_writes_its_base, 2.0, "for i in range(3):")],
    ids=lambda v: getattr(v, "__name__", ""))
def test_a_view_read_after_its_base_was_written_is_refused(f, x, line):
    """A slice, .T or reshape shares memory with its base: written in place
    after the view was taken, the base changes the view, which the IR does
    not follow (the gradient and, in forward mode, the value were wrong)."""
    t = np.ones_like(x) if isinstance(x, np.ndarray) else 1.0
    for run in (lambda: ad.grad(f)(x), lambda: ad.jvp(f, (x,), (t,))):
        with pytest.raises(ad.UnsupportedError) as info:
            run()
        assert info.value.source_line.strip() == line, str(info.value)


def test_a_view_read_before_its_base_is_written_is_followed():
    x = np.array([1.0, 2.0, 3.0])
    f = reads_a_slice_before_writing
    assert_close(ad.grad(f)(x), numeric_grad(f, (x,)))
    assert_close(ad.jvp(f, (x,), (np.ones(3),))[1], numeric_grad(f, (x,)) @ np.ones(3))
