"""Scalar ``for``-loop ODE integration: a damped pendulum by classical RK4.

``theta'' = -c theta' - sin(theta)``, step ``h = 0.01``; the output is the
energy ``0.5 omega**2 - cos(theta)`` after ``n_steps`` steps. Gradient with
respect to the initial state ``(theta0, omega0)`` and the damping ``c``.

The hand-written gradient is the discrete adjoint of RK4: the forward sweep
stores the states, the backward sweep recomputes each step's stages and
propagates ``(a_theta, a_omega)`` back through them, accumulating ``a_c``.

* small: 100 steps; large: 1,000 steps.
"""

import math

from ..harness import Case

NAME = "ode_rk4"
TITLE = "RK4 pendulum (scalar loop)"
KIND = "scalar"
H = 0.01


def pendulum_energy(theta0, omega0, c, n_steps):
    h = 0.01
    theta = theta0
    omega = omega0
    for _ in range(n_steps):
        k1t = omega
        k1w = -c * omega - math.sin(theta)
        k2t = omega + 0.5 * h * k1w
        k2w = -c * k2t - math.sin(theta + 0.5 * h * k1t)
        k3t = omega + 0.5 * h * k2w
        k3w = -c * k3t - math.sin(theta + 0.5 * h * k2t)
        k4t = omega + h * k3w
        k4w = -c * k4t - math.sin(theta + h * k3t)
        theta = theta + h / 6.0 * (k1t + 2.0 * k2t + 2.0 * k3t + k4t)
        omega = omega + h / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
    return 0.5 * omega ** 2 - math.cos(theta)


def pendulum_energy_grad(theta0, omega0, c, n_steps):
    h = H
    sin, cos = math.sin, math.cos
    ths = [0.0] * n_steps
    ws = [0.0] * n_steps
    th, w = theta0, omega0
    for i in range(n_steps):
        ths[i] = th
        ws[i] = w
        k1t = w
        k1w = -c * w - sin(th)
        k2t = w + 0.5 * h * k1w
        k2w = -c * k2t - sin(th + 0.5 * h * k1t)
        k3t = w + 0.5 * h * k2w
        k3w = -c * k3t - sin(th + 0.5 * h * k2t)
        k4t = w + h * k3w
        k4w = -c * k4t - sin(th + h * k3t)
        th = th + h / 6.0 * (k1t + 2.0 * k2t + 2.0 * k3t + k4t)
        w = w + h / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
    a_th = sin(th)
    a_w = w
    a_c = 0.0
    for i in range(n_steps - 1, -1, -1):
        th, w = ths[i], ws[i]
        # recompute the stages of step i
        k1t = w
        th2 = th + 0.5 * h * k1t
        k1w = -c * w - sin(th)
        k2t = w + 0.5 * h * k1w
        th3 = th + 0.5 * h * k2t
        k2w = -c * k2t - sin(th2)
        k3t = w + 0.5 * h * k2w
        th4 = th + h * k3t
        k3w = -c * k3t - sin(th3)
        k4t = w + h * k3w
        # adjoints of the stage values from the update
        b1t = b4t = h / 6.0 * a_th
        b2t = b3t = h / 3.0 * a_th
        b1w = b4w = h / 6.0 * a_w
        b2w = b3w = h / 3.0 * a_w
        # k4w = -c k4t - sin(th4)
        b4t += -c * b4w
        a_c += -k4t * b4w
        bth4 = -cos(th4) * b4w
        a_th += bth4
        b3t += h * bth4
        # k4t = w + h k3w
        a_w += b4t
        b3w += h * b4t
        # k3w = -c k3t - sin(th3)
        b3t += -c * b3w
        a_c += -k3t * b3w
        bth3 = -cos(th3) * b3w
        a_th += bth3
        b2t += 0.5 * h * bth3
        # k3t = w + h/2 k2w
        a_w += b3t
        b2w += 0.5 * h * b3t
        # k2w = -c k2t - sin(th2)
        b2t += -c * b2w
        a_c += -k2t * b2w
        bth2 = -cos(th2) * b2w
        a_th += bth2
        b1t += 0.5 * h * bth2
        # k2t = w + h/2 k1w
        a_w += b2t
        b1w += 0.5 * h * b2t
        # k1w = -c w - sin(th); k1t = w
        a_w += -c * b1w + b1t
        a_c += -w * b1w
        a_th += -cos(th) * b1w
    return a_th, a_w, a_c


def _make(sin, cos):
    def pendulum_energy(theta0, omega0, c, n_steps):
        h = 0.01
        theta = theta0
        omega = omega0
        for _ in range(n_steps):
            k1t = omega
            k1w = -c * omega - sin(theta)
            k2t = omega + 0.5 * h * k1w
            k2w = -c * k2t - sin(theta + 0.5 * h * k1t)
            k3t = omega + 0.5 * h * k2w
            k3w = -c * k3t - sin(theta + 0.5 * h * k2t)
            k4t = omega + h * k3w
            k4w = -c * k4t - sin(theta + h * k3t)
            theta = theta + h / 6.0 * (k1t + 2.0 * k2t + 2.0 * k3t + k4t)
            omega = omega + h / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
        return 0.5 * omega ** 2 - cos(theta)
    return pendulum_energy


def _jax_jit(jnp):
    """Under ``jit`` a Python loop is unrolled at trace time (XLA's compile
    time and memory grow faster than linearly with 1,000 RK4 steps: tens of
    GB here), so the JAX idiom is ``lax.fori_loop``."""
    from jax import lax

    def pendulum_energy(theta0, omega0, c, n_steps):
        h = 0.01

        def step(_, state):
            theta, omega = state
            k1t = omega
            k1w = -c * omega - jnp.sin(theta)
            k2t = omega + 0.5 * h * k1w
            k2w = -c * k2t - jnp.sin(theta + 0.5 * h * k1t)
            k3t = omega + 0.5 * h * k2w
            k3w = -c * k3t - jnp.sin(theta + 0.5 * h * k2t)
            k4t = omega + h * k3w
            k4w = -c * k4t - jnp.sin(theta + h * k3t)
            theta = theta + h / 6.0 * (k1t + 2.0 * k2t + 2.0 * k3t + k4t)
            omega = omega + h / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
            return theta, omega

        theta, omega = lax.fori_loop(0, n_steps, step, (theta0, omega0))
        return 0.5 * omega ** 2 - jnp.cos(theta)
    return pendulum_energy


def case(size: str) -> Case:
    n = 100 if size == "small" else 1000
    peers = {"autograd": lambda anp: _make(anp.sin, anp.cos),
             "jax": lambda jnp: _make(jnp.sin, jnp.cos),
             "jax_jit": _jax_jit,
             "torch": lambda torch: _make(torch.sin, torch.cos)}
    return Case(pendulum_energy, (1.2, 0.0, 0.15, n), (0, 1, 2), pendulum_energy_grad,
                f"{n} steps", peers, notes="JAX jit: lax.fori_loop")
