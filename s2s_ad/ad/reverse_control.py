"""Reverse mode through control flow: the adjoint of an ``if`` is an ``if``
on the same predicate; the adjoint of a loop is a loop over the same
iterations in reverse, reading what each forward iteration saved.

What a backward loop body reads from its forward iteration is found while
the body is built (``primal()`` of the reverse transform registers it); the
forward loop is then *augmented* to append exactly those values to lists it
owns (``res_y.append(y)``), padding paths that do not define a value with
``None`` so every iteration appends once per list. Trip counts are kept only
for loops that can leave early.
"""

from __future__ import annotations

import builtins
import operator
from dataclasses import dataclass, field

from .. import runtime
from ..ir import analysis
from ..ir import nodes as ir
from .common import helper


@dataclass(eq=False)
class LoopContext:
    """Bookkeeping while the backward body of one loop is built."""

    loop: ir.Loop
    defined: set[int]                     # ids defined by one iteration of the forward body
    index: ir.Var                         # the backward loop's iteration number
    restore: dict[int, ir.Var] = field(default_factory=dict)
    saved: list[ir.Var] = field(default_factory=list)   # primal values to save per iteration
    recompute: dict = field(default_factory=dict)       # id -> the Eqn that recomputes it
    prelude: list = field(default_factory=list)         # restoring statements


@dataclass(eq=False)
class LoopPlan:
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


def _loop_invariants(loop: ir.Loop, iteration: set[int], enclosing: set[int]) -> set[int]:
    """Values every iteration computes alike (``-e`` in ``v = -e * v``):
    pure operations in the body (outside nested loops) on values from before
    every loop being differentiated, and on other invariants. The backward
    reads them as they stand after the loop (an iteration that reads one in
    the backward computed it in the forward); nothing is saved."""
    found: set[int] = set()

    def block(b):
        for s in b.stmts:
            if isinstance(s, ir.If):  # computed on some iterations, alike on each
                block(s.then)
                block(s.orelse)
            if not (isinstance(s, ir.Eqn) and s.op.pure and s.outs) \
                    or any(v.volatile for v in s.outs):
                continue
            if all(not isinstance(a, ir.Var) or (not a.volatile and a.id not in enclosing and (
                    a.id not in iteration or a.id in found)) for a in s.atoms()):
                found.update(v.id for v in s.outs)

    block(loop.body)
    return found


_INDEX_ARITHMETIC = {"+", "-", "*", "//", "%"}


def _recomputable(loop: ir.Loop, defined: set[int], enclosing: set[int]) -> dict:
    """Values of an iteration the backward loop recomputes from the restored
    loop index instead of saving them: integer arithmetic on the index
    (``i + 1``) and subscripts by it (``xs[t]``, ``x[i + 1]``) of values that
    do not change in the loop, at the top of the body."""
    target = loop.target
    found: dict = {}
    if target is None:
        return found

    def known(a) -> bool:
        if not isinstance(a, ir.Var):
            return True
        if a.volatile or a.id in enclosing:
            return False
        return a is target or a.id in found or a.id not in defined

    for s in loop.body.stmts:
        if not isinstance(s, ir.Eqn) or len(s.outs) != 1 or s.outs[0].volatile or s.kwargs:
            continue
        op = s.op
        index_math = isinstance(op, ir.BinOp) and op.symbol in _INDEX_ARITHMETIC and all(
            a is target or (isinstance(a, ir.Var) and a.id in found and found[a.id][1])
            or (isinstance(a, ir.Const) and type(a.value) is int) for a in s.args)
        item = isinstance(op, ir.GetItem) and all(known(a) for a in s.args) and any(
            a is target or (isinstance(a, ir.Var) and a.id in found) for a in s.args[1:])
        if index_math or item:
            found[s.outs[0].id] = (s, index_math)
    return {vid: eqn for vid, (eqn, _) in found.items()}


def _loop_iteration_defs(loop: ir.Loop) -> set[int]:
    ids = {c.id for c in loop.carried} | _defined_in(loop.body, False)
    if loop.target is not None:
        ids.add(loop.target.id)
    if loop.cond_block is not None:
        ids |= _defined_in(loop.cond_block, False)
    return ids


class ControlFlowAdjoints:
    """The branch and loop cases of the reverse transform (mixed into it)."""

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
                    # zeros shaped like the phi's adjoint only when the value and
                    # the phi are surely of one shape (the other branch may bind
                    # the name to a value of another shape); else the value's own
                    like = next((before[o.id] for o, *ys in pairs
                                 if v in ys and self.shapes.same(v, o)), None)
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
        enclosing = set().union(*(c.defined for c in self.loops))
        invariant = _loop_invariants(L, iteration, enclosing)
        ctx = LoopContext(L, iteration - invariant, index,
                          recompute=_recomputable(L, iteration - invariant, enclosing))
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
                if self.shapes.same(c, n):  # shaped like the incoming adjoint: no value needed
                    a = self.emit(ir.Call(True), [helper(runtime.zeros_like), cin],
                                  adjoint_of=c, loc=L.loc)
                else:  # the value entering may have another shape than the one leaving
                    a = self.zeros(c, L.loc)
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
        plan = LoopPlan(stacks={v.id: ir.Var(stack_of=v) for v in ctx.saved},
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

    def _restores(self, ctx: LoopContext) -> list:
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
        # a value first assigned inside the loop, that the backward reads after it,
        # starts at None: the loop may end (or return) before assigning it
        L_init = [ir.Const(None) if ir.is_undefined(i) and (o.id in self.read or c.id in self.read)
                  else i for c, i, o in zip(L.carried, L.init, L.outs, strict=True)]
        if plan is None:
            return [ir.Loop(L.kind, L.carried, L_init, body, L.next, L.outs, L.iterable,
                            L.target, L.cond_block, L.cond, L.exit_flags, L.loc)]
        before = []
        for v in plan.saved:
            before.append(ir.Eqn([plan.stacks[v.id]], ir.Build("list"), [], loc=L.loc))
        carried, init, nxt, outs = list(L.carried), L_init, list(L.next), list(L.outs)
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


def _with_appends(block: ir.Block, plan: LoopPlan, loc) -> list:
    """Insert ``res_v.append(v)`` after the definition of each saved ``v`` in
    this iteration, padding other paths with ``None`` so each path appends
    once per iteration."""
    stmts, _ = _appends_in(block, plan, loc)
    return stmts


def _appends_in(block: ir.Block, plan: LoopPlan, loc):
    saved_ids = {v.id for v in plan.saved}
    out, done = [], set()
    filled = []  # an inner loop's new stacks: saved once the loop has filled them
    for s in block.stmts:
        out.append(s)
        defs = []
        if isinstance(s, ir.Eqn):
            defs = [v for v in s.outs if v.id in saved_ids]
            if defs and defs[0].stack_of is not None and isinstance(s.op, ir.Build):
                # (the same list object either way; but code that differentiates
                # this code again must see the list appended after its contents)
                filled.extend(defs)
                continue
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
            defs = filled + [v for v in s.outs if v.id in saved_ids]
            filled = []
        for v in defs:
            out.append(_append(plan.stacks[v.id], v, loc))
            done.add(v.id)
    for v in filled:
        out.append(_append(plan.stacks[v.id], v, loc))
        done.add(v.id)
    return out, done
