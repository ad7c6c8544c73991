"""What the GCP model says about a plan: where the ``up`` would fail, what it changes in a deployed
stack, and who would see what once it has run.

* Order: the stacks of the environment this one deploys after (``stack_order``); a stack whose
  config or declarations cannot be read is left out of the order and named, never fatal to this plan.
* Existence: where a ``pulumi up`` of this plan fails (``gcpmodel.existence``), given that the stacks
  before it have deployed: the first ``up``, or the next against a state; and where it would delete a
  policy tag or masking policy binding another stack or product still declares (``shared_grants``).
* Changes: against a state (``pulumi stack export`` or ``meshplane simulate``), each resource created,
  updated, replaced, deleted or the same (``gcpmodel.next_up``).
* Visibility: who reads which rows and tagged columns of each table once the ``up`` is done
  (``gcpmodel.visibility`` over the simulated state).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..gcpmodel.existence import Failure, World, first_up, principal_key
from ..gcpmodel.next_up import CREATE, REPLACE, StateChange, next_up, unsafe_replacements
from ..gcpmodel.state import StateResource, project_numbers, simulate_up
from ..gcpmodel.visibility import Sight, visibility
from ..settings.platform import PlatformSettings
from ..settings.stack_config import is_platform_stack, stack_names
from ..mesh.stack_order import StackOrder, Unreachable, stack_order
from ..gcpmodel.replacements import DATASET
from .runbooks import DEFAULT_GROUPS
from .shared_grants import binding_resource, shared_deletions
from ..stack.tag_bindings import stack_tag_bindings
from ..stack.stacks import read_stacks


@dataclass
class DeployChecks:
    """The GCP model's findings about one stack's plan."""

    after: list[str] = field(default_factory=list)  # stacks that deploy before this one
    failures: list[Failure] = field(default_factory=list)
    unreachable: list[Unreachable] = field(default_factory=list)
    cycle: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # other stacks of the environment that could not be read
    changes: dict[str, StateChange] | None = None  # against a given state; None: a first up
    sights: list[Sight] = field(default_factory=list)
    state: dict[str, StateResource] = field(default_factory=dict)  # after the up
    open_datasets: list[tuple[str, list[str]]] = field(default_factory=list)  # still granting project roles


def deploy_checks(stack: str, registrations: list, platform: PlatformSettings, order: StackOrder,
                  state: Mapping[str, StateResource] | None = None) -> DeployChecks:
    """Order, existence, changes against ``state`` and visibility of one stack's registrations."""
    prior = dict(state or {})
    changes = next_up(registrations, prior) if state is not None else None
    created = {r.urn for r in registrations if changes is None or changes[r.urn].op in (CREATE, REPLACE)}
    kept = [prior[c.renamed_from or c.urn] for c in (changes or {}).values()
            if c.new is not None and c.op not in (CREATE, REPLACE)]
    failures = first_up(registrations, world_for(stack, order), existing=kept, created=created,
                        numbers=project_numbers(prior))
    failures += [Failure(urn, why) for urn, why in unsafe_replacements(changes or {})]
    failures += shared_deletions(changes or {}, registrations,
                                 {s: held for s, held in order.bindings.items() if s != stack})
    after = simulate_up(registrations, prior)
    granted = platform_granted(order.bindings.get(stack, set())) if platform.shared_grants == "platform" else []
    return DeployChecks(
        after=order.after.get(stack, []), failures=failures,
        unreachable=[u for u in order.unreachable if u.stack == stack], cycle=order.cycle, unread=order.unread,
        changes=changes, sights=visibility([*after.values(), *granted], masking(platform)),
        state=after, open_datasets=open_datasets(after.values()))


def platform_granted(bindings: set) -> list[StateResource]:
    """The stack's bindings on shared tags as the platform stack holds them (``sharedGrants: platform``):
    the stack creates none, but its readers see its tagged columns through them."""
    from ..gcp.shared_grants import binding_key

    return [StateResource(f"platform-stack::{binding_key(b)}", kind, inputs=inputs)
            for b in sorted(bindings) for kind, inputs in [binding_resource(b)]]


def open_datasets(state) -> list[tuple[str, list[str]]]:
    """Datasets whose ACL (as read back) still holds BigQuery's project-role defaults: ``project:dataset``
    and the special groups (created before meshplane created them closed, or by hand)."""
    found = []
    for s in state:
        if s.type == DATASET:
            groups = sorted({e.get("specialGroup") for e in s.outputs.get("accesses") or []} & set(DEFAULT_GROUPS))
            if groups:
                found.append((f"{s.inputs.get('project')}:{s.inputs.get('datasetId')}", groups))
    return sorted(found)


def world_for(stack: str, order: StackOrder) -> World:
    """What exists when ``stack`` deploys in the documented order, and what other stacks create."""
    before = order.created_before(stack)
    pending = {principal_key(p): s for p, s in order.created_by_others(stack).items() if p not in before}
    pending |= {principal_key(u.principal): "" for u in order.unreachable if u.stack == stack}
    return World({principal_key(p) for p in before}, pending)


def masking(platform: PlatformSettings) -> dict[str, str]:
    """Each data masking policy of the platform -> the policy tag it masks."""
    return {t.data_policy: t.policy_tag for tags in platform.policy_tags.values() for t in tags.values()}


def environment_order(environment: str, stacks_dir: str | Path = "stacks", *, strict: bool = False,
                      given: Mapping[str, tuple] | None = None) -> StackOrder:
    """The deploy order of the environment's stacks, each with the mesh its config sees; the platform
    stack, when the environment's stacks leave their shared grants to it, last (it grants their runners).

    ``given`` stacks (name -> settings and mesh) are used as they are, and so are their meshes for the
    stacks that see the same declarations. Another stack whose config or declarations have problems is
    left out and listed in ``unread`` (``strict``: its problems are raised)."""
    stacks, unread = read_stacks(stacks_dir, environment, strict=strict, given=given)
    order = stack_order(stacks, environment)
    order.unread = sorted(unread)
    order.bindings = {name: stack_tag_bindings(settings, mesh) for name, (settings, mesh) in stacks.items()}
    owned = [name for name, (settings, _) in stacks.items() if settings.platform.shared_grants == "platform"]
    platform = platform_stack_name(stacks_dir)
    if owned and platform and not order.cycle:
        order.after[platform] = list(order.order)
        order.order.append(platform)
        order.bindings[platform] = set().union(*(order.bindings[name] for name in owned))
    return order


def platform_stack_name(stacks_dir: str | Path = "stacks") -> str | None:
    """The platform stack of ``stacks_dir`` (``meshplane:role: platform``); None when there is none."""
    return next((name for name in stack_names(stacks_dir) if is_platform_stack(name, stacks_dir)), None)
