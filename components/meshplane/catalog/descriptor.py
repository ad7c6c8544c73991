"""The product descriptor: what the mesh plane needs to know about a product, as plain data."""

from __future__ import annotations

from ..product import addresses, standards
from ..product.bq_schema import schema_fields, time_partitioning
from ..product.column_security import column_tags, view_masking
from ..sql.control_sql import ERASE_SUBJECT
from ..sql.datascan_rules import processing_time_column, scan_id
from ..declaration.quality_names import scan_rule_name
from ..declaration.model import DataProduct
from ..declaration.types import ServingMode, Status
from ..product.job_region import job_region
from ..settings.platform import PlatformSettings
from ..sql.view_sql import masked_columns

DESCRIPTOR_VERSION = "meshplane.dev/descriptor/v1"


def descriptor(product: DataProduct, project_id: str, runner: str, platform: PlatformSettings,
               environment: str) -> dict:
    """URN, project, runner, policies and, per output port, its address, schema, SLOs and masking (stable)."""
    return {
        "descriptorVersion": DESCRIPTOR_VERSION,
        "urn": standards.product_urn(product.domain, product.name),
        "id": product.id,
        "domain": product.domain,
        "name": product.name,
        "displayName": product.display_name,
        "version": product.version,
        "type": product.type.value,
        "status": product.status.value,
        "owner": product.team.owner,
        "project": project_id,
        "runner": runner.removeprefix("serviceAccount:"),
        "description": _description(product),
        "policies": _policies(product),
        "outputPorts": [_port(product, port, platform, environment)  # sorted: list order means nothing
                        for port in sorted(product.output_ports, key=lambda p: (p.name, p.major))],
        "inputPorts": [{"name": ip.name, "kind": _KINDS[ip.kind], "source": _source(ip)}
                       for ip in sorted(product.input_ports, key=lambda p: p.name)],
        "lineage": _lineage(product),
        **_control_port(product, project_id),
    }


def _port(product: DataProduct, port, platform: PlatformSettings, environment: str) -> dict:
    return {
        "name": port.name,
        "version": port.version,
        "urn": standards.port_urn(product.domain, product.name, port.name, port.major),
        "address": addresses.port_address(product, port, platform, environment),
        "schema": schema_fields(port.columns),
        "partitioning": _partitioning(port),
        **({"clustering": list(port.clustering)} if port.clustering else {}),
        "slos": port.slos.model_dump(by_alias=True, exclude_none=True),
        "deprecated": port.deprecation is not None,
        **({"deprecation": port.deprecation.model_dump(by_alias=True, exclude_none=True)} if port.deprecation else {}),
        **({"retention": retention} if (retention := port.retention or product.policies.retention) else {}),
        "maskedColumns": _masked(product, port, platform),
        "serving": _serving(port),
        "quality": _quality(port),
        **_data_quality(product, port, platform),
    }


def _partitioning(port) -> dict:
    """How the port table is partitioned (changing it replaces the table: a new major)."""
    column, granularity = time_partitioning(port)
    return {"column": column, "granularity": granularity}


def _serving(port) -> dict:
    """Which rows the port's view serves: ``mode``, and for a latest mode the processing-time column
    that picks them and the key (latestPerKey)."""
    mode = port.serving.mode
    if mode is ServingMode.HISTORY:
        return {"mode": mode.value}
    processing = processing_time_column(port)
    key = {"key": list(port.serving.key)} if mode is ServingMode.LATEST_PER_KEY else {}
    return {"mode": mode.value, **key, "processingTime": processing}


def _data_quality(product: DataProduct, port, platform: PlatformSettings) -> dict:
    """Where the port's SLO scan publishes its results (none once retired: the scans are removed)."""
    if product.status == Status.RETIRED:
        return {}
    region = job_region(product.policies.location, platform.job_regions)
    return {"dataQuality": {"location": region, "scanId": scan_id(product.name, port.name, port.major)}}


def _description(product: DataProduct) -> dict:
    """What the product is for, how to use it and its limitations, as declared."""
    return product.description.model_dump(mode="json", by_alias=True, exclude_none=True)


def _quality(port) -> list[dict]:
    """The declared quality expectations; a checked one names its rule in the port's data-quality scan."""
    return [q.model_dump(mode="json", by_alias=True, exclude_none=True)
            | ({"checked": True, "scanRule": scan_rule_name(q)} if q.rule else {"checked": False})
            for q in port.quality]


def _policies(product: DataProduct) -> dict:
    """The product-wide policies every consumer accepts (location, confidentiality, keys, terms)."""
    return product.policies.model_dump(mode="json", by_alias=True, exclude_none=True)


def _masked(product: DataProduct, port, platform: PlatformSettings) -> list[str]:
    """Column paths a consumer without raw access reads masked: by a policy tag, or by the view in SQL."""
    tags = column_tags(port.columns, product.policies.confidentiality,
                       platform.policy_tags.get(product.policies.location, {}))
    return sorted(set(tags) | set(masked_columns(view_masking(port.columns, tags))))


def _control_port(product: DataProduct, project_id: str) -> dict:
    """The control port's procedures, when some port declares a subject key (see gcp/control_port.py)."""
    if not any(port.subject_key for port in product.output_ports):
        return {}
    dataset = standards.control_dataset_id(product.name)
    return {"controlPort": {"eraseSubject": f"{project_id}.{dataset}.{ERASE_SUBJECT}"}}


_KINDS = {"data_product": "dataProduct", "bigquery_table": "bigqueryTable", "gcs_prefix": "gcsPrefix",
          "pubsub_topic": "pubsubTopic", "s3": "s3"}


def _lineage(product: DataProduct) -> list[dict]:
    """Edges from every input's source to every output port (finer lineage needs dbt's manifest)."""
    ports = sorted(standards.port_urn(product.domain, product.name, p.name, p.major) for p in product.output_ports)
    return [{"from": source, "to": port}
            for source in sorted({_source(ip) for ip in product.input_ports}) for port in ports]


def _source(port) -> str:
    if port.data_product:
        domain, name = port.data_product.split(".", 1)
        return standards.port_urn(domain, name, port.output_port, port.version)
    return port.operational_address
