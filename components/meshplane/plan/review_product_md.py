"""One data product's section of the pull-request review, narrow enough for GitHub's ~900 px column:
its consumers open (4 columns, short principals, access in words: raw or masked PII, rows), plumbing
folded (runner, owner, service agents, authorized datasets, deployer, governance), an all-protected
data-safety table as one line with rows only for the exceptions, findings as a short table."""

from __future__ import annotations

from ..governance.inventory import MANDATORY, Violation
from .principal_names import short_principal
from .review_audience import OWN, Grant
from .review_deploy import SIGHT_HEAD
from .review_format import code, count, escape, md_table
from .review_s3 import AWS_HEAD, AWS_LABEL
from .review_tables import GOOGLE_MANAGED, POLICY_HEAD, Policies, Safety, resource_name

CONSUMER_HEAD = ("principal", "access to", "access", "purpose")
PLUMBING_HEAD = ("principal", "who", "access to", "role")
EXCEPTION_HEAD = ("resource", "kind", "missing")
FINDING_HEAD = ("rule", "resource", "message")
ROLE_WORDS = {
    "READER": "reads", "WRITER": "writes", "OWNER": "owns",
    "roles/bigquerydatapolicy.maskedReader": "PII masked",
    "roles/datacatalog.categoryFineGrainedReader": "**raw (unmasked) PII**",
    "roles/bigquery.dataViewer": "reads", "roles/bigquery.jobUser": "runs queries",
}


def product_markdown(r) -> list[str]:
    """The section of one ``review.ProductReview``."""
    out = [f"### {code(r.id)} — {escape(r.display_name)}", "",
           f"**{r.archetype}** · **{r.status}** · owner {code(r.owner)} · project {code(r.project)}", "",
           "; ".join(f"**{escape(p)}**" if alarm else escape(p) for p, alarm in r.summary()) + "."]
    out += _consumers([g for g in r.grants if g.who not in OWN])
    out += _safety(r.safety)
    out += _findings(r.findings)
    out += _aws(r.aws)
    out += _folded("Policies", md_table(("policy", "value"), list(zip(POLICY_HEAD, policy_cells(r.policies))),
                                        "Policies", fold=False))
    out += _folded(f"Who sees the data: {count(len(r.sights), 'reader')}",
                   md_table(SIGHT_HEAD, [_sight_cells(row) for row in r.sights], "readers", fold=False))
    plumbing = [g for g in r.grants if g.who in OWN]
    out += _folded(f"Plumbing: {count(len(plumbing), 'grant')} to the product's own identities (runner, owner, "
                   "service agents, authorized datasets, deployer, governance)",
                   md_table(PLUMBING_HEAD, [_plumbing_cells(g) for g in plumbing], "plumbing", fold=False))
    kinds = " · ".join(f"{escape(kind)} ×{n}" for kind, n in r.kinds)
    return out + _folded(f"Resources by kind: {r.resources}", [kinds])


def _aws(rows: list[tuple[str, ...]]) -> list[str]:
    """What the owners of S3 sources must configure on the AWS side: open, the transfer fails without it."""
    if not rows:
        return []
    label = f"{AWS_LABEL}: {count(len(rows), 'S3 source')}"
    return ["", f"**{label}**", ""] + md_table(AWS_HEAD, [tuple(escape(c) for c in row) for row in rows], label,
                                                fold=False)


def role_words(role: str) -> str:
    """A role in words: ``READER`` reads, the masked reader reads PII masked, the fine-grained reader
    raw (unmasked) PII, a row policy its rows; others as given."""
    return ROLE_WORDS.get(role, role if role.startswith(("rows where", "all rows")) else f"`{role}`")


def _consumers(grants: list[Grant]) -> list[str]:
    if not grants:
        return ["", "**Consumers:** none"]
    rows = [(("**new** " if g.new else "") + short_principal(g.principal, _consumer(g)), escape(g.target),
             role_words(g.role) if g.role in ROLE_WORDS else escape(role_words(g.role)), escape(g.purpose) or "—")
            for g in grants]
    new = sum(g.new for g in grants)
    label = f"Consumers: {count(len(grants), 'grant')}, {new} new"
    return ["", f"**{label}**", ""] + md_table(CONSUMER_HEAD, rows, label, fold=False)


def _consumer(g: Grant) -> str:
    return g.who.removeprefix("runner of ") if g.who.startswith("runner of ") else ""


def _sight_cells(row: tuple[str, ...]) -> tuple[str, ...]:
    table, principal, *rest = row
    return (escape(table), short_principal(principal) if ":" in principal else escape(principal), *map(escape, rest))


def _plumbing_cells(g: Grant) -> tuple[str, ...]:
    return (short_principal(g.principal) if ":" in g.principal else code(g.principal), escape(g.who),
            escape(g.target), code(g.role))


def _safety(rows: list[Safety]) -> list[str]:
    exceptions = [s for s in rows if s.verdict != "protected"]
    if not exceptions:
        return ["", f"**Data safety:** all {count(len(rows), 'data-holding resource')} protected "
                "(`protect` and `retainOnDelete`: Pulumi refuses to delete them, and a removal leaves them in GCP)."]
    cells = [(code(s.name), escape(s.kind), ", ".join(f"**{flag}**" for flag, on in
                                                      (("protect", s.protect), ("retainOnDelete", s.retain_on_delete))
                                                      if not on)) for s in exceptions]
    return ["", f"**Data safety: {len(exceptions)} of {count(len(rows), 'data-holding resource')} AT RISK** "
            "(the others are protected)", ""] + md_table(EXCEPTION_HEAD, cells, "at risk")


def _findings(found: list[Violation]) -> list[str]:
    if not found:
        return ["", "**Policy findings:** none"]
    rows = [(f"**{escape(v.rule)}** ({v.level})" if v.level == MANDATORY else f"{escape(v.rule)} ({v.level})",
             code(resource_name(v.urn)), escape(v.message)) for v in found]
    return ["", f"**Policy findings: {count(len(found), 'finding')}**", ""] + md_table(FINDING_HEAD, rows, "findings")


def _folded(summary: str, lines: list[str]) -> list[str]:
    return ["", f"<details><summary>{escape(summary)}</summary>", "", *lines, "", "</details>"]


def policy_cells(p: Policies) -> tuple[str, ...]:
    return (code(p.location), escape(p.confidentiality), f"CMEK {code(p.kms_key)}" if p.kms_key else GOOGLE_MANAGED,
            escape(p.retention), escape(p.time_travel), escape(p.usage_restrictions))

