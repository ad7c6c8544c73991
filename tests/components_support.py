"""Helpers of the component, stack and invariant tests: run stacks under mocks, read declarations.

A stack run takes about 0.3 s, so ``run_stack`` caches one inventory per (stack, mode); callers
must treat the cached inventory as read-only. ``fresh_run`` runs again, uncached.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

import pulumi_gcp as gcp

from meshplane.product import addresses
from meshplane.settings.environments import for_environment
from meshplane.declaration.loader import load_declaration
from meshplane.declaration.model import DataProduct
from meshplane.declaration.model import InputPort as InputPortDeclaration
from meshplane.gcp.dataset import BigQueryDataset, BigQueryDatasetArgs
from meshplane.gcp.input_port import InputPort, InputPortArgs, UpstreamPort
from meshplane.gcp.project import ProjectArgs
from meshplane.engine.harness import Inventory, Registration, run_program
from meshplane.stack.program import is_built, main
from meshplane.settings.stack_config import StackSettings, is_platform_stack, load_stack, stack_names

ROOT = Path(__file__).resolve().parents[1]
STACKS_DIR = ROOT / "stacks"
ALL_STACKS = stack_names(STACKS_DIR)  # the domain stacks and the platform stack
STACKS = [s for s in ALL_STACKS if not is_platform_stack(s, STACKS_DIR)]  # the domain stacks
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*/*.yaml"))

PROJECT = "gcp:organizations/project:Project"
SERVICE = "gcp:projects/service:Service"
ACCOUNT = "gcp:serviceaccount/account:Account"
PROJECT_IAM = "gcp:projects/iAMMember:IAMMember"
DATASET = "gcp:bigquery/dataset:Dataset"
ACCESS = "gcp:bigquery/datasetAccess:DatasetAccess"
TABLE = "gcp:bigquery/table:Table"
ROW_POLICY = "gcp:bigquery/rowAccessPolicy:RowAccessPolicy"
TABLE_IAM = "gcp:bigquery/iamMember:IamMember"
BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"
SERVICE_IDENTITY = "gcp:projects/serviceIdentity:ServiceIdentity"
SUBSCRIPTION = "gcp:pubsub/subscription:Subscription"
ORG_POLICY = "gcp:orgpolicy/policy:Policy"
AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
SLEEP = "time:index/sleep:Sleep"
PRINCIPAL_FIELDS = ("userByEmail", "groupByEmail", "domain", "specialGroup", "iamMember")
PID = "daff-test-proj"  # the project of single-component runs
LABELS = {"data_domain": "d", "data_product": "p", "environment": "prod", "managed_by": "meshplane",
          "mesh_layer": "port"}


def stack_config(stack: str) -> dict:
    """The ``config`` mapping of ``stacks/Pulumi.<stack>.yaml``."""
    return yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]


def fresh_run(stack: str, preview: bool = False, *, config: dict | None = None,
              root: Path | str = ROOT) -> Inventory:
    """Run the stack program of ``stack`` (optionally with another config or repository), uncached."""
    cfg = config if config is not None else stack_config(stack)
    return run_program(lambda: main(root), stack=stack, config=cfg, preview=preview)


@functools.lru_cache(maxsize=None)
def run_stack(stack: str, preview: bool = False) -> Inventory:
    """The inventory of ``stack`` in preview or update mode (cached: do not mutate it)."""
    return fresh_run(stack, preview)


def run(program: Callable[[], object], preview: bool = False) -> Inventory:
    """Run a callable building components under the mocks."""
    return run_program(lambda: program(), preview=preview)


@functools.lru_cache(maxsize=None)
def settings(stack: str) -> StackSettings:
    return load_stack(stack, STACKS_DIR)


@functools.lru_cache(maxsize=None)
def declarations() -> dict[str, DataProduct]:
    """Every blueprint of the repository by product id."""
    products = (load_declaration(path) for path in BLUEPRINTS)
    return {p.id: p for p in products}


def model(product_id: str) -> DataProduct:
    """The declaration of ``product_id`` (e.g. ``podcast.podcast-demographics``)."""
    return declarations()[product_id]


def built_products(stack: str) -> list[DataProduct]:
    """The declarations ``stack`` builds (as its environment builds them): its domain's, minus proposed (and
    drafts in production)."""
    s = settings(stack)
    return [for_environment(p, s.platform, s.environment) for p in declarations().values()
            if p.domain == s.domain and is_built(p, s)]


def runner(product_id: str, stack: str) -> str:
    """``serviceAccount:<email>`` of ``product_id``'s runner in the environment of ``stack``."""
    s = settings(stack)
    return addresses.runner_principal(model(product_id), s.platform, s.environment)


def project_of(product_id: str, stack: str) -> str:
    """The project id of ``product_id`` in the environment of ``stack``."""
    s = settings(stack)
    return addresses.project_id(model(product_id), s.platform, s.environment)


def of_type(inv: Inventory, type_: str) -> list[Registration]:
    return [r for r in inv.registrations if r.type == type_]


def named(inv: Inventory, name: str, type_: str | None = None) -> Registration:
    """The one registration called ``name`` (of ``type_``, when several types share the name)."""
    hits = [r for r in inv.registrations if r.name == name and (type_ is None or r.type == type_)]
    assert len(hits) == 1, f"{len(hits)} registrations named {name!r} of type {type_}"
    return hits[0]


def find(inv: Inventory, type_: str, **inputs: object) -> list[Registration]:
    """Registrations of ``type_`` whose inputs hold every given (wire name, value) pair."""
    return [r for r in of_type(inv, type_) if all(r.inputs.get(k) == v for k, v in inputs.items())]


def children_of(inv: Inventory, urn: str) -> list[Registration]:
    """The direct children of the resource ``urn``."""
    return [r for r in inv.registrations if r.parent == urn]


def descendants_of(inv: Inventory, urn: str) -> list[Registration]:
    out = []
    for child in children_of(inv, urn):
        out += [child, *descendants_of(inv, child.urn)]
    return out


def principal_of(access: Registration) -> str | None:
    """The principal of a DatasetAccess as ``kind:address`` (None for an authorized dataset)."""
    i = access.inputs
    if "groupByEmail" in i:
        return f"group:{i['groupByEmail']}"
    if "userByEmail" in i:
        kind = "serviceAccount" if i["userByEmail"].endswith(".gserviceaccount.com") else "user"
        return f"{kind}:{i['userByEmail']}"
    if "domain" in i:
        return f"domain:{i['domain']}"
    return None


def canonical(value: object) -> str:
    """A stable text of nested inputs (input dicts come in no fixed key order)."""
    return json.dumps(value, sort_keys=True)


def accesses(inv: Inventory) -> list[dict]:
    """The inputs of every DatasetAccess, in a stable order."""
    return sorted((r.inputs for r in of_type(inv, ACCESS)), key=canonical)


def grants_on(inv: Inventory, dataset_id: str) -> list[Registration]:
    """Every DatasetAccess on the dataset ``dataset_id``."""
    return find(inv, ACCESS, datasetId=dataset_id)


def walk(value: object, key: str = "") -> Iterator[tuple[str, object]]:
    """Every (key, leaf value) pair of nested inputs; list items keep their list's key."""
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            yield from walk(inner, inner_key)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            yield from walk(inner, key)
    else:
        yield key, value


def comparable(inv: Inventory) -> dict[str, tuple]:
    """Registrations by URN with order-insensitive dependencies, for equality checks."""
    return {r.urn: (r.type, r.name, r.custom, r.parent, r.inputs, r.protect, r.retain_on_delete,
                    tuple(sorted(r.dependencies)), tuple(sorted(r.aliases)))
            for r in inv.registrations}


# --- single components, built inside a program ------------------------------------------------

def dataset(name: str = "ds") -> BigQueryDataset:
    return BigQueryDataset(name, BigQueryDatasetArgs(project=PID, dataset_id="d_x", location="EU",
                                                     labels=LABELS))


def project_args(**overrides) -> ProjectArgs:
    args = {"project_id": PID, "display_name": "Test product", "labels": LABELS, "org_id": "123456",
            "apis": ["iam.googleapis.com", "bigquery.googleapis.com", "iam.googleapis.com"],
            "folder": "folders/100", "billing_account": "01A2B3-C4D5E6-F7A8B9"}
    return ProjectArgs(**{**args, **overrides})


def input_port(upstream: UpstreamPort | None, **port) -> InputPort:
    """An input port ``src`` of a runner ``r@x.example`` writing into dataset ``d_x``."""
    account = gcp.serviceaccount.Account("acct", project=PID, account_id="run-x")
    return InputPort("in", InputPortArgs(
        port=InputPortDeclaration(name="src", **port), project=PID, runner="serviceAccount:r@x.example",
        ready=account, internal=dataset("internal"), internal_dataset_id="d_x", labels=LABELS,
        upstream=upstream))


def repository_copy(tmp_path: Path) -> Path:
    """A copy of the repository's blueprints, stacks and Pulumi.yaml, to add declarations to."""
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(ROOT / "blueprints", root / "blueprints", ignore=shutil.ignore_patterns("templates"))
    shutil.copytree(STACKS_DIR, root / "stacks")
    (root / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return root
