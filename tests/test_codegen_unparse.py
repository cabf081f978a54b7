"""The emitter's fast unparser writes exactly what ``ast.unparse`` writes
(random expression trees of every node type it knows, and some it leaves
to ``ast.unparse``: dicts, subtrees shared between two places)."""

import ast
import random

from s2s_ad.codegen.unparse import _BINOP, unparse

CONSTS = [0, 1, -1, 2.5, -2.5, float("inf"), -float("inf"), float("nan"), 1j, True, None,
          "a'b", b"x", (1, 2), (1,), (), ..., (1.5, (2, 3))]


def _tree(r: random.Random, depth: int) -> ast.expr:
    if depth <= 0 or r.random() < 0.2:
        if r.random() < 0.5:
            return ast.Name(r.choice("xyz"), ast.Load())
        return ast.Constant(r.choice(CONSTS))
    d = depth - 1
    k = r.randrange(13)
    if k == 0:
        return ast.BinOp(_tree(r, d), r.choice(list(_BINOP))(), _tree(r, d))
    if k == 1:
        return ast.UnaryOp(r.choice([ast.USub, ast.UAdd, ast.Not, ast.Invert])(), _tree(r, d))
    if k == 2:
        return ast.Compare(_tree(r, d), [r.choice([ast.Lt, ast.Is, ast.NotIn, ast.Eq])()
                                          for _ in range(2)], [_tree(r, d), _tree(r, d)])
    if k == 3:
        args = [_tree(r, d) for _ in range(r.randrange(3))]
        if r.random() < 0.3:
            args.append(ast.Starred(_tree(r, d), ast.Load()))
        kws = [ast.keyword(arg=r.choice(["k", None]), value=_tree(r, d))
               for _ in range(r.randrange(2))]
        return ast.Call(_tree(r, d), args, kws)
    if k == 4:
        return ast.Attribute(_tree(r, d), "real", ast.Load())
    if k == 5:
        def part():
            return _tree(r, d) if r.random() < 0.5 else None
        index = r.choice([_tree(r, d),
                          ast.Tuple([_tree(r, d) for _ in range(r.randrange(3))], ast.Load()),
                          ast.Slice(part(), part(), part())])
        return ast.Subscript(_tree(r, d), index, ast.Load())
    if k == 6:
        return ast.Tuple([_tree(r, d) for _ in range(r.randrange(4))], ast.Load())
    if k == 7:
        return ast.List([_tree(r, d) for _ in range(r.randrange(3))], ast.Load())
    if k == 8:
        return ast.BoolOp(r.choice([ast.And, ast.Or])(),
                          [_tree(r, d) for _ in range(r.randrange(2, 4))])
    if k == 9:
        return ast.IfExp(_tree(r, d), _tree(r, d), _tree(r, d))
    if k == 10:
        return ast.Dict([_tree(r, d)], [_tree(r, d)])
    if k == 11:
        shared = _tree(r, d)
        return ast.BinOp(shared, ast.Mult(), ast.BinOp(shared, ast.Add(), _tree(r, 0)))
    return ast.Starred(_tree(r, d), ast.Load())


def test_same_text_as_ast_unparse():
    r = random.Random(0)
    checked = 0
    for _ in range(20000):
        node = _tree(r, r.randrange(1, 6))
        try:
            expected = ast.unparse(node)
        except Exception:  # noqa: BLE001 - a tree ast.unparse itself cannot write
            continue
        assert unparse(node) == expected, ast.dump(node)
        checked += 1
    assert checked > 15000
