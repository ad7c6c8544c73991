"""Generated files do not drift from the model, the JSON Schema accepts what meshplane accepts,
and the README's quick start is what CI runs."""

from __future__ import annotations

import re

import pytest
from helpers import BLUEPRINT_FILES, ROOT
from jsonschema import Draft202012Validator

from meshplane.declaration.reference import render_reference
from meshplane.declaration.schema import json_schema, render_schema
from meshplane.declaration.types import Archetype
from meshplane.declaration.yamlpos import parse
from meshplane.cli.scaffold import render_template

REGENERATE = "regenerate with: python -m meshplane.cli.regen"
MODELINE = "# yaml-language-server: $schema=../../schemas/data-product.schema.json"
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(json_schema())


def errors_of(validator, data) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def test_schema_file_is_up_to_date():
    checked_in = (ROOT / "schemas" / "data-product.schema.json").read_text(encoding="utf-8")
    assert checked_in == render_schema(), f"schemas/data-product.schema.json is stale; {REGENERATE}"


def test_reference_is_up_to_date():
    checked_in = (ROOT / "docs" / "declaration.md").read_text(encoding="utf-8")
    assert checked_in == render_reference(), f"docs/declaration.md is stale; {REGENERATE}"


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert {"apiVersion", "kind", "id", "outputPorts"} <= set(schema["properties"])
    assert schema.get("additionalProperties") is False


@pytest.mark.parametrize("path", BLUEPRINT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_schema_accepts_every_blueprint(validator, path):
    data = parse(path.read_text(encoding="utf-8")).data
    assert errors_of(validator, data) == []


@pytest.mark.parametrize("archetype", list(Archetype), ids=lambda a: a.value)
def test_schema_accepts_every_template(validator, archetype):
    text = render_template("sales.orders", archetype)
    data = parse(text).data
    assert data["type"] == archetype.value and data["id"] == "sales.orders"
    assert errors_of(validator, data) == []
    assert text.splitlines()[0] == MODELINE


def test_schema_refuses_what_the_model_refuses(validator, blueprint):
    blueprint["tpye"] = "aggregate"
    blueprint["outputPorts"][0]["schema"][0]["type"] = "INTEGER"
    blueprint["status"] = "live"
    found = errors_of(validator, blueprint)
    assert len(found) >= 3, found


@pytest.mark.parametrize("path", BLUEPRINT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_blueprint_starts_with_the_modeline(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == MODELINE
    assert (path.parent / "../../schemas/data-product.schema.json").resolve().is_file()


def test_blueprint_templates_are_the_packaged_templates():
    shown = sorted(p.name for p in (ROOT / "blueprints" / "templates").glob("*.yaml.tmpl"))
    assert shown == sorted(f"{a.value}.yaml.tmpl" for a in Archetype)


# --- the README's quick start and CI -------------------------------------------------------------


def quick_start_commands() -> list[str]:
    section = README.split("\n## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "no ```bash block under '## Quick start'"
    return [ln.strip() for ln in block.group(1).splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_quick_start_has_two_commands_and_ci_runs_them():
    commands = quick_start_commands()
    assert len(commands) == 2, commands
    ci_lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    for command in commands:
        assert command in ci_lines, f"CI does not run {command!r}"
    assert "meshplane plan --stack" in commands[0] and "pytest" in commands[1]


def test_quick_start_section_has_one_fenced_block():
    section = README.split("\n## Quick start", 1)[1].split("\n## ", 1)[0]
    assert section.count("```") == 2


def test_readme_states_the_blueprint_count():
    claimed = re.search(r"The first validates the example mesh \((\d+) data products", README)
    assert claimed, "the README no longer says what the first command prints"
    assert int(claimed.group(1)) == len(BLUEPRINT_FILES)
