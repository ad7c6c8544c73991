"""Tests that notice, for the column decisions: which columns are sensitive at which level and who reads
them raw (``column_security``), and how the interface view masks PII (``view_sql``); each pinned by a
test that a mutation of the decision fails (issue 20; ``bench/mutate.py``, docs/testing.md).
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from meshplane.product.column_security import TagGrant, sensitive_leaves, tag_grants, unenforced_pii, view_masking
from meshplane.declaration.model import Column, OutputPort
from meshplane.declaration.types import Confidentiality
from meshplane.settings.platform import PolicyTagSettings
from meshplane.sql.view_sql import interface_view_sql
from test_view_sql import h
from test_view_sql import run as run_view
from test_view_sql_latest import T1, T2, VIEWS, col, per_key
from test_view_sql_latest import run as run_latest

# --- column security ---

def test_a_classified_records_unclassified_fields_take_its_level_two_levels_down():
    record = Column.model_validate({"name": "contact", "type": "RECORD", "classification": "restricted", "fields": [
        {"name": "email", "type": "STRING"},
        {"name": "address", "type": "RECORD", "fields": [{"name": "street", "type": "STRING"}]}]})
    leaves = sensitive_leaves([record, Column(name="id", type="STRING")], Confidentiality.INTERNAL)
    assert leaves == {"contact.email": Confidentiality.RESTRICTED, "contact.address.street": Confidentiality.RESTRICTED}


def test_the_view_leaves_a_tagged_pii_field_of_a_plain_record_to_bigquery_and_masks_the_untagged():
    record = Column.model_validate({"name": "device", "type": "RECORD", "fields": [
        {"name": "model", "type": "STRING"}, {"name": "ip", "type": "STRING", "pii": True},
        {"name": "mac", "type": "STRING", "pii": True}]})
    (masked,) = view_masking([record], {"device.ip": "tags/restricted"})
    assert (masked.pii, [(f.name, f.pii) for f in masked.fields]) == (False, [("model", False), ("ip", False),
                                                                                ("mac", True)])
    assert unenforced_pii([record], {"device.ip": "tags/restricted"}) == ["device.mac"]
    assert unenforced_pii([record], {"device.ip": "t", "device.mac": "t"}) == []


def test_a_tag_grant_is_a_value_equal_grants_are_one():
    grant = TagGrant(Confidentiality.RESTRICTED, "group:a@x", True)
    assert {grant, TagGrant(Confidentiality.RESTRICTED, "group:a@x", True)} == {grant}
    with pytest.raises(AttributeError):
        grant.raw = False


GOV = "projects/g/locations/eu/taxonomies/1"
TAGS = {level: PolicyTagSettings(policy_tag=f"{GOV}/policyTags/{level.value}",
                                 data_policy=f"projects/g/locations/eu/dataPolicies/{level.value}_sha256")
        for level in (Confidentiality.CONFIDENTIAL, Confidentiality.RESTRICTED)}


def _port(key: str | None, **listener_id) -> OutputPort:
    schema = [{"name": "listener_id", "type": "STRING", **listener_id},
              {"name": "email", "type": "STRING", "pii": True, "classification": "restricted"}]
    return OutputPort.model_validate({"name": "p", "version": "1.0.0", "description": "d", "subjectKey": key,
                                      "schema": schema})


@pytest.mark.parametrize(("port", "raw"), [
    (_port("listener_id", classification="confidential"), [Confidentiality.CONFIDENTIAL]),
    (_port("listener_id", pii=True), [Confidentiality.CONFIDENTIAL]),  # the product's level
    (_port("listener_id", classification="internal"), []),  # a level the platform does not tag
    (_port("listener_id"), []),  # not sensitive: no tag to read through
    (_port(None, classification="confidential"), []),
])
def test_the_eraser_reads_raw_the_tag_of_the_subject_key_only(port, raw):
    eraser = "group:data-governance@daff.example"
    grants = tag_grants([(port, [])], Confidentiality.CONFIDENTIAL, TAGS, [], erasers=[eraser])
    assert [g.level for g in grants if g.member == eraser] == raw
    assert all(g.raw for g in grants if g.member == eraser)


# --- the view's masking ---

def test_geography_pii_is_hashed_through_its_json_text():
    sql = " ".join(interface_view_sql("p", "d", "t", [Column(name="g", type="GEOGRAPHY", pii=True)]).split())
    assert "TO_HEX(SHA256(TO_JSON_STRING(`g`))) AS `g`" in sql


def test_pii_two_records_deep_is_hashed_in_place_and_null_records_stay_null():
    column = Column.model_validate({"name": "a", "type": "RECORD", "fields": [
        {"name": "k", "type": "STRING"},
        {"name": "b", "type": "RECORD", "fields": [{"name": "c", "type": "STRING", "pii": True},
                                                   {"name": "d", "type": "INT64"}]}]})
    sql = "".join(interface_view_sql("p", "d", "t", [column]).split())
    assert "TO_HEX(SHA256(`a`.`b`.`c`))AS`c`" in sql and "`a`.`b`.`d`AS`d`" in sql and "`a`.`k`AS`k`" in sql
    assert "IF(`a`.`b`ISNULL,NULL,STRUCT(" in sql and "IF(`a`ISNULL,NULL,STRUCT(" in sql
    got = run_view([column], '"a" STRUCT("k" VARCHAR, "b" STRUCT("c" VARCHAR, "d" BIGINT))',
                   "({'k': 'x', 'b': {'c': 'secret', 'd': 4}}), ({'k': 'y', 'b': NULL}), (NULL)")
    assert got == [({"k": "x", "b": {"c": h("secret"), "d": 4}},), ({"k": "y", "b": None},), (None,)]


def test_a_row_without_processing_time_is_never_the_latest_of_its_key():
    columns = [col("k", required=True), col("n", "INT64"), col("processing_time", "TIMESTAMP", role="processingTime")]
    ddl = '"k" VARCHAR, "n" BIGINT, "processing_time" TIMESTAMP'
    rows = f"('a', 1, NULL), ('a', 2, '{T1}'), ('b', 3, NULL), ('b', 4, '{T2}'), ('c', 5, NULL)"
    assert run_latest(columns, per_key("k"), ddl, rows) == [("a", 2, T1), ("b", 4, T2), ("c", 5, "None")]


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_identifier_of_a_view_is_backquoted(name):
    columns, serving = VIEWS[name]
    for mask in (True, False):
        tree = sqlglot.parse_one(interface_view_sql("p", "d", "t", columns, serving=serving, mask_pii=mask),
                                 read="bigquery")
        assert [i.name for i in tree.find_all(exp.Identifier) if not i.quoted] == []
