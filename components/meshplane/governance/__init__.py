"""Global governance rules: pure functions over declarations (and, later, resource inventories)."""

from .declarations import check_governance

__all__ = ["check_governance"]
