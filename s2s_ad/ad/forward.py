"""Forward mode: IR → tangent IR (the JVP).

Each primal statement is followed by the statement(s) computing its tangent:
the rule's JVP template is inlined once per active input and the
contributions are added. Tangents are symbolic zeros until some input with a
tangent reaches a value, so only what depends on the inputs gets a tangent
line. Branches stay branches (tangent phis next to the primal ones) and loops
stay loops (tangents become loop-carried values too); nothing is saved.

    y = np.sin(x) * x            t0 = np.sin(x)
                          ──►    dt0 = dx * np.cos(x)
                                 y = t0 * x
                                 dy = dt0 * x + t0 * dx
"""

from __future__ import annotations

import inspect
import operator
from dataclasses import dataclass

from .. import runtime
from ..errors import UnsupportedError
from ..ir import analysis
from ..ir import nodes as ir
from ..rules.registry import call_view, lookup
from . import templates
from .common import (
    describe_callee,
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

#: Set by the API: ``function -> jvp function`` (``f(*primals, *tangents) -> (out, dout)``).
JVP_OF = None


@dataclass
class Tangent:
    """The forward-mode program: ``params + tangent_params -> (result, tangent)``."""

    primal: ir.Function
    params: list[ir.Var]
    tangent_params: list[ir.Var]
    body: ir.Block
    result: ir.Atom
    tangent: ir.Atom
    predeclare: list  # primal values set to None first: a zero tangent may read them unbound


class _Forward:
    def __init__(self, fn: ir.Function, active=None):
        self.fn = fn
        # the parameters with a tangent (by default all): the others are constants,
        # so a zero tangent never meets an infinite partial derivative (0 * inf)
        self.active = [p for i, p in enumerate(fn.params) if active is None or i in active]
        self.varied = analysis.varied(fn, self.active)
        self.integral = analysis.integral_values(fn)
        self.shapes = analysis.ShapeClasses(fn)
        self.numeric = analysis.numeric_vars(fn)
        self.containers = None  # (made when first needed)
        self.tan: dict[int, ir.Atom] = {}
        self.out: list = []
        self.loc = None
        # If and Loop outputs without a tangent that may be unbound (a branch
        # returned first, a loop ran no iteration): their zero tangent is made
        # where they are bound (:meth:`_zeros_at_definition`)
        self.sites: dict[int, tuple] = {}
        # the rest (a value carried by a loop before its first assignment): None
        # first, so zeros_like reads None (a zero) where the value is unbound
        self.unbound = analysis.maybe_unbound([fn.body])
        self.predeclare: dict[int, ir.Var] = {}

    # ------------------------------------------------------------ helpers
    def emit(self, op, args, kwargs=(), tangent_of=None, group=None) -> ir.Var:
        v = ir.Var(tangent_of=tangent_of)
        self.out.append(ir.Eqn([v], op, list(args), list(kwargs), self.loc, group))
        return v

    def zeros(self, a) -> ir.Atom:
        if isinstance(a, ir.Var) and a.id in self.sites:
            return self._zeros_at_definition(a)
        if self.shapes.is_scalar(a):
            return ir.Const(0.0)  # a number: its zero needs no look at the value
        if isinstance(a, ir.Var) and a.id in self.unbound:
            self.predeclare[a.id] = a
        return self.emit(ir.Call(True), [helper(runtime.zeros_like), a],
                         tangent_of=a if isinstance(a, ir.Var) else None,
                         group=next(self._groups))  # derivative code: dead if unread

    def _zeros_at_definition(self, v: ir.Var) -> ir.Var:
        """The zero tangent of ``v``, an output of an earlier If or Loop that
        may be unbound here: ``zeros_like(v)`` would raise on a path where
        ``v`` is unbound (a path that never reads it, nor its tangent). So
        the If (Loop) gets a tangent output for ``v`` after the fact, zero
        where its value is bound and unbound where its value is."""
        site = self.sites.pop(v.id)
        saved_out, saved_tan, saved_loc = self.out, self.tan, self.loc
        if isinstance(site[0], ir.If):
            stmt, o, sides = site
            parts = []
            for block, atom, tans in sides:
                t = tans.get(atom.id) if isinstance(atom, ir.Var) else None
                if t is None and not ir.is_undefined(atom):
                    self.out, self.tan = block.stmts, tans
                    t = self.zeros(atom)
                parts.append(t if t is not None else ir.UNDEFINED)
            dout = ir.Var(tangent_of=o)
            stmt.outs.append(dout)
            stmt.then_yield.append(parts[0])
            stmt.else_yield.append(parts[1])
        else:
            stmt, k, body_tans = site
            c, n, o = stmt.carried[k], stmt.next[k], stmt.outs[k]
            dc = ir.Var(tangent_of=c)
            self.out, self.tan = stmt.body.stmts, body_tans
            t = body_tans.get(n.id) if isinstance(n, ir.Var) else None
            if t is None and not ir.is_undefined(n):
                t = self.zeros(n)
            dout = ir.Var(tangent_of=o)
            stmt.carried.append(dc)
            stmt.init.append(ir.UNDEFINED)
            stmt.next.append(self._as_var(t, c) if t is not None else ir.UNDEFINED)
            stmt.outs.append(dout)
        self.out, self.tan, self.loc = saved_out, saved_tan, saved_loc
        self.tan[v.id] = dout
        return dout

    def _as_var(self, t: ir.Atom, of: ir.Var) -> ir.Atom:
        """A loop's next value is a variable (``dv = 0.0`` at the end of the
        body, where the carried tangent takes it)."""
        if isinstance(t, ir.Const):
            return self.emit(ir.Copy(), [t], tangent_of=of)
        return t

    def _maybe_unbound(self, atom) -> bool:
        return ir.is_undefined(atom) or (isinstance(atom, ir.Var) and atom.id in self.sites)

    def tangent_or_zeros(self, a) -> ir.Atom:
        t = self.tan.get(a.id) if isinstance(a, ir.Var) else None
        return t if t is not None else self.zeros(a)

    def has(self, a) -> bool:
        return (isinstance(a, ir.Var) and self.tan.get(a.id) is not None
                and a.id not in self.integral)

    def add(self, var, parts):
        """The tangent of ``var`` is the sum of ``parts``."""
        total = parts[0]
        for p in parts[1:]:
            b = negated(self.out, p)
            if var.id in self.numeric and b is not None:  # a + -b reads a - b
                total = self.emit(ir.BinOp("-", operator.sub), [total, b], group=self._group)
            elif var.id in self.numeric:
                total = self.emit(ir.BinOp("+", operator.add), [total, p], group=self._group)
            else:
                total = self.emit(ir.Call(True), [helper(runtime.add_grads), total, p],
                                  group=self._group)
        if isinstance(total, ir.Var) and total.hint is None and total.tangent_of is None:
            total.tangent_of = var
        self.tan[var.id] = total

    # ------------------------------------------------------------ sweep
    def run(self) -> Tangent:
        fn = self.fn
        tparams = [ir.Var(tangent_of=p) for p in self.active]
        for p, t in zip(self.active, tparams, strict=True):
            self.tan[p.id] = t
        self._groups = iter(range(10 ** 9))
        self._group = None
        body = self.block(fn.body)
        self.out = body.stmts
        self.loc = None
        result = fn.result
        if self.has(result):
            tangent = self.tan[result.id]
        elif isinstance(result, ir.Var):
            tangent = self.zeros(result)
        else:
            tangent = ir.Const(0.0)
        body = ir.Block(self.out)
        eliminate_dead(body, [result, tangent], only_derivative=True)
        return Tangent(fn, fn.params, tparams, body, result, tangent,
                       list(self.predeclare.values()))

    def block(self, block: ir.Block) -> ir.Block:
        saved, self.out = self.out, []
        for s in block.stmts:
            if isinstance(s, ir.Eqn):
                self.eqn(s)
            elif isinstance(s, ir.If):
                self.branch(s)
            elif isinstance(s, ir.Loop):
                self.loop(s)
        out, self.out = self.out, saved
        return ir.Block(out)

    def eqn(self, eqn: ir.Eqn):
        self.loc = eqn.loc
        op = eqn.op
        if (isinstance(op, ir.Call) and not lookup(eqn.rule_key)
                and is_user_function(eqn.rule_key)
                and any(self.has(a) for a in list(eqn.args[1:]) + [a for _, a in eqn.kwargs])):
            return self.user_call(eqn)
        self.out.append(eqn)
        if not eqn.outs or not any(self.has(a) for a in eqn.atoms()) \
                or eqn.outs[0].id in self.integral:
            return
        self._group = next(self._groups)
        out = eqn.outs[0]
        if isinstance(op, ir.Copy):
            self.tan[out.id] = self.tan[eqn.args[0].id]
        elif isinstance(op, ir.Build):
            if op.kind == "dict":
                args = [a if k % 2 == 0 else self.tangent_or_zeros(a)
                        for k, a in enumerate(eqn.args)]
            elif op.kind in ("tuple", "list"):
                args = [self.tangent_or_zeros(a) for a in eqn.args]
            else:
                return
            self.tan[out.id] = self.emit(op, args, tangent_of=out, group=self._group)
        elif isinstance(op, ir.GetItem):
            if self.has(eqn.args[0]):
                self.tan[out.id] = self.emit(op, [self.tan[eqn.args[0].id], *eqn.args[1:]],
                                             tangent_of=out, group=self._group)
        elif isinstance(op, ir.ListAppend):
            args = [self.tangent_or_zeros(eqn.args[0]), self.tangent_or_zeros(eqn.args[1])]
            # the tangent list is as much the function's own as the list is
            self.tan[out.id] = self.emit(ir.ListAppend(op.in_place_ok), args, tangent_of=out,
                                         group=self._group)
        elif isinstance(op, ir.SetItem):
            written = self.tangent_or_zeros(eqn.args[-1])
            if self.has(eqn.args[-1]):
                # written into an array of integers, the value is truncated: no
                # tangent (the array after the write has its dtype)
                written = self.emit(ir.Call(True), [helper(runtime.written_tangent), written,
                                                    out], group=self._group)
            args = [self.tangent_or_zeros(eqn.args[0]), *eqn.args[1:-1], written]
            self.tan[out.id] = self.emit(ir.SetItem(op.index, op.in_place_ok), args,
                                         tangent_of=out, group=self._group)
        else:
            self.rule(eqn)

    def rule(self, eqn):
        if isinstance(eqn.op, ir.BinOp):
            if self.containers is None:
                self.containers = analysis.container_vars(self.fn)
            refuse_sequence_arithmetic(eqn, self.containers)
        key, args, kwargs = call_view(eqn)
        rule = lookup(key)
        if rule is not None and rule.nondiff:
            return
        active_args = [a for a in analysis.diff_args(eqn) if self.has(a)]
        if not active_args:
            refuse_varied_constants(eqn, self.has)
            return
        if rule is None or rule.jvp is None:
            raise nondifferentiable(eqn, rule if rule is not None and rule.vjp else None,
                                    "forward")
        if isinstance(eqn.op, ir.GetItem):
            return
        binding = rule.bind(args, kwargs)
        if binding is None:
            raise unfit_call(eqn, rule)
        tparams = list(rule.jvp.__code__.co_varnames[:len(rule.wrt)])
        env = dict(binding)
        want = []
        tangent_of = {}
        for i, (name, tname) in enumerate(zip(rule.wrt, tparams, strict=True)):
            value = binding.get(name)
            if isinstance(value, tuple):
                if any(self.has(a) for a in value):
                    env[tname] = tuple(self.tangent_or_zeros(a) for a in value)
                    want.append(i)
            elif value is not None and self.has(value):
                env[tname] = self.tan[value.id]
                tangent_of[tname] = value
                want.append(i)
            elif value is not None:
                # an argument without a tangent: a template whose shared statements
                # read its tangent gets zeros, made only if it does
                env[tname] = templates.Lazy(lambda v=value: self.zeros(v), value)
        ans_name = rule.jvp.__code__.co_varnames[len(rule.wrt)]
        env[ans_name] = eqn.outs[0]
        ex = templates.Expansion(rule, "jvp", env, eqn.loc, self.shapes.same, eqn.outs[0],
                                 tangent_of)
        stmts = ex.prelude()
        parts = []
        for i in want:
            more, atom = ex.element(i)
            stmts += more
            parts.append(atom)
        for s in stmts:
            s.group = self._group
        self.out.extend(stmts)
        self.add(eqn.outs[0], parts)

    def user_call(self, eqn):
        """``y = f(a, b)`` becomes ``y, dy = f_jvp(a, b, da, db)``."""
        callee = eqn.rule_key
        loc = eqn.loc
        if eqn.op.star:
            raise UnsupportedError(
                f"differentiating through *{name_of(eqn.args[-1])} in a call of "
                f"{describe_callee(eqn)}: pass the differentiated values by name",
                filename=loc and loc.filename, lineno=loc and loc.lineno, construct="*args",
                source_line=loc and loc.line)
        jvp_fn = JVP_OF(callee)
        sig = inspect.signature(callee)
        try:
            bound = sig.bind(*eqn.args[1:], **dict(eqn.kwargs))
        except TypeError as e:
            raise UnsupportedError(f"call of {describe_callee(eqn)}: {e}",
                                   filename=loc and loc.filename, lineno=loc and loc.lineno,
                                   construct=describe_callee(eqn),
                                   source_line=loc and loc.line) from None
        bound.apply_defaults()
        primals = [_as_atom(bound.arguments[n]) for n in sig.parameters]
        tangents = [self.tangent_or_zeros(a) for a in primals]
        y = eqn.outs[0]
        dy = ir.Var(tangent_of=y)
        self.out.append(ir.Eqn([y, dy], ir.Call(False),
                               [ir.Free(f"{callee.__name__.strip('<>')}_jvp", jvp_fn, "rule"), *primals,
                                *tangents], loc=eqn.loc))
        self.tan[y.id] = dy

    # ------------------------------------------------------------ regions
    def branch(self, s: ir.If):
        before = dict(self.tan)
        results = []
        for region, ys in ((s.then, s.then_yield), (s.orelse, s.else_yield)):
            self.tan = dict(before)
            block = self.block(region)
            results.append((block, ys, self.tan))
        self.tan = before
        outs = list(s.outs)
        ty, ey = list(s.then_yield), list(s.else_yield)
        (tb, _, tt), (eb, _, et) = results
        for o, a, b in zip(s.outs, s.then_yield, s.else_yield, strict=True):
            ta = tt.get(a.id) if isinstance(a, ir.Var) else None
            tb_ = et.get(b.id) if isinstance(b, ir.Var) else None
            if ta is None and tb_ is None:
                continue
            parts = []
            for block, atom, t, tans in ((tb, a, ta, tt), (eb, b, tb_, et)):
                if t is None and not ir.is_undefined(atom):
                    saved, self.out = self.out, block.stmts
                    self.tan = tans
                    t = self.zeros(atom)
                    self.out = saved
                    self.tan = before
                parts.append(t if t is not None else ir.UNDEFINED)
            dout = ir.Var(tangent_of=o)
            outs.append(dout)
            ty.append(parts[0])
            ey.append(parts[1])
            self.tan[o.id] = dout
        new = ir.If(s.pred, tb, eb, outs, ty, ey, s.loc)
        self.out.append(new)
        for o, a, b in zip(s.outs, s.then_yield, s.else_yield, strict=True):
            if o.id not in self.tan and (self._maybe_unbound(a) or self._maybe_unbound(b)):
                self.sites[o.id] = (new, o, ((tb, a, tt), (eb, b, et)))

    def loop(self, L: ir.Loop):
        carried = list(L.carried)
        init, nxt, outs = list(L.init), list(L.next), list(L.outs)
        tangent_carried = [(k, c) for k, c in enumerate(L.carried)
                           if (c.id in self.varied or L.outs[k].id in self.varied)
                           and c.id not in self.integral]
        dcs = []
        for k, c in tangent_carried:
            dc = ir.Var(tangent_of=c)
            i = L.init[k]
            init.append(ir.UNDEFINED if ir.is_undefined(i) else self.tangent_or_zeros(i))
            dcs.append(dc)
            carried.append(dc)
            self.tan[c.id] = dc
        if L.target is not None and self.has(L.iterable):
            raise UnsupportedError("a for loop over a differentiated sequence that was not "
                                   "canonicalised", construct="for")
        body = self.block(L.body)
        saved, self.out = self.out, body.stmts
        for k, c in tangent_carried:
            n = L.next[k]
            nxt.append(ir.UNDEFINED if ir.is_undefined(n) else
                       self._as_var(self.tangent_or_zeros(n), c))
        self.out = saved
        for (k, c), dc in zip(tangent_carried, dcs, strict=True):
            do = ir.Var(tangent_of=L.outs[k])
            outs.append(do)
            self.tan[L.outs[k].id] = do
        cond_block = L.cond_block
        new = ir.Loop(L.kind, carried, init, body, nxt, outs, L.iterable, L.target,
                      cond_block, L.cond, L.exit_flags, L.loc)
        self.out.append(new)
        body_tans = dict(self.tan)
        for k, o in enumerate(L.outs):
            if o.id not in self.tan and self._maybe_unbound(L.init[k]):
                self.sites[o.id] = (new, k, body_tans)


def _as_atom(v):
    return v if isinstance(v, (ir.Var, ir.Const, ir.Free)) else ir.Const(v)


def forward(fn: ir.Function, active=None) -> Tangent:
    """The JVP program of ``fn``; with ``active`` (parameter positions), only
    those parameters get a tangent."""
    return _Forward(fn, active).run()
