"""Plan one stack offline: read its config as ``pulumi up`` would, run the program under mocks, and
let the GCP model judge the result (``deploy_checks``); or every stack of an environment in order."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..declaration.problems import DeclarationError, Problem
from ..gcpmodel.state import StateResource, project_numbers
from ..mesh.model import Mesh
from ..settings.platform import is_folder_id
from ..product import addresses
from ..settings.stack_config import StackSettings, is_platform_stack, load_platform_stack, load_stack, stack_file
from ..mesh.stack_order import StackOrder, built
from ..mesh.validation import check_stack
from .access_ledger import consumer_access, own_identities
from .deploy_checks import DeployChecks, deploy_checks, environment_order
from ..stack.stacks import read_stacks
from ..engine.harness import Inventory, paused_gc, run_program
from ..engine.mocks import GcpMocks, stand_in_folders, unknown_stand_ins
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
    checks: DeployChecks
    elsewhere: list[Problem] = field(default_factory=list)  # problems of products this stack does not touch
    state: Mapping[str, StateResource] | None = None  # the deployed state it was planned against, if any


def plan_stack(stack: str, stacks_dir: str | Path = "stacks", *, preview: bool = True,
               on_product: Callable[[str, int], None] | None = None,
               state: Mapping[str, StateResource] | None = None, order: StackOrder | None = None) -> Plan:
    """Plan ``stack`` (against ``state``, a deployed stack's, if given); ``DeclarationError`` for invalid
    config or declarations of the stack's products and their neighbours (others are ``elsewhere``),
    ``UsageError`` for an unknown stack. ``order``: the environment's deploy
    order, when already known."""
    from ..stack.program import main  # imports pulumi_gcp: only when a plan is made

    if is_platform_stack(stack, stacks_dir):
        return plan_platform_stack(stack, stacks_dir, preview=preview, state=state)
    settings = load_stack(stack, stacks_dir)
    root = Path(stacks_dir).resolve().parent
    mesh, problems, elsewhere = check_stack(settings, root)
    if problems:
        raise DeclarationError(problems)
    config = _raw_config(stack_file(stack, stacks_dir))
    mocks = GcpMocks(project_numbers(state) if state else None,  # the deployed projects' real numbers
                     stand_in_folders(settings.platform.organization_id, display_paths(settings)))
    inventory = run_program(lambda: main(root, mesh=mesh, on_product=on_product), project=PROJECT, stack=stack,
                            preview=preview, config=config, mocks=mocks)
    inventory.registrations = unknown_stand_ins(inventory.registrations, mocks.stand_in_ids)
    order = order or environment_order(settings.environment, stacks_dir, given={stack: (settings, mesh)})
    with paused_gc():
        checks = deploy_checks(stack, inventory.registrations, settings.platform, order, state)
        document = preview_document(inventory, stack=stack, project=PROJECT, changes=checks.changes)
    document["access"] = consumer_access(document, mesh, settings)  # who reads what, for ``diff``
    document["ownIdentities"] = own_identities(document, settings)
    return Plan(stack, settings, mesh, inventory, document, checks, elsewhere, state)


def plan_platform_stack(stack: str, stacks_dir: str | Path = "stacks", *, preview: bool = True,
                        state: Mapping[str, StateResource] | None = None) -> Plan:
    """Plan the platform stack: the shared grants of every domain stack, deployed after all of them."""
    from ..stack.platform_program import platform_main

    settings = load_platform_stack(stack, stacks_dir)
    inventory = run_program(lambda: platform_main(stacks_dir), project=PROJECT, stack=stack, preview=preview,
                            config=_raw_config(stack_file(stack, stacks_dir)), mocks=GcpMocks())
    stacks, _ = read_stacks(stacks_dir, strict=True)
    order = StackOrder("", order=[*stacks, stack], after={stack: sorted(stacks)},
                       runners={name: {addresses.runner_principal(p, s.platform, s.environment): p.id
                                       for p in built(m, s)} for name, (s, m) in stacks.items()})
    with paused_gc():
        checks = deploy_checks(stack, inventory.registrations, settings.platform, order, state)
        document = preview_document(inventory, stack=stack, project=PROJECT, changes=checks.changes)
    document["access"] = []  # the platform stack builds no product: its shared grants are in its steps
    return Plan(stack, settings, Mesh.load([]), inventory, document, checks, state=state)


def display_paths(settings: StackSettings) -> list[str]:
    """The folders the platform names by display path (looked up when a stack deploys)."""
    return sorted({f for f in settings.platform.folders.values() if not is_folder_id(f)})


def plan_environment(environment: str, stacks_dir: str | Path = "stacks") -> tuple[StackOrder, dict[str, Plan]]:
    """The first ``up`` of every stack of the environment, one after the other in deploy order
    (update mode, as ``pulumi up`` runs); problems in any stack's config or declarations are raised."""
    order = environment_order(environment, stacks_dir, strict=True)
    return order, {stack: plan_stack(stack, stacks_dir, preview=False, order=order) for stack in order.order}


def _raw_config(path: Path) -> dict:
    """The stack file's config values, as Pulumi hands them to the program."""
    return dict(yaml.safe_load(path.read_text())["config"])
