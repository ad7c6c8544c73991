"""A BigQuery dataset with its access inside: the one place that writes a dataset's ACL.

Every grant is a ``bigquery.DatasetAccess`` with a legacy role name (READER, WRITER) or, for metadata
only, ``roles/bigquery.metadataViewer`` (which has no legacy name), one resource
per principal named by a stable key, never ``DatasetIam*``: mixing them makes them overwrite each
other (terraform-provider-google #10156, #11218; pulumi-gcp #2707).

The dataset starts closed. Created without an access list, BigQuery would add its defaults
(``projectReaders`` READER, ``projectWriters`` WRITER, ``projectOwners`` OWNER), which no
``DatasetAccess`` can remove: every project Viewer would read the data. So it is created with one
entry, the deploying identity as OWNER (what BigQuery gives a dataset's creator anyway), and
``ignore_changes=["accesses"]``, the combination the ``DatasetAccess`` docstring documents: the
seed is written once, and the ``DatasetAccess`` resources are the only writers afterwards. A grant
is never also the seed (the provider refuses to create an entry that is already there).

A dataset may state a default partition expiration, never a default table expiration: BigQuery
gives the latter to every table created without an ``expirationTime`` and then deletes the whole
table, and the provider cannot state "no expiration" for a table (it sends nothing for 0).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..product import standards
from . import roles
from .options import component_token, data_child, grant_child, purged


@dataclass
class BigQueryDatasetArgs:
    """What a dataset needs; labels carry ``mesh_layer`` so reviews tell internal from port data."""

    project: pulumi.Input[str]
    dataset_id: str
    location: str
    labels: dict[str, str]
    description: str = ""
    friendly_name: str = ""
    kms_key_name: str | None = None  # CMEK: the default key of every table
    max_time_travel_hours: int | None = None
    default_partition_expiration_ms: int | None = None  # what partitioned tables created without one keep
    outlives_purge: bool = False  # retained in GCP even when purged (audit logs): only unprotected then
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    creator: pulumi.Input[str] | None = None  # the deploying identity (user: or serviceAccount:); None: asked


class BigQueryDataset(pulumi.ComponentResource):
    """A protected dataset that starts closed, and its access entries, granted through ``grant_*`` methods.

    Labelled ``purge=true`` (a purged product), it is neither protected nor retained and deletes its
    tables with it."""

    def __init__(self, name: str, args: BigQueryDatasetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("BigQueryDataset"), name, None, opts)
        self._name = name
        self._project = args.project
        self.kms_key_name = args.kms_key_name  # the default key: tables created in the dataset name it too
        self.dataset = gcp.bigquery.Dataset(
            name, project=args.project, dataset_id=args.dataset_id, location=args.location,
            labels=args.labels, description=args.description or None,
            friendly_name=args.friendly_name or None, delete_contents_on_destroy=purged(args.labels) and not args.outlives_purge,
            default_encryption_configuration=gcp.bigquery.DatasetDefaultEncryptionConfigurationArgs(
                kms_key_name=args.kms_key_name) if args.kms_key_name else None,
            max_time_travel_hours=str(args.max_time_travel_hours) if args.max_time_travel_hours else None,
            default_partition_expiration_ms=args.default_partition_expiration_ms or None,
            accesses=[gcp.bigquery.DatasetAccessArgs(role=roles.DATASET_OWNER, user_by_email=creator_email(
                args.creator, self))],
            opts=self._options(args))
        self.dataset_id: pulumi.Output[str] = self.dataset.dataset_id
        self.project: pulumi.Output[str] = self.dataset.project
        self.grants: dict[str, gcp.bigquery.DatasetAccess] = {}
        self.register_outputs({"dataset_id": self.dataset_id})

    def _options(self, args: BigQueryDatasetArgs) -> pulumi.ResourceOptions:
        opts = data_child(self, depends_on=args.depends_on, purge=purged(args.labels), ignore_changes=["accesses"])
        if args.outlives_purge:
            opts.retain_on_delete = True  # removed from the stack, it stays in GCP until its partitions expire
        return opts

    def grant_read(self, principal: str, *, depends_on: list[pulumi.Resource] | None = None
                   ) -> gcp.bigquery.DatasetAccess:
        """Let ``principal`` read every table and view of the dataset (READER); ``depends_on``: what
        must exist first (the account a new service account principal is, and its wait)."""
        return self._grant(principal, roles.DATASET_READER, depends_on)

    def grant_write(self, principal: str, *, depends_on: list[pulumi.Resource] | None = None
                    ) -> gcp.bigquery.DatasetAccess:
        """Let ``principal`` create, write and delete tables in the dataset (WRITER)."""
        return self._grant(principal, roles.DATASET_WRITER, depends_on)

    def grant_metadata(self, principal: str) -> gcp.bigquery.DatasetAccess:
        """Let ``principal`` list the dataset's tables and read their schemas, never their rows
        (``INFORMATION_SCHEMA``: what a procedure that searches the dataset needs of its caller)."""
        return self._grant(principal, roles.DATASET_METADATA_VIEWER, None, label="metadata")

    def grant_sink_write(self, key: str, writer_identity: pulumi.Output[str], *,
                         depends_on: list[pulumi.Resource] | None = None) -> gcp.bigquery.DatasetAccess:
        """Let a log sink's writer identity (``serviceAccount:…``, known once the sink exists) create
        and append to its tables (WRITER); ``depends_on``: the wait after the sink."""
        access = gcp.bigquery.DatasetAccess(
            f"{self._name}-sink-{key}", project=self._project, dataset_id=self.dataset_id,
            role=roles.DATASET_WRITER, user_by_email=writer_identity.apply(lambda m: m.split(":", 1)[-1]),
            opts=grant_child(self, depends_on=depends_on))
        self.grants[f"sink-{key}"] = access
        return access

    def authorize_dataset(self, key: str, project: pulumi.Input[str],
                          dataset_id: pulumi.Input[str]) -> gcp.bigquery.DatasetAccess:
        """Let the views of another dataset read this one (an authorized dataset)."""
        access = gcp.bigquery.DatasetAccess(
            f"{self._name}-authz-{key}", project=self._project, dataset_id=self.dataset_id,
            authorized_dataset=gcp.bigquery.DatasetAccessAuthorizedDatasetArgs(
                dataset=gcp.bigquery.DatasetAccessAuthorizedDatasetDatasetArgs(
                    project_id=project, dataset_id=dataset_id),
                target_types=["VIEWS"]),
            opts=grant_child(self))
        self.grants[f"authz-{key}"] = access
        return access

    def authorize_routine(self, key: str, project: pulumi.Input[str], dataset_id: pulumi.Input[str],
                          routine_id: pulumi.Input[str], *, body: str,
                          depends_on: list[pulumi.Resource] | None = None) -> gcp.bigquery.DatasetAccess:
        """Let a routine of another dataset read and modify this one (an authorized routine).

        BigQuery forgets the authorization when the routine is updated, so the entry is re-created
        (deleted, then created) whenever ``body``, the routine's definition, changes."""
        access = gcp.bigquery.DatasetAccess(
            f"{self._name}-routine-{key}", project=self._project, dataset_id=self.dataset_id,
            routine=gcp.bigquery.DatasetAccessRoutineArgs(
                project_id=project, dataset_id=dataset_id, routine_id=routine_id),
            opts=grant_child(self, depends_on=depends_on, replacement_trigger=fingerprint(body)))
        self.grants[f"routine-{key}"] = access
        return access

    def _grant(self, principal: str, role: str, depends_on: list[pulumi.Resource] | None, *,
               label: str | None = None) -> gcp.bigquery.DatasetAccess:
        key = f"{label or role.lower()}-{standards.resource_key(principal)}"
        if key in self.grants:
            return self.grants[key]
        access = gcp.bigquery.DatasetAccess(
            f"{self._name}-{key}", project=self._project, dataset_id=self.dataset_id, role=role,
            **principal_fields(principal), opts=grant_child(self, depends_on=depends_on))
        self.grants[key] = access
        return access


def deploying_identity(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The e-mail of the credentials running ``pulumi up`` (the provider's OpenID userinfo): ask once, share it."""
    return gcp.organizations.get_client_open_id_user_info_output(opts=pulumi.InvokeOutputOptions(parent=parent)).email


def creator_email(creator: pulumi.Input[str] | None, parent: pulumi.Resource) -> pulumi.Input[str]:
    """The e-mail of the deploying identity: from ``user:``/``serviceAccount:`` or an e-mail, else asked."""
    if creator is None:
        return deploying_identity(parent)
    if isinstance(creator, str):
        return creator.split(":", 1)[-1]
    return pulumi.Output.from_input(creator).apply(lambda p: p.split(":", 1)[-1])


def fingerprint(text: str) -> str:
    """A short, stable digest of a text (what a replacement trigger compares)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def principal_fields(principal: str) -> dict[str, str]:
    """The DatasetAccess field that names ``principal`` (``group:a@b`` → group_by_email)."""
    kind, _, address = principal.partition(":")
    if kind == "group":
        return {"group_by_email": address}
    if kind in ("user", "serviceAccount"):
        return {"user_by_email": address}
    if kind == "domain":
        return {"domain": address}
    raise ValueError(f"not a principal meshplane grants on datasets: {principal!r}")
