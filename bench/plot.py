"""The gradient/primal ratio per workload and library, as a PNG.

``python -m bench.plot [results.json] [out.png]`` (defaults:
``bench/results/latest.json`` and ``docs/performance.png``); ``python -m
bench --plot PATH`` does the same at the end of a run. Needs matplotlib.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .peers import LABELS, PEERS

COLORS = {"s2s_ad": "#d62728", "hand": "#7f7f7f", "autograd": "#1f77b4",
          "jax": "#2ca02c", "jax_jit": "#98df8a", "torch": "#ff7f0e"}


def plot(results: dict, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    libs = ["s2s_ad", "hand"] + [p for p in PEERS
                                 if results["environment"]["peers"].get(p.replace("_jit", ""))]
    sizes = [s for s in ("small", "large") if any(r["size"] == s for r in results["rows"])]
    fig, axes = plt.subplots(len(sizes), 1, figsize=(13, 4.2 * len(sizes)), squeeze=False)
    for ax, size in zip(axes[:, 0], sizes, strict=True):
        rows = [r for r in results["rows"] if r["size"] == size]
        width = 0.8 / len(libs)
        for j, lib in enumerate(libs):
            xs, ys = [], []
            for i, r in enumerate(rows):
                prim = r["libs"]["primal"]["median_s"]
                entry = r["libs"].get(lib) or {}
                t = entry.get("median_s")
                if t and prim and not entry.get("error"):
                    xs.append(i + (j - (len(libs) - 1) / 2) * width)
                    paired = r.get("paired", {}).get(f"{lib}/primal")
                    ys.append(paired if paired is not None else t / prim)
            label = {"s2s_ad": "s2s_ad", "hand": "hand-written"}.get(lib, LABELS.get(lib, lib))
            ax.bar(xs, ys, width, label=label, color=COLORS.get(lib))
        for i, r in enumerate(rows):
            for j, lib in enumerate(libs):
                if "skipped" in (r["libs"].get(lib) or {}):
                    ax.annotate("n/a", (i + (j - (len(libs) - 1) / 2) * width, 1.0),
                                ha="center", va="bottom", fontsize=6, rotation=90,
                                color="#444444")
            s = r["libs"].get("s2s_ad", {})
            if s.get("ok") is False:
                ax.annotate("s2s_ad FAIL" if s.get("error") else "s2s_ad mismatch",
                            (i, 1), ha="center", color="#d62728", fontsize=8)
        ax.set_yscale("log")
        ax.axhline(1.0, color="black", lw=0.6)
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels([f"{r['workload']}\n{r['label'].split(', ')[0]}" for r in rows],
                           fontsize=8)
        ax.set_ylabel("gradient time / NumPy primal time")
        ax.set_title(f"{size} sizes (log scale; lower is better)")
        ax.grid(axis="y", which="major", alpha=0.4)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, ncol=len(libs), fontsize=9, loc="upper center",
               bbox_to_anchor=(0.5, 0.965), frameon=False)
    env = results["environment"]
    fig.suptitle(f"Cost of a gradient relative to the primal — {env['cpu']}, {env['cores']} cores, "
                 f"{env['mode']} run {env['date'][:10]}", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else str(
        Path(__file__).resolve().parent / "results" / "latest.json")
    out = sys.argv[2] if len(sys.argv) > 2 else "docs/performance.png"
    plot(json.loads(Path(src).read_text()), out)
    print(out)
