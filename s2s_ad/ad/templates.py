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

    def __init__(self, make, atom, variant=None):
        self.make = make
        self.atom = atom  # the primal value it stands for (for the shape analysis)
        self.variant = variant  # what else decides the value made (a snapshot or not)


class TemplateLowerer(Lowerer):
    def __init__(self, scope, env, loc, same_shape, ans):
        super().__init__(scope, {}, loc)
        self._pending = dict(env)
        self._primal_of = {k: (v.atom if isinstance(v, Lazy) else v) for k, v in env.items()}
        self.same_shape = same_shape
        self._ans = ans
        self.trace: list | None = None  # what a recording (see Recipes) needs to know

    def _force(self, key, value):
        if isinstance(value, Lazy):
            value = value.make()
        return value

    def name(self, node):
        if node.id in self._pending and node.id not in self.env:
            value = self._force(node.id, self._pending.pop(node.id))
            if isinstance(value, tuple):  # a *args parameter: build the tuple where it is used
                value = self.emit(ir.Build("tuple"), [self._force(node.id, v) for v in value])
                self.trace = None
            elif self.trace is not None:
                self.trace.append(("force", node.id, value))
            self.env[node.id] = value
        return super().name(node)

    def shape_query(self, name: str, other: str) -> bool:
        """Does parameter ``name`` have the shape of the output (``other``
        "ans") or of a number ("number")? The one question a template's
        lowering asks of the values bound to it."""
        answer = self.same_shape(self._primal_of.get(name),
                                 self._ans if other == "ans" else _A_NUMBER)
        if self.trace is not None:
            self.trace.append(("shape", name, other, answer))
        return answer

    def expr_BinOp(self, node, hint):
        left, right = self.expr(node.left), self.expr(node.right)
        folded = fold_binop(type(node.op), left, right)
        if folded is not None:
            return folded
        from ..ir.lower import BINOPS
        sym, fn = BINOPS[type(node.op)]
        return self.emit(ir.BinOp(sym, fn), [left, right], hint=hint)

    def expr_Compare(self, node, hint):
        if len(node.ops) != 1:
            return super().expr_Compare(node, hint)
        left, right = self.expr(node.left), self.expr(node.comparators[0])
        from ..ir.lower import CMPOPS
        sym, fn = CMPOPS[type(node.ops[0])]
        if _number(left) and _number(right):
            return ir.Const(fn(left.value, right.value))  # folded, as arithmetic is
        return self.emit(ir.Compare(sym, fn), [left, right], hint=hint)

    def expr_Call(self, node, hint):
        if isinstance(node.func, gast.Name) and len(node.args) == 2 and not node.keywords:
            fn = self.scope.lookup(node.func.id)[1]
            if fn is runtime.broadcast_as or fn is runtime.unbroadcast:
                return self._call_broadcast(node, hint, fn)
        if isinstance(node.func, gast.Attribute) and len(node.args) == 1 \
                and not node.keywords and isinstance(node.args[0], gast.Name) \
                and node.args[0].id in self._primal_of \
                and self.shape_query(node.args[0].id, "number"):
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
                and self.shape_query(node.args[0].id, "ans")):
            return self.expr(node.args[0])  # the operand already has the result's shape
        if fn is runtime.unbroadcast and node.func.id not in self.env:
            if isinstance(node.args[1], gast.Name) and node.args[1].id in self._primal_of:
                target = node.args[1].id
                if self.shape_query(target, "ans"):
                    return self.expr(node.args[0])
                if self.shape_query(target, "number"):
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


def _number_or_bool(a):
    """A constant to fold arithmetic with: a folded comparison is a bool
    (``2 - (2 != 0)`` is 1)."""
    return _number(a) or (isinstance(a, ir.Const) and isinstance(a.value, bool))


def _num(a):
    return isinstance(a, ir.Const) and isinstance(a.value, (int, float)) \
        and not isinstance(a.value, bool)


def fold_binop(op_type, left, right):
    """Constant-fold, and apply the identities that make rules read cleanly."""
    if _number_or_bool(left) and _number_or_bool(right):
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

    recording = None  # (Recipes, key, the elements wanted) while one is recorded

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
        stmts = self._take()
        self._record(stmts, None)
        return stmts

    def element(self, i: int):
        stmts, atom = self._element(i)
        self._record(stmts, atom)
        return stmts, atom

    def _record(self, stmts, atom) -> None:
        if self.recording is not None:
            recipes, key, want = self.recording
            trace, self.lowerer.trace = self.lowerer.trace, []
            self._phases.append((trace, stmts, atom))
            if trace is None:
                self.recording = None
            elif len(self._phases) == len(want) + 1:
                recipes.add(key, self._phases)
                self.recording = None

    def _element(self, i: int):
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


_A_NUMBER = ir.Const(0.0)
_NOT_REPLAYED = (ir.SetItem, ir.ListAppend, ir.Effect)  # ops a codegen pass may annotate


class Recipes:
    """Rule expansions recorded once and replayed, within one transformation.

    Lowering a rule's template walks its syntax tree and folds as it goes;
    in a function of a thousand lines the same rule is expanded hundreds of
    times with bindings alike in all that decides the result: which
    parameters are the same value, the constants bound, and the answers to
    the template's shape questions (:meth:`TemplateLowerer.shape_query`).
    The first expansion of each such kind is recorded as statements over
    placeholders; the next ones copy it with their own values and fresh
    temporaries, asking the recorded shape questions again first. Parameters
    are made (restored in a loop, say) in the order the lowering made them,
    so the generated code is the same as without replaying."""

    def __init__(self):
        self._by_key: dict[tuple, list] = {}

    def expansion(self, rule, env: dict, loc, same_shape, ans, want: list[int]):
        """An object with ``prelude()`` and ``element(i)`` (called for each
        of ``want``, in that order), as :class:`Expansion` has."""
        key = _binding_key(rule, env, want)
        if key is not None:
            recorded = self._by_key.get(key)
            if recorded is not None:
                primal_of = {k: (v.atom if isinstance(v, Lazy) else v) for k, v in env.items()}
                for recipe in recorded:
                    if all(same_shape(primal_of.get(name),
                                      ans if other == "ans" else _A_NUMBER) == answer
                           for name, other, answer in recipe.questions):
                        return _Replay(recipe, env, loc)
        ex = Expansion(rule, "vjp", env, loc, same_shape, ans)
        if key is not None and len(self._by_key.get(key, ())) < 4:
            ex.lowerer.trace = []
            ex.recording = (self, key, list(want))
            ex._phases = []
        return ex

    def add(self, key, phases) -> None:
        recipe = _Recipe.from_phases(phases)
        if recipe is not None:
            self._by_key.setdefault(key, []).append(recipe)


def _binding_key(rule, env: dict, want) -> tuple | None:
    """What, besides shape questions, decides a rule's expansion: which
    parameters are bound to one value, and the constants bound."""
    parts: list = [id(rule), tuple(want)]
    first: dict = {}
    for name, v in env.items():
        a = v.atom if isinstance(v, Lazy) else v
        if isinstance(a, ir.Var):
            same = (a.id, v.variant) if isinstance(v, Lazy) else (a.id, None)
            parts.append((name, first.setdefault(same, name)))
        elif isinstance(a, ir.Const) and type(a.value) in (int, float, bool, complex, str,
                                                            type(None)):
            parts.append((name, type(a.value), repr(a.value)))
        else:
            return None
    return tuple(parts)


class _Recipe:
    """Recorded statements: atoms are ``("p", name)`` (a parameter),
    ``("l", k)`` (the k-th temporary) or ``("k", atom)`` (a constant or a
    helper, shared)."""

    def __init__(self, questions, phases):
        self.questions = questions  # (name, "ans" | "number", answer)
        self.phases = phases        # (parameters made, statements, result)

    @classmethod
    def from_phases(cls, phases):
        param_of: dict[int, str] = {}
        local: dict[int, int] = {}
        questions, out = [], []

        def atom_of(a):
            if isinstance(a, ir.Var):
                if a.id in local:
                    return ("l", local[a.id])
                if a.id in param_of:
                    return ("p", param_of[a.id])
                raise LookupError(a)  # a value from elsewhere: not replayable
            return ("k", a)

        try:
            for trace, stmts, atom in phases:
                made = []
                for event in trace:
                    if event[0] == "force":
                        if isinstance(event[2], ir.Var):
                            param_of.setdefault(event[2].id, event[1])
                        made.append(event[1])
                    else:
                        questions.append(event[1:])
                recorded = []
                for st in stmts:
                    if type(st) is not ir.Eqn or isinstance(st.op, _NOT_REPLAYED):
                        return None
                    args = [atom_of(a) for a in st.args]
                    kwargs = [(k, atom_of(a)) for k, a in st.kwargs]
                    for v in st.outs:
                        local[v.id] = len(local)
                    recorded.append(([local[v.id] for v in st.outs], st.op, args, kwargs))
                out.append((made, recorded, None if atom is None else atom_of(atom)))
        except LookupError:
            return None
        return cls(questions, out)


class _Replay:
    """One expansion copied from a recipe (the interface of Expansion)."""

    def __init__(self, recipe, env, loc):
        self.recipe, self.env, self.loc = recipe, env, loc
        self.made: dict[str, ir.Atom] = {}
        self.local: dict[int, ir.Var] = {}
        self.phase = 0

    def _atom(self, t):
        kind, x = t
        if kind == "l":
            return self.local[x]
        if kind == "p":
            return self.made[x]
        return x

    def _next(self):
        made, recorded, result = self.recipe.phases[self.phase]
        self.phase += 1
        for name in made:
            value = self.env[name]
            self.made[name] = value.make() if isinstance(value, Lazy) else value
        stmts = []
        for outs, op, args, kwargs in recorded:
            vs = []
            for k in outs:
                v = self.local[k] = ir.Var()
                vs.append(v)
            stmts.append(ir.Eqn(vs, op, [self._atom(a) for a in args],
                                [(k, self._atom(a)) for k, a in kwargs], self.loc))
        return stmts, None if result is None else self._atom(result)

    def prelude(self) -> list:
        return self._next()[0]

    def element(self, i: int):
        return self._next()


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
