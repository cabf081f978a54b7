"""The small helpers that generated code calls.

Each is a primitive with its own derivative rules (see ``rules/structural.py``)
so that generated code can itself be differentiated again.
"""

from __future__ import annotations

import numbers

import numpy as np

# Types whose values are 0-d and not arrays: their shape is () without asking
# NumPy (``np.shape`` costs a Python call and a dispatch). The helpers below
# take a fast path on exact types and fall back to the general code.
_SCALAR_TYPES = frozenset({
    float, int, complex, bool, np.float64, np.float32, np.float16, np.longdouble,
    np.complex128, np.complex64, np.clongdouble, np.int64, np.int32, np.int16, np.int8,
    np.uint64, np.uint32, np.uint16, np.uint8, np.bool_})
_F64 = np.dtype(np.float64)
_ndarray = np.ndarray


def _shape(x):
    t = type(x)
    if t is _ndarray:
        return x.shape
    if t in _SCALAR_TYPES:
        return ()
    return np.shape(x)


# (g's shape, the target's shape) -> (leading axes to sum, stretched axes to
# sum with keepdims), each None if there are none: how _unbroadcast reduces,
# found once per pair of shapes.
_PLANS: dict = {}
_add_reduce = np.add.reduce


def unbroadcast(g, target):
    """Sum a cotangent ``g`` back to ``target``'s shape, undoing NumPy
    broadcasting (leading axes added, axes of length 1 stretched)."""
    tg, tt = type(g), type(target)
    if tg is _ndarray:
        if tt is _ndarray:
            gs, ts = g.shape, target.shape
            if gs == ts:
                return g
            plan = _PLANS.get((gs, ts))
            if plan is not None:
                lead, stretched = plan
                if lead is not None:
                    g = _add_reduce(g, axis=lead)
                if stretched is not None:
                    g = _add_reduce(g, axis=stretched, keepdims=True)
                return g
        elif tt in _SCALAR_TYPES and g.ndim == 0:
            return g
    elif tg in _SCALAR_TYPES:
        if tt in _SCALAR_TYPES or (tt is _ndarray and target.ndim == 0):
            return g
    return _unbroadcast(g, target)


def _unbroadcast(g, target):
    shape = _shape(target)
    if _shape(g) == shape:
        return g
    if type(g) is not _ndarray:
        g = np.asarray(g)
    gshape = g.shape
    extra = g.ndim - len(shape)
    lead = None
    if extra > 0:  # leading axes that broadcasting added
        lead = 0 if extra == 1 else tuple(range(extra))
        g = _add_reduce(g, axis=lead)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:  # axes of length 1 that it stretched
        if len(stretched) == 1:
            stretched = stretched[0]
        g = _add_reduce(g, axis=stretched, keepdims=True)
    else:
        stretched = None
    if type(target) is not _ndarray:
        return g[()] if g.ndim == 0 else g
    if len(_PLANS) < 1024 and g.shape == shape:
        _PLANS[gshape, shape] = (lead, stretched)
    return g


def broadcast_as(d, like):
    """A tangent ``d`` of an operand, spread to the shape of the result
    ``like`` it was broadcast into."""
    shape = _shape(like)
    if _shape(d) == shape:
        return d
    return np.broadcast_to(d, shape)


def unreduce(g, a, axis=None):
    """The cotangent ``g`` of a sum of ``a`` over ``axis``, spread back over
    ``a``'s shape: a fresh array (``reshape(g) * ones_like(a)``, in one pass)."""
    if type(a) is _ndarray:
        shape, dtype = a.shape, a.dtype
    else:
        a = np.asarray(a)
        shape, dtype = a.shape, a.dtype
    tg = type(g)
    if tg is not float and tg is not np.float64:
        if tg is not _ndarray:
            g = np.asarray(g)
        if axis is not None and 0 < g.ndim < len(shape):  # the reduced axes were dropped
            g = g.reshape(_keepdims_shape(shape, axis))
        if g.dtype is not dtype:
            dtype = np.result_type(g.dtype, dtype)
    elif dtype is not _F64:
        dtype = np.result_type(_F64, dtype)
    out = np.empty(shape, dtype)
    out[...] = g
    return out if shape else out[()]


def _keepdims_shape(shape, axis):
    ndim = len(shape)
    if type(axis) is int:
        axis %= ndim
        return shape[:axis] + (1,) + shape[axis + 1:]
    axes = [ax % ndim for ax in axis] if isinstance(axis, (tuple, list)) else [axis % ndim]
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def sum_to_scalar(g):
    """The cotangent of a Python number that was broadcast against ``g``."""
    return g if type(g) in _SCALAR_TYPES or np.ndim(g) == 0 else np.sum(g)


def _rebuild(like, items):
    """A list or a plain tuple of ``items`` shaped like ``like`` (named tuples,
    such as NumPy's ``eigh`` result, come back as plain tuples)."""
    return list(items) if isinstance(like, list) else tuple(items)


def zeros_like(x):
    """A zero cotangent with the structure of ``x``: floats for numbers,
    float arrays for arrays, and the same container shape for tuples, lists
    and dicts."""
    if type(x) is _ndarray or isinstance(x, np.ndarray):
        dt = x.dtype
        return np.zeros(x.shape, dt if dt.kind in "fc" else float)
    if x is None:  # a value never assigned on this path: its zero is a plain 0.0
        return 0.0
    if isinstance(x, (bool, np.bool_, str)):
        return None
    if isinstance(x, (np.generic, numbers.Number)):
        if isinstance(x, np.floating):
            return type(x)(0)
        return 0.0
    if isinstance(x, tuple):
        return tuple(zeros_like(v) for v in x)  # a plain tuple, also for named tuples
    if isinstance(x, list):
        return [zeros_like(v) for v in x]
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, range):
        # the zero tangent of a sequence of integers: indexing it gives 0.0
        return np.zeros(len(x))
    # strings, None and other non-numeric values carry no derivative
    return None


def add_grads(a, b):
    """``a + b`` for cotangents that may be containers (tuples, lists, dicts
    add elementwise, not by concatenation); ``None`` is a zero."""
    if a is None:
        return b
    if b is None:
        return a
    if type(a) is _ndarray or type(a) in _SCALAR_TYPES:
        return a + b
    if isinstance(a, (tuple, list)):
        return _rebuild(a, [add_grads(x, y) for x, y in zip(a, b, strict=True)])
    if isinstance(a, dict):
        # a key added on one path of the dict's life (d["b"] = 1.0) is in one
        # cotangent only: the other's is zero there
        out = {k: (add_grads(v, b[k]) if k in b else v) for k, v in a.items()}
        for k, v in b.items():
            if k not in out:
                out[k] = v
        return out
    return a + b


def getitem_vjp(g, x, index):
    """The cotangent of ``x`` for ``x[index]``: zeros with ``g`` placed (and,
    for repeated integer indices, summed) at ``index``."""
    if type(x) is _ndarray and x.dtype is _F64 and (type(index) is slice or type(index) is int):
        out = np.zeros(x.shape)  # the common case first: a float64 array, a basic index
        out[index] = g
        return out
    if isinstance(x, (tuple, list)):
        out = [zeros_like(v) for v in x]
        out[index] = add_grads(out[index], g)
        return _rebuild(x, out)
    if isinstance(x, dict):
        out = {k: zeros_like(v) for k, v in x.items()}
        out[index] = g
        return out
    if type(x) is _ndarray and x.dtype is _F64:
        out = np.zeros(x.shape)
    else:
        out = np.zeros(np.shape(x), np.result_type(g, float) if not _is_float_array(x)
                       else x.dtype)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def setitem_value_vjp(g, index, value, x=None):
    """The cotangent of ``value`` in ``x[index] = value``, given the cotangent
    ``g`` of the array after the write: ``g[index]``, summed back to the
    value's shape, when every element is written once (a basic index, a
    boolean mask). An integer-array index can name one element more than
    once, and NumPy keeps only the last of those writes: the values written
    before it never reach the result, so they get no cotangent (``g[index]``
    would give each of them the element's cotangent again); see
    :func:`_cotangent_of_repeated_writes`. Written into an array of
    integers (``x``: any version of it, only its dtype is read) the value is
    truncated: no cotangent."""
    if type(x) is _ndarray and x.dtype.kind in "biu":
        return zeros_like(value)
    ti = type(index)
    if ti is int or ti is slice:  # the common case: a basic index
        return unbroadcast(g[index], value)
    if isinstance(g, np.ndarray) and _may_repeat(index):
        return _cotangent_of_repeated_writes(g, index, value)
    return unbroadcast(g[index], value)


def written_tangent(dv, x):
    """The tangent of what ``x[index] = v`` writes: ``dv``, or 0 where ``x``
    holds integers (the write truncates ``v``)."""
    if type(x) is _ndarray and x.dtype.kind in "biu":
        return zeros_like(dv)
    return dv


def _may_repeat(index):
    """Can ``index`` name one element twice? Only if it holds an integer
    array or list: ints, slices, ``None``, ``...`` and boolean masks cannot."""
    for part in index if type(index) is tuple else (index,):
        if part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice)):
            continue
        if np.asarray(part).dtype != np.bool_:
            return True
    return False


def _cotangent_of_repeated_writes(g, index, value):
    """:func:`setitem_value_vjp` where ``index`` may name an element twice.

    Which element of ``value`` ends up in which element of ``x`` is found by
    doing the write again, each element of ``value`` replaced by its number
    (laid out in memory as ``value`` is: NumPy's order of writes, and so
    which write is last, can follow the layout of the index and the value).
    Each element of ``value`` then gets the sum of ``g`` over the elements it
    ended up in: an element overwritten by a later write gets nothing, and
    one broadcast into several elements gets each of their cotangents once."""
    value = np.asarray(value)
    numbers = np.empty_like(value, dtype=np.intp)
    numbers[...] = np.arange(value.size).reshape(value.shape)
    landed = np.empty(g.shape, np.intp)
    landed[index] = numbers
    written = np.zeros(g.shape, np.bool_)
    written[index] = True
    landed, gw = landed[written], g[written]
    if np.iscomplexobj(gw):
        out = np.zeros(value.size, gw.dtype)
        np.add.at(out, landed, gw)
    else:
        out = np.bincount(landed, weights=gw, minlength=value.size).astype(
            np.result_type(gw, float), copy=False)
    return out.reshape(value.shape) if value.ndim else out[0]


def set_at(d, like, index):
    """Zeros shaped like ``like`` with ``d`` written at ``index`` (a plain
    assignment: where the index repeats an element, the last write wins,
    as in the ``x[index] = value`` it is the derivative of)."""
    if isinstance(like, (list, tuple, dict)):  # an index into these names one element
        return getitem_vjp(d, like, index)
    out = np.zeros(np.shape(like), np.result_type(d, like, float))
    out[index] = d
    return out


def snapshot(x):
    """A copy of a value whose array, list or dict is written in place later
    (also the tangent of ``x.copy()``, which the code after it may write into
    as it writes into the copy, never into the caller's tangent)."""
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, list):
        return list(x)
    if isinstance(x, dict):
        return dict(x)
    return x


def index_add(acc, index, g):
    """``acc + getitem_vjp(g, acc, index)``, adding into ``acc`` in place
    (the reverse pass calls it only on an accumulator it owns)."""
    if type(acc) is _ndarray:
        ti = type(index)
        if acc.dtype is _F64 and (ti is slice or ti is int):
            tg = type(g)  # the common case: float64 into float64, a basic index
            if (tg is float or tg is np.float64 or tg is int
                    or (tg is _ndarray and g.dtype is _F64)) and acc.flags.writeable:
                if ti is slice:
                    view = acc[index]  # a view: adding into it writes acc, with no
                    view += g          # copy back of the slice, as acc[index] += g does
                else:
                    acc[index] += g
                return acc
    if isinstance(acc, np.ndarray) and acc.flags.writeable and acc.dtype.kind in "fc" \
            and np.can_cast(np.result_type(g), acc.dtype):
        if _is_basic_index(index):
            acc[index] += g
        else:
            np.add.at(acc, index, g)
        return acc
    if isinstance(acc, dict):  # (a key the function added may be missing: a zero)
        acc[index] = add_grads(acc.get(index), g)
        return acc
    if isinstance(acc, list):
        acc[index] = add_grads(acc[index], g)
        return acc
    return add_grads(acc, getitem_vjp(g, acc, index))


def real_if_real(g, x):
    """The gradient of a real ``x``: the real part of a complex cotangent (in
    the convention of the complex rules, a real input's derivative is the
    real part of its cotangent; a product with a complex number leaves it
    complex). As it is for a complex ``x`` or a container."""
    if np.iscomplexobj(g) and not np.iscomplexobj(x) and type(x) is not list \
            and type(x) is not dict and type(x) is not tuple:
        return np.real(g) if type(g) is _ndarray else g.real
    return g


def zero_at(g, index):
    """``g`` with the entries at ``index`` zeroed (the cotangent of an array
    whose entries at ``index`` were overwritten)."""
    if isinstance(g, (list, tuple)):
        out = list(g)
        out[index] = zeros_like(out[index])
        return _rebuild(g, out)
    if isinstance(g, dict):
        out = dict(g)
        if index in out:  # (a key the write added is not in an older version's cotangent)
            out[index] = zeros_like(out[index])
        return out
    out = np.array(g, dtype=np.result_type(g, float), copy=True)
    out[index] = 0
    return out


def _is_float_array(x):
    return isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)


def _is_basic_index(index):
    if type(index) is int or type(index) is slice:
        return True
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis
               for p in parts)


def sum_vjp(g, iterable):
    """Cotangent of the sequence in ``sum(iterable)``: ``g`` for every item
    (summed back to the item's shape), with the sequence's own structure."""
    if isinstance(iterable, np.ndarray):
        if len(iterable) == 0:
            return np.zeros(iterable.shape)
        return np.broadcast_to(unbroadcast(g, iterable[0]), iterable.shape).copy()
    parts = [unbroadcast(g, x) for x in iterable]
    return _rebuild(iterable, parts) if isinstance(iterable, (list, tuple)) else parts


def sum_broadcast(u, g):
    """The cotangent of ``g`` in ``sum_vjp(g, items)``: the items' cotangents
    ``u``, each spread to ``g``'s shape, added up."""
    shape = np.shape(g)
    total = np.zeros(shape)
    for ui in u:
        total = total + np.broadcast_to(ui, shape)
    return total if shape else float(total)


def require_scalar(y, name):
    """``grad`` differentiates scalar functions only; say what to use instead."""
    if type(y) in _SCALAR_TYPES:
        return
    if np.ndim(y) != 0 or isinstance(y, (tuple, list, dict)):
        raise TypeError(
            f"grad requires {name}() to return a scalar (a float or a 0-d array), but it "
            f"returned {_describe(y)}; use s2s_ad.vjp or s2s_ad.jacobian for non-scalar "
            "outputs")
    if isinstance(y, np.ndarray) and not np.issubdtype(y.dtype, np.inexact) \
            and not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"grad requires a real scalar output, got dtype {y.dtype}")


def _describe(y):
    if isinstance(y, np.ndarray):
        return f"an array of shape {y.shape}"
    return f"a {type(y).__name__}"


class LateBound:
    """A generated function referenced before it exists (a recursive call):
    looked up on first call."""

    def __init__(self, resolve, name):
        self._resolve = resolve
        self._fn = None
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        fn = self._fn
        if fn is None:
            fn = self._fn = self._resolve()
        return fn(*args, **kwargs)

    def __repr__(self):
        return f"<late-bound {self.__name__}>"
