"""The product descriptor: what the mesh plane needs to know about a product, as plain data."""

from __future__ import annotations

from . import addresses, standards
from .bq_schema import schema_fields
from .declaration.model import DataProduct
from .platform import PlatformSettings

DESCRIPTOR_VERSION = "meshplane.dev/descriptor/v1"


def descriptor(product: DataProduct, project_id: str, runner: str, platform: PlatformSettings,
               environment: str) -> dict:
    """URN, project, runner and, per output port, its address, schema and SLOs (sorted, stable)."""
    return {
        "descriptorVersion": DESCRIPTOR_VERSION,
        "urn": standards.product_urn(product.domain, product.name),
        "id": product.id,
        "domain": product.domain,
        "name": product.name,
        "type": product.type.value,
        "status": product.status.value,
        "owner": product.team.owner,
        "project": project_id,
        "runner": runner.removeprefix("serviceAccount:"),
        "outputPorts": [_port(product, port, platform, environment)  # sorted: list order means nothing
                        for port in sorted(product.output_ports, key=lambda p: (p.name, p.major))],
        "inputPorts": [{"name": ip.name, "source": _source(ip)}
                       for ip in sorted(product.input_ports, key=lambda p: p.name)],
    }


def _port(product: DataProduct, port, platform: PlatformSettings, environment: str) -> dict:
    return {
        "name": port.name,
        "version": port.version,
        "urn": standards.port_urn(product.domain, product.name, port.name, port.major),
        "address": addresses.port_address(product, port, platform, environment),
        "schema": schema_fields(port.columns),
        "slos": port.slos.model_dump(by_alias=True, exclude_none=True),
        "deprecated": port.deprecation is not None,
    }


def _source(port) -> str:
    if port.data_product:
        domain, name = port.data_product.split(".", 1)
        return standards.port_urn(domain, name, port.output_port, port.version)
    return port.bigquery_table or port.gcs_prefix or port.pubsub_topic
