"""The plan as a reviewer reads it: per data product, what is created, who gets access, what is
protected and which policies are broken; as terminal text or as a pull-request comment (Markdown).

Rows come from ``review_tables`` (shared by both renderers); the output is deterministic.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from ..governance.inventory import MANDATORY, Violation
from ..settings.platform import is_folder_id
from .review_format import FOLD_ROWS, code, count, escape, md_table, text_table  # noqa: F401 - FOLD_ROWS for tests
from .review_deploy import SIGHT_HEAD, deploy_markdown, deploy_text, sight_rows
from .review_caution import violations_caution
from .review_product_md import product_markdown
from .review_elsewhere import elsewhere_markdown, elsewhere_text
from .review_lineage import LEGEND as LINEAGE_LEGEND, stack_diagrams, stack_mermaid
from .review_s3 import AWS_HEAD, AWS_LABEL, aws_rows
from ..stack.program import effective
from .review_audience import Grant, audience, deployer_principal, runner_lookup
from .review_tables import (
    GOOGLE_MANAGED, POLICY_HEAD, TABLE, Policies, Safety, access_rows, deployed_grants, findings, policy_row,
    product_resources, resource_kinds, resource_name, safety_rows,
)
from .run import Plan
from .shared_grants import binding_resource
from ..stack.tag_bindings import product_tag_bindings

WIDTH = 120  # of the text output's prose lines (tables are as wide as their cells)
LEGEND = ("access for a principal other than the product's own runner, owner, authorized datasets and "
          "routines, service agents, the deploying identity and the platform's governance principal")
FIRST_UP = ("; no deployed state was given (--state), so 'new' is relative to nothing: every consumer grant "
            "counts as new. What this pull request changes is in the diff, relative to the base branch.")
NEXT_UP = ", not in the deployed state this plan is compared to."
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
    sights: list[tuple[str, ...]] = field(default_factory=list)  # who sees what of its tables (review_deploy)
    policies: Policies | None = None  # location, confidentiality, encryption, retention, time travel, usage
    aws: list[tuple[str, str, str, str]] = field(default_factory=list)  # the AWS side of S3 input ports

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
            (f"new access for {count(len(new), 'principal')}" if new else "no new access", bool(new)),
            (f"{count(len(self.safety), 'data-holding resource')}, "
             + (f"{risky} AT RISK" if risky else "all protected"), bool(risky)),
            (f"{count(len(self.findings), 'policy finding')} ({mandatory} mandatory)" if self.findings
             else "no policy findings", bool(mandatory)),
        ]


def product_reviews(plan: Plan, violations: list[Violation]) -> list[ProductReview]:
    """One review per product the stack builds (its descriptors), sorted by id."""
    grouped = product_resources(plan.document)
    env, platform = plan.settings.environment, plan.settings.platform
    runner_of = runner_lookup(plan.mesh, platform, env)
    deployed = deployed_grants(plan.checks)
    reviews = []
    for pid, d in sorted(plan.document.get("outputs", {}).items()):
        decl = effective(plan.mesh.sources[pid].product, plan.mesh, plan.settings)  # as the environment builds it
        states = grouped.get(d["name"], [])
        who = audience(decl, runner_of, d["project"], f"serviceAccount:{d['runner']}",
                       platform.governance_principal, deployer_principal(platform.deployer))
        tables = {f"{s['inputs'].get('project')}.{s['inputs'].get('datasetId')}.{s['inputs'].get('tableId')}"
                  for s in states if s["type"] == TABLE}
        reviews.append(ProductReview(
            pid, decl.display_name, decl.type.value, decl.status.value, decl.team.owner, d["project"],
            resource_kinds(states), access_rows(states + platform_held(plan, pid), who, deployed), safety_rows(states),
            findings(states, violations), sight_rows(plan.checks.sights, tables), policy_row(decl, platform),
            aws_rows(states)))
    return reviews


def platform_held(plan: Plan, pid: str) -> list[dict]:
    """The product's grants on shared tags that the platform stack holds (``sharedGrants: platform``),
    as review states marked so; none when the stack holds them itself."""
    if plan.settings.platform.shared_grants != "platform":
        return []
    bindings = product_tag_bindings(plan.mesh.sources[pid].product, plan.mesh, plan.settings)
    return [{"type": kind, "inputs": {**inputs, "grantedBy": "the platform stack"}}
            for kind, inputs in map(binding_resource, sorted(bindings))]


def render_text(plan: Plan, violations: list[Violation]) -> str:
    """Plain text for a terminal: aligned columns, no colours."""
    reviews = product_reviews(plan, violations)
    out = [_title(plan, reviews, violations), f"environment {plan.settings.environment}, "
           f"domain {plan.settings.domain}{_folder(plan)}"] + textwrap.wrap(f"NEW = {_legend(plan)}", WIDTH)
    for r in reviews:
        heading = f"{r.id}: {r.display_name}"
        out += ["", heading, "=" * len(heading),
                f"{r.archetype}, {r.status}; owner {r.owner}; project {r.project}",
                "; ".join(part for part, _ in r.summary()), "", "Policies"]
        out += text_table(POLICY_HEAD, [_policy_cells(r.policies)]) + ["", "Resources by kind"]
        out += textwrap.wrap(", ".join(f"{kind} ×{n}" for kind, n in r.kinds), WIDTH,
                             initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False)
        out += ["", "Access matrix"]
        out += text_table(ACCESS_HEAD, [("NEW" if g.new else "", g.principal, g.who, g.target, g.role,
                                          g.purpose) for g in r.grants])
        out += ["", "Who sees the data (rows and tagged columns, as BigQuery decides per caller)"]
        out += text_table(SIGHT_HEAD, r.sights) if r.sights else ["  no data table"]
        out += ["", "Data safety"] + text_table(SAFETY_HEAD, [_safety_cells(s) for s in r.safety])
        out += ["", "Policy findings"] + (text_table(FINDING_HEAD, [_finding_cells(v) for v in r.findings])
                                          if r.findings else ["  none"])
        out += ["", AWS_LABEL] + text_table(AWS_HEAD, r.aws) if r.aws else []
    out += _text_others(reviews, violations)
    out += elsewhere_text(plan.elsewhere)
    out += deploy_text(plan.checks)
    out += ["", "Lineage (Mermaid)", stack_mermaid(plan.mesh.lineage(), [r.id for r in reviews])]
    return "\n".join(line.rstrip() for line in out).rstrip("\n") + "\n"


def render_markdown(plan: Plan, violations: list[Violation]) -> str:
    """A pull-request comment: title with counts, one section per product, the lineage diagram."""
    reviews = product_reviews(plan, violations)
    out = [*violations_caution(violations), f"## {_title(plan, reviews, violations, code=True)}", "",
           f"Environment `{plan.settings.environment}`, domain `{plan.settings.domain}`"
           f"{_folder(plan, md=True)}. "
           f"**new** = {_legend(plan)}"]
    for r in reviews:
        out += [""] + product_markdown(r)
    others = _others(reviews, violations)
    if others:
        out += ["", "### Other policy findings", ""]
        out += md_table(FINDING_HEAD, [_finding_cells(v, md=True) for v in others],
                        count(len(others), "other policy finding"))
    out += elsewhere_markdown(plan.elsewhere)
    out += deploy_markdown(plan.checks)
    out += ["", "### Lineage", "", LINEAGE_LEGEND]
    for diagram in stack_diagrams(plan.mesh.lineage(), [r.id for r in reviews]):
        out += ["", "```mermaid", diagram.rstrip("\n"), "```"]
    return "\n".join(out) + "\n"


def _folder(plan: Plan, md: bool = False) -> str:
    """The domain's folder when given by display path: its id is looked up at deploy, unknown here."""
    folder = plan.settings.platform.folders.get(plan.settings.domain)
    if folder is None or is_folder_id(folder):
        return ""
    shown = code(folder) if md else folder
    return f", folder {shown} (its id is looked up when the stack deploys: unknown in this plan)"


def _legend(plan: Plan) -> str:
    return LEGEND + (FIRST_UP if plan.checks.changes is None else NEXT_UP)


def _policy_cells(p: Policies, md: bool = False) -> tuple[str, ...]:
    if not md:
        return (p.location, p.confidentiality, f"CMEK {p.kms_key}" if p.kms_key else GOOGLE_MANAGED, p.retention,
                p.time_travel, p.usage_restrictions)
    return (code(p.location), escape(p.confidentiality), f"CMEK {code(p.kms_key)}" if p.kms_key else GOOGLE_MANAGED,
            escape(p.retention), escape(p.time_travel), escape(p.usage_restrictions))


def _safety_cells(s: Safety, md: bool = False) -> tuple[str, ...]:
    def flag(value: bool) -> str:
        return "yes" if value else ("**no**" if md else "no")
    verdict = f"**{s.verdict}**" if md and s.verdict != "protected" else s.verdict
    if not md:
        return (s.name, s.kind, flag(s.protect), flag(s.retain_on_delete), s.guard, verdict)
    return (code(s.name), s.kind, flag(s.protect), flag(s.retain_on_delete), code(s.guard), verdict)


def _finding_cells(v: Violation, md: bool = False) -> tuple[str, ...]:
    if not md:
        return (v.level.upper(), v.rule, resource_name(v.urn), v.message)
    level = f"**{v.level}**" if v.level == MANDATORY else v.level
    return (level, code(v.rule), code(resource_name(v.urn)), escape(v.message))


def _title(plan: Plan, reviews: list[ProductReview], violations: list[Violation], code: bool = False) -> str:
    stack = f"`{plan.stack}`" if code else plan.stack
    new = sum(g.new for r in reviews for g in r.grants)
    mandatory = sum(v.level == MANDATORY for v in violations)
    return (f"meshplane plan {stack}: {count(len(reviews), 'product')}, "
            f"{count(sum(r.resources for r in reviews), 'cloud resource')}, {count(new, 'new grant')}, "
            f"{count(mandatory, 'mandatory violation')}")


def _others(reviews: list[ProductReview], violations: list[Violation]) -> list[Violation]:
    """Violations of resources outside every product (stack-level resources)."""
    shown = {v for r in reviews for v in r.findings}
    return sorted((v for v in violations if v not in shown), key=lambda v: (v.level != MANDATORY, v.rule, v.urn))


def _text_others(reviews: list[ProductReview], violations: list[Violation]) -> list[str]:
    others = _others(reviews, violations)
    if not others:
        return []
    return ["", "Other policy findings"] + text_table(FINDING_HEAD, [_finding_cells(v) for v in others])
