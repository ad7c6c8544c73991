"""The diff as the pull-request comment shows it: the summary by principal first (``diff_summary``),
then narrow tables — access by principal, port contracts, data loss, policy violations — and a folded
appendix with what only the platform needs: Pulumi resource names, URNs' names, full principal ids,
plumbing grants (runners, owners, service agents, authorized datasets) and every other change."""

from __future__ import annotations

from .contract_render import contract_markdown
from .diff import DATA_LOSS, NARROWED, POLICY, REPLACE, WIDENED, Change, DiffResult
from .diff_diagram import LEGEND, changed_products
from .diff_principals import PrincipalChange
from .diff_summary import BASE_NOTE, owner, summary_markdown
from .principal_names import short_principal, terms
from .review_format import code, count, escape

DETAILS_AT = 10  # tables longer than this are folded into <details>
APPENDIX_TITLES = {WIDENED: "Grants added", NARROWED: "Grants removed"}


def diff_markdown(result: DiffResult, headline: str, listed: list[Change]) -> str:
    """The whole diff section; ``listed``: the changed resources (not ``same``), sorted by URN."""
    out = [f"### meshplane diff: {headline}", "", *summary_markdown(result), "", f"<sub>{BASE_NOTE}</sub>"]
    touched = changed_products(result)  # hidden: the comment's size budget cuts their detail last
    out += ["", f"<!-- meshplane:changed {' '.join(touched)} -->"] if touched else []
    out += _principal_table(result.principals)
    out += _diagrams(result.diagrams)
    out += contract_markdown(result.contracts)
    lost = sorted(result.flagged(DATA_LOSS), key=lambda c: c.urn)
    if lost:
        rows = [f"| {code(c.name)} | `{owner(c, result)}` | {escape(why_data_loss(c))} |" for c in lost]
        out += ["", f"#### Data loss ({len(lost)})", ""] + fold(["| Resource | Product | Why |", "|---|---|---|", *rows])
    broken = [(c, v) for c in sorted(result.flagged(POLICY), key=lambda c: c.urn) for v in c.violations]
    if broken:
        rows = [f"| **{escape(v.rule)}** ({v.level}) | {code(c.name)} | {escape(v.message)} |" for c, v in broken]
        out += ["", f"#### Policy violations ({len(broken)})", ""]
        out += fold(["| Rule | Resource | Message |", "|---|---|---|", *rows])
    return "\n".join(out + _appendix(result, listed)) + "\n"


def _principal_table(changes: list[PrincipalChange]) -> list[str]:
    rows = []
    for c in changes:
        who = short_principal(c.principal, c.consumer)
        rows += [f"| {who} | **gains** {terms(r)} | `{r['product']}` {r['port']} | {_purpose(r)} |" for r in c.gained]
        rows += [f"| {who} | **widens** to {terms(n)} (was {terms(o)}) | `{n['product']}` {n['port']} | "
                 f"{_purpose(n)} |" for o, n in c.widened]
        rows += [f"| {who} | changes to {terms(n)} (was {terms(o)}) | `{n['product']}` {n['port']} | "
                 f"{_purpose(n)} |" for o, n in c.narrowed]
        rows += [f"| {who} | moved, same terms | `{n['product']}` {o['port']} → {n['port']} | {_purpose(n)} |"
                 for o, n in c.moved]
        rows += [f"| {who} | **loses** | `{r['product']}` {r['port']} | {_purpose(r)} |" for r in c.lost]
    if not rows:
        return []
    return ["", f"#### Access by principal ({count(len(changes), 'principal')})", "",
            *fold(["| Principal | Access | Port | Purpose |", "|---|---|---|---|", *rows])]


def _diagrams(diagrams: list[str]) -> list[str]:
    if not diagrams:
        return []
    out = ["", f"#### What changes, drawn ({count(len(diagrams), 'diagram')})", "", f"<sub>{LEGEND}</sub>"]
    for diagram in diagrams:
        out += ["", "```mermaid", diagram.rstrip("\n"), "```"]
    return out


def _purpose(record: dict) -> str:
    return escape(record["purpose"]) or "—"


def why_data_loss(c: Change) -> str:
    """Why one resource loses data, in plain words."""
    if c.op == "delete":
        why = ["deleted with its data"]
    elif c.replace_keys:
        why = ["replaced (its data is not copied): " + ", ".join(c.replace_keys) + " cannot change in place"]
    else:
        why = [f"updated in place: {lost}" for lost in c.lost_data]
        why += ["loses its protection: " + ", ".join(c.lost_guards)] if c.lost_guards else []
    if c.op == "update":
        return "; ".join(why)
    notes = ["protected, so `pulumi up` stops before deleting it"] if c.protected else []
    notes += ["retainOnDelete: once deleted, the old one stays in GCP outside the stack"] if c.retained else []
    return "; ".join([*why, *notes])


def _appendix(result: DiffResult, listed: list[Change]) -> list[str]:
    """Resource-level changes, folded: grants added and removed (full ids), every other change."""
    out = []
    for flag, attr in ((WIDENED, "gained"), (NARROWED, "lost")):
        flagged = sorted(result.flagged(flag), key=lambda c: c.urn)
        rows = [f"| `{escape(g.principal)}` | {escape(g.role)} on {escape(g.target)} | {c.op} `{escape(c.name)}` |"
                for c in flagged for g in getattr(c, attr)]
        if rows:
            out += ["", f"#### {APPENDIX_TITLES[flag]} ({len(rows)})", "",
                    "| Principal | Role on | Resource |", "|---|---|---|", *rows]
    rest = [c for c in listed if not c.flags]
    if rest:
        rows = [f"| {c.op}{', deleted first' if c.op == REPLACE and c.delete_first else ''} | `{escape(c.name)}` | "
                f"{escape(', '.join(c.changed_inputs)) or '—'} |" for c in rest]
        out += ["", f"#### Other changes ({len(rest)})", "", "| Op | Resource | Changed inputs |", "|---|---|---|", *rows]
    if not out:
        return []
    return ["", f"<details><summary>Appendix: resource-level changes ({count(len(listed), 'resource')}; "
            "Pulumi names, full principal ids, plumbing)</summary>", *out, "", "</details>"]


def fold(table: list[str]) -> list[str]:
    rows = len(table) - 2
    if rows <= DETAILS_AT:
        return table
    return [f"<details open><summary>{rows} rows</summary>", "", *table, "", "</details>"]
