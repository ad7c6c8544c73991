"""The review of the platform stack's plan: the shared grants it holds, and its Deploy section."""

from __future__ import annotations

from ..governance.inventory import Violation
from .review_caution import violations_caution
from .review_deploy import deploy_markdown, deploy_text
from .review_format import code, escape, md_table, text_table
from .run import Plan
from .shared_grants import binding_of

HEAD = ("change", "member", "role", "on")


def platform_rows(plan: Plan) -> list[tuple[str, str, str, str]]:
    """One row per binding the stack holds: what the next ``up`` does to it, member, role, tag or policy."""
    changes = plan.checks.changes or {}
    rows = []
    for r in plan.inventory.registrations:
        if (b := binding_of(r.type, r.inputs)) is not None:
            op = changes[r.urn].op if r.urn in changes else "create"
            rows.append((op, b[2], b[1], b[0]))
    rows += [("delete", b[2], b[1], b[0]) for c in changes.values()
             if c.new is None and c.old is not None and (b := binding_of(c.old.type, c.old.inputs))]
    return sorted(rows, key=lambda row: (row[1], row[3], row[2], row[0]))


def render_platform(plan: Plan, violations: list[Violation], markdown: bool) -> str:
    """The platform stack's review as terminal text or Markdown."""
    rows = platform_rows(plan)
    title = (f"Plan of stack {plan.stack} (the platform stack): {len(rows)} grants on the platform's "
             "policy tags and masking policies, held once for every domain stack")
    if markdown:
        out = [*violations_caution(violations), f"## {escape(title)}", ""]
        out += md_table(HEAD, [tuple(code(c) if i else c for i, c in enumerate(row)) for row in rows], "grants")
        out += [f"* {escape(v.rule)}: {escape(v.message)}" for v in violations]
        return "\n".join(out + deploy_markdown(plan.checks)) + "\n"
    out = [title, ""] + (text_table(HEAD, rows) if rows else ["  none"])
    out += [f"  {v.level}: [{v.rule}] {v.message}" for v in violations]
    return "\n".join(line.rstrip() for line in out + deploy_text(plan.checks)) + "\n"
