"""A random program generator for property tests of s2s_ad.

It writes small NumPy programs as *source text*, e.g.::

    def prog(x, y):
        v0 = np.sin(x) * y
        v1 = v0 / (1.5 + v0 ** 2)
        v2 = np.sum(v1 * x, axis=0, keepdims=True)
        a, b = v2, v0
        b += 0.5 * a
        return np.sum(b) + 1.5 * np.mean(v1)

The text only ever refers to NumPy as ``np``, so the *same* text runs with
``np`` bound to numpy (s2s_ad, finite differences), to ``tnp`` (the tape
oracle) and to ``dnp`` (dual numbers).

How it works
------------
* **Abstract values.** Every value is tracked as a :class:`Val`: its shape
  (every shape with ``ndim <= 2`` and dimensions in {1, 2, 3}: a set closed
  under broadcasting, ``@``, ``.T``, reshapes and indexing, so whatever the
  generator combines stays in it), whether it is a mutable ``ndarray`` (0-d
  included) or an immutable scalar (Python float or int, ``np.float64``),
  which buffer an array lives in (views and plain copies share one), whether
  it depends on an input, and whether it may hold integers. Expressions are
  built bottom-up from variables and constants, so every program is valid
  by construction.
* **No aliasing surprises.** NumPy's ``v += e`` updates ``v`` in place; the
  tape and dual engines rebind ``v``. They agree only when no other variable
  sees ``v``'s buffer, so augmented assignment is generated on scalars, and
  on float arrays whose buffer no other variable and no parameter shares
  (with ``e`` broadcasting into ``v``'s shape).
* **Safe domains.** ``log``, ``sqrt``, ``reciprocal``, fractional powers and
  denominators get *positive-ensured* operands (``1.0 + v * v``,
  ``1.5 + np.sin(v)``, ...); ``exp`` gets bounded ones
  (``np.exp(np.tanh(v))``); ``arcsin`` gets ``0.9 * np.tanh(v)``.
* **Kinks.** ``abs``, ``np.maximum``/``np.minimum``, ``np.clip``,
  ``np.where`` and the ``max``/``min`` reductions are non-smooth where an
  argument (a difference, a condition, a gap between the two largest
  elements) is zero. The generated text carries *hidden segments*
  (:func:`hidden`) that :attr:`Program.source` drops and
  :attr:`Program.instrumented` keeps; they pass those arguments through
  ``_k``-style probes and every assigned value through ``_v``, so
  :func:`margins` can measure, for concrete inputs, how close each kink came
  to its switch point and how large the intermediates got. A test rejects
  inputs where finite differences would be invalid.
* **Registry-aware.** Each operation names the rule keys it needs; only
  operations whose rules are registered in ``s2s_ad.rules.REGISTRY`` (with a
  VJP) and whose ``np.<name>`` the oracles ``tnp``/``dnp`` provide are
  generated (:data:`AVAILABLE_OPS`). :data:`ALL_OPS` lists every operation
  the generator knows.
* **Choices** come from a :class:`Chooser`: :class:`RandomChooser` (a seeded
  ``random.Random``; ``python tests/programs.py 7`` prints program 7) or
  :class:`HypothesisChooser` (``data.draw``, so hypothesis shrinks a failing
  program). Simpler options come first in every list, the direction
  hypothesis shrinks towards.
* **A grammar for later.** :meth:`Generator.gen_block` draws statements from
  :data:`STATEMENT_KINDS`; today every kind is straight-line code. Control
  flow (``if``/``for``/``while``, ``break``/``continue``, early ``return``,
  calls between generated functions) slots in as more kinds whose bodies
  come from ``gen_block(scope.copy(), depth + 1)`` and whose results join
  the branches' scopes (:meth:`Scope.copy` exists for that).
"""

from __future__ import annotations

import builtins
import dataclasses
import itertools
import math
import operator
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from s2s_ad.reference import dnp, tnp

try:
    from s2s_ad.rules import REGISTRY
except ImportError:  # pragma: no cover - the registry is always importable today
    REGISTRY = {}

# ---------------------------------------------------------------- choices


class Chooser:
    """The source of every random decision the generator makes."""

    def integer(self, lo: int, hi: int) -> int:  # inclusive bounds
        raise NotImplementedError

    def choice(self, seq: Sequence):
        return seq[self.integer(0, len(seq) - 1)]

    def boolean(self, p: float = 0.5) -> bool:
        """True with probability about ``p`` (False is the simpler answer)."""
        return self.integer(0, 99) < round(100 * p)

    def weighted(self, options: Sequence[tuple[object, int]]):
        """One of ``options`` (``(value, weight)`` pairs), earlier ones simpler."""
        total = sum(w for _, w in options)
        r = self.integer(0, total - 1)
        for value, w in options:
            if r < w:
                return value
            r -= w
        raise AssertionError("unreachable")


class RandomChooser(Chooser):
    def __init__(self, seed=None):
        self.rng = random.Random(seed)

    def integer(self, lo, hi):
        return self.rng.randint(lo, hi)


class HypothesisChooser(Chooser):
    """Draws through hypothesis, so failing programs shrink."""

    def __init__(self, draw):
        from hypothesis import strategies as st
        self._draw = draw
        self._st = st

    def integer(self, lo, hi):
        return self._draw(self._st.integers(lo, hi))


# ---------------------------------------------------------------- operations


@dataclass(frozen=True)
class Op:
    """An operation the generator can emit: the rule keys s2s_ad needs for it
    and the ``np.<name>`` functions both oracles must provide."""

    name: str
    keys: tuple = ()
    np_names: tuple = ()

    def missing(self) -> list[str]:
        """What keeps this op from being generated (empty when available)."""
        out = []
        for key in self.keys:
            rule = REGISTRY.get(key)
            if rule is None or (rule.vjp is None and not rule.nondiff):
                out.append(f"rule for {_key_label(key)}")
        for n in self.np_names:
            for ns in (tnp, dnp):
                if not hasattr(ns, n):
                    out.append(f"{ns!r}.{n}")
        return out


def _key_label(key) -> str:
    if isinstance(key, np.ufunc):
        return f"numpy.{key.__name__}"
    if isinstance(key, tuple):
        return {"method": "x.{}()", "attr": "x.{}"}.get(key[0], "{}").format(key[-1])
    mod = getattr(key, "__module__", None) or ""
    mod = "numpy" if mod.startswith("numpy") else mod
    return f"{mod}.{getattr(key, '__name__', repr(key))}".lstrip(".")


def _op(name, *keys, np_names=()):
    return Op(name, tuple(keys), tuple(np_names))


def _fn(name, *extra_keys, np_name=None):
    """An op spelled ``np.<name>(...)``."""
    np_name = np_name or name
    return _op(name, getattr(np, np_name), *extra_keys, np_names=(np_name,))


def _method(name):
    return _op(f".{name}", ("method", name))


ALL_OPS: dict[str, Op] = {o.name: o for o in [
    # Python operators and builtins
    _op("add", operator.add), _op("sub", operator.sub), _op("mul", operator.mul),
    _op("div", operator.truediv), _op("pow", operator.pow), _op("neg", operator.neg),
    _op("pos", operator.pos), _op("abs", builtins.abs), _op("matmul", operator.matmul),
    _op("T", ("attr", "T")), _op("getitem", ("getitem",)),
    # the NumPy functions of the brief
    _fn("exp"), _fn("log"), _fn("sqrt"), _fn("sin"), _fn("cos"), _fn("tanh"),
    _fn("maximum"), _fn("minimum"), _fn("where", operator.gt), _fn("sum"), _fn("mean"),
    # more NumPy functions the oracles provide
    _fn("np.abs", np_name="abs"), _fn("square"), _fn("negative"), _fn("arctan"),
    _fn("arcsin"), _fn("sinh"), _fn("cosh"), _fn("tan"), _fn("log1p"), _fn("expm1"),
    _fn("reciprocal"), _fn("power"), _fn("np.add", np_name="add"),
    _fn("np.subtract", np_name="subtract"), _fn("np.multiply", np_name="multiply"),
    _fn("np.divide", np_name="divide"), _fn("arctan2"), _fn("hypot"), _fn("clip"),
    _fn("prod"), _fn("max"), _fn("min"), _fn("dot"), _fn("transpose"), _fn("reshape"),
    _fn("np.matmul", np_name="matmul"),
    # array methods
    _method("sum"), _method("mean"), _method("prod"), _method("max"), _method("min"),
    _method("reshape"), _method("transpose"), _method("clip"), _method("dot"),
]}


def available_ops() -> dict[str, Op]:
    return {name: op for name, op in ALL_OPS.items() if not op.missing()}


#: The ops whose rules (and oracle functions) exist right now.
AVAILABLE_OPS = available_ops()


# ---------------------------------------------------------------- hidden segments

# Text between these private-use code points is *hidden*: dropped from the
# program s2s_ad sees, kept in the instrumented program that measures kinks.
H_OPEN, H_CLOSE = "\ue000", "\ue001"
_HIDDEN = re.compile(f"{H_OPEN}[^{H_CLOSE}]*{H_CLOSE}")


def hidden(text: str) -> str:
    return f"{H_OPEN}{text}{H_CLOSE}"


def probe(fn: str, text: str, extra: str = "") -> str:
    """``text`` that the instrumented program passes through ``fn``."""
    return hidden(f"{fn}(") + text + hidden(f"{extra})")


def kink(text: str) -> str:
    """Non-smooth where ``text`` is 0 (abs, where)."""
    return probe("_k", text)


def record(text: str) -> str:
    """A value whose magnitude is checked."""
    return probe("_v", text)


def plain(text: str) -> str:
    """The program as s2s_ad sees it: hidden segments dropped."""
    return _HIDDEN.sub("", text)


def instrumented(text: str) -> str:
    """The program with its probes: hidden segments kept."""
    return text.replace(H_OPEN, "").replace(H_CLOSE, "")


# ---------------------------------------------------------------- values

#: Shapes the inputs are drawn from (the matrix ``W`` is (3, 3)).
INPUT_SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3)]
MATRIX_SHAPE = (3, 3)
#: Every shape a value can have.
SHAPES = [()] + [(n,) for n in (1, 2, 3)] + [(m, n) for m in (1, 2, 3) for n in (1, 2, 3)]
#: How a scalar input is passed: most as a float; ints, np.float64 and 0-d
#: arrays are differentiable too.
SCALAR_KINDS = [("float", 7), ("int", 1), ("float64", 1), ("array0", 1)]
CONSTANTS = ["0.5", "1.5", "2.0", "-0.75", "0.25", "3.0", "2", "-1.25"]

_buffers = itertools.count()
_idents = itertools.count()


@dataclass(frozen=True)
class Val:
    """What the generator knows about a value."""

    shape: tuple
    array: bool              # a mutable ndarray (0-d too); False for immutable scalars
    buf: int | None = None   # the buffer an array lives in (views share it)
    active: bool = True      # depends on an input
    integral: bool = False   # may hold integers (int constants, int inputs)
    ident: int | None = None  # the object: names bound to the same value share it

    @property
    def ndim(self):
        return len(self.shape)


def fresh(shape, *, array=None, active=True, integral=False) -> Val:
    """The result of a computation: a new array for ndim >= 1 (ufuncs, full
    reductions and 1-D @ 1-D give scalars, not 0-d arrays)."""
    array = len(shape) > 0 if array is None else array
    return Val(tuple(shape), array, next(_buffers) if array else None, active, integral,
               next(_idents))


def view(of: Val, shape) -> Val:
    """A view (slice, transpose, reshape) of ``of``: same buffer."""
    return Val(tuple(shape), True, of.buf if of.array else next(_buffers), of.active,
               of.integral, next(_idents))


def result(shape, *operands: Expr, integral=None, array=None) -> Val:
    """A fresh value computed from ``operands``."""
    if integral is None:
        integral = all(o.val.integral for o in operands)
    return fresh(shape, array=array, active=any(o.val.active for o in operands),
                 integral=integral)


@dataclass(frozen=True)
class Expr:
    text: str
    val: Val
    atom: bool = False   # a name, a constant, a call or a subscript: no parentheses needed

    @property
    def shape(self):
        return self.val.shape

    def operand(self) -> str:
        return self.text if self.atom else f"({self.text})"


def constant(text: str) -> Expr:
    return Expr(text, Val((), False, None, active=False, integral="." not in text),
                atom=not text.startswith("-"))


def broadcast(*shapes):
    """The broadcast shape, or ``None`` if the shapes do not broadcast."""
    shapes = [s for s in shapes if s is not None]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def matmul_shape(a, b):
    if len(a) == 0 or len(b) == 0:
        return None
    if len(a) == 1 and len(b) == 1:
        return () if a == b else None
    if len(a) == 1:
        return b[1:] if a[0] == b[0] else None
    if len(b) == 1:
        return a[:-1] if a[-1] == b[0] else None
    return (a[0], b[1]) if a[1] == b[0] else None


def reduced_shape(shape, axis, keepdims):
    nd = len(shape)
    axes = set(range(nd)) if axis is None else {
        a % nd for a in (axis if isinstance(axis, tuple) else (axis,))}
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


# ---------------------------------------------------------------- scopes


@dataclass
class Scope:
    """The variables visible at a program point (name → :class:`Val`), in the
    order they were last assigned."""

    vars: dict[str, Val] = field(default_factory=dict)
    param_bufs: set[int] = field(default_factory=set)

    def assign(self, name: str, val: Val) -> None:
        if val.ident is None:  # a constant gets an identity when it is named
            val = dataclasses.replace(val, ident=next(_idents))
        self.vars.pop(name, None)
        self.vars[name] = val

    def copy(self) -> Scope:
        return Scope(dict(self.vars), set(self.param_bufs))

    def names(self, pred=lambda v: True) -> list[str]:
        return sorted(n for n, v in self.vars.items() if pred(v))

    def can_update_in_place(self, name) -> bool:
        """Whether ``name op= e`` may be generated: the same in NumPy, the
        oracles and s2s_ad."""
        v = self.vars[name]
        others = [w for n, w in self.vars.items() if n != name]
        if v.ident is not None and any(w.ident == v.ident for w in others):
            # s2s_ad refuses `a += e` when another name is bound to a's
            # object, as it cannot tell an array (updated in place, seen by
            # both names) from a number (rebound).
            return False
        if not v.array:
            return True  # immutable: `v += e` rebinds, the same in every engine
        # In place on an array: nothing else may see the buffer (a view,
        # a parameter: the caller's array). An inactive array is a plain
        # ndarray in the oracles, where `ndarray += Tensor` is an error.
        shared = any(w.buf == v.buf for w in others)
        return v.active and not (shared or v.integral or v.buf in self.param_bufs)


# ---------------------------------------------------------------- programs


@dataclass
class Program:
    """A generated program. ``source`` returns a scalar (for ``grad``);
    ``vjp_source`` is the same body returning an array (for ``vjp``)."""

    name: str
    params: list[str]
    shapes: list[tuple]
    kinds: list[str]    # "array", or how a scalar is passed: float, int, float64, array0
    text: str           # with hidden segments
    vjp_text: str

    @property
    def source(self) -> str:
        return plain(self.text)

    @property
    def vjp_source(self) -> str:
        return plain(self.vjp_text)

    @property
    def instrumented(self) -> str:
        return instrumented(self.text)

    @property
    def nargs(self) -> int:
        return len(self.params)

    def random_inputs(self, rng: np.random.Generator, lo=-2.0, hi=2.0) -> list:
        out = []
        for shape, kind in zip(self.shapes, self.kinds, strict=True):
            if kind == "array":
                out.append(rng.uniform(lo, hi, size=shape))
            elif kind == "int":
                out.append(int(rng.choice([-2, -1, 1, 2])))
            else:
                x = float(rng.uniform(lo, hi))
                out.append({"float": x, "float64": np.float64(x),
                            "array0": np.array(x)}[kind])
        return out

    def __str__(self):
        return self.source

    def __repr__(self):
        return f"Program(source={self.source!r}, kinds={self.kinds!r})"

    def _repr_pretty_(self, p, cycle):  # how hypothesis shows a falsifying example
        p.text(f'Program(kinds={self.kinds!r}, source="""\n{self.source}""")')


@dataclass
class Margins:
    kink: float = math.inf   # smallest distance of a kink argument from its switch point
    value: float = 0.0       # largest magnitude of an intermediate value
    finite: bool = True


def margins(program: Program, args) -> Margins:
    """Run the instrumented program on ``args`` (with NumPy): how close each
    kink came to its switch point and how large the intermediates got."""
    m = Margins()

    def k(e):
        a = np.abs(np.asarray(e, dtype=float))
        if a.size:
            m.kink = min(m.kink, float(a.min()))
        return e

    def k2(a, b):  # np.maximum(a, b), np.minimum(a, b)
        k(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))
        return a, b

    def kclip(a, lo, hi):
        k(np.asarray(a, dtype=float) - lo)
        k(np.asarray(a, dtype=float) - hi)
        return a

    def kext(a, axis=None):  # max/min reductions: the gap between the two extreme values
        x = np.asarray(a, dtype=float)
        if axis is None or (isinstance(axis, tuple) and len(axis) == x.ndim):
            x = x.reshape(1, -1)
            axis = 1
        if isinstance(axis, tuple):
            axis = axis[0]
        x = np.sort(np.moveaxis(x, axis, -1), axis=-1)
        if x.shape[-1] >= 2:
            k(np.minimum(x[..., -1] - x[..., -2], x[..., 1] - x[..., 0]))
        return a

    def v(e):
        a = np.asarray(e, dtype=float)
        if not np.all(np.isfinite(a)):
            m.finite = False
        elif a.size:
            m.value = max(m.value, float(np.abs(a).max()))
        return e

    g = {"np": np, "_k": k, "_k2": k2, "_kclip": kclip, "_kext": kext, "_v": v}
    exec(compile(program.instrumented, f"<instrumented {program.name}>", "exec"), g)
    # Overflow anywhere (np.cosh(50 * v) = inf inside a finite 1 / np.cosh(...))
    # would turn derivatives into inf * 0 = nan.
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            g[program.name](*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    except (FloatingPointError, OverflowError, ZeroDivisionError):
        m.finite = False
    return m


# ---------------------------------------------------------------- the generator


#: Variable names s2s_ad's generated code uses for its own purposes (adjoints,
#: temporaries, runtime helpers, the residuals of vjp, the seed): a user may
#: use them too. (Not ``np``/``abs``, which the programs call, nor ``_k*``/
#: ``_v``, the probes of the instrumented program.)
TRICKY_NAMES = ["t{n}", "_t{n}", "b{n}", "bv{n}", "v{n}_1", "bx", "by", "out", "bout",
                "residuals", "g", "ans", "unbroadcast", "zeros_like", "getitem_vjp",
                "require_scalar", "keepdims_shape_vjp", "add_grads", "np_1", "x_1",
                "grad_prog", "prog_fwd", "prog_bwd", "prog", "i", "seq"]
TRICKY_PARAMS = ["bx", "g", "residuals", "out", "t0", "ans", "by", "x_1"]

#: Straight-line statement kinds, ``(method name, weight)``.
STATEMENT_KINDS = [
    ("stmt_assign", 10),
    ("stmt_reassign", 3),
    ("stmt_augassign", 3),
    ("stmt_tuple", 2),
    ("stmt_chain", 1),
    ("stmt_const", 1),
]

#: Elementwise unary forms: (template, ops needed). ``{a}`` is the operand's
#: text, ``{t}`` the operand parenthesised if needed, ``{k}`` the operand as
#: a kink argument, ``{p}`` a positive-ensured expression built from it.
UNARY_FORMS = [
    ("-{t}", ("neg",)),
    ("abs({k})", ("abs",)),
    ("np.sin({a})", ("sin",)),
    ("np.cos({a})", ("cos",)),
    ("np.tanh({a})", ("tanh",)),
    ("np.exp(np.tanh({a}))", ("exp", "tanh")),
    ("np.exp(np.sin({a}))", ("exp", "sin")),
    ("np.exp(-{t} * {t})", ("exp", "neg", "mul")),
    ("np.exp(0.25 * {t})", ("exp", "mul")),
    ("np.log({p})", ("log",)),
    ("np.sqrt({p})", ("sqrt",)),
    ("+{t}", ("pos",)),
    ("np.abs({k})", ("np.abs",)),
    ("np.square({a})", ("square",)),
    ("np.negative({a})", ("negative",)),
    ("np.arctan({a})", ("arctan",)),
    ("np.arcsin(0.9 * np.tanh({a}))", ("arcsin", "tanh", "mul")),
    ("np.sinh({a})", ("sinh",)),
    ("np.cosh({a})", ("cosh",)),
    ("np.tan(0.5 * np.sin({a}))", ("tan", "sin", "mul")),
    ("np.log1p({p})", ("log1p",)),
    ("np.expm1(np.tanh({a}))", ("expm1", "tanh")),
    ("np.reciprocal({p})", ("reciprocal",)),
    ("np.power({p}, 1.5)", ("power",)),
    ("np.power({a}, 2)", ("power",)),
]

#: Positive-ensured forms (>= 0.3 everywhere), same placeholders.
POSITIVE_FORMS = [
    ("1.0 + {t} * {t}", ("add", "mul")),
    ("0.5 + {t} ** 2", ("add", "pow")),
    ("1.5 + np.sin({a})", ("add", "sin")),
    ("2.0 - np.cos({a})", ("sub", "cos")),
    ("np.exp(np.tanh({a}))", ("exp", "tanh")),
    ("1.0 + abs({k})", ("add", "abs")),
    ("np.sqrt(1.0 + {t} * {t})", ("sqrt", "add", "mul")),
    ("np.cosh({a})", ("cosh",)),
    ("1.0 + np.square({a})", ("add", "square")),
]

#: Binary elementwise ops: (name, template). ``{b}`` may be replaced by a
#: positive-ensured expression (division).
BINARY_FORMS = [
    ("add", "{a} + {b}"), ("sub", "{a} - {b}"), ("mul", "{a} * {b}"),
    ("div", "{a} / {p}"), ("pow", None),
    ("np.add", "np.add({x}, {y})"), ("np.subtract", "np.subtract({x}, {y})"),
    ("np.multiply", "np.multiply({x}, {y})"), ("np.divide", "np.divide({x}, {q})"),
    ("arctan2", "np.arctan2({x}, {q})"), ("hypot", "np.hypot({x}, {q})"),
]


class Generator:
    """Builds one random program from ``ops`` (default :data:`AVAILABLE_OPS`)."""

    def __init__(self, chooser: Chooser, ops: dict[str, Op] | None = None,
                 max_stmts: int = 10, max_depth: int = 2):
        self.c = chooser
        self.ops = AVAILABLE_OPS if ops is None else ops
        self.max_stmts = max_stmts
        self.max_depth = max_depth
        self._names = itertools.count()
        self._taken: set[str] = set()

    def has(self, *names) -> bool:
        return all(n in self.ops for n in names)

    def usable(self, forms):
        return [f for f in forms if self.has(*f[1])]

    # ------------------------------------------------------------ program

    def program(self, name: str = "prog") -> Program:
        c = self.c
        nargs = c.integer(1, 3)
        params = [self.c.choice(TRICKY_PARAMS) if self.c.boolean(0.1) else p
                  for p in ["x", "y", "z"][:nargs]]
        params = [p if params.count(p) == 1 else q for p, q in zip(params, "xyz", strict=False)]
        shapes = [c.choice(INPUT_SHAPES) for _ in range(nargs)]
        if self.has("matmul") and c.boolean(0.3):
            params.append("W")
            shapes.append(MATRIX_SHAPE)
        kinds = [c.weighted(SCALAR_KINDS) if s == () else "array" for s in shapes]
        self._taken.update(params)
        scope = Scope()
        for p, s, kind in zip(params, shapes, kinds, strict=True):
            v = fresh(s, array=kind in ("array", "array0"), integral=kind == "int")
            scope.assign(p, v)
            if v.buf is not None:
                scope.param_bufs.add(v.buf)
        body, scope = self.gen_block(scope, depth=0)
        head = f"def {name}({', '.join(params)}):\n"
        body = "".join(f"    {line}\n" for line in body)
        text = head + body + f"    return {record(self.return_scalar(scope))}\n"
        vjp_text = head + body + f"    return {self.return_array(scope)}\n"
        return Program(name, params, shapes, kinds, text, vjp_text)

    def gen_block(self, scope: Scope, depth: int) -> tuple[list[str], Scope]:
        """Statements (source lines, unindented) and the scope after them.
        Control-flow kinds would recurse with ``depth + 1`` and join their
        branches' scopes; straight-line kinds extend ``scope``."""
        lines: list[str] = []
        for _ in range(self.c.integer(1, self.max_stmts)):
            kind = self.c.weighted(STATEMENT_KINDS)
            lines.extend(getattr(self, kind)(scope, depth))
        return lines, scope

    def new_name(self, prefix="v") -> str:
        """A fresh variable name; sometimes one that s2s_ad's generated code
        might use itself (hygiene: it must rename its own, not the user's)."""
        n = next(self._names)
        name = f"{prefix}{n}"
        if self.c.boolean(0.15):
            tricky = self.c.choice(TRICKY_NAMES).format(n=n)
            name = name if tricky in self._taken else tricky
        self._taken.add(name)
        return name

    # ------------------------------------------------------------ statements

    def stmt_assign(self, scope, depth):
        e = self.expr(scope, self.max_depth)
        name = self.new_name()
        scope.assign(name, e.val)
        return [f"{name} = {record(e.text)}"]

    def stmt_reassign(self, scope, depth):
        """Rebind an existing name (parameters too), often from itself."""
        name = self.c.choice(scope.names())
        e = self.expr(scope, self.max_depth, prefer=name)
        scope.assign(name, e.val)
        return [f"{name} = {record(e.text)}"]

    def stmt_augassign(self, scope, depth):
        candidates = [n for n in scope.names() if scope.can_update_in_place(n)]
        ops = [(sym, op) for sym, op in [("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "div")]
               if self.has(op)]
        if not candidates or not ops:
            return self.stmt_assign(scope, depth)
        name = self.c.choice(candidates)
        target = scope.vars[name]
        sym, _ = self.c.choice(ops)
        compat = target.shape if target.array else None
        if sym == "/":
            e = self.positive(scope, 1, compat)
        else:
            e = self.expr(scope, 1, compat)
        if target.array:
            if broadcast(target.shape, e.shape) != target.shape:
                return self.stmt_assign(scope, depth)
            new = target  # updated in place: same buffer, same shape
        else:
            t = Expr(name, target, True)
            new = result(broadcast(target.shape, e.shape), t, e,
                         integral=target.integral and e.val.integral and sym != "/")
        scope.assign(name, new)
        return [f"{name} {sym}= {record(e.text)}"]

    def stmt_tuple(self, scope, depth):
        """``a, b = e1, e2``, or a swap ``a, b = b, a``."""
        if len(scope.vars) >= 2 and self.c.boolean(0.3):
            a, b = self.distinct_names(scope, 2)
            va, vb = scope.vars[a], scope.vars[b]
            scope.assign(a, vb)
            scope.assign(b, va)
            return [f"{a}, {b} = {b}, {a}"]
        e1 = self.expr(scope, 1)
        e2 = self.expr(scope, 1)
        targets = []
        for _ in range(2):
            if self.c.boolean(0.25):
                targets.append(self.c.choice(scope.names()))
            else:
                targets.append(self.new_name())
        if targets[0] == targets[1]:
            targets[1] = self.new_name()
        scope.assign(targets[0], e1.val)
        scope.assign(targets[1], e2.val)
        return [f"{targets[0]}, {targets[1]} = {record(e1.text)}, {record(e2.text)}"]

    def stmt_chain(self, scope, depth):
        """``a = b = e``: two names for one value."""
        e = self.expr(scope, self.max_depth)
        a, b = self.new_name(), self.new_name()
        scope.assign(a, e.val)
        scope.assign(b, e.val)
        return [f"{a} = {b} = {record(e.text)}"]

    def stmt_const(self, scope, depth):
        """An inactive variable: a constant or arithmetic on constants."""
        name = self.new_name("c")
        a = constant(self.c.choice(CONSTANTS))
        if self.c.boolean(0.5):
            e = a
        else:
            b = constant(self.c.choice(CONSTANTS))
            e = Expr(f"{a.text} {self.c.choice(['+', '*', '-'])} {b.text}",
                     result((), a, b))
        scope.assign(name, e.val)
        return [f"{name} = {e.text}"]

    def distinct_names(self, scope, k):
        names = scope.names()
        out: list[str] = []
        while len(out) < k:
            n = self.c.choice(names)
            if n not in out:
                out.append(n)
        return out

    # ------------------------------------------------------------ returns

    def return_scalar(self, scope) -> str:
        """Reductions of 1-3 variables, the last assigned active one first."""
        names = list(scope.vars)  # most recently assigned last
        active = [n for n in names if scope.vars[n].active] or names
        terms = []
        for i in range(self.c.integer(1, min(3, len(names)))):
            n = active[-1] if i == 0 else self.c.choice(names)
            t = self.reduce_all(n, scope.vars[n])
            if i > 0:
                coef = self.c.choice(["", "0.5 * ", "1.5 * "]) if self.has("mul") else ""
                sym = "-" if self.has("sub") and self.c.boolean(0.3) else "+"
                t = f" {sym} {coef}{t}"
            terms.append(t)
        return "".join(terms)

    def reduce_all(self, name, val) -> str:
        if val.ndim == 0:
            return name
        options = [f for f in ("sum", "mean") if self.has(f)]
        if options:
            return f"np.{self.c.choice(options)}({name})"
        # Without a rule for np.sum: add up every element by indexing.
        idx = itertools.product(*[range(d) for d in val.shape])
        return " + ".join(f"{name}[{', '.join(map(str, i))}]" for i in idx)

    def return_array(self, scope) -> str:
        """The vjp variant returns the last assigned active variable."""
        names = list(scope.vars)
        return ([n for n in names if scope.vars[n].active] or names)[-1]

    # ------------------------------------------------------------ expressions

    def expr(self, scope, depth, compat=None, prefer=None) -> Expr:
        """An expression whose shape broadcasts with ``compat`` (if given)."""
        if depth <= 0 or self.c.boolean(0.2):
            return self.leaf(scope, compat, prefer)
        makers = [(self.e_binary, 8), (self.e_unary, 6), (self.e_index, 2),
                  (self.e_reduce, 2), (self.e_matmul, 2), (self.e_where, 1),
                  (self.e_extremum, 1), (self.e_transpose, 1), (self.e_reshape, 1),
                  (self.e_clip, 1)]
        for _ in range(4):
            e = self.c.weighted(makers)(scope, depth, compat, prefer)
            if e is not None and broadcast(e.shape, compat) is not None:
                return e
        return self.leaf(scope, compat, prefer)

    def leaf(self, scope, compat=None, prefer=None) -> Expr:
        names = scope.names(lambda v: broadcast(v.shape, compat) is not None)
        if prefer in names and self.c.boolean(0.6):
            return Expr(prefer, scope.vars[prefer], atom=True)
        if names and not self.c.boolean(0.1):
            n = self.c.choice(names)
            return Expr(n, scope.vars[n], atom=True)
        return constant(self.c.choice(CONSTANTS))

    def pick_var(self, scope, prefer, pred) -> Expr | None:
        names = scope.names(pred)
        if not names:
            return None
        n = prefer if prefer in names and self.c.boolean(0.5) else self.c.choice(names)
        return Expr(n, scope.vars[n], atom=True)

    def e_binary(self, scope, depth, compat, prefer):
        forms = [(n, t) for n, t in BINARY_FORMS if self.has(n)]
        if not forms:
            return None
        op, template = self.c.choice(forms)
        a = self.expr(scope, depth - 1, compat, prefer)
        both = broadcast(a.shape, compat)
        if op == "pow":
            return self.power(scope, depth, a, both, prefer)
        if "{p}" in template or "{q}" in template:
            b = self.positive(scope, depth - 1, both, prefer)
        else:
            b = self.expr(scope, depth - 1, both, prefer)
            if self.c.boolean(0.5):
                a, b = b, a
        text = template.format(a=a.operand(), b=b.operand(), p=b.operand(), x=a.text,
                               y=b.text, q=b.text)
        integral = a.val.integral and b.val.integral and op in (
            "add", "sub", "mul", "np.add", "np.subtract", "np.multiply")
        return Expr(text, result(broadcast(a.shape, b.shape), a, b, integral=integral),
                    atom=template.startswith("np."))

    def power(self, scope, depth, a, compat, prefer):
        kind = self.c.weighted([("int", 4), ("float", 3), ("var", 1)])
        if kind == "int":
            e = constant(self.c.choice(["2", "3", "1"]))
            return Expr(f"{a.operand()} ** {e.text}", result(a.shape, a))
        base = self.positive(scope, depth - 1, compat, prefer, given=a)
        if kind == "float":
            e = constant(self.c.choice(["1.5", "0.5", "2.5", "-0.5"]))
        else:  # a variable exponent, kept small
            v = self.leaf(scope, broadcast(base.shape, compat), prefer)
            if self.has("tanh"):
                e = Expr(f"np.tanh({v.text})", result(v.shape, v, integral=False), True)
            else:
                e = Expr(f"0.5 * {v.operand()}", result(v.shape, v, integral=False))
        return Expr(f"{base.operand()} ** {e.operand()}",
                    result(broadcast(base.shape, e.shape), base, e, integral=False))

    def positive(self, scope, depth, compat=None, prefer=None, given=None) -> Expr:
        """An expression that is >= 0.3 wherever it is evaluated."""
        a = given if given is not None else self.expr(scope, max(depth, 0), compat, prefer)
        forms = self.usable(POSITIVE_FORMS)
        if not forms:
            return constant("1.5")
        form, _ = self.c.choice(forms)
        text = form.format(t=a.operand(), a=a.text, k=kink(a.text))
        return Expr(text, result(a.shape, a, integral=False), atom=form.startswith("np."))

    def e_unary(self, scope, depth, compat, prefer):
        forms = self.usable(UNARY_FORMS)
        if not forms:
            return None
        form, _ = self.c.choice(forms)
        a = self.expr(scope, depth - 1, compat, prefer)
        p = self.positive(scope, 0, given=a).text if "{p}" in form else ""
        text = form.format(a=a.text, t=a.operand(), k=kink(a.text), p=p)
        integral = a.val.integral and form.split("(")[0] in ("-{t}", "+{t}", "abs", "np.abs",
                                                               "np.square", "np.negative",
                                                               "np.power")
        return Expr(text, result(a.shape, a, integral=integral),
                    atom=not form.startswith(("-", "+")))

    def e_extremum(self, scope, depth, compat, prefer):
        ops = [o for o in ("maximum", "minimum") if self.has(o)]
        if not ops:
            return None
        op = self.c.choice(ops)
        a = self.expr(scope, depth - 1, compat, prefer)
        b = self.expr(scope, depth - 1, broadcast(a.shape, compat), prefer)
        text = f"np.{op}({probe('*_k2', f'{a.text}, {b.text}')})"
        return Expr(text, result(broadcast(a.shape, b.shape), a, b), True)

    def e_clip(self, scope, depth, compat, prefer):
        spellings = [sp for sp, op in [("np.clip({a}, {lo}, {hi})", "clip"),
                                       ("{t}.clip({lo}, {hi})", ".clip")] if self.has(op)]
        if not spellings:
            return None
        lo, hi = self.c.choice([("-0.5", "1.0"), ("0.0", "2.0"), ("-1.5", "-0.25")])
        a = self.expr(scope, depth - 1, compat, prefer)
        spelling = self.c.choice(spellings)
        if spelling.startswith("{t}") and a.val.ndim == 0:
            return None  # Python floats have no methods
        bounds = f", {lo}, {hi}"
        text = spelling.format(a=probe("_kclip", a.text, bounds),
                               t=probe("_kclip", a.operand(), bounds), lo=lo, hi=hi)
        return Expr(text, result(a.shape, a, integral=False), True)

    def e_where(self, scope, depth, compat, prefer):
        if not self.has("where"):
            return None
        cond = self.expr(scope, depth - 1, compat, prefer)
        if self.has("sub") and self.c.boolean(0.5):
            cond = Expr(f"{cond.operand()} - {self.c.choice(['0.5', '0.25', '1.0'])}", cond.val)
        s = broadcast(cond.shape, compat)
        a = self.expr(scope, depth - 1, s, prefer)
        b = self.expr(scope, depth - 1, broadcast(s, a.shape), prefer)
        text = f"np.where({kink(cond.operand())} > 0, {a.text}, {b.text})"
        shape = broadcast(cond.shape, a.shape, b.shape)
        return Expr(text, result(shape, a, b, array=True), True)

    def e_reduce(self, scope, depth, compat, prefer):
        ops = [o for o in ("sum", "mean", "prod", "max", "min", ".sum", ".mean", ".prod",
                           ".max", ".min") if self.has(o)]
        if not ops:
            return None
        op = self.c.choice(ops)
        a = self.expr(scope, depth - 1, None, prefer)
        if a.val.ndim == 0:
            return None
        axes = [None, *range(a.val.ndim), -1] + ([(0, 1)] if a.val.ndim == 2 else [])
        axis = self.c.choice(axes)
        keepdims = self.c.boolean(0.4)
        shape = reduced_shape(a.shape, axis, keepdims)
        name = op.lstrip(".")
        args = []
        if axis is not None:
            positional = self.c.boolean(0.25) and not keepdims
            args.append(f"{axis}" if positional else f"axis={axis}")
        if keepdims:
            args.append("keepdims=True")
        method = op.startswith(".")
        operand = a.operand() if method else a.text
        if name in ("max", "min"):  # non-smooth where the two extreme elements tie
            operand = probe("_kext", operand, f", {axis!r}")
        if method:
            text = f"{operand}.{name}({', '.join(args)})"
        else:
            text = f"np.{name}({', '.join([operand, *args])})"
        return Expr(text, result(shape, a, integral=a.val.integral and name != "mean"), True)

    def e_index(self, scope, depth, compat, prefer):
        if not self.has("getitem"):
            return None
        if self.c.boolean(0.8):
            base = self.pick_var(scope, prefer, lambda v: v.ndim > 0)
        else:
            base = self.expr(scope, depth - 1, None, prefer)
        if base is None or base.val.ndim == 0:
            return None
        index, shape, is_view = self.index_for(base.shape)
        val = view(base.val, shape) if is_view else result(shape, base)
        return Expr(f"{base.operand()}[{index}]", val, True)

    def index_for(self, shape) -> tuple[str, tuple, bool]:
        """A random index into ``shape``: its text, the result's shape, and
        whether the result is a view (basic slicing) rather than a copy."""
        c = self.c
        r = c.integer(0, 99)
        if r < 8:  # integer-list (fancy) index on the first axis, repeats allowed
            idx = [c.integer(0, shape[0] - 1) for _ in range(c.integer(1, 3))]
            return f"[{', '.join(map(str, idx))}]", (len(idx),) + shape[1:], False
        if r < 14 and len(shape) == 1:  # a new axis
            if c.boolean(0.5):
                return "None", (1,) + shape, True
            return ":, None", shape + (1,), True
        parts, out = [], []
        nparts = len(shape) if c.boolean(0.7) else 1
        for d in shape[:nparts]:
            if c.boolean(0.4):
                parts.append(str(c.integer(-d, d - 1)))
            else:
                text, n = self.slice_for(d)
                parts.append(text)
                out.append(n)
        out.extend(shape[nparts:])
        if len(parts) > 1 and all(p == ":" for p in parts):
            parts = parts[:1]
        return ", ".join(parts), tuple(out), len(out) > 0

    def slice_for(self, d) -> tuple[str, int]:
        while True:
            start = self.c.choice([None, 1, 0, -1, -2])
            stop = self.c.choice([None, -1, 2, 1])
            step = self.c.choice([None, 2, -1, -2])
            n = len(range(d)[slice(start, stop, step)])
            if n > 0:
                break
        text = ("" if start is None else str(start)) + ":" + ("" if stop is None else str(stop))
        if step is not None:
            text += f":{step}"
        return text, n

    def e_matmul(self, scope, depth, compat, prefer):
        spellings = [s for s, op in [("{a} @ {b}", "matmul"), ("np.matmul({a}, {b})", "np.matmul"),
                                     ("np.dot({a}, {b})", "dot"), ("{a}.dot({b})", ".dot")]
                     if self.has(op)]
        if not spellings:
            return None
        spelling = self.c.choice(spellings)
        transposes = [False, True] if self.has("T") else [False]
        cands = []
        for a, b in itertools.product(scope.names(lambda v: v.ndim > 0), repeat=2):
            for ta, tb in itertools.product(transposes, repeat=2):
                va, vb = scope.vars[a], scope.vars[b]
                if (ta and va.ndim < 2) or (tb and vb.ndim < 2):
                    continue
                s = matmul_shape(va.shape[::-1] if ta else va.shape,
                                 vb.shape[::-1] if tb else vb.shape)
                if spelling.startswith("{a}.") and not va.active:
                    continue  # ndarray.dot(Tensor) would make the tape oracle fail
                if s is not None and broadcast(s, compat) is not None:
                    cands.append((Expr(a + ".T" * ta, va, True), Expr(b + ".T" * tb, vb, True), s))
        if not cands:
            return None
        a, b, s = self.c.choice(cands)
        text = spelling.format(a=a.text, b=b.text)
        return Expr(text, result(s, a, b), atom=not spelling.startswith("{a} @"))

    def e_transpose(self, scope, depth, compat, prefer):
        spellings = [s for s, op in [("{a}.T", "T"), ("np.transpose({a})", "transpose"),
                                     ("{a}.transpose()", ".transpose")] if self.has(op)]
        a = self.pick_var(scope, prefer, lambda v: v.ndim == 2)
        if not spellings or a is None:
            return None
        text = self.c.choice(spellings).format(a=a.text)
        return Expr(text, view(a.val, a.shape[::-1]), True)

    def e_reshape(self, scope, depth, compat, prefer):
        spellings = [s for s, op in [("np.reshape({a}, {s})", "reshape"),
                                     ("{a}.reshape({s})", ".reshape"),
                                     ("{a}.reshape({u})", ".reshape")] if self.has(op)]
        a = self.pick_var(scope, prefer, lambda v: v.ndim > 0)
        if not spellings or a is None:
            return None
        size = math.prod(a.shape)
        targets = [s for s in SHAPES if s and math.prod(s) == size and s != a.shape]
        if not targets:
            return None
        shape = self.c.choice(targets)
        text = self.c.choice(spellings).format(a=a.text, s=repr(shape),
                                               u=", ".join(map(str, shape)))
        return Expr(text, view(a.val, shape), True)


def generate(chooser: Chooser, ops: dict[str, Op] | None = None, **kwargs) -> Program:
    return Generator(chooser, ops, **kwargs).program()


def random_program(seed, ops=None, **kwargs) -> Program:
    return generate(RandomChooser(seed), ops, **kwargs)


def _main(argv: list[str]) -> None:
    """``python tests/programs.py [--all] [--instrumented] SEED...`` prints
    generated programs (``--all``: with every known op, registered or not)."""
    seeds = [int(a) for a in argv if not a.startswith("--")] or [0]
    for s in seeds:
        p = random_program(s, ALL_OPS if "--all" in argv else None)
        text = p.instrumented if "--instrumented" in argv else p.source
        print(f"# seed {s}, inputs {list(zip(p.shapes, p.kinds, strict=True))}\n{text}"
              f"# vjp variant returns:{p.vjp_source.rsplit('return', 1)[1]}")


if __name__ == "__main__":
    import sys
    _main(sys.argv[1:])
