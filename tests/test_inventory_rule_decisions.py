"""The inventory rules' lookup tables and edge decisions, each pinned by a case a mutation of the rule
fails (issue 20, ``bench/mutate.py governance/inventory_rules.py``). The tables (every required
label, every kind of authorization entry, every public principal) are tested from themselves and from
their reviewed record, the rules table of docs/governance.md, which must name the same entries: one
added to a table is tested at once, one dropped from it still has its documented case, which fails.

Inventories are ``tests/test_inventory_rules.py``'s: one clean product changed by name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from meshplane.product import standards
from meshplane.governance.inventory_rules import AUTHORIZATIONS, PUBLIC, REQUIRED_LABELS
from meshplane.settings.stack_config import NON_PRODUCTION
from test_inventory_rules import P, RUNNER, access, found, inventory, job, labels, res, TABLE

DOC = Path(__file__).resolve().parents[1] / "docs" / "governance.md"
CHECKS = {row[0].strip(" `"): row[2] for row in (line.strip("|").split(" | ") for line in
          DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")) if len(row) > 2}
DOCUMENTED = {
    "labels": [n for n in re.findall(r"`([a-z_]+)(?:=\w+)?`", CHECKS["datasets-labelled"])
               if n not in standards.MESH_LAYERS],
    "authorizations": re.findall(
        r"`(\w+)`", CHECKS["consumer-grants-on-port-datasets-only"].split("authorizations (")[1].split(")")[0]),
    "public": re.findall(r"`(\w+)`", CHECKS["no-public-principals"]),
}
TABLES = {"labels": REQUIRED_LABELS, "authorizations": AUTHORIZATIONS, "public": PUBLIC}


def test_the_documented_tables_are_the_code_tables():
    assert set(AUTHORIZED) == set(AUTHORIZATIONS)
    assert {k: sorted(v) for k, v in DOCUMENTED.items()} == {k: sorted(v) for k, v in TABLES.items()}


def _cases(table: str) -> list[str]:
    return sorted({*TABLES[table], *DOCUMENTED[table]})


AUTHORIZED = {"authorizedDataset": {"dataset": {"projectId": P, "datasetId": "x_port_v1"}, "targetTypes": ["VIEWS"]},
              "view": {"projectId": P, "datasetId": "x_port_v1", "tableId": "t_v1"},
              "routine": {"projectId": P, "datasetId": "x_control", "routineId": "erase_subject"}}


@pytest.mark.parametrize("label", _cases("labels"))
def test_a_dataset_missing_any_one_required_label_is_refused_naming_it(label):
    unlabelled = {k: v for k, v in labels().items() if k != label}
    got = found(inventory(internal={"labels": unlabelled}))
    assert ("datasets-labelled", "internal", f"missing labels: {label}") in got
    assert {rule for rule, _, _ in got} <= {"datasets-labelled", "resources-labelled"}


@pytest.mark.parametrize("kind", _cases("authorizations"))
def test_an_authorization_entry_grants_no_principal_on_internal_or_control_datasets(kind):
    entries = {f"{layer}_{kind}": access(f"{layer}-{kind}", dataset, **{kind: AUTHORIZED[kind]})
               for layer, dataset in (("internal", "x_internal"), ("control", "x_control"))}
    assert found(inventory(**entries)) == []


@pytest.mark.parametrize("public", _cases("public"))
@pytest.mark.parametrize("field", ["specialGroup", "iamMember"])
def test_every_public_principal_is_refused_however_the_acl_names_it(public, field):
    value = public if field == "specialGroup" else f"specialGroup:{public}"
    got = found(inventory(port_public=access("port-public", "x_port_v1", role="READER", **{field: value})))
    assert [(rule, name) for rule, name, _ in got] == [("no-public-principals", "port-public")]


def test_the_owner_of_internal_data_may_be_a_person():
    assert found(inventory(internal_owner={"groupByEmail": None, "userByEmail": "jo@daff.example"})) == []


def test_a_view_named_like_the_erasure_ledger_is_refused_in_a_control_dataset():
    view = res(TABLE, "ledger-view", project=P, datasetId="x_control", tableId="erasures",
               deletionProtection=False, view={"query": "SELECT 1", "useLegacySql": False}, labels=labels("control"))
    got = found(inventory(ledger_view=view))
    assert [(rule, name) for rule, name, _ in got] == [("control-port-callers", "ledger-view")]
    assert "a table or view in control dataset" in got[0][2]


UNPROTECTED = {"deletionProtection": False, "protect": False, "retain": False}


@pytest.mark.parametrize("environment", sorted(NON_PRODUCTION))
def test_a_purged_products_data_outside_production_need_not_be_protected(environment):
    purged = labels(environment=environment, purge="true")
    assert found(inventory(table={**UNPROTECTED, "labels": purged})) == []


@pytest.mark.parametrize(("environment", "purge"), [("prod", "true"), ("dev", "false"), ("dev", None)])
def test_data_is_protected_unless_purged_outside_production(environment, purge):
    marked = labels(environment=environment, **({"purge": purge} if purge else {}))
    got = found(inventory(table={**UNPROTECTED, "labels": marked}))
    assert [(rule, name, message) for rule, name, message in got] == [
        ("data-protected", "table", "data table without deletionProtection: a replace or delete would drop its data")]


@pytest.mark.parametrize(("uri", "refused"), [("https://googleapis.com/v1/x", True),
                                              ("https://bigquery.googleapis.com/v2/x", True),
                                              ("https://notgoogleapis.com/x", False)])
def test_only_google_api_hosts_need_an_oauth_token(uri, refused):
    got = found(inventory(job=job(uri=uri, oidcToken={"serviceAccountEmail": RUNNER})))
    assert [(rule, name) for rule, name, _ in got] == ([("scheduler-oauth", "job")] if refused else [])


def test_a_dataset_managed_by_another_tool_is_refused_naming_the_label():
    got = found(inventory(internal={"labels": labels(managed_by="terraform")}))
    assert ("datasets-labelled", "internal", "label managed_by='terraform'; expected 'meshplane'") in got
    assert {rule for rule, _, _ in got} == {"datasets-labelled", "resources-labelled"}
