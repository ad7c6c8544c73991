"""Read-only BigQuery calls (google-cloud-bigquery), answered as REST resources (plain dicts).

``None`` means not found (404); any other failure is an ``ApiError`` the caller reports as
unchecked. The client library has no call for ``rowAccessPolicies.list`` and ``getIamPolicy``: they go
through the client's own authorized connection (same endpoint, credentials and retries).
"""

from __future__ import annotations

from functools import lru_cache


FILTERED_DATA_VIEWER = "roles/bigquery.filteredDataViewer"


class ApiError(Exception):
    """A call failed for another reason than not found: the check could not be made."""


def _message(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {text}".splitlines()[0][:300]


def _reason(exc: Exception) -> str:
    """BigQuery's own message (``errors[0].message``), without the request URL and job id around it."""
    errors = getattr(exc, "errors", None) or []
    if errors and isinstance(errors[0], dict) and errors[0].get("message"):
        return str(errors[0]["message"])
    return (getattr(exc, "message", None) or str(exc)).splitlines()[0]


class BigQueryReads:
    """The BigQuery reads of ``preflight`` and ``audit``, with lookups cached per run."""

    def __init__(self, client):
        from google.api_core import exceptions

        self.client, self._exceptions = client, exceptions
        self.dataset = lru_cache(maxsize=None)(self._dataset)
        self.table = lru_cache(maxsize=None)(self._table)

    def _get(self, call, *args):
        try:
            return call(*args)
        except self._exceptions.NotFound:
            return None
        except Exception as exc:  # noqa: BLE001 - every other failure is reported, never a traceback
            raise ApiError(_message(exc)) from exc

    def _dataset(self, project: str, dataset_id: str) -> dict | None:
        found = self._get(self.client.get_dataset, f"{project}.{dataset_id}")
        return found.to_api_repr() if found is not None else None

    def _table(self, project: str, dataset_id: str, table_id: str) -> dict | None:
        found = self._get(self.client.get_table, f"{project}.{dataset_id}.{table_id}")
        return found.to_api_repr() if found is not None else None

    def contents(self, project: str, dataset_id: str) -> list[tuple[str, str]] | None:
        """Every table, view and routine in the dataset, ``(id, type)`` (``TABLE``, ``VIEW``, ...,
        ``ROUTINE``), every page read (the client follows ``nextPageToken``); None when the dataset does
        not exist."""
        def listed():
            where = f"{project}.{dataset_id}"
            found = [(t.table_id, str(t.table_type or "TABLE")) for t in self.client.list_tables(where)]
            return sorted(found + [(r.routine_id, "ROUTINE") for r in self.client.list_routines(where)])
        return self._get(listed)

    def routine(self, project: str, dataset_id: str, routine_id: str) -> dict | None:
        found = self._get(self.client.get_routine, f"{project}.{dataset_id}.{routine_id}")
        return found.to_api_repr() if found is not None else None

    def row_policies(self, project: str, dataset_id: str, table_id: str) -> list[dict] | None:
        """The table's row access policies, every page (``nextPageToken``); None: no such table."""
        path = f"/projects/{project}/datasets/{dataset_id}/tables/{table_id}/rowAccessPolicies"
        found, token = [], None
        while True:
            params = {"pageToken": token} if token else None
            answer = self._get(lambda: self.client._connection.api_request(method="GET", path=path,
                                                                           query_params=params))
            if answer is None:
                return None
            found += answer.get("rowAccessPolicies") or []
            token = answer.get("nextPageToken")
            if not token:
                return found

    def row_policy_grantees(self, project: str, dataset_id: str, table_id: str, policy_id: str) -> set[str] | None:
        """The members the policy's IAM policy binds to ``roles/bigquery.filteredDataViewer`` (what the
        ``grantees`` of the DDL and of pulumi's input become: the field itself is input-only); None: no
        such policy."""
        path = (f"/projects/{project}/datasets/{dataset_id}/tables/{table_id}/rowAccessPolicies/"
                f"{policy_id}:getIamPolicy")
        policy = self._get(lambda: self.client._connection.api_request(
            method="POST", path=path, data={"options": {"requestedPolicyVersion": 1}}))
        if policy is None:
            return None
        return {str(m) for b in policy.get("bindings") or [] if b.get("role") == FILTERED_DATA_VIEWER
                for m in b.get("members") or []}

    def dry_run(self, sql: str, project: str, location: str | None) -> str | None:
        """Why BigQuery refuses ``sql`` (its message), or None when the dry run passes."""
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(dry_run=True, use_query_cache=False)
        try:
            self.client.query(sql, job_config=config, project=project, location=location)
        except (self._exceptions.BadRequest, self._exceptions.NotFound) as exc:
            return _reason(exc)
        except Exception as exc:  # noqa: BLE001
            raise ApiError(_message(exc)) from exc
        return None
