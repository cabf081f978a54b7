"""Bad input gets a clear error naming the construct and the user's file:line,
never a wrong gradient."""

import math

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad import NonDifferentiableError, SourceUnavailableError, UnsupportedError

HERE = __file__


def _line_of(fn, text):
    import inspect
    lines, first = inspect.getsourcelines(fn)
    for i, line in enumerate(lines):
        if text in line:
            return first + i
    raise AssertionError(text)


def uses_try(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open("f") as fh:  # noqa: F841
        return x


def uses_global(x):
    global COUNTER
    return x


def uses_walrus(x):
    return (y := x * 2) + y


def uses_del(x):
    y = x
    del y
    return x


def uses_attribute_assignment(x):
    x.attr = 1.0
    return x


def uses_yield(x):
    yield x


def uses_class(x):
    class A:
        pass
    return x


def uses_fstring(x):
    print(f"{x}")
    return x


def uses_kwargs(x, **options):
    return x


def uses_set(x):
    s = {x}
    return x + len(s)


@pytest.mark.parametrize("fn, construct, marker", [
    (uses_try, "try/except", "try:"),
    (uses_with, "with", "with open"),
    (uses_global, "global statements", "global COUNTER"),
    (uses_walrus, "the walrus operator (:=)", "y := x"),
    (uses_del, "del", "del y"),
    (uses_attribute_assignment, "attribute assignment", "x.attr"),
    (uses_yield, "yield (generators)", "yield x"),
    (uses_class, "class definitions", "class A"),
    (uses_fstring, "f-strings", 'f"{x}"'),
    (uses_kwargs, "**kwargs parameters", "def uses_kwargs"),
    (uses_set, "set displays", "{x}"),
])
def test_unsupported_constructs_name_construct_and_line(fn, construct, marker):
    with pytest.raises(UnsupportedError) as info:
        ad.grad(fn)
    err = info.value
    assert err.construct == construct
    assert err.filename == HERE
    assert err.lineno == _line_of(fn, marker)
    assert f"{HERE}:{err.lineno}" in str(err) and construct in str(err)


def calls_opaque_builtin(x):
    return math.gamma(x) * 2.0


def test_call_without_rule_names_the_function_and_says_how_to_register():
    with pytest.raises(NonDifferentiableError) as info:
        ad.grad(calls_opaque_builtin)(1.5)
    msg = str(info.value)
    assert "math.gamma" in msg and "s2s_ad.primitive" in msg
    assert info.value.lineno == _line_of(calls_opaque_builtin, "math.gamma")


def inactive_unknown_call(x, n):
    k = math.gamma(n)        # no rule, but it does not depend on x
    print("debug", n)        # side effects on inactive values are kept
    return x * k


def test_unknown_call_on_inactive_values_is_just_executed(capsys):
    assert ad.grad(inactive_unknown_call)(2.0, 4.0) == math.gamma(4.0)
    assert "debug 4.0" in capsys.readouterr().out


def test_builtin_has_no_source():
    with pytest.raises(SourceUnavailableError, match="not a Python function with source"):
        ad.grad(math.sin)
    with pytest.raises(TypeError):  # SourceUnavailableError is a TypeError too
        ad.grad(np.exp)


def test_function_without_source_file():
    ns = {}
    exec(compile("def typed_at_repl(x):\n    return x * x\n", "<stdin>", "exec"), ns)
    with pytest.raises(SourceUnavailableError, match="cannot read the source"):
        ad.grad(ns["typed_at_repl"])


def max_of_a_list(xs):
    return max(xs)


def test_a_call_its_rule_does_not_cover_shows_the_form_the_rule_covers():
    with pytest.raises(UnsupportedError) as info:
        ad.grad(max_of_a_list)([1.0, 2.0])
    assert "max(x, y)" in str(info.value)
    assert info.value.lineno == _line_of(max_of_a_list, "return max(xs)")
