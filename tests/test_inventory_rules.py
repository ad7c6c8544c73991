"""The inventory rules (``governance/inventory_rules.py``): each passes a compliant inventory and refuses
a non-compliant one on the right resource; every stack of the repository breaks no mandatory rule.

Inventories are hand-built from the shapes the components register (camelCase inputs, as in a plan):
``inventory(**changes)`` starts from one clean product and changes, adds or removes resources by name.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import meshplane.governance.inventory_rules  # noqa: F401 - registers the rules
from meshplane.governance.inventory import MANDATORY, RULES, Resource
from meshplane.governance.inventory_check import check_inventory
from meshplane.gcpmodel.resource_grants import MASKING_IAM, TAG_IAM
from meshplane.settings.platform import GovernanceSettings

ROOT = Path(__file__).resolve().parents[1]
STACKS = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))
SETTINGS = GovernanceSettings(allowed_locations=["EU", "europe-west1"], cmek_required_for=["restricted"])

P = "daff-prod-podcast-x"
RUNNER = f"run-x@{P}.iam.gserviceaccount.com"
OTHER_RUNNER = "run-y@daff-prod-podcast-y.iam.gserviceaccount.com"
KMS = "projects/k/locations/eu/keyRings/r/cryptoKeys/c"

DATASET, TABLE = "gcp:bigquery/dataset:Dataset", "gcp:bigquery/table:Table"
ACCESS = "gcp:bigquery/datasetAccess:DatasetAccess"
DATASET_IAM = "gcp:bigquery/datasetIamMember:DatasetIamMember"
JOB = "gcp:cloudscheduler/job:Job"
IAM = "gcp:projects/iAMMember:IAMMember"


def labels(layer: str = "internal", **extra) -> dict:
    return {"data_domain": "podcast", "data_product": "x", "mesh_layer": layer, "environment": "prod",
            "managed_by": "meshplane", **extra}


def res(type_: str, name: str, protect: bool = False, retain: bool = False, ignore: tuple[str, ...] = (),
        **inputs) -> Resource:
    return Resource(urn=f"urn:pulumi:prod::data-mesh::{type_}::{name}", type=type_, name=name, inputs=inputs,
                    protect=protect, retain_on_delete=retain, ignore_changes=ignore)


DEPLOYER = "deployer@daff-platform.iam.gserviceaccount.com"
SEED = [{"role": "OWNER", "userByEmail": DEPLOYER}]  # a dataset's initial access list


def dataset(name: str, dataset_id: str, layer: str, **extra) -> Resource:
    """A dataset as the components create it: protected, closed (the deployer's seed entry, written once)."""
    return res(DATASET, name, True, True, ("accesses",), project=P, datasetId=dataset_id, location="EU",
               labels=labels(layer, **extra), accesses=SEED)


def access(name: str, dataset: str = "x_internal", **inputs) -> Resource:
    return res(ACCESS, name, project=P, datasetId=dataset, **inputs)


def job(name: str = "job", **target) -> Resource:
    return res(JOB, name, region="europe-west1", schedule="0 6 * * *",
               httpTarget={"uri": "https://bigquery.googleapis.com/bigquery/v2/projects/p/jobs", **target})


OAUTH = {"oauthToken": {"serviceAccountEmail": RUNNER, "scope": "https://www.googleapis.com/auth/cloud-platform"}}

BASE = [
    res("gcp:organizations/project:Project", "project", True, True, projectId=P, labels=labels()),
    dataset("internal", "x_internal", "internal"),
    dataset("port", "x_port_v1", "port", port="port", port_version="v1"),
    access("internal-writer", role="WRITER", userByEmail=RUNNER),
    access("internal-owner", role="READER", groupByEmail="x-owners@daff.example"),
    access("internal-authz", authorizedDataset={"dataset": {"projectId": P, "datasetId": "x_port_v1"},
                                                "targetTypes": ["VIEWS"]}),
    access("port-analysts", "x_port_v1", role="READER", groupByEmail="analysts@daff.example"),
    access("port-consumer", "x_port_v1", role="READER", userByEmail=OTHER_RUNNER),
    dataset("control", "x_control", "control"),
    access("control-governance", "x_control", role="READER", groupByEmail="data-governance@daff.example"),
    access("internal-routine", routine={"projectId": P, "datasetId": "x_control", "routineId": "erase_subject"}),
    res(TABLE, "table", True, True, project=P, datasetId="x_internal", tableId="t", deletionProtection=True,
        labels=labels()),
    res(TABLE, "view", project=P, datasetId="x_port_v1", tableId="t_v1", deletionProtection=False,
        view={"query": "SELECT 1", "useLegacySql": False}, labels=labels("port")),
    res("gcp:pubsub/subscription:Subscription", "subscription", project=P, topic="projects/o/topics/t",
        labels=labels()),
    res("gcp:serviceaccount/account:Account", "runner", project=P, accountId="run-x"),
    res(IAM, "runner-job-user", project=P, role="roles/bigquery.jobUser", member=f"serviceAccount:{RUNNER}"),
    job(**OAUTH),
]


TWO_YEARS_MS = 730 * 86_400_000  # P2Y as meshplane states it (a year is 365 days)
BUCKET, TOPIC = "gcp:storage/bucket:Bucket", "gcp:pubsub/topic:Topic"
RETAINED = {"internal": {"labels": labels(retention="p2y"), "defaultPartitionExpirationMs": TWO_YEARS_MS},
            "table": {"timePartitioning": {"type": "DAY", "field": "t", "expirationMs": TWO_YEARS_MS}}}


def bucket(name: str, *rules: dict, versioned: bool = False) -> Resource:
    """A bucket of product x (no retention label: its product's applies), ``Delete`` on these conditions."""
    return res(BUCKET, name, True, True, project=P, location="EU", labels=labels(),
               versioning={"enabled": versioned},
               lifecycleRules=[{"action": {"type": "Delete"}, "condition": c} for c in rules])


def port_table(expiration_ms: int | None, retention: str = "p90d") -> Resource:
    """A port table whose port overrides the product's retention."""
    return res(TABLE, "port-table", True, True, project=P, datasetId="x_internal", tableId="p_v1",
               deletionProtection=True, labels=labels("port", port="p", port_version="v1", retention=retention),
               timePartitioning={"type": "DAY", "field": "t", **({"expirationMs": expiration_ms}
                                                                 if expiration_ms is not None else {})})


def inventory(**changes) -> list[Resource]:
    """``BASE`` with changes by name (``_`` for ``-``): None removes, a Resource replaces or adds, a dict
    updates inputs (``protect``/``retain`` the options; a None value removes that input)."""
    items = {r.name: r for r in BASE}
    for key, change in changes.items():
        name = key.replace("_", "-")
        if change is None:
            del items[name]
        elif isinstance(change, Resource):
            items[name] = change
        else:
            r = items[name]
            inputs = {**r.inputs, **{k: v for k, v in change.items() if k not in ("protect", "retain")}}
            items[name] = dataclasses.replace(
                r, inputs={k: v for k, v in inputs.items() if v is not None},
                protect=change.get("protect", r.protect), retain_on_delete=change.get("retain", r.retain_on_delete))
    return list(items.values())


def found(resources: list[Resource], settings: GovernanceSettings = SETTINGS) -> list[tuple[str, str, str]]:
    return [(v.rule, v.urn.rsplit("::", 1)[-1], v.message) for v in check_inventory(resources, settings)]


def test_the_clean_inventory_breaks_no_rule():
    assert found(BASE) == []


# (rule, changes, [(rule, resource name)] expected, phrase of the first message)
FAILING = [
    ("no-public-principals", {"port_public": access("port-public", "x_port_v1", role="READER",
                                                    specialGroup="allAuthenticatedUsers")},
     [("no-public-principals", "port-public")], "public principal (allAuthenticatedUsers)"),
    ("no-public-principals", {"runner_job_user": {"member": "allUsers"}},
     [("no-public-principals", "runner-job-user")], "allUsers"),
    ("no-basic-roles", {"runner_job_user": {"role": "roles/editor"}},
     [("no-basic-roles", "runner-job-user")], "basic role (roles/editor)"),
    ("no-basic-roles", {"port_owner": access("port-owner", "x_port_v1", role="OWNER", userByEmail="me@daff.example")},
     [("no-basic-roles", "port-owner")], "OWNER"),
    ("no-basic-roles", {"policy": res("gcp:bigquery/datasetIamPolicy:DatasetIamPolicy", "policy", project=P,
                                      datasetId="elsewhere",
                                      policyData='{"bindings": [{"role": "roles/owner", "members": []}]}')},
     [("no-basic-roles", "policy")], "roles/owner"),
    ("consumer-grants-on-port-datasets-only",
     {"internal_second": access("internal-second", role="READER", groupByEmail="friends@daff.example")},
     [("consumer-grants-on-port-datasets-only", "internal-owner"),
      ("consumer-grants-on-port-datasets-only", "internal-second")],
     "2 READER principals on internal dataset daff-prod-podcast-x.x_internal (friends@daff.example, x-owners"),
    ("consumer-grants-on-port-datasets-only",
     {"internal_consumer": access("internal-consumer", role="READER", userByEmail=OTHER_RUNNER)},
     [("consumer-grants-on-port-datasets-only", "internal-consumer")], f"READER for user:{OTHER_RUNNER}"),
    ("consumer-grants-on-port-datasets-only", {"internal_writer": {"userByEmail": OTHER_RUNNER}},
     [("consumer-grants-on-port-datasets-only", "internal-writer")], "only the product's runner (WRITER)"),
    ("consumer-grants-on-port-datasets-only",  # a person or group never writes internal data, only the runner
     {"internal_writer": {"userByEmail": None, "groupByEmail": "editors@daff.example"}},
     [("consumer-grants-on-port-datasets-only", "internal-writer")], "WRITER for group:editors@daff.example"),
    ("consumer-grants-on-port-datasets-only",
     {"internal_writer": {"userByEmail": "jo@daff.example"}},
     [("consumer-grants-on-port-datasets-only", "internal-writer")], "WRITER for user:jo@daff.example"),
    ("consumer-grants-on-port-datasets-only",
     {"internal_domain": access("internal-domain", role="READER", domain="daff.example")},
     [("consumer-grants-on-port-datasets-only", "internal-domain")], "READER for domain:daff.example"),
    ("consumer-grants-on-port-datasets-only",
     {"internal_iam": res(DATASET_IAM, "internal-iam", project=P, datasetId="x_internal",
                          role="roles/bigquery.dataViewer", member="group:g@daff.example")},
     [("consumer-grants-on-port-datasets-only", "internal-iam"), ("one-acl-mechanism", "internal")],
     "dataset IAM on internal dataset"),
    ("control-port-callers",
     {"control_analysts": access("control-analysts", "x_control", role="READER", groupByEmail="analysts@daff.example")},
     [("control-port-callers", "control-governance"), ("control-port-callers", "control-analysts")],
     "2 principals may erase data through control dataset daff-prod-podcast-x.x_control"),
    ("control-port-callers", {"control_governance": {"role": "WRITER"}},
     [("control-port-callers", "control-governance")], "WRITER for group:data-governance@daff.example"),
    ("control-port-callers", {"copy": res(TABLE, "copy", True, True, project=P, datasetId="x_control", tableId="c",
                                          deletionProtection=True, labels=labels("control"))},
     [("control-port-callers", "copy")], "holds the control port's routines and 'erasures' only"),
    ("consumer-grants-on-port-datasets-only",  # metadata of the internal dataset: the control port's caller only
     {"internal_meta": access("internal-meta", role="roles/bigquery.metadataViewer",
                              groupByEmail="analysts@daff.example")},
     [("consumer-grants-on-port-datasets-only", "internal-meta")], "roles/bigquery.metadataViewer for group:analysts"),
    ("datasets-labelled", {"internal": {"labels": labels("")}},
     [("datasets-labelled", "internal")], "missing labels: mesh_layer"),
    ("datasets-labelled", {"port": {"labels": None}},
     [("datasets-labelled", "port"), ("resources-labelled", "port")],
     "missing labels: data_domain, data_product, mesh_layer, environment"),
    ("datasets-labelled", {"port": {"labels": labels("public")}},
     [("datasets-labelled", "port")], "mesh_layer='public'; expected one of internal, port, control"),
    ("data-protected", {"internal": {"protect": False}}, [("data-protected", "internal")], "lacks protect"),
    ("data-protected", {"port": {"retain": False, "protect": False}},
     [("data-protected", "port")], "lacks protect and retain_on_delete"),
    ("data-protected", {"table": {"deletionProtection": False}},
     [("data-protected", "table")], "data table without deletionProtection"),
    ("data-protected", {"table": {"retain": False}}, [("data-protected", "table")], "lacks retain_on_delete"),
    ("cmek-where-required", {"internal": {"labels": labels(confidentiality="restricted")}},
     [("cmek-where-required", "internal")], "confidentiality 'restricted' requires CMEK"),
    ("cmek-where-required", {"landing": res(BUCKET, "landing", True, True, labels=labels(confidentiality="restricted"),
                                            location="EU")},
     [("cmek-where-required", "landing")], "requires CMEK: set encryption.defaultKmsKeyName"),
    ("data-protected", {"landing": res(BUCKET, "landing", False, True, labels=labels(), location="EU")},
     [("data-protected", "landing")], "holds data but lacks protect"),
    ("data-protected", {"landing": res(BUCKET, "landing", True, True, labels=labels(), location="EU",
                                       forceDestroy=True)},
     [("data-protected", "landing")], "bucket with forceDestroy"),
    ("allowed-locations", {"port": {"location": "US"}}, [("allowed-locations", "port")],
     "location 'US' is not allowed; expected one of EU, europe-west1"),
    ("allowed-locations", {"job": {"region": "europe-west2"}}, [("allowed-locations", "job")],
     "region 'europe-west2'"),  # London is not within the EU multi-region
    ("scheduler-oauth", {"job": job(oidcToken={"serviceAccountEmail": RUNNER})}, [("scheduler-oauth", "job")],
     "calls bigquery.googleapis.com without an oauthToken"),
    ("scheduler-oauth", {"job": job(**OAUTH, oidcToken={"serviceAccountEmail": RUNNER})},
     [("scheduler-oauth", "job")], "not OIDC"),
    ("scheduler-oauth", {"job": job(oauthToken={"serviceAccountEmail": RUNNER, "scope": "openid"})},
     [("scheduler-oauth", "job")], "oauthToken scope 'openid'"),
    ("one-acl-mechanism", {"internal": dataclasses.replace(
        dataset("internal", "x_internal", "internal"), ignore_changes=())},
     [("one-acl-mechanism", "internal"), ("datasets-start-closed", "internal"), ("no-basic-roles", "internal")],
     "written by Dataset.accesses and DatasetAccess"),
    ("datasets-start-closed", {"port": {"accesses": None}}, [("datasets-start-closed", "port")],
     "created without an access list: BigQuery adds projectReaders READER"),
    ("datasets-start-closed", {"control": {"accesses": [*SEED, {"role": "READER", "groupByEmail": "g@daff.example"}]}},
     [("datasets-start-closed", "control"), ("no-basic-roles", "control"), ("one-acl-mechanism", "control")],
     "one OWNER entry for the deploying"),
    ("datasets-start-closed", {"port": {"accesses": [{"role": "OWNER", "specialGroup": "projectOwners"}]}},
     [("datasets-start-closed", "port"), ("no-basic-roles", "port"), ("one-acl-mechanism", "port")],
     "one OWNER entry for the deploying"),
    ("one-acl-mechanism", {"port_iam": res(DATASET_IAM, "port-iam", project=P, datasetId="x_port_v1",
                                           role="roles/bigquery.dataViewer", member="group:g@daff.example")},
     [("one-acl-mechanism", "port")], "DatasetAccess and DatasetIam*"),
    ("resources-labelled", {"subscription": {"labels": labels() | {"managed_by": "terraform"}}},
     [("resources-labelled", "subscription")], "missing label managed_by=meshplane"),
    ("resources-labelled", {"project": {"labels": None}}, [("resources-labelled", "project")], "managed_by"),
    ("retention-within-declared", {**RETAINED, "table": {"timePartitioning": None}},
     [("retention-within-declared", "table")], "keeps data forever, longer than its declared retention of 730 days"),
    ("retention-within-declared",  # 0 is sent as nothing: the dataset has no default to give either
     {"internal": {"labels": labels(retention="p2y")},
      "table": {"timePartitioning": {"type": "DAY", "field": "t", "expirationMs": 0}}},
     [("retention-within-declared", "internal"), ("retention-within-declared", "table")],
     "set defaultPartitionExpirationMs to at most the retention"),
    ("retention-within-declared", {**RETAINED, "port_table": port_table(TWO_YEARS_MS)},  # the port's P90D rules
     [("retention-within-declared", "port-table")], "keeps data 730 days, longer than its declared retention of 90"),
    ("retention-within-declared", {**RETAINED, "bucket": bucket("bucket", {"age": 800}), "exports": bucket("exports")},
     [("retention-within-declared", "bucket"), ("retention-within-declared", "exports")],
     "keeps data 800 days, longer than its declared retention of 730 days; add a lifecycle rule: action Delete"),
    ("retention-within-declared",  # versioning: deleting LIVE objects keeps them as noncurrent versions
     {**RETAINED, "bucket": bucket("bucket", {"age": 30, "withState": "LIVE"},
                                   {"age": 30, "matchesPrefix": ["tmp/"]}, versioned=True)},
     [("retention-within-declared", "bucket")], "keeps data forever"),
    ("retention-within-declared",  # a subscription keeps unacknowledged messages 7 days unless told
     {"internal": {"labels": labels(retention="p1d"), "defaultPartitionExpirationMs": 86_400_000},
      "table": {"timePartitioning": {"type": "DAY", "field": "t"}},
      "topic": res(TOPIC, "topic", project=P, labels=labels(), messageRetentionDuration="172800s")},
     [("retention-within-declared", "subscription"), ("retention-within-declared", "topic")],
     "keeps data 7 days, longer than its declared retention of 1 days; set messageRetentionDuration"),
    ("retention-within-declared",  # customTime alone bounds nothing: an object without one never matches
     {**RETAINED, "landing": bucket("landing", {"daysSinceCustomTime": 7}, {"age": 7, "daysSinceCustomTime": 7})},
     [("retention-within-declared", "landing")], "keeps data forever"),
]

# (rule, changes, settings or None for SETTINGS): inventories each rule lets through
PASSING = [
    ("control-port-callers",  # the erasure ledger, and the caller listing the tables erase_subject searches
     {"ledger": res(TABLE, "ledger", True, True, project=P, datasetId="x_control", tableId="erasures",
                    deletionProtection=True, labels=labels("control")),
      "internal_meta": access("internal-meta", role="roles/bigquery.metadataViewer",
                              groupByEmail="data-governance@daff.example")}, None),
    ("no-public-principals", {"port_analysts": {"groupByEmail": "all-users@daff.example"}}, None),
    ("no-basic-roles", {"runner_job_user": {"role": "roles/bigquery.dataOwner"}}, None),
    ("consumer-grants-on-port-datasets-only",  # a runner granted through iamMember; unknown principals wait
     {"internal_writer": {"userByEmail": None, "iamMember": f"serviceAccount:{RUNNER}"},
      "internal_unknown": access("internal-unknown", role="READER")}, None),
    ("consumer-grants-on-port-datasets-only",  # any principals on port datasets and unlabelled datasets
     {"port_more": access("port-more", "x_port_v1", role="READER", domain="daff.example"),
      "ops_reader": access("ops-reader", "ops", role="READER", groupByEmail="g@daff.example")}, None),
    ("control-port-callers",  # no governance principal configured: nobody may call; unknown principals wait
     {"control_governance": None, "control_unknown": access("control-unknown", "x_control", role="READER")}, None),
    ("datasets-labelled", {"control": {"labels": labels("control", extra="yes")}}, None),
    ("data-protected", {"view": {"deletionProtection": True, "protect": True, "retain": True}}, None),
    ("data-protected", {"internal": {"retain": None}}, None),  # unknown (CrossGuard): not judged
    ("cmek-where-required", {"internal": {"labels": labels(confidentiality="restricted"),
                                          "defaultEncryptionConfiguration": {"kmsKeyName": KMS}},
                             "port": {"labels": labels("port", confidentiality="confidential")}}, None),
    ("cmek-where-required", {"internal": {"labels": labels(confidentiality="restricted")}},
     GovernanceSettings(cmek_required_for=[])),
    ("allowed-locations", {"port": {"location": "europe-west4"}, "internal": {"location": "eu"}}, None),
    ("allowed-locations", {"port": {"location": "US"}, "job": {"region": "us-central1"}}, GovernanceSettings()),
    ("scheduler-oauth", {"job": job(oauthToken={"serviceAccountEmail": RUNNER})}, None),  # default scope
    ("scheduler-oauth", {"job": job(uri="https://run.example.com/hook", oidcToken={"serviceAccountEmail": RUNNER})},
     None),
    ("one-acl-mechanism", {"other_iam": res(DATASET_IAM, "other-iam", project=P, datasetId="other",
                                            role="roles/bigquery.dataViewer", member="group:g@daff.example"),
                           "other": dataset("other", "other", "port")}, None),
    ("datasets-start-closed", {"port": {"accesses": [{"role": "OWNER", "userByEmail": "me@daff.example"}]},
                               "internal": {"accesses": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}, None),
    ("resources-labelled", {"runner": {"labels": None}}, None),  # service accounts take no labels
    ("retention-within-declared", {  # stated, inherited from the dataset, at most the retention
        **RETAINED, "table": {"timePartitioning": {"type": "DAY", "field": "t"}},
        "port_table": port_table(90 * 86_400_000),
        "exports": bucket("exports", {"age": 700, "withState": "ANY"}, versioned=True),
        "topic": res(TOPIC, "topic", project=P, labels=labels(), messageRetentionDuration="604800s")},
     None),
    ("retention-within-declared", {  # an age as the wire states a number (a float of whole days)
        **RETAINED, "landing": bucket("landing", {"age": 730.0})}, None),
    ("retention-within-declared", {  # an S3 landing bucket: by customTime, and by age at the latest
        **RETAINED, "landing": bucket("landing", {"daysSinceCustomTime": 7.0}, {"age": 7.0})}, None),
    ("retention-within-declared", {  # no retention declared: kept forever is what was declared
        "table": {"timePartitioning": None}, "exports": bucket("exports")}, None),
]


@pytest.mark.parametrize(("rule", "changes", "expected", "phrase"), FAILING,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FAILING)])
def test_rule_refuses(rule, changes, expected, phrase):
    got = found(inventory(**changes))
    assert sorted((r, name) for r, name, _ in got) == sorted(expected), got
    assert any(phrase in message for r, _, message in got if r == rule), got


@pytest.mark.parametrize(("rule", "changes", "settings"), PASSING, ids=[f"{c[0]}-{i}" for i, c in enumerate(PASSING)])
def test_rule_passes(rule, changes, settings):
    assert found(inventory(**changes), settings or SETTINGS) == []


def test_every_rule_has_a_failing_and_a_passing_case_and_a_level():
    names = {r.name for r in RULES}
    assert names == {c[0] for c in FAILING} == {c[0] for c in PASSING}
    assert all(r.level in ("mandatory", "advisory") and r.description for r in RULES)
    assert [r.name for r in RULES if r.level != MANDATORY] == ["resources-labelled"]


def test_each_violation_names_its_rule_level():
    (violation,) = check_inventory(inventory(subscription={"labels": None}), SETTINGS)
    assert (violation.rule, violation.level) == ("resources-labelled", "advisory")


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_breaks_no_mandatory_rule(stack):
    from meshplane.governance.inventory import resources_from_document
    from meshplane.plan.run import plan_stack

    plan = plan_stack(stack, ROOT / "stacks")
    resources = resources_from_document(plan.document)
    violations = check_inventory(resources, plan.settings.platform.governance)
    assert [v for v in violations if v.level == MANDATORY] == []
    expected = {TAG_IAM, MASKING_IAM} if stack == "platform" else {DATASET, ACCESS, TABLE}
    assert {r.type for r in resources} >= expected  # the rules had something to check


def test_public_principal_words_in_descriptions_are_not_grants():
    from meshplane.governance.inventory import Resource
    from meshplane.governance.inventory_check import check_inventory
    from meshplane.governance.inventory_rules import no_public_principals
    from meshplane.settings.platform import GovernanceSettings

    described = Resource("urn:t", "gcp:bigquery/table:Table", "t",
                         {"description": "Never shared with allUsers.", "view": {"query": "SELECT 'allUsers'"}})
    granted = Resource("urn:g", "gcp:bigquery/datasetAccess:DatasetAccess", "g",
                       {"role": "READER", "specialGroup": "allAuthenticatedUsers"})
    rule = [r for r in __import__("meshplane.governance.inventory", fromlist=["RULES"]).RULES
            if r.check is no_public_principals]
    found = check_inventory([described, granted], GovernanceSettings(), rules=rule)
    assert [v.urn for v in found] == ["urn:g"]
