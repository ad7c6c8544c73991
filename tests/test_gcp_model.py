"""The GCP model's rules, one behaviour of ``gcp-behaviour.md`` each, on hand-built registrations.

Read-back (what the next ``up`` sees), existence and order (where a create fails), visibility (who
sees which rows and columns). The stacks of the repository go through the same model in
``test_gcp_stacks.py``. What the model cannot prove is what it leaves out: it encodes the behaviours
listed, from the provider's source and GCP's documentation, not GCP itself.
"""

from __future__ import annotations

import json

import pytest

from meshplane.gcpmodel.existence import World, first_up, principal_key
from meshplane.gcpmodel.next_up import DELETE, REPLACE, SAME, UPDATE, next_up
from meshplane.gcpmodel.readback import CREATOR, read_back
from meshplane.gcpmodel.state import StateResource, simulate_up, state_from_document
from meshplane.gcpmodel.table_schema import equivalent
from meshplane.gcpmodel.visibility import ALL, DENIED, MASKED_VALUE, NONE, RAW, visibility
from meshplane.engine.harness import Registration
from meshplane.engine.mocks import project_number
from meshplane.plan.runbooks import runbook

P, KEY = "daff-prod-x", "projects/sec/locations/europe/keyRings/r/cryptoKeys/bq"
DATASET, TABLE = "gcp:bigquery/dataset:Dataset", "gcp:bigquery/table:Table"
ACCESS, ROW_POLICY = "gcp:bigquery/datasetAccess:DatasetAccess", "gcp:bigquery/rowAccessPolicy:RowAccessPolicy"
ACCOUNT, SLEEP = "gcp:serviceaccount/account:Account", "time:index/sleep:Sleep"
KEY_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
RUNNER = f"run-x@{P}.iam.gserviceaccount.com"
BQ_AGENT = f"serviceAccount:bq-{project_number(P)}@bigquery-encryption.iam.gserviceaccount.com"
SEED = [{"role": "OWNER", "userByEmail": "deployer@platform.iam.gserviceaccount.com"}]


def reg(type_: str, resource: str, *, deps: tuple[Registration, ...] = (), protect: bool = False,
        outputs: dict | None = None, **inputs) -> Registration:
    return Registration(urn=f"urn:pulumi:prod::data-mesh::{type_}::{resource}", type=type_, name=resource, custom=True,
                        parent="", inputs=inputs, protect=protect, retain_on_delete=protect,
                        dependencies=tuple(d.urn for d in deps), outputs=outputs or {})


def dataset(name: str = "internal", **extra) -> Registration:
    return reg(DATASET, name, protect=True, project=P, datasetId=f"x_{name}", location="EU", **extra)


def table(name: str = "t", ds: str = "internal", **extra) -> Registration:
    return reg(TABLE, name, protect=True, **{"project": P, "datasetId": f"x_{ds}", "tableId": name,
                                             "deletionProtection": True, **extra})


def second_up(before: list[Registration], after: list[Registration]) -> dict:
    """What the next up of ``after`` does to the state the first up of ``before`` left."""
    return next_up(after, simulate_up(before))


# --- read-back: the second up --------------------------------------------------------------------

def test_a_dataset_created_without_an_access_list_gets_bigquerys_project_role_defaults():
    [acl] = [o["accesses"] for o in read_back([dataset()]).values()]
    assert {(e["role"], e.get("specialGroup") or e.get("userByEmail")) for e in acl} == {
        ("READER", "projectReaders"), ("WRITER", "projectWriters"), ("OWNER", "projectOwners"), ("OWNER", CREATOR)}
    [seeded] = [o["accesses"] for o in read_back([dataset(accesses=SEED)]).values()]
    assert seeded == SEED


def test_a_table_in_a_cmek_dataset_without_its_key_is_replaced_on_the_next_up():
    """The API answers with the inherited key; encryption_configuration is ForceNew and not Computed."""
    ds = dataset(defaultEncryptionConfiguration={"kmsKeyName": KEY})
    changes = second_up([ds, table()], [ds, table()])
    assert changes[table().urn].op == REPLACE and changes[table().urn].replace_reasons == ["encryptionConfiguration"]
    keyed = table(encryptionConfiguration={"kmsKeyName": KEY})
    assert second_up([ds, keyed], [ds, keyed])[keyed.urn].op == SAME
    versioned = table(encryptionConfiguration={"kmsKeyName": KEY + "/cryptoKeyVersions/3"})
    assert read_back([ds, versioned])[versioned.urn]["encryptionConfiguration"] == {"kmsKeyName": KEY}


def test_a_view_in_a_cmek_dataset_has_no_key():
    ds = dataset(defaultEncryptionConfiguration={"kmsKeyName": KEY})
    view = table("v", view={"query": "SELECT 1", "useLegacySql": False}, deletionProtection=False)
    assert "encryptionConfiguration" not in read_back([ds, view])[view.urn]
    assert second_up([ds, view], [ds, view])[view.urn].op == SAME


def test_dataset_roles_come_back_in_their_legacy_names():
    new_name = reg(ACCESS, "a", project=P, datasetId="x_internal", role="roles/bigquery.dataViewer",
                   groupByEmail="g@x.example")
    assert second_up([new_name], [new_name])[new_name.urn].op == REPLACE  # a permanent diff: every up
    legacy = reg(ACCESS, "a", project=P, datasetId="x_internal", role="READER", groupByEmail="g@x.example")
    assert second_up([legacy], [legacy])[legacy.urn].op == SAME


def test_an_omitted_partition_expiry_is_kept_and_zero_removes_it():
    """Optional+Computed: leaving it out keeps what the table has; the provider sends nothing for 0."""
    expiring = table(timePartitioning={"type": "DAY", "field": "t", "expirationMs": 86_400_000})
    omitted = table(timePartitioning={"type": "DAY", "field": "t"})
    zero = table(timePartitioning={"type": "DAY", "field": "t", "expirationMs": 0})
    assert second_up([expiring], [omitted])[omitted.urn].op == SAME  # the retention silently stays
    change = second_up([expiring], [zero])[zero.urn]
    assert (change.op, change.changed) == (UPDATE, ["timePartitioning.expirationMs"])
    assert second_up([zero], [zero])[zero.urn].op == SAME
    assert "expirationMs" not in simulate_up([zero])[zero.urn].outputs["timePartitioning"]


YEAR_MS = 365 * 86_400_000


def test_a_datasets_default_expirations_read_back_as_stated_and_a_second_up_is_clean():
    """Optional, not Computed: read back as sent; 0 is sent as nothing; removing one is an update."""
    expiring = dataset(defaultPartitionExpirationMs=YEAR_MS, accesses=SEED)
    assert read_back([expiring])[expiring.urn]["defaultPartitionExpirationMs"] == YEAR_MS
    assert second_up([expiring], [expiring])[expiring.urn].op == SAME
    zero = dataset(defaultPartitionExpirationMs=0, defaultTableExpirationMs=0, accesses=SEED)
    assert "defaultPartitionExpirationMs" not in read_back([zero])[zero.urn]
    assert second_up([zero], [dataset(accesses=SEED)])[zero.urn].op == SAME
    change = second_up([expiring], [zero])[zero.urn]
    assert (change.op, change.changed) == (UPDATE, ["defaultPartitionExpirationMs"])


def test_a_partitioned_table_created_without_an_expiry_takes_its_datasets_default():
    """At creation only: a table stating 0 gets the default, and the next up tries to remove it."""
    ds = dataset(defaultPartitionExpirationMs=YEAR_MS, accesses=SEED)
    zero = table(timePartitioning={"type": "DAY", "field": "t", "expirationMs": 0})
    stated = table("s", timePartitioning={"type": "DAY", "field": "t", "expirationMs": 90 * 86_400_000})
    after = read_back([ds, zero, stated])
    assert after[zero.urn]["timePartitioning"]["expirationMs"] == YEAR_MS
    assert after[stated.urn]["timePartitioning"]["expirationMs"] == 90 * 86_400_000  # its own wins
    ups = second_up([ds, zero, stated], [ds, zero, stated])
    assert (ups[zero.urn].op, ups[stated.urn].op) == (UPDATE, SAME)
    existing = simulate_up([dataset(accesses=SEED), zero])  # created before the dataset had a default
    assert next_up([ds, zero], existing)[zero.urn].op == SAME


def test_a_default_table_expiration_silently_deletes_every_table_created_without_one():
    """Why meshplane never sets it: the table comes back with an expirationTime the next up keeps."""
    ds = dataset(defaultTableExpirationMs=YEAR_MS, accesses=SEED)
    port = table(timePartitioning={"type": "DAY", "field": "t", "expirationMs": YEAR_MS})
    assert "expirationTime" in read_back([ds, port])[port.urn]
    assert second_up([ds, port], [ds, port])[port.urn].op == SAME  # nothing in the plan says it will go


def test_replace_on_changes_and_a_replacement_trigger_replace():
    policy = reg(ROW_POLICY, "p", project=P, datasetId="x_internal", tableId="t", policyId="all",
                 filterPredicate="TRUE", grantees=["group:a@x.example"])
    widened = reg(ROW_POLICY, "p", project=P, datasetId="x_internal", tableId="t", policyId="all",
                  filterPredicate="TRUE", grantees=["group:a@x.example", "group:b@x.example"])
    assert second_up([policy], [widened])[policy.urn].op == UPDATE  # the provider would update in place
    widened = Registration(**{**vars(widened), "replace_on_changes": ("grantees",)})
    assert second_up([policy], [widened])[policy.urn].op == REPLACE
    routine = reg(ACCESS, "authz", project=P, datasetId="x_internal", routine={"routineId": "r"})
    old, new = (Registration(**{**vars(routine), "replacement_trigger": body}) for body in ("v1", "v2"))
    assert second_up([old], [new])[routine.urn].replace_reasons == ["replacementTrigger"]
    assert second_up([routine], [new])[routine.urn].op == SAME  # a first trigger: null is none to the engine


def test_a_table_with_row_access_policies_is_replaced_to_drop_a_column():
    """BigQuery drops columns in place, except on a table with row access policies (the provider asks)."""
    before, after = (table(schema=json.dumps(cols)) for cols in ([{"name": "a"}, {"name": "b"}], [{"name": "a"}]))
    assert second_up([before], [after])[after.urn].op == UPDATE
    policy = reg(ROW_POLICY, "p", project=P, datasetId="x_internal", tableId="t", policyId="all",
                 filterPredicate="TRUE", grantees=["group:a@x.example"])
    change = second_up([before, policy], [after, policy])[after.urn]
    assert (change.op, change.replace_reasons) == (REPLACE, ["schema"])


def test_a_grant_replaced_new_one_first_fails_or_revokes():
    from meshplane.gcpmodel.next_up import unsafe_replacements

    old = reg(ACCESS, "r", project=P, datasetId="x_internal", role="READER", groupByEmail="g@x.example")
    moved = reg(ACCESS, "r", project=P, datasetId="x_port", role="READER", groupByEmail="g@x.example")
    member = reg("gcp:projects/iAMMember:IAMMember", "m", project=P, role="roles/bigquery.jobUser", member="group:a")
    other = reg("gcp:projects/iAMMember:IAMMember", "m", project=P, role="roles/bigquery.jobUser", member="group:b")
    changes = second_up([old, member], [moved, other])
    assert [why.split(":")[0] for _, why in unsafe_replacements(changes)] == [
        "replaced new one first, the entry is still there", "replaced new one first, the old member's deletion then "
        "revokes the binding the new one re-created; delete it before replacing"]
    safe = [Registration(**{**vars(r), "delete_before_replace": True}) for r in (moved, other)]
    assert unsafe_replacements(second_up([old, member], safe)) == []


def test_an_alias_is_a_rename_and_a_vanished_protected_resource_has_a_runbook():
    renamed = Registration(**{**vars(reg(ACCOUNT, "identity-invoker", project=P, accountId="inv-x")),
                              "aliases": (reg(ACCOUNT, "dbt-invoker").urn,)})
    gone = table("old_v1")
    changes = second_up([reg(ACCOUNT, "dbt-invoker", project=P, accountId="inv-x"), gone], [renamed])
    assert changes[renamed.urn].op == SAME and changes[renamed.urn].renamed_from.endswith("dbt-invoker")
    assert changes[gone.urn].op == DELETE
    steps = " ".join(runbook(changes[gone.urn]).steps)
    assert "pulumi state unprotect" in steps and "new major side by side" in steps


def test_a_real_exports_provider_defaults_are_not_changes():
    document = {"version": 3, "deployment": {"resources": [
        {"urn": "urn:pulumi:prod::data-mesh::pulumi:pulumi:Stack::s", "type": "pulumi:pulumi:Stack"},
        {"urn": table().urn, "type": TABLE, "custom": True, "protect": True, "id": "t",
         "inputs": {**table().inputs, "__defaults": ["deletionProtection"], "deletionProtection": True},
         "outputs": {**table().inputs, "creationTime": 1, "etag": "x"}}]}}
    state = state_from_document(document)
    assert list(state) == [table().urn] and isinstance(state[table().urn], StateResource)
    bare = reg(TABLE, "t", protect=True, project=P, datasetId="x_internal", tableId="t")
    assert next_up([bare], state)[bare.urn].op == SAME


VIEW_SCHEMA = [{"name": "id", "type": "INT64", "description": "Key."},
               {"name": "tags", "type": "STRING", "mode": "REPEATED"},
               {"name": "r", "type": "RECORD", "mode": "NULLABLE", "fields": [
                   {"name": "b", "type": "BOOL", "description": ""}, {"name": "a", "type": "FLOAT64"}]}]


def view_reg(fields: list[dict] = VIEW_SCHEMA, **extra) -> Registration:
    return table("v", ds="port", view={"query": "SELECT 1", "useLegacySql": False}, deletionProtection=False,
                 schema=json.dumps(fields), **extra)


def test_a_views_schema_reads_back_as_bigquery_computes_it_and_the_next_up_is_clean():
    """Created without a schema, then updated with it: BigQuery answers NULLABLE or REPEATED, legacy
    type names and the descriptions sent; the provider's diff suppression makes that no change."""
    [answered] = [o["schema"] for o in read_back([view_reg()]).values()]
    assert json.loads(answered) == [
        {"description": "Key.", "mode": "NULLABLE", "name": "id", "type": "INTEGER"},
        {"mode": "REPEATED", "name": "tags", "type": "STRING"},
        {"fields": [{"mode": "NULLABLE", "name": "b", "type": "BOOLEAN"},
                    {"mode": "NULLABLE", "name": "a", "type": "FLOAT"}], "mode": "NULLABLE", "name": "r",
         "type": "RECORD"}]
    assert answered != view_reg().inputs["schema"]
    assert second_up([view_reg()], [view_reg()])[view_reg().urn].op == SAME
    reordered = view_reg(list(reversed(VIEW_SCHEMA)))
    assert second_up([view_reg()], [reordered])[view_reg().urn].op == SAME  # fields matched by name


def test_a_changed_column_description_updates_the_view_and_a_struct_type_replaces_it_every_up():
    described = [{**VIEW_SCHEMA[0], "description": "The key."}, *VIEW_SCHEMA[1:]]
    change = second_up([view_reg()], [view_reg(described)])[view_reg().urn]
    assert (change.op, change.changed) == (UPDATE, ["schema"])
    struct = [*VIEW_SCHEMA[:2], {**VIEW_SCHEMA[2], "type": "STRUCT"}]  # the provider compares STRUCT != RECORD,
    assert second_up([view_reg(struct)], [view_reg(struct)])[view_reg().urn].op == REPLACE  # a type change: ForceNew


SAME_SCHEMA = [  # (state, program, the provider suppresses the diff): bigQueryTableSchemaDiffSuppress
    ([{"name": "a", "type": "INTEGER", "mode": "NULLABLE"}], [{"name": "a", "type": "int64"}], True),
    ([{"name": "a", "type": "STRING", "description": ""}], [{"name": "a", "type": "STRING"}], True),
    ([{"name": "a", "type": "STRING", "policyTags": {"names": []}}], [{"name": "a", "type": "STRING"}], True),
    ([{"name": "a", "type": "STRING", "collation": "und:ci"}], [{"name": "a", "type": "STRING"}], True),
    ([{"name": "b", "type": "DATE"}, {"name": "a", "type": "BOOLEAN"}],
     [{"name": "a", "type": "BOOL"}, {"name": "b", "type": "DATE"}], True),
    ([{"name": "a", "type": "STRING", "description": "x"}], [{"name": "a", "type": "STRING"}], False),
    ([{"name": "a", "type": "STRING"}], [{"name": "a"}], False),
    ([{"name": "a", "type": "RECORD", "fields": [{"name": "x", "type": "STRING"}]}],
     [{"name": "a", "type": "STRUCT", "fields": [{"name": "x", "type": "STRING"}]}], False),
    ([{"name": "a", "type": "STRING", "mode": "REPEATED"}], [{"name": "a", "type": "STRING"}], False),
    ([{"name": "a", "type": "STRING"}], [{"name": "a", "type": "STRING"}, {"name": "b", "type": "STRING"}], False),
]


@pytest.mark.parametrize("state, program, same", SAME_SCHEMA)
def test_schemas_compare_as_the_provider_compares_them(state, program, same):
    assert equivalent(json.dumps(state), json.dumps(program)) is same


def test_an_omitted_schema_keeps_what_the_table_has():
    """``schema`` is Optional+Computed: a table or view without one in the program shows no diff."""
    assert second_up([view_reg()], [table("v", ds="port", view={"query": "SELECT 1", "useLegacySql": False},
                                      deletionProtection=False)])[view_reg().urn].op == SAME


# --- existence and order: the first up -----------------------------------------------------------

def messages(regs: list[Registration], world: World | None = None) -> list[str]:
    return [f"{f.name}: {f.message}" for f in first_up(regs, world)]


def test_a_grant_waits_for_the_account_it_names_and_for_its_propagation():
    account = reg(ACCOUNT, "runner", project=P, accountId="run-x", outputs={"email": RUNNER})
    wait = reg(SLEEP, "ready", deps=(account,), createDuration="60s")
    grant = lambda *deps: reg(ACCESS, "w", deps=deps, project=P, datasetId="d", role="WRITER", userByEmail=RUNNER)  # noqa: E731
    assert "without waiting for it" in messages([account, grant()])[0]
    assert "right after it is created" in messages([account, grant(account)])[0]
    assert messages([account, wait, grant(wait)]) == []


def test_on_a_next_up_only_waits_made_in_that_up_count_and_kept_resources_still_carry_order():
    """A wait kept from an earlier up does not sleep again; a dependency through a kept resource holds."""
    account = reg(ACCOUNT, "invoker", project=P, accountId="inv-x", outputs={"email": RUNNER})
    wait = reg(SLEEP, "ready", deps=(account,), createDuration="60s")
    grant = reg(ACCESS, "w", deps=(wait,), project=P, datasetId="d", role="WRITER", userByEmail=RUNNER)
    assert "right after it is created" in messages_of(first_up([account, wait, grant], created={account.urn, grant.urn}))
    assert first_up([account, wait, grant], created={account.urn, wait.urn, grant.urn}) == []
    key_grant = reg(KEY_GRANT, "k", cryptoKeyId=KEY, role="roles/cloudkms.cryptoKeyEncrypterDecrypter", member=BQ_AGENT)
    key_wait = reg(SLEEP, "kw", deps=(key_grant,))
    ds = reg(DATASET, "d", deps=(key_wait,), project=P, datasetId="d", accesses=SEED,
             defaultEncryptionConfiguration={"kmsKeyName": KEY})  # updated: kept
    new_table = reg(TABLE, "t", deps=(ds,), project=P, datasetId="d", tableId="t", encryptionConfiguration={"kmsKeyName": KEY})
    assert first_up([key_grant, key_wait, ds, new_table], created={key_grant.urn, key_wait.urn, new_table.urn}) == []


def test_a_wait_sleeps_again_when_what_it_waits_for_changes():
    before = reg(SLEEP, "ready", createDuration="60s", triggers={"runner": "a"})
    after = reg(SLEEP, "ready", createDuration="60s", triggers={"runner": "a", "invoker": "b"})
    assert second_up([before], [after])[after.urn].replace_reasons == ["triggers"]
    longer = reg(SLEEP, "ready", createDuration="90s", triggers={"runner": "a"})
    assert second_up([before], [longer])[longer.urn].op == UPDATE


def messages_of(failures) -> str:
    return " ".join(f.message for f in failures)


def test_a_grant_to_another_stacks_runner_needs_that_stack_deployed_first():
    grant = reg(ACCESS, "c", project=P, datasetId="d", role="READER", userByEmail="run-y@other.iam.gserviceaccount.com")
    key = principal_key("serviceAccount:run-y@other.iam.gserviceaccount.com")
    assert "stack playlist-prod creates: deploy that stack first" in messages([grant], World(pending={key: "playlist-prod"}))[0]
    assert "no stack of this environment creates" in messages([grant], World(pending={key: ""}))[0]
    assert messages([grant], World(existing={key})) == []
    assert messages([grant]) == []  # not a runner of the mesh: an external account, assumed to exist


def test_a_cmek_dataset_waits_for_the_key_grant_to_propagate():
    ds = lambda *deps: reg(DATASET, "d", deps=deps, project=P, datasetId="d", accesses=SEED,  # noqa: E731
                           defaultEncryptionConfiguration={"kmsKeyName": KEY})
    grant = reg(KEY_GRANT, "k", cryptoKeyId=KEY, role="roles/cloudkms.cryptoKeyEncrypterDecrypter", member=BQ_AGENT)
    wait = reg(SLEEP, "kw", deps=(grant,))
    assert "which nothing creates" in messages([ds()])[0]
    assert "right after it is created" in messages([grant, ds(grant)])[0]
    assert messages([grant, wait, ds(wait)]) == []


def test_a_job_needs_its_image_readable_by_the_projects_cloud_run_agent():
    image = "europe-docker.pkg.dev/platform/dbt/x@sha256:" + "a" * 64
    job = lambda *deps: reg("gcp:cloudrunv2/job:Job", "job", deps=deps, project=P, location="europe-west1",  # noqa: E731
                            template={"template": {"containers": [{"image": image}]}})
    agent = f"serviceAccount:service-{project_number(P)}@serverless-robot-prod.iam.gserviceaccount.com"
    grant = reg("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "read", project="platform",
                location="europe", repository="dbt", role="roles/artifactregistry.reader", member=agent)
    wait = reg(SLEEP, "rw", deps=(grant,))
    assert "allowed to read the image repository europe/platform/dbt, which nothing creates" in messages([job()])[0]
    assert messages([grant, wait, job(wait)]) == []


def test_an_alert_waits_for_its_log_metric_and_the_metrics_scope():
    metric = reg("gcp:logging/metric:Metric", "m", project=P, name="meshplane/dq_failed/x")
    scope = reg("gcp:monitoring/monitoredProject:MonitoredProject", "s", metricsScope="alerts", name=P)
    query = f'metric.type = "logging.googleapis.com/user/meshplane/dq_failed/x" AND project = "{P}"'
    alert = lambda *deps: reg("gcp:monitoring/alertPolicy:AlertPolicy", "a", deps=deps, project="alerts",  # noqa: E731
                              conditions=[{"conditionThreshold": {"filter": query}}])
    assert len(messages([metric, scope, alert(metric, scope)])) == 2  # both without a wait
    wait = reg(SLEEP, "w", deps=(metric, scope))
    assert messages([metric, scope, wait, alert(wait)]) == []


def test_a_created_project_has_only_the_apis_the_stack_enables():
    project = reg("gcp:organizations/project:Project", "p", projectId=P)
    ds = reg(DATASET, "d", deps=(project,), project=P, datasetId="d", accesses=SEED)
    assert "the bigquery.googleapis.com API of daff-prod-x, which nothing creates" in messages([project, ds])[0]
    api = reg("gcp:projects/service:Service", "bq", deps=(project,), project=P, service="bigquery.googleapis.com")
    assert messages([project, api, reg(DATASET, "d", deps=(api,), project=P, datasetId="d", accesses=SEED)]) == []


def test_a_bigquery_subscription_waits_for_the_pubsub_agents_write():
    agent = f"serviceAccount:service-{project_number(P)}@gcp-sa-pubsub.iam.gserviceaccount.com"
    write = reg("gcp:bigquery/iamMember:IamMember", "write", project=P, datasetId="d", tableId="raw",
                role="roles/bigquery.dataEditor", member=agent)
    sub = lambda *deps: reg("gcp:pubsub/subscription:Subscription", "sub", deps=deps, project=P,  # noqa: E731
                            topic="projects/o/topics/t", bigqueryConfig={"table": f"{P}.d.raw"})
    assert "which nothing creates" in messages_of(first_up([sub()]))
    assert "right after it is created" in messages_of(first_up([write, sub(write)]))
    wait = reg(SLEEP, "ww", deps=(write,))
    assert first_up([write, wait, sub(wait)]) == []


def test_creates_gcp_refuses_whatever_the_order():
    view = reg(TABLE, "v", view={"query": "SELECT 1"}, encryptionConfiguration={"kmsKeyName": KEY})
    assert "BigQuery refuses a key on a view" in messages([view])[0]
    ds = reg(DATASET, "d", project=P, datasetId="d", accesses=[{"role": "READER", "groupByEmail": "g@x.example"}])
    again = reg(ACCESS, "again", deps=(ds,), project=P, datasetId="d", role="READER", groupByEmail="g@x.example")
    assert "existing object already found" in messages([ds, again])[0]
    required = view_reg([{"name": "id", "type": "STRING", "mode": "REQUIRED"}])
    assert "Schema cannot contain required fields when creating a view" in messages([required])[0]
    assert messages([view_reg()]) == []


# --- visibility: who sees what -------------------------------------------------------------------

TAG = "projects/gov/locations/eu/taxonomies/1/policyTags/2"
MASKING = {"projects/gov/locations/eu/dataPolicies/mask": TAG}
SCHEMA = json.dumps([{"name": "id", "type": "STRING"},
                     {"name": "email", "type": "STRING", "policyTags": {"names": [TAG]}}])


def sights(*regs: Registration) -> dict[tuple[str, str], tuple[str, dict]]:
    state = simulate_up(list(regs))
    return {(s.principal, s.via.split(" ")[0]): (s.rows, dict(s.columns))
            for s in visibility(state.values(), MASKING)}


def test_project_roles_read_a_dataset_created_without_an_access_list():
    seen = sights(dataset(), table(schema=SCHEMA))
    assert seen[(f"projectReaders:{P}", "dataset")] == (ALL, {"email": DENIED})
    assert (f"projectReaders:{P}", "dataset") not in sights(dataset(accesses=SEED), table(schema=SCHEMA))


def test_row_policies_and_policy_tags_apply_to_every_caller_and_path():
    port = dataset("port", accesses=SEED)
    view = table("v", "port", view={"query": f"SELECT * FROM `{P}`.`x_internal`.`t`"}, deletionProtection=False)
    regs = [dataset(accesses=SEED), table(schema=SCHEMA), port, view,
            reg(ACCESS, "authz", project=P, datasetId="x_internal",
                authorizedDataset={"dataset": {"projectId": P, "datasetId": "x_port"}, "targetTypes": ["VIEWS"]}),
            reg(ACCESS, "consumer", project=P, datasetId="x_port", role="READER", groupByEmail="c@x.example"),
            reg(ACCESS, "other", project=P, datasetId="x_port", role="READER", groupByEmail="o@x.example"),
            reg(ROW_POLICY, "eu", project=P, datasetId="x_internal", tableId="t", policyId="eu",
                filterPredicate="region = 'EU'", grantees=["group:c@x.example"]),
            reg("gcp:bigquerydatapolicy/dataPolicyIamMember:DataPolicyIamMember", "m", project="gov", location="eu",
                dataPolicyId="mask", role="roles/bigquerydatapolicy.maskedReader", member="group:c@x.example")]
    seen = sights(*regs)
    assert seen[("group:c@x.example", "view")] == ("eu", {"email": MASKED_VALUE})
    assert seen[("group:o@x.example", "view")] == (NONE, {"email": DENIED})  # in no policy: no rows
    with_all = regs + [reg(ROW_POLICY, "all", project=P, datasetId="x_internal", tableId="t", policyId="all",
                           filterPredicate="TRUE", grantees=["group:o@x.example"]),
                       reg("gcp:datacatalog/policyTagIamMember:PolicyTagIamMember", "raw", policyTag=TAG,
                           role="roles/datacatalog.categoryFineGrainedReader", member="group:o@x.example")]
    assert sights(*with_all)[("group:o@x.example", "view")] == (ALL, {"email": RAW})
