"""Regenerate docs/coverage.md from the rule registry.

Run: python scripts/gen_coverage.py             (tests/test_coverage_doc.py checks it is current)
     python scripts/gen_coverage.py --autograd  (print AUTOGRAD from an installed autograd, to
                                                 paste below when autograd changes)

The page lists every function with a derivative rule and its modes, the
functions treated as constants (their results carry no derivative), the
NumPy/SciPy functions knowingly left out with the reason, and how the table
compares with what autograd (HIPS) registers. It is generated with SciPy
installed (SciPy's rules are registered only then).
"""

from __future__ import annotations

import importlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = "docs/coverage.md"

#: Functions autograd 1.8 registers a VJP (rev) and/or JVP (fwd) for, by the
#: name users write (autograd's internal helpers left out). Regenerate with
#: ``--autograd``.
AUTOGRAD = {
    'numpy.abs': 'rev+fwd',
    'numpy.absolute': 'rev+fwd',
    'numpy.acos': 'rev+fwd',
    'numpy.acosh': 'rev+fwd',
    'numpy.add': 'rev+fwd',
    'numpy.amax': 'rev+fwd',
    'numpy.amin': 'rev+fwd',
    'numpy.angle': 'rev+fwd',
    'numpy.arccos': 'rev+fwd',
    'numpy.arccosh': 'rev+fwd',
    'numpy.arcsin': 'rev+fwd',
    'numpy.arcsinh': 'rev+fwd',
    'numpy.arctan': 'rev+fwd',
    'numpy.arctan2': 'rev+fwd',
    'numpy.arctanh': 'rev+fwd',
    'numpy.array_split': 'rev+fwd',
    'numpy.asin': 'rev+fwd',
    'numpy.asinh': 'rev+fwd',
    'numpy.astype': 'rev',
    'numpy.atan': 'rev+fwd',
    'numpy.atan2': 'rev+fwd',
    'numpy.atanh': 'rev+fwd',
    'numpy.atleast_1d': 'rev+fwd',
    'numpy.atleast_2d': 'rev+fwd',
    'numpy.atleast_3d': 'rev+fwd',
    'numpy.broadcast_to': 'rev+fwd',
    'numpy.clip': 'rev+fwd',
    'numpy.conj': 'rev+fwd',
    'numpy.conjugate': 'rev+fwd',
    'numpy.cos': 'rev+fwd',
    'numpy.cosh': 'rev+fwd',
    'numpy.cross': 'rev+fwd',
    'numpy.cumsum': 'rev+fwd',
    'numpy.deg2rad': 'rev+fwd',
    'numpy.degrees': 'rev+fwd',
    'numpy.diag': 'rev+fwd',
    'numpy.diagonal': 'rev+fwd',
    'numpy.diff': 'rev+fwd',
    'numpy.divide': 'rev+fwd',
    'numpy.dot': 'rev+fwd',
    'numpy.dsplit': 'rev+fwd',
    'numpy.einsum': 'rev+fwd',
    'numpy.exp': 'rev+fwd',
    'numpy.exp2': 'rev+fwd',
    'numpy.expand_dims': 'rev+fwd',
    'numpy.expm1': 'rev+fwd',
    'numpy.fabs': 'rev+fwd',
    'numpy.fft.fft': 'rev',
    'numpy.fft.fft2': 'rev',
    'numpy.fft.fftn': 'rev',
    'numpy.fft.fftshift': 'rev',
    'numpy.fft.ifft': 'rev',
    'numpy.fft.ifft2': 'rev',
    'numpy.fft.ifftn': 'rev',
    'numpy.fft.ifftshift': 'rev',
    'numpy.fft.irfft': 'rev',
    'numpy.fft.irfft2': 'rev',
    'numpy.fft.irfftn': 'rev',
    'numpy.fft.rfft': 'rev',
    'numpy.fft.rfft2': 'rev',
    'numpy.fft.rfftn': 'rev',
    'numpy.fliplr': 'rev+fwd',
    'numpy.flipud': 'rev+fwd',
    'numpy.fmax': 'rev+fwd',
    'numpy.fmin': 'rev+fwd',
    'numpy.full': 'rev+fwd',
    'numpy.gradient': 'rev+fwd',
    'numpy.hsplit': 'rev+fwd',
    'numpy.hypot': 'rev',
    'numpy.imag': 'rev+fwd',
    'numpy.inner': 'rev+fwd',
    'numpy.kron': 'rev+fwd',
    'numpy.linalg.cholesky': 'rev',
    'numpy.linalg.det': 'rev',
    'numpy.linalg.eig': 'rev',
    'numpy.linalg.eigh': 'rev',
    'numpy.linalg.inv': 'rev',
    'numpy.linalg.norm': 'rev+fwd',
    'numpy.linalg.pinv': 'rev',
    'numpy.linalg.slogdet': 'rev',
    'numpy.linalg.solve': 'rev',
    'numpy.linalg.svd': 'rev',
    'numpy.linspace': 'rev+fwd',
    'numpy.log': 'rev+fwd',
    'numpy.log10': 'rev+fwd',
    'numpy.log1p': 'rev+fwd',
    'numpy.log2': 'rev+fwd',
    'numpy.logaddexp': 'rev+fwd',
    'numpy.logaddexp2': 'rev+fwd',
    'numpy.matmul': 'rev+fwd',
    'numpy.max': 'rev+fwd',
    'numpy.maximum': 'rev+fwd',
    'numpy.mean': 'rev+fwd',
    'numpy.min': 'rev+fwd',
    'numpy.minimum': 'rev+fwd',
    'numpy.mod': 'rev+fwd',
    'numpy.moveaxis': 'rev+fwd',
    'numpy.multiply': 'rev+fwd',
    'numpy.nan_to_num': 'rev+fwd',
    'numpy.negative': 'rev+fwd',
    'numpy.outer': 'rev+fwd',
    'numpy.pad': 'rev+fwd',
    'numpy.partition': 'rev+fwd',
    'numpy.permute_dims': 'rev+fwd',
    'numpy.pow': 'rev+fwd',
    'numpy.power': 'rev+fwd',
    'numpy.prod': 'rev+fwd',
    'numpy.rad2deg': 'rev+fwd',
    'numpy.radians': 'rev+fwd',
    'numpy.ravel': 'rev+fwd',
    'numpy.real': 'rev+fwd',
    'numpy.real_if_close': 'rev+fwd',
    'numpy.reciprocal': 'rev+fwd',
    'numpy.remainder': 'rev+fwd',
    'numpy.repeat': 'rev+fwd',
    'numpy.reshape': 'rev+fwd',
    'numpy.roll': 'rev+fwd',
    'numpy.rollaxis': 'rev+fwd',
    'numpy.rot90': 'rev+fwd',
    'numpy.sin': 'rev+fwd',
    'numpy.sinc': 'rev+fwd',
    'numpy.sinh': 'rev+fwd',
    'numpy.sort': 'rev+fwd',
    'numpy.split': 'rev+fwd',
    'numpy.sqrt': 'rev+fwd',
    'numpy.square': 'rev+fwd',
    'numpy.squeeze': 'rev+fwd',
    'numpy.std': 'rev+fwd',
    'numpy.subtract': 'rev+fwd',
    'numpy.sum': 'rev+fwd',
    'numpy.swapaxes': 'rev+fwd',
    'numpy.tan': 'rev+fwd',
    'numpy.tanh': 'rev+fwd',
    'numpy.tensordot': 'rev+fwd',
    'numpy.tile': 'rev+fwd',
    'numpy.trace': 'rev+fwd',
    'numpy.transpose': 'rev+fwd',
    'numpy.tril': 'rev+fwd',
    'numpy.triu': 'rev+fwd',
    'numpy.true_divide': 'rev+fwd',
    'numpy.var': 'rev+fwd',
    'numpy.vsplit': 'rev+fwd',
    'numpy.where': 'rev+fwd',
    'scipy.integrate.odeint': 'rev',
    'scipy.linalg.solve_banded': 'rev',
    'scipy.linalg.solve_sylvester': 'rev+fwd',
    'scipy.linalg.solve_triangular': 'rev',
    'scipy.linalg.sqrtm': 'rev+fwd',
    'scipy.signal.convolve': 'rev',
    'scipy.special.beta': 'rev',
    'scipy.special.betainc': 'rev',
    'scipy.special.betaln': 'rev',
    'scipy.special.digamma': 'rev',
    'scipy.special.erf': 'rev',
    'scipy.special.erfc': 'rev',
    'scipy.special.erfcinv': 'rev',
    'scipy.special.erfinv': 'rev',
    'scipy.special.expit': 'rev',
    'scipy.special.gamma': 'rev',
    'scipy.special.gammainc': 'rev',
    'scipy.special.gammaincc': 'rev',
    'scipy.special.gammaln': 'rev',
    'scipy.special.gammasgn': 'rev',
    'scipy.special.i0': 'rev',
    'scipy.special.i1': 'rev',
    'scipy.special.iv': 'rev',
    'scipy.special.ive': 'rev',
    'scipy.special.j0': 'rev',
    'scipy.special.j1': 'rev',
    'scipy.special.jn': 'rev',
    'scipy.special.jv': 'rev',
    'scipy.special.logit': 'rev',
    'scipy.special.logsumexp': 'rev+fwd',
    'scipy.special.multigammaln': 'rev',
    'scipy.special.polygamma': 'rev',
    'scipy.special.psi': 'rev',
    'scipy.special.rgamma': 'rev',
    'scipy.special.sinc': 'rev+fwd',
    'scipy.special.y0': 'rev',
    'scipy.special.y1': 'rev',
    'scipy.special.yn': 'rev',
    'scipy.stats.beta.cdf': 'rev',
    'scipy.stats.beta.logpdf': 'rev',
    'scipy.stats.beta.pdf': 'rev',
    'scipy.stats.chi2.cdf': 'rev',
    'scipy.stats.chi2.logpdf': 'rev',
    'scipy.stats.chi2.pdf': 'rev',
    'scipy.stats.dirichlet.logpdf': 'rev',
    'scipy.stats.dirichlet.pdf': 'rev',
    'scipy.stats.gamma.cdf': 'rev',
    'scipy.stats.gamma.logpdf': 'rev',
    'scipy.stats.gamma.pdf': 'rev',
    'scipy.stats.multivariate_normal.entropy': 'rev',
    'scipy.stats.multivariate_normal.logpdf': 'rev',
    'scipy.stats.multivariate_normal.pdf': 'rev',
    'scipy.stats.norm.cdf': 'rev',
    'scipy.stats.norm.logcdf': 'rev',
    'scipy.stats.norm.logpdf': 'rev',
    'scipy.stats.norm.logsf': 'rev',
    'scipy.stats.norm.pdf': 'rev',
    'scipy.stats.norm.sf': 'rev',
    'scipy.stats.poisson.cdf': 'rev',
    'scipy.stats.poisson.logpmf': 'rev',
    'scipy.stats.poisson.pmf': 'rev',
    'scipy.stats.t.cdf': 'rev',
    'scipy.stats.t.logcdf': 'rev',
    'scipy.stats.t.logpdf': 'rev',
    'scipy.stats.t.pdf': 'rev',
}

#: Differentiable-looking functions knowingly without a rule, and why.
LEFT_OUT = {
    "complex arithmetic with a real operand":
        "a real value inside the function that meets a complex one, x * (1 + 2j), gets a "
        "complex cotangent (the arithmetic rules do not take its real part); a real "
        "parameter's gradient is its real part, which is right, but a real intermediate "
        "computed from a complex value (np.real(z) * (1 + 2j)) passes the imaginary part back",
    "numpy.fft.fftfreq, numpy.fft.rfftfreq": "not implemented (depend on the spacing d)",
    "numpy.convolve": "not implemented: use scipy.signal.convolve, or np.pad, slicing and "
                      "np.tensordot (see tests/test_numpy_programs.py::conv2d)",
    "numpy.correlate": "not implemented (as numpy.convolve)",
    "numpy.interp": "not implemented (piecewise linear; its breakpoints are found by search)",
    "numpy.median": "not implemented: use np.sort and indexing (order statistics)",
    "numpy.percentile": "not implemented: use np.sort and indexing",
    "numpy.quantile": "not implemented: use np.sort and indexing",
    "numpy.ptp": "not implemented: write np.max(x) - np.min(x)",
    "numpy.nansum": "not implemented: NaN-aware reductions (use np.where(np.isnan(x), 0, x))",
    "numpy.nanmean": "not implemented (as numpy.nansum)",
    "numpy.nanmax": "not implemented (as numpy.nansum)",
    "numpy.nanmin": "not implemented (as numpy.nansum)",
    "numpy.nanvar": "not implemented (as numpy.nansum)",
    "numpy.nanstd": "not implemented (as numpy.nansum)",
    "numpy.nanprod": "not implemented (as numpy.nansum)",
    "numpy.cumulative_sum": "not implemented: use np.cumsum",
    "numpy.cumulative_prod": "not implemented: use np.cumprod",
    "numpy.modf": "tuple-valued ufunc: not implemented",
    "numpy.frexp": "tuple-valued ufunc with an integer part: not implemented",
    "numpy.divmod": "tuple-valued: use // (constant) and % (differentiable)",
    "numpy.i0": "not implemented: use scipy.special.i0",
    "numpy.select": "not implemented: use np.where",
    "numpy.piecewise": "calls functions it is given: not implemented; use np.where",
    "numpy.block": "not implemented: use np.concatenate",
    "numpy.insert": "not implemented: use np.concatenate",
    "numpy.delete": "not implemented: use indexing",
    "numpy.linalg.lstsq": "not implemented: use np.linalg.solve on the normal equations or "
                          "np.linalg.pinv",
    "numpy.linalg.multi_dot": "not implemented: chain @",
    "numpy.linalg.cond": "not implemented: use np.linalg.svd",
    "numpy.linalg.matrix_norm": "not implemented: use np.linalg.norm with axis=(-2, -1)",
    "numpy.linalg.vector_norm": "not implemented: use np.linalg.norm",
    "numpy.linalg.tensorsolve": "not implemented",
    "numpy.linalg.tensorinv": "not implemented",
    "numpy.real_if_close (complex)": "complex inputs are not differentiated",
    "scipy.special.gammasgn": "piecewise constant (±1): treated as a constant",
    "scipy.special.betainc (in a, b)": "partial: differentiated in x only; the derivatives in "
                                       "a and b have no closed form (hypergeometric series)",
    "scipy.linalg.*": "only solve_triangular, sqrtm, solve_sylvester and solve_banded; cho_solve, "
                      "expm, logm, ... not implemented",
    "scipy.integrate.odeint": "not implemented: it calls a user function (the right-hand side) "
                              "from compiled code, which s2s_ad cannot transform; write the "
                              "integrator (e.g. an RK4 loop) in Python and s2s_ad transforms "
                              "and differentiates it like any other program",
    "scipy.signal.* other than convolve": "not implemented (correlate, fftconvolve, lfilter, ...)",
    "scipy.stats CDFs in shape parameters": "partial: t.cdf/logcdf (df), gamma.cdf (a), "
                                            "beta.cdf (a, b) and chi2.cdf (df) are "
                                            "differentiated in x, loc and scale only (no closed "
                                            "form in the shape parameters)",
    "scipy.stats (other distributions and methods)": "not implemented: only norm, t, gamma, beta, "
                                                     "chi2, poisson, dirichlet and "
                                                     "multivariate_normal, with the methods listed "
                                                     "above (write other log densities with "
                                                     "scipy.special)",
}

_COMPLEX_NOTE = "complex inputs too (autograd's convention; see s2s_ad/rules/fft_rules.py)"

#: Restrictions of individual rules, shown in the tables.
NOTES = {
    "numpy.linalg.svd": "reduced or square; distinct singular values; compute_uv=False ok",
    "numpy.linalg.qr": "m ≥ n; mode reduced, r, or complete for square",
    "numpy.linalg.eigh": "distinct eigenvalues; reads one triangle (UPLO)",
    "numpy.linalg.eigvalsh": "reads one triangle (UPLO)",
    "numpy.linalg.cholesky": "reads the lower triangle; upper= not accepted",
    "numpy.linalg.pinv": "constant rank; hermitian=, rtol= not accepted",
    "numpy.linalg.norm": "every ord; second derivatives not for matrix 2/-2/nuc",
    "numpy.einsum": "subscripts string, ≤ 6 operands",
    "numpy.pad": "mode='constant' (scalar constant_values differentiable)",
    "numpy.diff": "prepend=/append= not accepted",
    "numpy.average": "returned=True not accepted",
    "numpy.cumprod": "not at zeros (divides by the input)",
    "numpy.sort": "values (ties keep their order); order= not accepted",
    "numpy.partition": "values; order= not accepted",
    "numpy.atleast_1d": "one array", "numpy.atleast_2d": "one array",
    "numpy.atleast_3d": "one array",
    "numpy.linspace": "retstep=True not accepted",
    "numpy.take": "all modes",
    "numpy.real": _COMPLEX_NOTE, "numpy.imag": _COMPLEX_NOTE, "numpy.conjugate": _COMPLEX_NOTE,
    "numpy.absolute": _COMPLEX_NOTE, "numpy.angle": _COMPLEX_NOTE, "abs": _COMPLEX_NOTE,
    "x.real": _COMPLEX_NOTE, "x.imag": _COMPLEX_NOTE, "x.conj()": _COMPLEX_NOTE,
    "x.conjugate()": _COMPLEX_NOTE,
    "numpy.prod": "exact at zeros",
    "numpy.linalg.solve": "b a vector (1-D) or a stack of matrices, as NumPy 2",
    "scipy.special.logsumexp": "b= differentiable; return_sign=True not accepted",
    "scipy.special.polygamma": "in x (n constant)",
    "scipy.special.gammainc": "in x (a constant)", "scipy.special.gammaincc": "in x (a constant)",
    "scipy.special.jv": "in x (order constant)", "scipy.special.yv": "in x (order constant)",
    "scipy.special.iv": "in x (order constant)", "scipy.special.ive": "in x (order constant)",
    "scipy.special.yn": "in x (order constant)",
    "scipy.special.multigammaln": "in a (d constant)",
    "scipy.linalg.solve_triangular": "2-D a; trans 0/1/'N'/'T'",
    "scipy.linalg.sqrtm": "a real square root (no eigenvalue ≤ 0); disp=, blocksize= not accepted",
    "scipy.linalg.solve_sylvester": "real matrices",
    "scipy.linalg.solve_banded": "in ab (the band storage) and b",
    "scipy.special.betainc": "in x (a, b constant)",
    "scipy.signal.convolve": "real inputs; modes full, same, valid; any method",
    "numpy.gradient": "in f (spacings constant); edge_order 1 or 2",
    "numpy.linalg.eig": "distinct eigenvalues; LAPACK's normalisation (unit norm, largest entry "
                        "real); complex (see numpy.fft)",
    "numpy.linalg.eigvals": "distinct eigenvalues; complex (see numpy.fft)",
    "scipy.stats.t.cdf": "in x, loc, scale (df constant)",
    "scipy.stats.t.logcdf": "in x, loc, scale (df constant)",
    "scipy.stats.gamma.cdf": "in x, loc, scale (a constant)",
    "scipy.stats.beta.cdf": "in x, loc, scale (a, b constant)",
    "scipy.stats.chi2.cdf": "in x, loc, scale (df constant)",
    "scipy.stats.poisson.logpmf": "in mu (k a count)", "scipy.stats.poisson.pmf": "in mu (k a count)",
    "scipy.stats.poisson.cdf": "in mu (k a count)",
    "scipy.stats.dirichlet.logpdf": "x with k components (derivatives along the simplex) or k - 1",
    "scipy.stats.dirichlet.pdf": "x with k components (derivatives along the simplex) or k - 1",
    "scipy.stats.multivariate_normal.logpdf": "in x, mean, cov (its lower triangle, as SciPy "
                                              "reads it); nonsingular cov",
    "scipy.stats.multivariate_normal.pdf": "in x, mean, cov (its lower triangle, as SciPy reads "
                                           "it); nonsingular cov",
    "scipy.stats.multivariate_normal.entropy": "in cov (its lower triangle)",
}
for _name in ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
              "rfftn", "irfftn"):
    NOTES[f"numpy.fft.{_name}"] = "complex: VJPs in autograd's convention (the transpose; see " \
        "s2s_ad/rules/fft_rules.py)"


def _group(rule) -> str:
    key = rule.key
    if isinstance(key, tuple):
        kind = key[0]
        if kind in ("method", "attr"):
            return "Array methods and attributes"
        return "Language constructs"
    name = rule.name
    for prefix, group in (("numpy.linalg.", "numpy.linalg"), ("numpy.fft.", "numpy.fft"),
                          ("numpy.", "NumPy"), ("scipy.signal.", "scipy.signal"),
                          ("scipy.special.", "scipy.special"),
                          ("scipy.stats.", "scipy.stats"), ("scipy.linalg.", "scipy.linalg"),
                          ("math.", "math"), ("operator.", "Operators")):
        if name.startswith(prefix):
            return group
    if name.startswith("s2s_ad."):
        return "Helpers called by generated code"
    return "Python builtins"


_ORDER = ["Operators", "Python builtins", "math", "NumPy", "numpy.linalg", "numpy.fft",
          "Array methods and attributes", "scipy.special", "scipy.stats", "scipy.linalg",
          "scipy.signal",
          "Language constructs", "Helpers called by generated code"]


def _resolve(name):
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for p in parts[i:]:
                obj = getattr(obj, p)
        except AttributeError:
            return None
        return obj
    return None


def coverage() -> str:
    from s2s_ad.rules import REGISTRY
    from s2s_ad.rules.registry import load_optional_rules
    load_optional_rules()
    from s2s_ad.rules.registry import is_builtin
    rules = [r for r in REGISTRY.values() if is_builtin(r)]
    diff = [r for r in rules if r.vjp is not None or r.jvp is not None]
    const = [r for r in rules if r.nondiff]
    n_vjp = sum(r.vjp is not None for r in rules)
    n_jvp = sum(r.jvp is not None for r in rules)
    lines = [
        "# Coverage: which functions s2s_ad differentiates",
        "",
        "<!-- generated by scripts/gen_coverage.py from the rule registry; do not edit -->",
        "",
        "Every function below has a derivative rule in `s2s_ad/rules/` (a VJP template for "
        "reverse mode, a JVP template for forward mode), each checked against central finite "
        "differences by `tests/test_rules.py` over several shapes (broadcasting, 0-d and "
        "empty arrays, keyword arguments). SciPy's rules are registered only when SciPy is "
        "installed. A keyword argument a rule cannot honour is refused with "
        "`s2s_ad.UnsupportedError` (or `NotImplementedError` where only the value tells, "
        "e.g. `np.pad(mode='reflect')`), never silently ignored.",
        "",
        f"**{len(diff)}** registered keys with a rule: **{n_vjp}** with reverse mode (VJP), "
        f"**{n_jvp}** with forward mode (JVP); **{len(const)}** treated as constants.",
        "",
    ]
    groups: dict[str, list] = {}
    for r in diff:
        groups.setdefault(_group(r), []).append(r)
    for group in _ORDER:
        members = groups.get(group)
        if not members:
            continue
        lines += [f"## {group}", "", "| function | reverse | forward | notes |", "|---|---|---|---|"]
        for r in sorted(members, key=lambda r: r.name):
            lines.append(f"| `{r.name}` | {'✓' if r.vjp else ''} | {'✓' if r.jvp else ''} "
                         f"| {NOTES.get(r.name, '')} |")
        lines.append("")
    lines += [
        "## Treated as constants",
        "",
        "Integer-valued, piecewise-constant (derivative 0 almost everywhere), predicates, "
        "shapes, index computations and constructors whose values do not depend on their "
        "arguments' values: their results carry no derivative, so a program may use them on "
        "differentiated values freely (`np.sign(x) * x` differentiates as `|x|`).",
        "",
    ]
    names = sorted({r.name for r in const if not r.name.startswith("s2s_ad.")})
    lines.append(", ".join(f"`{n}`" for n in names))
    lines += ["", "## Knowingly left out", "", "| function | reason |", "|---|---|"]
    for name, why in sorted(LEFT_OUT.items()):
        lines.append(f"| `{name}` | {why} |")
    lines += [
        "",
        "## Compared with autograd",
        "",
        "What [autograd](https://github.com/HIPS/autograd) (1.8) registers derivatives for "
        "(`numpy_vjps.py`, `numpy_jvps.py`, `linalg.py`, `scipy/`), and where s2s_ad stands. "
        "autograd gives most of its linear algebra and SciPy functions reverse mode only; "
        "s2s_ad gives every rule both modes.",
        "",
    ]
    have, const_here, missing = [], [], []
    for name, modes in sorted(AUTOGRAD.items()):
        obj = _resolve(name)
        try:
            rule = REGISTRY.get(obj) if obj is not None else None
        except TypeError:
            rule = None
        if rule is not None and (rule.vjp or rule.jvp):
            have.append(name)
        elif rule is not None and rule.nondiff:
            const_here.append(name)
        else:
            missing.append(name)
    lines.append(f"- **Both have rules ({len(have)}):** " + ", ".join(f"`{n}`" for n in have))
    lines.append(f"- **Constant here, differentiated by autograd ({len(const_here)}):** "
                 + ", ".join(f"`{n}`" for n in const_here)
                 + " (derivative zero wherever it exists)")
    lines.append(f"- **autograd only — gaps ({len(missing)}):** "
                 + ", ".join(f"`{n}`" for n in missing))
    extra = sorted(r.name for r in diff if _group(r) in ("NumPy", "numpy.linalg", "numpy.fft",
                                                            "scipy.special", "scipy.stats",
                                                            "scipy.linalg", "scipy.signal")
                   and r.name not in AUTOGRAD and not _is_alias_of_autograd(r))
    lines.append(f"- **s2s_ad only ({len(extra)}):** " + ", ".join(f"`{n}`" for n in extra))
    lines.append("")
    return "\n".join(lines)


def _is_alias_of_autograd(rule) -> bool:
    for name in AUTOGRAD:
        obj = _resolve(name)
        try:
            if obj is not None and obj == rule.key:
                return True
        except (TypeError, ValueError):
            pass
    return False


def autograd_snapshot() -> str:
    """``AUTOGRAD`` from the installed autograd, as Python source."""
    from autograd.core import primitive_jvps, primitive_vjps

    mods = {"autograd.numpy": "numpy", "autograd.numpy.linalg": "numpy.linalg",
            "autograd.numpy.fft": "numpy.fft", "autograd.scipy.special": "scipy.special",
            "autograd.scipy.linalg": "scipy.linalg", "autograd.scipy.signal": "scipy.signal",
            "autograd.scipy.integrate": "scipy.integrate"}
    for d in ("norm", "t", "gamma", "beta", "chi2", "poisson", "dirichlet",
              "multivariate_normal"):
        mods[f"autograd.scipy.stats.{d}"] = f"scipy.stats.{d}"
    found = {}
    for mod_name, public in mods.items():
        mod = importlib.import_module(mod_name)
        for attr in dir(mod):
            if attr.startswith("_"):
                continue
            obj = getattr(mod, attr)
            try:
                rev, fwd = bool(primitive_vjps.get(obj)), bool(primitive_jvps.get(obj))
            except TypeError:
                continue
            if (rev or fwd) and _resolve(f"{public}.{attr}") is not None:
                found[f"{public}.{attr}"] = "+".join(m for m, on in (("rev", rev), ("fwd", fwd))
                                                     if on)
    # functions wrapped where autograd.numpy does not re-export them by name
    for prim in set(primitive_vjps) | set(primitive_jvps):
        fun = getattr(prim, "fun", None)
        name = getattr(fun, "__name__", None)
        for public in ("numpy", "numpy.linalg", "scipy.special"):
            mod = importlib.import_module(public)
            if name and getattr(mod, name, None) is fun and f"{public}.{name}" not in found:
                rev, fwd = bool(primitive_vjps.get(prim)), bool(primitive_jvps.get(prim))
                if rev or fwd:
                    found[f"{public}.{name}"] = "+".join(
                        m for m, on in (("rev", rev), ("fwd", fwd)) if on)
                break
    return "AUTOGRAD = {\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in sorted(found.items())) \
        + "}\n"


def main(argv) -> int:
    sys.path.insert(0, str(ROOT))
    if "--autograd" in argv:
        print(autograd_snapshot())
        return 0
    (ROOT / OUT).write_text(coverage())
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
