"""Dead-code elimination over structured regions: drop pure derivative
statements whose results nothing reads (loops to a fixpoint, since a body's
reads at entry are live at its end).

Linear in the code's size: a block's live set is updated in place, and a
branch or loop only sees the part of the live set it defines. (Whether a
statement is dead depends only on its own results, so a value a region
does not define passes through it untouched: live on entry to the region
exactly when live after it. The region is analysed with the live values it
defines, and the rest is carried around it.)"""

from __future__ import annotations

from ..ir import nodes as ir


def _ids(atoms) -> set[int]:
    return {a.id for a in atoms if isinstance(a, ir.Var)}


def eliminate_dead(block: ir.Block, live_out, only_derivative=False) -> None:
    """Drop pure derivative statements whose results nothing reads (with
    ``only_derivative``, primal statements are kept even if unused)."""
    _DCE(only_derivative).run(block, _ids(live_out), mutate=True)


class _DCE:
    def __init__(self, only_derivative: bool):
        self.only_derivative = only_derivative
        self._defined: dict[int, frozenset[int]] = {}  # id(If/Loop) -> ids it defines

    def defined(self, s) -> frozenset[int]:
        """The ids a branch or loop defines, nested regions included (a
        superset is fine: statements dropped since still count)."""
        d = self._defined.get(id(s))
        if d is None:
            ids: set[int] = {o.id for o in s.outs}
            if isinstance(s, ir.If):
                blocks = (s.then, s.orelse)
            else:
                ids.update(c.id for c in s.carried)
                if s.target is not None:
                    ids.add(s.target.id)
                blocks = (s.body,) if s.cond_block is None else (s.body, s.cond_block)
            for b in blocks:
                for x in b.stmts:
                    if isinstance(x, ir.Eqn):
                        ids.update(v.id for v in x.outs)
                    else:
                        ids |= self.defined(x)
            d = self._defined[id(s)] = frozenset(ids)
        return d

    def run(self, block: ir.Block, live: set[int], mutate: bool) -> set[int]:
        """Dead-code elimination over a region; returns the ids live on
        entry (``live`` is the caller's to keep: it is copied)."""
        kept = []
        live = set(live)
        only_derivative = self.only_derivative
        for s in reversed(block.stmts):
            if isinstance(s, ir.Eqn):
                outs = [v.id for v in s.outs]
                if s.op.pure and outs and live.isdisjoint(outs) and \
                        (not only_derivative or s.group is not None):
                    continue
                live.difference_update(outs)
                live.update(a.id for a in s.atoms() if isinstance(a, ir.Var))
            else:
                defined = self.defined(s)
                local = live & defined
                if isinstance(s, ir.If):
                    entry = self._if(s, local, mutate)
                    if entry is None:  # dropped: nothing in it is needed
                        continue
                else:
                    entry = self._loop(s, local, mutate)
                live.difference_update(defined)
                live |= entry
            kept.append(s)
        if mutate:
            block.stmts = kept[::-1]
        return live

    def _if(self, s: ir.If, live: set[int], mutate: bool) -> set[int] | None:
        keep = [k for k, o in enumerate(s.outs) if o.id in live]
        outs = [s.outs[k] for k in keep]
        ty = [s.then_yield[k] for k in keep]
        ey = [s.else_yield[k] for k in keep]
        rest = live - {o.id for o in s.outs}
        lt = self.run(s.then, rest | _ids(ty), mutate)
        le = self.run(s.orelse, rest | _ids(ey), mutate)
        if mutate:
            s.outs, s.then_yield, s.else_yield = outs, ty, ey
            if not outs and not s.then.stmts and not s.orelse.stmts:
                return None
        return lt | le | _ids([s.pred])

    def _loop(self, s: ir.Loop, live: set[int], mutate: bool) -> set[int]:
        carried = {c.id for c in s.carried}
        rest = live - {o.id for o in s.outs}
        body_out = rest | _ids(s.next) | _ids(s.exit_flags)
        while True:  # the body runs again: what it reads on entry is live at its end
            entry = self.run(s.body, body_out, False)
            grown = body_out | (entry - carried)
            if grown == body_out:
                break
            body_out = grown
        entry = self.run(s.body, body_out, mutate)
        if s.cond_block is not None:
            entry |= self.run(s.cond_block, entry | _ids([s.cond]), mutate)
        live = rest | entry | _ids(s.init) | _ids([s.iterable])
        live -= carried | ({s.target.id} if s.target else set())
        return live
