"""The data product declaration (``apiVersion: meshplane/v1alpha1``, ``kind: DataProduct``).

Shaped after ODPS (the product envelope) with an ODCS-style schema per output port, so export to
those standards is a mapping. Every field carries its documentation, which is also what the JSON
Schema and the generated reference show. Cross-field rules live in ``rules.py``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AnyUrl, Field

from .base import Strict
from .dbt_invocation import DEFAULT_COMMAND
from .quality import QualityRule
from .s3 import S3Source
from .types import (
    Archetype, BigQueryType, ColumnName, ColumnRole, Confidentiality, Cron, Duration, Encryption,
    Location, PortName, Principal, Ratio, SemVer, ServingMode, Slug, Status, TimeZone, major_of,
)

API_VERSION = "meshplane/v1alpha1"
KIND = "DataProduct"


class Description(Strict):
    """What the product is for, how to use it, and what not to use it for (ODPS description)."""

    purpose: str = Field(min_length=1, description="What the product is for: the question it answers.")
    usage: str | None = Field(None, description="How consumers should use it.")
    limitations: str | None = Field(None, description="What it must not be used for; known gaps.")


class Team(Strict):
    """Who owns and develops the product; the owner is accountable and reads internal data."""

    name: str | None = Field(None, description="The team's name, e.g. 'Podcast data'.")
    owner: Principal = Field(description="The accountable owner (usually a group); reads internal data.")
    developers: list[Principal] = Field(default_factory=list,
                                        description="Principals that develop the product.")
    contact: str | None = Field(None, description="Where consumers get support (channel, e-mail or URL).")


class Policies(Strict):
    """Product-wide defaults: location, confidentiality, retention, encryption, usage terms."""

    location: Location = Field(description="BigQuery location of all data: a multi-region or region.")
    confidentiality: Confidentiality = Field(
        description="Product confidentiality; 'restricted' requires CMEK, 'public' forbids PII columns.")
    retention: Duration | None = Field(None, description="How long data is kept (ISO 8601), e.g. P3Y.")
    encryption: Encryption = Field(Encryption.GOOGLE,
                                   description="'google' (Google-managed keys) or 'cmek' (platform KMS key).")
    usage_restrictions: list[str] = Field(default_factory=list,
                                          description="Terms every consumer accepts, e.g. 'no re-identification'.")


class GcpPlatform(Strict):
    """Google Cloud placement of the product."""

    project_id: str | None = Field(None, pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$",
                                   description="Adopt this existing project instead of creating one.")


class Platform(Strict):
    """Where the product is deployed."""

    gcp: GcpPlatform = Field(default_factory=GcpPlatform, description="Google Cloud placement.")


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


class Schedule(Strict):
    """When the dbt job runs: a cron expression in a time zone."""

    cron: Cron = Field(description="Five-field cron expression.")
    time_zone: TimeZone = Field("UTC", description="IANA time zone of the cron expression.")


class Dbt(Strict):
    """A dbt project in a container image, run as the product's runner service account."""

    image: str = Field(min_length=1, description="Container image with the dbt project; pin by digest.")
    command: list[str] = Field(default_factory=lambda: list(DEFAULT_COMMAND), min_length=1,
                               description="Container command: [ENTRYPOINT, *args]. A dbt command runs the "
                               "profile output its --target names (else DBT_TARGET of env, else the "
                               "profile's default); meshplane dbt scaffold writes that output and meshplane "
                               "dbt check requires it.")
    schedule: Schedule = Field(description="When the job runs.")
    timeout: Duration = Field("PT1H", description="Per-attempt timeout of the job.")
    max_retries: int = Field(1, ge=0, le=10, description="Retries of a failed execution (0-10).")
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment variables.")


class Transformation(Strict):
    """How the product's port tables are filled."""

    dbt: Dbt = Field(description="A scheduled dbt job filling the port tables.")


class InputPortOverride(Strict):
    """Where an input port reads in one environment: another source, or the production port."""

    from_environment: Slug | None = Field(
        None, description="Read the upstream data product's port in this environment (e.g. prod) instead: "
                          "read-only, through its masked view, and only when governance productionReads allows "
                          "it; that environment's producer grants this product's runner.")
    bigquery_table: str | None = Field(
        None, pattern=InputPort.model_fields["bigquery_table"].metadata[0].pattern,
        description="Read this BigQuery table of the environment instead, e.g. a fixture in the domain's dev project.")
    gcs_prefix: str | None = Field(None, pattern=InputPort.model_fields["gcs_prefix"].metadata[0].pattern,
                                   description="Read this Cloud Storage prefix of the environment instead.")


class EnvironmentOverlay(Strict):
    """What differs in one environment other than production (dev, test, staging...)."""

    consumers: dict[PortName, list[Consumer]] = Field(
        default_factory=dict,
        description="Per output port name, the principals granted in this environment. Outside production a "
                    "port's declared principal consumers are not granted; consuming data products are, where "
                    "their domain has a stack.")
    schedule: Schedule | None = Field(None, description="When the dbt job runs in this environment.")
    slos: dict[PortName, Slos] = Field(default_factory=dict,
                                       description="Per output port name, the SLOs checked in this environment.")
    input_ports: dict[PortName, InputPortOverride] = Field(
        default_factory=dict, description="Per input port name, where it reads in this environment.")


class DataProduct(Strict):
    """One data product: identity, policies, ports and transformation."""

    api_version: Literal["meshplane/v1alpha1"] = Field(description="Declaration format version.")
    kind: Literal["DataProduct"] = Field(description="Always 'DataProduct'.")
    id: str = Field(description="'<domain>.<name>'; immutable: it names projects and datasets.")
    domain: Slug = Field(description="Owning domain.")
    name: Slug = Field(description="Product name, unique in the domain.")
    display_name: str = Field(min_length=1, description="Human name; may change freely.")
    version: SemVer = Field(description="Product version; its major is at least every port's major.")
    type: Archetype = Field(description="sourceAligned, aggregate or consumerAligned.")
    status: Status = Field(description="Lifecycle status: proposed, draft, active, deprecated, dormant, retired.")
    description: Description = Field(description="Purpose, usage and limitations.")
    team: Team = Field(description="Owner and developers.")
    tags: list[str] = Field(default_factory=list, description="Free keywords for discovery.")
    links: dict[str, AnyUrl] = Field(default_factory=dict,
                                     description="Named links: repository, documentation, runbook.")
    policies: Policies = Field(description="Product-wide policies.")
    platform: Platform = Field(default_factory=Platform, description="Where the product is deployed.")
    input_ports: list[InputPort] = Field(default_factory=list, description="What the product reads.")
    output_ports: list[OutputPort] = Field(min_length=1, description="What the product serves.")
    transformation: Transformation | None = Field(
        None, description="How the port tables are filled; absent when filled by a subscription.")
    purge: bool = Field(
        False, description="Only with status retired, on dev, test or sandbox stacks: the project, datasets "
                           "and tables lose their protection, so removing the declaration (or pulumi destroy) "
                           "deletes the product's data. Production stacks refuse it.")
    environments: dict[Slug, EnvironmentOverlay] = Field(
        default_factory=dict,
        description="Per environment other than production: consumers, schedule, SLOs and input ports that "
                    "differ there (see docs/environments.md).")
