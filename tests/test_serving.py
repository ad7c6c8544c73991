"""A port's ``serving``: its refusals (declaration/serving.py), the descriptor entry, the ODCS mapping
both ways, and the view the OutputPort component deploys. The view SQL itself is tested in
test_view_sql_latest.py."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from components_support import TABLE, model, run_stack, settings
from helpers import ROOT, write
from meshplane.product import addresses
from meshplane.declaration.problems import DeclarationError
from meshplane.declaration.yamlpos import parse
from meshplane.catalog.descriptor import descriptor
from meshplane.interop.commands import import_cmd
from meshplane.interop.odcs import Defaults, contract, validate_contract
from meshplane.interop.odcs_import import read_port
from test_declaration_rules import PORT, accepted, column, port, refused

SERVING = f"{PORT}.serving"


# --- the declaration --------------------------------------------------------------------------------


@pytest.mark.parametrize("serving", [
    {"mode": "history"}, {"mode": "latestSnapshot"}, {"mode": "latestPerKey", "key": ["podcast_id"]},
    {"mode": "latestPerKey", "key": ["listeners", "podcast_id"]},
])
def test_serving_modes_are_accepted(blueprint, serving):
    port(blueprint)["serving"] = serving
    served = accepted(blueprint).output_ports[0].serving
    assert (served.mode.value, served.key) == (serving["mode"], serving.get("key", []))


def test_a_port_serves_its_history_unless_it_says_otherwise(blueprint):
    assert accepted(blueprint).output_ports[0].serving.mode.value == "history"


def test_a_pii_key_is_accepted(blueprint):
    column(blueprint, "top_listener_email")["required"] = True
    port(blueprint)["serving"] = {"mode": "latestPerKey", "key": ["top_listener_email"]}
    assert accepted(blueprint).output_ports[0].serving.key == ["top_listener_email"]


@pytest.mark.parametrize(("mode", "key", "field", "phrase"), [
    ("history", ["podcast_id"], "key", "only latestPerKey serves rows by key; given key [podcast_id] with mode "
                                       "'history'"),
    ("latestSnapshot", ["podcast_id"], "key", "with mode 'latestSnapshot'; expected mode latestPerKey, or no key"),
    ("latestPerKey", [], "", "latestPerKey needs the columns that identify a row; given no key"),
    ("latestPerKey", ["podcast"], "key[0]", "key refers to an undeclared column; given 'podcast'"),
    ("latestPerKey", ["age_band"], "key[0]", "key column 'age_band' may be NULL"),
    ("latestPerKey", ["processing_time"], "key[0]", "the processingTime column orders the rows of a key"),
    ("latestPerKey", ["podcast_id", "podcast_id"], "key[1]", "duplicate key column; given 'podcast_id' 2 times"),
])
def test_fails_serving(blueprint, mode, key, field, phrase):
    port(blueprint)["serving"] = {"mode": mode, "key": key}
    refused(blueprint, f"{SERVING}.{field}".rstrip("."), phrase)


@pytest.mark.parametrize(("spec", "given"), [
    ({"type": "FLOAT64"}, "FLOAT64"),
    ({"type": "JSON"}, "JSON"),
    ({"type": "GEOGRAPHY"}, "GEOGRAPHY"),
    ({"type": "RECORD", "fields": [{"name": "a", "type": "STRING"}]}, "RECORD"),
    ({"type": "STRING", "repeated": True, "required": False}, "repeated STRING"),
])
def test_fails_key_columns_a_window_cannot_partition_by(blueprint, spec, given):
    port(blueprint)["schema"].insert(0, {"name": "k", "required": True, **spec})
    port(blueprint)["serving"] = {"mode": "latestPerKey", "key": ["k"]}
    refused(blueprint, f"{SERVING}.key[0]", f"column 'k' cannot be a key: BigQuery cannot partition a window "
                                            f"by it; given type {given}; expected a non-repeated STRING")


def test_fails_a_nested_key(blueprint):
    port(blueprint)["schema"].insert(0, {"name": "device", "type": "RECORD", "fields": [
        {"name": "model", "type": "STRING", "required": True}]})
    port(blueprint)["serving"] = {"mode": "latestPerKey", "key": ["model"]}
    refused(blueprint, f"{SERVING}.key[0]", "a key column must be top-level; given 'model', a field of 'device'")


def test_fails_a_latest_port_without_processing_time(blueprint):
    del column(blueprint, "processing_time")["role"]
    port(blueprint)["serving"] = {"mode": "latestSnapshot"}
    refused(blueprint, f"{SERVING}.mode", "a latestSnapshot port chooses its rows by the newest processing "
                                          "time; given no processingTime column", alone=False)


@pytest.mark.parametrize(("serving", "phrase"), [
    ({"mode": "latest"}, "expected one of 'history', 'latestSnapshot' or 'latestPerKey'"),
    ({"mode": "latestPerKey", "keys": ["podcast_id"]}, "unknown field"),
])
def test_fails_unknown_serving_values(blueprint, serving, phrase):
    port(blueprint)["serving"] = serving
    refused(blueprint, f"{SERVING}.{next(iter(set(serving) - {'mode'}), 'mode')}", phrase, alone=False)


def test_a_port_that_did_not_parse_does_not_silence_anothers_serving(blueprint):
    """Each port's serving is its own rule: a field error in one port leaves the other's findings."""
    second = yaml.safe_load(yaml.safe_dump(port(blueprint))) | {"version": "2.0.0"}
    blueprint["version"] = "2.0.0"
    blueprint["outputPorts"].append(second)
    port(blueprint)["schema"][0]["name"] = "Bad Name!"
    port(blueprint)["serving"] = {"mode": "latestPerKey", "key": ["podcast_id"]}
    second["serving"] = {"mode": "latestPerKey", "key": ["age_band"]}  # may be NULL
    refused(blueprint, "outputPorts.demographics@v2.serving.key[0]", "key column 'age_band' may be NULL", alone=False)


def catalog_with(serving: dict):
    """podcast-catalog with its podcasts port served as ``serving``."""
    product = model("podcast.podcast-catalog")
    data = product.model_dump(by_alias=True, mode="json")
    data["outputPorts"][1]["serving"] = serving
    return type(product).model_validate(data)


# --- descriptor -------------------------------------------------------------------------------------


def test_descriptor_says_how_each_port_is_served():
    product, s = model("podcast.podcast-catalog"), settings("podcast-prod")
    d = descriptor(product, addresses.project_id(product, s.platform, s.environment),
                   addresses.runner_principal(product, s.platform, s.environment), s.platform, s.environment)
    assert {p["name"]: p["serving"] for p in d["outputPorts"]} == {
        "episodes": {"mode": "history"},
        "podcasts": {"mode": "latestPerKey", "key": ["podcast_id"], "processingTime": "processing_time"}}
    served = descriptor(catalog_with({"mode": "latestSnapshot"}), "p", "serviceAccount:r@p.iam.gserviceaccount.com",
                        s.platform, "prod")
    assert served["outputPorts"][1]["serving"] == {"mode": "latestSnapshot", "processingTime": "processing_time"}


# --- ODCS -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("serving", [
    {"mode": "latestSnapshot"}, {"mode": "latestPerKey", "key": ["podcast_id"]},
    {"mode": "latestPerKey", "key": ["episodes", "podcast_id"]}, {"mode": "history"},
], ids=["snapshot", "key", "two_columns", "history"])
def test_odcs_states_the_serving_and_import_maps_it_back(tmp_path, serving):
    product = catalog_with(serving)
    port_ = product.output_ports[1]
    doc = contract(product, port_)
    validate_contract(doc)  # ODCS's own model: dataGranularityDescription and primaryKey are its fields
    obj = doc["schema"][0]
    hints = {c["property"]: c["value"] for c in obj["customProperties"]}
    keys = {p["name"]: p["primaryKeyPosition"] for p in obj["properties"] if p.get("primaryKey")}
    assert keys == {name: i + 1 for i, name in enumerate(serving.get("key", []))}
    if serving["mode"] == "history":
        assert "serving" not in hints and "dataGranularityDescription" not in obj
    else:
        assert hints["serving"] == serving["mode"]
        assert "newest processing_time" in obj["dataGranularityDescription"]
    text = yaml.safe_dump(doc, sort_keys=False)
    imported, notes = read_port(parse(text), str(write(tmp_path / "c.yaml", text)), Defaults.of(product))
    assert imported.serving == port_.serving and not notes
    assert contract(product, imported) == doc


def test_odcs_import_orders_the_key_by_primary_key_position(tmp_path):
    product = catalog_with({"mode": "latestPerKey", "key": ["episodes", "podcast_id"]})
    doc = contract(product, product.output_ports[1])
    props = doc["schema"][0]["properties"]
    props.insert(0, props.pop(next(i for i, p in enumerate(props) if p["name"] == "episodes")))
    assert [p["name"] for p in props if p.get("primaryKey")] == ["episodes", "podcast_id"]
    for p in props:
        if p.get("primaryKey"):
            p["primaryKeyPosition"] = 3 - p["primaryKeyPosition"]  # podcast_id first now
    text = yaml.safe_dump(doc, sort_keys=False)
    imported, _ = read_port(parse(text), str(write(tmp_path / "c.yaml", text)), Defaults.of(product))
    assert imported.serving.key == ["podcast_id", "episodes"]


# --- the deployed view ------------------------------------------------------------------------------


def test_the_blueprints_latest_port_deploys_a_view_of_each_podcasts_newest_row():
    inv = run_stack("podcast-prod")
    [view] = [r for r in inv.registrations if r.type == TABLE and r.inputs.get("tableId") == "podcasts_v1"
              and "view" in r.inputs]
    query = " ".join(view.inputs["view"]["query"].split())
    assert query.endswith("WHERE TRUE QUALIFY ROW_NUMBER() OVER ( PARTITION BY `_src`.`podcast_id` ORDER BY "
                          "`_src`.`processing_time` DESC, `_src`.`podcast_title`, `_src`.`language`, "
                          "`_src`.`episodes`, `_src`.`removed_at` ) = 1")
    assert (ROOT / "blueprints/podcast/podcast-catalog.yaml").read_text().count("mode: latestPerKey") == 1


def test_odcs_import_locates_a_bad_mode_and_reports_a_primary_key_without_one(tmp_path):
    product = catalog_with({"mode": "latestPerKey", "key": ["podcast_id"]})
    text = yaml.safe_dump(contract(product, product.output_ports[1]), sort_keys=False)
    bad = write(tmp_path / "bad.yaml", text.replace("value: latestPerKey", "value: latest"))
    with pytest.raises(DeclarationError) as refused_:
        read_port(parse(bad.read_text()), str(bad), Defaults.of(product))
    [problem] = refused_.value.problems
    assert problem.field == "schema[podcasts_v1].customProperties[serving].value"
    assert problem.line == bad.read_text().splitlines().index("    value: latest") + 1
    assert "given 'latest'; expected one of 'history', 'latestSnapshot' or 'latestPerKey'" in problem.message
    history = catalog_with({"mode": "history"})
    doc = contract(history, history.output_ports[1])
    doc["schema"][0]["properties"][0] |= {"primaryKey": True, "primaryKeyPosition": 1}  # a foreign primary key
    given = write(tmp_path / "pk.yaml", yaml.safe_dump(doc, sort_keys=False))
    result = CliRunner().invoke(import_cmd, ["odcs", str(given)])
    assert result.exit_code == 0, result.stderr
    assert "properties[podcast_id].primaryKey: not imported: meshplane has primary keys only as the key of a " \
           "port with customProperties[serving] latestPerKey" in result.stderr
    assert "serving" not in yaml.safe_load(result.stdout)[0]


@pytest.mark.parametrize("serving", [{"mode": "latestSnapshot"}, {"mode": "latestPerKey", "key": ["podcast_id"]}],
                         ids=["snapshot", "key"])
def test_odcs_import_fails_a_latest_mode_without_a_processing_time_property(tmp_path, serving):
    """Once a traceback (StopIteration): the re-export asked for the processingTime column a latest port needs."""
    product = catalog_with(serving)
    doc = contract(product, product.output_ports[1])
    for prop in doc["schema"][0]["properties"]:
        prop.pop("customProperties", None)  # the role: processingTime
    given = write(tmp_path / "c.yaml", yaml.safe_dump(doc, sort_keys=False))
    result = CliRunner().invoke(import_cmd, ["odcs", str(given)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and result.stdout == ""
    line = given.read_text().splitlines().index(f"    value: {serving['mode']}") + 1
    assert result.stderr.splitlines()[0] == (
        f"{given}:{line}:12: schema[podcasts_v1].customProperties[serving].value: a {serving['mode']} port "
        "chooses its rows by the newest processing time; given no property with customProperties[role] "
        "processingTime; expected one TIMESTAMP property with that role, or no customProperties[serving] (history)")
