"""Field errors and cross-field problems of one file come out in one run (``partial.py``, ``check_parsed``).

The cross-field rules check every part of an invalid declaration that parsed; a rule that needs a
field that failed to parse stays silent for that part only. Each case pins the exact set of fields
with a problem, so a follow-on error (or a rule gone silent elsewhere) fails it.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from helpers import BLUEPRINT_FILES, dump, pos, port, product

from meshplane.declaration.loader import check_text
from meshplane.declaration.model import Column, Consumer, DataProduct
from meshplane.declaration.partial import salvage
from meshplane.declaration.problems import Problem

PORT = "outputPorts.p"
SCHEMA = f"{PORT}.schema"
ANALYST = "group:analysts@daff.example"
EMPTY = "string should have at least 1 character; given ''"


def problems_of(doc: dict) -> list[Problem]:
    model, problems = check_text(dump(doc), "f.yaml")
    assert model is None and problems, "expected a refusal"
    assert problems == sorted(problems)
    return problems


def base() -> dict:
    return product("sales.orders", ports=[port(consumers=[ANALYST])])


def columns(doc: dict) -> dict:
    return {c["name"]: c for c in doc["outputPorts"][0]["schema"]}


def test_field_error_processing_time_and_purpose_are_reported_together():
    doc = product("sales.orders", ports=[{
        "name": "p", "version": "1.0.0", "description": "One row per order.",
        "schema": [{"name": "order_id", "type": "INTEGER"}, {"name": "loaded_at", "type": "TIMESTAMP"}],
        "consumers": [{"principal": ANALYST}]}])
    text = dump(doc)
    problems = problems_of(doc)
    assert [(p.line, p.column, p.field) for p in problems] == [
        (*pos(text, "- name: order_id"), SCHEMA),
        (*pos(text, "type: INTEGER", "INTEGER"), f"{SCHEMA}.order_id.type"),
        (*pos(text, f"principal: {ANALYST}"), f"{PORT}.consumers.{ANALYST}"),
    ]
    assert "given 'INTEGER'" in problems[1].message
    assert "exactly one processingTime column" in problems[0].message
    assert "needs a purpose" in problems[2].message


def col(doc: dict, name: str) -> dict:
    return columns(doc)[name]


def out(doc: dict) -> dict:
    return doc["outputPorts"][0]


CASES = {
    # a rule needing the failed field is silent: no "must be a TIMESTAMP", no "given none"
    "processing time of an unknown type": ([lambda d: col(d, "processing_time").update(type="TIMESTAMPZ")],
                                           {f"{SCHEMA}.processing_time.type"}),
    "misspelt role value": ([lambda d: col(d, "processing_time").update(role="processingtime")],
                            {f"{SCHEMA}.processing_time.role"}),
    "misspelt role key": ([lambda d: col(d, "processing_time").update(rol=col(d, "processing_time").pop("role"))],
                          {f"{SCHEMA}.processing_time.rol"}),
    "public principal without purpose": ([lambda d: out(d).update(consumers=[{"principal": "allUsers"}])],
                                         {f"{PORT}.consumers.allUsers.principal"}),
    "partitioned on a column whose type failed": (
        [lambda d: col(d, "id").update(type="INTEGER"), lambda d: out(d).update(partitioning={"column": "id"})],
        {f"{SCHEMA}.id.type"}),
    "port version failed, product major unknown to compare": (
        [lambda d: d.update(version="0.1.0"), lambda d: out(d).update(version="1.x")], {f"{PORT}.version"}),
    "output ports not a list": ([lambda d: d.update(outputPorts="none")], {"outputPorts"}),
    "policies not a mapping": ([lambda d: d.update(policies="internal")], {"policies"}),
    # the rules still report wherever they have what they need
    "partitioned on an undeclared column": (
        [lambda d: col(d, "id").update(type="INTEGER"), lambda d: out(d).update(partitioning={"column": "nope"})],
        {f"{SCHEMA}.id.type", f"{PORT}.partitioning.column"}),
    "restricted without CMEK in a bad location": (
        [lambda d: d["policies"].update(location="Mars", confidentiality="restricted")],
        {"policies.location", "policies.encryption"}),
    "id mismatch beside a bad status": ([lambda d: d.update(status="live", id="sales.order")], {"status", "id"}),
    "nested role beside a bad type": (
        [lambda d: col(d, "id").update(type="RECORD", fields=[
            {"name": "at", "type": "TIMESTMP", "role": "actualTime"}])],
        {f"{SCHEMA}.id.fields.at.type", f"{SCHEMA}.id.fields.at.role"}),
    "purpose missing beside a bad principal": (
        [lambda d: out(d).update(consumers=[{"principal": "allUsers"}, {"principal": ANALYST}])],
        {f"{PORT}.consumers.allUsers.principal", f"{PORT}.consumers.{ANALYST}"}),
    "overlapping runs beside a bad image": (
        [lambda d: d.update(transformation={"dbt": {"image": "", "schedule": {"cron": "*/5 * * * *"}}})],
        {"transformation.dbt.image", "transformation.dbt.schedule.cron"}),
}


@pytest.mark.parametrize("case", CASES)
def test_rules_report_what_holds_beside_field_errors(case):
    mutations, fields = CASES[case]
    doc = base()
    for mutate in mutations:
        mutate(doc)
    problems = problems_of(doc)
    assert {p.field for p in problems} == fields, "\n".join(map(str, problems))
    assert len(problems) == len(fields), "\n".join(map(str, problems))


RULE_BREAKS = {  # a cross-field problem that every blueprint can be given
    "no processingTime": lambda doc: [c.pop("role", None) for c in doc["outputPorts"][0]["schema"]
                                      if c.get("role") == "processingTime"],
    "restricted without CMEK": lambda doc: doc["policies"].update(confidentiality="restricted",
                                                                  encryption="google"),
    "consumer without purpose": lambda doc: doc["outputPorts"][0]["consumers"].append({"principal": ANALYST}),
}


@pytest.mark.parametrize("path", BLUEPRINT_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("rule", RULE_BREAKS)
def test_an_unrelated_field_error_hides_no_rule_problem(path: Path, rule):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    RULE_BREAKS[rule](doc)
    alone = problems_of(doc)
    broken = copy.deepcopy(doc)
    broken["displayName"] = ""
    assert {(p.field, p.message) for p in problems_of(broken)} == \
        {(p.field, p.message) for p in alone} | {("displayName", EMPTY)}


def test_salvage_keeps_what_parsed():
    col = salvage(Column, {"name": "x", "type": "INTEGER", "pii": True})
    assert (col.name, col.pii, col.required, col.role) == ("x", True, False, None)
    with pytest.raises(AttributeError):
        col.type  # noqa: B018 - failed to parse: absent, so a rule that reads it stops


def test_salvage_does_not_default_a_field_an_unknown_key_may_misspell():
    col = salvage(Column, {"name": "x", "type": "STRING", "rol": "processingTime"})
    assert (col.name, col.required) == ("x", False)
    with pytest.raises(AttributeError):
        col.role  # noqa: B018


def test_salvage_keeps_list_items_in_place():
    product = salvage(DataProduct, {**base(), "displayName": ""})
    consumers = salvage(Consumer, "not a mapping")
    assert isinstance(product.output_ports[0].columns[1], Column) and not hasattr(product, "display_name")
    assert not any(hasattr(consumers, f) for f in Consumer.model_fields)


def test_salvage_of_a_valid_value_is_the_model():
    assert salvage(DataProduct, base()) == DataProduct.model_validate(base())
