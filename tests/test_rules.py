"""Every derivative rule, checked numerically on its own.

For each registry entry with a VJP or JVP template and each case of its spec
in ``rule_specs.py``, the template is run as a plain Python function and
compared against central finite differences of the primal in float64:

* VJP: the dot-product identity ``<g, J_i v> = <vjp_i(g), v>`` for a random
  cotangent ``g`` and random directions ``v`` of each differentiable input
  ``i``, and ``vjp_i(g)`` has input ``i``'s shape;
* JVP: each tangent contribution equals ``J_i v`` and has the output's shape.

Complex values (``numpy.fft``): inputs of a complex kind are perturbed in
complex directions, and the pairing of a cotangent with a direction is
``Re(sum(a * b))`` — bilinear, no conjugate — the convention s2s_ad takes
from autograd (the cotangent of ``z = u + iv`` is ``∂L/∂u - i ∂L/∂v``, so
``dL = Re(sum(ḡ * dz))``). The dot-product identity then checks that a
VJP is the *transpose* of the JVP; for real values the pairing is the
ordinary dot product. A real input perturbed in a real direction must get a
real cotangent. Inputs that live on a manifold (a point of the simplex for
``scipy.stats.dirichlet``) are perturbed only along it: their kind's
``project`` maps the random directions onto its tangent space.

Structural checks make sure the rules stay testable and inlinable: every
rule has a spec, every VJP has a JVP, and every template body is
straight-line code of the kinds the inliner lowers.
"""

from __future__ import annotations

import builtins
import copy
import inspect
import math
import zlib

import gast
import numpy as np
import pytest

import s2s_ad.rules  # noqa: F401  (registers the rules)
from s2s_ad.rules import REGISTRY as _ALL_RULES
from s2s_ad.rules.registry import is_builtin
from tests.rule_specs import SPECS, TESTED_ELSEWHERE

H = 1e-6            # central-difference step
RTOL, ATOL = 1e-5, 1e-6


# ---------------------------------------------------------------- helpers


#: the rules s2s_ad ships (other test modules register primitives of their own)
REGISTRY = {k: r for k, r in _ALL_RULES.items() if is_builtin(r)}


def call_primal(key, args, kwargs):
    if isinstance(key, tuple):
        kind = key[0]
        if kind == "method":
            return getattr(args[0], key[1])(*args[1:], **kwargs)
        if kind == "attr":
            return getattr(args[0], key[1])
        if kind == "getitem":
            return args[0][args[1]]
        if kind == "copy":
            return copy.copy(args[0])
        if kind == "setitem":
            out = np.array(args[0], dtype=np.float64, copy=True)
            out[args[1]] = args[2]
            return out
        raise AssertionError(f"no primal for {key}")
    return key(*args, **kwargs)


def is_float_value(v) -> bool:
    if isinstance(v, float):
        return True
    if isinstance(v, (list, tuple)):   # a sequence of arrays (np.stack, np.vstack, ...)
        return len(v) > 0 and all(is_float_value(x) for x in v)
    return isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.inexact)


# Values may be sequences of arrays: inputs of stack-like functions, results of
# tuple- or list-valued ones (slogdet, eigh, svd, qr, the split family). The
# helpers below work elementwise on such trees.


def _tree(fn, *vs):
    if isinstance(vs[0], (list, tuple)):
        out = [_tree(fn, *xs) for xs in zip(*vs, strict=True)]
        return out if isinstance(vs[0], list) else tuple(out)
    return fn(*vs)


def _leaves(v):
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _leaves(item)]
    return [v]


def random_like(v, rng):
    """A random float value of ``v``'s shape and kind (Python float stays float)."""
    if isinstance(v, (list, tuple)):
        return _tree(lambda x: random_like(x, rng), v)
    r = rng.standard_normal(np.shape(v))
    if np.iscomplexobj(v):
        return np.asarray(r + 1j * rng.standard_normal(np.shape(v)))
    if isinstance(v, float):
        return float(r)
    if isinstance(v, np.floating):
        return np.float64(r)
    return np.asarray(r)


def inner(a, b) -> float:
    """The pairing of a cotangent with a tangent: ``Re(sum(a * b))`` (see
    the module docstring; the dot product for real values)."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return sum(inner(x, y) for x, y in zip(a, b, strict=True))
    return float(np.real(np.sum(_numeric(a) * _numeric(b))))


def _numeric(v):
    """``v`` as a float64 array, or a complex one if it is complex."""
    v = np.asarray(v)
    return v if np.iscomplexobj(v) else v.astype(np.float64)


def shape_of(v):
    """Shapes, with the structure of a sequence kept."""
    return _tree(np.shape, v) if isinstance(v, (list, tuple)) else np.shape(v)


class Call:
    """One case of one rule: concrete arguments, the primal value, and where
    each differentiable parameter sits in the call."""

    def __init__(self, rule, case):
        self.rule, self.case = rule, case
        rng = np.random.default_rng(zlib.crc32(f"{rule.name}/{case.id}".encode()))
        self.rng = rng
        self.args, self.kwargs = case.make(rng)
        bound = rule.signature.bind(*self.args, **self.kwargs)
        names = list(rule.signature.parameters)
        self.slots = {}       # wrt name -> ("pos", i) / ("kw", name)
        for name in rule.wrt:
            if name not in bound.arguments:
                continue
            i = names.index(name)
            self.slots[name] = ("pos", i) if i < len(self.args) else ("kw", name)
        self.active = [n for n in rule.wrt
                       if n in self.slots and is_float_value(self.value(n))]
        self.ans = call_primal(rule.key, self.args, self.kwargs)

    def value(self, name):
        kind, where = self.slots[name]
        return self.args[where] if kind == "pos" else self.kwargs[where]

    def primal_with(self, name, value):
        args, kwargs = list(self.args), dict(self.kwargs)
        kind, where = self.slots[name]
        if kind == "pos":
            args[where] = value
        else:
            kwargs[where] = value
        return call_primal(self.rule.key, tuple(args), kwargs)

    def directional(self, name, v):
        """``J_name v`` by central differences."""
        x = self.value(name)
        plus = self.primal_with(name, _tree(lambda a, d: a + H * d, x, v))
        minus = self.primal_with(name, _tree(lambda a, d: a - H * d, x, v))
        return _tree(lambda p, m: (_numeric(p) - _numeric(m)) / (2 * H),
                     _plain(plus), _plain(minus))

    def direction(self, name):
        """A random direction for input ``name``: of its shape and kind,
        projected onto the tangent space of its domain if it has one."""
        v = random_like(self.value(name), self.rng)
        kind, where = self.slots[name]
        spec = self.case.args[where] if kind == "pos" else self.case.kwargs.get(where)
        project = getattr(getattr(spec, "dom", None), "project", None)
        return project(v) if project is not None else v

    def pick(self, out, name):
        """The element of a template's result for differentiable param ``name``."""
        if len(self.rule.wrt) == 1:
            return out
        assert isinstance(out, tuple) and len(out) == len(self.rule.wrt), out
        return out[self.rule.wrt.index(name)]


def _plain(v):
    """A NumPy named tuple (SlogdetResult, ...) as a plain tuple."""
    return tuple(v) if isinstance(v, tuple) else v


def _cases(which):
    params = []
    for key, rule in REGISTRY.items():
        if getattr(rule, which) is None:
            continue
        seen = {}
        for c in SPECS.get(key, []):
            n = seen[c.id] = seen.get(c.id, 0) + 1
            cid = c.id if n == 1 else f"{c.id}#{n}"
            params.append(pytest.param(rule, c, id=f"{rule.name}[{cid}]"))
    return params


# ---------------------------------------------------------------- numerical checks


@pytest.mark.parametrize("rule,case", _cases("vjp"))
def test_vjp(rule, case):
    call = Call(rule, case)
    assert call.active, f"case {case.id} differentiates nothing"
    g = random_like(call.ans, call.rng)
    with np.errstate(divide="ignore", invalid="ignore"):  # elements for inactive params
        out = rule.vjp(g, call.ans, *call.args, **call.kwargs)
    for name in call.active:
        x = call.value(name)
        gx = call.pick(out, name)
        assert shape_of(gx) == shape_of(x), \
            f"VJP for {name!r} has shape {shape_of(gx)}, the input {shape_of(x)}"
        if not any(np.iscomplexobj(c) for c in _leaves(x)):
            assert not any(np.iscomplexobj(c) for c in _leaves(gx)), \
                f"VJP for the real input {name!r} is complex"
        for _ in range(2):
            v = call.direction(name)
            lhs = inner(g, call.directional(name, v))
            rhs = inner(gx, v)
            assert math.isfinite(lhs) and math.isfinite(rhs), (lhs, rhs)
            np.testing.assert_allclose(rhs, lhs, rtol=RTOL, atol=ATOL,
                                       err_msg=f"<vjp_{name}(g), v> != <g, J v>")


@pytest.mark.parametrize("rule,case", _cases("jvp"))
def test_jvp(rule, case):
    call = Call(rule, case)
    assert call.active, f"case {case.id} differentiates nothing"
    tangents = {n: call.direction(n) if n in call.active else 0.0 for n in rule.wrt}
    with np.errstate(divide="ignore", invalid="ignore"):  # elements for inactive params
        out = rule.jvp(*tangents.values(), call.ans, *call.args, **call.kwargs)
    for name in call.active:
        contribution = call.pick(out, name)
        assert all(np.all(np.isfinite(c)) for c in _leaves(contribution)), contribution
        assert shape_of(contribution) == shape_of(call.ans), \
            f"JVP contribution of {name!r} has shape {shape_of(contribution)}, " \
            f"the output {shape_of(call.ans)}"
        for c, fd in zip(_leaves(contribution), _leaves(call.directional(name, tangents[name])),
                         strict=True):
            np.testing.assert_allclose(c, fd, rtol=RTOL, atol=ATOL, err_msg=f"JVP for {name!r}")


# ---------------------------------------------------------------- coverage


def test_every_rule_has_a_spec():
    missing = [r.name for k, r in REGISTRY.items()
               if (r.vjp is not None or r.jvp is not None) and not SPECS.get(k)
               and k not in TESTED_ELSEWHERE]
    assert not missing, f"rules without test cases in tests/rule_specs.py: {missing}"


def test_every_spec_names_a_rule():
    stale = [k for k in SPECS if k not in REGISTRY
             or (REGISTRY[k].vjp is None and REGISTRY[k].jvp is None)]
    assert not stale, f"specs for keys with no rule: {stale}"


def test_every_vjp_has_a_jvp():
    missing = [r.name for k, r in REGISTRY.items() if r.vjp is not None and r.jvp is None
               and k not in TESTED_ELSEWHERE]
    assert not missing, f"rules with a VJP but no JVP: {missing}"


def test_nondiff_rules_have_no_templates():
    both = [r.name for r in REGISTRY.values() if r.nondiff and (r.vjp or r.jvp)]
    assert not both, both


# ---------------------------------------------------------------- template syntax

_EXPR_NODES = (gast.Name, gast.Constant, gast.Call, gast.keyword, gast.BinOp, gast.UnaryOp,
               gast.Compare, gast.Attribute, gast.Subscript, gast.Slice, gast.Tuple, gast.List,
               gast.expr_context, gast.operator, gast.unaryop, gast.cmpop)


def _templates():
    seen, params = set(), []
    for rule in REGISTRY.values():
        for which in ("vjp", "jvp"):
            fn = getattr(rule, which)
            if fn is not None and (fn, which) not in seen:
                seen.add((fn, which))
                params.append(pytest.param(rule, which, id=f"{rule.name}-{which}"))
    return params


@pytest.mark.parametrize("rule,which", _templates())
def test_template_is_inlinable(rule, which):
    """Straight-line code the inliner lowers: single-name assignments, one
    final return of one element per differentiable param, and only calls,
    operators, attributes, subscripts and tuple/list displays; every free
    name resolves in the template's module; the parameters follow the
    registry's conventions."""
    fn = getattr(rule, which)
    node = rule.template_ast(which)
    *prelude, ret = node.body
    for s in prelude:
        assert isinstance(s, gast.Assign) and len(s.targets) == 1 \
            and isinstance(s.targets[0], gast.Name), \
            f"{fn.__qualname__}: only `name = expr` may precede the return, got {gast.dump(s)}"
    assert isinstance(ret, gast.Return) and ret.value is not None, \
        f"{fn.__qualname__} must end with a return"
    for s in node.body:
        for n in gast.walk(s.value):
            assert isinstance(n, _EXPR_NODES), \
                f"{fn.__qualname__}: {type(n).__name__} is not allowed in a template"
            if isinstance(n, gast.Compare):
                assert len(n.ops) == 1, f"{fn.__qualname__}: chained comparison"
            if isinstance(n, gast.Call):
                assert not any(k.arg is None for k in n.keywords), f"{fn.__qualname__}: **kwargs"
    n_wrt = len(rule.wrt)
    if n_wrt > 1:
        assert isinstance(ret.value, gast.Tuple) and len(ret.value.elts) == n_wrt, \
            f"{fn.__qualname__} must return a tuple of {n_wrt} ({rule.wrt})"
    elif not (which == "jvp" and rule.structural):   # a tuple-valued primal's tangent is a tuple
        assert not isinstance(ret.value, gast.Tuple), f"{fn.__qualname__} returns a tuple"

    params = list(inspect.signature(fn).parameters.values())
    primal = list(rule.signature.parameters.values())
    if which == "vjp":
        rest = params[2:]
    else:
        assert [p.name for p in params[:n_wrt]] == ["d" + w for w in rule.wrt], \
            f"{fn.__qualname__}: tangents must be named {['d' + w for w in rule.wrt]}"
        assert params[n_wrt].name == "ans"
        rest = params[n_wrt + 1:]
    assert [(p.name, p.kind, p.default) for p in rest] == \
        [(p.name, p.kind, p.default) for p in primal], \
        f"{fn.__qualname__}: primal params differ from the rule's signature {rule.signature}"

    local = {p.name for p in params} | {s.targets[0].id for s in prelude}
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id not in local:
            assert n.id in fn.__globals__ or hasattr(builtins, n.id), \
                f"{fn.__qualname__}: free name {n.id!r} is not defined in its module"


# ---------------------------------------------------------------- ties and kinks


def test_max_reduction_splits_ties_evenly():
    rule = REGISTRY[np.max]
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    g = np.array([6.0, 3.0])
    out = rule.vjp(g, np.max(a, axis=1), a, axis=1)
    np.testing.assert_array_equal(out, [[0, 3, 3], [1, 1, 1]])
    t = rule.jvp(np.ones_like(a), np.max(a, axis=1), a, axis=1)
    np.testing.assert_array_equal(t, [1.0, 1.0])


def test_maximum_splits_ties_evenly():
    rule = REGISTRY[np.maximum]
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])
    gx, gy = rule.vjp(np.ones(3), np.maximum(x, y), x, y)
    np.testing.assert_array_equal(gx, [0.5, 0, 1])
    np.testing.assert_array_equal(gy, [0.5, 1, 0])


def test_norm_inf_splits_ties_evenly():
    rule = REGISTRY[np.linalg.norm]
    x = np.array([-2.0, 1.0, 2.0])
    out = rule.vjp(1.0, np.linalg.norm(x, np.inf), x, np.inf)
    np.testing.assert_array_equal(out, [-0.5, 0, 0.5])


def test_abs_and_clip_at_kinks():
    assert REGISTRY[np.absolute].vjp(1.0, 0.0, 0.0) == 0.0
    assert REGISTRY[math.fabs].vjp(1.0, 0.0, 0.0) == 0.0
    ga, glo, ghi = REGISTRY[np.clip].vjp(np.ones(3), np.array([0.0, 0.0, 1.0]),
                                         np.array([-1.0, 0.0, 2.0]), 0.0, 1.0)[:3]
    np.testing.assert_array_equal(ga, [0, 1, 0])      # at the bound: to a
    assert (glo, ghi) == (1.0, 1.0)


def test_sinc_derivative_at_zero():
    x = np.array([0.0])
    assert REGISTRY[np.sinc].vjp(np.ones(1), np.sinc(x), x)[0] == 0.0
