"""``bench/mutate.py``: the mutations it makes, and its module map against docs/testing.md."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("mutate", ROOT / "bench" / "mutate.py")
mutate = importlib.util.module_from_spec(_spec)
sys.modules["mutate"] = mutate  # dataclasses look their module up
_spec.loader.exec_module(mutate)

SOURCE = '''"""A docstring is never mutated."""
KEYS = ("a", "b")


def decide(x: int, y: str) -> bool:
    """Nor is this one."""
    if x == 1 and y in KEYS:
        return not False
    raise ValueError(f"bad {x}: no way")
'''


def test_each_mutation_changes_exactly_the_site_it_names():
    found = {(m.line, m.what) for m in mutate.mutants(SOURCE)}
    assert found == {(2, "drop element 'a'"), (2, "drop element 'b'"), (2, "swap constant 'a'"),
                     (2, "swap constant 'b'"), (7, "and <-> or"), (7, "flip Eq"), (7, "flip In"),
                     (7, "swap constant 1"), (8, "return None"), (8, "drop not"), (8, "swap constant False")}
    original = ast.unparse(ast.parse(SOURCE))
    for m in mutate.mutants(SOURCE):
        mutated = mutate.mutated_source(SOURCE, m)
        assert mutated != original and ast.parse(mutated)
    flipped = next(m for m in mutate.mutants(SOURCE) if m.what == "flip In")
    assert "y not in KEYS" in mutate.mutated_source(SOURCE, flipped)


def test_every_mapped_module_and_test_exists_and_the_doc_lists_them():
    doc = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    for module, tests in mutate.MAPPED.items():
        assert (ROOT / "components" / "meshplane" / module).is_file(), module
        assert all((ROOT / t).is_file() for t in tests), tests
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{module}` |"))
        assert [t for t in tests if f"`{t}`" not in row] == [], module
