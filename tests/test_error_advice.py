"""What an error about a construct without a derivative tells the user to
do depends on the construct: an attribute of an object, a method of the
user's class, a function passed in as a value, a primitive with a rule for
one mode only. And a derivative s2s_ad made may be called from code being
differentiated (its generated code is read like any function's)."""

import collections

import numpy as np
import pytest

import s2s_ad as ad
from tests.checks import assert_close, numeric_grad

Params = collections.namedtuple("Params", "k c")


def field_reads(p, x):
    return p.k * x ** 2 + p.c


class Net:
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        return np.tanh(self.w * x)

    def loss(self, x):
        return self.forward(x) ** 2


def apply_twice(fn, x):
    return fn(fn(x))


@ad.primitive
def soft_clip(x):
    return np.tanh(x)


soft_clip.defvjp(lambda g, ans, x: g * (1 - ans ** 2))


def uses_soft_clip(x):
    return soft_clip(x) * 3.0


def item_of_a_sum(x):
    return (x ** 2).sum().item()


@pytest.mark.parametrize("run, says", [
    (lambda: ad.grad(field_reads)(Params(1.5, 0.3), 2.0), "namedtuple, dataclass"),
    (lambda: ad.grad(Net.loss, wrt=1)(Net(0.7), 0.5), "methods of your own classes"),
    (lambda: ad.grad(apply_twice, wrt=1)(np.sin, 0.5), "'fn', a function value"),
    (lambda: ad.jvp(uses_soft_clip, (0.5,), (1.0,)), "soft_clip.defjvp(...)"),
    (lambda: ad.grad(item_of_a_sum)(np.array([1.0, 2.0])), "array method .item()"),
], ids=["attribute", "method", "function value", "vjp only", "array method"])
def test_the_error_says_what_to_do_for_the_construct(run, says):
    with pytest.raises(ad.NonDifferentiableError) as info:
        run()
    assert says in str(info.value) and info.value.filename == __file__, str(info.value)
    assert "register one with @s2s_ad.primitive" not in str(info.value).lower() \
        or says in ("methods of your own classes", "array method .item()")


def sin_times(x):
    return np.sin(x) * x


d_sin_times = ad.grad(sin_times)


def square_of_a_derivative(x):
    return d_sin_times(x) ** 2


def test_a_derivative_called_inside_a_differentiated_function():
    for x in (0.5, -1.2):
        assert_close(ad.grad(square_of_a_derivative)(x),
                     numeric_grad(square_of_a_derivative, (x,)))
        out, tangent = ad.jvp(square_of_a_derivative, (x,), (1.0,))
        assert_close(out, square_of_a_derivative(x))
        assert_close(tangent, numeric_grad(square_of_a_derivative, (x,)))
