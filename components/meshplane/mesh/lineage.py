"""The mesh's lineage graph: products, their output ports, and input-port edges between them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..product import standards
from ..declaration.model import DataProduct


@dataclass(frozen=True, order=True)
class Node:
    id: str
    kind: str  # "product" or "port"
    label: str
    status: str = ""


@dataclass(frozen=True, order=True)
class Edge:
    source: str  # a port node (upstream) or a product node (serves)
    target: str
    label: str


@dataclass
class Lineage:
    """Nodes and edges, sorted; port nodes are port URNs, product nodes product URNs."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"nodes": [vars(n) for n in self.nodes], "edges": [vars(e) for e in self.edges]}

    def product_cycles(self) -> list[list[str]]:
        """Each cycle of product ids (upstream before downstream is broken), once."""
        graph: dict[str, set[str]] = {}
        for edge in self.edges:
            if edge.label != "serves":
                graph.setdefault(_product_of(edge.target), set()).add(_product_of(edge.source))
        return _cycles(graph)

    def to_mermaid(self, direction: str = "LR") -> str:
        """A Mermaid flowchart: one subgraph per product with its ports, arrows for input ports."""
        lines = [f"flowchart {direction}"]
        ports = [n for n in self.nodes if n.kind == "port"]
        for product in (n for n in self.nodes if n.kind == "product"):
            lines.append(f'  subgraph {mermaid_id(product.id)}["{product.label} ({product.status})"]')
            for port in ports:
                if port.id.startswith(product.id + ":"):
                    lines.append(f'    {mermaid_id(port.id)}(["{port.label}"])')
            lines.append("  end")
        for edge in self.edges:
            if edge.label != "serves":
                lines.append(f"  {mermaid_id(edge.source)} -->|{edge.label}| {mermaid_id(edge.target)}")
        return "\n".join(lines) + "\n"


def build_lineage(products: Iterable[DataProduct]) -> Lineage:
    """The lineage of ``products``; input ports whose upstream is unknown still get an edge."""
    nodes: set[Node] = set()
    edges: set[Edge] = set()
    for p in products:
        urn = standards.product_urn(p.domain, p.name)
        nodes.add(Node(urn, "product", p.id, p.status.value))
        for port in p.output_ports:
            port_urn = standards.port_urn(p.domain, p.name, port.name, port.major)
            nodes.add(Node(port_urn, "port", f"{port.name} v{port.major}"))
            edges.add(Edge(urn, port_urn, "serves"))
        for ip in p.input_ports:
            if ip.data_product and ip.output_port is not None and ip.version is not None:
                domain, name = ip.data_product.split(".", 1)
                edges.add(Edge(standards.port_urn(domain, name, ip.output_port, ip.version), urn, ip.name))
    return Lineage(sorted(nodes), sorted(edges))


def _product_of(urn: str) -> str:
    parts = urn.split(":")  # urn:meshplane:<domain>:<name>[:<port>:v<major>]
    return f"{parts[2]}.{parts[3]}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one product, smallest id first."""
    cycles = []
    for component in _components(graph):
        if len(component) > 1:
            cycles.append(_cycle_in(graph, min(component), component))
    return sorted(cycles)


def _components(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components (Kosaraju, iterative: deep meshes need no recursion)."""
    nodes = sorted(set(graph) | {n for targets in graph.values() for n in targets})
    order, seen = [], set()
    for root in nodes:
        stack = [(root, iter(sorted(graph.get(root, ()))))] if root not in seen else []
        seen.add(root)
        while stack:
            node, children = stack[-1]
            child = next((c for c in children if c not in seen), None)
            if child is None:
                order.append(node)
                stack.pop()
            else:
                seen.add(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    reverse: dict[str, set[str]] = {}
    for node, targets in graph.items():
        for target in targets:
            reverse.setdefault(target, set()).add(node)
    components, assigned = [], set()
    for root in reversed(order):
        if root in assigned:
            continue
        component, todo = set(), [root]
        while todo:
            node = todo.pop()
            if node not in assigned:
                assigned.add(node)
                component.add(node)
                todo.extend(reverse.get(node, ()))
        components.append(component)
    return components


def _cycle_in(graph: dict[str, set[str]], start: str, component: set[str]) -> list[str]:
    """A shortest cycle through ``start`` inside ``component`` (breadth-first)."""
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for nxt in sorted(graph.get(node, ()) & component):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return list(reversed(path))
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return [start]


_ESCAPES = {"_": "__", "-": "_h", ":": "_c", ".": "_d"}


def mermaid_id(urn: str) -> str:
    """A Mermaid node id for ``urn``, injective: ``_`` escapes every other character (``-`` is ``_h``,
    ``:`` ``_c``, ``.`` ``_d``, ``_`` itself ``__``, anything else ``_x<hex>_``), so a product named like
    another's port (``catalog-episodes-v1`` and ``catalog:episodes:v1``) never shares its id."""
    return "n_" + "".join(ch if ch.isascii() and ch.isalnum() else _ESCAPES.get(ch, f"_x{ord(ch):x}_")
                          for ch in urn.removeprefix("urn:meshplane:"))
