"""``meshplane plan``: plan a stack offline, evaluate governance, render, write atomically."""

from __future__ import annotations

import sys

from ..console.atomic import write_atomic
from ..governance.inventory import MANDATORY, Violation, resources_from_document
from ..governance.inventory_check import check_inventory
from .run import Plan, plan_stack

PROGRESS_MIN_PRODUCTS = 4


def make_plan(stack: str, stacks_dir: str, state: dict | None = None) -> tuple[Plan, list[Violation]]:
    """Plan ``stack`` (against a deployed ``state``, if given; with a progress bar on a terminal) and
    evaluate the inventory rules."""
    with _Progress() as progress:
        plan = plan_stack(stack, stacks_dir, on_product=progress.advance, state=state)
    violations = check_inventory(resources_from_document(plan.document), plan.settings.platform.governance)
    return plan, violations


def render(plan: Plan, violations: list[Violation], fmt: str) -> str:
    """The plan as preview JSON, terminal text or PR-comment Markdown."""
    if fmt == "json":
        from .preview import render_json

        from .review_elsewhere import elsewhere_diagnostics

        return render_json({**plan.document,
                            "diagnostics": _diagnostics(violations) + elsewhere_diagnostics(plan.elsewhere)})
    from .review import render_markdown, render_text

    if getattr(plan.settings, "role", None) == "platform":
        from .review_platform import render_platform

        return render_platform(plan, violations, markdown=fmt == "markdown")
    return (render_markdown if fmt == "markdown" else render_text)(plan, violations)


def exit_code(violations: list[Violation]) -> int:
    """1 when a mandatory rule is violated, else 0."""
    return 1 if any(v.level == MANDATORY for v in violations) else 0


def write_output(text: str, output: str | None) -> None:
    """Print, or replace ``output`` atomically (never a half-written file)."""
    if not output:
        sys.stdout.write(text)
        return
    write_atomic(output, text)


def _diagnostics(violations: list[Violation]) -> list[dict]:
    """Violations in the shape of the engine's diagnostics (policy violations are errors when mandatory)."""
    return [{"urn": v.urn, "severity": "error" if v.level == MANDATORY else "warning",
             "message": f"[{v.rule}] {v.message}", "policyName": v.rule, "enforcementLevel": v.level}
            for v in violations]


class _Progress:
    """A rich progress bar on stderr when it is a terminal and enough products are planned."""

    def __init__(self) -> None:
        self._bar = None
        self._task = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, product_id: str, total: int) -> None:
        if total < PROGRESS_MIN_PRODUCTS or not sys.stderr.isatty():
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)
            self._task = self._bar.add_task("planning", total=total)
            self._bar.start()
        self._bar.update(self._task, advance=1, description=f"planning {product_id}")
