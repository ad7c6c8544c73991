"""The component provider's schema as ``GetSchema`` serves it over gRPC (``provider_support.Plugin``):
the reviewed golden, Pulumi's package metaschema, and a lint; and the pure conversions of wire inputs.

Regenerate the golden with ``MESHPLANE_UPDATE_PROVIDER_SCHEMA=1 pytest tests/test_provider_schema.py``
and review its diff: it is the API every generated SDK (TypeScript, Go, C#, YAML) is built from.
What this cannot prove: that the CLI's codegen accepts everything the metaschema does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from provider_support import Plugin
from meshplane import __version__
from meshplane.wire.components import COMPONENTS
from meshplane.wire.convert import integral, joined

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "provider" / "schema.json"
METASCHEMA = ROOT / "tests" / "data" / "pulumi-package-metaschema.json"
UPDATE = os.environ.get("MESHPLANE_UPDATE_PROVIDER_SCHEMA") == "1"
BUILTIN_REFS = {"pulumi.json#/Any", "pulumi.json#/Asset", "pulumi.json#/Archive", "pulumi.json#/Json"}


@pytest.fixture(scope="module")
def plugin():
    started = Plugin()
    yield started
    started.close()


@pytest.fixture(scope="module")
def schema(plugin) -> dict:
    return plugin.schema()


def test_schema_matches_the_reviewed_golden(schema):
    text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    if UPDATE:
        SCHEMA.write_text(text, encoding="utf-8")
    assert SCHEMA.is_file(), f"no {SCHEMA}; run with MESHPLANE_UPDATE_PROVIDER_SCHEMA=1"
    assert text == SCHEMA.read_text(encoding="utf-8"), "the schema changed; regenerate with MESHPLANE_UPDATE_PROVIDER_SCHEMA=1"


def python_patterns(text: str) -> str:
    """The metaschema with its ECMA named groups ``(?<x>`` as Python's ``(?P<x>`` (``re`` knows only these)."""
    return text.replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace("(?P<!", "(?<!")


def test_schema_is_a_valid_pulumi_package(schema):
    metaschema = json.loads(python_patterns(METASCHEMA.read_text(encoding="utf-8")))
    jsonschema.Draft202012Validator.check_schema(metaschema)
    errors = sorted(jsonschema.Draft202012Validator(metaschema).iter_errors(schema), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


def test_schema_names_the_package_and_its_components(schema):
    assert (schema["name"], schema["version"]) == ("meshplane", __version__)
    assert sorted(schema["resources"]) == sorted(f"meshplane:index:{c.__name__}" for c in COMPONENTS)
    assert all(spec["isComponent"] for spec in schema["resources"].values())


def specs(schema: dict):
    """(where, spec) of every resource, type, property (nested items too) and enum value."""
    def nested(where, spec):
        yield where, spec
        for key in ("items", "additionalProperties"):
            if isinstance(spec.get(key), dict):
                yield from nested(f"{where}.{key}", spec[key])

    for kind in ("resources", "types"):
        for token, spec in schema.get(kind, {}).items():
            yield f"{kind}.{token}", spec
            for group in ("inputProperties", "properties"):
                for name, prop in spec.get(group, {}).items():
                    yield from nested(f"{kind}.{token}.{group}.{name}", prop)
            for value in spec.get("enum", []):
                yield f"{kind}.{token}.enum.{value.get('name', value['value'])}", value


def test_every_description_is_a_sentence(schema):
    bad = [where for where, spec in specs(schema) if not isinstance(spec.get("description"), str)
           or not spec["description"].strip()]
    assert not bad, f"without a description (a docstring in meshplane/wire/components.py): {bad}"


def test_every_ref_resolves(schema):
    refs = [(where, spec["$ref"]) for where, spec in specs(schema) if "$ref" in spec]
    assert refs, "the schema references no type: the lint would prove nothing"
    bad = [(where, ref) for where, ref in refs if ref not in BUILTIN_REFS
           and not (ref.startswith("#/types/") and ref.removeprefix("#/types/") in schema.get("types", {}))]
    assert not bad, bad


def test_enum_values_match_their_type(schema):
    python = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
    for token, spec in schema.get("types", {}).items():
        for value in spec.get("enum", []):
            assert isinstance(value["value"], python[spec["type"]]), f"{token}: {value}"


def test_required_inputs_are_inputs(schema):
    for token, spec in schema["resources"].items():
        assert set(spec.get("requiredInputs", [])) <= set(spec["inputProperties"]), token



# --- wire inputs -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "expected"), [
    (2.0, 2), (2.5, 2.5), (True, True), ("2", "2"), ({"a": [1.0, {"b": 3.0}]}, {"a": [1, {"b": 3}]}), (None, None)])
def test_integral_makes_whole_floats_ints(given, expected):
    result = integral(given)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("prefix", "path", "expected"), [
    ("platform", ("kmsKeys", "EU"), "platform.kmsKeys.EU"), ("readers", (1,), "readers[1]"),
    ("", ("domain",), "domain"), ("declarations[3]", ("outputPorts", "p", "version"), "declarations[3].outputPorts.p.version")])
def test_joined_property_paths(prefix, path, expected):
    assert joined(prefix, path) == expected
