"""The plan as a reviewer reads it: per data product, what is created, who gets access, what is
protected and which policies are broken; as terminal text or as a pull-request comment (Markdown).

Rows come from ``review_tables`` (shared by both renderers); the output is deterministic.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ..governance.inventory import MANDATORY, Violation
from .review_lineage import stack_mermaid
from .review_tables import (
    Grant, Safety, access_rows, audience, findings, product_resources, resource_kinds, resource_name,
    runner_lookup, safety_rows,
)
from .run import Plan

WIDTH = 120  # of the text output's prose lines (tables are as wide as their cells)
FOLD_ROWS = 10  # Markdown tables longer than this fold into <details>
LEGEND = ("access for a principal other than the product's own runner, owner, authorized datasets and "
          "routines, service agents and the platform's governance principal; with no deployed state to compare to, this version counts every consumer grant "
          "as new.")
ACCESS_HEAD = ("", "principal", "who", "access to", "role", "purpose")
SAFETY_HEAD = ("resource", "kind", "protect", "retainOnDelete", "deletion guard", "verdict")
FINDING_HEAD = ("level", "rule", "resource", "message")


@dataclass
class ProductReview:
    """Everything the review shows about one data product of the stack."""

    id: str
    display_name: str
    archetype: str
    status: str
    owner: str
    project: str
    kinds: list[tuple[str, int]]
    grants: list[Grant]
    safety: list[Safety]
    findings: list[Violation]

    @property
    def resources(self) -> int:
        return sum(count for _, count in self.kinds)

    def summary(self) -> list[tuple[str, bool]]:
        """The one-line summary as ``(part, needs attention)``."""
        new = sorted({g.principal for g in self.grants if g.new})
        risky = sum(s.verdict != "protected" for s in self.safety)
        mandatory = sum(v.level == MANDATORY for v in self.findings)
        return [
            (f"{self.resources} cloud resources", False),
            (f"new access for {_count(len(new), 'principal')}" if new else "no new access", bool(new)),
            (f"{_count(len(self.safety), 'data-holding resource')}, "
             + (f"{risky} AT RISK" if risky else "all protected"), bool(risky)),
            (f"{_count(len(self.findings), 'policy finding')} ({mandatory} mandatory)" if self.findings
             else "no policy findings", bool(mandatory)),
        ]


def product_reviews(plan: Plan, violations: list[Violation]) -> list[ProductReview]:
    """One review per product the stack builds (its descriptors), sorted by id."""
    grouped = product_resources(plan.document)
    env, platform = plan.settings.environment, plan.settings.platform
    runner_of = runner_lookup(plan.mesh, platform, env)
    reviews = []
    for pid, d in sorted(plan.document.get("outputs", {}).items()):
        decl = plan.mesh.sources[pid].product
        states = grouped.get(d["name"], [])
        who = audience(decl, runner_of, d["project"], f"serviceAccount:{d['runner']}",
                       platform.governance_principal)
        reviews.append(ProductReview(
            pid, decl.display_name, decl.type.value, decl.status.value, decl.team.owner, d["project"],
            resource_kinds(states), access_rows(states, who), safety_rows(states), findings(states, violations)))
    return reviews


def render_text(plan: Plan, violations: list[Violation]) -> str:
    """Plain text for a terminal: aligned columns, no colours."""
    reviews = product_reviews(plan, violations)
    out = [_title(plan, reviews, violations), f"environment {plan.settings.environment}, "
           f"domain {plan.settings.domain}"] + textwrap.wrap(f"NEW = {LEGEND}", WIDTH)
    for r in reviews:
        heading = f"{r.id}: {r.display_name}"
        out += ["", heading, "=" * len(heading),
                f"{r.archetype}, {r.status}; owner {r.owner}; project {r.project}",
                "; ".join(part for part, _ in r.summary()), "", "Resources by kind"]
        out += textwrap.wrap(", ".join(f"{kind} ×{n}" for kind, n in r.kinds), WIDTH,
                             initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False)
        out += ["", "Access matrix"]
        out += _text_table(ACCESS_HEAD, [("NEW" if g.new else "", g.principal, g.who, g.target, g.role,
                                          g.purpose) for g in r.grants])
        out += ["", "Data safety"] + _text_table(SAFETY_HEAD, [_safety_cells(s) for s in r.safety])
        out += ["", "Policy findings"] + (_text_table(FINDING_HEAD, [_finding_cells(v) for v in r.findings])
                                          if r.findings else ["  none"])
    out += _text_others(reviews, violations)
    out += ["", "Lineage (Mermaid)", stack_mermaid(plan.mesh.lineage(), [r.id for r in reviews])]
    return "\n".join(line.rstrip() for line in out).rstrip("\n") + "\n"


def render_markdown(plan: Plan, violations: list[Violation]) -> str:
    """A pull-request comment: title with counts, one section per product, the lineage diagram."""
    reviews = product_reviews(plan, violations)
    out = [f"## {_title(plan, reviews, violations, code=True)}", "",
           f"Environment `{plan.settings.environment}`, domain `{plan.settings.domain}`. "
           f"**new** = {LEGEND}"]
    for r in reviews:
        out += [""] + _md_product(r)
    others = _others(reviews, violations)
    if others:
        out += ["", "### Other policy findings", ""]
        out += md_table(FINDING_HEAD, [_finding_cells(v, md=True) for v in others],
                        _count(len(others), "other policy finding"))
    out += ["", "### Lineage", "", "```mermaid",
            stack_mermaid(plan.mesh.lineage(), [r.id for r in reviews]).rstrip("\n"), "```"]
    return "\n".join(out) + "\n"


def md_table(head: tuple[str, ...], rows: list[tuple[str, ...]], summary: str) -> list[str]:
    """A Markdown table; folded into ``<details>`` when longer than ``FOLD_ROWS`` rows."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if len(rows) <= FOLD_ROWS:
        return lines
    return [f"<details><summary>{_escape(summary)}</summary>", ""] + lines + ["", "</details>"]


def _md_product(r: ProductReview) -> list[str]:
    new = sum(g.new for g in r.grants)
    out = [f"### {_code(r.id)} — {_escape(r.display_name)}", "",
           f"**{r.archetype}** · **{r.status}** · owner {_code(r.owner)} · project {_code(r.project)}", "",
           "; ".join(f"**{_escape(p)}**" if alarm else _escape(p) for p, alarm in r.summary()) + ".", "",
           "**Resources by kind:** " + " · ".join(f"{_escape(kind)} ×{n}" for kind, n in r.kinds)]
    out += _md_block("Access matrix", ACCESS_HEAD, [_grant_cells(g) for g in r.grants],
                     f"{_count(len(r.grants), 'grant')}, {new} new")
    out += _md_block("Data safety", SAFETY_HEAD, [_safety_cells(s, md=True) for s in r.safety], r.summary()[2][0])
    if not r.findings:
        return out + ["", "**Policy findings:** none"]
    return out + _md_block("Policy findings", FINDING_HEAD, [_finding_cells(v, md=True) for v in r.findings],
                           r.summary()[3][0])


def _md_block(label: str, head: tuple[str, ...], rows: list[tuple[str, ...]], counts: str) -> list[str]:
    """A bold label and its table; a folded table carries the label in its summary instead."""
    if len(rows) > FOLD_ROWS:
        return [""] + md_table(head, rows, f"{label}: {counts}")
    return ["", f"**{label}**", ""] + md_table(head, rows, label)


def _grant_cells(g: Grant) -> tuple[str, ...]:
    principal = _code(g.principal)
    return ("**new**" if g.new else "", f"**{principal}**" if g.new else principal, _escape(g.who),
            _escape(g.target), _code(g.role), _escape(g.purpose) or "—")


def _safety_cells(s: Safety, md: bool = False) -> tuple[str, ...]:
    def flag(value: bool) -> str:
        return "yes" if value else ("**no**" if md else "no")
    verdict = f"**{s.verdict}**" if md and s.verdict != "protected" else s.verdict
    if not md:
        return (s.name, s.kind, flag(s.protect), flag(s.retain_on_delete), s.guard, verdict)
    return (_code(s.name), s.kind, flag(s.protect), flag(s.retain_on_delete), _code(s.guard), verdict)


def _finding_cells(v: Violation, md: bool = False) -> tuple[str, ...]:
    if not md:
        return (v.level.upper(), v.rule, resource_name(v.urn), v.message)
    level = f"**{v.level}**" if v.level == MANDATORY else v.level
    return (level, _code(v.rule), _code(resource_name(v.urn)), _escape(v.message))


def _title(plan: Plan, reviews: list[ProductReview], violations: list[Violation], code: bool = False) -> str:
    stack = f"`{plan.stack}`" if code else plan.stack
    new = sum(g.new for r in reviews for g in r.grants)
    mandatory = sum(v.level == MANDATORY for v in violations)
    return (f"meshplane plan {stack}: {_count(len(reviews), 'product')}, "
            f"{_count(sum(r.resources for r in reviews), 'cloud resource')}, {_count(new, 'new grant')}, "
            f"{_count(mandatory, 'mandatory violation')}")


def _others(reviews: list[ProductReview], violations: list[Violation]) -> list[Violation]:
    """Violations of resources outside every product (stack-level resources)."""
    shown = {v for r in reviews for v in r.findings}
    return sorted((v for v in violations if v not in shown), key=lambda v: (v.level != MANDATORY, v.rule, v.urn))


def _text_others(reviews: list[ProductReview], violations: list[Violation]) -> list[str]:
    others = _others(reviews, violations)
    if not others:
        return []
    return ["", "Other policy findings"] + _text_table(FINDING_HEAD, [_finding_cells(v) for v in others])


def _text_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns two spaces apart, a dashed rule under the header, indented."""
    table = [head] + [tuple(" ".join(str(c).split()) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    lines = ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in table]
    lines.insert(1, "  " + "  ".join("-" * w for w in widths))
    return lines


def _escape(text: str) -> str:
    """Safe in a Markdown table cell: one line, pipes escaped, no raw HTML."""
    return " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;")


def _code(text: str) -> str:
    """A code span safe in a table cell (pipes escaped; GitHub unescapes them inside code)."""
    text = " ".join(str(text).split()).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
