"""Static analyses on the IR.

* :func:`activity` — a value needs an adjoint only if it is *varied* (depends
  on a differentiated input through differentiable operations) and *useful*
  (influences the output). Integer counters, shapes, predicates and constants
  get none. Forward and backward data-flow, to a fixpoint over loops.
* :func:`shape_classes` — which values provably have the same shape, so the
  reverse transform can drop ``unbroadcast`` where it cannot change anything.
* :func:`numeric_vars` — values known to be numbers or arrays (their
  adjoints accumulate with ``+``; others, which may be containers, with
  ``add_grads``).
"""

from __future__ import annotations

import inspect
import types

import numpy as np

from ..rules.registry import call_view, lookup
from . import nodes as ir

#: Set by the API: ``(function, kinds) -> bool``, is a user function's result
#: a number when called with arguments of these kinds (``"n"`` a number,
#: ``"x"`` not known)? Lets a caller's shape classes see through its calls.
CALL_RESULT_IS_NUMBER = None


def diff_args(eqn: ir.Eqn) -> list[ir.Atom]:
    """The atoms of ``eqn`` through which a derivative can flow to its outputs."""
    op = eqn.op
    if isinstance(op, ir.GetItem):
        return [eqn.args[0]]
    if isinstance(op, (ir.Build, ir.Copy)):
        return list(eqn.args)
    if isinstance(op, ir.Effect):
        return []
    if isinstance(op, ir.SetItem):
        return [eqn.args[0], eqn.args[-1]]
    key, args, kwargs = call_view(eqn)
    rule = lookup(key)
    if isinstance(op, ir.Call) and op.star and (rule is None or not rule.nondiff):
        return list(args) + [a for _, a in kwargs]
    if rule is None or (rule.vjp is None and rule.jvp is None and not rule.nondiff):
        # Unknown: assume it may depend on everything (an error is raised later
        # if a derivative is actually needed through it).
        atoms = list(args) + [a for _, a in kwargs]
        if getattr(op, "user_function", None) is not None:
            return atoms
        return atoms
    if rule.nondiff:
        return []
    binding = rule.bind(args, kwargs)
    if binding is None:
        return list(args) + [a for _, a in kwargs]
    out = []
    for name in rule.wrt:
        v = binding.get(name)
        if isinstance(v, tuple):
            out.extend(v)
        elif v is not None:
            out.append(v)
    return out


def _vars(atoms):
    return {a.id for a in atoms if isinstance(a, ir.Var)}


def _diff_var_ids():
    """``eqn -> ids of the Vars among diff_args(eqn)``, each worked out once:
    the fixpoints over loops ask again on every pass, and :func:`activity`
    asks both of its analyses."""
    memo: dict[int, set[int]] = {}

    def ids(eqn) -> set[int]:
        out = memo.get(id(eqn))
        if out is None:
            out = memo[id(eqn)] = _vars(diff_args(eqn))
        return out
    return ids


def varied(fn: ir.Function, wrt: list[ir.Var]) -> set[int]:
    """Ids of the values that depend on ``wrt`` through differentiable operations."""
    return _varied(fn, wrt, _diff_var_ids())


def _varied(fn, wrt, diff_ids) -> set[int]:
    V = {v.id for v in wrt}

    def block(b):
        changed = False
        for s in b.stmts:
            changed |= stmt(s)
        return changed

    def add(var):
        if var.id in V:
            return False
        V.add(var.id)
        return True

    def stmt(s):
        changed = False
        if isinstance(s, ir.Eqn):
            if not V.isdisjoint(diff_ids(s)):
                for o in s.outs:
                    changed |= add(o)
        elif isinstance(s, ir.If):
            changed |= block(s.then)
            changed |= block(s.orelse)
            for o, a, b in zip(s.outs, s.then_yield, s.else_yield, strict=True):
                if _vars([a, b]) & V:
                    changed |= add(o)
        elif isinstance(s, ir.Loop):
            if s.kind == "for" and _vars([s.iterable]) & V:
                changed |= add(s.target)
            while True:
                inner = False
                for c, i, n in zip(s.carried, s.init, s.next, strict=True):
                    if _vars([i, n]) & V:
                        inner |= add(c)
                if s.cond_block is not None:
                    inner |= block(s.cond_block)
                inner |= block(s.body)
                changed |= inner
                if not inner:
                    break
            for o, c in zip(s.outs, s.carried, strict=True):
                if c.id in V:
                    changed |= add(o)
        return changed

    block(fn.body)
    return V


def useful(fn: ir.Function) -> set[int]:
    """Ids of the values the result depends on through differentiable operations."""
    return _useful(fn, _diff_var_ids())


def _useful(fn, diff_ids) -> set[int]:
    U = _vars([fn.result])

    def block(b):
        changed = False
        for s in reversed(b.stmts):
            changed |= stmt(s)
        return changed

    def add_all(ids):
        new = ids - U
        U.update(new)
        return bool(new)

    def stmt(s):
        changed = False
        if isinstance(s, ir.Eqn):
            if _vars(s.outs) & U or (isinstance(s.op, ir.SetItem)):
                if isinstance(s.op, ir.SetItem) and not (_vars(s.outs) & U):
                    return False
                changed |= add_all(diff_ids(s))
        elif isinstance(s, ir.If):
            for o, a, b in zip(s.outs, s.then_yield, s.else_yield, strict=True):
                if o.id in U:
                    changed |= add_all(_vars([a, b]))
            changed |= block(s.then)
            changed |= block(s.orelse)
        elif isinstance(s, ir.Loop):
            while True:
                inner = False
                for o, c, n, i in zip(s.outs, s.carried, s.next, s.init, strict=True):
                    if o.id in U or c.id in U:
                        inner |= add_all(_vars([n, i]) | {c.id})
                inner |= block(s.body)
                if s.cond_block is not None:
                    inner |= block(s.cond_block)
                if s.kind == "for" and s.target.id in U:
                    inner |= add_all(_vars([s.iterable]))
                changed |= inner
                if not inner:
                    break
        return changed

    block(fn.body)
    return U


def activity(fn: ir.Function, wrt: list[ir.Var]) -> set[int]:
    """Ids of the values that need a derivative."""
    return varied_and_active(fn, wrt)[1]


def varied_and_active(fn: ir.Function, wrt: list[ir.Var]) -> tuple[set[int], set[int], set[int]]:
    """Ids of the values that depend on ``wrt``, of those of them that need a
    derivative (the result depends on them), and of all the values the result
    depends on."""
    diff_ids = _diff_var_ids()
    v, u = _varied(fn, wrt, diff_ids), _useful(fn, diff_ids)
    return v, v & u, u


def _reduction_binding(key, rule, args, kwargs):
    """The binding of a call of a reduction of ``_FULL_REDUCTIONS`` that
    writes no ``out`` and has no ``where``; ``None`` for anything else."""
    try:
        if key not in _FULL_REDUCTIONS:
            return None
    except TypeError:  # an unhashable key
        return None
    binding = rule.bind(args, kwargs)
    if binding is None:
        return None
    for name in ("out", "where"):
        if not _unset(binding.get(name)):
            return None
    return binding


def _unset(v, *also) -> bool:
    """An argument not given, or given as None (or as one of ``also``)."""
    return v is None or (isinstance(v, ir.Const) and not ir.is_undefined(v)
                         and (v.value is None or any(v.value is x for x in also)))


def _keepdims_operand(key, rule, args, kwargs):
    """``a`` in ``np.max(a, axis=1, keepdims=True)`` (any reduction of
    ``_FULL_REDUCTIONS`` but norm, with ``keepdims=True``): the result keeps
    ``a``'s number of axes, with 1 where it reduced, so it broadcasts
    against ``a`` to ``a``'s shape. ``None`` for anything else."""
    binding = _reduction_binding(key, rule, args, kwargs)
    if binding is None or key is np.linalg.norm:
        return None
    keepdims = binding.get("keepdims")
    if not (isinstance(keepdims, ir.Const) and keepdims.value is True):
        return None
    a = binding.get("a", binding.get("x"))
    return a if isinstance(a, ir.Var) else None


def _is_full_reduction(key, rule, args, kwargs) -> bool:
    """``np.sum(x)``, ``x.mean()``, ...: a reduction over every axis, a number."""
    binding = _reduction_binding(key, rule, args, kwargs)
    return binding is not None and all(_unset(binding.get(name), False)
                                       for name in ("axis", "keepdims"))


def _rows_dropped(eqn) -> int | None:
    """For ``x[a:]``, ``x[:-b]`` or ``x[a:-b]`` with constant ``a >= 0``,
    ``b > 0`` and no step: the rows it leaves out (``a + b``); the result has
    ``max(len(x) - a - b, 0)`` rows, so two such slices of one array that
    leave out as many have one shape. ``None`` for any other subscript."""
    index = eqn.op.index
    if index[0] != "slice":
        return None
    _, lo, hi, step = index

    def const(pos):
        if pos is None:
            return None
        a = eqn.args[pos]
        if not isinstance(a, ir.Const) or ir.is_undefined(a):
            return False
        return a.value

    lo, hi, step = const(lo), const(hi), const(step)
    if step is not None or lo is False or hi is False:
        return None
    if lo is None:
        lo = 0
    if hi is None:
        hi = 0
    if type(lo) is not int or type(hi) is not int or lo < 0 or hi > 0:
        return None
    return lo - hi


class _UnionFind:
    __slots__ = ("parent",)

    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, x):
        parent = self.parent
        p = parent.get(x)
        if p is None:
            parent[x] = x
            return x
        if p == x:
            return x
        root = parent[p]
        if root == p:
            return p
        while True:
            q = parent[root]
            if q == root:
                break
            root = q
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)


def _is_python_scalar(atom) -> bool:
    return (isinstance(atom, (ir.Const, ir.Free))
            and isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool))


_SCALAR = -1  # the class of Python numbers (and 0-d results)
_SCALAR_FUNCTIONS = {len, int, float, round, abs}
#: Reductions whose result is 0-d when called without ``axis`` (a number)
_FULL_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.std,
                    np.var, np.median, np.nansum, np.nanmean, np.nanmax, np.nanmin,
                    np.linalg.norm, np.vdot} | {
    ("method", name) for name in ("sum", "mean", "prod", "max", "min", "std", "var")}


class ShapeClasses:
    """Values that provably share one shape: elementwise operations whose
    operands are of one class (or Python scalars), copies, and loop-carried
    values that keep their entry's class (an optimistic fixpoint: assume it,
    check it at the end of the body, retry without it if it fails). Python
    numbers and values computed only from them form the class of scalars.

    With ``scalar_inputs`` (one letter per parameter: ``"n"`` a number,
    ``"s"`` a list or tuple of numbers) the parameters are taken to be such:
    the variant generated under that assumption is used only for calls whose
    arguments are."""

    def __init__(self, fn: ir.Function, scalar_inputs: str | None = None):
        self.rejected: set[int] = set()
        self.scalar_containers: set[int] = set()
        self.vectors: set[int] = set()   # 1-D float arrays: an integer picks a number
        self.integral = integral_values(fn) if scalar_inputs and "v" in scalar_inputs \
            else set()
        # what each call equation asks of the classes, worked out on its first
        # visit: the fixpoint may walk the function several times
        self._plans: dict[ir.Eqn, tuple] = {}
        for _ in range(20):
            self.uf = _UnionFind()
            self.slices: dict[tuple, int] = {}
            self.uf.find(_SCALAR)
            self.ranges: set[int] = set()
            self.kept: dict[int, int] = {}  # a keepdims reduction's id -> its operand's
            self.failed = False
            for p, kind in zip(fn.params, scalar_inputs or "", strict=False):
                if kind == "n":
                    self.uf.union(p.id, _SCALAR)
                elif kind == "s":
                    self.scalar_containers.add(p.id)
                elif kind == "v":
                    self.vectors.add(p.id)
            self._block(fn.body)
            if not self.failed:
                break
        del self._plans

    def _root(self, atom):
        if isinstance(atom, ir.Var):
            return self.uf.find(atom.id)
        if _is_python_scalar(atom):
            return self.uf.find(_SCALAR)
        return None

    def _union(self, var, atom):
        r = self._root(atom)
        if r is not None:
            self.uf.union(var.id, r)

    def same(self, a, b) -> bool:
        ra, rb = self._root(a), self._root(b)
        return ra is not None and ra == rb

    def is_scalar(self, a) -> bool:
        return self._root(a) == self.uf.find(_SCALAR)

    def all_numbers(self, ids) -> bool:
        """Are the values ``ids`` all numbers? (Where they are the active
        values, every derivative value is a number too.)"""
        find, number = self.uf.find, self.uf.find(_SCALAR)
        return all(find(v) == number for v in ids)

    def _is_int(self, atom) -> bool:
        """An integer (not a list of them, which picks several items)."""
        if isinstance(atom, ir.Const):
            return isinstance(atom.value, int) and not isinstance(atom.value, bool)
        return isinstance(atom, ir.Var) and atom.id in self.integral and self.is_scalar(atom)

    def call_kinds(self, eqn, callee) -> str | None:
        """``"n"`` per parameter of ``callee`` bound to a number in this call
        and ``"x"`` per other one (the kinds its specialised variant is made
        for), or ``None`` for a call with ``*args`` or one that does not bind."""
        if eqn.op.star:
            return None
        try:
            bound = inspect.signature(callee).bind(*eqn.args[1:], **dict(eqn.kwargs))
        except (TypeError, ValueError):
            return None
        return "".join("n" if isinstance(bound.arguments.get(n), ir.Atom)
                       and self.is_scalar(bound.arguments[n]) else "x"
                       for n in inspect.signature(callee).parameters)

    def _block(self, block):
        for s in block.stmts:
            if isinstance(s, ir.Eqn):
                self._eqn(s)
            elif isinstance(s, ir.If):
                self._block(s.then)
                self._block(s.orelse)
                for o, a, b in zip(s.outs, s.then_yield, s.else_yield, strict=True):
                    if self.same(a, b):
                        self._union(o, a)
            elif isinstance(s, ir.Loop):
                self._loop(s)

    def _loop(self, s):
        assumed = []
        for c, i in zip(s.carried, s.init, strict=True):
            if c.id not in self.rejected and self._root(i) is not None:
                self._union(c, i)
                assumed.append(c)
        if s.target is not None and isinstance(s.iterable, ir.Var) \
                and s.iterable.id in self.ranges:
            self._union(s.target, ir.Const(0))
        if s.cond_block is not None:
            self._block(s.cond_block)
        self._block(s.body)
        nxt = dict(zip((c.id for c in s.carried), s.next, strict=True))
        for c in assumed:
            if not self.same(c, nxt[c.id]):
                self.rejected.add(c.id)
                self.failed = True
        for c, o in zip(s.carried, s.outs, strict=True):
            if c in assumed:
                self._union(o, c)

    def _eqn(self, eqn):
        if not eqn.outs:
            return
        out = eqn.outs[0]
        op = eqn.op
        if isinstance(op, (ir.Copy, ir.SetItem)):
            self._union(out, eqn.args[0])
            if isinstance(eqn.args[0], ir.Var):
                for kind in (self.scalar_containers, self.vectors):
                    if eqn.args[0].id in kind:
                        kind.add(out.id)
            return
        if isinstance(op, ir.GetItem) and isinstance(eqn.args[0], ir.Var):
            base = eqn.args[0].id
            dropped = _rows_dropped(eqn)
            if dropped == 0:
                self._union(out, eqn.args[0])
            elif dropped is not None:
                # x[1:] and x[:-1] both have len(x) - 1 rows and x's other axes
                rep = self.slices.setdefault((self._root(eqn.args[0]), dropped), out.id)
                self.uf.union(out.id, self.uf.find(rep))
            kind = self.scalar_containers if base in self.scalar_containers else \
                self.vectors if base in self.vectors else None
            if kind is not None:
                if op.index[0] == "slice":
                    kind.add(out.id)  # a slice of either is another
                elif op.index[0] == "atom" and (kind is self.scalar_containers or self._is_int(
                        eqn.args[op.index[1]])):
                    self._union(out, ir.Const(0))  # an item of either is a number
                return
        plan = self._plans.get(eqn)
        if plan is None:
            plan = self._plans[eqn] = self._plan(eqn)
        kind = plan[0]
        if kind is _ELEMENTWISE:
            # one class of arrays (or none) among the operands: the result's
            uf = self.uf
            scalar = uf.find(_SCALAR)
            arrays = {r for r in map(uf.find, plan[1]) if r != scalar}
            if len(arrays) > 1 and self.kept:
                # a keepdims reduction of another operand broadcasts into it:
                # x - np.max(x, axis=1, keepdims=True) has x's shape
                into = {uf.find(r): uf.find(a) for r, a in self.kept.items()}
                arrays = {r for r in arrays if into.get(r) not in arrays}
            if len(arrays) <= 1:
                uf.union(out.id, arrays.pop() if arrays else scalar)
        elif kind is _KEEPDIMS:
            self.kept[out.id] = plan[1]
        elif kind is _NUMBER:
            self._union(out, ir.Const(0))
        elif kind is _RANGE:
            self.ranges.add(out.id)
        elif kind is _USER_CALL:
            kinds = self.call_kinds(eqn, plan[1])
            if kinds is not None and CALL_RESULT_IS_NUMBER(plan[1], kinds):
                self._union(out, ir.Const(0))

    @staticmethod
    def _plan(eqn) -> tuple:
        """What :meth:`_eqn` does with a call equation, as far as it does
        not depend on the classes: ``(_RANGE,)``, ``(_NUMBER,)`` (a number
        whatever the operands), ``(_USER_CALL, fn)`` (a number if ``fn`` returns
        one for these argument kinds), ``(_ELEMENTWISE, var ids)`` (one
        class with its array operands; the other operands are Python numbers),
        or ``(_NOTHING,)``."""
        op = eqn.op
        key, args, kwargs = call_view(eqn)
        if isinstance(op, ir.Call) and isinstance(eqn.args[0], ir.Free):
            fn = eqn.args[0].value
            if fn is range:
                return (_RANGE,)
            if fn in _SCALAR_FUNCTIONS and fn is not abs or \
                    getattr(fn, "__module__", None) == "math":
                if fn is not abs:
                    return (_NUMBER,)
        rule = lookup(key)
        if rule is not None and _is_full_reduction(key, rule, args, kwargs):
            return (_NUMBER,)
        if rule is not None:
            a = _keepdims_operand(key, rule, args, kwargs)
            if a is not None:
                return (_KEEPDIMS, a.id)
        if rule is None and isinstance(op, ir.Call) and CALL_RESULT_IS_NUMBER is not None \
                and isinstance(key, types.FunctionType):
            return (_USER_CALL, key)
        if rule is None or not rule.elementwise or rule.signature is None:
            return (_NOTHING,)
        binding = rule.bind(args, kwargs)
        if binding is None:
            return (_NOTHING,)
        vids = []
        for a in (binding[n] for n in rule.wrt if n in binding):
            if isinstance(a, ir.Var):
                vids.append(a.id)
            elif not _is_python_scalar(a):
                return (_NOTHING,)   # an operand of no class
        return (_ELEMENTWISE, vids)


# ShapeClasses._plan's kinds
_RANGE, _NUMBER, _USER_CALL, _ELEMENTWISE, _NOTHING = "range", "number", "call", "elementwise", "-"
_KEEPDIMS = "keepdims"


def numeric_vars(fn: ir.Function) -> set[int]:
    """Values that are numbers or arrays for sure: produced by, or used as an
    operand of, a numeric (non-structural) operation, except an operand a rule
    takes as a sequence (``sum(items)``) and a value that is sometimes a
    container (:func:`container_vars`): the cotangents of those are added
    with ``add_grads``, since ``+`` would concatenate two lists."""
    out = set()
    add, Var = out.add, ir.Var
    for eqn in ir.walk_eqns(fn.body):
        op = eqn.op
        if isinstance(op, (ir.BinOp, ir.UnaryOp)):
            # (added one by one: most equations are arithmetic)
            for a in eqn.outs:
                add(a.id)
            for a in diff_args(eqn):
                if type(a) is Var:
                    add(a.id)
        elif isinstance(op, (ir.Call, ir.Method, ir.GetAttr)):
            key, args, kwargs = call_view(eqn)
            rule = lookup(key)
            if rule is None or rule.vjp is None or rule.structural:
                continue
            operands = diff_args(eqn)
            binding = rule.bind(args, kwargs) if rule.sequences else None
            if binding is not None:
                sequences = {id(binding[n]) for n in rule.sequences if n in binding}
                operands = [a for a in operands if id(a) not in sequences]
            out |= _vars(eqn.outs) | _vars(operands)
    return out - container_vars(fn)


def container_vars(fn: ir.Function) -> set[int]:
    """Values that hold a list, tuple or dict on some path: built by a
    display or ``append``, or copied, merged or carried from such a value."""
    out: set[int] = set()

    def block(b) -> bool:
        grew = False
        for s in b.stmts:
            if isinstance(s, ir.Eqn):
                if s.outs and (isinstance(s.op, (ir.Build, ir.ListAppend)) or (
                        isinstance(s.op, (ir.Copy, ir.SetItem)) and _vars(s.args[:1]) & out)):
                    grew |= not _vars(s.outs) <= out
                    out.update(_vars(s.outs))
            elif isinstance(s, ir.If):
                grew |= block(s.then) | block(s.orelse)
                for o, a, c in zip(s.outs, s.then_yield, s.else_yield, strict=True):
                    if _vars([a, c]) & out and o.id not in out:
                        out.add(o.id)
                        grew = True
            elif isinstance(s, ir.Loop):
                grew |= (block(s.cond_block) if s.cond_block is not None else False)
                grew |= block(s.body)
                for c, i, n, o in zip(s.carried, s.init, s.next, s.outs, strict=True):
                    if _vars([i, n, c]) & out and not {c.id, o.id} <= out:
                        out.update((c.id, o.id))
                        grew = True
        return grew

    while block(fn.body):
        pass
    return out


def maybe_unbound(blocks) -> set[int]:
    """Merged values that are unbound on some path (a branch that does not
    assign them, a loop that ran no iteration) and so may be copied unbound:
    the program reads them only where they are bound, but a copy of one into
    a differently named value runs on every path."""
    out: set[int] = set()

    def unbound(a) -> bool:
        return ir.is_undefined(a) or (isinstance(a, ir.Var) and a.id in out)

    def block(b):
        for s in b.stmts:
            if isinstance(s, ir.If):
                block(s.then)
                block(s.orelse)
                out.update(o.id for o, a, c in zip(s.outs, s.then_yield, s.else_yield,
                                                   strict=True) if unbound(a) or unbound(c))
            elif isinstance(s, ir.Loop):
                for c, i in zip(s.carried, s.init, strict=True):
                    if unbound(i):
                        out.add(c.id)
                if s.cond_block is not None:
                    block(s.cond_block)
                block(s.body)
                out.update(o.id for c, o in zip(s.carried, s.outs, strict=True) if c.id in out)

    for b in blocks:
        block(b)
    return out


def use_counts(blocks, extra_atoms=()) -> dict[int, int]:
    counts: dict[int, int] = {}

    def see(atoms):
        for a in atoms:
            if isinstance(a, ir.Var):
                counts[a.id] = counts.get(a.id, 0) + 1

    Var, Eqn, get = ir.Var, ir.Eqn, counts.get

    def block(b):
        for s in b.stmts:
            if isinstance(s, Eqn):
                for a in s.atoms():   # see(s.atoms()), inlined: most statements are these
                    if isinstance(a, Var):
                        counts[a.id] = get(a.id, 0) + 1
            elif isinstance(s, ir.If):
                see([s.pred])
                block(s.then)
                block(s.orelse)
                see(s.then_yield)
                see(s.else_yield)
            elif isinstance(s, ir.Loop):
                see(s.init)
                if s.iterable is not None:
                    see([s.iterable])
                if s.cond_block is not None:
                    block(s.cond_block)
                    see([s.cond])
                block(s.body)
                see(s.next)

    for b in blocks:
        block(b)
    see(extra_atoms)
    return counts


def free_vars(block: ir.Block, extra_uses=()) -> dict[int, ir.Var]:
    """Values a region reads but does not define (what must flow into it)."""
    defined: set[int] = set()
    needed: dict[int, ir.Var] = {}

    def see(atoms):
        for a in atoms:
            if isinstance(a, ir.Var) and a.id not in defined:
                needed.setdefault(a.id, a)

    def walk(b):
        for s in b.stmts:
            if isinstance(s, ir.Eqn):
                see(s.atoms())
                defined.update(v.id for v in s.outs)
            elif isinstance(s, ir.If):
                see([s.pred])
                walk(s.then)
                see(s.then_yield)
                walk(s.orelse)
                see(s.else_yield)
                defined.update(v.id for v in s.outs)
            elif isinstance(s, ir.Loop):
                see(s.init)
                if s.iterable is not None:
                    see([s.iterable])
                defined.update(v.id for v in s.carried)
                if s.target is not None:
                    defined.add(s.target.id)
                if s.cond_block is not None:
                    walk(s.cond_block)
                    see([s.cond])
                walk(s.body)
                see(s.next)
                see(s.exit_flags)
                defined.update(v.id for v in s.outs)

    walk(block)
    see(extra_uses)
    return needed


def definitions(block: ir.Block) -> list[int]:
    """Ids of every value a region defines, in program order."""
    out: list[int] = []

    def walk(b):
        for s in b.stmts:
            if isinstance(s, ir.Eqn):
                out.extend(v.id for v in s.outs)
            elif isinstance(s, ir.If):
                walk(s.then)
                walk(s.orelse)
                out.extend(v.id for v in s.outs)
            elif isinstance(s, ir.Loop):
                out.extend(v.id for v in s.carried)
                if s.target is not None:
                    out.append(s.target.id)
                if s.cond_block is not None:
                    walk(s.cond_block)
                walk(s.body)
                out.extend(v.id for v in s.outs)

    walk(block)
    return out


_INTEGER_OPS = {"+", "-", "*", "//", "%"}


def integral_values(fn: ir.Function) -> set[int]:
    """Values that are integers, ranges, or lists and tuples of them (loop
    counters, indices, saved ranges): they get no tangent. Loop-carried
    values are assumed integral when they enter so, and the assumption is
    dropped (and the analysis rerun) if an iteration breaks it."""
    rejected: set[int] = set()
    while True:
        found: set[int] = set()
        failed = False

        def is_int(a) -> bool:
            if isinstance(a, ir.Var):
                return a.id in found
            if isinstance(a, ir.Const):
                return ir.is_undefined(a) or (isinstance(a.value, int) and a.value is not None)
            return isinstance(a, ir.Free) and isinstance(a.value, (int, range))

        def eqn(s):
            if not s.outs:
                return
            op, out = s.op, s.outs[0]
            if isinstance(op, ir.Call) and isinstance(s.args[0], ir.Free) \
                    and s.args[0].value in (range, len, int):
                found.add(out.id)
            elif isinstance(op, (ir.GetItem, ir.Copy)) and is_int(s.args[0]):
                found.add(out.id)
            elif isinstance(op, ir.ListAppend) and is_int(s.args[0]) and is_int(s.args[1]):
                found.add(out.id)
            elif isinstance(op, ir.Build) and op.kind in ("list", "tuple") \
                    and all(is_int(a) for a in s.args):
                found.add(out.id)
            elif isinstance(op, ir.BinOp) and op.symbol in _INTEGER_OPS \
                    and all(is_int(a) for a in s.args):
                found.add(out.id)

        def block(b):
            nonlocal failed
            for s in b.stmts:
                if isinstance(s, ir.Eqn):
                    eqn(s)
                elif isinstance(s, ir.If):
                    block(s.then)
                    block(s.orelse)
                    for o, a, c in zip(s.outs, s.then_yield, s.else_yield, strict=True):
                        if is_int(a) and is_int(c):
                            found.add(o.id)
                elif isinstance(s, ir.Loop):
                    assumed = []
                    for c, i in zip(s.carried, s.init, strict=True):
                        if c.id not in rejected and is_int(i) and not ir.is_undefined(i):
                            found.add(c.id)
                            assumed.append(c)
                    if s.target is not None and is_int(s.iterable):
                        found.add(s.target.id)
                    if s.cond_block is not None:
                        block(s.cond_block)
                    block(s.body)
                    nxt = dict(zip((c.id for c in s.carried), s.next, strict=True))
                    for c in assumed:
                        if not is_int(nxt[c.id]):
                            rejected.add(c.id)
                            failed = True
                    for c, o in zip(s.carried, s.outs, strict=True):
                        if c.id in found:
                            found.add(o.id)

        block(fn.body)
        if not failed:
            return found
