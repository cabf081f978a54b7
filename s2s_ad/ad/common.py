"""Small pieces both AD transforms use: naming runtime helpers, describing
a call in an error, and telling user functions from primitives."""

from __future__ import annotations

import os
import types

from ..errors import NonDifferentiableError, UnsupportedError
from ..ir import nodes as ir

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def helper(fn) -> ir.Free:
    """A runtime helper (or builtin) referenced from generated code."""
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


def name_of(atom) -> str:
    return getattr(atom, "hint", None) or getattr(atom, "path", None) or "args"


def nondifferentiable(eqn) -> NonDifferentiableError:
    name = describe_callee(eqn)
    loc = eqn.loc
    return NonDifferentiableError(
        f"cannot differentiate through {name}: it has no derivative rule, and its "
        "result depends on the differentiated inputs. Register one with "
        "@s2s_ad.primitive (then .defvjp / .defjvp), or wrap the input in "
        "s2s_ad.stop_gradient(...) if no derivative should flow through it",
        filename=loc and loc.filename, lineno=loc and loc.lineno, construct=name,
        source_line=loc and loc.line)


def unfit_call(eqn, rule) -> UnsupportedError:
    """The error for a call its primitive's derivative rule does not cover
    (``max(xs)`` where the rule is for ``max(a, b)``): it shows the form the
    rule covers."""
    loc = eqn.loc
    name = describe_callee(eqn)
    form = f"{name}{rule.signature}" if rule.signature is not None else name
    return UnsupportedError(
        f"the call of {name} has arguments its derivative rule does not accept "
        f"(the rule covers {form})", filename=loc and loc.filename,
        lineno=loc and loc.lineno, construct=name, source_line=loc and loc.line)


def negated(stmts, atom):
    """``b`` if ``atom`` was computed as ``-b`` by one of the statements just
    emitted into ``stmts``: ``a + atom`` is then written ``a - b`` (the
    negation, unread, is dropped as dead code)."""
    for s in reversed(stmts[-4:]):
        if isinstance(s, ir.Eqn) and s.outs == [atom] and isinstance(s.op, ir.UnaryOp) \
                and s.op.symbol == "-":
            return s.args[0]
    return None


def is_user_function(key) -> bool:
    """A plain Python function with source (the user's, or one s2s_ad
    generated): transformed, not looked up. s2s_ad's own helpers are not."""
    if not isinstance(key, types.FunctionType):
        return False
    return not key.__code__.co_filename.startswith(_PACKAGE_DIR)


def flat(v):
    if v is None:
        return []
    return list(v) if isinstance(v, tuple) else [v]
