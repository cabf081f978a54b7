"""Scalar expression with ``math.*``: the Black–Scholes price of a European call.

Gradient with respect to spot ``S``, maturity ``T``, rate ``r`` and volatility
``sigma``: the Greeks delta, theta (here ∂C/∂T), rho and vega, whose closed
forms are the hand-written gradient.

* small: one option, ``bs_call`` — a straight-line scalar expression;
* large: a book of 100 options (different strikes and maturities) valued by
  a Python loop calling ``bs_call``; gradient with respect to the shared
  ``S``, ``r`` and ``sigma``.
"""

import math

import numpy as np

from ..harness import Case

NAME = "scalar_math"
TITLE = "Black–Scholes (math.*)"
KIND = "scalar"


def bs_call(S, K, T, r, sigma):
    sqrt_T = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * sqrt_T)
    d2 = d1 - sigma * sqrt_T
    n1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))
    n2 = 0.5 * (1.0 + math.erf(d2 / math.sqrt(2.0)))
    return S * n1 - K * math.exp(-r * T) * n2


def book_value(S, r, sigma, strikes, maturities):
    total = 0.0
    for K, T in zip(strikes, maturities):  # noqa: B905 - as a user writes it
        total = total + bs_call(S, K, T, r, sigma)
    return total


# ---------------------------------------------------------------- hand-written


def _greeks(S, K, T, r, sigma):
    sqrt_T = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_T)
    d2 = d1 - sigma * sqrt_T
    n1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))
    n2 = 0.5 * (1.0 + math.erf(d2 / math.sqrt(2.0)))
    pdf1 = math.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi)
    disc = K * math.exp(-r * T)
    delta = n1
    vega = S * pdf1 * sqrt_T
    rho = T * disc * n2
    dT = S * pdf1 * sigma / (2.0 * sqrt_T) + r * disc * n2
    return delta, dT, rho, vega


def bs_call_grad(S, K, T, r, sigma):
    delta, dT, rho, vega = _greeks(S, K, T, r, sigma)
    return delta, dT, rho, vega


def book_value_grad(S, r, sigma, strikes, maturities):
    gS = gr = gsigma = 0.0
    for K, T in zip(strikes, maturities, strict=True):
        delta, _, rho, vega = _greeks(S, K, T, r, sigma)
        gS += delta
        gr += rho
        gsigma += vega
    return gS, gr, gsigma


# ---------------------------------------------------------------- peers


def _bs_in(lib, erf):
    def bs(S, K, T, r, sigma):
        sqrt_T = lib.sqrt(T)
        d1 = (lib.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * sqrt_T)
        d2 = d1 - sigma * sqrt_T
        n1 = 0.5 * (1.0 + erf(d1 / math.sqrt(2.0)))
        n2 = 0.5 * (1.0 + erf(d2 / math.sqrt(2.0)))
        return S * n1 - K * lib.exp(-r * T) * n2
    return bs


def _book_in(bs):
    def book(S, r, sigma, strikes, maturities):
        total = 0.0
        for K, T in zip(strikes, maturities, strict=True):
            total = total + bs(S, K, T, r, sigma)
        return total
    return book


def _autograd(anp):
    from autograd.scipy.special import erf
    return _bs_in(anp, erf)


def _jax(jnp):
    from jax.scipy.special import erf
    return _bs_in(jnp, erf)


def _jax_jit_book(jnp):
    """Under ``jit`` the Python loop over 100 options would be unrolled
    (XLA then takes about 30 s to compile it here): the JAX idiom is
    ``lax.fori_loop`` over the options."""
    from jax import lax

    bs = _jax(jnp)

    def book_value(S, r, sigma, strikes, maturities):
        Ks = jnp.asarray(strikes)
        Ts = jnp.asarray(maturities)

        def add_option(i, total):
            return total + bs(S, Ks[i], Ts[i], r, sigma)

        return lax.fori_loop(0, len(strikes), add_option, jnp.zeros_like(S))
    return book_value


def _torch(torch):
    import types

    def as_t(v):  # maturities of the book are Python floats
        return torch.as_tensor(v, dtype=torch.float64)

    lib = types.SimpleNamespace(sqrt=lambda v: torch.sqrt(as_t(v)), log=torch.log,
                                exp=torch.exp)
    return _bs_in(lib, torch.erf)


def case(size: str) -> Case:
    peers_small = {"autograd": _autograd, "jax": _jax, "torch": _torch}
    if size == "small":
        return Case(bs_call, (100.0, 95.0, 0.75, 0.03, 0.25), (0, 2, 3, 4), bs_call_grad,
                    "1 option", peers_small)
    rng = np.random.default_rng(0)
    strikes = [float(k) for k in rng.uniform(70.0, 130.0, 100)]
    maturities = [float(t) for t in rng.uniform(0.1, 3.0, 100)]
    peers = {name: (lambda lib, f=f: _book_in(f(lib))) for name, f in peers_small.items()}
    peers["jax_jit"] = _jax_jit_book
    return Case(book_value, (100.0, 0.03, 0.25, strikes, maturities), (0, 1, 2),
                book_value_grad, "100 options, loop over a user function", peers,
                notes="JAX jit: lax.fori_loop")
