"""s2s_ad's benchmark suite: ``python -m bench`` (see ``bench/__main__.py``).

One module per workload in ``bench/workloads/``, each with the primal as a
user writes it, a hand-written analytic gradient, and the same function in
the idiom of each optional peer (HIPS autograd, JAX, PyTorch). The harness
(``harness.py``) times every gradient in one process and checks it against
the hand-written one; ``transform_cost.py`` times ``grad(f)`` itself on
generated code; ``memory.py`` measures peak memory with tracemalloc;
``report.py`` renders the Markdown tables and evaluates the targets;
``plot.py`` draws the gradient/primal ratios.
"""
