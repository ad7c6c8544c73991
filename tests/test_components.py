"""The exact, security-relevant inputs of each component, in preview and update mode.

What mocks cannot prove: that GCP accepts these inputs (e.g. a DatasetAccess for a runner account
another stack has not created yet fails), IAM propagation delays, API enablement timing, that a
row access policy or an authorized dataset behaves as intended at query time, provider-side
defaults and diffs, or the engine's handling of ``protect``/``retain_on_delete``.
"""

from __future__ import annotations

import json
import shutil

import pulumi_gcp as gcp
import pytest
import yaml

from components_support import (
    ACCESS, ACCOUNT, AUDIT_CONFIG, BUCKET_IAM, DATASET, LABELS, ORG_POLICY, PID, PROJECT, PROJECT_IAM, ROOT,
    ROW_POLICY, SERVICE, SERVICE_IDENTITY, SLEEP, SUBSCRIPTION, TABLE_IAM, accesses, canonical, children_of, dataset,
    find, fresh_run, grants_on, input_port, model, named, of_type, principal_of, project_args,
    project_of, run, run_stack, runner, settings,
)
from meshplane.declaration.types import Status
from meshplane.gcp.dataset import BigQueryDataset, BigQueryDatasetArgs, principal_fields
from meshplane.gcp.identity import Identity, IdentityArgs
from meshplane.gcp.input_port import InputPortError, UpstreamPort
from meshplane.gcp.project import Project, display_name
from meshplane.engine.mocks import DEPLOYER, project_number
from meshplane.stack.program import is_built
from meshplane.product.column_security import column_tags, view_masking
from meshplane.declaration.types import Confidentiality
from meshplane.sql.view_sql import interface_view_sql

MODES = pytest.mark.parametrize("preview", [False, True])
DEMO, DEMO_PORT_DS = "podcast-demographics", "podcast_demographics_demographics_v1"
OWNER = "group:podcast-data-owners@daff.example"


@MODES
def test_dataset_is_protected_and_granted_through_dataset_access_only(preview):
    def program():
        ds = dataset()
        first = ds.grant_read("group:a@x.example")
        assert ds.grant_read("group:a@x.example") is first
        ds.grant_write("serviceAccount:run-x@p.iam.gserviceaccount.com")
        ds.grant_read("domain:x.example")
        ds.authorize_dataset("port-v1", "other-proj", "port_ds")
    inv = run(program, preview)
    base = {"project": PID, "datasetId": "d_x"}
    assert accesses(inv) == sorted([
        {**base, "role": "READER", "groupByEmail": "a@x.example"},
        {**base, "role": "WRITER", "userByEmail": "run-x@p.iam.gserviceaccount.com"},
        {**base, "role": "READER", "domain": "x.example"},
        {**base, "authorizedDataset": {"dataset": {"projectId": "other-proj", "datasetId": "port_ds"},
                                       "targetTypes": ["VIEWS"]}}], key=canonical)
    assert not [r for r in inv.registrations if "datasetIam" in r.type]
    [ds] = of_type(inv, DATASET)  # closed: one initial entry, never written again; DatasetAccess grants
    assert ds.inputs == {**base, "location": "EU", "labels": LABELS, "deleteContentsOnDestroy": False,
                         "accesses": [{"role": "OWNER", "userByEmail": DEPLOYER}]}  # no creator given: asked
    assert (ds.protect, ds.retain_on_delete, ds.ignore_changes) == (True, True, ("accesses",))
    assert all(g.delete_before_replace for g in of_type(inv, ACCESS))  # a replacement never ends in a revoke


def test_dataset_is_created_with_the_given_deployer_only():
    inv = run(lambda: BigQueryDataset("ds", BigQueryDatasetArgs(
        project=PID, dataset_id="d_x", location="EU", labels=LABELS,
        creator="serviceAccount:deployer@platform.iam.gserviceaccount.com")))
    [ds] = of_type(inv, DATASET)
    assert ds.inputs["accesses"] == [{"role": "OWNER", "userByEmail": "deployer@platform.iam.gserviceaccount.com"}]


def test_distinct_principals_get_distinct_grants():
    def program():
        ds = dataset()
        ds.grant_read("group:a+b@x.example")
        ds.grant_read("group:a-b@x.example")
    assert {a["groupByEmail"] for a in accesses(run(program))} == {"a+b@x.example", "a-b@x.example"}


@pytest.mark.parametrize("principal", ["allUsers", "allAuthenticatedUsers", "projectOwner:p"])
def test_dataset_refuses_unknown_principal_kinds(principal):
    with pytest.raises(ValueError):
        principal_fields(principal)


@MODES
@pytest.mark.parametrize("prevent, policy", [(True, "PREVENT"), (False, "DELETE")])
def test_created_project(preview, prevent, policy):
    inv = run(lambda: Project("prj", project_args(prevent_deletion=prevent)), preview)
    [prj] = of_type(inv, PROJECT)
    assert prj.inputs == {"projectId": PID, "name": "Test product", "folderId": "100", "labels": LABELS,
                          "billingAccount": "01A2B3-C4D5E6-F7A8B9", "deletionPolicy": policy}
    assert (prj.protect, prj.retain_on_delete) == (True, True)
    # no autoCreateNetwork=False: it would enable Compute to delete the default network; a policy instead
    [network] = [r for r in of_type(inv, ORG_POLICY) if r.inputs["name"].endswith("skipDefaultNetworkCreation")]
    assert network.inputs == {"parent": f"projects/{PID}", "spec": {"rules": [{"enforce": "TRUE"}]},
                              "name": f"projects/{PID}/policies/compute.skipDefaultNetworkCreation"}
    assert sorted((s.name, s.inputs["service"], s.inputs["disableOnDestroy"], s.inputs["project"])
                  for s in of_type(inv, SERVICE)) == [
        ("prj-bigquery", "bigquery.googleapis.com", False, PID), ("prj-iam", "iam.googleapis.com", False, PID)]


@MODES
def test_project_without_folder_goes_to_the_organization_and_adopted_one_is_not_created(preview):
    [prj] = of_type(run(lambda: Project("prj", project_args(folder=None)), preview), PROJECT)
    assert prj.inputs["orgId"] == "123456" and "folderId" not in prj.inputs
    inv = run(lambda: Project("prj", project_args(adopt=True)), preview)
    assert not of_type(inv, PROJECT) and not of_type(inv, ORG_POLICY)
    assert {s.inputs["project"] for s in of_type(inv, SERVICE)} == {PID}
    # the audit config is authoritative for BigQuery on the project: not on an adopted one unless asked
    assert not of_type(inv, AUDIT_CONFIG)
    assert of_type(run(lambda: Project("prj", project_args(adopt=True, audit_adopted=True)), preview), AUDIT_CONFIG)
    assert not find(run_stack("charts-prod", preview), PROJECT, projectId="daff-legacy-charts")


@pytest.mark.parametrize("given, expected", [
    ("Top 40 (retired)", "Top 40 retired"), ("A&B", "A B data"), ("Ümlaut: café's \"best\"!", "mlaut caf 's \"best\"!"),
    ("x" * 40, "x" * 30), ("", "data")])
def test_project_display_name(given, expected):
    assert display_name(given) == expected
    assert 4 <= len(expected) <= 30


@MODES
def test_identity_is_a_job_user_on_its_own_project_only(preview):
    def program():
        iam = gcp.projects.Service("iam", project=PID, service="iam.googleapis.com")
        Identity("id", IdentityArgs(project=PID, account_id="run-x", product_id="d.x",
                                    apis={"iam.googleapis.com": iam}))
    inv = run(program, preview)
    [account], [member] = of_type(inv, ACCOUNT), of_type(inv, PROJECT_IAM)
    assert account.inputs["accountId"] == "run-x" and account.inputs["project"] == PID
    assert member.inputs == {"project": PID, "role": "roles/bigquery.jobUser",
                             "member": f"serviceAccount:run-x@{PID}.iam.gserviceaccount.com"}
    assert named(inv, "iam").urn in account.dependencies
    ready = named(inv, "id-ready")  # IAM refuses a member that does not exist yet, and a new one for a while
    assert ready.type == SLEEP and account.urn in ready.dependencies and ready.urn in member.dependencies
    assert not of_type(inv, SERVICE_IDENTITY)  # no agents asked for


GOVERNANCE = "group:data-governance@daff.example"


@MODES
def test_internal_dataset_grants_only_runner_owner_port_views_and_the_control_routine(preview):
    inv = run_stack("podcast-prod", preview)
    got = {(g.inputs.get("role"), principal_of(g) or canonical(g.inputs.get("authorizedDataset") or
                                                                 g.inputs["routine"]))
           for g in grants_on(inv, "podcast_demographics_internal")}
    project = project_of("podcast.podcast-demographics", "podcast-prod")
    authz = {"dataset": {"datasetId": DEMO_PORT_DS, "projectId": project}, "targetTypes": ["VIEWS"]}
    routine = {"projectId": project, "datasetId": "podcast_demographics_control", "routineId": "erase_subject"}
    assert got == {("WRITER", runner("podcast.podcast-demographics", "podcast-prod")), ("READER", OWNER),
                   (None, canonical(authz)), (None, canonical(routine)),
                   ("roles/bigquery.metadataViewer", GOVERNANCE)}  # erase_subject's INFORMATION_SCHEMA search


@MODES
def test_port_table(preview):
    table = named(run_stack("podcast-prod", preview), f"{DEMO}-storage-demographics_v1")
    assert (table.protect, table.retain_on_delete, table.inputs["deletionProtection"]) == (True, True, True)
    assert table.inputs["timePartitioning"] == {"type": "DAY", "field": "processing_time",
                                                "expirationMs": 3 * 365 * 86_400_000}  # P3Y
    assert table.inputs["clusterings"] == ["podcast_id", "country"]
    assert [(f["name"], f["type"], f["mode"]) for f in json.loads(table.inputs["schema"])] == [
        ("podcast_id", "STRING", "REQUIRED"), ("age_band", "STRING", "NULLABLE"),
        ("country", "STRING", "NULLABLE"), ("listeners", "INTEGER", "REQUIRED"),
        ("top_listener_email", "STRING", "NULLABLE"), ("actual_date", "DATE", "NULLABLE"),
        ("processing_time", "TIMESTAMP", "REQUIRED")]


@MODES
def test_port_table_nested_schema_and_declared_partitioning(preview):
    table = named(run_stack("player-prod", preview), "play-events-storage-events_v1")
    assert table.inputs["timePartitioning"] == {"type": "HOUR", "field": "publish_time",
                                                "expirationMs": 90 * 86_400_000}  # the port's P90D
    schema = {f["name"]: f for f in json.loads(table.inputs["schema"])}
    assert (schema["ms_played"]["type"], schema["skipped"]["type"]) == ("INTEGER", "BOOLEAN")
    assert schema["experiments"]["mode"] == "REPEATED"
    assert [(f["name"], f["mode"]) for f in schema["device"]["fields"]] == [
        ("platform", "REQUIRED"), ("app_version", "NULLABLE"), ("os_version", "NULLABLE"),
        ("ip_address", "NULLABLE")]
    assert schema["device"]["type"] == "RECORD" and schema["device"]["mode"] == "NULLABLE"


@MODES
def test_output_port_dataset_view_and_consumers(preview):
    inv, port = run_stack("podcast-prod", preview), model("podcast.podcast-demographics").output_ports[0]
    ds, view = named(inv, f"{DEMO}-demographics-v1", DATASET), named(inv, f"{DEMO}-demographics-v1-view")
    assert ds.inputs["datasetId"] == DEMO_PORT_DS and ds.inputs["labels"]["mesh_layer"] == "port"
    tags = column_tags(port.columns, Confidentiality.INTERNAL, settings("podcast-prod").platform.policy_tags["EU"])
    assert tags == {"top_listener_email": settings("podcast-prod").platform.policy_tags["EU"][
        Confidentiality.CONFIDENTIAL].policy_tag}  # the one PII column: BigQuery masks it per reader
    assert view.inputs["view"] == {"useLegacySql": False, "query": interface_view_sql(
        ds.inputs["project"], "podcast_demographics_internal", "demographics_v1", view_masking(port.columns, tags))}
    assert named(inv, f"{DEMO}-storage-demographics_v1").urn in view.dependencies
    assert {(g.inputs["role"], principal_of(g)) for g in grants_on(inv, DEMO_PORT_DS)} == {
        ("READER", "group:podcast-analysts@daff.example"),
        ("READER", "group:eu-analysts@daff.example"),
        ("READER", runner("playlist.monday-playlists", "podcast-prod"))}


@MODES
def test_row_filters_become_row_access_policies(preview):
    inv = run_stack("podcast-prod", preview)
    policies = {p.inputs["policyId"]: p for p in of_type(inv, ROW_POLICY)}
    assert set(policies) == {"eu_only", "meshplane_all_rows"}
    assert policies["eu_only"].inputs["grantees"] == ["group:eu-analysts@daff.example"]
    assert policies["eu_only"].inputs["filterPredicate"] == "country IN ('NL', 'DE', 'FR', 'BE')"
    rest = policies["meshplane_all_rows"].inputs
    scanner = (f"serviceAccount:service-{project_number(project_of('podcast.podcast-demographics', 'podcast-prod'))}"
               "@gcp-sa-dataplex.iam.gserviceaccount.com")
    assert rest["filterPredicate"] == "TRUE" and rest["grantees"] == sorted([
        "group:podcast-analysts@daff.example", OWNER, runner("playlist.monday-playlists", "podcast-prod"),
        runner("podcast.podcast-demographics", "podcast-prod"),
        "group:data-governance@daff.example"]) + [scanner]  # erase_subject's DELETE and the scans see every row
    for p in policies.values():
        assert (p.inputs["datasetId"], p.inputs["tableId"]) == ("podcast_demographics_internal", "demographics_v1")
        assert named(inv, f"{DEMO}-storage-demographics_v1").urn in p.dependencies
        assert (p.delete_before_replace, p.replace_on_changes) == (True, ("grantees",))
    ready = named(inv, f"{DEMO}-identity-ready").urn  # the runner and the Dataplex agent exist, and have waited
    assert ready in policies["meshplane_all_rows"].dependencies and ready not in policies["eu_only"].dependencies
    assert not [p for p in policies.values() if "catalog" in p.inputs["datasetId"]]  # no filters, no policy


@MODES
def test_upstream_product_input_creates_nothing(preview):
    inv = run_stack("podcast-prod", preview)
    assert children_of(inv, named(inv, f"{DEMO}-in-listener_demographics").urn) == []


@pytest.mark.parametrize("upstream", [None, UpstreamPort("p.d.v", granted=False)])
def test_ungranted_upstream_is_refused(upstream):
    with pytest.raises(InputPortError, match="does not grant"):
        run(lambda: input_port(upstream, data_product="a.b", output_port="p", version=1))


@MODES
def test_operational_table_input_grants_data_viewer_on_that_table(preview):
    inv = run_stack("podcast-prod", preview)
    grant = named(inv, f"{DEMO}-in-podcast_events-read")
    assert grant.inputs == {"project": "daff-podcast-ops", "datasetId": "events", "tableId": "podcast_played",
                            "role": "roles/bigquery.dataViewer",
                            "member": runner("podcast.podcast-demographics", "podcast-prod")}


@MODES
def test_gcs_input_grants_object_viewer_on_the_prefix_only(preview):
    grant = named(run_stack("listener-prod", preview), "listener-profiles-in-crm_exports-read")
    assert grant.type == BUCKET_IAM and grant.inputs["bucket"] == "daff-listener-ops"
    assert grant.inputs["role"] == "roles/storage.objectViewer"
    assert grant.inputs["member"] == runner("listener.listener-profiles", "listener-prod")
    assert grant.inputs["condition"]["expression"] == (
        'resource.name.startsWith("projects/_/buckets/daff-listener-ops/objects/exports/profiles/") || '
        'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("exports/profiles/")')


@MODES
def test_pubsub_input_subscribes_into_a_raw_table(preview):
    inv, name = run_stack("player-prod", preview), "play-events-in-play_events_topic"
    project = project_of("player.play-events", "player-prod")
    raw = named(inv, f"{name}-raw")
    assert (raw.protect, raw.retain_on_delete, raw.inputs["deletionProtection"]) == (True, True, True)
    agent = f"serviceAccount:service-{project_number(project)}@gcp-sa-pubsub.iam.gserviceaccount.com"
    assert named(inv, "play-events-identity-pubsub-agent", SERVICE_IDENTITY).inputs["service"] == "pubsub.googleapis.com"
    assert raw.inputs["encryptionConfiguration"] == {"kmsKeyName": named(
        inv, "play-events-storage-internal", DATASET).inputs["defaultEncryptionConfiguration"]["kmsKeyName"]}
    [grant] = [r for r in inv.registrations if agent in json.dumps(r.inputs) and r.type == TABLE_IAM]
    assert grant.type == TABLE_IAM and grant.inputs == {
        "project": project, "datasetId": "play_events_internal", "tableId": "raw_play_events_topic",
        "role": "roles/bigquery.dataEditor", "member": agent}
    [sub] = of_type(inv, SUBSCRIPTION)
    assert sub.inputs["bigqueryConfig"] == {
        "table": f"{project}.play_events_internal.raw_play_events_topic", "writeMetadata": True}
    assert sub.inputs["topic"] == "projects/daff-player-ops/topics/play-events"
    wait = named(inv, f"{name}-pubsub-agent-write-propagation")  # the subscription checks the agent's write
    assert grant.urn in wait.dependencies and wait.urn in sub.dependencies


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("stack", ["podcast-dev", "podcast-prod"])
def test_is_built(status, stack):
    expected = status != Status.PROPOSED and (status != Status.DRAFT or stack == "podcast-dev")
    assert is_built(model("podcast.podcast-demographics").model_copy(update={"status": status}),
                    settings(stack)) is expected


def test_proposed_is_not_built_and_draft_is_built_in_dev_only(tmp_path):
    for stack in ("podcast-dev", "podcast-prod"):
        assert "podcast.podcast-transcripts" not in run_stack(stack).outputs
        assert not [r for r in run_stack(stack).registrations if r.name.startswith("podcast-transcripts")]
    shutil.copytree(ROOT / "blueprints", tmp_path / "blueprints")
    path = tmp_path / "blueprints" / "podcast" / "podcast-transcripts.yaml"
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "status": "draft"}))
    assert "podcast.podcast-transcripts" in fresh_run("podcast-dev", root=tmp_path).outputs
    assert "podcast.podcast-transcripts" not in fresh_run("podcast-prod", root=tmp_path).outputs


@MODES
def test_retired_product_grants_no_consumer(preview):
    inv = run_stack("charts-prod", preview)
    assert grants_on(inv, "top_forty_top_forty_v1") == []
    assert {principal_of(g) for g in grants_on(inv, "top_forty_internal")} == {
        runner("charts.top-forty", "charts-prod"), "group:charts-owners@daff.example", None}
