"""Mutation testing of the decision modules: ``python bench/mutate.py MODULE [--list] [--limit N]``.

Applies a fixed set of AST mutations to one module at a time, runs the tests mapped to that module
(``MAPPED`` below, the same table as docs/testing.md) against each mutant and prints the kill ratio
and the surviving mutants. A survivor is a change to a decision that no test notices.

The mutations: flip a comparison (``==``/``!=``, ``<``/``>=``, ``in``/``not in``, ``is``/``is not``),
swap ``and``/``or``, drop a ``not``, drop one element of a literal tuple, list or set, swap a constant
(``True``/``False``, ``n``/``n + 1``, a non-empty string for ``""`` and the other way) and replace a
``return`` value by ``None``. Docstrings, annotations, f-strings and strings with a space (notes and
messages, whose mutants no decision depends on) are left alone.

The module is never edited in place: the mutants run on a copy of ``components/`` in a temporary
directory, first on the path. A mutant killed by a crash or a timeout counts as killed.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "components"

# module (relative to components/meshplane) -> the tests that pin its decisions, the module's own first
# (pytest stops at the first failure: most mutants are killed there, in seconds)
MAPPED: dict[str, list[str]] = {
    "gcpmodel/replacements.py": ["tests/test_decisions.py", "tests/test_decision_tables.py", "tests/test_diff.py"],
    "gcpmodel/table_losses.py": ["tests/test_decisions.py", "tests/test_diff.py", "tests/test_gcp_model.py"],
    "plan/diff_access.py": ["tests/test_decisions.py", "tests/test_decision_tables.py", "tests/test_diff.py"],
    "plan/diff.py": ["tests/test_decisions.py", "tests/test_decision_tables.py", "tests/test_diff.py"],
    "product/column_security.py": ["tests/test_column_security.py", "tests/test_column_decisions.py"],
    "governance/inventory_rules.py": ["tests/test_inventory_rule_decisions.py", "tests/test_inventory_rules.py"],
    "product/standards.py": ["tests/test_standards.py"],
    "sql/view_sql.py": ["tests/test_view_sql.py", "tests/test_view_sql_latest.py", "tests/test_column_decisions.py"],
}

FLIPS = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE,
         ast.LtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


@dataclass(frozen=True)
class Mutant:
    index: int  # the site's place in the walk order of the module's tree
    detail: int  # which variant at that site (e.g. which element is dropped)
    line: int
    what: str


def _skipped(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, f-strings and everything under them."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        roots: list[ast.AST] = []
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            roots.append(node.body[0])
        if isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        if isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            roots.append(node.returns)
        if isinstance(node, (ast.JoinedStr, ast.ImportFrom, ast.Import)):
            roots.append(node)
        for root in roots:
            skip.update(id(n) for n in ast.walk(root))
    return skip


def _variants(node: ast.AST) -> list[str]:
    """What can be done at ``node``: one description per variant."""
    if isinstance(node, ast.Compare):
        return [f"flip {type(op).__name__}" for op in node.ops if type(op) in FLIPS]
    if isinstance(node, ast.BoolOp):
        return ["and <-> or"]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ["drop not"]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and isinstance(getattr(node, "ctx", ast.Load()), ast.Load) \
            and len(node.elts) >= 2 and all(isinstance(e, ast.Constant) for e in node.elts):
        return [f"drop element {ast.unparse(e)}" for e in node.elts]
    if isinstance(node, ast.Constant) and node.value is not None and not isinstance(node.value, bytes) \
            and not (isinstance(node.value, str) and " " in node.value):  # prose: notes and messages
        return [f"swap constant {node.value!r}"]
    if isinstance(node, ast.Return) and node.value is not None \
            and not (isinstance(node.value, ast.Constant) and node.value.value is None):
        return ["return None"]
    return []


def _apply(node: ast.AST, detail: int) -> None:
    if isinstance(node, ast.Compare):
        flippable = [i for i, op in enumerate(node.ops) if type(op) in FLIPS]
        i = flippable[detail]
        node.ops[i] = FLIPS[type(node.ops[i])]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        del node.elts[detail]
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            node.value = not value
        elif isinstance(value, (int, float)):
            node.value = value + 1
        elif isinstance(value, str):
            node.value = "" if value else "mutant"
    elif isinstance(node, ast.Return):
        node.value = ast.Constant(None)


def _nodes(tree: ast.Module) -> list[ast.AST]:
    return list(ast.walk(tree))


def mutants(source: str) -> Iterator[Mutant]:
    tree = ast.parse(source)
    skip = _skipped(tree)
    for index, node in enumerate(_nodes(tree)):
        if id(node) in skip:
            continue
        for detail, what in enumerate(_variants(node)):
            yield Mutant(index, detail, getattr(node, "lineno", 0), what)


def mutated_source(source: str, mutant: Mutant) -> str:
    tree = ast.parse(source)
    node = _nodes(tree)[mutant.index]
    if isinstance(node, ast.UnaryOp):  # drop a ``not``: replace the node in its parent
        for parent in ast.walk(tree):
            for field, value in ast.iter_fields(parent):
                if value is node:
                    setattr(parent, field, node.operand)
                elif isinstance(value, list) and any(v is node for v in value):
                    value[[i for i, v in enumerate(value) if v is node][0]] = node.operand
    else:
        _apply(node, mutant.detail)
    return ast.unparse(ast.fix_missing_locations(tree))


def _run_tests(copy_root: Path, tests: list[str], timeout: float) -> bool:
    """Whether the tests pass against the package under ``copy_root``."""
    env = {**os.environ, "PYTHONPATH": str(copy_root)}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--tb=no", *tests]
    try:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=timeout).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", choices=sorted(MAPPED), help="module under components/meshplane")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--limit", type=int, default=0, help="run only the first N mutants")
    parser.add_argument("--line", type=int, action="append", default=[],
                        help="run only the mutants on this line (repeatable): recheck survivors")
    parser.add_argument("--timeout", type=float, default=0,
                        help="seconds per mutant (a timeout kills it); default four times the unmutated run")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped run still removes its copy
    relative = Path("meshplane") / args.module
    source = (PACKAGE / relative).read_text(encoding="utf-8")
    found = [m for m in mutants(source) if not args.line or m.line in args.line][: args.limit or None]
    if args.list:
        for m in found:
            print(f"{args.module}:{m.line}: {m.what}")
        return 0
    tests = MAPPED[args.module]
    with tempfile.TemporaryDirectory(prefix="meshplane-mutate-") as scratch:
        copy_root = Path(scratch) / "components"
        shutil.copytree(PACKAGE, copy_root, ignore=shutil.ignore_patterns("__pycache__"))
        target = copy_root / relative
        target.write_text(ast.unparse(ast.parse(source)), encoding="utf-8")
        started = time.monotonic()
        if not _run_tests(copy_root, tests, args.timeout or 600):
            print(f"the mapped tests fail on the unmutated {args.module}: fix them first", file=sys.stderr)
            return 2
        timeout = args.timeout or max(30.0, 4 * (time.monotonic() - started))  # a mutant that loops forever
        survivors, started = [], time.monotonic()
        for n, mutant in enumerate(found, 1):
            target.write_text(mutated_source(source, mutant), encoding="utf-8")
            if _run_tests(copy_root, tests, timeout):
                survivors.append(mutant)
                print(f"  survived {args.module}:{mutant.line}: {mutant.what}", flush=True)
            print(f"  [{n}/{len(found)}]", end="\r", file=sys.stderr, flush=True)
    killed = len(found) - len(survivors)
    print(f"{args.module}: {killed}/{len(found)} mutants killed ({killed / max(len(found), 1):.0%}), "
          f"{len(survivors)} survived, {time.monotonic() - started:.0f}s, tests: {' '.join(tests)}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
