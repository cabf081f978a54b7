"""Derivative rules, one module per namespace, all registered in
:mod:`s2s_ad.rules.registry` on import. The SciPy rules load on first use
(when the program being transformed has imported SciPy), so importing
s2s_ad does not import SciPy."""

from . import fft_rules, linalg_rules, math_rules, numpy_rules, operators, structural  # noqa: F401  (registration)
from .registry import REGISTRY, Rule, call_view, defjvp, defvjp, lookup, nondiff

__all__ = ["REGISTRY", "Rule", "call_view", "defjvp", "defvjp", "lookup", "nondiff"]
