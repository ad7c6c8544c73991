"""Members the offline plan makes up (pure): what ``preflight`` and ``audit`` must not take as facts.

The mocks cannot know a project's number: without a deployed stack's state they derive a stable,
plausible one from the project id (``plan/mocks.project_number``), and every Google service agent named
by it (``service-N@gcp-sa-logging…``, ``bq-N@bigquery-encryption…``, ``project-N@storage-transfer-
service…``) is made up with it. Nor can they know who runs ``pulumi up`` when the platform names no
``deployer`` (``deployer@credentials.invalid``). Such a planned member is compared by its shape only:
an actual member of the same role, kind and shape may be it, and is reported unchecked, never as a
leak or drift. ``--state`` (``pulumi stack export``) gives the real numbers (``project_numbers``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..engine.mocks import DEPLOYER
from .acl import Entry

NUMBERED = re.compile(r"^(service|project|bq)-([0-9]+)@(.+)$")


def is_invented(email: str, numbers: Iterable[str]) -> bool:
    """Whether the plan made ``email`` up: the stand-in deployer, or a service agent named by a project
    number no deployed state confirmed (``numbers``: the real ones)."""
    email = email.lower()
    match = NUMBERED.match(email)
    return email == DEPLOYER or bool(match and match.group(2) not in set(numbers))


def entry_invented(entry: Entry, numbers: Iterable[str]) -> bool:
    """Whether an access entry's member is made up (an e-mail member only)."""
    _, kind, ident = entry
    return kind == "email" and is_invented(ident, numbers)


def could_be(planned: Entry, actual: Entry) -> bool:
    """Whether ``actual`` may be the real member of a made-up ``planned`` one: same role and kind, and
    for a service agent the same prefix and domain with any number."""
    (role, kind, ident), (actual_role, actual_kind, actual_ident) = planned, actual
    if (role, kind) != (actual_role, actual_kind):
        return False
    if ident == DEPLOYER:
        return True
    want, have = NUMBERED.match(ident), NUMBERED.match(actual_ident)
    return bool(want and have and (want.group(1), want.group(3)) == (have.group(1), have.group(3)))
