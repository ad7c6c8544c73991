"""The stack config's JSON Schema (``schemas/stack-config.schema.json``) and the generated part of
``docs/stack-config.md``, both from the model (``StackSettings``); ``python -m meshplane.cli.regen``
writes them with the declaration's."""

from __future__ import annotations

import json

from ..declaration.reference import model_tables
from .stack_config import NAMESPACE, NON_PRODUCTION, PlatformStackSettings, StackSettings

SCHEMA_ID = "https://meshplane.dev/schemas/stack-config.schema.json"
MARKER = "<!-- Generated below from the model by `python -m meshplane.cli.regen`: do not edit below. -->"
# Pulumi's own top-level keys of a stack file (workspace.ProjectStack), besides config.
PULUMI_KEYS = {
    "secretsprovider": "The stack's secrets provider (Pulumi's).",
    "encryptedkey": "The KMS-encrypted data key of a cloud secrets provider (Pulumi's).",
    "encryptionsalt": "The salt of the passphrase secrets provider (Pulumi's).",
    "environment": "Pulumi ESC environments imported by the stack (Pulumi's; not meshplane:environment).",
}


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a whole ``stacks/Pulumi.<stack>.yaml``: Pulumi's keys, and
    under ``config`` the ``meshplane:*`` keys (strict) beside other namespaces' (left alone)."""
    model = StackSettings.model_json_schema(by_alias=True, mode="validation")
    platform = PlatformStackSettings.model_json_schema(by_alias=True, mode="validation")
    domain_only = [f"{NAMESPACE}:{key}" for key in model["properties"] if key not in platform["properties"]]
    config = {
        "type": "object",
        "description": "Stack configuration: meshplane's keys and those of other namespaces (gcp:project...). "
                       "A domain stack's, or the platform stack's (`meshplane:role: platform`: role and platform only).",
        "properties": {f"{NAMESPACE}:{key}": value
                       for key, value in {**model["properties"], "role": platform["properties"]["role"]}.items()},
        "if": {"required": [f"{NAMESPACE}:role"]},
        "then": {"required": [f"{NAMESPACE}:{key}" for key in platform["required"]],
                 "not": {"anyOf": [{"required": [key]} for key in domain_only]}},
        "else": {"required": [f"{NAMESPACE}:{key}" for key in model["required"]]},
        "patternProperties": {rf"^(?!{NAMESPACE}:)[^:\s]+:\S": {
            "description": "A key of another namespace: not meshplane's, not checked here."}},
        "additionalProperties": False,
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "meshplane stack config (stacks/Pulumi.<stack>.yaml)",
            "description": StackSettings.__doc__.strip().replace("``", "`"), "type": "object",
            "properties": {"config": config, **{k: {"description": d} for k, d in PULUMI_KEYS.items()}},
            "required": ["config"], "additionalProperties": False, "$defs": model.get("$defs", {})}


def render_schema() -> str:
    """The schema as stable, indented JSON text (what ``schemas/`` holds)."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def _environments() -> list[str]:
    """What ``meshplane:environment`` implies: the production environment, production-like ones, the others."""
    others = ", ".join(f"`{e}`" for e in sorted(NON_PRODUCTION))
    declared = "the environment's (`environments.<env>` of the declaration, else the declared ones)"
    rows = [
        ("`draft` products", "not built (nor granted as consumers)", "not built (nor granted)", "built"),
        ("`proposed` products", "not built", "not built", "not built"),
        ("`purge: true` (retired products)",
         "refused: by `meshplane validate --stack` at its line, and by the `DataProduct` component", "refused",
         "lifts the protection of the product's project, datasets and tables (label `purge=true`), so "
         "removing the declaration deletes its data"),
        ("created projects", "`deletion_policy = PREVENT`", "`deletion_policy = PREVENT`",
         "`deletion_policy = DELETE` (still protected in Pulumi unless purged)"),
        ("policy `data-protected`", "every dataset and data table protected and retained", "the same",
         "the same, except data labelled `purge=true`"),
        ("operational sources", "as declared (production addresses)",
         "the environment's copy: the platform's `environments.<env>` maps production projects and buckets; "
         "an unmapped source, or one mapped to production, is refused unless governance `productionReads` "
         "allows it", "the same"),
        ("upstream data products", "their production port",
         "their port in the same environment; an upstream whose domain has no stack there (platform "
         "`environments.<env>.domains`) is refused unless the declaration's overlay reads a source of the "
         "environment or, allowed by `productionReads`, the production port (masked, read-only)", "the same"),
        ("consumers", "as declared",
         "consuming data products whose domain has a stack there, and the principals of the overlay's "
         "`consumers`; the declared principals are not granted", "the same"),
        ("schedule, SLOs", "as declared", declared, declared),
    ]
    return ["## Environments", "",
            "The production environment is the platform's `productionEnvironment` (default `prod`): "
            f"declarations are written for it. The environments {others} are non-production; any other value "
            "of `meshplane:environment` (`staging`, `preprod`...) is production-like: protected and governed "
            "as production, with its own sources and consumers (see [environments.md](environments.md)).", "",
            f"| | production (`prod`) | production-like (any other value) | non-production ({others}) |",
            "|---|---|---|---|",
            *[f"| {what} | {prod} | {like} | {other} |" for what, prod, like, other in rows], "",
            "In every environment its value is part of each project id (`<prefix>-<environment>-<domain>-"
            "<product>`, shortened to 30 characters), so of each runner's e-mail, and the `environment` "
            "label of every resource; a producer grants a consuming product only when the consumer is built "
            "in the same environment; `meshplane order --env` orders the stacks of one environment.", ""]


def render_generated() -> str:
    """The generated part of ``docs/stack-config.md``: environments, then one table per model."""
    lines = _environments() + ["## Keys", "",
                               f"The `{NAMESPACE}:*` keys under `config:`; keys of other namespaces are left alone.",
                               ""]
    return "\n".join(lines + model_tables(StackSettings, f"{NAMESPACE}:", level="###"))


def render_reference(current: str) -> str:
    """``docs/stack-config.md``: its hand-written part (``current`` up to the marker) and the generated part."""
    intro = current.split(MARKER, 1)[0].rstrip("\n") if MARKER in current else "# Stack config reference"
    return f"{intro}\n\n{MARKER}\n\n{render_generated()}"
