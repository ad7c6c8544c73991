"""``meshplane dbt``: write the dbt side of a product's contract, and check a dbt project against it.

Exit codes as the other commands: 0 clean, 1 problems (located in the declaration), 2 usage errors.
Neither command imports pulumi, nor dbt: ``check`` reads the manifest ``dbt parse`` wrote and the
``profiles.yml`` the job's target must be in.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..console.output import fail_usage, report
from ..declaration.files import UsageError
from ..declaration.problems import DeclarationError


def _read(declaration: str):
    from ..declaration.loader import read_source

    if not Path(declaration).is_file():
        fail_usage(f"{declaration}: no such declaration file")
    source, problems = read_source(declaration)
    if problems:
        report(sorted(problems))
    return source


dbt_cmd = click.Group("dbt", help="The dbt project that fills a product's port tables.")


@dbt_cmd.command()
@click.argument("declaration")
@click.option("-o", "--output-dir", required=True, help="The dbt project's directory (created if missing).")
@click.option("--stack", help="Give env_var() this stack's addresses as defaults (stacks/Pulumi.<STACK>.yaml) "
              "and read the upstream declarations from its products.")
@click.option("--stacks-dir", default="stacks", show_default=True, help="Where stack configs live.")
@click.option("--mesh", "mesh_paths", multiple=True,
              help="Declarations (files or directories) of the upstream products; default: the directory "
              "above the declaration's.")
@click.option("--force", is_flag=True, help="Replace the contract files meshplane wrote before.")
def scaffold(declaration: str, output_dir: str, stack: str | None, stacks_dir: str,
             mesh_paths: tuple[str, ...], force: bool) -> None:
    """Write sources.yml (input ports) and _ports.yml (port models) of a product's dbt project."""
    from ..mesh.model import Mesh
    from ..settings.stack_config import load_stack
    from ..mesh.validation import stack_paths
    from ..declaration.dbt_invocation import job_profile
    from .dbt_existing import project_profile, write_scaffold
    from .dbt_starter import profile_and_target

    source = _read(declaration)
    try:
        settings = load_stack(stack, stacks_dir) if stack else None
        paths = list(mesh_paths)
        if settings:
            paths += stack_paths(settings.products, Path(stacks_dir).resolve().parent)
        elif not paths and any(p.data_product for p in source.product.input_ports):
            paths = [str(Path(declaration).resolve().parent.parent)]
        mesh = Mesh.load([declaration, *paths])
        if mesh.problems:
            report(sorted(mesh.problems))
        written, kept, said = write_scaffold(source.product, mesh, settings, output_dir, force)
    except UsageError as exc:
        fail_usage(str(exc))
    except DeclarationError as exc:
        report(sorted(exc.problems))
    for path in written:
        click.echo(f"wrote {Path(output_dir) / path}")
    for line in said:
        click.echo(line)
    profile, target = profile_and_target(source.product)
    dbt = source.product.transformation.dbt if source.product.transformation else None
    if not (dbt and job_profile(dbt.command, dbt.env)):  # else dbt_project.yml names the profile
        profile = project_profile(Path(output_dir)) or profile
    for path in kept:
        needs = (f"; the dbt job runs its target {target} of profile {profile}"
                 if path.name == "profiles.yml" and source.product.transformation else "")
        click.echo(f"kept {Path(output_dir) / path} (exists{needs})")


@dbt_cmd.command()
@click.argument("declaration")
@click.option("--manifest", default="target/manifest.json", show_default=True,
              help="The manifest 'dbt parse' wrote.")
@click.option("--project-dir", help="The dbt project (its dbt_project.yml); default: the directory above "
              "the manifest's.")
@click.option("--profiles-dir", help="Where profiles.yml is; default: $DBT_PROFILES_DIR, else the project's "
              "directory, else ~/.dbt.")
@click.option("--stack", help="Match port models and sources on this stack's relations, database included "
              "(stacks/Pulumi.<STACK>.yaml; parse with its job environment).")
@click.option("--stacks-dir", default="stacks", show_default=True, help="Where stack configs live.")
@click.option("--mesh", "mesh_paths", multiple=True,
              help="With --stack: declarations of the upstream products; default: the stack's products.")
def check(declaration: str, manifest: str, project_dir: str | None, profiles_dir: str | None,
          stack: str | None, stacks_dir: str, mesh_paths: tuple[str, ...]) -> None:
    """Check a dbt project against the declaration: port models, contracts, sources, the job's profile target."""
    from .dbt_check import check_manifest, load_manifest
    from .dbt_profile import check_profile

    source = _read(declaration)
    try:
        data = load_manifest(manifest)
        project = Path(project_dir) if project_dir else Path(manifest).parent.parent
        profile_problems, job = check_profile(source, project, profiles_dir)
        where = _addresses(source.product, declaration, stack, stacks_dir, mesh_paths) if stack else None
    except UsageError as exc:
        fail_usage(str(exc))
    except DeclarationError as exc:
        report(sorted(exc.problems))
    problems = check_manifest(source, data, manifest, where) + profile_problems
    if problems:
        report(sorted(problems))
    product = source.product
    runs = f"; the job runs target {job.target} of profile {job.profile} in {job.path}" if job else ""
    click.echo(f"{manifest} matches {declaration}: {len(product.output_ports)} port "
               f"model{'s' * (len(product.output_ports) != 1)} and {len(product.input_ports)} "
               f"source{'s' * (len(product.input_ports) != 1)}{runs}")


def _addresses(product, declaration: str, stack: str, stacks_dir: str, mesh_paths: tuple[str, ...]):
    """The stack's relations of the product (``dbt_scaffold.Defaults``), as the job's environment has them."""
    from ..mesh.model import Mesh
    from ..settings.stack_config import load_stack
    from ..mesh.validation import stack_paths
    from .dbt_scaffold import Defaults

    settings = load_stack(stack, stacks_dir)
    paths = list(mesh_paths) or stack_paths(settings.products, Path(stacks_dir).resolve().parent)
    mesh = Mesh.load([declaration, *paths])
    if mesh.problems:
        raise DeclarationError(sorted(mesh.problems))
    return Defaults.of(product, mesh, settings)
