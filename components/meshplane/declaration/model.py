"""The data product declaration (``apiVersion: meshplane/v1alpha1``, ``kind: DataProduct``).

Shaped after ODPS (the product envelope) with an ODCS-style schema per output port, so export to
those standards is a mapping. Every field carries its documentation, which is also what the JSON
Schema and the generated reference show. Cross-field rules live in ``rules.py``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AnyUrl, Field

from .base import Strict
from .types import Archetype, Confidentiality, Duration, Encryption, Location, Principal, SemVer, Slug, Status
from .ports import (  # noqa: F401 - part of the model
    SOURCE_KINDS, Column, Consumer, Deprecation, InputPort, OutputPort, Partitioning, RowFilter, Serving, Slos,
)
from .transformation import Dbt, Schedule, Transformation  # noqa: F401 - part of the model
from .overlay import EnvironmentOverlay, InputPortOverride  # noqa: F401 - part of the model

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
