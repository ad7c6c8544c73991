"""The first screen of the pull-request comment: a few bullets, counted by principal — who gains or
widens access (port, raw or masked PII, rows, purpose), who loses it, whose access changes without
widening (more masked, fewer rows, another purpose: not a gain), ports renamed, moved or broken for
consumers, data loss in one sentence with its cause and the way forward, policy violations."""

from __future__ import annotations

from .diff import DATA_LOSS, POLICY, Change, DiffResult
from .diff_owners import STACK
from .diff_principals import PrincipalChange, undeclared_grants
from .principal_names import short_principal, terms
from .review_format import count, escape

LISTED = 3  # principals named in a bullet; the table under the summary has them all
BASE_NOTE = ("Access is compared with the **base branch**, not with what is deployed: a grant that already "
             "exists in GCP but not in the base branch's declarations shows as gained.")
WAY_FORWARD = ("To keep the data, serve the change as a new major side by side (a second `outputPorts` entry) "
               "and deprecate the old one; if losing it is intended, a maintainer sets the label "
               "`approve-data-loss`, which unblocks the check")
REFUSED_TOO = " once the refused port change above is fixed (no label approves that)"
VERBS = {"delete": "deleted", "replace": "replaced empty", "update": "emptied in place"}


def summary_markdown(result: DiffResult) -> list[str]:
    """At most five bullets (only those with something to say: gains; losses and narrowing; ports; data loss;
    policy), or one line saying nothing risky changes."""
    less = "; ".join(b for b in (_losses(result.principals), _narrowed(result.principals)) if b)  # one bullet
    bullets = [b for b in (_gains(result), less, _ports(result), _data_loss(result), _policy(result)) if b]
    out = [f"- {b}" for b in bullets] or ["- No access, port or data change that needs a reviewer's attention."]
    if not result.declared:
        out.append("- Access by principal is unknown: a plan was made by an older meshplane (no `access`).")
    return out


def _who(change: PrincipalChange) -> str:
    return short_principal(change.principal, change.consumer)


def _read(record: dict) -> str:
    purpose = f" for “{escape(record['purpose'])}”" if record["purpose"] else " (no purpose declared)"
    return f"`{record['product']}` **{record['port']}** ({terms(record)}){purpose}"


def _gains(result: DiffResult) -> str:
    gaining = [c for c in result.principals if c.gained or c.widened]
    other = undeclared_grants(result)
    extra = (f"**{count(len(other), 'grant')} to principals no declaration names**: "
             + "; ".join(f"`{escape(g.principal)}` {escape(g.role)} ({c.op} `{escape(c.name)}`)" for c, g in other[:LISTED])
             + ("; …" if len(other) > LISTED else "")) if other else ""
    if not gaining:
        return extra
    parts = [f"{_who(c)} reads " + _capped([*map(_read, c.gained), *(f"{_read(new)} (was {terms(old)})"
                                                                   for old, new in c.widened)])
             for c in gaining[:LISTED]]
    more = f"; and {len(gaining) - LISTED} more (table below)" if len(gaining) > LISTED else ""
    return (f"**{count(len(gaining), 'principal')} gain{'s' * (len(gaining) == 1)} access**: " + "; ".join(parts)
            + more + (f"; and {extra}" if extra else ""))


def _capped(reads: list[str]) -> str:
    return "; ".join(reads[:LISTED]) + (f" and {len(reads) - LISTED} more ports" if len(reads) > LISTED else "")


def _losses(changes: list[PrincipalChange]) -> str:
    losing = [c for c in changes if c.lost]
    if not losing:
        return ""
    parts = [f"{_who(c)} no longer reads " + ", ".join(f"`{r['product']}` {r['port']}" for r in c.lost)
             for c in losing[:LISTED]]
    more = f"; and {len(losing) - LISTED} more (table below)" if len(losing) > LISTED else ""
    return f"**{count(len(losing), 'principal')} lose{'s' * (len(losing) == 1)} access**: " + "; ".join(parts) + more


def _narrowed(changes: list[PrincipalChange]) -> str:
    """Access that changes without widening (more masked, fewer rows, another purpose): not a gain."""
    changing = [c for c in changes if c.narrowed]
    if not changing:
        return ""
    parts = [f"{_who(c)} now reads " + _capped([f"{_read(new)} (was {terms(old)})" for old, new in c.narrowed])
             for c in changing[:LISTED]]
    more = f"; and {len(changing) - LISTED} more (table below)" if len(changing) > LISTED else ""
    return (f"**Access changes, not widened, for {count(len(changing), 'principal')}**: " + "; ".join(parts)
            + more)


def renames(result: DiffResult) -> dict[tuple[str, str], str]:
    """(product, removed port) -> the port of the same product its readers moved to."""
    return {(old["product"], old["port"]): new["port"] for c in result.principals for old, new in c.moved}


def _ports(result: DiffResult) -> str:
    removed = sorted({(c.product, c.port) for c in result.contracts.changes if c.path == "port"
                      and c.what.startswith("removed")})
    breaking = sorted({(c.product, c.port) for c in result.contracts.changes if c.kind == "breaking"} - set(removed))
    moved = renames(result)
    readers = {key: sum(1 for c in result.principals for old, _ in c.moved if (old["product"], old["port"]) == key)
               for key in removed}
    parts = [(f"`{p}` **{port}** is renamed to **{moved[(p, port)]}**: its {count(readers[(p, port)], 'reader')} "
              f"move with it" if (p, port) in moved else f"`{p}` **{port}** is removed: its consumers lose it")
             for p, port in removed]
    parts += [f"`{p}` **{port}** changes incompatibly for its consumers" for p, port in breaking]
    if not parts:
        return ""
    refused = (" **Refused** (exit 4; no label approves it): a port's consumers need notice — keep the old port, "
               "deprecated, beside the new one.") if result.contracts.refused else ""
    return "**Ports**: " + "; ".join(parts) + "." + refused


def _data_loss(result: DiffResult) -> str:
    lost = sorted(result.flagged(DATA_LOSS), key=lambda c: c.urn)
    if not lost:
        return ""
    products = sorted({owner(c, result) for c in lost})
    protected = ((" They are protected: `pulumi up` stops before deleting them." if len(lost) > 1 else
                  " It is protected: `pulumi up` stops before deleting it.") if all(c.protected for c in lost) else "")
    verbs = " or ".join(VERBS.get(op, op) for op in sorted({c.op for c in lost}))
    then = REFUSED_TOO if result.contracts.refused else ""
    return (f"**Data loss**: {count(len(lost), 'resource')} holding data of {', '.join(f'`{p}`' for p in products)} "
            f"would be {verbs} ({', '.join(f'`{c.name}`' for c in lost[:LISTED])}"
            f"{', …' if len(lost) > LISTED else ''}) because {_cause(lost, result)}.{protected} {WAY_FORWARD}{then}.")


def _cause(lost: list[Change], result: DiffResult) -> str:
    moved = renames(result)
    causes = []
    for (product, port), to in sorted(moved.items()):
        causes.append(f"port {port} is renamed to {to} (a new name is a new dataset and table)")
    removed = {(c.product, c.port) for c in result.contracts.changes if c.path == "port" and c.what.startswith("removed")}
    causes += [f"port {port} of `{p}` is removed" for p, port in sorted(removed - moved.keys())]
    causes += [f"column `{escape(c.path)}` of {c.port} is {escape(c.what.split(':')[0])}"
               for c in result.contracts.changes if c.data_loss and c.path != "port"]
    keys = sorted({k for c in lost for k in c.replace_keys})
    causes += [f"{', '.join(f'`{k}`' for k in keys)} cannot change in place (the resource is replaced)"] if keys else []
    causes += sorted({escape(why) for c in lost for why in c.lost_data})
    causes += ["a protection is removed"] if any(c.lost_guards for c in lost) else []
    return "; ".join(causes) or "resources holding data are deleted (a product or port is removed)"


def _policy(result: DiffResult) -> str:
    flagged = [v for c in sorted(result.flagged(POLICY), key=lambda c: c.urn) for v in c.violations]
    if not flagged:
        return ""
    shown = "; ".join(f"{escape(v.rule)} ({v.level}): {escape(v.message)}" for v in flagged[:LISTED])
    more = f"; and {len(flagged) - LISTED} more (table below)" if len(flagged) > LISTED else ""
    return f"**{count(len(flagged), 'new policy violation')}**: {shown}{more}"


def owner(change: Change, result: DiffResult) -> str:
    """The product whose resource ``change`` is: the ``DataProduct`` up its parent chain (``diff_owners``)."""
    return result.owners.get(change.urn, STACK)
