"""Each stack's inventory against its reviewed snapshot, ``tests/inventories/<stack>.yaml``.

A snapshot holds the number of resources per type and, per resource name, the security-relevant
values a reviewer reads: ids, locations, labels, roles and principals, protection. Regenerate with
``MESHPLANE_UPDATE_INVENTORIES=1 pytest tests/test_stacks.py`` and review the diff.

What mocks cannot prove: that GCP accepts these values, IAM propagation, API enablement timing,
or what the provider adds by default; a snapshot only shows what the program asks for.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

from components_support import (
    ACCESS, ALL_STACKS, BUCKET_IAM, DATASET, PRINCIPAL_FIELDS, PROJECT, PROJECT_IAM, ROW_POLICY, STACKS, TABLE,
    TABLE_IAM, run_stack,
)
from meshplane.engine.harness import Inventory, Registration

INVENTORIES = Path(__file__).parent / "inventories"
UPDATE = os.environ.get("MESHPLANE_UPDATE_INVENTORIES") == "1"
IAM_FIELDS = ("role", "member")
GRANTS = ("gcp:datacatalog/policyTagIamMember:PolicyTagIamMember",
          "gcp:bigquerydatapolicy/dataPolicyIamMember:DataPolicyIamMember",
          "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
          "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
          "gcp:cloudrunv2/jobIamMember:JobIamMember")
KEPT: dict[str, tuple[str, ...]] = {
    DATASET: ("datasetId", "location", "labels", "accesses"),
    ACCESS: ("role", *PRINCIPAL_FIELDS, "authorizedDataset"),
    TABLE: ("tableId", "deletionProtection", "encryptionConfiguration"),
    ROW_POLICY: ("grantees", "filterPredicate"),
    PROJECT_IAM: IAM_FIELDS, TABLE_IAM: IAM_FIELDS, BUCKET_IAM: IAM_FIELDS, **{g: IAM_FIELDS for g in GRANTS},
    PROJECT: ("projectId", "deletionPolicy"),
}
WITH_PROTECT = {DATASET, TABLE, PROJECT}


def entry(r: Registration) -> dict:
    """The partial values of one resource kept in the snapshot."""
    values = {"type": r.type.split(":")[-1]}
    values.update({k: r.inputs[k] for k in KEPT[r.type] if k in r.inputs})
    if r.type in WITH_PROTECT:
        values["protect"] = r.protect
    return values


def snapshot(inv: Inventory) -> dict:
    kept = [r for r in inv.registrations if r.type in KEPT]
    names = Counter(r.name for r in kept)
    assert not [n for n, count in names.items() if count > 1], "snapshot keys must be unique"
    return {"counts": dict(Counter(r.type for r in inv.registrations)),
            "resources": {r.name: entry(r) for r in kept}}


class Dumper(yaml.SafeDumper):
    """Plain ``name:`` keys even past PyYAML's 128 characters (a resource name may be longer)."""

    def check_simple_key(self) -> bool:
        if isinstance(self.event, yaml.ScalarEvent):
            self.analysis = self.analysis or self.analyze_scalar(self.event.value)
            return not self.analysis.empty and not self.analysis.multiline
        return super().check_simple_key()


def render(data: dict) -> str:
    return yaml.dump(data, Dumper=Dumper, sort_keys=True, default_flow_style=False, width=1000,
                     allow_unicode=True)


@pytest.mark.parametrize("preview", [False, True])
@pytest.mark.parametrize("stack", ALL_STACKS)
def test_inventory_matches_snapshot(stack, preview):
    path = INVENTORIES / f"{stack}.yaml"
    actual = render(snapshot(run_stack(stack, preview)))
    if UPDATE:
        INVENTORIES.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"no snapshot {path}: run with MESHPLANE_UPDATE_INVENTORIES=1"
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    got = yaml.safe_load(actual)
    assert got["counts"] == expected["counts"]
    assert sorted(got["resources"]) == sorted(expected["resources"])
    for name, values in expected["resources"].items():
        assert got["resources"][name] == values, name
    assert path.read_text(encoding="utf-8") == actual, "same values, other text: regenerate the snapshot"


def test_snapshots_are_deterministic_text():
    for stack in ALL_STACKS:
        assert render(snapshot(run_stack(stack))) == render(snapshot(run_stack(stack, True)))


def test_every_stack_has_a_snapshot_and_no_stale_one():
    assert sorted(p.stem for p in INVENTORIES.glob("*.yaml")) == ALL_STACKS
