"""The pull-request comment (issue 18): always posted, a summary by principal first, narrow tables,
diagrams that cannot collide, a size budget. Render tests of the Markdown for real blueprint edits.

Mocks are not GCP: the comment says what the plans of the two branches differ in, not what is deployed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from diff_support import (CATALOG, DEMOGRAPHICS, YEAR_IN_REVIEW, add_consumer, copy_mesh, edit_declaration,
                          output_port, read_renamed_port, rename_port, scenario)
from meshplane.cli.main import main
from meshplane.plan.diff import diff_documents
from meshplane.plan.diff_principals import compare_principals
from meshplane.plan.diff_render import render_markdown
from meshplane.plan.principal_names import short_principal
from meshplane.mesh.lineage import Node, mermaid_id
from meshplane.plan.command import render
from meshplane.plan.comment_budget import DEFAULT_LIMIT, GITHUB_LIMIT, compose, fit
from meshplane.plan.review_lineage import MAX_PRODUCTS
from meshplane.plan.run import plan_stack

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.generate import write_repo  # noqa: E402 - the benchmark's synthetic meshes


def _outsider(data: dict) -> None:
    output_port(data, "demographics")["consumers"].append(
        {"principal": "group:ad-sales@elsewhere.example", "purpose": "Advertising packages."})


def test_a_policy_violation_still_writes_a_caution_review_and_exits_1(tmp_path):
    root = copy_mesh(tmp_path / "repo")
    edit_declaration(DEMOGRAPHICS, _outsider)(root)
    review = tmp_path / "review.md"
    result = CliRunner().invoke(main, ["plan", "--stack", "podcast-prod", "--stacks-dir", str(root / "stacks"),
                                       "--format", "markdown", "-o", str(review)])
    assert result.exit_code == 1
    text = review.read_text()
    assert text.splitlines()[2] == "> [!CAUTION]"
    line = next(x for x in text.splitlines() if "elsewhere.example" in x)
    assert re.match(r"> - `\S*blueprints/podcast/podcast-demographics\.yaml:\d+`: `outputPorts\.", line), line
    assert "outside the organisation's domains" in line
    assert "principal outside the organisation's domains" in result.stderr  # the log says it too


def test_a_missing_side_of_the_diff_is_a_warning_not_an_empty_comment(tmp_path):
    out = tmp_path / "diff.md"
    (tmp_path / "base.json").write_text('{"steps": []}')
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "base.json"), str(tmp_path / "head.json"),
                                       "--format", "markdown", "-o", str(out)])
    assert result.exit_code == 2
    text = out.read_text()
    assert "> [!WARNING]" in text and "The head plan" in text and "head.json: no such file" in text


# --- the diff's first screen: a summary by principal (real blueprint edits of podcast-prod) ---

def _summary(markdown: str) -> list[str]:
    """The bullets before the first table: what a reviewer reads first."""
    return [line for line in markdown.split("\n\n<sub>", 1)[0].splitlines() if line.startswith("- ")]


def _diff(tmp_path, *edits):
    result = diff_documents(*scenario(tmp_path, *edits))
    return result, render_markdown(result)


def test_a_new_consumer_is_one_principal_with_its_port_pii_rows_and_purpose(tmp_path):
    result, markdown = _diff(tmp_path, edit_declaration(DEMOGRAPHICS, add_consumer))
    assert _summary(markdown) == [
        "- **1 principal gains access**: `ad-sales@daff.example` (group) reads `podcast.podcast-demographics` "
        "**demographics v1** (PII masked, all rows) for “Advertising packages.”"]
    assert "| `ad-sales@daff.example` (group) | **gains** PII masked, all rows | `podcast.podcast-demographics` " \
           "demographics v1 | Advertising packages. |" in markdown
    assert "relative" not in markdown.split("<sub>")[0] and "compared with the **base branch**" in markdown


@pytest.fixture(scope="module")
def rename(tmp_path_factory):
    """The pull request of issue 18: a port renamed (its reader follows) and one new consumer."""
    return _diff(tmp_path_factory.mktemp("rename"), edit_declaration(CATALOG, rename_port),
                 edit_declaration(YEAR_IN_REVIEW, read_renamed_port), edit_declaration(DEMOGRAPHICS, add_consumer))


def test_a_port_rename_is_a_move_of_its_readers_with_its_data_loss_and_way_forward(rename):
    result, markdown = rename
    gains, ports, loss = _summary(markdown)
    assert gains.startswith("- **1 principal gains access**: `ad-sales@daff.example` (group)")  # not 3, not 9
    assert ports.startswith("- **Ports**: `podcast.podcast-catalog` **episodes v1** is renamed to "
                            "**episode_catalog v1**: its 2 readers move with it. **Refused**")
    assert "because port episodes v1 is renamed to episode_catalog v1" in loss
    assert "new major side by side" in loss and "`approve-data-loss`, which unblocks the check" in loss
    moved = [c.principal for c in result.principals if c.moved]
    assert moved == ["group:all-employees@daff.example",
                     "serviceAccount:run-year-in-review@daff-prod-playlist-year-0015af.iam.gserviceaccount.com"]
    assert "| `playlist.year-in-review` (its runner) | moved, same terms | `podcast.podcast-catalog` " \
           "episodes v1 → episode_catalog v1 |" in markdown
    # Pulumi names and full principal ids only in the folded appendix
    head, appendix = markdown.split("<details><summary>Appendix", 1)
    assert "iam.gserviceaccount.com" not in head and "reader-serviceAccount" in appendix


def test_the_change_is_drawn_with_what_changed_marked(rename):
    result, markdown = rename
    [diagram] = result.diagrams
    assert diagram.startswith("flowchart TB\n")
    assert "  class n_podcast_cpodcast_hcatalog_cepisode__catalog_cv1 added" in diagram
    assert "  class n_podcast_cpodcast_hcatalog_cepisodes_cv1 removed" in diagram
    assert '-->|gains| p_group_cad_hsales_x40_daff_dexample["ad-sales@daff.example"]' in diagram
    assert "classDef changed" in diagram and "thick amber border = a product this change touches" in markdown
    assert "charts" not in diagram  # only the changed products and their neighbours


def test_a_dropped_column_says_breaking_and_data_loss_in_plain_words(tmp_path):
    def drop(data: dict) -> None:
        port = output_port(data, "demographics")
        port["schema"] = [c for c in port["schema"] if c["name"] != "listeners"]
    _, markdown = _diff(tmp_path, edit_declaration(DEMOGRAPHICS, drop))
    ports, loss = _summary(markdown)
    assert ports.startswith("- **Ports**: `podcast.podcast-demographics` **demographics v1** changes incompatibly")
    assert "because column `listeners` of demographics v1 is dropped; `schema` cannot change in place" in loss
    assert "| `podcast.podcast-demographics` demographics v1 | `listeners` | dropped: its data is deleted, and queries "\
           "that select it fail | breaking, data-loss |" in markdown


def test_raw_pii_access_is_said_in_words(tmp_path):
    def raw(data: dict) -> None:
        output_port(data, "demographics")["consumers"].append(
            {"principal": "group:prize-draw@daff.example", "purpose": "Prize draws.", "rawAccess": True})
    _, markdown = _diff(tmp_path, edit_declaration(DEMOGRAPHICS, raw))
    [gains] = _summary(markdown)
    assert "`prize-draw@daff.example` (group) reads `podcast.podcast-demographics` **demographics v1** " \
           "(**raw (unmasked) PII**, all rows) for “Prize draws.”" in gains
    assert "policyTags" not in markdown.split("<details>")[0] and "categoryFineGrainedReader" not in gains


def test_row_filters_and_a_changed_purpose_are_a_change_not_a_new_principal():
    base = [{"product": "d.p", "port": "x v1", "principal": "group:a@e", "consumer": "", "purpose": "A.",
             "pii": "masked", "rows": "all rows"}]
    head = [{**base[0], "rows": "rows where country = 'NL'", "pii": "raw"}]
    [change] = compare_principals(base, head)
    assert (change.gained, change.lost, change.moved, len(change.changed)) == ([], [], [], 1)
    # a port of the same product on other terms is a loss and a gain, not a move
    [other] = compare_principals(base, [{**head[0], "port": "y v1"}])
    assert (len(other.gained), len(other.lost), other.moved) == (1, 1, [])


def test_principals_read_short_with_the_consuming_product_named():
    assert short_principal("group:ad-sales@daff.example") == "`ad-sales@daff.example` (group)"
    assert short_principal("serviceAccount:run-x@p-1.iam.gserviceaccount.com") == "`run-x@p-1` (service account)"
    assert short_principal("serviceAccount:run-x@p-1.iam.gserviceaccount.com", "a.x") == "`a.x` (its runner)"
    assert short_principal("allUsers") == "`allUsers`"


# --- diagrams: ids that cannot collide, at most six products each; the size budget ---

def test_a_product_named_like_another_products_port_gets_its_own_mermaid_id():
    port = Node("urn:meshplane:podcast:podcast-catalog:episodes_v1:v1", "port", "episodes_v1 v1")
    lookalike = Node("urn:meshplane:podcast:podcast-catalog-episodes_v1", "product", "podcast.podcast-catalog-episodes_v1")
    ids = [mermaid_id(n.id) for n in (port, lookalike)]
    assert ids[0] != ids[1]
    # the escape scheme is injective over every character that can appear in a urn
    samples = ["a-b", "a_b", "a:b", "a.b", "a__b", "a_hb", "a-_b", "a/b", "a é"]
    assert len({mermaid_id(f"urn:meshplane:{s}") for s in samples}) == len(samples)
    assert all(re.fullmatch(r"n_\w+", mermaid_id(f"urn:meshplane:{s}")) for s in samples)


@pytest.fixture(scope="module")
def twenty(tmp_path_factory):
    """A new stack of a 20-product domain (bench/generate.py): its review, diff and fitted comment."""
    root = tmp_path_factory.mktemp("twenty")
    stack = write_repo(root, 20, ["media"])
    plan = plan_stack(stack, root / "stacks")
    review = render(plan, [], "markdown")
    diff = render_markdown(diff_documents({"steps": []}, plan.document))
    full = compose([f"## meshplane: `{stack}`", diff, review])
    return full, fit(full, "the job summary")


def test_a_20_product_domain_fits_githubs_limit_keeping_the_summary(twenty):
    full, comment = twenty
    assert len(full) > GITHUB_LIMIT and len(comment) <= DEFAULT_LIMIT < GITHUB_LIMIT
    assert "### meshplane diff:" in comment and "principals gain access" in comment  # the summary stays
    note = comment[comment.index("> [!NOTE]"):].split("\n\n", 1)[0]
    assert "per-product detail of" in note and "The full review is in the job summary" in note


def test_each_diagram_draws_at_most_six_products_top_to_bottom(twenty):
    full, _ = twenty
    blocks = _mermaid_blocks(full)
    assert len(blocks) > 1
    assert all(b.startswith("flowchart TB\n") and b.count("subgraph ") <= MAX_PRODUCTS for b in blocks)


def test_a_short_comment_is_left_as_it_is_and_cautions_go_first():
    parts = ["## meshplane: `s`", "### meshplane diff\n\n- x", "> [!CAUTION]\n> **bad**\n\n## meshplane plan"]
    text = compose(parts)
    assert text.startswith("> [!CAUTION]\n> **bad**\n\n## meshplane: `s`")
    assert fit(text, "the job summary") == text


def _mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", markdown, re.S)


MERMAID_DIR = Path(os.environ.get("MESHPLANE_MERMAID_DIR", "/work/node-mermaid"))


@pytest.mark.skipif(shutil.which("node") is None or not (MERMAID_DIR / "node_modules" / "mermaid").is_dir()
                    or not (MERMAID_DIR / "node_modules" / "jsdom").is_dir(),
                    reason="needs node and the npm packages mermaid and jsdom in MESHPLANE_MERMAID_DIR")
def test_every_mermaid_block_parses_with_mermaids_own_parser(twenty, rename, hub_diagrams):
    golden = (Path(__file__).parent / "golden" / "podcast-prod.md").read_text(encoding="utf-8")
    blocks = _mermaid_blocks(golden) + _mermaid_blocks(twenty[0]) + _mermaid_blocks(rename[1]) + list(hub_diagrams)
    assert len(blocks) >= 10
    script = (Path(__file__).parent / "mermaid_parse.mjs").read_text(encoding="utf-8")
    run = subprocess.run(["node", "--input-type=module", "-e", script], input=json.dumps(blocks), cwd=MERMAID_DIR,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["ok"] * len(blocks)


def test_the_comment_command_skips_a_missing_part_and_puts_the_caution_first(tmp_path):
    (tmp_path / "heading.md").write_text("## meshplane: `s`\n")
    (tmp_path / "review.md").write_text("> [!CAUTION]\n> **meshplane could not plan s**\n\n## meshplane plan `s`\n")
    out = tmp_path / "comment.md"
    result = CliRunner().invoke(main, ["comment", *(str(tmp_path / p) for p in ("heading.md", "why.md", "review.md")),
                                       "-o", str(out), "--limit", "1000"])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[:3] == ["> [!CAUTION]", "> **meshplane could not plan s**", ""]


def test_a_plan_from_an_older_meshplane_says_access_by_principal_is_unknown():
    result = diff_documents({"steps": [{"newState": None}]}, {"steps": []})
    assert "- Access by principal is unknown" in render_markdown(result)


# --- review findings: moves, narrowing ---

def _move_reader_to_podcasts(data: dict) -> None:
    """year-in-review reads the catalog's podcasts v1 (a port that exists in base too) instead of episodes."""
    next(p for p in data["inputPorts"] if p["name"] == "podcast_catalog")["outputPort"] = "podcasts"


def _catalog_consumer_to_podcasts(data: dict) -> None:
    episodes, podcasts = output_port(data, "episodes"), output_port(data, "podcasts")
    reader = next(c for c in episodes["consumers"] if c.get("dataProduct") == "playlist.year-in-review")
    episodes["consumers"].remove(reader)
    podcasts["consumers"].append(reader)


def test_a_consumer_switching_to_another_existing_port_is_a_gain_and_a_loss_not_a_move(tmp_path):
    result, markdown = _diff(tmp_path, edit_declaration(CATALOG, _catalog_consumer_to_podcasts),
                             edit_declaration(YEAR_IN_REVIEW, _move_reader_to_podcasts))
    summary = _summary(markdown)
    assert not any(c.moved for c in result.principals)
    assert summary[0].startswith("- **1 principal gains access**: `playlist.year-in-review` (its runner) reads "
                                 "`podcast.podcast-catalog` **podcasts v1**"), summary
    assert summary[1].startswith("- **1 principal loses access**: `playlist.year-in-review` (its runner) no longer "
                                 "reads `podcast.podcast-catalog` episodes v1"), summary
    assert "renamed" not in markdown.split("<sub>")[0]


def _ledger(port: str, sensitive: list[str], **terms) -> dict:
    return {"product": "d.p", "port": port, "principal": "group:a@e", "consumer": "", "purpose": "A.",
            "pii": "masked", "rows": "all rows", "sensitive": sensitive, **terms}


def test_a_move_needs_a_rename_pair_and_the_same_sensitive_columns():
    base, head = [_ledger("x v1", ["email"])], [_ledger("y v1", ["email"])]
    renamed = ({("d.p", "x v1")}, {("d.p", "y v1")})
    [moved] = compare_principals(base, head, *renamed)
    assert (len(moved.moved), moved.gained, moved.lost) == (1, [], [])
    # the same records without the rename pair (y v1 existed before): a gain and a loss
    [switch] = compare_principals(base, head)
    assert (switch.moved, len(switch.gained), len(switch.lost)) == ([], 1, 1)
    # renamed, but the new port exposes another PII column, both masked: not the same terms
    [wider] = compare_principals(base, [_ledger("y v1", ["email", "birth_date"])], *renamed)
    assert (wider.moved, len(wider.gained), len(wider.lost)) == ([], 1, 1)


def test_narrowed_access_is_not_counted_as_a_gain(tmp_path):
    def narrow(data: dict) -> None:
        port = output_port(data, "demographics")
        reader = port["consumers"][0]
        reader["purpose"] = "Another purpose."
    result, markdown = _diff(tmp_path, edit_declaration(DEMOGRAPHICS, narrow))
    [bullet] = _summary(markdown)
    assert bullet.startswith("- **Access changes, not widened, for 1 principal**: "), bullet
    assert "gains access" not in markdown and "for “Another purpose.”" in bullet
    base = [_ledger("x v1", ["email"], pii="raw")]
    [raw_to_masked] = compare_principals(base, [_ledger("x v1", ["email"])])
    [filtered] = compare_principals([_ledger("x v1", [])], [_ledger("x v1", [], rows="rows where a = 1")])
    [unfiltered] = compare_principals([_ledger("x v1", [], rows="rows where a = 1")], [_ledger("x v1", [])])
    assert [len(c.narrowed) for c in (raw_to_masked, filtered, unfiltered)] == [1, 1, 0]
    assert [len(c.widened) for c in (raw_to_masked, filtered, unfiltered)] == [0, 0, 1]


# --- review findings: the size budget holds for every input ---

def _huge_table(rows: int = 2000) -> str:
    body = "\n".join(f"| `grant-{i}` | roles/bigquery.dataViewer | ünïcødé ✓ row {i} |" for i in range(rows))
    return f"<details open><summary>Every grant</summary>\n\n| a | b | c |\n|---|---|---|\n{body}\n\n</details>\n"


@pytest.mark.parametrize("unit", ["chars", "bytes"])
def test_the_last_resort_cut_closes_what_it_leaves_open_and_holds_the_limit(unit):
    from meshplane.plan.comment_budget import size
    text = compose(["## meshplane: `s`", "### meshplane diff\n\n- summary",
                    _huge_table(), "```\nan order that never ends\n" + "step\n" * 5000 + "```\n"])
    for limit in (1000, 5000, 60_000):
        comment = fit(text, "the job summary", limit, unit)
        assert size(comment, unit) <= limit, (limit, size(comment, unit))
        assert comment.startswith("## meshplane: `s`\n\n") and "- summary" in comment
        assert comment.count("<details") == comment.count("</details>")
        assert sum(line.startswith("```") for line in comment.splitlines()) % 2 == 0
        assert comment.endswith("the full review is in the job summary.\n")
    closed = fit(_huge_table(), "x", 3000)
    assert "</details>" in closed and closed.rstrip().endswith("x.")


def test_the_budget_counts_bytes_when_asked(tmp_path):
    part = tmp_path / "review.md"
    part.write_text("## meshplane: `s`\n\n" + "\n".join(f"- ✓ ünïcødé line {i}" for i in range(200)) + "\n")
    out = tmp_path / "full.md"
    chars = CliRunner().invoke(main, ["comment", str(part), "-o", str(out), "--limit", "3000"])
    assert chars.exit_code == 0 and len(out.read_text()) <= 3000 < len(out.read_bytes())
    in_bytes = CliRunner().invoke(main, ["comment", str(part), "-o", str(out), "--limit", "3000", "--bytes"])
    assert in_bytes.exit_code == 0 and len(out.read_bytes()) <= 3000


def test_the_comment_command_refuses_a_tiny_limit_and_names_a_part_that_is_not_text(tmp_path):
    good, bad = tmp_path / "heading.md", tmp_path / "bad.md"
    good.write_text("## meshplane: `s`\n")
    bad.write_bytes(b"## review\n\xff\xfe broken\n")
    tiny = CliRunner().invoke(main, ["comment", str(good), "-o", str(tmp_path / "c.md"), "--limit", "100"])
    assert tiny.exit_code == 2 and "--limit" in tiny.output and "1000" in tiny.output
    result = CliRunner().invoke(main, ["comment", str(good), str(bad), "-o", str(tmp_path / "c.md")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # no traceback
    assert result.stderr.strip().splitlines() == [f"meshplane: error: {bad}: not UTF-8 text (byte 10: invalid "
                                                  "start byte)"]


def _section(pid: str, rows: int) -> str:
    return f"### `{pid}` — a product\n\n" + "".join(f"- detail {i} of {pid}\n" for i in range(rows))


def test_the_budget_cuts_the_detail_of_untouched_products_first():
    diff = "### meshplane diff: x\n\n- summary\n\n<!-- meshplane:changed d.changed -->"
    text = compose(["## meshplane: `s`", diff, "## meshplane plan",
                    _section("d.changed", 120), _section("d.same-a", 60), _section("d.same-b", 50)])
    comment = fit(text, "the job summary", len(text) - 2000)
    assert "detail 119 of d.changed" in comment  # the largest, but the one the change touches
    assert "of d.same-a" not in comment


# --- review findings: service agents, undeclared grants per product, owners by parent URN ---

@pytest.mark.parametrize("principal, agent", [
    ("serviceAccount:service-1@gcp-sa-dataplex.iam.gserviceaccount.com", True),
    ("serviceAccount:project-1@storage-transfer-service.iam.gserviceaccount.com", True),
    ("serviceAccount:bq-1@bigquery-encryption.iam.gserviceaccount.com", True),
    ("serviceAccount:service-1@serverless-robot-prod.iam.gserviceaccount.com", True),
    ("serviceAccount:service-1@gs-project-accounts.iam.gserviceaccount.com", True),
    ("serviceAccount:me@gcp-sa-evil.example.com", False),  # the domain, exactly, not a substring
    ("serviceAccount:me@not-gcp-sa-x.iam.gserviceaccount.com", False),
    ("user:me@gcp-sa-x.iam.gserviceaccount.com", False),  # only a service account is an agent
    ("group:gcp-sa-fans@daff.example", False),
    ("serviceAccount:run-x@my-project.iam.gserviceaccount.com", False),
])
def test_service_agents_are_matched_by_their_exact_domain(principal, agent):
    from meshplane.plan.principal_names import is_service_agent
    assert is_service_agent(principal) is agent


def test_a_new_stack_with_a_transfer_agent_flags_no_undeclared_grant():
    plan = plan_stack("royalties-prod", Path(__file__).resolve().parents[1] / "stacks")
    [first, *_] = _summary(render_markdown(diff_documents({"steps": []}, plan.document)))
    assert "no declaration names" not in first and "storage-transfer-service" not in first, first


def test_an_undeclared_grant_is_flagged_even_when_the_principal_reads_another_product():
    from diff_support import base_document, with_inputs
    base = base_document("podcast-prod")
    # all-employees reads the catalog, not the demographics: a grant on the demographics is not declared
    head = with_inputs(base, "podcast-demographics-observability-demographics-v1-dataplex-read",
                       lambda inputs: inputs.update(member="group:all-employees@daff.example"))
    [first] = _summary(render_markdown(diff_documents(base, head)))
    assert first.startswith("- **1 grant to principals no declaration names**: `group:all-employees@daff.example` "
                            "roles/bigquery.dataViewer"), first


def _component(urn: str, parent: str = "") -> dict:
    type_ = urn.split("::")[2].rsplit("$", 1)[-1]
    return {"urn": urn, "type": type_, "custom": False, "inputs": {}, "parent": parent}


def test_a_resource_belongs_to_the_product_up_its_parent_chain_not_the_longest_name_prefix():
    from meshplane.plan.diff_summary import owner
    prefix = "urn:pulumi:s::data-mesh::meshplane:index:DataProduct"
    catalog, lookalike = f"{prefix}::podcast-catalog", f"{prefix}::podcast-catalog-podcasts"
    port = f"{prefix}$meshplane:index:OutputPort::podcast-catalog-podcasts-v1"
    table = {"urn": f"{prefix}$meshplane:index:OutputPort$gcp:bigquery/table:Table::podcast-catalog-podcasts-v1-view",
             "type": "gcp:bigquery/table:Table", "custom": True, "parent": port,
             "inputs": {"datasetId": "d", "tableId": "podcasts_v1", "project": "p"}}
    outputs = {"podcast.podcast-catalog": {"name": "podcast-catalog"},
               "podcast.podcast-catalog-podcasts": {"name": "podcast-catalog-podcasts"}}
    states = [_component(catalog), _component(lookalike), _component(port, catalog)]
    base = {"outputs": outputs, "steps": [{"newState": s} for s in [*states, table]]}
    head = {"outputs": outputs, "steps": [{"newState": s} for s in states]}
    result = diff_documents(base, head, rules=[])
    assert owner(result.changes[table["urn"]], result) == "podcast.podcast-catalog"


# --- review findings: a hub read by many products still draws at most six per diagram ---

def _hub_lineage(readers: int = 15):
    from meshplane.mesh.lineage import Edge, Lineage
    hub, nodes, edges = "urn:meshplane:d:hub", [], []
    nodes += [Node(hub, "product", "d.hub", "active"), Node(f"{hub}:out:v1", "port", "out v1"),
              Node("urn:meshplane:u:src", "product", "u.src", "active"), Node("urn:meshplane:u:src:x:v1", "port", "x v1")]
    edges.append(Edge("urn:meshplane:u:src:x:v1", hub, "src"))
    for i in range(readers):
        nodes.append(Node(f"urn:meshplane:r:r{i:02d}", "product", f"r.r{i:02d}", "active"))
        edges.append(Edge(f"{hub}:out:v1", f"urn:meshplane:r:r{i:02d}", "hub_in"))
    return Lineage(sorted(nodes), sorted(edges))


def _hub_documents(readers: int = 15) -> tuple[dict, dict]:
    prefix = "urn:pulumi:s::data-mesh::meshplane:index:DataProduct"
    table = {"urn": f"{prefix}$gcp:bigquery/table:Table::hub-out-v1", "type": "gcp:bigquery/table:Table",
             "custom": True, "parent": f"{prefix}::hub", "inputs": {"datasetId": "d", "tableId": "out_v1"}}
    hub = {"name": "hub", "outputPorts": [{"name": "out", "urn": "urn:meshplane:d:hub:out:v1"}],
           "inputPorts": [{"kind": "dataProduct", "source": "urn:meshplane:u:src:x:v1"}]}
    access = [{"product": "d.hub", "port": "out v1", "principal": f"serviceAccount:run-r{i:02d}@p.iam.gserviceaccount.com",
               "consumer": f"r.r{i:02d}", "purpose": "", "pii": "none", "rows": "all rows", "sensitive": []}
              for i in range(readers)]
    head = {"outputs": {"d.hub": hub}, "access": access,
            "steps": [{"newState": _component(f"{prefix}::hub")}, {"newState": table}]}
    return {"steps": []}, head


def _products_drawn(diagram: str) -> set[str]:
    """The product ids a diagram names: subgraph titles and product nodes (``["r.r01"]``), not ports."""
    return set(re.findall(r'\["([a-z]+\.[a-z0-9]+)(?: \(\w+\))?"\]', diagram)) | {
        m.split(" ", 1)[0] for m in re.findall(r'\["([a-z]+\.[a-z0-9]+ \w+ v\d+)"\]', diagram)}


@pytest.fixture(scope="module")
def hub_diagrams():
    from meshplane.plan.review_lineage import stack_diagrams
    [review] = stack_diagrams(_hub_lineage(), ["d.hub"])
    [change] = diff_documents(*_hub_documents(), rules=[]).diagrams
    return review, change


def test_a_hub_read_by_15_products_draws_six_and_counts_the_rest(hub_diagrams):
    review, change = hub_diagrams
    assert review.count("subgraph ") == MAX_PRODUCTS and "u.src" in review  # what it reads from is kept
    assert '[["+11 more reading products"]]' in review and "--> m_readers" in review
    assert len(_products_drawn(change)) == MAX_PRODUCTS, _products_drawn(change)
    assert "+11 more reading products" in change and "u.src x v1" in change


def test_the_summary_has_at_most_five_bullets_losses_and_narrowing_share_one():
    """Every kind of access change at once (a gain, a loss, a widening, a narrowing): still one bullet for
    what is gained and one for what is lost or narrowed, so the summary stays within five bullets."""
    from meshplane.plan.diff import DiffResult
    from meshplane.plan.diff_summary import summary_markdown

    def principal(name: str, port: str, **terms) -> dict:
        return {**_ledger(port, ["email"], **terms), "principal": f"group:{name}@e"}

    base = [principal("lost", "x v1"), principal("wider", "x v1"), principal("narrower", "x v1", pii="raw")]
    head = [principal("gained", "x v1"), principal("wider", "x v1", pii="raw"), principal("narrower", "x v1")]
    bullets = summary_markdown(DiffResult(changes={}, principals=compare_principals(base, head)))
    assert len(bullets) == 2, bullets
    gains, less = bullets
    assert "**2 principals gain access**" in gains and "gained" in gains and "wider" in gains
    assert "**1 principal loses access**" in less and "lost" in less
    assert "narrower" in less and "Access changes, not widened" in less
