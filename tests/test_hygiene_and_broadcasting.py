"""Generated names never capture or shadow the user's; broadcasting in every
binary operation, in both operand orders, sums cotangents back to shape."""

import numpy as np
import pytest

import s2s_ad as ad
from tests.checks import assert_close, check_grad, numeric_grad

# Module globals whose names look like generated ones.
_t0 = 0.5
bx = 2.0
cond = 3.0
stack = 1.5
grad = 0.25
t0 = 4.0
unbroadcast = "not the runtime helper"
zeros_like = "not the runtime helper either"
require_scalar = None


def uses_generated_looking_globals(x):
    return np.sum(x * _t0 + bx * x * x + cond * np.sin(x) + stack * t0 + grad * x ** 3)


def uses_generated_looking_locals(x, bx):
    _t0 = x * bx
    cond = _t0 > 0
    res_x = np.where(cond, _t0, -_t0)
    by = res_x * 2.0
    t1 = by + x
    bt1 = t1 * t1
    stack = [bt1, by]
    return np.sum(stack[0]) + np.sum(stack[1])


def shadows_numpy_name(x):
    np = 3.0  # the user's np is a float here, not numpy
    return x * x * np


def test_globals_that_look_generated():
    check_grad(uses_generated_looking_globals, (np.array([0.3, -0.7]),))


def test_locals_that_look_generated():
    check_grad(uses_generated_looking_locals, (np.array([0.3, -0.7]), 1.5), wrt=(0, 1))


def test_user_np_is_not_numpy():
    df = check_grad(shadows_numpy_name, (0.4,))
    assert df(0.4) == pytest.approx(2.4)


def test_generated_names_never_collide_with_user_names():
    for fn in (uses_generated_looking_globals, uses_generated_looking_locals):
        src = ad.grad(fn).source
        user = ad.grad(fn)._primal.fn.reserved
        generated = {line.split("=")[0].strip() for line in src.splitlines()
                     if "=" in line and not line.strip().startswith(("#", "def", "return"))}
        for name in generated:
            for part in name.split(","):
                part = part.strip()
                if "[" in part or "." in part:
                    continue
                # a generated name may equal a user name only for the user's own variable
                if part in user:
                    assert part in ad.grad(fn)._primal.fn.locals, (part, src)


SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((2, 3), (2, 1)), ((), (2, 3)),
          ((4, 1, 3), (2, 1))]


def add(a, b):
    return np.sum(np.sin(a + b))


def sub(a, b):
    return np.sum(np.sin(a - b))


def mul(a, b):
    return np.sum(np.sin(a * b))


def div(a, b):
    return np.sum(np.sin(a / (b * b + 1.0)))


def pow_(a, b):
    return np.sum(np.sin((a * a + 1.0) ** b))


def maximum(a, b):
    return np.sum(np.maximum(a, b) ** 2)


def arctan2(a, b):
    return np.sum(np.arctan2(a, b + 3.0))


def divide_by_keepdims_reduction(a, b):
    return np.sum(np.tanh(a * b / np.sum(a * a + 1.0, axis=-1, keepdims=True)))


@pytest.mark.parametrize("op", [add, sub, mul, div, pow_, maximum, arctan2,
                                divide_by_keepdims_reduction], ids=lambda f: f.__name__)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("swap", [False, True], ids=["ab", "ba"])
def test_broadcasting_in_every_binary_op(op, shapes, swap):
    rng = np.random.default_rng(3)
    sa, sb = shapes[::-1] if swap else shapes
    a, b = rng.uniform(0.5, 1.5, size=sa), rng.uniform(0.5, 1.5, size=sb)
    a = a if sa else float(a)
    b = b if sb else float(b)
    df = check_grad(op, (a, b), wrt=(0, 1))
    ga, gb = df(a, b)
    assert np.shape(ga) == np.shape(a) and np.shape(gb) == np.shape(b)


def differences(x):
    return np.sum((x[1:] - x[:-1]) ** 2) + np.sum(x[2:] * x[1:-1] - x[:-2])


def test_slices_leaving_out_as_many_rows_have_one_shape():
    """``x[1:]`` and ``x[:-1]`` have the same shape whatever ``x`` is (and
    ``x[2:]``, ``x[1:-1]``, ``x[:-2]`` another one): no unbroadcast between
    them."""
    df = ad.grad(differences)
    assert "unbroadcast(" not in df.source.split("# grad of")[1], df.source
    for x in (np.linspace(-1.0, 1.0, 6), np.linspace(-1.0, 1.0, 12).reshape(6, 2)):
        assert_close(df(x), numeric_grad(differences, (x,), 0))


def centred_softmax(x, y):
    z = x - np.max(x, axis=1, keepdims=True)       # broadcasts into x: x's shape
    e = np.exp(z)
    p = e / np.sum(e, axis=1, keepdims=True)       # and into e: e's shape
    w = x - np.mean(y, axis=0, keepdims=True)      # another value's reduction: unknown
    return np.sum(p * np.log(p)) + np.sum(w * w)


def test_a_keepdims_reduction_broadcasts_into_its_operand():
    """``x - np.max(x, axis=1, keepdims=True)`` has ``x``'s shape: no
    ``unbroadcast`` onto ``x`` or ``e``; ``x - mean(y, keepdims)`` may not."""
    from s2s_ad.api import _primal
    from s2s_ad.ir import analysis
    from s2s_ad.ir.nodes import walk_eqns
    fn = _primal(centred_softmax).fn
    shapes = analysis.ShapeClasses(fn)
    by_name = {}
    for s in walk_eqns(fn.body):
        for v in s.outs:
            if v.hint:
                by_name[v.hint] = v
    x, y = fn.params
    assert shapes.same(by_name["z"], x) and shapes.same(by_name["p"], by_name["e"])
    assert not shapes.same(by_name["w"], x)
    df = ad.grad(centred_softmax, wrt=(0, 1))
    assert "bx = bx + bz\n" in df.source and "be = bp / t1\n" in df.source, df.source
    assert "unbroadcast(bw, x)" in df.source
    rng = np.random.default_rng(9)
    for a, b in ((rng.standard_normal((3, 4)), rng.standard_normal((5, 4))),
                 (rng.standard_normal((2, 1)), rng.standard_normal((2, 1)))):
        got = df(a, b)
        assert_close(got, (numeric_grad(centred_softmax, (a, b), 0),
                           numeric_grad(centred_softmax, (a, b), 1)))
