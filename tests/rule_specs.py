"""Test inputs for every derivative rule: ``SPECS[key]`` is a list of
:class:`Case` s, each a call of the primitive (positional and keyword
arguments) with random inputs described by

* ``Arr(shape, dom)`` — a float64 array (``()`` gives a 0-d array),
* ``Flt(dom)`` — a Python float,
* ``Bool(shape)`` — a random boolean array (``np.where`` conditions),
* ``Lst(d, ...)`` — a list of such inputs (``np.vstack``, ``np.hstack``, ...),
* anything else — passed as is (axes, shapes, indices, ``ord``...; a float or
  float array passed as is is still differentiated if its parameter is).

``dom`` keeps inputs inside the function's domain and away from kinks. A
rule registered later without an entry here fails ``test_rules.py``.
"""

from __future__ import annotations

import builtins
import math
import operator
from dataclasses import dataclass, field

import numpy as np

from s2s_ad import runtime
from s2s_ad.rules import numpy_rules, structural
from s2s_ad.rules import operators as operator_rules
from s2s_ad.rules.registry import load_optional_rules

load_optional_rules()  # the SciPy rules, which otherwise load on first use


@dataclass(frozen=True)
class Dom:
    lo: float
    hi: float
    signed: bool = False   # magnitudes in [lo, hi], random sign

    def sample(self, rng, shape):
        x = rng.uniform(self.lo, self.hi, size=shape)
        if self.signed:
            x = x * rng.choice([-1.0, 1.0], size=shape)
        return np.asarray(x, dtype=np.float64)


REAL = Dom(-2.0, 2.0)
POS = Dom(0.5, 2.0)
NZ = Dom(0.5, 2.0, signed=True)    # away from 0
UNIT = Dom(-0.9, 0.9)              # |x| < 1
GT1 = Dom(1.2, 3.0)
TAN = Dom(-1.2, 1.2)
LOW = Dom(-1.0, -0.2)              # clip bounds
HIGH = Dom(0.2, 1.0)


class Matrices:
    """Stacks of square matrices (the last two axes) of one kind:
    ``"wellcond"`` (random plus a multiple of the identity: invertible, far
    from singular), ``"spd"`` (symmetric positive definite), ``"sym"``
    (symmetric, with distinct eigenvalues w.h.p.)."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return self.kind

    def sample(self, rng, shape):
        n = shape[-1]
        x = rng.uniform(-1.0, 1.0, size=shape)
        eye = np.eye(n)
        if self.kind == "wellcond":
            return x + 2.0 * eye
        x = x + np.swapaxes(x, -1, -2)
        if self.kind == "spd":
            return x @ x / n + eye
        return x + 0.5 * np.arange(n) * eye   # spread the eigenvalues apart


WELLCOND = Matrices("wellcond")
SPD = Matrices("spd")
SYM = Matrices("sym")


@dataclass(frozen=True)
class Arr:
    shape: tuple
    dom: Dom = REAL


@dataclass(frozen=True)
class Flt:
    dom: Dom = REAL


@dataclass(frozen=True)
class Bool:
    shape: tuple


@dataclass(frozen=True)
class Lst:
    items: tuple

    def __init__(self, *items):
        object.__setattr__(self, "items", items)


@dataclass
class Case:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    id: str = ""

    def make(self, rng):
        """Concrete ``(args, kwargs)``."""
        def one(d):
            if isinstance(d, Arr):
                return d.dom.sample(rng, d.shape)
            if isinstance(d, Flt):
                return float(d.dom.sample(rng, ()))
            if isinstance(d, Bool):
                return rng.random(d.shape) < 0.5
            if isinstance(d, Lst):
                return [one(x) for x in d.items]
            return d
        return tuple(one(a) for a in self.args), {k: one(v) for k, v in self.kwargs.items()}


def _describe(d) -> str:
    if isinstance(d, Arr):
        return "x".join(map(str, d.shape)) if d.shape else "0d"
    if isinstance(d, Flt):
        return "float"
    if isinstance(d, Bool):
        return "bool" + "x".join(map(str, d.shape))
    if isinstance(d, Lst):
        return "[" + ";".join(_describe(x) for x in d.items) + "]"
    if isinstance(d, np.ndarray):
        return "arr" + "x".join(map(str, d.shape))
    if isinstance(d, slice):
        return f"{d.start}:{d.stop}"
    if isinstance(d, type):
        return d.__name__
    return repr(d).replace(" ", "")


def case(*args, **kwargs) -> Case:
    parts = [_describe(a) for a in args] + [f"{k}={_describe(v)}" for k, v in kwargs.items()]
    return Case(args, kwargs, ",".join(parts))


# ---------------------------------------------------------------- spec constructors


def unary(dom=REAL):
    return [case(Arr((3, 4), dom)), case(Arr((), dom)), case(Flt(dom)), case(Arr((2, 1, 3), dom))]


def binary(d1=REAL, d2=REAL):
    """Same shapes, broadcasting both ways, scalars with arrays, floats."""
    return [case(Arr((3, 4), d1), Arr((3, 4), d2)),
            case(Arr((3, 1), d1), Arr((4,), d2)),
            case(Arr((4,), d1), Arr((3, 1), d2)),
            case(Flt(d1), Arr((3, 4), d2)),
            case(Arr((3, 4), d1), Flt(d2)),
            case(Arr((), d1), Arr((2, 3), d2)),
            case(Flt(d1), Flt(d2)),
            case(Arr((0, 4), d1), Arr((4,), d2))]   # empty, broadcast


def math1(dom=REAL):
    return [case(Flt(dom)), case(Flt(dom))]


def reduction(dom=REAL, method=False, floats=None):
    """axis None/int/negative/tuple, keepdims, positional axis; Python floats
    (not for methods)."""
    cases = [case(Arr((3, 4), dom)),
             case(Arr((3, 4), dom), axis=0),
             case(Arr((3, 4), dom), axis=-1, keepdims=True),
             case(Arr((2, 3, 4), dom), axis=(0, 2)),
             case(Arr((2, 3, 4), dom), axis=1),
             case(Arr((2, 3, 4), dom), keepdims=True),
             case(Arr((5,), dom)),
             case(Arr((3, 4), dom), 1),
             case(Arr((3, 0), dom), axis=0)]         # an empty result
    return cases + ([case(Flt(dom))] if (not method if floats is None else floats) else [])


def spread(method=False, floats=None):
    """var/std: the reduction cases plus ddof."""
    return reduction(method=method, floats=floats) + [
        case(Arr((3, 4)), ddof=1),
        case(Arr((2, 3, 4)), axis=(1, 2), ddof=1, keepdims=True)]


# ---------------------------------------------------------------- the table

SPECS: dict = {}


def spec(*keys, cases):
    for key in dict.fromkeys(keys):   # aliases (np.divide is np.true_divide) once
        assert key not in SPECS, key
        SPECS[key] = cases


# operators.py
spec(operator.add, np.add, operator.sub, np.subtract, operator.mul, np.multiply,
     cases=binary())
spec(operator.truediv, np.divide, np.true_divide, cases=binary(REAL, NZ))
spec(operator.pow, np.power,
     cases=binary(POS, REAL) + [case(Arr((3, 4)), 2), case(Flt(), 3), case(Arr((3,), POS), 2.0)])
spec(operator.mod, np.mod, np.remainder, cases=binary(REAL, POS))
spec(operator.neg, np.negative, operator.pos, np.positive, cases=unary())
_MATMUL = [case(Arr((3, 4)), Arr((4, 5))), case(Arr((4,)), Arr((4, 5))),
           case(Arr((3, 4)), Arr((4,))), case(Arr((4,)), Arr((4,))),
           case(Arr((2, 3, 4)), Arr((4, 5))), case(Arr((2, 3, 4)), Arr((2, 4, 5))),
           case(Arr((3, 4)), Arr((2, 4, 5))), case(Arr((1, 3, 4)), Arr((2, 4, 2))),
           case(Arr((2, 3, 4)), Arr((4,)))]
spec(operator.matmul, np.matmul, cases=_MATMUL)
# matmul_vjp_x(g, x, y): g has the shape of x @ y
spec(operator_rules.matmul_vjp_x, operator_rules.matmul_vjp_y,
     cases=[case(Arr((3, 5)), Arr((3, 4)), Arr((4, 5))),
            case(Arr((5,)), Arr((4,)), Arr((4, 5))),
            case(Arr((3,)), Arr((3, 4)), Arr((4,))),
            case(Arr(()), Arr((4,)), Arr((4,))),
            case(Arr((2, 3, 5)), Arr((2, 3, 4)), Arr((4, 5))),
            case(Arr((2, 3, 5)), Arr((3, 4)), Arr((2, 4, 5)))])

#: Container rules whose inputs are lists, not arrays: tested through ``grad``
#: against finite differences in the named file instead of by this table.
TESTED_ELSEWHERE = {
    ("list_append",): "tests/test_containers.py",
    np.stack: "tests/test_containers.py",
    np.concatenate: "tests/test_containers.py",
    # writes into its first argument (an accumulator the reverse pass owns), so it
    # cannot be evaluated repeatedly by this table; loops over arrays exercise it
    runtime.index_add: "tests/test_control_flow.py",
    # the cotangent pieces of np.concatenate: second derivatives through it
    structural.concatenate_vjp: "tests/test_containers.py",
    # sum over a sequence: its cotangent is a list (second derivatives of sum(xs))
    runtime.sum_vjp: "tests/test_containers.py",
    runtime.sum_broadcast: "tests/test_containers.py",
}

# structural.py
spec(builtins.sum, cases=[
    case(Arr((4,))), case(Arr((3, 2))), case(Arr((3, 2)), Arr((2,))),
])
spec(("getitem",), cases=[
    case(Arr((4, 5)), 1), case(Arr((4, 5)), (1, 2)), case(Arr((4, 5)), slice(1, 3)),
    case(Arr((4, 5)), (slice(None), 2)), case(Arr((4, 5)), np.array([0, 2, 2])),
    case(Arr((4, 5)), (Ellipsis, -1)), case(Arr((4, 5)), np.array([True, False, True, True])),
    case(Arr((3,)), None)])
spec(("copy",), cases=unary())
spec(("setitem",), cases=[
    case(Arr((4, 5)), 1, Arr((5,))), case(Arr((4, 5)), (1, 2), Flt()),
    case(Arr((4, 5)), (slice(None), 2), Arr((4,))), case(Arr((4, 5)), slice(1, 3), Flt()),
    case(Arr((4, 5)), np.array([0, 2]), Arr((2, 5))), case(Arr((6,)), slice(None, None, 2), Arr(())),
    # an element written twice: the last write wins
    case(Arr((4, 5)), np.array([2, 0, 2]), Arr((3, 5))), case(Arr((4, 5)), [1, -3], Arr((5,))),
    case(Arr((4, 5)), ([0, 0, 3], [1, 1, 1]), Arr((3,))), case(Arr((4, 5)), (slice(None), [4, 4]), Flt()),
    case(Arr((4, 5)), np.array([True, False, True, True]), Arr((3, 5)))])
# setitem_value_vjp(g, index, value): the value's cotangent; only g varies
spec(runtime.setitem_value_vjp, cases=[
    case(Arr((4, 5)), 1, Arr((5,))), case(Arr((4, 5)), (slice(None), 2), Flt()),
    case(Arr((4, 5)), np.array([2, 0, 2]), Arr((3, 5))), case(Arr((4, 5)), [1, -3], Arr((5,))),
    case(Arr((4, 5)), ([0, 0, 3], [1, 1, 1]), Arr(())),
    case(Arr((4, 5)), np.array([True, False, True, True]), Arr((3, 1)))])
# set_at(d, like, index): d written into zeros like ``like``
spec(runtime.set_at, cases=[
    case(Arr((5,)), Arr((4, 5)), 1), case(Arr((3, 5)), Arr((4, 5)), np.array([2, 0, 2])),
    case(Flt(), Arr((4, 5)), ([0, 0, 3], [1, 1, 1])), case(Arr((2,)), Arr((4, 5)), (slice(1, 3), 4))])
# real_if_real(g, x): g itself for real g (the complex case: tests/test_complex_rules.py)
spec(runtime.real_if_real, cases=[case(Arr((3,)), Arr((3,))), case(Flt(), Flt())])
# written_tangent(dv, x): dv where x holds floats (0 where integers; not differentiable there)
spec(runtime.written_tangent, cases=[case(Arr((3,)), Arr((3,))), case(Flt(), Arr((2, 3)))])
spec(runtime.broadcast_as, cases=[case(Arr((4,)), Arr((3, 4))), case(Arr((3, 4)), Arr((3, 4))),
                                  case(Flt(), Arr((2, 3)))])
# unreduce(g, a, axis): g has the shape of a's sum over axis (kept or dropped axes)
spec(runtime.unreduce, cases=[
    case(Flt(), Arr((3, 4))), case(Arr(()), Arr((3, 4)), None), case(Arr((4,)), Arr((3, 4)), 0),
    case(Arr((3, 1)), Arr((3, 4)), 1), case(Arr((3,)), Arr((3, 4)), -1),
    case(Arr((2,)), Arr((2, 3, 4)), (1, 2)), case(Arr(()), Arr(()))])
# reduce_max_vjp(g, ans, a, axis): ans is a's max over axis (ties included); only g varies
_MAXED = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 0.5, -1.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
spec(numpy_rules.reduce_max_vjp, cases=[
    case(Arr(()), _MAXED.max(), _MAXED),
    case(Arr((3,)), _MAXED.max(axis=1), _MAXED, 1),
    case(Arr((3, 1)), _MAXED.max(axis=-1, keepdims=True), _MAXED, -1),
    case(Arr((4,)), _MAXED.min(axis=0), _MAXED, 0),
    case(Arr(()), _MAXED.max(), _MAXED, (0, 1)),
    case(Flt(), 2.0, 2.0)])
spec(runtime.sum_to_scalar, cases=[case(Arr((3, 4))), case(Flt()), case(Arr(()))])
spec(runtime.snapshot, cases=[case(Arr((3, 4))), case(Flt())])
spec(runtime.zero_at, cases=[case(Arr((4, 5)), 1), case(Arr((4, 5)), (slice(None), 2))])
spec(("attr", "T"), cases=[case(Arr((3, 4))), case(Arr((2, 3, 4))), case(Arr((5,)))])
spec(("attr", "real"), cases=[case(Arr((3, 4))), case(Arr(()))])
spec(runtime.unbroadcast, cases=[
    case(Arr((3, 4)), Arr((4,))), case(Arr((3, 4)), Arr((3, 1))), case(Arr((3, 4)), Flt()),
    case(Arr((2, 3, 4)), Arr((1, 4))), case(Arr((3, 4)), Arr((3, 4)))])
spec(runtime.add_grads, cases=[case(Arr((3, 4)), Arr((3, 4))), case(Flt(), Flt())])
spec(runtime.getitem_vjp, cases=[
    case(Arr((5,)), Arr((4, 5)), 1), case(Arr((2, 5)), Arr((4, 5)), slice(1, 3)),
    case(Arr((3, 5)), Arr((4, 5)), np.array([0, 2, 2])), case(Arr(()), Arr((4, 5)), (1, 2))])
spec(builtins.float, cases=[case(Flt()), case(Arr(()))])
spec(np.float64, cases=[case(Flt()), case(Arr(())), case(Arr((3,)))])
spec(builtins.abs, cases=unary(NZ))
spec(builtins.max, builtins.min, cases=[case(Flt(), Flt()), case(Flt(POS), Flt(NZ))])

# math_rules.py
for _f, _dom in [(math.exp, REAL), (math.exp2, REAL), (math.expm1, REAL), (math.log2, POS),
                 (math.log10, POS), (math.log1p, POS), (math.sqrt, POS), (math.sin, REAL),
                 (math.cos, REAL), (math.tan, TAN), (math.asin, UNIT), (math.acos, UNIT),
                 (math.atan, REAL), (math.sinh, REAL), (math.cosh, REAL), (math.tanh, REAL),
                 (math.erf, REAL), (math.erfc, REAL), (math.fabs, NZ), (math.degrees, REAL),
                 (math.radians, REAL)]:
    spec(_f, cases=math1(_dom))
spec(math.log, cases=math1(POS) + [case(Flt(POS), Flt(GT1)), case(Flt(POS), 2)])
spec(math.pow, cases=[case(Flt(POS), Flt(REAL)), case(Flt(POS), 3), case(Flt(NZ), 2.0)])
spec(math.atan2, cases=[case(Flt(NZ), Flt(NZ)), case(Flt(NZ), Flt(NZ))])
spec(math.hypot, cases=[case(Flt(NZ), Flt(NZ)), case(Flt(NZ), 3.0)])

# numpy_rules.py: elementwise
for _f, _dom in [(np.exp, REAL), (np.exp2, REAL), (np.expm1, REAL), (np.log, POS),
                 (np.log2, POS), (np.log10, POS), (np.log1p, POS), (np.sqrt, POS),
                 (np.cbrt, NZ), (np.square, REAL), (np.reciprocal, NZ), (np.sin, REAL),
                 (np.cos, REAL), (np.tan, TAN), (np.arcsin, UNIT), (np.arccos, UNIT),
                 (np.arctan, REAL), (np.sinh, REAL), (np.cosh, REAL), (np.tanh, REAL),
                 (np.arcsinh, REAL), (np.arccosh, GT1), (np.arctanh, UNIT),
                 (np.absolute, NZ), (np.fabs, NZ), (np.deg2rad, REAL), (np.radians, REAL),
                 (np.rad2deg, REAL), (np.degrees, REAL)]:
    spec(_f, cases=unary(_dom))
spec(np.sinc, cases=unary() + [case(np.array([0.0, 0.5, -1.5]))])
spec(np.arctan2, np.hypot, cases=binary(NZ, NZ))
spec(np.logaddexp, np.logaddexp2, np.maximum, np.minimum, np.fmax, np.fmin, cases=binary())
spec(np.float_power, cases=binary(POS, REAL))
spec(np.where, cases=[
    case(Bool((3, 4)), Arr((3, 4)), Arr((3, 4))), case(Bool((3, 4)), Arr((4,)), Flt()),
    case(Bool((3, 1)), Arr((4,)), Arr((3, 1))), case(Bool((2, 3, 4)), Arr((3, 4)), Arr((4,))),
    case(True, Flt(), Flt())])
spec(np.clip, cases=[
    case(Arr((3, 4)), Flt(LOW), Flt(HIGH)), case(Arr((3, 4)), Arr((4,), LOW), Arr((3, 1), HIGH)),
    case(Arr((3, 4)), None, Flt(HIGH)), case(Arr((3, 4)), a_min=Flt(LOW), a_max=None),
    case(Arr((3, 4)), min=Flt(LOW), max=Flt(HIGH)), case(Flt(), -0.5, 0.5),
    case(Arr((4,)), Arr((3, 1), LOW), 0.5)])
spec(("method", "clip"), cases=[
    case(Arr((3, 4)), Flt(LOW), Flt(HIGH)), case(Arr((3, 4)), min=Flt(LOW)),
    case(Arr((3, 4)), max=Arr((4,), HIGH))])

# numpy_rules.py: reductions
spec(np.sum, np.max, np.amax, np.min, np.amin, cases=reduction())
spec(("method", "sum"), ("method", "max"), ("method", "min"), cases=reduction(method=True))
# mean's VJP divides by np.size(a) / np.size(ans): not for an empty result
spec(np.mean, cases=reduction()[:-2] + reduction()[-1:])
spec(("method", "mean"), cases=reduction(method=True)[:-1])
spec(np.prod, cases=reduction(POS))
spec(("method", "prod"), cases=reduction(POS, method=True))
spec(np.var, cases=spread())
spec(("method", "var"), cases=spread(method=True))
spec(np.std, cases=spread(floats=False))      # std of one element: 0/0
spec(("method", "std"), cases=spread(method=True))
spec(np.linalg.norm, cases=[
    case(Arr((5,))), case(Arr((3, 4))), case(Arr((2, 3, 4))), case(Flt(NZ)),
    case(Arr((5,), NZ), 1), case(Arr((5,)), np.inf), case(Arr((5,)), -np.inf),
    case(Arr((5,), NZ), 3), case(Arr((5,), NZ), 0.5), case(Arr((5,)), 0),
    case(Arr((3, 4)), "fro"), case(Arr((3, 4)), 1), case(Arr((3, 4)), -1),
    case(Arr((3, 4)), np.inf), case(Arr((3, 4)), -np.inf), case(Arr((3, 4)), 2),
    case(Arr((3, 4)), -2), case(Arr((3, 4)), "nuc"),
    case(Arr((2, 3, 4)), axis=1), case(Arr((2, 3, 4)), 2, axis=-1, keepdims=True),
    case(Arr((2, 3, 4)), "fro", axis=(1, 2)), case(Arr((2, 3, 4)), 1, axis=(2, 0)),
    case(Arr((2, 3, 4)), np.inf, axis=(0, 2), keepdims=True),
    case(Arr((2, 3, 4)), 2, axis=(0, 2)), case(Arr((2, 3, 4)), "nuc", axis=(2, 1)),
    case(Arr((3, 4)), keepdims=True)])

# norm_grad_vjp(x, ans, ord, axis) = d norm / dx as a function of x and an
# independent ans (the smooth cases: 2-norm family and p-norms)
spec(numpy_rules.norm_grad_vjp, cases=[
    case(Arr((5,)), Arr((), POS), None, None), case(Arr((3, 4)), Arr((), POS), "fro", None),
    case(Arr((2, 3, 4)), Arr((2, 4), POS), None, 1),
    case(Arr((2, 3, 4)), Arr((2, 1, 4), POS), 2, 1),
    case(Arr((2, 3, 4)), Arr((2, 1, 1), POS), None, (1, 2)),
    case(Arr((5,), NZ), Arr((), POS), 3, None), case(Arr((5,), NZ), Arr((), POS), 1, None),
    case(Arr((5,), NZ), Arr((), POS), 0.5, None), case(Flt(NZ), Flt(POS), None, None)])

# numpy_rules.py: products
spec(np.tensordot, cases=[
    case(Arr((3, 4)), Arr((4, 5)), 1), case(Arr((2, 3, 4)), Arr((3, 4, 5))),
    case(Arr((2, 3, 4)), Arr((3, 2, 5)), ([0, 1], [1, 0])), case(Arr((2,)), Arr((3,)), 0),
    case(Arr((2, 3, 4)), Arr((4, 5)), ([2], [0])), case(Arr((4, 3)), Arr((3, 4)), (0, 1)),
    case(Flt(), Arr((3,)), 0)])
_DOT = [case(Arr((3, 4)), Arr((4, 5))), case(Arr((4,)), Arr((4,))), case(Arr((3, 4)), Arr((4,))),
        case(Arr((4,)), Arr((4, 5))), case(Arr((2, 3, 4)), Arr((4, 5))),
        case(Arr((2, 3, 4)), Arr((5, 4, 2))), case(Arr((2, 3, 4)), Arr((4,)))]
spec(np.dot, cases=_DOT + [case(Flt(), Arr((3,))), case(Arr((2, 3)), Flt()), case(Flt(), Flt()),
                           case(Arr((2, 3)), Arr(()))])
spec(("method", "dot"), cases=_DOT)
spec(np.inner, cases=[case(Arr((4,)), Arr((4,))), case(Arr((3, 4)), Arr((5, 4))),
                      case(Arr((2, 3, 4)), Arr((4,))), case(Flt(), Arr((3, 2))),
                      case(Arr((3,)), Flt())])
spec(np.outer, cases=[case(Arr((3,)), Arr((4,))), case(Arr((2, 3)), Arr((4,))),
                      case(Flt(), Arr((3,)))])

# numpy_rules.py: shapes and copies
spec(np.transpose, cases=[case(Arr((3, 4))), case(Arr((2, 3, 4)), (1, 0, 2)),
                          case(Arr((2, 3, 4)), axes=[-1, 0, 1]), case(Arr((5,))), case(Flt())])
spec(("method", "transpose"), cases=[case(Arr((3, 4))), case(Arr((2, 3, 4)), 1, 0, 2),
                                     case(Arr((2, 3, 4)), (2, 0, 1)), case(Arr((2, 3)), None)])
spec(np.swapaxes, ("method", "swapaxes"), cases=[case(Arr((2, 3, 4)), 0, 2),
                                                 case(Arr((3, 4)), -1, 0)])
spec(np.moveaxis, cases=[case(Arr((2, 3, 4)), 0, -1), case(Arr((2, 3, 4)), [0, 1], [2, 0])])
spec(np.reshape, cases=[case(Arr((3, 4)), (2, 6)), case(Arr((3, 4)), -1),
                        case(Arr((4, 6)), (2, 3, 4), order="F"), case(Flt(), (1, 1)),
                        case(Arr((3, 4)), shape=(6, 2))])
spec(("method", "reshape"), cases=[case(Arr((3, 4)), 2, 6), case(Arr((3, 4)), (6, 2)),
                                   case(Arr((4, 6)), -1, order="F"), case(Arr((3, 4)), 12)])
spec(np.ravel, cases=[case(Arr((3, 4))), case(Arr((3, 4)), order="F"), case(Flt())])
spec(("method", "ravel"), ("method", "flatten"),
     cases=[case(Arr((3, 4))), case(Arr((2, 3, 4)), "F")])
spec(np.squeeze, ("method", "squeeze"),
     cases=[case(Arr((3, 1, 4))), case(Arr((3, 1, 1)), axis=1), case(Arr((1, 1)))])
spec(np.expand_dims, cases=[case(Arr((3, 4)), 0), case(Arr((3, 4)), (0, 2)), case(Flt(), -1)])
spec(np.broadcast_to, cases=[case(Arr((4,)), (3, 4)), case(Arr((3, 1)), (2, 3, 4)),
                             case(Flt(), (2, 2))])
spec(np.array, cases=[case(Arr((3, 4))), case(Flt()), case(Arr((3,)), ndmin=2),
                      case(Arr((2, 2)), dtype=float)])
spec(np.asarray, cases=[case(Arr((3, 4))), case(Flt()), case(Arr((3,)), dtype=np.float64)])
spec(np.copy, ("method", "copy"), cases=[case(Arr((3, 4))), case(Arr(()))])
spec(("method", "astype"), cases=[case(Arr((3, 4)), float), case(Arr((3,)), np.float64)])

# ================================================================ numpy_rules.py (continued)
from s2s_ad.rules import linalg_rules  # noqa: E402

# elementwise
spec(np.nan_to_num, cases=unary() + [case(np.array([1.0, np.nan, np.inf, -np.inf, -2.0]))])
spec(np.real, np.imag, np.conjugate, cases=unary())
spec(("method", "conj"), ("method", "conjugate"), cases=[case(Arr((3, 4))), case(Arr(()))])
spec(("attr", "imag"), cases=[case(Arr((3, 4))), case(Arr(()))])
spec(np.fmod, cases=binary(NZ, POS))
spec(np.copysign, cases=binary(NZ, NZ))
spec(np.ldexp, cases=[case(Arr((3, 4)), np.array([1, 2, -1, 0])), case(Flt(), 3),
                      case(Arr((2, 1)), np.array([[1, 2, 3]]))])

# scans and differences; () and zero-length axes as edge cases
_SCAN = [case(Arr((3, 4))), case(Arr((3, 4)), axis=0), case(Arr((3, 4)), 1),
         case(Arr((2, 3, 4)), axis=-1), case(Arr((5,))), case(Arr(())), case(Arr((0, 3)), 0)]
spec(np.cumsum, cases=_SCAN + [case(Flt())])
spec(("method", "cumsum"), cases=_SCAN[:5])
spec(np.cumprod, cases=[case(Arr(c.args[0].shape, NZ), *c.args[1:], **c.kwargs) for c in _SCAN])
spec(("method", "cumprod"), cases=[case(Arr((3, 4), NZ), axis=1), case(Arr((5,), NZ))])
spec(np.diff, cases=[case(Arr((5,))), case(Arr((3, 4)), axis=0), case(Arr((3, 5)), 2),
                     case(Arr((2, 3, 4)), n=3, axis=1), case(Arr((4,)), 0), case(Arr((1,)))])

# traces, diagonals, averages
spec(np.trace, cases=[case(Arr((3, 3))), case(Arr((3, 4)), 1), case(Arr((4, 3)), -2),
                      case(Arr((2, 3, 4)), 0, 1, 2), case(Arr((3, 2, 3)), axis1=2, axis2=0),
                      case(Arr((3, 4, 2)), offset=1, axis1=-2, axis2=-3)])
spec(("method", "trace"), cases=[case(Arr((3, 3))), case(Arr((2, 3, 3)), 0, 1, 2)])
spec(np.diagonal, cases=[case(Arr((3, 3))), case(Arr((3, 4)), 1), case(Arr((4, 3)), -1),
                         case(Arr((2, 3, 4)), 0, 1, 2), case(Arr((3, 2, 4)), axis1=2, axis2=0),
                         case(Arr((3, 2)), 5)])
spec(("method", "diagonal"), cases=[case(Arr((3, 4))), case(Arr((2, 3, 4)), 1, 2, 1)])
if hasattr(np.linalg, "trace"):
    spec(np.linalg.trace, cases=[case(Arr((3, 3))), case(Arr((2, 3, 4)), offset=1)])
    spec(np.linalg.diagonal, cases=[case(Arr((3, 3))), case(Arr((2, 3, 4)), offset=-1)])
spec(np.diag, cases=[case(Arr((3,))), case(Arr((3,)), 1), case(Arr((2,)), -2), case(Arr((3, 3))),
                     case(Arr((3, 4)), 1), case(Arr((4, 3)), -1)])
spec(np.average, cases=[
    case(Arr((3, 4))), case(Arr((3, 4)), 0), case(Arr((3, 4)), weights=Arr((3, 4), POS)),
    case(Arr((3, 4)), axis=1, weights=Arr((4,), POS)),
    case(Arr((2, 3, 4)), axis=1, weights=Arr((3,), POS), keepdims=True),
    case(Arr((2, 3, 4)), (0, 2), Arr((2, 3, 4), POS)), case(Arr((5,)), 0, Arr((5,), POS))])
spec(numpy_rules.average_weights, cases=[
    case(Arr((4,)), Arr((3, 4)), 1), case(Arr((3, 4)), Arr((3, 4)), None),
    case(Arr((5,)), Arr((5,)), 0)])
spec(numpy_rules.or_one, numpy_rules.or_zero, cases=[case(Arr((3,))), case(Flt())])

# shapes
spec(np.atleast_1d, np.atleast_2d, np.atleast_3d,
     cases=[case(Flt()), case(Arr(())), case(Arr((3,))), case(Arr((2, 3))), case(Arr((2, 3, 4)))])
if hasattr(np, "matrix_transpose"):
    spec(np.matrix_transpose, np.linalg.matrix_transpose,
         cases=[case(Arr((3, 4))), case(Arr((2, 3, 4)))])
spec(np.rollaxis, cases=[case(Arr((2, 3, 4)), 2), case(Arr((2, 3, 4)), 0, 2),
                         case(Arr((2, 3, 4)), -1, 1), case(Arr((2, 3, 4)), 1, 3)])
spec(np.vstack, cases=[case(Lst(Arr((2, 3)), Arr((4, 3)))), case(Lst(Arr((3,)), Arr((3,)))),
                       case(Lst(Arr((1, 3)), Arr((3,)), Arr((2, 3)))), case(Lst(Arr((2, 3, 2))))])
spec(np.hstack, cases=[case(Lst(Arr((3,)), Arr((4,)))), case(Lst(Arr((2, 3)), Arr((2, 1)))),
                       case(Lst(Arr(()), Arr((2,)))), case(Lst(Arr((2, 3, 2)), Arr((2, 1, 2))))])
spec(np.dstack, cases=[case(Lst(Arr((3,)), Arr((3,)))), case(Lst(Arr((2, 3)), Arr((2, 3)))),
                       case(Lst(Arr((2, 3, 2)), Arr((2, 3, 1))))])
spec(np.column_stack, cases=[case(Lst(Arr((3,)), Arr((3,)))),
                             case(Lst(Arr((3, 2)), Arr((3,)), Arr((3, 1))))])
spec(numpy_rules.stack_pieces_vjp, cases=[
    case(Arr((5, 3)), [np.zeros((2, 3)), np.zeros((3, 3))], "v"),
    case(Arr((2, 3)), [np.zeros(3), np.zeros(3)], "v"),
    case(Arr((7,)), [np.zeros(3), np.zeros(4)], "h"),
    case(Arr((3, 2, 2)), [np.zeros((3, 2)), np.zeros((3, 2))], "d"),
    case(Arr((3, 3)), [np.zeros(3), np.zeros((3, 2))], "column")])
_SPLIT = [case(Arr((6,)), 3), case(Arr((6, 2)), [1, 4]), case(Arr((2, 6)), 2, axis=1),
          case(Arr((2, 6, 2)), [2], -2)]
spec(np.split, cases=_SPLIT)
spec(np.array_split, cases=_SPLIT + [case(Arr((7,)), 3), case(Arr((2, 5)), 3, 1)])
spec(np.vsplit, cases=[case(Arr((4, 3)), 2), case(Arr((5, 3, 2)), [1, 3])])
spec(np.hsplit, cases=[case(Arr((6,)), 3), case(Arr((3, 4)), 2), case(Arr((3, 5, 2)), [1, 3])])
spec(np.dsplit, cases=[case(Arr((2, 3, 4)), 2), case(Arr((2, 2, 5)), [1, 4])])
spec(numpy_rules.split_like_jvp, cases=[
    case(Arr((5, 3)), [np.zeros((2, 3)), np.zeros((3, 3))], 0),
    case(Arr((2, 4)), [np.zeros((2, 1)), np.zeros((2, 0)), np.zeros((2, 3))], 1)])
spec(np.append, cases=[case(Arr((3,)), Arr((2,))), case(Arr((2, 3)), Arr((2, 2)), 1),
                       case(Arr((2, 3)), Arr((4,))), case(Arr((2, 3)), Arr((1, 3)), axis=0),
                       case(Arr((3,)), Flt())])
spec(np.tile, cases=[case(Arr((3,)), 2), case(Arr((2, 3)), (2, 1)), case(Arr((3,)), (2, 2)),
                     case(Arr((2, 1, 3)), (2,)), case(Flt(), 3), case(Arr((2, 3)), 1)])
spec(np.repeat, cases=[case(Arr((3,)), 2), case(Arr((2, 3)), 2), case(Arr((2, 3)), 2, axis=1),
                       case(Arr((2, 3)), np.array([1, 0, 2]), 1), case(Arr((3, 2)), [2, 1, 3], 0),
                       case(Flt(), 3)])
spec(("method", "repeat"), cases=[case(Arr((2, 3)), 2, 0), case(Arr((4,)), np.array([1, 2, 0, 1]))])
spec(np.flip, cases=[case(Arr((3, 4))), case(Arr((3, 4)), 0), case(Arr((2, 3, 4)), axis=(0, 2))])
spec(np.fliplr, np.flipud, cases=[case(Arr((3, 4))), case(Arr((2, 3, 4)))])
spec(np.roll, cases=[case(Arr((5,)), 2), case(Arr((3, 4)), -1), case(Arr((3, 4)), 1, axis=0),
                     case(Arr((3, 4)), (1, 2), axis=(0, 1))])
spec(np.rot90, cases=[case(Arr((3, 4))), case(Arr((3, 4)), 2), case(Arr((3, 4)), -1),
                      case(Arr((2, 3, 4)), 1, (1, 2)), case(Arr((2, 3, 4)), k=3, axes=(2, 0))])
spec(np.pad, cases=[case(Arr((3,)), 2), case(Arr((3, 4)), ((1, 0), (2, 3))),
                    case(Arr((3, 4)), (1, 2)), case(Arr((2, 3)), 1, constant_values=Flt()),
                    case(Arr((2, 3)), ((0, 0), (1, 1)), "constant", constant_values=Flt()),
                    case(Arr((0, 2)), 1)])
spec(np.tril, np.triu, cases=[case(Arr((4, 4))), case(Arr((3, 4)), 1), case(Arr((4, 3)), -1),
                              case(Arr((2, 3, 3)))])
spec(np.full, cases=[case((3, 4), Flt()), case((2, 3), Arr((3,))), case((), Arr(()))])
spec(np.full_like, cases=[case(np.zeros((3, 4)), Flt()), case(np.zeros((2, 3)), Arr((3,)))])
spec(np.linspace, cases=[case(Flt(), Flt(), 5), case(Flt(), Flt(), 4, endpoint=False),
                         case(Arr((3,)), Arr((3,)), 4), case(Arr((2, 1)), Arr((3,)), 5, axis=1),
                         case(Flt(), Arr((2,)), 3, axis=-1), case(Flt(), 2.0, 1)])

# gathers and sort
_IDX = np.array([[0, 2], [2, 1]])
spec(np.take, cases=[case(Arr((3, 4)), _IDX), case(Arr((3, 4)), np.array([0, 2, 2]), 1),
                     case(Arr((3, 4)), 5), case(Arr((3, 4)), np.array([-1, 0]), axis=0),
                     case(Arr((3, 4)), np.array([4, -5, 1]), 1, mode="wrap"),
                     case(Arr((3, 4)), np.array([7, -2]), axis=0, mode="clip"),
                     case(Arr((5,)), np.array([], dtype=int))])
spec(("method", "take"), cases=[case(Arr((3, 4)), np.array([1, 1, 0]), 0),
                                case(Arr((3, 4)), _IDX)])
spec(np.take_along_axis, cases=[
    case(Arr((3, 4)), np.array([[0, 3], [1, 1], [2, 0]]), 1),
    case(Arr((3, 4)), np.array([[0, 2, 2, 1]]), axis=0),
    case(Arr((5,)), np.array([4, 0, 0])), case(Arr((2, 3)), np.array([5, 1, 1]), None),
    case(Arr((2, 3, 4)), np.zeros((2, 3, 1), dtype=int), -1)])
spec(np.sort, cases=[case(Arr((5,))), case(Arr((3, 4))), case(Arr((3, 4)), 0),
                     case(Arr((3, 4)), axis=None), case(Arr((2, 3, 4)), 1, kind="stable"),
                     case(Arr((0,)))])

spec(np.partition, cases=[case(Arr((5,)), 2), case(Arr((3, 4)), 1), case(Arr((3, 4)), [0, 2], 0),
                          case(Arr((3, 4)), 3, axis=None)])
spec(np.real_if_close, cases=unary())
if hasattr(np, "astype"):
    spec(np.astype, cases=[case(Arr((3, 4)), np.float64), case(Arr(()), float)])

# products
spec(np.vdot, cases=[case(Arr((4,)), Arr((4,))), case(Arr((2, 3)), Arr((6,))),
                     case(Arr((2, 3)), Arr((3, 2)))])
if hasattr(np, "vecdot"):
    spec(np.vecdot, np.linalg.vecdot, cases=[
        case(Arr((4,)), Arr((4,))), case(Arr((3, 4)), Arr((4,))), case(Arr((2, 1, 4)), Arr((3, 4))),
        case(Arr((4, 3)), Arr((4, 3)), axis=0)])
spec(np.kron, cases=[case(Arr((2,)), Arr((3,))), case(Arr((2, 3)), Arr((2, 2))),
                     case(Arr((3,)), Arr((2, 2))), case(Arr((2, 1, 3)), Arr((2, 2))),
                     case(Flt(), Arr((3,)))])
spec(np.cross, cases=[case(Arr((3,)), Arr((3,))), case(Arr((4, 3)), Arr((3,))),
                      case(Arr((2,)), Arr((2,))), case(Arr((4, 2)), Arr((3,))),
                      case(Arr((3, 4)), Arr((4, 3)), axisa=0), case(Arr((3, 5)), Arr((3, 5)), axis=0),
                      case(Arr((2, 4)), Arr((4, 3)), axisa=0, axisc=0),
                      case(Arr((2, 1, 3)), Arr((4, 3)))])
_CROSS_G = [case(Arr((3,)), Arr((3,)), Arr((3,))), case(Arr((4, 3)), Arr((4, 3)), Arr((3,))),
            case(Arr(()), Arr((2,)), Arr((2,))), case(Arr((4, 3)), Arr((4, 2)), Arr((3,))),
            case(Arr((3, 4)), Arr((3, 4)), Arr((4, 3)), 0, -1, 0)]
spec(numpy_rules.cross_vjp_a, numpy_rules.cross_vjp_b, cases=_CROSS_G)
# prod_of_others(a, axis): the product of the other elements of each reduction
spec(numpy_rules.prod_of_others, cases=[case(Arr((4,)), None), case(Arr((3, 4)), 1),
                                        case(Arr((2, 3, 2)), (0, 2)), case(Arr(()), None)])
spec(np.einsum, cases=[
    case("ij,jk->ik", Arr((2, 3)), Arr((3, 4))), case("ij,jk", Arr((2, 3)), Arr((3, 4))),
    case("i,i", Arr((4,)), Arr((4,))), case("i,j->ij", Arr((2,)), Arr((3,))),
    case("ii->i", Arr((3, 3))), case("ii", Arr((3, 3))), case("ij->", Arr((2, 3))),
    case("ij->j", Arr((2, 3))), case("iji->j", Arr((3, 2, 3))),
    case("...ij,...jk->...ik", Arr((2, 3, 4)), Arr((4, 5))),
    case("...ij,...jk", Arr((1, 3, 4)), Arr((2, 4, 5))), case("...i->...", Arr((2, 3, 4))),
    case("i...->...i", Arr((3, 1, 2))), case("...j,j...->...", Arr((2, 3)), Arr((3, 2))),
    case("bij,bjk,bkl->bil", Arr((2, 2, 3)), Arr((2, 3, 2)), Arr((2, 2, 4))),
    case("ij,j->i", Arr((2, 3)), Arr((1,))), case("i,->i", Arr((3,)), Flt()),
    case("a,b,c,d,e,f->abcdef", Arr((2,)), Arr((1,)), Arr((2,)), Arr((1,)), Arr((2,)), Arr((1,))),
    case("Ji,i", Arr((2, 3)), Arr((3,))), case("ij,jk->ik", Arr((2, 3)), Arr((3, 4)), optimize=True),
    case("ij,ij->ij", Arr((0, 3)), Arr((0, 3))),
    # an operand without ``...`` where the others have it
    case("...ij,j->...i", Arr((2, 3, 3)), Arr((3,)))])

# einsum_vjp_op(g, *operands, k=, subscripts=): g has the result's shape
spec(numpy_rules.einsum_vjp_op, cases=[
    case(Arr((2, 4)), Arr((2, 3)), Arr((3, 4)), k=0, subscripts="ij,jk->ik"),
    case(Arr((2, 4)), Arr((2, 3)), Arr((3, 4)), k=1, subscripts="ij,jk"),
    case(Arr((3,)), Arr((3, 3)), k=0, subscripts="ii->i"),
    case(Arr((2,)), Arr((2, 3)), Arr((1,)), k=0, subscripts="ij,j->i"),
    case(Arr((2, 3, 5)), Arr((1, 3, 4)), Arr((2, 4, 5)), k=0, subscripts="...ij,...jk"),
    case(Arr((2, 2, 4)), Arr((2, 2, 3)), Arr((2, 3, 2)), Arr((2, 2, 4)), k=1,
         subscripts="bij,bjk,bkl->bil")])

# ================================================================ linalg_rules.py
_SQ = [case(Arr((3, 3), WELLCOND)), case(Arr((2, 3, 3), WELLCOND)), case(Arr((1, 1), WELLCOND))]
spec(np.linalg.inv, np.linalg.det, np.linalg.slogdet, cases=_SQ)
spec(np.linalg.solve, cases=[
    case(Arr((3, 3), WELLCOND), Arr((3,))), case(Arr((3, 3), WELLCOND), Arr((3, 2))),
    case(Arr((2, 3, 3), WELLCOND), Arr((3,))), case(Arr((2, 3, 3), WELLCOND), Arr((2, 3, 4))),
    case(Arr((3, 3), WELLCOND), Arr((2, 3, 1))), case(Arr((2, 3, 3), WELLCOND), Arr((3, 2)))])
spec(np.linalg.pinv, cases=[case(Arr((3, 3), WELLCOND)), case(Arr((4, 2))), case(Arr((2, 4))),
                            case(Arr((2, 3, 2)))])
spec(np.linalg.matrix_power, cases=[
    case(Arr((3, 3)), 3), case(Arr((3, 3)), 0), case(Arr((3, 3)), 1),
    case(Arr((3, 3), WELLCOND), -2), case(Arr((2, 3, 3)), 2)])
spec(np.linalg.cholesky, cases=[case(Arr((3, 3), SPD)), case(Arr((2, 4, 4), SPD)),
                                case(Arr((1, 1), SPD))])
spec(np.linalg.eigh, np.linalg.eigvalsh, cases=[
    case(Arr((3, 3), SYM)), case(Arr((2, 4, 4), SYM)), case(Arr((3, 3), SYM), "U"),
    case(Arr((4, 4))), case(Arr((3, 3)), UPLO="U")])
spec(np.linalg.svd, cases=[
    case(Arr((3, 3))), case(Arr((4, 3)), full_matrices=False), case(Arr((3, 4)), False),
    case(Arr((2, 3, 2)), full_matrices=False), case(Arr((4, 3)), compute_uv=False),
    case(Arr((2, 3, 4)), False, False)])
if hasattr(np.linalg, "svdvals"):
    spec(np.linalg.svdvals, cases=[case(Arr((3, 3))), case(Arr((4, 2))), case(Arr((2, 2, 3)))])
spec(np.linalg.qr, cases=[case(Arr((3, 3))), case(Arr((4, 3))), case(Arr((2, 5, 3))),
                          case(Arr((3, 3)), "complete"), case(Arr((4, 2)), mode="r")])
_USV = (np.zeros((3, 2)), np.zeros(2), np.zeros((2, 2)))
spec(linalg_rules.svd_cotangents_vjp, cases=[
    case(Lst(Arr((3, 2)), Arr((2,)), Arr((2, 2))), _USV, True), case(Arr((2,)), _USV, False)])
spec(linalg_rules.svd_tangents_vjp, cases=[
    case(Arr((3, 2)), Arr((2,)), Arr((2, 2)), True), case(Arr((3, 2)), Arr((2,)), Arr((2, 2)), False)])
spec(linalg_rules.svd_factors_vjp, cases=[
    case(Lst(Arr((3, 2)), Arr((2,)), Arr((2, 2))), np.zeros((3, 2)), False, True, False),
    case(Lst(Arr((3, 3)), Arr((3,)), Arr((3, 3))), np.zeros((3, 3)), True, True, False)])
spec(linalg_rules.qr_factors_vjp, cases=[
    case(Lst(Arr((3, 2)), Arr((2, 2))), np.zeros((3, 2)), "reduced"),
    case(Lst(Arr((3, 3)), Arr((3, 3))), np.zeros((3, 3)), "complete")])
_QR = (np.zeros((3, 2)), np.zeros((2, 2)))
spec(linalg_rules.qr_cotangents_vjp, cases=[case(Lst(Arr((3, 2)), Arr((2, 2))), _QR, "reduced"),
                                            case(Arr((2, 2)), _QR, "r")])
spec(linalg_rules.qr_tangents_vjp, cases=[case(Arr((3, 2)), Arr((2, 2)), "reduced"),
                                          case(Arr((3, 2)), Arr((2, 2)), "r")])

# ================================================================ scipy_rules.py (with SciPy)
try:
    import scipy.special as _sp
    import scipy.stats as _st
except ImportError:   # pragma: no cover
    _sp = None

if _sp is not None:
    PROB = Dom(0.05, 0.95)
    for _f, _dom in [(_sp.expit, REAL), (_sp.logit, PROB), (_sp.log_expit, REAL),
                     (_sp.erf, REAL), (_sp.erfc, REAL), (_sp.erfinv, UNIT),
                     (_sp.erfcinv, Dom(0.1, 1.9)), (_sp.ndtr, REAL), (_sp.log_ndtr, Dom(-4.0, 3.0)),
                     (_sp.ndtri, PROB), (_sp.gammaln, POS), (_sp.gamma, POS), (_sp.rgamma, POS),
                     (_sp.digamma, POS), (_sp.entr, POS), (_sp.i0, REAL), (_sp.i1, REAL),
                     (_sp.j0, REAL), (_sp.j1, REAL), (_sp.y0, POS), (_sp.y1, POS)]:
        spec(_f, cases=unary(_dom))
    spec(_sp.beta, _sp.betaln, _sp.xlogy, _sp.rel_entr, _sp.kl_div, cases=binary(POS, POS))
    spec(_sp.xlog1py, cases=binary(REAL, POS))
    spec(_sp.polygamma, cases=[case(0, Arr((3, 4), POS)), case(np.array([1, 2]), Arr((3, 1), POS)),
                               case(2, Flt(POS))])
    spec(_sp.gammainc, _sp.gammaincc, cases=[case(2.5, Arr((3, 4), POS)),
                                             case(Arr((3, 1), GT1), Arr((4,), POS)),
                                             case(1.5, Flt(POS))])
    spec(_sp.yn, cases=[case(1, Arr((3, 4), POS)), case(np.array([0, 2]), Arr((3, 1), POS))])
    spec(_sp.ive, cases=[case(1.5, Arr((3, 4), POS)), case(1, Arr((3,), NZ)), case(0, Flt(NZ))])
    spec(_sp.multigammaln, cases=[case(Arr((3,), Dom(2.0, 4.0)), 3), case(Flt(Dom(2.0, 4.0)), 2)])
    spec(_sp.jv, _sp.yv, _sp.iv, cases=[case(1.5, Arr((3, 4), POS)), case(np.array([0.0, 2.0]), Arr((3, 1), POS)),
                                        case(3, Flt(POS))])
    spec(_sp.logsumexp, cases=reduction() + [
        case(Arr((3, 4)), b=Arr((3, 4), POS)), case(Arr((3, 4)), axis=1, b=Arr((4,), POS)),
        case(Arr((4,)), 0, Arr((3, 4), POS)), case(Arr((3, 4)), b=2.0, keepdims=True)])
    spec(_sp.softmax, _sp.log_softmax, cases=[
        case(Arr((3, 4))), case(Arr((3, 4)), axis=1), case(Arr((3, 4)), 0),
        case(Arr((2, 3, 4)), axis=(0, 2)), case(Arr((5,)))])
    _NORM = [case(Arr((3, 4))), case(Arr((3, 4)), Flt(), Flt(POS)),
             case(Arr((3, 4)), loc=Arr((4,)), scale=Arr((3, 1), POS)), case(Flt(), scale=Flt(POS)),
             case(Arr((2, 3)), Arr((2, 3)))]
    spec(_st.norm.logpdf, _st.norm.pdf, _st.norm.cdf, _st.norm.logcdf, _st.norm.sf,
         _st.norm.logsf, cases=_NORM)
    import scipy.linalg as _sl
    _TRI = [case(Arr((3, 3), WELLCOND), Arr((3,))), case(Arr((3, 3), WELLCOND), Arr((3, 2)), lower=True),
            case(Arr((3, 3), WELLCOND), Arr((3,)), 1, True), case(Arr((3, 3), WELLCOND), Arr((3, 2)), "T"),
            case(Arr((3, 3), WELLCOND), Arr((3,)), unit_diagonal=True, lower=True)]
    spec(_sl.solve_triangular, cases=_TRI)
    spec(_st.norm.ppf, cases=[case(Arr((3, 4), PROB)), case(Arr((3, 4), PROB), Flt(), Flt(POS)),
                              case(Arr((3, 4), PROB), loc=Arr((4,)), scale=Arr((3, 1), POS))])


# ================================================================ more kinds of input
@dataclass(frozen=True)
class CDom:
    """Complex values ``u + iv`` with ``u, v`` uniform in ``[lo, hi]``; the
    harness perturbs them in complex directions (see ``test_rules.py``)."""
    lo: float = -1.0
    hi: float = 1.0

    def sample(self, rng, shape):
        return rng.uniform(self.lo, self.hi, size=shape) \
            + 1j * rng.uniform(self.lo, self.hi, size=shape)


@dataclass(frozen=True)
class SimplexDom:
    """Points of the probability simplex along axis 0 (a batch along the
    other axes). ``head=True``: all components but the last (which the
    function completes as ``1 - sum``), perturbed freely; otherwise all of
    them, perturbed only along the simplex (``project``)."""
    head: bool = False

    def sample(self, rng, shape):
        full = (shape[0] + 1,) + tuple(shape[1:]) if self.head else tuple(shape)
        x = rng.uniform(0.5, 2.0, size=full)
        x = x / np.sum(x, axis=0, keepdims=True)
        return x[:-1] if self.head else x

    def project(self, v):
        return v if self.head else v - np.mean(v, axis=0, keepdims=True)


@dataclass(frozen=True)
class BandedDom:
    """The band storage ``ab`` (``(l + u + 1, M)``) of a diagonally
    dominant matrix with ``l`` sub- and ``u`` super-diagonals."""
    lower: int
    upper: int

    def sample(self, rng, shape):
        ab = rng.uniform(-1.0, 1.0, size=shape)
        ab[self.upper] += (self.lower + self.upper + 1) * np.sign(ab[self.upper] + 0.5)
        return ab


CPLX = CDom()
SIMPLEX = SimplexDom()
SIMPLEX_HEAD = SimplexDom(head=True)

# ================================================================ fft_rules.py
from s2s_ad.rules import fft_rules  # noqa: E402

_FFT1 = [case(Arr((8,))), case(Arr((8,), CPLX)), case(Arr((3, 8), CPLX), 5),
         case(Arr((3, 5)), 8, 0), case(Arr((2, 6), CPLX), norm="ortho"),
         case(Arr((4, 3), CPLX), axis=0, norm="forward"), case(Arr((7,), CPLX), 7, -1, "backward")]
spec(np.fft.fft, np.fft.ifft, cases=_FFT1)
spec(np.fft.fft2, np.fft.ifft2, cases=[
    case(Arr((4, 6))), case(Arr((2, 4, 6), CPLX)), case(Arr((4, 5), CPLX), (6, 3)),
    case(Arr((3, 4, 5), CPLX), axes=(0, 2), norm="ortho"), case(Arr((4, 5), CPLX), None, (1, 0))])
spec(np.fft.fftn, np.fft.ifftn, cases=[
    case(Arr((3, 4))), case(Arr((2, 3, 4), CPLX)), case(Arr((2, 3, 4), CPLX), (5, 2), (1, 2)),
    case(Arr((2, 3, 4), CPLX), None, (0, 2), "forward"),
    case(Arr((3, 4), CPLX), s=(2, 6), axes=(1, 0)), case(Arr((5,), CPLX), norm="ortho")])
spec(np.fft.rfft, cases=[
    case(Arr((8,))), case(Arr((7,))), case(Arr((3, 8)), 5), case(Arr((3, 5)), 8, 0),
    case(Arr((2, 6)), norm="ortho"), case(Arr((4, 3)), axis=0, norm="forward")])
spec(np.fft.rfft2, cases=[
    case(Arr((4, 6))), case(Arr((4, 5))), case(Arr((2, 4, 5)), (3, 7)),
    case(Arr((3, 4, 5)), axes=(2, 0), norm="ortho")])
spec(np.fft.rfftn, cases=[
    case(Arr((3, 4))), case(Arr((2, 3, 5))), case(Arr((2, 3, 4)), (5, 3), (0, 2)),
    case(Arr((2, 3, 4)), None, (0, 2), "forward"), case(Arr((6,)))])
spec(np.fft.irfft, cases=[
    case(Arr((5,), CPLX)), case(Arr((5,), CPLX), 9), case(Arr((3, 5), CPLX), 6),
    case(Arr((3, 4), CPLX), 10), case(Arr((4, 3), CPLX), axis=0, norm="ortho"),
    case(Arr((5,)), norm="forward")])
spec(np.fft.irfft2, cases=[
    case(Arr((4, 4), CPLX)), case(Arr((4, 4), CPLX), (5, 7)),
    case(Arr((2, 3, 4), CPLX), axes=(0, 2)), case(Arr((3, 4), CPLX), (2, 5), norm="ortho")])
spec(np.fft.irfftn, cases=[
    case(Arr((3, 4), CPLX)), case(Arr((2, 3, 4), CPLX), (3, 3, 5), (0, 1, 2)),
    case(Arr((2, 3, 4), CPLX), None, (2, 0), "forward"), case(Arr((5,), CPLX), (7,), (0,))])
spec(np.fft.fftshift, np.fft.ifftshift, cases=[
    case(Arr((5,))), case(Arr((4, 5), CPLX)), case(Arr((4, 5)), 1), case(Arr((3, 4, 5)), axes=(0, 2))])
spec(fft_rules.match_complex_vjp, cases=[
    case(Arr((3,), CPLX), np.zeros(3)), case(Arr((3,), CPLX), np.zeros(3, complex)),
    case(Arr((3,)), np.zeros(3))])

# numpy_rules.py and structural.py: real, imag, conj, abs and angle of complex
# values (their real cases are above), and the helpers of their templates.
# abs_cotangent_vjp's rule in x stands in for np.sign's derivative (np.sign is
# a constant to s2s_ad), so only real x, where both are 0, are checked here:
# its complex case is checked end to end in tests/test_complex_rules.py.
_COMPLEX_UNARY = [case(Arr((3, 4), CPLX)), case(Arr((1,), CPLX)), case(Arr((2, 1, 3), CPLX))]
for _key in (np.real, np.imag, np.conjugate, np.absolute, builtins.abs, ("attr", "real"),
             ("attr", "imag"), ("method", "conj"), ("method", "conjugate")):
    SPECS[_key] = SPECS[_key] + _COMPLEX_UNARY
spec(np.angle, cases=unary(NZ) + _COMPLEX_UNARY + [
    case(Arr((3, 4), CPLX), True), case(Arr((4,), CPLX), deg=False), case(Arr((3,), NZ), True)])
spec(numpy_rules.sign_conj_vjp, cases=unary(NZ) + _COMPLEX_UNARY)
spec(numpy_rules.abs_cotangent_vjp, cases=[
    case(Arr((3, 4)), Arr((3, 4), NZ)), case(Flt(), Flt(NZ)), case(Arr(()), Arr((), NZ))])
spec(numpy_rules.imag_cotangent_vjp, cases=[
    case(Arr((3, 4)), np.ones((3, 4), complex)), case(Arr((3,)), np.ones(3)),
    case(Flt(), 2.0), case(Arr(()), np.complex128(1j))])

# ================================================================ numpy_rules.py: np.gradient
_COORDS = np.array([0.0, 1.0, 3.0, 4.0])
spec(np.gradient, cases=[
    case(Arr((5,))), case(Arr((5,)), 2.0), case(Arr((3, 4))), case(Arr((3, 4)), axis=1),
    case(Arr((3, 4)), 0.5, _COORDS), case(Arr((4, 5)), edge_order=2),
    case(Arr((2, 3, 4)), axis=(0, 2)), case(Arr((4,)), _COORDS, edge_order=2),
    case(Arr((3, 4)), axis=(0,)), case(Arr((3, 4)), 2.0, axis=-1)])
spec(numpy_rules.gradient_apply_vjp, cases=[
    case(Arr((5,)), (), None, 1), case(Arr((3, 4)), (2.0,), None, 2),
    case(Arr((3, 4)), (1.0, _COORDS), None, 1)])
spec(numpy_rules.gradient_transpose_vjp, cases=[
    case(Arr((5,)), (5,), (), None, 1), case(Lst(Arr((3, 4)), Arr((3, 4))), (3, 4), (2.0,), None, 2),
    case(Arr((3, 4)), (3, 4), (_COORDS,), 1, 1)])

# ================================================================ scipy_rules.py (continued)
if _sp is not None:
    import scipy.signal as _ss


    spec(_sp.betainc, cases=[
        case(2.0, 3.0, Arr((3, 4), PROB)),
        case(Arr((3, 1), Dom(0.5, 3.0)), Arr((4,), Dom(0.5, 3.0)), Arr((3, 4), PROB)),
        case(1.5, 2.5, Flt(PROB))])

    _DF = Dom(1.5, 6.0)
    _SHAPE = Dom(1.2, 3.0)
    _ABOVE = Dom(2.0, 3.0)      # x above loc in LOC
    _LOC = Dom(-1.0, 0.5)
    spec(_st.t.logpdf, _st.t.pdf, cases=[
        case(Arr((3, 4)), Flt(_DF)), case(Arr((3, 4)), Arr((4,), _DF), Arr((3, 1)), Arr((3, 4), POS)),
        case(Flt(), Flt(_DF), loc=Flt(), scale=Flt(POS)), case(Arr((2, 3)), 3.0)])
    spec(_st.t.cdf, _st.t.logcdf, cases=[
        case(Arr((3, 4)), 3.0), case(Arr((3, 4)), Arr((4,), _DF), Arr((3, 1)), Arr((3, 4), POS)),
        case(Flt(), 2.5, loc=Flt(), scale=Flt(POS))])
    _POSITIVE_SUPPORT = [
        case(Arr((3, 4), POS), Flt(_SHAPE)),
        case(Arr((3, 4), _ABOVE), Arr((4,), _SHAPE), Arr((3, 1), _LOC), Arr((3, 4), POS)),
        case(Flt(POS), Flt(_SHAPE), scale=Flt(POS)), case(Arr((2, 3), POS), 2.5)]
    spec(_st.gamma.logpdf, _st.gamma.pdf, _st.gamma.cdf, _st.chi2.logpdf, _st.chi2.pdf,
         _st.chi2.cdf, cases=_POSITIVE_SUPPORT)
    spec(_st.beta.logpdf, _st.beta.pdf, _st.beta.cdf, cases=[
        case(Arr((3, 4), PROB), Flt(_SHAPE), Flt(_SHAPE)),
        case(Arr((3, 4), Dom(0.3, 0.7)), Arr((4,), _SHAPE), Arr((3, 1), _SHAPE),
             Arr((3, 4), Dom(-0.2, 0.2)), Arr((3, 4), Dom(1.0, 1.5))),
        case(Flt(PROB), 2.0, Flt(_SHAPE), loc=0.0, scale=Flt(Dom(1.0, 1.5))),
        case(Arr((2, 3), PROB), 2.5, 1.5)])
    _COUNTS = np.array([0.0, 1.0, 3.0, 6.0])
    spec(_st.poisson.logpmf, cases=[
        case(_COUNTS, Arr((3, 1), Dom(0.5, 4.0))), case(np.array([[0.0, 2.0], [4.0, 7.0]]), Flt(GT1)),
        case(3, Arr((4,), POS), loc=1)])
    spec(_st.poisson.pmf, _st.poisson.cdf, cases=[
        case(_COUNTS, Arr((3, 1), Dom(0.5, 4.0))), case(np.array([[0.0, 2.5], [-1.0, 7.0]]), Flt(GT1)),
        case(3, Arr((4,), POS), loc=1), case(np.array([0.0, 2.0]), Arr((2,), POS), loc=1)])
    spec(_st.dirichlet.logpdf, _st.dirichlet.pdf, cases=[
        case(Arr((3,), SIMPLEX), Arr((3,), Dom(0.5, 3.0))),
        case(Arr((4, 5), SIMPLEX), Arr((4,), Dom(0.5, 3.0))),
        case(Arr((2,), SIMPLEX_HEAD), Arr((3,), Dom(0.5, 3.0))),
        case(Arr((3, 4), SIMPLEX_HEAD), Arr((4,), Dom(0.5, 3.0)))])
    spec(_st.multivariate_normal.logpdf, _st.multivariate_normal.pdf, cases=[
        case(Arr((3,)), Arr((3,)), Arr((3, 3), SPD)), case(Arr((5, 3)), Arr((3,)), Arr((3, 3), SPD)),
        case(Arr((2, 4, 3)), mean=Arr((3,)), cov=Arr((3, 3), SPD)),
        case(Arr((4, 3)), cov=Arr((3, 3), SPD)), case(Arr((4, 2)), Arr((2,)), Arr((2,), POS)),
        case(Arr((4, 2)), Arr((2,)), Flt(POS)), case(Arr((5,)), Arr((1,)), Arr((1, 1), SPD)),
        case(Arr((1, 3)), Arr((3,)), Arr((3, 3), SPD)), case(Flt(), cov=Flt(POS))])
    spec(_st.multivariate_normal.entropy, cases=[
        case(None, Arr((3, 3), SPD)), case(cov=Arr((3, 3), SPD)), case(Arr((2,)), Arr((2,), POS)),
        case(cov=Flt(POS)), case(Arr((2,)), Flt(POS))])

    spec(_sl.sqrtm, cases=[case(Arr((3, 3), SPD)), case(Arr((3, 3), WELLCOND)),
                           case(Arr((1, 1), SPD)), case(Arr((4, 4), SPD))])
    spec(_sl.solve_sylvester, cases=[
        case(Arr((3, 3), WELLCOND), Arr((2, 2), WELLCOND), Arr((3, 2))),
        case(Arr((3, 3), SPD), Arr((3, 3), SPD), Arr((3, 3))),
        case(Arr((1, 1), SPD), Arr((2, 2), WELLCOND), Arr((1, 2)))])
    spec(_sl.solve_banded, cases=[
        case((1, 1), Arr((3, 5), BandedDom(1, 1)), Arr((5,))),
        case((1, 2), Arr((4, 6), BandedDom(1, 2)), Arr((6, 2))),
        case((0, 0), Arr((1, 4), POS), Arr((4,))),
        case((2, 0), Arr((3, 5), BandedDom(2, 0)), Arr((5, 3))),
        case((0, 1), Arr((2, 3), BandedDom(0, 1)), Arr((3,)), check_finite=False)])

    spec(_ss.convolve, cases=[
        case(Arr((5,)), Arr((3,))), case(Arr((3,)), Arr((5,))), case(Arr((5,)), Arr((3,)), "same"),
        case(Arr((3,)), Arr((5,)), "same"), case(Arr((5,)), Arr((3,)), "valid"),
        case(Arr((3,)), Arr((5,)), mode="valid"), case(Arr((4, 5)), Arr((2, 3)), "same"),
        case(Arr((4, 5)), Arr((2, 3)), "valid", "direct"), case(Arr((6, 7)), Arr((3, 2)), method="fft"),
        case(Arr((4, 4)), Arr((4, 4)), "valid"), case(Arr((5, 6)), Arr((4, 3)), "same"),
        case(Arr((4,)), Arr((4,)), "same")])

# ================================================================ linalg_rules.py: eig (complex)
# real matrices with complex-conjugate pairs (WELLCOND), real spectra (SYM
# plus a non-symmetric part), complex matrices, stacks
_NONSYM = Matrices("wellcond")
spec(np.linalg.eig, np.linalg.eigvals, cases=[
    case(Arr((3, 3), _NONSYM)), case(Arr((4, 4), _NONSYM)), case(Arr((2, 3, 3), _NONSYM)),
    case(Arr((3, 3), SYM)), case(Arr((3, 3), CPLX)), case(Arr((1, 1)))])
spec(fft_rules.creal_vjp, fft_rules.cimag_vjp, fft_rules.cconj_vjp,
     cases=[case(Arr((3,), CPLX)), case(Arr((2, 2)))])
