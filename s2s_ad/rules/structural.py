"""Rules for operations that move values around rather than compute:
indexing, copies, container displays, attribute reads, the runtime helpers
generated code calls, and the builtins that are inactive by nature."""

from __future__ import annotations

import builtins

import numpy as np

from .. import runtime
from ..runtime import (
    add_grads,
    broadcast_as,
    getitem_vjp,
    real_if_real,
    set_at,
    setitem_value_vjp,
    sum_broadcast,
    sum_to_scalar,
    sum_vjp,
    unbroadcast,
    unreduce,
    written_tangent,
    zero_at,
)
from .numpy_rules import abs_cotangent_vjp, sign_conj_vjp
from .registry import defjvp, defvjp, nondiff


@defvjp(("getitem",), wrt=("x",), structural=True)
def getitem(g, ans, x, index):
    return getitem_vjp(g, x, index)


@defvjp(("setitem",), wrt=("x", "value"), structural=True)
def setitem(g, ans, x, index, value):
    return zero_at(g, index), setitem_value_vjp(g, index, value, x)


@defjvp(("setitem",))
def setitem_jvp(dx, dvalue, ans, x, index, value):
    return zero_at(dx, index), set_at(dvalue, ans, index)


# the real part where x is real: linear in g, its own transpose
@defvjp(runtime.real_if_real, wrt=("g",), structural=True)
def real_if_real_rule(u, ans, g, x):
    return real_if_real(u, x)


@defjvp(runtime.real_if_real)
def real_if_real_jvp(dg, ans, g, x):
    return real_if_real(dg, x)


# the cotangent of what x[index] = value wrote: linear in g, its adjoint is
# that write again (into zeros), and the write's adjoint is it
@defvjp(runtime.setitem_value_vjp, wrt=("g",), structural=True)
def setitem_value_vjp_rule(u, ans, g, index, value, x=None):
    return written_tangent(set_at(u, g, index), x)


@defjvp(runtime.setitem_value_vjp)
def setitem_value_vjp_jvp(dg, ans, g, index, value, x=None):
    return setitem_value_vjp(dg, index, value, x)


# zero where x holds integers, else the identity: linear in dv
@defvjp(runtime.written_tangent, wrt=("dv",), structural=True)
def written_tangent_rule(g, ans, dv, x):
    return written_tangent(g, x)


@defjvp(runtime.written_tangent)
def written_tangent_jvp(ddv, ans, dv, x):
    return written_tangent(ddv, x)


@defvjp(runtime.set_at, wrt=("d",), structural=True)
def set_at_rule(gg, ans, d, like, index):
    return setitem_value_vjp(gg, index, d)


@defjvp(runtime.set_at)
def set_at_jvp(dd, ans, d, like, index):
    return set_at(dd, like, index)


@defvjp(runtime.sum_vjp, wrt=("g",), structural=True)
def sum_vjp_rule(u, ans, g, iterable):
    return sum_broadcast(u, g)


@defjvp(runtime.sum_vjp)
def sum_vjp_jvp(dg, ans, g, iterable):
    return sum_vjp(dg, iterable)


@defvjp(runtime.sum_broadcast, wrt=("u",), structural=True)
def sum_broadcast_rule(v, ans, u, g):
    return sum_vjp(v, u)


@defjvp(runtime.sum_broadcast)
def sum_broadcast_jvp(du, ans, u, g):
    return sum_broadcast(du, g)


@defvjp(runtime.broadcast_as, wrt=("d",))
def broadcast_as_rule(g, ans, d, like):
    return unbroadcast(g, d)


@defjvp(runtime.broadcast_as)
def broadcast_as_jvp(dd, ans, d, like):
    return broadcast_as(dd, like)


# a sum's cotangent spread back over its operand: the adjoint is that sum again
@defvjp(runtime.unreduce, wrt=("g",))
def unreduce_rule(u, ans, g, a, axis=None):
    return np.reshape(np.sum(u, axis=axis), np.shape(g))


@defjvp(runtime.unreduce)
def unreduce_jvp(dg, ans, g, a, axis=None):
    return unreduce(dg, a, axis)


@defvjp(runtime.sum_to_scalar)
def sum_to_scalar_rule(gg, ans, g):
    return np.broadcast_to(gg, np.shape(g)) * np.ones_like(g)


@defjvp(runtime.sum_to_scalar)
def sum_to_scalar_jvp(dg, ans, g):
    return sum_to_scalar(dg)


@defvjp(runtime.snapshot, structural=True)
def snapshot_rule(g, ans, x):
    return g


@defjvp(runtime.snapshot)
def snapshot_jvp(dx, ans, x):
    return dx


@defvjp(runtime.index_add, wrt=("acc", "g"), structural=True)
def index_add_rule(gg, ans, acc, index, g):
    return gg, gg[index]


@defjvp(runtime.index_add)
def index_add_jvp(dacc, dg, ans, acc, index, g):
    return dacc, getitem_vjp(dg, acc, index)


@defvjp(runtime.zero_at, wrt=("g",), structural=True)
def zero_at_rule(gg, ans, g, index):
    return zero_at(gg, index)


@defjvp(runtime.zero_at)
def zero_at_jvp(dg, ans, g, index):
    return zero_at(dg, index)


@defvjp(np.stack, structural=True)
def stack(g, ans, arrays, axis=0):
    return list(np.moveaxis(g, axis, 0))


@defjvp(np.stack)
def stack_jvp(darrays, ans, arrays, axis=0):
    return np.stack(darrays, axis)


@defvjp(np.concatenate, structural=True)
def concatenate(g, ans, arrays, axis=0):
    return concatenate_vjp(g, arrays, axis)


@defjvp(np.concatenate)
def concatenate_jvp(darrays, ans, arrays, axis=0):
    return np.concatenate(darrays, axis)


def concatenate_vjp(g, arrays, axis):
    """The pieces of ``g`` that each array of ``np.concatenate(arrays, axis)`` became."""
    if axis is None:
        sizes = [np.size(a) for a in arrays]
        parts = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
        return [np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays, strict=True)]
    sizes = [np.shape(a)[axis] for a in arrays]
    return list(np.split(g, np.cumsum(sizes)[:-1], axis=axis))


@defvjp(concatenate_vjp, wrt=("g",), structural=True)
def concatenate_vjp_rule(gg, ans, g, arrays, axis):
    return np.concatenate(gg, axis=axis)


@defjvp(concatenate_vjp)
def concatenate_vjp_jvp(dg, ans, g, arrays, axis):
    return concatenate_vjp(dg, arrays, axis)


@defvjp(("list_append",), structural=True)
def list_append(g, ans, lst, value):
    return g[:-1], g[-1]


@defvjp(builtins.sum, wrt=("iterable", "start"), sequences=("iterable",))
def sum_rule(g, ans, iterable, start=0):
    return sum_vjp(g, iterable), unbroadcast(g, start)


@defjvp(builtins.sum)
def sum_jvp(diterable, dstart, ans, iterable, start=0):
    return sum(diterable), dstart


@defvjp(("copy",), structural=True)
def copy(g, ans, x):
    return g


@defvjp(("attr", "T"))
def attr_T(g, ans, x):
    return np.transpose(g)


@defvjp(("attr", "real"), elementwise=True)
def attr_real(g, ans, x):
    return g


@defvjp(runtime.unbroadcast, wrt=("g",))
def unbroadcast_rule(gg, ans, g, target):
    return np.broadcast_to(gg, np.shape(g))


@defvjp(runtime.add_grads, structural=True)
def add_grads_rule(gg, ans, a, b):
    return gg, gg


@defvjp(runtime.getitem_vjp, wrt=("g",), structural=True)
def getitem_vjp_rule(gg, ans, g, x, index):
    return gg[index]


@defvjp(builtins.float, elementwise=True)
def float_rule(g, ans, x):
    return g


# np.float64(x) of a number or a float array (a float64 copy, or a float64 number)
@defvjp(np.float64, elementwise=True)
def float64_rule(g, ans, x):
    return unbroadcast(g, x)


@defjvp(np.float64)
def float64_jvp(dx, ans, x):
    return np.float64(dx)


@defvjp(builtins.abs, elementwise=True)   # np.abs's rules (complex x too)
def abs_rule(g, ans, x):
    return abs_cotangent_vjp(g * np.sign(x), x)



# ---------------------------------------------------------------- JVPs


@defjvp(("getitem",))
def getitem_jvp(dx, ans, x, index):
    return dx[index]


@defjvp(("copy",))
def copy_jvp(dx, ans, x):
    return dx


@defjvp(("attr", "T"))
def attr_T_jvp(dx, ans, x):
    return np.transpose(dx)


@defjvp(("attr", "real"))
def attr_real_jvp(dx, ans, x):
    return dx.real


@defjvp(runtime.unbroadcast)
def unbroadcast_jvp(dg, ans, g, target):
    return unbroadcast(dg, target)


@defjvp(runtime.add_grads)
def add_grads_jvp(da, db, ans, a, b):
    return da, db


@defjvp(runtime.getitem_vjp)
def getitem_vjp_jvp(dg, ans, g, x, index):
    return getitem_vjp(dg, x, index)


@defjvp(builtins.float)
def float_jvp(dx, ans, x):
    return float(dx)


@defjvp(builtins.abs)
def abs_jvp(dx, ans, x):
    return (dx * sign_conj_vjp(x)).real

nondiff(("attr", "shape"), ("attr", "ndim"), ("attr", "size"), ("attr", "dtype"),
        ("method", "astype_int"), runtime.zeros_like, runtime.require_scalar,
        ("method", "keys"),
        builtins.int, builtins.round, builtins.len, builtins.range, builtins.bool,
        builtins.isinstance, builtins.print, builtins.str, builtins.type, builtins.repr,
        builtins.id, builtins.hash)

_ = (add_grads, unbroadcast)  # re-exported names used by templates
