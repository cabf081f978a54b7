"""Inline derivative-rule templates as IR.

A rule template is lowered with the same lowering as user code, with its
parameters bound to the atoms of the equation being differentiated. Two small
simplifications keep the result readable: constant folding with the
identities ``x * 1``, ``x ** 1``, ``x + 0``; and ``unbroadcast(v, x)`` dropped
where ``x`` provably has the shape of the primal output.
"""

from __future__ import annotations

import builtins
import inspect
import math
import operator

import gast
import numpy as np

from .. import runtime
from ..ir import nodes as ir
from ..ir.lower import Lowerer, Scope


def _rule_scope(template) -> Scope:
    g = template.__globals__

    def lookup(name):
        if name in g:
            return True, g[name]
        if hasattr(builtins, name):
            return True, getattr(builtins, name)
        return False, None

    try:
        filename = inspect.getsourcefile(template) or "<rule>"
        first = template.__code__.co_firstlineno
    except TypeError:
        filename, first = "<rule>", 1
    # Rule authors write pure code: every call in a template may fold or be dropped.
    return Scope(lookup=lookup, origin="rule", filename=filename, line_offset=first - 1,
                 is_pure=lambda key: True)


_SCOPES: dict = {}


class Lazy:
    """A parameter value computed only if the template reads it (so a value
    that must be restored inside a backward loop is saved only when used)."""

    def __init__(self, make, atom):
        self.make = make
        self.atom = atom  # the primal value it stands for (for the shape analysis)


class TemplateLowerer(Lowerer):
    def __init__(self, scope, env, loc, same_shape, ans):
        super().__init__(scope, {}, loc)
        self._pending = dict(env)
        self._primal_of = {k: (v.atom if isinstance(v, Lazy) else v) for k, v in env.items()}
        self.same_shape = same_shape
        self._ans = ans

    def _force(self, key, value):
        if isinstance(value, Lazy):
            value = value.make()
        return value

    def name(self, node):
        if node.id in self._pending and node.id not in self.env:
            value = self._force(node.id, self._pending.pop(node.id))
            if isinstance(value, tuple):  # a *args parameter: build the tuple where it is used
                value = self.emit(ir.Build("tuple"), [self._force(node.id, v) for v in value])
            self.env[node.id] = value
        return super().name(node)

    def expr_BinOp(self, node, hint):
        left, right = self.expr(node.left), self.expr(node.right)
        folded = fold_binop(type(node.op), left, right)
        if folded is not None:
            return folded
        from ..ir.lower import BINOPS
        sym, fn = BINOPS[type(node.op)]
        return self.emit(ir.BinOp(sym, fn), [left, right], hint=hint)

    def expr_Call(self, node, hint):
        if isinstance(node.func, gast.Name) and len(node.args) == 2 and not node.keywords:
            fn = self.scope.lookup(node.func.id)[1]
            if fn is runtime.broadcast_as or fn is runtime.unbroadcast:
                return self._call_broadcast(node, hint, fn)
        if isinstance(node.func, gast.Attribute) and len(node.args) == 1 \
                and not node.keywords and isinstance(node.args[0], gast.Name) \
                and node.args[0].id in self._primal_of \
                and self.same_shape(self._primal_of[node.args[0].id], ir.Const(0.0)):
            # np.size / np.ndim of a value known to be a number: 1 / 0, no read
            fn = _attribute_value(self.scope, node.func)
            if fn is np.size or fn is np.ndim:
                return ir.Const(1 if fn is np.size else 0)
        out = super().expr_Call(node, hint)
        return self._fold_call(out)

    def _call_broadcast(self, node, hint, fn):
        """``broadcast_as(v, x)`` / ``unbroadcast(v, x)``: dropped where ``x``
        is known to have the shape of the output already."""
        if (fn is runtime.broadcast_as and isinstance(node.args[0], gast.Name)
                and self.same_shape(self._primal_of.get(node.args[0].id), self._ans)):
            return self.expr(node.args[0])  # the operand already has the result's shape
        if fn is runtime.unbroadcast and node.func.id not in self.env:
            if isinstance(node.args[1], gast.Name) and node.args[1].id in self._primal_of:
                target = self._primal_of[node.args[1].id]
                if self.same_shape(target, self._ans):
                    return self.expr(node.args[0])
                if self.same_shape(target, ir.Const(0.0)):
                    # a Python number: sum to a scalar without reading the value
                    g = self.expr(node.args[0])
                    return self.emit(ir.Call(True), [ir.Free("sum_to_scalar",
                                                             runtime.sum_to_scalar, "rule"), g])
        out = super().expr_Call(node, hint)
        return self._fold_call(out)

    def _fold_call(self, out):
        """``math.sqrt(math.pi)``, ``math.log(2)``: a ``math`` function of
        numbers is computed now, not on every run of the derivative."""
        stmts = self.block.stmts
        if not (isinstance(out, ir.Var) and stmts and isinstance(stmts[-1], ir.Eqn)):
            return out
        eqn = stmts[-1]
        if eqn.outs != [out] or not isinstance(eqn.op, ir.Call) or eqn.kwargs \
                or not isinstance(eqn.args[0], ir.Free):
            return out
        fn, args = eqn.args[0].value, eqn.args[1:]
        if getattr(fn, "__module__", None) != "math" or not all(map(_number, args)):
            return out
        try:
            value = fn(*(a.value for a in args))
        except (ValueError, OverflowError, TypeError):
            return out
        if not isinstance(value, float) or not math.isfinite(value):
            return out
        stmts.pop()
        return ir.Const(value)


def _attribute_value(scope, node):
    """The object ``np.size`` names in a template (``None`` if not a plain
    module attribute)."""
    if not isinstance(node.value, gast.Name):
        return None
    found = scope.lookup(node.value.id)
    module = found[1] if found else None
    return getattr(module, node.attr, None) if module is not None else None


def _number(a):
    """A number known now: a constant, or a module constant such as ``math.pi``."""
    return isinstance(a, (ir.Const, ir.Free)) and isinstance(a.value, (int, float)) \
        and not isinstance(a.value, bool)


def _num(a):
    return isinstance(a, ir.Const) and isinstance(a.value, (int, float)) \
        and not isinstance(a.value, bool)


def fold_binop(op_type, left, right):
    """Constant-fold, and apply the identities that make rules read cleanly."""
    if _number(left) and _number(right):
        fn = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
              gast.Pow: operator.pow, gast.Div: operator.truediv}.get(op_type)
        if fn is not None and not (fn is operator.truediv and right.value == 0):
            return ir.Const(fn(left.value, right.value))
    if op_type is gast.Mult:
        if _num(right) and right.value == 1 and isinstance(right.value, int):
            return left
        if _num(left) and left.value == 1 and isinstance(left.value, int):
            return right
    if op_type in (gast.Pow, gast.Div) and _num(right) and right.value == 1 \
            and isinstance(right.value, int):
        return left
    if op_type in (gast.Add, gast.Sub) and _num(right) and right.value == 0 \
            and isinstance(right.value, int):
        return left
    return None


class Expansion:
    """One inlining of ``rule``'s ``which`` template ("vjp"/"jvp") with
    ``env`` binding its parameters. The shared statements before the
    ``return`` come from :meth:`prelude`; each element of the returned tuple
    from :meth:`element`, so the caller can interleave its own statements."""

    def __init__(self, rule, which: str, env: dict, loc, same_shape, ans, tangent_of=None):
        template = rule.vjp if which == "vjp" else rule.jvp
        self.rule = rule
        self.node = rule.template_ast(which)
        scope = _SCOPES.get(template)
        if scope is None:
            scope = _SCOPES[template] = _rule_scope(template)
        self.lowerer = TemplateLowerer(scope, env, loc, same_shape, ans)
        self.lowerer._primal_of.update(tangent_of or {})  # a tangent's shape is its primal's
        *self._prelude, ret = self.node.body
        if not isinstance(ret, gast.Return):
            raise TypeError(f"rule template {template.__qualname__} must end with a return")
        self.value = ret.value
        self._whole = None

    def _take(self) -> list:
        stmts = self.lowerer.block.stmts
        self.lowerer.block = ir.Block()
        for s in stmts:  # template locals are temporaries in generated code
            for v in s.outs:
                v.hint = None
        return stmts

    def prelude(self) -> list:
        self.lowerer.lower_body(self._prelude)
        return self._take()

    def element(self, i: int):
        n = len(self.rule.wrt)
        value = self.value
        if n > 1 and isinstance(value, gast.Tuple) and len(value.elts) == n:
            atom = self.lowerer.expr(value.elts[i])
        elif n == 1:
            atom = self.lowerer.expr(value)
        else:
            if self._whole is None:
                self._whole = self.lowerer.expr(value)
            atom = self.lowerer.emit(ir.GetItem(("atom", 1)), [self._whole, ir.Const(i)])
        return self._take(), atom


def inline(rule, which: str, env: dict, want: list[int], loc, same_shape, ans):
    """All wanted elements at once: ``(statements, atoms)``."""
    ex = Expansion(rule, which, env, loc, same_shape, ans)
    stmts = ex.prelude()
    atoms = []
    for i in want:
        more, atom = ex.element(i)
        stmts += more
        atoms.append(atom)
    return stmts, atoms
