"""Resource options for children: parent, and the lifecycle flags set explicitly on each child.

The Python SDK does not pass ``retain_on_delete`` from a component to its children, so every
data-holding child gets ``protect`` and ``retain_on_delete`` here, visibly, in one place.

Grants (dataset ACL entries, IAM members, row access policies) have no update: a change replaces
them, and Pulumi's default (create the new one, then delete the old) revokes an entry equal to the
one it has just created. ``grant_child`` deletes before it replaces.

Purge is the one exception, decided here too: a retired product declared with ``purge: true`` (refused
on production stacks) carries the label ``purge=true`` on its project, datasets and tables, and
``purged(labels)`` lifts their protection: no ``protect``/``retain_on_delete``, tables without
``deletion_protection``, datasets deleting their contents, the project's deletion policy DELETE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
from ..product.standards import PURGE_LABEL


def child(parent: pulumi.Resource, *, depends_on: Sequence[pulumi.Resource] | None = None,
          aliases: Sequence[pulumi.Alias] | None = None, delete_first: bool = False) -> pulumi.ResourceOptions:
    """Options of an ordinary child: parented to ``parent``, with its explicit dependencies;
    ``delete_first``: deleted before it is replaced (its replacement has the same name)."""
    return pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on or []),
                                  aliases=list(aliases or []), delete_before_replace=delete_first or None)


def grant_child(parent: pulumi.Resource, *, depends_on: Sequence[pulumi.Resource] | None = None,
                aliases: Sequence[pulumi.Alias] | None = None, replacement_trigger: object = None,
                replace_on_changes: Sequence[str] | None = None, keep: bool = False) -> pulumi.ResourceOptions:
    """Options of a grant (a dataset ACL entry, an IAM member, a row policy): deleted before it is
    replaced, so a replacement never ends by revoking the entry it has just re-created. ``keep``: a
    grant the data depends on (the KMS key's), protected and retained like the data."""
    return pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on or []), aliases=list(aliases or []),
                                  delete_before_replace=True, replacement_trigger=replacement_trigger,
                                  replace_on_changes=list(replace_on_changes or []) or None,
                                  protect=keep, retain_on_delete=keep)


def data_child(parent: pulumi.Resource, *, depends_on: Sequence[pulumi.Resource] | None = None,
               aliases: Sequence[pulumi.Alias] | None = None, purge: bool = False,
               ignore_changes: Sequence[str] | None = None) -> pulumi.ResourceOptions:
    """Options of a data-holding child: protected, and retained in GCP if removed from the stack
    (unless ``purge``: then deleted with the stack, like any other resource)."""
    return pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on or []),
                                  aliases=list(aliases or []), protect=not purge, retain_on_delete=not purge,
                                  ignore_changes=list(ignore_changes or []) or None)


def purged(labels: Mapping[str, str] | None) -> bool:
    """Whether a data-holding resource with these labels belongs to a product being purged."""
    return (labels or {}).get(PURGE_LABEL) == "true"


def component_token(cls_name: str) -> str:
    """The type token of a meshplane component: ``meshplane:index:<Class>``."""
    return f"meshplane:index:{cls_name}"
