"""Golden-source tests: the generated gradients of a few representative
functions are stored in tests/golden/, so a change in the readability of
generated code is a visible diff. On a mismatch the actual text is printed;
to accept a change, run with S2S_AD_UPDATE_GOLDEN=1 and review the diff."""


import pytest

import s2s_ad as ad
from tests import golden_functions as g
from tests.checks import assert_matches_golden

CASES = {
    "seed": (g.seed, 0),
    "dense_layer": (g.dense_layer, (0, 1)),
    "softmax_cross_entropy": (g.softmax_cross_entropy, 0),
    "indexing": (g.indexing, 0),
    "scalar_math": (g.scalar_math, (0, 1)),
    "for_loop": (g.for_loop, 0),
    "while_with_break": (g.while_with_break, 0),
    "branch_in_loop": (g.branch_in_loop, 0),
    "calls_helper": (g.calls_helper, (0, 1)),
    "item_writes_in_loop": (g.item_writes_in_loop, 0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source_matches_golden(name):
    fn, wrt = CASES[name]
    actual = ad.grad(fn, wrt=wrt).source
    assert_matches_golden(f"{name}.py", actual, f"generated source of {name}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_ir(name):
    fn, _ = CASES[name]
    ir_text = ad.grad(fn).ir
    assert_matches_golden(f"{name}.ir", ir_text, f"IR of {name}")
