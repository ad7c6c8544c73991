"""Grants on the platform's shared policy tags and masking policies, owned once by the platform stack
(``sharedGrants: platform``, issue 19): no domain stack's change revokes what another declared.

Mocks are not GCP: these tests pin which stack registers which IAM member, under which name and
options, and what the platform stack's next ``up`` deletes. That deleting a member-level binding
revokes it for every stack that granted it is GCP's behaviour (docs/components.md, "Shared settings
and grants"), which is why only one stack may hold it.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from diff_support import copy_mesh

from components_support import ALL_STACKS, STACKS, STACKS_DIR, run_stack
from meshplane.cli.main import main
from meshplane.declaration.files import UsageError
from meshplane.gcp.shared_grants import binding_key
from meshplane.gcpmodel.next_up import DELETE, SAME
from meshplane.gcpmodel.state import simulate_up
from meshplane.stack.stacks import read_stacks
from meshplane.gcpmodel.resource_grants import MASKING_IAM, TAG_IAM
from meshplane.plan.run import plan_stack
from meshplane.plan.shared_grants import binding_of
from meshplane.stack.tag_bindings import stack_tag_bindings
from meshplane.stack.platform_program import PlatformStackError, owned_bindings
from meshplane.settings.stack_config import load_stack

SHARED_GRANTS = "meshplane:index:SharedGrants"
GOVERNANCE = "group:data-governance@daff.example"


def held(registrations) -> dict:
    """binding -> name of every tag or masking-policy member registered."""
    return {binding_of(r.type, r.inputs): r.name for r in registrations if r.type in (TAG_IAM, MASKING_IAM)}


def every_declared_binding(stacks_dir) -> set:
    stacks, _ = read_stacks(stacks_dir, strict=True)
    return set().union(*(stack_tag_bindings(s, m) for s, m in stacks.values()))


def test_the_platform_stack_holds_each_binding_of_dev_and_prod_once_under_a_stable_name():
    inventory = run_stack("platform")
    grants = held(inventory.registrations)
    members = [r for r in inventory.registrations if r.type in (TAG_IAM, MASKING_IAM)]
    assert set(grants) == every_declared_binding(STACKS_DIR) and len(members) == len(grants)
    assert {name: b for b, name in grants.items()} == {f"shared-grants-{binding_key(b)}": b for b in grants}
    assert any("daff-dev-" in b[2] for b in grants) and any("daff-prod-" in b[2] for b in grants)
    component = next(r for r in inventory.registrations if r.type == SHARED_GRANTS)
    assert all(r.parent == component.urn and r.delete_before_replace and not r.retain_on_delete for r in members)
    assert {r.type for r in inventory.registrations if r.custom} == {TAG_IAM, MASKING_IAM}  # nothing else


@pytest.mark.parametrize("stack", STACKS)
def test_a_domain_stack_creates_no_grant_on_the_shared_tags(stack):
    """Only the Dataplex agent's read of the scanned tags stays: that agent is the product's own (one per
    project), no other stack grants it."""
    registrations = run_stack(stack).registrations
    assert not [r.name for r in registrations if r.type == "meshplane:index:ColumnSecurity"]
    assert all("-dataplex-tag-" in r.name for r in registrations if r.type in (TAG_IAM, MASKING_IAM))


def test_a_domain_stack_plan_sees_its_readers_through_the_platform_stack():
    """The GCP model of podcast-prod alone: the masked readers of its tagged columns are the platform
    stack's members, and the plan says who holds them."""
    plan = plan_stack("podcast-prod", STACKS_DIR, preview=False)
    assert not held(plan.inventory.registrations)
    sights = {(s.principal, s.table): dict(s.columns) for s in plan.checks.sights}
    analysts = [cols for (who, _), cols in sights.items() if who == "group:eu-analysts@daff.example"]
    assert analysts and any("masked" in str(v) for cols in analysts for v in cols.values())


def edit_stack(root, stack: str, old: str, new: str) -> None:
    path = root / "stacks" / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    assert old in text, (stack, old)
    path.write_text(text.replace(old, new))


def without_governance(root, stack: str) -> None:
    edit_stack(root, stack, "    governancePrincipal: group:data-governance@daff.example", "")


def test_a_member_one_stack_drops_stays_while_another_declares_it_and_goes_with_the_last(tmp_path):
    root = copy_mesh(tmp_path / "repo")
    before = plan_stack("platform", root / "stacks", preview=False)
    state = simulate_up(before.inventory.registrations)
    governed = {b for b in held(before.inventory.registrations) if b[2] == GOVERNANCE}
    stacks = read_stacks(root / "stacks")[0]
    assert governed & stack_tag_bindings(*stacks["podcast-dev"]) & stack_tag_bindings(*stacks["podcast-prod"])

    without_governance(root, "podcast-dev")  # dev no longer grants it; prod still does
    kept = plan_stack("platform", root / "stacks", preview=False, state=state)
    assert {c.op for c in kept.checks.changes.values()} == {SAME} and not kept.checks.failures

    # no stack grants it any more: the platform stack, its only owner, revokes it
    for stack in [s for s in STACKS if s != "podcast-dev"]:
        without_governance(root, stack)
    revoked = plan_stack("platform", root / "stacks", preview=False, state=state)
    deleted = {binding_of(c.old.type, c.old.inputs) for c in revoked.checks.changes.values() if c.op == DELETE}
    assert deleted == governed
    assert {c.op for c in revoked.checks.changes.values() if c.op != DELETE} == {SAME}


def test_fails_to_build_the_platform_stack_when_a_domain_stack_cannot_be_read(tmp_path):
    """Holding less than the union would revoke the unread stack's grants: it stops instead."""
    root = copy_mesh(tmp_path / "repo")
    edit_stack(root, "charts-prod", "meshplane:domain: charts", "meshplane:domain: [")
    with pytest.raises(PlatformStackError, match="cannot be read"):
        owned_bindings(root / "stacks")


def test_stacks_that_keep_their_grants_are_not_the_platform_stacks(tmp_path):
    root = copy_mesh(tmp_path / "repo")
    edit_stack(root, "podcast-dev", "    sharedGrants: platform", "    sharedGrants: stacks")
    assert sorted(owned_bindings(root / "stacks")) == sorted(s for s in STACKS if s != "podcast-dev")
    assert held(run_stack_at(root, "podcast-dev"))  # it grants on the tags itself again


def run_stack_at(root, stack: str) -> list:
    return plan_stack(stack, root / "stacks", preview=False).inventory.registrations


def test_the_platform_stack_is_planned_offline_and_deploys_last():
    result = CliRunner().invoke(main, ["plan", "--stack", "platform", "--stacks-dir", str(STACKS_DIR)])
    assert result.exit_code == 0, result.output
    assert "(the platform stack)" in result.output and GOVERNANCE in result.output
    assert "Deploys after charts-prod, listener-prod, player-prod, playlist-prod, podcast-dev, podcast-prod" in \
        " ".join(result.output.split())
    result = CliRunner().invoke(main, ["order", "--env", "dev", "--stacks-dir", str(STACKS_DIR)])
    assert result.exit_code == 0 and result.output.strip().splitlines()[-1].strip().startswith("2. platform")


def test_the_platform_stack_is_no_domain_stack():
    assert "platform" in ALL_STACKS and "platform" not in STACKS
    with pytest.raises(UsageError, match="the platform stack"):
        load_stack("platform", STACKS_DIR)
