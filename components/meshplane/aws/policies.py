"""What the AWS side of an S3 input port must contain, and what a policy document proves of it, purely.

The role Storage Transfer Service assumes trusts Google's OIDC issuer (``accounts.google.com``) for
exactly one subject: the transfer project service account's ``subjectId``. Its policies allow
``s3:ListBucket`` and ``s3:GetBucketLocation`` on the bucket and ``s3:GetObject`` on the prefix.

Evaluation is deliberately partial: only ``Allow`` statements are read, with IAM's ``*``/``?``
wildcards; a statement with a condition other than string tests on the keys given counts as not
proving anything. Deny statements are listed, not evaluated (see ``denies``); the caller reports them
as unchecked, never as passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

GOOGLE_ISSUER = "accounts.google.com"
SUB_KEY = f"{GOOGLE_ISSUER}:sub"
ASSUME = "sts:AssumeRoleWithWebIdentity"
VERSION = "2012-10-17"


@dataclass(frozen=True)
class Need:
    """One permission the role needs: an action on every resource matching ``resource`` (a trailing
    ``*`` means every object under it), in the request context ``context``."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.action} on {self.resource}"


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def read_needs(bucket: str, prefix: str) -> list[Need]:
    """What Storage Transfer Service does with the role: locate and list the bucket, read the prefix."""
    listing = (("s3:prefix", prefix),)
    return [Need("s3:ListBucket", bucket_arn(bucket), listing), Need("s3:GetBucketLocation", bucket_arn(bucket)),
            Need("s3:GetObject", f"{bucket_arn(bucket)}/{prefix}*")]


def trust_policy(sub: str) -> dict:
    """The role's trust policy: Google's OIDC issuer, for exactly the transfer service account ``sub``."""
    return {"Version": VERSION, "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": GOOGLE_ISSUER}, "Action": ASSUME,
        "Condition": {"StringEquals": {SUB_KEY: sub}}}]}


def read_policy(bucket: str, prefix: str) -> dict:
    """The least permissions policy the role needs: list only under the prefix, read only the prefix."""
    listing = {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": bucket_arn(bucket)}
    if prefix:
        listing["Condition"] = {"StringLike": {"s3:prefix": f"{prefix}*"}}
    return {"Version": VERSION, "Statement": [
        listing,
        {"Effect": "Allow", "Action": ["s3:GetBucketLocation"], "Resource": bucket_arn(bucket)},
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{bucket_arn(bucket)}/{prefix}*"}]}


def document(raw: str | Mapping) -> dict:
    """A policy document as IAM returns it: a mapping, JSON text, or URL-encoded JSON text."""
    if isinstance(raw, Mapping):
        return dict(raw)
    text = raw if raw.lstrip().startswith("{") else unquote(raw)
    return json.loads(text)


def statements(doc: Mapping) -> list[dict]:
    found = doc.get("Statement", [])
    return [found] if isinstance(found, Mapping) else [s for s in found if isinstance(s, Mapping)]


def _listed(value: object) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


@lru_cache(maxsize=512)
def _glob(pattern: str, case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", 0 if case else re.IGNORECASE)


def matches(pattern: str, value: str, *, case: bool = True) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` one character (actions ignore case)."""
    return bool(_glob(pattern, case).match(value))


def covers(pattern: str, resource: str) -> bool:
    """Whether ``pattern`` matches every resource ``resource`` names (``.../prefix*``: all under prefix)."""
    if resource.endswith("*"):
        return pattern.endswith("*") and matches(pattern, resource[:-1])
    return matches(pattern, resource)


def _action_ok(stmt: Mapping, action: str) -> bool:
    if "NotAction" in stmt:
        return not any(matches(p, action, case=False) for p in _listed(stmt["NotAction"]))
    return any(matches(p, action, case=False) for p in _listed(stmt.get("Action")))


def _resource_ok(stmt: Mapping, resource: str) -> bool:
    if "NotResource" in stmt:  # proven only when no excluded pattern can touch what is needed
        base = resource.rstrip("*")
        return not any(matches(p, base) or p.startswith(base) for p in _listed(stmt["NotResource"]))
    return any(covers(p, resource) for p in _listed(stmt.get("Resource")))


def _condition_ok(condition: Mapping | None, context: Mapping[str, str]) -> bool:
    """True only when every test is a string test on a key of ``context`` that the context passes."""
    for operator, tests in (condition or {}).items():
        if operator not in ("StringEquals", "StringLike") or not isinstance(tests, Mapping):
            return False
        for key, wanted in tests.items():
            if key not in context:
                return False
            like = operator == "StringLike"
            if not any((matches(w, context[key]) if like else w == context[key]) for w in _listed(wanted)):
                return False
    return True


def allows(docs: Iterable[Mapping], need: Need) -> bool:
    """Whether some Allow statement of ``docs`` grants ``need`` (Deny is not evaluated here)."""
    context = dict(need.context)
    return any(s.get("Effect") == "Allow" and _action_ok(s, need.action) and _resource_ok(s, need.resource)
               and _condition_ok(s.get("Condition"), context)
               for doc in docs for s in statements(doc))


def denies(docs: Iterable[Mapping]) -> int:
    """How many Deny statements ``docs`` hold (reported as unchecked: never evaluated)."""
    return sum(1 for doc in docs for s in statements(doc) if s.get("Effect") == "Deny")


def trusting(doc: Mapping) -> Iterator[dict]:
    """The Allow statements letting Google's issuer assume the role with a web identity."""
    for s in statements(doc):
        principal = s.get("Principal")
        federated = _listed(principal.get("Federated")) if isinstance(principal, Mapping) else []
        if s.get("Effect") == "Allow" and GOOGLE_ISSUER in federated and _action_ok(s, ASSUME):
            yield s


def trusted_subs(stmt: Mapping) -> list[str] | None:
    """The subjects a trusting statement admits; None: any Google identity (no exact ``sub`` test)."""
    tests = (stmt.get("Condition") or {}).get("StringEquals") or {}
    subs = tests.get(SUB_KEY) if isinstance(tests, Mapping) else None
    return _listed(subs) if subs else None
