"""The SDK's own limit: register exactly the resources a plan recorded, and nothing else.

Every registration of the plan's inventory is registered again, in the recorded order, with the
same type, name, parent, inputs, protect/retainOnDelete flags and dependencies
(``pulumi.CustomResource`` / ``pulumi.ComponentResource``), under the same harness and mocks. No
validation, no SQL, no naming, no outputs plumbing: what remains is the cost of Pulumi itself.
"""

from __future__ import annotations

import importlib
import re

import pulumi

from meshplane.engine.harness import Inventory, Registration, run_program


def replay_program(registrations: list[Registration]):
    """A Pulumi program registering ``registrations`` as they were recorded."""

    def program() -> None:
        replayed: dict[str, pulumi.Resource] = {}
        for r in registrations:
            opts = _options(r, replayed)
            if r.custom:
                replayed[r.urn] = pulumi.CustomResource(r.type, r.name, props=dict(r.inputs), opts=opts)
            else:
                replayed[r.urn] = pulumi.ComponentResource(r.type, r.name, None, opts)

    return program


def typed_replay_program(registrations: list[Registration]):
    """The same, but each cloud resource through its pulumi_gcp class (a diagnostic, not the limit).

    What separates it from the plain replay is the cost of the provider SDK's typed classes
    (argument classes, every output property resolved); what separates the plan from it is ours.
    """

    def program() -> None:
        replayed: dict[str, pulumi.Resource] = {}
        for r in registrations:
            opts = _options(r, replayed)
            cls = provider_class(r.type) if r.custom else None
            if cls is not None:
                replayed[r.urn] = cls(r.name, **{_snake(k): v for k, v in r.inputs.items()}, opts=opts)
            elif r.custom:
                replayed[r.urn] = pulumi.CustomResource(r.type, r.name, props=dict(r.inputs), opts=opts)
            else:
                replayed[r.urn] = pulumi.ComponentResource(r.type, r.name, None, opts)

    return program


def _options(r: Registration, replayed: dict[str, pulumi.Resource]) -> pulumi.ResourceOptions:
    """The recorded options of ``r``, its parent and dependencies being the replayed resources."""
    return pulumi.ResourceOptions(
        parent=replayed.get(r.parent) if r.parent else None,
        protect=r.protect, retain_on_delete=r.retain_on_delete,
        depends_on=[replayed[d] for d in r.dependencies],
        delete_before_replace=r.delete_before_replace or None,
        ignore_changes=list(r.ignore_changes) or None)


def provider_class(type_: str):
    """The pulumi_gcp class of a type token (``gcp:bigquery/table:Table``), or None."""
    package, module, name = type_.split(":")
    if package != "gcp":
        return None
    return getattr(importlib.import_module(f"pulumi_gcp.{module.split('/')[0]}"), name, None)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def replay(registrations: list[Registration], *, stack: str, project: str = "data-mesh",
           preview: bool = True, typed: bool = False) -> Inventory:
    """Run the replay under the plan's harness; its inventory (the same URNs, checked by callers)."""
    program = (typed_replay_program if typed else replay_program)(registrations)
    return run_program(program, project=project, stack=stack, preview=preview)


def same_resources(a: Inventory, b: Inventory) -> bool:
    """Both inventories hold the same URNs, parents, dependencies, flags and inputs."""
    def key(inv: Inventory) -> dict:
        return {r.urn: (r.parent, sorted(r.dependencies), r.protect, r.retain_on_delete, r.inputs)
                for r in inv.registrations}
    return key(a) == key(b)
