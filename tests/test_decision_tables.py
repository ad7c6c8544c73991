"""The lookup tables that decide a review flag, tested from the tables themselves (issue 20): an entry
added to one is tested the moment it exists, and one dropped from it fails a generated case.

* Grant targets per IAM member type: every input the provider gives an IAM member type (its
  ``pulumi_gcp`` arguments), other than member, role and condition, names the grant's target;
  moving the grant there widens and narrows access. The types are every IAM member type the
  replacement table lists and every one a stack creates (``tests/inventories``).
* ``_TARGET_KEYS``: the target reads from the project down, then the other inputs by name.
* The column-type matrix: every pair of BigQuery type names, aliases (``_ALIASES``) included; a
  change between two names of different types replaces the table, between aliases never.

The replacement table (``REPLACE_ON``) is generated the same way in ``test_decisions.py``.
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path

import pytest
import yaml

from diff_support import one
from meshplane.declaration.types import BigQueryType
from meshplane.plan import diff_access
from meshplane.plan.diff import NARROWED, WIDENED
from meshplane.plan.diff_access import grants_of
from meshplane.gcpmodel.replacements import _ALIASES, REPLACE_ON, TABLE, is_iam_member, schema_forces_replacement

INVENTORIES = Path(__file__).resolve().parent / "inventories"
GRANT_ONLY = ("member", "role", "condition")  # the grant itself, not its target


def _created_types() -> set[str]:
    found: set[str] = set()
    for path in INVENTORIES.glob("*.yaml"):
        found |= set(yaml.safe_load(path.read_text(encoding="utf-8"))["counts"])
    return found


IAM_TYPES = sorted(t for t in set(REPLACE_ON) | _created_types() if is_iam_member(t))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _provider_inputs(type_: str) -> list[str]:
    """The input names ``pulumi_gcp`` gives ``type_`` (``gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember``)."""
    _, path, name = type_.split(":")
    module = path.split("/")[0]
    args = getattr(importlib.import_module(f"pulumi_gcp.{module}"), f"{name}Args")
    return [_camel(p) for p in inspect.signature(args.__init__).parameters if p != "__self__"]


TARGET_INPUTS = [(t, k) for t in IAM_TYPES for k in _provider_inputs(t) if k not in GRANT_ONLY]


def test_the_generated_iam_types_include_every_kind_of_grant_the_stacks_make():
    assert {"gcp:datacatalog/policyTagIamMember:PolicyTagIamMember", "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
            "gcp:bigquerydatapolicy/dataPolicyIamMember:DataPolicyIamMember",
            "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"} <= set(IAM_TYPES)
    assert {"policyTag", "cryptoKeyId", "dataPolicyId", "serviceAccountId", "tableId"} <= {k for _, k in TARGET_INPUTS}


@pytest.mark.parametrize(("type_", "key"), TARGET_INPUTS,
                         ids=[f"{t.rsplit(':', 1)[-1]}-{k}" for t, k in TARGET_INPUTS])
def test_moving_an_iam_grant_to_another_target_widens_and_narrows(type_, key):
    targets = [k for k in _provider_inputs(type_) if k not in GRANT_ONLY]
    old = {"member": "group:analysts@daff.example", "role": "roles/x.reader", **{k: f"old-{k}" for k in targets}}
    change = one(type_, old, {**old, key: f"new-{key}"})
    assert (change.op, change.replace_keys, change.flags) == ("replace", [key], [WIDENED, NARROWED])
    (gained,), (lost,) = change.gained, change.lost
    assert (gained.principal, gained.role) == (lost.principal, lost.role) == (old["member"], old["role"])
    assert f"new-{key}" in gained.target.split("/") and f"old-{key}" in lost.target.split("/")
    assert all(f"old-{k}" in lost.target.split("/") for k in targets)


@pytest.mark.parametrize("type_", IAM_TYPES, ids=[t.rsplit(":", 1)[-1] for t in IAM_TYPES])
def test_changing_only_the_member_or_role_of_an_iam_grant_moves_no_target(type_):
    targets = {k: f"at-{k}" for k in _provider_inputs(type_) if k not in GRANT_ONLY}
    old = {"member": "group:a@daff.example", "role": "roles/x.reader", **targets}
    for key in ("member", "role"):
        change = one(type_, old, {**old, key: f"{old[key]}2"})
        assert change.flags == [WIDENED, NARROWED]
        assert change.gained[0].target == change.lost[0].target


def test_an_iam_target_reads_from_the_project_down_then_the_other_inputs_by_name():
    keys = diff_access._TARGET_KEYS
    others = ("aaa", "policyTag", "zzz")  # around every listed key's place in name order
    inputs = {"member": "m", "role": "r", **{k: f"v-{k}" for k in (*reversed(keys), *others)}}
    (grant,) = grants_of("gcp:x/thingIamMember:ThingIamMember", inputs)
    assert grant.target == "/".join(f"v-{k}" for k in (*keys, *sorted(others)))
    assert keys[0] == "project"


def test_a_replacement_rule_is_a_value_shared_rules_cannot_be_changed_for_one_type():
    assert REPLACE_ON["gcp:projects/iAMMember:IAMMember"] is REPLACE_ON["gcp:bigquery/iamMember:IamMember"]
    with pytest.raises(AttributeError):
        REPLACE_ON["gcp:projects/iAMMember:IAMMember"].except_ = ("role",)


# --- the column-type matrix ---

TYPE_NAMES = sorted({t.value for t in BigQueryType} | set().union(*_ALIASES))


def _same(a: str, b: str) -> bool:
    return a == b or any(a in names and b in names for names in _ALIASES)


@pytest.mark.parametrize("old", TYPE_NAMES)
def test_a_column_type_change_replaces_unless_the_names_are_aliases(old):
    expected = {new: not _same(old, new) for new in TYPE_NAMES}
    got = {new: schema_forces_replacement(json.dumps([{"name": "c", "type": old}]),
                                          json.dumps([{"name": "c", "type": new.lower()}])) for new in TYPE_NAMES}
    assert got == expected
    other = next(new for new in TYPE_NAMES if not _same(old, new))
    table = {"project": "p", "datasetId": "d", "tableId": "t"}
    change = one(TABLE, {**table, "schema": json.dumps([{"name": "c", "type": old}])},
                 {**table, "schema": json.dumps([{"name": "c", "type": other}])})
    assert (change.op, change.replace_keys, change.data_loss) == ("replace", ["schema"], False)


def test_the_type_matrix_covers_the_aliases_the_provider_accepts():
    assert {("INTEGER", "INT64"), ("FLOAT", "FLOAT64"), ("BOOLEAN", "BOOL")} <= {
        (a, b) for a in TYPE_NAMES for b in TYPE_NAMES if a != b and _same(a, b)}
