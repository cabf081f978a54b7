"""The frontend's fast parser builds the same ``gast`` tree as ``gast.parse``."""

from __future__ import annotations

import pathlib

import gast
import pytest

from s2s_ad.frontend import source

ROOT = pathlib.Path(__file__).resolve().parent.parent
FILES = sorted([*ROOT.joinpath("s2s_ad").rglob("*.py"),
                *(ROOT / "tests" / n for n in ("functions.py", "golden_functions.py", "programs.py"))])


def test_fast_converter_in_use():
    source.parse("x = 1")
    assert source._to_gast is source._convert


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_tree_as_gast(path):
    text = path.read_text()
    assert gast.dump(source.parse(text), include_attributes=True) \
        == gast.dump(gast.parse(text), include_attributes=True)
