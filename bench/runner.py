"""Run the workloads, the transformation-cost and the memory measurements.

Everything runs in one process, one case at a time: the NumPy primal, the
hand-written gradient, s2s_ad's gradient and each installed peer's gradient
(and the peer's own primal, for reference). Every gradient is checked
against the hand-written one before it is timed.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

import numpy as np

import s2s_ad

from . import memory, peers, report, transform_cost
from .harness import compare, measure, measure_group, paired_ratio
from .workloads import NAMES, SIZES, load

RESULTS = Path(__file__).resolve().parent / "results"

# seconds per measurement (one library, one case); a call slower than this is timed once
BUDGET = {"quick": 0.04, "full": 1.0}


def _error(e: BaseException) -> dict:
    tb = traceback.extract_tb(e.__traceback__)
    return {"type": type(e).__name__, "message": str(e),
            "traceback": "".join(traceback.format_list(tb[-4:]))}


def _source(fn) -> str:
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return ""


def run_case(mod, size: str, budget: float, avail: dict, log, quick: bool = False) -> dict:
    """Check every gradient against the hand-written one, then time them all
    (interleaved, see :func:`bench.harness.measure_group`)."""
    case = mod.case(size)
    args = case.args
    row = {"workload": mod.NAME, "title": mod.TITLE, "kind": mod.KIND, "size": size,
           "label": case.label, "notes": case.notes, "wrt": list(case.wrt), "libs": {},
           "function": case.primal.__name__,
           "load_before": os.getloadavg()[0]}
    libs = row["libs"]
    ref = case.hand(*args)
    fns = {"primal": lambda: case.primal(*args), "hand": lambda: case.hand(*args)}
    firsts: dict[str, float] = {}
    libs["primal"] = {}
    libs["hand"] = {"ok": True}

    # s2s_ad: transformation (cold: the first grad() of this function), then calls
    entry = libs["s2s_ad"] = {}
    try:
        t0 = time.perf_counter()
        df = s2s_ad.grad(case.primal, wrt=case.wrt)
        entry["transform_s"] = time.perf_counter() - t0
        entry["generated_lines"] = df.source.count("\n")
        t0 = time.perf_counter()
        got = df(*args)
        firsts["s2s_ad"] = time.perf_counter() - t0
        ok, err, msg = compare(got, ref)
        entry.update(ok=ok, max_rel_err=err, message=msg)
        fns["s2s_ad"] = lambda: df(*args)
    except Exception as e:  # noqa: BLE001 - a failure is a result
        entry.update(ok=False, error=_error(e), median_s=None,
                     primal_source=_source(case.primal))
        log(f"    s2s_ad FAILED: {type(e).__name__}: {e}")

    for p in peers.PEERS:
        if not avail.get(p):
            continue
        try:
            call, primal_call = peers.prepare(p, case)
        except LookupError as e:
            libs[p] = {"skipped": str(e), "median_s": None}
            continue
        except Exception as e:  # noqa: BLE001
            libs[p] = {"ok": False, "error": _error(e), "median_s": None}
            log(f"    {p} FAILED: {type(e).__name__}: {str(e)[:200]}")
            continue
        entry = libs[p] = {}
        try:
            t0 = time.perf_counter()
            got = call()
            first = time.perf_counter() - t0
            ok, err, msg = compare(got, ref)
            entry.update(ok=ok, max_rel_err=err, message=msg)
            if p == "jax_jit":    # the first call traced and compiled; warm up again
                entry["first_call_s"] = first
                t0 = time.perf_counter()
                call()
                first = time.perf_counter() - t0
            fns[p], firsts[p] = call, first
            if not quick:
                fns[p + ":primal"] = primal_call
        except Exception as e:  # noqa: BLE001
            entry.update(ok=False, error=_error(e), median_s=None)
            log(f"    {p} FAILED: {type(e).__name__}: {str(e)[:200]}")

    try:
        timings = measure_group(fns, budget, firsts)
    except Exception:  # noqa: BLE001 - a call that failed only now: time one by one
        timings = {}
        for k, fn in fns.items():
            try:
                timings[k] = measure(fn, budget, firsts.get(k))
            except Exception as e:  # noqa: BLE001
                key = k.split(":")[0]
                libs[key].update(ok=False, error=_error(e), median_s=None)
    row["paired"] = _paired(timings)
    for k, t in timings.items():
        if k.endswith(":primal"):
            libs[k.split(":")[0]]["primal_median_s"] = t.median
            continue
        libs[k].update(timing=t.as_dict(), median_s=t.median)
        if k == "jax_jit":
            libs[k]["compile_s"] = max(libs[k]["first_call_s"] - t.median, 0.0)
    row["load_after"] = os.getloadavg()[0]
    return row


def _paired(timings: dict) -> dict:
    """Paired ratios (see :func:`bench.harness.paired_ratio`): every gradient's
    time over the primal's, s2s_ad's over the hand-written one's, and each
    peer's over s2s_ad's."""
    out = {}
    for k, t in timings.items():          # every gradient over the NumPy primal
        if k != "primal" and not k.endswith(":primal"):
            out[f"{k}/primal"] = paired_ratio(t, timings["primal"])
    s = timings.get("s2s_ad")
    if s is None:
        return out
    out["s2s_ad/hand"] = paired_ratio(s, timings["hand"])
    for k, t in timings.items():
        if k in peers.PEERS:
            out[f"{k}/s2s_ad"] = paired_ratio(t, s)
    return out


def environment(avail: dict, quick: bool) -> dict:
    env = {"date": _dt.datetime.now().isoformat(timespec="seconds"),
           "mode": "quick" if quick else "full",
           "python": platform.python_version(), "numpy": np.__version__,
           "s2s_ad": getattr(s2s_ad, "__version__", "?"),
           "platform": platform.platform(), "cores": os.cpu_count(),
           "cpu": _cpu_model(),
           "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
           "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
           "peers": {k: v for k, v in avail.items() if k != "jax_jit"},
           "git": _git() or os.environ.get("S2S_AD_VERSION_LABEL"), "s2s_ad_path": str(Path(s2s_ad.__file__).resolve().parent)}
    try:
        from threadpoolctl import threadpool_info
        env["blas"] = [{**{k: d.get(k) for k in ("internal_api", "version", "architecture",
                                                "num_threads")},
                        "owner": _owner(d.get("filepath") or "")}
                       for d in threadpool_info() if d.get("user_api") == "blas"]
    except ImportError:
        env["blas"] = None
    try:
        import torch
        env["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return env


def _git() -> str | None:
    """The commit of the s2s_ad under test (the checkout that holds the imported
    package), ``+dirty`` if its s2s_ad/ has local changes; None outside git."""
    import subprocess
    root = Path(s2s_ad.__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "s2s_ad"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (head + ("+dirty" if dirty else "")) or None


def _owner(path: str) -> str:
    """The package a shared library ships in (``.../site-packages/numpy.libs/...``)."""
    parts = Path(path).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    return Path(path).name


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main(quick: bool = False, only: list[str] | None = None, no_peers: bool = False,
         sizes: list[str] | None = None, out: str | None = None,
         markdown: str | None = None, plot: str | None = None,
         threads: int | None = None) -> dict:
    start = time.perf_counter()

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    only = set(only or [])
    known = set(NAMES) | {"transform", "memory"}
    unknown = only - known
    if unknown:
        raise SystemExit(f"--only: unknown name(s) {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(sorted(known))}")
    avail = {p: None for p in peers.PEERS} if no_peers else peers.available()
    sizes = sizes or (["small"] if quick else list(SIZES))
    budget = BUDGET["quick" if quick else "full"]
    if threads and avail.get("torch"):
        import torch
        torch.set_num_threads(threads)
    results = {"environment": {**environment(avail, quick), "threads": threads},
               "budget_s": budget,
               "rows": [], "transform": [], "memory": []}
    if os.environ.get("OPENBLAS_CORETYPE") or os.environ.get("OPENBLAS_L2_SIZE"):
        log("bench: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set: NumPy's BLAS may run a slower "
            "kernel than this CPU supports (see docs/performance.md)")
    log(f"bench: {'quick' if quick else 'full'} run, sizes {', '.join(sizes)}; peers: "
        + (", ".join(f"{k} {v}" for k, v in avail.items() if v and k != "jax_jit") or "none"))

    names = [n for n in NAMES if not only or n in only]
    for name in names:
        mod = load(name)
        for size in sizes:
            t0 = time.perf_counter()
            log(f"  {name} [{size}] ...")
            results["rows"].append(run_case(mod, size, budget, avail, log, quick))
            log(f"  {name} [{size}] done in {time.perf_counter() - t0:.1f} s")
    if not only or "transform" in only:
        results["transform"] = transform_cost.run(quick=quick, log=log)
    if not only or "memory" in only or names:
        mem_only = set(names) if only else None
        results["memory"] = memory.run(sizes=["small"] if quick else ["large"],
                                       only=mem_only, peers_available=avail, log=log)
    results["elapsed_s"] = time.perf_counter() - start
    results["targets"] = report.targets(results)

    text = report.markdown(results)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = [Path(out)] if out else [RESULTS / f"{stamp}-{results['environment']['mode']}.json",
                                     RESULTS / "latest.json"]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1, default=str))
    log(f"bench: wrote {', '.join(str(p) for p in paths)} ({results['elapsed_s']:.0f} s)")
    if markdown:
        Path(markdown).write_text(text)
    if plot:
        try:
            from .plot import plot as make_plot
            make_plot(results, plot)
            log(f"bench: plot in {plot}")
        except ImportError as e:
            log(f"bench: no plot ({e}); pip install matplotlib")
    return results
