"""The port contract part of a diff (``versions.ContractDiff``) as JSON data, text lines and Markdown."""

from __future__ import annotations

from .review_format import count
from .versions import REFUSED, ContractDiff

HEAD = "| Port | Column or aspect | Change | Needs, flags |"


def contract_json(contracts: ContractDiff) -> dict:
    """``{"changes": [...], "findings": [...]}`` in a stable order."""
    return {"changes": [{"product": c.product, "port": c.port, "path": c.path, "change": c.what,
                         "needs": c.kind, "flags": c.flags} for c in contracts.changes],
            "findings": [{"product": f.product, "port": f.port, "level": f.level, "message": f.message}
                         for f in contracts.findings]}


def contract_text(contracts: ContractDiff) -> list[str]:
    """Refusals and warnings first, then one line per contract change."""
    lines = [f"{f.level.upper()}: {_where(f.product, f.port)}: {f.message}" for f in _ordered(contracts)]
    lines += [f"contract {c.product} {c.port} {c.path}: {c.what} [{', '.join(c.flags) or c.kind}]"
              for c in contracts.changes]
    return lines


def contract_markdown(contracts: ContractDiff) -> list[str]:
    """A section for the pull request: what the versions say, then the changes as a table."""
    if not contracts.changes and not contracts.findings:
        return []
    refused = len(contracts.refused)
    title = f"#### Port contracts ({count(len(contracts.changes), 'change')}"
    title += f", {refused} refused)" if refused else ")"
    out = ["", title, ""]
    for f in _ordered(contracts):
        label = "**Refused**" if f.level == REFUSED else "Warning"
        out.append(f"- {label}: `{_where(f.product, f.port)}`: {_cell(f.message)}")
    if contracts.changes:
        rows = [f"| `{c.product}` {c.port} | `{_cell(c.path)}` | {_cell(c.what)} | "
                f"{', '.join(dict.fromkeys([c.kind, *c.flags]))} |" for c in contracts.changes]
        out += ["", HEAD, "|---|---|---|---|", *rows]
    return out


def _ordered(contracts: ContractDiff) -> list:
    return sorted(contracts.findings, key=lambda f: (f.level != REFUSED, f.product, f.port))


def _where(product: str, port: str) -> str:
    return f"{product} {port}" if port else product


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
