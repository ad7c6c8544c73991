"""What a stack's products read and what its platform config names (pure): the sources, upstream
ports and platform resources ``preflight`` checks exist before ``pulumi up``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..product import addresses, standards
from ..product.placement import kms_location, taxonomy_location
from ..settings.environments import for_environment, source_environment
from ..mesh.stack_order import built


@dataclass(frozen=True, order=True)
class Source:
    """One input port of a product of the stack, where it reads in the stack's environment."""

    product: str
    port: str
    kind: str  # bigquery_table, gcs_prefix, pubsub_topic, s3, data_product
    address: str  # project.dataset.table, gs://..., projects/p/topics/t, s3://..., or the upstream view's address
    runner: str = ""  # serviceAccount:<runner> of the reading product (upstream ports: must be granted)
    version: int | None = None
    columns: tuple[tuple[str, str], ...] = ()  # (name, type) the product reads: an upstream port's schema


def stack_sources(mesh, settings) -> Iterator[Source]:
    """Every input port of every product the stack builds, as it reads in the stack's environment (the
    platform stack builds none)."""
    if getattr(settings, "role", None) == "platform":
        return
    env, platform = settings.environment, settings.platform
    upstream = {p.id: p for p in mesh.products}
    for declared in sorted(built(mesh, settings), key=lambda p: p.id):
        product = for_environment(declared, platform, env)
        runner = addresses.runner_principal(product, platform, env)
        for port in product.input_ports:
            if port.data_product:
                producer = upstream.get(port.data_product)
                if producer is None:
                    continue
                project = addresses.project_id(producer, platform, source_environment(declared, port.name, env))
                major = port.version or 0
                address = ".".join((project, standards.port_dataset_id(producer.name, port.output_port, major),
                                    standards.view_id(port.output_port, major)))
                declared_port = mesh.output_port(producer.id, port.output_port, major)
                columns = tuple((c.name, str(getattr(c.type, "value", c.type))) for c in (declared_port.columns if declared_port else []))
                yield Source(product.id, port.name, "data_product", address, runner, major, columns)
            else:
                yield Source(product.id, port.name, port.kind, str(port.operational_address), runner)


def location_matches(data_location: str, resource_name: str) -> bool:
    """Whether a KMS key, policy tag or data policy (``projects/P/locations/L/...``) is in the data's
    location, by ``product/placement``'s rules: a multi-region's key is in ``europe``/``us``, its
    taxonomy and data policy in ``eu``/``us``."""
    parts = resource_name.split("/")
    where = parts[parts.index("locations") + 1] if "locations" in parts[:-1] else ""
    wanted = kms_location if "keyRings" in parts else taxonomy_location
    return where.lower() == wanted(data_location).lower()


def platform_resources(settings, locations: set[str]) -> Iterator[tuple[str, str, str]]:
    """``(kind, location, resource name)`` of the KMS keys, policy tags and data policies the stack's
    config names for the locations its data is in."""
    platform = settings.platform
    for location, key in sorted(platform.kms_keys.items()):
        if location in locations:
            yield "KMS key", location, key
    for location, by_class in sorted(platform.policy_tags.items()):
        if location in locations:
            for _, tag in sorted(by_class.items(), key=lambda kv: str(kv[0])):
                yield "policy tag", location, tag.policy_tag
                yield "data policy", location, tag.data_policy
