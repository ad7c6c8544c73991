"""A domain's folder: an id as given, or a display path looked up when the stack deploys.

A display path (``data-products/brokerage``) is relative to the organization and is walked one
segment at a time with the provider's ``organizations.get_folders``: Resource Manager v3
``folders.list`` of one parent, its active children, strongly consistent (the deployer needs
``resourcemanager.folders.list`` on the organization and on each folder of the path). Each segment
must match exactly one active child's display name (case-sensitive, as GCP compares them);
otherwise the deploy fails naming the path, the level and what is there. ``get_active_folder``
would find a child too, but its errors name neither the path nor the parent.

Offline, the mocks answer these invokes with stand-in folders (``engine/mocks.py``), and the plan
shows the resolved id as unknown: only the deploy knows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pulumi
import pulumi_gcp as gcp

from ..settings.platform import PlatformSettings, is_folder_id

ACTIVE = "ACTIVE"


class FolderLookupError(ValueError):
    """A folder display path that does not lead to exactly one folder."""


def folder_name(folder_id: str) -> str:
    """``folders/<id>`` for a folder id given as ``folders/123`` or ``123``."""
    return folder_id if folder_id.startswith("folders/") else f"folders/{folder_id}"


def domain_folder(platform: PlatformSettings, domain: str,
                  opts: pulumi.InvokeOptions | None = None) -> str | None:
    """The folder (``folders/<id>``) of ``domain``'s projects: as given, looked up for a display path,
    None when the platform names none (projects then go directly under the organization)."""
    folder = platform.folders.get(domain)
    if folder is None:
        return None
    if is_folder_id(folder):
        return folder_name(folder)
    return resolve_folder(folder, platform.organization_id, domain, opts)


def resolve_folder(path: str, organization_id: str, domain: str, opts: pulumi.InvokeOptions | None = None) -> str:
    """The ``folders/<id>`` at display ``path`` below ``organizations/<organization_id>``: one
    ``get_folders`` per segment, each listing the children of the folder found before it. The
    invokes are plain (awaited here), so a path that leads nowhere fails the program with its own
    error before any resource is registered."""
    parent = f"organizations/{organization_id}"
    segments = path.split("/")
    for depth, segment in enumerate(segments):
        listing = gcp.organizations.get_folders(parent_id=parent, opts=opts)
        parent = child_folder(listing.folders, parent, segment, where="/".join(segments[:depth]),
                              path=path, domain=domain)
    return parent


def child_folder(children: Iterable, parent: str, segment: str, *, where: str, path: str, domain: str) -> str:
    """The name (``folders/<id>``) of the one active child of ``parent`` displayed as ``segment``;
    ``FolderLookupError`` naming the path and the level when there is none, or more than one."""
    children = list(children or [])
    active = [c for c in children if _field(c, "state") in (None, ACTIVE)]
    matches = sorted(_field(c, "name") for c in active if _field(c, "display_name") == segment)
    if len(matches) == 1:
        return matches[0]
    field = f"meshplane:platform.folders.{domain}"
    below = f"the folder {where!r} ({parent})" if where else f"the organization ({parent})"
    if not matches:
        names = sorted({str(_field(c, "display_name")) for c in active})
        shown = ", ".join(repr(n) for n in names[:20]) + (", ..." if len(names) > 20 else "") or "none"
        raise FolderLookupError(
            f"{field}: no folder {segment!r} in {below}; given the display path {path!r}; expected one of "
            f"the folders there ({shown}), or the folder's id ('folders/123')")
    raise FolderLookupError(
        f"{field}: {len(matches)} folders named {segment!r} in {below}: {', '.join(matches)}; given the "
        f"display path {path!r}; expected one: give the folder's id ('folders/123') instead")


def _field(child: object, key: str) -> object:
    """A field of one listed folder: the provider's result type (``display_name``), or a mapping with
    the API's keys (``displayName``)."""
    value = getattr(child, key, None)
    if value is None and isinstance(child, Mapping):
        head, *rest = key.split("_")
        value = child.get(head + "".join(word.title() for word in rest))
    return value
