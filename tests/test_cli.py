"""The command line. A few tests run it as users do (``python -m s2s_ad ...`` in
a subprocess); the rest call ``main()`` in-process, which is the same code
minus the interpreter start-up, to keep the suite fast."""

from __future__ import annotations

import math
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

MODEL = '''\
import numpy as np
import s2s_ad as ad


def loss(w, x, y):
    z = x @ w
    return np.mean((z - y) ** 2)


def power(x, n):
    y = 1.0
    for i in range(n):
        y = y * x
    return y


def with_try(x):
    try:
        return x * 2
    except ValueError:
        return 0.0


@ad.grad
def decorated(x):
    return np.sin(x) * x


LIMIT = 3

if __name__ == "__main__":
    raise SystemExit("the __main__ block must not run")
'''


def run_subprocess(*args, cwd=None):
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "s2s_ad", *args], capture_output=True,
                          text=True, cwd=cwd, env=environ, timeout=120)


@pytest.fixture
def run(capsys, monkeypatch):
    """``run(*argv, cwd=None)`` → an object with ``returncode``, ``stdout``, ``stderr``."""
    from s2s_ad.__main__ import main

    # show imports the user's file and puts its folder on sys.path: undo both.
    monkeypatch.setattr(sys, "path", list(sys.path))

    def call(*args, cwd=None):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse
            code = e.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    yield call
    for name in [m for m in sys.modules if m.startswith("_s2s_ad_cli_")]:
        del sys.modules[name]


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return path


def test_demo_is_unchanged():
    r = run_subprocess("demo")
    assert r.returncode == 0, r.stderr
    assert "def f(x):\n    return np.exp(x) + x * x" in r.stdout
    assert "def grad_f(x):" in r.stdout and "Its SSA IR (df.ir):" in r.stdout
    assert f"exp(2) + 2*2  = {math.exp(2) + 4!r}" in r.stdout


def test_show_reverse_prints_the_gradient_source(model):
    r = run_subprocess("show", f"{model}:loss")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("def grad_loss(w, x, y):\n")
    assert "# grad of: z = x @ w" in r.stdout
    assert "\x1b[" not in r.stdout  # not a terminal: no colours
    compile(r.stdout, "<shown>", "exec")  # it is Python


def test_show_wrt_by_name_position_and_several(run, model):
    by_name = run("show", f"{model}:power", "--wrt", "x")
    by_pos = run("show", f"{model}:power", "--wrt", "0")
    assert by_name.returncode == by_pos.returncode == 0, by_name.stderr + by_pos.stderr
    assert by_name.stdout == by_pos.stdout
    assert "for i in reversed(range(" in by_name.stdout  # the adjoint of a loop is a loop
    both = run("show", f"{model}:loss", "--wrt", "w,x")
    again = run("show", f"{model}:loss", "--wrt", "w", "--wrt", "x")
    assert both.returncode == 0, both.stderr
    assert both.stdout == again.stdout
    assert "return bw, bx" in both.stdout


def test_show_forward_mode(run, model):
    r = run("show", f"{model}:loss", "--mode", "forward")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("def jvp_loss(w, x, y, dw, dx, dy):")


def test_show_ir(run, model):
    r = run("show", f"{model}:power", "--ir")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("def power(x, n):")
    assert "carry" in r.stdout and "grad_" not in r.stdout


def test_show_a_function_decorated_in_the_file(run, model):
    r = run("show", f"{model}:decorated")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("def grad_decorated(x):")


def test_color_always_and_never(run, model):
    colored = run("show", f"{model}:loss", "--color", "always")
    plain = run("show", f"{model}:loss", "--color", "never")
    assert colored.returncode == plain.returncode == 0
    assert "\x1b[" not in plain.stdout
    pytest.importorskip("pygments")
    assert "\x1b[" in colored.stdout


def test_relative_path_and_cwd(run, model):
    r = run("show", "model.py:loss", cwd=model.parent)
    assert r.returncode == 0, r.stderr


def test_transformation_error_exits_1_with_the_users_line(model):
    r = run_subprocess("show", f"{model}:with_try")
    assert r.returncode == 1
    assert "UnsupportedError" in r.stderr and "try/except" in r.stderr
    assert f"{model}:18" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("argv, message", [
    (["show", "{model}:nope"], "has no function 'nope' (functions defined there: decorated, "
                               "loss, power, with_try)"),
    (["show", "{model}:LIMIT"], "'LIMIT' in"),
    (["show", "{dir}/missing.py:f"], "no such file"),
    (["show", "{model}"], "expected FILE.py:FUNCTION"),
    (["show", "{model}:loss", "--wrt", "z"], "loss() has no parameter 'z' (its parameters are "
                                             "w, x, y)"),
    (["show", "{model}:loss", "--wrt", "7"], "loss() has 3 parameters"),
    (["show", "{model}:loss", "--mode", "forward", "--wrt", "x"], "--wrt applies to"),
    (["show", "{model}:loss", "--mode", "sideways"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_usage_errors_exit_2(run, model, argv, message):
    argv = [a.format(model=model, dir=model.parent) for a in argv]
    r = run(*argv)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_syntax_error_in_the_file_exits_1(tmp_path, run):
    bad = tmp_path / "broken.py"
    bad.write_text("def f(x)\n    return x\n")
    r = run("show", f"{bad}:f")
    assert r.returncode == 1
    assert f"{bad}:1: syntax error" in r.stderr and "def f(x)" in r.stderr


def test_exception_while_importing_the_file_exits_1(tmp_path, run):
    bad = tmp_path / "raises.py"
    bad.write_text(textwrap.dedent("""\
        def f(x):
            return x
        raise RuntimeError("boom at import")
        """))
    r = run("show", f"{bad}:f")
    assert r.returncode == 1
    assert "importing" in r.stderr and "RuntimeError: boom at import" in r.stderr


def test_help_mentions_the_exit_codes(run):
    r = run("--help")
    assert r.returncode == 0
    assert "show" in r.stdout and "demo" in r.stdout and "exit status" in r.stdout


def test_usage_error_in_a_subprocess(model):
    r = run_subprocess("show", f"{model}:nope")
    assert r.returncode == 2
    assert r.stderr.startswith("python -m s2s_ad: error: ")
