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

from bisect import bisect_left, insort

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
        self.regions: list[list] = []   # enclosing branches/loops, innermost last
        self.pref: dict[int, list[ir.Var]] = {}
        self.def_loops: dict[int, list[list]] = {}  # var id -> loops it is defined in

    def define(self, v: ir.Var, at: int | None = None, copy_of=None):
        at = self.pos if at is None else at
        vid = v.id
        if isinstance(copy_of, ir.Var):
            self.copy_of[(vid, at)] = copy_of.id
        defs = self.all_defs.get(vid)
        if defs is None:
            self.all_defs[vid] = [at]
            self.defs[vid] = at
            self.order.append(v)
            self.intervals[vid] = [[at, at]]
        else:
            defs.append(at)
            self.intervals[vid].append([at, at])
        for region in self.regions:
            if region[0]:
                self.def_loops.setdefault(vid, []).append(region)

    def use(self, atom, at: int | None = None):
        if not isinstance(atom, ir.Var):
            return
        vid = atom.id
        defs = self.all_defs.get(vid)
        if defs is None:
            return
        u = self.pos if at is None else at
        if len(defs) == 1:
            d = defs[0]
        else:
            d = max((p for p in defs if p <= u), default=defs[0])
        regions = self.regions
        if not regions or regions[-1][1] <= d:
            # the common case, a use in the region of the definition: extend
            # the interval holding the definition (_cover, without the scan
            # when it is the only one)
            ivs = self.intervals[vid]
            if len(ivs) == 1 and ivs[0][0] <= d <= ivs[0][1]:
                if u > ivs[0][1]:
                    ivs[0][1] = u
            else:
                self._cover(vid, d, u)
            loops = self.def_loops.get(vid)
            if loops is not None:
                for region in loops:
                    if len(region) > 4 and region[4] <= u:
                        self._cover(vid, region[1], region[4])
            return
        for region in reversed(regions):
            start = region[1]
            if start <= d:
                break
            if region[0]:
                region[3].add(vid)
            self._cover(vid, start, u)
            u = region[2]
        self._cover(vid, d, u)
        # Read after a loop it is defined in (a loop invariant the backward
        # sweep reads): live over that whole loop, whose later iterations run
        # the statements before its definition again.
        for region in self.def_loops.get(vid, ()):
            if len(region) > 4 and region[4] <= u:
                self._cover(vid, region[1], region[4])

    def _cover(self, vid, a, b):
        ivs = self.intervals[vid]
        for iv in ivs:
            x0, x1 = iv
            if x0 <= a <= x1 or x0 <= b <= x1 or a <= x0 <= b:
                if a < x0:
                    iv[0] = a
                if b > x1:
                    iv[1] = b
                return
        ivs.append([a, b])

    def step(self):
        self.pos += 1

    def enter(self, kind: str, entry: int):
        # [is a loop, start, entry, values used in it (a loop's) defined before it]
        self.regions.append([kind == "loop", self.pos, entry, set()])

    def exit(self):
        region = self.regions.pop()
        is_loop, start, _, live = region
        if is_loop:
            for vid in live:
                self._cover(vid, start, self.pos)
            region.append(self.pos)  # where it ends

    def prefer(self, v: ir.Var, *others):
        self.pref.setdefault(v.id, []).extend(o for o in others if isinstance(o, ir.Var))


def _interferes(a, b, live: Liveness) -> bool:
    """Two values interfere if one is defined where the other is live and
    still needed afterwards (a last use at the defining statement is fine:
    the statement reads before it writes; a copy of the other is fine: it is
    the same value), or both are defined together.

    (The reference definition: :class:`_Holders` answers the same question
    for one value against all the holders of a name at once.)"""
    copy_of = live.copy_of
    a_defs, b_defs = live.all_defs.get(a, (-1,)), live.all_defs.get(b, (-2,))
    a_ivs, b_ivs = live.intervals.get(a, ()), live.intervals.get(b, ())
    # (plain loops, no sets or generators: this runs for most values named)
    for p in a_defs:
        if copy_of.get((a, p)) != b:
            if p in b_defs and copy_of.get((b, p)) != a:
                return True     # defined together
            for x0, x1 in b_ivs:
                if x0 <= p < x1:
                    return True
    for p in b_defs:
        if copy_of.get((b, p)) != a:
            for x0, x1 in a_ivs:
                if x0 <= p < x1:
                    return True
    return False


def _mark(tree: dict, intervals, size: int, item: int) -> None:
    """Add ``item`` to the segment-tree nodes (heap numbering, leaves
    ``size + p``) that tile each interval ``[x0, x1)`` of ``intervals``."""
    for x0, x1 in intervals:
        lo, hi = x0 + size, x1 + size
        while lo < hi:
            if lo & 1:
                held = tree.get(lo)
                if held is None:
                    tree[lo] = {item}
                else:
                    held.add(item)
                lo += 1
            if hi & 1:
                hi -= 1
                held = tree.get(hi)
                if held is None:
                    tree[hi] = {item}
                else:
                    held.add(item)
            lo >>= 1
            hi >>= 1


class _Holders:
    """The values holding one name, indexed so that whether a new value
    interferes with any of them (:func:`_interferes`) costs a few lookups,
    not a scan of every holder: their definition positions, sorted, and
    their live intervals ``[x0, x1)`` in a segment tree over positions (node
    ``i`` covers a power-of-two range; an interval is stored at the
    O(log n) nodes that tile it, so the nodes on the path from a position's
    leaf to the root hold exactly the intervals containing it).

    It is made when the name is first asked about (most names, the
    temporaries', never are: the :class:`Namer` keeps their holders in a
    plain list until then), indexed once it has more than a few holders, and
    kept up to date from then on; until then, the holders are checked
    directly."""

    __slots__ = ("size", "vids", "built", "def_pos", "defs_at", "tree")

    def __init__(self, size: int, vids=()):
        self.size = size
        self.vids: list[int] = list(vids)
        self.built = False
        self.def_pos: list[int] = []             # sorted, distinct
        self.defs_at: dict[int, list[int]] = {}  # position -> holders defined there
        self.tree: dict[int, set[int]] = {}      # node -> holders live over all of it

    def add(self, vid: int, live: Liveness):
        self.vids.append(vid)
        if self.built:
            self._index(vid, live)

    def _index(self, vid: int, live: Liveness):
        for p in set(live.all_defs.get(vid, ())):
            at = self.defs_at.get(p)
            if at is None:
                at = self.defs_at[p] = []
                insort(self.def_pos, p)
            at.append(vid)
        _mark(self.tree, live.intervals.get(vid, ()), self.size, vid)

    def interferes(self, a: int, live: Liveness) -> bool:
        """Does value ``a`` interfere with any holder?"""
        if not self.built:
            if len(self.vids) <= 4:
                for b in self.vids:
                    if _interferes(a, b, live):
                        return True
                return False
            self.built = True
            for vid in self.vids:
                self._index(vid, live)
        copy_of = live.copy_of
        a_defs = set(live.all_defs.get(a, ()))
        tree, defs_at = self.tree, self.defs_at
        for p in a_defs:
            ca = copy_of.get((a, p))
            # defined together
            for b in defs_at.get(p, ()):
                if ca != b and copy_of.get((b, p)) != a:
                    return True
            # a defined where a holder is live
            i = p + self.size
            while i:
                held = tree.get(i)
                if held and (len(held) > 1 or ca not in held):
                    return True
                i >>= 1
        # a holder defined where a is live
        def_pos = self.def_pos
        for x0, x1 in live.intervals.get(a, ()):
            for k in range(bisect_left(def_pos, x0), bisect_left(def_pos, x1)):
                p = def_pos[k]
                for b in defs_at[p]:
                    if copy_of.get((b, p)) != a:
                        return True
        return False


def _number_in(name: str, base: str) -> int | None:
    """``k`` if ``name`` is ``base`` (0) or ``f"{base}_{k}"`` (k >= 1)."""
    if name == base:
        return 0
    head, sep, k = name.rpartition("_")
    if head == base and sep and k.isascii() and k.isdigit() and k[0] != "0":
        return int(k)
    return None


class _Family:
    """The names ``base, base_1, base_2, ...`` of one base that values hold,
    by number: which are held, the first that is not, and where each is
    live (a segment tree over positions, as in :class:`_Holders`, built when
    first asked about and kept up to date from then on)."""

    __slots__ = ("held", "gap", "pending", "tree")

    def __init__(self):
        self.held: set[int] = set()
        self.gap = 0                             # the least number not held
        self.pending: list | None = []           # (number, intervals) not in the tree yet
        self.tree: dict[int, set[int]] = {}      # node -> numbers live over all of it

    def add(self, k: int, intervals, size: int):
        held = self.held
        held.add(k)
        while self.gap in held:
            self.gap += 1
        if self.pending is not None:
            self.pending.append((k, intervals))
        else:
            self._index(k, intervals, size)

    def _index(self, k: int, intervals, size: int):
        _mark(self.tree, intervals, size, k)

    def live_at(self, p: int, size: int) -> set[int]:
        """The numbers of names held by a value live at position ``p``."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            for k, intervals in pending:
                self._index(k, intervals, size)
        tree = self.tree
        sets = []
        i = p + size
        while i:
            ks = tree.get(i)
            if ks:
                sets.append(ks)
            i >>= 1
        return set().union(*sets)


class Namer:
    def __init__(self, reserved: frozenset):
        self.reserved = set(reserved)
        self.names: dict[int, str] = {}
        self.holders: dict[str, list[int]] = {}  # name -> var ids
        self._index: dict[str, _Holders] = {}     # name -> its holders, indexed
        self._live: Liveness | None = None
        self._size = 1                            # segment trees' leaf count
        # base -> the names of its sequence (base, base_1, base_2, ...) in use: a
        # _Family once asked about, until then the (number, intervals) added
        self._families: dict[str, _Family | list] = {}
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
        index = self._index.get(name)
        if index is None:
            vids = self.holders.get(name)
            if vids is None:
                return True
            index = self._index[name] = _Holders(self._size, vids)
        return not index.interferes(v.id, live)

    def assign(self, v: ir.Var, live: Liveness) -> str:
        if v.id in self.names:
            return self.names[v.id]
        if self._live is not live:
            # the liveness is final once naming starts: holders index its intervals
            if self.holders:
                raise ValueError("a Namer names the values of one Liveness")
            self._live = live
            self._size = 1 << (live.pos + 1).bit_length()
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
        if self._free(base, v, live, own):
            return self._take(v, base)
        name = f"{base}_1"
        if self._free(name, v, live, False):
            return self._take(v, name)
        return self._take(v, self._numbered(base, v, live))

    def _numbered(self, base: str, v: ir.Var, live: Liveness) -> str:
        """The first of ``base_2, base_3, ...`` free for ``v``. Names of the
        base that are held by a value live where ``v`` is first defined
        interfere with it and are skipped unchecked (all but the name of the
        value ``v`` copies there, which may not interfere); the others are
        checked in order, with the first name nobody holds as the fallback."""
        family = self._families.get(base)
        if family is None:
            k = 2
            while not self._free(f"{base}_{k}", v, live, False):
                k += 1
            return f"{base}_{k}"
        if type(family) is list:
            added, family = family, _Family()
            for k, intervals in added:
                family.add(k, intervals, self._size)
            self._families[base] = family
        p = live.defs[v.id]
        blocked = family.live_at(p, self._size)
        copied = self.names.get(live.copy_of.get((v.id, p)))
        if copied is not None:
            blocked.discard(_number_in(copied, base))
        held = family.held
        candidates = sorted(k for k in held.difference(blocked) if k >= 2)
        i, k = 0, 2
        while True:
            unheld = max(k, family.gap)
            while unheld in held:  # past a gap whose name is not free (rare)
                unheld += 1
            while i < len(candidates) and candidates[i] < unheld:
                name = f"{base}_{candidates[i]}"
                i += 1
                if self._free(name, v, live, False):
                    return name
            name = f"{base}_{unheld}"
            if self._free(name, v, live, False):
                return name
            k = unheld + 1

    def _take(self, v, name):
        """``v`` holds ``name``. (The indexes of holders and families are
        made when first asked about: most names, the temporaries', never are.)"""
        vids = self.holders.get(name)
        if vids is None:
            self.holders[name] = [v.id]
        else:
            vids.append(v.id)
            index = self._index.get(name)
            if index is not None:
                index.add(v.id, self._live)
        intervals = self._live.intervals.get(v.id, ())
        head = name.rpartition("_")[0]
        for base, k in ((name, 0), (head, _number_in(name, head))):
            if k is None:
                continue
            family = self._families.get(base)
            if family is None:
                self._families[base] = [(k, intervals)]
            elif type(family) is list:
                family.append((k, intervals))
            else:
                family.add(k, intervals, self._size)
        self.names[v.id] = name
        return name

    def name_of(self, v: ir.Var) -> str:
        name = self.names.get(v.id)
        if name is None:  # a primal that is not itself in this function: name by hint
            return v.hint or "t"
        return name
