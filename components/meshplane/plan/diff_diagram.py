"""The diagram of a change: only the products it changes and their neighbours, top to bottom, at most
``MAX_PRODUCTS`` products per diagram; ports added or removed, and principals gaining or losing access,
marked with Mermaid classes explained by a legend. Node ids are ``lineage.mermaid_id`` (injective)."""

from __future__ import annotations

from ..product import standards
from ..mesh.lineage import mermaid_id
from .diff import SAME, DiffResult
from .diff_summary import owner
from .principal_names import SA_DOMAIN
from .review_format import count
from .review_lineage import MAX_PRODUCTS

CLASSES = ("  classDef changed stroke:#9a6700,stroke-width:3px", "  classDef added stroke:#1a7f37,stroke-width:3px",
           "  classDef removed stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5",
           "  classDef gains fill:#dafbe1,stroke:#1a7f37", "  classDef loses fill:#ffebe9,stroke:#cf222e")
LEGEND = ("Diagram: thick amber border = a product this change touches; green = a port added or a principal "
          "gaining access; red dashed = a port removed, red = a principal losing access; arrows = who reads what.")


def change_diagrams(result: DiffResult, base: dict, head: dict) -> list[str]:
    """The Mermaid flowcharts of the change; none when no product changes."""
    changed = changed_products(result)
    groups: list[list[str]] = []
    for pid in changed:
        if groups and len(_products(groups[-1] + [pid], head)) <= MAX_PRODUCTS:
            groups[-1].append(pid)
        else:
            groups.append([pid])
    return [_diagram(group, result, base, head) for group in groups]


def changed_products(result: DiffResult) -> list[str]:
    """The products one of whose resources the change creates, updates, replaces or deletes."""
    return sorted({owner(c, result) for c in result.changes.values() if c.op != SAME}
                  & set(result.products))


def _ports(document: dict, pid: str) -> dict[str, str]:
    """``"name vN"`` -> port urn, of ``pid`` in ``document``."""
    descriptor = document.get("outputs", {}).get(pid, {})
    return {f"{p['name']} v{p['urn'].rsplit(':v', 1)[-1]}": p["urn"] for p in descriptor.get("outputPorts", [])}


def _upstreams(head: dict, pid: str) -> list[str]:
    return sorted(i["source"] for i in head.get("outputs", {}).get(pid, {}).get("inputPorts", [])
                  if i.get("kind") == "dataProduct")


def _readers(head: dict, pid: str) -> list[tuple[str, str]]:
    """(port, consuming product) of ``pid``'s declared consumers that are products."""
    return sorted({(r["port"], r["consumer"]) for r in head.get("access", []) if r["product"] == pid and r["consumer"]})


def _products(group: list[str], head: dict) -> set[str]:
    """The products a diagram of ``group`` draws: the group, its upstreams and its consuming products."""
    found = set(group)
    for pid in group:
        found |= {_pid(u) for u in _upstreams(head, pid)}
        found |= {c for _, c in _readers(head, pid)}
    return found


def _pid(port_urn: str) -> str:
    """``urn:meshplane:d:n:port:v1`` -> ``d.n``."""
    return ".".join(port_urn.split(":")[2:4])


def _kept(group: list[str], head: dict) -> set[str]:
    """The products a diagram of ``group`` draws, at most ``MAX_PRODUCTS``: the group, then what it
    reads from, then its readers, in order; the others are counted in a ``+N more`` node."""
    upstreams = sorted({_pid(u) for pid in group for u in _upstreams(head, pid)} - set(group))
    readers = sorted({c for pid in group for _, c in _readers(head, pid)} - set(group) - set(upstreams))
    return set(group) | set((upstreams + readers)[:max(MAX_PRODUCTS - len(group), 0)])


def _diagram(group: list[str], result: DiffResult, base: dict, head: dict) -> str:
    lines, classes = ["flowchart TB"], {"changed": [], "added": [], "removed": [], "gains": [], "loses": []}
    kept = _kept(group, head)
    for pid in group:
        product = _urn(pid)
        old, new = _ports(base, pid), _ports(head, pid)
        lines.append(f'  subgraph {mermaid_id(product)}["{pid}"]')
        for name, urn in sorted({**old, **new}.items()):
            lines.append(f'    {mermaid_id(urn)}(["{name}"])')
            if name not in old or name not in new:
                classes["added" if name not in old else "removed"].append(mermaid_id(urn))
        lines.append("  end")
        classes["changed"].append(mermaid_id(product))
        more_up = sorted({_pid(u) for u in _upstreams(head, pid)} - kept)
        for upstream in (u for u in _upstreams(head, pid) if _pid(u) in kept):
            lines.append(f'  {mermaid_id(upstream)}["{_port_label(upstream)}"] --> {mermaid_id(product)}')
        lines += [f'  m_up_{mermaid_id(product)}[["+{count(len(more_up), "more upstream product")}"]] --> '
                  f'{mermaid_id(product)}'] if more_up else []
        readers = _readers(head, pid)
        for port, consumer in (r for r in readers if r[1] in kept):
            lines.append(f'  {mermaid_id(new[port])} --> {mermaid_id(_urn(consumer))}["{consumer}"]')
        more = sorted({c for _, c in readers} - kept)
        lines += [f'  m_rd_{mermaid_id(product)}[["+{count(len(more), "more reading product")}"]]'] if more else []
        lines += [f"  {mermaid_id(new[port])} --> m_rd_{mermaid_id(product)}"
                  for port in sorted({p for p, c in readers if c not in kept})]
    lines += _principals(group, result, {pid: {**_ports(base, pid), **_ports(head, pid)} for pid in group}, classes)
    lines += list(CLASSES) + [f"  class {','.join(ids)} {name}" for name, ids in classes.items() if ids]
    return "\n".join(lines) + "\n"


def _principals(group: list[str], result: DiffResult, ports: dict, classes: dict) -> list[str]:
    """Principals (not products: those are drawn as readers) gaining or losing access in ``group``."""
    lines = []
    for change in result.principals:
        for records, kind, arrow in ((change.gained, "gains", "-->"), (change.lost, "loses", "-.->")):
            for r in records:
                if r["product"] in group and not r["consumer"]:
                    node = "p" + mermaid_id(change.principal)[1:]  # never an ``n_`` id of the lineage
                    label = change.principal.split(":", 1)[-1].removesuffix(SA_DOMAIN)
                    lines.append(f'  {mermaid_id(ports[r["product"]][r["port"]])} {arrow}|{kind}| {node}["{label}"]')
                    classes[kind].append(node)
    return lines


def _port_label(urn: str) -> str:
    """``urn:meshplane:d:n:port:v1`` -> ``d.n port v1``."""
    parts = urn.split(":")
    return f"{parts[2]}.{parts[3]} {' '.join(parts[4:])}" if len(parts) >= 6 else urn


def _urn(pid: str) -> str:
    return standards.product_urn(*pid.split(".", 1))
