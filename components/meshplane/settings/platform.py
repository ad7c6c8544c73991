"""Platform settings: what the platform team configures per stack (``meshplane:platform``)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ..declaration.model import Strict
from ..declaration.types import Confidentiality, Duration, Location, PortName, Principal, Slug

FOLDER_ID_RE = re.compile(r"^(folders/)?[0-9]+$")
# A GCP folder display name: 1-30 letters, digits, spaces, hyphens and underscores, starting and
# ending with a letter or digit (the Resource Manager's [\p{L}\p{N}]([\p{L}\p{N}_- ]{0,28}[\p{L}\p{N}])?).
FOLDER_NAME = r"[^\W_](?:[\w -]{0,28}[^\W_])?"
FOLDER_NAME_RE = re.compile(rf"^{FOLDER_NAME}$")
MAX_FOLDER_DEPTH = 10  # folders nest at most 10 levels below the organization
FOLDER_PATH_PATTERN = (rf"^(folders/)?[0-9]+$|^(?!(folders|organizations)/){FOLDER_NAME}"
                       rf"(/{FOLDER_NAME}){{0,{MAX_FOLDER_DEPTH - 1}}}$")


PROJECT_ID = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"  # a GCP project id
BUCKET_NAME = r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$"  # a Cloud Storage bucket name (without dots' longer form)
ProjectId = Annotated[str, Field(pattern=PROJECT_ID)]
BucketName = Annotated[str, Field(pattern=BUCKET_NAME)]


def is_folder_id(folder: str) -> bool:
    """Whether ``folder`` is a folder id (``folders/123`` or ``123``) rather than a display path."""
    return bool(FOLDER_ID_RE.match(folder))


def check_folder(folder: str) -> str:
    """A folder id, or a display path below the organization whose every segment is a folder name."""
    if is_folder_id(folder):
        return folder
    expected = ("a folder id ('folders/123') or a display path below the organization "
                "('data-products/brokerage'): folder names of 1-30 letters, digits, spaces, hyphens and "
                "underscores, starting and ending with a letter or digit, separated by '/'")
    segments = folder.split("/")
    if segments[0] in ("folders", "organizations"):
        what = f"not a folder id: digits expected after '{segments[0]}/'"
    elif len(segments) > MAX_FOLDER_DEPTH:
        what = f"folders nest at most {MAX_FOLDER_DEPTH} levels deep, this path has {len(segments)}"
    else:
        bad = next((s for s in segments if not FOLDER_NAME_RE.match(s)), None)
        if bad is None:
            return folder
        what = ("an empty folder name" if bad == "" else f"folder name {bad!r} is longer than 30 characters"
                if len(bad) > 30 else f"not a folder display name: {bad!r}")
    raise ValueError(f"{what}; given {folder!r}; expected {expected}")


FolderRef = Annotated[str, AfterValidator(check_folder),
                      Field(json_schema_extra={"pattern": FOLDER_PATH_PATTERN,
                                               "examples": ["folders/123456789012", "data-products/brokerage"]})]


class ProductionRead(Strict):
    """An explicit exception: a product may read production data in a non-production environment."""

    product: str = Field(
        pattern=r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)?$",
        description="A product id ('<domain>.<name>'), or a domain: every product of that domain.")
    input_ports: list[PortName] = Field(
        default_factory=list, description="The input ports allowed to read production; empty: all of them.")
    environments: list[Slug] = Field(min_length=1, description="The environments the exception holds in.")
    reason: str = Field(min_length=1, description="Why production data is needed there (shown in the review).")

    def allows(self, product_id: str, input_port: str, environment: str) -> bool:
        """Whether this exception covers ``input_port`` of ``product_id`` in ``environment``."""
        return (self.product in (product_id, product_id.split(".", 1)[0]) and environment in self.environments
                and (not self.input_ports or input_port in self.input_ports))


class GovernanceSettings(Strict):
    """Global policies applied to every declaration of the mesh."""

    allowed_locations: list[Location] = Field(
        default_factory=list, description="BigQuery locations data may live in; empty allows all.")
    allowed_principal_domains: list[str] = Field(
        default_factory=list,
        description="E-mail domains user:, group: and domain: principals must belong to; empty allows all.")
    max_retention: Duration | None = Field(None, description="Longest retention a product may declare.")
    cmek_required_for: list[Confidentiality] = Field(
        default_factory=lambda: [Confidentiality.RESTRICTED],
        description="Confidentiality levels that require customer-managed encryption keys.")
    operational_projects: dict[Slug, list[str]] = Field(
        default_factory=dict,
        description="Per domain, the projects its operational sources may live in; unset allows any.")
    production_reads: list[ProductionRead] = Field(
        default_factory=list,
        description="The exceptions to 'no production data outside production': each lets one product (or "
                    "a domain's products) read the production source of its input ports in the environments "
                    "named (see docs/environments.md).")


class PolicyTagSettings(Strict):
    """The platform's policy tag for one classification, and the masking policy consumers read through."""

    policy_tag: str = Field(
        pattern=r"^projects/[^/]+/locations/[^/]+/taxonomies/[^/]+/policyTags/[^/]+$",
        description="Policy tag of the platform's taxonomy: projects/P/locations/L/taxonomies/T/policyTags/G.")
    data_policy: str = Field(
        pattern=r"^projects/[^/]+/locations/[^/]+/dataPolicies/[A-Za-z0-9_]+$",
        description="Data masking policy on that tag: projects/P/locations/L/dataPolicies/D.")


class AuditLogSettings(Strict):
    """Where each product's BigQuery data-access audit logs are kept, and for how long."""

    project: str = Field(pattern=PROJECT_ID,
                         description="The platform's audit project: each product gets a dataset of its own there.")
    location: Location = Field(description="BigQuery location of the audit datasets.")
    retention_days: int = Field(ge=1, le=3650, description="How many days of audit logs are kept (partition "
                                                            "expiration of the sink's tables).")


class EnvironmentSettings(Strict):
    """What one environment holds: which domains have a stack there, and its copies of the operational
    sources declarations name by their production address."""

    domains: list[Slug] | None = Field(
        None, description="The domains with a stack in this environment; unset: every domain. A product of "
                          "another domain is not built here: it is not granted, and reading it needs an "
                          "environment overlay of the input port.")
    operational_projects: dict[ProjectId, ProjectId] = Field(
        default_factory=dict,
        description="Production project -> this environment's project: a BigQuery table or Pub/Sub topic "
                    "declared in the production project is read from the same dataset and table (topic) in "
                    "this one. A source whose project is not mapped is refused outside production.")
    buckets: dict[BucketName, BucketName] = Field(
        default_factory=dict,
        description="Production bucket -> this environment's bucket, for gcsPrefix sources (same path).")


class PlatformSettings(Strict):
    """Where products are created and the rules they follow."""

    organization_id: str = Field(
        pattern=r"^[0-9]{6,20}$",
        description="GCP organization number: folder display paths start there, and projects of a domain "
                    "without a folder are created directly under it.")
    billing_account: str = Field(pattern=r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$",
                                 description="Billing account of new product projects.")
    project_prefix: Slug = Field(description="Prefix of every product project id, e.g. 'daff'.")
    folders: dict[Slug, FolderRef] = Field(
        default_factory=dict,
        description="Per domain, the folder its projects are created in: an id ('folders/123' or '123') or a "
                    "display path below the organization ('data-products/brokerage'), looked up when the stack "
                    "deploys (a top-level folder named by digits only reads as an id: give it by its id); a domain "
                    "without one gets its projects directly under the organization.")
    projects: dict[str, str] = Field(
        default_factory=dict,
        description="Existing projects to adopt, by product id ('<domain>.<name>': project id).")
    kms_keys: dict[Location, str] = Field(
        default_factory=dict,
        description="Per BigQuery location, the Cloud KMS key of 'cmek' products (a key in the data's location).")
    job_regions: dict[Location, str] = Field(
        default_factory=dict,
        description="Per multi-region (EU, US), the region dbt jobs run in; a region runs jobs in itself.")
    notification_channels: list[
        Annotated[str, Field(pattern=r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/notificationChannels/[0-9]+$")]
    ] = Field(default_factory=list, description="Monitoring channels alerted on failed jobs (one project).")
    policy_tags: dict[Location, dict[Confidentiality, PolicyTagSettings]] = Field(
        default_factory=dict,
        description="Per BigQuery location and classification, the policy tag of PII and classified columns "
                    "and its masking policy; unset, interface views mask PII in SQL.")
    registry_bucket: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$",
        description="Bucket of the mesh registry: every product writes products/<domain>/<name>.json.")
    governance_principal: Principal | None = Field(
        None, description="Who runs the control port's privileged operations (erase a data subject): READER "
                          "on each product's control dataset, no grant on its data; unset, nobody may call them.")
    deployer: Annotated[Principal, Field(pattern=r"^(user|serviceAccount):")] | None = Field(
        None, description="The identity that runs `pulumi up` (user: or serviceAccount:): the one entry every "
                          "dataset is created with (OWNER, as BigQuery makes a dataset's creator), so BigQuery adds "
                          "no project-role defaults; unset, the e-mail of the deploying credentials is asked for.")
    audit_adopted_projects: bool = Field(
        False, description="Also enable BigQuery DATA_READ audit logs on adopted projects. The audit config is "
                           "authoritative for BigQuery on the project: it replaces the exemptions already there.")
    max_time_travel_hours: int = Field(168, ge=48, le=168,
                                       description="BigQuery time travel window of every dataset (48-168).")
    governance: GovernanceSettings = Field(default_factory=GovernanceSettings,
                                           description="Global policies.")
    audit_logs: AuditLogSettings | None = Field(
        None, description="Route each product's BigQuery data-access audit logs to a dataset in the audit project, "
                          "readable by the product's owner and the governance principal, and alert on reads by "
                          "undeclared principals; unset, the logs stay in the project's _Default bucket (30 days).")
    production_environment: Slug = Field(
        "prod", description="The environment declarations are written for: its operational sources, "
                            "consumers and schedule are the declared ones; every other environment reads its "
                            "own sources and grants its own consumers (see docs/environments.md).")
    shared_grants: Literal["stacks", "platform"] = Field(
        "stacks", description="Who owns the grants on the policy tags and masking policies above (member-level IAM, "
                              "shared by every stack that declares the same member): 'stacks', each domain stack "
                              "its own (deleting one revokes it for all; the plan refuses that); 'platform', only "
                              "the platform stack (`meshplane:role: platform`), once, for every domain stack "
                              "(docs/components.md, 'Shared settings and grants').")
    environments: dict[Slug, EnvironmentSettings] = Field(
        default_factory=dict,
        description="Per environment other than production: the domains that have a stack there and its "
                    "operational projects and buckets (see docs/environments.md).")
