"""``meshplane preflight`` and ``meshplane audit``: click commands; the clients are imported when they run."""

from __future__ import annotations

import sys

import click

from .findings import EXIT_CODES, EXIT_NO_CREDENTIALS

_EXITS = "; ".join(f"{code} {meaning}" for code, meaning in sorted(EXIT_CODES.items()))


def _options(command):
    for option in reversed([
        click.option("--stack", required=True, help="The stack (stacks/Pulumi.<STACK>.yaml)."),
        click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
                     show_default=True, help="Terminal text, JSON, or Markdown for a PR comment."),
        click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file."),
        click.option("--stacks-dir", default="stacks", show_default=True, help="Where stack configs live."),
        click.option("-v", "--verbose", is_flag=True, help="List the checks that passed too (text, Markdown)."),
        click.option("--state", "state_file", type=click.Path(dir_okay=False),
                     help="The stack's deployed state ('pulumi stack export'): the real project numbers that "
                          "name service agents; without it members named by them are unchecked."),
    ]):
        command = option(command)
    return command


def _run(which: str, stack: str, fmt: str, output: str | None, stacks_dir: str, verbose: bool,
         state_file: str | None) -> None:
    from ..console.output import command_errors
    from ..gcpmodel.state import load_state
    from ..plan.command import write_output
    from ..plan.run import plan_stack
    from ..stack.program import ProgramError
    from . import run
    from .clients import NoCredentials, connect, credentials
    from .findings import exit_code
    from .render import render

    if not _installed("google.cloud.bigquery", "google.cloud.iam_admin_v1"):
        from ..console.output import fail_usage

        fail_usage(f"meshplane {which} needs Google's client libraries: pip install 'meshplane[live]'")
    try:
        found = credentials()
    except NoCredentials as exc:
        click.echo(f"meshplane: error: {exc}", err=True)
        sys.exit(EXIT_NO_CREDENTIALS)
    with command_errors(output, failures=(ProgramError, ValueError)):
        state = load_state(state_file) if state_file else None
        plan = plan_stack(stack, stacks_dir, state=state)
        clients = connect(run.billing_project(plan), found)
        report = getattr(run, f"{which}_report")(plan, clients)
        write_output(render(report, fmt, verbose), output)
    sys.exit(exit_code(report))


def _installed(*modules: str) -> bool:
    from importlib.util import find_spec

    try:
        return all(find_spec(m) is not None for m in modules)
    except ModuleNotFoundError:  # a parent package (google, google.cloud) is missing
        return False


@click.command("preflight", help="Check, read-only against GCP, what would make `pulumi up` of a stack fail or "
                                 f"misbehave (Application Default Credentials). Exit codes: {_EXITS}.")
@_options
def preflight_cmd(stack: str, fmt: str, output: str | None, stacks_dir: str, verbose: bool,
                  state_file: str | None) -> None:
    _run("preflight", stack, fmt, output, stacks_dir, verbose, state_file)


@click.command("audit", help="Compare, read-only, a deployed stack's datasets (access entries), tables, views, "
                             "routines and row access policies with its plan (Application Default Credentials). "
                             f"Exit codes: {_EXITS}.")
@_options
def audit_cmd(stack: str, fmt: str, output: str | None, stacks_dir: str, verbose: bool,
              state_file: str | None) -> None:
    _run("audit", stack, fmt, output, stacks_dir, verbose, state_file)
