"""A loop with a data-dependent branch: a bouncing ball.

Explicit Euler steps of a falling ball; when it goes below the floor
(``if h < 0.0``) it is reflected and loses a fraction of its speed
(restitution ``e``). The output is the final energy per unit mass
``g h + v²/2``. Gradient with respect to the initial height ``h0``, the
initial velocity ``v0`` and ``e``.

Hand-written: forward sensitivities — the derivatives of ``(h, v)`` with
respect to ``(h0, v0, e)`` carried through each step and through the branch
that was taken.

* small: 100 steps; large: 1,000 steps.
"""

from ..harness import Case

NAME = "branch_loop"
TITLE = "Bouncing ball (loop + branch)"
KIND = "scalar"


def bouncing_ball(h0, v0, e, n_steps):
    g = 9.81
    dt = 0.01
    h = h0
    v = v0
    for _ in range(n_steps):
        v = v - g * dt
        h = h + v * dt
        if h < 0.0:
            h = -e * h
            v = -e * v
    return g * h + 0.5 * v * v


def bouncing_ball_grad(h0, v0, e, n_steps):
    g = 9.81
    dt = 0.01
    h, v = h0, v0
    # d(h, v) / d(h0, v0, e)
    hh, hv, he = 1.0, 0.0, 0.0
    vh, vv, ve = 0.0, 1.0, 0.0
    for _ in range(n_steps):
        v = v - g * dt
        h = h + v * dt
        hh += vh * dt
        hv += vv * dt
        he += ve * dt
        if h < 0.0:
            hh, hv, he = -e * hh, -e * hv, -e * he - h
            vh, vv, ve = -e * vh, -e * vv, -e * ve - v
            h = -e * h
            v = -e * v
    return g * hh + v * vh, g * hv + v * vv, g * he + v * ve


def _make(lib):
    def bouncing_ball(h0, v0, e, n_steps):
        g = 9.81
        dt = 0.01
        h = h0
        v = v0
        for _ in range(n_steps):
            v = v - g * dt
            h = h + v * dt
            if h < 0.0:
                h = -e * h
                v = -e * v
        return g * h + 0.5 * v * v
    return bouncing_ball


def _jax_jit(jnp):
    """Under ``jit`` the branch cannot be a Python ``if`` on a traced value
    and a long Python loop is unrolled at trace time: the JAX idiom is
    ``lax.fori_loop`` with ``jnp.where`` (both sides computed)."""
    from jax import lax

    def bouncing_ball(h0, v0, e, n_steps):
        g = 9.81
        dt = 0.01

        def step(_, state):
            h, v = state
            v = v - g * dt
            h = h + v * dt
            below = h < 0.0
            h = jnp.where(below, -e * h, h)
            v = jnp.where(below, -e * v, v)
            return h, v

        h, v = lax.fori_loop(0, n_steps, step, (h0, v0))
        return g * h + 0.5 * v * v
    return bouncing_ball


def case(size: str) -> Case:
    n = 100 if size == "small" else 1000
    peers = {"autograd": _make, "jax": _make, "jax_jit": _jax_jit, "torch": _make}
    return Case(bouncing_ball, (1.0, 0.5, 0.8, n), (0, 1, 2), bouncing_ball_grad,
                f"{n} steps", peers,
                notes="JAX jit: lax.fori_loop + jnp.where")
