"""Small pieces both AD transforms use: naming runtime helpers, describing
a call in an error, and telling user functions from primitives."""

from __future__ import annotations

import os
import types

import numpy as np

from ..errors import NonDifferentiableError, UnsupportedError
from ..ir import nodes as ir
from ..rules.registry import call_view, lookup

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


def nondifferentiable(eqn, rule=None, mode: str = "reverse") -> NonDifferentiableError:
    """The error for a call (or attribute, or method) with no derivative rule
    whose result depends on the differentiated inputs; ``rule``, if the
    primitive has a rule for the other mode only. It says what to do, which
    depends on what the construct is."""
    name = describe_callee(eqn)
    loc = eqn.loc
    op = eqn.op
    stop = ("or wrap the input in s2s_ad.stop_gradient(...) if no derivative should "
            "flow through it")
    if rule is not None:
        missing, method = ("JVP", "defjvp") if mode == "forward" else ("VJP", "defvjp")
        advice = (f"it has a derivative rule for {'reverse' if mode == 'forward' else 'forward'}"
                  f" mode only: give it a {missing} rule with {name}.{method}(...) "
                  f"({'jvp, jacobian in forward mode and hessian' if mode == 'forward' else 'grad, vjp'}"
                  " need it)")
    elif isinstance(op, ir.GetAttr):
        advice = ("attribute reads are differentiated on NumPy arrays (.T, .real, .imag, "
                  "...); for the fields of a namedtuple, dataclass or other object, pass "
                  "the values as arguments, or in a tuple, list or dict, " + stop)
    elif isinstance(op, ir.Method) and hasattr(np.ndarray, op.name):
        advice = (f"the array method .{op.name}() has no derivative rule (float(x) and the "
                  "NumPy functions have): register one with @s2s_ad.primitive, " + stop)
    elif isinstance(op, ir.Method):
        advice = ("the methods of your own classes are not transformed: call a "
                  "module-level function (or a nested def) with the object's values as "
                  "arguments, register the method's function with @s2s_ad.primitive "
                  "(then .defvjp / .defjvp), " + stop)
    elif isinstance(op, ir.Call) and not isinstance(eqn.args[0], ir.Free):
        what = getattr(eqn.args[0], "hint", None)
        name = f"{what!r}, a function value" if what else "a function value"
        advice = ("s2s_ad differentiates calls of functions it can read by name: call the "
                  "module-level function itself, or a nested def or lambda, " + stop)
    else:
        advice = ("it has no derivative rule. Register one with @s2s_ad.primitive "
                  "(then .defvjp / .defjvp), " + stop)
    return NonDifferentiableError(
        f"cannot differentiate through {name}, whose result depends on the differentiated "
        f"inputs: {advice}",
        filename=loc and loc.filename, lineno=loc and loc.lineno, construct=name,
        source_line=loc and loc.line)


def refuse_sequence_arithmetic(eqn, containers) -> None:
    """``+`` and ``*`` on lists and tuples concatenate and repeat: the
    operators' rules are numeric, so a differentiated operand that is a list or
    tuple (``containers``: ids of values that hold one on some path) is
    refused, not differentiated as a sum."""
    if isinstance(eqn.op, ir.BinOp) and eqn.op.symbol in ("+", "*") and any(
            type(a) is ir.Var and a.id in containers for a in eqn.args):
        loc = eqn.loc
        what = "concatenating" if eqn.op.symbol == "+" else "repeating"
        raise UnsupportedError(
            f"{what} lists or tuples with {eqn.op.symbol} on differentiated values: build "
            "the list with a display, a comprehension or append ([*a, *b] is not "
            "supported either), or use arrays (np.concatenate, np.tile)",
            filename=loc and loc.filename, lineno=loc and loc.lineno,
            construct=f"{eqn.op.symbol} on lists", source_line=loc and loc.line)


def refuse_varied_constants(eqn, is_varied) -> None:
    """A rule differentiates with respect to ``rule.wrt`` only. A value that
    depends on the differentiated inputs, bound to another parameter of a
    NumPy or SciPy function (``np.gradient``'s spacing, a distribution's shape
    parameter), would be taken as a constant, its derivative silently lost:
    refused. (A user primitive's other parameters are non-differentiable by
    its author's rules; s2s_ad's own helpers read theirs for shapes only.)"""
    key, args, kwargs = call_view(eqn)
    rule = lookup(key)
    if rule is None or rule.nondiff or (rule.vjp is None and rule.jvp is None) \
            or not _is_library(key):
        return
    binding = rule.bind(args, kwargs)
    if binding is None:
        return
    for name, v in binding.items():
        if name in rule.wrt:
            continue
        values = v.values() if isinstance(v, dict) else v if isinstance(v, tuple) else (v,)
        if any(is_varied(a) for a in values):
            loc = eqn.loc
            callee = describe_callee(eqn)
            raise NonDifferentiableError(
                f"cannot differentiate {callee} with respect to its argument {name!r}: its "
                f"derivative rule covers {', '.join(rule.wrt)} only, and {name!r} depends on "
                "the differentiated inputs. Wrap it in s2s_ad.stop_gradient(...) if it "
                "should be a constant, or register a rule with @s2s_ad.primitive",
                filename=loc and loc.filename, lineno=loc and loc.lineno, construct=callee,
                source_line=loc and loc.line)


def _is_library(key) -> bool:
    """A NumPy or SciPy function, method or attribute: its rule's parameters
    outside ``wrt`` take values (unlike a user primitive's, declared
    non-differentiable by its author, or s2s_ad's helpers', read for shapes)."""
    if isinstance(key, tuple):
        return key[0] in ("method", "attr")
    return isinstance(key, np.ufunc) or \
        (getattr(key, "__module__", None) or "").startswith(("numpy", "scipy"))


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
    if getattr(type(key), "_s2s_ad_derivative", False):
        return True  # a derivative s2s_ad made (grad(f)): its generated code is read
    if not isinstance(key, types.FunctionType):
        return False
    return not key.__code__.co_filename.startswith(_PACKAGE_DIR)


def flat(v):
    if v is None:
        return []
    return list(v) if isinstance(v, tuple) else [v]
