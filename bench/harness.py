"""Timing, gradient checking and the description of one benchmark case.

Timing method (the same for every library, in one process):

* ``time.perf_counter`` around each call;
* the first call is a warm-up (it also gives a first estimate of the cost);
  a second call calibrates when the first was cheap;
* calls cheaper than ``MIN_REP_TIME`` are batched ``number`` at a time so
  that one timed repeat is well above the timer's resolution;
* the number of repeats is chosen so that each library's measurement takes
  about the time ``budget`` (between 3 and ``MAX_REPEATS`` repeats; a
  single repeat when one call already costs more than the budget);
* the repeats of all libraries on one case are interleaved (round-robin,
  in a shuffled order each round), so that load from other processes on a
  shared machine falls on all of them alike rather than on whichever ran
  during a burst;
* the result is the median per-call time over the repeats; a ratio between
  two libraries is the median over rounds of their per-round ratio
  (:func:`paired_ratio`), which a load burst moves much less than the ratio
  of two medians.

The garbage collector stays on (the libraries compared allocate very
different numbers of Python objects; collecting is part of their cost), but
a full collection runs before each case's timed rounds.
"""

from __future__ import annotations

import gc
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MIN_REP_TIME = 2e-4   # seconds: one timed repeat batches calls up to at least this
MAX_REPEATS = 200


@dataclass
class Case:
    """One workload at one size.

    ``primal(*args)`` is the function as a user writes it; ``wrt`` the
    positions differentiated (s2s_ad gets ``wrt=wrt``, a tuple, and returns
    a tuple of gradients); ``hand(*args)`` returns that tuple, computed by a
    hand-written analytic gradient. ``peers`` maps a peer's name to a
    factory taking the library's numpy-like module (``autograd.numpy``,
    ``jax.numpy``, ``torch``) and returning the same function written in
    that library's idiom; a value that is a string says why the peer does
    not run this case. ``jax_jit`` (if given) replaces ``peers["jax"]`` under
    ``jax.jit``: for control flow that ``jit`` cannot trace."""

    primal: Callable
    args: tuple
    wrt: tuple[int, ...]
    hand: Callable
    label: str
    peers: dict[str, Any] = field(default_factory=dict)
    notes: str = ""


@dataclass
class Timing:
    median: float
    repeats: int
    number: int
    first: float           # the first (warm-up) call
    q1: float
    q3: float
    samples: list[float] = field(default_factory=list)   # per-call times, in round order

    def as_dict(self) -> dict:
        return {"median_s": self.median, "repeats": self.repeats, "number": self.number,
                "first_call_s": self.first, "q1_s": self.q1, "q3_s": self.q3,
                "samples_s": self.samples}


def paired_ratio(a: Timing, b: Timing) -> float | None:
    """The median over rounds of ``a``'s time over ``b``'s time in the same
    round: the two calls ran moments apart, so a load burst that slows one
    slows the other too. None when they share no round."""
    pairs = [x / y for x, y in zip(a.samples, b.samples, strict=False) if y > 0]
    return statistics.median(pairs) if pairs else None


def _plan(fn, budget: float, first: float | None):
    """Warm up (unless ``first`` says the caller did) and choose
    ``(number, repeats, first)``."""
    if first is None:
        t0 = time.perf_counter()
        fn()
        first = time.perf_counter() - t0
    est = first
    if first < budget:
        t0 = time.perf_counter()
        fn()
        est = time.perf_counter() - t0
    est = max(est, 1e-7)
    number = 1 if est >= MIN_REP_TIME else min(1000, math.ceil(MIN_REP_TIME / est))
    per_rep = est * number
    repeats = 1 if per_rep > budget else int(min(MAX_REPEATS, max(3, budget / per_rep)))
    return number, repeats, first


def _timing(times: list[float], number: int, first: float) -> Timing:
    if not times:
        return Timing(first, 0, 1, first, first, first)
    ordered = sorted(times)
    med = statistics.median(ordered)
    q = statistics.quantiles(ordered, n=4) if len(ordered) >= 2 else [med, med, med]
    return Timing(med, len(times), number, first, q[0], q[2], list(times))


def measure_group(fns: dict[str, Callable[[], Any]], budget: float,
                  firsts: dict[str, float] | None = None) -> dict[str, Timing]:
    """Median seconds per call of each ``fns[k]()``, the repeats interleaved:
    round ``r`` times one batch of every function that still has a repeat
    left, so a burst of load from other processes hits all of them alike.
    ``firsts[k]``: the caller already made ``k``'s warm-up call, which took
    this long."""
    firsts = firsts or {}
    plans = {k: _plan(fn, budget, firsts.get(k)) for k, fn in fns.items()}
    times: dict[str, list[float]] = {k: [] for k in fns}
    gc.collect()
    rounds = max((p[1] for p in plans.values()), default=0)
    order = list(fns)
    shuffle = random.Random(0).shuffle
    for r in range(rounds):
        shuffle(order)            # no library always runs right after the same other one
        for k in order:
            fn = fns[k]
            number, repeats, _ = plans[k]
            if r >= repeats:
                continue
            rng = range(number)
            t0 = time.perf_counter()
            for _ in rng:
                fn()
            times[k].append((time.perf_counter() - t0) / number)
    return {k: _timing(times[k], plans[k][0], plans[k][2]) for k in fns}


def measure(fn: Callable[[], Any], budget: float, first: float | None = None) -> Timing:
    """Median seconds per call of ``fn()`` alone (see :func:`measure_group`)."""
    return measure_group({"f": fn}, budget, {"f": first} if first is not None else None)["f"]


# ---------------------------------------------------------------- checking


def to_numpy(x):
    """A NumPy view of a peer's value (a torch tensor, a JAX array, a float)."""
    if hasattr(x, "detach"):          # torch
        return x.detach().cpu().numpy()
    return np.asarray(x, dtype=float)


def flatten(tree) -> list[np.ndarray]:
    """Leaves of nested tuples/lists/dicts (dict keys sorted), as arrays."""
    if isinstance(tree, dict):
        out = []
        for k in sorted(tree):
            out.extend(flatten(tree[k]))
        return out
    if isinstance(tree, (tuple, list)):
        out = []
        for v in tree:
            out.extend(flatten(v))
        return out
    return [to_numpy(tree)]


RTOL = 1e-6


def compare(got, ref) -> tuple[bool, float, str]:
    """``(ok, worst relative error, message)``: every leaf of ``got`` within
    ``RTOL`` of the matching leaf of ``ref``, relative to that leaf's largest
    magnitude."""
    try:
        a, b = flatten(got), flatten(ref)
    except Exception as e:  # noqa: BLE001
        return False, math.inf, f"cannot read gradient: {type(e).__name__}: {e}"
    if len(a) != len(b):
        return False, math.inf, f"{len(a)} gradient leaves, expected {len(b)}"
    worst = 0.0
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if np.shape(x) != np.shape(y):
            return False, math.inf, f"leaf {i}: shape {np.shape(x)}, expected {np.shape(y)}"
        scale = float(np.max(np.abs(y))) if np.size(y) else 0.0
        err = float(np.max(np.abs(x - y))) if np.size(y) else 0.0
        if not np.all(np.isfinite(x)):
            return False, math.inf, f"leaf {i}: non-finite values"
        rel = err / scale if scale > 0 else err
        worst = max(worst, rel)
    ok = worst <= RTOL
    return ok, worst, "" if ok else f"max relative error {worst:.3g} (tolerance {RTOL:g})"


def fmt_time(s: float | None) -> str:
    if s is None or not math.isfinite(s):
        return "—"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "—"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024
    return str(n)
