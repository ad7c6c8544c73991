"""Who accessed what: the data-access log sink, its audit dataset and grants, who_read_my_ports, the alert.

What mocks cannot prove: that Logging accepts the filters (no parser of the logging query language
here: the tests pin their text and balance), that BigQuery's export names its table and columns as
``access_audit`` expects, that BigQuery creates a procedure whose table does not exist yet, or that a
consumer's read through an authorized view is logged on the view only.
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from components_support import ACCESS, DATASET, SLEEP, model, named, of_type, project_of, run_stack, settings
from meshplane.sql.access_audit import (
    SINK_TABLE, audit_dataset_id, emails, sink_filter, undeclared_reads_filter, watches_users, who_read_sql,
)
from meshplane.gcpmodel.existence import first_up
from meshplane.engine.harness import Registration

STACK, PRODUCT = "podcast-prod", "podcast.podcast-demographics"
SINK = "gcp:logging/projectSink:ProjectSink"
ROUTINE = "gcp:bigquery/routine:Routine"
METRIC, ALERT = "gcp:logging/metric:Metric", "gcp:monitoring/alertPolicy:AlertPolicy"
P, N = "daff-prod-x", "123456789012"
MODES = pytest.mark.parametrize("preview", [False, True])
LOG = 'logName="projects/daff-prod-x/logs/cloudaudit.googleapis.com%2Fdata_access"'
WHO = "protoPayload.authenticationInfo.principalEmail"


def audit_of(inv, kind: str) -> Registration:
    """The access-audit child of the demographics product of ``kind``."""
    [hit] = [r for r in of_type(inv, kind) if "podcast-demographics-access-audit" in r.name]
    return hit


# --- the sink: BigQuery data-access logs to the audit project, with exactly the grant it needs ----

def test_the_sink_filter_is_the_projects_bigquery_data_access_log():
    assert sink_filter(P) == f'{LOG} AND protoPayload.serviceName="bigquery.googleapis.com"'
    # the product's datasets only: products may share an adopted project
    assert sink_filter(P, ["b", "a"]) == (f'{LOG} AND protoPayload.serviceName="bigquery.googleapis.com" AND '
                                          f'(protoPayload.resourceName:"projects/{P}/datasets/a/tables/" OR '
                                          f'protoPayload.resourceName:"projects/{P}/datasets/b/tables/")')


@MODES
def test_the_sink_routes_to_its_own_partitioned_dataset_in_the_audit_project(preview):
    inv, project, audit = run_stack(STACK, preview), project_of(PRODUCT, STACK), settings(STACK).platform.audit_logs
    sink = audit_of(inv, SINK)
    assert sink.inputs["project"] == project
    assert sink.inputs["destination"] == (f"bigquery.googleapis.com/projects/{audit.project}/datasets/"
                                          f"{audit_dataset_id(project, model(PRODUCT).name)}")
    assert sink.inputs["name"] == f"meshplane-{model(PRODUCT).name}-data-access"  # one per product, not per project
    assert sink.inputs["filter"].startswith(sink_filter(project) + " AND (")
    assert sink.inputs["uniqueWriterIdentity"] is True
    assert sink.inputs["bigqueryOptions"] == {"usePartitionedTables": True}
    ds = audit_of(inv, DATASET)
    assert (ds.inputs["project"], ds.inputs["datasetId"], ds.inputs["location"]) == (
        audit.project, audit_dataset_id(project, model(PRODUCT).name), audit.location)
    assert ds.inputs["defaultPartitionExpirationMs"] == audit.retention_days * 86_400_000
    assert "defaultTableExpirationMs" not in ds.inputs  # the sink's one table must outlive any partition
    assert (ds.protect, ds.retain_on_delete, ds.inputs["labels"]["mesh_layer"]) == (True, True, "audit")


@MODES
def test_the_writer_identity_gets_writer_on_that_dataset_only_after_a_wait(preview):
    inv = run_stack(STACK, preview)
    sink, ds = audit_of(inv, SINK), audit_of(inv, DATASET)
    writer = sink.outputs["writerIdentity"].split(":", 1)[1]
    grants = [g for g in of_type(inv, ACCESS) if g.inputs.get("userByEmail") == writer]
    assert [(g.inputs["project"], g.inputs["datasetId"], g.inputs["role"]) for g in grants] == [
        (ds.inputs["project"], ds.inputs["datasetId"], "WRITER")]
    [wait] = [w for w in of_type(inv, SLEEP) if w.urn in grants[0].dependencies]
    assert sink.urn in wait.dependencies and grants[0].delete_before_replace


@MODES
def test_the_owner_and_governance_read_the_audit_dataset_and_nobody_else(preview):
    inv, platform = run_stack(STACK, preview), settings(STACK).platform
    ds = audit_of(inv, DATASET)
    readers = {(g.inputs.get("groupByEmail") or g.inputs.get("userByEmail"), g.inputs["role"])
               for g in of_type(inv, ACCESS) if g.inputs["datasetId"] == ds.inputs["datasetId"]}
    writer = audit_of(inv, SINK).outputs["writerIdentity"].split(":", 1)[1]
    assert readers == {("podcast-data-owners@daff.example", "READER"),
                       (platform.governance_principal.split(":", 1)[1], "READER"), (writer, "WRITER")}


def test_no_sink_without_audit_settings():
    from components_support import fresh_run, stack_config
    config = stack_config(STACK)
    platform = {k: v for k, v in config["meshplane:platform"].items() if k != "auditLogs"}
    inv = fresh_run(STACK, config={**config, "meshplane:platform": platform})
    assert not of_type(inv, SINK) and not [r for r in of_type(inv, DATASET) if r.inputs["labels"]["mesh_layer"] == "audit"]


def reg(type_: str, name: str, deps: tuple[Registration, ...] = (), outputs: dict | None = None,
        **inputs) -> Registration:
    return Registration(f"urn:pulumi:prod::data-mesh::{type_}::{name}", type_, name, True, "", inputs, False, False,
                        dependencies=tuple(d.urn for d in deps), outputs=outputs or {})


def test_the_first_up_grants_the_writer_after_the_sink_exists_and_refuses_a_view_over_its_table():
    writer = f"service-{N}@gcp-sa-logging.iam.gserviceaccount.com"
    sink = reg(SINK, "sink", project=P, outputs={"writerIdentity": f"serviceAccount:{writer}"})
    grant = lambda *deps: reg(ACCESS, "grant", deps, project="audit", datasetId="a", role="WRITER",  # noqa: E731
                              userByEmail=writer)
    wait = reg(SLEEP, "wait", (sink,))
    assert "without waiting for it" in first_up([sink, grant()])[0].message
    assert "right after it is created" in first_up([sink, grant(sink)])[0].message
    assert first_up([sink, wait, grant(wait)]) == []
    view = reg("gcp:bigquery/table:Table", "view", project="audit", datasetId="a", tableId="v",
               view={"query": f"SELECT 1 FROM `audit`.`a`.`{SINK_TABLE}`"})
    [failure] = [f for f in first_up([view]) if SINK_TABLE in f.message]
    assert "a log sink creates on its first export" in failure.message
    procedure = reg(ROUTINE, "who", project="audit", datasetId="a", routineId="who_read_my_ports",
                    definitionBody=who_read_sql("audit", "a"))
    assert not [f for f in first_up([procedure]) if SINK_TABLE in f.message]  # resolved when called


# --- who read my ports ---------------------------------------------------------------------------

def test_who_read_is_one_bigquery_select_over_the_sinks_table():
    body = who_read_sql("daff-audit", "audit_x")
    assert body.startswith("BEGIN\n") and body.endswith("\nEND")
    [select] = sqlglot.parse(body.removeprefix("BEGIN\n").removesuffix("\nEND"), read="bigquery")
    assert isinstance(select, exp.Select)
    assert [".".join(p.name for p in (t.args["catalog"], t.args["db"], t.this)) for t in select.find_all(exp.Table)] == [
        f"daff-audit.audit_x.{SINK_TABLE}"]
    again = sqlglot.parse_one(select.sql(dialect="bigquery"), read="bigquery")
    assert again.sql(dialect="bigquery") == select.sql(dialect="bigquery")  # round trip
    assert [c.alias for c in select.expressions] == ["principal", "dataset_id", "table_id", "reads", "first_read",
                                                     "last_read"]


@MODES
def test_who_read_is_a_procedure_in_the_audit_dataset_with_a_days_argument(preview):
    inv = run_stack(STACK, preview)
    routine, ds = audit_of(inv, ROUTINE), audit_of(inv, DATASET)
    assert (routine.inputs["project"], routine.inputs["datasetId"], routine.inputs["routineId"]) == (
        ds.inputs["project"], ds.inputs["datasetId"], "who_read_my_ports")
    assert (routine.inputs["routineType"], routine.inputs["language"]) == ("PROCEDURE", "SQL")
    assert routine.inputs["arguments"] == [{"name": "days", "dataType": '{"typeKind":"INT64"}'}]
    assert routine.inputs["definitionBody"] == who_read_sql(ds.inputs["project"], ds.inputs["datasetId"])


# --- the alert on undeclared readers -------------------------------------------------------------

@pytest.mark.parametrize("principals, users, known", [
    (["serviceAccount:a@p.iam.gserviceaccount.com", "user:b@x.example"], True,
     ["a@p.iam.gserviceaccount.com", "b@x.example"]),
    (["group:g@x.example", "serviceAccount:a@p.iam.gserviceaccount.com"], False, ["a@p.iam.gserviceaccount.com"]),
    (["domain:x.example"], False, []),
    ([], True, []),
])
def test_groups_and_domains_have_no_email_in_audit_logs(principals, users, known):
    assert (watches_users(principals), emails(principals)) == (users, known)


def test_the_filter_watches_each_dataset_for_its_own_undeclared_readers():
    text = undeclared_reads_filter(P, N, {
        "x_port_v1": ["user:ann@x.example", "serviceAccount:run@p.iam.gserviceaccount.com"],
        "x_internal": ["group:owners@x.example", "serviceAccount:run@p.iam.gserviceaccount.com"]})
    assert text == (
        f'{LOG} AND protoPayload.serviceName="bigquery.googleapis.com" AND protoPayload.metadata.tableDataRead:* '
        f'AND NOT {WHO}:"service-{N}@" AND ('
        f'(protoPayload.resourceName:"projects/{P}/datasets/x_internal/tables/" AND {WHO}:".gserviceaccount.com" '
        f'AND NOT ({WHO}="run@p.iam.gserviceaccount.com")) OR '
        f'(protoPayload.resourceName:"projects/{P}/datasets/x_port_v1/tables/" '
        f'AND NOT ({WHO}="ann@x.example" OR {WHO}="run@p.iam.gserviceaccount.com")))')
    assert text.count("(") == text.count(")") and text.count('"') % 2 == 0


@MODES
def test_the_metric_counts_undeclared_reads_of_every_port_and_the_internal_data(preview):
    inv, project = run_stack(STACK, preview), project_of(PRODUCT, STACK)
    metric = audit_of(inv, METRIC)
    assert (metric.inputs["project"], metric.inputs["name"]) == (project, "meshplane/undeclared_reads/podcast-demographics")
    text = metric.inputs["filter"]
    number = named(inv, f"{PRODUCT.split('.')[1]}-project", "gcp:organizations/project:Project").outputs["number"]
    assert text.startswith(sink_filter(project)) and f'NOT {WHO}:"service-{number}@"' in text
    for dataset in ("podcast_demographics_internal", "podcast_demographics_demographics_v1"):
        assert f'protoPayload.resourceName:"projects/{project}/datasets/{dataset}/tables/"' in text
    assert text.count(f'{WHO}="run-podcast-demographics@{project}.iam.gserviceaccount.com"') == text.count(
        "protoPayload.resourceName:")  # the runner is declared on every dataset
    assert metric.inputs["labelExtractors"] == {"principal": f"EXTRACT({WHO})"}


@MODES
def test_the_alert_fires_on_any_undeclared_read_after_the_metric_exists(preview):
    inv, project = run_stack(STACK, preview), project_of(PRODUCT, STACK)
    alert = audit_of(inv, ALERT)
    [condition] = alert.inputs["conditions"]
    assert condition["conditionThreshold"]["filter"] == (
        f'metric.type = "logging.googleapis.com/user/meshplane/undeclared_reads/podcast-demographics" '
        f'AND project = "{project}"')
    assert condition["conditionThreshold"]["thresholdValue"] == 0
    assert alert.inputs["notificationChannels"] == settings(STACK).platform.notification_channels
    assert not [f for f in first_up(inv.registrations) if "undeclared" in f.name]


@MODES
def test_a_retired_product_keeps_its_audit_trail_without_the_alert(preview):
    inv = run_stack("charts-prod", preview)  # charts.top-forty is retired
    kinds = {r.type for r in inv.registrations if "top-forty-access-audit" in r.name}
    assert {SINK, DATASET, ROUTINE} <= kinds and not kinds & {METRIC, ALERT}
    assert not [r for r in of_type(inv, "gcp:monitoring/monitoredProject:MonitoredProject") if "access-audit" in r.name]
