"""One stack (or product) never undoes what another declared: settings and grants shared by several
owners are written once (issue 19).

Mocks are not GCP: what these tests pin is which resources each stack registers and their options;
that deleting a project's audit config or a member-level IAM binding removes it for everyone holding
the same one is GCP's behaviour (docs/components.md, "Shared settings and grants").
"""

from __future__ import annotations

import copy

import pytest

from meshplane.product import addresses
from meshplane.mesh.model import Mesh
from components_support import AUDIT_CONFIG, BLUEPRINTS, of_type, fresh_run, stack_config, settings

SHARED = "daff-legacy-shared"


def adopting(stack: str, products: list[str]) -> dict:
    """The config of ``stack`` with every product of ``products`` adopting one project, audited."""
    config = copy.deepcopy(stack_config(stack))
    platform = config["meshplane:platform"]
    platform["projects"] = {**platform.get("projects", {}), **{pid: SHARED for pid in products}}
    platform["auditAdoptedProjects"] = True
    return config


def audit_configs(stack: str, config: dict) -> list[str]:
    """The (name, project) of every audit config the stack registers."""
    return sorted((r.name, r.inputs["project"]) for r in of_type(fresh_run(stack, config=config), AUDIT_CONFIG)
                  if r.inputs["project"] == SHARED)


def test_project_settings_owner_is_the_first_adopting_product_by_id():
    mesh = Mesh.load(BLUEPRINTS)
    platform = settings("podcast-prod").platform.model_copy(update={"projects": {
        "podcast.podcast-transcripts": SHARED, "podcast.podcast-catalog": SHARED, "charts.top-forty": "other"}})
    owners = addresses.project_settings_owners(mesh.products, platform)
    assert owners[SHARED] == "podcast.podcast-catalog"
    assert owners["other"] == "charts.top-forty"
    assert not set(owners) & {addresses.project_id(p, platform, "prod") for p in mesh.products
                              if not addresses.adopts_project(p, platform)}


def test_two_products_of_one_stack_adopting_a_project_write_its_audit_config_once():
    config = adopting("podcast-prod", ["podcast.podcast-catalog", "podcast.podcast-transcripts"])
    [(name, _)] = audit_configs("podcast-prod", config)
    assert name.startswith("podcast-catalog-")
    [audit] = [r for r in of_type(fresh_run("podcast-prod", config=config), AUDIT_CONFIG)
               if r.inputs["project"] == SHARED]
    # kept in GCP when this product stops writing it: the project is not the stack's, its record must not lapse
    assert audit.retain_on_delete and audit.inputs["service"] == "bigquery.googleapis.com"


def test_a_product_of_another_stack_first_by_id_owns_the_shared_project_settings():
    products = ["charts.top-forty", "podcast.podcast-catalog"]
    assert audit_configs("podcast-prod", adopting("podcast-prod", products)) == []
    assert [n for n, _ in audit_configs("charts-prod", adopting("charts-prod", products))] == [
        "top-forty-project-bigquery-data-read-audit"]


@pytest.mark.parametrize("stack", ["podcast-prod"])
def test_a_created_project_keeps_its_audit_config_deleted_with_it(stack):
    created = [r for r in of_type(fresh_run(stack), AUDIT_CONFIG)]
    assert created and not any(r.retain_on_delete for r in created)


# --- grants on the platform's shared policy tags and masking policies ---------------------------

from meshplane.gcpmodel.next_up import DELETE, SAME, StateChange  # noqa: E402
from meshplane.gcpmodel.state import StateResource  # noqa: E402
from meshplane.plan.deploy_checks import environment_order  # noqa: E402
from meshplane.gcpmodel.resource_grants import MASKING_IAM, TAG_IAM  # noqa: E402
from meshplane.plan.shared_grants import binding_of, shared_deletions  # noqa: E402
from components_support import STACKS_DIR  # noqa: E402

TAG = "projects/daff-governance/locations/eu/taxonomies/1001/policyTags/2002"
FINE = "roles/datacatalog.categoryFineGrainedReader"
GOVERNANCE = "group:data-governance@daff.example"


def tag_member(urn: str, member: str) -> StateResource:
    return StateResource(urn=urn, type=TAG_IAM, inputs={"policyTag": TAG, "role": FINE, "member": member})


def test_binding_of_a_masking_policy_member_names_the_data_policy():
    assert binding_of(MASKING_IAM, {"project": "p", "location": "eu", "dataPolicyId": "d",
                                    "role": "roles/bigquerydatapolicy.maskedReader", "member": "group:g@x"}) == (
        "projects/p/locations/eu/dataPolicies/d", "roles/bigquerydatapolicy.maskedReader", "group:g@x")


def test_the_prod_stacks_share_tag_bindings_so_a_deletion_in_one_would_revoke_the_others():
    order = environment_order("prod", STACKS_DIR)
    confidential = TAG.replace("/2002", "/2001")
    holders = sorted(s for s, held in order.bindings.items() if (confidential, FINE, GOVERNANCE) in held)
    assert len(holders) >= 2, holders  # the governance principal reads every stack's subject keys raw


@pytest.mark.parametrize("others, kept, refused", [
    ({"charts-prod": {(TAG, FINE, GOVERNANCE)}}, False, ["stack charts-prod"]),
    ({}, True, ["other-grant of this stack"]),
    ({"charts-prod": {(TAG, FINE, "group:someone-else@daff.example")}}, False, []),
])
def test_fails_to_delete_a_tag_binding_another_owner_still_declares(others, kept, refused):
    old = tag_member("urn:gone", GOVERNANCE)
    changes = {"urn:gone": StateChange("urn:gone", TAG_IAM, DELETE, old=old)}
    registrations = [type("R", (), {"type": TAG_IAM, "name": "other-grant", "inputs": old.inputs})()] if kept else []
    failures = shared_deletions(changes, registrations, others)
    assert [f.urn for f in failures] == (["urn:gone"] if refused else [])
    for holder in refused:
        assert holder in failures[0].message and GOVERNANCE in failures[0].message


def test_a_kept_tag_binding_is_no_finding():
    old = tag_member("urn:kept", GOVERNANCE)
    changes = {"urn:kept": StateChange("urn:kept", TAG_IAM, SAME, old=old)}
    assert shared_deletions(changes, [], {"charts-prod": {(TAG, FINE, GOVERNANCE)}}) == []


def test_products_sharing_a_project_each_have_their_own_sink_and_audit_dataset():
    """A fixed sink name or an audit dataset named by project alone would be created twice (409 on GCP),
    and deleting either would remove both; each product's sink also routes only its own datasets."""
    config = adopting("podcast-prod", ["podcast.podcast-catalog", "podcast.podcast-demographics"])
    inventory = fresh_run("podcast-prod", config=config)
    sinks = [r for r in of_type(inventory, "gcp:logging/projectSink:ProjectSink") if r.inputs["project"] == SHARED]
    assert sorted(s.inputs["name"] for s in sinks) == ["meshplane-podcast-catalog-data-access",
                                                      "meshplane-podcast-demographics-data-access"]
    assert all(f"datasets/{s.inputs['name'].split('-data-access')[0].removeprefix('meshplane-').replace('-', '_')}"
               in s.inputs["filter"] for s in sinks)
    audits = [r.inputs["datasetId"] for r in of_type(inventory, "gcp:bigquery/dataset:Dataset")
              if r.inputs["labels"]["mesh_layer"] == "audit"]
    assert len(audits) == len(set(audits)) == 2


@pytest.mark.parametrize(("retained", "refused"), [(False, True), (True, False)])
def test_fails_to_delete_an_audit_config_another_product_still_writes(retained, refused):
    """A state written before one product owned a shared project's audit config holds a copy per product:
    deleting one (not retained) would switch the project's logging off for the other."""
    inputs = {"project": SHARED, "service": "bigquery.googleapis.com", "auditLogConfigs": [{"logType": "DATA_READ"}]}
    old = StateResource(urn="urn:old", type=AUDIT_CONFIG, inputs=inputs, retain_on_delete=retained)
    owner = type("R", (), {"type": AUDIT_CONFIG, "name": "podcast-catalog-project-audit", "inputs": inputs})()
    failures = shared_deletions({"urn:old": StateChange("urn:old", AUDIT_CONFIG, DELETE, old=old)}, [owner], {})
    assert [f.urn for f in failures] == (["urn:old"] if refused else [])
    if refused:
        assert "audit logging of projects/daff-legacy-shared" in failures[0].message
        assert "podcast-catalog-project-audit of this stack" in failures[0].message
