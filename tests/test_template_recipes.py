"""Rule expansions replayed from a recording (``templates.Recipes``) give
exactly the code that lowering each template afresh gives: over the whole
corpus of control-flow functions, the golden functions and generated
100-line functions, for every kind of transformation that expands rules."""

import numpy as np

from bench.transform_cost import fresh_function
from s2s_ad import api
from s2s_ad.ad import templates
from tests import golden_functions
from tests.checks import assert_close, numeric_grad
from tests.functions import CASES


def _corpus():
    out = [(c.fn, c.wrt, c.points[0]) for c in CASES]
    out += [(f, 0, None) for name, f in vars(golden_functions).items()
            if callable(f) and getattr(f, "__module__", "") == golden_functions.__name__]
    out += [(fresh_function(shape, 100)[0], (0, 1), (0.3, 0.7))
            for shape in ("straight", "control")]
    return out


def _sources(corpus):
    out = []
    for f, wrt, point in corpus:
        wt = tuple(wrt) if isinstance(wrt, (tuple, list)) else (wrt,)
        for kind, w in (("grad", wrt), ("split", wt)):
            api._cache.pop(f, None)
            try:
                t = api._build(f, w, kind)
                out.append(t.source)
                if point is not None and kind == "grad":
                    out.append(t.source_for(*point))
            except Exception as e:  # noqa: BLE001 - the same error both ways is fine
                out.append(f"{type(e).__name__}: {e}")
    for f, _, _ in corpus:
        api._cache.pop(f, None)
    return out


def _never_replayed(self, rule, env, loc, same_shape, ans, want):
    return templates.Expansion(rule, "vjp", env, loc, same_shape, ans)


def test_replayed_expansions_generate_the_code_lowering_gives(monkeypatch):
    corpus = _corpus()
    replayed = _sources(corpus)
    monkeypatch.setattr(templates.Recipes, "expansion", _never_replayed)
    fresh = _sources(corpus)
    assert len(replayed) > 400
    for a, b in zip(replayed, fresh, strict=True):
        assert a == b


def two_products(x, y):
    u = x * y          # y's shape unknown against u: the rule keeps unbroadcast
    v = x * np.sin(x)  # both of x's shape: the rule drops it
    return np.sum(u * v)


def test_a_recipe_is_replayed_only_where_the_shape_answers_agree(monkeypatch):
    """``x * y`` and ``x * sin(x)`` bind the product rule alike (two
    distinct values, no constants) but answer its shape questions
    differently: the second is recorded anew, not replayed from the first."""
    recorded = []
    add = templates.Recipes.add
    monkeypatch.setattr(templates.Recipes, "add",
                        lambda self, key, phases: (recorded.append(key), add(self, key, phases)))
    api._cache.pop(two_products, None)
    src = api._build(two_products, (0, 1), "grad").source
    assert len(recorded) > len(set(recorded))   # one kind of binding, recorded twice
    monkeypatch.setattr(templates.Recipes, "expansion", _never_replayed)
    api._cache.pop(two_products, None)
    assert api._build(two_products, (0, 1), "grad").source == src
    x, y = np.array([0.3, -1.1, 2.0]), np.array([0.7])
    got = api._build(two_products, (0, 1), "grad")(x, y)
    api._cache.pop(two_products, None)
    assert_close(got, (numeric_grad(two_products, (x, y), 0),
                       numeric_grad(two_products, (x, y), 1)))


def test_constants_that_compare_equal_are_told_apart():
    """``0.0 == -0.0 == False`` and ``1 == 1.0 == True``, but a template
    folds each differently (``x * 1`` is ``x``, ``x * 1.0`` is a product)."""
    from s2s_ad.ir import nodes as ir
    rule = object()
    keys = {templates._binding_key(rule, {"x": ir.Const(v)}, [0])
            for v in (0.0, -0.0, 0, False, 1, 1.0, True)}
    assert len(keys) == 7
