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
from ..ir.syntax import const_ast, eqn_expr, index_ast
from .names import Liveness, Namer

_LITERALS = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))


@dataclass
class FunctionSpec:
    name: str
    params: list[ir.Var]
    blocks: list[ir.Block]
    returns: list[ir.Atom]
    unpack: tuple[ir.Var, list[ir.Var]] | None = None
    defaults: tuple = ()
    doc: str | None = None


@dataclass
class Namespace:
    """What the user's code can see: used to bind rule names hygienically."""

    lookup: object                      # name -> (found, value)
    closure: dict = field(default_factory=dict)
    reserved: frozenset = frozenset()


@dataclass
class Generated:
    source: str             # the whole module text (factory and functions)
    display: str            # the functions alone, dedented: what users read
    factory: str
    bindings: dict          # factory parameter name -> value
    line_map: dict          # generated line -> user (filename, lineno)
    names: list[str]        # generated function names, in order


def _is_literal(v) -> bool:
    if isinstance(v, tuple):
        return all(_is_literal(x) for x in v)
    return isinstance(v, _LITERALS) and not isinstance(v, np.generic)


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

        def block(b):
            stmts = b.stmts
            for j, s in enumerate(stmts):
                if isinstance(s, ir.If):
                    block(s.then)
                    block(s.orelse)
                elif isinstance(s, ir.Loop):
                    if s.cond_block is not None:
                        block(s.cond_block)
                    block(s.body)
                if not isinstance(s, ir.Eqn) or s.group is None:
                    continue
                # fold single-use temporaries of the same rule expansion into s
                for a in s.atoms():
                    if not isinstance(a, ir.Var) or counts.get(a.id) != 1:
                        continue
                    if a.hint is not None or a.adjoint_of is not None or a.tangent_of is not None:
                        if not (a.adjoint_of is not None and s.outs
                                and s.outs[0].adjoint_of is a.adjoint_of):
                            continue
                    d = self._def_index(stmts, a, j)
                    if d is None:
                        continue
                    ds = stmts[d]
                    if ds.group != s.group or not ds.op.pure or len(ds.outs) != 1:
                        continue
                    if isinstance(ds.op, (ir.SetItem, ir.Effect)):
                        continue
                    between = stmts[d + 1:j]
                    if all(isinstance(x, ir.Eqn) and (x.op.pure or x.outs == [])
                           and (x.outs and x.outs[0].id in self.folded or x.op.pure)
                           for x in between):
                        self.folded[a.id] = ds

        for b in self.spec.blocks:
            block(b)

    @staticmethod
    def _def_index(stmts, var, before):
        for k in range(before - 1, -1, -1):
            s = stmts[k]
            if isinstance(s, ir.Eqn) and var in s.outs:
                return k
        return None

    def _uses(self, atoms, live: Liveness):
        for a in atoms:
            if isinstance(a, ir.Var) and a.id in self.folded:
                self._uses(self.folded[a.id].atoms(), live)
            else:
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
        live.step()

        def block(b):
            for s in b.stmts:
                if isinstance(s, ir.Eqn):
                    if s.outs and s.outs[0].id in self.folded:
                        continue
                    self._uses(list(s.atoms()), live)
                    for o in s.outs:
                        live.define(o)
                    live.step()
                else:
                    raise TypeError(f"cannot emit {type(s).__name__} yet")

        for b in self.spec.blocks:
            block(b)
        self._uses(_flat(self.spec.returns), live)
        return live

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

    def ret_expr(self, r) -> ast.expr:
        if isinstance(r, list):
            return ast.Tuple(elts=[self.ret_expr(x) for x in r], ctx=ast.Load())
        return self.atom(r)

    def emit(self) -> list[tuple[str, ir.Loc | None]]:
        self._fold_candidates()
        live = self._liveness()
        for v in live.order:
            self.namer.assign(v, live)
        spec = self.spec
        params = []
        defaults = list(spec.defaults)
        first_default = len(spec.params) - len(defaults)
        for i, p in enumerate(spec.params):
            text = self.namer.names[p.id]
            if i >= first_default:
                text += "=" + ast.unparse(self.atom(ir.Const(defaults[i - first_default])))
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
        self._last_comment = None
        for b in spec.blocks:
            self.block(b, 1, out)
        rets = ([ast.unparse(self.ret_expr(a)) for a in spec.returns[0]]
                if len(spec.returns) == 1 and isinstance(spec.returns[0], list)
                and spec.returns[0] else [ast.unparse(self.ret_expr(a)) for a in spec.returns])
        out.append(("    return " + ", ".join(rets), None))
        return out

    def block(self, b: ir.Block, depth: int, out):
        pad = "    " * depth
        for s in b.stmts:
            if s.outs and s.outs[0].id in self.folded:
                continue
            if s.group is not None and s.loc is not None and s.loc.line \
                    and self._last_comment is not s.loc:
                if self._last_comment is None or self._last_comment.lineno != s.loc.lineno:
                    out.append((f"{pad}# grad of: {s.loc.line}", s.loc))
                self._last_comment = s.loc
            out.append((pad + self.stmt_text(s), s.loc))

    def stmt_text(self, s: ir.Eqn) -> str:
        op = s.op
        if isinstance(op, ir.Effect):
            args = [ast.unparse(self.atom(a)) for a in s.args]
            if op.kind == "assert":
                return "assert " + ", ".join(args)
            return "raise" + (" " + args[0] if args else "")
        if isinstance(op, ir.SetItem):
            tgt = ast.Subscript(value=self.atom(s.args[0]),
                                slice=index_ast(op.index, s.args, self.atom), ctx=ast.Store())
            return f"{ast.unparse(tgt)} = {ast.unparse(self.atom(s.args[-1]))}"
        rhs = ast.unparse(eqn_expr(s, self.atom))
        if not s.outs:
            return rhs
        lhs = ", ".join(self.namer.names[o.id] for o in s.outs)
        return f"{lhs} = {rhs}"


class ModuleEmitter:
    """Emit one or more functions sharing a factory and its bindings."""

    def __init__(self, namespace: Namespace, factory_hint: str):
        self.ns = namespace
        self.base = Namer(namespace.reserved)
        self.bindings: dict[str, object] = {}
        self._bound_ids: dict[int, str] = {}
        self.factory_hint = factory_hint

    def namer_for_function(self) -> Namer:
        n = Namer(self.ns.reserved)
        n.taken = self.base.taken  # shared: bindings and function names
        return n

    def bind_value(self, value, hint: str) -> str:
        name = self._bound_ids.get(id(value))
        if name is None:
            name = self._bound_ids[id(value)] = self.base.fresh(hint)
            self.bindings[name] = value
        return name

    def free(self, a: ir.Free) -> ast.expr:
        root, _, rest = a.path.partition(".")
        if a.origin == "user":
            if root in self.ns.closure:
                self.bindings[root] = self.ns.closure[root]
                self.base.taken.add(root)
            name = root
        else:
            root_value = a.value if not rest else self._root_value(a, root)
            found, user_value = self.ns.lookup(root)
            if found and user_value is root_value and root not in self.ns.reserved - set(
                    self.ns.closure):
                name = root
                self.base.taken.add(root)
                if root in self.ns.closure:
                    self.bindings[root] = self.ns.closure[root]
            elif found and user_value is root_value and root in self.ns.closure:
                name = root
                self.bindings[root] = self.ns.closure[root]
            else:
                name = self.bind_value(root_value, root)
        node: ast.expr = ast.Name(name, ast.Load())
        for part in rest.split(".") if rest else []:
            node = ast.Attribute(value=node, attr=part, ctx=ast.Load())
        return node

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
