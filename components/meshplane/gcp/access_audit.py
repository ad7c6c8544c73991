"""Who accessed what: a product's BigQuery data-access audit logs, kept, readable by its owner, and watched.

* Destination: a BigQuery dataset of the product's own in the platform's audit project, not a log
  bucket. The owner reads it and calls ``who_read_my_ports`` with ordinary BigQuery grants, and
  the product's owner cannot edit it (the audit project is the platform's). Retention is the
  dataset's partition expiration (``auditLogs.retentionDays``; the sink writes partitioned
  tables); the dataset is protected and retained; a purged product's is only unprotected: removed
  from the stack it stays in GCP until its partitions expire. It is encrypted by Google, not with
  the product's key: it holds who read which table and when, not the data. A log bucket
  with a locked retention would make the logs immutable, but its linked dataset can be read only
  through Logging's view grants, not shared by a BigQuery routine: not chosen.
* The sink lives in the product's project, with a unique writer identity (the project's Logging
  service agent, known once the sink exists). Its one grant is WRITER on the audit dataset
  (``roles/bigquery.dataEditor`` on that dataset only), after a wait: a service agent is usable
  only a while after it appears (``waits.ACCOUNTS``).
* ``who_read_my_ports`` is a procedure in the audit dataset (a view could not be created before the
  sink's first export creates its table). The owner and the governance principal are READERs of
  the dataset: they see the raw entries and may call the procedure (with a job in a project of
  theirs): ``CALL `<audit>.<dataset>.who_read_my_ports`(30)``.
* An alert: a log-based metric in the product's project counts reads of the port and internal
  datasets by undeclared principals (``access_audit.undeclared_reads_filter``), an alert policy in
  the notification channels' project fires on any count, like the failed-job alert; it shares the
  metrics-scope entry the SLO scans made (one per product project). A retired product keeps its
  sink and audit dataset but has no consumers left, no scans and no alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..sql.access_audit import (
    DAYS, PRINCIPAL, WHO_READ, audit_dataset_id, metric_name, retention_ms, sink_destination, sink_filter, sink_name,
    undeclared_reads_filter, who_read_sql,
)
from ..settings.platform import AuditLogSettings
from . import waits
from .alerting import alert_project, failure_alert
from .dataset import BigQueryDataset, BigQueryDatasetArgs
from .observability import METRIC_PREFIX
from .options import child, component_token

INT64_TYPE = '{"typeKind":"INT64"}'


@dataclass
class AccessAuditArgs:
    """The product's project, the platform's audit settings and who is declared on each dataset."""

    project: str
    project_number: pulumi.Input[str]
    product: str  # the product's name (slug): metric name
    product_id: str
    settings: AuditLogSettings
    readers: dict[str, list[str]]  # dataset id -> declared principals (consumers, runner, owner, governance)
    owner: str
    labels: dict[str, str]  # of the audit dataset (mesh_layer audit)
    governance_principal: str | None = None
    notification_channels: list[str] = field(default_factory=list)
    metrics_scope: pulumi.Resource | None = None  # the product's entry in the alerting project's scope (Observability's)
    runbook_url: str | None = None
    watch: bool = True  # the undeclared-reads metric and alert (not once retired: it has no consumers left)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # logging and monitoring APIs
    creator: pulumi.Input[str] | None = None
    max_time_travel_hours: int | None = None


class AccessAudit(pulumi.ComponentResource):
    """The data-access log sink, its audit dataset and grants, the who-read procedure, and the alert."""

    def __init__(self, name: str, args: AccessAuditArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("AccessAudit"), name, None, opts)
        s = args.settings
        self.dataset_id = audit_dataset_id(args.project, args.product)
        self.dataset = BigQueryDataset(f"{name}-dataset", BigQueryDatasetArgs(
            project=s.project, dataset_id=self.dataset_id, location=s.location, labels=args.labels,
            description=f"BigQuery data-access audit logs of {args.product_id} ({args.project}).",
            friendly_name=f"audit {args.product_id}", default_partition_expiration_ms=retention_ms(s.retention_days),
            max_time_travel_hours=args.max_time_travel_hours, outlives_purge=True, creator=args.creator),
            opts=child(self))
        self.sink = gcp.logging.ProjectSink(
            f"{name}-sink", project=args.project, name=sink_name(args.product),
            description=f"BigQuery data-access audit logs of {args.product_id}, kept {s.retention_days} days.",
            destination=sink_destination(s.project, self.dataset_id),
            filter=sink_filter(args.project, list(args.readers)),  # the product's datasets: a shared project
            unique_writer_identity=True,
            bigquery_options=gcp.logging.ProjectSinkBigqueryOptionsArgs(use_partitioned_tables=True),
            opts=child(self, depends_on=[*args.depends_on, self.dataset.dataset]))
        self.writer_ready = waits.wait(f"{name}-writer-wait", self, [self.sink], waits.ACCOUNTS,
                                       {"writer": self.sink.writer_identity})
        self.writer_grant = self.dataset.grant_sink_write("writer", self.sink.writer_identity,
                                                          depends_on=[self.writer_ready])
        self.reader_grants = [self.dataset.grant_read(p) for p in sorted({args.owner, args.governance_principal} - {None})]
        self.who_read = gcp.bigquery.Routine(
            f"{name}-{WHO_READ}", project=s.project, dataset_id=self.dataset.dataset_id, routine_id=WHO_READ,
            routine_type="PROCEDURE", language="SQL",
            description=f"Who read which table of {args.product_id} in the last N days: "
                        f"CALL `{s.project}.{self.dataset_id}.{WHO_READ}`(30).",
            arguments=[gcp.bigquery.RoutineArgumentArgs(name=DAYS, data_type=INT64_TYPE)],
            definition_body=who_read_sql(s.project, self.dataset_id), opts=child(self))
        self.alerting_project = alert_project(args.notification_channels, args.project)
        self.metric = self._metric(name, args) if args.watch else None
        self.alert = self._alert(name, args) if args.watch else None
        self.address = f"{s.project}.{self.dataset_id}.{WHO_READ}"
        self.register_outputs({"who_read_my_ports": self.address})

    def _metric(self, name: str, args: AccessAuditArgs) -> gcp.logging.Metric:
        return gcp.logging.Metric(
            f"{name}-undeclared-reads", project=args.project, name=metric_name(args.product),
            description=f"Reads of {args.product_id}'s ports or internal data by an undeclared principal.",
            filter=pulumi.Output.from_input(args.project_number).apply(
                lambda number: undeclared_reads_filter(args.project, number, args.readers)),
            metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(
                metric_kind="DELTA", value_type="INT64",
                labels=[gcp.logging.MetricMetricDescriptorLabelArgs(
                    key="principal", value_type="STRING", description="Who read.")]),
            label_extractors={"principal": f"EXTRACT({PRINCIPAL})"},
            opts=child(self, depends_on=args.depends_on))

    def _alert(self, name: str, args: AccessAuditArgs) -> gcp.monitoring.AlertPolicy:
        metric = metric_name(args.product)
        return failure_alert(
            f"{name}-undeclared-read", self, project=self.alerting_project,
            display_name=f"Undeclared read of {args.product_id}",
            condition=f"Reads of {args.product_id} by undeclared principals",
            metric_filter=f'metric.type = "{METRIC_PREFIX}{metric}" AND project = "{args.project}"',
            channels=args.notification_channels, documentation=alert_documentation(args, self.dataset_id),
            runbook_url=args.runbook_url, labels=args.labels, depends_on=args.depends_on,
            wait_for={f"metric {metric}": self.metric,
                      **({f"scope {self.alerting_project}": args.metrics_scope} if args.metrics_scope else {})})


def alert_documentation(args: AccessAuditArgs, dataset_id: str) -> str:
    """What the alert means and where to look."""
    return (f"A principal that is not a declared consumer, the runner, the owner, a service agent or the "
            f"governance principal read a port or the internal data of **{args.product_id}**; the metric's "
            f"`principal` label names it. Where a group is declared, only service accounts are watched "
            f"(audit logs name the member, not the group).\n\nRunbook: "
            f"`CALL \\`{args.settings.project}.{dataset_id}.{WHO_READ}\\`(1)` lists who read what; then find "
            f"the grant (project roles, dataset ACLs) that let the principal in.")
