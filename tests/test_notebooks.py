"""The example notebooks run, top to bottom, in a fresh kernel.

Each ``examples/*.ipynb`` is committed with its outputs (so it reads well
without running it) and is re-executed here with nbclient; any cell that
raises fails the test with the cell and its traceback. The kernel is this
interpreter (``sys.executable``), whatever Jupyter kernels are installed, and
imports this checkout of s2s_ad.

Marked ``notebooks``: ``python -m pytest -m "not notebooks"`` skips them for
a quick run.

To refresh the committed outputs after changing a notebook or s2s_ad, run it
in Jupyter (Kernel → Restart & Run All) and save, or run
``python tests/test_notebooks.py [NAME ...]``, which executes the notebooks
and writes them back with their new outputs.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
EXPECTED = ["01_quickstart", "02_control_flow", "03_train_a_classifier",
            "04_forward_vs_reverse", "05_physics_and_optimization",
            "06_custom_rules_and_debugging"]
CELL_TIMEOUT = 300  # seconds, per cell

pytestmark = pytest.mark.notebooks


def kernel_environment() -> dict[str, str]:
    """The kernel's environment: this checkout first on ``PYTHONPATH``."""
    paths = [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _execute(path: pathlib.Path):
    """Run the notebook at ``path`` in a fresh kernel; return the executed notebook."""
    import nbformat
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from nbclient import NotebookClient

    class ThisInterpreter(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                    "{connection_file}"],
                              display_name="Python 3", language="python",
                              env=kernel_environment())

    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=ThisInterpreter())
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


def test_every_example_notebook_is_present():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_with_outputs(path):
    nbformat = pytest.importorskip("nbformat", reason="the notebook extras are not installed "
                                                      "(pip install -e '.[notebooks]')")

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name} has no code cells"
    not_run = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not not_run, f"{path.name}: code cells {not_run} have no outputs: run it and save"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), \
        f"{path.name} was not saved from one top-to-bottom run (execution counts {counts})"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} was saved with an error output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_runs_in_a_fresh_kernel(path):
    pytest.importorskip("nbclient", reason="the notebook extras are not installed "
                                           "(pip install -e '.[notebooks]')")
    start = time.perf_counter()
    nb = _execute(path)
    seconds = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    assert seconds < 120, f"{path.name} took {seconds:.0f} s; keep each notebook fast"


def main() -> int:
    """Execute every notebook (or those named) and save it with its outputs."""
    import nbformat

    names = sys.argv[1:]
    for path in NOTEBOOKS:
        if names and path.stem not in names and path.name not in names:
            continue
        start = time.perf_counter()
        nb = _execute(path)
        nbformat.write(nb, path)
        print(f"{path.name}: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
