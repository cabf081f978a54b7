"""Derivative rules, one module per namespace, all registered in
:mod:`s2s_ad.rules.registry` on import."""

from . import linalg_rules, math_rules, numpy_rules, operators, scipy_rules, structural  # noqa: F401  (registration)
from .registry import REGISTRY, Rule, call_view, defjvp, defvjp, lookup, nondiff

__all__ = ["REGISTRY", "Rule", "call_view", "defjvp", "defvjp", "lookup", "nondiff"]
