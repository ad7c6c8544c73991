"""CrossGuard adapter: the inventory rules of ``meshplane plan`` as a Pulumi policy pack.

``policies/__main__.py`` only builds ``PolicyPack(name=PACK_NAME, policies=policies())``; everything
else lives here, importable (and tested) without a policy server. ``pulumi_policy`` is imported only
when the policies are built, so converting resources needs nothing but meshplane.

* One ``StackValidationPolicy`` per rule of ``RULES`` (mandatory -> MANDATORY, advisory -> ADVISORY)
  runs ``check_inventory`` on the whole stack and reports each violation with ``report_violation(message,
  urn)``: the very functions ``meshplane plan`` runs on its offline plan.
* Stack policies receive resource *outputs*, while the rules (and the plan) read *inputs*. A resource
  policy, ``meshplane-inputs``, reports nothing: it records the inputs the engine hands to
  ``Analyze`` (for every registered resource, before the stack policies run, in the same process); the
  stack policies read those, completed by the outputs (an input unknown at ``Analyze`` is known in the
  outputs after an update). Outputs lose the provider-computed fields in ``OUTPUT_ONLY`` first (a
  dataset's ``accesses`` output is its whole ACL, the API's default OWNER entries included).
* Values unknown during a preview (and nulls) are dropped rather than raised: a rule judges what it can
  see; an unknown value is never a violation by itself.
* ``retain_on_delete`` is not passed to analyzers (pulumi-policy 1.21 ``PolicyResourceOptions`` has no such
  field): it is ``None`` (unknown) then, and ``data-protected`` checks ``protect`` only.

Settings: each policy accepts a ``governance`` object (the stack's ``meshplane:platform.governance``,
camelCase keys) in the pack config (``--policy-pack-config FILE``); it replaces the settings the pack was
built with. ``python -m meshplane.governance.crossguard STACK`` prints that file for a stack.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..settings.platform import GovernanceSettings
from .inventory import MANDATORY, RULES, Resource, Rule
from .inventory_check import check_inventory

PACK_NAME = "meshplane"
CONFIG_KEY = "governance"
RECORDER = "meshplane-inputs"

# pulumi_policy.proxy's sentinels for values unknown during preview (protocol constants).
UNKNOWNS = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58", "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
})

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # an input rules cannot see: never a violation by itself

# Outputs computed by the provider that mean something else than the input of the same name.
OUTPUT_ONLY = {"gcp:bigquery/dataset:Dataset": ("accesses",)}

_DROP = object()


def plain(value: Any) -> Any:
    """A plain copy of a CrossGuard property value: proxies unwrapped, unknown values and nulls dropped."""
    value = _target(value)
    if isinstance(value, Mapping):
        out = {str(k): _plain_or_drop(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _DROP}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [v for v in map(_plain_or_drop, value) if v is not _DROP]
    return value


def _plain_or_drop(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value in UNKNOWNS):
        return _DROP
    return plain(value)


def _target(value: Any) -> Any:
    """The wrapped dict or list of pulumi_policy's unknown-checking proxies (their documented escape)."""
    if isinstance(value, (dict, list, str, bytes)) or not isinstance(value, (Mapping, Sequence)):
        return value
    try:
        return value["__target"]
    except (KeyError, TypeError, IndexError):
        return value


def to_resource(policy_resource: Any, inputs: Mapping | None = None) -> Resource:
    """A ``Resource`` from a ``PolicyResource`` (stack) or ``ResourceValidationArgs`` (one resource).

    A ``PolicyResource``'s props are outputs: the fields of ``OUTPUT_ONLY`` are dropped from them, and
    ``inputs`` (recorded by ``meshplane-inputs``) win over them; an input unknown when it was recorded is
    taken from the outputs once known.
    """
    r = policy_resource
    props = plain(r.props)
    if hasattr(r, "dependencies"):  # a PolicyResource: its output-only fields are unknown as inputs
        props = {k: (UNKNOWN if k in OUTPUT_ONLY.get(r.resource_type, ()) else v) for k, v in props.items()}
        props |= {k: UNKNOWN for k in OUTPUT_ONLY.get(r.resource_type, ())}
    inputs = {**props, **(inputs or {})}
    opts = getattr(r, "opts", None)
    parent = getattr(r, "parent", None)
    parent_urn = getattr(parent, "urn", parent) or getattr(opts, "parent", None) or ""
    return Resource(urn=r.urn, type=r.resource_type, name=r.name, inputs=dict(inputs),
                    protect=bool(getattr(opts, "protect", False)),
                    retain_on_delete=getattr(opts, "retain_on_delete", None),  # None: unknown
                    parent=parent_urn,
                    dependencies=tuple(getattr(d, "urn", d) for d in getattr(r, "dependencies", None) or ()),
                    ignore_changes=tuple(getattr(opts, "ignore_changes", None) or ()))


def stack_resources(args: Any, recorded: Mapping[str, Mapping] | None = None) -> list[Resource]:
    """The resources of ``StackValidationArgs``, without the stack and provider resources."""
    recorded = recorded or {}
    return [to_resource(r, recorded.get(r.urn)) for r in args.resources
            if not r.resource_type.startswith(("pulumi:pulumi:", "pulumi:providers:"))]


def settings_from_config(config: Mapping | None, default: GovernanceSettings) -> GovernanceSettings:
    """The ``governance`` object of a policy's config, else ``default``."""
    given = plain((config or {}).get(CONFIG_KEY))
    if not given:
        return default
    try:
        return GovernanceSettings.model_validate(given)
    except ValueError as exc:
        raise ValueError(f"invalid '{CONFIG_KEY}' in the {PACK_NAME} policy pack config: {exc}") from exc


class InputRecorder:
    """The inputs ``Analyze`` saw, by URN (the stack policies see outputs only)."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict] = {}

    def validate(self, args: Any, _report_violation: Any) -> None:
        self.inputs[args.urn] = plain(args.props)


def validate_stack(rule: Rule, default: GovernanceSettings, recorder: InputRecorder | None = None):
    """A stack validation running ``rule`` and reporting each violation on its resource."""
    def validate(args: Any, report_violation: Any) -> None:
        config = args.get_config() if hasattr(args, "get_config") else None
        settings = settings_from_config(config, default)
        resources = stack_resources(args, recorder.inputs if recorder else None)
        for v in check_inventory(resources, settings, [rule]):
            report_violation(v.message, v.urn)
    return validate


def policies(settings: GovernanceSettings | None = None, rules: Iterable[Rule] | None = None) -> list:
    """The input recorder and one ``StackValidationPolicy`` per rule, for ``PolicyPack``."""
    from pulumi_policy import (EnforcementLevel, PolicyConfigSchema, ResourceValidationPolicy,
                               StackValidationPolicy)

    from . import inventory_rules  # noqa: F401 - registers the rules

    settings = settings or GovernanceSettings()
    recorder = InputRecorder()
    schema = PolicyConfigSchema(properties={CONFIG_KEY: {
        "type": "object",
        "description": "Governance settings (meshplane:platform.governance, camelCase); default: the pack's."}})
    out: list = [ResourceValidationPolicy(
        RECORDER, "Records each resource's inputs for the meshplane stack policies; never reports.",
        recorder.validate, enforcement_level=EnforcementLevel.ADVISORY)]
    for rule in (RULES if rules is None else rules):
        level = EnforcementLevel.MANDATORY if rule.level == MANDATORY else EnforcementLevel.ADVISORY
        out.append(StackValidationPolicy(rule.name, rule.description, validate_stack(rule, settings, recorder),
                                         enforcement_level=level, config_schema=schema))
    return out


def pack_config(settings: GovernanceSettings, rules: Iterable[Rule] | None = None) -> dict:
    """A ``--policy-pack-config`` document giving ``settings`` to every policy."""
    from . import inventory_rules  # noqa: F401 - registers the rules

    given = settings.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {rule.name: {CONFIG_KEY: given} for rule in (RULES if rules is None else rules)}


def main(argv: list[str]) -> int:
    """``python -m meshplane.governance.crossguard STACK [STACKS_DIR]``: print the pack config of a stack."""
    from ..settings.stack_config import load_stack

    if not 1 <= len(argv) <= 2:
        sys.stderr.write("usage: python -m meshplane.governance.crossguard STACK [STACKS_DIR]\n")
        return 2
    settings = load_stack(argv[0], argv[1] if len(argv) > 1 else "stacks").platform.governance
    sys.stdout.write(json.dumps(pack_config(settings), indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
