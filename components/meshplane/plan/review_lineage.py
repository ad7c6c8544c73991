"""The lineage around a stack: its products, their direct upstreams and downstreams, as Mermaid."""

from __future__ import annotations

from collections.abc import Iterable

from .. import standards
from ..lineage import Lineage, mermaid_id


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


MAX_PRODUCTS = 6  # per diagram: more and GitHub's ~900 px column shrinks the labels below reading size
LEGEND = ("Thick border (class `stack`): this stack's products; thin: the products they read from or serve. "
          "Arrows are input ports, labelled with their names.")


def stack_mermaid(lineage: Lineage, product_ids: Iterable[str]) -> str:
    """The Mermaid flowcharts of :func:`stack_diagrams`, one after the other (for the terminal)."""
    return "\n".join(stack_diagrams(lineage, product_ids))


def stack_diagrams(lineage: Lineage, product_ids: Iterable[str], limit: int = MAX_PRODUCTS) -> list[str]:
    """Top-to-bottom flowcharts of the stack's products and their neighbours, each drawing at most
    ``limit`` products when it can (a product with more neighbours gets a diagram of its own); the
    stack's products carry the class ``stack``."""
    groups: list[list[str]] = []
    for pid in sorted(product_ids):
        if groups and _size(lineage, [*groups[-1], pid]) <= limit:
            groups[-1].append(pid)
        else:
            groups.append([pid])
    return [_diagram(lineage, group) for group in groups or [[]]]


def _diagram(lineage: Lineage, ids: list[str]) -> str:
    text = stack_lineage(lineage, ids).to_mermaid("TB")
    ours = [mermaid_id(standards.product_urn(*pid.split(".", 1))) for pid in ids]
    styles = ["  classDef stack stroke-width:3px"] + ([f"  class {','.join(ours)} stack"] if ours else [])
    return text + "".join(line + "\n" for line in styles)


def _size(lineage: Lineage, ids: list[str]) -> int:
    return sum(n.kind == "product" for n in stack_lineage(lineage, ids).nodes)


def _product(urn: str) -> str:
    return ":".join(urn.split(":")[:4])  # urn:meshplane:<domain>:<name>[:<port>:v<major>]
