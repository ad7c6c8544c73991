"""The control port: governance erases a data subject through an authorized routine, and can do nothing else.

Pinned under mocks on the listener-prod stack (listener-profiles serves two majors of a PII port with
``subjectKey: listener_id``): the routine's exact type, argument and body, its authorizations on the
internal dataset (delete) and the control dataset (the ledger), the ledger table, and that the governance
principal's only grants are READER on the control dataset and metadata viewer on the internal one.
The SQL itself is analysed and run in ``test_control_sql.py``.

What mocks cannot prove: that BigQuery accepts the body;
that the authorized routine's DELETE passes row-level and column-level security for the caller (the
governance principal is in the ``meshplane_all_rows`` TRUE filter of ports with row filters; a subject-key
column with a policy tag needs Fine-Grained Reader for the caller, which meshplane does not grant); rows
still in the streaming buffer; time travel and fail-safe keeping deleted rows recoverable for a while.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from components_support import (
    ACCESS, DATASET, ROW_POLICY, fresh_run, named, of_type, principal_of, project_of, repository_copy, settings,
    stack_config, walk,
)
from helpers import port, product, write_product
from meshplane.product import addresses
from meshplane.sql.control_sql import Erasure, erase_subject_sql
from meshplane.declaration.loader import check_text
from meshplane.catalog.descriptor import descriptor

ROOT = Path(__file__).resolve().parents[1]
MODES = pytest.mark.parametrize("preview", [False, True])
ROUTINE = "gcp:bigquery/routine:Routine"
STACK, PID = "listener-prod", "listener.listener-profiles"
GOVERNANCE = "group:data-governance@daff.example"
INTERNAL, CONTROL = "listener_profiles_internal", "listener_profiles_control"
LEDGER = "listener_profiles_control_ledger"  # a routine is authorized on datasets other than its own
POLICIES = {"location": "EU", "confidentiality": "internal", "retention": "P1Y"}  # the stacks' governance


def _inventory(stack: str = STACK, preview: bool = False, **platform):
    config = stack_config(stack)
    config["meshplane:platform"] = {**config["meshplane:platform"], **platform}
    return fresh_run(stack, preview, config=config)


@pytest.fixture(scope="module")
def inventories():
    return {preview: _inventory(preview=preview) for preview in (False, True)}


# --- the stack -----------------------------------------------------------------------------------

@MODES
def test_routine_is_an_sql_procedure_with_one_string_argument(inventories, preview):
    inv = inventories[preview]
    [routine] = [r for r in of_type(inv, ROUTINE) if r.inputs["datasetId"] == CONTROL]
    project = project_of(PID, STACK)
    assert {k: v for k, v in routine.inputs.items() if k not in ("definitionBody", "description")} == {
        "project": project, "datasetId": CONTROL, "routineId": "erase_subject", "routineType": "PROCEDURE",
        "language": "SQL", "arguments": [{"name": "subject_key", "dataType": json.dumps({"typeKind": "STRING"})}]}
    assert routine.inputs["definitionBody"] == erase_subject_sql(
        Erasure(project, INTERNAL, LEDGER, ("listener_id",), salt=PID))  # found at call time: no table list
    tables = {named(inv, f"listener-profiles-storage-profiles_v{m}").urn for m in (1, 2)}
    ledger = named(inv, "listener-profiles-control-erasures", "gcp:bigquery/table:Table").urn
    assert tables | {ledger} <= set(routine.dependencies)  # they exist first
    assert (routine.protect, routine.retain_on_delete) == (False, False)  # holds no data


@MODES
def test_routine_is_authorized_on_the_internal_dataset(inventories, preview):
    inv = inventories[preview]
    project = project_of(PID, STACK)
    authz = {a.inputs["datasetId"]: a for a in of_type(inv, ACCESS) if "routine" in a.inputs}
    assert sorted(authz) == [LEDGER, INTERNAL]  # delete in the internal dataset, append to the ledger
    for dataset_id, entry in authz.items():
        assert entry.inputs == {"project": project, "datasetId": dataset_id, "routine": {
            "projectId": project, "datasetId": CONTROL, "routineId": "erase_subject"}}
        assert named(inv, "listener-profiles-control-erase_subject", ROUTINE).urn in entry.dependencies
    assert authz[INTERNAL].parent == named(inv, "listener-profiles-storage-internal",
                                           "meshplane:index:BigQueryDataset").urn


@MODES
def test_the_ledger_is_kept_like_data_in_the_control_dataset(inventories, preview):
    from meshplane.sql.control_sql import LEDGER_SCHEMA

    inv = inventories[preview]
    ledger = named(inv, "listener-profiles-control-erasures", "gcp:bigquery/table:Table")
    assert (ledger.inputs["datasetId"], ledger.inputs["tableId"]) == (LEDGER, "erasures")
    assert json.loads(ledger.inputs["schema"]) == LEDGER_SCHEMA
    assert "subject_key" not in {f["name"] for f in LEDGER_SCHEMA}  # a hash, never the key
    assert ledger.inputs["timePartitioning"] == {"type": "DAY", "field": "erased_at"}  # no expiry: evidence
    assert ledger.inputs["deletionProtection"] is True
    assert (ledger.protect, ledger.retain_on_delete) == (True, True)
    assert ledger.inputs["labels"]["mesh_layer"] == "control"
    [dataset] = [d for d in of_type(inv, DATASET) if d.inputs["datasetId"] == LEDGER]
    assert (dataset.protect, dataset.retain_on_delete, dataset.inputs["labels"]["mesh_layer"]) == (True, True, "control")
    key = (dataset.inputs.get("defaultEncryptionConfiguration") or {}).get("kmsKeyName")
    assert (ledger.inputs.get("encryptionConfiguration") or {}).get("kmsKeyName") == key  # the product's key


@MODES
def test_the_authorization_is_made_again_when_the_procedure_changes(inventories, preview):
    """BigQuery forgets a routine's authorization when the routine is updated: a new body re-creates it
    (deleted first, so the re-created entry is never revoked by the old one's deletion)."""
    from meshplane.gcp.control_port import STRING_TYPE
    from meshplane.gcp.dataset import fingerprint

    inv = inventories[preview]
    [routine] = [r for r in of_type(inv, ROUTINE) if r.inputs["datasetId"] == CONTROL]
    for authz in [a for a in of_type(inv, ACCESS) if "routine" in a.inputs]:
        assert authz.replacement_trigger == fingerprint(f"{STRING_TYPE} {routine.inputs['definitionBody']}")
        assert authz.delete_before_replace


@MODES
def test_governance_may_call_it_and_nothing_more(inventories, preview):
    inv = inventories[preview]
    audit = {(d.inputs["project"], d.inputs["datasetId"]) for d in of_type(inv, DATASET)
             if d.inputs["labels"]["mesh_layer"] == "audit"}  # who read what (test_access_audit.py), not the data
    grants = [a for a in of_type(inv, ACCESS) if principal_of(a) == GOVERNANCE
              and (a.inputs["project"], a.inputs["datasetId"]) not in audit]
    assert sorted((g.inputs["datasetId"], g.inputs["role"]) for g in grants) == [
        (CONTROL, "READER"), (LEDGER, "READER"), (INTERNAL, "roles/bigquery.metadataViewer")]  # call, read, list
    for dataset in (CONTROL, LEDGER):  # nobody else on the control and ledger datasets
        entries = [a for a in of_type(inv, ACCESS) if a.inputs["datasetId"] == dataset and "routine" not in a.inputs]
        assert entries == [g for g in grants if g.inputs["datasetId"] == dataset]
    others = [r for r in inv.registrations if r.type not in (ACCESS, ROW_POLICY) and
              any(isinstance(v, str) and "data-governance@" in v for _, v in walk(r.inputs))]
    assert others == []  # no IAM member, no table grant, no policy tag grant
    for policy in of_type(inv, ROW_POLICY):  # only all-rows filters: the DELETE needs every row
        assert GOVERNANCE not in policy.inputs["grantees"] or policy.inputs["filterPredicate"] == "TRUE"
    [dataset] = [d for d in of_type(inv, DATASET) if d.inputs["datasetId"] == CONTROL]
    assert dataset.inputs["labels"]["mesh_layer"] == "control"
    assert (dataset.protect, dataset.retain_on_delete) == (True, True)


def test_without_a_governance_principal_nobody_is_granted():
    inv = _inventory(governancePrincipal=None)
    assert [r for r in of_type(inv, ROUTINE)]  # the routine is there, callable by nobody
    assert [a.inputs for a in of_type(inv, ACCESS) if a.inputs["datasetId"] in (CONTROL, LEDGER)
            and "routine" not in a.inputs] == []
    assert [a for a in of_type(inv, ACCESS) if a.inputs.get("role") == "roles/bigquery.metadataViewer"] == []


def test_no_control_port_without_a_subject_key():
    inv = _inventory("podcast-prod")
    catalog = [d.inputs["datasetId"] for d in of_type(inv, DATASET) if d.inputs["labels"]["mesh_layer"] == "control"]
    # podcast-catalog has no PII, no subject key: only podcast-demographics has a control port (and its ledger)
    assert sorted(catalog) == ["podcast_demographics_control", "podcast_demographics_control_ledger"]


def test_retired_product_keeps_its_control_port(tmp_path):
    root = repository_copy(tmp_path)
    write_product(root / "blueprints", product("podcast.old-shows", status="retired", ports=[_pii_port()],
                                               policies=POLICIES))
    inv = fresh_run("podcast-prod", root=root)
    [routine] = [r for r in of_type(inv, ROUTINE) if r.inputs["datasetId"] == "old_shows_control"]
    assert "LOWER(c.column_name) IN ('listener_id')" in routine.inputs["definitionBody"]
    assert [(principal_of(a), a.inputs["role"]) for a in of_type(inv, ACCESS)
            if a.inputs["datasetId"] == "old_shows_control" and "role" in a.inputs] == [(GOVERNANCE, "READER")]


def test_descriptor_names_the_procedure():
    s = settings(STACK)
    decl, _ = check_text((ROOT / "blueprints/listener/listener-profiles.yaml").read_text(), "f")
    project = addresses.project_id(decl, s.platform, s.environment)
    d = descriptor(decl, project, "serviceAccount:r@x.example", s.platform, s.environment)
    assert d["controlPort"] == {"eraseSubject": f"{project}.{CONTROL}.erase_subject"}
    catalog, _ = check_text((ROOT / "blueprints/podcast/podcast-catalog.yaml").read_text(), "f")
    assert "controlPort" not in descriptor(catalog, "daff-p", "serviceAccount:r@x.example", s.platform, "prod")


# --- refusals ------------------------------------------------------------------------------------

def _pii_port(**extra) -> dict:
    doc = port("shows", "1.0.0")
    doc["schema"] = [{"name": "listener_id", "type": "STRING", "required": True},
                     {"name": "email", "type": "STRING", "pii": True}, *doc["schema"]]
    return {**doc, "subjectKey": "listener_id", **extra}


def _problems(**port_extra) -> list[str]:
    model, problems = check_text(yaml.safe_dump(product("podcast.x", ports=[_pii_port(**port_extra)])), "x.yaml")
    assert (model is None) == bool(problems)
    return [f"{p.field}: {p.message}" for p in problems]


def test_a_pii_port_with_a_subject_key_is_accepted():
    assert _problems() == []


def test_fails_pii_port_without_subject_key():
    [problem] = _problems(subjectKey=None)
    assert problem.startswith("outputPorts.shows: a port with PII must name the column that identifies the "
                              "data subject")


def test_fails_nested_pii_without_subject_key():
    doc = _pii_port(subjectKey=None)
    doc["schema"][1] = {"name": "device", "type": "RECORD", "fields": [{"name": "ip", "type": "STRING", "pii": True}]}
    _, problems = check_text(yaml.safe_dump(product("podcast.x", ports=[doc])), "x.yaml")
    assert [p.field for p in problems] == ["outputPorts.shows"]


@pytest.mark.parametrize("key,phrase", [
    ("nobody", "subjectKey refers to an undeclared top-level column; given 'nobody'"),
    ("processing_time", "cannot identify a data subject; given type TIMESTAMP"),
])
def test_fails_bad_subject_key(key, phrase):
    [problem] = _problems(subjectKey=key)
    assert problem.startswith("outputPorts.shows.subjectKey: ") and phrase in problem


def test_fails_repeated_or_record_subject_key():
    doc = _pii_port(subjectKey="ids")
    doc["schema"].append({"name": "ids", "type": "STRING", "repeated": True})
    _, problems = check_text(yaml.safe_dump(product("podcast.x", ports=[doc])), "x.yaml")
    assert [(p.field, "given type repeated STRING" in p.message) for p in problems] == [
        ("outputPorts.shows.subjectKey", True)]


def test_fails_column_shadowing_the_argument():
    doc = _pii_port()
    doc["schema"].append({"name": "Subject_Key", "type": "STRING"})
    _, problems = check_text(yaml.safe_dump(product("podcast.x", ports=[doc])), "x.yaml")
    assert [p.field for p in problems] == ["outputPorts.shows.schema.Subject_Key.name"]
    assert "would shadow the erasure procedure's argument" in problems[0].message


def test_refusal_is_located_in_the_file(tmp_path):
    path = write_product(tmp_path, product("podcast.x", ports=[_pii_port(subjectKey="nobody")]))
    _, problems = check_text(path.read_text(), str(path))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "subjectKey" in text)
    assert [(p.file, p.line) for p in problems] == [(str(path), line)]
