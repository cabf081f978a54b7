"""Uniform cotangents: the cotangent of a full reduction's operand stays a
number until something needs the array.

``np.sum(a)`` (and ``np.mean``) hands ``a`` a cotangent that is one number
spread over ``a``'s shape: ``unreduce(g, a, None)`` makes that array, one
pass over memory (and a read of ``a``, which keeps ``a`` computed). Most
consumers do not need it. An elementwise operation with an operand of ``a``'s
shape broadcasts the number to that shape by itself (``g * 2 * t7`` is the
array ``ba * 2 * t7`` would be), and one whose other operands are numbers
gives another uniform cotangent (``g * 100.0``). So, after the backward sweep
is built, this pass keeps such a cotangent as its number while every use is
of those kinds, and makes the array (``unreduce(value, a, None)``, where it
was defined) only for the first use that is not: a call, a matrix product, a
gradient returned, a read inside a nested branch or loop.

The shapes come from :class:`~s2s_ad.ir.analysis.ShapeClasses`: values of
one class have one shape, so broadcasting a number against any of them gives
exactly that shape. What the rewritten code no longer reads (``t9``, the
loss itself, when only its shape was read) the dead-code pass then drops
from the forward sweep. ``np.size(a)`` / ``np.ndim(a)`` / ``np.shape(a)``
read only a shape, so they read another value of ``a``'s class that the
backward sweep reads anyway, which lets ``a`` go too.
"""

from __future__ import annotations

import operator

import numpy as np

from .. import runtime
from ..ir import analysis
from ..ir import nodes as ir
from ..rules.registry import lookup
from .common import helper

# Binary operators that broadcast elementwise (not ``@``).
_ELEMENTWISE = frozenset({"+", "-", "*", "/", "**"})
_SHAPE_READS = (np.size, np.ndim, np.shape)


def spread_uniform(block: ir.Block, grads: list, fn: ir.Function, shapes, numeric,
                   containers, numbers=()):
    """Rewrite ``block`` (the backward sweep of ``fn``) in place; ``grads``
    are the atoms it returns; ``numbers`` ids of values outside it known to
    be numbers. Returns what it learnt: ``.is_number(atom)`` for the values
    of the rewritten block."""
    u = _Uniform(shapes, numeric, containers, set(numbers))
    if not any(_shape_read(s) is not None for s in ir.walk_eqns(block)):
        u.unscanned = block  # no reduction's cotangent, no shape read: most scalar code
        return u
    u.block(block, grads)
    if _reread_shapes(block, fn, shapes, containers):
        u.changed = True
    return u


class _Uniform:
    def __init__(self, shapes, numeric, containers, numbers: set[int]):
        self.shapes = shapes
        self.numeric = numeric  # primal values that hold numbers or arrays
        self.containers = containers
        self.numbers = numbers   # backward values known to be numbers (0-d)
        self.exact: dict[int, ir.Var] = {}  # backward value id -> a primal value of its shape
        self.unscanned = None  # the block, if the pass did not run over it
        self.changed = False  # did the pass drop a read (so the forward may save less)?
        self.defs = None  # value id -> its statement in ``unscanned`` (made on demand)
        self.not_numbers: set[int] = set()

    # ---------------------------------------------------------- facts
    def is_number(self, a, depth: int = 0) -> bool:
        if isinstance(a, ir.Const):
            return isinstance(a.value, (int, float, complex)) and not isinstance(a.value, bool)
        if not isinstance(a, ir.Var):
            return False
        if a.id in self.numbers:
            return True
        rep = self.shape_rep(a)
        if rep is not None:
            return self.shapes.is_scalar(rep)
        return self._computed_from_numbers(a, depth)

    def _computed_from_numbers(self, a, depth: int) -> bool:
        """Where the pass did not run (and so noted nothing): is ``a``
        computed from numbers? Asked of few values, so answered on demand
        (and remembered), not by noting every statement."""
        if self.unscanned is None or depth > 50:
            return False
        if self.defs is None:
            self.defs = {v.id: s for s in ir.walk_eqns(self.unscanned) for v in s.outs}
        known = self.not_numbers
        if a.id in known:
            return False
        s = self.defs.get(a.id)
        if s is not None and _makes_number(s, lambda x: self.is_number(x, depth + 1)):
            self.numbers.add(a.id)
            return True
        known.add(a.id)
        return False

    def is_array_like(self, a) -> bool:
        """A primal value that can carry a uniform cotangent: of a known
        class, not a number, not a list or dict."""
        a = self.shape_rep(a)
        return a is not None and not self.shapes.is_scalar(a)

    def shape_rep(self, a) -> ir.Var | None:
        """A primal value of ``a``'s shape: ``a`` itself if primal, what a
        copy restored in a backward loop copies, or what an elementwise
        derivative value was computed like."""
        if not isinstance(a, ir.Var):
            return None
        rep = self.exact.get(a.id)
        if rep is not None:
            return rep
        while a.like is not None and a.id not in self.numeric:
            a = a.like
        return a if a.id in self.numeric else None

    def same(self, a, b) -> bool:
        """Are ``a`` and ``b`` arrays known to have one shape?"""
        a, b = self.shape_rep(a), self.shape_rep(b)
        return a is not None and b is not None and self.shapes.same(a, b)

    # ---------------------------------------------------------- the pass
    def block(self, block: ir.Block, live_out) -> None:
        """Rewrite one region. ``uniform`` maps a cotangent kept as a number
        to ``(the number, a value of its shape, the cotangent's variable,
        where it was defined)``."""
        uniform: dict[int, tuple] = {}
        out: list = []

        def value(a):
            u = uniform.get(a.id) if isinstance(a, ir.Var) else None
            return a if u is None else u[0]

        def materialise(var_ids) -> None:
            for vid in var_ids:
                u = uniform.pop(vid, None)
                if u is not None:
                    val, rep, var = u[0], u[1], u[2]
                    out.append(ir.Eqn([var], ir.Call(True),
                                      [helper(runtime.unreduce), val, rep, ir.Const(None)],
                                      loc=u[3], group=u[4]))

        for s in block.stmts:
            if not isinstance(s, ir.Eqn):
                if uniform:  # what the region reads must be an array by then
                    materialise([vid for vid in analysis.free_vars(ir.Block([s]))
                                 if vid in uniform])
                if isinstance(s, ir.If):
                    self.block(s.then, s.then_yield)
                    self.block(s.orelse, s.else_yield)
                else:
                    if s.cond_block is not None:
                        self.block(s.cond_block, None)
                    self.block(s.body, [*s.next, *s.exit_flags])
                out.append(s)
                continue
            reads = [a.id for a in s.atoms() if isinstance(a, ir.Var) and a.id in uniform]
            kept = self.eqn(s, uniform, value)
            if kept is _UNHANDLED:
                materialise(reads)
                out.append(s)
            elif kept is not None:
                out.append(kept)
        # what leaves the block (a branch's or an iteration's result, the
        # gradients returned; ``None``: all of it) is an array
        materialise(list(uniform) if live_out is None
                    else [a.id for a in live_out if isinstance(a, ir.Var)])
        block.stmts[:] = out

    def eqn(self, s: ir.Eqn, uniform: dict, value):
        """The statement to keep for ``s`` (``None``: dropped, its result is
        uniform), or ``_UNHANDLED`` if it needs its operands as arrays."""
        op, args = s.op, s.args
        out = s.outs[0] if len(s.outs) == 1 else None
        if out is None or s.kwargs:
            return _UNHANDLED if any(isinstance(a, ir.Var) and a.id in uniform
                                     for a in s.atoms()) else self._note(s)
        callee = op.callee_value(s) if isinstance(op, ir.Call) else None
        if callee is runtime.unreduce and len(args) in (3, 4):
            g, a = args[1], args[2]
            axis = args[3] if len(args) == 4 else ir.Const(None)
            if self.is_array_like(a) and (
                    (isinstance(g, ir.Var) and g.id in uniform)
                    or (isinstance(axis, ir.Const) and axis.value is None)):
                # the cotangent of a full reduction, or a uniform one spread
                # over a partial reduction's operand: one number over a's shape
                if isinstance(g, ir.Var) and g.hint is None and g.adjoint_of is None:
                    g.adjoint_of = out.adjoint_of  # a rule's temporary: name it bt6
                uniform[out.id] = (value(g), a, out, s.loc, s.group)
                self.changed = True
                return None
        touched = [a for a in args if isinstance(a, ir.Var) and a.id in uniform]
        if not touched:
            return self._note(s)
        if isinstance(op, ir.Copy) or (callee is runtime.unbroadcast and len(args) == 3
                                       and args[1] is touched[0]
                                       and self.same(args[2], uniform[touched[0].id][1])):
            uniform[out.id] = (*uniform[args[1 if callee else 0].id][:2], out, s.loc, s.group)
            return None
        operands = args[1:] if callee is not None else args
        if not _elementwise(op, callee, len(operands)):
            return _UNHANDLED
        reps = [uniform[a.id][1] for a in operands if isinstance(a, ir.Var) and a.id in uniform]
        rep = reps[0]
        if not all(self.same(r, rep) for r in reps):
            return _UNHANDLED
        others = [a for a in operands if not (isinstance(a, ir.Var) and a.id in uniform)]
        if all(self.is_number(a) for a in others):
            # still one number over rep's shape: compute the number
            number = ir.Var(out.hint, adjoint_of=out.adjoint_of)
            if all(self.is_number(value(a)) for a in operands):
                # 0-d, as its operands are (a keepdims sum's cotangent is not,
                # and must not meet arrays of other shapes as a number)
                self.numbers.add(number.id)
            uniform[out.id] = (number, rep, out, s.loc, s.group)
            return ir.Eqn([number], op, [value(a) for a in args], [], s.loc, s.group)
        if all(self.is_number(a) or self.same(a, rep) for a in others):
            # an operand of rep's shape: broadcasting the number gives the array
            self.exact[out.id] = self.shape_rep(rep)
            return ir.Eqn([out], op, [value(a) for a in args], [], s.loc, s.group)
        return _UNHANDLED

    def _note(self, s: ir.Eqn):
        """Record what ``s`` (which reads no uniform value) tells: a number,
        or an elementwise result of its operands' one shape (``1 + t2``)."""
        op = s.op
        if len(s.outs) == 1 and not s.kwargs:
            callee = op.callee_value(s) if isinstance(op, ir.Call) else None
            operands = s.args[1:] if callee is not None else s.args
            if _makes_number(s, self.is_number):
                self.numbers.add(s.outs[0].id)
            elif isinstance(op, ir.Copy) or _elementwise(op, callee, len(operands)) \
                    or _elementwise_rule(callee, len(operands)):
                arrays = [a for a in operands if not self.is_number(a)]
                if arrays:
                    rep = self.shape_rep(arrays[0])
                    if rep is not None and all(self.same(a, rep) for a in arrays):
                        self.exact[s.outs[0].id] = rep
        return s


_UNHANDLED = object()
_NUMBER_CALLS = (np.size, np.ndim, len, runtime.sum_to_scalar)


def _makes_number(s: ir.Eqn, is_number) -> bool:
    """Does ``s`` compute a number (given which operands are numbers)?"""
    if len(s.outs) != 1 or s.kwargs:
        return False
    op = s.op
    callee = op.callee_value(s) if isinstance(op, ir.Call) else None
    if callee is not None and any(callee is f for f in _NUMBER_CALLS):
        return True
    operands = s.args[1:] if callee is not None else s.args
    return (isinstance(op, ir.Copy) or _elementwise(op, callee, len(operands))) \
        and all(is_number(a) for a in operands)


def _elementwise(op, callee, n: int) -> bool:
    if isinstance(op, ir.BinOp):
        return op.symbol in _ELEMENTWISE
    if isinstance(op, ir.UnaryOp):
        return op.fn in (operator.neg, operator.pos)
    return isinstance(callee, np.ufunc) and callee.nin == n and callee.nout == 1


def _elementwise_rule(callee, n: int) -> bool:
    """A function registered as elementwise (a rule's helper such as
    ``abs_cotangent_vjp``), called with its operands only: its result has
    the shape of its array operands when they have one. (Not assumed to
    broadcast a number operand to the others' shape, as a ufunc does.)"""
    if callee is None or isinstance(callee, np.ufunc):
        return False
    rule = lookup(callee)
    return rule is not None and rule.elementwise and len(rule.wrt) == n


def _reread_shapes(block: ir.Block, fn: ir.Function, shapes, containers) -> bool:
    """``np.size(t3)`` or ``unreduce(g, t3)`` where only the shape of ``t3``
    is read (and, for ``unreduce``, its dtype, which a value of one class
    shares but for casts): read another value of its class that the block
    reads anyway, or a parameter, so that ``t3`` need not be computed."""
    calls = [s for s in ir.walk_eqns(block) if _shape_read(s) is not None]
    if not calls:
        return False
    shape_only = {id(s) for s in calls}
    defined = set()
    read: dict[int, ir.Var] = {}
    for s in ir.walk_eqns(block):
        defined.update(v.id for v in s.outs)
        if id(s) not in shape_only:
            for a in s.atoms():
                if isinstance(a, ir.Var):
                    read.setdefault(a.id, a)
    # values bound on every path: parameters and what the function's top
    # level defines (not a value that one branch defines, read by the
    # backward only on that branch's path)
    everywhere = {p.id: p for p in fn.params}
    for s in fn.body.stmts:
        everywhere.update((v.id, v) for v in s.outs)
    for vid in analysis.maybe_unbound([fn.body]):
        everywhere.pop(vid, None)
    candidates = [v for vid, v in read.items() if vid in everywhere and vid not in containers]
    candidates += [v for vid, v in everywhere.items() if vid not in read and vid not in containers]
    changed = False
    for s in calls:
        k = _shape_read(s)
        a = s.args[k]
        if a.id in read or a.id in containers:
            continue
        for v in candidates:
            if shapes.same(v, a):
                s.args[k] = v
                changed = True
                break
    return changed


def _shape_read(s: ir.Eqn) -> int | None:
    """The position of the argument whose shape alone ``s`` reads."""
    if not isinstance(s.op, ir.Call) or s.kwargs:
        return None
    fn = s.op.callee_value(s)
    if len(s.args) == 2 and any(fn is f for f in _SHAPE_READS):
        k = 1
    elif fn is runtime.unreduce and len(s.args) in (3, 4):
        k = 2
    else:
        return None
    return k if isinstance(s.args[k], ir.Var) else None
