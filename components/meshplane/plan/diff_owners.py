"""Which product each resource of a plan belongs to: the ``DataProduct`` component up its parent URN
chain, never a name prefix (``podcast-catalog-podcasts`` is not the owner of a resource of
``podcast-catalog``'s port ``podcasts v1`` named ``podcast-catalog-podcasts-v1-view``)."""

from __future__ import annotations

PRODUCT_TYPE = "meshplane:index:DataProduct"
STACK = "the stack"  # the owner of a resource outside every product


def resource_owners(*documents: dict) -> dict[str, str]:
    """URN -> product id, for every resource of ``documents`` under a ``DataProduct`` component."""
    owners: dict[str, str] = {}
    for document in documents:
        by_name = {d.get("name", pid.split(".", 1)[-1]): pid for pid, d in document.get("outputs", {}).items()}
        parents = {s["urn"]: s.get("parent") or "" for s in _states(document)}
        for urn in parents:
            product = _product_urn(urn, parents)
            name = product.rsplit("::", 1)[-1] if product else ""
            if name in by_name:
                owners.setdefault(urn, by_name[name])
    return owners


def _product_urn(urn: str, parents: dict[str, str]) -> str:
    """The ``DataProduct`` URN at or above ``urn`` (the URN's type chain names it), or ``""``."""
    seen = set()
    while urn and urn not in seen:
        seen.add(urn)
        if _type(urn) == PRODUCT_TYPE:
            return urn
        urn = parents.get(urn, "")
    return ""


def _type(urn: str) -> str:
    """``urn:pulumi:s::p::a$b$c::name`` -> ``c``."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def _states(document: dict) -> list[dict]:
    return [s for step in document.get("steps", []) for s in (step.get("newState"), step.get("oldState")) if s]
