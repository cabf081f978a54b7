"""The structured SSA IR.

A function body is a :class:`Block` of statements. A straight-line statement is
an :class:`Eqn`: one operation applied to atoms (SSA values, constants or free
names), binding fresh :class:`Var` s that are never reassigned. Control flow
stays structured (as in MLIR's ``scf`` dialect): an :class:`If` owns two
regions and yields the values that were modified in either branch (its phis);
a :class:`Loop` owns one body region and makes its loop-carried values
explicit. Python control flow is structured already, so SSA is built region by
region, and the adjoint of a structured loop is again a loop.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count()


class Var:
    """An SSA value. ``hint`` is the user's variable name it was bound to (or
    ``None`` for a temporary); ``adjoint_of`` / ``tangent_of`` name the primal
    value a derivative variable belongs to, so codegen can call it ``bx``/``dx``."""

    __slots__ = ("id", "hint", "adjoint_of", "tangent_of", "stack_of", "like", "volatile",
                 "shape_like")

    def __init__(self, hint: str | None = None, *, adjoint_of: Var | None = None,
                 tangent_of: Var | None = None, stack_of: Var | None = None):
        self.id = next(_ids)
        self.hint = hint
        self.adjoint_of = adjoint_of
        self.tangent_of = tangent_of
        self.stack_of = stack_of  # the list that saves this value once per iteration
        self.like: Var | None = None  # prefer this value's name (a restored copy of it)
        self.volatile = False  # its object may be written in place after it is defined
        self.shape_like: Var | None = None  # an earlier version with the same shape and type

    def __repr__(self):
        return f"Var({self.hint or 't'}#{self.id})"


@dataclass(frozen=True, eq=False)
class Const:
    """A literal value embedded in the code (numbers, strings, None, ...)."""

    value: Any

    def __repr__(self):
        return f"Const({self.value!r})"


@dataclass(frozen=True, eq=False)
class Free:
    """A name that is not local to the function: a global, a closure value, a
    builtin, or an attribute path on one of them (``np.linalg.norm``).

    ``value`` is what it resolved to at transformation time; ``origin`` says
    whose namespace the name lives in: ``"user"`` (rendered as written, it is
    visible to the generated code) or ``"rule"`` (a name a derivative rule
    uses, bound under a hygienic name in the generated code)."""

    path: str
    value: Any
    origin: str = "user"
    root_value: Any = None  # what the first name of the path refers to

    @property
    def root(self) -> str:
        return self.path.split(".", 1)[0]

    def __repr__(self):
        return f"Free({self.path})"


Atom = Var | Const | Free


class _Undefined:
    """The value of a variable on a path that never assigned it (a name first
    bound inside one branch or inside a loop). Generated code assigns nothing
    there, so using it raises as in the original program."""

    def __repr__(self):
        return "UNDEFINED"


UNDEFINED = Const(_Undefined())


def is_undefined(a) -> bool:
    return a is UNDEFINED


@dataclass(eq=False)
class LocalFunction:
    """A ``lambda`` or nested ``def`` of the function being lowered. It is not
    a value of the IR: each call is inlined where it happens (late binding of
    the enclosing variables, as Python closures do)."""

    node: Any
    defaults: list




@dataclass(eq=False)
class Loc:
    """Where a statement came from in the user's source."""

    filename: str
    lineno: int
    line: str = ""


# ---------------------------------------------------------------- operations


class Op:
    """What an :class:`Eqn` computes. ``key`` selects the derivative rules;
    ``pure`` says whether the statement may be moved or removed."""

    pure = True

    @property
    def key(self):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__


@dataclass(eq=False, repr=False)
class BinOp(Op):
    symbol: str  # '+', '-', '*', '/', '//', '%', '**', '@'
    fn: Any      # the operator module function, also the rule key

    @property
    def key(self):
        return self.fn


@dataclass(eq=False, repr=False)
class UnaryOp(Op):
    symbol: str  # '-', '+', 'not ', '~'
    fn: Any

    @property
    def key(self):
        return self.fn


@dataclass(eq=False, repr=False)
class Compare(Op):
    symbol: str  # '<', '<=', '==', 'is', 'in', ...
    fn: Any

    @property
    def key(self):
        return self.fn


@dataclass(eq=False, repr=False)
class Call(Op):
    """``args[0]`` is the callee; the rest are the call's positional arguments
    (with ``star``, the last one is unpacked: ``f(a, *rest)``)."""

    pure_call: bool = True
    star: bool = False

    @property
    def pure(self):
        return self.pure_call

    def callee_value(self, eqn):
        callee = eqn.args[0]
        return callee.value if isinstance(callee, Free) else None

    @property
    def key(self):
        return None  # resolved per equation: see Eqn.rule_key


@dataclass(eq=False, repr=False)
class Method(Op):
    """``args[0].name(*args[1:], **kwargs)`` on a value whose type is unknown
    statically; NumPy's array methods have rules under ``("method", name)``."""

    name: str
    pure_call: bool = True

    @property
    def pure(self):
        return self.pure_call

    @property
    def key(self):
        return ("method", self.name)


@dataclass(eq=False, repr=False)
class GetAttr(Op):
    name: str

    @property
    def key(self):
        return ("attr", self.name)


@dataclass(eq=False, repr=False)
class GetItem(Op):
    """``args[0][index]``. ``index`` is a small tree describing the subscript
    whose leaves are positions into ``args``: ``("atom", k)``,
    ``("slice", lo, hi, step)`` with positions or ``None``, ``("tuple", [..])``."""

    index: Any

    @property
    def key(self):
        return ("getitem",)


@dataclass(eq=False, repr=False)
class Build(Op):
    """A container display: ``kind`` is 'tuple', 'list', 'dict' or 'slice'.
    For dicts, the args alternate key, value."""

    kind: str

    @property
    def key(self):
        return ("build", self.kind)


@dataclass(eq=False, repr=False)
class Copy(Op):
    """``y = x``: only emitted where a name must hold a value of its own (a
    constant bound to a user's name, a phi that cannot share a name)."""

    @property
    def key(self):
        return ("copy",)


@dataclass(eq=False, repr=False)
class SetItem(Op):
    """``args[0][index] = args[-1]``, in place; out is the same array after the
    write (a new SSA name for the mutated object)."""

    index: Any
    in_place_ok: bool = True
    pure = False

    @property
    def key(self):
        return ("setitem",)


@dataclass(eq=False, repr=False)
class Effect(Op):
    """A statement kept only for its effect: ``assert args[0], args[1]`` or
    ``raise args[0]``. Never differentiated."""

    kind: str  # 'assert' | 'raise'
    pure = False

    @property
    def key(self):
        return ("effect", self.kind)


@dataclass(eq=False, repr=False)
class ListAppend(Op):
    """``out = lst + [v]``, emitted as ``lst.append(v)`` when ``out`` can take
    over ``lst``'s name and the list belongs to the function (never an
    argument's or a global's list, which the caller still sees)."""

    in_place_ok: bool = True

    @property
    def key(self):
        return ("list_append",)


# ---------------------------------------------------------------- statements


@dataclass(eq=False)
class Eqn:
    outs: list[Var]
    op: Op
    args: list[Atom]
    kwargs: list[tuple[str, Atom]] = field(default_factory=list)
    loc: Loc | None = None
    group: int | None = None  # derivative statements from one rule expansion share a group

    @property
    def rule_key(self):
        if isinstance(self.op, Call):
            return self.op.callee_value(self)
        return self.op.key

    def atoms(self):
        """The operands: the positional arguments, then the keyword arguments'
        values (the ``args`` list itself when there are no keywords: read it,
        do not change it)."""
        if not self.kwargs:
            return self.args
        return [*self.args, *(a for _, a in self.kwargs)]


@dataclass(eq=False)
class Block:
    stmts: list = field(default_factory=list)

    def __iter__(self):
        return iter(self.stmts)

    def __len__(self):
        return len(self.stmts)


@dataclass(eq=False)
class If:
    """``outs = then_yield if pred else else_yield``, computed by two regions."""

    pred: Atom
    then: Block
    orelse: Block
    outs: list[Var]
    then_yield: list[Atom]
    else_yield: list[Atom]
    loc: Loc | None = None


@dataclass(eq=False)
class Loop:
    """A structured loop.

    ``kind`` is ``"for"`` (iterate ``iterable``: a value, binding ``target``
    each iteration) or ``"while"`` (evaluate ``cond_block`` then test
    ``cond``). ``carried`` are the body-entry SSA values, initialised from
    ``init`` and updated from ``next`` at the end of each iteration; ``outs``
    are their values after the loop."""

    kind: str
    carried: list[Var]
    init: list[Atom]
    body: Block
    next: list[Atom]
    outs: list[Var]
    iterable: Atom | None = None
    target: Var | None = None
    cond_block: Block | None = None
    cond: Atom | None = None
    exit_flags: list[Atom] = field(default_factory=list)  # leave after the body if any is true
    loc: Loc | None = None


@dataclass(eq=False)
class Function:
    name: str
    params: list[Var]
    param_names: list[str]
    body: Block
    result: Atom
    filename: str = "<unknown>"
    firstlineno: int = 1
    defaults: tuple = ()
    vararg: bool = False  # the last parameter collects *args
    reserved: frozenset = frozenset()  # every identifier the user's code mentions
    locals: frozenset = frozenset()    # the names it binds (parameters, assignments)
    #: parameters whose object the function changes in place (an item written, an
    #: append), with where: the caller's value changes, which a caller's IR must know
    written_params: dict = field(default_factory=dict)
    #: the free names it reads (globals, closure values, builtins) -> what they
    #: were when it was lowered: its IR is out of date once one of them is rebound
    free_values: dict = field(default_factory=dict)


def walk_eqns(block: Block):
    """Every Eqn in a block, recursing into regions, in program order."""
    for s in block.stmts:
        if isinstance(s, Eqn):
            yield s
        elif isinstance(s, If):
            yield from walk_eqns(s.then)
            yield from walk_eqns(s.orelse)
        elif isinstance(s, Loop):
            if s.cond_block is not None:
                yield from walk_eqns(s.cond_block)
            yield from walk_eqns(s.body)
