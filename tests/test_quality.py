"""A port's declared quality expectations: what the declaration refuses, the Dataplex rules the scan
runs, the ODCS items a contract carries and reads back, and the descriptor's view of them.

What mocks cannot prove: that Dataplex runs the rules as documented (thresholds on row-level rules),
or that a SQL rule's query is valid for the port table (sqlglot parses and renders it, nothing runs
it), or that BigQuery's column-level security asks no more of a ``*`` than the tags granted here.
"""

from __future__ import annotations

import copy

import pytest

from components_support import model, settings
from meshplane.declaration.loader import check_text
from meshplane.product import addresses
from meshplane.sql.datascan_rules import scanned_tags
from meshplane.sql.datascan_rules import declared_rules, quality_rules, rule_columns
from meshplane.declaration.quality_sql import read_columns
from meshplane.declaration.model import OutputPort
from meshplane.declaration.quality import QualityRule
from meshplane.declaration.types import Confidentiality
from meshplane.catalog.descriptor import descriptor
from meshplane.interop.odcs import contract, validate_contract
from meshplane.interop.odcs_quality import KEPT_AS_TEXT, odcs_item, read_item
from test_declaration_rules import accepted, refused

PORT = "outputPorts.demographics"
TABLE = "daff-prod-p.podcast_demographics_internal.demographics_v1"  # project.dataset.table
BLUEPRINT = "blueprints/podcast/podcast-demographics.yaml"


def with_rules(doc: dict, *rules: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["outputPorts"][0]["quality"] = list(rules)
    return doc


def rule(**fields) -> QualityRule:
    return QualityRule.model_validate({"dimension": "completeness", "description": "d", **fields})


# --- the scan's rules -------------------------------------------------------------------------------

SCAN_RULES = [
    (dict(rule="nullCheck", column="country"),
     {"name": "not-null-country", "dimension": "COMPLETENESS", "description": "d", "column": "country",
      "non_null_expectation": {}}),
    (dict(rule="nullCheck", column="country", threshold=0.95, name="Country known"),
     {"name": "country-known", "dimension": "COMPLETENESS", "description": "d", "column": "country",
      "non_null_expectation": {}, "threshold": 0.95}),
    (dict(rule="uniqueCheck", column="podcast_id", dimension="uniqueness"),
     {"name": "unique-podcast-id", "dimension": "UNIQUENESS", "description": "d", "column": "podcast_id",
      "uniqueness_expectation": {}, "ignore_null": True}),
    (dict(rule="rowCount", minRows=1000, dimension="coverage"),
     {"name": "min-rows", "dimension": "COMPLETENESS", "description": "d",
      "table_condition_expectation": {"sql_expression": "COUNT(*) >= 1000"}}),
    (dict(rule="sql", query="SELECT * FROM {object} WHERE listeners < 0", dimension="conformity"),
     {"name": "sql-6fb79c16", "dimension": "VALIDITY", "description": "d",
      "sql_assertion": {"sql_statement": f"SELECT * FROM `{TABLE}` WHERE listeners < 0"}}),
]


@pytest.mark.parametrize("fields, expected", SCAN_RULES)
def test_each_checked_rule_is_one_dataplex_rule(fields, expected):
    port = model("podcast.podcast-demographics").output_ports[0].model_copy(update={"quality": [rule(**fields)]})
    assert declared_rules(port, TABLE) == [expected]
    assert quality_rules(port, TABLE)[-1] == expected  # after the SLO and row-count rules, which stay first
    assert [r["name"] for r in quality_rules(port, TABLE)[:-1]] == [
        "freshness", "completeness-podcast-id", "completeness-listeners", "completeness-processing-time",
        "row-count"]


def test_declarative_rules_reach_no_scan_and_the_blueprint_checks_two():
    port = model("podcast.podcast-demographics").output_ports[0]
    assert [q.rule for q in port.quality] == ["nullCheck", "sql", None]
    assert [r["name"] for r in declared_rules(port, TABLE)] == ["not-null-country", "sql-56114edc"]


RENDERED = [  # (declared query, the scan's sqlStatement): sqlglot's BigQuery rendering, on the port table
    ("SELECT * FROM {object} WHERE listeners < 0", f"SELECT * FROM `{TABLE}` WHERE listeners < 0"),
    ("select * from {object} where country ilike 'n%'",
     f"SELECT * FROM `{TABLE}` WHERE LOWER(country) LIKE LOWER('n%')"),
    ("SELECT * FROM {object} WHERE listeners::int < 0", f"SELECT * FROM `{TABLE}` WHERE CAST(listeners AS INT64) < 0"),
    ('SELECT podcast_id FROM {object} WHERE country = "nl" GROUP BY 1 HAVING COUNT(*) > 1',
     f"SELECT podcast_id FROM `{TABLE}` WHERE country = 'nl' GROUP BY 1 HAVING COUNT(*) > 1"),
    ("SELECT * FROM {object} AS a JOIN {object} AS b USING (podcast_id) WHERE a.listeners <> b.listeners",
     f"SELECT * FROM `{TABLE}` AS a JOIN `{TABLE}` AS b USING (podcast_id) WHERE a.listeners <> b.listeners"),
]


@pytest.mark.parametrize("query, statement", RENDERED)
def test_a_sql_rule_reaches_the_scan_as_bigquery_sql_on_the_port_table(query, statement):
    [declared] = declared_rules(OutputPort.model_validate({
        "name": "p", "version": "1.0.0", "description": "d", "quality": [dict(
            dimension="accuracy", description="d", rule="sql", query=query)],
        "schema": [{"name": "processing_time", "type": "TIMESTAMP", "role": "processingTime"}]}), TABLE)
    assert declared["sql_assertion"] == {"sql_statement": statement}
    assert "${" not in statement and "{object}" not in statement


COLUMNS = ["podcast_id", "country", "listeners", "top_listener_email", "rec"]
ALL = set(COLUMNS)
READ = [  # (query, the top-level columns it reads): a * over the port table reads them all
    ("SELECT * FROM {object} WHERE listeners < 0", ALL),
    ("select * from {object} where Listeners < 0", ALL),
    ("SELECT t.* FROM {object} AS t WHERE t.listeners < 0", ALL),
    ("SELECT * EXCEPT (top_listener_email) FROM {object} WHERE listeners < 0", ALL - {"top_listener_email"}),
    ("SELECT t.* EXCEPT (top_listener_email, rec) FROM {object} t", ALL - {"top_listener_email", "rec"}),
    ("SELECT * REPLACE (UPPER(country) AS country) FROM {object} WHERE country IS NULL", ALL),
    ("SELECT 1 FROM {object} WHERE EXISTS (SELECT * FROM {object} AS o WHERE o.listeners < 0)", ALL),
    ("WITH c AS (SELECT * FROM {object}) SELECT country FROM c", ALL),
    ("SELECT * FROM {object} AS t, UNNEST(t.rec) AS e", ALL),
    ("SELECT * FROM {object} UNION ALL SELECT * FROM {object} WHERE FALSE", ALL),
    ("SELECT COUNT(*) AS n FROM {object} HAVING n < 3", set()),
    ("SELECT podcast_id FROM {object} GROUP BY podcast_id HAVING COUNT(*) > 1", {"podcast_id"}),
    ("SELECT * FROM (SELECT country FROM {object}) WHERE country IS NULL", {"country"}),
    ("SELECT rec.* FROM {object}", {"rec"}),
    ("SELECT t.rec.x FROM {object} AS t WHERE t.rec.x IS NULL", {"rec"}),
    ("SELECT * FROM {object} WHERE ((", set()),  # refused by the declaration rules; reads nothing
]


@pytest.mark.parametrize("query, read", READ)
def test_the_columns_a_sql_rule_reads(query, read):
    assert read_columns(query, COLUMNS) == read


def test_the_scan_agent_reads_the_tags_of_every_column_a_sql_rule_reads():
    port = model("podcast.podcast-demographics").output_ports[0]
    tags = settings("podcast-prod").platform.policy_tags["EU"]
    confidential = tags[Confidentiality.CONFIDENTIAL].policy_tag
    # the blueprint names its columns: the scan agent reads no tagged column raw
    assert "top_listener_email" not in rule_columns(port)
    assert confidential not in scanned_tags(port, Confidentiality.INTERNAL, tags)
    star = port.model_copy(update={"quality": [rule(rule="sql", query="SELECT * FROM {object} WHERE listeners < 0")]})
    assert "top_listener_email" in rule_columns(star)  # a * reads the tagged e-mail: BigQuery refuses it otherwise
    assert confidential in scanned_tags(star, Confidentiality.INTERNAL, tags)
    named = rule(rule="sql", query="SELECT listeners FROM {object} WHERE TOP_LISTENER_EMAIL NOT LIKE '%@%'")
    assert "top_listener_email" in rule_columns(port.model_copy(update={"quality": [named]}))
    excepted = rule(rule="sql", query="SELECT * EXCEPT (top_listener_email) FROM {object} WHERE listeners < 0")
    unread = port.model_copy(update={"quality": [excepted]})
    assert "top_listener_email" not in rule_columns(unread)
    assert confidential not in scanned_tags(unread, Confidentiality.INTERNAL, tags)


# --- what the declaration refuses --------------------------------------------------------------------

def test_the_blueprints_rules_are_accepted(blueprint):
    accepted(blueprint)


REFUSALS = [
    ({"rule": "nullCheck"}, f"{PORT}.quality[0]", "nullCheck needs column"),
    ({"rule": "nullCheck", "column": "nope"}, f"{PORT}.quality[0].column", "undeclared column; given 'nope'"),
    ({"column": "nope"}, f"{PORT}.quality[0].column", "undeclared column"),
    ({"rule": "uniqueCheck", "column": "podcast_id", "minRows": 3}, f"{PORT}.quality[0].minRows",
     "minRows has no meaning for uniqueCheck"),
    ({"rule": "rowCount"}, f"{PORT}.quality[0]", "rowCount needs minRows"),
    ({"rule": "rowCount", "minRows": 5, "column": "country"}, f"{PORT}.quality[0].column",
     "column has no meaning for rowCount"),
    ({"threshold": 0.5}, f"{PORT}.quality[0].threshold", "threshold has no meaning for a declarative rule"),
    ({"rule": "sql", "query": "SELECT * FROM t WHERE listeners < 0"}, f"{PORT}.quality[0].query",
     "reads the port table as {object}"),
    ({"rule": "sql", "query": "SELECT '{object}' FROM t"}, f"{PORT}.quality[0].query",
     "reads the port table as {object}; given a query that does not read it"),
    ({"rule": "sql", "query": "SELECT * FROM {object} WHERE podcast_id NOT IN (SELECT id FROM ops.ds.podcasts)"},
     f"{PORT}.quality[0].query",
     "reads the port table only (the scan's agent may read nothing else); given ops.ds.podcasts"),
    ({"rule": "sql", "query": "SELECT * FROM {object} JOIN other USING (podcast_id)"}, f"{PORT}.quality[0].query",
     "given other;"),
    ({"rule": "sql", "query": "SELECT * FROM {object}; DROP TABLE x"}, f"{PORT}.quality[0].query",
     "Dataplex refuses semicolons"),
    ({"rule": "sql", "query": "DELETE FROM {object} WHERE TRUE"}, f"{PORT}.quality[0].query",
     "a sql rule is a query; given a statement DELETE"),
    ({"rule": "sql", "query": "INSERT INTO x SELECT * FROM {object}"}, f"{PORT}.quality[0].query", "statement INSERT"),
    ({"rule": "sql", "query": "MERGE x USING {object} ON TRUE WHEN MATCHED THEN DELETE"}, f"{PORT}.quality[0].query",
     "statement MERGE"),
    ({"rule": "sql", "query": "CREATE TABLE x AS SELECT * FROM {object}"}, f"{PORT}.quality[0].query",
     "statement CREATE"),
    ({"rule": "sql", "query": "SELECT * FROM {object} WHERE (("}, f"{PORT}.quality[0].query", "not BigQuery SQL"),
    ({"rule": "sql", "query": "SELECT TOP 5 * FROM {object}"}, f"{PORT}.quality[0].query", "not BigQuery SQL"),
    ({"rule": "sql", "query": "SELECT * FROM {object} WHERE country = 'nl"}, f"{PORT}.quality[0].query",
     "not BigQuery SQL: Error tokenizing 'SELECT * FROM {object} WHERE"),
    ({"rule": "sql", "query": "-- nothing"}, f"{PORT}.quality[0].query", "not BigQuery SQL"),
    ({"rule": "rowCount", "minRows": 1, "name": "Row count"}, f"{PORT}.quality.Row count",
     "two data-quality scan rules would be named 'row-count'"),
    ({"rule": "nullCheck", "column": "country", "threshold": 0}, f"{PORT}.quality[0].threshold", "not a ratio"),
    ({"description": "x" * 1025}, f"{PORT}.quality[0].description", "1024"),
]


@pytest.mark.parametrize("fields, field, phrase", REFUSALS)
def test_fails_a_quality_rule_that_cannot_be_what_it_says(blueprint, fields, field, phrase):
    refused(with_rules(blueprint, {"dimension": "accuracy", "description": "d", **fields}), field, phrase)


def test_a_bad_query_is_located_on_its_line():
    text = open(BLUEPRINT, encoding="utf-8").read()
    bad = text.replace('query: "SELECT podcast_id, actual_date, listeners FROM {object} WHERE listeners < 0"',
                       'query: "DELETE FROM {object} WHERE TRUE"')
    model_, problems = check_text(bad, BLUEPRINT)
    line = bad.splitlines().index('        query: "DELETE FROM {object} WHERE TRUE"') + 1
    assert model_ is None and [str(p) for p in problems] == [
        f"{BLUEPRINT}:{line}:16: {PORT}.quality[1].query: a sql rule is a query; given a statement DELETE; "
        "expected a SELECT returning the rows that break the expectation"]


def test_fails_a_column_check_on_a_value_it_cannot_compare(blueprint):
    doc = copy.deepcopy(blueprint)
    doc["outputPorts"][0]["schema"].insert(0, {"name": "tags", "type": "STRING", "repeated": True})
    doc["outputPorts"][0]["schema"].insert(0, {"name": "shape", "type": "GEOGRAPHY"})
    refused(with_rules(doc, {"dimension": "completeness", "description": "d", "rule": "nullCheck", "column": "tags"}),
            f"{PORT}.quality[0].column", "a repeated column")
    refused(with_rules(doc, {"dimension": "uniqueness", "description": "d", "rule": "uniqueCheck", "column": "shape"}),
            f"{PORT}.quality[0].column", "which BigQuery cannot compare")


def test_fails_two_rules_the_scan_would_name_alike(blueprint):
    twice = {"dimension": "completeness", "description": "d", "rule": "nullCheck", "column": "country"}
    refused(with_rules(blueprint, twice, dict(twice, threshold=0.5)), f"{PORT}.quality[1]", "'not-null-country'")


# --- ODCS ----------------------------------------------------------------------------------------------

ODCS_ITEMS = [
    (dict(rule="nullCheck", column="country"),
     {"type": "library", "metric": "nullValues", "mustBe": 0, "dimension": "completeness", "description": "d"}),
    (dict(rule="nullCheck", column="country", threshold=0.95),
     {"type": "library", "metric": "nullValues", "mustBeLessOrEqualTo": 5, "unit": "percent",
      "dimension": "completeness", "description": "d"}),
    (dict(rule="uniqueCheck", column="id", threshold=0.999, name="ids"),
     {"name": "ids", "type": "library", "metric": "duplicateValues", "mustBeLessOrEqualTo": 0.1, "unit": "percent",
      "dimension": "completeness", "description": "d"}),
    (dict(rule="rowCount", minRows=10),
     {"type": "library", "metric": "rowCount", "mustBeGreaterOrEqualTo": 10, "dimension": "completeness",
      "description": "d"}),
    (dict(rule="sql", query="SELECT * FROM {object} WHERE x < 0"),
     {"type": "sql", "query": "SELECT COUNT(*) FROM (SELECT * FROM {object} WHERE x < 0)", "mustBe": 0,
      "dimension": "completeness", "description": "d"}),
    (dict(column="country"), {"type": "text", "dimension": "completeness", "description": "d"}),
]


@pytest.mark.parametrize("fields, item", ODCS_ITEMS)
def test_each_rule_is_an_odcs_item_and_reads_back_as_itself(fields, item):
    declared = rule(**fields)
    assert odcs_item(declared) == item
    back, note = read_item(item, declared.column)
    assert note is None and QualityRule.model_validate(back) == declared


def test_the_contract_carries_the_rules_on_the_object_and_on_their_columns():
    product = model("podcast.podcast-demographics")
    doc = contract(product, product.output_ports[0])
    validate_contract(doc)
    [obj] = doc["schema"]
    assert obj["quality"] == [{"type": "sql", "query": "SELECT COUNT(*) FROM (SELECT podcast_id, actual_date, "
                               "listeners FROM {object} WHERE listeners < 0)", "mustBe": 0, "dimension": "accuracy",
                               "description": "A listener count is never negative."}]
    props = {p["name"]: p for p in obj["properties"]}
    assert props["country"]["quality"][0]["metric"] == "nullValues"
    assert props["age_band"]["quality"] == [{"type": "text", "dimension": "accuracy", "description":
                                             "Age bands are self-declared, not always filled and sometimes wrong."}]
    assert [k for k in obj if k in ("quality", "properties")] == ["quality", "properties"]


FOREIGN_ITEMS = [  # (item, column, rule read, note phrase)
    ({"metric": "rowCount", "mustBeGreaterThan": 0}, None,
     {"dimension": "completeness", "rule": "rowCount", "minRows": 1}, "read as rowCount minRows 1"),
    ({"metric": "nullValues", "mustBe": 0, "dimension": "cp"}, "c",
     {"dimension": "completeness", "rule": "nullCheck", "column": "c"}, None),
    ({"metric": "invalidValues", "arguments": {"validValues": ["kg"]}, "mustBeLessThan": 5, "description": "Units."},
     "c", {"dimension": "conformity", "description": "Units.", "column": "c"}, KEPT_AS_TEXT),
    ({"type": "custom", "engine": "soda", "implementation": "x", "description": "Soda."}, None, None,
     "needs a dimension"),
    ({"type": "sql", "query": "SELECT MAX(x) FROM {object}", "mustBeLessThan": 3, "dimension": "accuracy"}, None,
     None, "needs a description"),
]


@pytest.mark.parametrize("item, column, expected, phrase", FOREIGN_ITEMS)
def test_foreign_items_become_rules_when_they_can_and_say_why_not(item, column, expected, phrase):
    back, note = read_item(item, column)
    if expected is None:
        assert back is None
    else:
        assert {k: v for k, v in back.items() if k != "description" or "description" in expected} == expected
        QualityRule.model_validate(back)
    assert (note is None) if phrase is None else (phrase in note)


# --- the descriptor ------------------------------------------------------------------------------------

def test_the_descriptor_lists_every_expectation_and_which_the_scan_checks():
    product, s = model("podcast.podcast-demographics"), settings("podcast-prod")
    d = descriptor(product, addresses.project_id(product, s.platform, s.environment),
                   addresses.runner_principal(product, s.platform, s.environment), s.platform, s.environment)
    [port] = d["outputPorts"]
    assert [(q["dimension"], q.get("rule"), q["checked"], q.get("scanRule")) for q in port["quality"]] == [
        ("completeness", "nullCheck", True, "not-null-country"), ("accuracy", "sql", True, "sql-56114edc"),
        ("accuracy", None, False, None)]
    assert port["quality"][0]["threshold"] == 0.95
    assert d["description"]["limitations"] == product.description.limitations


def test_rules_are_documented_on_the_port():
    assert OutputPort.model_fields["quality"].description
    assert all(info.description for info in QualityRule.model_fields.values())
