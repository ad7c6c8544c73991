"""The control port: privileged operations governance runs on a product without plain data access.

* A control dataset ``<product>_control`` (labels ``mesh_layer=control``) holding nothing but routines.
* ``erase_subject(subject_key STRING)``: a SQL procedure deleting, in one transaction, the rows whose
  subject-key column matches from every port table whose port declares a subject key (``control_sql``).
  It is an *authorized routine* on the internal dataset (a ``DatasetAccess`` with ``routine``), so it
  deletes there with its own authorization, not the caller's.
* The platform's governance principal is READER on the control dataset only: it may call the routine
  and has no grant on internal or port datasets. The caller also needs ``bigquery.jobs.create`` in a
  project of its own to run ``CALL``. Without a governance principal nobody is granted; without a
  subject key on any port there is no routine (and no control port).
* Kept for every built status, retired included: retained data is still subject to erasure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..control_sql import ARGUMENT, ERASE_SUBJECT, SubjectTable, erase_subject_sql
from .dataset import BigQueryDataset, BigQueryDatasetArgs
from .options import child, component_token

STRING_TYPE = json.dumps({"typeKind": "STRING"})


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
    tables: list[SubjectTable]  # port tables with a subject-key column; at least one
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
        self.dataset = BigQueryDataset(f"{name}-dataset", BigQueryDatasetArgs(
            project=args.project, dataset_id=args.dataset_id, location=args.location, labels=args.labels,
            description=f"Control port of {args.product_id}: privileged routines for governance.",
            friendly_name="control port", kms_key_name=args.kms_key_name,
            max_time_travel_hours=args.max_time_travel_hours, depends_on=args.depends_on, creator=args.creator),
            opts=child(self))
        self.definition = erase_subject_sql(args.project, args.internal_dataset_id, args.tables)
        self.erase_subject = gcp.bigquery.Routine(
            f"{name}-{ERASE_SUBJECT}", project=args.project, dataset_id=self.dataset.dataset_id,
            routine_id=ERASE_SUBJECT, routine_type="PROCEDURE", language="SQL",
            description=f"Erase a data subject from the port tables of {args.product_id}: "
                        f"CALL `{args.project}.{args.dataset_id}.{ERASE_SUBJECT}`('<key>').",
            arguments=[gcp.bigquery.RoutineArgumentArgs(name=ARGUMENT, data_type=STRING_TYPE)],
            definition_body=self.definition,
            opts=child(self, depends_on=args.table_resources))
        self.authorization = args.internal.authorize_routine(
            ERASE_SUBJECT, args.project, self.dataset.dataset_id, ERASE_SUBJECT,
            body=f"{STRING_TYPE} {self.definition}", depends_on=[self.erase_subject])
        self.grant = self.dataset.grant_read(args.governance_principal) if args.governance_principal else None
        self.address = f"{args.project}.{args.dataset_id}.{ERASE_SUBJECT}"
        self.register_outputs({"erase_subject": self.address})
