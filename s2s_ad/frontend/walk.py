"""Fast tree walks over ``gast`` (or ``ast``) trees.

``gast.walk`` is ``ast.walk``: a generator of generators (``iter_child_nodes``
over ``iter_fields``) that costs several microseconds a node, which adds up
when every pass of the frontend walks a large function. These walks visit
the same nodes in the same order with a plain loop.
"""

from __future__ import annotations

from ast import AST


def nodes(node) -> list:
    """Every node of the tree under ``node`` (``node`` included), in the order
    ``gast.walk`` yields them (breadth first). The tree is read once, up
    front: a caller may change it while going through the list."""
    out = [node]
    append = out.append
    i = 0
    while i < len(out):
        n = out[i]
        i += 1
        for name in n._fields:
            v = getattr(n, name, None)
            if isinstance(v, list):
                for x in v:
                    if isinstance(x, AST):
                        append(x)
            elif isinstance(v, AST):
                append(v)
    return out


def nodes_own(node) -> list:
    """The nodes of ``node``'s tree, ``node`` included, leaving out nested
    functions and lambdas (and what is inside them), depth first: a stack,
    each node's children pushed in field order."""
    from gast import FunctionDef, Lambda
    out = []
    todo = [node]
    while todo:
        n = todo.pop()
        out.append(n)
        for name in n._fields:
            v = getattr(n, name, None)
            if isinstance(v, list):
                for x in v:
                    if isinstance(x, AST) and not isinstance(x, (FunctionDef, Lambda)):
                        todo.append(x)
            elif isinstance(v, AST) and not isinstance(v, (FunctionDef, Lambda)):
                todo.append(v)
    return out
