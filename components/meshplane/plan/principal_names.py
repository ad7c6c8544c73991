"""Principals in a short readable form for narrow tables; the full ids go to a folded appendix."""

from __future__ import annotations

import re

from .review_format import escape

SA_DOMAIN = ".iam.gserviceaccount.com"
AGENT_DOMAINS = ("bigquery-encryption", "serverless-robot-prod", "gs-project-accounts",
                 "storage-transfer-service")  # Google's service agents: <x>.iam.gserviceaccount.com
AGENT_PATTERN = re.compile(r"gcp-sa-[a-z0-9-]+")  # service-<number>@gcp-sa-<api>.iam.gserviceaccount.com
KINDS = {"group": "group", "user": "user", "serviceAccount": "service account", "domain": "domain"}
PII_WORDS = {"raw": "**raw (unmasked) PII**", "masked": "PII masked", "none": "no PII"}


def short_principal(principal: str, consumer: str = "") -> str:
    """``group:ad-sales@daff.example`` -> ``ad-sales@daff.example (group)``; a consuming product's
    runner -> ``playlist.year-in-review (its runner)``; a service account loses its domain."""
    if consumer:
        return f"`{consumer}` (its runner)"
    kind, _, name = principal.partition(":")
    if not name:
        return f"`{principal}`"
    name = name.removesuffix(SA_DOMAIN)
    return f"`{name}` ({KINDS.get(kind, kind)})"


def is_service_agent(principal: str) -> bool:
    """Whether ``principal`` is one of Google's service agents: ``serviceAccount:`` with an address in
    exactly one of their domains (not any address that merely contains one)."""
    kind, _, email = principal.partition(":")
    local, at, domain = email.rpartition("@")
    if kind != "serviceAccount" or not at or not local or not domain.endswith(SA_DOMAIN):
        return False
    sub = domain.removesuffix(SA_DOMAIN)
    return sub in AGENT_DOMAINS or AGENT_PATTERN.fullmatch(sub) is not None


def terms(record: dict) -> str:
    """What a consumer reads of a port: PII in words (raw or masked), and which rows."""
    return f"{PII_WORDS.get(record['pii'], record['pii'])}, {escape(record['rows'])}"
