"""The product's internal data: dbt's workspace dataset and one port table per port major.

A port table names its key when the dataset has one: BigQuery answers with the inherited key, and
the provider (``encryption_configuration`` is ForceNew, not Computed) would otherwise replace the
table on the next ``up`` (TPG #10518). Its partition expiry is always stated, ``0`` for none: the
field is Computed, so leaving it out would keep an expiry the declaration has removed.

Retention reaches dbt's tables through the dataset's default partition expiration (the product's
retention): BigQuery gives it to every partitioned table created without an expiry of its own, and
changing it changes no existing table. There is deliberately no default *table* expiration: BigQuery
would set it as ``expirationTime`` on every table created without one, port and raw tables
included, and delete them whole; the provider cannot state "none" (it sends nothing for 0). A port
table states its own expiry (the port's retention, else the product's), so the default never
applies to it: it is 0 only when the product declares none, and then the dataset has no default.
Unpartitioned dbt tables get no expiry from the dataset (docs/components.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..product.bq_schema import schema_json, time_partitioning
from ..declaration.model import OutputPort
from .dataset import BigQueryDataset, BigQueryDatasetArgs
from .options import child, component_token, data_child, purged


def table_key(kms_key_name: str | None) -> gcp.bigquery.TableEncryptionConfigurationArgs | None:
    """A data table's own key: its dataset's default key, stated (views take none: they hold no data)."""
    return gcp.bigquery.TableEncryptionConfigurationArgs(kms_key_name=kms_key_name) if kms_key_name else None


@dataclass
class PortTable:
    """What the port table is created from: the port's declaration, its id and labels."""

    port: OutputPort
    table_id: str
    labels: dict[str, str]
    retention_ms: int | None = None  # partition expiration: the port's (or product's) retention
    policy_tags: dict[str, str] = field(default_factory=dict)  # dotted column path -> policy tag


@dataclass
class StorageArgs:
    """The internal dataset, who may use it, and the port tables it holds."""

    project: pulumi.Input[str]
    dataset_id: str
    location: str
    labels: dict[str, str]
    runner: str  # the runner's principal, "serviceAccount:..." (its e-mail is derived, not looked up)
    runner_ready: pulumi.Resource  # Identity.ready: the grant waits for the account to exist and be usable
    owner: str
    tables: list[PortTable]
    description: str = ""
    kms_key_name: str | None = None
    max_time_travel_hours: int | None = None
    retention_ms: int | None = None  # the product's retention: dbt's partitioned tables' default expiry
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    creator: pulumi.Input[str] | None = None  # the deploying identity: the dataset's one initial entry


class Storage(pulumi.ComponentResource):
    """The internal dataset (runner writes, owner reads, nobody else) and the protected port tables."""

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("Storage"), name, None, opts)
        self.internal = BigQueryDataset(f"{name}-internal", BigQueryDatasetArgs(
            project=args.project, dataset_id=args.dataset_id, location=args.location,
            labels=args.labels, description=args.description, kms_key_name=args.kms_key_name,
            max_time_travel_hours=args.max_time_travel_hours, default_partition_expiration_ms=args.retention_ms,
            depends_on=args.depends_on, creator=args.creator),
            opts=child(self))
        self.internal.grant_write(args.runner, depends_on=[args.runner_ready])
        self.internal.grant_read(args.owner)
        self.port_tables: dict[tuple[str, int], gcp.bigquery.Table] = {
            (t.port.name, t.port.major): self._port_table(name, t) for t in args.tables
        }
        self.register_outputs({"internal_dataset_id": self.internal.dataset_id})

    def _port_table(self, name: str, table: PortTable) -> gcp.bigquery.Table:
        port = table.port
        column, granularity = time_partitioning(port)
        return gcp.bigquery.Table(
            f"{name}-{table.table_id}", project=self.internal.project,
            dataset_id=self.internal.dataset_id, table_id=table.table_id,
            description=port.description, labels=table.labels, schema=schema_json(port.columns, table.policy_tags),
            time_partitioning=gcp.bigquery.TableTimePartitioningArgs(
                type=granularity, field=column,
                expiration_ms=table.retention_ms or 0),
            clusterings=list(port.clustering) or None, deletion_protection=not purged(table.labels),
            encryption_configuration=table_key(self.internal.kms_key_name),
            opts=data_child(self, purge=purged(table.labels)))
