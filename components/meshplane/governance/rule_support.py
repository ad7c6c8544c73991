"""What the inventory rules share: resource types, and reading principals, roles, labels and datasets
out of a resource's inputs (camelCase wire names, any depth). Pure functions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from ..declaration.locations import MULTI_REGIONS
from .inventory import Resource

DATASET = "gcp:bigquery/dataset:Dataset"
TABLE = "gcp:bigquery/table:Table"
ACCESS = "gcp:bigquery/datasetAccess:DatasetAccess"
DATASET_IAM = frozenset({"gcp:bigquery/datasetIamMember:DatasetIamMember",
                         "gcp:bigquery/datasetIamBinding:DatasetIamBinding",
                         "gcp:bigquery/datasetIamPolicy:DatasetIamPolicy"})
RUNNER_PREFIX = "run-"
SA_DOMAIN = ".iam.gserviceaccount.com"


def roles_in(value: object) -> Iterator[str]:
    """Every ``role`` value at any depth, and the roles of an IAM ``policyData`` document."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "role" and isinstance(v, str):
                yield v
            elif k == "policyData" and isinstance(v, str):
                try:
                    yield from roles_in(json.loads(v))
                except ValueError:
                    pass
            else:
                yield from roles_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from roles_in(v)


def labels_of(r: Resource) -> dict:
    labels = r.inputs.get("labels")
    return labels if isinstance(labels, dict) else {}


def dataset_key(r: Resource) -> tuple[str, str] | None:
    project, dataset = r.inputs.get("project"), r.inputs.get("datasetId")
    return (project, dataset) if isinstance(project, str) and isinstance(dataset, str) else None


def datasets_by_key(resources: list[Resource]) -> dict[tuple[str, str], Resource]:
    return {key: r for r in resources if r.type == DATASET and (key := dataset_key(r))}


def access_principal(inputs: dict) -> tuple[str, str]:
    """``(kind, address)`` of a DatasetAccess entry; address '' when not known."""
    for field, kind in (("userByEmail", "user"), ("groupByEmail", "group"), ("domain", "domain"),
                        ("specialGroup", "specialGroup")):
        if inputs.get(field):
            return kind, inputs[field]
    kind, _, address = (inputs.get("iamMember") or "").partition(":")
    return (kind, address) if address else ("", "")


def is_runner(address: str, project: str) -> bool:
    """A product runner of ``project``: ``run-…@<project>.iam.gserviceaccount.com``."""
    account, _, domain = address.partition("@")
    return account.startswith(RUNNER_PREFIX) and domain == f"{project}{SA_DOMAIN}"


def location_of(value: str) -> str:
    return value.upper() if value.upper() in MULTI_REGIONS else value.lower()


def layer_datasets(resources: list[Resource], layer: str) -> set[tuple[str, str]]:
    """The (project, dataset) keys of the datasets labelled ``mesh_layer=<layer>``."""
    return {key for key, d in datasets_by_key(resources).items() if labels_of(d).get("mesh_layer") == layer}


def beyond_one_principal(entries: dict[tuple[str, str], list[Resource]],
                         message: Callable[[int, tuple[str, str], str], str]) -> Iterator[tuple[str, str]]:
    """Every entry of a dataset granted to more than one principal, with ``message(count, key, names)``."""
    for key, granted in entries.items():
        if len(granted) > 1:
            names = ", ".join(sorted(access_principal(e.inputs)[1] for e in granted))
            for e in granted:
                yield e.urn, message(len(granted), key, names)


def creation_seed(r: Resource) -> bool:
    """A dataset whose access list is the one OWNER entry of the deploying identity, written at creation only."""
    entries = r.inputs.get("accesses")
    if r.type != DATASET or "accesses" not in r.ignore_changes or not isinstance(entries, list) or len(entries) != 1:
        return False
    entry = entries[0] if isinstance(entries[0], dict) else {}
    return entry.get("role") == "OWNER" and set(entry) == {"role", "userByEmail"}
