"""The direct renderer of codegen (``_FunctionEmitter.fast_eqn``) writes the
text ``unparse`` writes for the equation's AST, on every equation of the
corpus where it answers (subscripts with slices and tuples, list and tuple
displays, folded operators, calls): it exists only to skip building the AST."""

from __future__ import annotations

import ast

import numpy as np
import pytest

import s2s_ad
from s2s_ad.codegen import emit as E
from s2s_ad.codegen.unparse import _TEST, unparse
from s2s_ad.ir import nodes as ir
from s2s_ad.ir.syntax import eqn_expr, index_ast

from . import functions as F


def _checked(monkeypatch):
    seen = []
    fast_eqn = E._FunctionEmitter.fast_eqn

    def checking(self, eqn, prec):
        text = fast_eqn(self, eqn, prec)   # raises _Slow where it does not answer
        if prec == _TEST:
            assert text == unparse(eqn_expr(eqn, self.atom)), eqn
        if type(eqn.op) is ir.GetItem:
            expected = unparse(ast.Subscript(value=ast.Name("v", ast.Load()),
                                             slice=index_ast(eqn.op.index, eqn.args, self.atom),
                                             ctx=ast.Load()))
            assert "v[" + self.fast_index(eqn.op.index, eqn.args) + "]" == expected
        seen.append(type(eqn.op))
        return text

    monkeypatch.setattr(E._FunctionEmitter, "fast_eqn", checking)
    return seen


@pytest.mark.parametrize("case", F.CASES, ids=lambda c: c.name)
def test_fast_renderer_matches_unparse(case, monkeypatch):
    seen = _checked(monkeypatch)
    try:
        s2s_ad.grad(case.fn, wrt=case.wrt)
    except Exception:   # (some cases reject grad: other tests say which)
        pass
    assert all(issubclass(t, ir.Op) for t in seen)


def test_subscripts_and_displays(monkeypatch):
    seen = _checked(monkeypatch)

    def f(x, y):
        a = x[1:] * x[:-1] + x[::2].sum() + x[..., 0].sum() + x[1, ::-1].sum()
        t = (x, y)
        u = [x, y]
        return np.sum(a) + t[0][0, 0] * u[1] + x[(0, 1)] + x[-1, -1] + x[:, None][0, 0, 1]

    df = s2s_ad.grad(f, wrt=(0, 1))
    df(np.linspace(0.5, 1.5, 6).reshape(2, 3), 2.0)
    assert ir.GetItem in seen and ir.Build in seen
