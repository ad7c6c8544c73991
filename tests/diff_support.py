"""Helpers of the diff tests: copy the mesh, edit real declarations, plan base and head; build
documents by hand.

A scenario copies ``blueprints/``, ``stacks/`` and ``Pulumi.yaml`` into a temporary directory,
edits declarations there as a pull request would, and plans the stack. The base plan of a stack is
made once per test session from an unedited copy and must be treated as read-only.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

from meshplane.declaration.yamlpos import parse
from meshplane.governance import inventory_rules  # noqa: F401 - registers the rules
from meshplane.governance.inventory import RULES
from meshplane.plan.diff import Change, DiffResult, diff_documents
from meshplane.plan.run import plan_stack

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("blueprints", "stacks", "Pulumi.yaml")
CATALOG = "blueprints/podcast/podcast-catalog.yaml"
DEMOGRAPHICS = "blueprints/podcast/podcast-demographics.yaml"
YEAR_IN_REVIEW = "blueprints/playlist/year-in-review.yaml"
MONDAY = "blueprints/playlist/monday-playlists.yaml"

Edit = Callable[[Path], None]  # changes the copied repository in place
_BASES: dict[str, dict] = {}


def copy_mesh(dest: Path) -> Path:
    """``dest`` holding a copy of the declarations, stack files and Pulumi.yaml."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / name)
    return dest


def plan_document(root: Path, stack: str) -> dict:
    """The plan document of ``stack`` over the mesh under ``root``."""
    return plan_stack(stack, root / "stacks").document


def base_document(stack: str) -> dict:
    """The plan of the unedited mesh, made once per session (read-only)."""
    if stack not in _BASES:
        with tempfile.TemporaryDirectory() as scratch:
            _BASES[stack] = plan_document(copy_mesh(Path(scratch)), stack)
    return _BASES[stack]


def scenario(tmp_path: Path, *edits: Edit, stack: str = "podcast-prod") -> tuple[dict, dict]:
    """The base plan and the plan after applying ``edits`` to a copy of the mesh."""
    root = copy_mesh(tmp_path / "repo")
    for edit in edits:
        edit(root)
    return base_document(stack), plan_document(root, stack)


def edit_declaration(relpath: str, change: Callable[[dict], None]) -> Edit:
    """An edit: load the declaration (dates stay strings), ``change`` the data, write it back."""
    def apply(root: Path) -> None:
        path = root / relpath
        data = parse(path.read_text(encoding="utf-8")).data
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return apply


def delete_declaration(relpath: str) -> Edit:
    """An edit removing a declaration file from the mesh."""
    def apply(root: Path) -> None:
        (root / relpath).unlink()
    return apply


def output_port(data: dict, name: str) -> dict:
    return next(p for p in data["outputPorts"] if p["name"] == name)


def drop_input_port(data: dict, name: str) -> None:
    data["inputPorts"] = [p for p in data["inputPorts"] if p["name"] != name]


def with_inputs(document: dict, urn_suffix: str, change: Callable[[dict], None]) -> dict:
    """A deep copy of ``document`` whose resource ending in ``urn_suffix`` has ``change``d inputs."""
    edited = copy.deepcopy(document)
    state = next(s["newState"] for s in edited["steps"] if s["urn"].endswith(urn_suffix))
    change(state["inputs"])
    return edited


def document(*states: dict) -> dict:
    """A hand-built plan document of the given ``newState``s."""
    return {"steps": [{"op": "create", "urn": s["urn"], "newState": s} for s in states]}


def state(type_: str, name: str, inputs: dict, *, protect: bool = False, retain: bool = False, **options) -> dict:
    """A resource state of a hand-built document; the URN is made from type and name; ``options`` are
    resource options as the state names them (``replacementTrigger``, ``deleteBeforeReplace``...)."""
    urn = f"urn:pulumi:test::data-mesh::meshplane:index:DataProduct${type_}::{name}"
    return {"urn": urn, "type": type_, "custom": True, "inputs": inputs, "parent": "",
            "dependencies": [], "protect": protect, "retainOnDelete": retain, **options}


# --- for the tests: diffs of hand-built documents, scenario edits ---

def diff(base: dict, head: dict, *rule_names: str) -> DiffResult:
    """``diff_documents`` with only the named governance rules (hand-built resources break others)."""
    return diff_documents(base, head, rules=[r for r in RULES if r.name in rule_names])


def one(type_: str, old: dict, new: dict, **flags) -> Change:
    """The change of one resource from ``old`` to ``new`` inputs."""
    before, rules = flags.pop("before", {}), flags.pop("rules", ())
    result = diff(document(state(type_, "r", old, **before)), document(state(type_, "r", new, **flags)), *rules)
    (change,) = result.changes.values()
    return change


def by_name(result: DiffResult, name: str) -> Change:
    return next(c for c in result.changes.values() if c.name == name)


def ops(result: DiffResult) -> dict:
    """The counts of changes other than ``same`` (the number of resources grows with the program)."""
    return {op: n for op, n in result.summary["ops"].items() if n and op != "same"}


def add_consumer(data: dict) -> None:
    output_port(data, "demographics")["consumers"].append(
        {"principal": "group:ad-sales@daff.example", "purpose": "Advertising packages."})


def rename_port(data: dict) -> None:
    output_port(data, "episodes")["name"] = "episode_catalog"


def read_renamed_port(data: dict) -> None:
    next(p for p in data["inputPorts"] if p["name"] == "podcast_catalog")["outputPort"] = "episode_catalog"
