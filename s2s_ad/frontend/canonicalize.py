"""Canonicalisation: rewrite the function into a smaller AST subset before
lowering, so every loop has one entry and one exit.

1. ``for`` loops over anything but ``range(...)`` become index loops over an
   indexable sequence (``enumerate``, ``zip``, ``reversed``, ``dict.items()``,
   ``.values()``, ``.keys()`` included)::

       for row in X:                     for i in range(len(X)):
           ...                   ──►         row = X[i]
                                             ...

   so the adjoint loop can walk the same indices backwards.
2. ``break``, ``continue`` and early ``return`` become flag variables, and the
   statements after one are guarded by the flag (AutoGraph's converters do
   the same). A loop left by ``break`` or ``return`` tests its flag at the end
   of the body (``if broke: break`` in generated code), so loops still stop
   early. A branch that always returns absorbs the statements that follow it
   into its ``else`` instead, which needs no flag::

       if x < 0:                         if x < 0:
           return -x             ──►         retval = -x
       return x                          else:
                                             retval = x
                                         return retval

Flag and index names are fresh: they never collide with the user's names.
"""

from __future__ import annotations

import gast

from .walk import nodes, nodes_own

#: Attribute set on a For/While node: the flag names that end the loop.
EXIT_FLAGS = "s2s_exit_flags"


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def _assign(target: str, value) -> gast.Assign:
    return gast.Assign(targets=[_name(target, gast.Store())], value=value, type_comment=None)


def _const(v):
    return gast.Constant(value=v, kind=None)


def _call(fn: str, *args):
    return gast.Call(func=_name(fn), args=list(args), keywords=[])


def _located(node, like):
    for n in nodes(node):
        if hasattr(n, "lineno") or isinstance(n, (gast.stmt, gast.expr)):
            gast.copy_location(n, like)
            n.end_lineno = getattr(like, "end_lineno", getattr(like, "lineno", 1))
    return node


class _Names:
    def __init__(self, reserved):
        self.used = set(reserved)

    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.used:
            k += 1
            name = f"{base}{k}"
        self.used.add(name)
        return name


def _assigned_names(stmts) -> set[str]:
    out = set()
    for s in stmts:
        for n in nodes(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                out.add(n.id)
    return out


# ---------------------------------------------------------------- iterables


def _index_loops(stmts, names: _Names, shadowed: set[str]):
    out = []
    for s in stmts:
        if isinstance(s, (gast.If,)):
            s.body = _index_loops(s.body, names, shadowed)
            s.orelse = _index_loops(s.orelse, names, shadowed)
        elif isinstance(s, gast.While):
            s.body = _index_loops(s.body, names, shadowed)
        elif isinstance(s, gast.For):
            s.body = _index_loops(s.body, names, shadowed)
            out.extend(_rewrite_for(s, names, shadowed))
            continue
        out.append(s)
    return out


def _is_builtin_call(node, name, shadowed):
    return (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
            and node.func.id == name and name not in shadowed and not node.keywords)


def _rewrite_for(loop: gast.For, names: _Names, shadowed):
    it = loop.iter
    if _is_builtin_call(it, "range", shadowed):
        return [loop]
    pre: list = []
    rebound = _assigned_names(loop.body)

    def sequence(expr, hint):
        """A name for an indexable sequence: ``expr`` itself if it is a name
        the loop does not rebind, else a fresh name assigned before the loop."""
        if isinstance(expr, gast.Name) and expr.id not in rebound:
            return _name(expr.id)
        seq = names.fresh(hint)
        value = expr
        if isinstance(expr, gast.GeneratorExp) or _is_builtin_call(expr, "map", shadowed) \
                or _is_builtin_call(expr, "filter", shadowed):
            value = _call("list", expr)
        pre.append(_located(_assign(seq, value), loop))
        return _name(seq)

    def iteration(expr):
        """``(length, element)``: the number of items of iterating ``expr``
        and a function from an index expression to the item (as AST)."""
        args = getattr(expr, "args", [])
        kw = {k.arg: k.value for k in getattr(expr, "keywords", [])}
        if _is_call(expr, "enumerate", shadowed) and len(args) + len(kw) in (1, 2) and args:
            start = args[1] if len(args) > 1 else kw.get("start", _const(0))
            n, elem = iteration(args[0])
            return n, lambda i: gast.Tuple(elts=[_add(i, start), elem(i)], ctx=gast.Load())
        if _is_call(expr, "zip", shadowed) and args and set(kw) <= {"strict"}:
            parts = [iteration(a) for a in args]
            n = parts[0][0] if len(parts) == 1 else _call("min", *[p[0] for p in parts])
            return n, lambda i: gast.Tuple(elts=[e(i) for _, e in parts], ctx=gast.Load())
        if _is_call(expr, "reversed", shadowed) and len(args) == 1 and not kw:
            n, elem = iteration(args[0])
            count = names.fresh("n")
            pre.append(_located(_assign(count, n), loop))
            return _name(count), lambda i: elem(gast.BinOp(
                left=gast.BinOp(left=_name(count), op=gast.Sub(), right=_const(1)),
                op=gast.Sub(), right=i))
        if (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute)
                and expr.func.attr in ("items", "values", "keys") and not args and not kw):
            d = sequence(expr.func.value, "d")
            keys = names.fresh("keys")
            dict_keys = gast.Call(func=gast.Attribute(value=_name(d.id), attr="keys",
                                                      ctx=gast.Load()), args=[], keywords=[])
            pre.append(_located(_assign(keys, _call("list", dict_keys)), loop))

            def key(i):
                return gast.Subscript(value=_name(keys), slice=i, ctx=gast.Load())

            def value(i):
                return gast.Subscript(value=_name(d.id), slice=key(i), ctx=gast.Load())

            elem = {"keys": key, "values": value,
                    "items": lambda i: gast.Tuple(elts=[key(i), value(i)], ctx=gast.Load())}
            return _call("len", _name(keys)), elem[expr.func.attr]
        seq = sequence(expr, "seq")
        return _call("len", _name(seq.id)), lambda i: gast.Subscript(
            value=_name(seq.id), slice=i, ctx=gast.Load())

    n, elem = iteration(it)
    index = names.fresh("i")
    bind = gast.Assign(targets=[loop.target], value=elem(_name(index)), type_comment=None)
    _located(bind, loop)
    new = gast.For(target=_name(index, gast.Store()), iter=_located(_call("range", n), loop),
                   body=[bind] + loop.body, orelse=[], type_comment=None)
    gast.copy_location(new, loop)
    new.end_lineno = getattr(loop, "end_lineno", loop.lineno)
    return [*pre, new]


def _is_call(node, name, shadowed):
    return (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
            and node.func.id == name and name not in shadowed)


def _add(a, b):
    if isinstance(b, gast.Constant) and b.value == 0:
        return a
    return gast.BinOp(left=a, op=gast.Add(), right=b)


# ---------------------------------------------------------------- exits


def _contains(stmts, kinds, into_loops: bool) -> bool:
    for s in stmts:
        if isinstance(s, kinds):
            return True
        if isinstance(s, gast.If):
            if _contains(s.body, kinds, into_loops) or _contains(s.orelse, kinds, into_loops):
                return True
        elif isinstance(s, (gast.For, gast.While)) and into_loops:
            if _contains(s.body, kinds, into_loops):
                return True
    return False


def _always_exits(stmts) -> bool:
    """Does this block always leave by return, raise, break or continue?"""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (gast.Return, gast.Raise, gast.Break, gast.Continue)):
        return True
    if isinstance(last, gast.If):
        return _always_exits(last.body) and _always_exits(last.orelse)
    return False


class _Exits:
    def __init__(self, names: _Names):
        self.names = names
        self.retval = None
        self.returned = None

    def function(self, body, returns=None):
        if not self._needs_rewrite(body, returns):
            return _flatten(self.block(body, loop=None))
        self.retval = self.names.fresh("retval")
        self.returned = self.names.fresh("returned")
        first = body[0] if body else None
        init = [_assign(self.returned, _const(False)), _assign(self.retval, _const(None))]
        for s in init:
            _located(s, first)
        new_body = _flatten(self.block(body, loop=None))
        ret = gast.Return(value=_name(self.retval))
        _located(ret, body[-1])
        read = any((isinstance(n, gast.Name) and n.id == self.returned
                    and isinstance(n.ctx, gast.Load))
                   or self.returned in getattr(n, EXIT_FLAGS, ())
                   for s in new_body for n in nodes(s))
        if not read:
            new_body = _without_assignments_to(new_body, self.returned)
            init = init[1:]
        return init + new_body + [ret]

    @staticmethod
    def _needs_rewrite(body, returns=None) -> bool:
        if returns is None:
            returns = [n for s in body for n in nodes_own(s) if isinstance(n, gast.Return)]
        if not returns:
            return False
        return not (len(returns) == 1 and body[-1] is returns[0])

    def block(self, stmts, loop):
        """Rewrite a statement list; ``loop`` is the innermost loop's flags."""
        out = []
        for i, s in enumerate(stmts):
            rest = stmts[i + 1:]
            if isinstance(s, gast.Return) and self.retval is None:
                out.append(s)  # the function's only return, at its end
                return out
            if isinstance(s, gast.Return):
                value = s.value if s.value is not None else _const(None)
                out.append(_located(_assign(self.retval, value), s))
                out.append(_located(_assign(self.returned, _const(True)), s))
                if loop is not None:
                    loop["returns"] = True
                return out
            if isinstance(s, gast.Break):
                out.append(_located(_assign(loop["break"], _const(True)), s))
                loop["breaks"] = True
                return out
            if isinstance(s, gast.Continue):
                out.append(_located(_assign(loop["continue"], _const(True)), s))
                loop["continues"] = True
                return out
            if isinstance(s, gast.If):
                then_exits, else_exits = _always_exits(s.body), _always_exits(s.orelse)
                if rest and then_exits != else_exits:
                    # The branch that always leaves absorbs nothing; the other one
                    # takes the rest *before* it is rewritten, so an exit nested in
                    # it guards the rest as any other exit in a block does.
                    if then_exits:
                        s.orelse = s.orelse + rest
                    else:
                        s.body = s.body + rest
                    s.body = self.block(s.body, loop)
                    s.orelse = self.block(s.orelse, loop)
                    out.append(s)
                    return out
                s.body = self.block(s.body, loop)
                s.orelse = self.block(s.orelse, loop)
            if isinstance(s, (gast.For, gast.While)):
                # (a _Seq [flag init, loop]: spliced, so blocks stay flat and a
                # walk over an enclosing statement sees the flags the loop sets)
                rewritten = self.loop(s)
                out.extend(rewritten if isinstance(rewritten, _Seq) else [rewritten])
            else:
                out.append(s)
            flags = self._flags_set_by(s, loop)
            if flags and rest:
                guard = self._not_any(flags)
                guarded = gast.If(test=guard, body=self.block(rest, loop), orelse=[])
                _located(guard, rest[0])
                gast.copy_location(guarded, rest[0])
                out.append(guarded)
                return out
        return out

    def _flags_set_by(self, s, loop) -> list[str]:
        flags = []
        if self.returned is None and (loop is None or (loop.get("break") is None
                                                       and loop.get("continue") is None)):
            return flags  # no flag that could be set
        if isinstance(s, (gast.If,)):
            names = {n.targets[0].id for n in nodes(s) if isinstance(n, gast.Assign)
                     and isinstance(n.targets[0], gast.Name)}
            if loop is not None:
                for key in ("break", "continue"):
                    if loop.get(key) in names:
                        flags.append(loop[key])
            if self.returned in names:
                flags.append(self.returned)
        elif isinstance(s, (gast.For, gast.While)) and self.returned is not None:
            if any(isinstance(n, gast.Name) and n.id == self.returned and
                   isinstance(n.ctx, gast.Store) for n in nodes(s)):
                flags.append(self.returned)
        return flags

    @staticmethod
    def _not_any(flags):
        if len(flags) == 1:
            test = _name(flags[0])
        else:
            test = gast.BoolOp(op=gast.Or(), values=[_name(f) for f in flags])
        return gast.UnaryOp(op=gast.Not(), operand=test)

    def loop(self, s):
        if s.orelse:
            return s  # rejected by the fence
        info = {"break": None, "continue": None}
        if _contains(s.body, gast.Break, into_loops=False):
            info["break"] = self.names.fresh("broke")
        if _contains(s.body, gast.Continue, into_loops=False):
            info["continue"] = self.names.fresh("skipped")
        body = self.block(s.body, info)
        if info["continue"]:
            body = _flatten(body)
            if any(isinstance(n, gast.Name) and n.id == info["continue"]
                   and isinstance(n.ctx, gast.Load) for b in body for n in nodes(b)):
                reset = _located(_assign(info["continue"], _const(False)), s.body[0])
                body = [reset] + body
            else:  # every continue was absorbed into an else branch: no flag needed
                body = _without_assignments_to(body, info["continue"])
        s.body = body
        flags = []
        prelude = []
        if info.get("breaks"):
            flags.append(info["break"])
            prelude.append(_located(_assign(info["break"], _const(False)), s))
        if info.get("returns") or (self.returned and _contains(s.body, gast.Assign, True)
                                   and any(isinstance(n, gast.Name) and n.id == self.returned
                                           and isinstance(n.ctx, gast.Store)
                                           for n in nodes(s))):
            flags.append(self.returned)
        setattr(s, EXIT_FLAGS, flags)
        if prelude:
            return _Seq(prelude + [s])
        return s


class _Seq(list):
    """Several statements standing where one was (a loop and its flag's initialisation)."""


def _without_assignments_to(stmts, name):
    """Drop ``name = ...`` statements (a flag that nothing ends up reading)."""
    out = []
    for s in stmts:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and s.targets[0].id == name:
            continue
        if isinstance(s, gast.If):
            s.body = _without_assignments_to(s.body, name) or [gast.Pass()]
            s.orelse = _without_assignments_to(s.orelse, name)
        elif isinstance(s, (gast.For, gast.While)):
            s.body = _without_assignments_to(s.body, name) or [gast.Pass()]
        out.append(s)
    return out


def _flatten(stmts):
    out = []
    for s in stmts:
        if isinstance(s, _Seq):
            out.extend(_flatten(s))
        else:
            if isinstance(s, gast.If):
                s.body = _flatten(s.body)
                s.orelse = _flatten(s.orelse)
            elif isinstance(s, (gast.For, gast.While)):
                s.body = _flatten(s.body)
            out.append(s)
    return out


def canonicalize(fn: gast.FunctionDef, reserved, every: list | None = None) -> gast.FunctionDef:
    """Rewrite ``fn`` in place (see the module docstring) and return it;
    nested functions are canonicalised on their own first. ``every``:
    ``nodes(fn)``, if the caller has walked it."""
    if every is None:
        every = nodes(fn)
    nested = False
    for n in every:
        if isinstance(n, gast.FunctionDef) and n is not fn:
            n.body = _canonical_body(n.body, set(reserved))
            nested = True
    params = {a.id for a in fn.args.args}
    if nested:  # (their canonicalisation changed the tree)
        fn.body = _canonical_body(fn.body, reserved, params)
        return fn
    # One walk serves both questions: the names stored to (none outside the
    # body: parameters are Param) and the returns (all of them the function's own).
    stored = {n.id for n in every if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    returns = [n for n in every if isinstance(n, gast.Return)]
    fn.body = _canonical_body(fn.body, reserved, params, (stored, returns))
    return fn


def _canonical_body(body, reserved, params=(), known=None):
    """``known``: ``(names stored to, returns)`` in ``body`` if the caller has them."""
    names = _Names(reserved)
    shadowed = (known[0] if known else _assigned_names(body)) | set(params)
    body = _index_loops(body, names, shadowed)
    return _flatten(_Exits(names).function(body, known[1] if known else None))


def canonicalize_loop(stmts, reserved) -> list:
    """Canonicalise loops synthesised later (a comprehension's loop)."""
    names = _Names(reserved)
    return _flatten(_Exits(names).block(_index_loops(stmts, names, set()), None))
