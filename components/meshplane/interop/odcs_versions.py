"""The versions of the standards an export can declare, in words their published schemas accept.

meshplane builds contracts for ODCS v3.2.0, the version of the ``open-data-contract-standard``
library it validates with. The newest schema the standard publishes on its main branch is v3.1.0
(v3.2.0 is still developed on ``dev``), so ``--standard-version v3.1.0`` exports that: the same
contract, which uses nothing v3.2.0 added. Revisions of one version's schema differ (the library's
v3.2.0 and dataproduct-cli's ODPS v1.1.0 allow a custom property's ``vendor``, the standards'
repositories do not, nor custom properties on SLA items), so contracts and product files use
neither and every revision accepts them. The tests validate each version against its published
schemas (``tests/data/standards``).
"""

from __future__ import annotations

from .ids import ODCS_API_VERSION

ODCS_VERSIONS = (ODCS_API_VERSION, "v3.1.0")
"""Versions ``meshplane export odcs --standard-version`` writes; the first is the default."""


def as_version(doc: dict, version: str) -> dict:
    """The contract ``doc`` (built for ``ODCS_API_VERSION``) as ODCS ``version``."""
    if version not in ODCS_VERSIONS:
        raise ValueError(f"unsupported ODCS version {version!r}; expected one of {', '.join(ODCS_VERSIONS)}")
    return doc | {"apiVersion": version}
