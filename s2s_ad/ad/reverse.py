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
import types
from dataclasses import dataclass, field

from .. import runtime
from ..errors import NonDifferentiableError, UnsupportedError
from ..ir import analysis
from ..ir import nodes as ir
from ..rules.registry import call_view, lookup
from . import templates

#: Set by the API: ``(function, active positions) -> (forward, backward)``.
SPLIT_PAIR = None


@dataclass
class Adjoint:
    """The reverse-mode program for ``primal`` w.r.t. the params ``wrt``."""

    primal: ir.Function
    wrt: list[int]
    forward: ir.Block
    backward: ir.Block
    seed: ir.Var | None
    grads: list[ir.Atom]


def helper(fn) -> ir.Free:
    """A runtime helper (or builtin) referenced from generated code."""
    return ir.Free(fn.__name__, fn, "rule")


def describe_callee(eqn: ir.Eqn) -> str:
    op = eqn.op
    if isinstance(op, ir.Call):
        c = eqn.args[0]
        return c.path if isinstance(c, ir.Free) else "a computed function"
    if isinstance(op, ir.Method):
        return f".{op.name}()"
    if isinstance(op, ir.GetAttr):
        return f".{op.name}"
    return getattr(op, "symbol", type(op).__name__)


@dataclass(eq=False)
class _LoopContext:
    """Bookkeeping while the backward body of one loop is built."""

    loop: ir.Loop
    defined: set[int]                     # ids defined by one iteration of the forward body
    index: ir.Var                         # the backward loop's iteration number
    restore: dict[int, ir.Var] = field(default_factory=dict)
    saved: list[ir.Var] = field(default_factory=list)   # primal values to save per iteration
    prelude: list = field(default_factory=list)         # restoring statements


@dataclass(eq=False)
class _LoopPlan:
    """How the forward loop must be augmented for its backward loop."""

    stacks: dict[int, ir.Var]             # primal var id -> its list
    saved: list[ir.Var]
    counter: tuple[ir.Var, ir.Var, ir.Var] | None  # (carried, next, out) trip counter


def _defined_in(block: ir.Block, into_loops: bool) -> set[int]:
    out = set()
    for s in block.stmts:
        if isinstance(s, ir.Eqn):
            out.update(v.id for v in s.outs)
        elif isinstance(s, ir.If):
            out.update(v.id for v in s.outs)
            out |= _defined_in(s.then, into_loops) | _defined_in(s.orelse, into_loops)
        elif isinstance(s, ir.Loop):
            out.update(v.id for v in s.outs)
            if into_loops:
                out.update(v.id for v in s.carried)
                if s.target is not None:
                    out.add(s.target.id)
                out |= _defined_in(s.body, True)
                if s.cond_block is not None:
                    out |= _defined_in(s.cond_block, True)
    return out


def _loop_iteration_defs(loop: ir.Loop) -> set[int]:
    ids = {c.id for c in loop.carried} | _defined_in(loop.body, False)
    if loop.target is not None:
        ids.add(loop.target.id)
    if loop.cond_block is not None:
        ids |= _defined_in(loop.cond_block, False)
    return ids


class _Reverse:
    def __init__(self, fn: ir.Function, wrt: list[int]):
        self.fn = fn
        self.wrt = wrt
        wrt_vars = [fn.params[i] for i in wrt]
        self.active = analysis.activity(fn, wrt_vars)
        self.shapes = analysis.ShapeClasses(fn)
        self.numeric = analysis.numeric_vars(fn)
        self.adj: dict[int, ir.Atom] = {}
        self.out: list = []
        self._groups = itertools.count()
        self.group = None
        self.fresh: set[int] = set()
        self.loops: list[_LoopContext] = []
        self.plans: dict[int, _LoopPlan] = {}
        self.replace: dict[int, ir.Eqn] = {}  # forward equations rewritten (calls to split pairs)
        self.snapshots: dict[int, ir.Var] = {}  # volatile value id -> its copy taken at definition
        self.read: set[int] = set()  # primal values the backward sweep reads
        self.owned: set[int] = set()  # adjoint arrays made here and referenced once (writable)

    def is_active(self, a) -> bool:
        return isinstance(a, ir.Var) and a.id in self.active

    # ------------------------------------------------------------ emission
    def emit(self, op, args, kwargs=(), adjoint_of=None, loc=None, hint=None) -> ir.Var:
        out = ir.Var(hint, adjoint_of=adjoint_of)
        self.fresh.add(out.id)
        self.out.append(ir.Eqn([out], op, list(args), list(kwargs), loc, self.group))
        return out

    def zeros(self, var: ir.Var, loc=None) -> ir.Var:
        """A materialised zero adjoint for ``var``."""
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
        if var.id in self.numeric:
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
        for i in self.wrt:
            p = fn.params[i]
            g = self.adj.get(p.id)
            if g is None:
                g = self.zeros(p)
            grads.append(g)
        backward = ir.Block(self.out)
        _eliminate_dead(backward, grads)
        forward = self.augment(fn.body)
        return Adjoint(fn, list(self.wrt), forward, backward, seed, grads)

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
        key, args, kwargs = call_view(eqn)
        if isinstance(eqn.op, ir.GetItem):
            args = [eqn.args[0], self.index_value(eqn)]
        elif isinstance(eqn.op, ir.SetItem):
            args = [eqn.args[0], self.index_value(eqn), eqn.args[-1]]
        rule = lookup(key)
        if rule is None and isinstance(eqn.op, ir.Call) and _is_user_function(key):
            return self.user_call(eqn, key, g)
        if isinstance(eqn.op, ir.Call) and eqn.op.star and rule is not None and not rule.nondiff:
            loc = eqn.loc
            raise UnsupportedError(f"differentiating a call of {describe_callee(eqn)} with *args",
                                   filename=loc and loc.filename, lineno=loc and loc.lineno,
                                   construct="*args")
        if rule is None or rule.vjp is None:
            if rule is not None and rule.nondiff:
                return
            raise self.nondifferentiable(eqn)
        binding = rule.bind(args, kwargs)
        if binding is None:
            loc = eqn.loc
            raise UnsupportedError(
                f"the call of {describe_callee(eqn)} has arguments its derivative rule "
                f"({rule.name}) does not accept", filename=loc and loc.filename,
                lineno=loc and loc.lineno, construct=describe_callee(eqn),
                source_line=loc and loc.line)
        want = [i for i, name in enumerate(rule.wrt)
                if any(self.is_active(a) for a in _flat(binding.get(name)))]
        if not want:
            return
        params = list(rule.vjp.__code__.co_varnames[:2])
        env = {name: (tuple(self._lazy_primal(x) for x in v) if isinstance(v, tuple)
                      else self._lazy_primal(v)) for name, v in binding.items()}
        if isinstance(eqn.op, ir.GetItem) and isinstance(eqn.args[0], ir.Var):
            # getitem's cotangent reads only the base's shape and type: any
            # version of a written array has them, so read one that is not moved
            base = eqn.args[0]
            env[rule.wrt[0]] = self._lazy_primal(base.shape_like or base, snapshot=False)
        env.update({params[0]: g, params[1]: self._lazy_primal(eqn.outs[0])})
        ex = templates.Expansion(rule, "vjp", env, eqn.loc, self._same_shape, eqn.outs[0])
        self._extend(ex.prelude())
        # Contributions that add to an existing adjoint first, new ones last: the
        # new adjoint can then reuse the name of g, which nothing reads after it.
        carried = {c.id for c in self.loops[-1].loop.carried} if self.loops else set()

        def order(i):
            targets = [a for a in _flat(binding[rule.wrt[i]]) if isinstance(a, ir.Var)]
            fresh = not any(self.adj.get(a.id) is not None for a in targets)
            return fresh, any(a.id in carried for a in targets)

        want.sort(key=order)
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

    def user_call(self, eqn, callee, g):
        """``y = f(a, b)`` with ``f`` a user function: the forward calls
        ``y, r = f_fwd(a, b)`` and the backward ``ba, bb = f_bwd(r, by)``."""
        star = eqn.op.star
        positional = eqn.args[1:-1] if star else eqn.args[1:]
        if star and self.is_active(eqn.args[-1]):
            loc = eqn.loc
            raise UnsupportedError(
                f"differentiating through *{_name_of(eqn.args[-1])} in a call of "
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
        active = [(i, bound.arguments[n]) for i, n in enumerate(names)
                  if n in bound.arguments and self.is_active(bound.arguments[n])]
        if not active:
            return
        fwd, bwd = SPLIT_PAIR(callee, tuple(i for i, _ in active))
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
        return templates.Lazy(lambda: self._primal_into(a, out, snapshot), a)

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

    def nondifferentiable(self, eqn) -> NonDifferentiableError:
        return nondifferentiable(eqn)

    # ------------------------------------------------------------ branches
    def branch(self, s: ir.If) -> None:
        pairs = [(o, a, b) for o, a, b in zip(s.outs, s.then_yield, s.else_yield, strict=True)
                 if self.adj.get(o.id) is not None]
        inside = _defined_in(s.then, True) | _defined_in(s.orelse, True)
        before = dict(self.adj)
        results = []
        for region, side in ((s.then, 1), (s.orelse, 2)):
            self.adj = dict(before)
            saved_out, self.out = self.out, []
            self.group = None
            for o, *ys in pairs:
                self.accumulate(ys[side - 1], before[o.id], s.loc)
            self.block(region)
            results.append((self.out, self.adj))
            self.out = saved_out
        (then_out, then_adj), (else_out, else_adj) = results
        changed = []
        for adj in (then_adj, else_adj):
            for vid, a in adj.items():
                if vid not in inside and a is not before.get(vid) and vid not in changed:
                    changed.append(vid)
        self.adj = dict(before)
        outs, ty, ey = [], [], []
        var_of = self._vars_by_id(s)
        for vid in changed:
            v = var_of.get(vid)
            if v is None:
                continue
            merged = []
            for body, adj in ((then_out, then_adj), (else_out, else_adj)):
                a = adj.get(vid)
                if a is None:
                    saved_out, self.out = self.out, body
                    self.group = None
                    like = next((before[o.id] for o, *ys in pairs if v in ys), None)
                    if like is not None:  # shaped like the phi it feeds: no primal needed
                        a = self.emit(ir.Call(True), [helper(runtime.zeros_like), like],
                                      adjoint_of=v, loc=s.loc)
                    else:
                        a = self.zeros(v, s.loc)
                    self.out = saved_out
                merged.append(a)
            phi = ir.Var(adjoint_of=v)
            outs.append(phi)
            ty.append(merged[0])
            ey.append(merged[1])
            self.adj[vid] = phi
        if not (then_out or else_out or outs):
            return
        self.out.append(ir.If(self.primal(s.pred), ir.Block(then_out), ir.Block(else_out),
                              outs, ty, ey, s.loc))

    def _vars_by_id(self, stmt) -> dict[int, ir.Var]:
        """Primal vars (the keys of adjoints) by id: params and every def."""
        if not hasattr(self, "_var_index"):
            index = {p.id: p for p in self.fn.params}

            def walk(b):
                for s in b.stmts:
                    if isinstance(s, ir.Eqn):
                        index.update((v.id, v) for v in s.outs)
                    elif isinstance(s, ir.If):
                        index.update((v.id, v) for v in s.outs)
                        walk(s.then)
                        walk(s.orelse)
                    elif isinstance(s, ir.Loop):
                        index.update((v.id, v) for v in s.outs + s.carried)
                        if s.target is not None:
                            index[s.target.id] = s.target
                        walk(s.body)
                        if s.cond_block is not None:
                            walk(s.cond_block)
            walk(self.fn.body)
            self._var_index = index
        return self._var_index

    # ------------------------------------------------------------ loops
    def loop(self, L: ir.Loop) -> None:
        active_carried = [(c, n, o, i) for c, n, o, i in
                          zip(L.carried, L.next, L.outs, L.init, strict=True)
                          if self.is_active(c) or self.is_active(o)]
        if not active_carried and not self._body_has_active(L):
            return
        var_of = self._vars_by_id(L)
        iteration = _loop_iteration_defs(L)
        inside = iteration | _defined_in(L.body, True)
        outer = [var_of[vid] for vid in self._outer_uses(L, inside)]
        # --- backward loop entry: adjoints carried by the backward loop
        self.group = None
        loop_vars = [c for c, *_ in active_carried] + outer
        init = []
        for c, n, o, i in active_carried:
            a = self.adj.get(o.id)
            init.append(a if a is not None else self.zeros(o, L.loc))
        for v in outer:
            a = self.adj.get(v.id)
            init.append(a if a is not None else self.zeros(v, L.loc))
        carried_in = [ir.Var(adjoint_of=v) for v in loop_vars]
        for cin, a, v in zip(carried_in, init, loop_vars, strict=True):
            if isinstance(a, ir.Var) and a.id in self.owned and \
                    sum(1 for x in init if x is a) == 1 and \
                    not any(x is a for k, x in self.adj.items() if k != v.id):
                self.owned.add(cin.id)
        index = ir.Var(L.target.hint if L.target is not None and L.target.hint != "_" else "it")
        ctx = _LoopContext(L, iteration, index)
        # --- backward body
        before = self.adj
        self.adj = dict(before)
        for v, cin in zip(outer, carried_in[len(active_carried):], strict=True):
            self.adj[v.id] = cin
        k = len(active_carried)
        for (c, n, o, i), cin in zip(active_carried, carried_in[:k], strict=True):
            self.adj.pop(c.id, None)
        saved_out, self.out = self.out, []
        self.loops.append(ctx)
        self.group = None
        for (c, n, o, i), cin in zip(active_carried, carried_in[:k], strict=True):
            self.accumulate(n, cin, L.loc)
        self.block(L.body)
        self.group = None
        nxt = []
        for (c, n, o, i), cin in zip(active_carried, carried_in[:k], strict=True):
            a = self.adj.get(c.id)
            if a is None:
                a = self.emit(ir.Call(True), [helper(runtime.zeros_like), cin], adjoint_of=c,
                              loc=L.loc)
            nxt.append(a)
        for v in outer:
            nxt.append(self.adj[v.id])
        self.loops.pop()
        if L.target is not None and L.target.id in ctx.restore:
            index.hint = "it"  # the user's name goes to the restored loop variable
        body_stmts = ctx.prelude + self._restores(ctx) + self.out
        self.out = saved_out
        self.adj = before
        # --- the trip count and the reversed iteration
        plan = _LoopPlan(stacks={v.id: ir.Var(stack_of=v) for v in ctx.saved},
                         saved=list(ctx.saved), counter=None)
        self.group = next(self._groups)
        if L.kind == "for" and not L.exit_flags:
            trip = self.emit(ir.Call(True), [helper(builtins.len), self.primal(L.iterable)],
                             loc=L.loc)
        else:
            count = (ir.Var("trips"), ir.Var("trips"), ir.Var("trips"))
            plan.counter = count
            trip = self.primal(count[2])
        if self.loops:
            # the lists (and trip counter) are made anew by each iteration of the
            # enclosing loop: its backward loop must restore them per iteration
            enclosing = self.loops[-1]
            enclosing.defined.update(v.id for v in plan.stacks.values())
            if plan.counter is not None:
                enclosing.defined.add(plan.counter[2].id)
            if plan.counter is not None:
                trip = self.primal(plan.counter[2])
        rng = self.emit(ir.Call(True), [helper(builtins.range), trip], loc=L.loc)
        rev = self.emit(ir.Call(True), [helper(builtins.reversed), rng], loc=L.loc)
        self.plans[id(L)] = plan
        # restores read the stacks built in the forward loop
        for stmt in body_stmts:
            if isinstance(stmt, ir.Eqn) and isinstance(stmt.op, _Restore):
                stmt.args[0] = self.primal(plan.stacks[stmt.op.primal.id])
                stmt.op = ir.GetItem(("atom", 1))
        outs = [ir.Var(adjoint_of=v) for v in loop_vars]
        self.out.append(ir.Loop("for", carried_in, init, ir.Block(body_stmts), nxt, outs,
                                iterable=rev, target=index, loc=L.loc))
        for (c, n, o, i), out in zip(active_carried, outs[:len(active_carried)], strict=True):
            self.accumulate(i, out, L.loc)
        for v, out in zip(outer, outs[len(active_carried):], strict=True):
            self.adj[v.id] = out

    def _restores(self, ctx: _LoopContext) -> list:
        out = []
        for v in ctx.saved:
            r = ctx.restore[v.id]
            # the stack itself is bound once the plan exists (see loop())
            out.append(ir.Eqn([r], _Restore(v), [None, ctx.index]))
        return out

    def _body_has_active(self, L) -> bool:
        return any(o.id in self.active for e in ir.walk_eqns(L.body) for o in e.outs)

    def _outer_uses(self, L: ir.Loop, inside: set[int]) -> list[int]:
        """Active values defined outside the loop that its body (or its
        nested regions) may send adjoint contributions to."""
        found: list[int] = []

        def see(atoms):
            for a in atoms:
                if isinstance(a, ir.Var) and a.id not in inside and self.is_active(a) \
                        and a.id not in found:
                    found.append(a.id)

        def walk(b):
            for s in b.stmts:
                if isinstance(s, ir.Eqn):
                    if s.outs and self.is_active(s.outs[0]):
                        see(analysis.diff_args(s))
                elif isinstance(s, ir.If):
                    see(s.then_yield + s.else_yield)
                    walk(s.then)
                    walk(s.orelse)
                elif isinstance(s, ir.Loop):
                    see(s.init + s.next)
                    walk(s.body)

        walk(L.body)
        see(L.next)
        return found

    # ------------------------------------------------------------ forward
    def augment(self, block: ir.Block) -> ir.Block:
        """The forward sweep: the primal, with each loop that has a plan
        saving what its backward loop reads, and snapshots of the values the
        backward reads that a later in-place write would change."""
        stmts = []
        for s in block.stmts:
            if isinstance(s, ir.If):
                # a value the backward reads must exist on every path: None where
                # the program never assigned it (that path never reads it either)
                def defined(ys):
                    return [ir.Const(None) if ir.is_undefined(y) and o.id in self.read else y
                            for o, y in zip(s.outs, ys, strict=True)]
                stmts.append(ir.If(s.pred, self.augment(s.then), self.augment(s.orelse),
                                   s.outs, defined(s.then_yield), defined(s.else_yield), s.loc))
            elif isinstance(s, ir.Loop):
                stmts.extend(self.augment_loop(s))
            else:
                stmts.append(self.replace.get(id(s), s))
            for v in _defined_by(s):
                snap = self.snapshots.get(v.id)
                if snap is not None:
                    stmts.append(ir.Eqn([snap], ir.Call(True), [helper(runtime.snapshot), v],
                                        loc=s.loc))
        return ir.Block(stmts)

    def augment_loop(self, L: ir.Loop) -> list:
        plan = self.plans.get(id(L))
        body = self.augment(L.body)
        if plan is None:
            return [ir.Loop(L.kind, L.carried, L.init, body, L.next, L.outs, L.iterable,
                            L.target, L.cond_block, L.cond, L.exit_flags, L.loc)]
        before = []
        for v in plan.saved:
            before.append(ir.Eqn([plan.stacks[v.id]], ir.Build("list"), [], loc=L.loc))
        carried, init, nxt, outs = list(L.carried), list(L.init), list(L.next), list(L.outs)
        saved_ids = {v.id for v in plan.saved}
        # a saved value first assigned inside the loop has no value before it:
        # start it at None so the first iteration can save it
        init = [ir.Const(None) if ir.is_undefined(i) and c.id in saved_ids else i
                for c, i in zip(carried, init, strict=True)]
        entry = []
        at_entry = {c.id for c in L.carried} | ({L.target.id} if L.target is not None else set())
        for c in L.carried:
            snap = self.snapshots.get(c.id)
            if snap is not None:
                entry.append(ir.Eqn([snap], ir.Call(True), [helper(runtime.snapshot), c], loc=L.loc))
                at_entry.add(snap.id)
        for v in plan.saved:
            if v.id in at_entry:
                entry.append(_append(plan.stacks[v.id], v, L.loc))
        body = ir.Block(entry + _with_appends(body, plan, L.loc))
        if plan.counter is not None:
            c, n, o = plan.counter
            body.stmts.append(ir.Eqn([n], ir.BinOp("+", operator.add), [c, ir.Const(1)],
                                     loc=L.loc))
            carried.append(c)
            init.append(ir.Const(0))
            nxt.append(n)
            outs.append(o)
        return before + [ir.Loop(L.kind, carried, init, body, nxt, outs, L.iterable, L.target,
                                 L.cond_block, L.cond, L.exit_flags, L.loc)]


class _Restore(ir.Op):
    """Placeholder for ``v = res_v[i]`` until the list exists."""

    def __init__(self, primal):
        self.primal = primal

    @property
    def key(self):
        return ("getitem",)


def _defined_by(s) -> list:
    if isinstance(s, ir.Eqn):
        return s.outs
    if isinstance(s, (ir.If, ir.Loop)):
        return s.outs
    return []


def _append(stack, value, loc):
    return ir.Eqn([], ir.Method("append", False), [stack, value], loc=loc)


def _with_appends(block: ir.Block, plan: _LoopPlan, loc) -> list:
    """Insert ``res_v.append(v)`` after the definition of each saved ``v`` in
    this iteration, padding other paths with ``None`` so each path appends
    once per iteration."""
    stmts, _ = _appends_in(block, plan, loc)
    return stmts


def _appends_in(block: ir.Block, plan: _LoopPlan, loc):
    saved_ids = {v.id for v in plan.saved}
    out, done = [], set()
    for s in block.stmts:
        out.append(s)
        defs = []
        if isinstance(s, ir.Eqn):
            defs = [v for v in s.outs if v.id in saved_ids]
        elif isinstance(s, ir.If):
            then_stmts, then_done = _appends_in(s.then, plan, loc)
            else_stmts, else_done = _appends_in(s.orelse, plan, loc)
            for vid in sorted(then_done - else_done):
                else_stmts.append(_append(plan.stacks[vid], ir.Const(None), loc))
            for vid in sorted(else_done - then_done):
                then_stmts.append(_append(plan.stacks[vid], ir.Const(None), loc))
            out[-1] = ir.If(s.pred, ir.Block(then_stmts), ir.Block(else_stmts), s.outs,
                            s.then_yield, s.else_yield, s.loc)
            done |= then_done | else_done
            defs = [v for v in s.outs if v.id in saved_ids]
        elif isinstance(s, ir.Loop):
            defs = [v for v in s.outs if v.id in saved_ids]
        for v in defs:
            out.append(_append(plan.stacks[v.id], v, loc))
            done.add(v.id)
    return out, done


def _name_of(atom) -> str:
    return getattr(atom, "hint", None) or getattr(atom, "path", None) or "args"


def nondifferentiable(eqn) -> NonDifferentiableError:
    name = describe_callee(eqn)
    loc = eqn.loc
    return NonDifferentiableError(
        f"cannot differentiate through {name}: it has no derivative rule, and its "
        "result depends on the differentiated inputs. Register one with "
        "@s2s_ad.primitive (then .defvjp / .defjvp), or wrap the input in "
        "s2s_ad.stop_gradient(...) if no derivative should flow through it",
        filename=loc and loc.filename, lineno=loc and loc.lineno, construct=name,
        source_line=loc and loc.line)


def _is_user_function(key) -> bool:
    """A plain Python function with source: transformed, not looked up."""
    return isinstance(key, types.FunctionType) and not (key.__module__ or "").startswith("s2s_ad.")


def _flat(v):
    if v is None:
        return []
    return list(v) if isinstance(v, tuple) else [v]


def _ids(atoms) -> set[int]:
    return {a.id for a in atoms if isinstance(a, ir.Var)}


def _eliminate_dead(block: ir.Block, live_out, only_derivative=False) -> None:
    """Drop pure derivative statements whose results nothing reads (with
    ``only_derivative``, primal statements are kept even if unused)."""
    _dce(block, _ids(live_out), mutate=True, only_derivative=only_derivative)


def _dce(block: ir.Block, live: set[int], mutate: bool, only_derivative=False) -> set[int]:
    """Dead-code elimination over a region; returns the ids live on entry."""
    kept = []
    live = set(live)
    for s in reversed(block.stmts):
        if isinstance(s, ir.Eqn):
            outs = {v.id for v in s.outs}
            if s.op.pure and outs and not outs & live and \
                    (not only_derivative or s.group is not None):
                continue
            live = (live - outs) | _ids(s.atoms())
        elif isinstance(s, ir.If):
            keep = [k for k, o in enumerate(s.outs) if o.id in live]
            outs = [s.outs[k] for k in keep]
            ty = [s.then_yield[k] for k in keep]
            ey = [s.else_yield[k] for k in keep]
            rest = live - {o.id for o in s.outs}
            lt = _dce(s.then, rest | _ids(ty), mutate, only_derivative)
            le = _dce(s.orelse, rest | _ids(ey), mutate, only_derivative)
            if mutate:
                s.outs, s.then_yield, s.else_yield = outs, ty, ey
                if not outs and not s.then.stmts and not s.orelse.stmts:
                    continue
            live = lt | le | _ids([s.pred])
        elif isinstance(s, ir.Loop):
            rest = live - {o.id for o in s.outs}
            body_out = rest | _ids(s.next) | _ids(s.exit_flags)
            while True:  # the body runs again: what it reads on entry is live at its end
                entry = _dce(s.body, body_out, False, only_derivative)
                grown = body_out | (entry - {c.id for c in s.carried})
                if grown == body_out:
                    break
                body_out = grown
            entry = _dce(s.body, body_out, mutate, only_derivative)
            if s.cond_block is not None:
                entry |= _dce(s.cond_block, entry | _ids([s.cond]), mutate, only_derivative)
            live = rest | entry | _ids(s.init) | _ids([s.iterable])
            live -= {c.id for c in s.carried} | ({s.target.id} if s.target else set())
        kept.append(s)
    if mutate:
        block.stmts = kept[::-1]
    return live


def reverse(fn: ir.Function, wrt: list[int]) -> Adjoint:
    return _Reverse(fn, wrt).run()
