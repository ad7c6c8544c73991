"""What a declaration, written for production, changes in another environment: the overlay."""

from __future__ import annotations

from pydantic import Field

from .base import Strict
from .ports import Consumer, InputPort, Slos
from .transformation import Schedule
from .types import PortName, Slug


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
