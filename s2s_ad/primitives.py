"""User-defined primitives: functions s2s_ad treats as one operation with the
derivative rules the user gives, instead of looking inside.

    @ad.primitive
    def logsumexp(x):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))

    logsumexp.defvjp(lambda g, ans, x: g * np.exp(x - ans))
    logsumexp.defjvp(lambda dx, ans, x: np.sum(dx * np.exp(x - ans)))

Generated code calls the function and its rules visibly
(``bx = logsumexp.vjp(bout, out, x)``); the rules are ordinary Python, so
they are differentiated in turn for higher derivatives.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import linecache

from .rules import registry

_counter = itertools.count()


def stop_gradient(x):
    """``x`` itself, through which no derivative flows."""
    return x


registry.nondiff(stop_gradient)


class Primitive:
    """A function differentiated by the rules registered on it."""

    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.signature = inspect.signature(fn)
        self.params = [n for n, p in self.signature.parameters.items()
                       if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                       and p.default is p.empty]
        rule = registry._entry(self)
        rule.name = fn.__qualname__
        rule.signature = self.signature

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def as_function(self):
        """A plain function that calls this primitive (so ``grad(prim)``
        differentiates it with its rules, not its body)."""
        fn = getattr(self, "_as_function", None)
        if fn is None:
            name = self.fn.__name__
            params = ", ".join(str(p) for p in self.signature.parameters.values())
            args = ", ".join(("*" if p.kind is p.VAR_POSITIONAL else "") + n
                             for n, p in self.signature.parameters.items())
            src = f"def {name}({params}):\n    return {name}_primitive({args})\n"
            filename = f"<s2s_ad primitive {name} #{next(_counter)}>"
            linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
            namespace = {f"{name}_primitive": self, "__name__": __name__}
            exec(compile(src, filename, "exec"), namespace)
            fn = self._as_function = namespace[name]
        return fn

    def __repr__(self):
        return f"<s2s_ad primitive {self.fn.__qualname__}>"

    def _rule_attr(self, kind, name):
        return kind if len(self.params) == 1 else f"{kind}_{name}"

    def defvjp(self, *vjps):
        """One VJP per differentiable parameter, in order (``None`` for a
        parameter with no derivative): ``vjp(g, ans, *args) -> cotangent``."""
        return self._define("vjp", vjps)

    def defjvp(self, *jvps):
        """One JVP per differentiable parameter, in order: ``jvp(d_arg, ans,
        *args) -> tangent contribution``; contributions are summed."""
        return self._define("jvp", jvps)

    def _define(self, kind, fns):
        if len(fns) > len(self.params):
            raise TypeError(f"{self.fn.__qualname__} has {len(self.params)} differentiable "
                            f"parameters; got {len(fns)} {kind} functions")
        wrt = []
        for name, f in zip(self.params, fns, strict=False):
            if f is not None:
                setattr(self, self._rule_attr(kind, name), f)
                wrt.append(name)
        rule = registry.REGISTRY[self]
        if rule.wrt and tuple(wrt) != tuple(rule.wrt):
            raise TypeError("defvjp and defjvp must cover the same parameters")
        rule.wrt = tuple(wrt)
        template = self._template(kind, wrt)
        if kind == "vjp":
            rule.vjp = template
        else:
            rule.jvp = template
        rule._asts.pop(kind, None)
        return self

    def _template(self, kind, wrt):
        """The rule template that calls the user's rules (its source is
        registered in linecache so the inliner can read it)."""
        name = self.fn.__name__
        taken = set(self.signature.parameters) | {"g", "ans"} | {f"d{n}" for n in wrt}
        me = name if name.isidentifier() and name not in taken else f"_prim{next(_counter)}"
        params = []
        for n, p in self.signature.parameters.items():
            if p.kind is p.VAR_POSITIONAL:
                params.append("*" + n)
            elif p.kind is p.VAR_KEYWORD:
                raise TypeError("a primitive with **kwargs cannot have derivative rules")
            elif p.default is p.empty:
                params.append(n)
            else:
                params.append(f"{n}={me}_defaults[{n!r}]")
        call_args = ", ".join(n.lstrip("*") if not n.startswith("*") else n
                              for n in (p.split("=")[0] for p in params))
        if kind == "vjp":
            head = ["g", "ans"]
            calls = [f"{me}.{self._rule_attr('vjp', n)}(g, ans, {call_args})" for n in wrt]
        else:
            head = [f"d{n}" for n in wrt] + ["ans"]
            calls = [f"{me}.{self._rule_attr('jvp', n)}(d{n}, ans, {call_args})" for n in wrt]
        body = calls[0] if len(calls) == 1 else "(" + ", ".join(calls) + ")"
        src = (f"def {name}_{kind}({', '.join(head + params)}):\n"
               f"    return {body}\n")
        filename = f"<s2s_ad rule {name}.{kind} #{next(_counter)}>"
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
        defaults = {n: p.default for n, p in self.signature.parameters.items()
                    if p.default is not p.empty}
        namespace = {me: self, f"{me}_defaults": defaults, "__name__": __name__}
        exec(compile(src, filename, "exec"), namespace)
        fn = namespace[f"{name}_{kind}"]
        fn.__module__ = "s2s_ad.user_rules"
        return fn


def primitive(fn) -> Primitive:
    """Treat ``fn`` as one primitive; give it rules with ``.defvjp`` and ``.defjvp``."""
    return Primitive(fn)
