"""Naming and addressing standards of the data mesh on Google Cloud.

Pure, deterministic functions: the same inputs always give the same names.
Names that exceed a platform limit are shortened with a stable hash suffix
(see `shorten`); `check_unique` catches the rare collisions this can cause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from ..declaration.shortening import HASH_LEN, NamingError, _hash, shorten  # noqa: F401 - naming standards

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PORT_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PROJECT_ID_RE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
SERVICE_ACCOUNT_ID_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])$")
DATASET_ID_RE = re.compile(r"^[a-z0-9_]+$")
TABLE_ID_RE = re.compile(r"^[A-Za-z0-9_]+$")
LABEL_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]*$")

PROJECT_ID_MIN, PROJECT_ID_MAX = 6, 30
SERVICE_ACCOUNT_ID_MIN, SERVICE_ACCOUNT_ID_MAX = 6, 30
DATASET_ID_MAX = TABLE_ID_MAX = 1024
LABEL_MAX = 63
LABELS_PER_RESOURCE_MAX = 64
RESOURCE_KEY_MAX = 100

MANAGED_BY = "meshplane"
MESH_LAYERS = ("internal", "port", "control", "audit")
STANDARD_LABEL_KEYS = frozenset(
    {"data_domain", "data_product", "mesh_layer", "environment", "managed_by", "port", "port_version"}
)

_NAME_FORM = "dash-separated lowercase words of [a-z0-9] starting with a letter (e.g. 'podcast-demographics')"
_PORT_FORM = "lowercase letters, digits and '_' starting with a letter (e.g. 'demographics')"


def _check(value: object, pattern: re.Pattern[str], what: str, form: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise NamingError(f"invalid {what} {value!r}: expected {form}")
    return value


def _name(value: object, what: str) -> str:
    return _check(value, NAME_RE, what, _NAME_FORM)


def _port(value: object) -> str:
    return _check(value, PORT_RE, "port", _PORT_FORM)


def _major(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NamingError(f"invalid major version {value!r}: expected an int >= 0")
    return value


def project_id(prefix: str, environment: str, domain: str, product: str) -> str:
    """GCP project id `<prefix>-<environment>-<domain>-<product>`, hash-shortened to 30 chars."""
    parts = [_name(prefix, "prefix"), _name(environment, "environment")]
    parts += [_name(domain, "domain"), _name(product, "product")]
    pid = shorten("-".join(parts), PROJECT_ID_MAX)
    if len(pid) < PROJECT_ID_MIN or not PROJECT_ID_RE.fullmatch(pid):
        form = f"{PROJECT_ID_MIN}-{PROJECT_ID_MAX} chars matching {PROJECT_ID_RE.pattern}"
        raise NamingError(f"invalid project id {pid!r} from prefix {prefix!r}: expected {form}")
    return pid


def dataset_id(*parts: str) -> str:
    """BigQuery dataset id: parts joined with '_', '-' -> '_', lowercased, hash-shortened to 1024."""
    if not parts or any(not isinstance(p, str) or not p for p in parts):
        raise NamingError(f"invalid dataset id parts {parts!r}: expected one or more non-empty strings")
    raw = "_".join(parts).replace("-", "_").lower()
    if not DATASET_ID_RE.fullmatch(raw):
        raise NamingError(f"invalid dataset id {raw!r}: expected only letters, digits, '_' and '-'")
    return shorten(raw, DATASET_ID_MAX, sep="_")


def internal_dataset_id(product: str) -> str:
    """The product's private dataset, e.g. `podcast_demographics_internal`."""
    return dataset_id(_name(product, "product"), "internal")


def staging_dataset_id(product: str) -> str:
    """The product's staging dataset, e.g. `podcast_demographics_staging`."""
    return dataset_id(_name(product, "product"), "staging")


def control_dataset_id(product: str) -> str:
    """The product's control-plane dataset, e.g. `podcast_demographics_control`."""
    return dataset_id(_name(product, "product"), "control")


def port_dataset_id(product: str, port: str, major: int) -> str:
    """The dataset exposing one major version of an output port,
    e.g. `podcast_demographics_demographics_v1`."""
    return dataset_id(_name(product, "product"), _port(port), f"v{_major(major)}")


def port_table_id(port: str, major: int) -> str:
    """The table backing a port version in the internal dataset, e.g. `demographics_v1`."""
    tid = shorten(f"{_port(port)}_v{_major(major)}", TABLE_ID_MAX, sep="_")
    return _check(tid, TABLE_ID_RE, "table id", "letters, digits and '_'")


def view_id(port: str, major: int) -> str:
    """The interface view inside the port dataset, e.g. `demographics_v1`."""
    return port_table_id(port, major)


def service_account_id(role: str, product: str) -> str:
    """GCP service account id `<role>-<product>`, padded with `-sa` to 6 chars, hash-shortened to 30."""
    raw = f"{_name(role, 'role')}-{_name(product, 'product')}"
    while len(raw) < SERVICE_ACCOUNT_ID_MIN:
        raw += "-sa"
    sid = shorten(raw, SERVICE_ACCOUNT_ID_MAX)
    form = f"{SERVICE_ACCOUNT_ID_MIN}-{SERVICE_ACCOUNT_ID_MAX} chars matching {SERVICE_ACCOUNT_ID_RE.pattern}"
    return _check(sid, SERVICE_ACCOUNT_ID_RE, "service account id", form)


def service_account_email(account_id: str, project: str) -> str:
    """Email of a service account: `<account_id>@<project>.iam.gserviceaccount.com`."""
    _check(account_id, SERVICE_ACCOUNT_ID_RE, "service account id", SERVICE_ACCOUNT_ID_RE.pattern)
    if not SERVICE_ACCOUNT_ID_MIN <= len(account_id) <= SERVICE_ACCOUNT_ID_MAX:
        raise NamingError(f"invalid service account id {account_id!r}: expected 6-30 chars")
    _check(project, PROJECT_ID_RE, "project id", PROJECT_ID_RE.pattern)
    if not PROJECT_ID_MIN <= len(project) <= PROJECT_ID_MAX:
        raise NamingError(f"invalid project id {project!r}: expected 6-30 chars")
    return f"{account_id}@{project}.iam.gserviceaccount.com"


def runner_email(prefix: str, environment: str, domain: str, product: str) -> str:
    """The product's runner service account email, computed offline (no cloud or stack lookup)."""
    project = project_id(prefix, environment, domain, product)
    return service_account_email(service_account_id("run", product), project)


def _sanitise_label(s: object, what: str) -> str:
    if not isinstance(s, str):
        raise NamingError(f"invalid {what} {s!r}: expected a string")
    return shorten(re.sub(r"[^a-z0-9_-]", "_", s.lower()), LABEL_MAX)


def label_key(s: str) -> str:
    """A GCP label key: lowercased, other chars -> '_', <= 63 chars; must start with a letter."""
    key = _sanitise_label(s, "label key")
    return _check(key, LABEL_KEY_RE, "label key", "a lowercase letter first, then [a-z0-9_-]")


def label_value(s: str) -> str:
    """A GCP label value: lowercased, chars outside [a-z0-9_-] -> '_', <= 63 chars; may be empty."""
    return _sanitise_label(s, "label value")


def labels(
    *,
    domain: str,
    product: str,
    environment: str,
    mesh_layer: str,
    port: str | None = None,
    port_version: int | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The standard label set of a mesh resource plus sanitised extras, keys sorted."""
    if mesh_layer not in MESH_LAYERS:
        raise NamingError(f"invalid mesh_layer {mesh_layer!r}: expected one of {', '.join(MESH_LAYERS)}")
    out = {
        "data_domain": label_value(_name(domain, "domain")),
        "data_product": label_value(_name(product, "product")),
        "environment": label_value(_name(environment, "environment")),
        "mesh_layer": mesh_layer,
        "managed_by": MANAGED_BY,
    }
    if port is not None:
        out["port"] = label_value(_port(port))
    if port_version is not None:
        out["port_version"] = f"v{_major(port_version)}"
    for raw_key, raw_value in (extra or {}).items():
        key = label_key(raw_key)
        if key in STANDARD_LABEL_KEYS:
            raise NamingError(f"extra label {raw_key!r} would override standard label {key!r}")
        if key in out:
            raise NamingError(f"extra label {raw_key!r} collides with another extra label as {key!r}")
        out[key] = label_value(raw_value)
    if len(out) > LABELS_PER_RESOURCE_MAX:
        raise NamingError(f"too many labels ({len(out)}): GCP allows at most {LABELS_PER_RESOURCE_MAX}")
    return dict(sorted(out.items()))


def product_urn(domain: str, name: str) -> str:
    """The product's stable URN: `urn:meshplane:<domain>:<name>`."""
    return f"urn:meshplane:{_name(domain, 'domain')}:{_name(name, 'product')}"


def port_urn(domain: str, name: str, port: str, major: int) -> str:
    """An output port version's URN: `urn:meshplane:<domain>:<name>:<port>:v<major>`."""
    return f"{product_urn(domain, name)}:{_port(port)}:v{_major(major)}"


def resource_key(*parts: str) -> str:
    """A stable, readable Pulumi logical-name key from parts (e.g. `group:a@b.example` ->
    `group-a-at-b.example`); '@' -> '-at-', other unsafe chars -> '-', hash-shortened to 100."""
    if not parts or any(not isinstance(p, str) or not p for p in parts):
        raise NamingError(f"invalid resource key parts {parts!r}: expected one or more non-empty strings")
    cleaned = [re.sub(r"[^A-Za-z0-9._-]", "-", p.replace("@", "-at-")) for p in parts]
    key = "-".join(cleaned)
    if any(_ambiguous(p) for p in parts):  # keep distinct inputs distinct: add the original's hash
        key = f"{key}-{_hash('|'.join(parts))}"
    return shorten(key, RESOURCE_KEY_MAX)


def _ambiguous(part: str) -> bool:
    """Whether the readable form of ``part`` could also come from another input."""
    kind, colon, rest = part.partition(":")
    body = rest if colon and kind.isalpha() else part
    return "-at-" in body or ":" in body or re.search(r"[^A-Za-z0-9._@-]", body) is not None or \
        body.count("@") > 1


def check_unique(names: Mapping[str, str], what: str) -> None:
    """Raise NamingError naming both owners if two owners map to the same generated `what` name."""
    seen: dict[str, str] = {}
    for owner, name in sorted(names.items()):
        if name in seen:
            raise NamingError(f"{what} collision: {seen[name]!r} and {owner!r} both map to {name!r}")
        seen[name] = owner


PURGE_LABEL = "purge"  # value "true": the product's data may be deleted (see the module's docstring)
