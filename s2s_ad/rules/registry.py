"""The rule registry: one entry per primitive, holding its VJP and JVP
*templates*.

A template is an ordinary Python function written in differentiable
operations (as in autograd's ``numpy_vjps.py``). The AD transforms do not call
it: they inline its body as source, with its parameters bound to the values
of the equation being differentiated, so generated code reads
``bx = by * (1 - y ** 2)`` rather than ``bx = rule_17(by, y)``.

VJP template::

    @defvjp(np.tanh)
    def tanh(g, ans, x):              # g: cotangent of ans; ans: the output
        return g * (1 - ans ** 2)     # one cotangent per differentiable param

    @defvjp(np.multiply)              # several differentiable params: a tuple,
    def multiply(g, ans, x, y):       # one element per param, in order
        return unbroadcast(g * y, x), unbroadcast(g * x, y)

JVP template: first one tangent per differentiable param (named ``d`` + the
param), then ``ans`` and the primal params; it returns one tangent
*contribution* per differentiable param, and the contributions of the active
params are summed::

    @defjvp(np.multiply)
    def multiply(dx, dy, ans, x, y):
        return dx * y, x * dy

The differentiable params are those without a default value, unless
``wrt=`` names them. Statements before the ``return`` are shared by all
parameters; only what a needed element uses survives dead-code elimination.
"""

from __future__ import annotations

import builtins
import inspect
import operator
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any

import gast

from ..ir import nodes as ir


@dataclass(eq=False)
class Rule:
    key: Any
    name: str
    signature: inspect.Signature | None = None   # of the primal
    wrt: tuple[str, ...] = ()
    vjp: Any = None
    jvp: Any = None
    nondiff: bool = False
    elementwise: bool = False
    structural: bool = False   # moves values around (tuple, getitem, copy): no numeric type
    sequences: tuple[str, ...] = ()   # params that may be a list or tuple of values
    _asts: dict = field(default_factory=dict)
    _plan: tuple | None = field(default=None, repr=False)

    def _make_plan(self, sig) -> tuple:
        """``(signature, plan)``: how a call with positional arguments only
        binds (see :func:`_bind_positional`), or ``None`` as the plan when
        the signature has keyword-only parameters, ``*args`` or ``**kwargs``
        (``Signature.bind`` handles those)."""
        params = list(sig.parameters.values())
        plan = None
        if all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
            plan = tuple((p.name, p.default is not inspect.Parameter.empty, p.default)
                         for p in params)
        self._plan = (sig, plan)
        return self._plan

    def template_ast(self, which: str) -> gast.FunctionDef:
        node = self._asts.get(which)
        if node is None:
            fn = self.vjp if which == "vjp" else self.jvp
            src = textwrap.dedent(inspect.getsource(fn))
            node = gast.parse(src).body[0]
            node.decorator_list = []
            self._asts[which] = node
        return node

    def bind(self, args, kwargs) -> dict[str, Any] | None:
        """Map the primal's parameter names to the call's atoms (defaults as
        constants), or ``None`` if the call does not fit the signature."""
        sig = self.signature
        if sig is None:
            return None
        if not kwargs:
            plan = self._plan if self._plan is not None and self._plan[0] is sig \
                else self._make_plan(sig)
            if plan[1] is not None:
                return _bind_positional(plan[1], args)
        try:
            ba = sig.bind(*args, **dict(kwargs))
        except TypeError:
            return None
        out_arg = ba.arguments.get("out")
        if out_arg is not None and not (isinstance(out_arg, ir.Const) and out_arg.value is None):
            return None  # out= writes into an array: not differentiable as a value
        out = {}
        for name, param in self.signature.parameters.items():
            if name in ba.arguments:
                out[name] = ba.arguments[name]
                if param.kind is inspect.Parameter.VAR_POSITIONAL:
                    out[name] = tuple(out[name])
            elif param.kind is inspect.Parameter.VAR_POSITIONAL:
                out[name] = ()
            elif param.default is not inspect.Parameter.empty:
                out[name] = ir.Const(param.default)
        return out


def _bind_positional(plan, args) -> dict[str, Any] | None:
    """:meth:`Rule.bind` of positional arguments to positional parameters:
    the same result as ``Signature.bind``, without its generality."""
    if len(args) > len(plan):
        return None
    out = {}
    for i, (name, has_default, default) in enumerate(plan):
        if i < len(args):
            a = out[name] = args[i]
            if name == "out" and not (isinstance(a, ir.Const) and a.value is None):
                return None  # out= writes into an array: not differentiable as a value
        elif has_default:
            out[name] = ir.Const(default)
        else:
            return None  # a required argument is missing
    return out


REGISTRY: dict[Any, Rule] = {}


def _key_name(key) -> str:
    if isinstance(key, tuple):
        return {"method": "x.{}()", "attr": "x.{}"}.get(key[0], "{}").format(key[-1])
    mod = getattr(key, "__module__", None) or ""
    name = getattr(key, "__name__", repr(key))
    if isinstance(key, type(np_ufunc_probe())):  # numpy ufuncs have no __module__
        mod = "numpy"
    mod = {"_operator": "operator", "builtins": "", "numpy._core.multiarray": "numpy",
           "numpy._core.fromnumeric": "numpy", "numpy._core.numeric": "numpy"}.get(mod, mod)
    return f"{mod}.{name}" if mod else name


def np_ufunc_probe():
    import numpy
    return numpy.add


def _entry(key) -> Rule:
    rule = REGISTRY.get(key)
    if rule is None:
        rule = REGISTRY[key] = Rule(key=key, name=_key_name(key))
    return rule


def _primal_signature(template, skip: int) -> inspect.Signature:
    params = list(inspect.signature(template).parameters.values())[skip:]
    return inspect.Signature(params)


def defvjp(*keys, wrt: tuple[str, ...] | None = None, elementwise: bool = False,
           structural: bool = False, sequences: tuple[str, ...] = ()):
    """Register a VJP template for one or more primitives (aliases share it).
    ``sequences`` names the params that may be a list or tuple of values
    (``sum``'s iterable): their cotangents are containers too."""
    def register(template):
        sig = _primal_signature(template, 2)
        names = wrt or tuple(n for n, p in sig.parameters.items()
                             if p.default is inspect.Parameter.empty
                             and p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY))
        for key in keys:
            rule = _entry(key)
            rule.vjp, rule.signature, rule.wrt = template, sig, tuple(names)
            rule.elementwise = rule.elementwise or elementwise
            rule.structural = structural
            rule.sequences = sequences
        return template
    return register


def defjvp(*keys):
    """Register a JVP template (see the module docstring for its signature)."""
    def register(template):
        for key in keys:
            rule = _entry(key)
            if rule.signature is None:
                names = list(inspect.signature(template).parameters)
                n = names.index("ans")  # the tangents come before the output
                rule.signature = _primal_signature(template, n + 1)
                rule.wrt = tuple(list(rule.signature.parameters)[:n])
            rule.jvp = template
        return template
    return register


def nondiff(*keys):
    """Mark functions whose outputs carry no derivative (integer-valued,
    piecewise constant, shapes and predicates): their results are inactive."""
    for key in keys:
        _entry(key).nondiff = True


_optional_loaded = False


def load_optional_rules() -> None:
    """Register the rules for optional libraries (SciPy) if they are installed."""
    global _optional_loaded
    if not _optional_loaded:
        _optional_loaded = True
        import importlib
        for name in ("scipy_rules",):
            importlib.import_module(f"{__package__}.{name}")


def lookup(key) -> Rule | None:
    try:
        rule = REGISTRY.get(key)
    except TypeError:  # unhashable callee
        return None
    if rule is None and not _optional_loaded and "scipy" in sys.modules:
        load_optional_rules()  # the program uses SciPy: its rules are needed now
        return REGISTRY.get(key)
    return rule


def is_pure(key) -> bool:
    """The primitives s2s_ad ships have no side effects (``print`` aside),
    so an unread result may be dropped; unknown calls and users' own
    primitives might have some, and are always run."""
    rule = lookup(key)
    return rule is not None and is_builtin(rule) and key is not builtins.print


def call_view(eqn: ir.Eqn):
    """``(rule key, positional atoms, keyword atoms)`` of an equation, the
    way its rule's primal signature sees it."""
    op = eqn.op
    if isinstance(op, ir.Call):
        return op.callee_value(eqn), eqn.args[1:], eqn.kwargs
    if isinstance(op, ir.Method):
        return op.key, eqn.args, eqn.kwargs
    return eqn.rule_key, eqn.args, eqn.kwargs


# Comparisons, identity and logic are piecewise constant.
nondiff(operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
        operator.is_, operator.is_not, operator.contains, "not in", operator.not_,
        operator.and_, operator.or_, operator.xor, operator.invert, operator.lshift,
        operator.rshift, operator.floordiv, ("effect", "assert"), ("effect", "raise"))


def is_builtin(rule: Rule) -> bool:
    """A rule s2s_ad ships, as opposed to a user's ``@primitive`` (or one a
    test registered)."""
    for template in (rule.vjp, rule.jvp):
        if template is not None:
            return (getattr(template, "__module__", "") or "").startswith("s2s_ad.rules")
    return type(rule.key).__name__ != "Primitive"
