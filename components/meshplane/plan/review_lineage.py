"""The lineage around a stack: its products, their direct upstreams and downstreams, as Mermaid."""

from __future__ import annotations

from collections.abc import Iterable

from .. import standards
from ..lineage import Lineage


def stack_lineage(lineage: Lineage, product_ids: Iterable[str]) -> Lineage:
    """The stack's products with all their ports, and each neighbour with the ports that link them."""
    ours = {standards.product_urn(*pid.split(".", 1)) for pid in product_ids}
    edges = [e for e in lineage.edges
             if e.label != "serves" and (_product(e.source) in ours or e.target in ours)]
    products = ours | {_product(e.source) for e in edges} | {e.target for e in edges}
    ports = {e.source for e in edges}
    nodes = [n for n in lineage.nodes
             if (n.kind == "product" and n.id in products)
             or (n.kind == "port" and (n.id in ports or _product(n.id) in ours))]
    return Lineage(sorted(nodes), sorted(edges))


def stack_mermaid(lineage: Lineage, product_ids: Iterable[str]) -> str:
    """A Mermaid flowchart of :func:`stack_lineage`; the stack's own products drawn bold."""
    ids = sorted(product_ids)
    text = stack_lineage(lineage, ids).to_mermaid()
    styles = [f"  style {mermaid_id(standards.product_urn(*pid.split('.', 1)))} stroke-width:3px"
              for pid in ids]
    return text + "".join(line + "\n" for line in styles)


def mermaid_id(urn: str) -> str:
    """The node id ``Lineage.to_mermaid`` gives ``urn``."""
    return "n_" + "".join(ch if ch.isalnum() else "_" for ch in urn.removeprefix("urn:meshplane:"))


def _product(urn: str) -> str:
    return ":".join(urn.split(":")[:4])  # urn:meshplane:<domain>:<name>[:<port>:v<major>]
