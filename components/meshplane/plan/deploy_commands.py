"""``meshplane order`` and ``meshplane simulate``: the deploy order of an environment's stacks, and a
simulated ``pulumi up`` of one stack, with the GCP model playing GCP's part (no credentials, no cloud).

Exit codes as everywhere: 0 the order holds / the up succeeds, 1 it does not (a cycle, a consumer no
stack creates, a create GCP would refuse) or problems in declarations, 2 usage errors.
"""

from __future__ import annotations

import sys

import click

from ..console.atomic import write_atomic
from ..console.output import EXIT_PROBLEMS, command_errors, fail_usage

_HELP = {"help_option_names": ["-h", "--help"]}


@click.command("order", context_settings=_HELP)
@click.option("--env", "environment", default="prod", show_default=True, help="The environment's stacks.")
@click.option("--check", is_flag=True, help="Also simulate the first `pulumi up` of each stack, in order.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--stacks-dir", default="stacks", show_default=True, help="Where stack configs live.")
def order_cmd(environment: str, check: bool, fmt: str, stacks_dir: str) -> None:
    """Print the order the environment's stacks deploy in: a consumer's stack before its producers'."""
    from .deploy_checks import environment_order
    from .deploy_render import order_json, order_text
    from .run import plan_environment

    with command_errors():
        if check:
            order, plans = plan_environment(environment, stacks_dir)
        else:
            order, plans = environment_order(environment, stacks_dir, strict=True), None
    if not order.order and not order.cycle:
        fail_usage(f"no stack of environment {environment!r} in {stacks_dir}")
    click.echo((order_json if fmt == "json" else order_text)(order, plans), nl=False)
    failed = plans is not None and any(p.checks.failures for p in plans.values())
    sys.exit(EXIT_PROBLEMS if not order.ok or failed else 0)


@click.command("simulate", context_settings=_HELP)
@click.option("--stack", required=True, help="The stack to deploy (stacks/Pulumi.<STACK>.yaml).")
@click.option("--state", "state_file", type=click.Path(dir_okay=False),
              help="The stack's state before ('pulumi stack export', or an earlier simulate); none: a first up.")
@click.option("--write-state", type=click.Path(dir_okay=False),
              help="Write the state after the up here, in the format of 'pulumi stack export'.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--stacks-dir", default="stacks", show_default=True, help="Where stack configs live.")
def simulate_cmd(stack: str, state_file: str | None, write_state: str | None, fmt: str, stacks_dir: str) -> None:
    """Simulate `pulumi up` of a stack: where GCP would refuse a create, and the state it leaves."""
    from ..gcpmodel.state import export_document, load_state, render_state
    from ..stack.program import ProgramError
    from .deploy_render import simulation_json, simulation_text
    from .run import PROJECT, plan_stack

    with command_errors(write_state, failures=(ProgramError, ValueError)):
        plan = plan_stack(stack, stacks_dir, preview=False, state=load_state(state_file) if state_file else None)
        if write_state:
            write_atomic(write_state, render_state(export_document(plan.checks.state, stack=stack, project=PROJECT)))
    click.echo(simulation_json(plan) if fmt == "json" else simulation_text(plan, write_state), nl=False)
    sys.exit(EXIT_PROBLEMS if plan.checks.failures else 0)
