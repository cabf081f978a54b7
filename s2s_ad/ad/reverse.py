"""Reverse mode: IR → adjoint IR (the VJP).

The result is a forward sweep and a backward sweep. The backward sweep visits
the primal statements in reverse and, for each active one, inlines its rule's
VJP template and accumulates the cotangents of its inputs.

* **Straight-line code** needs no saving: SSA values are never overwritten.
* **Symbolic zeros**: an adjoint is absent until a contribution arrives; the
  first contribution simply *becomes* the adjoint (no ``zeros_like``, no
  ``+ 0``). Zeros are materialised only where paths merge and one did not
  contribute (a branch, a loop entry) or for a requested gradient that
  received nothing.
* **Branches**: the adjoint of an ``if`` is an ``if`` on the same predicate;
  adjoints changed in either branch become the phis of the backward ``if``.
* **Loops**: the adjoint of a loop is a loop over the same iterations in
  reverse. What the backward body reads from an iteration (and only that) is
  appended, in the forward loop, to a list the loop owns (``res_y``), and read
  back by index, so a pullback can run more than once. Per-iteration values
  defined in one branch only are padded with ``None`` on the other paths so
  every iteration appends exactly once. Trip counts are recorded only for
  loops that can leave early (``break``, ``while``); ``for`` loops over a
  range use its length.

    y = x                               bx = zeros_like(x)
    for i in range(n):         ──►      for i_1 in reversed(range(len(t0))):
        y = y * x                           y = res_y[i_1]
                                            bx = bx + by * y
                                            by = by * x
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import operator
from dataclasses import dataclass

import numpy as np

from .. import runtime
from ..errors import UnsupportedError
from ..ir import analysis
from ..ir import nodes as ir
from ..rules.registry import call_view, lookup
from . import templates
from .common import (
    describe_callee,
    flat,
    helper,
    is_user_function,
    name_of,
    negated,
    nondifferentiable,
    refuse_sequence_arithmetic,
    refuse_varied_constants,
    unfit_call,
)
from .dce import eliminate_dead
from .factors import fold_factors
from .reverse_control import ControlFlowAdjoints
from .uniform import spread_uniform

#: Set by the API: ``(function, active positions) -> (forward, backward)``.
SPLIT_PAIR = None
#: Set by the API: ``(function) -> None``, raising if it writes into an argument.
REFUSE_ARGUMENT_WRITES = None


@dataclass
class Adjoint:
    """The reverse-mode program for ``primal`` w.r.t. the params ``wrt``."""

    primal: ir.Function
    wrt: list[int]
    forward: ir.Block
    backward: ir.Block
    seed: ir.Var | None
    grads: list[ir.Atom]
    result_is_number: bool = False  # known statically: no check needed, and no value


class _Reverse(ControlFlowAdjoints):
    def __init__(self, fn: ir.Function, wrt: list[int], scalar_inputs: str | None = None):
        self.fn = fn
        self.wrt = wrt
        wrt_vars = [fn.params[i] for i in wrt]
        self.varied, self.active, self.useful = analysis.varied_and_active(fn, wrt_vars)
        self.shapes = analysis.ShapeClasses(fn, scalar_inputs)
        self.numeric = analysis.numeric_vars(fn)
        self.containers = analysis.container_vars(fn)
        self.adj: dict[int, ir.Atom] = {}
        self.out: list = []
        self._groups = itertools.count()
        self.group = None
        self.fresh: set[int] = set()
        self.loops: list = []   # reverse_control.LoopContext, innermost last
        self.plans: dict = {}   # id(forward loop) -> reverse_control.LoopPlan
        self.replace: dict[int, ir.Eqn] = {}  # forward equations rewritten (calls to split pairs)
        self.snapshots: dict[int, ir.Var] = {}  # volatile value id -> its copy taken at definition
        self.read: set[int] = set()  # primal values the backward sweep reads
        self.owned: set[int] = set()  # adjoint arrays made here and referenced once (writable)
        self.recipes = templates.Recipes()  # rule expansions recorded, replayed when alike

    def _close_reads(self) -> None:
        """A value the backward reads must exist on every path, and so must
        the values its phis merge (a branch or loop may not assign them)."""
        feeds: dict[int, list] = {}

        def walk(b):
            for st in b.stmts:
                if isinstance(st, ir.If):
                    for o, a, c in zip(st.outs, st.then_yield, st.else_yield, strict=True):
                        feeds[o.id] = [a, c]
                    walk(st.then)
                    walk(st.orelse)
                elif isinstance(st, ir.Loop):
                    for c, i, n, o in zip(st.carried, st.init, st.next, st.outs, strict=True):
                        feeds[o.id] = [c]
                        feeds[c.id] = [i, n]
                    walk(st.body)
        walk(self.fn.body)
        todo = list(self.read)
        while todo:
            for y in feeds.get(todo.pop(), ()):
                if isinstance(y, ir.Var) and y.id not in self.read:
                    self.read.add(y.id)
                    todo.append(y.id)

    def is_active(self, a) -> bool:
        return isinstance(a, ir.Var) and a.id in self.active

    # ------------------------------------------------------------ emission
    def emit(self, op, args, kwargs=(), adjoint_of=None, loc=None, hint=None) -> ir.Var:
        out = ir.Var(hint, adjoint_of=adjoint_of)
        self.fresh.add(out.id)
        self.out.append(ir.Eqn([out], op, list(args), list(kwargs), loc, self.group))
        return out

    def zeros(self, var: ir.Var, loc=None) -> ir.Atom:
        """A materialised zero adjoint for ``var`` (``0.0`` for a number, which
        needs no look at the value)."""
        if self.shapes.is_scalar(var):
            return ir.Const(0.0)
        z = self.emit(ir.Call(True), [helper(runtime.zeros_like), self.primal(var)],
                      adjoint_of=var, loc=loc)
        self.owned.add(z.id)
        return z

    def accumulate(self, var, contrib: ir.Atom, loc) -> None:
        if not self.is_active(var):
            return
        prev = self.adj.get(var.id)
        if prev is None:
            if isinstance(contrib, ir.Var) and contrib.id in self.fresh:
                contrib.adjoint_of = var  # name it after its primal: bx
                if self._getitem_contribution(contrib) is not None:
                    self.owned.add(contrib.id)  # a fresh array (or container) of zeros
            self.adj[var.id] = contrib
            return
        scattered = self._getitem_contribution(contrib)
        if scattered is not None and self._owns(var, prev):
            # add into the accumulator in place, not a fresh array of zeros per use
            g, _, index = scattered
            new = self.emit(ir.Call(True), [helper(runtime.index_add), prev, index, g],
                            adjoint_of=var, loc=loc)
            self.owned.add(new.id)
            self.adj[var.id] = new
            return
        b = negated(self.out, contrib)
        if (var.id in self.numeric or self.shapes.is_scalar(var)) and b is not None:
            op, args = ir.BinOp("-", operator.sub), [prev, b]  # a + -b reads a - b
        elif var.id in self.numeric or self.shapes.is_scalar(var):
            op, args = ir.BinOp("+", operator.add), [prev, contrib]
        else:
            op, args = ir.Call(True), [helper(runtime.add_grads), prev, contrib]
        self.adj[var.id] = self.emit(op, args, adjoint_of=var, loc=loc)

    def _getitem_contribution(self, contrib):
        """``(g, x, index)`` if ``contrib`` was just made by ``getitem_vjp``."""
        if not isinstance(contrib, ir.Var):
            return None
        for s in reversed(self.out[-6:]):
            if isinstance(s, ir.Eqn) and s.outs == [contrib]:
                if isinstance(s.op, ir.Call) and isinstance(s.args[0], ir.Free) \
                        and s.args[0].value is runtime.getitem_vjp and len(s.args) == 4:
                    return tuple(s.args[1:])
                return None
        return None

    def _owns(self, var, atom) -> bool:
        """Is ``atom`` a fresh array that only ``var``'s adjoint refers to?"""
        return (isinstance(atom, ir.Var) and atom.id in self.owned
                and not any(a is atom for k, a in self.adj.items() if k != var.id))

    def primal(self, a, snapshot=True):
        """The atom that holds primal value ``a`` where backward code runs:
        inside a backward loop, values of the forward iteration are restored
        from the list they were saved in (or, for the loop index, recomputed).
        A value whose array may be written in place later is read from a
        copy taken right after its definition."""
        if not isinstance(a, ir.Var):
            return a
        self.read.add(a.id)
        if snapshot and a.volatile:
            snap = self.snapshots.get(a.id)
            if snap is None:
                snap = self.snapshots[a.id] = ir.Var(a.hint)
                snap.like = a
                for ctx in self.loops:
                    if a.id in ctx.defined:
                        ctx.defined.add(snap.id)
            a = snap
        for ctx in reversed(self.loops):
            if a.id not in ctx.defined:
                continue
            r = ctx.restore.get(a.id)
            if r is None:
                r = ctx.restore[a.id] = ir.Var(a.hint)
                r.adjoint_of, r.tangent_of, r.like = a.adjoint_of, a.tangent_of, a
                loop = ctx.loop
                if a is loop.target:
                    # the index is recomputed from the iterable, not saved
                    saved_self, saved_out = self.out, []
                    self.out = saved_out
                    it = self.primal(loop.iterable)
                    self.out = saved_self
                    ctx.prelude.extend(saved_out)
                    ctx.prelude.append(ir.Eqn([r], ir.GetItem(("atom", 1)), [it, ctx.index]))
                elif a.id in ctx.recompute:
                    # so is what only the index and unchanging values give (xs[t], i + 1)
                    eqn = ctx.recompute[a.id]
                    saved_self, saved_out = self.out, []
                    self.out = saved_out
                    args = [self.primal(x) for x in eqn.args]
                    self.out = saved_self
                    ctx.prelude.extend(saved_out)
                    ctx.prelude.append(ir.Eqn([r], eqn.op, args, [], eqn.loc))
                else:
                    ctx.saved.append(a)
            return r
        return a

    # ------------------------------------------------------------ sweep
    def run(self) -> Adjoint:
        fn = self.fn
        seed = None
        if self.is_active(fn.result):
            seed = ir.Var(adjoint_of=fn.result)
            self.adj[fn.result.id] = seed
        self.block(fn.body)
        self.group = None
        grads = []
        complex_values = _makes_complex_values(fn)
        for i in self.wrt:
            p = fn.params[i]
            g = self.adj.get(p.id)
            if g is None:
                g = self.zeros(p)
            elif complex_values:  # a real parameter's gradient: the real part
                g = self.emit(ir.Call(True), [helper(runtime.real_if_real), g, p],
                              adjoint_of=p)
            grads.append(g)
        backward = ir.Block(self.out)
        eliminate_dead(backward, grads)
        facts = spread_uniform(backward, grads, fn, self.shapes, self.numeric, self.containers,
                               [seed.id] if seed is not None and self.shapes.is_scalar(fn.result)
                               else ())
        if not self.shapes.all_numbers(self.active):  # (on numbers, nothing to gather)
            fold_factors(backward, grads, facts.is_number)
        if facts.changed:
            self._save_only_what_is_read(backward, grads)
        self._close_reads()
        forward = self.augment(fn.body)
        return Adjoint(fn, list(self.wrt), forward, backward, seed, grads,
                       self.shapes.is_scalar(fn.result))

    def _save_only_what_is_read(self, backward, grads) -> None:
        """After the backward sweep was simplified: what a backward loop no
        longer restores, its forward loop need not save (a reduction's
        operand whose cotangent stayed a number was read for its shape)."""
        eliminate_dead(backward, grads)
        referenced = set(analysis.use_counts([backward], grads))
        for e in ir.walk_eqns(backward):
            for a in e.atoms():  # a stack restored in an enclosing loop is read there
                while isinstance(a, ir.Var) and a.like is not None:
                    a = a.like
                    referenced.add(a.id)
        for plan in self.plans.values():
            plan.saved = [v for v in plan.saved if plan.stacks[v.id].id in referenced]

    def block(self, block: ir.Block) -> None:
        for s in reversed(block.stmts):
            if isinstance(s, ir.Eqn):
                self.eqn(s)
            elif isinstance(s, ir.If):
                self.branch(s)
            elif isinstance(s, ir.Loop):
                self.loop(s)
            else:
                raise TypeError(s)

    def eqn(self, eqn: ir.Eqn) -> None:
        if not eqn.outs or not self.is_active(eqn.outs[0]):
            if type(eqn.op) is ir.Call or type(eqn.op) is ir.Method:
                self._inactive_call(eqn)
            return
        g = self.adj.get(eqn.outs[0].id)
        if g is None:
            return
        self.group = next(self._groups)
        self.fresh = set()
        op = eqn.op
        if isinstance(op, ir.Build):
            self.build(eqn, g)
        elif isinstance(op, ir.Copy):
            self.accumulate(eqn.args[0], g, eqn.loc)
        else:
            self.rule(eqn, g)

    def build(self, eqn, g):
        if eqn.op.kind in ("tuple", "list"):
            pairs = [(ir.Const(i), a) for i, a in enumerate(eqn.args)]
        elif eqn.op.kind == "dict":
            pairs = list(zip(eqn.args[0::2], eqn.args[1::2], strict=True))
        else:
            return
        for key, a in pairs:
            if self.is_active(a):
                part = self.emit(ir.GetItem(("atom", 1)), [g, self.primal(key)], loc=eqn.loc)
                self.accumulate(a, part, eqn.loc)

    def rule(self, eqn, g):
        refuse_sequence_arithmetic(eqn, self.containers)
        key, args, kwargs = call_view(eqn)
        if isinstance(eqn.op, ir.GetItem):
            args = [eqn.args[0], self.index_value(eqn)]
        elif isinstance(eqn.op, ir.SetItem):
            args = [eqn.args[0], self.index_value(eqn), eqn.args[-1]]
        rule = lookup(key)
        if rule is None and isinstance(eqn.op, ir.Call) and is_user_function(key):
            return self.user_call(eqn, key, g)
        if isinstance(eqn.op, ir.Call) and eqn.op.star and rule is not None and not rule.nondiff:
            loc = eqn.loc
            raise UnsupportedError(f"differentiating a call of {describe_callee(eqn)} with *args",
                                   filename=loc and loc.filename, lineno=loc and loc.lineno,
                                   construct="*args")
        if rule is None or rule.vjp is None:
            if rule is not None and rule.nondiff:
                return
            raise self.nondifferentiable(eqn, rule if rule is not None and rule.jvp else None)
        binding = rule.bind(args, kwargs)
        if binding is None:
            raise unfit_call(eqn, rule)
        active = self.active
        want = []
        for i, name in enumerate(rule.wrt):
            v = binding.get(name)
            if type(v) is ir.Var:
                if v.id in active:
                    want.append(i)
            elif isinstance(v, tuple) and any(self.is_active(a) for a in v):
                want.append(i)
        if not want:
            return
        params = rule.vjp.__code__.co_varnames[:2]
        env = {name: (tuple(self._lazy_primal(x) for x in v) if isinstance(v, tuple)
                      else self._lazy_primal(v)) for name, v in binding.items()}
        if isinstance(eqn.op, (ir.GetItem, ir.SetItem)) and isinstance(eqn.args[0], ir.Var):
            # getitem's and setitem's cotangents read only the base's shape and
            # type: any version of a written array has them, so read one that is
            # not moved (but an append changes a list's length: a list read is
            # snapshotted)
            base = eqn.args[0]
            env[rule.wrt[0]] = self._lazy_primal(base.shape_like or base,
                                                 snapshot=base.id in self.containers)
        env.update({params[0]: g, params[1]: self._lazy_primal(eqn.outs[0])})
        # Contributions that add to an existing adjoint first, new ones last: the
        # new adjoint can then reuse the name of g, which nothing reads after it.
        carried = {c.id for c in self.loops[-1].loop.carried} if self.loops else set()

        def order(i):
            targets = [a for a in flat(binding[rule.wrt[i]]) if isinstance(a, ir.Var)]
            fresh = not any(self.adj.get(a.id) is not None for a in targets)
            return fresh, any(a.id in carried for a in targets)

        if len(want) > 1:
            want.sort(key=order)
        ex = self.recipes.expansion(rule, env, eqn.loc, self._same_shape, eqn.outs[0], want)
        self._extend(ex.prelude())
        for i in want:
            stmts, atom = ex.element(i)
            self._extend(stmts)
            value = binding[rule.wrt[i]]
            if isinstance(value, tuple):  # a *args parameter: one cotangent per element
                for k, a in enumerate(value):
                    if self.is_active(a):
                        part = self.emit(ir.GetItem(("atom", 1)), [atom, ir.Const(k)],
                                         loc=eqn.loc)
                        self.accumulate(a, part, eqn.loc)
            else:
                self.accumulate(value, atom, eqn.loc)

    def _inactive_call(self, eqn) -> None:
        """A call whose result needs no derivative may still be wrong to pass
        over: one that changes an argument made from the differentiated
        inputs, or one of a function value made from them (a closure)."""
        varied = self.varied
        callee = eqn.args[0]
        writes = _writes_an_argument(eqn)
        if writes and any(type(a) is ir.Var and a.id in varied
                          for a in [*eqn.args, *(v for _, v in eqn.kwargs)]):
            loc = eqn.loc
            name = describe_callee(eqn)
            raise UnsupportedError(
                f"{name} writes into its argument in place, with values made from the "
                "differentiated inputs: s2s_ad follows only x[i] = v and lst.append(v) "
                "writes; compute the result as a new value (y = y + ..., "
                "y = np.where(...))", filename=loc and loc.filename,
                lineno=loc and loc.lineno, construct=name, source_line=loc and loc.line)
        if writes:
            return
        if eqn.outs and eqn.outs[0].id in self.useful:
            refuse_varied_constants(eqn, lambda a: type(a) is ir.Var and a.id in varied)
        if type(eqn.op) is ir.Method:
            return
        if type(callee) is ir.Var:
            if callee.id in varied:
                loc = eqn.loc
                what = f"{callee.hint!r}, a function value" if callee.hint else "a function value"
                raise UnsupportedError(
                    f"calling {what} made from the "
                    "differentiated inputs (a closure returned by a call, say): s2s_ad "
                    "differentiates calls of functions it can read; call a module-level "
                    "function, or a nested def or lambda, with the values as arguments",
                    filename=loc and loc.filename, lineno=loc and loc.lineno,
                    construct="a call of a computed function", source_line=loc and loc.line)
        elif type(callee) is ir.Free and is_user_function(callee.value) and any(
                type(a) is ir.Var and a.id in varied
                for a in [*eqn.args[1:], *(v for _, v in eqn.kwargs)]):
            REFUSE_ARGUMENT_WRITES(callee.value)

    def user_call(self, eqn, callee, g):
        """``y = f(a, b)`` with ``f`` a user function: the forward calls
        ``y, r = f_fwd(a, b)`` and the backward ``ba, bb = f_bwd(r, by)``."""
        star = eqn.op.star
        positional = eqn.args[1:-1] if star else eqn.args[1:]
        if star and self.is_active(eqn.args[-1]):
            loc = eqn.loc
            raise UnsupportedError(
                f"differentiating through *{name_of(eqn.args[-1])} in a call of "
                f"{describe_callee(eqn)}: pass the differentiated values by name",
                filename=loc and loc.filename, lineno=loc and loc.lineno, construct="*args")
        try:
            sig = inspect.signature(callee)
            bound = (sig.bind_partial if star else sig.bind)(*positional, **dict(eqn.kwargs))
        except (TypeError, ValueError) as e:
            loc = eqn.loc
            raise UnsupportedError(f"call of {describe_callee(eqn)}: {e}",
                                   filename=loc and loc.filename, lineno=loc and loc.lineno,
                                   construct=describe_callee(eqn)) from None
        names = list(sig.parameters)
        for n, v in bound.arguments.items():
            packed = v.values() if isinstance(v, dict) else v if isinstance(v, tuple) else ()
            if any(self.is_active(a) for a in packed):  # a *args or **kwargs parameter
                loc = eqn.loc
                raise UnsupportedError(
                    f"differentiating through the parameter {n!r} of {describe_callee(eqn)} "
                    "(*args or **kwargs): give the differentiated values named parameters",
                    filename=loc and loc.filename, lineno=loc and loc.lineno,
                    construct="*args", source_line=loc and loc.line)
        active = [(i, bound.arguments[n]) for i, n in enumerate(names)
                  if n in bound.arguments and self.is_active(bound.arguments[n])]
        if not active:
            return
        # the callee specialised to the arguments known here to be numbers
        kinds = self.shapes.call_kinds(eqn, callee)
        fwd, bwd = SPLIT_PAIR(callee, tuple(i for i, _ in active), kinds)
        name = callee.__name__.strip("<>")
        res = ir.Var(f"{name}_res")
        y = eqn.outs[0]
        self.replace[id(eqn)] = ir.Eqn([y, res], ir.Call(False, star),
                                       [ir.Free(f"{name}_fwd", fwd, "rule"), *eqn.args[1:]],
                                       list(eqn.kwargs), eqn.loc)
        for ctx in self.loops:
            if y.id in ctx.defined:
                ctx.defined.add(res.id)
        outs = [ir.Var() for _ in active]
        self.fresh.update(v.id for v in outs)
        self.out.append(ir.Eqn(outs, ir.Call(True),
                               [ir.Free(f"{name}_bwd", bwd, "rule"), self.primal(res), g],
                               loc=eqn.loc, group=self.group))
        for (_, atom), out in zip(active, outs, strict=True):
            self.accumulate(atom, out, eqn.loc)

    def _extend(self, stmts):
        for s in stmts:
            s.group = self.group
            self.fresh.update(v.id for v in s.outs)
        self.out.extend(stmts)

    def _lazy_primal(self, a, snapshot=True):
        if not isinstance(a, ir.Var):
            return a
        out = self.out
        return templates.Lazy(lambda: self._primal_into(a, out, snapshot), a, snapshot)

    def _primal_into(self, a, out, snapshot):
        saved, self.out = self.out, out
        try:
            return self.primal(a, snapshot)
        finally:
            self.out = saved

    def _same_shape(self, a, b):
        return self.shapes.same(a, b)

    def index_value(self, eqn) -> ir.Atom:
        """The subscript of a GetItem as a value (``(i, slice(1, j))``)."""
        index = eqn.op.index

        def build(spec):
            if spec[0] == "atom":
                return self.primal(eqn.args[spec[1]])
            if spec[0] == "slice":
                parts = [ir.Const(None) if p is None else self.primal(eqn.args[p])
                         for p in spec[1:]]
                return self.emit(ir.Call(True), [helper(builtins.slice), *parts], loc=eqn.loc)
            return self.emit(ir.Build("tuple"), [build(s) for s in spec[1]], loc=eqn.loc)

        return build(index)

    def nondifferentiable(self, eqn, rule=None):
        return nondifferentiable(eqn, rule)

def _makes_complex_values(fn) -> bool:
    """Does ``fn`` make complex values (a complex constant, an FFT, a cast to
    a complex type)? Then a real parameter's cotangent may be complex."""
    for e in ir.walk_eqns(fn.body):
        for a in [*e.args, *(v for _, v in e.kwargs)]:
            if type(a) is ir.Const and (isinstance(a.value, complex) or (
                    isinstance(a.value, (type, np.dtype, str)) and _is_complex_type(a.value))):
                return True
            if type(a) is ir.Free and (getattr(a.value, "__module__", None) or "").startswith(
                    "numpy.fft") or (type(a) is ir.Free and _is_complex_type(a.value)):
                return True
    return False


def _is_complex_type(t) -> bool:
    """A complex type or dtype (``complex``, ``np.complex128``, ``"complex64"``)."""
    if isinstance(t, str):
        return "complex" in t
    if isinstance(t, (type, np.dtype)):
        try:
            return np.dtype(t).kind == "c"
        except TypeError:
            return False
    return False


#: NumPy functions that write into an argument (their result, if any, is not it)
_IN_PLACE = (np.copyto, np.put, np.putmask, np.place, np.fill_diagonal, np.random.shuffle)
_IN_PLACE_METHODS = frozenset({"shuffle"})


def _writes_an_argument(eqn) -> bool:
    """Does this call (or method call) write into one of its arguments:
    ``out=``, ``np.add.at``, ``np.copyto``, ``rng.shuffle(y)``...?"""
    if any(k == "out" for k, _ in eqn.kwargs):
        return True
    if type(eqn.op) is ir.Method:
        return eqn.op.name in _IN_PLACE_METHODS
    callee = eqn.args[0]
    if type(callee) is not ir.Free:
        return False
    f = callee.value
    return any(f is g for g in _IN_PLACE) or (
        getattr(f, "__name__", None) == "at" and isinstance(getattr(f, "__self__", None), np.ufunc))


def reverse(fn: ir.Function, wrt: list[int], scalar_inputs: str | None = None) -> Adjoint:
    """The adjoint program; with ``scalar_inputs``, specialised to calls whose
    arguments are all numbers (see :class:`~s2s_ad.ir.analysis.ShapeClasses`)."""
    return _Reverse(fn, wrt, scalar_inputs).run()

