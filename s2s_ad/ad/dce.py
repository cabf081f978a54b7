"""Dead-code elimination over structured regions: drop pure derivative
statements whose results nothing reads (loops to a fixpoint, since a body's
reads at entry are live at its end)."""

from __future__ import annotations

from ..ir import nodes as ir


def _ids(atoms) -> set[int]:
    return {a.id for a in atoms if isinstance(a, ir.Var)}


def eliminate_dead(block: ir.Block, live_out, only_derivative=False) -> None:
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
