"""Purging a retired product: only on non-production stacks, and only then is its data deletable.

A retired product keeps its project, datasets and tables protected and retained. With ``purge: true``
(retired only, refused by production stacks both when validating and in the component itself) they are
declared without ``protect``/``retain_on_delete``, tables without deletion protection, datasets deleting
their contents and the project with deletion policy DELETE, so removing the declaration deletes them.

What mocks cannot prove: that GCP then deletes them (a project is only marked for deletion, recoverable
for 30 days), and Pulumi refuses to delete a resource whose state is still protected: the first
``pulumi up`` with purge lifts the protection, a later one (declaration removed) or ``pulumi destroy``
deletes.
"""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

import meshplane.governance.inventory_rules  # noqa: F401 - registers the rules
from components_support import (
    DATASET, PROJECT, TABLE, fresh_run, model, repository_copy, run, settings,
)
from helpers import port, product, write_product
from meshplane.cli.main import main as cli
from meshplane.stack.data_product import DataProduct, DataProductArgs, PurgeRefused
from meshplane.declaration.loader import check_text
from meshplane.governance.inventory import Resource
from meshplane.governance.inventory_check import check_inventory

POLICIES = {"location": "EU", "confidentiality": "internal", "retention": "P1Y"}  # the stacks' governance
DATA = (PROJECT, DATASET, TABLE)


def old_shows(status: str = "retired", **overrides) -> dict:
    return product("podcast.old-shows", status=status, policies=POLICIES, ports=[port("shows")], **overrides)


@pytest.fixture
def repo(tmp_path):
    root = repository_copy(tmp_path)
    write_product(root / "blueprints", old_shows(purge=True))
    return root


def data_of(inv, name: str = "old-shows") -> list:
    """The project, datasets and tables (not views: they hold no data) of product ``name``."""
    return [r for r in inv.registrations if r.type in DATA and "view" not in r.inputs
            and r.inputs.get("labels", {}).get("data_product") == name]


# --- refusals ------------------------------------------------------------------------------------

def test_fails_purge_in_prod(repo, monkeypatch):
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["validate", "--stack", "podcast-prod"])
    assert result.exit_code == 1, result.output
    [line] = [ln for ln in result.output.splitlines() if "old-shows.yaml" in ln]
    text = (repo / "blueprints/podcast/old-shows.yaml").read_text().splitlines()
    number = next(i for i, ln in enumerate(text, 1) if ln.startswith("purge:"))
    assert line.startswith(f"blueprints/podcast/old-shows.yaml:{number}:")
    assert line.endswith("purge: purge deletes the product's data; refused on the production stack environment "
                         "'prod'; expected purge only on dev, test or sandbox stacks")
    dev = CliRunner().invoke(cli, ["validate", "--stack", "podcast-dev"])
    assert dev.exit_code == 0, dev.output


def test_fails_purge_in_prod_in_the_component():
    decl = model("charts.top-forty").model_copy(update={"purge": True})
    with pytest.raises(PurgeRefused, match="charts.top-forty: purge deletes the product's data; refused on "
                                           "the production environment 'prod'"):
        run(lambda: DataProduct("top-forty", DataProductArgs(decl, "prod", settings("charts-prod").platform)))


def test_purge_of_another_domain_is_not_this_stacks_concern(repo, monkeypatch):
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["validate", "--stack", "charts-prod"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("status", ["active", "deprecated", "dormant", "draft"])
def test_fails_purge_of_a_product_not_retired(status):
    model_, problems = check_text(yaml.safe_dump(old_shows(purge=True, status=status)), "x.yaml")
    assert model_ is None
    assert [(p.field, p.message) for p in problems] == [("purge", (
        f"purge deletes the product's data and applies to a retired product only; given status {status!r}; "
        "expected status 'retired' or no purge"))]


# --- effect --------------------------------------------------------------------------------------

@pytest.mark.parametrize("preview", [False, True])
def test_purged_data_is_deletable_on_a_dev_stack(repo, preview):
    inv = fresh_run("podcast-dev", preview, root=repo)
    data = data_of(inv)
    assert sorted(r.type for r in data) == sorted([PROJECT, DATASET, DATASET, DATASET, TABLE])
    [audit] = [r for r in data if r.inputs["labels"]["mesh_layer"] == "audit"]  # its audit logs stay in GCP
    assert (audit.protect, audit.retain_on_delete, audit.inputs["deleteContentsOnDestroy"]) == (False, True, False)
    data = [r for r in data if r is not audit]
    for r in data:
        assert (r.protect, r.retain_on_delete, r.inputs["labels"]["purge"]) == (False, False, "true"), r.urn
    [project] = of_type_of(data, PROJECT)
    assert project.inputs["deletionPolicy"] == "DELETE"
    assert {d.inputs["datasetId"]: d.inputs["deleteContentsOnDestroy"] for d in of_type_of(data, DATASET)} == {
        "old_shows_internal": True, "old_shows_shows_v1": True}
    assert [t.inputs["deletionProtection"] for t in of_type_of(data, TABLE)] == [False]
    others = [r for r in inv.registrations if r.type in DATA and r.inputs["labels"]["data_product"] != "old-shows"]
    assert others and all("purge" not in r.inputs.get("labels", {}) for r in others)  # nothing else changes


def test_purged_dev_inventory_breaks_no_data_protection_rule(repo):
    inv = fresh_run("podcast-dev", root=repo)
    resources = [Resource(r.urn, r.type, r.name, r.inputs, r.protect, r.retain_on_delete) for r in data_of(inv)]
    assert [v for v in check_inventory(resources, settings("podcast-dev").platform.governance)
            if v.rule == "data-protected"] == []
    prod = [Resource(r.urn, r.type, r.name, {**r.inputs, "labels": {**r.inputs["labels"], "environment": "prod"}},
                     r.protect, r.retain_on_delete) for r in data_of(inv)]
    assert {v.urn for v in check_inventory(prod, settings("podcast-dev").platform.governance)
            if v.rule == "data-protected"} == {r.urn for r in prod if r.type != PROJECT}


@pytest.mark.parametrize("stack", ["podcast-dev", "podcast-prod"])
def test_retired_without_purge_keeps_everything_protected(tmp_path, stack):
    root = repository_copy(tmp_path)
    write_product(root / "blueprints", old_shows())
    data = data_of(fresh_run(stack, root=root))
    assert sorted(r.type for r in data) == sorted([PROJECT, DATASET, DATASET, DATASET, TABLE])
    for r in data:
        assert (r.protect, r.retain_on_delete) == (True, True) and "purge" not in r.inputs["labels"], r.urn
    assert [d.inputs["deleteContentsOnDestroy"] for d in of_type_of(data, DATASET)] == [False, False, False]
    [project] = of_type_of(data, PROJECT)
    assert project.inputs["deletionPolicy"] == ("DELETE" if stack == "podcast-dev" else "PREVENT")
    assert [t.inputs["deletionProtection"] for t in of_type_of(data, TABLE)] == [True]


def of_type_of(registrations: list, type_: str) -> list:
    return [r for r in registrations if r.type == type_]
