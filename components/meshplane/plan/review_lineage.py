"""The lineage around a stack: its products, their direct upstreams and downstreams, as Mermaid."""

from __future__ import annotations

from collections.abc import Iterable

from ..product import standards
from ..mesh.lineage import Lineage, mermaid_id
from .review_format import count


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


def _diagram(lineage: Lineage, ids: list[str], limit: int = MAX_PRODUCTS) -> str:
    drawn, more = _capped(stack_lineage(lineage, ids), ids, limit)
    text = drawn.to_mermaid("TB")
    ours = [mermaid_id(standards.product_urn(*pid.split(".", 1))) for pid in ids]
    styles = ["  classDef stack stroke-width:3px"] + ([f"  class {','.join(ours)} stack"] if ours else [])
    return text + "".join(line + "\n" for line in more + styles)


def _capped(drawn: Lineage, ids: list[str], limit: int) -> tuple[Lineage, list[str]]:
    """``drawn`` with at most ``limit`` products: the stack's own first, then neighbours in order; the
    other neighbours collapse into one ``+N more`` node each side (readers, upstreams) with its arrows."""
    ours = {standards.product_urn(*pid.split(".", 1)) for pid in ids}
    upstreams = {_product(e.source) for e in drawn.edges if e.target in ours} - ours
    neighbours = sorted((n.id for n in drawn.nodes if n.kind == "product" and n.id not in ours),
                        key=lambda urn: (urn not in upstreams, urn))  # what it reads from first
    dropped = set(neighbours[max(limit - len(ours), 0):])
    if not dropped:
        return drawn, []
    kept = Lineage([n for n in drawn.nodes if (_product(n.id) if n.kind == "port" else n.id) not in dropped],
                   [e for e in drawn.edges if _product(e.source) not in dropped and e.target not in dropped])
    lines = []
    upstream = [e for e in drawn.edges if _product(e.source) in dropped]
    reading = [e for e in drawn.edges if e.target in dropped]
    if upstream:
        lines.append(f'  m_upstreams[["+{count(len({_product(e.source) for e in upstream}), "more upstream product")}"]]')
        lines += [f"  m_upstreams --> {mermaid_id(t)}" for t in sorted({e.target for e in upstream})]
    if reading:
        lines.append(f'  m_readers[["+{count(len({e.target for e in reading}), "more reading product")}"]]')
        lines += [f"  {mermaid_id(s)} --> m_readers" for s in sorted({e.source for e in reading})]
    return kept, lines


def _size(lineage: Lineage, ids: list[str]) -> int:
    return sum(n.kind == "product" for n in stack_lineage(lineage, ids).nodes)


def _product(urn: str) -> str:
    return ":".join(urn.split(":")[:4])  # urn:meshplane:<domain>:<name>[:<port>:v<major>]
