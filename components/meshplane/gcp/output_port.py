"""An output port: a dataset per major version holding the interface view, and who may query it.

The port dataset is authorized on the internal dataset (an *authorized dataset*, target VIEWS), so
its views read the port table while consumers never get access to internal data. PII reaches
consumers masked: by BigQuery when the column carries a policy tag (its data masking policy, per
reader), else by the view in SQL. Row filters become row access policies on the port table.

The view's ``schema`` carries the declared column descriptions (``bq_schema.view_schema_fields``):
the provider creates the view without one (BigQuery refuses a schema there), then updates it with
the schema, and stores what BigQuery answers. On an update whose schema loses a top-level column the
provider first runs ``ALTER TABLE ... DROP COLUMN``, which BigQuery refuses on a view (and with
``ignore_auto_generated_schema`` it would keep the dropped column in the schema it sends, which the
new query no longer has). So a change of the view's set of top-level columns replaces the view
(``replacement_trigger``), deleted first as the new one takes the same id: queries fail for the
seconds in between. A type change replaces it too (the provider's ForceNew); descriptions, added nested
fields and the column order are updated in place.

Row access policies are evaluated for every caller, through views and procedures too: once the
table has one, a principal named in none sees no rows. So the product's own readers (runner,
owner, the control port's caller, the Dataplex agent of its quality scans) are always in the
``TRUE`` policy, with every consumer no filter names. A policy is replaced (deleted first) when its
grantees change, rather than updated: the provider never reads grantees back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..product import standards
from ..product.bq_schema import view_schema_fields
from ..declaration.model import OutputPort as OutputPortDeclaration
from ..product.column_security import view_masking
from ..product.product_needs import retention_label
from ..sql.view_sql import interface_view_sql
from .dataset import BigQueryDataset, BigQueryDatasetArgs
from .options import child, component_token, grant_child

ALL_ROWS_POLICY = "meshplane_all_rows"


@dataclass
class OutputPortArgs:
    """The port's declaration, where it lives, what it reads, and who is granted."""

    port: OutputPortDeclaration
    project: str
    dataset_id: str
    view_id: str
    location: str
    labels: dict[str, str]
    internal: BigQueryDataset
    table: gcp.bigquery.Table
    table_id: str
    internal_dataset_id: str
    consumers: list[str] = field(default_factory=list)  # principals, incl. consuming runners
    policy_tags: dict[str, str] = field(default_factory=dict)  # tagged column paths: BigQuery masks them
    unfiltered_readers: list[pulumi.Input[str]] = field(default_factory=list)  # runner, owner, eraser, scan agent
    ready: dict[str, pulumi.Resource] = field(default_factory=dict)  # principal -> what to wait for first
    kms_key_name: str | None = None
    max_time_travel_hours: int | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    unfiltered_ready: list[pulumi.Resource] = field(default_factory=list)  # what unfiltered agents wait for
    creator: pulumi.Input[str] | None = None


class OutputPort(pulumi.ComponentResource):
    """The interface of one port major version; ``grant_query`` adds a consumer."""

    def __init__(self, name: str, args: OutputPortArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("OutputPort"), name, None, opts)
        port = args.port
        self.dataset = BigQueryDataset(name, BigQueryDatasetArgs(
            project=args.project, dataset_id=args.dataset_id, location=args.location,
            labels=args.labels, description=port.description,
            friendly_name=f"{port.name} v{port.major}", kms_key_name=args.kms_key_name,
            max_time_travel_hours=args.max_time_travel_hours, depends_on=args.depends_on, creator=args.creator),
            opts=child(self))
        masked = view_masking(port.columns, args.policy_tags)
        self.query = interface_view_sql(args.project, args.internal_dataset_id, args.table_id, masked,
                                        serving=port.serving)
        self.view = gcp.bigquery.Table(
            f"{name}-view", project=args.project, dataset_id=self.dataset.dataset_id,
            table_id=args.view_id, description=port.description, labels=args.labels,
            view=gcp.bigquery.TableViewArgs(query=self.query, use_legacy_sql=False),
            schema=json.dumps(view_schema_fields(masked), separators=(",", ":")),
            deletion_protection=False,  # a view holds no data: it may be replaced freely
            opts=pulumi.ResourceOptions.merge(child(self, depends_on=[args.table]), pulumi.ResourceOptions(
                delete_before_replace=True, replacement_trigger=view_columns_key(port.columns))))
        self.authorization = args.internal.authorize_dataset(
            f"{port.name}-v{port.major}", args.project, self.dataset.dataset_id)
        for principal in args.consumers:
            self.grant_query(principal, depends_on=_waits(args.ready, [principal]))
        self.row_policies = self._row_policies(name, args)
        self.address = f"{args.project}.{args.dataset_id}.{args.view_id}"
        self.register_outputs({"address": self.address})

    def grant_query(self, principal: str, *, depends_on: list[pulumi.Resource] | None = None
                    ) -> gcp.bigquery.DatasetAccess:
        """Let ``principal`` query the port's views (READER on the port dataset only)."""
        return self.dataset.grant_read(principal, depends_on=depends_on)

    def _row_policies(self, name: str, args: OutputPortArgs) -> list[gcp.bigquery.RowAccessPolicy]:
        filters = args.port.row_filters
        if not filters:
            return []
        covered = {g for f in filters for g in f.grantees}
        known = [r for r in args.unfiltered_readers if isinstance(r, str)]
        everyone = sorted({*known, *(set(args.consumers) - covered)})
        everyone += [r for r in args.unfiltered_readers if not isinstance(r, str)]  # e.g. a service agent
        policies = [(f.name, f.filter, sorted(set(f.grantees))) for f in filters]
        policies.append((ALL_ROWS_POLICY, "TRUE", everyone))  # once a table has a row policy, BigQuery hides
        return [gcp.bigquery.RowAccessPolicy(  # every row from the principals no policy names
            f"{name}-rows-{policy_id}", project=args.project, dataset_id=args.internal_dataset_id,
            table_id=args.table_id, policy_id=policy_id, filter_predicate=predicate, grantees=grantees,
            opts=grant_child(self, depends_on=[args.table, *_waits(args.ready, grantees),
                                               *(args.unfiltered_ready if policy_id == ALL_ROWS_POLICY else [])],
                             replace_on_changes=["grantees"]))
            for policy_id, predicate, grantees in policies]


def view_columns_key(columns: list) -> list[str]:
    """What replaces the view: its set of top-level columns (see the module's docstring)."""
    return sorted(c.name for c in columns)


def _waits(ready: dict[str, pulumi.Resource], principals: list) -> list[pulumi.Resource]:
    """What grants to ``principals`` must wait for (their accounts' readiness), without repeats."""
    found = [ready[p] for p in principals if isinstance(p, str) and p in ready]
    return list({id(r): r for r in found}.values())


def port_labels(base: dict[str, str], port: OutputPortDeclaration) -> dict[str, str]:
    """The port layer's labels (``mesh_layer=port``, port name and major, deprecation, the port's
    retention where it overrides the product's)."""
    extra = {k: v for k, v in base.items() if k not in standards.STANDARD_LABEL_KEYS}
    extra.update(retention_label(port.retention))
    if port.deprecation is not None:
        extra["deprecated"] = "true"
    return standards.labels(domain=base["data_domain"], product=base["data_product"],
                            environment=base["environment"], mesh_layer="port", port=port.name,
                            port_version=port.major, extra=extra)
