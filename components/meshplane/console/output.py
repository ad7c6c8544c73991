"""How every ``meshplane`` command ends: its exit code, usage errors and located problems on stderr.

Exit codes everywhere: 0 done, 1 problems (in declarations, contracts, dbt projects), 2 usage errors.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from ..declaration.files import UsageError
from ..declaration.problems import DeclarationError, Problem

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def fail_usage(message: str) -> NoReturn:
    """A usage error: the command was called wrongly (exit 2)."""
    click.echo(f"meshplane: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def fail(message: str) -> NoReturn:
    """A problem without a position, e.g. a file that cannot be edited (exit 1)."""
    click.echo(f"meshplane: error: {message}", err=True)
    sys.exit(EXIT_PROBLEMS)


def report(problems: list[Problem], checked: int | None = None) -> NoReturn:
    """Every problem as ``file:line:col: field: message``, then a count (of ``checked`` files) (exit 1)."""
    for problem in problems:
        click.echo(str(problem), err=True)
    files = len({p.file for p in problems})
    of = f" ({checked} checked)" if checked is not None else ""
    click.echo(f"{len(problems)} problem{'s' * (len(problems) != 1)} in {files} "
               f"file{'s' * (files != 1)}{of}", err=True)
    sys.exit(EXIT_PROBLEMS)


@contextmanager
def command_errors(output: str | None = None, failures: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """The exits of a command that reads files and writes ``output``: usage errors (2), located problems
    (1), ``failures`` such as a stack program that cannot be built (1), an output it cannot write (2)."""
    try:
        yield
    except UsageError as exc:
        fail_usage(str(exc))
    except DeclarationError as exc:
        report(exc.problems, None)
    except failures as exc:
        fail(str(exc))
    except OSError as exc:
        where = f"cannot write {output}" if output else (exc.filename or "a file")
        fail_usage(f"{where}: {exc.strerror or exc}")
