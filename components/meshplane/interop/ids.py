"""The standards' versions meshplane writes and the stable ids of what it exports (UUIDv5 of URNs)."""

from __future__ import annotations

import uuid

from ..product import standards

ODCS_API_VERSION = "v3.2.0"


ODPS_API_VERSION = "v1.1.0"


PORT_SLA = ("freshness", "completeness", "retention", "endOfLife")
"""The contract's slaProperties that belong to the port; the others (frequency) to the product."""


def contract_id(domain: str, product: str, port: str, major: int) -> str:
    """The ODCS contract id of one port major: UUIDv5 (URL namespace) of the port URN."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, standards.port_urn(domain, product, port, major)))


def product_uuid(domain: str, product: str) -> str:
    """The ODPS product id: UUIDv5 (URL namespace) of the product URN."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, standards.product_urn(domain, product)))


def custom(prop: str, value: object) -> dict:
    """One ODCS/ODPS custom property of ours."""
    return {"property": prop, "value": value}
