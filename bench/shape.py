"""Deploy shape of a plan: resources per product and the longest dependency chain per product.

The chain follows the recorded ``dependencies`` only (implicit data dependencies and explicit
``depends_on``), between cloud (custom) resources: what ``pulumi up`` must create in sequence.
Parent edges are not dependencies; a component is never created in the cloud.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from meshplane.engine.harness import Inventory, Registration

PRODUCT_TYPE = "meshplane:index:DataProduct"


def product_of(inventory: Inventory) -> dict[str, str]:
    """URN -> name of the DataProduct component the resource lives in ("" outside any)."""
    by_urn = {r.urn: r for r in inventory.registrations}
    owner: dict[str, str] = {}
    for r in inventory.registrations:
        node, seen = r, []
        while node is not None and node.urn not in owner and node.type != PRODUCT_TYPE:
            seen.append(node.urn)
            node = by_urn.get(node.parent)
        found = "" if node is None else owner.get(node.urn, node.name)
        for urn in seen + ([node.urn] if node is not None else []):
            owner.setdefault(urn, found)
    return owner


def critical_paths(inventory: Inventory) -> dict[str, list[Registration]]:
    """Per product, one longest chain of cloud resources along dependencies (first created first)."""
    by_urn = {r.urn: r for r in inventory.registrations}
    owner = product_of(inventory)

    @lru_cache(maxsize=None)
    def longest(urn: str) -> tuple[str, ...]:
        deps = [longest(d) for d in by_urn[urn].dependencies if d in by_urn]
        best = max(deps, key=len, default=())
        return best + (urn,) if by_urn[urn].custom else best

    paths: dict[str, list[Registration]] = {}
    for r in inventory.registrations:
        if not r.custom:
            continue
        chain = longest(r.urn)
        product = owner[r.urn]
        if len(chain) > len(paths.get(product, [])):
            paths[product] = [by_urn[u] for u in chain]
    return paths


def deploy_shape(inventory: Inventory) -> dict:
    """Resources per product (median, max), the longest chain (median, max) and one example chain."""
    owner = product_of(inventory)
    custom = Counter(owner[r.urn] for r in inventory.registrations if r.custom)
    components = Counter(owner[r.urn] for r in inventory.registrations if not r.custom)
    paths = critical_paths(inventory)
    products = sorted(p for p in custom if p)
    lengths = sorted(len(paths[p]) for p in products)
    counts = sorted(custom[p] for p in products)
    example = max(products, key=lambda p: (len(paths[p]), p)) if products else ""
    return {
        "products": len(products),
        "resources_per_product": _median(counts), "resources_per_product_max": max(counts, default=0),
        "components_per_product": _median(sorted(components[p] for p in products)),
        "critical_path": _median(lengths), "critical_path_max": max(lengths, default=0),
        "example_chain": [f"{_short(r.type)} {r.name}" for r in paths.get(example, [])],
    }


def _median(values: list[int]) -> float:
    if not values:
        return 0
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _short(type_: str) -> str:
    return type_.rsplit(":", 1)[-1]
