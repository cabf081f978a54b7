"""Transformation cost: the time from ``s2s_ad.grad(f)`` to a callable.

Functions of 10, 100 and 1,000 source lines are generated, in two shapes:

* ``straight``: straight-line scalar NumPy code, each line one assignment
  of two or three operations on the previous values;
* ``control``: blocks of nested loops and branches (``for`` in ``for``, an
  ``if``/``else`` in the inner loop, a ``while``), filled up with
  straight-line code to the exact line count.

Every timed transformation is *cold*: each repeat generates a fresh
function (fresh source text with a unique name, registered in ``linecache``
under a unique pseudo-filename and ``exec``-ed), so s2s_ad's per-function
cache never hits. One throw-away transformation first pays the process-wide
one-off costs (imports, rule tables). Each generated gradient is called
once, outside the timing, to check it runs; that first call's time is
recorded too (``first_call_s``). ``grad(f)`` itself only reads and lowers
``f``: the first call generates and compiles the code for its kind of
arguments (here numbers), so ``grad(f)`` plus the first call
(``ready_s``) is the cost of a transformation, and the target is judged on
it. The first call's own run time is included in it (a few hundred
microseconds for 1,000 lines of numbers).
"""

from __future__ import annotations

import itertools
import linecache
import statistics
import time

import numpy as np

LINES = (10, 100, 1000)
SHAPES = ("straight", "control")
_counter = itertools.count()

_STRAIGHT = (
    "t{k} = np.sin(t{a}) * y + t{b} * 0.5",
    "t{k} = np.tanh(t{a} + x * t{b})",
    "t{k} = np.cos(t{a} * t{b}) - x",
    "t{k} = t{a} * 0.9 + np.exp(-t{b} * t{b})",
)


def straight_source(name: str, n_lines: int) -> str:
    """A ``def`` of exactly ``n_lines`` lines of straight-line code."""
    body = ["t0 = x * y", "t1 = np.sin(x) + y"]
    k = 2
    while len(body) < n_lines - 2:          # def line + return line
        body.append(_STRAIGHT[k % len(_STRAIGHT)].format(k=k, a=k - 1, b=k - 2))
        k += 1
    body = body[:max(n_lines - 2, 1)]
    last = len(body) - 1
    return "\n".join([f"def {name}(x, y):", *("    " + s for s in body),
                      f"    return t{last}"]) + "\n"


_BLOCK = (  # 10 lines: nested loops, a branch, a while
    "for i in range(3):",
    "    for j in range(2):",
    "        if s > 0.5:",
    "            s = s * 0.9 + np.sin(x * i)",
    "        else:",
    "            s = s + np.cos(y * j) * 0.1",
    "    s = s + 0.01 * x",
    "k = 0",
    "while k < 2 and s > 0.0:",
    "    s, k = s * 0.5, k + 1",
)


def control_source(name: str, n_lines: int) -> str:
    """A ``def`` of exactly ``n_lines`` lines: control-flow blocks, then
    straight-line filler."""
    body = ["s = x * y"]
    room = n_lines - 2
    while len(body) + len(_BLOCK) <= room:
        body.extend(_BLOCK)
    while len(body) < room:
        body.append("s = np.tanh(s + x) * y")
    return "\n".join([f"def {name}(x, y):", *("    " + s for s in body),
                      "    return s"]) + "\n"


def fresh_function(shape: str, n_lines: int):
    """Compile freshly generated source under a unique name and filename,
    registered in ``linecache`` so ``inspect.getsource`` finds it."""
    k = next(_counter)
    name = f"gen_{shape}_{n_lines}_{k}"
    src = (straight_source if shape == "straight" else control_source)(name, n_lines)
    filename = f"<bench-generated-{k}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(src, filename, "exec"), namespace)
    return namespace[name], src


def run(quick: bool = False, log=print, budget: float | None = None) -> list[dict]:
    """Cold ``grad(f, wrt=(0, 1))`` times, median over fresh functions: up to
    5 (3 with ``quick``), fewer when they exceed ``budget`` seconds in all
    (``quick`` skips the 1,000-line functions)."""
    import s2s_ad

    budget = budget if budget is not None else (2.0 if quick else 25.0)
    f, _ = fresh_function("straight", 10)       # process-wide one-off costs
    s2s_ad.grad(f, wrt=(0, 1))(0.3, 0.7)
    rows = []
    for shape in SHAPES:
        for n in LINES:
            if quick and n > 100:
                continue
            times, first_calls, error = [], [], None
            repeats = 3 if quick else 5
            while len(times) < repeats:
                f, src = fresh_function(shape, n)
                assert src.count("\n") == n, (shape, n, src.count("\n"))
                try:
                    t0 = time.perf_counter()
                    df = s2s_ad.grad(f, wrt=(0, 1))
                    times.append(time.perf_counter() - t0)
                    if sum(times) > budget:   # slow: stop at what fits the budget
                        repeats = len(times)
                    t0 = time.perf_counter()
                    gx, gy = df(0.3, 0.7)        # may build a variant for numbers
                    first_calls.append(time.perf_counter() - t0)
                    if not (np.isfinite(gx) and np.isfinite(gy)):
                        error = f"non-finite gradient {gx}, {gy}"
                except Exception as e:  # noqa: BLE001 - recorded as a failure
                    error = f"{type(e).__name__}: {e}"
                    break
            med = statistics.median(times) if times else None
            ready = (statistics.median(t + c for t, c in zip(times, first_calls, strict=False))
                     if first_calls else None)
            gen_lines = df.source.count("\n") if error is None else None
            row = {"shape": shape, "lines": n, "median_s": med, "repeats": len(times),
                   "first_call_s": statistics.median(first_calls) if first_calls else None,
                   "ready_s": ready,
                   "ms_per_100_lines": (med * 1e3 * 100 / n) if med else None,
                   "ready_ms_per_100_lines": (ready * 1e3 * 100 / n) if ready else None,
                   "generated_lines": gen_lines, "error": error}
            rows.append(row)
            log(f"  transform {shape:8s} {n:5d} lines: "
                + (f"grad() {med * 1e3:8.2f} ms, with the first call {ready * 1e3:8.2f} ms"
                   if med and ready else f"FAILED {error}"))
    return rows
