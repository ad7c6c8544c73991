"""The region a product's dbt job runs in, derived from where its data lives: a pure function.

BigQuery data may live in a multi-region (EU, US); Cloud Run and Cloud Scheduler run in one region.
The platform maps each multi-region to a region (``job_regions``); a region runs jobs in itself. A
job region outside the data's location is refused, so the job never moves data out of it.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..declaration.locations import MULTI_REGIONS, regions_within


class JobRegionError(ValueError):
    """No job region for a location, or one outside the location."""


def job_region(location: str, mapping: Mapping[str, str]) -> str:
    """The job region of data in ``location``: ``mapping[location]``, else the region itself."""
    region = mapping.get(location)
    if region is None:
        if location in MULTI_REGIONS:
            raise JobRegionError(
                f"no job region for the multi-region {location!r}: dbt jobs run in one region; "
                f"set the platform setting job_regions.{location} to a region within {location}, "
                f"e.g. {_example(location)!r}")
        region = location
    within = regions_within(location)
    if region not in within:
        raise JobRegionError(
            f"job region {region!r} is outside the data's location {location!r}: the job would move "
            f"data out of it; expected one of {', '.join(sorted(within))} "
            f"(fix the platform setting job_regions.{location})")
    return region


def _example(location: str) -> str:
    return {"EU": "europe-west1", "US": "us-central1"}.get(location) or min(regions_within(location))
