"""The ODPS product file: it references each output port's ODCS contract by id and version, and each
input port that reads another product by that product's contract id and major.

open-data-contract-standard ships no ODPS model or schema. The ODPS v1.1.0 JSON Schema is checked
when a package bundling it (dataproduct-cli) is installed; otherwise the structure is tested here.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import click
import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from helpers import BLUEPRINT_FILES, ROOT

from meshplane.declaration.loader import load_declaration
from meshplane.interop.commands import export_cmd, import_cmd
from meshplane.interop.odps import check_document

CLI = click.Group(commands={"export": export_cmd, "import": import_cmd})
BLUEPRINTS = [pytest.param(p, id=p.stem) for p in BLUEPRINT_FILES]
PRODUCTS = {load_declaration(p).id: p for p in BLUEPRINT_FILES}


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(*args):
    result = CliRunner().invoke(CLI, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def odps(path) -> dict:
    result = run("export", "odps", path)
    assert result.exit_code == 0, result.stderr
    return yaml.safe_load(result.stdout)


def contracts(path) -> dict[tuple[str, int], dict]:
    """The ODCS contracts of a product by (port, major)."""
    result = run("export", "odcs", path)
    assert result.exit_code == 0, result.stderr
    docs = [yaml.safe_load(t) for t in re.split(r"(?m)^---\n", result.stdout)]
    return {(d["name"], int(d["version"].split(".")[0])): d for d in docs}


@pytest.mark.parametrize("path", BLUEPRINTS)
def test_output_ports_reference_their_contracts_by_id_and_version(path):
    doc, product = odps(path), load_declaration(path)
    assert (doc["apiVersion"], doc["kind"], doc["name"], doc["version"], doc["type"]) == (
        "v1.1.0", "DataProduct", product.name, product.version, product.type.value)
    assert check_document(doc) == []
    own = contracts(path)
    assert [(p["name"], p["version"]) for p in doc["outputPorts"]] == [
        (p.name, p.version) for p in product.output_ports]
    for port, out in zip(product.output_ports, doc["outputPorts"]):
        contract = own[(port.name, port.major)]
        assert (out["contractId"], out["version"]) == (contract["id"], contract["version"])
        assert out.get("deprecated", False) == (port.deprecation is not None)


@pytest.mark.parametrize("path", BLUEPRINTS)
def test_input_ports_are_references_to_upstream_contracts(path):
    doc, product = odps(path), load_declaration(path)
    assert [p["name"] for p in doc.get("inputPorts", [])] == [p.name for p in product.input_ports]
    refs = []
    for port, out in zip(product.input_ports, doc.get("inputPorts", [])):
        if port.data_product is None:
            assert "contractId" not in out and "version" not in out
            assert out["customProperties"][0]["value"] == port.operational_address
            continue
        upstream = contracts(PRODUCTS[port.data_product])[(port.output_port, port.version)]
        assert (out["contractId"], out["version"]) == (upstream["id"], str(port.version))
        refs.append({"id": upstream["id"], "version": str(port.version)})
    for out in doc["outputPorts"]:
        assert out.get("inputContracts", []) == refs


def test_output_file(tmp_path):
    path = ROOT / "blueprints/player/play-sessions.yaml"
    result = run("export", "odps", path, "-o", tmp_path / "p.odps.yaml")
    assert result.exit_code == 0 and result.stdout == ""
    assert yaml.safe_load((tmp_path / "p.odps.yaml").read_text()) == odps(path)
    missing = run("export", "odps", tmp_path / "none.yaml")
    assert missing.exit_code == 2 and missing.stderr.startswith("meshplane: error: ")


def _bundled_odps_schema() -> Path | None:
    spec = importlib.util.find_spec("dataproduct")  # dataproduct-cli; located, not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    schema = Path(list(spec.submodule_search_locations)[0]) / "schemas" / "odps-1.1.0.schema.json"
    return schema if schema.is_file() else None


@pytest.mark.skipif(_bundled_odps_schema() is None, reason="no package bundling the ODPS JSON Schema")
def test_odps_json_schema():
    validator = jsonschema.Draft201909Validator(json.loads(_bundled_odps_schema().read_text()),
                                                format_checker=jsonschema.FormatChecker())
    errors = [f"{path.name}: {list(e.path)}: {e.message}" for path in BLUEPRINT_FILES
              for e in validator.iter_errors(odps(path))]
    assert not errors, errors
