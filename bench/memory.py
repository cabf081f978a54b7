"""Peak memory of the loop workloads' gradients against their primal.

``tracemalloc`` traces every allocation made through Python's allocators,
which includes NumPy's array buffers, so it sees both the Python objects
(floats, residual lists, autograd's boxes) and the arrays. Each callable
runs once untraced (warm-up: caches, lazy imports), then once traced; the
figure is the traced peak above the memory in use just before the call.
PyTorch and JAX allocate outside Python's allocators, so tracemalloc
cannot see their tensors; they are left out.
"""

from __future__ import annotations

import gc
import tracemalloc

import s2s_ad

from .workloads import load

LOOP_WORKLOADS = ("scalar_math", "ode_rk4", "newton", "branch_loop", "rosenbrock_loop", "rnn")


def peak(fn) -> int:
    fn()
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = fn()
        _, top = tracemalloc.get_traced_memory()
        del out
    finally:
        tracemalloc.stop()
    return top - base


def run(sizes=("large",), only=None, peers_available=None, log=print) -> list[dict]:
    rows = []
    for name in LOOP_WORKLOADS:
        if only and name not in only:
            continue
        mod = load(name)
        for size in sizes:
            case = mod.case(size)
            row = {"workload": name, "size": size, "label": case.label}
            args = case.args
            row["primal_bytes"] = peak(lambda: case.primal(*args))
            row["hand_bytes"] = peak(lambda: case.hand(*args))
            try:
                df = s2s_ad.grad(case.primal, wrt=case.wrt)
                row["s2s_ad_bytes"] = peak(lambda: df(*args))
            except Exception as e:  # noqa: BLE001 - recorded as a failure
                row["s2s_ad_bytes"] = None
                row["s2s_ad_error"] = f"{type(e).__name__}: {e}"
            if (peers_available or {}).get("autograd"):
                from .peers import prepare
                try:
                    g, _ = prepare("autograd", case)
                    row["autograd_bytes"] = peak(g)
                except Exception as e:  # noqa: BLE001
                    row["autograd_bytes"] = None
                    row["autograd_error"] = f"{type(e).__name__}: {e}"
            rows.append(row)
            log(f"  memory {name:16s} {size:5s}: primal {row['primal_bytes']:>10,d} B, "
                f"s2s_ad {row.get('s2s_ad_bytes') or 0:>10,d} B")
    return rows
