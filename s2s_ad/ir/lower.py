"""Lowering: ``gast`` → structured SSA IR.

Every nested expression becomes its own equation with a fresh SSA value (ANF);
assignments only rebind names in an environment, so reassigning a variable
creates a new SSA value instead of overwriting one. The same lowering serves
user functions and derivative-rule templates (whose parameters are bound to
the atoms of the equation being differentiated), so rules are written as
ordinary Python and inlined as IR.

    y = np.exp(x) + x * x        t0 = np.exp(x)
                          ──►    t1 = x * x
                                 y = t0 + t1
"""

from __future__ import annotations

import builtins
import operator
import types
from collections.abc import Callable

import gast

from ..errors import UnsupportedError
from ..frontend.walk import nodes
from . import nodes as ir

BINOPS = {
    gast.Add: ("+", operator.add), gast.Sub: ("-", operator.sub),
    gast.Mult: ("*", operator.mul), gast.Div: ("/", operator.truediv),
    gast.FloorDiv: ("//", operator.floordiv), gast.Mod: ("%", operator.mod),
    gast.Pow: ("**", operator.pow), gast.MatMult: ("@", operator.matmul),
    gast.BitAnd: ("&", operator.and_), gast.BitOr: ("|", operator.or_),
    gast.BitXor: ("^", operator.xor), gast.LShift: ("<<", operator.lshift),
    gast.RShift: (">>", operator.rshift),
}
UNARYOPS = {
    gast.USub: ("-", operator.neg), gast.UAdd: ("+", operator.pos),
    gast.Not: ("not", operator.not_), gast.Invert: ("~", operator.invert),
}
CMPOPS = {
    gast.Lt: ("<", operator.lt), gast.LtE: ("<=", operator.le), gast.Gt: (">", operator.gt),
    gast.GtE: (">=", operator.ge), gast.Eq: ("==", operator.eq), gast.NotEq: ("!=", operator.ne),
    gast.Is: ("is", operator.is_), gast.IsNot: ("is not", operator.is_not),
    gast.In: ("in", operator.contains), gast.NotIn: ("not in", "not in"),
}

_STATIC_TYPES = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType)


class Scope:
    """How a lowering resolves what is not a local variable, and where its
    statements came from (for error messages and the source map)."""

    def __init__(self, *, lookup: Callable[[str], tuple[bool, object]], origin: str,
                 filename: str, line_offset: int = 0, lines: list[str] | None = None,
                 error: Callable | None = None, is_pure: Callable | None = None):
        self.lookup = lookup
        self.origin = origin
        self.filename = filename
        self.line_offset = line_offset
        self.lines = lines or []
        self._error = error
        self.is_pure = is_pure or (lambda key: False)

    def loc(self, node) -> ir.Loc:
        n = getattr(node, "lineno", 1)
        line = self.lines[n - 1].strip() if 0 < n <= len(self.lines) else ""
        return ir.Loc(self.filename, n + self.line_offset, line)

    def unsupported(self, node, construct, detail=""):
        if self._error is not None:
            return self._error(node, construct, detail)
        loc = self.loc(node)
        return UnsupportedError(f"{construct} is not supported" + (f": {detail}" if detail else ""),
                                filename=loc.filename, lineno=loc.lineno, construct=construct)


#: (lowerer class, node class[, "stmt"]) -> its ``expr_``/``stmt_`` method, or _NO_METHOD
_METHODS: dict = {}
_NO_METHOD = object()


class Lowerer:
    """Lowers statements into a current block, tracking name → atom."""

    def __init__(self, scope: Scope, env: dict[str, ir.Atom] | None = None,
                 loc_override: ir.Loc | None = None):
        self.scope = scope
        self.env: dict[str, ir.Atom] = dict(env or {})
        self.block = ir.Block()
        self.loc_override = loc_override
        self.result: ir.Atom | None = None
        self._fresh: set[int] = set()
        self._node = None
        self.return_hint = "out"
        self.roots: dict[int, int] = {}      # var id -> id of the object it aliases
        self.owned: set[int] = set()         # objects created here (mutable in place)
        self.views: set[int] = set()         # values that may share memory with another
        self.members: dict[int, list] = {}   # object id -> every value that is or views it
        self.writes: list[int] = []          # objects written in place, in order
        self.contained: dict[int, str] = {}  # object id -> the kind of container holding it
        self.mutable: set[int] = set()       # objects known to be arrays, lists or dicts
        self.free_reads: dict = {}           # free name -> the value it resolved to
        # a view's id -> (its base's object, how many writes that object had, base name)
        self.taken: dict[int, tuple] = {}
        self.object_writes: dict[int, int] = {}  # object id -> in-place writes so far
        self.mutations: list[tuple] = []     # (object id before, its new version), in order
        self.param_roots: dict[int, str] = {}   # a parameter's object id -> its name
        self.param_writes: dict[str, ir.Loc] = {}  # parameters whose object is written
        self._inlining: list = []
        self.names_in_use: set[str] = set()
        self.reserved_names: frozenset = frozenset()

    # ------------------------------------------------------------ emission
    def emit(self, op: ir.Op, args, kwargs=(), hint=None, nouts=1) -> ir.Var | None:
        args, kwargs = list(args), list(kwargs)
        LocalFunction = ir.LocalFunction
        for a in args:
            if isinstance(a, LocalFunction):
                raise self.scope.unsupported(self._node, "a local function used as a value",
                                             "only calls of lambdas and nested defs are supported")
        for _, a in kwargs:
            if isinstance(a, LocalFunction):
                raise self.scope.unsupported(self._node, "a local function used as a value",
                                             "only calls of lambdas and nested defs are supported")
        loc = self.loc_override or (self.scope.loc(self._node) if self._node is not None else None)
        if nouts == 1:
            out = ir.Var(hint)
            self.block.stmts.append(ir.Eqn([out], op, args, kwargs, loc))
            self._fresh.add(out.id)
            return out
        outs = [ir.Var(hint) for _ in range(nouts)]
        self.block.stmts.append(ir.Eqn(outs, op, args, kwargs, loc))
        for v in outs:
            self._fresh.add(v.id)
        return outs[0] if outs else None

    # ------------------------------------------------------------ statements
    def lower_body(self, stmts) -> None:
        for i, s in enumerate(stmts):
            if isinstance(s, gast.Return) and i != len(stmts) - 1:
                raise self.scope.unsupported(stmts[i + 1], "code after return")
            self.stmt(s)

    def stmt(self, node) -> None:
        self._node = node
        self._fresh = set()
        key = (self.__class__, node.__class__, "stmt")
        method = _METHODS.get(key)
        if method is None:
            method = _METHODS[key] = getattr(self.__class__, "stmt_" + type(node).__name__,
                                             _NO_METHOD)
        if method is _NO_METHOD:
            raise self.scope.unsupported(node, type(node).__name__)
        method(self, node)

    def stmt_Assign(self, node):
        targets = node.targets
        if (len(targets) == 1 and isinstance(targets[0], (gast.Tuple, gast.List))
                and isinstance(node.value, (gast.Tuple, gast.List))
                and len(node.value.elts) == len(targets[0].elts)):
            # a, b = b, a: evaluate every right-hand side before binding.
            atoms = [self.expr(e, _hint(t)) for e, t in zip(node.value.elts, targets[0].elts,
                                                             strict=True)]
            for t, a in zip(targets[0].elts, atoms, strict=True):
                self.bind(t, a)
            return
        hint = _hint(targets[0]) if len(targets) == 1 else None
        atom = self.expr(node.value, hint)
        for t in targets:
            self.bind(t, atom)

    def stmt_AnnAssign(self, node):
        self.bind(node.target, self.expr(node.value, _hint(node.target)))

    def stmt_AugAssign(self, node):
        sym, fn = BINOPS[type(node.op)]
        if isinstance(node.target, gast.Subscript):
            # x[i] += v  is  x[i] = x[i] + v, with x and i evaluated once
            base = self.expr(node.target.value)
            args: list[ir.Atom] = [base]
            index = self._index(node.target.slice, args)
            old = self.emit(ir.GetItem(index), args)
            right = self.expr(node.value)
            new = self.emit(ir.BinOp(sym, fn), [old, right])
            self.set_item(node.target, base, index, args, new)
            return
        if not isinstance(node.target, gast.Name):
            raise self.scope.unsupported(node, "augmented assignment to " + type(node.target).__name__)
        left = self.name(node.target)
        if isinstance(left, ir.Var):
            root = self._root(left)
            members = {m.id for m in self.members.get(root, ())}
            # (names canonicalisation introduced, like a loop's copy of its iterable,
            # are not the user's and are not read after their loop)
            others = [n for n, a in self.env.items() if n != node.target.id
                      and isinstance(a, ir.Var) and (self._root(a) == root or a.id in members)
                      and (not self.reserved_names or n in self.reserved_names)]
            if root in self.mutable:  # (on a number or a tuple, x += v rebinds x)
                self._not_contained(node, root, node.target.id)
            if root in self.views or left.id in self.views:
                raise self.scope.unsupported(
                    node, f"augmented assignment to {node.target.id!r}, which may be a view of "
                    "another array (a slice, reshape or transpose)",
                    f"write {node.target.id} = {node.target.id} + ... (a new value) or index "
                    "the original array")
            if others:
                # on an array, y += x writes in place and `others` would see it;
                # on a number it rebinds. The types are not known here: refuse.
                raise self.scope.unsupported(
                    node, "augmented assignment to a name that shares its object with "
                    + ", ".join(repr(o) for o in others),
                    f"write {node.target.id} = {node.target.id} + ... (a new value), or "
                    f"{node.target.id}[...] += ... (in place, seen by both)")
        right = self.expr(node.value)
        self.bind(node.target, self.emit(ir.BinOp(sym, fn), [left, right], hint=node.target.id))

    def set_item(self, target, base, index, args, value):
        """``x[index] = value``: a new SSA version of ``x`` that every alias
        of the same object sees. Written in place only into arrays and lists
        the function created (codegen copies first when the old value is
        still needed); an argument's or a view's data is never written."""
        if not isinstance(base, ir.Var):
            raise self.scope.unsupported(target, "assignment into a global array or container",
                                         "make a local copy first")
        root = self._root(base)
        if root in self.views:
            raise self.scope.unsupported(
                target, "assignment into a view of another array (a slice, reshape or transpose)",
                "write into the original array, or copy the view first (v = x[1:3].copy())")
        self._not_contained(target, root, base.hint)
        self._put_in(value, "a list, tuple or dict")
        owned = root in self.owned
        new = self.emit(ir.SetItem(index, owned), args + [value], hint=base.hint)
        new.shape_like = base.shape_like or base
        if owned:
            self._member(base, base)
            self._written(root)
        else:
            root = new.id  # the first write copies: from then on the array is ours
            self.owned.add(root)
        self.roots[new.id] = root
        self.members.setdefault(root, []).append(new)
        self._mutated(base, new)

    def _mutated(self, base, new) -> None:
        """``base``'s object was changed in place and ``new`` is its new
        version: every name that refers to the object sees it, as in Python
        (a nested function's caller too: see :meth:`call_local`)."""
        old_root = self._root(base)
        self.object_writes[old_root] = self.object_writes.get(old_root, 0) + 1
        name = self.param_roots.get(old_root)
        if name is not None:
            self.param_writes.setdefault(name, self.scope.loc(self._node))
        self.mutations.append((old_root, new))
        for name, atom in list(self.env.items()):
            if isinstance(atom, ir.Var) and self._root(atom) == old_root:
                self.env[name] = new

    def _put_in(self, value, container: str) -> None:
        """``value`` is stored in a container: its object has a reference the
        names do not show, so writing it in place later is refused."""
        if isinstance(value, ir.Var):
            self.contained.setdefault(self._root(value), container)

    def _view_taken(self, view, base) -> None:
        """``view`` surely shares memory with ``base``'s object (a slice, .T,
        a reshape): a later in-place write into that object changes it, which
        the IR does not follow, so reading it after such a write is refused."""
        if isinstance(base, ir.Var):
            root = self._root(base)
            self.taken[view.id] = (root, self.object_writes.get(root, 0), base.hint or "an array")

    def _stale_view(self, atom) -> str | None:
        """The base's name if ``atom`` is a view whose base was written in
        place after it was taken; ``None`` otherwise."""
        t = self.taken.get(atom.id) if isinstance(atom, ir.Var) else None
        if t is not None and self.object_writes.get(t[0], 0) > t[1]:
            return t[2]
        return None

    def _refuse_stale_view(self, node, name, base) -> None:
        raise self.scope.unsupported(
            node, f"reading {name!r}, a view of {base!r} taken before {base!r} was changed in "
            "place", "the view would show the change, which s2s_ad does not follow: take "
            f"a copy instead of the view ({name} = {base}[...].copy()), or take the view "
            "after the change")

    def _not_contained(self, node, root, name) -> None:
        container = self.contained.get(root)
        if container is not None:
            raise self.scope.unsupported(
                node, f"changing {name!r} in place after it was put in {container}",
                f"the {container.split()[-1]} would see the change, which s2s_ad does not "
                f"follow: finish {name} before putting it in, or put a copy in "
                f"({name}.copy())")

    def stmt_Expr(self, node):
        if isinstance(node.value, gast.Constant) and isinstance(node.value.value, str):
            return  # a docstring or a string used as a comment
        self.expr(node.value)

    def stmt_Pass(self, node):
        pass

    def stmt_Return(self, node):
        self.result = ir.Const(None) if node.value is None else self.expr(node.value,
                                                                            self.return_hint)
        if isinstance(self.result, ir.LocalFunction):
            raise self.scope.unsupported(
                node, "returning a nested function or lambda",
                "the values it captures would carry no derivative: call it where it is "
                "defined, or make it a module-level function that takes them as arguments")

    def stmt_Assert(self, node):
        args = [self.expr(node.test)]
        if node.msg is not None:
            args.append(self.expr(node.msg))
        self.emit(ir.Effect("assert"), args, nouts=0)

    def stmt_Raise(self, node):
        args = [] if node.exc is None else [self.expr(node.exc)]
        self.emit(ir.Effect("raise"), args, nouts=0)

    def stmt_FunctionDef(self, node):
        defaults = [self.expr(d) for d in node.args.defaults]
        self.env[node.name] = ir.LocalFunction(node, defaults)

    def expr_Lambda(self, node, hint):
        return ir.LocalFunction(node, [self.expr(d) for d in node.args.defaults])

    def call_local(self, fn: ir.LocalFunction, args, kwargs, hint):
        """Inline a call of a lambda or nested def."""
        node = fn.node
        if any(f is fn for f in self._inlining):
            raise self.scope.unsupported(self._node, "recursive nested functions",
                                         "make it a module-level function")
        names = [a.id for a in node.args.args]
        if len(args) > len(names):
            raise self.scope.unsupported(self._node, "a call with too many arguments")
        env = dict(zip(names, args, strict=False))
        for k, v in kwargs:
            if k not in names or k in env:
                raise self.scope.unsupported(self._node, f"keyword argument {k!r}")
            env[k] = v
        first_default = len(names) - len(fn.defaults)
        for i, n in enumerate(names):
            if n not in env:
                if i < first_default:
                    raise self.scope.unsupported(self._node, f"missing argument {n!r}")
                env[n] = fn.defaults[i - first_default]
        sub = self.child()
        sub.block = self.block
        sub.env.update(env)
        sub._inlining = self._inlining + [fn]
        sub.return_hint = hint
        sub.result = None
        saved_node = self._node
        mutations = len(self.mutations)
        if isinstance(node, gast.Lambda):
            result = sub.expr(node.body, hint)
        else:
            sub.lower_body(node.body)
            result = sub.result if sub.result is not None else ir.Const(None)
        self._node = saved_node
        # what the call changed in place (a list it appended to, an array it
        # wrote into), the caller's names see; its own assignments stay local
        for old_root, new in self.mutations[mutations:]:
            for name, atom in list(self.env.items()):
                if isinstance(atom, ir.Var) and self._root(atom) == old_root:
                    self.env[name] = new
        if isinstance(result, ir.Var):
            self._fresh.add(result.id)
        return result

    def bind(self, target, atom: ir.Atom) -> None:
        if isinstance(target, gast.Name):
            name = target.id
            if isinstance(atom, ir.LocalFunction):
                self.env[name] = atom
                return
            if isinstance(atom, ir.Var) and atom.id in self._fresh and atom.hint in (None, name):
                atom.hint = name
            elif isinstance(atom, (ir.Var, ir.Const)):
                source = atom
                atom = self.emit(ir.Copy(), [atom], hint=name)
                if isinstance(source, ir.Var):
                    self._member(atom, source)
                    self.roots[atom.id] = self.roots.get(source.id, source.id)
            self.env[name] = atom
        elif isinstance(target, gast.Subscript):
            base = self.expr(target.value)
            args: list[ir.Atom] = [base]
            index = self._index(target.slice, args)
            self.set_item(target, base, index, args, atom)
        elif isinstance(target, (gast.Tuple, gast.List)):
            made = self.block.stmts[-1] if self.block.stmts else None
            if isinstance(made, ir.Eqn) and made.outs == [atom] and isinstance(made.op, ir.Call) \
                    and isinstance(made.args[0], ir.Free) \
                    and any(made.args[0].value is f for f in _ITERATORS):
                name = made.args[0].path
                raise self.scope.unsupported(
                    target, f"unpacking the iterator {name}(...) into names",
                    "unpack a list or tuple: index the sequence itself (a, b = xs[1], xs[0]) "
                    "or build the list with a comprehension ([p[0] for p in pairs])")
            for i, elt in enumerate(target.elts):
                item = self.emit(ir.GetItem(("atom", 1)), [atom, ir.Const(i)], hint=_hint(elt))
                self.bind(elt, item)
        else:
            raise self.scope.unsupported(target, "assignment to " + type(target).__name__)

    # ------------------------------------------------------------ control flow
    def child(self) -> Lowerer:
        sub = type(self).__new__(type(self))
        sub.__dict__.update(self.__dict__)
        sub.env = dict(self.env)
        sub.block = ir.Block()
        sub._fresh = set(self._fresh)
        return sub

    def branch(self, pred: ir.Atom, then_fn, else_fn, hint_outs=None) -> list[ir.Var]:
        """Lower two regions and merge the names they (re)bind into phis.
        ``then_fn``/``else_fn`` lower into a child lowerer and may return a
        list of extra atoms to yield (for expressions)."""
        node = self._node
        then_l, else_l = self.child(), self.child()
        # what one branch put in a container the other does not see (after
        # both, either may have): the dict is shared, so it is changed in place
        contained = self.contained
        before = dict(contained)
        extra_then = then_fn(then_l) or []
        after_then = dict(contained)
        contained.clear()
        contained.update(before)
        extra_else = else_fn(else_l) or []
        for root, kind in after_then.items():
            contained.setdefault(root, kind)
        names = []
        for env in (then_l.env, else_l.env):
            for n, a in env.items():
                if a is not self.env.get(n) and n not in names:
                    names.append(n)
        outs, ty, ey = [], [], []
        for n in names:
            outs.append(ir.Var(n))
            ty.append(then_l.env.get(n, ir.UNDEFINED))
            ey.append(else_l.env.get(n, ir.UNDEFINED))
        extra_outs = [ir.Var(h) for h in (hint_outs or [None] * len(extra_then))]
        self._node = node
        loc = self.loc_override or (self.scope.loc(node) if node is not None else None)
        self.block.stmts.append(ir.If(pred, then_l.block, else_l.block, outs + extra_outs,
                                      ty + list(extra_then), ey + list(extra_else), loc))
        for n, o in zip(names, outs, strict=True):
            self.env[n] = o
        for o, a, b in zip(outs, ty, ey, strict=True):
            ra = self._root(a) if isinstance(a, ir.Var) else None
            rb = self._root(b) if isinstance(b, ir.Var) else None
            if ra is not None and (ra == rb or ir.is_undefined(b)):
                self._member(o, a)
                self.roots[o.id] = ra
        for o in extra_outs:
            self._fresh.add(o.id)
        return extra_outs

    def stmt_If(self, node):
        pred = self.expr(node.test)
        self.branch(pred, lambda sub: sub.lower_body(node.body),
                    lambda sub: sub.lower_body(node.orelse))

    def _loop_names(self, node) -> list[str]:
        """Names a loop may rebind: assigned in it, or referring to a list it
        appends to (every alias of that list sees the append)."""
        names, mutated = [], {}  # a dict keeps the order: generated code is deterministic
        for n in nodes(node):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id not in names:
                names.append(n.id)
            elif isinstance(n, gast.Call) and isinstance(n.func, gast.Name) \
                    and isinstance(self.env.get(n.func.id), ir.LocalFunction):
                # a nested function called here changes what it changes in place:
                # the caller's names it reads freely, and the lists its parameters get
                local = self.env[n.func.id].node
                params = [a.id for a in local.args.args]
                passed = {p: a.id for p, a in zip(params, n.args, strict=False)
                          if isinstance(a, gast.Name)}
                for name in _changed_in_place(local):
                    if name in passed:
                        mutated[passed[name]] = None
                    elif name not in params:
                        mutated[name] = None
            else:
                changed = _changed_name(n)
                if changed is not None:
                    mutated[changed] = None
        # a lambda bound to a name in the loop is not a value the loop carries: it is
        # inlined where it is called (and the name refers to it after the loop)
        lambdas = {t.id for n in nodes(node) if isinstance(n, gast.Assign)
                   and isinstance(n.value, gast.Lambda)
                   for t in n.targets if isinstance(t, gast.Name)}
        names = [n for n in names if n not in lambdas]
        objects = {self._root(self.env[m]) for m in mutated if isinstance(self.env.get(m), ir.Var)}
        names += [m for m in mutated if m not in names and isinstance(self.env.get(m), ir.Var)]
        for name, atom in self.env.items():
            if name not in names and isinstance(atom, ir.Var) and self._root(atom) in objects:
                names.append(name)
        return names

    def _root(self, var) -> int:
        return self.roots.get(var.id, var.id)

    def _member(self, var, of) -> None:
        """``var`` is, or may view, the object ``of`` refers to."""
        if isinstance(of, ir.Var):
            self.members.setdefault(self._root(of), [of]).append(var)

    def _written(self, root) -> None:
        """An object is written in place: every value that is or views it
        may change under its feet (the reverse pass snapshots those it reads)."""
        self.writes.append(root)
        for v in self.members.get(root, ()):
            v.volatile = True

    def stmt_For(self, node):
        from ..frontend.canonicalize import EXIT_FLAGS
        if node.orelse:
            raise self.scope.unsupported(node, "for ... else")
        iterable = self.expr(node.iter)
        names = self._loop_names(node)
        self._loop(node, names, iterable=iterable, flags=getattr(node, EXIT_FLAGS, []))

    def stmt_While(self, node):
        from ..frontend.canonicalize import EXIT_FLAGS
        if node.orelse:
            raise self.scope.unsupported(node, "while ... else")
        names = [n for n in self._loop_names(node)]
        self._loop(node, names, iterable=None, flags=getattr(node, EXIT_FLAGS, []))

    def _loop(self, node, names, iterable, flags):
        loc = self.loc_override or self.scope.loc(node)
        carried = [ir.Var(n) for n in names]
        init = [self.env.get(n, ir.UNDEFINED) for n in names]
        for c, i in zip(carried, init, strict=True):
            if isinstance(i, ir.Var):  # the same object on every iteration
                self._member(c, i)
                self.roots[c.id] = self.roots.get(i.id, i.id)
        body = self.child()
        body.env.update(zip(names, carried, strict=True))
        target = None
        cond_block = cond = None
        if iterable is not None:
            if not isinstance(node.target, gast.Name):
                raise self.scope.unsupported(node, "for-loop target " + type(node.target).__name__)
            target = ir.Var(node.target.id)
            body.env[node.target.id] = target
        else:
            head = body.child()
            head._node = node
            cond = head.expr(node.test)
            cond_block = head.block
        writes = len(self.writes)
        body.lower_body(node.body)
        # an object written in the body is written again by the next iteration,
        # after the values of this one that are (or view) it were made
        if self.taken:
            # a view taken before the loop, read in it, of an object the loop writes
            # into: the next iteration reads the write
            outside = set(self.taken) - {v.id for s in ir.walk_eqns(body.block) for v in s.outs}
            for s in ir.walk_eqns(body.block):
                for a in s.atoms():
                    if isinstance(a, ir.Var) and a.id in outside:
                        base = self._stale_view(a)
                        if base is not None:
                            self._node = node
                            self._refuse_stale_view(node, a.hint or "a view", base)
        before = {self._root(i) for i in init if isinstance(i, ir.Var)}
        for root in dict.fromkeys(self.writes[writes:]):
            for v in self.members.get(root, ()):
                v.volatile = True
            if root in before and root in self.contained:
                # put in a container in the body and written again next time round
                name = next((n for n, i in zip(names, init, strict=True)
                             if isinstance(i, ir.Var) and self._root(i) == root), "a value")
                self._node = node
                self._not_contained(node, root, name)
        for n, a in body.env.items():
            if isinstance(a, ir.LocalFunction) and self.env.get(n) is not a and n not in names:
                self.env[n] = a  # a lambda or def bound in the loop
        nxt = [body.env[n] for n in names]
        exit_flags = [body.env[f] for f in flags]
        outs = [ir.Var(n) for n in names]
        for c, i, n, o in zip(carried, init, nxt, outs, strict=True):
            # an array the body only writes items of keeps its shape and type: a
            # read of those alone (a getitem's cotangent) may read the value
            # before the loop, not one saved per iteration
            if isinstance(i, ir.Var) and isinstance(n, ir.Var) and n.shape_like is not None \
                    and n.shape_like is c:
                c.shape_like = o.shape_like = i.shape_like or i
        for c, i, o in zip(carried, init, outs, strict=True):
            if isinstance(i, ir.Var):
                self._member(o, i)
                self.roots[c.id] = self.roots[o.id] = self._root(i)
        self._node = node
        self.block.stmts.append(ir.Loop(
            "for" if iterable is not None else "while", carried, init, body.block, nxt, outs,
            iterable=iterable, target=target, cond_block=cond_block, cond=cond,
            exit_flags=exit_flags, loc=loc))
        self.env.update(zip(names, outs, strict=True))

    # ------------------------------------------------------------ expressions
    def expr(self, node, hint=None) -> ir.Atom:
        key = (self.__class__, node.__class__)
        method = _METHODS.get(key)
        if method is None:
            method = _METHODS[key] = getattr(self.__class__, "expr_" + type(node).__name__,
                                             _NO_METHOD)
        if method is _NO_METHOD:
            raise self.scope.unsupported(node, type(node).__name__)
        return method(self, node, hint)

    def expr_Constant(self, node, hint):
        return ir.Const(node.value)

    def expr_Name(self, node, hint):
        return self.name(node)

    def name(self, node) -> ir.Atom:
        atom = self.env.get(node.id)
        if atom is not None:
            if self.taken:
                base = self._stale_view(atom)
                if base is not None:
                    self._refuse_stale_view(node, node.id, base)
            return atom
        found, value = self.scope.lookup(node.id)
        if not found:
            loc = self.scope.loc(node)
            raise NameError(f"{loc.filename}:{loc.lineno}: name {node.id!r} is not defined")
        self.free_reads.setdefault(node.id, value)
        return ir.Free(node.id, value, self.scope.origin, value)

    def expr_Attribute(self, node, hint):
        base = self.expr(node.value)
        if isinstance(base, ir.Free):
            try:
                value = getattr(base.value, node.attr)
            except AttributeError:
                pass
            else:
                return ir.Free(f"{base.path}.{node.attr}", value, base.origin, base.root_value)
        out = self.emit(ir.GetAttr(node.attr), [base], hint=hint)
        self.views.add(out.id)  # x.T, x.real: views
        self._member(out, base)
        if node.attr in ("T", "mT"):
            self._view_taken(out, base)
        return out

    def expr_BinOp(self, node, hint):
        left, right = self.expr(node.left), self.expr(node.right)
        sym, fn = BINOPS[type(node.op)]
        out = self.emit(ir.BinOp(sym, fn), [left, right], hint=hint)
        self.owned.add(out.id)  # arithmetic makes a new array
        return out

    def expr_UnaryOp(self, node, hint):
        operand = self.expr(node.operand)
        sym, fn = UNARYOPS[type(node.op)]
        if isinstance(operand, ir.Const) and sym in "-+" and isinstance(operand.value, (int, float)):
            return ir.Const(fn(operand.value))
        return self.emit(ir.UnaryOp(sym, fn), [operand], hint=hint)

    def expr_Compare(self, node, hint):
        left = self.expr(node.left)
        return self._compare(left, list(node.ops), list(node.comparators), hint)

    def _compare(self, left, ops, comparators, hint):
        right = self.expr(comparators[0])
        sym, fn = CMPOPS[type(ops[0])]
        first = self.emit(ir.Compare(sym, fn), [left, right], hint=None if ops[1:] else hint)
        if len(ops) == 1:
            return first
        # a < b < c  ==  (a < b) and (b < c), with b evaluated once
        return self.branch(first, lambda sub: [sub._compare(right, ops[1:], comparators[1:], None)],
                           lambda sub: [first], [hint])[0]

    def expr_IfExp(self, node, hint):
        pred = self.expr(node.test)
        return self.branch(pred, lambda sub: [sub.expr(node.body)],
                           lambda sub: [sub.expr(node.orelse)], [hint])[0]

    def expr_BoolOp(self, node, hint):
        # x and y: y if x else x;  x or y: x if x else y  (short-circuit, Python's values)
        value = self.expr(node.values[0])
        for i, nxt in enumerate(node.values[1:], start=1):
            last = i == len(node.values) - 1
            h = [hint if last else None]
            if isinstance(node.op, gast.And):
                value = self.branch(value, lambda sub, n=nxt: [sub.expr(n)],
                                    lambda sub, v=value: [v], h)[0]
            else:
                value = self.branch(value, lambda sub, v=value: [v],
                                    lambda sub, n=nxt: [sub.expr(n)], h)[0]
        return value

    def expr_Call(self, node, hint):
        kwargs = [(k.arg, self.expr(k.value)) for k in node.keywords]
        func = node.func
        if isinstance(func, gast.Attribute):
            base = self.expr(func.value)
            if (func.attr == "append" and isinstance(base, (ir.Var, ir.Free)) and len(node.args) == 1
                    and not kwargs):
                return self.list_append(base, self.expr(node.args[0]))
            if func.attr in _MUTATING_METHODS and (
                    isinstance(base, ir.Var) or (isinstance(base, ir.Free)
                                                 and not isinstance(base.value, _STATIC_TYPES))):
                raise self.scope.unsupported(node, f"the in-place method .{func.attr}()",
                                             "build a new list or array instead")
            if not isinstance(base, ir.Free):
                args = [self.expr(a) for a in node.args]
                op = ir.Method(func.attr, self.scope.is_pure(("method", func.attr)))
                out = self.emit(op, [base, *args], kwargs, hint=hint)
                if func.attr in _VIEW_FUNCTIONS or func.attr == "view":
                    self.views.add(out.id)
                    self._member(out, base)
                    if func.attr in _SURE_VIEWS:
                        self._view_taken(out, base)
                elif func.attr in ("copy", "astype", "flatten", "sum", "mean", "dot", "prod",
                                   "cumsum", "cumprod", "clip", "round"):
                    self.owned.add(out.id)
                return out
            callee = self.expr_Attribute(func, None)
        else:
            callee = self.expr(func)
        star = bool(node.args) and isinstance(node.args[-1], gast.Starred)
        args = [self.expr(a.value if isinstance(a, gast.Starred) else a) for a in node.args]
        if isinstance(callee, ir.LocalFunction):
            if star:
                raise self.scope.unsupported(node, "*args in a call of a local function")
            return self.call_local(callee, args, kwargs, hint)
        key = callee.value if isinstance(callee, ir.Free) else None
        if (key is builtins.max or key is builtins.min) and len(args) == 1 and not kwargs \
                and isinstance(node.args[0], (gast.List, gast.Tuple)) and self.block.stmts \
                and self.block.stmts[-1].outs == [args[0]] and len(node.args[0].elts) > 1:
            # max([a, b, c]) of a display made just now is max(a, b, c)
            args = self.block.stmts.pop().args
            expanded = True
        else:
            expanded = False
        if (key is builtins.max or key is builtins.min) and (len(args) > 2 or expanded) \
                and not star and not kwargs:
            # max(a, b, c) is max(max(a, b), c): the rule is for two arguments
            pair = args[0]
            for a in args[1:-1]:
                pair = self.emit(ir.Call(True), [callee, pair, a])
            return self.emit(ir.Call(True), [callee, pair, args[-1]], hint=hint)
        out = self.emit(ir.Call(self.scope.is_pure(key), star), [callee, *args], kwargs,
                        hint=hint)
        name = getattr(key, "__name__", "")
        if name in _VIEW_FUNCTIONS:
            self.views.add(out.id)
            if args:
                self._member(out, args[0])
                if name in _SURE_VIEWS:
                    self._view_taken(out, args[0])
        elif name in _NEW_ARRAY_FUNCTIONS or getattr(key, "__module__", "") == "numpy" \
                or type(key).__name__ == "ufunc":
            self.owned.add(out.id)
            if name in _NEW_ARRAY_FUNCTIONS and name != "tuple":
                self.mutable.add(out.id)
        return out

    def list_append(self, lst, value) -> ir.Const:
        """``lst.append(v)``: a new SSA version of the list; every name that
        refers to the same list object sees it, as in Python."""
        if not isinstance(lst, ir.Var):
            raise self.scope.unsupported(self._node, "appending to a global list",
                                         "make a local copy first (lst = list(lst))")
        root = self._root(lst)
        self._not_contained(self._node, root, lst.hint)
        self._put_in(value, "a list")
        in_place = root in self.owned   # never mutate an argument's list in place
        new = self.emit(ir.ListAppend(in_place), [lst, value], hint=lst.hint)
        if in_place:
            self._member(lst, lst)
            self._written(root)
        else:
            root = new.id              # the first append made a copy: it is ours now
            self.owned.add(root)
        self.roots[new.id] = root
        self.members.setdefault(root, []).append(new)
        self._mutated(lst, new)
        return ir.Const(None)

    def expr_Subscript(self, node, hint):
        base = self.expr(node.value)
        args: list[ir.Atom] = [base]
        index = self._index(node.slice, args)
        out = self.emit(ir.GetItem(index), args, hint=hint)
        self.views.add(out.id)  # a slice shares memory with its base
        self._member(out, base)
        if index[0] == "slice" or (index[0] == "tuple"
                                   and any(part[0] == "slice" for part in index[1])):
            self._view_taken(out, base)  # (an int or an index array may copy)
        return out

    def _index(self, node, args):
        def atom_pos(n):
            if n is None:
                return None
            args.append(self.expr(n))
            return len(args) - 1

        if isinstance(node, gast.Slice):
            return ("slice", atom_pos(node.lower), atom_pos(node.upper), atom_pos(node.step))
        if isinstance(node, gast.Tuple):
            return ("tuple", [self._index(e, args) for e in node.elts])
        return ("atom", atom_pos(node))

    def expr_Tuple(self, node, hint):
        elts = [self.expr(e) for e in node.elts]
        for e in elts:
            self._put_in(e, "a tuple")
        return self.emit(ir.Build("tuple"), elts, hint=hint)

    def expr_List(self, node, hint):
        elts = [self.expr(e) for e in node.elts]
        for e in elts:
            self._put_in(e, "a list")
        out = self.emit(ir.Build("list"), elts, hint=hint)
        self.owned.add(out.id)
        self.mutable.add(out.id)
        return out

    def expr_ListComp(self, node, hint):
        return self._comprehension(node, hint)

    def expr_GeneratorExp(self, node, hint):
        return self._comprehension(node, hint)

    def _comprehension(self, node, hint):
        """``[e for t in s if c]`` is the loop that builds the list (a
        generator expression is materialised the same way)."""
        from ..frontend.canonicalize import canonicalize_loop
        acc = self._fresh_name("acc")
        stmt = gast.Expr(value=gast.Call(
            func=gast.Attribute(value=gast.Name(id=acc, ctx=gast.Load(), annotation=None,
                                                type_comment=None),
                                attr="append", ctx=gast.Load()),
            args=[node.elt], keywords=[]))
        body = [stmt]
        for gen in reversed(node.generators):
            for cond in reversed(gen.ifs):
                body = [gast.If(test=cond, body=body, orelse=[])]
            body = [gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[],
                             type_comment=None)]
        for n in nodes(gast.Module(body=body, type_ignores=[])):
            if isinstance(n, (gast.stmt, gast.expr)) and not hasattr(n, "lineno"):
                gast.copy_location(n, node)
        loops = canonicalize_loop(body, self.reserved_names | self.names_in_use)
        env_before = dict(self.env)
        self.env[acc] = self.expr_List(gast.List(elts=[], ctx=gast.Load()), hint)
        self.lower_body(loops)
        result = self.env[acc]
        self.env = env_before  # the comprehension's names do not leak (Python 3)
        if isinstance(result, ir.Var) and hint is not None:
            copy = self.emit(ir.Copy(), [result], hint=hint)
            self.roots[copy.id] = self.roots.get(result.id, result.id)
            return copy
        return result

    def _fresh_name(self, base):
        name, k = base, 1
        while name in self.reserved_names or name in self.names_in_use:
            k += 1
            name = f"{base}{k}"
        self.names_in_use.add(name)
        return name

    def expr_Dict(self, node, hint):
        args = []
        for k, v in zip(node.keys, node.values, strict=True):
            args += [self.expr(k), self.expr(v)]
            self._put_in(args[-1], "a dict")
        return self.emit(ir.Build("dict"), args, hint=hint)


#: Of those, the ones whose result is a view of an array argument (reshape may copy)
_SURE_VIEWS = {"reshape", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze",
               "view", "T"}
_VIEW_FUNCTIONS = {"reshape", "transpose", "ravel", "squeeze", "expand_dims", "asarray",
                   "asanyarray", "broadcast_to", "swapaxes", "moveaxis", "atleast_1d",
                   "atleast_2d", "atleast_3d", "diagonal", "real", "imag", "view", "T"}
_NEW_ARRAY_FUNCTIONS = {"zeros", "ones", "empty", "full", "zeros_like", "ones_like",
                        "empty_like", "full_like", "array", "copy", "eye", "identity",
                        "arange", "linspace", "concatenate", "stack", "vstack", "hstack", "list",
                        "dict", "tuple"}

_MUTATING_METHODS = {"extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                     "update", "setdefault", "popitem", "fill", "resize", "itemset"}


def _hint(target):
    return target.id if isinstance(target, gast.Name) else None


def reserved_names(node) -> frozenset:
    """Every identifier a function's code mentions: generated names avoid them."""
    return _names_of(nodes(node))[0]


def _names_of(every) -> tuple[frozenset, set[str]]:
    """``(every identifier mentioned, every name stored to)`` in these nodes."""
    names, stored = set(), set()
    Name, FunctionDef, arguments = gast.Name, gast.FunctionDef, gast.arguments
    store = (gast.Store, gast.Param)
    for n in every:
        t = type(n)
        if t is Name:
            names.add(n.id)
            if isinstance(n.ctx, store):
                stored.add(n.id)
        elif t is FunctionDef:
            names.add(n.name)
        elif t is arguments:
            for a in n.args + n.posonlyargs + n.kwonlyargs + [n.vararg] * bool(n.vararg):
                names.add(a.id)  # (a Name: it is among the nodes too)
        elif isinstance(n, Name):
            names.add(n.id)
            if isinstance(n.ctx, store):
                stored.add(n.id)
        elif isinstance(n, FunctionDef):
            names.add(n.name)
        elif isinstance(n, arguments):
            for a in n.args + n.posonlyargs + n.kwonlyargs + [n.vararg] * bool(n.vararg):
                names.add(a.id)
    return frozenset(names), stored


def _param_names(node) -> set[str]:
    names = {a.id for a in node.args.args}
    if node.args.vararg is not None:
        names.add(node.args.vararg.id)
    return names


def params_and_targets(node) -> set[str]:
    return _param_names(node) | _names_of(nodes(node))[1]


def _changed_name(n) -> str | None:
    """The name the node ``n`` appends to (``lst.append(v)``) or writes an
    item of (``x[i] = v``, ``x[i] += v``), if any."""
    if (isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
            and n.func.attr == "append" and isinstance(n.func.value, gast.Name)):
        return n.func.value.id
    if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) \
            and isinstance(n.value, gast.Name):
        return n.value.id
    if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Subscript) \
            and isinstance(n.target.value, gast.Name):
        return n.target.value.id
    return None


def _changed_in_place(fn_node) -> list[str]:
    """The names a nested function's body appends to or writes items of."""
    return list(dict.fromkeys(name for name in map(_changed_name, nodes(fn_node)) if name))


#: Builtins that return an iterator (not indexable; unpacking them is refused)
_ITERATORS = (zip, map, filter, reversed, iter, enumerate)


def lower_function(pf, is_pure: Callable, every: list | None = None) -> ir.Function:
    """Lower a parsed, fenced user function to the IR. ``every``:
    ``nodes(pf.node)`` of the tree as parsed, if the caller has walked it
    (the names it mentions and canonicalisation read it; the walk after
    canonicalisation is this function's own)."""
    scope = Scope(lookup=pf.lookup_free, origin="user", filename=pf.filename,
                  line_offset=pf.line_offset, lines=pf.lines, error=pf.unsupported,
                  is_pure=is_pure)
    from ..frontend.canonicalize import canonicalize
    node = pf.node
    if every is None:
        every = nodes(node)
    reserved = _names_of(every)[0] | frozenset(pf.closure)
    canonicalize(node, reserved, every)
    mentioned, stored = _names_of(nodes(node))  # after canonicalisation
    params = [ir.Var(a.id) for a in node.args.args]
    if node.args.vararg is not None:
        params.append(ir.Var(node.args.vararg.id))
    lowerer = Lowerer(scope, {p.hint: p for p in params})
    lowerer.reserved_names = reserved
    lowerer.param_roots = {p.id: p.hint for p in params}
    lowerer.lower_body(node.body)
    result = lowerer.result if lowerer.result is not None else ir.Const(None)
    return ir.Function(name=node.name, params=params, param_names=[p.hint for p in params],
                       body=lowerer.block, result=result, filename=pf.filename,
                       firstlineno=pf.line_offset + 1,
                       defaults=tuple(pf.fn.__defaults__ or ()),
                       vararg=node.args.vararg is not None,
                       reserved=reserved | mentioned,
                       locals=frozenset(_param_names(node) | stored),
                       written_params=dict(lowerer.param_writes),
                       free_values=dict(lowerer.free_reads))
