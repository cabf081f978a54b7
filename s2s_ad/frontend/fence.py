"""The fence: reject every construct outside the supported subset up front.

It runs before any transformation, so an unsupported program fails with the
construct's name and the user's ``file:line`` rather than half-way through
lowering (or, worse, by being silently dropped from the derivative). The
tables below are the single source of truth for what is supported; the docs'
support table is generated from them.
"""

from __future__ import annotations

import gast

from .source import ParsedFunction
from .walk import nodes

#: Syntax that s2s_ad transforms, with a short description for the docs.
SUPPORTED = {
    gast.FunctionDef: "the function being differentiated, and nested defs (inlined at each call)",
    gast.arguments: "positional and keyword parameters with defaults",
    gast.Assign: "assignment, chained assignment, tuple unpacking",
    gast.AugAssign: "augmented assignment (x += ...)",
    gast.AnnAssign: "annotated assignment with a value",
    gast.Expr: "expression statements (docstrings, calls for their side effects)",
    gast.Pass: "pass",
    gast.Return: "return",
    gast.Assert: "assert (not differentiated)",
    gast.Raise: "raise (not differentiated)",
    gast.BinOp: "arithmetic operators + - * / // % ** @",
    gast.UnaryOp: "unary - + not ~",
    gast.Compare: "comparisons",
    gast.Call: "calls with positional and keyword arguments",
    gast.Attribute: "attribute reads (np.exp, x.T, x.shape)",
    gast.Subscript: "indexing and slicing",
    gast.Slice: "slices",
    gast.Name: "names",
    gast.Constant: "literals",
    gast.Tuple: "tuple displays",
    gast.List: "list displays",
    gast.Dict: "dict displays",
    gast.keyword: "keyword arguments",
    gast.If: "if / elif / else, nested to any depth",
    gast.For: "for loops over range, arrays, lists, tuples, enumerate, zip, reversed, dict views",
    gast.While: "while loops, with data-dependent conditions",
    gast.Break: "break",
    gast.Continue: "continue",
    gast.IfExp: "conditional expressions (a if c else b)",
    gast.BoolOp: "and / or, with short-circuit evaluation",
    gast.Lambda: "lambda expressions, called in the body (inlined at each call)",
    gast.ListComp: "list comprehensions (with conditions and nested loops)",
    gast.GeneratorExp: "generator expressions (materialised as lists)",
    gast.Starred: "*args in a call (passed through; not differentiated)",
}

#: Constructs that are rejected, with the reason given to the user.
UNSUPPORTED = {
    gast.Try: "try/except",
    gast.With: "with",
    gast.AsyncWith: "async with",
    gast.AsyncFor: "async for",
    gast.AsyncFunctionDef: "async def",
    gast.Await: "await",
    gast.Yield: "yield (generators)",
    gast.YieldFrom: "yield from",
    gast.ClassDef: "class definitions",
    gast.Global: "global statements",
    gast.Nonlocal: "nonlocal statements",
    gast.Delete: "del",
    gast.Import: "import inside the function",
    gast.ImportFrom: "import inside the function",
    gast.Match: "match statements",
    gast.NamedExpr: "the walrus operator (:=)",
    gast.Set: "set displays",
    gast.SetComp: "set comprehensions",
    gast.DictComp: "dict comprehensions",
    gast.JoinedStr: "f-strings",
}

_CONTEXT_FREE = (gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop,
                 gast.comprehension, gast.FormattedValue)


#: Supported node types that :func:`_check_details` has nothing to check in.
_NO_DETAILS = frozenset({gast.Name, gast.Constant, gast.Load, gast.Store, gast.BinOp,
                         gast.Attribute, gast.Expr, gast.Return, gast.UnaryOp, gast.Compare,
                         gast.Subscript, gast.Tuple, gast.List, gast.If, gast.keyword,
                         gast.Slice, gast.Pass, gast.Add, gast.Sub, gast.Mult, gast.Div})


def check(pf: ParsedFunction, every: list | None = None) -> None:
    """Raise :class:`UnsupportedError` at the first construct outside the
    subset. ``every``: ``nodes(pf.node)``, if the caller has walked it."""
    top = pf.node
    _check_signature(pf, top)
    if every is None:
        every = nodes(top)
    starred = [n for n in every if isinstance(n, gast.Starred)]
    if starred:
        in_calls = {id(a) for c in every if isinstance(c, gast.Call) for a in c.args}
        for n in starred:
            if id(n) not in in_calls:
                raise pf.unsupported(n, "star-unpacking outside a call")
    for node in every:
        t = type(node)
        if t in _NO_DETAILS:
            continue
        if node is not top and t is gast.FunctionDef:
            if node.decorator_list:
                raise pf.unsupported(node, "decorated nested functions")
            _check_signature(pf, node)
        if t in UNSUPPORTED:
            raise pf.unsupported(node, UNSUPPORTED[t])
        if t in SUPPORTED or isinstance(node, _CONTEXT_FREE):
            _check_details(pf, node)
            continue
        raise pf.unsupported(node, type(node).__name__)


def _check_signature(pf, fn):
    a = fn.args
    if a.kwarg is not None:
        raise pf.unsupported(fn, "**kwargs parameters")
    if a.posonlyargs or a.kwonlyargs:
        raise pf.unsupported(fn, "positional-only or keyword-only parameters")


def _check_details(pf, node):
    if isinstance(node, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
        targets = node.targets if isinstance(node, gast.Assign) else [node.target]
        for t in targets:
            _check_target(pf, t)
        if isinstance(node, gast.AnnAssign) and node.value is None:
            raise pf.unsupported(node, "annotation without a value")
    elif isinstance(node, (gast.For, gast.While)) and node.orelse:
        raise pf.unsupported(node, ("for" if isinstance(node, gast.For) else "while")
                             + " ... else")
    elif isinstance(node, gast.Call):
        for k in node.keywords:
            if k.arg is None:
                raise pf.unsupported(node, "**kwargs in a call")
        starred = [i for i, a in enumerate(node.args) if isinstance(a, gast.Starred)]
        if starred and starred != [len(node.args) - 1]:
            raise pf.unsupported(node, "star-unpacking other than one *args at the end of a call")
    elif isinstance(node, gast.Starred) and not isinstance(node.ctx, gast.Load):
        raise pf.unsupported(node, "star-unpacking in an assignment")
    elif isinstance(node, gast.Dict):
        if any(k is None for k in node.keys):
            raise pf.unsupported(node, "**-unpacking in a dict display")


def _check_target(pf, t):
    if isinstance(t, gast.Name):
        return
    if isinstance(t, (gast.Tuple, gast.List)):
        for e in t.elts:
            _check_target(pf, e)
        return
    if isinstance(t, gast.Attribute):
        raise pf.unsupported(t, "attribute assignment")
    if isinstance(t, gast.Subscript):
        return
    raise pf.unsupported(t, f"assignment to {type(t).__name__}")
