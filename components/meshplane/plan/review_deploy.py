"""The review's view of the GCP model: who sees which rows and tagged columns of each table, and the
stack's deploy section (order, where the ``up`` would fail, what it changes in the deployed state,
runbooks for protected replacements and for datasets still open from before). Rows and lines only.
"""

from __future__ import annotations

from ..gcpmodel.next_up import SAME, summary
from ..gcpmodel.visibility import ALL, DENIED, MASKED_VALUE, NONE, RAW, Sight
from .deploy_checks import DeployChecks
from .review_format import code, count, escape, md_table, text_table
from .runbooks import Runbook, open_dataset_steps, runbook

SIGHT_HEAD = ("table", "principal", "via", "rows", "tagged columns")
CHANGE_HEAD = ("op", "resource", "type", "why")


def sight_rows(sights: list[Sight], tables: set[str]) -> list[tuple[str, ...]]:
    """Who sees what of the product's ``tables`` (``project.dataset.table``), as plain cells."""
    return [(s.table.split(".", 1)[1], s.principal, s.via.split(" ")[0] if s.via.startswith(("view", "procedure"))
             else s.via, _rows(s.rows), _columns(s)) for s in sights if s.table in tables]


def _rows(rows: str) -> str:
    return {ALL: "all", NONE: "NONE"}.get(rows, f"only {rows}")


def _columns(sight: Sight) -> str:
    groups = {level: [p for p, seen in sight.columns if seen == level] for level in (RAW, MASKED_VALUE, DENIED)}
    return "; ".join(f"{level} {', '.join(paths)}" for level, paths in groups.items() if paths) or "—"


def runbooks(checks: DeployChecks) -> list[Runbook]:
    return [rb for c in (checks.changes or {}).values() if (rb := runbook(c))]


def deploy_text(checks: DeployChecks) -> list[str]:
    """The Deploy section as terminal lines."""
    out = ["", "Deploy", "  " + _after(checks)]
    out += [f"  FAILS: {f.name}: {f.message}" for f in checks.failures]
    out += [f"  REFUSED: grants {u.consumer}'s runner, which no stack of this environment creates" for u in
            checks.unreachable]
    if checks.cycle:
        out.append(f"  REFUSED: the stacks {' -> '.join(checks.cycle)} grant each other's runners (no order)")
    for dataset, groups in checks.open_datasets:
        out += ["  OPEN: " + step for step in open_dataset_steps(dataset, groups)]
    if checks.changes is not None:
        out += ["  Against the deployed state: " + _counts(checks)]
        rows = [(c.op, c.name, c.type.rsplit(":", 1)[-1], _why(c)) for c in checks.changes.values() if c.op != SAME]
        out += text_table(CHANGE_HEAD, rows) if rows else []
        for rb in runbooks(checks):
            out += ["", f"  PROTECTED {rb.kind} {rb.name} would be {rb.op}d: {rb.cause}."]
            out += [f"    - {step}" for step in rb.steps]
    return out


def deploy_markdown(checks: DeployChecks) -> list[str]:
    """The Deploy section as Markdown."""
    out = ["", "### Deploy", "", escape(_after(checks))]
    items = [f"**Fails:** {code(f.name)}: {escape(f.message)}" for f in checks.failures]
    items += [f"**Refused:** grants {code(u.consumer)}'s runner, which no stack of this environment creates"
              for u in checks.unreachable]
    if checks.cycle:
        items.append(f"**Refused:** the stacks {escape(' -> '.join(checks.cycle))} grant each other's runners")
    items += [f"**Open dataset:** {escape(' '.join(open_dataset_steps(d, g)))}" for d, g in checks.open_datasets]
    out += ([""] + [f"- {item}" for item in items]) if items else []
    if checks.changes is not None:
        rows = [(c.op, code(c.name), c.type.rsplit(":", 1)[-1], escape(_why(c)))
                for c in checks.changes.values() if c.op != SAME]
        out += ["", f"**Against the deployed state:** {escape(_counts(checks))}"]
        out += ([""] + md_table(CHANGE_HEAD, rows, count(len(rows), "change"))) if rows else []
        for rb in runbooks(checks):
            out += ["", f"**Protected {rb.kind} {code(rb.name)} would be {rb.op}d:** {escape(rb.cause)}.", ""]
            out += [f"1. {escape(step)}" for step in rb.steps]
    return out


def _after(checks: DeployChecks) -> str:
    if not checks.after:
        first = "Deploys with no other stack first: it grants no runner another stack creates."
    else:
        first = (f"Deploys after {', '.join(checks.after)}: it grants runners those stacks create "
                 "(`meshplane order`).")
    ok = "The first up finds everything it needs, in order." if not (checks.failures or checks.unreachable) else ""
    unread = (f" Not read: {', '.join(checks.unread)} (their config or declarations have problems)."
              if checks.unread else "")
    return " ".join(part for part in (first, ok) if part) + unread


def _counts(checks: DeployChecks) -> str:
    return ", ".join(f"{n} {op}" for op, n in summary(checks.changes).items() if n)


def _why(change) -> str:
    if change.op == "replace":
        return "replaces: " + ", ".join(change.replace_reasons)
    if change.op == "update":
        return ", ".join(change.changed)
    if change.renamed_from:
        return f"was {change.renamed_from.rsplit('::', 1)[-1]}"
    return {"delete": "no longer in the program", "create": "new"}.get(change.op, "")
