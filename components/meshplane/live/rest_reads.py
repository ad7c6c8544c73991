"""Read-only REST calls for what has no client library among meshplane's dependencies: Cloud Storage
prefixes, Pub/Sub topics, Cloud KMS keys, Data Catalog policy tags and BigQuery data policies.

The calls go through google-auth's ``AuthorizedSession`` (google-auth and requests come with
google-cloud-bigquery), so no new dependency. ``None`` means not found (404); any other answer
(403, 5xx, a network error, credentials that cannot refresh) is an ``ApiError`` the caller reports as
unchecked. ``MESHPLANE_REST_ENDPOINT`` (``http://host:port``) sends every one of these calls to a
local emulator instead, with a plain ``requests`` session: the tests' fake uses it; nothing else should.
"""

from __future__ import annotations

import os
from functools import lru_cache
from urllib.parse import quote

from .bigquery_reads import ApiError
from .clients import REST_ENDPOINT

HOSTS = {"storage": "https://storage.googleapis.com", "pubsub": "https://pubsub.googleapis.com",
         "kms": "https://cloudkms.googleapis.com", "datacatalog": "https://datacatalog.googleapis.com",
         "datapolicy": "https://bigquerydatapolicy.googleapis.com"}
TIMEOUT = 30  # seconds per call


def rest_session(credentials, endpoint: str | None = None):
    """A session for the REST reads and the base URL override (None: Google's hosts)."""
    endpoint = endpoint or os.environ.get(REST_ENDPOINT)
    if endpoint:
        import requests

        return RestSession(requests.Session(), endpoint.rstrip("/"))
    from google.auth.transport.requests import AuthorizedSession

    return RestSession(AuthorizedSession(credentials), None)


class RestSession:
    """An HTTP session and where it sends each service's calls."""

    def __init__(self, session, endpoint: str | None):
        self.session, self.endpoint = session, endpoint

    def url(self, service: str, path: str) -> str:
        return (self.endpoint or HOSTS[service]) + path

    def close(self) -> None:
        self.session.close()


def _error(answer) -> str:
    try:
        body = answer.json().get("error") or {}
        message = body.get("message") or answer.reason
    except ValueError:
        message = answer.reason or answer.text[:200]
    return f"HTTP {answer.status_code}: {str(message).splitlines()[0][:300]}"


class RestReads:
    """Existence of the resources ``preflight`` names but no client reads, cached per run."""

    def __init__(self, rest: RestSession):
        self.rest = rest
        self._get = lru_cache(maxsize=None)(self._fetch)

    def _fetch(self, service: str, path: str, params: tuple = ()) -> dict | None:
        try:
            answer = self.rest.session.get(self.rest.url(service, path), params=dict(params), timeout=TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - network, TLS, credentials: reported as unchecked
            raise ApiError(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}") from exc
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise ApiError(_error(answer))
        try:
            return answer.json()
        except ValueError as exc:
            raise ApiError(f"HTTP 200 but not JSON: {answer.text[:100]!r}") from exc

    def prefix_objects(self, bucket: str, prefix: str) -> bool | None:
        """Whether an object is under ``prefix`` in ``bucket`` (``objects.list``, one result); None:
        no such bucket."""
        found = self._get("storage", f"/storage/v1/b/{quote(bucket, safe='')}/o",
                          (("prefix", prefix), ("maxResults", "1")))
        return None if found is None else bool(found.get("items"))

    def resource(self, service: str, name: str) -> dict | None:
        """``GET /v1/{name}`` of a Pub/Sub topic (``pubsub``), a KMS key (``kms``), a policy tag
        (``datacatalog``) or a data policy (``datapolicy``); None: it does not exist."""
        return self._get(service, "/v1/" + quote(name, safe="/"))
