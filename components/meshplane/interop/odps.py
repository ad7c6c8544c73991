"""The product as an ODPS v1.1 file: the envelope that references one ODCS contract per port major.

Output ports name their contract by ``contractId`` (the id ``meshplane export odcs`` gives it) and
``version`` (the port's version). Input ports that read another data product are references to
that product's contract: the id of its port major, and the major as ``version`` (any contract of
that major satisfies the product). Operational sources have no contract: their address travels in
``customProperties``.
"""

from __future__ import annotations

import re

from ..product import addresses, standards
from ..declaration.model import DataProduct, InputPort, OutputPort
from ..catalog.terms import limitations_text
from .ids import ODPS_API_VERSION, contract_id, custom, product_uuid

OPERATIONAL_KINDS = {"bigquery_table": "bigqueryTable", "gcs_prefix": "gcsPrefix",
                     "pubsub_topic": "pubsubTopic", "s3": "s3Uri"}


def product_document(product: DataProduct) -> dict:
    """The ODPS document of ``product``, in a fixed key order."""
    doc: dict = {"apiVersion": ODPS_API_VERSION, "kind": "DataProduct",
                 "id": product_uuid(product.domain, product.name), "name": product.name,
                 "version": product.version, "status": product.status.value, "domain": product.domain,
                 "type": product.type.value,
                 "description": product.description.model_dump(exclude_none=True) | terms_fields(product)}
    if product.tags:
        doc["tags"] = list(product.tags)
    if product.input_ports:
        doc["inputPorts"] = [input_port(p) for p in product.input_ports]
    doc["outputPorts"] = [output_port(product, p) for p in product.output_ports]
    doc["team"] = team(product)
    channel = support_channel(product.team.contact) if product.team.contact else {}
    if "url" in channel:  # ODPS requires a URL; a free contact travels as a custom property
        doc["support"] = [channel]
    if product.links:
        doc["authoritativeDefinitions"] = links(product)
    extra = [custom("displayName", product.display_name),
             custom("urn", standards.product_urn(product.domain, product.name))]
    if channel and "url" not in channel:
        extra.append(custom("contact", product.team.contact))
    if product.policies.usage_restrictions:
        extra.append(custom("usageRestrictions", list(product.policies.usage_restrictions)))
    doc["customProperties"] = extra + product_properties(product)
    return doc


def terms_fields(product: DataProduct) -> dict:
    """``description.limitations`` with the usage restrictions after the declared limitations."""
    text = limitations_text(product)
    return {"limitations": text} if text else {}


def upstream_contract(port: InputPort) -> dict | None:
    """``{id, version}`` of the contract an input port reads; None for an operational source."""
    if port.data_product is None:
        return None
    domain, name = port.data_product.split(".", 1)
    return {"id": contract_id(domain, name, port.output_port, port.version), "version": str(port.version)}


def input_port(port: InputPort) -> dict:
    """An input port: a contract reference, or an operational source's address."""
    out: dict = {"name": port.name}
    ref = upstream_contract(port)
    if ref is not None:
        out |= {"version": ref["version"], "contractId": ref["id"],
                "customProperties": [custom("dataProduct", port.data_product),
                                     custom("outputPort", port.output_port)]}
    else:
        kind = port.kind
        out["customProperties"] = [custom(OPERATIONAL_KINDS[kind], port.operational_address)]
    if port.description:
        out["customProperties"].append(custom("description", port.description))
    return out


def output_port(product: DataProduct, port: OutputPort) -> dict:
    """An output port: its contract, the contracts it is computed from, where it is served."""
    out: dict = {"name": port.name, "version": port.version,
                 "contractId": contract_id(product.domain, product.name, port.name, port.major),
                 "type": "bigqueryView", "description": port.description}
    if port.deprecation:
        out["deprecated"] = True
    inputs = [ref for ref in map(upstream_contract, product.input_ports) if ref is not None]
    if inputs:
        out["inputContracts"] = inputs
    out["customProperties"] = [
        custom("dataset", addresses.port_dataset_id(product, port)),
        custom("view", standards.view_id(port.name, port.major)),
        custom("urn", standards.port_urn(product.domain, product.name, port.name, port.major))]
    return out


def check_document(doc: dict) -> list[str]:
    """Structural checks of what ODPS v1.1 requires of the fields we write (no published validator)."""
    problems = [f"missing {k}" for k in ("apiVersion", "kind", "id") if not doc.get(k)]
    for kind in ("inputPorts", "outputPorts"):
        for i, port in enumerate(doc.get(kind, [])):
            if not port.get("name"):
                problems.append(f"{kind}[{i}]: missing name")
            if ("contractId" in port) != ("version" in port):
                problems.append(f"{kind}[{i}]: contractId and version go together")
    names = [(p["name"], p["version"]) for p in doc.get("outputPorts", [])]
    if len(names) != len(set(names)):
        problems.append("outputPorts: (name, version) is not unique")
    return problems


# --- product-level fields, shared with the ODCS contracts -----------------------------------------

def product_properties(product: DataProduct) -> list[dict]:
    """Product policies no standard field holds."""
    policies = product.policies
    out = [custom("dataProduct", product.id), custom("confidentiality", policies.confidentiality.value),
           custom("location", policies.location), custom("encryption", policies.encryption.value)]
    return out + ([custom("productRetention", policies.retention)] if policies.retention else [])


def team(product: DataProduct) -> dict:
    """The team: its name, the owner (role owner) and the developers (role developer)."""
    members = [{"username": product.team.owner, "role": "owner"}]
    members += [{"username": d, "role": "developer"} for d in product.team.developers]
    return ({"name": product.team.name} if product.team.name else {}) | {"members": members}


def links(product: DataProduct) -> list[dict]:
    """The product's named links as authoritative definitions (the name is the type)."""
    return [{"type": name, "url": str(url)} for name, url in product.links.items()]


def support_channel(contact: str) -> dict:
    """The team's contact as a support channel: a URL, an e-mail address or a free channel name."""
    if re.match(r"^https?://", contact):
        return {"channel": "support", "url": contact}
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", contact):
        return {"channel": contact, "url": f"mailto:{contact}", "tool": "email"}
    return {"channel": contact}
