"""Property tests: random straight-line NumPy programs (``tests/programs.py``),
differentiated by s2s_ad and checked against three independent references:

* the tape oracle (``s2s_ad.reference.tape_grad``, the same program text run
  with ``np`` bound to ``tnp``),
* central finite differences in float64 (the text run with ``np`` = numpy),
* the dual-number engine: the JVP along a random direction (``np`` = ``dnp``)
  must equal ``<grad, direction>``.

``s2s_ad.vjp`` is checked on the same programs returning an array: the
pullback of a random cotangent ``u`` equals the tape gradient of
``sum(u * out)``. Two more properties use longer programs (up to 25
statements, deeper expressions) and Python operators only.

200 examples per property by default; ``S2S_AD_LONG=1`` runs 10,000.
``python tests/programs.py SEED...`` prints generated programs.
A failure prints the program, the inputs (``repr``, paste-able) and the
source s2s_ad generated. Minimised failures found by these properties are
kept below as explicit regression tests.
"""

from __future__ import annotations

import itertools
import linecache
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import s2s_ad
from s2s_ad.reference import dnp, jvp_dual, tape_grad, tnp
from tests.programs import (
    ALL_OPS,
    AVAILABLE_OPS,
    HypothesisChooser,
    Program,
    generate,
    margins,
)

# ---------------------------------------------------------------- settings

settings.register_profile(
    # derandomized: the default suite draws the same programs on every run (CI
    # included); the long mode explores new ones
    "s2s_ad_property", max_examples=200, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large])
settings.register_profile(
    "s2s_ad_property_long", parent=settings.get_profile("s2s_ad_property"),
    max_examples=10_000, derandomize=False)
LONG = os.environ.get("S2S_AD_LONG") == "1"
PROPERTY = settings.get_profile("s2s_ad_property_long" if LONG else "s2s_ad_property")

FD_STEP = 1e-6
FD_RTOL = FD_ATOL = 1e-5     # s2s_ad vs central differences
REF_RTOL = 1e-7              # s2s_ad vs the tape and dual engines (both exact)
KINK_MARGIN = 1e-3           # abs/maximum/where arguments at least this far from 0
VALUE_BOUND = 1e3            # intermediates larger than this make FD too coarse


# ---------------------------------------------------------------- loading


_counter = itertools.count()


def load(source: str, namespace, name: str = "prog"):
    """Exec ``source`` with ``np`` bound to ``namespace`` under a fresh fake
    filename registered in ``linecache``, so ``inspect.getsource`` (which
    s2s_ad uses) finds it."""
    n = next(_counter)
    fname = f"<s2s_ad-property-{n}>"
    linecache.cache[fname] = (len(source), None, source.splitlines(True), fname)
    g = {"np": namespace, "__name__": f"s2s_ad_property_{n}"}
    exec(compile(source, fname, "exec"), g)
    return g[name]


def copies(args):
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


# ---------------------------------------------------------------- references


def fd_grads(f, args, h=FD_STEP, wrt=None):
    """Central differences of the scalar ``f`` w.r.t. every element of every
    arg (of the args in ``wrt``)."""
    grads = []
    for i in range(len(args)) if wrt is None else wrt:
        a = args[i]
        if isinstance(a, np.ndarray):
            g = np.zeros(a.shape)
            for idx in np.ndindex(a.shape):
                vals = []
                for s in (h, -h):
                    b = copies(args)
                    b[i][idx] += s
                    vals.append(float(f(*b)))
                g[idx] = (vals[0] - vals[1]) / (2 * h)
        else:
            vals = []
            for s in (h, -h):
                b = copies(args)
                b[i] = a + s
                vals.append(float(f(*b)))
            g = (vals[0] - vals[1]) / (2 * h)
        grads.append(g)
    return tuple(grads)


def random_like(rng, x):
    return float(rng.standard_normal()) if np.ndim(x) == 0 and not isinstance(
        x, np.ndarray) else rng.standard_normal(np.shape(x))


def partial(f, args, wrt):
    """``f`` as a function of the arguments in ``wrt`` only, the others
    fixed to their value in ``args`` (int loop bounds)."""
    def g(*a):
        full = list(args)
        for i, v in zip(wrt, a, strict=True):
            full[i] = v
        return f(*full)
    return g


def vdot_all(gs, ds):
    return float(sum(np.sum(np.asarray(g) * np.asarray(d)) for g, d in zip(gs, ds, strict=True)))


def close(a, b, rtol, atol):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol * scale))


def close_where_fd_is_trusted(got, fd, fd_coarse):
    """``got`` matches central differences ``fd`` (step h) wherever ``fd``
    is trustworthy: where it agrees with the differences at step 10 h. The
    truncation error grows like h², so agreement bounds the error at h;
    disagreement means the function is too curved there for differences
    (e.g. ``np.cos(np.sinh(v))`` at large v) and only the tape, which agrees
    with s2s_ad to ~1e-7 independently, is an arbiter."""
    got, fd, fd_coarse = (np.asarray(a, dtype=float) for a in (got, fd, fd_coarse))
    scale = max(1.0, float(np.max(np.abs(fd), initial=0.0)))
    trusted = np.isclose(fd, fd_coarse, rtol=FD_RTOL, atol=FD_ATOL * scale)
    if got.shape == fd.shape:
        # differences exactly 0 at both steps where the gradient is not: the
        # step was lost in rounding (x added to sinh(v) ~ 1e13), not measured
        trusted &= ~((fd == 0) & (fd_coarse == 0) & (got != 0))
    if not np.all(trusted):
        _event("finite differences untrusted for some entries")
    if got.shape != fd.shape:
        return False
    return bool(np.all(np.isclose(got, fd, rtol=FD_RTOL, atol=FD_ATOL * scale) | ~trusted))


def _event(text):
    try:
        event(text)
    except Exception:  # noqa: BLE001 - outside a hypothesis test (regression tests)
        pass


# ---------------------------------------------------------------- reports


def _fmt(x):
    if isinstance(x, np.ndarray):
        return "np.array(" + np.array2string(x, precision=17, separator=", ",
                                             floatmode="unique") + ")"
    return repr(x)


def report(what, source, args, generated=None, **values):
    lines = [what, "", "program:", source.rstrip(), "",
             "inputs: (" + ", ".join(_fmt(a) for a in args) + ",)"]
    for k, v in values.items():
        lines.append(f"{k}: {v!r}" if not isinstance(v, tuple)
                     else f"{k}: (" + ", ".join(_fmt(x) for x in v) + ",)")
    if generated is not None:
        lines += ["", "s2s_ad generated:", generated.rstrip()]
    return "\n".join(lines)


def generated_source(f, wrt):
    try:
        return s2s_ad.grad(f, wrt=wrt).source
    except Exception as e:  # noqa: BLE001 - the transformation itself failed
        return f"<s2s_ad.grad failed: {type(e).__name__}: {e}>"


# ---------------------------------------------------------------- the checks


def check_grad(source: str, args, seed: int = 0, name: str = "prog", wrt=None):
    """s2s_ad's gradient of the scalar program ``source`` w.r.t. every
    argument (every one in ``wrt``) against the tape, finite differences and
    the dual engine."""
    args = copies(args)
    nargs = len(args)
    wrt = tuple(range(nargs)) if wrt is None else tuple(wrt)
    nwrt = len(wrt)
    f = load(source, np, name)
    originals = copies(args)
    try:
        df = s2s_ad.grad(f, wrt=wrt)
        got = df(*args)
    except Exception as e:
        raise AssertionError(report(f"s2s_ad.grad crashed: {type(e).__name__}: {e}",
                                    source, args, generated_source(f, wrt))) from e
    msg = lambda what, **kw: report(what, source, originals, df.source, **kw)  # noqa: E731

    for a, o in zip(args, originals, strict=True):
        assert np.array_equal(a, o), msg("s2s_ad.grad mutated its arguments")
    # The values are checked first and the tuple structure last, so that a
    # structural bug does not hide a wrong value (hypothesis reports each
    # failing assertion separately).
    structure_ok = isinstance(got, tuple) and len(got) == nwrt
    returned = got
    if not structure_ok:
        got = (got,) if nwrt == 1 else tuple(got)
    assert len(got) == nwrt, msg(f"grad with wrt={wrt} returned {len(got)} gradients",
                                 got=returned)
    for i, (g, w) in enumerate(zip(got, wrt, strict=True)):
        a = args[w]
        assert np.shape(g) == np.shape(a), msg(
            f"gradient {i} has shape {np.shape(g)}, argument has shape {np.shape(a)}", got=got)
        assert np.all(np.isfinite(g)), msg(f"gradient {i} is not finite", got=got)

    tape = tape_grad(load(source, tnp, name), *copies(args), wrt=wrt)
    fd = fd_grads(f, args, wrt=wrt)
    for i in range(nwrt):
        assert close(got[i], tape[i], REF_RTOL, REF_RTOL), msg(
            f"s2s_ad and the tape disagree on gradient {i}", s2s_ad=got, tape=tape, fd=fd)
    fd_coarse = fd_grads(f, args, FD_STEP * 10, wrt=wrt)
    for i in range(nwrt):
        assert close_where_fd_is_trusted(got[i], fd[i], fd_coarse[i]), msg(
            f"s2s_ad and finite differences disagree on gradient {i}",
            s2s_ad=got, tape=tape, fd=fd, fd_at_10h=fd_coarse)

    rng = np.random.default_rng(seed)
    dirs = tuple(random_like(rng, args[w]) for w in wrt)
    _, tangent = jvp_dual(partial(load(source, dnp, name), copies(args), wrt),
                          tuple(copies(args)[w] for w in wrt), dirs)
    expected = vdot_all(got, dirs)
    assert close(tangent, expected, REF_RTOL, REF_RTOL), msg(
        "JVP (dual numbers) differs from <grad, direction>", direction=dirs,
        jvp=tangent, grad_dot_direction=expected, s2s_ad=got)
    assert structure_ok, msg(
        f"grad with wrt={wrt} must return a tuple of {nwrt} gradient(s), returned "
        f"{type(returned).__name__}", got=returned)


def check_vjp(source: str, args, seed: int = 0, name: str = "prog", wrt=None):
    """``pullback(u)`` of s2s_ad's vjp against the tape gradient of
    ``sum(u * f(*args))`` (for the arguments in ``wrt``; the cotangents of
    the others, int loop bounds, are not checked)."""
    args = copies(args)
    nargs = len(args)
    wrt = tuple(range(nargs)) if wrt is None else tuple(wrt)
    f = load(source, np, name)
    expected_out = f(*copies(args))
    try:
        out, pullback = s2s_ad.vjp(f, *args)
    except Exception as e:
        raise AssertionError(report(f"s2s_ad.vjp crashed: {type(e).__name__}: {e}",
                                    source, args)) from e
    generated = getattr(pullback, "source", None)
    msg = lambda what, **kw: report(what, source, args, generated, **kw)  # noqa: E731
    assert np.shape(out) == np.shape(expected_out) and np.allclose(out, expected_out), msg(
        "vjp's primal output differs from the program's", out=out, expected=expected_out)
    rng = np.random.default_rng(seed)
    u = random_like(rng, expected_out)
    try:
        got = pullback(u)
    except Exception as e:
        raise AssertionError(msg(f"pullback crashed: {type(e).__name__}: {e}", u=u)) from e
    ft = load(source, tnp, name)
    tape = tape_grad(lambda *a: tnp.sum(tnp.Tensor(u) * ft(*a)), *copies(args), wrt=wrt)
    assert isinstance(got, tuple) and len(got) == nargs, msg(
        "pullback must return one cotangent per argument", got=got)
    for i, w in enumerate(wrt):
        g, a = got[w], args[w]
        assert np.shape(g) == np.shape(a), msg(
            f"cotangent {w} has shape {np.shape(g)}, argument has shape {np.shape(a)}",
            u=u, got=got)
        assert close(g, tape[i], REF_RTOL, REF_RTOL), msg(
            f"pullback(u)[{w}] differs from the tape's gradient of sum(u * out)",
            u=u, s2s_ad=got, tape=tape)


# ---------------------------------------------------------------- strategies


@st.composite
def programs(draw, ops=None, **kwargs):
    return generate(HypothesisChooser(draw), ops, **kwargs)


def draw_inputs(prog: Program, seed: int):
    """Inputs in [-2, 2], rejected when a kink is too close to its switch
    point, something overflows, or intermediates are too large for finite
    differences."""
    args = prog.random_inputs(np.random.default_rng(seed))
    m = margins(prog, args)
    assume(m.finite and m.kink > KINK_MARGIN and m.value < VALUE_BOUND)
    return args


SEEDS = st.integers(0, 2**32 - 1)


# ---------------------------------------------------------------- properties


@PROPERTY
@given(prog=programs(), seed=SEEDS)
def test_grad_matches_references(prog, seed):
    check_grad(prog.source, draw_inputs(prog, seed), seed)


@PROPERTY
@given(prog=programs(), seed=SEEDS)
def test_vjp_matches_tape(prog, seed):
    check_vjp(prog.vjp_source, draw_inputs(prog, seed), seed)


@PROPERTY
@given(prog=programs(max_stmts=25, max_depth=3), seed=SEEDS)
def test_grad_long_programs(prog, seed):
    """Longer programs with deeper expressions: more reuse of variables,
    reassignment and in-place updates interacting."""
    check_grad(prog.source, draw_inputs(prog, seed), seed)


OPERATOR_OPS = {k: v for k, v in AVAILABLE_OPS.items()
                if k in ("add", "sub", "mul", "div", "pow", "neg", "matmul", "T", "getitem")}


@settings(PROPERTY, max_examples=max(50, PROPERTY.max_examples // 4))
@given(prog=programs(OPERATOR_OPS), seed=SEEDS)
def test_grad_operators_only(prog, seed):
    """Python operators only (the reduction at the end is spelled with
    indexing): the generator's fallback path, and s2s_ad's operator rules
    without any NumPy function rule involved."""
    check_grad(prog.source, draw_inputs(prog, seed), seed)


def test_every_generator_op_is_registered():
    missing = {name: op.missing() for name, op in ALL_OPS.items() if op.missing()}
    assert not missing, f"ops the generator knows but cannot use yet: {missing}"


# ---------------------------------------------------------------- regressions
#
# Minimised programs on which s2s_ad was found to give a wrong gradient or
# to crash. Each documents the symptom.


def test_regression_grad_wrt_one_element_tuple_returns_a_tuple():
    """``grad(f, wrt=(0,))`` returns the bare gradient instead of a 1-tuple
    (DESIGN §2: a tuple ``wrt`` gives a tuple of gradients; ``wrt=(0, 1)``
    does). Found in every one-argument program of the properties."""
    check_grad("def prog(x):\n    return x * x\n", [1.5])


def test_regression_vjp_of_one_argument_returns_a_tuple():
    """``pullback(u)`` of a one-argument function returns the bare cotangent,
    not a tuple with one cotangent per argument (DESIGN §2)."""
    check_vjp("def prog(x):\n    return x * x\n", [np.array([0.5, -1.0, 2.0])])


ABSORBED_STEP = """\
def prog(x, y, z):
    v0 = np.multiply((z.T @ z) ** 2, np.clip(0.5 + y, -0.5, 1.0))
    t1 = np.divide(0.5 + 0.5, 1.5 + np.sin(np.sinh(v0) + x))
    return np.sum(t1)
"""


def test_regression_finite_differences_lost_in_rounding_are_not_an_oracle():
    """``np.sinh(v0) + x[2]`` is about 1e13: a step of 1e-6 in ``x[2]``
    (or ten times that) is lost in rounding, so both differences are exactly
    0 while the derivative is -0.166 (s2s_ad and the tape agree). Found by
    the long mode (seed 86 of test_grad_long_programs); the checker took the
    two zeros for a trusted measurement."""
    check_grad(ABSORBED_STEP, [np.array([0.4618492731431352, -1.2985830258723872,
                                         0.46233881185117154]),
                               np.array([-0.5098235829668574, -0.5266038952013585,
                                         1.1745803733370779]),
                               np.array([[1.837884087172759], [-1.4734975098177738]])])


TRANSPOSE_METHOD = """\
def prog(x, y):
    v0 = x.transpose()
    return np.sum(v0) * y
"""


def test_regression_transpose_method_without_axes():
    """``x.transpose()`` (no axes) crashes the transformation:
    ``NameError: .../s2s_ad/rules/numpy_rules.py:586: name 'axes' is not
    defined`` (the ``*axes`` of the rule template is not bound when the call
    passes none)."""
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    check_grad(TRANSPOSE_METHOD, [x, 0.5])
    check_vjp(TRANSPOSE_METHOD.replace("np.sum(v0) * y", "v0 * y"), [x, 0.5])


@pytest.mark.parametrize("reduction", ["np.prod(x)", "x.prod(axis=0)",
                                       "np.prod(np.clip(x, 0.0, 2.0), keepdims=True)"])
def test_regression_prod_where_an_element_is_zero(reduction):
    """The VJP of ``prod`` computes ``ans / x``: ``nan`` where an element of
    ``x`` is exactly 0 (an input, or ``np.clip`` / ``y - y`` / ``abs(w) + w``
    producing one), although the derivative is the product of the other
    elements there, e.g. ``d prod([0, .7, 1.2]) / dx0 = .84``. The tape
    oracle gets it right."""
    src = f"def prog(x, y):\n    return np.sum({reduction}) * y\n"
    x = np.array([0.0, 0.7, 1.2]) if "clip" not in reduction else np.array([-0.5, 0.7, 1.2])
    check_grad(src, [x, 1.5])


ALIASED_AUGASSIGN = """\
def prog(x):
    y = x * 1.0
    z = y
    y += x
    return np.sum(z)
"""


def test_regression_augmented_assignment_through_an_alias():
    """NumPy's ``y += x`` updates ``y``'s array in place, so ``z`` (the same
    array) changes too and ``prog(x) = sum(2 x)``: the gradient is 2. s2s_ad
    canonicalises ``y += x`` into ``y = y + x`` (a new array) and returns 1.
    Either the gradient must match Python's semantics or the transformation
    must refuse the program (``UnsupportedError``). (The tape and dual
    engines rebind like s2s_ad, so the generator never produces in-place
    updates of aliased arrays; this is checked against finite differences.)"""
    f = load(ALIASED_AUGASSIGN, np)
    x = np.array([0.3, -0.7, 1.1])
    try:
        got = s2s_ad.grad(f)(x.copy())
    except s2s_ad.UnsupportedError:
        return
    (fd,) = fd_grads(f, [x])
    assert close(got, fd, FD_RTOL, FD_ATOL), report(
        "s2s_ad's gradient ignores the in-place update seen through an alias",
        ALIASED_AUGASSIGN, [x], s2s_ad.grad(f).source, s2s_ad=got, fd=fd)


VIEW_AUGASSIGN = [
    """\
def prog(x):
    y = x * 1.0
    v = y[0:2]
    v += 1.0
    return np.sum(y * y)
""",
    """\
def prog(x):
    y = x * 1.0
    v = y.T
    v *= x.T
    return np.sum(y)
""",
]


@pytest.mark.parametrize("source", VIEW_AUGASSIGN, ids=["slice", "transpose"])
def test_regression_augmented_assignment_through_a_view(source):
    """The same through a *view*: ``v = y[0:2]`` (or ``y.T``) shares ``y``'s
    memory, NumPy's ``v += 1.0`` changes ``y``, and for the slice program
    ``prog(x) = sum((x + [1, 1, 0]) ** 2)``: gradient ``[2.6, 0.6, 2.2]`` at
    ``x = [.3, -.7, 1.1]``. s2s_ad rebinds ``v`` and returns ``2 x =
    [0.6, -1.4, 2.2]`` (transpose program: 1 instead of ``2 x``). The alias
    check for augmented assignment only looks at names bound to the same
    value, not at views."""
    f = load(source, np)
    x = np.array([0.3, -0.7, 1.1]) if "x.T" not in source else np.array([[0.3, -0.7, 1.1]])
    try:
        got = s2s_ad.grad(f)(x.copy())
    except s2s_ad.UnsupportedError:
        return
    (fd,) = fd_grads(f, [x])
    assert close(got, fd, FD_RTOL, FD_ATOL), report(
        "s2s_ad's gradient ignores the in-place update of a view",
        source, [x], s2s_ad.grad(f).source, s2s_ad=got, fd=fd)


@pytest.mark.parametrize("helper", ["require_scalar", "unbroadcast"])
def test_regression_user_variable_named_like_a_runtime_helper(helper):
    """Hygiene: a user variable named like a runtime helper, then reassigned
    (so its second SSA value is de-SSA'd to ``<helper>_1``), collides with
    the name the helper itself was renamed to, ``<helper>_1``: the generated
    code calls the user's value, e.g. ``require_scalar_1(require_scalar_1,
    'prog')`` -> ``TypeError: 'float' object is not callable`` (found with
    ``unbroadcast``, ``require_scalar``, ``keepdims_shape_vjp``)."""
    source = (f"def prog(x, y):\n    {helper} = x * y\n    {helper} = {helper} * y\n"
              f"    return np.sum({helper})\n")
    check_grad(source, [np.array([0.5, -1.0, 2.0]), 0.5])
    check_vjp(source.replace(f"np.sum({helper})", helper), [np.array([0.5, -1.0, 2.0]), 0.5])
