"""What a stack's environment refuses in the products it builds: production data outside production, and
upstream ports no stack of the environment serves (``docs/environments.md``)."""

from __future__ import annotations

from collections.abc import Iterator

from ..declaration.loader import Source
from ..declaration.model import DataProduct, InputPort
from ..declaration.problems import Path, Problem
from ..settings.environments import (
    domain_deployed, is_production, override_address, production_read_allowed, source_address,
)
from ..settings.platform import PlatformSettings


def check_environment(source: Source, platform: PlatformSettings, environment: str) -> list[Problem]:
    """Every input port of ``source`` that cannot read in ``environment`` as declared, located."""
    return [source.problem(path, message) for path, message in _findings(source.product, platform, environment)]


def _findings(p: DataProduct, platform: PlatformSettings, env: str) -> Iterator[tuple[Path, str]]:
    if is_production(platform, env):
        if env in p.environments:
            yield ("environments", env), (f"an overlay for the production environment; given {env!r}; expected "
                                          "the declaration itself to state production (overlays are for the "
                                          "other environments)")
        return
    overrides = p.environments[env].input_ports if env in p.environments else {}
    for i, port in enumerate(p.input_ports):
        override = overrides.get(port.name)
        at = ("environments", env, "inputPorts", port.name)
        if override is None:
            yield from _as_declared(p, port, ("inputPorts", i), platform, env)
        elif override.from_environment is not None:
            yield from _from_production(p, port, at, override.from_environment, platform, env)
        elif (refused := override_address(override, platform, env)) is not None:
            yield at, f"{refused}; given {override.bigquery_table or override.gcs_prefix!r}"


def _as_declared(p: DataProduct, port: InputPort, at: Path, platform: PlatformSettings,
                 env: str) -> Iterator[tuple[Path, str]]:
    if port.data_product is not None:
        domain = port.data_product.split(".", 1)[0]
        if not domain_deployed(platform, env, domain):
            yield at + ("dataProduct",), (
                f"the {domain} domain has no stack in {env}, so {port.data_product} {port.output_port} "
                f"v{port.version} is not served there; given no overlay for {port.name!r}; expected "
                f"environments.{env}.inputPorts.{port.name} with a source of the environment (bigqueryTable or "
                f"gcsPrefix), or fromEnvironment: {platform.production_environment} allowed by governance "
                "productionReads")
        return
    _, refused = source_address(port, platform, env)
    if refused and not production_read_allowed(platform, p, port.name, env):
        field = ("bigqueryTable" if port.bigquery_table else "gcsPrefix" if port.gcs_prefix
                 else "pubsubTopic" if port.pubsub_topic else "s3")
        yield at + (field,), (f"production data outside production: {refused}; given "
                              f"{port.operational_address!r}; expected the environment's copy of the source, "
                              f"an overlay environments.{env}.inputPorts.{port.name}, or a governance "
                              "productionReads rule for this product, input port and environment")


def _from_production(p: DataProduct, port: InputPort, at: Path, source_env: str, platform: PlatformSettings,
                     env: str) -> Iterator[tuple[Path, str]]:
    production = platform.production_environment
    if port.data_product is None or source_env != production:
        yield at + ("fromEnvironment",), (
            f"fromEnvironment reads an upstream data product's production port; given {source_env!r} on "
            f"{'an operational source' if port.data_product is None else 'an upstream port'}; expected "
            f"{production!r} on a dataProduct input port, or bigqueryTable/gcsPrefix")
    elif not production_read_allowed(platform, p, port.name, env):
        yield at + ("fromEnvironment",), (
            f"production data outside production; given fromEnvironment: {source_env!r} in {env}; expected a "
            f"governance productionReads rule for {p.id}, input port {port.name!r}, environment {env!r}")


