"""Scaffolding into a dbt project that already exists, without breaking ``dbt parse``.

A real project has its own ``generate_schema_name``, sources, models and profile. dbt refuses two
macros of one name and two sources with the same source and table name, and two models of one name.
So, before writing, the project is read (``dbt_project.yml``'s model and macro paths, their SQL
and YAML files) and each clash is resolved, said in one line:

* the project's own ``generate_schema_name`` is kept and meshplane's macro not written: the line
  says how to make port models keep their schema (``dbt check`` then checks where they write);
* a source table the project already declares is left out of ``models/meshplane/sources.yml``
  (merged: the project's declaration serves the input port, and the line says which env_var its
  address should read);
* a port model whose name a project model has is named ``meshplane_<port>_v<major>`` (same alias:
  the port table is the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..product import standards
from ..declaration.files import UsageError
from ..declaration.model import DataProduct
from ..mesh.model import Mesh
from ..settings.stack_config import StackSettings
from ..console.atomic import write_atomic
from .dbt_scaffold import (MODELS_DIR, SCHEMA_MACRO, SOURCES_FILE, Defaults, contract_files, internal_dataset,
                           model_name, source)
from .dbt_starter import starter_files

_SCHEMA_MACRO = re.compile(r"\{%-?\s*macro\s+generate_schema_name\s*\(")


@dataclass
class Project:
    """What an existing dbt project already defines."""

    schema_macro: Path | None = None  # the project's own generate_schema_name
    sources: dict[tuple[str, str], Path] = field(default_factory=dict)  # (source, table) -> file
    models: set[str] = field(default_factory=set)  # model names outside models/meshplane

    @classmethod
    def read(cls, root: Path) -> Project:
        """The project at ``root`` (nothing when it has no ``dbt_project.yml``)."""
        config = _mapping(root / "dbt_project.yml")
        if config is None:
            return cls()
        out = cls()
        for base in _paths(config, "macro-paths", "macros"):
            for sql in sorted((root / base).rglob("*.sql")):
                if sql.relative_to(root) != SCHEMA_MACRO and _SCHEMA_MACRO.search(_text(sql)):
                    out.schema_macro = out.schema_macro or sql.relative_to(root)
        for base in _paths(config, "model-paths", "models"):
            for path in sorted((root / base).rglob("*")):
                rel = path.relative_to(root)
                if rel.parent == MODELS_DIR or not path.is_file():
                    continue
                if path.suffix in (".sql", ".py"):
                    out.models.add(path.stem)
                elif path.suffix in (".yml", ".yaml"):
                    out.sources |= {key: rel for key in _source_tables(path)}
        return out


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _mapping(path: Path) -> dict | None:
    try:
        data = yaml.safe_load(_text(path)) if path.is_file() else None
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _paths(config: dict, key: str, default: str) -> list[str]:
    paths = config.get(key)
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else [default]


def _source_tables(path: Path) -> list[tuple[str, str]]:
    data = _mapping(path) or {}
    out = []
    for src in data.get("sources") or []:
        if isinstance(src, dict) and isinstance(src.get("name"), str):
            out += [(src["name"], t["name"]) for t in src.get("tables") or []
                    if isinstance(t, dict) and isinstance(t.get("name"), str)]
    return out


def merge_sources(sources: list[dict], project: Project) -> tuple[list[dict], list[str]]:
    """``sources`` without the tables the project declares, and one line per table left out."""
    kept, said = [], []
    for src in sources:
        tables = []
        for table in src.get("tables", []):
            where = project.sources.get((src["name"], table["name"]))
            if where is None:
                tables.append(table)
                continue
            said.append(f"source {src['name']}.{table['name']} is the project's ({where.as_posix()}): left out "
                        f"of {SOURCES_FILE.as_posix()}, it serves input port {src['name']}; for the job to read "
                        f"each environment's address, take its database, schema and identifier from "
                        f"env_var('MESHPLANE_INPUT_{src['name'].upper()}') as {SOURCES_FILE.name} would")
        if tables:
            kept.append(src | {"tables": tables})
    return kept, said


def schema_macro_line(project: Project, dataset: str) -> str:
    """What was done about the project's own ``generate_schema_name``."""
    return (f"kept {project.schema_macro.as_posix()}: the project's own generate_schema_name; "
            f"{SCHEMA_MACRO.as_posix()} not written (dbt allows one). The port models set schema {dataset}, "
            f"which must stay as given in every target: begin the macro with "
            "{%- if node.fqn[1] == 'meshplane' -%}{{ custom_schema_name | trim }}{%- else -%} ... {%- endif -%}; "
            "'meshplane dbt check' says where they write")


def write_scaffold(product: DataProduct, mesh: Mesh, stack: StackSettings | None, directory: str | Path,
                   force: bool = False) -> tuple[list[Path], list[Path], list[str]]:
    """Write the contract files (existing ones only with ``force``) and the missing starter files,
    resolving clashes with the project there; the paths written, the starter files kept and one line
    per clash resolved. ``UsageError`` when a contract file exists."""
    root = Path(directory)
    project = Project.read(root)
    defaults = Defaults.of(product, mesh, stack)
    sources, said = merge_sources([source(product, p, mesh, defaults) for p in product.input_ports], project)
    contract = contract_files(product, mesh, defaults, project.models, sources)
    if project.schema_macro is not None:
        del contract[SCHEMA_MACRO]
        said.append(schema_macro_line(project, internal_dataset(product)))
    said += [f"a model of the project is named {standards.port_table_id(p.name, p.major)}: the port model "
             f"is {model_name(p, project.models)} (alias {standards.port_table_id(p.name, p.major)}, the port table)"
             for p in product.output_ports if model_name(p, project.models) != model_name(p)]
    existing = [p.as_posix() for p in contract if (root / p).exists()]
    if existing and not force:
        raise UsageError(f"{', '.join(existing)} already in {root}: scaffold again with --force to replace them")
    starters = starter_files(product, defaults, project.models)
    kept = [p for p in starters if (root / p).exists()]
    written = []
    for path, text in {**contract, **{p: t for p, t in starters.items() if p not in kept}}.items():
        try:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            write_atomic(root / path, text)
        except OSError as exc:
            raise UsageError(f"cannot write {root / path}: {exc.strerror or exc}") from None
        written.append(path)
    return written, kept, said


def project_profile(root: Path) -> str | None:
    """The profile an existing ``dbt_project.yml`` names."""
    name = (_mapping(root / "dbt_project.yml") or {}).get("profile")
    return name if isinstance(name, str) else None
