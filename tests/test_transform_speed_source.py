"""``frontend.source._def_block`` finds a ``def``'s lines by indentation
(instead of ``inspect.getblock``'s tokenizer run): wherever it answers and
its answer parses, it must be exactly ``inspect``'s; where it cannot tell,
it answers ``None`` or a cut that does not parse (and ``inspect`` decides)."""

import ast
import inspect
import textwrap

import pytest

from s2s_ad.frontend.source import _def_block

CASES = {
    "plain": "def f(x):\n    y = x\n    return y\n\nz = 1\n",
    "decorated": "@a\n@b(1)\ndef f(x):\n    return x\nz = 1\n",
    "nested": "    def f(x):\n        return x\n    y = 2\n",
    "one line": "def f(x): return x\ndef g(): pass\n",
    "blank lines and comments inside": "def f(x):\n\n    # c\n    y = x\n# col 0\n    return y\n",
    "trailing comment at column 0": "def f(x):\n    return x\n# after\nz = 1\n",
    "trailing indented comment": "def f(x):\n    return x\n    # after\nz = 1\n",
    "string at column 0": 'def f(x):\n    s = """\nz\n"""\n    return x\nz = 1\n',
    "bracket at column 0": "def f(x):\n    y = (x +\nx)\n    return y\n",
    "backslash": "def f(x):\n    y = x + \\\n1\n    return y\n",
    "multi-line decorator": "@a(\n    1)\ndef f(x):\n    return x\n",
    "multi-line signature": "def f(\n    x,\n    y):\n    return x\nz = 1\n",
    "async": "async def f(x):\n    return x\n",
    "tabs": "def f(x):\n\treturn x\n",
    "end of file": "def f(x):\n    return x",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_def_block_is_inspects_or_undecided(name):
    lines = CASES[name].splitlines(True)
    expected = inspect.getblock(lines)
    got = _def_block(lines, 0)
    if got is None:
        return
    try:
        ast.parse(textwrap.dedent("".join(got)))
    except SyntaxError:
        return  # parse_function asks inspect then
    assert got == expected


def test_def_block_decides_the_common_cases():
    for name in ("plain", "decorated", "nested", "one line", "trailing comment at column 0",
                 "blank lines and comments inside", "multi-line signature", "end of file"):
        assert _def_block(CASES[name].splitlines(True), 0) is not None, name
