"""The workloads, one module each.

Every module defines ``NAME``, ``TITLE``, ``KIND`` (``"array"``: the cost is
in array operations; ``"scalar"``: scalar code and loops, where the cost is
interpretive overhead) and ``case(size) -> bench.harness.Case`` for
``size`` in ``SIZES``. A module holds the primal as a user writes it, the
hand-written analytic gradient, and the same function in each peer's idiom.
"""

import importlib

SIZES = ("small", "large")

NAMES = (
    "scalar_math",
    "ode_rk4",
    "newton",
    "branch_loop",
    "rosenbrock_loop",
    "rosenbrock_vec",
    "logreg",
    "mlp",
    "rnn",
)


def load(name: str):
    return importlib.import_module(f"{__name__}.{name}")
