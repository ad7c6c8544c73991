"""The CrossGuard adapter (``governance/crossguard.py``): the inventory rules as stack policies.

Arguments are pulumi_policy's own classes (``PolicyResource``, ``PolicyResourceOptions``,
``StackValidationArgs``, ``ResourceValidationArgs``), props wrapped in its ``unknown_checking_proxy`` as the
analyzer does; one test drives its analyzer servicer (``Configure``, ``Analyze``, ``AnalyzeStack``) with
protobuf requests, without starting the server. ``policies/__main__.py`` is never imported: its
``PolicyPack(...)`` serves forever.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pulumi_policy = pytest.importorskip("pulumi_policy")

from google.protobuf import struct_pb2  # noqa: E402
from pulumi.runtime.proto import analyzer_pb2  # noqa: E402
from pulumi_policy import (  # noqa: E402
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import proxy  # noqa: E402

import meshplane.governance.inventory_rules  # noqa: E402,F401 - registers the rules
from meshplane.governance import crossguard  # noqa: E402
from meshplane.governance.crossguard import (  # noqa: E402
    RECORDER,
    pack_config,
    plain,
    policies,
    settings_from_config,
    to_resource,
)
from meshplane.governance.inventory import MANDATORY, RULES, Resource  # noqa: E402
from meshplane.settings.platform import GovernanceSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
P = "daff-prod-podcast-x"
RUNNER, OTHER_RUNNER = f"run-x@{P}.iam.gserviceaccount.com", "run-y@daff-prod-podcast-y.iam.gserviceaccount.com"
LABELS = {"data_domain": "podcast", "data_product": "x", "mesh_layer": "internal", "environment": "prod",
          "managed_by": "meshplane"}
STACK_URN = "urn:pulumi:prod::data-mesh::pulumi:pulumi:Stack::data-mesh-prod"
DATASET = "gcp:bigquery/dataset:Dataset"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:prod::data-mesh::{type_}::{name}"


def opts(protect: bool = False, parent: str | None = None, ignore_changes: tuple[str, ...] = ()
         ) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, list(ignore_changes), None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def resource(type_: str, name: str, props: dict, protect: bool = False) -> PolicyResource:
    return PolicyResource(type_, proxy.unknown_checking_proxy(props), urn(type_, name), name, opts(protect),
                          None, None, [], {})


def internal_dataset(protect: bool = True, **extra) -> PolicyResource:
    return resource("gcp:bigquery/dataset:Dataset", "internal",
                    {"project": P, "datasetId": "x_internal", "location": "EU", "labels": LABELS, **extra}, protect)


def writer(email: str, name: str = "writer") -> PolicyResource:
    return resource("gcp:bigquery/datasetAccess:DatasetAccess", name,
                    {"project": P, "datasetId": "x_internal", "role": "WRITER", "userByEmail": email})


def run(args: StackValidationArgs, pols: list | None = None) -> dict[str, list[tuple[str, str]]]:
    """Each stack policy's reports ``(message, urn)``, by policy name."""
    reports: dict[str, list[tuple[str, str]]] = {}
    for policy in pols or policies():
        if isinstance(policy, StackValidationPolicy):
            found = reports.setdefault(policy.name, [])
            policy.validate(args, lambda message, urn=None, found=found: found.append((message, urn)))
    return reports


def reported(reports: dict) -> dict:
    return {name: found for name, found in reports.items() if found}


def test_one_stack_policy_per_rule_with_its_level():
    pols = policies()
    assert isinstance(pols[0], ResourceValidationPolicy) and pols[0].name == RECORDER
    assert [p.name for p in pols[1:]] == [r.name for r in RULES]
    assert all(isinstance(p, StackValidationPolicy) for p in pols[1:])
    assert [p.enforcement_level for p in pols[1:]] == [
        EnforcementLevel.MANDATORY if r.level == MANDATORY else EnforcementLevel.ADVISORY for r in RULES]
    assert all(set(p.config_schema.properties) == {"governance"} for p in pols[1:])


def test_violations_are_reported_on_their_resources():
    access = writer(OTHER_RUNNER)
    owner = resource("gcp:projects/iAMMember:IAMMember", "owner",
                     {"project": P, "role": "roles/owner", "member": "group:admins@daff.example"})
    dataset = internal_dataset(protect=False)
    reports = run(StackValidationArgs([resource("pulumi:pulumi:Stack", "s", {}), dataset, access, owner]))
    assert reported(reports) == {
        "consumer-grants-on-port-datasets-only": [(
            f"WRITER for user:{OTHER_RUNNER} on internal dataset {P}.x_internal: only the product's runner "
            "(WRITER) and its owner (READER) may be granted; consumers read output ports", access.urn)],
        "data-protected": [("holds data but lacks protect", dataset.urn)],
        "no-basic-roles": [("grants a basic role (roles/owner); grant a predefined role instead", owner.urn)],
    }


def test_a_planned_stack_reports_nothing():
    from meshplane.governance.inventory import resources_from_document
    from meshplane.plan.run import plan_stack

    plan = plan_stack("podcast-prod", ROOT / "stacks")
    planned = resources_from_document(plan.document)
    by_urn = {r.urn: PolicyResource(r.type, proxy.unknown_checking_proxy(r.inputs), r.urn, r.name,
                                    opts(r.protect, r.parent or None, r.ignore_changes), None, None, [], {})
              for r in planned}
    for r in planned:  # wire parents and dependencies as the analyzer does
        by_urn[r.urn].parent = by_urn.get(r.parent)
        by_urn[r.urn].dependencies.extend(by_urn[d] for d in r.dependencies if d in by_urn)
    config = {"governance": plan.settings.platform.governance.model_dump(mode="json", by_alias=True)}
    reports = run(StackValidationArgs(list(by_urn.values()), config))
    assert set(reports) == {r.name for r in RULES} and reported(reports) == {}
    converted = crossguard.stack_resources(StackValidationArgs(list(by_urn.values())))
    seen = [(r.urn, r.type, r.inputs, r.protect, r.parent, r.dependencies, r.ignore_changes) for r in converted]
    assert seen == [(r.urn, r.type, {**r.inputs, **({"accesses": crossguard.UNKNOWN} if r.type == DATASET else {})},
                     r.protect, r.parent, r.dependencies, r.ignore_changes) for r in planned]


def test_unknown_values_are_skipped_not_raised():
    assert crossguard.UNKNOWNS == {getattr(proxy, n) for n in dir(proxy) if n.startswith("UNKNOWN_")}
    access = writer(proxy.UNKNOWN_STRING_VALUE)
    assert plain(access.props) == {"project": P, "datasetId": "x_internal", "role": "WRITER"}
    props = {"labels": {**LABELS, "x": proxy.UNKNOWN_STRING_VALUE}, "list": [1, proxy.UNKNOWN_NUMBER_VALUE, None],
             "none": None}
    assert plain(proxy.unknown_checking_proxy(props)) == {"labels": LABELS, "list": [1]}
    assert reported(run(StackValidationArgs([internal_dataset(), access]))) == {}


def test_outputs_ignore_the_computed_acl_and_recorded_inputs_win():
    acl = [{"role": "OWNER", "specialGroup": "projectOwners"}, {"role": "WRITER", "userByEmail": RUNNER}]
    outputs = internal_dataset(accesses=acl, defaultEncryptionConfiguration=None, effectiveLabels=LABELS)
    stack = StackValidationArgs([outputs, writer(RUNNER)])
    pols = policies()
    assert reported(run(stack, pols)) == {}  # outputs only: the API's ACL is not an input
    declared = {**plain(outputs.props), "accesses": [{"role": "READER", "groupByEmail": "g@daff.example"}]}
    pols[0].validate(ResourceValidationArgs(outputs.resource_type, proxy.unknown_checking_proxy(declared),
                                            outputs.urn, outputs.name, opts(True), None), None)
    assert reported(run(stack, pols)) == {"one-acl-mechanism": [(
        f"ACL of {P}.x_internal written by Dataset.accesses and DatasetAccess: they overwrite each other; "
        "use DatasetAccess only", outputs.urn)], "datasets-start-closed": [(
        "its access list must be one OWNER entry for the deploying identity (userByEmail), written at creation "
        "only (ignoreChanges ['accesses']); grant with DatasetAccess", outputs.urn)]}


def test_resource_validation_args_convert_with_parent_and_unknown_retain():
    args = ResourceValidationArgs("gcp:bigquery/table:Table", proxy.unknown_checking_proxy({"tableId": "t"}),
                                  urn("gcp:bigquery/table:Table", "t"), "t", opts(True, "urn:parent"), None)
    assert to_resource(args) == Resource(urn=args.urn, type=args.resource_type, name="t", inputs={"tableId": "t"},
                                         protect=True, retain_on_delete=None, parent="urn:parent")


def test_settings_come_from_the_pack_config_else_the_default():
    dataset = internal_dataset()
    eu_only = policies(GovernanceSettings(allowed_locations=["EU"]))
    assert reported(run(StackValidationArgs([dataset]), eu_only)) == {}
    us_only = StackValidationArgs([dataset], {"governance": {"allowedLocations": ["US"]}})
    assert reported(run(us_only, eu_only)) == {"allowed-locations": [
        ("location 'EU' is not allowed; expected one of US (or a region within)", dataset.urn)]}
    with pytest.raises(ValueError, match="invalid 'governance' in the meshplane policy pack config"):
        run(StackValidationArgs([dataset], {"governance": {"allowedLocations": ["mars"]}}))


def test_pack_config_gives_a_stacks_settings_to_every_policy(capsys):
    settings = GovernanceSettings(allowed_locations=["EU"], cmek_required_for=["confidential"], max_retention="P3Y")
    config = pack_config(settings)
    assert set(config) == {r.name for r in RULES}
    assert all(settings_from_config(c, GovernanceSettings()) == settings for c in config.values())
    assert crossguard.main(["podcast-prod", str(ROOT / "stacks")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["allowed-locations"]["governance"]["allowedLocations"] == ["EU", "europe-west1", "europe-west4"]
    assert crossguard.main([]) == 2


def _struct(props: dict) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(props)
    return out


def test_through_the_analyzer_servicer():
    """The pack's own server code path: config, per-resource Analyze (inputs), AnalyzeStack (outputs)."""
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    servicer = _PolicyAnalyzerServicer("meshplane", "0.1.0", policies(), EnforcementLevel.ADVISORY)
    servicer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={  # as the CLI sends it, level included
        "allowed-locations": analyzer_pb2.PolicyConfig(
            enforcementLevel=analyzer_pb2.MANDATORY, properties=_struct({"governance": {"allowedLocations": ["US"]}}))
    }), None)
    dataset_urn = urn("gcp:bigquery/dataset:Dataset", "internal")
    access_urn = urn("gcp:bigquery/datasetAccess:DatasetAccess", "writer")
    inputs = {dataset_urn: {"project": P, "datasetId": "x_internal", "location": "EU", "labels": LABELS},
              access_urn: {"project": P, "datasetId": "x_internal", "role": "WRITER",
                           "userByEmail": proxy.UNKNOWN_STRING_VALUE}}
    types = {dataset_urn: "gcp:bigquery/dataset:Dataset", access_urn: "gcp:bigquery/datasetAccess:DatasetAccess"}
    for u, props in inputs.items():
        response = servicer.Analyze(analyzer_pb2.AnalyzeRequest(
            type=types[u], properties=_struct(props), urn=u, name=u.rsplit("::", 1)[-1],
            options=analyzer_pb2.AnalyzerResourceOptions(protect=True)), None)
        assert list(response.diagnostics) == []
    outputs = {dataset_urn: {**inputs[dataset_urn], "accesses": [{"role": "OWNER", "specialGroup": "projectOwners"}],
                             "defaultEncryptionConfiguration": None},
               access_urn: {**inputs[access_urn], "userByEmail": OTHER_RUNNER}}  # known once applied
    response = servicer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=[
        analyzer_pb2.AnalyzerResource(type=types[u], properties=_struct(props), urn=u, name=u.rsplit("::", 1)[-1],
                                      options=analyzer_pb2.AnalyzerResourceOptions(protect=u == dataset_urn))
        for u, props in outputs.items()]), None)
    assert [(d.policyName, d.urn, d.enforcementLevel, d.message.splitlines()[-1]) for d in response.diagnostics] == [
        ("consumer-grants-on-port-datasets-only", access_urn, analyzer_pb2.MANDATORY,
         f"WRITER for user:{OTHER_RUNNER} on internal dataset {P}.x_internal: only the product's runner (WRITER) "
         "and its owner (READER) may be granted; consumers read output ports"),
        ("allowed-locations", dataset_urn, analyzer_pb2.MANDATORY,
         "location 'EU' is not allowed; expected one of US (or a region within)")]


def test_pack_files_only_construct_the_pack():
    main = (ROOT / "policies" / "__main__.py").read_text()
    assert "PolicyPack(name=PACK_NAME, policies=policies())" in main and crossguard.PACK_NAME == "meshplane"
    assert "runtime: python" in (ROOT / "policies" / "PulumiPolicy.yaml").read_text()
    pin = "pulumi-policy==1.21.0"
    assert pin in (ROOT / "policies" / "requirements.txt").read_text()
    assert f'"{pin}"' in (ROOT / "pyproject.toml").read_text()


def test_the_adapter_imports_without_the_policy_sdk():
    code = ("import sys; sys.modules['pulumi_policy'] = None\n"
            "from meshplane.governance import crossguard as c\n"
            "from meshplane.governance.inventory_check import check_inventory\n"
            "class R: resource_type, props, urn, name, opts = 'gcp:x/y:Z', {'role': 'roles/owner'}, 'u', 'n', None\n"
            "print([v.rule for v in check_inventory([c.to_resource(R())], c.GovernanceSettings())])\n"
            "try:\n    c.policies()\nexcept ImportError:\n    print('no sdk')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["['no-basic-roles']", "no sdk"]
