"""De-SSA liveness (``codegen.names``) on hand-built position sequences."""

from s2s_ad.codegen.names import Liveness, _interferes
from s2s_ad.ir import nodes as ir


def test_a_value_read_after_the_loop_it_is_defined_in_is_live_over_the_whole_loop():
    """A loop invariant the backward sweep reads after the loop is assigned in
    every iteration; a temporary defined before it in the body runs again in
    the next iteration, so the two must not share a name (else the read after
    the loop could see the temporary)."""
    live = Liveness()
    live.enter("loop", 0)
    early, invariant = ir.Var("a"), ir.Var("a")
    live.define(early)          # a = v * 0.5   (position 0)
    live.step()
    live.use(early)             # v = v + a     (position 1)
    live.step()
    live.define(invariant)      # a = -e        (position 2)
    live.step()
    live.exit()
    live.step()
    live.use(invariant)         # read by the backward sweep after the loop
    assert _interferes(early.id, invariant.id, live)
    assert _interferes(invariant.id, early.id, live)


def test_values_of_one_iteration_may_share_a_name():
    live = Liveness()
    live.enter("loop", 0)
    first, second = ir.Var("a"), ir.Var("a")
    live.define(first)
    live.step()
    live.use(first)
    live.step()
    live.define(second)
    live.step()
    live.use(second)
    live.step()
    live.exit()
    assert not _interferes(first.id, second.id, live)
