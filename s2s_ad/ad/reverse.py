"""Reverse mode: IR → adjoint IR (the VJP).

The result is a forward sweep (the primal statements, unchanged: SSA values
are never overwritten, so nothing needs saving in straight-line code) and a
backward sweep that visits the primal statements in reverse and, for each
active one, inlines its rule's VJP template and accumulates the cotangents
of its inputs.

Adjoints are *symbolic zeros* until a contribution arrives: the first
contribution simply becomes the adjoint (no ``zeros_like``, no ``+ 0``);
later ones are added. Zeros are materialised only for a requested gradient
that received nothing.

    y = np.exp(x) + x * x            by = 1.0
                                     bx = by * x
                          ──►        bx = bx + by * x
                                     bx = bx + by * t0
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass

from .. import runtime
from ..errors import NonDifferentiableError, UnsupportedError
from ..ir import analysis
from ..ir import nodes as ir
from ..rules.registry import call_view, lookup
from . import templates


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
    """A runtime helper referenced from generated code."""
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

    def is_active(self, a) -> bool:
        return isinstance(a, ir.Var) and a.id in self.active

    # ------------------------------------------------------------ emission
    def emit(self, op, args, kwargs=(), adjoint_of=None, loc=None) -> ir.Var:
        out = ir.Var(adjoint_of=adjoint_of)
        self.fresh.add(out.id)
        self.out.append(ir.Eqn([out], op, list(args), list(kwargs), loc, self.group))
        return out

    def accumulate(self, var, contrib: ir.Atom, loc) -> None:
        if not self.is_active(var):
            return
        prev = self.adj.get(var.id)
        if prev is None:
            if isinstance(contrib, ir.Var) and contrib.id in self.fresh:
                contrib.adjoint_of = var  # name it after its primal: bx
            self.adj[var.id] = contrib
            return
        if var.id in self.numeric:
            op, args = ir.BinOp("+", operator.add), [prev, contrib]
        else:
            op, args = ir.Call(True), [helper(runtime.add_grads), prev, contrib]
        self.adj[var.id] = self.emit(op, args, adjoint_of=var, loc=loc)

    # ------------------------------------------------------------ sweep
    def run(self) -> Adjoint:
        fn = self.fn
        seed = None
        if self.is_active(fn.result):
            seed = ir.Var(adjoint_of=fn.result)
            self.adj[fn.result.id] = seed
        self.block(fn.body)
        grads = []
        for i in self.wrt:
            p = fn.params[i]
            g = self.adj.get(p.id)
            if g is None:
                self.group = None
                g = self.emit(ir.Call(True), [helper(runtime.zeros_like), p], adjoint_of=p)
            grads.append(g)
        backward = ir.Block(self.out)
        _eliminate_dead(backward, grads)
        return Adjoint(fn, list(self.wrt), fn.body, backward, seed, grads)

    def block(self, block: ir.Block) -> None:
        for s in reversed(block.stmts):
            if isinstance(s, ir.Eqn):
                self.eqn(s)
            else:
                raise UnsupportedError(f"{type(s).__name__} in reverse mode",
                                       construct=type(s).__name__)

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
                part = self.emit(ir.GetItem(("atom", 1)), [g, key], loc=eqn.loc)
                self.accumulate(a, part, eqn.loc)

    def rule(self, eqn, g):
        key, args, kwargs = call_view(eqn)
        if isinstance(eqn.op, ir.GetItem):
            args = [eqn.args[0], self.index_value(eqn)]
        rule = lookup(key)
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
        env = {params[0]: g, params[1]: eqn.outs[0], **binding}
        stmts, atoms = templates.inline(rule, "vjp", env, want, eqn.loc, self.shapes.same,
                                        eqn.outs[0])
        for s in stmts:
            s.group = self.group
            self.fresh.update(v.id for v in s.outs)
        self.out.extend(stmts)
        for i, atom in zip(want, atoms, strict=True):
            for a in _flat(binding[rule.wrt[i]]):
                self.accumulate(a, atom, eqn.loc)

    def index_value(self, eqn) -> ir.Atom:
        """The subscript of a GetItem as a value (``(i, slice(1, j))``)."""
        index = eqn.op.index
        if index[0] == "atom":
            return eqn.args[index[1]]
        from ..ir.syntax import index_ast  # noqa: F401  (same tree shape)

        def build(spec):
            if spec[0] == "atom":
                return eqn.args[spec[1]]
            if spec[0] == "slice":
                parts = [ir.Const(None) if p is None else eqn.args[p] for p in spec[1:]]
                return self.emit(ir.Call(True), [ir.Free("slice", slice, "rule"), *parts],
                                 loc=eqn.loc)
            return self.emit(ir.Build("tuple"), [build(s) for s in spec[1]], loc=eqn.loc)

        return build(index)

    def nondifferentiable(self, eqn) -> NonDifferentiableError:
        name = describe_callee(eqn)
        loc = eqn.loc
        return NonDifferentiableError(
            f"cannot differentiate through {name}: it has no derivative rule, and its "
            "result depends on the differentiated inputs. Register one with "
            "@s2s_ad.primitive (then .defvjp / .defjvp), or wrap the input in "
            "s2s_ad.stop_gradient(...) if no derivative should flow through it",
            filename=loc and loc.filename, lineno=loc and loc.lineno, construct=name,
            source_line=loc and loc.line)


def _flat(v):
    if v is None:
        return []
    return list(v) if isinstance(v, tuple) else [v]


def _eliminate_dead(block: ir.Block, live_out) -> None:
    """Drop pure derivative statements whose results nothing reads."""
    used = {a.id for a in live_out if isinstance(a, ir.Var)}
    kept = []
    for s in reversed(block.stmts):
        if isinstance(s, ir.Eqn) and s.op.pure and s.outs and not any(o.id in used for o in s.outs):
            continue
        if isinstance(s, ir.Eqn):
            used |= {a.id for a in s.atoms() if isinstance(a, ir.Var)}
        kept.append(s)
    block.stmts = kept[::-1]


def reverse(fn: ir.Function, wrt: list[int]) -> Adjoint:
    return _Reverse(fn, wrt).run()
