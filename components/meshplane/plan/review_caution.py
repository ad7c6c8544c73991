"""The review that is always posted: when the plan cannot be made (invalid declarations, a stack
program that cannot be built) or a mandatory policy is violated, the Markdown starts with a GitHub
caution block listing each problem, so the pull-request comment says why it is short or failing.

``plan --format markdown -o FILE`` writes this block even when it exits non-zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..console.atomic import write_atomic
from ..declaration.problems import DeclarationError, Problem
from ..governance.inventory import MANDATORY, Violation
from .review_format import escape

SHOWN = 30  # problems listed in the block; the rest are counted (the job log has them all)


def caution_block(title: str, lines: list[str], after: str = "") -> list[str]:
    """A ``> [!CAUTION]`` block: a bold title, one bullet per line (at most ``SHOWN``), a closing note."""
    out = ["> [!CAUTION]", f"> **{escape(title)}**", ">"]
    out += [f"> - {line}" for line in lines[:SHOWN]]
    if len(lines) > SHOWN:
        out.append(f"> - … and {len(lines) - SHOWN} more (the job log lists them all)")
    return out + ([">", f"> {after}"] if after else [])


def problem_line(problem: Problem) -> str:
    """``file:line: field: message`` as one Markdown bullet."""
    field = f"`{escape(problem.field)}`: " if problem.field else ""
    return f"`{escape(problem.file)}:{problem.line}`: {field}{escape(problem.message)}"


def violation_line(v: Violation) -> str:
    """A mandatory violation: the resource's name, the rule and its message."""
    name = v.urn.rsplit("::", 1)[-1]
    return f"`{escape(name)}`: **{escape(v.rule)}**: {escape(v.message)}"


def failed_plan_markdown(stack: str, problems: list[str], why: str) -> str:
    """The whole review of a stack that could not be planned: a heading and the caution block."""
    block = caution_block(f"meshplane could not plan {stack}: {why}", problems,
                          "Nothing below was planned: fix these and push again. The pull request's check "
                          "fails until then.")
    return "\n".join([f"## meshplane plan `{stack}`: not planned", "", *block]) + "\n"


def violations_caution(violations: list[Violation]) -> list[str]:
    """The caution block of mandatory violations (none: no block), followed by a blank line."""
    mandatory = [v for v in violations if v.level == MANDATORY]
    if not mandatory:
        return []
    block = caution_block(f"{len(mandatory)} mandatory policy violation{'s' * (len(mandatory) != 1)}: "
                          "the check fails until they are fixed", [violation_line(v) for v in mandatory])
    return block + [""]


@contextmanager
def always_written(stack: str, fmt: str, output: str | None, failures: tuple[type[Exception], ...]) -> Iterator[None]:
    """Around planning: on a declaration error or one of ``failures``, write the caution review to
    ``output`` (Markdown only) and re-raise, so the command still reports the error and exits non-zero."""
    try:
        yield
    except DeclarationError as exc:
        _write(fmt, output, stack, [problem_line(p) for p in exc.problems], "invalid declarations or policy")
        raise
    except failures as exc:
        _write(fmt, output, stack, [escape(line) for line in str(exc).splitlines() if line.strip()],
               "the stack cannot be built")
        raise


def _write(fmt: str, output: str | None, stack: str, problems: list[str], why: str) -> None:
    if fmt == "markdown" and output:
        try:
            write_atomic(output, failed_plan_markdown(stack, problems, why))
        except OSError:
            pass  # the original error is what the command reports
