"""How a data product's data is made: the dbt job it runs and the schedule it runs on."""

from __future__ import annotations

from pydantic import Field

from .base import Strict
from .dbt_invocation import DEFAULT_COMMAND
from .types import Cron, Duration, TimeZone


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
