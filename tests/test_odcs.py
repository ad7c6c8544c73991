"""ODCS contracts: every blueprint port exports a valid contract (pydantic model and JSON Schema of
open-data-contract-standard), export -> import -> export is byte-identical, and an import reports,
located, every field it does not keep."""

from __future__ import annotations

import json
import re
from importlib import resources
import shutil
import uuid

import click
import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from helpers import BLUEPRINT_FILES, ROOT, at, product, write
from open_data_contract_standard.model import OpenDataContractStandard

from meshplane.product import addresses, standards
from meshplane.declaration.loader import check_text, load_declaration
from meshplane.declaration.yamlpos import parse
from meshplane.interop.yaml_text import port_spans
from meshplane.interop.commands import export_cmd, import_cmd, merge_text
from meshplane.interop.odcs import Defaults, duration_sla
from meshplane.interop.odcs_import import read_port
from meshplane.settings.stack_config import load_stack

CLI = click.Group(commands={"export": export_cmd, "import": import_cmd})
ODCS_SCHEMA = jsonschema.Draft201909Validator(json.loads(
    resources.files("open_data_contract_standard").joinpath("schema.json").read_text(encoding="utf-8")))
PROBLEM_LINE = re.compile(r"^\S+:\d+:\d+: ")
BLUEPRINTS = [pytest.param(p, id=p.stem) for p in BLUEPRINT_FILES]


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(*args):
    result = CliRunner().invoke(CLI, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def export(declaration, *args) -> list[str]:
    """The contracts of ``declaration`` as YAML texts (stdout is a multi-document stream)."""
    result = run("export", "odcs", declaration, *args)
    assert result.exit_code == 0, result.stderr
    return re.split(r"(?m)^---\n", result.stdout)


def assert_valid(text: str) -> dict:
    doc = yaml.safe_load(text)
    OpenDataContractStandard.from_string(text)
    errors = [f"{list(e.path)}: {e.message}" for e in ODCS_SCHEMA.iter_errors(doc)]
    assert not errors, errors
    return doc


@pytest.mark.parametrize("path", BLUEPRINTS)
def test_every_port_exports_a_valid_contract(path, tmp_path):
    product_ = load_declaration(path)
    result = run("export", "odcs", path, "--stack", "podcast-prod", "--stack", "podcast-dev", "-d", tmp_path)
    assert result.exit_code == 0, result.stderr
    files = sorted(tmp_path.glob("*.odcs.yaml"))
    assert len(files) == len(product_.output_ports)
    stacks = [load_stack("podcast-prod"), load_stack("podcast-dev")]
    for port in product_.output_ports:
        file = tmp_path / f"{product_.id}.{port.name}.v{port.major}.odcs.yaml"
        doc = assert_valid(file.read_text())
        urn = standards.port_urn(product_.domain, product_.name, port.name, port.major)
        assert doc["id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, urn))
        assert (doc["name"], doc["version"]) == (port.name, port.version)
        assert [(s["environment"], s["project"], s["dataset"]) for s in doc["servers"]] == [
            (s.environment, addresses.project_id(product_, s.platform, s.environment),
             addresses.port_dataset_id(product_, port)) for s in stacks]
        names = [p["name"] for p in doc["schema"][0]["properties"]]
        assert names == [c.name for c in port.columns]


@pytest.mark.parametrize("path", BLUEPRINTS)
def test_export_import_export_is_byte_identical(path, tmp_path):
    text = path.read_text()
    product_ = load_declaration(path)
    for port, contract_text in zip(product_.output_ports, export(path)):
        assert_valid(contract_text)
        file = write(tmp_path / "c.odcs.yaml", contract_text)
        imported, _ = read_port(parse(contract_text), str(file), Defaults.of(product_))
        merged = merge_text(text, product_, imported)  # the text edit --into makes, even when unchanged
        new_product, problems = check_text(merged, str(path))
        assert not problems, problems
        assert new_product.model_dump(exclude={"output_ports"}) == product_.model_dump(exclude={"output_ports"})
        again = write(tmp_path / "d.yaml", merged)
        assert export(again, "--port", f"{port.name}@v{port.major}") == [contract_text]
        # only the port's own lines changed
        i = product_.output_ports.index(port)
        start, end = port_spans(text)[0][i]
        new_start, new_end = port_spans(merged)[0][i]
        assert merged[:new_start] == text[:start] and merged[new_end:] == text[end:]


@pytest.mark.parametrize("path", BLUEPRINTS)
def test_import_into_the_declaration_it_came_from_changes_nothing(path, tmp_path):
    declaration = tmp_path / path.name
    shutil.copy(path, declaration)
    out = run("export", "odcs", path, "--stack", "podcast-prod", "-d", tmp_path / "c")
    assert out.exit_code == 0
    for contract in sorted((tmp_path / "c").iterdir()):
        result = run("import", "odcs", contract, "--into", declaration)
        assert result.exit_code == 0, result.stderr
        assert result.stderr == "" and "unchanged" in result.stdout
    assert declaration.read_text() == path.read_text()


def test_import_without_into_prints_the_port_and_names_the_product_fields(tmp_path):
    path = ROOT / "blueprints/listener/listener-profiles.yaml"
    contract = write(tmp_path / "c.yaml", export(path, "--port", "profiles@v2")[0])
    result = run("import", "odcs", contract)
    assert result.exit_code == 0, result.stderr
    port = yaml.safe_load(result.stdout)[0]
    original = yaml.safe_load(path.read_text())["outputPorts"][1]
    assert port == original
    access = [line for line in result.stderr.splitlines() if ": took access from the contract: " in line]
    assert len(access) == len(original["consumers"]) + len(original.get("rowFilters", [])) > 0
    note, terms, summary = [line for line in result.stderr.splitlines() if line not in access]
    assert note.startswith(f"{contract}:1:1: (document): not compared without --into") and "team" in note
    where = at(contract, "limitations:", "'Deleted")
    assert terms.startswith(f"{where}: description.limitations: usage "
                            "restrictions are the product's, not the port's; given [")
    assert "'No export outside the EU.'" in terms and terms.endswith("expected them in the product's "
                                                                     "policies.usageRestrictions")
    assert summary == f"2 fields of {contract} not imported as given (see above)"


FOREIGN = """\
apiVersion: v3.1.0
kind: DataContract
id: 53581432-6c55-4ba2-a65f-72344a91553a
name: orders
version: 1.1.0
status: active
domain: podcast
contractCreatedTs: "2025-01-01T00:00:00Z"
description:
  purpose: Orders of the shop.
schema:
  - name: orders_tbl
    physicalType: table
    description: One row per order.
    quality:
      - {metric: rowCount, mustBeGreaterThan: 0}
    properties:
      - name: order_id
        logicalType: string
        physicalType: VARCHAR(36)
        required: true
        primaryKey: true
      - {name: amount, logicalType: number, physicalType: "NUMERIC(10,2)", logicalTypeOptions: {minimum: 0}}
      - name: lines
        logicalType: array
        items:
          logicalType: object
          properties: [{name: sku, physicalType: STRING}, {name: qty, logicalType: integer}]
      - name: processing_time
        logicalType: timestamp
        required: true
        customProperties: [{property: role, value: processingTime}]
  - name: order_lines
    properties: [{name: x, logicalType: string}]
slaProperties:
  - {property: latency, value: 4, unit: d}
  - {property: freshness, value: 24, unit: hours, element: orders_tbl.processing_time}
  - {property: retention, value: 5, unit: fortnights}
servers:
  - {server: prod, type: snowflake, account: x, database: y, schema: z}
roles:
  - {role: reader, access: read}
"""


def test_lossy_fields_are_reported_where_they_are(tmp_path):
    contract = write(tmp_path / "orders.odcs.yaml", FOREIGN)
    declaration = write(tmp_path / "d.yaml", product("podcast.shop", policies={
        "location": "EU", "confidentiality": "internal", "retention": "P3Y"}))
    result = run("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 0, result.stderr
    *lines, summary = result.stderr.splitlines()
    assert all(PROBLEM_LINE.match(line) for line in lines) and summary.endswith("(see above)")
    expected = {
        "id": (at(contract, "id:", "5358"), "derives the contract id"),
        "contractCreatedTs": (at(contract, "contractCreatedTs"), "not imported"),
        "schema[orders_tbl].name": (at(contract, "- name: orders_tbl", "orders_tbl"), "<port>_v<major>"),
        "schema[orders_tbl].quality[0].mustBeGreaterThan": (
            at(contract, "{metric: rowCount", "mustBeGreaterThan"), "not imported: read as rowCount minRows 1"),
        "schema[orders_tbl].properties[order_id].physicalType": (
            at(contract, "VARCHAR", "VARCHAR"), "given 'VARCHAR(36)'; meshplane exports 'STRING'"),
        "schema[orders_tbl].properties[order_id].primaryKey": (at(contract, "primaryKey"), "not imported"),
        "schema[orders_tbl].properties[amount].physicalType": (at(contract, "\"NUMERIC(10", "\"NUMERIC"),
                                                               "exports 'NUMERIC'"),
        "schema[orders_tbl].properties[amount].logicalTypeOptions": (at(contract, "logicalTypeOptions",
                                                                        "logicalTypeOptions"), "not imported"),
        "schema[order_lines]": (at(contract, "- name: order_lines", "name"), "only the first schema object"),
        "slaProperties[freshness].unit": (at(contract, "unit: hours", "hours"),
                                          "given 'hours'; meshplane exports 'h'"),
        "slaProperties[retention].unit": (at(contract, "unit: fortnights", "fortnights"),
                                          "cannot read 5 fortnights"),
        "servers": (at(contract, "servers"), "not imported: meshplane derives the BigQuery server"),
        "roles": (at(contract, "roles"), "not imported"),
    }
    for field, (where, phrase) in expected.items():
        hits = [line for line in lines if line.startswith(f"{where}: {field}: ")]
        assert hits and phrase in hits[0], (field, where, result.stderr)
    assert not [line for line in lines if ": apiVersion: " in line]  # meshplane writes its own: not news
    product_lines = [line for line in lines if ": (product): " in line]
    assert len(product_lines) == 1 and product_lines[0].startswith(f"{at(contract, 'purpose:', 'purpose')}: (product): ")
    assert f"differ from {declaration} and were not imported: description.purpose, slaProperties[latency];" \
        in product_lines[0]
    port = load_declaration(declaration).output_ports[-1]
    lines_column = next(c for c in port.columns if c.name == "lines")
    assert (lines_column.type.value, lines_column.repeated) == ("RECORD", True)
    assert [(f.name, f.type.value) for f in lines_column.fields] == [("sku", "STRING"), ("qty", "INT64")]
    assert port.slos.freshness == "PT24H" and port.retention is None
    assert [q.model_dump(by_alias=True, exclude_none=True, mode="json") for q in port.quality] == [
        {"dimension": "completeness", "description": "The port table has at least 1 row.", "rule": "rowCount",
         "minRows": 1}]  # ODCS's own example, > 0 rows, as the scan's check


def test_into_updates_the_port_and_keeps_the_rest_of_the_file(tmp_path):
    path = ROOT / "blueprints/podcast/podcast-demographics.yaml"
    declaration = tmp_path / path.name
    shutil.copy(path, declaration)
    doc = yaml.safe_load(export(path)[0])
    doc["version"] = "1.3.0"
    doc["schema"][0]["properties"].insert(4, {"name": "plays", "logicalType": "integer",
                                              "physicalType": "INT64", "description": "Episode plays.",
                                              "classification": "internal"})
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    result = run("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    assert result.stdout == f"{declaration}: output port demographics v1 updated\n"
    old, new = path.read_text(), declaration.read_text()
    (start, end), (new_start, new_end) = port_spans(old)[0][0], port_spans(new)[0][0]
    assert new[:new_start] == old[:start] and new[new_end:] == old[end:]  # comments kept outside the port
    port = load_declaration(declaration).output_ports[0]
    assert port.version == "1.3.0" and port.columns[4].name == "plays"
    assert yaml.safe_load(export(declaration)[0]) == doc


def test_a_new_major_is_added_after_its_port_or_refused_with_the_products_reason(tmp_path):
    path = ROOT / "blueprints/podcast/podcast-demographics.yaml"
    doc = yaml.safe_load(export(path)[0])
    doc["version"] = "2.0.0"
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    declaration = tmp_path / path.name
    shutil.copy(path, declaration)
    refused = run("import", "odcs", contract, "--into", declaration)
    assert refused.exit_code == 1 and "not written" in refused.stderr
    assert "a port's major version is ahead of the product's" in refused.stderr
    assert declaration.read_text() == path.read_text()
    declaration.write_text(path.read_text().replace("version: 1.2.0   ", "version: 2.0.0   ", 1))
    added = run("import", "odcs", contract, "--into", declaration)
    assert added.exit_code == 0, added.stderr
    ports = load_declaration(declaration).output_ports
    assert [(p.name, p.version) for p in ports] == [("demographics", "1.2.0"), ("demographics", "2.0.0")]


def test_port_selection_and_outputs(tmp_path):
    path = ROOT / "blueprints/listener/listener-profiles.yaml"
    assert len(export(path)) == 2 and len(export(path, "--port", "profiles")) == 2
    one = export(path, "--port", "profiles@v2")
    assert yaml.safe_load(one[0])["version"] == "2.0.0"
    assert run("export", "odcs", path, "--port", "profiles@v2", "-o", tmp_path / "c.yaml").exit_code == 0
    assert (tmp_path / "c.yaml").read_text() == one[0]


@pytest.mark.parametrize("args, phrase", [
    (["blueprints/nope.yaml"], "no such file"),
    (["blueprints/listener/listener-profiles.yaml", "--port", "nope"], "no output port 'nope'"),
    (["blueprints/listener/listener-profiles.yaml", "--port", "profiles@v3"], "profiles@v1, profiles@v2"),
    (["blueprints/listener/listener-profiles.yaml", "-o", "x.yaml"], "-o writes one contract; 2 selected"),
    (["blueprints/listener/listener-profiles.yaml", "--stack", "nope"], "unknown stack 'nope'"),
])
def test_export_usage_errors(args, phrase):
    result = run("export", "odcs", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("meshplane: error: ") and phrase in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("edit, line_has, value, phrase", [
    (lambda d: d.update(kind="DataProduct"), "kind:", "DataProduct", "not a data contract"),
    (lambda d: d["schema"][0]["properties"][0].update(physicalType="WEIRD", logicalType="blob"),
     "WEIRD", "WEIRD", "no BigQuery type"),
    (lambda d: d["schema"][0]["properties"][0].update(name="bad name"), "bad name", "bad name",
     "not a valid BigQuery column name"),
    (lambda d: d.update(version="one"), "version: one", "one", "not a semantic version"),
    (lambda d: d["schema"][0]["properties"][0].update(required="maybe"), "required: maybe", "maybe",
     "not valid ODCS"),
])
def test_contracts_that_cannot_become_a_port_are_refused_located(tmp_path, edit, line_has, value, phrase):
    doc = yaml.safe_load(export(ROOT / "blueprints/podcast/podcast-demographics.yaml")[0])
    edit(doc)
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    result = run("import", "odcs", contract)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"{at(contract, line_has, value)}: ") and phrase in result.stderr


def test_import_usage_and_yaml_errors(tmp_path):
    missing = run("import", "odcs", tmp_path / "none.yaml")
    assert missing.exit_code == 2 and missing.stderr.startswith("meshplane: error: ")
    broken = write(tmp_path / "b.yaml", "kind: [DataContract\n")
    result = run("import", "odcs", broken)
    assert result.exit_code == 1 and result.stderr.startswith(f"{broken}:2:1: ")
    contract = write(tmp_path / "c.yaml", export(ROOT / "blueprints/charts/top-forty.yaml")[0])
    bad_into = run("import", "odcs", contract, "--into", tmp_path / "nope.yaml")
    assert bad_into.exit_code == 2 and bad_into.stderr.startswith("meshplane: error: ")


def test_a_flow_style_port_list_is_not_edited(tmp_path):
    doc = product("podcast.shop")
    ports = doc.pop("outputPorts")
    text = yaml.safe_dump(doc, sort_keys=False) + f"outputPorts: {json.dumps(ports)}\n"
    declaration = write(tmp_path / "d.yaml", text)
    exported = yaml.safe_load(export(declaration)[0])
    exported["version"] = "1.0.1"
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(exported, sort_keys=False))
    before = declaration.read_text()
    result = run("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 1 and "cannot edit the output ports" in result.stderr
    assert declaration.read_text() == before


@pytest.mark.parametrize("iso, prop, expected", [
    ("PT26H", "freshness", {"value": 26, "unit": "h"}), ("PT15M", "freshness", {"value": 15, "unit": "m"}),
    ("P1D", "freshness", {"value": 1, "unit": "d"}), ("P1DT2H", "freshness", {"value": "P1DT2H"}),
    ("P3Y", "retention", {"value": 3, "unit": "y"}), ("P6M", "retention", {"value": 6, "unit": "m"}),
    ("PT30M", "retention", {"value": "PT30M"}), ("P2W", "freshness", {"value": "P2W"}),
])
def test_durations_use_datacontract_cli_units_only_when_unambiguous(iso, prop, expected):
    assert duration_sla(iso, prop) == expected
