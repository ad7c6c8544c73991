"""Retention reaches all the data: the internal dataset's default, raw tables, subscriptions, labels,
and the rule that holds every data holder of a product to its declared retention.

What mocks cannot prove: that BigQuery applies the dataset's default partition expiration to the
partitioned tables dbt creates (its documentation says it does, for tables created afterwards), or
when partitions and messages are actually deleted.
"""

from __future__ import annotations

import dataclasses

import pytest

from components_support import (
    DATASET, LABELS, PID, SUBSCRIPTION, TABLE, dataset, named, of_type, run, run_stack,
)
from meshplane.declaration.model import InputPort as InputPortDeclaration
from meshplane.gcp.dataset import BigQueryDataset, BigQueryDatasetArgs
from meshplane.gcp.input_port import InputPort, InputPortArgs
from meshplane.governance.inventory import MANDATORY, resources_from_document
from meshplane.governance.inventory_check import check_inventory
from meshplane.settings.platform import GovernanceSettings
from meshplane.product.product_needs import label_retention, retention_label, subscription_retention

DAY_MS = 86_400_000


@pytest.mark.parametrize(("retention", "label", "days"), [
    ("P2Y", "p2y", 730), ("P1Y6M", "p1y6m", 545), ("P12W", "p12w", 84), ("PT12H", "pt12h", 0.5),
    ("PT1.5H", "pt5400s", 1.5 / 24),  # '.' is not allowed in a label value: whole seconds
])
def test_the_retention_label_states_the_declared_duration(retention, label, days):
    assert retention_label(retention) == {"retention": label}
    assert label_retention(label).total_seconds() == pytest.approx(days * 86_400)


def test_no_retention_no_label_and_a_label_that_is_no_duration_is_none():
    assert retention_label(None) == {}
    assert label_retention("forever") is None and label_retention("") is None and label_retention(3) is None


@pytest.mark.parametrize(("retention", "expected"), [
    (None, None), ("P2Y", None), ("P7D", None),  # Pub/Sub's 7 days keep no longer
    ("P3D", "259200s"), ("PT1H", "3600s"), ("PT5M", "600s"),  # at least Pub/Sub's minimum
])
def test_a_subscription_keeps_messages_no_longer_than_a_short_retention(retention, expected):
    assert subscription_retention(retention) == expected


@pytest.fixture(scope="module")
def player():
    return run_stack("player-prod")


def test_the_internal_dataset_gives_dbts_partitioned_tables_the_products_retention(player):
    """play-events declares P1Y, its port P90D: dbt's tables take the product's."""
    internal = named(player, "play-events-storage-internal", DATASET)
    assert internal.inputs["defaultPartitionExpirationMs"] == 365 * DAY_MS
    assert internal.inputs["labels"]["retention"] == "p1y"


def test_no_dataset_has_a_default_table_expiration_and_no_table_an_expiration_time(player):
    """A table expiration deletes the whole table: port and raw tables would go with dbt's."""
    assert not [d.name for d in of_type(player, DATASET) if "defaultTableExpirationMs" in d.inputs]
    assert not [t.name for t in of_type(player, TABLE) if "expirationTime" in t.inputs]


def test_every_data_table_states_its_own_expiry_where_its_dataset_has_a_default(player):
    """The default applies to a table created without one (0 is sent as nothing): meshplane's never are."""
    defaults = {d.inputs["datasetId"]: d.inputs.get("defaultPartitionExpirationMs") for d in of_type(player, DATASET)}
    tables = [t for t in of_type(player, TABLE) if "view" not in t.inputs]
    assert tables and all(t.inputs["timePartitioning"]["expirationMs"] > 0 for t in tables
                          if defaults.get(t.inputs["datasetId"])), [t.name for t in tables]


def test_the_raw_table_expires_partitions_after_the_products_retention(player):
    raw = named(player, "play-events-in-play_events_topic-raw")
    assert raw.inputs["timePartitioning"] == {"type": "DAY", "field": "publish_time", "expirationMs": 365 * DAY_MS}
    assert raw.inputs["labels"]["retention"] == "p1y"
    [sub] = of_type(player, SUBSCRIPTION)
    assert "messageRetentionDuration" not in sub.inputs  # 7 days, the default, is shorter than a year


def test_a_port_overriding_the_retention_states_its_own(player):
    port_table = named(player, "play-events-storage-events_v1")
    assert port_table.inputs["timePartitioning"]["expirationMs"] == 90 * DAY_MS
    assert port_table.inputs["labels"]["retention"] == "p90d"
    assert named(player, "play-events-events-v1", DATASET).inputs["labels"]["retention"] == "p90d"


@pytest.mark.parametrize(("retention", "expiration_ms", "kept"), [
    ("P1D", DAY_MS, "86400s"), (None, 0, None)])
def test_a_raw_table_and_subscription_keep_what_the_retention_allows(retention, expiration_ms, kept):
    def program():
        return InputPort("in", InputPortArgs(
            port=InputPortDeclaration(name="src", pubsubTopic="projects/daff-ops/topics/events"), project=PID,
            runner="serviceAccount:r@x.example", ready=dataset("ready"), internal=dataset("internal"),
            internal_dataset_id="d_x", labels=LABELS, pubsub_agent="serviceAccount:agent@x.example",
            retention=retention))

    inv = run(program)
    assert named(inv, "in-raw").inputs["timePartitioning"]["expirationMs"] == expiration_ms
    assert named(inv, "in-subscription").inputs.get("messageRetentionDuration") == kept


@pytest.mark.parametrize(("given", "stated"), [(None, None), (0, None), (30 * DAY_MS, 30 * DAY_MS)])
def test_a_dataset_states_a_default_partition_expiration_only_when_given(given, stated):
    def program():
        return BigQueryDataset("ds", BigQueryDatasetArgs(project=PID, dataset_id="d_x", location="EU", labels=LABELS,
                                                         default_partition_expiration_ms=given))

    inputs = named(run(program), "ds", DATASET).inputs
    assert inputs.get("defaultPartitionExpirationMs") == stated and "defaultTableExpirationMs" not in inputs


def test_every_table_of_a_product_carries_its_retention_label():
    inv = run_stack("podcast-prod")
    catalog_tables = [t for t in of_type(inv, TABLE) if t.name.startswith("podcast-catalog-")]
    assert catalog_tables and all(t.inputs["labels"]["retention"] == "p10y" for t in catalog_tables)


def test_the_rule_reads_the_planned_stacks_labels():
    """On the real plan: a raw table or internal dataset that keeps data longer than declared is refused."""
    from meshplane.plan.run import plan_stack
    from components_support import STACKS_DIR

    plan = plan_stack("player-prod", STACKS_DIR)
    resources = resources_from_document(plan.document)
    settings = GovernanceSettings()
    assert [v for v in check_inventory(resources, settings) if v.rule == "retention-within-declared"] == []

    def forever(r):
        if r.name == "play-events-in-play_events_topic-raw":
            return dataclasses.replace(r, inputs={**r.inputs, "timePartitioning": {"type": "DAY", "field": "x"}})
        if r.name == "play-events-storage-internal" and r.type.endswith(":Dataset"):
            return dataclasses.replace(r, inputs={k: v for k, v in r.inputs.items()
                                                  if k != "defaultPartitionExpirationMs"})
        return r

    found = {(v.urn.rsplit("::", 1)[-1], v.level) for v in check_inventory(map(forever, resources), settings)
             if v.rule == "retention-within-declared"}
    assert found == {("play-events-in-play_events_topic-raw", MANDATORY), ("play-events-storage-internal", MANDATORY)}
    messages = [v.message for v in check_inventory(map(forever, resources), settings)
                if v.rule == "retention-within-declared"]
    assert messages and all("longer than its declared retention" in m for m in messages)
