"""The dbt side of a product's contract, from its declaration: sources, port models, starter files.

* ``models/meshplane/sources.yml``: one dbt source per input port, named like the port. Where it is
  comes from the dbt job's environment (``MESHPLANE_INPUT_<PORT>``, a ``project.dataset.table`` that
  ``env_var()`` splits), so one dbt project runs in every environment. An upstream port's source
  carries the upstream freshness SLO and processing-time column; a GCS prefix becomes an external
  table ``ext_<port>`` of the internal dataset (dbt-external-tables creates it).
* ``models/meshplane/_ports.yml``: one model per output port writing the port table
  ``<internal dataset>.<port>_v<major>``: incremental, never full-refreshed, contract enforced, the
  port's columns with BigQuery types, a ``not_null`` test per required column.
* ``macros/meshplane_generate_schema_name.sql``: a custom schema is used as given (dbt's default
  prefixes it with the target's dataset, which would miss the port table).

Those three are the contract files, rewritten with ``force`` only. The starter files (``dbt_starter``)
are written when absent and never replaced; ``dbt_existing`` writes both into an existing project. ``env_var()``
defaults are the values that are the same in every environment, plus, with a stack, that stack's
project and upstream addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..product import addresses, standards
from ..settings.environments import for_environment, source_environment
from ..product.bq_schema import PUBSUB_RAW_COLUMNS
from ..declaration.dbt_invocation import INTERNAL_DATASET_ENV, PROJECT_ENV, input_env
from ..declaration.model import Column, DataProduct, InputPort, OutputPort
from ..declaration.types import BigQueryType, ColumnRole, parse_duration
from ..declaration.files import UsageError
from ..product.landing import landing_address
from ..mesh.model import Mesh
from ..settings.stack_config import StackSettings
from .yaml_text import Flow, FlowList

MODELS_DIR = Path("models") / "meshplane"
SOURCES_FILE, PORTS_FILE = MODELS_DIR / "sources.yml", MODELS_DIR / "_ports.yml"
SCHEMA_MACRO = Path("macros") / "meshplane_generate_schema_name.sql"
RAW_PREFIX, EXTERNAL_PREFIX = "raw_", "ext_"
_HEADER = ("# Written by `meshplane dbt scaffold` from the declaration of {id}: the dbt side of its "
           "contract.\n# Change the declaration and scaffold again (--force) rather than editing this file.\n")
_MACRO = """{#- Written by `meshplane dbt scaffold`: a custom schema (the port models' internal dataset) is used
    as given, not prefixed with the target's dataset as dbt does by default. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
"""


class _Dumper(yaml.SafeDumper):
    """Block style with indented sequences; ``Flow`` and ``FlowList`` inline; no line folding."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):  # noqa: ARG002
        return super().increase_indent(flow, False)


_Dumper.add_representer(Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def dump_yaml(data: object) -> str:
    """Deterministic YAML whose Jinja strings stay on one line."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)


@dataclass(frozen=True)
class Defaults:
    """``env_var()`` defaults: the product's project and input addresses, where known."""

    project: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, product: DataProduct, mesh: Mesh, stack: StackSettings | None) -> Defaults:
        """The declared operational sources; with ``stack``, that environment's addresses (its sources,
        as ``environments.for_environment`` maps them, and its project and upstream ports)."""
        if stack is not None:
            product = for_environment(product, stack.platform, stack.environment)
        fixed = {p.name: p.bigquery_table or p.gcs_prefix for p in product.input_ports
                 if p.bigquery_table or p.gcs_prefix}
        if stack is None:
            return cls(None, fixed)
        project = addresses.project_id(product, stack.platform, stack.environment)
        inputs = dict(fixed)
        for port in product.input_ports:
            if port.s3:  # what dbt reads is the landing prefix, not the S3 source
                inputs[port.name] = landing_address(project, port.name)
            elif port.pubsub_topic:
                inputs[port.name] = f"{project}.{internal_dataset(product)}.{RAW_PREFIX}{port.name}"
            elif port.data_product:
                upstream = mesh.sources[port.data_product].product
                inputs[port.name] = addresses.port_address(
                    upstream, _upstream(mesh, port), stack.platform,
                    source_environment(product, port.name, stack.environment))  # as the job reads it
        return cls(project, inputs)


def internal_dataset(product: DataProduct) -> str:
    """The dataset of the port tables (the same in every environment)."""
    return standards.internal_dataset_id(product.name)


def data_type(column: Column) -> str:
    """The column's type as dbt contracts on BigQuery spell it: ``int64``, ``struct<a string>``, ``array<...>``."""
    if column.type == BigQueryType.RECORD:
        inner = "struct<" + ", ".join(f"{f.name} {data_type(f)}" for f in column.fields or []) + ">"
    else:
        inner = column.type.value.lower()
    return f"array<{inner}>" if column.repeated else inner


def freshness(duration: str) -> dict:
    """An SLO duration as dbt's ``error_after``, in the largest whole unit (minutes at least)."""
    seconds = int(parse_duration(duration).total_seconds())
    for period, size in (("day", 86400), ("hour", 3600)):
        if seconds % size == 0:
            return {"error_after": Flow(count=seconds // size, period=period)}
    return {"error_after": Flow(count=-(-seconds // 60), period="minute")}


def env(name: str, default: str | None = None, part: int | None = None) -> str:
    """A Jinja ``env_var()`` call, with its default and, for addresses, one dotted part."""
    call = f'env_var("{name}"' + (f', "{default}")' if default else ")")
    return "{{ " + call + (f'.split(".")[{part}]' if part is not None else "") + " }}"


def model_name(port: OutputPort, taken: frozenset[str] | set[str] = frozenset()) -> str:
    """The port model's name: its alias, the port table id, unless a model of the project has that name."""
    name = standards.port_table_id(port.name, port.major)
    return f"meshplane_{name}" if name in taken else name


def port_model(product: DataProduct, port: OutputPort, taken: frozenset[str] | set[str] = frozenset()) -> dict:
    """The ``models:`` entry filling one port table."""
    time = next(c for c in port.columns if c.role == ColumnRole.PROCESSING_TIME)
    part = port.partitioning
    column = next(c for c in port.columns if c.name == (part.column if part else time.name))
    config = {"alias": standards.port_table_id(port.name, port.major), "schema": internal_dataset(product),
              "materialized": "incremental",
              "on_schema_change": "fail", "full_refresh": False, "contract": Flow(enforced=True),
              "partition_by": Flow(field=column.name, data_type=column.type.value.lower(),
                                   granularity=(part.granularity if part else "DAY").lower())}
    if port.clustering:
        config["cluster_by"] = FlowList(port.clustering)
    columns = []
    for c in port.columns:
        entry = {"name": c.name, "data_type": data_type(c)}
        if c.description:
            entry["description"] = c.description
        if c.required and not c.repeated:
            entry["data_tests"] = FlowList(["not_null"])
        columns.append(entry)
    return {"name": model_name(port, taken), "description": f"{port.name} {port.version}: {port.description}",
            "config": config, "columns": columns}


def source(product: DataProduct, port: InputPort, mesh: Mesh, defaults: Defaults) -> dict:
    """The ``sources:`` entry of one input port."""
    address = defaults.inputs.get(port.name)
    out: dict = {"name": port.name}
    if port.description:
        out["description"] = port.description
    table: dict = {}
    if port.gcs_prefix or port.s3:
        out |= {"database": env(PROJECT_ENV, defaults.project),
                "schema": env(INTERNAL_DATASET_ENV, internal_dataset(product))}
        return out | {"tables": [external_table(port, address)]}
    out |= {"database": env(input_env(port.name), address, 0), "schema": env(input_env(port.name), address, 1)}
    if port.data_product:
        upstream = _upstream(mesh, port)
        time = next(c for c in upstream.columns if c.role == ColumnRole.PROCESSING_TIME)
        table = {"name": standards.view_id(upstream.name, upstream.major),
                 "description": f"{port.data_product} {upstream.name} v{upstream.major}: {upstream.description}"}
        config = {"loaded_at_field": time.name}
        if upstream.slos.freshness:
            config["freshness"] = freshness(upstream.slos.freshness)
        columns = [Flow(name=c.name, data_type=data_type(c)) for c in upstream.columns]
    elif port.pubsub_topic:
        table = {"name": f"{RAW_PREFIX}{port.name}", "description": f"Messages of {port.pubsub_topic}."}
        config = {"loaded_at_field": "publish_time"}
        columns = [Flow(name=c["name"], data_type=c["type"].lower()) for c in PUBSUB_RAW_COLUMNS]
    else:
        table, config, columns = {"name": port.bigquery_table.rsplit(".", 1)[1]}, {}, []
    table["identifier"] = env(input_env(port.name), address, 2)
    return out | {"tables": [table | ({"config": config} if config else {})
                             | ({"columns": columns} if columns else {})]}



EXTERNAL_FORMATS = {"PARQUET": "PARQUET", "CSV": "CSV", "JSON": "NEWLINE_DELIMITED_JSON", "AVRO": "AVRO"}


def external_table(port: InputPort, address: str | None) -> dict:
    """The external table over a Cloud Storage prefix: a gcsPrefix, or an S3 port's landing prefix (whose
    format the declaration states)."""
    location = {"location": env(input_env(port.name), address) + "*"}
    if port.s3 is None:
        return {"name": f"{EXTERNAL_PREFIX}{port.name}",
                "description": f"External table over {port.gcs_prefix}: set external.options.format and "
                               "create it with dbt-external-tables (dbt run-operation stage_external_sources).",
                "external": location}
    return {"name": f"{EXTERNAL_PREFIX}{port.name}",
            "description": f"External table over the landing prefix of {port.s3.uri} (copied by Storage Transfer "
                           "Service): create it with dbt-external-tables (dbt run-operation stage_external_sources).",
            "external": location | {"options": {"format": EXTERNAL_FORMATS[port.s3.format.value]}}}


def _upstream(mesh: Mesh, port: InputPort) -> OutputPort:
    found = mesh.output_port(port.data_product, port.output_port, port.version)
    if found is None:  # the mesh check reports it; the caller stops on mesh problems first
        raise UsageError(f"input port {port.name}: {port.data_product} {port.output_port} "
                         f"v{port.version} is not in the mesh")
    return found


def contract_files(product: DataProduct, mesh: Mesh, defaults: Defaults, taken: frozenset[str] | set[str] = frozenset(),
                   sources: list[dict] | None = None) -> dict[Path, str]:
    """The files meshplane owns: sources (``sources``, else one per input port), port models (named
    apart from the ``taken`` model names) and the schema-name macro."""
    header = _HEADER.format(id=product.id)
    if sources is None:
        sources = [source(product, p, mesh, defaults) for p in product.input_ports]
    models = [port_model(product, p, taken) for p in product.output_ports]
    return {SOURCES_FILE: header + dump_yaml({"version": 2, "sources": sources}),
            PORTS_FILE: header + dump_yaml({"version": 2, "models": models}), SCHEMA_MACRO: _MACRO}
