"""Starter declarations from the archetype templates (``meshplane new``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template

from ..console.atomic import write_atomic
from ..declaration.files import UsageError
from ..declaration.types import Archetype, check_slug


def render_template(product_id: str, archetype: Archetype) -> str:
    """The template of ``archetype`` filled in for ``<domain>.<name>``."""
    domain, name = _split_id(product_id)
    text = resources.files("meshplane").joinpath("templates", f"{archetype.value}.yaml.tmpl").read_text()
    display = name.replace("-", " ").capitalize()
    return Template(text).substitute(domain=domain, name=name, display_name=display)


def write_starter(product_id: str, archetype: Archetype, out_dir: str | Path, force: bool = False) -> Path:
    """Write ``<out_dir>/<domain>/<name>.yaml`` atomically; refuse to overwrite unless ``force``."""
    domain, name = _split_id(product_id)
    target = Path(out_dir) / domain / f"{name}.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    text = render_template(product_id, archetype)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {target.parent}: {exc.strerror or exc}") from None
    return write_atomic(target, text)


def _split_id(product_id: str) -> tuple[str, str]:
    domain, _, name = product_id.partition(".")
    try:
        check_slug(domain), check_slug(name)
    except ValueError:
        raise UsageError(f"not a data product id: {product_id!r}; expected <domain>.<name>, "
                         "e.g. podcast.podcast-charts") from None
    return domain, name
