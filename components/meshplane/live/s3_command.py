"""The ``meshplane s3-preflight`` command: the stack's S3 input ports, checked against AWS with boto3."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..console.output import EXIT_PROBLEMS, command_errors, fail_usage
from ..declaration.files import UsageError
from ..declaration.problems import DeclarationError


@click.command("s3-preflight")
@click.option("--stack", required=True, help="The stack whose products' S3 input ports are checked.")
@click.option("--stacks-dir", default="stacks", show_default=True, help="Where stack configs live.")
@click.option("--google-sub", "subs", multiple=True, metavar="[PRODUCT=]SUB",
              help="The transfer project service account's subjectId the roles must trust, for one product "
                   "(PRODUCT=SUB) or every product of the stack (SUB); else meshplane:transferSubjects.")
@click.option("--profile", help="The AWS profile to read with (default: boto3's credential chain).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def s3_preflight_cmd(stack: str, stacks_dir: str, subs: tuple[str, ...], profile: str | None, fmt: str) -> None:
    """Check the AWS side of the stack's S3 input ports: bucket, objects, role trust and read policies.
    Exit 1 when a check is blocking; 7 when none is but an AWS error (AccessDenied...) left checks undone;
    unchecked findings by design (Deny, SCPs, bucket policies) do not fail."""
    from .findings import EXIT_INCOMPLETE
    from ..aws.s3_facts import AwsUnavailable, gather, session
    from ..aws.s3_preflight import as_json, as_text, blocked, evaluate, incomplete

    with command_errors():
        ports = stack_s3_ports(stack, stacks_dir, subs)
    if not ports:
        click.echo(f"stack {stack!r} builds no product with an S3 input port: nothing to check")
        return
    try:
        boto = session(profile)
    except AwsUnavailable as exc:
        fail_usage(str(exc))
    from botocore.exceptions import BotoCoreError  # boto3 is installed: session() found it

    try:
        findings = [f for p in ports for f in evaluate(p, gather(
            boto, p.port.s3.bucket, p.port.s3.prefix, p.port.s3.region, p.port.s3.role_arn))]
    except BotoCoreError as exc:  # a bad profile or endpoint, no network: one line, no traceback
        fail_usage(f"cannot read AWS: {type(exc).__name__}: {exc}")
    click.echo(json.dumps(as_json(findings), indent=2) if fmt == "json" else as_text(findings), nl=fmt == "json")
    sys.exit(EXIT_PROBLEMS if blocked(findings) else EXIT_INCOMPLETE if incomplete(findings) else 0)


def stack_s3_ports(stack: str, stacks_dir: str, subs: tuple[str, ...]) -> list:
    """The S3 input ports of the products ``stack`` builds, as its environment reads them, each with the
    ``sub`` given for its product (``--google-sub``, else the stack's ``transferSubjects``)."""
    from ..settings.environments import for_environment
    from ..settings.stack_config import load_stack
    from ..mesh.stack_order import is_built
    from ..mesh.validation import check_stack
    from ..aws.s3_preflight import S3Port

    settings = load_stack(stack, stacks_dir)
    mesh, problems, _ = check_stack(settings, Path(stacks_dir).resolve().parent)
    if problems:
        raise DeclarationError(problems)
    given = dict(settings.transfer_subjects) | _subs(subs)
    products = [for_environment(p, settings.platform, settings.environment) for p in mesh.products
                if p.domain == settings.domain and is_built(p, settings)]
    return [S3Port(p.id, port, given.get(p.id, given.get("*"))) for p in sorted(products, key=lambda p: p.id)
            for port in p.input_ports if port.s3 is not None]


def _subs(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        product, _, sub = value.rpartition("=")
        if not sub.isdigit():
            raise UsageError(f"--google-sub: not a subject id; given {value!r}; expected [PRODUCT=]DIGITS "
                             "(the transfer service account's subjectId)")
        out[product or "*"] = sub
    return out
