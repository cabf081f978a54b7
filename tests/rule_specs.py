"""Test inputs for every derivative rule: ``SPECS[key]`` is a list of
:class:`Case` s, each a call of the primitive (positional and keyword
arguments) with random inputs described by

* ``Arr(shape, dom)`` — a float64 array (``()`` gives a 0-d array),
* ``Flt(dom)`` — a Python float,
* ``Bool(shape)`` — a random boolean array (``np.where`` conditions),
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
from s2s_ad.rules import numpy_rules
from s2s_ad.rules import operators as operator_rules


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
            return d
        return tuple(one(a) for a in self.args), {k: one(v) for k, v in self.kwargs.items()}


def _describe(d) -> str:
    if isinstance(d, Arr):
        return "x".join(map(str, d.shape)) if d.shape else "0d"
    if isinstance(d, Flt):
        return "float"
    if isinstance(d, Bool):
        return "bool" + "x".join(map(str, d.shape))
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
            case(Flt(d1), Flt(d2))]


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
             case(Arr((3, 4), dom), 1)]
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
    case(Arr((4, 5)), np.array([0, 2]), Arr((2, 5))), case(Arr((6,)), slice(None, None, 2), Arr(()))])
spec(runtime.broadcast_as, cases=[case(Arr((4,)), Arr((3, 4))), case(Arr((3, 4)), Arr((3, 4))),
                                  case(Flt(), Arr((2, 3)))])
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
spec(builtins.abs, cases=unary(NZ))

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
spec(np.sum, np.mean, np.max, np.amax, np.min, np.amin, cases=reduction())
spec(("method", "sum"), ("method", "mean"), ("method", "max"), ("method", "min"),
     cases=reduction(method=True))
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
