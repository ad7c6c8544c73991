"""Output ports as ODCS v3 data contracts: one contract per output port major version.

Pure functions from the declaration (plus, for ``servers``, stack settings) to plain data in a fixed
key order, so the same declaration always gives the same bytes. What ODCS has no field for travels
in ``customProperties`` (no ``vendor``: the standards' published schemas do not all allow it); ``docs/interop.md`` has the whole mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from open_data_contract_standard.model import OpenDataContractStandard
from pydantic import ValidationError

from ..product import addresses, standards
from ..declaration.model import Column, DataProduct, OutputPort
from ..declaration.types import BigQueryType, ColumnRole, Confidentiality, check_duration
from ..settings.stack_config import StackSettings
from .ids import ODCS_API_VERSION, PORT_SLA, contract_id, custom
from .odcs_quality import with_quality
from .odcs_serving import granularity, primary_key, serving_hint
from .odps import links, product_properties, support_channel, team, terms_fields

T = BigQueryType
LOGICAL_TYPES = {
    T.STRING: "string", T.BYTES: "string", T.INT64: "integer", T.FLOAT64: "number",
    T.NUMERIC: "number", T.BIGNUMERIC: "number", T.BOOL: "boolean", T.DATE: "date",
    T.DATETIME: "timestamp", T.TIME: "time", T.TIMESTAMP: "timestamp", T.GEOGRAPHY: "string",
    T.JSON: "object", T.INTERVAL: "string", T.RECORD: "object",
}

# Single-unit ISO 8601 durations as value + unit, per datacontract-cli's reading of each property
# (there, ``m`` means minutes for freshness and months for retention). Others stay ISO strings.
DURATION_UNITS = {
    "freshness": {("T", "H"): "h", ("T", "M"): "m", ("T", "S"): "s", ("", "D"): "d"},
    "retention": {("", "Y"): "y", ("", "M"): "m", ("", "D"): "d"},
}
_SINGLE = re.compile(r"^P(T?)(\d+)([YMWDHS])$")


@dataclass(frozen=True)
class Defaults:
    """Product values a port inherits: they decide what a port states explicitly on import."""

    confidentiality: Confidentiality | None = None
    retention: str | None = None

    @classmethod
    def of(cls, product: DataProduct) -> Defaults:
        return cls(product.policies.confidentiality, product.policies.retention)

    @classmethod
    def of_contract(cls, data: object) -> Defaults:
        """Without a declaration: the product defaults a contract of ours carries."""
        props = data.get("customProperties") if isinstance(data, dict) else None
        hints = {p.get("property"): p.get("value") for p in props or [] if isinstance(p, dict)}
        level, retention = hints.get("confidentiality"), hints.get("productRetention")
        try:
            retention = check_duration(retention) if isinstance(retention, str) else None
        except ValueError:
            retention = None
        levels = {c.value for c in Confidentiality}
        return cls(Confidentiality(level) if isinstance(level, str) and level in levels else None, retention)


def duration_sla(iso: str, prop: str) -> dict:
    """``{value, unit}`` for a single-unit duration the property's reading allows, else ``{value}``."""
    match = _SINGLE.match(iso)
    unit = DURATION_UNITS[prop].get((match[1], match[3])) if match else None
    return {"value": int(match[2]), "unit": unit} if unit else {"value": iso}


def column_property(column: Column, default: Confidentiality | None, partition: bool = False) -> dict:
    """One column as an ODCS schema property (nested ones under ``properties`` or ``items``)."""
    out: dict = {"name": column.name}
    if column.repeated:
        out |= {"logicalType": "array", "physicalType": f"ARRAY<{column.type.value}>",
                "items": _typed(column, default)}
    else:
        out |= _typed(column, default)
    if column.required:
        out["required"] = True
    if partition:
        out |= {"partitioned": True, "partitionKeyPosition": 1}
    if column.description:
        out["description"] = column.description
    classification = column.classification or default
    if classification is not None:
        out["classification"] = classification.value
    hints = [custom("pii", True), custom("masking", "sha256")] if column.pii else []
    hints += [custom("role", column.role.value)] if column.role else []
    if hints:
        out["customProperties"] = hints
    for nested in ("items", "properties"):  # nested columns last, after the column's own fields
        if nested in out:
            out[nested] = out.pop(nested)
    return out


def _typed(column: Column, default: Confidentiality | None) -> dict:
    out: dict = {"logicalType": LOGICAL_TYPES[column.type], "physicalType": column.type.value}
    if column.type == T.DATETIME:
        out["logicalTypeOptions"] = {"timezone": False}
    if column.fields:
        out["properties"] = [column_property(f, default) for f in column.fields]
    return out


def time_columns(port: OutputPort) -> tuple[str | None, str | None]:
    """The processingTime column and the partition column of ``port``."""
    processing = next((c.name for c in port.columns if c.role == ColumnRole.PROCESSING_TIME), None)
    return processing, (port.partitioning.column if port.partitioning else processing)


def schema_object(port: OutputPort, defaults: Defaults) -> dict:
    """The port's interface view as the contract's one schema object."""
    view = standards.view_id(port.name, port.major)
    _, partition = time_columns(port)
    out: dict = {"name": view, "physicalName": view, "physicalType": "view",
                 "description": port.description, "logicalType": "object"}
    out |= granularity(port)  # a deprecation is the contract's status (schema objects have no deprecated)
    extra = [custom("partitionGranularity", port.partitioning.granularity if port.partitioning else "DAY")]
    extra += [custom("clustering", list(port.clustering))] if port.clustering else []
    extra += [custom("subjectKey", port.subject_key)] if port.subject_key else []
    extra += serving_hint(port)
    for key, items in (("consumers", port.consumers), ("rowFilters", port.row_filters)):
        if items:
            extra.append(custom(key, [i.model_dump(by_alias=True, exclude_none=True) for i in items]))
    if port.deprecation:
        extra.append(custom("deprecation", port.deprecation.model_dump(by_alias=True, exclude_none=True)))
    out["customProperties"] = extra
    out["properties"] = [column_property(c, defaults.confidentiality, c.name == partition)
                         | primary_key(c.name, port) for c in port.columns]
    return with_quality(out, port)


def port_sla(port: OutputPort, defaults: Defaults) -> list[dict]:
    """The port's SLOs: freshness, completeness, retention and, when deprecated, end of life."""
    view = standards.view_id(port.name, port.major)
    processing, partition = time_columns(port)
    out = []
    if port.slos.freshness:
        out.append({"property": "freshness", **duration_sla(port.slos.freshness, "freshness")}
                   | ({"element": f"{view}.{processing}"} if processing else {}))
    if port.slos.completeness is not None:
        out.append({"property": "completeness", "value": port.slos.completeness,
                    "description": "Minimum ratio of non-null values in the required columns."})
    retention = port.retention or defaults.retention
    if retention:
        out.append({"property": "retention", **duration_sla(retention, "retention")}
                   | ({"element": f"{view}.{partition}"} if partition else {}))
    if port.deprecation and port.deprecation.sunset:
        out.append({"property": "endOfLife", "value": port.deprecation.sunset})
    return out


def port_parts(port: OutputPort, defaults: Defaults) -> dict:
    """The contract fields an import turns back into the port."""
    return {"name": port.name, "version": port.version, "schema": [schema_object(port, defaults)],
            "slaProperties": port_sla(port, defaults)}


def contract(product: DataProduct, port: OutputPort, stacks: list[StackSettings] = ()) -> dict:
    """The ODCS contract of one output port major; a BigQuery server per stack environment."""
    parts = port_parts(port, Defaults.of(product))
    doc: dict = {"apiVersion": ODCS_API_VERSION, "kind": "DataContract",
                 "id": contract_id(product.domain, product.name, port.name, port.major),
                 "name": parts["name"], "version": parts["version"],
                 "status": "deprecated" if port.deprecation else product.status.value,
                 "domain": product.domain, "description": _description(product)}
    if product.tags:
        doc["tags"] = list(product.tags)
    doc["schema"] = parts["schema"]
    if stacks:
        doc["servers"] = servers(product, port, stacks)
    doc["team"] = team(product)
    if product.team.contact:
        doc["support"] = [support_channel(product.team.contact)]
    doc["slaProperties"] = parts["slaProperties"] + _frequency(product)
    if product.links:
        doc["authoritativeDefinitions"] = links(product)
    doc["customProperties"] = product_properties(product) + [
        custom("portUrn", standards.port_urn(product.domain, product.name, port.name, port.major))]
    return doc


def _description(product: DataProduct) -> dict:
    """Purpose, usage and limitations; the usage restrictions close the limitations (ODCS has no terms
    field: "technical, compliance, and legal limitations"), and their exact list is a custom property."""
    out = product.description.model_dump(exclude_none=True) | terms_fields(product)
    if product.policies.usage_restrictions:
        out["customProperties"] = [custom("usageRestrictions", list(product.policies.usage_restrictions))]
    return out


def _frequency(product: DataProduct) -> list[dict]:
    if product.transformation is not None:
        schedule = product.transformation.dbt.schedule
        return [{"property": "frequency", "value": "batch", "scheduler": "cron", "schedule": schedule.cron,
                 "description": f"Refreshed by the product's scheduled dbt job (time zone {schedule.time_zone})."}]
    if any(p.pubsub_topic for p in product.input_ports):
        return [{"property": "frequency", "value": "streaming",
                 "description": "Filled continuously by a Pub/Sub BigQuery subscription."}]
    return []


def servers(product: DataProduct, port: OutputPort, stacks: list[StackSettings]) -> list[dict]:
    """One BigQuery server per distinct environment of ``stacks``."""
    out: list[dict] = []
    for stack in stacks:
        server = {"server": stack.environment, "type": "bigquery", "environment": stack.environment,
                  "project": addresses.project_id(product, stack.platform, stack.environment),
                  "dataset": addresses.port_dataset_id(product, port),
                  "customProperties": [custom("location", product.policies.location)]}
        if server not in out:
            if any(s["server"] == server["server"] for s in out):
                server["server"] = f"{stack.environment}-{server['project']}"
            out.append(server)
    return out


def reexport(given: dict, product: DataProduct, port: OutputPort) -> dict:
    """What exporting an imported port gives, to compare with the imported contract. Servers are
    derived, not imported: a BigQuery server on the port's dataset (exported with the stack of its
    environment) counts as reproduced."""
    dataset = addresses.port_dataset_id(product, port)
    kept = [s for s in given.get("servers") or [] if isinstance(s, dict)
            and s.get("type") == "bigquery" and s.get("dataset") == dataset]
    return contract(product, port) | ({"servers": kept} if kept else {})


def reexport_port(given: dict, port: OutputPort, defaults: Defaults) -> dict:
    """Like ``reexport`` without a declaration: only the port is compared; product-level fields and
    SLA items count as reproduced."""
    expected = port_parts(port, defaults)
    expected["slaProperties"] += [s for s in given.get("slaProperties") or []
                                  if not (isinstance(s, dict) and s.get("property") in PORT_SLA)]
    return {k: v for k, v in given.items() if k not in expected} | expected


def validate_contract(doc: dict) -> None:
    """Raise ``ValueError`` unless ``doc`` validates with the ODCS pydantic model."""
    try:
        OpenDataContractStandard.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"the contract does not validate against ODCS: {where}: {first['msg']}") from None
