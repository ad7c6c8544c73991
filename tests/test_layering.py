"""The package layout is the architecture: the table in ``docs/architecture.md`` § The map is enforced.

Each folder of ``components/meshplane`` may import only the folders its row lists (every import
counts, the lazy ones inside functions too), the rows form no cycle, the folders marked pure never
load ``pulumi`` or ``pulumi_gcp``, and no module sits at the package root but the public API.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "components" / "meshplane"
ROW = re.compile(r"^\| `(\w+)/` \| [^|]+ \| ([^|]+) \| (yes|no) \|$")
HEAVY = ("pulumi", "pulumi_gcp")


def layers() -> dict[str, tuple[set[str], bool]]:
    """folder -> (the folders it may import, pure), from the architecture document's table."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    rows = {}
    for line in text.split("## The map", 1)[1].splitlines():
        if m := ROW.match(line):
            allowed = m.group(2).strip()
            folders = ({"*"} if allowed == "every folder" else
                       set() if allowed == "—" else {a.strip() for a in allowed.split(",")})
            rows[m.group(1)] = (folders, m.group(3) == "yes")
    return rows


def folder_imports(path: Path) -> set[tuple[str, int]]:
    """The meshplane folders a module imports, with the line of each import."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
                names = [target] if node.module else [target + [a.name] for a in node.names]
            else:
                names = [(node.module or "").split(".")]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names]
        else:
            continue
        for parts in names:
            if len(parts) >= 2 and parts[0] == "meshplane" and any((PACKAGE / parts[1]).glob("*.py")):
                found.add((parts[1], node.lineno))
    return found


def folders() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and any(p.glob("*.py")))


def test_every_folder_has_a_row_and_every_row_a_folder():
    assert sorted(layers()) == folders()


def test_only_the_public_api_at_the_package_root():
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]


def test_the_layers_form_no_cycle():
    graph = {folder: allowed - {"*"} for folder, (allowed, _) in layers().items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message
        pytest.fail(f"the layers of docs/architecture.md make a cycle: {exc.args[1]}")
    assert set(order) >= set(graph)


def test_each_folder_imports_only_what_its_row_allows():
    rows = layers()
    wrong = []
    for folder in folders():
        allowed, _ = rows[folder]
        if "*" in allowed:
            continue
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            for target, line in sorted(folder_imports(path)):
                if target != folder and target not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)}:{line}: {folder}/ imports {target}/")
    assert not wrong, "imports the layer table does not allow:\n" + "\n".join(wrong)


def test_the_pure_folders_never_load_pulumi():
    """Import every module of the pure folders in a fresh interpreter: no pulumi, no pulumi_gcp."""
    pure = [folder for folder, (_, is_pure) in layers().items() if is_pure]
    modules = [".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
               for folder in pure for p in sorted((PACKAGE / folder).rglob("*.py")) if p.name != "__main__.py"]
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "    heavy = [h for h in " + repr(HEAVY) + " if h in sys.modules]\n"
            "    if heavy:\n"
            "        print(name, heavy); sys.exit(1)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONPATH": str(PACKAGE.parent), "PATH": ""})
    assert result.returncode == 0, f"a pure module loads pulumi: {result.stdout}{result.stderr}"


def test_the_declaration_imports_nothing_of_the_rest():
    assert layers()["declaration"] == (set(), True)


def test_the_layering_check_sees_a_lazy_back_edge(tmp_path):
    """The check is not vacuous: a lazy import of a folder above is found, with its line."""
    module = tmp_path / "components" / "meshplane" / "declaration" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text("def f():\n    from ..plan import run\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "components" / "meshplane"
    try:
        (PACKAGE / "plan").mkdir()
        (PACKAGE / "plan" / "run.py").write_text("")
        assert folder_imports(module) == {("plan", 2)}
    finally:
        PACKAGE = saved
