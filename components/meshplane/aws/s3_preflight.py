"""``meshplane s3-preflight``: whether the AWS side of each S3 input port of a stack is ready.

``evaluate`` judges what AWS answered (``s3_facts``) purely: each finding is ``ok`` (proven),
``blocking`` (the transfer would fail, or trust is too wide) or ``unchecked`` (not proven either way:
Deny statements, SCPs, permission boundaries, bucket policies, and the trust when the Google
identity's ``sub`` is not given; the transfer project's service account exists only once the
product's project does).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

from ..declaration.model import InputPort
from .policies import allows, denies, read_needs, trusted_subs, trusting
from .s3_facts import Facts

OK, BLOCKING, UNCHECKED = "ok", "blocking", "unchecked"


@dataclass(frozen=True)
class S3Port:
    """An S3 input port of a product, with the Google identity its role must trust when known."""

    product: str
    port: InputPort
    sub: str | None = None

    @property
    def key(self) -> str:
        return f"{self.product}/{self.port.name}"


@dataclass(frozen=True)
class Finding:
    """One check of one port: what was checked, its status and why."""

    kind: str  # bucket, objects, trust, read, unchecked
    port: str  # <product id>/<input port>
    status: str  # ok, blocking, unchecked
    message: str
    failed: bool = False  # unchecked because AWS answered an error (AccessDenied...), not by design


def evaluate(source: S3Port, facts: Facts) -> list[Finding]:
    """Every finding on ``source`` from what AWS answered."""
    s3 = source.port.s3
    found = [*_bucket(s3, facts), *_trust(source, facts), *_read(s3, facts)]
    found.append((UNCHECKED, "unchecked", "not evaluated: SCPs, permission boundaries, session policies, the "
                  f"bucket policy of {s3.bucket} and any KMS key policy may still deny the role"))
    return [Finding(kind, source.key, status, message, *failed) for status, kind, message, *failed in found]


def _bucket(s3, facts: Facts) -> Iterator[tuple[str, str, str]]:
    if facts.bucket_region is None:
        status = BLOCKING if facts.bucket_missing else UNCHECKED
        yield status, "bucket", f"bucket {s3.bucket}: {facts.errors.get('bucket', 'not read')}", status == UNCHECKED
        return
    if facts.bucket_region != s3.region:
        yield BLOCKING, "bucket", (f"bucket {s3.bucket} is in {facts.bucket_region}; declared {s3.region}; "
                                   f"expected the declared region (fix s3.region or the bucket)")
    else:
        yield OK, "bucket", f"bucket {s3.bucket} exists in {s3.region}"
    if facts.has_objects is None:
        yield UNCHECKED, "objects", f"{s3.uri}: {facts.errors.get('objects', 'not listed')}", True
    elif facts.has_objects:
        yield OK, "objects", f"{s3.uri} has objects"
    else:
        yield BLOCKING, "objects", f"{s3.uri} has no objects: the transfer would copy nothing"


def _trust(source: S3Port, facts: Facts) -> Iterator[tuple[str, str, str]]:
    role = source.port.s3.role_arn
    if facts.trust is None:
        status = BLOCKING if facts.role_missing else UNCHECKED
        yield status, "trust", f"role {role}: {facts.errors.get('role', 'not read')}", status == UNCHECKED
        return
    if _other_role(role, facts):
        yield BLOCKING, "trust", (f"role {role} does not exist: the account's role of that name is {facts.role_arn} "
                                  "(another path); expected the declared ARN (fix s3.roleArn or the role), which "
                                  "Storage Transfer Service assumes as written")
        return
    statements = list(trusting(facts.trust))
    wide = [s for s in statements if trusted_subs(s) is None]
    if not statements:
        yield BLOCKING, "trust", (f"role {role} does not trust accounts.google.com for "
                                  "sts:AssumeRoleWithWebIdentity; expected a Federated accounts.google.com statement")
    elif wide:
        yield BLOCKING, "trust", (f"role {role} trusts accounts.google.com without a StringEquals "
                                  "accounts.google.com:sub condition: any Google identity could assume it")
    elif source.sub is None:
        yield UNCHECKED, "trust", (f"role {role} trusts accounts.google.com for {_subs(statements)}; the transfer "
                                   "service account's sub is unknown offline: pass --google-sub or set "
                                   "meshplane:transferSubjects")
    elif not any(source.sub in trusted_subs(s) for s in statements):
        yield BLOCKING, "trust", (f"role {role} trusts {_subs(statements)}; expected accounts.google.com:sub "
                                  f"{source.sub} (the transfer project service account)")
    elif any(trusted_subs(s) != [source.sub] for s in statements):
        yield BLOCKING, "trust", (f"role {role} trusts {_subs(statements)}; expected exactly {source.sub}")
    else:
        yield OK, "trust", f"role {role} trusts exactly accounts.google.com:sub {source.sub}"


def _subs(statements: list[dict]) -> str:
    return ", ".join(sorted({sub for s in statements for sub in trusted_subs(s) or []}))


def _other_role(declared: str, facts: Facts) -> bool:
    """Whether the role read by name is not the declared ARN (IAM compares ARNs case-sensitively)."""
    return facts.role_arn is not None and facts.role_arn != declared


def _read(s3, facts: Facts) -> Iterator[tuple[str, str, str]]:
    if facts.trust is None or _other_role(s3.role_arn, facts):
        return  # the trust finding says why the role was not read, or that it is another role
    if "policies" in facts.errors:
        yield UNCHECKED, "read", f"role {s3.role_arn} policies: {facts.errors['policies']}", True
        return
    docs = list(facts.policies.values())
    missing = [need for need in read_needs(s3.bucket, s3.prefix) if not allows(docs, need)]
    if missing:
        yield BLOCKING, "read", (f"role {s3.role_arn} is not allowed {'; '.join(map(str, missing))} "
                                 f"(by its {len(docs)} inline and attached policies)")
    else:
        yield OK, "read", f"role {s3.role_arn} may list {s3.bucket} and read {s3.uri}"
    if count := denies(docs):
        yield UNCHECKED, "read", f"role {s3.role_arn} has {count} Deny statement{'s' * (count != 1)}: not evaluated"


def as_json(findings: list[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]


def as_text(findings: list[Finding]) -> str:
    lines = [f"{f.status:<9}  {f.port}  {f.kind}: {f.message}{' (AWS error)' * f.failed}" for f in findings]
    counts = {s: sum(f.status == s for f in findings) for s in (OK, BLOCKING, UNCHECKED)}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    if incomplete(findings) and not blocked(findings):
        failed = sum(f.failed for f in findings)
        lines.append(f"INCOMPLETE: {failed} check{'s' * (failed != 1)} could not be made (AWS errors); "
                     "not known to be ready")
    return "\n".join(lines) + "\n"


def blocked(findings: list[Finding]) -> bool:
    return any(f.status == BLOCKING for f in findings)


def incomplete(findings: list[Finding]) -> bool:
    """Whether AWS errors left checks undone (the always-present SCP/bucket-policy note is not one)."""
    return any(f.failed for f in findings)
