"""docs/coverage.md is generated from the rule registry by
scripts/gen_coverage.py; it must be current (run the script after adding or
changing a rule)."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_coverage",
                                                  ROOT / "scripts" / "gen_coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_coverage_doc_is_current():
    pytest.importorskip("scipy")   # the page is generated with SciPy's rules registered
    if int(np.__version__.split(".")[0]) < 2:
        pytest.skip("the page is generated with NumPy 2 (some functions are NumPy 2 only)")
    expected = _generator().coverage()
    actual = (ROOT / "docs" / "coverage.md").read_text()
    assert actual == expected, "docs/coverage.md is stale: run python scripts/gen_coverage.py"


def test_every_differentiable_key_is_listed():
    pytest.importorskip("scipy")
    from s2s_ad.rules import REGISTRY
    from s2s_ad.rules.registry import load_optional_rules
    load_optional_rules()
    text = (ROOT / "docs" / "coverage.md").read_text()
    from s2s_ad.rules.registry import is_builtin
    missing = [r.name for r in REGISTRY.values() if is_builtin(r)
               if (r.vjp is not None or r.jvp is not None) and f"`{r.name}`" not in text]
    assert not missing, missing


def test_autograd_snapshot_names_resolve():
    """The autograd names compared against are real functions here."""
    pytest.importorskip("scipy")
    gen = _generator()
    unresolved = [n for n in gen.AUTOGRAD if gen._resolve(n) is None]
    assert not unresolved, unresolved
