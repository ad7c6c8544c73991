"""Discovery (self-registration): the product in Dataplex and its descriptor in the registry bucket.

* A ``gcp.dataplex.DataProduct`` (id ``<domain>-<name>``: unique even when products share an adopted
  project) with the owner's e-mail, the display name, labels and a description that states the
  purpose, the limitations and the usage restrictions (``terms.catalog_description``), and one
  ``gcp.dataplex.DataProductDataAsset`` per output port dataset (id = the port key, e.g.
  ``profiles-v1``), labelled like its dataset (``mesh_layer=port``). The deprecated ``DataAsset``
  type of earlier versions is an alias, so a deployed stack moves without deleting its assets.
  Dataplex takes a region: for multi-region data pass the job region. ``register=False`` (retired
  products) creates none of them: the Dataplex registration is removed.
* The product descriptor (``catalog/descriptor.py``, shape in ``docs/descriptor.md``) as a JSON object
  ``products/<domain>/<name>.json`` in the platform's registry bucket (``content_type``
  application/json, ``json.dumps(sort_keys=True, indent=2)``), so the mesh plane indexes the mesh
  without reading stacks. It is uploaded from a string asset (``source``), not ``content``: the
  provider marks ``content`` secret, so every preview would show ``[secret]``, and a descriptor change
  (a port's schema, a version) must be visible in the review. A new asset replaces the object; it is
  deleted before it is replaced, as the replacement has the same name (new-one-first, the old one's
  deletion would delete the new object). Without a registry bucket no object is written. The object is kept for
  retired products (the descriptor then says ``status: retired``).

Not granted here: the deployer needs ``storage.objects.create``/``delete`` on the registry bucket and
Dataplex permissions in the product's project; owners are given as e-mails, so a ``domain:`` owner is
refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..product import standards
from .options import child, component_token

ID_MAX = 63
DEPRECATED_ASSET = "gcp:dataplex/dataAsset:DataAsset"  # the type of earlier versions' assets
JSON = "application/json"
_EMAIL_PRINCIPAL = re.compile(r"^(user|group|serviceAccount):([^@\s]+@[^@\s]+)$")


@dataclass
class DiscoveryArgs:
    """The product's identity, its port datasets, its descriptor, and where to publish it."""

    project: str
    location: str  # a region (the job region for multi-region data)
    domain: str
    name: str
    display_name: str
    description: str
    owner: str  # the owner principal, e.g. group:podcast@example.com
    labels: dict[str, str]
    port_datasets: list[tuple[str, str, dict[str, str]]]  # (key, //bigquery…/datasets/<d>, the dataset's labels)
    descriptor: dict
    registry_bucket: str | None = None  # the platform's registry bucket name; None: no object
    register: bool = True  # False (retired): no Dataplex product or assets
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # dataplex API


class Discovery(pulumi.ComponentResource):
    """The Dataplex data product and assets, and the descriptor object in the registry bucket."""

    def __init__(self, name: str, args: DiscoveryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("Discovery"), name, None, opts)
        self.descriptor_json = descriptor_json(args.descriptor)
        self.data_product = self._data_product(name, args) if args.register else None
        self.data_assets = {key: self._data_asset(name, args, key, resource, labels)
                            for key, resource, labels in args.port_datasets} if args.register else {}
        self.descriptor_object = self._object(name, args)
        self.register_outputs({"descriptor": args.descriptor,
                               "descriptor_object": object_name(args.domain, args.name)
                               if args.registry_bucket else None})

    def _data_product(self, name: str, args: DiscoveryArgs) -> gcp.dataplex.DataProduct:
        return gcp.dataplex.DataProduct(
            name, project=args.project, location=args.location,
            data_product_id=data_product_id(args.domain, args.name), display_name=args.display_name,
            description=args.description, owner_emails=[owner_email(args.owner)], labels=args.labels,
            opts=child(self, depends_on=args.depends_on))

    def _data_asset(self, name: str, args: DiscoveryArgs, key: str, resource: str,
                    labels: dict[str, str]) -> gcp.dataplex.DataProductDataAsset:
        return gcp.dataplex.DataProductDataAsset(
            f"{name}-{key}", project=args.project, location=args.location,
            data_product_id=self.data_product.data_product_id, data_asset_id=asset_id(key),
            resource=resource, labels=labels, opts=child(self, depends_on=args.depends_on,
                                                         aliases=[pulumi.Alias(type_=DEPRECATED_ASSET)]))

    def _object(self, name: str, args: DiscoveryArgs) -> gcp.storage.BucketObject | None:
        if args.registry_bucket is None:
            return None
        return gcp.storage.BucketObject(
            f"{name}-descriptor", bucket=args.registry_bucket, name=object_name(args.domain, args.name),
            source=pulumi.StringAsset(self.descriptor_json), content_type=JSON,
            opts=child(self, delete_first=True))


def descriptor_json(descriptor: dict) -> str:
    """The descriptor as published: sorted keys, two-space indent, trailing newline."""
    return json.dumps(descriptor, sort_keys=True, indent=2) + "\n"


def object_name(domain: str, name: str) -> str:
    """Where the descriptor lives in the registry bucket: ``products/<domain>/<name>.json``."""
    return f"products/{domain}/{name}.json"


def data_product_id(domain: str, name: str) -> str:
    """The Dataplex data product id, ``<domain>-<name>`` (lowercase, '-', at most 63 characters)."""
    return standards.shorten(f"{domain}-{name}", ID_MAX)


def asset_id(key: str) -> str:
    """A Dataplex data asset id from a port key: lowercase, '_' becomes '-', at most 63 characters."""
    return standards.shorten(key.lower().replace("_", "-"), ID_MAX)


def owner_email(principal: str) -> str:
    """The e-mail of a ``user:``, ``group:`` or ``serviceAccount:`` principal."""
    match = _EMAIL_PRINCIPAL.match(principal)
    if match is None:
        raise ValueError(f"team.owner {principal!r} has no e-mail: Dataplex data product owners are "
                         "e-mails; expected user:, group: or serviceAccount:NAME@DOMAIN")
    return match.group(2)
