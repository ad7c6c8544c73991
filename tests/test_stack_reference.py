"""The stack config's generated schema and reference do not drift from the model, every key is
documented, and the schema accepts the real stack files and refuses mistyped keys, as meshplane does.
(The schema is for editors: meshplane itself validates with the model, located by line.)"""

from __future__ import annotations

import copy

import pytest
import yaml
from helpers import ROOT
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from meshplane.declaration.reference import _models
from meshplane.settings.stack_config import StackSettings
from meshplane.settings.stack_reference import MARKER, json_schema, render_generated, render_reference, render_schema

REGENERATE = "regenerate with: python -m meshplane.cli.regen"
MODELINE = "# yaml-language-server: $schema=../schemas/stack-config.schema.json"
STACK_FILES = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
DOC = ROOT / "docs" / "stack-config.md"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(json_schema())


@pytest.fixture
def stack() -> dict:
    return yaml.safe_load((ROOT / "stacks" / "Pulumi.podcast-dev.yaml").read_text(encoding="utf-8"))


def errors_of(validator, data) -> list[str]:
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data))


def test_schema_file_is_up_to_date():
    checked_in = (ROOT / "schemas" / "stack-config.schema.json").read_text(encoding="utf-8")
    assert checked_in == render_schema(), f"schemas/stack-config.schema.json is stale; {REGENERATE}"


def test_reference_is_up_to_date():
    checked_in = DOC.read_text(encoding="utf-8")
    assert MARKER in checked_in, "docs/stack-config.md lost the marker above its generated part"
    assert checked_in.split(MARKER, 1)[1] == f"\n\n{render_generated()}", f"docs/stack-config.md is stale; {REGENERATE}"
    assert render_reference(checked_in) == checked_in


def test_regenerating_keeps_the_hand_written_intro_and_replaces_the_rest():
    stale = "# Title\n\nHand-written.\n\n" + MARKER + "\n\n## Old generated part\n"
    rendered = render_reference(stale)
    assert rendered.startswith("# Title\n\nHand-written.\n\n" + MARKER)
    assert "Old generated part" not in rendered and "### `PlatformSettings`" in rendered


def _stack_models() -> list[type[BaseModel]]:
    return _models(StackSettings)


@pytest.mark.parametrize("model", _stack_models(), ids=lambda m: m.__name__)
def test_every_stack_key_is_documented(model):
    undocumented = [name for name, info in model.model_fields.items() if not (info.description or "").strip()]
    assert undocumented == [], f"{model.__name__}: Field(description=...) missing for {undocumented}"
    assert (model.__doc__ or "").strip(), f"{model.__name__} has no docstring"


def test_the_reference_names_every_key_and_the_environments():
    text = DOC.read_text(encoding="utf-8")
    for model in _stack_models():
        prefix = "meshplane:" if model is StackSettings else ""
        for name, info in model.model_fields.items():
            assert f"| `{prefix}{info.alias or name}` |" in text, (model.__name__, name)
    environments = text.split("## Environments", 1)[1].split("\n## ", 1)[0]
    for value in ("`dev`", "`sandbox`", "`test`", "`prod`", "`purge: true`", "`draft`", "PREVENT"):
        assert value in environments


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    config = schema["properties"]["config"]
    assert set(config["properties"]) == {"meshplane:environment", "meshplane:domain", "meshplane:products",
                                         "meshplane:platform", "meshplane:role", "meshplane:transferSubjects"}
    assert config["additionalProperties"] is False and schema["additionalProperties"] is False
    assert config["properties"]["meshplane:platform"] == {**config["properties"]["meshplane:platform"],
                                                          "$ref": "#/$defs/PlatformSettings"}


def test_the_platform_stack_takes_role_and_platform_only(validator, stack):
    """``meshplane:role: platform``: no domain, environment or products; a domain stack needs them."""
    config = stack["config"]
    platform = {"config": {"meshplane:role": "platform", "meshplane:platform": config["meshplane:platform"]}}
    assert errors_of(validator, platform) == []
    assert errors_of(validator, {"config": {**platform["config"], "meshplane:domain": "podcast"}}) != []
    assert errors_of(validator, {"config": {"meshplane:platform": config["meshplane:platform"]}}) != []


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_file_validates_and_starts_with_the_modeline(validator, path):
    text = path.read_text(encoding="utf-8")
    assert errors_of(validator, yaml.safe_load(text)) == []
    assert text.splitlines()[0] == MODELINE
    assert (path.parent / "../schemas/stack-config.schema.json").resolve().is_file()


def test_other_namespaces_and_pulumi_keys_are_accepted(validator, stack):
    stack["config"]["gcp:project"] = "daff-platform"
    stack["config"]["data-mesh:anything"] = {"nested": [1, 2]}
    stack["secretsprovider"] = "passphrase"
    stack["encryptionsalt"] = "v1:abc"
    stack["environment"] = ["daff/platform"]
    assert errors_of(validator, stack) == []


@pytest.mark.parametrize("mutate, where", [
    (lambda s: s["config"].__setitem__("meshplane:enviroment", s["config"].pop("meshplane:environment")), "config"),
    (lambda s: s["config"]["meshplane:platform"].__setitem__("kmsKey", {}), "config.meshplane:platform"),
    (lambda s: s["config"]["meshplane:platform"]["governance"].__setitem__("allowedLocation", ["EU"]),
     "config.meshplane:platform.governance"),
    (lambda s: s.__setitem__("confg", {}), ""),
    (lambda s: s["config"].__setitem__("projectPrefix", "daff"), "config"),  # not namespaced
], ids=["meshplane-key", "platform-key", "governance-key", "top-level-key", "bare-key"])
def test_schema_refuses_a_mistyped_key(validator, stack, mutate, where):
    broken = copy.deepcopy(stack)
    mutate(broken)
    found = errors_of(validator, broken)
    assert found and all(f.split(": ", 1)[0] == where for f in found), found


@pytest.mark.parametrize("folder, ok", [
    ("folders/100000000001", True), ("100000000001", True), ("data-products/brokerage", True),
    ("Data Products/Brokerage_EU 2", True), ("x" * 30, True), ("/".join("abcdefghij"), True),
    ("/data-products", False), ("data-products/", False), ("a//b", False), ("-data", False), ("data-", False),
    ("x" * 31, False), ("/".join("abcdefghijk"), False), ("folders/abc", False), ("organizations/1", False),
    ("data.products", False),
])
def test_schema_and_model_agree_on_folders(validator, stack, folder, ok):
    stack["config"]["meshplane:platform"]["folders"]["podcast"] = folder
    assert (errors_of(validator, stack) == []) is ok
    config = {k.split(":", 1)[1]: v for k, v in stack["config"].items() if k.startswith("meshplane:")}
    try:
        StackSettings.model_validate(config)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted is ok

