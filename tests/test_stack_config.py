"""Stack settings read from ``stacks/Pulumi.<stack>.yaml``: the real stacks load, and a broken one
is refused with every problem located by line under the ``config.meshplane:`` keys."""

from __future__ import annotations

import pytest
from helpers import ROOT, at, write

from meshplane.declaration.files import UsageError
from meshplane.declaration.problems import DeclarationError


from meshplane.settings.stack_config import is_platform_stack, load_stack, settings_from_text, stack_names

STACKS = ROOT / "stacks"
STACK_NAMES = [s for s in stack_names(STACKS) if not is_platform_stack(s, STACKS)]  # domain stacks

GOOD = """\
# a test stack
config:
  gcp:project: some-project        # another namespace: left alone
  meshplane:environment: prod
  meshplane:domain: sales
  meshplane:products:
    - blueprints/*/*.yaml
  meshplane:platform:
    organizationId: "123456789012"
    billingAccount: 01A2B3-C4D5E6-F7A8B9
    projectPrefix: daff
    governance:
      allowedLocations: [EU]
"""


def test_stacks_exist():
    assert {"podcast-prod", "listener-prod", "player-prod", "playlist-prod", "podcast-dev"} <= set(STACK_NAMES)


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_stack_loads(stack):
    settings = load_stack(stack, STACKS)
    domain, env = stack.rsplit("-", 1)
    assert (settings.domain, settings.environment) == (domain, env)
    assert settings.products and settings.platform.project_prefix
    assert settings.platform.governance.allowed_locations, "a real stack should restrict locations"


def test_is_production():
    assert load_stack("podcast-prod", STACKS).is_production
    assert not load_stack("podcast-dev", STACKS).is_production


def test_governance_of_a_stack():
    rules = load_stack("podcast-prod", STACKS).platform.governance
    assert "EU" in rules.allowed_locations
    assert "daff-podcast-ops" in rules.operational_projects["podcast"]


def test_unknown_stack_lists_known_stacks():
    with pytest.raises(UsageError) as info:
        load_stack("nope-prod", STACKS)
    message = str(info.value)
    assert "unknown stack 'nope-prod'" in message
    assert "known stacks: " + ", ".join(stack_names(STACKS)) in message


def test_unknown_stack_in_an_empty_directory(tmp_path):
    with pytest.raises(UsageError, match="known stacks: none"):
        load_stack("x-prod", tmp_path)


def test_minimal_stack_in_another_directory(tmp_path):
    write(tmp_path / "Pulumi.sales-dev.yaml", GOOD.replace("environment: prod", "environment: dev"))
    settings = load_stack("sales-dev", tmp_path)
    assert settings.domain == "sales" and not settings.is_production
    assert settings.platform.governance.allowed_locations == ["EU"]


def problems_of(tmp_path, text: str) -> tuple:
    path = write(tmp_path / "Pulumi.sales-prod.yaml", text)
    with pytest.raises(DeclarationError) as info:
        load_stack("sales-prod", tmp_path)
    return path, [str(p) for p in info.value.problems]


def test_broken_stack_locates_every_problem(tmp_path):
    text = GOOD.replace("    projectPrefix: daff\n", "    projectPrefix: daff\n    colour: blue\n")
    text = text.replace("01A2B3-C4D5E6-F7A8B9", "not-a-billing-account")
    path, found = problems_of(tmp_path, text)
    assert len(found) == 2, "\n".join(found)
    billing, colour = sorted(found, key=lambda s: "colour" in s)
    assert billing.startswith(f"{at(path, 'billingAccount:', 'not-a')}: "
                              "config.meshplane:platform.billingAccount: "), billing
    assert "not-a-billing-account" in billing
    assert colour.startswith(f"{at(path, 'colour: blue')}: config.meshplane:platform.colour: "), colour
    assert "unknown field" in colour


def test_broken_governance_in_a_stack(tmp_path):
    text = GOOD.replace("allowedLocations: [EU]", "allowedLocations: [EU, mars-north1]")
    path, found = problems_of(tmp_path, text)
    assert len(found) == 1, "\n".join(found)
    assert found[0].startswith(f"{at(path, 'allowedLocations:', 'mars')}: "
                               "config.meshplane:platform.governance.allowedLocations[1]: "), found[0]
    assert "not a BigQuery location" in found[0]


def test_missing_key_is_located_at_config(tmp_path):
    path, found = problems_of(tmp_path, GOOD.replace("  meshplane:domain: sales\n", ""))
    assert len(found) == 1, "\n".join(found)
    assert found[0].startswith(f"{path}:") and ": config.meshplane:domain: " in found[0], found[0]


@pytest.mark.parametrize("text", ["config: 3\n", "name: x\n", "- a\n"])
def test_no_config_mapping(tmp_path, text):
    _, found = problems_of(tmp_path, text)
    assert len(found) == 1 and ": config: no stack configuration" in found[0], found


def test_broken_yaml_and_duplicate_keys(tmp_path):
    path, found = problems_of(tmp_path, "config:\n  meshplane:domain: [\n")
    assert len(found) == 1 and found[0].startswith(f"{path}:") and "invalid YAML" in found[0], found
    dup = GOOD.replace("  meshplane:domain: sales\n", "  meshplane:domain: sales\n  meshplane:domain: x\n")
    path, found = problems_of(tmp_path, dup)
    assert any(f.startswith(f"{at(path, 'meshplane:domain: x')}: ") and "duplicate key" in f
               for f in found), found


def test_fails_a_stack_whose_domain_its_environment_does_not_list(tmp_path):
    """It would build nothing, and an up of a deployed stack would delete everything it holds."""
    text = (ROOT / "stacks" / "Pulumi.podcast-dev.yaml").read_text(encoding="utf-8").replace(
        "meshplane:domain: podcast", "meshplane:domain: listener")
    with pytest.raises(DeclarationError) as raised:
        settings_from_text(text, "Pulumi.listener-dev.yaml")
    [problem] = raised.value.problems
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "meshplane:domain:" in l)
    assert (problem.line, problem.field) == (line, "config.meshplane:domain")
    assert "the stack's domain is not among the domains of its environment; given 'listener'" in problem.message


@pytest.mark.parametrize(("old", "new", "field"), [
    ("daff-podcast-ops: daff-podcast-ops-dev", "daff-podcast-ops: Daff Podcast!",
     "config.meshplane:platform.environments.dev.operationalProjects.daff-podcast-ops"),
])
def test_fails_an_environments_source_mapping_that_names_no_project(old, new, field):
    text = (ROOT / "stacks" / "Pulumi.podcast-dev.yaml").read_text(encoding="utf-8").replace(old, new, 1)
    with pytest.raises(DeclarationError) as raised:
        settings_from_text(text, "Pulumi.podcast-dev.yaml")
    assert [p.field for p in raised.value.problems] == [field]
