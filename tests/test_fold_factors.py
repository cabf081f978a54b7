"""Number factors gathered (``s2s_ad/ad/factors.py``): the
gradients against central finite differences, the generated code without a
pass per negation, and the cases that must stay as they are."""

import math
import operator
import re

import numpy as np
import pytest

import s2s_ad
from s2s_ad import runtime
from s2s_ad.ad.common import helper
from s2s_ad.ad.factors import fold_factors
from s2s_ad.ir import nodes as ir
from tests.checks import assert_close, numeric_grad, numeric_vjp


def one_minus_scaled(x):
    return 1.0 - 3.0 * x


def negated_quotient(x):
    return -np.sin(x) / 4.0


def scaled_negation(x, y):
    return (-(x * y)) * 2.0 + np.exp(-x)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


VECTOR_FUNCTIONS = [one_minus_scaled, negated_quotient]


@pytest.mark.parametrize("f", VECTOR_FUNCTIONS, ids=lambda f: f.__name__)
def test_pullback_matches_finite_differences(f):
    rng = np.random.default_rng(3)
    x, u = rng.standard_normal(5), rng.standard_normal(5)
    _, pullback = s2s_ad.vjp(f, x)
    assert_close(pullback(u)[0], numeric_vjp(f, (x,), u), rtol=1e-6)


def test_pullback_of_two_arguments_matches_finite_differences():
    rng = np.random.default_rng(4)
    x, y, u = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4)
    _, pullback = s2s_ad.vjp(scaled_negation, x, y)
    got = pullback(u)
    assert_close(got[0], numeric_vjp(scaled_negation, (x, y), u, wrt=0))
    assert_close(got[1], numeric_vjp(scaled_negation, (x, y), u, wrt=1))


def test_rosenbrock_backward_negates_no_array():
    x = np.random.default_rng(5).uniform(-1.5, 1.5, 9)
    df = s2s_ad.grad(rosenbrock)
    assert_close(df(x), numeric_grad(rosenbrock, (x,)), rtol=1e-6)
    code = [line.strip() for line in df.source.splitlines() if not line.strip().startswith("#")]
    assert not any(line.split(" = ", 1)[-1].startswith("-bt") for line in code), code
    assert "bt3 * -2 * t1" in df.source
    # the factor moved out of the square's rule is written where it is read,
    # not as a temporary of its own (t6 = bout * 2; bt4 = -t6 * t5)
    assert re.search(r"bt4 = -\(bout \* 2\) \* t5", df.source), df.source


def _eqn(out, op, *args):
    return ir.Eqn([out], op, list(args))


def test_not_folded_across_an_in_place_write():
    """``m = k * X``; ``index_add`` writes into ``X``; ``n = -m``: computing
    ``-k * X`` at ``n`` would read the written ``X``."""
    k, X, idx, g, m, w, n = (ir.Var(h) for h in ("k", "X", "i", "g", "m", "w", "n"))
    mul = ir.BinOp("*", operator.mul)
    neg = ir.UnaryOp("-", operator.neg)
    block = ir.Block([
        _eqn(m, mul, k, X),
        _eqn(w, ir.Call(True), helper(runtime.index_add), X, idx, g),
        _eqn(n, neg, m),
    ])
    before = list(block.stmts)
    fold_factors(block, [n, w], lambda a: a is k)
    assert block.stmts == before
    # without the write in between, it folds
    block = ir.Block([_eqn(m, mul, k, X), _eqn(n, neg, m)])
    fold_factors(block, [n], lambda a: a is k)
    assert len(block.stmts) == 2 and block.stmts[-1].outs == [n]
    assert block.stmts[-1].op is mul and block.stmts[-1].args[1] is X
    assert block.stmts[0].op.symbol == "-" and block.stmts[0].args == [k]


def test_not_folded_when_the_product_is_read_twice_or_both_are_numbers():
    k, X, m, n, r = (ir.Var(h) for h in ("k", "X", "m", "n", "r"))
    mul = ir.BinOp("*", operator.mul)
    neg = ir.UnaryOp("-", operator.neg)
    block = ir.Block([_eqn(m, mul, k, X), _eqn(n, neg, m)])
    before = list(block.stmts)
    fold_factors(block, [n, m], lambda a: a is k)          # m is also returned
    assert block.stmts == before
    fold_factors(block, [n], lambda a: a in (k, X))        # a number times a number
    assert block.stmts == before
    block = ir.Block([_eqn(m, neg, X), _eqn(r, mul, m, ir.Const(2.0))])
    fold_factors(block, [r], lambda a: isinstance(a, ir.Const))
    assert len(block.stmts) == 1 and block.stmts[0].args[0] is X
    assert block.stmts[0].args[1].value == -2.0


def l2_penalty(w, lam):
    return 0.5 * lam * np.sum(w * w) + np.sum(np.cos(w))


def test_a_square_adds_its_two_multiples_as_one():
    """``w * w`` contributes ``bt * w`` twice: one product, ``(bt + bt) * w``."""
    w = np.random.default_rng(6).standard_normal(5)
    df = s2s_ad.grad(l2_penalty)
    assert_close(df(w, 0.3), numeric_grad(l2_penalty, (w, 0.3)))
    assert re.search(r"\((\w+) \+ \1\) \* w", df.source), df.source


def test_multiples_of_different_arrays_are_not_gathered():
    a, b, X, Y, m1, m2, r = (ir.Var(h) for h in ("a", "b", "X", "Y", "m1", "m2", "r"))
    mul, add = ir.BinOp("*", operator.mul), ir.BinOp("+", operator.add)
    block = ir.Block([_eqn(m1, mul, a, X), _eqn(m2, mul, Y, b), _eqn(r, add, m1, m2)])
    before = list(block.stmts)
    fold_factors(block, [r], lambda v: v in (a, b))
    assert block.stmts == before
    block = ir.Block([_eqn(m1, mul, a, X), _eqn(m2, mul, X, b), _eqn(r, add, m1, m2)])
    fold_factors(block, [r], lambda v: v in (a, b))
    assert [s.op.symbol for s in block.stmts] == ["+", "*"]
    assert block.stmts[0].args == [a, b] and block.stmts[1].args[1] is X


def kepler(M, e):
    E = M
    for _ in range(4):
        E = E - (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
    return E


def test_code_on_numbers_is_left_as_the_rules_wrote_it(monkeypatch):
    """Where every active value is a number (the variant for numbers), the
    pass does not run: there a folded factor saves nothing. (It used to fold
    where a loop's carried number was not known to be one.)"""
    import s2s_ad.ad.reverse as reverse
    calls = []
    monkeypatch.setattr(reverse, "fold_factors", lambda *a: calls.append(a))
    df = s2s_ad.grad(kepler, wrt=(0, 1))
    got = df(0.7, 0.3)
    assert calls == []
    for i in (0, 1):
        assert_close(got[i], numeric_grad(kepler, (0.7, 0.3), i))
    assert "def grad_kepler" in df.source  # the general code: values may be arrays
    assert len(calls) == 1
