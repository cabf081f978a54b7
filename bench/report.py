"""Markdown tables and the performance targets, from a results dict."""

from __future__ import annotations

import math

from .harness import fmt_bytes, fmt_time
from .peers import LABELS, PEERS

# the targets of the benchmark issue
ARRAY_VS_HAND = 1.25       # array workloads: s2s_ad gradient ≤ 1.25 × hand-written
ARRAY_VS_PRIMAL = 3.0      # array workloads: s2s_ad gradient ≤ 3 × primal
SCALAR_VS_EAGER = 10.0     # scalar/loop workloads: ≥ 10× faster than autograd and PyTorch
SCALAR_VS_JAX = 1.0        # scalar/loop workloads: faster than JAX without jit
TRANSFORM_MS_PER_100 = 20.0


def _t(lib: dict | None) -> float | None:
    if not lib:
        return None
    return lib.get("median_s")


def _ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def _pr(row: dict, key: str, a, b):
    """The paired ratio ``key`` of ``row`` if measured, else ``a / b``."""
    v = row.get("paired", {}).get(key)
    return v if v is not None else _ratio(a, b)


def _fx(x, digits=3) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.{digits}g}×"


def targets(results: dict) -> list[dict]:
    out = []
    for row in results["rows"]:
        libs = row["libs"]
        s2s = _t(libs.get("s2s_ad"))
        s2s_ok = libs.get("s2s_ad", {}).get("ok")
        where = f"{row['workload']} [{row['size']}]"

        def add(name, measured, met, shown):
            out.append({"target": name, "case": where, "measured": measured,
                        "shown": shown, "met": met})

        if row["kind"] == "array":
            r = _pr(row, "s2s_ad/hand", s2s, _t(libs["hand"]))
            add(f"∇ ≤ {ARRAY_VS_HAND}× hand-written", r,
                bool(s2s_ok and r is not None and r <= ARRAY_VS_HAND), _fx(r))
            r = _pr(row, "s2s_ad/primal", s2s, _t(libs["primal"]))
            add(f"∇ ≤ {ARRAY_VS_PRIMAL:g}× primal", r,
                bool(s2s_ok and r is not None and r <= ARRAY_VS_PRIMAL), _fx(r))
        else:
            for peer, need, name in (("autograd", SCALAR_VS_EAGER, "≥ 10× faster than autograd"),
                                     ("torch", SCALAR_VS_EAGER, "≥ 10× faster than PyTorch"),
                                     ("jax", SCALAR_VS_JAX, "faster than JAX (no jit)")):
                p = libs.get(peer)
                if not p or _t(p) is None:
                    continue
                r = _pr(row, f"{peer}/s2s_ad", _t(p), s2s)
                met = bool(s2s_ok and r is not None and
                           (r >= need if need > 1 else r > need))
                add(name, r, met, f"{_fx(r)} faster" if r else "—")
    for row in results.get("transform", []):
        # grad(f) defers code generation to the first call: judged on both together
        v = row.get("ready_ms_per_100_lines", row.get("ms_per_100_lines"))
        out.append({"target": f"transformation (grad() and first call) < "
                              f"{TRANSFORM_MS_PER_100:g} ms / 100 lines",
                    "case": f"{row['shape']}, {row['lines']} lines", "measured": v,
                    "shown": f"{v:.3g} ms / 100 lines" if v else (row.get("error") or "—"),
                    "met": bool(v is not None and not row.get("error")
                                and v < TRANSFORM_MS_PER_100)})
    return out


def _cell(lib: dict | None, s2s: float | None, s2s_ok: bool, speedup=None) -> str:
    if lib is None:
        return "—"
    if "skipped" in lib:
        return "n/a"
    if lib.get("error"):
        return f"FAIL ({lib['error']['type']})"
    t = _t(lib)
    text = fmt_time(t)
    if s2s is not None and s2s_ok and t is not None:
        text += f" ({_fx(speedup if speedup is not None else t / s2s, 2)})"
    if lib.get("ok") is False:
        text = "**MISMATCH** " + text
    return text


def timing_table(results: dict) -> str:
    avail = [p for p in PEERS if results["environment"]["peers"].get(p.replace("_jit", ""))]
    head = ["workload", "size", "primal", "s2s_ad ∇", "∇ / primal", "∇ / hand", "hand ∇"]
    head += [LABELS[p] + (" (compile)" if p == "jax_jit" else "") for p in avail]
    head += ["check"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in results["rows"]:
        libs = row["libs"]
        s = libs.get("s2s_ad", {})
        s2s = _t(s)
        ok = bool(s.get("ok"))
        if s.get("error"):
            s_cell = f"**FAIL** ({s['error']['type']})"
        else:
            s_cell = ("**MISMATCH** " if not ok else "") + fmt_time(s2s)
        cells = [row["title"], f"{row['size']}: {row['label']}", fmt_time(_t(libs["primal"])),
                 s_cell, _fx(_pr(row, "s2s_ad/primal", s2s, _t(libs["primal"]))),
                 _fx(_pr(row, "s2s_ad/hand", s2s, _t(libs["hand"]))),
                 fmt_time(_t(libs["hand"]))]
        for p in avail:
            c = _cell(libs.get(p), s2s, ok, row.get("paired", {}).get(f"{p}/s2s_ad"))
            if p == "jax_jit" and libs.get(p, {}).get("compile_s") is not None:
                c += f" [{fmt_time(libs[p]['compile_s'])}]"
            cells.append(c)
        bad = [("s2s_ad" if k == "s2s_ad" else LABELS.get(k, k))
               for k, v in libs.items() if v.get("ok") is False]
        cells.append("✓" if not bad else "✗ " + ", ".join(bad))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio_table(results: dict) -> str:
    """Gradient time over the NumPy primal's time, per library (paired)."""
    libs_order = ["s2s_ad", "hand"] + [p for p in PEERS
                                       if results["environment"]["peers"].get(
                                           p.replace("_jit", ""))]
    head = ["workload", "size"] + [("s2s_ad" if k == "s2s_ad" else "hand" if k == "hand"
                                    else LABELS[k]) for k in libs_order]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in results["rows"]:
        prim = _t(row["libs"]["primal"])
        cells = [row["title"], row["size"]]
        for k in libs_order:
            lib = row["libs"].get(k)
            if not lib or lib.get("error") or "skipped" in lib:
                cells.append("—")
            else:
                cells.append(_fx(_pr(row, f"{k}/primal", _t(lib), prim)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets_table(results: dict) -> str:
    lines = ["| target | case | measured | met |", "|---|---|---|---|"]
    for t in results["targets"]:
        lines.append(f"| {t['target']} | {t['case']} | {t['shown']} | "
                     f"{'✓' if t['met'] else '✗'} |")
    met = sum(t["met"] for t in results["targets"])
    lines.append("")
    lines.append(f"{met} of {len(results['targets'])} targets met.")
    return "\n".join(lines)


def transform_table(results: dict) -> str:
    lines = ["| code | lines | grad() time | first call | grad() + first call "
             "| per 100 lines | generated lines | repeats |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results["transform"]:
        if r.get("error"):
            lines.append(f"| {r['shape']} | {r['lines']} | **FAIL** {r['error'][:80]} "
                         "| | | | | |")
            continue
        ready = r.get("ready_ms_per_100_lines")
        lines.append(f"| {r['shape']} | {r['lines']} | {fmt_time(r['median_s'])} | "
                     f"{fmt_time(r.get('first_call_s'))} | {fmt_time(r.get('ready_s'))} | "
                     + (f"{ready:.3g} ms" if ready else "—") + " | "
                     f"{r['generated_lines']} | {r['repeats']} |")
    rows = {(r["shape"], r["lines"]): r for r in results["transform"] if r.get("median_s")}
    growth = []
    for shape in ("straight", "control"):
        a, b = rows.get((shape, 100)), rows.get((shape, 1000))
        if a and b:
            key = "ready_s" if a.get("ready_s") and b.get("ready_s") else "median_s"
            growth.append(f"{shape}: ×{b[key] / a[key]:.1f} from 100 to 1,000 "
                          "lines (linear would be ×10)")
    if growth:
        lines += ["", "Growth: " + "; ".join(growth) + "."]
    return "\n".join(lines)


def workload_transform_table(results: dict) -> str:
    """``grad(f)`` time for each workload's own function (its first, cold call)."""
    seen, lines = set(), ["| workload | function | grad() time | first call | generated lines |",
                          "|---|---|---|---|---|"]
    for row in results["rows"]:
        s = row["libs"].get("s2s_ad", {})
        key = (row["workload"], row["label"] if row["workload"] == "scalar_math" else "")
        if key in seen or s.get("transform_s") is None:
            continue
        seen.add(key)
        fn = row.get("function", "")
        first = (s.get("timing") or {}).get("first_call_s")
        lines.append(f"| {row['title']} | `{fn}` | {fmt_time(s['transform_s'])} | "
                     f"{fmt_time(first)} | {s.get('generated_lines', '—')} |")
    return "\n".join(lines)


def memory_table(results: dict) -> str:
    has_ag = any("autograd_bytes" in r for r in results["memory"])
    head = "| workload | size | primal peak | s2s_ad ∇ peak | ∇ / primal | hand ∇ peak |"
    head += " autograd ∇ peak |" if has_ag else ""
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results["memory"]:
        s = r.get("s2s_ad_bytes")
        ratio = _ratio(s, r["primal_bytes"]) if r["primal_bytes"] > 0 else None
        cells = [r["workload"], f"{r['size']}: {r['label']}", fmt_bytes(r["primal_bytes"]),
                 fmt_bytes(s) if s is not None else "**FAIL**", _fx(ratio),
                 fmt_bytes(r["hand_bytes"])]
        if has_ag:
            cells.append(fmt_bytes(r.get("autograd_bytes")))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def failures(results: dict) -> str:
    out = []
    for row in results["rows"]:
        for k, lib in row["libs"].items():
            if lib.get("ok") is not False:
                continue
            who = "s2s_ad" if k == "s2s_ad" else LABELS.get(k, k)
            head = f"- **{who}** on {row['workload']} [{row['size']}]: "
            if lib.get("error"):
                e = lib["error"]
                out.append(head + f"`{e['type']}: {e['message'][:300]}`")
                if lib.get("primal_source"):
                    out.append("\n  ```python\n" + "\n".join(
                        "  " + ln for ln in lib["primal_source"].rstrip().splitlines())
                        + "\n  ```")
            else:
                out.append(head + f"gradient mismatch: {lib.get('message')}")
    return "\n".join(out) if out else "None: every gradient matched the hand-written one."


def environment_text(results: dict) -> str:
    env = results["environment"]
    peers = ", ".join(f"{k} {v}" for k, v in env["peers"].items() if v) or "none installed"
    blas = env.get("blas")
    blas_text = "; ".join(f"{b.get('owner', '?')}: {b['internal_api']} {b['version']} "
                          f"({b['architecture']}, {b['num_threads']} threads)"
                          for b in blas) if blas else "unknown"
    return (f"{env['mode']} run, {env['date']}, s2s_ad {env.get('git') or '?'}; "
            f"{env['cpu']}, {env['cores']} cores; "
            f"Python {env['python']}, NumPy {env['numpy']}; BLAS: {blas_text}; "
            f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE'] or 'unset'}; "
            f"thread pools: {env.get('threads') or 'library defaults'}; peers: {peers}; "
            f"budget {results['budget_s']} s per measurement; "
            f"total {results.get('elapsed_s', 0):.0f} s{_load_text(results)}.")


def _load_text(results: dict) -> str:
    loads = [r[k] for r in results["rows"] for k in ("load_before", "load_after") if k in r]
    if not loads:
        return ""
    return (f"; 1-minute load average {min(loads):.1f}–{max(loads):.1f} "
            "(this run itself accounts for 1)")


def markdown(results: dict) -> str:
    parts = ["## Gradient timings (medians)", "", environment_text(results), "",
             "`∇ / primal`: s2s_ad's gradient time over the NumPy primal's; `∇ / hand`: over "
             "the hand-written gradient's. A peer's cell shows its gradient time and, in "
             "parentheses, how many times faster s2s_ad is (above 1× = s2s_ad faster). "
             "Ratios are paired: the median over the interleaved rounds of the two "
             "libraries' per-round ratio. JAX jit: steady state, compile time in "
             "brackets.", "",
             timing_table(results), ""]
    notes = sorted({f"{r['title']}: {r['notes']}" for r in results["rows"] if r.get("notes")})
    if notes:
        parts += ["Notes: " + "; ".join(notes) + ".", ""]
    parts += ["## Gradient time / NumPy primal time", "", ratio_table(results), "",
              "## Targets", "", targets_table(results), ""]
    if results.get("transform"):
        parts += ["## Transformation cost (cold `grad(f)`)", "",
                  "Generated functions (fresh source, nothing cached). `grad(f)` reads and "
                  "lowers `f`; its *first call* generates and compiles the code for its "
                  "arguments (numbers here: the variant for numbers) and runs it. The target "
                  "is judged on the two together:", "",
                  transform_table(results), "",
                  "The workloads' own functions (the first `grad` of each in the run):", "",
                  workload_transform_table(results), ""]
    if results.get("memory"):
        parts += ["## Peak memory (tracemalloc)", "", memory_table(results), ""]
    parts += ["## Failures and mismatches", "", failures(results), ""]
    return "\n".join(parts)
