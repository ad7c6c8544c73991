"""Resource options for children: parent, and the lifecycle flags set explicitly on each child.

The Python SDK does not pass ``retain_on_delete`` from a component to its children, so every
data-holding child gets ``protect`` and ``retain_on_delete`` here, visibly, in one place.

Purge is the one exception, decided here too: a retired product declared with ``purge: true`` (refused
on production stacks) carries the label ``purge=true`` on its project, datasets and tables, and
``purged(labels)`` lifts their protection: no ``protect``/``retain_on_delete``, tables without
``deletion_protection``, datasets deleting their contents, the project's deletion policy DELETE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

PURGE_LABEL = "purge"  # value "true": the product's data may be deleted (see the module's docstring)


def child(parent: pulumi.Resource, *, depends_on: Sequence[pulumi.Resource] | None = None,
          aliases: Sequence[pulumi.Alias] | None = None) -> pulumi.ResourceOptions:
    """Options of an ordinary child: parented to ``parent``, with its explicit dependencies."""
    return pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on or []),
                                  aliases=list(aliases or []))


def data_child(parent: pulumi.Resource, *, depends_on: Sequence[pulumi.Resource] | None = None,
               aliases: Sequence[pulumi.Alias] | None = None, purge: bool = False) -> pulumi.ResourceOptions:
    """Options of a data-holding child: protected, and retained in GCP if removed from the stack
    (unless ``purge``: then deleted with the stack, like any other resource)."""
    return pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on or []),
                                  aliases=list(aliases or []), protect=not purge, retain_on_delete=not purge)


def purged(labels: Mapping[str, str] | None) -> bool:
    """Whether a data-holding resource with these labels belongs to a product being purged."""
    return (labels or {}).get(PURGE_LABEL) == "true"


def component_token(cls_name: str) -> str:
    """The type token of a meshplane component: ``meshplane:index:<Class>``."""
    return f"meshplane:index:{cls_name}"
