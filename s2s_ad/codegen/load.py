"""Load generated source as live functions.

The text is compiled under a unique pseudo-filename and registered in
``linecache`` (never evicted: its mtime is ``None``), so ``inspect.getsource``,
tracebacks and ``pdb`` show the generated code, and no temporary file is left
behind. The factory is instantiated with the user's module globals as its
globals, so generated code reads them live, exactly as the original does.
"""

from __future__ import annotations

import itertools
import linecache
import types

from .emit import Generated

_counter = itertools.count(1)


def load(gen: Generated, user_globals: dict, label: str) -> tuple:
    filename = f"<s2s_ad {label} #{next(_counter)}>"
    code = compile(gen.source, filename, "exec")
    linecache.cache[filename] = (len(gen.source), None, gen.source.splitlines(True), filename)
    factory_code = next(c for c in code.co_consts
                        if isinstance(c, types.CodeType) and c.co_name == gen.factory)
    factory = types.FunctionType(factory_code, user_globals, gen.factory)
    fns = factory(*gen.bindings.values())
    return fns, filename
