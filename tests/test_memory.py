"""The saved state of a loop grows linearly with the number of iterations,
with a small constant: what the backward loop reads from each iteration, and
nothing else."""

import math
import tracemalloc

import s2s_ad as ad


def scalar_loop(x, n):
    y = x
    for _ in range(n):
        y = math.sin(y) * 0.5 + x
    return y


def reference_derivative(x, n):
    # d/dx of y_{k+1} = sin(y_k)/2 + x, by forward recurrence (an independent check)
    y, dy = x, 1.0
    for _ in range(n):
        y, dy = math.sin(y) * 0.5 + x, math.cos(y) * 0.5 * dy + 1.0
    return dy


def peak_bytes(fn, *args):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak - before


def test_a_million_iterations_use_linear_memory_with_a_small_constant():
    df = ad.grad(scalar_loop)
    # one list of saved values, appended once per iteration
    assert df.source.count(".append(") == 1
    n_small, n_large = 100_000, 1_000_000
    g_small, small = peak_bytes(df, 0.3, n_small)
    g_large, large = peak_bytes(df, 0.3, n_large)
    assert abs(g_small - reference_derivative(0.3, n_small)) < 1e-9
    assert abs(g_large - reference_derivative(0.3, n_large)) < 1e-9
    per_iteration = large / n_large
    # a float (24 bytes) and its slot in the list (8 bytes, plus over-allocation)
    assert per_iteration < 48, f"{per_iteration:.1f} bytes per iteration"
    # linear: ten times the iterations, about ten times the memory
    assert 8 < large / small < 12, (small, large)
