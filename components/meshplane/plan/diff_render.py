"""Render a plan diff as JSON (for machines), text (for terminals) or Markdown (for a pull request).

Unchanged resources are counted in the summary but never listed. Text and Markdown lead with the
risky changes: data loss first, then widened access, policy violations and narrowed access.
"""

from __future__ import annotations

import json

from .contract_render import contract_json, contract_text
from .diff import (BREAKING, DATA_LOSS, REPLACE, FLAGS, NARROWED, OPS, POLICY, SAME, WIDENED, Change,
                   DiffResult, Grant)

DATA_LOSS_EXIT = 3
REFUSED_EXIT = 4
SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
TITLES = {DATA_LOSS: "Data loss", WIDENED: "Access widened", POLICY: "Policy violations",
          NARROWED: "Access narrowed"}


def exit_code(result: DiffResult) -> int:
    """4 when a port contract change is refused (a breaking change without a new major), else 3 when
    any change loses data, else 0."""
    if result.contracts.refused:
        return REFUSED_EXIT
    return DATA_LOSS_EXIT if result.flagged(DATA_LOSS) else 0


def render_json(result: DiffResult) -> str:
    """``{"changes": [...], "summary": {...}}``: changed resources by URN, stable bytes."""
    changes = [{"urn": c.urn, "type": c.type, "op": c.op, "changedInputs": c.changed_inputs, "flags": c.flags}
               for c in _listed(result, by_risk=False)]
    return json.dumps({"changes": changes, "contracts": contract_json(result.contracts), "summary": result.summary},
                      indent=2, sort_keys=True) + "\n"


def render_text(result: DiffResult) -> str:
    """One line per changed resource, risky ones first, with the inputs that changed."""
    lines = [_headline(result)]
    risks = _risk_line(result)
    if risks:
        lines.append(f"risk: {risks}")
    lines += contract_text(result.contracts)
    for c in _listed(result, by_risk=True):
        flags = f"  [{', '.join(c.flags)}]" if c.flags else ""
        first = "  (deleted first: absent until re-created)" if _deleted_first(c) else ""
        lines.append(f"{SYMBOLS[c.op]:>2} {c.op:<8} {_short_type(c.type)}  {c.name}{flags}{first}")
        if c.changed_inputs:
            lines.append("      " + ", ".join(_input(c, p) for p in c.changed_inputs))
        lines += [f"      loses data: {why}" for why in c.lost_data]
        lines += [f"      gains: {_grant_text(g)}" for g in c.gained]
        lines += [f"      loses: {_grant_text(g)}" for g in c.lost]
        lines += [f"      {v.rule} ({v.level}): {v.message}" for v in c.violations]
    return "\n".join(lines) + "\n"


def render_markdown(result: DiffResult) -> str:
    """A pull request comment: the summary by principal, narrow tables, a folded appendix (``diff_markdown``)."""
    from .diff_markdown import diff_markdown

    return diff_markdown(result, _headline(result), _listed(result, by_risk=False))


def _deleted_first(c: Change) -> bool:
    return c.op == REPLACE and c.delete_first


def _listed(result: DiffResult, *, by_risk: bool) -> list[Change]:
    changes = [c for c in result.changes.values() if c.op != SAME]
    if by_risk:
        return sorted(changes, key=lambda c: (FLAGS.index(c.flags[0]) if c.flags else len(FLAGS), c.urn))
    return sorted(changes, key=lambda c: c.urn)


def _headline(result: DiffResult) -> str:
    ops = result.summary["ops"]
    if not any(ops[op] for op in OPS if op != SAME):
        return f"No changes ({ops[SAME]} unchanged)"
    done = ", ".join(f"{ops[op]} to {op}" for op in OPS if op != SAME and ops[op])
    return f"{done} ({ops[SAME]} unchanged)"


def _risk_line(result: DiffResult) -> str:
    flags = result.summary["flags"]
    return ", ".join(f"{flags[f]} {f}" for f in (DATA_LOSS, BREAKING, *FLAGS[1:]) if flags[f])


def _input(c: Change, path: str, *, code: bool = False) -> str:
    forced = any(path == k or path.startswith(f"{k}.") for k in c.replace_keys)
    return (f"`{path}`" if code else path) + (" (forces replacement)" if forced else "")


def _grant_text(g: Grant) -> str:
    return f"{g.principal} {g.role} on {g.target}"


def _short_type(type_: str) -> str:
    return type_.split(":", 1)[-1] if type_.startswith("gcp:") else type_


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
