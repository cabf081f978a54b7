"""De-SSA naming: give SSA values Python names, the user's wherever possible.

Values keep the user's variable name (``y``); a later SSA version of the same
variable takes the name over once the earlier version is dead (so
``x = x + 1`` stays ``x = x + 1`` unless the backward sweep still needs the
old ``x``, in which case the new one is ``x_1``). Adjoints are ``b`` + the
primal's name, tangents ``d`` + it, temporaries ``t0, t1, ...``. Hygiene: a
generated name is never one the user's code mentions (its locals, globals,
builtins, closure variables), so it can neither capture nor shadow them.
"""

from __future__ import annotations

from ..ir import nodes as ir


class Liveness:
    """Definition and last-use positions of every Var in emission order. A
    value used inside a loop it was not defined in stays live to the loop's end."""

    def __init__(self):
        self.pos = 0
        self.defs: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.order: list[ir.Var] = []
        self._loops: list[tuple[int, set]] = []  # (start pos, ids defined inside)

    def define(self, v: ir.Var):
        if v.id not in self.defs:
            self.defs[v.id] = self.pos
            self.order.append(v)
            for _, inside in self._loops:
                inside.add(v.id)

    def use(self, atom):
        if isinstance(atom, ir.Var):
            self.last[atom.id] = max(self.last.get(atom.id, -1), self.pos)
            for start, inside in self._loops:
                if atom.id not in inside:
                    self._pending.setdefault(start, set()).add(atom.id)

    def step(self):
        self.pos += 1

    def enter_loop(self):
        if not hasattr(self, "_pending"):
            self._pending = {}
        self._loops.append((self.pos, set()))

    def exit_loop(self):
        start, _ = self._loops.pop()
        for vid in getattr(self, "_pending", {}).pop(start, ()):
            self.last[vid] = max(self.last.get(vid, -1), self.pos)


class Namer:
    def __init__(self, reserved: frozenset):
        self.reserved = set(reserved)
        self.names: dict[int, str] = {}
        self.holder: dict[str, int] = {}   # name -> last position its holder is live
        self.taken: set[str] = set()       # names that can never be reused (bindings)
        self.temps = 0

    def fixed(self, name: str) -> str:
        """Claim a name for the whole function (helpers, the function itself)."""
        self.taken.add(name)
        return name

    def fresh(self, base: str) -> str:
        name, k = base, 0
        while name in self.reserved or name in self.taken or name in self.holder:
            k += 1
            name = f"{base}_{k}"
        return self.fixed(name)

    def assign(self, v: ir.Var, live: Liveness):
        if v.id in self.names:
            return self.names[v.id]
        at = live.defs.get(v.id, 0)
        until = live.last.get(v.id, at)
        if v.adjoint_of is not None:
            base, own = "b" + self.name_of(v.adjoint_of), False
        elif v.tangent_of is not None:
            base, own = "d" + self.name_of(v.tangent_of), False
        elif v.hint is not None:
            base, own = v.hint, True
        else:
            while f"t{self.temps}" in self.reserved or f"t{self.temps}" in self.taken:
                self.temps += 1
            base, own = f"t{self.temps}", False
            self.temps += 1
        name, k = base, 0
        while True:
            clash = (name in self.taken
                     or (name in self.reserved and not (own and name == v.hint))
                     or (name in self.holder and self.holder[name] > at))
            if not clash:
                break
            k += 1
            name = f"{base}_{k}"
        self.holder[name] = until
        self.names[v.id] = name
        return name

    def name_of(self, v: ir.Var) -> str:
        name = self.names.get(v.id)
        if name is None:  # a primal that is not itself in this function: name by hint
            return v.hint or "t"
        return name
