"""Discovery: the Dataplex data product and its assets, and the descriptor object in the registry bucket.

What mocks cannot prove: that Dataplex data products are offered in the location and accept the ids;
that the owner e-mails exist; that the deployer may write to the registry bucket; that the mesh plane
reads the object. The descriptor's own content is descriptor.py's (tested with the stacks).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from components_support import LABELS, PID, of_type, run
from meshplane.gcp.discovery import (
    Discovery, DiscoveryArgs, asset_id, data_product_id, descriptor_json, object_name, owner_email,
)

MODES = pytest.mark.parametrize("preview", [False, True])
PRODUCT = "gcp:dataplex/dataProduct:DataProduct"
ASSET = "gcp:dataplex/dataProductDataAsset:DataProductDataAsset"
OLD_ASSET = "gcp:dataplex/dataAsset:DataAsset"  # deprecated in pulumi-gcp 10.2.0
OBJECT = "gcp:storage/bucketObject:BucketObject"
REGION, BUCKET = "europe-west1", "daff-mesh-registry"
PORT_LABELS = {**LABELS, "port": "top_forty"}
DATASETS = [("top_forty-v1", f"//bigquery.googleapis.com/projects/{PID}/datasets/top_forty_v1",
             {**PORT_LABELS, "port_version": "v1"}),
            ("top_forty-v2", f"//bigquery.googleapis.com/projects/{PID}/datasets/top_forty_v2",
             {**PORT_LABELS, "port_version": "v2"})]
DESCRIPTOR = {"descriptorVersion": "meshplane.dev/descriptor/v1", "urn": "urn:meshplane:charts:top-forty",
              "status": "active", "outputPorts": [{"name": "top_forty", "slos": {"freshness": "PT26H"}}]}


def content(obj) -> str:
    """The object's content: a string asset, as the engine's JSON shows it (text and hash)."""
    return obj.inputs["source"]["text"]


def build(**overrides) -> Discovery:
    args = {"project": PID, "location": REGION, "domain": "charts", "name": "top-forty",
            "display_name": "Top forty", "description": "The weekly top forty.",
            "owner": "group:charts@daff.example", "labels": LABELS, "port_datasets": DATASETS,
            "descriptor": DESCRIPTOR, "registry_bucket": BUCKET}
    return Discovery("disc", DiscoveryArgs(**{**args, **overrides}))


@MODES
def test_registers_the_product_with_its_owner_and_labels(preview):
    [product] = of_type(run(build, preview), PRODUCT)
    assert product.inputs == {
        "project": PID, "location": REGION, "dataProductId": "charts-top-forty", "displayName": "Top forty",
        "description": "The weekly top forty.", "ownerEmails": ["charts@daff.example"], "labels": LABELS}


@MODES
def test_one_asset_per_port_dataset_in_the_product(preview):
    inv = run(build, preview)
    [product], assets = of_type(inv, PRODUCT), of_type(inv, ASSET)
    assert sorted((a.inputs["dataAssetId"], a.inputs["resource"]) for a in assets) == [
        ("top-forty-v1", DATASETS[0][1]), ("top-forty-v2", DATASETS[1][1])]
    for asset, (_, _, labels) in zip(sorted(assets, key=lambda a: a.inputs["dataAssetId"]), DATASETS):
        assert {k: asset.inputs[k] for k in ("project", "location", "labels")} == {
            "project": PID, "location": REGION, "labels": labels}  # the port dataset's own labels
        assert product.urn in asset.dependencies
        # the deprecated type of earlier versions is an alias: a deployed asset moves, it is not re-created
        assert asset.aliases == (asset.urn.replace(ASSET, OLD_ASSET),)
        if not preview:
            assert asset.inputs["dataProductId"] == "charts-top-forty"


@MODES
def test_descriptor_object_in_the_registry_bucket_round_trips(preview):
    [obj] = of_type(run(build, preview), OBJECT)
    assert {k: v for k, v in obj.inputs.items() if k != "source"} == {
        "bucket": BUCKET, "name": "products/charts/top-forty.json", "contentType": "application/json"}
    assert json.loads(content(obj)) == DESCRIPTOR
    # not `content`, which the provider marks secret: a descriptor change shows in every preview and diff
    assert obj.inputs["source"]["hash"] == hashlib.sha256(content(obj).encode()).hexdigest()
    assert content(obj) == json.dumps(DESCRIPTOR, sort_keys=True, indent=2) + "\n"
    # a new descriptor replaces the object; new-one-first, deleting the old one would delete the new one
    assert obj.delete_before_replace


def test_no_registry_bucket_no_object():
    inv = run(lambda: build(registry_bucket=None))
    assert not of_type(inv, OBJECT) and len(of_type(inv, PRODUCT)) == 1


def test_retired_products_leave_dataplex_but_keep_their_descriptor():
    inv = run(lambda: build(register=False, descriptor={**DESCRIPTOR, "status": "retired"}))
    assert not of_type(inv, PRODUCT) and not of_type(inv, ASSET)
    [obj] = of_type(inv, OBJECT)
    assert json.loads(content(obj))["status"] == "retired"


def test_component_children_and_token():
    inv = run(build)
    [component] = [r for r in inv.registrations if r.type == "meshplane:index:Discovery"]
    children = sorted(r.type for r in inv.registrations if r.parent == component.urn)
    assert children == sorted([ASSET, ASSET, PRODUCT, OBJECT])


def test_names():
    assert object_name("charts", "top-forty") == "products/charts/top-forty.json"
    assert data_product_id("charts", "top-forty") == "charts-top-forty"
    assert len(data_product_id("d" * 40, "n" * 40)) == 63
    assert asset_id("Top_Forty-v1") == "top-forty-v1"
    assert descriptor_json({"b": 1, "a": [2]}) == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'


@pytest.mark.parametrize("principal, email", [("group:g@x.example", "g@x.example"),
                                              ("user:u@x.example", "u@x.example"),
                                              ("serviceAccount:s@p.iam.gserviceaccount.com",
                                               "s@p.iam.gserviceaccount.com")])
def test_owner_email(principal, email):
    assert owner_email(principal) == email


def test_domain_owner_is_refused():
    with pytest.raises(ValueError, match="no e-mail"):
        owner_email("domain:x.example")
