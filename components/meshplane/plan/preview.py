"""An inventory in the shape of ``pulumi preview --json``: steps, change summary, diagnostics.

With no prior state every step is a ``create``; against a state (``changes``, from the GCP model)
each step is a ``create``, ``update``, ``replace``, ``delete`` or ``same`` with its ``oldState`` and,
as in the engine's JSON, ``diffReasons`` and ``replaceReasons``. URNs are the engine's, unknown
values are the engine's unknown sentinel, secrets are masked, and the document is sorted so that
the same inputs always give the same bytes. The real preview also shows provider defaults after
the provider's Check; this one shows the inputs meshplane sets.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping

from pulumi.output import Unknown
from pulumi.runtime import rpc

from ..engine.harness import STACK_TYPE, Inventory, Registration

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown sentinel
SECRET = "[secret]"
GCP_PROVIDER_VERSION = "10.2.0"


def preview_document(inventory: Inventory, *, stack: str, project: str, changes: Mapping | None = None) -> dict:
    """The preview JSON document of one stack run; ``changes`` (by URN) against a deployed state."""
    stack_urn = f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"
    provider_urn = provider_urn_of(stack, project)
    steps = [_stack_step(stack_urn), _provider_step(provider_urn)]
    if changes is not None:
        steps = [{**s, "op": "same"} for s in steps]
    steps += [_step(r, stack_urn, provider_urn) for r in sorted(inventory.registrations, key=lambda r: r.urn)]
    if changes is not None:
        steps = steps[:2] + [_against(s, changes[s["urn"]]) for s in steps[2:]]
        steps += [_deleted(c, stack_urn, provider_urn) for urn, c in sorted(changes.items()) if c.op == "delete"]
    return {
        "steps": steps,
        "changeSummary": dict(sorted(Counter(s["op"] for s in steps).items())),
        "diagnostics": [],
        "outputs": _clean(inventory.outputs),
    }


def _against(step: dict, change) -> dict:
    """A step with its operation against the deployed state, and why."""
    step = {**step, "op": change.op}
    if change.old is not None:
        step["oldState"] = _old_state(change.old)
    if change.op in ("update", "replace"):
        step["diffReasons"] = list(change.changed)
    if change.op == "replace":
        step["replaceReasons"] = list(change.replace_reasons)
    return step


def _deleted(change, stack_urn: str, provider_urn: str) -> dict:
    old = change.old
    provider = f"{provider_urn}::{UNKNOWN}" if old.custom and old.type.startswith("gcp:") else ""
    return {"op": "delete", "urn": change.urn, "provider": provider, "oldState": _old_state(old, stack_urn)}


def _old_state(old, stack_urn: str = "") -> dict:
    return {"urn": old.urn, "type": old.type, "custom": old.custom, "id": old.id, "inputs": _clean(old.inputs),
            "outputs": _clean(old.outputs), "parent": old.parent or stack_urn, "protect": old.protect,
            "retainOnDelete": old.retain_on_delete, "dependencies": list(old.dependencies)}


def render_json(document: dict) -> str:
    """Stable JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def provider_urn_of(stack: str, project: str) -> str:
    """The default gcp provider's URN, as the engine names it."""
    version = GCP_PROVIDER_VERSION.replace(".", "_")
    return f"urn:pulumi:{stack}::{project}::pulumi:providers:gcp::default_{version}"


def _step(r: Registration, stack_urn: str, provider_urn: str) -> dict:
    provider = f"{provider_urn}::{UNKNOWN}" if r.custom and r.type.startswith("gcp:") else ""
    state = {
        "urn": r.urn, "type": r.type, "custom": r.custom, "inputs": _clean(r.inputs),
        "parent": r.parent or stack_urn, "dependencies": sorted(r.dependencies),
        "protect": r.protect, "retainOnDelete": r.retain_on_delete,
    }
    if provider:
        state["provider"] = provider
    state.update(_options(r))
    return {"op": "create", "urn": r.urn, "provider": provider, "newState": state}


def _options(r: Registration) -> dict:
    """The resource options a review and the rules read, when set (as the engine's state names them)."""
    options = {"ignoreChanges": list(r.ignore_changes), "replaceOnChanges": list(r.replace_on_changes),
               "deleteBeforeReplace": r.delete_before_replace, "aliases": list(r.aliases)}
    if r.replacement_trigger is not None:
        options["replacementTrigger"] = _clean(r.replacement_trigger)
    return {key: value for key, value in options.items() if value}


def _stack_step(urn: str) -> dict:
    state = {"urn": urn, "type": STACK_TYPE, "custom": False, "inputs": {}, "parent": "",
             "dependencies": [], "protect": False, "retainOnDelete": False}
    return {"op": "create", "urn": urn, "provider": "", "newState": state}


def _provider_step(urn: str) -> dict:
    state = {"urn": urn, "type": "pulumi:providers:gcp", "custom": True,
             "inputs": {"version": GCP_PROVIDER_VERSION}, "parent": "", "dependencies": [],
             "protect": False, "retainOnDelete": False}
    return {"op": "create", "urn": urn, "provider": "", "newState": state}


_SCALARS = (str, bool, int, float, type(None))


def _clean(value: object) -> object:
    """Unknowns as the sentinel, secrets masked, containers recursively."""
    if type(value) in _SCALARS:  # most values: nothing to clean
        return value
    if isinstance(value, Unknown):
        return UNKNOWN
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value
