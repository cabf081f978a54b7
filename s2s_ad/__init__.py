"""s2s_ad: source-to-source automatic differentiation for Python and NumPy.

``@grad`` reads a function's source, lowers it to an SSA IR, applies reverse
mode, and emits the gradient as plain Python you can print, read and step
through in a debugger::

    import numpy as np
    import s2s_ad as ad

    @ad.grad
    def f(x):
        return np.exp(x) + x * x

    f(2.0)          # exp(2) + 4 = 11.389...
    print(f.source)
"""

from . import reference, rules  # noqa: F401  (rules register on import)
from .api import (
                  Transformed,
                  derivative,
                  grad,
                  hessian,
                  hvp,
                  jacobian,
                  jvp,
                  show,
                  value_and_grad,
                  vjp,
)
from .checking import check_grads
from .errors import NonDifferentiableError, SourceUnavailableError, UnsupportedError
from .primitives import Primitive, primitive, stop_gradient

__version__ = "0.1.0"

__all__ = [
    "NonDifferentiableError", "Primitive", "SourceUnavailableError", "Transformed",
    "UnsupportedError", "check_grads", "derivative", "grad", "hessian", "hvp", "jacobian", "jvp", "primitive",
    "reference", "show", "stop_gradient", "value_and_grad", "vjp",
]
