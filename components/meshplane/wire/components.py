"""The components other Pulumi languages use (``provider/``): thin facades over the library's own.

Each takes its inputs as wire types the provider schema can carry (strings, numbers, booleans, lists,
string-keyed maps, nested TypedDicts), validates them with the library's models (``convert``), and
builds the library's component: ``DataProduct`` and ``BigQueryDataset`` *are* the library's
components (same type token, same children); ``DomainStack`` is the stack program as one component.

No ``from __future__ import annotations`` here: the SDK's schema analyzer reads the annotations
without evaluating strings.
"""

from pathlib import Path
from typing import Any, Optional, TypedDict

import pulumi

from ..stack.data_product import DataProduct as LibraryDataProduct
from ..stack.data_product import DataProductArgs as LibraryDataProductArgs
from ..declaration.problems import Problem
from ..declaration.types import Slug
from ..gcp.dataset import BigQueryDataset as LibraryBigQueryDataset
from ..gcp.dataset import BigQueryDatasetArgs as LibraryBigQueryDatasetArgs
from ..gcp.options import component_token
from ..mesh.model import Mesh
from ..settings.platform import PlatformSettings
from ..stack.program import build_products
from ..settings.stack_config import StackSettings
from ..mesh.validation import check_stack_mesh, stack_paths
from . import convert
from .dataset_inputs import inputs_details


class PortAddress(TypedDict):
    """Where consumers read one major version of an output port."""

    name: str
    """The output port's name."""
    major: int
    """The major version: each major has its own dataset and view."""
    project: str
    """The product's project id."""
    dataset: str
    """The port's dataset id."""
    view: str
    """The port's view id."""
    address: str
    """What consumers query: `project.dataset.view` (a consuming DataProduct's `upstreams` value)."""


class DataProductArgs(TypedDict):
    """The inputs of a DataProduct."""

    declaration: Optional[str]
    """The declaration as YAML or JSON text (what a blueprint file holds); or give declarationFile."""
    declaration_file: Optional[str]
    """The path of a declaration file, read by the plugin (an absolute path: the plugin runs in its own folder)."""
    environment: str
    """The stack's environment (dev, test, sandbox, staging, prod...): part of every project id and runner e-mail."""
    platform: dict[str, Any]
    """The platform settings: the keys of `meshplane:platform` in a stack config (schemas/stack-config.schema.json)."""
    upstreams: Optional[dict[str, str]]
    """The view each input port reading another product reads, by input port name: the producer's port address."""


class DataProduct(LibraryDataProduct):
    """A data product from its declaration: project, runner, storage, output and input ports (meshplane.DataProduct)."""

    project_id: pulumi.Output[str]
    """The product's project id."""
    runner_email: pulumi.Output[str]
    """The e-mail of the product's runner (the service account its jobs run as)."""
    ports: pulumi.Output[dict[str, PortAddress]]
    """Each output port major's dataset and view, keyed `<port>-v<major>`."""
    descriptor: pulumi.Output[Any]
    """The product's descriptor (docs/descriptor.md), as the stack exports it."""

    def __init__(self, name: str, args: DataProductArgs, opts: Optional[pulumi.ResourceOptions] = None):
        environment = convert.checked(Slug, args.get("environment"), "environment")
        platform = convert.validated(PlatformSettings, args.get("platform"), "platform")
        product = convert.declaration(args.get("declaration"), args.get("declaration_file"), platform, environment)
        upstreams = convert.upstream_ports(product, args.get("upstreams"))
        super().__init__(name, LibraryDataProductArgs(product=product, environment=environment, platform=platform,
                                                      upstreams=upstreams), opts)
        self.runner_email = convert.email(self.runner)
        self.ports = convert.port_addresses(product, self.project_id)


class DomainStackArgs(TypedDict):
    """The inputs of a DomainStack: the `meshplane:*` keys of a domain stack's config."""

    domain: str
    """The domain whose products the stack builds."""
    environment: str
    """The stack's environment."""
    platform: dict[str, Any]
    """The platform settings: the keys of `meshplane:platform` in a stack config."""
    declarations: Optional[list[str]]
    """The declarations of the mesh the stack sees, as YAML or JSON texts; or give products and root."""
    products: Optional[list[str]]
    """Globs of declaration files relative to root (e.g. `blueprints/*/*.yaml`): the whole mesh."""
    root: Optional[str]
    """The repository the product globs are relative to (an absolute path)."""


class DomainStack(pulumi.ComponentResource):
    """A domain's stack as one component: one DataProduct per product of the domain its environment builds."""

    project_ids: pulumi.Output[dict[str, str]]
    """Each built product's project id, by product id."""
    runner_emails: pulumi.Output[dict[str, str]]
    """Each built product's runner e-mail, by product id."""
    descriptors: pulumi.Output[dict[str, Any]]
    """Each built product's descriptor, by product id (what a domain stack exports)."""

    def __init__(self, name: str, args: DomainStackArgs, opts: Optional[pulumi.ResourceOptions] = None):
        texts, globs = args.get("declarations"), args.get("products")
        if texts is not None and not texts:
            raise convert.refused([convert.detail("declarations", "no declaration texts; given []; expected "
                                                  "at least one (the mesh the stack sees)")])
        if (texts is None) == (globs is None):
            raise convert.refused([convert.detail("declarations", "give the declarations' texts, or products "
                                                  f"and root; given {'both' if texts else 'neither'}")])
        settings = convert.validated(StackSettings, {
            "domain": args.get("domain"), "environment": args.get("environment"), "platform": args.get("platform"),
            "products": globs or [f"declarations[{i}]" for i in range(len(texts))]}, "")
        mesh, problems, elsewhere = check_stack_mesh(settings, self._mesh(texts, globs, args.get("root")))
        if problems:
            raise convert.refused(stack_details(problems))
        super().__init__(component_token("DomainStack"), name, None, opts)
        for problem in elsewhere:
            pulumi.log.warn(f"elsewhere in the mesh (not this stack's products): {problem}", resource=self)
        built = build_products(settings, mesh, parent=self)
        self.project_ids = {pid: p.project_id for pid, p in sorted(built.items())}
        self.runner_emails = {pid: convert.email(p.runner) for pid, p in sorted(built.items())}
        self.descriptors = {pid: p.descriptor for pid, p in sorted(built.items())}
        self.register_outputs({"descriptors": self.descriptors})

    @staticmethod
    def _mesh(texts: Optional[list[str]], globs: Optional[list[str]], root: Optional[str]) -> Mesh:
        if texts is not None:
            return convert.texts_mesh(texts)
        if not root:
            raise convert.refused([convert.detail("root", "the repository the product globs are relative to; "
                                                  "given none; expected an absolute path")])
        try:
            return Mesh.load(stack_paths(globs, Path(root)))
        except ValueError as exc:  # no file matches the globs (UsageError)
            raise convert.refused([convert.detail("products", str(exc))]) from None


def stack_details(problems: list[Problem]) -> list[dict[str, str]]:
    """A stack's problems as property errors: under ``declarations[i]`` for texts, ``products`` for files."""
    return [detail for problem in problems for detail in (
        convert.problem_details([problem], problem.file, with_file=False) if problem.file.startswith("declarations[")
        else convert.problem_details([problem], "products", with_file=True))]


class BigQueryDatasetArgs(TypedDict):
    """The inputs of a BigQueryDataset: a dataset that starts closed, and the grants to open it."""

    project: pulumi.Input[str]
    """The project of the dataset."""
    dataset_id: str
    """The dataset id."""
    location: str
    """The BigQuery location (EU, US, or a region such as europe-west1)."""
    labels: dict[str, str]
    """The dataset's labels (GCP's rules); `purge: "true"` (deletable with its tables) needs a non-production `environment`."""
    description: Optional[str]
    """The dataset's description."""
    kms_key_name: Optional[str]
    """A Cloud KMS key: the default key of every table in the dataset (CMEK)."""
    max_time_travel_hours: Optional[int]
    """The time travel window, 48 to 168 hours (BigQuery's default: 168)."""
    environment: Optional[str]
    """The stack's environment; the `purge` label needs a non-production one (dev, test, sandbox)."""
    creator: Optional[pulumi.Input[str]]
    """The deploying identity (`user:` or `serviceAccount:`), the dataset's one seed OWNER; default: asked of the credentials."""
    readers: Optional[list[str]]
    """Principals granted READER (`group:`, `user:`, `serviceAccount:` or `domain:`)."""
    writers: Optional[list[str]]
    """Principals granted WRITER."""
    metadata_viewers: Optional[list[str]]
    """Principals granted roles/bigquery.metadataViewer: table names and schemas, never rows."""


class BigQueryDataset(LibraryBigQueryDataset):
    """A protected BigQuery dataset that starts closed (no project-wide READER/WRITER), with its grants (meshplane.BigQueryDataset)."""

    dataset_id: pulumi.Output[str]
    """The dataset id."""
    project: pulumi.Output[str]
    """The dataset's project."""

    def __init__(self, name: str, args: BigQueryDatasetArgs, opts: Optional[pulumi.ResourceOptions] = None):
        given, details = inputs_details({k: v for k, v in args.items() if k not in ("project", "creator")})
        if details:
            raise convert.refused(details)
        super().__init__(name, LibraryBigQueryDatasetArgs(
            project=args["project"], dataset_id=given.dataset_id, location=given.location, labels=given.labels,
            description=given.description or "", kms_key_name=given.kms_key_name,
            max_time_travel_hours=given.max_time_travel_hours, creator=args.get("creator")), opts)
        grants = {"readers": given.readers, "writers": given.writers, "metadata_viewers": given.metadata_viewers}
        for principal in grants["readers"]:
            self.grant_read(principal)
        for principal in grants["writers"]:
            self.grant_write(principal)
        for principal in grants["metadata_viewers"]:
            self.grant_metadata(principal)


COMPONENTS = [DataProduct, DomainStack, BigQueryDataset]
