"""Emit readable Python source for derivative IR.

Each IR statement becomes one line (``ast.unparse`` for the expression, so
parentheses are minimal). Temporaries created by one rule expansion and used
once are folded back into the expression that uses them, so a rule reads as
its author wrote it (``bx = by * (1 - y ** 2)``); primal statements stay one
primitive per line, mirroring the IR. Backward statements carry a
``# grad of: <user line>`` comment, and every generated line maps back to the
user's line (the source map).

The functions are wrapped in a factory whose parameters bind the runtime
helpers and the user's closure values, so the generated functions read the
user's module globals live and everything else through fast closure cells.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

import numpy as np

from ..ir import analysis
from ..ir import nodes as ir
from ..ir.syntax import _BINOPS, _CMPOPS, _UNARY, const_ast, eqn_expr, index_ast
from .names import Liveness, Namer
from .unparse import _ATOM, _BINOP, _CMP, _CMPOP, _EXPR, _FACTOR, _TEST, _TUPLE, _UNOP, unparse
from .unparse import _constant as _write_constant

_LITERALS = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))
_LITERAL_TYPES = frozenset(_LITERALS)

# The text of the common equations, written directly (see _FunctionEmitter.fast):
# IR symbol -> (operator text, precedence), as unparse writes them
_BIN_TEXT = {sym: (f" {_BINOP[cls][0]} ", _BINOP[cls][1]) for sym, cls in _BINOPS.items()}
_UNARY_TEXT = {sym: _UNOP[cls] for sym, cls in _UNARY.items()}
_CMP_TEXT = {sym: _CMPOP[cls] for sym, cls in _CMPOPS.items()}


_IN_PLACE = frozenset({ir.ListAppend, ir.SetItem})   # ops that may write into their operand


class _Slow(Exception):
    """Not a form the direct renderer writes: build the AST and unparse it."""


def _number_text(value) -> str:
    out: list[str] = []
    _write_constant(value, out.append)
    return out[0]


@dataclass
class FunctionSpec:
    name: str
    params: list[ir.Var]
    blocks: list[ir.Block]
    returns: list[ir.Atom]
    unpack: tuple[ir.Var, list[ir.Var]] | None = None
    defaults: tuple = ()
    predeclare: list = field(default_factory=list)  # set to None first: maybe unassigned
    vararg: bool = False  # the last parameter is *args
    comment: str = "grad of"  # the label of derivative lines' source comments
    doc: str | None = None


@dataclass
class Namespace:
    """What the user's code can see: used to bind rule names hygienically."""

    lookup: object                      # name -> (found, value)
    closure: dict = field(default_factory=dict)
    reserved: frozenset = frozenset()
    locals: frozenset = frozenset()


@dataclass
class Generated:
    source: str             # the whole module text (factory and functions)
    display: str            # the functions alone, dedented: what users read
    factory: str
    bindings: dict          # factory parameter name -> value
    line_map: dict          # generated line -> user (filename, lineno)
    names: list[str]        # generated function names, in order


def _is_literal(v) -> bool:
    if type(v) in _LITERAL_TYPES:   # the common case, by exact type
        return True
    if isinstance(v, tuple):
        return all(_is_literal(x) for x in v)
    return isinstance(v, _LITERALS) and not isinstance(v, np.generic)


class _BlockIndex:
    """Where each value is defined in one block, and how many statements
    before each position are not pure equations: the questions folding asks
    of every statement's operands, in O(1) instead of a scan."""

    __slots__ = ("defs", "impure")

    def __init__(self, stmts):
        self.defs: dict[int, list[int]] = {}   # var id -> positions of its Eqns, ascending
        self.impure = [0]                       # impure[k]: impure statements in stmts[:k]
        n = 0
        for k, s in enumerate(stmts):
            if isinstance(s, ir.Eqn):
                for o in s.outs:
                    self.defs.setdefault(o.id, []).append(k)
                if not s.op.pure:
                    n += 1
            else:
                n += 1
            self.impure.append(n)

    def def_before(self, var: ir.Var, before: int) -> int | None:
        """The position of the last equation before ``before`` defining ``var``."""
        for k in reversed(self.defs.get(var.id, ())):
            if k < before:
                return k
        return None

    def all_pure(self, start: int, stop: int) -> bool:
        """Are ``stmts[start:stop]`` all pure equations?"""
        return stop <= start or self.impure[stop] == self.impure[start]


class _FunctionEmitter:
    def __init__(self, spec: FunctionSpec, module: ModuleEmitter):
        self.spec = spec
        self.m = module
        self.namer = module.namer_for_function()
        self.folded: dict[int, ir.Eqn] = {}
        self.lines: list[tuple[str, ir.Loc | None]] = []

    # ------------------------------------------------------------ analysis
    def _fold_candidates(self):
        counts = analysis.use_counts(self.spec.blocks, _flat(self.spec.returns))
        self.counts = counts
        self._carried_out = {}

        def loops(b):
            for s in b.stmts:
                if isinstance(s, ir.Loop):
                    for c, o in zip(s.carried, s.outs, strict=True):
                        self._carried_out[c.id] = o.id
                    loops(s.body)
                elif isinstance(s, ir.If):
                    loops(s.then)
                    loops(s.orelse)
        for b in self.spec.blocks:
            loops(b)
        self.maybe_unbound = analysis.maybe_unbound(self.spec.blocks)
        self.unbound_sources: list[str] = []  # names a copy may read unbound: None first

        def foldable_into(a, s, stmts, j, index):
            if not isinstance(a, ir.Var) or counts.get(a.id) != 1:
                return None
            if a.hint is not None or a.adjoint_of is not None or a.tangent_of is not None:
                if not (a.adjoint_of is not None and isinstance(s, ir.Eqn) and s.outs
                        and s.outs[0].adjoint_of is a.adjoint_of):
                    return None
            d = index.def_before(a, j)
            if d is None:
                return None
            ds = stmts[d]
            if ds.group is None or not ds.op.pure or len(ds.outs) != 1:
                return None
            if isinstance(s, ir.Eqn) and ds.group != s.group:
                return None
            if isinstance(ds.op, (ir.SetItem, ir.Effect)):
                return None
            if index.all_pure(d + 1, j):
                return ds
            return None

        def block(b):
            stmts = b.stmts
            index = _BlockIndex(stmts)
            for j, s in enumerate(stmts):
                if isinstance(s, ir.If):
                    block(s.then)
                    block(s.orelse)
                    continue
                if isinstance(s, ir.Loop):
                    if s.cond_block is not None:
                        self._fold_condition(s)
                    block(s.body)
                    ds = foldable_into(s.iterable, s, stmts, j, index)
                    if ds is not None:
                        self.folded[s.iterable.id] = ds
                    continue
                if s.group is None:
                    continue
                # fold single-use temporaries of the same rule expansion into s
                for a in s.atoms():
                    ds = foldable_into(a, s, stmts, j, index)
                    if ds is not None:
                        self.folded[a.id] = ds

        for b in self.spec.blocks:
            block(b)

    def _fold_condition(self, loop: ir.Loop):
        """``while`` reads best with its condition in the header: fold the
        condition's statements when they are pure single-use temporaries."""
        stmts = loop.cond_block.stmts
        for s in stmts:
            if not (isinstance(s, ir.Eqn) and s.op.pure and len(s.outs) == 1
                    and s.outs[0].hint is None and self.counts.get(s.outs[0].id) == 1):
                return
        for s in stmts:
            self.folded[s.outs[0].id] = s
        loop.folded_condition = True


    def _uses(self, atoms, live: Liveness):
        folded = self.folded
        for a in atoms:
            if isinstance(a, ir.Var):
                eqn = folded.get(a.id)
                if eqn is not None:
                    self._uses(eqn.atoms(), live)
                    continue
                live.use(a)

    def _liveness(self) -> Liveness:
        live = Liveness()
        for p in self.spec.params:
            live.define(p)
        if self.spec.unpack:
            live.define(self.spec.unpack[0])
            live.step()
            live.use(self.spec.unpack[0])
            for v in self.spec.unpack[1]:
                live.define(v)
        for v in self.spec.predeclare:
            live.define(v)
        live.step()
        for b in self.spec.blocks:
            self._live_block(b, live)
        self._uses(_flat(self.spec.returns), live)
        return live

    def _live_block(self, b: ir.Block, live: Liveness):
        folded = self.folded
        Eqn, Var = ir.Eqn, ir.Var
        use, define = live.use, live.define
        for s in b.stmts:
            if type(s) is Eqn:
                outs = s.outs
                if outs and outs[0].id in folded:
                    continue
                # (self._uses inlined: this is most of the statements)
                for a in s.args if not s.kwargs else s.atoms():
                    if type(a) is Var:
                        eqn = folded.get(a.id)
                        if eqn is None:
                            use(a)
                        else:
                            self._uses(eqn.atoms(), live)
                for o in outs:
                    define(o)
                if type(s.op) in _IN_PLACE and type(s.args[0]) is Var:
                    live.prefer(outs[0], s.args[0])  # then it can write in place
                live.pos += 1   # live.step()
            elif isinstance(s, ir.If):
                self._uses([s.pred], live)
                entry = live.pos
                live.step()
                for region, ys in ((s.then, s.then_yield), (s.orelse, s.else_yield)):
                    live.enter("branch", entry)
                    self._live_block(region, live)
                    self._uses([y for y in ys if not ir.is_undefined(y)], live)
                    for o, y in zip(s.outs, ys, strict=True):
                        live.define(o, copy_of=y)
                    live.step()
                    live.exit()
                for o, a, c in zip(s.outs, s.then_yield, s.else_yield, strict=True):
                    # a yield from before the branch (it may be a value never
                    # assigned on this path) takes the phi's name: it is not copied
                    before = [y for y in (c, a) if isinstance(y, ir.Var)
                              and live.defs.get(y.id, entry + 1) < entry]
                    live.prefer(o, *before, a, c)
                    if isinstance(c, ir.Var):
                        live.prefer(c, o, a)
            elif isinstance(s, ir.Loop):
                self._uses([i for i in s.init if not ir.is_undefined(i)], live)
                if s.iterable is not None:
                    self._uses([s.iterable], live)
                entry = live.pos
                live.enter("loop", entry)
                for c, i in zip(s.carried, s.init, strict=True):
                    live.define(c, copy_of=i)
                    live.prefer(c, i)
                live.step()
                if s.target is not None:
                    live.define(s.target)
                    live.step()
                if s.cond_block is not None:
                    self._live_block(s.cond_block, live)
                    self._uses([s.cond], live)
                    live.step()
                self._live_block(s.body, live)
                self._uses([n for n in s.next if not ir.is_undefined(n)], live)
                for c, n in zip(s.carried, s.next, strict=True):
                    live.define(c, copy_of=n)
                    live.prefer(n, c)
                next_pos = live.pos
                live.step()
                self._uses(s.exit_flags, live)
                live.step()
                live.exit()
                # leaving the loop: the carried values come from the last copy at the
                # end of the body (or straight from the entry when it never ran)
                for c, o in zip(s.carried, s.outs, strict=True):
                    if self.counts.get(o.id):
                        live._cover(c.id, next_pos, live.pos)
                for o, c in zip(s.outs, s.carried, strict=True):
                    live.define(o, copy_of=c)
                    live.prefer(o, c)
                live.step()
            else:
                raise TypeError(s)

    # ------------------------------------------------------------ rendering
    def atom(self, a: ir.Atom) -> ast.expr:
        if isinstance(a, ir.Var):
            eqn = self.folded.get(a.id)
            if eqn is not None:
                return eqn_expr(eqn, self.atom)
            return ast.Name(self.namer.names[a.id], ast.Load())
        if isinstance(a, ir.Free):
            return self.m.free(a)
        if _is_literal(a.value):
            return const_ast(a.value)
        return ast.Name(self.m.bind_value(a.value, "const"), ast.Load())

    def text(self, a) -> str:
        try:
            return self.fast(a, _TEST)
        except _Slow:
            return unparse(self.atom(a))

    # The direct renderer: the text ``unparse(self.atom(a))`` would write
    # (at precedence ``prec``), without building the AST, for names, numbers,
    # bound values and folded operators, calls, methods and attributes; any
    # other form raises _Slow and the caller takes the AST path. Atoms are
    # rendered in the order eqn_expr renders them.
    def fast(self, a, prec: int) -> str:
        if isinstance(a, ir.Var):
            eqn = self.folded.get(a.id)
            if eqn is None:
                return self.namer.names[a.id]
            return self.fast_eqn(eqn, prec)
        if isinstance(a, ir.Free):
            return self.m.free_text(a)
        v = a.value
        t = type(v)
        if t is int or t is float:
            if v < 0:   # const_ast: a unary minus
                text = "-" + _number_text(-v)
                return f"({text})" if prec > _FACTOR else text
            return _number_text(v)
        if v is None or t is bool:
            return repr(v)
        if _is_literal(v):
            raise _Slow
        return self.m.bind_value(v, "const")

    def fast_eqn(self, eqn: ir.Eqn, prec: int) -> str:
        op, args = eqn.op, eqn.args
        t = type(op)
        if eqn.kwargs and t is not ir.Call and t is not ir.Method:
            raise _Slow
        fast = self.fast
        if t is ir.BinOp:
            text, p = _BIN_TEXT[op.symbol]
            if p == 16:   # ** is right-associative
                text = fast(args[0], p + 1) + text + fast(args[1], p)
            else:
                text = fast(args[0], p) + text + fast(args[1], p + 1)
            return f"({text})" if prec > p else text
        if t is ir.Call:
            kws = [("**" if k is None else k + "=") + fast(v, _TEST) for k, v in eqn.kwargs]
            pos = [fast(a, _TEST) for a in args[1:-1]]
            if len(args) > 1:
                pos.append("*" + fast(args[-1], _EXPR) if op.star else fast(args[-1], _TEST))
            return f"{fast(args[0], _ATOM)}({', '.join(pos + kws)})"
        if t is ir.UnaryOp:
            text, p = _UNARY_TEXT[op.symbol]
            text += fast(args[0], p)
            return f"({text})" if prec > p else text
        if t is ir.Method or t is ir.GetAttr:
            if isinstance(args[0], ir.Const):   # 1 .real: left to unparse
                raise _Slow
            if t is ir.GetAttr:
                return f"{fast(args[0], _ATOM)}.{op.name}"
            kws = [("**" if k is None else k + "=") + fast(v, _TEST) for k, v in eqn.kwargs]
            value = fast(args[0], _ATOM)
            pos = [fast(a, _TEST) for a in args[1:]]
            return f"{value}.{op.name}({', '.join(pos + kws)})"
        if t is ir.Compare:
            text = fast(args[0], _CMP + 1) + _CMP_TEXT[op.symbol] + fast(args[1], _CMP + 1)
            return f"({text})" if prec > _CMP else text
        if t is ir.Copy and not isinstance(args[0], ir.Const):
            return fast(args[0], prec)
        if t is ir.GetItem:
            return f"{fast(args[0], _ATOM)}[{self.fast_index(op.index, args)}]"
        if t is ir.Build:
            kind = op.kind
            if kind == "list":
                return f"[{', '.join([fast(a, _TEST) for a in args])}]"
            if kind == "tuple":
                items = [fast(a, _TEST) for a in args]
                text = items[0] + "," if len(items) == 1 else ", ".join(items)
                return f"({text})" if not items or prec > _TUPLE else text
        raise _Slow

    def fast_index(self, index, args) -> str:
        """The subscript text of a GetItem, as unparse writes ``index_ast``:
        a top-level tuple without parentheses, slices as ``lo:hi:step``.
        An index atom is written at tuple precedence: a folded tuple display
        there is the subscript's top-level tuple, so it loses its parentheses
        exactly as unparse drops them (other forms bind tighter than a tuple,
        so their text is the same as at _TEST). Nested tuples are left to
        unparse."""
        kind = index[0]
        if kind == "atom":
            return self.fast(args[index[1]], _TUPLE)
        if kind == "slice":
            return self._fast_slice(index, args)
        if kind == "tuple":
            parts = []
            for spec in index[1]:
                k = spec[0]
                if k == "atom":
                    parts.append(self.fast(args[spec[1]], _TEST))
                elif k == "slice":
                    parts.append(self._fast_slice(spec, args))
                else:
                    raise _Slow
            if not parts:
                raise _Slow
            return parts[0] + "," if len(parts) == 1 else ", ".join(parts)
        raise _Slow

    def _fast_slice(self, spec, args) -> str:
        _, lo, hi, st = spec
        fast = self.fast
        text = ("" if lo is None else fast(args[lo], _TEST)) + ":"
        if hi is not None:
            text += fast(args[hi], _TEST)
        if st is not None:
            text += ":" + fast(args[st], _TEST)
        return text

    def ret_expr(self, r) -> ast.expr:
        if isinstance(r, list):
            return ast.Tuple(elts=[self.ret_expr(x) for x in r], ctx=ast.Load())
        return self.atom(r)

    def _bind_free_names(self):
        """Claim the names of helpers and rule globals before naming values,
        so no value can take a name a helper is bound to."""
        m = self.m
        Var, Free, Const, Eqn = ir.Var, ir.Free, ir.Const, ir.Eqn

        def block(b):
            for s in b.stmts:
                if type(s) is Eqn:
                    atoms = s.atoms()
                elif isinstance(s, ir.If):
                    atoms = [s.pred, *s.then_yield, *s.else_yield]
                    block(s.then)
                    block(s.orelse)
                else:
                    atoms = [*s.init, *s.next, *([s.iterable] if s.iterable else [])]
                    if s.cond_block is not None:
                        block(s.cond_block)
                    block(s.body)
                for a in atoms:
                    t = type(a)
                    if t is Var:
                        continue
                    if t is Free:
                        if not ir.is_undefined(a):
                            m.free_text(a)
                    elif t is Const and not ir.is_undefined(a) \
                            and not _is_literal(a.value):
                        m.bind_value(a.value, "const")
        for b in self.spec.blocks:
            block(b)

    def emit(self) -> list[tuple[str, ir.Loc | None]]:
        self._bind_free_names()
        self._fold_candidates()
        live = self._liveness()
        for v in live.order:
            self.namer.assign(v, live)
        spec = self.spec
        params = []
        defaults = list(spec.defaults)
        positional = len(spec.params) - bool(spec.vararg)
        first_default = positional - len(defaults)
        for i, p in enumerate(spec.params):
            text = self.namer.names[p.id]
            if i >= positional:
                text = "*" + text
            elif i >= first_default:
                text += "=" + unparse(self.atom(ir.Const(defaults[i - first_default])))
            params.append(text)
        out = [(f"def {spec.name}({', '.join(params)}):", None)]
        if spec.doc:
            out.append(("    " + repr(spec.doc), None))
        if spec.unpack:
            res, vars_ = spec.unpack
            if vars_:
                lhs = ", ".join(self.namer.names[v.id] for v in vars_)
                out.append((f"    {lhs}{',' if len(vars_) == 1 else ''} = "
                            f"{self.namer.names[res.id]}", None))
        names = [self.namer.names[v.id] for v in spec.predeclare]
        at = len(out)
        self._last_comment = None
        for b in spec.blocks:
            self.block(b, 1, out)
        bound = set(params) | set(names) | {
            self.namer.names[v.id] for v in (spec.unpack[1] if spec.unpack else ())}
        names += [n for n in dict.fromkeys(self.unbound_sources) if n not in bound]
        if names:
            out.insert(at, (f"    {' = '.join(names)} = None", None))
        if len(spec.returns) == 1 and isinstance(spec.returns[0], list):
            items = [unparse(self.ret_expr(a)) for a in spec.returns[0]]
            text = ", ".join(items) + ("," if len(items) == 1 else "")
        else:
            text = ", ".join(unparse(self.ret_expr(a)) for a in spec.returns)
        out.append(("    return " + text, None))
        return out

    def _needed(self, v: ir.Var) -> bool:
        """Is a phi or loop value read anywhere (itself, or the loop value it feeds)?"""
        if self.counts.get(v.id):
            return True
        carried_out = self._carried_out.get(v.id)
        return carried_out is not None and bool(self.counts.get(carried_out))

    def copies(self, dsts, srcs, pad, out, loc=None):
        """Parallel copies ``dst = src`` where names differ (one tuple
        assignment if there are several, so swaps stay correct)."""
        pairs = []
        for d, src in zip(dsts, srcs, strict=True):
            if ir.is_undefined(src) or not self._needed(d):
                continue
            dn, sn = self.namer.names[d.id], self.text(src)
            if dn != sn:
                pairs.append((dn, sn))
                if isinstance(src, ir.Var) and src.id in self.maybe_unbound:
                    # (unbound only on paths that never read ``dn``: any value will do)
                    self.unbound_sources.append(sn)
        if len(pairs) == 1:
            out.append((f"{pad}{pairs[0][0]} = {pairs[0][1]}", loc))
        elif pairs:
            out.append((f"{pad}{', '.join(p[0] for p in pairs)} = "
                        f"{', '.join(p[1] for p in pairs)}", loc))

    def block(self, b: ir.Block, depth: int, out):
        pad = "    " * depth
        start = len(out)
        for s in b.stmts:
            if isinstance(s, ir.If):
                self.if_(s, depth, out)
                continue
            if isinstance(s, ir.Loop):
                self.loop(s, depth, out)
                continue
            if s.outs and s.outs[0].id in self.folded:
                continue
            if s.group is not None and s.loc is not None and s.loc.line \
                    and self.spec.comment and self._last_comment is not s.loc:
                if self._last_comment is None or self._last_comment.lineno != s.loc.lineno:
                    out.append((f"{pad}# {self.spec.comment}: {s.loc.line}", s.loc))
                self._last_comment = s.loc
            for line in self.stmt_text(s).split("\n"):
                out.append((pad + line, s.loc))
        return len(out) > start

    def if_(self, s: ir.If, depth, out):
        pad = "    " * depth
        then_lines: list = []
        else_lines: list = []
        self.block(s.then, depth + 1, then_lines)
        self.copies(s.outs, s.then_yield, pad + "    ", then_lines, s.loc)
        self.block(s.orelse, depth + 1, else_lines)
        self.copies(s.outs, s.else_yield, pad + "    ", else_lines, s.loc)
        if not then_lines and not else_lines:
            return
        pred = self.text(s.pred)
        if not then_lines:
            out.append((f"{pad}if not {pred}:", s.loc))
            out.extend(else_lines)
            return
        out.append((f"{pad}if {pred}:", s.loc))
        out.extend(then_lines)
        if else_lines:
            out.append((f"{pad}else:", s.loc))
            out.extend(else_lines)

    def loop(self, s: ir.Loop, depth, out):
        pad = "    " * depth
        inner = pad + "    "
        self.copies(s.carried, s.init, pad, out, s.loc)
        body: list = []
        if s.kind == "for":
            out.append((f"{pad}for {self.namer.names[s.target.id]} in {self.text(s.iterable)}:",
                        s.loc))
        elif getattr(s, "folded_condition", False):
            out.append((f"{pad}while {self.text(s.cond)}:", s.loc))
        else:
            out.append((f"{pad}while True:", s.loc))
            self.block(s.cond_block, depth + 1, body)
            body.append((f"{inner}if not {self.text(s.cond)}:", s.loc))
            body.append((f"{inner}    break", s.loc))
        self.block(s.body, depth + 1, body)
        self.copies(s.carried, s.next, inner, body, s.loc)
        if s.exit_flags:
            flags = " or ".join(self.text(f) for f in s.exit_flags)
            body.append((f"{inner}if {flags}:", s.loc))
            body.append((f"{inner}    break", s.loc))
        out.extend(body or [(inner + "pass", s.loc)])
        self.copies(s.outs, s.carried, pad, out, s.loc)

    def stmt_text(self, s: ir.Eqn) -> str:
        op = s.op
        if isinstance(op, ir.Effect):
            args = [unparse(self.atom(a)) for a in s.args]
            if op.kind == "assert":
                return "assert " + ", ".join(args)
            return "raise" + (" " + args[0] if args else "")
        if isinstance(op, ir.SetItem):
            out = self.namer.names[s.outs[0].id]
            value = unparse(self.atom(s.args[-1]))
            tgt = ast.Subscript(value=ast.Name(out, ast.Load()),
                                slice=index_ast(op.index, s.args, self.atom), ctx=ast.Store())
            if op.in_place_ok and out == self.text(s.args[0]):
                return f"{unparse(tgt)} = {value}"
            # the old value is still needed (or is not ours): write into a copy
            return f"{out} = {self.text(s.args[0])}.copy()\n{unparse(tgt)} = {value}"
        if (isinstance(op, ir.ListAppend) and op.in_place_ok
                and self.namer.names[s.outs[0].id] == self.text(s.args[0])):
            return f"{self.text(s.args[0])}.append({self.text(s.args[1])})"
        try:
            rhs = self.fast_eqn(s, _TEST)
        except _Slow:
            rhs = unparse(eqn_expr(s, self.atom))
        if not s.outs or (isinstance(op, (ir.Call, ir.Method))
                          and not any(self.counts.get(o.id) for o in s.outs)):
            return rhs  # a call kept for its effect
        lhs = ", ".join(self.namer.names[o.id] for o in s.outs)
        return f"{lhs} = {rhs}"


class ModuleEmitter:
    """Emit one or more functions sharing a factory and its bindings."""

    def __init__(self, namespace: Namespace, factory_hint: str):
        self.ns = namespace
        self.base = Namer(namespace.reserved)
        self.bindings: dict[str, object] = {}
        self._bound_ids: dict[int, str] = {}
        self._free_nodes: dict[int, tuple] = {}   # id(Free) -> (it, its expression)
        self._free_texts: dict[int, tuple] = {}   # id(Free) -> (it, its text)
        self._free_keyed: dict[tuple, tuple] = {}  # what names it -> (a Free, its text)
        self.factory_hint = factory_hint

    def namer_for_function(self) -> Namer:
        n = Namer(self.ns.reserved)
        n.taken = self.base.taken  # shared: bindings and function names
        return n

    def bind_value(self, value, hint: str) -> str:
        name = self._bound_ids.get(id(value))
        if name is None:
            hint = "".join(c if c.isalnum() or c == "_" else "_" for c in hint).strip("_") or "f"
            if hint[0].isdigit():
                hint = "f_" + hint
            name = self._bound_ids[id(value)] = self.base.fresh(hint)
            self.bindings[name] = value
        return name

    def free(self, a: ir.Free) -> ast.expr:
        """The expression for a free name (the same node for every use of
        one ``Free``: its name is settled at the first, and the renderer
        only reads it)."""
        cached = self._free_nodes.get(id(a))
        if cached is not None and cached[0] is a:
            return cached[1]
        root, _, rest = a.path.partition(".")
        if a.origin == "user":
            if root in self.ns.closure:
                self.bindings[root] = self.ns.closure[root]
                self.base.taken.add(root)
            name = root
        else:
            root_value = a.value if not rest else (
                a.root_value if a.root_value is not None else self._root_value(a, root))
            found, user_value = self.ns.lookup(root)
            if found and user_value is root_value and root not in self.ns.locals:
                # the user's code sees this very object under this name: use it
                name = root
                self.base.taken.add(root)
                if root in self.ns.closure:
                    self.bindings[root] = self.ns.closure[root]
            else:
                name = self.bind_value(root_value, root)
        node: ast.expr = ast.Name(name, ast.Load())
        for part in rest.split(".") if rest else []:
            node = ast.Attribute(value=node, attr=part, ctx=ast.Load())
        self._free_nodes[id(a)] = (a, node)
        return node

    def free_text(self, a: ir.Free) -> str:
        """The text of a free name. Every rule expansion makes its own
        ``Free`` objects for the same few names (``np``, ``unbroadcast``):
        the text depends only on the path, the origin and the objects it
        names, so a ``Free`` equal in those reads the text found for the
        first one (whose entry keeps those objects alive: their ids stay theirs)."""
        cached = self._free_texts.get(id(a))
        if cached is not None and cached[0] is a:
            return cached[1]
        key = (a.path, a.origin, id(a.value), id(a.root_value))
        same = self._free_keyed.get(key)
        if same is not None:
            text = same[1]
        else:
            text = unparse(self.free(a))
            self._free_keyed[key] = (a, text)
        self._free_texts[id(a)] = (a, text)
        return text

    @staticmethod
    def _root_value(a: ir.Free, root: str):
        # Rules' free names live in their module globals; builtins otherwise.
        from ..ad import templates  # noqa: F401
        for scope in _rule_globals():
            if root in scope:
                return scope[root]
        return getattr(builtins, root)

    def emit(self, specs: list[FunctionSpec], filename: str) -> Generated:
        for spec in specs:
            self.base.fixed(spec.name)
        bodies = [(_FunctionEmitter(spec, self).emit()) for spec in specs]
        factory = self.base.fresh("make_" + self.factory_hint)
        params = ", ".join(self.bindings)
        lines: list[str] = [f"def {factory}({params}):"]
        line_map = {}
        display: list[str] = []
        for body in bodies:
            for text, loc in body:
                lines.append("    " + text)
                display.append(text)
                if loc is not None:
                    line_map[len(lines)] = (loc.filename, loc.lineno)
            display.append("")
            lines.append("")
        names = [s.name for s in specs]
        ret = ", ".join(names) + ("," if len(names) == 1 else "")
        lines.append(f"    return {ret}")
        return Generated(source="\n".join(lines) + "\n",
                         display="\n".join(display).rstrip() + "\n", factory=factory,
                         bindings=dict(self.bindings), line_map=line_map, names=names)


def _flat(items):
    out = []
    for r in items:
        out.extend(_flat(r) if isinstance(r, list) else [r])
    return out


def _rule_globals():
    from ..rules.registry import REGISTRY
    seen = []
    ids = set()
    for rule in REGISTRY.values():
        for t in (rule.vjp, rule.jvp):
            if t is not None and id(t.__globals__) not in ids:
                ids.add(id(t.__globals__))
                seen.append(t.__globals__)
    return seen
