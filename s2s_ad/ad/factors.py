"""Number factors gathered in the backward sweep: negations, and sums of
multiples of one array.

Rule templates negate and scale one step at a time: ``bt4 = -bt5`` right
after ``bt5 = bout * 2 * t5``; ``bt2 * 2 * t1`` right after ``bt2 = -bt3``;
and ``w * w`` contributes ``bt * w`` twice, so ``bw = bt * w + bt * w``. On
arrays each step is a pass over memory. Gathered into the number factor the
sign and the sum cost nothing: ``bt4 = -(bout * 2) * t5``, ``bt3 * -2 * t1``,
``bw = (bt + bt) * w``. A product is rewritten only where one statement
alone reads it, and only across statements that are arithmetic (nothing
between them writes an array in place). Where every factor is a number, the
code stays as the rules wrote it: there it costs one operation either way.
"""

from __future__ import annotations

import operator

from ..ir import nodes as ir

_NEG = ir.UnaryOp("-", operator.neg)
_MUL = ir.BinOp("*", operator.mul)


def fold_factors(block: ir.Block, grads: list, is_number) -> None:
    """Rewrite ``block`` (a backward sweep) in place; ``grads`` are the atoms
    it returns; ``is_number(atom)`` says whether a value is known to be a
    number."""
    f = _Factors(is_number)
    f.count(grads)
    f.block(block)


def _is_neg(s) -> bool:
    return isinstance(s, ir.Eqn) and isinstance(s.op, ir.UnaryOp) and s.op.symbol == "-"


def _is_sum(s) -> bool:
    return isinstance(s, ir.Eqn) and isinstance(s.op, ir.BinOp) and s.op.symbol in ("+", "-")


def _is_product(s) -> bool:
    return isinstance(s, ir.Eqn) and isinstance(s.op, ir.BinOp) and s.op.symbol in ("*", "/")


class _Factors:
    def __init__(self, is_number):
        self.uses: dict[int, int] = {}  # value id -> how many times it is read
        self.is_number = is_number

    def count(self, atoms) -> None:
        uses = self.uses
        for a in atoms:
            if type(a) is ir.Var:
                uses[a.id] = uses.get(a.id, 0) + 1

    def block(self, block: ir.Block) -> None:
        """Count the reads and rewrite, region by region: a value is read in
        its own region, the regions nested in it, and what its region
        yields, so those are counted before the region is rewritten."""
        stmts = block.stmts
        where: dict[int, int] = {}   # value id -> index of its statement here
        made_by: dict[int, str] = {}  # value id -> '-x', '*', '/', '+' or '-' that made it
        for i, s in enumerate(stmts):
            if type(s) is ir.Eqn:
                self.count(s.atoms())
                for v in s.outs:
                    where[v.id] = i
                op = s.op
                if type(op) is ir.BinOp:
                    made_by[s.outs[0].id] = op.symbol
                elif type(op) is ir.UnaryOp and op.symbol == "-":
                    made_by[s.outs[0].id] = "-x"
                continue
            if isinstance(s, ir.If):
                self.count([s.pred, *s.then_yield, *s.else_yield])
                self.block(s.then)
                self.block(s.orelse)
            else:
                self.count([*s.init, *s.next, *s.exit_flags, s.iterable, s.cond])
                if s.cond_block is not None:
                    self.block(s.cond_block)
                self.block(s.body)
        if not made_by:
            return
        self.stmts, self.where = stmts, where
        self.replaced: dict[int, list] = {}   # index -> the statements that replace it
        get = made_by.get
        for i, s in enumerate(stmts):
            mine = get(s.outs[0].id) if type(s) is ir.Eqn and s.outs else None
            if mine is None:
                continue
            # the syntactic shape of a candidate first: cheaper than asking
            # which operands are numbers
            made = [get(a.id) if type(a) is ir.Var else None for a in s.args]
            if mine == "-x":
                if made[0] in ("*", "/"):
                    self._negation_of_product(i, s)
            elif mine in ("*", "/"):
                if "-x" in made:
                    self._product_of_negation(i, s)
            elif mine in ("+", "-") and made[1] == "*" and made[0] in ("*", "+"):
                self._sum_of_multiples(i, s)
        if self.replaced:
            block.stmts[:] = [x for i, s in enumerate(stmts)
                              for x in self.replaced.get(i, (s,))]

    def _current(self, j):
        r = self.replaced.get(j)
        return self.stmts[j] if r is None else (r[-1] if r else None)

    def _single_def(self, i, a):
        """The index of the statement that defines ``a``, if ``a`` is read
        once (here), defined in this block, and only arithmetic runs between."""
        if not isinstance(a, ir.Var) or self.uses.get(a.id) != 1 or a.id not in self.where:
            return None
        j = self.where[a.id]
        if j >= i or self._current(j) is None:
            return None
        for k in range(j + 1, i):
            s = self._current(k)
            if s is not None and not (isinstance(s, ir.Eqn)
                                      and isinstance(s.op, (ir.BinOp, ir.UnaryOp, ir.Copy))):
                return None
        return j

    def _split(self, s):
        """``(k, its position)`` for a product (or quotient) of a number ``k``
        and a value not known to be one; ``None`` otherwise."""
        a, b = s.args
        if self.is_number(b) and not self.is_number(a):
            return b, 1
        if s.op.symbol == "*" and self.is_number(a) and not self.is_number(b):
            return a, 0
        return None

    def _product(self, i, a):
        """``(index, statement)`` if ``a`` is a product (``*``) read only by
        the statement at ``i``."""
        j = self._single_def(i, a)
        m = None if j is None else self._current(j)
        return (j, m) if m is not None and _is_product(m) and m.op.symbol == "*" else None

    def _sum_of_multiples(self, i, s) -> None:
        """``r = a * x + b * x`` (or ``-``) with both products read only
        here, ``a`` and ``b`` numbers: ``r = (a + b) * x``. Also where
        accumulation put another term first: ``r = (c + a * x) + b * x``
        gives ``r = c + (a + b) * x``."""
        second = self._product(i, s.args[1])
        if second is None:
            return
        first, rest = self._product(i, s.args[0]), None
        if first is None and s.op.symbol == "+":
            j = self._single_def(i, s.args[0])
            r = None if j is None else self._current(j)
            if r is not None and _is_sum(r) and r.op.symbol == "+":
                first, rest = self._product(j, r.args[1]), (j, r.args[0])
        if first is None or first[0] == second[0] \
                or not any(a is b for a in first[1].args for b in second[1].args):
            return  # (asked first: cheaper than asking which operands are numbers)
        split1, split2 = self._split(first[1]), self._split(second[1])
        if split1 is None or split2 is None:
            return
        x = first[1].args[1 - split1[1]]
        if x is not second[1].args[1 - split2[1]]:
            return
        k, product = ir.Var(), ir.Var()
        self.replaced[first[0]] = []
        self.replaced[second[0]] = []
        stmts = [ir.Eqn([k], s.op, [split1[0], split2[0]], [], s.loc, s.group)]
        if rest is None:
            stmts.append(ir.Eqn(s.outs, _MUL, [k, x], [], s.loc, s.group))
        else:
            self.replaced[rest[0]] = []
            stmts += [ir.Eqn([product], _MUL, [k, x], [], s.loc, s.group),
                      ir.Eqn(s.outs, s.op, [rest[1], product], [], s.loc, s.group)]
        self.replaced[i] = stmts

    def _rewrite(self, i, j, s, op, args, pos, k) -> None:
        """Statement ``i`` becomes ``s.outs = op(args)`` with ``-k`` at
        ``pos``; statement ``j`` goes."""
        before = []
        if isinstance(k, ir.Const):
            args[pos] = ir.Const(-k.value)
        else:
            nk = ir.Var()
            before.append(ir.Eqn([nk], _NEG, [k], [], s.loc, s.group))
            args[pos] = nk
            d = self.where.get(k.id)
            if d is not None and d < j and self.uses.get(k.id) == 1 and k.hint is None \
                    and k.adjoint_of is None and self.stmts[d].group is not None:
                # a temporary of the other rule, read only here now: it joins this
                # statement's expansion, so the emitter may write it in place
                # (-(bout * 2) * t5, not t6 = bout * 2 then -t6 * t5)
                self.stmts[d].group = s.group
        self.replaced[j] = []
        self.replaced[i] = [*before, ir.Eqn(s.outs, op, args, [], s.loc, s.group)]

    def _negation_of_product(self, i, s) -> None:
        """``n = -m`` with ``m = k * x`` read only here: ``n = -k * x``."""
        j = self._single_def(i, s.args[0])
        m = None if j is None else self._current(j)
        if m is None or not _is_product(m):
            return
        split = self._split(m)
        if split is not None:
            self._rewrite(i, j, s, m.op, list(m.args), split[1], split[0])

    def _product_of_negation(self, i, s) -> None:
        """``r = m * k`` (``k * m``, ``m / k``) with ``m = -x`` read only
        here: ``r = x * -k``."""
        split = self._split(s)
        if split is None:
            return
        k, pos = split
        j = self._single_def(i, s.args[1 - pos])
        m = None if j is None else self._current(j)
        if m is None or not _is_neg(m) or self.is_number(m.args[0]):
            return
        args = list(s.args)
        args[1 - pos] = m.args[0]
        self._rewrite(i, j, s, s.op, args, pos, k)
