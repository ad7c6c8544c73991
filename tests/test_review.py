"""The plan review (``meshplane plan --format text|markdown``): golden files and what a reviewer relies on.

The golden files ``tests/golden/podcast-prod.{md,txt}`` are the review of the ``podcast-prod`` stack.
Regenerate with ``MESHPLANE_UPDATE_GOLDEN=1 pytest tests/test_review.py`` and read the diff as a
reviewer would.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
from pathlib import Path

import pytest

from meshplane.product import addresses
from meshplane.governance.inventory import ADVISORY, MANDATORY, Violation, resources_from_document
from meshplane.governance.inventory_check import check_inventory
from meshplane.plan.review import FOLD_ROWS, md_table, product_reviews, render_markdown, render_text
from meshplane.plan.review_lineage import stack_lineage
from meshplane.plan.review_audience import OWN
from meshplane.plan.review_tables import DATASET, Policies, policy_row, product_resources
from meshplane.declaration.loader import load_declaration
from meshplane.settings.stack_config import load_stack
from meshplane.plan.command import render
from meshplane.plan.run import Plan, plan_stack

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MESHPLANE_UPDATE_GOLDEN") == "1"
STACK = "podcast-prod"
DEMOGRAPHICS = "podcast.podcast-demographics"


@pytest.fixture(scope="module")
def planned() -> tuple[Plan, list[Violation]]:
    plan = plan_stack(STACK, ROOT / "stacks")
    return plan, check_inventory(resources_from_document(plan.document), plan.settings.platform.governance)


@pytest.fixture(scope="module")
def markdown(planned) -> str:
    return render_markdown(*planned)


@pytest.fixture(scope="module")
def text(planned) -> str:
    return render_text(*planned)


def review_of(planned, product_id: str, violations: list[Violation] | None = None):
    plan, found = planned
    return next(r for r in product_reviews(plan, found if violations is None else violations)
                if r.id == product_id)


def section(markdown: str, product_id: str) -> str:
    """The Markdown of one product, from its ``###`` heading to the next heading."""
    start = markdown.index(f"### `{product_id}`")
    end = markdown.find("\n### ", start + 1)
    return markdown[start:end if end >= 0 else None]


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with MESHPLANE_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed; regenerate with MESHPLANE_UPDATE_GOLDEN=1"


def test_markdown_golden(markdown):
    golden(f"{STACK}.md", markdown)


def test_text_golden(text):
    golden(f"{STACK}.txt", text)


def test_json_golden(planned):
    golden(f"{STACK}.json", render(*planned, "json"))


def test_rendering_is_deterministic_and_plain(planned, markdown, text):
    assert render_markdown(*planned) == markdown and render_text(*planned) == text
    assert "\x1b" not in text and "\x1b" not in markdown


def test_markdown_title_counts(markdown):
    title = markdown.splitlines()[0]
    assert title.startswith(f"## meshplane plan `{STACK}`: 2 products, ")
    assert re.search(r"\d+ cloud resources, \d+ new grants, 0 mandatory violations$", title)


def test_analysts_read_demographics_for_their_purpose(planned, markdown):
    grants = review_of(planned, DEMOGRAPHICS).grants
    analysts = [g for g in grants if g.principal == "group:podcast-analysts@daff.example" and g.role == "READER"]
    assert [(g.target, g.purpose, g.who, g.new) for g in analysts] == [
        ("demographics v1", "Weekly editorial reporting.", "consumer", True)]
    part = section(markdown, DEMOGRAPHICS)
    assert ("| **new** `podcast-analysts@daff.example` (group) | demographics v1 | reads | "
            "Weekly editorial reporting. |") in part
    assert "| **new** `podcast-analysts@daff.example` (group) | demographics v1 | all rows |" in part
    # masked or raw PII in words, never as a role id (the ids are in the folded plumbing)
    assert "masking policy confidential_sha256, granted by the platform stack | PII masked | Weekly" in part
    assert "maskedReader" not in part.split("<details>")[0]


def test_consuming_product_is_granted_through_its_runner(planned):
    plan, _ = planned
    runner = addresses.runner_principal(plan.mesh.sources["playlist.monday-playlists"].product,
                                        plan.settings.platform, plan.settings.environment)
    rows = [g for g in review_of(planned, DEMOGRAPHICS).grants if g.principal == runner]
    assert {(g.who, g.target, g.role) for g in rows} >= {
        ("runner of playlist.monday-playlists", "demographics v1", "READER")}
    assert all(g.new and g.purpose == "Podcast recommendations in the Monday playlists." for g in rows)


def test_each_product_shows_its_policies_as_the_components_apply_them(planned, markdown, text):
    plan, _ = planned
    policies = review_of(planned, DEMOGRAPHICS).policies
    key = plan.settings.platform.kms_keys["EU"]
    encryption = named_key(planned, "podcast-demographics")
    assert policies == Policies("EU", "internal", key, "P3Y", "No attempt to re-identify listeners. Internal "
                                "purposes only; no redistribution outside DAFF.", "168 h + 7 d fail-safe")
    assert f"{plan.settings.platform.max_time_travel_hours} h" in policies.time_travel  # where erased rows linger
    assert encryption == key  # the key the product's datasets default to, from the same platform setting
    part = section(markdown, DEMOGRAPHICS)
    assert f"| encryption | CMEK `{key}` |" in part and "| time travel | 168 h + 7 d fail-safe |" in part
    assert ("| usage restrictions | No attempt to re-identify listeners. Internal purposes only; no redistribution "
            "outside DAFF. |") in part
    catalog = review_of(planned, "podcast.podcast-catalog").policies
    assert (catalog.kms_key, catalog.confidentiality) == (None, "public")
    assert re.search(r"\n  EU +public +Google-managed +P10Y +168 h \+ 7 d fail-safe +Titles are licensed", text)


def test_a_port_that_keeps_data_otherwise_shows_its_retention_and_none_is_kept():
    platform = load_stack("listener-prod", ROOT / "stacks").platform
    profiles = load_declaration(str(ROOT / "blueprints/listener/listener-profiles.yaml"))
    assert policy_row(profiles, platform).retention == "P2Y; profiles v1: P90D"
    kept = profiles.model_copy(update={"policies": profiles.policies.model_copy(update={"retention": None})})
    assert policy_row(kept, platform).retention == "kept (no expiry); profiles v1: P90D"
    assert policy_row(profiles, platform).usage_restrictions.startswith("GDPR - process only")


def named_key(planned, product: str) -> str:
    """The default key of the product's internal dataset, as planned."""
    plan, _ = planned
    [ds] = [s["newState"]["inputs"] for s in plan.document["steps"] if s["newState"]["type"] == DATASET
            and s["newState"]["inputs"]["datasetId"] == f"{product.replace('-', '_')}_internal"]
    return ds["defaultEncryptionConfiguration"]["kmsKeyName"]


def test_own_identities_are_not_new(planned):
    review = review_of(planned, DEMOGRAPHICS)
    own = {g.who for g in review.grants if not g.new}
    assert own == {"runner", "owner", "authorized dataset", "authorized routine", "invoker", "service agent",
                   "governance", "deployer"}
    deployer = {(g.principal, g.role) for g in review.grants if g.who == "deployer"}
    assert deployer == {("serviceAccount:meshplane-deployer@daff-platform.iam.gserviceaccount.com", "OWNER")}
    assert all(g.principal != review.owner for g in review.grants if g.new)
    new_first = [g.new for g in review.grants]
    assert new_first == sorted(new_first, reverse=True)


def test_data_safety_lists_every_dataset_as_protected(planned):
    plan, _ = planned
    states = product_resources(plan.document)["podcast-demographics"]
    datasets = {s["inputs"]["datasetId"] for s in states if s["type"] == DATASET}
    safety = review_of(planned, DEMOGRAPHICS).safety
    assert datasets == {"podcast_demographics_internal", "podcast_demographics_demographics_v1",
                        "podcast_demographics_control", "podcast_demographics_control_ledger",
                        "audit_daff_prod_podcast_podca_d278f6_podcast_demographics"}
    assert {s.name for s in safety if s.kind.startswith("Dataset")} == datasets
    assert all(s.verdict == "protected" for s in safety)
    assert {s.kind for s in safety} >= {"Project", "Port table"}


def test_unprotected_dataset_is_at_risk(planned):
    plan, violations = planned
    document = copy.deepcopy(plan.document)
    step = next(s for s in document["steps"] if s["urn"].endswith("::podcast-demographics-storage-internal")
                and s["newState"]["type"] == DATASET)
    step["newState"]["retainOnDelete"] = False
    markdown = render_markdown(dataclasses.replace(plan, document=document), violations)
    part = section(markdown, DEMOGRAPHICS)
    # with the erasure ledger (in its dataset) and the audit dataset
    assert "**8 data-holding resources, 1 AT RISK**" in part.split("\n\n")[2]
    # only the exception gets a row, with what it lacks
    assert "**Data safety: 1 of 8 data-holding resources AT RISK** (the others are protected)" in part
    assert "| `podcast_demographics_internal` | Dataset (internal) | **retainOnDelete** |" in part
    assert "| `podcast_demographics_demographics_v1` |" not in part


def test_resources_are_grouped_by_product(planned):
    plan, _ = planned
    grouped = product_resources(plan.document)
    assert sorted(grouped) == ["podcast-catalog", "podcast-demographics"]
    for name, states in grouped.items():
        assert all(s["urn"].rsplit("::", 1)[-1].startswith(name) for s in states)
    counted = sum(len(states) for states in grouped.values())
    assert counted == len(plan.document["steps"]) - 2  # all but the stack and the provider


def test_resources_by_kind_in_words(planned, markdown):
    kinds = dict(review_of(planned, DEMOGRAPHICS).kinds)
    assert kinds["BigQuery dataset"] == 5 and kinds["BigQuery view"] == 1 and kinds["Row access policy"] == 2
    assert kinds["BigQuery routine"] == 2 and kinds["Log sink"] == 1  # erase_subject, who_read_my_ports
    assert "BigQuery dataset ×5" in section(markdown, DEMOGRAPHICS)


def test_mermaid_lineage_of_the_stack_and_its_neighbours(planned, markdown):
    block = re.search(r"```mermaid\nflowchart TB\n(.*?)```", markdown, re.S)
    assert block, "no mermaid block"
    plan, _ = planned
    products = {n.label for n in stack_lineage(plan.mesh.lineage(), ["podcast.podcast-catalog", DEMOGRAPHICS]).nodes
                if n.kind == "product"}
    assert products == {"podcast.podcast-catalog", DEMOGRAPHICS, "listener.listener-demographics",
                        "playlist.monday-playlists", "playlist.year-in-review"}
    assert "n_listener_clistener_hdemographics_cdemographics_cv1 -->|listener_demographics|" in block.group(1)
    assert "  class n_podcast_cpodcast_hcatalog,n_podcast_cpodcast_hdemographics stack" in block.group(1)
    assert "charts" not in block.group(1)


def test_long_tables_fold():
    rows = [(str(i), "x|y") for i in range(FOLD_ROWS + 1)]
    folded = md_table(("a", "b"), rows, "Eleven rows")
    assert folded[0] == "<details><summary>Eleven rows</summary>" and folded[-1] == "</details>"
    assert not md_table(("a", "b"), rows[:FOLD_ROWS], "Ten rows")[0].startswith("<details>")


def test_long_access_matrix_folds_in_the_review(planned, markdown):
    grants = review_of(planned, DEMOGRAPHICS).grants
    assert len(grants) > FOLD_ROWS
    part = section(markdown, DEMOGRAPHICS)
    consumers = [g for g in grants if g.who not in OWN]
    new = sum(g.new for g in consumers)
    # consumers open, first; the product's own identities folded as plumbing
    assert f"**Consumers: {len(consumers)} grants, {new} new**" in part
    assert part.index("**Consumers") < part.index("| **new** ") < part.index("<details>")
    plumbing = len(grants) - len(consumers)
    assert f"<details><summary>Plumbing: {plumbing} grants to the product's own identities" in part
    assert "**Data safety:** all 8 data-holding resources protected" in part


def test_hand_built_violation_shows_under_policy_findings(planned):
    plan, _ = planned
    urn = next(s["urn"] for s in plan.document["steps"]
               if s["urn"].endswith("::podcast-demographics-storage-internal") and s["newState"]["type"] == DATASET)
    violations = [Violation("zz-advisory", ADVISORY, urn, "a hint"),
                  Violation("no-pipes", MANDATORY, urn, "a | b is not allowed")]
    markdown = render_markdown(plan, violations)
    part = section(markdown, DEMOGRAPHICS)
    lines = markdown.splitlines()
    # the comment starts with a caution block listing each mandatory violation, then the title
    assert lines[:4] == ["> [!CAUTION]", "> **1 mandatory policy violation: the check fails until they are fixed**",
                         ">", "> - `podcast-demographics-storage-internal`: **no-pipes**: a \\| b is not allowed"]
    assert next(x for x in lines if x.startswith("## ")).endswith("1 mandatory violation")
    findings = part[part.index("**Policy findings: 2 findings**"):]
    assert ("| **no-pipes** (mandatory) | `podcast-demographics-storage-internal` | a \\| b is not allowed |"
            in findings)
    assert findings.index("no-pipes") < findings.index("zz-advisory")
    assert "**Policy findings:** none" in section(markdown, "podcast.podcast-catalog")
    text = render_text(plan, violations)
    assert re.search(r"MANDATORY\s+no-pipes\s+podcast-demographics-storage-internal\s+a \| b is not allowed", text)


def test_stack_level_violation_is_not_lost(planned):
    plan, _ = planned
    stack_urn = plan.document["steps"][0]["urn"]
    markdown = render_markdown(plan, [Violation("stack-rule", MANDATORY, stack_urn, "on the stack")])
    assert "### Other policy findings" in markdown and "on the stack" in markdown
