"""Declarations checked against the platform settings of a stack (keys, job regions, policy tags)."""

from __future__ import annotations

from ..declaration.loader import Source
from ..declaration.problems import Problem
from ..declaration.types import Encryption
from ..settings.platform import PlatformSettings
from ..product.placement import PlacementError, kms_key_for, policy_tags_for


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
    problems += _column_security(source, platform)
    if product.transformation is not None:
        from ..product.job_region import JobRegionError, job_region

        try:
            job_region(location, platform.job_regions)
        except JobRegionError as exc:
            problems.append(source.problem(("policies", "location"), f"{exc}; given location "
                                           f"{location!r}; expected a job region within it"))
    return problems


def _column_security(source: Source, platform: PlatformSettings) -> list[Problem]:
    """Policy tags elsewhere than the data; raw access the platform's tags cannot give."""
    from ..product.column_security import column_tags, unenforced_pii

    product = source.product
    location = product.policies.location
    try:
        tags = policy_tags_for(location, platform.policy_tags)
    except PlacementError as exc:
        return [source.problem(("policies", "location"), f"{exc}; given location {location!r}; "
                               "expected the platform's policy tags in the data's location")]
    problems = []
    for i, port in enumerate(product.output_ports):
        masked = unenforced_pii(port.columns, column_tags(port.columns, product.policies.confidentiality, tags))
        for path, consumer in _consumers_of(product, i, port):
            if consumer.raw_access and masked:
                problems.append(source.problem(
                    path + ("rawAccess",),
                    f"the platform has no policy tag for {', '.join(masked)} in {location}, so the view masks "
                    f"{'them' if len(masked) > 1 else 'it'} for every reader; given rawAccess: true; expected "
                    f"policyTags for the column's classification under {location} in the platform settings, "
                    "or no rawAccess"))
    return problems


def _consumers_of(product, i: int, port) -> list[tuple[tuple, object]]:
    """(path, consumer) of the port's consumers, declared and in every environment's overlay."""
    found = [(("outputPorts", i, "consumers", j), c) for j, c in enumerate(port.consumers)]
    for env, extra in product.environments.items():
        found += [(("environments", env, "consumers", port.name, j), c)
                  for j, c in enumerate(extra.consumers.get(port.name, []))]
    return found


def check_purge(source: Source, environment: str) -> list[Problem]:
    """A purge on a production stack: refused (it deletes the product's data)."""
    from ..settings.stack_config import NON_PRODUCTION

    if not source.product.purge or environment in NON_PRODUCTION:
        return []
    return [source.problem(("purge",), "purge deletes the product's data; refused on the production stack "
                           f"environment {environment!r}; expected purge only on dev, test or sandbox stacks")]
