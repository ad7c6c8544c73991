"""Who reads each port of a stack's products, as declared: one record per (product, port, consumer)
with the purpose, whether PII is read masked or raw (unmasked), and which rows. The plan JSON carries
it (``access``) so that ``meshplane diff`` can say, per principal, who gains and who loses access and
why, without the declarations at hand. Pure data, sorted.
"""

from __future__ import annotations

from ..declaration.model import Column, DataProduct, OutputPort
from ..declaration.types import Status
from .review_audience import runner_lookup

ALL_ROWS = "all rows"
RAW, MASKED, NO_PII = "raw", "masked", "none"


def consumer_access(document: dict, mesh, settings) -> list[dict]:
    """The declared access of every product a plan ``document`` builds (its descriptors), in deploy
    terms: a consuming product is named by its runner's principal, as the grants name it."""
    from ..stack.program import effective  # imports pulumi_gcp: only when a plan is made

    runner_of = runner_lookup(mesh, settings.platform, settings.environment)
    records = []
    for pid in sorted(document.get("outputs", {})):
        decl = effective(mesh.sources[pid].product, mesh, settings)
        records += product_access(decl, runner_of)
    return sorted(records, key=lambda r: (r["principal"], r["product"], r["port"]))


def own_identities(document: dict, settings) -> list[str]:
    """The principals that run the products rather than consume them: each product's runner and owner,
    the deploying identity and the platform's governance principal (a diff counts their grants as plumbing)."""
    from .review_audience import deployer_principal

    platform = settings.platform
    found = {deployer_principal(platform.deployer), platform.governance_principal}
    for descriptor in document.get("outputs", {}).values():
        found |= {f"serviceAccount:{descriptor.get('runner')}", descriptor.get("owner"),
                  f"@{descriptor.get('project')}.iam.gserviceaccount.com"}  # its other accounts (invoker)
    return sorted(p for p in found if p)


def product_access(decl: DataProduct, runner_of) -> list[dict]:
    """One record per consumer of each port of ``decl``; none once the product is retired."""
    if decl.status == Status.RETIRED:
        return []
    return [record(decl, port, c.principal or runner_of(c.data_product), c.data_product, c.purpose,
                   c.raw_access) for port in decl.output_ports for c in port.consumers]


def record(decl: DataProduct, port: OutputPort, principal: str, product: str | None, purpose: str | None,
           raw: bool) -> dict:
    """One consumer's access to one port."""
    sensitive = _sensitive(port.columns)
    return {"product": decl.id, "port": f"{port.name} v{port.major}", "principal": principal,
            "consumer": product or "", "purpose": purpose or "",
            "pii": (RAW if raw else MASKED) if sensitive else NO_PII, "rows": rows_of(port, principal),
            "sensitive": sensitive_columns(port.columns)}


def rows_of(port: OutputPort, principal: str) -> str:
    """The rows ``principal`` sees: the filters naming it (as ``OutputPort`` grants them), else all."""
    filters = [f.filter for f in port.row_filters if principal in f.grantees]
    return "rows where " + " or ".join(f"({f})" if len(filters) > 1 else f for f in filters) if filters else ALL_ROWS


def sensitive_columns(columns: list[Column], prefix: str = "") -> list[str]:
    """The paths of the PII or classified columns (nested ones as ``parent.child``), sorted: what a
    reader of the port sees masked, or raw with raw access."""
    found = []
    for c in columns:
        path = prefix + c.name
        found += [path] if c.pii or c.classification is not None else []
        found += sensitive_columns(c.fields or [], path + ".")
    return sorted(found)


def _sensitive(columns: list[Column]) -> bool:
    """Whether any column (nested ones too) is PII or classified: read masked unless raw access."""
    return any(c.pii or c.classification is not None or _sensitive(c.fields or []) for c in columns)
