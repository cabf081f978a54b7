"""``while``-loop Newton solve: Kepler's equation ``E - e sin E = M``.

For each time ``t`` the mean anomaly is ``M = t - t0``; Newton's method
(``while abs(f) > 1e-12``, a data-dependent trip count) finds the eccentric
anomaly ``E``; the output sums the orbit's coordinates
``cos E - e + sqrt(1 - e^2) sin E`` over the times. Gradient with respect to
the eccentricity ``e`` and the epoch ``t0``.

The hand-written gradient uses the implicit function theorem at the
solution: ``dE/dM = 1 / (1 - e cos E)``, ``dE/de = sin E / (1 - e cos E)``.
AD differentiates through the iterations instead; both agree to the solver's
tolerance once it has converged.

* small: 1 time; large: 100 times (a ``for`` loop around the ``while``).
"""

import math

import numpy as np

from ..harness import Case

NAME = "newton"
TITLE = "Kepler by Newton (while loop)"
KIND = "scalar"


def kepler_orbit(e, t0, times):
    total = 0.0
    for t in times:
        M = t - t0
        E = M
        f = E - e * math.sin(E) - M
        while abs(f) > 1e-12:
            E = E - f / (1.0 - e * math.cos(E))
            f = E - e * math.sin(E) - M
        total = total + math.cos(E) - e + math.sqrt(1.0 - e * e) * math.sin(E)
    return total


def kepler_orbit_grad(e, t0, times):
    ge = gt0 = 0.0
    b = math.sqrt(1.0 - e * e)
    for t in times:
        M = t - t0
        E = M
        f = E - e * math.sin(E) - M
        while abs(f) > 1e-12:
            E = E - f / (1.0 - e * math.cos(E))
            f = E - e * math.sin(E) - M
        sE, cE = math.sin(E), math.cos(E)
        dx_dE = -sE + b * cE
        denom = 1.0 - e * cE
        ge += dx_dE * sE / denom - 1.0 - e / b * sE
        gt0 += -dx_dE / denom
    return ge, gt0


def _make(sin, cos, sqrt):
    def kepler_orbit(e, t0, times):
        total = 0.0
        for t in times:
            M = t - t0
            E = M
            f = E - e * sin(E) - M
            while abs(f) > 1e-12:
                E = E - f / (1.0 - e * cos(E))
                f = E - e * sin(E) - M
            total = total + cos(E) - e + sqrt(1.0 - e * e) * sin(E)
        return total
    return kepler_orbit


def case(size: str) -> Case:
    times = [0.7] if size == "small" else [float(t) for t in np.linspace(0.1, 6.2, 100)]
    peers = {"autograd": lambda anp: _make(anp.sin, anp.cos, anp.sqrt),
             "jax": lambda jnp: _make(jnp.sin, jnp.cos, jnp.sqrt),
             "jax_jit": "jit cannot trace a Python `while` on a traced value; "
                        "lax.while_loop is not reverse-differentiable",
             "torch": lambda torch: _make(torch.sin, torch.cos, torch.sqrt)}
    return Case(kepler_orbit, (0.6, 0.05, times), (0, 1), kepler_orbit_grad,
                f"{len(times)} solve{'s' if len(times) > 1 else ''}", peers)
