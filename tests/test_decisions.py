"""Tests that notice: the review's classifications and the access decisions, each pinned by a test that
a mutation of the decision fails (issue 20; ``bench/mutate.py`` measures it, docs/testing.md).

The replacement table is tested from the table itself and from its reviewed record in docs/diff.md
(which must list the same inputs): every type, every input that replaces, every input documented as
updated in place. An entry added to ``REPLACE_ON`` is tested the moment it exists; one dropped from it
still has its documented case, which then fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from diff_support import diff, document, one, state
from meshplane.plan.diff import DATA_LOSS, NARROWED, OPTIONS, POLICY, WIDENED, load_document
from meshplane.plan.diff_access import grants_of
from meshplane.gcpmodel.replacements import (DATASET, DATASET_ACCESS, EVERY, REPLACE_ON, TABLE, guards,
                                         schema_forces_replacement)
from meshplane.gcpmodel.table_losses import in_place_losses

# --- the replacement table, generated from REPLACE_ON and docs/diff.md ---

DOC = Path(__file__).resolve().parents[1] / "docs" / "diff.md"
UNLISTED = "notAForceNewInput"  # an input no rule lists


def _set(inputs: dict, path: str, value: object) -> dict:
    """``inputs`` with ``value`` at the dotted ``path`` (nested mappings made as needed)."""
    out = json.loads(json.dumps(inputs))
    at = out
    *parents, leaf = path.split(".")
    for key in parents:
        at = at.setdefault(key, {})
    at[leaf] = value
    return out


def _base(rule_inputs: tuple[str, ...]) -> dict:
    inputs: dict = {"member": "group:a@x", "role": "r"}
    for path in rule_inputs:
        if path != EVERY:
            inputs = _set(inputs, path, f"old-{path}")
    return inputs


def _new_value(key: str) -> object:
    """A new value for ``key``; a dataset's ``accesses`` is a list of ACL entries."""
    return [{"role": "READER", "groupByEmail": "new@x"}] if key == "accesses" else f"new-{key}"


def _documented() -> dict[str, tuple[list[str], list[str]]]:
    """docs/diff.md's replacement table: type -> (inputs that replace, ``*`` for every input; inputs updated
    in place). The reviewed record of the table: the code must agree with it both ways."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith(("| `gcp:", "| `time:")):
            type_, replaced, updated = (cell.strip() for cell in line.strip().strip("|").split(" | "))
            replaced = replaced.split(";")[0].split(" (")[0]
            keys = [EVERY] if replaced == "every input" else re.findall(r"`([^`]+)`", replaced)
            rows[type_.strip("`")] = (keys, re.findall(r"`([^`]+)`", updated))
    return rows


DOCUMENTED = _documented()


def _listed(rule_inputs: tuple[str, ...]) -> tuple[str, ...]:
    return ("member",) if EVERY in rule_inputs else rule_inputs


LISTED = sorted({(t, k) for t, rule in REPLACE_ON.items() for k in _listed(rule.inputs)} |
                {(t, k) for t, (keys, _) in DOCUMENTED.items() for k in _listed(tuple(keys))})
NOT_LISTED = sorted({(t, k) for t, rule in REPLACE_ON.items()
                     for k in ((UNLISTED,) if EVERY not in rule.inputs else rule.except_)} |
                    {(t, k) for t, (_, updated) in DOCUMENTED.items() for k in updated})


def test_the_documented_replacement_table_is_the_code_table():
    assert {t: keys for t, (keys, _) in DOCUMENTED.items()} == {t: list(r.inputs) for t, r in REPLACE_ON.items()}


@pytest.mark.parametrize(("type_", "key"), LISTED, ids=[f"{t.rsplit(':', 1)[-1]}-{k}" for t, k in LISTED])
def test_every_listed_force_new_input_replaces_alone(type_, key):
    old = _base(REPLACE_ON[type_].inputs)
    change = one(type_, old, _set(old, key, f"new-{key}"))
    assert (change.op, change.replace_keys) == ("replace", [key])


@pytest.mark.parametrize(("type_", "key"), NOT_LISTED, ids=[f"{t.rsplit(':', 1)[-1]}-{k}" for t, k in NOT_LISTED])
def test_an_input_the_table_does_not_list_updates(type_, key):
    old = _base(REPLACE_ON[type_].inputs)
    change = one(type_, old, _set(old, key, _new_value(key)))
    assert (change.op, change.replace_keys, change.changed_inputs) == ("update", [], [key])


def test_the_generated_cases_cover_the_force_new_keys_the_issue_names():
    assert {("datasetId", DATASET), ("project", DATASET)} <= {(k, t) for t, k in LISTED}
    assert {"encryptionConfiguration", "rangePartitioning.field", "materializedView.query",
            "tableReplicationInfo"} <= {k for t, k in LISTED if t == TABLE}


@pytest.mark.parametrize(("old", "new"), [("INT64", "STRING"), ("INTEGER", "STRING"), ("STRING", "INT64"),
                                          ("FLOAT64", "NUMERIC"), ("BOOL", "STRING")])
def test_a_column_type_change_replaces_the_table(old, new):
    schema = [{"name": "a", "type": old}]
    assert schema_forces_replacement(json.dumps(schema), json.dumps([{"name": "a", "type": new}]))
    table = {"project": "p", "datasetId": "d", "tableId": "t"}
    change = one(TABLE, {**table, "schema": json.dumps(schema)},
                 {**table, "schema": json.dumps([{"name": "a", "type": new}])})
    assert (change.op, change.replace_keys, change.changed_inputs) == ("replace", ["schema"], ["schema"])


@pytest.mark.parametrize(("old", "new"), [("INTEGER", "INT64"), ("FLOAT", "FLOAT64"), ("FLOAT64", "FLOAT"),
                                          ("BOOLEAN", "BOOL"), ("BOOL", "BOOLEAN"), ("string", "STRING")])
def test_a_type_alias_is_the_same_column_type(old, new):
    schema = json.dumps([{"name": "a", "type": old}])
    assert schema_forces_replacement(schema, json.dumps([{"name": "a", "type": new}])) is False
    assert schema_forces_replacement(schema, schema) is False


@pytest.mark.parametrize(("was", "now", "lost"), [("PREVENT", "DELETE", ["deletionPolicy"]),
                                                 ("ABANDON", None, ["deletionPolicy"]),
                                                 ("DELETE", "ABANDON", []), (None, "DELETE", [])])
def test_a_deletion_policy_guards_only_when_it_prevents_or_abandons(was, now, lost):
    old, new = ({"datasetId": "d"} | ({"deletionPolicy": v} if v else {}) for v in (was, now))
    change = one(DATASET, old, new)
    assert (change.lost_guards, change.data_loss) == (lost, bool(lost))
    assert guards({"deletionPolicy": "DELETE"}, False) == set() and guards({}, True) == {"protect"}
    table = {"project": "p", "datasetId": "d", "tableId": "t", "deletionProtection": True}
    change = one(TABLE, table, {**table, "deletionProtection": False})
    assert (change.op, change.lost_guards, change.flags) == ("update", ["deletionProtection"], [DATA_LOSS])


def test_a_record_losing_its_fields_replaces_and_an_unreadable_schema_drops_nothing():
    record = [{"name": "r", "type": "RECORD", "fields": [{"name": "x", "type": "STRING"}]}]
    assert schema_forces_replacement(json.dumps(record), json.dumps([{"name": "r", "type": "RECORD"}])) is True
    assert schema_forces_replacement(json.dumps([{"name": "r", "type": "RECORD"}]), json.dumps(record)) is True
    assert schema_forces_replacement('{"a": 1}', '{"a":1}') is False  # the same value, spaced otherwise
    assert schema_forces_replacement('{"a": 1}', '[{"name": "a"}]') is True
    for old, new in (('{"a": 1}', '[{"name": "a"}]'), ('[{"name": "a"}]', '{"a": 1}'),
                     ('[{"name": "a"}]', "04da6b54-80e4-46f7-96ec-b56ff0331ba9")):  # unknown during preview
        assert in_place_losses(TABLE, {"schema": old}, {"schema": new}) == []


S, R, N = ({"name": "a", "type": "STRING"}, {"name": "a", "type": "STRING", "mode": "REQUIRED"},
           {"name": "a", "type": "STRING", "mode": "nullable"})


def _record(*fields: dict) -> dict:
    return {"name": "r", "type": "RECORD", "fields": list(fields)}


@pytest.mark.parametrize(("old", "new", "replaces"), [
    (None, [S], False), ([S], None, False),  # a schema given for the first time; every column dropped
    ([S], [N], False), ([N], [S], False),  # NULLABLE is the default mode, in any case
    ([S], [{**S, "mode": "REPEATED"}], True), ([R], [{**S, "mode": "REPEATED"}], True),
    ([{**S, "mode": "REPEATED"}], [S], True),
    ([{"name": "a"}], [S], False),  # a column without a type (unknown): no type change seen
    ([_record(S)], [_record(S, {"name": "b", "type": "INT64"})], False),  # a nested NULLABLE field added
    ([_record(S)], [_record(S, {"name": "b", "type": "INT64", "mode": "REQUIRED"})], True),
    ([_record(S)], [_record({**S, "type": "INT64"})], True),  # a nested type change
    ([_record(S)], [_record({**S, "description": "now described"})], False),
])
def test_the_schema_rules_for_modes_first_schemas_and_nested_fields(old, new, replaces):
    text = (json.dumps(v) if v is not None else None for v in (old, new))
    assert schema_forces_replacement(*text) is replaces


@pytest.mark.parametrize(("roots", "path", "replaces"), [
    (["*"], "labels.a", True), (["labels"], "labels.a", True), (["labels.a"], "labels.a", True),
    (["label"], "labels.a", False), (["labels.a.b"], "labels.a", False), ([], "labels.a", False),
])
def test_replace_on_changes_names_a_path_or_a_root_above_it(roots, path, replaces):
    old = {"datasetId": "d", "labels": {"a": "1"}}
    change = one(DATASET, old, {**old, "labels": {"a": "2"}}, replaceOnChanges=roots)
    assert (change.op, change.replace_keys) == (("replace", [path]) if replaces else ("update", []))


def test_a_force_new_input_given_as_null_where_it_was_absent_is_a_change():
    old = {"project": "p", "datasetId": "d", "tableId": "t"}
    for key, value in (("encryptionConfiguration", None), ("timePartitioning", {"field": None})):
        change = one(TABLE, old, {**old, key: value})
        assert (change.op, change.replace_keys) == ("replace", [key if value is None else f"{key}.field"])


# --- access: grants and their targets ---

INTERNAL_TAG, RESTRICTED_TAG = ("projects/g/locations/eu/taxonomies/1/policyTags/internal",
                                "projects/g/locations/eu/taxonomies/1/policyTags/restricted")
MOVED_GRANTS = [
    ("gcp:datacatalog/policyTagIamMember:PolicyTagIamMember", "policyTag",
     "roles/datacatalog.categoryFineGrainedReader", INTERNAL_TAG, RESTRICTED_TAG),
    ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "cryptoKeyId",
     "roles/cloudkms.cryptoKeyEncrypterDecrypter", "projects/k/locations/eu/keyRings/r/cryptoKeys/internal",
     "projects/k/locations/eu/keyRings/r/cryptoKeys/restricted"),
    ("gcp:bigquerydatapolicy/dataPolicyIamMember:DataPolicyIamMember", "dataPolicyId",
     "roles/bigquerydatapolicy.maskedReader", "internal_sha256", "restricted_sha256"),
]


@pytest.mark.parametrize(("type_", "key", "role", "was", "now"), MOVED_GRANTS, ids=[m[1] for m in MOVED_GRANTS])
def test_moving_a_grant_to_another_tag_key_or_policy_widens_and_narrows(type_, key, role, was, now):
    grant = {"project": "g", "location": "eu", "role": role, "member": "group:analysts@daff.example"}
    change = one(type_, {**grant, key: was}, {**grant, key: now})
    assert (change.op, change.replace_keys, change.flags) == ("replace", [key], [WIDENED, NARROWED])
    assert [now in g.target for g in change.gained] == [True]
    assert [was in g.target for g in change.lost] == [True]


def test_a_condition_is_part_of_the_grant():
    grant = {"project": "p", "role": "roles/bigquery.dataViewer", "member": "group:a@x"}
    until = {"title": "until", "expression": "request.time < timestamp('2027-01-01T00:00:00Z')"}
    change = one("gcp:projects/iAMMember:IAMMember", {**grant, "condition": until}, grant)
    assert (change.op, change.flags) == ("replace", [WIDENED, NARROWED])
    assert [g.target for g in change.lost] == [f"p if {until['expression']}"]
    assert [g.target for g in change.gained] == ["p"]


def _view(table: str) -> dict:
    return {"view": {"projectId": "p", "datasetId": "port", "tableId": table}}


def test_a_second_authorized_view_widens_access():
    dataset = {"project": "p", "datasetId": "internal", "accesses": [_view("v1")]}
    change = one(DATASET, dataset, {**dataset, "accesses": [_view("v1"), _view("v2")]})
    assert change.flags == [WIDENED]
    assert [g.principal for g in change.gained] == ["view:p.port.v2"]
    entry = {"project": "p", "datasetId": "internal"}
    moved = one(DATASET_ACCESS, {**entry, **_view("v1")}, {**entry, **_view("v2")})
    assert moved.flags == [WIDENED, NARROWED]


@pytest.mark.parametrize(("user", "principal"), [
    ("run-x@p.iam.gserviceaccount.com", "serviceAccount:run-x@p.iam.gserviceaccount.com"),
    ("jo@daff.example", "user:jo@daff.example"),
    ("jo@notgserviceaccount.com", "user:jo@notgserviceaccount.com"),
])
def test_only_gserviceaccount_users_of_an_acl_are_service_accounts(user, principal):
    (grant,) = grants_of(DATASET_ACCESS, {"project": "p", "datasetId": "d", "role": "READER", "userByEmail": user})
    assert grant.principal == principal


@pytest.mark.parametrize(("type_", "inputs", "target"), [
    ("gcp:bigquery/iamMember:IamMember", {"tableId": "t", "datasetId": "d", "project": "p"}, "p/d/t"),
    ("gcp:storage/bucketIAMMember:BucketIAMMember", {"bucket": "b"}, "b"),
    ("gcp:serviceaccount/iAMMember:IAMMember", {"serviceAccountId": "projects/p/serviceAccounts/a"},
     "projects/p/serviceAccounts/a"),
    ("gcp:cloudrunv2/jobIamMember:JobIamMember", {"name": "j", "location": "eu", "project": "p"}, "p/eu/j"),
    ("gcp:datacatalog/policyTagIamMember:PolicyTagIamMember", {"policyTag": "tags/1"}, "tags/1"),
])
def test_an_iam_grants_target_reads_from_the_project_down(type_, inputs, target):
    (grant,) = grants_of(type_, {"member": "group:a@x", "role": "r", **inputs})
    assert (grant.principal, grant.role, grant.target) == ("group:a@x", "r", target)


@pytest.mark.parametrize(("entry", "principal", "role"), [
    ({"routine": {"projectId": "p", "datasetId": "control", "routineId": "erase_subject"}},
     "routine:p.control.erase_subject", "authorized"),
    ({"dataset": {"dataset": {"projectId": "p", "datasetId": "port"}, "targetTypes": ["VIEWS"]}},
     "dataset:p.port", "authorized"),
    ({"authorizedDataset": {"dataset": {"projectId": "p", "datasetId": "port"}}}, "dataset:p.port", "authorized"),
    ({"role": "READER", "userByEmail": "u@x", "condition": {"expression": "request.time < t"}}, "user:u@x",
     "READER if request.time < t"),
    ({"role": "READER", "groupByEmail": "g@x"}, "group:g@x", "READER"),
    ({"role": "READER", "domain": "x.example"}, "domain:x.example", "READER"),
    ({"role": "READER", "specialGroup": "projectReaders"}, "specialGroup:projectReaders", "READER"),
    ({"role": "WRITER", "iamMember": "principalSet://x"}, "principalSet://x", "WRITER"),
])
def test_every_kind_of_acl_entry_is_a_grant_on_its_dataset(entry, principal, role):
    (grant,) = grants_of(DATASET_ACCESS, {"project": "p", "datasetId": "internal", **entry})
    assert (grant.principal, grant.role, grant.target) == (principal, role, "p.internal")


# --- the diff's paths and policy ---

@pytest.mark.parametrize(("old", "new", "paths"), [
    ({"datasetId": "d"}, {"datasetId": "d", "defaultEncryptionConfiguration": {"kmsKeyName": "k"}},
     ["defaultEncryptionConfiguration"]),
    ({"datasetId": "d", "labels": {"a": "1"}}, {"datasetId": "d", "labels": {"a": "1", "b": "2"}}, ["labels.b"]),
    ({"datasetId": "d", "labels": {"a": "1", "b": "2"}}, {"datasetId": "d", "labels": {"a": "1"}}, ["labels.b"]),
    ({"datasetId": "d", "description": None}, {"datasetId": "d"}, ["description"]),
])
def test_an_added_or_removed_input_is_a_changed_path(old, new, paths):
    change = one(DATASET, old, new)
    assert (change.op, change.changed_inputs) == ("update", paths)


@pytest.mark.parametrize("option", ["protect", "retainOnDelete"])  # the options a state records
def test_a_resource_option_set_or_cleared_is_a_changed_input(option):
    assert option in OPTIONS
    inputs = {"project": "p", "datasetId": "d"}
    for was, now in ((False, True), (True, False)):
        change = one(DATASET, inputs, inputs, before={option: was}, **{option: now})
        assert (change.op, change.changed_inputs, change.replace_keys) == ("update", [option], [])
        assert (change.protected, change.retained) == (was and option == "protect", was and option == "retainOnDelete")
    unprotected = one(DATASET, inputs, inputs, before={"protect": True}, protect=False)
    assert (unprotected.lost_guards, unprotected.flags) == (["protect"], [DATA_LOSS])


def test_a_created_resource_has_no_base_so_nothing_protects_or_retains_it():
    head = state(DATASET, "d", {"project": "p", "datasetId": "d"}, protect=True, retain=True)
    (created,) = diff(document(), document(head)).changes.values()
    assert (created.op, created.protected, created.retained, created.delete_first, created.data_loss,
            created.flags) == ("create", False, False, False, False, [])
    (deleted,) = diff(document(head), document()).changes.values()
    assert (deleted.op, deleted.protected, deleted.retained, deleted.flags) == ("delete", True, True, [DATA_LOSS])


def test_a_changed_replacement_trigger_is_the_changed_input_that_replaces():
    view = {"project": "p", "datasetId": "d", "tableId": "v", "view": {"query": "SELECT 1"}}
    change = one(TABLE, view, view, before={"replacementTrigger": "a"}, replacementTrigger="b")
    assert (change.op, change.changed_inputs, change.replace_keys) == ("replace", ["replacementTrigger"],
                                                                       ["replacementTrigger"])
    assert change.name == "r" and change.urn.endswith("::r")


def test_a_plan_document_loads_from_its_file_and_anything_else_is_refused(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document(state(DATASET, "d", {"datasetId": "d"}))), encoding="utf-8")
    assert load_document(str(path)) == json.loads(path.read_text(encoding="utf-8"))
    for text, why in (("[]", "no 'steps' list"), ('{"steps": {}}', "no 'steps' list"),
                      ("{", "Expecting property name")):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=f"^{re.escape(str(path))}: not a plan JSON file.*{why}"):
            load_document(str(path))


PUBLIC = {"project": "p", "datasetId": "d", "role": "READER", "iamMember": "allUsers"}


def test_a_violation_already_in_the_base_is_not_new():
    base = document(state(DATASET_ACCESS, "public", PUBLIC), state(DATASET, "d", {"project": "p", "datasetId": "d"}))
    head = document(state(DATASET_ACCESS, "public", PUBLIC),
                    state(DATASET, "d", {"project": "p", "datasetId": "d", "description": "now described"}))
    result = diff(base, head, "no-public-principals")
    assert result.summary["flags"][POLICY] == 0
    widened = diff(document(), head, "no-public-principals")
    assert widened.summary["flags"][POLICY] == 1
