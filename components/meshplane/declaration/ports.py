"""A data product's ports as declared: input ports and their sources, output ports with their
columns, consumers, row filters, SLOs and serving."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Strict
from .quality import QualityRule
from .s3 import S3Source
from .types import (BigQueryType, ColumnName, ColumnRole, Confidentiality, Duration, PortName, Principal, Ratio, SemVer,
                    ServingMode, major_of)


class InputPort(Strict):
    """One source of the product: an upstream data product's port or an operational source."""

    name: PortName = Field(description="Local name; also the dbt source name.")
    description: str | None = Field(None, description="What the product reads from here and why.")
    data_product: str | None = Field(None, description="Upstream data product id, '<domain>.<name>'.")
    output_port: PortName | None = Field(None, description="The upstream output port's name.")
    version: int | None = Field(None, ge=0, description="The upstream output port's major version.")
    bigquery_table: str | None = Field(
        None, pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]+\.[A-Za-z0-9_$-]+$",
        description="Operational BigQuery table of the same domain, 'project.dataset.table'.")
    gcs_prefix: str | None = Field(None, pattern=r"^gs://[a-z0-9][a-z0-9._-]{1,221}[a-z0-9](/.*)?$",
                                   description="Operational Cloud Storage prefix, 'gs://bucket/path/'.")
    pubsub_topic: str | None = Field(
        None, pattern=r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9._~%+-]{2,254}$",
        description="Operational Pub/Sub topic; meshplane creates a BigQuery subscription into a raw table.")
    s3: S3Source | None = Field(
        None, description="An Amazon S3 prefix: Storage Transfer Service copies it on its schedule into a landing "
                          "bucket of the product, which dbt reads like a gcsPrefix (docs/s3.md).")

    @property
    def kind(self) -> str:
        for kind in SOURCE_KINDS:
            if getattr(self, kind) is not None:
                return kind
        return "none"

    @property
    def operational_address(self) -> str | None:
        """Where an operational source is, as declared (None for an upstream data product)."""
        return self.bigquery_table or self.gcs_prefix or self.pubsub_topic or (self.s3.uri if self.s3 else None)


SOURCE_KINDS = ("data_product", "bigquery_table", "gcs_prefix", "pubsub_topic", "s3")


class Column(Strict):
    """One column of an output port (an ODCS property with its BigQuery type)."""

    name: ColumnName = Field(description="Column name in BigQuery.")
    type: BigQueryType = Field(description="BigQuery type; RECORD has nested 'fields'.")
    required: bool = Field(False, description="NOT NULL (mode REQUIRED).")
    repeated: bool = Field(False, description="An array (mode REPEATED).")
    description: str | None = Field(None, description="Business meaning, shown to consumers.")
    pii: bool = Field(False, description="Personal data: masked in the interface view.")
    classification: Confidentiality | None = Field(
        None, description="Column sensitivity; defaults to the product's confidentiality.")
    role: ColumnRole | None = Field(None, description="Bitemporal role: actualTime or processingTime.")
    fields: list[Column] | None = Field(None, description="Nested columns of a RECORD.")


class Partitioning(Strict):
    """Time partitioning of the port table."""

    column: ColumnName = Field(description="A top-level DATE, DATETIME or TIMESTAMP column.")
    granularity: Literal["HOUR", "DAY", "MONTH", "YEAR"] = Field("DAY", description="Partition size.")


class Slos(Strict):
    """Service level objectives of a port, checked by data-quality scans."""

    freshness: Duration | None = Field(None, description="Maximum age of the newest processing time.")
    completeness: Ratio | None = Field(None, description="Minimum ratio of non-null required values.")


class Consumer(Strict):
    """A principal with a purpose, or another data product (granted through its runner account)."""

    principal: Principal | None = Field(None, description="IAM principal granted read access.")
    data_product: str | None = Field(None, description="Consuming data product id, '<domain>.<name>'.")
    purpose: str | None = Field(None, description="Why the consumer reads the port (required for principals).")
    raw_access: bool = Field(
        False, description="Reads PII and classified columns unmasked: fine-grained reader of their policy "
                           "tags (needs the platform's policy tags for the product's location).")

    @property
    def key(self) -> str:
        return self.principal or f"dataProduct:{self.data_product}"


class RowFilter(Strict):
    """A BigQuery row access policy: grantees see only the rows matching the filter."""

    name: PortName = Field(description="Name of the row access policy.")
    grantees: list[Principal] = Field(min_length=1, description="Who sees the rows matching the filter.")
    filter: str = Field(min_length=1, description="BigQuery SQL predicate over the port's columns.")


class Deprecation(Strict):
    """Why a port is deprecated and what replaces it."""

    reason: str = Field(min_length=1, description="Why the port is deprecated.")
    successor: str | None = Field(None, description="What consumers should move to, e.g. 'profiles v2'.")
    sunset: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$",
                               description="Date after which the port is retired (YYYY-MM-DD).")


class Serving(Strict):
    """Which rows the interface view serves: every row written, or only the latest state."""

    mode: ServingMode = Field(
        ServingMode.HISTORY,
        description="history: every row ever written (the default); latestSnapshot: the rows of the newest "
                    "processing time (the last run's snapshot); latestPerKey: per key, the row with the "
                    "newest processing time.")
    key: list[ColumnName] = Field(
        default_factory=list,
        description="latestPerKey only: the top-level, required columns identifying a row, e.g. [tenant_id]. "
                    "Rows of one key and one processing time are told apart by the other orderable "
                    "columns the view does not mask, in declared order.")


class OutputPort(Strict):
    """An interface of the product: a BigQuery view per major version over a port table."""

    name: PortName = Field(description="Port name; with the major version it names the port dataset.")
    version: SemVer = Field(description="Semantic version; the major goes into physical names.")
    description: str = Field(min_length=1, description="What a row means and how to use the port.")
    columns: list[Column] = Field(alias="schema", min_length=1,
                                  description="Columns of the interface (ODCS-style properties).")
    partitioning: Partitioning | None = Field(
        None, description="Partitioning; defaults to DAY on the processingTime column.")
    clustering: list[ColumnName] = Field(default_factory=list, max_length=4,
                                         description="Up to four top-level columns to cluster by.")
    retention: Duration | None = Field(None, description="Overrides the product retention for this port.")
    slos: Slos = Field(default_factory=Slos, description="Service level objectives of the port.")
    quality: list[QualityRule] = Field(
        default_factory=list, description="Data-quality expectations beyond the SLOs (ODCS quality): checked by "
                                          "the port's data-quality scan when they name a rule, else declarative.")
    consumers: list[Consumer] = Field(default_factory=list, description="Who may read the port.")
    row_filters: list[RowFilter] = Field(default_factory=list,
                                         description="Row access policies on the port table.")
    deprecation: Deprecation | None = Field(None, description="Present when the port is deprecated.")
    subject_key: ColumnName | None = Field(
        None, description="The top-level scalar column naming the data subject of a row (e.g. listener_id): "
                          "the control port's erase_subject deletes the rows whose key matches. Required "
                          "when the port has a PII column; no other column may be named subject_key.")
    serving: Serving = Field(default_factory=Serving,
                             description="Which rows the interface view serves; history unless declared.")

    @property
    def major(self) -> int:
        return major_of(self.version)
