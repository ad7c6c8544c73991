"""Declarations checked against the platform settings of a stack (keys, job regions)."""

from __future__ import annotations

from ..declaration.loader import Source
from ..declaration.problems import Problem
from ..declaration.types import Encryption
from ..platform import PlatformSettings
from ..placement import PlacementError, kms_key_for


def check_platform(source: Source, platform: PlatformSettings) -> list[Problem]:
    """Problems a product would hit on this platform: a missing or misplaced key or job region."""
    product, problems = source.product, []
    location = product.policies.location
    if product.policies.encryption == Encryption.CMEK:
        try:
            kms_key_for(location, platform.kms_keys)
        except PlacementError as exc:
            problems.append(source.problem(("policies", "encryption"), f"{exc}; given encryption "
                                           "'cmek'; expected a platform key in the data's location"))
    if product.transformation is not None:
        from ..job_region import JobRegionError, job_region

        try:
            job_region(location, platform.job_regions)
        except JobRegionError as exc:
            problems.append(source.problem(("policies", "location"), f"{exc}; given location "
                                           f"{location!r}; expected a job region within it"))
    return problems
