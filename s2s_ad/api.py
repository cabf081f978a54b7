"""The public API: ``grad``, ``value_and_grad``, ``vjp``, ``show``.

Each transformation runs the pipeline once per (function, wrt, mode) and
caches the result: frontend (source, fence, lowering to SSA IR) → AD
transform → code generation → loaded function. ``grad`` and
``value_and_grad`` run the frontend at once and the rest when the code is
first needed: a call with numbers needs only the variant made for numbers.
"""

from __future__ import annotations

import functools
import gc
import inspect
import itertools
import linecache
import sys
import threading
import types
import weakref

import numpy as np

from . import runtime
from .ad.common import is_user_function
from .ad.dce import eliminate_dead
from .ad.forward import forward
from .ad.reverse import Adjoint, helper, reverse
from .codegen.emit import FunctionSpec, ModuleEmitter, Namespace
from .codegen.load import load
from .errors import UnsupportedError
from .frontend import fence
from .frontend.source import parse_function
from .frontend.walk import nodes
from .ir import analysis
from .ir import nodes as ir
from .ir.lower import lower_function
from .ir.printer import format_function
from .rules import registry

_lock = threading.RLock()
reverse_hooks = None  # set below
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# ---------------------------------------------------------------- pipeline


class _Primal:
    """A user function taken through the frontend: its IR and namespaces.

    Lowering resolves the function's free names. One that is not bound yet
    (``@grad`` on a function that calls a helper defined further down the
    module) is no error yet: as Python looks a global up when the function
    runs, the function is lowered again when its IR is first needed, and only
    a name still unbound then raises ``NameError``."""

    def __init__(self, f):
        self._f = f
        pf, every = self._parse()
        args = pf.node.args
        self.name = pf.node.name
        self.vararg = args.vararg is not None
        self.param_names = [a.id for a in args.args] + ([args.vararg.id] if self.vararg else [])
        self._fn = None
        try:
            self._lower(pf, every)
        except NameError:
            pass

    def _parse(self):
        pf = parse_function(_unwrap(self._f))
        every = nodes(pf.node)  # the tree as parsed: walked once for both
        fence.check(pf, every)
        return pf, every

    def _lower(self, pf, every) -> None:
        fn = lower_function(pf, registry.is_pure, every)
        self.pf = pf
        self.namespace = Namespace(lookup=pf.lookup_free, closure=pf.closure,
                                   reserved=fn.reserved, locals=fn.locals)
        self._fn = fn

    def current(self) -> bool:
        """Do the free names it read still name the same values? (A helper
        redefined in a notebook cell, say, makes a new transformation.)"""
        fn = self._fn
        if fn is None:
            return True
        lookup = self.pf.lookup_free
        for name, value in fn.free_values.items():
            now = lookup(name)[1]
            if now is not value and (callable(value) or isinstance(value, types.ModuleType)
                                     or _kind_of(now) != _kind_of(value)):
                return False  # (data of the same kind is read by name when the code runs)
        return True

    @property
    def fn(self) -> ir.Function:
        if self._fn is None:
            with _lock:
                if self._fn is None:
                    self._lower(*self._parse())  # (lowering changes the tree: a fresh one)
        return self._fn

    def wrt_indices(self, wrt) -> list[int]:
        names = self.param_names
        items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
        out = []
        for w in items:
            if isinstance(w, str):
                if w not in names:
                    raise ValueError(f"wrt={w!r}: {self.name}() has no parameter {w!r} "
                                     f"(its parameters are {', '.join(names)})")
                out.append(names.index(w))
            elif isinstance(w, int) and not isinstance(w, bool):
                if not -len(names) <= w < len(names):
                    raise ValueError(f"wrt={w}: {self.name}() has {len(names)} parameters")
                out.append(w % len(names))
            else:
                raise TypeError(f"wrt must be a parameter position or name, got {w!r}")
        if self.vararg and len(names) - 1 in out:
            raise ValueError(f"cannot differentiate with respect to *{names[-1]}: "
                             "pass the values as named parameters")
        return out


def _unwrap(f):
    if isinstance(f, Transformed):
        return f._generated
    from .primitives import Primitive
    if isinstance(f, Primitive):
        return f.as_function()
    return f


def _primal(f) -> _Primal:
    entry = _cache_entry(f)
    p = entry.get("primal")
    if p is None:
        p = entry["primal"] = _Primal(f)
    return p


def _kind_of(value):
    """What the transformation may have assumed of a global's data: its type
    and, for an array, its number of dimensions and dtype."""
    if isinstance(value, np.ndarray):
        return np.ndarray, value.ndim, value.dtype
    return type(value)


def _cache_entry(f) -> dict:
    """The transformations of ``f`` made so far; none if a free name ``f``
    reads was rebound since (they would run the old value)."""
    try:
        entry = _cache.setdefault(f, {})
    except TypeError:  # not weak-referenceable: no caching
        return {}
    primal = entry.get("primal")
    if primal is not None and not primal.current():
        entry.clear()
    return entry


def _seed_block(fn: ir.Function, adj: Adjoint, check: bool = True) -> ir.Block:
    """``require_scalar(y, 'f')`` (unless ``y`` is known to be a number)
    then ``by = 1.0``."""
    stmts = []
    if check:
        stmts.append(ir.Eqn([], ir.Call(False), [helper(runtime.require_scalar), fn.result,
                                                 ir.Const(fn.name)]))
    if adj.seed is not None:
        stmts.append(ir.Eqn([adj.seed], ir.Copy(), [ir.Const(1.0)]))
    return ir.Block(stmts)


def _grad_only(adj: Adjoint) -> ir.Block:
    """For ``grad`` of a function known to return a number, nothing reads
    its value: the seed needs no check, and the forward sweep keeps only
    what the backward sweep reads (and what has effects), as a hand-written
    gradient does not compute the loss it differentiates."""
    seed = _seed_block(adj.primal, adj, check=False)
    flat = []
    for g in adj.grads:
        flat.extend(g if isinstance(g, list) else [g])
    needed = analysis.free_vars(ir.Block(seed.stmts + adj.backward.stmts), flat)
    eliminate_dead(adj.forward, list(needed.values()))
    return seed


def _residuals(adj: Adjoint) -> list[ir.Var]:
    """What the backward half reads from the forward half, in definition order."""
    flat = []
    for g in adj.grads:
        flat.extend(g if isinstance(g, list) else [g])
    needed = analysis.free_vars(adj.backward, flat)
    if adj.seed is not None:
        needed.pop(adj.seed.id, None)
    order = [p.id for p in adj.primal.params]
    defs = analysis.definitions(adj.forward)
    rank = {vid: i for i, vid in enumerate(order + defs)}
    return sorted(needed.values(), key=lambda v: rank.get(v.id, -1))


# ---------------------------------------------------------------- objects


class Transformed:
    """A generated function plus what it was made from.

    Call it like the generated function. ``source`` is the generated Python,
    ``ir`` the printed SSA IR of the primal, ``__wrapped__`` the original."""

    _s2s_ad_derivative = True  # called from code being differentiated: its code is read

    def __init__(self, f, primal: _Primal, generated, fns, filename, wrt, kind):
        functools.update_wrapper(self, f, updated=())
        # a derivative of a derivative takes its attributes, not its state
        self.__dict__.update({k: v for k, v in getattr(f, "__dict__", {}).items()
                              if not (isinstance(f, Transformed) and k.startswith("_"))})
        self.__wrapped__ = f
        self._primal = primal
        if generated is not None:
            self._set_generated(generated, fns, filename)
        self._wrt = wrt
        self._kind = kind
        params = primal.param_names
        # grad's differentiated integers become floats; forward mode keeps every
        # argument as given (an integer may be a loop count)
        self._wrt_checks = [] if kind == "jvp" else [(i, params[i]) for i in wrt]
        self._wrt_spec = None
        self._variants: dict = {}
        self._numbers_variant = kind in ("grad", "value_and_grad")

    def _set_generated(self, generated, fns, filename) -> None:
        self._gen = generated
        self._fns = fns
        self._generated = fns[0]
        self._filename = filename

    def __getattr__(self, name):
        # Only reached while an attribute is missing: the generated code of a
        # gradient is made when first needed, not by grad(f). Calls whose
        # arguments are all numbers run a variant made for them, so a
        # gradient only ever called with numbers never needs the general code;
        # the frontend (and its errors for unsupported syntax) ran in grad(f).
        if name in _GENERATED_ATTRS and "_primal" in self.__dict__:
            self._generate_general()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _generate_general(self) -> None:
        enabled = gc.isenabled()
        if enabled:
            gc.disable()  # as in _build
        try:
            with _lock:
                if "_gen" not in self.__dict__:
                    specs = _reverse_specs(self._primal, self._wrt, self._wrt_spec,
                                           self._kind, None)
                    self._set_generated(*_generate(self._primal, specs, self._kind))
        finally:
            if enabled:
                gc.enable()

    @property
    def function(self):
        """The generated Python function itself: ``inspect.getsource`` on it,
        tracebacks and ``pdb`` show the generated code. (``inspect.getsource(df)``
        follows ``__wrapped__`` to the original, as for any ``functools.wraps``
        wrapper.)"""
        return self._generated

    @property
    def source(self) -> str:
        """The generated Python source of this derivative."""
        return self._gen.display

    @property
    def ir(self) -> str:
        """The SSA IR of the original function, printed."""
        return format_function(self._primal.fn)

    @property
    def line_map(self) -> dict:
        """Generated line number → ``(user filename, user line)``."""
        return dict(self._gen.line_map)

    def _prepare(self, args, kwargs):
        for i, name in self._wrt_checks:
            if i < len(args):
                v = args[i]
            elif name in kwargs:
                v = kwargs[name]
            else:
                continue
            fixed = _as_differentiable(v, name)
            if fixed is not v:
                if i < len(args):
                    args = args[:i] + (fixed,) + args[i + 1:]
                else:
                    kwargs = {**kwargs, name: fixed}
        return args, kwargs

    def __call__(self, *args, **kwargs):
        # The common call, positional float arrays and numbers, takes the
        # shortest way: a gradient of a small function costs a few
        # microseconds, and this wrapper is part of them.
        if self._wrt_checks:
            n = len(args)
            for i, _ in self._wrt_checks:
                if i < n:
                    a = args[i]
                    t = type(a)
                    if t is _ndarray:
                        dt = a.dtype
                        if dt is _F64 or dt.kind in "fc":
                            continue
                    elif t in _AS_GIVEN:
                        continue
                    args, kwargs = self._prepare(args, kwargs)
                    break
                if kwargs:
                    args, kwargs = self._prepare(args, kwargs)
                    break
        if self._numbers_variant and not kwargs:
            kinds = _number_kinds(args)
            if kinds is not None:
                v = self._variants.get(kinds)
                if v is None:
                    v = self._variant(kinds)
                if type(self) is Transformed:
                    self._take_fast_call(kinds, v._generated, len(args))
                return v._generated(*args)
            if type(self) is Transformed:
                self._take_fast_call("x" * len(args), self._generated, len(args))
        return self._generated(*args, **kwargs)

    def _take_fast_call(self, kinds: str, fn, nargs: int) -> None:
        """After the first call: calls with arguments of the same kinds go
        straight to the generated function ``fn``, by a dispatcher that
        checks the kinds inline (``type(x) is ndarray and x.ndim == 1 and
        x.dtype is float64``) and passes anything else, keywords included,
        to :meth:`__call__`. It becomes this object's ``__call__``: for a
        gradient of a few microseconds, the general wrapper's loops cost
        0.3-0.4 us more. Kinds it cannot check inline keep the wrapper."""
        wrt = {i for i, _ in self._wrt_checks}
        checks = []
        for i, k in enumerate(kinds):
            a = f"a{i}"
            if k == "v":
                checks.append(f"type({a}) is nd and {a}.ndim == 1 and {a}.dtype is F64")
            elif k == "n":
                checks.append(f"type({a}) is float")
            elif k == "x" and i in wrt:  # as _prepare would leave it
                checks.append(f"(type({a}) is dict or (type({a}) is nd and {a}.ndim != 1"
                              f" and {a}.dtype is F64))")
            elif k == "x":
                checks.append(f"(type({a}) is dict or (type({a}) is nd and ({a}.ndim != 1"
                              f" or {a}.dtype.kind != 'f')))")
            else:  # lists of numbers: the wrapper looks into them
                return
        if not checks or nargs != len(kinds):
            return
        names = ", ".join(f"a{i}" for i in range(nargs))
        source = (f"def call(*args, **kwargs):\n"
                  f"    if not kwargs and len(args) == {nargs}:\n"
                  f"        {names}, = args\n"
                  f"        if {' and '.join(checks)}:\n"
                  f"            return fn(*args)\n"
                  f"    return slow(*args, **kwargs)\n")
        namespace = {"nd": _ndarray, "F64": _F64, "fn": fn,
                     "slow": types.MethodType(Transformed.__call__, self)}
        filename = f"<s2s_ad dispatch of {self.__wrapped__.__qualname__} #{next(_dispatchers)}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)  # shown in tracebacks and pdb
        self.__class__ = type("Transformed", (Transformed,),
                              {"__call__": staticmethod(namespace["call"]), "__slots__": (),
                               "__module__": Transformed.__module__})

    def _variant(self, kinds: str) -> Transformed:
        """The variant generated for calls whose arguments are numbers (``n``),
        lists and tuples of numbers (``s``) or 1-D float arrays (``v``, whose
        items are numbers), the others unknown (``x``): values known to be
        numbers need no ``unbroadcast`` and nothing saved just to know a
        shape. Where the kinds make no value a number (1-D arrays never
        indexed by an integer) the general function serves."""
        v = self._variants.get(kinds)
        if v is None:
            if "n" in kinds or "s" in kinds or _specialises(self._primal.fn, kinds):
                v = _build(self.__wrapped__, self._wrt_spec, self._kind, scalar_inputs=kinds)
            else:
                v = self
            self._variants[kinds] = v
        return v

    def source_for(self, *args) -> str:
        """The generated source that a call with these arguments runs: the
        variant specialised to those of them that are numbers, lists of
        numbers or 1-D float arrays (where it knows more values to be
        numbers than the general code), else :attr:`source`."""
        kinds = _number_kinds(args) if self._kind in ("grad", "value_and_grad") else None
        return self.source if kinds is None else self._variant(kinds).source

    def __repr__(self):
        return f"<s2s_ad {self._kind} of {self.__wrapped__.__qualname__}>"

    def _repr_html_(self):
        from .display import highlight_html
        return highlight_html(self.source)


def _as_differentiable(v, name):
    t = type(v)
    if t is float or (t is np.ndarray and v.dtype.kind in "fc"):
        return v  # the common cases, checked first
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return float(v)
    if isinstance(v, np.ndarray) and not np.issubdtype(v.dtype, np.inexact):
        raise TypeError(
            f"cannot differentiate with respect to {name!r}: it is an array of dtype "
            f"{v.dtype}; gradients need floating-point inputs (use {name}.astype(float))")
    return v


_IN_PROGRESS = object()
#: Attributes of a Transformed that its generated code gives (made on first use)
_GENERATED_ATTRS = frozenset({"_gen", "_fns", "_generated", "_filename"})
_dispatchers = itertools.count()


def _number_kinds(args) -> str | None:
    """``"n"`` per number, ``"s"`` per list or tuple of numbers, ``"v"`` per
    1-D float array and ``"x"`` per anything else; ``None`` if nothing is
    known (every argument is ``"x"``)."""
    kinds = ""
    for a in args:
        t = type(a)
        if t is _ndarray:
            kinds += "v" if a.ndim == 1 and (a.dtype is _F64 or a.dtype.kind == "f") else "x"
        elif t is float or t in _NUMBER_TYPES:
            kinds += "n"
        elif t is list or t is tuple:
            # the element types, in C; a subclass of a number type takes the long way
            if a and (_ITEM_TYPES.issuperset(map(type, a))
                      or all(isinstance(v, _NUMBERS) for v in a)):
                kinds += "s"
            else:
                kinds += "x"
        elif t is dict:
            kinds += "x"
        elif isinstance(a, _NUMBERS) and not isinstance(a, bool):
            kinds += "n"
        elif isinstance(a, (list, tuple)) and a and all(isinstance(v, _NUMBERS) for v in a):
            kinds += "s"
        else:
            kinds += "x"
    return kinds if kinds.strip("x") else None


def _specialises(fn, kinds: str) -> bool:
    """Does the shape analysis know more values to be numbers under ``kinds``
    than without them (is a variant worth generating)?"""
    general, special = analysis.ShapeClasses(fn), analysis.ShapeClasses(fn, kinds)
    return any(special.is_scalar(v) and not general.is_scalar(v)
               for s in ir.walk_eqns(fn.body) for v in s.outs)


_NUMBERS = (float, int, np.floating, np.integer)
_ndarray = np.ndarray
_F64 = np.dtype(np.float64)
#: Types of differentiated arguments that _as_differentiable leaves as they are
_AS_GIVEN = frozenset({float, dict, list, tuple})
#: Exact types that are numbers (bool counts inside a list, as isinstance says)
_NUMBER_TYPES = frozenset({float, int, np.float64, np.float32, np.float16, np.longdouble,
                           np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32,
                           np.uint16, np.uint8})
_ITEM_TYPES = _NUMBER_TYPES | {bool}


def _build(f, wrt, kind: str, scalar_inputs: bool = False) -> Transformed:
    """The transformed function (cached per function, ``wrt`` and kind).

    The cyclic garbage collector is off while it runs: a transformation
    allocates many long-lived objects (ASTs, IR), which would otherwise set
    off full collections that cost more than the transformation itself on
    large functions. Only the outermost call (``_build`` nests for called
    user functions) switches it back on, and only if it was on."""
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        return _build_uncollected(f, wrt, kind, scalar_inputs)
    finally:
        if enabled:
            gc.enable()


def _build_uncollected(f, wrt, kind: str, scalar_inputs) -> Transformed:
    with _lock:
        entry = _cache_entry(f)
        key = (kind, tuple(wrt) if isinstance(wrt, (list, tuple)) else wrt)
        if scalar_inputs:
            key = key + (scalar_inputs,)
        cached = entry.get(key)
        if cached is not None and cached is not _IN_PROGRESS:
            return cached
        primal = _primal(f)
        if kind == "jvp":  # wrt: the parameters with a tangent (None: all)
            return _finish(f, entry, key, primal, _jvp_specs(primal.fn, wrt), kind,
                           list(range(len(primal.param_names))))
        idx = primal.wrt_indices(wrt)
        if kind in ("grad", "value_and_grad") and not scalar_inputs:
            # the general code waits for a call that needs it (or for .source)
            result = Transformed(f, primal, None, None, None, idx, kind)
            result._wrt_spec = key[1]
            entry[key] = result
            return result
        return _finish(f, entry, key, primal, _reverse_specs(primal, idx, wrt, kind,
                                                             scalar_inputs), kind, idx)


def _reverse_specs(primal: _Primal, idx: list[int], wrt, kind: str, scalar_inputs) -> list:
    """The functions to generate for a reverse-mode ``kind``: the gradient
    (``grad``, ``value_and_grad``) or a forward/backward pair."""
    fn = primal.fn
    adj = reverse(fn, idx, scalar_inputs)
    base = fn.name.strip("<>") or "f"
    grads = adj.grads
    if kind in ("grad", "value_and_grad"):
        if isinstance(wrt, (tuple, list)):
            g_atoms = [_tuple_atom(grads)]
        else:
            g_atoms = grads
        returns = g_atoms if kind == "grad" else [fn.result, *g_atoms]
        seed = _grad_only(adj) if kind == "grad" and adj.result_is_number else \
            _seed_block(fn, adj)
        specs = [FunctionSpec(f"{kind}_{base}", fn.params,
                              [adj.forward, seed, adj.backward],
                              returns, defaults=fn.defaults, vararg=fn.vararg)]
    else:  # vjp / split: a forward/backward pair
        res = _residuals(adj)
        res_var = ir.Var("residuals")
        seed = adj.seed or ir.Var("g")
        back = grads if kind == "split" and len(grads) == 1 else [_tuple_atom(grads)]
        top = {v.id for s in adj.forward.stmts if not isinstance(s, ir.If)
               for v in getattr(s, "outs", [])} | {p.id for p in fn.params}
        maybe_unset = [v for v in res if v.id not in top]
        specs = [FunctionSpec(f"{base}_fwd", fn.params, [adj.forward],
                              [fn.result, _tuple_atom(res)], defaults=fn.defaults,
                              predeclare=maybe_unset, vararg=fn.vararg),
                 FunctionSpec(f"{base}_bwd", [res_var, seed], [adj.backward],
                              back, unpack=(res_var, res))]
    return specs


def _finish(f, entry, key, primal, specs, kind, idx) -> Transformed:
    result = Transformed(f, primal, *_generate(primal, specs, kind), idx, kind)
    result._wrt_spec = key[1]
    entry[key] = result
    return result


def _generate(primal: _Primal, specs: list, kind: str) -> tuple:
    """``(generated module, its functions, its filename)``: the specs emitted
    as source and loaded."""
    fn = primal.fn
    gen = ModuleEmitter(primal.namespace, fn.name.strip("<>")).emit(specs, fn.filename)
    fns, filename = load(gen, primal.pf.globals, f"{kind} of {fn.name}")
    return gen, fns, filename


def _jvp_specs(fn, active=None) -> list:
    if fn.vararg:
        raise UnsupportedError(f"forward mode of {fn.name}() with *args parameters",
                               filename=fn.filename, lineno=fn.firstlineno, construct="*args")
    t = forward(fn, active)
    base = fn.name.strip("<>") or "f"
    return [FunctionSpec(f"jvp_{base}", t.params + t.tangent_params, [t.body],
                         [t.result, t.tangent], comment=None, predeclare=t.predeclare)]


def _callee_functions(callee, kind: str, wrt, suffixes: tuple[str, ...],
                      scalar_inputs: str | None = None) -> tuple:
    """The generated functions of a user function called from code being
    transformed (built now, and cached). A recursive call, whose functions
    are being built right now, gets late-bound references instead."""
    entry = _cache_entry(callee)
    key = (kind, wrt) + ((scalar_inputs,) if scalar_inputs else ())
    _refuse_argument_writes(callee)
    if key not in entry:
        entry[key] = _IN_PROGRESS
        try:
            _build(callee, wrt, kind, scalar_inputs=scalar_inputs)
        except BaseException:
            entry.pop(key, None)
            raise
    built = entry[key]
    if built is not _IN_PROGRESS:
        return tuple(built._fns)
    name = callee.__name__.strip("<>")
    return tuple(runtime.LateBound(lambda k=k: entry[key]._fns[k], f"{name}_{suffix}")
                 for k, suffix in enumerate(suffixes))


def _refuse_argument_writes(callee) -> None:
    """A user function called from a differentiated one may not change its
    arguments in place: the caller's IR would not see the change (its value
    and derivative would be lost)."""
    written = _primal(callee).fn.written_params
    if written:
        name, loc = next(iter(written.items()))
        raise UnsupportedError(
            f"calling {callee.__name__}() from a differentiated function: it changes its "
            f"argument {name!r} in place, which s2s_ad cannot carry back to the caller "
            f"(return the new value instead: {name} = {callee.__name__}(...))",
            filename=loc.filename, lineno=loc.lineno,
            construct="a call that changes its argument", source_line=loc.line)


def _jvp_function(callee):
    """``f_jvp(*primals, *tangents) -> (out, tangent)`` for a called user function."""
    return _callee_functions(callee, "jvp", None, ("jvp",))[0]


def _split_pair(callee, wrt: tuple[int, ...], scalar_inputs: str | None = None):
    """``(f_fwd, f_bwd)`` for a call site whose arguments at ``wrt`` are active;
    with ``scalar_inputs`` (as for :func:`_build`: ``"n"`` per argument the
    caller knows to be a number, any other letter for one it does not), the
    pair specialised to such arguments."""
    if scalar_inputs is not None and "n" not in scalar_inputs:
        scalar_inputs = None
    return _callee_functions(callee, "split", wrt, ("fwd", "bwd"), scalar_inputs)


def _tuple_atom(atoms):
    """A tuple of atoms in a return statement (the emitter renders a list as a tuple)."""
    return list(atoms)


# ---------------------------------------------------------------- public


def grad(f=None, wrt=0):
    """The gradient of a scalar function, as generated Python.

    ``@grad`` differentiates with respect to the first parameter; ``wrt``
    takes a position, a name, or a tuple of them (then a tuple of gradients
    is returned, in that order).

    ``grad(f)`` reads and lowers ``f`` (unsupported syntax raises here) and
    returns; the code is generated on first need: the first call generates
    the code for its kind of arguments (numbers get a variant of their own),
    ``.source`` the general code. A call the library cannot differentiate is
    reported by the first call."""
    if f is None:
        return lambda g: grad(g, wrt)
    return _build(f, wrt, "grad")


def value_and_grad(f=None, wrt=0):
    """Like :func:`grad` but returns ``(value, gradient)``."""
    if f is None:
        return lambda g: value_and_grad(g, wrt)
    return _build(f, wrt, "value_and_grad")


def vjp(f, *args):
    """``(out, pullback)``: ``pullback(cotangent)`` returns a tuple with one
    cotangent per argument of ``f``; ``None`` for an integer array (labels,
    indices), which has no derivative."""
    floats = tuple(i for i, a in enumerate(args)
                   if not (isinstance(a, np.ndarray) and a.dtype.kind in "biu"))
    t = _build(f, floats, "vjp")
    fwd, bwd = t._fns
    out, residuals = fwd(*args)

    def pullback(cotangent):
        got = bwd(residuals, cotangent)
        if len(floats) == len(args):
            return got
        every = [None] * len(args)
        for k, i in enumerate(floats):
            every[i] = got[k]
        return tuple(every)

    pullback.source = t.source
    return out, pullback


def show(df, file=None) -> None:
    """Print a transformed function's generated source: highlighted on a
    terminal (and as HTML in a notebook) when Pygments is installed."""
    text = df.source if isinstance(df, Transformed) else str(df)
    if file is None:
        try:
            get_ipython  # noqa: B018  (defined inside IPython/Jupyter only)
        except NameError:
            pass
        else:
            from IPython.display import HTML, display

            from .display import highlight_html
            display(HTML(highlight_html(text)))
            return
        file = sys.stdout
    if getattr(file, "isatty", lambda: False)():
        from .display import highlight_terminal
        text = highlight_terminal(text)
    print(text, file=file, end="" if text.endswith("\n") else "\n")


_ = (inspect, types)


def _result_is_number(callee, kinds: str) -> bool:
    """Is ``callee``'s result a number when called with arguments of these
    kinds (see ``analysis.CALL_RESULT_IS_NUMBER``)? Not known while its own
    analysis is running (recursion)."""
    if not is_user_function(callee):
        return False
    entry = _cache_entry(callee)
    key = ("result is a number", kinds)
    known = entry.get(key)
    if known is None:
        entry[key] = False  # while it is being found out
        try:
            fn = _primal(callee).fn
            known = analysis.ShapeClasses(fn, kinds).is_scalar(fn.result)
        except Exception:  # noqa: BLE001 - the call itself reports what is wrong
            known = False
        entry[key] = known
    return known


from .ad import reverse as _reverse_module  # noqa: E402

_reverse_module.SPLIT_PAIR = _split_pair
_reverse_module.REFUSE_ARGUMENT_WRITES = _refuse_argument_writes
analysis.CALL_RESULT_IS_NUMBER = _result_is_number

from .ad import forward as _forward_module  # noqa: E402

_forward_module.JVP_OF = _jvp_function


# ---------------------------------------------------------------- forward mode and beyond


def derivative(f, mode: str = "reverse", wrt=0):
    """The transformed function for ``mode``: ``"reverse"`` is ``grad(f, wrt)``;
    ``"forward"`` is the JVP ``jvp_f(*primals, *tangents) -> (out, tangent)``.
    Either has ``.source`` and ``.ir``."""
    if mode == "reverse":
        return grad(f, wrt)
    if mode == "forward":
        return _build(f, None, "jvp")
    raise ValueError(f"mode must be 'forward' or 'reverse', not {mode!r}")


def jvp(f, primals, tangents):
    """``(f(*primals), J · tangents)`` by forward mode: like ``jax.jvp``,
    ``primals`` and ``tangents`` are tuples covering every argument."""
    primals, tangents = tuple(primals), tuple(tangents)
    n_given = len(tangents)
    if len(primals) == len(tangents):  # parameters left at their defaults: tangent 0
        primals = _full_args(f, primals)
        tangents += (None,) * (len(primals) - len(tangents))
    n = len(_primal(f).param_names)
    if len(primals) != n or len(tangents) != n:
        raise TypeError(f"jvp of {_primal(f).name}() needs {n} primals and {n} tangents, "
                        f"got {len(primals)} and {n_given}")
    # a zero tangent is left out (its parameter a constant): 0 times an infinite
    # partial derivative (log(x) of x ** n at x < 0, say) would be NaN
    active = tuple(i for i, v in enumerate(tangents) if not _is_zero_tangent(v))
    t = _build(f, active, "jvp")
    tangents = tuple(float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                     for i, v in enumerate(tangents) if i in active)
    return t._fns[0](*primals, *tangents)


def _is_zero_tangent(v) -> bool:
    """``None``, a zero number, an array of zeros (containers: never)."""
    if v is None:
        return True
    t = type(v)
    if t is float or t is int or isinstance(v, np.number):
        return v == 0
    if t is np.ndarray:
        return v.dtype.kind != "O" and not v.any()
    return False


def _full_args(f, args, kwargs=None) -> tuple:
    """``args`` and ``kwargs`` as a value for every parameter of ``f``, in
    order, defaults filled in (the forward-mode functions take every
    argument). As given when they do not bind: the call reports that."""
    try:
        sig = inspect.signature(_unwrap(f))
        bound = sig.bind(*args, **(kwargs or {}))
    except (TypeError, ValueError):
        return tuple(args)
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
           for p in sig.parameters.values()):
        return tuple(args)
    bound.apply_defaults()
    return tuple(bound.arguments.values())


def _basis(x):
    """Unit directions over the elements of ``x`` (a float or an array)."""
    shape = np.shape(x)
    size = int(np.prod(shape)) if shape else 1
    for k in range(size):
        e = np.zeros(size)
        e[k] = 1.0
        yield e.reshape(shape) if shape else 1.0


def jacobian(f, wrt=0, mode=None):
    """A function computing the Jacobian of ``f`` w.r.t. argument ``wrt``,
    shaped ``out.shape + in.shape``. ``mode`` is ``"forward"`` (a JVP per
    input element), ``"reverse"`` (a VJP per output element), or ``None``:
    forward when the input is no larger than the output."""
    if mode not in (None, "forward", "reverse"):
        raise ValueError(f"mode must be 'forward', 'reverse' or None, not {mode!r}")

    def jac(*args, **kwargs):
        primal = _primal(f)
        (i,) = primal.wrt_indices(wrt)
        args = list(_full_args(f, args, kwargs))
        args[i] = _as_differentiable(args[i], primal.fn.param_names[i])
        args = tuple(args)
        x = args[i]
        chosen = mode
        if chosen is None:
            out = f(*args)
            chosen = "forward" if np.size(x) <= np.size(out) else "reverse"
        if chosen == "forward":
            cols = []
            out = None
            for e in _basis(x):
                tangents = [_zero_tangent(a) for a in args]
                tangents[i] = e
                out, d = jvp(f, args, tangents)
                cols.append(np.asarray(d, dtype=float))
            J = np.stack(cols, axis=-1) if cols else np.zeros(np.shape(out) + (0,))
            return _shape_jacobian(J, np.shape(out), np.shape(x))
        out, pullback = vjp(f, *args)
        rows = [np.asarray(pullback(u)[i], dtype=float) for u in _basis(out)]
        J = np.stack(rows, axis=0)
        return _shape_jacobian(J.reshape((-1,) + np.shape(x)).reshape(
            (len(rows), -1)).T.T, np.shape(out), np.shape(x), rows_first=True)

    functools.update_wrapper(jac, f)
    return jac


def _zero_tangent(a):
    if isinstance(a, np.ndarray):
        return np.zeros(a.shape)
    if isinstance(a, (int, float, np.number)) and not isinstance(a, bool):
        return 0.0
    return runtime.zeros_like(a)


def _shape_jacobian(J, out_shape, in_shape, rows_first=False):
    J = np.asarray(J, dtype=float)
    if rows_first:
        J = J.reshape(tuple(out_shape) + tuple(in_shape))
    else:
        J = J.reshape(tuple(out_shape) + tuple(in_shape))
    return float(J) if J.ndim == 0 else J


def hessian(f, wrt=0):
    """A function computing the Hessian of scalar ``f`` w.r.t. argument
    ``wrt``, as forward-over-reverse (a JVP of the generated gradient code per
    input element): a float for a scalar argument, ``(n, n)`` for a 1-D one."""
    g = grad(f, wrt)
    h = jacobian(g, wrt=wrt, mode="forward")
    functools.update_wrapper(h, f)
    return h


def hvp(f, wrt=0):
    """A function ``(*args, v) -> H v``: a Hessian-vector product without
    forming the Hessian (one JVP of the generated gradient code)."""
    g = grad(f, wrt)

    def product(*args, **kwargs):
        *args, v = args
        primal = _primal(f)
        (i,) = primal.wrt_indices(wrt)
        args = list(_full_args(f, args, kwargs))
        args[i] = _as_differentiable(args[i], primal.fn.param_names[i])
        tangents = [_zero_tangent(a) for a in args]
        tangents[i] = v
        return jvp(g, args, tangents)[1]

    functools.update_wrapper(product, f)
    return product
