"""A domain's folder by display path: its shape is checked where it is written, and it is walked
from the organization, one ``get_folders`` per segment, once per stack; a segment that names no
folder, or two, fails naming the path. Mocks are not GCP: they list the folders they are given, so
this pins the invokes meshplane sends and what it does with the answers, not Resource Manager's."""

from __future__ import annotations

import shutil

import pytest
from helpers import ROOT, at, write

from meshplane import DataProduct, DataProductArgs, PlatformSettings
from meshplane.declaration.loader import load_declaration
from meshplane.declaration.problems import DeclarationError
from meshplane.gcp.folders import FolderLookupError, child_folder
from meshplane.engine.harness import run_program
from meshplane.engine.mocks import GET_FOLDERS, GcpMocks, stand_in_folders
from meshplane.plan.preview import UNKNOWN, render_json
from meshplane.plan.review import render_text
from meshplane.plan.run import plan_stack
from meshplane.settings.platform import check_folder
from meshplane.stack.program import main
from meshplane.settings.stack_config import load_stack

from components_support import PROJECT, stack_config

ORG = "123456789012"
PATH = "data-products/podcast"
TREE = stand_in_folders(ORG, [PATH])
TOP = TREE[f"organizations/{ORG}"][0]["name"]  # data-products
LEAF = TREE[TOP][0]["name"]  # data-products/podcast


class RecordingMocks(GcpMocks):
    """The mocks, recording every invoke's token and arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, dict]] = []

    def call(self, args):
        self.calls.append((args.token, dict(args.args)))
        return super().call(args)

    @property
    def folder_lookups(self) -> list[dict]:
        return [a for token, a in self.calls if token == GET_FOLDERS]


def run_podcast(folder: str, mocks: GcpMocks, preview: bool = False):
    config = stack_config("podcast-prod")
    config["meshplane:platform"]["folders"]["podcast"] = folder
    return run_program(lambda: main(ROOT), stack="podcast-prod", config=config, mocks=mocks, preview=preview)


def folder(name: str, display: str, state: str = "ACTIVE") -> dict:
    return {"name": name, "displayName": display, "state": state}


# --- the walk, under mocks ------------------------------------------------------------------------


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_a_display_path_is_walked_from_the_organization_once_per_stack(preview):
    mocks = RecordingMocks(folders=TREE)
    projects = run_podcast(PATH, mocks, preview).of_type(PROJECT)
    assert mocks.folder_lookups == [{"parentId": f"organizations/{ORG}"}, {"parentId": TOP}]
    assert len(projects) == 2
    for project in projects:
        assert project.inputs["folderId"] == LEAF.removeprefix("folders/") and "orgId" not in project.inputs


@pytest.mark.parametrize("given", ["folders/100000000003", "100000000003"])
def test_a_folder_id_is_used_as_is_without_a_lookup(given):
    mocks = RecordingMocks(folders=TREE)
    projects = run_podcast(given, mocks).of_type(PROJECT)
    assert mocks.folder_lookups == []
    assert {p.inputs["folderId"] for p in projects} == {"100000000003"}


def test_a_missing_folder_fails_the_program_naming_the_path_and_the_level():
    tree = {f"organizations/{ORG}": [folder("folders/11", "data-products")],
            "folders/11": [folder("folders/21", "charts"), folder("folders/22", "player")]}
    mocks = RecordingMocks(folders=tree)
    with pytest.raises(FolderLookupError) as info:
        run_podcast(PATH, mocks)
    assert str(info.value) == (
        "meshplane:platform.folders.podcast: no folder 'podcast' in the folder 'data-products' (folders/11); "
        "given the display path 'data-products/podcast'; expected one of the folders there ('charts', 'player'), "
        "or the folder's id ('folders/123')")
    assert mocks.folder_lookups == [{"parentId": f"organizations/{ORG}"}, {"parentId": "folders/11"}]


def test_a_folder_the_organization_does_not_have_fails_at_the_first_level():
    with pytest.raises(FolderLookupError, match=r"no folder 'data-products' in the organization "
                                                r"\(organizations/123456789012\); .* \(none\)"):
        run_podcast(PATH, GcpMocks())


def test_two_folders_with_one_display_name_fail_naming_both():
    tree = {f"organizations/{ORG}": [folder("folders/12", "data-products"), folder("folders/11", "data-products")]}
    with pytest.raises(FolderLookupError) as info:
        run_podcast(PATH, GcpMocks(folders=tree))
    assert str(info.value).startswith(
        "meshplane:platform.folders.podcast: 2 folders named 'data-products' in the organization "
        "(organizations/123456789012): folders/11, folders/12; given the display path 'data-products/podcast'; "
        "expected one: give the folder's id")


@pytest.mark.parametrize("children, found", [
    ([folder("folders/1", "podcast")], "folders/1"),
    ([folder("folders/1", "podcast", "DELETE_REQUESTED"), folder("folders/2", "podcast")], "folders/2"),
    ([folder("folders/1", "Podcast"), folder("folders/2", "podcast")], "folders/2"),  # exact match
    ([folder("folders/1", "podcast "), folder("folders/2", "podcast")], "folders/2"),
])
def test_child_folder_picks_the_one_active_exact_match(children, found):
    assert child_folder(children, "folders/9", "podcast", where="a", path="a/podcast", domain="podcast") == found


def test_child_folder_counts_only_active_folders_as_candidates():
    with pytest.raises(FolderLookupError, match=r"no folder 'podcast' .* expected one of the folders there \(none\)"):
        child_folder([folder("folders/1", "podcast", "DELETE_REQUESTED")], "folders/9", "podcast",
                     where="a", path="a/podcast", domain="podcast")


def test_the_component_looks_a_display_path_up_itself():
    mocks = RecordingMocks(folders=TREE)
    platform = PlatformSettings(organization_id=ORG, billing_account="01A2B3-C4D5E6-F7A8B9", project_prefix="acme",
                                folders={"podcast": PATH}, job_regions={"EU": "europe-west1"})
    product = load_declaration(ROOT / "blueprints" / "podcast" / "podcast-catalog.yaml")
    inventory = run_program(lambda: DataProduct("podcast-catalog", DataProductArgs(
        product=product, environment="dev", platform=platform)), mocks=mocks)
    assert [p.inputs["folderId"] for p in inventory.of_type(PROJECT)] == [LEAF.removeprefix("folders/")]
    assert mocks.folder_lookups == [{"parentId": f"organizations/{ORG}"}, {"parentId": TOP}]


# --- the plan does not pretend to know the id ----------------------------------------------------


@pytest.fixture(scope="module")
def display_path_plan(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    (root / "blueprints").symlink_to(ROOT / "blueprints", target_is_directory=True)
    shutil.copytree(ROOT / "stacks", root / "stacks")
    stack = root / "stacks" / "Pulumi.podcast-prod.yaml"
    text = stack.read_text(encoding="utf-8")
    assert "podcast: folders/100000000003" in text
    stack.write_text(text.replace("podcast: folders/100000000003", f"podcast: {PATH}"), encoding="utf-8")
    return plan_stack("podcast-prod", root / "stacks")


def test_the_plan_shows_a_looked_up_folder_as_unknown(display_path_plan):
    steps = [s for s in display_path_plan.document["steps"] if s["newState"]["type"] == PROJECT]
    assert len(steps) == 2
    assert {s["newState"]["inputs"]["folderId"] for s in steps} == {UNKNOWN}
    text = render_json(display_path_plan.document)
    for stand_in in (TOP, LEAF):
        assert stand_in.removeprefix("folders/") not in text, "a stand-in folder id reached the plan"


def test_the_review_names_the_path_and_says_the_id_comes_at_deploy(display_path_plan):
    header = render_text(display_path_plan, []).splitlines()[1]
    assert header == ("environment prod, domain podcast, folder data-products/podcast (its id is looked up when "
                      "the stack deploys: unknown in this plan)")


# --- the shape, where it is written ---------------------------------------------------------------


@pytest.mark.parametrize("given, message", [
    ("data-products//sales", "an empty folder name"),
    ("/data-products", "an empty folder name"),
    ("data.products", "not a folder display name: 'data.products'"),
    ("-sales", "not a folder display name: '-sales'"),
    ("s" * 31, f"folder name '{'s' * 31}' is longer than 30 characters"),
    ("/".join("abcdefghijk"), "folders nest at most 10 levels deep, this path has 11"),
    ("folders/sales", "not a folder id: digits expected after 'folders/'"),
])
def test_fails_on_a_malformed_folder(given, message):
    with pytest.raises(ValueError) as info:
        check_folder(given)
    assert str(info.value).startswith(f"{message}; given {given!r}; expected a folder id ('folders/123') or a "
                                      "display path below the organization ('data-products/brokerage')")


STACK = """\
config:
  meshplane:environment: prod
  meshplane:domain: sales
  meshplane:products:
    - blueprints/*/*.yaml
  meshplane:platform:
    organizationId: "123456789012"
    billingAccount: 01A2B3-C4D5E6-F7A8B9
    projectPrefix: daff
    folders:
      sales: data-products//sales
      charts: Data Products/Charts_EU 2
"""


def test_fails_on_a_malformed_display_path_at_its_line(tmp_path):
    path = write(tmp_path / "Pulumi.sales-prod.yaml", STACK)
    with pytest.raises(DeclarationError) as info:
        load_stack("sales-prod", tmp_path)
    [problem] = [str(p) for p in info.value.problems]
    assert problem.startswith(f"{at(path, 'sales: data-products', 'data-products')}: "
                              "config.meshplane:platform.folders.sales: an empty folder name; "
                              "given 'data-products//sales'; expected "), problem


def test_a_display_path_with_spaces_and_underscores_loads(tmp_path):
    write(tmp_path / "Pulumi.sales-prod.yaml", STACK.replace("data-products//sales", "data-products/sales"))
    folders = load_stack("sales-prod", tmp_path).platform.folders
    assert folders == {"sales": "data-products/sales", "charts": "Data Products/Charts_EU 2"}
