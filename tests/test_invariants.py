"""Invariants every stack of the repository must keep, in preview and update mode.

What mocks cannot prove: that GCP enforces what these inputs say (IAM and dataset ACL semantics,
row access policies, authorized datasets), IAM propagation, API enablement timing, that grants to
runner accounts of other stacks succeed before those stacks ran, or the engine's own handling of
``protect`` and ``retain_on_delete``. They prove what the program asks for, for every stack.
"""

from __future__ import annotations

import shutil

import pytest
import sqlglot
import yaml

from components_support import (
    BUCKET_IAM, DATASET, PROJECT, ROOT, STACKS, SUBSCRIPTION, TABLE, built_products, comparable, declarations, find,
    fresh_run, grants_on, model, named, of_type, principal_of, run_stack, runner, settings, stack_config,
    walk,
)
from meshplane.product import addresses, standards
from meshplane.declaration.types import Status
from meshplane.stack.program import is_built
from meshplane.sql.view_sql import view_columns

PUBLIC = {"allUsers", "allAuthenticatedUsers"}
BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer", "OWNER"}
BUCKET = "gcp:storage/bucket:Bucket"  # an S3 input port's landing bucket
LABELABLE = {PROJECT, DATASET, TABLE, SUBSCRIPTION, BUCKET}

pytestmark = [pytest.mark.parametrize("stack", STACKS), pytest.mark.parametrize("preview", [False, True])]


def consumers(product, port, stack: str) -> set[str]:
    """The principals a port's declared consumers resolve to (a product: its runner, when the stack's
    environment builds that product: a runner that never exists is not granted)."""
    s = settings(stack)
    return {c.principal or runner(c.data_product, stack) for c in port.consumers
            if c.principal or is_built(model(c.data_product), s)}


def test_no_public_principal_anywhere(stack, preview):
    for r in run_stack(stack, preview).registrations:
        leaks = [v for _, v in walk(r.inputs) if isinstance(v, str) and any(p in v for p in PUBLIC)]
        assert not leaks, f"{r.urn}: {leaks}"


def test_no_basic_role(stack, preview):
    """No basic role anywhere, but the OWNER entry of the deploying identity a dataset is created with."""
    for r in run_stack(stack, preview).registrations:
        inputs = {k: v for k, v in r.inputs.items() if not (r.type == DATASET and k == "accesses")}
        roles = {v for k, v in walk(inputs) if k == "role"}
        assert not roles & BASIC_ROLES, f"{r.urn}: {roles}"


def test_datasets_start_closed(stack, preview):
    """Created with the deployer as their one entry, written once: BigQuery adds no project-role defaults."""
    deployer = settings(stack).platform.deployer.split(":", 1)[1]
    for ds in of_type(run_stack(stack, preview), DATASET):
        assert ds.inputs["accesses"] == [{"role": "OWNER", "userByEmail": deployer}], ds.urn
        assert ds.ignore_changes == ("accesses",), ds.urn


def test_every_dataset_has_a_mesh_layer(stack, preview):
    for ds in of_type(run_stack(stack, preview), DATASET):
        assert ds.inputs["labels"]["mesh_layer"] in ("internal", "port", "control", "audit"), ds.urn


def test_no_declared_consumer_reads_internal_data(stack, preview):
    """No consumer principal of any declaration, nor a consuming runner of this product, on internal data."""
    inv = run_stack(stack, preview)
    principals = {c.principal for p in declarations().values() for port in p.output_ports
                  for c in port.consumers if c.principal}
    for product in built_products(stack):
        internal = standards.internal_dataset_id(product.name)
        assert find(inv, DATASET, datasetId=internal)[0].inputs["labels"]["mesh_layer"] == "internal"
        granted = {principal_of(g) for g in grants_on(inv, internal)}
        own = {p for port in product.output_ports for p in consumers(product, port, stack)}
        assert not granted & (principals | own), internal


def test_no_declared_consumer_reads_a_landing_bucket(stack, preview):
    """A landing bucket (an S3 port's copy of the source) is internal data: the transfer writes it, the
    runner and the owner read it, no consumer does."""
    inv = run_stack(stack, preview)
    principals = {c.principal for p in declarations().values() for port in p.output_ports
                  for c in port.consumers if c.principal}
    runners = {runner(p.id, stack) for p in built_products(stack)}
    for bucket in of_type(inv, BUCKET):
        assert bucket.inputs["labels"]["mesh_layer"] == "internal", bucket.urn
        members = {g.inputs["member"] for g in find(inv, BUCKET_IAM, bucket=bucket.inputs["name"])}
        own = next(runner(p.id, stack) for p in built_products(stack) if bucket.name.startswith(f"{p.name}-in-"))
        assert not members & principals and members & runners == {own}, bucket.urn


def test_every_declared_consumer_reads_its_port(stack, preview):
    inv = run_stack(stack, preview)
    for product in built_products(stack):
        for port in product.output_ports:
            readers = {principal_of(g) for g in grants_on(inv, addresses.port_dataset_id(product, port))
                       if g.inputs.get("role") == "READER"}
            expected = set() if product.status == Status.RETIRED else consumers(product, port, stack)
            assert readers == expected, f"{product.id} {port.name} v{port.major}"


def test_every_runner_waits_for_the_iam_api(stack, preview):
    inv = run_stack(stack, preview)
    for product in built_products(stack):
        account = named(inv, f"{product.name}-identity-runner")
        assert named(inv, f"{product.name}-project-iam").urn in account.dependencies


def test_data_is_protected_and_retained(stack, preview):
    inv = run_stack(stack, preview)
    data = of_type(inv, DATASET) + [t for t in of_type(inv, TABLE) if t.inputs["deletionProtection"]] + \
        of_type(inv, BUCKET)
    assert data
    for r in data:
        assert (r.protect, r.retain_on_delete) == (True, True), r.urn
    for view in (t for t in of_type(inv, TABLE) if "view" in t.inputs):
        assert view.inputs["deletionProtection"] is False, view.urn


def test_labels_carry_managed_by(stack, preview):
    for r in run_stack(stack, preview).registrations:
        if r.type in LABELABLE or "labels" in r.inputs:
            assert r.inputs.get("labels", {}).get("managed_by") == "meshplane", r.urn


def test_urns_unique_and_parents_exist(stack, preview):
    registrations = run_stack(stack, preview).registrations
    urns = [r.urn for r in registrations]
    assert len(urns) == len(set(urns))
    for r in registrations:
        assert r.parent == "" or r.parent in urns, r.urn
        assert r.type.startswith("meshplane:index:DataProduct") or r.parent, f"{r.urn} has no parent"


def test_views_select_exactly_the_declared_columns(stack, preview):
    views = [t for t in of_type(run_stack(stack, preview), TABLE) if "view" in t.inputs]
    assert len(views) == sum(len(p.output_ports) for p in built_products(stack))
    for view in views:
        labels, sql = view.inputs["labels"], view.inputs["view"]["query"]
        sqlglot.parse_one(sql, read="bigquery")
        product = model(f"{labels['data_domain']}.{labels['data_product']}")
        [port] = [p for p in product.output_ports
                  if p.name == labels["port"] and f"v{p.major}" == labels["port_version"]]
        assert view_columns(sql) == [c.name for c in port.columns], view.urn


def test_runs_are_deterministic(stack, preview):
    assert comparable(fresh_run(stack, preview)) == comparable(run_stack(stack, preview))


def test_preview_and_update_agree(stack, preview):
    assert comparable(run_stack(stack, preview)) == comparable(run_stack(stack, not preview))


def test_stack_outputs_describe_every_built_product(stack, preview):
    outputs, s = run_stack(stack, preview).outputs, settings(stack)
    assert sorted(outputs) == sorted(p.id for p in built_products(stack))
    for p in built_products(stack):
        d = outputs[p.id]
        assert d["urn"] == standards.product_urn(p.domain, p.name)
        assert d["project"] == addresses.project_id(p, s.platform, s.environment)
        assert "serviceAccount:" + d["runner"] == runner(p.id, stack)
        assert [o["address"] for o in d["outputPorts"]] == [
            addresses.port_address(p, port, s.platform, s.environment) for port in p.output_ports]


@pytest.fixture(scope="module")
def reordered(tmp_path_factory):
    """A copy of the blueprints with every product's outputPorts and consumers lists reversed."""
    root = tmp_path_factory.mktemp("reordered")
    shutil.copytree(ROOT / "blueprints", root / "blueprints")
    for path in sorted((root / "blueprints").glob("*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["outputPorts"].reverse()
        for port in doc["outputPorts"]:
            port.get("consumers", []).reverse()
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return root


def test_reordering_consumers_and_ports_renames_nothing(stack, preview, reordered):
    config = {**stack_config(stack), "meshplane:products": [str(reordered / "blueprints" / "*" / "*.yaml")]}
    before, after = run_stack(stack, preview), fresh_run(stack, preview, config=config)
    copied = yaml.safe_load((reordered / "blueprints/listener/listener-profiles.yaml").read_text())
    assert [p["version"] for p in copied["outputPorts"]] == ["2.0.0", "1.4.0"]  # the copy is reordered
    assert after.outputs == before.outputs  # descriptors list ports sorted: order means nothing
    assert sorted((r.type, r.name) for r in after.registrations) == \
        sorted((r.type, r.name) for r in before.registrations)
    assert {u: r[4] for u, r in comparable(after).items()} == {u: r[4] for u, r in comparable(before).items()}
