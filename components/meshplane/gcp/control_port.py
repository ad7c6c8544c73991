"""The control port: privileged operations governance runs on a product without plain data access.

* A control dataset ``<product>_control`` (labels ``mesh_layer=control``): the routines; and a ledger
  dataset ``<product>_control_ledger`` beside it for the ledger (a routine is authorized on datasets
  other than its own: the provider documents the entry as "a routine from a different dataset").
* ``erase_subject(subject_key STRING)``: a SQL procedure that finds, at call time, every base table of
  the internal dataset holding a declared subject key (port tables, dbt's tables, Pub/Sub raw tables,
  tables meshplane never declared) and deletes the subject's rows table by table (``control_sql``).
  It is an *authorized routine* on the internal dataset (a ``DatasetAccess`` with ``routine``), so it
  deletes there with its own authorization, not the caller's; and on the ledger dataset, so it
  appends to the ledger that its caller may only read.
* The ledger ``erasures``: one row per call (when, who, the salted SHA-256 of the key, rows removed or
  the error per table); partitioned by day, the product's key, protected and retained like data.
* The platform's governance principal is READER on the control dataset (call the routine) and on the
  ledger dataset (read the ledger), and metadata viewer on the internal dataset: the procedure's ``INFORMATION_SCHEMA`` query
  runs with the caller's rights (tables and schemas, never rows). The caller also needs
  ``bigquery.jobs.create`` in a project of its own to run ``CALL``. Without a governance principal
  nobody is granted; without a subject key on any port there is no routine (and no control port).
* Kept for every built status, retired included: retained data is still subject to erasure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..sql.control_sql import ARGUMENT, ERASE_SUBJECT, LEDGER, LEDGER_SCHEMA, Erasure, erase_subject_sql
from .dataset import BigQueryDataset, BigQueryDatasetArgs
from .options import child, component_token, data_child, purged
from .storage import table_key

STRING_TYPE = json.dumps({"typeKind": "STRING"})


def ledger_dataset_id(control_dataset_id: str) -> str:
    """The ledger's dataset beside the control dataset: ``<product>_control_ledger``."""
    return f"{control_dataset_id}_ledger"


@dataclass
class ControlPortArgs:
    """Where the control dataset lives, the internal dataset it may modify, and who may call it."""

    project: str
    dataset_id: str  # the control dataset, e.g. ``podcast_demographics_control``
    location: str
    labels: dict[str, str]  # mesh_layer=control
    product_id: str
    internal: BigQueryDataset
    internal_dataset_id: str
    keys: tuple[str, ...]  # the ports' subject-key column names (``subject_keys``); at least one
    governance_principal: str | None = None
    kms_key_name: str | None = None
    max_time_travel_hours: int | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # e.g. the BigQuery API
    table_resources: list[pulumi.Resource] = field(default_factory=list)  # the tables the routine deletes from
    creator: pulumi.Input[str] | None = None


class ControlPort(pulumi.ComponentResource):
    """The control dataset, the erase_subject procedure, its authorization and the governance grant."""

    def __init__(self, name: str, args: ControlPortArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("ControlPort"), name, None, opts)
        self.dataset = self._dataset(f"{name}-dataset", args, args.dataset_id, "control port",
                                     f"Control port of {args.product_id}: privileged routines for governance.")
        self.ledger_dataset_id = ledger_dataset_id(args.dataset_id)
        self.ledger_dataset = self._dataset(
            f"{name}-ledger-dataset", args, self.ledger_dataset_id, "erasure ledger",
            f"Erasure ledger of {args.product_id}: written by its control port's erase_subject only.")
        self.ledger = self._ledger(name, args)
        self.definition = erase_subject_sql(Erasure(
            args.project, args.internal_dataset_id, self.ledger_dataset_id, args.keys, salt=args.product_id))
        self.erase_subject = gcp.bigquery.Routine(
            f"{name}-{ERASE_SUBJECT}", project=args.project, dataset_id=self.dataset.dataset_id,
            routine_id=ERASE_SUBJECT, routine_type="PROCEDURE", language="SQL",
            description=f"Erase a data subject from every table of {args.product_id}: "
                        f"CALL `{args.project}.{args.dataset_id}.{ERASE_SUBJECT}`('<key>').",
            arguments=[gcp.bigquery.RoutineArgumentArgs(name=ARGUMENT, data_type=STRING_TYPE)],
            definition_body=self.definition,
            opts=child(self, depends_on=[*args.table_resources, self.ledger]))
        body = f"{STRING_TYPE} {self.definition}"
        self.authorization = args.internal.authorize_routine(
            ERASE_SUBJECT, args.project, self.dataset.dataset_id, ERASE_SUBJECT,
            body=body, depends_on=[self.erase_subject])
        self.ledger_authorization = self.ledger_dataset.authorize_routine(
            ERASE_SUBJECT, args.project, self.dataset.dataset_id, ERASE_SUBJECT,
            body=body, depends_on=[self.erase_subject])
        principal = args.governance_principal
        self.grant = self.dataset.grant_read(principal) if principal else None
        self.ledger_grant = self.ledger_dataset.grant_read(principal) if principal else None
        self.metadata_grant = args.internal.grant_metadata(principal) if principal else None
        self.address = f"{args.project}.{args.dataset_id}.{ERASE_SUBJECT}"
        self.register_outputs({"erase_subject": self.address})

    def _dataset(self, name: str, args: ControlPortArgs, dataset_id: str, friendly: str,
                 description: str) -> BigQueryDataset:
        """A dataset of the control port: in the product's project and location, under its key."""
        return BigQueryDataset(name, BigQueryDatasetArgs(
            project=args.project, dataset_id=dataset_id, location=args.location, labels=args.labels,
            description=description, friendly_name=friendly, kms_key_name=args.kms_key_name,
            max_time_travel_hours=args.max_time_travel_hours, depends_on=args.depends_on, creator=args.creator),
            opts=child(self))

    def _ledger(self, name: str, args: ControlPortArgs) -> gcp.bigquery.Table:
        """The erasure ledger: append-only for the procedure, read-only for governance, kept like data."""
        return gcp.bigquery.Table(
            f"{name}-{LEDGER}", project=args.project, dataset_id=self.ledger_dataset.dataset_id, table_id=LEDGER,
            description=f"Erasure ledger of {args.product_id}: one row per erase_subject call.",
            labels=args.labels, schema=json.dumps(LEDGER_SCHEMA, separators=(",", ":")),
            time_partitioning=gcp.bigquery.TableTimePartitioningArgs(type="DAY", field="erased_at"),
            deletion_protection=not purged(args.labels), encryption_configuration=table_key(args.kms_key_name),
            opts=data_child(self, purge=purged(args.labels)))
