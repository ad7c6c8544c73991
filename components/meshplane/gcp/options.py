"""Resource options for children: parent, and the lifecycle flags set explicitly on each child.

The Python SDK does not pass ``retain_on_delete`` from a component to its children, so every
data-holding child gets ``protect`` and ``retain_on_delete`` here, visibly, in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi


def child(parent: pulumi.Resource, *, depends_on: Sequence[pulumi.Resource] | None = None,
          aliases: Sequence[pulumi.Alias] | None = None) -> pulumi.ResourceOptions:
    """Options of an ordinary child: parented to ``parent``, with its explicit dependencies."""
    return pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on or []),
                                  aliases=list(aliases or []))


def data_child(parent: pulumi.Resource, *, depends_on: Sequence[pulumi.Resource] | None = None,
               aliases: Sequence[pulumi.Alias] | None = None) -> pulumi.ResourceOptions:
    """Options of a data-holding child: protected, and retained in GCP if removed from the stack."""
    return pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on or []),
                                  aliases=list(aliases or []), protect=True, retain_on_delete=True)


def component_token(cls_name: str) -> str:
    """The type token of a meshplane component: ``meshplane:index:<Class>``."""
    return f"meshplane:index:{cls_name}"
