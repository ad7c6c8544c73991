"""The global rules over inventories. Each yields ``(urn, message)`` per violating resource.

Rules read inputs by their camelCase wire names (``datasetId``, ``deletionProtection``), as both the
plan document and CrossGuard hand them over. A value the rule cannot see (absent, or unknown during a
CrossGuard preview) is never a violation by itself, except where the rule requires it to be set.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

from ..product import standards
from ..sql.control_sql import LEDGER
from ..declaration.locations import regions_within
from ..gcp import roles
from ..product.standards import PURGE_LABEL
from ..gcpmodel.replacements import is_iam_member
from ..settings.platform import GovernanceSettings
from ..settings.stack_config import NON_PRODUCTION
from .inventory import ADVISORY, MANDATORY, Resource, rule
from .rule_support import (
    ACCESS, DATASET, DATASET_IAM, SA_DOMAIN, TABLE, access_principal, beyond_one_principal, creation_seed, dataset_key,
    datasets_by_key, is_runner, labels_of, layer_datasets, location_of, roles_in,
)
from ..gcpmodel.resource_grants import principals

PUBLIC = ("allUsers", "allAuthenticatedUsers")

SCHEDULER_JOB = "gcp:cloudscheduler/job:Job"
BUCKET = "gcp:storage/bucket:Bucket"  # an S3 input port's landing bucket
LABELLED = frozenset({DATASET, TABLE, "gcp:organizations/project:Project", "gcp:pubsub/subscription:Subscription"})

REQUIRED_LABELS = ("data_domain", "data_product", "mesh_layer", "environment", "managed_by")
AUTHORIZATIONS = ("authorizedDataset", "view", "routine")  # DatasetAccess entries that grant no principal
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


@rule("no-public-principals", MANDATORY, "No grant to allUsers or allAuthenticatedUsers.")
def no_public_principals(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    for r in resources:
        for value in principals(r.inputs):
            if value in PUBLIC or any(value.endswith(f":{p}") for p in PUBLIC):  # specialGroup:allUsers too
                yield r.urn, f"grants a public principal ({value})"
                break


@rule("no-basic-roles", MANDATORY,
      "No roles/owner, roles/editor, roles/viewer nor OWNER dataset role (but the deploying identity's OWNER "
      "entry a dataset is created with).")
def no_basic_roles(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    for r in resources:
        inputs = {k: v for k, v in r.inputs.items() if k != "accesses"} if creation_seed(r) else r.inputs
        found = sorted({role for role in roles_in(inputs) if role in roles.BASIC_ROLES})
        if found:
            yield r.urn, f"grants a basic role ({', '.join(found)}); grant a predefined role instead"


@rule("datasets-start-closed", MANDATORY,
      "Every dataset is created with an explicit access list, the deploying identity as OWNER and nothing "
      "else, written once (ignoreChanges: accesses): without one, BigQuery adds projectReaders, projectWriters "
      "and projectOwners, and every project Viewer reads the data.")
def datasets_start_closed(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    for r in resources:
        if r.type != DATASET or "accesses" in r.inputs and not isinstance(r.inputs["accesses"], list):
            continue  # an access list unknown during a CrossGuard preview is judged when known
        if not r.inputs.get("accesses"):
            yield r.urn, ("created without an access list: BigQuery adds projectReaders READER, projectWriters "
                          "WRITER and projectOwners OWNER, which no DatasetAccess removes; create it with the "
                          "deploying identity as OWNER and ignoreChanges ['accesses']")
        elif not creation_seed(r):
            yield r.urn, ("its access list must be one OWNER entry for the deploying identity (userByEmail), "
                          "written at creation only (ignoreChanges ['accesses']); grant with DatasetAccess")


@rule("consumer-grants-on-port-datasets-only", MANDATORY,
      "Internal datasets are written by the product's runner and read by its owner only; consumers read ports.")
def consumer_grants_on_port_datasets_only(resources: list[Resource], _: GovernanceSettings
                                          ) -> Iterator[tuple[str, str]]:
    internal = layer_datasets(resources, "internal")
    callers = control_callers(resources)
    readers: dict[tuple[str, str], list[Resource]] = {}
    for r in resources:
        key = dataset_key(r)
        if key not in internal:
            continue
        where = f"internal dataset {key[0]}.{key[1]}"
        if r.type in DATASET_IAM:
            yield r.urn, f"dataset IAM on {where}: its ACL is DatasetAccess entries (runner, owner) only"
        elif r.type == ACCESS and not any(a in r.inputs for a in AUTHORIZATIONS):
            role, (kind, address) = r.inputs.get("role"), access_principal(r.inputs)
            if not address:
                continue  # principal unknown (CrossGuard preview): judged when known
            if role == roles.DATASET_WRITER and is_runner(address, key[0]):
                continue
            if role == roles.DATASET_METADATA_VIEWER and f"{kind}:{address}" in callers.get(key[0], set()):
                continue  # the control port's caller lists the tables erase_subject searches
            if role == roles.DATASET_READER and kind in ("user", "group") and not address.endswith(SA_DOMAIN):
                readers.setdefault(key, []).append(r)
                continue
            yield r.urn, (f"{role} for {kind}:{address} on {where}: only the product's runner (WRITER) and "
                          "its owner (READER) may be granted; consumers read output ports")
    yield from beyond_one_principal(readers, lambda n, key, names: (
        f"{n} READER principals on internal dataset {key[0]}.{key[1]} ({names}): only the owner may read "
        "internal data"))


def control_callers(resources: list[Resource]) -> dict[str, set[str]]:
    """Project -> the principals (``kind:address``) granted READER on a control dataset of it."""
    control = layer_datasets(resources, "control")
    found: dict[str, set[str]] = {}
    for r in resources:
        if r.type == ACCESS and dataset_key(r) in control and r.inputs.get("role") == roles.DATASET_READER:
            kind, address = access_principal(r.inputs)
            if address:
                found.setdefault(dataset_key(r)[0], set()).add(f"{kind}:{address}")
    return found


@rule("control-port-callers", MANDATORY,
      "A control dataset (mesh_layer=control) holds routines and the erasure ledger only and grants READER, "
      "which lets a principal call its procedures that erase data, to one principal: the platform's "
      "governance principal.")
def control_port_callers(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    control = layer_datasets(resources, "control")
    callers: dict[tuple[str, str], list[Resource]] = {}
    for r in resources:
        key = dataset_key(r)
        if key not in control:
            continue
        where = f"control dataset {key[0]}.{key[1]}"
        if r.type == TABLE and (r.inputs.get("tableId") != LEDGER or r.inputs.get("view")):
            yield r.urn, f"a table or view in {where}: it holds the control port's routines and {LEDGER!r} only"
        elif r.type in DATASET_IAM:
            yield r.urn, f"dataset IAM on {where}: its ACL is one READER DatasetAccess (the governance principal)"
        elif r.type == ACCESS and not any(a in r.inputs for a in AUTHORIZATIONS):
            role, (kind, address) = r.inputs.get("role"), access_principal(r.inputs)
            if role != roles.DATASET_READER:
                yield r.urn, f"{role} for {kind}:{address} on {where}: only READER, to call its procedures"
            elif address:
                callers.setdefault(key, []).append(r)
    yield from beyond_one_principal(callers, lambda n, key, names: (
        f"{n} principals may erase data through control dataset {key[0]}.{key[1]} ({names}): only the "
        "governance principal may"))


@rule("datasets-labelled", MANDATORY, "Every dataset carries the standard mesh labels.")
def datasets_labelled(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    for r in resources:
        if r.type != DATASET:
            continue
        labels = labels_of(r)
        missing = [k for k in REQUIRED_LABELS if not labels.get(k)]
        if missing:
            yield r.urn, f"missing labels: {', '.join(missing)}"
        if labels.get("mesh_layer") and labels["mesh_layer"] not in standards.MESH_LAYERS:
            yield r.urn, (f"label mesh_layer={labels['mesh_layer']!r}; expected one of "
                          f"{', '.join(standards.MESH_LAYERS)}")
        if labels.get("managed_by") and labels["managed_by"] != standards.MANAGED_BY:
            yield r.urn, f"label managed_by={labels['managed_by']!r}; expected {standards.MANAGED_BY!r}"


@rule("data-protected", MANDATORY,
      "Datasets, data tables and buckets are protected and retained on delete; data tables have deletionProtection, "
      "buckets no forceDestroy (except those of a product purged outside production: labels purge=true and a "
      "non-production environment).")
def data_protected(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    for r in resources:
        if _purged(r):
            continue
        if r.type == TABLE and not r.inputs.get("view") and r.inputs.get("deletionProtection") is not True:
            yield r.urn, "data table without deletionProtection: a replace or delete would drop its data"
        if r.type == BUCKET and r.inputs.get("forceDestroy") is True:
            yield r.urn, "bucket with forceDestroy: a delete would drop its objects"
        if r.type in (DATASET, BUCKET) or (r.type == TABLE and r.inputs.get("deletionProtection") is True):
            # retain_on_delete is None when unknown (CrossGuard 1.21 does not pass it): not judged then
            missing = [n for n, v in (("protect", r.protect), ("retain_on_delete", r.retain_on_delete))
                       if v is False]
            if missing:
                yield r.urn, f"holds data but lacks {' and '.join(missing)}"


def _purged(r: Resource) -> bool:
    """A resource of a retired product declared with purge, on a non-production stack."""
    labels = labels_of(r)
    return labels.get(PURGE_LABEL) == "true" and labels.get("environment") in NON_PRODUCTION


@rule("cmek-where-required", MANDATORY,
      "Datasets and buckets whose confidentiality label requires CMEK name a KMS key (unlabelled ones are skipped).")
def cmek_where_required(resources: list[Resource], settings: GovernanceSettings) -> Iterator[tuple[str, str]]:
    required = set(settings.cmek_required_for)  # str enums: "restricted" is Confidentiality.RESTRICTED
    for r in resources:
        field, key = _KEYS.get(r.type, (None, None))
        level = labels_of(r).get("confidentiality") if field else None
        if level in required and not (r.inputs.get(field) or {}).get(key):
            yield r.urn, f"confidentiality {level!r} requires CMEK: set {field}.{key}"


_KEYS = {DATASET: ("defaultEncryptionConfiguration", "kmsKeyName"), BUCKET: ("encryption", "defaultKmsKeyName")}


@rule("allowed-locations", MANDATORY, "Every location and region is within the allowed locations.")
def allowed_locations(resources: list[Resource], settings: GovernanceSettings) -> Iterator[tuple[str, str]]:
    if not settings.allowed_locations:
        return
    allowed = {location_of(a) for a in settings.allowed_locations}
    within = allowed.union(*(regions_within(a) for a in allowed))
    for r in resources:
        if is_iam_member(r.type):
            continue  # a grant on an existing resource (a key, a repository): it places nothing
        for field in ("location", "region"):
            value = r.inputs.get(field)
            if isinstance(value, str) and value and location_of(value) not in within:
                yield r.urn, (f"{field} {value!r} is not allowed; expected one of "
                              f"{', '.join(settings.allowed_locations)} (or a region within)")


@rule("scheduler-oauth", MANDATORY,
      "Scheduler jobs calling Google APIs use an OAuth token with the cloud-platform scope, not OIDC.")
def scheduler_oauth(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    for r in resources:
        target = (r.inputs.get("httpTarget") or {}) if r.type == SCHEDULER_JOB else {}
        host = urlparse(target.get("uri") or "").hostname or ""
        if not (host == "googleapis.com" or host.endswith(".googleapis.com")):
            continue
        oauth = target.get("oauthToken")
        if target.get("oidcToken") or not oauth:
            yield r.urn, f"calls {host} without an oauthToken: Google APIs take OAuth access tokens, not OIDC"
        elif oauth.get("scope", CLOUD_PLATFORM) != CLOUD_PLATFORM:
            yield r.urn, f"oauthToken scope {oauth['scope']!r}; expected {CLOUD_PLATFORM}"


@rule("one-acl-mechanism", MANDATORY,
      "A dataset's ACL is written by one mechanism: DatasetAccess, Dataset.accesses or DatasetIam*, never two "
      "(an initial access list written at creation only is not a writer).")
def one_acl_mechanism(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    writers: dict[tuple[str, str], dict[str, list[Resource]]] = {}
    for r in resources:
        entries = r.inputs.get("accesses") if r.type == DATASET else None
        family = ("Dataset.accesses" if isinstance(entries, list) and entries and not creation_seed(r) else
                  "DatasetAccess" if r.type == ACCESS else "DatasetIam*" if r.type in DATASET_IAM else None)
        if family and (key := dataset_key(r)):
            writers.setdefault(key, {}).setdefault(family, []).append(r)
    datasets = datasets_by_key(resources)
    for key, families in writers.items():
        if len(families) > 1:
            first = datasets.get(key) or min((x for f in families.values() for x in f), key=lambda x: x.urn)
            yield first.urn, (f"ACL of {key[0]}.{key[1]} written by {' and '.join(sorted(families))}: "
                              "they overwrite each other; use DatasetAccess only")


@rule("resources-labelled", ADVISORY, "Labelable meshplane resources carry managed_by=meshplane.")
def resources_labelled(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    for r in resources:
        if r.type in LABELLED and labels_of(r).get("managed_by") != standards.MANAGED_BY:
            yield r.urn, f"missing label managed_by={standards.MANAGED_BY}"


from . import retention_rules  # noqa: E402, F401 - registers the retention rule after these
