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
import operator

import gast

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


class TemplateLowerer(Lowerer):
    def __init__(self, scope, env, loc, same_shape, ans):
        super().__init__(scope, {k: v for k, v in env.items() if not isinstance(v, tuple)}, loc)
        self._packed = {k: v for k, v in env.items() if isinstance(v, tuple)}
        self.same_shape = same_shape
        self.ans = ans

    def name(self, node):
        packed = self._packed.pop(node.id, None)
        if packed is not None:  # a *args parameter: build the tuple where it is used
            self.env[node.id] = self.emit(ir.Build("tuple"), list(packed))
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
        if (isinstance(node.func, gast.Name) and len(node.args) == 2 and not node.keywords
                and self.scope.lookup(node.func.id)[1] is runtime.unbroadcast
                and node.func.id not in self.env):
            target = self.expr(node.args[1])
            if self.same_shape(target, self.ans):
                return self.expr(node.args[0])
        return super().expr_Call(node, hint)


def _num(a):
    return isinstance(a, ir.Const) and isinstance(a.value, (int, float)) \
        and not isinstance(a.value, bool)


def fold_binop(op_type, left, right):
    """Constant-fold, and apply the identities that make rules read cleanly."""
    if _num(left) and _num(right):
        fn = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
              gast.Pow: operator.pow}.get(op_type)
        if fn is not None:
            return ir.Const(fn(left.value, right.value))
    if op_type is gast.Mult:
        if _num(right) and right.value == 1 and isinstance(right.value, int):
            return left
        if _num(left) and left.value == 1 and isinstance(left.value, int):
            return right
    if op_type is gast.Pow and _num(right) and right.value == 1 and isinstance(right.value, int):
        return left
    if op_type in (gast.Add, gast.Sub) and _num(right) and right.value == 0 \
            and isinstance(right.value, int):
        return left
    return None


def inline(rule, which: str, env: dict, want: list[int], loc, same_shape, ans):
    """Lower ``rule``'s ``which`` template ("vjp"/"jvp") with ``env`` binding
    its parameters; return ``(statements, [atom for each index in want])``
    where the indices select elements of the template's returned tuple."""
    template = rule.vjp if which == "vjp" else rule.jvp
    node = rule.template_ast(which)
    scope = _SCOPES.get(template)
    if scope is None:
        scope = _SCOPES[template] = _rule_scope(template)
    lowerer = TemplateLowerer(scope, env, loc, same_shape, ans)
    *prelude, ret = node.body
    if not isinstance(ret, gast.Return):
        raise TypeError(f"rule template {template.__qualname__} must end with a return")
    lowerer.lower_body(prelude)
    n = len(rule.wrt)
    value = ret.value
    if n > 1 and isinstance(value, gast.Tuple) and len(value.elts) == n:
        atoms = [lowerer.expr(value.elts[i]) for i in want]
    elif n == 1:
        atoms = [lowerer.expr(value)]
    else:
        whole = lowerer.expr(value)
        atoms = [lowerer.emit(ir.GetItem(("atom", 1)), [whole, ir.Const(i)]) for i in want]
    for s in lowerer.block.stmts:  # template locals are temporaries in generated code
        for v in s.outs:
            v.hint = None
    return lowerer.block.stmts, atoms
