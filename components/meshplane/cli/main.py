"""The ``meshplane`` command. Commands that do not plan never import pulumi or pulumi_gcp."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..console.output import command_errors, fail_usage, report
from ..declaration.files import UsageError
from ..declaration.problems import DeclarationError
from ..declaration.types import Archetype


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="meshplane")
def main() -> None:
    """meshplane: data products on Google Cloud, declared in YAML, deployed with Pulumi."""


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--stack", help="Apply this stack's governance (stacks/Pulumi.<STACK>.yaml); "
              "without PATHS, validate the declarations the stack sees.")
@click.option("--stacks-dir", default="stacks", show_default=True, help="Where stack configs live.")
@click.option("--governance", "governance_file", type=click.Path(dir_okay=False),
              help="A YAML file of governance settings to apply.")
def validate(paths: tuple[str, ...], stack: str | None, stacks_dir: str, governance_file: str | None) -> None:
    """Validate declarations (files or directories) and the mesh they form."""
    from ..mesh.validation import validate_paths

    try:
        count, problems = validate_paths(list(paths), stack, stacks_dir, governance_file)
    except UsageError as exc:
        fail_usage(str(exc))
    except DeclarationError as exc:
        report(exc.problems, 0)
    if problems:
        report(problems, count)
    click.echo(f"{count} data product{'s' * (count != 1)} valid")


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
def schema(output: str | None) -> None:
    """Print the JSON Schema of the declaration."""
    from ..declaration.schema import render_schema

    text = render_schema()
    if output:
        try:
            Path(output).write_text(text)
        except OSError as exc:
            fail_usage(f"cannot write {output}: {exc.strerror or exc}")
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("product_id", metavar="DOMAIN.NAME")
@click.option("--type", "archetype", required=True,
              type=click.Choice([a.value for a in Archetype]), help="The product's archetype.")
@click.option("-o", "--output-dir", default=".", show_default=True,
              help="Writes <DIR>/<domain>/<name>.yaml.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(product_id: str, archetype: str, output_dir: str, force: bool) -> None:
    """Write a starter declaration for a new data product."""
    from .scaffold import write_starter

    try:
        path = write_starter(product_id, Archetype(archetype), output_dir, force)
    except UsageError as exc:
        fail_usage(str(exc))
    click.echo(f"wrote {path}: fill in the owner, ports and schedule, then run "
               f"'meshplane validate {path}'")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "mermaid"]), default="mermaid",
              show_default=True)
def lineage(paths: tuple[str, ...], fmt: str) -> None:
    """Print the lineage graph (products, ports, input-port edges) of a mesh."""
    from ..mesh.model import Mesh

    try:
        mesh = Mesh.load(paths)
    except UsageError as exc:
        fail_usage(str(exc))
    if mesh.problems:
        report(mesh.problems, mesh.checked)
    graph = mesh.lineage()
    click.echo(json.dumps(graph.to_dict(), indent=2) if fmt == "json" else graph.to_mermaid(), nl=False)


@main.command()
@click.option("--stack", required=True, help="The stack to plan (stacks/Pulumi.<STACK>.yaml).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Terminal review, preview JSON, or Markdown for a PR comment.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option("--stacks-dir", default="stacks", show_default=True, help="Where stack configs live.")
@click.option("--state", "state_file", type=click.Path(dir_okay=False),
              help="Plan against the stack's state ('pulumi stack export', or 'meshplane simulate --write-state').")
def plan(stack: str, fmt: str, output: str | None, stacks_dir: str, state_file: str | None) -> None:
    """Show what `pulumi up` would do to a stack, offline (Pulumi's mock engine, no credentials)."""
    from ..gcpmodel.state import load_state
    from ..plan.command import exit_code, make_plan, render, write_output
    from ..stack.program import ProgramError

    from ..plan.review_caution import always_written

    failures = (ProgramError, ValueError)
    with command_errors(output, failures=failures), always_written(stack, fmt, output, (*failures, UsageError)):
        result, violations = make_plan(stack, stacks_dir, load_state(state_file) if state_file else None)
        write_output(render(result, violations, fmt), output)
    if result.elsewhere:
        from ..plan.review_format import count

        problems = count(len(result.elsewhere), "problem")
        click.echo(f"warning: {problems} elsewhere in the mesh (not in this stack's products "
                   "or those they read from or grant to) do not stop it; the review lists them, "
                   "'meshplane validate' fails on them", err=True)
    sys.exit(exit_code(violations))


@main.command()
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("head", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
def diff(base: str, head: str, fmt: str, output: str | None) -> None:
    """Compare two plan JSON files (base branch, pull request); exit 3 on data loss, 4 when a port's
    breaking change comes without a new major."""
    from ..plan.command import write_output
    from ..plan.diff import diff_documents, load_document
    from ..plan import diff_render

    from ..plan.diff_missing import unavailable_markdown

    try:
        result = diff_documents(load_document(base, "base"), load_document(head, "head"))
        write_output(getattr(diff_render, f"render_{fmt}")(result), output)
    except ValueError as exc:
        if fmt == "markdown" and output:
            write_output(unavailable_markdown(str(exc)), output)
        fail_usage(str(exc))
    except OSError as exc:
        fail_usage(f"cannot write {output}: {exc.strerror or exc}")
    sys.exit(diff_render.exit_code(result))


@main.command()
@click.argument("parts", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Write the comment here.")
@click.option("--full-review", default="the job summary", show_default=True,
              help="Where the whole review is, named when the comment is cut.")
@click.option("--limit", default=60_000, show_default=True, type=click.IntRange(min=1000),
              help="At most this many characters (or bytes with --bytes).")
@click.option("--bytes", "in_bytes", is_flag=True,
              help="Count the limit in UTF-8 bytes, as GitHub's job summary does (1 MiB), not characters.")
def comment(parts: tuple[str, ...], output: str, full_review: str, limit: int, in_bytes: bool) -> None:
    """Join Markdown PARTS into one pull-request comment (caution blocks first) under GitHub's size
    limit, cutting per-product detail first; a missing part is skipped."""
    from ..console.atomic import write_atomic
    from ..plan.comment_budget import BYTES, CHARS, compose, fit

    texts = []
    for part in (p for p in parts if Path(p).is_file()):
        try:
            texts.append(Path(part).read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            fail_usage(f"{part}: not UTF-8 text (byte {exc.start}: {exc.reason})")
        except OSError as exc:
            fail_usage(f"cannot read {part}: {exc.strerror or exc}")
    try:
        write_atomic(output, fit(compose(texts), full_review, limit, BYTES if in_bytes else CHARS))
    except OSError as exc:
        fail_usage(f"cannot write {output}: {exc.strerror or exc}")


def _register_interop() -> None:
    """Contracts (ODCS/ODPS) and dbt checks live in ``interop``, the deploy order and the simulated up
    in ``plan``, the live preflight and audit in ``live``: their own commands."""
    from ..interop.commands import export_cmd, import_cmd
    from ..live.commands import audit_cmd, preflight_cmd
    from ..plan.deploy_commands import order_cmd, simulate_cmd

    main.add_command(preflight_cmd)
    main.add_command(audit_cmd)
    main.add_command(order_cmd)
    main.add_command(simulate_cmd)
    main.add_command(export_cmd)
    main.add_command(import_cmd)
    from ..live.s3_command import s3_preflight_cmd

    main.add_command(s3_preflight_cmd)
    try:
        from ..interop.dbt_commands import dbt_cmd
    except ImportError:  # pragma: no cover - only while the dbt commands are not installed
        return
    main.add_command(dbt_cmd)


_register_interop()


if __name__ == "__main__":  # pragma: no cover
    main()
