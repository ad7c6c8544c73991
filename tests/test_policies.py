"""Policies as infrastructure: CMEK with the BigQuery agent's key grant, retention, time travel,
the resource-locations org policy, data-access audit logs and confidentiality labels.

Mocks cannot prove that the key exists, that the agent's grant has propagated before the first
table is created, nor that the organization lets this stack set org policies."""

from __future__ import annotations

import pytest

from components_support import run_stack
from meshplane.declaration.loader import read_source
from meshplane.governance.platform_checks import check_platform
from meshplane.product.placement import PlacementError, kms_key_for, resource_locations_value
from meshplane.settings.stack_config import load_stack

KEYS = {"EU": "projects/s/locations/europe/keyRings/r/cryptoKeys/k",
        "europe-west4": "projects/s/locations/europe-west4/keyRings/r/cryptoKeys/k4"}
MODES = pytest.mark.parametrize("preview", [False, True])


def of_type(inv, type_):
    return [r for r in inv.registrations if r.type == type_]


@pytest.mark.parametrize("location,key", [("EU", KEYS["EU"]), ("europe-west4", KEYS["europe-west4"])])
def test_key_for_the_data_location(location, key):
    assert kms_key_for(location, KEYS) == key


def test_fails_kms_key_in_another_location():
    with pytest.raises(PlacementError, match="in 'europe-west4'; BigQuery data in EU needs a key in 'europe'"):
        kms_key_for("EU", {"EU": KEYS["europe-west4"]})


def test_fails_cmek_product_without_a_key_in_its_location(tmp_path):
    source, _ = read_source("blueprints/listener/listener-profiles.yaml")
    platform = load_stack("listener-prod").platform.model_copy(update={"kms_keys": {"EU": KEYS["europe-west4"]}})
    [problem] = [p for p in check_platform(source, platform) if p.field == "policies.encryption"]
    assert "needs a key in 'europe'" in problem.message and problem.line > 1


@pytest.mark.parametrize("location,value", [("EU", "in:eu-locations"), ("US", "in:us-locations"),
                                            ("europe-west4", "in:europe-west4-locations")])
def test_resource_locations_value(location, value):
    assert resource_locations_value(location) == value


@MODES
def test_cmek_datasets_use_the_platform_key_after_the_agent_may_use_it(preview):
    inv = run_stack("listener-prod", preview)
    key = load_stack("listener-prod").platform.kms_keys["EU"]
    grants = {r.urn: r for r in of_type(inv, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert {(g.inputs["cryptoKeyId"], g.inputs["role"]) for g in grants.values()} == {
        (key, "roles/cloudkms.cryptoKeyEncrypterDecrypter")}
    assert all(g.inputs["member"].startswith("serviceAccount:bq-") and
               g.inputs["member"].endswith("@bigquery-encryption.iam.gserviceaccount.com") for g in grants.values())
    datasets = [d for d in of_type(inv, "gcp:bigquery/dataset:Dataset") if d.inputs["labels"]["mesh_layer"] != "audit"]
    audit = [d for d in of_type(inv, "gcp:bigquery/dataset:Dataset") if d.inputs["labels"]["mesh_layer"] == "audit"]
    assert audit and not any("defaultEncryptionConfiguration" in d.inputs for d in audit)  # who read, not the data
    assert datasets and all(d.inputs["defaultEncryptionConfiguration"] == {"kmsKeyName": key} for d in datasets)
    waits = {r.urn: r for r in of_type(inv, "time:index/sleep:Sleep") if r.name.endswith("-encryption-propagation")}
    assert waits and all(set(w.dependencies) & set(grants) for w in waits.values())  # the grant propagates first
    assert all(set(d.dependencies) & set(waits) for d in datasets)
    # every data table names the key: BigQuery answers with the inherited one, which is ForceNew (TPG #10518)
    tables = [t for t in of_type(inv, "gcp:bigquery/table:Table") if "view" not in t.inputs]
    assert tables and all(t.inputs["encryptionConfiguration"] == {"kmsKeyName": key} for t in tables)
    assert all("encryptionConfiguration" not in t.inputs for t in of_type(inv, "gcp:bigquery/table:Table")
               if "view" in t.inputs)  # BigQuery refuses a key on a view


@MODES
def test_google_managed_products_have_no_key(preview):
    inv = run_stack("podcast-prod", preview)
    catalog = [d for d in of_type(inv, "gcp:bigquery/dataset:Dataset")
               if d.inputs["labels"]["data_product"] == "podcast-catalog"]
    assert catalog and all("defaultEncryptionConfiguration" not in d.inputs for d in catalog)


def test_retention_expires_partitions_of_port_tables():
    inv = run_stack("player-prod", False)
    tables = {r.inputs["tableId"]: r for r in of_type(inv, "gcp:bigquery/table:Table")
              if r.inputs.get("deletionProtection") and r.inputs["labels"]["data_product"] == "play-events"}
    expiration = tables["events_v1"].inputs["timePartitioning"]["expirationMs"]
    assert expiration == 90 * 24 * 3600 * 1000  # the port's P90D, shorter than the product's


def test_without_retention_the_partition_expiry_is_stated_as_none():
    """0, not omitted: the field is Computed, so an omitted expiry would keep one a declaration removed."""
    import pulumi_gcp as gcp

    from components_support import LABELS, PID, model, run
    from meshplane.gcp.storage import PortTable, Storage, StorageArgs

    port = model("podcast.podcast-catalog").output_ports[0]

    def program():
        runner = gcp.serviceaccount.Account("runner", project=PID, account_id="run-x")
        Storage("s", StorageArgs(project=PID, dataset_id="x_internal", location="EU", labels=LABELS,
                                 runner="serviceAccount:run-x@p.iam.gserviceaccount.com", runner_ready=runner,
                                 owner="group:o@x.example", tables=[PortTable(port, "episodes_v1", LABELS, None)]))
    [table] = of_type(run(program), "gcp:bigquery/table:Table")
    assert table.inputs["timePartitioning"]["expirationMs"] == 0


def test_time_travel_window_from_the_platform():
    inv = run_stack("podcast-prod", False)
    assert {d.inputs["maxTimeTravelHours"] for d in of_type(inv, "gcp:bigquery/dataset:Dataset")} == {"168"}


@MODES
def test_created_projects_get_the_resource_locations_policy(preview):
    inv = run_stack("podcast-prod", preview)
    policies = [p for p in of_type(inv, "gcp:orgpolicy/policy:Policy")
                if p.inputs["name"].endswith("/policies/gcp.resourceLocations")]
    projects = of_type(inv, "gcp:organizations/project:Project")
    assert len(policies) == len(projects) == 2
    for policy in policies:
        assert policy.inputs["spec"]["rules"] == [{"values": {"allowedValues": ["in:eu-locations"]}}]


def test_an_adopted_project_gets_no_org_policy():
    inv = run_stack("charts-prod", False)
    parents = [p.inputs["parent"] for p in of_type(inv, "gcp:orgpolicy/policy:Policy")]
    assert parents and not any("daff-legacy-charts" in p for p in parents)


def test_bigquery_data_reads_are_audited():
    inv = run_stack("podcast-prod", False)
    audits = of_type(inv, "gcp:projects/iAMAuditConfig:IAMAuditConfig")
    assert len(audits) == 2
    assert all(a.inputs["service"] == "bigquery.googleapis.com" and
               a.inputs["auditLogConfigs"] == [{"logType": "DATA_READ"}] for a in audits)


def test_datasets_carry_the_confidentiality_and_deprecation_labels():
    inv = run_stack("listener-prod", False)
    labels = {d.inputs["datasetId"]: d.inputs["labels"] for d in of_type(inv, "gcp:bigquery/dataset:Dataset")}
    assert labels["listener_profiles_internal"]["confidentiality"] == "restricted"
    assert labels["listener_profiles_profiles_v1"]["deprecated"] == "true"
    assert "deprecated" not in labels["listener_profiles_profiles_v2"]
