"""Every refusal of the declaration (types.py and rules.py), one mutation of a valid blueprint each.

Each test starts from the podcast-demographics blueprint as plain data (the ``blueprint`` fixture),
changes one thing, and asserts the exact field path (in the user's keys) and a key phrase.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from meshplane.declaration.loader import check_declaration, check_text
from meshplane.declaration.model import DataProduct
from meshplane.declaration.problems import Problem

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = sorted(ROOT.glob("blueprints/*/*.yaml"))

SCHEMA = "outputPorts.demographics.schema"
PORT = "outputPorts.demographics"
DBT = "transformation.dbt"


def check(doc: dict) -> tuple[DataProduct | None, list[Problem]]:
    return check_text(yaml.safe_dump(doc, sort_keys=False), "bp.yaml")


def refused(doc: dict, field: str, phrase: str, *, alone: bool = True) -> list[Problem]:
    """Assert ``doc`` is refused with a problem at ``field`` whose message contains ``phrase``."""
    model, problems = check(doc)
    shown = "\n".join(str(p) for p in problems)
    assert model is None, "expected a refusal"
    assert any(p.field == field and phrase in p.message for p in problems), \
        f"no problem at {field!r} containing {phrase!r}; got:\n{shown}"
    if alone:
        assert {p.field for p in problems} == {field}, f"unexpected other problems:\n{shown}"
    return problems


def accepted(doc: dict) -> DataProduct:
    model, problems = check(doc)
    assert problems == [], "\n".join(str(p) for p in problems)
    assert model is not None
    return model


def port(doc: dict) -> dict:
    return doc["outputPorts"][0]


def column(doc: dict, name: str) -> dict:
    return next(c for c in port(doc)["schema"] if c["name"] == name)


def dbt(doc: dict) -> dict:
    return doc["transformation"]["dbt"]


# --- valid blueprints ----------------------------------------------------------------------------


def test_podcast_blueprint_is_valid(blueprint):
    model = accepted(blueprint)
    assert model.id == "podcast.podcast-demographics"


def test_blueprints_exist():
    assert len(BLUEPRINTS) >= 1


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_blueprint_file_has_no_problems(path):
    model, problems = check_declaration(path)
    assert problems == [], "\n".join(str(p) for p in problems)
    assert model is not None


# --- identity and versions -----------------------------------------------------------------------


def test_fails_id_not_domain_dot_name(blueprint):
    blueprint["id"] = "podcast.other"
    refused(blueprint, "id", "id must be '<domain>.<name>'; given 'podcast.other'; "
                             "expected 'podcast.podcast-demographics'")


def test_fails_product_major_behind_port_major(blueprint):
    port(blueprint)["version"] = "2.0.0"
    refused(blueprint, "version", "a port's major version is ahead of the product's")


def test_fails_bad_semver(blueprint):
    for bad in ("1.2", "v1.2.0", "01.2.0", "1.2.0.0"):
        blueprint["version"] = bad
        refused(blueprint, "version", f"not a semantic version; given {bad!r}")


def test_fails_bad_slug(blueprint):
    for bad in ("Podcast", "pod_cast", "-podcast", "pod--cast", "1podcast", "a" * 41):
        blueprint["domain"] = bad
        refused(blueprint, "domain", "not a valid name")


def test_fails_bad_port_name(blueprint):
    port(blueprint)["name"] = "Demographics"
    refused(blueprint, "outputPorts.Demographics.name", "not a valid port name")
    blueprint["inputPorts"][0]["name"] = "listener-demographics"
    port(blueprint)["name"] = "demographics"
    refused(blueprint, "inputPorts.listener-demographics.name", "not a valid port name")


def test_fails_bad_column_name(blueprint):
    column(blueprint, "country")["name"] = "1country"
    refused(blueprint, f"{SCHEMA}.1country.name", "not a valid BigQuery column name")


# --- policies ------------------------------------------------------------------------------------


def test_fails_restricted_without_cmek(blueprint):
    blueprint["policies"].update(confidentiality="restricted", encryption="google")
    refused(blueprint, "policies.encryption", "a restricted product must use customer-managed keys")


def test_fails_restricted_with_default_encryption(blueprint):
    blueprint["policies"]["confidentiality"] = "restricted"
    del blueprint["policies"]["encryption"]
    refused(blueprint, "policies.encryption", "given 'google'; expected 'cmek'")


def test_fails_pii_in_public_product(blueprint):
    blueprint["policies"]["confidentiality"] = "public"
    refused(blueprint, f"{SCHEMA}.top_listener_email.pii", "PII is not allowed in a public product")


def test_fails_bad_location(blueprint):
    blueprint["policies"]["location"] = "mars-north1"
    refused(blueprint, "policies.location", "not a BigQuery location; given 'mars-north1'")


@pytest.mark.parametrize("bad", ["3 years", "P0D", "PT0S", "-P1D", "P", "", "P1Q"])
def test_fails_bad_duration(blueprint, bad):
    blueprint["policies"]["retention"] = bad
    refused(blueprint, "policies.retention", f"not a positive ISO 8601 duration; given {bad!r}")


def test_fails_bad_duration_on_port_slo(blueprint):
    port(blueprint)["slos"]["freshness"] = "26 hours"
    refused(blueprint, f"{PORT}.slos.freshness", "not a positive ISO 8601 duration")


@pytest.mark.parametrize("bad", [0, 1.5, -0.1])
def test_fails_ratio_out_of_range(blueprint, bad):
    port(blueprint)["slos"]["completeness"] = bad
    refused(blueprint, f"{PORT}.slos.completeness", f"not a ratio; given {bad!r}")


# --- principals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["podcast@daff.example", "user:bob", "group:x@localhost",
                                 "serviceAccount:@daff.example", "domain:localhost", "owner:x@y.com",
                                 "group: x@daff.example"])
def test_fails_bad_principal_form(blueprint, bad):
    blueprint["team"]["owner"] = bad
    refused(blueprint, "team.owner", f"not an IAM principal; given {bad!r}")


@pytest.mark.parametrize("public", ["allUsers", "allAuthenticatedUsers"])
def test_fails_public_principal(blueprint, public):
    blueprint["team"]["developers"] = [public]
    refused(blueprint, "team.developers[0]", "public principals are refused")
    blueprint["team"]["developers"] = []
    port(blueprint)["rowFilters"][0]["grantees"] = [public]
    refused(blueprint, f"{PORT}.rowFilters.eu_only.grantees[0]", "public principals are refused")


# --- input ports ---------------------------------------------------------------------------------


def test_fails_input_port_without_source(blueprint):
    del blueprint["inputPorts"][1]["bigqueryTable"]
    refused(blueprint, "inputPorts.podcast_events", "exactly one source; given none")


def test_fails_input_port_with_two_sources(blueprint):
    blueprint["inputPorts"][1]["gcsPrefix"] = "gs://daff-podcast-ops/events/"
    refused(blueprint, "inputPorts.podcast_events", "exactly one source; given bigqueryTable, gcsPrefix")


@pytest.mark.parametrize("key", ["outputPort", "version"])
def test_fails_upstream_port_missing_output_port_or_version(blueprint, key):
    del blueprint["inputPorts"][0][key]
    refused(blueprint, "inputPorts.listener_demographics", f"an upstream port needs {key}")


def test_fails_operational_source_with_output_port(blueprint):
    blueprint["inputPorts"][1]["outputPort"] = "events"
    refused(blueprint, "inputPorts.podcast_events.outputPort", "only an upstream data product has outputPort")


def test_fails_input_port_self_reference(blueprint):
    blueprint["inputPorts"][0]["dataProduct"] = "podcast.podcast-demographics"
    refused(blueprint, "inputPorts.listener_demographics.dataProduct", "cannot read its own port")


def test_fails_input_port_bad_product_id(blueprint):
    blueprint["inputPorts"][0]["dataProduct"] = "listener"
    refused(blueprint, "inputPorts.listener_demographics.dataProduct", "not a data product id")


def test_fails_duplicate_input_port_names(blueprint):
    blueprint["inputPorts"][1]["name"] = "listener_demographics"
    refused(blueprint, "inputPorts.listener_demographics[1]",
            "duplicate input port; given 'listener_demographics' 2 times")


def test_fails_operational_source_pattern(blueprint):
    blueprint["inputPorts"][1]["bigqueryTable"] = "events.podcast_played"
    refused(blueprint, "inputPorts.podcast_events.bigqueryTable", "not of the expected form")


# --- output ports --------------------------------------------------------------------------------


def test_fails_duplicate_output_port_same_name_and_major(blueprint):
    second = dict(port(blueprint), version="1.3.0", consumers=[], rowFilters=[])
    blueprint["outputPorts"].append(second)
    refused(blueprint, "outputPorts.demographics@v1", "duplicate output port; given 'demographics v1' 2 times")


def test_same_output_port_name_with_two_majors_is_accepted(blueprint):
    blueprint["version"] = "2.0.0"
    blueprint["outputPorts"].append(dict(port(blueprint), version="2.0.0", consumers=[], rowFilters=[]))
    model = accepted(blueprint)
    assert [p.major for p in model.output_ports] == [1, 2]


def test_fails_duplicate_column_case_insensitive(blueprint):
    port(blueprint)["schema"].append({"name": "PODCAST_ID", "type": "STRING"})
    refused(blueprint, f"{SCHEMA}.PODCAST_ID", "duplicate column; given 'podcast_id' 2 times")


def test_fails_record_without_fields(blueprint):
    column(blueprint, "age_band")["type"] = "RECORD"
    refused(blueprint, f"{SCHEMA}.age_band.fields", "a RECORD needs nested fields")


def test_fails_fields_on_non_record(blueprint):
    column(blueprint, "country")["fields"] = [{"name": "code", "type": "STRING"}]
    refused(blueprint, f"{SCHEMA}.country.fields", "only a RECORD has nested fields; given type STRING")


def test_fails_required_and_repeated(blueprint):
    column(blueprint, "listeners")["repeated"] = True
    refused(blueprint, f"{SCHEMA}.listeners.repeated", "either required or repeated")


def test_fails_nested_role(blueprint):
    port(blueprint)["schema"].append({"name": "play", "type": "RECORD", "fields": [
        {"name": "at", "type": "TIMESTAMP", "role": "actualTime"}]})
    refused(blueprint, f"{SCHEMA}.play.fields.at.role", "a time role belongs on a top-level column")


def test_fails_no_processing_time(blueprint):
    del column(blueprint, "processing_time")["role"]
    refused(blueprint, SCHEMA, "exactly one processingTime column (bitemporal standard); given none")


def test_fails_two_processing_times(blueprint):
    port(blueprint)["schema"].append({"name": "loaded_at", "type": "TIMESTAMP", "role": "processingTime"})
    refused(blueprint, SCHEMA, "given processing_time, loaded_at")


def test_fails_processing_time_not_timestamp(blueprint):
    column(blueprint, "processing_time")["type"] = "DATETIME"
    refused(blueprint, f"{SCHEMA}.processing_time.type", "must be a TIMESTAMP; given DATETIME")


def test_fails_two_actual_times(blueprint):
    port(blueprint)["schema"].append({"name": "played_at", "type": "TIMESTAMP", "role": "actualTime"})
    refused(blueprint, f"{SCHEMA}.played_at.role", "at most one actualTime column per port")


def test_fails_actual_time_of_type_string(blueprint):
    column(blueprint, "actual_date")["type"] = "STRING"
    refused(blueprint, f"{SCHEMA}.actual_date.type", "must be a point in time; given STRING")


def test_fails_partitioning_on_undeclared_column(blueprint):
    port(blueprint)["partitioning"] = {"column": "played_on"}
    refused(blueprint, f"{PORT}.partitioning.column", "partitioning refers to an undeclared column")


def test_fails_partitioning_on_non_partitionable_type(blueprint):
    port(blueprint)["partitioning"] = {"column": "country"}
    refused(blueprint, f"{PORT}.partitioning.column", "column 'country' cannot partition a table")


def test_partitioning_on_actual_date_is_accepted(blueprint):
    port(blueprint)["partitioning"] = {"column": "actual_date", "granularity": "MONTH"}
    accepted(blueprint)


def test_fails_clustering_on_undeclared_column(blueprint):
    port(blueprint)["clustering"] = ["podcast"]
    refused(blueprint, f"{PORT}.clustering[0]", "clustering refers to an undeclared column; given 'podcast'")


def test_fails_clustering_on_unclusterable_column(blueprint):
    port(blueprint)["schema"].append({"name": "score", "type": "FLOAT64"})
    port(blueprint)["clustering"] = ["podcast_id", "score"]
    refused(blueprint, f"{PORT}.clustering[1]", "column 'score' cannot cluster a table; given type FLOAT64")


def test_fails_clustering_on_more_than_four_columns(blueprint):
    port(blueprint)["clustering"] = ["podcast_id", "country", "age_band", "listeners", "actual_date"]
    refused(blueprint, f"{PORT}.clustering", "too many items; given 5; expected at most 4")


def test_fails_duplicate_consumer(blueprint):
    consumers = port(blueprint)["consumers"]
    consumers.append(dict(consumers[0], purpose="Again."))
    refused(blueprint, f"{PORT}.consumers.group:podcast-analysts@daff.example[3]", "duplicate consumer")


def test_fails_consumer_with_both_principal_and_product(blueprint):
    port(blueprint)["consumers"][0]["dataProduct"] = "playlist.weekly"
    refused(blueprint, f"{PORT}.consumers.group:podcast-analysts@daff.example", "given both")


def test_fails_consumer_with_neither_principal_nor_product(blueprint):
    port(blueprint)["consumers"].append({"purpose": "Nobody."})
    refused(blueprint, f"{PORT}.consumers[3]", "given neither; expected exactly one of principal, dataProduct")


def test_fails_principal_consumer_without_purpose(blueprint):
    del port(blueprint)["consumers"][0]["purpose"]
    refused(blueprint, f"{PORT}.consumers.group:podcast-analysts@daff.example",
            "a consumer principal needs a purpose")


def test_fails_consumer_self(blueprint):
    port(blueprint)["consumers"][2]["dataProduct"] = "podcast.podcast-demographics"
    refused(blueprint, f"{PORT}.consumers.podcast.podcast-demographics.dataProduct",
            "a product does not consume itself")


def test_fails_duplicate_row_filter(blueprint):
    filters = port(blueprint)["rowFilters"]
    filters.append(dict(filters[0]))
    refused(blueprint, f"{PORT}.rowFilters.eu_only[1]", "duplicate row filter; given 'eu_only' 2 times")


def test_fails_row_filter_grantee_not_a_consumer(blueprint):
    port(blueprint)["rowFilters"][0]["grantees"] = ["group:strangers@daff.example"]
    refused(blueprint, f"{PORT}.rowFilters.eu_only.grantees[0]", "must be a consumer of the port")


def test_fails_row_filter_without_grantees(blueprint):
    port(blueprint)["rowFilters"][0]["grantees"] = []
    refused(blueprint, f"{PORT}.rowFilters.eu_only.grantees", "too few items; given 0; expected at least 1")


# --- transformation ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["my image", " ", "europe-docker.pkg.dev/x/dbt:1\n"])
def test_fails_bad_image(blueprint, bad):
    dbt(blueprint)["image"] = bad
    refused(blueprint, f"{DBT}.image", "not a container image")


def test_fails_bad_env_var_name(blueprint):
    dbt(blueprint)["env"] = {"DBT-THREADS": "4"}
    refused(blueprint, f"{DBT}.env.DBT-THREADS", "not an environment variable name; given 'DBT-THREADS'")


@pytest.mark.parametrize("command, flag", [(["dbt", "build", "--target"], "--target"),
                                           (["dbt", "build", "-t", "--full-refresh"], "-t"),
                                           (["dbt", "build", "--target", "prod", "--profile"], "--profile")])
def test_fails_dbt_target_or_profile_without_value(blueprint, command, flag):
    dbt(blueprint)["command"] = command
    refused(blueprint, f"{DBT}.command", f"dbt's {flag} needs a value, or dbt refuses to run; given "
            f"{' '.join(command)!r}; expected {flag} NAME")


@pytest.mark.parametrize("command", [["dbt", "build", "--target=prod"], ["dbt", "build", "-tprod"],
                                     ["/app/run.sh", "--target"], ["sh", "-c", "dbt build --target"]])
def test_dbt_target_given_or_command_not_dbt_is_accepted(blueprint, command):
    dbt(blueprint)["command"] = command  # a wrapper's arguments are its own: not read as dbt's
    accepted(blueprint)


def test_fails_timeout_over_seven_days(blueprint):
    dbt(blueprint)["schedule"]["cron"] = "0 2 1 * *"
    dbt(blueprint)["timeout"] = "P8D"
    refused(blueprint, f"{DBT}.timeout", "at most 7 days; given 'P8D'")


def test_fails_schedule_interval_shorter_than_timeout(blueprint):
    dbt(blueprint)["schedule"] = {"cron": "*/15 * * * *", "timeZone": "UTC"}
    dbt(blueprint)["timeout"] = "PT1H"
    refused(blueprint, f"{DBT}.schedule.cron", "runs could overlap")
    refused(blueprint, f"{DBT}.schedule.cron", "given runs 15 minutes apart and a timeout of PT1H")


def test_daily_schedule_across_dst_is_accepted(blueprint):
    dbt(blueprint)["schedule"] = {"cron": "0 2 * * *", "timeZone": "Europe/Amsterdam"}
    dbt(blueprint)["timeout"] = "PT1H"
    accepted(blueprint)


def test_fails_daily_schedule_shortened_by_dst(blueprint):
    dbt(blueprint)["timeout"] = "PT23H30M"
    dbt(blueprint)["schedule"] = {"cron": "0 2 * * *", "timeZone": "UTC"}
    accepted(blueprint)
    dbt(blueprint)["schedule"]["timeZone"] = "Europe/Amsterdam"
    refused(blueprint, f"{DBT}.schedule.cron", "given runs 23h00m apart")


@pytest.mark.parametrize("bad", ["@daily", "0 2 * *", "0 2 * * * *", "60 * * * *", "0 25 * * *",
                                 "every day", ""])
def test_fails_invalid_cron(blueprint, bad):
    dbt(blueprint)["schedule"]["cron"] = bad
    refused(blueprint, f"{DBT}.schedule.cron", f"not a valid cron expression; given {bad!r}")


@pytest.mark.parametrize("bad", ["Europe/Amsterdamm", "CET+1", "utc", "Mars/Olympus", "", "../UTC"])
def test_fails_unknown_time_zone(blueprint, bad):
    dbt(blueprint)["schedule"]["timeZone"] = bad
    refused(blueprint, f"{DBT}.schedule.timeZone", f"unknown time zone; given {bad!r}")


def test_fails_max_retries_out_of_range(blueprint):
    dbt(blueprint)["maxRetries"] = 11
    refused(blueprint, f"{DBT}.maxRetries", "less than or equal to 10")


# --- enums, unknown and missing fields, wrong types ----------------------------------------------


@pytest.mark.parametrize(("path", "where", "bad"), [
    ("type", ("type",), "hybrid"),
    ("status", ("status",), "live"),
    ("policies.confidentiality", ("policies", "confidentiality"), "secret"),
    ("policies.encryption", ("policies", "encryption"), "byok"),
])
def test_fails_unknown_enum_value(blueprint, path, where, bad):
    node = blueprint
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = bad
    refused(blueprint, path, f"invalid value; given {bad!r}; expected one of")


def test_fails_unknown_column_type(blueprint):
    column(blueprint, "top_listener_email")["type"] = "VARCHAR"
    problems = refused(blueprint, f"{SCHEMA}.top_listener_email.type", "given 'VARCHAR'; expected one of")
    assert "'STRING'" in problems[0].message and "'RECORD'" in problems[0].message


def test_fails_unknown_column_role(blueprint):
    column(blueprint, "actual_date")["role"] = "eventTime"
    refused(blueprint, f"{SCHEMA}.actual_date.role", "given 'eventTime'; expected one of 'actualTime'")


def test_fails_unknown_partition_granularity(blueprint):
    port(blueprint)["partitioning"] = {"column": "processing_time", "granularity": "WEEK"}
    refused(blueprint, f"{PORT}.partitioning.granularity", "given 'WEEK'; expected one of 'HOUR'")


def test_fails_unknown_field_suggests_close_match(blueprint):
    blueprint["descripton"] = blueprint.pop("description")
    problems = refused(blueprint, "descripton", "did you mean 'description'", alone=False)
    assert {p.field for p in problems} == {"descripton", "description"}


def test_fails_unknown_nested_field_suggests_close_match(blueprint):
    column(blueprint, "country")["requird"] = True
    refused(blueprint, f"{SCHEMA}.country.requird", "unknown field; given 'requird' (did you mean 'required'?)")


def test_fails_unknown_field_without_close_match(blueprint):
    blueprint["policies"]["colour"] = "blue"
    problems = refused(blueprint, "policies.colour", "unknown field; given 'colour'; expected one of")
    assert "did you mean" not in problems[0].message


@pytest.mark.parametrize(("where", "path"), [
    (("displayName",), "displayName"),
    (("team", "owner"), "team.owner"),
    (("policies", "location"), "policies.location"),
    (("outputPorts", 0, "description"), f"{PORT}.description"),
    (("transformation", "dbt", "schedule"), f"{DBT}.schedule"),
])
def test_fails_missing_required_field(blueprint, where, path):
    node = blueprint
    for key in where[:-1]:
        node = node[key]
    del node[where[-1]]
    refused(blueprint, path, "required field is missing; expected")


def test_fails_missing_column_type(blueprint):
    del column(blueprint, "country")["type"]
    refused(blueprint, f"{SCHEMA}.country.type", "required field is missing; expected bigQuery type")


@pytest.mark.parametrize(("where", "value", "path", "phrase"), [
    (("tags",), "podcast", "tags", "wrong type; given the text 'podcast'; expected a list"),
    (("team",), ["group:x@daff.example"], "team", "expected a mapping"),
    (("version",), 1, "version", "wrong type; given the number 1; expected a string"),
    (("transformation", "dbt", "maxRetries"), "two", f"{DBT}.maxRetries", "expected a whole number"),
    (("transformation", "dbt", "env"), {"DBT_THREADS": 4}, f"{DBT}.env.DBT_THREADS", "expected a string"),
    (("links",), {"repository": "not a url"}, "links.repository", "expected a URL"),
    (("inputPorts", 0, "version"), "one", "inputPorts.listener_demographics.version", "a whole number"),
    (("outputPorts", 0, "schema", 0, "required"), "yes please", f"{SCHEMA}.podcast_id.required",
     "given the text 'yes please'; expected true or false"),
    (("outputPorts", 0, "slos", "completeness"), "high", f"{PORT}.slos.completeness", "expected a number"),
])
def test_fails_wrong_type(blueprint, where, value, path, phrase):
    node = blueprint
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    refused(blueprint, path, phrase)


# --- known bugs: these inputs raise instead of returning a problem -------------------------------


@pytest.mark.parametrize("bad", ["Europe", "Etc", pytest.param("a" * 300, id="300-chars")])
def test_fails_time_zone_naming_a_directory_or_too_long(blueprint, bad):
    dbt(blueprint)["schedule"]["timeZone"] = bad
    refused(blueprint, f"{DBT}.schedule.timeZone", "unknown time zone")


@pytest.mark.parametrize("never", ["0 2 31 4 *", "0 2 30 2 *"])
def test_fails_cron_that_never_fires(blueprint, never):
    dbt(blueprint)["schedule"]["cron"] = never
    refused(blueprint, f"{DBT}.schedule.cron", "cron")


@pytest.mark.parametrize("huge", ["P999999999Y", "P9999999999D"])
def test_fails_huge_duration(blueprint, huge):
    blueprint["policies"]["retention"] = huge
    refused(blueprint, "policies.retention", "duration")
