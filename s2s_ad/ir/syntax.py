"""Render IR operations as Python expressions (stdlib ``ast``).

Shared by the IR printer and by code generation, so the printed IR and the
generated source spell every operation the same way.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from . import nodes as ir

AtomRenderer = Callable[[ir.Atom], ast.expr]

_BINOPS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "//": ast.FloorDiv,
           "%": ast.Mod, "**": ast.Pow, "@": ast.MatMult, "&": ast.BitAnd, "|": ast.BitOr,
           "^": ast.BitXor, "<<": ast.LShift, ">>": ast.RShift}
_UNARY = {"-": ast.USub, "+": ast.UAdd, "not": ast.Not, "~": ast.Invert}
_CMPOPS = {"<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE, "==": ast.Eq,
           "!=": ast.NotEq, "is": ast.Is, "is not": ast.IsNot, "in": ast.In,
           "not in": ast.NotIn}


def const_ast(value) -> ast.expr:
    """A literal for a constant; negative numbers as unary minus, like source."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-value))
    if isinstance(value, tuple):
        return ast.Tuple(elts=[const_ast(v) for v in value], ctx=ast.Load())
    if isinstance(value, slice):
        return ast.Call(func=ast.Name("slice", ast.Load()),
                        args=[const_ast(value.start), const_ast(value.stop),
                              const_ast(value.step)], keywords=[])
    if value is Ellipsis:
        return ast.Constant(Ellipsis)
    return ast.Constant(value)


def path_ast(path: str) -> ast.expr:
    parts = path.split(".")
    node: ast.expr = ast.Name(parts[0], ast.Load())
    for p in parts[1:]:
        node = ast.Attribute(value=node, attr=p, ctx=ast.Load())
    return node


def index_ast(index, args, render: AtomRenderer, *, as_value: bool = False) -> ast.expr:
    """The subscript of a GetItem/SetItem. With ``as_value`` slices become
    ``slice(...)`` calls, so the index can be passed to a function."""

    def part(p):
        return None if p is None else render(args[p])

    def go(spec, top):
        kind = spec[0]
        if kind == "atom":
            return render(args[spec[1]])
        if kind == "slice":
            lo, hi, st = (part(p) for p in spec[1:])
            if as_value:
                none = ast.Constant(None)
                return ast.Call(func=ast.Name("slice", ast.Load()),
                                args=[lo or none, hi or none, st or none], keywords=[])
            return ast.Slice(lower=lo, upper=hi, step=st)
        if kind == "tuple":
            return ast.Tuple(elts=[go(s, False) for s in spec[1]], ctx=ast.Load())
        raise ValueError(spec)

    return go(index, True)


def eqn_expr(eqn: ir.Eqn, render: AtomRenderer) -> ast.expr:
    """The right-hand side of ``outs = ...`` for an equation."""
    op, args = eqn.op, eqn.args
    kws = [ast.keyword(arg=k, value=render(v)) for k, v in eqn.kwargs]
    if isinstance(op, ir.BinOp):
        return ast.BinOp(left=render(args[0]), op=_BINOPS[op.symbol](), right=render(args[1]))
    if isinstance(op, ir.UnaryOp):
        return ast.UnaryOp(op=_UNARY[op.symbol](), operand=render(args[0]))
    if isinstance(op, ir.Compare):
        return ast.Compare(left=render(args[0]), ops=[_CMPOPS[op.symbol]()],
                           comparators=[render(args[1])])
    if isinstance(op, ir.Call):
        pos = [render(a) for a in args[1:]]
        if op.star and pos:
            pos[-1] = ast.Starred(value=pos[-1], ctx=ast.Load())
        return ast.Call(func=render(args[0]), args=pos, keywords=kws)
    if isinstance(op, ir.Method):
        return ast.Call(func=ast.Attribute(value=render(args[0]), attr=op.name, ctx=ast.Load()),
                        args=[render(a) for a in args[1:]], keywords=kws)
    if isinstance(op, ir.GetAttr):
        return ast.Attribute(value=render(args[0]), attr=op.name, ctx=ast.Load())
    if isinstance(op, ir.GetItem):
        return ast.Subscript(value=render(args[0]), slice=index_ast(op.index, args, render),
                             ctx=ast.Load())
    if isinstance(op, ir.Build):
        if op.kind == "tuple":
            return ast.Tuple(elts=[render(a) for a in args], ctx=ast.Load())
        if op.kind == "list":
            return ast.List(elts=[render(a) for a in args], ctx=ast.Load())
        if op.kind == "dict":
            return ast.Dict(keys=[render(a) for a in args[0::2]],
                            values=[render(a) for a in args[1::2]])
        raise ValueError(op.kind)
    if isinstance(op, ir.Copy):
        return render(args[0])
    if isinstance(op, ir.ListAppend):
        return ast.List(elts=[ast.Starred(value=render(args[0]), ctx=ast.Load()),
                              render(args[1])], ctx=ast.Load())
    raise TypeError(f"no syntax for {op!r}")


def setitem_target(eqn: ir.Eqn, render: AtomRenderer) -> ast.expr:
    op = eqn.op
    return ast.Subscript(value=render(eqn.args[0]),
                         slice=index_ast(op.index, eqn.args, render), ctx=ast.Store())
