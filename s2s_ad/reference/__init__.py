"""Independent reference AD engines: the seed article's two ideas, kept small.

* :class:`Tensor` (``tape.py``) -- reverse mode, a micrograd-style tape:
  ``data``, ``grad``, ``_prev``, ``_op``, ``_backward`` and a ``backward()``
  that walks the graph in reverse topological order from a seed of 1.0.
* :class:`Dual` (``dual.py``) -- forward mode, dual numbers carrying a value
  and its derivative along one direction.

They exist as *test oracles* and *teaching baselines* for s2s_ad: simple
enough to be obviously correct, and written without importing anything else
from the package (only ``math`` and ``numpy``), so a bug in the
source-to-source transformer cannot hide in them too.  ``tnp`` and ``dnp``
are NumPy-like namespaces, so one program text can be run with ``np`` (for
s2s_ad), ``tnp`` (tape) and ``dnp`` (dual numbers).

The article's example, f(x) = exp(x) + x*x at x = 2, where
f'(2) = exp(2) + 4 ~= 11.389::

    >>> from s2s_ad.reference import tape_grad, jvp_dual, tnp, dnp
    >>> round(tape_grad(lambda x: tnp.exp(x) + x * x, 2.0), 3)
    11.389
    >>> round(jvp_dual(lambda x: dnp.exp(x) + x * x, (2.0,), (1.0,))[1], 3)
    11.389
"""

from .dual import Dual, dnp, jvp_dual
from .tape import Tensor, tape_grad, tnp

__all__ = ["Tensor", "Dual", "tnp", "dnp", "tape_grad", "jvp_dual"]
