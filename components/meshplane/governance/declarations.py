"""Global policies applied to declarations: locations, principal domains, retention, encryption."""

from __future__ import annotations

from collections.abc import Iterator

from ..declaration.loader import Source
from ..declaration.model import DataProduct
from ..declaration.problems import Path, Problem
from ..declaration.types import Encryption, parse_duration
from ..settings.platform import GovernanceSettings


def check_governance(source: Source, rules: GovernanceSettings) -> list[Problem]:
    """Every violation of the global policies by one (valid) declaration, located in its file."""
    product = source.product
    found = [*_location(product, rules), *_encryption(product, rules), *_retention(product, rules),
             *_principals(product, rules), *_operational(product, rules)]
    return [source.problem(path, message) for path, message in found]


def _location(p: DataProduct, rules: GovernanceSettings) -> Iterator[tuple[Path, str]]:
    if rules.allowed_locations and p.policies.location not in rules.allowed_locations:
        yield ("policies", "location"), (f"location not allowed by governance; given "
                                         f"{p.policies.location!r}; expected one of "
                                         f"{', '.join(rules.allowed_locations)}")


def _encryption(p: DataProduct, rules: GovernanceSettings) -> Iterator[tuple[Path, str]]:
    level = p.policies.confidentiality
    if level in rules.cmek_required_for and p.policies.encryption != Encryption.CMEK:
        yield ("policies", "encryption"), (f"governance requires customer-managed keys for "
                                           f"{level.value} products; given "
                                           f"{p.policies.encryption.value!r}; expected 'cmek'")


def _retention(p: DataProduct, rules: GovernanceSettings) -> Iterator[tuple[Path, str]]:
    if rules.max_retention is None:
        return
    limit = parse_duration(rules.max_retention)
    if p.policies.retention is None and any(port.retention is None for port in p.output_ports):
        yield ("policies",), (f"governance limits retention; given no retention (data kept forever); "
                              f"expected policies.retention of at most {rules.max_retention!r}")
    declared = [(("policies", "retention"), p.policies.retention)]
    declared += [(("outputPorts", i, "retention"), port.retention) for i, port in enumerate(p.output_ports)]
    for path, value in declared:
        if value is not None and parse_duration(value) > limit:
            yield path, (f"retention longer than governance allows; given {value!r}; expected at "
                         f"most {rules.max_retention!r}")


def _principals(p: DataProduct, rules: GovernanceSettings) -> Iterator[tuple[Path, str]]:
    if not rules.allowed_principal_domains:
        return
    allowed = {d.lower() for d in rules.allowed_principal_domains}
    for path, principal in _all_principals(p):
        kind, _, address = principal.partition(":")
        if kind == "serviceAccount":
            continue  # service accounts are named by project, not by the organisation's domain
        domain = address.rpartition("@")[2].lower()
        if domain not in allowed:
            yield path, (f"principal outside the organisation's domains; given {principal!r}; "
                         f"expected an address at {', '.join(sorted(allowed))}")


def _all_principals(p: DataProduct) -> Iterator[tuple[Path, str]]:
    yield ("team", "owner"), p.team.owner
    for i, dev in enumerate(p.team.developers):
        yield ("team", "developers", i), dev
    for i, port in enumerate(p.output_ports):
        for j, consumer in enumerate(port.consumers):
            if consumer.principal:
                yield ("outputPorts", i, "consumers", j, "principal"), consumer.principal
        for j, row_filter in enumerate(port.row_filters):
            for k, grantee in enumerate(row_filter.grantees):
                yield ("outputPorts", i, "rowFilters", j, "grantees", k), grantee
    for env, extra in p.environments.items():  # an environment's consumers are granted like the declared ones
        for port, consumers in extra.consumers.items():
            for j, consumer in enumerate(consumers):
                if consumer.principal:
                    yield ("environments", env, "consumers", port, j, "principal"), consumer.principal


def _operational(p: DataProduct, rules: GovernanceSettings) -> Iterator[tuple[Path, str]]:
    if p.domain not in rules.operational_projects:
        return
    allowed = rules.operational_projects[p.domain]
    for i, port in enumerate(p.input_ports):
        project = _operational_project(port)
        if project is not None and project not in allowed:
            yield ("inputPorts", i), (f"operational source outside the {p.domain} domain's projects; "
                                      f"given project {project!r}; expected one of {', '.join(allowed)}")


def _operational_project(port) -> str | None:
    if port.bigquery_table:
        return port.bigquery_table.split(".", 1)[0]
    if port.pubsub_topic:
        return port.pubsub_topic.split("/")[1]
    return None  # a bucket name does not tell its project
