"""Environments: what a declaration, written for production, means in another environment. Pure functions.

A declaration names production: its operational sources' production addresses, its production
consumers and schedule. In any other environment (dev, test, staging...) the stack reads that
environment's copy of each source (the platform's ``environments.<env>`` maps production projects and
buckets to the environment's), grants only the consumers declared for the environment, and reads an
upstream data product in the same environment, or, where the upstream's domain has no stack there, only
what the product's overlay declares instead. Production data outside production is refused unless a
governance ``productionReads`` rule names the product, the input port and the environment.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..declaration.model import Consumer, DataProduct, EnvironmentOverlay, InputPort, InputPortOverride, OutputPort
from .platform import EnvironmentSettings, PlatformSettings

NO_OVERLAY = EnvironmentOverlay()


def is_production(platform: PlatformSettings, environment: str) -> bool:
    """Whether ``environment`` is the one declarations are written for."""
    return environment == platform.production_environment


def domain_deployed(platform: PlatformSettings, environment: str, domain: str) -> bool:
    """Whether ``domain`` has a stack in ``environment`` (every domain does, unless the platform lists them)."""
    settings = platform.environments.get(environment)
    return is_production(platform, environment) or settings is None or settings.domains is None \
        or domain in settings.domains


def source_environment(product: DataProduct, input_port: str, environment: str) -> str:
    """The environment an upstream input port reads in: the stack's, or the one its overlay names
    (``fromEnvironment``, e.g. a read-only production port for dev)."""
    override = overlay(product, environment).input_ports.get(input_port)
    return override.from_environment if override and override.from_environment else environment


def overlay(product: DataProduct, environment: str) -> EnvironmentOverlay:
    """The product's overlay for ``environment`` (empty when it declares none)."""
    return product.environments.get(environment, NO_OVERLAY)


def production_read_allowed(platform: PlatformSettings, product: DataProduct, port: str, environment: str) -> bool:
    """Whether governance lets ``port`` of ``product`` read production data in ``environment``."""
    return any(rule.allows(product.id, port, environment) for rule in platform.governance.production_reads)


def source_address(port: InputPort | InputPortOverride, platform: PlatformSettings,
                   environment: str) -> tuple[str, str | None]:
    """(the address an operational source reads in ``environment``, why it is refused or None).

    A declared source names production; outside production it maps to the environment's project or
    bucket. Refused: a project or bucket the environment does not map, or one that maps to production."""
    s3 = getattr(port, "s3", None)
    address = port.bigquery_table or port.gcs_prefix or getattr(port, "pubsub_topic", None) or (s3 and s3.uri)
    if is_production(platform, environment):
        return address, None
    if s3 is not None:  # another cloud's bucket: no environment maps it
        return address, f"the S3 source {address!r} is production's (no environment maps an S3 bucket)"
    env = platform.environments.get(environment, EnvironmentSettings())
    owner, mapping, kind = _owner(address, env)
    mapped = mapping.get(owner)
    production = set(mapping) | {p for ps in platform.governance.operational_projects.values() for p in ps}
    if mapped is None:
        return address, (f"the production {kind} {owner!r} is not mapped for the {environment} environment "
                         f"(platform settings environments.{environment}.{_key(kind)})")
    if mapped in production:
        return address, f"the {kind} {owner!r} maps to the production {kind} {mapped!r} in {environment}"
    return address.replace(owner, mapped, 1), None


def override_address(override: InputPortOverride, platform: PlatformSettings, environment: str) -> str | None:
    """Why an overlay's own source is refused: it must be a project or bucket of the environment."""
    env = platform.environments.get(environment, EnvironmentSettings())
    address = override.bigquery_table or override.gcs_prefix
    owner, mapping, kind = _owner(address, env)
    if owner in mapping.values():
        return None
    return (f"the {kind} {owner!r} is not one of the {environment} environment's; expected one of "
            f"{', '.join(sorted(mapping.values())) or 'none (the platform maps none)'}")


def _owner(address: str, env: EnvironmentSettings) -> tuple[str, dict[str, str], str]:
    """(project or bucket, the environment's map of those, 'project' or 'bucket') of a source address."""
    if address.startswith("gs://"):
        return address.removeprefix("gs://").split("/", 1)[0], env.buckets, "bucket"
    if address.startswith("projects/"):
        return address.split("/")[1], env.operational_projects, "project"
    return address.split(".", 1)[0], env.operational_projects, "project"


def _key(kind: str) -> str:
    return "buckets" if kind == "bucket" else "operationalProjects"


def for_environment(product: DataProduct, platform: PlatformSettings, environment: str) -> DataProduct:
    """The declaration as ``environment`` builds it: its overlay applied, principal consumers only when
    declared for the environment, operational sources mapped (a refused one, or one governance lets read
    production, stays as declared: ``environment_problems`` refuses the former first)."""
    if is_production(platform, environment):
        return product
    extra = overlay(product, environment)
    ports = [_port(port, extra) for port in product.output_ports]
    inputs = [_input(port, extra.input_ports.get(port.name), platform, environment) for port in product.input_ports]
    update: dict = {"output_ports": ports, "input_ports": inputs}
    if product.transformation is not None and extra.schedule is not None:
        dbt = product.transformation.dbt.model_copy(update={"schedule": extra.schedule})
        update["transformation"] = product.transformation.model_copy(update={"dbt": dbt})
    return product.model_copy(update=update)


def _port(port: OutputPort, extra: EnvironmentOverlay) -> OutputPort:
    consumers = [c for c in port.consumers if c.data_product] + list(extra.consumers.get(port.name, []))
    readers = {c.principal for c in consumers if c.principal}
    filters = [f.model_copy(update={"grantees": [g for g in f.grantees if g in readers]}) for f in port.row_filters]
    return port.model_copy(update={"consumers": consumers, "slos": extra.slos.get(port.name, port.slos),
                                   "row_filters": [f for f in filters if f.grantees]})


def _input(port: InputPort, override: InputPortOverride | None, platform: PlatformSettings,
           environment: str) -> InputPort:
    if override is not None and override.from_environment is None:
        return InputPort(name=port.name, description=port.description, bigqueryTable=override.bigquery_table,
                         gcsPrefix=override.gcs_prefix)
    if port.data_product is not None:
        return port
    address, refused = source_address(port, platform, environment)
    if refused:
        return port
    key = "bigquery_table" if port.bigquery_table else "gcs_prefix" if port.gcs_prefix else "pubsub_topic"
    return port.model_copy(update={key: address})


def production_readers(product: DataProduct, port: OutputPort, consumers: list[DataProduct],
                       platform: PlatformSettings) -> Iterator[tuple[DataProduct, str]]:
    """(consuming product, environment) for each product whose overlay reads ``port`` from production in an
    environment where governance allows it and the consumer is deployed: the production stack grants it."""
    for consumer in consumers:
        for env, extra in consumer.environments.items():
            if not domain_deployed(platform, env, consumer.domain):
                continue
            for input_port in consumer.input_ports:
                override = extra.input_ports.get(input_port.name)
                if (override is not None and override.from_environment == platform.production_environment
                        and input_port.data_product == product.id and input_port.output_port == port.name
                        and input_port.version == port.major
                        and production_read_allowed(platform, consumer, input_port.name, env)):
                    yield consumer, env


def reader_consumer(consumer: DataProduct, environment: str, principal: str) -> Consumer:
    """The masked, read-only consumer entry production grants a product reading it from ``environment``."""
    return Consumer(principal=principal, purpose=f"{consumer.id} in {environment}, reading production "
                                                 "(governance productionReads)")
