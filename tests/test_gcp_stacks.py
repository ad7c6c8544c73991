"""Every stack of the repository through the GCP model: the second ``up`` changes nothing, the first
``up`` of the whole mesh succeeds in the documented order, and who sees what is what the declarations
say. Also: a stack deployed by the previous version upgrades without losing an account or data.

What this cannot prove: the behaviours the model does not encode (``gcp-behaviour.md`` lists what
it does), real propagation times (the waits are guesses with margins), or that a live organization
matches the platform settings (the live checks of a later issue).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from components_support import ALL_STACKS, STACKS, STACKS_DIR, built_products, model, runner, settings
from meshplane.product import addresses, standards
from meshplane.product.column_security import column_tags
from meshplane.sql.datascan_rules import processing_time_column, rule_columns
from meshplane.declaration.types import Status
from meshplane.stack.program import is_built
from meshplane.gcpmodel.next_up import CREATE, DELETE, REPLACE, SAME, next_up, unsafe_replacements
from meshplane.gcpmodel.state import load_state, simulate_up
from meshplane.gcpmodel.visibility import ALL, MASKED_VALUE, RAW
from meshplane.product.placement import policy_tags_for
from meshplane.engine.mocks import project_number
from meshplane.gcpmodel.resource_grants import MASKING_IAM, TAG_IAM
from meshplane.plan.run import plan_environment, plan_stack

# The previous version's podcast-prod, deployed: its plan document (tests/golden/podcast-prod.json at
# commit 6026cde) as the provider would read it back (gcpmodel.state.simulate_up), as a stack export.
PREVIOUS = Path(__file__).parent / "states" / "podcast-prod.previous.json"


@functools.lru_cache(maxsize=None)
def planned(stack: str):
    return plan_stack(stack, STACKS_DIR, preview=False)


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_the_second_up_changes_nothing(stack):
    plan = planned(stack)
    changes = next_up(plan.inventory.registrations, simulate_up(plan.inventory.registrations))
    assert {c.op for c in changes.values()} == {SAME}, [(c.op, c.name, c.changed) for c in changes.values()
                                                         if c.op != SAME]


def test_the_first_up_of_the_whole_prod_mesh_succeeds_in_the_documented_order():
    order, plans = plan_environment("prod", STACKS_DIR)
    assert order.order == ["charts-prod", "playlist-prod", "royalties-prod", "player-prod", "podcast-prod",
                           "listener-prod", "platform"]
    assert order.after["platform"] == order.order[:-1]  # it grants every stack's runners (sharedGrants: platform)
    assert order.after["listener-prod"] == ["playlist-prod", "podcast-prod"]  # its consumers' runners
    assert order.ok and not order.cycle and not order.unreachable
    assert {stack: [f.message for f in p.checks.failures] for stack, p in plans.items()} == {s: [] for s in order.order}


@pytest.mark.parametrize("stack", [s for s in STACKS if s.endswith("-prod")])
def test_deployed_out_of_order_a_stack_fails_on_its_consumers_runners(stack):
    """Each producer stack, deployed first, fails exactly on the runners of stacks meant to come before."""
    from meshplane.gcpmodel.existence import World, first_up, principal_key
    from meshplane.plan.deploy_checks import environment_order

    order = environment_order("prod", STACKS_DIR)
    regs = planned(stack).inventory.registrations
    pending = {principal_key(p): s for p, s in order.created_by_others(stack).items()}
    failures = first_up(regs, World(pending=pending))
    assert {f.message.split("which stack ")[1].split(" creates")[0] for f in failures} == set(order.after[stack])


def test_dev_grants_no_consumer_no_dev_stack_creates():
    """The platform lists dev's domains (podcast): playlist's products are not granted in dev, so the first
    up of podcast-dev finds everything it needs (docs/environments.md)."""
    plan = plan_stack("podcast-dev", STACKS_DIR, preview=False)
    assert not plan.checks.unreachable and not plan.checks.failures


def test_a_stack_of_the_previous_version_upgrades_without_losing_an_account_or_data():
    """The previous version's podcast-prod (a simulated state): accounts and agents move by alias, every
    CMEK table keeps its key, no data holder is replaced or deleted; its datasets stay open until fixed."""
    plan = plan_stack("podcast-prod", STACKS_DIR, preview=False, state=load_state(str(PREVIOUS)))
    changes = plan.checks.changes
    deleted = [c for c in changes.values() if c.op == DELETE]
    # the tag grants it held go to the platform stack (sharedGrants: platform): deleting them would revoke the
    # platform stack's bindings, so the plan refuses each until it is dropped from the state (pulumi state delete)
    assert deleted and all(c.type in (TAG_IAM, MASKING_IAM) or c.name.endswith("-column-security") for c in deleted)
    refused = {f.urn for f in plan.checks.failures if "stack platform still grant(s) it" in f.message}
    assert refused == {c.urn for c in deleted if c.type in (TAG_IAM, MASKING_IAM)}
    created = [(c.name, c.op) for c in changes.values() if c.op in (CREATE, REPLACE)
               and c.type.split(":")[-1] in ("Account", "Dataset", "Table", "Project", "ServiceIdentity")]
    # only the catalog's podcasts port, younger than that state, is new (its dataset, table and view), the
    # erasure ledger of the demographics' control port, and each product's audit dataset
    assert sorted(created) == [("podcast-catalog-access-audit-dataset", CREATE), ("podcast-catalog-podcasts-v1", CREATE),
                               ("podcast-catalog-podcasts-v1-view", CREATE), ("podcast-catalog-storage-podcasts_v1", CREATE),
                               ("podcast-demographics-access-audit-dataset", CREATE),
                               ("podcast-demographics-control-erasures", CREATE),
                               ("podcast-demographics-control-ledger-dataset", CREATE)]
    moved = {c.name: c.renamed_from.rsplit("::", 1)[-1] for c in changes.values() if c.renamed_from}
    assert moved["podcast-demographics-identity-invoker"] == "podcast-demographics-dbt-invoker"
    assert moved["podcast-demographics-identity-dataplex-agent"] == "podcast-demographics-observability-dataplex-agent"
    replaced = {c.name: c.replace_reasons for c in changes.values() if c.op == REPLACE}
    assert replaced == {"podcast-demographics-demographics-v1-rows-meshplane_all_rows": ["grantees"],
                        # uploaded from an asset now (the provider marks `content` secret), deleted first
                        "podcast-catalog-discovery-descriptor": ["source"],
                        "podcast-demographics-discovery-descriptor": ["source"]}
    assert not unsafe_replacements(changes)
    views = {c.name: (c.op, tuple(c.changed)) for c in changes.values()
             if c.name.endswith("-view") and c.op != CREATE}  # the podcasts port's view is new
    # a first replacement trigger replaces nothing; the retention label is younger than that state
    assert set(views.values()) <= {("update", ("schema",)), ("update", ("labels.retention", "schema"))}
    assert ("update", ("labels.retention", "schema")) in set(views.values())
    internal = {c.name: (c.op, tuple(c.changed)) for c in changes.values() if c.type.endswith(":Dataset")}
    assert internal["podcast-demographics-storage-internal"] == (  # dbt's new partitioned tables expire
        "update", ("defaultPartitionExpirationMs", "labels.retention"))
    assert len(plan.checks.open_datasets) == 5  # created before datasets started closed: the runbook says so


# --- who sees what -------------------------------------------------------------------------------

def _port_tables(stack: str):
    s = settings(stack)
    for product in built_products(stack):
        project = addresses.project_id(product, s.platform, s.environment)
        tags = policy_tags_for(product.policies.location, s.platform.policy_tags)
        for port in product.output_ports:
            table = f"{project}.{standards.internal_dataset_id(product.name)}.{standards.port_table_id(port.name, port.major)}"
            yield product, port, table, column_tags(port.columns, product.policies.confidentiality, tags)


@pytest.mark.parametrize("stack", STACKS)
def test_who_sees_each_port_table_is_what_the_declarations_say(stack):
    s, sights = settings(stack), planned(stack).checks.sights
    deployer = s.platform.deployer
    for product, port, table, tagged in _port_tables(stack):
        seen = {(x.principal, x.via.split(" ")[0]): x for x in sights if x.table == table}
        for who in (runner(product.id, stack), product.team.owner):  # they write it, and read it whole
            sight = seen.pop((who, "dataset"))
            assert sight.rows == ALL and dict(sight.columns) == {c: RAW for c in tagged}, (table, who)
        for via in ("dataset", "view", "procedure"):
            seen.pop((deployer, via), None)  # the deploying identity: OWNER of what it creates
        agent = f"serviceAccount:service-{project_number(addresses.project_id(product, s.platform, s.environment))}" \
                "@gcp-sa-dataplex.iam.gserviceaccount.com"
        if product.status != Status.RETIRED:
            scan = seen.pop((agent, "table"))
            read = rule_columns(port) | {processing_time_column(port)}  # a SQL rule's * reads every column
            assert scan.rows == ALL and all(scan.column(c) == RAW for c in tagged if c.split(".")[0] in read)
        if port.subject_key and s.platform.governance_principal:
            erase = seen.pop((s.platform.governance_principal, "procedure"))
            assert erase.rows == ALL and erase.column(port.subject_key) in (None, RAW), table
        for consumer in ([] if product.status == Status.RETIRED else port.consumers):
            who = consumer.principal or runner(consumer.data_product, stack)
            if consumer.data_product and not is_built(model(consumer.data_product), s):
                continue  # not deployed in this environment (proposed, or its domain has no stack here)
            sight = seen.pop((who, "view"))
            named = sorted(f.name for f in port.row_filters if who in f.grantees)
            assert sight.rows == (", ".join(named) or ALL), (table, who)
            expected = RAW if consumer.raw_access else MASKED_VALUE
            assert _all(dict(sight.columns), expected), (table, who, sight.columns)
        assert not seen, f"{table}: nobody else reads it, yet {sorted(seen)}"


def _all(columns: dict, level: str) -> bool:
    return all(value == level for value in columns.values())


def test_no_one_reads_through_project_roles():
    for stack in STACKS:
        assert not [x for x in planned(stack).checks.sights if x.principal.startswith("project")], stack
        assert planned(stack).checks.open_datasets == []


def test_a_real_states_project_numbers_are_used_not_the_mocks(tmp_path):
    """A deployed project's number is its own: agents' e-mails in a real export hold it. Planned against
    such a state, the program uses those numbers, so no grant to an agent looks replaced."""
    from meshplane.gcpmodel.state import export_document, render_state, state_from_document
    from meshplane.engine.mocks import project_number

    plan = planned("podcast-prod")
    text = render_state(export_document(plan.checks.state, stack="podcast-prod", project="data-mesh"))
    for product in built_products("podcast-prod"):
        project = addresses.project_id(product, settings("podcast-prod").platform, "prod")
        text = text.replace(project_number(project), str(900_000_000_000 + len(project)))
    real = state_from_document(__import__("json").loads(text))
    again = plan_stack("podcast-prod", STACKS_DIR, preview=False, state=real)
    assert {c.op for c in again.checks.changes.values()} == {SAME}
    assert again.checks.failures == []
