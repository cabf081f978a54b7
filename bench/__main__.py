"""``python -m bench``: run the benchmark suite and print Markdown tables.

    python -m bench                 # every workload, small and large sizes (< ~10 min)
    python -m bench --quick         # small sizes, short budgets (< 1 min)
    python -m bench --only mlp      # one workload (repeatable; also: transform, memory)
    python -m bench --no-peers      # s2s_ad, NumPy and hand-written gradients only
    python -m bench --threads 2     # thread pools of 2 (default 1; 0 = libraries' defaults)
    python -m bench --plot docs/performance.png --markdown /tmp/table.md

The JSON results go to bench/results/ (a time-stamped file and latest.json).
"""

import argparse
import os
import sys

from .workloads import NAMES, SIZES


def limit_threads(n: int) -> None:
    """One thread count for every library's thread pool (OpenBLAS, MKL,
    OpenMP, XLA's Eigen pool), set before NumPy, PyTorch or JAX is imported.
    The default, 1, keeps the comparison stable on a small shared machine:
    with 2 cores and other processes running, OpenMP and OpenBLAS worker
    threads that wait at barriers turn 0.3 ms calls into 160 ms ones."""
    if "numpy" in sys.modules:
        print("bench: numpy was imported before the thread limit was set", file=sys.stderr)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    if n == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1").strip()


def cli(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="small sizes and short timing budgets: the whole run in under a minute")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this workload (or 'transform', 'memory'); repeatable, "
                         f"or comma-separated. Workloads: {', '.join(NAMES)}")
    ap.add_argument("--size", action="append", choices=SIZES,
                    help="sizes to run (default: both; --quick: small)")
    ap.add_argument("--no-peers", action="store_true",
                    help="skip autograd, JAX and PyTorch even if installed")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads for every library's pool (default 1; 0 = libraries' defaults)")
    ap.add_argument("--json", metavar="PATH", help="write the JSON results here instead")
    ap.add_argument("--markdown", metavar="PATH", help="also write the tables to this file")
    ap.add_argument("--plot", metavar="PATH", help="also draw the gradient/primal plot (PNG)")
    a = ap.parse_args(argv)
    if a.threads:
        limit_threads(a.threads)
    from .runner import main
    only = [n.strip() for item in (a.only or []) for n in item.split(",") if n.strip()]
    main(quick=a.quick, only=only, no_peers=a.no_peers, sizes=a.size, out=a.json,
         markdown=a.markdown, plot=a.plot, threads=a.threads or None)


if __name__ == "__main__":
    cli()
