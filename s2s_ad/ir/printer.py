"""Print the IR, one statement per line, regions indented (like a jaxpr).

    >>> print(printer.format_function(lower(f)))      # doctest: +SKIP
    def f(x):
        t0 = np.exp(x)
        t1 = x * x
        y = t0 + t1
        return y

Names are the user's where there is one (``y``; ``y_1`` for its next SSA
version), ``t0, t1, ...`` for temporaries, ``bx``/``dx`` for the adjoint and
tangent of ``x``.
"""

from __future__ import annotations

import ast

from . import nodes as ir
from .syntax import const_ast, eqn_expr, path_ast, setitem_target


class _Names:
    def __init__(self):
        self.names: dict[int, str] = {}
        self.used: set[str] = set()
        self.temps = 0

    def __call__(self, v: ir.Var) -> str:
        name = self.names.get(v.id)
        if name is None:
            if v.adjoint_of is not None:
                base = "b" + self(v.adjoint_of)
            elif v.tangent_of is not None:
                base = "d" + self(v.tangent_of)
            else:
                base = v.hint
            if base is None:
                while f"t{self.temps}" in self.used:
                    self.temps += 1
                base = f"t{self.temps}"
                self.temps += 1
            name, k = base, 0
            while name in self.used:
                k += 1
                name = f"{base}_{k}"
            self.used.add(name)
            self.names[v.id] = name
        return name

    def atom(self, a: ir.Atom) -> ast.expr:
        if isinstance(a, ir.Var):
            return ast.Name(self(a), ast.Load())
        if isinstance(a, ir.Free):
            return path_ast(a.path)
        return const_ast(a.value)


def _lhs(names: _Names, outs) -> str:
    return ", ".join(names(v) for v in outs) if outs else "_"


def _block(block: ir.Block, names: _Names, depth: int, lines: list[str]):
    pad = "    " * depth
    if not block.stmts:
        lines.append(pad + "pass")
    for s in block.stmts:
        if isinstance(s, ir.Eqn):
            if isinstance(s.op, ir.SetItem):
                tgt = ast.unparse(setitem_target(s, names.atom))
                val = ast.unparse(names.atom(s.args[-1]))
                lines.append(f"{pad}{_lhs(names, s.outs)} = ({tgt} = {val})")
            else:
                lines.append(f"{pad}{_lhs(names, s.outs)} = {ast.unparse(eqn_expr(s, names.atom))}")
        elif isinstance(s, ir.If):
            outs = _lhs(names, s.outs)
            lines.append(f"{pad}{outs} = if {ast.unparse(names.atom(s.pred))}:")
            _block(s.then, names, depth + 1, lines)
            lines.append(f"{pad}    yield {_atoms(names, s.then_yield)}")
            lines.append(f"{pad}else:")
            _block(s.orelse, names, depth + 1, lines)
            lines.append(f"{pad}    yield {_atoms(names, s.else_yield)}")
        elif isinstance(s, ir.Loop):
            carry = ", ".join(f"{names(c)} = {ast.unparse(names.atom(i))}"
                              for c, i in zip(s.carried, s.init, strict=True))
            if s.kind == "for":
                head = f"for {names(s.target)} in {ast.unparse(names.atom(s.iterable))}"
            else:
                head = "while"
            lines.append(f"{pad}{_lhs(names, s.outs)} = {head} carry ({carry}):")
            if s.kind == "while":
                _block(s.cond_block, names, depth + 1, lines)
                lines.append(f"{pad}    test {ast.unparse(names.atom(s.cond))}")
                lines.append(f"{pad}  do:")
            _block(s.body, names, depth + 1, lines)
            lines.append(f"{pad}    next {_atoms(names, s.next)}")
        else:
            raise TypeError(s)


def _atoms(names, atoms) -> str:
    return "(" + ", ".join(ast.unparse(names.atom(a)) for a in atoms) + ")"


def format_block(block: ir.Block, depth: int = 0) -> str:
    lines: list[str] = []
    _block(block, _Names(), depth, lines)
    return "\n".join(lines)


def format_function(fn: ir.Function) -> str:
    names = _Names()
    params = ", ".join(names(p) for p in fn.params)
    lines = [f"def {fn.name}({params}):"]
    _block(fn.body, names, 1, lines)
    lines.append(f"    return {ast.unparse(names.atom(fn.result))}")
    return "\n".join(lines) + "\n"
