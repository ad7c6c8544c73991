"""A local fake of the REST reads ``preflight`` makes without a client library (``live/rest_reads``):
one ``http.server`` on 127.0.0.1 that ``MESHPLANE_REST_ENDPOINT`` points every one of them at.

* Cloud Storage ``objects.list``: ``GET /storage/v1/b/{bucket}/o?prefix=&maxResults=``: 404 when the
  bucket is not in ``objects``, else at most ``maxResults`` ``items`` whose names start with ``prefix``
  (no ``items`` key when none, as the API answers);
* ``GET /v1/{name}`` of a Pub/Sub topic (``projects/p/topics/t``), a Cloud KMS key
  (``projects/p/locations/l/keyRings/r/cryptoKeys/k``), a Data Catalog policy tag
  (``projects/p/locations/l/taxonomies/t/policyTags/x``) or a BigQuery data policy
  (``projects/p/locations/l/dataPolicies/d``): 200 with ``{"name": ...}`` when in ``resources``, else 404.

Anything else answers 501, so no test passes on a call it did not mean to make. ``fail`` maps a path
prefix to an HTTP status, to break an API. What it cannot show: the APIs' permission model, and the
fields of a resource beyond its name (a key's purpose or state, a data policy's type are not read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from live_fakes import JsonHttpFake, api_error

NAMES = re.compile(r"^projects/[^/]+/(topics/[^/]+|locations/[^/]+/(keyRings/[^/]+/cryptoKeys/[^/]+|"
                   r"taxonomies/[^/]+/policyTags/[^/]+|dataPolicies/[^/]+))$")


@dataclass
class RestState:
    """What the fake serves."""

    objects: dict[str, list[str]] = field(default_factory=dict)  # bucket -> object names
    resources: set[str] = field(default_factory=set)  # topics, keys, policy tags, data policies (full names)
    fail: dict[str, int] = field(default_factory=dict)  # path prefix -> status
    calls: list[str] = field(default_factory=list)


class FakeRest(JsonHttpFake):
    """The fake REST server; use as a context manager; ``endpoint`` is ``MESHPLANE_REST_ENDPOINT``."""

    def __init__(self, state: RestState | None = None):
        self.state = state or RestState()
        super().__init__()

    def _answer(self, handler, method: str) -> None:
        raw, _, query = handler.path.partition("?")
        path, params = unquote(raw), {k: v[0] for k, v in parse_qs(query).items()}
        self.state.calls.append(f"GET {path}")
        broken = next((code for prefix, code in self.state.fail.items() if path.startswith(prefix)), None)
        if broken:
            return self._send(handler, broken, api_error(broken, "forbidden" if broken == 403 else "backendError",
                                                         f"The caller does not have permission: {path}"))
        code, body = self._route(path, params)
        self._send(handler, code, body or api_error(501, "notImplemented", f"the fake does not model GET {path}"))

    def _route(self, path: str, params: dict) -> tuple[int, dict | None]:
        listing = re.fullmatch(r"/storage/v1/b/([^/]+)/o", path)
        if listing:
            names = self.state.objects.get(listing.group(1))
            if names is None:
                return 404, api_error(404, "notFound", "The specified bucket does not exist.")
            size = int(params.get("maxResults") or 1000)
            items = [{"kind": "storage#object", "bucket": listing.group(1), "name": n}
                     for n in sorted(names) if n.startswith(params.get("prefix", ""))][:size]
            return 200, {"kind": "storage#objects", **({"items": items} if items else {})}
        name = path.removeprefix("/v1/")
        if not path.startswith("/v1/") or not NAMES.match(name):
            return 501, None
        if name not in self.state.resources:
            return 404, api_error(404, "notFound", f"Resource not found: {name}")
        return 200, {"name": name}
