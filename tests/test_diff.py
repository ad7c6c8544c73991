"""``meshplane diff``: classification, risk flags and rendering, on hand-built documents and on
plans of real blueprint edits (see ``diff_support``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from diff_support import (CATALOG, DEMOGRAPHICS, YEAR_IN_REVIEW, add_consumer, by_name, delete_declaration, diff,
                          document, drop_input_port, edit_declaration, one, ops, output_port, read_renamed_port,
                          rename_port, scenario, state, with_inputs)
from meshplane.plan.diff import BREAKING, DATA_LOSS, NARROWED, POLICY, WIDENED, diff_documents
from meshplane.plan.diff_render import exit_code, render_json, render_markdown, render_text
from meshplane.gcpmodel.replacements import (DATASET, DATASET_ACCESS, EVERY, PROJECT, REPLACE_ON, ROW_ACCESS_POLICY,
                                         TABLE, schema_forces_replacement)

DOC = Path(__file__).resolve().parents[1] / "docs" / "diff.md"
PORT_TABLE = {"project": "p", "datasetId": "d", "tableId": "t", "deletionProtection": True,
              "timePartitioning": {"field": "ts", "type": "DAY"}, "labels": {"environment": "prod"}}
VIEW = {"project": "p", "datasetId": "d", "tableId": "v", "deletionProtection": False, "view": {"query": "x"}}


# --- classification on hand-built documents ---

def test_identical_inputs_are_same_whatever_the_key_order():
    change = one(TABLE, dict(PORT_TABLE), dict(reversed(list(PORT_TABLE.items()))))
    assert (change.op, change.changed_inputs, change.flags) == ("same", [], [])


def test_update_lists_dotted_paths_and_lists_as_whole_values():
    new = {**PORT_TABLE, "labels": {"environment": "dev"}, "description": "new", "clusterings": ["a"]}
    change = one(TABLE, {**PORT_TABLE, "clusterings": ["a", "b"]}, new)
    assert change.op == "update"
    assert change.changed_inputs == ["clusterings", "description", "labels.environment"]
    assert change.flags == []


@pytest.mark.parametrize("type_, old, new, keys", [
    (DATASET, {"datasetId": "d", "location": "EU"}, {"datasetId": "d", "location": "europe-west1"}, ["location"]),
    (PROJECT, {"projectId": "a", "folderId": "1"}, {"projectId": "b", "folderId": "1"}, ["projectId"]),
    (TABLE, PORT_TABLE, {**PORT_TABLE, "timePartitioning": {"field": "other", "type": "DAY"}},
     ["timePartitioning.field"]),
    (TABLE, PORT_TABLE, {**PORT_TABLE, "tableId": "t2"}, ["tableId"]),
    (DATASET_ACCESS, {"datasetId": "d", "role": "READER", "groupByEmail": "a@x"},
     {"datasetId": "d", "role": "READER", "groupByEmail": "b@x"}, ["groupByEmail"]),
    ("gcp:cloudrunv2/jobIamMember:JobIamMember", {"name": "j", "member": "user:a@x", "role": "r"},
     {"name": "j", "member": "user:b@x", "role": "r"}, ["member"]),
    ("gcp:secretmanager/secretIamMember:SecretIamMember", {"secretId": "s", "member": "m", "role": "r"},
     {"secretId": "t", "member": "m", "role": "r"}, ["secretId"]),  # unlisted: matched by name
])
def test_replacement_inputs_replace(type_, old, new, keys):
    change = one(type_, old, new)
    assert (change.op, change.replace_keys) == ("replace", keys)


@pytest.mark.parametrize("type_, old, new", [
    (PROJECT, {"projectId": "a", "folderId": "1"}, {"projectId": "a", "folderId": "2"}),  # a folder move
    (TABLE, PORT_TABLE, {**PORT_TABLE, "timePartitioning": {"field": "ts", "type": "MONTH"}}),
    (DATASET_ACCESS, {"datasetId": "d", "role": "READER"}, {"datasetId": "d", "role": "READER",
                                                           "deletionPolicy": "ABANDON"}),
    (ROW_ACCESS_POLICY, {"policyId": "p", "filterPredicate": "a"}, {"policyId": "p", "filterPredicate": "b"}),
    ("gcp:unknown/thing:Thing", {"name": "a"}, {"name": "b"}),
])
def test_other_inputs_update(type_, old, new):
    assert one(type_, old, new).op == "update"


@pytest.mark.parametrize("old, new, replaces", [
    ([{"name": "a", "type": "STRING"}], [{"name": "a", "type": "STRING"}, {"name": "b", "type": "INT64"}], False),
    ([{"name": "a", "type": "STRING"}], [{"name": "a", "type": "STRING"},
                                         {"name": "b", "type": "INT64", "mode": "REQUIRED"}], True),
    ([{"name": "a", "type": "STRING"}], [{"name": "a", "type": "BYTES"}], True),
    ([{"name": "a", "type": "INTEGER"}], [{"name": "a", "type": "INT64", "description": "d"}], False),
    ([{"name": "a", "type": "STRING", "mode": "REQUIRED"}], [{"name": "a", "type": "STRING"}], False),
    ([{"name": "a", "type": "STRING"}], [{"name": "a", "type": "STRING", "mode": "REQUIRED"}], True),
    ([{"name": "a", "type": "STRING"}, {"name": "b", "type": "STRING"}], [{"name": "a", "type": "STRING"}], False),
    ([{"name": "a", "type": "STRING"}], [{"name": "b", "type": "STRING"}], True),  # a rename: drop and add
    ([{"name": "r", "type": "RECORD", "fields": [{"name": "x", "type": "STRING"}, {"name": "y", "type": "STRING"}]}],
     [{"name": "r", "type": "RECORD", "fields": [{"name": "x", "type": "STRING"}]}], True),  # nested drop
])
def test_schema_changes_replace_only_when_bigquery_cannot_alter_the_table(old, new, replaces):
    assert schema_forces_replacement(json.dumps(old), json.dumps(new)) is replaces
    change = one(TABLE, {**PORT_TABLE, "schema": json.dumps(old)}, {**PORT_TABLE, "schema": json.dumps(new)})
    assert change.op == ("replace" if replaces else "update")
    assert change.changed_inputs == ["schema"]


def test_unknown_schema_counts_as_a_replacement():
    assert schema_forces_replacement('[{"name": "a", "type": "STRING"}]', "04da6b54-80e4-46f7-96ec-b56ff0331ba9")


def test_protect_change_is_an_update_and_losing_it_on_data_is_data_loss():
    lost = one(DATASET, {"datasetId": "d"}, {"datasetId": "d"}, before={"protect": True})
    assert (lost.op, lost.changed_inputs, lost.flags) == ("update", ["protect"], [DATA_LOSS])
    gained = one(DATASET, {"datasetId": "d"}, {"datasetId": "d"}, protect=True)
    assert (gained.op, gained.changed_inputs, gained.flags) == ("update", ["protect"], [])
    unprotected_table = one(TABLE, PORT_TABLE, {**PORT_TABLE, "deletionProtection": False})
    assert unprotected_table.flags == [DATA_LOSS]
    assert one(TABLE, VIEW, {**VIEW, "view": {"query": "y"}}).flags == []


@pytest.mark.parametrize(("old", "new", "lost"), [
    (PORT_TABLE | {"schema": '[{"name":"a"},{"name":"b"}]'}, PORT_TABLE | {"schema": '[{"name":"a"}]'},
     ["drops column b"]),
    (PORT_TABLE | {"timePartitioning": {"field": "ts", "expirationMs": 0}},
     PORT_TABLE | {"timePartitioning": {"field": "ts", "expirationMs": 86_400_000}},
     ["partitions expire after 1 days (was never)"]),
    (PORT_TABLE | {"timePartitioning": {"field": "ts", "expirationMs": "172800000"}},
     PORT_TABLE | {"timePartitioning": {"field": "ts", "expirationMs": "86400000"}},
     ["partitions expire after 1 days (was 2 days)"]),
    (PORT_TABLE, PORT_TABLE | {"expirationTime": 1_900_000_000_000}, ["the table expires (expirationTime)"]),
    (PORT_TABLE | {"timePartitioning": {"field": "ts", "expirationMs": 86_400_000}},
     PORT_TABLE | {"timePartitioning": {"field": "ts", "expirationMs": 0}}, []),
    (PORT_TABLE | {"schema": '[{"name":"a"}]'}, PORT_TABLE | {"schema": '[{"name":"a"},{"name":"b"}]'}, []),
])
def test_updates_in_place_that_delete_data_are_data_loss(old, new, lost):
    change = one(TABLE, old, new)
    assert (change.op, change.lost_data, change.data_loss) == ("update", lost, bool(lost))
    assert not one(TABLE, VIEW | {"schema": '[{"name":"a"},{"name":"b"}]'}, VIEW | {"schema": '[{"name":"a"}]'}).flags


def test_resource_options_replace_and_row_policies_stop_dropping_columns_in_place():
    trigger = {"replacementTrigger": "a,b", "deleteBeforeReplace": True}
    before, after = state(TABLE, "v", VIEW, **trigger), state(TABLE, "v", VIEW, **{**trigger, "replacementTrigger": "a,b,c"})
    result = diff(document(before), document(after))
    view = by_name(result, "v")
    assert (view.op, view.replace_keys, view.delete_first) == ("replace", ["replacementTrigger"], True)
    assert "v  (deleted first: absent until re-created)" in render_text(result)
    first = one(TABLE, VIEW, VIEW, replacementTrigger="a,b")  # set for the first time: nothing to replace
    assert first.op == "same"
    grantees = {"datasetId": "d", "tableId": "t", "policyId": "p", "grantees": ["group:a@x"]}
    widened = one(ROW_ACCESS_POLICY, grantees, {**grantees, "grantees": ["group:a@x", "group:b@x"]},
                  replaceOnChanges=["grantees"])
    assert (widened.op, widened.replace_keys) == ("replace", ["grantees"])
    two, one_column = (PORT_TABLE | {"schema": json.dumps(c)} for c in ([{"name": "a"}, {"name": "b"}], [{"name": "a"}]))
    policy = state(ROW_ACCESS_POLICY, "p", {"project": "p", "datasetId": "d", "tableId": "t", "policyId": "p"})
    result = diff(document(state(TABLE, "t", two, protect=True), policy),
                  document(state(TABLE, "t", one_column, protect=True), policy))
    table = by_name(result, "t")
    assert (table.op, table.replace_keys, table.flags) == ("replace", ["schema"], [DATA_LOSS])


def test_data_loss_needs_data():
    view_replaced = one(TABLE, VIEW, {**VIEW, "tableId": "v2"})
    assert (view_replaced.op, view_replaced.flags) == ("replace", [])
    table_replaced = one(TABLE, PORT_TABLE, {**PORT_TABLE, "tableId": "t2"})
    assert table_replaced.flags == [DATA_LOSS]
    protected = state("gcp:storage/bucket:Bucket", "b", {"name": "b"}, protect=True)
    result = diff(document(protected), document())
    assert by_name(result, "b").flags == [DATA_LOSS] and exit_code(result) == 3


def test_access_is_compared_as_grants_not_as_resources():
    grant = {"datasetId": "d", "project": "p", "role": "READER", "groupByEmail": "a@x"}
    renamed = diff(document(state(DATASET_ACCESS, "old", grant)), document(state(DATASET_ACCESS, "new", grant)))
    assert ops(renamed) == {"create": 1, "delete": 1}
    assert renamed.summary["flags"] == {DATA_LOSS: 0, WIDENED: 0, POLICY: 0, NARROWED: 0, BREAKING: 0}
    accesses = {"datasetId": "d", "project": "p", "accesses": [{"role": "READER", "userByEmail": "u@x"}]}
    moved = one(DATASET, {**accesses, "location": "EU"}, {**accesses, "location": "US"})
    assert (moved.op, moved.flags) == ("replace", [DATA_LOSS])
    widened = one(DATASET, accesses, {**accesses, "accesses": [{"role": "READER", "userByEmail": "u@x"},
                                                                {"role": "WRITER", "iamMember": "allUsers"}]},
                  rules=["no-public-principals"])
    assert (widened.op, widened.changed_inputs, widened.flags) == ("update", ["accesses"], [WIDENED, POLICY])


def test_row_access_policy_grantees():
    policy = {"project": "p", "datasetId": "d", "tableId": "t", "policyId": "eu", "filterPredicate": "c = 'NL'"}
    change = one(ROW_ACCESS_POLICY, {**policy, "grantees": ["group:a@x"]}, {**policy, "grantees": ["group:b@x"]})
    assert (change.op, change.flags) == ("update", [WIDENED, NARROWED])
    assert [g.principal for g in change.gained] == ["group:b@x"]


def test_stack_and_provider_steps_are_not_compared():
    stack = {"urn": "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "type": "pulumi:pulumi:Stack", "inputs": {}}
    provider = {"urn": "urn:pulumi:s::p::pulumi:providers:gcp::default_1", "type": "pulumi:providers:gcp",
                "inputs": {"version": "1"}}
    assert diff(document(stack, provider), document()).changes == {}


def test_json_shape_is_sorted_stable_and_omits_same():
    a, b, c, d = (state(DATASET, n, {"datasetId": n}, protect=True) for n in "abcd")
    a2 = state(DATASET, "a", {"datasetId": "a", "location": "US"}, protect=True)
    result = diff(document(c, d, a), document(d, a2, b))
    out = json.loads(render_json(result))
    assert list(out) == ["changes", "contracts", "summary"]
    assert [(x["urn"].rsplit("::")[-1], x["op"]) for x in out["changes"]] == [
        ("a", "replace"), ("b", "create"), ("c", "delete")]
    assert out["changes"][0] == {"urn": a["urn"], "type": DATASET, "op": "replace",
                                 "changedInputs": ["location"], "flags": [DATA_LOSS]}
    assert out["summary"] == {"ops": {"create": 1, "update": 0, "replace": 1, "delete": 1, "same": 1},
                              "flags": {DATA_LOSS: 2, WIDENED: 0, POLICY: 0, NARROWED: 0, BREAKING: 0},
                              "contracts": {"breaking": 0, "additive": 0, "patch": 0, "refused": 0, "warnings": 0}}
    assert out["contracts"] == {"changes": [], "findings": []}
    assert render_json(result) == render_json(diff(document(a, d, c), document(b, a2, d)))


def test_markdown_folds_long_tables_and_text_leads_with_risk():
    many = [state(DATASET_ACCESS, f"g{i}", {"datasetId": "d", "role": "READER", "groupByEmail": f"g{i}@x"})
            for i in range(12)]
    table = state(TABLE, "t", PORT_TABLE)
    result = diff(document(table), document(*many))
    markdown = render_markdown(result)
    assert markdown.index("#### Data loss (1)") < markdown.index("<details><summary>Appendix") < markdown.index(
        "#### Grants added (12)")
    assert "12 grants to principals no declaration names" in markdown  # hand-built: nothing is declared
    text = render_text(result).splitlines()
    assert text[:3] == ["12 to create, 1 to delete (0 unchanged)", "risk: 1 data-loss, 12 access-widened",
                        " - delete   bigquery/table:Table  t  [data-loss]"]


def test_docs_list_every_replacement_and_flag():
    text = DOC.read_text(encoding="utf-8")
    rows = {line.split("`")[1]: line for line in text.splitlines() if line.startswith(("| `gcp:", "| `time:"))}
    assert sorted(rows) == sorted(REPLACE_ON)
    for type_, rule in REPLACE_ON.items():
        replaced = rows[type_].split(" | ")[1]
        expected = ["every input"] if EVERY in rule.inputs else [f"`{p}`" for p in rule.inputs]
        assert [e for e in expected if e not in replaced] == [], type_
    assert [f for f in (DATA_LOSS, BREAKING, WIDENED, POLICY, NARROWED) if f"| `{f}` |" not in text] == []


# --- scenarios: plans of real blueprint edits (podcast-prod) ---

def test_adding_a_consumer_widens_access_only(tmp_path):
    result = diff_documents(*scenario(tmp_path, edit_declaration(DEMOGRAPHICS, add_consumer)))
    assert ops(result) == {"create": 1, "replace": 1}
    assert result.summary["flags"] == {DATA_LOSS: 0, WIDENED: 2, POLICY: 0, NARROWED: 0, BREAKING: 0}
    access = by_name(result, "podcast-demographics-demographics-v1-reader-group-ad-sales-at-daff.example")
    assert (access.op, [g.role for g in access.gained]) == ("create", ["READER"])
    all_rows = by_name(result, "podcast-demographics-demographics-v1-rows-meshplane_all_rows")
    # sees every row now; the program replaces a row policy whose grantees change (replace_on_changes)
    assert (all_rows.op, all_rows.changed_inputs, all_rows.delete_first) == ("replace", ["grantees"], True)
    assert exit_code(result) == 0
    # its masked read of the tagged columns is the platform stack's (sharedGrants: platform): its diff widens
    shared = diff_documents(*scenario(tmp_path / "platform", edit_declaration(DEMOGRAPHICS, add_consumer),
                                      stack="platform"))
    assert ops(shared) == {"create": 1} and shared.summary["flags"][WIDENED] == 1
    [masked] = [c for c in shared.changes.values() if c.op == "create"]
    assert [(g.principal, g.role) for g in masked.gained] == [
        ("group:ad-sales@daff.example", "roles/bigquerydatapolicy.maskedReader")]


def test_renaming_a_port_deletes_its_datasets(tmp_path):
    result = diff_documents(*scenario(tmp_path, edit_declaration(CATALOG, rename_port),
                                      edit_declaration(YEAR_IN_REVIEW, read_renamed_port)))
    lost = {(c.op, c.name) for c in result.flagged(DATA_LOSS)}
    assert lost == {("delete", "podcast-catalog-episodes-v1"), ("delete", "podcast-catalog-storage-episodes_v1")}
    assert by_name(result, "podcast-catalog-storage-internal").op == "same"
    # a rename removes a major its consumers read, without notice: refused until the old name is deprecated
    assert [(f.port, f.level) for f in result.contracts.refused] == [("", "refused"), ("episodes v1", "refused")]
    assert exit_code(result) == 4
    markdown = render_markdown(result)
    assert markdown.index("#### Data loss") < markdown.index("#### Grants added") < markdown.index(
        "#### Grants removed") < markdown.index("#### Other changes")


def test_moving_a_product_replaces_its_datasets(tmp_path):
    relocate = edit_declaration(CATALOG, lambda d: d["policies"].update(location="europe-west1"))
    result = diff_documents(*scenario(tmp_path, relocate))
    # and the registry object, as the descriptor names the new location
    assert ops(result) == {"replace": 4, "update": 2}
    updated = {c.type for c in result.changes.values() if c.op == "update"}
    # the resource-locations policy and the dbt job's MESHPLANE_LOCATION follow the data
    assert updated == {"gcp:orgpolicy/policy:Policy", "gcp:cloudrunv2/job:Job"}
    assert {c.name for c in result.flagged(DATA_LOSS)} == {"podcast-catalog-episodes-v1", "podcast-catalog-podcasts-v1",
                                                            "podcast-catalog-storage-internal"}
    assert all(c.replace_keys == ["location"] for c in result.flagged(DATA_LOSS))
    assert "location cannot change in place" in render_markdown(result)
    assert exit_code(result) == 3


def test_reordering_consumers_changes_nothing(tmp_path):
    reorder = edit_declaration(DEMOGRAPHICS, lambda d: output_port(d, "demographics")["consumers"].reverse())
    result = diff_documents(*scenario(tmp_path, reorder))
    assert ops(result) == {}
    assert json.loads(render_json(result))["changes"] == []
    assert render_text(result).startswith("No changes (")


def test_retiring_a_product_removes_grants_and_keeps_data(tmp_path):
    # year-in-review, the other reader of podcast-catalog, is dormant: it may read a retired product
    result = diff_documents(*scenario(tmp_path, edit_declaration(CATALOG, lambda d: d.update(status="retired"))))
    deleted = {c.type.split(":")[1] for c in result.changes.values() if c.op == "delete" and c.type.startswith("gcp:")}
    assert {c.op for c in result.changes.values()} == {"delete", "same", "replace"}
    # the identities' wait is replaced: it has fewer identities to wait for (no invoker, no agents);
    # so is the registry object: the descriptor says retired
    assert {c.name for c in result.changes.values() if c.op == "replace"} == {
        "podcast-catalog-identity-ready", "podcast-catalog-discovery-descriptor"}
    # the consumer grants go, and so do the dbt job, its schedule, invoker and alerts, the
    # data-quality scans (with the Dataplex agent's reads) and the Dataplex registration
    assert deleted == {"bigquery/datasetAccess", "cloudrunv2/job", "cloudrunv2/jobIamMember",
                       "cloudscheduler/job", "serviceaccount/account", "monitoring/alertPolicy",
                       "monitoring/monitoredProject", "dataplex/datascan", "dataplex/dataProduct",
                       "dataplex/dataProductDataAsset", "logging/metric", "projects/serviceIdentity",
                       "bigquery/iamMember", "artifactregistry/repositoryIamMember"}
    assert all(c.flags == [NARROWED] for c in result.changes.values() if c.type == DATASET_ACCESS and c.op != "same")
    lost = {g.principal.split("@")[0] for c in result.flagged(NARROWED) for g in c.lost}
    agents = {p for p in lost if p.startswith("serviceAccount:service-")}  # the Dataplex agent's reads
    assert lost - agents == {"group:all-employees", "serviceAccount:run-year-in-review",
                             "serviceAccount:inv-podcast-catalog"} and len(agents) == 1
    assert all(c.op == "same" for c in result.changes.values() if c.type in (DATASET, TABLE, PROJECT))
    assert exit_code(result) == 0


def test_removing_a_product_deletes_protected_data(tmp_path):
    # podcast-catalog's one reader must stop reading it for the mesh to stay valid
    remove = (delete_declaration(CATALOG), edit_declaration(YEAR_IN_REVIEW, lambda d: drop_input_port(d, "podcast_catalog")))
    result = diff_documents(*scenario(tmp_path, *remove))
    assert set(ops(result)) == {"delete"}
    lost = result.flagged(DATA_LOSS)
    assert {c.type for c in lost} == {PROJECT, DATASET, TABLE} and len(lost) == 7  # 2 ports: dataset and table each,
    # and the audit dataset (retained in GCP, like the others: its logs stay until they expire)
    assert all(c.protected for c in lost)  # Pulumi would refuse: the reviewer still sees them
    assert "protected, so `pulumi up` stops before deleting it" in render_markdown(result)
    assert exit_code(result) == 3


def test_a_newly_broken_governance_rule_is_flagged(tmp_path):
    # Declarations refuse public principals, so no valid blueprint edit grants allUsers: the head is
    # the base plan with one DatasetAccess edited as a hand-written program change could.
    base, _ = scenario(tmp_path)
    suffix = "podcast-catalog-episodes-v1-reader-group-all-employees-at-daff.example"

    def to_all_users(inputs: dict) -> None:
        del inputs["groupByEmail"]
        inputs["iamMember"] = "allUsers"
    result = diff_documents(base, with_inputs(base, suffix, to_all_users))
    change = by_name(result, suffix)
    assert (change.op, change.replace_keys, change.flags) == ("replace", ["groupByEmail", "iamMember"],
                                                               [WIDENED, POLICY, NARROWED])
    assert [(v.rule, v.level) for v in change.violations] == [("no-public-principals", "mandatory")]
    markdown = render_markdown(result)
    assert markdown.index("**1 new policy violation**: no-public-principals (mandatory)") < markdown.index(
        "#### Policy violations (1)") < markdown.index("#### Grants added") < markdown.index("#### Grants removed")
    assert "| **no-public-principals** (mandatory) |" in markdown
    assert "1 grant to principals no declaration names**: `allUsers`" in markdown
    assert exit_code(result) == 0  # a policy violation is for the review and CrossGuard, not data loss


# --- port contracts and versions (scenarios; the classification table is test_contracts.py) ---

def _drop_listeners(data: dict) -> None:
    port = output_port(data, "demographics")
    port["schema"] = [c for c in port["schema"] if c["name"] != "listeners"]


def _serve_v2_without_listeners(data: dict) -> None:
    v1 = output_port(data, "demographics")
    v1["deprecation"] = {"reason": "listeners moves to its own port", "successor": "demographics v2",
                         "sunset": "2027-06-30"}
    v2 = json.loads(json.dumps(v1)) | {"version": "2.0.0"}
    del v2["deprecation"]
    v2["schema"] = [c for c in v2["schema"] if c["name"] != "listeners"]
    v2["consumers"] = [c for c in v2["consumers"] if "principal" in c]  # products move when they are ready
    data["outputPorts"].append(v2)
    data["version"] = "2.0.0"


def test_dropping_a_port_column_is_refused_as_breaking_and_data_loss(tmp_path):
    result = diff_documents(*scenario(tmp_path, edit_declaration(DEMOGRAPHICS, _drop_listeners)))
    [change] = result.contracts.changes
    assert (change.port, change.path, change.flags) == ("demographics v1", "listeners", [BREAKING, DATA_LOSS])
    [refused] = result.contracts.refused
    assert refused.port == "demographics v1" and "version 2.0.0" in refused.message
    table = by_name(result, "podcast-demographics-storage-demographics_v1")
    # the table has row access policies: BigQuery cannot drop the column in place, the provider replaces it
    assert (table.op, table.replace_keys, table.flags) == ("replace", ["schema"], [DATA_LOSS])
    descriptor = by_name(result, "podcast-demographics-discovery-descriptor")  # visible, no longer [secret]
    assert descriptor.changed_inputs == ["descriptor.outputPorts[demographics v1].schema[listeners]", "source"]
    assert exit_code(result) == 4  # refused: no label approves it, a new major does
    assert "**Refused**: `podcast.podcast-demographics demographics v1`" in render_markdown(result)
    assert render_text(result).splitlines()[2].startswith("REFUSED: podcast.podcast-demographics demographics v1:")


def _readme_outputs() -> list[list[str]]:
    section = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").split(
        "### Breaking changes need a new major", 1)[1].split("\n## ", 1)[0]
    return [block.strip().splitlines() for block in re.findall(r"```text\n(.*?)```", section, re.S)]


def test_the_readme_shows_the_refusal_and_its_fix(tmp_path):
    refused, fixed = _readme_outputs()
    lines = render_text(diff_documents(*scenario(tmp_path / "a", edit_declaration(DEMOGRAPHICS, _drop_listeners))))
    assert [line for line in refused if line not in lines.splitlines()] == []
    fix = diff_documents(*scenario(tmp_path / "b", edit_declaration(DEMOGRAPHICS, _serve_v2_without_listeners)))
    assert [line for line in fixed if line not in render_text(fix).splitlines()] == []


def test_the_same_change_as_a_new_major_side_by_side_passes(tmp_path):
    result = diff_documents(*scenario(tmp_path, edit_declaration(DEMOGRAPHICS, _serve_v2_without_listeners)))
    assert result.contracts.findings == []
    assert {(c.port, c.path, c.kind) for c in result.contracts.changes} == {
        ("demographics v2", "port", "additive"), ("demographics v1", "deprecation", "patch")}
    assert not result.flagged(DATA_LOSS) and exit_code(result) == 0


def test_an_additive_column_without_a_minor_bump_is_a_warning(tmp_path):
    def add_column(data: dict) -> None:
        output_port(data, "demographics")["schema"].insert(1, {"name": "episodes", "type": "INT64"})
    result = diff_documents(*scenario(tmp_path, edit_declaration(DEMOGRAPHICS, add_column)))
    assert [(c.path, c.kind) for c in result.contracts.changes] == [("episodes", "additive")]
    assert [(f.port, f.level) for f in result.contracts.findings] == [("", "warning"),  # the product's version
                                                                       ("demographics v1", "warning")]
    assert exit_code(result) == 0 and not result.flagged(DATA_LOSS)
