"""The generated docs are current."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_generated_docs_are_current():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for rel, make in gen.GENERATED.items():
        assert (ROOT / rel).read_text() == make(), f"{rel} is stale: run python scripts/gen_docs.py"
