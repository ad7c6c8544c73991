"""Plan one stack offline: read its config as ``pulumi up`` would, run the program under mocks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..declaration.problems import DeclarationError
from ..mesh import Mesh
from ..stack_config import StackSettings, load_stack, stack_file
from ..validation import check_mesh, stack_paths
from .harness import Inventory, run_program
from .preview import preview_document

PROJECT = "data-mesh"  # Pulumi.yaml's name: part of every URN


@dataclass
class Plan:
    """A stack's settings, the mesh it sees, its inventory and preview document."""

    stack: str
    settings: StackSettings
    mesh: Mesh
    inventory: Inventory
    document: dict


def plan_stack(stack: str, stacks_dir: str | Path = "stacks", *, preview: bool = True,
               on_product: Callable[[str, int], None] | None = None) -> Plan:
    """Plan ``stack``; ``DeclarationError`` for invalid config or declarations, ``UsageError`` for an unknown stack."""
    from ..program import main  # imports pulumi_gcp: only when a plan is made

    settings = load_stack(stack, stacks_dir)
    root = Path(stacks_dir).resolve().parent
    mesh, problems = check_mesh(stack_paths(settings.products, root), settings.platform.governance,
                                settings.platform, settings)
    if problems:
        raise DeclarationError(problems)
    config = _raw_config(stack_file(stack, stacks_dir))
    inventory = run_program(lambda: main(root, mesh=mesh, on_product=on_product), project=PROJECT, stack=stack,
                            preview=preview, config=config)
    return Plan(stack, settings, mesh, inventory,
                preview_document(inventory, stack=stack, project=PROJECT))


def _raw_config(path: Path) -> dict:
    """The stack file's config values, as Pulumi hands them to the program."""
    return dict(yaml.safe_load(path.read_text())["config"])
