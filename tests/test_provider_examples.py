"""The examples of the component provider (``examples/``) against the golden schema they are written
for, and the plugin's packaging. They cannot run here (no Pulumi CLI, no generated SDK), so: the
Pulumi YAML program is parsed, its inputs are sent to the plugin as the engine would, and the
TypeScript program's components, input names and outputs are checked against the schema (a
structural check, not a type check: compiling it needs the SDK ``pulumi package add`` generates)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from components_support import ACCESS, PROJECT, fresh_run, stack_config
from provider_support import Plugin

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "provider" / "schema.json").read_text(encoding="utf-8"))
YAML_EXAMPLE = ROOT / "examples" / "yaml" / "Pulumi.yaml"
TS_EXAMPLE = ROOT / "examples" / "typescript" / "index.ts"


def resource(token: str) -> dict:
    assert token in SCHEMA["resources"], f"{token} is not a component of the schema"
    return SCHEMA["resources"][token]


def check_inputs(token: str, given: set[str]) -> None:
    spec = resource(token)
    assert given <= set(spec["inputProperties"]), f"{token}: unknown inputs {given - set(spec['inputProperties'])}"
    assert set(spec.get("requiredInputs", [])) <= given, f"{token}: missing {set(spec['requiredInputs']) - given}"


# --- Pulumi YAML -----------------------------------------------------------------------------------

def yaml_program() -> dict:
    return yaml.safe_load(YAML_EXAMPLE.read_text(encoding="utf-8"))


def test_yaml_example_uses_the_schema():
    program = yaml_program()
    assert program["runtime"] == "yaml" and program["packages"] == {"meshplane": "../../provider"}
    assert (YAML_EXAMPLE.parent / program["packages"]["meshplane"] / "PulumiPlugin.yaml").is_file()
    for name, spec in program["resources"].items():
        check_inputs(spec["type"], set(spec["properties"]))
    for name, value in program["outputs"].items():
        resource_name, output = re.fullmatch(r"\$\{(\w+)\.(\w+)\}", value).groups()
        assert output in resource(program["resources"][resource_name]["type"])["properties"], name


def resolved(value: object, variables: dict) -> object:
    """A Pulumi YAML value with ``${variable}`` and ``${pulumi.cwd}`` resolved (all this example uses)."""
    if isinstance(value, dict):
        return {k: resolved(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v, variables) for v in value]
    if isinstance(value, str) and (whole := re.fullmatch(r"\$\{(\w+)\}", value)):
        return variables[whole.group(1)]
    if isinstance(value, str):
        return value.replace("${pulumi.cwd}", str(YAML_EXAMPLE.parent))
    return value


@pytest.fixture(scope="module")
def plugin():
    started = Plugin()
    yield started
    started.close()


def test_examples_use_the_platform_of_the_podcast_dev_stack():
    platform = stack_config("podcast-dev")["meshplane:platform"]
    assert yaml_program()["variables"]["platform"] == platform
    ts_config = yaml.safe_load((TS_EXAMPLE.parent / "Pulumi.dev.yaml").read_text(encoding="utf-8"))["config"]
    assert ts_config["meshplane-typescript-example:platform"] == platform


def test_yaml_example_constructs_as_written(plugin):
    program = yaml_program()
    built = {}
    for name, spec in program["resources"].items():
        built[name] = plugin.construct(spec["type"], name, resolved(spec["properties"], program["variables"]),
                                       stack="podcast-dev")
    outputs, inventory = built["podcast"]
    assert sorted(outputs["projectIds"]) == sorted(fresh_run("podcast-dev").outputs)
    assert len(inventory.of_type("meshplane:index:DataProduct")) == len(outputs["projectIds"]) > 1
    sandbox, dataset = built["analystSandbox"]
    assert sandbox["datasetId"] == "analyst_sandbox"
    assert [r.inputs["groupByEmail"] for r in dataset.of_type(ACCESS)] == ["analysts@daff.example"]


# --- TypeScript ------------------------------------------------------------------------------------

def matching_brace(text: str, start: int) -> int:
    """The index of the brace closing the one at ``start`` (strings in the example hold no braces)."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i
    raise AssertionError(f"unbalanced braces after offset {start}")


def top_level_keys(body: str) -> set[str]:
    """The keys of an object literal's body (``key: value`` or the shorthand ``key``)."""
    parts, depth, current = [], 0, ""
    for char in body:
        depth += {"{": 1, "[": 1, "(": 1, "}": -1, "]": -1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    keys = (re.match(r"\s*(\w+)\s*(?::|$)", p) for p in parts if p.strip() and not p.strip().startswith("//"))
    return {m.group(1) for m in keys if m}


def ts_components(source: str) -> list[tuple[str, str, set[str]]]:
    """(variable, component, input names) of each ``const x = new meshplane.X("name", {...})``."""
    found = []
    for m in re.finditer(r"const (\w+) = new meshplane\.(\w+)\(\s*\"[^\"]+\",\s*\{", source):
        start = m.end() - 1
        found.append((m.group(1), m.group(2), top_level_keys(source[start + 1:matching_brace(source, start)])))
    return found


def test_typescript_example_uses_the_schema():
    source = TS_EXAMPLE.read_text(encoding="utf-8")
    assert 'import * as meshplane from "@pulumi/meshplane";' in source
    components = ts_components(source)
    assert {c for _, c, _ in components} == {"DataProduct", "BigQueryDataset"}
    for variable, component, inputs in components:
        token = f"meshplane:index:{component}"
        check_inputs(token, inputs)
        used = set(re.findall(rf"(?<![\w/.-]){variable}\.(\w+)", source))
        assert used and used <= set(resource(token)["properties"]), f"{variable}: {used}"


def test_typescript_example_reads_a_declaration_of_the_repository():
    source = TS_EXAMPLE.read_text(encoding="utf-8")
    for relative in re.findall(r'path\.resolve\(__dirname, "([^"]+)"\)', source):
        assert (TS_EXAMPLE.parent / relative).resolve().is_file(), relative


def test_typescript_data_product_constructs_with_its_stack_config(plugin):
    config = yaml.safe_load((TS_EXAMPLE.parent / "Pulumi.dev.yaml").read_text(encoding="utf-8"))["config"]
    outputs, inventory = plugin.construct("meshplane:index:DataProduct", "podcast-catalog", {
        "declarationFile": str(ROOT / "blueprints" / "podcast" / "podcast-catalog.yaml"),
        "environment": config["meshplane-typescript-example:environment"],
        "platform": config["meshplane-typescript-example:platform"]})
    assert set(outputs) == set(resource("meshplane:index:DataProduct")["properties"])
    assert inventory.of_type(PROJECT)[0].inputs["projectId"] == outputs["projectId"]


def test_the_structural_check_notices_a_wrong_input():
    source = TS_EXAMPLE.read_text(encoding="utf-8").replace("datasetId:", "datasetID:")
    [(_, _, inputs)] = [c for c in ts_components(source) if c[1] == "BigQueryDataset"]
    with pytest.raises(AssertionError):
        check_inputs("meshplane:index:BigQueryDataset", inputs)


def test_the_readme_shows_the_typescript_example():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```typescript\n(.*?)```", readme, re.S)
    assert TS_EXAMPLE.read_text(encoding="utf-8") in blocks
    assert "pulumi package add" in readme


# --- the plugin's packaging ------------------------------------------------------------------------

def test_plugin_manifest_and_requirements():
    assert yaml.safe_load((ROOT / "provider" / "PulumiPlugin.yaml").read_text(encoding="utf-8")) == {"runtime": "python"}
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    lines = (ROOT / "provider" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == pinned
