"""The public API (DESIGN.md §2) end to end, against finite differences."""

import inspect
import linecache
import math
import pdb
import subprocess
import sys
import textwrap
import traceback

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad import api
from tests.checks import assert_close, check_grad, numeric_grad


def seed_f(x):
    return np.exp(x) + x * x


def test_seed_example_from_the_article():
    df = ad.grad(seed_f)
    assert abs(df(2.0) - (math.exp(2) + 4)) < 1e-12
    assert abs(ad.reference.tape_grad(seed_f_tape, 2.0) - (math.exp(2) + 4)) < 1e-12


def seed_f_tape(x):
    return x.exp() + x * x


def test_bare_decorator_and_wraps():
    @ad.grad
    def f(x):
        """Docstring kept."""
        return x * x * x

    assert f(3.0) == 27.0
    assert f.__name__ == "f" and f.__doc__ == "Docstring kept."
    assert f.__wrapped__(3.0) == 27.0
    assert inspect.signature(f) == inspect.signature(f.__wrapped__)


def three(x, y, z):
    return np.sum(x * y) + np.sin(z) * np.sum(y)


@pytest.mark.parametrize("wrt, positions", [
    (0, (0,)), (1, (1,)), ("z", (2,)), (-1, (2,)), ((0, "y"), (0, 1)), (("z", 0), (2, 0)),
])
def test_every_wrt_form(wrt, positions):
    rng = np.random.default_rng(1)
    args = (rng.normal(size=3), rng.normal(size=3), 0.7)
    got = ad.grad(three, wrt=wrt)(*args)
    if not isinstance(wrt, tuple):
        got = (got,)
    assert isinstance(got, tuple) and len(got) == len(positions)
    for g, p in zip(got, positions, strict=True):
        assert_close(g, numeric_grad(three, args, p), rtol=1e-6)


def test_bad_wrt():
    with pytest.raises(ValueError, match="no parameter 'w'"):
        ad.grad(three, wrt="w")
    with pytest.raises(ValueError, match="3 parameters"):
        ad.grad(three, wrt=5)


def test_value_and_grad():
    v, g = ad.value_and_grad(seed_f)(1.5)
    assert v == seed_f(1.5)
    assert abs(g - (math.exp(1.5) + 3.0)) < 1e-12
    v, (gx, gz) = ad.value_and_grad(three, wrt=(0, 2))(np.ones(3), np.arange(3.0), 0.5)
    assert_close(gx, np.arange(3.0))
    assert_close(gz, math.cos(0.5) * 3.0)


def nonscalar(x, w):
    return np.tanh(x * w) / (1.0 + w)


def test_vjp_matches_finite_differences():
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(2, 3)), rng.normal(size=3)
    out, pullback = ad.vjp(nonscalar, x, w)
    assert_close(out, nonscalar(x, w))
    u = rng.normal(size=out.shape)
    gx, gw = pullback(u)
    assert_close(gx, numeric_grad(lambda x, w: np.sum(u * nonscalar(x, w)), (x, w), 0))
    assert_close(gw, numeric_grad(lambda x, w: np.sum(u * nonscalar(x, w)), (x, w), 1))
    gx2, _ = pullback(2 * u)   # the pullback can be reused
    assert_close(gx2, 2 * gx)


def test_grad_of_nonscalar_says_use_vjp():
    with pytest.raises(TypeError, match="scalar.*vjp or s2s_ad.jacobian"):
        ad.grad(nonscalar)(np.ones(3), np.ones(3))


def test_cache_per_function_wrt_and_mode():
    assert ad.grad(three) is ad.grad(three)
    assert ad.grad(three, wrt=1) is ad.grad(three, wrt=1)
    assert ad.grad(three, wrt=1) is not ad.grad(three, wrt=0)
    assert ad.value_and_grad(three) is not ad.grad(three)


def test_source_and_ir_are_readable_text():
    df = ad.grad(seed_f)
    assert df.source.startswith("def grad_seed_f(x):")
    assert "# grad of: return np.exp(x) + x * x" in df.source
    assert df.ir.splitlines()[0] == "def seed_f(x):"
    assert "np.exp(x)" in df.ir


def test_show_prints_the_source(capsys):
    ad.show(ad.grad(seed_f))
    assert capsys.readouterr().out == ad.grad(seed_f).source


def test_int_argument_is_treated_as_float():
    g = ad.grad(lambda_free_square)(3)
    assert g == 6.0 and isinstance(g, float)


def lambda_free_square(x):
    return x * x


def test_int_argument_by_keyword_and_in_a_later_position_is_treated_as_float():
    g = ad.grad(lambda_free_square)(x=3)
    assert isinstance(g, float) and abs(g - numeric_grad(lambda_free_square, (3.0,))) < 1e-6
    expected = tuple(numeric_grad(scaled_square, (2.0, 3.0), i) for i in (0, 1))
    for g in (ad.grad(scaled_square, wrt=(0, 1))(2.0, 3),     # the int positionally
              ad.grad(scaled_square, wrt=(0, 1))(2.0, k=3)):  # and by keyword
        assert all(isinstance(v, float) for v in g)
        assert_close(g, expected)


def scaled_square(x, k):
    return k * x * x


def test_integer_array_is_rejected():
    with pytest.raises(TypeError, match="dtype int"):
        ad.grad(lambda_free_square_sum)(np.arange(3))


def lambda_free_square_sum(x):
    return np.sum(x * x)


def test_gradient_of_unused_argument_is_zero_with_its_shape():
    def f(x, y):
        return np.sum(x) * 2.0

    gx, gy = ad.grad(f, wrt=(0, 1))(np.ones(2), np.ones((2, 3)))
    assert_close(gx, 2 * np.ones(2))
    assert gy.shape == (2, 3) and not gy.any()


def test_arguments_are_not_mutated():
    def f(x):
        y = x * 2.0
        return np.sum(y * x)

    x = np.arange(3.0)
    before = x.copy()
    ad.grad(f)(x)
    assert_close(x, before)


def test_nested_function_with_closure():
    scale = np.array([1.0, 2.0, 3.0])
    offset = 0.5

    def loss(w):
        return np.sum((w * scale - offset) ** 2)

    check_grad(loss, (np.array([0.1, -0.2, 0.3]),))


def test_lambda():
    f = lambda x: np.sin(x) * x  # noqa: E731
    assert_close(ad.grad(f)(0.3), math.cos(0.3) * 0.3 + math.sin(0.3))


def test_function_defined_in_a_notebook_cell():
    # IPython registers each cell's text in linecache under a pseudo-filename.
    name = "<ipython-input-7-0123456789ab>"
    src = "import numpy as np\ndef cell_f(x):\n    return np.sum(np.tanh(x) ** 2)\n"
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    ns = {}
    exec(compile(src, name, "exec"), ns)
    x = np.array([0.2, -0.4])
    assert_close(ad.grad(ns["cell_f"])(x), 2 * np.tanh(x) * (1 - np.tanh(x) ** 2))


def test_generated_code_is_in_linecache_for_inspect_tracebacks_and_pdb():
    df = ad.grad(seed_f)
    fn = df.function
    assert inspect.getsource(fn).strip() == df.source.strip().replace("\n", "\n    ").strip() \
        or textwrap.dedent(inspect.getsource(fn)).strip() == df.source.strip()
    assert fn.__code__.co_filename.startswith("<s2s_ad ")
    # a traceback through the generated code shows its lines
    try:
        ad.grad(seed_f)("not a number")
    except TypeError:
        tb = traceback.format_exc()
    assert "t0 = np.exp(x)" in tb
    # pdb lists the generated source
    lines = linecache.getlines(fn.__code__.co_filename)
    assert any("require_scalar" in line for line in lines)
    assert pdb.Pdb  # the file name is what pdb uses to list source


def test_source_is_deterministic_across_processes():
    # different hash seeds, so set and dict orders would show up as diffs
    code = textwrap.dedent("""
        import s2s_ad as ad
        from tests.test_api import three
        from tests.golden_functions import branch_in_loop, while_with_break
        from tests.test_containers import appends_and_sums
        print(ad.grad(three, wrt=(0, 1)).source)
        for f in (branch_in_loop, while_with_break, appends_and_sums):
            print(ad.grad(f).source, ad.derivative(ad.grad(f), mode="forward").source)
    """)
    import os
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1 and "def grad_three" in outs.pop()


def test_transformation_is_cached_and_thread_safe():
    import threading

    def fresh(x):
        return np.sum(np.sin(x) * x)

    results, barrier = [], threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(ad.grad(fresh))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r is results[0] for r in results)
    x = np.array([0.3, -1.2])
    assert_close(results[0](x), np.cos(x) * x + np.sin(x))


def test_notebook_display_is_highlighted_html():
    html = ad.grad(seed_f)._repr_html_()
    assert "grad_seed_f" in html and html.lstrip().startswith("<")


def scalar_loop_with_list(e, t0, times):
    total = 0.0
    for t in times:
        m = t - t0
        total = total + math.sin(m) * e + m * m
    return total


def test_variant_for_numbers_drops_unbroadcast_and_agrees():
    df = ad.grad(scalar_loop_with_list, wrt=(0, 1))
    args = (0.3, 0.1, [0.7, 1.5, -0.2])
    numbers = df.source_for(*args)
    assert "unbroadcast" not in numbers and "unbroadcast" in df.source
    assert numbers.count(".append(") < df.source.count(".append(")
    got = df(*args)
    for w, g in zip((0, 1), got, strict=True):
        assert_close(g, numeric_grad(scalar_loop_with_list, args, w))
    # arrays take the general code, and agree
    arr = df(np.array(0.3), np.array(0.1), [0.7, 1.5, -0.2])
    assert_close(arr[0], got[0])
    assert_close(arr[1], got[1])


def loop_over_vector_items(x, w):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + w * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return np.sum(total)


def sum_of_squares(x):
    return np.sum(x * x)


def test_variant_for_1d_arrays_reads_items_as_numbers():
    """A 1-D float array's items are numbers: the variant for such calls
    needs no unbroadcast and saves nothing for shapes; a 2-D array, and a
    function that never picks an item, run the general code."""
    df = ad.grad(loop_over_vector_items, wrt=(0, 1))
    x = np.array([0.3, -1.2, 0.8, 1.1])
    vector = df.source_for(x, 100.0)
    assert "unbroadcast" not in vector and "unbroadcast" in df.source
    assert vector.count(".append(") < df.source.count(".append(")
    got = df(x, 100.0)
    for w, g in zip((0, 1), got, strict=True):
        assert_close(g, numeric_grad(loop_over_vector_items, (x, 100.0), w))
    rows = np.array([[0.3, 0.5], [-1.2, 0.1], [0.8, -0.4]])
    assert df.source_for(rows, np.array(100.0)) == df.source
    g_rows = df(rows, 100.0)
    assert_close(g_rows[0], numeric_grad(loop_over_vector_items, (rows, 100.0), 0))
    plain = ad.grad(sum_of_squares)
    assert plain.source_for(x) == plain.source
    assert_close(plain(x), numeric_grad(sum_of_squares, (x,), 0))


def tail_twice(xs, x):
    t = xs[1:]
    return sum(t) * sum(t) * x * xs[0]


def test_variant_for_lists_keeps_a_slice_a_list():
    """An item of a list of numbers is a number, a slice of it is a list:
    the slice's two cotangents add item by item (taken for a number, they
    were added with +, which concatenates: a zip length error)."""
    df = ad.grad(tail_twice, wrt=(0, 1))
    xs, x = [0.5, -1.5, 2.0], 0.7
    gxs, gx = df(xs, x)
    for i in range(3):
        def item(v, i=i):
            return tail_twice(xs[:i] + [v] + xs[i + 1:], x)
        assert_close(gxs[i], numeric_grad(item, (xs[i],), 0), what=f"xs[{i}]")
    assert_close(gx, numeric_grad(tail_twice, (xs, x), 1))


def sum_of_cubes(x):
    y = x ** 3
    return np.sum(y) + 1.0


def test_grad_of_a_number_valued_function_does_not_compute_the_number():
    """``grad`` never reads the value of a function known to return a number:
    the generated code neither checks it nor computes what only it needs;
    ``value_and_grad`` does both, and so does ``grad`` when the result's
    shape is not known."""
    x = np.array([0.5, -1.0, 2.0])
    src = ad.grad(sum_of_cubes).source
    assert "require_scalar" not in src and "= np.sum(" not in src, src
    assert_close(ad.grad(sum_of_cubes)(x), numeric_grad(sum_of_cubes, (x,), 0))
    value, g = ad.value_and_grad(sum_of_cubes)(x)
    assert value == np.sum(x ** 3) + 1.0
    assert "require_scalar" in ad.value_and_grad(sum_of_cubes).source
    assert "require_scalar" in ad.grad(seed_f).source  # x * sin(x): its shape is x's


def rosen_vec(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def test_the_fast_call_path_falls_back_for_other_arguments():
    """After its first call a gradient checks the argument kinds of that call
    inline; anything else (another kind, an int, an int array, keywords, a
    wrong count) takes the general wrapper, with its conversions and errors."""
    df = ad.grad(rosen_vec)
    v = np.array([0.3, -1.2, 2.0, 0.7])
    assert_close(df(v), numeric_grad(rosen_vec, (v,)))        # installs the fast path
    assert isinstance(df, ad.Transformed) and repr(df) == "<s2s_ad grad of rosen_vec>"
    assert_close(df(v), numeric_grad(rosen_vec, (v,)))        # takes it
    m = np.array([[0.3, -1.2], [2.0, 0.7], [0.1, 0.4]])
    assert_close(df(m), numeric_grad(rosen_vec, (m,)))        # another kind
    assert_close(df(x=v), numeric_grad(rosen_vec, (v,)))      # a keyword
    with pytest.raises(TypeError, match="dtype int"):
        df(np.arange(4))
    with pytest.raises(TypeError):
        df(v, v)
    assert inspect.signature(df) == inspect.signature(rosen_vec)

    dg = ad.value_and_grad(scaled_square, wrt=(0, 1))
    expected = tuple(numeric_grad(scaled_square, (2.0, 3.0), i) for i in (0, 1))
    for call in (lambda: dg(2.0, 3.0), lambda: dg(2.0, 3.0), lambda: dg(2.0, 3),
                 lambda: dg(2.0, k=3.0)):
        value, g = call()
        assert value == scaled_square(2.0, 3.0) and all(isinstance(t, float) for t in g)
        assert_close(g, expected)


def test_general_code_is_generated_when_first_needed(monkeypatch):
    """grad(f) runs the frontend (its errors come at once) and generates no
    code; a call with numbers generates only the variant for numbers, and the
    general code is made once, for an array call or for .source."""
    made = []
    generate = api._generate
    monkeypatch.setattr(api, "_generate",
                        lambda primal, specs, kind: made.append(specs[0].name) or
                        generate(primal, specs, kind))

    def lazy_square(x):
        return x * x * 3.0

    df = ad.grad(lazy_square)
    assert made == []
    assert df(2.0) == pytest.approx(numeric_grad(lazy_square, (2.0,)))
    assert made == ["grad_lazy_square"] and "require_scalar" not in df.source_for(2.0)
    assert "require_scalar" in df.source  # the general code, now made
    assert len(made) == 2
    v = np.array(-1.5)  # a 0-d array: the general code
    assert_close(df(v), numeric_grad(lazy_square, (v,)))
    assert df.source.startswith("def grad_lazy_square") and len(made) == 2

    def unsupported(x):
        async def inner():
            pass
        return x

    with pytest.raises(ad.UnsupportedError):
        ad.grad(unsupported)  # syntax errors still come from grad(f) itself


def test_first_calls_from_many_threads_generate_once(monkeypatch):
    import threading

    made = []
    generate = api._generate
    monkeypatch.setattr(api, "_generate",
                        lambda primal, specs, kind: made.append(kind) or
                        generate(primal, specs, kind))

    def threaded(x):
        return np.sum(np.tanh(x) * x)

    df = ad.grad(threaded)
    x = np.array([[0.3, -1.2], [0.4, 2.0]])
    results, barrier = [], threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(df(x))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == ["grad"] and len(results) == 8
    for r in results:
        assert_close(r, numeric_grad(threaded, (x,)))


def test_decorated_function_may_call_a_helper_defined_below(tmp_path, monkeypatch):
    """As in Python, a global is looked up when it is needed: ``@grad`` on a
    function that calls a helper defined further down the module works, and
    a name that is never defined is a NameError at the first call, with the
    user's file and line."""
    (tmp_path / "forward_ref_module.py").write_text(textwrap.dedent('''
        import numpy as np
        import s2s_ad as ad


        @ad.grad
        def dloss(x):
            return helper(x) * 2.0


        @ad.value_and_grad
        def broken(x):
            return never_defined(x)


        def helper(x):
            return np.sin(x) * x
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    import forward_ref_module as m

    def loss(x):
        return np.sin(x) * x * 2.0

    for x in (0.7, np.array(-1.1)):  # the variant for numbers and the general code
        assert_close(m.dloss(x), numeric_grad(loss, (x,)))
    assert "helper(x)" in m.dloss.ir
    with pytest.raises(NameError, match=r"forward_ref_module\.py:13: name 'never_defined'"):
        m.broken(0.5)


def cubic_with_scale(x, scale=2.0):
    return scale * np.sum(x ** 3)


def test_forward_mode_apis_fill_in_defaults_and_take_keywords():
    """A parameter left at its default is a constant (tangent 0) for jvp,
    jacobian, hessian, hvp and check_grads, as it is for grad."""
    x, v = np.array([1.0, 2.0]), np.array([0.5, -1.0])

    def hess_fd(scale):
        return np.stack([numeric_grad(lambda y: numeric_grad(cubic_with_scale, (y, scale))[i],
                                      (x,)) for i in range(2)])

    assert_close(ad.hessian(cubic_with_scale)(x), hess_fd(2.0), rtol=1e-3)
    assert_close(ad.hessian(cubic_with_scale)(x, scale=1.0), hess_fd(1.0), rtol=1e-3)
    assert_close(ad.hvp(cubic_with_scale)(x, v), hess_fd(2.0) @ v, rtol=1e-3)
    assert_close(ad.jacobian(cubic_with_scale, mode="forward")(x),
                 numeric_grad(cubic_with_scale, (x, 2.0)))
    assert_close(ad.jacobian(cubic_with_scale, mode="forward")(x, scale=3.0),
                 numeric_grad(cubic_with_scale, (x, 3.0)))
    out, tangent = ad.jvp(cubic_with_scale, (x,), (v,))
    assert_close(out, cubic_with_scale(x))
    assert_close(tangent, numeric_grad(cubic_with_scale, (x,)) @ v)
    ad.check_grads(cubic_with_scale, (x,), order=2)


def test_a_redefined_helper_makes_a_new_transformation(tmp_path, monkeypatch):
    """As in a notebook that re-runs a helper's cell: grad(f) after the helper
    is redefined differentiates the new helper (it reused the old one)."""
    (tmp_path / "redefined_helper_module.py").write_text(textwrap.dedent('''
        def helper(x):
            return x * 2.0


        def f(x):
            return helper(x) * x
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    import redefined_helper_module as m

    assert_close(ad.grad(m.f)(1.5), numeric_grad(m.f, (1.5,)))
    src = "def helper(x):\n    return x * 3.0\n"  # a re-run cell
    linecache.cache["<cell 2>"] = (len(src), None, src.splitlines(True), "<cell 2>")
    exec(compile(src, "<cell 2>", "exec"), vars(m))
    assert_close(ad.grad(m.f)(1.5), numeric_grad(m.f, (1.5,)))
    assert_close(ad.jvp(m.f, (1.5,), (1.0,))[1], numeric_grad(m.f, (1.5,)))
    assert ad.grad(m.f) is ad.grad(m.f)  # (cached while nothing changes)


def test_a_rebound_global_number_is_read_when_the_code_runs(tmp_path, monkeypatch):
    """Data a function reads from a global is read by name when the code runs:
    rebinding it to data of the same kind keeps the transformation; to
    another kind (a number to an array), makes a new one."""
    (tmp_path / "global_data_module.py").write_text(textwrap.dedent('''
        import numpy as np

        SCALE = 2.0


        def f(x):
            return np.sum(np.sin(x) * SCALE)
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    import global_data_module as m

    x = np.array([0.3, -1.2])
    df = ad.grad(m.f)
    assert_close(df(x), numeric_grad(m.f, (x,)))
    m.SCALE = 3.0
    assert ad.grad(m.f) is df
    assert_close(df(x), numeric_grad(m.f, (x,)))
    m.SCALE = np.array([1.0, -2.0])
    assert ad.grad(m.f) is not df
    assert_close(ad.grad(m.f)(x), numeric_grad(m.f, (x,)))
