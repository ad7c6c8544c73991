"""Column-level security: policy tags in the port table schema, who reads raw and who masked.

Mocks cannot prove that the platform's taxonomy enforces access control (its activated policy
types), that its masking policies hash, nor that BigQuery applies them when a reader queries the
authorized view rather than the table: those are facts of the platform stack and of BigQuery.
"""

from __future__ import annotations

import json
import shutil

import pytest

from components_support import ROOT, fresh_run, model, runner, stack_config
from helpers import pos, product
from meshplane.product.column_security import column_tags, sensitive_leaves, tag_grants, view_masking
from meshplane.sql.datascan_rules import scanned_tags
from meshplane.declaration.loader import read_source
from meshplane.declaration.model import Column, OutputPort
from meshplane.declaration.rules import check_product
from meshplane.product.product_needs import port_readers
from meshplane.declaration.model import DataProduct
from meshplane.declaration.types import Confidentiality, Status
from meshplane.governance.platform_checks import check_platform
from meshplane.product.placement import PlacementError, policy_tags_for
from meshplane.settings.platform import PolicyTagSettings
from meshplane.settings.stack_config import load_stack
from meshplane.sql.view_sql import interface_view_sql

TAG_IAM = "gcp:datacatalog/policyTagIamMember:PolicyTagIamMember"
MASKING_IAM = "gcp:bigquerydatapolicy/dataPolicyIamMember:DataPolicyIamMember"
TABLE = "gcp:bigquery/table:Table"
FINE, MASKED = "roles/datacatalog.categoryFineGrainedReader", "roles/bigquerydatapolicy.maskedReader"
GOV = "projects/daff-governance/locations/eu"
CONFIDENTIAL_TAG, RESTRICTED_TAG = f"{GOV}/taxonomies/1001/policyTags/2001", f"{GOV}/taxonomies/1001/policyTags/2002"
OWNER, CRM, SUPPORT = ("group:listener-data-owners@daff.example", "group:crm-campaigns@daff.example",
                       "group:support-benelux@daff.example")
C, R = Confidentiality.CONFIDENTIAL, Confidentiality.RESTRICTED
TAGS = {C: PolicyTagSettings(policy_tag=CONFIDENTIAL_TAG, data_policy=f"{GOV}/dataPolicies/confidential_sha256"),
        R: PolicyTagSettings(policy_tag=RESTRICTED_TAG, data_policy=f"{GOV}/dataPolicies/restricted_sha256")}


def columns(*specs: dict) -> list[Column]:
    return [Column.model_validate(s) for s in specs]


DEVICE = {"name": "device", "type": "RECORD", "fields": [
    {"name": "model", "type": "STRING"}, {"name": "ip", "type": "STRING", "pii": True, "classification": "restricted"}]}
CONTACT = {"name": "contact", "type": "RECORD", "pii": True, "fields": [
    {"name": "email", "type": "STRING"}, {"name": "phone", "type": "STRING", "classification": "restricted"}]}


def test_sensitive_leaves_inherit_their_record_and_default_to_the_product():
    cols = columns({"name": "id", "type": "STRING"}, {"name": "email", "type": "STRING", "pii": True},
                   DEVICE, CONTACT, {"name": "country", "type": "STRING", "classification": "internal"})
    assert sensitive_leaves(cols, C) == {"email": C, "device.ip": R, "contact.email": C, "contact.phone": R,
                                         "country": Confidentiality.INTERNAL}
    assert column_tags(cols, C, TAGS) == {"email": CONFIDENTIAL_TAG, "device.ip": RESTRICTED_TAG,
                                          "contact.email": CONFIDENTIAL_TAG, "contact.phone": RESTRICTED_TAG}


def test_tagged_pii_is_selected_as_is_and_untagged_pii_masked_in_sql():
    cols = columns({"name": "email", "type": "STRING", "pii": True}, DEVICE, CONTACT,
                   {"name": "age", "type": "INT64", "pii": True, "classification": "internal"})
    sql = interface_view_sql("p", "d", "t", view_masking(cols, column_tags(cols, C, TAGS)))
    assert "`email`," in sql and "`device`," in sql and "`contact`," in sql  # BigQuery masks them per reader
    assert "TO_HEX(SHA256(CAST(`age` AS STRING))) AS `age`" in sql  # no tag for internal: SQL masks it
    partly = {"email": CONFIDENTIAL_TAG, "contact.email": CONFIDENTIAL_TAG}  # contact.phone untagged
    assert "TO_HEX(SHA256(TO_JSON_STRING(`contact`))) AS `contact`" in interface_view_sql(
        "p", "d", "t", view_masking(cols, partly))


def test_raw_readers_are_never_also_masked_readers_of_a_level():
    port = OutputPort.model_validate({
        "name": "p", "version": "1.0.0", "description": "d", "schema": [
            {"name": "email", "type": "STRING", "pii": True}, {"name": "t", "type": "TIMESTAMP"}]})
    grants = tag_grants([(port, [("group:a@x.example", True), ("group:b@x.example", False)]),
                         (port, [("group:a@x.example", False)])], R, TAGS, ["serviceAccount:r@x.example"])
    assert [(g.level, g.member, g.raw) for g in grants] == [
        (R, "group:a@x.example", True), (R, "group:b@x.example", False), (R, "serviceAccount:r@x.example", True)]


def per_stack(stack: str) -> dict:
    """The config of ``stack`` with the grants on the tags held by the stack itself (``sharedGrants: stacks``:
    ``ColumnSecurity``); the example's stacks leave them to the platform stack (tests/test_platform_stack.py)."""
    config = stack_config(stack)
    return {**config, "meshplane:platform": {**config["meshplane:platform"], "sharedGrants": "stacks"}}


@pytest.fixture(scope="module")
def listener():
    return fresh_run("listener-prod", config=per_stack("listener-prod"))


def schema_of(inv, table_id: str) -> dict[str, dict]:
    [table] = [r for r in inv.registrations if r.type == TABLE and r.inputs.get("tableId") == table_id
               and "schema" in r.inputs and "view" not in r.inputs]  # the port table, not its view
    flat = {}
    for field in json.loads(table.inputs["schema"]):
        flat[field["name"]] = field
        for inner in field.get("fields", []):
            flat[f"{field['name']}.{inner['name']}"] = inner
    return flat


def test_port_tables_carry_the_platform_tag_of_each_classified_column(listener):
    v1, v2 = schema_of(listener, "profiles_v1"), schema_of(listener, "profiles_v2")
    tagged = {name: f["policyTags"]["names"] for name, f in {**v1, **v2}.items() if "policyTags" in f}
    assert tagged == {"email": [RESTRICTED_TAG], "full_name": [RESTRICTED_TAG], "birth_year": [RESTRICTED_TAG],
                      "display_name": [RESTRICTED_TAG], "birth_date": [RESTRICTED_TAG],
                      "subscription.payment_country": [CONFIDENTIAL_TAG]}
    assert "policyTags" not in v1["listener_id"]  # classification internal: the platform tags no such level


def test_views_leave_tagged_columns_to_bigquery(listener):
    views = [r.inputs["view"]["query"] for r in listener.registrations
             if r.type == TABLE and "view" in r.inputs and r.inputs["tableId"].startswith("profiles_v")]
    assert len(views) == 2 and not any("SHA256" in q for q in views)


def test_raw_and_masked_readers_of_listener_profiles(listener):
    run = runner("listener.listener-profiles", "listener-prod")
    demographics = runner("listener.listener-demographics", "listener-prod")
    raw = {(r.inputs["policyTag"], r.inputs["member"]) for r in listener.registrations
           if r.type == TAG_IAM and r.inputs["role"] == FINE and "gcp-sa-dataplex" not in r.inputs["member"]}
    assert raw == {(RESTRICTED_TAG, CRM), (RESTRICTED_TAG, OWNER), (CONFIDENTIAL_TAG, OWNER),
                   (RESTRICTED_TAG, run), (CONFIDENTIAL_TAG, run)}
    masked = {(r.inputs["project"], r.inputs["location"], r.inputs["dataPolicyId"], r.inputs["member"])
              for r in listener.registrations if r.type == MASKING_IAM and r.inputs["role"] == MASKED}
    assert masked == {("daff-governance", "eu", "restricted_sha256", SUPPORT),
                      ("daff-governance", "eu", "restricted_sha256", demographics),
                      ("daff-governance", "eu", "confidential_sha256", demographics)}
    assert {r.type for r in listener.registrations if r.type in (TAG_IAM, MASKING_IAM)
            and r.inputs["role"] not in (FINE, MASKED)} == set()


def test_the_runner_grant_waits_for_its_account(listener):
    """Through ``Identity.ready``, a wait after the account: IAM refuses a member that is not usable yet."""
    run = runner("listener.listener-profiles", "listener-prod")
    [ready] = [r for r in listener.registrations if r.name == "listener-profiles-identity-ready"]
    [account] = [r for r in listener.registrations if r.name == "listener-profiles-identity-runner"]
    grants = [r for r in listener.registrations if r.type == TAG_IAM and r.inputs["member"] == run]
    assert account.urn in ready.dependencies
    assert grants and all(ready.urn in g.dependencies and g.delete_before_replace for g in grants)


def repo_copy(tmp_path, edit=lambda text: text):
    """A repository with the blueprints (listener-profiles passed through ``edit``) and Pulumi.yaml."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "blueprints", root / "blueprints")
    (root / "Pulumi.yaml").write_text("name: data-mesh\nruntime: python\n")
    profiles = root / "blueprints/listener/listener-profiles.yaml"
    profiles.write_text(edit(profiles.read_text()))
    return root


def test_without_policy_tags_views_mask_pii_and_nothing_is_granted(tmp_path):
    config = stack_config("listener-prod")
    config["meshplane:platform"] = {k: v for k, v in config["meshplane:platform"].items() if k != "policyTags"}
    root = repo_copy(tmp_path, lambda text: text.replace("        rawAccess: true", "        rawAccess: false"))
    inv = fresh_run("listener-prod", config=config, root=root)
    assert not [r for r in inv.registrations if r.type in (TAG_IAM, MASKING_IAM)]
    assert not any("policyTags" in f for f in schema_of(inv, "profiles_v1").values())
    [v1] = [r.inputs["view"]["query"] for r in inv.registrations if r.inputs.get("tableId") == "profiles_v1"
            and "view" in r.inputs]
    assert "TO_HEX(SHA256(`email`)) AS `email`" in v1


def test_retired_products_keep_no_consumer_tag_grants():
    profiles = model("listener.listener-profiles").model_copy(update={"status": Status.RETIRED})
    grants = tag_grants([(port, port_readers(profiles, port, lambda pid: f"serviceAccount:run@{pid}.example"))
                         for port in profiles.output_ports], R, TAGS, [OWNER])
    assert {g.member for g in grants} == {OWNER} and all(g.raw for g in grants)


def test_fails_raw_access_on_a_port_without_sensitive_columns():
    doc = product("d.p", ports=[{"name": "p", "version": "1.0.0", "description": "d", "schema": [
        {"name": "id", "type": "STRING"}, {"name": "t", "type": "TIMESTAMP", "role": "processingTime"}],
        "consumers": [{"principal": "group:a@daff.example", "purpose": "x", "rawAccess": True}]}])
    findings = check_product(DataProduct.model_validate(doc))
    assert [(f.path, "port has none" in f.message) for f in findings] == [
        (("outputPorts", 0, "consumers", 0, "rawAccess"), True)]


def test_fails_raw_access_the_platform_cannot_give(tmp_path):
    source, _ = read_source("blueprints/listener/listener-profiles.yaml")
    platform = load_stack("listener-prod").platform.model_copy(update={"policy_tags": {}})
    [problem] = check_platform(source, platform)
    text = (ROOT / "blueprints/listener/listener-profiles.yaml").read_text()
    assert problem.field.endswith("rawAccess") and (problem.line, problem.column) == pos(text, "rawAccess: true", "true")
    assert "no policy tag for email, full_name, birth_year in EU, so the view masks them" in problem.message


def test_fails_policy_tag_in_another_location():
    moved = {"EU": {R: TAGS[R].model_copy(update={"policy_tag": RESTRICTED_TAG.replace("/eu/", "/us/")})}}
    with pytest.raises(PlacementError, match="policyTag for restricted data in EU is in 'us'; .* needs one in 'eu'"):
        policy_tags_for("EU", moved)
    assert policy_tags_for("europe-west4", {"EU": TAGS}) == {}


def test_the_taxonomy_and_masking_policies_are_the_platforms(listener):
    created = {r.type for r in listener.registrations
               if r.type.startswith(("gcp:datacatalog/", "gcp:bigquerydatapolicy/"))}
    assert created == {TAG_IAM, MASKING_IAM}  # grants only: no taxonomy, tag or data policy per product


def test_the_dataplex_agent_reads_raw_only_the_tagged_columns_its_rules_read(listener):
    agent_grants = {r.inputs["policyTag"] for r in listener.registrations if r.type == TAG_IAM
                    and "gcp-sa-dataplex" in str(r.inputs["member"])}
    # profiles v2 requires the record `subscription`, whose payment_country is tagged confidential;
    # no rule reads e-mail, names or birth dates (not required), so no restricted tag
    assert agent_grants == {CONFIDENTIAL_TAG}
    v2 = model("listener.listener-profiles").output_ports[1]
    assert scanned_tags(v2, R, TAGS) == [CONFIDENTIAL_TAG]
    assert scanned_tags(v2.model_copy(update={"slos": v2.slos.model_copy(update={"completeness": None})}),
                        R, TAGS) == []  # freshness alone reads processing_time only
