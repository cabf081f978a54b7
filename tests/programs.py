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
* **Control flow** (``control=True``, ``python tests/programs.py --control 7``):
  :meth:`Generator.gen_block` also draws :data:`CONTROL_KINDS` (``if`` /
  ``elif`` / ``else``, ``for``, ``while``, nested up to three levels) and, in
  loop bodies, :data:`LOOP_KINDS` (loop-carried updates, ``break`` /
  ``continue`` / ``return`` under a condition); expressions add ternaries
  and calls of 0-2 generated helper functions (one possibly recursive on an
  int depth ``n``). ``for`` runs over ``range`` (literal bounds, any step,
  an int argument, ``len``), the rows of an array, a list literal or a list
  accumulator, ``enumerate``, ``zip`` and ``reversed``; ``while`` has a
  counter and usually a data condition (``while k < 3 and v > 0.5``), so
  every loop terminates. Every program (and its vjp variant) is valid
  Python that runs under numpy, ``tnp`` and ``dnp``:

  - branches and loop bodies are generated on copies of the scope
    (:meth:`Scope.copy`) and joined (:meth:`Scope.join`): a name survives
    only if every path binds it with one shape (:func:`merge`); a name first
    bound in a loop body survives only if the body surely ran to it;
  - inside a loop the names bound before it are *pinned*: a reassignment
    keeps their shape, so every iteration sees what the generator assumed;
    loop variables and counters are read only;
  - a data-dependent condition is probed like a kink (``_kc``): the test
    rejects inputs where its value is within the kink margin of its
    threshold, so no branch, trip count or exit flips under finite
    differences;
  - in-place updates stay where NumPy, the oracles (which rebind) and
    s2s_ad's conservative alias rules agree: never on a value s2s_ad may
    see as a view or alias (:attr:`Val.maybe_view`, :attr:`Scope.ghosts`),
    never on arrays inside loops.

  :attr:`Program.features` names the constructs a program uses
  (:data:`FEATURES`); int loop bounds of the main function are parameters of
  kind ``"count"``, not differentiated (:attr:`Program.wrt`).
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
    # what control-flow programs use besides: list accumulators, exact shapes
    _fn("stack"), _fn("ones"), _op("builtin_sum", builtins.sum),
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


# A ``return`` of the main function carries two expressions: the scalar one
# of the grad variant and the array one of the vjp variant.
R_OPEN, R_SEP, R_CLOSE = "\ue002", "\ue003", "\ue004"
_RETURN = re.compile(f"{R_OPEN}([^{R_SEP}]*){R_SEP}([^{R_CLOSE}]*){R_CLOSE}")


def two_returns(scalar: str, array: str) -> str:
    return f"{R_OPEN}{scalar}{R_SEP}{array}{R_CLOSE}"


def variant(text: str, which: int) -> str:
    """``text`` with each two-way return resolved: 1 = scalar, 2 = array."""
    return _RETURN.sub(lambda m: m.group(which), text)


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
    # s2s_ad may see a view or an alias here (any subscript, ``.T``, reshape,
    # a value merged from branches or loop iterations, a ternary, a call's
    # result): ``name op= e`` is never generated on it.
    maybe_view: bool = False
    also: frozenset = frozenset()  # other buffers it may share (merges, ternaries, calls)
    also_ids: frozenset = frozenset()  # other objects it may be (merges, ternaries, calls)

    @property
    def ndim(self):
        return len(self.shape)

    def bufs(self) -> frozenset:
        return self.also | ({self.buf} if self.buf is not None else frozenset())

    def ids(self) -> frozenset:
        return self.also_ids | ({self.ident} if self.ident is not None else frozenset())


def fresh(shape, *, array=None, active=True, integral=False) -> Val:
    """The result of a computation: a new array for ndim >= 1 (ufuncs, full
    reductions and 1-D @ 1-D give scalars, not 0-d arrays)."""
    array = len(shape) > 0 if array is None else array
    return Val(tuple(shape), array, next(_buffers) if array else None, active, integral,
               next(_idents))


def view(of: Val, shape) -> Val:
    """A view (slice, transpose, reshape) of ``of``: same buffer."""
    buf = of.buf if of.array and of.buf is not None else next(_buffers)
    return Val(tuple(shape), True, buf, of.active, of.integral, next(_idents),
               maybe_view=True, also=of.also)


def alias(val: Val, *of: Val, array=None) -> Val:
    """``val``, which may share memory with (or be) any of ``of``."""
    also = frozenset().union(*(o.bufs() for o in of)) | val.also
    ids = frozenset().union(*(o.ids() for o in of)) | val.also_ids
    return dataclasses.replace(val, maybe_view=True, also=also, also_ids=ids,
                               array=val.array if array is None else array)


def merge(vals: Sequence[Val]) -> Val | None:
    """The value of a name after control flow joins paths that bound it to
    ``vals``: the common value, or an unknown one of the same shape that may
    be any of them (never updated in place); ``None`` if the shapes differ."""
    first = vals[0]
    if all(v == first for v in vals):
        return first
    if any(v.shape != first.shape for v in vals):
        return None
    return Val(first.shape, any(v.array for v in vals), None, any(v.active for v in vals),
               any(v.integral for v in vals), next(_idents), maybe_view=True,
               also=frozenset().union(*(v.bufs() for v in vals)),
               also_ids=frozenset().union(*(v.ids() for v in vals)))


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
class LoopCtx:
    """The loop whose body is being generated."""

    sure_once: bool                # the body runs at least once (a non-empty range, an array)
    exit_scopes: list = field(default_factory=list)  # scopes at its break/continue statements
    exited: bool = False           # a break/continue/return was generated in the body so far
    sure_defs: set = field(default_factory=set)  # names bound in the body before any exit


@dataclass
class FnCtx:
    """The function being generated: what its ``return`` statements return."""

    kind: str                      # "main" or "helper"
    ret_shape: tuple = ()          # a helper's return shape (every return site agrees)
    like: str | None = None        # a helper returning ``like * scalar``: its protected param


@dataclass
class Scope:
    """The variables visible at a program point (name → :class:`Val`), in the
    order they were last assigned.

    Inside a loop body the names bound before the loop are *pinned*: a
    reassignment keeps their shape, so the next iteration sees what the
    generator assumed. Loop variables, counters and int parameters are
    *protected* (read only) and ``ints`` knows their range (for indexing).
    ``lists`` are the list accumulators (name → element shape)."""

    vars: dict[str, Val] = field(default_factory=dict)
    param_bufs: set[int] = field(default_factory=set)
    pinned: dict[str, tuple] = field(default_factory=dict)   # name -> (shape, array)
    protected: set[str] = field(default_factory=set)
    ints: dict[str, tuple] = field(default_factory=dict)      # name -> (lo, hi)
    lists: dict[str, tuple] = field(default_factory=dict)     # name -> element shape
    frozen_lists: set[str] = field(default_factory=set)       # iterated: no append
    loop: LoopCtx | None = None
    fn: FnCtx | None = None
    # Names bound on some paths only (dropped at a join): never read again,
    # but s2s_ad still counts them as aliases of what they may be bound to.
    ghosts: dict[str, Val] = field(default_factory=dict)

    def assign(self, name: str, val: Val) -> None:
        if val.ident is None:  # a constant gets an identity when it is named
            val = dataclasses.replace(val, ident=next(_idents))
        self.vars.pop(name, None)
        self.vars[name] = val
        self.ints.pop(name, None)
        self.ghosts.pop(name, None)
        if self.loop is not None and not self.loop.exited:
            self.loop.sure_defs.add(name)

    def copy(self) -> Scope:
        return Scope(dict(self.vars), set(self.param_bufs), dict(self.pinned),
                     set(self.protected), dict(self.ints), dict(self.lists),
                     set(self.frozen_lists), self.loop, self.fn, dict(self.ghosts))

    def names(self, pred=lambda v: True) -> list[str]:
        return sorted(n for n, v in self.vars.items() if pred(v))

    def targets(self, pred=lambda v: True) -> list[str]:
        """Names a statement may rebind."""
        return [n for n in self.names(pred) if n not in self.protected]

    def fits(self, name: str, val: Val) -> bool:
        """Whether ``name`` may be rebound to ``val`` here (pinned names keep
        their shape, and a scalar does not become a 0-d array)."""
        if name in self.protected:
            return False
        pin = self.pinned.get(name)
        if pin is None:
            return True
        shape, array = pin
        return val.shape == shape and (array or not val.array)

    def pin_all(self) -> None:
        for n, v in self.vars.items():
            self.pinned.setdefault(n, (v.shape, v.array))

    def can_update_in_place(self, name) -> bool:
        """Whether ``name op= e`` may be generated: the same in NumPy, the
        oracles and s2s_ad."""
        v = self.vars[name]
        if name in self.protected or v.maybe_view:
            # s2s_ad refuses `a += e` when `a` may be a view (any subscript,
            # `.T`, a reshape), as it cannot tell an array (updated in place,
            # seen through the view's base) from a number.
            return False
        others = [w for n, w in [*self.vars.items(), *self.ghosts.items()] if n != name]
        if any(w.ids() & v.ids() for w in others):
            # s2s_ad refuses `a += e` when another name is bound to a's
            # object, as it cannot tell an array (updated in place, seen by
            # both names) from a number (rebound).
            return False
        if not v.array:
            return True  # immutable: `v += e` rebinds, the same in every engine
        if self.loop is not None:
            # In a loop body, a name bound in an earlier iteration may share
            # the array: never in place there.
            return False
        # In place on an array: nothing else may see the buffer (a view,
        # a parameter: the caller's array). An inactive array is a plain
        # ndarray in the oracles, where `ndarray += Tensor` is an error.
        mine = v.bufs()
        shared = any(w.bufs() & mine for w in others)
        return v.active and not (shared or v.integral or mine & self.param_bufs)

    @staticmethod
    def join(base: Scope, paths: list[Scope]) -> Scope:
        """The scope where the control-flow ``paths`` meet again: names bound
        on every path (with a merged value), lists known on every path.
        ``base`` (the scope before the branch or loop) gives the context."""
        out = base.copy()
        out.vars = {}
        first = paths[0]
        for n in first.vars:
            if all(n in p.vars for p in paths):
                val = merge([p.vars[n] for p in paths])
                if val is not None:
                    out.vars[n] = val
        for p in paths:
            for n, v in [*p.ghosts.items(), *p.vars.items()]:
                if n not in out.vars:
                    old = out.ghosts.get(n)
                    out.ghosts[n] = v if old is None else alias(old, v)
        out.ints = {n: r for n, r in base.ints.items() if out.vars.get(n) == base.vars.get(n)}
        out.lists = {n: s for n, s in first.lists.items() if all(n in p.lists for p in paths)}
        return out


# ---------------------------------------------------------------- programs


@dataclass
class Program:
    """A generated program (the function ``name``, after the helper functions
    it calls). ``source`` returns a scalar (for ``grad``); ``vjp_source`` is
    the same program returning arrays (for ``vjp``)."""

    name: str
    params: list[str]
    shapes: list[tuple]
    kinds: list[str]    # "array", "count" (an int loop bound, not differentiated),
    #                     or how a scalar is passed: float, int, float64, array0
    text: str           # with hidden segments and two-way returns
    features: frozenset = frozenset()  # the constructs it uses (see FEATURES)

    @property
    def source(self) -> str:
        return plain(variant(self.text, 1))

    @property
    def vjp_source(self) -> str:
        return plain(variant(self.text, 2))

    @property
    def instrumented(self) -> str:
        return instrumented(variant(self.text, 1))

    @property
    def nargs(self) -> int:
        return len(self.params)

    @property
    def wrt(self) -> tuple:
        """The differentiated arguments: all but the int loop bounds."""
        return tuple(i for i, k in enumerate(self.kinds) if k != "count")

    def random_inputs(self, rng: np.random.Generator, lo=-2.0, hi=2.0) -> list:
        out = []
        for shape, kind in zip(self.shapes, self.kinds, strict=True):
            if kind == "array":
                out.append(rng.uniform(lo, hi, size=shape))
            elif kind == "int":
                out.append(int(rng.choice([-2, -1, 1, 2])))
            elif kind == "count":
                out.append(int(rng.integers(0, 4)))
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

    def kc(s, *thresholds):  # a comparison `s < t`: the gap between s and t
        for t in thresholds:
            k(np.asarray(s, dtype=float) - np.asarray(t, dtype=float))
        return s

    g = {"np": np, "_k": k, "_k2": k2, "_kclip": kclip, "_kext": kext, "_v": v, "_kc": kc}
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

#: The constructs a control-flow program may use (``Program.features``).
FEATURES = [
    "if", "elif", "else", "ternary", "and", "or", "not", "chained-comparison",
    "data-condition", "int-condition", "for-range", "for-range-step", "for-range-int-arg",
    "for-range-len", "for-array", "for-list", "enumerate", "zip", "reversed", "while",
    "while-true", "break", "continue", "return-in-branch", "return-in-loop", "helper",
    "call", "call-in-loop", "recursion", "list", "list-append-in-loop", "list-use",
    "loop-index", "loop-carried-scalar", "loop-carried-array", "value-from-loop-used-after",
    "value-bound-in-branches", "nesting-2", "nesting-3",
]


def indent(lines: list[str]) -> list[str]:
    return ["    " + line if line else line for line in lines]


@dataclass(frozen=True)
class Helper:
    """A generated helper function: ``params`` are ``(name, shape, kind)``
    with kind "value" or "count" (an int)."""

    name: str
    params: list
    ret_shape: tuple


HELPER_PARAMS = ("a", "b", "n")

#: Thresholds of data comparisons.
THRESHOLDS = ["0.0", "0.5", "-0.5", "1.0", "0.25", "-1.0", "1.5"]

#: Loop-carried updates of a pinned name ``{v}`` by an expression ``{e}``
#: (``{c}`` a small coefficient): they keep the name's shape and mostly
#: keep values bounded over a few iterations.
UPDATE_FORMS = [
    ("{v} + {c} * {e}", ("add", "mul")),
    ("{c} * {v} + {e}", ("add", "mul")),
    ("np.tanh({v} + {e})", ("tanh", "add")),
    ("{v} * np.cos({e})", ("mul", "cos")),
    ("{v} - {c} * np.sin({v} * {e})", ("sub", "mul", "sin")),
    ("{v} += {c} * {e}", ("add", "mul")),
]

#: Control-flow statement kinds (nested up to ``max_nest`` levels).
CONTROL_KINDS = [("stmt_if", 5), ("stmt_for", 6), ("stmt_while", 3)]
#: Statement kinds that only make sense in a loop body.
LOOP_KINDS = [("stmt_update", 6), ("stmt_exit", 4)]

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
    """Builds one random program from ``ops`` (default :data:`AVAILABLE_OPS`).

    ``control=True`` adds the control-flow kinds (:data:`CONTROL_KINDS`):
    ``if``/``elif``/``else``, ternaries, ``and``/``or``/``not``, chained
    comparisons, ``for`` over ranges, arrays, lists, ``enumerate``, ``zip``
    and ``reversed``, ``while`` loops, ``break``/``continue``, early
    ``return``, list accumulators, and calls to 0-2 generated helper
    functions (one of them possibly recursive), nested up to ``max_nest``."""

    def __init__(self, chooser: Chooser, ops: dict[str, Op] | None = None,
                 max_stmts: int | None = None, max_depth: int = 2, control: bool = False,
                 max_nest: int = 3, budget: int = 28):
        self.c = chooser
        self.ops = AVAILABLE_OPS if ops is None else ops
        self.control = control
        self.max_stmts = max_stmts if max_stmts is not None else (6 if control else 10)
        self.max_depth = max_depth
        self.max_nest = max_nest
        self.budget = budget           # statements left before blocks shrink to one
        self._names = itertools.count()
        self._taken: set[str] = set()
        self.helpers: list[Helper] = []
        self.features: set[str] = set()

    def has(self, *names) -> bool:
        return all(n in self.ops for n in names)

    def usable(self, forms):
        return [f for f in forms if self.has(*f[1])]

    def feature(self, *names) -> None:
        self.features.update(names)

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
        if self.control and c.boolean(0.25):
            params.append("n")   # an int loop bound, not differentiated
            shapes.append(())
            kinds.append("count")
        self._taken.update(params)
        self._taken.update(HELPER_PARAMS)
        lines: list[str] = []
        if self.control:
            for k in range(c.weighted([(0, 4), (1, 4), (2, 2)])):
                lines += self.gen_helper(k, [s for s, kd in zip(shapes, kinds, strict=True)
                                             if kd != "count"])
        scope = Scope(fn=FnCtx("main"))
        for p, s, kind in zip(params, shapes, kinds, strict=True):
            if kind == "count":
                scope.assign(p, Val((), False, None, active=False, integral=True))
                scope.protected.add(p)
                scope.ints[p] = (0, 3)
                continue
            v = fresh(s, array=kind in ("array", "array0"), integral=kind == "int")
            scope.assign(p, v)
            if v.buf is not None:
                scope.param_bufs.add(v.buf)
        body, scope = self.gen_block(scope, depth=0)
        lines.append(f"def {name}({', '.join(params)}):")
        lines += indent(body + [self.return_stmt(scope)])
        text = "".join(line + "\n" for line in lines)
        return Program(name, params, shapes, kinds, text, frozenset(self.features))

    def gen_block(self, scope: Scope, depth: int, nmax: int | None = None
                  ) -> tuple[list[str], Scope]:
        """Statements (source lines, unindented) and the scope after them.
        Control-flow kinds recurse with ``depth + 1`` on copies of ``scope``
        and join their paths' scopes back into it."""
        lines: list[str] = []
        nmax = self.max_stmts if nmax is None else nmax
        if self.control and self.budget <= 0:
            nmax = 1
        count = self.c.integer(1, nmax)
        # Every control-flow program has control flow in its main body.
        forced = self.c.integer(0, count - 1) if (
            self.control and depth == 0 and scope.fn is not None and scope.fn.kind == "main"
        ) else -1
        for k in range(count):
            kinds = CONTROL_KINDS if k == forced else self.statement_kinds(scope, depth)
            kind = self.c.weighted(kinds)
            self.budget -= 1
            lines.extend(getattr(self, kind)(scope, depth))
        if depth >= 2 and scope.fn is not None and scope.fn.kind == "main":
            self.feature(f"nesting-{depth}")
        return lines, scope

    def statement_kinds(self, scope: Scope, depth: int) -> list:
        if not self.control:
            return STATEMENT_KINDS
        kinds = list(STATEMENT_KINDS)
        if depth < self.max_nest and self.budget > 0:
            kinds += CONTROL_KINDS
        if scope.loop is not None:
            kinds += LOOP_KINDS
        if self.has("stack", "sum") or self.has("builtin_sum"):
            kinds.append(("stmt_list", 2 if depth == 0 else 1))
        if self.appendable(scope):
            kinds += [("stmt_append", 4 if scope.loop is not None else 1), ("stmt_list_use", 2)]
        return kinds

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
        names = scope.targets()
        if not names:
            return self.stmt_assign(scope, depth)
        name = self.c.choice(names)
        pin = scope.pinned.get(name)
        e = self.expr(scope, self.max_depth, compat=pin[0] if pin else None, prefer=name)
        if not scope.fits(name, e.val):
            return self.stmt_update(scope, depth, name) if pin else self.stmt_assign(scope, depth)
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
        pin = scope.pinned.get(name)
        compat = target.shape if target.array else (pin[0] if pin else None)
        if sym == "/":
            e = self.positive(scope, 1, compat)
        else:
            e = self.expr(scope, 1, compat)
        if target.array:
            if broadcast(target.shape, e.shape) != target.shape:
                return self.stmt_assign(scope, depth)
            new = target  # updated in place: same buffer, same shape
        else:
            if pin and broadcast(target.shape, e.shape) != pin[0]:
                e = self.to_scalar(e)
            t = Expr(name, target, True)
            new = result(broadcast(target.shape, e.shape), t, e,
                         integral=target.integral and e.val.integral and sym != "/")
            if not scope.fits(name, new):
                return self.stmt_assign(scope, depth)
        scope.assign(name, new)
        return [f"{name} {sym}= {record(e.text)}"]

    def stmt_tuple(self, scope, depth):
        """``a, b = e1, e2``, or a swap ``a, b = b, a``."""
        names = scope.targets()
        if len(names) >= 2 and self.c.boolean(0.3):
            a, b = self.distinct_names(names, 2)
            va, vb = scope.vars[a], scope.vars[b]
            if scope.fits(a, vb) and scope.fits(b, va):
                scope.assign(a, vb)
                scope.assign(b, va)
                return [f"{a}, {b} = {b}, {a}"]
        e1 = self.expr(scope, 1)
        e2 = self.expr(scope, 1)
        targets = []
        for e in (e1, e2):
            if names and self.c.boolean(0.25):
                t = self.c.choice(names)
                targets.append(t if scope.fits(t, e.val) else self.new_name())
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

    def distinct_names(self, names, k):
        out: list[str] = []
        while len(out) < k:
            n = self.c.choice(names)
            if n not in out:
                out.append(n)
        return out

    # ------------------------------------------------------------ control flow

    def become(self, scope: Scope, joined: Scope) -> None:
        """Make ``scope`` (which the caller holds) the joined scope."""
        scope.vars, scope.ints, scope.lists = joined.vars, joined.ints, joined.lists
        scope.ghosts = joined.ghosts

    def stmt_if(self, scope, depth):
        """``if``/``elif``/``else`` on data-dependent conditions; sometimes one
        branch returns early, sometimes every branch binds a new name."""
        c = self.c
        n_cond = 1 + c.weighted([(0, 6), (1, 3), (2, 1)])
        has_else = c.boolean(0.5)
        total = n_cond + has_else
        returning = c.integer(0, total - 1) if c.boolean(0.25) else None
        out = None  # a name every live branch binds, with its shape
        if has_else and c.boolean(0.35):
            out = (self.new_name(), self.c.choice(self.shapes_in(scope)))
        lines: list[str] = []
        live: list[Scope] = []
        gone: list[Scope] = []  # a branch that returns: its names stay aliases
        self.feature("if")
        for b in range(total):
            if b < n_cond:
                lines.append(f"{'if' if b == 0 else 'elif'} {self.cond(scope)}:")
                self.feature("elif" if b else "if")
            else:
                lines.append("else:")
                self.feature("else")
            bscope = scope.copy()
            if c.boolean(0.7):
                bscope.pin_all()  # else a name may change shape in a branch (and is dropped)
            body, bscope = self.gen_block(bscope, depth + 1, nmax=3)
            if b == returning:
                body.append(self.return_stmt(bscope))
                self.feature("return-in-loop" if scope.loop else "return-in-branch")
                gone.append(bscope)
            else:
                if out is not None:
                    e = self.exact_expr(bscope, out[1])
                    if e is None:  # the join drops the name: shapes differ
                        e = self.exact_expr(bscope, ())
                    body.append(f"{out[0]} = {record(e.text)}")
                    bscope.assign(out[0], e.val)
                live.append(bscope)
            lines += indent(body)
        paths = live + ([] if has_else else [scope])
        joined = Scope.join(scope, paths)
        # s2s_ad's alias analysis does not follow paths: a name bound on a
        # branch that returned still counts as an alias after the join
        for p in gone:
            for n, v in [*p.ghosts.items(), *p.vars.items()]:
                if n not in joined.vars:
                    old = joined.ghosts.get(n)
                    joined.ghosts[n] = v if old is None else alias(old, v)
        if out is not None and out[0] in joined.vars:
            self.feature("value-bound-in-branches")
            if scope.loop is not None and not scope.loop.exited:
                scope.loop.sure_defs.add(out[0])
        self.become(scope, joined)
        return lines

    def stmt_for(self, scope, depth):
        header, bindings, sure_once, frozen = self.for_header(scope)
        if header is None:
            return self.stmt_assign(scope, depth)
        body_scope = scope.copy()
        body_scope.pin_all()
        ctx = LoopCtx(sure_once)
        body_scope.loop = ctx
        for name, val, rng in bindings:
            body_scope.assign(name, val)
            body_scope.protected.add(name)
            if rng is not None:
                body_scope.ints[name] = rng
        if frozen:
            body_scope.frozen_lists.add(frozen)
        body, end = self.gen_block(body_scope, depth + 1, nmax=3)
        self.after_loop(scope, end, ctx, {n for n, _, _ in bindings})
        return [header] + indent(body)

    def stmt_while(self, scope, depth):
        """A counter and (usually) a data condition: terminates by construction."""
        c = self.c
        k = self.new_name("k")
        bound = c.integer(1, 4)
        form = c.weighted([("and", 4), ("counter", 1), ("true", 2)])
        lines = [f"{k} = 0"]
        scope.assign(k, Val((), False, None, active=False, integral=True))
        scope.protected.add(k)
        scope.ints[k] = (0, bound)   # what the loop condition sees
        self.feature("while")
        if form == "and":
            cond = self.compare(scope)
            cond = (f"{k} < {bound} and {cond}" if c.boolean(0.7)
                    else f"{cond} and {k} < {bound}")
            lines.append(f"while {cond}:")
        elif form == "counter":
            lines.append(f"while {k} < {bound}:")
        else:
            lines.append("while True:")
            self.feature("while-true")
        body_scope = scope.copy()
        body_scope.pin_all()
        ctx = LoopCtx(form == "counter")
        body_scope.loop = ctx
        body = [f"{k} = {k} + 1" if c.boolean(0.5) else f"{k} += 1"]
        body_scope.assign(k, Val((), False, None, active=False, integral=True))
        body_scope.ints[k] = (1, bound)
        if form == "true":
            bound = max(bound, 2)
            cond = f"{k} >= {bound}"
            if c.boolean(0.7):
                cond += f" or {self.compare(body_scope)}"
            body += [f"if {cond}:", "    break"]
            ctx.exit_scopes.append(body_scope.copy())
            ctx.exited = True
            body_scope.ints[k] = (1, bound - 1)
        more, end = self.gen_block(body_scope, depth + 1, nmax=3)
        self.after_loop(scope, end, ctx, set())
        scope.ints[k] = (0, bound)
        return lines + indent(body + more)

    def after_loop(self, scope: Scope, end: Scope, ctx: LoopCtx, bindings: set) -> None:
        """Join the paths out of a loop into ``scope``: the end of the body,
        every break/continue, and (if the body may not run) the entry."""
        # A name bound before the loop may still hold its entry value (s2s_ad
        # assumes so even for a loop that surely runs), so it is merged with
        # it; a name first bound in the body is kept only if the body surely
        # ran to its binding.
        joined = Scope.join(scope, [scope, end] + ctx.exit_scopes)
        if ctx.sure_once:
            inner = Scope.join(scope, [end] + ctx.exit_scopes)
            for n, v in inner.vars.items():
                if n not in scope.vars and n not in bindings and n in ctx.sure_defs:
                    joined.vars[n] = v
                    joined.ghosts.pop(n, None)
        kept = [n for n in joined.vars if n not in scope.vars]
        if kept:
            self.feature("value-from-loop-used-after")
            if scope.loop is not None and not scope.loop.exited:
                scope.loop.sure_defs.update(kept)
        for n in joined.vars:
            if n in scope.vars and joined.vars[n] != scope.vars[n]:
                self.feature("loop-carried-" + ("array" if joined.vars[n].ndim else "scalar"))
        self.become(scope, joined)

    def for_header(self, scope):
        """``for ... in ...:`` and its bindings ``(name, Val, int range or None)``,
        whether the body surely runs once, and a list it must not append to."""
        c = self.c
        arrays = scope.names(lambda v: v.ndim > 0)
        forms = [("range", 4), ("range-step", 2), ("reversed-range", 1)]
        if scope.ints:
            forms.append(("range-int", 2))
        if arrays:
            forms += [("rows", 3), ("enumerate", 2), ("zip", 2), ("range-len", 1),
                      ("reversed", 1), ("enumerate-zip", 1)]
        forms.append(("literal", 1))
        if scope.lists:
            forms.append(("list", 2))
        form = c.weighted(forms)
        int_val = Val((), False, None, active=False, integral=True)
        i = self.new_name("i") if form not in ("rows", "zip", "reversed", "literal", "list") \
            else None

        def int_binding(lo, hi):
            if c.boolean(0.15) and form == "range":
                return "_", []
            return i, [(i, int_val, (lo, hi))]

        if form == "range":
            k = c.integer(1, 4)
            target, b = int_binding(0, k - 1)
            self.feature("for-range")
            return f"for {target} in range({k}):", b, True, None
        if form in ("range-step", "reversed-range"):
            start = c.integer(-1, 2)
            step = c.choice([1, 2, -1]) if form == "range-step" else 1
            length = c.weighted([(1, 3), (2, 3), (3, 2), (0, 1)])
            stop = start + step * length
            vals = list(range(start, stop, step))
            lo, hi = (min(vals), max(vals)) if vals else (start, start)
            args = f"{start}, {stop}" + (f", {step}" if step != 1 else "")
            if form == "range-step" and step == 1 and start == 0:
                args = f"{stop}"
            it = f"range({args})"
            if form == "reversed-range":
                it = f"reversed({it})"
                self.feature("reversed")
            self.feature("for-range-step")
            return f"for {i} in {it}:", [(i, int_val, (lo, hi))], bool(vals), None
        if form == "range-int":
            n = c.choice(sorted(scope.ints))
            lo, hi = scope.ints[n]
            if c.boolean(0.3):
                self.feature("for-range-int-arg")
                return (f"for {i} in range({n} + 1):", [(i, int_val, (0, max(hi, 0)))],
                        lo >= 0, None)
            self.feature("for-range-int-arg")
            return f"for {i} in range({n}):", [(i, int_val, (0, max(hi - 1, 0)))], lo >= 1, None
        if form == "literal":
            shape = c.choice(self.shapes_in(scope))
            elems = [self.exact_expr(scope, shape) for _ in range(c.integer(1, 3))]
            if any(e is None for e in elems):
                return None, [], False, None
            r = self.new_name("t")
            val = alias(fresh(shape, active=any(e.val.active for e in elems)),
                        *[e.val for e in elems], array=any(e.val.array for e in elems))
            open_, close_ = ("[", "]") if c.boolean(0.6) else ("(", ",)" if len(elems) == 1
                                                                  else ")")
            self.feature("for-list")
            return (f"for {r} in {open_}{', '.join(e.text for e in elems)}{close_}:",
                    [(r, val, None)], True, None)
        if form == "list":
            lst = c.choice(sorted(scope.lists))
            r = self.new_name("t")
            val = alias(fresh(scope.lists[lst]), array=True)
            self.feature("for-list")
            return f"for {r} in {lst}:", [(r, val, None)], True, lst
        # over arrays
        a = c.choice(arrays)
        va = scope.vars[a]
        it, ia = a, va
        if va.ndim == 2 and self.has("T") and c.boolean(0.2):
            it, ia = f"{a}.T", view(va, va.shape[::-1])

        def row(of: Val, name: str) -> tuple:
            return (name, alias(fresh(of.shape[1:], active=of.active), of,
                                array=of.ndim > 1), None)

        if form == "range-len":
            self.feature("for-range-len", "loop-index")
            return (f"for {i} in range(len({it})):", [(i, int_val, (0, ia.shape[0] - 1))],
                    True, None)
        if form == "rows":
            r = self.new_name("r")
            self.feature("for-array")
            return f"for {r} in {it}:", [row(ia, r)], True, None
        if form == "reversed":
            r = self.new_name("r")
            self.feature("reversed", "for-array")
            return f"for {r} in reversed({it}):", [row(ia, r)], True, None
        if form == "enumerate":
            r = self.new_name("r")
            start = c.choice([0, 0, 1])
            self.feature("enumerate")
            extra = f", {start}" if start else ""
            return (f"for {i}, {r} in enumerate({it}{extra}):",
                    [(i, int_val, (start, start + ia.shape[0] - 1)), row(ia, r)], True, None)
        b = c.choice(arrays)
        vb = scope.vars[b]
        r, s = self.new_name("r"), self.new_name("r")
        n = min(ia.shape[0], vb.shape[0])
        self.feature("zip")
        if form == "zip":
            return (f"for {r}, {s} in zip({it}, {b}):", [row(ia, r), row(vb, s)], True, None)
        self.feature("enumerate")
        return (f"for {i}, ({r}, {s}) in enumerate(zip({it}, {b})):",
                [(i, int_val, (0, n - 1)), row(ia, r), row(vb, s)], True, None)

    def stmt_update(self, scope, depth, name=None):
        """A loop-carried update of a name bound before the loop, keeping its
        shape: ``v = v + 0.5 * e``, ``v = np.tanh(v + e)``, ..."""
        c = self.c
        if name is None:
            names = [n for n in scope.targets() if n in scope.pinned]
            if not names:
                return self.stmt_reassign(scope, depth) if scope.targets() else \
                    self.stmt_assign(scope, depth)
            active = [n for n in names if scope.vars[n].active]
            name = c.choice(active if active and c.boolean(0.8) else names)
        shape = scope.pinned.get(name, (scope.vars[name].shape, False))[0]
        e = self.expr(scope, c.integer(0, self.max_depth), compat=shape)
        if broadcast(e.shape, shape) != shape:
            e = self.to_scalar(e)
        forms = self.usable(UPDATE_FORMS)
        if not forms:
            return self.stmt_assign(scope, depth)
        form, _ = c.choice(forms)
        coef = c.choice(["0.5", "0.25", "0.1"])
        t = Expr(name, scope.vars[name], True)
        val = result(shape, t, e, integral=False)
        if form.startswith("{v} +="):
            if not scope.can_update_in_place(name):
                form = "{v} + {c} * {e}"
            else:
                scope.assign(name, val)
                return [f"{name} += {record(form.split('+= ')[1].format(c=coef, e=e.operand()))}"]
        if not scope.fits(name, val):
            return self.stmt_assign(scope, depth)
        scope.assign(name, val)
        text = form.format(v=name, c=coef, e=e.operand(), a=e.text)
        return [f"{name} = {record(text)}"]

    def stmt_exit(self, scope, depth):
        """``if cond: ...; break`` (or ``continue``, or ``return``) in a loop."""
        c = self.c
        ctx = scope.loop
        kind = c.weighted([("break", 3), ("continue", 3), ("return", 2)])
        cond = self.cond(scope)
        bscope = scope.copy()
        body = self.gen_block(bscope, depth + 1, nmax=2)[0] if c.boolean(0.4) else []
        if kind == "return":
            body.append(self.return_stmt(bscope))
            self.feature("return-in-loop")
            for n, v in [*bscope.ghosts.items(), *bscope.vars.items()]:
                if n not in scope.vars:  # still an alias to s2s_ad (see stmt_if)
                    old = scope.ghosts.get(n)
                    scope.ghosts[n] = v if old is None else alias(old, v)
        else:
            body.append(kind)
            ctx.exit_scopes.append(bscope)
            ctx.exited = True
            self.feature(kind)
        lines = [f"if {cond}:"] + indent(body)
        if c.boolean(0.25):
            escope = scope.copy()
            ebody, escope = self.gen_block(escope, depth + 1, nmax=2)
            lines += ["else:"] + indent(ebody)
            self.become(scope, Scope.join(scope, [escope]))
        return lines

    # lists

    def appendable(self, scope) -> list[str]:
        return [n for n in sorted(scope.lists) if n not in scope.frozen_lists]

    def fresh_copy(self, e: Expr) -> Expr:
        """``e`` as a new object: a list must not hold an array that a name
        (or a view's base) could later update in place."""
        if e.val.array and (e.atom or e.val.maybe_view) and self.has("mul"):
            return Expr(f"1.0 * {e.operand()}", result(e.shape, e))
        return e

    def stmt_list(self, scope, depth):
        """A list accumulator ``acc = [e]``, appended to later (often in loops)."""
        shape = self.c.choice(self.shapes_in(scope))
        e = self.exact_expr(scope, shape)
        if e is None:
            return self.stmt_assign(scope, depth)
        e = self.fresh_copy(e)
        name = self.new_name("acc")
        scope.lists[name] = shape
        self.feature("list")
        return [f"{name} = [{record(e.text)}]"]

    def stmt_append(self, scope, depth):
        lst = self.c.choice(self.appendable(scope))
        e = self.exact_expr(scope, scope.lists[lst])
        if e is None:
            return self.stmt_assign(scope, depth)
        self.feature("list-append-in-loop" if scope.loop is not None else "list-append")
        return [f"{lst}.append({record(self.fresh_copy(e).text)})"]

    def stmt_list_use(self, scope, depth):
        """A value computed from a list: its sum, its stacked mean, an element."""
        lst = self.c.choice(sorted(scope.lists))
        shape = scope.lists[lst]
        forms = []
        if self.has("builtin_sum"):
            forms.append(f"sum({lst})")
        if self.has("stack", "sum"):
            forms.append(f"np.sum(np.stack({lst}), axis=0)")
        if self.has("stack", "mean"):
            forms.append(f"np.mean(np.stack({lst}), axis=0)")
        if not forms or self.c.boolean(0.2):
            text = f"{lst}[{self.c.choice(['0', '-1'])}]"
            val = alias(fresh(shape), array=True)
        else:
            text = self.c.choice(forms)
            val = fresh(shape)
        name = self.new_name()
        scope.assign(name, val)
        self.feature("list-use")
        return [f"{name} = {record(text)}"]

    # helpers

    def gen_helper(self, k: int, main_shapes: list) -> list[str]:
        """A module-level function the program (and later helpers) may call:
        1-2 value parameters, maybe an int ``n`` (a loop bound, or the depth
        of a recursive helper), returning a scalar or ``like * scalar``."""
        c = self.c
        name = f"h{k}"
        self._taken.add(name)
        recursive = c.boolean(0.3)
        shapes = [c.choice(main_shapes + [()]) for _ in range(c.integer(1, 2))]
        params = list(HELPER_PARAMS[:len(shapes)])
        has_n = recursive or c.boolean(0.4)
        like = params[0] if c.boolean(0.4) else None
        ret_shape = shapes[0] if like else ()
        scope = Scope(fn=FnCtx("helper", ret_shape, like))
        for p, s in zip(params, shapes, strict=True):
            v = fresh(s, array=True)   # a scalar parameter may be passed a 0-d array
            scope.assign(p, v)
            scope.param_bufs.add(v.buf)
        if like:
            scope.protected.add(like)
        sig = [(p, s, "value") for p, s in zip(params, shapes, strict=True)]
        if has_n:
            scope.assign("n", Val((), False, None, active=False, integral=True))
            scope.protected.add("n")
            scope.ints["n"] = (0, 3)
            sig.append(("n", (), "count"))
        lines = [f"def {name}({', '.join(p for p, _, _ in sig)}):"]
        body: list[str] = []
        if recursive:
            body += ["if n <= 0:", f"    return {record(self.helper_return(scope))}"]
        block, scope = self.gen_block(scope, depth=1, nmax=3)
        body += block
        args = [self.exact_expr(scope, s) for s in shapes] if recursive else []
        if any(a is None or (a.shape and not a.val.active) or a.val.integral for a in args):
            recursive = False  # no argument of the right kind: no recursive call
            body = body[2:]    # nor base case
        if recursive:
            call = f"{name}({', '.join(a.text for a in args)}, n - 1)"
            coef = c.choice(["0.5 * ", "", "0.25 * "])
            body.append(f"return {record(f'{coef}{call} + {self.helper_return(scope)}')}")
            self.feature("recursion")
        else:
            body.append(f"return {record(self.helper_return(scope))}")
        self.helpers.append(Helper(name, sig, ret_shape))
        self.feature("helper")
        return lines + indent(body) + [""]

    def helper_return(self, scope) -> str:
        s = self.return_scalar(scope)
        like = scope.fn.like
        if like is None:
            return s
        return self.c.choice(["{l} * ({s})", "np.tanh({l}) + ({s})" if self.has("tanh")
                              else "{l} + ({s})", "({s}) - {l}"]).format(l=like, s=s)

    def return_stmt(self, scope) -> str:
        if scope.fn is not None and scope.fn.kind == "helper":
            return f"return {record(self.helper_return(scope))}"
        return f"return {two_returns(record(self.return_scalar(scope)), self.return_array(scope))}"

    # conditions

    def cond(self, scope) -> str:
        """A condition: comparisons of data (probed: they must stay clear of
        their threshold), chained, negated, combined with and/or; or on ints."""
        c = self.c
        kinds = [("cmp", 6), ("chain", 1), ("not", 1), ("and", 2), ("or", 2)]
        if scope.ints:
            kinds.append(("int", 2))
        kind = c.weighted(kinds)
        if kind == "cmp":
            return self.compare(scope)
        if kind == "int":
            return self.int_cond(scope)
        if kind == "not":
            self.feature("not")
            return f"not {self.compare(scope)}"
        if kind == "chain":
            s = self.cond_scalar(scope)
            lo, hi = c.choice([("-1.0", "1.0"), ("-0.5", "2.0"), ("0.0", "1.5"), ("-2.0", "0.25")])
            ops = [c.choice(["<", "<="]), c.choice(["<", "<="])]
            self.feature("chained-comparison")
            text = probe("_kc", s.text, f", {lo}, {hi}") if s.val.active else s.text
            return f"{lo} {ops[0]} {text} {ops[1]} {hi}"
        self.feature(kind)
        parts = [self.int_cond(scope) if scope.ints and c.boolean(0.3) else self.compare(scope)
                 for _ in range(2)]
        if c.boolean(0.2):
            parts[1] = f"not {parts[1]}"
        return f" {kind} ".join(parts)

    def compare(self, scope) -> str:
        c = self.c
        s = self.cond_scalar(scope)
        op = c.choice(["<", ">", "<=", ">="])
        others = [n for n in scope.names(lambda v: v.ndim == 0 and v.active) if n != s.text]
        if others and c.boolean(0.2):
            n = c.choice(others)
            t = Expr(n, scope.vars[n], True)
        else:
            t = constant(c.choice(THRESHOLDS))
        self.feature("data-condition" if s.val.active else "condition")
        if s.val.active or t.val.active:
            return f"{probe('_kc', s.text, ', ' + t.text)} {op} {t.text}"
        return f"{s.text} {op} {t.text}"

    def cond_scalar(self, scope) -> Expr:
        c = self.c
        r = c.integer(0, 99)
        scalars = scope.names(lambda v: v.ndim == 0 and v.active)
        arrays = scope.names(lambda v: v.ndim > 0)
        if r < 35 and scalars:
            n = c.choice(scalars)
            return Expr(n, scope.vars[n], True)
        if r < 70 and arrays:
            n = c.choice(arrays)
            return self.to_scalar(Expr(n, scope.vars[n], True))
        return self.to_scalar(self.expr(scope, 1))

    def int_cond(self, scope) -> str:
        c = self.c
        n = c.choice(sorted(scope.ints))
        lo, hi = scope.ints[n]
        v = c.integer(lo, max(lo, hi))
        self.feature("int-condition")
        return c.choice([f"{n} > {v}", f"{n} < {v}", f"{n} == {v}", f"{n} % 2 == 0",
                         f"{n} >= {v}"])

    # shapes

    def shapes_in(self, scope) -> list:
        return sorted({v.shape for v in scope.vars.values() if v.active} | {()})

    def to_scalar(self, e: Expr) -> Expr:
        """A scalar computed from ``e``: itself, a reduction or an element."""
        if e.val.ndim == 0:
            return e
        val = fresh((), active=e.val.active)
        opts = [f for f in ("sum", "mean") if self.has(f)]
        if opts and self.c.boolean(0.85):
            return Expr(f"np.{self.c.choice(opts)}({e.text})", val, True)
        idx = ", ".join("0" if self.c.boolean(0.5) else "-1" for _ in e.shape)
        return Expr(f"{e.operand()}[{idx}]", alias(val, e.val), True)

    def exact_expr(self, scope, shape, depth=1) -> Expr | None:
        """An expression of exactly ``shape``."""
        for _ in range(3):
            e = self.expr(scope, depth, compat=shape)
            if e.shape == shape:
                return e
            if shape == ():
                return self.to_scalar(e)
            if broadcast(e.shape, shape) == shape:
                same = scope.names(lambda v: v.shape == shape)
                if same and self.has("mul"):
                    n = self.c.choice(same)
                    w = Expr(n, scope.vars[n], True)
                    return Expr(f"{e.operand()} * {w.text}", result(shape, e, w))
                if self.has("mul", "ones") and e.val.active:
                    return Expr(f"{e.operand()} * np.ones({shape!r})", result(shape, e))
        return None

    # ------------------------------------------------------------ returns

    def return_scalar(self, scope) -> str:
        """Reductions of 1-3 variables, the last assigned active one first."""
        names = list(scope.vars)  # most recently assigned last
        if not names:  # every name changed shape on some path
            return "0.0"
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
        return ([n for n in names if scope.vars[n].active] or names or ["0.0"])[-1]

    # ------------------------------------------------------------ expressions

    def expr(self, scope, depth, compat=None, prefer=None) -> Expr:
        """An expression whose shape broadcasts with ``compat`` (if given)."""
        if depth <= 0 or self.c.boolean(0.2):
            return self.leaf(scope, compat, prefer)
        makers = [(self.e_binary, 8), (self.e_unary, 6), (self.e_index, 2),
                  (self.e_reduce, 2), (self.e_matmul, 2), (self.e_where, 1),
                  (self.e_extremum, 1), (self.e_transpose, 1), (self.e_reshape, 1),
                  (self.e_clip, 1)]
        if self.control:
            makers.append((self.e_ternary, 1))
            if self.helpers:
                makers.append((self.e_call, 4))
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

    def e_ternary(self, scope, depth, compat, prefer):
        """``(a if cond else b)``, ``a`` and ``b`` of one shape: the value is
        one of the two objects."""
        a = self.expr(scope, depth - 1, compat, prefer)
        b = None
        for _ in range(2):
            e = self.expr(scope, depth - 1, a.shape, prefer)
            if e.shape == a.shape:
                b = e
                break
        if b is None:
            forms = [f for f, op in [("-{t}", "neg"), ("0.5 * {t}", "mul"),
                                     ("np.sin({a})", "sin")] if self.has(op)]
            if not forms:
                return None
            b = Expr(self.c.choice(forms).format(t=a.operand(), a=a.text), result(a.shape, a))
        if self.c.boolean(0.5):
            a, b = b, a
        self.feature("ternary")
        val = alias(result(a.shape, a, b, array=a.val.array or b.val.array), a.val, b.val)
        return Expr(f"({a.text} if {self.cond(scope)} else {b.text})", val, True)

    def e_call(self, scope, depth, compat, prefer):
        """A call of a generated helper function."""
        h = self.c.choice(self.helpers)
        if broadcast(h.ret_shape, compat) is None:
            return None
        args, vals = [], []
        for _, shape, kind in h.params:
            if kind == "count":
                args.append(self.int_arg(scope))
                continue
            e = self.exact_expr(scope, shape, max(depth - 1, 0))
            if e is None or (shape and not e.val.active):
                return None  # a helper may call ndarray methods on its array parameters
            if e.val.integral:
                return None  # nor an integer: it may update it in place by a float
            args.append(e.text)
            vals.append(e.val)
        self.feature("call-in-loop" if scope.loop is not None else "call")
        # The result may be (a view of) an argument; a scalar may be a 0-d array.
        val = alias(fresh(h.ret_shape, active=any(v.active for v in vals)), *vals, array=True)
        return Expr(f"{h.name}({', '.join(args)})", val, True)

    def int_arg(self, scope) -> str:
        """An int argument in [0, 3] (the range a helper assumes for ``n``)."""
        ints = sorted(n for n, (lo, hi) in scope.ints.items() if 0 <= lo and hi <= 3)
        if ints and self.c.boolean(0.5):
            return self.c.choice(ints)
        return str(self.c.integer(0, 3))

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
        if self.control and scope.ints and self.c.boolean(0.35):
            index, shape = self.int_index(scope, base.shape)
            is_view = len(shape) > 0
            self.feature("loop-index")
        else:
            index, shape, is_view = self.index_for(base.shape)
        # s2s_ad treats every subscript as a possible view of its base (it
        # cannot tell a copy from a view): an element or a fancy-indexed copy
        # is never updated in place, nor is the base while it is alive.
        val = view(base.val, shape) if is_view else alias(result(shape, base), base.val)
        return Expr(f"{base.operand()}[{index}]", val, True)

    def int_index(self, scope, shape) -> tuple[str, tuple]:
        """An index by an int variable (a loop index, a counter, ``n``):
        plain where its range fits the axis, else modulo the axis length."""
        i = self.c.choice(sorted(scope.ints))
        lo, hi = scope.ints[i]
        axis = 1 if len(shape) == 2 and self.c.boolean(0.3) else 0
        d = shape[axis]
        text = i if -d <= lo and hi < d else f"{i} % {d}"
        if axis == 1:
            return f":, {text}", shape[:1]
        return text, shape[1:]

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
    """``python tests/programs.py [--all] [--instrumented] [--control] SEED...``
    prints generated programs (``--all``: with every known op, registered or
    not; ``--control``: with control flow and helper functions)."""
    seeds = [int(a) for a in argv if not a.startswith("--")] or [0]
    for s in seeds:
        p = random_program(s, ALL_OPS if "--all" in argv else None,
                           control="--control" in argv)
        text = p.instrumented if "--instrumented" in argv else p.source
        print(f"# seed {s}, inputs {list(zip(p.shapes, p.kinds, strict=True))}\n{text}"
              f"# vjp variant returns:{p.vjp_source.rsplit('return', 1)[1]}")


if __name__ == "__main__":
    import sys
    _main(sys.argv[1:])
