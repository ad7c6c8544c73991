"""Contracts from elsewhere: ``meshplane new`` + ``meshplane import odcs CONTRACT --into DECLARATION``
over the corpus of tests/data/odcs-real (the standard's published examples, datacontract-cli's
fixtures, contracts in the shapes real tools export; credited in its README). At least 90% import
without a hand edit; each of the others is refused with located lines that say what to add.

What it cannot prove: that the imported port deploys (see test_stacks) or that the contract's own
database holds what it says.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from helpers import ROOT, at, product, write

from meshplane.cli.main import main
from meshplane.product.column_security import sensitive_leaves
from meshplane.declaration.loader import load_declaration
from meshplane.interop.odcs_types import bq_type
from meshplane.interop.odcs_words import level_of

CORPUS_DIR = ROOT / "tests" / "data" / "odcs-real"
CORPUS = sorted(CORPUS_DIR.glob("*.yaml"))
REFUSED = {  # contract -> what the refusal asks for; every other contract imports without an edit
    "dcc-bigquery--datacontract_tablename_starting_with_number.odcs.yaml":
        "add one as the contract's top-level name, e.g. name: orders",
    "dcc-oracle--datacontract-oracle-odcs.yaml": "no BigQuery type; given physicalType 'BFILE'",
    "dcc-export--datacontract.large.odcs.yaml":
        "in the contract: add {property: subjectKey, value: ...} to schema[0].customProperties",
}
ODCS_SCHEMA = jsonschema.Draft201909Validator(json.loads(
    resources.files("open_data_contract_standard").joinpath("schema.json").read_text(encoding="utf-8")))
LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<column>\d+): ")


def cli(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def fresh(tmp: Path, pid: str = "sales.orders") -> Path:
    assert cli("new", pid, "--type", "sourceAligned", "-o", tmp).exit_code == 0
    domain, name = pid.split(".")
    return tmp / domain / f"{name}.yaml"


@pytest.fixture(scope="module")
def imports(tmp_path_factory) -> dict[str, tuple]:
    """Each contract imported into a fresh declaration: (result, declaration, text before)."""
    out = {}
    for contract in CORPUS:
        declaration = fresh(tmp_path_factory.mktemp(contract.stem.replace(".", "_")))
        before = declaration.read_text()
        out[contract.name] = (cli("import", "odcs", contract, "--into", declaration), declaration, before)
    return out


def test_the_corpus_is_credited_and_small():
    readme = (CORPUS_DIR / "README.md").read_text()
    for prefix in {p.name.split("-")[0] for p in CORPUS}:
        assert f"`{prefix}-`" in readme
    assert len(CORPUS) >= 60 and all(p.stat().st_size < 20_000 for p in CORPUS)


def test_nine_in_ten_real_contracts_import_into_a_new_declaration_without_edits(imports):
    imported = {name for name, (result, _, _) in imports.items() if result.exit_code == 0}
    assert len(imported) / len(CORPUS) >= 0.9, f"{len(imported)}/{len(CORPUS)}"
    assert imported == {p.name for p in CORPUS} - set(REFUSED), {
        name: imports[name][0].output[-600:] for name in {p.name for p in CORPUS} - set(REFUSED) - imported}


@pytest.mark.parametrize("name", sorted(set(p.name for p in CORPUS) - set(REFUSED)))
def test_each_imported_declaration_is_valid_and_exports_a_valid_contract(imports, name):
    result, declaration, _ = imports[name]
    product_ = load_declaration(declaration)
    port = product_.output_ports[0]
    assert len(product_.output_ports) == 1 and not port.description.startswith("TODO")  # the starter's port replaced
    assert [c.name for c in port.columns if c.role and c.role.value == "processingTime"]
    assert int(product_.version.split(".")[0]) >= port.major
    exported = cli("export", "odcs", declaration)
    assert exported.exit_code == 0, exported.output
    errors = [e.message for e in ODCS_SCHEMA.iter_errors(yaml.safe_load(exported.stdout))]
    assert not errors, errors
    for line in result.stderr.splitlines()[:-1]:
        assert LOCATED.match(line) and LOCATED.match(line)["file"] == str(CORPUS_DIR / name), line
        assert ": apiVersion: " not in line and "given False" not in line


@pytest.mark.parametrize("name, asks", sorted(REFUSED.items()))
def test_the_others_are_refused_located_in_the_contract_saying_what_to_add(imports, name, asks):
    result, declaration, before = imports[name]
    assert result.exit_code == 1 and declaration.read_text() == before
    problems = [line for line in result.stderr.splitlines() if LOCATED.match(line)
                and ": not imported: " not in line and ": changed: " not in line and "added" not in line]
    assert problems and asks in result.stderr
    contract_lines = len((CORPUS_DIR / name).read_text().splitlines())
    for line in problems:
        where = LOCATED.match(line)
        assert where["file"] == str(CORPUS_DIR / name) and 1 <= int(where["line"]) <= contract_lines, line


def test_a_fresh_declaration_takes_version_and_description_and_replaces_the_starter_port(tmp_path):
    declaration = fresh(tmp_path, "checkout.payments")
    contract = CORPUS_DIR / "own-snowflake-export.odcs.yaml"
    result = cli("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{declaration}: output port payments v2 added in place of the starter's port records",
        f"{declaration}: a fresh declaration: took version, description.purpose, description.usage from {contract}"]
    text = declaration.read_text()
    assert "\nversion: 2.0.0   " in text and "  purpose: Card payments captured at checkout.\n" in text
    assert "  usage: Join to orders on ORDER_ID.\n" in text and "# semantic version" in text  # comments kept
    product_ = load_declaration(declaration)
    assert [p.name for p in product_.output_ports] == ["payments"]
    port = product_.output_ports[0]
    assert {c.name: c.type.value for c in port.columns} == {
        "payment_id": "STRING", "order_id": "STRING", "amount": "BIGNUMERIC", "captured_at": "TIMESTAMP",
        "local_captured_at": "DATETIME", "booking_date": "DATE", "attributes": "JSON", "loaded_at": "TIMESTAMP"}
    assert next(c for c in port.columns if c.name == "loaded_at").role.value == "processingTime"
    where = at(contract, "element: PAYMENTS.loaded_at", "PAYMENTS")
    assert f"{where}: slaProperties[freshness].element: read loaded_at as the port's processingTime column" \
        in result.stderr
    product_line = [line for line in result.stderr.splitlines() if ": (product): " in line]
    assert len(product_line) == 1 and "not imported: dataProduct, slaProperties[latency];" in product_line[0]
    assert "slaProperties[latency]" not in result.stderr.replace(product_line[0], "")  # two entries, one line


def test_an_existing_declaration_keeps_its_version_and_the_problem_is_on_its_line(tmp_path):
    declaration = write(tmp_path / "d.yaml", product("checkout.payments", version="1.4.0"))
    before = declaration.read_text()
    contract = CORPUS_DIR / "own-snowflake-export.odcs.yaml"
    result = cli("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 1 and declaration.read_text() == before
    assert f"{at(declaration, 'version: 1.4.0', '1.4.0')}: version: a port's major version is ahead of the " \
           "product's; given '1.4.0'; expected a product major of at least 2" in result.stderr
    assert "description.purpose, description.usage" in result.stderr  # reported once, not taken
    assert "the declaration keeps its own values: copy what you want into it" in result.stderr


def test_the_processing_time_column_is_added_and_said(tmp_path):
    contract = CORPUS_DIR / "own-postgres-export.odcs.yaml"
    result = cli("import", "odcs", contract, "--into", fresh(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"{at(contract, '- {name: id', '-')}: schema[invoices].properties: added column processing_time " \
           "(TIMESTAMP, required, role: processingTime)" in result.stderr
    assert f"{at(contract, '- name: invoices', 'name')}: schema[invoices]: no description (optional in ODCS)" \
        in result.stderr
    port = load_declaration(tmp_path / "sales" / "orders.yaml").output_ports[0]
    assert port.columns[-1].model_dump(exclude_none=True, mode="json") | {"description": ""} == {
        "name": "processing_time", "type": "TIMESTAMP", "required": True, "role": "processingTime",
        "repeated": False, "pii": False, "description": ""}
    assert {c.name: c.type.value for c in port.columns}["printed_at"] == "DATETIME"


def test_free_classification_words_maps_and_string_partitioning_is_dropped_with_notes(tmp_path):
    contract = CORPUS_DIR / "own-databricks-export.odcs.yaml"
    declaration = fresh(tmp_path, "crm.customer-events")
    result = cli("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 0, result.output
    port = load_declaration(declaration).output_ports[0]
    levels = {c.name: c.classification.value for c in port.columns if c.classification}
    # PII, highly-confidential; Internal equals the new product's level and is kept (it is what tags the
    # column); an unknown word is read as the strictest level
    assert levels == {"customer_id": "confidential", "email": "restricted", "event_ts": "internal",
                      "note": "restricted"}
    assert port.partitioning is None and {c.name: c.type.value for c in port.columns}["properties"] == "JSON"
    expected = [
        (at(contract, "partitioned: true", "partitioned"), "properties[country].partitioned: not imported: imported "
         "without partitioning on it: a STRING column"),
        (at(contract, "\"map<string"), "properties[properties].physicalType: changed: given "
         "'map<string,string>'; meshplane exports 'JSON' (BigQuery has no map type: kept as a JSON column)"),
        (at(contract, "classification: trade", "trade"), "properties[note].classification: changed: given "
         "'trade-secret-ish'; meshplane exports 'restricted' (unknown classification word: read as restricted"),
        (at(contract, "classification: PII", "PII"), "to mask the column for consumers add pii: true"),
    ]
    for where, phrase in expected:
        assert f"{where}: schema[customer_events].{phrase}" in result.stderr or \
            any(line.startswith(where) and phrase in line for line in result.stderr.splitlines()), phrase
    assert "not imported: domain" not in result.stderr  # the declaration's own domain: crm


def test_an_array_without_items_is_kept_as_json_saying_how_to_get_a_repeated_column(tmp_path):
    contract = CORPUS_DIR / "own-array-without-items.odcs.yaml"
    declaration = fresh(tmp_path)
    result = cli("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 0, result.output
    assert f"{at(contract, 'name: tags', 'array')}: schema[article_tags].properties[tags].logicalType: changed: " \
           "given 'array'; meshplane exports 'object' (an array without items (no element type): kept as one " \
           "JSON column; add items: {logicalType: ...} to the property" in result.stderr
    column = load_declaration(declaration).output_ports[0].columns[1]
    assert (column.name, column.type.value, column.repeated) == ("tags", "JSON", False)


def test_no_noise_defaults_case_and_repeated_sla_entries(tmp_path):
    doc = yaml.safe_load((CORPUS_DIR / "own-snowflake-export.odcs.yaml").read_text())
    doc["schema"][0]["properties"][1]["physicalType"] = "string"  # case alone
    doc["schema"][0]["properties"][1]["tags"] = []
    doc["slaProperties"].append({"property": "freshness", "value": 6, "unit": "h", "element": "PAYMENTS.loaded_at"})
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    result = cli("import", "odcs", contract, "--into", fresh(tmp_path))
    assert result.exit_code == 0, result.output
    for noise in ("properties[order_id].required", "properties[order_id].physicalType", ".tags:",
                  "apiVersion", "slaProperties[freshness].value", "slaProperties[freshness].unit"):
        assert noise not in result.stderr, noise


@pytest.mark.parametrize("physical, logical, nested, options, expected", [
    ("TIMESTAMP_TZ", "timestamp", None, None, "TIMESTAMP"),
    ("timestamp with time zone", None, None, None, "TIMESTAMP"),
    ("TIMESTAMP_LTZ", None, None, None, "TIMESTAMP"),
    ("TIMESTAMP_NTZ", "timestamp", None, None, "DATETIME"),
    ("timestamp(6) without time zone", None, None, None, "DATETIME"),
    ("datetime2", None, None, None, "DATETIME"),
    ("DATETIMEOFFSET", None, None, None, "TIMESTAMP"),
    (None, "timestamp", None, {"timezone": False}, "DATETIME"),
    (None, "timestamp", None, None, "TIMESTAMP"),
    (None, "date", None, None, "DATE"),
    ("date", "date", None, None, "DATE"),
    ("VARCHAR(36)", "string", None, None, "STRING"),
    ("NUMBER(38,2)", None, None, None, "BIGNUMERIC"),  # 36 integer digits: NUMERIC holds 29
    ("NUMERIC(38, 9)", None, None, None, "NUMERIC"), ("DECIMAL(10,2)", None, None, None, "NUMERIC"),
    ("DECIMAL(20,12)", None, None, None, "BIGNUMERIC"),  # 12 decimals: NUMERIC holds 9
    ("NUMERIC", None, None, None, "NUMERIC"), ("MONEY", None, None, None, "NUMERIC"),
    ("bigserial", None, None, None, "INT64"),
    ("MAP<STRING, INT>", "map", None, None, "JSON"),
    (None, "map", None, None, "JSON"),
    ("VARIANT", "object", None, None, "JSON"),
    ("struct<a:string>", "object", [{"name": "a"}], None, "RECORD"),
    ("INTERVAL DAY(2) TO SECOND(6)", None, None, None, "INTERVAL"),
    ("9", "string", None, None, "STRING"),  # a protobuf field number, not a type: the logical type decides
    ("BFILE", None, None, None, None),
])
def test_bigquery_type_of_a_property(physical, logical, nested, options, expected):
    assert bq_type(physical, logical, nested, options) == expected


@pytest.mark.parametrize("physical, options, server, expected", [
    ("timestamp", None, "postgres", "DATETIME"), ("TIMESTAMP(6)", None, "oracle", "DATETIME"),
    ("TIMESTAMP(6) WITH TIME ZONE", None, "oracle", "TIMESTAMP"), ("TIMESTAMP", None, "snowflake", "DATETIME"),
    ("TIMESTAMP", None, "bigquery", "TIMESTAMP"), ("timestamp", None, "databricks", "TIMESTAMP"),
    ("timestamp", None, "sqlserver", "BYTES"), ("timestamp", None, None, "TIMESTAMP"),
    ("timestamp", {"timezone": False}, None, "DATETIME"), ("timestamp", {"timezone": True}, "postgres", "TIMESTAMP"),
    ("DATE", None, "oracle", "DATETIME"), ("DATE", None, "postgres", "DATE"),
    ("LONG", None, "oracle", "STRING"), ("LONG", None, None, "INT64"),
    ("NUMBER", None, "oracle", "BIGNUMERIC"), ("NUMBER", None, "snowflake", "BIGNUMERIC"),
    ("numeric", None, "postgres", "BIGNUMERIC"), ("DECIMAL", None, "mysql", "NUMERIC"),
])
def test_the_contract_s_server_type_decides_what_a_type_means(physical, options, server, expected):
    assert bq_type(physical, None, None, options, server) == expected


def test_an_ambiguous_type_without_a_server_type_is_said(tmp_path):
    doc = _contract_with([{"name": "at", "physicalType": "timestamp"}, {"name": "n", "physicalType": "LONG"},
                          {"name": "z", "physicalType": "timestamp", "logicalTypeOptions": {"timezone": True}}])
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    result = cli("import", "odcs", contract, "--into", fresh(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"{at(contract, 'physicalType: timestamp', 'timestamp')}: schema[customers].properties[at].physicalType: " \
           "read a bare TIMESTAMP as TIMESTAMP (an instant" in result.stderr
    assert "properties[n].physicalType: read LONG as INT64" in result.stderr
    assert "properties[z].physicalType: read" not in result.stderr  # the time zone option decides
    doc["servers"] = [{"server": "prod", "type": "postgres", "host": "h", "port": 5432, "database": "d", "schema": "s"}]
    write(contract, yaml.safe_dump(doc, sort_keys=False))
    declaration = fresh(tmp_path / "pg")
    result = cli("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 0 and "read a bare TIMESTAMP" not in result.stderr, result.output
    columns = {c.name: c.type.value for c in load_declaration(declaration).output_ports[0].columns}
    assert (columns["at"], columns["n"], columns["z"]) == ("DATETIME", "INT64", "TIMESTAMP")


@pytest.mark.parametrize("word, level, says", [
    ("public", "public", None), ("Confidential", "confidential", None), ("sensitive", "confidential", "read as"),
    ("PII", "confidential", "pii: true"), ("highly-confidential", "restricted", "read as"),
    ("secret", "restricted", "read as"), ("internal_use", "internal", "read as"), ("restricted", "restricted", None),
    ("purple", "restricted", "unknown classification word: read as restricted"),
    ("C3-highly-restricted", "restricted", "secure by default"),
])
def test_classification_words(word, level, says):
    found, note = level_of(word)
    assert (found.value if found else None) == level
    assert (note is None) if says is None else says in note


def test_docs_show_the_type_table_and_the_words():
    interop = (ROOT / "docs" / "interop.md").read_text()
    for word in ("TIMESTAMP_NTZ", "TIMESTAMP_TZ", "`sensitive`", "`MAP<K, V>`"):
        assert word in interop, word
    assert "meshplane import odcs" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("text, fields, expected", [
    ("version: 0.1.0   # semver\n", {("version",): "2.0.0"}, "version: 2.0.0   # semver\n"),
    ("description:\n  purpose: TODO\nx: 1\n", {("description", "usage"): "Join on id."},
     "description:\n  purpose: TODO\n  usage: Join on id.\nx: 1\n"),
    ("description:\n  purpose: |\n    TODO\n    more\n  usage: u\n", {("description", "purpose"): "P: q"},
     "description:\n  purpose: 'P: q'\n  usage: u\n"),
    ("description:\r\n  purpose: TODO\r\n", {("description", "limitations"): "two\nlines"},
     "description:\r\n  purpose: TODO\r\n  limitations: \"two\\nlines\"\r\n"),
])
def test_a_fresh_declaration_is_edited_in_place(text, fields, expected):
    from meshplane.interop.odcs_identity import set_fields

    assert set_fields(text, fields) == expected
    assert yaml.safe_load(expected) is not None


def _contract_with(columns: list[dict], **top) -> dict:
    return {"apiVersion": "v3.0.2", "kind": "DataContract", "id": "x", "name": "customers", "version": "1.0.0",
            "status": "active", **top, "schema": [{"name": "customers", "description": "One customer.",
                                                   "properties": columns}]}


@pytest.mark.parametrize("word, level", [("C3-highly-restricted", "restricted"), ("internal", "internal"),
                                         ("Internal", "internal"), ("purple", "restricted")])
def test_a_classification_from_elsewhere_always_masks_the_column(tmp_path, word, level):
    """Secure by default: an unknown word is read as restricted and said; a known word equal to the
    product's level (a fresh declaration is internal) is kept, since only a classified column is tagged."""
    doc = _contract_with([{"name": "email", "logicalType": "string", "classification": word}])
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    declaration = fresh(tmp_path)
    result = cli("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 0, result.output
    email = load_declaration(declaration).output_ports[0].columns[0]
    assert (email.name, email.classification.value) == ("email", level)
    if level == "restricted":
        assert f"classification: changed: given {word!r}; meshplane exports 'restricted' (unknown " \
               "classification word: read as restricted" in result.stderr
    product_ = load_declaration(declaration)  # the column carries its level's policy tag
    assert sensitive_leaves(product_.output_ports[0].columns, product_.policies.confidentiality) == {
        "email": email.classification}


def test_meshplane_s_own_export_keeps_inherited_levels_implicit(tmp_path):
    doc = _contract_with([{"name": "id", "logicalType": "string", "classification": "internal"}],
                         customProperties=[{"property": "portUrn",
                                            "value": "urn:meshplane:sales:orders:customers:v1"}])
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    declaration = fresh(tmp_path)
    assert cli("import", "odcs", contract, "--into", declaration).exit_code == 0
    assert load_declaration(declaration).output_ports[0].columns[0].classification is None


ACCESS = [{"property": "consumers", "value": [
    {"principal": "group:everyone@example.com", "purpose": "Dashboards.", "rawAccess": True},
    {"dataProduct": "finance.ledger"}, {"principal": "group:eu@example.com", "purpose": "EU reports."}]},
    {"property": "rowFilters", "value": [
        {"name": "eu_only", "grantees": ["group:eu@example.com"], "filter": "country = 'DE'"}]}]
GRANTS = ["consumer group:everyone@example.com reads the port unmasked (rawAccess: PII and classified columns "
          "in clear) (purpose: Dashboards.)", "consumer data product finance.ledger reads the port",
          "consumer group:eu@example.com reads the port (purpose: EU reports.)",
          "row filter eu_only: group:eu@example.com read the rows where country = 'DE'"]


def test_access_taken_from_a_contract_is_listed_on_stdout_and_in_the_report(tmp_path):
    doc = _contract_with([{"name": "country", "logicalType": "string", "classification": "confidential"}])
    doc["schema"][0]["customProperties"] = ACCESS
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    declaration = fresh(tmp_path)
    result = cli("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 0, result.output
    assert [c.key for c in load_declaration(declaration).output_ports[0].consumers] == [
        "group:everyone@example.com", "dataProduct:finance.ledger", "group:eu@example.com"]
    assert result.stdout.splitlines()[2:] == [
        f"{declaration}: output port customers v1: access from {contract}: {g}" for g in GRANTS]
    for i, grant in enumerate(GRANTS):
        line_has = ["principal: group:everyone", "dataProduct: finance", "principal: group:eu", "name: eu_only"][i]
        where = at(contract, line_has, line_has.split(":")[0])
        assert f"{where}: schema[customers].customProperties[" in result.stderr
        assert f"took access from the contract: {grant}" in result.stderr
    again = cli("import", "odcs", contract, "--into", declaration)  # only what the import adds is listed
    assert again.exit_code == 0 and "access from" not in again.stdout and "took access" not in again.stderr
    doc["schema"][0]["customProperties"][0]["value"][1]["purpose"] = "Ledger."
    write(contract, yaml.safe_dump(doc, sort_keys=False))
    changed = cli("import", "odcs", contract, "--into", declaration)
    assert [line for line in changed.stdout.splitlines() if "access from" in line] == [
        f"{declaration}: output port customers v1: access from {contract}: consumer data product finance.ledger "
        "reads the port (purpose: Ledger.)"]
    printed = cli("import", "odcs", contract)  # without --into: comments above the port to paste
    assert printed.exit_code == 0 and printed.stdout.startswith(
        "".join(f"# access from {contract}: {g}\n" for g in GRANTS).replace(
            "finance.ledger reads the port", "finance.ledger reads the port (purpose: Ledger.)") + "- name: customers\n")
    assert yaml.safe_load(printed.stdout)[0]["consumers"][0]["principal"] == "group:everyone@example.com"


@pytest.mark.parametrize("key, given, noise", [
    ("required", False, True), ("required", True, False), ("unique", False, True), ("isUnique", False, True),
    ("isNullable", True, True), ("isNullable", False, False), ("partitioned", False, True),
    ("criticalDataElement", False, True), ("encrypted", False, False), ("tags", [], True), ("name", "", True),
])
def test_only_a_field_at_its_own_default_is_noise(key, given, noise):
    from meshplane.interop.odcs_report import MISSING, is_noise

    assert is_noise(("schema", 0, "properties", 0, key), given, MISSING) is noise


def test_is_nullable_false_is_read_as_required(tmp_path):
    doc = _contract_with([
        {"name": "id", "logicalType": "string", "isNullable": False},
        {"name": "note", "logicalType": "string", "isNullable": True},
        {"name": "tags", "logicalType": "array", "items": {"logicalType": "string"}, "isNullable": False},
        {"name": "legacy", "logicalType": "string", "encrypted": False}])
    contract = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    declaration = fresh(tmp_path)
    result = cli("import", "odcs", contract, "--into", declaration)
    assert result.exit_code == 0, result.output
    columns = {c.name: c for c in load_declaration(declaration).output_ports[0].columns}
    assert (columns["id"].required, columns["note"].required, columns["tags"].required) == (True, False, False)
    nullable = [line for line in result.stderr.splitlines() if "isNullable" in line]
    assert nullable == [f"{at(contract, 'isNullable: false', 'isNullable', nth=2)}: schema[customers].properties[tags]"
                        ".isNullable: not imported: a repeated column is never NULL in BigQuery"]
    assert "properties[legacy].encrypted: not imported" in result.stderr  # a False ODCS has no default for
