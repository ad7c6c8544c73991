"""Text and JSON for ``meshplane order`` and ``meshplane simulate``: pure functions of their results."""

from __future__ import annotations

import json

from ..gcpmodel.existence import Failure
from ..gcpmodel.next_up import summary
from ..mesh.stack_order import StackOrder
from .run import Plan


def order_text(order: StackOrder, plans: dict[str, Plan] | None = None) -> str:
    """The deploy order, what each stack waits for, and why an order cannot be followed."""
    lines = [f"Deploy order of the {order.environment} stacks (a consumer's stack before its producers'):"]
    for number, stack in enumerate(order.order, 1):
        after = order.after.get(stack, [])
        lines.append(f"  {number}. {stack}" + (f"  (after {', '.join(after)})" if after else ""))
        if plans is not None and stack in plans:
            failures = plans[stack].checks.failures
            lines += [f"       first up fails: {_failure(f)}" for f in failures] or ["       first up succeeds"]
    if order.cycle:
        lines.append(f"Refused: the stacks {' -> '.join(order.cycle)} grant each other's runners, so none can "
                     "deploy first; move a product, or drop a consumer entry until both stacks have deployed")
    lines += [f"Refused: {u.stack} would grant {u.consumer} ({u.principal.split(':', 1)[1]}) on {u.producer}, but "
              f"no {order.environment} stack deploys domain {u.consumer.split('.')[0]}: its runner never exists"
              for u in order.unreachable]
    lines += [f"Left out: {stack}: its config or declarations have problems (meshplane validate --stack {stack})"
              for stack in order.unread]
    return "\n".join(lines) + "\n"


def order_json(order: StackOrder, plans: dict[str, Plan] | None = None) -> str:
    document = {"environment": order.environment, "order": order.order, "after": order.after,
                "cycle": order.cycle, "unread": order.unread,
                "unreachable": [vars(u) for u in order.unreachable]}
    if plans is not None:
        document["firstUp"] = {s: [_failure_json(f) for f in p.checks.failures] for s, p in plans.items()}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def simulation_text(plan: Plan, written: str | None) -> str:
    """What the simulated ``up`` does and whether it succeeds."""
    checks = plan.checks
    counts = summary(checks.changes) if checks.changes is not None else {"create": len(checks.state)}
    done = ", ".join(f"{n} {op}d" if op != "same" else f"{n} unchanged" for op, n in counts.items() if n)
    after = f" (after {', '.join(checks.after)})" if checks.after else ""
    kind = "next" if checks.changes is not None else "first"
    lines = [f"Simulated {kind} pulumi up of {plan.stack}{after}: {done or 'nothing to do'}"]
    if checks.failures:
        lines.append(f"It fails where GCP would refuse ({len(checks.failures)}):")
        lines += [f"  {_failure(f)}" for f in checks.failures]
    else:
        lines.append("It succeeds: every create finds what it needs, in order.")
    if written:
        lines.append(f"State after the up written to {written} (the format of 'pulumi stack export').")
    return "\n".join(lines) + "\n"


def simulation_json(plan: Plan) -> str:
    checks = plan.checks
    return json.dumps({"stack": plan.stack, "after": checks.after,
                       "changes": summary(checks.changes) if checks.changes is not None else None,
                       "failures": [_failure_json(f) for f in checks.failures]}, indent=2, sort_keys=True) + "\n"


def _failure(failure: Failure) -> str:
    return f"{failure.name}: {failure.message}"


def _failure_json(failure: Failure) -> dict:
    return {"urn": failure.urn, "message": failure.message}
