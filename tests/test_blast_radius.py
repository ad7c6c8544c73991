"""A stack stops only for its own problems: those of its domain's products and of the products they
read from or grant to. Problems elsewhere in the mesh are warnings in its plan (and in ``pulumi up``'s
log), and stay errors for ``meshplane validate`` of the whole mesh, the pull request's check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from components_support import fresh_run, repository_copy
from meshplane.cli.main import main as cli
from meshplane.declaration.problems import DeclarationError
from meshplane.plan.command import render
from meshplane.plan.deploy_checks import environment_order
from meshplane.plan.run import plan_stack
from meshplane.mesh.validation import check_mesh, stack_scope
from meshplane.settings.stack_config import load_stack

CATALOG = "blueprints/podcast/podcast-catalog.yaml"


def another_company(root: Path) -> list[str]:
    """Two products of a domain no stack here knows: one its platform cannot host (a CMEK key in a
    location without one), one with a field error. Returns their files."""
    data = yaml.safe_load((root / CATALOG).read_text(encoding="utf-8"))
    data.update(id="brokerage.tenancy", domain="brokerage", name="tenancy")
    data["policies"].update(location="US", encryption="cmek")
    (root / "blueprints" / "brokerage").mkdir()
    hosted = root / "blueprints" / "brokerage" / "tenancy.yaml"
    hosted.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    broken = root / "blueprints" / "brokerage" / "tenancy-analytics.yaml"
    data.update(id="brokerage.tenancy-analytics", name="tenancy-analytics", tpye="aggregate")
    broken.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return ["blueprints/brokerage/tenancy.yaml", "blueprints/brokerage/tenancy-analytics.yaml"]


def break_product(root: Path, relpath: str) -> None:
    """A field error in a declaration of the mesh."""
    path = root / relpath
    path.write_text(path.read_text(encoding="utf-8").replace("\nstatus:", "\nstauts:", 1), encoding="utf-8")


def test_another_domains_problems_are_warnings_of_the_stack(tmp_path, monkeypatch):
    root = repository_copy(tmp_path)
    files = another_company(root)
    monkeypatch.chdir(root)
    plan = plan_stack("podcast-prod", "stacks")
    assert sorted({p.file for p in plan.elsewhere}) == sorted(files)
    assert any(p.field == "tpye" for p in plan.elsewhere) and any(p.field == "policies.encryption"
                                                                 for p in plan.elsewhere)
    assert set(plan.document["outputs"]) == {"podcast.podcast-catalog", "podcast.podcast-demographics"}
    markdown = render(plan, [], "markdown")
    assert "### Elsewhere in the mesh" in markdown and "blueprints/brokerage/tenancy.yaml:" in markdown
    diagnostics = render(plan, [], "json")
    assert '"message": "elsewhere in the mesh: blueprints/brokerage/tenancy-analytics.yaml:' in diagnostics
    # the whole mesh's check still fails on them
    result = CliRunner().invoke(cli, ["validate", "blueprints"])
    assert result.exit_code == 1 and "blueprints/brokerage/tenancy-analytics.yaml" in result.output


@pytest.mark.parametrize(("relpath", "why"), [
    ("blueprints/listener/listener-demographics.yaml", "podcast-demographics reads it"),
    ("blueprints/playlist/monday-playlists.yaml", "podcast-demographics grants it"),
    (CATALOG, "the stack's own product"),
])
def test_a_problem_in_the_stacks_products_or_their_neighbours_stops_it(tmp_path, monkeypatch, relpath, why):
    root = repository_copy(tmp_path)
    another_company(root)
    break_product(root, relpath)
    monkeypatch.chdir(root)
    with pytest.raises(DeclarationError) as raised:
        plan_stack("podcast-prod", "stacks")
    assert {p.file for p in raised.value.problems} == {relpath}, why  # and not the other company's


def test_the_plan_command_warns_and_succeeds(tmp_path, monkeypatch):
    root = repository_copy(tmp_path)
    another_company(root)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["plan", "--stack", "podcast-prod", "--format", "markdown", "-o", "r.md"])
    assert result.exit_code == 0, result.output
    assert re.match(r"warning: \d+ problems elsewhere in the mesh", result.output)  # stderr; the review lists them
    assert "Elsewhere in the mesh" in (root / "r.md").read_text(encoding="utf-8")


def test_scope_is_the_domain_and_its_direct_neighbours():
    settings = load_stack("podcast-prod", "stacks")
    mesh, _ = check_mesh(["blueprints"], settings.platform.governance)
    assert stack_scope(mesh, "podcast") == {
        "podcast.podcast-catalog", "podcast.podcast-demographics", "podcast.podcast-transcripts",
        "listener.listener-demographics",  # read by podcast-demographics
        "playlist.monday-playlists", "playlist.year-in-review",  # consumers of podcast ports
    }


def test_pulumi_up_builds_the_stack_and_logs_the_others(tmp_path, monkeypatch):
    """The stack program as ``pulumi up`` runs it (it validates by itself): built, with warnings."""
    root = repository_copy(tmp_path)
    another_company(root)
    warned = []
    monkeypatch.setattr("pulumi.log.warn", lambda message, *args, **kwargs: warned.append(message))
    inventory = fresh_run("podcast-prod", root=root)
    assert set(inventory.outputs) == {"podcast.podcast-catalog", "podcast.podcast-demographics"}
    assert warned and all(w.startswith("elsewhere in the mesh (not this stack's products): ")
                          and "blueprints/brokerage/" in w for w in warned)


def test_the_deploy_order_still_reads_every_stack(tmp_path, monkeypatch):
    root = repository_copy(tmp_path)
    another_company(root)
    monkeypatch.chdir(root)
    order = environment_order("prod", "stacks")
    assert order.unread == [] and "podcast-prod" in order.order
    break_product(root, CATALOG)  # podcast's own product, and one playlist's year-in-review reads
    assert environment_order("prod", "stacks").unread == ["playlist-prod", "podcast-prod"]


@pytest.mark.parametrize(("relpath", "text", "stops"), [
    # YAML that does not parse (a merge conflict) in another domain: its id and domain lines still say whose
    ("blueprints/brokerage/x.yaml", "id: brokerage.x\ndomain: brokerage\n<<<<<<< HEAD\nname: [x\n", False),
    ("blueprints/brokerage/y.yaml", "id: [brokerage, y]\ndomain: brokerage\n", False),  # the id does not parse
    ("blueprints/podcast/x.yaml", "id: podcast.x\ndomain: podcast\nname: [x\n", True),  # the stack's own domain
    ("blueprints/misc/z.yaml", "not: [a declaration\n", True),  # nobody can tell whose: it may be the stack's
])
def test_a_file_whose_product_cannot_be_read_stops_only_its_domains_stacks(tmp_path, monkeypatch, relpath,
                                                                           text, stops):
    root = repository_copy(tmp_path)
    (root / relpath).parent.mkdir(exist_ok=True)
    (root / relpath).write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    if stops:
        with pytest.raises(DeclarationError) as raised:
            plan_stack("podcast-prod", "stacks")
        assert {p.file for p in raised.value.problems} == {relpath}
    else:
        assert {p.file for p in plan_stack("podcast-prod", "stacks").elsewhere} == {relpath}
