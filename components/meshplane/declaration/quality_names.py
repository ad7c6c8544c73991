"""The names of a port's data-quality scan rules, decided from the declaration (pure)."""

from __future__ import annotations

import hashlib
import re

from .model import OutputPort
from .quality import QualityCheck, QualityRule
from .shortening import shorten

RULE_NAME_MAX = 63


def slo_rule_names(port: OutputPort) -> list[str]:
    """The names ``quality_rules`` gives the SLO and row-count rules (without building them)."""
    names = ["freshness"] if port.slos.freshness else []
    if port.slos.completeness is not None:
        names += [rule_name(f"completeness-{c.name}") for c in port.columns if c.required and not c.repeated]
    return names + ["row-count"]


def scan_rule_name(q: QualityRule) -> str:
    """The scan rule's name: the declared ``name`` as a slug, else after what it checks."""
    return rule_name(name_slug(q.name) if q.name else default_rule_name(q))


def default_rule_name(q: QualityRule) -> str:
    """What a rule without a ``name`` is called: after what it checks (stable under reordering)."""
    if q.rule == QualityCheck.NULL_CHECK:
        return f"not-null-{q.column}"
    if q.rule == QualityCheck.UNIQUE_CHECK:
        return f"unique-{q.column}"
    if q.rule == QualityCheck.ROW_COUNT:
        return "min-rows"
    return f"sql-{hashlib.sha256((q.query or '').encode('utf-8')).hexdigest()[:8]}"


def rule_name(raw: str) -> str:
    """A valid rule name: '_' becomes '-', hash-shortened to 63 characters."""
    return shorten(raw.replace("_", "-").lower(), RULE_NAME_MAX)


def name_slug(name: str) -> str:
    """A declared rule name as a Dataplex one: lowercase letters, digits and '-', starting with a letter."""
    slug = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]", "-", name.lower())).strip("-")
    return slug if slug[:1].isalpha() else f"rule-{slug}".rstrip("-")
