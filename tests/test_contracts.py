"""Port contract changes and semantic versioning at review (``plan/contracts.py``, ``plan/versions.py``).

Descriptors are built by hand: one per case, a port changed in one way. What is pinned is the class a
change needs (breaking, additive, patch), whether it loses data, and what the versions must say.
The scenarios over the real mesh are in ``test_diff.py``.
"""

from __future__ import annotations

import copy
import json

import pytest

from meshplane.plan.contracts import BREAKING, ADDITIVE, PATCH, descriptor_paths, descriptors, port_changes
from meshplane.plan.versions import REFUSED, WARNING, compare_contracts

COLUMNS = [
    {"name": "podcast_id", "type": "STRING", "mode": "REQUIRED", "description": "Podcast"},
    {"name": "listeners", "type": "INTEGER", "mode": "NULLABLE"},
    {"name": "tags", "type": "STRING", "mode": "REPEATED"},
    {"name": "address", "type": "RECORD", "mode": "NULLABLE",
     "fields": [{"name": "city", "type": "STRING", "mode": "NULLABLE"}]},
    {"name": "processing_time", "type": "TIMESTAMP", "mode": "REQUIRED"},
]
PORT = {"name": "demographics", "version": "1.2.0", "schema": COLUMNS, "address": "p.d_v1.demographics",
        "partitioning": {"column": "processing_time", "granularity": "DAY"}, "retention": "P3Y",
        "slos": {"freshness": "PT26H"}, "maskedColumns": ["address.city"], "deprecated": False}


def edited(change) -> dict:
    port = copy.deepcopy(PORT)
    change(port)
    return port


def column(port: dict, name: str) -> dict:
    return next(c for c in port["schema"] if c["name"] == name)


def drop(name):
    return lambda p: p.update(schema=[c for c in p["schema"] if c["name"] != name])


# (edit, path, kind, loses data)
CASES = {
    "drop": (drop("listeners"), "listeners", BREAKING, True),
    "rename": (lambda p: column(p, "listeners").update(name="audience"), "listeners", BREAKING, True),
    "type": (lambda p: column(p, "listeners").update(type="STRING"), "listeners", BREAKING, True),
    "legacy type name is no change": (lambda p: column(p, "listeners").update(type="INT64"), None, None, None),
    "nullable to required": (lambda p: column(p, "listeners").update(mode="REQUIRED"), "listeners", BREAKING, True),
    "required to nullable": (lambda p: column(p, "podcast_id").update(mode="NULLABLE"), "podcast_id", BREAKING,
                             False),
    "repeated to nullable": (lambda p: column(p, "tags").update(mode="NULLABLE"), "tags", BREAKING, True),
    "new required column": (lambda p: p["schema"].append({"name": "n", "type": "INTEGER", "mode": "REQUIRED"}),
                            "n", BREAKING, True),
    "new nullable column": (lambda p: p["schema"].append({"name": "n", "type": "INTEGER", "mode": "NULLABLE"}),
                            "n", ADDITIVE, False),
    "new repeated column": (lambda p: p["schema"].append({"name": "n", "type": "INTEGER", "mode": "REPEATED"}),
                            "n", ADDITIVE, False),
    "nested field dropped": (lambda p: column(p, "address").update(fields=[]), "address.city", BREAKING, True),
    "nested field added": (lambda p: column(p, "address")["fields"].append({"name": "zip", "type": "STRING"}),
                           "address.zip", ADDITIVE, False),
    "description": (lambda p: column(p, "podcast_id").update(description="The podcast"), "podcast_id", PATCH, False),
    "partitioning column": (lambda p: p.update(partitioning={"column": "actual_date", "granularity": "DAY"}),
                            "partitioning", BREAKING, True),
    "partitioning granularity": (lambda p: p.update(partitioning={"column": "processing_time", "granularity": "MONTH"}),
                                 "partitioning", BREAKING, False),  # an update BigQuery refuses: no data lost
    "quality": (lambda p: p.update(quality=[{"dimension": "completeness", "description": "x"}]), "quality", PATCH,
                False),
    "serving": (lambda p: p.update(serving={"mode": "latestPerKey", "key": ["podcast_id"]}), "serving", BREAKING,
                False),
    "serving stated as the default is no change": (lambda p: p.update(serving={"mode": "history"}), None, None, None),
    "address": (lambda p: p.update(address="p.other.demographics"), "address", BREAKING, False),
    "newly masked": (lambda p: p.update(maskedColumns=["address.city", "podcast_id"]), "podcast_id", BREAKING, False),
    "no longer masked": (lambda p: p.update(maskedColumns=[]), "address.city", ADDITIVE, False),
    "retention shorter": (lambda p: p.update(retention="P1Y"), "retention", ADDITIVE, True),
    "retention set": (lambda p: p.pop("retention"), "retention", ADDITIVE, False),
    "retention longer": (lambda p: p.update(retention="P5Y"), "retention", ADDITIVE, False),
    "clustering": (lambda p: p.update(clustering=["podcast_id"]), "clustering", PATCH, False),
    "slos": (lambda p: p.update(slos={"freshness": "PT2H"}), "slos", PATCH, False),
    "deprecation": (lambda p: p.update(deprecated=True), "deprecation", PATCH, False),
}


@pytest.mark.parametrize("case", CASES)
def test_each_port_change_is_classified(case):
    edit, path, kind, loses = CASES[case]
    changes = port_changes("p.x", PORT, edited(edit))
    if path is None:
        assert changes == []
        return
    [change] = changes
    assert (change.path, change.kind, change.data_loss) == (path, kind, loses)
    assert ("breaking" in change.flags) == (kind == BREAKING) and ("data-loss" in change.flags) == loses


def test_a_dropped_masked_column_is_not_unmasked():
    changes = port_changes("p.x", PORT, edited(drop("address")))
    assert [(c.path, c.flags) for c in changes] == [("address", ["breaking", "data-loss"])]


def test_a_rename_is_one_breaking_change_and_unmasking_widens_access():
    [rename] = port_changes("p.x", PORT, edited(CASES["rename"][0]))
    assert rename.what == "renamed to audience"
    [unmasked] = port_changes("p.x", PORT, edited(CASES["no longer masked"][0]))
    assert unmasked.flags == ["access-widened"]


def descriptor(*ports: dict, version: str = "1.4.0") -> dict:
    return {"descriptorVersion": "meshplane.dev/descriptor/v1", "id": "p.x", "version": version,
            "outputPorts": list(ports)}


def plan(*ports: dict, version: str = "1.4.0") -> dict:
    return {"steps": [], "outputs": {"p.x": descriptor(*ports, version=version)}}


def findings(base: dict, head: dict) -> list[tuple[str, str, str]]:
    return [(f.port, f.level, f.message) for f in compare_contracts(base, head).findings]


def test_a_breaking_change_within_a_major_is_refused_with_the_fix():
    [(port, level, message)] = findings(plan(PORT), plan(edited(drop("listeners")), version="2.0.0"))
    assert (port, level) == ("demographics v1", REFUSED)
    assert "listeners dropped" in message and "version 2.0.0" in message and "deprecate v1" in message


def test_a_new_major_side_by_side_with_a_product_major_passes():
    v2 = edited(drop("listeners")) | {"version": "2.0.0", "address": "p.d_v2.demographics"}
    result = compare_contracts(plan(PORT), plan(PORT, v2, version="2.0.0"))
    assert result.findings == []
    assert [(c.port, c.what, c.kind) for c in result.changes] == [
        ("demographics v2", "new major, served side by side", ADDITIVE)]


def test_a_new_port_major_without_a_product_major_is_refused():
    v2 = PORT | {"version": "2.0.0"}
    [(port, level, message)] = findings(plan(PORT), plan(PORT, v2, version="1.5.0"))
    assert (port, level) == ("", REFUSED) and "expected 2.0.0" in message


def test_removing_a_major_needs_its_deprecation_first():
    v2 = PORT | {"version": "2.0.0"}
    [(port, level, message)] = findings(plan(PORT, v2, version="2.0.0"), plan(v2, version="3.0.0"))
    assert (port, level) == ("demographics v1", REFUSED) and "deprecation" in message
    deprecated = PORT | {"deprecated": True}
    assert findings(plan(deprecated, v2, version="2.0.0"), plan(v2, version="3.0.0")) == []


@pytest.mark.parametrize(("edit", "port_version", "product_version", "expected"), [
    (CASES["new nullable column"][0], "1.2.0", "1.5.0", [("demographics v1", "expected 1.3.0")]),
    (CASES["new nullable column"][0], "1.3.0", "1.4.0", [("", "expected 1.5.0")]),
    (CASES["new nullable column"][0], "1.3.0", "1.5.0", []),
    (CASES["description"][0], "1.2.0", "1.4.1", [("demographics v1", "expected 1.2.1")]),
    (CASES["description"][0], "1.2.1", "1.4.1", []),
    (lambda p: None, "1.1.0", "1.4.0", [("demographics v1", "goes backwards")]),
])
def test_compatible_changes_without_their_bump_are_warnings(edit, port_version, product_version, expected):
    head = plan(edited(edit) | {"version": port_version}, version=product_version)
    found = findings(plan(PORT), head)
    assert [(port, level) for port, level, _ in found] == [(port, WARNING) for port, _ in expected]
    assert all(text in message for (_, _, message), (_, text) in zip(found, expected))


def test_descriptors_come_from_the_outputs_or_the_registry_objects():
    text = json.dumps(descriptor(PORT))
    step = {"newState": {"type": "gcp:storage/bucketObject:BucketObject", "inputs": {"source": {"text": text}}}}
    assert descriptors({"steps": [step]}) == {"p.x": descriptor(PORT)}
    assert descriptors(plan(PORT))["p.x"]["outputPorts"] == [PORT]
    assert descriptors({"steps": [], "outputs": {"p.x": "not a descriptor"}}) == {}


def test_descriptor_changes_are_named_field_by_field():
    old = {"source": {"text": json.dumps(descriptor(PORT))}}
    new = {"source": {"text": json.dumps(descriptor(edited(CASES["type"][0]), version="2.0.0"))}}
    assert descriptor_paths(old, new) == ["descriptor.outputPorts[demographics v1].schema[listeners].type",
                                          "descriptor.version"]
    assert descriptor_paths({"source": "[secret]"}, new) == ["source"]  # a state written before: not readable
