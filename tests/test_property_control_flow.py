"""Property tests with control flow: random programs (``tests/programs.py``
with ``control=True``) with ``if``/``elif``/``else``, ternaries,
``and``/``or``/``not``, chained comparisons, ``for`` over ranges, arrays,
lists, ``enumerate``, ``zip`` and ``reversed``, ``while`` loops,
``break``/``continue``, early ``return``, list accumulators, and calls to
generated helper functions (one possibly recursive), nested up to three
levels; differentiated by s2s_ad and checked as the straight-line ones in
``test_property.py``: against the tape engine, central finite differences
and the dual engine (``grad``), and against the tape (``vjp``); and forward mode
against reverse mode (``<u, J v>`` by ``jvp`` and by ``vjp``).

Every data-dependent condition is probed like a kink: inputs where a
condition's value comes within ``KINK_MARGIN`` of its threshold (where a
branch, a trip count or an exit could flip under finite differences) are
rejected with ``assume``.

Default run: 200 programs for ``grad``, 60 for ``vjp`` and 60 for
``jvp``/``vjp`` agreement, derandomized (hypothesis does not shrink them
unless ``S2S_AD_SHRINK=1``: see ``PHASES``). ``S2S_AD_LONG=1``: 10,000
each, plus :func:`test_control_flow_sweep`, which
runs ``S2S_AD_SWEEP_N`` (default 10,000) seeded programs *without*
stopping at the first failure and reports how many ran, how many were
rejected, and every failure grouped by symptom. The same sweep runs from
the command line, in chunks::

    python -m tests.test_property_control_flow --start 0 --count 5000

``python tests/programs.py --control SEED...`` prints generated programs.
Minimised failures are kept below as explicit regression tests.
"""

from __future__ import annotations

import collections
import os
import re
import sys
import time
import traceback

import numpy as np
import pytest
from hypothesis import Phase, event, given, settings
from hypothesis import strategies as st

import s2s_ad
from s2s_ad.reference import dnp, jvp_dual, tape_grad, tnp
from tests.programs import FEATURES, HypothesisChooser, generate, margins, random_program
from tests.test_property import (
    KINK_MARGIN,
    LONG,
    PROPERTY,
    REF_RTOL,
    SEEDS,
    VALUE_BOUND,
    check_grad,
    check_vjp,
    close,
    copies,
    draw_inputs,
    load,
    partial,
    random_like,
    report,
)

GRAD_EXAMPLES = 10_000 if LONG else 200
VJP_EXAMPLES = 10_000 if LONG else 60
JVP_VJP_EXAMPLES = 10_000 if LONG else 60
# Shrinking these programs takes hypothesis's whole 300 s budget per failure
# (every step re-runs finite differences) and leaves them about as large:
# off unless S2S_AD_SHRINK=1. A failure prints the program, the inputs and
# the generated code; the sweep's seeds and line-by-line deletion do better.
SHRINK = os.environ.get("S2S_AD_SHRINK") == "1"
PHASES = tuple(Phase) if SHRINK else tuple(p for p in Phase if p not in (Phase.shrink,
                                                                       Phase.explain))


@st.composite
def control_programs(draw, **kwargs):
    return generate(HypothesisChooser(draw), control=True, **kwargs)


def _events(prog):
    for f in sorted(prog.features):
        event(f)


# ---------------------------------------------------------------- properties


@settings(PROPERTY, max_examples=GRAD_EXAMPLES, phases=PHASES)
@given(prog=control_programs(), seed=SEEDS)
def test_control_flow_grad(prog, seed):
    _events(prog)
    check_grad(prog.source, draw_inputs(prog, seed), seed, wrt=prog.wrt)


@settings(PROPERTY, max_examples=VJP_EXAMPLES, phases=PHASES)
@given(prog=control_programs(), seed=SEEDS)
def test_control_flow_vjp(prog, seed):
    """The vjp variant returns arrays, from every return statement (shapes
    may differ between returns)."""
    _events(prog)
    check_vjp(prog.vjp_source, draw_inputs(prog, seed), seed, wrt=prog.wrt)


@settings(PROPERTY, max_examples=JVP_VJP_EXAMPLES, phases=PHASES)
@given(prog=control_programs(), seed=SEEDS)
def test_control_flow_jvp_and_vjp_agree(prog, seed):
    """Forward and reverse mode are transposes of each other: for random
    ``v`` and ``u``, ``<u, J v>`` from s2s_ad's ``jvp`` equals ``<J^T u,
    v>`` from its ``vjp``, on the array-returning variant of the program."""
    _events(prog)
    check_jvp_vjp(prog.vjp_source, draw_inputs(prog, seed), seed, wrt=prog.wrt)


def check_jvp_vjp(source: str, args, seed: int = 0, name: str = "prog", wrt=None):
    """``u · jvp(f, args, v)`` against ``vjp(f, *args)[1](u) · v`` (and both
    primal outputs against the program's), ``u`` and ``v`` random; the
    arguments outside ``wrt`` (int loop bounds) get no tangent."""
    args = copies(args)
    wrt = tuple(range(len(args))) if wrt is None else tuple(wrt)
    f = load(source, np, name)
    expected_out = f(*copies(args))
    rng = np.random.default_rng([seed, 1])
    v = tuple(random_like(rng, a) if i in wrt else None for i, a in enumerate(args))
    u = random_like(rng, expected_out)
    try:
        out_f, jv = s2s_ad.jvp(f, copies(args), v)
    except Exception as e:
        raise AssertionError(report(f"s2s_ad.jvp crashed: {type(e).__name__}: {e}",
                                    source, args, v=v)) from e
    try:
        out_r, pullback = s2s_ad.vjp(f, *copies(args))
        vj = pullback(u)
    except Exception as e:
        raise AssertionError(report(f"s2s_ad.vjp crashed: {type(e).__name__}: {e}",
                                    source, args, u=u)) from e
    forward_source = s2s_ad.derivative(f, mode="forward").source
    msg = lambda what, **kw: report(what, source, args, forward_source, **kw)  # noqa: E731
    for mode, out in (("jvp", out_f), ("vjp", out_r)):
        assert close(out, expected_out, REF_RTOL, REF_RTOL), msg(
            f"{mode}'s primal output differs from the program's", out=out,
            expected=expected_out)
    assert np.shape(jv) == np.shape(expected_out), msg(
        f"the tangent has shape {np.shape(jv)}, the output {np.shape(expected_out)}", jv=jv)
    forward = float(np.sum(np.asarray(u) * jv))
    reverse = float(sum(np.sum(np.asarray(vj[i]) * v[i]) for i in wrt))
    assert close(forward, reverse, REF_RTOL, REF_RTOL), msg(
        f"<u, J v> = {forward!r} by jvp but <J^T u, v> = {reverse!r} by vjp",
        u=u, v=v, jv=jv, vj=vj)


def test_grammar_coverage_and_validity():
    """Every construct of the grammar shows up in a few hundred programs,
    and every program runs under numpy, the tape and the dual engine (where
    its inputs are accepted)."""
    seen = collections.Counter()
    ran = 0
    for s in range(300):
        prog = random_program(s, control=True)
        seen.update(prog.features)
        args = accepted_inputs(prog, s)
        if args is None:
            continue
        ran += 1
        load(prog.source, np)(*copies(args))
        tape_grad(load(prog.source, tnp), *copies(args), wrt=prog.wrt)
        dirs = tuple(np.ones(np.shape(args[w])) for w in prog.wrt)
        jvp_dual(partial(load(prog.source, dnp), copies(args), prog.wrt),
                 tuple(copies(args)[w] for w in prog.wrt), dirs)
        load(prog.vjp_source, np)(*copies(args))
    missing = [f for f in FEATURES if not seen[f]]
    assert not missing, f"constructs never generated: {missing}"
    assert ran >= 200, f"only {ran} of 300 programs had acceptable inputs"


# ---------------------------------------------------------------- the sweep


def accepted_inputs(prog, seed, tries=4):
    """Inputs away from every kink and switch point, or None."""
    for t in range(tries):
        args = prog.random_inputs(np.random.default_rng([seed, t]))
        m = margins(prog, args)
        if m.finite and m.kink > KINK_MARGIN and m.value < VALUE_BOUND:
            return args
    return None


def symptom(text: str) -> str:
    """The first line of a failure, numbers and names elided: one per bug."""
    first = text.strip().splitlines()[0] if text.strip() else text
    first = re.sub(r"<s2s_ad-property-\d+>:\d+", "<file>:N", first)
    first = re.sub(r"'[^']*'", "'…'", first)
    return re.sub(r"(?<![A-Za-z_])\d+(\.\d+)?", "N", first)[:160]


def sweep(start: int, count: int, vjp_every: int = 4, log=None):
    """Run ``count`` seeded control-flow programs from ``start``: ``grad``
    on each, ``vjp`` on every ``vjp_every``-th. Returns ``(ran, rejected,
    failures)``, failures as ``{symptom: [(seed, check, message), ...]}``."""
    ran = rejected = 0
    failures: dict[str, list] = collections.defaultdict(list)
    for seed in range(start, start + count):
        try:
            prog = random_program(seed, control=True)
            args = accepted_inputs(prog, seed)
        except Exception as e:  # noqa: BLE001 - an invalid program: the generator's bug
            text = f"generator: {type(e).__name__}: {e}\n{traceback.format_exc()}"
            failures[symptom(text)].append((seed, "generator", text))
            continue
        if args is None:
            rejected += 1
            continue
        ran += 1
        checks = [("grad", lambda: check_grad(prog.source, args, seed, wrt=prog.wrt))]
        if seed % vjp_every == 0:
            checks.append(("vjp", lambda: check_vjp(prog.vjp_source, args, seed,
                                                    wrt=prog.wrt)))
        if seed % vjp_every == 1:
            checks.append(("jvp-vjp", lambda: check_jvp_vjp(prog.vjp_source, args, seed,
                                                            wrt=prog.wrt)))
        for name, check in checks:
            try:
                check()
            except Exception as e:  # noqa: BLE001 - every failure is collected
                text = str(e) if isinstance(e, AssertionError) else \
                    f"{type(e).__name__} in the harness: {e}\n{traceback.format_exc()}"
                failures[f"{name}: {symptom(text)}"].append((seed, name, text))
        if log is not None and (seed - start + 1) % 250 == 0:
            nfail = sum(len(v) for v in failures.values())
            print(f"[{seed - start + 1}/{count}] ran {ran}, rejected {rejected}, "
                  f"failures {nfail} ({len(failures)} symptoms)", file=log, flush=True)
    return ran, rejected, dict(failures)


def summary(ran, rejected, failures) -> str:
    nfail = sum(len({s for s, _, _ in v}) for v in failures.values())
    lines = [f"{ran} programs ran, {rejected} rejected (no inputs clear of their switch "
             f"points), {nfail} failing checks in {len(failures)} distinct symptoms"]
    for key, cases in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        seeds = sorted({s for s, _, _ in cases})
        lines.append(f"  {len(cases):5d}  {key}   seeds {seeds[:8]}")
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.skipif(not LONG, reason="long mode only (S2S_AD_LONG=1)")
def test_control_flow_sweep():
    """``S2S_AD_SWEEP_N`` seeded programs from ``S2S_AD_SWEEP_START``, every
    failure collected and grouped (hypothesis stops at the first)."""
    start = int(os.environ.get("S2S_AD_SWEEP_START", "0"))
    count = int(os.environ.get("S2S_AD_SWEEP_N", "10000"))
    ran, rejected, failures = sweep(start, count, log=sys.stderr)
    text = summary(ran, rejected, failures)
    print(text)
    assert not failures, text


def _cli(argv):
    import argparse
    import json
    ap = argparse.ArgumentParser(description="the control-flow sweep, in chunks")
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--json", help="write every failure (seed, check, message) here")
    a = ap.parse_args(argv)
    t0 = time.time()
    ran, rejected, failures = sweep(a.start, a.count, log=sys.stderr)
    print(summary(ran, rejected, failures))
    print(f"seeds {a.start}..{a.start + a.count - 1}, {time.time() - t0:.0f} s")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"start": a.start, "count": a.count, "ran": ran, "rejected": rejected,
                       "failures": failures}, fh, indent=1)


# ---------------------------------------------------------------- regressions
#
# Minimised control-flow programs on which s2s_ad was found to give a wrong
# gradient or to crash. Each documents the symptom.

UNBOUND_AFTER_EARLY_RETURN = {
    "branch": ("""\
def prog(x, y):
    if y > 0.0:
        if x > 1.0:
            return x
        z = y
    else:
        z = y
    return z * 3.0
""", [1.5, 0.7]),
    "loop": ("""\
def prog(x):
    for r in x:
        if r > 0.0:
            return r
        v = r * 2.0
    return v * 3.0
""", [np.array([0.5, -1.0])]),
}


@pytest.mark.parametrize("source, args", UNBOUND_AFTER_EARLY_RETURN.values(),
                         ids=UNBOUND_AFTER_EARLY_RETURN.keys())
def test_regression_zero_adjoint_of_a_value_unbound_after_an_early_return(source, args):
    """Crash: ``UnboundLocalError: cannot access local variable 'z'``. When
    the early ``return x`` is taken, ``z`` is never bound (nor needed); the
    backward sweep still builds its zero adjoint on the path where the
    final ``return z * 3.0`` did not run: ``else: bz = zeros_like(z)``.
    (Loop form: ``return r`` in the first iteration, ``bv = zeros_like(v)``.)
    Found by the sweep in 5 of the first 300 programs."""
    check_grad(source, args)


TERNARY_IN_BRANCH_IN_LOOP = """\
def prog(x, y):
    for i in range(1):
        if x > 1.5:
            v = (y * 2.0 if x > 2.0 else y * 3.0)
    return x * 2.0
"""


def test_regression_ternary_bound_in_a_branch_of_a_loop():
    """Crash in the forward sweep: ``UnboundLocalError: cannot access local
    variable 'v'``. The conditional expression becomes ``if x > 2.0: t3 = y
    * 2.0 else: t3 = y * 3.0`` and de-SSA merges ``t3`` with ``v``'s loop
    phi, so the untaken outer branch reads ``else: t3 = v`` before ``v`` was
    ever bound. (The same with an explicit ``if``/``else`` works.) ``grad``
    and ``vjp`` both crash."""
    check_grad(TERNARY_IN_BRANCH_IN_LOOP, [0.5, 0.7])
    check_vjp(TERNARY_IN_BRANCH_IN_LOOP.replace("return x * 2.0", "return x * y"),
              [0.5, np.array([0.7, 0.2])])


BREAK_AND_RETURN = {
    "for": ("""\
def prog(x, y):
    for i in range(2):
        if x > 1.0:
            break
        return y * 3.0
    return x * 2.0
""", [0.5, 0.7]),
    "while-true": ("""\
def prog(x, y):
    k = 0
    while True:
        k = k + 1
        if k >= 3 or x > 1.0:
            break
        if y > 0.0:
            return y * 3.0
    return x * 2.0
""", [0.5, 0.7]),
    "nested": ("""\
def prog(x, y):
    for i in range(3):
        for j in range(1):
            if x > 1.0:
                break
            return y * 3.0
    return x * 2.0
""", [0.5, 0.7]),
}


@pytest.mark.parametrize("source, args", BREAK_AND_RETURN.values(), ids=BREAK_AND_RETURN.keys())
def test_regression_return_in_a_loop_that_also_breaks(source, args):
    """Wrong value and gradient: in a loop with both a ``break`` and a
    ``return``, the return sets ``returned = True`` and leaves the loop, but
    the code after the loop is not guarded by ``if not returned`` (it is
    when the loop has no break), so it runs and overwrites ``retval``:
    ``value_and_grad`` gives ``(1.0, (2.0, 0.0))`` for ``prog(0.5, 0.7) =
    2.1`` with gradient ``(0.0, 3.0)``. Fixed in d096a04 for a single loop.
    The ``nested`` form (the return in an inner loop that also breaks) gave
    ``(1.0, (2.0, 0.0))`` after that: the inner loop and its flag's
    initialisation stood in the outer body as one unit that the search for
    the flags a statement sets did not look into, so the outer loop went on
    and the code after it ran. It was the most frequent failure of the
    10,000-program sweep after that fix."""
    f = load(source, np)
    value, _ = s2s_ad.value_and_grad(f, wrt=(0, 1))(*args)
    assert np.isclose(value, f(*args)), f"value {value}, expected {f(*args)}"
    check_grad(source, args)


NESTED_RETURN_AFTER_RETURNING_BRANCH = {
    "else": ("""\
def prog(x, y):
    if x > 1.0:
        return x
    else:
        if x > 0.0:
            return y * 2.0
    return y * 3.0
""", [0.5, 0.7]),
    "elif": ("""\
def prog(x, y):
    if x > 1.0:
        return x
    elif y > 0.0:
        if x > 0.0:
            return y * 2.0
    return y * 3.0
""", [0.5, 0.7]),
    "mirrored": ("""\
def prog(x, y):
    if y > 0.0:
        if x > 0.0:
            y = y * 5.0
        else:
            return x
    else:
        return y
    return y * 2.0
""", [-0.5, 0.7]),
}


@pytest.mark.parametrize("source, args", NESTED_RETURN_AFTER_RETURNING_BRANCH.values(),
                         ids=NESTED_RETURN_AFTER_RETURNING_BRANCH.keys())
def test_regression_return_nested_in_the_branch_beside_a_returning_one(source, args):
    """Wrong value and gradient, no loop involved: when one branch of an
    ``if`` always returns, the statements after the ``if`` are moved into
    the other branch, but not under ``if not returned`` although that
    branch may itself return (from a nested ``if``). ``prog(0.5, 0.7)``
    returns ``y * 2.0 = 1.4``; s2s_ad's generated code assigns ``retval =
    y * 2.0`` and then ``retval = y * 3.0``: ``value_and_grad`` gives
    ``(2.1, (0.0, 3.0))`` instead of ``(1.4, (0.0, 2.0))`` (mirrored form:
    ``(1.4, (0.0, 2.0))`` instead of ``(-0.5, (1.0, 0.0))``). The branch now
    takes the rest before it is rewritten, so its own exits guard it."""
    f = load(source, np)
    value, _ = s2s_ad.value_and_grad(f, wrt=(0, 1))(*args)
    assert np.isclose(value, f(*args)), f"value {value}, expected {f(*args)}"
    check_grad(source, args)


CONTINUE_NESTED_BESIDE_A_CONTINUING_BRANCH = """\
def prog(x):
    for i in range(3):
        if x > 5.0:
            continue
        else:
            if x > 1.0:
                continue
        x = x * 2.0
    return x
"""


def test_regression_continue_nested_in_the_branch_beside_a_continuing_one():
    """Wrong value and gradient: the loop-body twin of the bug above. One
    branch always continues, so the rest of the body is moved into the
    other branch, where the nested ``continue`` is dropped: the generated
    body is ``if not x > 5.0: t2 = x > 1.0; x = x * 2.0``, and
    ``value_and_grad(prog)(0.7)`` was ``(5.6, 8.0)`` instead of ``(1.4,
    2.0)``. (Without the ``else``, or with a branch that does not always
    continue, it was right.)"""
    f = load(CONTINUE_NESTED_BESIDE_A_CONTINUING_BRANCH, np)
    value, _ = s2s_ad.value_and_grad(f)(0.7)
    assert np.isclose(value, f(0.7)), f"value {value}, expected {f(0.7)}"
    check_grad(CONTINUE_NESTED_BESIDE_A_CONTINUING_BRANCH, [0.7])


LIST_SUM_IN_A_LOOP = """\
def prog(x):
    acc = [x * 2.0]
    for _ in range(1):
        s = sum(acc)
    return s
"""


def test_regression_cotangent_of_a_list_read_in_a_loop():
    """Wrong gradient (0.0 instead of 2.0): the cotangent of a list read in
    a loop was accumulated with ``+``, ``bacc = bacc + sum_vjp(bs, acc)``,
    which *concatenates* the lists: ``bacc`` became ``[0.0, 2.0]`` and
    ``bacc[0]`` the zero. A value that holds a container on some path is
    no longer taken for a number (``analysis.container_vars``)."""
    check_grad(LIST_SUM_IN_A_LOOP, [0.7])


REBOUND_TO_ANOTHER_SHAPE_IN_A_BRANCH = """\
def prog(x, n):
    if n > 0:
        x = float(n)
    return np.sum(x * x)
"""


def test_regression_zero_cotangent_of_an_argument_rebound_in_a_branch():
    """Wrong shape: where the branch rebinds ``x`` to a number, the
    argument's cotangent is zero, but it was made as ``zeros_like`` of the
    merged value's cotangent (a float) instead of ``x``'s own shape: the
    gradient w.r.t. a (2, 3) array came out as ``0.0``. (Seed 16675 of the
    sweep, minimised.)"""
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    for n in (2, 0):
        g = s2s_ad.grad(load(REBOUND_TO_ANOTHER_SHAPE_IN_A_BRANCH, np))(x, n)
        assert np.shape(g) == (2, 3), g
        check_grad(REBOUND_TO_ANOTHER_SHAPE_IN_A_BRANCH, [x, n], wrt=(0,))


ZERO_TANGENT_OF_A_MAYBE_UNBOUND_VALUE = {
    "branch": ("""\
def prog(x, y):
    if x > 0.0:
        v = y
    else:
        if y > 0.0:
            return x * 2.0
        v = 3.0
    return v * x
""", [-1.0, 1.0]),
    "loop": ("""\
def prog(x, n):
    if x > 0.0:
        for i in range(n):
            v = 3.0
        if n == 0:
            return x * 2.0
    else:
        v = x
    return v * x
""", [1.0, 0]),
    "carried": ("""\
def prog(x):
    for t in [x * 1.0]:
        if x > -5.0:
            return x
        else:
            v += 1.0
    v = v + 0.5 * x
    return v
""", [1.0]),
}


@pytest.mark.parametrize("source, args", ZERO_TANGENT_OF_A_MAYBE_UNBOUND_VALUE.values(),
                         ids=ZERO_TANGENT_OF_A_MAYBE_UNBOUND_VALUE.keys())
def test_regression_zero_tangent_of_a_value_unbound_on_some_path(source, args):
    """Forward mode crashed with ``UnboundLocalError``: where the branches
    merge, a value without a tangent got ``dv = zeros_like(v)`` at the end
    of the branch, where ``v`` is unbound if the nested branch returned (or
    the loop ran no iteration). The zero is now made where ``v`` is bound;
    a loop-carried value read before its first assignment (``carried``, on
    a path that returns first) starts at None, which ``zeros_like`` reads
    as a zero. (Seeds 11801 and 13221 of the sweep, minimised.)"""
    wrt = tuple(i for i, a in enumerate(args) if isinstance(a, float))
    check_jvp_vjp(source, args, wrt=wrt)
    check_grad(source, args, wrt=wrt)


COPY_OF_A_VALUE_UNBOUND_ON_SOME_PATH = """\
def prog(x, y, z):
    if np.mean(x) < -1.0:
        v9 = v10 = np.sum(x)
    elif x[0, 0] >= 0.5:
        v19 = np.sinh(y)[0]
    elif np.sum(z) >= -0.5:
        v20, v21 = x, x.T @ z
        v22 = (np.add(z, -0.75) if -0.5 <= np.sum(v21) < 2.0 else -np.add(z, -0.75))
    return np.mean(x)
"""


def test_regression_copy_of_a_value_unbound_on_some_path():
    """``UnboundLocalError`` in the forward sweep: ``v22`` is bound only when
    the last ``elif`` is taken; the value merged from it at the end of the
    outer ``else`` was copied (``v22 = t11``) on every path through that
    ``else``, where ``t11`` may be unbound. Such a copy's source is now set
    to None at the top of the function. (Seed 11341 of the sweep, minimised.)"""
    args = [np.array([[-0.86], [-1.03]]), np.array([0.85, -0.43, -1.93]),
            np.array([[-1.47], [-1.21]])]
    check_grad(COPY_OF_A_VALUE_UNBOUND_ON_SOME_PATH, args)
    check_vjp(COPY_OF_A_VALUE_UNBOUND_ON_SOME_PATH, args)


LIST_APPENDED_IN_THE_LOOP_THAT_READS_IT = {
    "sum": ("""\
def prog(x):
    acc = [x]
    s = 0.0
    for i in range(2):
        acc.append(x * 2.0)
        for j in range(2):
            s = s + sum(acc)
    return s
""", [0.5]),
    "iterated": ("""\
def prog(x):
    acc = [x * 2.0]
    v = 0.0
    for k in range(2):
        for t in acc:
            v = v + t
        acc.append(x * v)
    return v
""", [0.5]),
}


@pytest.mark.parametrize("source, args", LIST_APPENDED_IN_THE_LOOP_THAT_READS_IT.values(),
                         ids=LIST_APPENDED_IN_THE_LOOP_THAT_READS_IT.keys())
def test_regression_list_appended_in_the_loop_that_reads_it(source, args):
    """``ValueError: zip() argument 2 is longer than argument 1`` in the
    backward sweep: the list saved for each iteration was the list object
    itself, which later iterations' appends lengthen, so every iteration's
    cotangent came out as long as the final list. A value that is (or views)
    an object written in a loop body is written again by the next iteration,
    so it is snapshotted when the backward reads it; and an item read of a
    list reads its length, which an append changes. (Seeds 10416 and 14396
    of the sweep, minimised.)"""
    check_grad(source, args)
    check_jvp_vjp(source, args)


FANCY_INDEX_OF_A_VECTOR = """\
def prog(x, z):
    x -= z[[1, 2]]
    v9 = np.arctan2(1.0, 1.0 + np.square(x))
    return np.mean(v9)
"""


def test_regression_a_list_index_picks_items_not_a_number():
    """Wrong shape: in the variant for a number ``x`` and a 1-D array ``z``,
    ``z[[1, 2]]`` was taken for a number (an item of ``z``), because the
    list ``[1, 2]`` counts as integer-valued; so ``x`` stayed a number and the
    unbroadcast of its cotangent was dropped: the gradient w.r.t. the number
    ``x`` came out with shape (2,). Only an integer picks one item. (Seeds
    24199 and 28286 of the sweep, minimised.)"""
    check_grad(FANCY_INDEX_OF_A_VECTOR, [-0.16, np.array([1.26, 1.12, 0.77])])


REBOUND_ITERABLE_THEN_AUGASSIGN = """\
def prog(x):
    z = x * 1.0
    for r in z:
        z = z + r
    z /= 2.0
    return np.sum(z)
"""


def test_regression_augmented_assignment_after_rebinding_the_iterated_array():
    """Spurious refusal: ``UnsupportedError: augmented assignment to a name
    that shares its object with 'seq' is not supported``. ``seq`` is not the
    user's: it is the hidden variable that holds the iterable when the loop
    rebinds the iterated name (``z``). It is dead after the loop and no user
    name shares ``z``'s object, yet ``z /= 2.0`` is refused, with a message
    naming a variable the user never wrote (the same for ``zip``,
    ``enumerate``, ``x.T``)."""
    check_grad(REBOUND_ITERABLE_THEN_AUGASSIGN, [np.array([0.5, -1.0, 2.0])])


if __name__ == "__main__":
    _cli(sys.argv[1:])
