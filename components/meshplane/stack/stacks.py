"""The domain stacks of a stacks directory, each with the mesh it sees (configs and declarations read, not planned)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..declaration.files import UsageError
from ..declaration.problems import DeclarationError
from ..mesh.model import Mesh
from ..mesh.validation import split_problems, stack_paths, stack_scope
from ..settings.stack_config import StackSettings, is_platform_stack, load_stack, stack_names


def read_stacks(stacks_dir: str | Path, environment: str | None = None, *, strict: bool = False,
                given: Mapping[str, tuple] | None = None) -> tuple[dict[str, tuple[StackSettings, Mesh]], list[str]]:
    """The domain stacks of ``environment`` (None: of every environment), each with the mesh it sees,
    and the names of those whose config or declarations have problems (``strict``: raised)."""
    root, stacks, unread = Path(stacks_dir).resolve().parent, dict(given or {}), []
    meshes = {tuple(stack_paths(settings.products, root)): mesh for settings, mesh in stacks.values()}
    for name in stack_names(stacks_dir):
        if name in stacks or is_platform_stack(name, stacks_dir):
            continue
        try:
            settings = load_stack(name, stacks_dir)
            if environment is not None and settings.environment != environment:
                continue
            files = tuple(stack_paths(settings.products, root))
            if files not in meshes:
                meshes[files] = Mesh.load(files)
            mesh = meshes[files]
            stopping = split_problems(mesh.problems, mesh, stack_scope(mesh, settings.domain), settings.domain)[0]
            if stopping:
                raise DeclarationError(stopping)
        except (DeclarationError, UsageError):
            if strict:
                raise
            unread.append(name)
            continue
        stacks[name] = (settings, mesh)
    return {k: v for k, v in stacks.items() if environment is None or v[0].environment == environment}, unread
