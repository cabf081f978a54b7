"""Reverse-mode reference engine: a micrograd-style tape of ``Tensor`` nodes.

Why this module exists
----------------------
The seed article builds a tiny reverse-mode AD library: a ``Tensor`` class
holding ``data``, ``grad``, ``_prev`` (parents), ``_op`` and a ``_backward``
closure, plus a ``backward()`` that topologically sorts the graph, seeds the
output gradient with 1.0 and calls every node's ``_backward`` in reverse
order.  That design is kept here, extended to NumPy arrays, because s2s_ad
needs an *independent test oracle*: gradients produced by the
source-to-source transformer are checked against this engine, which shares
no code with it (only ``math`` and ``numpy`` are imported).  It is also the
teaching baseline: the dynamic, operator-overloading way of doing what s2s_ad
does by rewriting source.

The article's own example, f(x) = exp(x) + x*x at x = 2::

    >>> x = Tensor(2.0)
    >>> y = x.exp() + x * x
    >>> y.backward()
    >>> round(x.grad, 3)           # f'(2) = exp(2) + 2*2 = exp(2) + 4
    11.389

(At x = 2 the value f(2) = exp(2) + 4 happens to equal f'(2) as well, so a
test of this example alone cannot tell a value from a derivative.)

Programs written once against a NumPy-like namespace can be run on the tape
by passing ``tnp`` in place of ``np``::

    >>> def f(xp, x):
    ...     return xp.sum(xp.tanh(x) * x)
    >>> g = tape_grad(lambda x: f(tnp, x), np.array([0.5, -1.0]))

Conventions (documented because gradients at kinks are a choice):

* ``max``/``min`` reductions and ``maximum``/``minimum``: the gradient is
  split evenly among tied elements (k tied maxima each get 1/k; an
  elementwise tie ``maximum(a, b)`` with ``a == b`` gives 1/2 to each).
  ``clip`` is ``minimum(maximum(x, lo), hi)`` and inherits this rule.
* ``abs`` uses ``sign``, so its derivative at 0 is 0; ``relu`` has
  derivative 0 at 0.
* ``a ** b``: the derivative w.r.t. ``a`` is ``b * a**(b-1)`` (0 when
  ``b == 0``); the derivative w.r.t. ``b`` is ``a**b * log(a)``, taken as 0
  where ``a**b == 0``.  It is only computed when ``b`` is a Tensor.
* Leaf gradients accumulate across ``backward()`` calls (as in the
  article); interior-node gradients are recomputed from zero on each call.
* Comparisons (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``) compare ``data``
  and return plain bools (arrays for array data), so Python control flow
  works; they are not differentiated.  Tensors stay hashable by identity.
* ``float(t)``, ``np.asarray(t)`` and NumPy ufuncs on a Tensor raise
  ``TypeError`` instead of silently dropping the tape; use ``t.data`` or the
  functions in ``tnp``.
"""

import math

import numpy as np

__all__ = [
    "Tensor",
    "tape_grad",
    "tnp",
    "exp",
    "log",
    "log1p",
    "expm1",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sinh",
    "cosh",
    "arcsin",
    "arccos",
    "arctan",
    "sigmoid",
    "relu",
    "square",
    "reciprocal",
    "absolute",
    "negative",
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "reshape",
    "transpose",
    "dot",
    "matmul",
    "maximum",
    "minimum",
    "where",
    "clip",
    "arctan2",
    "hypot",
    "power",
    "stack",
    "concatenate",
]


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _as_data(x):
    """Normalise a Python/NumPy number or array: scalars become ``float``,
    arrays become float64 (float32 arrays are kept as float32)."""
    if isinstance(x, Tensor):
        raise TypeError("Tensor(...) expects a number or an array, not a Tensor")
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor data must be real numbers, got dtype {arr.dtype}")
    if arr.ndim == 0:
        return float(arr)
    if arr.dtype == np.float32:
        return arr.copy()
    return arr.astype(np.float64)


def _zeros_like(data):
    return 0.0 if isinstance(data, float) else np.zeros_like(data)


def _lift(x):
    """Wrap a constant (number/array) in a Tensor; Tensors pass through."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _unbroadcast(g, shape):
    """Sum ``g`` down to ``shape``: undo NumPy broadcasting.

    Broadcasting (1) prepends axes and (2) stretches length-1 axes, so the
    gradient of a broadcast operand is summed over exactly those axes.  A
    ``g`` whose shape is not a broadcast of ``shape`` is a bug and raises.
    """
    g = np.asarray(g)
    shape = tuple(shape)
    if g.shape == shape:
        return g
    if g.ndim < len(shape) or np.broadcast_shapes(g.shape, shape) != g.shape:
        raise ValueError(f"gradient of shape {g.shape} cannot be reduced to {shape}")
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def _axis_arg(axis):
    """NumPy accepts an int, a tuple or None for ``axis``; lists become tuples."""
    return tuple(axis) if isinstance(axis, list) else axis


def _reduced_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis))


def _expand_reduced(g, shape, axis, keepdims):
    """Broadcast the gradient of a reduction back to the input ``shape``."""
    g = np.asarray(g)
    if not keepdims:
        g = np.expand_dims(g, _reduced_axes(axis, len(shape)))
    return np.broadcast_to(g, shape)


def _product_of_others(x, axes):
    """For every element, the product of the *other* elements of its
    reduction group (exclusive prefix product times exclusive suffix
    product).  Exact even when some elements are zero, unlike ``prod / x``."""
    x = np.asarray(x)
    kept = [i for i in range(x.ndim) if i not in axes]
    perm = kept + list(axes)
    xt = np.transpose(x, perm)
    lead = xt.shape[: len(kept)]
    flat = xt.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), dtype=flat.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (before * after).reshape(xt.shape)
    return np.transpose(others, np.argsort(perm))


def _sigmoid_value(x):
    # 0.5 * (1 + tanh(x/2)) equals 1 / (1 + exp(-x)) and never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _relu_value(x):
    return np.maximum(x, 0.0)


def _topological_order(root):
    """Nodes reachable from ``root``, parents before children (the article's
    DFS ``build_topo``, written with an explicit stack so long chains do not
    hit Python's recursion limit)."""
    topo = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            topo.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in reversed(node._prev):
            if id(parent) not in visited:
                stack.append((parent, False))
    return topo


def _make(data, parents, op, vjp):
    """Create the output node of an operation.

    ``vjp(g)`` maps the output gradient ``g`` to one gradient per parent
    (``None`` = no contribution); ``_backward`` accumulates them, summing
    over broadcast axes.
    """
    out = Tensor(data, parents, op)

    def _backward():
        for parent, g in zip(parents, vjp(out.grad), strict=True):
            if g is not None:
                parent._accumulate(g)

    out._backward = _backward
    return out


# ---------------------------------------------------------------------------
# The Tensor class
# ---------------------------------------------------------------------------


class Tensor:
    """A node of the tape: a value, its gradient, its parents and the rule
    that sends the gradient back to the parents."""

    # Make ``ndarray <op> Tensor`` defer to Tensor's reflected operators and
    # make ``np.exp(tensor)`` fail loudly instead of building object arrays.
    __array_ufunc__ = None
    __hash__ = object.__hash__  # identity hashing, although == compares data

    def __init__(self, data, _children=(), _op=""):
        self.data = _as_data(data)
        self.grad = _zeros_like(self.data)
        self._prev = tuple(_children)  # tuple, not set: deterministic order
        self._op = _op
        self._backward = lambda: None

    # -- bookkeeping --------------------------------------------------------

    def _accumulate(self, g):
        g = _unbroadcast(g, np.shape(self.data))
        if isinstance(self.data, float):
            self.grad = self.grad + float(g)
        else:
            self.grad = self.grad + g.astype(self.data.dtype, copy=False)

    def backward(self, seed=None):
        """Reverse sweep from this node (see the article).

        ``seed`` is the gradient of the final objective w.r.t. this node; it
        defaults to 1.0 (or ``ones`` for a size-1 array) and is required for
        outputs with more than one element.
        """
        topo = _topological_order(self)
        shape = np.shape(self.data)
        if seed is None:
            if np.size(self.data) != 1:
                raise ValueError(
                    f"backward() on a non-scalar Tensor of shape {shape} needs an "
                    "explicit seed (the output cotangent)"
                )
            seed = 1.0 if isinstance(self.data, float) else np.ones_like(self.data)
        elif np.shape(seed) != shape:
            raise ValueError(f"seed has shape {np.shape(seed)}, output has shape {shape}")
        for node in topo:
            if node._prev:  # interior node: start from zero on every sweep
                node.grad = _zeros_like(node.data)
        self._accumulate(seed)
        for node in reversed(topo):
            node._backward()

    def zero_grad(self):
        """Reset the gradient of every node reachable from this one."""
        for node in _topological_order(self):
            node.grad = _zeros_like(node.data)

    # -- array-like properties -----------------------------------------------

    @property
    def shape(self):
        return np.shape(self.data)

    @property
    def ndim(self):
        return np.ndim(self.data)

    @property
    def size(self):
        return int(np.size(self.data))

    @property
    def dtype(self):
        return np.asarray(self.data).dtype

    def __len__(self):
        if isinstance(self.data, float):
            raise TypeError("len() of a scalar Tensor")
        return len(self.data)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        return f"Tensor(data={self.data!r}, grad={self.grad!r}, op={self._op!r})"

    # -- escaping the tape fails loudly ---------------------------------------

    def __float__(self):
        raise TypeError(
            "float(Tensor) would drop the tape (the gradient would be lost); "
            "use tensor.data to read the value"
        )

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "converting a Tensor to a NumPy array would drop the tape; use "
            "tensor.data to read the value or the functions in tnp to compute"
        )

    def __bool__(self):
        if np.size(self.data) != 1:
            raise ValueError("truth value of a Tensor with more than one element is ambiguous")
        return bool(np.asarray(self.data).reshape(()))

    # -- comparisons: on data, not differentiated ---------------------------------

    def _compare(self, other, op):
        result = op(self.data, _data(other))
        return bool(result) if np.ndim(result) == 0 else result

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    # -- arithmetic ---------------------------------------------------------------

    def __add__(self, other):
        other = _lift(other)
        return _make(self.data + other.data, (self, other), "+", lambda g: (g, g))

    def __radd__(self, other):
        return _lift(other) + self

    def __sub__(self, other):
        other = _lift(other)
        return _make(self.data - other.data, (self, other), "-", lambda g: (g, -g))

    def __rsub__(self, other):
        return _lift(other) - self

    def __mul__(self, other):
        other = _lift(other)
        a, b = self.data, other.data
        return _make(a * b, (self, other), "*", lambda g: (g * b, g * a))

    def __rmul__(self, other):
        return _lift(other) * self

    def __truediv__(self, other):
        other = _lift(other)
        a, b = self.data, other.data
        return _make(a / b, (self, other), "/", lambda g: (g / b, -g * a / (b * b)))

    def __rtruediv__(self, other):
        return _lift(other) / self

    def __pow__(self, other):
        return power(self, other)

    def __rpow__(self, other):
        return power(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return _make(-self.data, (self,), "neg", lambda g: (-g,))

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    # -- elementwise functions: value f(x), local derivative df(x, y) -----------

    def _elementwise(self, op, f, df):
        x = self.data
        y = f(x)
        return _make(y, (self,), op, lambda g: (g * df(x, y),))

    def exp(self):
        return self._elementwise("exp", np.exp, lambda x, y: y)

    def log(self):
        return self._elementwise("log", np.log, lambda x, y: 1.0 / x)

    def log1p(self):
        return self._elementwise("log1p", np.log1p, lambda x, y: 1.0 / (1.0 + x))

    def expm1(self):
        return self._elementwise("expm1", np.expm1, lambda x, y: np.exp(x))

    def sqrt(self):
        return self._elementwise("sqrt", np.sqrt, lambda x, y: 0.5 / y)

    def sin(self):
        return self._elementwise("sin", np.sin, lambda x, y: np.cos(x))

    def cos(self):
        return self._elementwise("cos", np.cos, lambda x, y: -np.sin(x))

    def tan(self):
        return self._elementwise("tan", np.tan, lambda x, y: 1.0 + y * y)

    def tanh(self):
        return self._elementwise("tanh", np.tanh, lambda x, y: 1.0 - y * y)

    def sinh(self):
        return self._elementwise("sinh", np.sinh, lambda x, y: np.cosh(x))

    def cosh(self):
        return self._elementwise("cosh", np.cosh, lambda x, y: np.sinh(x))

    def arcsin(self):
        return self._elementwise("arcsin", np.arcsin, lambda x, y: 1.0 / np.sqrt(1.0 - x * x))

    def arccos(self):
        return self._elementwise("arccos", np.arccos, lambda x, y: -1.0 / np.sqrt(1.0 - x * x))

    def arctan(self):
        return self._elementwise("arctan", np.arctan, lambda x, y: 1.0 / (1.0 + x * x))

    def sigmoid(self):
        return self._elementwise("sigmoid", _sigmoid_value, lambda x, y: y * (1.0 - y))

    def relu(self):
        return self._elementwise("relu", _relu_value, lambda x, y: (x > 0) * 1.0)

    def square(self):
        return self._elementwise("square", np.square, lambda x, y: 2.0 * x)

    def reciprocal(self):
        return self._elementwise("reciprocal", lambda x: 1.0 / x, lambda x, y: -y * y)

    def abs(self):
        return self._elementwise("abs", np.abs, lambda x, y: np.sign(x))

    def clip(self, lo=None, hi=None):
        return clip(self, lo, hi)

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    def dot(self, other):
        return dot(self, other)

    # -- reductions -------------------------------------------------------------

    def sum(self, axis=None, keepdims=False):
        axis = _axis_arg(axis)
        x = self.data
        y = np.sum(x, axis=axis, keepdims=keepdims)
        shape = np.shape(x)
        return _make(y, (self,), "sum", lambda g: (_expand_reduced(g, shape, axis, keepdims),))

    def mean(self, axis=None, keepdims=False):
        axis = _axis_arg(axis)
        x = self.data
        y = np.mean(x, axis=axis, keepdims=keepdims)
        shape = np.shape(x)
        count = np.size(x) // np.size(y) if np.size(y) else 1  # elements per output
        return _make(
            y, (self,), "mean", lambda g: (_expand_reduced(g, shape, axis, keepdims) / count,)
        )

    def prod(self, axis=None, keepdims=False):
        axis = _axis_arg(axis)
        x = self.data
        y = np.prod(x, axis=axis, keepdims=keepdims)
        shape = np.shape(x)
        others = _product_of_others(x, _reduced_axes(axis, len(shape)))
        return _make(
            y, (self,), "prod", lambda g: (_expand_reduced(g, shape, axis, keepdims) * others,)
        )

    def _extremum(self, reduce, op, axis, keepdims):
        axis = _axis_arg(axis)
        x = self.data
        y = reduce(x, axis=axis, keepdims=keepdims)
        shape = np.shape(x)

        def vjp(g):
            # ties: the k elements equal to the extremum share the gradient 1/k each
            hit = x == _expand_reduced(y, shape, axis, keepdims)
            count = np.sum(hit, axis=axis, keepdims=True)
            return (_expand_reduced(g, shape, axis, keepdims) * hit / count,)

        return _make(y, (self,), op, vjp)

    def max(self, axis=None, keepdims=False):
        return self._extremum(np.max, "max", axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return self._extremum(np.min, "min", axis, keepdims)

    # -- shape manipulation -----------------------------------------------------

    def reshape(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        old = np.shape(self.data)
        y = np.reshape(self.data, shape)
        return _make(y, (self,), "reshape", lambda g: (np.reshape(g, old),))

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], (int, np.integer))):
            axes = axes[0]
        if axes is None or axes == ():
            axes = tuple(reversed(range(np.ndim(self.data))))
        axes = tuple(axes)
        inverse = tuple(np.argsort(axes))
        y = np.transpose(self.data, axes)
        return _make(y, (self,), "transpose", lambda g: (np.transpose(g, inverse),))

    @property
    def T(self):
        return self.transpose()

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        x = self.data
        y = x[index]

        def vjp(g):
            gx = np.zeros(np.shape(x), dtype=np.asarray(x).dtype)
            np.add.at(gx, index, g)  # add.at: repeated indices accumulate
            return (gx,)

        return _make(y, (self,), "getitem", vjp)


# ---------------------------------------------------------------------------
# Module-level functions (also accept plain numbers / arrays)
# ---------------------------------------------------------------------------


def _any_tensor(*xs):
    return any(isinstance(x, Tensor) for x in xs)


def _elementwise_function(method, numpy_fn):
    def fn(x):
        return getattr(x, method)() if isinstance(x, Tensor) else numpy_fn(x)

    fn.__name__ = method
    fn.__doc__ = f"``{method}`` of a Tensor (recorded on the tape) or of a plain number/array."
    return fn


exp = _elementwise_function("exp", np.exp)
log = _elementwise_function("log", np.log)
log1p = _elementwise_function("log1p", np.log1p)
expm1 = _elementwise_function("expm1", np.expm1)
sqrt = _elementwise_function("sqrt", np.sqrt)
sin = _elementwise_function("sin", np.sin)
cos = _elementwise_function("cos", np.cos)
tan = _elementwise_function("tan", np.tan)
tanh = _elementwise_function("tanh", np.tanh)
sinh = _elementwise_function("sinh", np.sinh)
cosh = _elementwise_function("cosh", np.cosh)
arcsin = _elementwise_function("arcsin", np.arcsin)
arccos = _elementwise_function("arccos", np.arccos)
arctan = _elementwise_function("arctan", np.arctan)
sigmoid = _elementwise_function("sigmoid", _sigmoid_value)
relu = _elementwise_function("relu", _relu_value)
square = _elementwise_function("square", np.square)
reciprocal = _elementwise_function("reciprocal", lambda x: 1.0 / np.asarray(x, dtype=float))
absolute = _elementwise_function("abs", np.abs)


def negative(x):
    return -x


def _reduction_function(method, numpy_fn):
    def fn(x, axis=None, keepdims=False):
        if isinstance(x, Tensor):
            return getattr(x, method)(axis=axis, keepdims=keepdims)
        return numpy_fn(x, axis=_axis_arg(axis), keepdims=keepdims)

    fn.__name__ = method
    return fn


sum = _reduction_function("sum", np.sum)
mean = _reduction_function("mean", np.mean)
prod = _reduction_function("prod", np.prod)
max = _reduction_function("max", np.max)
min = _reduction_function("min", np.min)


def reshape(x, shape):
    return x.reshape(shape) if isinstance(x, Tensor) else np.reshape(x, shape)


def transpose(x, axes=None):
    return x.transpose(axes) if isinstance(x, Tensor) else np.transpose(x, axes)


def power(a, b):
    """``a ** b`` for any mix of Tensors and constants."""
    if not _any_tensor(a, b):
        return np.power(a, b)
    a_is_tensor, b_is_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
    a, b = _lift(a), _lift(b)
    x, p = a.data, b.data
    y = np.power(x, p)

    def vjp(g):
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if a_is_tensor:
                ga = g * np.where(p == 0, 0.0, p * np.power(x, p - 1.0))
            if b_is_tensor:
                gb = g * np.where(y == 0, 0.0, y * np.log(x))
        return ga, gb

    return _make(y, (a, b), "**", vjp)


def matmul(a, b):
    """``a @ b`` with NumPy's rules for 1-D operands and batch broadcasting."""
    if not _any_tensor(a, b):
        return np.matmul(a, b)
    a, b = _lift(a), _lift(b)
    x, w = a.data, b.data
    if np.ndim(x) == 0 or np.ndim(w) == 0:
        raise ValueError("matmul: scalar operands are not allowed (use *)")
    y = x @ w

    def vjp(g):
        # NumPy promotes a 1-D left operand (k,) to (1, k) and a 1-D right
        # operand (k,) to (k, 1), then drops those axes from the result.
        # Promote the same way and put the dropped axes back into g.
        x2 = x[np.newaxis, :] if x.ndim == 1 else x
        w2 = w[:, np.newaxis] if w.ndim == 1 else w
        g2 = np.asarray(g)
        if w.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        if x.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        gx = g2 @ np.swapaxes(w2, -1, -2)  # dL/dX = G W^T
        gw = np.swapaxes(x2, -1, -2) @ g2  # dL/dW = X^T G
        gx = _unbroadcast(gx, x2.shape).reshape(x.shape)  # sum over batch broadcasting
        gw = _unbroadcast(gw, w2.shape).reshape(w.shape)
        return gx, gw

    return _make(y, (a, b), "@", vjp)


def dot(a, b):
    """``np.dot`` for scalars, vectors and matrices (ndim <= 2)."""
    if not _any_tensor(a, b):
        return np.dot(a, b)
    if np.ndim(_data(a)) == 0 or np.ndim(_data(b)) == 0:
        return _lift(a) * _lift(b)
    if np.ndim(_data(a)) > 2 or np.ndim(_data(b)) > 2:
        raise NotImplementedError("tape dot: only operands with ndim <= 2 are supported")
    return matmul(a, b)


def maximum(a, b):
    """Elementwise maximum; on ties each operand gets half the gradient."""
    if not _any_tensor(a, b):
        return np.maximum(a, b)
    a, b = _lift(a), _lift(b)
    x, w = a.data, b.data

    def vjp(g):
        return g * ((x > w) + 0.5 * (x == w)), g * ((w > x) + 0.5 * (x == w))

    return _make(np.maximum(x, w), (a, b), "maximum", vjp)


def minimum(a, b):
    """Elementwise minimum; on ties each operand gets half the gradient."""
    if not _any_tensor(a, b):
        return np.minimum(a, b)
    a, b = _lift(a), _lift(b)
    x, w = a.data, b.data

    def vjp(g):
        return g * ((x < w) + 0.5 * (x == w)), g * ((w < x) + 0.5 * (x == w))

    return _make(np.minimum(x, w), (a, b), "minimum", vjp)


def where(cond, a, b):
    """``np.where``; the condition is not differentiated."""
    cond = np.asarray(_data(cond), dtype=bool)
    if not _any_tensor(a, b):
        return np.where(cond, a, b)
    a, b = _lift(a), _lift(b)

    def vjp(g):
        return np.where(cond, g, 0.0), np.where(cond, 0.0, g)

    return _make(np.where(cond, a.data, b.data), (a, b), "where", vjp)


def clip(x, lo=None, hi=None):
    """``np.clip`` as ``minimum(maximum(x, lo), hi)`` (ties share the gradient)."""
    if not _any_tensor(x, lo, hi):
        return np.clip(x, lo, hi)
    if lo is not None:
        x = maximum(x, lo)
    if hi is not None:
        x = minimum(x, hi)
    return x


def arctan2(y, x):
    """``atan2(y, x)``: d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)."""
    if not _any_tensor(y, x):
        return np.arctan2(y, x)
    y, x = _lift(y), _lift(x)
    u, v = y.data, x.data

    def vjp(g):
        r2 = u * u + v * v
        return g * v / r2, -g * u / r2

    return _make(np.arctan2(u, v), (y, x), "arctan2", vjp)


def hypot(a, b):
    """``sqrt(a^2 + b^2)``: d/da = a / hypot, d/db = b / hypot."""
    if not _any_tensor(a, b):
        return np.hypot(a, b)
    a, b = _lift(a), _lift(b)
    x, w = a.data, b.data
    h = np.hypot(x, w)
    return _make(h, (a, b), "hypot", lambda g: (g * x / h, g * w / h))


def stack(tensors, axis=0):
    """``np.stack`` of Tensors and/or constants."""
    tensors = list(tensors)
    if not _any_tensor(*tensors):
        return np.stack(tensors, axis=axis)
    parents = tuple(_lift(t) for t in tensors)
    y = np.stack([p.data for p in parents], axis=axis)

    def vjp(g):
        return tuple(np.take(g, i, axis=axis) for i in range(len(parents)))

    return _make(y, parents, "stack", vjp)


def concatenate(tensors, axis=0):
    """``np.concatenate`` of Tensors and/or constants (ndim >= 1)."""
    tensors = list(tensors)
    if not _any_tensor(*tensors):
        return np.concatenate(tensors, axis=axis)
    parents = tuple(_lift(t) for t in tensors)
    y = np.concatenate([p.data for p in parents], axis=axis)
    bounds = np.cumsum([np.shape(p.data)[axis] for p in parents])[:-1]

    def vjp(g):
        return tuple(np.split(g, bounds, axis=axis))

    return _make(y, parents, "concatenate", vjp)


# ---------------------------------------------------------------------------
# Convenience: gradient of a function, and a NumPy-like namespace
# ---------------------------------------------------------------------------


def tape_grad(f, *args, wrt=0):
    """Gradient of the scalar ``f(*args)`` w.r.t. the arguments in ``wrt``.

    Follows JAX's ``argnums`` convention: an int ``wrt`` returns one
    gradient, a tuple/list returns a tuple of gradients.  Each gradient is a
    ``float`` for a scalar argument and an ``ndarray`` for an array argument.
    """
    indices = (wrt,) if isinstance(wrt, int) else tuple(wrt)
    args = list(args)
    leaves = {}
    for i in indices:
        leaves[i] = Tensor(args[i])
        args[i] = leaves[i]
    out = f(*args)
    if isinstance(out, Tensor):
        out.backward()
    elif np.size(out) != 1:
        raise ValueError("tape_grad: f must return a scalar")
    grads = tuple(leaves[i].grad for i in indices)
    return grads[0] if isinstance(wrt, int) else grads


class _Namespace:
    """A stand-in for the ``numpy`` module: same function names, but the
    functions record on the tape when given Tensors.  Names that are not
    provided raise AttributeError rather than silently falling back to
    NumPy (which would lose the gradient)."""

    def __init__(self, name, members):
        self._name = name
        self.__dict__.update(members)

    def __getattr__(self, attr):
        name = self.__dict__.get("_name", "namespace")
        raise AttributeError(f"{name} has no {attr!r} (not supported by this oracle)")

    def __repr__(self):
        return f"<{self._name}: numpy-like namespace>"


_CONSTANTS = {
    "pi": math.pi,
    "e": math.e,
    "inf": math.inf,
    "nan": math.nan,
    "newaxis": None,
    "float64": np.float64,
    "float32": np.float32,
    "array": np.array,
    "asarray": np.asarray,
    "zeros": np.zeros,
    "ones": np.ones,
    "arange": np.arange,
    "linspace": np.linspace,
}

tnp = _Namespace(
    "tnp",
    {
        **_CONSTANTS,
        "exp": exp,
        "log": log,
        "log1p": log1p,
        "expm1": expm1,
        "sqrt": sqrt,
        "sin": sin,
        "cos": cos,
        "tan": tan,
        "tanh": tanh,
        "sinh": sinh,
        "cosh": cosh,
        "arcsin": arcsin,
        "arccos": arccos,
        "arctan": arctan,
        "sigmoid": sigmoid,
        "relu": relu,
        "square": square,
        "reciprocal": reciprocal,
        "abs": absolute,
        "absolute": absolute,
        "negative": negative,
        "sum": sum,
        "mean": mean,
        "prod": prod,
        "max": max,
        "min": min,
        "amax": max,
        "amin": min,
        "reshape": reshape,
        "transpose": transpose,
        "dot": dot,
        "matmul": matmul,
        "maximum": maximum,
        "minimum": minimum,
        "where": where,
        "clip": clip,
        "arctan2": arctan2,
        "hypot": hypot,
        "power": power,
        "stack": stack,
        "concatenate": concatenate,
        "add": lambda a, b: _lift(a) + b if _any_tensor(a, b) else np.add(a, b),
        "subtract": lambda a, b: _lift(a) - b if _any_tensor(a, b) else np.subtract(a, b),
        "multiply": lambda a, b: _lift(a) * b if _any_tensor(a, b) else np.multiply(a, b),
        "divide": lambda a, b: _lift(a) / b if _any_tensor(a, b) else np.divide(a, b),
        "Tensor": Tensor,
    },
)
