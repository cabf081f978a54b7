"""Retrieve and parse a function's source.

``inspect.getsource`` works for functions in files, in Jupyter/IPython cells
(their source is registered in ``linecache``) and for functions that s2s_ad
generated itself (also registered in ``linecache``), which is what makes
``grad(grad(f))`` possible. The tree is parsed with ``gast`` so one code path
serves every supported Python version.
"""

from __future__ import annotations

import builtins
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass, field

import gast

from ..errors import SourceUnavailableError, UnsupportedError


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
        module = gast.parse("".join(lines))
    except SyntaxError:
        return None
    code = fn.__code__
    first = code.co_firstlineno
    want = list(code.co_varnames[:code.co_argcount])
    found = [n for n in gast.walk(module) if isinstance(n, gast.Lambda)
             and n.lineno == first and [a.id for a in n.args.args] == want]
    if len(found) > 1:
        cols = [p[2] for p in code.co_positions() if p[0] == first and p[2] is not None]
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
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as e:
        raise SourceUnavailableError(
            f"cannot read the source of {fn.__qualname__!r} ({e}). s2s_ad transforms "
            "source code: define the function in a file, a notebook cell or a "
            "module, not at a bare interactive prompt.",
            filename=filename, construct="function without source") from None
    text = textwrap.dedent("".join(lines))
    try:
        module = gast.parse(text)
    except SyntaxError:
        # A lambda inside a larger expression: its line alone may not parse.
        try:
            module = gast.parse("(" + text.strip().rstrip(",;\\") + "\n)")
        except SyntaxError as e:
            raise SourceUnavailableError(
                f"cannot parse the source of {fn.__qualname__!r}: {e.msg}",
                filename=filename, lineno=first, construct="source") from None
    node = _find_definition(module, fn, first, filename)
    node.decorator_list = []
    return ParsedFunction(fn=fn, node=node, filename=filename, line_offset=first - 1,
                          lines=text.splitlines(), globals=fn.__globals__,
                          closure=_closure_of(fn))


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
