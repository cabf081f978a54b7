"""``ast.unparse`` for the expressions the emitter builds, several times
faster: the same text (the same minimal parentheses, the same literals),
written without the standard unparser's per-node context managers and
precedence table. Anything else (a node type it does not know, a subtree
shared between two places, a ``u``-string) is left to ``ast.unparse``, so
the text is always exactly what ``ast.unparse`` writes."""

from __future__ import annotations

import ast
import sys

# ast._Precedence, as numbers (stable since Python 3.9)
_TUPLE, _TEST, _CMP, _EXPR, _FACTOR, _ATOM = 2, 4, 8, 9, 15, 18

_BINOP = {ast.Add: ("+", 13), ast.Sub: ("-", 13), ast.Mult: ("*", 14), ast.MatMult: ("@", 14),
          ast.Div: ("/", 14), ast.Mod: ("%", 14), ast.LShift: ("<<", 12), ast.RShift: (">>", 12),
          ast.BitOr: ("|", 9), ast.BitXor: ("^", 10), ast.BitAnd: ("&", 11),
          ast.FloorDiv: ("//", 14), ast.Pow: ("**", 16)}
_UNOP = {ast.Invert: ("~", 15), ast.Not: ("not ", 7), ast.UAdd: ("+", 15), ast.USub: ("-", 15)}
_CMPOP = {ast.Eq: " == ", ast.NotEq: " != ", ast.Lt: " < ", ast.LtE: " <= ", ast.Gt: " > ",
          ast.GtE: " >= ", ast.Is: " is ", ast.IsNot: " is not ", ast.In: " in ",
          ast.NotIn: " not in "}
_BOOLOP = {ast.And: (" and ", 6), ast.Or: (" or ", 5)}
_INFSTR = "1e" + repr(sys.float_info.max_10_exp + 1)


class _Fallback(Exception):
    pass


def unparse(node: ast.AST) -> str:
    """Exactly ``ast.unparse(node)``."""
    out: list[str] = []
    try:
        _Writer(out.append).expr(node, _TEST)
    except _Fallback:
        return ast.unparse(node)
    return "".join(out)


def _constant(value, w):
    if isinstance(value, (float, complex)):
        w(repr(value).replace("inf", _INFSTR).replace("nan", f"({_INFSTR}-{_INFSTR})"))
    else:
        w(repr(value))


class _Writer:
    __slots__ = ("w", "seen")

    def __init__(self, w):
        self.w = w
        self.seen: set[int] = set()   # composite nodes written (a shared one falls back)

    def _once(self, node):
        if id(node) in self.seen:
            raise _Fallback
        self.seen.add(id(node))

    def expr(self, node, prec: int):
        w = self.w
        t = type(node)
        if t is ast.Name:
            w(node.id)
        elif t is ast.Constant:
            value = node.value
            if node.kind is not None:
                raise _Fallback
            if isinstance(value, tuple):
                w("(")
                self.items(value, _constant)
                w(")")
            elif value is ...:
                w("...")
            else:
                _constant(value, w)
        elif t is ast.BinOp:
            self._once(node)
            op, p = _BINOP[type(node.op)]
            if prec > p:
                w("(")
            if p == 16:   # ** is right-associative
                self.expr(node.left, p + 1)
                w(f" {op} ")
                self.expr(node.right, p)
            else:
                self.expr(node.left, p)
                w(f" {op} ")
                self.expr(node.right, p + 1)
            if prec > p:
                w(")")
        elif t is ast.Call:
            self.expr(node.func, _ATOM)
            w("(")
            comma = False
            for e in node.args:
                if comma:
                    w(", ")
                comma = True
                self.expr(e, _TEST)
            for k in node.keywords:
                if comma:
                    w(", ")
                comma = True
                if type(k) is not ast.keyword:
                    raise _Fallback
                if k.arg is None:
                    w("**")
                else:
                    w(k.arg)
                    w("=")
                self.expr(k.value, _TEST)
            w(")")
        elif t is ast.Attribute:
            self.expr(node.value, _ATOM)
            if type(node.value) is ast.Constant and isinstance(node.value.value, int):
                w(" ")
            w(".")
            w(node.attr)
        elif t is ast.UnaryOp:
            self._once(node)
            op, p = _UNOP[type(node.op)]
            if prec > p:
                w("(")
            w(op)
            self.expr(node.operand, p)
            if prec > p:
                w(")")
        elif t is ast.Subscript:
            self.expr(node.value, _ATOM)
            w("[")
            s = node.slice
            if type(s) is ast.Tuple and s.elts:
                self._once(s)
                self.items(s.elts, self._test)
            else:
                self.expr(s, _TEST)
            w("]")
        elif t is ast.Tuple:
            self._once(node)
            paren = not node.elts or prec > _TUPLE
            if paren:
                w("(")
            self.items(node.elts, self._test)
            if paren:
                w(")")
        elif t is ast.List:
            w("[")
            for i, e in enumerate(node.elts):
                if i:
                    w(", ")
                self.expr(e, _TEST)
            w("]")
        elif t is ast.Slice:
            if node.lower:
                self.expr(node.lower, _TEST)
            w(":")
            if node.upper:
                self.expr(node.upper, _TEST)
            if node.step:
                w(":")
                self.expr(node.step, _TEST)
        elif t is ast.Starred:
            w("*")
            self.expr(node.value, _EXPR)
        elif t is ast.Compare:
            self._once(node)
            if prec > _CMP:
                w("(")
            self.expr(node.left, _CMP + 1)
            for o, e in zip(node.ops, node.comparators, strict=False):
                w(_CMPOP[type(o)])
                self.expr(e, _CMP + 1)
            if prec > _CMP:
                w(")")
        elif t is ast.BoolOp:
            self._once(node)
            op, p = _BOOLOP[type(node.op)]
            paren = prec > p
            if paren:
                w("(")
            for i, e in enumerate(node.values):
                if i:
                    w(op)
                self.expr(e, p + 1 + i)
            if paren:
                w(")")
        elif t is ast.IfExp:
            self._once(node)
            if prec > _TEST:
                w("(")
            self.expr(node.body, _TEST + 1)
            w(" if ")
            self.expr(node.test, _TEST + 1)
            w(" else ")
            self.expr(node.orelse, _TEST)
            if prec > _TEST:
                w(")")
        else:
            raise _Fallback

    def _test(self, node, w=None):
        self.expr(node, _TEST)

    def items(self, items, write):
        """Comma-separated, with a trailing comma for one item."""
        w = self.w
        if len(items) == 1:
            write(items[0], w)
            w(",")
        else:
            for i, e in enumerate(items):
                if i:
                    w(", ")
                write(e, w)
