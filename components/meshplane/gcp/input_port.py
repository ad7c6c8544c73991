"""An input port: the address the dbt job reads, and the narrow grant an operational source needs.

Upstream data products grant our runner themselves (the producer controls access); this side only
checks that the mesh found the grant. Operational sources of the same domain are granted here.
Grants wait for ``ready`` (the product's identities exist and are usable); a Pub/Sub raw table
names its dataset's key like every data table.

A raw table keeps what the product's retention allows: its partition expiry is the retention,
always stated (``0`` for none, as a port table's), and its subscription keeps unacknowledged
messages no longer than the retention when that is shorter than Pub/Sub's 7 days. The topic is
the source's, not the product's: its retention is the source's to set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..product.bq_schema import PUBSUB_RAW_COLUMNS
from ..declaration.model import InputPort as InputPortDeclaration
from ..product.product_needs import retention_ms, subscription_retention
from . import roles, waits
from .dataset import BigQueryDataset
from .landing import S3Landing, S3LandingArgs, prefix_condition
from .options import child, component_token, data_child, grant_child, purged
from .storage import table_key


@dataclass
class UpstreamPort:
    """A resolved upstream output port: its view's address and whether it grants us."""

    address: str  # project.dataset.view
    granted: bool


class InputPortError(ValueError):
    """An input port the mesh could not resolve or that is not granted."""


@dataclass
class InputPortArgs:
    """The port's declaration, the runner it grants, and where a raw table would live."""

    port: InputPortDeclaration
    project: str
    runner: str
    ready: pulumi.Resource  # Identity.ready: the runner and the service agents exist and are usable
    internal: BigQueryDataset
    internal_dataset_id: str
    labels: dict[str, str]
    upstream: UpstreamPort | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # e.g. the Pub/Sub API
    pubsub_agent: pulumi.Input[str] | None = None  # the project's Pub/Sub service agent (a subscription's writer)
    retention: str | None = None  # the product's retention (ISO 8601): a raw table's and its subscription's
    location: str = ""  # the product's location: an S3 port's landing bucket's
    owner: str = ""  # the product's owner: reads an S3 port's landing bucket
    transfer: str | None = None  # an S3 port's transfer job status (product_needs.transfer_status)


class InputPort(pulumi.ComponentResource):
    """Exposes ``address`` (what dbt reads) and creates the source-side grant, if any."""

    def __init__(self, name: str, args: InputPortArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("InputPort"), name, None, opts)
        port = args.port
        if port.data_product:
            if args.upstream is None or not args.upstream.granted:
                raise InputPortError(f"input port {port.name!r}: {port.data_product} "
                                     f"{port.output_port} v{port.version} does not grant this product")
            self.address = args.upstream.address
        elif port.bigquery_table:
            self.address = port.bigquery_table
            self._grant_table(name, args)
        elif port.gcs_prefix:
            self.address = port.gcs_prefix
            self._grant_prefix(name, args)
        elif port.s3:
            self.landing = S3Landing(f"{name}-landing", S3LandingArgs(
                port=port, project=args.project, location=args.location, labels=args.labels, runner=args.runner,
                owner=args.owner, ready=args.ready, kms_key_name=args.internal.kms_key_name,
                retention=args.retention, transfer=args.transfer, depends_on=args.depends_on), opts=child(self))
            self.address = self.landing.address
        else:
            self.address = f"{args.project}.{args.internal_dataset_id}.{_raw_table_id(port)}"
            self._subscribe(name, args)
        self.register_outputs({"address": self.address})

    def _grant_table(self, name: str, args: InputPortArgs) -> None:
        project, dataset, table = args.port.bigquery_table.split(".")
        self.grant = gcp.bigquery.IamMember(
            f"{name}-read", project=project, dataset_id=dataset, table_id=table,
            role=roles.BIGQUERY_DATA_VIEWER, member=args.runner,
            opts=grant_child(self, depends_on=[args.ready]))

    def _grant_prefix(self, name: str, args: InputPortArgs) -> None:
        bucket, _, prefix = args.port.gcs_prefix.removeprefix("gs://").partition("/")
        self.grant = gcp.storage.BucketIAMMember(
            f"{name}-read", bucket=bucket, role=roles.STORAGE_OBJECT_VIEWER, member=args.runner,
            condition=prefix_condition(args.port.name, bucket, prefix), opts=grant_child(self, depends_on=[args.ready]))

    def _subscribe(self, name: str, args: InputPortArgs) -> None:
        table_id = _raw_table_id(args.port)
        self.raw_table = gcp.bigquery.Table(
            f"{name}-raw", project=args.project, dataset_id=args.internal.dataset_id, table_id=table_id,
            description=f"Messages of {args.port.pubsub_topic}, written by a BigQuery subscription.",
            labels=args.labels, schema=json.dumps(PUBSUB_RAW_COLUMNS, separators=(",", ":")),
            time_partitioning=gcp.bigquery.TableTimePartitioningArgs(
                type="DAY", field="publish_time", expiration_ms=retention_ms(args.retention) or 0),
            encryption_configuration=table_key(args.internal.kms_key_name),
            deletion_protection=not purged(args.labels), opts=data_child(self, purge=purged(args.labels)))
        self.agent_grant = gcp.bigquery.IamMember(  # the narrowest scope: this one table
            f"{name}-pubsub-agent-write", project=args.project, dataset_id=args.internal_dataset_id,
            table_id=self.raw_table.table_id, role=roles.BIGQUERY_DATA_EDITOR, member=args.pubsub_agent,
            opts=grant_child(self, depends_on=[args.ready]))
        # Creating a BigQuery subscription checks that the agent may write the table: after propagation.
        self.agent_grant_ready = waits.wait(f"{name}-pubsub-agent-write-propagation", self, [self.agent_grant],
                                            waits.TABLE_GRANT, {"table": table_id})
        self.subscription = gcp.pubsub.Subscription(
            f"{name}-subscription", project=args.project, topic=args.port.pubsub_topic,
            name=f"{args.internal_dataset_id}-{args.port.name}".replace("_", "-"), labels=args.labels,
            bigquery_config=gcp.pubsub.SubscriptionBigqueryConfigArgs(
                table=pulumi.Output.concat(args.project, ".", args.internal_dataset_id, ".",
                                           self.raw_table.table_id),
                write_metadata=True),
            message_retention_duration=subscription_retention(args.retention),
            opts=child(self, depends_on=[self.agent_grant_ready, *args.depends_on]))


def _raw_table_id(port: InputPortDeclaration) -> str:
    return f"raw_{port.name}"
