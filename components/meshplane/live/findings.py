"""What a live check found, the report of one command, and its exit code.

Every check ends in a ``Finding``: ``ok``, ``blocking`` (preflight: ``pulumi up`` would fail or
misbehave), ``drift`` (audit: deployed differs from planned, or is missing), ``leak`` (audit: access
the plan does not grant) or ``unchecked`` (could not be checked: a principal kind no API confirms,
what waits for a first ``up``, an empty Cloud Storage prefix, or an API error; ``failed`` tells the
last apart).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

OK, BLOCKING, DRIFT, LEAK, UNCHECKED = "ok", "blocking", "drift", "leak", "unchecked"
STATUSES = (BLOCKING, LEAK, DRIFT, UNCHECKED, OK)  # the order reports list them in

EXIT_OK, EXIT_BLOCKING = 0, 1
EXIT_DRIFT, EXIT_LEAK, EXIT_INCOMPLETE, EXIT_NO_CREDENTIALS = 5, 6, 7, 8
EXIT_CODES = {
    EXIT_OK: "nothing blocks (preflight) / conformant (audit)",
    EXIT_BLOCKING: "preflight: at least one blocking finding",
    2: "usage error (unknown stack, unwritable output)",
    EXIT_DRIFT: "audit: drift (deployed differs from the plan, or is missing), no leak",
    EXIT_LEAK: "audit: a leak (access the plan does not grant); drift may come with it",
    EXIT_INCOMPLETE: "nothing blocks or drifts among what was checked, but an API error left checks undone",
    EXIT_NO_CREDENTIALS: "no Application Default Credentials",
}


@dataclass(frozen=True, order=True)
class Finding:
    """One check's outcome: what kind of check, on which resource, what was seen."""

    kind: str
    resource: str
    message: str
    status: str
    failed: bool = False  # unchecked because an API call failed (not by design)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    """The findings of ``preflight`` or ``audit`` on one stack."""

    command: str
    stack: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, kind: str, resource: str, message: str, status: str = OK, failed: bool = False) -> None:
        self.findings.append(Finding(kind, resource, message, status, failed))

    def counts(self) -> Counter:
        return Counter(f.status for f in self.findings)

    @property
    def incomplete(self) -> bool:
        return any(f.failed for f in self.findings)

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (STATUSES.index(f.status), f.kind, f.resource, f.message))


def exit_code(report: Report) -> int:
    """Blocking (1), leak (6), drift (5), an API error left checks undone (7), else 0."""
    counts = report.counts()
    if counts[BLOCKING]:
        return EXIT_BLOCKING
    if counts[LEAK]:
        return EXIT_LEAK
    if counts[DRIFT]:
        return EXIT_DRIFT
    return EXIT_INCOMPLETE if report.incomplete else EXIT_OK


def verdict(report: Report) -> str:
    """One line: what the report amounts to; never "conformant" or "nothing blocks" when checks failed."""
    counts = report.counts()
    parts = [f"{counts[s]} {s}" for s in STATUSES if counts[s]]
    tally = ", ".join(parts) or "no findings"
    code = exit_code(report)
    if code == EXIT_INCOMPLETE:
        failed = sum(f.failed for f in report.findings)
        head = f"INCOMPLETE: {failed} check{'s' * (failed != 1)} could not be made (API errors); not known to be clean"
    elif code == EXIT_OK:
        head = "nothing blocks `pulumi up`" if report.command == "preflight" else "conformant to the plan"
    else:
        head = {EXIT_BLOCKING: "`pulumi up` would fail or misbehave", EXIT_LEAK: "LEAK: access the plan does not grant",
                EXIT_DRIFT: "DRIFT: deployed differs from the plan"}[code]
    return f"meshplane {report.command} {report.stack}: {head} ({tally})"
