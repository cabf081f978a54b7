"""Retrieve and parse a function's source.

``inspect.getsource`` works for functions in files, in Jupyter/IPython cells
(their source is registered in ``linecache``) and for functions that s2s_ad
generated itself (also registered in ``linecache``), which is what makes
``grad(grad(f))`` possible. The tree is parsed with ``gast`` so one code path
serves every supported Python version.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import sys
import textwrap
import types
from dataclasses import dataclass, field

import gast

from ..errors import SourceUnavailableError, UnsupportedError


def parse(text: str):
    """``gast.parse(text)``, the same tree, about twice as fast: ``ast.parse``,
    then a converter to ``gast`` nodes that fills each node's ``__dict__``
    directly where gast converts generically (the same fields and source
    positions), and replays gast's own conversion of ``Name``, ``arg`` and
    (before Python 3.12) ``FunctionDef``; other nodes that gast converts
    specially go through gast. If the two differ on a sample (checked once,
    as with a gast version that converts differently), it is gast's."""
    global _to_gast
    if _to_gast is None:
        _to_gast = _checked_converter()
    return _to_gast(ast.parse(text))


_to_gast = None
_MISSING = object()
_PLANS: dict = {}
_SPECIAL: set = set()


def _plan(t):
    plan = _PLANS[t] = (getattr(gast, t.__name__, None), t._fields + t._attributes,
                        t.__name__ in _SPECIAL)
    return plan


def _convert(node):
    t = node.__class__
    cls, fields, special = _PLANS.get(t) or _plan(t)
    if special:
        if t is ast.Name:
            new = gast.Name(node.id, _convert(node.ctx), None, None)
        elif t is ast.arg:
            ann = node.annotation
            new = gast.Name(node.arg, gast.Param(), None if ann is None else _convert(ann),
                            node.type_comment)
        elif t is ast.FunctionDef and sys.version_info < (3, 12):
            new = gast.FunctionDef(node.name, _convert(node.args),
                                   [_convert(s) for s in node.body],
                                   [_convert(d) for d in node.decorator_list],
                                   None if node.returns is None else _convert(node.returns),
                                   node.type_comment, [])
        else:
            return gast.ast_to_gast(node)
        for a in t._attributes:
            v = getattr(node, a, _MISSING)
            if v is not _MISSING:
                setattr(new, a, v)
        return new
    if cls is None:
        return None  # (as gast: a node type it does not have)
    d = {}
    old = node.__dict__
    AST = ast.AST
    for f in fields:
        v = old.get(f, _MISSING)
        if v is _MISSING:
            continue
        if v.__class__ is list:
            v = [_convert(x) if isinstance(x, AST) else x for x in v]
        elif isinstance(v, AST):
            v = _convert(v)
        d[f] = v
    new = cls.__new__(cls)
    new.__dict__.update(d)
    return new


_SAMPLE = '''
@dec
def f(x, y: int = 2, *args, k=1, **kw) -> float:
    """doc"""
    z = [a for a in x if a > 0]
    for i, (u, v) in enumerate(zip(x, y)):
        z[i] += u * v ** 2 if u else -v
    while z and not y:
        break
    g = lambda q, r=1: q + r
    return {"a": z[1:2, ::3], "b": (f"{x!r}", x.T, y @ y, g(1), ...)}
'''


def _checked_converter():
    from gast.ast3 import Ast3ToGAst
    # (visit_Constant is ast.NodeVisitor's own, for the deprecated Num/Str visitors)
    _SPECIAL.update(n[6:] for n in dir(Ast3ToGAst) if n.startswith("visit_"))
    _SPECIAL.discard("Constant")
    tree = ast.parse(_SAMPLE)
    if gast.dump(_convert(tree), include_attributes=True) \
            != gast.dump(gast.ast_to_gast(tree), include_attributes=True):
        return gast.ast_to_gast
    return _convert


@dataclass
class ParsedFunction:
    """A function's ``gast`` definition plus everything needed to resolve its
    names and to point back at its source lines."""

    fn: types.FunctionType
    node: gast.FunctionDef
    filename: str
    line_offset: int
    lines: list[str]
    globals: dict
    closure: dict = field(default_factory=dict)

    def lineno(self, node) -> int:
        return getattr(node, "lineno", 1) + self.line_offset

    def line_text(self, node) -> str:
        i = getattr(node, "lineno", 1) - 1
        return self.lines[i] if 0 <= i < len(self.lines) else ""

    def unsupported(self, node, construct: str, detail: str = "") -> UnsupportedError:
        msg = f"{construct} is not supported by s2s_ad"
        if detail:
            msg += f": {detail}"
        return UnsupportedError(msg, filename=self.filename, lineno=self.lineno(node),
                                construct=construct, source_line=self.line_text(node))

    def lookup_free(self, name: str):
        """Resolve a free name as Python would at call time: closure cell,
        then module global, then builtin. Returns ``(found, value)``."""
        if name in self.closure:
            return True, self.closure[name]
        if name in self.globals:
            return True, self.globals[name]
        b = self.globals.get("__builtins__", builtins)
        bdict = b if isinstance(b, dict) else vars(b)
        if name in bdict:
            return True, bdict[name]
        return False, None


def _function_of(obj) -> types.FunctionType:
    if isinstance(obj, types.MethodType):
        raise UnsupportedError(
            f"{obj!r} is a bound method; differentiate the plain function "
            f"(e.g. type(obj).{obj.__name__}) and pass the object as an argument",
            construct="bound method")
    if isinstance(obj, types.FunctionType):
        return obj
    name = getattr(obj, "__name__", type(obj).__name__)
    raise SourceUnavailableError(
        f"cannot transform {name!r}: it is not a Python function with source code "
        f"(got {type(obj).__name__}). Builtins and C functions have no source; "
        "register a derivative for them with s2s_ad.primitive instead.",
        construct="function without source")


def _parse_lambda(fn, filename) -> ParsedFunction | None:
    """A lambda is found in its whole file (or notebook cell), by line and,
    when several share the line, by column: its source line alone may not
    parse (a lambda inside a call that spans lines)."""
    lines = linecache.getlines(filename)
    if not lines:
        return None
    try:
        module = parse("".join(lines))
    except SyntaxError:
        return None
    code = fn.__code__
    first = code.co_firstlineno
    want = list(code.co_varnames[:code.co_argcount])
    found = [n for n in gast.walk(module) if isinstance(n, gast.Lambda)
             and n.lineno == first and [a.id for a in n.args.args] == want]
    if len(found) > 1:
        # (RESUME and the implicit return sit at column 0: not the body's)
        cols = [p[2] for p in code.co_positions()
                if p[0] == first and p[2] is not None and p[3] != p[2]]
        if cols:
            col = min(cols)
            found = [max((n for n in found if n.body.col_offset <= col),
                         key=lambda n: n.body.col_offset, default=found[0])]
    if len(found) != 1:
        return None
    lam = found[0]
    ret = gast.Return(value=lam.body)
    gast.copy_location(ret, lam.body)
    node = gast.FunctionDef(name="<lambda>", args=lam.args, body=[ret], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    gast.copy_location(node, lam)
    return ParsedFunction(fn=fn, node=node, filename=filename, line_offset=0,
                          lines=[line.rstrip("\n") for line in lines], globals=fn.__globals__,
                          closure=_closure_of(fn))


def _closure_of(fn) -> dict:
    closure = {}
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__, strict=True):
            try:
                closure[name] = cell.cell_contents
            except ValueError:  # an unfilled cell (recursive inner function)
                pass
    return closure


def parse_function(obj) -> ParsedFunction:
    fn = _function_of(obj)
    filename = fn.__code__.co_filename
    if fn.__name__ == "<lambda>":
        parsed = _parse_lambda(fn, filename)
        if parsed is not None:
            return parsed
    try:
        # inspect.getsourcelines(fn), in two steps: findsource is cheap, getblock
        # (a tokenizer run) is not, and the block's end is found faster below
        all_lines, lnum = inspect.findsource(inspect.unwrap(fn))
    except (OSError, TypeError) as e:
        raise SourceUnavailableError(
            f"cannot read the source of {fn.__qualname__!r} ({e}). s2s_ad transforms "
            "source code: define the function in a file, a notebook cell or a "
            "module, not at a bare interactive prompt.",
            filename=filename, construct="function without source") from None
    first = lnum + 1
    module = None
    lines = _def_block(all_lines, lnum)
    if lines is not None:
        text = textwrap.dedent("".join(lines))
        try:
            module = parse(text)
        except SyntaxError:  # not where the block ends (see _def_block)
            module = None
    if module is None:
        lines = inspect.getblock(all_lines[lnum:])
        text = textwrap.dedent("".join(lines))
        try:
            module = parse(text)
        except SyntaxError:
            # A lambda inside a larger expression: its line alone may not parse.
            try:
                module = parse("(" + text.strip().rstrip(",;\\") + "\n)")
            except SyntaxError as e:
                raise SourceUnavailableError(
                    f"cannot parse the source of {fn.__qualname__!r}: {e.msg}",
                    filename=filename, lineno=first, construct="source") from None
    node = _find_definition(module, fn, first, filename)
    node.decorator_list = []
    return ParsedFunction(fn=fn, node=node, filename=filename, line_offset=first - 1,
                          lines=text.splitlines(), globals=fn.__globals__,
                          closure=_closure_of(fn))


def _def_block(lines: list[str], start: int) -> list[str] | None:
    """The lines of the ``def`` at ``lines[start]`` (its one-line decorators
    first), as ``inspect.getblock(lines[start:])`` finds them, by indentation
    instead of a tokenizer run (which costs as much as the rest of parsing):
    the block ends before the first code line indented no more than the
    ``def``, and its last line is the last code line before that.

    That line is the end unless it continues a bracket, a string or a
    backslash line; then the block cut there does not parse, and the caller
    asks ``inspect`` after all. ``None`` (ask ``inspect``) for what this does
    not decide alone: a multi-line decorator, indentation by tabs or form
    feeds, a lambda, and comments after the last code line indented more
    than the ``def`` (``inspect`` keeps those indented as the body)."""
    def indent(line):
        n = len(line) - len(line.lstrip(" "))
        return -1 if line[n] in "\t\f" else n

    k = start
    depth = indent(lines[k])
    while lines[k].lstrip(" ").startswith("@"):
        k += 1
        if k == len(lines) or indent(lines[k]) != depth:
            return None
    head = lines[k].lstrip(" ")
    if depth < 0 or not (head.startswith("def ") or head.startswith("async def ")):
        return None
    last = k + 1               # the end of the block (exclusive)
    comment_after = False      # a comment after the last code line, indented
    for i in range(k + 1, len(lines)):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            continue
        n = indent(line)
        if n < 0:
            return None
        if stripped[0] == "#":
            comment_after = comment_after or n > depth
            continue
        if n <= depth:
            break
        last = i + 1
        comment_after = False
    if comment_after:
        return None
    return lines[start:last]


def _find_definition(module, fn, first, filename) -> gast.FunctionDef:
    if fn.__name__ != "<lambda>":
        for stmt in module.body:
            if isinstance(stmt, gast.FunctionDef) and stmt.name == fn.__name__:
                return stmt
        for stmt in gast.walk(module):
            if isinstance(stmt, gast.FunctionDef) and stmt.name == fn.__name__:
                return stmt
    else:
        want = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
        lambdas = [n for n in gast.walk(module) if isinstance(n, gast.Lambda)
                   and [a.id for a in n.args.args] == want]
        if len(lambdas) == 1:
            lam = lambdas[0]
            ret = gast.Return(value=lam.body)
            gast.copy_location(ret, lam.body)
            node = gast.FunctionDef(name="<lambda>", args=lam.args, body=[ret],
                                    decorator_list=[], returns=None, type_comment=None,
                                    type_params=[])
            gast.copy_location(node, lam)
            return node
        raise SourceUnavailableError(
            "cannot tell which lambda on this line to transform; give it a name with def",
            filename=filename, lineno=first, construct="lambda")
    raise SourceUnavailableError(f"cannot find the definition of {fn.__qualname__!r}",
                                 filename=filename, lineno=first, construct="source")
