"""De-SSA naming: give SSA values Python names, the user's wherever possible.

Values keep the user's variable name (``y``). A later SSA version of the same
variable takes the name over once the earlier version is dead, so
``x = x + 1`` stays ``x = x + 1`` unless the backward sweep still needs the
old ``x`` (then the new one is ``x_1``). Phis and loop-carried values prefer
the names of the values that flow into them (coalescing), so branches and
loops need no copies in the common case. Adjoints are ``b`` + the primal's
name, tangents ``d`` + it, per-iteration lists ``res_`` + it, temporaries
``t0, t1, ...``.

Hygiene: a generated name is never one the user's code mentions (its
locals, globals, builtins, closure variables), so it can neither capture nor
shadow them. Liveness is computed as sets of intervals over emission
positions: a use inside a branch does not make a value live in the other
branch, and a use inside a loop keeps a value live for the whole loop.
"""

from __future__ import annotations

from ..ir import nodes as ir


class Liveness:
    """Interval liveness over emission positions."""

    def __init__(self):
        self.pos = 0
        self.defs: dict[int, int] = {}
        self.all_defs: dict[int, list[int]] = {}
        self.copy_of: dict[tuple[int, int], int] = {}  # (var, def position) -> copied var
        self.intervals: dict[int, list[list[int]]] = {}
        self.order: list[ir.Var] = []
        self.regions: list[dict] = []   # enclosing branches/loops, innermost last
        self.pref: dict[int, list[ir.Var]] = {}

    def define(self, v: ir.Var, at: int | None = None, copy_of=None):
        at = self.pos if at is None else at
        if isinstance(copy_of, ir.Var):
            self.copy_of[(v.id, at)] = copy_of.id
        self.all_defs.setdefault(v.id, []).append(at)
        if v.id not in self.defs:
            self.defs[v.id] = at
            self.order.append(v)
            self.intervals[v.id] = [[at, at]]
        else:
            self.intervals[v.id].append([at, at])

    def use(self, atom, at: int | None = None):
        if not isinstance(atom, ir.Var) or atom.id not in self.defs:
            return
        u = self.pos if at is None else at
        d = max((p for p in self.all_defs[atom.id] if p <= u), default=self.defs[atom.id])
        for region in reversed(self.regions):
            if region["start"] <= d:
                break
            if region["kind"] == "loop":
                region["live"].add(atom.id)
            self._cover(atom.id, region["start"], u)
            u = region["entry"]
        self._cover(atom.id, d, u)

    def _cover(self, vid, a, b):
        for iv in self.intervals[vid]:
            if iv[0] <= a <= iv[1] or iv[0] <= b <= iv[1] or a <= iv[0] <= b:
                iv[0], iv[1] = min(iv[0], a), max(iv[1], b)
                return
        self.intervals[vid].append([a, b])

    def step(self):
        self.pos += 1

    def enter(self, kind: str, entry: int):
        self.regions.append({"kind": kind, "start": self.pos, "entry": entry, "live": set()})

    def exit(self):
        region = self.regions.pop()
        if region["kind"] == "loop":
            for vid in region["live"]:
                self._cover(vid, region["start"], self.pos)

    def prefer(self, v: ir.Var, *others):
        self.pref.setdefault(v.id, []).extend(o for o in others if isinstance(o, ir.Var))


def _interferes(a, b, live: Liveness) -> bool:
    """Two values interfere if one is defined where the other is live and
    still needed afterwards (a last use at the defining statement is fine:
    the statement reads before it writes; a copy of the other is fine: it is
    the same value), or both are defined together."""
    a_defs, b_defs = live.all_defs.get(a, [-1]), live.all_defs.get(b, [-2])
    a_ivs, b_ivs = live.intervals.get(a, []), live.intervals.get(b, [])
    for p in set(a_defs) & set(b_defs):
        if live.copy_of.get((a, p)) != b and live.copy_of.get((b, p)) != a:
            return True
    for p in a_defs:
        if live.copy_of.get((a, p)) != b and any(x0 <= p < x1 for x0, x1 in b_ivs):
            return True
    for p in b_defs:
        if live.copy_of.get((b, p)) != a and any(x0 <= p < x1 for x0, x1 in a_ivs):
            return True
    return False


class Namer:
    def __init__(self, reserved: frozenset):
        self.reserved = set(reserved)
        self.names: dict[int, str] = {}
        self.holders: dict[str, list[int]] = {}  # name -> var ids
        self.taken: set[str] = set()             # names that can never be reused
        self.temps = 0

    def fixed(self, name: str) -> str:
        """Claim a name for the whole function (helpers, the function itself)."""
        self.taken.add(name)
        return name

    def fresh(self, base: str) -> str:
        name, k = base, 0
        while name in self.reserved or name in self.taken or name in self.holders:
            k += 1
            name = f"{base}_{k}"
        return self.fixed(name)

    def _free(self, name: str, v: ir.Var, live: Liveness, own: bool) -> bool:
        if name in self.taken or (name in self.reserved and not own):
            return False
        return not any(_interferes(v.id, other, live) for other in self.holders.get(name, ()))

    def assign(self, v: ir.Var, live: Liveness) -> str:
        if v.id in self.names:
            return self.names[v.id]
        prefs = list(live.pref.get(v.id, ()))
        if v.like is not None:
            prefs.append(v.like)
        if v.adjoint_of is not None or v.tangent_of is not None:
            # a derivative keeps its own name (bx) when it can: it says what it is
            own_name = ("b" if v.adjoint_of is not None else "d") + self.name_of(
                v.adjoint_of or v.tangent_of)
            if self._free(own_name, v, live, own=False):
                return self._take(v, own_name)
        for p in prefs:
            name = self.names.get(p.id)
            if name is not None and self._free(name, v, live, own=True):
                return self._take(v, name)
        if v.adjoint_of is not None:
            base, own = "b" + self.name_of(v.adjoint_of), False
        elif v.tangent_of is not None:
            base, own = "d" + self.name_of(v.tangent_of), False
        elif v.stack_of is not None:
            base, own = "res_" + self.name_of(v.stack_of), False
        elif v.hint is not None:
            base, own = v.hint, True
        else:
            while f"t{self.temps}" in self.reserved or f"t{self.temps}" in self.taken:
                self.temps += 1
            base, own = f"t{self.temps}", False
            self.temps += 1
        name, k = base, 0
        while not self._free(name, v, live, own and name == v.hint):
            k += 1
            name = f"{base}_{k}"
        return self._take(v, name)

    def _take(self, v, name):
        self.holders.setdefault(name, []).append(v.id)
        self.names[v.id] = name
        return name

    def name_of(self, v: ir.Var) -> str:
        name = self.names.get(v.id)
        if name is None:  # a primal that is not itself in this function: name by hint
            return v.hint or "t"
        return name
