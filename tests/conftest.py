"""Shared fixtures of the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PODCAST_BLUEPRINT = ROOT / "blueprints" / "podcast" / "podcast-demographics.yaml"


@pytest.fixture
def blueprint() -> dict:
    """A fresh copy of the podcast-demographics blueprint as plain data, to mutate per test."""
    return yaml.safe_load(PODCAST_BLUEPRINT.read_text(encoding="utf-8"))
