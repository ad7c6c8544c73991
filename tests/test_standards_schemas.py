"""Exports against the JSON Schemas the standards publish, for the version each export declares
(tests/data/standards, credited in its README), not only the library's model.

It cannot prove that a later revision of a schema keeps accepting them: the revisions of one
version differ (see docs/interop.md, Versions of the standards).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from helpers import BLUEPRINT_FILES, ROOT

from meshplane.cli.main import main
from meshplane.interop.odcs_versions import ODCS_VERSIONS, as_version

DATA = ROOT / "tests" / "data" / "standards"


def _validator(path: Path | str) -> jsonschema.Draft201909Validator:
    text = path.read_text(encoding="utf-8") if isinstance(path, Path) else path
    return jsonschema.Draft201909Validator(json.loads(text))


PACKAGE_ODCS = resources.files("open_data_contract_standard").joinpath("schema.json").read_text(encoding="utf-8")
SCHEMAS = {  # declared version -> every published schema of it
    "v3.2.0": [_validator(DATA / "odcs-json-schema-v3.2.0.json"), _validator(PACKAGE_ODCS)],
    "v3.1.0": [_validator(DATA / "odcs-json-schema-v3.1.0.json")],
}
ODPS = _validator(DATA / "odps-json-schema-v1.1.0.json")
BLUEPRINTS = [pytest.param(p, id=p.stem) for p in BLUEPRINT_FILES]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in validator.iter_errors(doc)]


def test_every_supported_version_has_its_published_schema():
    assert set(SCHEMAS) == set(ODCS_VERSIONS)
    for version, validators in SCHEMAS.items():
        for validator in validators:
            assert version in validator.schema["properties"]["apiVersion"]["enum"]
    assert "v1.1.0" in ODPS.schema["properties"]["apiVersion"]["enum"]


@pytest.mark.parametrize("version", ODCS_VERSIONS)
@pytest.mark.parametrize("path", BLUEPRINTS)
def test_contracts_validate_against_the_published_schema_of_the_version_they_declare(path, version):
    result = run("export", "odcs", path, "--standard-version", version, "--stack", "podcast-prod")
    assert result.exit_code == 0, result.output
    for doc in yaml.safe_load_all(result.stdout):
        assert doc["apiVersion"] == version
        for validator in SCHEMAS[version]:
            assert not errors(validator, doc)


@pytest.mark.parametrize("path", BLUEPRINTS)
def test_the_product_file_validates_against_the_published_odps_schema(path):
    result = run("export", "odps", path)
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(result.stdout)
    assert doc["apiVersion"] == "v1.1.0" and not errors(ODPS, doc)


def test_exports_use_nothing_only_some_revisions_allow():
    result = run("export", "odcs", "blueprints/podcast/podcast-demographics.yaml")
    assert "vendor:" not in result.stdout and "deprecated: true" not in result.stdout
    doc = yaml.safe_load(result.stdout)
    assert all("customProperties" not in s for s in doc["slaProperties"])
    frequency = next(s for s in doc["slaProperties"] if s["property"] == "frequency")
    assert "time zone" in frequency["description"]
    # the repository's v3.2.0 rejects what the package's allows: the difference these exports avoid
    tagged = doc | {"customProperties": [{"property": "x", "value": 1, "vendor": "meshplane"}]}
    assert errors(SCHEMAS["v3.2.0"][0], tagged) and not errors(SCHEMAS["v3.2.0"][1], tagged)


def test_an_unknown_standard_version_is_a_usage_error():
    result = run("export", "odcs", "blueprints/podcast/podcast-demographics.yaml", "--standard-version", "v3.0.2")
    assert result.exit_code == 2 and "'v3.0.2' is not one of 'v3.2.0', 'v3.1.0'" in result.output
    with pytest.raises(ValueError, match="unsupported ODCS version 'v2.2.2'"):
        as_version({}, "v2.2.2")


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
