"""Check a dbt project (its ``manifest.json``, from ``dbt parse``) against the product's declaration.

Each finding is located in the declaration: a port table no model fills, a port model whose contract
is not enforced, whose columns or types differ from the port schema, or whose materialization would
replace (or alter) the port table meshplane owns, and an input port without a dbt source. The port
model is found by where it writes (``schema`` and ``alias`` as dbt resolved them), not by its name;
with a stack's addresses (``--stack``), by its whole relation, database included, and each input
port's source must read the port's relation (database, schema, identifier), whoever declares it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..product import standards
from ..declaration.files import UsageError
from ..declaration.loader import Source
from ..declaration.problems import Problem
from ..declaration.types import parse_duration
from ..declaration.dbt_invocation import input_env
from .dbt_scaffold import PORTS_FILE, SOURCES_FILE, Defaults, data_type, internal_dataset

WRITERS = ("model", "seed", "snapshot")  # nodes that write a relation
ALTERING = ("append_new_columns", "sync_all_columns")
_ALIASES = {"integer": "int64", "int": "int64", "smallint": "int64", "bigint": "int64", "tinyint": "int64",
            "byteint": "int64", "float": "float64", "boolean": "bool", "decimal": "numeric",
            "bigdecimal": "bignumeric", "record": "struct"}
_TOKEN = re.compile(r"\s*([<>,]|[^<>,\s(]+(?:\([^)]*\))?)")
SCAFFOLD = "meshplane dbt scaffold declares it in"
SCHEMA_HINT = ("dbt's default generate_schema_name prefixes a custom schema with the target's; "
               "meshplane dbt scaffold writes macros/meshplane_generate_schema_name.sql to prevent it")


def load_manifest(path: str | Path) -> dict:
    """The manifest's JSON; ``UsageError`` when it is missing or not a dbt manifest."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such manifest; run 'dbt parse' in the dbt project first") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a readable JSON manifest: {exc}") from None
    version = str((data.get("metadata") or {}).get("dbt_schema_version", "")) if isinstance(data, dict) else ""
    if "/manifest/" not in version or not isinstance(data.get("nodes"), dict):
        raise UsageError(f"{path}: not a dbt manifest; given no manifest dbt_schema_version; expected "
                         "target/manifest.json written by 'dbt parse'")
    return data


def normal_type(text: str | None) -> str:
    """A BigQuery type spelling in one form: lower case, aliases resolved, ``not null`` dropped."""
    tokens = [t.lower() for t in _TOKEN.findall(text or "")]
    try:
        kind, rest = _parse(tokens)
    except (IndexError, ValueError):
        return " ".join(tokens)
    return kind if not rest else " ".join(tokens)


def _parse(tokens: list[str]) -> tuple[str, list[str]]:
    word, rest = _ALIASES.get(tokens[0], tokens[0]), tokens[1:]
    if word in ("array", "struct") and rest and rest[0] == "<":
        parts, rest = [], rest[1:]
        while True:
            name = ""
            if word == "struct":
                name, rest = rest[0] + " ", rest[1:]
            kind, rest = _parse(rest)
            parts.append(name + kind)
            if rest[0] == ">":
                return f"{word}<{', '.join(parts)}>", _not_null(rest[1:])
            if rest[0] != ",":
                raise ValueError(rest[0])
            rest = rest[1:]
    return word, _not_null(rest)


def _not_null(rest: list[str]) -> list[str]:
    return rest[2:] if rest[:2] == ["not", "null"] else rest


def check_manifest(source: Source, manifest: dict, manifest_name: str = "the manifest",
                   where: Defaults | None = None) -> list[Problem]:
    """Every finding, located in the declaration ``source``. ``where``: the stack's addresses (its
    project, each input port's relation): port models and sources are then matched on the whole
    relation, database included."""
    product, problems = source.product, []
    dataset, project = internal_dataset(product), where.project if where else None
    writers = [n for n in manifest.get("nodes", {}).values() if n.get("resource_type") in WRITERS]
    for i, port in enumerate(product.output_ports):
        at, table = ("outputPorts", i), standards.port_table_id(port.name, port.major)
        feeding = [n for n in writers if n.get("schema") == dataset and n.get("alias") == table
                   and (project is None or n.get("database") == project)]
        elsewhere = [n for n in writers if n.get("schema") == dataset and n.get("alias") == table
                     and n not in feeding]
        for node in elsewhere if not feeding else []:
            problems.append(source.problem(at, f"{_writes(node, True)}, not the port table "
                                           f"`{project}.{dataset}.{table}`; given database {node.get('database')}; "
                                           f"expected the product's project {project} (the job's MESHPLANE_PROJECT)"))
        if not feeding and not elsewhere:
            near = "".join(f"; {_writes(n)}" for n in _near(writers, port.name, table))
            problems.append(source.problem(at, f"no dbt model writes the port table `{dataset}.{table}`; given "
                                           f"none in {manifest_name}{near}{_schema_hint(manifest, writers, table)}; "
                                           f"expected a model with schema {dataset} and alias {table} after "
                                           f"generate_schema_name ({SCAFFOLD} {PORTS_FILE.as_posix()})"))
        for node in feeding:
            problems += _port_model(source, i, node, dataset, table)
    ports = {standards.port_table_id(port.name, port.major) for port in product.output_ports}
    own = [n for n in writers if n.get("schema") == dataset and n.get("alias") not in ports]
    problems += _kept_forever(source, own)
    sources = list(manifest.get("sources", {}).values())
    for j, port in enumerate(product.input_ports):
        named = [s for s in sources if s.get("source_name") == port.name]
        if not named:
            problems.append(source.problem(("inputPorts", j), f"input port {port.name} is not a dbt source; "
                                           f"given no source named {port.name!r} in {manifest_name}; expected "
                                           f"one ({SCAFFOLD} {SOURCES_FILE.as_posix()})"))
        elif (address := relation_of(port, where)) and address not in {_relation(s) for s in named}:
            given = ", ".join(f"`{_relation(s)}`" for s in named)
            problems.append(source.problem(("inputPorts", j), f"source {port.name} does not read input port "
                                           f"{port.name}'s relation; given {given}; expected `{address}` (its "
                                           "database, schema and identifier from "
                                           f"env_var('{input_env(port.name)}'), as {SOURCES_FILE.name} has them)"))
    return sorted(set(problems))


def relation_of(port, where: Defaults | None) -> str | None:
    """The BigQuery relation (``project.dataset.table``) input port ``port`` reads in the stack of
    ``where``; None without one, or for files (a GCS or S3 prefix read through an external table)."""
    if where is None or where.project is None or port.gcs_prefix or port.s3:
        return None
    address = where.inputs.get(port.name)
    return address if isinstance(address, str) and address.count(".") == 2 else None


def _relation(node: dict) -> str:
    return f"{node.get('database')}.{node.get('schema')}.{node.get('identifier') or node.get('name')}"


def _near(writers: list[dict], port: str, table: str) -> list[dict]:
    """Models that look like the port's: writing a relation named like the port table, or named so."""
    return [n for n in writers if n.get("alias") == table or {n.get("name"), n.get("alias")} & {port, table}][:3]


def _writes(node: dict, database: bool = False) -> str:
    relation = f"{node.get('database')}.{node.get('schema')}" if database else node.get("schema")
    return f"{node.get('resource_type')} `{node.get('name')}` writes `{relation}.{node.get('alias')}`"


def _schema_hint(manifest: dict, writers: list[dict], table: str) -> str:
    """Why a model configured for the port table writes elsewhere: the project's generate_schema_name."""
    moved = [n for n in writers if n.get("alias") == table and (n.get("config") or {}).get("schema")
             and n.get("schema") != n["config"]["schema"]]
    if not moved:
        return ""
    node = moved[0]
    own = [m for m in (manifest.get("macros") or {}).values() if m.get("name") == "generate_schema_name"
           and m.get("package_name") == (manifest.get("metadata") or {}).get("project_name")]
    how = (f"the project's generate_schema_name ({own[0].get('original_file_path')}) turned its schema "
           f"{node['config']['schema']} into {node.get('schema')}: make it keep a custom schema as given for "
           "models/meshplane (node.fqn[1] == 'meshplane')") if own else SCHEMA_HINT
    return f" ({how})"


def _kept_forever(source: Source, nodes: list[dict]) -> list[Problem]:
    """dbt's own tables in the internal dataset that would keep rows longer than the product's retention:
    the dataset's default partition expiration reaches partitioned tables only (a default table
    expiration would delete the port tables too, so meshplane sets none)."""
    retention = source.product.policies.retention
    if retention is None:
        return []
    hours = parse_duration(retention).total_seconds() / 3600
    out = []
    for node in nodes:
        config = node.get("config") or {}
        if config.get("materialized") in ("view", "ephemeral") or config.get("partition_by"):
            continue
        expiry = config.get("hours_to_expiration")
        if isinstance(expiry, (int, float)) and 0 < expiry <= hours:
            continue
        out.append(source.problem(("policies", "retention"), (
            f"{node.get('resource_type')} {node.get('name')} ({node.get('original_file_path')}) keeps its rows "
            f"in the internal dataset longer than the product's retention {retention}; given no partition_by "
            f"and hours_to_expiration: {_yaml(expiry)}; expected partition_by (the dataset's partition "
            f"expiration then applies) or hours_to_expiration of at most {hours:g}")))
    return out


def _port_model(source: Source, i: int, node: dict, dataset: str, table: str) -> list[Problem]:
    at, config, kind = ("outputPorts", i), node.get("config") or {}, node.get("resource_type")
    what = f"{kind} {node.get('name')} ({node.get('original_file_path')})"
    out = []
    if kind != "model" or config.get("materialized") != "incremental":
        given = f"a {kind}" if kind != "model" else f"materialized: {config.get('materialized')}"
        out.append(source.problem(at, f"{what} would replace the port table {dataset}.{table}, which "
                                  f"meshplane owns; given {given}; expected materialized: incremental"))
    if kind != "model":
        return out
    if config.get("full_refresh") is not False:
        out.append(source.problem(at, f"{what} would replace the port table {dataset}.{table} on "
                                  f"--full-refresh; given full_refresh: {_yaml(config.get('full_refresh'))}; "
                                  "expected full_refresh: false"))
    if config.get("on_schema_change") in ALTERING:
        out.append(source.problem(at, f"{what} would alter the schema of the port table {dataset}.{table}; "
                                  f"given on_schema_change: {config['on_schema_change']}; expected fail "
                                  "(change the declaration instead)"))
    enforced = (config.get("contract") or {}).get("enforced")
    if enforced is not True:
        out.append(source.problem(at, f"the contract of {what} is not enforced; given contract.enforced: "
                                  f"{_yaml(enforced)}; expected contract: {{enforced: true}}"))
    return out + _columns(source, i, node, what)


def _columns(source: Source, i: int, node: dict, what: str) -> list[Problem]:
    port, out = source.product.output_ports[i], []
    given = {name: (col or {}).get("data_type") for name, col in (node.get("columns") or {}).items()}
    for j, column in enumerate(port.columns):
        expected = data_type(column)
        if column.name not in given:
            out.append(source.problem(("outputPorts", i, "schema", j), f"{what} lacks the port column "
                                      f"{column.name}; given no such column in its contract; expected "
                                      f"{column.name} with data_type {expected}"))
        elif normal_type(given[column.name]) != normal_type(expected):
            out.append(source.problem(("outputPorts", i, "schema", j, "type"), f"{what} declares column "
                                      f"{column.name} as {given[column.name] or 'no data_type'}; given a type "
                                      f"that differs from the port schema; expected data_type {expected}"))
    declared = {c.name for c in port.columns}
    for name in sorted(set(given) - declared):
        out.append(source.problem(("outputPorts", i, "schema"), f"{what} declares column {name}, which the "
                                  f"port schema lacks; given {name} ({given[name] or 'no data_type'}); "
                                  f"expected only the port's columns: {', '.join(sorted(declared))}"))
    return out


def _yaml(value: object) -> str:
    return "unset" if value is None else json.dumps(value)
