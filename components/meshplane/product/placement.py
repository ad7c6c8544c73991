"""Where data may live and which key protects it: pure functions over locations and key names."""

from __future__ import annotations

import re

from ..declaration.locations import MULTI_REGIONS

_KMS_KEY_RE = re.compile(r"^projects/[^/]+/locations/([^/]+)/keyRings/[^/]+/cryptoKeys/[^/]+$")


class PlacementError(ValueError):
    """A key, region or location that does not fit the data's location."""


def kms_location(location: str) -> str:
    """The Cloud KMS location a key must be in to protect BigQuery data in ``location``."""
    return {"EU": "europe", "US": "us"}.get(location, location)


def kms_key_for(location: str, keys: dict[str, str]) -> str:
    """The platform's key for ``location``; ``PlacementError`` when missing or elsewhere."""
    key = keys.get(location)
    if key is None:
        raise PlacementError(f"no KMS key for location {location!r} in the platform settings "
                             f"(kmsKeys has {', '.join(sorted(keys)) or 'none'})")
    match = _KMS_KEY_RE.match(key)
    if match is None:
        raise PlacementError(f"not a Cloud KMS key name: {key!r}; expected "
                             "projects/P/locations/L/keyRings/R/cryptoKeys/K")
    if match.group(1) != kms_location(location):
        raise PlacementError(f"the KMS key for {location} is in {match.group(1)!r}; BigQuery data in "
                             f"{location} needs a key in {kms_location(location)!r}")
    return key


def resource_locations_value(location: str) -> str:
    """The ``gcp.resourceLocations`` value group that keeps resources in ``location``."""
    if location in MULTI_REGIONS:
        return f"in:{location.lower()}-locations"
    return f"in:{location}-locations"


_POLICY_LOCATION_RE = re.compile(r"^projects/[^/]+/locations/([^/]+)/")


def taxonomy_location(location: str) -> str:
    """The location a policy tag's taxonomy and masking policy must be in for data in ``location``."""
    return location.lower() if location in MULTI_REGIONS else location


def policy_tags_for(location: str, policy_tags: dict) -> dict:
    """The platform's policy tags for ``location`` (possibly none); ``PlacementError`` when elsewhere."""
    tags = policy_tags.get(location, {})
    expected = taxonomy_location(location)
    for level, settings in sorted(tags.items()):
        for field, name in (("policyTag", settings.policy_tag), ("dataPolicy", settings.data_policy)):
            match = _POLICY_LOCATION_RE.match(name)
            if match is None or match.group(1) != expected:
                found = match.group(1) if match else "?"
                raise PlacementError(f"the {field} for {getattr(level, 'value', level)} data in {location} is in "
                                     f"{found!r}; BigQuery data in {location} needs one in {expected!r}")
    return tags
